/*
 * db.c - schema, connections and the writer's batch apply; see db.h.
 *
 * Why the schema looks like this (schema 4; the ingest targets are in
 * docs/benchmarks.md). What a report costs is the pages it dirties: each is written
 * whole to the WAL at COMMIT (and again into the database by the
 * checkpoint), so the layout keeps a report's writes on as few pages as it
 * can, away from indexes keyed by random values, and pages are 1 KiB
 * (STORE_DB_PAGE_SIZE; a database made by an earlier store keeps its 4 KiB).
 * Per report of a known host that changes a few statuses: its results row
 * (about 3 pages), its hosts row, a failing row when it starts or stops
 * failing a check, one drift row (appended), its (host, id) entry and one
 * drift_checks entry per changed check.
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
 * to 4 at start in one transaction (migrate_to_4).
 *
 * Every statement is prepared once per connection with bound parameters;
 * no SQL is ever built from input.
 */
#include "db.h"

#include "idset.h"
#include "pagecache.h"
#include "rows.h"
#include "rules.h"
#include "store.h"
#include "../common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_PATH_MAX 4096 /* the storage path and its -wal/-shm names (PATH_MAX) */

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

/* Schema 4: the tables of a new database (the layout is explained at the top). */
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

enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_HOST_FIND,
    S_HOST_INSERT,
    S_HOST_UPDATE,
    S_HOST_RING,
    S_RESULTS_READ,
    S_RESULTS_WRITE,
    S_FAILING_ADD,
    S_FAILING_DELETE,
    S_DRIFT_INSERT,
    S_DRIFT_CHECK,
    S_CHECK_ADD,
    S_RETENTION_FIND,
    S_RETENTION_DELETE,
    S_RETENTION_TRIM,
    S_RETENTION_UNCHECK,
    S_LAST_EVENT,
    /* identity and lifecycle (schema 3) */
    S_OWNER_SET,
    S_HOST_REVIVE,
    S_RETIRE_FIND,
    S_RETIRE_RESULTS,
    S_RETIRE_HOST,
    S_REBIND,
    S_SILENT,
    S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT report",
    [S_RELEASE] = "RELEASE report",
    [S_ROLLBACK_TO] = "ROLLBACK TO report",
    [S_HOST_FIND] = "SELECT id, last_seq, recent_ids, owner, retired_ms FROM hosts "
                    "WHERE host_id = ?1",
    [S_HOST_INSERT] = "INSERT INTO hosts (host_id, hostname, agent_version, catalog_version, "
                      "last_seq, last_seen_ms, generated_ms, first_seen_ms, n_pass, n_fail, "
                      "n_warn, n_skip, n_error, n_waived, recent_ids) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [S_HOST_UPDATE] = "UPDATE hosts SET hostname = ?2, agent_version = ?3, catalog_version = ?4, "
                      "last_seq = ?5, last_seen_ms = ?6, generated_ms = ?7, n_pass = ?8, "
                      "n_fail = ?9, n_warn = ?10, n_skip = ?11, n_error = ?12, n_waived = ?13, "
                      "recent_ids = ?14 "
                      "WHERE id = ?1",
    [S_HOST_RING] = "UPDATE hosts SET recent_ids = ?2 WHERE id = ?1",
    [S_RESULTS_READ] = "SELECT data FROM results WHERE host = ?1",
    [S_RESULTS_WRITE] = "INSERT INTO results (host, data) VALUES (?1, ?2) "
                        "ON CONFLICT (host) DO UPDATE SET data = excluded.data",
    [S_FAILING_ADD] = "INSERT OR IGNORE INTO failing (check_id, host) VALUES (?1, ?2)",
    [S_FAILING_DELETE] = "DELETE FROM failing WHERE check_id = ?1 AND host = ?2",
    [S_DRIFT_INSERT] = "INSERT INTO drift (id, host, n, at_ms, received_ms, report_id, events) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_DRIFT_CHECK] = "INSERT OR IGNORE INTO drift_checks (check_id, id) VALUES (?1, ?2)",
    [S_CHECK_ADD] = "INSERT INTO checks (check_id, failing_hosts, regressions, waived_hosts) "
                    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (check_id) DO UPDATE SET "
                    "failing_hosts = failing_hosts + excluded.failing_hosts, "
                    "regressions = regressions + excluded.regressions, "
                    "waived_hosts = waived_hosts + excluded.waived_hosts",
    [S_RETENTION_FIND] = "SELECT id, n, events FROM drift WHERE received_ms < ?1 "
                         "ORDER BY received_ms, id LIMIT ?2",
    [S_RETENTION_DELETE] = "DELETE FROM drift WHERE id = ?1",
    [S_RETENTION_TRIM] = "UPDATE drift SET n = ?2, events = ?3 WHERE id = ?1",
    [S_RETENTION_UNCHECK] = "DELETE FROM drift_checks WHERE check_id = ?1 AND id = ?2",
    [S_LAST_EVENT] = "INSERT INTO meta (name, value) VALUES ('last_event_id', ?1) "
                     "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
    [S_OWNER_SET] = "UPDATE hosts SET owner = ?2 WHERE host_id = ?1",
    [S_HOST_REVIVE] = "UPDATE hosts SET retired_ms = 0, owner = NULL, last_seq = 0, "
                      "first_seen_ms = ?2 WHERE id = ?1",
    [S_RETIRE_FIND] = "SELECT id FROM hosts WHERE host_id = ?1 AND retired_ms = 0",
    [S_RETIRE_RESULTS] = "DELETE FROM results WHERE host = ?1",
    [S_RETIRE_HOST] = "UPDATE hosts SET retired_ms = ?2, owner = NULL, n_pass = 0, n_fail = 0, "
                      "n_warn = 0, n_skip = 0, n_error = 0, n_waived = 0 WHERE id = ?1",
    [S_REBIND] = "UPDATE hosts SET owner = ?2 WHERE host_id = ?1 AND retired_ms = 0",
    [S_SILENT] = "SELECT host_id FROM hosts WHERE retired_ms = 0 AND last_seen_ms < ?1 LIMIT ?2",
};

