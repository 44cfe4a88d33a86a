/*
 * format_sarif.c - `dockward check --format sarif`: the results as a SARIF
 * 2.1.0 log for code-scanning UIs (GitHub's upload-sarif, GitLab, Azure
 * DevOps, SonarQube). It validates against the OASIS schema
 * (tests/schemas/sarif-schema-2.1.0.json).
 *
 * One run, whose driver lists one rule per selected check of the
 * collectors that ran: shortDescription the title, help the remediation,
 * defaultConfiguration.level "error" for automated checks and "warning"
 * for manual ones, the CIS section and level as properties and tags.
 *
 * One result per (check, target) that fails under --fail-on (fail, and warn
 * with --fail-on=warn) at the level of its status, and one per waived
 * (check, target) with an external, accepted suppression whose
 * justification names the waiver: a UI shows it dismissed, and an expired
 * waiver brings it back as the same alert. Each result's
 * partialFingerprints["dockward/v1"] is derived from the check id and the
 * target only (format_fingerprint), so a finding keeps its identity across
 * runs whatever the evidence, the order or the time. Its location is the
 * target as a relative URI ("container/web", "file/etc/docker/daemon.json":
 * no file of the repository), as code-scanning UIs require one.
 *
 * What could not be judged is no finding about the host: collectors that
 * could not run and results with status error become
 * invocations[0].toolExecutionNotifications, and executionSuccessful is
 * false when a collector could not run.
 */
#include "format.h"

#include <stdlib.h>
#include <string.h>

/* How a result shows in SARIF. */
enum sarif_kind { SARIF_OMIT, SARIF_FINDING, SARIF_SUPPRESSED, SARIF_NOTIFICATION };

static enum sarif_kind sarif_kind(const struct agent_config *cfg, enum check_status s)
{
    static const int kinds[FORMAT_STATUSES] = {
        [CHECK_WAIVED] = SARIF_SUPPRESSED,
        [CHECK_ERROR] = SARIF_NOTIFICATION,
        [CHECK_PASS] = SARIF_OMIT,
        [CHECK_FAIL] = SARIF_OMIT, /* failing: SARIF_FINDING, below */
        [CHECK_WARN] = SARIF_OMIT, /* not failing under --fail-on */
        [CHECK_SKIP] = SARIF_OMIT,
    };
    return (enum sarif_kind)format_status_kind(cfg, s, kinds, SARIF_FINDING, SARIF_NOTIFICATION);
}

/* The rules: the selected checks of the collectors that ran, in registry and catalog order. */
struct sarif_rules {
    const struct check_def *defs[AGENT_MAX_COLLECTORS * 64];
    size_t n;
    size_t last; /* the index found last: results come grouped by check */
};

static void rules_collect(struct sarif_rules *rules, const struct format_report *rep)
{
    rules->n = 0;
    rules->last = 0;
    for (size_t i = 0; i < rep->col->n_runs; i++) {
        const struct collector *c = rep->col->runs[i].collector;
        for (size_t k = 0; k < c->n_checks && rules->n < ARRAY_LEN(rules->defs); k++) {
            if (agent_check_def_selected(rep->cfg, &c->checks[k]))
                rules->defs[rules->n++] = &c->checks[k];
        }
    }
}

/* The index of `def` among the rules, or -1. */
static long rules_index(struct sarif_rules *rules, const struct check_def *def)
{
    if (rules->last < rules->n && rules->defs[rules->last] == def)
        return (long)rules->last;
    for (size_t i = 0; i < rules->n; i++) {
        if (rules->defs[i] == def) {
            rules->last = i;
            return (long)i;
        }
    }
    return -1;
}

static const char *rule_level(const struct check_def *def)
{
    return def->automated ? "error" : "warning";
}

static void write_rule(FILE *out, const struct check_def *d)
{
    fputs("{\"id\":", out);
    format_json_string(out, d->id);
    fputs(",\"shortDescription\":{\"text\":", out);
    format_json_string(out, d->title);
    fputs("},\"fullDescription\":{\"text\":\"", out);
    format_json_chars(out, strncmp(d->id, "dockward.", 9) == 0 ? "dockward "
                                                               : "CIS Docker "
                                                                 "Benchmark ");
    format_json_chars(out, d->id);
    fputs(": ", out);
    format_json_chars(out, d->title);
    fprintf(out, " (section %s, level %d, %s)\"},\"help\":{\"text\":", d->section, d->level,
            d->automated ? "automated" : "manual");
    format_json_string(out, d->remediation);
    fprintf(out,
            "},\"defaultConfiguration\":{\"level\":\"%s\"},\"properties\":{\"tags\":"
            "[\"security\",\"docker\",\"cis-docker-benchmark\",\"cis-level-%d\"],"
            "\"cisSection\":",
            rule_level(d), d->level);
    format_json_string(out, d->section);
    fprintf(out, ",\"cisLevel\":%d,\"automated\":%s}}", d->level, d->automated ? "true" : "false");
}

/* Writes `s` as a relative URI reference: unreserved bytes and '/' as they are, others %XX. */
static void write_uri(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
            fputc(c, out);
        else
            fprintf(out, "%%%02X", c);
    }
    fputc('"', out);
}

static const char *result_level(const struct result *r)
{
    enum check_status verdict = r->status == CHECK_WAIVED ? r->judged : r->status;
    if (verdict == CHECK_FAIL)
        return "error";
    if (verdict == CHECK_WARN)
        return "warning";
    return rule_level(r->check);
}

