#!/usr/bin/env bash
# e2e_dashboards.sh - static checks of dashboards/: the Prometheus rules and
# the Grafana dashboards, with the real promtool and jq, no server.
#
#   rules   promtool check rules on recording.yml and alerts.yml; promtool
#           test rules on every dashboards/rules/*_test.yml; every alert and
#           every recorded series has a case where it fires (has samples)
#           and one where it must not (exp_alerts: [] / exp_samples: []);
#           every alert has for:, a severity label, summary, description and
#           runbook_url annotations, the runbook_url is
#           https://github.com/dockward/dockward/blob/main/docs/dashboards.md#alert-<name in lower case>
#           and docs/dashboards.md has the heading "Alert: <Name>" whose
#           anchor (GitHub's, as tests/docs_links.py computes it) that is.
#   dashboards  valid JSON; schemaVersion >= 39; a uid; a `datasource`
#           variable (type datasource, plugin prometheus); the job/instance
#           variables (query variables on ${datasource}); every datasource
#           reference is {type prometheus, uid ${datasource}} (no hard-coded
#           uid); every panel but a row has a description, a unit and at
#           least one query, each with an expression; panel ids are unique.
#   metric names  every metric named in a dashboard expression, a variable
#           query or a rule expression is in a docs/metrics.md table (a table
#           whose first column is "metric"; X_bucket/_sum/_count of a listed
#           histogram count), is `up`, or is recorded by recording.yml.
#           Names are found crudely but safely: string literals and Grafana
#           variables are removed, then identifiers followed by `{`, `[`,
#           `)`, `,`, a blank or the end of a line that start with
#           dockward_ or process_, are `up`, or contain a colon (recorded
#           names) are checked.
#
# Rows (type "row") are layout headers without queries and are exempt from
# the panel rules. Environment (set by ctest): DOCKWARD_TESTS.
# DOCKWARD_DOCS=DIR checks against another docs/ directory (a draft) instead;
# KEEP_WORK=1 keeps the temporary directory (the names found, the problems).
set -euo pipefail

: "${DOCKWARD_TESTS:?}"
# shellcheck source=tests/e2e_lib.sh
source "$DOCKWARD_TESTS/e2e_lib.sh"
e2e_require jq promtool python3
export LC_ALL=C
root=$(cd "$DOCKWARD_TESTS/.." && pwd)
rules=$root/dashboards/rules
grafana=$root/dashboards/grafana
docs=${DOCKWARD_DOCS:-$root/docs}
runbook=https://github.com/dockward/dockward/blob/main/docs/dashboards.md

work=$(mktemp -d /tmp/dockward-dash-XXXXXX)
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT

# report NAME FILE: passes when FILE is empty, else prints it.
empty_or_show() {
    if [ -s "$2" ]; then sed "s/^/       $1: /" "$2"; return 1; fi
    return 0
}

# ---- rules: promtool ----------------------------------------------------------

check "promtool check rules recording.yml alerts.yml" \
    promtool check rules "$rules/recording.yml" "$rules/alerts.yml"
tests=("$rules"/*_test.yml)
check "promtool test rules ${tests[*]##*/}" promtool test rules "${tests[@]}"

# ---- rules: every alert and recorded series tested both ways ------------------

alert_names=$(sed -nE 's/^ *- alert: *([A-Za-z0-9_]+) *$/\1/p' "$rules/alerts.yml")
record_names=$(sed -nE 's/^ *- record: *([A-Za-z0-9_:]+) *$/\1/p' "$rules/recording.yml" | sort -u)
check "alerts.yml defines alerts ($(wc -w <<<"$alert_names"))" test -n "$alert_names"
check "recording.yml records series ($(wc -w <<<"$record_names"))" test -n "$record_names"

# One line per (alertname, outcome) found in the tests: "NAME fires" / "NAME quiet".
awk '/^ *alertname:/ { name = $2 }
     /^ *exp_alerts: *\[\] *$/ { print name, "quiet" }
     /^ *exp_alerts: *$/ { print name, "fires" }' "$rules"/*_test.yml | sort -u >"$work/alert-cases"
awk '/^ *- expr:/ { sub(/^ *- expr: */, ""); name = $0 }
     /^ *exp_samples: *\[\] *$/ { print name, "quiet" }
     /^ *exp_samples: *$/ { print name, "fires" }' "$rules"/*_test.yml | sort -u >"$work/record-cases"
