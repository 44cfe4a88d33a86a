/*
 * rules.h - the ingest rules both storage backends apply, written once:
 * which owner a stored report leaves on its host, the host's rows after a
 * diff, a report's drift events, and what a retirement records. Pure
 * functions over the diff (diff.h) and the host's state as read; each
 * backend (db.c SQLite, pg.c PostgreSQL) only reads and stores around them.
 */
#ifndef DOCKWARD_STORE_RULES_H
#define DOCKWARD_STORE_RULES_H

#include "db.h"
#include "diff.h"
#include "rows.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The identity rule (db.h struct store_job), on the host's owner as read
 * (`owned` false: nobody yet). Returns true when the report may be stored,
 * with *bind set when storing it binds the host to job->owner; false when
 * the host is another credential's: job->outcome is FORBIDDEN and
 * job->owner_found says whose.
 */
bool store_rule_owner(struct store_job *job, bool owned, const char *owner, bool *bind);

/*
 * The host's rows after a report: `old` (sorted, unique) with the diff's
 * changes merged in, in (check, target) order, into *next (grown as
 * needed, *cap its room; the caller frees it); *n gets the count. New or
 * changed rows take `generated_ms` as their since. Strings point into
 * `old` or the report. Returns 0, or -1 on no memory.
 */
int store_rule_rows_after(const struct diff_row *old, size_t n_old, const struct diff_result *d,
                          int64_t generated_ms, struct diff_row **next, size_t *cap, size_t *n);

/*
 * The report's drift events (d->n_events of them, in the diff's (check,
 * target) order) into *ev (grown as needed, *cap its room). Returns 0, or
 * -1 on no memory.
 */
int store_rule_drift_events(const struct diff_result *d, struct store_event **ev, size_t *cap);

/*
 * A retirement of a host whose rows are `rows`: one event to absent per
 * row and the STORE_RETIRED_CHECK marker last (n + 1 events into *ev), and
 * in `figures`, once per check the host failed or had waived, a
 * failing_delta and a waived_delta of -1 (or 0), and n_events. Returns 0,
 * or -1 on no memory.
 */
int store_rule_retire_events(const struct diff_row *rows, size_t n, struct store_event **ev,
                             size_t *cap, struct diff_result *figures);

#endif
