#!/usr/bin/env bash
# e2e_push.sh - agents -> dockward-store over HTTP with real SQLite files, the
# failure cases of issue 4:
#  (b) the store is killed with SIGKILL in the middle of a burst and started
#      again: once the agents' outboxes drain, every report the agents built
#      is stored exactly once and the drift log holds no duplicate event (and
#      every host's events chain: each "from" is the previous "to");
#  (c) the store is down for many collection cycles and an agent is restarted
#      meanwhile: nothing is lost once the store is back.
# Each agent audits its own fixture host whose daemon.json mode the test flips
# between 0644 and 0666, so check 3.18 changes status at most collections and
# the store records drift all along.
#
# Environment (set by ctest): DOCKWARD_BIN, DOCKWARD_STORE_BIN, MKFIXTURE, DOCKWARD_TESTS.
set -euo pipefail
: "${DOCKWARD_BIN:?}" "${MKFIXTURE:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require_store
command -v sqlite3 >/dev/null || { echo "sqlite3 is required (Debian package sqlite3)"; exit 1; }
command -v jq >/dev/null || { echo "jq is required (Debian package jq)"; exit 1; }

work=$(mktemp -d /tmp/dockward-e2e-push-XXXXXX)
roots=()
agent_pids=()
store_pid=""
flipper_pid=""
cleanup() {
    [ -n "$flipper_pid" ] && e2e_stop "$flipper_pid"
    e2e_stop "${agent_pids[@]}"
    [ -n "$store_pid" ] && e2e_stop "$store_pid"
    for r in "${roots[@]}"; do "$MKFIXTURE" --remove "$r" || true; done
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

e2e_tokens e2e
db="$work/store.db"

# Starts the store on a fixed port once known (first start: port 0).
store_port=0
start_store() {
    "$DOCKWARD_STORE_BIN" --web.listen-address="127.0.0.1:$store_port" --storage.path="$db" \
        --auth.tokens-file="$work/tokens" --metrics.refresh-interval=1s \
        2>>"$work/store.log" &
    store_pid=$!
    if [ "$store_port" = 0 ]; then
        store_port=$(e2e_port_of "$work/store.log" "$store_pid") || { echo "store did not start"; exit 1; }
    fi
    e2e_wait_200 "http://127.0.0.1:$store_port/healthz" "$store_pid" ||
        { echo "store did not start:"; tail -n 20 "$work/store.log"; exit 1; }
}

# make_host N: a fixture root with its own machine id, in root[N] (set here,
# not printed, so cleanup's list is kept in this shell, not a subshell's)
declare -A root
make_host() {
    local n=$1
    {
        echo "include $DOCKWARD_TESTS/fixtures/hardened/manifest"
        printf 'file /etc/machine-id 0444 0 0 =%032x\\n\n' "$((0xd0c0 + n))"
        echo "file /etc/hostname 0644 0 0 =e2e-host-$n\\n"
    } >"$work/host$n.manifest"
    root[$n]=$("$MKFIXTURE" "$work/host$n.manifest")
    roots+=("${root[$n]}")
}

# start_agent N ROOT: pushes every second; each start logs to a file of its
# own (agentN.runK.log), so the wait below sees this run's listening line.
declare -A agent_pid agent_runs
start_agent() {
    local n=$1 hroot=$2
    agent_runs[$n]=$((${agent_runs[$n]:-0} + 1))
    local log="$work/agent$n.run${agent_runs[$n]}.log"
    e2e_push_agent "$log" "$hroot" "http://127.0.0.1:$store_port/api/v1/reports" "$work/agent$n"
    agent_pid[$n]=$agent
    agent_pids+=("$agent")
}

wait_drained() { # each agent's outbox empty (or holding only the report of the collection just made)
    local n _ ok left
    for _ in $(seq 1 120); do
        ok=1
        for n in "$@"; do
            left=$(sqlite3 -batch -noheader "$work/agent$n/outbox.db" "SELECT COUNT(*) FROM reports" 2>/dev/null || echo 99)
            [ "$left" -le 1 ] || ok=0
        done
        [ $ok = 1 ] && return 0
        sleep 0.5
    done
    return 1
}

stop_agent() { # SIGTERM and wait; the outbox keeps what was not sent
    kill -TERM "${agent_pid[$1]}"
    wait "${agent_pid[$1]}" || true
}

# Sequences each agent built, from its outbox database's meta table and the
# store's view; the store must hold every sequence from first to last once.
sq() { sqlite3 -batch -noheader "$@"; }

start_store
hosts=(1 2 3)
for n in "${hosts[@]}"; do make_host "$n"; done
for n in "${hosts[@]}"; do start_agent "$n" "${root[$n]}"; done

# Flip daemon.json's mode in every host twice a second: drift all along.
e2e_flip_daemon_json "${roots[@]}" &
flipper_pid=$!

# (b) a burst, then SIGKILL in the middle of it.
sleep 4
kill -KILL "$store_pid"
wait "$store_pid" 2>/dev/null || true
store_pid=""
sleep 3
start_store
sleep 2

# (c) the store down for many cycles, one agent restarted meanwhile.
kill -TERM "$store_pid"
wait "$store_pid" || true
store_pid=""
sleep 3
stop_agent 2
sleep 2
start_agent 2 "${root[2]}"
sleep 3
start_store

e2e_stop "$flipper_pid"; flipper_pid=""
sleep 3
check "every agent's outbox drains once the store is back" wait_drained "${hosts[@]}"
for n in "${hosts[@]}"; do stop_agent "$n"; done
# The whole drift log, through the query API (the store keeps each report's
# events packed in one row), for the checks below.
drift_dump() {
    local after="" page
    : >"$work/drift.jsonl"
    while :; do
        page=$(curl -sf --max-time 10 -H "Authorization: Bearer $reader_token" \
            "http://127.0.0.1:$store_port/api/v1/drift?limit=1000${after:+&after=$after}") ||
            { echo "GET /api/v1/drift failed"; return 1; }
        jq -c '.events[]' <<<"$page" >>"$work/drift.jsonl"
        after=$(jq -r '.next // empty' <<<"$page")
        [ -n "$after" ] || break
    done
    echo "$(wc -l <"$work/drift.jsonl") drift events"
}
check "the drift log reads back through the API" drift_dump
kill -TERM "$store_pid"; wait "$store_pid" || true; store_pid=""

# What the agents built: every sequence they allocated, from their outboxes.
# The store keeps the ids of each host's most recent reports (for dedupe; an
# older sequence is stale anyway), not every id, so "stored once" is read
# from what it keeps: the newest sequence applied, the recent ids (distinct),
# and the drift log below (no event twice, every chain whole).
built_ok() {
    local n last host_id last_seq stored distinct left qlo
    for n in "${hosts[@]}"; do
        host_id=$(printf '%032x' "$((0xd0c0 + n))")
        last=$(sq "$work/agent$n/outbox.db" "SELECT value FROM meta WHERE key = 'sequence/$host_id'")
        read -r left qlo < <(sq -separator ' ' "$work/agent$n/outbox.db" "SELECT COUNT(*), IFNULL(MIN(sequence), 0) FROM reports")
        last_seq=$(sq "$db" "SELECT last_seq FROM hosts WHERE host_id = '$host_id'")
        read -r stored distinct < <(sq -separator ' ' "$db" "WITH RECURSIVE r(i, id) AS (SELECT 0, NULL UNION ALL SELECT i + 1, substr(h.recent_ids, i * 16 + 1, 16) FROM r, hosts h WHERE h.host_id = '$host_id' AND i < length(h.recent_ids) / 16) SELECT COUNT(id), COUNT(DISTINCT id) FROM r")
        [ "$left" -le 2 ] || { echo "host $n: $left reports still queued"; return 1; }
        if [ "$stored" = 0 ] || [ "$stored" != "$distinct" ]; then
            echo "host $n: $stored recent ids, $distinct distinct"; return 1
        fi
        if [ "$left" = 0 ]; then
            [ "$last_seq" = "$last" ] || { echo "host $n: store applied up to $last_seq, agent built $last"; return 1; }
        else
            [ "$qlo" = "$((last_seq + 1))" ] || { echo "host $n: store applied up to $last_seq, queue starts at $qlo"; return 1; }
        fi
        echo "host $n: agent built up to $last, store applied up to $last_seq, $left queued"
    done
}
check "(b)(c) nothing lost: the store applied every agent's newest report, the rest drained" built_ok

no_duplicate_drift() {
    local dups
    dups=$(jq -s '[group_by([.host, .check, .target, .report_id])[] | select(length > 1)] | length' "$work/drift.jsonl")
    [ "$dups" = 0 ] || { echo "$dups duplicate drift events"; return 1; }
    local events
    events=$(jq -s '[.[] | select(.check == "3.18")] | length' "$work/drift.jsonl")
    [ "$events" -ge 6 ] || { echo "only $events drift events for 3.18: the test did not exercise drift"; return 1; }
    echo "$events drift events for 3.18, no duplicate"
}
check "(b) the drift log has no duplicate event" no_duplicate_drift

drift_chains() { # for each (host, check, target), each event starts where the previous ended
    local broken
    broken=$(jq -s '[group_by([.host, .check, .target])[] | sort_by(.id) | . as $e | range(1; length) | select($e[.].from != $e[. - 1].to)] | length' "$work/drift.jsonl")
    [ "$broken" = 0 ] || { echo "$broken events do not start where the previous one ended"; return 1; }
}
check "(b) every host's drift events chain (from = previous to)" drift_chains

e2e_summary || { echo "store log:"; tail -n 20 "$work/store.log"; exit 1; }
