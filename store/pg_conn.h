/*
 * pg_conn.h - what the files of the PostgreSQL backend share, and nothing
 * else of the store includes (pg.h is the backend's face): libpq helpers
 * and parameters (pg_conn.c), the schema (pg_schema.c), the writer's
 * connection and statements (pg_writer.c) used by the batch apply
 * (pg_apply.c and the files pg_apply.h names). The readers are pg_read.c.
 */
#ifndef DOCKWARD_STORE_PG_CONN_H
#define DOCKWARD_STORE_PG_CONN_H

#include "pg.h"
#include "rows.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PG_PARAMS_MAX 32
/* pg_advisory_xact_lock key of drift id allocation ("dwad"; the schema's is "dwar"). */
#define PG_DRIFT_LOCK_KEY 1685545316 /* 0x64776164 */

/* Parameters of one statement: numbers and text as text, bytea as binary. */
struct pg_params {
    int n;
    const char *val[PG_PARAMS_MAX];
    int len[PG_PARAMS_MAX];
    int fmt[PG_PARAMS_MAX];
    char num[PG_PARAMS_MAX][24];
};

/* A growing text buffer for array literals. */
struct pg_array {
    char *s;
    size_t len, cap;
};

/* libpq's message, on one line. */
void pg_message(PGconn *c, const PGresult *r, char *out, size_t len);
/* A connection to url (password: NULL, or libpq's own); NULL with err. */
PGconn *pg_connect(const char *url, const char *password, char *err, size_t errlen);
/* Prepares sql[0..n) as PREFIX0, PREFIX1...; NULL entries are skipped. 0, or -1 with err. */
int pg_prepare_all(PGconn *c, const char *prefix, const char *const *sql, int n, char *err,
                   size_t errlen);
/* Takes r: 0 when it succeeded, or -1 with err = what and libpq's message. */
int pg_check(PGconn *c, PGresult *r, const char *what, char *err, size_t errlen);
/* Runs one command outside pipeline mode; 0, or -1 with err. */
int pg_exec(PGconn *c, const char *sql, char *err, size_t errlen);

/* A connection and what makes it again (the writer's, a reader's). */
struct pg_link {
    PGconn *conn; /* NULL: none now */
    char *url;
    char *password; /* NULL: libpq's own (PGPASSFILE...); wiped when freed */
};

/* Copies url and password (no connection yet); 0, or -1 on no memory. */
int pg_link_init(struct pg_link *l, const char *url, const char *password);
/* (Re)connects, dropping the connection it had; 0, or -1 with err. */
int pg_link_connect(struct pg_link *l, char *err, size_t errlen);
void pg_link_drop(struct pg_link *l);
void pg_link_close(struct pg_link *l);
/* A binary-format integer of a result (int2, int4 or int8). */
int64_t pg_get_int(const PGresult *r, int row, int col);

void pg_par_int(struct pg_params *p, int64_t v);
void pg_par_text(struct pg_params *p, const char *s);
void pg_par_null(struct pg_params *p);
void pg_par_blob(struct pg_params *p, const void *data, size_t len);
/* Appends n bytes as they are (kept NUL-terminated); 0, or -1 on no memory. */
int pg_array_put(struct pg_array *t, const void *s, size_t n);
/* Array literals ("{...}") built element by element; 0, or -1 on no memory. */
int pg_array_text(struct pg_array *t, const char *s);
int pg_array_int(struct pg_array *t, int64_t v);
int pg_array_null(struct pg_array *t);
/* A report id (REPORT_ID_BYTES) as a uuid element. */
int pg_array_uuid(struct pg_array *t, const unsigned char *id);
int pg_array_end(struct pg_array *t);
/*
 * Ends cols[0..n) and binds each as a text parameter of p, in order, then
 * bytes as a bytea (NULL: none); 0, or -1 on no memory.
 */
int pg_par_arrays(struct pg_params *p, struct pg_array *cols, int n, const struct pg_array *bytes);

/* Creates the schema, or checks and migrates its version, in one transaction. */
int pg_setup_schema(PGconn *c, char *err, size_t errlen);

/* The writer's statements, prepared as "w<id>" (pg_writer.c). */
enum pg_stmt_id {
    W_HOST_LOCK,
    W_RESULTS_READ,
    W_WRITE,
    W_WRITE_MANY,
    W_DRIFT_LOCK,
    W_DRIFT_MANY,
    W_NEW_IDS,
    W_HOST_RING,
    W_IDS_FIND,
    W_HOST_REVIVE,
    W_DRIFT,
    W_FAILING_DEL,
    W_CHECKS,
    W_RETIRE_FIND,
    W_RESULTS_BY_ID,
    W_RETIRE_RESULTS,
    W_RETIRE_HOST,
    W_REBIND,
    W_SILENT,
    W_RETENTION,
    W_RETENTION_CHECKS,
    W_LOAD_CHECKS,
    W_COUNT
};

/* The columns of W_WRITE_MANY ($1..$27; the bytes are $28). */
enum pg_many_col {
    M_ID,
    M_HOSTNAME,
    M_AGENT,
    M_CATALOG,
    M_SEQ,
    M_SEEN,
    M_GENERATED,
    M_PASS,
    M_FAIL,
    M_WARN,
    M_SKIP,
    M_ERROR,
    M_WAIVED,
    M_HOST_ID,
    M_INSERT,
    M_OWNER,
    M_RING_OFF,
    M_RING_LEN,
    M_ROWS_OFF,
    M_ROWS_LEN,
    M_FA_CHECK,
    M_FA_HOST,
    M_FD_CHECK,
    M_FD_HOST,
    M_HAS_RESULTS,
    M_RID,
    M_DROPPED,
    M_COLS
};

/* The columns of W_DRIFT_MANY ($1..$9; the bytes are $10). */
enum pg_drift_col {
    D_HOST,
    D_N,
    D_AT,
    D_SEEN,
    D_RID_OFF,
    D_EV_OFF,
    D_EV_LEN,
    D_DC_ROW,
    D_DC_CHECK,
    D_COLS
};

/* A round's reports being gathered into one W_WRITE_MANY. */
struct pg_many {
    struct pg_array col[M_COLS];
    struct pg_array bytes; /* the byte values, one after another */
    int n;                 /* reports */
};

/* A batch's drift rows being gathered into one W_DRIFT_MANY. */
struct pg_drift {
    struct pg_array col[D_COLS];
    struct pg_array bytes;
    int n; /* drift rows */
};

/* A per-check change summed over a batch. */
struct batch_check {
    char *check_id;
    int64_t failing;
    int64_t regressions;
    int64_t waived;
};

struct store_pg {
    struct pg_link link;
    int64_t next_try_ms; /* reconnect: not before this */
    int64_t retry_ms;    /* the wait after the next failed attempt */
    struct store_rows rows;
    struct diff_row *next;
    size_t next_cap;
    struct store_event *events;
    size_t events_cap;
    struct pg_array arr[4];
    struct batch_check *checks;
    size_t n_checks, cap_checks;
    struct pg_many many;
    struct pg_drift drift;
};
/* A writer statement's SQL text. */
const char *pg_write_text(enum pg_stmt_id id);
/* A usable writer connection: reconnects a lost one (not more often than the backoff allows). */
int pg_writer_ready(struct store_pg *p, char *err, size_t errlen);
PGresult *pg_writer_exec(struct store_pg *p, int id, const struct pg_params *a);
bool pg_ok(const PGresult *r);
/* Fails with libpq's message; drops a broken connection (reconnected next time). */
int pg_writer_fail(struct store_pg *p, PGresult *r, const char *what, char *err, size_t errlen);

#endif