/* The host's stored rows, read for one diff; strings in one growing pool. */
struct row_cache {
    struct diff_row *rows;
    size_t n, cap;
    char *pool;
    size_t used, pool_cap;
};

struct store_db {
    sqlite3 *db;
    enum store_db_role role;
    sqlite3_stmt *stmt[S_COUNT]; /* the writer's, prepared at open */
    struct store_rows rows;      /* the writer's: the host's rows read for one diff (and its
                                    codec packs what the writer writes) */
    struct diff_row *next;       /* the writer's: the host's rows after one report */
    size_t next_cap;
    struct idset ids;           /* the writer's: every host's recent report ids (idset.h) */
    bool ids_ready;             /* ids built from the hosts rows */
    int64_t last_event;         /* the writer's: the last drift event id given */
    struct store_event *events; /* the writer's: one report's events */
    size_t events_cap;
    struct store_events unpacked; /* the writer's: a drift row's events (retention) */
    void (*on_commit)(void *arg, int wal_pages);
    void *on_commit_arg;
    int page_scale; /* the file's page size in STORE_DB_PAGE_SIZE units (4 for an older file) */
};

sqlite3 *store_db_sqlite(struct store_db *db)
{
    return db->db;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        seterr(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int pragma_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    struct store_db *s = arg;
    if (s->on_commit != NULL)
        s->on_commit(s->on_commit_arg, pages * s->page_scale);
    return SQLITE_OK;
}

static int migrate_to_4(sqlite3 *db, char *err, size_t errlen);
static int load_ids(struct store_db *s, char *err, size_t errlen);
static int run(sqlite3_stmt *st);

/* Creates or checks the schema: ours (application_id), and not newer than we know. */
static int setup_schema(sqlite3 *db, char *err, size_t errlen)
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
         * -> 5 (hosts.n_waived).
         */
        if ((version == 1 && exec(db, migrate_1_to_2_sql, err, errlen) != 0) ||
            (version <= 2 && exec(db, migrate_2_to_3_sql, err, errlen) != 0) ||
            (version <= 3 && migrate_to_4(db, err, errlen) != 0) ||
            exec(db, migrate_4_to_5_sql, err, errlen) != 0 || exec(db, sql, err, errlen) != 0 ||
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
    if (exec(db, schema_sql, err, errlen) != 0 || exec(db, sql, err, errlen) != 0) {
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

/*
 * The database and its -wal and -shm hold the fleet's weak spots: they are
 * made 0600 whatever the umask. SQLite creates -wal and -shm with the mode
 * of the database file (its unix VFS copies it), so the database is created
 * here first, 0600, with O_EXCL and O_NOFOLLOW; an existing one (or a -wal or
 * -shm left over) that others may read is narrowed to 0600, and a symbolic
 * link in any of those names, or a file another user owns, is refused. The
 * directory must not be writable by other users unless it is sticky (they
 * could plant or replace those names), as the token files must not be.
 * Returns 0, or -1 with err.
 */
static int make_private(const char *path, char *err, size_t errlen)
{
    char dir[DB_PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else if ((size_t)(slash - path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else {
        seterr(err, errlen, "storage path too long: %s", path);
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) != 0) {
        seterr(err, errlen, "cannot use storage directory %s: %s", dir, strerror(errno));
        return -1;
    }
    /* A sticky directory (/tmp) keeps others from replacing what is ours. */
    if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
        seterr(err, errlen,
               "the storage directory %s is writable by other users (mode %04o); run: chmod o-w %s",
               dir, (unsigned)(st.st_mode & 07777), dir);
        return -1;
    }
    static const char *const suffixes[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[DB_PATH_MAX + 8];
        if ((size_t)snprintf(p, sizeof(p), "%s%s", path, suffixes[i]) >= sizeof(p)) {
            seterr(err, errlen, "storage path too long: %s", path);
            return -1;
        }
        int fd = open(p, O_RDWR | O_NOFOLLOW | O_CLOEXEC | (i == 0 ? O_CREAT : 0), 0600);
        if (fd < 0) {
            if (i > 0 && errno == ENOENT)
                continue; /* SQLite makes it later, with the database's mode */
            seterr(err, errlen, "cannot open %s: %s%s", p, strerror(errno),
                   errno == ELOOP ? " (a symbolic link: refused)" : "");
            return -1;
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            seterr(err, errlen, "%s is not a regular file", p);
            close(fd);
            return -1;
        }
        if (st.st_uid != geteuid()) {
            seterr(err, errlen, "%s belongs to uid %u, not to this process (uid %u): refused", p,
                   (unsigned)st.st_uid, (unsigned)geteuid());
            close(fd);
            return -1;
        }
        if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) != 0) {
            seterr(err, errlen, "cannot make %s private (chmod 0600): %s", p, strerror(errno));
            close(fd);
            return -1;
        }
        close(fd);
    }
    return 0;
}

int store_db_open(const char *path, enum store_db_role role, struct store_db **out, char *err,
                  size_t errlen)
{
    *out = NULL;
    if (role == STORE_DB_WRITER && make_private(path, err, errlen) != 0)
        return -1;
    struct store_db *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    s->role = role;
    (void)store_pagecache_install(); /* before SQLite's first use; see pagecache.h */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (role == STORE_DB_WRITER)
        flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        seterr(err, errlen, "cannot open %s: %s", path,
               s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        store_db_close(s);
        return -1;
    }
    sqlite3_busy_timeout(s->db, STORE_DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 1);

    char pragmas[256];
    if (role == STORE_DB_WRITER) {
        snprintf(pragmas, sizeof(pragmas),
                 "PRAGMA page_size = %d; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                 "PRAGMA cache_size = -%d; PRAGMA wal_autocheckpoint = 0; "
                 "PRAGMA journal_size_limit = %d; PRAGMA foreign_keys = OFF",
                 STORE_DB_PAGE_SIZE, STORE_DB_WRITER_CACHE_KIB, STORE_DB_WAL_LIMIT_BYTES);
    } else {
        snprintf(pragmas, sizeof(pragmas), "PRAGMA cache_size = -%d; %s", STORE_DB_READER_CACHE_KIB,
                 role == STORE_DB_READER ? "PRAGMA query_only = 1" : "PRAGMA synchronous = FULL");
    }
    char sub[256];
    if (exec(s->db, pragmas, sub, sizeof(sub)) != 0) {
        seterr(err, errlen, "cannot set up %s: %s", path, sub);
        store_db_close(s);
        return -1;
    }
    if (role == STORE_DB_WRITER) {
        char mode[16] = "";
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                snprintf(mode, sizeof(mode), "%s", (const char *)sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
        }
        if (strcmp(mode, "wal") != 0) {
            seterr(err, errlen, "%s: cannot use WAL mode (journal mode is \"%s\")", path, mode);
            store_db_close(s);
            return -1;
        }
        if (setup_schema(s->db, sub, sizeof(sub)) != 0) {
            seterr(err, errlen, "%s: %s", path, sub);
            store_db_close(s);
            return -1;
        }
        for (int i = 0; i < S_COUNT; i++) {
            if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                                   NULL) != SQLITE_OK) {
                seterr(err, errlen, "%s: preparing a statement: %s", path, sqlite3_errmsg(s->db));
                store_db_close(s);
                return -1;
            }
        }
        if (load_ids(s, sub, sizeof(sub)) != 0) {
            seterr(err, errlen, "%s: %s", path, sub);
            store_db_close(s);
            return -1;
        }
        long long page_size = STORE_DB_PAGE_SIZE;
        if (pragma_int(s->db, "PRAGMA page_size", &page_size) != 0 ||
            page_size < STORE_DB_PAGE_SIZE)
            page_size = STORE_DB_PAGE_SIZE;
        s->page_scale = (int)(page_size / STORE_DB_PAGE_SIZE);
        sqlite3_wal_hook(s->db, wal_hook, s);
    } else {
        long long version = 0;
        if (pragma_int(s->db, "PRAGMA user_version", &version) != 0 ||
            version != STORE_DB_SCHEMA_VERSION) {
            seterr(err, errlen, "%s: not a dockward-store database of schema %d", path,
                   STORE_DB_SCHEMA_VERSION);
            store_db_close(s);
            return -1;
        }
    }
    *out = s;
    return 0;
}

