/*
 * test_collector_cases.c - runs the collector cases kept as data,
 * tests/cases/<collector>.cases (one cmocka test per file, named after it), through
 * the runner of tests/collector_cases.h, which says what their lines mean.
 *
 * This file reads the lines a case uses to build the Docker API sweep the
 * collector is handed (tests/sweep_build.h; strings live as long as the
 * case file). Without any of them the collector is handed no sweep; with
 * one, a sweep that answered unless `docker down` says otherwise:
 *
 *   docker up                  the API answered (nothing else said: an empty sweep)
 *   docker down TEXT           the API did not answer, for reason TEXT
 *   docker version V           /version's Version
 *   docker build-time S        its BuildTime, Unix seconds
 *   docker version-invalid     /version without a usable Version
 *   docker root-dir PATH       /info's DockerRootDir
 *   image TAG CREATED          an image (TAG `-`: none) created at Unix seconds; the i-th
 *                              (from 0) has the id sha256:000000ab000<i>0...
 *   image-in-use N             the image above is used by N containers
 *   image-no-healthcheck       it has no HEALTHCHECK
 *   image-history TEXT         a history entry of it, newest first
 *   image-invalid FIELD        the API left its FIELD (config, history, created) out
 *   container NAME IMAGE STATE a container (NAME `-`: none) of the IMAGE-th image (`-`: none)
 *   container-image-id ID      the container above names image ID
 *   container-invalid FIELD    the API left its FIELD (image, name) out
 *   option NAME VALUE          the collector's option NAME
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/docker.h"
#include "tests/collector_cases.h"
#include "tests/collector_harness.h"
#include "tests/sweep_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {
    struct harness_run h;
    struct sweep_build b;
    struct option_value opt;
    bool has_sweep; /* a line said something of the sweep: hand it over */
};

static int setup(void **state)
{
    return harness_setup(state, sizeof(struct run));
}

/* A case starts: no sweep, no option. */
static void sweep_begin(void *arg)
{
    struct run *r = arg;
    memset(&r->b, 0, sizeof(r->b));
    memset(&r->opt, 0, sizeof(r->opt));
    r->has_sweep = false;
}

/* The bit of an API field named in a case (config, history, created; image, name), 0: none. */
static uint64_t field_bit(const char *name)
{
    static const struct {
        const char *name;
        uint64_t bit;
    } fields[] = {
        { "config", UINT64_C(1) << DOCKER_F_I_CONFIG },
        { "history", UINT64_C(1) << DOCKER_F_I_HISTORY },
        { "created", UINT64_C(1) << DOCKER_F_I_CREATED },
        { "image", UINT64_C(1) << DOCKER_F_C_IMAGE },
        { "name", UINT64_C(1) << DOCKER_F_C_NAME },
    };
    for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
        if (strcmp(fields[i].name, name) == 0)
            return fields[i].bit;
    }
    return 0;
}

/* A `docker` line: what /version, /info or the whole API said. */
static int docker_line(struct run *r, char *rest, char *err, size_t errlen)
{
    struct docker_sweep *sw = &r->b.sw;
    const char *what = cases_word(&rest);
    long long n;
    if (strcmp(what, "up") == 0) {
        return 0;
    } else if (strcmp(what, "down") == 0) {
        sw->ok = false;
        snprintf(sw->error, sizeof(sw->error), "%s", rest);
    } else if (strcmp(what, "version") == 0) {
        sw->version.version = rest;
    } else if (strcmp(what, "build-time") == 0) {
        if (cases_integer(rest, &n, err, errlen) != 0)
            return -1;
        sw->version.build_time = n;
    } else if (strcmp(what, "version-invalid") == 0) {
        sw->version.invalid = UINT64_C(1) << DOCKER_F_VERSION_VERSION;
        sw->version.version = NULL;
    } else if (strcmp(what, "root-dir") == 0) {
        sw->info.docker_root_dir = rest;
    } else {
        snprintf(err, errlen, "want up, down, version, build-time, version-invalid or root-dir");
        return -1;
    }
    return 0;
}

