/*
 * pg.c - the PostgreSQL backend (libpq); see pg.h and storage.h.
 *
 * The schema is db.c's, in PostgreSQL's types: hosts (one row per host,
 * with its last STORE_RECENT_IDS report ids), results (a host's current
 * rows packed and deflated by rows.c, as bytea), failing (check, host),
 * drift (one row per report that changed anything, its events packed),
 * drift_checks, and checks (per check, hosts failing it and regressions
 * counted). Text keys are COLLATE "C" so the API's pages ("after" a host
 * id) are in byte order, as on SQLite. dockward_schema holds the version;
 * the writer creates or checks it at start inside one transaction, under
 * an advisory lock so replicas starting together do it once.
 *
 * Several replicas, one database. Each replica's writer applies its batch
 * in one transaction, one SAVEPOINT per report, in READ COMMITTED:
 * - a report first locks its host's row (SELECT ... FOR UPDATE), then
 *   reads the host's results in a second statement, whose snapshot is
 *   taken once the lock is held: a replica storing a report of the same
 *   host waits for the other's COMMIT and then diffs against what that
 *   one stored, so drift chains stay whole (no event is lost or told
 *   twice). Row locks rather than SERIALIZABLE: a conflict waits instead of
 *   failing, so no report is answered 503 for losing a race.
 * - a new host's row is inserted with ON CONFLICT DO NOTHING, then locked:
 *   two replicas creating it together end on one row.
 * - a report id is a duplicate when its host's row, read under that lock,
 *   holds it (the last STORE_RECENT_IDS ids, as on SQLite): the database,
 *   not a replica's memory, decides, and ids of other replicas count.
 * - the batch's jobs are taken in host-id order (stable), and the per-check
 *   figures of the whole batch are added last, in check-id order, so two
 *   replicas' transactions lock rows in one order and cannot deadlock.
 * - drift event ids come from one sequence, a block of
 *   STORE_PG_DRIFT_ID_BLOCK per drift row: unique and increasing across
 *   replicas (not gap-free).
 *
 * Round trips: one report is two, each a pipeline (libpq pipeline mode):
 * [SAVEPOINT, lock the host row, read its results], then [its writes,
 * RELEASE]; the batch ends with [per-check figures, COMMIT]. Statements
 * are prepared once per connection; values are bound, never spliced.
 * A 200 leaves only after the COMMIT returned (writer.c), with
 * synchronous_commit as the server has it (on by default).
 *
 * A lost connection fails the batch (every report 503, Retry-After); the
 * next batch reconnects, waiting STORE_PG_RETRY_MIN_MS doubling to
 * STORE_PG_RETRY_MAX_MS between attempts, and fails fast in between.
 */
#include "pg.h"

#include "rows.h"
#include "rules.h"
#include "storage.h"
#include "store.h"
#include "../common/log.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(2 * STORE_RESULTS_MAX < STORE_PG_DRIFT_ID_BLOCK,
               "a drift row's events fit the id block it takes");

#define PG_ADVISORY_KEY 0x64776172 /* "dwar", as SQLite's application_id */
#define PG_PARAMS_MAX   32

/* libpq's message, on one line. */
static void pg_message(PGconn *c, const PGresult *r, char *out, size_t len)
{
    const char *m = r != NULL ? PQresultErrorMessage(r) : "";
    if (m == NULL || *m == '\0')
        m = PQerrorMessage(c);
    snprintf(out, len, "%s", m && *m ? m : "unknown error");
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
}

static const char schema_sql[] =
    "CREATE TABLE hosts ("
    " id bigserial PRIMARY KEY,"
    " host_id text COLLATE \"C\" NOT NULL UNIQUE,"
    " hostname text NOT NULL,"
    " agent_version text NOT NULL,"
    " catalog_version text NOT NULL,"
    " last_seq bigint NOT NULL,"
    " last_seen_ms bigint NOT NULL,"
    " generated_ms bigint NOT NULL,"
    " first_seen_ms bigint NOT NULL,"
    " n_pass bigint NOT NULL, n_fail bigint NOT NULL, n_warn bigint NOT NULL,"
    " n_skip bigint NOT NULL, n_error bigint NOT NULL, n_waived bigint NOT NULL,"
    " recent_ids bytea NOT NULL,"
    " owner text,"
    " retired_ms bigint NOT NULL DEFAULT 0) WITH (fillfactor = 80);"
    /* A host's packed rows (~2.4 KB, deflated already): kept in the row, never TOASTed. */
    "CREATE TABLE results (host bigint PRIMARY KEY, data bytea NOT NULL)"
    " WITH (fillfactor = 80, toast_tuple_target = 8160);"
    "ALTER TABLE results ALTER COLUMN data SET STORAGE MAIN;"
    "CREATE TABLE failing (check_id text COLLATE \"C\" NOT NULL, host bigint NOT NULL,"
    " PRIMARY KEY (check_id, host));"
    "CREATE TABLE drift ("
    " id bigint PRIMARY KEY,"
    " host bigint NOT NULL,"
    " n bigint NOT NULL,"
    " at_ms bigint NOT NULL,"
    " received_ms bigint NOT NULL,"
    " report_id bytea NOT NULL,"
    " events bytea NOT NULL);"
    "CREATE INDEX drift_received ON drift (received_ms);"
    "CREATE INDEX drift_host_id ON drift (host, id);"
    "CREATE TABLE drift_checks (check_id text COLLATE \"C\" NOT NULL, id bigint NOT NULL,"
    " PRIMARY KEY (check_id, id));"
    "CREATE SEQUENCE drift_ids INCREMENT BY 1048576;"
    "CREATE TABLE checks (check_id text COLLATE \"C\" PRIMARY KEY,"
    " failing_hosts bigint NOT NULL, regressions bigint NOT NULL,"
    " waived_hosts bigint NOT NULL DEFAULT 0);";

