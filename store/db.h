/*
 * db.h - the store's SQLite database: schema, connections, and the
 * writer's one operation, applying a batch of reports in one transaction.
 *
 * Connections are not shared between threads: the writer thread owns the
 * one write connection (store_db_open STORE_DB_WRITER), the checkpointer
 * its own, and every reader (api.c, metrics.c) its own. WAL mode lets
 * readers run beside the writer without blocking it or being blocked.
 *
 * Durability: synchronous=FULL, so a COMMIT returns only after the WAL is
 * on disk; the HTTP 200 for a report goes out after the COMMIT that holds
 * it (writer.c). The checkpointer copies WAL pages into the database from
 * its own connection, so commits stay short; the writer only rewinds the
 * WAL now and then (see store_db_checkpoint). SQLite's own automatic
 * checkpoint is off.
 */
#ifndef DOCKWARD_STORE_DB_H
#define DOCKWARD_STORE_DB_H

#include "diff.h"
#include "report.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 3: hosts.owner, retired_ms; 4: results packed; 5: hosts.n_waived; 6: drift check sets */
#define STORE_DB_SCHEMA_VERSION   6
#define STORE_DB_APPLICATION_ID   0x64776172 /* "dwar" */
#define STORE_DB_BUSY_TIMEOUT_MS  1000       /* a locked database answers 503 after this */
#define STORE_DB_WRITER_CACHE_KIB 32768
#define STORE_DB_READER_CACHE_KIB 8192
/*
 * Pages of a new database. A report dirties a few pages scattered over the
 * file (its host's rows, its hosts row, index entries), and each dirty page
 * is written whole to the WAL at COMMIT: small pages make that small.
 */
#define STORE_DB_PAGE_SIZE 1024
#define STORE_DB_WAL_RESTART_PAGES \
    (64 * 1024 * 1024 / STORE_DB_PAGE_SIZE) /* 64 MiB of WAL: the writer rewinds it (writer.c) */
#define STORE_DB_WAL_LIMIT_BYTES (64 * 1024 * 1024) /* journal_size_limit */

enum store_db_role { STORE_DB_WRITER, STORE_DB_READER, STORE_DB_CHECKPOINTER };

struct store_db;

/*
 * Opens `path` for one role. The writer creates the file and the schema
 * when missing and refuses a database of another application or a newer
 * schema. Returns 0 with *out (close with store_db_close), or -1 with err.
 */
int store_db_open(const char *path, enum store_db_role role, struct store_db **out, char *err,
                  size_t errlen);
void store_db_close(struct store_db *db);

/* The connection, for a reader's own prepared statements. */
sqlite3 *store_db_sqlite(struct store_db *db);

enum store_outcome {
    STORE_OUTCOME_STORED = 0,
    STORE_OUTCOME_DUPLICATE,
    STORE_OUTCOME_STALE,
    STORE_OUTCOME_UNAVAILABLE, /* the database could not write it: 503 */
    STORE_OUTCOME_FORBIDDEN,   /* the host is owned by another credential: 403 */
};

/* An owner's name: a token's NAME, or "cert:" and a client certificate's CN. */
#define STORE_OWNER_MAX 72

/* One report on its way through the writer. */
struct store_job {
    struct store_report *report; /* owned by the submitter */
    int64_t received_ms;         /* store clock: the host's last_seen when stored */
    enum store_outcome outcome;  /* set by store_db_apply */
    struct diff_result diff;     /* for STORED: what changed (figures applied after COMMIT) */
    /*
     * Identity: who reports (NULL: nobody is checked or bound, as in tests
     * and benches). A host with no owner is bound to the first credential
     * whose report is stored; a host owned by another is FORBIDDEN, unless
     * `owner_bound` (the tokens file binds the host to this credential
     * explicitly, hosts=GLOB): then the owner becomes this one.
     */
    const char *owner;
    bool owner_bound;
    char owner_found[STORE_OWNER_MAX + 1]; /* FORBIDDEN: the host's owner */
};

/*
 * Applies `n` reports in one transaction, each inside its own SAVEPOINT so
 * a report that fails is undone alone. Fills every job's outcome. Returns
 * 0 when the transaction committed (jobs STORED, DUPLICATE, STALE, or
 * UNAVAILABLE for one that failed alone), or -1 when nothing committed
 * (every job UNAVAILABLE; err says why: disk full, read-only, locked...).
 */
int store_db_apply(struct store_db *db, struct store_job *const *jobs, size_t n, char *err,
                   size_t errlen);

/*
 * Deletes at most `limit` drift events older than `cutoff_ms`, oldest
 * first, in one short transaction. *deleted gets the count. Returns 0 or -1.
 */
int store_db_retention(struct store_db *db, int64_t cutoff_ms, int limit, int *deleted, char *err,
                       size_t errlen);

/*
 * A checkpoint: PASSIVE (copies what it can, never waits: the checkpointer's
 * kind), or RESTART (the writer's, between transactions: copies the rest,
 * waits up to the busy timeout for readers, and makes the next transaction
 * write the WAL from its start, so the log stops growing). Returns 0, or -1
 * (busy or I/O error).
 */
int store_db_checkpoint(struct store_db *db, bool restart);

/*
 * Called after each writer COMMIT with the WAL's size in pages of
 * STORE_DB_PAGE_SIZE (a database made with larger pages counts each as
 * several), so the WAL thresholds are the same bytes for any file.
 */
void store_db_on_commit(struct store_db *db, void (*fn)(void *arg, int wal_pages), void *arg);

/*
 * For each check that has had failing hosts or regressions: fn(check,
 * failing hosts now, regressions ever). Used once at start-up to seed the
 * per-check figures that the writer then keeps up to date. Returns 0 or -1.
 */
int store_db_load_checks(struct store_db *db,
                         void (*fn)(void *arg, const char *check, uint64_t failing_hosts,
                                    uint64_t regressions, uint64_t waived_hosts),
                         void *arg, char *err, size_t errlen);

/*
 * Retires host `host_id` as of `now_ms`, in one transaction: its current
 * rows are deleted, each with a drift event to absent, plus one event
 * (check STORE_RETIRED_CHECK) saying so; the per-check figures lose it and
 * its owner is forgotten. Its drift history stays (until retention). The
 * host then is out of every host list; a report for it brings it back as
 * new (store_db_apply). *found is false when no active host has that id.
 * `figures` gets the per-check changes (failing_delta -1) and n_events,
 * for store_metrics_apply after this returns. Writer thread. Returns 0, or
 * -1 with err.
 */
#define STORE_RETIRED_CHECK "dockward.store.host_retired"
int store_db_retire(struct store_db *db, const char *host_id, int64_t now_ms,
                    struct diff_result *figures, bool *found, char *err, size_t errlen);

/*
 * Binds active host `host_id` to `owner` (an admin's move). *found as for
 * store_db_retire. Writer thread. Returns 0, or -1 with err.
 */
int store_db_rebind(struct store_db *db, const char *host_id, const char *owner, bool *found,
                    char *err, size_t errlen);

/*
 * Up to `max` ids of active hosts last seen before `cutoff_ms`, into `ids`
 * (each REPORT_HOST_ID_MAX + 1 bytes); *n gets the count. Returns 0 or -1.
 */
int store_db_silent_hosts(struct store_db *db, int64_t cutoff_ms,
                          char (*ids)[REPORT_HOST_ID_MAX + 1], size_t max, size_t *n, char *err,
                          size_t errlen);

/* Bytes of the database file plus its WAL. */
double store_db_size_bytes(const char *path);

#endif
