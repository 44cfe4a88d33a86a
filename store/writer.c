/*
 * writer.c - the writer and checkpointer threads; see writer.h.
 *
 * Who owns what: `lock` guards the queue (head, tail, counts) and
 * `closing`. The writer thread alone touches `db` and its limiter; the
 * checkpointer alone touches `ckpt_db`; `ckpt_lock` guards the flags that
 * wake it. A job belongs to the writer from writer_submit() until its
 * `done` callback returns; after that the submitter may free it, so the
 * writer reads nothing of a job after calling `done`.
 *
 * Order of one batch: take up to STORE_BATCH_MAX queued jobs (releasing
 * the lock at once, so requests keep queueing during the transaction),
 * store_db_apply() them, and only when the COMMIT returned apply their
 * figures and call `done` for each: no answer ever leaves before the
 * commit that holds it, and a failed transaction answers every job 503.
 */
#include "writer.h"

#include "storage.h"
#include "store.h"

#include "../common/log.h"
#include "../common/sync.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WRITER_IDLE_WAIT_MS       1000
#define WRITER_RETENTION_FIRST_MS (60ULL * 1000) /* first retention pass after start */
#define CHECKPOINT_EVERY_MS       5000           /* also checkpoint at least this often */
#define WRITER_SLOW_BATCH_MS      1000           /* a batch slower than this is logged */

struct store_writer {
    struct storage *db;       /* the writer thread's */
    struct store_db *ckpt_db; /* SQLite only: the checkpointer's (NULL on PostgreSQL) */
    bool shared;              /* PostgreSQL: per-check figures are the refresher's to read */
    struct store_metrics *metrics;
    uint64_t retention_ms;
    uint64_t retire_after_ms;

    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct writer_job *head, *tail;
    size_t queued, queued_bytes;
    bool closing;
    pthread_t thread;

    pthread_mutex_t ckpt_lock;
    pthread_cond_t ckpt_wake;
    bool ckpt_due, ckpt_stop;
    pthread_t ckpt_thread;

    int wal_pages;                   /* writer thread only: WAL size at the last commit */
    struct log_limiter fail_limiter; /* writer thread only */
    struct log_limiter slow_limiter; /* writer thread only */
    char retire_ids[WRITER_RETIRE_CHUNK][REPORT_HOST_ID_MAX + 1]; /* writer thread only */
};

/* On the writer thread, inside each COMMIT. */
static void on_commit(void *arg, int wal_pages)
{
    struct store_writer *w = arg;
    w->wal_pages = wal_pages;
    if (wal_pages < WRITER_CHECKPOINT_PAGES)
        return;
    pthread_mutex_lock(&w->ckpt_lock);
    if (!w->ckpt_due) {
        w->ckpt_due = true;
        pthread_cond_signal(&w->ckpt_wake);
    }
    pthread_mutex_unlock(&w->ckpt_lock);
}

