#!/usr/bin/env bash
# e2e_store.sh - the built dockward-store end to end, as agents, operators
# and Prometheus see it, with real SQLite files (or, with
# STORE_BACKEND=postgres, a real PostgreSQL server of tests/pg_env.sh: ctest
# runs it both ways, e2e_store and e2e_store_pg):
#
#  (a) 200 reports from 20 simulated hosts (bench/ingest's fixture story:
#      every status transition, a failing collector, a removed and an added
#      container, resent and older reports, gzip), each answer checked; then
#      /api/v1/hosts, every /api/v1/hosts/{id}, /api/v1/checks/{id}, the
#      whole /api/v1/drift (paged) and the fleet metric lines must equal
#      what the story says the store holds;
#  (d) malformed, truncated, oversized and hostile bodies (wrong wire types,
#      huge length prefixes, a gzip bomb, a decode-memory bomb), invalid
#      reports, wrong content type or encoding, no token, wrong token: the
#      right 4xx, counted, nothing stored, the store still serving;
#  503 while another client holds the database's write lock (SQLite's, or
#      every table locked in PostgreSQL), nothing written, then stored once
#      the lock is gone;
#  bad query parameters: 400 with a message;
#  SIGHUP reloads the tokens file, and keeps the old tokens when the new
#      file is bad;
#  kill -9 and restart: everything answered 200 is still there;
#  flag errors (exit 2, one line), promtool on /metrics, clean SIGTERM.
#
# Environment (set by ctest): DOCKWARD_STORE_BIN, DOCKWARD_TESTS,
# STORE_BACKEND (sqlite by default, or postgres: exit 77, skipped, when the
# store has no --storage.url). The
# generator is bench/dockward-ingest-bench of the same build
# (DOCKWARD_INGEST_BENCH overrides).
set -euo pipefail

: "${DOCKWARD_STORE_BIN:?}" "${DOCKWARD_TESTS:?}" "${MKFIXTURE:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require_ingest_bench
e2e_require curl jq promtool

e2e_scratch e2e-store -9

token_a=$(e2e_random_hex 24)
token_b=$(e2e_random_hex 24)
token_c=$(e2e_random_hex 24)
token_r=$(e2e_random_hex 24)
printf '# agents of the e2e test\nagent-a %s\n\nagent-b   %s\nreader-r %s role=reader\n' \
    "$token_a" "$token_b" "$token_r" >"$work/tokens"
chmod 600 "$work/tokens"
db="$work/store.db"
e2e_backend_start
umask 022 # as a shell would; the store must still keep its files private

metrics() { sleep 0.5; curl -s "$base/metrics"; } # after a refresh (200ms)
metric_value() { e2e_metric "$2" <"$1"; } # metric_value FILE SERIES -> value or "absent"

# post NAME BODYFILE [CURL ARGS...] -> status in $code, body in $work/NAME.out
post() {
    local name=$1 file=$2; shift 2
    code=$(curl -s -o "$work/$name.out" -w '%{http_code}' -X POST --data-binary "@$file" \
        "$@" "$base/api/v1/reports")
}
auth=(-H "Authorization: Bearer $token_a")
rd=(-H "Authorization: Bearer $token_r") # the query API wants a reader
proto=(-H "Content-Type: application/x-protobuf")

# ---- flags ----
set +e
"$DOCKWARD_STORE_BIN" "${storage[@]}" 2>"$work/noflag.err"
rc=$?
"$DOCKWARD_STORE_BIN" --auth.tokens-file="$work/tokens" --nope 2>"$work/badflag.err"
rc_bad=$?
printf 'short %s\n' "tiny" >"$work/badtokens"
"$DOCKWARD_STORE_BIN" --auth.tokens-file="$work/badtokens" "${storage[@]}" \
    2>"$work/badtokens.err"
rc_tok=$?
"$DOCKWARD_STORE_BIN" --version >"$work/version.out"
rc_ver=$?
set -e
check "no tokens file: exit 2, one line naming the flag" \
    test "$rc" = 2 -a "$(wc -l <"$work/noflag.err")" = 1
