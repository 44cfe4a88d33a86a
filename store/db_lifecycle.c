/*
 * db_lifecycle.c - what the SQLite writer does besides storing reports:
 * drift retention (oldest events first, a row trimmed where a chunk ends
 * inside it), retiring a host, rebinding its owner, and finding silent
 * hosts. Each is its own short transaction between batches. Writer thread.
 */
#include "db_impl.h"

#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One drift row found by retention: its id, its events, and its value (copied). */
struct expired {
    int64_t id;
    size_t n;
    unsigned char *events;
    size_t len;
    bool marked; /* it has a check set (no drift_checks rows) */
};

/*
 * Deletes the first `take` events of drift row e (all of them: the row),
 * and the drift_checks rows of checks none of its remaining events has. A
 * row with a check set keeps it when trimmed: ?check= may read it for a
 * check it no longer has, and finds no event of it there. SQLite code.
 */
static int expire_row(struct store_db *db, const struct expired *e, size_t take)
{
    struct store_events *u = &db->unpacked;
    if (store_events_decode(u, e->events, e->len, e->n) != 0)
        return SQLITE_CORRUPT;
    int rc;
    if (take == e->n) {
        sqlite3_stmt *st = db->stmt[S_RETENTION_DELETE];
        sqlite3_bind_int64(st, 1, e->id);
        rc = run(st);
    } else {
        unsigned char *v;
        size_t len;
        if (store_events_encode(&db->rows.codec, u->ev + take, e->n - take, &v, &len) != 0)
            return SQLITE_NOMEM;
        sqlite3_stmt *st = db->stmt[S_RETENTION_TRIM];
        sqlite3_bind_int64(st, 1, e->id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)(e->n - take));
        sqlite3_bind_blob(st, 3, v, (int)len, SQLITE_STATIC);
        rc = run(st);
        free(v);
    }
    for (size_t i = 0; rc == SQLITE_OK && !e->marked && i < take; i++) {
        const char *check = u->ev[i].check_id;
        bool kept = false;
        for (size_t j = take; j < e->n && !kept; j++)
            kept = strcmp(u->ev[j].check_id, check) == 0;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(u->ev[j].check_id, check) == 0;
        if (kept || seen)
            continue;
        sqlite3_stmt *st = db->stmt[S_RETENTION_UNCHECK];
        bind_text(st, 1, check);
        sqlite3_bind_int64(st, 2, e->id);
        rc = run(st);
    }
    return rc;
}

int store_db_retention(struct store_db *db, int64_t cutoff_ms, int limit, int *deleted, char *err,
                       size_t errlen)
{
    *deleted = 0;
    if (limit <= 0)
        return 0;
    int rc = run(db->stmt[S_BEGIN]);
    if (rc != SQLITE_OK) {
        describe(db, rc, "retention: cannot begin", err, errlen);
        return -1;
    }
    /* The oldest rows (each at least one event), copied before any is changed. */
    struct expired *rows = calloc((size_t)limit, sizeof(*rows));
    size_t n_rows = 0;
    rc = rows == NULL ? SQLITE_NOMEM : SQLITE_OK;
    sqlite3_stmt *st = db->stmt[S_RETENTION_FIND];
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, cutoff_ms);
        sqlite3_bind_int(st, 2, limit);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct expired *e = &rows[n_rows];
            e->id = sqlite3_column_int64(st, 0);
            e->n = (size_t)sqlite3_column_int64(st, 1);
            e->len = (size_t)sqlite3_column_bytes(st, 2);
            e->marked = sqlite3_column_int(st, 3) != 0;
            e->events = malloc(e->len ? e->len : 1);
            if (e->events == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            if (e->len > 0)
                memcpy(e->events, sqlite3_column_blob(st, 2), e->len);
            n_rows++;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    /* Oldest first, event by event: a row is trimmed when the chunk ends inside it. */
    size_t total = 0;
    for (size_t i = 0; rc == SQLITE_OK && i < n_rows && total < (size_t)limit; i++) {
        size_t take = rows[i].n < (size_t)limit - total ? rows[i].n : (size_t)limit - total;
        rc = expire_row(db, &rows[i], take);
        total += take;
    }
    for (size_t i = 0; i < n_rows; i++)
        free(rows[i].events);
    free(rows);
    if (rc == SQLITE_OK && total > 0) {
        /* Ids are never given twice, even when retention empties the table. */
        st = db->stmt[S_LAST_EVENT];
        sqlite3_bind_int64(st, 1, db->last_event);
        rc = run(st);
    }
    if (rc == SQLITE_OK)
        rc = run(db->stmt[S_COMMIT]);
    if (rc != SQLITE_OK) {
        abort_tx(db, rc, "retention", err, errlen);
        return -1;
    }
    *deleted = (int)total;
    return 0;
}

