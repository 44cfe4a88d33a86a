/*
 * sweep_build.h - a Docker API sweep built by hand for a collector test
 * (struct docker_sweep filled directly, no parser involved): images and
 * containers added one at a time into arrays the builder owns, so a test
 * or a case file says only what differs. Header-only, like
 * collector_harness.h: include it after <cmocka.h>.
 */
#ifndef DOCKWARD_TEST_SWEEP_BUILD_H
#define DOCKWARD_TEST_SWEEP_BUILD_H

#include "collectors/docker.h"

#include <stdio.h>
#include <string.h>

#define SWEEP_BUILD_MAX     64 /* images, and containers, of one sweep */
#define SWEEP_BUILD_HISTORY 8  /* history entries of one image given by a case file */
#define SWEEP_BUILD_LIST    8  /* security options, insecure CIDRs, registries, networks */

/* A sweep and what it points into; zeroed, it is an empty sweep that did not answer. */
struct sweep_build {
    struct docker_sweep sw;
    struct docker_image images[SWEEP_BUILD_MAX];
    struct docker_container containers[SWEEP_BUILD_MAX];
    char *tags[SWEEP_BUILD_MAX][2];
    char ids[SWEEP_BUILD_MAX][80];
    char *history[SWEEP_BUILD_MAX][SWEEP_BUILD_HISTORY];
    /* What /info's lists and GET /networks point into. */
    char *security_options[SWEEP_BUILD_LIST];
    char *insecure_cidrs[SWEEP_BUILD_LIST];
    struct docker_registry_index indexes[SWEEP_BUILD_LIST];
    struct docker_network networks[SWEEP_BUILD_LIST];
};

/*
 * Adds image i (the i-th added, from 0): id sha256:000000ab000<i>0...,
 * created `created` (Unix seconds), tagged `tag` unless NULL, with a
 * HEALTHCHECK. Returns it for the test to change.
 */
static inline struct docker_image *sweep_add_image(struct sweep_build *b, const char *tag,
                                                   int64_t created)
{
    size_t i = b->sw.n_images;
    assert_true(i < SWEEP_BUILD_MAX);
    struct docker_image *img = &b->images[i];
    memset(img, 0, sizeof(*img));
    snprintf(b->ids[i], sizeof(b->ids[i]), "sha256:%012zx%052d", i + 0xab0000, 0);
    img->id = b->ids[i];
    if (tag != NULL) {
        b->tags[i][0] = (char *)tag;
        img->repo_tags.items = b->tags[i];
        img->repo_tags.len = 1;
    }
    img->created = created;
    img->has_healthcheck = true;
    b->sw.images = b->images;
    b->sw.n_images = i + 1;
    return img;
}

/*
 * Adds a container called `name` (NULL: none) of image img (NULL: none) in
 * `state` ("running" makes it running). Returns it for the test to change.
 */
static inline struct docker_container *sweep_add_container(struct sweep_build *b, const char *name,
                                                           const struct docker_image *img,
                                                           const char *state)
{
    size_t i = b->sw.n_containers;
    assert_true(i < SWEEP_BUILD_MAX);
    struct docker_container *c = &b->containers[i];
    memset(c, 0, sizeof(*c));
    c->id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    c->name = (char *)name;
    c->image_id = img != NULL ? img->id : NULL;
    c->state = (char *)state;
    c->running = strcmp(state, "running") == 0;
    b->sw.containers = b->containers;
    b->sw.n_containers = i + 1;
    return c;
}

#endif
