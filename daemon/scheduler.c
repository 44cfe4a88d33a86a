/*
 * scheduler.c - see scheduler.h.
 *
 * Failures are logged on the transition to failing and on recovery, and at
 * most every LIMIT_EVERY_S while a collector keeps failing, so a host whose
 * Docker daemon is down does not fill the journal once a minute forever.
 */
#include "scheduler.h"

#include "waivers.h"

#include "../collectors/registry.h"
#include "../common/sync.h"

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

/* Whether the report bucket has a token now (taking it); events mode only limits. */
static bool report_token(struct scheduler *s)
{
    if (s->events == NULL)
        return true;
    double now = clock_monotonic_seconds();
    s->report_tokens += (now - s->report_tokens_at) / SCHEDULER_REPORT_EVERY_S;
    s->report_tokens_at = now;
    if (s->report_tokens > SCHEDULER_REPORT_BURST)
        s->report_tokens = SCHEDULER_REPORT_BURST;
    if (s->report_tokens < 1)
        return false;
    s->report_tokens -= 1;
    return true;
}

/* Seconds until the report bucket has a token. */
static double report_token_wait(const struct scheduler *s)
{
    double have = s->report_tokens +
                  (clock_monotonic_seconds() - s->report_tokens_at) / SCHEDULER_REPORT_EVERY_S;
    return have >= 1 ? 0 : (1 - have) * SCHEDULER_REPORT_EVERY_S;
}

/*
 * Logs each run, queues the report (--push.url; in events mode when the
 * report bucket allows, else it is owed) and publishes the snapshot of `col`.
 */
static int publish(struct scheduler *s, struct collection *col)
{
    char err[256];
    for (size_t i = 0; i < col->n_runs; i++)
        log_run(s, i, &col->runs[i]);
    col->realtime = &s->realtime;
    if (s->cfg->waivers != NULL) {
        char hostname[REPORT_HOSTNAME_MAX + 1];
        report_read_hostname(s->cfg->rootfs, hostname, sizeof(hostname));
        if (waiver_book_apply(s->cfg->waivers, col, hostname, clock_wall_seconds()) < 0)
            log_warnx("waivers: out of memory; some waivable results stay fail or warn");
    }
    struct report_metrics rm;
    if (s->outbox != NULL) {
        s->report_owed = true;
        if (report_token(s)) {
            queue_report(s, col);
            s->report_owed = false;
        }
        report_metrics_read(&rm, s->outbox, s->push, s->report_errors);
    }
    struct snapshot *snap =
        snapshot_build(s->cfg, col, s->outbox != NULL ? &rm : NULL, err, sizeof(err));
    col->realtime = NULL;
    if (snap == NULL) {
        log_error("collection not published: %s", err);
        return -1;
    }
    snapshot_slot_publish(s->slot, snap);
    return 0;
}

