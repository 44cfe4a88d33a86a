/*
 * outbox.c - the SQLite outbox (see outbox.h for the schema, the
 * transactions and who calls what).
 *
 * Every public call takes the outbox's mutex, (re)opens the database when
 * it is not open, and runs its statements on the one connection. A failure
 * that says the file itself is bad (corrupt, not a database, I/O error,
 * read-only, cannot open) closes the connection, so the next call opens the
 * file afresh and succeeds once an operator has fixed it. The queue length
 * is kept in memory (read once at open, then adjusted by each change) so the
 * metrics never scan the table.
 */
#include "outbox.h"

#include "../common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OUTBOX_SCHEMA_VERSION 1
#define META_KEY_MAX          (sizeof("sequence/") + REPORT_HOST_ID_MAX)

const char *const outbox_drop_reason_names[OUTBOX_DROP_COUNT] = { "overflow", "rejected" };

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS reports("
    " id INTEGER PRIMARY KEY,"
    " report_id BLOB NOT NULL,"
    " sequence INTEGER NOT NULL,"
    " body BLOB NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);";

struct outbox {
    pthread_mutex_t lock; /* guards everything below */
    sqlite3 *db;          /* NULL while closed */
    int lock_fd;          /* flock'd <dir>/outbox.lock, -1 until taken; kept until close */
    char dir[OUTBOX_PATH_MAX];
    char path[OUTBOX_PATH_MAX];
    uint64_t max_reports;
    uint64_t count; /* rows in reports, valid while open */
    uint64_t dropped[OUTBOX_DROP_COUNT];
    uint64_t errors;
    uint64_t first_sequence; /* a new host starts here; 0 = the clock in ms */
    uint64_t last_sequence;
};

const char *outbox_drop_reason_name(enum outbox_drop_reason reason)
{
    return (unsigned)reason < OUTBOX_DROP_COUNT ? outbox_drop_reason_names[reason] : "unknown";
}

void outbox_item_free(struct outbox_item *item)
{
    if (item == NULL)
        return;
    free(item->body);
    item->body = NULL;
    item->len = 0;
}

struct outbox *outbox_new(const char *dir, uint64_t max_reports, char *err, size_t errlen)
{
    if (max_reports < 1 || max_reports > OUTBOX_MAX_REPORTS_LIMIT) {
        snprintf(err, errlen, "outbox cap %llu is out of 1..%d", (unsigned long long)max_reports,
                 OUTBOX_MAX_REPORTS_LIMIT);
        return NULL;
    }
    struct outbox *ob = calloc(1, sizeof(*ob));
    if (ob == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    int w = snprintf(ob->path, sizeof(ob->path), "%.*s/%s", (int)n, dir, OUTBOX_FILE_NAME);
    if (n == 0 || n >= sizeof(ob->dir) || w < 0 || (size_t)w >= sizeof(ob->path)) {
        snprintf(err, errlen, "storage path \"%s\" is empty or too long", dir);
        free(ob);
        return NULL;
    }
    memcpy(ob->dir, dir, n);
    ob->dir[n] = '\0';
    ob->max_reports = max_reports;
    ob->lock_fd = -1;
    pthread_mutex_init(&ob->lock, NULL);
    return ob;
}

const char *outbox_path(const struct outbox *ob)
{
    return ob->path;
}

/* mkdir -p with mode 0700 for what it creates. Returns 0 or -1 with err. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char tmp[OUTBOX_PATH_MAX];
    size_t n = strlen(dir);
    memcpy(tmp, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create the storage directory %s: %s", tmp,
                     strerror(errno));
            return -1;
        }
        tmp[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "storage path %s is not a directory", dir);
        return -1;
    }
    return 0;
}

/* Creates the file 0600 (or tightens an existing one) before SQLite opens it. */
static int prepare_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the outbox %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "the outbox %s is not a regular file", path);
        close(fd);
        return -1;
    }
    if ((st.st_mode & 0077) != 0)
        (void)fchmod(fd, 0600);
    close(fd);
    return 0;
}

/*
 * Takes <dir>/outbox.lock (flock, exclusive) so that a second agent started
 * with the same --storage.path is told so instead of sharing the sequence
 * counter and the queue. Returns 0 or -1 with err.
 */
