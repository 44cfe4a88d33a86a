#!/usr/bin/env bash
# bench/fleet_metrics.sh - the size of dockward-store's /metrics as the fleet
# grows: body bytes (text format, identity, and gzip) and series at each
# fleet size. Prints figures and exits non-zero when a default body is
# 100 KB or more, has 2,000 series or more, or differs in series between
# fleet sizes (issue 17); it is not part of the test run.
#
# Builds the store and the ingest generator (Release), starts the store on a
# fresh database, and for each size lets the generator populate the fleet up
# to that many hosts (each host's first report, ~150 results; hosts already
# sent are sent again and answered "stale"), waits for a metrics refresh and
# scrapes. Then restarts the store on the same database with
# --metrics.per-host and scrapes once more, for the cost of that flag.
#
#   bash bench/fleet_metrics.sh [SIZES...]      (default 1000 10000 100000)
#   BUILD_DIR=build-x bash bench/fleet_metrics.sh ...   (default build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ "${#sizes[@]}" -gt 0 ] || sizes=(1000 10000 100000)
# shellcheck source=bench/store_lib.sh
source bench/store_lib.sh
bench_store_setup fleet

start_store() { # start_store NAME [FLAGS...] -> $store, $port; log in $work/NAME.log
    local name=$1
    shift
    "$store_bin" --web.listen-address=127.0.0.1:0 --storage.path="$work/store.db" \
        --auth.tokens-file="$work/tokens" --metrics.refresh-interval=1s "$@" \
        2>"$work/$name.log" &
    store=$!
    port=$(e2e_port_of "$work/$name.log" "$store") || { echo "the store did not start"; exit 1; }
}

# measure LABEL HOSTS: one line of figures from a fresh scrape (after a refresh).
measure() {
    sleep 2.5
    curl -s -o "$work/m.txt" "http://127.0.0.1:$port/metrics"
    local gz="" bytes series hosts_seen _
    # The first gzip request asks for it; a later refresh compresses.
    for _ in $(seq 1 120); do
        curl -s -D "$work/gz.headers" -H 'Accept-Encoding: gzip' -o "$work/gz.body" \
            "http://127.0.0.1:$port/metrics"
        if grep -qi '^content-encoding: gzip' "$work/gz.headers"; then
            gz=$(wc -c <"$work/gz.body")
            break
        fi
        sleep 0.5
    done
    bytes=$(wc -c <"$work/m.txt")
    series=$(grep -cv '^#' "$work/m.txt")
    hosts_seen=$(e2e_metric 'dockward_fleet_host_compliance_ratio_count' <"$work/m.txt")
    grep -v '^#' "$work/m.txt" | sed -E 's/[ ].*$//' | sort >"$work/series-$1-$2"
    printf 'fleet metrics %-9s hosts %7s (with a ratio %7s)  body %9d bytes  gzip %8s bytes  series %6d\n' \
        "$1" "$2" "$hosts_seen" "$bytes" "${gz:-?}" "$series"
    echo "$bytes $series" >"$work/fig-$1-$2"
}

start_store default
echo "== dockward-store /metrics by fleet size ($(nproc) cores, $(date -u +%F))"
status=0
for n in "${sizes[@]}"; do
    "$gen" --store.address="127.0.0.1:$port" --token-file="$work/tokens" --hosts="$n" \
        --connections=16 --duration=0s >"$work/gen-$n.out"
    grep -E '^populate' "$work/gen-$n.out" | sed 's/^/# /'
    measure default "$n"
    read -r bytes series <"$work/fig-default-$n"
    if [ "$bytes" -ge 100000 ] || [ "$series" -ge 2000 ]; then
        echo "FAIL: at $n hosts the body is $bytes bytes and $series series (want < 100000, < 2000)"
        status=1
    fi
done
first=${sizes[0]}
for n in "${sizes[@]}"; do
    if ! cmp -s "$work/series-default-$first" "$work/series-default-$n"; then
        echo "FAIL: the series at $n hosts are not those at $first hosts:"
        diff "$work/series-default-$first" "$work/series-default-$n" | head -n 5
        status=1
    fi
done
[ "$status" = 0 ] && echo "the same $(wc -l <"$work/series-default-$first") series at every size"

kill -TERM "$store"
wait "$store" || true
store=""
start_store per-host --metrics.per-host
last=${sizes[${#sizes[@]} - 1]}
measure per-host "$last"
cat "$work/default.log" "$work/per-host.log" | grep -E 'level=(warn|error)' | tail -n 5 || true
exit "$status"
