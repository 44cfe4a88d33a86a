/*
 * test_agent_format.c - the CI report writers (daemon/format*.c) on a
 * hand-made collection: the JSON and XML escapers byte for byte on hostile
 * text (quotes, "]]>", markup, control characters, DEL, ill-formed UTF-8,
 * U+FFFE/U+FFFF); the fingerprint pinned (a changed hash would make every
 * code-scanning UI lose track of every finding); the JUnit mapping of every
 * status, under --fail-on=fail and warn; the SARIF log parsed back with
 * cJSON (results, levels, rule indexes, suppressions of waived results,
 * notifications); and --check.level, --fail-on, --output as flags. The
 * schemas themselves are checked on real runs by e2e_ci_formats.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collectors/registry.h"
#include "daemon/format.h"
#include "tests/agent_harness.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct agent_cli cli;

/* Parses `dockward check ARGS... NULL` into cli. Returns what agent_cli_parse returns. */
static int parse(char *err, size_t errlen, ...)
{
    char *argv[16] = { "dockward", "check" };
    int argc = 2;
    va_list ap;
    va_start(ap, errlen);
    for (char *a; argc < 15 && (a = va_arg(ap, char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    return agent_cli_parse(&cli, AGENT_MODE_CHECK, argc, argv, 2, err, errlen);
}

/* Runs `write` into a memory stream; returns the malloc'd text. */
static char *capture(void (*write)(FILE *, const char *), const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    write(f, text);
    assert_int_equal(fclose(f), 0);
    return buf;
}

#define FFFD "\xEF\xBF\xBD"
static const char hostile[] =
    "q\"b\\s]]><x>&y'z\t\n\r\x01\x1b\x7f|\xff|\xc3(|\xef\xbf\xbe|\xef\xbf\xbf"
    "|caf\xc3\xa9";

static void test_json_escaping(void **state)
{
    (void)state;
    char *out = capture(format_json_string, hostile);
    assert_string_equal(out, "\"q\\\"b\\\\s]]><x>&y'z\\t\\n\\u000d\\u0001\\u001b\x7f|" FFFD "|" FFFD
                             "(|\xef\xbf\xbe|\xef\xbf\xbf|caf\xc3\xa9\"");
    /* And it is JSON: parsed back, the valid characters are all there. */
    char doc[512];
    snprintf(doc, sizeof(doc), "{\"s\":%s}", out);
    cJSON *j = cJSON_Parse(doc);
    assert_non_null(j);
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(j, "s"));
    assert_non_null(s);
    assert_memory_equal(s, "q\"b\\s]]><x>&y'z\t\n\r\x01\x1b", 20);
    cJSON_Delete(j);
    free(out);

    out = capture(format_json_string, "");
    assert_string_equal(out, "\"\"");
    free(out);
    /* A sequence cut at the end of the string: one U+FFFD, nothing read past the NUL. */
    out = capture(format_json_string, "ab\xe2\x82");
    assert_string_equal(out, "\"ab" FFFD "\"");
    free(out);
}

static void test_xml_escaping(void **state)
{
    (void)state;
    char *out = capture(format_xml_text, hostile);
    assert_string_equal(out, "q&quot;b\\s]]&gt;&lt;x&gt;&amp;y&apos;z&#9;&#10;&#13;" FFFD FFFD
                             "\x7f|" FFFD "|" FFFD "(|" FFFD "|" FFFD "|caf\xc3\xa9");
    assert_null(strstr(out, "]]>"));
    free(out);
    out = capture(format_xml_text, "plain text, 5.5");
    assert_string_equal(out, "plain text, 5.5");
    free(out);
}

static void test_fingerprint(void **state)
{
    (void)state;
    char a[FORMAT_FINGERPRINT_LEN], b[FORMAT_FINGERPRINT_LEN];
    /* Pinned: a changed value re-opens every finding in every code-scanning UI. */
    format_fingerprint("1.1.1", "file/var/lib/docker", a);
    assert_string_equal(a, "0b67231fd2034c7399dc8042751b2bca");
    format_fingerprint("1.1.1", "file/var/lib/docker", b);
    assert_string_equal(a, b);
    format_fingerprint("1.1.1", "file/var/lib/dockerd", b);
    assert_string_not_equal(a, b);
    /* The boundary between id and target counts. */
    format_fingerprint("5.5", "x", a);
    format_fingerprint("5.", "5x", b);
    assert_string_not_equal(a, b);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
}

/*
 * A collection of two runs: container_runtime with one result of every
 * status (4.1 in section 4, the rest in 5; one target hostile, set past the
 * sink as a Docker API could never send it), and image_age, which could not
 * run. `all` gets the results in print order.
 */
static const char hostile_target[] = "container/x]]>\"<&\x01\xff";

static void add(struct result_set *set, const struct collector *c, const char *id,
                const char *target, enum check_status status, const char *evidence)
{
    struct result_sink sink;
    result_sink_init(&sink, set, c);
    sink.added = set->len;
    assert_int_equal(sink_add(&sink, id, "placeholder",
                              status == CHECK_WAIVED ? CHECK_FAIL : status, "%s", evidence),
                     0);
    struct result *r = &set->items[set->len - 1];
    free(r->target);
    r->target = strdup(target);
    assert_non_null(r->target);
    if (status == CHECK_WAIVED) {
        r->status = CHECK_WAIVED;
        r->judged = CHECK_FAIL;
        r->waiver = strdup("ci-runners");
        assert_non_null(r->waiver);
    }
}

static void make_collection(struct collection *c, const struct result **out, size_t *count)
{
    agent_collection(c);
    struct collector_run *r0 = agent_run(c, 0, "container_runtime", true, NULL);
    const struct collector *cr = r0->collector;
    r0->duration_seconds = 0.5;
    r0->finished_at = 1700000001.0;
    add(&r0->results, cr, "4.1", "container/web", CHECK_FAIL, "runs as root");
    add(&r0->results, cr, "5.5", "container/priv", CHECK_FAIL, "HostConfig.Privileged=true");
    add(&r0->results, cr, "5.5", "container/web", CHECK_PASS, "not privileged");
    add(&r0->results, cr, "5.5", hostile_target, CHECK_WAIVED,
        "Privileged=true; waiver ci-runners");
    add(&r0->results, cr, "5.30", "container/web", CHECK_WARN, "on the default bridge");
    add(&r0->results, cr, "5.9", "container/none", CHECK_SKIP, "no network");
    add(&r0->results, cr, "5.10", "container/odd", CHECK_ERROR, "NetworkMode unreadable");

    struct collector_run *r1 = agent_run(c, 1, "image_age", false, NULL);
    r1->duration_seconds = 0.25;
    r1->finished_at = 1700000002.0;
    snprintf(r1->error, sizeof(r1->error), "Docker API said <&> \"no\"");

    *count = r0->results.len;
    for (size_t i = 0; i < *count; i++)
        out[i] = &r0->results.items[i];
}

/* The collection of the writer tests (setup and teardown of each). */
static struct collection col;
static const struct result *all[16];
static size_t n_all;

/* Writes the report with `writer` under the current cli; returns the malloc'd text. */
static char *write_report(int (*writer)(FILE *, const struct format_report *))
{
    struct format_report rep = { .cfg = &cli.cfg,
                                 .col = &col,
                                 .results = all,
                                 .n_results = n_all,
                                 .exit_code = 3,
                                 .hostname = "build-01" };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(writer(f, &rep), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static int setup_collection(void **state)
{
    (void)state;
    make_collection(&col, all, &n_all);
    return 0;
}

static int free_collection(void **state)
{
    (void)state;
    collection_free(&col);
    return 0;
}

static void test_junit(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), NULL), 0);
    char *x = write_report(format_junit_write);
    assert_non_null(
        strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dockward "
                  "check\" tests=\"9\" failures=\"2\" errors=\"2\""));
    assert_non_null(strstr(x, "<testsuite name=\"CIS 4 Container images and build files\" "
                              "tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\""));
    assert_non_null(strstr(x, "<testsuite name=\"CIS 5 Container runtime\" tests=\"6\" "
                              "failures=\"1\" errors=\"1\" skipped=\"3\""));
    assert_non_null(strstr(x, "name=\"container/priv\">\n      <failure type=\"fail\" "
                              "message=\"HostConfig.Privileged=true\">5.5 "));
    assert_non_null(strstr(x, "name=\"container/web\"/>")); /* the pass: an empty testcase */
    assert_non_null(strstr(x, "<skipped type=\"warn\" message=\"on the default bridge\""));
    assert_non_null(strstr(x, "<skipped type=\"skip\" message=\"no network\""));
    assert_non_null(strstr(x, "<error type=\"error\" message=\"NetworkMode unreadable\""));
    assert_non_null(strstr(x, "name=\"container/x]]&gt;&quot;&lt;&amp;" FFFD FFFD "\">\n"
                              "      <skipped type=\"waived\" message=\"waived by ci-runners: "
                              "Privileged=true; waiver ci-runners\""));
    assert_non_null(strstr(x, "judged: fail&#10;waiver: ci-runners&#10;remediation: "));
    /* The collectors: image_age could not run, an <error> whose text is escaped. */
    assert_non_null(strstr(x, "<testsuite name=\"dockward collectors\" tests=\"2\" failures=\"0\" "
                              "errors=\"1\""));
    assert_non_null(strstr(x, "<error type=\"collector\" message=\"Docker API said &lt;&amp;&gt; "
                              "&quot;no&quot;\""));
    assert_null(strstr(x, "]]>"));
    assert_null(strchr(x, '\x01'));
    assert_int_equal(occurrences(x, "<testcase "), 9);
    assert_int_equal(occurrences(x, "</testsuite>"), 3);
    free(x);

    /* --fail-on=warn: the warn is a failure too. */
    assert_int_equal(parse(err, sizeof(err), "--fail-on=warn", NULL), 0);
    x = write_report(format_junit_write);
    assert_non_null(strstr(x, "<failure type=\"warn\" message=\"on the default bridge\""));
    assert_non_null(strstr(x, "tests=\"6\" failures=\"2\" errors=\"1\" skipped=\"2\""));
    free(x);
}

