#!/usr/bin/env bash
# e2e_secrets.sh - no secret value ever leaves dockward, in any output.
#
# A private dockerd runs containers whose environment (docker run -e, and an
# image ENV set by `docker import --change`), labels, command arguments and
# entrypoint hold passwords and tokens: random values made for this run, in
# several shapes (PASSWORD=, *_TOKEN=, AWS access key id and secret key, a
# URL with user:pass@, a --password= argument). The agent runs at
# --log.level=debug and pushes to a dockward-store at debug. Then every value,
# and the push token, is searched for in every output, in plain text and,
# for SQLite dumps (BLOBs appear as X'..'), hex-encoded too:
#   agent: /metrics (text, OpenMetrics, gzip decoded), /, /healthz, /readyz;
#   `dockward check --format json` and `--format text` (stdout and stderr,
#   at debug); the agent's log; the outbox (sqlite3 .dump, and the raw bytes
#   of outbox.db and its -wal, where protobuf strings are stored as is);
#   store: every JSON API endpoint (hosts, each host, each check id the
#   hosts report, drift), /metrics in both formats and gzip, /, its log,
#   the database (sqlite3 .dump of every table, raw bytes of store.db, -wal).
# Nothing may match. The search can fail: it must first find every value in
# `docker inspect` output (positive control), and find a value planted in a
# hex-encoded SQLite BLOB of a scratch database.
#
# Needs root, docker.io, busybox-static, sqlite3, jq, gzip, curl.
# Environment (set by ctest): DOCKWARD_BIN, DOCKWARD_STORE_BIN, DOCKWARD_TESTS.
set -euo pipefail
: "${DOCKWARD_BIN:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
[ -x "${DOCKWARD_STORE_BIN:-}" ] || { echo "dockward-store is not built"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (it starts dockerd)"; exit 1; }
e2e_require dockerd docker jq sqlite3 gzip curl od

# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"

work=$(mktemp -d /tmp/dockward-e2e-secrets-XXXXXX)
out="$work/out" # every output collected, one file each
mkdir -p "$out"
pids=()
cleanup() {
    e2e_stop "${pids[@]}"
    docker_env_stop_daemon || true
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Random values of this run (no fixed string a filter could special-case).
rnd_upper() { head -c 64 /dev/urandom | od -An -tu1 | tr -s ' \n' '\n' | sed '/^$/d' |
    awk -v n="$1" '{ printf "%c", 65 + $1 % 26; if (++k == n) exit }'; }
rnd_b64() { head -c 60 /dev/urandom | base64 -w0 | tr -d '+/=' | cut -c1-"$1"; }
declare -A secret=(
    [env_password]="pw-$(e2e_random_hex 12)"
    [env_token]="ghp_$(rnd_b64 36)"
    [aws_key_id]="AKIA$(rnd_upper 16)"
    [aws_secret]="$(rnd_b64 40)"
    [url_password]="up$(e2e_random_hex 10)"
    [image_env]="img-$(e2e_random_hex 12)"
    [label_password]="lbl-$(e2e_random_hex 12)"
    [label_token]="lt$(e2e_random_hex 14)"
    [cmd_arg]="arg-$(e2e_random_hex 12)"
    [entrypoint]="ep-$(e2e_random_hex 12)"
    [push_token]="$(e2e_random_hex 24)"
)

docker_env_start "$work/docker"
docker_env_import_busybox
# An image whose ENV and ENTRYPOINT hold secrets: busybox's files, re-imported.
dk create --name secrets-src "$DOCKER_ENV_IMAGE" true >/dev/null
dk export secrets-src | dk import --change 'ENV PATH=/bin' \
    --change "ENV SERVICE_API_TOKEN=${secret[image_env]}" \
    --change "ENTRYPOINT [\"/bin/sh\", \"-c\", \"exec sleep 600 # key=${secret[entrypoint]}\", \"--\"]" \
    - dw-secrets:1 >/dev/null
dk rm secrets-src >/dev/null

# Environment and labels; a URL with user:pass@.
dk run -d --name sec-env \
    -e "DB_PASSWORD=${secret[env_password]}" \
    -e "GITHUB_TOKEN=${secret[env_token]}" \
    -e "AWS_ACCESS_KEY_ID=${secret[aws_key_id]}" \
    -e "AWS_SECRET_ACCESS_KEY=${secret[aws_secret]}" \
    -e "DATABASE_URL=postgres://admin:${secret[url_password]}@db.internal:5432/app" \
    --label "com.example.password=${secret[label_password]}" \
    --label "com.example.api-token=${secret[label_token]}" \
    "$DOCKER_ENV_IMAGE" sleep 600 >/dev/null
# Command arguments.
dk run -d --name sec-cmd "$DOCKER_ENV_IMAGE" sh -c "exec sleep 600" --password="${secret[cmd_arg]}" >/dev/null
# Image ENV and ENTRYPOINT.
dk run -d --name sec-image dw-secrets:1 >/dev/null

# A waiver that matches on the secret label's value (--waivers.file): the
# value is matched, never written anywhere.
cat >"$work/waivers.yml" <<EOF
waivers:
  - id: sec-label
    checks: ["5"]
    targets: ["container/sec-*"]
    container_labels:
      com.example.password: "${secret[label_password]}"
    reason: the secrets test waives by a secret label
    owner: e2e
    expires: $(date -u -d '+30 days' +%F)
EOF

# The push token, for the store and the agent.
e2e_tokens secrets "${secret[push_token]}"

"$DOCKWARD_STORE_BIN" --web.listen-address=127.0.0.1:0 --storage.path="$work/store.db" \
    --auth.tokens-file="$work/tokens" --metrics.refresh-interval=1s --log.level=debug \
    2>"$work/store.log" &
pids+=($!)
store_port=$(e2e_port_of "$work/store.log" "${pids[-1]}")
store="http://127.0.0.1:$store_port"

"$DOCKWARD_BIN" --web.listen-address=127.0.0.1:0 --docker.host="unix://$DOCKER_ENV_SOCK" \
    --storage.path="$work/agent" --push.url="$store/api/v1/reports" \
    --push.token-file="$work/token" --collection.interval=2s --log.level=debug \
    --waivers.file="$work/waivers.yml" 2>"$work/agent.log" &
agent_pid=$!
pids+=("$agent_pid")
agent="http://127.0.0.1:$(e2e_port_of "$work/agent.log" "$agent_pid")"

# Two reports stored (the second one carries whatever the first collection learnt).
wait_reports() {
    for _ in $(seq 1 300); do
        curl -s "$agent/metrics" | grep -Eq '^dockward_report_push_total\{result="stored"\} ([2-9]|[1-9][0-9])' &&
            return 0
        sleep 0.1
    done
    return 1
}
check "the agent pushed two reports to the store" wait_reports
check "the containers were judged (dockward.env_secret fails for sec-env)" \
    bash -c "curl -s '$agent/metrics' | grep -q 'dockward_check_failure{check=\"dockward.env_secret\",target=\"container/sec-env\"}'"
# SIGHUP: the token is re-read (and logged about) without appearing.
kill -HUP "$agent_pid"
sleep 0.5

# ---- collect every output ----------------------------------------------------
om='application/openmetrics-text; version=1.0.0'
# fetch_gzip URL FILE [CURL ARGS]: asks for gzip, decodes it when the answer is gzip
fetch_gzip() {
    local url=$1 file=$2; shift 2
    curl -s -D "$work/headers" -H 'Accept-Encoding: gzip' "$@" "$url" >"$work/body"
    if grep -qi '^content-encoding: *gzip' "$work/headers"; then
        gzip -dc "$work/body" >"$file"
    else
        cp "$work/body" "$file"
    fi
}
for base in agent store; do
    url=${!base}
    curl -s "$url/metrics" >"$out/$base.metrics.txt"
    curl -s -H "Accept: $om" "$url/metrics" >"$out/$base.metrics.om"
    fetch_gzip "$url/metrics" "$out/$base.metrics.txt.gz-decoded"
    fetch_gzip "$url/metrics" "$out/$base.metrics.om.gz-decoded" -H "Accept: $om"
    curl -s "$url/" >"$out/$base.landing"
done
for p in healthz readyz; do curl -s "$agent/$p" >"$out/agent.$p"; done
check "agent /metrics was sent gzip and decodes to a real exposition" \
    bash -c "curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' '$agent/metrics' | grep -qi '^content-encoding: *gzip'"
check "agent /metrics (gzip decoded) is a real exposition" grep -q '^dockward_up 1' "$out/agent.metrics.txt.gz-decoded"
check "store /metrics is a real exposition" grep -q '^dockward_fleet_' "$out/store.metrics.txt"

"$DOCKWARD_BIN" check --format json --docker.host="unix://$DOCKER_ENV_SOCK" --log.level=debug \
    --waivers.file="$work/waivers.yml" >"$out/check.json" 2>"$out/check.json.stderr" || true
"$DOCKWARD_BIN" check --format text --docker.host="unix://$DOCKER_ENV_SOCK" --log.level=debug \
    --waivers.file="$work/waivers.yml" >"$out/check.text" 2>"$out/check.text.stderr" || true
check "dockward check --format json judged the containers" \
    jq -e '[.results[] | select(.target == "container/sec-env")] | length > 0' "$out/check.json"
check "the waiver on the secret label waived sec-env's failures (the value matched)" \
    jq -e '[.results[] | select(.target == "container/sec-env" and .status == "waived"
        and .waiver == "sec-label")] | length > 0' "$out/check.json"

