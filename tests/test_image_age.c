/*
 * test_image_age.c - CIS 4.2-4.12, 6.1, dockward.image_age and
 * dockward.image_in_use_age (collectors/image_age.c).
 *
 * The Docker API sweep is built here (struct docker_sweep filled directly,
 * no parser involved); 4.5 reads dockerd's environment from a host tree
 * whose /proc/<pid>/environ is written by the test. Besides the verdicts,
 * the tests prove what must never leak: no environment value other than
 * DOCKER_CONTENT_TRUST's boolean, and no image history text (build
 * arguments show up there), in any evidence.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/docker.h"
#include "collectors/registry.h"
#include "tests/collector_harness.h"
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
    struct docker_sweep sw;
    struct docker_image images[MAX_IMAGES];
    struct docker_container containers[MAX_IMAGES];
    char *tags[MAX_IMAGES][2];
    char ids[MAX_IMAGES][80];
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

/* Image i: id sha256:000000ab000<i>0..., created `created`, optional tag. */
static struct docker_image *add_image(struct run *r, const char *tag, int64_t created)
{
    size_t i = r->sw.n_images;
    assert_true(i < MAX_IMAGES);
    struct docker_image *img = &r->images[i];
    memset(img, 0, sizeof(*img));
    snprintf(r->ids[i], sizeof(r->ids[i]), "sha256:%012zx%052d", i + 0xab0000, 0);
    img->id = r->ids[i];
    if (tag != NULL) {
        r->tags[i][0] = (char *)tag;
        img->repo_tags.items = r->tags[i];
        img->repo_tags.len = 1;
    }
    img->created = created;
    img->has_healthcheck = true;
    r->sw.images = r->images;
    r->sw.n_images = i + 1;
    return img;
}

static struct docker_container *add_container(struct run *r, const char *name,
                                              const struct docker_image *img, const char *state)
{
    size_t i = r->sw.n_containers;
    assert_true(i < MAX_IMAGES);
    struct docker_container *c = &r->containers[i];
    memset(c, 0, sizeof(*c));
    c->id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    c->name = (char *)name;
    c->image_id = img != NULL ? img->id : NULL;
    c->state = (char *)state;
    c->running = strcmp(state, "running") == 0;
    r->sw.containers = r->containers;
    r->sw.n_containers = i + 1;
    return c;
}

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
    if (collect_with(r, &r->sw) != 0)
        fail_msg("collect failed: %s", r->h.err);
}

