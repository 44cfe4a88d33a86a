#!/usr/bin/env bash
# e2e_store_replicas.sh - two dockward-store replicas against one private
# PostgreSQL (tests/pg_env.sh), simulated agents (bench/dockward-ingest-bench,
# every report changing one result, each answer logged with --answers)
# split between them:
#
#  (1) concurrency: two generators simulate the SAME 60 hosts, each sending
#      every host's reports to the replica the other does not, so each
#      host's reports reach both replicas at once. Then: each (host,
#      sequence) stored once, every report answered "stored" has its drift
#      event, each host's sequence is the newest one stored, no duplicated
#      drift event, every chain whole (each event's `from` is the previous
#      event's `to`, per host/check/target) and ending at the host's current
#      result, both replicas serve the same hosts, drift and fleet figures
#      on /metrics, no host label on /metrics, the replicas' stored counters
#      add up to the stored answers;
#  (1b) a report id reused for another host, sent through the other
#      replica: 200 duplicate, counted, nothing stored;
#  (2) PostgreSQL restarted mid-burst: while it is down each replica answers
#      503 with Retry-After, they reconnect by themselves, and the reports
#      refused meanwhile, sent again as agents' outboxes do (--drain), are
#      all stored: 0 lost, 0 duplicated;
#  (3) one replica killed with SIGKILL mid-burst (and started again on its
#      port): every report it answered "stored" is in the database.
#  Through (2) and (3) four real agents (dockward on fixture hosts whose
#  daemon.json mode flips, two per replica, as tests/e2e_push.sh runs them)
#  push every second; once their outboxes drain, the store holds each one's
#  newest sequence and their drift is in the checks above.
#
# Environment (set by ctest): DOCKWARD_STORE_BIN, DOCKWARD_BIN, MKFIXTURE,
# DOCKWARD_TESTS. Exits 77 (skipped) when the store has no --storage.url.
set -euo pipefail

: "${DOCKWARD_STORE_BIN:?}" "${DOCKWARD_TESTS:?}" "${DOCKWARD_BIN:?}" "${MKFIXTURE:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require_ingest_bench
e2e_require curl jq sqlite3

e2e_scratch e2e-replicas -9

e2e_tokens agents
STORE_BACKEND=postgres
db="$work/unused.db" # e2e_lib's SQLite file, never made here
e2e_backend_start

# start_replica N [PORT]: replica N (log rN.log, or rN-K.log on restarts) on
# PORT (default: any free port, remembered for the restart).
declare -A rpid rport rbase
start_replica() {
    local n=$1 p=${2:-0} name="r$1"
    [ -e "$work/$name.log" ] && name="r$1-$(date +%s%N)"
    e2e_store_start "$name" --web.listen-address="127.0.0.1:$p"
    rpid[$n]=$pid
    rport[$n]=$port
    rbase[$n]=$base
    e2e_wait_200 "$base/healthz" "$pid" || { echo "replica $n does not answer"; exit 1; }
}
start_replica 1
start_replica 2
A=127.0.0.1:${rport[1]}
B=127.0.0.1:${rport[2]}
check "two replicas on one database (ports ${rport[1]} and ${rport[2]})" test "${rport[1]}" != "${rport[2]}"

