#!/usr/bin/env bash
# run-all.sh - README's second command and the whole of CI: installs what the
# tests need, checks formatting and banned functions, builds with -Werror and
# runs every test, then builds again with ASan+UBSan and runs every test again,
# then builds the libFuzzer targets with clang and fuzzes each for a bounded time.
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash packaging/install-deps.sh --test
bash tests/lint.sh

echo "== build (-Werror) and test"
cmake -S . -B build-test -DDOCKWARD_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-test -j"$jobs"
ctest --test-dir build-test --output-on-failure -j"$jobs"

echo "== build (-Werror, ASan+UBSan) and test"
cmake -S . -B build-asan -DDOCKWARD_WERROR=ON -DDOCKWARD_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== libFuzzer targets (clang, ASan+UBSan), each fuzzed for DOCKWARD_FUZZ_SECONDS (20 s)"
CC=clang cmake -S . -B build-fuzz -DDOCKWARD_WERROR=ON -DDOCKWARD_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$jobs" --target dockward_fuzz
ctest --test-dir build-fuzz -L fuzz --output-on-failure -j2
