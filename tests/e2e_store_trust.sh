#!/usr/bin/env bash
# e2e_store_trust.sh - who may speak for a host, who may read, and hosts
# that leave, on the built dockward-store with a real SQLite file (or, with
# STORE_BACKEND=postgres, a real PostgreSQL server of tests/pg_env.sh: ctest
# runs it both ways, e2e_store_trust and e2e_store_trust_pg):
#
#  identity: a host is bound to the agent token that first reported it; a
#      report for it with another token is 403, counted (result=
#      "forbidden"), logged with both names and never the token, and
#      changes nothing (host, results, drift); hosts=GLOB in the tokens file
#      binds hosts explicitly (the bound token only, and only those); an
#      admin moves a host to another token;
#  roles: every cell of docs/store.md's table (no credential, a wrong token, an
#      agent, a reader, an admin x push, each query endpoint, retire,
#      rebind, /metrics, /healthz, /readyz) gets the status the table says;
#  lifecycle: with --host.retire-after a silent host leaves the API and the
#      fleet metrics (its failing checks, its ratio series), keeps its
#      drift history plus an event saying it was retired, and comes back as
#      new when it reports; DELETE /api/v1/hosts/{id} retires at once.
#
# Environment (set by ctest): DOCKWARD_STORE_BIN, DOCKWARD_TESTS,
# STORE_BACKEND (sqlite, or postgres: exit 77 when unsupported); reports
# come from bench/dockward-ingest-bench --emit=host:ID:SEQ.
set -euo pipefail

: "${DOCKWARD_STORE_BIN:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require_ingest_bench
e2e_require curl jq

e2e_scratch e2e-trust -9

tok_a=$(e2e_random_hex 24)
tok_b=$(e2e_random_hex 24)
tok_web=$(e2e_random_hex 24)
tok_reader=$(e2e_random_hex 24)
tok_admin=$(e2e_random_hex 24)
cat >"$work/tokens" <<EOF
agent-a $tok_a
agent-b $tok_b role=agent
agent-web $tok_web hosts=web-*
dash $tok_reader role=reader
ops $tok_admin role=admin
EOF
chmod 600 "$work/tokens"
db="$work/store.db"
e2e_backend_start

# push TOKEN HOST SEQ -> HTTP status in $code, body in $work/push.out
push() {
    "$bench" --emit="host:$2:$3" >"$work/push.bin"
    code=$(curl -s -o "$work/push.out" -w '%{http_code}' -X POST --data-binary "@$work/push.bin" \
        -H "Authorization: Bearer $1" -H "Content-Type: application/x-protobuf" \
        "$base/api/v1/reports")
}
read_api() { curl -s -H "Authorization: Bearer $tok_reader" "$base$1"; }
admin() { # admin METHOD PATH -> status in $code
    code=$(curl -s -o "$work/admin.out" -w '%{http_code}' -X "$1" \
        -H "Authorization: Bearer $tok_admin" "$base$2")
}
metrics() { sleep 0.5; curl -s "$base/metrics"; } # after a refresh (200ms)
bearer_challenge() { # bearer_challenge METHOD URL [CURL ARGS...]: a 401 asks for a bearer token
    curl -s -D - -o /dev/null -X "$1" "${@:3}" "$2" | grep -qi '^www-authenticate: bearer'
}

e2e_store_start a

# ---- identity ----
push "$tok_a" alpha 1
check "agent-a's first report of alpha: 200 stored" bash -c "[ $code = 200 ] && grep -q stored '$work/push.out'"
check "alpha is bound to agent-a (GET /api/v1/hosts/alpha: owner)" \
    test "$(read_api /api/v1/hosts/alpha | jq -r .owner)" = agent-a
before_host=$(read_api /api/v1/hosts/alpha | jq -S -c 'del(.state)')
before_drift=$(read_api "/api/v1/drift?limit=1000" | jq -c '.events | length')

