/*
 * pg_pipeline.c - the round trips of the PostgreSQL batch apply (libpq
 * pipeline mode): statements sent, results read back to a sync point, the
 * first failure told apart from a broken connection.
 */
#include "pg_apply.h"

#include "rules.h"
#include "storage.h"
#include "store.h"

#include "../common/buf.h"
#include "../common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_send_stmt(struct store_pg *p, int id, const struct pg_params *par)
{
    char name[16];
    snprintf(name, sizeof(name), "w%d", id);
    return PQsendQueryPrepared(p->link.conn, name, par ? par->n : 0, par ? par->val : NULL,
                               par ? par->len : NULL, par ? par->fmt : NULL, 1) == 1
               ? 0
               : -1;
}

int pg_send_sql(struct store_pg *p, const char *sql)
{
    return PQsendQueryParams(p->link.conn, sql, 0, NULL, NULL, NULL, NULL, 1) == 1 ? 0 : -1;
}

/*
 * Reads the results of `n` queries of a pipeline, keeping the first `keep`
 * in res[] (the caller clears them); *failed_at gets the index of the first
 * that failed (-1: none; err says why). Returns 0, or -1 when the
 * connection broke (res[] cleared).
 */
int pg_collect(struct store_pg *p, int n, PGresult **res, int keep, int *failed_at, char *err,
               size_t errlen)
{
    *failed_at = -1;
    for (int i = 0; i < keep; i++)
        res[i] = NULL;
    for (int i = 0; i < n; i++) {
        PGresult *r;
        bool got = false;
        while ((r = PQgetResult(p->link.conn)) != NULL) {
            ExecStatusType s = PQresultStatus(r);
            if (!got && s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK && *failed_at < 0) {
                pg_message(p->link.conn, r, err, errlen);
                *failed_at = i;
            }
            if (!got && i < keep)
                res[i] = r;
            else
                PQclear(r);
            got = true;
        }
        if (PQstatus(p->link.conn) != CONNECTION_OK || (!got && *failed_at < 0)) {
            pg_message(p->link.conn, NULL, err, errlen);
            for (int k = 0; k < keep; k++) {
                PQclear(res[k]);
                res[k] = NULL;
            }
            return -1;
        }
    }
    return 0;
}

/* Reads a sync point's result; 0, or -1 (the connection broke or lost its place). */
int pg_read_sync(struct store_pg *p, char *err, size_t errlen)
{
    PGresult *s = PQgetResult(p->link.conn);
    int rc = s != NULL && PQresultStatus(s) == PGRES_PIPELINE_SYNC ? 0 : -1;
    if (rc != 0)
        pg_message(p->link.conn, s, err, errlen);
    PQclear(s);
    return rc;
}

/*
 * Ends a pipeline of `n` queries sent since the last sync and reads their
 * results; keeps the first `keep` in res[] (the caller clears them).
 * Returns 0 when all succeeded, 1 when one failed (the server is still
 * there: err says why), -1 when the connection broke.
 */
int pg_pipeline_sync(struct store_pg *p, int n, PGresult **res, int keep, char *err, size_t errlen)
{
    if (PQpipelineSync(p->link.conn) != 1) {
        pg_message(p->link.conn, NULL, err, errlen);
        return -1;
    }
    int failed_at;
    if (pg_collect(p, n, res, keep, &failed_at, err, errlen) != 0)
        return -1;
    if (pg_read_sync(p, err, errlen) != 0) {
        for (int k = 0; k < keep; k++) {
            PQclear(res[k]);
            res[k] = NULL;
        }
        return -1;
    }
    return failed_at >= 0 ? 1 : 0;
}
