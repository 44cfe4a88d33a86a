/*
 * collector_harness.h - what the collector unit tests share: a host tree
 * from a committed fixture or from manifest text (tests/fixture.h), files
 * written into it, its removal; the state of one test (tree, results, the
 * collector's status) with its cmocka setup and teardown; one run of a
 * collector; the lookups of a result or a measure; and the assertions on
 * them, which print the result set when they fail. Header-only (static
 * inline) so each test program takes what it uses; include it after
 * <cmocka.h>, whose assertions it uses.
 */
#ifndef DOCKWARD_TEST_COLLECTOR_HARNESS_H
#define DOCKWARD_TEST_COLLECTOR_HARNESS_H

#include "collectors/collector.h"
#include "tests/fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- trees ---------------------------------------------------------------- */

/* Removes the tree fx holds, if any (fx->root "" when there is none); safe to call twice. */
static inline void harness_drop_tree(struct fixture *fx)
{
    if (fx->root[0] != '\0')
        fixture_destroy(fx);
    memset(fx, 0, sizeof(*fx));
}

/*
 * Builds the committed fixture tests/fixtures/<name> into fx, replacing the
 * tree it held; fails the test when it cannot.
 */
static inline void harness_build_named(struct fixture *fx, const char *name)
{
    char path[4096], err[1024];
    harness_drop_tree(fx);
    assert_non_null(fixture_manifest_path(name, path, sizeof(path)));
    if (fixture_build(fx, path, err, sizeof(err)) != 0)
        fail_msg("fixture %s: %s", name, err);
}

/* As harness_build_named from manifest text (written to a temporary file, removed again). */
static inline void harness_build_text(struct fixture *fx, const char *manifest)
{
    harness_drop_tree(fx);
    char mpath[] = "/tmp/dockward-test-manifest-XXXXXX";
    int fd = mkstemp(mpath);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, manifest, strlen(manifest)), (ssize_t)strlen(manifest));
    close(fd);
    char err[1024];
    int rc = fixture_build(fx, mpath, err, sizeof(err));
    unlink(mpath);
    if (rc != 0)
        fail_msg("fixture: %s", err);
}

/*
 * cmocka setup for tests whose state is a bare struct fixture: a zeroed one,
 * built from tests/fixtures/<name> unless name is NULL (the test builds it).
 * Returns -1 (message on stderr) when it cannot be built.
 */
static inline int harness_fixture_setup(void **state, const char *name)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    char path[4096], err[1024];
    if (fx == NULL)
        return -1;
    if (name != NULL && (fixture_manifest_path(name, path, sizeof(path)) == NULL ||
                         fixture_build(fx, path, err, sizeof(err)) != 0)) {
        fprintf(stderr, "fixture %s: %s\n", name, err);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

/* cmocka teardown for harness_fixture_setup: removes the tree, if any, and frees the state. */
static inline int harness_fixture_teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx->root[0] != '\0')
        fixture_destroy(fx);
    free(fx);
    return 0;
}

/* The real path of host path `hostpath` in the tree. */
static inline void harness_real_path(const struct fixture *fx, const char *hostpath, char *out,
                                     size_t outlen)
{
    int n = snprintf(out, outlen, "%s%s", fx->root, hostpath);
    assert_true(n > 0 && (size_t)n < outlen);
}

/* Creates the missing directories (0755) of real path `real` below the tree's root. */
static inline void harness_make_parents(const struct fixture *fx, char *real)
{
    for (char *p = real + strlen(fx->root) + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(real, 0755) != 0 && errno != EEXIST)
            fail_msg("mkdir %s: %s", real, strerror(errno));
        *p = '/';
    }
}

/* Writes len bytes at a host path of the tree (replacing what was there), then its owner and mode.
 */
