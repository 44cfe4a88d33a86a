/*
 * test_expo.c - the exposition writer (common/expo.c), content negotiation
 * (common/negotiate.c) and gzip (common/gzip.c).
 *
 * Bodies are compared whole against expected text wherever the output is
 * small, so a stray space, a missing escape or a wrong order fails the test;
 * a rendered set full of edge cases is also handed to the real
 * `promtool check metrics`, the same judge CI and users apply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/expo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define PROMTOOL "/usr/bin/promtool"

static char *render(const struct expo *e, enum expo_format format, size_t *dropped)
{
    struct buf b;
    buf_init(&b, 1u << 24);
    assert_int_equal(expo_render(e, format, &b, dropped), BUF_OK);
    return buf_steal(&b, NULL);
}

static void assert_render(const struct expo *e, enum expo_format format, const char *want)
{
    char *got = render(e, format, NULL);
    assert_string_equal(got, want);
    free(got);
}

/* cmocka setup: the state is a new, empty exposition builder, freed by expo_teardown. */
static int expo_setup(void **state)
{
    *state = expo_new();
    return *state != NULL ? 0 : -1;
}

static int expo_teardown(void **state)
{
    expo_free(*state);
    return 0;
}

#define L(n, v)           \
    (struct metric_label) \
    {                     \
        (n), (v)          \
    }

/* ---- escaping ---- */

static void test_escaping_text(void **state)
{
    struct expo *e = *state;
    assert_non_null(e);
    assert_int_equal(expo_family(e, "esc", METRIC_GAUGE, "back\\slash \"quoted\"\nnext line"), 0);
    struct metric_label l[] = { L("v", "a\\b \"q\"\nz") };
    assert_int_equal(expo_sample(e, "esc", l, 1, 1), 0);
    /* Text 0.0.4: HELP escapes only backslash and newline. */
    assert_render(e, EXPO_TEXT,
                  "# HELP esc back\\\\slash \"quoted\"\\nnext line\n"
                  "# TYPE esc gauge\n"
                  "esc{v=\"a\\\\b \\\"q\\\"\\nz\"} 1\n");
    /* OpenMetrics: HELP escapes the double quote too. */
    assert_render(e, EXPO_OPENMETRICS,
                  "# HELP esc back\\\\slash \\\"quoted\\\"\\nnext line\n"
                  "# TYPE esc gauge\n"
                  "esc{v=\"a\\\\b \\\"q\\\"\\nz\"} 1\n"
                  "# EOF\n");
}

/* ---- ordering and duplicates ---- */