static int setup(void **state)
{
    int rc = harness_setup(state, sizeof(struct run));
    if (rc == 0)
        ((struct run *)*state)->sw.ok = true;
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

/*
 * 4.5: always warn (the docker CLI, not dockerd, reads the variable); only
 * DOCKER_CONTENT_TRUST's boolean is ever reported from dockerd's environment.
 */
#define CT_NOTE                                                                                \
    "; the docker CLI reads this variable, dockerd does not, so check the CLIs and pipelines " \
    "that pull images; Docker is retiring Notary v1 content trust"

static void test_4_5_content_trust_always_warns_with_what_dockerd_has(void **state)
{
    struct run *r = *state;
    static const struct harness_manifest_case cases[] = {
        { DOCKERD_ENV("API_TOKEN=hunter2\\0DOCKER_CONTENT_TRUST=1\\0"), CHECK_WARN,
          "DOCKER_CONTENT_TRUST=1 in dockerd's environment (pid 4242): on for the docker "
          "CLI" CT_NOTE },
        { DOCKERD_ENV("DOCKER_CONTENT_TRUST=true\\0API_TOKEN=hunter2\\0"), CHECK_WARN,
          "DOCKER_CONTENT_TRUST=true in dockerd's environment (pid 4242): on for the docker "
          "CLI" CT_NOTE },
        { DOCKERD_ENV("DOCKER_CONTENT_TRUST=0\\0API_TOKEN=hunter2\\0"), CHECK_WARN,
          "DOCKER_CONTENT_TRUST=0 in dockerd's environment (pid 4242): off for the docker "
          "CLI" CT_NOTE },
        { DOCKERD_ENV("DOCKER_CONTENT_TRUST=False\\0"), CHECK_WARN,
          "DOCKER_CONTENT_TRUST=False in dockerd's environment (pid 4242): off for the docker "
          "CLI" CT_NOTE },
        { DOCKERD_ENV("API_TOKEN=hunter2\\0DOCKER_CONTENT_TRUST_SERVER=https://n\\0"), CHECK_WARN,
          "DOCKER_CONTENT_TRUST not set in dockerd's environment (pid 4242): off for a docker CLI "
          "started the same way" CT_NOTE },
        /* docker/cli: any value ParseBool does not read as false is on; never repeated. */
        { DOCKERD_ENV("DOCKER_CONTENT_TRUST=hunter2\\0"), CHECK_WARN,
          "DOCKER_CONTENT_TRUST in dockerd's environment (pid 4242) is set to a value that is "
          "not a boolean: on for the docker CLI, which treats any non-false value as on" CT_NOTE },
        { DOCKERD_ENV("DOCKER_CONTENT_TRUST=\\0"), CHECK_WARN,
          "DOCKER_CONTENT_TRUST set but empty in dockerd's environment (pid 4242): off for the "
          "docker CLI" CT_NOTE },
        { "file /proc/4242/comm 0444 0 0 =dockerd\\n\n", CHECK_ERROR,
          "cannot read /proc/4242/environ: No such file or directory" },
        { "dir /proc 0555 0 0\n", CHECK_ERROR,
          "dockerd process not found in /proc: cannot read its environment" },
        { "file /proc 0444 0 0 =x\n", CHECK_ERROR,
          "cannot read dockerd's configuration: cannot list /proc: Not a directory" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        harness_build_text(&r->h.fx, cases[i].manifest);
        collect(r);
        expect(r, "4.5", "host", cases[i].status, cases[i].evidence);
        harness_expect_nowhere(&r->h.set, "hunter2");
        harness_expect_nowhere(&r->h.set, "https://n");
    }

    /* The environment of the dockerd serving --docker.host, not of the lowest pid. */
    r->docker_host = "unix:///run/other.sock";
    harness_build_text(
        &r->h.fx,
        DOCKERD_ENV("DOCKER_CONTENT_TRUST=0\\0") "file /proc/5000/comm 0444 0 0 =dockerd\\n\n"
                                                 "file /proc/5000/cmdline 0444 0 0 "
                                                 "=dockerd\\0-H\\0unix:///run/other.sock\\0\n"
                                                 "file /proc/5000/environ 0400 0 0 "
                                                 "=DOCKER_CONTENT_TRUST=1\\0\n");
    collect(r);
    expect(r, "4.5", "host", CHECK_WARN,
           "DOCKER_CONTENT_TRUST=1 in dockerd's environment (pid 5000): on for the docker "
           "CLI" CT_NOTE);
}

/* The manual image checks: one warning each, for the host. */
static void test_manual_checks_warn(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    add_image(r, "nginx:1.25", NOV_1);
    add_image(r, "redis:7", NOV_1);
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
        struct docker_image *img = add_image(r, NULL, NOV_1);
        img->containers_using = i < 2 ? (size_t)(i + 1) : 0;
    }
    collect(r);
    expect(r, "6.1", "host", CHECK_PASS,
           "22 images, 2 in use by containers, 20 unused (at most 20)");
    assert_true(harness_measure(&r->h.set, "images", "total") == 22.0);
    assert_true(harness_measure(&r->h.set, "images", "in_use") == 2.0);
    /* One more unused: over it. */
    add_image(r, NULL, NOV_1);
    collect(r);
    expect(r, "6.1", "host", CHECK_WARN,
           "23 images, 2 in use by containers, 21 unused (more than 20)");
    assert_true(harness_measure(&r->h.set, "images", "total") == 23.0);
    /* No images at all. */
    r->sw.n_images = 0;
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
    add_image(r, "registry.example:5000/team/app:2.1", NOV_1);
    struct docker_image *none = add_image(r, "<none>:<none>", NOV_1);
    add_image(r, NULL, NOV_1);
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
    add_image(r, "good:1", NOV_1);
    add_image(r, "bad:1", NOV_1)->has_healthcheck = false;
    add_image(r, "broken:1", NOV_1)->invalid = 1u << DOCKER_F_I_CONFIG;
    collect(r);
    expect(r, "4.6", "image/good:1", CHECK_PASS, "HEALTHCHECK set");
    expect(r, "4.6", "image/bad:1", CHECK_FAIL, "no HEALTHCHECK (absent or NONE)");
    expect(r, "4.6", "image/broken:1", CHECK_ERROR, "Config missing or mistyped in the API answer");
    assert_int_equal(harness_count(&r->h.set, "4.6"), 3);
}

/* 4.7 and 4.9 from the history, newest entry first; the commands never reach the evidence. */
static void test_4_7_4_9_history(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    static char *lone[] = {
        "/bin/sh -c #(nop)  CMD [\"app\"]",
        "RUN |1 TOKEN=s3cr3t /bin/sh -c apt-get update # buildkit",
        "/bin/sh -c apt-get update && apt-get install -y curl",
        "ADD app.tar.gz /srv/app # buildkit",
        "/bin/sh -c #(nop) ADD file:0123abcd in / ",
    };
    static char *clean[] = {
        "/bin/sh -c update-ca-certificates",
        "/bin/sh -c apk update && apk add --no-cache curl",
        "COPY app /srv/app # buildkit",
        "/bin/sh -c #(nop) ADD file:0123abcd in / ",
    };
    static char *twice[] = {
        "/bin/sh -c yum update",
        "/bin/sh -c #(nop) ADD http://example.com/x.tgz /x",
        "/bin/sh -c apk update",
        "ADD x /y",
        "/bin/sh -c #(nop) ADD file:0123abcd in / ",
    };
    struct docker_image *a = add_image(r, "lone:1", NOV_1);
    a->history.items = lone;
    a->history.len = ARRAY_LEN(lone);
    struct docker_image *b = add_image(r, "clean:1", NOV_1);
    b->history.items = clean;
    b->history.len = ARRAY_LEN(clean);
    struct docker_image *c = add_image(r, "twice:1", NOV_1);
    c->history.items = twice;
    c->history.len = ARRAY_LEN(twice);
    add_image(r, "empty:1", NOV_1);
    add_image(r, "broken:1", NOV_1)->invalid = 1u << DOCKER_F_I_HISTORY;
    collect(r);
    expect(r, "4.7", "image/lone:1", CHECK_WARN,
           "update without install in 1 history entry (first: entry 2 of 5, newest first)");
    expect(r, "4.9", "image/lone:1", CHECK_WARN,
           "ADD in 1 history entry outside the base layer (first: entry 4 of 5, newest first)");
    /* update-ca-certificates is no update; apk add installs; the base layer's ADD is its root. */
    expect(r, "4.7", "image/clean:1", CHECK_PASS, "no update without install in 4 history entries");
    expect(r, "4.9", "image/clean:1", CHECK_PASS,
           "no ADD outside the base layer in 4 history entries");
    expect(r, "4.7", "image/twice:1", CHECK_WARN,
           "update without install in 2 history entries (first: entry 1 of 5, newest first)");
    expect(r, "4.9", "image/twice:1", CHECK_WARN,
           "ADD in 2 history entries outside the base layer (first: entry 2 of 5, newest first)");
    expect(r, "4.7", "image/empty:1", CHECK_PASS, "no update without install in 0 history entries");
    expect(r, "4.9", "image/empty:1", CHECK_PASS,
           "no ADD outside the base layer in 0 history entries");
    expect(r, "4.7", "image/broken:1", CHECK_ERROR,
           "history missing or mistyped in the API answer");
    expect(r, "4.9", "image/broken:1", CHECK_ERROR,
           "history missing or mistyped in the API answer");
    harness_expect_nowhere(&r->h.set, "s3cr3t");
    harness_expect_nowhere(&r->h.set, "apt-get");
    harness_expect_nowhere(&r->h.set, "example.com");
}

/* dockward.image_age: older than --check.image-max-age fails; the evidence dates it. */
static void test_image_age_threshold(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    add_image(r, "old:1", JAN_2);
    add_image(r, "fresh:1", NOV_1);
    add_image(r, "edge:1", DAYS_90_AGO);
    add_image(r, "over:1", DAYS_90_AGO - 1);
    add_image(r, "future:1", (int64_t)NOW + 86400 * 3);
    add_image(r, "broken:1", 0)->invalid = 1u << DOCKER_F_I_CREATED;
    collect(r);
    expect(r, "dockward.image_age", "image/old:1", CHECK_FAIL,
           "created 2026-01-02, 325 days ago, max 90d");
    expect(r, "dockward.image_age", "image/fresh:1", CHECK_PASS,
           "created 2026-11-01, 22 days ago, max 90d");
    expect(r, "dockward.image_age", "image/edge:1", CHECK_PASS,
           "created 2026-08-25, 90 days ago, max 90d");
    expect(r, "dockward.image_age", "image/over:1", CHECK_FAIL,
           "created 2026-08-25, 90 days ago, max 90d");
    expect(r, "dockward.image_age", "image/future:1", CHECK_PASS,
           "created 2026-11-26, in the future, max 90d");
    expect(r, "dockward.image_age", "image/broken:1", CHECK_ERROR,
           "Created missing or mistyped in the API answer");

    /* --check.image-max-age=52w: a year. */
    r->opt.name = "check.image-max-age";
    r->opt.value = "52w";
    collect(r);
    expect(r, "dockward.image_age", "image/old:1", CHECK_PASS,
           "created 2026-01-02, 325 days ago, max 52w");
    r->opt.value = "300d";
    collect(r);
    expect(r, "dockward.image_age", "image/old:1", CHECK_FAIL,
           "created 2026-01-02, 325 days ago, max 300d");
    /* A value the validator would refuse never judges anything. */
    r->opt.value = "0s";
    assert_int_equal(collect_with(r, &r->sw), -1);
    assert_string_equal(r->h.err, "invalid --check.image-max-age=0s");
}

/* dockward.image_in_use_age and the creation time of images in use. */
static void test_image_in_use_age_per_container(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, TRUSTED_HOST);
    struct docker_image *old = add_image(r, "nginx:1.25", JAN_2);
    struct docker_image *fresh = add_image(r, NULL, NOV_1);
    struct docker_image *unused = add_image(r, "unused:1", JAN_2);
    struct docker_image *broken = add_image(r, "broken:1", 0);
    broken->invalid = 1u << DOCKER_F_I_CREATED;
    old->containers_using = 2;
    fresh->containers_using = 1;
    broken->containers_using = 1;
    (void)unused;
    add_container(r, "web", old, "running");
    add_container(r, "web-old", old, "created");
    add_container(r, "job", fresh, "exited");
    add_container(r, "odd", broken, "running");
    struct docker_container *gone = add_container(r, "gone", NULL, "running");
    gone->image_id = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    struct docker_container *bad = add_container(r, "bad", old, "paused");
    bad->invalid = 1u << DOCKER_F_C_IMAGE;
    struct docker_container *anon = add_container(r, NULL, fresh, "running");
    anon->invalid = 1u << DOCKER_F_C_NAME;
    collect(r);
    expect(r, "dockward.image_in_use_age", "container/web", CHECK_FAIL,
           "image nginx:1.25 created 2026-01-02, 325 days ago, max 90d (state running)");
    expect(r, "dockward.image_in_use_age", "container/web-old", CHECK_FAIL,
           "image nginx:1.25 created 2026-01-02, 325 days ago, max 90d (state created)");
    expect(r, "dockward.image_in_use_age", "container/job", CHECK_PASS,
           "image sha256:000000ab0001 created 2026-11-01, 22 days ago, max 90d (state exited)");
    expect(r, "dockward.image_in_use_age", "container/odd", CHECK_ERROR,
           "Created of image broken:1 missing or mistyped in the API answer (state running)");
    expect(r, "dockward.image_in_use_age", "container/gone", CHECK_ERROR,
           "image sha256:fedcba987654 not in the image list (state running)");
    expect(r, "dockward.image_in_use_age", "container/bad", CHECK_ERROR,
           "Image missing or mistyped in the API answer (state paused)");
    expect(r, "dockward.image_in_use_age", "container/0123456789ab", CHECK_PASS, NULL);
    assert_int_equal(harness_count(&r->h.set, "dockward.image_in_use_age"), 7);

    /* Images in use only, labelled like their targets; never the unused one or a broken one. */
    assert_true(harness_measure(&r->h.set, "image_created_timestamp_seconds", "nginx:1.25") ==
                (double)JAN_2);
    assert_true(harness_measure(&r->h.set, "image_created_timestamp_seconds",
                                "sha256:000000ab0001") == (double)NOV_1);
    assert_int_equal(harness_count_measure(&r->h.set, "image_created_timestamp_seconds"), 2);
    assert_true(harness_measure(&r->h.set, "images", "total") == 4.0);
    assert_true(harness_measure(&r->h.set, "images", "in_use") == 3.0);
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
        struct docker_image *img = add_image(r, names[k], JAN_2 + (int64_t)i * 86400 * 7);
        img->containers_using = 1;
        snprintf(r->ids[k], sizeof(r->ids[k]), "sha256:%064x", 0xf00 + i * 3);
    }
    static char cnames[MAX_IMAGES][32];
    for (int k = 0; k < 40; k++) {
        snprintf(cnames[k], sizeof(cnames[k]), "c%d", k);
        add_container(r, cnames[k], &r->images[(k * 7) % 40], "running");
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

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_descriptor),
        T(test_max_age_validator),
        T(test_docker_unavailable),
        T(test_4_5_content_trust_always_warns_with_what_dockerd_has),
        T(test_manual_checks_warn),
        T(test_6_1_image_sprawl_threshold),
        T(test_image_targets),
        T(test_4_6_healthcheck),
        T(test_4_7_4_9_history),
        T(test_image_age_threshold),
        T(test_image_in_use_age_per_container),
        T(test_image_lookup_many),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
