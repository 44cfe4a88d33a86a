#!/usr/bin/env bash
# e2e_conformance.sh - runs the container and image conformance table
# (tests/conformance/containers.md) against real dockerds: one container (or
# image) per case, made as the row's setup says, then one `dockward check
# --format json` per daemon, and every row's (check, container/<case> or
# image/conf-<case>:1) result must be there exactly once with the row's status
# and, when the row names one, its evidence phrase.
#
# The table (markdown; other text in the file is ignored):
#   | case | check | setup | expect | evidence | why |
#   |---|---|---|---|---|---|
#   | publish-all | 5.14 | `bridge run -P --expose 8080` | fail | 0.0.0.0 | ... |
# Rows are the `|` lines after such a header and its `|---|` line; cells are
# split on `|` (write `\|` for a literal one) and trimmed, and one pair of
# enclosing backticks is stripped. Setup forms:
#   run ARGS...          docker run -d --name CASE ARGS... IMAGE sleep 1000
#   create ARGS...       docker create --name CASE ARGS... IMAGE sleep 1000
#                        both on the PLAIN dockerd (--bridge=none)
#   bridge run|create .. the same on the BRIDGE dockerd (below)
#   image INSTR ;; ...   an image conf-CASE:1 built (classic builder) on the plain
#                        dockerd FROM IMAGE with these Dockerfile instructions,
#                        in a context holding hello.txt; its rows are judged on
#                        target image/conf-CASE:1
#   [bridge ]ANY...      with check `-` and expect `-`: `docker ANY...` on that
#                        daemon, in table order, before any container is made
#                        (volumes, networks)
#   proof: FILE:NAME     not run: tests/FILE must exist and define NAME (a test
#                        function, or a case of a case file: e2e_proof_defined)
#                        (the case is proved by another test)
# ARGS are split like a shell does (quotes, backslashes; no expansion), after
# these placeholders are replaced, in setup and in evidence:
#   $SHARED  a directory made a shared mount point (for bind-propagation=shared)
#   $SOCK    the socket of the row's daemon, under /run (so -v /run:/run holds it)
#   $WORK    this run's scratch directory; $WORK/seccomp.json is Docker's
#            default seccomp profile (tests/conformance/seccomp-default.json,
#            moby v20.10.24's profiles/seccomp/default.json, the dockerd
#            Debian 12 ships); $WORK/sshd a script that sleeps (its comm is sshd)
# A case may have several rows (one per check) but one setup; cases are made
# in table order, so a later case may join an earlier one
# (--network container:CASE).
#
# The table itself is checked too: every expect is pass/fail/warn/skip/error,
# every check id is one dockward knows, and every per-container check has at
# least one pass row and one fail row, proof rows included; for the manual
# 5.9, 5.18, 5.19 and 5.30 a warn row and a pass or skip row (they skip a
# container with nothing to review: no ports, devices, ulimits).
#
# The two daemons (tests/docker_env.sh), one after the other:
#   plain   --bridge=none, in the host's namespaces;
#   bridge  a docker0 bridge on 10.213.77.1/24 with --iptables=false, run in a
#           network namespace of its own (unshare --net, lo up): its bridge,
#           its veths and its userland-proxy listeners never touch the host's
#           network, and the namespace goes away with the last process in it.
#           Published ports are bound for real: every running bridge container
#           with published ports shows host ports in NetworkSettings.Ports, and
#           each is listening in that namespace.
#
# Environment: DOCKWARD_BIN, DOCKWARD_TESTS (set by ctest);
# CONFORMANCE_TABLE=FILE runs another table (default
# $DOCKWARD_TESTS/conformance/containers.md); E2E_SAVE_DIR=DIR keeps each
# daemon's JSON there.
set -euo pipefail

: "${DOCKWARD_BIN:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require jq curl docker dockerd busybox unshare ip xargs
export LC_ALL=C
# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"

table=${CONFORMANCE_TABLE:-$DOCKWARD_TESTS/conformance/containers.md}
seccomp_src=$DOCKWARD_TESTS/conformance/seccomp-default.json
IMAGE=dw-conformance-busybox:1
BRIDGE_BIP=10.213.77.1/24
MANUAL_CHECKS=" 5.9 5.18 5.19 5.30 4.7 4.9 "

