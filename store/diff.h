/*
 * diff.h - what one report changes on one host: the pure comparison of a
 * report's results with the host's stored (check, target) rows, with no
 * SQL and no I/O so every transition can be unit-tested (db.c applies it).
 *
 * The rules (docs/store.md "Ingest", DESIGN.md "Store"):
 * - a pair in the report and stored with another status: CHANGE (a drift
 *   event from -> to); same status but other evidence or collector: REFRESH
 *   (a row update, no event);
 * - a pair in the report, not stored: INSERT (an event from "absent");
 * - a stored pair not in the report: DELETE (an event to "absent") when its
 *   collector ran in this report, or is not in the report's collector_runs
 *   at all (disabled, or a name invented once: a host's rows stay bounded by
 *   one report's); kept untouched when its collector is listed but failed -
 *   a collector that could not look has not seen the pair go away;
 * - a change to fail from pass or from absent is a regression, counted per
 *   check, also through error (the row's prior status).
 */
#ifndef DOCKWARD_STORE_DIFF_H
#define DOCKWARD_STORE_DIFF_H

#include "report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One stored row of the host (strings owned by the caller). */
struct diff_row {
    const char *check_id;
    const char *target;
    const char *collector;
    const char *evidence;
    int status;       /* STORE_PASS .. STORE_ERROR */
    int prior;        /* for an error row: the status before the errors began (a regression
                         "through error", pass -> error -> fail, still counts) */
    int64_t since_ms; /* when its status last changed (generated_at); not used by the diff */
};

enum diff_op { DIFF_INSERT, DIFF_CHANGE, DIFF_REFRESH, DIFF_DELETE };

/* One row to write. Strings point into the report or into the old rows. */
struct diff_change {
    enum diff_op op;
    const char *check_id;
    const char *target;
    const char *collector; /* the new row's; the old row's for DELETE */
    const char *evidence;  /* likewise */
    int from, to;          /* STORE_ABSENT for a new or a removed pair */
    int prior;             /* to write: the last status that was not error */
    bool regression;
};

/* Per check whose figures moved: owned copy of the id. */
struct diff_check {
    char *check_id;
    int failing_delta;    /* +1 the host now fails it, -1 it no longer does */
    unsigned regressions; /* pairs of this check that regressed */
    int waived_delta; /* +1 a waiver now accepts one of the host's targets of it, -1 none does */
};

struct diff_result {
    struct diff_change *changes;
    size_t n_changes, cap_changes;
    struct diff_check *checks;
    size_t n_checks, cap_checks;
    uint64_t counts[STORE_STATUS_COUNT]; /* the host's rows per status afterwards */
    size_t n_events;                     /* changes that are drift events */
    size_t n_regressions;
};

/* An empty result (all zero); store_diff reuses its arrays. */
void diff_result_init(struct diff_result *d);
void diff_result_free(struct diff_result *d);

/*
 * Appends a check's figures change to d->checks (a copy of `check_id`; a
 * retirement adds -1 for each check the host failed). Returns 0, or -1 on
 * no memory.
 */
int diff_result_add_check(struct diff_result *d, const char *check_id, int failing_delta,
                          unsigned regressions);

/*
 * Compares `old` (the host's rows, sorted by store_pair_cmp, unique) with
 * the report's results. Fills `out` (emptied first). Returns 0, or -1 on no
 * memory.
 */
int store_diff(const struct diff_row *old, size_t n_old, const struct store_report *rep,
               struct diff_result *out);

#endif
