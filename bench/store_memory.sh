#!/usr/bin/env bash
# bench/store_memory.sh - dockward-store's peak memory under deliberate
# hostile load, against the budget of store.h (256 MiB by construction).
# Prints figures and exits non-zero when the peak (VmHWM) reaches 256 MiB;
# it is not part of the test run.
#
# Builds the store and the ingest generator (Release), starts the store on a
# fresh database, holds SQLite's write lock from another process (the
# generator's --hold-write-lock: the writer cannot commit, so every report it
# takes stays queued until its transaction gives up), and for SECONDS drives
# every term of the budget at once, each client as a compromised agent
# with a valid token would:
#
#   uploads   7 connections each send a 4 MiB body but its last byte, and
#             hold it until the store cuts them off (30 s), then again: 28
#             of the 32 MiB of body buffers (8 would refuse every upload
#             for those 30 s, and the rest of the load would not arrive)
#   queue     8 connections post "large" reports (25,000 results, 14 MiB
#             inflated from 120 KB of gzip, ~17 MiB decoded) back to back
#   decode    4 connections post 16 MiB of unknown fields gzip'd to a few
#             KiB (decodes into the 48 MiB cap, 413)
#   readers   2 connections page GET /api/v1/hosts, /drift and /metrics
#
# samples the store's VmRSS every 0.2 s, and prints the answers by status,
# the largest VmRSS seen and VmHWM.
#
#   bash bench/store_memory.sh [SECONDS]          (default 40)
#   BUILD_DIR=build-x bash bench/store_memory.sh  (default build-bench)
#   STORE_BIN=/path/dockward-store bash bench/store_memory.sh   (another build)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-40}
# shellcheck source=bench/store_lib.sh
source bench/store_lib.sh
bench_store_setup memory
"$gen" --emit=large >"$work/large.bin"
"$gen" --emit=unknown-fields-flood >"$work/flood.bin"
"$gen" --emit=valid >"$work/valid.bin"
"$store_bin" --web.listen-address=127.0.0.1:0 --storage.path="$work/store.db" \
    --auth.tokens-file="$work/tokens" --metrics.refresh-interval=200ms 2>"$work/store.log" &
store=$!
port=$(e2e_port_of "$work/store.log" "$store") || { echo "the store did not start"; exit 1; }
curl -s -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/x-protobuf' \
    --data-binary "@$work/valid.bin" "http://127.0.0.1:$port/api/v1/reports"
start_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$store/status")

echo "== dockward-store memory under hostile load: ${secs}s ($(nproc) cores, $(date -u +%F))"
"$gen" --hold-write-lock="$work/store.db" --duration="$((secs + 5))s" 2>"$work/lock.err" &
locker=$!
bench_pids+=("$locker")
sleep 0.5

python3 - "$port" "$token" "$secs" "$store" "$work" "$reader_token" <<'EOF'
import socket, sys, threading, time, collections
port, token, secs, pid, work = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
reader_token = sys.argv[6]
large = open(work + "/large.bin", "rb").read()
flood = open(work + "/flood.bin", "rb").read()
end = time.time() + secs
answers = collections.Counter()
lock = threading.Lock()

def count(kind, status):
    with lock:
        answers[(kind, status)] += 1

def head(length, gzip=True):
    return ("POST /api/v1/reports HTTP/1.1\r\nHost: store\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/x-protobuf\r\n%sContent-Length: %d\r\n\r\n"
            % (token, "Content-Encoding: gzip\r\n" if gzip else "", length)).encode()

def status_of(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return "closed"
        data += chunk
    return data.split(b" ", 2)[1].decode()

def poster(kind, body):
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                s.sendall(head(len(body)) + body)
                count(kind, status_of(s))
        except OSError:
            count(kind, "error")

def holder():
    n = 4 * 1024 * 1024
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                s.sendall(head(n, gzip=False) + b"\0" * (n - 1))
                s.settimeout(max(0.5, end - time.time()))
                count("uploads", status_of(s))
        except OSError:
            count("uploads", "held")

def reader():
    paths = ["/api/v1/hosts?limit=10000", "/api/v1/drift?limit=1000", "/metrics"]
    i = 0
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                s.sendall(("GET %s HTTP/1.1\r\nHost: store\r\nAuthorization: Bearer %s\r\n"
                           "Connection: close\r\n\r\n" % (paths[i % 3], reader_token)).encode())
                st = status_of(s)
                while s.recv(65536):
                    pass
                count("readers", st)
        except OSError:
            count("readers", "error")
        i += 1

threads = [threading.Thread(target=holder) for _ in range(7)]
threads += [threading.Thread(target=poster, args=("queue", large)) for _ in range(8)]
threads += [threading.Thread(target=poster, args=("decode", flood)) for _ in range(4)]
threads += [threading.Thread(target=reader) for _ in range(2)]
for t in threads:
    t.daemon = True
    t.start()
peak = 0
while time.time() < end:
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                peak = max(peak, int(line.split()[1]))
    time.sleep(0.2)
for t in threads:
    t.join(timeout=5)
for (kind, st), n in sorted(answers.items()):
    print("# %-8s %-6s %6d" % (kind, st, n))
print("largest VmRSS sampled %.1f MiB" % (peak / 1024))
EOF

hwm_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$store/status")
echo "store VmRSS at start $((start_kib / 1024)) MiB; peak (VmHWM) $((hwm_kib / 1024)) MiB (budget 256 MiB, store.h)"
kill "$locker" 2>/dev/null || true
grep -E 'level=(warn|error)' "$work/store.log" | sort | uniq -c | sort -rn | head -n 5 || true
[ "$hwm_kib" -lt $((256 * 1024)) ]