enum pg_stmt_id {
    W_HOST_LOCK,
    W_RESULTS_READ,
    W_WRITE,
    W_NEW_IDS,
    W_HOST_RING,
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

static const char *const pg_sql[W_COUNT] = {
    [W_HOST_LOCK] = "SELECT id, last_seq, recent_ids, owner, retired_ms FROM hosts "
                    "WHERE host_id = $1 FOR UPDATE",
    /* A statement of its own: its snapshot is taken after the lock above is held. */
    [W_RESULTS_READ] = "SELECT data FROM results WHERE host = "
                       "(SELECT id FROM hosts WHERE host_id = $1)",
    /*
     * Everything a stored report writes, in one statement: the host's row
     * (updated, or inserted with an id taken beforehand: $15), its results
     * ($16, NULL: unchanged), its drift row and drift_checks ($17 events),
     * the checks it starts ($22) and stops ($23) failing, its owner ($24,
     * NULL: unchanged).
     */
    [W_WRITE] =
        "WITH upd AS (UPDATE hosts SET hostname = $2, agent_version = $3, catalog_version = $4, "
        "last_seq = $5, last_seen_ms = $6, generated_ms = $7, n_pass = $8, n_fail = $9, "
        "n_warn = $10, n_skip = $11, n_error = $12, n_waived = $25, recent_ids = $13, "
        "owner = coalesce($24, owner) WHERE id = $1 AND NOT $15::boolean), "
        "ins AS (INSERT INTO hosts (id, host_id, hostname, agent_version, catalog_version, "
        "last_seq, last_seen_ms, generated_ms, first_seen_ms, n_pass, n_fail, n_warn, n_skip, "
        "n_error, n_waived, recent_ids, owner) SELECT $1, $14, $2, $3, $4, $5, $6, $7, $6, $8, $9, "
        "$10, $11, $12, $25, $13, $24::text WHERE $15::boolean), "
        "res AS (INSERT INTO results (host, data) SELECT $1, $16::bytea WHERE $16::bytea IS NOT "
        "NULL ON CONFLICT (host) DO UPDATE SET data = excluded.data), "
        "d AS (INSERT INTO drift (id, host, n, at_ms, received_ms, report_id, events) "
        "SELECT nextval('drift_ids') + $17::bigint - 1, $1, $17, $18, $6, $19, $20 "
        "WHERE $17::bigint > 0 RETURNING id), "
        "dc AS (INSERT INTO drift_checks (check_id, id) SELECT c, d.id FROM d, "
        "unnest($21::text[]) AS c), "
        "fa AS (INSERT INTO failing (check_id, host) SELECT unnest($22::text[]), $1 "
        "ON CONFLICT DO NOTHING) "
        "DELETE FROM failing WHERE host = $1 AND check_id = ANY ($23::text[])",
    [W_NEW_IDS] = "SELECT nextval('hosts_id_seq') FROM generate_series(1, $1::int)",
    [W_HOST_RING] = "UPDATE hosts SET recent_ids = $2 WHERE id = $1",
    [W_HOST_REVIVE] = "UPDATE hosts SET retired_ms = 0, owner = NULL, last_seq = 0, "
                      "first_seen_ms = $2 WHERE id = $1",
    /* The row and its drift_checks in one statement: ids from a block of the sequence. */
    [W_DRIFT] = "WITH d AS (INSERT INTO drift (id, host, n, at_ms, received_ms, report_id, events) "
                "VALUES (nextval('drift_ids') + $2 - 1, $1, $2, $3, $4, $5, $6) RETURNING id) "
                "INSERT INTO drift_checks (check_id, id) "
                "SELECT DISTINCT c, d.id FROM d, unnest($7::text[]) AS c",
    [W_FAILING_DEL] = "DELETE FROM failing WHERE host = $2 AND check_id = ANY ($1::text[])",
    [W_CHECKS] = "INSERT INTO checks (check_id, failing_hosts, regressions, waived_hosts) "
                 "SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) "
                 "ON CONFLICT (check_id) DO UPDATE SET "
                 "failing_hosts = checks.failing_hosts + excluded.failing_hosts, "
                 "regressions = checks.regressions + excluded.regressions, "
                 "waived_hosts = checks.waived_hosts + excluded.waived_hosts",
    [W_RETIRE_FIND] = "SELECT id FROM hosts WHERE host_id = $1 AND retired_ms = 0 FOR UPDATE",
    [W_RESULTS_BY_ID] = "SELECT data FROM results WHERE host = $1",
    [W_RETIRE_RESULTS] = "DELETE FROM results WHERE host = $1",
    [W_RETIRE_HOST] = "UPDATE hosts SET retired_ms = $2, owner = NULL, n_pass = 0, n_fail = 0, "
                      "n_warn = 0, n_skip = 0, n_error = 0, n_waived = 0 WHERE id = $1",
    [W_REBIND] = "UPDATE hosts SET owner = $2 WHERE host_id = $1 AND retired_ms = 0",
    [W_SILENT] = "SELECT host_id FROM hosts WHERE retired_ms = 0 AND last_seen_ms < $1 LIMIT $2",
    /* Whole drift rows, oldest first (a row's events go together); their checks are read in C. */
    [W_RETENTION] = "DELETE FROM drift WHERE id IN (SELECT id FROM drift WHERE received_ms < $1 "
                    "ORDER BY received_ms, id LIMIT $2) RETURNING id, n, events",
    /* Their drift_checks rows, by the primary key: ($1[i], $2[i]) pairs. */
    [W_RETENTION_CHECKS] = "DELETE FROM drift_checks WHERE (check_id, id) IN "
                           "(SELECT * FROM unnest($1::text[], $2::bigint[]))",
    [W_LOAD_CHECKS] = "SELECT check_id, failing_hosts, regressions, waived_hosts FROM checks",
};

/* Parameters of one statement: numbers and text as text, bytea as binary. */
struct pg_params {
    int n;
    const char *val[PG_PARAMS_MAX];
    int len[PG_PARAMS_MAX];
    int fmt[PG_PARAMS_MAX];
    char num[PG_PARAMS_MAX][24];
};

static void par_int(struct pg_params *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)v);
    p->val[p->n] = p->num[p->n];
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void par_text(struct pg_params *p, const char *s)
{
    p->val[p->n] = s;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void par_null(struct pg_params *p)
{
    p->val[p->n] = NULL;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void par_blob(struct pg_params *p, const void *data, size_t len)
{
    p->val[p->n] = len > 0 ? data : "";
    p->len[p->n] = (int)len;
    p->fmt[p->n] = 1;
    p->n++;
}

/* A growing text buffer for array literals. */
struct pg_text {
    char *s;
    size_t len, cap;
};

static int text_put(struct pg_text *t, const char *s, size_t n)
{
    if (t->cap - t->len < n + 1) {
        size_t ncap = t->cap ? t->cap : 256;
        while (ncap - t->len < n + 1)
            ncap *= 2;
        char *p = realloc(t->s, ncap);
        if (p == NULL)
            return -1;
        t->s = p;
        t->cap = ncap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
    return 0;
}

/* Starts "{", or adds ",": an array literal being built. */
static int array_sep(struct pg_text *t)
{
    return t->len == 0 ? text_put(t, "{", 1) : text_put(t, ",", 1);
}

static int array_add_text(struct pg_text *t, const char *s)
{
    if (array_sep(t) != 0 || text_put(t, "\"", 1) != 0)
        return -1;
    for (const char *p = s; *p; p++) {
        if ((*p == '"' || *p == '\\') && text_put(t, "\\", 1) != 0)
            return -1;
        if (text_put(t, p, 1) != 0)
            return -1;
    }
    return text_put(t, "\"", 1);
}

static int array_add_int(struct pg_text *t, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    return array_sep(t) != 0 ? -1 : text_put(t, num, (size_t)n);
}

static int array_end(struct pg_text *t)
{
    return t->len == 0 ? text_put(t, "{}", 2) : text_put(t, "}", 1);
}

/* A per-check change summed over a batch. */
struct batch_check {
    char *check_id;
    int64_t failing;
    int64_t regressions;
    int64_t waived;
};

struct store_pg {
    PGconn *conn;
    char *url;
    char *password;
    int64_t next_try_ms; /* reconnect: not before this */
    int64_t retry_ms;    /* the wait after the next failed attempt */
    struct store_rows rows;
    struct diff_row *next;
    size_t next_cap;
    struct store_event *events;
    size_t events_cap;
    struct pg_text arr[4];
    struct batch_check *checks;
    size_t n_checks, cap_checks;
};

/* ---- connections ---- */

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_to(const char *url, const char *password, char *err, size_t errlen)
{
    /* The URL's own settings win over connect_timeout (it comes first); the password last. */
    const char *keys[5];
    const char *vals[5];
    int k = 0;
    keys[k] = "connect_timeout";
    vals[k++] = STORE_PG_CONNECT_TIMEOUT_S;
    keys[k] = "dbname";
    vals[k++] = url;
    keys[k] = "fallback_application_name";
    vals[k++] = "dockward-store";
    if (password != NULL) {
        keys[k] = "password";
        vals[k++] = password;
    }
    keys[k] = NULL;
    vals[k] = NULL;
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL) {
        seterr(err, errlen, "PostgreSQL: out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        char m[512];
        pg_message(c, NULL, m, sizeof(m));
        seterr(err, errlen, "cannot connect to PostgreSQL: %s", m);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet_notice, NULL); /* NOTICEs (IF NOT EXISTS...) are not news */
    return c;
}

static int prepare_all(PGconn *c, const char *prefix, const char *const *sql, int n, char *err,
                       size_t errlen)
{
    for (int i = 0; i < n; i++) {
        if (sql[i] == NULL)
            continue;
        char name[32];
        snprintf(name, sizeof(name), "%s%d", prefix, i);
        PGresult *r = PQprepare(c, name, sql[i], 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            char m[512];
            pg_message(c, r, m, sizeof(m));
            seterr(err, errlen, "PostgreSQL: preparing a statement: %s", m);
            PQclear(r);
            return -1;
        }
        PQclear(r);
    }
    return 0;
}

/* Runs one command outside pipeline mode; 0, or -1 with err. */
static int exec_cmd(PGconn *c, const char *sql, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char m[512];
        pg_message(c, r, m, sizeof(m));
        seterr(err, errlen, "%s", m);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

/* Creates the schema, or checks its version, in one transaction. */
static int setup_schema(PGconn *c, char *err, size_t errlen)
{
    char sub[512], sql[160];
    if (exec_cmd(c, "BEGIN", sub, sizeof(sub)) != 0)
        goto fail;
    snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%d)", PG_ADVISORY_KEY);
    if (exec_cmd(c, sql, sub, sizeof(sub)) != 0 ||
        exec_cmd(c,
                 "CREATE TABLE IF NOT EXISTS dockward_schema (one integer PRIMARY KEY "
                 "CHECK (one = 1), version integer NOT NULL)",
                 sub, sizeof(sub)) != 0)
        goto fail;
    PGresult *r = PQexec(c, "SELECT version FROM dockward_schema");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        pg_message(c, r, sub, sizeof(sub));
        PQclear(r);
        goto fail;
    }
    long version = PQntuples(r) > 0 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    if (version > STORE_PG_SCHEMA_VERSION) {
        exec_cmd(c, "ROLLBACK", sub, sizeof(sub));
        seterr(err, errlen,
               "the database has schema version %ld, newer than this dockward-store knows (%d)",
               version, STORE_PG_SCHEMA_VERSION);
        return -1;
    }
    if (version == 0) {
        snprintf(sql, sizeof(sql), "INSERT INTO dockward_schema (one, version) VALUES (1, %d)",
                 STORE_PG_SCHEMA_VERSION);
        if (exec_cmd(c, schema_sql, sub, sizeof(sub)) != 0 ||
            exec_cmd(c, sql, sub, sizeof(sub)) != 0)
            goto fail;
    }
    /* Version 1 -> 2: drift_checks loses its index on id (retention deletes by the key). */
    if (version == 1 && (exec_cmd(c, "DROP INDEX IF EXISTS drift_checks_id", sub, sizeof(sub)) != 0 ||
                         exec_cmd(c, "UPDATE dockward_schema SET version = 2", sub, sizeof(sub)) != 0))
        goto fail;
    /* Later versions migrate here, step by step, in this transaction. */
    if (exec_cmd(c, "COMMIT", sub, sizeof(sub)) != 0)
        goto fail;
    return 0;
fail:
    exec_cmd(c, "ROLLBACK", NULL, 0);
    seterr(err, errlen, "PostgreSQL schema: %s", sub);
    return -1;
}

static int64_t now_ms(void)
{
    return store_now_ms();
}

/* The writer's connection, (re)made; 0, or -1 with err. */
static int writer_connect(struct store_pg *p, char *err, size_t errlen)
{
    PGconn *c = connect_to(p->url, p->password, err, errlen);
    if (c == NULL)
        return -1;
    /*
     * A row or table another session holds longer than SQLite's busy timeout
     * fails the report (503, Retry-After; the agent sends it again) instead of
     * holding the whole batch: the same bound as STORE_DB_BUSY_TIMEOUT_MS.
     */
    char sql[64];
    snprintf(sql, sizeof(sql), "SET lock_timeout = %d", STORE_DB_BUSY_TIMEOUT_MS);
    if (exec_cmd(c, sql, err, errlen) != 0 || setup_schema(c, err, errlen) != 0 ||
        prepare_all(c, "w", pg_sql, W_COUNT, err, errlen) != 0) {
        PQfinish(c);
        return -1;
    }
    p->conn = c;
    return 0;
}

/* A usable connection: reconnects a lost one (not more often than the backoff allows). */
static int writer_ready(struct store_pg *p, char *err, size_t errlen)
{
    if (p->conn != NULL && PQstatus(p->conn) == CONNECTION_OK &&
        PQpipelineStatus(p->conn) == PQ_PIPELINE_OFF &&
        PQtransactionStatus(p->conn) == PQTRANS_IDLE)
        return 0;
    if (p->conn != NULL) {
        PQfinish(p->conn);
        p->conn = NULL;
    }
    int64_t now = now_ms();
    if (now < p->next_try_ms) {
        seterr(err, errlen, "PostgreSQL connection lost; reconnecting in %lld ms",
               (long long)(p->next_try_ms - now));
        return -1;
    }
    if (writer_connect(p, err, errlen) != 0) {
        p->next_try_ms = now + p->retry_ms;
        p->retry_ms =
            p->retry_ms * 2 > STORE_PG_RETRY_MAX_MS ? STORE_PG_RETRY_MAX_MS : p->retry_ms * 2;
        return -1;
    }
    p->retry_ms = STORE_PG_RETRY_MIN_MS;
    p->next_try_ms = 0;
    return 0;
}

int store_pg_open(const char *url, const char *password, struct store_pg **out, char *err,
                  size_t errlen)
{
    *out = NULL;
    struct store_pg *p = calloc(1, sizeof(*p));
    if (p == NULL || (p->url = strdup(url)) == NULL ||
        (password != NULL && (p->password = strdup(password)) == NULL)) {
        if (p != NULL)
            free(p->url);
        free(p);
        seterr(err, errlen, "out of memory");
        return -1;
    }
    store_rows_init(&p->rows);
    p->retry_ms = STORE_PG_RETRY_MIN_MS;
    if (writer_connect(p, err, errlen) != 0) {
        store_pg_close(p);
        return -1;
    }
    *out = p;
    return 0;
}

void store_pg_close(struct store_pg *p)
{
    if (p == NULL)
        return;
    if (p->conn != NULL)
        PQfinish(p->conn);
    free(p->url);
    storage_secret_free(p->password);
    store_rows_free(&p->rows);
    free(p->next);
    free(p->events);
    for (size_t i = 0; i < 4; i++)
        free(p->arr[i].s);
    for (size_t i = 0; i < p->n_checks; i++)
        free(p->checks[i].check_id);
    free(p->checks);
    free(p);
}

/* ---- pipelines ---- */

static int send_stmt(struct store_pg *p, int id, const struct pg_params *par)
{
    char name[16];
    snprintf(name, sizeof(name), "w%d", id);
    return PQsendQueryPrepared(p->conn, name, par ? par->n : 0, par ? par->val : NULL,
                               par ? par->len : NULL, par ? par->fmt : NULL, 1) == 1
               ? 0
               : -1;
}

static int send_sql(struct store_pg *p, const char *sql)
{
    return PQsendQueryParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 1) == 1 ? 0 : -1;
}

/*
 * Reads the results of `n` queries of a pipeline, keeping the first `keep`
 * in res[] (the caller clears them); *failed_at gets the index of the first
 * that failed (-1: none; err says why). Returns 0, or -1 when the
 * connection broke (res[] cleared).
 */
static int collect(struct store_pg *p, int n, PGresult **res, int keep, int *failed_at, char *err,
                   size_t errlen)
{
    *failed_at = -1;
    for (int i = 0; i < keep; i++)
        res[i] = NULL;
    for (int i = 0; i < n; i++) {
        PGresult *r;
        bool got = false;
        while ((r = PQgetResult(p->conn)) != NULL) {
            ExecStatusType s = PQresultStatus(r);
            if (!got && s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK && *failed_at < 0) {
                pg_message(p->conn, r, err, errlen);
                *failed_at = i;
            }
            if (!got && i < keep)
                res[i] = r;
            else
                PQclear(r);
            got = true;
        }
        if (PQstatus(p->conn) != CONNECTION_OK || (!got && *failed_at < 0)) {
            pg_message(p->conn, NULL, err, errlen);
            for (int k = 0; k < keep; k++) {
                PQclear(res[k]);
                res[k] = NULL;
            }
            return -1;
        }
    }
    return 0;
}

/* Reads a sync point's result; 0, or -1 (the connection broke or lost its place). */
static int read_sync(struct store_pg *p, char *err, size_t errlen)
{
    PGresult *s = PQgetResult(p->conn);
    int rc = s != NULL && PQresultStatus(s) == PGRES_PIPELINE_SYNC ? 0 : -1;
    if (rc != 0)
        pg_message(p->conn, s, err, errlen);
    PQclear(s);
    return rc;
}

/*
 * Ends a pipeline of `n` queries sent since the last sync and reads their
 * results; keeps the first `keep` in res[] (the caller clears them).
 * Returns 0 when all succeeded, 1 when one failed (the server is still
 * there: err says why), -1 when the connection broke.
 */
static int pipeline_sync(struct store_pg *p, int n, PGresult **res, int keep, char *err,
                         size_t errlen)
{
    if (PQpipelineSync(p->conn) != 1) {
        pg_message(p->conn, NULL, err, errlen);
        return -1;
    }
    int failed_at;
    if (collect(p, n, res, keep, &failed_at, err, errlen) != 0)
        return -1;
    if (read_sync(p, err, errlen) != 0) {
        for (int k = 0; k < keep; k++) {
            PQclear(res[k]);
            res[k] = NULL;
        }
        return -1;
    }
    return failed_at >= 0 ? 1 : 0;
}

/* ---- applying a batch ---- */

struct pg_host {
    int64_t id; /* 0: no row */
    int64_t last_seq;
    unsigned char ring[STORE_RECENT_IDS * REPORT_ID_BYTES];
    size_t ring_len;
    bool owned;
    char owner[STORE_OWNER_MAX + 1];
    bool retired;
};

static int64_t get_int(const PGresult *r, int row, int col)
{
    const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, col);
    int len = PQgetlength(r, row, col);
    uint64_t x = 0;
    for (int i = 0; i < len && i < 8; i++)
        x = x << 8 | v[i];
    if (len == 4)
        return (int32_t)(uint32_t)x;
    if (len == 2)
        return (int16_t)(uint16_t)x;
    return (int64_t)x;
}