# Every JSON API endpoint: hosts, each host, each check id the hosts hold, drift.
curl -s -H "Authorization: Bearer $reader_token" "$store/api/v1/hosts" >"$out/api.hosts.json"
n_api=1
for id in $(jq -r '.hosts[].id' "$out/api.hosts.json"); do
    curl -s -H "Authorization: Bearer $reader_token" "$store/api/v1/hosts/$id" >"$out/api.host.$id.json"
    n_api=$((n_api + 1))
    for c in $(jq -r '.results[].check' "$out/api.host.$id.json" | sort -u); do
        curl -s -H "Authorization: Bearer $reader_token" "$store/api/v1/checks/$c" >"$out/api.check.$c.json"
        n_api=$((n_api + 1))
    done
done
curl -s -H "Authorization: Bearer $reader_token" "$store/api/v1/drift?limit=1000" >"$out/api.drift.json"
check "the store's API answered for the host and its checks ($n_api answers)" test "$n_api" -gt 50

# Databases: .dump of every table (BLOBs as X'hex'), and the raw files.
sqlite3 "$work/store.db" .dump >"$out/store.db.dump"
sqlite3 "$work/agent/outbox.db" .dump >"$out/outbox.db.dump"
for f in "$work/store.db" "$work/store.db-wal" "$work/agent/outbox.db" "$work/agent/outbox.db-wal"; do
    [ -f "$f" ] && cp "$f" "$out/raw.$(basename "$f")"
