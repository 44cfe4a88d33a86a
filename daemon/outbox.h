/*
 * outbox.h - the agent's durable queue of reports waiting for the store.
 *
 * Every report is written here before it is sent and deleted only after the
 * store answered 2xx (or dropped when the store refused it for good, or when
 * the queue is over its cap), so reports survive a store outage and an agent
 * restart. It is one SQLite file, <--storage.path>/outbox.db (directory
 * created 0700, file 0600), in WAL mode, guarded by an exclusive flock on
 * <dir>/outbox.lock so that two agents never share one outbox:
 *
 *   reports(id INTEGER PRIMARY KEY, report_id BLOB, sequence INTEGER,
 *           body BLOB, created_ms INTEGER, attempts INTEGER,
 *           next_attempt_ms INTEGER)      -- id order = age order
 *   meta(key TEXT PRIMARY KEY, value INTEGER)
 *                                          -- "sequence/<host id>": last
 *                                             sequence allocated for the host
 *
 * An enqueue is one transaction with synchronous=FULL: it allocates the next
 * sequence of the host, has the caller build the report with it, inserts the
 * report, stores the new sequence and drops the oldest reports beyond the
 * cap, so a crash can never hand out a sequence twice or lose a queued
 * report. Deletes and attempt notes use synchronous=NORMAL: a delete lost to
 * a power cut only resends a report the store then recognises by its id.
 *
 * Ownership and threads: the agent owns the outbox; the scheduler thread
 * enqueues, the push thread peeks, deletes and drops, the snapshot reads the
 * figures. One mutex (inside) serialises every call and guards the one
 * SQLite connection and the counters; no call holds it across network I/O.
 *
 * Failure: a directory that cannot be created, an unwritable or corrupt
 * file: every call returns -1 with a one-line reason naming the file and
 * counts it in outbox_stats.errors; the next call tries to open again, so
 * the agent keeps serving metrics and recovers once the file is fixed.
 */
#ifndef DOCKWARD_OUTBOX_H
#define DOCKWARD_OUTBOX_H

#include "report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OUTBOX_FILE_NAME           "outbox.db"
#define OUTBOX_DEFAULT_MAX_REPORTS 10000
#define OUTBOX_MAX_REPORTS_LIMIT   1000000
#define OUTBOX_BUSY_TIMEOUT_MS     5000 /* another connection holding the lock */
#define OUTBOX_PATH_MAX            4096

/* Why a queued report left without being delivered (dockward_outbox_dropped_total{reason}). */
enum outbox_drop_reason {
    OUTBOX_DROP_OVERFLOW = 0, /* the oldest, when the queue was at its cap */
    OUTBOX_DROP_REJECTED,     /* the store answered a 4xx it will never take back */
};
#define OUTBOX_DROP_COUNT 2

/* "overflow", "rejected". */
const char *outbox_drop_reason_name(enum outbox_drop_reason reason);
/* The reasons' names, in the enum's order. */
extern const char *const outbox_drop_reason_names[OUTBOX_DROP_COUNT];

/* One queued report, as outbox_peek_oldest returns it. */
struct outbox_item {
    int64_t id; /* the row id: pass it to outbox_delete / outbox_drop */
    uint8_t report_id[REPORT_ID_LEN];
    uint64_t sequence;
    uint8_t *body; /* the serialised Report; malloc'd, freed by outbox_item_free */
    size_t len;
    int64_t created_ms; /* wall clock, ms since the epoch */
    uint64_t attempts;  /* sends that ended in "retry" so far */
};

void outbox_item_free(struct outbox_item *item);

/* Figures for the metrics, as of the call. */
struct outbox_stats {
    bool open;
    uint64_t reports; /* queued now */
    uint64_t dropped[OUTBOX_DROP_COUNT];
    uint64_t errors;        /* failed opens and failed operations since start */
    uint64_t last_sequence; /* the last sequence allocated by this process or found at open */
};