# gen NAME ADDRESSES SEED HOSTS SECONDS [FLAGS...]: simulated agents (4
# connections; connection i posts to the (i mod 2)th address), one status
# change per report; answers in $work/NAME.answers, output in $work/NAME.out.
gen() {
    local name=$1 addrs=$2 seed=$3 hosts=$4 secs=$5
    shift 5
    "$bench" --store.address="$addrs" --token-file="$work/tokens" --hosts="$hosts" \
        --connections=4 --changes=1 --seed="$seed" --duration="${secs}s" --rounds=1 \
        --answers="$work/$name.answers" "$@" >"$work/$name.out" 2>&1
}
api() { # api BASE PATH: the body of a 200, or says what came instead and fails
    local out code
    out=$(curl -s --max-time 10 -w '\n%{http_code}' -H "Authorization: Bearer $reader_token" "$1$2") || true
    code=${out##*$'\n'}
    [ "$code" = 200 ] && { printf '%s\n' "${out%$'\n'*}"; return 0; }
    echo "# GET $1$2: $code ${out%$'\n'*}" | head -c 300 >&2
    echo >&2
    return 1
}

# pages BASE PATH FILTER OUT: every page of PATH (limit 1000, following
# next), FILTER (jq) applied to each, one JSON value a line in OUT.
pages() {
    local after="" page
    : >"$4"
    while :; do
        page=$(api "$1" "$2?limit=1000${after:+&after=$after}") || return 1
        jq -c "$3" <<<"$page" >>"$4"
        after=$(jq -r '.next // empty' <<<"$page")
        [ -n "$after" ] || break
    done
}
# drift_dump BASE OUT: the whole drift log, one event a line.
drift_dump() { pages "$1" /api/v1/drift '.events[]' "$2"; }
hosts_dump() { # hosts_dump BASE OUT: every host, without the clock-dependent fields
    pages "$1" /api/v1/hosts '.hosts[] | del(.state, .last_seen)' "$2.jsonl" &&
        jq -s -S 'sort_by(.id)' "$2.jsonl" >"$2"
}

# ---- the checks on answers (ANSWERS... files) and the database ----

# Each (host, sequence) answered "stored" once over all generators and replicas.
stored_once() {
    local dups
    dups=$(awk '$4 == "stored" { print $1, $2 }' "$@" | sort | uniq -d | wc -l)
    [ "$dups" = 0 ] || { echo "# $dups (host, sequence) pairs stored twice"; return 1; }
}
# Each report answered "stored" has exactly its one drift event (one change
# per report; the first report of a host has one per result).
stored_in_drift() {
    local missing
    jq -r '.report_id' "$work/drift.jsonl" | sort | uniq -c | awk '{ print $2, $1 }' >"$work/events_per_report"
    missing=$(awk '$4 == "stored" { print $5, $2 }' "$@" | sort -u |
        awk 'NR == FNR { n[$1] = $2; next } !($1 in n) || ($2 > 1 && n[$1] != 1) { bad++ }
             END { print bad + 0 }' "$work/events_per_report" -)
    [ "$missing" = 0 ] || { echo "# $missing stored reports without their one drift event"; return 1; }
}
# Each host's sequence in the store is the newest sequence answered "stored"
# or "duplicate" (committed, but the answer lost with a killed replica: sent
# again, the store knew it).
sequences_newest() {
    local bad
    awk '($4 == "stored" || $4 == "duplicate") && $2 > max[$1] { max[$1] = $2 }
         END { for (h in max) print h, max[h] }' "$@" |
        sort >"$work/want_seq"
    jq -r '.[] | "\(.id) \(.sequence)"' "$work/hosts.json" | sort >"$work/got_seq"
    bad=$(join -a1 "$work/want_seq" "$work/got_seq" | awk '$2 != $3' | wc -l)
    [ "$bad" = 0 ] || { echo "# $bad hosts whose stored sequence is not the newest answered stored:"; join -a1 "$work/want_seq" "$work/got_seq" | awk '$2 != $3' | head -n 5; return 1; }
}
no_duplicate_drift() {
    local dups
    dups=$(jq -s '[group_by([.host, .check, .target, .report_id])[] | select(length > 1)] | length' "$work/drift.jsonl")
    [ "$dups" = 0 ] || { echo "# $dups duplicated drift events"; return 1; }
}
chains_whole() {
    local broken
    broken=$(jq -s '[group_by([.host, .check, .target])[] | sort_by(.id) | . as $e
        | range(1; length) | select($e[.].from != $e[. - 1].to)] | length' "$work/drift.jsonl")
    [ "$broken" = 0 ] || { echo "# $broken events do not start where the previous one ended"; return 1; }
}
# Each chain ends at the host's current result (absent: not among its results).
chains_end_current() {
    local h bad=0
    jq -s -c '[group_by([.host, .check, .target])[] | sort_by(.id) | last
        | {host, check, target, to}] | group_by(.host)[]' "$work/drift.jsonl" >"$work/chain_ends"
    while IFS= read -r ends; do
        h=$(jq -r '.[0].host' <<<"$ends")
        api "${rbase[2]}" "/api/v1/hosts/$h" >"$work/detail.json" || { bad=$((bad + 1)); continue; }
        bad=$((bad + $(jq -n --slurpfile d "$work/detail.json" --argjson e "$ends" '
            ($d[0].results | map({key: "\(.check) \(.target)", value: .status}) | from_entries) as $cur
            | [$e[] | select(($cur["\(.check) \(.target)"] // "absent") != .to)] | length')))
    done <"$work/chain_ends"
    [ "$bad" = 0 ] || { echo "# $bad chains do not end at the host's current result"; return 1; }
}

# verify TITLE ANSWERS...: every check above, on the state both replicas serve.
verify() {
    local title=$1
    shift
    sleep 0.6 # a /metrics refresh (200ms) after the last write
    dumps() {
        hosts_dump "${rbase[1]}" "$work/hosts1.json" && hosts_dump "${rbase[2]}" "$work/hosts.json" &&
            drift_dump "${rbase[1]}" "$work/drift1.jsonl" && drift_dump "${rbase[2]}" "$work/drift.jsonl"
    }
    local api_ok=yes
    dumps || api_ok=no
    # A failed read is counted below; read again, so the other checks see the data.
    [ "$api_ok" = yes ] || dumps || echo "# $title: the query API failed again; the checks below read what it gave"
    check "$title: both replicas answer the query API (hosts, drift) at the first try" test "$api_ok" = yes
    echo "# $title: $(jq length "$work/hosts.json") hosts, $(wc -l <"$work/drift.jsonl") drift events," \
        "answers: $(cat "$@" | awk '{ print $4 }' | sort | uniq -c | tr -s ' \n' ' ')"
    check "$title: both replicas serve the same hosts" cmp -s "$work/hosts1.json" "$work/hosts.json"
    check "$title: both replicas serve the same drift log" cmp -s "$work/drift1.jsonl" "$work/drift.jsonl"
    check "$title: each (host, sequence) was stored once (0 duplicated reports)" stored_once "$@"
    check "$title: every report answered stored has its drift event (0 lost)" stored_in_drift "$@"
    check "$title: each host's sequence is the newest one answered stored (or duplicate)" \
        sequences_newest "$@"
    check "$title: no duplicated drift event" no_duplicate_drift
    check "$title: every drift chain is whole (from = previous to)" chains_whole
    check "$title: every drift chain ends at the host's current result" chains_end_current
    curl -s "${rbase[1]}/metrics" >"$work/m1.txt"
    curl -s "${rbase[2]}/metrics" >"$work/m2.txt"
    check "$title: both replicas serve the same fleet figures" \
        diff <(grep '^dockward_fleet_' "$work/m1.txt") <(grep '^dockward_fleet_' "$work/m2.txt")
    check "$title: the fleet figures count the hosts (dockward_fleet_hosts)" test \
        "$(awk '/^dockward_fleet_hosts\{/ { n += $2 } END { print n + 0 }' "$work/m1.txt")" = "$(jq length "$work/hosts.json")"
    check "$title: no series labelled by host on either replica" \
        bash -c "! grep -Eq 'host_id=|hostname=' '$work/m1.txt' '$work/m2.txt'"
}

# ---- (1) the same hosts through both replicas at once ----
# 6 s gives each host ~10 reports through each generator here; under ASan
# with other tests running (load 10+) 6 s once gave too few reports for
# half the hosts to reach both replicas, so ASan builds run 18 s.
secs1=6
e2e_asan "$DOCKWARD_STORE_BIN" && secs1=18
gen g1 "$A,$B" 7 60 "$secs1" &
g1=$!
gen g2 "$B,$A" 7 60 "$secs1" &
g2=$!
rc1=0 rc2=0
wait "$g1" || rc1=$?
wait "$g2" || rc2=$?
check "(1) both generators ran (exit $rc1, $rc2)" test "$rc1/$rc2" = 0/0
sed 's/^/# g1: /' "$work/g1.out"
stored_at() { # stored_at ADDRESS ANSWERS...: the hosts with a report stored by that replica
    local a=$1
    shift
    awk -v a="$a" '$4 == "stored" && $6 == a { print $1 }' "$@" | sort -u
}
both_replicas() {
    local n
    n=$(comm -12 <(stored_at "$A" "$@") <(stored_at "$B" "$@") | wc -l)
    echo "# $n hosts had reports stored by each replica"
    [ "$n" -ge 30 ]
}
check "(1) each replica stored reports of the same hosts (at least 30 of 60)" \
    both_replicas "$work/g1.answers" "$work/g2.answers"
check "(1) every answer was a 200 (stored, duplicate, stale) or a 503 to retry" \
    bash -c "! awk '{ print \$4 }' '$work/g1.answers' '$work/g2.answers' | grep -qvxE 'stored|duplicate|stale|503'"
verify "(1)" "$work/g1.answers" "$work/g2.answers"
stored_sum() { # stored_sum: the replicas' dockward_store_ingest_total{result="stored"} added up
    local n1 n2
    n1=$(curl -s "${rbase[1]}/metrics" | e2e_metric 'dockward_store_ingest_total{result="stored"}' 0)
    n2=$(curl -s "${rbase[2]}/metrics" | e2e_metric 'dockward_store_ingest_total{result="stored"}' 0)
    echo $((n1 + n2))
}
check "(1) the replicas' stored counters add up to the stored answers" test \
    "$(stored_sum)" = "$(awk '$4 == "stored"' "$work/g1.answers" "$work/g2.answers" | wc -l)"

# ---- (1b) a report id reused for another host, through the other replica ----
"$bench" --emit=host:reuse-a:1 >"$work/reuse-a.bin"
perl -0777 -pe 's/reuse-a/reuse-b/g' "$work/reuse-a.bin" >"$work/reuse-b.bin"
push_to() { # push_to N FILE: POSTs FILE to replica N; the answer in $work/push.out, code echoed
    curl -s -o "$work/push.out" -w '%{http_code}' --max-time 10 -X POST --data-binary "@$2" \
        -H "Authorization: Bearer $token" -H "Content-Type: application/x-protobuf" \
        "${rbase[$1]}/api/v1/reports" || true
}
dup_count() { curl -s "${rbase[$1]}/metrics" | e2e_metric 'dockward_store_ingest_total{result="duplicate"}' 0; }
dups2=$(dup_count 2)
code=$(push_to 1 "$work/reuse-a.bin")
check "(1b) host reuse-a's report stored through replica 1 ($code)" \
    bash -c "[ '$code' = 200 ] && grep -q stored '$work/push.out'"
code=$(push_to 2 "$work/reuse-b.bin")
check "(1b) its id for host reuse-b through replica 2: 200 duplicate ($code $(cat "$work/push.out"))" \
    bash -c "[ '$code' = 200 ] && grep -q duplicate '$work/push.out'"
sleep 0.6 # a /metrics refresh (200ms)
check "(1b) replica 2 counted it as a duplicate" test "$(dup_count 2)" = $((dups2 + 1))
check "(1b) host reuse-b was not stored (404 on both replicas)" test \
    "$(e2e_http_code -H "Authorization: Bearer $reader_token" "${rbase[1]}/api/v1/hosts/reuse-b")/$(e2e_http_code -H "Authorization: Bearer $reader_token" "${rbase[2]}/api/v1/hosts/reuse-b")" = 404/404

# ---- real agents, through (2) and (3) ----
# agent N REPLICA: dockward on a fixture host of its own (machine id
# 0xd1c0 + N) pushing every second to REPLICA, its outbox in $work/agentN.
agent() {
    local n=$1 r=$2 root
    {
        echo "include $DOCKWARD_TESTS/fixtures/hardened/manifest"
        printf 'file /etc/machine-id 0444 0 0 =%032x\\n\n' "$((0xd1c0 + n))"
        echo "file /etc/hostname 0644 0 0 =replica-agent-$n\\n"
    } >"$work/host$n.manifest"
    root=$("$MKFIXTURE" "$work/host$n.manifest")
    roots+=("$root")
    e2e_push_agent "$work/agent$n.log" "$root" "${rbase[$r]}/api/v1/reports" "$work/agent$n"
    agent_pid[$n]=$agent
    pids+=("$agent")
}
declare -A agent_pid
for n in 1 2 3 4; do agent "$n" $(((n + 1) / 2)); done
e2e_flip_daemon_json "${roots[@]}" &
flipper=$!
pids+=("$flipper")
sleep 2

# ---- (2) PostgreSQL restarted mid-burst ----
"$bench" --emit=valid >"$work/valid.bin"
gen g3 "$A,$B" 8 40 12 --drain &
g3=$!
sleep 3
t_down=$(e2e_now)
pg_env_down fast
sleep 0.5
for n in 1 2; do
    code=$(curl -s -o "$work/down$n.out" -D "$work/down$n.headers" -w '%{http_code}' --max-time 10 \
        -X POST --data-binary "@$work/valid.bin" -H "Authorization: Bearer $token" \
        -H "Content-Type: application/x-protobuf" "${rbase[$n]}/api/v1/reports" || true)
    check "(2) PostgreSQL down: replica $n answers 503 with Retry-After (got $code)" bash -c \
        "[ '$code' = 503 ] && grep -qi '^retry-after: [0-9]' '$work/down$n.headers'"
done
sleep 2.5
pg_env_up
echo "# (2) PostgreSQL was down $(e2e_since "$t_down") s"
rc3=0
wait "$g3" || rc3=$?
sed 's/^/# g3: /' "$work/g3.out"
check "(2) the generator ran (exit $rc3)" test "$rc3" = 0
check "(2) the replicas refused reports while PostgreSQL was down (503)" \
    test "$(awk '$4 == "503"' "$work/g3.answers" | wc -l)" -gt 0
check "(2) the replicas reconnected by themselves: reports stored after the restart" \
    awk '$4 == "stored" { last = NR } $4 == "503" { first503 = first503 ? first503 : NR }
        END { exit !(first503 && last > first503) }' "$work/g3.answers"
check "(2) every refused report was delivered afterwards (undelivered 0)" grep -q '^undelivered 0 ' "$work/g3.out"
# The agents (and their flipper) paused while both replicas are read, so
# both are read at the same state; their outboxes and timers carry on after.
kill -STOP "${agent_pid[@]}" "$flipper"
sleep 1.5 # a push in flight is answered
verify "(2)" "$work/g1.answers" "$work/g2.answers" "$work/g3.answers"
kill -CONT "${agent_pid[@]}" "$flipper"

# ---- (3) one replica killed with SIGKILL mid-burst ----
gen g4 "$A,$B" 9 40 8 --drain &
g4=$!
sleep 3
kill -KILL "${rpid[1]}"
wait "${rpid[1]}" 2>/dev/null || true
sleep 1
start_replica 1 "${rport[1]}"
check "(3) replica 1 started again on its port" test "127.0.0.1:${rport[1]}" = "$A"
rc4=0
wait "$g4" || rc4=$?
sed 's/^/# g4: /' "$work/g4.out"
check "(3) the generator ran (exit $rc4)" test "$rc4" = 0
check "(3) replica 1 had answered stored before it was killed" \
    test "$(awk -v a="$A" '$4 == "stored" && $6 == a' "$work/g4.answers" | wc -l)" -gt 0
check "(3) every refused report was delivered afterwards (undelivered 0)" grep -q '^undelivered 0 ' "$work/g4.out"
e2e_stop "$flipper"
outbox() { sqlite3 -batch -noheader "$work/agent$1/outbox.db" "$2"; }
drained() { # every agent's outbox empty, or holding only the collection just made
    local n ok
    for _ in $(seq 1 120); do
        ok=1
        for n in 1 2 3 4; do
            [ "$(outbox "$n" "SELECT COUNT(*) FROM reports" 2>/dev/null || echo 99)" -le 1 ] || ok=0
        done
        [ $ok = 1 ] && return 0
        sleep 0.5
    done
    return 1
}
check "(2)(3) the agents' outboxes drain" drained
for n in 1 2 3 4; do e2e_stop "${agent_pid[$n]}"; done
verify "(3)" "$work/g1.answers" "$work/g2.answers" "$work/g3.answers" "$work/g4.answers"
agents_delivered() { # each agent's newest sequence is the store's, none still queued
    local n id built left got events
    for n in 1 2 3 4; do
        id=$(printf '%032x' "$((0xd1c0 + n))")
        built=$(outbox "$n" "SELECT value FROM meta WHERE key = 'sequence/$id'")
        left=$(outbox "$n" "SELECT COUNT(*) FROM reports")
        got=$(api "${rbase[1]}" "/api/v1/hosts/$id" | jq -r .sequence)
        events=$(jq -r --arg h "$id" 'select(.host == $h and .check == "3.18")' "$work/drift.jsonl" | jq -s length)
        echo "# agent $n: built up to $built, the store holds $got, $left queued, $events drift events of 3.18"
        [ "$events" -ge 4 ] || return 1
        if [ "$left" = 0 ]; then
            [ "$got" = "$built" ] || return 1
        else # stopped with the collection just made queued: it follows the stored one
            [ "$(outbox "$n" "SELECT MIN(sequence) FROM reports")" = "$((got + 1))" ] || return 1
        fi
    done
}
check "(2)(3) the real agents' reports all arrived: each one's newest is stored (or next in its outbox), 3.18 drifted" \
    agents_delivered

for n in 1 2; do
    kill -TERM "${rpid[$n]}"
    set +e
    wait "${rpid[$n]}"
    rc=$?
    set -e
    check "replica $n: SIGTERM, clean exit 0" test "$rc" = 0
done
check "no sanitizer report and no password in any log" bash -c \
    "! grep -q -e AddressSanitizer -e 'runtime error' -e \"\$(cat '$PG_ENV_PASSWORD_FILE')\" '$work'/*.log"

e2e_summary "all replica checks passed" ||
    { echo "replica logs:"; tail -n 20 "$work"/r*.log; exit 1; }
