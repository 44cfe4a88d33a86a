#!/usr/bin/env bash
# e2e_run_as_user.sh - --run-as-user end to end, with real components: a
# private dockerd whose socket belongs to a temporary group that `nobody` is
# a supplementary member of (so only initgroups() can give the agent the
# socket), a dockward-store, and the agent started as root with
# --run-as-user=nobody. Proves:
#  - /proc/PID/status shows nobody's four uids and gids, exactly its groups
#    (the temporary one included), no capability, NoNewPrivs;
#  - /metrics is served and dockward_up is 1 (the socket reached through the
#    supplementary group);
#  - the outbox is written as nobody (storage directory and outbox.db owned
#    by nobody) and the report arrives at the store;
#  - what nobody cannot read becomes `error`, never another status: every
#    (check, target) whose status differs between the agent-as-nobody's
#    report and a `dockward check` run as root is `error` in the former,
#    on the real host (dockerd's /proc/PID/environ) and on the hardened
#    fixture (audit rules 0640 under /etc/audit 0750), where the test also
#    requires that such differences exist (the comparison can fail);
#  - refusals: unknown user, root (by name and uid), a caller that is not
#    root (run as nobody with setpriv): exit 2 with a one-line reason.
#
# The only change outside the test's directory is the temporary group
# (groupadd; removed by the cleanup). Needs root, docker.io, sqlite3, jq.
# Environment (set by ctest): DOCKWARD_BIN, DOCKWARD_STORE_BIN, MKFIXTURE, DOCKWARD_TESTS.
set -euo pipefail
: "${DOCKWARD_BIN:?}" "${MKFIXTURE:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
[ -x "${DOCKWARD_STORE_BIN:-}" ] || { echo "dockward-store is not built"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (it starts dockerd and drops to nobody)"; exit 1; }
e2e_require dockerd docker jq setpriv groupadd groupdel curl
id nobody >/dev/null 2>&1 || { echo "no user nobody on this machine"; exit 1; }

# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"

work=$(mktemp -d /tmp/dockward-e2e-runas-XXXXXX)
chmod 711 "$work" # nobody must reach the socket and its storage directory, not list them
group="dwtest$$"
group_made=0
fixture=""
pids=()
cleanup() {
    e2e_stop "${pids[@]}"
    docker_env_stop_daemon || true
    [ -n "$fixture" ] && { "$MKFIXTURE" --remove "$fixture" || true; }
    [ "$group_made" = 1 ] && { groupdel "$group" || true; }
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The machine-wide Docker lock, taken before the group is made: nobody's
# groups are the machine's, so another run of this test (another build tree)
# that made its own dwtest group would be a third group of this run's agent.
docker_env_lock

# A run killed by ctest's timeout cannot clean up: its dwtest<pid> group is
# removed here once that pid is gone (only groups of this test's own naming).
while IFS=: read -r name _; do
    case "$name" in dwtest[0-9]*) ;; *) continue ;; esac
    kill -0 "${name#dwtest}" 2>/dev/null || groupdel "$name" || true
done < <(getent group)

# The temporary group: nobody is a supplementary member, never its primary group.
groupadd --system --users nobody "$group"
group_made=1
gid=$(getent group "$group" | cut -d: -f3)
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)

docker_env_start "$work/docker" --group "$group"
chmod 711 "$work/docker"
sock=$DOCKER_ENV_SOCK
docker_env_import_busybox
dk run -d --name runas-c1 "$DOCKER_ENV_IMAGE" sleep 600 >/dev/null

# The store, as root (its own unit runs it as its own user; not the subject here).
e2e_tokens runas
"$DOCKWARD_STORE_BIN" --web.listen-address=127.0.0.1:0 --storage.path="$work/store.db" \
    --auth.tokens-file="$work/tokens" --metrics.refresh-interval=1s 2>"$work/store.log" &
store_pid=$!
pids+=("$store_pid")
store_port=$(e2e_port_of "$work/store.log" "$store_pid")

# The agent's token (e2e_tokens wrote it): readable by the group, as an operator would give
# it to the agent's user.
chown "root:$group" "$work/token"
chmod 640 "$work/token"