static void read_host(const PGresult *r, struct pg_host *h)
{
    memset(h, 0, sizeof(*h));
    if (PQntuples(r) < 1)
        return;
    h->id = get_int(r, 0, 0);
    h->last_seq = get_int(r, 0, 1);
    int n = PQgetlength(r, 0, 2);
    if (n > 0 && (size_t)n <= sizeof(h->ring) && n % REPORT_ID_BYTES == 0) {
        memcpy(h->ring, PQgetvalue(r, 0, 2), (size_t)n);
        h->ring_len = (size_t)n;
    }
    if (!PQgetisnull(r, 0, 3)) {
        h->owned = true;
        snprintf(h->owner, sizeof(h->owner), "%s", PQgetvalue(r, 0, 3));
    }
    h->retired = get_int(r, 0, 4) != 0;
}

static bool ring_has(const struct pg_host *h, const unsigned char *id)
{
    for (size_t i = 0; i + REPORT_ID_BYTES <= h->ring_len; i += REPORT_ID_BYTES)
        if (memcmp(h->ring + i, id, REPORT_ID_BYTES) == 0)
            return true;
    return false;
}

static void ring_push(struct pg_host *h, const unsigned char *id)
{
    const size_t full = sizeof(h->ring);
    if (h->ring_len == full) {
        memmove(h->ring, h->ring + REPORT_ID_BYTES, full - REPORT_ID_BYTES);
        h->ring_len -= REPORT_ID_BYTES;
    }
    memcpy(h->ring + h->ring_len, id, REPORT_ID_BYTES);
    h->ring_len += REPORT_ID_BYTES;
}

