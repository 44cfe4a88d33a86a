/*
 * test_store_diff.c - what a report does to the store: the pure diff
 * (store/diff.c) for every status transition, and the writer's batch apply
 * (store/db.c) on a real SQLite file: stored, duplicate (alone and twice
 * in one batch), stale (older and equal sequence), a failed collector
 * keeping its state, a removed target, regressions counted and kept across
 * a reopen, the bounded report-id memory, one bad report in a batch not
 * undoing the others, a locked database answering "unavailable" with
 * nothing written, and drift retention.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/cis_catalog.h"
#include "store/db.h"
#include "store/diff.h"
#include "store/metrics.h"
#include "store/rows.h"
#include "store_schema2.h"
#include "test_store_build.h"
#include "tests/store_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOST "f00dfeed00000000000000000000beef"

static struct store_report *decode(const struct tb *t)
{
    return tb_decode_ok(t);
}

/* Diffs the report t builds against the n rows old into *d; returns the report (diff_done frees).
 */
static struct store_report *diff_of(const struct diff_row *old, size_t n, const struct tb *t,
                                    struct diff_result *d)
{
    struct store_report *r = decode(t);
    diff_result_init(d);
    assert_int_equal(store_diff(old, n, r, d), 0);
    return r;
}

static void diff_done(struct diff_result *d, struct store_report *r)
{
    diff_result_free(d);
    store_report_free(r);
}

/* ---- the pure diff ---- */

/*
 * Diffs one row of check 5.5 on container/web (old; NULL: absent) against a
 * report from container_runtime with that pair at status `to` with evidence
 * (STORE_ABSENT: not reported) into *d; returns the report (diff_done frees).
 */
static struct store_report *diff_web_5_5(const struct diff_row *old, int to, const char *evidence,
                                         struct diff_result *d)
{
    struct tb t;
    tb_init(&t, HOST, 2, 0);
    tb_run(&t, "container_runtime", true);
    if (to != STORE_ABSENT)
        tb_result(&t, "5.5", "container/web", to, evidence, "container_runtime");
    return diff_of(old, old != NULL ? 1 : 0, &t, d);
}

static void test_every_transition(void **state)
{
    (void)state;
    /* from: absent and every status; to: every status and absent (not reported). */
    for (int from = STORE_ABSENT; from <= STORE_WAIVED; from++) {
        for (int to = STORE_ABSENT; to <= STORE_WAIVED; to++) {
            /* An error row that was warn before its errors: error -> fail is no regression. */
            struct diff_row old = { "5.5",
                                    "container/web",
                                    "container_runtime",
                                    "old evidence",
                                    from,
                                    from == STORE_ERROR ? STORE_WARN : from,
                                    0 };
            struct diff_result d;
            struct store_report *r =
                diff_web_5_5(from == STORE_ABSENT ? NULL : &old, to, "old evidence", &d);
            if (from == to) {
                /* Same status and evidence (or absent both ways): nothing to write. */
                assert_int_equal(d.n_changes, 0);
                assert_int_equal(d.n_events, 0);
            } else {
                assert_int_equal(d.n_changes, 1);
                assert_int_equal(d.n_events, 1);
                enum diff_op want = from == STORE_ABSENT ? DIFF_INSERT
                                    : to == STORE_ABSENT ? DIFF_DELETE
                                                         : DIFF_CHANGE;
                assert_int_equal(d.changes[0].op, want);
                assert_int_equal(d.changes[0].from, from);
                assert_int_equal(d.changes[0].to, to);
                assert_string_equal(d.changes[0].check_id, "5.5");
                assert_string_equal(d.changes[0].target, "container/web");
                /* A regression: to fail from pass, absent or waived (an expiry), nothing else. */
                bool regression = to == STORE_FAIL && (from == STORE_PASS || from == STORE_ABSENT ||
                                                       from == STORE_WAIVED);
                assert_int_equal(d.changes[0].regression, regression);
                assert_int_equal(d.n_regressions, regression ? 1 : 0);
            }
            /* Counts are the host's rows afterwards. */
            for (int s = STORE_PASS; s <= STORE_WAIVED; s++)
                assert_int_equal(d.counts[s], s == to ? 1 : 0);
            /* The host fails check 5.5 before/after: the per-check delta. */
            int delta = (to == STORE_FAIL) - (from == STORE_FAIL);
            /* Likewise it has a waived target of it: the fleet's waived hosts. */
            int waived = (to == STORE_WAIVED) - (from == STORE_WAIVED);
            if (delta != 0 || waived != 0 ||
                (to == STORE_FAIL && from != to &&
                 (from == STORE_PASS || from == STORE_ABSENT || from == STORE_WAIVED))) {
                assert_int_equal(d.n_checks, 1);
                assert_string_equal(d.checks[0].check_id, "5.5");
                assert_int_equal(d.checks[0].failing_delta, delta);
                assert_int_equal(d.checks[0].waived_delta, waived);
            } else {
                assert_int_equal(d.n_checks, 0);
            }
            diff_done(&d, r);
        }
    }
}

/*
 * A pure diff as data: the host's rows before, a report (its collector runs
 * and results), and the whole diff that must come of it: every change in
 * key order, the drift events and regressions, the host's counts afterwards
 * and every per-check delta. test_diff_case runs one row (main names it).
 */
struct want_change {
    enum diff_op op;
    const char *check_id, *target, *evidence; /* the new row's; the old row's for DELETE */
    int from, to;
    bool regression;
};

struct diff_case {
    const char *name;
    struct diff_row old[4];
    uint64_t seq;
    struct {
        const char *name;
        bool success;
    } runs[2];
    struct {
        const char *check_id, *target;
        int status;
        const char *evidence, *collector;
    } results[2];
    struct want_change changes[3];
    size_t n_events, n_regressions;
    uint64_t counts[STORE_STATUS_COUNT];
    struct {
        const char *check_id;
        int failing_delta;
    } checks[1];
};