static int take_lock(struct outbox *ob, char *err, size_t errlen)
{
    if (ob->lock_fd >= 0)
        return 0;
    char path[OUTBOX_PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/outbox.lock", ob->dir);
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the outbox lock %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK)
            snprintf(err, errlen,
                     "the outbox in %s is in use by another dockward (give each agent its own "
                     "--storage.path)",
                     ob->dir);
        else
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
        close(fd);
        return -1;
    }
    ob->lock_fd = fd;
    return 0;
}

int outbox_give_to(struct outbox *ob, uid_t uid, gid_t gid, char *err, size_t errlen)
{
    static const char *const files[] = { OUTBOX_FILE_NAME, OUTBOX_FILE_NAME "-wal",
                                         OUTBOX_FILE_NAME "-shm", "outbox.lock" };
    pthread_mutex_lock(&ob->lock);
    int rc = make_dirs(ob->dir, err, errlen);
    int dfd = rc == 0 ? open(ob->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    struct stat st;
    if (rc == 0 && (dfd < 0 || fstat(dfd, &st) != 0)) {
        snprintf(err, errlen, "cannot open the storage directory %s: %s", ob->dir, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && (st.st_mode & (S_ISVTX | S_IWOTH)) != 0) {
        snprintf(err, errlen,
                 "the storage directory %s is shared (mode %04o): give dockward a directory of "
                 "its own",
                 ob->dir, (unsigned)(st.st_mode & 07777));
        rc = -1;
    }
    if (rc == 0 && fchown(dfd, uid, gid) != 0) {
        snprintf(err, errlen, "cannot give %s to uid %u: %s", ob->dir, (unsigned)uid,
                 strerror(errno));
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
        if (fchownat(dfd, files[i], uid, gid, AT_SYMLINK_NOFOLLOW) != 0 && errno != ENOENT) {
            snprintf(err, errlen, "cannot give %s/%s to uid %u: %s", ob->dir, files[i],
                     (unsigned)uid, strerror(errno));
            rc = -1;
        }
    }
    if (dfd >= 0)
        close(dfd);
    pthread_mutex_unlock(&ob->lock);
    return rc;
}

/* Whether an SQLite error means the file itself is unusable (reopen next time). */
static bool fatal_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
        return true;
    default:
        return false;
    }
}

static void close_db(struct outbox *ob)
{
    if (ob->db != NULL) {
        sqlite3_close_v2(ob->db);
        ob->db = NULL;
    }
}

/* Fills err with "<path>: <what>: <sqlite message>", counts it, closes on a fatal code. */
static int db_fail(struct outbox *ob, int rc, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "outbox %s: %s: %s", ob->path, what,
             ob->db ? sqlite3_errmsg(ob->db) : sqlite3_errstr(rc));
    ob->errors++;
    if (fatal_code(rc))
        close_db(ob);
    return -1;
}