static int batch_check_add(struct store_pg *p, const struct diff_check *k)
{
    for (size_t i = 0; i < p->n_checks; i++) {
        if (strcmp(p->checks[i].check_id, k->check_id) == 0) {
            p->checks[i].failing += k->failing_delta;
            p->checks[i].regressions += k->regressions;
            p->checks[i].waived += k->waived_delta;
            return 0;
        }
    }
    if (p->n_checks == p->cap_checks) {
        size_t ncap = p->cap_checks ? p->cap_checks * 2 : 64;
        struct batch_check *c = realloc(p->checks, ncap * sizeof(*c));
        if (c == NULL)
            return -1;
        p->checks = c;
        p->cap_checks = ncap;
    }
    char *id = strdup(k->check_id);
    if (id == NULL)
        return -1;
    p->checks[p->n_checks++] =
        (struct batch_check){ id, k->failing_delta, k->regressions, k->waived_delta };
    return 0;
}

static void batch_checks_clear(struct store_pg *p)
{
    for (size_t i = 0; i < p->n_checks; i++)
        free(p->checks[i].check_id);
    p->n_checks = 0;
}

/*
 * Sends the writes of a report whose host is locked (h) and diffed
 * (job->diff) as one statement (W_WRITE); returns 1 (the queries sent), or
 * -1. The values it binds live in p's buffers until the next call.
 */
static int send_writes(struct store_pg *p, struct store_job *job, struct pg_host *h, bool bind,
                       int64_t new_id)
{
    const Dockward__V1__Report *m = job->report->msg;
    const struct diff_result *d = &job->diff;
    struct pg_params a = { 0 };
    const bool insert = h->id == 0;
    if (insert)
        h->id = new_id;
    par_int(&a, h->id);
    par_text(&a, m->hostname);
    par_text(&a, m->agent_version);
    par_text(&a, m->catalog_version);
    par_int(&a, (int64_t)m->sequence);
    par_int(&a, job->received_ms);
    par_int(&a, m->generated_at_unix_ms);
    for (int s = STORE_PASS; s <= STORE_ERROR; s++)
        par_int(&a, (int64_t)d->counts[s]);
    par_blob(&a, h->ring, h->ring_len);
    par_text(&a, m->host_id);         /* $14 */
    par_text(&a, insert ? "t" : "f"); /* $15 */
    unsigned char *rows = NULL, *events = NULL;
    size_t rows_len = 0, events_len = 0;
    int rc = 0;
    if (d->n_changes > 0) {
        size_t nr = 0;
        if (store_rule_rows_after(p->rows.rows, p->rows.n, d, m->generated_at_unix_ms, &p->next,
                                  &p->next_cap, &nr) != 0 ||
            store_rows_encode(&p->rows.codec, p->next, nr, &rows, &rows_len) != 0)
            return -1;
        par_blob(&a, rows, rows_len); /* $16 */
    } else {
        par_null(&a);
    }
    struct pg_text *checks = &p->arr[0], *add = &p->arr[1], *del = &p->arr[2];
    checks->len = add->len = del->len = 0;
    if (d->n_events > 0) {
        if (store_rule_drift_events(d, &p->events, &p->events_cap) != 0 ||
            store_events_encode(&p->rows.codec, p->events, d->n_events, &events, &events_len) !=
                0) {
            free(rows);
            return -1;
        }
        for (size_t i = 0; rc == 0 && i < d->n_events; i++)
            if (i == 0 || strcmp(p->events[i - 1].check_id, p->events[i].check_id) != 0)
                rc = array_add_text(checks, p->events[i].check_id);
    }
    par_int(&a, (int64_t)d->n_events);                /* $17 */
    par_int(&a, m->generated_at_unix_ms);             /* $18 */
    par_blob(&a, m->report_id.data, REPORT_ID_BYTES); /* $19 */
    par_blob(&a, events, events_len);                 /* $20 */
    for (size_t i = 0; rc == 0 && i < d->n_checks; i++) {
        const struct diff_check *k = &d->checks[i];
        if (k->failing_delta != 0)
            rc = array_add_text(k->failing_delta > 0 ? add : del, k->check_id);
    }
    if (rc == 0)
        rc = array_end(checks) | array_end(add) | array_end(del);
    par_text(&a, checks->s); /* $21 */
    par_text(&a, add->s);    /* $22 */
    par_text(&a, del->s);    /* $23 */
    if (bind)
        par_text(&a, job->owner); /* $24 */
    else
        par_null(&a);
    par_int(&a, (int64_t)d->counts[STORE_WAIVED]); /* $25 */
    if (rc == 0)
        rc = send_stmt(p, W_WRITE, &a);
    free(rows);
    free(events);
    return rc == 0 ? 1 : -1;
}

/* A report of the batch and what the first phase read of its host. */
struct pg_item {
    struct store_job *job;
    PGresult *host_row;         /* the locked hosts row (none: a new host) */
    PGresult *results;          /* its results row */
    int64_t new_id;             /* a new host's id, taken from the sequence */
    size_t index;               /* its place in the batch (arrival order) */
    int round;                  /* the host's n-th report in the batch: applied in round n */
    bool left_out;              /* its host's row could not be locked: 503 */
    enum store_outcome pending; /* the outcome once its writes are committed */
};

/*
 * Sends one report's writes as its own segment: SAVEPOINT, the writes,
 * RELEASE, then a sync point. Decides item->pending by the rules (rules.h,
 * diff.h) on what the first phase read. Returns the queries sent (0: none,
 * the outcome is final: duplicate, forbidden, or unavailable), or -1 when
 * sending failed.
 */
static int send_segment(struct store_pg *p, struct pg_item *it, bool careful, char *err,
                        size_t errlen)
{
    struct store_job *job = it->job;
    const Dockward__V1__Report *m = job->report->msg;
    struct pg_host h;
    it->pending = STORE_OUTCOME_UNAVAILABLE;
    read_host(it->host_row, &h);
    if (ring_has(&h, m->report_id.data)) { /* the same report again: nothing changes */
        job->outcome = STORE_OUTCOME_DUPLICATE;
        return 0;
    }
    p->rows.n = 0;
    if (PQntuples(it->results) > 0 &&
        store_rows_decode(&p->rows, PQgetvalue(it->results, 0, 0),
                          (size_t)PQgetlength(it->results, 0, 0)) != 0) {
        seterr(err, errlen, "the stored results of host %s cannot be read (corrupt)", m->host_id);
        job->outcome = STORE_OUTCOME_UNAVAILABLE;
        return 0;
    }
    int n = 0;
    if (careful) {
        if (send_sql(p, "SAVEPOINT report") != 0)
            return -1;
        n++;
    }
    struct pg_params a = { 0 };
    if (h.id != 0 && h.retired) {
        /* A retired host reporting again: revived as new (db.c owner_check). */
        par_int(&a, h.id);
        par_int(&a, job->received_ms);
        if (send_stmt(p, W_HOST_REVIVE, &a) != 0)
            return -1;
        n++;
        h.retired = false;
        h.owned = false;
        h.last_seq = 0;
    }
    bool bind = false;
    if (!store_rule_owner(job, h.owned, h.owner, &bind)) {
        /* FORBIDDEN (set by the rule): nothing of the report is stored. */
        it->pending = STORE_OUTCOME_FORBIDDEN;
    } else if (h.id != 0 && (int64_t)m->sequence <= h.last_seq) {
        /* Older than what the host last told us: remember the id, change nothing else. */
        ring_push(&h, m->report_id.data);
        a.n = 0;
        par_int(&a, h.id);
        par_blob(&a, h.ring, h.ring_len);
        if (send_stmt(p, W_HOST_RING, &a) != 0)
            return -1;
        n++;
        it->pending = STORE_OUTCOME_STALE;
    } else {
        if (store_diff(p->rows.rows, p->rows.n, job->report, &job->diff) != 0) {
            seterr(err, errlen, "out of memory");
            return -1;
        }
        ring_push(&h, m->report_id.data);
        int sent = send_writes(p, job, &h, bind, it->new_id);
        if (sent < 0)
            return -1;
        n += sent;
        it->pending = STORE_OUTCOME_STORED;
    }
    if (!careful)
        return n;
    if (send_sql(p, "RELEASE report") != 0 || PQpipelineSync(p->conn) != 1)
        return -1;
    return n + 1;
}

