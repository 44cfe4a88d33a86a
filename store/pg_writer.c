/*
 * pg_writer.c - the PostgreSQL backend's writer connection: its prepared
 * statements, (re)connecting, and the jobs beside reports (retention,
 * retirement, rebinding, silent hosts, per-check figures). Reports are
 * pg_apply.c's.
 */
#include "pg_conn.h"

#include "rules.h"
#include "statements.h"
#include "storage.h"
#include "store.h"
#include "../common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_STR_(x)           #x
#define PG_STR(x)            PG_STR_(x)
#define PG_REPORT_ID_BYTES   PG_STR(REPORT_ID_BYTES)
#define PG_DRIFT_LOCK_KEY_S  PG_STR(PG_DRIFT_LOCK_KEY)
#define PG_DRIFT_LOCK_WAIT_S PG_STR(STORE_PG_DRIFT_LOCK_TIMEOUT_MS)

static const char *const pg_write_sql[W_COUNT] = {
    [W_HOST_LOCK] = "SELECT id, last_seq, recent_ids, owner, retired_ms FROM hosts "
                    "WHERE host_id = $1 FOR UPDATE",
    /* A statement of its own: its snapshot is taken after the lock above is held. */
    [W_RESULTS_READ] = "SELECT data FROM results WHERE host = "
                       "(SELECT id FROM hosts WHERE host_id = $1)",
    /*
     * Everything a stored report writes but its drift, in one statement:
     * the host's row (updated, or inserted with an id taken beforehand:
     * $15), its results ($16, NULL: unchanged), the checks it starts ($17)
     * and stops ($18) failing, its owner ($19, NULL: unchanged), its id in
     * report_ids ($21) and the id its ring dropped gone ($22, NULL: none).
     * Its drift row goes in W_DRIFT_MANY, at the end of the transaction.
     */
    [W_WRITE] =
        "WITH upd AS (UPDATE hosts SET hostname = $2, agent_version = $3, catalog_version = $4, "
        "last_seq = $5, last_seen_ms = $6, generated_ms = $7, n_pass = $8, n_fail = $9, "
        "n_warn = $10, n_skip = $11, n_error = $12, n_waived = $20, recent_ids = $13, "
        "owner = coalesce($19, owner) WHERE id = $1 AND NOT $15::boolean), "
        "ins AS (INSERT INTO hosts (id, host_id, hostname, agent_version, catalog_version, "
        "last_seq, last_seen_ms, generated_ms, first_seen_ms, n_pass, n_fail, n_warn, n_skip, "
        "n_error, n_waived, recent_ids, owner) SELECT $1, $14, $2, $3, $4, $5, $6, $7, $6, $8, $9, "
        "$10, $11, $12, $20, $13, $19::text WHERE $15::boolean), "
        "res AS (INSERT INTO results (host, data) SELECT $1, $16::bytea WHERE $16::bytea IS NOT "
        "NULL ON CONFLICT (host) DO UPDATE SET data = excluded.data), "
        "fa AS (INSERT INTO failing (check_id, host) SELECT unnest($17::text[]), $1 "
        "ON CONFLICT DO NOTHING), "
        "ri AS (INSERT INTO report_ids (id, host) VALUES ($21::uuid, $1)), "
        "rd AS (DELETE FROM report_ids WHERE id = $22::uuid AND host = $1) "
        "DELETE FROM failing WHERE host = $1 AND check_id = ANY ($18::text[])",
    /*
     * W_WRITE for every report of a round at once (the first try, no
     * SAVEPOINT): one row of v per report, its byte values cut from one
     * bytea ($28) by offset and length (rows_len < 0: results unchanged;
     * has_res: the row exists, updated in place, no speculative insert);
     * new and gone failing rows as (check, host) pairs; its id into
     * report_ids and the one its ring dropped out (NULL: none).
     * Sent unprepared (pg_report_write.c), so each is planned with its arrays'
     * lengths: a generic plan guesses them and may scan hosts or failing.
     */
    [W_WRITE_MANY] =
        "WITH v AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], "
        "$5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], "
        "$11::bigint[], $12::bigint[], $13::bigint[], $14::text[], $15::boolean[], $16::text[], "
        "$17::int[], $18::int[], $19::int[], $20::int[], $25::boolean[], $26::uuid[], "
        "$27::uuid[]) AS v(id, hostname, agent_version, catalog_version, seq, seen, generated, "
        "n_pass, n_fail, n_warn, n_skip, n_error, n_waived, host_id, ins, owner, ring_off, "
        "ring_len, rows_off, rows_len, has_res, rid, dropped)), "
        "upd AS (UPDATE hosts h SET hostname = v.hostname, agent_version = v.agent_version, "
        "catalog_version = v.catalog_version, last_seq = v.seq, last_seen_ms = v.seen, "
        "generated_ms = v.generated, n_pass = v.n_pass, n_fail = v.n_fail, n_warn = v.n_warn, "
        "n_skip = v.n_skip, n_error = v.n_error, n_waived = v.n_waived, "
        "recent_ids = substring($28::bytea from v.ring_off + 1 for v.ring_len), "
        "owner = coalesce(v.owner, h.owner) FROM v WHERE h.id = v.id AND NOT v.ins), "
        "ins AS (INSERT INTO hosts (id, host_id, hostname, agent_version, catalog_version, "
        "last_seq, last_seen_ms, generated_ms, first_seen_ms, n_pass, n_fail, n_warn, n_skip, "
        "n_error, n_waived, recent_ids, owner) SELECT id, host_id, hostname, agent_version, "
        "catalog_version, seq, seen, generated, seen, n_pass, n_fail, n_warn, n_skip, n_error, "
        "n_waived, substring($28::bytea from ring_off + 1 for ring_len), owner FROM v WHERE ins), "
        "rup AS (UPDATE results r SET data = substring($28::bytea from v.rows_off + 1 "
        "for v.rows_len) FROM v WHERE r.host = v.id AND v.rows_len >= 0 AND v.has_res), "
        "res AS (INSERT INTO results (host, data) SELECT id, "
        "substring($28::bytea from rows_off + 1 for rows_len) FROM v "
        "WHERE rows_len >= 0 AND NOT has_res ON CONFLICT (host) DO UPDATE SET data = "
        "excluded.data), "
        "ri AS (INSERT INTO report_ids (id, host) SELECT rid, id FROM v), "
        "rd AS (DELETE FROM report_ids r USING v WHERE r.id = v.dropped AND r.host = v.id), "
        "fa AS (INSERT INTO failing (check_id, host) SELECT * FROM "
        "unnest($21::text[], $22::bigint[]) ON CONFLICT DO NOTHING) "
        "DELETE FROM failing f USING unnest($23::text[], $24::bigint[]) AS x(check_id, host) "
        "WHERE f.check_id = x.check_id AND f.host = x.host",
    /*
     * Drift ids are taken at the end of the transaction, under a lock held
     * until its COMMIT (W_DRIFT_LOCK first): every replica's transactions
     * take their ids in the order they commit, so a reader that saw an id
     * has seen every smaller one (pg_apply.c). Another replica holds it
     * through its COMMIT's WAL flush, which a busy disk can stretch past
     * lock_timeout: this wait has a bound of its own (set first: the
     * subquery is scanned before the lock is asked for).
     */
    [W_DRIFT_LOCK] = "SELECT pg_advisory_xact_lock(" PG_DRIFT_LOCK_KEY_S ") FROM (SELECT "
                     "set_config('lock_timeout', '" PG_DRIFT_LOCK_WAIT_S "', true)) AS t",
    /*
     * The batch's drift rows, one per stored report that changed anything,
     * in the order given (a host's later report gets the higher ids), and
     * their drift_checks as (row number, check) pairs; byte values cut from
     * $10 by offset and length.
     */
    [W_DRIFT_MANY] =
        "WITH v AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], "
        "$5::int[], $6::int[], $7::int[]) WITH ORDINALITY AS v(host, n, at, seen, rid_off, "
        "ev_off, ev_len, k)), "
        "d AS (INSERT INTO drift (id, host, n, at_ms, received_ms, report_id, events) "
        "SELECT nextval('drift_ids') + n - 1, host, n, at, seen, "
        "substring($10::bytea from rid_off + 1 for " PG_REPORT_ID_BYTES "), "
        "substring($10::bytea from ev_off + 1 for ev_len) FROM v ORDER BY k "
        "RETURNING id, host, report_id) "
        "INSERT INTO drift_checks (check_id, id) SELECT c.check_id, d.id FROM d "
        "JOIN v ON v.host = d.host AND "
        "substring($10::bytea from v.rid_off + 1 for " PG_REPORT_ID_BYTES ") = d.report_id "
        "JOIN unnest($8::bigint[], $9::text[]) AS c(k, check_id) ON c.k = v.k",
    [W_NEW_IDS] = "SELECT nextval('hosts_id_seq') FROM generate_series(1, $1::int)",
    /* A stale report's id: into the ring ($2) and report_ids ($3), the one dropped out ($4). */
    [W_HOST_RING] = "WITH ri AS (INSERT INTO report_ids (id, host) VALUES ($3::uuid, $1)), "
                    "rd AS (DELETE FROM report_ids WHERE id = $4::uuid AND host = $1) "
                    "UPDATE hosts SET recent_ids = $2 WHERE id = $1",
    /* Which of a round's report ids ($1) some host's ring holds. */
    [W_IDS_FIND] = "SELECT id FROM report_ids WHERE id = ANY ($1::uuid[])",
    [W_HOST_REVIVE] = STATEMENT_HOST_REVIVE(STATEMENT_PG),
    /*
     * The row and its drift_checks in one statement: ids from a block of the
     * sequence (a retirement's, after W_DRIFT_LOCK, last before its COMMIT).
     */
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
    [W_RESULTS_BY_ID] = STATEMENT_RESULTS_OF(STATEMENT_PG),
    [W_RETIRE_RESULTS] = STATEMENT_RETIRE_RESULTS(STATEMENT_PG),
    [W_RETIRE_HOST] = STATEMENT_RETIRE_HOST(STATEMENT_PG),
    [W_REBIND] = STATEMENT_REBIND(STATEMENT_PG),
    [W_SILENT] = STATEMENT_SILENT(STATEMENT_PG),
    /* Whole drift rows, oldest first (a row's events go together); their checks are read in C. */
    [W_RETENTION] = "DELETE FROM drift WHERE id IN (SELECT id FROM drift WHERE received_ms < $1 "
                    "ORDER BY received_ms, id LIMIT $2) RETURNING id, n, events",
    /* Their drift_checks rows, by the primary key: ($1[i], $2[i]) pairs. */
    [W_RETENTION_CHECKS] = "DELETE FROM drift_checks WHERE check_id = ANY ($1::text[]) "
                           "AND id BETWEEN (SELECT min(i) FROM unnest($2::bigint[]) AS i) "
                           "AND (SELECT max(i) FROM unnest($2::bigint[]) AS i) "
                           "AND (check_id, id) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))",
    [W_LOAD_CHECKS] = "SELECT check_id, failing_hosts, regressions, waived_hosts FROM checks",
};

