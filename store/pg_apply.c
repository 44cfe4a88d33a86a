/*
 * pg_apply.c - a batch of reports stored on PostgreSQL (store_pg_apply).
 *
 * Several replicas, one database. Each replica's writer applies its batch
 * in one transaction, in READ COMMITTED:
 * - a report first locks its host's row (SELECT ... FOR UPDATE), then
 *   reads the host's results in a second statement, whose snapshot is
 *   taken once the lock is held: a replica storing a report of the same
 *   host waits for the other's COMMIT and then diffs against what that
 *   one stored, so drift chains stay whole (no event is lost or told
 *   twice). Row locks rather than SERIALIZABLE: a conflict waits instead of
 *   failing, so no report is answered 503 for losing a race.
 * - a new host's row is inserted with the report's writes: when another
 *   replica created it meanwhile, the insert fails (unique host_id) and
 *   the batch is done again (below), where the lock finds that row.
 * - a report id is a duplicate when its host's row, read under that lock,
 *   holds it (the last STORE_RECENT_IDS ids, as on SQLite): the database,
 *   not a replica's memory, decides, and ids of other replicas count. An
 *   id another host's ring holds is a duplicate too (SQLite's id set):
 *   report_ids holds every ring's ids, keyed by the id, looked up once per
 *   round; two replicas inserting one id at once meet on its key (the
 *   second fails, and its batch is done again, finding it).
 * - the batch's jobs are taken in host-id order (stable), and the per-check
 *   figures of the whole batch are added last, in check-id order, so two
 *   replicas' transactions lock rows in one order and cannot deadlock.
 * - drift event ids come from one sequence, a block of
 *   STORE_PG_DRIFT_ID_BLOCK per drift row: unique and increasing across
 *   replicas (not gap-free), and in commit order: a batch's drift rows are
 *   written last, after an advisory lock that PostgreSQL releases once the
 *   COMMIT is visible, so a reader paging by id skips nothing
 *   (send_drift).
 *
 * Round trips (libpq pipeline mode), a batch of reports of distinct hosts:
 * [BEGIN, per report: lock the host row, read its results; the round's
 * ids in report_ids], then [the writes of all its reports but drift as
 * one statement (W_WRITE_MANY), the per-check figures, the drift lock and
 * rows (W_DRIFT_MANY), COMMIT]: two, plus one for new hosts' ids (a
 * host's second report of the batch goes in a second round after the
 * first's writes). No SAVEPOINT on this first try: a subtransaction per
 * report costs the server a subtransaction id, a MultiXact for the row
 * locked outside it, and two statements. When a statement fails (a host
 * created by another replica meanwhile, a trigger, a full disk...), the
 * transaction is rolled back, nothing of it committed, and the batch is
 * done again carefully: a SAVEPOINT per report, each its own segment of
 * the pipeline, so the report that fails is rolled back alone (503) and
 * the others are stored. Statements are prepared once per connection;
 * values are bound, never spliced. A 200 leaves only after the COMMIT
 * returned (writer.c), with synchronous_commit as the server has it (on
 * by default).
 *
 * A lost connection fails the batch (every report 503, Retry-After); the
 * next batch reconnects, waiting STORE_PG_RETRY_MIN_MS doubling to
 * STORE_PG_RETRY_MAX_MS between attempts, and fails fast in between.
 */
#include "pg_conn.h"

#include "rules.h"
#include "storage.h"
#include "store.h"

#include "../common/buf.h"
#include "../common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(2 * STORE_RESULTS_MAX < STORE_PG_DRIFT_ID_BLOCK,
               "a drift row's events fit the id block it takes");

static int send_stmt(struct store_pg *p, int id, const struct pg_params *par)
{
    char name[16];
    snprintf(name, sizeof(name), "w%d", id);
    return PQsendQueryPrepared(p->link.conn, name, par ? par->n : 0, par ? par->val : NULL,
                               par ? par->len : NULL, par ? par->fmt : NULL, 1) == 1
               ? 0
               : -1;
}

