/*
 * db_write.c - the writer's batch apply, the store's ingest path: each
 * report in its own SAVEPOINT inside one transaction (store_db_apply);
 * per report the duplicate probe (the in-memory id set), the host's row,
 * the owner check, the diff against its packed results, and what changed
 * written on as few pages as it can (db_schema.c says why the tables look
 * as they do). Also what the writer loads at start. Writer thread only.
 */
#include "db_impl.h"

#include "rules.h"
#include "store.h"

#include "../common/buf.h"
#include "../common/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_sets(struct store_db *s, char *err, size_t errlen);

/*
 * The writer's set of remembered report ids: every 16 bytes of every
 * host's recent_ids; then its last event id and its drift check sets.
 * Returns 0, or -1 with err.
 */
int store_db_load_ids(struct store_db *s, char *err, size_t errlen)
{
    if (idset_init(&s->ids) != 0) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    s->ids_ready = true;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT recent_ids FROM hosts", -1, &st, NULL) != SQLITE_OK) {
        seterr(err, errlen, "reading report ids: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *ids = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        for (int i = 0; ids != NULL && i + REPORT_ID_BYTES <= n; i += REPORT_ID_BYTES) {
            if (idset_add(&s->ids, ids + i) != 0) {
                rc = SQLITE_NOMEM;
                break;
            }
        }
        if (rc == SQLITE_NOMEM)
            break;
    }
    sqlite3_finalize(st);
    idset_commit(&s->ids);
    if (rc != SQLITE_DONE) {
        seterr(err, errlen, "reading report ids: %s", sqlite3_errstr(rc));
        return -1;
    }
    /* The last drift event id given: the newest row's, or what retention recorded. */
    long long last = 0;
    if (pragma_int(s->db,
                   "SELECT max(coalesce((SELECT max(id) FROM drift), 0), "
                   "coalesce((SELECT value FROM meta WHERE name = 'last_event_id'), 0))",
                   &last) != 0) {
        seterr(err, errlen, "reading the last drift id: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    s->last_event = last;
    return load_sets(s, err, errlen);
}

/* ---- check sets: drift rows of first reports, revivals and retirements ---- */

/* A set's key's hash (kept in memory only: computed again at open). */
static uint64_t set_hash(const char *key, size_t len)
{
    return fnv1a64(FNV1A64_BASIS, key, len);
}

/* Appends a set (key copied) with the next id. Returns 0, or -1 (no memory). */
static int sets_add(struct store_db *s, const char *key, size_t len, uint64_t hash, int64_t id)
{
    if (array_grow(&s->sets, s->n_sets, &s->sets_cap, sizeof(*s->sets), 16) != 0)
        return -1;
    char *k = malloc(len ? len : 1);
    if (k == NULL)
        return -1;
    memcpy(k, key, len);
    s->sets[s->n_sets++] = (struct drift_set){ .hash = hash, .id = id, .key = k, .len = len };
    s->sets_bytes += len;
    return 0;
}

void store_db_sets_undo(struct store_db *db, size_t mark)
{
    while (db->n_sets > mark) {
        db->n_sets--;
        db->sets_bytes -= db->sets[db->n_sets].len;
        free(db->sets[db->n_sets].key);
    }
}

void store_db_sets_free(struct store_db *db)
{
    store_db_sets_undo(db, 0);
    free(db->sets);
    db->sets = NULL;
    db->sets_cap = 0;
    free(db->set_checks);
    db->set_checks = NULL;
}

/*
 * The writer's check sets, from drift_sets (each set's checks in BINARY
 * order, strcmp's for our NUL-free text, as set_of builds them). Returns
 * 0, or -1 with err.
 */
static int load_sets(struct store_db *s, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT set_id, check_id FROM drift_sets ORDER BY set_id, check_id", -1,
                           &st, NULL) != SQLITE_OK) {
        seterr(err, errlen, "reading check sets: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    struct buf key;
    buf_init(&key, (size_t)1 << 24);
    int64_t id = 0;
    int rc;
    for (;;) {
        rc = sqlite3_step(st);
        int64_t next = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        if (key.len > 0 && (rc != SQLITE_ROW || next != id)) {
            if (sets_add(s, key.data, key.len, set_hash(key.data, key.len), id) != 0) {
                rc = SQLITE_NOMEM;
                break;
            }
            buf_reset(&key);
        }
        if (rc != SQLITE_ROW)
            break;
        id = next;
        if (buf_append(&key, (const char *)sqlite3_column_text(st, 1),
                       (size_t)sqlite3_column_bytes(st, 1)) != BUF_OK ||
            buf_append(&key, "", 1) != BUF_OK) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    buf_free(&key);
    if (rc != SQLITE_DONE) {
        seterr(err, errlen, "reading check sets: %s", sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

/*
 * The check set of db->events[0..n) as a drift row should be marked with,
 * in *set_id (0: none, the row gets drift_checks entries): when every
 * event is to or from absent and they cover at least
 * STORE_DRIFT_SET_MIN_CHECKS checks. A set not seen before is written to
 * drift_sets (one row per check) and remembered, up to
 * STORE_DRIFT_SETS_MAX. SQLite code.
 */
static int set_of(struct store_db *db, size_t n, int64_t *set_id)
{
    *set_id = 0;
    while (db->set_checks_cap < n) {
        if (array_grow(&db->set_checks, db->set_checks_cap, &db->set_checks_cap,
                       sizeof(*db->set_checks), 128) != 0)
            return SQLITE_NOMEM;
    }
    size_t k = 0, len = 0;
    for (size_t i = 0; i < n; i++) {
        const struct store_event *e = &db->events[i];
        if (e->from != STORE_ABSENT && e->to != STORE_ABSENT)
            return SQLITE_OK;
        if (i == 0 || strcmp(db->events[i - 1].check_id, e->check_id) != 0) {
            db->set_checks[k++] = e->check_id;
            len += strlen(e->check_id) + 1;
        }
    }
    if (k < STORE_DRIFT_SET_MIN_CHECKS || k > STORE_DRIFT_SET_MAX_CHECKS ||
        len > STORE_DRIFT_SET_MAX_BYTES)
        return SQLITE_OK;
    qsort(db->set_checks, k, sizeof(*db->set_checks), store_string_cmp);
    char *key = malloc(len);
    if (key == NULL)
        return SQLITE_NOMEM;
    len = 0;
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && strcmp(db->set_checks[m - 1], db->set_checks[i]) == 0)
            continue; /* a check whose events were not next to each other */
        db->set_checks[m++] = db->set_checks[i];
        size_t l = strlen(db->set_checks[i]) + 1;
        memcpy(key + len, db->set_checks[i], l);
        len += l;
    }
    k = m;
    const uint64_t hash = set_hash(key, len);
    for (size_t i = db->n_sets; i-- > 0;) {
        const struct drift_set *g = &db->sets[i];
        if (g->hash == hash && g->len == len && memcmp(g->key, key, len) == 0) {
            *set_id = g->id;
            free(key);
            return SQLITE_OK;
        }
    }
    int rc = SQLITE_OK;
    if (db->n_sets < STORE_DRIFT_SETS_MAX && db->sets_bytes + len <= STORE_DRIFT_SETS_MEMORY) {
        const int64_t id = db->n_sets > 0 ? db->sets[db->n_sets - 1].id + 1 : 1;
        for (size_t i = 0; rc == SQLITE_OK && i < k; i++) {
            sqlite3_stmt *st = db->stmt[S_DRIFT_SET];
            bind_text(st, 1, db->set_checks[i]);
            sqlite3_bind_int64(st, 2, id);
            rc = run(st);
        }
        if (rc == SQLITE_OK)
            rc = sets_add(db, key, len, hash, id) == 0 ? SQLITE_OK : SQLITE_NOMEM;
        if (rc == SQLITE_OK)
            *set_id = id;
    }
    free(key);
    return rc;
}

/* Reads the host's packed rows into db->rows (none when it has no row). SQLite code. */
int store_db_read_results(struct store_db *db, sqlite3_int64 host)
{
    sqlite3_stmt *st = db->stmt[S_RESULTS_READ];
    sqlite3_bind_int64(st, 1, host);
    int rc = sqlite3_step(st);
    db->rows.n = 0;
    if (rc == SQLITE_ROW) {
        const void *v = sqlite3_column_blob(st, 0);
        int len = sqlite3_column_bytes(st, 0);
        rc = v != NULL && store_rows_decode(&db->rows, v, (size_t)len) == 0 ? SQLITE_DONE
                                                                            : SQLITE_CORRUPT;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

struct host_state {
    sqlite3_int64 id; /* 0 = new host */
    sqlite3_int64 last_seq;
    unsigned char ring[STORE_RECENT_IDS * REPORT_ID_BYTES];
    size_t ring_len;
    bool owned; /* hosts.owner is set: `owner` holds it */
    char owner[STORE_OWNER_MAX + 1];
    bool retired; /* hosts.retired_ms != 0 */
};

/*
 * Adds `id` to the host's recent ids; when the list is full the oldest
 * falls out and is forgotten (a resend of it is stale by its sequence).
 * The in-memory set follows (undone with the report). SQLite code.
 */
static int ring_push(struct store_db *db, struct host_state *h, const unsigned char *id)
{
    const size_t full = sizeof(h->ring);
    if (h->ring_len == full) {
        if (idset_remove(&db->ids, h->ring) != 0)
            return SQLITE_NOMEM;
        memmove(h->ring, h->ring + REPORT_ID_BYTES, full - REPORT_ID_BYTES);
        h->ring_len -= REPORT_ID_BYTES;
    }
    if (idset_add(&db->ids, id) != 0)
        return SQLITE_NOMEM;
    memcpy(h->ring + h->ring_len, id, REPORT_ID_BYTES);
    h->ring_len += REPORT_ID_BYTES;
    return SQLITE_OK;
}

static int write_host(struct store_db *db, struct store_job *job, struct host_state *h)
{
    const Dockward__V1__Report *m = job->report->msg;
    const uint64_t *n = job->diff.counts;
    sqlite3_stmt *st = db->stmt[h->id == 0 ? S_HOST_INSERT : S_HOST_UPDATE];
    if (h->id == 0)
        bind_text(st, 1, m->host_id);
    else
        sqlite3_bind_int64(st, 1, h->id);
    bind_text(st, 2, m->hostname);
    bind_text(st, 3, m->agent_version);
    bind_text(st, 4, m->catalog_version);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)m->sequence);
    sqlite3_bind_int64(st, 6, job->received_ms);
    sqlite3_bind_int64(st, 7, m->generated_at_unix_ms);
    for (int s = STORE_PASS; s <= STORE_WAIVED; s++)
        sqlite3_bind_int64(st, 7 + s, (sqlite3_int64)n[s]);
    sqlite3_bind_blob(st, 14, h->ring, (int)h->ring_len, SQLITE_STATIC);
    int rc = run(st);
    if (rc == SQLITE_OK && h->id == 0)
        h->id = sqlite3_last_insert_rowid(db->db);
    return rc;
}

/*
 * The host's rows after the report: db->rows with the diff's changes
 * merged in (both in (check, target) order), packed into its results row.
 * Nothing is written when nothing changed. SQLite code.
 */
static int write_results(struct store_db *db, const struct store_job *job, sqlite3_int64 host)
{
    const struct diff_result *d = &job->diff;
    if (d->n_changes == 0)
        return SQLITE_OK;
    size_t n = 0;
    if (store_rule_rows_after(db->rows.rows, db->rows.n, d, job->report->msg->generated_at_unix_ms,
                              &db->next, &db->next_cap, &n) != 0)
        return SQLITE_NOMEM;
    unsigned char *v;
    size_t len;
    if (store_rows_encode(&db->rows.codec, db->next, n, &v, &len) != 0)
        return SQLITE_NOMEM;
    sqlite3_stmt *st = db->stmt[S_RESULTS_WRITE];
    sqlite3_bind_int64(st, 1, host);
    sqlite3_bind_blob(st, 2, v, (int)len, SQLITE_STATIC);
    int rc = run(st);
    free(v);
    return rc;
}

/*
 * db->events[0..n) as one drift row of `host`: ids last_event + 1 .. + n in
 * their order, marked with its check set (set_of) or with one drift_checks
 * row per check among them (events of a check are next to each other).
 * SQLite code.
 */
int store_db_insert_drift(struct store_db *db, sqlite3_int64 host, size_t n, int64_t at_ms,
                          int64_t received_ms, const unsigned char *report_id)
{
    int64_t set_id;
    int rc = set_of(db, n, &set_id);
    if (rc != SQLITE_OK)
        return rc;
    unsigned char *v;
    size_t len;
    if (store_events_encode(&db->rows.codec, db->events, n, &v, &len) != 0)
        return SQLITE_NOMEM;
    const int64_t id = db->last_event + (int64_t)n;
    sqlite3_stmt *st = db->stmt[S_DRIFT_INSERT];
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, host);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)n);
    sqlite3_bind_int64(st, 4, at_ms);
    sqlite3_bind_int64(st, 5, received_ms);
    sqlite3_bind_blob(st, 6, report_id, REPORT_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, v, (int)len, SQLITE_STATIC);
    if (set_id != 0)
        sqlite3_bind_int64(st, 8, set_id);
    rc = run(st);
    free(v);
    for (size_t i = 0; rc == SQLITE_OK && set_id == 0 && i < n; i++) {
        if (i > 0 && strcmp(db->events[i - 1].check_id, db->events[i].check_id) == 0)
            continue; /* sorted by check: one row per check */
        st = db->stmt[S_DRIFT_CHECK];
        bind_text(st, 1, db->events[i].check_id);
        sqlite3_bind_int64(st, 2, id);
        rc = run(st);
    }
    if (rc == SQLITE_OK)
        db->last_event = id;
    return rc;
}

