/*
 * pg_batch_commit.c - the end of a PostgreSQL batch's transaction: the
 * per-check figures summed over its stored reports (in check-id order, so
 * replicas lock rows in one order), its drift rows under the drift lock
 * (ids in commit order, see pg_apply.c), then COMMIT.
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

void pg_batch_checks_clear(struct store_pg *p)
{
    for (size_t i = 0; i < p->n_checks; i++)
        free(p->checks[i].check_id);
    p->n_checks = 0;
}

static int check_order(const void *a, const void *b)
{
    const struct batch_check *x = a, *y = b;
    return strcmp(x->check_id, y->check_id);
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
    if (pg_par_arrays(&a, dr->col, D_COLS, &dr->bytes) != 0) /* the bytes: $10 */
        return -1;
    return pg_send_stmt(p, W_DRIFT_LOCK, NULL) == 0 && pg_send_stmt(p, W_DRIFT_MANY, &a) == 0 ? 2
                                                                                              : -1;
}

/*
 * The batch's per-check figures, summed over its stored reports, sent (in
 * check order) as one statement; returns the queries sent (0: none to
 * send), or -1.
 */
static int send_checks(struct store_pg *p, const struct pg_item *items, size_t n)
{
    pg_batch_checks_clear(p);
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
    if (pg_par_arrays(&a, p->arr, 4, NULL) != 0)
        return -1;
    return pg_send_stmt(p, W_CHECKS, &a) == 0 ? 1 : -1;
}

int pg_send_commit(struct store_pg *p, const struct pg_item *items, size_t n)
{
    int sent = send_checks(p, items, n);
    int drift = sent < 0 ? -1 : send_drift(p, items, n);
    if (drift < 0 || pg_send_sql(p, "COMMIT") != 0)
        return -1;
    return sent + drift + 1;
}
