#!/usr/bin/env bash
# e2e_docker_containers.sh - CIS sections 4.1 and 5 against a real dockerd:
# a private daemon (tests/docker_env.sh) holds one container per risky
# setting - privileged (created only: it cannot start here), added
# capabilities, host namespaces, sensitive and socket mounts, shared mount
# propagation, seccomp off, no-new-privileges:false, port 80 on 0.0.0.0, many
# restart retries, root users in every spelling, a fake sshd, a secret in the
# environment - plus one container per limit and one fully hardened container.
# `dockward check --format json` must give the EXACT status of every
# container check for every container, as tests/expected/docker-containers.tsv
# says (each line reviewed by hand against ../shared/CHECKS.md), plus: the
# created-but-never-started privileged container fails 5.5 with its state in
# the evidence, the exit code, --check.include, --container.include, the text
# format, valid JSON, and a secret value that appears in no output. Then the
# agent daemon against the same dockerd: /metrics (dockward_up, the failure
# series, promtool) and a removed container's series disappearing.
#
# Environment (set by ctest): DOCKWARD_BIN, DOCKWARD_TESTS.
# UPDATE_GOLDEN=1 rewrites tests/expected/docker-containers.tsv from this run;
# review every changed line against CHECKS.md before committing it.
set -euo pipefail

: "${DOCKWARD_BIN:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require curl jq promtool docker dockerd busybox
export LC_ALL=C
# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"

SECRET_VALUE='s3cr3t-value'
IMAGE=dw-e2e-busybox:1
expected_table="$DOCKWARD_TESTS/expected/docker-containers.tsv"

