/*
 * pg.h - the PostgreSQL backend of storage.h (libpq): the writer's
 * connection and readers' connections. Only storage.c calls these; see
 * pg.c for the schema, the locking and the round trips of one report.
 */
#ifndef DOCKWARD_STORE_PG_H
#define DOCKWARD_STORE_PG_H

#include "db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_PG_SCHEMA_VERSION 3
/* Drift event ids: each drift row takes a block of this many from one sequence (pg.c). */
#define STORE_PG_DRIFT_ID_BLOCK 1048576
/* Reconnecting after a lost connection: waits between attempts, doubling. */
#define STORE_PG_RETRY_MIN_MS      100
#define STORE_PG_RETRY_MAX_MS      5000
#define STORE_PG_CONNECT_TIMEOUT_S "5"
/* The longest wait for the drift id lock (another replica's COMMIT), in ms (pg_writer.c). */
#define STORE_PG_DRIFT_LOCK_TIMEOUT_MS 10000

struct store_pg;

int store_pg_open(const char *url, const char *password, struct store_pg **out, char *err,
                  size_t errlen);
void store_pg_close(struct store_pg *p);
int store_pg_apply(struct store_pg *p, struct store_job *const *jobs, size_t n, char *err,
                   size_t errlen);
int store_pg_retention(struct store_pg *p, int64_t cutoff_ms, int limit, int *deleted, char *err,
                       size_t errlen);
int store_pg_retire(struct store_pg *p, const char *host_id, int64_t now_ms,
                    struct diff_result *figures, bool *found, char *err, size_t errlen);
int store_pg_rebind(struct store_pg *p, const char *host_id, const char *owner, bool *found,
                    char *err, size_t errlen);
int store_pg_silent_hosts(struct store_pg *p, int64_t cutoff_ms,
                          char (*ids)[REPORT_HOST_ID_MAX + 1], size_t max, size_t *n, char *err,
                          size_t errlen);
int store_pg_load_checks(struct store_pg *p,
                         void (*fn)(void *arg, const char *check, uint64_t failing_hosts,
                                    uint64_t regressions, uint64_t waived_hosts),
                         void *arg, char *err, size_t errlen);

/* A reader: its own connection and prepared statements. */
struct pg_reader;
struct pg_stmt;

int pg_reader_open(const char *url, const char *password, const char *const *sql, int n,
                   struct pg_reader **out, char *err, size_t errlen);
void pg_reader_close(struct pg_reader *r);
int pg_read_begin(struct pg_reader *r);
void pg_read_end(struct pg_reader *r);
struct pg_stmt *pg_reader_stmt(struct pg_reader *r, int i);
const char *pg_reader_errmsg(struct pg_reader *r);

void pg_bind_int(struct pg_stmt *st, int i, int64_t v);
void pg_bind_text(struct pg_stmt *st, int i, const char *s);
int pg_step(struct pg_stmt *st); /* STORAGE_ROW, STORAGE_DONE, STORAGE_ERROR */
int64_t pg_int(struct pg_stmt *st, int col);
const char *pg_text(struct pg_stmt *st, int col);
const void *pg_blob(struct pg_stmt *st, int col);
size_t pg_bytes(struct pg_stmt *st, int col);
bool pg_is_null(struct pg_stmt *st, int col);
void pg_reset(struct pg_stmt *st);

#endif