t0=$(e2e_now)

if [ ! -f "$table" ]; then
    case $table in
    "$DOCKWARD_TESTS"/*) echo "# tests/${table#"$DOCKWARD_TESTS"/} missing" ;;
    *) echo "# $table missing" ;;
    esac
    check "the conformance table exists" false
    e2e_summary
    exit 1
fi

work=$(mktemp -d /tmp/dockward-e2e-XXXXXX)
docker_started=0
shared_mounted=0
socks=()
cleanup() {
    set +e
    [ "$docker_started" = 1 ] && docker_env_stop
    [ ${#socks[@]} = 0 ] || rm -f "${socks[@]}"
    if [ "$shared_mounted" = 1 ]; then
        umount "$work/shared" 2>/dev/null || umount -l "$work/shared"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# docker_env_start runs `dockerd`: this stands in for the binary so that the
# bridge daemon runs in a network namespace of its own, with lo up.
dockerd_bin=$(command -v dockerd)
dockerd_netns=0
dockerd() {
    if [ "$dockerd_netns" = 1 ]; then
        exec unshare --net /bin/sh -c 'ip link set lo up || exit 1; exec "$@"' sh "$dockerd_bin" "$@"
    fi
    exec "$dockerd_bin" "$@"
}

# ---- the table ---------------------------------------------------------------

# One record per row: line, number of cells, case, check, setup, expect,
# evidence (fields separated by \037; the why column is not needed).

# Rows, by index: R_LINE R_CASE R_CHECK R_SETUP R_EXPECT R_EVID, and
#   R_KIND    container | image | command | proof | bad
#   R_DAEMON  plain | bridge (container and command rows)
#   R_VERB    run | create (container rows)
#   R_ARGS    the setup after "[bridge ]run|create" (container rows), or after
#             "[bridge ]" (command rows)
R_LINE=() R_CASE=() R_CHECK=() R_SETUP=() R_EXPECT=() R_EVID=() R_KIND=() R_DAEMON=() R_VERB=() R_ARGS=()
problems=() # what is wrong with the table, one line each
declare -A case_setup=() case_line=() case_check_line=()
case_order=()  # container cases, in the order of their first row
image_order=() # image cases (built from $IMAGE), likewise

valid_status() { case $1 in pass | fail | warn | skip | error) return 0 ;; esac; return 1; }

add_row() { # add_row LINE NCELLS CASE CHECK SETUP EXPECT EVIDENCE
    local i=${#R_LINE[@]} line=$1 n=$2 name=$3 id=$4 setup=$5 expect=$6 evid=$7
    local kind=bad daemon="" verb="" args="" norm
    R_LINE[i]=$line R_CASE[i]=$name R_CHECK[i]=$id R_SETUP[i]=$setup R_EXPECT[i]=$expect R_EVID[i]=$evid
    if [ "$n" -lt 6 ]; then
        problems+=("line $line: $n cells, want 6 (case, check, setup, expect, evidence, why)")
    elif [ -z "$setup" ]; then
        problems+=("line $line: the setup is empty")
    elif [ "$id" = - ]; then
        [ "$expect" = - ] || problems+=("line $line: a setup command row (check -) must expect -, not '$expect'")
        kind=command daemon=plain args=$setup
        case $setup in "bridge "*) daemon=bridge args=${setup#bridge } ;; esac
        args=${args#"${args%%[! ]*}"}
        [ -n "$args" ] || { kind=bad; problems+=("line $line: an empty docker command"); }
    elif [[ $setup =~ ^proof:[[:space:]]*([^:[:space:]]+):([^[:space:]]+)$ ]]; then
        kind=proof args="${BASH_REMATCH[1]}:${BASH_REMATCH[2]}"
    elif [[ $setup =~ ^image[[:space:]]+(.+)$ ]]; then
        kind=image daemon=plain args=${BASH_REMATCH[1]}
    elif [[ $setup =~ ^(bridge[[:space:]]+)?(run|create)([[:space:]]+(.*))?$ ]]; then
        kind=container daemon=plain verb=${BASH_REMATCH[2]} args=${BASH_REMATCH[4]}
        [ -z "${BASH_REMATCH[1]}" ] || daemon=bridge
    else
        problems+=("line $line: unknown setup form '$setup' (want [bridge ]run|create ARGS, proof: FILE:NAME, or a command with check -)")
    fi
    if [ "$kind" = container ] || [ "$kind" = image ] || [ "$kind" = proof ]; then
        valid_status "$expect" || problems+=("line $line: expect '$expect' is not pass, fail, warn, skip or error")
        [ -n "$name" ] || problems+=("line $line: no case name")
        [ -n "$id" ] || problems+=("line $line: no check id")
    fi
    if { [ "$kind" = container ] || [ "$kind" = image ]; } && [ -n "$name" ]; then
        norm="$kind $daemon $verb $(echo "$args" | tr -s ' \t' '  ')"
        norm=${norm% }
        if [ -z "${case_setup[$name]+x}" ]; then
            case_setup[$name]=$norm case_line[$name]=$line
            if [ "$kind" = image ]; then image_order+=("$name"); else case_order+=("$name"); fi
        elif [ "${case_setup[$name]}" != "$norm" ]; then
            problems+=("line $line: case $name has two setups: '${case_setup[$name]}' (line ${case_line[$name]}) and '$norm'")
            kind=bad
        fi
        if [ -n "${case_check_line[$name/$id]+x}" ]; then
            problems+=("line $line: case $name has a second row for $id (line ${case_check_line[$name/$id]})")
        fi
        case_check_line[$name/$id]=$line
    fi
    R_KIND[i]=$kind R_DAEMON[i]=$daemon R_VERB[i]=$verb R_ARGS[i]=$args
}

while IFS=$'\037' read -r l n c id s e ev _why; do
    add_row "$l" "$n" "$c" "$id" "$s" "$e" "$ev"
done < <(e2e_md_table "$table")

n_rows=${#R_LINE[@]}
count_kind() { # count_kind KIND [DAEMON]
    local i k=0
    for ((i = 0; i < n_rows; i++)); do
        [ "${R_KIND[i]}" = "$1" ] || continue
        [ -z "${2:-}" ] || [ "${R_DAEMON[i]}" = "$2" ] || continue
        k=$((k + 1))
    done
    echo "$k"
}
echo "# $table: $n_rows rows: $(count_kind container plain) plain, $(count_kind container bridge) bridge, $(count_kind image) image," \
    "$(count_kind command) setup commands, $(count_kind proof) proofs, ${#case_order[@]} containers"

check "the table has container rows" [ "$(count_kind container)" -gt 0 ]
table_well_formed() {
    [ "${#problems[@]}" = 0 ] && return 0
    printf '#   %s\n' "${problems[@]}"
    return 1
}
check "every row is well formed (6 cells, a known setup form, a valid expect, one setup per case)" \
    table_well_formed

proofs_verified=0
proof_holds() { # proof_holds FILE NAME
    e2e_proof_defined "$1" "$2" || return 1
    proofs_verified=$((proofs_verified + 1))
}
for ((i = 0; i < n_rows; i++)); do
    [ "${R_KIND[i]}" = proof ] || continue
    check "${R_CHECK[i]} ${R_CASE[i]} (${R_SETUP[i]}): ${R_EXPECT[i]} is proved by tests/${R_ARGS[i]%%:*}" \
        proof_holds "${R_ARGS[i]%%:*}" "${R_ARGS[i]#*:}"
done
echo "# proof rows verified: $proofs_verified of $(count_kind proof)"
echo "# table read after $(e2e_since "$t0") s"

# ---- shared set-up -------------------------------------------------------------

cp "$seccomp_src" "$work/seccomp.json"
# A process whose comm is sshd (5.7): a script keeps the name it was run by.
printf '#!/bin/sh\nsleep 1000\n' >"$work/sshd"
chmod 0755 "$work/sshd"
echo '{}' >"$work/daemon.json" # an empty daemon.json, never the host's
mkdir -p "$work/shared"
mount --bind "$work/shared" "$work/shared"
shared_mounted=1
mount --make-shared "$work/shared"
# The trap does not run when this script is SIGKILLed (a ctest timeout): a
# watchdog in a session of its own then unmounts $work/shared and, once
# docker_env's own watchdog has unmounted what dockerd left under $work (up
# to 30 s), removes $work. It ends with this script in every other case.
# Started from a subshell that exits at once: no descendant of this script,
# whose whole process tree a ctest timeout kills.
# shellcheck disable=SC2016 # the watchdog's own script
(setsid bash -c '
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    [ -d "$2" ] || exit 0
    umount -l "$2/shared" 2>/dev/null
    for _ in $(seq 1 30); do
        awk -v d="$2/" "index(\$5, d) == 1 {n++} END {exit n > 0}" /proc/self/mountinfo && break
        sleep 1
    done
    awk -v d="$2/" "index(\$5, d) == 1 {n++} END {exit n > 0}" /proc/self/mountinfo && rm -rf "$2"
' e2e_conformance_watchdog "$$" "$work" </dev/null >/dev/null 2>&1 &)

# subst STRING SOCK : STRING with the placeholders replaced.
# shellcheck disable=SC2016 # the patterns are the literal placeholders
subst() {
    local s=$1
    s=${s//'${SHARED}'/$work/shared} s=${s//'$SHARED'/$work/shared}
    s=${s//'${SOCK}'/$2} s=${s//'$SOCK'/$2}
    s=${s//'${WORK}'/$work} s=${s//'$WORK'/$work}
    printf '%s' "$s"
}
# split_args STRING : sets ARGS to STRING split as a shell does (quotes and
# backslashes, no expansion); returns 1 on unknown placeholders or bad quoting.
ARGS=()
split_args() {
    ARGS=()
    if [[ $1 =~ \$\{?[A-Za-z_]+ ]]; then
        echo "#   unknown placeholder ${BASH_REMATCH[0]} in: $1"
        return 1
    fi
    printf '%s' "$1" | xargs -r printf '%s\0' >"$work/args" 2>"$work/args.err" || {
        echo "#   cannot split: $1: $(cat "$work/args.err")"
        return 1
    }
    mapfile -d '' -t ARGS <"$work/args"
}

quiet() { # quiet CMD... : runs CMD, printing its output only when it fails
    "$@" >"$work/cmd.out" 2>&1 && return 0
    sed 's/^/#   /' "$work/cmd.out"
    return 1
}

docker_command() { # docker_command ROW : `docker ARGS` of a command row
    local sock=$DOCKER_ENV_SOCK
    split_args "$(subst "${R_ARGS[$1]}" "$sock")" || return 1
    quiet dk "${ARGS[@]}"
}

# image_target CASE : the target dockward names the image of an image case.
image_target() { echo "image/conf-$1:1"; }

# make_image CASE INSTRUCTIONS : builds conf-CASE:1 FROM the busybox image with
# the Dockerfile instructions (separated by ";;"), in a context holding
# hello.txt (for ADD/COPY), with the classic builder (no buildx here).
make_image() {
    local name=$1 ctx="$work/image-$1" instr
    mkdir -p "$ctx"
    echo hello >"$ctx/hello.txt"
    {
        echo "FROM $IMAGE"
        local rest=$2
        while [ -n "$rest" ]; do
            instr=${rest%%;;*}
            [ "$instr" = "$rest" ] && rest="" || rest=${rest#*;;}
            instr=${instr#"${instr%%[! ]*}"}
            [ -z "$instr" ] || echo "$instr"
        done
    } >"$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 quiet dk build -q -t "conf-$name:1" "$ctx"
}

make_container() { # make_container CASE DAEMON VERB ARGS : made, and in the state VERB leaves it in
    local name=$1 verb=$3 state want
    split_args "$(subst "$4" "$DOCKER_ENV_SOCK")" || return 1
    if [ "$verb" = run ]; then
        quiet dk run -d --name "$name" "${ARGS[@]}" "$IMAGE" sleep 1000 || return 1
        want=running
    else
        quiet dk create --name "$name" "${ARGS[@]}" "$IMAGE" sleep 1000 || return 1
        want=created
    fi
    state=$(dk inspect -f '{{.State.Status}}' "$name")
    [ "$state" = "$want" ] && return 0
    echo "#   $name is $state, want $want"
    return 1
}

# ports_real CASE : a running container attached to a network with published
# ports has host ports in NetworkSettings.Ports, each listening in the bridge
# daemon's network namespace (the userland proxy bound it).
ports_real() {
    local name=$1 ports p hex bad=0
    ports=$(dk inspect -f '{{json .NetworkSettings.Ports}}' "$name" |
        jq -r '[to_entries[] | select(.value != null) | .value[].HostPort] | unique | join(" ")')
    if [ -z "$ports" ]; then
        echo "#   $name: no host port in NetworkSettings.Ports: $(dk inspect -f '{{json .NetworkSettings.Ports}}' "$name")"
        return 1
    fi
    for p in $ports; do
        hex=$(printf '%04X' "$p")
        if ! awk -v h=":$hex" 'substr($2, length($2) - 4) == h && $4 == "0A" { f = 1 } END { exit !f }' \
            "/proc/$DOCKER_ENV_PID/net/tcp" "/proc/$DOCKER_ENV_PID/net/tcp6"; then
            echo "#   $name: host port $p is not listening in the bridge daemon's namespace"
            bad=1
        fi
    done
    [ "$bad" = 0 ] && echo "#   $name: host ports $ports listening"
    return "$bad"
}
publishes_ports() { # publishes_ports CASE : running, on a network, with -p or -P
    dk inspect -f '{{.State.Running}} {{.HostConfig.NetworkMode}} {{.HostConfig.PublishAllPorts}} {{len .HostConfig.PortBindings}}' "$1" |
        awk '$1 == "true" && $2 != "none" && $2 != "host" && $2 !~ /^container:/ && ($3 == "true" || $4 > 0) { f = 1 } END { exit !f }'
}

# result_is ROW JSON : the row's (check, container/case or image/conf-case:1)
# result is there once, with its status and evidence phrase.
result_is() {
    local i=$1 json=$2 got n status evid want_ev target
    target="container/${R_CASE[i]}"
    [ "${R_KIND[i]}" = image ] && target=$(image_target "${R_CASE[i]}")
    got=$(jq -r --arg c "${R_CHECK[i]}" --arg t "$target" \
        '[.results[] | select(.check == $c and .target == $t)]
         | "\(length)\u001f\(map(.status) | join(","))\u001f\(map(.evidence // "") | join(" | "))"' "$json")
    IFS=$'\037' read -r n status evid <<<"$got"
    want_ev=$(subst "${R_EVID[i]}" "$DOCKER_ENV_SOCK")
    if [ "$n" != 1 ]; then
        echo "#   $n results for ${R_CHECK[i]} $target, want 1 (status '$status', evidence '$evid')"
        return 1
    fi
    if [ "$status" != "${R_EXPECT[i]}" ]; then
        echo "#   status '$status', want '${R_EXPECT[i]}'; evidence: '$evid'"
        return 1
    fi
    if [ -n "$want_ev" ] && [[ $evid != *"$want_ev"* ]]; then
        echo "#   evidence '$evid' lacks '$want_ev'"
        return 1
    fi
}

# ---- one phase per daemon ------------------------------------------------------------

ids_seen="$work/ids.txt"            # every check id dockward reported
container_ids="$work/container-ids.txt" # every check id it reported for a container
: >"$ids_seen"
: >"$container_ids"
phase_times=()
judged=()

checked_ok() { # checked_ok RC JSON
    [ "$1" -le 1 ] && jq -e '.docker.up == true' "$2" >/dev/null 2>&1
}
bridge_isolated() { # the bridge daemon's docker0 exists in its namespace only
    nsenter --net="/proc/$DOCKER_ENV_PID/ns/net" ip -4 -o addr show docker0 |
        grep -q "inet $BRIDGE_BIP " || { echo "#   no docker0 with $BRIDGE_BIP in its namespace"; return 1; }
    ! ip -4 -o addr show | grep -q 'inet 10\.213\.77\.' || { echo "#   the host has 10.213.77.x"; return 1; }
}

phase() { # phase plain|bridge
    local d=$1 tp ts i n_made=0 n_judged=0 rc times=""
    tp=$(e2e_now)
    if [ "$(count_kind container "$d")" = 0 ] && [ "$(count_kind command "$d")" = 0 ] &&
        [ "$(count_kind image "$d")" = 0 ]; then
        echo "# $d: no rows, dockerd not started"
        return 0
    fi
    echo "# ---- $d dockerd"
    docker_started=1
    local ok=0
    # The socket lies under /run (not $WORK), so that a mount of /run holds it (5.32).
    DOCKER_ENV_SOCK_PATH=/run/dockward-conformance-$$-$d.sock
    socks+=("$DOCKER_ENV_SOCK_PATH")
    if [ "$d" = bridge ]; then
        dockerd_netns=1
        docker_env_start "$work/$d" --config-file "$work/daemon.json" --bip "$BRIDGE_BIP" && ok=1
        dockerd_netns=0
    else
        docker_env_start "$work/$d" --config-file "$work/daemon.json" --bridge=none && ok=1
    fi
    check "$d: dockerd starts" [ "$ok" = 1 ]
    times="dockerd $(e2e_since "$tp") s"
    if [ "$ok" = 1 ]; then
        if [ "$d" = bridge ]; then
            check "bridge: dockerd runs in a network namespace of its own" \
                [ "$(readlink "/proc/$DOCKER_ENV_PID/ns/net")" != "$(readlink /proc/self/ns/net)" ]
            check "bridge: its docker0 has $BRIDGE_BIP, and the host has no 10.213.77.0/24" bridge_isolated
        fi
        ts=$(e2e_now)
        docker_env_import_busybox "$IMAGE"
        times="$times, image $(e2e_since "$ts") s"

        ts=$(e2e_now)
        for ((i = 0; i < n_rows; i++)); do
            if [ "${R_KIND[i]}" != command ] || [ "${R_DAEMON[i]}" != "$d" ]; then continue; fi
            check "$d setup (line ${R_LINE[i]}): docker ${R_ARGS[i]}" docker_command "$i"
        done
        local name
        if [ "$d" = plain ]; then
            for name in "${image_order[@]}"; do
                for ((i = 0; i < n_rows; i++)); do
                    [ "${R_KIND[i]}" = image ] && [ "${R_CASE[i]}" = "$name" ] && break
                done
                check "$d image conf-$name:1: ${R_SETUP[i]}" make_image "$name" "${R_ARGS[i]}"
            done
        fi
        for name in "${case_order[@]}"; do
            for ((i = 0; i < n_rows; i++)); do
                [ "${R_KIND[i]}" = container ] && [ "${R_CASE[i]}" = "$name" ] && break
            done
            [ "${R_DAEMON[i]}" = "$d" ] || continue
            check "$d container $name: ${R_SETUP[i]}" make_container "$name" "$d" "${R_VERB[i]}" "${R_ARGS[i]}"
            n_made=$((n_made + 1))
        done
        if [ "$d" = bridge ]; then
            for name in "${case_order[@]}"; do
                if dk inspect "$name" >/dev/null 2>&1 && publishes_ports "$name"; then
                    check "bridge: $name's published ports are bound for real" ports_real "$name"
                fi
            done
        fi
        times="$times, $n_made containers $(e2e_since "$ts") s"

        ts=$(e2e_now)
        rc=0
        "$DOCKWARD_BIN" check --format json --docker.host "unix://$DOCKER_ENV_SOCK" \
            --no-collector.file_permissions --no-collector.host --no-collector.group_membership \
            >"$work/$d.json" 2>"$work/$d.err" || rc=$?
        times="$times, dockward check $(e2e_since "$ts") s"
        echo "# $d: dockward check exit $rc"
        if [ -s "$work/$d.err" ] || [ "$rc" -gt 1 ]; then sed 's/^/#   stderr: /' "$work/$d.err"; fi
        check "$d: dockward check exits 0 or 1 and sees the daemon" checked_ok "$rc" "$work/$d.json"
        if [ -n "${E2E_SAVE_DIR:-}" ]; then mkdir -p "$E2E_SAVE_DIR" && cp "$work/$d.json" "$E2E_SAVE_DIR/conformance-$d.json"; fi
        jq -r '.results[].check' "$work/$d.json" >>"$ids_seen" 2>/dev/null || true
        jq -r '.results[] | select(.target | startswith("container/") or startswith("image/conf-"))
               | .check' "$work/$d.json" >>"$container_ids" 2>/dev/null || true

        ts=$(e2e_now)
        for ((i = 0; i < n_rows; i++)); do
            case ${R_KIND[i]} in container | image) ;; *) continue ;; esac
            [ "${R_DAEMON[i]}" = "$d" ] || continue
            check "${R_CHECK[i]} ${R_CASE[i]} (${R_SETUP[i]}): ${R_EXPECT[i]}" result_is "$i" "$work/$d.json"
            n_judged=$((n_judged + 1))
        done
        times="$times, rows $(e2e_since "$ts") s"
    fi
    echo "# $d: $n_judged rows judged, $n_made containers"
    judged+=("$d $n_judged")
    ts=$(e2e_now)
    docker_env_stop
    docker_started=0
    times="$times, stop $(e2e_since "$ts") s"
    phase_times+=("$d $(e2e_since "$tp") s")
    echo "# $d phase: $(e2e_since "$tp") s ($times)"
}

# One private dockerd on the machine at a time (docker_env.sh): the wait for
# another test's daemon is timed on its own.
ts=$(e2e_now)
docker_env_lock
echo "# waited $(e2e_since "$ts") s for the dockerd lock"
phase plain
phase bridge

# ---- the table against what dockward knows ------------------------------------------

known_ids() { # every check id of the table is one dockward reported
    local i bad=0
    for ((i = 0; i < n_rows; i++)); do
        case ${R_KIND[i]} in container | image | proof) ;; *) continue ;; esac
        grep -qxF -- "${R_CHECK[i]}" "$ids_seen" && continue
        echo "#   line ${R_LINE[i]}: check id '${R_CHECK[i]}' is not in dockward's output"
        bad=1
    done
    return "$bad"
}
check "every check id in the table is one dockward reports" known_ids

covered() { # every per-container check has a pass row and a fail (manual: warn) row
    local id i want has_pass has_other missing=()
    for id in $(sort -uV "$container_ids"); do
        want=fail clean=pass
        if [[ $MANUAL_CHECKS == *" $id "* ]]; then want=warn clean=pass/skip; fi
        has_pass=0 has_other=0
        for ((i = 0; i < n_rows; i++)); do
            case ${R_KIND[i]} in container | image | proof) ;; *) continue ;; esac
            [ "${R_CHECK[i]}" = "$id" ] || continue
            case /$clean/ in */"${R_EXPECT[i]}"/*) has_pass=1 ;; esac
            [ "${R_EXPECT[i]}" = "$want" ] && has_other=1
        done
        [ "$has_pass" = 1 ] || missing+=("$id $clean")
        [ "$has_other" = 1 ] || missing+=("$id $want")
    done
    [ -s "$container_ids" ] || { echo "#   no container results to compare with"; return 1; }
    [ "${#missing[@]}" = 0 ] && return 0
    echo "#   rows missing: ${missing[*]}"
    return 1
}
check "the table covers every per-container check with a pass and a fail row (manual: pass or skip, and warn)" covered

echo "# rows judged: $(IFS=,; echo "${judged[*]:-none}") (of $(count_kind container plain) plain container, $(count_kind image) image, $(count_kind container bridge) bridge rows in the table);" \
    "proof rows verified: $proofs_verified of $(count_kind proof)"
echo "# timing: ${phase_times[*]:-no daemon}; total $(e2e_since "$t0") s"
e2e_summary
