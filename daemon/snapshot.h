/*
 * snapshot.h - what a scrape serves: the metrics of one collection,
 * rendered once into every format and encoding, immutable afterwards.
 *
 * Ownership: the scheduler thread builds a snapshot and publishes it into
 * the agent's snapshot_slot; HTTP requests take a reference from the slot
 * and release it when the response has been sent (libmicrohttpd calls the
 * free callback then). The slot's mutex guards only the pointer swap and the
 * reference taken under it; the bodies are never written after publication,
 * so serving needs no lock and a scrape never waits for a collection.
 */
#ifndef DOCKWARD_SNAPSHOT_H
#define DOCKWARD_SNAPSHOT_H

#include "../common/expo.h"
#include "collection.h"

#include <pthread.h>
#include <stdatomic.h>

#define SNAPSHOT_BODY_MAX (64u * 1024 * 1024) /* cap on one rendered body */

struct snapshot_body {
    char *data;
    size_t len;
};

struct snapshot {
    atomic_int refs;
    bool ready; /* built from a finished collection (for /readyz) */
    struct snapshot_body body[EXPO_FORMAT_COUNT][2]; /* [format][0 plain, 1 gzip] */
};

/*
 * Builds the agent's metric set from `col` (and this process's figures) and
 * renders it. Returns a snapshot holding one reference, or NULL with err.
 */
struct snapshot *snapshot_build(const struct agent_config *cfg, const struct collection *col,
                                char *err, size_t errlen);

/*
 * Adds the agent's metric families for `col` to `e` (exposed for tests and
 * for the store's reuse of the shapes). Returns 0 or -1.
 */
int agent_metrics_build(struct expo *e, const struct agent_config *cfg,
                        const struct collection *col);

void snapshot_ref(struct snapshot *s);
/* Drops a reference; the last one frees the snapshot. */
void snapshot_unref(struct snapshot *s);

/* The one place the current snapshot lives. */
struct snapshot_slot {
    pthread_mutex_t lock;
    struct snapshot *current; /* guarded by lock; NULL before the first publish */
};

void snapshot_slot_init(struct snapshot_slot *slot);
/* Unrefs the current snapshot and destroys the mutex. */
void snapshot_slot_destroy(struct snapshot_slot *slot);
/* Replaces the current snapshot; takes over the caller's reference to `s`. */
void snapshot_slot_publish(struct snapshot_slot *slot, struct snapshot *s);
/* The current snapshot with a reference for the caller (unref it), or NULL. */
struct snapshot *snapshot_slot_acquire(struct snapshot_slot *slot);

#endif
