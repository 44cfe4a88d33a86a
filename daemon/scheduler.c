/*
 * scheduler.c - see scheduler.h.
 *
 * Failures are logged on the transition to failing and on recovery, and at
 * most every LIMIT_EVERY_S while a collector keeps failing, so a host whose
 * Docker daemon is down does not fill the journal once a minute forever.
 */
#include "scheduler.h"

#include "waivers.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define LIMIT_EVERY_S 600 /* at most one "still failing" line per collector per 10 minutes */

static void log_run(struct scheduler *s, size_t idx, const struct collector_run *run)
{
    if (idx >= AGENT_MAX_COLLECTORS)
        return;
    if (!run->success) {
        if (!s->was_failing[idx]) {
            log_warnx("collector %s failed: %s", run->collector->name, run->error);
            s->limiter[idx].last = time(NULL);
            s->limiter[idx].dropped = 0;
        } else {
            log_ratelimited(&s->limiter[idx], LOG_LEVEL_WARN, "collector %s still failing: %s",
                            run->collector->name, run->error);
        }
        s->was_failing[idx] = true;
    } else {
        if (s->was_failing[idx])
            log_info("collector %s recovered", run->collector->name);
        s->was_failing[idx] = false;
        log_debug("collector %s: %zu results in %.3fs", run->collector->name, run->results.len,
                  run->duration_seconds);
    }
}

/* What the outbox's build callback needs. */
struct report_job {
    const struct collection *col;
    const struct report_identity *identity;
    bool build_failed;
};

static int build_report(void *ctx, uint64_t sequence, uint8_t report_id[REPORT_ID_LEN],
                        uint8_t **body, size_t *len, char *err, size_t errlen)
{
    struct report_job *job = ctx;
    if (report_new_id(report_id, err, errlen) != 0 ||
        report_build(job->col, job->identity, sequence, report_id, body, len, err, errlen) != 0) {
        job->build_failed = true;
        return -1;
    }
    return 0;
}

/* Builds and queues the report of `col`, then wakes the push thread. */
static void queue_report(struct scheduler *s, const struct collection *col)
{
    struct report_identity identity;
    char err[512];
    if (report_read_identity(s->cfg->rootfs, &identity, err, sizeof(err)) != 0) {
        s->report_errors[REPORT_ERROR_HOST_ID]++;
        if (!s->no_host_id)
            log_warnx("%s", err);
        s->no_host_id = true;
        return;
    }
    if (s->no_host_id)
        log_info("host id found in /etc/machine-id: reports resume");
    s->no_host_id = false;

    struct report_job job = { .col = col, .identity = &identity, .build_failed = false };
    uint64_t sequence = 0;
    if (outbox_enqueue(s->outbox, identity.host_id, build_report, &job, &sequence, err,
                       sizeof(err)) != 0) {
        if (job.build_failed)
            s->report_errors[REPORT_ERROR_BUILD]++;
        log_ratelimited(&s->report_limiter, LOG_LEVEL_WARN, "report not queued: %s", err);
        return;
    }
    log_debug("report %llu of host %s queued", (unsigned long long)sequence, identity.host_id);
    push_wake(s->push);
}

int scheduler_collect_once(struct scheduler *s)
{
    struct collection col;
    char err[256];

    collection_run(s->cfg, &col);
    for (size_t i = 0; i < col.n_runs; i++)
        log_run(s, i, &col.runs[i]);
    if (s->cfg->waivers != NULL) {
        char hostname[REPORT_HOSTNAME_MAX + 1];
        report_read_hostname(s->cfg->rootfs, hostname, sizeof(hostname));
        if (waiver_book_apply(s->cfg->waivers, &col, hostname, clock_wall_seconds()) < 0)
            log_warnx("waivers: out of memory; some waivable results stay fail or warn");
    }
    struct report_metrics rm;
    if (s->outbox != NULL) {
        queue_report(s, &col);
        report_metrics_read(&rm, s->outbox, s->push, s->report_errors);
    }
    struct snapshot *snap =
        snapshot_build(s->cfg, &col, s->outbox != NULL ? &rm : NULL, err, sizeof(err));
    collection_free(&col);
    if (snap == NULL) {
        log_error("collection not published: %s", err);
        return -1;
    }
    snapshot_slot_publish(s->slot, snap);
    return 0;
}

/* Adds `ms` to a CLOCK_MONOTONIC timespec. */
static void timespec_add_ms(struct timespec *ts, uint64_t ms)
{
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int timespec_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Sleeps until `deadline` or stop. Returns true when asked to stop. */
static bool wait_until(struct scheduler *s, const struct timespec *deadline)
{
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        int rc = pthread_cond_timedwait(&s->wake, &s->lock, deadline);
        if (rc == ETIMEDOUT)
            break;
    }
    bool stop = s->stopping;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

static void *scheduler_main(void *arg)
{
    struct scheduler *s = arg;
    struct timespec next;

    clock_gettime(CLOCK_MONOTONIC, &next);
    if (s->cfg->start_delay_ms > 0) {
        timespec_add_ms(&next, s->cfg->start_delay_ms);
        if (wait_until(s, &next))
            return NULL;
    }
    for (;;) {
        scheduler_collect_once(s);
        timespec_add_ms(&next, s->cfg->interval_ms);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timespec_before(&next, &now)) {
            /* Every collection overruns while the Docker API stalls: once, then rate-limited. */
            log_ratelimited(&s->overrun_limiter, LOG_LEVEL_WARN,
                            "collection took longer than --collection.interval; starting the "
                            "next now");
            next = now;
        }
        if (wait_until(s, &next))
            break;
    }
    return NULL;
}

int scheduler_start(struct scheduler *s, const struct agent_config *cfg, struct snapshot_slot *slot,
                    struct outbox *outbox, struct push *push, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    s->cfg = cfg;
    s->slot = slot;
    s->outbox = outbox;
    s->push = push;
    s->report_limiter.every_s = LIMIT_EVERY_S;
    s->overrun_limiter.every_s = LIMIT_EVERY_S;
    for (size_t i = 0; i < AGENT_MAX_COLLECTORS; i++)
        s->limiter[i].every_s = LIMIT_EVERY_S;

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);

    int rc = pthread_create(&s->thread, NULL, scheduler_main, s);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the collection thread: %s", strerror(rc));
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        return -1;
    }
    s->started = true;
    return 0;
}

void scheduler_stop(struct scheduler *s)
{
    if (!s->started)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    s->started = false;
}
