#!/usr/bin/env bash
# run-target.sh BINARY SECONDS - runs one libFuzzer target (fuzz_<target>)
# for SECONDS from its seed corpus, tests/fuzz/corpus/<target>/, with its
# dictionary (tests/fuzz/<target>.dict; docker_api.dict for every docker_*
# target), and fails on any crash, leak, timeout, OOM or sanitizer report.
# The ctest test fuzz_<target> runs it, and so does run.sh.
#
# The seed corpus is only read: libFuzzer writes new inputs into the FIRST
# corpus directory, which is FUZZ_CORPUS_OUT when set (run.sh) or else a
# temporary directory removed on exit. A crashing input is kept as
# $FUZZ_ARTIFACTS/<target>-crash-<sha1> (default: /tmp/dockward-fuzz-artifacts;
# ctest and run.sh use build-fuzz/fuzz-artifacts) and its path printed;
# reproduce it with `BINARY FILE`.
# Environment: FUZZ_RSS_MB (2048), FUZZ_TIMEOUT (10 s per input).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?binary} secs=${2:?seconds}
[ -x "$bin" ] || { echo "run-target: no fuzz target at $bin"; exit 1; }
name=$(basename "$bin")
target=${name#fuzz_}
seeds=$here/corpus/$target
[ -d "$seeds" ] || { echo "run-target: no seed corpus at $seeds"; exit 1; }
case $target in
docker_*) dict=$here/docker_api.dict ;;
*) dict=$here/$target.dict ;;
esac
[ -f "$dict" ] || dict=""
artifacts=${FUZZ_ARTIFACTS:-/tmp/dockward-fuzz-artifacts}
mkdir -p "$artifacts"

tmp=""
log=""
cleanup() {
    [ -z "$tmp" ] || rm -rf "$tmp"
    [ -z "$log" ] || rm -f "$log"
}
trap cleanup EXIT
if [ -n "${FUZZ_CORPUS_OUT:-}" ]; then
    out=$FUZZ_CORPUS_OUT
    mkdir -p "$out"
else
    tmp=$(mktemp -d "/tmp/dockward-fuzz-$target-XXXXXX")
    out=$tmp
fi

args=(-max_total_time="$secs" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -timeout="${FUZZ_TIMEOUT:-10}"
      -print_final_stats=1 -detect_leaks=1 -artifact_prefix="$artifacts/$target-")
[ -z "$dict" ] || args+=(-dict="$dict")

log=$(mktemp "/tmp/dockward-fuzz-$target-XXXXXX.log")
set +e
ASAN_OPTIONS=detect_leaks=1:handle_sigill=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" "${args[@]}" -handle_ill=0 "$out" "$seeds" >"$log" 2>&1
rc=$?
set -e

# The seed loading line, the last status line and the final stats.
grep -E '^INFO: seed corpus|^#[0-9]+.*(DONE|pulse)|^stat::|^Done [0-9]+ runs' "$log" | tail -n 12 || true
if [ $rc -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
    echo "== $name failed (exit $rc); the end of its log:"
    tail -n 80 "$log"
    ls -1 "$artifacts"/"$target"-* 2>/dev/null | sed 's/^/artifact: /' || true
    exit 1
fi
echo "== $name: no crash, leak, timeout or sanitizer report in ${secs} s"