/* An `image` or `container` line: one more of them in the sweep. */
static int add_line(struct run *r, const char *word, char *rest, char *err, size_t errlen)
{
    const char *name = cases_word(&rest);
    const char *of = cases_word(&rest);
    long long n;
    if (strcmp(word, "image") == 0) {
        if (cases_integer(of, &n, err, errlen) != 0)
            return -1;
        sweep_add_image(&r->b, strcmp(name, "-") == 0 ? NULL : name, n);
        return 0;
    }
    const struct docker_image *img = NULL;
    if (strcmp(of, "-") != 0) {
        if (cases_integer(of, &n, err, errlen) != 0)
            return -1;
        if (n < 0 || (size_t)n >= r->b.sw.n_images) {
            snprintf(err, errlen, "no image %lld above", n);
            return -1;
        }
        img = &r->b.images[n];
    }
    sweep_add_container(&r->b, strcmp(name, "-") == 0 ? NULL : name, img, rest);
    return 0;
}

/* A line that changes the last image or container above. */
static int change_line(struct run *r, const char *word, char *rest, char *err, size_t errlen)
{
    struct sweep_build *b = &r->b;
    size_t i = b->sw.n_images ? b->sw.n_images - 1 : 0;
    struct docker_image *img = b->sw.n_images ? &b->images[i] : NULL;
    struct docker_container *c = b->sw.n_containers ? &b->containers[b->sw.n_containers - 1] : NULL;
    long long n;
    if (img != NULL && strcmp(word, "image-in-use") == 0) {
        if (cases_integer(rest, &n, err, errlen) != 0)
            return -1;
        img->containers_using = (size_t)n;
    } else if (img != NULL && strcmp(word, "image-no-healthcheck") == 0) {
        img->has_healthcheck = false;
    } else if (img != NULL && strcmp(word, "image-history") == 0) {
        if (img->history.len >= SWEEP_BUILD_HISTORY) {
            snprintf(err, errlen, "more than %d history entries", SWEEP_BUILD_HISTORY);
            return -1;
        }
        b->history[i][img->history.len++] = (char *)cases_text_arg(rest);
        img->history.items = b->history[i];
    } else if (img != NULL && strcmp(word, "image-invalid") == 0 && field_bit(rest) != 0) {
        img->invalid |= field_bit(rest);
    } else if (c != NULL && strcmp(word, "container-image-id") == 0) {
        c->image_id = rest;
    } else if (c != NULL && strcmp(word, "container-invalid") == 0 && field_bit(rest) != 0) {
        c->invalid |= field_bit(rest);
    } else {
        snprintf(err, errlen, "unknown line, or no image or container above it");
        return -1;
    }
    return 0;
}

/* A line of a case the runner does not know: the sweep's, or the option. */
static int sweep_line(void *arg, const char *word, char *rest, char *err, size_t errlen)
{
    struct run *r = arg;
    if (strcmp(word, "option") == 0) {
        r->opt.name = cases_word(&rest);
        r->opt.value = rest;
        return 0;
    }
    if (!r->has_sweep) {
        r->has_sweep = true;
        r->b.sw.ok = true;
    }
    if (strcmp(word, "docker") == 0)
        return docker_line(r, rest, err, errlen);
    if (strcmp(word, "image") == 0 || strcmp(word, "container") == 0)
        return add_line(r, word, rest, err, errlen);
    return change_line(r, word, rest, err, errlen);
}

static void sweep_prepare(void *arg, struct collect_ctx *ctx)
{
    struct run *r = arg;
    ctx->docker = r->has_sweep ? &r->b.sw : NULL;
    ctx->options = r->opt.name != NULL ? &r->opt : NULL;
    ctx->n_options = r->opt.name != NULL ? 1 : 0;
}

static const struct cases_hooks sweep_hooks = {
    .begin = sweep_begin,
    .line = sweep_line,
    .prepare = sweep_prepare,
};

static void run_file(void **state, const char *name)
{
    struct run *r = *state;
    assert_true(cases_run_file(&r->h, name, &sweep_hooks, r) > 0);
}

/* The host collector: CIS 1.1.1, 1.1.3-1.1.18, 1.2.1, 1.2.2. */
static void test_host(void **state)
{
    run_file(state, "host.cases");
}

/* The image_age collector: CIS 4.5, 4.7, 4.9, dockward.image_age and image_in_use_age. */
static void test_image_age(void **state)
{
    run_file(state, "image_age.cases");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_host),
        T(test_image_age),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