static void items_clear(struct pg_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        PQclear(items[i].host_row);
        PQclear(items[i].results);
        items[i].host_row = NULL;
        items[i].results = NULL;
    }
}

/*
 * The first phase of a round, one pipeline: lock each host's row and read
 * its results (a statement of its own, whose snapshot follows the lock).
 * A lock that times out (another session holds it past lock_timeout)
 * fails the transaction: it is rolled back, that report is answered 503,
 * and the round starts again without it (only in round 0, before anything
 * is written). Returns 0, or -1 (the batch fails).
 */
static int lock_round(struct store_pg *p, struct pg_item *items, size_t n, int round, char *err,
                      size_t errlen)
{
    int timeouts = 0;
    for (;;) {
        size_t sent = 0;
        if (round == 0 && send_sql(p, "BEGIN") != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            struct pg_item *it = &items[i];
            if (it->round != round || it->left_out)
                continue;
            struct pg_params a = { 0 };
            par_text(&a, it->job->report->msg->host_id);
            if (send_stmt(p, W_HOST_LOCK, &a) != 0 || send_stmt(p, W_RESULTS_READ, &a) != 0)
                return -1;
            sent++;
        }
        if (PQpipelineSync(p->conn) != 1)
            return -1;
        int failed_at = -1;
        if (round == 0) {
            PGresult *b;
            if (collect(p, 1, &b, 1, &failed_at, err, errlen) != 0)
                return -1;
            PQclear(b);
            if (failed_at >= 0) {
                read_sync(p, err, errlen);
                return -1;
            }
        }
        PGresult **res = calloc(2 * sent + 1, sizeof(*res));
        if (res == NULL)
            return -1;
        if (collect(p, (int)(2 * sent), res, (int)(2 * sent), &failed_at, err, errlen) != 0 ||
            read_sync(p, err, errlen) != 0) {
            free(res);
            return -1;
        }
        size_t k = 0;
        struct pg_item *failed = NULL;
        for (size_t i = 0; i < n; i++) {
            struct pg_item *it = &items[i];
            if (it->round != round || it->left_out)
                continue;
            if (failed_at >= 0 && (int)k == failed_at / 2)
                failed = it;
            it->host_row = res[2 * k];
            it->results = res[2 * k + 1];
            k++;
        }
        free(res);
        if (failed_at < 0)
            return 0;
        if (round != 0 || failed == NULL)
            return -1;
        /* Roll back (nothing written yet), leave that host's reports out, begin again. */
        items_clear(items, n);
        char sub[256];
        if (send_sql(p, "ROLLBACK") != 0 || pipeline_sync(p, 1, NULL, 0, sub, sizeof(sub)) != 0)
            return -1;
        /*
         * 503 for that host's reports: the agent sends them again. A second
         * timeout in one batch (a whole table locked by another session?)
         * leaves out every host not locked yet, so a batch waits ~2 lock
         * timeouts at most, never one per host.
         */
        const char *host = failed->job->report->msg->host_id;
        const bool rest = ++timeouts >= 2;
        for (size_t i = 0; i < n; i++)
            if (strcmp(items[i].job->report->msg->host_id, host) == 0 ||
                (rest && strcmp(items[i].job->report->msg->host_id, host) > 0))
                items[i].left_out = true;
    }
}

/* Ids for the round's new hosts, from the hosts' sequence (one round trip, only when needed). */
static int new_host_ids(struct store_pg *p, struct pg_item *items, size_t n, int round, char *err,
                        size_t errlen)
{
    size_t want = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].round == round && items[i].host_row != NULL &&
            PQntuples(items[i].host_row) == 0)
            want++;
    if (want == 0)
        return 0;
    struct pg_params a = { 0 };
    par_int(&a, (int64_t)want);
    PGresult *r;
    if (send_stmt(p, W_NEW_IDS, &a) != 0 || pipeline_sync(p, 1, &r, 1, err, errlen) != 0)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n && k < (size_t)PQntuples(r); i++)
        if (items[i].round == round && items[i].host_row != NULL &&
            PQntuples(items[i].host_row) == 0)
            items[i].new_id = get_int(r, (int)k++, 0);
    PQclear(r);
    return k == want ? 0 : -1;
}

/*
 * The second phase of a round: each report's writes as a segment of its
 * own (send_segment), all in one pipeline. A segment that fails (a host
 * created by another replica meanwhile, a full disk...) leaves the
 * transaction aborted, and every later segment fails with it: that report
 * is answered 503, its SAVEPOINT rolled back, and the later ones sent
 * again. Returns 0, or -1 (the batch fails).
 */
static int write_round(struct store_pg *p, struct pg_item *items, size_t n, int round, char *err,
                       size_t errlen)
{
    size_t from = 0;
    while (from < n) {
        int *queries = calloc(n, sizeof(*queries));
        if (queries == NULL)
            return -1;
        for (size_t i = from; i < n; i++) {
            struct pg_item *it = &items[i];
            if (it->round != round || it->host_row == NULL ||
                it->job->outcome != STORE_OUTCOME_UNAVAILABLE)
                continue;
            queries[i] = send_segment(p, it, true, err, errlen);
            if (queries[i] < 0) {
                free(queries);
                return -1;
            }
        }
        size_t failed = n;
        for (size_t i = from; i < n; i++) {
            if (queries[i] == 0)
                continue;
            int failed_at;
            char sub[512];
            if (collect(p, queries[i], NULL, 0, &failed_at, sub, sizeof(sub)) != 0 ||
                read_sync(p, sub, sizeof(sub)) != 0) {
                seterr(err, errlen, "%s", sub);
                free(queries);
                return -1;
            }
            if (failed == n && failed_at >= 0) {
                failed = i;
                seterr(err, errlen, "cannot store a report: %s", sub);
            }
            if (failed == n)
                items[i].job->outcome = items[i].pending;
        }
        free(queries);
        if (failed == n)
            return 0;
        /* That report alone is undone; the ones after it are sent again. */
        items[failed].job->outcome = STORE_OUTCOME_UNAVAILABLE;
        items[failed].host_row = (PQclear(items[failed].host_row), NULL);
        char sub[256];
        if (send_sql(p, "ROLLBACK TO SAVEPOINT report") != 0 ||
            send_sql(p, "RELEASE report") != 0 ||
            pipeline_sync(p, 2, NULL, 0, sub, sizeof(sub)) != 0)
            return -1;
        from = failed + 1;
    }
    return 0;
}

static int check_order(const void *a, const void *b)
{
    const struct batch_check *x = a, *y = b;
    return strcmp(x->check_id, y->check_id);
}

static void fail_all(struct store_job *const *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jobs[i]->outcome = STORE_OUTCOME_UNAVAILABLE;
}

/*
 * The batch's per-check figures, summed over its stored reports, sent (in
 * check order) as one statement; returns the queries sent (0: none to
 * send), or -1.
 */
