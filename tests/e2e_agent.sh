#!/usr/bin/env bash
# e2e_agent.sh - the built agent end to end, as Prometheus and an operator see
# it: started on an ephemeral port against a fixture host tree, scraped with
# curl, its body compared with a committed expected file (timestamps,
# durations and process figures normalised) and checked by promtool; content
# negotiation, gzip, 404/405, /healthz, /readyz before and after the first
# collection, a bad flag (exit 2, one line) and a clean SIGTERM shutdown.
#
# Environment (set by ctest): DOCKWARD_BIN, MKFIXTURE, DOCKWARD_TESTS.
# UPDATE_GOLDEN=1 rewrites tests/expected/*.prom from this run (review the diff!).
set -euo pipefail

: "${DOCKWARD_BIN:?}" "${MKFIXTURE:?}" "${DOCKWARD_TESTS:?}"
command -v curl >/dev/null || { echo "curl is required"; exit 1; }
command -v promtool >/dev/null || { echo "promtool is required (Debian package prometheus)"; exit 1; }
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"

work=$(mktemp -d /tmp/dockward-e2e-XXXXXX)
roots=()
pids=()
cleanup() {
    e2e_stop "${pids[@]}"
    for r in "${roots[@]}"; do "$MKFIXTURE" --remove "$r" || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# start_agent NAME ROOT ARGS... -> sets $port, $pid; log in $work/NAME.log
start_agent() {
    local name=$1 root=$2; shift 2
    "$DOCKWARD_BIN" --web.listen-address=127.0.0.1:0 --path.rootfs="$root" "$@" \
        2>"$work/$name.log" &
    pid=$!
    pids+=("$pid")
    port=$(e2e_port_of "$work/$name.log" "$pid") || { echo "agent $name did not start"; exit 1; }
}


# Replaces what changes from run to run with fixed words.
normalise() {
    sed -E \
        -e 's/^(dockward_collector_duration_seconds\{[^}]*\}) .*/\1 DURATION/' \
        -e 's/^(dockward_collector_last_run_timestamp_seconds\{[^}]*\}) .*/\1 TIMESTAMP/' \
        -e 's/^(process_[a-z_]+) .*/\1 VALUE/' \
        -e 's/^(dockward_docker_(api_requests|event_stream_failures)_total) .*/\1 COUNT/' \
        -e 's/revision="[^"]*"/revision="REVISION"/' \
        -e 's/version="[^"]*",revision/version="VERSION",revision/'
}

golden() { # golden NAME BODYFILE
    local expected="$DOCKWARD_TESTS/expected/$1.prom"
    normalise <"$2" >"$work/$1.normalised"
    if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then cp "$work/$1.normalised" "$expected"; fi
    if diff -u "$expected" "$work/$1.normalised"; then return 0; fi
    return 1
}

catalog="$DOCKWARD_TESTS/../docs/catalog.md"
metrics_doc="$DOCKWARD_TESTS/../docs/metrics.md"
catalog_lists_checks() { # every check id of dockward_check_info has a catalog row
    local id
    for id in $(sed -n 's/^dockward_check_info{check="\([^"]*\)".*/\1/p' "$1"); do
        grep -qF "| $id |" "$catalog" || { echo "docs/catalog.md lacks check $id"; return 1; }
    done
}
metrics_doc_lists_metrics() { # every metric family is named in docs/metrics.md
    local m
    for m in $(sed -n 's/^# TYPE \([a-zA-Z_:]*\) .*/\1/p' "$1"); do
        grep -qF "\`$m\`" "$metrics_doc" || { echo "docs/metrics.md lacks metric $m"; return 1; }
    done
}

for case in failing hardened; do
    root=$("$MKFIXTURE" "$DOCKWARD_TESTS/fixtures/$case/manifest")
    roots+=("$root")
    # Docker is deliberately absent: host-side results must be served all the same.
    start_agent "$case" "$root" --collection.start-delay=3s --collection.interval=1h \
        --docker.host="unix://$work/no-docker.sock" \
        --check.trusted-users=alice
    base="http://127.0.0.1:$port"

    check "$case: /healthz answers 200 at once" [ "$(e2e_http_code "$base/healthz")" = 200 ]
    check "$case: /readyz is 503 before the first collection" \
        [ "$(e2e_http_code "$base/readyz")" = 503 ]
    curl -s "$base/metrics" >"$work/$case.early"
    check "$case: /metrics before the first collection has build info only" \
        bash -c "grep -q '^dockward_build_info' '$work/$case.early' && ! grep -q '^dockward_check_failing_targets' '$work/$case.early'"
    check "$case: /readyz turns 200 after the first collection" e2e_wait_200 "$base/readyz"

    curl -s -D "$work/$case.headers" "$base/metrics" >"$work/$case.prom"
    check "$case: text format content type" \
        grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$work/$case.headers"
    check "$case: body matches tests/expected/e2e-$case.prom" golden "e2e-$case" "$work/$case.prom"
    check "$case: promtool check metrics prints nothing" e2e_promtool_clean "$work/$case.prom"
    check "$case: docs/catalog.md lists every check the agent exports" \
        catalog_lists_checks "$work/$case.prom"
    check "$case: docs/metrics.md's tables name every metric the agent exports" \
        metrics_doc_lists_metrics "$work/$case.prom"

    curl -s -D "$work/$case.om.headers" \
        -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
        "$base/metrics" >"$work/$case.om"
    check "$case: OpenMetrics when Accept prefers it" \
        grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$work/$case.om.headers"
    check "$case: OpenMetrics body ends with # EOF" [ "$(tail -n1 "$work/$case.om")" = "# EOF" ]

    curl -s -D "$work/$case.gz.headers" -H 'Accept-Encoding: gzip' "$base/metrics" >"$work/$case.gz"
    check "$case: gzip when Accept-Encoding allows it" \
        grep -qi '^content-encoding: gzip' "$work/$case.gz.headers"
    check "$case: gzip body inflates to the plain body" \
        bash -c "gzip -dc '$work/$case.gz' | cmp -s - '$work/$case.prom'"

    check "$case: scrapes keep the connection alive" \
        bash -c "[ \"\$(curl -s -o /dev/null -o /dev/null -w '%{num_connects}\n' '$base/metrics' '$base/metrics' | tr -d '\n')\" = 10 ]"
    check "$case: POST is 405" [ "$(e2e_http_code -X POST "$base/metrics")" = 405 ]
    check "$case: 405 names the allowed methods" \
        bash -c "curl -s -D - -o /dev/null -X DELETE '$base/' | grep -qi '^allow: GET, HEAD'"
    check "$case: unknown path is 404" [ "$(e2e_http_code "$base/nope")" = 404 ]
    check "$case: HEAD /metrics is 200 without a body" \
        bash -c "[ \"\$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' '$base/metrics')\" = '200 0' ]"
    check "$case: landing page links to the metrics" \
        bash -c "curl -s '$base/' | grep -q 'href=\"/metrics\"'"

    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    check "$case: SIGTERM stops the agent with exit 0" [ "$rc" = 0 ]
    check "$case: shutdown is logged" grep -q 'msg="stopped"' "$work/$case.log"
done

# A bad flag: one line on stderr naming it, exit code 2.
rc=0
"$DOCKWARD_BIN" --collection.interval=soon >"$work/bad.out" 2>"$work/bad.err" || rc=$?
check "bad flag exits 2" [ "$rc" = 2 ]
check "bad flag prints one line naming the flag" \
    bash -c "[ \$(wc -l <'$work/bad.err') = 1 ] && grep -q -- '--collection.interval' '$work/bad.err'"

e2e_summary