const char *pg_write_text(enum pg_stmt_id id)
{
    return pg_write_sql[id];
}

static int64_t now_ms(void)
{
    return store_now_ms();
}

/* The writer's connection, (re)made; 0, or -1 with err. */
static int writer_connect(struct store_pg *p, char *err, size_t errlen)
{
    if (pg_link_connect(&p->link, err, errlen) != 0)
        return -1;
    PGconn *c = p->link.conn;
    /*
     * A row or table another session holds longer than SQLite's busy timeout
     * fails the report (503, Retry-After; the agent sends it again) instead of
     * holding the whole batch: the same bound as STORE_DB_BUSY_TIMEOUT_MS.
     */
    char sql[64];
    snprintf(sql, sizeof(sql), "SET lock_timeout = %d", STORE_DB_BUSY_TIMEOUT_MS);
    if (pg_exec(c, sql, err, errlen) != 0 || pg_setup_schema(c, err, errlen) != 0 ||
        pg_prepare_all(c, "w", pg_write_sql, W_COUNT, err, errlen) != 0) {
        pg_link_drop(&p->link);
        return -1;
    }
    return 0;
}

/* A usable connection: reconnects a lost one (not more often than the backoff allows). */
int pg_writer_ready(struct store_pg *p, char *err, size_t errlen)
{
    if (p->link.conn != NULL && PQstatus(p->link.conn) == CONNECTION_OK &&
        PQpipelineStatus(p->link.conn) == PQ_PIPELINE_OFF &&
        PQtransactionStatus(p->link.conn) == PQTRANS_IDLE)
        return 0;
    pg_link_drop(&p->link);
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
    if (p == NULL || pg_link_init(&p->link, url, password) != 0) {
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
    pg_link_close(&p->link);
    store_rows_free(&p->rows);
    free(p->next);
    free(p->events);
    for (size_t i = 0; i < 4; i++)
        free(p->arr[i].s);
    for (size_t i = 0; i < M_COLS; i++)
        free(p->many.col[i].s);
    free(p->many.bytes.s);
    for (size_t i = 0; i < D_COLS; i++)
        free(p->drift.col[i].s);
    free(p->drift.bytes.s);
    for (size_t i = 0; i < p->n_checks; i++)
        free(p->checks[i].check_id);
    free(p->checks);
    free(p);
}

PGresult *pg_writer_exec(struct store_pg *p, int id, const struct pg_params *a)
{
    char name[16];
    snprintf(name, sizeof(name), "w%d", id);
    return PQexecPrepared(p->link.conn, name, a ? a->n : 0, a ? a->val : NULL, a ? a->len : NULL,
                          a ? a->fmt : NULL, 1);
}

bool pg_ok(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Fails with libpq's message; drops a broken connection (reconnected next time). */
int pg_writer_fail(struct store_pg *p, PGresult *r, const char *what, char *err, size_t errlen)
{
    char m[512];
    pg_message(p->link.conn, r, m, sizeof(m));
    PQclear(r);
    seterr(err, errlen, "%s: %s", what, m);
    if (PQstatus(p->link.conn) != CONNECTION_OK)
        pg_link_drop(&p->link);
    else if (PQtransactionStatus(p->link.conn) != PQTRANS_IDLE)
        pg_exec(p->link.conn, "ROLLBACK", NULL, 0);
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
    struct pg_array *checks = &p->arr[0], *ids = &p->arr[1];
    checks->len = ids->len = 0;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const int64_t id = pg_get_int(r, i, 0), n = pg_get_int(r, i, 1);
        *deleted += (int)n;
        rc = store_events_decode(&ev, PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2), (size_t)n);
        for (size_t k = 0; rc == 0 && k < ev.n; k++) {
            /* A row's events are in check order (as send_writes took its checks). */
            if (k == 0 || strcmp(ev.ev[k - 1].check_id, ev.ev[k].check_id) != 0)
                rc = pg_array_text(checks, ev.ev[k].check_id) | pg_array_int(ids, id);
        }
    }
    store_events_free(&ev);
    if (rc == 0)
        rc = pg_array_end(checks) | pg_array_end(ids);
    return rc;
}

