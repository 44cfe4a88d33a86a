/*
 * pg_read.c - the PostgreSQL backend's readers: a connection each, the
 * query API's SQLite-form statements prepared as PostgreSQL's, one
 * REPEATABLE READ snapshot per answer; see pg.h.
 */
#include "pg_conn.h"

#include "storage.h"
#include "../common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pg_stmt {
    struct pg_reader *r;
    int index;
    int n_params; /* $N the statement takes */
    const char *val[PG_PARAMS_MAX];
    char num[PG_PARAMS_MAX][24];
    PGresult *res;
    int row; /* the current row; -1 before the first step */
    bool ran;
};

struct pg_reader {
    struct pg_link link;
    char **sql; /* rewritten to $N */
    int n;
    struct pg_stmt *st;
    char msg[512];
};

/*
 * SQLite's "?N" as PostgreSQL's "$N"; *max gets the highest N. Parameters
 * the text never names (the query API binds a few its statement does not
 * use) are declared text, so PostgreSQL can type every $N up to max.
 */
static char *rewrite_params(const char *sql, int *max)
{
    size_t len = strlen(sql);
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    *max = 0;
    for (size_t i = 0; i <= len; i++) {
        out[i] = sql[i] == '?' ? '$' : sql[i];
        if (sql[i] == '?') {
            int v = (int)strtol(sql + i + 1, NULL, 10);
            if (v > *max)
                *max = v;
        }
    }
    return out;
}

