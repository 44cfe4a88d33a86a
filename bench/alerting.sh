#!/usr/bin/env bash
# bench/alerting.sh - how soon a privileged container pages, events mode vs
# today's sweeps: runs tests/e2e_alerting.sh (the shipped rules unchanged,
# INTERVAL collection (default 2s; 60s is the agent's default), 1 s scrape
# and evaluation, Alertmanager group_wait 0s) RUNS times each way,
# alternately (default 3), once with E2E_AGENT_ARGS=--no-docker.events
# (sweeps every INTERVAL; at 2s, as docs/dashboards.md's 31.8 s median of
# 2026-11-23 was measured) and once with the defaults (events). Prints each
# run's seconds from `docker create --privileged` to the failure series in
# Prometheus and to the page at the webhook, and the medians of both modes.
# At 2s events can save only the wait for the next collection (~1 s); at
# 60s a sweep comes on average 30 s after the change. Not a test.
#
#   bash bench/alerting.sh [RUNS] [INTERVAL]      (root; INTERVAL in seconds: 2s, 60s)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
interval=${2:-2s}
case $interval in *[0-9]s) ;; *) echo "INTERVAL is seconds, e.g. 60s"; exit 2 ;; esac
export E2E_COLLECTION_INTERVAL=$interval
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j2 --target dockward dockward-store mkfixture webhook_receiver >/dev/null
export DOCKWARD_BIN=$PWD/build-bench/dockward DOCKWARD_TESTS=$PWD/tests
export MKFIXTURE=$PWD/build-bench/tests/mkfixture DOCKWARD_STORE_BIN=$PWD/build-bench/dockward-store
out=$(mktemp -d /tmp/dockward-bench-alerting-XXXXXX)
trap 'rm -rf "$out"' EXIT

one() { # one MODE ARGS: appends "seen page" seconds to $out/MODE
    local mode=$1 args=$2 log="$out/$1.log"
    # A check that fails elsewhere in the test (at a long INTERVAL) does not void the page figure.
    E2E_AGENT_ARGS="$args" bash tests/e2e_alerting.sh >"$log" 2>&1 ||
        { echo "# $mode run: some checks failed:"; grep '^FAIL' "$log" | head -n 5; }
    local seen page
    seen=$(sed -n 's/^#   failure series in Prometheus *\([0-9.]*\)s.*/\1/p' "$log")
    page=$(sed -n 's/^#   page at the webhook *\([0-9.]*\)s.*/\1/p' "$log")
    [ -n "$page" ] || { echo "# $mode: no page figure"; tail -n 20 "$log"; return 1; }
    echo "$seen $page" >>"$out/$mode"
    echo "# $mode: failure series in Prometheus ${seen}s, page ${page}s"
}
for _ in $(seq 1 "$runs"); do
    one sweeps --no-docker.events || true
    one events "" || true
done
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for mode in sweeps events; do
    echo "# $mode, collection every $interval, median of $runs: failure series $(cut -d' ' -f1 "$out/$mode" | median)s," \
        "page $(cut -d' ' -f2 "$out/$mode" | median)s"
done
[ "$interval" = 2s ] && echo "# docs/dashboards.md before this change (sweeps every 2 s, 7 runs, 2026-11-23): page median 31.8s"
true