/*
 * Builds the report for `sequence`, called by outbox_enqueue inside its
 * transaction. Returns 0 with *body (malloc'd; the outbox frees it) and
 * *len, and fills report_id; or -1 with err (the enqueue is rolled back).
 */
typedef int (*outbox_build_fn)(void *ctx, uint64_t sequence, uint8_t report_id[REPORT_ID_LEN],
                               uint8_t **body, size_t *len, char *err, size_t errlen);

struct outbox;

/*
 * A closed outbox for <dir>/outbox.db holding at most `max_reports`
 * (1..OUTBOX_MAX_REPORTS_LIMIT). No I/O. Returns NULL with err only for a
 * path too long or no memory. Free with outbox_close.
 */
struct outbox *outbox_new(const char *dir, uint64_t max_reports, char *err, size_t errlen);

/*
 * The sequence a host's first report gets when the outbox holds none for it.
 * Default 0: the current time in milliseconds, so an agent whose storage was
 * wiped still sorts after what it sent before. Tests set 1.
 */
void outbox_set_first_sequence(struct outbox *ob, uint64_t first);

/*
 * Opens the database when it is not open: creates the directory (0700, with
 * missing parents) and the file (0600), sets WAL, synchronous, busy timeout,
 * creates the tables and reads the queue length. Every other call does this
 * first, so calling it is optional. Returns 0, or -1 with err (counted).
 */
int outbox_open(struct outbox *ob, char *err, size_t errlen);

/* Closes the database (if open) and frees the outbox. NULL is a no-op. */
void outbox_close(struct outbox *ob);

/* The database file's path. */
const char *outbox_path(const struct outbox *ob);

/*
 * Gives the storage directory and the outbox's files (outbox.db, its -wal
 * and -shm, outbox.lock) to uid:gid, for an agent about to drop root
 * (--run-as-user). The directory itself is handed over, not only the files,
 * because SQLite creates and removes -wal and -shm beside the database (at
 * the last close, and on the reopen after an error), which needs write
 * access to the directory: descriptors opened as root would not survive
 * that reopen. Creates the directory if needed; refuses a shared one
 * (world-writable or sticky, e.g. /tmp). Links are never followed. Returns
 * 0, or -1 with err naming the path.
 */
int outbox_give_to(struct outbox *ob, uid_t uid, gid_t gid, char *err, size_t errlen);

/*
 * Queues one report of host `host_id`: in one transaction, allocates the
 * host's next sequence, calls `build` with it, inserts the body, stores the
 * sequence, and when the queue then holds more than the cap drops the
 * oldest (counted as overflow). Returns 0 with *sequence_out (may be NULL),
 * or -1 with err; a build failure rolls back and is not counted here.
 */
int outbox_enqueue(struct outbox *ob, const char *host_id, outbox_build_fn build, void *ctx,
                   uint64_t *sequence_out, char *err, size_t errlen);

/*
 * The oldest queued report. Returns 1 with *item filled (free it with
 * outbox_item_free), 0 when the queue is empty, or -1 with err.
 */
int outbox_peek_oldest(struct outbox *ob, struct outbox_item *item, char *err, size_t errlen);

/* Deletes a delivered report. A row already gone is not an error. Returns 0 or -1. */
int outbox_delete(struct outbox *ob, int64_t id, char *err, size_t errlen);

/* Deletes an undeliverable report and counts it under `reason`. Returns 0 or -1. */
int outbox_drop(struct outbox *ob, int64_t id, enum outbox_drop_reason reason, char *err,
                size_t errlen);

/* Notes a failed attempt (attempts + 1, next_attempt_ms). Returns 0 or -1. */
int outbox_note_attempt(struct outbox *ob, int64_t id, int64_t next_attempt_ms, char *err,
                        size_t errlen);

/* Counts the queued reports with a query. Returns 0 with *count, or -1 with err. */
int outbox_count(struct outbox *ob, uint64_t *count, char *err, size_t errlen);

/* The figures for the metrics (no I/O; the queue length is tracked in memory). */
void outbox_stats_read(struct outbox *ob, struct outbox_stats *out);

#endif
