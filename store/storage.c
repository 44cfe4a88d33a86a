/*
 * storage.c - the storage interface: each call goes to the backend the
 * connection was opened on (db.c SQLite, pg.c PostgreSQL); see storage.h.
 * A SQLite reader's statements are prepared here on a store_db READER
 * connection; a PostgreSQL reader is pg.c's.
 */
#include "storage.h"

#include "../common/safefile.h"

#include "pg.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STORAGE_PASSWORD_MAX 1024

int storage_url_check(const char *url, char *err, size_t errlen)
{
    const char *rest = NULL;
    if (strncmp(url, "postgresql://", 13) == 0)
        rest = url + 13;
    else if (strncmp(url, "postgres://", 11) == 0)
        rest = url + 11;
    if (rest == NULL) {
        snprintf(err, errlen, "not a PostgreSQL URL (postgresql://USER@HOST:PORT/DB?...)");
        return -1;
    }
    /* user:password@ in the authority part */
    size_t auth = strcspn(rest, "/?");
    const char *at = memchr(rest, '@', auth);
    if (at != NULL && memchr(rest, ':', (size_t)(at - rest)) != NULL) {
        snprintf(err, errlen,
                 "the URL holds a password (USER:PASSWORD@): refused; put it in "
                 "--storage.password-file or libpq's PGPASSFILE");
        return -1;
    }
    const char *q = strchr(rest, '?');
    while (q != NULL) {
        q++;
        if (strncasecmp(q, "password=", 9) == 0 || strncasecmp(q, "password%3d", 11) == 0) {
            snprintf(err, errlen,
                     "the URL holds a password (password=): refused; put it in "
                     "--storage.password-file or libpq's PGPASSFILE");
            return -1;
        }
        q = strchr(q, '&');
    }
    return 0;
}

int storage_password_read(const char *path, char **out, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (safefile_read(path, "--storage.password-file", SAFEFILE_PRIVATE, STORAGE_PASSWORD_MAX + 2,
                      &text, &len, err, errlen) != 0)
        return -1;
    text[strcspn(text, "\r\n")] = '\0';
    if (text[0] == '\0' || strlen(text) > STORAGE_PASSWORD_MAX) {
        snprintf(err, errlen, "the --storage.password-file %s is %s", path,
                 text[0] == '\0' ? "empty" : "longer than 1024 bytes");
        storage_secret_free(text);
        return -1;
    }
    explicit_bzero(text + strlen(text), len - strlen(text)); /* what followed the first line */
    *out = text;
    return 0;
}

/* ---- the writer's connection ---- */

struct storage {
    enum storage_kind kind;
    struct store_db *lite;
    struct store_pg *pg;
};

int storage_open(const struct storage_target *t, struct storage **out, char *err, size_t errlen)
{
    *out = NULL;
    struct storage *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->kind = t->kind;
    int rc = t->kind == STORAGE_POSTGRES
                 ? store_pg_open(t->url, t->password, &s->pg, err, errlen)
                 : store_db_open(t->path, STORE_DB_WRITER, &s->lite, err, errlen);
    if (rc != 0) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void storage_close(struct storage *s)
{
    if (s == NULL)
        return;
    store_db_close(s->lite);
    store_pg_close(s->pg);
    free(s);
}

enum storage_kind storage_kind_of(const struct storage *s)
{
    return s->kind;
}

struct store_db *storage_sqlite(struct storage *s)
{
    return s->lite;
}

int storage_apply(struct storage *s, struct store_job *const *jobs, size_t n, char *err,
                  size_t errlen)
{
    return s->pg != NULL ? store_pg_apply(s->pg, jobs, n, err, errlen)
                         : store_db_apply(s->lite, jobs, n, err, errlen);
}

int storage_retention(struct storage *s, int64_t cutoff_ms, int limit, int *deleted, char *err,
                      size_t errlen)
{
    return s->pg != NULL ? store_pg_retention(s->pg, cutoff_ms, limit, deleted, err, errlen)
                         : store_db_retention(s->lite, cutoff_ms, limit, deleted, err, errlen);
}

int storage_retire(struct storage *s, const char *host_id, int64_t now_ms,
                   struct diff_result *figures, bool *found, char *err, size_t errlen)
{
    return s->pg != NULL ? store_pg_retire(s->pg, host_id, now_ms, figures, found, err, errlen)
                         : store_db_retire(s->lite, host_id, now_ms, figures, found, err, errlen);
}

int storage_rebind(struct storage *s, const char *host_id, const char *owner, bool *found,
                   char *err, size_t errlen)
{
    return s->pg != NULL ? store_pg_rebind(s->pg, host_id, owner, found, err, errlen)
                         : store_db_rebind(s->lite, host_id, owner, found, err, errlen);
}

int storage_silent_hosts(struct storage *s, int64_t cutoff_ms, char (*ids)[REPORT_HOST_ID_MAX + 1],
                         size_t max, size_t *n, char *err, size_t errlen)
{
    return s->pg != NULL ? store_pg_silent_hosts(s->pg, cutoff_ms, ids, max, n, err, errlen)
                         : store_db_silent_hosts(s->lite, cutoff_ms, ids, max, n, err, errlen);
}

int storage_load_checks(struct storage *s,
                        void (*fn)(void *arg, const char *check, uint64_t failing_hosts,
                                   uint64_t regressions, uint64_t waived_hosts),
                        void *arg, char *err, size_t errlen)
{
    return s->pg != NULL ? store_pg_load_checks(s->pg, fn, arg, err, errlen)
                         : store_db_load_checks(s->lite, fn, arg, err, errlen);
}

/* ---- readers ---- */

struct storage_stmt {
    struct storage_reader *r;
    sqlite3_stmt *lite;
    struct pg_stmt *pg;
};

struct storage_reader {
    enum storage_kind kind;
    struct store_db *lite;
    struct pg_reader *pg;
    struct storage_stmt *st;
    int n;
    char msg[256];
};

void storage_reader_close(struct storage_reader *r)
{
    if (r == NULL)
        return;
    for (int i = 0; r->st != NULL && i < r->n; i++)
        sqlite3_finalize(r->st[i].lite);
    free(r->st);
    store_db_close(r->lite);
    pg_reader_close(r->pg);
    free(r);
}

int storage_reader_open(const struct storage_target *t, const char *const *sql, int n,
                        struct storage_reader **out, char *err, size_t errlen)
{
    *out = NULL;
    struct storage_reader *r = calloc(1, sizeof(*r));
    if (r == NULL || (r->st = calloc((size_t)n, sizeof(*r->st))) == NULL) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->kind = t->kind;
    r->n = n;
    if (t->kind == STORAGE_POSTGRES) {
        if (pg_reader_open(t->url, t->password, sql, n, &r->pg, err, errlen) != 0) {
            storage_reader_close(r);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            r->st[i].r = r;
            r->st[i].pg = pg_reader_stmt(r->pg, i);
        }
        *out = r;
        return 0;
    }
    if (store_db_open(t->path, STORE_DB_READER, &r->lite, err, errlen) != 0) {
        storage_reader_close(r);
        return -1;
    }
    sqlite3 *db = store_db_sqlite(r->lite);
    for (int i = 0; i < n; i++) {
        r->st[i].r = r;
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &r->st[i].lite, NULL) !=
            SQLITE_OK) {
            snprintf(err, errlen, "preparing a query: %s", sqlite3_errmsg(db));
            storage_reader_close(r);
            return -1;
        }
    }
    *out = r;
    return 0;
}