static cJSON *path(cJSON *o, const char *p)
{
    char key[64];
    while (o != NULL && *p != '\0') {
        size_t len = strcspn(p, ".");
        assert_true(len < sizeof(key));
        memcpy(key, p, len);
        key[len] = '\0';
        o = key[0] >= '0' && key[0] <= '9' ? cJSON_GetArrayItem(o, (int)strtol(key, NULL, 10))
                                           : cJSON_GetObjectItemCaseSensitive(o, key);
        p += len + (p[len] == '.');
    }
    return o;
}

static const char *str(cJSON *o, const char *p)
{
    const char *s = cJSON_GetStringValue(path(o, p));
    assert_non_null(s);
    return s;
}

/* The SARIF result for (check, target), or NULL. */
static cJSON *sarif_result(cJSON *doc, const char *id, const char *target)
{
    cJSON *r;
    cJSON_ArrayForEach(r, path(doc, "runs.0.results"))
    {
        if (strcmp(str(r, "ruleId"), id) == 0 && strcmp(str(r, "properties.target"), target) == 0)
            return r;
    }
    return NULL;
}

/* The SARIF report with one more flag (NULL: none), parsed: valid JSON, or the test fails. */
static cJSON *sarif_doc(const char *flag)
{
    char err[256];
    assert_int_equal(parse(err, sizeof(err), flag, NULL), 0);
    char *s = write_report(format_sarif_write);
    cJSON *doc = cJSON_Parse(s);
    free(s);
    assert_non_null(doc);
    return doc;
}

