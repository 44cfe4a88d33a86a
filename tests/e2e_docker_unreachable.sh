#!/usr/bin/env bash
# e2e_docker_unreachable.sh - the Docker API unreachable, as an operator would
# meet it: the agent daemon with --docker.host pointing at (a) a socket that
# does not exist, (b) a path that is a regular file, (c) a private dockerd
# that is stopped and then started again. While Docker is down: dockward_up 0,
# the Docker collectors report failure, the host-side collectors (run against
# the hardened fixture tree) still succeed and their series are still served,
# and the agent keeps answering scrapes. When dockerd comes back the agent
# recovers by itself (dockward_up 1) within a few collection intervals.
# `dockward check` against a missing socket exits 3 and says why, in text and
# in JSON.
#
# Environment (set by ctest): DOCKWARD_BIN, MKFIXTURE, DOCKWARD_TESTS.
set -euo pipefail

: "${DOCKWARD_BIN:?}" "${MKFIXTURE:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require curl jq docker dockerd busybox
export LC_ALL=C
# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"

e2e_scratch e2e

t0=$(e2e_now)

root=$("$MKFIXTURE" "$DOCKWARD_TESTS/fixtures/hardened/manifest")

# start_agent NAME DOCKER-HOST : sets $port and $pid; log in $work/NAME.log
start_agent() {
    local name=$1 host=$2
    "$DOCKWARD_BIN" --web.listen-address=127.0.0.1:0 --path.rootfs="$root" \
        --docker.host="$host" --collection.interval=1s 2>"$work/$name.log" &
    pid=$!
    pids+=("$pid")
    port=$(e2e_port_of "$work/$name.log" "$pid") || { echo "agent $name did not start"; exit 1; }
    e2e_wait_200 "http://127.0.0.1:$port/readyz" "$pid" && return 0
    echo "agent $name never became ready"
    exit 1
}
stop_agent() {
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    check "$1: SIGTERM stops the agent with exit 0" [ "$rc" = 0 ]
}
scrape() { curl -s --max-time 5 "http://127.0.0.1:$port/metrics" >"$work/$1.prom"; }
jq_true() { jq -e "$@" >/dev/null; } # jq_true [JQ ARGS] FILTER FILE: the filter yields true
has() { grep -qx "$2" "$work/$1.prom"; } # has SCRAPE EXACT-LINE
has_prefix() { grep -q "^$2" "$work/$1.prom"; }
lacks_prefix() { ! grep -q "^$2" "$work/$1.prom"; }
# wait_for SCRAPE EXACT-LINE SECONDS : scrapes until the line shows
wait_for() {
    local deadline
    deadline=$(e2e_deadline "$3")
    while :; do
        scrape "$1"
        has "$1" "$2" && return 0
        e2e_past "$deadline" && return 1
        sleep 0.1
    done
}

# What must hold while Docker is down (scrape NAME, already taken).
down_state() {
    local what=$1 s=$2 c
    check "$what: dockward_up 0" has "$s" 'dockward_up 0'
    for c in daemon_config container_runtime image_age; do
        check "$what: dockward_collector_success{collector=\"$c\"} 0" \
            has "$s" "dockward_collector_success{collector=\"$c\"} 0"
    done
    for c in host group_membership file_permissions; do
        check "$what: host-side collector $c still succeeds" \
            has "$s" "dockward_collector_success{collector=\"$c\"} 1"
    done
    check "$what: host-side check series are still served (3.16)" \
        has_prefix "$s" 'dockward_check_failing_targets{check="3\.16"}'
    check "$what: host-side check series are still served (1.1.3)" \
        has_prefix "$s" 'dockward_check_failing_targets{check="1\.1\.3"}'
    check "$what: no series of a Docker check that was not judged (5.5)" \
        lacks_prefix "$s" 'dockward_check_failing_targets{check="5\.5"}'
    check "$what: no engine info while down" lacks_prefix "$s" 'dockward_engine_info'
}

# The agent keeps answering over several collections.
keeps_answering() {
    local i code
    for i in 1 2 3; do
        code=$(e2e_http_code "http://127.0.0.1:$port/metrics")
        [ "$code" = 200 ] || { echo "scrape $i: HTTP $code"; return 1; }
        kill -0 "$pid" 2>/dev/null || { echo "the agent exited"; return 1; }
        sleep 1
    done
}

# ---- (a) a socket that does not exist ---------------------------------------