static const struct diff_case diff_cases[] = {
    /* Other evidence, same status: the row is refreshed, no drift event. */
    { "test_refresh_and_unchanged",
      { { "2.2", "host", "daemon_config", "icc=false", STORE_PASS, STORE_PASS, 0 },
        { "2.3", "host", "daemon_config", "log-level=info", STORE_PASS, STORE_PASS, 0 } },
      2,
      { { "daemon_config", true } },
      { { "2.2", "host", STORE_PASS, "icc=false (daemon.json)", "daemon_config" },
        { "2.3", "host", STORE_PASS, "log-level=info", "daemon_config" } },
      { { DIFF_REFRESH, "2.2", "host", "icc=false (daemon.json)", STORE_PASS, STORE_PASS, false } },
      0,
      0,
      { [STORE_PASS] = 2 },
      { { NULL, 0 } } },
    /*
     * container_runtime is listed but failed (the Docker API did not
     * answer): its pairs stay, and 5.5 is still failing on this host (no
     * delta). image_age is not in this report at all (issue 18 #7: a name
     * that is never sent again would keep its rows forever): its pairs go,
     * with an event each.
     */
    { "test_failed_collector_keeps_state",
      { { "1.1.1", "host", "host", "separate mount", STORE_PASS, STORE_PASS, 0 },
        { "5.5", "container/db", "container_runtime", "privileged", STORE_FAIL, STORE_FAIL, 0 },
        { "5.5", "container/web", "container_runtime", "not privileged", STORE_PASS, STORE_PASS,
          0 },
        { "6.1", "host", "image_age", "3 unused", STORE_PASS, STORE_PASS, 0 } },
      3,
      { { "host", true }, { "container_runtime", false } },
      { { "1.1.1", "host", STORE_FAIL, "no separate mount", "host" } },
      { { DIFF_CHANGE, "1.1.1", "host", "no separate mount", STORE_PASS, STORE_FAIL, true },
        { DIFF_DELETE, "6.1", "host", "3 unused", STORE_PASS, STORE_ABSENT, false } },
      2,
      1,
      { [STORE_PASS] = 1, [STORE_FAIL] = 2 },
      { { "1.1.1", 1 } } },
    /*
     * Container b is gone; a is fixed for 5.5 but still fails 5.10. In key
     * order: 5.10 b deleted, 5.5 a changed, 5.5 b deleted. The host still
     * fails 5.10 (no delta) and no longer fails 5.5 (-1).
     */
    { "test_removed_target_and_check_deltas",
      { { "5.10", "container/a", "container_runtime", "no limit", STORE_FAIL, STORE_FAIL, 0 },
        { "5.10", "container/b", "container_runtime", "no limit", STORE_FAIL, STORE_FAIL, 0 },
        { "5.5", "container/a", "container_runtime", "privileged", STORE_FAIL, STORE_FAIL, 0 },
        { "5.5", "container/b", "container_runtime", "privileged", STORE_FAIL, STORE_FAIL, 0 } },
      4,
      { { "container_runtime", true } },
      { { "5.10", "container/a", STORE_FAIL, "no limit", "container_runtime" },
        { "5.5", "container/a", STORE_PASS, "not privileged", "container_runtime" } },
      { { DIFF_DELETE, "5.10", "container/b", "no limit", STORE_FAIL, STORE_ABSENT, false },
        { DIFF_CHANGE, "5.5", "container/a", "not privileged", STORE_FAIL, STORE_PASS, false },
        { DIFF_DELETE, "5.5", "container/b", "privileged", STORE_FAIL, STORE_ABSENT, false } },
      3,
      0,
      { [STORE_PASS] = 1, [STORE_FAIL] = 1 },
      { { "5.5", -1 } } },
};

static void test_diff_case(void **state)
{
    const struct diff_case *c = *state;
    /* Each list ends at its first entry with a NULL name or check id, or when full. */
    size_t n_old = 0, n_changes = 0, n_checks = 0;
    while (n_old < 4 && c->old[n_old].check_id != NULL)
        n_old++;
    while (n_changes < 3 && c->changes[n_changes].check_id != NULL)
        n_changes++;
    while (n_checks < 1 && c->checks[n_checks].check_id != NULL)
        n_checks++;
    struct tb t;
    tb_init(&t, HOST, c->seq, 0);
    for (size_t k = 0; k < 2 && c->runs[k].name != NULL; k++)
        tb_run(&t, c->runs[k].name, c->runs[k].success);
    for (size_t k = 0; k < 2 && c->results[k].check_id != NULL; k++)
        tb_result(&t, c->results[k].check_id, c->results[k].target, c->results[k].status,
                  c->results[k].evidence, c->results[k].collector);
    struct diff_result d;
    struct store_report *r = diff_of(c->old, n_old, &t, &d);
    assert_int_equal(d.n_changes, n_changes);
    for (size_t k = 0; k < n_changes; k++) {
        const struct want_change *w = &c->changes[k];
        assert_int_equal(d.changes[k].op, w->op);
        assert_string_equal(d.changes[k].check_id, w->check_id);
        assert_string_equal(d.changes[k].target, w->target);
        assert_string_equal(d.changes[k].evidence, w->evidence);
        assert_int_equal(d.changes[k].from, w->from);
        assert_int_equal(d.changes[k].to, w->to);
        assert_int_equal(d.changes[k].regression, w->regression);
    }
    assert_int_equal(d.n_events, c->n_events);
    assert_int_equal(d.n_regressions, c->n_regressions);
    for (int s = 0; s < STORE_STATUS_COUNT; s++)
        assert_int_equal(d.counts[s], c->counts[s]);
    assert_int_equal(d.n_checks, n_checks);
    for (size_t k = 0; k < n_checks; k++) {
        assert_string_equal(d.checks[k].check_id, c->checks[k].check_id);
        assert_int_equal(d.checks[k].failing_delta, c->checks[k].failing_delta);
        assert_int_equal(d.checks[k].waived_delta, 0);
    }
    diff_done(&d, r);
}

/* ---- the database ---- */

static int db_setup(void **state)
{
    return store_db_setup(state, sizeof(struct store_dbfix), "/tmp/dockward-test-store-XXXXXX");
}

/* Applies reports as one batch; returns store_db_apply's result. */
/* The store's clock as the writer would read it; 0 = now. */
static int64_t received_at_ms;
/* Who reports (NULL: nobody is checked), and whether hosts= binds it explicitly. */
static const char *apply_owner;
static bool apply_bound;
static char last_owner_found[STORE_OWNER_MAX + 1];

static int apply(struct store_db *db, struct store_report **reports, size_t n,
                 enum store_outcome *outcomes)
{
    struct store_job jobs[8];
    struct store_job *ptrs[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        memset(&jobs[i], 0, sizeof(jobs[i]));
        jobs[i].report = reports[i];
        jobs[i].received_ms = received_at_ms != 0 ? received_at_ms : store_now_ms();
        jobs[i].owner = apply_owner;
        jobs[i].owner_bound = apply_bound;
        diff_result_init(&jobs[i].diff);
        ptrs[i] = &jobs[i];
    }
    char err[256] = "";
    int rc = store_db_apply(db, ptrs, n, err, sizeof(err));
    for (size_t i = 0; i < n; i++) {
        outcomes[i] = jobs[i].outcome;
        snprintf(last_owner_found, sizeof(last_owner_found), "%s", jobs[i].owner_found);
        diff_result_free(&jobs[i].diff);
    }
    return rc;
}

static enum store_outcome apply_one(struct store_db *db, const struct tb *t)
{
    struct store_report *r = decode(t);
    enum store_outcome out;
    assert_int_equal(apply(db, &r, 1, &out), 0);
    store_report_free(r);
    return out;
}

/*
 * The hosts' current rows as a table again (temp.current, one row per
 * pair, as schema 2 kept them), unpacked from each host's results value, so
 * the tests below can ask SQL about them.
 */
static void snapshot_current(sqlite3 *db)
{
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE IF EXISTS temp.current; CREATE TEMP TABLE current "
                                  "(host, check_id, target, status, collector, evidence, "
                                  "since_ms, prior)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *rd, *ins;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT host, data FROM results", -1, &rd, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO temp.current VALUES (?,?,?,?,?,?,?,?)", -1, &ins, NULL),
        SQLITE_OK);
    struct store_rows rows;
    store_rows_init(&rows);
    while (sqlite3_step(rd) == SQLITE_ROW) {
        assert_int_equal(store_rows_decode(&rows, sqlite3_column_blob(rd, 1),
                                           (size_t)sqlite3_column_bytes(rd, 1)),
                         0);
        for (size_t i = 0; i < rows.n; i++) {
            const struct diff_row *r = &rows.rows[i];
            if (i > 0)
                assert_true(store_pair_cmp(rows.rows[i - 1].check_id, rows.rows[i - 1].target,
                                           r->check_id, r->target) < 0);
            sqlite3_bind_int64(ins, 1, sqlite3_column_int64(rd, 0));
            sqlite3_bind_text(ins, 2, r->check_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, r->target, -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 4, r->status);
            sqlite3_bind_text(ins, 5, r->collector, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 6, r->evidence, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 7, r->since_ms);
            sqlite3_bind_int(ins, 8, r->prior);
            assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
            sqlite3_reset(ins);
        }
    }
    store_rows_free(&rows);
    sqlite3_finalize(rd);
    sqlite3_finalize(ins);
}

