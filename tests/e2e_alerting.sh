#!/usr/bin/env bash
# e2e_alerting.sh - the dashboards and rules against real servers: a private
# dockerd, the dockward agent (--collection.interval=2s), dockward-store when
# it is built, Prometheus (Debian's `prometheus`, scraping every 1s and
# evaluating dashboards/rules/*.yml every 1s, unchanged) and Alertmanager
# (Debian's `prometheus-alertmanager`) delivering to tests/webhook_receiver,
# all on 127.0.0.1 with their own temporary directories and free ports, and
# stopped by pid.
#
#  1. Prometheus loaded every rule of recording.yml and alerts.yml, each alert
#     with its severity, annotations and for:, and evaluates them without error.
#  2. After a few scrapes, every expression of every panel of host.json and
#     fleet.json returns data through /api/v1/query (Grafana variables
#     substituted: $job/$instance = the agent's (host.json) or the store's
#     (fleet.json) job and address, $agent_job = dockward, $__rate_interval =
#     10s, $__range = 1m, $__interval = 2s). Without dockward-store, the
#     fleet panels that need it are skipped (and said so); without push
#     support in the agent, the push panels are.
#  3. A fresh agent pages nothing: its failures since the first scrape are a
#     baseline (no DockwardCheckRegressed pending or firing, no page).
#  4. `docker create --privileged` (created is enough): DockwardCheckRegressed
#     and DockwardPrivilegedContainer fire for check 5.5 on container/<name>,
#     Alertmanager delivers both to the webhook with the check id, target,
#     instance and job in their labels. The seconds from creating the
#     container to the page are printed, with the intervals. With the store:
#     DockwardFleetRegressions pages too, for a check the new container fails.
#  5. The container removed: both alerts resolve and Alertmanager sends the
#     resolved notifications (send_resolved), after keep_firing_for (1m).
#
# Waivers (--waivers.file, dates written relative to now): "mem-future"
# (live for 30 more days) and "priv-past" (expired yesterday) over the same
# containers, container/dw-alert-*. 5.11 (no memory limit), which both
# containers fail, is waived: `waived` in the agent's metrics, in
# `dockward check` (text and JSON), in the store's API and its fleet
# metrics, and no regression page for it; 5.5 of the privileged container
# is not waived (the waiver expired), so step 4's page is that of an
# expired waiver. A bad waivers file on SIGHUP keeps the old set and sets
# dockward_waivers_last_reload_successful to 0.
#
# Environment (set by ctest): DOCKWARD_BIN, DOCKWARD_TESTS, MKFIXTURE (the
# webhook receiver is built next to it; WEBHOOK_RECEIVER overrides),
# DOCKWARD_STORE_BIN (may be empty: the store part is then skipped).
# E2E_AGENT_ARGS adds agent flags (bench/alerting.sh compares sweeps and events).
# E2E_SAVE_DIR=DIR keeps the configs, logs and the webhook's file.
set -euo pipefail

: "${DOCKWARD_BIN:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require curl jq docker dockerd busybox prometheus prometheus-alertmanager
receiver=${WEBHOOK_RECEIVER:-$(dirname "${MKFIXTURE:?}")/webhook_receiver}
[ -x "$receiver" ] || { echo "webhook_receiver not built ($receiver)"; exit 1; }
store_bin=${DOCKWARD_STORE_BIN:-}
[ -n "$store_bin" ] && [ ! -x "$store_bin" ] && store_bin=""
export LC_ALL=C
# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"

root=$(cd "$DOCKWARD_TESTS/.." && pwd)
IMAGE=dw-alert-busybox:1
PRIV=dw-alert-priv
# E2E_COLLECTION_INTERVAL (seconds, "60s"): bench/alerting.sh times the page at the default too.
COLLECTION_INTERVAL=${E2E_COLLECTION_INTERVAL:-2s}
ci_s=${COLLECTION_INTERVAL%s}
SCRAPE_INTERVAL=1s
EVAL_INTERVAL=1s