check "no tokens file: the message says --auth.tokens-file is required" \
    grep -q -- "--auth.tokens-file is required" "$work/noflag.err"
check "unknown flag: exit 2, one line" test "$rc_bad" = 2 -a "$(wc -l <"$work/badflag.err")" = 1
check "bad tokens file: exit 2 naming file:line, without the token" \
    bash -c "[ $rc_tok = 2 ] && grep -q 'badtokens:1: the token of short must be' '$work/badtokens.err' && ! grep -q tiny '$work/badtokens.err'"
check "--version exits 0" bash -c "[ $rc_ver = 0 ] && grep -q '^dockward-store version' '$work/version.out'"
check "no database was created by the refused starts" e2e_backend_empty

# ---- (a) 200 reports from 20 hosts ----
e2e_store_start a
check "the store starts and serves /healthz" test "$(e2e_http_code "$base/healthz")" = 200
"$bench" --mode=fixture --store.address="127.0.0.1:$port" --token-file="$work/tokens" \
    --hosts=20 --reports=200 --seed=4242 --out="$work/expected.json" 2>"$work/fixture.err"
fixture_rc=$?
check "every fixture report got the answer the story expects (stored/duplicate/stale)" \
    test "$fixture_rc" = 0
cat "$work/fixture.err"

curl -s "${rd[@]}" "$base/api/v1/hosts" >"$work/hosts.json"
jq -S '[.hosts[] | del(.last_seen, .state)]' "$work/hosts.json" >"$work/got_hosts.json"
jq -S '[.hosts[] | del(.results, .catalog_version)]' "$work/expected.json" >"$work/want_hosts.json"
check "/api/v1/hosts lists exactly the 20 hosts sent (ids, names, sequences, counts, ratios)" \
    diff -u "$work/want_hosts.json" "$work/got_hosts.json"
check "/api/v1/hosts: every host is reporting, next is null" \
    test "$(jq -c '[([.hosts[].state] | unique), .next]' "$work/hosts.json")" = '[["reporting"],null]'

for id in $(jq -r '.hosts[].id' "$work/expected.json"); do
    curl -s "${rd[@]}" "$base/api/v1/hosts/$id" >"$work/detail.json"
    jq -r .owner "$work/detail.json" >>"$work/owners.txt"
    jq -S 'del(.last_seen, .state, .generated_at, .first_seen, .next, .owner)' "$work/detail.json"
done | jq -s -S . >"$work/got_detail.json"
check "/api/v1/hosts/{id}: every host is bound to agent-a, the token that pushed it" \
    test "$(sort -u "$work/owners.txt")" = agent-a
jq -S '.hosts' "$work/expected.json" >"$work/want_detail.json"
check "/api/v1/hosts/{id}: every host's current results (status, evidence, collector, since)" \
    diff -u "$work/want_detail.json" "$work/got_detail.json"

# Paged through with an odd page size, so pages split reports' events.
after=""
: >"$work/drift.jsonl"
pages=0
while :; do
    q="limit=37"
    [ -n "$after" ] && q="$q&after=$after"
    curl -s "${rd[@]}" "$base/api/v1/drift?$q" >"$work/page.json"
    jq -c '.events[] | del(.id, .received_at)' "$work/page.json" >>"$work/drift.jsonl"
    pages=$((pages + 1))
    after=$(jq -r '.next // empty' "$work/page.json")
    [ -z "$after" ] || [ "$pages" -gt 10000 ] && break
done
jq -s -S . "$work/drift.jsonl" >"$work/got_drift.json"
jq -S '.drift' "$work/expected.json" >"$work/want_drift.json"
check "/api/v1/drift: every event, oldest first, across $pages pages" \
    diff -u "$work/want_drift.json" "$work/got_drift.json"

host0=$(jq -r '.hosts[0].id' "$work/expected.json")
check "/api/v1/drift?host=&check=&since= filters" test \
    "$(curl -s "${rd[@]}" "$base/api/v1/drift?host=$host0&check=5.5&limit=1000" | jq -c '[.events[] | del(.id, .received_at)]')" = \
    "$(jq -c --arg h "$host0" '[.drift[] | select(.host == $h and .check == "5.5")]' "$work/expected.json")"
