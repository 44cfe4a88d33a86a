# shellcheck shell=bash disable=SC2034 # PG_ENV_* are for the scripts that source it
# pg_env.sh - a private PostgreSQL 15 server for tests and benchmarks (source it).
#
# initdb into a temp directory of its own (owned by the postgres user when
# run as root: initdb refuses root), listening on 127.0.0.1 at a free port
# (password authentication, SCRAM) and on a unix socket in that directory
# (trust, reachable only by its owner and root). The machine's own clusters
# are never touched; the server is stopped by its own data directory and pid.
#
#   source tests/pg_env.sh
#   pg_env_start           # sets PG_ENV_DIR, PG_ENV_PORT, PG_ENV_PID, PG_ENV_URL
#                          # (postgresql://dockward@127.0.0.1:PORT/dockward?sslmode=disable:
#                          # role and database dockward, no password in it) and
#                          # PG_ENV_PASSWORD_FILE (the role's password, mode 0600)
#   pg_env_psql [ARGS...]  # psql as the superuser on the dockward database
#                          # (unaligned, tuples only, stops at the first error)
#   pg_env_down [MODE]     # stops the server (pg_ctl -m MODE: fast by default,
#                          # immediate = a crash); the data directory stays
#   pg_env_up              # starts it again on the same directory and port
#   pg_env_restart [MODE]  # pg_env_down, then pg_env_up
#   pg_env_stop            # stops the server (and its standby) and removes PG_ENV_DIR
#
# A streaming standby of that server (hot standby, read-only), in a temp
# directory of its own on its own free port, made by pg_basebackup -R over
# the primary's unix socket; the same roles and password:
#
#   pg_env_standby_start   # sets PG_ENV_STANDBY_DIR, _PORT, _PID, _URL
#                          # (the dockward role's URL on it)
#   pg_env_standby_down [MODE] / pg_env_standby_up
#                          # stops it (the directory stays) / starts it again
#   pg_env_standby_wait    # until it has replayed what the primary has written
#   pg_env_standby_psql [ARGS...]  # psql as the superuser on its dockward database
#   pg_env_standby_stop    # stops it and removes PG_ENV_STANDBY_DIR
#
# PG_ENV_BIN (default /usr/lib/postgresql/15/bin: Debian's postgresql-15),
# PG_ENV_CONF: extra postgresql.conf lines (e.g. for a benchmark).

PG_ENV_BIN=${PG_ENV_BIN:-/usr/lib/postgresql/15/bin}

# _pg_env_as_owner CMD...: CMD as the user owning the server (postgres when
# we are root, else ourselves).
_pg_env_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_env_psql() {
    "$PG_ENV_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_ENV_DIR" -p "$PG_ENV_PORT" \
        -U postgres -d "${PG_ENV_DB:-dockward}" "$@"
}

# _pg_env_free_port: a TCP port nothing listens on now (the start retries
# on another when something takes it first).
_pg_env_free_port() {
    local p _
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
    done
    return 1
}

# _pg_env_ctl_start DIR: starts the server of DIR/data (log DIR/server.log);
# echoes its postmaster's pid.
_pg_env_ctl_start() {
    _pg_env_as_owner "$PG_ENV_BIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start \
        >>"$1/pg_ctl.log" 2>&1 || return 1
    head -n1 "$1/data/postmaster.pid"
}

# _pg_env_ctl_stop DIR PID MODE: stops it (pg_ctl -m MODE); whatever pg_ctl
# did, its postmaster (by its pid) is gone afterwards.
_pg_env_ctl_stop() {
    [ -n "$2" ] || return 0
    _pg_env_as_owner "$PG_ENV_BIN/pg_ctl" -D "$1/data" -m "$3" -w -t 60 stop \
        >>"$1/pg_ctl.log" 2>&1 || true
    if kill -0 "$2" 2>/dev/null; then
        kill -KILL "$2" 2>/dev/null || true
        local _
        for _ in $(seq 1 100); do kill -0 "$2" 2>/dev/null || break; sleep 0.05; done
    fi
}