/* Report ids the store remembers: every host's recent ids. */
#define REMEMBERED_IDS "SELECT sum(length(recent_ids)) / 16 FROM hosts"

/* The drift events one per row again (temp.drift_events, as schema 2 kept them). */
static void snapshot_drift(sqlite3 *db)
{
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE IF EXISTS temp.drift_events; CREATE TEMP TABLE "
                                  "drift_events (id, host, check_id, target, from_status, "
                                  "to_status, at_ms, report_id, regression, received_ms)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *rd, *ins;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id, n, host, at_ms, report_id, received_ms, "
                                        "events FROM drift ORDER BY id",
                                        -1, &rd, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO temp.drift_events VALUES "
                                        "(?,?,?,?,?,?,?,?,?,?)",
                                        -1, &ins, NULL),
                     SQLITE_OK);
    struct store_events ev;
    store_events_init(&ev);
    while (sqlite3_step(rd) == SQLITE_ROW) {
        sqlite3_int64 last = sqlite3_column_int64(rd, 0), n = sqlite3_column_int64(rd, 1);
        assert_int_equal(store_events_decode(&ev, sqlite3_column_blob(rd, 6),
                                             (size_t)sqlite3_column_bytes(rd, 6), (size_t)n),
                         0);
        for (sqlite3_int64 k = 0; k < n; k++) {
            const struct store_event *e = &ev.ev[k];
            sqlite3_bind_int64(ins, 1, last - n + 1 + k);
            sqlite3_bind_int64(ins, 2, sqlite3_column_int64(rd, 2));
            sqlite3_bind_text(ins, 3, e->check_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, e->target, -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 5, e->from);
            sqlite3_bind_int(ins, 6, e->to);
            sqlite3_bind_int64(ins, 7, sqlite3_column_int64(rd, 3));
            sqlite3_bind_blob(ins, 8, sqlite3_column_blob(rd, 4), sqlite3_column_bytes(rd, 4),
                              SQLITE_STATIC);
            sqlite3_bind_int(ins, 9, e->regression ? 1 : 0);
            sqlite3_bind_int64(ins, 10, sqlite3_column_int64(rd, 5));
            assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
            sqlite3_reset(ins);
        }
    }
    store_events_free(&ev);
    sqlite3_finalize(rd);
    sqlite3_finalize(ins);
}

/*
 * Prepares sql on the store's database, first unpacking the tables it reads
 * as schema 2 kept them (temp.current, temp.drift_events). The caller
 * finalizes.
 */
static sqlite3_stmt *prepare_query(struct store_db *db, const char *sql)
{
    if (strstr(sql, "current") != NULL)
        snapshot_current(store_db_sqlite(db));
    if (strstr(sql, "drift_events") != NULL)
        snapshot_drift(store_db_sqlite(db));
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_db_sqlite(db), sql, -1, &st, NULL), SQLITE_OK);
    return st;
}

static long long query_int(struct store_db *db, const char *sql)
{
    sqlite3_stmt *st = prepare_query(db, sql);
    long long v = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void query_text(struct store_db *db, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *st = prepare_query(db, sql);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* A host with three pairs: the report the tests start from. */
static void first_report(struct tb *t, uint64_t seq)
{
    tb_init(t, HOST, seq, 0);
    tb_run(t, "host", true);
    tb_run(t, "container_runtime", true);
    tb_result(t, "1.1.1", "host", STORE_PASS, "separate mount", "host");
    tb_result(t, "5.5", "container/web", STORE_PASS, "not privileged", "container_runtime");
    tb_result(t, "5.5", "container/db", STORE_WARN, "cannot tell", "container_runtime");
}

/*
 * Stores HOST's first_report at seq, its 1.1.1 failing when fail is true
 * (first_report has it pass); fails unless the store says "stored".
 */
static void store_report_at(struct store_db *db, uint64_t seq, bool fail)
{
    struct tb t;
    first_report(&t, seq);
    if (fail)
        t.res[0].status = DOCKWARD__V1__STATUS__STATUS_FAIL;
    assert_int_equal(apply_one(db, &t), STORE_OUTCOME_STORED);
}

static void test_db_stored_duplicate_stale(void **state)
{
    struct store_dbfix *f = *state;
    struct tb t;
    first_report(&t, 5);
    assert_int_equal(apply_one(f->db, &t), STORE_OUTCOME_STORED);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM current"), 3);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), 3); /* absent -> x */
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events WHERE from_status = 0"),
                     3);
    assert_int_equal(query_int(f->db, "SELECT last_seq FROM hosts"), 5);
    assert_int_equal(query_int(f->db, "SELECT n_pass * 10 + n_warn FROM hosts"), 21);

    /* The same report again: duplicate, nothing changes. */
    assert_int_equal(apply_one(f->db, &t), STORE_OUTCOME_DUPLICATE);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), 3);
    assert_int_equal(query_int(f->db, REMEMBERED_IDS), 1);

    /* An older sequence with other content: stale, current state untouched, id recorded. */
    struct tb old;
    first_report(&old, 4);
    old.res[0].status = DOCKWARD__V1__STATUS__STATUS_FAIL;
    assert_int_equal(apply_one(f->db, &old), STORE_OUTCOME_STALE);
    assert_int_equal(query_int(f->db, "SELECT status FROM current WHERE check_id = '1.1.1'"),
                     STORE_PASS);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), 3);
    assert_int_equal(query_int(f->db, "SELECT last_seq FROM hosts"), 5);
    assert_int_equal(query_int(f->db, REMEMBERED_IDS), 2); /* the stored one and the stale one */
    /* ...so the stale report sent again is a duplicate. */
    assert_int_equal(apply_one(f->db, &old), STORE_OUTCOME_DUPLICATE);
    /* The same sequence under a new id is not newer either. */
    struct tb same;
    first_report(&same, 5);
    same.id[0] ^= 0xff;
    assert_int_equal(apply_one(f->db, &same), STORE_OUTCOME_STALE);

    /* A newer report: 1.1.1 regresses, container/db goes away, a new pair appears. */
    struct tb next;
    tb_init(&next, HOST, 6, 0);
    tb_run(&next, "host", true);
    tb_run(&next, "container_runtime", true);
    tb_result(&next, "1.1.1", "host", STORE_FAIL, "no separate mount", "host");
    tb_result(&next, "5.5", "container/web", STORE_PASS, "not privileged", "container_runtime");
    tb_result(&next, "5.5", "container/api", STORE_FAIL, "privileged", "container_runtime");
    assert_int_equal(apply_one(f->db, &next), STORE_OUTCOME_STORED);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM current"), 3);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM current WHERE target = 'container/db'"),
                     0);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), 6);
    assert_int_equal(query_int(f->db, "SELECT to_status FROM drift_events WHERE target = "
                                      "'container/db' AND from_status = 3"),
                     STORE_ABSENT);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events WHERE regression = 1"), 2);
    assert_int_equal(query_int(f->db, "SELECT regressions FROM checks WHERE check_id = '1.1.1'"),
                     1);
    assert_int_equal(query_int(f->db, "SELECT regressions FROM checks WHERE check_id = '5.5'"), 1);
    char text[128];
    query_text(f->db, "SELECT evidence FROM current WHERE check_id = '1.1.1'", text, sizeof(text));
    assert_string_equal(text, "no separate mount");
    assert_int_equal(query_int(f->db, "SELECT n_pass * 10 + n_fail FROM hosts"), 12);
}

