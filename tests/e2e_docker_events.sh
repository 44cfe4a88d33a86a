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
# Two more cases on the same daemon:
#   - replay from `since`: an agent reaches dockerd through
#     tests/docker_cut_proxy.py, which cuts its event stream (and only that);
#     changes made while it is cut arrive, after the reconnect, as events
#     dockerd replays (dockward_docker_events_replayed_total) and the state
#     equals a full sweep's, with no full sweep but the fallback made before
#     the changes (resync interval 1 h);
#   - rate limits: a burst of changes for BURST_S seconds (default 20: a
#     container in a restart loop, three paused and unpaused in loops) with
#     --push.url to a real dockward-store: judgements stay within a burst of
#     20 plus 2 a second (dockward_docker_judgements_total) and reports
#     within 5 plus one per 5 s (dockward_report_sequence), although the
#     stream brings more changes than that.
# Last, what a resync asks when nothing changed: the container list and
# inspects, /info, the image, network and volume lists; no /version while
# the stream stayed open, and no image inspect or history (content-addressed).
#
# Environment (set by ctest): DOCKWARD_BIN, DOCKWARD_TESTS.
set -euo pipefail

: "${DOCKWARD_BIN:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require curl promtool docker dockerd busybox python3
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
common=(--web.listen-address=127.0.0.1:0
    --no-collector.file_permissions --no-collector.host --no-collector.group_membership)
agent_host="unix://$sock" # where start_agent points the agent

# A few containers before the agent starts, so the first sweep has something.
dk run -d --name before-1 "$IMAGE" sleep 1000 >/dev/null
dk create --name before-2 --cap-add SYS_ADMIN "$IMAGE" sleep 1000 >/dev/null