static void test_sarif(void **state)
{
    (void)state;
    cJSON *doc = sarif_doc(NULL); /* valid JSON, hostile target included */
    assert_string_equal(str(doc, "version"), "2.1.0");
    assert_string_equal(str(doc, "runs.0.tool.driver.name"), "dockward");
    /* Rules: every check of the collectors that ran, by --check.* (all here). */
    cJSON *rules = path(doc, "runs.0.tool.driver.rules");
    const struct collector *cr = collector_lookup("container_runtime");
    const struct collector *ia = collector_lookup("image_age");
    assert_int_equal(cJSON_GetArraySize(rules), (int)(cr->n_checks + ia->n_checks));
    /* Results: the fail of 4.1 and 5.5, and the waived 5.5; not pass, warn, skip or error. */
    assert_int_equal(cJSON_GetArraySize(path(doc, "runs.0.results")), 3);
    cJSON *priv = sarif_result(doc, "5.5", "container/priv");
    assert_non_null(priv);
    assert_string_equal(str(priv, "level"), "error");
    assert_string_equal(str(priv, "message.text"), "container/priv: HostConfig.Privileged=true");
    int k = (int)cJSON_GetNumberValue(path(priv, "ruleIndex"));
    assert_string_equal(str(cJSON_GetArrayItem(rules, k), "id"), "5.5");
    assert_string_equal(str(cJSON_GetArrayItem(rules, k), "shortDescription.text"),
                        collector_find_check(cr, "5.5")->title);
    assert_string_equal(str(cJSON_GetArrayItem(rules, k), "help.text"),
                        collector_find_check(cr, "5.5")->remediation);
    char fp[FORMAT_FINGERPRINT_LEN];
    format_fingerprint("5.5", "container/priv", fp);
    assert_string_equal(str(priv, "partialFingerprints.dockward/v1"), fp);
    assert_null(path(priv, "suppressions"));
    /*
     * The waived one: kept, suppressed by the waiver, at its verdict's level; its
     * target as JSON text has U+FFFD for the ill-formed byte, its URI every byte
     * percent-encoded.
     */
    cJSON *waived = sarif_result(doc, "5.5", "container/x]]>\"<&\x01" FFFD);
    assert_non_null(waived);
    assert_string_equal(str(waived, "level"), "error");
    assert_string_equal(str(waived, "suppressions.0.kind"), "external");
    assert_string_equal(str(waived, "suppressions.0.status"), "accepted");
    assert_string_equal(str(waived, "suppressions.0.justification"),
                        "Privileged=true; waiver ci-runners");
    assert_string_equal(str(waived, "suppressions.0.properties.waiver"), "ci-runners");
    assert_string_equal(str(waived, "locations.0.physicalLocation.artifactLocation.uri"),
                        "container/x%5D%5D%3E%22%3C%26%01%FF");
    /* What could not be judged: one collector and one result. */
    assert_false(cJSON_IsTrue(path(doc, "runs.0.invocations.0.executionSuccessful")));
    assert_int_equal((int)cJSON_GetNumberValue(path(doc, "runs.0.invocations.0.exitCode")), 3);
    assert_int_equal(
        cJSON_GetArraySize(path(doc, "runs.0.invocations.0.toolExecutionNotifications")), 2);
    assert_string_equal(str(doc, "runs.0.invocations.0.toolExecutionNotifications.0.message.text"),
                        "Docker API said <&> \"no\"");
    assert_string_equal(
        str(doc, "runs.0.invocations.0.toolExecutionNotifications.1.associatedRule.id"), "5.10");
    assert_string_equal(str(doc, "runs.0.invocations.0.machine"), "build-01");
    cJSON_Delete(doc);

    /* --fail-on=warn: the warn is a result too, at level warning. */
    doc = sarif_doc("--fail-on=warn");
    assert_int_equal(cJSON_GetArraySize(path(doc, "runs.0.results")), 4);
    assert_string_equal(str(sarif_result(doc, "5.30", "container/web"), "level"), "warning");
    cJSON_Delete(doc);

    /* --check.level=1: the level-2 rules are gone. */
    doc = sarif_doc("--check.level=1");
    cJSON *rule;
    int level2 = 0;
    cJSON_ArrayForEach(rule, path(doc, "runs.0.tool.driver.rules"))
    {
        level2 += cJSON_GetNumberValue(path(rule, "properties.cisLevel")) != 1;
    }
    assert_int_equal(level2, 0);
    cJSON_Delete(doc);
}