void store_db_close(struct store_db *db)
{
    if (db == NULL)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(db->stmt[i]);
    sqlite3_close_v2(db->db);
    store_rows_free(&db->rows);
    free(db->next);
    free(db->events);
    store_events_free(&db->unpacked);
    if (db->ids_ready)
        idset_free(&db->ids);
    free(db);
}

void store_db_on_commit(struct store_db *db, void (*fn)(void *arg, int wal_pages), void *arg)
{
    db->on_commit = fn;
    db->on_commit_arg = arg;
}

/* ---- statement helpers ---- */

/* Steps a statement that returns no row (or ignores rows); resets it. SQLite code. */
static int run(sqlite3_stmt *st)
{
    int rc;
    do {
        rc = sqlite3_step(st);
    } while (rc == SQLITE_ROW);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* ---- schema 2 -> 4: the old current table's rows, read into a pool ---- */

static int cache_reserve_pool(struct row_cache *c, size_t more)
{
    if (c->pool_cap - c->used >= more)
        return 0;
    size_t ncap = c->pool_cap ? c->pool_cap : 16384;
    while (ncap - c->used < more)
        ncap *= 2;
    char *p = realloc(c->pool, ncap);
    if (p == NULL)
        return -1;
    c->pool = p;
    c->pool_cap = ncap;
    return 0;
}

/* Appends a column's text to the pool; returns its offset, or (size_t)-1. */
static size_t pool_add(struct row_cache *c, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t len = (size_t)sqlite3_column_bytes(st, col);
    if (cache_reserve_pool(c, len + 1) != 0)
        return (size_t)-1;
    size_t off = c->used;
    if (len > 0)
        memcpy(c->pool + off, t, len);
    c->pool[off + len] = '\0';
    c->used += len + 1;
    return off;
}

static int row_cmp(const void *a, const void *b)
{
    const struct diff_row *x = a, *y = b;
    return store_pair_cmp(x->check_id, x->target, y->check_id, y->target);
}

/*
 * Appends the row under `st` (host, check_id, target, status, collector,
 * evidence, since_ms, prior) to c, its strings as pool offsets until
 * cache_finish. SQLite code.
 */
static int cache_add(struct row_cache *c, sqlite3_stmt *st)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256;
        struct diff_row *p = realloc(c->rows, ncap * sizeof(*p));
        if (p == NULL)
            return SQLITE_NOMEM;
        c->rows = p;
        c->cap = ncap;
    }
    /* Offsets first: the pool may move while it grows. */
    size_t o_check = pool_add(c, st, 1);
    size_t o_target = pool_add(c, st, 2);
    size_t o_collector = pool_add(c, st, 4);
    size_t o_evidence = pool_add(c, st, 5);
    if (o_check == (size_t)-1 || o_target == (size_t)-1 || o_collector == (size_t)-1 ||
        o_evidence == (size_t)-1)
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

