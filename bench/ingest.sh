#!/usr/bin/env bash
# bench/ingest.sh - how many reports per second dockward-store stores
# durably (every 200 is answered after the COMMIT that holds it), with what
# latency and memory, for a fleet of simulated hosts, on SQLite and on
# PostgreSQL with one and two store replicas. Prints figures; it is not a
# test.
#
# Builds the store and the generator (Release). For each configuration
# BACKEND:REPLICAS, starts the store (REPLICAS processes on one database) on
# a fresh database in a temp dir - SQLite's file, or a private PostgreSQL 15
# server of tests/pg_env.sh - lets every simulated host send its first
# report (populate: ~150 new pairs and drift events each), then runs ROUNDS
# rounds of: SECONDS as fast as the stores answer (32 keep-alive connections
# spread over the replicas, each a host's reports in sequence), and SECONDS
# paced at 1,700 reports/s (a 100,000-host fleet reporting every minute;
# latency counted from when each send was due). Prints each phase, the
# medians, the (first) store's resident memory and the database size per
# 1,000 hosts; stops everything; at the end a table of the configurations
# side by side. Everything (stores, PostgreSQL, the generator) runs on this
# machine's cores: the figures say what one machine does, not what a
# PostgreSQL server of its own would.
#
#   bash bench/ingest.sh [HOSTS] [SECONDS] [ROUNDS]    (default 100000 30 3)
#   BACKENDS="sqlite:1 postgres:1 postgres:2" bash bench/ingest.sh ...
#                         (the configurations, in order; that is the default;
#                          postgres ones are left out, said so, when the store
#                          has no --storage.url)
#   BUILD_DIR=build-x bash bench/ingest.sh ...          (default build-bench)
#   STORE_BIN=/path/to/old/dockward-store bash bench/ingest.sh ...
#                         (another store binary, e.g. an older commit's, against
#                          this generator: old and new back to back)
#   PG_ENV_CONF='shared_buffers = 1GB' ...   (postgresql.conf lines replacing
#                          the bench's, see below)
#   CPU_MAX=1.0 [IO_MAX="wbps=BYTES wiops=N"] bash bench/ingest.sh ...
#                         (a slower machine's proxy: the stores, the database
#                          and the generator get that many cores' worth of CPU
#                          time in total, and the disk under the temp dir that
#                          write rate, through a cgroup of the bench's own;
#                          store_lib.sh bench_limit_start)
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-100000}
secs=${2:-30}
rounds=${3:-3}
# shellcheck source=bench/store_lib.sh
source bench/store_lib.sh
# shellcheck source=tests/pg_env.sh
source tests/pg_env.sh
bench_store_setup ingest
bench_limit_start
# A server sized for the bench's database (~16 MiB per 1,000 hosts on
# PostgreSQL, 1.6 GiB at 100,000 hosts: more than shared_buffers) on this
# machine, durable as the default is (fsync, synchronous_commit on).
PG_ENV_CONF=${PG_ENV_CONF:-$'shared_buffers = 1GB\nmax_wal_size = 4GB\ncheckpoint_timeout = 15min'}

read -r -a configs <<<"${BACKENDS:-sqlite:1 postgres:1 postgres:2}"
has_pg=yes
"$store_bin" --help 2>&1 | grep -q -- --storage.url || has_pg=no

