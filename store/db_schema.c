/*
 * db_schema.c - the SQLite backend's tables, and the migrations that bring
 * an older store's database to them at start; see db.h.
 *
 * Why the schema looks like this (schema 6; the ingest targets are in
 * docs/benchmarks.md). What a report costs is the pages it dirties: each is written
 * whole to the WAL at COMMIT (and again into the database by the
 * checkpoint), so the layout keeps a report's writes on as few pages as it
 * can, away from indexes keyed by random values, and pages are 1 KiB
 * (STORE_DB_PAGE_SIZE; a database made by an earlier store keeps its 4 KiB).
 * Per report of a known host that changes a few statuses: its results row
 * (about 3 pages), its hosts row, a failing row when it starts or stops
 * failing a check, one drift row (appended), its (host, id) entry and one
 * drift_checks entry per changed check; a host's first report, a drift_set
 * entry (appended) instead of ~117 drift_checks entries.
 *
 * - results: one row per host holding all its current (check, target)
 *   rows packed and deflated into one value (rows.h: ~2.4 KB for ~150
 *   results, 7x smaller than a row per pair). The diff unpacks it, and a
 *   report that changes anything writes it back whole: one or two pages,
 *   where a row per pair in a (host, check, target) index dirtied a page
 *   per changed pair. A host without a row has no results.
 * - failing: one row per (check, host) where the host fails the check now
 *   (any target), WITHOUT ROWID: GET /api/v1/checks/{id} reads the failing
 *   hosts' ranges of it and their results for the targets. It changes only
 *   when a host starts or stops failing a check.
 * - hosts: one row per host with what the host list and /metrics need
 *   precomputed (status counts for the compliance ratio, last sequence,
 *   last seen) and the ids of its last STORE_RECENT_IDS reports. Those ids
 *   are the only report ids the store remembers: the writer keeps their
 *   union in memory (idset.h, built from these rows at open and changed
 *   with them in each transaction), so a duplicate is a hash probe and no
 *   table keyed by random ids is written per report. An id pushed out of a
 *   host's list is forgotten; a resend of an id that old is still harmless:
 *   its sequence is not newer than the host's, so it is answered "stale"
 *   and changes nothing.
 * - drift: append-only, one row per report that changed anything, its
 *   events packed into one value (rows.h; deflated when large, so a host's
 *   first report's ~150 "absent ->" events take ~1 KB instead of ~150 rows
 *   and ~450 index entries). Event ids are the store's own order (commit
 *   order) and never reused: a row is keyed by its last event's id and
 *   holds n consecutive ones (id - n + 1 .. id), the writer keeps the
 *   counter, and meta.last_event_id keeps it when retention empties the
 *   table. The drift API pages by event id and retention counts from
 *   received_ms, the store's clock, so a late report (an outbox retrying)
 *   or an agent whose clock is off is never behind a reader's cursor nor
 *   expired at once; at_ms, the agent's time, is data beside it. Indexes:
 *   (host, id) and received_ms, one entry per row; drift_checks (check,
 *   row id), one per check a row has events of, serves ?check=. Retention
 *   deletes event by event, oldest first (a row is trimmed when a chunk
 *   ends inside it).
 * - check sets (schema 6): a row whose events are all to or from absent
 *   (a host's first report, a revival, a retirement) covers ~117 checks,
 *   and its drift_checks entries, each at the end of its check's range in
 *   the middle of the tree, were two thirds of a first report's pages.
 *   Such a row (16 checks or more) gets no drift_checks entries: drift.set_id
 *   names its sorted list of checks in drift_sets (check, set id), which
 *   most hosts share (the writer keeps every set in memory, read at open,
 *   up to STORE_DRIFT_SETS_MAX and STORE_DRIFT_SETS_MEMORY; past them a
 *   row gets drift_checks entries as before), and the partial index
 *   drift_set (id, set_id) of those rows only appends at the tree's end.
 *   ?check= merges the check's drift_checks range with the drift_set rows
 *   whose set has the check, both in id order (api.c). A set is what the
 *   row's events had when written: retention's trim keeps it, and the
 *   reader skips events of other checks anyway.
 * - checks: per check, the hosts failing it now and the regressions ever
 *   counted, kept in the same transaction as the rows they summarise, so
 *   they survive restarts and start-up reads a few hundred rows instead of
 *   every failing pair of the fleet.
 * - identity and lifecycle (schema 3): hosts.owner names the credential a
 *   host is bound to (NULL: not yet), read with the host's row and checked
 *   before a report changes anything (owner_check); hosts.retired_ms marks a retired
 *   host (0: active). A retired host keeps its row, so its drift history
 *   keeps its name and id until retention; it has no current rows and every
 *   list leaves it out, and its next report revives the row as a new host.
 *
 * Schemas 1 and 2 (and 3, branch trust's 2 plus hosts.owner) are migrated
 * to 4 at start in one transaction (migrate_to_4), and every older one on
 * to 6 in the same transaction (4 -> 5: the waived counts; 5 -> 6: the
 * check sets, migrate_to_6: existing rows keep their drift_checks rows).
 */
