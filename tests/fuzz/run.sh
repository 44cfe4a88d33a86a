#!/usr/bin/env bash
# run.sh [--out DIR] [--merge] [--jobs N] [SECONDS] [TARGET...] - the long
# fuzz run (docs/development.md "Fuzzing"): builds the libFuzzer targets in build-fuzz
# (CC=clang, DOCKWARD_FUZZ=ON) and runs each TARGET (default: all of them;
# names as in tests/fuzz/corpus, e.g. store_report docker_info) for SECONDS
# (default 300), N at a time (default 2), from its committed seeds.
#
# New corpus entries go to DIR/<target>/ (default build-fuzz/fuzz-corpus),
# never into the committed corpus; a later run with the same DIR goes on
# from them. --merge then adds to tests/fuzz/corpus/<target>/ only the
# entries that bring new coverage (libFuzzer -merge=1), for committing.
# Crashing inputs land in build-fuzz/fuzz-artifacts/; each target's log is
# DIR/<target>.log. Exits non-zero when any target failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build-fuzz
out=$build/fuzz-corpus
merge=0
jobs=2
while [ $# -gt 0 ]; do
    case $1 in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --merge) merge=1; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --jobs=*) jobs=${1#--jobs=}; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
secs=300
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    secs=$1
    shift
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $out/ in
"$here"/corpus/*) echo "run.sh: --out must not be the committed corpus (use --merge)" >&2; exit 2 ;;
esac

echo "== building the fuzz targets in $build"
CC=clang cmake -S "$root" -B "$build" -DDOCKWARD_FUZZ=ON -DDOCKWARD_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs" --target dockward_fuzz >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for bin in "$build"/tests/fuzz/fuzz_*; do
        [ -x "$bin" ] && targets+=("$(basename "$bin" | sed 's/^fuzz_//')")
    done
fi
for t in "${targets[@]}"; do
    [ -x "$build/tests/fuzz/fuzz_$t" ] || { echo "run.sh: no target $t" >&2; exit 2; }
done

echo "== ${#targets[@]} targets, $secs s each, $jobs at a time; new inputs in $out"
export FUZZ_ARTIFACTS=$build/fuzz-artifacts
run_one() {
    local t=$1
    if FUZZ_CORPUS_OUT=$out/$t bash "$here/run-target.sh" "$build/tests/fuzz/fuzz_$t" "$secs" \
        >"$out/$t.log" 2>&1; then
        echo "ok   $t: $(grep -E 'DONE' "$out/$t.log" | tail -n1 | grep -oE '#[0-9]+|cov: [0-9]+ ft: [0-9]+' | tr '\n' ' ')"
    else
        echo "FAIL $t: see $out/$t.log"
        return 1
    fi
}
failed=0
running=0
for t in "${targets[@]}"; do
    if [ $running -ge "$jobs" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
while [ $running -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done

if [ $merge -eq 1 ]; then
    for t in "${targets[@]}"; do
        before=$(ls "$here/corpus/$t" | wc -l)
        "$build/tests/fuzz/fuzz_$t" -merge=1 "$here/corpus/$t" "$out/$t" >"$out/$t.merge.log" 2>&1
        echo "merge $t: $before -> $(ls "$here/corpus/$t" | wc -l) seed files"
    done
fi
exit $failed