/*
 * The report's drift events as one drift row: ids last_event + 1 .. + n in
 * the diff's (check, target) order, and one drift_checks row per check
 * among them. SQLite code.
 */
static int write_drift(struct store_db *db, const struct store_job *job, sqlite3_int64 host)
{
    const Dockward__V1__Report *m = job->report->msg;
    const struct diff_result *d = &job->diff;
    if (d->n_events == 0)
        return SQLITE_OK;
    if (store_rule_drift_events(d, &db->events, &db->events_cap) != 0)
        return SQLITE_NOMEM;
    return store_db_insert_drift(db, host, d->n_events, m->generated_at_unix_ms, job->received_ms,
                                 m->report_id.data);
}

static int write_changes(struct store_db *db, const struct store_job *job, sqlite3_int64 host)
{
    const struct diff_result *d = &job->diff;
    int rc = write_results(db, job, host);
    if (rc != SQLITE_OK)
        return rc;
    rc = write_drift(db, job, host);
    if (rc != SQLITE_OK)
        return rc;
    for (size_t i = 0; i < d->n_checks; i++) {
        const struct diff_check *k = &d->checks[i];
        if (k->failing_delta != 0) {
            sqlite3_stmt *st = db->stmt[k->failing_delta > 0 ? S_FAILING_ADD : S_FAILING_DELETE];
            bind_text(st, 1, k->check_id);
            sqlite3_bind_int64(st, 2, host);
            rc = run(st);
            if (rc != SQLITE_OK)
                return rc;
        }
        sqlite3_stmt *st = db->stmt[S_CHECK_ADD];
        bind_text(st, 1, k->check_id);
        sqlite3_bind_int(st, 2, k->failing_delta);
        sqlite3_bind_int64(st, 3, k->regressions);
        sqlite3_bind_int(st, 4, k->waived_delta);
        rc = run(st);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* ---- identity: the owner check, one separate step of apply_one ---- */

/*
 * Before a report changes anything, on the host's row as read (h): a host
 * owned by another credential makes the report FORBIDDEN (job->owner_found
 * says whose); a retired host is revived as new (no owner, no sequence,
 * first seen now). *bind is set when the report, once stored, binds the
 * host to job->owner. SQLite code.
 */
static int owner_check(struct store_db *db, struct store_job *job, struct host_state *h, bool *bind)
{
    if (h->id != 0 && h->retired) {
        sqlite3_stmt *st = db->stmt[S_HOST_REVIVE];
        sqlite3_bind_int64(st, 1, h->id);
        sqlite3_bind_int64(st, 2, job->received_ms);
        int rc = run(st);
        if (rc != SQLITE_OK)
            return rc;
        h->retired = false;
        h->owned = false;
        h->last_seq = 0;
    }
    (void)store_rule_owner(job, h->owned, h->owner, bind);
    return SQLITE_OK;
}

/* After a stored report: the host is now job->owner's. SQLite code. */
static int owner_bind(struct store_db *db, const struct store_job *job)
{
    sqlite3_stmt *st = db->stmt[S_OWNER_SET];
    bind_text(st, 1, job->report->msg->host_id);
    bind_text(st, 2, job->owner);
    return run(st);
}

/* One report inside the open transaction. Sets job->outcome; returns an SQLite code. */
static int apply_one(struct store_db *db, struct store_job *job)
{
    const Dockward__V1__Report *m = job->report->msg;
    int rc;

    /* The same report again (an id some host still remembers): nothing changes. */
    if (idset_has(&db->ids, m->report_id.data)) {
        job->outcome = STORE_OUTCOME_DUPLICATE;
        return SQLITE_OK;
    }

    struct host_state h = { 0 };
    sqlite3_stmt *st = db->stmt[S_HOST_FIND];
    bind_text(st, 1, m->host_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        h.id = sqlite3_column_int64(st, 0);
        h.last_seq = sqlite3_column_int64(st, 1);
        int n = sqlite3_column_bytes(st, 2);
        const void *blob = sqlite3_column_blob(st, 2);
        if (n > 0 && (size_t)n <= sizeof(h.ring) && n % REPORT_ID_BYTES == 0) {
            memcpy(h.ring, blob, (size_t)n);
            h.ring_len = (size_t)n;
        }
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            h.owned = true;
            snprintf(h.owner, sizeof(h.owner), "%s", (const char *)sqlite3_column_text(st, 3));
        }
        h.retired = sqlite3_column_int64(st, 4) != 0;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rc;

    bool bind = false;
    rc = owner_check(db, job, &h, &bind);
    if (rc != SQLITE_OK || job->outcome == STORE_OUTCOME_FORBIDDEN)
        return rc;

    /* Older than what the host last told us: remember the id, change nothing else. */
    if (h.id != 0 && (sqlite3_int64)m->sequence <= h.last_seq) {
        rc = ring_push(db, &h, m->report_id.data);
        if (rc == SQLITE_OK) {
            st = db->stmt[S_HOST_RING];
            sqlite3_bind_int64(st, 1, h.id);
            sqlite3_bind_blob(st, 2, h.ring, (int)h.ring_len, SQLITE_STATIC);
            rc = run(st);
        }
        if (rc == SQLITE_OK)
            job->outcome = STORE_OUTCOME_STALE;
        return rc;
    }

    db->rows.n = 0;
    if (h.id != 0 && (rc = store_db_read_results(db, h.id)) != SQLITE_OK)
        return rc;
    if (store_diff(db->rows.rows, db->rows.n, job->report, &job->diff) != 0)
        return SQLITE_NOMEM;
    rc = ring_push(db, &h, m->report_id.data);
    if (rc == SQLITE_OK)
        rc = write_host(db, job, &h);
    if (rc == SQLITE_OK)
        rc = write_changes(db, job, h.id);
    if (rc == SQLITE_OK)
        rc = bind ? owner_bind(db, job) : SQLITE_OK;
    if (rc == SQLITE_OK)
        job->outcome = STORE_OUTCOME_STORED;
    return rc;
}

/*
 * The whole batch is lost: the transaction rolled back (unless SQLite
 * already did), the id set and the event counter back where they were
 * before it, and every job UNAVAILABLE.
 */
static void undo_batch(struct store_db *db, struct store_job *const *jobs, size_t n,
                       int64_t first_event, size_t first_set)
{
    if (!sqlite3_get_autocommit(db->db))
        run(db->stmt[S_ROLLBACK]);
    idset_undo(&db->ids, 0);
    db->last_event = first_event;
    store_db_sets_undo(db, first_set);
    for (size_t i = 0; i < n; i++)
        jobs[i]->outcome = STORE_OUTCOME_UNAVAILABLE;
}

int store_db_apply(struct store_db *db, struct store_job *const *jobs, size_t n, char *err,
                   size_t errlen)
{
    if (n == 0)
        return 0;
    int rc = run(db->stmt[S_BEGIN]);
    if (rc != SQLITE_OK) {
        describe(db, rc, "cannot begin a transaction", err, errlen);
        undo_batch(db, jobs, n, db->last_event, db->n_sets);
        return -1;
    }
    size_t failed = 0;
    idset_commit(&db->ids);
    const int64_t first_event = db->last_event;
    const size_t first_set = db->n_sets;
    for (size_t i = 0; i < n; i++) {
        struct store_job *job = jobs[i];
        job->outcome = STORE_OUTCOME_UNAVAILABLE;
        const size_t mark = idset_mark(&db->ids);
        const int64_t mark_event = db->last_event;
        const size_t mark_set = db->n_sets;
        rc = run(db->stmt[S_SAVEPOINT]);
        if (rc == SQLITE_OK)
            rc = apply_one(db, job);
        if (rc == SQLITE_OK) {
            rc = run(db->stmt[S_RELEASE]);
            if (rc == SQLITE_OK)
                continue;
        }
        /* This report failed: undo it alone, unless SQLite already undid everything. */
        job->outcome = STORE_OUTCOME_UNAVAILABLE;
        describe(db, rc, "cannot store a report", err, errlen);
        failed++;
        idset_undo(&db->ids, mark);
        db->last_event = mark_event;
        store_db_sets_undo(db, mark_set);
        if (sqlite3_get_autocommit(db->db)) {
            undo_batch(db, jobs, n, first_event, first_set);
            return -1;
        }
        int rb = run(db->stmt[S_ROLLBACK_TO]);
        if (rb == SQLITE_OK)
            rb = run(db->stmt[S_RELEASE]);
        if (rb != SQLITE_OK || sqlite3_get_autocommit(db->db)) {
            undo_batch(db, jobs, n, first_event, first_set);
            return -1;
        }
    }
    rc = run(db->stmt[S_COMMIT]);
    if (rc != SQLITE_OK) {
        describe(db, rc, "cannot commit", err, errlen);
        undo_batch(db, jobs, n, first_event, first_set);
        return -1;
    }
    idset_commit(&db->ids);
    (void)failed;
    return 0;
}

int store_db_load_checks(struct store_db *db,
                         void (*fn)(void *arg, const char *check, uint64_t failing_hosts,
                                    uint64_t regressions, uint64_t waived_hosts),
                         void *arg, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT check_id, failing_hosts, regressions, waived_hosts FROM checks";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
        seterr(err, errlen, "loading per-check figures: %s", sqlite3_errmsg(db->db));
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(arg, (const char *)sqlite3_column_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
           (uint64_t)sqlite3_column_int64(st, 2), (uint64_t)sqlite3_column_int64(st, 3));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        seterr(err, errlen, "loading per-check figures: %s", sqlite3_errmsg(db->db));
        return -1;
    }
    return 0;
}
