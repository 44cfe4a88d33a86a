#!/usr/bin/env bash
# bench/ingest.sh - how many reports per second dockward-store stores
# durably (every 200 is answered after the COMMIT that holds it), with what
# latency and memory, for a fleet of simulated hosts. Prints figures; it is
# not a test.
#
# Builds the store and the generator (Release), starts the store on a fresh
# database in a temp dir, lets every simulated host send its first report
# (populate: ~150 new pairs and drift events each), then runs ROUNDS rounds
# of: SECONDS as fast as the store answers (32 keep-alive connections, each
# a host's reports in sequence), and SECONDS paced at 1,700 reports/s (a
# 100,000-host fleet reporting every minute; latency counted from when each
# send was due). Prints each phase, the medians, the store's resident memory
# (current and peak) and the database size per 1,000 hosts; stops the store.
#
#   bash bench/ingest.sh [HOSTS] [SECONDS] [ROUNDS]    (default 100000 30 3)
#   BUILD_DIR=build-x bash bench/ingest.sh ...          (default build-bench)
#   STORE_BIN=/path/to/old/dockward-store bash bench/ingest.sh ...
#                         (another store binary, e.g. an older commit's, against
#                          this generator: old and new back to back)
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-100000}
secs=${2:-30}
rounds=${3:-3}
# shellcheck source=bench/store_lib.sh
source bench/store_lib.sh
bench_store_setup ingest

"$store_bin" --web.listen-address=127.0.0.1:0 --storage.path="$work/store.db" \
    --auth.tokens-file="$work/tokens" 2>"$work/store.log" &
store=$!
port=$(e2e_port_of "$work/store.log" "$store") || { echo "the store did not start"; exit 1; }

echo "== dockward-store ingest: $hosts hosts, $rounds rounds of ${secs}s sustained + ${secs}s paced at 1700/s ($(nproc) cores, $(date -u +%F))"
"$gen" --store.address="127.0.0.1:$port" --token-file="$work/tokens" --hosts="$hosts" \
    --connections=32 --duration="${secs}s" --rounds="$rounds" --paced-rate=1700 \
    --store-pid="$store" --storage-path="$work/store.db"

kill -TERM "$store"
wait "$store"
store=""
grep -E 'level=(warn|error)' "$work/store.log" | tail -n 5 || true
