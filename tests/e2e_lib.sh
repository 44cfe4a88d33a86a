# shellcheck shell=bash
# e2e_lib.sh - the helpers every tests/e2e_*.sh shares (source it, after
# `set -euo pipefail`):
#
#   source "$DOCKWARD_TESTS/e2e_lib.sh"
#
#   check DESCRIPTION CMD...       runs CMD; prints "ok   - DESCRIPTION" or
#                                  "FAIL - DESCRIPTION" and counts the failure
#                                  in $failures (set to 0 here)
#   e2e_summary [OK-MESSAGE]       "N check(s) failed" and returns 1, or prints
#                                  OK-MESSAGE ("all checks passed") and returns 0
#   e2e_require TOOL...            exits 1 naming the first TOOL not installed
#   e2e_now                        the time now, seconds.nanoseconds
#   e2e_secs T0 T1                 seconds from T0 to T1, one decimal (printf on
#                                  whole nanoseconds: no awk, no %.6g rounding)
#   e2e_since T0                   seconds from T0 to now, one decimal
#   e2e_deadline SECONDS [FROM]    the time SECONDS after FROM (default now)
#   e2e_past DEADLINE              true once the time is past DEADLINE
#   e2e_port_of [--last] LOG [PID] [TRIES]
#                                  waits (TRIES x 50 ms, default 200 = 10 s) for
#                                  a "listening on 127.0.0.1:PORT" line in LOG
#                                  and prints PORT, of the first such line or,
#                                  with --last, of the last one (a log appended
#                                  to across restarts); returns 1, after
#                                  printing the tail of LOG to stderr, when the
#                                  line never comes or PID (if given) exits
#   e2e_http_code [CURL ARGS...] URL
#                                  the HTTP status of one request (000 when
#                                  nothing answered), 5 s at most
#   e2e_wait_200 URL [PID] [TRIES] polls URL every 50 ms (default 200 times)
#                                  until it answers 200; returns 1 when it
#                                  never does or PID (if given) exits
#   e2e_metric SERIES [IF-ABSENT]  the value of the sample SERIES (name and
#                                  labels exactly as exposed) in the
#                                  exposition read from stdin, or IF-ABSENT
#                                  (default "absent")
#   e2e_promtool_clean FILE        promtool check metrics finds nothing to say
#                                  about FILE (what it says is printed)
#   e2e_random_hex BYTES           BYTES random bytes as lower-case hex (tokens,
#                                  passwords made for one run)
#   e2e_asan BINARY                true when BINARY is built with AddressSanitizer
#   e2e_stop [-SIGNAL] PID...      sends SIGNAL (default TERM) to each PID, then
#                                  waits for each; errors are ignored (cleanup)
#   e2e_scratch NAME [-SIGNAL]     a test's scratch state and its cleanup: sets
#                                  work (a new /tmp/dockward-NAME-XXXXXX),
#                                  pids=() and roots=() for the processes and
#                                  fixture trees the test makes, root="" (one
#                                  more tree) and docker_started=0; on EXIT
#                                  stops every pid (e2e_stop, SIGNAL), the
#                                  private dockerd when docker_started=1, the
#                                  store's backend, removes the trees and work
#                                  (kept, and said, when KEEP=1); INT and TERM
#                                  exit 130. Call it at the top level.
#   e2e_require_store              exits 1 unless DOCKWARD_STORE_BIN is built
#   e2e_require_ingest_bench       sets bench, the agents' simulator
#                                  (DOCKWARD_INGEST_BENCH, or bench/dockward-
#                                  ingest-bench of the store's build); exits 1
#                                  unless it and DOCKWARD_STORE_BIN are built
#
# Only functions and $failures: nothing runs when it is sourced.

failures=0

check() { # check DESCRIPTION CMD...
    local what=$1
    shift
    if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}

e2e_summary() { # e2e_summary [OK-MESSAGE]
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed"
        return 1
    fi
    echo "${1:-all checks passed}"
}

e2e_require() { # e2e_require TOOL...
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null ||
            { echo "$tool is required (packaging/install-deps.sh --test)"; exit 1; }
    done
}

e2e_now() { date +%s.%N; }

