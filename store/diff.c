/*
 * diff.c - store_diff(); the rules are in diff.h.
 *
 * One merge walk over two lists sorted the same way (the host's rows as the
 * database keys them, the report's results as report.c sorted them), so a
 * report of n results against m rows costs O(n + m) comparisons and no
 * lookups. Sorting by check first puts every pair of one check next to each
 * other, so "does this host fail check X, before and after" is decided per
 * run of equal check ids during the same walk.
 */
#include "diff.h"

#include "../common/buf.h"

#include <stdlib.h>
#include <string.h>

void diff_result_init(struct diff_result *d)
{
    memset(d, 0, sizeof(*d));
}

static void clear_checks(struct diff_result *d)
{
    for (size_t i = 0; i < d->n_checks; i++)
        free(d->checks[i].check_id);
    d->n_checks = 0;
}

void diff_result_free(struct diff_result *d)
{
    clear_checks(d);
    free(d->checks);
    free(d->changes);
    diff_result_init(d);
}

static int push_change(struct diff_result *d, struct diff_change c)
{
    if (array_grow(&d->changes, d->n_changes, &d->cap_changes, sizeof(*d->changes), 16) != 0)
        return -1;
    d->changes[d->n_changes++] = c;
    if (c.from != c.to)
        d->n_events++;
    if (c.regression)
        d->n_regressions++;
    return 0;
}

/* The run of pairs of one check id seen so far in the walk. */
struct check_run {
    const char *check_id; /* NULL before the first pair */
    bool failing_before, failing_after;
    bool waived_before, waived_after;
    unsigned regressions;
};

static int finish_run(struct diff_result *d, const struct check_run *run)
{
    if (run->check_id == NULL)
        return 0;
    int delta = (run->failing_after ? 1 : 0) - (run->failing_before ? 1 : 0);
    int waived = (run->waived_after ? 1 : 0) - (run->waived_before ? 1 : 0);
    if (delta == 0 && waived == 0 && run->regressions == 0)
        return 0;
    if (diff_result_add_check(d, run->check_id, delta, run->regressions) != 0)
        return -1;
    d->checks[d->n_checks - 1].waived_delta = waived;
    return 0;
}

int diff_result_add_check(struct diff_result *d, const char *check_id, int failing_delta,
                          unsigned regressions)
{
    if (array_grow(&d->checks, d->n_checks, &d->cap_checks, sizeof(*d->checks), 8) != 0)
        return -1;
    char *id = strdup(check_id);
    if (id == NULL)
        return -1;
    d->checks[d->n_checks++] = (struct diff_check){ .check_id = id,
                                                    .failing_delta = failing_delta,
                                                    .regressions = regressions };
    return 0;
}

int store_diff(const struct diff_row *old, size_t n_old, const struct store_report *rep,
               struct diff_result *out)
{
    clear_checks(out);
    out->n_changes = 0;
    out->n_events = 0;
    out->n_regressions = 0;
    memset(out->counts, 0, sizeof(out->counts));

    struct check_run run = { 0 };
    size_t i = 0, j = 0;
    const size_t n_new = rep->n_results;
    while (i < n_old || j < n_new) {
        const struct diff_row *o = i < n_old ? &old[i] : NULL;
        const Dockward__V1__Result *n = j < n_new ? rep->sorted[j] : NULL;
        int c;
        if (o != NULL && n != NULL)
            c = store_pair_cmp(o->check_id, o->target, n->check_id, n->target);
        else
            c = o != NULL ? -1 : 1;
        const char *check = c <= 0 ? o->check_id : n->check_id;
        if (run.check_id == NULL || strcmp(run.check_id, check) != 0) {
            if (finish_run(out, &run) != 0)
                return -1;
            run = (struct check_run){ .check_id = check };
        }

        struct diff_change ch = { 0 };
        bool have_change = false;
        int before = STORE_ABSENT, after = STORE_ABSENT;
        if (c == 0) {
            before = o->status;
            after = store_result_status(n);
            ch = (struct diff_change){ .check_id = n->check_id,
                                       .target = n->target,
                                       .collector = n->collector,
                                       .evidence = n->evidence,
                                       .from = before,
                                       .to = after };
            /* Through error: what the pair was before its errors began counts. */
            int was = before == STORE_ERROR ? o->prior : before;
            ch.prior = after == STORE_ERROR ? was : after;
            if (before != after) {
                ch.op = DIFF_CHANGE;
                /* A waiver that expired (waived -> fail) pages like any regression. */
                ch.regression = after == STORE_FAIL &&
                                (was == STORE_PASS || was == STORE_ABSENT || was == STORE_WAIVED);
                have_change = true;
            } else if (strcmp(o->evidence, n->evidence) != 0 ||
                       strcmp(o->collector, n->collector) != 0) {
                ch.op = DIFF_REFRESH;
                have_change = true;
            }
            i++;
            j++;
        } else if (c < 0) {
            before = o->status;
            /*
             * Its collector ran and no longer reports the pair, or is gone from
             * the report altogether (disabled, or a name no agent sends again):
             * deleted, with an event. Only a collector that is listed but failed
             * keeps its pairs, so a host holds at most one report's results.
             */
            if (store_report_collector_ran(rep, o->collector) ||
                !store_report_collector_listed(rep, o->collector)) {
                ch = (struct diff_change){ .op = DIFF_DELETE,
                                           .check_id = o->check_id,
                                           .target = o->target,
                                           .collector = o->collector,
                                           .evidence = o->evidence,
                                           .from = before,
                                           .to = STORE_ABSENT };
                have_change = true;
            } else {
                after = before; /* its collector did not look: the pair stays */
            }
            i++;
        } else {
            after = store_result_status(n);
            ch = (struct diff_change){ .op = DIFF_INSERT,
                                       .check_id = n->check_id,
                                       .target = n->target,
                                       .collector = n->collector,
                                       .evidence = n->evidence,
                                       .from = STORE_ABSENT,
                                       .to = after,
                                       .prior = after == STORE_ERROR ? STORE_ABSENT : after,
                                       .regression = after == STORE_FAIL };
            have_change = true;
            j++;
        }
        if (have_change && push_change(out, ch) != 0)
            return -1;
        if (ch.regression)
            run.regressions++;
        run.failing_before |= before == STORE_FAIL;
        run.failing_after |= after == STORE_FAIL;
        run.waived_before |= before == STORE_WAIVED;
        run.waived_after |= after == STORE_WAIVED;
        if (after != STORE_ABSENT)
            out->counts[after]++;
    }
    return finish_run(out, &run);
}