push "$tok_b" alpha 2
check "agent-b reporting agent-a's host: 403" bash -c \
    "[ $code = 403 ] && grep -q 'belongs to another credential' '$work/push.out'"
check "... and the 403 names neither the owner nor a token" bash -c \
    "! grep -q -e agent-a -e '$tok_a' -e '$tok_b' '$work/push.out'"
check "... the host is unchanged (sequence, results, counts)" \
    test "$(read_api /api/v1/hosts/alpha | jq -S -c 'del(.state)')" = "$before_host"
check "... no drift was recorded" \
    test "$(read_api "/api/v1/drift?limit=1000" | jq -c '.events | length')" = "$before_drift"
check "... logged with both names, never a token" bash -c \
    "grep 'refused a report of host alpha from agent-b: the host belongs to agent-a' '$work/a.log' >/dev/null && ! grep -q -e '$tok_a' -e '$tok_b' '$work/a.log'"
metrics >"$work/m.txt"
check "... counted: dockward_store_ingest_total{result=\"forbidden\"} 1" \
    test "$(e2e_metric 'dockward_store_ingest_total{result="forbidden"}' <"$work/m.txt")" = 1

push "$tok_a" alpha 2
check "agent-a's next report of alpha: 200 stored" test "$code" = 200

# hosts=GLOB
push "$tok_a" web-1 1
check "hosts=web-* binds web-1 to agent-web: agent-a gets 403" test "$code" = 403
push "$tok_web" web-1 1
check "agent-web reports web-1: 200, owner agent-web" bash -c \
    "[ $code = 200 ] && [ \"\$(curl -s -H 'Authorization: Bearer $tok_reader' '$base/api/v1/hosts/web-1' | jq -r .owner)\" = agent-web ]"
push "$tok_web" beta 1
check "agent-web (hosts=web-*) reporting beta: 403, beta not stored" bash -c \
    "[ $code = 403 ] && [ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $tok_reader' '$base/api/v1/hosts/beta')\" = 404 ]"

# an admin moves a host
admin PUT "/api/v1/hosts/alpha/owner?credential=agent-b"
check "admin rebinds alpha to agent-b: 200" test "$code" = 200
check "... owner agent-b" test "$(read_api /api/v1/hosts/alpha | jq -r .owner)" = agent-b
push "$tok_b" alpha 3
check "... agent-b may now report alpha" test "$code" = 200
push "$tok_a" alpha 4
check "... and agent-a no longer may (403)" test "$code" = 403
admin PUT "/api/v1/hosts/alpha/owner?credential=nosuch"
check "rebind to a credential the tokens file does not have: 400" test "$code" = 400
admin PUT "/api/v1/hosts/alpha/owner?credential=dash"
check "rebind to a reader (which cannot push): 400" test "$code" = 400
admin PUT "/api/v1/hosts/nosuchhost/owner?credential=agent-a"
check "rebind of an unknown host: 404" test "$code" = 404
admin PUT "/api/v1/hosts/alpha/owner?credential=cert:alpha.example.org"
check "rebind to a client certificate identity (cert:CN): 200" bash -c \
    "[ $code = 200 ] && [ \"\$(curl -s -H 'Authorization: Bearer $tok_reader' '$base/api/v1/hosts/alpha' | jq -r .owner)\" = cert:alpha.example.org ]"
push "$tok_b" alpha 5
check "... then a token without that certificate: 403" test "$code" = 403
admin PUT "/api/v1/hosts/alpha/owner?credential=agent-a"
push "$tok_a" alpha 6
check "rebound to agent-a: it reports again (200)" test "$code" = 200

# ---- roles: every cell of docs/store.md "Roles" ----
push "$tok_a" matrix-1 1
push "$tok_a" matrix-2 1
declare -A cred=([none]="" [wrong]="Authorization: Bearer ${tok_a}x" [agent]="Authorization: Bearer $tok_a"
    [reader]="Authorization: Bearer $tok_reader" [admin]="Authorization: Bearer $tok_admin")