static void test_db_failed_collector(void **state)
{
    struct store_dbfix *f = *state;
    store_report_at(f->db, 1, false);
    /* container_runtime could not run: its pairs keep their state, no event. */
    struct tb next;
    tb_init(&next, HOST, 2, 0);
    tb_run(&next, "host", true);
    tb_run(&next, "container_runtime", false);
    tb_result(&next, "1.1.1", "host", STORE_PASS, "separate mount", "host");
    assert_int_equal(apply_one(f->db, &next), STORE_OUTCOME_STORED);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM current"), 3);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), 3);
    assert_int_equal(query_int(f->db, "SELECT last_seq FROM hosts"), 2);
}

static void test_db_batch_duplicates_and_isolation(void **state)
{
    struct store_dbfix *f = *state;
    struct tb a, b, c;
    first_report(&a, 1);
    tb_init(&b, "other-host", 1, 0);
    tb_run(&b, "host", true);
    tb_result(&b, "boom", "host", STORE_FAIL, "makes the trigger fail", "host");
    tb_init(&c, "third-host", 1, 0);
    tb_run(&c, "host", true);
    tb_result(&c, "1.1.1", "host", STORE_FAIL, "no separate mount", "host");
    /* A trigger that fails one report's write, to prove the others survive. */
    sqlite3 *other;
    assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other,
                                  "CREATE TRIGGER boom BEFORE INSERT ON failing "
                                  "WHEN NEW.check_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); "
                                  "END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(other);

    struct store_report *r[4] = { decode(&a), decode(&b), decode(&c), decode(&a) };
    enum store_outcome out[4];
    assert_int_equal(apply(f->db, r, 4, out), 0);
    assert_int_equal(out[0], STORE_OUTCOME_STORED);
    assert_int_equal(out[1], STORE_OUTCOME_UNAVAILABLE);
    assert_int_equal(out[2], STORE_OUTCOME_STORED);
    assert_int_equal(out[3], STORE_OUTCOME_DUPLICATE); /* the same id twice in one batch */
    for (int i = 0; i < 4; i++)
        store_report_free(r[i]);
    /* Nothing of the failed report is left: no host row, no id, no event. */
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM hosts"), 2);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM hosts WHERE host_id = 'other-host'"),
                     0);
    assert_int_equal(query_int(f->db, REMEMBERED_IDS), 2);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), 4);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM checks WHERE check_id = 'boom'"), 0);
}

static void test_db_recent_ids_bounded(void **state)
{
    struct store_dbfix *f = *state;
    struct tb t[STORE_RECENT_IDS + 2];
    for (unsigned i = 0; i < STORE_RECENT_IDS + 2; i++) {
        first_report(&t[i], i + 1);
        assert_int_equal(apply_one(f->db, &t[i]), STORE_OUTCOME_STORED);
    }
    /* Only the host's last STORE_RECENT_IDS ids are kept. */
    assert_int_equal(query_int(f->db, REMEMBERED_IDS), STORE_RECENT_IDS);
    assert_int_equal(query_int(f->db, "SELECT length(recent_ids) FROM hosts"),
                     STORE_RECENT_IDS * 16);
    /* A forgotten id resent changes nothing either: its sequence is old, so stale. */
    assert_int_equal(apply_one(f->db, &t[0]), STORE_OUTCOME_STALE);
    assert_int_equal(apply_one(f->db, &t[STORE_RECENT_IDS + 1]), STORE_OUTCOME_DUPLICATE);
    assert_int_equal(query_int(f->db, REMEMBERED_IDS), STORE_RECENT_IDS);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), 3);
}

static void seed(void *arg, const char *check, uint64_t failing, uint64_t regressions,
                 uint64_t waived)
{
    store_metrics_seed_check(arg, check, failing, regressions, waived);
}

static void test_db_regressions_survive_reopen(void **state)
{
    struct store_dbfix *f = *state;
    store_report_at(f->db, 1, true);  /* 1.1.1: absent -> fail */
    store_report_at(f->db, 2, false); /* 1.1.1 back to pass */
    store_report_at(f->db, 3, true);  /* pass -> fail again */

    store_db_close(f->db);
    char err[256];
    assert_int_equal(store_db_open(f->path, STORE_DB_WRITER, &f->db, err, sizeof(err)), 0);
    struct store_metrics m;
    store_metrics_init(&m);
    char lerr[256];
    assert_int_equal(store_db_load_checks(f->db, seed, &m, lerr, sizeof(lerr)), 0);
    int64_t failing = -1;
    uint64_t regressions = 0;
    assert_true(store_metrics_check(&m, "1.1.1", &failing, &regressions));
    assert_int_equal(failing, 1);
    assert_int_equal(regressions, 2);
    assert_false(store_metrics_check(&m, "5.5", &failing, &regressions));

    /* The writer's figures after a COMMIT move the same way. */
    struct tb w;
    first_report(&w, 4); /* 1.1.1 fixed */
    struct store_report *r = decode(&w);
    struct store_job job = { .report = r, .received_ms = store_now_ms() };
    struct store_job *ptr = &job;
    diff_result_init(&job.diff);
    assert_int_equal(store_db_apply(f->db, &ptr, 1, err, sizeof(err)), 0);
    assert_int_equal(job.outcome, STORE_OUTCOME_STORED);
    store_metrics_apply(&m, &job.diff);
    assert_true(store_metrics_check(&m, "1.1.1", &failing, &regressions));
    assert_int_equal(failing, 0);
    assert_int_equal(regressions, 2);
    diff_result_free(&job.diff);
    store_report_free(r);
    store_metrics_destroy(&m);
}

static void test_db_locked_is_unavailable(void **state)
{
    struct store_dbfix *f = *state;
    struct tb t;
    first_report(&t, 1);
    /* Another process holds the write lock past the busy timeout. */
    sqlite3 *other;
    assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    struct store_report *r = decode(&t);
    enum store_outcome out;
    assert_int_equal(apply(f->db, &r, 1, &out), -1);
    assert_int_equal(out, STORE_OUTCOME_UNAVAILABLE);
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(other);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM hosts"), 0);
    /* Once the lock is gone the same report goes in. */
    assert_int_equal(apply(f->db, &r, 1, &out), 0);
    assert_int_equal(out, STORE_OUTCOME_STORED);
    store_report_free(r);
}

static void test_db_retention(void **state)
{
    struct store_dbfix *f = *state;
    const int64_t r0 = store_now_ms() - 3600 * 1000;
    struct tb t;
    first_report(&t, 1);
    received_at_ms = r0; /* received an hour ago */
    assert_int_equal(apply_one(f->db, &t), STORE_OUTCOME_STORED);
    struct tb u;
    first_report(&u, 2);
    u.res[0].status = DOCKWARD__V1__STATUS__STATUS_FAIL;
    /* issue 18 #5: generated in the distant past, received now: kept, as data. */
    u.rep.generated_at_unix_ms = REPORT_MIN_TIME_MS + 1000;
    received_at_ms = 0;
    assert_int_equal(apply_one(f->db, &u), STORE_OUTCOME_STORED);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), 4);
    int deleted = -1;
    char err[256];
    /* Retention counts from the store's receive time. Chunks of 2: the three
     * events received an hour ago go in two passes, the new one stays. */
    assert_int_equal(store_db_retention(f->db, r0 + 5000, 2, &deleted, err, sizeof(err)), 0);
    assert_int_equal(deleted, 2);
    assert_int_equal(store_db_retention(f->db, r0 + 5000, 2, &deleted, err, sizeof(err)), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), 1);
    /* Ids are never reused after deletion (AUTOINCREMENT). */
    assert_int_equal(query_int(f->db, "SELECT min(id) FROM drift_events"), 4);
    /* Its agent time is data beside the store's own. */
    assert_int_equal(query_int(f->db, "SELECT at_ms FROM drift_events"), REPORT_MIN_TIME_MS + 1000);
}

