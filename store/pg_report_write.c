/*
 * pg_report_write.c - one report of a PostgreSQL batch: the rules applied
 * to its host's row, read under the lock (a duplicate id, a stale
 * sequence, a retired host revived, the owner), the ring of its last ids,
 * and its writes, as one statement (W_WRITE, done again carefully) or
 * gathered with the round's other reports into one W_WRITE_MANY.
 */
#include "pg_apply.h"

#include "rules.h"
#include "storage.h"
#include "store.h"

#include "../common/buf.h"
#include "../common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Appends len bytes to m->bytes; their offset, or -1. */
static int64_t many_bytes(struct pg_many *m, const void *data, size_t len)
{
    const size_t off = m->bytes.len;
    return pg_array_put(&m->bytes, data, len) == 0 ? (int64_t)off : -1;
}

void pg_many_reset(struct pg_many *m)
{
    for (int i = 0; i < M_COLS; i++)
        m->col[i].len = 0;
    m->bytes.len = 0;
    m->n = 0;
}

/* Sends the gathered round as one W_WRITE_MANY; returns the queries sent (0 or 1), or -1. */
int pg_many_send(struct store_pg *p)
{
    struct pg_many *m = &p->many;
    if (m->n == 0)
        return 0;
    struct pg_params a = { 0 };
    if (pg_par_arrays(&a, m->col, M_COLS, &m->bytes) != 0) /* the bytes: $28 */
        return -1;
    /* Unprepared: planned for these arrays (see pg_writer.c). */
    int rc = PQsendQueryParams(p->link.conn, pg_write_text(W_WRITE_MANY), a.n, NULL, a.val, a.len,
                               a.fmt, 1) == 1
                 ? 0
                 : -1;
    pg_many_reset(m);
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
        rc = pg_send_stmt(p, W_WRITE, &a);
    free(rows);
    return rc == 0 ? 1 : -1;
}

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
int pg_send_segment(struct store_pg *p, struct pg_item *items, size_t n_items, struct pg_item *it,
                    bool careful, char *err, size_t errlen)
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
        if (pg_send_sql(p, "SAVEPOINT report") != 0)
            return -1;
        n++;
    }
    struct pg_params a = { 0 };
    if (h.id != 0 && h.retired) {
        /* A retired host reporting again: revived as new (db.c owner_check). */
        pg_par_int(&a, h.id);
        pg_par_int(&a, job->received_ms);
        if (pg_send_stmt(p, W_HOST_REVIVE, &a) != 0)
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
        if (pg_send_stmt(p, W_HOST_RING, &a) != 0)
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
    if (pg_send_sql(p, "RELEASE report") != 0 || PQpipelineSync(p->link.conn) != 1)
        return -1;
    return n + 1;
}
