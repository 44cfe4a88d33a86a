#!/usr/bin/env bash
# e2e_webconfig.sh - --web.config.file on the agent and the store with real
# TLS: certificates made here by openssl (a CA, a server certificate for
# 127.0.0.1/localhost, a client certificate from the CA, one from another
# CA), bcrypt hashes made by tests/mkbcrypt (libcrypt). Against each server:
# the right credentials get 200; none, a wrong password or an unknown user
# 401; plain HTTP to the TLS port, no client certificate, a certificate from
# the wrong CA and a TLS 1.2 client (min_version TLS13) fail; the configured
# headers are sent; the failure counters rise at the next collection/refresh;
# SIGHUP swaps the password, the certificate, and survives a broken file
# (old config served, gauge 0, file:line logged). A world-writable web config
# or token file refuses start. Then the push: agent -> store over mTLS stores
# a report; no client certificate, a CA that did not sign the store, and a
# host name the certificate does not name all fail and are counted in
# dockward_report_push_total. Last, no password, token or key text appears
# in any log or metrics body.
#
# Environment (set by ctest): DOCKWARD_BIN, DOCKWARD_STORE_BIN, MKFIXTURE, DOCKWARD_TESTS.
set -euo pipefail
: "${DOCKWARD_BIN:?}" "${MKFIXTURE:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require_store
MKBCRYPT=$(e2e_test_bin mkbcrypt)
command -v openssl >/dev/null || { echo "openssl is required"; exit 1; }