#include "db_impl.h"

#include "store.h"

#include "../common/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The drift indexes of schema 2 (by the store's order). */
#define DRIFT_INDEXES                                                  \
    "CREATE INDEX IF NOT EXISTS drift_received ON drift(received_ms);" \
    "CREATE INDEX IF NOT EXISTS drift_host_id ON drift(host, id);"     \
    "CREATE INDEX IF NOT EXISTS drift_check_id ON drift(check_id, id);"

/*
 * Schema 1 -> 2: drift ordered by the store. Events of schema 1 get their
 * agent time as receive time (the best there is).
 */
static const char migrate_1_to_2_sql[] =
    "ALTER TABLE current ADD COLUMN prior INTEGER NOT NULL DEFAULT 0;"
    "UPDATE current SET prior = status WHERE status != 5;"
    "ALTER TABLE drift ADD COLUMN received_ms INTEGER NOT NULL DEFAULT 0;"
    "UPDATE drift SET received_ms = at_ms;"
    "DROP INDEX IF EXISTS drift_at;"
    "DROP INDEX IF EXISTS drift_host;"
    "DROP INDEX IF EXISTS drift_check;" DRIFT_INDEXES;

/* Schema 4's drift tables (a new database adds schema 6's check sets: migrate_to_6). */
#define SCHEMA_DRIFT                                                                   \
    "CREATE TABLE IF NOT EXISTS drift ("                                               \
    " id INTEGER PRIMARY KEY,"                                                         \
    " host INTEGER NOT NULL,"                                                          \
    " n INTEGER NOT NULL,"                                                             \
    " at_ms INTEGER NOT NULL,"                                                         \
    " received_ms INTEGER NOT NULL,"                                                   \
    " report_id BLOB NOT NULL,"                                                        \
    " events BLOB NOT NULL);"                                                          \
    "CREATE INDEX IF NOT EXISTS drift_received ON drift(received_ms);"                 \
    "CREATE INDEX IF NOT EXISTS drift_host_id ON drift(host, id);"                     \
    "CREATE TABLE IF NOT EXISTS drift_checks ("                                        \
    " check_id TEXT NOT NULL,"                                                         \
    " id INTEGER NOT NULL,"                                                            \
    " PRIMARY KEY (check_id, id)) WITHOUT ROWID;"                                      \
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) " \
    "WITHOUT ROWID;"

#define SCHEMA_RESULTS                     \
    "CREATE TABLE IF NOT EXISTS results (" \
    " host INTEGER PRIMARY KEY,"           \
    " data BLOB NOT NULL);"                \
    "CREATE TABLE IF NOT EXISTS failing (" \
    " check_id TEXT NOT NULL,"             \
    " host INTEGER NOT NULL,"              \
    " PRIMARY KEY (check_id, host)) WITHOUT ROWID;"

/* Schema 2 -> 3: owners and retirement; existing hosts are unbound and active. */
static const char migrate_2_to_3_sql[] = "ALTER TABLE hosts ADD COLUMN owner TEXT;"
                                         "ALTER TABLE hosts ADD COLUMN retired_ms INTEGER NOT "
                                         "NULL DEFAULT 0;";
