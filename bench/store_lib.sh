# shellcheck shell=bash disable=SC2034
# bench/store_lib.sh - sourced by the store benches (ingest.sh,
# fleet_metrics.sh, store_memory.sh) from the top of the tree.
#
#   bench_store_setup NAME   installs the dependencies, builds dockward-store
#                            and the ingest generator (Release, in $BUILD_DIR,
#                            default build-bench) and sets $store_bin
#                            ($STORE_BIN when given: another build), $gen,
#                            $work (a temp dir removed on exit, with a tokens
#                            file $work/tokens holding the agent $token and
#                            the reader $reader_token) and $store=""
#                            (the benches put the store's pid there: it is
#                            stopped on exit, and so is every pid in
#                            $bench_pids); bench/ingest.sh also stops its
#                            PostgreSQL (tests/pg_env.sh) on exit.
# shellcheck source=tests/e2e_lib.sh
source tests/e2e_lib.sh

bench_pids=()

bench_store_cleanup() {
    local p
    for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -n "${store:-}" ]; then e2e_stop "$store"; fi
    rm -rf "$work"
}

bench_store_setup() {
    local build=${BUILD_DIR:-build-bench}
    bash packaging/install-deps.sh
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j"$(nproc)" --target dockward-store dockward-ingest-bench >/dev/null
    store_bin=${STORE_BIN:-$PWD/$build/dockward-store}
    gen=$PWD/$build/bench/dockward-ingest-bench
    work=$(mktemp -d "/tmp/dockward-bench-$1-XXXXXX")
    store=""
    trap bench_store_cleanup EXIT
    token=$(e2e_random_hex 24)
    reader_token=$(e2e_random_hex 24)
    printf 'bench %s\nbench-reader %s role=reader\n' "$token" "$reader_token" >"$work/tokens"
    chmod 600 "$work/tokens"
}
