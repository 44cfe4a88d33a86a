/*
 * pg_conn.c - libpq helpers of the PostgreSQL backend: connecting,
 * preparing, running a command, libpq's messages, statement parameters
 * and array literals; see pg_conn.h.
 */
#include "pg_conn.h"

#include "storage.h"
#include "../common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pg_message(PGconn *c, const PGresult *r, char *out, size_t len)
{
    const char *m = r != NULL ? PQresultErrorMessage(r) : "";
    if (m == NULL || *m == '\0')
        m = PQerrorMessage(c);
    snprintf(out, len, "%s", m && *m ? m : "unknown error");
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
}

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *pg_connect(const char *url, const char *password, char *err, size_t errlen)
{
    /* The URL's own settings win over connect_timeout (it comes first); the password last. */
    const char *keys[5];
    const char *vals[5];
    int k = 0;
    keys[k] = "connect_timeout";
    vals[k++] = STORE_PG_CONNECT_TIMEOUT_S;
    keys[k] = "dbname";
    vals[k++] = url;
    keys[k] = "fallback_application_name";
    vals[k++] = "dockward-store";
    if (password != NULL) {
        keys[k] = "password";
        vals[k++] = password;
    }
    keys[k] = NULL;
    vals[k] = NULL;
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL) {
        seterr(err, errlen, "PostgreSQL: out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        char m[512];
        pg_message(c, NULL, m, sizeof(m));
        seterr(err, errlen, "cannot connect to PostgreSQL: %s", m);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet_notice, NULL); /* NOTICEs (IF NOT EXISTS...) are not news */
    return c;
}

int pg_prepare_all(PGconn *c, const char *prefix, const char *const *sql, int n, char *err,
                   size_t errlen)
{
    for (int i = 0; i < n; i++) {
        if (sql[i] == NULL)
            continue;
        char name[32];
        snprintf(name, sizeof(name), "%s%d", prefix, i);
        if (pg_check(c, PQprepare(c, name, sql[i], 0, NULL),
                     "PostgreSQL: preparing a statement: ", err, errlen) != 0)
            return -1;
    }
    return 0;
}

int pg_check(PGconn *c, PGresult *r, const char *what, char *err, size_t errlen)
{
    ExecStatusType s = PQresultStatus(r);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char m[512];
        pg_message(c, r, m, sizeof(m));
        seterr(err, errlen, "%s%s", what, m);
        rc = -1;
    }
    PQclear(r);
    return rc;
}

int pg_exec(PGconn *c, const char *sql, char *err, size_t errlen)
{
    return pg_check(c, PQexec(c, sql), "", err, errlen);
}

int pg_link_init(struct pg_link *l, const char *url, const char *password)
{
    l->conn = NULL;
    l->url = strdup(url);
    l->password = password != NULL ? strdup(password) : NULL;
    if (l->url != NULL && (password == NULL || l->password != NULL))
        return 0;
    pg_link_close(l);
    return -1;
}

int pg_link_connect(struct pg_link *l, char *err, size_t errlen)
{
    pg_link_drop(l);
    l->conn = pg_connect(l->url, l->password, err, errlen);
    return l->conn != NULL ? 0 : -1;
}

void pg_link_drop(struct pg_link *l)
{
    if (l->conn != NULL)
        PQfinish(l->conn);
    l->conn = NULL;
}

void pg_link_close(struct pg_link *l)
{
    pg_link_drop(l);
    free(l->url);
    storage_secret_free(l->password);
    l->url = l->password = NULL;
}

int64_t pg_get_int(const PGresult *r, int row, int col)
{
    const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, col);
    int len = PQgetlength(r, row, col);
    uint64_t x = 0;
    for (int i = 0; i < len && i < 8; i++)
        x = x << 8 | v[i];
    if (len == 4)
        return (int32_t)(uint32_t)x;
    if (len == 2)
        return (int16_t)(uint16_t)x;
    return (int64_t)x;
}

void pg_par_int(struct pg_params *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)v);
    p->val[p->n] = p->num[p->n];
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

void pg_par_text(struct pg_params *p, const char *s)
{
    p->val[p->n] = s;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

void pg_par_null(struct pg_params *p)
{
    p->val[p->n] = NULL;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

void pg_par_blob(struct pg_params *p, const void *data, size_t len)
{
    p->val[p->n] = len > 0 ? data : "";
    p->len[p->n] = (int)len;
    p->fmt[p->n] = 1;
    p->n++;
}

int pg_array_put(struct pg_array *t, const void *s, size_t n)
{
    if (t->cap - t->len < n + 1) {
        size_t ncap = t->cap ? t->cap : 256;
        while (ncap - t->len < n + 1)
            ncap *= 2;
        char *p = realloc(t->s, ncap);
        if (p == NULL)
            return -1;
        t->s = p;
        t->cap = ncap;
    }
    if (n > 0)
        memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
    return 0;
}

/* Starts "{", or adds ",": an array literal being built. */
static int array_sep(struct pg_array *t)
{
    return t->len == 0 ? pg_array_put(t, "{", 1) : pg_array_put(t, ",", 1);
}

int pg_array_text(struct pg_array *t, const char *s)
{
    if (array_sep(t) != 0 || pg_array_put(t, "\"", 1) != 0)
        return -1;
    for (const char *p = s; *p; p++) {
        if ((*p == '"' || *p == '\\') && pg_array_put(t, "\\", 1) != 0)
            return -1;
        if (pg_array_put(t, p, 1) != 0)
            return -1;
    }
    return pg_array_put(t, "\"", 1);
}

int pg_array_int(struct pg_array *t, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    return array_sep(t) != 0 ? -1 : pg_array_put(t, num, (size_t)n);
}

int pg_array_null(struct pg_array *t)
{
    return array_sep(t) != 0 ? -1 : pg_array_put(t, "NULL", 4);
}

int pg_array_uuid(struct pg_array *t, const unsigned char *id)
{
    static const char hex[] = "0123456789abcdef";
    char out[2 * REPORT_ID_BYTES];
    for (size_t i = 0; i < REPORT_ID_BYTES; i++) {
        out[2 * i] = hex[id[i] >> 4];
        out[2 * i + 1] = hex[id[i] & 15];
    }
    return array_sep(t) != 0 ? -1 : pg_array_put(t, out, sizeof(out));
}

int pg_array_end(struct pg_array *t)
{
    return t->len == 0 ? pg_array_put(t, "{}", 2) : pg_array_put(t, "}", 1);
}

int pg_par_arrays(struct pg_params *p, struct pg_array *cols, int n, const struct pg_array *bytes)
{
    for (int i = 0; i < n; i++) {
        if (pg_array_end(&cols[i]) != 0)
            return -1;
        pg_par_text(p, cols[i].s);
    }
    if (bytes != NULL)
        pg_par_blob(p, bytes->s, bytes->len);
    return 0;
}