work=$(mktemp -d /tmp/dockward-alert-XXXXXX)
pids=()           # every process this test started (but dockerd), stopped by pid
docker_started=0
cleanup() {
    set +e
    e2e_stop "${pids[@]}"
    [ "$docker_started" = 1 ] && docker_env_stop
    if [ -n "${E2E_SAVE_DIR:-}" ]; then
        mkdir -p "$E2E_SAVE_DIR" && cp "$work"/*.yml "$work"/*.log "$work"/webhook.txt "$E2E_SAVE_DIR"/ 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

jqt() { jq -e "$@" >/dev/null; } # jq as a condition
fatal() {
    echo "FAIL - $*"
    local l
    for l in "$work"/*.log; do
        echo "---- tail of ${l##*/}"
        tail -n 15 "$l"
    done
    exit 1
}
t_start=$(e2e_now)

# A port nobody listens on now (connect refused); the caller retries if
# another process takes it first.
free_port() {
    local p _
    for _ in $(seq 1 100); do
        p=$((30000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
# start_on_free_port NAME READY-PATH TRIES LOG CMD...: starts CMD in the
# background, its output appended to LOG, with a free port of 127.0.0.1 in
# place of @PORT@ in its arguments, until http://127.0.0.1:PORT/READY-PATH
# answers 200 (e2e_wait_200 with TRIES); 3 ports at most (another process may
# take one first). Sets server_port, or stops the test naming NAME.
start_on_free_port() {
    local name=$1 path=$2 tries=$3 log=$4 _ pid
    shift 4
    for _ in 1 2 3; do
        server_port=$(free_port)
        "${@//@PORT@/$server_port}" >>"$log" 2>&1 &
        pid=$!
        pids+=("$pid")
        e2e_wait_200 "http://127.0.0.1:$server_port$path" "$pid" "$tries" && return 0
    done
    fatal "$name did not start"
}
# prom_query PROMQL: the JSON answer of an instant query.
prom_query() {
    curl -s --max-time 5 --get --data-urlencode "query=$1" "http://127.0.0.1:$prom_port/api/v1/query"
}
# prom_count PROMQL: how many series the query returns (0 on any error).
prom_count() {
    prom_query "$1" | jq -r 'if .status == "success" then (.data.result | length) else 0 end' 2>/dev/null || echo 0
}
# webhook_alerts: every alert of every delivered notification, one JSON per line,
# with the receive time: {"at": <unix s>, "status", "labels", ...}.
webhook_alerts() {
    [ -s "$work/webhook.txt" ] || return 0
    while IFS=$'\t' read -r at body; do
        jq -c --argjson at "$at" '.alerts[] | {at: $at, status, labels, annotations}' <<<"$body"
    done <"$work/webhook.txt"
}
# first_page STATUS JQ-CONDITION: the receive time of the first alert with that
# status matching the condition (on .labels), or nothing.
first_page() {
    webhook_alerts | jq -r --arg st "$1" "select(.status == \$st and ($2)) | .at" | sort -n | head -n 1
}
# await_pages [--each CMD] SECONDS FROM STATUS VAR COND [VAR COND]...: every
# 0.25 s until SECONDS after FROM (e2e_deadline), runs CMD (if given), then
# sets each VAR still empty to first_page STATUS COND; returns once every VAR
# is set, or at the deadline (the caller checks the VARs).
await_pages() {
    local each="" deadline st i var missing
    if [ "$1" = --each ]; then
        each=$2
        shift 2
    fi
    deadline=$(e2e_deadline "$1" "$2")
    st=$3
    shift 3
    while ! e2e_past "$deadline"; do
        [ -n "$each" ] && "$each"
        missing=0
        for ((i = 1; i < $#; i += 2)); do
            var=${!i}
            [ -z "${!var}" ] && printf -v "$var" '%s' "$(first_page "$st" "${@:i+1:1}")"
            [ -z "${!var}" ] && missing=1
        done
        [ "$missing" = 0 ] && return 0
        sleep 0.25
    done
    return 0
}

# ---- the private dockerd, one ordinary container -----------------------------

echo '{}' >"$work/daemon.json"
docker_started=1
docker_env_start "$work/docker" --config-file "$work/daemon.json" || fatal "dockerd did not start"
docker_env_import_busybox "$IMAGE"
# An unprivileged container from the start: image ages have data, and its
# failures (root user, no limits, ...) are the baseline that must not page.
dk create --name dw-alert-web "$IMAGE" sleep 1000 >/dev/null

# ---- webhook receiver ------------------------------------------------------------

"$receiver" "$work/webhook.txt" "$work/webhook.port" 2>"$work/webhook.log" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/webhook.port" ] && break; sleep 0.1; done
hook_port=$(cat "$work/webhook.port" 2>/dev/null) || fatal "the webhook receiver did not start"

# ---- dockward-store (when built) and the agent ------------------------------------

token=e2e-alerting-token-0123456789abcdef
printf '%s\n' "$token" >"$work/agent.token"
chmod 600 "$work/agent.token"
reader_token=e2e-alerting-reader-0123456789abcdef
future=$(date -u -d '+30 days' +%F)
past=$(date -u -d '-1 day' +%F)
write_waivers() {
    cat >"$work/waivers.yml" <<EOF
waivers:
  - id: mem-future
    checks: ["5.11"]
    targets: ["container/dw-alert-*"]
    reason: the e2e containers run without a memory limit on purpose
    owner: e2e
    expires: $future
    ticket: https://tracker.example/E2E-1
  - id: priv-past
    checks: ["5.5"]
    targets: ["container/dw-alert-*"]
    reason: accepted once, not any more
    owner: e2e
    expires: $past
EOF
}
write_waivers
store_port=""
if [ -n "$store_bin" ]; then
    printf 'e2e %s\nreader %s role=reader\n' "$token" "$reader_token" >"$work/store.tokens"
    chmod 600 "$work/store.tokens"
    start_on_free_port dockward-store /metrics 300 "$work/store.log" \
        "$store_bin" --web.listen-address=127.0.0.1:@PORT@ --storage.path="$work/store.db" \
        --auth.tokens-file="$work/store.tokens" --metrics.refresh-interval=1s \
        --host.stale-after=1m
    store_port=$server_port
    push_url="http://127.0.0.1:$store_port/api/v1/reports"
else
    # No store: push to a port nobody listens on, so the push metrics exist
    # (and count retries) for the host dashboard's push panels.
    push_url="http://127.0.0.1:$(free_port)/api/v1/reports"
fi
agent_push=0
if "$DOCKWARD_BIN" --help 2>&1 | grep -q -- '--push.url'; then
    agent_push=1
fi
agent_args=(--web.listen-address=127.0.0.1:0 --collection.interval="$COLLECTION_INTERVAL"
    --docker.host="unix://$DOCKER_ENV_SOCK" --log.level=info --waivers.file="$work/waivers.yml")
# E2E_AGENT_ARGS: more agent flags, split on spaces (bench/alerting.sh: --no-docker.events).
read -r -a extra_args <<<"${E2E_AGENT_ARGS:-}"
agent_args+=("${extra_args[@]}")
if [ "$agent_push" = 1 ]; then
    agent_args+=(--push.url="$push_url" --push.token-file="$work/agent.token" --storage.path="$work/agent-state")
fi
"$DOCKWARD_BIN" "${agent_args[@]}" >>"$work/agent.log" 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
agent_port=$(e2e_port_of "$work/agent.log" "$agent_pid") || fatal "the agent did not start"
agent_addr="127.0.0.1:$agent_port"
e2e_wait_200 "http://$agent_addr/readyz" "$agent_pid" 300 || fatal "the agent did not become ready"

# ---- Alertmanager ------------------------------------------------------------------

cat >"$work/alertmanager.yml" <<EOF
route:
  receiver: webhook
  group_by: ['...']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: http://127.0.0.1:$hook_port/alerts
        send_resolved: true
EOF
start_on_free_port Alertmanager /-/ready 300 "$work/alertmanager.log" \
    prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am-data" \
    --web.listen-address=127.0.0.1:@PORT@ --cluster.listen-address= --log.level=warn
am_port=$server_port

# ---- Prometheus -----------------------------------------------------------------------

write_prometheus_config() {
    cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: $SCRAPE_INTERVAL
  scrape_timeout: $SCRAPE_INTERVAL
  evaluation_interval: $EVAL_INTERVAL
rule_files:
  - $root/dashboards/rules/recording.yml
  - $root/dashboards/rules/alerts.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$am_port']
scrape_configs:
  - job_name: dockward
    static_configs:
      - targets: ['$agent_addr']
EOF
    if [ -n "$store_port" ]; then
        cat >>"$work/prometheus.yml" <<EOF
  - job_name: dockward-store
    static_configs:
      - targets: ['127.0.0.1:$store_port']
EOF
    fi
}
write_prometheus_config
start_on_free_port Prometheus /-/ready 400 "$work/prometheus.log" \
    prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
    --web.listen-address=127.0.0.1:@PORT@ --log.level=warn
prom_port=$server_port
echo "# servers up after $(e2e_secs "$t_start" "$(e2e_now)")s: agent $agent_addr, store ${store_port:-(not built)}," \
    "Prometheus :$prom_port, Alertmanager :$am_port, webhook :$hook_port"

# ---- 1. the rules as Prometheus loaded them ------------------------------------------------

# Wait for a few scrapes of every target and a few evaluations.
ready=0
for _ in $(seq 1 300); do
    n=$(prom_query 'min(count_over_time(up[1m])) >= 5 and min(up) == 1' | jq -r '.data.result | length' 2>/dev/null || echo 0)
    if [ "$n" = 1 ] && [ "$(prom_count 'dockward_check_info{job="dockward"}')" -gt 0 ]; then
        ready=1
        break
    fi
    sleep 0.1
done
[ "$ready" = 1 ] || fatal "Prometheus did not scrape the targets 5 times"
sleep 2 # two more evaluations of every group
curl -s "http://127.0.0.1:$prom_port/api/v1/rules" >"$work/rules.json"
n_alerts=$(grep -cE '^ *- alert:' "$root/dashboards/rules/alerts.yml")
n_records=$(grep -cE '^ *- record:' "$root/dashboards/rules/recording.yml")
check "Prometheus loaded $n_alerts alerts and $n_records recording rules" \
    jqt --argjson a "$n_alerts" --argjson r "$n_records" \
    '[.data.groups[].rules[] | .type] | (map(select(. == "alerting")) | length) == $a
       and (map(select(. == "recording")) | length) == $r' "$work/rules.json"
check "every alert has a severity, summary, description, runbook_url and a for: duration" \
    jqt '[.data.groups[].rules[] | select(.type == "alerting")
            | select((.labels.severity // "") == "" or (.annotations.summary // "") == ""
                     or (.annotations.description // "") == "" or (.annotations.runbook_url // "") == ""
                     or (.duration // 0) <= 0)] | length == 0' "$work/rules.json"
check "every rule evaluates without error (health ok)" \
    jqt '[.data.groups[].rules[] | select(.health != "ok")] | length == 0' "$work/rules.json"
jq -r '.data.groups[].rules[] | select(.health != "ok") | "       \(.name): \(.lastError)"' "$work/rules.json"

# ---- 2. every dashboard expression returns data -----------------------------------------------

# dash_exprs FILE: "<panel title>\t<refId>\t<expr with variables substituted>" per query,
# newlines in the expression turned into spaces.
dash_exprs() {
    jq -r --arg job "$2" --arg inst "$3" '
        [.panels[] | select(.type != "row")] | .[] | .title as $t | .targets[] |
        [$t, .refId, (.expr | gsub("\n"; " ") | gsub("\\$__rate_interval"; "10s")
                      | gsub("\\$__range"; "1m") | gsub("\\$__interval"; "2s")
                      | gsub("\\$agent_job"; "dockward") | gsub("\\$job"; $job)
                      | gsub("\\$instance"; $inst))] | @tsv' "$1"
}
: >"$work/empty-exprs"
check_dashboard() { # check_dashboard NAME JOB INSTANCE
    local name=$1 total=0 bad=0 skipped=0 title ref expr answer
    while IFS=$'\t' read -r title ref expr; do
        if [ "$name" = fleet ] && [ -z "$store_port" ] &&
            grep -qE 'dockward_fleet|dockward_store|instance:dockward|up\{job=~"dockward-store"' <<<"$expr"; then
            skipped=$((skipped + 1))
            continue
        fi
        if [ "$agent_push" = 0 ] && grep -qE 'dockward_report_|dockward_outbox_' <<<"$expr"; then
            skipped=$((skipped + 1))
            continue
        fi
        total=$((total + 1))
        answer=$(prom_query "$expr")
        if ! jq -e '.status == "success"' >/dev/null 2>&1 <<<"$answer"; then
            echo "       $name.json \"$title\" $ref: query error: $(jq -r '.error // .' <<<"$answer" 2>/dev/null | head -c 300)"
            bad=$((bad + 1))
        elif jq -e '.data.result | length == 0' >/dev/null <<<"$answer"; then
            printf '%s\t%s\t%s\t%s\n' "$name" "$title" "$ref" "$expr" >>"$work/empty-exprs"
        fi
    done < <(dash_exprs "$root/dashboards/grafana/$name.json" "$2" "$3")
    echo "# $name.json: $total expressions queried, $skipped skipped$([ "$skipped" -gt 0 ] && echo " (no dockward-store or no push support in this agent)")"
    [ "$bad" -eq 0 ]
}
check "host.json: every expression is valid PromQL" check_dashboard host dockward "$agent_addr"
check "fleet.json: every expression is valid PromQL" check_dashboard fleet dockward-store "127.0.0.1:${store_port:-0}"
if [ -s "$work/empty-exprs" ]; then
    echo "# returned no data yet (asked again after the page):"
    cut -f1-3 "$work/empty-exprs" | sed 's/^/#   /'
fi

# ---- 3. a fresh agent pages nothing ---------------------------------------------------------------

check "no DockwardCheckRegressed pending or firing for the baseline failures" \
    test "$(prom_count 'ALERTS{alertname="DockwardCheckRegressed"}')" -eq 0
check "no DockwardPrivilegedContainer for an unprivileged container" \
    test "$(prom_count 'ALERTS{alertname="DockwardPrivilegedContainer"}')" -eq 0
check "the webhook received no page yet" test -z "$(webhook_alerts | jq -r 'select(.labels.alertname == "DockwardCheckRegressed" or .labels.alertname == "DockwardPrivilegedContainer") | .at')"

# ---- 4. a privileged container pages ------------------------------------------------------------

regressed="(.labels.alertname == \"DockwardCheckRegressed\" and .labels.check == \"5.5\"
    and .labels.target == \"container/$PRIV\" and .labels.instance == \"$agent_addr\"
    and .labels.job == \"dockward\" and .labels.severity == \"warning\")"
privileged="(.labels.alertname == \"DockwardPrivilegedContainer\" and .labels.check == \"5.5\"
    and .labels.target == \"container/$PRIV\" and .labels.instance == \"$agent_addr\"
    and .labels.severity == \"critical\")"

t_create=$(e2e_now)
dk create --privileged --name "$PRIV" "$IMAGE" sleep 1000 >/dev/null
t_created=$(e2e_now)
t_seen="" t_pending="" t_firing="" t_page="" t_page_priv=""
# When Prometheus first shows the failure, the alert pending, then firing.
note_alert_states() {
    if [ -z "$t_seen" ] && [ "$(prom_count "dockward_check_failure{check=\"5.5\",target=\"container/$PRIV\"}")" -gt 0 ]; then
        t_seen=$(e2e_now)
    fi
    if [ -z "$t_pending" ] && [ "$(prom_count "ALERTS{alertname=\"DockwardCheckRegressed\",check=\"5.5\",target=\"container/$PRIV\"}")" -gt 0 ]; then
        t_pending=$(e2e_now)
    fi
    if [ -z "$t_firing" ] && [ "$(prom_count "ALERTS{alertname=\"DockwardCheckRegressed\",check=\"5.5\",target=\"container/$PRIV\",alertstate=\"firing\"}")" -gt 0 ]; then
        t_firing=$(e2e_now)
    fi
}
await_pages --each note_alert_states $((90 + ci_s)) "$t_create" firing \
    t_page "$regressed" t_page_priv "$privileged"
check "DockwardCheckRegressed paged: check 5.5, target container/$PRIV, instance $agent_addr, job dockward" test -n "$t_page"
check "DockwardPrivilegedContainer paged: check 5.5, container/$PRIV, severity critical" test -n "$t_page_priv"
check "the page has its runbook_url" test -n "$(webhook_alerts | jq -r "select($regressed) | .annotations.runbook_url | select(. == \"https://github.com/dockward/dockward/blob/main/docs/dashboards.md#alert-dockwardcheckregressed\")" | head -n 1)"
check "no regression page for the baseline container dw-alert-web" \
    test -z "$(webhook_alerts | jq -r 'select(.labels.alertname == "DockwardCheckRegressed" and .labels.target == "container/dw-alert-web") | .at')"

if [ -n "$store_port" ]; then
    # The store counts the new container's failures as regressions; at least
    # one of the checks it fails pages (5.5 itself needs the store to export
    # a check's counter before its first regression, or Prometheus to have
    # scraped the store for 10 minutes: see the alert's comment).
    priv_checks=$(prom_query "dockward_check_failure{target=\"container/$PRIV\"}" | jq -c '[.data.result[].metric.check]')
    fleet_cond="(.labels.alertname == \"DockwardFleetRegressions\" and .labels.job == \"dockward-store\"
        and (.labels.check as \$c | $priv_checks | index(\$c) != null))"
    t_fleet=""
    await_pages $((90 + ci_s)) "$t_create" firing t_fleet "$fleet_cond"
    check "DockwardFleetRegressions paged for a check that container/$PRIV fails ($(webhook_alerts | jq -r "select($fleet_cond) | .labels.check" | sort -u | tr '\n' ' '))" \
        test -n "$t_fleet"
fi

# ---- waivers: the live one waives, the expired one does not -------------------------------------

# (The page above is for 5.5 of container/$PRIV, which priv-past named: it expired yesterday.)
agent_q="job=\"dockward\""
check "waivers: 5.11 waived on both containers (dockward_check_waived_targets{check=\"5.11\"} 2)" \
    test "$(prom_count "dockward_check_waived_targets{$agent_q,check=\"5.11\"} == 2")" -eq 1
check "waivers: no failure series for 5.11, one for 5.5 of container/$PRIV" \
    test "$(prom_count "dockward_check_failure{check=\"5.11\"}")" -eq 0 -a \
    "$(prom_count "dockward_check_failure{check=\"5.5\",target=\"container/$PRIV\"}")" -eq 1
check "waivers: dockward_results{status=\"waived\"} >= 2" \
    test "$(prom_count "dockward_results{$agent_q,status=\"waived\"} >= 2")" -eq 1
check "waivers: mem-future matched 2, priv-past (expired) 0, each with its expiry" \
    test "$(prom_count "dockward_waiver_matched_targets{waiver=\"mem-future\"} == 2")" -eq 1 -a \
    "$(prom_count "dockward_waiver_matched_targets{waiver=\"priv-past\"} == 0")" -eq 1 -a \
    "$(prom_count "dockward_waiver_expiry_timestamp_seconds{waiver=\"priv-past\"} < time()")" -eq 1 -a \
    "$(prom_count "dockward_waiver_expiry_timestamp_seconds{waiver=\"mem-future\"} > time() + 29 * 86400")" -eq 1
check "waivers: no DockwardCheckRegressed for the waived 5.11" \
    test "$(prom_count 'ALERTS{alertname="DockwardCheckRegressed",check="5.11"}')" -eq 0

# dockward check sees the same (text and JSON); waived stays out of the exit code.
check_args=(--docker.host="unix://$DOCKER_ENV_SOCK" --waivers.file="$work/waivers.yml"
    --collector.disable-defaults --collector.container_runtime)
"$DOCKWARD_BIN" check "${check_args[@]}" --format=json >"$work/check.json" 2>"$work/check.log" || true
"$DOCKWARD_BIN" check "${check_args[@]}" >"$work/check.txt" 2>>"$work/check.log" || true
check "dockward check --format=json: 5.11 of container/$PRIV waived by mem-future, judged fail" \
    jqt --arg t "container/$PRIV" '.results[] | select(.check == "5.11" and .target == $t)
        | .status == "waived" and .waiver == "mem-future" and .judged == "fail"
          and (.evidence | test("waived by mem-future until "))' "$work/check.json"
check "dockward check --format=json: 5.5 of container/$PRIV fails (priv-past expired)" \
    jqt --arg t "container/$PRIV" '.results[] | select(.check == "5.5" and .target == $t) | .status == "fail"' "$work/check.json"
check "dockward check --format=json: summary.waived >= 2, exit code 1 for the failures" \
    jqt '.summary.waived >= 2 and .summary.exit_code == 1' "$work/check.json"
check "dockward check text: a [WAIVED] line naming the waiver and its expiry" \
    grep -q "^\[WAIVED\] 5.11 container/$PRIV .*(waived by mem-future until $future)" "$work/check.txt"
check "dockward check text: the summary counts waived" grep -qE '^Summary: .*, [1-9][0-9]* waived' "$work/check.txt"
check "dockward check: priv-past reported as expired on stderr" grep -q "waiver priv-past expired on $past" "$work/check.log"

if [ -n "$store_port" ]; then
    host_id=$(tr -d '[:space:]' </etc/machine-id)
    rdr=(-H "Authorization: Bearer $reader_token")
    for _ in $(seq 1 40); do
        curl -s "${rdr[@]}" "http://127.0.0.1:$store_port/api/v1/hosts/$host_id?limit=20000" >"$work/store-host.json" || true
        jq -e --arg t "container/$PRIV" '.results[] | select(.check == "5.11" and .target == $t and .status == "waived")' \
            "$work/store-host.json" >/dev/null 2>&1 && break
        sleep 0.25
    done
    check "store API: 5.11 of container/$PRIV is waived, its evidence names mem-future" \
        jqt --arg t "container/$PRIV" '.results[] | select(.check == "5.11" and .target == $t)
            | .status == "waived" and (.evidence | test("waived by mem-future"))' "$work/store-host.json"
    check "store API: counts.waived >= 2, and 5.5 of container/$PRIV fails" \
        jqt --arg t "container/$PRIV" '.counts.waived >= 2
            and ([.results[] | select(.check == "5.5" and .target == $t) | .status] == ["fail"])' "$work/store-host.json"
    check "fleet metrics: dockward_fleet_check_waived_hosts{check=\"5.11\"} 1" \
        test "$(prom_count 'dockward_fleet_check_waived_hosts{job="dockward-store",check="5.11"} == 1')" -eq 1
fi

# A bad file on SIGHUP: the old waivers stay and the gauge says so; the fixed file restores it.
metric_is() { # metric_is LINE: the agent's /metrics has that line within 8 s (+ a collection)
    local _
    for _ in $(seq 1 $((80 + 10 * ci_s))); do
        curl -s "http://$agent_addr/metrics" | grep -qxF "$1" && return 0
        sleep 0.1
    done
    return 1
}
printf 'waivers:\n  - id: x\n    colour: red\n' >"$work/waivers.yml"
kill -HUP "$agent_pid"
check "SIGHUP with a bad waivers file: dockward_waivers_last_reload_successful 0" \
    metric_is 'dockward_waivers_last_reload_successful 0'
bad_reload_logged() { # logfmt escapes the quotes: key \"colour\"
    grep -F 'waivers.yml:3: waiver: unknown key \"colour\"' "$work/agent.log" | grep -q 'keeping the previous waivers'
}
check "SIGHUP with a bad waivers file: the log names FILE:LINE and keeps the old set" bad_reload_logged
sleep $((ci_s + 1)) # a collection with the old set
check "the old waivers still apply (mem-future matched 2)" \
    metric_is 'dockward_waiver_matched_targets{waiver="mem-future"} 2'
write_waivers
kill -HUP "$agent_pid"
check "SIGHUP with the file fixed: dockward_waivers_last_reload_successful 1" \
    metric_is 'dockward_waivers_last_reload_successful 1'

# Expressions that had no data before the container: ask again.
if [ -s "$work/empty-exprs" ]; then
    : >"$work/still-empty"
    while IFS=$'\t' read -r name title ref expr; do
        [ "$(prom_count "$expr")" -gt 0 ] || echo "       $name.json \"$title\" $ref: $expr" >>"$work/still-empty"
    done <"$work/empty-exprs"
    cat "$work/still-empty"
    check "every dashboard expression returned data" test ! -s "$work/still-empty"
else
    check "every dashboard expression returned data" true
fi

# ---- 5. the container removed: resolved ------------------------------------------------------------

t_remove=$(e2e_now)
dk rm -f "$PRIV" >/dev/null
t_resolved="" t_resolved_priv=""
await_pages $((120 + ci_s)) "$t_remove" resolved \
    t_resolved "$regressed" t_resolved_priv "$privileged"
check "DockwardCheckRegressed resolved (resolved notification received)" test -n "$t_resolved"
check "DockwardPrivilegedContainer resolved (resolved notification received)" test -n "$t_resolved_priv"
check "no DockwardCheckRegressed left in Prometheus for container/$PRIV" \
    test "$(prom_count "ALERTS{alertname=\"DockwardCheckRegressed\",target=\"container/$PRIV\"}")" -eq 0

# ---- figures ------------------------------------------------------------------------------------

opt() { [ -n "$2" ] && e2e_secs "$1" "$2" || echo "-"; }
echo
echo "# intervals: collection $COLLECTION_INTERVAL, scrape $SCRAPE_INTERVAL, rule evaluation $EVAL_INTERVAL;" \
    "DockwardCheckRegressed and DockwardPrivilegedContainer for: 30s, keep_firing_for: 1m;" \
    "Alertmanager group_wait 0s, group_interval 1s"
echo "# from docker create --privileged ($(e2e_secs "$t_create" "$t_created")s to create):"
echo "#   failure series in Prometheus   $(opt "$t_create" "$t_seen")s"
echo "#   alert pending                  $(opt "$t_create" "$t_pending")s"
echo "#   alert firing                   $(opt "$t_create" "$t_firing")s"
fleet_fig=""
[ -n "$store_port" ] && fleet_fig=", $(opt "$t_create" "${t_fleet:-}")s (DockwardFleetRegressions)"
echo "#   page at the webhook            $(opt "$t_create" "$t_page")s (DockwardCheckRegressed)," \
    "$(opt "$t_create" "$t_page_priv")s (DockwardPrivilegedContainer)$fleet_fig"
echo "#   target: under 2 collection intervals + for: = $((2 * ci_s))s + 30s = $((2 * ci_s + 30))s"
echo "# from docker rm: resolved notification $(opt "$t_remove" "$t_resolved")s (DockwardCheckRegressed)," \
    "$(opt "$t_remove" "$t_resolved_priv")s (DockwardPrivilegedContainer); keep_firing_for is 60s"
echo "# total $(e2e_secs "$t_start" "$(e2e_now)")s"
[ -n "$store_bin" ] || echo "# dockward-store not built (DOCKWARD_STORE_BIN empty): store scrape, fleet panels and DockwardFleetRegressions skipped"
[ "$agent_push" = 1 ] || echo "# this dockward has no --push.url: push panels skipped"

e2e_summary "e2e_alerting: all checks passed" || {
    for l in "$work"/*.log; do
        echo "---- tail of ${l##*/}"
        tail -n 15 "$l"
    done
    exit 1
}