static int exec(struct outbox *ob, const char *sql, const char *what, char *err, size_t errlen)
{
    int rc = sqlite3_exec(ob->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_fail(ob, rc, what, err, errlen);
}

/* Runs a one-value query; *out = its integer (0 when NULL or no row). */
static int query_int(struct outbox *ob, const char *sql, int64_t *out, const char *what, char *err,
                     size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ob->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : db_fail(ob, rc, what, err, errlen);
}

/* Sets up a freshly opened connection: pragmas, schema, figures. */
static int setup_db(struct outbox *ob, char *err, size_t errlen)
{
    int rc;
    sqlite3_extended_result_codes(ob->db, 1);
    sqlite3_busy_timeout(ob->db, OUTBOX_BUSY_TIMEOUT_MS);

    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(ob->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    bool wal = rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL &&
               strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return db_fail(ob, rc, "cannot set WAL mode", err, errlen);
    if (!wal) {
        snprintf(err, errlen, "outbox %s: SQLite refused WAL mode", ob->path);
        ob->errors++;
        close_db(ob);
        return -1;
    }
    int64_t version = 0, count = 0, seq = 0;
    if (exec(ob, "PRAGMA synchronous=NORMAL", "cannot set synchronous", err, errlen) != 0 ||
        query_int(ob, "PRAGMA user_version", &version, "cannot read the schema version", err,
                  errlen) != 0)
        return -1;
    if (version > OUTBOX_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "outbox %s: schema version %lld was written by a newer dockward (this one "
                 "knows %d)",
                 ob->path, (long long)version, OUTBOX_SCHEMA_VERSION);
        ob->errors++;
        close_db(ob);
        return -1;
    }
    if (exec(ob, "BEGIN IMMEDIATE", "cannot begin", err, errlen) != 0)
        return -1;
    if (exec(ob, schema_sql, "cannot create the tables", err, errlen) != 0 ||
        exec(ob, "PRAGMA user_version=1", "cannot set the schema version", err, errlen) != 0 ||
        exec(ob, "COMMIT", "cannot commit the schema", err, errlen) != 0) {
        if (ob->db != NULL)
            sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (query_int(ob, "SELECT COUNT(*) FROM reports", &count, "cannot count the reports", err,
                  errlen) != 0 ||
        query_int(ob, "SELECT MAX(value) FROM meta WHERE key LIKE 'sequence/%'", &seq,
                  "cannot read the sequence", err, errlen) != 0)
        return -1;
    ob->count = (uint64_t)count;
    if ((uint64_t)seq > ob->last_sequence)
        ob->last_sequence = (uint64_t)seq;
    return 0;
}

/* Opens and sets up the database unless open; caller holds the lock. */
static int open_locked(struct outbox *ob, char *err, size_t errlen)
{
    if (ob->db != NULL)
        return 0;
    if (make_dirs(ob->dir, err, errlen) != 0 || take_lock(ob, err, errlen) != 0 ||
        prepare_file(ob->path, err, errlen) != 0) {
        ob->errors++;
        return -1;
    }
    int rc =
        sqlite3_open_v2(ob->path, &ob->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        db_fail(ob, rc, "cannot open", err, errlen);
        close_db(ob);
        return -1;
    }
    if (setup_db(ob, err, errlen) != 0) {
        close_db(ob); /* half set up: the next call starts again */
        return -1;
    }
    return 0;
}

int outbox_open(struct outbox *ob, char *err, size_t errlen)
{
    pthread_mutex_lock(&ob->lock);
    int rc = open_locked(ob, err, errlen);
    pthread_mutex_unlock(&ob->lock);
    return rc;
}

void outbox_close(struct outbox *ob)
{
    if (ob == NULL)
        return;
    pthread_mutex_lock(&ob->lock);
    close_db(ob);
    if (ob->lock_fd >= 0)
        close(ob->lock_fd); /* releases the flock */
    pthread_mutex_unlock(&ob->lock);
    pthread_mutex_destroy(&ob->lock);
    free(ob);
}

/* Deletes the oldest rows beyond the cap (one more row is about to exist). */
static int enforce_cap(struct outbox *ob, char *err, size_t errlen)
{
    if (ob->count <= ob->max_reports)
        return 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        ob->db, "DELETE FROM reports WHERE id IN (SELECT id FROM reports ORDER BY id LIMIT ?)", -1,
        &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)(ob->count - ob->max_reports));
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(ob, rc, "cannot drop the oldest reports", err, errlen);
    uint64_t gone = (uint64_t)sqlite3_changes(ob->db);
    ob->count -= gone;
    ob->dropped[OUTBOX_DROP_OVERFLOW] += gone;
    return 0;
}