start_agent missing "unix://$work/missing.sock"
sleep 1.2 # a second collection, so "down" is not just the first one
scrape missing
down_state "missing socket" missing
check "missing socket: the agent keeps answering across collections" keeps_answering
check "missing socket: /healthz 200" \
    [ "$(e2e_http_code "http://127.0.0.1:$port/healthz")" = 200 ]
check "missing socket: the reason is logged with the socket path" \
    grep -q "missing\.sock" "$work/missing.log"
stop_agent "missing socket"

# ---- (b) a path that is a regular file --------------------------------------

printf 'not a socket\n' >"$work/regular-file"
start_agent regular "unix://$work/regular-file"
sleep 1.2
scrape regular
down_state "regular file" regular
check "regular file: the agent keeps answering across collections" keeps_answering
check "regular file: the file is left as it was" \
    [ "$(cat "$work/regular-file")" = "not a socket" ]
stop_agent "regular file"

# ---- (c) dockerd stopped, then started again --------------------------------

echo '{}' >"$work/daemon.json"
docker_started=1
docker_env_start "$work/docker" --config-file "$work/daemon.json" || exit 1
start_agent restart "unix://$DOCKER_ENV_SOCK"
check "restart: dockward_up 1 while dockerd runs" wait_for up1 'dockward_up 1' 5
check "restart: container_runtime succeeds while dockerd runs" \
    has up1 'dockward_collector_success{collector="container_runtime"} 1'
check "restart: engine info while dockerd runs" has_prefix up1 'dockward_engine_info'

stopped_at=$(e2e_now)
docker_env_stop_daemon
check "restart: dockward_up 0 within 5 s of dockerd stopping" wait_for down 'dockward_up 0' 5
echo "# dockward_up 0 after $(e2e_since "$stopped_at") s"
sleep 1.2
scrape down
down_state "restart (dockerd stopped)" down
check "restart: the agent keeps answering while dockerd is down" keeps_answering

started_at=$(e2e_now)
docker_env_start "$work/docker" --config-file "$work/daemon.json" || exit 1
check "restart: dockward_up 1 again within 5 s of dockerd being back" \
    wait_for back 'dockward_up 1' 5
echo "# dockward_up 1 again $(e2e_since "$started_at") s after dockerd was started again"
for c in daemon_config container_runtime image_age host group_membership file_permissions; do
    check "restart: collector $c succeeds again" \
        has back "dockward_collector_success{collector=\"$c\"} 1"
done
check "restart: the agent logged why container_runtime failed" \
    grep -q 'collector container_runtime failed: Docker API unavailable: ' "$work/restart.log"
stop_agent restart
docker_env_stop
docker_started=0

# ---- dockward check against a missing socket: exit 3, and why ---------------

rc=0
"$DOCKWARD_BIN" check --format json --path.rootfs="$root" \
    --docker.host="unix://$work/missing.sock" >"$work/check.json" 2>"$work/check.err" || rc=$?
check "check --format json, missing socket: exit 3" [ "$rc" = 3 ]
check "check --format json: valid JSON" jq_true . "$work/check.json"
check "check --format json: summary.exit_code 3" [ "$(jq -r .summary.exit_code "$work/check.json")" = 3 ]
check "check --format json: docker.up false, queried true" \
    [ "$(jq -r '"\(.docker.queried) \(.docker.up)"' "$work/check.json")" = "true false" ]
check "check --format json: docker.error names the socket" \
    jq_true --arg p "$work/missing.sock" '.docker.error | contains($p)' "$work/check.json"
check "check --format json: container_runtime failed, saying the API is unavailable" \
    jq_true '.collectors[] | select(.name == "container_runtime")
           | (.success == false) and (.error | startswith("Docker API unavailable: "))' \
    "$work/check.json"
check "check --format json: the host-side collectors ran" \
    jq_true '[.collectors[] | select(.name == "host" or .name == "group_membership"
            or .name == "file_permissions") | .success] == [true, true, true]' "$work/check.json"
check "check --format json: summary.collectors_failed 3 (the Docker collectors)" \
    [ "$(jq -r .summary.collectors_failed "$work/check.json")" = 3 ]
check "check --format json: no container results" \
    [ "$(jq '[.results[] | select(.target | startswith("container/"))] | length' "$work/check.json")" = 0 ]

rc=0
"$DOCKWARD_BIN" check --path.rootfs="$root" --docker.host="unix://$work/missing.sock" \
    >"$work/check.txt" 2>"$work/check-text.err" || rc=$?
check "check (text), missing socket: exit 3" [ "$rc" = 3 ]
check "check (text): says which collector could not run and why" \
    grep -q "^\[ERROR\] collector container_runtime could not run: Docker API unavailable: .*missing\.sock" \
    "$work/check.txt"
check "check (text): says the exit code" grep -q 'exit code 3' "$work/check.txt"

rc=0
"$DOCKWARD_BIN" check --format json --path.rootfs="$root" \
    --docker.host="unix://$work/regular-file" >"$work/check-regular.json" 2>/dev/null || rc=$?
check "check against a regular file: exit 3" [ "$rc" = 3 ]

echo "# done after $(e2e_since "$t0") s"
e2e_summary