int storage_read_begin(struct storage_reader *r)
{
    if (r->pg != NULL)
        return pg_read_begin(r->pg);
    char *msg = NULL;
    if (sqlite3_exec(store_db_sqlite(r->lite), "BEGIN", NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(r->msg, sizeof(r->msg), "%s", msg ? msg : "cannot begin");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

void storage_read_end(struct storage_reader *r)
{
    if (r->pg != NULL) {
        pg_read_end(r->pg);
        return;
    }
    sqlite3 *db = store_db_sqlite(r->lite);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK || !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); /* a stuck read would pin the WAL */
}

struct storage_stmt *storage_stmt(struct storage_reader *r, int i)
{
    return &r->st[i];
}

void storage_bind_int(struct storage_stmt *st, int i, int64_t v)
{
    if (st->pg != NULL)
        pg_bind_int(st->pg, i, v);
    else
        sqlite3_bind_int64(st->lite, i, (sqlite3_int64)v);
}

void storage_bind_text(struct storage_stmt *st, int i, const char *s)
{
    if (st->pg != NULL)
        pg_bind_text(st->pg, i, s);
    else
        sqlite3_bind_text(st->lite, i, s, -1, SQLITE_STATIC);
}

int storage_step(struct storage_stmt *st)
{
    if (st->pg != NULL)
        return pg_step(st->pg);
    int rc = sqlite3_step(st->lite);
    return rc == SQLITE_ROW ? STORAGE_ROW : rc == SQLITE_DONE ? STORAGE_DONE : STORAGE_ERROR;
}

int64_t storage_int(struct storage_stmt *st, int col)
{
    return st->pg != NULL ? pg_int(st->pg, col) : sqlite3_column_int64(st->lite, col);
}

const char *storage_text(struct storage_stmt *st, int col)
{
    if (st->pg != NULL)
        return pg_text(st->pg, col);
    const unsigned char *t = sqlite3_column_text(st->lite, col);
    return t != NULL ? (const char *)t : "";
}

const void *storage_blob(struct storage_stmt *st, int col)
{
    return st->pg != NULL ? pg_blob(st->pg, col) : sqlite3_column_blob(st->lite, col);
}

size_t storage_bytes(struct storage_stmt *st, int col)
{
    return st->pg != NULL ? pg_bytes(st->pg, col) : (size_t)sqlite3_column_bytes(st->lite, col);
}

bool storage_is_null(struct storage_stmt *st, int col)
{
    return st->pg != NULL ? pg_is_null(st->pg, col)
                          : sqlite3_column_type(st->lite, col) == SQLITE_NULL;
}

void storage_reset(struct storage_stmt *st)
{
    if (st->pg != NULL) {
        pg_reset(st->pg);
        return;
    }
    sqlite3_reset(st->lite);
    sqlite3_clear_bindings(st->lite);
}

const char *storage_errmsg(struct storage_reader *r)
{
    if (r->pg != NULL)
        return pg_reader_errmsg(r->pg);
    if (r->lite != NULL)
        return sqlite3_errmsg(store_db_sqlite(r->lite));
    return r->msg;
}
