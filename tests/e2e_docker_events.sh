#!/usr/bin/env bash
# e2e_docker_events.sh - real time against a real dockerd (tests/docker_env.sh):
# an agent in events mode (--collection.interval and --docker.resync-interval
# an hour, so nothing but the event stream can bring it up to date) goes
# through a scripted storm of creates, runs, renames, updates, starts, stops,
# kills, removals, network connects, volume mounts and image retags and
# removals; then its /metrics must equal, series for series, those of a
# fresh agent that made one full sweep (--no-docker.events) of the same
# daemon, and it must have made no full sweep but its first. Also: a
# `docker create --privileged` shows as a 5.5 failure within 2 s, the mode,
# event and lag metrics are there and promtool-clean, `dockward check` is
# unchanged by the flags, and a dockerd restart (stream lost) falls back to
# sweeps and comes back to events.
#
# Environment (set by ctest): DOCKWARD_BIN, DOCKWARD_TESTS.
set -euo pipefail

: "${DOCKWARD_BIN:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require curl promtool docker dockerd busybox
export LC_ALL=C
# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"

IMAGE=dw-events-busybox:1
work=$(mktemp -d /tmp/dockward-events-XXXXXX)
pids=()
docker_started=0
cleanup() {
    set +e
    e2e_stop "${pids[@]}"
    [ "$docker_started" = 1 ] && docker_env_stop
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo '{}' >"$work/daemon.json"
docker_started=1
docker_env_start "$work/docker" --config-file "$work/daemon.json" || exit 1
docker_env_import_busybox "$IMAGE"
sock=$DOCKER_ENV_SOCK
common=(--web.listen-address=127.0.0.1:0 --docker.host "unix://$sock"
    --no-collector.file_permissions --no-collector.host --no-collector.group_membership)

# A few containers before the agent starts, so the first sweep has something.
dk run -d --name before-1 "$IMAGE" sleep 1000 >/dev/null
dk create --name before-2 --cap-add SYS_ADMIN "$IMAGE" sleep 1000 >/dev/null

start_agent() { # start_agent LOG ARGS... : sets port
    local log=$1
    shift
    "$DOCKWARD_BIN" "${common[@]}" "$@" 2>"$log" &
    pids+=($!)
    port=$(e2e_port_of "$log" "$!") || { echo "agent did not start:"; cat "$log"; exit 1; }
    e2e_wait_200 "http://127.0.0.1:$port/readyz" "$!" || true
}
start_agent "$work/events.log" --collection.interval=1h --docker.resync-interval=1h
ev_pid=${pids[-1]}
ev="http://127.0.0.1:$port/metrics"
curl -s "$ev" >"$work/ev0.prom"
check "events agent: dockward_docker_mode{mode=\"events\"} 1" \
    grep -qx 'dockward_docker_mode{mode="events"} 1' "$work/ev0.prom"

# ---- one change, timed ------------------------------------------------------
dk create --name priv --privileged "$IMAGE" sleep 1000 >/dev/null
t0=$(e2e_now)
seen=0
for _ in $(seq 1 100); do
    if curl -s "$ev" | grep -qx 'dockward_check_failure{check="5\.5",target="container/priv"} 1'; then
        seen=1
        break
    fi
    sleep 0.02
done
lat=$(e2e_since "$t0")
echo "# docker create --privileged -> 5.5 failing in a scrape: ${lat}s"
check "a privileged container is judged within 2 s of docker create (no sweep due for 1 h)" \
    [ "$seen" = 1 -a "$(awk -v l="$lat" 'BEGIN { print (l < 2) }')" = 1 ]

# ---- the storm ---------------------------------------------------------------
dk network create dw-net >/dev/null
dk volume create dw-vol >/dev/null
for i in 1 2 3 4 5 6; do
    dk run -d --name "s-$i" --restart=on-failure:7 -p "127.0.0.1::80" "$IMAGE" sleep 1000 >/dev/null
done
dk create --name c-user --user 1000 --read-only --memory 64m --pids-limit 50 \
    --security-opt no-new-privileges "$IMAGE" sleep 1000 >/dev/null
dk run -d --name c-net --network host "$IMAGE" sleep 1000 >/dev/null
dk run -d --name c-vol -v dw-vol:/data -v /etc:/host-etc:ro "$IMAGE" sleep 1000 >/dev/null
dk rename s-1 s-1-renamed
dk update --memory 32m --memory-swap 64m s-2 >/dev/null
dk update --restart=always --pids-limit 100 s-3 >/dev/null
dk stop -t 0 s-4 >/dev/null
dk kill s-5 >/dev/null
dk start c-user >/dev/null
dk rm -f s-6 >/dev/null
dk network connect dw-net s-2
dk network disconnect dw-net s-2
dk network connect dw-net s-3
dk tag "$IMAGE" dw-retag:1
dk tag "$IMAGE" dw-retag:2
dk rmi dw-retag:1 >/dev/null
dk run -d --name c-retag dw-retag:2 sleep 1000 >/dev/null
dk create --name short "$IMAGE" true >/dev/null
dk start short >/dev/null
dk rename before-2 before-2-renamed
dk rm -f before-1 >/dev/null
dk pause s-3 >/dev/null
dk unpause s-3 >/dev/null
dk restart -t 0 c-net >/dev/null
dk rm -f priv >/dev/null
dk create --name priv-2 --privileged --pid host "$IMAGE" sleep 1000 >/dev/null
dk update --cpu-shares 512 c-vol >/dev/null
storm_end=$(e2e_now)

# Quiet: every event judged (the lag count stops moving), then 2 s more.
prev=""
for _ in $(seq 1 50); do
    cur=$(curl -s "$ev" | e2e_metric dockward_docker_event_lag_seconds_count 0)
    [ "$cur" = "$prev" ] && break
    prev=$cur
    sleep 0.5
done
sleep 2
curl -s "$ev" >"$work/ev.prom"
echo "# storm judged $(e2e_since "$storm_end") s after its last command;" \
    "$(e2e_metric dockward_docker_event_lag_seconds_count 0 <"$work/ev.prom") events judged"

# ---- a fresh full sweep of the same daemon ----------------------------------
start_agent "$work/sweep.log" --no-docker.events --collection.interval=1h
curl -s "http://127.0.0.1:$port/metrics" >"$work/sweep.prom"
check "sweep agent: dockward_docker_mode{mode=\"sweeps\"} 1" \
    grep -qx 'dockward_docker_mode{mode="sweeps"} 1' "$work/sweep.prom"

# What is judged: every series but timings, process and request/event figures.
judged() {
    grep -v '^#' "$1" | grep -vE \
        '^(process_|dockward_build_info|dockward_docker_|dockward_collector_(duration_seconds|last_run_timestamp_seconds)|dockward_http_)' |
        sort
}
judged "$work/ev.prom" >"$work/ev.judged"
judged "$work/sweep.prom" >"$work/sweep.judged"
if ! diff -u "$work/sweep.judged" "$work/ev.judged" >"$work/diff.txt"; then
    echo "event-updated state differs from a full sweep:"
    head -n 60 "$work/diff.txt"
fi
check "after the storm, the event-updated /metrics equal a fresh full sweep's ($(wc -l <"$work/ev.judged") series)" \
    cmp -s "$work/sweep.judged" "$work/ev.judged"
check "...and they hold the storm (container/priv-2 fails 5.5, container/s-1-renamed is judged)" \
    bash -c "grep -q 'check=\"5.5\",target=\"container/priv-2\"' '$work/ev.judged' &&
             grep -q 'target=\"container/s-1-renamed\"' '$work/ev.judged' &&
             ! grep -q 'target=\"container/priv\"' '$work/ev.judged'"
check "events agent: no full sweep but the first (resyncs start 1, every other reason 0)" \
    bash -c "grep -qx 'dockward_docker_resyncs_total{reason=\"start\"} 1' '$work/ev.prom' &&
             [ \$(grep '^dockward_docker_resyncs_total' '$work/ev.prom' | awk '{ s += \$2 } END { print s }') = 1 ]"
n_cont=$(e2e_metric 'dockward_docker_events_total{type="container"}' 0 <"$work/ev.prom")
n_img=$(e2e_metric 'dockward_docker_events_total{type="image"}' 0 <"$work/ev.prom")
echo "# events received: container $n_cont, image $n_img"
check "events agent: container and image events counted" [ "${n_cont%.*}" -ge 40 -a "${n_img%.*}" -ge 3 ]
check "events agent: promtool check metrics prints nothing" e2e_promtool_clean "$work/ev.prom"
ev_req=$(e2e_metric dockward_docker_api_requests_total 0 <"$work/ev.prom")
sw_req=$(e2e_metric dockward_docker_api_requests_total 0 <"$work/sweep.prom")
echo "# API requests: events agent $ev_req for its first sweep and the whole storm; one full sweep $sw_req"

# ---- dockward check is unchanged --------------------------------------------
"$DOCKWARD_BIN" check --docker.host "unix://$sock" --no-collector.file_permissions \
    --no-collector.host --no-collector.group_membership --format json >"$work/check1.json" || true
"$DOCKWARD_BIN" check --docker.host "unix://$sock" --no-collector.file_permissions \
    --no-collector.host --no-collector.group_membership --format json --docker.resync-interval=1m \
    --no-docker.events >"$work/check2.json" || true
strip() { grep -vE '"(generated_at|duration_seconds|finished_at)"' "$1"; }
check "dockward check: the same answer with or without the events flags" \
    cmp -s <(strip "$work/check1.json") <(strip "$work/check2.json")

# ---- the stream lost: dockerd restarts --------------------------------------
docker_env_stop_daemon
down=0
for _ in $(seq 1 50); do
    curl -s "$ev" >"$work/down.prom"
    grep -qx 'dockward_docker_mode{mode="sweeps"} 1' "$work/down.prom" && { down=1; break; }
    sleep 0.2
done
check "dockerd gone: the agent says mode sweeps" [ "$down" = 1 ]
check "dockerd gone: the log says the stream is down" grep -q 'Docker event stream down' "$work/events.log"
check "dockerd gone: the agent keeps running" kill -0 "$ev_pid"
docker_env_start "$work/docker" --config-file "$work/daemon.json" || exit 1
back=0
t0=$(e2e_now)
for _ in $(seq 1 200); do
    curl -s "$ev" >"$work/back.prom"
    grep -qx 'dockward_docker_mode{mode="events"} 1' "$work/back.prom" && { back=1; break; }
    sleep 0.2
done
echo "# dockerd back: events mode again after $(e2e_since "$t0") s"
check "dockerd back: the stream reconnects by itself (mode events)" [ "$back" = 1 ]
dk create --name after-restart --privileged "$IMAGE" sleep 1000 >/dev/null
seen=0
for _ in $(seq 1 100); do
    curl -s "$ev" | grep -q 'check="5\.5",target="container/after-restart"' && { seen=1; break; }
    sleep 0.05
done
check "dockerd back: a new privileged container is judged from the stream again" [ "$seen" = 1 ]

# SIGTERM with the stream open: the watcher leaves it within about a second.
t0=$(e2e_now)
kill -TERM "$ev_pid"
rc=0
wait "$ev_pid" || rc=$?
took=$(e2e_since "$t0")
check "SIGTERM with the event stream open: exit 0 within 3 s (${took}s)" \
    [ "$rc" = 0 -a "$(awk -v t="$took" 'BEGIN { print (t < 3) }')" = 1 ]

e2e_summary || { echo "events agent log:"; tail -n 30 "$work/events.log"; exit 1; }