work=$(mktemp -d /tmp/dockward-e2e-XXXXXX)
agent_pid=""
docker_started=0
shared_mounted=0
cleanup() {
    set +e
    save_outputs
    [ -n "$agent_pid" ] && e2e_stop "$agent_pid"
    [ "$docker_started" = 1 ] && docker_env_stop
    if [ "$shared_mounted" = 1 ]; then
        umount "$work/shared" 2>/dev/null || umount -l "$work/shared"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
# E2E_SAVE_DIR=DIR keeps this run's outputs (JSON, text, /metrics, logs) there.
save_outputs() {
    [ -n "${E2E_SAVE_DIR:-}" ] || return 0
    mkdir -p "$E2E_SAVE_DIR" && cp "$work"/*.json "$work"/*.txt "$work"/*.prom "$work"/*.log \
        "$work"/*.tsv "$E2E_SAVE_DIR"/ 2>/dev/null
    return 0
}
trap 'exit 130' INT TERM

t0=$(e2e_now)

# ---- the private dockerd and its containers --------------------------------

echo '{}' >"$work/daemon.json" # an empty daemon.json, never the host's
docker_started=1
docker_env_start "$work/docker" --config-file "$work/daemon.json" || exit 1
docker_env_import_busybox "$IMAGE"
sock=$DOCKER_ENV_SOCK

# A bind source with shared propagation must itself be a shared mount point.
mkdir -p "$work/shared"
mount --bind "$work/shared" "$work/shared"
shared_mounted=1
mount --make-shared "$work/shared"

run() { # run NAME DOCKER-RUN-OPTIONS... : started, running `sleep 1000`
    local name=$1
    shift
    dk run -d --name "$name" "$@" "$IMAGE" sleep 1000 >/dev/null
}
create() { # create NAME DOCKER-CREATE-OPTIONS... : created, never started
    local name=$1
    shift
    dk create --name "$name" "$@" "$IMAGE" sleep 1000 >/dev/null
}

# Created only: privileged and cap-add ALL cannot start in this sandbox (runc
# cannot apply every capability), and port 80 is not ours to bind.
create priv --privileged
create cap-all --cap-add ALL
create port-80 -p 0.0.0.0:80:80
run cap-sys-admin --cap-add SYS_ADMIN
run net-host --network host
run pid-host --pid host
run ipc-host --ipc host
run uts-host --uts host
# On a daemon without userns-remap, `--userns host` changes nothing at run
# time (every container already shares the host's user namespace), but dockerd
# records HostConfig.UsernsMode=host all the same, and that is what 5.31 judges.
run userns-host --userns host
run mount-etc -v /etc:/etc
run mount-root-ro -v /:/host:ro
run mount-docker-sock -v "$sock:/var/run/docker.sock"
run propagation-shared --mount "type=bind,src=$work/shared,dst=/x,bind-propagation=shared"
run seccomp-unconfined --security-opt seccomp=unconfined
run seccomp-unconfined-colon --security-opt seccomp:unconfined
run nnp-false --security-opt no-new-privileges:false
run nnp-true --security-opt no-new-privileges=true
run restart-10 --restart on-failure:10
run user-root --user root
run user-0-0 --user 0:0
run user-root-root --user root:root
run user-0-1000 --user 0:1000
run user-1000 --user 1000
run pids-limit --pids-limit 100
run memory --memory 64m
run cpus --cpus 0.5
run read-only --read-only
run env-secret -e "DB_PASSWORD=$SECRET_VALUE"
# A process called sshd (its comm, which is what /proc shows) beside sleep.
dk run -d --name sshd "$IMAGE" sh -c 'printf sshd >/proc/$$/comm; sleep 1000; true' >/dev/null
run hardened --user 1000 --read-only --memory 64m --cpus 0.5 --pids-limit 100 \
    --security-opt no-new-privileges --cap-drop ALL --health-cmd true --health-interval 2s \
    --restart on-failure:3 --network none
n_containers=$(dk ps -aq | wc -l)
echo "# $n_containers containers ready after $(e2e_since "$t0") s"

check "all but the three created-only containers are running" \
    [ "$(dk ps -q | wc -l)" = $((n_containers - 3)) ]
check "the fake sshd runs under the name sshd" \
    grep -qx sshd "/proc/$(dk inspect -f '{{.State.Pid}}' sshd)/comm"

# ---- dockward check --------------------------------------------------------

dw_check() {
    "$DOCKWARD_BIN" check --docker.host "unix://$sock" --no-collector.file_permissions \
        --no-collector.host --no-collector.group_membership "$@"
}

rc=0
dw_check --format json >"$work/all.json" 2>"$work/all.err" || rc=$?
echo "# dockward check --format json: exit $rc after $(e2e_since "$t0") s"
check "check exits 1 (something failed, every collector ran)" [ "$rc" = 1 ]
check "check prints nothing on stderr" [ ! -s "$work/all.err" ]
json_valid() { jq -e . "$1" >/dev/null; }
check "the JSON document is valid" json_valid "$work/all.json"
check "summary.exit_code is 1" [ "$(jq -r .summary.exit_code "$work/all.json")" = 1 ]
check "docker.up is true and counts every container" \
    [ "$(jq -r '"\(.docker.up) \(.docker.containers)"' "$work/all.json")" = "true $n_containers" ]
check "every collector ran" \
    [ "$(jq -r '[.collectors[] | select(.success | not)] | length' "$work/all.json")" = 0 ]

# The exact status of every container check of every container.
container_table() {
    jq -r '.results[] | select(.target | startswith("container/"))
           | [(.target | ltrimstr("container/")), .check, .status] | @tsv' "$1" |
        sort -t "$(printf '\t')" -k1,1 -k2,2V
}
container_table "$work/all.json" >"$work/actual.tsv"
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then # keeps the review notes (# lines) at the top
    { grep '^#' "$expected_table" 2>/dev/null || true; cat "$work/actual.tsv"; } >"$work/new.tsv"
    cp "$work/new.tsv" "$expected_table"
fi
table_matches() {
    grep -v '^#' "$expected_table" >"$work/expected.tsv"
    diff -u "$work/expected.tsv" "$work/actual.tsv"
}
check "every container check matches tests/expected/docker-containers.tsv" table_matches

# Independently of the table: every container has every container check once.
want_checks="4.1 $(seq -f '5.%g' 2 22 | tr '\n' ' ')5.25 5.26 5.27 5.29 5.30 5.31 5.32 dockward.env_secret dockward.image_in_use_age"
every_container_every_check() {
    local name got bad=0
    for name in $(dk ps -a --format '{{.Names}}'); do
        got=$(awk -F '\t' -v n="$name" '$1 == n {print $2}' "$work/actual.tsv" | tr '\n' ' ')
        if [ "$got" != "$want_checks " ]; then
            echo "container $name has checks: $got"
            bad=1
        fi
    done
    return "$bad"
}
check "every container has exactly 4.1, 5.2-5.22, 5.25-5.27, 5.29-5.32 and the two dockward checks" \
    every_container_every_check
host_warns() { # 5.23, 5.24, 5.28 (how docker exec and image tags are used) are manual, once per host
    [ "$(jq -r '[.results[] | select(.check == "5.23" or .check == "5.24" or .check == "5.28")
                | "\(.check) \(.target) \(.status)"] | join(",")' "$work/all.json")" = \
        "5.23 host warn,5.24 host warn,5.28 host warn" ]
}
check "5.23, 5.24, 5.28: one manual warn each for the host" host_warns

evidence() { # evidence CHECK CONTAINER
    jq -r --arg c "$1" --arg t "container/$2" \
        '.results[] | select(.check == $c and .target == $t) | .evidence' "$work/all.json"
}
status() { # status CHECK CONTAINER
    jq -r --arg c "$1" --arg t "container/$2" \
        '.results[] | select(.check == $c and .target == $t) | .status' "$work/all.json"
}
evidence_has() { # evidence_has CHECK CONTAINER SUBSTRING
    local e
    e=$(evidence "$1" "$2")
    case "$e" in *"$3"*) return 0 ;; esac
    echo "evidence of $1 for container/$2 is '$e', want it to hold '$3'"
    return 1
}

check "5.5: the created, never started privileged container fails" [ "$(status 5.5 priv)" = fail ]
check "5.5: its evidence shows Privileged=true" evidence_has 5.5 priv "Privileged=true"
check "5.5: its evidence says it is created" evidence_has 5.5 priv created
check "4.1: --user 0:0 fails (pitfall)" [ "$(status 4.1 user-0-0)" = fail ]
check "4.1: --user root:root fails (pitfall)" [ "$(status 4.1 user-root-root)" = fail ]
check "4.1: --user 0:1000 fails" [ "$(status 4.1 user-0-1000)" = fail ]
check "4.1: --user 1000 passes" [ "$(status 4.1 user-1000)" = pass ]
check "5.26: no-new-privileges:false fails (pitfall)" [ "$(status 5.26 nnp-false)" = fail ]
check "5.26: no-new-privileges=true passes" [ "$(status 5.26 nnp-true)" = pass ]
check "5.4: SYS_ADMIN is named" evidence_has 5.4 cap-sys-admin SYS_ADMIN
check "5.4: ALL is named" evidence_has 5.4 cap-all ALL
check "5.6: /etc is named" evidence_has 5.6 mount-etc /etc
check "5.6: a read-only mount of / says ro" evidence_has 5.6 mount-root-ro ro
check "5.32: the socket mount is named" evidence_has 5.32 mount-docker-sock docker.sock
check "5.32: a mount of / is named as holding the socket" evidence_has 5.32 mount-root-ro "$sock"
check "5.20: the propagation is named" evidence_has 5.20 propagation-shared shared
check "5.7: the sshd process is named" evidence_has 5.7 sshd sshd
check "5.15: the retry count is shown" evidence_has 5.15 restart-10 10
check "5.8: port 80 is shown" evidence_has 5.8 port-80 80
check "dockward.env_secret names the variable" evidence_has dockward.env_secret env-secret DB_PASSWORD
check "a remediation comes with every fail and warn" \
    [ "$(jq '[.results[] | select((.status == "fail" or .status == "warn") and ((.remediation // "") == ""))] | length' "$work/all.json")" = 0 ]

# --check.include 5.5: only 5.5 results.
rc=0
dw_check --format json --check.include 5.5 >"$work/only55.json" 2>/dev/null || rc=$?
check "--check.include 5.5: exit 1" [ "$rc" = 1 ]
check "--check.include 5.5: every result is 5.5" \
    [ "$(jq -r '[.results[].check] | unique | join(",")' "$work/only55.json")" = 5.5 ]
check "--check.include 5.5: one result per container, priv the only failure" \
    [ "$(jq -r '"\(.results | length) \([.results[] | select(.status == "fail") | .target] | join(","))"' "$work/only55.json")" = "$n_containers container/priv" ]

# --container.include 'priv*': only the container called priv.
rc=0
dw_check --format json --container.include 'priv*' >"$work/priv.json" 2>/dev/null || rc=$?
check "--container.include 'priv*': exit 1" [ "$rc" = 1 ]
check "--container.include 'priv*': only container/priv is judged" \
    [ "$(jq -r '[.results[].target | select(startswith("container/"))] | unique | join(",")' "$work/priv.json")" = container/priv ]
check "--container.include 'priv*': the others are counted as left out" \
    [ "$(jq -r .docker.containers_filtered "$work/priv.json")" = $((n_containers - 1)) ]

# The text format: grouped by section, one line per result.
rc=0
dw_check >"$work/all.txt" 2>"$work/txt.err" || rc=$?
check "text: exit 1" [ "$rc" = 1 ]
check "text: a line '[FAIL] 5.5 container/priv - ...'" grep -q '^\[FAIL\] 5\.5 container/priv - ' "$work/all.txt"
check "text: a line '[PASS] 5.5 container/hardened - ...'" grep -q '^\[PASS\] 5\.5 container/hardened - ' "$work/all.txt"
text_grouped() { # every result line sits under the heading of its section; headings in order
    awk '
        /^\[[0-9]+\] / { s = substr($1, 2, length($1) - 2) + 0; if (s <= last) bad = 1; last = s; next }
        /^\[(PASS|FAIL|WARN|SKIP|ERROR)\] / {
            split($2, id, "."); sec = id[1]
            if (sec ~ /^[0-9]+$/ && sec + 0 != last) { print "out of section " last ": " $0; bad = 1 }
            n++
        }
        END { exit (bad || n == 0) }' "$1"
}
check "text: results are grouped under section headings, in order" text_grouped "$work/all.txt"
check "text: the container runtime heading is there" grep -qx '\[5\] Container runtime' "$work/all.txt"
no_escape() { ! grep -q "$(printf '\033')" "$1"; }
check "text: no colour when stdout is not a terminal" no_escape "$work/all.txt"
check "text: same number of result lines as JSON results" \
    [ "$(grep -cE '^\[(PASS|FAIL|WARN|SKIP|ERROR)\] ' "$work/all.txt")" = "$(jq '.results | length' "$work/all.json")" ]
check "text: summary line" grep -q '^Summary: [0-9]* pass, [0-9]* fail' "$work/all.txt"

# ---- the agent daemon against the same dockerd -----------------------------

"$DOCKWARD_BIN" --web.listen-address=127.0.0.1:0 --docker.host "unix://$sock" \
    --collection.interval=1s --no-collector.file_permissions --no-collector.host \
    --no-collector.group_membership 2>"$work/agent.log" &
agent_pid=$!
port=$(e2e_port_of "$work/agent.log" "$agent_pid") || { echo "agent did not start"; exit 1; }
base="http://127.0.0.1:$port"
e2e_wait_200 "$base/readyz" "$agent_pid" || true
curl -s "$base/metrics" >"$work/metrics.prom"
check "agent: dockward_up 1" grep -qx 'dockward_up 1' "$work/metrics.prom"
check "agent: dockward_check_failure{check=\"5.5\",target=\"container/priv\"} 1" \
    grep -qx 'dockward_check_failure{check="5\.5",target="container/priv"} 1' "$work/metrics.prom"
check "agent: container_runtime succeeded" \
    grep -qx 'dockward_collector_success{collector="container_runtime"} 1' "$work/metrics.prom"
check "agent: promtool check metrics prints nothing" e2e_promtool_clean "$work/metrics.prom"

dk rm -f priv >/dev/null
removed_at=$(e2e_now)
gone=0
for _ in $(seq 1 50); do
    curl -s "$base/metrics" >"$work/metrics2.prom"
    if ! grep -q 'target="container/priv"' "$work/metrics2.prom"; then
        gone=1
        break
    fi
    sleep 0.1
done
echo "# container/priv series gone $(e2e_since "$removed_at") s after docker rm"
check "agent: the series of a removed container disappear within 5 s" [ "$gone" = 1 ]
check "agent: other failures are still served after the removal" \
    grep -q 'dockward_check_failure{check="5\.4",target="container/cap-sys-admin"} 1' "$work/metrics2.prom"
check "agent: still up after the removal" grep -qx 'dockward_up 1' "$work/metrics2.prom"

kill -TERM "$agent_pid"
rc=0
wait "$agent_pid" || rc=$?
agent_pid=""
check "agent: SIGTERM stops it with exit 0" [ "$rc" = 0 ]

# ---- no secret anywhere ----------------------------------------------------

no_secret() {
    local f bad=0
    for f in "$work"/*.json "$work"/*.txt "$work"/*.err "$work"/*.prom "$work/agent.log"; do
        if grep -qF "$SECRET_VALUE" "$f"; then
            echo "$f holds the secret value"
            bad=1
        fi
    done
    return "$bad"
}
check "the secret value appears in no JSON, text, stderr, /metrics or agent log" no_secret
check "...and the variable's name does appear (so the container was judged)" \
    grep -q DB_PASSWORD "$work/all.json"

echo "# done after $(e2e_since "$t0") s"
e2e_summary