# since is the store's receive time (received_at), not the agent's (at).
curl -s "${rd[@]}" "$base/api/v1/drift?limit=1000" >"$work/all_drift.json"
since=$(jq -r '.events[-1].received_at' "$work/all_drift.json")
curl -s "${rd[@]}" "$base/api/v1/drift?since=$since&limit=1000" >"$work/since_drift.json"
since_ok() { # only events received at or after it, and every such one of the first page
    jq -e --arg s "$since" 'all(.events[]; .received_at >= $s) and (.events | length > 0)' \
        "$work/since_drift.json" >/dev/null &&
        [ "$(jq -c --arg s "$since" '[.events[] | select(.received_at >= $s)] | .[0]' "$work/all_drift.json")" = \
            "$(jq -c '.events[0]' "$work/since_drift.json")" ]
}
check "/api/v1/drift?since= keeps events received at or after the time" since_ok
check "/api/v1/drift: ids ascend (the store's order) and every event has received_at" \
    jq -e '[.events[].id] as $i | ($i == ($i | sort)) and all(.events[]; .received_at != null)' \
    "$work/all_drift.json"

jq -c '[.hosts[] | select(any(.results[]; .check == "5.5" and .status == "fail"))
        | {id, hostname, targets: [.results[] | select(.check == "5.5" and .status == "fail") | .target]}]
        | sort_by(.id)' "$work/expected.json" >"$work/want_check.json"
# One host per page, so the cursor is used.
after=""
: >"$work/check.jsonl"
for _ in $(seq 1 100); do
    q="limit=1"
    [ -n "$after" ] && q="$q&after=$after"
    curl -s "${rd[@]}" "$base/api/v1/checks/5.5?$q" >"$work/check_page.json"
    jq -c '.hosts[]' "$work/check_page.json" >>"$work/check.jsonl" || true
    after=$(jq -r '.next // empty' "$work/check_page.json" || true)
    [ -z "$after" ] && break
done
jq -s -c '[.[] | {id, hostname, targets}] | sort_by(.id)' "$work/check.jsonl" >"$work/got_check.json" || true
check "/api/v1/checks/5.5: the hosts failing it and their targets, one page each" \
    diff -u "$work/want_check.json" "$work/got_check.json"

metrics >"$work/metrics.txt"
missing=0
while IFS= read -r line; do
    grep -qxF "$line" "$work/metrics.txt" || { echo "  missing: $line"; missing=$((missing + 1)); }
done < <(jq -r '.metrics[]' "$work/expected.json")
check "/metrics: hosts by state, ingest results, drift events, failing hosts and regressions per check, the hosts' compliance histogram and lowest ratio" \
    test "$missing" = 0
# The histogram's sum is the hosts' ratios added up (in the store's order: compared within 1e-9).
want_sum=$(jq '[.hosts[].compliance_ratio // empty] | add' "$work/expected.json")
got_sum=$(metric_value "$work/metrics.txt" dockward_fleet_host_compliance_ratio_sum)
check "/metrics: dockward_fleet_host_compliance_ratio_sum $got_sum is the sum of the hosts' ratios ($want_sum)" \
    awk -v a="$got_sum" -v b="$want_sum" 'BEGIN { d = a - b; exit !(d < 1e-9 && d > -1e-9 && b > 0) }'
check "/metrics: no series labelled by host without --metrics.per-host" \
    bash -c "! grep -Eq 'host_id=|hostname=' '$work/metrics.txt'"
# A check the store tracks beyond the story's (went to fail and back without regressing) is 0.
extra=$(grep -E '^dockward_fleet_check_failing_hosts' "$work/metrics.txt" |
    grep -vxF -f <(jq -r '.metrics[]' "$work/expected.json") | awk '$2 != 0' | wc -l || true)
