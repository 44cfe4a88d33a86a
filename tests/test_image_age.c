/*
 * test_image_age.c - CIS 4.2-4.12, 6.1, dockward.image_age and
 * dockward.image_in_use_age (collectors/image_age.c).
 *
 * The Docker API sweep is built here (tests/sweep_build.h: struct
 * docker_sweep filled directly, no parser involved). The cases that are
 * pure data, a sweep and a host tree with the verdicts wanted, are in
 * tests/cases/image_age.cases (run by test_collector_cases): 4.5 on
 * dockerd's environment, 4.7 and 4.9 on image histories, the age checks
 * and their option; besides the verdicts they prove what must never leak.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/docker.h"
#include "collectors/registry.h"
#include "tests/collector_harness.h"
#include "tests/sweep_build.h"
#include "tests/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW         1795435200.0 /* 2026-11-23T12:00:00Z */
#define JAN_2       1767312000   /* 2026-01-02T00:00:00Z: 325 days before NOW */
#define NOV_1       1793491200   /* 2026-11-01T00:00:00Z: 22 days before NOW */
#define DAYS_90_AGO 1787659200   /* NOW - 90 days exactly */
#define MAX_IMAGES  64

struct run {
    struct harness_run h;
    struct sweep_build b;
    struct option_value opt;
    const char *docker_host;
};

/* ---- helpers ------------------------------------------------------------- */

/* dockerd pid 4242 with ENVIRON (NUL-escaped manifest text). */
#define DOCKERD_ENV(environ)                                   \
    "file /proc/4242/comm 0444 0 0 =dockerd\\n\n"              \
    "file /proc/4242/cmdline 0444 0 0 =/usr/sbin/dockerd\\0\n" \
    "file /proc/4242/environ 0400 0 0 =" environ "\n"

#define TRUSTED_HOST DOCKERD_ENV("PATH=/usr/bin\\0DOCKER_CONTENT_TRUST=1\\0")

static int collect_with(struct run *r, const struct docker_sweep *sw)
{
    struct collect_ctx ctx = {
        .docker_host = r->docker_host != NULL ? r->docker_host : "unix:///var/run/docker.sock",
        .options = r->opt.name != NULL ? &r->opt : NULL,
        .n_options = r->opt.name != NULL ? 1 : 0,
        .docker = sw,
        .now = NOW,
    };
    return harness_collect(&r->h, &collector_image_age, &ctx);
}

static void collect(struct run *r)
{
    if (collect_with(r, &r->b.sw) != 0)
        fail_msg("collect failed: %s", r->h.err);
}

static int setup(void **state)
{
    int rc = harness_setup(state, sizeof(struct run));
    if (rc == 0)
        ((struct run *)*state)->b.sw.ok = true;
    return rc;
}

/* Asserts the only result of (id, target): status and evidence exactly (NULL: not compared). */
static void expect(const struct run *r, const char *id, const char *target,
                   enum check_status status, const char *evidence)
{
    harness_expect(&r->h.set, HARNESS_AT_TARGET, id, target, status, evidence);
}

/* ---- descriptor, option, failure ------------------------------------------- */

static void test_descriptor(void **state)
{
    (void)state;
    static const struct {
        const char *id, *section;
        int level;
        bool automated;
    } want[] = {
        { "4.2", "4", 1, false },
        { "4.3", "4", 1, false },
        { "4.4", "4", 1, false },
        { "4.5", "4", 2, false }, /* always warn: the CLI reads it, not dockerd */
        { "4.6", "4", 1, true },
        { "4.7", "4", 1, false },
        { "4.8", "4", 2, false },
        { "4.9", "4", 1, false },
        { "4.10", "4", 1, false },
        { "4.11", "4", 2, false },
        { "4.12", "4", 2, false },
        { "6.1", "6", 1, false },
        { "dockward.image_age", "4", 1, true },
        { "dockward.image_in_use_age", "4", 1, true },
    };
    const struct collector *c = &collector_image_age;
    harness_expect_descriptor(c, "image_age", true, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        const struct check_def *d = &c->checks[i];
        assert_string_equal(d->id, want[i].id);
        assert_string_equal(d->section, want[i].section);
        assert_int_equal(d->level, want[i].level);
        assert_int_equal(d->automated, want[i].automated);
        harness_expect_check_words(d);
    }
    assert_int_equal(c->n_options, 1);
    assert_string_equal(c->options[0].name, "check.image-max-age");
    assert_string_equal(c->options[0].metavar, "DURATION");
    assert_string_equal(c->options[0].def, "90d");
    assert_non_null(c->options[0].validate);
    assert_int_equal(c->n_measures, 2);
    assert_string_equal(c->measures[0].name, "images");
    assert_string_equal(c->measures[0].help, "Images on the host by state.");
    assert_string_equal(c->measures[0].label, "state");
    assert_string_equal(c->measures[1].name, "image_created_timestamp_seconds");
    assert_string_equal(c->measures[1].help,
                        "When each image in use by a container was created (Unix time).");
    assert_string_equal(c->measures[1].label, "image");
    /* Registered, last. */
    assert_ptr_equal(collector_lookup("image_age"), c);
    assert_ptr_equal(collector_registry[collector_registry_len - 1], c);
}