work=$(mktemp -d /tmp/dockward-e2e-web-XXXXXX)
pids=()
fixture=""
cleanup() {
    e2e_stop "${pids[@]}"
    [ -n "$fixture" ] && { "$MKFIXTURE" --remove "$fixture" || true; }
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- certificates ----
cd "$work"
ossl() { openssl "$@" >/dev/null 2>&1; }
newkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
newca() { # newca NAME CN
    newkey "$1.key"
    ossl req -x509 -new -key "$1.key" -out "$1.crt" -days 2 -subj "/CN=$2" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
issue() { # issue NAME CA CN EXT
    newkey "$1.key"
    ossl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$3"
    printf '%s\n' "$4" >"$1.ext"
    ossl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -out "$1.crt" \
        -days 2 -extfile "$1.ext"
}
newca ca "dockward e2e CA"
newca otherca "some other CA"
issue srv ca "dockward server one" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
issue srv2 ca "dockward server two" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
issue srvip ca "dockward server ip only" "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
issue cli ca "agent one" "extendedKeyUsage=clientAuth"
issue badcli otherca "agent from elsewhere" "extendedKeyUsage=clientAuth"
chmod 600 ./*.key
for f in ca srv srv2 srvip cli badcli; do [ -s "$f.crt" ] || { echo "openssl could not make $f.crt"; exit 1; }; done

pw1=$(e2e_random_hex 12)
pw2=$(e2e_random_hex 12)
hash1=$(printf '%s\n' "$pw1" | "$MKBCRYPT" 10)
hash2=$(printf '%s\n' "$pw2" | "$MKBCRYPT" 10)
token=$(e2e_random_hex 24)
reader_token=$(e2e_random_hex 24)
printf 'e2e %s\nreader %s role=reader\n' "$token" "$reader_token" >tokens
printf '%s\n' "$token" >token
chmod 600 tokens token

# full.yml: TLS 1.3 only, client certificates from ca required, basic auth, headers.
write_full() { # write_full CERT HASH
    cat >full.yml <<EOF
# written by e2e_webconfig.sh
tls_server_config:
  cert_file: $1.crt
  key_file: $1.key
  client_ca_file: ca.crt
  client_auth_type: RequireAndVerifyClientCert
  min_version: TLS13
http_server_config:
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  alice: $2
EOF
    chmod 600 full.yml
}
write_full srv "$hash1"
check "promtool accepts the test's web config" promtool check web-config full.yml

# ---- the processes ----
echo "include $DOCKWARD_TESTS/fixtures/hardened/manifest" >host.manifest
printf 'file /etc/machine-id 0444 0 0 =%032x\\n\n' 57005 >>host.manifest
echo 'file /etc/hostname 0644 0 0 =e2e-web\n' >>host.manifest
fixture=$("$MKFIXTURE" host.manifest)

start_agent() { # start_agent NAME EXTRA-FLAGS...: sets last_pid, last_port
    local name=$1; shift
    "$DOCKWARD_BIN" --web.listen-address=127.0.0.1:0 --path.rootfs="$fixture" \
        --collection.interval=1s --docker.host="unix://$work/no-docker.sock" \
        --no-collector.daemon_config --no-collector.container_runtime --no-collector.image_age \
        --log.level=debug "$@" 2>>"$work/$name.log" &
    last_pid=$!
    pids+=("$last_pid")
    last_port=$(e2e_port_of "$work/$name.log" "$last_pid")
}

start_store() { # start_store NAME EXTRA-FLAGS...
    local name=$1; shift
    "$DOCKWARD_STORE_BIN" --web.listen-address=127.0.0.1:0 --storage.path="$work/$name.db" \
        --auth.tokens-file="$work/tokens" --metrics.refresh-interval=1s --log.level=debug "$@" \
        2>>"$work/$name.log" &
    last_pid=$!
    pids+=("$last_pid")
    last_port=$(e2e_port_of "$work/$name.log" "$last_pid")
}

TLS=(--cacert "$work/ca.crt" --cert "$work/cli.crt" --key "$work/cli.key")
# metric URL NAME{labels}: the value (0 when absent), scraped with every credential
metric() {
    curl -s --max-time 5 "${TLS[@]}" -u "alice:$cur_pw" "$1/metrics" | e2e_metric "$2" 0
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a + 0 >= b + 0)}'; }
# poll_metric TRIES ge|eq WANT FETCH WHERE NAME: asks `FETCH WHERE NAME` for the value every
# 0.2 s until it is >= (ge) or = (eq) WANT; says the last value when it never is.
poll_metric() {
    local tries=$1 op=$2 want=$3 fetch=$4 where=$5 name=$6 _ v
    for _ in $(seq 1 "$tries"); do
        v=$("$fetch" "$where" "$name")
        if [ "$op" = ge ]; then ge "$v" "$want" && return 0; else [ "$v" = "$want" ] && return 0; fi
        sleep 0.2
    done
    echo "  $name = $v, want $([ "$op" = ge ] && echo ">= ")$want" >&2
    return 1
}
# wait_metric_ge|eq URL NAME WANT: up to 10 s for the next collection/refresh
wait_metric_ge() { poll_metric 50 ge "$3" metric "$1" "$2"; }
wait_metric_eq() { poll_metric 50 eq "$3" metric "$1" "$2"; }
served_subject() { # the subject of the certificate the server presents
    openssl s_client -connect "127.0.0.1:$1" -CAfile "$work/ca.crt" -cert "$work/cli.crt" \
        -key "$work/cli.key" </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null
}
headers_of() { curl -s -D - -o /dev/null --max-time 5 "${TLS[@]}" -u "alice:$cur_pw" "$1/metrics"; }

# suite KIND NAME PID PORT PREFIX: every check of the web config against one server.
suite() {
    local kind=$1 name=$2 pid=$3 port=$4 prefix=$5
    local url="https://127.0.0.1:$port"
    local log="$work/$name.log"
    cur_pw=$pw1
    check "$kind: right credentials and client certificate: 200" \
        test "$(e2e_http_code "${TLS[@]}" -u "alice:$pw1" "$url/metrics")" = 200
    check "$kind: also by host name (the certificate names localhost)" \
        test "$(e2e_http_code "${TLS[@]}" -u "alice:$pw1" "https://localhost:$port/metrics")" = 200
    check "$kind: no credentials: 401" test "$(e2e_http_code "${TLS[@]}" "$url/metrics")" = 401
    check "$kind: 401 says WWW-Authenticate: Basic" \
        bash -c "curl -s -D - -o /dev/null --max-time 5 --cacert ca.crt --cert cli.crt --key cli.key '$url/metrics' | grep -qi '^WWW-Authenticate: Basic realm='"
    check "$kind: wrong password: 401" test "$(e2e_http_code "${TLS[@]}" -u "alice:nope" "$url/metrics")" = 401
    check "$kind: unknown user: 401" test "$(e2e_http_code "${TLS[@]}" -u "mallory:$pw1" "$url/metrics")" = 401
    check "$kind: plain HTTP to the TLS port fails" \
        test "$(e2e_http_code -u "alice:$pw1" "http://127.0.0.1:$port/metrics")" != 200
    check "$kind: no client certificate fails" \
        test "$(e2e_http_code --cacert "$work/ca.crt" -u "alice:$pw1" "$url/metrics")" = 000
    check "$kind: client certificate from another CA fails" \
        test "$(e2e_http_code --cacert "$work/ca.crt" --cert "$work/badcli.crt" --key "$work/badcli.key" \
            -u "alice:$pw1" "$url/metrics")" = 000
    check "$kind: a TLS 1.2 client is refused (min_version TLS13)" \
        test "$(e2e_http_code "${TLS[@]}" --tls-max 1.2 -u "alice:$pw1" "$url/metrics")" = 000
    check "$kind: TLS 1.3 works" \
        test "$(e2e_http_code "${TLS[@]}" --tlsv1.3 -u "alice:$pw1" "$url/metrics")" = 200
    local hdrs
    hdrs=$(headers_of "$url")
    check "$kind: X-Frame-Options: deny on the response" grep -qi '^X-Frame-Options: deny' <<<"$hdrs"
    check "$kind: Strict-Transport-Security on the response" \
        grep -qi '^Strict-Transport-Security: max-age=31536000' <<<"$hdrs"
    check "$kind: headers on a 404 too" \
        bash -c "curl -s -D - -o /dev/null --max-time 5 --cacert ca.crt --cert cli.crt --key cli.key -u 'alice:$pw1' '$url/nope' | grep -qi '^X-Frame-Options: deny'"
    check "$kind: missing_credentials counted" \
        wait_metric_ge "$url" "${prefix}web_auth_failures_total{reason=\"missing_credentials\"}" 2
    check "$kind: wrong_credentials counted (wrong password, unknown user)" \
        wait_metric_ge "$url" "${prefix}web_auth_failures_total{reason=\"wrong_credentials\"}" 2
    check "$kind: client_certificate counted (none, wrong CA)" \
        wait_metric_ge "$url" "${prefix}web_auth_failures_total{reason=\"client_certificate\"}" 2
    check "$kind: reload gauge is 1" wait_metric_eq "$url" "${prefix}web_config_last_reload_successful" 1

    # SIGHUP: a new password.
    write_full srv "$hash2"
    kill -HUP "$pid"
    local _
    for _ in $(seq 1 50); do
        [ "$(e2e_http_code "${TLS[@]}" -u "alice:$pw2" "$url/metrics")" = 200 ] && break
        sleep 0.1
    done
    cur_pw=$pw2
    check "$kind: SIGHUP: the new password is accepted" \
        test "$(e2e_http_code "${TLS[@]}" -u "alice:$pw2" "$url/metrics")" = 200
    check "$kind: SIGHUP: the old password is refused" \
        test "$(e2e_http_code "${TLS[@]}" -u "alice:$pw1" "$url/metrics")" = 401

    # SIGHUP: a new certificate, served to new connections.
    check "$kind: certificate one served" bash -c "[[ '$(served_subject "$port")' == *'server one'* ]]"
    write_full srv2 "$hash2"
    kill -HUP "$pid"
    for _ in $(seq 1 50); do
        [[ "$(served_subject "$port")" == *"server two"* ]] && break
        sleep 0.1
    done
    check "$kind: SIGHUP: certificate two served" bash -c "[[ '$(served_subject "$port")' == *'server two'* ]]"
    check "$kind: still answering after the new daemon took over" \
        test "$(e2e_http_code "${TLS[@]}" -u "alice:$pw2" "$url/metrics")" = 200

    # SIGHUP: a broken file keeps the config in force.
    write_full srv2 "$hash2"
    printf 'bogus_key: 1\n' >>full.yml
    local bad_line
    bad_line=$(grep -n '^bogus_key' full.yml | cut -d: -f1)
    kill -HUP "$pid"
    check "$kind: broken file: file:line in the log" \
        bash -c "for i in \$(seq 1 50); do grep -q 'full.yml:$bad_line: unknown key' '$log' && exit 0; sleep 0.1; done; exit 1"
    check "$kind: broken file: the old config is still served" \
        test "$(e2e_http_code "${TLS[@]}" -u "alice:$pw2" "$url/metrics")" = 200
    check "$kind: broken file: reload gauge 0" \
        wait_metric_eq "$url" "${prefix}web_config_last_reload_successful" 0
    write_full srv2 "$hash2"
    kill -HUP "$pid"
    check "$kind: fixed file: reload gauge back to 1" \
        wait_metric_eq "$url" "${prefix}web_config_last_reload_successful" 1
    write_full srv "$hash1"
}

start_agent agent --web.config.file="$work/full.yml"
agent_pid=$last_pid agent_port=$last_port
suite agent agent "$agent_pid" "$agent_port" dockward_

write_full srv "$hash1"
start_store store --web.config.file="$work/full.yml"
store_pid=$last_pid store_port=$last_port
suite store store "$store_pid" "$store_port" dockward_store_
kill "$agent_pid" "$store_pid"

# ---- refusing files others can write ----
refused() { # refused CMD...: exits 2 with a chmod o-w hint naming the file
    local out rc=0
    out=$(timeout 10 "$@" 2>&1 >/dev/null) || rc=$?
    echo "$out" >>"$work/refusals.log"
    [ "$rc" = 2 ] && [[ "$out" == *"writable by other users"* ]] && [[ "$out" == *"chmod o-w $work/"* ]]
}
cp full.yml open.yml
chmod 0606 open.yml
cp token open-token
chmod 0602 open-token
cp tokens open-tokens
chmod 0666 open-tokens
check "agent refuses a world-writable web config" refused "$DOCKWARD_BIN" \
    --web.listen-address=127.0.0.1:0 --path.rootfs="$fixture" --web.config.file="$work/open.yml"
check "store refuses a world-writable web config" refused "$DOCKWARD_STORE_BIN" \
    --web.listen-address=127.0.0.1:0 --storage.path="$work/x.db" --auth.tokens-file="$work/tokens" \
    --web.config.file="$work/open.yml"
check "agent refuses a world-writable push token file" refused "$DOCKWARD_BIN" \
    --web.listen-address=127.0.0.1:0 --path.rootfs="$fixture" --push.url=http://127.0.0.1:1/ \
    --push.token-file="$work/open-token"
check "store refuses a world-writable tokens file" refused "$DOCKWARD_STORE_BIN" \
    --web.listen-address=127.0.0.1:0 --storage.path="$work/x.db" \
    --auth.tokens-file="$work/open-tokens"

# ---- push over mTLS ----
cat >mtls.yml <<EOF
tls_server_config:
  cert_file: srvip.crt
  key_file: srvip.key
  client_ca_file: ca.crt
  client_auth_type: RequireAndVerifyClientCert
EOF
chmod 600 mtls.yml
check "promtool accepts the mTLS config" promtool check web-config mtls.yml
start_store pushstore --web.config.file="$work/mtls.yml"
ps_pid=$last_pid ps_port=$last_port
push_agent() { # push_agent NAME URL-HOST EXTRA...: an agent pushing to the mTLS store
    local name=$1 host=$2; shift 2
    start_agent "$name" --push.url="https://$host:$ps_port/api/v1/reports" \
        --push.token-file="$work/token" --storage.path="$work/$name-outbox" "$@"
}
local_metric() { # local_metric PORT NAME: from an agent serving plain HTTP
    curl -s --max-time 5 "http://127.0.0.1:$1/metrics" | e2e_metric "$2" 0
}
wait_local_ge() { poll_metric 100 ge "$3" local_metric "$1" "$2"; } # wait_local_ge PORT NAME MIN
# check_push_refused PORT WHAT [SUFFIX]: the agent at PORT retried its push and stored nothing
check_push_refused() {
    check "$2: retried${3:-}" wait_local_ge "$1" 'dockward_report_push_total{result="retry"}' 1
    check "$2: never stored" \
        test "$(local_metric "$1" 'dockward_report_push_total{result="stored"}')" = 0
}
push_agent good 127.0.0.1 --push.tls-ca="$work/ca.crt" --push.tls-cert="$work/cli.crt" \
    --push.tls-key="$work/cli.key"
good_port=$last_port
check "push over mTLS: stored" wait_local_ge "$good_port" 'dockward_report_push_total{result="stored"}' 1
check "push over mTLS: the store lists the host (to a reader token)" \
    bash -c "curl -s --max-time 5 --cacert ca.crt --cert cli.crt --key cli.key -H 'Authorization: Bearer $reader_token' https://127.0.0.1:$ps_port/api/v1/hosts | grep -q e2e-web"
mtls_host=$(curl -s --max-time 5 "${TLS[@]}" -H "Authorization: Bearer $reader_token" \
    "https://127.0.0.1:$ps_port/api/v1/hosts" | jq -r '.hosts[0].id')
check "push over mTLS: the host is bound to the client certificate (owner cert:agent one)" \
    test "$(curl -s --max-time 5 "${TLS[@]}" -H "Authorization: Bearer $reader_token" \
        "https://127.0.0.1:$ps_port/api/v1/hosts/$mtls_host" | jq -r .owner)" = "cert:agent one"
check "push over mTLS: the query API without a reader credential is 401" \
    test "$(e2e_http_code "${TLS[@]}" "https://127.0.0.1:$ps_port/api/v1/hosts")" = 401
push_agent nocert 127.0.0.1 --push.tls-ca="$work/ca.crt"
nocert_port=$last_port
check_push_refused "$nocert_port" "push without a client certificate" " (counted)"
push_agent wrongca 127.0.0.1 --push.tls-ca="$work/otherca.crt" --push.tls-cert="$work/cli.crt" \
    --push.tls-key="$work/cli.key"
wrongca_port=$last_port
check_push_refused "$wrongca_port" "push trusting another CA" " (counted)"
check "push trusting another CA: the log says why" grep -qi 'certificate' "$work/wrongca.log"
push_agent wrongname localhost --push.tls-ca="$work/ca.crt" --push.tls-cert="$work/cli.crt" \
    --push.tls-key="$work/cli.key"
wrongname_port=$last_port
check_push_refused "$wrongname_port" "push to a host name the certificate does not name"
cur_pw=$pw1
check "the store counted the pushes without a certificate" \
    bash -c "curl -s --max-time 5 --cacert ca.crt --cert cli.crt --key cli.key https://127.0.0.1:$ps_port/metrics | grep -q 'dockward_store_web_auth_failures_total{reason=\"client_certificate\"} [1-9]'"

# ---- basic auth for readers, bearer tokens for agents, on one store (issue 18 #1) ----
kill "$ps_pid"
printf 'basic_auth_users:\n  alice: %s\n' "$hash1" >basic.yml
chmod 600 basic.yml
start_store basicstore --web.config.file="$work/basic.yml"
bs_pid=$last_pid bs_port=$last_port
bs_url="http://127.0.0.1:$bs_port"
start_agent tokenagent --push.url="$bs_url/api/v1/reports" --push.token-file="$work/token" \
    --storage.path="$work/tokenagent-outbox"
ta_port=$last_port
check "basic-auth store: an agent's bearer-token push is stored" \
    wait_local_ge "$ta_port" 'dockward_report_push_total{result="stored"}' 1
check "basic-auth store: the query API refuses a reader without credentials (401)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$bs_url/api/v1/hosts")" = 401
check "basic-auth store: a reader with basic auth lists the pushed host" \
    bash -c "curl -s --max-time 5 -u 'alice:$pw1' '$bs_url/api/v1/hosts' | grep -q e2e-web"
check "basic-auth store: a reader with basic auth may not retire a host (403)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u "alice:$pw1" -X DELETE \
        "$bs_url/api/v1/hosts/e2e-web")" = 403
check "basic-auth store: a reader token reads without basic auth" \
    test "$(e2e_http_code -H "Authorization: Bearer $reader_token" "$bs_url/api/v1/hosts")" = 200
check "basic-auth store: an unknown bearer token on the query API is 401" \
    test "$(e2e_http_code -H "Authorization: Bearer x$reader_token" "$bs_url/api/v1/hosts")" = 401
check "basic-auth store: a push with basic auth only (no token) is 401" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u "alice:$pw1" -X POST \
        --data-binary x -H 'Content-Type: application/x-protobuf' "$bs_url/api/v1/reports")" = 401

# A 401 storm: an agent with a token the store does not know keeps every
# report; its token fixed and SIGHUP, all of them are stored, none dropped.
e2e_random_hex 24 >wrong-token
chmod 600 wrong-token
start_agent stormagent --push.url="$bs_url/api/v1/reports" --push.token-file="$work/wrong-token" \
    --storage.path="$work/stormagent-outbox"
sa_pid=$last_pid sa_port=$last_port
check "401 storm: the agent counts unauthorized pushes" \
    wait_local_ge "$sa_port" 'dockward_report_push_total{result="unauthorized"}' 2
check "401 storm: reports are kept in the outbox" wait_local_ge "$sa_port" 'dockward_outbox_reports' 2
check "401 storm: none dropped" \
    test "$(local_metric "$sa_port" 'dockward_outbox_dropped_total{reason="rejected"}')" = 0
check "401 storm: the log says the report is kept" grep -q 'the report is kept' "$work/stormagent.log"
kept=$(local_metric "$sa_port" 'dockward_outbox_reports')
cp token wrong-token
kill -HUP "$sa_pid"
outbox_drained() { # at most the report of the latest collection (every second) waits
    local _
    for _ in $(seq 1 150); do
        [ "$(local_metric "$sa_port" 'dockward_outbox_reports')" -le 1 ] && return 0
        sleep 0.2
    done
    return 1
}
check "401 storm fixed by SIGHUP: the outbox drains" outbox_drained
check "401 storm fixed: the kept reports were stored (at least $kept)" \
    wait_local_ge "$sa_port" 'dockward_report_push_total{result="stored"}' "$kept"
check "401 storm fixed: still none dropped" \
    test "$(local_metric "$sa_port" 'dockward_outbox_dropped_total{reason="rejected"}')" = 0
kill "$bs_pid" 2>/dev/null || true

# ---- no secret anywhere ----
key_line=$(sed -n 2p srv.key)
bodies="$work/bodies.txt"
: >"$bodies"
for p in "$good_port" "$nocert_port" "$wrongca_port" "$wrongname_port"; do
    curl -s --max-time 5 "http://127.0.0.1:$p/metrics" >>"$bodies" || true
done
for s in "$pw1" "$pw2" "$token" "$key_line"; do
    check "secret absent from logs and metrics (${#s} chars)" \
        bash -c "! grep -rqF -- '$s' '$work'/*.log '$bodies'"
done
check "no Authorization header value in any log" bash -c "! grep -qi 'authorization: basic' '$work'/*.log"

e2e_summary "all web config checks passed" || { echo "logs in $work (KEEP=1 keeps them)"; exit 1; }
