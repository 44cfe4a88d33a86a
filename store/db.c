/*
 * db.c - schema, connections and the writer's batch apply; see db.h.
 *
 * Why the schema looks like this (the ingest targets are in README):
 *
 * - current: one row per (host, check, target), a WITHOUT ROWID table keyed
 *   by exactly that, so a host's rows are one contiguous range: the diff
 *   reads them with one indexed range scan, and a report writes only the
 *   rows it changes. A partial index holds just the failing rows per check
 *   (GET /api/v1/checks/{id}, start-up figures), so passing rows cost it
 *   nothing.
 * - hosts: one row per host with what the host list needs precomputed
 *   (status counts for the compliance ratio, last sequence, last seen) and
 *   the ids of its last STORE_RECENT_IDS reports. Those ids are the
 *   reports table's only rows for the host: the table is keyed by report
 *   id (a duplicate is one index probe) and stays bounded, because pushing
 *   a new id out of the host's list deletes it from the table. A resend of
 *   an id that old is still harmless: its sequence is not newer than the
 *   host's, so it is answered "stale" and changes nothing.
 * - drift: append-only events, AUTOINCREMENT so an id is never reused after
 *   retention deletes the oldest. The id is the store's own order (commit
 *   order): the drift API pages by it and retention counts from
 *   received_ms, the store's clock, so a late report (an outbox retrying)
 *   or an agent whose clock is off is never behind a reader's cursor nor
 *   expired at once; at_ms, the agent's time, is data beside it. Indexes
 *   on (host, id), (check, id) and received_ms serve the filters and
 *   retention.
 * - checks: per check, the hosts failing it now and the regressions ever
 *   counted, kept in the same transaction as the rows they summarise, so
 *   they survive restarts and start-up reads a few hundred rows instead of
 *   every failing pair of the fleet.
 * - identity and lifecycle (schema 3): hosts.owner names the credential a
 *   host is bound to (NULL: not yet), checked by its own statement before a
 *   report changes anything (owner_check); hosts.retired_ms marks a retired
 *   host (0: active). A retired host keeps its row, so its drift history
 *   keeps its name and id until retention; it has no current rows and every
 *   list leaves it out, and its next report revives the row as a new host.
 *
 * Every statement is prepared once per connection with bound parameters;
 * no SQL is ever built from input.
 */
#include "db.h"

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_PATH_MAX 4096 /* the storage path and its -wal/-shm names (PATH_MAX) */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    (void)n;
    va_end(ap);
}

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

/* Schema 2 -> 3: owners and retirement; existing hosts are unbound and active. */
static const char migrate_2_to_3_sql[] = "ALTER TABLE hosts ADD COLUMN owner TEXT;"
                                         "ALTER TABLE hosts ADD COLUMN retired_ms INTEGER NOT "
                                         "NULL DEFAULT 0;";

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
    " retired_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS current ("
    " host INTEGER NOT NULL,"
    " check_id TEXT NOT NULL,"
    " target TEXT NOT NULL,"
    " status INTEGER NOT NULL,"
    " collector TEXT NOT NULL,"
    " evidence TEXT NOT NULL,"
    " since_ms INTEGER NOT NULL,"
    " prior INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (host, check_id, target)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS current_failing ON current(check_id, host) WHERE status = 2;"
    "CREATE TABLE IF NOT EXISTS reports ("
    " report_id BLOB PRIMARY KEY,"
    " host INTEGER NOT NULL,"
    " sequence INTEGER NOT NULL,"
    " received_ms INTEGER NOT NULL,"
    " stale INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS drift ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " host INTEGER NOT NULL,"
    " check_id TEXT NOT NULL,"
    " target TEXT NOT NULL,"
    " from_status INTEGER NOT NULL,"
    " to_status INTEGER NOT NULL,"
    " at_ms INTEGER NOT NULL,"
    " report_id BLOB NOT NULL,"
    " regression INTEGER NOT NULL,"
    " received_ms INTEGER NOT NULL DEFAULT 0);" DRIFT_INDEXES "CREATE TABLE IF NOT EXISTS checks ("
    " check_id TEXT PRIMARY KEY,"
    " failing_hosts INTEGER NOT NULL,"
    " regressions INTEGER NOT NULL) WITHOUT ROWID;";

enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_REPORT_FIND,
    S_REPORT_INSERT,
    S_REPORT_DELETE,
    S_HOST_FIND,
    S_HOST_INSERT,
    S_HOST_UPDATE,
    S_HOST_RING,
    S_CUR_READ,
    S_CUR_INSERT,
    S_CUR_UPDATE,
    S_CUR_REFRESH,
    S_CUR_DELETE,
    S_DRIFT_INSERT,
    S_CHECK_ADD,
    S_RETENTION,
    /* identity and lifecycle (schema 3) */
    S_OWNER_FIND,
    S_OWNER_SET,
    S_HOST_REVIVE,
    S_RETIRE_FIND,
    S_RETIRE_FAILING,
    S_RETIRE_DRIFT,
    S_RETIRE_MARK,
    S_RETIRE_CURRENT,
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
    [S_REPORT_FIND] = "SELECT 1 FROM reports WHERE report_id = ?1",
    [S_REPORT_INSERT] = "INSERT INTO reports (report_id, host, sequence, received_ms, stale) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_REPORT_DELETE] = "DELETE FROM reports WHERE report_id = ?1",
    [S_HOST_FIND] = "SELECT id, last_seq, recent_ids FROM hosts WHERE host_id = ?1",
    [S_HOST_INSERT] = "INSERT INTO hosts (host_id, hostname, agent_version, catalog_version, "
                      "last_seq, last_seen_ms, generated_ms, first_seen_ms, n_pass, n_fail, "
                      "n_warn, n_skip, n_error, recent_ids) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8, ?9, ?10, ?11, ?12, ?13)",
    [S_HOST_UPDATE] = "UPDATE hosts SET hostname = ?2, agent_version = ?3, catalog_version = ?4, "
                      "last_seq = ?5, last_seen_ms = ?6, generated_ms = ?7, n_pass = ?8, "
                      "n_fail = ?9, n_warn = ?10, n_skip = ?11, n_error = ?12, recent_ids = ?13 "
                      "WHERE id = ?1",
    [S_HOST_RING] = "UPDATE hosts SET recent_ids = ?2 WHERE id = ?1",
    [S_CUR_READ] = "SELECT check_id, target, status, collector, evidence, prior FROM current "
                   "WHERE host = ?1 ORDER BY check_id, target",
    [S_CUR_INSERT] = "INSERT INTO current (host, check_id, target, status, collector, evidence, "
                     "since_ms, prior) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_CUR_UPDATE] = "UPDATE current SET status = ?4, collector = ?5, evidence = ?6, "
                     "since_ms = ?7, prior = ?8 WHERE host = ?1 AND check_id = ?2 AND target = ?3",
    [S_CUR_REFRESH] = "UPDATE current SET collector = ?4, evidence = ?5 "
                      "WHERE host = ?1 AND check_id = ?2 AND target = ?3",
    [S_CUR_DELETE] = "DELETE FROM current WHERE host = ?1 AND check_id = ?2 AND target = ?3",
    [S_DRIFT_INSERT] = "INSERT INTO drift (host, check_id, target, from_status, to_status, "
                       "at_ms, report_id, regression, received_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_CHECK_ADD] = "INSERT INTO checks (check_id, failing_hosts, regressions) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT (check_id) DO UPDATE SET "
                    "failing_hosts = failing_hosts + excluded.failing_hosts, "
                    "regressions = regressions + excluded.regressions",
    [S_RETENTION] = "DELETE FROM drift WHERE id IN "
                    "(SELECT id FROM drift WHERE received_ms < ?1 ORDER BY received_ms LIMIT ?2)",
    [S_OWNER_FIND] = "SELECT id, owner, retired_ms FROM hosts WHERE host_id = ?1",
    [S_OWNER_SET] = "UPDATE hosts SET owner = ?2 WHERE host_id = ?1",
    [S_HOST_REVIVE] = "UPDATE hosts SET retired_ms = 0, owner = NULL, last_seq = 0, "
                      "first_seen_ms = ?2 WHERE id = ?1",
    [S_RETIRE_FIND] = "SELECT id FROM hosts WHERE host_id = ?1 AND retired_ms = 0",
    [S_RETIRE_FAILING] = "SELECT DISTINCT check_id FROM current WHERE host = ?1 AND status = 2",
    [S_RETIRE_DRIFT] = "INSERT INTO drift (host, check_id, target, from_status, to_status, "
                       "at_ms, report_id, regression, received_ms) "
                       "SELECT host, check_id, target, status, 0, ?2, ?3, 0, ?2 "
                       "FROM current WHERE host = ?1 ORDER BY check_id, target",
    [S_RETIRE_MARK] = "INSERT INTO drift (host, check_id, target, from_status, to_status, "
                      "at_ms, report_id, regression, received_ms) "
                      "VALUES (?1, '" STORE_RETIRED_CHECK "', '', 0, 0, ?2, ?3, 0, ?2)",
    [S_RETIRE_CURRENT] = "DELETE FROM current WHERE host = ?1",
    [S_RETIRE_HOST] = "UPDATE hosts SET retired_ms = ?2, owner = NULL, n_pass = 0, n_fail = 0, "
                      "n_warn = 0, n_skip = 0, n_error = 0 WHERE id = ?1",
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
    struct row_cache cache;
    void (*on_commit)(void *arg, int wal_pages);
    void *on_commit_arg;
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
        s->on_commit(s->on_commit_arg, pages);
    return SQLITE_OK;
}

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
    if ((version == 1 || version == 2) && app == STORE_DB_APPLICATION_ID) {
        /* An older store's database: migrated in one transaction, or left as it was. */
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_DB_SCHEMA_VERSION);
        if (exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
            return -1;
        if ((version == 1 && exec(db, migrate_1_to_2_sql, err, errlen) != 0) ||
            exec(db, migrate_2_to_3_sql, err, errlen) != 0 || exec(db, sql, err, errlen) != 0 ||
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
                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                 "PRAGMA cache_size = -%d; PRAGMA wal_autocheckpoint = 0; "
                 "PRAGMA journal_size_limit = %d; PRAGMA foreign_keys = OFF",
                 STORE_DB_WRITER_CACHE_KIB, STORE_DB_WAL_LIMIT_BYTES);
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
    free(db->cache.rows);
    free(db->cache.pool);
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

/* ---- reading a host's rows ---- */

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

/* Reads the host's rows into db->cache (sorted). Returns an SQLite code. */
static int read_rows(struct store_db *db, sqlite3_int64 host)
{
    struct row_cache *c = &db->cache;
    sqlite3_stmt *st = db->stmt[S_CUR_READ];
    c->n = 0;
    c->used = 0;
    sqlite3_bind_int64(st, 1, host);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (c->n == c->cap) {
            size_t ncap = c->cap ? c->cap * 2 : 256;
            struct diff_row *p = realloc(c->rows, ncap * sizeof(*p));
            if (p == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            c->rows = p;
            c->cap = ncap;
        }
        /* Offsets first: the pool may move while it grows. */
        size_t o_check = pool_add(c, st, 0);
        size_t o_target = pool_add(c, st, 1);
        size_t o_collector = pool_add(c, st, 3);
        size_t o_evidence = pool_add(c, st, 4);
        if (o_check == (size_t)-1 || o_target == (size_t)-1 || o_collector == (size_t)-1 ||
            o_evidence == (size_t)-1) {
            rc = SQLITE_NOMEM;
            break;
        }
        struct diff_row *r = &c->rows[c->n++];
        r->check_id = (const char *)(uintptr_t)o_check;
        r->target = (const char *)(uintptr_t)o_target;
        r->collector = (const char *)(uintptr_t)o_collector;
        r->evidence = (const char *)(uintptr_t)o_evidence;
        r->status = sqlite3_column_int(st, 2);
        r->prior = sqlite3_column_int(st, 5);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? SQLITE_ERROR : rc;
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
    return SQLITE_OK;
}

/* ---- applying one report ---- */

struct host_state {
    sqlite3_int64 id; /* 0 = new host */
    sqlite3_int64 last_seq;
    unsigned char ring[STORE_RECENT_IDS * REPORT_ID_BYTES];
    size_t ring_len;
};

/*
 * Adds `id` to the host's recent ids; when the list is full the oldest
 * falls out and is deleted from the reports table. SQLite code.
 */
static int ring_push(struct store_db *db, struct host_state *h, const unsigned char *id)
{
    const size_t full = sizeof(h->ring);
    if (h->ring_len == full) {
        sqlite3_stmt *del = db->stmt[S_REPORT_DELETE];
        sqlite3_bind_blob(del, 1, h->ring, REPORT_ID_BYTES, SQLITE_STATIC);
        int rc = run(del);
        if (rc != SQLITE_OK)
            return rc;
        memmove(h->ring, h->ring + REPORT_ID_BYTES, full - REPORT_ID_BYTES);
        h->ring_len -= REPORT_ID_BYTES;
    }
    memcpy(h->ring + h->ring_len, id, REPORT_ID_BYTES);
    h->ring_len += REPORT_ID_BYTES;
    return SQLITE_OK;
}

static int insert_report_id(struct store_db *db, const struct store_job *job, sqlite3_int64 host,
                            int stale)
{
    const Dockward__V1__Report *m = job->report->msg;
    sqlite3_stmt *st = db->stmt[S_REPORT_INSERT];
    sqlite3_bind_blob(st, 1, m->report_id.data, REPORT_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, host);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)m->sequence);
    sqlite3_bind_int64(st, 4, job->received_ms);
    sqlite3_bind_int(st, 5, stale);
    return run(st);
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
    for (int s = STORE_PASS; s <= STORE_ERROR; s++)
        sqlite3_bind_int64(st, 7 + s, (sqlite3_int64)n[s]);
    sqlite3_bind_blob(st, 13, h->ring, (int)h->ring_len, SQLITE_STATIC);
    int rc = run(st);
    if (rc == SQLITE_OK && h->id == 0)
        h->id = sqlite3_last_insert_rowid(db->db);
    return rc;
}

