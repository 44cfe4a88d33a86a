# shellcheck shell=bash
# docker_env.sh - a private Docker Engine for tests and benchmarks (source it).
#
# Starts dockerd on its own data root, exec root and unix socket under a
# directory the caller owns, so the host's Docker (if any) is never touched,
# and stops only that dockerd (and the containerd it started) by pid.
#
#   source tests/docker_env.sh
#   docker_env_start DIR [DOCKERD ARGS...]   # sets DOCKER_ENV_DIR, DOCKER_ENV_SOCK, DOCKER_ENV_PID
#                                            # (socket DIR/docker.sock, or $DOCKER_ENV_SOCK_PATH)
#   dk ps -a                                 # the docker CLI against the private daemon
#   docker_env_import_busybox [NAME:TAG]     # a tiny image from Debian's static busybox
#   docker_env_stop                          # remove containers, stop dockerd, unmount, rm -rf DIR
#   docker_env_lock                          # only take the machine-wide lock (docker_env_start
#                                            # does it too), e.g. to time the wait for it
#
# The daemon belongs to the script that sourced this file ($$): when it ends,
# a watchdog stops the daemon. A program that only runs a short `bash -c` to
# start one (a C test) names itself in DOCKER_ENV_OWNER_PID instead, and
# passes the machine-wide lock it holds in DOCKER_ENV_LOCK_FD (an fd the
# shell inherits), so that the daemon lives, locked, as long as the program.
#
# dockerd's config file: pass --config-file in the args (the default would be
# the host's /etc/docker/daemon.json). Needs root, docker.io and busybox-static.

DOCKER_ENV_IMAGE=${DOCKER_ENV_IMAGE:-dw-busybox:1}

dk() { docker -H "unix://$DOCKER_ENV_SOCK" "$@"; }

docker_env_ping() {
    [ "$(curl -s --max-time 2 --unix-socket "$DOCKER_ENV_SOCK" http://docker/_ping 2>/dev/null)" = OK ]
}

# The machine-wide lock docker_env_start takes (the same file and fd, held
# until the script exits); a no-op once held.
docker_env_lock() {
    if [ -z "${DOCKER_ENV_LOCK_FD:-}" ]; then
        exec {DOCKER_ENV_LOCK_FD}>/tmp/dockward-dockerd.lock
        flock "$DOCKER_ENV_LOCK_FD"
    fi
}

docker_env_start() {
    local dir=$1
    shift
    # One private dockerd on the machine at a time, also across build trees
    # (ctest's RESOURCE_LOCK covers one ctest run only): held until the
    # script exits.
    docker_env_lock
    DOCKER_ENV_DIR=$dir
    # DOCKER_ENV_SOCK_PATH puts the socket elsewhere (e.g. under /run, where a
    # test mounts the directory holding it); the caller removes it.
    DOCKER_ENV_SOCK=${DOCKER_ENV_SOCK_PATH:-$dir/docker.sock}
    mkdir -p "$dir"
    # The lock's fd is closed for dockerd: else containerd and every container's
    # shim inherit it, and shims left behind by a killed test hold the
    # machine-wide lock for ever.
    dockerd --data-root "$dir/data" --exec-root "$dir/exec" --host "unix://$DOCKER_ENV_SOCK" \
        --pidfile "$dir/docker.pid" --storage-driver vfs --iptables=false --ip-masq=false \
        "$@" >>"$dir/dockerd.log" 2>&1 {DOCKER_ENV_LOCK_FD}>&- &
    DOCKER_ENV_PID=$!
    docker_env_watchdog "$DOCKER_ENV_PID" "$dir" "$DOCKER_ENV_SOCK"
    local _
    for _ in $(seq 1 300); do
        docker_env_ping && return 0
        kill -0 "$DOCKER_ENV_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "docker_env: dockerd did not start; its log:" >&2
    tail -n 20 "$dir/dockerd.log" >&2
    return 1
}