/* A migration test's state: a fresh database path, and its migration_cases row or NULL. */
struct pathfix {
    const struct migration_case *migration;
    char path[64];
};

/* cmocka setup: a struct pathfix with a fresh path; the test's initial state is its row. */
static int path_setup(void **state)
{
    struct pathfix *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->migration = *state;
    snprintf(f->path, sizeof(f->path), "/tmp/dockward-test-schema-XXXXXX");
    if (store_tmp_path(f->path) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* cmocka teardown for path_setup: removes the database's files, frees the state. */
static int path_teardown(void **state)
{
    struct pathfix *f = *state;
    store_remove_db_files(f->path);
    free(f);
    return 0;
}

/* Opens `path` as the writer, which migrates it; checks the schema it then has. */
static struct store_db *open_migrated(const char *path)
{
    struct store_db *s = NULL;
    char err[256] = "";
    if (store_db_open(path, STORE_DB_WRITER, &s, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(query_int(s, "PRAGMA user_version"), STORE_DB_SCHEMA_VERSION);
    return s;
}

/*
 * Makes the database at path as an older store left it: base (the schema it
 * starts from; NULL: this store's, made by opening the writer once), then
 * back (what turns it back, and its rows). Returns the writer opened on it,
 * which migrates it (open_migrated).
 */
static struct store_db *open_old_store(const char *path, const char *base, const char *back)
{
    if (base == NULL)
        store_db_close(open_migrated(path));
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (base != NULL)
        store_sql_ok(db, base);
    store_sql_ok(db, back);
    sqlite3_close(db);
    return open_migrated(path);
}

/*
 * A migration as data: a database as an older store left it (base, then
 * back: see open_old_store), and what the migrated store must answer to
 * each query. test_migration_case runs one row (main names it).
 */
struct migration_case {
    const char *name;
    const char *base, *back;
    struct {
        const char *sql;
        long long want;
    } answers[2];
};

static const struct migration_case migration_cases[] = {
    /*
     * A store of schema 1 (drift ordered by the agent's time) is migrated at
     * start. The database as a schema-1 store left it: schema 2, turned back.
     */
    { "test_db_migrates_schema_1",
      store_schema2_sql,
      "DROP INDEX drift_received; DROP INDEX drift_host_id; "
      "DROP INDEX drift_check_id; ALTER TABLE drift DROP COLUMN received_ms; "
      "ALTER TABLE current DROP COLUMN prior; "
      "CREATE INDEX drift_at ON drift(at_ms); "
      "CREATE INDEX drift_host ON drift(host, at_ms); "
      "CREATE INDEX drift_check ON drift(check_id, at_ms); "
      "INSERT INTO drift VALUES (NULL, 1, '5.5', 'container/x', 1, 2, "
      "1767225600000, x'00', 1); PRAGMA user_version = 1;",
      { { "SELECT received_ms FROM drift_events", 1767225600000LL },
        { "SELECT count(*) FROM sqlite_schema WHERE name = 'drift_at'", 0 } } },
    /*
     * A store of schema 4 gains the waived counts (hosts.n_waived,
     * checks.waived_hosts) at start. The database as a schema-4 store left
     * it: this schema, turned back.
     */
    { "test_db_migrates_schema_4",
      NULL,
      "ALTER TABLE hosts DROP COLUMN n_waived; ALTER TABLE checks DROP COLUMN "
      "waived_hosts; INSERT INTO checks VALUES ('5.5', 3, 4); PRAGMA user_version = 4;",
      { { "SELECT waived_hosts + failing_hosts FROM checks", 3 },
        { "SELECT count(*) FROM pragma_table_info('hosts') WHERE name = 'n_waived'", 1 } } },
};

static void test_migration_case(void **state)
{
    struct pathfix *f = *state;
    const struct migration_case *c = f->migration;
    struct store_db *s = open_old_store(f->path, c->base, c->back);
    for (size_t k = 0; k < sizeof(c->answers) / sizeof(c->answers[0]); k++)
        assert_int_equal(query_int(s, c->answers[k].sql), c->answers[k].want);
    store_db_close(s);
}

/*
 * A store of schema 2 (a row per pair in `current`, a `reports` table) is
 * migrated at start in one transaction: each host's rows packed into
 * `results` (evidence, collector, since and prior kept), the failing pairs
 * in `failing`, the ids of every host's ring still answered "duplicate",
 * and a report after the migration diffs against the migrated rows.
 */
static void test_db_migrates_schema_2(void **state)
{
    const char *path = ((struct pathfix *)*state)->path;
    struct tb t;
    first_report(&t, 7); /* its id is in the host's ring below */
    char ring[64];
    for (int i = 0; i < 16; i++)
        snprintf(ring + 2 * i, 3, "%02x", t.id[i]);
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "INSERT INTO hosts VALUES (1, '%s', 'web-1', '0.1.0', 'cis-docker-1.6.0', 7, "
             "1767225600000, 1767225500000, 1767220000000, 2, 0, 1, 0, 0, x'%s');"
             "INSERT INTO hosts VALUES (2, 'other-host', 'db-1', '0.1.0', 'cis-docker-1.6.0', 3, "
             "1767225600000, 1767225500000, 1767220000000, 0, 1, 0, 0, 1, x'');"
             "INSERT INTO current VALUES (1, '1.1.1', 'host', 1, 'host', 'separate mount', "
             "1767220000000, 1);"
             "INSERT INTO current VALUES (1, '5.5', 'container/web', 1, 'container_runtime', "
             "'not privileged', 1767220000001, 1);"
             "INSERT INTO current VALUES (1, '5.5', 'container/db', 3, 'container_runtime', "
             "'cannot tell', 1767220000002, 3);"
             "INSERT INTO current VALUES (2, '5.5', 'container/x', 2, 'container_runtime', "
             "'privileged', 1767220000003, 2);"
             "INSERT INTO current VALUES (2, '1.1.1', 'host', 5, 'host', 'cannot read', "
             "1767220000004, 1);"
             "INSERT INTO reports VALUES (x'%s', 1, 7, 1767225600000, 0);"
             "INSERT INTO checks VALUES ('5.5', 1, 1);"
             /* Two reports' events (ids 1-3, then 5: 4 went by retention), AUTOINCREMENT at 7. */
             "INSERT INTO drift VALUES (1, 2, '1.1.1', 'host', 0, 1, 1767220000000, x'aa', 0, "
             "1767220000100);"
             "INSERT INTO drift VALUES (2, 2, '5.5', 'container/x', 0, 2, 1767220000000, x'aa', 1, "
             "1767220000100);"
             "INSERT INTO drift VALUES (3, 2, '5.5', 'container/y', 0, 1, 1767220000000, x'aa', 0, "
             "1767220000100);"
             "INSERT INTO drift VALUES (5, 2, '1.1.1', 'host', 1, 5, 1767220000004, x'bb', 0, "
             "1767220000200);"
             "UPDATE sqlite_sequence SET seq = 7 WHERE name = 'drift';",
             HOST, ring, ring);
    struct store_db *s = open_old_store(path, store_schema2_sql, sql);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                  "('reports', 'current', 'current_failing')"),
                     0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM current"), 5);
    assert_int_equal(query_int(s, "SELECT count(*) FROM current WHERE host = 1"), 3);
    char text[512];
    query_text(s,
               "SELECT group_concat(check_id || '|' || target || '|' || status || '|' || "
               "collector || '|' || evidence || '|' || since_ms || '|' || prior, ';') FROM "
               "(SELECT * FROM current WHERE host = 2 ORDER BY check_id, target)",
               text, sizeof(text));
    assert_string_equal(text, "1.1.1|host|5|host|cannot read|1767220000004|1;"
                              "5.5|container/x|2|container_runtime|privileged|1767220000003|2");
    assert_int_equal(query_int(s, "SELECT count(*) FROM failing"), 1);
    assert_int_equal(query_int(s, "SELECT host FROM failing WHERE check_id = '5.5'"), 2);
    /* The remembered id: the same report again changes nothing. */
    assert_int_equal(apply_one(s, &t), STORE_OUTCOME_DUPLICATE);
    /* The next report of host 1, the same results: no event, its rows as they were. */
    struct tb next;
    first_report(&next, 8);
    assert_int_equal(apply_one(s, &next), STORE_OUTCOME_STORED);
    /* The drift events as they were, regrouped by report; nothing new. */
    assert_int_equal(query_int(s, "SELECT count(*) FROM drift"), 2);
    query_text(s,
               "SELECT group_concat(id || ':' || check_id || ':' || target || ':' || from_status "
               "|| to_status || regression || ':' || hex(report_id) || ':' || received_ms, ';') "
               "FROM (SELECT * FROM drift_events ORDER BY id)",
               text, sizeof(text));
    assert_string_equal(text, "1:1.1.1:host:010:AA:1767220000100;2:5.5:container/x:021:AA:"
                              "1767220000100;3:5.5:container/y:010:AA:1767220000100;"
                              "5:1.1.1:host:150:BB:1767220000200");
    assert_int_equal(query_int(s, "SELECT count(*) FROM drift_checks"), 3);
    /* A change now: the next id after AUTOINCREMENT's 7. */
    store_report_at(s, 9, true);
    assert_int_equal(query_int(s, "SELECT max(id) FROM drift_events"), 8);
    assert_int_equal(query_int(s, "SELECT since_ms FROM current WHERE target = 'container/db'"),
                     1767220000002LL);
    /* Reopened, the new report's id is remembered as well. */
    store_db_close(s);
    s = open_migrated(path);
    assert_int_equal(apply_one(s, &next), STORE_OUTCOME_DUPLICATE);
    assert_int_equal(apply_one(s, &t), STORE_OUTCOME_DUPLICATE);
    /* Owners and retirement (schema 3): every host unbound and active. */
    assert_int_equal(query_int(s, "SELECT count(*) FROM hosts WHERE owner IS NULL AND "
                                  "retired_ms = 0"),
                     2);
    store_db_close(s);
}

/*
 * Identity and lifecycle on the database: bound to the first reporter,
 * another is FORBIDDEN and changes nothing, an explicit binding takes the
 * host over, an admin rebinds it; retirement deletes the current rows with
 * events, drops the host from the per-check figures, and a report revives
 * it as new.
 */
static void test_db_owner_retire_rebind(void **state)
{
    struct store_dbfix *f = *state;
    struct tb t;
    apply_owner = "agent-a";
    apply_bound = false;
    first_report(&t, 1);
    tb_result(&t, "5.10", "container/web", STORE_FAIL, "no memory limit", "container_runtime");
    assert_int_equal(apply_one(f->db, &t), STORE_OUTCOME_STORED);
    char text[128];
    query_text(f->db, "SELECT owner FROM hosts", text, sizeof(text));
    assert_string_equal(text, "agent-a");
    long long drift0 = query_int(f->db, "SELECT count(*) FROM drift_events");

    /* Another credential: refused, nothing written. */
    apply_owner = "agent-b";
    first_report(&t, 2);
    assert_int_equal(apply_one(f->db, &t), STORE_OUTCOME_FORBIDDEN);
    assert_string_equal(last_owner_found, "agent-a");
    assert_int_equal(query_int(f->db, "SELECT last_seq FROM hosts"), 1);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM current"), 4);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), drift0);

    /* hosts= names agent-b: it takes the host over. */
    apply_bound = true;
    first_report(&t, 3);
    tb_result(&t, "5.10", "container/web", STORE_FAIL, "no memory limit", "container_runtime");
    assert_int_equal(apply_one(f->db, &t), STORE_OUTCOME_STORED);
    apply_bound = false;
    query_text(f->db, "SELECT owner FROM hosts", text, sizeof(text));
    assert_string_equal(text, "agent-b");

    /* An admin's move. */
    bool found = false;
    char err[256];
    assert_int_equal(store_db_rebind(f->db, HOST, "cert:web one", &found, err, sizeof(err)), 0);
    assert_true(found);
    query_text(f->db, "SELECT owner FROM hosts", text, sizeof(text));
    assert_string_equal(text, "cert:web one");
    assert_int_equal(store_db_rebind(f->db, "nosuch", "agent-a", &found, err, sizeof(err)), 0);
    assert_false(found);

    /* Silent since before now + 1 s: found; retired; then not found again. */
    char ids[4][REPORT_HOST_ID_MAX + 1];
    size_t n = 0;
    assert_int_equal(
        store_db_silent_hosts(f->db, store_now_ms() + 1000, ids, 4, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], HOST);
    assert_int_equal(query_int(f->db, "SELECT failing_hosts FROM checks WHERE check_id = '5.10'"),
                     1);
    struct diff_result figures;
    diff_result_init(&figures);
    long long drift1 = query_int(f->db, "SELECT count(*) FROM drift_events");
    assert_int_equal(
        store_db_retire(f->db, HOST, store_now_ms(), &figures, &found, err, sizeof(err)), 0);
    assert_true(found);
    assert_int_equal(figures.n_checks, 1);
    assert_string_equal(figures.checks[0].check_id, "5.10");
    assert_int_equal(figures.checks[0].failing_delta, -1);
    assert_int_equal(figures.n_events, 5); /* 4 pairs to absent, and the retirement */
    diff_result_free(&figures);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM current"), 0);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events"), drift1 + 5);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events WHERE to_status = 0 AND "
                                      "check_id = '" STORE_RETIRED_CHECK "'"),
                     1);
    assert_int_equal(query_int(f->db, "SELECT failing_hosts FROM checks WHERE check_id = '5.10'"),
                     0);
    assert_true(query_int(f->db, "SELECT retired_ms FROM hosts") > 0);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM hosts WHERE owner IS NULL"), 1);
    diff_result_init(&figures);
    assert_int_equal(
        store_db_retire(f->db, HOST, store_now_ms(), &figures, &found, err, sizeof(err)), 0);
    assert_false(found);
    diff_result_free(&figures);
    assert_int_equal(
        store_db_silent_hosts(f->db, store_now_ms() + 1000, ids, 4, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);

    /* It reports again: new, bound to whoever reports it, from a low sequence. */
    apply_owner = "agent-c";
    first_report(&t, 1);
    t.rep.report_id.data[0] ^= 0xff; /* another report than the first one */
    tb_result(&t, "5.10", "container/web", STORE_FAIL, "no memory limit", "container_runtime");
    assert_int_equal(apply_one(f->db, &t), STORE_OUTCOME_STORED);
    apply_owner = NULL;
    assert_int_equal(query_int(f->db, "SELECT retired_ms FROM hosts"), 0);
    query_text(f->db, "SELECT owner FROM hosts", text, sizeof(text));
    assert_string_equal(text, "agent-c");
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM current"), 4);
    assert_int_equal(query_int(f->db, "SELECT failing_hosts FROM checks WHERE check_id = '5.10'"),
                     1);
}

