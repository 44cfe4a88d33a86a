/*
 * db.c - the SQLite backend's connections: opening one for a role (the
 * files made private, pragmas, the schema set up, the writer's statements
 * prepared and its report ids loaded), closing, checkpoints and the WAL
 * hook; see db.h. The tables and why they look as they do are in
 * db_schema.c, the writer's batch apply in db_write.c, retention and
 * retirement in db_lifecycle.c (db_impl.h lists them).
 *
 * Every statement is prepared once per connection with bound parameters;
 * no SQL is ever built from input.
 */
#include "db_impl.h"

#include "pagecache.h"
#include "statements.h"
#include "walbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_PATH_MAX 4096 /* the storage path and its -wal/-shm names (PATH_MAX) */

const char *const store_db_stmt_sql[S_COUNT] = {
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
    [S_RESULTS_READ] = STATEMENT_RESULTS_OF(STATEMENT_LITE),
    [S_RESULTS_WRITE] = "INSERT INTO results (host, data) VALUES (?1, ?2) "
                        "ON CONFLICT (host) DO UPDATE SET data = excluded.data",
    [S_FAILING_ADD] = "INSERT OR IGNORE INTO failing (check_id, host) VALUES (?1, ?2)",
    [S_FAILING_DELETE] = "DELETE FROM failing WHERE check_id = ?1 AND host = ?2",
    [S_DRIFT_INSERT] = "INSERT INTO drift (id, host, n, at_ms, received_ms, report_id, events, "
                       "set_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_DRIFT_CHECK] = "INSERT OR IGNORE INTO drift_checks (check_id, id) VALUES (?1, ?2)",
    [S_DRIFT_SET] = "INSERT INTO drift_sets (check_id, set_id) VALUES (?1, ?2)",
    [S_CHECK_ADD] = "INSERT INTO checks (check_id, failing_hosts, regressions, waived_hosts) "
                    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (check_id) DO UPDATE SET "
                    "failing_hosts = failing_hosts + excluded.failing_hosts, "
                    "regressions = regressions + excluded.regressions, "
                    "waived_hosts = waived_hosts + excluded.waived_hosts",
    [S_RETENTION_FIND] =
        "SELECT id, n, events, set_id IS NOT NULL FROM drift WHERE received_ms < ?1 "
        "ORDER BY received_ms, id LIMIT ?2",
    [S_RETENTION_DELETE] = "DELETE FROM drift WHERE id = ?1",
    [S_RETENTION_TRIM] = "UPDATE drift SET n = ?2, events = ?3 WHERE id = ?1",
    [S_RETENTION_UNCHECK] = "DELETE FROM drift_checks WHERE check_id = ?1 AND id = ?2",
    [S_LAST_EVENT] = "INSERT INTO meta (name, value) VALUES ('last_event_id', ?1) "
                     "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
    [S_OWNER_SET] = "UPDATE hosts SET owner = ?2 WHERE host_id = ?1",
    [S_HOST_REVIVE] = STATEMENT_HOST_REVIVE(STATEMENT_LITE),
    [S_RETIRE_FIND] = "SELECT id FROM hosts WHERE host_id = ?1 AND retired_ms = 0",
    [S_RETIRE_RESULTS] = STATEMENT_RETIRE_RESULTS(STATEMENT_LITE),
    [S_RETIRE_HOST] = STATEMENT_RETIRE_HOST(STATEMENT_LITE),
    [S_REBIND] = STATEMENT_REBIND(STATEMENT_LITE),
    [S_SILENT] = STATEMENT_SILENT(STATEMENT_LITE),
};

sqlite3 *store_db_sqlite(struct store_db *db)
{
    return db->db;
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
    const char *vfs = store_walbuf_install() ? STORE_WALBUF_VFS : NULL; /* see walbuf.h */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (role == STORE_DB_WRITER)
        flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &s->db, flags, vfs);
    if (rc != SQLITE_OK) {
        seterr(err, errlen, "cannot open %s: %s", path,
               s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        store_db_close(s);
        return -1;
    }
    sqlite3_busy_timeout(s->db, STORE_DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 1);

    char pragmas[512];
    if (role == STORE_DB_WRITER) {
        /*
         * temp_store = MEMORY: the sub-journal of each report's SAVEPOINT (the
         * pages it changed, as they were, for ROLLBACK TO) stays in memory.
         * Past 64 KiB SQLite otherwise spills it to a temporary file, two
         * pwrite calls per page: a host's first report changes ~200 pages, and
         * those writes were 4/5 of the writer's system calls. It only ever
         * serves a ROLLBACK TO inside the open transaction (the WAL is what
         * makes a COMMIT durable), and it is emptied at each RELEASE.
         */
        snprintf(pragmas, sizeof(pragmas),
                 "PRAGMA page_size = %d; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                 "PRAGMA cache_size = -%d; PRAGMA wal_autocheckpoint = 0; "
                 "PRAGMA journal_size_limit = %d; PRAGMA foreign_keys = OFF; "
                 "PRAGMA temp_store = MEMORY",
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
        if (store_db_setup_schema(s->db, sub, sizeof(sub)) != 0) {
            seterr(err, errlen, "%s: %s", path, sub);
            store_db_close(s);
            return -1;
        }
        for (int i = 0; i < S_COUNT; i++) {
            if (sqlite3_prepare_v3(s->db, store_db_stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                   &s->stmt[i], NULL) != SQLITE_OK) {
                seterr(err, errlen, "%s: preparing a statement: %s", path, sqlite3_errmsg(s->db));
                store_db_close(s);
                return -1;
            }
        }
        if (store_db_load_ids(s, sub, sizeof(sub)) != 0) {
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
    store_db_sets_free(db);
    if (db->ids_ready)
        idset_free(&db->ids);
    free(db);
}

void store_db_on_commit(struct store_db *db, void (*fn)(void *arg, int wal_pages), void *arg)
{
    db->on_commit = fn;
    db->on_commit_arg = arg;
}

int store_db_checkpoint(struct store_db *db, bool restart)
{
    int rc = sqlite3_wal_checkpoint_v2(
        db->db, NULL, restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return rc == SQLITE_OK ? 0 : -1;
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