/* Turns c's offsets into pointers and sorts the rows as rows.h wants them. */
static void cache_finish(struct row_cache *c)
{
    int sorted = 1;
    for (size_t i = 0; i < c->n; i++) {
        struct diff_row *r = &c->rows[i];
        r->check_id = c->pool + (uintptr_t)r->check_id;
        r->target = c->pool + (uintptr_t)r->target;
        r->collector = c->pool + (uintptr_t)r->collector;
        r->evidence = c->pool + (uintptr_t)r->evidence;
        if (i > 0 && row_cmp(&c->rows[i - 1], r) >= 0)
            sorted = 0;
    }
    /* SQLite's BINARY order is strcmp's for our (NUL-free) text; sort if it ever is not. */
    if (!sorted)
        qsort(c->rows, c->n, sizeof(*c->rows), row_cmp);
}

/* Packs c's rows as host's results row. SQLite code. */
static int cache_flush(struct row_cache *c, sqlite3_stmt *ins, sqlite3_int64 host)
{
    cache_finish(c);
    unsigned char *v;
    size_t len;
    if (store_rows_encode(NULL, c->rows, c->n, &v, &len) != 0)
        return SQLITE_NOMEM;
    sqlite3_bind_int64(ins, 1, host);
    sqlite3_bind_blob(ins, 2, v, (int)len, SQLITE_STATIC);
    int rc = run(ins);
    free(v);
    c->n = 0;
    c->used = 0;
    return rc;
}