# _pg_env_serve DIR CONF-FUNCTION [-a]: starts the server of DIR on a free
# port (another when something takes it first), its settings the lines
# CONF-FUNCTION PORT prints, written to DIR/data/postgresql.auto.conf
# (appended with -a); sets _pg_env_port and _pg_env_pid.
_pg_env_serve() {
    local try
    for try in 1 2 3 4 5; do
        _pg_env_port=$(_pg_env_free_port) || { echo "pg_env: no free port" >&2; return 1; }
        "$2" "$_pg_env_port" | _pg_env_as_owner tee ${3:+"$3"} "$1/data/postgresql.auto.conf" >/dev/null
        _pg_env_pid=$(_pg_env_ctl_start "$1") && return 0
        grep -q 'could not bind\|Address already in use' "$1/server.log" 2>/dev/null || try=99
        [ "$try" -lt 5 ] || break
    done
    echo "pg_env: the server did not start; its log:" >&2
    tail -n 20 "$1/server.log" >&2
    return 1
}

pg_env_up() {
    PG_ENV_PID=$(_pg_env_ctl_start "$PG_ENV_DIR")
}

pg_env_down() {
    _pg_env_ctl_stop "$PG_ENV_DIR" "${PG_ENV_PID:-}" "${1:-fast}"
    PG_ENV_PID=""
}

pg_env_restart() {
    pg_env_down "${1:-fast}"
    pg_env_up
}

_pg_env_primary_conf() { # _pg_env_primary_conf PORT
    echo "# pg_env.sh"
    echo "port = $1"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$PG_ENV_DIR'"
    echo "max_connections = 200"
    echo "${PG_ENV_CONF:-}"
}

pg_env_start() {
    [ -x "$PG_ENV_BIN/initdb" ] ||
        { echo "pg_env: no $PG_ENV_BIN/initdb (packaging/install-deps.sh --test: postgresql-15)" >&2; return 1; }
    PG_ENV_DIR=$(mktemp -d /tmp/dockward-pg-XXXXXX) || return 1
    PG_ENV_PID=""
    # First: whatever fails below (no postgres user, initdb), the directory goes with the caller.
    _pg_env_watchdog "$PG_ENV_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_ENV_DIR"
    chmod 700 "$PG_ENV_DIR"
    if ! _pg_env_as_owner "$PG_ENV_BIN/initdb" -D "$PG_ENV_DIR/data" -U postgres -E UTF8 \
        --no-locale --auth-local=trust --auth-host=scram-sha-256 >"$PG_ENV_DIR/initdb.log" 2>&1; then
        echo "pg_env: initdb failed; its log:" >&2
        tail -n 20 "$PG_ENV_DIR/initdb.log" >&2
        return 1
    fi
    _pg_env_serve "$PG_ENV_DIR" _pg_env_primary_conf || return 1
    PG_ENV_PORT=$_pg_env_port
    PG_ENV_PID=$_pg_env_pid
    local password
    password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    # The password only ever goes to psql's stdin and to the 0600 file.
    (umask 077 && printf '%s\n' "$password" >"$PG_ENV_DIR/password")
    PG_ENV_PASSWORD_FILE=$PG_ENV_DIR/password
    PG_ENV_DB=postgres pg_env_psql -f - <<EOF || { echo "pg_env: creating the role failed" >&2; return 1; }
CREATE ROLE dockward LOGIN PASSWORD '$password';
CREATE DATABASE dockward OWNER dockward;
EOF
    PG_ENV_URL="postgresql://dockward@127.0.0.1:$PG_ENV_PORT/dockward?sslmode=disable"
}