static int reader_prepare(struct pg_reader *r, char *err, size_t errlen)
{
    for (int i = 0; i < r->n; i++) {
        int max = r->st[i].n_params;
        Oid types[PG_PARAMS_MAX] = { 0 };
        for (int k = 1; k <= max && k <= PG_PARAMS_MAX; k++) {
            char tag[8];
            snprintf(tag, sizeof(tag), "$%d", k);
            const char *at = strstr(r->sql[i], tag);
            bool used = false;
            while (at != NULL && !used) {
                used = !(at[strlen(tag)] >= '0' && at[strlen(tag)] <= '9');
                at = strstr(at + 1, tag);
            }
            if (!used)
                types[k - 1] = 25; /* TEXTOID */
        }
        char name[16];
        snprintf(name, sizeof(name), "r%d", i);
        if (pg_check(r->link.conn, PQprepare(r->link.conn, name, r->sql[i], max, types),
                     "PostgreSQL: preparing a query: ", err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* The reader's connection, made (again: a restarted server, a dropped link). */
static int reader_connect(struct pg_reader *r, char *err, size_t errlen)
{
    if (pg_link_connect(&r->link, err, errlen) != 0)
        return -1;
    if (reader_prepare(r, err, errlen) != 0) {
        pg_link_drop(&r->link);
        return -1;
    }
    return 0;
}

int pg_reader_open(const char *url, const char *password, const char *const *sql, int n,
                   struct pg_reader **out, char *err, size_t errlen)
{
    *out = NULL;
    struct pg_reader *r = calloc(1, sizeof(*r));
    if (r == NULL || pg_link_init(&r->link, url, password) != 0 ||
        (r->sql = calloc((size_t)n, sizeof(*r->sql))) == NULL ||
        (r->st = calloc((size_t)n, sizeof(*r->st))) == NULL) {
        pg_reader_close(r);
        seterr(err, errlen, "out of memory");
        return -1;
    }
    r->n = n;
    for (int i = 0; i < n; i++) {
        r->st[i].r = r;
        r->st[i].index = i;
        r->st[i].row = -1;
        if ((r->sql[i] = rewrite_params(sql[i], &r->st[i].n_params)) == NULL) {
            pg_reader_close(r);
            seterr(err, errlen, "out of memory");
            return -1;
        }
        if (r->st[i].n_params > PG_PARAMS_MAX) {
            pg_reader_close(r);
            seterr(err, errlen, "a query takes too many parameters");
            return -1;
        }
    }
    if (reader_connect(r, err, errlen) != 0) {
        pg_reader_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

void pg_reader_close(struct pg_reader *r)
{
    if (r == NULL)
        return;
    pg_link_close(&r->link);
    for (int i = 0; r->st != NULL && i < r->n; i++)
        PQclear(r->st[i].res);
    for (int i = 0; r->sql != NULL && i < r->n; i++)
        free(r->sql[i]);
    free(r->sql);
    free(r->st);
    free(r);
}

int pg_read_begin(struct pg_reader *r)
{
    /* One snapshot for every statement of the answer, as SQLite's read transaction. */
    static const char begin[] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    if ((r->link.conn == NULL || PQstatus(r->link.conn) != CONNECTION_OK) &&
        reader_connect(r, r->msg, sizeof(r->msg)) != 0)
        return -1;
    if (pg_exec(r->link.conn, begin, r->msg, sizeof(r->msg)) == 0)
        return 0;
    /* A connection that looked fine until now (the server restarted): once more, anew. */
    if (PQstatus(r->link.conn) == CONNECTION_OK || reader_connect(r, r->msg, sizeof(r->msg)) != 0)
        return -1;
    return pg_exec(r->link.conn, begin, r->msg, sizeof(r->msg));
}

void pg_read_end(struct pg_reader *r)
{
    if (r->link.conn != NULL && PQtransactionStatus(r->link.conn) != PQTRANS_IDLE)
        pg_exec(r->link.conn, "COMMIT", r->msg, sizeof(r->msg));
}

struct pg_stmt *pg_reader_stmt(struct pg_reader *r, int i)
{
    return &r->st[i];
}

const char *pg_reader_errmsg(struct pg_reader *r)
{
    return r->msg;
}

void pg_bind_int(struct pg_stmt *st, int i, int64_t v)
{
    if (i < 1 || i > st->n_params)
        return;
    snprintf(st->num[i - 1], sizeof(st->num[0]), "%lld", (long long)v);
    st->val[i - 1] = st->num[i - 1];
}

void pg_bind_text(struct pg_stmt *st, int i, const char *s)
{
    if (i < 1 || i > st->n_params)
        return;
    st->val[i - 1] = s;
}

int pg_step(struct pg_stmt *st)
{
    struct pg_reader *r = st->r;
    if (!st->ran) {
        st->ran = true;
        st->row = -1;
        if (r->link.conn == NULL) {
            snprintf(r->msg, sizeof(r->msg), "no connection to PostgreSQL");
            return STORAGE_ERROR;
        }
        char name[16];
        snprintf(name, sizeof(name), "r%d", st->index);
        st->res = PQexecPrepared(r->link.conn, name, st->n_params, st->val, NULL, NULL, 1);
        if (PQresultStatus(st->res) != PGRES_TUPLES_OK) {
            pg_message(r->link.conn, st->res, r->msg, sizeof(r->msg));
            PQclear(st->res);
            st->res = NULL;
            return STORAGE_ERROR;
        }
    }
    if (st->res == NULL)
        return STORAGE_ERROR;
    if (st->row + 1 >= PQntuples(st->res))
        return STORAGE_DONE;
    st->row++;
    return STORAGE_ROW;
}

int64_t pg_int(struct pg_stmt *st, int col)
{
    if (st->res == NULL || st->row < 0 || PQgetisnull(st->res, st->row, col))
        return 0;
    return pg_get_int(st->res, st->row, col);
}

const char *pg_text(struct pg_stmt *st, int col)
{
    if (st->res == NULL || st->row < 0)
        return "";
    return PQgetvalue(st->res, st->row, col); /* "" for NULL; always NUL-terminated */
}

const void *pg_blob(struct pg_stmt *st, int col)
{
    if (st->res == NULL || st->row < 0 || PQgetisnull(st->res, st->row, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

size_t pg_bytes(struct pg_stmt *st, int col)
{
    if (st->res == NULL || st->row < 0)
        return 0;
    return (size_t)PQgetlength(st->res, st->row, col);
}

bool pg_is_null(struct pg_stmt *st, int col)
{
    return st->res == NULL || st->row < 0 || PQgetisnull(st->res, st->row, col);
}

void pg_reset(struct pg_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->ran = false;
    for (int i = 0; i < PG_PARAMS_MAX; i++)
        st->val[i] = NULL;
}
