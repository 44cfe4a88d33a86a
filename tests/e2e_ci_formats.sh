#!/usr/bin/env bash
# e2e_ci_formats.sh - `dockward check --format junit|sarif`, --output,
# --fail-on and --check.level on a real run: a private dockerd (see
# tests/docker_env.sh) holds a created --privileged container, one whose
# environment names a secret in a variable whose NAME is hostile (quotes,
# "]]>", & <, control characters), a hardened one; the host tree
# (--path.rootfs, the hardened fixture) gets a registry certificate
# directory and file with hostile names (the same bytes and invalid UTF-8)
# that file_permissions fails. For every run:
#   - the JUnit file validates against Jenkins' xUnit junit-10.xsd (xmllint
#     --schema) and the SARIF file against the OASIS SARIF 2.1.0 schema
#     (python3-jsonschema), both committed in tests/schemas/;
#   - tests/ci_reports.py checks them against the same host's --format json:
#     one testcase per result with the element its status maps to, one SARIF
#     result per failing (check, target), names and messages equal to the
#     JSON text (hostile bytes included), counts, rules, fingerprints;
#   - --output writes the report to the file and the text report to the
#     terminal, with the exit code of the run;
#   - SARIF fingerprints are the same in a second run, after a container
#     that sorts first was added (order changed, the findings did not);
#   - --fail-on=warn turns warns into failures (exit code, JUnit, SARIF);
#   - --check.level=1 leaves out every level-2 check, in check and in the
#     daemon's /metrics;
#   - bad values of the new flags exit 2 with one line on stderr;
#   - a live waiver (expiry 30 days ahead) makes the privileged container's
#     5.5 `waived`: <skipped type="waived"> in JUnit, a SARIF result with an
#     external suppression; an expired waiver (yesterday) over the hostile
#     container's dockward.env_secret waives nothing: it fails, unsuppressed;
#   - the secret's value appears in no report.
#
# Environment (set by ctest): DOCKWARD_BIN, MKFIXTURE, DOCKWARD_TESTS.
set -euo pipefail

: "${DOCKWARD_BIN:?}" "${MKFIXTURE:?}" "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require curl jq xmllint docker dockerd busybox
# Debian's python3 and its python3-jsonschema (another python3 may come first in PATH).
PYTHON=/usr/bin/python3
"$PYTHON" -c 'import jsonschema' 2>/dev/null ||
    { echo "python3-jsonschema is required (packaging/install-deps.sh --test)"; exit 1; }
export LC_ALL=C
# shellcheck source=tests/docker_env.sh
source "$DOCKWARD_TESTS/docker_env.sh"

SCHEMAS="$DOCKWARD_TESTS/schemas"
REPORTS="$DOCKWARD_TESTS/ci_reports.py"
SECRET_VALUE='ci-s3cr3t-value'
IMAGE=dw-ci-busybox:1
# Hostile text: a double and a single quote, a CDATA end, markup, a tab,
# SOH and ESC (no XML 1.0 character), DEL.
HOSTILE=$'q"a\'p]]><b>&amp;\t\x01\x1b\x7f'

e2e_scratch ci

t0=$(e2e_now)

# ---- the host tree and the private dockerd --------------------------------

root=$("$MKFIXTURE" "$DOCKWARD_TESTS/fixtures/hardened/manifest")
certs="$root/etc/docker/certs.d/reg-$HOSTILE"$'\xff\xfe'
mkdir -p "$certs"
echo cert >"$certs/ca-$HOSTILE.crt"
chmod 0666 "$certs/ca-$HOSTILE.crt" # world-writable: fails the registry certificate checks

echo '{}' >"$work/daemon.json"
docker_started=1
docker_env_start "$work/docker" --config-file "$work/daemon.json" || exit 1
docker_env_import_busybox "$IMAGE"
sock=$DOCKER_ENV_SOCK
dk create --name priv --privileged "$IMAGE" sleep 1000 >/dev/null
dk run -d --name env-hostile -e "API_TOKEN_$HOSTILE=$SECRET_VALUE" "$IMAGE" sleep 1000 >/dev/null
dk run -d --name hardened --user 1000 --read-only --memory 64m --cpus 0.5 --pids-limit 100 \
    --security-opt no-new-privileges --cap-drop ALL --health-cmd true --health-interval 2s \
    --restart on-failure:3 --network none "$IMAGE" sleep 1000 >/dev/null
echo "# dockerd and 3 containers ready after $(e2e_since "$t0") s"

