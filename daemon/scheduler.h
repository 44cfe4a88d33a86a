/*
 * scheduler.h - the collection thread.
 *
 * One thread runs every enabled collector once at start (after the optional
 * start delay) and then every --collection.interval, at a fixed rate: a run
 * that overruns its interval is followed at once by the next, never by a
 * burst of catch-up runs. After each run it builds a snapshot and publishes
 * it into the slot; scrapes read the slot and never wait for the thread.
 *
 * Ownership: the scheduler owns its thread, its mutex/condition (used only
 * to wake it for shutdown) and the per-collector failure limiters; the slot
 * belongs to the agent and outlives the scheduler.
 */
#ifndef DOCKWARD_SCHEDULER_H
#define DOCKWARD_SCHEDULER_H

#include "snapshot.h"

#include "../common/log.h"

#include <pthread.h>

struct scheduler {
    const struct agent_config *cfg;
    struct snapshot_slot *slot;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled by scheduler_stop */
    bool stopping;       /* guarded by lock */
    bool started;
    bool was_failing[AGENT_MAX_COLLECTORS];           /* scheduler thread only */
    struct log_limiter limiter[AGENT_MAX_COLLECTORS]; /* scheduler thread only */
};

/* Starts the thread. Returns 0, or -1 with err filled. */
int scheduler_start(struct scheduler *s, const struct agent_config *cfg, struct snapshot_slot *slot,
                    char *err, size_t errlen);

/* Asks the thread to stop, waits for the current collection to end, joins. */
void scheduler_stop(struct scheduler *s);

/*
 * Runs one collection and publishes its snapshot (what the thread does each
 * interval); exposed for tests. Returns 0, or -1 if no snapshot was built.
 */
int scheduler_collect_once(struct scheduler *s);

#endif