check "/metrics: no other check has failing hosts" test "$extra" = 0
check "promtool check metrics: nothing to say" e2e_promtool_clean "$work/metrics.txt"
# The first gzip request of a format gets identity; the refreshes after it compress.
om_args=(-H 'Accept: application/openmetrics-text; version=1.0.0' -H 'Accept-Encoding: gzip')
curl -s "${om_args[@]}" -D "$work/om1.headers" -o "$work/om1.txt" "$base/metrics"
check "/metrics: the first gzip request of OpenMetrics is answered identity" bash -c \
    "! grep -qi '^content-encoding' '$work/om1.headers' && tail -n1 '$work/om1.txt' | grep -qx '# EOF'"
sleep 0.5
curl -s "${om_args[@]}" -D "$work/om.headers" "$base/metrics" | gunzip >"$work/om.txt"
check "/metrics: OpenMetrics, gzip, after the next refresh" bash -c \
    "grep -qi '^content-encoding: gzip' '$work/om.headers' && grep -qi '^content-type: application/openmetrics-text; version=1.0.0' '$work/om.headers' && tail -n1 '$work/om.txt' | grep -qx '# EOF' && grep -q '^# TYPE dockward_store_ingest_duration_seconds histogram' '$work/om.txt'"

# ---- (d) hostile and invalid pushes ----
before_hosts=$(curl -s "${rd[@]}" "$base/api/v1/hosts" | jq -S -c .)
before_drift=$(curl -s "${rd[@]}" "$base/api/v1/drift?limit=1000&since=1970-01-01T00:00:00Z" | jq -c '.events | length')
for name in valid truncated wrong-wire-type huge-length nested-huge-length too-many-results \
    unknown-fields-flood oversized gzip-bomb gzip-corrupt bad-id bad-host seq-zero bad-status \
    old-time future-time long-check dup-pair unknown-collector; do
    "$bench" --emit="$name" >"$work/$name.bin"
done
printf 'not protobuf at all' >"$work/garbage.bin"
: >"$work/empty.bin"

post noauth "$work/valid.bin" "${proto[@]}"
check "no token: 401 with WWW-Authenticate: Bearer" bash -c \
    "[ $code = 401 ] && curl -s -D - -o /dev/null -X POST --data-binary @'$work/valid.bin' -H 'Content-Type: application/x-protobuf' '$base/api/v1/reports' | grep -qi '^www-authenticate: bearer'"
post wrongtoken "$work/valid.bin" "${proto[@]}" -H "Authorization: Bearer ${token_a}x"
check "wrong token: 401" test "$code" = 401
post basic "$work/valid.bin" "${proto[@]}" -u "agent-a:$token_a"
check "basic auth instead of a bearer token: 401" test "$code" = 401
post json "$work/valid.bin" "${auth[@]}" -H "Content-Type: application/json"
check "wrong content type: 415" test "$code" = 415
post noct "$work/valid.bin" "${auth[@]}" -H "Content-Type:"
check "no content type: 415" test "$code" = 415
post br "$work/valid.bin" "${auth[@]}" "${proto[@]}" -H "Content-Encoding: br"
check "unsupported content encoding: 415" test "$code" = 415
post oversized "$work/oversized.bin" "${auth[@]}" "${proto[@]}"
check "a 5 MiB body: 413" test "$code" = 413
post chunked "$work/oversized.bin" "${auth[@]}" "${proto[@]}" -H "Transfer-Encoding: chunked"
check "a 5 MiB chunked body (no Content-Length): 413 once past the cap" test "$code" = 413
post bomb "$work/gzip-bomb.bin" "${auth[@]}" "${proto[@]}" -H "Content-Encoding: gzip"
check "a gzip bomb (17 MiB of zeros in $(stat -c %s "$work/gzip-bomb.bin") bytes): 413" \
    test "$code" = 413