"$DOCKWARD_BIN" --run-as-user=nobody --web.listen-address=127.0.0.1:0 \
    --docker.host="unix://$sock" --storage.path="$work/agent" \
    --push.url="http://127.0.0.1:$store_port/api/v1/reports" --push.token-file="$work/token" \
    --collection.interval=5s 2>"$work/agent.log" &
agent_pid=$!
pids+=("$agent_pid")
port=$(e2e_port_of "$work/agent.log" "$agent_pid")

# /proc/PID/status: four uids, four gids, the groups, no capabilities.
status_line() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$agent_pid/status"; }
check "Uid: four times nobody's uid ($(status_line Uid))" \
    test "$(status_line Uid)" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid"
check "Gid: four times nobody's gid ($(status_line Gid))" \
    test "$(status_line Gid)" = "$nobody_gid $nobody_gid $nobody_gid $nobody_gid"
want_groups=$(printf '%s\n' "$nobody_gid" "$gid" | sort -n | tr '\n' ' ' | sed 's/ $//')
got_groups=$(status_line Groups | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ' | sed 's/ $//')
check "Groups: nobody's primary group and the socket's group, nothing else ($got_groups)" \
    test "$got_groups" = "$want_groups"
check "CapPrm, CapEff, CapAmb all zero; NoNewPrivs 1" \
    test "$(status_line CapPrm)$(status_line CapEff)$(status_line CapAmb)$(status_line NoNewPrivs)" \
    = "0000000000000000000000000000000000000000000000001"
check "the log says the drop was verified" grep -q 'running as user nobody.*verified' "$work/agent.log"

metrics() { curl -s --max-time 5 "http://127.0.0.1:$port/metrics"; }
wait_up() {
    for _ in $(seq 1 200); do
        metrics | grep -qx 'dockward_up 1' && return 0
        sleep 0.1
    done
    return 1
}
check "/metrics served by the dropped agent, dockward_up 1 (socket through the supplementary group)" \
    wait_up
check "process_open_fds still readable (own /proc/self/fd after the drop)" \
    bash -c "curl -s http://127.0.0.1:$port/metrics | grep -q '^process_open_fds [1-9]'"

# The outbox: the storage directory and the database belong to nobody, and reports arrive.
owner() { stat -c %U "$1" 2>/dev/null; }
check "storage directory owned by nobody" test "$(owner "$work/agent")" = nobody
check "outbox.db owned by nobody" test "$(owner "$work/agent/outbox.db")" = nobody
host_id=""
wait_report() {
    for _ in $(seq 1 200); do
        host_id=$(curl -s -H "Authorization: Bearer $reader_token" "http://127.0.0.1:$store_port/api/v1/hosts" | jq -r '.hosts[0].id // empty')
        [ -n "$host_id" ] && return 0
        sleep 0.1
    done
    return 1
}
check "a report pushed by the dropped agent is stored" wait_report
# Two reports stored: each was queued, sent and deleted by the dropped agent.
check "the dropped agent queues, sends and deletes reports (2 stored)" bash -c "
    for _ in \$(seq 1 200); do
        curl -s http://127.0.0.1:$port/metrics |
            grep -Eq '^dockward_report_push_total\\{result=\"stored\"\\} [2-9]' && exit 0
        sleep 0.1
    done; exit 1"
check "the outbox's rows are the agent's (no error opening or writing it)" \
    test "$(grep -c 'outbox' "$work/agent.log")" = 1

# What nobody cannot read: as the agent saw it (the stored report) against
# `dockward check` as root. A difference must be `error` on nobody's side.
curl -s -H "Authorization: Bearer $reader_token" "http://127.0.0.1:$store_port/api/v1/hosts/$host_id" |
    jq -r '.results[] | "\(.check) \(.target) \(.status)"' | sort >"$work/host.nobody"
"$DOCKWARD_BIN" check --format json --docker.host="unix://$sock" >"$work/host.root.json" 2>/dev/null || true
jq -r '.results[] | "\(.check) \(.target) \(.status)"' "$work/host.root.json" | sort >"$work/host.root"
# diff_not_error ROOT NOBODY: prints every (check, target) that differs without being error
diff_not_error() {
    join -a1 -a2 -e MISSING -o 0,1.2,2.2 <(awk '{print $1"|"$2, $3}' "$1") \
        <(awk '{print $1"|"$2, $3}' "$2") | awk '$2 != $3 && $3 != "error"'
}
diff_error() {
    join -a1 -a2 -e MISSING -o 0,1.2,2.2 <(awk '{print $1"|"$2, $3}' "$1") \
        <(awk '{print $1"|"$2, $3}' "$2") | awk '$2 != $3 && $3 == "error"'
}
check "the stored report holds results ($(wc -l <"$work/host.nobody"))" test -s "$work/host.nobody"
wrong=$(diff_not_error "$work/host.root" "$work/host.nobody")
check "real host: every result that differs from root's is error as nobody ${wrong:+(not: $wrong)}" \
    test -z "$wrong"
echo "# real host, unreadable as nobody: $(diff_error "$work/host.root" "$work/host.nobody" | tr '\n' ';')"
check "4.5 (dockerd's /proc/PID/environ, root only) is an error naming the file" \
    bash -c "curl -s -H 'Authorization: Bearer $reader_token' http://127.0.0.1:$store_port/api/v1/hosts/$host_id |
        jq -e '.results[] | select(.check == \"4.5\") | select(.status == \"error\" and (.evidence | test(\"/proc/[0-9]+/environ: Permission denied\")))' >/dev/null"

# The hardened fixture: audit rules only root can read. Check mode run as
# nobody (setpriv) is what the dropped agent's collectors see.
fixture=$("$MKFIXTURE" "$DOCKWARD_TESTS/fixtures/hardened/manifest")
chmod 755 "$fixture"
fx_args=(check --format json --path.rootfs="$fixture" --docker.host=unix:///nonexistent.sock)
"$DOCKWARD_BIN" "${fx_args[@]}" 2>/dev/null | jq -r '.results[] | "\(.check) \(.target) \(.status)"' |
    sort >"$work/fx.root" || true
setpriv --reuid=nobody --regid=nogroup --init-groups "$DOCKWARD_BIN" "${fx_args[@]}" 2>/dev/null |
    jq -r '.results[] | "\(.check) \(.target) \(.status)"' | sort >"$work/fx.nobody" || true
check "fixture: both runs produced results" test -s "$work/fx.root" -a -s "$work/fx.nobody"
wrong=$(diff_not_error "$work/fx.root" "$work/fx.nobody")
check "fixture: every result that differs from root's is error as nobody ${wrong:+(not: $wrong)}" \
    test -z "$wrong"
n_audit=$(diff_error "$work/fx.root" "$work/fx.nobody" | grep -c '^1\.1\.' || true)
check "fixture: the audit checks (rules 0640 in /etc/audit 0750) turn pass -> error ($n_audit)" \
    test "$n_audit" -ge 5
echo "# fixture, unreadable as nobody: $(diff_error "$work/fx.root" "$work/fx.nobody" | wc -l) results"

# Refusals: exit 2 and a one-line reason, before anything is bound.
refusal() { # refusal EXPECTED-TEXT CMD...
    local want=$1 out rc=0; shift
    out=$("$@" --web.listen-address=127.0.0.1:0 --docker.host="unix://$sock" 2>&1) || rc=$?
    [ "$rc" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ "$out" == *"$want"* ]] ||
        { echo "  got rc=$rc: $out"; return 1; }
}
check "unknown user refused" refusal 'no user "dw-no-such-user' "$DOCKWARD_BIN" --run-as-user=dw-no-such-user
check "root by name refused" refusal 'is root (uid 0)' "$DOCKWARD_BIN" --run-as-user=root
check "root by uid refused" refusal 'is root (uid 0)' "$DOCKWARD_BIN" --run-as-user=0
check "a caller that is not root is refused" refusal '--run-as-user needs root to start' \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$DOCKWARD_BIN" --run-as-user=nobody

check "the agent is still running" kill -0 "$agent_pid"
kill -TERM "$agent_pid"
agent_rc=0
wait "$agent_pid" || agent_rc=$?
check "SIGTERM: the dropped agent stops cleanly (exit $agent_rc; under ASan: no leak report)" \
    test "$agent_rc" = 0
if grep -E 'level=(error|fatal)' "$work/agent.log"; then
    echo "FAIL - errors in the agent's log"
    failures=$((failures + 1))
fi
e2e_summary || { echo "--- agent log"; tail -n 30 "$work/agent.log"; exit 1; }
