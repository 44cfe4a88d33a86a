/*
 * store_schema2.h - the tables of a schema-2 dockward-store database, as
 * that store's db.c created them (before schema 4 packed results and
 * drift), for tests that make such a database and let the store migrate it.
 */
#ifndef DOCKWARD_TESTS_STORE_SCHEMA2_H
#define DOCKWARD_TESTS_STORE_SCHEMA2_H

static const char store_schema2_sql[] =
    "CREATE TABLE hosts (id INTEGER PRIMARY KEY, host_id TEXT NOT NULL UNIQUE, "
    "hostname TEXT NOT NULL, agent_version TEXT NOT NULL, catalog_version TEXT NOT NULL, "
    "last_seq INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, generated_ms INTEGER NOT NULL, "
    "first_seen_ms INTEGER NOT NULL, n_pass INTEGER NOT NULL, n_fail INTEGER NOT NULL, "
    "n_warn INTEGER NOT NULL, n_skip INTEGER NOT NULL, n_error INTEGER NOT NULL, "
    "recent_ids BLOB NOT NULL);"
    "CREATE TABLE current (host INTEGER NOT NULL, check_id TEXT NOT NULL, target TEXT NOT NULL, "
    "status INTEGER NOT NULL, collector TEXT NOT NULL, evidence TEXT NOT NULL, "
    "since_ms INTEGER NOT NULL, prior INTEGER NOT NULL DEFAULT 0, "
    "PRIMARY KEY (host, check_id, target)) WITHOUT ROWID;"
    "CREATE INDEX current_failing ON current(check_id, host) WHERE status = 2;"
    "CREATE TABLE reports (report_id BLOB PRIMARY KEY, host INTEGER NOT NULL, "
    "sequence INTEGER NOT NULL, received_ms INTEGER NOT NULL, stale INTEGER NOT NULL) "
    "WITHOUT ROWID;"
    "CREATE TABLE drift (id INTEGER PRIMARY KEY AUTOINCREMENT, host INTEGER NOT NULL, "
    "check_id TEXT NOT NULL, target TEXT NOT NULL, from_status INTEGER NOT NULL, "
    "to_status INTEGER NOT NULL, at_ms INTEGER NOT NULL, report_id BLOB NOT NULL, "
    "regression INTEGER NOT NULL, received_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX drift_received ON drift(received_ms);"
    "CREATE INDEX drift_host_id ON drift(host, id);"
    "CREATE INDEX drift_check_id ON drift(check_id, id);"
    "CREATE TABLE checks (check_id TEXT PRIMARY KEY, failing_hosts INTEGER NOT NULL, "
    "regressions INTEGER NOT NULL) WITHOUT ROWID;"
    "PRAGMA application_id = 1685545330; PRAGMA user_version = 2;";

#endif
