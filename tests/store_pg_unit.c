/*
 * store_pg_unit.c - the PostgreSQL backend (store/pg.c through storage.h)
 * against a real server: store_pg_unit.sh starts a private one
 * (tests/pg_env.sh) and passes its URL and password file in
 * DOCKWARD_TEST_PG_URL and DOCKWARD_TEST_PG_PASSWORD_FILE. Each test starts
 * from an empty database (every table dropped).
 *
 * What it shows: a report stored, resent (duplicate), older (stale), its
 * id reused for another host (duplicate, on either replica); drift
 * and per-check figures as the SQLite store keeps them; one bad report in a
 * group leaves the others stored; two writer connections (two replicas)
 * storing reports of the same hosts at once keep every chain whole; the
 * readers see what was committed; a reader paging drift by id misses no
 * event a slower replica commits later; a schema newer than the program
 * is refused; a URL holding a password is refused.
 */
#include "test_store_build.h"

#include "store/api.h"
#include "store/diff.h"
#include "store/storage.h"

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct storage_target target;
static char *password;

/* A libpq connection of its own to the test's database (as another session); PQfinish() it. */
static PGconn *pg_connect(void)
{
    const char *keys[] = { "dbname", "password", NULL };
    const char *vals[] = { target.url, password, NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    return c;
}

static void sql_exec(const char *sql)
{
    PGconn *c = pg_connect();
    PQsetNoticeProcessor(c, NULL, NULL);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

static int empty_database(void **state)
{
    (void)state;
    sql_exec("DROP TABLE IF EXISTS hosts, results, failing, drift, drift_checks, checks, "
             "report_ids, dockward_schema; DROP SEQUENCE IF EXISTS drift_ids");
    return 0;
}

/* cmocka setup: an empty database, and the writer open on it as the test's state. */
static int open_on_empty(void **state)
{
    struct storage *s;
    char err[256];
    empty_database(state);
    assert_int_equal(storage_open(&target, &s, err, sizeof(err)), 0);
    *state = s;
    return 0;
}

static int close_storage(void **state)
{
    storage_close(*state);
    return 0;
}

/* Two writers on one database, as two replicas of the store are. */
struct replicas {
    struct storage *s1, *s2;
};

/* cmocka setup: an empty database, and two writers open on it (a struct replicas) as the state. */
static int open_two_on_empty(void **state)
{
    struct replicas *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    char err[256];
    empty_database(state);
    assert_int_equal(storage_open(&target, &r->s1, err, sizeof(err)), 0);
    assert_int_equal(storage_open(&target, &r->s2, err, sizeof(err)), 0);
    *state = r;
    return 0;
}

static int close_two(void **state)
{
    struct replicas *r = *state;
    storage_close(r->s1);
    storage_close(r->s2);
    free(r);
    return 0;
}

/*
 * Decodes t and applies it alone through s; asserts nothing (the race's
 * threads call it). Returns 0 with *outcome (and the diff in *diff, the
 * caller's to free, unless diff is NULL), or -1 with err saying which step
 * failed and why.
 */
static int apply_one(struct storage *s, const struct tb *t, enum store_outcome *outcome,
                     struct diff_result *diff, char *err, size_t errlen)
{
    struct store_report *rep = NULL;
    char why[256];
    if (tb_decode(t, &rep, why, sizeof(why)) != REPORT_OK) {
        snprintf(err, errlen, "decode: %s", why);
        return -1;
    }
    struct store_job job = { .report = rep, .received_ms = store_now_ms() };
    diff_result_init(&job.diff);
    struct store_job *ptr = &job;
    int rc = storage_apply(s, &ptr, 1, why, sizeof(why));
    if (rc != 0)
        snprintf(err, errlen, "storage_apply: %s", why);
    *outcome = job.outcome;
    if (rc == 0 && diff != NULL) {
        *diff = job.diff;
    } else {
        diff_result_free(&job.diff);
    }
    store_report_free(rep);
    return rc;
}

/* Stores one report; returns its outcome. */
static enum store_outcome store_one(struct storage *s, struct tb *t, struct diff_result *diff)
{
    enum store_outcome outcome;
    char err[300];
    if (apply_one(s, t, &outcome, diff, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return outcome;
}

static void report(struct tb *t, const char *host, uint64_t seq, int status_111)
{
    tb_init(t, host, seq, 0);
    tb_run(t, "daemon_config", true);
    tb_result(t, "1.1.1", "host", status_111, "audit rule", "daemon_config");
    tb_result(t, "2.1", "host", DOCKWARD__V1__STATUS__STATUS_PASS, "ok", "daemon_config");
}

/* Builds host's report seq into t (as report() does) and stores it: it must be stored. */
static void report_stored(struct storage *s, struct tb *t, const char *host, uint64_t seq,
                          int status_111)
{
    report(t, host, seq, status_111);
    assert_int_equal(store_one(s, t, NULL), STORE_OUTCOME_STORED);
}

/* Reads one number with a reader (SQLite-form SQL, one ?1 text parameter). */
static int64_t read_number(const char *sql, const char *arg)
{
    struct storage_reader *r;
    char err[256];
    const char *const q[] = { sql };
    assert_int_equal(storage_reader_open(&target, q, 1, &r, err, sizeof(err)), 0);
    assert_int_equal(storage_read_begin(r), 0);
    struct storage_stmt *st = storage_stmt(r, 0);
    if (arg != NULL)
        storage_bind_text(st, 1, arg);
    assert_int_equal(storage_step(st), STORAGE_ROW);
    int64_t v = storage_int(st, 0);
    storage_reset(st);
    storage_read_end(r);
    storage_reader_close(r);
    return v;
}

static void test_store_duplicate_stale(void **state)
{
    struct storage *s = *state;
    char err[256];
    struct tb t;
    struct diff_result d;
    report(&t, "pg-a", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    assert_int_equal(store_one(s, &t, &d), STORE_OUTCOME_STORED);
    assert_int_equal(d.n_events, 2); /* absent -> pass, twice */
    diff_result_free(&d);
    assert_int_equal(store_one(s, &t, NULL), STORE_OUTCOME_DUPLICATE);
    report(&t, "pg-a", 2, DOCKWARD__V1__STATUS__STATUS_FAIL);
    assert_int_equal(store_one(s, &t, &d), STORE_OUTCOME_STORED);
    assert_int_equal(d.n_events, 1);
    assert_int_equal(d.n_regressions, 1);
    diff_result_free(&d);
    report(&t, "pg-a", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    t.id[0] ^= 0xff; /* another id, an old sequence */
    assert_int_equal(store_one(s, &t, NULL), STORE_OUTCOME_STALE);

    assert_int_equal(read_number("SELECT failing_hosts FROM checks WHERE check_id = ?1", "1.1.1"),
                     1);
    assert_int_equal(read_number("SELECT regressions FROM checks WHERE check_id = ?1", "1.1.1"), 1);
    assert_int_equal(read_number("SELECT count(*) FROM failing WHERE check_id = ?1", "1.1.1"), 1);
    assert_int_equal(read_number("SELECT sum(n)::bigint FROM drift", NULL), 3);
    assert_int_equal(read_number("SELECT last_seq FROM hosts WHERE host_id = ?1", "pg-a"), 2);

    /* Retirement: the host fails nothing any more, and says so in its drift. */
    struct diff_result fig;
    diff_result_init(&fig);
    bool found = false;
    assert_int_equal(storage_retire(s, "pg-a", store_now_ms(), &fig, &found, err, sizeof(err)), 0);
    assert_true(found);
    assert_int_equal(fig.n_events, 3);
    diff_result_free(&fig);
    assert_int_equal(read_number("SELECT failing_hosts FROM checks WHERE check_id = ?1", "1.1.1"),
                     0);
    assert_int_equal(read_number("SELECT count(*) FROM hosts WHERE retired_ms = 0", NULL), 0);
}

/* Applies the reports t[0..n) as one group; fills out[]. */
static void store_group(struct storage *s, const struct tb *t, int n, enum store_outcome *out)
{
    char err[256];
    struct store_report *rep[4];
    struct store_job job[4];
    struct store_job *ptr[4];
    assert_true(n <= 4);
    for (int i = 0; i < n; i++) {
        assert_int_equal(tb_decode(&t[i], &rep[i], err, sizeof(err)), REPORT_OK);
        job[i] = (struct store_job){ .report = rep[i], .received_ms = store_now_ms() };
        diff_result_init(&job[i].diff);
        ptr[i] = &job[i];
    }
    if (storage_apply(s, ptr, (size_t)n, err, sizeof(err)) != 0)
        fail_msg("storage_apply: %s", err);
    for (int i = 0; i < n; i++) {
        out[i] = job[i].outcome;
        diff_result_free(&job[i].diff);
        store_report_free(rep[i]);
    }
}

/*
 * A report id reused for a different host is a duplicate, as SQLite's
 * writer answers: through the replica that stored it, through another, in
 * the batch that stores it, and when a stale report brought it; nothing of
 * it is stored. The id is remembered while its host's ring holds it (its
 * last STORE_RECENT_IDS reports), then forgotten, as on SQLite.
 */
static void test_id_reused_other_host(void **state)
{
    struct replicas *two = *state;
    struct storage *s1 = two->s1, *s2 = two->s2;
    struct tb a, b;
    report_stored(s1, &a, "pg-ida", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    unsigned char first_id[16];
    memcpy(first_id, a.id, sizeof(first_id));
    report(&b, "pg-idb", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    memcpy(b.id, first_id, sizeof(b.id));
    assert_int_equal(store_one(s1, &b, NULL), STORE_OUTCOME_DUPLICATE);
    assert_int_equal(store_one(s2, &b, NULL), STORE_OUTCOME_DUPLICATE); /* another replica */
    assert_int_equal(read_number("SELECT count(*) FROM hosts WHERE host_id = ?1", "pg-idb"), 0);
    assert_int_equal(read_number("SELECT count(*) FROM drift", NULL), 1);

    /* Two new hosts, one id, in one batch: the first (host order) stored, the other not. */
    struct tb g[2];
    enum store_outcome out[2];
    report(&g[0], "pg-idc", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    report(&g[1], "pg-idd", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    memcpy(g[1].id, g[0].id, sizeof(g[1].id));
    store_group(s2, g, 2, out);
    assert_int_equal(out[0], STORE_OUTCOME_STORED);
    assert_int_equal(out[1], STORE_OUTCOME_DUPLICATE);
    assert_int_equal(read_number("SELECT count(*) FROM hosts WHERE host_id = ?1", "pg-idd"), 0);

    /* A stale report's id is remembered too. */
    report_stored(s1, &a, "pg-ida", 5, DOCKWARD__V1__STATUS__STATUS_FAIL);
    report(&a, "pg-ida", 3, DOCKWARD__V1__STATUS__STATUS_PASS);
    assert_int_equal(store_one(s1, &a, NULL), STORE_OUTCOME_STALE);
    report(&b, "pg-idb", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    memcpy(b.id, a.id, sizeof(b.id));
    assert_int_equal(store_one(s2, &b, NULL), STORE_OUTCOME_DUPLICATE);

    /* The ring's window: STORE_RECENT_IDS reports later the first id is forgotten. */
    for (uint64_t seq = 6; seq < 6 + STORE_RECENT_IDS; seq++)
        report_stored(seq % 2 ? s1 : s2, &a, "pg-ida", seq, DOCKWARD__V1__STATUS__STATUS_PASS);
    assert_int_equal(read_number("SELECT count(*) FROM report_ids WHERE host = "
                                 "(SELECT id FROM hosts WHERE host_id = ?1)",
                                 "pg-ida"),
                     STORE_RECENT_IDS);
    assert_int_equal(read_number("SELECT count(*) FROM report_ids", NULL), STORE_RECENT_IDS + 1);
    report(&b, "pg-idb", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    memcpy(b.id, first_id, sizeof(b.id));
    assert_int_equal(store_one(s1, &b, NULL), STORE_OUTCOME_STORED);
}

/*
 * Applies three reports (hosts pg-l1, `middle`, pg-l2, each failing 1.1.1)
 * as one group: the outer two must be answered `others` and the middle one
 * `mid`, and then `failing` hosts must fail 1.1.1 (what was not stored
 * changed nothing).
 */
static void group_of_three(struct storage *s, const char *middle, enum store_outcome others,
                           enum store_outcome mid, int64_t failing)
{
    struct tb tb[3];
    const char *hosts[3] = { "pg-l1", middle, "pg-l2" };
    for (int i = 0; i < 3; i++)
        report(&tb[i], hosts[i], (uint64_t)store_now_ms(), DOCKWARD__V1__STATUS__STATUS_FAIL);
    enum store_outcome out[3];
    store_group(s, tb, 3, out);
    assert_int_equal(out[0], others);
    assert_int_equal(out[1], mid);
    assert_int_equal(out[2], others);
    assert_int_equal(read_number("SELECT failing_hosts FROM checks WHERE check_id = ?1", "1.1.1"),
                     failing);
}

/* A group of three where the middle one fails alone: the others are stored. */
static void test_group_one_bad(void **state)
{
    struct storage *s = *state;
    /* A corrupt stored value makes that host's next report fail (the others do not). */
    struct tb t;
    report_stored(s, &t, "pg-bad", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    sql_exec("UPDATE results SET data = '\\x01ff00'::bytea");

    group_of_three(s, "pg-bad", STORE_OUTCOME_STORED, STORE_OUTCOME_UNAVAILABLE, 2);
    assert_int_equal(read_number("SELECT last_seq FROM hosts WHERE host_id = ?1", "pg-bad"), 1);
}

/*
 * A group of three where the middle one's statement fails on the server
 * (a trigger refuses its host): the group is tried without SAVEPOINTs
 * first, then again with one per report, and only that report is left out.
 */
static void test_group_one_refused(void **state)
{
    struct storage *s = *state;
    sql_exec("CREATE OR REPLACE FUNCTION pg_unit_refuse() RETURNS trigger LANGUAGE plpgsql AS "
             "$$BEGIN IF NEW.host_id = 'pg-refused' THEN RAISE EXCEPTION 'refused'; END IF; "
             "RETURN NEW; END$$; "
             "CREATE TRIGGER pg_unit_refuse BEFORE INSERT OR UPDATE ON hosts "
             "FOR EACH ROW EXECUTE FUNCTION pg_unit_refuse()");
    group_of_three(s, "pg-refused", STORE_OUTCOME_STORED, STORE_OUTCOME_UNAVAILABLE, 2);
    assert_int_equal(read_number("SELECT count(*) FROM hosts", NULL), 2);
    assert_int_equal(read_number("SELECT count(*) FROM drift", NULL), 2);
    assert_int_equal(read_number("SELECT count(*) FROM results", NULL), 2);
    /* The same hosts again once the trigger is gone: the third is stored too. */
    sql_exec("DROP TRIGGER pg_unit_refuse ON hosts");
    group_of_three(s, "pg-refused", STORE_OUTCOME_STORED, STORE_OUTCOME_STORED, 3);
}

/*
 * The hosts' id sequence is at its end: a new host's id cannot be drawn, a
 * statement that fails with the server still there. The batch fails (503,
 * nothing stored) and the writer stores the report once the sequence moves
 * again. The failed statement's result was once leaked here: the suite's
 * ASan run of this program finds that.
 */
static void test_new_ids_refused(void **state)
{
    struct storage *s = *state;
    sql_exec("SELECT setval('hosts_id_seq', 5); ALTER SEQUENCE hosts_id_seq MAXVALUE 5");
    struct tb t;
    report(&t, "pg-noid", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    enum store_outcome outcome;
    char err[300] = "";
    assert_int_equal(apply_one(s, &t, &outcome, NULL, err, sizeof(err)), -1);
    assert_int_equal(outcome, STORE_OUTCOME_UNAVAILABLE);
    if (strstr(err, "reached maximum value of sequence") == NULL)
        fail_msg("want the sequence's error, got: %s", err);
    assert_int_equal(read_number("SELECT count(*) FROM hosts", NULL), 0);
    sql_exec("ALTER SEQUENCE hosts_id_seq NO MAXVALUE");
    report_stored(s, &t, "pg-noid", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    assert_int_equal(read_number("SELECT id FROM hosts WHERE host_id = ?1", "pg-noid"), 6);
}

/*
 * Another session holds a host's row past lock_timeout: that report 503,
 * the others stored. It holds a whole table: every report 503, and the
 * batch gives up after two lock timeouts, not one per host.
 */
static void test_locked_elsewhere(void **state)
{
    struct storage *s = *state;
    struct tb t;
    report_stored(s, &t, "pg-lock", 1, DOCKWARD__V1__STATUS__STATUS_PASS);

    PGconn *other = pg_connect();
    PQclear(PQexec(other, "BEGIN"));
    PGresult *r = PQexec(other, "SELECT 1 FROM hosts WHERE host_id = 'pg-lock' FOR UPDATE");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    group_of_three(s, "pg-lock", STORE_OUTCOME_STORED, STORE_OUTCOME_UNAVAILABLE, 2);
    PQclear(PQexec(other, "ROLLBACK"));

    PQclear(PQexec(other, "BEGIN"));
    r = PQexec(other, "LOCK TABLE hosts IN EXCLUSIVE MODE");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    int64_t t0 = store_now_ms(); /* the group and the read after it (milliseconds) */
    group_of_three(s, "pg-lock", STORE_OUTCOME_UNAVAILABLE, STORE_OUTCOME_UNAVAILABLE, 2);
    int64_t took = store_now_ms() - t0;
    assert_true(took < 3 * STORE_DB_BUSY_TIMEOUT_MS);
    PQclear(PQexec(other, "ROLLBACK"));
    PQfinish(other);
    /* Free again: stored. */
    group_of_three(s, "pg-lock", STORE_OUTCOME_STORED, STORE_OUTCOME_STORED, 3);
}

/* Two replicas, the same hosts, at once: every chain whole. */
#define RACE_HOSTS   8
#define RACE_REPORTS 30

struct racer {
    int which;
    int stored;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct storage *s;
    char err[256];
    if (storage_open(&target, &s, err, sizeof(err)) != 0)
        return NULL;
    for (int seq = 1; seq <= RACE_REPORTS; seq++) {
        for (int h = 0; h < RACE_HOSTS; h++) {
            char host[16];
            snprintf(host, sizeof(host), "race-%d", h);
            /* Both replicas get every report (an agent retrying through another one). */
            struct tb t;
            report(&t, host, (uint64_t)seq,
                   seq % 2 ? DOCKWARD__V1__STATUS__STATUS_PASS : DOCKWARD__V1__STATUS__STATUS_FAIL);
            enum store_outcome outcome;
            if (apply_one(s, &t, &outcome, NULL, err, sizeof(err)) == 0 &&
                outcome == STORE_OUTCOME_STORED)
                r->stored++;
        }
    }
    storage_close(s);
    return NULL;
}

static void test_two_replicas(void **state)
{
    (void)state;
    struct storage *s;
    char err[256];
    assert_int_equal(storage_open(&target, &s, err, sizeof(err)), 0); /* the schema, once */
    storage_close(s);
    struct racer r[2] = { { 0, 0 }, { 1, 0 } };
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    /* Each report stored exactly once across both. */
    assert_int_equal(r[0].stored + r[1].stored, RACE_HOSTS * RACE_REPORTS);
    /* Chains whole: per host 2 events first (absent -> pass), then one per report. */
    assert_int_equal(read_number("SELECT sum(n)::bigint FROM drift", NULL),
                     RACE_HOSTS * (2 + RACE_REPORTS - 1));
    assert_int_equal(read_number("SELECT count(*) FROM hosts", NULL), RACE_HOSTS);
    /* Reports 2, 4, ..., 30 regressed 1.1.1 (pass -> fail): 15 per host. */
    assert_int_equal(read_number("SELECT regressions FROM checks WHERE check_id = ?1", "1.1.1"),
                     RACE_HOSTS * (RACE_REPORTS / 2));
    assert_int_equal(read_number("SELECT failing_hosts FROM checks WHERE check_id = ?1", "1.1.1"),
                     RACE_HOSTS); /* report 30 fails */
}

/* Stores one report in a thread of its own (a replica whose transaction another holds up). */
struct slow_store {
    struct storage *s;
    struct tb t;
    enum store_outcome outcome;
};

static void *slow_store_main(void *arg)
{
    struct slow_store *w = arg;
    w->outcome = store_one(w->s, &w->t, NULL);
    return NULL;
}

/* One page of /api/v1/drift after `after`: the events' hosts into hosts[] (up to max); next. */
static int64_t drift_page(struct store_api *api, int64_t after, char (*hosts)[16], size_t max,
                          size_t *n)
{
    char value[32];
    snprintf(value, sizeof(value), "%lld", (long long)after);
    struct api_param prm[2] = { { .name = "limit", .value = "1000" },
                                { .name = "after", .value = value } };
    struct api_response resp;
    store_api_handle(api, "/api/v1/drift", prm, 2, store_now_ms(), &resp);
    assert_int_equal(resp.status, 200);
    cJSON *doc = cJSON_ParseWithLength(resp.body, resp.len);
    free(resp.body);
    assert_non_null(doc);
    const cJSON *ev;
    int64_t last = after;
    *n = 0;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(doc, "events"))
    {
        last = (int64_t)cJSON_GetObjectItem(ev, "id")->valuedouble;
        if (*n < max)
            snprintf(hosts[(*n)++], sizeof(hosts[0]), "%s",
                     cJSON_GetObjectItem(ev, "host")->valuestring);
    }
    cJSON_Delete(doc);
    return last;
}

/*
 * Drift paged by id across replicas: replica 1's transaction is held up
 * after its writes (a trigger on its per-check figures waits), replica 2
 * stores a report of another host and commits, a reader pages to the end
 * (next = replica 2's last event); then replica 1 commits. Its events come
 * after that `next`: drift ids are taken at the end of each transaction,
 * under a lock held to its COMMIT, so they are in commit order. (With ids
 * taken with the writes, replica 1's events had smaller ids than `next`,
 * and a reader following `next` never saw them.)
 */
static void test_drift_ids_in_commit_order(void **state)
{
    struct replicas *two = *state;
    struct storage *s1 = two->s1, *s2 = two->s2;
    char err[256];
    struct tb t;
    report_stored(s1, &t, "pg-ord-0", 1,
                  DOCKWARD__V1__STATUS__STATUS_FAIL); /* 1.1.1's figures exist */
    /* Holds up a writer touching 1.1.1's figures until advisory lock 4242 is free (no lock wait).
     */
    sql_exec(
        "CREATE OR REPLACE FUNCTION pg_unit_hold() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
        "IF NEW.check_id = '1.1.1' THEN "
        "WHILE NOT pg_try_advisory_xact_lock_shared(4242) LOOP PERFORM pg_sleep(0.01); "
        "END LOOP; END IF; RETURN NEW; END$$; "
        "CREATE TRIGGER pg_unit_hold BEFORE INSERT OR UPDATE ON checks "
        "FOR EACH ROW EXECUTE FUNCTION pg_unit_hold()");
    PGconn *holder = pg_connect();
    PQclear(PQexec(holder, "SELECT pg_advisory_lock(4242)"));

    struct slow_store w = { .s = s1 };
    report(&w.t, "pg-ord-1", 1, DOCKWARD__V1__STATUS__STATUS_FAIL); /* fails 1.1.1: held up */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, slow_store_main, &w), 0);
    int held = 0;
    for (int i = 0; i < 500 && !held; i++) {
        PGresult *r = PQexec(holder, "SELECT count(*) FROM pg_stat_activity "
                                     "WHERE wait_event = 'PgSleep'");
        held = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "0") != 0;
        PQclear(r);
        if (!held)
            usleep(10000);
    }
    assert_true(held);
    report_stored(s2, &t, "pg-ord-2", 1,
                  DOCKWARD__V1__STATUS__STATUS_PASS); /* no figures: not held up */

    struct store_api *api;
    assert_int_equal(store_api_open_target(&api, &target, 600000, err, sizeof(err)), 0);
    char hosts[8][16];
    size_t n;
    int64_t next = drift_page(api, 0, hosts, 8, &n);
    assert_int_equal(n, 4); /* pg-ord-0's two and pg-ord-2's two */
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(hosts[i], "pg-ord-1");

    PQclear(PQexec(holder, "SELECT pg_advisory_unlock(4242)"));
    pthread_join(th, NULL);
    assert_int_equal(w.outcome, STORE_OUTCOME_STORED);
    /* The reader goes on from `next`: replica 1's two events are there. */
    drift_page(api, next, hosts, 8, &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(hosts[i], "pg-ord-1");
    store_api_close(api);
    PQfinish(holder);
    sql_exec("DROP TRIGGER pg_unit_hold ON checks; DROP FUNCTION pg_unit_hold()");
}

/*
 * Retention drops whole drift rows, oldest first, with their drift_checks
 * rows (found from the rows' events: there is no index on id) and counts
 * their events; newer rows and their drift_checks stay.
 */
static void test_retention(void **state)
{
    struct storage *s = *state;
    char err[256];
    struct tb t;
    report_stored(s, &t, "pg-old", 1, DOCKWARD__V1__STATUS__STATUS_FAIL); /* 2 events: 1.1.1, 2.1 */
    report_stored(s, &t, "pg-old", 2, DOCKWARD__V1__STATUS__STATUS_PASS); /* 1 event: 1.1.1 */
    const int64_t cutoff = store_now_ms() + 1;
    sql_exec("UPDATE drift SET received_ms = received_ms - 100000");
    report_stored(s, &t, "pg-new", 1, DOCKWARD__V1__STATUS__STATUS_FAIL);
    sql_exec("UPDATE drift SET received_ms = received_ms + 100000 WHERE host = "
             "(SELECT id FROM hosts WHERE host_id = 'pg-new')");
    assert_int_equal(read_number("SELECT count(*) FROM drift_checks", NULL), 5);
    int deleted = 0;
    assert_int_equal(storage_retention(s, cutoff, 1, &deleted, err, sizeof(err)), 0);
    assert_int_equal(deleted, 2); /* the oldest row only: limit 1 */
    assert_int_equal(read_number("SELECT count(*) FROM drift_checks", NULL), 3);
    assert_int_equal(storage_retention(s, cutoff, 100, &deleted, err, sizeof(err)), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(read_number("SELECT count(*) FROM drift", NULL), 1);
    assert_int_equal(read_number("SELECT count(*) FROM drift_checks", NULL), 2);
    assert_int_equal(
        read_number("SELECT count(*) FROM drift_checks c JOIN drift d ON d.id = c.id", NULL), 2);
}

/*
 * A version 1 database (drift_checks indexed by id, no report_ids) is
 * migrated to 3 at start; report_ids is filled from the hosts' rings, so
 * an id stored before the upgrade is a duplicate for another host after.
 */
static void test_schema_1_migrated(void **state)
{
    (void)state;
    struct storage *s;
    char err[256];
    assert_int_equal(storage_open(&target, &s, err, sizeof(err)), 0);
    struct tb a;
    report_stored(s, &a, "pg-old-a", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    storage_close(s);
    sql_exec("CREATE INDEX drift_checks_id ON drift_checks (id); DROP TABLE report_ids; "
             "UPDATE dockward_schema SET version = 1");
    assert_int_equal(storage_open(&target, &s, err, sizeof(err)), 0);
    assert_int_equal(read_number("SELECT version FROM dockward_schema", NULL), 3);
    assert_int_equal(read_number("SELECT count(*) FROM report_ids", NULL), 1);
    struct tb b;
    report(&b, "pg-old-b", 1, DOCKWARD__V1__STATUS__STATUS_PASS);
    memcpy(b.id, a.id, sizeof(b.id));
    assert_int_equal(store_one(s, &b, NULL), STORE_OUTCOME_DUPLICATE);
    storage_close(s);
    assert_int_equal(
        read_number("SELECT count(*) FROM pg_indexes WHERE indexname = 'drift_checks_id'", NULL),
        0);
}

static void test_newer_schema_refused(void **state)
{
    (void)state;
    struct storage *s;
    char err[256];
    assert_int_equal(storage_open(&target, &s, err, sizeof(err)), 0);
    storage_close(s);
    sql_exec("UPDATE dockward_schema SET version = version + 1");
    assert_int_equal(storage_open(&target, &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "newer than this dockward-store knows"));
}

static void test_url_checks(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(
        storage_url_check("postgresql://u@h:5432/db?sslmode=require", err, sizeof(err)), 0);
    assert_int_equal(storage_url_check("postgresql://u:s3cret@h/db", err, sizeof(err)), -1);
    assert_null(strstr(err, "s3cret"));
    assert_int_equal(
        storage_url_check("postgres://u@h/db?sslmode=disable&password=s3cret", err, sizeof(err)),
        -1);
    assert_null(strstr(err, "s3cret"));
    assert_int_equal(storage_url_check("/var/lib/store.db", err, sizeof(err)), -1);
    /* The command line's message names the flag, never the value. */
    struct store_config cfg;
    char *argv[] = { "dockward-store", "--auth.tokens-file=/dev/null",
                     "--storage.url=postgresql://u:s3cret@h/db", NULL };
    assert_int_equal(store_cli_parse(&cfg, 3, argv, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "--storage.url"));
    assert_null(strstr(err, "s3cret"));
}

int main(void)
{
    const char *url = getenv("DOCKWARD_TEST_PG_URL");
    const char *pwfile = getenv("DOCKWARD_TEST_PG_PASSWORD_FILE");
    if (url == NULL || pwfile == NULL) {
        fprintf(stderr, "DOCKWARD_TEST_PG_URL and _PASSWORD_FILE unset: run store_pg_unit.sh\n");
        return 77;
    }
    char err[256];
    if (storage_password_read(pwfile, &password, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    target = (struct storage_target){ .kind = STORAGE_POSTGRES, .url = url, .password = password };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_duplicate_stale, open_on_empty, close_storage),
        cmocka_unit_test_setup_teardown(test_id_reused_other_host, open_two_on_empty, close_two),
        cmocka_unit_test_setup_teardown(test_group_one_bad, open_on_empty, close_storage),
        cmocka_unit_test_setup_teardown(test_group_one_refused, open_on_empty, close_storage),
        cmocka_unit_test_setup_teardown(test_new_ids_refused, open_on_empty, close_storage),
        cmocka_unit_test_setup_teardown(test_locked_elsewhere, open_on_empty, close_storage),
        cmocka_unit_test_setup(test_two_replicas, empty_database),
        cmocka_unit_test_setup_teardown(test_drift_ids_in_commit_order, open_two_on_empty,
                                        close_two),
        cmocka_unit_test_setup_teardown(test_retention, open_on_empty, close_storage),
        cmocka_unit_test_setup(test_schema_1_migrated, empty_database),
        cmocka_unit_test_setup(test_newer_schema_refused, empty_database),
        cmocka_unit_test(test_url_checks),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(password);
    return rc;
}