# ENDPOINT -> expected status for: none wrong agent reader admin
declare -A want=(
    ["POST /api/v1/reports"]="401 401 200 403 403"
    ["GET /api/v1/hosts"]="401 401 403 200 200"
    ["GET /api/v1/hosts/alpha"]="401 401 403 200 200"
    ["GET /api/v1/checks/5.5"]="401 401 403 200 200"
    ["GET /api/v1/drift"]="401 401 403 200 200"
    ["DELETE /api/v1/hosts/matrix-1"]="401 401 403 403 200"
    ["PUT /api/v1/hosts/matrix-2/owner?credential=agent-b"]="401 401 403 403 200"
    ["GET /metrics"]="200 200 200 200 200"
    ["GET /healthz"]="200 200 200 200 200"
    ["GET /readyz"]="200 200 200 200 200"
)
seq_n=100
cells=0
for ep in "${!want[@]}"; do
    read -r method path <<<"$ep"
    read -r -a codes <<<"${want[$ep]}"
    i=0
    for who in none wrong agent reader admin; do
        hdr=()
        [ -n "${cred[$who]}" ] && hdr=(-H "${cred[$who]}")
        args=(-s -o "$work/cell.out" -w '%{http_code}' -X "$method" "${hdr[@]}")
        if [ "$method" = POST ]; then
            seq_n=$((seq_n + 1))
            "$bench" --emit="host:matrix-3:$seq_n" >"$work/cell.bin"
            args+=(--data-binary "@$work/cell.bin" -H "Content-Type: application/x-protobuf")
        fi
        got=$(curl "${args[@]}" "$base$path")
        check "roles: $who $ep -> ${codes[$i]}" test "$got" = "${codes[$i]}"
        if [ "${codes[$i]}" = 401 ] && [ "$path" != /api/v1/reports ]; then
            check "roles: $who $ep: WWW-Authenticate: Bearer" \
                bearer_challenge "$method" "$base$path" "${hdr[@]}"
        fi
        i=$((i + 1))
        cells=$((cells + 1))
    done
done
check "roles: all $cells cells tried (10 endpoints x 5 credentials)" test "$cells" = 50
check "roles: matrix-1 was retired by the admin only" \
    test "$(e2e_http_code -H "Authorization: Bearer $tok_reader" "$base/api/v1/hosts/matrix-1")" = 404
check "roles: matrix-2 was rebound by the admin only" \
    test "$(read_api /api/v1/hosts/matrix-2 | jq -r .owner)" = agent-b
metrics >"$work/m.txt"
n401=$(e2e_metric 'dockward_store_api_refused_total{reason="unauthorized"}' <"$work/m.txt")
n403=$(e2e_metric 'dockward_store_api_refused_total{reason="forbidden"}' <"$work/m.txt")
check "roles: refused query/admin requests counted by reason (401: $n401, 403: $n403)" \
    test "$n401/$n403" = 24/8

# ---- lifecycle ----
e2e_stop "$pid"
e2e_store_start b --host.retire-after=3s --host.stale-after=10s --metrics.per-host
failing=$(read_api /api/v1/hosts/alpha | jq -r '[.results[] | select(.status == "fail") | .check] | first')
check "alpha fails some check (here $failing)" test -n "$failing"
series="dockward_fleet_check_failing_hosts{check=\"$failing\"}"
before=$(metrics | e2e_metric "$series")
alpha_events=$(read_api "/api/v1/drift?host=alpha&limit=1000" | jq '.events | length')
# keep one host alive while the others go silent
for s in 1 2 3 4 5 6 7 8; do
    push "$tok_a" alive "$s"
    sleep 1
done
hosts_now=$(read_api /api/v1/hosts | jq -r '[.hosts[].id] | join(",")')
check "silent hosts retired after --host.retire-after=3s; the live one stays (hosts: $hosts_now)" \
    test "$hosts_now" = alive
check "GET /api/v1/hosts/alpha of a retired host: 404" \
    test "$(e2e_http_code -H "Authorization: Bearer $tok_reader" "$base/api/v1/hosts/alpha")" = 404