# When the caller is killed (SIGKILL, a ctest timeout) its cleanup never runs
# and dockerd, containerd and every container's shim would run on, holding
# DIR's mounts. A watchdog in a session of its own (away from the caller's
# terminal, pipes and the machine-wide lock) waits for the caller to end; if
# this dockerd (pid PID, started on DIR, socket SOCK) is still running then,
# it removes its containers and user-defined networks and stops it,
# its containerd and the shims whose containerd address is under DIR - only
# processes this start made - then unmounts what is under DIR and removes it.
# If dockerd is gone already (docker_env_stop ran, or the kill took dockerd
# down with the caller's process group) it still stops the shims (and the
# containers they run) and containerd that name DIR and unmounts what is under DIR (dockerd's bind
# mount of its data root outlives it), but keeps DIR: after a normal stop
# the caller owns it (KEEP=1 keeps it). It is started from a subshell that
# exits at once, so it is no descendant of the caller: ctest's timeout kills
# the test's whole process tree, found by parent pid, session or not.
docker_env_watchdog() {
    # shellcheck disable=SC2016 # the watchdog's own script
    (setsid bash -c '
        while kill -0 "$1" 2>/dev/null; do sleep 1; done
        ours() { tr "\0" " " <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"; }
        running=0
        ours "$2" "$3" && running=1
        cpid=$(cat "$3/exec/containerd/containerd.pid" 2>/dev/null)
        if [ "$running" = 1 ]; then
            ids=$(docker -H "unix://$4" ps -aq 2>/dev/null)
            [ -z "$ids" ] || docker -H "unix://$4" rm -f $ids >/dev/null 2>&1
            docker -H "unix://$4" network prune -f >/dev/null 2>&1
            kill -TERM "$2" 2>/dev/null
            for _ in $(seq 1 100); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$2" 2>/dev/null
        fi
        [ -n "$cpid" ] && ours "$cpid" "$3" && kill -KILL "$cpid" 2>/dev/null
        for p in $(pgrep -f -- "containerd-shim.*$3/"); do
            ours "$p" "$3" || continue
            pkill -KILL -P "$p" 2>/dev/null # the first process of a container: its pid namespace ends
            kill -KILL "$p" 2>/dev/null
        done
        sleep 0.5
        for m in $(awk -v d="$3" "index(\$5, d) == 1 {print \$5}" /proc/self/mountinfo | sort -r); do
            umount -l "$m" 2>/dev/null
        done
        [ "$running" = 0 ] || rm -rf "$3"' docker_env_watchdog "${DOCKER_ENV_OWNER_PID:-$$}" "$1" "$2" "$3" </dev/null >/dev/null 2>&1 {DOCKER_ENV_LOCK_FD}>&- &)
}

# Stops the daemon started by docker_env_start and forgets it (DIR is kept).
docker_env_stop_daemon() {
    [ -n "${DOCKER_ENV_PID:-}" ] || return 0
    if kill -0 "$DOCKER_ENV_PID" 2>/dev/null; then
        local ids
        ids=$(dk ps -aq 2>/dev/null || true)
        [ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1 || true
        # A user-defined network's bridge (br-ID) outlives dockerd in the
        # host's namespace, holding one of Docker's address pools: 30 of
        # them left behind exhausted the pools and `network create` failed.
        dk network prune -f >/dev/null 2>&1 || true
        kill -TERM "$DOCKER_ENV_PID" 2>/dev/null || true
        local _
        for _ in $(seq 1 300); do
            kill -0 "$DOCKER_ENV_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$DOCKER_ENV_PID" 2>/dev/null || true
    fi
    wait "$DOCKER_ENV_PID" 2>/dev/null || true
    local cpid
    cpid=$(cat "$DOCKER_ENV_DIR/exec/containerd/containerd.pid" 2>/dev/null || true)
    if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then
        kill -TERM "$cpid" 2>/dev/null || true
        sleep 0.5
        kill -KILL "$cpid" 2>/dev/null || true
    fi
    DOCKER_ENV_PID=""
    # dockerd bind-mounts its data root (and shm, netns files) under DIR.
    local m
    for m in $(awk -v d="$DOCKER_ENV_DIR" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
}

docker_env_stop() {
    docker_env_stop_daemon
    [ -n "${DOCKER_ENV_DIR:-}" ] && rm -rf "$DOCKER_ENV_DIR"
    DOCKER_ENV_DIR=""
}

docker_env_import_busybox() {
    local name=${1:-$DOCKER_ENV_IMAGE}
    local root=""
    # Every write below goes under $root: an empty one would write the host's
    # /etc/passwd and /etc/group (this happened once, 2026-12-04, cause not
    # found), so each step is checked even where the caller's set -e is off.
    if [ -z "${DOCKER_ENV_DIR:-}" ] || [ ! -d "$DOCKER_ENV_DIR" ]; then
        echo "docker_env_import_busybox: no directory DOCKER_ENV_DIR (${DOCKER_ENV_DIR:-unset})" >&2
        return 1
    fi
    root=$(mktemp -d "$DOCKER_ENV_DIR/rootfs-XXXXXX") || return 1
    case $root in "$DOCKER_ENV_DIR"/rootfs-?*) ;; *) return 1 ;; esac
    [ -d "$root" ] && [ ! -L "$root" ] || return 1
    chmod 755 "$root" || return 1 # the image's / : non-root users must be able to run it
    mkdir "$root/bin" "$root/etc" "$root/tmp" || return 1
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    local c
    for c in sh sleep true cat ls; do ln -s busybox "$root/bin/$c"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
    echo 'root:x:0:' >"$root/etc/group"
    tar -C "$root" -c . | dk import --change 'ENV PATH=/bin' - "$name" >/dev/null
    rm -rf "$root"
}
