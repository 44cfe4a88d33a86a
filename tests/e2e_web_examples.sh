#!/usr/bin/env bash
# e2e_web_examples.sh - every example under packaging/web-config/ is accepted
# by `promtool check web-config` (the exporter-toolkit judge) and by the
# agent itself (it starts with it and answers). promtool opens cert_file and
# key_file, so the examples are copied next to a certificate, key and CA made
# here with openssl under the names the examples use.
#
# Environment (set by ctest): DOCKWARD_BIN, MKFIXTURE, DOCKWARD_TESTS.
set -euo pipefail
: "${DOCKWARD_BIN:?}" "${MKFIXTURE:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
examples="$DOCKWARD_TESTS/../packaging/web-config"
work=$(mktemp -d /tmp/dockward-e2e-webex-XXXXXX)
pid=""
fixture=""
cleanup() {
    [ -n "$pid" ] && e2e_stop "$pid"
    [ -n "$fixture" ] && { "$MKFIXTURE" --remove "$fixture" || true; }
    rm -rf "$work"
}
trap cleanup EXIT

cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
    -days 1 -subj /CN=ca >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
    -out server.crt -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
chmod 600 ./*.key
echo "include $DOCKWARD_TESTS/fixtures/hardened/manifest" >host.manifest
fixture=$("$MKFIXTURE" host.manifest)

n=0
for f in "$examples"/*.yml; do
    n=$((n + 1))
    name=$(basename "$f")
    cp "$f" "$work/$name"
    chmod 600 "$work/$name"
    check "promtool accepts $name" promtool check web-config "$work/$name"
    : >"$work/agent.log"
    "$DOCKWARD_BIN" --web.listen-address=127.0.0.1:0 --path.rootfs="$fixture" \
        --docker.host="unix://$work/none.sock" --no-collector.daemon_config \
        --no-collector.container_runtime --no-collector.image_age \
        --web.config.file="$work/$name" 2>>"$work/agent.log" &
    pid=$!
    port=$(e2e_port_of "$work/agent.log" "$pid") || port=""
    check "the agent starts with $name" test -n "$port"
    if [ -n "$port" ]; then
        # Any HTTP answer (200, or 401 where basic auth is on) proves it serves; mTLS closes.
        scheme=http
        grep -q '^tls_server_config:' "$work/$name" && scheme=https
        got=$(e2e_http_code --cacert server.crt "$scheme://127.0.0.1:$port/healthz")
        check "the agent answers with $name ($got)" bash -c "[[ '$got' =~ ^(200|401)$ ]] || grep -q client_ca_file '$work/$name'"
    fi
    e2e_stop "$pid"
    pid=""
done
check "there are examples (4 expected)" test "$n" -ge 4
e2e_summary "all $n examples accepted"
