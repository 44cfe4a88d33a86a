/*
 * test_collector.c - the result sink every collector writes into: catalog
 * enforcement, one-line evidence, valid UTF-8 out of any input, caps, and
 * measurements.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "tests/collector_harness.h"

#include <string.h>

static const struct check_def checks[] = {
    { "9.1", "9", 1, true, "A test check", "Fix it" },
};
static const struct measure_def measures[] = {
    { "things", "Things by kind.", "kind" },
};
static const struct collector fake = {
    .name = "fake",
    .checks = checks,
    .n_checks = 1,
    .measures = measures,
    .n_measures = 1,
};

/* A test's state: the harness's result set and a sink of the fake collector into it. */
struct sink_test {
    struct harness_run h;
    struct result_sink sink;
};

static int sink_setup(void **state)
{
    if (harness_setup(state, sizeof(struct sink_test)) != 0)
        return -1;
    struct sink_test *st = *state;
    result_sink_init(&st->sink, &st->h.set, &fake);
    return 0;
}

static void test_unknown_check_is_refused(void **state)
{
    struct sink_test *st = *state;
    struct result_set *set = &st->h.set;
    assert_int_equal(sink_add(&st->sink, "9.2", "host", CHECK_PASS, "x"), -1);
    assert_int_equal(set->len, 0);
    assert_int_equal(sink_add(&st->sink, "9.1", "host", CHECK_FAIL, "mode %04o", 0477), 0);
    assert_int_equal(set->len, 1);
    assert_ptr_equal(set->items[0].check, &checks[0]);
    assert_string_equal(set->items[0].evidence, "mode 0477");
    assert_int_equal(set->items[0].status, CHECK_FAIL);
}

/* A collect function's error says why the sink refused: over the cap, or not. */
static void test_sink_refusal_is_said(void **state)
{
    struct sink_test *st = *state;
    char err[128] = "";
    int rc = sink_add(&st->sink, "9.2", "host", CHECK_PASS, "x");
    assert_int_equal(collect_sink_rc(&st->sink, rc, err, sizeof(err)), -1);
    assert_string_equal(err, "cannot record a result (out of memory, or refused: see the log)");
    rc = 0;
    for (int i = 0; i < RESULT_MAX_PER_COLLECTOR && rc == 0; i++)
        rc = sink_add(&st->sink, "9.1", "host", CHECK_PASS, "x");
    assert_int_equal(rc, 0);
    assert_int_equal(st->h.set.len, RESULT_MAX_PER_COLLECTOR);
    rc = sink_add(&st->sink, "9.1", "host", CHECK_PASS, "x");
    assert_int_equal(collect_sink_rc(&st->sink, rc, err, sizeof(err)), -1);
    assert_string_equal(err, "too many results");
    assert_int_equal(collect_sink_rc(&st->sink, 0, err, sizeof(err)), 0);
}

static void test_text_is_one_line_of_valid_utf8(void **state)
{
    struct sink_test *st = *state;
    struct result_set *set = &st->h.set;
    assert_int_equal(
        sink_add(&st->sink, "9.1", "file/bad\xff\xfename", CHECK_WARN, "a\nb\rc \xc3\x28"), 0);
    /* Replaced bytes could make two names one: the hash of the original keeps them apart. */
    const char *want = "file/bad\xEF\xBF\xBD\xEF\xBF\xBDname...#";
    assert_memory_equal(set->items[0].target, want, strlen(want));
    assert_int_equal(strlen(set->items[0].target), strlen(want) + 16);
    assert_string_equal(set->items[0].evidence, "a b c \xEF\xBF\xBD(");
}

static void test_long_text_is_cut(void **state)
{
    struct sink_test *st = *state;
    struct result_set *set = &st->h.set;
    char longtarget[RESULT_EVIDENCE_MAX * 2];
    memset(longtarget, 'x', sizeof(longtarget) - 1);
    longtarget[sizeof(longtarget) - 1] = '\0';
    assert_int_equal(sink_add(&st->sink, "9.1", longtarget, CHECK_PASS, "%s", longtarget), 0);
    assert_true(strlen(set->items[0].target) <= RESULT_TARGET_MAX);
    assert_true(strlen(set->items[0].evidence) <= RESULT_EVIDENCE_MAX);
    assert_string_equal(set->items[0].evidence + strlen(set->items[0].evidence) - 3, "...");
}

/*
 * issue 18 #2: two docker-group members whose 261-character names share
 * their first 260 characters stay two targets (the store refuses a report
 * holding one (check, target) twice, which lost every report of the host).
 */
static void test_cut_targets_stay_unique(void **state)
{
    struct sink_test *st = *state;
    struct result_set *set = &st->h.set;
    char a[270], b[270];
    memcpy(a, "user/", 5);
    memset(a + 5, 'u', 255);
    memcpy(b, a, 260);
    a[260] = 'a';
    b[260] = 'b';
    a[261] = b[261] = '\0';
    assert_int_equal(sink_add(&st->sink, "9.1", a, CHECK_PASS, "x"), 0);
    assert_int_equal(sink_add(&st->sink, "9.1", b, CHECK_PASS, "x"), 0);
    assert_int_equal(sink_add(&st->sink, "9.1", "user/short", CHECK_PASS, "x"), 0);
    for (size_t i = 0; i < 2; i++) {
        const char *t = set->items[i].target;
        size_t n = strlen(t);
        assert_true(n <= RESULT_TARGET_MAX);
        assert_memory_equal(t + n - 20, "...#", 4); /* "...#" and 16 hex digits */
        assert_int_equal(strspn(t + n - 16, "0123456789abcdef"), 16);
    }
    assert_string_not_equal(set->items[0].target, set->items[1].target);
    assert_string_equal(set->items[2].target, "user/short"); /* short names are untouched */
}

static void test_measurements(void **state)
{
    struct sink_test *st = *state;
    struct result_set *set = &st->h.set;
    assert_int_equal(sink_measure(&st->sink, "things", "big", 3), 0);
    assert_int_equal(sink_measure(&st->sink, "undeclared", "x", 1), -1);
    assert_int_equal(set->n_measures, 1);
    assert_string_equal(set->measures[0].label_value, "big");
    assert_true(set->measures[0].value == 3);
}

static void test_status_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < CHECK_STATUS_COUNT; s++) {
        enum check_status back;
        assert_int_equal(check_status_parse(check_status_name((enum check_status)s), &back), 0);
        assert_int_equal(back, s);
    }
    enum check_status dummy;
    assert_int_equal(check_status_parse("ok", &dummy), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_check_is_refused, sink_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_sink_refusal_is_said, sink_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_text_is_one_line_of_valid_utf8, sink_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_long_text_is_cut, sink_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_cut_targets_stay_unique, sink_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_measurements, sink_setup, harness_teardown),
        cmocka_unit_test(test_status_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
