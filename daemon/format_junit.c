/*
 * format_junit.c - `dockward check --format junit`: the results as the JUnit
 * XML that CI systems show as tests (GitLab's junit report, Jenkins' junit
 * step, GitHub test-report actions). It validates against the JUnit schema
 * of Jenkins' xUnit plugin (tests/schemas/junit-10.xsd).
 *
 * One <testsuite> per CIS section, one <testcase> per (check, target):
 * classname "<id> <title>", name the target. A result that fails under
 * --fail-on is a <failure> (its type the status), error an <error>, skip
 * and waived a <skipped> whose message is the reason, warn that does not
 * fail a <skipped> too (it needs a human, not a red build). A last suite,
 * "dockward collectors", has one testcase per collector, an <error> when it
 * could not run: a green report never hides checks that did not happen.
 *
 * Results come sorted by section, so each suite is a run of the array: it
 * is counted, then written.
 */
#include "format.h"

#include <string.h>

/* How a result shows in JUnit. */
enum junit_kind { JUNIT_PASS, JUNIT_FAILURE, JUNIT_ERROR, JUNIT_SKIPPED };

static enum junit_kind junit_kind(const struct agent_config *cfg, enum check_status s)
{
    static const int kinds[FORMAT_STATUSES] = {
        [CHECK_PASS] = JUNIT_PASS,
        [CHECK_ERROR] = JUNIT_ERROR,
        [CHECK_FAIL] = JUNIT_SKIPPED, /* failing: JUNIT_FAILURE, below */
        [CHECK_WARN] = JUNIT_SKIPPED, /* not failing under --fail-on: needs a human */
        [CHECK_SKIP] = JUNIT_SKIPPED,
        [CHECK_WAIVED] = JUNIT_SKIPPED, /* accepted by a live waiver: shown, never failing */
    };
    return (enum junit_kind)format_status_kind(cfg, s, kinds, JUNIT_FAILURE, JUNIT_ERROR);
}

struct junit_counts {
    size_t tests, failures, errors, skipped;
};

static void count(struct junit_counts *c, enum junit_kind k)
{
    c->tests++;
    c->failures += k == JUNIT_FAILURE;
    c->errors += k == JUNIT_ERROR;
    c->skipped += k == JUNIT_SKIPPED;
}

/* "<id> <title>", escaped. */
static void write_check_name(FILE *out, const struct check_def *d)
{
    format_xml_text(out, d->id);
    fputc(' ', out);
    format_xml_text(out, d->title);
}

static void write_testcase(FILE *out, const struct agent_config *cfg, const struct result *r)
{
    static const char *const elements[] = { "", "failure", "error", "skipped" };
    enum junit_kind k = junit_kind(cfg, r->status);
    fputs("    <testcase classname=\"", out);
    write_check_name(out, r->check);
    fputs("\" name=\"", out);
    format_xml_text(out, r->target);
    if (k == JUNIT_PASS) {
        fputs("\"/>\n", out);
        return;
    }
    fprintf(out, "\">\n      <%s type=\"%s\" message=\"", elements[k],
            check_status_name(r->status));
    if (r->status == CHECK_WAIVED) {
        fputs("waived by ", out);
        format_xml_text(out, r->waiver != NULL ? r->waiver : "");
        fputs(": ", out);
    }
    format_xml_text(out, r->evidence);
    fputs("\">", out);
    write_check_name(out, r->check);
    fputs("&#10;target: ", out);
    format_xml_text(out, r->target);
    fputs("&#10;evidence: ", out);
    format_xml_text(out, r->evidence);
    if (r->status == CHECK_WAIVED) {
        fprintf(out, "&#10;judged: %s&#10;waiver: ", check_status_name(r->judged));
        format_xml_text(out, r->waiver != NULL ? r->waiver : "");
    }
    if (r->status == CHECK_FAIL || r->status == CHECK_WARN || r->status == CHECK_WAIVED) {
        fputs("&#10;remediation: ", out);
        format_xml_text(out, r->check->remediation);
    }
    fprintf(out, "</%s>\n    </testcase>\n", elements[k]);
}

/* The suite of results [from, to): all of one section. */
static void write_section(FILE *out, const struct format_report *rep, size_t from, size_t to,
                          const char *timestamp)
{
    struct junit_counts c = { 0 };
    for (size_t i = from; i < to; i++)
        count(&c, junit_kind(rep->cfg, rep->results[i]->status));
    const char *section = rep->results[from]->check->section;
    fputs("  <testsuite name=\"CIS ", out);
    format_xml_text(out, section);
    fputc(' ', out);
    format_xml_text(out, format_section_title(section));
    fprintf(out,
            "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" timestamp=\"%s\"",
            c.tests, c.failures, c.errors, c.skipped, timestamp);
    fputs(" hostname=\"", out);
    format_xml_text(out, rep->hostname);
    fputs("\">\n", out);
    for (size_t i = from; i < to; i++)
        write_testcase(out, rep->cfg, rep->results[i]);
    fputs("  </testsuite>\n", out);
}

static void write_collectors(FILE *out, const struct format_report *rep, const char *timestamp)
{
    const struct collection *col = rep->col;
    size_t failed = 0;
    double total = 0;
    for (size_t i = 0; i < col->n_runs; i++) {
        failed += !col->runs[i].success;
        total += col->runs[i].duration_seconds;
    }
    fprintf(out,
            "  <testsuite name=\"dockward collectors\" tests=\"%zu\" failures=\"0\" "
            "errors=\"%zu\" skipped=\"0\" time=\"%.3f\" timestamp=\"%s\" hostname=\"",
            col->n_runs, failed, total, timestamp);
    format_xml_text(out, rep->hostname);
    fputs("\">\n", out);
    for (size_t i = 0; i < col->n_runs; i++) {
        const struct collector_run *run = &col->runs[i];
        fprintf(out, "    <testcase classname=\"dockward.collector\" name=\"%s\" time=\"%.3f\"",
                run->collector->name, run->duration_seconds);
        if (run->success) {
            fputs("/>\n", out);
            continue;
        }
        fputs(">\n      <error type=\"collector\" message=\"", out);
        format_xml_text(out, run->error);
        fputs("\">its checks were not judged: ", out);
        format_xml_text(out, run->error);
        fputs("</error>\n    </testcase>\n", out);
    }
    fputs("  </testsuite>\n", out);
}

int format_junit_write(FILE *out, const struct format_report *rep)
{
    char stamp[32];
    format_iso_time(rep->col->started_at, stamp, sizeof(stamp));
    stamp[strcspn(stamp, "Z")] = '\0'; /* Ant's form: no zone, UTC implied */

    struct junit_counts all = { 0 };
    double total = 0;
    for (size_t i = 0; i < rep->n_results; i++)
        count(&all, junit_kind(rep->cfg, rep->results[i]->status));
    for (size_t i = 0; i < rep->col->n_runs; i++) {
        count(&all, rep->col->runs[i].success ? JUNIT_PASS : JUNIT_ERROR);
        total += rep->col->runs[i].duration_seconds;
    }
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"dockward check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "time=\"%.3f\">\n",
            all.tests, all.failures, all.errors, total);
    size_t from = 0;
    for (size_t i = 1; i <= rep->n_results; i++) {
        if (i == rep->n_results ||
            strcmp(rep->results[i]->check->section, rep->results[from]->check->section) != 0) {
            write_section(out, rep, from, i, stamp);
            from = i;
        }
    }
    write_collectors(out, rep, stamp);
    fputs("</testsuites>\n", out);
    return ferror(out) ? -1 : 0;
}
