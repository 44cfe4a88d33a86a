#!/usr/bin/env bash
# e2e_container_image.sh - the Dockerfile and compose.yaml, on a private
# dockerd (tests/docker_env.sh), from a base imported from the clean Debian
# 12 root (tests/clean_root.sh), so nothing of this machine's packages is in
# the image:
#  1. `docker build --network host` (apt in the build stage reaches the
#     mirror) with BASE_IMAGE=the imported root; prints the image's size
#     and the packages its runtime stage added to the base;
#  2. README's `docker run` line (socket path and port made the test's):
#     the agent runs as dockward (not root), is scraped, judges a neighbour
#     container, and its own container trips exactly the checks
#     docs/install.md lists (its bold check ids);
#  3. `docker-compose config` accepts compose.yaml; `docker-compose up`
#     starts agent and store from the image; the agent's report reaches the
#     store under this machine's /etc/machine-id (the host's files, read
#     through /host); `docker-compose down -v` removes it all.
# Prints how long each stage took. Needs root, docker.io, docker-compose,
# debootstrap, busybox-static, curl.
# Environment (set by ctest): DOCKWARD_TESTS.
set -euo pipefail
: "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
# shellcheck source=tests/clean_root.sh
source "$DOCKWARD_TESTS/clean_root.sh"
# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"
e2e_require dockerd docker-compose debootstrap curl jq
[ "$(id -u)" = 0 ] || { echo "e2e_container_image: needs root"; exit 1; }

src=$(realpath "$DOCKWARD_TESTS/..")
work=$(mktemp -d /var/tmp/dockward-e2e-image-XXXXXX)
compose_up=""
cleanup() {
    if [ -n "$compose_up" ]; then
        compose down -v >/dev/null 2>&1 || true
    fi
    docker_env_stop
    rm -rf "$work"
}
trap cleanup EXIT
stage() { echo "# stage $1: $(e2e_since "$2") s"; }
# Docker's legacy builder: the private dockerd is docker.io 20.10, and the
# CLI may have no buildx.
export DOCKER_BUILDKIT=0

