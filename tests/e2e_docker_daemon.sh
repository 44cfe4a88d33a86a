#!/usr/bin/env bash
# e2e_docker_daemon.sh - CIS section 2 (daemon configuration) against a real
# dockerd: the private daemon of tests/docker_env.sh is restarted with
# different flags and daemon.json files, and `dockward check --format json`
# must judge each variant as ../shared/CHECKS.md says. One function per case,
# named after the CIS check it proves; the pitfall rows of CHECKS.md each have
# theirs:
#   --config-file in both forms, with a space in the path (a setting that
#   exists only in that file must be seen); --log-level=debug, --log-level
#   debug and -l debug on the command line fail 2.3; the built-in 127.0.0.0/8
#   insecure CIDR alone passes 2.5; TLS configured only in daemon.json on a TCP
#   socket (tlsverify passes 2.7, tls alone fails it); and
#   no-new-privileges:false on a container fails 5.26 even when the daemon's
#   default is on.
# Then tests/conformance/daemon.md, the table of verdicts a reviewer reads
# without reading C, is run row by row (test_conformance_table).
# The host's /etc/docker is never touched: every daemon.json is ours. For
# userns-remap, dockerd runs in a private mount namespace whose /etc is an
# overlay that adds the dockremap user and its subordinate id ranges, so the
# host's /etc/passwd and /etc/subuid are not changed either.
#
# Environment (set by ctest): DOCKWARD_BIN, DOCKWARD_TESTS.
set -euo pipefail

: "${DOCKWARD_BIN:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require curl jq openssl unshare docker dockerd busybox
export LC_ALL=C
# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"

work=$(mktemp -d /tmp/dockward-e2e-XXXXXX)
dir="$work/docker"
docker_started=0
cleanup() {
    set +e
    [ "$docker_started" = 1 ] && docker_env_stop
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(e2e_now)

conf="$work/daemon.json"

# docker_env_start runs `dockerd`; this function stands in for the binary so
# that a case can run it in namespaces of its own, chosen by $dockerd_ns:
#   ""     the host's namespaces, as docker_env.sh does;
#   net    a private network namespace, so --iptables=true (which --icc=false
#          needs) writes its rules there and never into the host's tables;
#   userns a private mount namespace whose /etc is an overlay of the host's
#          with the dockremap user and its subordinate id ranges added
#          ($work/userns/upper), so --userns-remap=default changes nothing
#          in the host's /etc/passwd or /etc/subuid.
dockerd_ns=""
dockerd_bin=$(command -v dockerd)
dockerd() {
    case $dockerd_ns in
    net) exec unshare --net "$dockerd_bin" "$@" ;;
    userns)
        exec unshare --mount --propagation private /bin/sh -c '
            mount -t overlay overlay -o "lowerdir=/etc,upperdir=$0/upper,workdir=$0/work" /etc ||
                exit 1
            exec "$@"' "$work/userns" "$dockerd_bin" "$@"
        ;;
    *) exec "$dockerd_bin" "$@" ;;
    esac
}

# daemon_args DOCKERD-ARGS... : (re)starts the private dockerd with these
# extra arguments (the caller passes its own --config-file). Returns 1, and
# counts a failure, when it does not start.
daemon_args() {
    docker_env_stop_daemon
    docker_started=1
    if ! docker_env_start "$dir" "$@"; then
        check "dockerd starts with: $*" false
        return 1
    fi
}
# daemon JSON DOCKERD-ARGS... : the same with daemon.json = JSON (at $conf).
daemon() {
    local json=$1
    shift
    printf '%s\n' "$json" >"$conf"
    daemon_args --config-file "$conf" "$@"
}

