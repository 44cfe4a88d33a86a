/*
 * test_host.c - CIS 1.1.1, 1.1.3-1.1.18 and 1.2.1 (collectors/host.c).
 *
 * The descriptor is checked here; every case, a host tree and the verdicts
 * wanted of it, is in tests/cases/host.cases (what each case pins down is
 * said there), run by tests/collector_cases.h. This file gives the runner the
 * collector and reads the `docker` lines of a case into the sweep 1.2.2 and
 * 1.1.1 judge:
 *
 *   docker version V        /version answered with V (the sweep is up)
 *   docker build-time S     and its BuildTime, Unix seconds
 *   docker version-invalid  /version answered without a usable Version
 *   docker root-dir PATH    /info's DockerRootDir
 *   docker down TEXT        the API did not answer, for reason TEXT
 *
 * A case without a `docker` line hands the collector no sweep.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/docker.h"
#include "collectors/registry.h"
#include "tests/collector_cases.h"
#include "tests/collector_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {
    struct harness_run h;
    struct docker_sweep sw;
    bool has_sweep; /* a `docker` line was given: hand the collector sw */
};

static int setup(void **state)
{
    return harness_setup(state, sizeof(struct run));
}

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

/* A case starts: no sweep. */
static void sweep_begin(void *arg)
{
    struct run *r = arg;
    memset(&r->sw, 0, sizeof(r->sw));
    r->has_sweep = false;
}

/* A `docker` line of a case: what the sweep says (the strings live as long as the case file). */
static int sweep_line(void *arg, const char *word, const char *rest, char *err, size_t errlen)
{
    struct run *r = arg;
    if (strcmp(word, "docker") != 0) {
        snprintf(err, errlen, "unknown line");
        return -1;
    }
    size_t key = strcspn(rest, " ");
    const char *value = rest[key] == ' ' ? rest + key + 1 : "";
    r->has_sweep = true;
    r->sw.ok = true;
    if (strncmp(rest, "version ", 8) == 0) {
        r->sw.version.version = (char *)value;
    } else if (strncmp(rest, "build-time ", 11) == 0) {
        char *end;
        errno = 0;
        r->sw.version.build_time = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0') {
            snprintf(err, errlen, "build-time wants Unix seconds");
            return -1;
        }
    } else if (strcmp(rest, "version-invalid") == 0) {
        r->sw.version.invalid = 1u << DOCKER_F_VERSION_VERSION;
        r->sw.version.version = NULL;
    } else if (strncmp(rest, "root-dir ", 9) == 0) {
        r->sw.info.docker_root_dir = (char *)value;
    } else if (strncmp(rest, "down ", 5) == 0) {
        r->sw.ok = false;
        snprintf(r->sw.error, sizeof(r->sw.error), "%s", value);
    } else {
        snprintf(err, errlen, "want version, build-time, version-invalid, root-dir or down");
        return -1;
    }
    return 0;
}

static void sweep_prepare(void *arg, struct collect_ctx *ctx)
{
    struct run *r = arg;
    ctx->docker = r->has_sweep ? &r->sw : NULL;
}

/* Every case of tests/cases/host.cases. */
static void test_cases(void **state)
{
    struct run *r = *state;
    const struct cases_hooks hooks = {
        .collector = &collector_host,
        .docker_host = "unix:///var/run/docker.sock",
        .arg = r,
        .begin = sweep_begin,
        .line = sweep_line,
        .prepare = sweep_prepare,
    };
    assert_true(cases_run_file(&r->h, "host.cases", &hooks) > 0);
}

/* A test with its own state, removed after it (harness_setup). */
#define TEST(test) cmocka_unit_test_setup_teardown(test, setup, harness_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_descriptor),
        TEST(test_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