static int write_changes(struct store_db *db, const struct store_job *job, sqlite3_int64 host)
{
    const Dockward__V1__Report *m = job->report->msg;
    const struct diff_result *d = &job->diff;
    for (size_t i = 0; i < d->n_changes; i++) {
        const struct diff_change *c = &d->changes[i];
        sqlite3_stmt *st;
        switch (c->op) {
        case DIFF_INSERT:
        case DIFF_CHANGE:
            st = db->stmt[c->op == DIFF_INSERT ? S_CUR_INSERT : S_CUR_UPDATE];
            sqlite3_bind_int(st, 4, c->to);
            bind_text(st, 5, c->collector);
            bind_text(st, 6, c->evidence);
            sqlite3_bind_int64(st, 7, m->generated_at_unix_ms);
            sqlite3_bind_int(st, 8, c->prior);
            break;
        case DIFF_REFRESH:
            st = db->stmt[S_CUR_REFRESH];
            bind_text(st, 4, c->collector);
            bind_text(st, 5, c->evidence);
            break;
        case DIFF_DELETE:
        default:
            st = db->stmt[S_CUR_DELETE];
            break;
        }
        sqlite3_bind_int64(st, 1, host);
        bind_text(st, 2, c->check_id);
        bind_text(st, 3, c->target);
        int rc = run(st);
        if (rc != SQLITE_OK)
            return rc;
        if (c->from == c->to)
            continue;
        st = db->stmt[S_DRIFT_INSERT];
        sqlite3_bind_int64(st, 1, host);
        bind_text(st, 2, c->check_id);
        bind_text(st, 3, c->target);
        sqlite3_bind_int(st, 4, c->from);
        sqlite3_bind_int(st, 5, c->to);
        sqlite3_bind_int64(st, 6, m->generated_at_unix_ms);
        sqlite3_bind_blob(st, 7, m->report_id.data, REPORT_ID_BYTES, SQLITE_STATIC);
        sqlite3_bind_int(st, 8, c->regression ? 1 : 0);
        sqlite3_bind_int64(st, 9, job->received_ms);
        rc = run(st);
        if (rc != SQLITE_OK)
            return rc;
    }
    for (size_t i = 0; i < d->n_checks; i++) {
        sqlite3_stmt *st = db->stmt[S_CHECK_ADD];
        bind_text(st, 1, d->checks[i].check_id);
        sqlite3_bind_int(st, 2, d->checks[i].failing_delta);
        sqlite3_bind_int64(st, 3, d->checks[i].regressions);
        int rc = run(st);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* ---- identity: the owner check, one separate step of apply_one ---- */

/*
 * Before a report changes anything: a host owned by another credential
 * makes the report FORBIDDEN (job->owner_found says whose); a retired host
 * is revived as new (no owner, no sequence, first seen now). *bind is set
 * when the report, once stored, binds the host to job->owner. SQLite code.
 */
static int owner_check(struct store_db *db, struct store_job *job, bool *bind)
{
    const Dockward__V1__Report *m = job->report->msg;
    sqlite3_stmt *st = db->stmt[S_OWNER_FIND];
    bind_text(st, 1, m->host_id);
    int rc = sqlite3_step(st);
    sqlite3_int64 id = 0, retired = 0;
    char owner[STORE_OWNER_MAX + 1] = "";
    bool owned = false;
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            owned = true;
            snprintf(owner, sizeof(owner), "%s", (const char *)sqlite3_column_text(st, 1));
        }
        retired = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rc;
    if (id != 0 && retired != 0) {
        st = db->stmt[S_HOST_REVIVE];
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, job->received_ms);
        if ((rc = run(st)) != SQLITE_OK)
            return rc;
        owned = false;
    }
    *bind = false;
    if (job->owner == NULL)
        return SQLITE_OK;
    if (owned && strcmp(owner, job->owner) != 0 && !job->owner_bound) {
        job->outcome = STORE_OUTCOME_FORBIDDEN;
        snprintf(job->owner_found, sizeof(job->owner_found), "%s", owner);
        return SQLITE_OK;
    }
    *bind = !owned || strcmp(owner, job->owner) != 0;
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

    /* The same report again: nothing changes. */
    sqlite3_stmt *st = db->stmt[S_REPORT_FIND];
    sqlite3_bind_blob(st, 1, m->report_id.data, REPORT_ID_BYTES, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW) {
        job->outcome = STORE_OUTCOME_DUPLICATE;
        return SQLITE_OK;
    }
    if (rc != SQLITE_DONE)
        return rc;

    bool bind = false;
    rc = owner_check(db, job, &bind);
    if (rc != SQLITE_OK || job->outcome == STORE_OUTCOME_FORBIDDEN)
        return rc;

    struct host_state h = { 0 };
    st = db->stmt[S_HOST_FIND];
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
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rc;

    /* Older than what the host last told us: remember the id, change nothing else. */
    if (h.id != 0 && (sqlite3_int64)m->sequence <= h.last_seq) {
        rc = insert_report_id(db, job, h.id, 1);
        if (rc == SQLITE_OK)
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

    db->cache.n = 0;
    if (h.id != 0 && (rc = read_rows(db, h.id)) != SQLITE_OK)
        return rc;
    if (store_diff(db->cache.rows, db->cache.n, job->report, &job->diff) != 0)
        return SQLITE_NOMEM;
    rc = ring_push(db, &h, m->report_id.data);
    if (rc == SQLITE_OK)
        rc = write_host(db, job, &h);
    if (rc == SQLITE_OK)
        rc = write_changes(db, job, h.id);
    if (rc == SQLITE_OK)
        rc = insert_report_id(db, job, h.id, 0);
    if (rc == SQLITE_OK && bind)
        rc = owner_bind(db, job);
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
    for (size_t i = 0; i < n; i++) {
        struct store_job *job = jobs[i];
        job->outcome = STORE_OUTCOME_UNAVAILABLE;
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
        if (sqlite3_get_autocommit(db->db)) {
            fail_all(jobs, n);
            return -1;
        }
        int rb = run(db->stmt[S_ROLLBACK_TO]);
        if (rb == SQLITE_OK)
            rb = run(db->stmt[S_RELEASE]);
        if (rb != SQLITE_OK || sqlite3_get_autocommit(db->db)) {
            if (!sqlite3_get_autocommit(db->db))
                run(db->stmt[S_ROLLBACK]);
            fail_all(jobs, n);
            return -1;
        }
    }
    rc = run(db->stmt[S_COMMIT]);
    if (rc != SQLITE_OK) {
        describe(db, rc, "cannot commit", err, errlen);
        if (!sqlite3_get_autocommit(db->db))
            run(db->stmt[S_ROLLBACK]);
        fail_all(jobs, n);
        return -1;
    }
    (void)failed;
    return 0;
}

int store_db_retention(struct store_db *db, int64_t cutoff_ms, int limit, int *deleted, char *err,
                       size_t errlen)
{
    *deleted = 0;
    int rc = run(db->stmt[S_BEGIN]);
    if (rc != SQLITE_OK) {
        describe(db, rc, "retention: cannot begin", err, errlen);
        return -1;
    }
    sqlite3_stmt *st = db->stmt[S_RETENTION];
    sqlite3_bind_int64(st, 1, cutoff_ms);
    sqlite3_bind_int(st, 2, limit);
    rc = run(st);
    if (rc == SQLITE_OK) {
        *deleted = sqlite3_changes(db->db);
        rc = run(db->stmt[S_COMMIT]);
    }
    if (rc != SQLITE_OK) {
        describe(db, rc, "retention", err, errlen);
        if (!sqlite3_get_autocommit(db->db))
            run(db->stmt[S_ROLLBACK]);
        *deleted = 0;
        return -1;
    }
    return 0;
}

/* ---- lifecycle: retirement and rebinding (writer thread) ---- */

/* The steps of a retirement inside the open transaction. SQLite code. */
static int retire_steps(struct store_db *db, sqlite3_int64 host, int64_t now_ms,
                        struct diff_result *figures)
{
    static const unsigned char no_report[REPORT_ID_BYTES] = { 0 };
    sqlite3_stmt *st = db->stmt[S_RETIRE_FAILING];
    sqlite3_bind_int64(st, 1, host);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (diff_result_add_check(figures, (const char *)sqlite3_column_text(st, 0), -1, 0) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? SQLITE_ERROR : rc;
    for (size_t i = 0; i < figures->n_checks; i++) {
        st = db->stmt[S_CHECK_ADD];
        bind_text(st, 1, figures->checks[i].check_id);
        sqlite3_bind_int(st, 2, -1);
        sqlite3_bind_int64(st, 3, 0);
        if ((rc = run(st)) != SQLITE_OK)
            return rc;
    }
    for (int k = S_RETIRE_DRIFT; k <= S_RETIRE_MARK; k++) {
        st = db->stmt[k];
        sqlite3_bind_int64(st, 1, host);
        sqlite3_bind_int64(st, 2, now_ms);
        sqlite3_bind_blob(st, 3, no_report, REPORT_ID_BYTES, SQLITE_STATIC);
        if ((rc = run(st)) != SQLITE_OK)
            return rc;
        figures->n_events += (size_t)sqlite3_changes(db->db);
    }
    st = db->stmt[S_RETIRE_CURRENT];
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
                                    uint64_t regressions),
                         void *arg, char *err, size_t errlen)
{
    static const char sql[] = "SELECT check_id, failing_hosts, regressions FROM checks";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
        seterr(err, errlen, "loading per-check figures: %s", sqlite3_errmsg(db->db));
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(arg, (const char *)sqlite3_column_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
           (uint64_t)sqlite3_column_int64(st, 2));
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