static int send_sql(struct store_pg *p, const char *sql)
{
    return PQsendQueryParams(p->link.conn, sql, 0, NULL, NULL, NULL, NULL, 1) == 1 ? 0 : -1;
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
        while ((r = PQgetResult(p->link.conn)) != NULL) {
            ExecStatusType s = PQresultStatus(r);
            if (!got && s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK && *failed_at < 0) {
                pg_message(p->link.conn, r, err, errlen);
                *failed_at = i;
            }
            if (!got && i < keep)
                res[i] = r;
            else
                PQclear(r);
            got = true;
        }
        if (PQstatus(p->link.conn) != CONNECTION_OK || (!got && *failed_at < 0)) {
            pg_message(p->link.conn, NULL, err, errlen);
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
    PGresult *s = PQgetResult(p->link.conn);
    int rc = s != NULL && PQresultStatus(s) == PGRES_PIPELINE_SYNC ? 0 : -1;
    if (rc != 0)
        pg_message(p->link.conn, s, err, errlen);
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
    if (PQpipelineSync(p->link.conn) != 1) {
        pg_message(p->link.conn, NULL, err, errlen);
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

struct pg_host {
    int64_t id; /* 0: no row */
    int64_t last_seq;
    unsigned char ring[STORE_RECENT_IDS * REPORT_ID_BYTES];
    size_t ring_len;
    bool owned;
    char owner[STORE_OWNER_MAX + 1];
    bool retired;
    bool has_results; /* its results row exists (read under the lock) */
};
static void read_host(const PGresult *r, struct pg_host *h)
{
    memset(h, 0, sizeof(*h));
    if (PQntuples(r) < 1)
        return;
    h->id = pg_get_int(r, 0, 0);
    h->last_seq = pg_get_int(r, 0, 1);
    int n = PQgetlength(r, 0, 2);
    if (n > 0 && (size_t)n <= sizeof(h->ring) && n % REPORT_ID_BYTES == 0) {
        memcpy(h->ring, PQgetvalue(r, 0, 2), (size_t)n);
        h->ring_len = (size_t)n;
    }
    if (!PQgetisnull(r, 0, 3)) {
        h->owned = true;
        snprintf(h->owner, sizeof(h->owner), "%s", PQgetvalue(r, 0, 3));
    }
    h->retired = pg_get_int(r, 0, 4) != 0;
}

static bool ring_has(const struct pg_host *h, const unsigned char *id)
{
    for (size_t i = 0; i + REPORT_ID_BYTES <= h->ring_len; i += REPORT_ID_BYTES)
        if (memcmp(h->ring + i, id, REPORT_ID_BYTES) == 0)
            return true;
    return false;
}

/* Adds id to the ring; the id that falls out (a full ring) goes to dropped: true when one did. */
static bool ring_push(struct pg_host *h, const unsigned char *id, unsigned char *dropped)
{
    const size_t full = sizeof(h->ring);
    const bool full_now = h->ring_len == full;
    if (full_now) {
        memcpy(dropped, h->ring, REPORT_ID_BYTES);
        memmove(h->ring, h->ring + REPORT_ID_BYTES, full - REPORT_ID_BYTES);
        h->ring_len -= REPORT_ID_BYTES;
    }
    memcpy(h->ring + h->ring_len, id, REPORT_ID_BYTES);
    h->ring_len += REPORT_ID_BYTES;
    return full_now;
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
    if (array_grow(&p->checks, p->n_checks, &p->cap_checks, sizeof(*p->checks), 64) != 0)
        return -1;
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

/* Appends len bytes to m->bytes; their offset, or -1. */
static int64_t many_bytes(struct pg_many *m, const void *data, size_t len)
{
    const size_t off = m->bytes.len;
    return pg_array_put(&m->bytes, data, len) == 0 ? (int64_t)off : -1;
}

static void many_reset(struct pg_many *m)
{
    for (int i = 0; i < M_COLS; i++)
        m->col[i].len = 0;
    m->bytes.len = 0;
    m->n = 0;
}

/* Sends the gathered round as one W_WRITE_MANY; returns the queries sent (0 or 1), or -1. */
static int many_send(struct store_pg *p)
{
    struct pg_many *m = &p->many;
    if (m->n == 0)
        return 0;
    struct pg_params a = { 0 };
    for (int i = 0; i < M_COLS; i++) {
        if (pg_array_end(&m->col[i]) != 0)
            return -1;
        pg_par_text(&a, m->col[i].s);
    }
    pg_par_blob(&a, m->bytes.s, m->bytes.len); /* $28 */
    /* Unprepared: planned for these arrays (see pg_writer.c). */
    int rc = PQsendQueryParams(p->link.conn, pg_write_text(W_WRITE_MANY), a.n, NULL, a.val, a.len,
                               a.fmt, 1) == 1
                 ? 0
                 : -1;
    many_reset(m);
    return rc == 0 ? 1 : -1;
}

/*
 * Adds a report's writes to the round's W_WRITE_MANY: the same values as
 * send_writes binds, as array elements. 0, or -1 on no memory.
 */
static int many_add(struct pg_many *m, const struct store_job *job, const struct pg_host *h,
                    const unsigned char *dropped, bool insert, bool bind, const void *rows,
                    size_t rows_len, bool rows_changed)
{
    const Dockward__V1__Report *m_ = job->report->msg;
    const struct diff_result *d = &job->diff;
    struct pg_array *c = m->col;
    int64_t ring = many_bytes(m, h->ring, h->ring_len);
    int64_t rw = rows_changed ? many_bytes(m, rows, rows_len) : 0;
    if (ring < 0 || rw < 0 || m->bytes.len > INT32_MAX)
        return -1;
    int rc =
        pg_array_int(&c[M_ID], h->id) | pg_array_text(&c[M_HOSTNAME], m_->hostname) |
        pg_array_text(&c[M_AGENT], m_->agent_version) |
        pg_array_text(&c[M_CATALOG], m_->catalog_version) |
        pg_array_int(&c[M_SEQ], (int64_t)m_->sequence) |
        pg_array_int(&c[M_SEEN], job->received_ms) |
        pg_array_int(&c[M_GENERATED], m_->generated_at_unix_ms) |
        pg_array_int(&c[M_WAIVED], (int64_t)d->counts[STORE_WAIVED]) |
        pg_array_text(&c[M_HOST_ID], m_->host_id) |
        pg_array_text(&c[M_INSERT], insert ? "t" : "f") |
        pg_array_text(&c[M_HAS_RESULTS], h->has_results ? "t" : "f") |
        (bind ? pg_array_text(&c[M_OWNER], job->owner) : pg_array_null(&c[M_OWNER])) |
        pg_array_int(&c[M_RING_OFF], ring) | pg_array_int(&c[M_RING_LEN], (int64_t)h->ring_len) |
        pg_array_int(&c[M_ROWS_OFF], rw) |
        pg_array_int(&c[M_ROWS_LEN], rows_changed ? (int64_t)rows_len : -1) |
        pg_array_uuid(&c[M_RID], m_->report_id.data) |
        (dropped != NULL ? pg_array_uuid(&c[M_DROPPED], dropped) : pg_array_null(&c[M_DROPPED]));
    for (int s = STORE_PASS; s <= STORE_ERROR; s++)
        rc |= pg_array_int(&c[M_PASS + s - STORE_PASS], (int64_t)d->counts[s]);
    for (size_t i = 0; rc == 0 && i < d->n_checks; i++) {
        const struct diff_check *k = &d->checks[i];
        if (k->failing_delta > 0)
            rc = pg_array_text(&c[M_FA_CHECK], k->check_id) | pg_array_int(&c[M_FA_HOST], h->id);
        else if (k->failing_delta < 0)
            rc = pg_array_text(&c[M_FD_CHECK], k->check_id) | pg_array_int(&c[M_FD_HOST], h->id);
    }
    m->n++;
    return rc == 0 ? 0 : -1;
}

/*
 * The writes of a report whose host is locked (h) and diffed (job->diff),
 * but its drift (send_drift, at the end): sent as one statement (W_WRITE),
 * or, with many, added to the round's W_WRITE_MANY. Returns the queries
 * sent (1, or 0 when added), or -1. The values it binds live in p's
 * buffers until the next call.
 */
static int send_writes(struct store_pg *p, struct store_job *job, struct pg_host *h,
                       const unsigned char *dropped, bool bind, int64_t new_id,
                       struct pg_many *many)
{
    const Dockward__V1__Report *m = job->report->msg;
    const struct diff_result *d = &job->diff;
    const bool insert = h->id == 0;
    if (insert)
        h->id = new_id;
    unsigned char *rows = NULL;
    size_t rows_len = 0;
    if (d->n_changes > 0) {
        size_t nr = 0;
        if (store_rule_rows_after(p->rows.rows, p->rows.n, d, m->generated_at_unix_ms, &p->next,
                                  &p->next_cap, &nr) != 0 ||
            store_rows_encode(&p->rows.codec, p->next, nr, &rows, &rows_len) != 0)
            return -1;
    }
    int rc;
    if (many != NULL) {
        rc = many_add(many, job, h, dropped, insert, bind, rows, rows_len, d->n_changes > 0);
        free(rows);
        return rc;
    }
    struct pg_params a = { 0 };
    pg_par_int(&a, h->id);
    pg_par_text(&a, m->hostname);
    pg_par_text(&a, m->agent_version);
    pg_par_text(&a, m->catalog_version);
    pg_par_int(&a, (int64_t)m->sequence);
    pg_par_int(&a, job->received_ms);
    pg_par_int(&a, m->generated_at_unix_ms);
    for (int s = STORE_PASS; s <= STORE_ERROR; s++)
        pg_par_int(&a, (int64_t)d->counts[s]);
    pg_par_blob(&a, h->ring, h->ring_len);
    pg_par_text(&a, m->host_id);         /* $14 */
    pg_par_text(&a, insert ? "t" : "f"); /* $15 */
    if (d->n_changes > 0)
        pg_par_blob(&a, rows, rows_len); /* $16 */
    else
        pg_par_null(&a);
    struct pg_array *add = &p->arr[1], *del = &p->arr[2];
    add->len = del->len = 0;
    rc = 0;
    for (size_t i = 0; rc == 0 && i < d->n_checks; i++) {
        const struct diff_check *k = &d->checks[i];
        if (k->failing_delta != 0)
            rc = pg_array_text(k->failing_delta > 0 ? add : del, k->check_id);
    }
    if (rc == 0)
        rc = pg_array_end(add) | pg_array_end(del);
    pg_par_text(&a, add->s); /* $17 */
    pg_par_text(&a, del->s); /* $18 */
    if (bind)
        pg_par_text(&a, job->owner); /* $19 */
    else
        pg_par_null(&a);
    pg_par_int(&a, (int64_t)d->counts[STORE_WAIVED]);    /* $20 */
    pg_par_blob(&a, m->report_id.data, REPORT_ID_BYTES); /* $21 */
    if (dropped != NULL)
        pg_par_blob(&a, dropped, REPORT_ID_BYTES); /* $22 */
    else
        pg_par_null(&a);
    if (rc == 0)
        rc = send_stmt(p, W_WRITE, &a);
    free(rows);
    return rc == 0 ? 1 : -1;
}

/* A report of the batch and what the first phase read of its host. */
struct pg_item {
    struct store_job *job;
    PGresult *host_row;         /* the locked hosts row (none: a new host) */
    PGresult *results;          /* its results row */
    int64_t new_id;             /* a new host's id, taken from the sequence */
    int64_t host_db;            /* its host's hosts.id, once its writes are sent */
    size_t index;               /* its place in the batch (arrival order) */
    int round;                  /* the host's n-th report in the batch: applied in round n */
    bool left_out;              /* its host's row could not be locked: 503 */
    bool id_taken;              /* its id is in report_ids (some host's ring), read in its round */
    bool holds_id;              /* this try puts its id into its host's ring */
    enum store_outcome pending; /* the outcome once its writes are committed */
};

/* Another report of the batch, sent before it in this try, puts its id into a ring. */
static bool batch_holds(const struct pg_item *items, size_t n, const struct pg_item *it)
{
    const unsigned char *id = it->job->report->msg->report_id.data;
    for (size_t i = 0; i < n; i++)
        if (&items[i] != it && items[i].holds_id &&
            memcmp(items[i].job->report->msg->report_id.data, id, REPORT_ID_BYTES) == 0)
            return true;
    return false;
}

/*
 * Sends one report's writes as its own segment: SAVEPOINT, the writes,
 * RELEASE, then a sync point. Decides item->pending by the rules (rules.h,
 * diff.h) on what the first phase read. Returns the queries sent (0: none,
 * the outcome is final: duplicate, forbidden, or unavailable), or -1 when
 * sending failed.
 */
static int send_segment(struct store_pg *p, struct pg_item *items, size_t n_items,
                        struct pg_item *it, bool careful, char *err, size_t errlen)
{
    struct store_job *job = it->job;
    const Dockward__V1__Report *m = job->report->msg;
    struct pg_host h;
    it->pending = STORE_OUTCOME_UNAVAILABLE;
    read_host(it->host_row, &h);
    /*
     * The same report again: nothing changes. Its host's ring holds the id,
     * or another host's does (report_ids, or a report of this batch): an id
     * reused for a different host is a duplicate too, as SQLite's id set
     * answers.
     */
    if (ring_has(&h, m->report_id.data) || it->id_taken || batch_holds(items, n_items, it)) {
        job->outcome = STORE_OUTCOME_DUPLICATE;
        return 0;
    }
    p->rows.n = 0;
    h.has_results = PQntuples(it->results) > 0;
    if (h.has_results && store_rows_decode(&p->rows, PQgetvalue(it->results, 0, 0),
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
        pg_par_int(&a, h.id);
        pg_par_int(&a, job->received_ms);
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
        unsigned char dropped[REPORT_ID_BYTES];
        const bool full = ring_push(&h, m->report_id.data, dropped);
        a.n = 0;
        pg_par_int(&a, h.id);
        pg_par_blob(&a, h.ring, h.ring_len);
        pg_par_blob(&a, m->report_id.data, REPORT_ID_BYTES);
        if (full)
            pg_par_blob(&a, dropped, REPORT_ID_BYTES);
        else
            pg_par_null(&a);
        if (send_stmt(p, W_HOST_RING, &a) != 0)
            return -1;
        n++;
        it->pending = STORE_OUTCOME_STALE;
        it->holds_id = true;
    } else {
        if (store_diff(p->rows.rows, p->rows.n, job->report, &job->diff) != 0) {
            seterr(err, errlen, "out of memory");
            return -1;
        }
        unsigned char dropped[REPORT_ID_BYTES];
        const bool full = ring_push(&h, m->report_id.data, dropped);
        int sent = send_writes(p, job, &h, full ? dropped : NULL, bind, it->new_id,
                               careful ? NULL : &p->many);
        if (sent < 0)
            return -1;
        it->host_db = h.id;
        n += sent;
        it->pending = STORE_OUTCOME_STORED;
        it->holds_id = true;
    }
    if (!careful)
        return n;
    if (send_sql(p, "RELEASE report") != 0 || PQpipelineSync(p->link.conn) != 1)
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
 * Marks the round's reports whose id report_ids holds (r: W_IDS_FIND's
 * rows, or NULL: none).
 */
static void mark_ids_taken(struct pg_item *items, size_t n, int round, const PGresult *r)
{
    for (size_t i = 0; i < n; i++) {
        if (items[i].round != round)
            continue;
        items[i].id_taken = false;
        for (int k = 0; r != NULL && k < PQntuples(r); k++)
            if (PQgetlength(r, k, 0) == REPORT_ID_BYTES &&
                memcmp(PQgetvalue(r, k, 0), items[i].job->report->msg->report_id.data,
                       REPORT_ID_BYTES) == 0)
                items[i].id_taken = true;
    }
}

/*
 * The first phase of a round, one pipeline: lock each host's row and read
 * its results (a statement of its own, whose snapshot follows the lock),
 * then look the round's report ids up in report_ids (one statement).
 * A lock that times out (another session holds it past lock_timeout)
 * fails the transaction: it is rolled back, that report is answered 503,
 * and the round starts again without it (only in round 0, before anything
 * is written). Returns 0, or -1 (the batch fails).
 */
static int lock_round(struct store_pg *p, struct pg_item *items, size_t n, int round, char *err,
                      size_t errlen)
{
    int timeouts = 0;
    struct pg_array *ids = &p->arr[3];
    for (;;) {
        size_t sent = 0;
        if (round == 0 && send_sql(p, "BEGIN") != 0)
            return -1;
        ids->len = 0;
        for (size_t i = 0; i < n; i++) {
            struct pg_item *it = &items[i];
            if (it->round != round || it->left_out)
                continue;
            struct pg_params a = { 0 };
            pg_par_text(&a, it->job->report->msg->host_id);
            if (send_stmt(p, W_HOST_LOCK, &a) != 0 || send_stmt(p, W_RESULTS_READ, &a) != 0 ||
                pg_array_uuid(ids, it->job->report->msg->report_id.data) != 0)
                return -1;
            sent++;
        }
        struct pg_params a = { 0 };
        if (pg_array_end(ids) != 0)
            return -1;
        pg_par_text(&a, ids->s);
        if (send_stmt(p, W_IDS_FIND, &a) != 0 || PQpipelineSync(p->link.conn) != 1)
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
        if (collect(p, (int)(2 * sent + 1), res, (int)(2 * sent + 1), &failed_at, err, errlen) !=
                0 ||
            read_sync(p, err, errlen) != 0) {
            free(res);
            return -1;
        }
        mark_ids_taken(items, n, round, failed_at < 0 ? res[2 * sent] : NULL);
        PQclear(res[2 * sent]);
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
    pg_par_int(&a, (int64_t)want);
    PGresult *r;
    if (send_stmt(p, W_NEW_IDS, &a) != 0 || pipeline_sync(p, 1, &r, 1, err, errlen) != 0)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n && k < (size_t)PQntuples(r); i++)
        if (items[i].round == round && items[i].host_row != NULL &&
            PQntuples(items[i].host_row) == 0)
            items[i].new_id = pg_get_int(r, (int)k++, 0);
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
            queries[i] = send_segment(p, items, n, it, true, err, errlen);
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
        for (size_t i = failed; i < n; i++)
            items[i].holds_id = false; /* undone, or sent again */
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
 * The drift rows of the batch's stored reports, last in its transaction:
 * W_DRIFT_LOCK, then W_DRIFT_MANY, whose ids are taken under that lock,
 * held until COMMIT. Every replica's writer takes it only here, after all
 * its row locks, and waits for nothing while holding it (new keys of drift
 * and drift_checks only), so it adds no deadlock. Returns the queries
 * sent (0: no drift), or -1.
 */
static int send_drift(struct store_pg *p, const struct pg_item *items, size_t n)
{
    struct pg_drift *dr = &p->drift;
    for (int i = 0; i < D_COLS; i++)
        dr->col[i].len = 0;
    dr->bytes.len = 0;
    dr->n = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct store_job *job = items[i].job;
        const struct diff_result *d = &job->diff;
        if (job->outcome != STORE_OUTCOME_STORED || d->n_events == 0)
            continue;
        const Dockward__V1__Report *m = job->report->msg;
        unsigned char *events = NULL;
        size_t len = 0;
        if (store_rule_drift_events(d, &p->events, &p->events_cap) != 0 ||
            store_events_encode(&p->rows.codec, p->events, d->n_events, &events, &len) != 0)
            return -1;
        const size_t rid = dr->bytes.len, ev = rid + REPORT_ID_BYTES;
        rc = pg_array_put(&dr->bytes, m->report_id.data, REPORT_ID_BYTES) |
             pg_array_put(&dr->bytes, events, len);
        free(events);
        if (rc != 0 || dr->bytes.len > INT32_MAX)
            return -1;
        dr->n++;
        struct pg_array *c = dr->col;
        rc = pg_array_int(&c[D_HOST], items[i].host_db) |
             pg_array_int(&c[D_N], (int64_t)d->n_events) |
             pg_array_int(&c[D_AT], m->generated_at_unix_ms) |
             pg_array_int(&c[D_SEEN], job->received_ms) |
             pg_array_int(&c[D_RID_OFF], (int64_t)rid) | pg_array_int(&c[D_EV_OFF], (int64_t)ev) |
             pg_array_int(&c[D_EV_LEN], (int64_t)len);
        /* One drift_checks row per check the events are of (in check order). */
        for (size_t k = 0; rc == 0 && k < d->n_events; k++)
            if (k == 0 || strcmp(p->events[k - 1].check_id, p->events[k].check_id) != 0)
                rc = pg_array_int(&c[D_DC_ROW], dr->n) |
                     pg_array_text(&c[D_DC_CHECK], p->events[k].check_id);
    }
    if (rc != 0)
        return -1;
    if (dr->n == 0)
        return 0;
    struct pg_params a = { 0 };
    for (int i = 0; i < D_COLS; i++) {
        if (pg_array_end(&dr->col[i]) != 0)
            return -1;
        pg_par_text(&a, dr->col[i].s);
    }
    pg_par_blob(&a, dr->bytes.s, dr->bytes.len); /* $10 */
    return send_stmt(p, W_DRIFT_LOCK, NULL) == 0 && send_stmt(p, W_DRIFT_MANY, &a) == 0 ? 2 : -1;
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
        if (pg_array_text(&p->arr[0], p->checks[i].check_id) != 0 ||
            pg_array_int(&p->arr[1], p->checks[i].failing) != 0 ||
            pg_array_int(&p->arr[2], p->checks[i].regressions) != 0 ||
            pg_array_int(&p->arr[3], p->checks[i].waived) != 0)
            return -1;
    }
    struct pg_params a = { 0 };
    for (int i = 0; i < 4; i++) {
        if (pg_array_end(&p->arr[i]) != 0)
            return -1;
        pg_par_text(&a, p->arr[i].s);
    }
    return send_stmt(p, W_CHECKS, &a) == 0 ? 1 : -1;
}

/* Sends the batch's per-check figures, its drift and COMMIT; returns as pipeline_sync. */
static int commit_batch(struct store_pg *p, const struct pg_item *items, size_t n, char *err,
                        size_t errlen)
{
    int sent = send_checks(p, items, n);
    int drift = sent < 0 ? -1 : send_drift(p, items, n);
    if (drift < 0 || send_sql(p, "COMMIT") != 0)
        return -1;
    return pipeline_sync(p, sent + drift + 1, NULL, 0, err, errlen);
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
    many_reset(&p->many);
    for (size_t i = 0; i < n; i++) {
        struct pg_item *it = &items[i];
        if (it->round != round || it->host_row == NULL ||
            it->job->outcome != STORE_OUTCOME_UNAVAILABLE)
            continue;
        int sent = send_segment(p, items, n, it, false, err, errlen);
        if (sent < 0)
            return -1;
        queries += sent;
        if (it->job->outcome == STORE_OUTCOME_UNAVAILABLE)
            it->job->outcome = it->pending;
    }
    int sent = many_send(p); /* the round's stored reports: one statement */
    if (sent < 0)
        return -1;
    queries += sent;
    if (last) {
        sent = send_checks(p, items, n);
        int drift = sent < 0 ? -1 : send_drift(p, items, n);
        if (drift < 0 || send_sql(p, "COMMIT") != 0)
            return -1;
        queries += sent + drift + 1;
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
    if (pg_writer_ready(p, err, errlen) != 0)
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
    if (PQenterPipelineMode(p->link.conn) != 1)
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
            items[i].holds_id = false;
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
    if (PQexitPipelineMode(p->link.conn) != 1) {
        pg_message(p->link.conn, NULL, sub, sizeof(sub));
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
    pg_link_drop(&p->link);
    return -1;
}