# Dates relative to now: the clock is never moved.
cat >"$work/waivers.yml" <<EOF
waivers:
  - id: priv-accepted
    checks: ["5.5"]
    targets: ["container/priv"]
    reason: the CI builder needs it
    owner: platform-team
    expires: $(date -u -d '+30 days' +%F)
  - id: env-expired
    checks: ["dockward.env_secret"]
    targets: ["container/env-*"]
    reason: was accepted until yesterday
    owner: app-team
    expires: $(date -u -d '-1 day' +%F)
EOF

dw_check() {
    "$DOCKWARD_BIN" check --path.rootfs="$root" --docker.host="unix://$sock" \
        --collector.disable-defaults --collector.container_runtime --collector.file_permissions \
        --waivers.file="$work/waivers.yml" "$@"
}

# run_check NAME ARGS...: one run, its stdout, stderr and exit code in $work/NAME.{out,err,rc}
run_check() {
    local name=$1 rc=0
    shift
    dw_check "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
    echo "$rc" >"$work/$name.rc"
}
rc_of() { cat "$work/$1.rc"; }

# ---- the reference, and the two reports of the same host -------------------

# stderr: only the warning that the expired waiver waives nothing.
quiet_but_expiry() { ! grep -v 'waiver env-expired expired' "$work/$1.err"; }
run_check ref --format json
check "reference JSON run: exit 1, on stderr only the expired waiver" \
    bash -c "[ '$(rc_of ref)' = 1 ] && grep -q 'waiver env-expired expired' '$work/ref.err'"
check "... and nothing else" quiet_but_expiry ref
cp "$work/ref.out" "$work/ref.json"
hostile_results() { # the hostile bytes reached results: the env name and the certificate path
    jq -e --arg h "$HOSTILE" '[.results[] | select((.evidence | contains("API_TOKEN_" + $h))
        or (.target | contains("/ca-" + $h)))] | length >= 2' "$work/ref.json" >/dev/null
}
check "the hostile names reach the results (env variable, certificate file)" hostile_results
status_of() { # status_of CHECK TARGET
    jq -r --arg c "$1" --arg t "$2" '.results[] | select(.check == $c and .target == $t)
        | "\(.status) \(.waiver // "-")"' "$work/ref.json"
}
check "the live waiver: 5.5 of container/priv is waived by priv-accepted" \
    [ "$(status_of 5.5 container/priv)" = "waived priv-accepted" ]
check "the expired waiver: dockward.env_secret of container/env-hostile fails" \
    [ "$(status_of dockward.env_secret container/env-hostile)" = "fail -" ]

run_check junit --format junit --output "$work/report.xml"
check "--format junit --output: exit 1, as the JSON run" [ "$(rc_of junit)" = 1 ]
check "--output: the text report is on the terminal" grep -q '^Summary: ' "$work/junit.out"
check "--output: the terminal shows no XML" bash -c "! grep -q '<testsuite' '$work/junit.out'"
check "--output: nothing on stderr but the expired waiver" quiet_but_expiry junit
check "--output: no temporary file is left beside the report" \
    [ "$(find "$work" -maxdepth 1 -name 'report.xml.*' | wc -l)" = 0 ]
check "the JUnit file validates against junit-10.xsd (xmllint --schema)" \
    xmllint --noout --schema "$SCHEMAS/junit-10.xsd" "$work/report.xml"
check "the JUnit file holds the JSON run: every result, its element, its text" \
    "$PYTHON" "$REPORTS" junit "$work/report.xml" "$work/ref.json" fail
check "JUnit: the waived result is <skipped type=\"waived\"> naming the waiver" \
    grep -q '<skipped type="waived" message="waived by priv-accepted: ' "$work/report.xml"
check "no raw ']]>' and no control character in the JUnit file" \
    bash -c "! grep -q ']]>' '$work/report.xml' && ! grep -qP '[\x01\x1b]' '$work/report.xml'"

run_check sarif --format sarif --output "$work/report.sarif"
check "--format sarif --output: exit 1" [ "$(rc_of sarif)" = 1 ]
check "the SARIF file validates against the SARIF 2.1.0 schema (jsonschema)" \
    "$PYTHON" "$REPORTS" sarif-valid "$SCHEMAS/sarif-schema-2.1.0.json" "$work/report.sarif"
check "the SARIF file holds the JSON run: failing results, levels, rules, fingerprints" \
    "$PYTHON" "$REPORTS" sarif "$work/report.sarif" "$work/ref.json" fail

suppressed() { # suppressed CHECK TARGET: the kind of the SARIF result's suppression, or "none"
    jq -r --arg c "$1" --arg t "$2" '.runs[0].results[] | select(.ruleId == $c and
        .properties.target == $t) | (.suppressions // [{"kind": "none"}])[0].kind' "$work/report.sarif"
}
check "SARIF: the waived result is kept with an external suppression" \
    [ "$(suppressed 5.5 container/priv)" = external ]
