/*
 * statements.h - the writer's statements that SQLite (db.c) and PostgreSQL
 * (pg_writer.c) run with the same text: written once, so a change to the
 * schema cannot update one backend's copy and miss the other's.
 *
 * Each takes a parameter macro P: P(n) is the n-th parameter, spelled
 * "?n" by SQLite (STATEMENT_LITE) and "$n" by PostgreSQL (STATEMENT_PG).
 * A statement whose text differs between the two (locks, arrays, upserts,
 * a backend's own columns) stays in its backend's table.
 */
#ifndef DOCKWARD_STORE_STATEMENTS_H
#define DOCKWARD_STORE_STATEMENTS_H

#define STATEMENT_LITE(n) "?" #n
#define STATEMENT_PG(n)   "$" #n

/* A host's packed results (rows.h) by its row id (P1). */
#define STATEMENT_RESULTS_OF(P) "SELECT data FROM results WHERE host = " P(1)

/* A retired host's row (P1) active again as new from P2 (ms). */
#define STATEMENT_HOST_REVIVE(P)                                    \
    "UPDATE hosts SET retired_ms = 0, owner = NULL, last_seq = 0, " \
    "first_seen_ms = " P(2) " WHERE id = " P(1)

/* Retirement: the host's (P1) current rows go, and its row is marked retired at P2 (ms). */
#define STATEMENT_RETIRE_RESULTS(P) "DELETE FROM results WHERE host = " P(1)
#define STATEMENT_RETIRE_HOST(P)                                                      \
    "UPDATE hosts SET owner = NULL, n_pass = 0, n_fail = 0, n_warn = 0, n_skip = 0, " \
    "n_error = 0, n_waived = 0, retired_ms = " P(2) " WHERE id = " P(1)

/* An admin's rebinding of active host P1 (its host id) to owner P2. */
#define STATEMENT_REBIND(P) \
    "UPDATE hosts SET owner = " P(2) " WHERE host_id = " P(1) " AND retired_ms = 0"

/* Up to P2 ids of active hosts last seen before P1 (ms). */
#define STATEMENT_SILENT(P) \
    "SELECT host_id FROM hosts WHERE retired_ms = 0 AND last_seen_ms < " P(1) " LIMIT " P(2)

#endif