static const char migrate_4_to_5_sql[] =
    "ALTER TABLE hosts ADD COLUMN n_waived INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE checks ADD COLUMN waived_hosts INTEGER NOT NULL DEFAULT 0;";
/*
 * Schema 5 -> 6, and what a new database adds to schema 5's tables: drift
 * rows marked with a check set, indexed by id alone. Existing rows keep
 * their drift_checks rows (no set). Run again on a database that has it,
 * it changes nothing.
 */
#define DRIFT_SETS_SQL                                \
    "CREATE TABLE IF NOT EXISTS drift_sets ("         \
    " check_id TEXT NOT NULL,"                        \
    " set_id INTEGER NOT NULL,"                       \
    " PRIMARY KEY (check_id, set_id)) WITHOUT ROWID;" \
    "CREATE INDEX IF NOT EXISTS drift_set ON drift(id, set_id) WHERE set_id IS NOT NULL;"

static int migrate_to_6(sqlite3 *db, char *err, size_t errlen)
{
    long long has = 0;
    if (pragma_int(db, "SELECT count(*) FROM pragma_table_info('drift') WHERE name = 'set_id'",
                   &has) != 0) {
        seterr(err, errlen, "reading the drift table: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (has == 0 && exec(db, "ALTER TABLE drift ADD COLUMN set_id INTEGER;", err, errlen) != 0)
        return -1;
    return exec(db, DRIFT_SETS_SQL, err, errlen);
}

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS hosts ("
    " id INTEGER PRIMARY KEY,"
    " host_id TEXT NOT NULL UNIQUE,"
    " hostname TEXT NOT NULL,"
    " agent_version TEXT NOT NULL,"
    " catalog_version TEXT NOT NULL,"
    " last_seq INTEGER NOT NULL,"
    " last_seen_ms INTEGER NOT NULL,"
    " generated_ms INTEGER NOT NULL,"
    " first_seen_ms INTEGER NOT NULL,"
    " n_pass INTEGER NOT NULL, n_fail INTEGER NOT NULL, n_warn INTEGER NOT NULL,"
    " n_skip INTEGER NOT NULL, n_error INTEGER NOT NULL,"
    " recent_ids BLOB NOT NULL,"
    " owner TEXT,"
    " retired_ms INTEGER NOT NULL DEFAULT 0,"
    " n_waived INTEGER NOT NULL DEFAULT 0);" SCHEMA_RESULTS SCHEMA_DRIFT
    "CREATE TABLE IF NOT EXISTS checks ("
    " check_id TEXT PRIMARY KEY,"
    " failing_hosts INTEGER NOT NULL,"
    " regressions INTEGER NOT NULL,"
    " waived_hosts INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;";

/*
 * What one host's rows (or one report's drift events) of an older database
 * may hold in text while they are regrouped: far beyond what a report
 * could ever have carried (report.h's caps), so it only stops a corrupt file.
 */
#define MIGRATE_POOL_MAX ((size_t)1 << 30)

static int migrate_to_4(sqlite3 *db, char *err, size_t errlen);

/* Creates or checks the schema: ours (application_id), and not newer than we know. */
int store_db_setup_schema(sqlite3 *db, char *err, size_t errlen)
{
    long long app = 0, version = 0;
    if (pragma_int(db, "PRAGMA application_id", &app) != 0 ||
        pragma_int(db, "PRAGMA user_version", &version) != 0) {
        seterr(err, errlen, "cannot read the database header: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (version > STORE_DB_SCHEMA_VERSION) {
        seterr(err, errlen,
               "the database has schema version %lld, newer than this dockward-store knows "
               "(%d)",
               version, STORE_DB_SCHEMA_VERSION);
        return -1;
    }
    if (version == STORE_DB_SCHEMA_VERSION) {
        if (app != STORE_DB_APPLICATION_ID) {
            seterr(err, errlen, "not a dockward-store database (application_id %lld)", app);
            return -1;
        }
        return 0;
    }
    if (version >= 1 && version < STORE_DB_SCHEMA_VERSION && app == STORE_DB_APPLICATION_ID) {
        /* An older store's database: migrated in one transaction, or left as it was. */
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_DB_SCHEMA_VERSION);
        if (exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
            return -1;
        /*
         * 1 -> 2 -> 3 (hosts.owner, retired_ms) -> 4 (packed results and drift)
         * -> 5 (hosts.n_waived) -> 6 (drift check sets).
         */
        if ((version == 1 && exec(db, migrate_1_to_2_sql, err, errlen) != 0) ||
            (version <= 2 && exec(db, migrate_2_to_3_sql, err, errlen) != 0) ||
            (version <= 3 && migrate_to_4(db, err, errlen) != 0) ||
            (version <= 4 && exec(db, migrate_4_to_5_sql, err, errlen) != 0) ||
            migrate_to_6(db, err, errlen) != 0 || exec(db, sql, err, errlen) != 0 ||
            exec(db, "COMMIT", err, errlen) != 0) {
            exec(db, "ROLLBACK", NULL, 0);
            return -1;
        }
        return 0;
    }
    long long tables = 0;
    if (pragma_int(db, "SELECT count(*) FROM sqlite_schema", &tables) != 0) {
        seterr(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (tables != 0 && app != STORE_DB_APPLICATION_ID) {
        seterr(err, errlen, "not a dockward-store database (it has other tables)");
        return -1;
    }
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", STORE_DB_APPLICATION_ID);
    if (exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    if (exec(db, schema_sql, err, errlen) != 0 || migrate_to_6(db, err, errlen) != 0 ||
        exec(db, sql, err, errlen) != 0) {
        exec(db, "ROLLBACK", NULL, 0);
        return -1;
    }
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_DB_SCHEMA_VERSION);
    if (exec(db, sql, err, errlen) != 0 || exec(db, "COMMIT", err, errlen) != 0) {
        exec(db, "ROLLBACK", NULL, 0);
        return -1;
    }
    return 0;
}

/* ---- schema 2 -> 4: old rows regrouped into fewer new ones ---- */

/*
 * How a migration regroups the rows of an old table into fewer new rows:
 * `select` reads the old rows in group order, `same` says whether a row
 * belongs to the group being gathered, `add` gathers it (its text into
 * `pool`, as offsets: the pool moves as it grows), and `flush` writes the
 * group with the `write` statements (prepared for it, up to two) and
 * empties it. add and flush return SQLITE_OK or an error code; `g` is the
 * migration's group. `what` names the job in an error.
 */
#define REGROUP_WRITES 2
struct regroup {
    const char *what;
    const char *select;
    const char *write[REGROUP_WRITES]; /* NULL after the last */
    bool (*same)(const void *g, sqlite3_stmt *rd);
    int (*add)(void *g, sqlite3_stmt *rd, struct buf *pool);
    int (*flush)(void *g, const char *pool, sqlite3_stmt *const *write);
};

/*
 * Runs `how` over its rows: a group ends at the first row not `same` or
 * at the end, and is flushed then (and the pool emptied). Inside the
 * caller's transaction. Returns 0, or -1 with err (how->what and SQLite's
 * words).
 */
static int regroup_rows(sqlite3 *db, const struct regroup *how, void *g, char *err, size_t errlen)
{
    sqlite3_stmt *rd = NULL, *write[REGROUP_WRITES] = { NULL };
    struct buf pool;
    buf_init(&pool, MIGRATE_POOL_MAX);
    int rc = sqlite3_prepare_v2(db, how->select, -1, &rd, NULL);
    for (int i = 0; rc == SQLITE_OK && i < REGROUP_WRITES && how->write[i] != NULL; i++)
        rc = sqlite3_prepare_v2(db, how->write[i], -1, &write[i], NULL);
    bool gathered = false; /* the group holds rows not flushed yet */
    while (rc == SQLITE_OK) {
        int step = sqlite3_step(rd);
        if (gathered && (step != SQLITE_ROW || !how->same(g, rd))) {
            rc = how->flush(g, pool.data, write);
            buf_reset(&pool);
            gathered = false;
        }
        if (step != SQLITE_ROW) {
            if (step != SQLITE_DONE && rc == SQLITE_OK)
                rc = step;
            break;
        }
        if (rc == SQLITE_OK) {
            rc = how->add(g, rd, &pool);
            gathered = true;
        }
    }
    if (rc != SQLITE_OK)
        seterr(err, errlen, "%s: %s (%s)", how->what, sqlite3_errstr(rc), sqlite3_errmsg(db));
    sqlite3_finalize(rd);
    for (int i = 0; i < REGROUP_WRITES; i++)
        sqlite3_finalize(write[i]);
    buf_free(&pool);
    return rc == SQLITE_OK ? 0 : -1;
}

/*
 * Appends column `col`'s text (and a NUL) to a migration's pool; *off gets
 * where it starts. Returns 0, or -1 (no memory, or past MIGRATE_POOL_MAX).
 */
static int pool_column(struct buf *pool, sqlite3_stmt *st, int col, size_t *off)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    *off = pool->len;
    if (buf_append(pool, t != NULL ? (const char *)t : "", (size_t)sqlite3_column_bytes(st, col)) !=
            BUF_OK ||
        buf_append(pool, "", 1) != BUF_OK)
        return -1;
    return 0;
}

/* One host's rows of the old current table. */
struct row_cache {
    struct diff_row *rows;
    size_t n, cap;
    sqlite3_int64 host; /* whose rows they are */
};

static int row_cmp(const void *a, const void *b)
{
    const struct diff_row *x = a, *y = b;
    return store_pair_cmp(x->check_id, x->target, y->check_id, y->target);
}

/* Whether the row under `st` is of the host whose rows the row_cache g holds. */
static bool cache_same(const void *g, sqlite3_stmt *st)
{
    const struct row_cache *c = g;
    return sqlite3_column_int64(st, 0) == c->host;
}

/*
 * Appends the row under `st` (host, check_id, target, status, collector,
 * evidence, since_ms, prior) to the row_cache g, its strings as offsets in
 * the pool until cache_finish. SQLite code.
 */
static int cache_add(void *g, sqlite3_stmt *st, struct buf *pool)
{
    struct row_cache *c = g;
    c->host = sqlite3_column_int64(st, 0);
    if (array_grow(&c->rows, c->n, &c->cap, sizeof(*c->rows), 256) != 0)
        return SQLITE_NOMEM;
    size_t o_check, o_target, o_collector, o_evidence;
    if (pool_column(pool, st, 1, &o_check) != 0 || pool_column(pool, st, 2, &o_target) != 0 ||
        pool_column(pool, st, 4, &o_collector) != 0 || pool_column(pool, st, 5, &o_evidence) != 0)
        return SQLITE_NOMEM;
    struct diff_row *r = &c->rows[c->n++];
    r->check_id = (const char *)(uintptr_t)o_check;
    r->target = (const char *)(uintptr_t)o_target;
    r->collector = (const char *)(uintptr_t)o_collector;
    r->evidence = (const char *)(uintptr_t)o_evidence;
    r->status = sqlite3_column_int(st, 3);
    r->since_ms = sqlite3_column_int64(st, 6);
    r->prior = sqlite3_column_int(st, 7);
    return SQLITE_OK;
}

/* Turns c's offsets into pointers into `pool` and sorts the rows as rows.h wants them. */
static void cache_finish(struct row_cache *c, const char *pool)
{
    int sorted = 1;
    for (size_t i = 0; i < c->n; i++) {
        struct diff_row *r = &c->rows[i];
        r->check_id = pool + (uintptr_t)r->check_id;
        r->target = pool + (uintptr_t)r->target;
        r->collector = pool + (uintptr_t)r->collector;
        r->evidence = pool + (uintptr_t)r->evidence;
        if (i > 0 && row_cmp(&c->rows[i - 1], r) >= 0)
            sorted = 0;
    }
    /* SQLite's BINARY order is strcmp's for our (NUL-free) text; sort if it ever is not. */
    if (!sorted)
        qsort(c->rows, c->n, sizeof(*c->rows), row_cmp);
}

/* Packs the row_cache g's rows as its host's results row (write[0]), then empties it. */
static int cache_flush(void *g, const char *pool, sqlite3_stmt *const *write)
{
    struct row_cache *c = g;
    cache_finish(c, pool);
    unsigned char *v;
    size_t len;
    if (store_rows_encode(NULL, c->rows, c->n, &v, &len) != 0)
        return SQLITE_NOMEM;
    sqlite3_bind_int64(write[0], 1, c->host);
    sqlite3_bind_blob(write[0], 2, v, (int)len, SQLITE_STATIC);
    int rc = run(write[0]);
    free(v);
    c->n = 0;
    return rc;
}

/* Each host's rows of the old current table, as its results row. */
static const struct regroup results_by_host = {
    .what = "packing the results of each host",
    .select = "SELECT host, check_id, target, status, collector, evidence, since_ms, prior "
              "FROM current ORDER BY host, check_id, target",
    .write = { "INSERT INTO results (host, data) VALUES (?1, ?2)" },
    .same = cache_same,
    .add = cache_add,
    .flush = cache_flush,
};

/* Drift events of one report being regrouped by migrate_drift: strings as pool offsets. */
#define BATCH_REPORT_ID_MAX 64 /* the bytes of a report id a batch compares and keeps */
struct batch {
    struct store_event *ev;
    size_t *off; /* two per event: check, target */
    size_t n, cap;
    int64_t last_id, host, at_ms, received_ms;
    unsigned char report_id[BATCH_REPORT_ID_MAX];
    int report_id_len;
};

/* A drift_v2 row's report id, cut to what a batch keeps; *len gets its length. */
static const void *v2_report_id(sqlite3_stmt *rd, int *len)
{
    const void *rid = sqlite3_column_blob(rd, 7); /* first: then bytes is the blob's */
    *len = sqlite3_column_bytes(rd, 7);
    if (*len > BATCH_REPORT_ID_MAX)
        *len = BATCH_REPORT_ID_MAX;
    return rid;
}

/* Whether the drift_v2 row under rd is the next event of the batch g's report. */
static bool batch_same(const void *g, sqlite3_stmt *rd)
{
    const struct batch *b = g;
    int rid_len;
    const void *rid = v2_report_id(rd, &rid_len);
    return sqlite3_column_int64(rd, 0) == b->last_id + 1 &&
           sqlite3_column_int64(rd, 1) == b->host && sqlite3_column_int64(rd, 6) == b->at_ms &&
           sqlite3_column_int64(rd, 9) == b->received_ms && rid_len == b->report_id_len &&
           (rid_len == 0 || memcmp(rid, b->report_id, (size_t)rid_len) == 0);
}

/* Appends the drift_v2 row under rd to the batch g (the first one sets its report). */
static int batch_add(void *g, sqlite3_stmt *rd, struct buf *pool)
{
    struct batch *b = g;
    if (b->n == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 256;
        struct store_event *e = realloc(b->ev, ncap * sizeof(*e));
        if (e != NULL)
            b->ev = e;
        size_t *o = e != NULL ? realloc(b->off, 2 * ncap * sizeof(*o)) : NULL;
        if (o == NULL)
            return SQLITE_NOMEM;
        b->off = o;
        b->cap = ncap;
    }
    if (b->n == 0) {
        const void *rid = v2_report_id(rd, &b->report_id_len);
        b->host = sqlite3_column_int64(rd, 1);
        b->at_ms = sqlite3_column_int64(rd, 6);
        b->received_ms = sqlite3_column_int64(rd, 9);
        if (b->report_id_len > 0)
            memcpy(b->report_id, rid, (size_t)b->report_id_len);
    }
    if (pool_column(pool, rd, 2, &b->off[2 * b->n]) != 0 ||
        pool_column(pool, rd, 3, &b->off[2 * b->n + 1]) != 0)
        return SQLITE_NOMEM;
    b->ev[b->n] = (struct store_event){ .from = sqlite3_column_int(rd, 4),
                                        .to = sqlite3_column_int(rd, 5),
                                        .regression = sqlite3_column_int(rd, 8) != 0 };
    b->n++;
    b->last_id = sqlite3_column_int64(rd, 0);
    return SQLITE_OK;
}

/*
 * Writes the batch g as one drift row (write[0]) and its drift_checks rows
 * (write[1]), then empties it. SQLite code.
 */
static int batch_flush(void *g, const char *pool, sqlite3_stmt *const *write)
{
    struct batch *b = g;
    for (size_t i = 0; i < b->n; i++) {
        b->ev[i].check_id = pool + b->off[2 * i];
        b->ev[i].target = pool + b->off[2 * i + 1];
    }
    unsigned char *v;
    size_t len;
    if (store_events_encode(NULL, b->ev, b->n, &v, &len) != 0)
        return SQLITE_NOMEM;
    sqlite3_stmt *ins = write[0], *chk = write[1];
    sqlite3_bind_int64(ins, 1, b->last_id);
    sqlite3_bind_int64(ins, 2, b->host);
    sqlite3_bind_int64(ins, 3, (sqlite3_int64)b->n);
    sqlite3_bind_int64(ins, 4, b->at_ms);
    sqlite3_bind_int64(ins, 5, b->received_ms);
    sqlite3_bind_blob(ins, 6, b->report_id, b->report_id_len, SQLITE_STATIC);
    sqlite3_bind_blob(ins, 7, v, (int)len, SQLITE_STATIC);
    int rc = run(ins);
    free(v);
    for (size_t i = 0; rc == SQLITE_OK && i < b->n; i++) {
        bind_text(chk, 1, b->ev[i].check_id);
        sqlite3_bind_int64(chk, 2, b->last_id);
        rc = run(chk);
    }
    b->n = 0;
    return rc;
}

/* Schema 2's drift events (a row each), one drift row per report. */
static const struct regroup drift_by_report = {
    .what = "regrouping drift events",
    .select = "SELECT id, host, check_id, target, from_status, to_status, at_ms, report_id, "
              "regression, received_ms FROM drift_v2 ORDER BY id",
    .write = { "INSERT INTO drift (id, host, n, at_ms, received_ms, report_id, events) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
               "INSERT OR IGNORE INTO drift_checks (check_id, id) VALUES (?1, ?2)" },
    .same = batch_same,
    .add = batch_add,
    .flush = batch_flush,
};

/*
 * Schema 2's drift (a row per event, three indexes) regrouped as schema 4's:
 * the events of one report (one host, report id, at and received time, and
 * consecutive ids) become one row keyed by its last id. Inside the caller's
 * transaction. 0, or -1 with err.
 */
static int migrate_drift(sqlite3 *db, char *err, size_t errlen)
{
    if (exec(db,
             "DROP INDEX IF EXISTS drift_received; DROP INDEX IF EXISTS drift_host_id;"
             "DROP INDEX IF EXISTS drift_check_id; ALTER TABLE drift RENAME TO "
             "drift_v2;" SCHEMA_DRIFT
             "INSERT INTO meta (name, value) SELECT 'last_event_id', coalesce(max(seq), 0) "
             "FROM sqlite_sequence WHERE name IN ('drift', 'drift_v2');",
             err, errlen) != 0)
        return -1;
    struct batch b = { 0 };
    int rc = regroup_rows(db, &drift_by_report, &b, err, errlen);
    free(b.ev);
    free(b.off);
    return rc == 0 ? exec(db, "DROP TABLE drift_v2;", err, errlen) : -1;
}

/*
 * Schema 2 (or 3) -> 4, inside the caller's transaction: each host's rows
 * of the old `current` table packed into one `results` row, the (check,
 * host) pairs failing now into `failing`; `current` and `reports` dropped
 * (report ids live in hosts.recent_ids, read into memory at open). The
 * hosts, drift and checks tables are kept as they are. 0, or -1 with err.
 */
static int migrate_to_4(sqlite3 *db, char *err, size_t errlen)
{
    if (exec(db,
             SCHEMA_RESULTS "INSERT INTO failing (check_id, host) "
                            "SELECT DISTINCT check_id, host FROM current WHERE status = 2;",
             err, errlen) != 0)
        return -1;
    struct row_cache c = { 0 };
    int rc = regroup_rows(db, &results_by_host, &c, err, errlen);
    free(c.rows);
    if (rc != 0 || exec(db, "DROP TABLE current; DROP TABLE IF EXISTS reports;", err, errlen) != 0)
        return -1;
    return migrate_drift(db, err, errlen);
}