int scheduler_collect_once(struct scheduler *s)
{
    struct collection col;
    collection_run(s->cfg, &col);
    s->realtime.api_requests += col.sweep.requests;
    int rc = publish(s, &col);
    collection_free(&col);
    return rc;
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

/* The watcher's news (its thread): a change is pending, or the stream went up or down. */
static void on_events(void *arg)
{
    struct scheduler *s = arg;
    pthread_mutex_lock(&s->lock);
    s->notified = true;
    if (s->pending_since == 0)
        s->pending_since = clock_monotonic_seconds();
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

/* Sleeps until `deadline`, the watcher's news or stop. Returns true when asked to stop. */
static bool wait_news(struct scheduler *s, double deadline)
{
    double left = deadline - clock_monotonic_seconds();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (left > 0)
        timespec_add_ms(&ts, (uint64_t)(left * 1000.0) + 1);
    pthread_mutex_lock(&s->lock);
    while (!s->stopping && !s->notified && left > 0) {
        if (pthread_cond_timedwait(&s->wake, &s->lock, &ts) == ETIMEDOUT)
            break;
    }
    s->notified = false;
    bool stop = s->stopping;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

/* Observes the lag of each event folded into what was just published. */
static void observe_lag(struct scheduler *s, const struct docker_changes *ch)
{
    double now = clock_wall_seconds();
    struct realtime_metrics *rt = &s->realtime;
    for (size_t i = 0; i < ch->n_event_times; i++) {
        double lag = now - ch->event_times[i];
        if (lag < 0)
            lag = 0;
        for (size_t b = 0; b < REALTIME_LAG_BUCKETS; b++)
            if (lag <= realtime_lag_bounds[b])
                rt->lag_le[b]++;
        rt->lag_count++;
        rt->lag_sum += lag;
    }
}

/* Copies the watcher's counters into the figures published next. */
static void read_events_stats(struct scheduler *s, bool *streaming, char *error, size_t errlen)
{
    struct docker_events_stats st;
    docker_events_stats(s->events, &st);
    struct realtime_metrics *rt = &s->realtime;
    memcpy(rt->received, st.received, sizeof(rt->received));
    rt->invalid = st.invalid;
    rt->stream_failures = st.failures;
    rt->replayed = st.replayed;
    rt->stream_requests = st.requests;
    rt->streaming = st.streaming;
    *streaming = st.streaming;
    snprintf(error, errlen, "%s", st.error);
}

/* A full sweep for `reason`, replacing `col`, and its publication. */
static void full_sweep(struct scheduler *s, struct collection *col,
                       enum docker_resync_reason reason)
{
    /* What is pending now is covered by this sweep; what arrives during it stays pending. */
    struct docker_changes covered;
    pthread_mutex_lock(&s->lock);
    s->pending_since = 0;
    pthread_mutex_unlock(&s->lock);
    docker_events_take(s->events, &covered);
    /* The daemon is the same one when the stream the last sweep ran under is still open. */
    struct docker_events_stats st;
    docker_events_stats(s->events, &st);
    uint64_t stream = st.streaming ? st.connects : 0;
    bool same_daemon =
        reason == DOCKER_RESYNC_INTERVAL && stream != 0 && stream == s->swept_under_stream;
    collection_rerun(s->cfg, col, same_daemon);
    s->swept_under_stream = stream;
    s->realtime.resyncs[reason]++;
    s->realtime.api_requests += col->sweep.requests;
    log_debug("full Docker sweep (%s): %zu requests in %.3fs, %zu images and %s /version kept",
              docker_resync_reason_name(reason), col->sweep.requests, col->sweep.duration_seconds,
              col->sweep.images_reused, col->sweep.version_reused ? "the" : "not the");
    publish(s, col);
    observe_lag(s, &covered);
    docker_changes_free(&covered);
}

/* The scheduler's own client for incremental updates (negotiated), or NULL. */
static struct docker_client *update_client(struct scheduler *s, struct collection *col, char *err,
                                           size_t errlen)
{
    if (s->client != NULL)
        return s->client;
    struct docker_client_options opts = { .host = s->cfg->docker_host,
                                          .tls_ca = s->cfg->docker_tls_ca,
                                          .tls_cert = s->cfg->docker_tls_cert,
                                          .tls_key = s->cfg->docker_tls_key };
    s->client = docker_client_new(&opts, err, errlen);
    if (s->client == NULL)
        return NULL;
    col->sweep.requests++;
    if (docker_client_negotiate(s->client, NULL, err, errlen) != 0) {
        docker_client_free(s->client);
        s->client = NULL;
    }
    return s->client;
}

/*
 * Applies `ch` to the kept sweep and publishes. Returns 0, or -1 when only
 * a full sweep can tell (logged here, rate-limited).
 */
static int apply_changes(struct scheduler *s, struct collection *col,
                         const struct docker_changes *ch)
{
    char err[256];
    size_t before = col->sweep.requests;
    struct docker_client *c = update_client(s, col, err, sizeof(err));
    int rc = -1;
    if (c != NULL)
        rc = docker_sweep_apply(c, &col->sweep, ch, (size_t)s->cfg->docker_max_containers,
                                collection_keep_container, (void *)s->cfg, &col->filtered, err,
                                sizeof(err));
    s->realtime.api_requests += col->sweep.requests - before;
    if (rc != 0) {
        if (s->client != NULL && docker_client_last_status(s->client) == 0) {
            docker_client_free(s->client); /* the connection is gone: a new one next time */
            s->client = NULL;
        }
        log_ratelimited(&s->apply_limiter, LOG_LEVEL_WARN,
                        "Docker change not applied (%s): a full sweep instead", err);
        return -1;
    }
    collection_rejudge(s->cfg, col, !ch->daemon);
    s->realtime.judgements++;
    publish(s, col);
    observe_lag(s, ch);
    return 0;
}

/* Whether an enabled collector needs the Docker API. */
static bool needs_docker(const struct agent_config *cfg)
{
    for (size_t i = 0; i < collector_registry_len && i < AGENT_MAX_COLLECTORS; i++)
        if (cfg->enabled[i] && collector_registry[i]->needs_docker)
            return true;
    return false;
}

/*
 * Events mode: see scheduler.h. All times are CLOCK_MONOTONIC seconds.
 * `next_host` is the next run of --collection.interval (a full sweep while
 * the stream is down, a re-judgement of the kept sweep while it is up);
 * `next_resync` the next safety-net sweep.
 */
static void events_loop(struct scheduler *s)
{
    const double interval = (double)s->cfg->interval_ms / 1000.0;
    const double resync = (double)s->cfg->docker_resync_ms / 1000.0;
    const double debounce = SCHEDULER_DEBOUNCE_MS / 1000.0;
    struct collection col;
    collection_init(&col);
    double tokens = SCHEDULER_BURST, tokens_at = clock_monotonic_seconds();
    s->report_tokens = SCHEDULER_REPORT_BURST;
    s->report_tokens_at = tokens_at;
    bool streaming = false, was_streaming = false, logged_down = false, down_told = false,
         ever_up = false;
    char stream_error[256];

    /* Give the stream a moment to be up before the first sweep, so no change falls between. */
    double until = clock_monotonic_seconds() + 2.0;
    bool stop = false;
    while (!stop && clock_monotonic_seconds() < until) {
        read_events_stats(s, &streaming, stream_error, sizeof(stream_error));
        if (streaming || s->realtime.stream_failures > 0) /* up, or its first try failed */
            break;
        stop = wait_news(s, until);
    }
    if (stop)
        return;
    full_sweep(s, &col, DOCKER_RESYNC_START);
    was_streaming = streaming;
    if (streaming)
        log_info("Docker event stream up: changes are judged as they happen");
    double now = clock_monotonic_seconds();
    double next_host = now + interval, next_resync = now + resync;

    for (;;) {
        read_events_stats(s, &streaming, stream_error, sizeof(stream_error));
        if (!streaming && was_streaming) {
            /* Down: what happened since the last event is unknown, so a sweep now, then
             * sweeps on --collection.interval until the stream is back. A stream that
             * keeps failing is told once per LIMIT_EVERY_S. */
            time_t before = s->stream_limiter.last;
            log_ratelimited(&s->stream_limiter, LOG_LEVEL_WARN,
                            "Docker event stream down (%s): full sweeps every "
                            "--collection.interval until it is back",
                            stream_error);
            down_told = s->stream_limiter.last != before;
            was_streaming = false;
            full_sweep(s, &col, DOCKER_RESYNC_FALLBACK);
            now = clock_monotonic_seconds();
            next_host = now + interval;
            continue;
        }
        if (streaming && !was_streaming) {
            if (down_told || logged_down)
                log_info("Docker event stream up: changes are judged as they happen");
            down_told = false;
            logged_down = false;
            was_streaming = true;
            /* What it replays since the last event bridges the gap; a failed sweep cannot be
             * brought up to date, so that needs a new one. */
            if (!col.sweep.ok) {
                full_sweep(s, &col, DOCKER_RESYNC_GAP);
                next_resync = clock_monotonic_seconds() + resync;
            } else {
                publish(s, &col); /* the mode changed */
            }
            continue;
        }
        ever_up |= streaming;
        if (!streaming && !ever_up && !logged_down && stream_error[0] != '\0') {
            log_warnx("Docker event stream unavailable (%s): full sweeps every "
                      "--collection.interval until it is up",
                      stream_error);
            logged_down = true;
        }

        now = clock_monotonic_seconds();
        tokens += (now - tokens_at) * SCHEDULER_REFILL_PER_S;
        tokens_at = now;
        if (tokens > SCHEDULER_BURST)
            tokens = SCHEDULER_BURST;

        double sweep_due = streaming ? next_resync : next_host;
        /* A failed sweep is tried again on --collection.interval, stream or not. */
        if (now >= sweep_due || (!col.sweep.ok && now >= next_host)) {
            full_sweep(s, &col, streaming ? DOCKER_RESYNC_INTERVAL : DOCKER_RESYNC_FALLBACK);
            now = clock_monotonic_seconds();
            next_host = now + interval;
            next_resync = now + resync;
            continue;
        }

        pthread_mutex_lock(&s->lock);
        double pending = s->pending_since;
        pthread_mutex_unlock(&s->lock);
        double deadline =
            streaming ? (next_host < next_resync ? next_host : next_resync) : next_host;
        if (pending > 0 && col.sweep.ok) {
            double due = pending + debounce;
            if (tokens < 1) {
                double refill = now + (1 - tokens) / SCHEDULER_REFILL_PER_S;
                due = refill > due ? refill : due;
            }
            if (now >= due) {
                struct docker_changes ch;
                pthread_mutex_lock(&s->lock);
                s->pending_since = 0;
                pthread_mutex_unlock(&s->lock);
                docker_events_take(s->events, &ch);
                if (ch.full) {
                    full_sweep(s, &col, ch.full_reason);
                    observe_lag(s, &ch);
                    next_resync = clock_monotonic_seconds() + resync;
                } else if (!docker_changes_empty(&ch)) {
                    tokens -= 1;
                    if (apply_changes(s, &col, &ch) != 0) {
                        full_sweep(s, &col, DOCKER_RESYNC_ERROR);
                        observe_lag(s, &ch);
                        next_resync = clock_monotonic_seconds() + resync;
                    }
                }
                docker_changes_free(&ch);
                continue;
            }
            if (due < deadline)
                deadline = due;
        }
        if (s->report_owed && col.sweep.ok) {
            /* A change published while the report bucket was empty: report it now. */
            double wait = report_token_wait(s);
            if (wait <= 0) {
                publish(s, &col);
                continue;
            }
            if (now + wait < deadline)
                deadline = now + wait;
        }
        if (streaming && now >= next_host) {
            /* The host files, on their own interval; the Docker part is already current. */
            collection_rejudge(s->cfg, &col, false);
            publish(s, &col);
            next_host = now + interval;
            continue;
        }
        if (wait_news(s, deadline))
            break;
    }
    collection_free(&col);
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
    if (s->events != NULL) {
        events_loop(s);
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

    sync_init_monotonic(&s->lock, &s->wake);

    s->stream_limiter.every_s = LIMIT_EVERY_S;
    s->apply_limiter.every_s = LIMIT_EVERY_S;
    s->realtime.events_enabled = cfg->docker_events && needs_docker(cfg);
    if (s->realtime.events_enabled) {
        struct docker_client_options opts = { .host = cfg->docker_host,
                                              .tls_ca = cfg->docker_tls_ca,
                                              .tls_cert = cfg->docker_tls_cert,
                                              .tls_key = cfg->docker_tls_key };
        s->events = docker_events_start(&opts, on_events, s, err, errlen);
        if (s->events == NULL) {
            pthread_cond_destroy(&s->wake);
            pthread_mutex_destroy(&s->lock);
            return -1;
        }
    }
    int rc = pthread_create(&s->thread, NULL, scheduler_main, s);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the collection thread: %s", strerror(rc));
        docker_events_stop(s->events);
        s->events = NULL;
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
    sync_stop_join(&s->lock, &s->wake, &s->stopping, s->thread);
    docker_events_stop(s->events); /* may still call on_events: the mutex lives until here */
    s->events = NULL;
    docker_client_free(s->client);
    s->client = NULL;
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    s->started = false;
}