/* A usable connection, in a transaction; 0, or -1 with err ("what: ..."). */
static int writer_begin(struct store_pg *p, const char *what, char *err, size_t errlen)
{
    char sub[512];
    if (pg_writer_ready(p, err, errlen) != 0)
        return -1;
    if (pg_exec(p->link.conn, "BEGIN", sub, sizeof(sub)) != 0) {
        seterr(err, errlen, "%s: %s", what, sub);
        return -1;
    }
    return 0;
}

int store_pg_retention(struct store_pg *p, int64_t cutoff_ms, int limit, int *deleted, char *err,
                       size_t errlen)
{
    *deleted = 0;
    if (limit <= 0)
        return 0;
    if (writer_begin(p, "retention", err, errlen) != 0)
        return -1;
    struct pg_params a = { 0 };
    pg_par_int(&a, cutoff_ms);
    pg_par_int(&a, limit);
    PGresult *r = pg_writer_exec(p, W_RETENTION, &a);
    if (!pg_ok(r))
        return pg_writer_fail(p, r, "retention", err, errlen);
    int n = 0;
    if (retention_pairs(p, r, &n) != 0) {
        seterr(err, errlen, "retention: a drift row cannot be read (corrupt), or no memory");
        PQclear(r);
        pg_exec(p->link.conn, "ROLLBACK", NULL, 0);
        return -1;
    }
    PQclear(r);
    a.n = 0;
    pg_par_text(&a, p->arr[0].s);
    pg_par_text(&a, p->arr[1].s);
    r = pg_writer_exec(p, W_RETENTION_CHECKS, &a);
    if (!pg_ok(r))
        return pg_writer_fail(p, r, "retention", err, errlen);
    PQclear(r);
    if (pg_exec(p->link.conn, "COMMIT", NULL, 0) != 0)
        return pg_writer_fail(p, NULL, "retention", err, errlen);
    *deleted = n;
    return 0;
}

