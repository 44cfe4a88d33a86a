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
#   bench_limit_start        CPU_MAX=1.0 (cores' worth of CPU time) and/or
#                            IO_MAX="wbps=BYTES wiops=N" (writes to the disk
#                            $work is on): moves this shell, and so every
#                            process it starts afterwards (stores, database
#                            server, generator), into a cgroup of its own with
#                            those limits in total - a proxy for a slower
#                            machine. cgroup v2 (cpu.max, io.max) where its
#                            cpu/io controllers are enabled, else v1 (cpu
#                            cfs quota, blkio throttle; v1 throttles the
#                            writes a process submits itself, such as
#                            SQLite's fsyncs, not the kernel's background
#                            writeback). Removed on exit.
# shellcheck source=tests/e2e_lib.sh
source tests/e2e_lib.sh

bench_pids=()

bench_cgroups=() # the cgroup directories bench_limit_start made

bench_store_cleanup() {
    local p
    for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -n "${store:-}" ]; then e2e_stop "$store"; fi
    for p in "${bench_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    bench_limit_stop
    rm -rf "$work"
}

# The whole disk under $work, MAJ:MIN (io.max and blkio want a disk, not a partition).
_bench_disk_of() {
    local dev sys
    dev=$(stat -c '%Hd:%Ld' "$1") || return 1
    sys=/sys/dev/block/$dev
    [ -e "$sys" ] || { echo "no block device behind $1 ($dev)" >&2; return 1; }
    if [ -e "$sys/partition" ]; then cat "$(readlink -f "$sys/..")/dev"; else echo "$dev"; fi
}

bench_limit_start() {
    [ -n "${CPU_MAX:-}${IO_MAX:-}" ] || return 0
    local name="dockward-bench-$$" quota="" disk="" v2=/sys/fs/cgroup kv wbps="" wiops="" d
    if [ -n "${CPU_MAX:-}" ]; then
        quota=$(awk -v c="$CPU_MAX" 'BEGIN { if (c + 0 <= 0) exit 1; printf "%d", c * 100000 }') ||
            { echo "CPU_MAX=$CPU_MAX: want cores, e.g. 1.0" >&2; return 1; }
    fi
    if [ -n "${IO_MAX:-}" ]; then
        disk=$(_bench_disk_of "$work") || return 1
        for kv in $IO_MAX; do
            case "$kv" in
            wbps=[0-9]*) wbps=${kv#wbps=} ;;
            wiops=[0-9]*) wiops=${kv#wiops=} ;;
            *) echo "IO_MAX: want wbps=BYTES and/or wiops=N, not $kv" >&2; return 1 ;;
            esac
        done
    fi
    if [ -f "$v2/cgroup.controllers" ]; then
        # cgroup v2: one child of the root with the controllers it needs.
        for kv in ${quota:+cpu} ${disk:+io}; do
            grep -qw "$kv" "$v2/cgroup.controllers" ||
                { echo "cgroup v2 has no $kv controller here" >&2; return 1; }
            grep -qw "$kv" "$v2/cgroup.subtree_control" || echo "+$kv" >"$v2/cgroup.subtree_control"
        done
        mkdir "$v2/$name" && bench_cgroups+=("$v2/$name")
        [ -z "$quota" ] || echo "$quota 100000" >"$v2/$name/cpu.max"
        [ -z "$disk" ] || echo "$disk ${wbps:+wbps=$wbps} ${wiops:+wiops=$wiops}" >"$v2/$name/io.max"
        echo $$ >"$v2/$name/cgroup.procs"
    else
        # cgroup v1: a cpu and a blkio hierarchy.
        if [ -n "$quota" ]; then
            d=$v2/cpu/$name
            [ -d "$v2/cpu" ] || { echo "no cgroup cpu controller here" >&2; return 1; }
            mkdir "$d" && bench_cgroups+=("$d")
            echo 100000 >"$d/cpu.cfs_period_us"
            echo "$quota" >"$d/cpu.cfs_quota_us"
            echo $$ >"$d/cgroup.procs"
        fi
        if [ -n "$disk" ]; then
            d=$v2/blkio/$name
            [ -d "$v2/blkio" ] || { echo "no cgroup blkio controller here" >&2; return 1; }
            mkdir "$d" && bench_cgroups+=("$d")
            [ -z "$wbps" ] || echo "$disk $wbps" >"$d/blkio.throttle.write_bps_device"
            [ -z "$wiops" ] || echo "$disk $wiops" >"$d/blkio.throttle.write_iops_device"
            echo $$ >"$d/cgroup.procs"
        fi
    fi
    echo "== limits: ${CPU_MAX:+CPU_MAX=$CPU_MAX (cores of CPU time in total) }${IO_MAX:+IO_MAX=\"$IO_MAX\" on $disk }for the store(s), the database and the generator (${bench_cgroups[*]})"
}

# Moves this shell back to its parent cgroup and removes ours (their processes have exited).
bench_limit_stop() {
    local d i
    for d in "${bench_cgroups[@]}"; do
        echo $$ >"$(dirname "$d")/cgroup.procs" 2>/dev/null || true
        for i in 1 2 3 4 5 6 7 8 9 10; do
            rmdir "$d" 2>/dev/null && break
            sleep 0.5
        done
        [ ! -d "$d" ] || echo "cannot remove cgroup $d (still in use: $(tr '\n' ' ' <"$d/cgroup.procs"))" >&2
    done
    bench_cgroups=()
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