static void test_db_refuses_foreign_file(void **state)
{
    (void)state;
    char path[] = "/tmp/dockward-test-foreign-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE mine (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct store_db *s = NULL;
    char err[256] = "";
    assert_int_equal(store_db_open(path, STORE_DB_WRITER, &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a dockward-store database"));
    store_remove_db_files(path);
}

/*
 * A packed value cut at any length, or with a byte flipped, is refused
 * (never read past its end), for a host's results and for drift events.
 */
static void test_packed_values_checked(void **state)
{
    (void)state;
    struct diff_row rows[] = {
        { "1.1.1", "host", "host", "separate mount", STORE_PASS, STORE_PASS, 1767225600000 },
        { "5.5", "container/db", "container_runtime", "privileged", STORE_ERROR, STORE_FAIL, -5 },
    };
    unsigned char *v;
    size_t len;
    assert_int_equal(store_rows_encode(NULL, rows, 2, &v, &len), 0);
    struct store_rows r;
    store_rows_init(&r);
    assert_int_equal(store_rows_decode(&r, v, len), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.rows[1].evidence, "privileged");
    assert_int_equal(r.rows[1].prior, STORE_FAIL);
    assert_int_equal(r.rows[1].since_ms, -5);
    assert_int_equal(store_rows_after(&r, "1.1.1", "host"), 1);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(store_rows_decode(&r, v, cut), -1);
    /* A kept codec packs the same bytes, value after value. */
    struct store_codec codec = { 0 };
    for (int k = 0; k < 2; k++) {
        unsigned char *again;
        size_t again_len;
        assert_int_equal(store_rows_encode(&codec, rows, 2, &again, &again_len), 0);
        assert_int_equal(again_len, len);
        assert_memory_equal(again, v, len);
        free(again);
    }
    store_codec_free(&codec);
    v[0] ^= 0x40;
    assert_int_equal(store_rows_decode(&r, v, len), -1);
    free(v);
    store_rows_free(&r);

    /* Events: a few (packed as they are) and many (deflated). */
    struct store_event ev[200];
    for (size_t n = 3; n <= 200; n += 197) {
        for (size_t i = 0; i < n; i++)
            ev[i] = (struct store_event){ .check_id = i % 2 ? "5.5" : "1.1.1",
                                          .target = "container/web",
                                          .from = (int)(i % 6),
                                          .to = (int)((i + 1) % 6),
                                          .regression = i % 3 == 0 };
        assert_int_equal(store_events_encode(NULL, ev, n, &v, &len), 0);
        struct store_events e;
        store_events_init(&e);
        assert_int_equal(store_events_decode(&e, v, len, n), 0);
        assert_int_equal(e.ev[n - 1].to, (int)(n % 6));
        assert_int_equal(e.ev[0].regression, true);
        assert_int_equal(store_events_decode(&e, v, len, n + 1), -1);
        for (size_t cut = 0; cut < len; cut++)
            assert_int_equal(store_events_decode(&e, v, cut, n), -1);
        free(v);
        store_events_free(&e);
    }
}

/* A host whose results row is damaged: its report is refused alone (503), the batch goes on. */
static void test_db_damaged_results_row(void **state)
{
    struct store_dbfix *f = *state;
    struct tb a, b;
    first_report(&a, 1);
    assert_int_equal(apply_one(f->db, &a), STORE_OUTCOME_STORED);
    store_sql_ok(store_db_sqlite(f->db), "UPDATE results SET data = x'01ff00'");
    first_report(&a, 2);
    tb_init(&b, "other-host", 1, 0);
    tb_run(&b, "host", true);
    tb_result(&b, "1.1.1", "host", STORE_FAIL, "no separate mount", "host");
    struct store_report *r[2] = { decode(&a), decode(&b) };
    enum store_outcome out[2];
    assert_int_equal(apply(f->db, r, 2, out), 0);
    assert_int_equal(out[0], STORE_OUTCOME_UNAVAILABLE);
    assert_int_equal(out[1], STORE_OUTCOME_STORED);
    store_report_free(r[0]);
    store_report_free(r[1]);
    assert_int_equal(query_int(f->db, "SELECT last_seq FROM hosts WHERE host_id = '" HOST "'"), 1);
    /* Its id was not remembered: once repaired, the same report goes in. */
    store_sql_ok(store_db_sqlite(f->db), "DELETE FROM results WHERE data = x'01ff00'");
    assert_int_equal(apply_one(f->db, &a), STORE_OUTCOME_STORED);
}

/* issue 18 #4: under umask 022 the database, -wal and -shm are still 0600. */
static void test_db_files_private_whatever_the_umask(void **state)
{
    (void)state;
    char dir[] = "/tmp/dockward-test-private-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[96], p[128];
    snprintf(path, sizeof(path), "%s/store.db", dir);
    mode_t old = umask(022);
    struct store_db *s = NULL;
    char err[256] = "";
    assert_int_equal(store_db_open(path, STORE_DB_WRITER, &s, err, sizeof(err)), 0);
    /* A write makes SQLite create the -wal and -shm. */
    assert_int_equal(sqlite3_exec(store_db_sqlite(s),
                                  "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL, NULL),
                     SQLITE_OK);
    static const char *const suffixes[] = { "", "-wal", "-shm" };
    struct stat st;
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    store_db_close(s);

    /* A database left 0644 (an older store) is narrowed at the next start. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(store_db_open(path, STORE_DB_WRITER, &s, err, sizeof(err)), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    store_db_close(s);
    store_remove_db_files(path);

    /* A symbolic link in the database's name is refused. */
    assert_int_equal(symlink("/tmp/elsewhere.db", path), 0);
    assert_int_equal(store_db_open(path, STORE_DB_WRITER, &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "symbolic link"));
    unlink(path);

    /* A directory others can write is refused, naming the fix (sticky /tmp is fine). */
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(store_db_open(path, STORE_DB_WRITER, &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "writable by other users (mode 0777); run: chmod o-w"));
    umask(old);
    rmdir(dir);
}

/*
 * issue 18 #6: one report with 4,096 junk check ids, then real ones: the
 * CIS ids still get their series, dockward.* ids up to their cap, and what
 * was left out is counted.
 */
static void test_metrics_count_only_catalog_checks(void **state)
{
    (void)state;
    struct store_metrics m;
    store_metrics_init(&m);
    static char ids[4096][16];
    static struct diff_check junk[4096];
    for (size_t i = 0; i < 4096; i++) {
        snprintf(ids[i], sizeof(ids[i]), "junk.%04zu", i);
        junk[i] = (struct diff_check){ ids[i], 1, 1, 0 };
    }
    struct diff_result d;
    memset(&d, 0, sizeof(d));
    d.checks = junk;
    d.n_checks = 4096;
    store_metrics_apply(&m, &d);
    static char dw[100][24];
    static struct diff_check real[103];
    real[0] = (struct diff_check){ "5.5", 1, 1, 0 };
    real[1] = (struct diff_check){ "1.1.18", 1, 0, 0 };
    real[2] = (struct diff_check){ "5.99", 1, 0, 0 }; /* not a CIS id */
    for (size_t i = 0; i < 100; i++) {
        snprintf(dw[i], sizeof(dw[i]), "dockward.x%zu", i);
        real[3 + i] = (struct diff_check){ dw[i], 1, 0, 0 };
    }
    d.checks = real;
    d.n_checks = 103;
    store_metrics_apply(&m, &d);
    /* 5.5, 1.1.18 and the first 64 dockward.* ids; 4096 + 1 + 36 left out. */
    assert_int_equal(m.n_checks, 2 + STORE_DOCKWARD_CHECKS_MAX);
    assert_int_equal(m.checks_left_out, 4096 + 1 + (100 - STORE_DOCKWARD_CHECKS_MAX));
    bool have55 = false;
    for (size_t i = 0; i < m.n_checks; i++)
        have55 |= strcmp(m.checks[i].check_id, "5.5") == 0 && m.checks[i].regressions == 1;
    assert_true(have55);
    /* A replica of several (the figures are the database's): the same ids left out, none applied.
     */
    struct store_metrics r;
    store_metrics_init(&r);
    d.checks = junk;
    d.n_checks = 4096;
    store_metrics_note_checks(&r, &d);
    d.checks = real;
    d.n_checks = 103;
    store_metrics_note_checks(&r, &d);
    assert_int_equal(r.n_checks, m.n_checks);
    assert_int_equal(r.checks_left_out, m.checks_left_out);
    for (size_t i = 0; i < r.n_checks; i++)
        assert_true(r.checks[i].failing_hosts == 0 && r.checks[i].regressions == 0);
    store_metrics_destroy(&r);
    store_metrics_destroy(&m);
    assert_true(cis_catalog_has("1.1.1") && cis_catalog_has("7.9") && cis_catalog_has("3.24"));
    assert_false(cis_catalog_has("1.1.19") || cis_catalog_has("8.1") || cis_catalog_has("05.5") ||
                 cis_catalog_has("5.5.") || cis_catalog_has("2.19") || cis_catalog_has(""));
    assert_true(cis_catalog_is_dockward("dockward.env_secret"));
    assert_false(cis_catalog_is_dockward("dockward.") || cis_catalog_is_dockward("dockward.A"));
    size_t n = 0;
    for (int a = 1; a <= 9; a++)
        for (int b = 1; b <= 40; b++)
            for (int c = 0; c <= 20; c++) {
                char id[16];
                if (c == 0)
                    snprintf(id, sizeof(id), "%d.%d", a, b);
                else
                    snprintf(id, sizeof(id), "%d.%d.%d", a, b, c);
                n += cis_catalog_has(id);
            }
    assert_int_equal(n, CIS_CATALOG_IDS);
}

/* issue 18 #9: pass -> error -> fail is a regression; warn -> error -> fail is not. */
static void test_regression_through_error(void **state)
{
    (void)state;
    static const struct {
        int prior;
        bool regression;
    } cases[] = { { STORE_PASS, true }, { STORE_ABSENT, true }, { STORE_WARN, false } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct diff_row old = { "5.5",
                                "container/web",
                                "container_runtime",
                                "error evidence",
                                STORE_ERROR,
                                cases[i].prior,
                                0 };
        struct diff_result d;
        struct store_report *r = diff_web_5_5(&old, STORE_FAIL, "privileged", &d);
        assert_int_equal(d.n_changes, 1);
        assert_int_equal(d.changes[0].regression, cases[i].regression);
        diff_done(&d, r);
    }
    /* pass -> error keeps pass as the prior to write. */
    struct diff_row pass = { "5.5", "container/web", "container_runtime",
                             "ok",  STORE_PASS,      STORE_PASS,
                             0 };
    struct diff_result d;
    struct store_report *r = diff_web_5_5(&pass, STORE_ERROR, "cannot read", &d);
    assert_int_equal(d.changes[0].to, STORE_ERROR);
    assert_int_equal(d.changes[0].prior, STORE_PASS);
    diff_done(&d, r);
}

/*
 * issue 18 #7: reports that each name a new collector (a hostile agent)
 * used to pile their rows up forever; a collector the report does not list
 * loses its rows, so the host holds one report's results.
 */
static void test_db_unlisted_collectors_do_not_pile_up(void **state)
{
    struct store_dbfix *f = *state;
    static char names[10][16], targets[10][3][24];
    for (uint64_t k = 0; k < 10; k++) {
        struct tb t;
        tb_init(&t, HOST, k + 1, 0);
        snprintf(names[k], sizeof(names[k]), "invented%llu", (unsigned long long)k);
        tb_run(&t, names[k], true);
        for (int j = 0; j < 3; j++) {
            snprintf(targets[k][j], sizeof(targets[k][j]), "thing/%llu-%d", (unsigned long long)k,
                     j);
            tb_result(&t, "5.5", targets[k][j], STORE_PASS, "x", names[k]);
        }
        assert_int_equal(apply_one(f->db, &t), STORE_OUTCOME_STORED);
    }
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM current"), 3);
    /* Each unlisted pair left with an event to absent (9 reports x 3). */
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM drift_events WHERE to_status = 0"), 27);
}

/* A row of diff_cases, by its name. */
#define DIFF_CASE(row)                                                             \
    {                                                                              \
        diff_cases[row].name, test_diff_case, NULL, NULL, (void *)&diff_cases[row] \
    }
/* A test with a fresh database path (its files removed after it). */
#define WITH_PATH(test) cmocka_unit_test_setup_teardown(test, path_setup, path_teardown)
/* A row of migration_cases, by its name, with a fresh database path like WITH_PATH. */
#define MIGRATION_CASE(row)                                                        \
    {                                                                              \
        migration_cases[row].name, test_migration_case, path_setup, path_teardown, \
            (void *)&migration_cases[row]                                          \
    }
/* A test with the writer open on a fresh database. */
#define WITH_DB(test) cmocka_unit_test_setup_teardown(test, db_setup, store_db_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transition),
        cmocka_unit_test(test_regression_through_error),
        DIFF_CASE(0),
        DIFF_CASE(1),
        DIFF_CASE(2),
        WITH_DB(test_db_stored_duplicate_stale),
        WITH_DB(test_db_failed_collector),
        WITH_DB(test_db_batch_duplicates_and_isolation),
        WITH_DB(test_db_recent_ids_bounded),
        WITH_DB(test_db_regressions_survive_reopen),
        WITH_DB(test_db_locked_is_unavailable),
        WITH_DB(test_db_retention),
        WITH_DB(test_db_unlisted_collectors_do_not_pile_up),
        cmocka_unit_test(test_db_refuses_foreign_file),
        MIGRATION_CASE(0),
        WITH_PATH(test_db_migrates_schema_2),
        MIGRATION_CASE(1),
        cmocka_unit_test(test_packed_values_checked),
        WITH_DB(test_db_damaged_results_row),
        WITH_DB(test_db_owner_retire_rebind),
        cmocka_unit_test(test_metrics_count_only_catalog_checks),
        cmocka_unit_test(test_db_files_private_whatever_the_umask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