# _e2e_ns TIME: TIME (seconds, optionally with a fraction) in whole nanoseconds.
_e2e_ns() {
    local s=${1%%.*} f=""
    [ "$s" = "$1" ] || f=${1#*.}
    f="${f}000000000"
    echo $((10#${s:-0} * 1000000000 + 10#${f:0:9}))
}

# _e2e_tenths NS: NS nanoseconds as seconds with one decimal, rounded.
_e2e_tenths() {
    local ns=$1 sign=""
    [ "$ns" -lt 0 ] && { sign=-; ns=$((-ns)); }
    local t=$(((ns + 50000000) / 100000000))
    printf '%s%d.%d' "$sign" $((t / 10)) $((t % 10))
}

e2e_secs() { # e2e_secs T0 T1
    _e2e_tenths $(($(_e2e_ns "$2") - $(_e2e_ns "$1")))
}

e2e_since() { # e2e_since T0
    e2e_secs "$1" "$(e2e_now)"
}

e2e_deadline() { # e2e_deadline SECONDS [FROM]
    local d
    d=$(($(_e2e_ns "${2:-$(e2e_now)}") + $(_e2e_ns "$1")))
    printf '%d.%09d\n' $((d / 1000000000)) $((d % 1000000000))
}

e2e_past() { # e2e_past DEADLINE
    [ "$(_e2e_ns "$(e2e_now)")" -gt "$(_e2e_ns "$1")" ]
}

e2e_port_of() { # e2e_port_of [--last] LOG [PID] [TRIES]
    local pick="head -n1"
    if [ "$1" = --last ]; then
        pick="tail -n1"
        shift
    fi
    local log=$1 pid=${2:-} tries=${3:-200} p="" _
    for _ in $(seq 1 "$tries"); do
        p=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" 2>/dev/null | $pick)
        [ -n "$p" ] && { echo "$p"; return 0; }
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            echo "e2e_port_of: pid $pid exited before listening; tail of $log:" >&2
            tail -n 20 "$log" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "e2e_port_of: no \"listening on 127.0.0.1:PORT\" line in $log; its tail:" >&2
    tail -n 20 "$log" >&2
    return 1
}

e2e_http_code() { # e2e_http_code [CURL ARGS...] URL
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true
}

e2e_wait_200() { # e2e_wait_200 URL [PID] [TRIES]
    local url=$1 pid=${2:-} tries=${3:-200} _
    for _ in $(seq 1 "$tries"); do
        [ "$(e2e_http_code "$url")" = 200 ] && return 0
        [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

e2e_metric() { # e2e_metric SERIES [IF-ABSENT] <EXPOSITION
    awk -v s="$1" -v absent="${2-absent}" '$1 == s { print $2; found = 1 } END { if (!found) print absent }'
}

e2e_promtool_clean() { # e2e_promtool_clean FILE
    local out
    out=$(promtool check metrics <"$1" 2>&1) && [ -z "$out" ] && return 0
    echo "$out"
    return 1
}

e2e_random_hex() { # e2e_random_hex BYTES
    head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

e2e_asan() { # e2e_asan BINARY
    case "$(ldd "$1" 2>/dev/null)" in *libasan*) return 0 ;; esac
    return 1
}

# e2e_check_hwm LABEL PID CAP_KB BINARY: checks the peak memory (VmHWM) of
# PID, which runs BINARY, is under CAP_KB kB and sets $hwm to it (kB). Under
# ASan the quarantine keeps freed memory mapped: VmHWM is printed, not capped.
e2e_check_hwm() {
    local asan=0
    e2e_asan "$4" && asan=1
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$2/status")
    check "${1}VmHWM ${hwm} kB under $3 kB (not capped under ASan)" [ $asan = 1 -o "$hwm" -lt "$3" ]
}

# e2e_test_bin NAME: the path of the test program NAME, built next to
# mkfixture ($MKFIXTURE); exits 1 when it is not there.
e2e_test_bin() {
    local bin
    bin="$(dirname "$MKFIXTURE")/$1"
    [ -x "$bin" ] || { echo "$1 not built next to mkfixture" >&2; exit 1; }
    printf '%s\n' "$bin"
}

e2e_stop() { # e2e_stop [-SIGNAL] PID...
    local sig=-TERM p
    case "${1:-}" in -*) sig=$1; shift ;; esac
    for p in "$@"; do kill "$sig" "$p" 2>/dev/null || true; done
    for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

e2e_check_clean_exit() { # e2e_check_clean_exit DESCRIPTION PID: SIGTERM, then checks it exits 0
    local rc=0
    kill -TERM "$2"
    wait "$2" || rc=$?
    check "$1" test "$rc" = 0
}

e2e_scratch() { # e2e_scratch NAME [-SIGNAL]
    work=$(mktemp -d "/tmp/dockward-$1-XXXXXX")
    _e2e_scratch_signal=${2:--TERM}
    pids=()
    roots=()
    root=""
    docker_started=0
    trap _e2e_scratch_cleanup EXIT
    trap 'exit 130' INT TERM
}

_e2e_scratch_cleanup() {
    set +e
    e2e_stop "$_e2e_scratch_signal" "${pids[@]}"
    [ "$docker_started" = 1 ] && docker_env_stop
    e2e_backend_stop
    local r
    for r in "${roots[@]}" "$root"; do [ -n "$r" ] && "$MKFIXTURE" --remove "$r"; done
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}

e2e_require_store() {
    if [ -z "${DOCKWARD_STORE_BIN:-}" ] || [ ! -x "$DOCKWARD_STORE_BIN" ]; then
        echo "dockward-store is not built"
        exit 1
    fi
}

e2e_require_ingest_bench() {
    bench=${DOCKWARD_INGEST_BENCH:-$(dirname "$DOCKWARD_STORE_BIN")/bench/dockward-ingest-bench}
    [ -x "$DOCKWARD_STORE_BIN" ] || { echo "no store binary at $DOCKWARD_STORE_BIN"; exit 1; }
    [ -x "$bench" ] || { echo "no generator at $bench (build dockward-ingest-bench)"; exit 1; }
}

# e2e_md_table FILE : the rows of the markdown tables in FILE whose header
# starts "| case | check |" (tests/conformance/*.md), one line per row with
# fields separated by \037: the line number, the number of cells, then every
# cell trimmed with one pair of enclosing backticks removed ("\|" is a
# literal "|"). Text outside such tables is ignored.
e2e_md_table() {
    awk -v OFS='\037' '
        function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
        function unq(s) {
            s = trim(s)
            if (length(s) >= 2 && s ~ /^`/ && s ~ /`$/) s = trim(substr(s, 2, length(s) - 2))
            return s
        }
        { sub(/\r$/, "") }
        /^\|/ {
            line = $0
            gsub(/\\\|/, "\001", line)
            sub(/^\|/, "", line)
            sub(/\|[ \t]*$/, "", line)
            n = split(line, c, "|")
            for (i = 1; i <= n; i++) { gsub(/\001/, "|", c[i]); c[i] = trim(c[i]) }
            if (tolower(c[1]) == "case" && tolower(c[2]) == "check") { state = 1; next }
            if (state == 1) { state = (line ~ /^[ \t|:-]+$/) ? 2 : 0; next }
            if (state == 2) {
                out = NR OFS n
                for (i = 1; i <= n; i++) out = out OFS unq(c[i])
                print out
            }
            next
        }
        { state = 0 }' "$1"
}

# e2e_proof_defined FILE NAME : tests/FILE defines NAME (a C test function or
# a shell function: NAME followed by "("; in a case file, cases/*.cases, a
# case named NAME: a `case NAME: ...` line), so a table's proof row cannot
# name a test that does not exist.
e2e_proof_defined() {
    if [ ! -f "$DOCKWARD_TESTS/$1" ]; then
        echo "#   tests/$1 does not exist"
        return 1
    fi
    if [[ $1 == *.cases ]]; then
        grep -qE "^case $2:" "$DOCKWARD_TESTS/$1" && return 0
    else
        grep -qE "(^|[^A-Za-z0-9_])$2[[:space:]]*\(" "$DOCKWARD_TESTS/$1" && return 0
    fi
    echo "#   tests/$1 does not define $2"
    return 1
}

# The store's backend, from STORE_BACKEND: sqlite (the default: the file
# $db) or postgres (a private server of tests/pg_env.sh, one per script).
#
#   e2e_backend_start      sets $storage, the store's storage flags
#                          (--storage.path=$db, or --storage.url= and
#                          --storage.password-file=); for postgres starts
#                          the server, or exits 77 (ctest: skipped, never
#                          passed) when the store has no --storage.url
#   e2e_backend_stop       stops that server and removes its directory
#                          (cleanup; nothing for sqlite)
#   e2e_backend_empty      true when the store created nothing (no file
#                          $db; no table in the database)
#   e2e_hold_write_lock SECONDS OUT
#                          another client holds the write lock of the
#                          store's tables (SQLite's database lock; every
#                          table LOCKed IN EXCLUSIVE MODE, reads still
#                          allowed) for SECONDS; writes "locked" to OUT once
#                          it holds it ($bench: dockward-ingest-bench)
e2e_backend_start() {
    case "${STORE_BACKEND:-sqlite}" in
    sqlite) storage=(--storage.path="$db") ;;
    postgres)
        if ! "$DOCKWARD_STORE_BIN" --help 2>&1 | grep -q -- --storage.url; then
            echo "SKIPPED: $DOCKWARD_STORE_BIN has no --storage.url (no PostgreSQL backend built)"
            exit 77
        fi
        # shellcheck source=tests/pg_env.sh
        source "$DOCKWARD_TESTS/pg_env.sh"
        pg_env_start || { echo "the private PostgreSQL did not start"; exit 1; }
        storage=(--storage.url="$PG_ENV_URL" --storage.password-file="$PG_ENV_PASSWORD_FILE")
        echo "# backend: postgres ($PG_ENV_URL)"
        ;;
    *) echo "STORE_BACKEND must be sqlite or postgres, not ${STORE_BACKEND}"; exit 1 ;;
    esac
}

e2e_backend_stop() {
    [ "${STORE_BACKEND:-sqlite}" = postgres ] || return 0
    if declare -F pg_env_stop >/dev/null; then pg_env_stop; fi
}

e2e_backend_empty() {
    if [ "${STORE_BACKEND:-sqlite}" = postgres ]; then
        [ "$(pg_env_psql -c "SELECT count(*) FROM pg_tables
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" = 0 ]
    else
        [ ! -e "$db" ]
    fi
}

e2e_hold_write_lock() { # e2e_hold_write_lock SECONDS OUT
    if [ "${STORE_BACKEND:-sqlite}" = postgres ]; then
        # "locked" goes to OUT, which \o then closes (flushed); the lock is
        # held until COMMIT.
        pg_env_psql -o "$2" -f - <<EOF
BEGIN;
DO \$\$ DECLARE t text; BEGIN
  FOR t IN SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
           WHERE schemaname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE 'LOCK TABLE ' || t || ' IN EXCLUSIVE MODE';
  END LOOP;
END \$\$;
SELECT 'locked';
\o
SELECT pg_sleep($1);
COMMIT;
EOF
    else
        # shellcheck disable=SC2154 # $bench: the sourcing script's generator
        "$bench" --hold-write-lock="$db" --duration="${1}s" >"$2"
    fi
}

# e2e_push_agent LOG ROOT URL DIR: the agent ($DOCKWARD_BIN) on 127.0.0.1:0
# auditing the fixture host ROOT every second (no Docker: the collectors
# that need one are off), pushing to URL with the token in $work/token, its
# outbox in DIR, its log LOG. Sets $agent (its pid); exits when it does not
# start.
e2e_push_agent() {
    "$DOCKWARD_BIN" --web.listen-address=127.0.0.1:0 --path.rootfs="$2" \
        --collection.interval=1s --docker.host="unix://$work/no-docker.sock" \
        --no-collector.daemon_config --no-collector.container_runtime --no-collector.image_age \
        --push.url="$3" --push.token-file="$work/token" --storage.path="$4" 2>"$1" &
    agent=$!
    e2e_port_of "$1" "$agent" 100 >/dev/null || { echo "the agent of $2 did not start"; exit 1; }
}

# e2e_flip_daemon_json ROOT...: flips each fixture host's
# etc/docker/daemon.json between modes 0666 and 0644 every 0.7 s, forever
# (run it in the background): check 3.18 changes status all along.
e2e_flip_daemon_json() {
    local r
    while :; do
        for r in "$@"; do chmod 0666 "$r/etc/docker/daemon.json"; done
        sleep 0.7
        for r in "$@"; do chmod 0644 "$r/etc/docker/daemon.json"; done
        sleep 0.7
    done
}

# e2e_tokens AGENT [TOKEN]: the store's tokens file $work/tokens (0600),
# AGENT's token (TOKEN, or a new random one) and a reader's (role=reader:
# the query API wants one), and $work/token (0600), AGENT's token alone as
# an agent's --push.token-file reads it. Sets $token and $reader_token.
e2e_tokens() {
    token=${2:-$(e2e_random_hex 24)}
    reader_token=$(e2e_random_hex 24)
    printf '%s %s\nreader %s role=reader\n' "$1" "$token" "$reader_token" >"$work/tokens"
    printf '%s\n' "$token" >"$work/token"
    chmod 600 "$work/tokens" "$work/token"
}

# e2e_store_start NAME [FLAGS...]: dockward-store ($DOCKWARD_STORE_BIN) on
# 127.0.0.1:0 with the backend's $storage flags (e2e_backend_start; without
# it, database $db) and tokens $work/tokens, /metrics refreshed every
# 200ms; log in $work/NAME.log. Sets $pid (also added to $pids), $port and
# $base (http://127.0.0.1:$port); exits when it does not start.
e2e_store_start() {
    local name=$1
    shift
    [ -n "${storage+x}" ] || storage=(--storage.path="$db")
    "$DOCKWARD_STORE_BIN" --web.listen-address=127.0.0.1:0 "${storage[@]}" \
        --auth.tokens-file="$work/tokens" --metrics.refresh-interval=200ms "$@" \
        2>"$work/$name.log" &
    pid=$!
    pids+=("$pid")
    port=$(e2e_port_of "$work/$name.log" "$pid") || { echo "store $name did not start"; exit 1; }
    # shellcheck disable=SC2034 # read by the scripts that source this file
    base="http://127.0.0.1:$port"
}
