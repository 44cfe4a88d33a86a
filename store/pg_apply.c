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
#include "pg_apply.h"

#include "rules.h"
#include "storage.h"
#include "store.h"

#include "../common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(2 * STORE_RESULTS_MAX < STORE_PG_DRIFT_ID_BLOCK,
               "a drift row's events fit the id block it takes");

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
        if (round == 0 && pg_send_sql(p, "BEGIN") != 0)
            return -1;
        ids->len = 0;
        for (size_t i = 0; i < n; i++) {
            struct pg_item *it = &items[i];
            if (it->round != round || it->left_out)
                continue;
            struct pg_params a = { 0 };
            pg_par_text(&a, it->job->report->msg->host_id);
            if (pg_send_stmt(p, W_HOST_LOCK, &a) != 0 || pg_send_stmt(p, W_RESULTS_READ, &a) != 0 ||
                pg_array_uuid(ids, it->job->report->msg->report_id.data) != 0)
                return -1;
            sent++;
        }
        struct pg_params a = { 0 };
        if (pg_array_end(ids) != 0)
            return -1;
        pg_par_text(&a, ids->s);
        if (pg_send_stmt(p, W_IDS_FIND, &a) != 0 || PQpipelineSync(p->link.conn) != 1)
            return -1;
        int failed_at = -1;
        if (round == 0) {
            PGresult *b;
            if (pg_collect(p, 1, &b, 1, &failed_at, err, errlen) != 0)
                return -1;
            PQclear(b);
            if (failed_at >= 0) {
                pg_read_sync(p, err, errlen);
                return -1;
            }
        }
        PGresult **res = calloc(2 * sent + 1, sizeof(*res));
        if (res == NULL)
            return -1;
        if (pg_collect(p, (int)(2 * sent + 1), res, (int)(2 * sent + 1), &failed_at, err, errlen) !=
                0 ||
            pg_read_sync(p, err, errlen) != 0) {
            /* The results read before a sync point that failed are ours to clear. */
            for (size_t k = 0; k < 2 * sent + 1; k++)
                PQclear(res[k]);
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
        if (pg_send_sql(p, "ROLLBACK") != 0 ||
            pg_pipeline_sync(p, 1, NULL, 0, sub, sizeof(sub)) != 0)
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
    PGresult *r = NULL;
    if (pg_send_stmt(p, W_NEW_IDS, &a) != 0 || pg_pipeline_sync(p, 1, &r, 1, err, errlen) != 0) {
        PQclear(r); /* kept when the statement failed (1) */
        return -1;
    }
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
 * own (pg_send_segment), all in one pipeline. A segment that fails (a host
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
            queries[i] = pg_send_segment(p, items, n, it, true, err, errlen);
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
            if (pg_collect(p, queries[i], NULL, 0, &failed_at, sub, sizeof(sub)) != 0 ||
                pg_read_sync(p, sub, sizeof(sub)) != 0) {
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
        if (pg_send_sql(p, "ROLLBACK TO SAVEPOINT report") != 0 ||
            pg_send_sql(p, "RELEASE report") != 0 ||
            pg_pipeline_sync(p, 2, NULL, 0, sub, sizeof(sub)) != 0)
            return -1;
        from = failed + 1;
    }
    return 0;
}

/* Sends the batch's per-check figures, its drift and COMMIT; returns as pg_pipeline_sync. */
static int commit_batch(struct store_pg *p, const struct pg_item *items, size_t n, char *err,
                        size_t errlen)
{
    int sent = pg_send_commit(p, items, n);
    return sent < 0 ? -1 : pg_pipeline_sync(p, sent, NULL, 0, err, errlen);
}

static void fail_all(struct store_job *const *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jobs[i]->outcome = STORE_OUTCOME_UNAVAILABLE;
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
    pg_many_reset(&p->many);
    for (size_t i = 0; i < n; i++) {
        struct pg_item *it = &items[i];
        if (it->round != round || it->host_row == NULL ||
            it->job->outcome != STORE_OUTCOME_UNAVAILABLE)
            continue;
        int sent = pg_send_segment(p, items, n, it, false, err, errlen);
        if (sent < 0)
            return -1;
        queries += sent;
        if (it->job->outcome == STORE_OUTCOME_UNAVAILABLE)
            it->job->outcome = it->pending;
    }
    int sent = pg_many_send(p); /* the round's stored reports: one statement */
    if (sent < 0)
        return -1;
    queries += sent;
    if (last) {
        sent = pg_send_commit(p, items, n);
        if (sent < 0)
            return -1;
        queries += sent;
    }
    if (queries == 0)
        return 0;
    char sub[512];
    int rc = pg_pipeline_sync(p, queries, NULL, 0, sub, sizeof(sub));
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
        if (pg_send_sql(p, "ROLLBACK") != 0 ||
            pg_pipeline_sync(p, 1, NULL, 0, why, sizeof(why)) != 0)
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
    pg_batch_checks_clear(p);
    free(items);
    return 0;
broken:
    /* Nothing of the batch committed (or it is unknown): every report 503, reconnect next. */
    seterr(err, errlen, "PostgreSQL: %s", sub[0] ? sub : "the connection failed");
    fail_all(jobs, n);
    pg_batch_checks_clear(p);
    items_clear(items, n);
    free(items);
    pg_link_drop(&p->link);
    return -1;
}