static int send_checks(struct store_pg *p, const struct pg_item *items, size_t n)
{
    batch_checks_clear(p);
    for (size_t i = 0; i < n; i++) {
        const struct store_job *job = items[i].job;
        if (job->outcome != STORE_OUTCOME_STORED)
            continue;
        for (size_t k = 0; k < job->diff.n_checks; k++)
            if (batch_check_add(p, &job->diff.checks[k]) != 0)
                return -1;
    }
    if (p->n_checks == 0)
        return 0;
    qsort(p->checks, p->n_checks, sizeof(*p->checks), check_order);
    for (int i = 0; i < 4; i++)
        p->arr[i].len = 0;
    for (size_t i = 0; i < p->n_checks; i++) {
        if (array_add_text(&p->arr[0], p->checks[i].check_id) != 0 ||
            array_add_int(&p->arr[1], p->checks[i].failing) != 0 ||
            array_add_int(&p->arr[2], p->checks[i].regressions) != 0 ||
            array_add_int(&p->arr[3], p->checks[i].waived) != 0)
            return -1;
    }
    struct pg_params a = { 0 };
    for (int i = 0; i < 4; i++) {
        if (array_end(&p->arr[i]) != 0)
            return -1;
        par_text(&a, p->arr[i].s);
    }
    return send_stmt(p, W_CHECKS, &a) == 0 ? 1 : -1;
}

/* Sends the batch's per-check figures and COMMIT; returns as pipeline_sync. */
static int commit_batch(struct store_pg *p, const struct pg_item *items, size_t n, char *err,
                        size_t errlen)
{
    int sent = send_checks(p, items, n);
    if (sent < 0 || send_sql(p, "COMMIT") != 0)
        return -1;
    return pipeline_sync(p, sent + 1, NULL, 0, err, errlen);
}

/*
 * The second phase of a round on the first try: every report's writes
 * with no SAVEPOINT, one sync point for the round, and on the last round
 * the per-check figures and COMMIT in the same pipeline (one round trip).
 * Each report's outcome is set as it is sent. Returns 0 (sent and, on the
 * last round, committed), 1 when a statement failed (the transaction is
 * aborted, nothing of it committed: the caller rolls back and does the
 * batch again carefully), or -1 (the connection broke).
 */
static int write_fast(struct store_pg *p, struct pg_item *items, size_t n, int round, bool last,
                      char *err, size_t errlen)
{
    int queries = 0;
    for (size_t i = 0; i < n; i++) {
        struct pg_item *it = &items[i];
        if (it->round != round || it->host_row == NULL ||
            it->job->outcome != STORE_OUTCOME_UNAVAILABLE)
            continue;
        int sent = send_segment(p, it, false, err, errlen);
        if (sent < 0)
            return -1;
        queries += sent;
        if (it->job->outcome == STORE_OUTCOME_UNAVAILABLE)
            it->job->outcome = it->pending;
    }
    if (last) {
        int sent = send_checks(p, items, n);
        if (sent < 0 || send_sql(p, "COMMIT") != 0)
            return -1;
        queries += sent + 1;
    }
    if (queries == 0)
        return 0;
    char sub[512];
    int rc = pipeline_sync(p, queries, NULL, 0, sub, sizeof(sub));
    if (rc != 0)
        seterr(err, errlen, "%s", sub);
    return rc;
}

static int item_order(const void *a, const void *b)
{
    const struct pg_item *x = a, *y = b;
    int c = strcmp(x->job->report->msg->host_id, y->job->report->msg->host_id);
    if (c != 0)
        return c;
    /* The same host's reports in the order they arrived (its sequence decides the rest). */
    return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * The batch's rounds, then COMMIT. careful: a SAVEPOINT per report, so a
 * report whose statements fail is undone alone (write_round); otherwise
 * none (write_fast, the COMMIT in the last round's pipeline). Returns 0
 * (committed), 1 (not careful: a statement failed, the transaction is
 * aborted), or -1 (the batch fails).
 */
static int apply_items(struct store_pg *p, struct pg_item *items, size_t n, int rounds,
                       bool careful, char *err, size_t errlen)
{
    for (int round = 0; round < rounds; round++) {
        if (lock_round(p, items, n, round, err, errlen) != 0 ||
            new_host_ids(p, items, n, round, err, errlen) != 0)
            return -1;
        int rc = careful ? write_round(p, items, n, round, err, errlen)
                         : write_fast(p, items, n, round, round == rounds - 1, err, errlen);
        items_clear(items, n);
        if (rc != 0)
            return rc;
    }
    return careful ? (commit_batch(p, items, n, err, errlen) != 0 ? -1 : 0) : 0;
}

int store_pg_apply(struct store_pg *p, struct store_job *const *jobs, size_t n, char *err,
                   size_t errlen)
{
    if (n == 0)
        return 0;
    fail_all(jobs, n);
    if (writer_ready(p, err, errlen) != 0)
        return -1;
    /*
     * Host order (every replica locks rows in one order); a host's second
     * report of the batch goes into a second round, after the first's writes.
     */
    struct pg_item *items = calloc(n, sizeof(*items));
    if (items == NULL) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        items[i].job = jobs[i];
        items[i].index = i;
    }
    qsort(items, n, sizeof(*items), item_order);
    int rounds = 0;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(items[i].job->report->msg->host_id, items[i - 1].job->report->msg->host_id) == 0)
            items[i].round = items[i - 1].round + 1;
        if (items[i].round + 1 > rounds)
            rounds = items[i].round + 1;
    }
    if (rounds == 0)
        rounds = 1;
    char sub[512] = "";
    if (PQenterPipelineMode(p->conn) != 1)
        goto broken;
    int rc = apply_items(p, items, n, rounds, false, sub, sizeof(sub));
    if (rc == 1) {
        /*
         * A statement failed on the first try: nothing of it is committed.
         * Rolled back, and done again with a SAVEPOINT per report, so only
         * the report that fails is left out.
         */
        char why[512];
        if (send_sql(p, "ROLLBACK") != 0 || pipeline_sync(p, 1, NULL, 0, why, sizeof(why)) != 0)
            goto broken;
        for (size_t i = 0; i < n; i++) {
            items[i].job->outcome = STORE_OUTCOME_UNAVAILABLE;
            items[i].new_id = 0;
        }
        items_clear(items, n);
        rc = apply_items(p, items, n, rounds, true, sub, sizeof(sub));
    }
    if (rc != 0)
        goto broken;
    for (size_t i = 0; i < n; i++)
        if (items[i].job->outcome == STORE_OUTCOME_UNAVAILABLE)
            seterr(err, errlen, "cannot store a report: %s",
                   sub[0] ? sub : "a lock wait timed out");
    if (PQexitPipelineMode(p->conn) != 1) {
        pg_message(p->conn, NULL, sub, sizeof(sub));
        goto broken;
    }
    batch_checks_clear(p);
    free(items);
    return 0;
broken:
    /* Nothing of the batch committed (or it is unknown): every report 503, reconnect next. */
    seterr(err, errlen, "PostgreSQL: %s", sub[0] ? sub : "the connection failed");
    fail_all(jobs, n);
    batch_checks_clear(p);
    items_clear(items, n);
    free(items);
    if (p->conn != NULL) {
        PQfinish(p->conn);
        p->conn = NULL;
    }
    return -1;
}

/* ---- retention, retirement, rebinding, silent hosts, per-check figures ---- */

static PGresult *exec_stmt(struct store_pg *p, int id, const struct pg_params *a)
{
    char name[16];
    snprintf(name, sizeof(name), "w%d", id);
    return PQexecPrepared(p->conn, name, a ? a->n : 0, a ? a->val : NULL, a ? a->len : NULL,
                          a ? a->fmt : NULL, 1);
}

static bool ok(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Fails with libpq's message; drops a broken connection (reconnected next time). */
static int fail_with(struct store_pg *p, PGresult *r, const char *what, char *err, size_t errlen)
{
    char m[512];
    pg_message(p->conn, r, m, sizeof(m));
    PQclear(r);
    seterr(err, errlen, "%s: %s", what, m);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        PQfinish(p->conn);
        p->conn = NULL;
    } else if (PQtransactionStatus(p->conn) != PQTRANS_IDLE) {
        exec_cmd(p->conn, "ROLLBACK", NULL, 0);
    }
    return -1;
}

/*
 * The drift_checks pairs of the drift rows in r (id, n, events): one per
 * check a row has events of, as two arrays (p->arr[0] checks, [1] ids).
 */
static int retention_pairs(struct store_pg *p, const PGresult *r, int *deleted)
{
    struct store_events ev;
    store_events_init(&ev);
    struct pg_text *checks = &p->arr[0], *ids = &p->arr[1];
    checks->len = ids->len = 0;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const int64_t id = get_int(r, i, 0), n = get_int(r, i, 1);
        *deleted += (int)n;
        rc = store_events_decode(&ev, PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2),
                                 (size_t)n);
        for (size_t k = 0; rc == 0 && k < ev.n; k++) {
            /* A row's events are in check order (as send_writes took its checks). */
            if (k == 0 || strcmp(ev.ev[k - 1].check_id, ev.ev[k].check_id) != 0)
                rc = array_add_text(checks, ev.ev[k].check_id) | array_add_int(ids, id);
        }
    }
    store_events_free(&ev);
    if (rc == 0)
        rc = array_end(checks) | array_end(ids);
    return rc;
}