free_port() { # a TCP port nothing listens on, on 127.0.0.1
    local p
    for p in $(shuf -i 20000-60000 -n 100); do
        (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

t0=$(e2e_now)
base=$(clean_root_base)
stage "debootstrap root" "$t0"

t0=$(e2e_now)
docker_env_start "$work/docker"
sock=$DOCKER_ENV_SOCK
tar -C "$base" -c . | dk import - dockward-e2e/bookworm-minbase:1 >/dev/null
docker_env_import_busybox "$DOCKER_ENV_IMAGE"
stage "private dockerd, base imported" "$t0"

# --- 1. the image ------------------------------------------------------------
t0=$(e2e_now)
image=dockward-e2e/dockward:1
build() {
    dk build --network host --build-arg BASE_IMAGE=dockward-e2e/bookworm-minbase:1 \
        -t "$image" "$src" >"$work/build.log" 2>&1
}
check "docker build --network host from the imported root" build
stage "docker build" "$t0"
if ! dk image inspect "$image" >/dev/null 2>&1; then
    tail -n 30 "$work/build.log"
    e2e_summary "no image: stopping"
    exit 1
fi
size=$(dk image inspect -f '{{.Size}}' "$image")
base_size=$(dk image inspect -f '{{.Size}}' dockward-e2e/bookworm-minbase:1)
# shellcheck disable=SC2016 # ${Package} is dpkg-query's
pkgs_of() { dk run --rm --network none --entrypoint dpkg-query "$1" -W -f '${Package}\n' | sort; }
added=$(comm -13 <(pkgs_of dockward-e2e/bookworm-minbase:1) <(pkgs_of "$image") | tr '\n' ' ')
echo "# image: $((size / 1000000)) MB (base $((base_size / 1000000)) MB, +$(((size - base_size) / 1000000)) MB)"
echo "# runtime packages added to the base: $added"
check "the runtime stage has no compiler and no -dev package" \
    bash -c "! grep -Eq '(^| )(gcc[^ ]*|cmake|[^ ]*-dev)( |$)' <<<'$added'"
check "the runtime stage has the package" grep -qw dockward <<<"$added"
check "the image runs as dockward (USER)" test "$(dk image inspect -f '{{.Config.User}}' "$image")" = dockward

# --- 2. README's docker run line ---------------------------------------------
t0=$(e2e_now)
dk run -d --name dw-neighbour "$DOCKER_ENV_IMAGE" sleep 3600 >/dev/null
# README's `docker run` line itself, with the test's socket, image, address
# and (see below) mount options.
line=$(grep -m1 '^docker run -d --name dockward ' "$src/README.md" || true)
check "README has the docker run line" test -n "$line"
# rslave needs / to be a shared or slave mount (systemd makes it shared); on
# a machine where it is private (some VMs and build containers), docker
# refuses rslave and docs/install.md says to use ro: so does the test, saying so.
prop=ro,rslave
if [ "$(findmnt -no PROPAGATION /)" = private ]; then
    prop=ro
    echo "# / is a private mount here: -v /:/host:ro (docs/install.md: drop rslave on such a machine)"
fi
cmd=${line//\/var\/run\/docker.sock/$sock}
cmd=${cmd//:ro,rslave/:$prop}
cmd=${cmd/% dockward:0.1.0/ $image}
cmd=${cmd/#docker /dk }
echo "# $cmd"
eval "$cmd --docker.host=unix://$sock --web.listen-address=127.0.0.1:0" >"$work/run.log" 2>&1 ||
    cat "$work/run.log"
port=""
for _ in $(seq 1 200); do
    port=$(dk logs dockward 2>&1 | sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -n 1)
    [ -n "$port" ] && break
    sleep 0.05
done
check "the agent's container started (127.0.0.1:${port:-none})" test -n "$port"
pid=$(dk inspect -f '{{.State.Pid}}' dockward)
check "the agent runs as uid 310 (dockward), not root" \
    test "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$pid/status")" = 310310310310
if [ -n "$port" ]; then
    check "the agent finished its first collection" e2e_wait_200 "http://127.0.0.1:$port/readyz" "" 600
    metrics=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" || true)
    check "the agent reached the Docker API (dockward_up 1)" test "$(e2e_metric dockward_up <<<"$metrics")" = 1
    check "it counts both running containers" \
        test "$(e2e_metric 'dockward_containers{state="running"}' <<<"$metrics")" = 2
    check "it judged the neighbour container" grep -q 'target="container/dw-neighbour"' <<<"$metrics"
    check "the host collector ran on /host" \
        test "$(e2e_metric 'dockward_collector_success{collector="host"}' <<<"$metrics")" = 1
    own=$(sed -n 's/^dockward_check_failure{check="\([^"]*\)",target="container\/dockward"}.*/\1/p' <<<"$metrics" |
        sort -V | tr '\n' ' ')
    echo "# checks the agent's own container fails: $own"
    # What mounting / and the socket and sharing the host's network cost
    # (5.6, 5.32, 5.10), and no HEALTHCHECK (5.27): docs/install.md lists
    # exactly these, in bold.
    listed=$(grep -oE '\*\*[0-9]+(\.[0-9]+)+\*\*' "$src/docs/install.md" | tr -d '*' | sort -V | tr '\n' ' ')
    check "docs/install.md lists 5.6 5.10 5.27 5.32 as its own container's failures" \
        test "$listed" = "5.6 5.10 5.27 5.32 "
    check "its own container fails exactly those (docs/install.md's list)" \
        test "$own" = "$listed"
fi
stage "docker run, scrape" "$t0"
dk rm -f dockward >/dev/null

# --- 3. compose.yaml -----------------------------------------------------------
t0=$(e2e_now)
conf=$work/config
mkdir -p "$conf"
token=$(e2e_random_hex 24)
reader_token=$(e2e_random_hex 24) # the store's query API answers readers only
printf 'this-host %s\nops-reader %s role=reader\n' "$token" "$reader_token" >"$conf/tokens"
printf '%s\n' "$token" >"$conf/token"
chgrp 311 "$conf/tokens"
chgrp 310 "$conf/token"
chmod 0640 "$conf/tokens" "$conf/token"
chmod 0755 "$work" "$conf"
aport=$(free_port)
sport=$(free_port)
compose() {
    DOCKER_HOST="unix://$sock" DOCKER_GID=$(stat -c %g "$sock") DOCKER_SOCK=$sock \
        DOCKWARD_IMAGE=$image DOCKWARD_CONFIG=$conf DOCKWARD_LISTEN_HOST=127.0.0.1 \
        DOCKWARD_PORT=$aport DOCKWARD_STORE_PORT=$sport DOCKWARD_ROOT_MOUNT=$prop \
        docker-compose -p dockward-e2e -f "$src/compose.yaml" "$@"
}
compose_config() { compose config -q; }
check "docker-compose config accepts compose.yaml" compose_config
compose_up=1
compose_start() { compose up -d >"$work/compose.log" 2>&1; }
check "docker-compose up -d starts agent and store" compose_start
machine_id=$(tr -d '[:space:]' </etc/machine-id)
found=""
for _ in $(seq 1 300); do
    found=$(curl -s --max-time 5 -H "Authorization: Bearer $reader_token" \
        "http://127.0.0.1:$sport/api/v1/hosts/$machine_id" | jq -r '.results | length > 0' || true)
    [ "$found" = true ] && break
    sleep 0.1
done
check "the store has this machine's report (host_id = this machine's /etc/machine-id, read by a reader)" test "$found" = true
for svc in agent store; do
    id=$(compose ps -q "$svc")
    check "compose's $svc runs as uid $([ $svc = agent ] && echo 310 || echo 311)" \
        test "$(awk '/^Uid:/ { print $2 }' "/proc/$(dk inspect -f '{{.State.Pid}}' "$id")/status")" = \
        "$([ $svc = agent ] && echo 310 || echo 311)"
done
stage "docker-compose up, push" "$t0"
if [ "$failures" -gt 0 ]; then
    tail -n 20 "$work/compose.log"
    compose logs --no-color 2>&1 | tail -n 20
fi
compose down -v >/dev/null 2>&1
compose_up=""
check "docker-compose down -v leaves no container" test -z "$(dk ps -aq --filter label=com.docker.compose.project=dockward-e2e)"
e2e_summary "the image and compose.yaml run dockward on a private dockerd"