: >"$work/untested"
for a in $alert_names; do
    for outcome in fires quiet; do
        grep -qx "$a $outcome" "$work/alert-cases" || echo "$a: no case where it $outcome" >>"$work/untested"
    done
done
for r in $record_names; do
    for outcome in fires quiet; do
        grep -qx "$r $outcome" "$work/record-cases" || echo "$r: no case where it $outcome" >>"$work/untested"
    done
done
check "every alert and recorded series has a firing and a quiet test case" \
    empty_or_show untested "$work/untested"

# ---- rules: the fields of every alert ------------------------------------------

# The anchors of docs/dashboards.md's headings, as GitHub makes them.
python3 "$DOCKWARD_TESTS/docs_links.py" --anchors "$docs/dashboards.md" >"$work/anchors"
check "docs/dashboards.md has anchors ($(wc -l <"$work/anchors"))" test -s "$work/anchors"

# Splits alerts.yml into one block per alert (up to the next rule or group).
awk -v dir="$work" '
    /^ *- (alert|record):|^ *- name:/ { if (out != "") close(out); out = "" }
    /^ *- alert:/ { out = dir "/alert." $3 }
    out != "" { print > out }' "$rules/alerts.yml"
: >"$work/fields"
for a in $alert_names; do
    blk=$work/alert.$a
    lower=$(echo "$a" | tr '[:upper:]' '[:lower:]')
    grep -qE '^ +for: +[0-9]+[smh]' "$blk" || echo "$a: no for:" >>"$work/fields"
    grep -qE '^ +severity: +(critical|warning|info) *$' "$blk" || echo "$a: no severity label" >>"$work/fields"
    for ann in summary description; do
        grep -qE "^ +$ann: +[^ ]" "$blk" || echo "$a: no $ann annotation" >>"$work/fields"
    done
    grep -qx " *runbook_url: $runbook#alert-$lower" "$blk" ||
        echo "$a: runbook_url is not $runbook#alert-$lower" >>"$work/fields"
    grep -qE "^#+ Alert: $a *$" "$docs/dashboards.md" ||
        echo "$a: docs/dashboards.md has no heading \"Alert: $a\"" >>"$work/fields"
    grep -qxF "alert-$lower" "$work/anchors" ||
        echo "$a: docs/dashboards.md has no anchor #alert-$lower" >>"$work/fields"
done
check "every alert has for:, severity, summary, description and a runbook_url into docs/dashboards.md" \
    empty_or_show fields "$work/fields"

# ---- dashboards: structure --------------------------------------------------------

