/*
 * test_daemon_config.c - CIS 2.1-2.18, 5.1 and 7.1-7.9 (collectors/daemon_config.c):
 * the descriptor, and the collector's failure when the Docker API did not
 * answer. Every verdict case, a host tree for dockerd's command line,
 * daemon.json and /proc and the sweep dockerd reports, with the verdicts
 * wanted of them, is in tests/cases/daemon_config.cases (the pitfall rows of
 * CHECKS.md among them), run by test_collector_cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/docker.h"
#include "collectors/registry.h"
#include "tests/collector_harness.h"

#include <stdio.h>
#include <string.h>

/* Runs the collector on the tree in h with sweep sw; returns its status. */
static int collect_with(struct harness_run *h, const struct docker_sweep *sw)
{
    struct collect_ctx ctx = {
        .docker_host = "unix:///var/run/docker.sock",
        .docker = sw,
        .now = 1795000000.0,
    };
    return harness_collect(h, &collector_daemon_config, &ctx);
}

static int setup(void **state)
{
    return harness_setup(state, sizeof(struct harness_run));
}

static void test_descriptor(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        int level;
        bool automated;
    } want[] = {
        { "2.1", 1, false },  { "2.2", 1, true },  { "2.3", 1, true },  { "2.4", 1, true },
        { "2.5", 1, true },   { "2.6", 1, true },  { "2.7", 1, true },  { "2.8", 1, false },
        { "2.9", 2, true },   { "2.10", 2, true }, { "2.11", 2, true }, { "2.12", 2, true },
        { "2.13", 1, true },  { "2.14", 1, true }, { "2.15", 1, true }, { "2.16", 1, true },
        { "2.17", 2, false }, { "2.18", 1, true }, { "5.1", 1, true },  { "7.1", 1, true },
        { "7.2", 1, true },   { "7.3", 1, true },  { "7.4", 2, false }, { "7.5", 1, true },
        { "7.6", 1, false },  { "7.7", 1, false }, { "7.8", 1, false }, { "7.9", 2, false },
    };
    const struct collector *c = &collector_daemon_config;
    harness_expect_descriptor(c, "daemon_config", true, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        const struct check_def *d = &c->checks[i];
        assert_string_equal(d->id, want[i].id);
        assert_int_equal(d->section[0], want[i].id[0]);
        assert_int_equal(d->level, want[i].level);
        assert_int_equal(d->automated, want[i].automated);
        harness_expect_check_words(d);
    }
    assert_int_equal(c->n_options, 0);
    assert_int_equal(c->n_measures, 0);
    /* Registered, after host. */
    assert_ptr_equal(collector_lookup("daemon_config"), c);
    assert_ptr_equal(collector_registry[0], &collector_host);
    assert_ptr_equal(collector_registry[1], c);
}

/* The API did not answer: no results, -1, the reason in err. */
static void test_docker_unavailable(void **state)
{
    struct harness_run *h = *state;
    harness_build_named(&h->fx, "hardened");
    assert_int_equal(collect_with(h, NULL), -1);
    assert_string_equal(h->err, "Docker API unavailable: the API was not queried");
    assert_int_equal(h->set.len, 0);
    struct docker_sweep down;
    memset(&down, 0, sizeof(down));
    snprintf(down.error, sizeof(down.error),
             "cannot connect to unix:///var/run/docker.sock: "
             "No such file or directory");
    assert_int_equal(collect_with(h, &down), -1);
    assert_string_equal(h->err, "Docker API unavailable: cannot connect to "
                                "unix:///var/run/docker.sock: No such file or directory");
    assert_int_equal(h->set.len, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_descriptor),
        T(test_docker_unavailable),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