metrics >"$work/m.txt"
check "fleet metrics (--metrics.per-host): no ratio series of alpha" bash -c "! grep -q 'host_id=\"alpha\"' <'$work/m.txt'"
check "fleet metrics: the compliance histogram counts the live host only" \
    test "$(e2e_metric dockward_fleet_host_compliance_ratio_count <"$work/m.txt")" = 1
check "fleet metrics: $series dropped from $before to 1 (alive only)" \
    test "$(e2e_metric "$series" <"$work/m.txt")" = 1
check "fleet metrics: dockward_fleet_hosts counts only the live host" test \
    "$(e2e_metric 'dockward_fleet_hosts{state="reporting"}' <"$work/m.txt")/$(e2e_metric 'dockward_fleet_hosts{state="stale"}' <"$work/m.txt")" = 1/0
check "dockward_store_hosts_retired_total counts the 4 silent hosts" \
    test "$(e2e_metric dockward_store_hosts_retired_total <"$work/m.txt")" = 4
read_api "/api/v1/drift?host=alpha&limit=1000" >"$work/alpha_drift.json"
check "alpha's drift history stays, plus its results going absent and a retirement event" bash -c \
    "[ \$(jq '.events | length' '$work/alpha_drift.json') -gt $alpha_events ] && jq -e '[.events[] | select(.check == \"dockward.store.host_retired\")] | length == 1' '$work/alpha_drift.json' >/dev/null && jq -e '[.events[] | select(.check == \"$failing\")] | last | .to == \"absent\"' '$work/alpha_drift.json' >/dev/null"
check "the retirement is logged" grep -q 'retired host alpha (silent for --host.retire-after)' "$work/b.log"

# an admin retires at once
admin DELETE /api/v1/hosts/alive
check "DELETE /api/v1/hosts/alive by an admin: 200" test "$code" = 200
admin DELETE /api/v1/hosts/alive
check "DELETE again: 404 (no active host)" test "$code" = 404
check "alive is gone from the API" test "$(read_api /api/v1/hosts | jq '.hosts | length')" = 0

# a retired host that reports again is new: bound to whoever reports it first
push "$tok_b" alpha 1000
check "retired alpha reports again (agent-b this time): 200 stored" test "$code" = 200
read_api /api/v1/hosts/alpha >"$work/alpha.json"
check "alpha is back, new: owner agent-b, first_seen now, its results again" bash -c \
    "jq -e '.owner == \"agent-b\" and (.results | length) > 0' '$work/alpha.json' >/dev/null && [ \$(( \$(date +%s) - \$(date -d \"\$(jq -r .first_seen '$work/alpha.json')\" +%s) )) -lt 5 ]"
metrics >"$work/m.txt"
check "alpha is back in the fleet metrics: its ratio series (--metrics.per-host)" \
    grep -q 'dockward_fleet_per_host_compliance_ratio{host_id="alpha"' "$work/m.txt"
check "alpha is back in the fleet metrics: the histogram counts it (alive was retired by the admin)" \
    test "$(e2e_metric dockward_fleet_host_compliance_ratio_count <"$work/m.txt")" = 1
check "alpha is back in the fleet metrics: $series 1" test "$(e2e_metric "$series" <"$work/m.txt")" = 1
e2e_stop "$pid"
e2e_store_start c
check "after a restart the per-check figures still count alpha once" \
    test "$(metrics | e2e_metric "$series")" = 1
e2e_check_clean_exit "SIGTERM: clean exit 0 (no leak or error under the sanitizers)" "$pid"
check "no sanitizer report in any log" bash -c "! grep -q -e AddressSanitizer -e 'runtime error' '$work'/*.log"

e2e_summary "all store identity, role and lifecycle checks passed" ||
    { echo "store logs:"; tail -n 40 "$work/a.log" "$work/b.log" "$work/c.log" 2>/dev/null; exit 1; }
