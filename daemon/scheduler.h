/*
 * scheduler.h - the collection thread.
 *
 * One thread runs every enabled collector once at start (after the optional
 * start delay) and then every --collection.interval, at a fixed rate: a run
 * that overruns its interval is followed at once by the next, never by a
 * burst of catch-up runs. After each run it builds a snapshot and publishes
 * it into the slot; scrapes read the slot and never wait for the thread.
 *
 * When reports are pushed (--push.url), each run also builds the report of
 * the collection, queues it in the outbox (a local SQLite write, done here
 * in the scheduler thread) and wakes the push thread; the snapshot then
 * carries the report pipeline's figures as of that moment. A host without a
 * valid /etc/machine-id gets no report: logged once (and once when it comes
 * back), counted every time.
 *
 * With --docker.events (the default) the Docker part of a collection is
 * kept between runs and updated from Docker's event stream: a change is
 * re-read and re-judged, debounced by SCHEDULER_DEBOUNCE_MS and limited to
 * a burst of SCHEDULER_BURST judgements refilled at SCHEDULER_REFILL_PER_S,
 * then published at once. Reports to the store have their own, slower
 * bucket (SCHEDULER_REPORT_BURST, one per SCHEDULER_REPORT_EVERY_S): a
 * change that finds it empty is reported, with whatever followed it, as
 * soon as a token comes; so a container in a restart loop costs the store
 * at most one report every few seconds. A full sweep runs every
 * --docker.resync-interval as the safety net, and every
 * --collection.interval while the stream is down; the host-file
 * collectors keep --collection.interval and re-judge the kept sweep
 * without asking Docker anything.
 *
 * Ownership: the scheduler owns its thread, its mutex/condition (used only
 * to wake it for shutdown), the per-collector failure limiters and the
 * report error counters; the slot, the outbox and the push thread belong to
 * the agent and outlive the scheduler.
 */
#ifndef DOCKWARD_SCHEDULER_H
#define DOCKWARD_SCHEDULER_H

#include "outbox.h"
#include "push.h"
#include "snapshot.h"

#include "../common/log.h"

#include <pthread.h>

#define SCHEDULER_DEBOUNCE_MS    200 /* changes folded into one judgement */
#define SCHEDULER_BURST          20  /* event judgements in a burst ... */
#define SCHEDULER_REFILL_PER_S   2   /* ... then at most this many a second */
#define SCHEDULER_REPORT_BURST   5   /* reports queued in a burst ... */
#define SCHEDULER_REPORT_EVERY_S 5   /* ... then at most one every this many seconds */

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
    struct outbox *outbox;                            /* NULL: no reports (the agent's) */
    struct push *push;                                /* NULL: nobody to wake (the agent's) */
    bool no_host_id;                                  /* scheduler thread only: logged as missing */
    uint64_t report_errors[REPORT_ERROR_COUNT];       /* scheduler thread only */
    struct log_limiter report_limiter;                /* scheduler thread only */
    struct log_limiter overrun_limiter; /* scheduler thread only: "took longer than" */
    /*
     * Events mode (--docker.events, an enabled collector needs Docker): the
     * watcher thread of docker_events.h follows GET /events and wakes this
     * thread through `notified`; this thread debounces, re-reads what
     * changed, re-judges and publishes. The watcher is started after the
     * mutex and stopped after this thread is joined, before the mutex goes.
     */
    struct docker_events *events; /* NULL = sweeps only */
    bool notified;                /* guarded by lock: the watcher has news */
    double pending_since;         /* guarded by lock: monotonic time of the first news, 0 = none */
    struct realtime_metrics realtime; /* scheduler thread only */
    struct docker_client *client;     /* scheduler thread only: incremental updates */
    uint64_t swept_under_stream;      /* scheduler thread only: the stream (connects) the last full
                                         sweep ran under, 0 = none */
    /* scheduler thread only: "stream down" and "change not applied" are told apart, so that one
     * (a change failing as dockerd stops) never silences the other */
    struct log_limiter stream_limiter, apply_limiter;
    double report_tokens, report_tokens_at; /* scheduler thread only: the report bucket */
    bool report_owed;                       /* scheduler thread only: a change not reported yet */
};

/*
 * Starts the thread. `outbox` and `push` are NULL when reports are not
 * pushed. Returns 0, or -1 with err filled.
 */
int scheduler_start(struct scheduler *s, const struct agent_config *cfg, struct snapshot_slot *slot,
                    struct outbox *outbox, struct push *push, char *err, size_t errlen);

/* Asks the thread to stop, waits for the current collection to end, joins. */
void scheduler_stop(struct scheduler *s);

/*
 * Runs one collection and publishes its snapshot (what the thread does each
 * interval); exposed for tests. Returns 0, or -1 if no snapshot was built.
 */
int scheduler_collect_once(struct scheduler *s);

#endif
