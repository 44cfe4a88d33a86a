#!/usr/bin/env bash
# bench/scrape.sh - how fast the agent serves /metrics, beside nginx serving
# the very same bytes as a static file. Prints figures; it is not a test.
#
# The agent runs against a generated fixture host with many failing targets
# (a ~60 KB body). wrk (2 threads, 8 connections, 10 s) hits the agent and
# nginx alternately, 3 rounds each; we print each round, the medians, the
# agent/nginx ratio, and the agent's resident memory.
#
#   bash bench/scrape.sh [ROUNDS] [SECONDS]     (root; installs wrk and nginx-light if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
secs=${2:-10}
conns=8
# shellcheck source=tests/e2e_lib.sh
source tests/e2e_lib.sh

for p in wrk nginx-light; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ -n "${need[*]:-}" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash packaging/install-deps.sh --test
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
cmake --build build-bench -j"$(nproc)" --target dockward mkfixture >/dev/null

work=$(mktemp -d /tmp/dockward-bench-XXXXXX)
chmod 755 "$work" # nginx workers run unprivileged
root=""
agent=""
nginx_pid=""
cleanup() {
    if [ -n "$agent" ]; then e2e_stop "$agent"; fi
    if [ -n "$nginx_pid" ]; then e2e_stop "$nginx_pid"; fi
    if [ -n "$root" ]; then build-bench/tests/mkfixture --remove "$root" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A host with the failing fixture plus 200 registry certificates with the wrong
# owner and mode: each adds two failing (check, target) series.
{
    echo "include $PWD/tests/fixtures/failing/manifest"
    for i in $(seq 1 200); do
        echo "file /etc/docker/certs.d/registry-$i.example.com:5000/client-$i.cert 0644 1000 1000 =x"
    done
} >"$work/manifest"
root=$(build-bench/tests/mkfixture "$work/manifest")

build-bench/dockward --web.listen-address=127.0.0.1:0 --path.rootfs="$root" \
    --collection.interval=1h 2>"$work/agent.log" &
agent=$!
port=$(e2e_port_of "$work/agent.log" "$agent") || { echo "the agent did not start"; exit 1; }
e2e_wait_200 "http://127.0.0.1:$port/readyz" "$agent" 100 || true
mkdir -p "$work/www"; chmod 755 "$work/www"
curl -s "http://127.0.0.1:$port/metrics" >"$work/www/metrics"
body=$(stat -c %s "$work/www/metrics")

# A port below the kernel's ephemeral range, so no client socket holds it.
nport=$((20000 + RANDOM % 9000))
while (echo >/dev/tcp/127.0.0.1/$nport) 2>/dev/null; do nport=$((nport + 1)); done
cat >"$work/nginx.conf" <<NGX
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types { }
    default_type "text/plain; version=0.0.4; charset=utf-8";
    client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
    uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
    server { listen 127.0.0.1:$nport; root $work/www; }
}
NGX
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
e2e_wait_200 "http://127.0.0.1:$nport/metrics" "$nginx_pid" 100 ||
    { echo "nginx did not start:"; cat "$work/nginx-error.log"; exit 1; }
curl -s "http://127.0.0.1:$nport/metrics" >"$work/nginx-body"
cmp "$work/www/metrics" "$work/nginx-body" || { echo "nginx serves other bytes:"; head -c 300 "$work/nginx-body"; head -c 300 "$work/www/metrics"; exit 1; }

# run_wrk URL -> "rps p50_ms p99_ms"
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
run_wrk() {
    local out
    out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$1")
    local rps p50 p99
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}' | to_ms)
    p99=$(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)
    echo "$rps $p50 $p99"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "body: $body bytes, $(grep -c '^dockward_check_failure{' "$work/www/metrics") failing series; wrk -t2 -c$conns -d${secs}s, $rounds rounds each, alternating"
: >"$work/agent.txt"; : >"$work/nginx.txt"
for r in $(seq 1 "$rounds"); do
    a=$(run_wrk "http://127.0.0.1:$port/metrics"); echo "$a" >>"$work/agent.txt"
    n=$(run_wrk "http://127.0.0.1:$nport/metrics"); echo "$n" >>"$work/nginx.txt"
    printf 'round %d  agent: %s req/s p50 %s ms p99 %s ms | nginx: %s req/s p50 %s ms p99 %s ms\n' \
        "$r" $a $n
done
a_rps=$(awk '{print $1}' "$work/agent.txt" | median); n_rps=$(awk '{print $1}' "$work/nginx.txt" | median)
a_p50=$(awk '{print $2}' "$work/agent.txt" | median); n_p50=$(awk '{print $2}' "$work/nginx.txt" | median)
a_p99=$(awk '{print $3}' "$work/agent.txt" | median); n_p99=$(awk '{print $3}' "$work/nginx.txt" | median)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$agent/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$agent/status")
echo "median agent: $a_rps req/s, p50 $a_p50 ms, p99 $a_p99 ms"
echo "median nginx: $n_rps req/s, p50 $n_p50 ms, p99 $n_p99 ms"
awk -v a="$a_rps" -v n="$n_rps" 'BEGIN {printf "ratio agent/nginx req/s: %.2f (target >= 0.5)\n", a/n}'
echo "agent resident memory: $((rss / 1024)).$(( (rss % 1024) * 10 / 1024 )) MiB now, peak $((hwm / 1024)).$(( (hwm % 1024) * 10 / 1024 )) MiB (target < 8 MiB)"
