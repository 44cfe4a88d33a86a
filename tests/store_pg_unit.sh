#!/usr/bin/env bash
# store_pg_unit.sh BINARY - runs the PostgreSQL backend's unit tests
# (store_pg_unit.c) against a private PostgreSQL server (tests/pg_env.sh),
# stopped and removed afterwards. Exit 77 (skipped) without Debian's
# postgresql-15 binaries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pg_env.sh
source "$here/pg_env.sh"
if [ ! -x "$PG_ENV_BIN/initdb" ]; then
    echo "no PostgreSQL server binaries in $PG_ENV_BIN: skipped"
    exit 77
fi
pg_env_start
trap pg_env_stop EXIT
DOCKWARD_TEST_PG_URL=$PG_ENV_URL DOCKWARD_TEST_PG_PASSWORD_FILE=$PG_ENV_PASSWORD_FILE "$1"
