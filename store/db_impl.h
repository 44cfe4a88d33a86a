/*
 * db_impl.h - what the files of the SQLite backend share, and nothing else
 * includes: the connection (struct store_db), the writer's statements, the
 * statement helpers, and the few functions one file of it calls in another.
 *
 *   db.c            connections: open (file modes, pragmas, schema, the
 *                   writer's statements), close, checkpoints, the WAL hook
 *   db_schema.c     the tables, and migrations from older schemas
 *   db_write.c      the writer's batch apply (the ingest path)
 *   db_lifecycle.c  retention, retirement, rebinding, silent hosts
 *
 * Calls go one way (db.c -> db_schema.c, db_write.c; db_lifecycle.c ->
 * db_write.c); the helpers below are inline, so no file calls back.
 */
#ifndef DOCKWARD_STORE_DB_IMPL_H
#define DOCKWARD_STORE_DB_IMPL_H

#include "db.h"

#include "idset.h"
#include "rows.h"
#include "../common/log.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The writer's statements, prepared once at open (their SQL in db.c). */
enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_HOST_FIND,
    S_HOST_INSERT,
    S_HOST_UPDATE,
    S_HOST_RING,
    S_RESULTS_READ,
    S_RESULTS_WRITE,
    S_FAILING_ADD,
    S_FAILING_DELETE,
    S_DRIFT_INSERT,
    S_DRIFT_CHECK,
    S_DRIFT_SET,
    S_CHECK_ADD,
    S_RETENTION_FIND,
    S_RETENTION_DELETE,
    S_RETENTION_TRIM,
    S_RETENTION_UNCHECK,
    S_LAST_EVENT,
    /* identity and lifecycle (schema 3) */
    S_OWNER_SET,
    S_HOST_REVIVE,
    S_RETIRE_FIND,
    S_RETIRE_RESULTS,
    S_RETIRE_HOST,
    S_REBIND,
    S_SILENT,
    S_COUNT
};

extern const char *const store_db_stmt_sql[S_COUNT];

/*
 * A drift row whose events are all to or from absent (a host's first
 * report, a revival, a retirement) and cover at least this many checks is
 * marked with a check set (drift_sets, db_schema.c) instead of a
 * drift_checks entry per check.
 */
#define STORE_DRIFT_SET_MIN_CHECKS 16
/* A row with more checks, or more bytes of check ids, gets drift_checks rows. */
#define STORE_DRIFT_SET_MAX_CHECKS 4096
#define STORE_DRIFT_SET_MAX_BYTES  (64 * 1024)
/*
 * How many check sets the writer keeps, and their check ids' bytes in all
 * (STORE_DRIFT_SETS_MEMORY, store.h); past either, such rows get
 * drift_checks rows.
 */
#define STORE_DRIFT_SETS_MAX 1024

/* One check set: its sorted check ids, each ending with a NUL, in key[0..len). */
struct drift_set {
    uint64_t hash;
    int64_t id;
    char *key;
    size_t len;
};

struct store_db {
    sqlite3 *db;
    enum store_db_role role;
    sqlite3_stmt *stmt[S_COUNT]; /* the writer's, prepared at open */
    struct store_rows rows;      /* the writer's: the host's rows read for one diff (and its
                                    codec packs what the writer writes) */
    struct diff_row *next;       /* the writer's: the host's rows after one report */
    size_t next_cap;
    struct idset ids;           /* the writer's: every host's recent report ids (idset.h) */
    bool ids_ready;             /* ids built from the hosts rows */
    int64_t last_event;         /* the writer's: the last drift event id given */
    struct store_event *events; /* the writer's: one report's events */
    size_t events_cap;
    struct store_events unpacked; /* the writer's: a drift row's events (retention) */
    struct drift_set *sets;       /* the writer's: every check set, ids ascending */
    size_t n_sets, sets_cap;
    size_t sets_bytes;       /* the sets' keys */
    const char **set_checks; /* the writer's: one row's distinct checks, sorted */
    size_t set_checks_cap;
    void (*on_commit)(void *arg, int wal_pages);
    void *on_commit_arg;
    int page_scale; /* the file's page size in STORE_DB_PAGE_SIZE units (4 for an older file) */
};

static inline int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        seterr(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static inline int pragma_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* Steps a statement that returns no row (or ignores rows); resets it. SQLite code. */
static inline int run(sqlite3_stmt *st)
{
    int rc;
    do {
        rc = sqlite3_step(st);
    } while (rc == SQLITE_ROW);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static inline int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static inline void describe(struct store_db *db, int rc, const char *what, char *err, size_t errlen)
{
    seterr(err, errlen, "%s: %s (%s)", what, sqlite3_errstr(rc), sqlite3_errmsg(db->db));
}

/*
 * After a failed step of one of the writer's transactions: err says what
 * and why, and the transaction is rolled back unless SQLite already did.
 */
static inline void abort_tx(struct store_db *db, int rc, const char *what, char *err, size_t errlen)
{
    describe(db, rc, what, err, errlen);
    if (!sqlite3_get_autocommit(db->db))
        run(db->stmt[S_ROLLBACK]);
}

/* db_schema.c: creates or checks (and migrates) the schema. Returns 0, or -1 with err. */
int store_db_setup_schema(sqlite3 *db, char *err, size_t errlen);

/* db_write.c: the writer's remembered report ids and last event id, at open. 0, or -1 with err. */
int store_db_load_ids(struct store_db *s, char *err, size_t errlen);

/* db_write.c: reads host's packed rows into db->rows (none when it has no row). SQLite code. */
int store_db_read_results(struct store_db *db, sqlite3_int64 host);

/*
 * db_write.c: db->events[0..n) as one drift row of `host` with ids
 * last_event + 1 .. + n, and its drift_checks rows or its check set.
 * SQLite code.
 */
int store_db_insert_drift(struct store_db *db, sqlite3_int64 host, size_t n, int64_t at_ms,
                          int64_t received_ms, const unsigned char *report_id);

/*
 * db_write.c: forgets the check sets made after the first `mark` (their
 * rows were rolled back).
 */
void store_db_sets_undo(struct store_db *db, size_t mark);

/* db_write.c: frees the writer's check sets. */
void store_db_sets_free(struct store_db *db);

#endif