int store_pg_retire(struct store_pg *p, const char *host_id, int64_t now_ms_,
                    struct diff_result *figures, bool *found, char *err, size_t errlen)
{
    static const unsigned char no_report[REPORT_ID_BYTES] = { 0 };
    *found = false;
    figures->n_events = 0;
    if (writer_begin(p, "retire", err, errlen) != 0)
        return -1;
    struct pg_params a = { 0 };
    pg_par_text(&a, host_id);
    PGresult *r = pg_writer_exec(p, W_RETIRE_FIND, &a);
    if (!pg_ok(r))
        goto fail;
    int64_t host = PQntuples(r) > 0 ? pg_get_int(r, 0, 0) : 0;
    PQclear(r);
    r = NULL;
    if (host != 0) {
        a.n = 0;
        pg_par_int(&a, host);
        r = pg_writer_exec(p, W_RESULTS_BY_ID, &a);
        if (!pg_ok(r))
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
        struct pg_array *t = &p->arr[0], *f = &p->arr[1];
        t->len = f->len = 0;
        int e = 0;
        for (size_t i = 0; e == 0 && i <= p->rows.n; i++)
            if (i == 0 || strcmp(p->events[i - 1].check_id, p->events[i].check_id) != 0)
                e = pg_array_text(t, p->events[i].check_id);
        /* f: the checks it failed (their failing rows go), z: every check's figures */
        for (size_t i = 0; e == 0 && i < figures->n_checks; i++)
            if (figures->checks[i].failing_delta < 0)
                e = pg_array_text(f, figures->checks[i].check_id);
        e |= pg_array_end(t) | pg_array_end(f);
        if (e != 0) {
            free(v);
            goto fail;
        }
        struct pg_params fd = { 0 };
        pg_par_text(&fd, f->s);
        pg_par_int(&fd, host);
        r = pg_writer_exec(p, W_FAILING_DEL, &fd);
        if (!pg_ok(r)) {
            free(v);
            goto fail;
        }
        PQclear(r);
        /* The figures (check, failing, regressions 0, waived), as W_CHECKS's four arrays. */
        struct pg_array cols[4] = { { 0 } };
        for (size_t i = 0; e == 0 && i < figures->n_checks; i++) {
            const struct diff_check *k = &figures->checks[i];
            e = pg_array_text(&cols[0], k->check_id) | pg_array_int(&cols[1], k->failing_delta) |
                pg_array_int(&cols[2], 0) | pg_array_int(&cols[3], k->waived_delta);
        }
        struct pg_params c = { 0 };
        e |= pg_par_arrays(&c, cols, 4, NULL);
        r = e == 0 ? pg_writer_exec(p, W_CHECKS, &c) : NULL;
        for (int i = 0; i < 4; i++)
            free(cols[i].s);
        if (!pg_ok(r)) {
            free(v);
            goto fail;
        }
        PQclear(r);
        a.n = 0;
        pg_par_int(&a, host);
        r = pg_writer_exec(p, W_RETIRE_RESULTS, &a);
        if (pg_ok(r)) {
            PQclear(r);
            pg_par_int(&a, now_ms_ > 0 ? now_ms_ : 1);
            r = pg_writer_exec(p, W_RETIRE_HOST, &a);
        }
        if (pg_ok(r)) {
            /* Its drift last, its ids taken under the drift lock (pg_batch_commit.c). */
            PQclear(r);
            r = pg_writer_exec(p, W_DRIFT_LOCK, NULL);
        }
        if (pg_ok(r)) {
            PQclear(r);
            struct pg_params d = { 0 };
            pg_par_int(&d, host);
            pg_par_int(&d, (int64_t)(p->rows.n + 1));
            pg_par_int(&d, now_ms_);
            pg_par_int(&d, now_ms_);
            pg_par_blob(&d, no_report, REPORT_ID_BYTES);
            pg_par_blob(&d, v, len);
            pg_par_text(&d, t->s);
            r = pg_writer_exec(p, W_DRIFT, &d);
        }
        free(v);
        if (!pg_ok(r))
            goto fail;
        PQclear(r);
        r = NULL;
    }
    if (pg_exec(p->link.conn, "COMMIT", NULL, 0) != 0)
        goto fail; /* r is NULL: libpq's message */
    *found = host != 0;
    return 0;
fail:
    pg_writer_fail(p, r, "retire", err, errlen);
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
    if (pg_writer_ready(p, err, errlen) != 0)
        return -1;
    struct pg_params a = { 0 };
    pg_par_text(&a, host_id);
    pg_par_text(&a, owner);
    PGresult *r = pg_writer_exec(p, W_REBIND, &a);
    if (!pg_ok(r))
        return pg_writer_fail(p, r, "rebind", err, errlen);
    *found = strcmp(PQcmdTuples(r), "0") != 0;
    PQclear(r);
    return 0;
}

int store_pg_silent_hosts(struct store_pg *p, int64_t cutoff_ms,
                          char (*ids)[REPORT_HOST_ID_MAX + 1], size_t max, size_t *n, char *err,
                          size_t errlen)
{
    *n = 0;
    if (pg_writer_ready(p, err, errlen) != 0)
        return -1;
    struct pg_params a = { 0 };
    pg_par_int(&a, cutoff_ms);
    pg_par_int(&a, (int64_t)max);
    PGresult *r = pg_writer_exec(p, W_SILENT, &a);
    if (!pg_ok(r))
        return pg_writer_fail(p, r, "finding silent hosts", err, errlen);
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
    if (pg_writer_ready(p, err, errlen) != 0)
        return -1;
    PGresult *r = pg_writer_exec(p, W_LOAD_CHECKS, NULL);
    if (!pg_ok(r))
        return pg_writer_fail(p, r, "loading per-check figures", err, errlen);
    for (int i = 0; i < PQntuples(r); i++)
        fn(arg, PQgetvalue(r, i, 0), (uint64_t)pg_get_int(r, i, 1), (uint64_t)pg_get_int(r, i, 2),
           (uint64_t)pg_get_int(r, i, 3));
    PQclear(r);
    return 0;
}
