/*
 * store_harness.h - what the store's unit tests share beside the report
 * builder (test_store_build.h): a fresh database path and the removal of a
 * database's files (-wal and -shm too), a writer opened on a fresh path for
 * a cmocka setup, a built report decoded as a push is, and a scratch
 * directory and SQL run on a plain connection (the page cache and WAL
 * tests). Header-only
 * (static inline); include it after <cmocka.h> and test_store_build.h.
 */
#ifndef DOCKWARD_TEST_STORE_HARNESS_H
#define DOCKWARD_TEST_STORE_HARNESS_H

#include "store/db.h"
#include "test_store_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Makes path (a mkstemp template, "/tmp/...-XXXXXX") a fresh name where no file is yet. */
static inline int store_tmp_path(char *path)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(path);
    return 0;
}

/* Removes the database at path with its -wal and -shm files; what is missing is ignored. */
static inline void store_remove_db_files(const char *path)
{
    static const char *const suffixes[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < 3; i++) {
        char p[4160];
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

/*
 * For a cmocka setup: opens the writer on a fresh path made from template
 * (which it overwrites, at most pathlen bytes) into *db. Returns 0, or -1
 * with the reason on stderr.
 */
static inline int store_open_tmp(char *path, size_t pathlen, const char *template,
                                 struct store_db **db)
{
    char err[256] = "";
    snprintf(path, pathlen, "%s", template);
    if (store_tmp_path(path) != 0 ||
        store_db_open(path, STORE_DB_WRITER, db, err, sizeof(err)) != 0) {
        print_error("%s: %s\n", path, err);
        return -1;
    }
    return 0;
}

/* A test's database: its path and the writer open on it. */
struct store_dbfix {
    char path[64];
    struct store_db *db;
};

/*
 * cmocka setup: the state is a zeroed struct of `size` bytes whose first
 * member is a struct store_dbfix, with the writer open on a fresh path made
 * from template. Returns -1 (the reason on stderr) when it cannot be opened.
 */
static inline int store_db_setup(void **state, size_t size, const char *template)
{
    struct store_dbfix *f = calloc(1, size);
    if (f == NULL || store_open_tmp(f->path, sizeof(f->path), template, &f->db) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* cmocka teardown for store_db_setup: closes the writer, removes the files, frees the state. */
static inline int store_db_teardown(void **state)
{
    struct store_dbfix *f = *state;
    store_db_close(f->db);
    store_remove_db_files(f->path);
    free(f);
    return 0;
}

/* Packs and decodes t; fails the test (printing why) unless the store accepts it. The caller frees.
 */
static inline struct store_report *tb_decode_ok(const struct tb *t)
{
    struct store_report *r = NULL;
    char err[512] = "";
    enum report_decode_result rc = tb_decode(t, &r, err, sizeof(err));
    if (rc != REPORT_OK)
        print_error("refused: %s\n", err);
    assert_int_equal(rc, REPORT_OK);
    return r;
}

/* Runs sql on db; fails the test (printing why) unless it succeeds. */
static inline void store_sql_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        print_error("%s: %s\n", sql, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

/* The integer in the first column of sql's first row. */
static inline long long store_sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* PRAGMA integrity_check answers "ok". */
static inline void store_sql_integrity_ok(sqlite3 *db)
{
    sqlite3_stmt *chk;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &chk, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(chk), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(chk, 0), "ok");
    sqlite3_finalize(chk);
}

/*
 * A scratch directory with a database name in it, for the tests that open
 * SQLite themselves (the page cache and WAL tests): store_scratch_make
 * makes the directory, store_scratch_remove removes the database's files
 * and the directory.
 */
struct store_scratch {
    char dir[64];   /* /tmp/dockward-test-NAME-XXXXXX */
    char path[128]; /* dir/t.db, not created */
};

/*
 * Makes sc->dir for the test called name and names sc->path in it; fails
 * the test when the directory cannot be made (a name too long for dir
 * leaves no XXXXXX at the end of the template, and mkdtemp fails too).
 */
static inline void store_scratch_make(struct store_scratch *sc, const char *name)
{
    snprintf(sc->dir, sizeof(sc->dir), "/tmp/dockward-test-%s-XXXXXX", name);
    assert_non_null(mkdtemp(sc->dir));
    snprintf(sc->path, sizeof(sc->path), "%s/t.db", sc->dir);
}

/* Removes sc's database with its -wal and -shm files, then its directory. */
static inline void store_scratch_remove(const struct store_scratch *sc)
{
    store_remove_db_files(sc->path);
    rmdir(sc->dir);
}

/*
 * A new connection (the default VFS, which reads the file) on sc's
 * database finds `rows` rows in its table t, and PRAGMA integrity_check
 * answers "ok": what was committed is in the file, whole.
 */
static inline void store_scratch_check(const struct store_scratch *sc, long long rows)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(sc->path, &db), SQLITE_OK);
    assert_int_equal(store_sql_int(db, "SELECT count(*) FROM t"), rows);
    store_sql_integrity_ok(db);
    sqlite3_close(db);
}

#endif