/* ---- lifecycle: retirement and rebinding (writer thread) ---- */

/*
 * The steps of a retirement inside the open transaction: one drift row
 * holding an event to absent for each of the host's results (in their
 * (check, target) order) and the STORE_RETIRED_CHECK marker last; the
 * failing pairs and the per-check figures lose the host; its results row
 * goes and its hosts row is marked retired (kept, so its drift history
 * keeps its name until retention). SQLite code.
 */
static int retire_steps(struct store_db *db, sqlite3_int64 host, int64_t now_ms,
                        struct diff_result *figures)
{
    static const unsigned char no_report[REPORT_ID_BYTES] = { 0 };
    int rc = store_db_read_results(db, host);
    if (rc != SQLITE_OK)
        return rc;
    const size_t n = db->rows.n;
    if (store_rule_retire_events(db->rows.rows, n, &db->events, &db->events_cap, figures) != 0)
        return SQLITE_NOMEM;
    for (size_t i = 0; i < figures->n_checks; i++) {
        const struct diff_check *k = &figures->checks[i];
        sqlite3_stmt *st;
        if (k->failing_delta < 0) {
            st = db->stmt[S_FAILING_DELETE];
            bind_text(st, 1, k->check_id);
            sqlite3_bind_int64(st, 2, host);
            if ((rc = run(st)) != SQLITE_OK)
                return rc;
        }
        st = db->stmt[S_CHECK_ADD];
        bind_text(st, 1, k->check_id);
        sqlite3_bind_int(st, 2, k->failing_delta);
        sqlite3_bind_int64(st, 3, 0);
        sqlite3_bind_int(st, 4, k->waived_delta);
        if ((rc = run(st)) != SQLITE_OK)
            return rc;
    }
    if ((rc = store_db_insert_drift(db, host, n + 1, now_ms, now_ms, no_report)) != SQLITE_OK)
        return rc;
    sqlite3_stmt *st = db->stmt[S_RETIRE_RESULTS];
    sqlite3_bind_int64(st, 1, host);
    if ((rc = run(st)) != SQLITE_OK)
        return rc;
    st = db->stmt[S_RETIRE_HOST];
    sqlite3_bind_int64(st, 1, host);
    sqlite3_bind_int64(st, 2, now_ms > 0 ? now_ms : 1);
    return run(st);
}

int store_db_retire(struct store_db *db, const char *host_id, int64_t now_ms,
                    struct diff_result *figures, bool *found, char *err, size_t errlen)
{
    *found = false;
    figures->n_events = 0;
    const int64_t first_event = db->last_event;
    const size_t first_set = db->n_sets;
    int rc = run(db->stmt[S_BEGIN]);
    if (rc != SQLITE_OK) {
        describe(db, rc, "retire: cannot begin", err, errlen);
        return -1;
    }
    sqlite3_stmt *st = db->stmt[S_RETIRE_FIND];
    bind_text(st, 1, host_id);
    rc = sqlite3_step(st);
    sqlite3_int64 host = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        rc = host != 0 ? retire_steps(db, host, now_ms, figures) : SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = run(db->stmt[S_COMMIT]);
    if (rc != SQLITE_OK) {
        abort_tx(db, rc, "retire", err, errlen);
        db->last_event = first_event;
        store_db_sets_undo(db, first_set);
        for (size_t i = 0; i < figures->n_checks; i++)
            free(figures->checks[i].check_id);
        figures->n_checks = 0;
        figures->n_events = 0;
        return -1;
    }
    *found = host != 0;
    return 0;
}

int store_db_rebind(struct store_db *db, const char *host_id, const char *owner, bool *found,
                    char *err, size_t errlen)
{
    sqlite3_stmt *st = db->stmt[S_REBIND];
    bind_text(st, 1, host_id);
    bind_text(st, 2, owner);
    int rc = run(st); /* one statement: its own transaction */
    if (rc != SQLITE_OK) {
        describe(db, rc, "rebind", err, errlen);
        *found = false;
        return -1;
    }
    *found = sqlite3_changes(db->db) > 0;
    return 0;
}

int store_db_silent_hosts(struct store_db *db, int64_t cutoff_ms,
                          char (*ids)[REPORT_HOST_ID_MAX + 1], size_t max, size_t *n, char *err,
                          size_t errlen)
{
    *n = 0;
    sqlite3_stmt *st = db->stmt[S_SILENT];
    sqlite3_bind_int64(st, 1, cutoff_ms);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        snprintf(ids[*n], REPORT_HOST_ID_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
        (*n)++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        describe(db, rc, "finding silent hosts", err, errlen);
        return -1;
    }
    return 0;
}