static void test_max_age_validator(void **state)
{
    (void)state;
    int (*validate)(const char *, char *, size_t) = collector_image_age.options[0].validate;
    char err[256];
    static const char *const good[] = { "90d", "2w", "720h", "1d12h", "30s" };
    for (size_t i = 0; i < ARRAY_LEN(good); i++)
        assert_int_equal(validate(good[i], err, sizeof(err)), 0);
    static const char *const bad[] = { "", "90", "ninety", "-1d", "90x" };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err[0] = '\0';
        assert_int_equal(validate(bad[i], err, sizeof(err)), -1);
        assert_string_equal(err, "want a duration such as 90d, 12w or 720h");
    }
    assert_int_equal(validate("0s", err, sizeof(err)), -1);
    assert_string_equal(err, "must be longer than 0s");
    assert_int_equal(validate("0", err, sizeof(err)), -1);
}

static void test_docker_unavailable(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    assert_int_equal(collect_with(r, NULL), -1);
    assert_string_equal(r->h.err, "Docker API unavailable: the API was not queried");
    assert_int_equal(r->h.set.len, 0);
    assert_int_equal(r->h.set.n_measures, 0);
    struct docker_sweep down;
    memset(&down, 0, sizeof(down));
    snprintf(down.error, sizeof(down.error), "GET /info: HTTP 500: oops");
    assert_int_equal(collect_with(r, &down), -1);
    assert_string_equal(r->h.err, "Docker API unavailable: GET /info: HTTP 500: oops");
    assert_int_equal(r->h.set.len, 0);
}

/* ---- host-level checks ------------------------------------------------------- */

/* The manual image checks: one warning each, for the host. */
static void test_manual_checks_warn(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    sweep_add_image(&r->b, "nginx:1.25", NOV_1);
    sweep_add_image(&r->b, "redis:7", NOV_1);
    collect(r);
    expect(r, "4.2", "host", CHECK_WARN,
           "manual check: verify that every image is built from a trusted base image (2 images)");
    static const char *const ids[] = { "4.3", "4.4", "4.8", "4.10", "4.11", "4.12" };
    for (size_t i = 0; i < ARRAY_LEN(ids); i++) {
        const struct result *res = harness_only_at(&r->h.set, ids[i], "host");
        assert_int_equal(res->status, CHECK_WARN);
        assert_non_null(strstr(res->evidence, "manual check: "));
        assert_non_null(strstr(res->evidence, "(2 images)"));
    }
}

/* 6.1: the counts are always exported; more than 20 unused images warns. */
static void test_6_1_image_sprawl_threshold(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    /* 2 images in use, 20 unused: at the threshold. */
    for (int i = 0; i < 22; i++) {
        struct docker_image *img = sweep_add_image(&r->b, NULL, NOV_1);
        img->containers_using = i < 2 ? (size_t)(i + 1) : 0;
    }
    collect(r);
    expect(r, "6.1", "host", CHECK_PASS,
           "22 images, 2 in use by containers, 20 unused (at most 20)");
    assert_true(harness_measure(&r->h.set, "images", "total") == 22.0);
    assert_true(harness_measure(&r->h.set, "images", "in_use") == 2.0);
    /* One more unused: over it. */
    sweep_add_image(&r->b, NULL, NOV_1);
    collect(r);
    expect(r, "6.1", "host", CHECK_WARN,
           "23 images, 2 in use by containers, 21 unused (more than 20)");
    assert_true(harness_measure(&r->h.set, "images", "total") == 23.0);
    /* No images at all. */
    r->b.sw.n_images = 0;
    collect(r);
    expect(r, "6.1", "host", CHECK_PASS, "0 images, 0 in use by containers, 0 unused (at most 20)");
    assert_true(harness_measure(&r->h.set, "images", "in_use") == 0.0);
    assert_int_equal(harness_count(&r->h.set, "dockward.image_age"), 0);
}