int store_pg_retention(struct store_pg *p, int64_t cutoff_ms, int limit, int *deleted, char *err,
                       size_t errlen)
{
    *deleted = 0;
    if (limit <= 0)
        return 0;
    if (writer_ready(p, err, errlen) != 0)
        return -1;
    char sub[512];
    if (exec_cmd(p->conn, "BEGIN", sub, sizeof(sub)) != 0) {
        seterr(err, errlen, "retention: %s", sub);
        return -1;
    }
    struct pg_params a = { 0 };
    par_int(&a, cutoff_ms);
    par_int(&a, limit);
    PGresult *r = exec_stmt(p, W_RETENTION, &a);
    if (!ok(r))
        return fail_with(p, r, "retention", err, errlen);
    int n = 0;
    if (retention_pairs(p, r, &n) != 0) {
        seterr(err, errlen, "retention: a drift row cannot be read (corrupt), or no memory");
        PQclear(r);
        exec_cmd(p->conn, "ROLLBACK", NULL, 0);
        return -1;
    }
    PQclear(r);
    a.n = 0;
    par_text(&a, p->arr[0].s);
    par_text(&a, p->arr[1].s);
    r = exec_stmt(p, W_RETENTION_CHECKS, &a);
    if (!ok(r))
        return fail_with(p, r, "retention", err, errlen);
    PQclear(r);
    if (exec_cmd(p->conn, "COMMIT", sub, sizeof(sub)) != 0)
        return fail_with(p, NULL, "retention", err, errlen);
    *deleted = n;
    return 0;
}

int store_pg_retire(struct store_pg *p, const char *host_id, int64_t now_ms_,
                    struct diff_result *figures, bool *found, char *err, size_t errlen)
{
    static const unsigned char no_report[REPORT_ID_BYTES] = { 0 };
    *found = false;
    figures->n_events = 0;
    if (writer_ready(p, err, errlen) != 0)
        return -1;
    char sub[512];
    if (exec_cmd(p->conn, "BEGIN", sub, sizeof(sub)) != 0) {
        seterr(err, errlen, "retire: %s", sub);
        return -1;
    }
    struct pg_params a = { 0 };
    par_text(&a, host_id);
    PGresult *r = exec_stmt(p, W_RETIRE_FIND, &a);
    if (!ok(r))
        goto fail;
    int64_t host = PQntuples(r) > 0 ? get_int(r, 0, 0) : 0;
    PQclear(r);
    r = NULL;
    if (host != 0) {
        a.n = 0;
        par_int(&a, host);
        r = exec_stmt(p, W_RESULTS_BY_ID, &a);
        if (!ok(r))
            goto fail;
        p->rows.n = 0;
        if (PQntuples(r) > 0 &&
            store_rows_decode(&p->rows, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0)) != 0)
            goto fail;
        PQclear(r);
        r = NULL;
        if (store_rule_retire_events(p->rows.rows, p->rows.n, &p->events, &p->events_cap,
                                     figures) != 0)
            goto fail;
        unsigned char *v;
        size_t len;
        if (store_events_encode(&p->rows.codec, p->events, p->rows.n + 1, &v, &len) != 0)
            goto fail;
        struct pg_text *t = &p->arr[0], *f = &p->arr[1];
        t->len = f->len = 0;
        int e = 0;
        for (size_t i = 0; e == 0 && i <= p->rows.n; i++)
            if (i == 0 || strcmp(p->events[i - 1].check_id, p->events[i].check_id) != 0)
                e = array_add_text(t, p->events[i].check_id);
        /* f: the checks it failed (their failing rows go), z: every check's figures */
        for (size_t i = 0; e == 0 && i < figures->n_checks; i++)
            if (figures->checks[i].failing_delta < 0)
                e = array_add_text(f, figures->checks[i].check_id);
        e |= array_end(t) | array_end(f);
        if (e != 0) {
            free(v);
            goto fail;
        }
        struct pg_params d = { 0 };
        par_int(&d, host);
        par_int(&d, (int64_t)(p->rows.n + 1));
        par_int(&d, now_ms_);
        par_int(&d, now_ms_);
        par_blob(&d, no_report, REPORT_ID_BYTES);
        par_blob(&d, v, len);
        par_text(&d, t->s);
        r = exec_stmt(p, W_DRIFT, &d);
        free(v);
        if (!ok(r))
            goto fail;
        PQclear(r);
        struct pg_params fd = { 0 };
        par_text(&fd, f->s);
        par_int(&fd, host);
        r = exec_stmt(p, W_FAILING_DEL, &fd);
        if (!ok(r))
            goto fail;
        PQclear(r);
        /* The figures (check, failing, regressions 0, waived), as W_CHECKS's four arrays. */
        struct pg_text cols[4] = { { 0 } };
        for (size_t i = 0; e == 0 && i < figures->n_checks; i++) {
            const struct diff_check *k = &figures->checks[i];
            e = array_add_text(&cols[0], k->check_id) | array_add_int(&cols[1], k->failing_delta) |
                array_add_int(&cols[2], 0) | array_add_int(&cols[3], k->waived_delta);
        }
        struct pg_params c = { 0 };
        for (int i = 0; i < 4; i++) {
            e |= array_end(&cols[i]);
            par_text(&c, cols[i].s);
        }
        r = e == 0 ? exec_stmt(p, W_CHECKS, &c) : NULL;
        for (int i = 0; i < 4; i++)
            free(cols[i].s);
        if (!ok(r))
            goto fail;
        PQclear(r);
        a.n = 0;
        par_int(&a, host);
        r = exec_stmt(p, W_RETIRE_RESULTS, &a);
        if (!ok(r))
            goto fail;
        PQclear(r);
        par_int(&a, now_ms_ > 0 ? now_ms_ : 1);
        r = exec_stmt(p, W_RETIRE_HOST, &a);
        if (!ok(r))
            goto fail;
        PQclear(r);
        r = NULL;
    }
    if (exec_cmd(p->conn, "COMMIT", sub, sizeof(sub)) != 0) {
        seterr(err, errlen, "retire: %s", sub);
        goto undo;
    }
    *found = host != 0;
    return 0;
fail:
    fail_with(p, r, "retire", err, errlen);
undo:
    for (size_t i = 0; i < figures->n_checks; i++)
        free(figures->checks[i].check_id);
    figures->n_checks = 0;
    figures->n_events = 0;
    return -1;
}

int store_pg_rebind(struct store_pg *p, const char *host_id, const char *owner, bool *found,
                    char *err, size_t errlen)
{
    *found = false;
    if (writer_ready(p, err, errlen) != 0)
        return -1;
    struct pg_params a = { 0 };
    par_text(&a, host_id);
    par_text(&a, owner);
    PGresult *r = exec_stmt(p, W_REBIND, &a);
    if (!ok(r))
        return fail_with(p, r, "rebind", err, errlen);
    *found = strcmp(PQcmdTuples(r), "0") != 0;
    PQclear(r);
    return 0;
}

int store_pg_silent_hosts(struct store_pg *p, int64_t cutoff_ms,
                          char (*ids)[REPORT_HOST_ID_MAX + 1], size_t max, size_t *n, char *err,
                          size_t errlen)
{
    *n = 0;
    if (writer_ready(p, err, errlen) != 0)
        return -1;
    struct pg_params a = { 0 };
    par_int(&a, cutoff_ms);
    par_int(&a, (int64_t)max);
    PGresult *r = exec_stmt(p, W_SILENT, &a);
    if (!ok(r))
        return fail_with(p, r, "finding silent hosts", err, errlen);
    for (int i = 0; i < PQntuples(r) && *n < max; i++)
        snprintf(ids[(*n)++], REPORT_HOST_ID_MAX + 1, "%s", PQgetvalue(r, i, 0));
    PQclear(r);
    return 0;
}

int store_pg_load_checks(struct store_pg *p,
                         void (*fn)(void *arg, const char *check, uint64_t failing_hosts,
                                    uint64_t regressions, uint64_t waived_hosts),
                         void *arg, char *err, size_t errlen)
{
    if (writer_ready(p, err, errlen) != 0)
        return -1;
    PGresult *r = exec_stmt(p, W_LOAD_CHECKS, NULL);
    if (!ok(r))
        return fail_with(p, r, "loading per-check figures", err, errlen);
    for (int i = 0; i < PQntuples(r); i++)
        fn(arg, PQgetvalue(r, i, 0), (uint64_t)get_int(r, i, 1), (uint64_t)get_int(r, i, 2),
           (uint64_t)get_int(r, i, 3));
    PQclear(r);
    return 0;
}

