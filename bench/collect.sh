#!/usr/bin/env bash
# bench/collect.sh - how long a full `dockward check` takes against a real
# dockerd with 50 and 200 running containers, beside the floor: the same
# Docker API requests made by one curl process over one keep-alive connection
# with no processing at all. Prints medians of 5, their ratio, and the peak
# resident memory of `dockward check`. It is not a test.
#
#   bash bench/collect.sh [COUNTS...]     (root; default counts: 50 200)
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("${@:-50 200}")
# shellcheck disable=SC2206
counts=(${counts[*]})
runs=5

bash packaging/install-deps.sh --test
dpkg-query -W -f='${Status}' time 2>/dev/null | grep -q "install ok installed" ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target dockward >/dev/null
bin=$PWD/build-bench/dockward

source tests/docker_env.sh
dir=$(mktemp -d /tmp/dockward-bench-collect-XXXXXX)
trap 'docker_env_stop; rm -rf "$dir"' EXIT
docker_env_start "$dir/docker" --bridge=none >/dev/null
docker_env_import_busybox

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", a - b }'; }

# The floor: every request the sweep makes, in one curl process, one connection.
floor_once() {
    local sock=$DOCKER_ENV_SOCK api=$1
    local urls=("http://docker/version" "http://docker/v$api/info"
        "http://docker/v$api/containers/json?all=1")
    local id
    for id in $(curl -s --unix-socket "$sock" "http://docker/v$api/containers/json?all=1" |
        grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
        urls+=("http://docker/v$api/containers/$id/json")
    done
    urls+=("http://docker/v$api/images/json")
    for id in $(curl -s --unix-socket "$sock" "http://docker/v$api/images/json" |
        grep -o '"Id":"sha256:[0-9a-f]*"' | cut -d'"' -f4); do
        urls+=("http://docker/v$api/images/$id/json" "http://docker/v$api/images/$id/history")
    done
    urls+=("http://docker/v$api/networks" "http://docker/v$api/volumes")
    local args=()
    local u
    for u in "${urls[@]}"; do args+=(-o /dev/null "$u"); done
    local t0 t1
    t0=$(now)
    curl -s --unix-socket "$sock" "${args[@]}"
    t1=$(now)
    sub "$t1" "$t0"
    echo "${#urls[@]}" >"$dir/requests"
}

check_once() {
    local t0 t1
    t0=$(now)
    /usr/bin/time -f '%M' -o "$dir/rss" "$bin" check --format json \
        --docker.host "unix://$DOCKER_ENV_SOCK" >/dev/null 2>"$dir/check.err" || true
    t1=$(now)
    sub "$t1" "$t0"
}

api=$(curl -s --unix-socket "$DOCKER_ENV_SOCK" http://docker/version | grep -o '"ApiVersion":"[0-9.]*"' | cut -d'"' -f4 | head -n1)
have=0
for n in "${counts[@]}"; do
    while [ "$have" -lt "$n" ]; do
        dk run -d --name "bench-$have" --memory 32m --pids-limit 50 "$DOCKER_ENV_IMAGE" sleep 100000 >/dev/null
        have=$((have + 1))
    done
    : >"$dir/floor.txt"
    : >"$dir/check.txt"
    : >"$dir/rss.txt"
    for _ in $(seq 1 "$runs"); do
        floor_once "$api" >>"$dir/floor.txt"
        check_once >>"$dir/check.txt"
        cat "$dir/rss" >>"$dir/rss.txt"
    done
    f=$(median <"$dir/floor.txt")
    c=$(median <"$dir/check.txt")
    peak=$(sort -g "$dir/rss.txt" | tail -n1)
    printf '%d running containers, %d API requests per sweep (median of %d):\n' "$n" "$(cat "$dir/requests")" "$runs"
    printf '  dockward check: %.3f s   floor (curl, one connection): %.3f s   ratio %.2f\n' "$c" "$f" "$(awk -v a="$c" -v b="$f" 'BEGIN { print a / b }')"
    printf '  dockward check peak resident memory: %.1f MiB (max of %d runs)\n' "$(awk -v a="$peak" 'BEGIN { print a / 1024 }')" "$runs"
    printf '  all runs: check %s | floor %s\n' "$(tr '\n' ' ' <"$dir/check.txt")" "$(tr '\n' ' ' <"$dir/floor.txt")"
done