static void write_result(FILE *out, const struct result *r, long rule_index)
{
    char fp[FORMAT_FINGERPRINT_LEN];
    format_fingerprint(r->check->id, r->target, fp);
    fputs("{\"ruleId\":", out);
    format_json_string(out, r->check->id);
    if (rule_index >= 0)
        fprintf(out, ",\"ruleIndex\":%ld", rule_index);
    fprintf(out, ",\"kind\":\"fail\",\"level\":\"%s\",\"message\":{\"text\":\"", result_level(r));
    format_json_chars(out, r->target);
    fputs(": ", out);
    format_json_chars(out, r->evidence);
    fputs("\"},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
    write_uri(out, r->target);
    fputs("},\"region\":{\"startLine\":1}},\"logicalLocations\":[{\"name\":", out);
    format_json_string(out, r->target);
    fprintf(out, ",\"kind\":\"resource\"}]}],\"partialFingerprints\":{\"dockward/v1\":\"%s\"}", fp);
    if (r->status == CHECK_WAIVED) {
        fputs(",\"suppressions\":[{\"kind\":\"external\",\"status\":\"accepted\","
              "\"justification\":",
              out);
        format_json_string(out, r->evidence);
        fputs(",\"properties\":{\"waiver\":", out);
        format_json_string(out, r->waiver != NULL ? r->waiver : "");
        fputs("}}]", out);
    }
    fputs(",\"properties\":{\"target\":", out);
    format_json_string(out, r->target);
    fputs(",\"status\":", out);
    format_json_string(out, check_status_name(r->status));
    fputs(",\"evidence\":", out);
    format_json_string(out, r->evidence);
    fputs("}}", out);
}

static void write_notifications(FILE *out, const struct format_report *rep,
                                struct sarif_rules *rules)
{
    int first = 1;
    fputs(",\"toolExecutionNotifications\":[", out);
    for (size_t i = 0; i < rep->col->n_runs; i++) {
        const struct collector_run *run = &rep->col->runs[i];
        if (run->success)
            continue;
        fputs(first ? "\n      " : ",\n      ", out);
        first = 0;
        fprintf(out,
                "{\"level\":\"error\",\"descriptor\":{\"id\":\"collector/%s\"},"
                "\"message\":{\"text\":",
                run->collector->name);
        format_json_string(out, run->error);
        fputs("}}", out);
    }
    for (size_t i = 0; i < rep->n_results; i++) {
        const struct result *r = rep->results[i];
        if (sarif_kind(rep->cfg, r->status) != SARIF_NOTIFICATION)
            continue;
        fputs(first ? "\n      " : ",\n      ", out);
        first = 0;
        fputs("{\"level\":\"warning\",\"associatedRule\":{\"id\":", out);
        format_json_string(out, r->check->id);
        long k = rules_index(rules, r->check);
        if (k >= 0)
            fprintf(out, ",\"index\":%ld", k);
        fputs("},\"message\":{\"text\":\"", out);
        format_json_chars(out, r->target);
        fputs(": could not judge: ", out);
        format_json_chars(out, r->evidence);
        fputs("\"}}", out);
    }
    fputs("]", out);
}

int format_sarif_write(FILE *out, const struct format_report *rep)
{
    struct sarif_rules *rules = malloc(sizeof(*rules)); /* 16 KiB: not on the stack */
    if (rules == NULL)
        return -1;
    rules_collect(rules, rep);

    double ended = rep->col->started_at;
    size_t failed = 0;
    for (size_t i = 0; i < rep->col->n_runs; i++) {
        failed += !rep->col->runs[i].success;
        if (rep->col->runs[i].finished_at > ended)
            ended = rep->col->runs[i].finished_at;
    }
    char start[32], end[32];
    format_iso_time(rep->col->started_at, start, sizeof(start));
    format_iso_time(ended, end, sizeof(end));

    fprintf(out,
            "{\n  \"$schema\": \"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/"
            "schemas/sarif-schema-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [{\n"
            "    \"tool\": {\"driver\": {\"name\": \"dockward\", \"version\": \"%s\", "
            "\"informationUri\": \"https://github.com/dockward/dockward\", \"rules\": [",
            DOCKWARD_VERSION);
    for (size_t i = 0; i < rules->n; i++) {
        fputs(i ? ",\n      " : "\n      ", out);
        write_rule(out, rules->defs[i]);
    }
    fprintf(out,
            "%s]}},\n    \"invocations\": [{\"executionSuccessful\": %s, \"exitCode\": %d, "
            "\"startTimeUtc\": \"%s\", \"endTimeUtc\": \"%s\", \"machine\": ",
            rules->n ? "\n    " : "", failed == 0 ? "true" : "false", rep->exit_code, start, end);
    format_json_string(out, rep->hostname);
    write_notifications(out, rep, rules);
    fputs("}],\n    \"columnKind\": \"unicodeCodePoints\",\n    \"results\": [", out);
    int first = 1;
    for (size_t i = 0; i < rep->n_results; i++) {
        const struct result *r = rep->results[i];
        enum sarif_kind k = sarif_kind(rep->cfg, r->status);
        if (k != SARIF_FINDING && k != SARIF_SUPPRESSED)
            continue;
        fputs(first ? "\n      " : ",\n      ", out);
        first = 0;
        write_result(out, r, rules_index(rules, r->check));
    }
    fputs(first ? "]\n  }]\n}\n" : "\n    ]\n  }]\n}\n", out);
    free(rules);
    return ferror(out) ? -1 : 0;
}
