#!/usr/bin/env bash
# bench/events.sh - real time on a real private dockerd (tests/docker_env.sh)
# with N busybox containers running `sleep` (default 200). Prints figures; it
# is not a test.
#
#  1. Detection latency: an agent in events mode (the defaults: 60 s
#     collection, 10 m resync); CHANGES changes (default 100), alternately
#     `docker create --privileged` and `docker run -d --cap-add SYS_ADMIN`,
#     PACE seconds apart (default 0.5); for each, the seconds from the docker
#     command returning to its failing series (5.5, 5.4) in a scrape of the
#     agent (scraped in a loop, ~10 ms apart). p50, p90, p99, max.
#  2. API load with nothing happening (the latency containers removed: N
#     again): two agents side by side on the same dockerd, one with today's
#     sweeps (--no-docker.events, --collection.interval=60s) and one in
#     events mode (--docker.resync-interval=10m), run with every interval
#     divided by SCALE (default 20: 3 s sweeps vs a 30 s resync) for two
#     scaled hours, halved, so the requests counted are those of one hour of
#     the real intervals (a sweep's request count does not depend on its
#     interval). Counted by each agent
#     (dockward_docker_api_requests_total) and, for the sum, by dockerd's
#     own debug log ("Calling GET" lines). Prints both and their ratio.
#
# IMAGES=K (default 1) spreads the N containers over K distinct images
# (busybox committed with a label each): a sweep inspects each image and
# its history, a resync only the images it has not seen (an image's inspect
# is content-addressed), so the ratio grows with K: about
# 10 x (6 + N + 2K) / (5 + N) at the default intervals.
#
#   bash bench/events.sh [N] [CHANGES]      (root; SCALE=, PACE=, IMAGES= in the environment)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
changes=${2:-100}
scale=${SCALE:-20}
pace=${PACE:-0.5}
images=${IMAGES:-1}

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j2 --target dockward >/dev/null
bin=$PWD/build-bench/dockward

# shellcheck source=tests/e2e_lib.sh
source tests/e2e_lib.sh
# shellcheck source=tests/docker_env.sh
source tests/docker_env.sh
dir=$(mktemp -d /tmp/dockward-bench-events-XXXXXX)
pids=()
cleanup() {
    set +e
    e2e_stop "${pids[@]}"
    docker_env_stop
    rm -rf "$dir"
}
trap cleanup EXIT
echo '{}' >"$dir/daemon.json"
docker_env_start "$dir/docker" --config-file "$dir/daemon.json" --bridge=none --debug >/dev/null
docker_env_import_busybox
dlog="$dir/docker/dockerd.log"

t0=$(e2e_now)
imgs=("$DOCKER_ENV_IMAGE")
for k in $(seq 2 "$images"); do
    dk create --name "img-src-$k" "$DOCKER_ENV_IMAGE" true >/dev/null
    dk commit --change "LABEL dw.bench=$k" "img-src-$k" "dw-bench-img:$k" >/dev/null
    dk rm "img-src-$k" >/dev/null
    imgs+=("dw-bench-img:$k")
done
for i in $(seq 1 "$n"); do
    dk run -d --name "bench-$i" "${imgs[$((i % images))]}" sleep 100000 >/dev/null
done
echo "# $n containers running on $images image(s) after $(e2e_since "$t0") s"

start_agent() { # start_agent NAME ARGS... : sets port
    local name=$1
    shift
    "$bin" --web.listen-address=127.0.0.1:0 --docker.host "unix://$DOCKER_ENV_SOCK" "$@" \
        2>"$dir/$name.log" &
    pids+=($!)
    port=$(e2e_port_of "$dir/$name.log" "$!") || { echo "agent $name did not start"; exit 1; }
    e2e_wait_200 "http://127.0.0.1:$port/readyz" "$!" 600 || true
}
requests() { curl -s "$1" | e2e_metric dockward_docker_api_requests_total 0; }
calls() { grep -c 'Calling GET' "$dlog" || true; }