# judge ID,... : one `dockward check` of those checks into $work/last.json.
judge() {
    local rc=0
    "$DOCKWARD_BIN" check --format json --docker.host "unix://$DOCKER_ENV_SOCK" \
        --no-collector.file_permissions --no-collector.host --no-collector.group_membership \
        --check.include "$1" >"$work/last.json" 2>"$work/last.err" || rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
        echo "# dockward check exited $rc:"
        cat "$work/last.err"
        jq -c '.collectors, .docker' "$work/last.json" 2>/dev/null || true
    fi
}
# expect CHECK TARGET STATUS [EVIDENCE-SUBSTRING] : about $work/last.json.
expect() {
    local id=$1 target=$2 want=$3 sub=${4:-} got ev
    got=$(jq -r --arg c "$id" --arg t "$target" \
        '[.results[] | select(.check == $c and .target == $t) | .status] | join(",")' "$work/last.json")
    ev=$(jq -r --arg c "$id" --arg t "$target" \
        '[.results[] | select(.check == $c and .target == $t) | .evidence] | join(" | ")' "$work/last.json")
    if [ "$got" != "$want" ]; then
        echo "# $id $target: status '$got', want '$want' (evidence: $ev)"
        return 1
    fi
    if [ -n "$sub" ] && [[ "$ev" != *"$sub"* ]]; then
        echo "# $id $target: evidence '$ev' lacks '$sub'"
        return 1
    fi
}

# ---- the default private daemon: every check of section 2 ------------------

test_2_default_daemon() {
    daemon '{}' || return 0
    judge 2
    # docker_env.sh starts dockerd with --iptables=false (2.4 fails on that);
    # the rest is dockerd's defaults on a Debian 12 host without AppArmor.
    local want="2.1 warn
2.2 fail
2.3 pass
2.4 fail
2.5 pass
2.6 pass
2.7 skip
2.8 warn
2.9 fail
2.10 pass
2.11 pass
2.12 fail
2.13 fail
2.14 fail
2.15 fail
2.16 fail
2.17 pass
2.18 pass"
    jq -r '.results[] | select(.target == "host") | "\(.check) \(.status)"' "$work/last.json" \
        >"$work/got.txt"
    check "2.x: the default daemon's section 2, exactly" diff -u <(echo "$want") "$work/got.txt"
    check "2.4: --iptables=false on the command line is named" expect 2.4 host fail iptables
    check "2.3: no log level set passes" expect 2.3 host pass
    check "2.5: the built-in 127.0.0.0/8 alone is not a finding" expect 2.5 host pass
    check "2.7: no TCP socket: skip" expect 2.7 host skip
}

# ---- --config-file: both forms, a space in the path ------------------------

test_2_3_config_file_with_space_separate_argument() {
    local f="$work/my daemon.json"
    printf '{ "log-level": "debug" }\n' >"$f"
    daemon_args --config-file "$f" || return 0
    judge 2.3
    check "2.3: log-level debug only in '--config-file <path with space>' fails" \
        expect 2.3 host fail debug
}

test_2_16_config_file_with_space_equals_form() {
    local f="$work/my daemon.json"
    printf '{ "userland-proxy": false, "log-level": "warn" }\n' >"$f"
    daemon_args "--config-file=$f" || return 0
    judge 2.3,2.16
    check "2.16: userland-proxy false only in '--config-file=<path with space>' passes" \
        expect 2.16 host pass
    check "2.3: log-level warn only in '--config-file=<path with space>' fails" \
        expect 2.3 host fail warn
}

# ---- 2.3 log level on the command line (pitfall) ---------------------------

test_2_3_log_level_debug_on_command_line() {
    daemon '{}' --log-level=debug || return 0
    judge 2.3
    check "2.3: --log-level=debug fails" expect 2.3 host fail debug
    daemon '{}' --log-level debug || return 0
    judge 2.3
    check "2.3: --log-level debug (separate argument) fails" expect 2.3 host fail debug
    daemon '{}' -l debug || return 0
    judge 2.3
    check "2.3: -l debug fails" expect 2.3 host fail debug
    daemon '{}' --log-level=info || return 0
    judge 2.3
    check "2.3: --log-level=info passes" expect 2.3 host pass
}

# ---- 2.5 insecure registries (pitfall: the built-in loopback CIDR) ----------

test_2_5_insecure_registry() {
    daemon '{}' --insecure-registry myreg:5000 || return 0
    judge 2.5
    check "2.5: --insecure-registry myreg:5000 fails, naming it" expect 2.5 host fail myreg:5000
    daemon '{ "insecure-registries": ["10.0.0.0/8"] }' || return 0
    judge 2.5
    check "2.5: an insecure CIDR in daemon.json fails, naming it" expect 2.5 host fail 10.0.0.0/8
}