static void test_ordering(void **state)
{
    struct expo *e = *state;
    assert_int_equal(expo_family(e, "zeta", METRIC_GAUGE, "z"), 0);
    assert_int_equal(expo_family(e, "alpha", METRIC_GAUGE, "a"), 0);
    assert_int_equal(expo_family(e, "mid:rule", METRIC_GAUGE, "m"), 0);
    assert_int_equal(expo_sample(e, "zeta", NULL, 0, 3), 0);
    /* Inserted out of order, with the labels given in varying order. */
    struct metric_label s1[] = { L("check", "5.4"), L("target", "container/b") };
    struct metric_label s2[] = { L("target", "container/a"), L("check", "5.4") };
    struct metric_label s3[] = { L("check", "1.1"), L("target", "host") };
    struct metric_label s4[] = { L("check", "5.10"), L("target", "container/a") };
    assert_int_equal(expo_sample(e, "alpha", s1, 2, 1), 0);
    assert_int_equal(expo_sample(e, "alpha", s2, 2, 2), 0);
    assert_int_equal(expo_sample(e, "alpha", s3, 2, 3), 0);
    assert_int_equal(expo_sample(e, "alpha", s4, 2, 4), 0);
    assert_int_equal(expo_sample(e, "mid:rule", NULL, 0, 5), 0);
    assert_render(e, EXPO_TEXT,
                  "# HELP alpha a\n"
                  "# TYPE alpha gauge\n"
                  "alpha{check=\"1.1\",target=\"host\"} 3\n"
                  "alpha{check=\"5.10\",target=\"container/a\"} 4\n"
                  "alpha{check=\"5.4\",target=\"container/a\"} 2\n"
                  "alpha{check=\"5.4\",target=\"container/b\"} 1\n"
                  "# HELP mid:rule m\n"
                  "# TYPE mid:rule gauge\n"
                  "mid:rule 5\n"
                  "# HELP zeta z\n"
                  "# TYPE zeta gauge\n"
                  "zeta 3\n");
    /* Two renders are byte-identical. */
    char *a = render(e, EXPO_TEXT, NULL);
    char *b = render(e, EXPO_TEXT, NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_duplicates_dropped(void **state)
{
    struct expo *e = *state;
    assert_int_equal(expo_family(e, "dup", METRIC_GAUGE, "d"), 0);
    struct metric_label a[] = { L("x", "1"), L("y", "2") };
    struct metric_label a_swapped[] = { L("y", "2"), L("x", "1") };
    struct metric_label b[] = { L("x", "1"), L("y", "3") };
    struct metric_label c[] = { L("x", "9"), L("y", "") }; /* empty = absent */
    struct metric_label c_plain[] = { L("x", "9") };
    assert_int_equal(expo_sample(e, "dup", a, 2, 10), 0);
    assert_int_equal(expo_sample(e, "dup", b, 2, 20), 0);
    assert_int_equal(expo_sample(e, "dup", a, 2, 11), 0);         /* same labels */
    assert_int_equal(expo_sample(e, "dup", a_swapped, 2, 12), 0); /* same series */
    assert_int_equal(expo_sample(e, "dup", c, 2, 30), 0);
    assert_int_equal(expo_sample(e, "dup", c_plain, 1, 31), 0); /* same series as c */
    assert_int_equal(expo_family(e, "lonely", METRIC_GAUGE, "l"), 0);
    assert_int_equal(expo_sample(e, "lonely", NULL, 0, 1), 0);
    assert_int_equal(expo_sample(e, "lonely", NULL, 0, 2), 0);

    size_t dropped = 99;
    char *got = render(e, EXPO_TEXT, &dropped);
    assert_int_equal(dropped, 4);
    /* The first sample added wins, every time. */
    assert_string_equal(got, "# HELP dup d\n"
                             "# TYPE dup gauge\n"
                             "dup{x=\"1\",y=\"2\"} 10\n"
                             "dup{x=\"1\",y=\"3\"} 20\n"
                             "dup{x=\"9\"} 30\n"
                             "# HELP lonely l\n"
                             "# TYPE lonely gauge\n"
                             "lonely 1\n");
    free(got);
    dropped = 99;
    got = render(e, EXPO_OPENMETRICS, &dropped);
    assert_int_equal(dropped, 4);
    free(got);
}

/* ---- counters and OpenMetrics ---- */

static void test_counter_openmetrics(void **state)
{
    struct expo *e = *state;
    assert_int_equal(expo_family(e, "dockward_report_push_total", METRIC_COUNTER, "Pushes."), 0);
    assert_int_equal(expo_family(e, "dockward_up", METRIC_GAUGE, "Up."), 0);
    struct metric_label ok[] = { L("result", "ok") };
    struct metric_label err[] = { L("result", "error") };
    assert_int_equal(expo_sample(e, "dockward_report_push_total", ok, 1, 7), 0);
    assert_int_equal(expo_sample(e, "dockward_report_push_total", err, 1, 0), 0);
    assert_int_equal(expo_sample(e, "dockward_up", NULL, 0, 1), 0);
    assert_render(e, EXPO_TEXT,
                  "# HELP dockward_report_push_total Pushes.\n"
                  "# TYPE dockward_report_push_total counter\n"
                  "dockward_report_push_total{result=\"error\"} 0\n"
                  "dockward_report_push_total{result=\"ok\"} 7\n"
                  "# HELP dockward_up Up.\n"
                  "# TYPE dockward_up gauge\n"
                  "dockward_up 1\n");
    assert_render(e, EXPO_OPENMETRICS,
                  "# HELP dockward_report_push Pushes.\n"
                  "# TYPE dockward_report_push counter\n"
                  "dockward_report_push_total{result=\"error\"} 0\n"
                  "dockward_report_push_total{result=\"ok\"} 7\n"
                  "# HELP dockward_up Up.\n"
                  "# TYPE dockward_up gauge\n"
                  "dockward_up 1\n"
                  "# EOF\n");
    /* Redeclaring with the same type is a no-op; another type fails. */
    assert_int_equal(expo_family(e, "dockward_up", METRIC_GAUGE, "Other help."), 0);
    assert_int_equal(expo_family(e, "dockward_up", METRIC_COUNTER, "x"), -1);
    /* "x" beside counter "x_total" would be one OpenMetrics family twice. */
    assert_int_equal(expo_family(e, "dockward_report_push", METRIC_GAUGE, "x"), -1);
    assert_int_equal(expo_family(e, "g", METRIC_GAUGE, "x"), 0);
    assert_int_equal(expo_family(e, "g_total", METRIC_COUNTER, "x"), -1);

    /* An empty builder, and families with no samples, render nothing. */
    struct expo *empty = expo_new();
    assert_non_null(empty);
    assert_render(empty, EXPO_TEXT, "");
    assert_render(empty, EXPO_OPENMETRICS, "# EOF\n");
    assert_int_equal(expo_family(empty, "nothing_yet", METRIC_GAUGE, "n"), 0);
    assert_render(empty, EXPO_OPENMETRICS, "# EOF\n");
    /* No HELP given: no HELP line. */
    assert_int_equal(expo_family(empty, "bare", METRIC_GAUGE, NULL), 0);
    assert_int_equal(expo_sample(empty, "bare", NULL, 0, 2), 0);
    assert_render(empty, EXPO_TEXT, "# TYPE bare gauge\nbare 2\n");
    expo_free(empty);
}

/* ---- one sample per value of an enum ---- */

static void test_samples_by(void **state)
{
    struct expo *e = *state;
    static const char *const names[] = { "stored", "retry", "rejected" };
    static const uint64_t counts[] = { 7, 0, 12 };
    static const char want[] = "# HELP pushes_total Pushes.\n"
                               "# TYPE pushes_total counter\n"
                               "pushes_total{result=\"rejected\"} 12\n"
                               "pushes_total{result=\"retry\"} 0\n"
                               "pushes_total{result=\"stored\"} 7\n";
    assert_int_equal(expo_family(e, "pushes_total", METRIC_COUNTER, "Pushes."), 0);
    assert_int_equal(expo_samples_by(e, "pushes_total", "result", names, counts, 3), 0);
    /* None: nothing added, nothing wrong. */
    assert_int_equal(expo_samples_by(e, "pushes_total", "result", names, counts, 0), 0);
    assert_render(e, EXPO_TEXT, want);
    /* A family not declared, or a key that is no label name: -1, nothing added. */
    assert_int_equal(expo_samples_by(e, "undeclared", "result", names, counts, 3), -1);
    assert_int_equal(expo_family(e, "other", METRIC_GAUGE, "Other."), 0);
    assert_int_equal(expo_samples_by(e, "other", "no-label", names, counts, 3), -1);
    assert_render(e, EXPO_TEXT, want);
}

static void test_content_types(void **state)
{
    (void)state;
    assert_string_equal(expo_content_type(EXPO_TEXT), "text/plain; version=0.0.4; charset=utf-8");
    assert_string_equal(expo_content_type(EXPO_OPENMETRICS),
                        "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

/* ---- validation ---- */

static void test_invalid_names(void **state)
{
    struct expo *e = *state;
    const char *bad_metrics[] = { "", "1abc", "a-b", "a b", "a.b", "é", "a\n" };
    for (size_t i = 0; i < sizeof(bad_metrics) / sizeof(*bad_metrics); i++)
        assert_int_equal(expo_family(e, bad_metrics[i], METRIC_GAUGE, "h"), -1);
    assert_int_equal(expo_family(e, NULL, METRIC_GAUGE, "h"), -1);
    assert_int_equal(expo_family(e, "ok_name", (enum metric_type)7, "h"), -1);
    /* Counters must end in _total with something before it. */
    assert_int_equal(expo_family(e, "requests", METRIC_COUNTER, "h"), -1);
    assert_int_equal(expo_family(e, "_total", METRIC_COUNTER, "h"), -1);
    char longname[EXPO_NAME_MAX + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(expo_family(e, longname, METRIC_GAUGE, "h"), -1);
    longname[EXPO_NAME_MAX] = '\0';
    assert_int_equal(expo_family(e, longname, METRIC_GAUGE, "h"), 0);
    assert_int_equal(expo_family(e, "_ok:name9", METRIC_GAUGE, "h"), 0);

    assert_int_equal(expo_family(e, "m", METRIC_GAUGE, "h"), 0);
    struct metric_label colon[] = { L("a:b", "v") };
    struct metric_label reserved[] = { L("__name__", "v") };
    struct metric_label digit[] = { L("1a", "v") };
    struct metric_label empty[] = { L("", "v") };
    struct metric_label twice[] = { L("a", "1"), L("a", "2") };
    struct metric_label nullval[] = { L("a", NULL) };
    assert_int_equal(expo_sample(e, "m", colon, 1, 1), -1);
    assert_int_equal(expo_sample(e, "m", reserved, 1, 1), -1);
    assert_int_equal(expo_sample(e, "m", digit, 1, 1), -1);
    assert_int_equal(expo_sample(e, "m", empty, 1, 1), -1);
    assert_int_equal(expo_sample(e, "m", twice, 2, 1), -1);
    assert_int_equal(expo_sample(e, "m", nullval, 1, 1), -1);
    assert_int_equal(expo_sample(e, "m", NULL, 1, 1), -1);
    assert_int_equal(expo_sample(e, "undeclared", NULL, 0, 1), -1);
    struct metric_label many[EXPO_LABELS_MAX + 1];
    char names[EXPO_LABELS_MAX + 1][8];
    for (size_t i = 0; i < EXPO_LABELS_MAX + 1; i++) {
        snprintf(names[i], sizeof(names[i]), "l%zu", i);
        many[i] = L(names[i], "v");
    }
    assert_int_equal(expo_sample(e, "m", many, EXPO_LABELS_MAX + 1, 1), -1);
    assert_int_equal(expo_sample(e, "m", many, EXPO_LABELS_MAX, 1), 0);
    struct metric_label under[] = { L("_x", "v") };
    assert_int_equal(expo_sample(e, "m", under, 1, 2), 0);
    /* Nothing rejected made it in. */
    char *got = render(e, EXPO_TEXT, NULL);
    assert_non_null(strstr(got, "m{l0=\"v\",l1=\"v\",l2=\"v\",l3=\"v\",l4=\"v\",l5=\"v\","
                                "l6=\"v\",l7=\"v\"} 1\n"));
    assert_non_null(strstr(got, "m{_x=\"v\"} 2\n"));
    assert_null(strstr(got, "a:b"));
    assert_null(strstr(got, "__name__"));
    free(got);
}

static void test_invalid_utf8_and_caps(void **state)
{
    struct expo *e = *state;
    /* Lone continuation, truncated 3-byte, overlong '/', surrogate, > U+10FFFF, 0xFF. */
    assert_int_equal(expo_family(e, "u", METRIC_GAUGE, "h\x80p \xE2\x82 end"), 0);
    struct metric_label l1[] = { L("v", "a\xC0\xAF"
                                        "b") };
    struct metric_label l2[] = { L("v", "c\xED\xA0\x80"
                                        "d") };
    struct metric_label l3[] = { L("v", "e\xF4\x90\x80\x80"
                                        "f\xFF") };
    struct metric_label l4[] = { L("v", "ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xB3") };
    assert_int_equal(expo_sample(e, "u", l1, 1, 1), 0);
    assert_int_equal(expo_sample(e, "u", l2, 1, 2), 0);
    assert_int_equal(expo_sample(e, "u", l3, 1, 3), 0);
    assert_int_equal(expo_sample(e, "u", l4, 1, 4), 0);
#define FFFD "\xEF\xBF\xBD"
    assert_render(e, EXPO_TEXT,
                  "# HELP u h" FFFD "p " FFFD " end\n"
                  "# TYPE u gauge\n"
                  "u{v=\"a" FFFD FFFD "b\"} 1\n"
                  "u{v=\"c" FFFD FFFD FFFD "d\"} 2\n"
                  "u{v=\"e" FFFD FFFD FFFD FFFD "f" FFFD "\"} 3\n"
                  "u{v=\"ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xB3\"} 4\n");

    /* A value longer than the cap is cut at a character boundary. */
    struct expo *cut = expo_new();
    assert_non_null(cut);
    assert_int_equal(expo_family(cut, "long", METRIC_GAUGE, "h"), 0);
    char big[EXPO_LABEL_VALUE_MAX + 16];
    memset(big, 'x', EXPO_LABEL_VALUE_MAX - 1);
    memcpy(big + EXPO_LABEL_VALUE_MAX - 1, "\xE2\x82\xAC tail", sizeof("\xE2\x82\xAC tail"));
    struct metric_label lb[] = { L("v", big) };
    assert_int_equal(expo_sample(cut, "long", lb, 1, 1), 0);
    char *got = render(cut, EXPO_TEXT, NULL);
    const char *start = strstr(got, "long{v=\"");
    assert_non_null(start);
    start += strlen("long{v=\"");
    const char *end = strchr(start, '"');
    assert_non_null(end);
    /* The euro sign would straddle the cap, so it and what follows are gone. */
    assert_int_equal(end - start, EXPO_LABEL_VALUE_MAX - 1);
    assert_null(strstr(got, "tail"));
    free(got);
    expo_free(cut);
}

/* ---- values ---- */

static void test_value_formatting(void **state)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        { 0, "0" },
        { -0.0, "0" },
        { 1, "1" },
        { -1, "-1" },
        { -3, "-3" },
        { 1700000000, "1700000000" },
        { 9007199254740992.0, "9007199254740992" }, /* 2^53 */
        { 9007199254740994.0, "9007199254740994" }, /* 2^53 + 2: %.16g */
        { 1e21, "1e+21" },
        { 0.1, "0.1" },
        { 1.5e-7, "1.5e-07" },
        { 0.30000000000000004, "0.30000000000000004" },
        { 1.0 / 3.0, "0.3333333333333333" },
        { 123.456, "123.456" },
        { -2.5, "-2.5" },
        { 1.7976931348623157e308, "1.7976931348623157e+308" },
        { 5e-324, "4.94065645841247e-324" }, /* reads back exactly */
        { 1.2345678901234568e+17, "1.2345678901234568e+17" },
    };
    char out[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        size_t n = expo_format_value(cases[i].v, out, sizeof(out));
        assert_string_equal(out, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
        if (isfinite(cases[i].v)) {
            char *end;
            assert_true(strtod(out, &end) == cases[i].v);
            assert_int_equal(*end, '\0');
        }
    }
    expo_format_value(NAN, out, sizeof(out));
    assert_string_equal(out, "NaN");
    expo_format_value(INFINITY, out, sizeof(out));
    assert_string_equal(out, "+Inf");
    expo_format_value(-INFINITY, out, sizeof(out));
    assert_string_equal(out, "-Inf");
    /* Too small a buffer: 0 and an empty string, never a cut number. */
    assert_int_equal(expo_format_value(123456, out, 4), 0);
    assert_string_equal(out, "");

    /* And the same through a render. */
    struct expo *e = *state;
    assert_int_equal(expo_family(e, "v", METRIC_GAUGE, "h"), 0);
    struct metric_label a[] = { L("k", "a") }, b[] = { L("k", "b") }, c[] = { L("k", "c") };
    assert_int_equal(expo_sample(e, "v", a, 1, NAN), 0);
    assert_int_equal(expo_sample(e, "v", b, 1, -INFINITY), 0);
    assert_int_equal(expo_sample(e, "v", c, 1, 1e21), 0);
    assert_render(
        e, EXPO_TEXT,
        "# HELP v h\n# TYPE v gauge\nv{k=\"a\"} NaN\nv{k=\"b\"} -Inf\nv{k=\"c\"} 1e+21\n");
}

/* ---- caps on the output ---- */

static void test_render_cap(void **state)
{
    struct expo *e = *state;
    assert_int_equal(expo_family(e, "capped", METRIC_GAUGE, "h"), 0);
    for (int i = 0; i < 100; i++) {
        char v[16];
        snprintf(v, sizeof(v), "%03d", i);
        struct metric_label l[] = { L("i", v) };
        assert_int_equal(expo_sample(e, "capped", l, 1, i), 0);
    }
    struct buf b;
    buf_init(&b, 200);
    assert_int_equal(buf_append_str(&b, "keep"), BUF_OK);
    size_t dropped = 7;
    assert_int_equal(expo_render(e, EXPO_TEXT, &b, &dropped), BUF_TOOBIG);
    /* What was there before is left alone, with no half body after it. */
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "keep");
    buf_free(&b);
}

/* ---- promtool ---- */

/* Skips the test where promtool is not installed. */
static void need_promtool(void)
{
    if (access(PROMTOOL, X_OK) != 0)
        skip();
}

/* Runs `promtool check metrics` on `body` (freed here): it must print nothing and exit 0. */
static void promtool_check_clean(char *body)
{
    char path[] = "/tmp/dockward-test-expo-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(body);
    assert_int_equal(write(fd, body, len), (ssize_t)len);
    close(fd);
    char cmd[256];
    int n = snprintf(cmd, sizeof(cmd), "%s check metrics < %s 2>&1", PROMTOOL, path);
    assert_true(n > 0 && (size_t)n < sizeof(cmd));
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char output[4096];
    size_t got = fread(output, 1, sizeof(output) - 1, p);
    output[got] = '\0';
    int status = pclose(p);
    unlink(path);
    if (got != 0 || status != 0)
        print_error("promtool (status %d) said:\n%s\non:\n%s", status, output, body);
    free(body);
    assert_string_equal(output, "");
    assert_int_equal(status, 0);
}

static void test_promtool_accepts(void **state)
{
    need_promtool();
    struct expo *e = *state;
    assert_int_equal(expo_family(e, "dockward_check_info", METRIC_GAUGE,
                                 "CIS checks: \"title\" with \\ and\nnewline."),
                     0);
    assert_int_equal(expo_family(e, "dockward_report_push_total", METRIC_COUNTER,
                                 "Reports pushed to the store, by result."),
                     0);
    assert_int_equal(expo_family(e, "dockward_values", METRIC_GAUGE, "Odd values."), 0);
    assert_int_equal(expo_family(e, "dockward_up", METRIC_GAUGE, "1 when Docker answered."), 0);
    struct metric_label i1[] = { L("check", "1.1"), L("section", "1"),
                                 L("title", "Quote \" back \\ newline \n tab \t end") };
    struct metric_label i2[] = { L("check", "2.2"), L("section", "2"),
                                 L("title", "bad utf8 \xC3\x28 \xFF and \xE2\x82\xAC ok") };
    struct metric_label i3[] = { L("check", "3.3"), L("section", ""), L("title", "{}=,# x") };
    assert_int_equal(expo_sample(e, "dockward_check_info", i1, 3, 1), 0);
    assert_int_equal(expo_sample(e, "dockward_check_info", i2, 3, 1), 0);
    assert_int_equal(expo_sample(e, "dockward_check_info", i3, 3, 1), 0);
    assert_int_equal(expo_sample(e, "dockward_check_info", i1, 3, 1), 0); /* dup */
    struct metric_label r1[] = { L("result", "ok") }, r2[] = { L("result", "error") };
    assert_int_equal(expo_sample(e, "dockward_report_push_total", r1, 1, 12), 0);
    assert_int_equal(expo_sample(e, "dockward_report_push_total", r2, 1, 0), 0);
    const double vals[] = { NAN, INFINITY, -INFINITY, 1e21, 0.1, 1.5e-7, -1, 9007199254740993.0 };
    for (size_t k = 0; k < sizeof(vals) / sizeof(*vals); k++) {
        char kv[8];
        snprintf(kv, sizeof(kv), "%zu", k);
        struct metric_label l[] = { L("k", kv) };
        assert_int_equal(expo_sample(e, "dockward_values", l, 1, vals[k]), 0);
    }
    assert_int_equal(expo_sample(e, "dockward_up", NULL, 0, 1), 0);
    size_t dropped;
    char *body = render(e, EXPO_TEXT, &dropped);
    assert_int_equal(dropped, 1);

    promtool_check_clean(body);
}

/* ---- histograms ---- */

static void test_histogram_render(void **state)
{
    struct expo *e = *state;
    assert_int_equal(expo_family(e, "req_duration_seconds", METRIC_HISTOGRAM, "Request latency."),
                     0);
    const double bounds[] = { 0.005, 0.5, 1, 2.5 };
    const double cum[] = { 1, 3, 3, 4 };
    struct metric_label l[] = { L("path", "/x") };
    assert_int_equal(expo_histogram(e, "req_duration_seconds", l, 1, bounds, cum, 4, 2.75, 5), 0);
    assert_int_equal(expo_histogram(e, "req_duration_seconds", NULL, 0, bounds, cum, 0, 0, 0), 0);
    const char *samples = "req_duration_seconds_bucket{le=\"+Inf\"} 0\n"
                          "req_duration_seconds_sum 0\n"
                          "req_duration_seconds_count 0\n"
                          "req_duration_seconds_bucket{path=\"/x\",le=\"0.005\"} 1\n"
                          "req_duration_seconds_bucket{path=\"/x\",le=\"0.5\"} 3\n"
                          "req_duration_seconds_bucket{path=\"/x\",le=\"1.0\"} 3\n"
                          "req_duration_seconds_bucket{path=\"/x\",le=\"2.5\"} 4\n"
                          "req_duration_seconds_bucket{path=\"/x\",le=\"+Inf\"} 5\n"
                          "req_duration_seconds_sum{path=\"/x\"} 2.75\n"
                          "req_duration_seconds_count{path=\"/x\"} 5\n";
    char want[2048];
    snprintf(want, sizeof(want),
             "# HELP req_duration_seconds Request latency.\n"
             "# TYPE req_duration_seconds histogram\n%s",
             samples);
    assert_render(e, EXPO_TEXT, want);
    snprintf(want, sizeof(want),
             "# HELP req_duration_seconds Request latency.\n"
             "# TYPE req_duration_seconds histogram\n%s# EOF\n",
             samples);
    assert_render(e, EXPO_OPENMETRICS, want);
    /* The same labels twice: one series, the first kept. */
    assert_int_equal(expo_histogram(e, "req_duration_seconds", l, 1, bounds, cum, 4, 9, 9), 0);
    size_t dropped = 0;
    free(render(e, EXPO_TEXT, &dropped));
    assert_int_equal(dropped, 1);
}

static void test_histogram_invalid(void **state)
{
    struct expo *e = *state;
    const double bounds[] = { 0.1, 0.2 };
    const double cum[] = { 1, 2 };
    assert_int_equal(expo_family(e, "h", METRIC_HISTOGRAM, NULL), 0);
    assert_int_equal(expo_family(e, "g", METRIC_GAUGE, NULL), 0);
    /* Each kind of sample through its own function only. */
    assert_int_equal(expo_sample(e, "h", NULL, 0, 1), -1);
    assert_int_equal(expo_histogram(e, "g", NULL, 0, bounds, cum, 2, 1, 2), -1);
    assert_int_equal(expo_histogram(e, "nope", NULL, 0, bounds, cum, 2, 1, 2), -1);
    /* Bounds strictly increasing and finite, counts cumulative and within count. */
    const double unsorted[] = { 0.2, 0.1 };
    const double same[] = { 0.1, 0.1 };
    const double inf[] = { 0.1, INFINITY };
    const double down[] = { 2, 1 };
    assert_int_equal(expo_histogram(e, "h", NULL, 0, unsorted, cum, 2, 1, 2), -1);
    assert_int_equal(expo_histogram(e, "h", NULL, 0, same, cum, 2, 1, 2), -1);
    assert_int_equal(expo_histogram(e, "h", NULL, 0, inf, cum, 2, 1, 2), -1);
    assert_int_equal(expo_histogram(e, "h", NULL, 0, bounds, down, 2, 1, 2), -1);
    assert_int_equal(expo_histogram(e, "h", NULL, 0, bounds, cum, 2, 1, 1), -1); /* 2 > count */
    assert_int_equal(expo_histogram(e, "h", NULL, 0, bounds, cum, 2, 1, -1), -1);
    assert_int_equal(expo_histogram(e, "h", NULL, 0, bounds, cum, EXPO_BUCKETS_MAX + 1, 1, 2), -1);
    /* "le" is the renderer's. */
    struct metric_label le[] = { L("le", "1") };
    assert_int_equal(expo_histogram(e, "h", le, 1, bounds, cum, 2, 1, 2), -1);
    /* Sample names a histogram owns cannot be other families, either way round. */
    assert_int_equal(expo_family(e, "h_bucket", METRIC_GAUGE, NULL), -1);
    assert_int_equal(expo_family(e, "h_sum", METRIC_GAUGE, NULL), -1);
    assert_int_equal(expo_family(e, "h_count", METRIC_HISTOGRAM, NULL), -1);
    assert_int_equal(expo_family(e, "h_total", METRIC_COUNTER, NULL), -1);
    assert_int_equal(expo_family(e, "x_count", METRIC_GAUGE, NULL), 0);
    assert_int_equal(expo_family(e, "x", METRIC_HISTOGRAM, NULL), -1);
    assert_int_equal(expo_family(e, "y_total", METRIC_COUNTER, NULL), 0);
    assert_int_equal(expo_family(e, "y", METRIC_HISTOGRAM, NULL), -1);
    assert_int_equal(expo_family(e, "h", METRIC_GAUGE, NULL), -1); /* redeclared, other type */
    assert_int_equal(expo_family(e, "h", METRIC_HISTOGRAM, "again"), 0);
    /* Nothing valid was added: nothing renders. */
    assert_render(e, EXPO_TEXT, "");
}

static void test_histogram_promtool(void **state)
{
    need_promtool();
    struct expo *e = *state;
    assert_int_equal(expo_family(e, "dockward_store_ingest_duration_seconds", METRIC_HISTOGRAM,
                                 "How long an ingest request took."),
                     0);
    const double bounds[] = { 0.0005, 0.001, 0.01, 1, 10 };
    const double cum[] = { 0, 2, 7, 9, 9 };
    assert_int_equal(expo_histogram(e, "dockward_store_ingest_duration_seconds", NULL, 0, bounds,
                                    cum, 5, 0.75, 10),
                     0);
    char *body = render(e, EXPO_TEXT, NULL);
    promtool_check_clean(body);
}

/* ---- negotiation ---- */

static void test_negotiate(void **state)
{
    (void)state;
    static const struct {
        const char *accept;
        enum expo_format want;
    } cases[] = {
        /* Prometheus 2.x default. */
        { "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
          "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
          EXPO_OPENMETRICS },
        /* Prometheus 3 default, and with the UTF-8 escaping parameter. */
        { "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;"
          "version=0.0.1;q=0.4,text/plain;version=1.0.0;q=0.3,text/plain;version=0.0.4;q=0.2,"
          "*/*;q=0.1",
          EXPO_OPENMETRICS },
        { "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
          "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;"
          "escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
          EXPO_OPENMETRICS },
        /* Prometheus configured for text first (scrape_protocols). */
        { "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.8",
          EXPO_TEXT },
        /* curl, browsers, nothing. */
        { "*/*", EXPO_TEXT },
        { "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", EXPO_TEXT },
        { NULL, EXPO_TEXT },
        { "", EXPO_TEXT },
        { "   ,  , ", EXPO_TEXT },
        { "garbage", EXPO_TEXT },
        { "application/openmetrics-text;q=banana", EXPO_TEXT },
        { "application/openmetrics-text;q=1.5", EXPO_TEXT },
        { "application/openmetrics-text;q=0.1234", EXPO_TEXT },
        { "application/openmetrics-text;version", EXPO_TEXT },
        { "application/openmetrics-text;version=\"1.0.0", EXPO_TEXT }, /* open quote */
        { "text/plain", EXPO_TEXT },
        { "text/plain;version=0.0.4", EXPO_TEXT },
        /* OpenMetrics alone, with or without version and spaces. */
        { "application/openmetrics-text; version=1.0.0", EXPO_OPENMETRICS },
        { "application/openmetrics-text", EXPO_OPENMETRICS },
        { "  application/openmetrics-text ; version = \"1.0.0\" ; charset=UTF-8 ",
          EXPO_OPENMETRICS },
        { "APPLICATION/OpenMetrics-Text;Version=1.0.0;Q=1", EXPO_OPENMETRICS },
        { "application/openmetrics-text;version=1.0.0;q=1.000", EXPO_OPENMETRICS },
        { "application/openmetrics-text;", EXPO_OPENMETRICS },
        /* A version or charset we do not produce. */
        { "application/openmetrics-text;version=0.0.1", EXPO_TEXT },
        { "application/openmetrics-text;version=2.0.0", EXPO_TEXT },
        { "application/openmetrics-text;charset=latin1", EXPO_TEXT },
        /* Text refused, OpenMetrics absent: text still, it always works. */
        { "text/plain;q=0", EXPO_TEXT },
        { "text/plain;q=0,application/json", EXPO_TEXT },
        /* Text refused, OpenMetrics covered by a wildcard. */
        { "text/plain;q=0,*/*;q=0.1", EXPO_OPENMETRICS },
        { "text/*;q=0.2,application/*;q=0.3", EXPO_OPENMETRICS },
        { "application/*", EXPO_OPENMETRICS }, /* covers OpenMetrics only */
        /* An explicit type beats a wildcard for it, either way round. */
        { "application/openmetrics-text;q=0,*/*", EXPO_TEXT },
        { "*/*;q=0.1,application/openmetrics-text;q=0.2", EXPO_OPENMETRICS },
        { "application/openmetrics-text;version=1.0.0;q=0.3,application/openmetrics-text;q=0.9,"
          "text/plain;q=0.5",
          EXPO_TEXT },
        /* Equal preference goes to text. */
        { "application/openmetrics-text;q=0.5,text/plain;q=0.5", EXPO_TEXT },
        { "application/openmetrics-text,text/plain", EXPO_TEXT },
        /* A bad element is skipped, the good ones still count. */
        { "bogus/;;q=x,application/openmetrics-text;q=0.8,text/plain;q=0.3", EXPO_OPENMETRICS },
        { "application/openmetrics-text;foo=\"a,b\";q=0.8,text/plain;q=0.3", EXPO_OPENMETRICS },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        enum expo_format got = expo_negotiate(cases[i].accept);
        if (got != cases[i].want)
            print_error("case %zu: Accept: %s\n", i, cases[i].accept ? cases[i].accept : "(null)");
        assert_int_equal(got, cases[i].want);
    }
}

static void test_accepts_gzip(void **state)
{
    (void)state;
    static const struct {
        const char *header;
        int want;
    } cases[] = {
        { "gzip", 1 },
        { "gzip, deflate, br", 1 },
        { "deflate, gzip;q=0.5", 1 },
        { "x-gzip", 1 },
        { "GZIP", 1 },
        { "*", 1 },
        { "*;q=0.1", 1 },
        { "gzip;q=0", 0 },
        { "gzip;q=0.000", 0 },
        { "gzip;q=0.001", 1 },
        { "gzip;q=0, *", 0 }, /* a named gzip overrides the wildcard */
        { "*;q=0, gzip", 1 },
        { "*;q=0", 0 },
        { "identity", 0 },
        { "deflate, br", 0 },
        { "", 0 },
        { NULL, 0 },
        { "gzip;q=2", 0 }, /* invalid q: element ignored */
        { " gzip ; q=1.0 ", 1 },
        { "gzipx", 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int got = expo_accepts_gzip(cases[i].header);
        if (got != cases[i].want)
            print_error("case %zu: Accept-Encoding: %s\n", i,
                        cases[i].header ? cases[i].header : "(null)");
        assert_int_equal(got, cases[i].want);
    }
}

/* ---- gzip ---- */

static void make_body(struct buf *b, size_t size)
{
    unsigned x = 12345;
    while (b->len < size) {
        x = x * 1103515245u + 12345u;
        assert_int_equal(buf_printf(b,
                                    "dockward_check_failure{check=\"5.%u\",target=\"container/"
                                    "c%u\"} 1\n",
                                    (x >> 8) % 40, (x >> 12) % 1000),
                         BUF_OK);
    }
}

static void test_gzip_round_trip(void **state)
{
    (void)state;
    struct buf body, gz, back;
    buf_init(&body, 1u << 20);
    buf_init(&gz, 1u << 20);
    buf_init(&back, 1u << 20);
    make_body(&body, 60 * 1024);

    assert_int_equal(gzip_compress(body.data, body.len, &gz), 0);
    assert_true(gz.len > 18);
    assert_true(gz.len < body.len / 3);
    assert_int_equal((unsigned char)gz.data[0], 0x1f);
    assert_int_equal((unsigned char)gz.data[1], 0x8b);
    assert_int_equal((unsigned char)gz.data[2], 8); /* deflate */

    /* Independently of our inflate: zlib's own gzip reader. */
    z_stream zs = { 0 };
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    unsigned char *plain = malloc(body.len + 1);
    assert_non_null(plain);
    zs.next_in = (Bytef *)gz.data;
    zs.avail_in = (uInt)gz.len;
    zs.next_out = plain;
    zs.avail_out = (uInt)body.len + 1;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, body.len);
    assert_memory_equal(plain, body.data, body.len);
    inflateEnd(&zs);
    free(plain);

    assert_int_equal(gzip_decompress(gz.data, gz.len, &back), 0);
    assert_int_equal(back.len, body.len);
    assert_memory_equal(back.data, body.data, body.len);

    /* Truncated, corrupted, trailing garbage: all refused, `out` untouched. */
    buf_reset(&back);
    assert_int_equal(gzip_decompress(gz.data, gz.len - 5, &back), -1);
    assert_int_equal(back.len, 0);
    gz.data[gz.len - 6] ^= 0x55; /* the CRC32 */
    assert_int_equal(gzip_decompress(gz.data, gz.len, &back), -1);
    gz.data[gz.len - 6] ^= 0x55;
    assert_int_equal(buf_append(&gz, "junk", 4), BUF_OK);
    assert_int_equal(gzip_decompress(gz.data, gz.len, &back), -1);
    assert_int_equal(gzip_decompress("not gzip at all", 15, &back), -1);
    assert_int_equal(back.len, 0);

    /* The output cap holds: a 60 KB body cannot inflate into 1 KB. */
    struct buf small;
    buf_init(&small, 1024);
    gz.len -= 4;
    assert_int_equal(gzip_decompress(gz.data, gz.len, &small), -1);
    assert_true(small.len == 0);
    buf_free(&small);

    /* The empty input is a valid, tiny member. */
    buf_reset(&gz);
    buf_reset(&back);
    assert_int_equal(gzip_compress("", 0, &gz), 0);
    assert_int_equal(gzip_decompress(gz.data, gz.len, &back), 0);
    assert_int_equal(back.len, 0);

    buf_free(&body);
    buf_free(&gz);
    buf_free(&back);
}

/* A test with an exposition builder of its own as its state. */
#define WITH_EXPO(test) cmocka_unit_test_setup_teardown(test, expo_setup, expo_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        WITH_EXPO(test_escaping_text),
        WITH_EXPO(test_ordering),
        WITH_EXPO(test_duplicates_dropped),
        WITH_EXPO(test_counter_openmetrics),
        WITH_EXPO(test_samples_by),
        cmocka_unit_test(test_content_types),
        WITH_EXPO(test_invalid_names),
        WITH_EXPO(test_invalid_utf8_and_caps),
        WITH_EXPO(test_value_formatting),
        WITH_EXPO(test_render_cap),
        WITH_EXPO(test_promtool_accepts),
        WITH_EXPO(test_histogram_render),
        WITH_EXPO(test_histogram_invalid),
        WITH_EXPO(test_histogram_promtool),
        cmocka_unit_test(test_negotiate),
        cmocka_unit_test(test_accepts_gzip),
        cmocka_unit_test(test_gzip_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
