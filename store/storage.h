/*
 * storage.h - where the store keeps its state, behind one interface with
 * two backends: SQLite (db.c, one file, the embedded default: one store
 * process) and PostgreSQL (pg.c, libpq: several store processes, the
 * replicas, against one database).
 *
 * The ingest rules live above this line, once: the diff (diff.c), the
 * owner, rows-after-diff, drift and retirement rules (rules.c); a backend
 * only reads and stores. Two kinds of connection:
 *
 * - the writer's (struct storage): the writer thread's group transactions
 *   (storage_apply), retention, retirement, rebinding, silent hosts and the
 *   per-check figures. SQLite has one writer per file; on PostgreSQL every
 *   replica has its own, and the database's row locks order them (pg.c).
 * - a reader's (struct storage_reader): the query API's pool (api.c) and
 *   the /metrics refresher (metrics.c) run their prepared SELECTs, written
 *   once in SQLite's "?N" form (pg.c rewrites the numbers to "$N"), inside
 *   one read transaction per answer.
 *
 * A connection belongs to one thread at a time (its owner's); nothing here
 * locks.
 */
#ifndef DOCKWARD_STORE_STORAGE_H
#define DOCKWARD_STORE_STORAGE_H

#include "db.h"

#include "../common/safefile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum storage_kind { STORAGE_SQLITE = 0, STORAGE_POSTGRES };

/* Which database: from --storage.path, or --storage.url and --storage.password-file. */
struct storage_target {
    enum storage_kind kind;
    const char *path;     /* SQLite: the database file */
    const char *url;      /* PostgreSQL: a libpq URI, never holding a password */
    const char *password; /* PostgreSQL: the password file's, or NULL (libpq's PGPASSFILE) */
};

/*
 * Checks a --storage.url: a postgresql:// (or postgres://) URI that holds
 * no password (user:secret@ or password=). Returns 0, or -1 with err (which
 * never repeats the URL: it may hold a secret).
 */
int storage_url_check(const char *url, char *err, size_t errlen);

/*
 * Reads a password file: its first line without the line end. The file
 * must not be readable by other users. Returns 0 with *out (free it), or
 * -1 with err (naming the file, never its content).
 */
int storage_password_read(const char *path, char **out, char *err, size_t errlen);

/* Frees a password (NULL is fine), overwriting it first (common/safefile.h's). */
static inline void storage_secret_free(char *secret)
{
    safefile_secret_free(secret);
}

/* ---- the writer's connection ---- */

struct storage;

/*
 * Opens the writer's connection; creates or migrates the schema. Returns 0
 * with *out (storage_close), or -1 with err.
 */
int storage_open(const struct storage_target *t, struct storage **out, char *err, size_t errlen);
void storage_close(struct storage *s);

/* The backend of an open connection. */
enum storage_kind storage_kind_of(const struct storage *s);

/* SQLite's connection for what only SQLite has (WAL checkpoints); NULL on PostgreSQL. */
struct store_db *storage_sqlite(struct storage *s);

/* As store_db_apply (db.h): one transaction, one SAVEPOINT per report. */
int storage_apply(struct storage *s, struct store_job *const *jobs, size_t n, char *err,
                  size_t errlen);
/* As store_db_retention. */
int storage_retention(struct storage *s, int64_t cutoff_ms, int limit, int *deleted, char *err,
                      size_t errlen);
/* As store_db_retire. */
int storage_retire(struct storage *s, const char *host_id, int64_t now_ms,
                   struct diff_result *figures, bool *found, char *err, size_t errlen);
/* As store_db_rebind. */
int storage_rebind(struct storage *s, const char *host_id, const char *owner, bool *found,
                   char *err, size_t errlen);
/* As store_db_silent_hosts. */
int storage_silent_hosts(struct storage *s, int64_t cutoff_ms, char (*ids)[REPORT_HOST_ID_MAX + 1],
                         size_t max, size_t *n, char *err, size_t errlen);
/* As store_db_load_checks. */
int storage_load_checks(struct storage *s,
                        void (*fn)(void *arg, const char *check, uint64_t failing_hosts,
                                   uint64_t regressions, uint64_t waived_hosts),
                        void *arg, char *err, size_t errlen);

/* ---- a reader's connection ---- */

struct storage_reader;
struct storage_stmt;

#define STORAGE_ROW   100 /* storage_step: a row is there */
#define STORAGE_DONE  101 /* storage_step: no more rows */
#define STORAGE_ERROR (-1)

/*
 * Opens a read connection with `n` statements prepared from `sql` (SQLite
 * syntax, "?N" parameters; the query API and the refresher keep to what
 * both databases read alike). Returns 0 with *out, or -1 with err.
 */
int storage_reader_open(const struct storage_target *t, const char *const *sql, int n,
                        struct storage_reader **out, char *err, size_t errlen);
void storage_reader_close(struct storage_reader *r);

/*
 * Starts one read transaction (every statement until storage_read_end sees
 * the same state). On PostgreSQL a lost connection is re-opened here
 * first. Returns 0, or -1 (storage_errmsg says why).
 */
int storage_read_begin(struct storage_reader *r);
void storage_read_end(struct storage_reader *r);

/* Statement i of the reader (as given to storage_reader_open). */
struct storage_stmt *storage_stmt(struct storage_reader *r, int i);

void storage_bind_int(struct storage_stmt *st, int i, int64_t v);
/* Binds a string by reference: it must stay valid until storage_reset. */
void storage_bind_text(struct storage_stmt *st, int i, const char *s);
/* STORAGE_ROW, STORAGE_DONE or STORAGE_ERROR; the first call runs the statement. */
int storage_step(struct storage_stmt *st);
int64_t storage_int(struct storage_stmt *st, int col);
/* The column's text ("" for NULL), valid until the next step or reset. */
const char *storage_text(struct storage_stmt *st, int col);
const void *storage_blob(struct storage_stmt *st, int col);
size_t storage_bytes(struct storage_stmt *st, int col);
bool storage_is_null(struct storage_stmt *st, int col);
/* Ends a run of the statement: its rows and bindings are forgotten. */
void storage_reset(struct storage_stmt *st);

/* The last error of the reader's connection (never holds a password). */
const char *storage_errmsg(struct storage_reader *r);

#endif