done
check "the store's dump holds the stored reports" grep -q 'INSERT INTO' "$out/store.db.dump"

# Logs last, so everything above has been logged.
kill -TERM "$agent_pid"
wait "$agent_pid" 2>/dev/null || true
cp "$work/agent.log" "$out/agent.log"
cp "$work/store.log" "$out/store.log"
check "the agent logged at debug level" grep -q 'level=debug' "$out/agent.log"
check "the store logged at debug level" grep -q 'level=debug' "$out/store.log"

# ---- search ------------------------------------------------------------------
hex_of() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# found_in VALUE FILE...: whether VALUE appears in plain text or as hex (either case)
found_in() {
    local v=$1 h; shift
    h=$(hex_of "$v")
    grep -aqiF -e "$v" -e "$h" "$@"
}

# Positive controls: the search finds what is there.
dk inspect sec-env sec-cmd sec-image >"$work/inspect.json"
dk image inspect dw-secrets:1 >>"$work/inspect.json"
missing=""
for k in "${!secret[@]}"; do
    [ "$k" = push_token ] && continue
    found_in "${secret[$k]}" "$work/inspect.json" || missing+=" $k"
done
check "positive control: docker inspect shows every planted value${missing:+ (not:$missing)}" test -z "$missing"
sqlite3 "$work/control.db" "CREATE TABLE t(b BLOB); INSERT INTO t VALUES (CAST('x${secret[env_password]}y' AS BLOB));"
sqlite3 "$work/control.db" .dump >"$work/control.dump"
check "positive control: a value inside a BLOB is found in a .dump (hex)" \
    found_in "${secret[env_password]}" "$work/control.dump"
check "positive control: the push token is in the agent's token file" found_in "${secret[push_token]}" "$work/token"

n_files=$(find "$out" -type f | wc -l)
leaks=""
for k in "${!secret[@]}"; do
    for f in "$out"/*; do
        if found_in "${secret[$k]}" "$f"; then leaks+=" $k in $(basename "$f");"; fi
    done
done
check "no secret value in any of $n_files outputs${leaks:+ (leaks:$leaks)}" test -z "$leaks"

e2e_summary