# jq program: prints one line per problem. $vars: the query variables required.
cat >"$work/dash.jq" <<'JQ'
def panels: [.panels[]? | ., (.panels[]? // empty)];
def ds_ok: type == "object" and .type == "prometheus" and .uid == "${datasource}";
(if (.schemaVersion // 0) < 39 then "schemaVersion \(.schemaVersion) is older than 39" else empty end),
(if (.uid // "") == "" then "no dashboard uid" else empty end),
(if (.title // "") == "" then "no title" else empty end),
(if ([.templating.list[]? | select(.name == "datasource" and .type == "datasource"
       and .query == "prometheus")] | length) != 1
 then "no `datasource` variable of type datasource (prometheus)" else empty end),
(($vars | split(" ")[]) as $v |
 if ([.templating.list[]? | select(.name == $v and .type == "query" and (.datasource | ds_ok)
       and ((.query.query? // .query // "") | length) > 0)] | length) != 1
 then "no query variable `\($v)` on ${datasource}" else empty end),
([.. | objects | select(has("datasource")) | .datasource | select(ds_ok | not)]
 | if length > 0 then "datasource not {prometheus, ${datasource}}: \(unique | tostring)" else empty end),
(panels[] | select(.type != "row") | . as $p | ($p.title // "(untitled)") as $t |
   (if ($p.title // "") == "" then "panel id \($p.id): no title" else empty end),
   (if ($p.description // "") == "" then "panel \"\($t)\": no description" else empty end),
   (if ($p.fieldConfig.defaults.unit // "") == "" then "panel \"\($t)\": no unit" else empty end),
   (if ($p.datasource | ds_ok | not) then "panel \"\($t)\": datasource is not ${datasource}" else empty end),
   (if (($p.targets // []) | length) == 0 then "panel \"\($t)\": no query" else empty end),
   ($p.targets[]? | if (.expr // "") == "" then "panel \"\($t)\": query \(.refId) has no expression" else empty end),
   (if $p.gridPos == null then "panel \"\($t)\": no gridPos" else empty end)),
(panels | map(.id) | if (map(select(. == null)) | length) > 0 then "a panel without an id"
  elif (unique | length) != length then "duplicate panel ids" else empty end),
(panels | map(select(.type != "row")) | if length < 10 then "only \(length) panels" else empty end)
JQ

for d in host fleet; do
    f=$grafana/$d.json
    case $d in
    host) vars="job instance" ;;
    fleet) vars="job instance agent_job" ;;
    esac
    check "$d.json is valid JSON" jq -e 'type == "object"' "$f" >/dev/null
    jq -r --arg vars "$vars" -f "$work/dash.jq" "$f" >"$work/problems.$d" 2>&1 || echo "jq failed" >>"$work/problems.$d"
    check "$d.json: schemaVersion, datasource + $vars variables, no hard-coded uid, every panel described, with a unit and a query" \
        empty_or_show "$d.json" "$work/problems.$d"
done

# ---- metric names ------------------------------------------------------------------

# Names docs/metrics.md lists: first column of tables whose header starts "| metric |".
awk '/^\| *metric *\|/ { t = 1; next }
     t && !/^\|/ { t = 0 }
     t { split($0, c, "|"); print c[2] }' "$docs/metrics.md" |
    grep -oE '`[a-z_:][a-z0-9_:]*`' | tr -d '`' | sort -u >"$work/doc-names"
check "docs/metrics.md lists metrics ($(wc -l <"$work/doc-names"))" test -s "$work/doc-names"
{
    cat "$work/doc-names"
    echo "up"
    echo "$record_names"
    # A histogram's series.
    sed -nE 's/^(.*)$/\1_bucket\n\1_sum\n\1_count/p' "$work/doc-names"
} | sort -u >"$work/known-names"

# Expressions: dashboards (targets and variable queries), then rules (expr:
# values, single line or block).
for d in host fleet; do
    jq -r '(.. | objects | .expr? // empty), (.templating.list[]? | .query.query? // .query // empty | strings)' \
        "$grafana/$d.json" | sed "s/^/$d.json: /"
done >"$work/exprs"
for r in recording alerts; do
    awk -v f="$r.yml" '
        inblk && match($0, /^ */) && RLENGTH <= ind && $0 !~ /^ *$/ { inblk = 0 }
        inblk { print f ": " $0; next }
        /^ *expr: *\|/ { inblk = 1; match($0, /^ */); ind = RLENGTH; next }
        /^ *expr:/ { sub(/^ *expr: */, ""); print f ": " $0 }' "$rules/$r.yml"
done >>"$work/exprs"
check "found dashboard and rule expressions ($(wc -l <"$work/exprs") lines)" test -s "$work/exprs"

# Strip string literals ("..." with escapes, `...`) and Grafana variables, then
# pick the candidate names.
sed -E 's/"([^"\\]|\\.)*"//g; s/`[^`]*`//g; s/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?//g' "$work/exprs" |
    while IFS= read -r line; do
        src=${line%%: *}
        grep -oP '(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*(?=[\s{[),]|$)' <<<"${line#*: }" |
            grep -E '^(dockward_|process_)|^up$|:' | sed "s|^|$src |" || true
    done | sort -u >"$work/used-names"
check "expressions name metrics ($(cut -d' ' -f2 "$work/used-names" | sort -u | wc -l) distinct)" \
    test -s "$work/used-names"
: >"$work/unknown"
while read -r src name; do
    grep -qxF "$name" "$work/known-names" || echo "$name (in $src) is neither in docs/metrics.md's tables nor recorded by recording.yml" >>"$work/unknown"
done <"$work/used-names"
check "every metric in the dashboards and rules is in docs/metrics.md or recording.yml" \
    empty_or_show unknown "$work/unknown"

# The checker itself must catch a name that does not exist.
printf 'x.json: rate(dockward_no_such_metric_total{job=~"$job"}[5m]) + process_cpu_seconds_total\n' |
    sed -E 's/"([^"\\]|\\.)*"//g; s/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?//g' |
    grep -oP '(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*(?=[\s{[),]|$)' >"$work/selftest"
check "the name scanner finds names in a sample expression" \
    grep -qx 'dockward_no_such_metric_total' "$work/selftest"

echo
e2e_summary "e2e_dashboards: all checks passed"