# _pg_env_watchdog DIR: pg_ctl detaches the server of DIR/data: were the
# caller killed before pg_env_stop (SIGKILL, a ctest timeout), it would run
# on. A watchdog in a session of its own (away from the caller's terminal
# and pipes) stops it and removes DIR once the caller is gone, DIR too when
# no server was ever made in it (a set-up that failed); after pg_env_stop
# it finds nothing left to do. Started from a subshell that exits
# at once, it is no descendant of the caller, whose whole process tree a
# ctest timeout kills (found by parent pid, session or not).
_pg_env_watchdog() {
    local bin=$PG_ENV_BIN as_root=no
    [ "$(id -u)" = 0 ] && as_root=yes
    # shellcheck disable=SC2016 # the watchdog's own script
    (setsid bash -c '
        while kill -0 "$1" 2>/dev/null; do sleep 1; done
        [ -d "$2/data" ] || { rm -rf "$2"; exit 0; }
        pid=$(head -n1 "$2/data/postmaster.pid" 2>/dev/null)
        if [ "$4" = yes ]; then runuser -u postgres -- "$3/pg_ctl" -D "$2/data" -m immediate -w stop
        else "$3/pg_ctl" -D "$2/data" -m immediate -w stop; fi
        [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
        rm -rf "$2"' pg_env_watchdog "$$" "$1" "$bin" "$as_root" </dev/null >/dev/null 2>&1 &)
}

pg_env_standby_up() {
    PG_ENV_STANDBY_PID=$(_pg_env_ctl_start "$PG_ENV_STANDBY_DIR")
}

pg_env_standby_down() {
    _pg_env_ctl_stop "$PG_ENV_STANDBY_DIR" "${PG_ENV_STANDBY_PID:-}" "${1:-fast}"
    PG_ENV_STANDBY_PID=""
}

# The primary's settings came with the copy; these lines, appended, win.
_pg_env_standby_conf() { # _pg_env_standby_conf PORT
    echo "# pg_env.sh standby"
    echo "port = $1"
    echo "unix_socket_directories = '$PG_ENV_STANDBY_DIR'"
    echo "hot_standby = on"
}

pg_env_standby_start() {
    [ -n "${PG_ENV_PID:-}" ] || { echo "pg_env: no primary running (pg_env_start)" >&2; return 1; }
    PG_ENV_STANDBY_DIR=$(mktemp -d /tmp/dockward-pg-standby-XXXXXX) || return 1
    PG_ENV_STANDBY_PID=""
    _pg_env_watchdog "$PG_ENV_STANDBY_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_ENV_STANDBY_DIR"
    chmod 700 "$PG_ENV_STANDBY_DIR"
    # Over the primary's unix socket, as its superuser (trust, local
    # replication allowed by initdb's pg_hba.conf); -R writes
    # primary_conninfo and standby.signal.
    if ! _pg_env_as_owner "$PG_ENV_BIN/pg_basebackup" -h "$PG_ENV_DIR" -p "$PG_ENV_PORT" \
        -U postgres -D "$PG_ENV_STANDBY_DIR/data" -R -X stream -c fast \
        >"$PG_ENV_STANDBY_DIR/basebackup.log" 2>&1; then
        echo "pg_env: pg_basebackup failed; its log:" >&2
        tail -n 20 "$PG_ENV_STANDBY_DIR/basebackup.log" >&2
        return 1
    fi
    _pg_env_serve "$PG_ENV_STANDBY_DIR" _pg_env_standby_conf -a || return 1
    PG_ENV_STANDBY_PORT=$_pg_env_port
    PG_ENV_STANDBY_PID=$_pg_env_pid
    PG_ENV_STANDBY_URL="postgresql://dockward@127.0.0.1:$PG_ENV_STANDBY_PORT/dockward?sslmode=disable"
}

# pg_env_standby_wait [SECONDS]: until the standby has replayed the
# primary's WAL as it is now (default: 30 s at most; 1 when it has not).
pg_env_standby_wait() {
    local lsn _
    lsn=$(PG_ENV_DB=postgres pg_env_psql -c "SELECT pg_current_wal_lsn()") || return 1
    for _ in $(seq 1 $((${1:-30} * 20))); do
        [ "$("$PG_ENV_BIN/psql" -X -q -At -h "$PG_ENV_STANDBY_DIR" -p "$PG_ENV_STANDBY_PORT" \
            -U postgres -d postgres -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'" 2>/dev/null)" = t ] &&
            return 0
        sleep 0.05
    done
    return 1
}

# pg_env_standby_psql [ARGS...]: psql as the superuser on the standby's dockward database.
pg_env_standby_psql() {
    "$PG_ENV_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_ENV_STANDBY_DIR" \
        -p "$PG_ENV_STANDBY_PORT" -U postgres -d dockward "$@"
}

pg_env_standby_stop() {
    [ -n "${PG_ENV_STANDBY_DIR:-}" ] || return 0
    pg_env_standby_down immediate
    rm -rf "$PG_ENV_STANDBY_DIR"
    PG_ENV_STANDBY_DIR=""
}

pg_env_stop() {
    pg_env_standby_stop
    [ -n "${PG_ENV_DIR:-}" ] || return 0
    pg_env_down immediate
    rm -rf "$PG_ENV_DIR"
    PG_ENV_DIR=""
}