# run_config BACKEND REPLICAS: one configuration; its output in $work/BACKEND-REPLICAS.out.
run_config() {
    local backend=$1 n=$2 cfg="$1-$2" storage=() size=() i p addrs="" rpids=()
    case "$backend" in
    sqlite)
        [ "$n" = 1 ] || { echo "sqlite:$n: SQLite is one store process per file"; return 1; }
        storage=(--storage.path="$work/$cfg.db")
        size=(--storage-path="$work/$cfg.db")
        ;;
    postgres)
        pg_env_start || return 1
        storage=(--storage.url="$PG_ENV_URL" --storage.password-file="$PG_ENV_PASSWORD_FILE")
        ;;
    *) echo "unknown backend $backend (sqlite or postgres)"; return 1 ;;
    esac
    for i in $(seq 1 "$n"); do
        "$store_bin" --web.listen-address=127.0.0.1:0 "${storage[@]}" \
            --auth.tokens-file="$work/tokens" 2>"$work/$cfg-r$i.log" &
        rpids+=("$!")
        bench_pids+=("$!")
        p=$(e2e_port_of "$work/$cfg-r$i.log" "$!") || { echo "store $i did not start"; return 1; }
        addrs="$addrs${addrs:+,}127.0.0.1:$p"
    done
    [ "$backend" = postgres ] && pg_usage >"$work/pg0"
    echo "== dockward-store ingest, $backend, $n replica(s): $hosts hosts, $rounds rounds of ${secs}s sustained + ${secs}s paced at 1700/s"
    local db=SQLite
    [ "$backend" = postgres ] && db="the PostgreSQL server"
    echo "   ($(nproc) cores shared by the store(s), $db and the generator; $(date -u +%F); rss, cpu and disk lines: replica 1's process)"
    "$gen" --store.address="$addrs" --token-file="$work/tokens" --hosts="$hosts" \
        --connections=32 --duration="${secs}s" --rounds="$rounds" --paced-rate=1700 \
        --store-pid="${rpids[0]}" "${size[@]}" | tee "$work/$cfg.gen"
    for i in $(seq 1 "$n"); do
        echo "replica $i: peak rss $(awk '/^VmHWM:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/${rpids[$((i - 1))]}/status")"
    done
    if [ "$backend" = postgres ]; then
        local c0 w0 c1 w1 stored
        read -r c0 w0 <"$work/pg0"
        read -r c1 w1 < <(pg_usage)
        stored=$(awk '$1 ~ /^(populate|sustained|paced)$/ && $3 == "stored" { n += $4 } END { print n + 0 }' \
            "$work/$cfg.gen")
        awk -v c="$((c1 - c0))" -v w="$((w1 - w0))" -v n="$stored" -v t="$(getconf CLK_TCK)" 'BEGIN {
            printf "PostgreSQL server (its processes alive at the end), whole run: cpu %.1f s = %.3f ms per stored report, disk writes %.1f MiB = %.1f KiB per stored report\n",
                c / t, 1e3 * c / t / n, w / 1048576, w / 1024 / n }'
        pg_env_psql -c "SELECT pg_database_size('dockward')" |
            awk -v h="$hosts" '{ printf "database %.1f MiB  = %.2f MiB per 1,000 hosts (pg_database_size)\n", $1 / 1048576, $1 / 1048576 / (h / 1000) }'
    fi
    e2e_stop "${rpids[@]}"
    for i in $(seq 1 "$n"); do
        grep -E 'level=(warn|error)' "$work/$cfg-r$i.log" | tail -n 3 | sed "s/^/replica $i: /" || true
    done
    [ "$backend" = postgres ] && pg_env_stop
    return 0
}

# pg_usage: CPU ticks and bytes written to storage so far by the server's
# postmaster and its current children (backends, WAL writer, checkpointer).
pg_usage() {
    local p cpu=0 wb=0 t w
    for p in "$PG_ENV_PID" $(pgrep -P "$PG_ENV_PID"); do
        t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || continue
        w=$(awk '$1 == "write_bytes:" { print $2 }' "/proc/$p/io" 2>/dev/null) || continue
        cpu=$((cpu + ${t:-0}))
        wb=$((wb + ${w:-0}))
    done
    echo "$cpu $wb"
}

bench_pg_cleanup() {
    pg_env_stop
    bench_store_cleanup
}
trap bench_pg_cleanup EXIT

ran=()
for c in "${configs[@]}"; do
    if [ "${c%%:*}" = postgres ] && [ "$has_pg" = no ]; then
        echo "== $c left out: $store_bin has no --storage.url (no PostgreSQL backend built)"
        continue
    fi
    # Not a pipe: run_config stays in this shell, where the cleanup sees its pids.
    run_config "${c%%:*}" "${c#*:}" > >(tee "$work/${c/:/-}.out")
    wait "$!"
    ran+=("$c")
done

echo
echo "== side by side: $hosts hosts, medians of $rounds rounds of ${secs}s; all processes on these $(nproc) cores"
printf '%-12s %12s %10s %10s %12s %10s %10s %14s\n' backend sustained/s p50-ms p99-ms paced/s p50-ms p99-ms "MiB/1000hosts"
for c in "${ran[@]}"; do
    sed -n 's/^median of [0-9]* rounds: sustained \([0-9]*\) reports\/s p50 \([0-9.]*\) ms p99 \([0-9.]*\) ms; paced at [0-9]*\/s: \([0-9]*\) reports\/s p50 \([0-9.]*\) ms p99 \([0-9.]*\) ms$/\1 \2 \3 \4 \5 \6/p' \
        "$work/${c/:/-}.out" | head -n1 >"$work/row"
    read -r s50 s_p50 s_p99 p_rate p_p50 p_p99 <"$work/row" || true
    mib=$(sed -n 's/.*= \([0-9.]*\) MiB per 1,000 hosts.*/\1/p' "$work/${c/:/-}.out" | tail -n1)
    printf '%-12s %12s %10s %10s %12s %10s %10s %14s\n' "$c" "${s50:--}" "${s_p50:--}" "${s_p99:--}" \
        "${p_rate:--}" "${p_p50:--}" "${p_p99:--}" "${mib:--}"
done
