/*
 * writer.h - the one thread that writes the database, fed by a bounded
 * queue, committing reports in groups.
 *
 * Request threads decode and validate a report, then writer_submit() it;
 * the writer takes everything queued (up to STORE_BATCH_MAX), applies it
 * in one transaction (db.c), COMMITs, updates the per-check figures and
 * counters, and only then calls each job's `done` callback, which answers
 * the waiting HTTP request. Group commit is what makes durable writes
 * cheap: one WAL fsync covers every report that arrived during the last
 * commit, so latency stays near one commit and throughput grows with load.
 *
 * The queue is bounded in reports and in bytes (STORE_QUEUE_*); a full
 * queue is the caller's 429. Between batches the writer also runs drift
 * retention (hourly, in short chunks so ingest never waits long) and
 * retires hosts silent for --host.retire-after (a few per pass).
 *
 * An admin's request (retire or rebind a host) is a job of its own kind in
 * the same queue: the writer runs it in its own short transaction after
 * the batch's reports, applies the per-check figures it changed (a retired
 * host no longer fails anything), then calls `done` like any job.
 *
 * A second thread, the checkpointer, runs WAL checkpoints from its own
 * connection when the writer's commits have grown the WAL, so the writer's
 * commits never include copying pages back into the database file.
 */
#ifndef DOCKWARD_STORE_WRITER_H
#define DOCKWARD_STORE_WRITER_H

#include "db.h"
#include "metrics.h"

#include <stddef.h>
#include <stdint.h>

#define WRITER_RETENTION_EVERY_MS (3600ULL * 1000)
#define WRITER_RETENTION_CHUNK    5000 /* events deleted per short transaction */
#define WRITER_CHECKPOINT_PAGES   4000 /* WAL pages that wake the checkpointer (4 MiB) */
#define WRITER_RETIRE_CHUNK       64   /* silent hosts retired per pass between batches */
/* The threads' names (/proc/<pid>/task/<tid>/comm, top -H): bench/ingest.c finds the writer's
 * CPU time by it. At most 15 bytes. */
#define WRITER_THREAD_NAME      "dw-writer"
#define WRITER_CKPT_THREAD_NAME "dw-checkpoint"

enum writer_job_kind {
    WRITER_JOB_REPORT = 0,
    WRITER_JOB_RETIRE, /* admin: retire host_id */
    WRITER_JOB_REBIND, /* admin: bind host_id to owner */
};

enum writer_admin_result {
    WRITER_ADMIN_DONE = 0,
    WRITER_ADMIN_NOT_FOUND, /* no active host has that id: 404 */
    WRITER_ADMIN_FAILED,    /* the database could not do it: 503 */
};

struct writer_job {
    enum writer_job_kind kind;
    struct store_job job; /* WRITER_JOB_REPORT */
    /* The admin kinds: the host, the new owner (REBIND), and what happened. */
    char host_id[REPORT_HOST_ID_MAX + 1];
    char owner[STORE_OWNER_MAX + 1];
    enum writer_admin_result admin_result;
    size_t bytes; /* counted against STORE_QUEUE_BYTES_MAX */
    /* Called on the writer thread after the COMMIT (or failure) that decided job.outcome. */
    void (*done)(struct writer_job *wj, void *arg);
    void *arg;
    struct writer_job *next; /* queue link, the writer's */
};

struct store_writer;

struct storage_target;

/*
 * Opens the write connection on `target` (storage.h; creating the schema),
 * seeds the per-check figures in `metrics` from the database, and starts
 * the writer thread and, on SQLite, the checkpointer. On PostgreSQL the
 * writer leaves the per-check figures to the refresher, which reads them
 * from the database that every replica writes. Hosts silent for `retire_after_ms` are retired
 * (checked every half of it, at most hourly). Returns 0 with *out, or -1
 * with err.
 */
int writer_start(struct store_writer **out, const struct storage_target *target,
                 uint64_t retention_ms, uint64_t retire_after_ms, struct store_metrics *metrics,
                 char *err, size_t errlen);

enum writer_submit_result {
    WRITER_QUEUED = 0,
    WRITER_FULL = -1,    /* 429 */
    WRITER_CLOSING = -2, /* 503: shutting down */
};

/*
 * Queues a job; its `done` runs later on the writer thread. On anything but
 * WRITER_QUEUED the job was not taken and `done` will not run.
 */
enum writer_submit_result writer_submit(struct store_writer *w, struct writer_job *job);

/* Reports waiting in the queue now (for tests and logs). */
size_t writer_queued(struct store_writer *w);

/*
 * Refuses new jobs (writer_submit answers WRITER_CLOSING from now on), lets
 * the writer finish (and answer) every queued one, joins both threads and
 * closes the connections. The struct stays valid for late submitters until
 * writer_free.
 */
void writer_stop(struct store_writer *w);

/* Frees a stopped writer; nothing may call writer_submit afterwards. */
void writer_free(struct store_writer *w);

#endif