static inline void harness_put(const struct fixture *fx, const char *hostpath, const char *data,
                               size_t len, mode_t mode, uid_t uid, gid_t gid)
{
    char real[4096];
    harness_real_path(fx, hostpath, real, sizeof(real));
    harness_make_parents(fx, real);
    unlink(real);
    int fd = open(real, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        fail_msg("create %s: %s", real, strerror(errno));
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    assert_int_equal(chown(real, uid, gid), 0);
    assert_int_equal(chmod(real, mode), 0);
}

/* Writes text as a root-owned 0644 file at a host path of the tree. */
static inline void harness_put_text(const struct fixture *fx, const char *hostpath,
                                    const char *text)
{
    harness_put(fx, hostpath, text, strlen(text), 0644, 0, 0);
}

/* Makes a host path of the tree (replacing what was there) a symbolic link to target. */
static inline void harness_put_link(const struct fixture *fx, const char *hostpath,
                                    const char *target)
{
    char real[4096];
    harness_real_path(fx, hostpath, real, sizeof(real));
    harness_make_parents(fx, real);
    unlink(real);
    if (symlink(target, real) != 0)
        fail_msg("symlink %s: %s", real, strerror(errno));
}

/* Removes the file at a host path of the tree; fails the test when it cannot. */
static inline void harness_remove(const struct fixture *fx, const char *hostpath)
{
    char real[4096];
    harness_real_path(fx, hostpath, real, sizeof(real));
    if (unlink(real) != 0)
        fail_msg("unlink %s: %s", real, strerror(errno));
}

/* One case of a table-driven test: the text given and what is wanted back (a message, a value). */
struct harness_text_case {
    const char *text;
    const char *want;
};

/* One case of a table-driven collector test: a host tree (manifest text) and the verdict wanted. */
struct harness_manifest_case {
    const char *manifest;
    enum check_status status;
    const char *evidence;
};

/* ---- one test's state and one run of a collector ------------------------------ */

/* What every collector test holds; the first member of a test's own state struct. */
struct harness_run {
    struct fixture fx;
    struct result_set set;
    int rc;        /* the collector's status */
    char err[512]; /* its error when rc != 0 */
};

/*
 * cmocka setup: the state is a zeroed struct of `size` bytes whose first
 * member is a struct harness_run (so teardown cleans up after a failed assert).
 */
static inline int harness_setup(void **state, size_t size)
{
    struct harness_run *h = calloc(1, size);
    if (h == NULL)
        return -1;
    result_set_init(&h->set);
    *state = h;
    return 0;
}

/* Frees the results and removes the tree (fx->root "" when there is none); safe to call twice. */
static inline void harness_done(struct result_set *set, struct fixture *fx)
{
    result_set_free(set);
    harness_drop_tree(fx);
}

/* cmocka teardown for harness_setup. */
static inline int harness_teardown(void **state)
{
    struct harness_run *h = *state;
    harness_done(&h->set, &h->fx);
    free(h);
    return 0;
}

/*
 * Runs collector c with ctx into set (emptied first: it must be initialised)
 * and asserts the sink counted every result. Returns the collector's status,
 * err filled when it is not 0.
 */
static inline int harness_collect_into(const struct collector *c, const struct collect_ctx *ctx,
                                       struct result_set *set, char *err, size_t errlen)
{
    struct result_sink sink;
    result_set_free(set);
    result_sink_init(&sink, set, c);
    err[0] = '\0';
    int rc = c->collect(ctx, &sink, err, errlen);
    assert_int_equal(sink.added, set->len);
    return rc;
}

/* harness_collect_into on h's tree (ctx's rootfs set here) and results; the status also in h->rc.
 */
static inline int harness_collect(struct harness_run *h, const struct collector *c,
                                  struct collect_ctx *ctx)
{
    ctx->rootfs = h->fx.root;
    h->rc = harness_collect_into(c, ctx, &h->set, h->err, sizeof(h->err));
    return h->rc;
}

/* As harness_collect; fails the test when the collector fails. */
static inline void harness_collect_ok(struct harness_run *h, const struct collector *c,
                                      struct collect_ctx *ctx)
{
    if (harness_collect(h, c, ctx) != 0)
        fail_msg("collect failed: %s", h->err);
}

/* ---- lookups and assertions -------------------------------------------------- */

/* Prints every result and measure of set (for the message of a failed assertion). */
static inline void harness_dump(const struct result_set *set)
{
    for (size_t i = 0; i < set->len; i++)
        print_message("  %s %s %s: %s\n", set->items[i].check->id, set->items[i].target,
                      check_status_name(set->items[i].status), set->items[i].evidence);
    for (size_t i = 0; i < set->n_measures; i++)
        print_message("  measure %s{%s} %g\n", set->measures[i].def->name,
                      set->measures[i].label_value ? set->measures[i].label_value : "",
                      set->measures[i].value);
}

/*
 * The only result of check `id` for `target` (NULL: any target) in set, NULL
 * when there is none; fails the test (printing the set) on two.
 */
static inline const struct result *harness_find(const struct result_set *set, const char *id,
                                                const char *target)
{
    const struct result *found = NULL;
    for (size_t i = 0; i < set->len; i++) {
        if (strcmp(set->items[i].check->id, id) != 0 ||
            (target != NULL && strcmp(set->items[i].target, target) != 0))
            continue;
        if (found != NULL) {
            harness_dump(set);
            fail_msg("two results for %s %s", id, target ? target : "");
        }
        found = &set->items[i];
    }
    return found;
}

/* As harness_find; fails the test (printing the set) on none too. */
static inline const struct result *harness_only_at(const struct result_set *set, const char *id,
                                                   const char *target)
{
    const struct result *found = harness_find(set, id, target);
    if (found == NULL) {
        harness_dump(set);
        fail_msg("no result for %s %s", id, target ? target : "");
    }
    return found;
}

/* The only result of check `id` in set; fails the test (printing the set) on none or two. */
static inline const struct result *harness_only(const struct result_set *set, const char *id)
{
    return harness_only_at(set, id, NULL);
}

/* How harness_expect finds the result and compares its evidence. */
enum {
    HARNESS_EXACT = 0,     /* the only result of the check; evidence equal */
    HARNESS_CONTAINS = 1,  /* evidence contains the text given */
    HARNESS_AT_TARGET = 2, /* the only result of the check for the target (others may exist) */
};

/*
 * Asserts the result of check `id` (found as `how` says): its target (NULL:
 * not compared), its status, and its evidence (NULL: not compared).
 */
static inline void harness_expect(const struct result_set *set, int how, const char *id,
                                  const char *target, enum check_status status,
                                  const char *evidence)
{
    const struct result *res = harness_only_at(set, id, (how & HARNESS_AT_TARGET) ? target : NULL);
    bool same =
        evidence == NULL || ((how & HARNESS_CONTAINS) ? strstr(res->evidence, evidence) != NULL
                                                      : strcmp(res->evidence, evidence) == 0);
    if ((target != NULL && strcmp(res->target, target) != 0) || res->status != status || !same) {
        harness_dump(set);
        fail_msg("%s: got %s %s \"%s\", want %s %s %s\"%s\"", id, res->target,
                 check_status_name(res->status), res->evidence, target ? target : "*",
                 check_status_name(status), (how & HARNESS_CONTAINS) ? "containing " : "",
                 evidence ? evidence : "*");
    }
}

/* Asserts collector c's descriptor: its name, on by default, needing Docker or not, n checks. */
static inline void harness_expect_descriptor(const struct collector *c, const char *name,
                                             bool needs_docker, size_t n_checks)
{
    assert_string_equal(c->name, name);
    assert_true(c->enabled_by_default);
    assert_int_equal(c->needs_docker, needs_docker);
    assert_int_equal(c->n_checks, n_checks);
}

/* Asserts a catalog entry's words: a one-line title not ending in '.', and a remediation. */
static inline void harness_expect_check_words(const struct check_def *d)
{
    assert_non_null(d->title);
    assert_null(strchr(d->title, '\n'));
    assert_true(d->title[strlen(d->title) - 1] != '.');
    assert_non_null(d->remediation);
}

/* Asserts set holds exactly n results. */
static inline void harness_expect_count(const struct result_set *set, size_t n)
{
    if (set->len != n) {
        harness_dump(set);
        fail_msg("%zu results, want exactly %zu", set->len, n);
    }
}

/* Asserts that no result's target nor evidence holds `text` (a secret, a name). */
static inline void harness_expect_nowhere(const struct result_set *set, const char *text)
{
    for (size_t i = 0; i < set->len; i++) {
        if (strstr(set->items[i].evidence, text) != NULL ||
            strstr(set->items[i].target, text) != NULL) {
            harness_dump(set);
            fail_msg("\"%s\" appears in %s %s", text, set->items[i].check->id,
                     set->items[i].target);
        }
    }
}

/* How many results of check `id` set holds. */
static inline size_t harness_count(const struct result_set *set, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < set->len; i++)
        n += strcmp(set->items[i].check->id, id) == 0;
    return n;
}

/* How many measures called `name` set holds. */
static inline size_t harness_count_measure(const struct result_set *set, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n_measures; i++)
        n += strcmp(set->measures[i].def->name, name) == 0;
    return n;
}

/* The value of measure name{label}; fails the test when it is absent. */
static inline double harness_measure(const struct result_set *set, const char *name,
                                     const char *label)
{
    for (size_t i = 0; i < set->n_measures; i++) {
        const struct measurement *m = &set->measures[i];
        if (strcmp(m->def->name, name) == 0 && m->label_value != NULL &&
            strcmp(m->label_value, label) == 0)
            return m->value;
    }
    harness_dump(set);
    fail_msg("no measure %s{%s}", name, label);
    return 0;
}

#endif