/* The body of outbox_enqueue inside BEGIN IMMEDIATE; the caller commits or rolls back. */
static int enqueue_in_tx(struct outbox *ob, const char *key, outbox_build_fn build, void *ctx,
                         uint64_t *seq_out, bool *build_failed, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ob->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int64_t last = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(ob, rc, "cannot read the sequence", err, errlen);
    /*
     * A host's first report starts at the current time in milliseconds, not
     * at 1: an agent whose storage was wiped then still sorts after every
     * report it sent before (a report per collection, at most one a second,
     * grows the counter far slower than the clock), and the store does not
     * take its new reports for stale ones.
     */
    uint64_t seq;
    if (rc == SQLITE_ROW && last > 0) {
        seq = (uint64_t)last + 1;
    } else if (ob->first_sequence != 0) {
        seq = ob->first_sequence;
    } else {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        seq = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    }

    uint8_t report_id[REPORT_ID_LEN];
    uint8_t *body = NULL;
    size_t len = 0;
    if (build(ctx, seq, report_id, &body, &len, err, errlen) != 0) {
        *build_failed = true;
        return -1;
    }

    rc = sqlite3_prepare_v2(ob->db,
                            "INSERT INTO reports(report_id, sequence, body, created_ms, "
                            "attempts, next_attempt_ms) VALUES(?, ?, ?, ?, 0, 0)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 1, report_id, REPORT_ID_LEN, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob64(st, 3, body, len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 4, clock_wall_ms());
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    free(body);
    if (rc != SQLITE_DONE)
        return db_fail(ob, rc, "cannot insert the report", err, errlen);

    rc = sqlite3_prepare_v2(ob->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &st,
                            NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(ob, rc, "cannot store the sequence", err, errlen);
    ob->count++;
    if (enforce_cap(ob, err, errlen) != 0)
        return -1;
    *seq_out = seq;
    return 0;
}

int outbox_enqueue(struct outbox *ob, const char *host_id, outbox_build_fn build, void *ctx,
                   uint64_t *sequence_out, char *err, size_t errlen)
{
    char key[META_KEY_MAX + 1];
    if (!report_host_id_valid(host_id)) {
        snprintf(err, errlen, "invalid host id");
        return -1;
    }
    snprintf(key, sizeof(key), "sequence/%s", host_id);

    pthread_mutex_lock(&ob->lock);
    if (open_locked(ob, err, errlen) != 0) {
        pthread_mutex_unlock(&ob->lock);
        return -1;
    }
    uint64_t count_before = ob->count, dropped_before = ob->dropped[OUTBOX_DROP_OVERFLOW];
    if (exec(ob, "PRAGMA synchronous=FULL", "cannot set synchronous", err, errlen) != 0 ||
        exec(ob, "BEGIN IMMEDIATE", "cannot begin", err, errlen) != 0) {
        pthread_mutex_unlock(&ob->lock);
        return -1;
    }
    uint64_t seq = 0;
    bool build_failed = false;
    int rc = enqueue_in_tx(ob, key, build, ctx, &seq, &build_failed, err, errlen);
    if (rc == 0)
        rc = exec(ob, "COMMIT", "cannot commit the report", err, errlen);
    if (rc != 0) {
        if (ob->db != NULL)
            sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
        ob->count = count_before;
        ob->dropped[OUTBOX_DROP_OVERFLOW] = dropped_before;
    } else {
        ob->last_sequence = seq;
        if (sequence_out != NULL)
            *sequence_out = seq;
    }
    if (ob->db != NULL)
        sqlite3_exec(ob->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    pthread_mutex_unlock(&ob->lock);
    return rc;
}

int outbox_peek_oldest(struct outbox *ob, struct outbox_item *item, char *err, size_t errlen)
{
    memset(item, 0, sizeof(*item));
    pthread_mutex_lock(&ob->lock);
    if (open_locked(ob, err, errlen) != 0) {
        pthread_mutex_unlock(&ob->lock);
        return -1;
    }
    sqlite3_stmt *st = NULL;
    int found = 0;
    int rc = sqlite3_prepare_v2(ob->db,
                                "SELECT id, report_id, sequence, body, created_ms, attempts "
                                "FROM reports ORDER BY id LIMIT 1",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *rid = sqlite3_column_blob(st, 1);
        int rid_len = sqlite3_column_bytes(st, 1);
        const void *body = sqlite3_column_blob(st, 3);
        int body_len = sqlite3_column_bytes(st, 3);
        item->id = sqlite3_column_int64(st, 0);
        if (rid != NULL && rid_len == REPORT_ID_LEN)
            memcpy(item->report_id, rid, REPORT_ID_LEN);
        item->sequence = (uint64_t)sqlite3_column_int64(st, 2);
        item->created_ms = sqlite3_column_int64(st, 4);
        item->attempts = (uint64_t)sqlite3_column_int64(st, 5);
        item->body = malloc(body_len > 0 ? (size_t)body_len : 1);
        if (item->body == NULL) {
            snprintf(err, errlen, "outbox %s: out of memory reading a report", ob->path);
            ob->errors++;
            sqlite3_finalize(st);
            pthread_mutex_unlock(&ob->lock);
            return -1;
        }
        if (body_len > 0)
            memcpy(item->body, body, (size_t)body_len);
        item->len = body_len > 0 ? (size_t)body_len : 0;
        found = 1;
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        db_fail(ob, rc, "cannot read the oldest report", err, errlen);
        found = -1;
    }
    pthread_mutex_unlock(&ob->lock);
    return found;
}

/* Runs `sql` with ?1 = id; *changes = rows changed. Caller holds the lock. */
static int run_on_id(struct outbox *ob, const char *sql, int64_t id, int64_t extra,
                     const char *what, int *changes, char *err, size_t errlen)
{
    if (open_locked(ob, err, errlen) != 0)
        return -1;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ob->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) >= 2)
        rc = sqlite3_bind_int64(st, 2, extra);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(ob, rc, what, err, errlen);
    *changes = sqlite3_changes(ob->db);
    return 0;
}

int outbox_delete(struct outbox *ob, int64_t id, char *err, size_t errlen)
{
    int changes = 0;
    pthread_mutex_lock(&ob->lock);
    int rc = run_on_id(ob, "DELETE FROM reports WHERE id = ?1", id, 0,
                       "cannot delete a delivered report", &changes, err, errlen);
    if (rc == 0 && changes > 0 && ob->count > 0)
        ob->count--;
    pthread_mutex_unlock(&ob->lock);
    return rc;
}

int outbox_drop(struct outbox *ob, int64_t id, enum outbox_drop_reason reason, char *err,
                size_t errlen)
{
    int changes = 0;
    if ((unsigned)reason >= OUTBOX_DROP_COUNT) {
        snprintf(err, errlen, "unknown drop reason");
        return -1;
    }
    pthread_mutex_lock(&ob->lock);
    int rc = run_on_id(ob, "DELETE FROM reports WHERE id = ?1", id, 0,
                       "cannot drop an undeliverable report", &changes, err, errlen);
    if (rc == 0 && changes > 0) {
        if (ob->count > 0)
            ob->count--;
        ob->dropped[reason]++;
    }
    pthread_mutex_unlock(&ob->lock);
    return rc;
}

int outbox_note_attempt(struct outbox *ob, int64_t id, int64_t next_attempt_ms, char *err,
                        size_t errlen)
{
    int changes = 0;
    pthread_mutex_lock(&ob->lock);
    int rc = run_on_id(ob,
                       "UPDATE reports SET attempts = attempts + 1, next_attempt_ms = ?2 "
                       "WHERE id = ?1",
                       id, next_attempt_ms, "cannot note an attempt", &changes, err, errlen);
    pthread_mutex_unlock(&ob->lock);
    return rc;
}

int outbox_count(struct outbox *ob, uint64_t *count, char *err, size_t errlen)
{
    int64_t n = 0;
    pthread_mutex_lock(&ob->lock);
    int rc = open_locked(ob, err, errlen);
    if (rc == 0)
        rc = query_int(ob, "SELECT COUNT(*) FROM reports", &n, "cannot count the reports", err,
                       errlen);
    if (rc == 0) {
        *count = (uint64_t)n;
        ob->count = (uint64_t)n;
    }
    pthread_mutex_unlock(&ob->lock);
    return rc;
}

void outbox_stats_read(struct outbox *ob, struct outbox_stats *out)
{
    pthread_mutex_lock(&ob->lock);
    out->open = ob->db != NULL;
    out->reports = ob->count; /* the last known length while the file cannot be opened */
    memcpy(out->dropped, ob->dropped, sizeof(out->dropped));
    out->errors = ob->errors;
    out->last_sequence = ob->last_sequence;
    pthread_mutex_unlock(&ob->lock);
}

void outbox_set_first_sequence(struct outbox *ob, uint64_t first)
{
    pthread_mutex_lock(&ob->lock);
    ob->first_sequence = first;
    pthread_mutex_unlock(&ob->lock);
}