# ---- 2.7 TLS on a TCP socket, set only in daemon.json (pitfall) -------------

free_port() { # a TCP port nobody listens on (checked in /proc/net/tcp{,6})
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        awk -v h="$(printf ':%04X' "$p")" '$2 ~ h "$" { f = 1 } END { exit !f }' \
            /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$p"; return; }
    done
}

make_certs() { # a CA, a server certificate for 127.0.0.1 and a client certificate
    local d="$work/tls"
    mkdir -p "$d"
    (
        cd "$d"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -subj /CN=dockward-test-ca -keyout ca.key -out ca.pem
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -subj /CN=127.0.0.1 -keyout server.key -out server.csr
        printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile server.ext -out server.pem
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -subj /CN=client -keyout client.key -out client.csr
        printf 'extendedKeyUsage=clientAuth\n' >client.ext
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile client.ext -out client.pem
    ) >/dev/null 2>&1
}

tcp_ping() { # tcp_ping PORT [CURL ARGS...] : dockerd's /_ping over TLS answers OK
    local p=$1
    shift
    [ "$(curl -s --max-time 5 --cacert "$work/tls/ca.pem" "$@" "https://127.0.0.1:$p/_ping")" = OK ]
}
not() { ! "$@"; }
ensure_image() { # the busybox image, once per data root
    dk image inspect "$DOCKER_ENV_IMAGE" >/dev/null 2>&1 || docker_env_import_busybox
}

test_2_7_tls_only_in_daemon_json() {
    make_certs
    local t="$work/tls" port
    port=$(free_port)
    daemon "{ \"tlsverify\": true, \"tlscacert\": \"$t/ca.pem\", \"tlscert\": \"$t/server.pem\", \"tlskey\": \"$t/server.key\" }" \
        -H "tcp://127.0.0.1:$port" || return 0
    check "2.7: (setup) dockerd verifies clients: a client certificate is let in" \
        tcp_ping "$port" --cert "$t/client.pem" --key "$t/client.key"
    check "2.7: (setup) dockerd verifies clients: no certificate, no answer" not tcp_ping "$port"
    judge 2.7
    check "2.7: tlsverify only in daemon.json on a TCP socket passes" expect 2.7 host pass

    # An explicit tlsverify=false: dockerd then serves anyone who speaks TLS.
    port=$(free_port)
    daemon "{ \"tls\": true, \"tlsverify\": false, \"tlscert\": \"$t/server.pem\", \"tlskey\": \"$t/server.key\" }" \
        -H "tcp://127.0.0.1:$port" || return 0
    check "2.7: (setup) dockerd with tlsverify=false answers a client without a certificate" \
        tcp_ping "$port"
    judge 2.7
    check "2.7: tls with tlsverify=false, only in daemon.json, fails" \
        expect 2.7 host fail "without client verification"

    # No TLS at all on a TCP socket.
    port=$(free_port)
    daemon '{}' -H "tcp://127.0.0.1:$port" || return 0
    judge 2.7
    check "2.7: a TCP socket without TLS fails" expect 2.7 host fail "127.0.0.1:$port"
}

# `tls` alone: dockerd 20.10 and later take an unset tlsverify to be the
# value of tls (cmd/dockerd/daemon.go: `if conf.TLSVerify == nil && conf.TLS
# != nil { conf.TLSVerify = conf.TLS }`), so clients ARE verified; the
# effective setting is what is judged (CHECKS.md, general rules).
test_2_7_tls_alone_implies_tlsverify() {
    [ -f "$work/tls/ca.pem" ] || make_certs
    local t="$work/tls" port
    port=$(free_port)
    daemon "{ \"tls\": true, \"tlscacert\": \"$t/ca.pem\", \"tlscert\": \"$t/server.pem\", \"tlskey\": \"$t/server.key\" }" \
        -H "tcp://127.0.0.1:$port" || return 0
    check "2.7: (setup) dockerd with tls alone refuses a client without a certificate" \
        not tcp_ping "$port"
    check "2.7: (setup) dockerd with tls alone lets a client certificate in" \
        tcp_ping "$port" --cert "$t/client.pem" --key "$t/client.key"
    judge 2.7
    check "2.7: tls alone (client verification implied) is not judged unverified" \
        expect 2.7 host pass
}

# ---- 2.2 inter-container communication --------------------------------------

test_2_2_icc() {
    # --icc=false needs --iptables=true (dockerd refuses to start otherwise);
    # the later flag overrides docker_env.sh's --iptables=false.
    dockerd_ns=net
    local rc=0
    daemon '{}' --icc=false --iptables=true || rc=$?
    dockerd_ns=""
    if [ "$rc" = 0 ]; then
        judge 2.2,2.4
        check "2.2: --icc=false passes" expect 2.2 host pass
        check "2.4: the last of --iptables=false ... --iptables=true wins: pass" \
            expect 2.4 host pass
    fi
    daemon '{}' --bridge=none || return 0
    judge 2.2
    check "2.2: no default bridge (--bridge=none): skip" expect 2.2 host skip
}

# ---- 2.9 user namespace remapping -------------------------------------------

test_2_9_userns_remap() {
    local u="$work/userns/upper"
    mkdir -p "$u" "$work/userns/work"
    { cat /etc/passwd; echo 'dockremap:x:64999:64999::/nonexistent:/usr/sbin/nologin'; } >"$u/passwd"
    { cat /etc/group; echo 'dockremap:x:64999:'; } >"$u/group"
    echo 'dockremap:165536:65536' >"$u/subuid"
    echo 'dockremap:165536:65536' >"$u/subgid"
    chmod 0711 "$work" # the remapped root must reach its data root below it
    dockerd_ns=userns
    local rc=0
    daemon '{}' --userns-remap=default || rc=$?
    dockerd_ns=""
    [ "$rc" = 0 ] || return 0
    check "2.9: (setup) /etc/passwd of the host is unchanged" not grep -q '^dockremap:' /etc/passwd
    ensure_image
    dk run -d --name remapped "$DOCKER_ENV_IMAGE" sleep 1000 >/dev/null
    dk run -d --name userns-host --userns host "$DOCKER_ENV_IMAGE" sleep 1000 >/dev/null
    check "2.9: (setup) the container's root is uid 165536 on the host" \
        grep -qE '^ +0 +165536 +65536$' "/proc/$(dk inspect -f '{{.State.Pid}}' remapped)/uid_map"
    judge 2.9,5.31
    check "2.9: --userns-remap=default passes" expect 2.9 host pass
    check "5.31: a remapped container passes" expect 5.31 container/remapped pass
    check "5.31: --userns host on a remapping daemon fails" expect 5.31 container/userns-host fail
}

# ---- 2.15 live restore -------------------------------------------------------

test_2_15_live_restore() {
    daemon '{}' --live-restore || return 0
    judge 2.15
    check "2.15: --live-restore passes" expect 2.15 host pass
    daemon '{ "live-restore": true }' || return 0
    judge 2.15
    check "2.15: live-restore in daemon.json passes" expect 2.15 host pass
}

# ---- 2.14 no-new-privileges by default, and 5.26 (pitfall) --------------------

no_new_privs() { # no_new_privs CONTAINER VALUE : NoNewPrivs of its process
    grep -qx "NoNewPrivs:[[:space:]]*$2" "/proc/$(dk inspect -f '{{.State.Pid}}' "$1")/status"
}

test_2_14_and_5_26_no_new_privileges() {
    daemon '{}' || return 0
    ensure_image
    dk run -d --name plain "$DOCKER_ENV_IMAGE" sleep 1000 >/dev/null
    judge 2.14,5.26
    check "2.14: off by default fails" expect 2.14 host fail
    check "5.26: a container without the option on such a daemon fails" expect 5.26 container/plain fail

    daemon '{}' --no-new-privileges || return 0
    ensure_image
    dk run -d --name plain "$DOCKER_ENV_IMAGE" sleep 1000 >/dev/null
    dk run -d --name nnp-false --security-opt no-new-privileges:false "$DOCKER_ENV_IMAGE" \
        sleep 1000 >/dev/null
    check "5.26: (setup) the daemon default applies to a plain container" no_new_privs plain 1
    check "5.26: (setup) no-new-privileges:false overrides the daemon default" \
        no_new_privs nnp-false 0
    judge 2.14,5.26
    check "2.14: --no-new-privileges passes" expect 2.14 host pass
    check "5.26: a container without the option passes on that daemon" \
        expect 5.26 container/plain pass
    check "5.26: no-new-privileges:false fails even on that daemon" \
        expect 5.26 container/nnp-false fail "no-new-privileges:false"
}

# ---- tests/conformance/daemon.md: the table of verdicts, run row by row ------
#
# Each row: | case | check | daemon.json | dockerd flags | expect | evidence | why |
# Rows sharing (daemon.json, flags) share one dockerd restart and one
# `dockward check`; `PORT` in the flags becomes a free TCP port. A row whose
# daemon.json cell is `proof: FILE:NAME` is proven elsewhere: the runner
# asserts that NAME is defined in tests/FILE, so the table cannot cite a
# proof that does not exist.

test_conformance_table() {
    local table="$DOCKWARD_TESTS/conformance/daemon.md"
    local -a c_case=() c_check=() c_json=() c_flags=() c_expect=() c_ev=()
    local n=0 _line cells name check json flags want ev _why
    while IFS=$'\037' read -r _line cells name check json flags want ev _why; do
        if [ "$cells" -ne 7 ]; then
            check "conformance $name ($check): the row has 7 cells" false
            continue
        fi
        if [[ "$json" == proof:* ]]; then
            local ref file fn
            ref=${json#proof:}
            ref=${ref#"${ref%%[![:space:]]*}"}
            file=${ref%%:*}
            fn=${ref#*:}
            check "conformance $name ($check, $want): proof $fn exists in tests/$file" \
                e2e_proof_defined "$file" "$fn"
            continue
        fi
        c_case[n]=$name c_check[n]=$check c_json[n]=${json:-"{}"} c_flags[n]=$flags
        c_expect[n]=$want c_ev[n]=$ev
        n=$((n + 1))
    done < <(e2e_md_table "$table")
    check "conformance: the table has runnable rows" test "$n" -gt 0

    # Groups in order of first appearance: one dockerd restart each.
    local -a done_group=()
    local i j
    for ((i = 0; i < n; i++)); do
        [ -n "${done_group[i]:-}" ] && continue
        local checks="" ids=()
        for ((j = i; j < n; j++)); do
            if [ "${c_json[j]}" != "${c_json[i]}" ] || [ "${c_flags[j]}" != "${c_flags[i]}" ]; then
                continue
            fi
            done_group[j]=1
            ids+=("$j")
            case ",$checks," in *",${c_check[j]},"*) ;; *) checks=${checks:+$checks,}${c_check[j]} ;; esac
        done
        local flags=${c_flags[i]}
        if [[ "$flags" == *PORT* ]]; then
            flags=${flags//PORT/$(free_port)}
        fi
        local -a args=()
        # shellcheck disable=SC2206 # the flags cell is split into words on purpose
        [ -n "$flags" ] && args=($flags)
        echo "# conformance group: daemon.json ${c_json[i]} flags '${flags}' checks $checks"
        if ! daemon "${c_json[i]}" "${args[@]}"; then
            for j in "${ids[@]}"; do
                check "conformance ${c_case[j]} (${c_check[j]}): dockerd starts" false
            done
            continue
        fi
        judge "$checks"
        for j in "${ids[@]}"; do
            check "conformance ${c_case[j]} (${c_check[j]}): ${c_expect[j]}${c_ev[j]:+, evidence has '${c_ev[j]}'}" \
                expect "${c_check[j]}" host "${c_expect[j]}" "${c_ev[j]}"
        done
    done
}

for t in test_2_default_daemon \
    test_2_3_config_file_with_space_separate_argument \
    test_2_16_config_file_with_space_equals_form \
    test_2_3_log_level_debug_on_command_line \
    test_2_5_insecure_registry \
    test_2_7_tls_only_in_daemon_json \
    test_2_7_tls_alone_implies_tlsverify \
    test_2_2_icc \
    test_2_9_userns_remap \
    test_2_15_live_restore \
    test_2_14_and_5_26_no_new_privileges \
    test_conformance_table; do
    ts=$(e2e_now)
    echo "# $t"
    "$t"
    echo "# $t: $(e2e_since "$ts") s"
done

echo "# done after $(e2e_since "$t0") s"
e2e_summary
