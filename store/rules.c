/*
 * rules.c - the ingest rules above the storage backends; see rules.h.
 */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool store_rule_owner(struct store_job *job, bool owned, const char *owner, bool *bind)
{
    *bind = false;
    if (job->owner == NULL)
        return true;
    const bool other = owned && strcmp(owner, job->owner) != 0;
    if (other && !job->owner_bound) {
        job->outcome = STORE_OUTCOME_FORBIDDEN;
        snprintf(job->owner_found, sizeof(job->owner_found), "%s", owner);
        return false;
    }
    *bind = !owned || other;
    return true;
}

int store_rule_rows_after(const struct diff_row *old, size_t n_old, const struct diff_result *d,
                          int64_t generated_ms, struct diff_row **next, size_t *cap, size_t *n_out)
{
    if (*cap < n_old + d->n_changes) {
        size_t ncap = n_old + d->n_changes;
        struct diff_row *p = realloc(*next, (ncap ? ncap : 1) * sizeof(*p));
        if (p == NULL)
            return -1;
        *next = p;
        *cap = ncap;
    }
    struct diff_row *out = *next;
    size_t i = 0, j = 0, n = 0;
    while (i < n_old || j < d->n_changes) {
        const struct diff_change *c = j < d->n_changes ? &d->changes[j] : NULL;
        int cmp = i >= n_old ? 1
                  : c == NULL
                      ? -1
                      : store_pair_cmp(old[i].check_id, old[i].target, c->check_id, c->target);
        if (cmp < 0) {
            out[n++] = old[i++];
            continue;
        }
        const struct diff_row *was = cmp == 0 ? &old[i++] : NULL;
        j++;
        if (c->op == DIFF_DELETE)
            continue;
        struct diff_row r;
        if (c->op == DIFF_REFRESH && was != NULL) {
            r = *was; /* same status, prior and since; new evidence or collector */
            r.collector = c->collector;
            r.evidence = c->evidence;
        } else {
            r = (struct diff_row){ .check_id = c->check_id,
                                   .target = c->target,
                                   .collector = c->collector,
                                   .evidence = c->evidence,
                                   .status = c->to,
                                   .prior = c->prior,
                                   .since_ms = generated_ms };
        }
        out[n++] = r;
    }
    *n_out = n;
    return 0;
}

static int events_reserve(struct store_event **ev, size_t *cap, size_t n)
{
    if (*cap >= n)
        return 0;
    struct store_event *p = realloc(*ev, (n ? n : 1) * sizeof(*p));
    if (p == NULL)
        return -1;
    *ev = p;
    *cap = n;
    return 0;
}

int store_rule_drift_events(const struct diff_result *d, struct store_event **ev, size_t *cap)
{
    if (events_reserve(ev, cap, d->n_events) != 0)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < d->n_changes && n < d->n_events; i++) {
        const struct diff_change *c = &d->changes[i];
        if (c->from != c->to)
            (*ev)[n++] = (struct store_event){ .check_id = c->check_id,
                                               .target = c->target,
                                               .from = c->from,
                                               .to = c->to,
                                               .regression = c->regression };
    }
    return 0;
}

int store_rule_retire_events(const struct diff_row *rows, size_t n, struct store_event **ev,
                             size_t *cap, struct diff_result *figures)
{
    if (events_reserve(ev, cap, n + 1) != 0)
        return -1;
    bool failing = false, waived = false;
    for (size_t i = 0; i < n; i++) {
        (*ev)[i] = (struct store_event){ .check_id = rows[i].check_id,
                                         .target = rows[i].target,
                                         .from = rows[i].status,
                                         .to = STORE_ABSENT };
        failing |= rows[i].status == STORE_FAIL;
        waived |= rows[i].status == STORE_WAIVED;
        /* Rows are sorted by check: the figures once per check, at its last row. */
        if (i + 1 < n && strcmp(rows[i + 1].check_id, rows[i].check_id) == 0)
            continue;
        if (failing || waived) {
            if (diff_result_add_check(figures, rows[i].check_id, failing ? -1 : 0, 0) != 0)
                return -1;
            figures->checks[figures->n_checks - 1].waived_delta = waived ? -1 : 0;
        }
        failing = waived = false;
    }
    (*ev)[n] = (struct store_event){
        .check_id = STORE_RETIRED_CHECK, .target = "", .from = STORE_ABSENT, .to = STORE_ABSENT
    };
    figures->n_events = n + 1;
    return 0;
}