/* ---- per-image checks ---------------------------------------------------------- */

/* Targets: the first real repo:tag, else sha256:<12 hex>. */
static void test_image_targets(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    sweep_add_image(&r->b, "registry.example:5000/team/app:2.1", NOV_1);
    struct docker_image *none = sweep_add_image(&r->b, "<none>:<none>", NOV_1);
    sweep_add_image(&r->b, NULL, NOV_1);
    collect(r);
    expect(r, "4.6", "image/registry.example:5000/team/app:2.1", CHECK_PASS, "HEALTHCHECK set");
    (void)none;
    expect(r, "4.6", "image/sha256:000000ab0001", CHECK_PASS, NULL);
    expect(r, "4.6", "image/sha256:000000ab0002", CHECK_PASS, NULL);
}

/* 4.6: HEALTHCHECK present, absent, or not known. */
static void test_4_6_healthcheck(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    sweep_add_image(&r->b, "good:1", NOV_1);
    sweep_add_image(&r->b, "bad:1", NOV_1)->has_healthcheck = false;
    sweep_add_image(&r->b, "broken:1", NOV_1)->invalid = 1u << DOCKER_F_I_CONFIG;
    collect(r);
    expect(r, "4.6", "image/good:1", CHECK_PASS, "HEALTHCHECK set");
    expect(r, "4.6", "image/bad:1", CHECK_FAIL, "no HEALTHCHECK (absent or NONE)");
    expect(r, "4.6", "image/broken:1", CHECK_ERROR, "Config missing or mistyped in the API answer");
    assert_int_equal(harness_count(&r->h.set, "4.6"), 3);
}

/* Many images in any order: each container finds its own (the lookup is by sorted id). */
static void test_image_lookup_many(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    static char names[MAX_IMAGES][32];
    /* Ids are made in increasing order; add them in a scrambled one. */
    for (int k = 0; k < 40; k++) {
        int i = (k * 17) % 40;
        snprintf(names[k], sizeof(names[k]), "app%d:1", i);
        struct docker_image *img = sweep_add_image(&r->b, names[k], JAN_2 + (int64_t)i * 86400 * 7);
        img->containers_using = 1;
        snprintf(r->b.ids[k], sizeof(r->b.ids[k]), "sha256:%064x", 0xf00 + i * 3);
    }
    static char cnames[MAX_IMAGES][32];
    for (int k = 0; k < 40; k++) {
        snprintf(cnames[k], sizeof(cnames[k]), "c%d", k);
        sweep_add_container(&r->b, cnames[k], &r->b.images[(k * 7) % 40], "running");
    }
    collect(r);
    for (int k = 0; k < 40; k++) {
        char target[64], want[128];
        snprintf(target, sizeof(target), "container/c%d", k);
        const struct result *res = harness_only_at(&r->h.set, "dockward.image_in_use_age", target);
        snprintf(want, sizeof(want), "image %s ", names[(k * 7) % 40]);
        if (strncmp(res->evidence, want, strlen(want)) != 0)
            fail_msg("%s: \"%s\", want it to start with \"%s\"", target, res->evidence, want);
    }
}

/* A value the validator would refuse never judges anything. */
static void test_invalid_max_age_judges_nothing(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    sweep_add_image(&r->b, "old:1", JAN_2);
    r->opt.name = "check.image-max-age";
    r->opt.value = "0s";
    assert_int_equal(collect_with(r, &r->b.sw), -1);
    assert_string_equal(r->h.err, "invalid --check.image-max-age=0s");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_descriptor),
        T(test_max_age_validator),
        T(test_docker_unavailable),
        T(test_manual_checks_warn),
        T(test_6_1_image_sprawl_threshold),
        T(test_image_targets),
        T(test_4_6_healthcheck),
        T(test_invalid_max_age_judges_nothing),
        T(test_image_lookup_many),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