# ---- 1. detection latency ------------------------------------------------------
start_agent latency
url="http://127.0.0.1:$port/metrics"
: >"$dir/lat"
for i in $(seq 1 "$changes"); do
    if [ $((i % 2)) = 1 ]; then
        dk create --privileged --name "lat-$i" "$DOCKER_ENV_IMAGE" sleep 100000 >/dev/null
        want="dockward_check_failure{check=\"5.5\",target=\"container/lat-$i\"} 1"
    else
        dk run -d --cap-add SYS_ADMIN --name "lat-$i" "$DOCKER_ENV_IMAGE" sleep 100000 >/dev/null
        want="dockward_check_failure{check=\"5.4\",target=\"container/lat-$i\"} 1"
    fi
    t=$(e2e_now)
    seen=""
    while [ -z "$seen" ]; do
        curl -s "$url" | grep -qxF "$want" && seen=$(e2e_now)
        [ -z "$seen" ] && [ "$(awk -v a="$(e2e_now)" -v b="$t" 'BEGIN { print (a - b > 30) }')" = 1 ] &&
            { seen=timeout; break; }
    done
    if [ "$seen" = timeout ]; then
        echo "30" >>"$dir/lat"
        echo "# change $i: not seen within 30 s"
    else
        awk -v a="$seen" -v b="$t" 'BEGIN { printf "%.3f\n", a - b }' >>"$dir/lat"
    fi
    sleep "$pace"
done
quant() { sort -g "$dir/lat" | awk -v q="$1" '{ a[NR] = $1 } END { i = int(q * NR + 0.999999); if (i < 1) i = 1; print a[i] }'; }
echo "# detection latency over $changes changes at $n running containers (scraped every ~10 ms):" \
    "p50 $(quant 0.5) s, p90 $(quant 0.9) s, p99 $(quant 0.99) s, max $(quant 1) s"
curl -s "$url" | grep -E '^dockward_docker_(event_lag_seconds_(sum|count)|resyncs_total|mode)' | sed 's/^/#   /'
e2e_stop "${pids[@]}"
pids=()
# Back to N containers for the load figures.
# shellcheck disable=SC2046
dk rm -f $(dk ps -aq --filter name=lat-) >/dev/null

# ---- 2. API requests per hour with nothing happening -------------------------
sweep_s=$((60 / scale))
resync_s=$((600 / scale))
hour=$((3600 / scale))
# Two scaled hours, halved: a resync lands every 10 m plus the sweep's own
# duration, so one scaled hour holds 5 or 6 of them depending on phase.
window=$((2 * hour))
start_agent sweeps --no-docker.events --collection.interval="${sweep_s}s"
sweeps_url="http://127.0.0.1:$port/metrics"
start_agent events --collection.interval="${sweep_s}s" --docker.resync-interval="${resync_s}s"
events_url="http://127.0.0.1:$port/metrics"
sleep 2
s0=$(requests "$sweeps_url")
e0=$(requests "$events_url")
c0=$(calls)
sleep "$window"
s1=$(requests "$sweeps_url")
e1=$(requests "$events_url")
c1=$(calls)
ds=$(awk -v a="$s1" -v b="$s0" 'BEGIN { printf "%d", (a - b) / 2 }')
de=$(awk -v a="$e1" -v b="$e0" 'BEGIN { printf "%d", (a - b) / 2 }')
echo "# API requests in one hour of the real intervals (${window} s at 1/$scale of them, halved), $n containers:"
echo "#   sweeps every 60 s:            $ds"
echo "#   events, resync every 10 m:    $de"
echo "#   ratio:                        $(awk -v a="$ds" -v b="$de" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')x fewer"
echo "#   dockerd's debug log, both agents together: $(((c1 - c0) / 2)) GET requests an hour (the agents say $((ds + de)))"
curl -s "$events_url" | grep -E '^dockward_docker_(resyncs_total|mode)' | sed 's/^/#   events agent: /'
n_i=$(dk images -q --no-trunc | sort -u | wc -l)
echo "#   one sweep asks 6 + $n + 2 x $n_i = $((6 + n + 2 * n_i)) requests; a resync with the stream open" \
    "$((5 + n)) (the lists, /info and each container's inspect; the stream's /version and /events are counted too)"
# At the real intervals a resync comes every 600 s plus its own duration (~6 an hour); scaled, the
# duration weighs 1/SCALE more, so fewer resyncs land in the window and the measured ratio is higher.
echo "#   at the real intervals (60 sweeps, 6 resyncs an hour): $((60 * (6 + n + 2 * n_i))) vs $((6 * (5 + n))):" \
    "$(awk -v a=$((60 * (6 + n + 2 * n_i))) -v b=$((6 * (5 + n))) 'BEGIN { printf "%.2f", a / b }')x fewer"
