#!/usr/bin/env bash
# e2e_store_read_replica.sh - dockward-store writing to a private PostgreSQL
# (tests/pg_env.sh) and reading, with --storage.read-url, from a streaming
# standby of it (pg_basebackup -R, its own port):
#
#  (1) the query API and the fleet metrics read from the standby (its
#      sessions are there; the primary holds the writer's only), and a
#      pushed report, once replayed, is read back through the store;
#  (2) replication lag: with replay paused on the standby, a report
#      answered "stored" is in neither the query API nor the fleet figures
#      (the store reads the standby's past); once replay resumes, it is;
#  (3) the standby down: the query API answers 503 with Retry-After and a
#      message saying the database cannot be read, counted in
#      dockward_store_database_read_errors_total (api and metrics), while
#      reports are still stored and the store stays up; the standby up
#      again: reads answer again, the store not restarted;
#  (4) --storage.read-url holding a password, or without --storage.url, is
#      refused at start (exit 2), the password never repeated.
#
# Environment (set by ctest): DOCKWARD_STORE_BIN, DOCKWARD_TESTS. Exits 77
# (skipped) when the store has no --storage.url.
set -euo pipefail

: "${DOCKWARD_STORE_BIN:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require_ingest_bench
e2e_require curl jq perl

e2e_scratch e2e-read-replica

e2e_tokens agents
STORE_BACKEND=postgres
db="$work/unused.db" # e2e_lib's SQLite file, never made here
e2e_backend_start
pg_env_standby_start || { echo "the standby did not start"; exit 1; }
echo "# standby on port $PG_ENV_STANDBY_PORT"
e2e_store_start s --storage.read-url="$PG_ENV_STANDBY_URL"
e2e_wait_200 "$base/healthz" "$pid" || { echo "the store does not answer"; exit 1; }

push() { # push HOST SEQ: POSTs a report of HOST; echoes the status, the body in $work/push.out
    "$bench" --emit="host:$1:$2" >"$work/push.bin"
    curl -s -o "$work/push.out" -w '%{http_code}' --max-time 10 -X POST --data-binary "@$work/push.bin" \
        -H "Authorization: Bearer $token" -H "Content-Type: application/x-protobuf" \
        "$base/api/v1/reports" || true
}
code_of() { e2e_http_code -H "Authorization: Bearer $reader_token" "$base$1"; }
fleet_hosts() { # the hosts dockward_fleet_hosts counts, after a refresh (200ms)
    sleep 0.6
    curl -s "$base/metrics" | awk '/^dockward_fleet_hosts\{/ { n += $2 } END { print n + 0 }'
}
read_errors() { # read_errors READER: dockward_store_database_read_errors_total{reader=READER}
    curl -s "$base/metrics" | e2e_metric "dockward_store_database_read_errors_total{reader=\"$1\"}" 0
}
sessions() { # sessions PSQL-FUNCTION: the store's connections to that server
    "$1" -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dockward-store'"
}

# ---- (1) reads from the standby ----
check "(1) a report is stored ($(push alpha 1))" grep -q stored "$work/push.out"
pg_env_standby_wait
check "(1) the query API reads it back" test "$(code_of /api/v1/hosts/alpha)" = 200
check "(1) the fleet metrics count it" test "$(fleet_hosts)" = 1
on_primary=$(sessions pg_env_psql)
on_standby=$(sessions pg_env_standby_psql)
check "(1) the store's readers are on the standby ($on_standby), only its writer on the primary ($on_primary)" \
    test "$on_primary" = 1 -a "$on_standby" -ge 2

# ---- (2) replication lag ----
pg_env_standby_psql -c "SELECT pg_wal_replay_pause()" >/dev/null
paused() { [ "$(pg_env_standby_psql -c "SELECT pg_get_wal_replay_pause_state()")" = paused ]; }
for _ in $(seq 1 100); do paused && break; sleep 0.05; done
check "(2) replay paused on the standby" paused
check "(2) a report is stored while the standby lags ($(push beta 1))" grep -q stored "$work/push.out"
check "(2) the query API does not show it yet (404)" test "$(code_of /api/v1/hosts/beta)" = 404
check "(2) nor the fleet metrics (1 host)" test "$(fleet_hosts)" = 1
pg_env_standby_psql -c "SELECT pg_wal_replay_resume()" >/dev/null
pg_env_standby_wait
check "(2) replay resumed: the query API shows it" test "$(code_of /api/v1/hosts/beta)" = 200
check "(2) and the fleet metrics count it (2 hosts)" test "$(fleet_hosts)" = 2

# ---- (3) the standby down ----
api_before=$(read_errors api)
pg_env_standby_down fast
code=$(curl -s -o "$work/down.out" -D "$work/down.headers" -w '%{http_code}' --max-time 10 \
    -H "Authorization: Bearer $reader_token" "$base/api/v1/hosts" || true)
echo "# standby down: $code $(cat "$work/down.out")"
check "(3) standby down: the query API answers 503 with Retry-After" bash -c \
    "[ '$code' = 503 ] && grep -qi '^retry-after: 1' '$work/down.headers'"
check "(3) ... saying the database cannot be read" grep -q '"cannot read the database: ' "$work/down.out"
check "(3) a report is still stored ($(push gamma 1))" grep -q stored "$work/push.out"
sleep 0.6 # a refresh (200ms) that fails, counted
check "(3) read errors counted: api $api_before -> $(read_errors api), metrics $(read_errors metrics)" \
    test "$(read_errors api)" -gt "$api_before" -a "$(read_errors metrics)" -gt 0
check "(3) the store stays up" kill -0 "$pid"
check "(3) /healthz still answers" test "$(e2e_http_code "$base/healthz")" = 200
pg_env_standby_up
pg_env_standby_wait
check "(3) the standby up again: the query API reads again (gamma, stored meanwhile)" \
    test "$(code_of /api/v1/hosts/gamma)" = 200
check "(3) and the fleet metrics count 3 hosts" test "$(fleet_hosts)" = 3

# ---- (4) refused flags ----
secret=s3cret$(e2e_random_hex 4)
set +e
"$DOCKWARD_STORE_BIN" --auth.tokens-file="$work/tokens" "${storage[@]}" \
    --storage.read-url="postgresql://dockward:$secret@127.0.0.1:$PG_ENV_STANDBY_PORT/dockward" \
    >"$work/refused1.out" 2>&1
rc1=$?
"$DOCKWARD_STORE_BIN" --auth.tokens-file="$work/tokens" --storage.path="$db" \
    --storage.read-url="$PG_ENV_STANDBY_URL" >"$work/refused2.out" 2>&1
rc2=$?
set -e
check "(4) a password in --storage.read-url: exit 2, the flag named, the password not repeated" \
    bash -c "[ $rc1 = 2 ] && grep -q -- --storage.read-url '$work/refused1.out' && ! grep -q '$secret' '$work/refused1.out'"
check "(4) --storage.read-url without --storage.url: exit 2" \
    bash -c "[ $rc2 = 2 ] && grep -q -- 'is for --storage.url' '$work/refused2.out'"

e2e_check_clean_exit "SIGTERM: clean exit 0" "$pid"
check "no sanitizer report and no password in the log" bash -c \
    "! grep -q -e AddressSanitizer -e 'runtime error' -e \"\$(cat '$PG_ENV_PASSWORD_FILE')\" '$work'/*.log"
e2e_summary "all read-replica checks passed" || { tail -n 20 "$work/s.log"; exit 1; }