post flood "$work/unknown-fields-flood.bin" "${auth[@]}" "${proto[@]}" -H "Content-Encoding: gzip"
check "8 million unknown fields (decode memory cap): 413" test "$code" = 413
post gzcorrupt "$work/gzip-corrupt.bin" "${auth[@]}" "${proto[@]}" -H "Content-Encoding: gzip"
check "corrupt gzip: 400" bash -c "[ $code = 400 ] && grep -q 'not one whole gzip member' '$work/gzcorrupt.out'"
# Each refusal gives back what it took of the reports budget (80 MiB): after
# 6 corrupt members that declare over 16 MiB and 6 bombs a report is still
# decoded (and judged: 400 for its status, not 429 for a spent budget).
for i in 1 2 3 4 5 6; do
    post gzcorrupt$i "$work/gzip-corrupt.bin" "${auth[@]}" "${proto[@]}" -H "Content-Encoding: gzip"
    post gzbomb$i "$work/gzip-bomb.bin" "${auth[@]}" "${proto[@]}" -H "Content-Encoding: gzip"
done
post afterbombs "$work/bad-status.bin" "${auth[@]}" "${proto[@]}"
check "after 12 refused gzip bodies a report is still decoded: 400, not 429 (got $code)" test "$code" = 400
post garbage "$work/garbage.bin" "${auth[@]}" "${proto[@]}"
check "not protobuf: 400 malformed" bash -c "[ $code = 400 ] && grep -q 'malformed protobuf' '$work/garbage.out'"
post empty "$work/empty.bin" "${auth[@]}" "${proto[@]}"
check "an empty body: 400" bash -c "[ $code = 400 ] && grep -q 'empty body' '$work/empty.out'"
declare -A want_msg=(
    [truncated]="runs past the end"
    [wrong-wire-type]="field 8 has wire type 0"
    [huge-length]="runs past the end"
    [nested-huge-length]="not a dockward.v1.Report"
    [too-many-results]="too many results"
    [bad-id]="report_id must be 16 bytes"
    [bad-host]="host_id must be"
    [seq-zero]="sequence must be 1 or more"
    [bad-status]="unknown status 9"
    [old-time]="before 2020"
    [future-time]="in the future"
    [long-check]="check_id is 257 bytes"
    [dup-pair]="appears twice"
    [unknown-collector]="names collector"
)
for name in "${!want_msg[@]}"; do
    post "$name" "$work/$name.bin" "${auth[@]}" "${proto[@]}"
    check "$name: 400 \"${want_msg[$name]}\"" bash -c \
        "[ $code = 400 ] && grep -qF '${want_msg[$name]}' '$work/$name.out'"
done
check "GET on the ingest path: 405" test "$(e2e_http_code "${rd[@]}" "$base/api/v1/reports")" = 405
check "POST on /metrics: 405" test "$(e2e_http_code -X POST "$base/metrics")" = 405
check "an unknown path: 404" test "$(e2e_http_code "$base/nope")" = 404

check "after all of that: the hosts are exactly as before" \
    test "$(curl -s "${rd[@]}" "$base/api/v1/hosts" | jq -S -c .)" = "$before_hosts"
check "after all of that: no drift event was added" \
    test "$(curl -s "${rd[@]}" "$base/api/v1/drift?limit=1000&since=1970-01-01T00:00:00Z" | jq -c '.events | length')" = "$before_drift"