/* ---- readers ---- */

struct pg_stmt {
    struct pg_reader *r;
    int index;
    int n_params; /* $N the statement takes */
    const char *val[PG_PARAMS_MAX];
    char num[PG_PARAMS_MAX][24];
    PGresult *res;
    int row; /* the current row; -1 before the first step */
    bool ran;
};

struct pg_reader {
    PGconn *conn;
    char *url;
    char *password;
    char **sql; /* rewritten to $N */
    int n;
    struct pg_stmt *st;
    char msg[512];
};

/*
 * SQLite's "?N" as PostgreSQL's "$N"; *max gets the highest N. Parameters
 * the text never names (the query API binds a few its statement does not
 * use) are declared text, so PostgreSQL can type every $N up to max.
 */
static char *rewrite_params(const char *sql, int *max)
{
    size_t len = strlen(sql);
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    *max = 0;
    for (size_t i = 0; i <= len; i++) {
        out[i] = sql[i] == '?' ? '$' : sql[i];
        if (sql[i] == '?') {
            int v = (int)strtol(sql + i + 1, NULL, 10);
            if (v > *max)
                *max = v;
        }
    }
    return out;
}

static int reader_prepare(struct pg_reader *r, char *err, size_t errlen)
{
    for (int i = 0; i < r->n; i++) {
        int max = r->st[i].n_params;
        Oid types[PG_PARAMS_MAX] = { 0 };
        for (int k = 1; k <= max && k <= PG_PARAMS_MAX; k++) {
            char tag[8];
            snprintf(tag, sizeof(tag), "$%d", k);
            const char *at = strstr(r->sql[i], tag);
            bool used = false;
            while (at != NULL && !used) {
                used = !(at[strlen(tag)] >= '0' && at[strlen(tag)] <= '9');
                at = strstr(at + 1, tag);
            }
            if (!used)
                types[k - 1] = 25; /* TEXTOID */
        }
        char name[16];
        snprintf(name, sizeof(name), "r%d", i);
        PGresult *res = PQprepare(r->conn, name, r->sql[i], max, types);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            char m[512];
            pg_message(r->conn, res, m, sizeof(m));
            seterr(err, errlen, "PostgreSQL: preparing a query: %s", m);
            PQclear(res);
            return -1;
        }
        PQclear(res);
    }
    return 0;
}

int pg_reader_open(const char *url, const char *password, const char *const *sql, int n,
                   struct pg_reader **out, char *err, size_t errlen)
{
    *out = NULL;
    struct pg_reader *r = calloc(1, sizeof(*r));
    if (r == NULL || (r->url = strdup(url)) == NULL ||
        (password != NULL && (r->password = strdup(password)) == NULL) ||
        (r->sql = calloc((size_t)n, sizeof(*r->sql))) == NULL ||
        (r->st = calloc((size_t)n, sizeof(*r->st))) == NULL) {
        pg_reader_close(r);
        seterr(err, errlen, "out of memory");
        return -1;
    }
    r->n = n;
    for (int i = 0; i < n; i++) {
        r->st[i].r = r;
        r->st[i].index = i;
        r->st[i].row = -1;
        if ((r->sql[i] = rewrite_params(sql[i], &r->st[i].n_params)) == NULL) {
            pg_reader_close(r);
            seterr(err, errlen, "out of memory");
            return -1;
        }
        if (r->st[i].n_params > PG_PARAMS_MAX) {
            pg_reader_close(r);
            seterr(err, errlen, "a query takes too many parameters");
            return -1;
        }
    }
    r->conn = connect_to(url, password, err, errlen);
    if (r->conn == NULL || reader_prepare(r, err, errlen) != 0) {
        pg_reader_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

void pg_reader_close(struct pg_reader *r)
{
    if (r == NULL)
        return;
    if (r->conn != NULL)
        PQfinish(r->conn);
    for (int i = 0; r->st != NULL && i < r->n; i++)
        PQclear(r->st[i].res);
    for (int i = 0; r->sql != NULL && i < r->n; i++)
        free(r->sql[i]);
    free(r->sql);
    free(r->st);
    free(r->url);
    storage_secret_free(r->password);
    free(r);
}

/* The reader's connection, made again (a restarted server, a dropped link). */
static int reader_reconnect(struct pg_reader *r)
{
    if (r->conn != NULL)
        PQfinish(r->conn);
    r->conn = connect_to(r->url, r->password, r->msg, sizeof(r->msg));
    if (r->conn == NULL || reader_prepare(r, r->msg, sizeof(r->msg)) != 0) {
        if (r->conn != NULL)
            PQfinish(r->conn);
        r->conn = NULL;
        return -1;
    }
    return 0;
}

int pg_read_begin(struct pg_reader *r)
{
    /* One snapshot for every statement of the answer, as SQLite's read transaction. */
    static const char begin[] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    if ((r->conn == NULL || PQstatus(r->conn) != CONNECTION_OK) && reader_reconnect(r) != 0)
        return -1;
    if (exec_cmd(r->conn, begin, r->msg, sizeof(r->msg)) == 0)
        return 0;
    /* A connection that looked fine until now (the server restarted): once more, anew. */
    if (PQstatus(r->conn) == CONNECTION_OK || reader_reconnect(r) != 0)
        return -1;
    return exec_cmd(r->conn, begin, r->msg, sizeof(r->msg));
}

void pg_read_end(struct pg_reader *r)
{
    if (r->conn != NULL && PQtransactionStatus(r->conn) != PQTRANS_IDLE)
        exec_cmd(r->conn, "COMMIT", r->msg, sizeof(r->msg));
}

struct pg_stmt *pg_reader_stmt(struct pg_reader *r, int i)
{
    return &r->st[i];
}

const char *pg_reader_errmsg(struct pg_reader *r)
{
    return r->msg;
}

void pg_bind_int(struct pg_stmt *st, int i, int64_t v)
{
    if (i < 1 || i > st->n_params)
        return;
    snprintf(st->num[i - 1], sizeof(st->num[0]), "%lld", (long long)v);
    st->val[i - 1] = st->num[i - 1];
}

void pg_bind_text(struct pg_stmt *st, int i, const char *s)
{
    if (i < 1 || i > st->n_params)
        return;
    st->val[i - 1] = s;
}

int pg_step(struct pg_stmt *st)
{
    struct pg_reader *r = st->r;
    if (!st->ran) {
        st->ran = true;
        st->row = -1;
        if (r->conn == NULL) {
            snprintf(r->msg, sizeof(r->msg), "no connection to PostgreSQL");
            return STORAGE_ERROR;
        }
        char name[16];
        snprintf(name, sizeof(name), "r%d", st->index);
        st->res = PQexecPrepared(r->conn, name, st->n_params, st->val, NULL, NULL, 1);
        if (PQresultStatus(st->res) != PGRES_TUPLES_OK) {
            pg_message(r->conn, st->res, r->msg, sizeof(r->msg));
            PQclear(st->res);
            st->res = NULL;
            return STORAGE_ERROR;
        }
    }
    if (st->res == NULL)
        return STORAGE_ERROR;
    if (st->row + 1 >= PQntuples(st->res))
        return STORAGE_DONE;
    st->row++;
    return STORAGE_ROW;
}

int64_t pg_int(struct pg_stmt *st, int col)
{
    if (st->res == NULL || st->row < 0 || PQgetisnull(st->res, st->row, col))
        return 0;
    return get_int(st->res, st->row, col);
}

const char *pg_text(struct pg_stmt *st, int col)
{
    if (st->res == NULL || st->row < 0)
        return "";
    return PQgetvalue(st->res, st->row, col); /* "" for NULL; always NUL-terminated */
}

const void *pg_blob(struct pg_stmt *st, int col)
{
    if (st->res == NULL || st->row < 0 || PQgetisnull(st->res, st->row, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

size_t pg_bytes(struct pg_stmt *st, int col)
{
    if (st->res == NULL || st->row < 0)
        return 0;
    return (size_t)PQgetlength(st->res, st->row, col);
}

bool pg_is_null(struct pg_stmt *st, int col)
{
    return st->res == NULL || st->row < 0 || PQgetisnull(st->res, st->row, col);
}

void pg_reset(struct pg_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->ran = false;
    for (int i = 0; i < PG_PARAMS_MAX; i++)
        st->val[i] = NULL;
}
