#!/usr/bin/env python3
"""ci_reports.py - checks of `dockward check --format junit|sarif` for
tests/e2e_ci_formats.sh, each against the same run's `--format json` (the
reference: every result with its check, target, status and evidence):

  ci_reports.py sarif-valid SCHEMA SARIF      the file is valid against the
                                              SARIF 2.1.0 JSON schema (Draft 4)
  ci_reports.py junit JUNIT JSON FAIL_ON      one testcase per result, in the
                                              suite of its section, with the
                                              element its status maps to, the
                                              counts right, names and messages
                                              equal to the JSON's text
  ci_reports.py sarif SARIF JSON FAIL_ON      one result per failing or waived
                                              (check, target), levels, rules,
                                              ruleIndex, messages, suppressions,
                                              unique fingerprints
  ci_reports.py fingerprints SARIF            "check<TAB>target<TAB>fingerprint"
                                              lines, sorted

Exit 0 when every check holds; otherwise the first few problems on stdout
and exit 1. Only the standard library and python3-jsonschema.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

# What XML 1.0 cannot hold, which dockward writes as U+FFFD.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(s):
    return NOT_XML.sub("\ufffd", s)


def failing(status, fail_on):
    return status == "fail" or (status == "warn" and fail_on == "warn")


def junit_element(status, fail_on):
    if failing(status, fail_on):
        return "failure"
    if status == "pass":
        return None
    if status == "error":
        return "error"
    return "skipped"  # skip, waived, warn that does not fail


def section_title(section):
    titles = ["", "Host configuration", "Docker daemon configuration",
              "Docker daemon configuration files", "Container images and build files",
              "Container runtime", "Docker security operations",
              "Docker swarm configuration"]
    return titles[int(section)] if section.isdigit() and 1 <= int(section) <= 7 \
        else "Other checks"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Problems:
    def __init__(self):
        self.list = []

    def add(self, text):
        self.list.append(text)

    def finish(self, ok_text):
        if self.list:
            for p in self.list[:10]:
                print(p)
            print(f"{len(self.list)} problem(s)")
            return 1
        print(ok_text)
        return 0


def cmd_sarif_valid(schema_path, sarif_path):
    import jsonschema
    schema, doc = load(schema_path), load(sarif_path)
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    p = Problems()
    for e in errors:
        p.add(f"{'/'.join(str(x) for x in e.path)}: {e.message[:300]}")
    return p.finish(f"{sarif_path}: valid SARIF 2.1.0 "
                    f"({len(doc['runs'][0].get('results', []))} results)")


def cmd_junit(junit_path, json_path, fail_on):
    ref = load(json_path)
    root = ET.parse(junit_path).getroot()  # the bytes are well-formed XML, or this raises
    p = Problems()
    if root.tag != "testsuites":
        p.add(f"root element is {root.tag}")
    cases = {}
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.findall("testsuite"):
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in suite.findall("testcase"):
            counts["tests"] += 1
            kinds = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
            for k in kinds:
                counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[k]] += 1
            if suite.get("name") == "dockward collectors":
                continue
            key = (case.get("classname").split(" ", 1)[0], case.get("name"))
            if key in cases:
                p.add(f"testcase {key} twice")
            cases[key] = (suite.get("name"), case.get("classname"), kinds, case)
        for k, v in counts.items():
            if suite.get(k) != str(v):
                p.add(f"suite {suite.get('name')}: {k}={suite.get(k)}, counted {v}")
        for k in totals:
            totals[k] += counts[k]
    for k, v in totals.items():
        if root.get(k) != str(v):
            p.add(f"testsuites {k}={root.get(k)}, counted {v}")
    collectors = root.findall("testsuite[@name='dockward collectors']/testcase")
    if len(collectors) != len(ref["collectors"]):
        p.add(f"{len(collectors)} collector testcases, {len(ref['collectors'])} collectors ran")
    for r in ref["results"]:
        key = (r["check"], xml_text(r["target"]))
        if key not in cases:
            p.add(f"no testcase for {key}")
            continue
        suite, classname, kinds, case = cases.pop(key)
        want_suite = f"CIS {r['section']} {section_title(r['section'])}"
        if suite != want_suite:
            p.add(f"{key} in suite {suite!r}, want {want_suite!r}")
        if classname != f"{r['check']} {xml_text(r['title'])}":
            p.add(f"{key} classname {classname!r}")
        want = junit_element(r["status"], fail_on)
        if kinds != ([want] if want else []):
            p.add(f"{key} status {r['status']}: elements {kinds}, want {want}")
            continue
        if want:
            el = case.find(want)
            msg = xml_text(r["evidence"])
            if r["status"] == "waived":
                msg = f"waived by {r.get('waiver', '')}: {msg}"
            if el.get("message") != msg:
                p.add(f"{key} message {el.get('message')!r}, want {msg!r}")
            if el.get("type") != r["status"]:
                p.add(f"{key} type {el.get('type')!r}, want {r['status']!r}")
    for key in cases:
        p.add(f"testcase {key} is no result of the JSON run")
    return p.finish(f"{junit_path}: {len(ref['results'])} testcases match the JSON run "
                    f"({totals['failures']} failures, {totals['errors']} errors)")


def cmd_sarif(sarif_path, json_path, fail_on):
    ref, doc = load(json_path), load(sarif_path)
    p = Problems()
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    if len(set(ids)) != len(ids):
        p.add("a rule id appears twice")
    titles = {r["check"]: r["title"] for r in ref["results"]}
    for rule in rules:
        if rule["id"] in titles and rule["shortDescription"]["text"] != titles[rule["id"]]:
            p.add(f"rule {rule['id']} title {rule['shortDescription']['text']!r}")
        if not rule.get("help", {}).get("text"):
            p.add(f"rule {rule['id']} has no remediation")
    want = {}
    for r in ref["results"]:
        if failing(r["status"], fail_on) or r["status"] == "waived":
            want[(r["check"], r["target"])] = r
    seen_fp = set()
    for res in run["results"]:
        key = (res["ruleId"], res["properties"]["target"])
        r = want.pop(key, None)
        if r is None:
            p.add(f"result {key} is not a failing or waived result of the JSON run")
            continue
        if ids[res["ruleIndex"]] != res["ruleId"]:
            p.add(f"{key}: ruleIndex {res['ruleIndex']} is rule {ids[res['ruleIndex']]}")
        verdict = r.get("judged", r["status"])
        level = {"fail": "error", "warn": "warning"}[verdict]
        if res["level"] != level:
            p.add(f"{key}: level {res['level']}, want {level}")
        if res["message"]["text"] != f"{r['target']}: {r['evidence']}":
            p.add(f"{key}: message {res['message']['text']!r}")
        fp = res["partialFingerprints"]["dockward/v1"]
        if not re.fullmatch("[0-9a-f]{32}", fp) or fp in seen_fp:
            p.add(f"{key}: fingerprint {fp} malformed or not unique")
        seen_fp.add(fp)
        sup = res.get("suppressions")
        if (r["status"] == "waived") != bool(sup):
            p.add(f"{key}: status {r['status']} with suppressions {sup}")
        if sup and (sup[0]["kind"] != "external" or r.get("waiver", "") not in
                    sup[0].get("justification", "") + json.dumps(sup[0].get("properties"))):
            p.add(f"{key}: suppression {sup}")
    for key in want:
        p.add(f"no SARIF result for failing {key}")
    inv = run["invocations"][0]
    errors = sum(1 for r in ref["results"] if r["status"] == "error")
    failed = sum(1 for c in ref["collectors"] if not c["success"])
    notes = inv.get("toolExecutionNotifications", [])
    if len(notes) != errors + failed:
        p.add(f"{len(notes)} notifications, want {errors} error results + {failed} collectors")
    if inv["executionSuccessful"] != (failed == 0):
        p.add("executionSuccessful does not match the collectors")
    if inv["exitCode"] != ref["summary"]["exit_code"]:
        p.add(f"exitCode {inv['exitCode']}, the JSON run says {ref['summary']['exit_code']}")
    return p.finish(f"{sarif_path}: {len(run['results'])} results match the JSON run "
                    f"({len(rules)} rules)")


def cmd_fingerprints(sarif_path):
    doc = load(sarif_path)
    lines = sorted(f"{r['ruleId']}\t{r['properties']['target']}\t"
                   f"{r['partialFingerprints']['dockward/v1']}"
                   for r in doc["runs"][0]["results"])
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


def main(argv):
    cmds = {"sarif-valid": (cmd_sarif_valid, 2), "junit": (cmd_junit, 3),
            "sarif": (cmd_sarif, 3), "fingerprints": (cmd_fingerprints, 1)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__)
        return 2
    return cmds[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