check "after all of that: the store still serves /healthz" test "$(e2e_http_code "$base/healthz")" = 200
metrics >"$work/metrics2.txt"
for pair in malformed:24 unauthorized:4 too_large:10 unsupported:3; do
    r=${pair%%:*} n=${pair#*:}
    check "dockward_store_ingest_total{result=\"$r\"} is $n" \
        test "$(metric_value "$work/metrics2.txt" "dockward_store_ingest_total{result=\"$r\"}")" = "$n"
done

# ---- bad query parameters ----
q400() { # q400 PATH NEEDLE
    local out
    out=$(curl -s -w '\n%{http_code}' "${rd[@]}" "$base$1")
    [ "$(tail -n1 <<<"$out")" = 400 ] && head -n1 <<<"$out" | jq -e --arg n "$2" '.error | contains($n)' >/dev/null
}
check "drift?limit=0: 400" q400 "/api/v1/drift?limit=0" "limit must be a whole number from 1 to 1000"
check "drift?limit=abc: 400" q400 "/api/v1/drift?limit=abc" "limit must be"
check "drift?since=yesterday: 400" q400 "/api/v1/drift?since=yesterday" "since must be an RFC 3339 time"
check "drift?since=2026-02-30T00:00:00Z: 400" q400 "/api/v1/drift?since=2026-02-30T00:00:00Z" "since must be"
check "drift?after=zz: 400" q400 "/api/v1/drift?after=zz" "after must be"
check "drift?host=bad%20id: 400" q400 "/api/v1/drift?host=bad%20id" "host must be a host id"
check "drift?nosuch=1: 400" q400 "/api/v1/drift?nosuch=1" "unknown parameter \"nosuch\""
check "drift?limit=1&limit=2: 400" q400 "/api/v1/drift?limit=1&limit=2" "given twice"
check "hosts?limit=10001: 400" q400 "/api/v1/hosts?limit=10001" "limit must be"
check "hosts/bad%20id: 400" q400 "/api/v1/hosts/bad%20id" "a host id is"
check "checks/ (no id): 400" q400 "/api/v1/checks/" "a check id is"
check "an unknown host: 404" test "$(e2e_http_code "${rd[@]}" "$base/api/v1/hosts/nosuchhost")" = 404
check "drift?since=2026-01-01T00:00:00+02:00 (an offset) is accepted" \
    test "$(e2e_http_code "${rd[@]}" "$base/api/v1/drift?since=2026-01-01T00:00:00%2B02:00")" = 200

# ---- 503 while the database cannot write ----
e2e_hold_write_lock 4 "$work/lock.out" &
lock_pid=$!
for _ in $(seq 1 100); do grep -q locked "$work/lock.out" 2>/dev/null && break; sleep 0.05; done
post locked "$work/valid.bin" "${auth[@]}" "${proto[@]}" -D "$work/locked.headers"
check "database locked by another process: 503 with Retry-After" bash -c \
    "[ $code = 503 ] && grep -qi '^retry-after: 1' '$work/locked.headers'"
check "database locked: reads still answer" test "$(e2e_http_code "${rd[@]}" "$base/api/v1/hosts")" = 200
wait "$lock_pid"
check "database locked: nothing was written" \
    test "$(curl -s "${rd[@]}" "$base/api/v1/hosts" | jq -S -c .)" = "$before_hosts"
post unlocked "$work/valid.bin" "${auth[@]}" "${proto[@]}"
check "lock released: the same report is stored" \
    bash -c "[ $code = 200 ] && grep -q '\"stored\"' '$work/unlocked.out'"
dups_before=$(curl -s "$base/metrics" | e2e_metric 'dockward_store_ingest_total{result="duplicate"}' 0)
post again "$work/valid.bin" "${auth[@]}" "${proto[@]}" -H "Content-Encoding: identity"
check "sent again: 200 duplicate" bash -c "[ $code = 200 ] && grep -q '\"duplicate\"' '$work/again.out'"
# Its id reused for another host (the same body, host emit-host renamed emit-hosX): a duplicate too.
perl -0777 -pe 's/emit-host/emit-hosX/g' "$work/valid.bin" >"$work/reused.bin"
post reused "$work/reused.bin" "${auth[@]}" "${proto[@]}"
reused_host=$(e2e_http_code "${rd[@]}" "$base/api/v1/hosts/emit-hosX")
check "its id reused for another host: 200 duplicate, that host not stored (got $code, $reused_host)" \
    bash -c "[ $code = 200 ] && [ $reused_host = 404 ] && grep -q '\"duplicate\"' '$work/reused.out'"
metrics >"$work/metrics3.txt"
check "both duplicates counted in dockward_store_ingest_total{result=\"duplicate\"}" test \
    "$(metric_value "$work/metrics3.txt" 'dockward_store_ingest_total{result="duplicate"}')" = $((dups_before + 2))
check "dockward_store_ingest_total{result=\"unavailable\"} is 1" \
    test "$(metric_value "$work/metrics3.txt" 'dockward_store_ingest_total{result="unavailable"}')" = 1

# ---- SIGHUP: tokens reloaded; a bad file keeps the old ones ----
# A new secret under the same name: agent-a keeps the hosts it owns.
printf 'agent-a %s\nreader-r %s role=reader\n' "$token_c" "$token_r" >"$work/tokens"
kill -HUP "$pid"
for _ in $(seq 1 100); do grep -q 'reloaded 2 token' "$work/a.log" && break; sleep 0.05; done
post oldtoken "$work/valid.bin" "${auth[@]}" "${proto[@]}"
check "SIGHUP: a token no longer in the file is refused (401)" test "$code" = 401
post newtoken "$work/valid.bin" "${proto[@]}" -H "Authorization: Bearer $token_c"
check "SIGHUP: the new token is accepted" test "$code" = 200
printf 'agent-d tooshort\n' >"$work/tokens"
kill -HUP "$pid"
for _ in $(seq 1 100); do grep -q 'keeping the current tokens' "$work/a.log" && break; sleep 0.05; done
check "SIGHUP with a bad file: logged, naming file:line" \
    grep -q 'keeping the current tokens: .*tokens:1: the token of agent-d' "$work/a.log"
post keptoken "$work/valid.bin" "${proto[@]}" -H "Authorization: Bearer $token_c"
check "SIGHUP with a bad file: the current tokens still work" test "$code" = 200
check "no token ever appears in the log" bash -c \
    "! grep -qE '$token_a|$token_b|$token_c|tooshort' '$work/a.log'"

# ---- kill -9 and restart: what was answered 200 is still there ----
curl -s "${rd[@]}" "$base/api/v1/hosts" | jq -S -c '[.hosts[] | del(.state)]' >"$work/hosts_before.json"
curl -s "${rd[@]}" "$base/api/v1/drift?limit=1000" | jq -S -c '.events' >"$work/drift_before.json"
grep '^dockward_fleet_regressions_total{' "$work/metrics3.txt" >"$work/regressions_before.txt" || true
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
printf 'agent-a %s\nreader-r %s role=reader\n' "$token_a" "$token_r" >"$work/tokens"
e2e_store_start b --metrics.per-host
curl -s "${rd[@]}" "$base/api/v1/hosts" | jq -S -c '[.hosts[] | del(.state)]' >"$work/hosts_after.json"
curl -s "${rd[@]}" "$base/api/v1/drift?limit=1000" | jq -S -c '.events' >"$work/drift_after.json"
check "after kill -9: the hosts are the same" cmp -s "$work/hosts_before.json" "$work/hosts_after.json"
check "after kill -9: the drift log is the same" cmp -s "$work/drift_before.json" "$work/drift_after.json"
metrics >"$work/metrics4.txt"
check "after kill -9: dockward_fleet_regressions_total per check survived" \
    diff -u "$work/regressions_before.txt" <(grep '^dockward_fleet_regressions_total{' "$work/metrics4.txt")
# --metrics.per-host: one ratio series per host with a ratio, as the API gives it.
curl -s "${rd[@]}" "$base/api/v1/hosts?limit=1000" |
    jq -r '.hosts[] | select(.compliance_ratio != null) | "\(.id) \(.hostname) \(.compliance_ratio)"' |
    sort >"$work/per_host_want.txt"
sed -nE 's/^dockward_fleet_per_host_compliance_ratio\{host_id="([^"]*)",hostname="([^"]*)"\} (.*)$/\1 \2 \3/p' \
    "$work/metrics4.txt" | sort >"$work/per_host_got.txt"
check "--metrics.per-host: one series per host ($(wc -l <"$work/per_host_got.txt")), its ratio the API's" \
    awk 'NR == FNR { w[$1 " " $2] = $3; n++; next }
         { k = $1 " " $2; if (!(k in w) || w[k] - $3 > 1e-9 || $3 - w[k] > 1e-9) exit 1; m++ }
         END { exit !(n > 0 && n == m) }' "$work/per_host_want.txt" "$work/per_host_got.txt"
post afterkill "$work/valid.bin" "${auth[@]}" "${proto[@]}"
check "after kill -9: a resent report is a duplicate" \
    bash -c "[ $code = 200 ] && grep -q '\"duplicate\"' '$work/afterkill.out'"

# issue 18 #3: uploads that declare 4 MiB and trickle a byte a second (a
# compromised agent's token) hold no upload budget; real pushes keep being
# stored, and a body not in within 30 s is cut off and counted.
SLOW_CLIENT=$(e2e_test_bin slow_client)
trickle() { # trickle N SECONDS: N trickling uploads from 127.0.0.2, output in $work/trickle-N.out
    SLOW_CLIENT_TOKEN=$token_a "$SLOW_CLIENT" 127.0.0.1 "$port" 127.0.0.2 0 0 0 "$2" "$1" \
        >"$work/trickle-$1.out" 2>"$work/trickle-$1.err" &
    trickle_pid=$!
    pids+=("$trickle_pid")
    local i
    for i in $(seq 1 100); do
        grep -q ready "$work/trickle-$1.err" 2>/dev/null && break
        sleep 0.1
    done
    sleep 1.5 # every head in, the first bytes trickling
}
trickle 16 34
post trickle16 "$work/valid.bin" "${auth[@]}" "${proto[@]}"
check "16 trickling 4 MiB uploads: a real push is answered 200, not 429 (got $code)" test "$code" = 200
store_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
rss16=$(store_rss_kib)
wait "$trickle_pid" || true
sed 's/^/# slow_client: /' "$work/trickle-16.out" | grep uploads || true
check "16 trickling uploads: each is cut off after 30 s (closed by the store)" \
    grep -Eq 'kind=uploads .*closed_by_server=(1[6-9]|[2-9][0-9])' "$work/trickle-16.out"
metrics >"$work/metrics-trickle.txt"
check "16 trickling uploads: counted as too_slow" \
    test "$(metric_value "$work/metrics-trickle.txt" 'dockward_store_ingest_total{result="too_slow"}')" -ge 16
trickle 200 6
post trickle200 "$work/valid.bin" "${auth[@]}" "${proto[@]}"
check "200 trickling uploads: a real push is answered 200 (got $code)" test "$code" = 200
rss200=$(store_rss_kib)
echo "# store RSS with 16 trickling uploads: $rss16 KiB, with 200: $rss200 KiB"
check "200 trickling uploads: the store's memory stays under 256 MiB" test "$rss200" -lt 262144
wait "$trickle_pid" || true

# issue 18 #4: the fleet's data is private whatever the umask (the store ran under 022).
db_files_private() {
    local f bad=0
    for f in "$db" "$db-wal" "$db-shm"; do
        [ -e "$f" ] || { echo "# $f missing"; bad=1; continue; }
        [ "$(stat -c %a "$f")" = 600 ] || { echo "# $f is mode $(stat -c %a "$f")"; bad=1; }
    done
    return "$bad"
}
# PostgreSQL keeps the data in its own files; what the store holds of it is
# the password, which must appear nowhere it writes or shows.
password_private() {
    local pw
    pw=$(head -n1 "$PG_ENV_PASSWORD_FILE")
    curl -s "$base/metrics" >"$work/metrics-pw.txt"
    ! grep -qF "$pw" "$work"/*.log "$work/metrics-pw.txt" /proc/"$pid"/cmdline /proc/"$pid"/environ
}
if [ "${STORE_BACKEND:-sqlite}" = postgres ]; then
    check "the database password is in no log, no metric, not in the store's command line or environment" \
        password_private
else
    check "store.db, -wal and -shm are 0600 under umask $(umask)" db_files_private
fi

e2e_check_clean_exit "SIGTERM: clean exit 0" "$pid"
check "SIGTERM: logged stopped" grep -q 'msg="stopped"' "$work/b.log"

e2e_summary "all store end-to-end checks passed" ||
    { echo "store logs:"; cat "$work/a.log" "$work/b.log" 2>/dev/null | tail -n 40; exit 1; }
