/*
 * collector_harness.h - what the collector unit tests share: a host tree
 * from a committed fixture or from manifest text (tests/fixture.h) and its
 * removal, the one result of a check, and the printout of a result set when
 * an assertion fails. Header-only (static
 * inline) so each test program takes what it uses; include it after
 * <cmocka.h>, whose assertions it uses.
 */
#ifndef DOCKWARD_TEST_COLLECTOR_HARNESS_H
#define DOCKWARD_TEST_COLLECTOR_HARNESS_H

#include "collectors/collector.h"
#include "tests/fixture.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Builds the committed fixture tests/fixtures/<name> into fx; fails the test when it cannot. */
static inline void harness_build_named(struct fixture *fx, const char *name)
{
    char path[4096], err[1024];
    assert_non_null(fixture_manifest_path(name, path, sizeof(path)));
    if (fixture_build(fx, path, err, sizeof(err)) != 0)
        fail_msg("fixture %s: %s", name, err);
}

/* Builds a tree from manifest text (written to a temporary file, removed again). */
static inline void harness_build_text(struct fixture *fx, const char *manifest)
{
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

/* Frees the results and removes the tree (fx->root "" when there is none); safe to call twice. */
static inline void harness_done(struct result_set *set, struct fixture *fx)
{
    result_set_free(set);
    if (fx->root[0] != '\0')
        fixture_destroy(fx);
    memset(fx, 0, sizeof(*fx));
}

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

/* The only result of check `id` in set; fails the test (printing the set) on none or two. */
static inline const struct result *harness_only(const struct result_set *set, const char *id)
{
    const struct result *found = NULL;
    for (size_t i = 0; i < set->len; i++) {
        if (strcmp(set->items[i].check->id, id) != 0)
            continue;
        if (found != NULL) {
            harness_dump(set);
            fail_msg("two results for %s", id);
        }
        found = &set->items[i];
    }
    if (found == NULL) {
        harness_dump(set);
        fail_msg("no result for %s", id);
    }
    return found;
}

#endif
