/*
 * pg_schema.c - the PostgreSQL backend's schema, created or migrated by
 * the writer at start; see pg_conn.h.
 *
 * The schema is db.c's, in PostgreSQL's types: hosts (one row per host,
 * with its last STORE_RECENT_IDS report ids), results (a host's current
 * rows packed and deflated by rows.c, as bytea), failing (check, host),
 * drift (one row per report that changed anything, its events packed),
 * drift_checks, checks (per check, hosts failing it and regressions
 * counted), and report_ids (since version 3: every id of every host's
 * recent_ids, keyed by the id, so a report id reused for another host is
 * found by one index probe). Text keys are COLLATE "C" so the API's pages ("after" a host
 * id) are in byte order, as on SQLite. dockward_schema holds the version;
 * the writer creates or checks it at start inside one transaction, under
 * an advisory lock so replicas starting together do it once.
 */
#include "pg_conn.h"

#include "../common/log.h"

#include <stdio.h>
#include <stdlib.h>

#define PG_ADVISORY_KEY 0x64776172 /* "dwar", as SQLite's application_id */

/*
 * Version 3: the union of every host's recent_ids (the window SQLite's
 * writer keeps in memory, idset.h), one row per id: the id (a uuid: 16
 * bytes with no length header, the smallest key PostgreSQL indexes) and
 * the host whose ring holds it. A stored or stale report adds its id and
 * deletes the one that fell out of its host's ring, in the statement that
 * writes the ring.
 */
#define REPORT_IDS_SQL \
    "CREATE TABLE report_ids (id uuid PRIMARY KEY, host bigint NOT NULL) WITH (fillfactor = 90);"
/* Filling it from the rings of a version 2 database (an id in two rings: the first host keeps it).
 */
#define REPORT_IDS_FILL                                                                            \
    "INSERT INTO report_ids (id, host) SELECT encode(substring(h.recent_ids from i * 16 + 1 "      \
    "for 16), 'hex')::uuid, h.id FROM hosts h, generate_series(0, length(h.recent_ids) / 16 - 1) " \
    "AS i ORDER BY h.id ON CONFLICT (id) DO NOTHING"

static const char schema_sql[] =
    "CREATE TABLE hosts ("
    " id bigserial PRIMARY KEY,"
    " host_id text COLLATE \"C\" NOT NULL UNIQUE,"
    " hostname text NOT NULL,"
    " agent_version text NOT NULL,"
    " catalog_version text NOT NULL,"
    " last_seq bigint NOT NULL,"
    " last_seen_ms bigint NOT NULL,"
    " generated_ms bigint NOT NULL,"
    " first_seen_ms bigint NOT NULL,"
    " n_pass bigint NOT NULL, n_fail bigint NOT NULL, n_warn bigint NOT NULL,"
    " n_skip bigint NOT NULL, n_error bigint NOT NULL, n_waived bigint NOT NULL,"
    " recent_ids bytea NOT NULL,"
    " owner text,"
    " retired_ms bigint NOT NULL DEFAULT 0) WITH (fillfactor = 80);"
    /* A host's packed rows (~2.4 KB, deflated already): kept in the row, never TOASTed. */
    "CREATE TABLE results (host bigint PRIMARY KEY, data bytea NOT NULL)"
    " WITH (fillfactor = 80, toast_tuple_target = 8160);"
    "ALTER TABLE results ALTER COLUMN data SET STORAGE MAIN;"
    "CREATE TABLE failing (check_id text COLLATE \"C\" NOT NULL, host bigint NOT NULL,"
    " PRIMARY KEY (check_id, host));"
    "CREATE TABLE drift ("
    " id bigint PRIMARY KEY,"
    " host bigint NOT NULL,"
    " n bigint NOT NULL,"
    " at_ms bigint NOT NULL,"
    " received_ms bigint NOT NULL,"
    " report_id bytea NOT NULL,"
    " events bytea NOT NULL);"
    "CREATE INDEX drift_received ON drift (received_ms);"
    "CREATE INDEX drift_host_id ON drift (host, id);"
    "CREATE TABLE drift_checks (check_id text COLLATE \"C\" NOT NULL, id bigint NOT NULL,"
    " PRIMARY KEY (check_id, id));"
    "CREATE SEQUENCE drift_ids INCREMENT BY 1048576;"
    "CREATE TABLE checks (check_id text COLLATE \"C\" PRIMARY KEY,"
    " failing_hosts bigint NOT NULL, regressions bigint NOT NULL,"
    " waived_hosts bigint NOT NULL DEFAULT 0);" REPORT_IDS_SQL;

/* Creates the schema, or checks its version, in one transaction. */
int pg_setup_schema(PGconn *c, char *err, size_t errlen)
{
    char sub[512], sql[160];
    if (pg_exec(c, "BEGIN", sub, sizeof(sub)) != 0)
        goto fail;
    snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%d)", PG_ADVISORY_KEY);
    if (pg_exec(c, sql, sub, sizeof(sub)) != 0 ||
        pg_exec(c,
                "CREATE TABLE IF NOT EXISTS dockward_schema (one integer PRIMARY KEY "
                "CHECK (one = 1), version integer NOT NULL)",
                sub, sizeof(sub)) != 0)
        goto fail;
    PGresult *r = PQexec(c, "SELECT version FROM dockward_schema");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        pg_message(c, r, sub, sizeof(sub));
        PQclear(r);
        goto fail;
    }
    long version = PQntuples(r) > 0 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    if (version > STORE_PG_SCHEMA_VERSION) {
        pg_exec(c, "ROLLBACK", sub, sizeof(sub));
        seterr(err, errlen,
               "the database has schema version %ld, newer than this dockward-store knows (%d)",
               version, STORE_PG_SCHEMA_VERSION);
        return -1;
    }
    if (version == 0) {
        snprintf(sql, sizeof(sql), "INSERT INTO dockward_schema (one, version) VALUES (1, %d)",
                 STORE_PG_SCHEMA_VERSION);
        if (pg_exec(c, schema_sql, sub, sizeof(sub)) != 0 || pg_exec(c, sql, sub, sizeof(sub)) != 0)
            goto fail;
    }
    /* Version 1 -> 2: drift_checks loses its index on id (retention deletes by the key). */
    if (version == 1 &&
        (pg_exec(c, "DROP INDEX IF EXISTS drift_checks_id", sub, sizeof(sub)) != 0 ||
         pg_exec(c, "UPDATE dockward_schema SET version = 2", sub, sizeof(sub)) != 0))
        goto fail;
    /* Version 2 -> 3: report_ids, filled from the hosts' rings. */
    if (version >= 1 && version < 3 &&
        (pg_exec(c, REPORT_IDS_SQL, sub, sizeof(sub)) != 0 ||
         pg_exec(c, REPORT_IDS_FILL, sub, sizeof(sub)) != 0 ||
         pg_exec(c, "UPDATE dockward_schema SET version = 3", sub, sizeof(sub)) != 0))
        goto fail;
    /* Later versions migrate here, step by step, in this transaction. */
    if (pg_exec(c, "COMMIT", sub, sizeof(sub)) != 0)
        goto fail;
    return 0;
fail:
    pg_exec(c, "ROLLBACK", NULL, 0);
    seterr(err, errlen, "PostgreSQL schema: %s", sub);
    return -1;
}