static void *checkpointer_main(void *arg)
{
    struct store_writer *w = arg;
    (void)pthread_setname_np(pthread_self(), WRITER_CKPT_THREAD_NAME);
    pthread_mutex_lock(&w->ckpt_lock);
    while (!w->ckpt_stop) {
        if (!w->ckpt_due) {
            struct timespec ts;
            clock_deadline_in(&ts, CHECKPOINT_EVERY_MS);
            pthread_cond_timedwait(&w->ckpt_wake, &w->ckpt_lock, &ts);
            if (w->ckpt_stop)
                break;
        }
        w->ckpt_due = false;
        pthread_mutex_unlock(&w->ckpt_lock);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = store_db_checkpoint(w->ckpt_db, false);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        log_debug("WAL checkpoint %s in %.0f ms", rc == 0 ? "done" : "incomplete",
                  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
        pthread_mutex_lock(&w->ckpt_lock);
    }
    pthread_mutex_unlock(&w->ckpt_lock);
    return NULL;
}

/* Retires one host in its own transaction and drops it from the figures. */
static enum writer_admin_result retire_host(struct store_writer *w, const char *host_id,
                                            const char *why)
{
    struct diff_result figures;
    diff_result_init(&figures);
    bool found = false;
    char err[512];
    enum writer_admin_result r = WRITER_ADMIN_DONE;
    if (storage_retire(w->db, host_id, store_now_ms(), &figures, &found, err, sizeof(err)) != 0) {
        log_ratelimited(&w->fail_limiter, LOG_LEVEL_WARN, "cannot retire host %s: %s", host_id,
                        err);
        r = WRITER_ADMIN_FAILED;
    } else if (!found) {
        r = WRITER_ADMIN_NOT_FOUND;
    } else {
        if (!w->shared)
            store_metrics_apply(w->metrics, &figures);
        atomic_fetch_add(&w->metrics->drift_events, figures.n_events);
        atomic_fetch_add(&w->metrics->hosts_retired, 1);
        if (why != NULL) /* an admin's retirement is logged by the server, naming the admin */
            log_info("retired host %s (%s): its current results are gone, its drift stays", host_id,
                     why);
    }
    diff_result_free(&figures);
    return r;
}

static void run_admin(struct store_writer *w, struct writer_job *wj)
{
    if (wj->kind == WRITER_JOB_RETIRE) {
        wj->admin_result = retire_host(w, wj->host_id, NULL);
        return;
    }
    bool found = false;
    char err[512];
    if (storage_rebind(w->db, wj->host_id, wj->owner, &found, err, sizeof(err)) != 0) {
        log_ratelimited(&w->fail_limiter, LOG_LEVEL_WARN, "cannot rebind host %s: %s", wj->host_id,
                        err);
        wj->admin_result = WRITER_ADMIN_FAILED;
    } else {
        wj->admin_result = found ? WRITER_ADMIN_DONE : WRITER_ADMIN_NOT_FOUND;
    }
}

static void process_batch(struct store_writer *w, struct writer_job *batch, size_t n_all)
{
    struct store_job *jobs[STORE_BATCH_MAX] = { NULL };
    struct writer_job *wj = batch;
    size_t n = 0;
    for (size_t i = 0; i < n_all; i++, wj = wj->next)
        if (wj->kind == WRITER_JOB_REPORT)
            jobs[n++] = &wj->job;

    char err[512] = "";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = n > 0 ? storage_apply(w->db, jobs, n, err, sizeof(err)) : 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (ms > WRITER_SLOW_BATCH_MS)
        log_ratelimited(&w->slow_limiter, LOG_LEVEL_WARN,
                        "a transaction of %zu report(s) took %.0f ms (disk busy?)", n, ms);
    log_debug("batch of %zu in %.1f ms", n, ms);
    if (rc != 0) {
        log_ratelimited(&w->fail_limiter, LOG_LEVEL_WARN,
                        "cannot write the database, answering 503 to %zu report(s): %s", n, err);
    } else {
        size_t unavailable = 0;
        for (size_t i = 0; i < n; i++) {
            if (jobs[i]->outcome == STORE_OUTCOME_STORED) {
                if (!w->shared)
                    store_metrics_apply(w->metrics, &jobs[i]->diff);
                else
                    store_metrics_note_checks(w->metrics, &jobs[i]->diff);
                atomic_fetch_add(&w->metrics->drift_events, jobs[i]->diff.n_events);
            } else if (jobs[i]->outcome == STORE_OUTCOME_UNAVAILABLE) {
                unavailable++;
            }
        }
        if (unavailable > 0)
            log_ratelimited(&w->fail_limiter, LOG_LEVEL_WARN,
                            "cannot store %zu report(s), answering 503: %s", unavailable, err);
    }
    /* The admin jobs, each on its own, after the reports they were queued with. */
    wj = batch;
    for (size_t i = 0; i < n_all; i++, wj = wj->next)
        if (wj->kind != WRITER_JOB_REPORT)
            run_admin(w, wj);
    /* Answer each; a job may be freed by its owner once `done` returns. */
    wj = batch;
    for (size_t i = 0; i < n_all; i++) {
        struct writer_job *next = wj->next;
        wj->done(wj, wj->arg);
        wj = next;
    }
}

static void retention_chunk(struct store_writer *w, int64_t cutoff_ms, bool *active,
                            uint64_t *total)
{
    int deleted = 0;
    char err[512];
    if (storage_retention(w->db, cutoff_ms, WRITER_RETENTION_CHUNK, &deleted, err, sizeof(err)) !=
        0) {
        log_ratelimited(&w->fail_limiter, LOG_LEVEL_WARN, "drift retention: %s", err);
        *active = false;
        return;
    }
    *total += (uint64_t)deleted;
    if (deleted < WRITER_RETENTION_CHUNK) {
        *active = false;
        if (*total > 0)
            log_info("retention: deleted %llu drift event(s) older than the retention",
                     (unsigned long long)*total);
        *total = 0;
    }
}

/*
 * Retires up to WRITER_RETIRE_CHUNK hosts silent since `cutoff_ms`; sets
 * *active while more may be left.
 */
static void retire_chunk(struct store_writer *w, int64_t cutoff_ms, bool *active)
{
    char(*ids)[REPORT_HOST_ID_MAX + 1] = w->retire_ids;
    size_t n = 0;
    char err[512];
    if (storage_silent_hosts(w->db, cutoff_ms, ids, WRITER_RETIRE_CHUNK, &n, err, sizeof(err)) !=
        0) {
        log_ratelimited(&w->fail_limiter, LOG_LEVEL_WARN, "host retirement: %s", err);
        *active = false;
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (retire_host(w, ids[i], "silent for --host.retire-after") == WRITER_ADMIN_FAILED)
            n = 0; /* the database is failing: try again next pass */
    *active = n == WRITER_RETIRE_CHUNK;
}

/* How often silent hosts are looked for: half the age that retires them, at most hourly. */
static uint64_t retire_every_ms(uint64_t retire_after_ms)
{
    uint64_t every = retire_after_ms / 2;
    if (every < 500)
        every = 500;
    return every < WRITER_RETENTION_EVERY_MS ? every : WRITER_RETENTION_EVERY_MS;
}

static void *writer_main(void *arg)
{
    struct store_writer *w = arg;
    (void)pthread_setname_np(pthread_self(), WRITER_THREAD_NAME);
    uint64_t retire_every = retire_every_ms(w->retire_after_ms);
    int64_t next_retire = store_now_ms() + (int64_t)(retire_every < WRITER_RETENTION_FIRST_MS
                                                         ? retire_every
                                                         : WRITER_RETENTION_FIRST_MS);
    bool retire_active = false;
    int64_t retire_cutoff = 0;
    int64_t next_retention = store_now_ms() + (int64_t)WRITER_RETENTION_FIRST_MS;
    bool retention_active = false;
    int64_t cutoff = 0;
    uint64_t retention_total = 0;

    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (w->head == NULL && !w->closing && !retention_active && !retire_active) {
            int64_t now = store_now_ms();
            if (now >= next_retention || now >= next_retire)
                break;
            int64_t next = next_retention < next_retire ? next_retention : next_retire;
            uint64_t wait = (uint64_t)(next - now);
            struct timespec ts;
            clock_deadline_in(&ts, wait < WRITER_IDLE_WAIT_MS ? wait : WRITER_IDLE_WAIT_MS);
            pthread_cond_timedwait(&w->wake, &w->lock, &ts);
        }
        if (w->head == NULL && w->closing) {
            pthread_mutex_unlock(&w->lock);
            break;
        }
        struct writer_job *batch = w->head, *last = NULL;
        size_t n = 0;
        for (struct writer_job *j = w->head; j != NULL && n < STORE_BATCH_MAX; j = j->next) {
            last = j;
            n++;
            w->queued_bytes -= j->bytes;
        }
        if (n > 0) {
            w->head = last->next;
            if (w->head == NULL)
                w->tail = NULL;
            last->next = NULL;
            w->queued -= n;
        }
        pthread_mutex_unlock(&w->lock);

        if (n > 0)
            process_batch(w, batch, n);
        /*
         * Under steady writes a passive checkpoint never finishes exactly when
         * the next transaction starts, so the WAL would only grow (and a huge
         * WAL is slow to truncate later, inside some COMMIT). Past
         * STORE_DB_WAL_RESTART_PAGES the writer copies the little the
         * checkpointer has not and rewinds the log, between transactions.
         */
        if (w->wal_pages >= STORE_DB_WAL_RESTART_PAGES) {
            struct store_db *lite = storage_sqlite(w->db);
            if (store_db_checkpoint(lite, true) != 0)
                log_debug("WAL restart did not complete: %s",
                          sqlite3_errmsg(store_db_sqlite(lite)));
            w->wal_pages = 0;
        }

        int64_t now = store_now_ms();
        if (!retention_active && now >= next_retention) {
            retention_active = true;
            cutoff = now - (int64_t)w->retention_ms;
            next_retention = now + (int64_t)WRITER_RETENTION_EVERY_MS;
        }
        if (retention_active)
            retention_chunk(w, cutoff, &retention_active, &retention_total);
        if (!retire_active && now >= next_retire) {
            retire_active = true;
            retire_cutoff = now - (int64_t)w->retire_after_ms;
            next_retire = now + (int64_t)retire_every;
        }
        if (retire_active)
            retire_chunk(w, retire_cutoff, &retire_active);
    }
    return NULL;
}

static void seed_check(void *arg, const char *check, uint64_t failing, uint64_t regressions,
                       uint64_t waived)
{
    store_metrics_seed_check(arg, check, failing, regressions, waived);
}

int writer_start(struct store_writer **out, const struct storage_target *target,
                 uint64_t retention_ms, uint64_t retire_after_ms, struct store_metrics *metrics,
                 char *err, size_t errlen)
{
    *out = NULL;
    struct store_writer *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->metrics = metrics;
    w->retention_ms = retention_ms;
    w->retire_after_ms = retire_after_ms;
    w->fail_limiter.every_s = 60;
    w->slow_limiter.every_s = 60;
    if (storage_open(target, &w->db, err, errlen) != 0) {
        free(w);
        return -1;
    }
    w->shared = target->kind == STORAGE_POSTGRES;
    if (storage_load_checks(w->db, seed_check, metrics, err, errlen) != 0 ||
        (!w->shared &&
         store_db_open(target->path, STORE_DB_CHECKPOINTER, &w->ckpt_db, err, errlen) != 0)) {
        storage_close(w->db);
        free(w);
        return -1;
    }
    if (!w->shared)
        store_db_on_commit(storage_sqlite(w->db), on_commit, w);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    pthread_mutex_init(&w->ckpt_lock, NULL);
    pthread_cond_init(&w->ckpt_wake, NULL);
    int rc = pthread_create(&w->thread, NULL, writer_main, w);
    if (rc == 0 && !w->shared) {
        rc = pthread_create(&w->ckpt_thread, NULL, checkpointer_main, w);
        if (rc != 0) {
            sync_stop_join(&w->lock, &w->wake, &w->closing, w->thread);
        }
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the writer thread: %s", strerror(rc));
        store_db_close(w->ckpt_db);
        storage_close(w->db);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->ckpt_lock);
        pthread_cond_destroy(&w->ckpt_wake);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

enum writer_submit_result writer_submit(struct store_writer *w, struct writer_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&w->lock);
    if (w->closing) {
        pthread_mutex_unlock(&w->lock);
        return WRITER_CLOSING;
    }
    /* The caps of the queue; one report always fits an empty queue. */
    if (w->queued >= STORE_QUEUE_REPORTS_MAX ||
        (w->queued > 0 && w->queued_bytes + job->bytes > STORE_QUEUE_BYTES_MAX)) {
        pthread_mutex_unlock(&w->lock);
        return WRITER_FULL;
    }
    if (w->tail != NULL)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    w->queued++;
    w->queued_bytes += job->bytes;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return WRITER_QUEUED;
}

size_t writer_queued(struct store_writer *w)
{
    pthread_mutex_lock(&w->lock);
    size_t n = w->queued;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void writer_stop(struct store_writer *w)
{
    if (w == NULL || w->db == NULL)
        return;
    sync_stop_join(&w->lock, &w->wake, &w->closing, w->thread);
    sync_raise(&w->ckpt_lock, &w->ckpt_wake, &w->ckpt_stop);
    if (!w->shared)
        pthread_join(w->ckpt_thread, NULL);

    store_db_close(w->ckpt_db);
    storage_close(w->db);
    w->ckpt_db = NULL;
    w->db = NULL;
}

void writer_free(struct store_writer *w)
{
    if (w == NULL)
        return;
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->ckpt_lock);
    pthread_cond_destroy(&w->ckpt_wake);
    free(w);
}