static void test_flags(void **state)
{
    (void)state;
    char err[256];
    const struct collector *cr = collector_lookup("container_runtime");
    const struct check_def *l1 = collector_find_check(cr, "5.5");
    const struct check_def *l2 = collector_find_check(cr, "5.3");
    assert_int_equal(l1->level, 1);
    assert_int_equal(l2->level, 2);

    assert_int_equal(parse(err, sizeof(err), NULL), 0);
    assert_true(agent_check_def_selected(&cli.cfg, l1));
    assert_true(agent_check_def_selected(&cli.cfg, l2));
    assert_string_equal(cli.cfg.fail_on, "fail");
    assert_false(format_status_fails(&cli.cfg, CHECK_WARN));
    assert_true(format_status_fails(&cli.cfg, CHECK_FAIL));

    assert_int_equal(parse(err, sizeof(err), "--check.level=1", "--check.exclude=5.5", NULL), 0);
    assert_false(agent_check_def_selected(&cli.cfg, l1)); /* excluded */
    assert_false(agent_check_def_selected(&cli.cfg, l2)); /* level 2 */
    assert_true(agent_check_def_selected(&cli.cfg, collector_find_check(cr, "5.4")));

    assert_int_equal(parse(err, sizeof(err), "--fail-on", "warn", NULL), 0);
    assert_true(format_status_fails(&cli.cfg, CHECK_WARN));
    assert_false(format_status_fails(&cli.cfg, CHECK_WAIVED));
    assert_false(format_status_fails(&cli.cfg, CHECK_ERROR));

    assert_int_equal(parse(err, sizeof(err), "--check.level=3", NULL), -1);
    assert_non_null(strstr(err, "--check.level"));
    assert_int_equal(parse(err, sizeof(err), "--check.level=0", NULL), -1);
    assert_int_equal(parse(err, sizeof(err), "--fail-on=error", NULL), -1);
    assert_non_null(strstr(err, "--fail-on"));
    assert_int_equal(parse(err, sizeof(err), "--format=xml", NULL), -1);
    assert_int_equal(parse(err, sizeof(err), "--output=/tmp/r.txt", NULL), -1);
    assert_non_null(strstr(err, "--output needs --format json, junit or sarif"));
    assert_int_equal(parse(err, sizeof(err), "--output=", "--format=junit", NULL), -1);
    assert_int_equal(parse(err, sizeof(err), "--output=/tmp/r.xml", "--format=junit", NULL), 0);

    /* The daemon takes --check.level, not the check-only flags. */
    char *argv[] = { "dockward", "--check.level=1", "--fail-on=warn" };
    assert_int_equal(agent_cli_parse(&cli, AGENT_MODE_DAEMON, 2, argv, 1, err, sizeof(err)), 0);
    assert_int_equal(cli.cfg.check_level, 1);
    assert_int_equal(agent_cli_parse(&cli, AGENT_MODE_DAEMON, 3, argv, 1, err, sizeof(err)), -1);
}

static void test_section_titles(void **state)
{
    (void)state;
    assert_string_equal(format_section_title("5"), "Container runtime");
    assert_string_equal(format_section_title("1"), "Host configuration");
    assert_string_equal(format_section_title("7"), "Docker swarm configuration");
    assert_string_equal(format_section_title("8"), "Other checks");
    assert_string_equal(format_section_title("5a"), "Other checks");
    assert_string_equal(format_section_title(""), "Other checks");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_xml_escaping),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test_setup_teardown(test_junit, setup_collection, free_collection),
        cmocka_unit_test_setup_teardown(test_sarif, setup_collection, free_collection),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_section_titles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
