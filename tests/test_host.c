/*
 * test_host.c - CIS 1.1.1, 1.1.3-1.1.18 and 1.2.1 (collectors/host.c): the
 * descriptor. Every case, a host tree (and a Docker API sweep) with the
 * verdicts wanted of it, is in tests/cases/host.cases, run by
 * test_collector_cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/registry.h"
#include "tests/collector_harness.h"

#include <string.h>

static void test_descriptor(void **state)
{
    (void)state;
    static const char *const ids[] = { "1.1.1",  "1.1.3",  "1.1.4",  "1.1.5",  "1.1.6",
                                       "1.1.7",  "1.1.8",  "1.1.9",  "1.1.10", "1.1.11",
                                       "1.1.12", "1.1.13", "1.1.14", "1.1.15", "1.1.16",
                                       "1.1.17", "1.1.18", "1.2.1",  "1.2.2" };
    const struct collector *c = &collector_host;
    harness_expect_descriptor(c, "host", true, ARRAY_LEN(ids));
    for (size_t i = 0; i < ARRAY_LEN(ids); i++) {
        const struct check_def *d = &c->checks[i];
        assert_string_equal(d->id, ids[i]);
        assert_string_equal(d->section, "1");
        /* CIS v1.6.0: 1.1.1-1.1.6, 1.2.1 and 1.2.2 are level 1, the other audit checks
         * level 2; 1.2.x are manual. */
        int general = strncmp(ids[i], "1.2.", 4) == 0;
        assert_int_equal(d->level, (i <= 4 || general) ? 1 : 2);
        assert_int_equal(d->automated, !general);
        harness_expect_check_words(d);
    }
    assert_int_equal(c->n_options, 0);
    /* 1.2.2 reads the API; the collector still runs without it. */
    assert_true(c->needs_docker);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