/* Drift events of one report being regrouped by migrate_drift: strings as pool offsets. */
struct batch {
    struct store_event *ev;
    size_t *off; /* two per event: check, target */
    size_t n, cap;
    char *pool;
    size_t used, pool_cap;
    int64_t last_id, host, at_ms, received_ms;
    unsigned char report_id[64];
    int report_id_len;
};

static int batch_add_text(struct batch *b, const unsigned char *t, size_t len, size_t *off)
{
    if (b->pool_cap - b->used < len + 1) {
        size_t ncap = b->pool_cap ? b->pool_cap : 4096;
        while (ncap - b->used < len + 1)
            ncap *= 2;
        char *p = realloc(b->pool, ncap);
        if (p == NULL)
            return -1;
        b->pool = p;
        b->pool_cap = ncap;
    }
    *off = b->used;
    if (len > 0)
        memcpy(b->pool + b->used, t, len);
    b->pool[b->used + len] = '\0';
    b->used += len + 1;
    return 0;
}

/* Writes the batch as one drift row (and its drift_checks rows), then empties it. SQLite code. */
static int batch_flush(struct batch *b, sqlite3_stmt *ins, sqlite3_stmt *chk)
{
    for (size_t i = 0; i < b->n; i++) {
        b->ev[i].check_id = b->pool + b->off[2 * i];
        b->ev[i].target = b->pool + b->off[2 * i + 1];
    }
    unsigned char *v;
    size_t len;
    if (store_events_encode(NULL, b->ev, b->n, &v, &len) != 0)
        return SQLITE_NOMEM;
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
    b->used = 0;
    return rc;
}

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
    sqlite3_stmt *rd = NULL, *ins = NULL, *chk = NULL;
    struct batch b = { 0 };
    int rc = sqlite3_prepare_v2(db,
                                "SELECT id, host, check_id, target, from_status, to_status, at_ms, "
                                "report_id, regression, received_ms FROM drift_v2 ORDER BY id",
                                -1, &rd, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO drift (id, host, n, at_ms, received_ms, report_id, "
                                "events) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                -1, &ins, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT OR IGNORE INTO drift_checks (check_id, id) VALUES (?1, ?2)",
                                -1, &chk, NULL);
    while (rc == SQLITE_OK) {
        int step = sqlite3_step(rd);
        if (step != SQLITE_ROW) {
            if (b.n > 0)
                rc = batch_flush(&b, ins, chk);
            if (step != SQLITE_DONE && rc == SQLITE_OK)
                rc = step;
            break;
        }
        int64_t id = sqlite3_column_int64(rd, 0), host = sqlite3_column_int64(rd, 1);
        int64_t at = sqlite3_column_int64(rd, 6), recv = sqlite3_column_int64(rd, 9);
        const void *rid = sqlite3_column_blob(rd, 7);
        int rid_len = sqlite3_column_bytes(rd, 7);
        if (rid_len > (int)sizeof(b.report_id))
            rid_len = (int)sizeof(b.report_id);
        if (b.n > 0 && (id != b.last_id + 1 || host != b.host || at != b.at_ms ||
                        recv != b.received_ms || rid_len != b.report_id_len ||
                        (rid_len > 0 && memcmp(rid, b.report_id, (size_t)rid_len) != 0))) {
            rc = batch_flush(&b, ins, chk);
            if (rc != SQLITE_OK)
                break;
        }
        if (b.n == b.cap) {
            size_t ncap = b.cap ? b.cap * 2 : 256;
            struct store_event *e = realloc(b.ev, ncap * sizeof(*e));
            if (e != NULL)
                b.ev = e;
            size_t *o = e != NULL ? realloc(b.off, 2 * ncap * sizeof(*o)) : NULL;
            if (o == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            b.off = o;
            b.cap = ncap;
        }
        if (b.n == 0) {
            b.host = host;
            b.at_ms = at;
            b.received_ms = recv;
            b.report_id_len = rid_len;
            if (rid_len > 0)
                memcpy(b.report_id, rid, (size_t)rid_len);
        }
        if (batch_add_text(&b, sqlite3_column_text(rd, 2), (size_t)sqlite3_column_bytes(rd, 2),
                           &b.off[2 * b.n]) != 0 ||
            batch_add_text(&b, sqlite3_column_text(rd, 3), (size_t)sqlite3_column_bytes(rd, 3),
                           &b.off[2 * b.n + 1]) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        b.ev[b.n] = (struct store_event){ .from = sqlite3_column_int(rd, 4),
                                          .to = sqlite3_column_int(rd, 5),
                                          .regression = sqlite3_column_int(rd, 8) != 0 };
        b.n++;
        b.last_id = id;
    }
    if (rc != SQLITE_OK)
        seterr(err, errlen, "regrouping drift events: %s (%s)", sqlite3_errstr(rc),
               sqlite3_errmsg(db));
    sqlite3_finalize(rd);
    sqlite3_finalize(ins);
    sqlite3_finalize(chk);
    free(b.ev);
    free(b.off);
    free(b.pool);
    if (rc != SQLITE_OK)
        return -1;
    return exec(db, "DROP TABLE drift_v2;", err, errlen);
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
    sqlite3_stmt *rd = NULL, *ins = NULL;
    struct row_cache c = { 0 };
    int rc = sqlite3_prepare_v2(db,
                                "SELECT host, check_id, target, status, collector, evidence, "
                                "since_ms, prior FROM current ORDER BY host, check_id, target",
                                -1, &rd, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT INTO results (host, data) VALUES (?1, ?2)", -1, &ins,
                                NULL);
    sqlite3_int64 host = 0;
    while (rc == SQLITE_OK) {
        int step = sqlite3_step(rd);
        sqlite3_int64 h = step == SQLITE_ROW ? sqlite3_column_int64(rd, 0) : 0;
        if (c.n > 0 && (step != SQLITE_ROW || h != host))
            rc = cache_flush(&c, ins, host);
        if (step != SQLITE_ROW) {
            if (step != SQLITE_DONE && rc == SQLITE_OK)
                rc = step;
            break;
        }
        host = h;
        if (rc == SQLITE_OK)
            rc = cache_add(&c, rd);
    }
    if (rc != SQLITE_OK)
        seterr(err, errlen, "packing the results of each host: %s (%s)", sqlite3_errstr(rc),
               sqlite3_errmsg(db));
    sqlite3_finalize(rd);
    sqlite3_finalize(ins);
    free(c.rows);
    free(c.pool);
    if (rc != SQLITE_OK)
        return -1;
    return exec(db, "DROP TABLE current; DROP TABLE IF EXISTS reports;", err, errlen) == 0
               ? migrate_drift(db, err, errlen)
               : -1;
}

/*
 * The writer's set of remembered report ids: every 16 bytes of every
 * host's recent_ids. Returns 0, or -1 with err.
 */
static int load_ids(struct store_db *s, char *err, size_t errlen)
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
    return 0;
}

/* ---- applying one report ---- */

/* Reads the host's packed rows into db->rows (none when it has no row). SQLite code. */
static int read_results(struct store_db *db, sqlite3_int64 host)
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
 * their order, and one drift_checks row per check among them (events of a
 * check are next to each other). SQLite code.
 */
static int insert_drift(struct store_db *db, sqlite3_int64 host, size_t n, int64_t at_ms,
                        int64_t received_ms, const unsigned char *report_id)
{
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
    int rc = run(st);
    free(v);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
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
    return insert_drift(db, host, d->n_events, m->generated_at_unix_ms, job->received_ms,
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
    if (h.id != 0 && (rc = read_results(db, h.id)) != SQLITE_OK)
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

static void fail_all(struct store_job *const *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jobs[i]->outcome = STORE_OUTCOME_UNAVAILABLE;
}

static void describe(struct store_db *db, int rc, const char *what, char *err, size_t errlen)
{
    seterr(err, errlen, "%s: %s (%s)", what, sqlite3_errstr(rc), sqlite3_errmsg(db->db));
}

int store_db_apply(struct store_db *db, struct store_job *const *jobs, size_t n, char *err,
                   size_t errlen)
{
    if (n == 0)
        return 0;
    int rc = run(db->stmt[S_BEGIN]);
    if (rc != SQLITE_OK) {
        describe(db, rc, "cannot begin a transaction", err, errlen);
        fail_all(jobs, n);
        return -1;
    }
    size_t failed = 0;
    idset_commit(&db->ids);
    const int64_t first_event = db->last_event;
    for (size_t i = 0; i < n; i++) {
        struct store_job *job = jobs[i];
        job->outcome = STORE_OUTCOME_UNAVAILABLE;
        const size_t mark = idset_mark(&db->ids);
        const int64_t mark_event = db->last_event;
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
        if (sqlite3_get_autocommit(db->db)) {
            idset_undo(&db->ids, 0);
            db->last_event = first_event;
            fail_all(jobs, n);
            return -1;
        }
        int rb = run(db->stmt[S_ROLLBACK_TO]);
        if (rb == SQLITE_OK)
            rb = run(db->stmt[S_RELEASE]);
        if (rb != SQLITE_OK || sqlite3_get_autocommit(db->db)) {
            if (!sqlite3_get_autocommit(db->db))
                run(db->stmt[S_ROLLBACK]);
            idset_undo(&db->ids, 0);
            db->last_event = first_event;
            fail_all(jobs, n);
            return -1;
        }
    }
    rc = run(db->stmt[S_COMMIT]);
    if (rc != SQLITE_OK) {
        describe(db, rc, "cannot commit", err, errlen);
        if (!sqlite3_get_autocommit(db->db))
            run(db->stmt[S_ROLLBACK]);
        idset_undo(&db->ids, 0);
        db->last_event = first_event;
        fail_all(jobs, n);
        return -1;
    }
    idset_commit(&db->ids);
    (void)failed;
    return 0;
}

/* One drift row found by retention: its id, its events, and its value (copied). */
struct expired {
    int64_t id;
    size_t n;
    unsigned char *events;
    size_t len;
};

/*
 * Deletes the first `take` events of drift row e (all of them: the row),
 * and the drift_checks rows of checks none of its remaining events has.
 * SQLite code.
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
    for (size_t i = 0; rc == SQLITE_OK && i < take; i++) {
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
        describe(db, rc, "retention", err, errlen);
        if (!sqlite3_get_autocommit(db->db))
            run(db->stmt[S_ROLLBACK]);
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
    int rc = read_results(db, host);
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
    if ((rc = insert_drift(db, host, n + 1, now_ms, now_ms, no_report)) != SQLITE_OK)
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
        describe(db, rc, "retire", err, errlen);
        if (!sqlite3_get_autocommit(db->db))
            run(db->stmt[S_ROLLBACK]);
        db->last_event = first_event;
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

int store_db_checkpoint(struct store_db *db, bool restart)
{
    int rc = sqlite3_wal_checkpoint_v2(
        db->db, NULL, restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return rc == SQLITE_OK ? 0 : -1;
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

double store_db_size_bytes(const char *path)
{
    struct stat sb;
    double total = 0;
    char wal[4096];
    if (stat(path, &sb) == 0)
        total += (double)sb.st_size;
    int n = snprintf(wal, sizeof(wal), "%s-wal", path);
    if (n > 0 && (size_t)n < sizeof(wal) && stat(wal, &sb) == 0)
        total += (double)sb.st_size;
    return total;
}