check "SARIF: the result of the expired waiver is a plain finding" \
    [ "$(suppressed dockward.env_secret container/env-hostile)" = none ]

run_check json-file --format json --output "$work/report.json"
check "--format json --output: the file is the JSON run, the terminal the text" bash -c \
    "[ '$(rc_of json-file)' = 1 ] && jq -e '.summary.exit_code == 1' '$work/report.json' >/dev/null &&
     grep -q '^Summary: ' '$work/json-file.out'"

# On stdout (no --output) the report is all there is.
run_check sarif-stdout --format sarif
check "--format sarif on stdout: valid, and the same findings" bash -c \
    "'$PYTHON' '$REPORTS' sarif-valid '$SCHEMAS/sarif-schema-2.1.0.json' '$work/sarif-stdout.out' >/dev/null &&
     diff <('$PYTHON' '$REPORTS' fingerprints '$work/sarif-stdout.out') \
          <('$PYTHON' '$REPORTS' fingerprints '$work/report.sarif')"

# ---- fingerprints: stable across runs and a changed order -----------------

"$PYTHON" "$REPORTS" fingerprints "$work/report.sarif" >"$work/fp1.tsv"
dk create --name aaa-first --privileged "$IMAGE" sleep 1000 >/dev/null # sorts before the others
run_check sarif2 --format sarif --output "$work/report2.sarif"
"$PYTHON" "$REPORTS" fingerprints "$work/report2.sarif" >"$work/fp2.tsv"
grep -v $'\tcontainer/aaa-first\t' "$work/fp2.tsv" >"$work/fp2-old.tsv" || true
check "a second run, a container added first: the earlier findings keep their fingerprints" \
    diff "$work/fp1.tsv" "$work/fp2-old.tsv"
check "... and the new container's findings are new ones" \
    [ "$(grep -c $'\tcontainer/aaa-first\t' "$work/fp2.tsv")" -ge 1 ]
dk rm -f aaa-first >/dev/null

# ---- --fail-on -------------------------------------------------------------

# 5.30 (the default bridge) warns for the two containers on it, and fails nothing.
run_check warn-json --format json --check.include 5.30
cp "$work/warn-json.out" "$work/warn.json"
check "--check.include 5.30: warns, no failure, exit 0" bash -c \
    "[ '$(rc_of warn-json)' = 0 ] && jq -e '.summary.warn >= 2 and .summary.fail == 0' '$work/warn.json' >/dev/null"
run_check warn-failon --format json --check.include 5.30 --fail-on=warn
check "--fail-on=warn: the same warns exit 1, and summary.exit_code says 1" bash -c \
    "[ '$(rc_of warn-failon)' = 1 ] && [ \"\$(jq .summary.exit_code '$work/warn-failon.out')\" = 1 ]"
run_check warn-junit --format junit --check.include 5.30 --output "$work/warn.xml"
check "JUnit by default: the warns are <skipped>, no <failure>" bash -c \
    "[ '$(rc_of warn-junit)' = 0 ] && '$PYTHON' '$REPORTS' junit '$work/warn.xml' '$work/warn.json' fail >/dev/null &&
     ! grep -q '<failure' '$work/warn.xml'"
run_check warn-junit2 --format junit --check.include 5.30 --fail-on=warn --output "$work/warn2.xml"
check "JUnit with --fail-on=warn: the warns are <failure type=\"warn\">, still schema-valid" bash -c \
    "[ '$(rc_of warn-junit2)' = 1 ] && xmllint --noout --schema '$SCHEMAS/junit-10.xsd' '$work/warn2.xml' 2>/dev/null &&
     '$PYTHON' '$REPORTS' junit '$work/warn2.xml' '$work/warn.json' warn >/dev/null &&
     grep -q '<failure type=\"warn\"' '$work/warn2.xml'"
