/*
 * pg_apply.h - what the files of the PostgreSQL batch apply share, and
 * nothing else includes: the pipeline's round trips (pg_pipeline.c), one
 * report's rules and writes (pg_report_write.c), the batch's per-check
 * figures, drift rows and COMMIT (pg_batch_commit.c), all driven by
 * store_pg_apply (pg_apply.c, which says how a batch is applied).
 */
#ifndef DOCKWARD_STORE_PG_APPLY_H
#define DOCKWARD_STORE_PG_APPLY_H

#include "pg_conn.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A report of the batch and what the first phase read of its host. */
struct pg_item {
    struct store_job *job;
    PGresult *host_row;         /* the locked hosts row (none: a new host) */
    PGresult *results;          /* its results row */
    int64_t new_id;             /* a new host's id, taken from the sequence */
    int64_t host_db;            /* its host's hosts.id, once its writes are sent */
    size_t index;               /* its place in the batch (arrival order) */
    int round;                  /* the host's n-th report in the batch: applied in round n */
    bool left_out;              /* its host's row could not be locked: 503 */
    bool id_taken;              /* its id is in report_ids (some host's ring), read in its round */
    bool holds_id;              /* this try puts its id into its host's ring */
    enum store_outcome pending; /* the outcome once its writes are committed */
};

/* Sends writer statement id (prepared as "w<id>") in the pipeline; 0, or -1. */
int pg_send_stmt(struct store_pg *p, int id, const struct pg_params *par);
/* Sends sql (no parameters) in the pipeline; 0, or -1. */
int pg_send_sql(struct store_pg *p, const char *sql);
/*
 * Reads the results of `n` queries of a pipeline, keeping the first `keep`
 * in res[] (the caller clears them); *failed_at gets the index of the first
 * that failed (-1: none; err says why). Returns 0, or -1 when the
 * connection broke (res[] cleared).
 */
int pg_collect(struct store_pg *p, int n, PGresult **res, int keep, int *failed_at, char *err,
               size_t errlen);
/* Reads a sync point's result; 0, or -1 (the connection broke or lost its place). */
int pg_read_sync(struct store_pg *p, char *err, size_t errlen);
/*
 * Ends a pipeline of `n` queries sent since the last sync and reads their
 * results; keeps the first `keep` in res[] (the caller clears them).
 * Returns 0 when all succeeded, 1 when one failed (the server is still
 * there: err says why), -1 when the connection broke.
 */
int pg_pipeline_sync(struct store_pg *p, int n, PGresult **res, int keep, char *err, size_t errlen);

/*
 * Sends one report's writes (careful: as its own segment, SAVEPOINT to
 * RELEASE and a sync point; otherwise into the round's W_WRITE_MANY).
 * Decides it->pending by the rules (rules.h, diff.h) on what the first
 * phase read. Returns the queries sent (0: none, the outcome is final:
 * duplicate, forbidden, or unavailable), or -1 when sending failed.
 */
int pg_send_segment(struct store_pg *p, struct pg_item *items, size_t n_items, struct pg_item *it,
                    bool careful, char *err, size_t errlen);
/* Empties the round's W_WRITE_MANY. */
void pg_many_reset(struct pg_many *m);
/* Sends the gathered round as one W_WRITE_MANY; returns the queries sent (0 or 1), or -1. */
int pg_many_send(struct store_pg *p);

/*
 * Sends the batch's per-check figures (summed over its stored reports),
 * its drift rows and COMMIT; returns the queries sent, or -1.
 */
int pg_send_commit(struct store_pg *p, const struct pg_item *items, size_t n);
/* Frees the batch's per-check figures. */
void pg_batch_checks_clear(struct store_pg *p);

#endif
