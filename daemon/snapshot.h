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
#include "outbox.h"
#include "push.h"

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
 * The report pipeline's figures as of one collection (--push.url set): the
 * push thread's counters, the outbox's, and the scheduler's report errors.
 * A plain value copied out under each owner's lock.
 */
struct report_metrics {
    uint64_t push[PUSH_RESULT_COUNT];
    double last_success; /* 0 = never */
    uint64_t outbox_reports;
    uint64_t dropped[OUTBOX_DROP_COUNT];
    uint64_t sequence;
    uint64_t errors[REPORT_ERROR_COUNT];
};

/*
 * Fills `rm` from the outbox and the push thread (either may be NULL) and
 * the scheduler's own counts of reports not built (`scheduler_errors`,
 * indexed by enum report_error, may be NULL); outbox errors are the
 * outbox's own count.
 */
void report_metrics_read(struct report_metrics *rm, struct outbox *ob, struct push *push,
                         const uint64_t *scheduler_errors);

/*
 * Builds the agent's metric set from `col` (and this process's figures, and
 * `rm` when reports are pushed, NULL otherwise) and renders it. Returns a
 * snapshot holding one reference, or NULL with err.
 */
struct snapshot *snapshot_build(const struct agent_config *cfg, const struct collection *col,
                                const struct report_metrics *rm, char *err, size_t errlen);

/*
 * Adds the agent's metric families for `col` (and `rm`, may be NULL) to `e`
 * (exposed for tests). Returns 0 or -1.
 */
int agent_metrics_build(struct expo *e, const struct agent_config *cfg,
                        const struct collection *col, const struct report_metrics *rm);

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