start_agent() { # start_agent LOG ARGS... : sets port
    local log=$1
    shift
    "$DOCKWARD_BIN" "${common[@]}" --docker.host "$agent_host" "$@" 2>"$log" &
    pids+=($!)
    port=$(e2e_port_of "$log" "$!") || { echo "agent did not start:"; cat "$log"; exit 1; }
    e2e_wait_200 "http://127.0.0.1:$port/readyz" "$!" || true
}
# Waits until every event the agent at URL received is judged (its lag count stops moving), then 1 s.
wait_judged() { # wait_judged URL
    local _ cur prev=""
    for _ in $(seq 1 50); do
        cur=$(curl -s "$1" | e2e_metric dockward_docker_event_lag_seconds_count 0)
        [ "$cur" = "$prev" ] && break
        prev=$cur
        sleep 0.5
    done
    sleep 1
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

wait_judged "$ev"
sleep 1
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

# Waits (up to 20 s) until the scrape of URL has the line LINE. Returns 1 if it never did.
wait_line() { # wait_line URL LINE
    local _
    for _ in $(seq 1 100); do
        curl -s "$1" | grep -qxF "$2" && return 0
        sleep 0.2
    done
    return 1
}
# The sum of every sample of FAMILY in the scrape of URL.
family_sum() { curl -s "$1" | awk -v f="$2" '$1 == f || index($1, f "{") == 1 { s += $2 } END { printf "%.0f\n", s }'; }
# Waits (up to 20 s) until SERIES in the scrape of URL is at least N. Returns 1 if it never was.
wait_ge() { # wait_ge URL SERIES N
    local _
    for _ in $(seq 1 100); do
        [ "$(curl -s "$1" | e2e_metric "$2" 0 | awk -v n="$3" '{ print ($1 >= n) }')" = 1 ] && return 0
        sleep 0.2
    done
    return 1
}

# ---- replay from `since` after a reconnect ----------------------------------
proxy_sock="$work/proxy.sock"
cut="$work/cut"
python3 "$DOCKWARD_TESTS/docker_cut_proxy.py" "$proxy_sock" "$sock" "$cut" 2>"$work/proxy.log" &
pids+=($!)
for _ in $(seq 1 50); do [ -S "$proxy_sock" ] && break; sleep 0.1; done
agent_host="unix://$proxy_sock"
start_agent "$work/replay.log" --collection.interval=1h --docker.resync-interval=1h
rp="http://127.0.0.1:$port/metrics"
check "replay agent (through the proxy): mode events" wait_line "$rp" 'dockward_docker_mode{mode="events"} 1'
touch "$cut"
check "stream cut: mode sweeps" wait_line "$rp" 'dockward_docker_mode{mode="sweeps"} 1'
check "stream cut: one fallback sweep, made before any change below" \
    wait_line "$rp" 'dockward_docker_resyncs_total{reason="fallback"} 1'
sleep 0.5
dk create --name cut-priv --privileged "$IMAGE" sleep 1000 >/dev/null
dk rename s-2 s-2-cut
dk rm -f c-user >/dev/null
dk update --pids-limit 10 s-3 >/dev/null
dk network disconnect dw-net s-3
dk tag "$IMAGE" dw-cut:1
dk create --name cut-retag --cap-add SYS_ADMIN dw-cut:1 sleep 1000 >/dev/null
curl -s "$rp" >"$work/cut.prom"
check "stream cut: the changes are not seen (no sweep due for 1 h)" \
    bash -c "! grep -q 'target=\"container/cut-priv\"' '$work/cut.prom' &&
             grep -q 'target=\"container/c-user\"' '$work/cut.prom'"
# The agent tries again (backoff 1 s, doubling) and is refused: its stream comes back only after
# every change above, so only a replay from `since` can bring them.
refused() { local _; for _ in $(seq 1 100); do grep -q refused "$work/proxy.log" && return 0; sleep 0.2; done; return 1; }
check "stream cut: the proxy refused the agent's next stream, after the changes" refused
rm -f "$cut"
t0=$(e2e_now)
check "stream back: mode events" wait_line "$rp" 'dockward_docker_mode{mode="events"} 1'
check "stream back: the privileged container made while it was cut is judged" \
    wait_line "$rp" 'dockward_check_failure{check="5.5",target="container/cut-priv"} 1'
echo "# stream back and the cut's changes judged $(e2e_since "$t0") s after the cut ended"
wait_judged "$rp"
curl -s "$rp" >"$work/replay.prom"
replayed=$(e2e_metric dockward_docker_events_replayed_total 0 <"$work/replay.prom")
echo "# events dockerd replayed from \`since\` after the reconnect: $replayed"
check "stream back: dockerd replayed the cut's events from \`since\` (at least 7)" [ "${replayed%.*}" -ge 7 ]
check "stream back: no full sweep but the start and the fallback before the changes" \
    bash -c "grep -qx 'dockward_docker_resyncs_total{reason=\"start\"} 1' '$work/replay.prom' &&
             grep -qx 'dockward_docker_resyncs_total{reason=\"fallback\"} 1' '$work/replay.prom' &&
             [ \$(grep '^dockward_docker_resyncs_total' '$work/replay.prom' | awk '{ s += \$2 } END { print s }') = 2 ]"
# The full sweep through the same proxy (dockerd's configuration is found by its socket).
start_agent "$work/sweep2.log" --no-docker.events --collection.interval=1h
curl -s "http://127.0.0.1:$port/metrics" >"$work/sweep2.prom"
judged "$work/replay.prom" >"$work/replay.judged"
judged "$work/sweep2.prom" >"$work/sweep2.judged"
diff -u "$work/sweep2.judged" "$work/replay.judged" >"$work/diff2.txt" ||
    { echo "replayed state differs from a full sweep:"; head -n 40 "$work/diff2.txt"; }
check "stream back: the replayed state equals a fresh full sweep's ($(wc -l <"$work/replay.judged") series)" \
    cmp -s "$work/sweep2.judged" "$work/replay.judged"
agent_host="unix://$sock"

# ---- a burst of changes: judgements and reports within their limits --------
BURST_S=${BURST_S:-20}
token=$(e2e_random_hex 24)
printf 'e2e %s\n' "$token" >"$work/tokens"
printf '%s\n' "$token" >"$work/token"
chmod 600 "$work/tokens" "$work/token"
db="$work/store.db"
e2e_store_start store
e2e_wait_200 "$base/healthz" "$pid" || { echo "store did not start:"; tail -n 20 "$work/store.log"; exit 1; }
start_agent "$work/burst.log" --collection.interval=1h --docker.resync-interval=1h \
    --push.url="$base/api/v1/reports" --push.token-file="$work/token" --storage.path="$work/outbox"
bu="http://127.0.0.1:$port/metrics"
# (The agent's push figures are those of its last publication; the store's are current.)
check "burst agent: its first report is stored" \
    wait_ge "$base/metrics" 'dockward_store_ingest_total{result="stored"}' 1
sleep 6 # the report bucket full again (5, one every 5 s)
t0=$(e2e_now) # before the counters: the window the limits are checked over includes their reads
j0=$(family_sum "$bu" dockward_docker_judgements_total)
q0=$(family_sum "$bu" dockward_report_sequence)
s0=$(family_sum "$base/metrics" 'dockward_store_ingest_total{result="stored"}')
e0=$(family_sum "$bu" dockward_docker_events_total)
dk run -d --name loop --restart=always "$IMAGE" sh -c 'exit 1' >/dev/null
# Three containers paused and unpaused in a loop each, at once: a few hundred events.
end=$(e2e_deadline "$BURST_S" "$t0")
flappers=()
for f in 1 2 3; do
    dk run -d --name "flap-$f" "$IMAGE" sleep 1000 >/dev/null
    (until e2e_past "$end"; do
        dk pause "flap-$f" >/dev/null
        dk unpause "flap-$f" >/dev/null
    done) &
    flappers+=($!)
done
wait "${flappers[@]}"
dk rm -f loop >/dev/null
sleep 1
took=$(e2e_since "$t0")
j=$(($(family_sum "$bu" dockward_docker_judgements_total) - j0))
q=$(($(family_sum "$bu" dockward_report_sequence) - q0))
ev_n=$(($(family_sum "$bu" dockward_docker_events_total) - e0))
j_max=$(awk -v t="$took" 'BEGIN { printf "%d", 20 + 2 * t + 1 }')
q_max=$(awk -v t="$took" 'BEGIN { printf "%d", 5 + t / 5 + 1 }')
echo "# burst of ${took} s: $ev_n events, $j judgements (limit $j_max), $q reports queued (limit $q_max)"
check "burst: the stream brought more changes than the judgement limit ($ev_n > $j_max)" [ "$ev_n" -gt "$j_max" ]
check "burst: judgements within a burst of 20 plus 2 a second ($j <= $j_max)" [ "$j" -le "$j_max" ]
check "burst: reports within 5 plus one per 5 s ($q <= $q_max)" [ "$q" -le "$q_max" -a "$q" -ge 2 ]
stored=$((s0 + q))
check "burst: the store stored every report queued ($stored)" \
    wait_ge "$base/metrics" 'dockward_store_ingest_total{result="stored"}' "$stored"

# ---- what a resync asks when nothing changes ---------------------------------
start_agent "$work/resync.log" --collection.interval=1h --docker.resync-interval=10s
rs="http://127.0.0.1:$port/metrics"
check "resync agent: mode events" wait_line "$rs" 'dockward_docker_mode{mode="events"} 1'
# Between the first and second resync on the interval: both made with the stream open.
check "resync agent: a resync on the interval" \
    wait_line "$rs" 'dockward_docker_resyncs_total{reason="interval"} 1'
r0=$(family_sum "$rs" dockward_docker_api_requests_total)
check "resync agent: a second one" wait_line "$rs" 'dockward_docker_resyncs_total{reason="interval"} 2'
r1=$(family_sum "$rs" dockward_docker_api_requests_total)
n_c=$(dk ps -aq | wc -l)
n_i=$(dk images -q --no-trunc | sort -u | wc -l)
echo "# one resync asked $((r1 - r0)) requests ($n_c containers, $n_i images; a sweep asks $((n_c + 6 + 2 * n_i)))"
check "resync: the lists, /info and each container's inspect, nothing else ($((r1 - r0)) = $n_c + 5)" \
    [ "$((r1 - r0))" = "$((n_c + 5))" ]

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