run_check warn-sarif --format sarif --check.include 5.30 --fail-on=warn --output "$work/warn.sarif"
check "SARIF with --fail-on=warn: one warning-level result per warn, schema-valid" bash -c \
    "'$PYTHON' '$REPORTS' sarif-valid '$SCHEMAS/sarif-schema-2.1.0.json' '$work/warn.sarif' >/dev/null &&
     '$PYTHON' '$REPORTS' sarif '$work/warn.sarif' '$work/warn-failon.out' warn >/dev/null &&
     [ \"\$(jq '[.runs[0].results[] | select(.level == \"warning\")] | length' '$work/warn.sarif')\" = \"\$(jq .summary.warn '$work/warn.json')\" ]"
run_check warn-sarif0 --format sarif --check.include 5.30 --output "$work/warn0.sarif"
check "SARIF by default: warns are no results" \
    [ "$(jq '.runs[0].results | length' "$work/warn0.sarif")" = 0 ]

# ---- --check.level ---------------------------------------------------------

level2_in() { jq '[.results[] | select(.level == 2)] | length' "$1"; }
check "level 2: the default run judges level-2 checks" [ "$(level2_in "$work/ref.json")" -gt 0 ]
run_check level1 --format json --check.level=1
check "--check.level=1: no level-2 result, the level-1 ones all there" bash -c \
    "[ \"\$(jq '[.results[] | select(.level == 2)] | length' '$work/level1.out')\" = 0 ] &&
     [ \"\$(jq '[.results[] | select(.level == 1)] | length' '$work/level1.out')\" = \"\$(jq '[.results[] | select(.level == 1)] | length' '$work/ref.json')\" ]"
run_check level1-sarif --format sarif --check.level=1 --output "$work/level1.sarif"
check "--check.level=1: the SARIF rules are all level 1" \
    [ "$(jq '[.runs[0].tool.driver.rules[] | select(.properties.cisLevel != 1)] | length' "$work/level1.sarif")" = 0 ]

log="$work/agent.log"
"$DOCKWARD_BIN" --web.listen-address=127.0.0.1:0 --path.rootfs="$root" --docker.host="unix://$sock" \
    --collector.disable-defaults --collector.container_runtime --check.level=1 \
    --collection.interval=60s 2>"$log" &
agent_pid=$!
pids+=("$agent_pid")
port=$(e2e_port_of "$log" "$agent_pid")
e2e_wait_200 "http://127.0.0.1:$port/readyz" "$agent_pid"
curl -s "http://127.0.0.1:$port/metrics" >"$work/level1.prom"
check "the daemon with --check.level=1: check_info has level-1 checks only" bash -c \
    "grep -q 'dockward_check_info{.*level=\"1\"' '$work/level1.prom' &&
     ! grep -q 'level=\"2\"' '$work/level1.prom'"
check "... and no failure series of a level-2 check (5.3 is level 2)" \
    bash -c "! grep -q 'dockward_check_failing_targets{check=\"5.3\"}' '$work/level1.prom'"
e2e_stop "$agent_pid"
pids=()

# ---- bad values: exit 2, one line --------------------------------------------

bad_value() { # bad_value WANT-IN-MESSAGE ARGS...
    local want=$1 rc=0
    shift
    "$DOCKWARD_BIN" check "$@" >"$work/bad.out" 2>"$work/bad.err" || rc=$?
    [ "$rc" = 2 ] && [ "$(wc -l <"$work/bad.err")" = 1 ] && grep -q -- "$want" "$work/bad.err" &&
        [ ! -s "$work/bad.out" ] && return 0
    echo "exit $rc, stderr: $(cat "$work/bad.err")"
    return 1
}
check "--check.level=3: exit 2, one line naming the flag" bad_value --check.level --check.level=3
check "--check.level=x: exit 2" bad_value --check.level --check.level=x
check "--fail-on=error: exit 2, one line naming the flag" bad_value --fail-on --fail-on=error
check "--format xml: exit 2" bad_value --format --format xml
check "--output with --format text: exit 2" bad_value "--output needs" --output "$work/x.txt"
t_bad=$(e2e_now)
check "--output into a missing directory: exit 2 before any collection" \
    bad_value "cannot write --output" --format sarif --output "$work/no/such/dir/r.sarif" \
    --docker.host="unix://$sock"
check "... at once (under 2 s)" [ "$(e2e_since "$t_bad" | cut -d. -f1)" -lt 2 ]
dw_check --help >"$work/help.txt"
check "--help lists --format junit|sarif, --output, --fail-on and --check.level" bash -c \
    "grep -q 'junit' '$work/help.txt' && grep -q 'sarif' '$work/help.txt' &&
     grep -q -- '--output' '$work/help.txt' && grep -q -- '--fail-on' '$work/help.txt' &&
     grep -q -- '--check.level' '$work/help.txt'"

# ---- no secret -------------------------------------------------------------

no_secret() {
    local f
    for f in "$work"/*.xml "$work"/*.sarif "$work"/*.out "$work"/*.err; do
        if grep -qF "$SECRET_VALUE" "$f"; then
            echo "$f holds the secret value"
            return 1
        fi
    done
}
check "the secret value appears in no report, terminal output or error" no_secret

echo "# $(e2e_since "$t0") s in all"
e2e_summary "CI formats: all checks passed"
