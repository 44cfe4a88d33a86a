/*
 * test_store_walbuf.c - the VFS that gathers WAL appends (store/walbuf.c)
 * on a real SQLite file with the store's page size, WAL and
 * synchronous=FULL: a commit's frames reach the file in a few writes
 * instead of two per page; every commit is seen whole by another
 * connection (of the default VFS, which reads the file) as soon as it
 * returns; a transaction bigger than the page cache (whose pages SQLite
 * writes to the WAL and reads back before the commit) and one rolled back
 * after that leave exactly what was committed; and a process that dies
 * without closing (kill -9) loses nothing it committed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/pagecache.h"
#include "store/walbuf.h"
#include "tests/store_harness.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static sqlite3 *open_walbuf(const char *path, int cache_kib)
{
    sqlite3 *db = NULL;
    assert_int_equal(
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        STORE_WALBUF_VFS),
        SQLITE_OK);
    char pragmas[200];
    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA page_size = %d; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
             "PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -%d;",
             STORE_DB_PAGE_SIZE, cache_kib);
    store_sql_ok(db, pragmas);
    return db;
}

/* n rows of ~300 bytes with keys spread over the index (pages split in the middle). */
static void insert_rows(sqlite3 *db, unsigned *seed, int n)
{
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t (k, v) VALUES (?1, ?2)", -1, &ins, NULL),
                     SQLITE_OK);
    char v[300];
    memset(v, 'v', sizeof(v));
    for (int i = 0; i < n; i++) {
        char key[32];
        *seed = *seed * 1103515245u + 12345u;
        snprintf(key, sizeof(key), "k%08x%05d", *seed, i);
        sqlite3_bind_text(ins, 1, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(ins, 2, v, sizeof(v), SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
}

static void test_commits_gathered_and_seen_whole(void **state)
{
    (void)state;
    (void)store_pagecache_install(); /* as the store does: before SQLite's first use */
    assert_true(store_walbuf_install());
    assert_true(store_walbuf_install()); /* once */

    struct store_scratch sc;
    store_scratch_make(&sc, "walbuf");
    sqlite3 *db = open_walbuf(sc.path, 8192);
    store_sql_ok(db, "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
    sqlite3 *other = NULL; /* the default VFS: reads what is in the file */
    assert_int_equal(sqlite3_open(sc.path, &other), SQLITE_OK);

    /* Each commit is whole in the file when COMMIT returns, in far fewer writes than frames. */
    unsigned seed = 11;
    struct store_walbuf_stats s0, s1;
    store_walbuf_stats(&s0);
    for (int tx = 1; tx <= 30; tx++) {
        store_sql_ok(db, "BEGIN IMMEDIATE");
        insert_rows(db, &seed, 200);
        store_sql_ok(db, "COMMIT");
        assert_int_equal(store_sql_int(other, "SELECT count(*) FROM t"), tx * 200);
    }
    store_walbuf_stats(&s1);
    uint64_t writes = s1.writes - s0.writes, flushes = s1.flushes - s0.flushes;
    print_message("30 commits: %llu WAL writes in %llu flushes\n", (unsigned long long)writes,
                  (unsigned long long)flushes);
    assert_true(writes > 30 * 100);      /* two per frame, tens of frames per commit */
    assert_true(flushes * 50 <= writes); /* one write per 120 KiB gathered, and one per commit */

    /* Larger than the page cache: frames written and read back inside the transaction. */
    sqlite3_close(db);
    db = open_walbuf(sc.path, 64);
    store_sql_ok(db, "BEGIN IMMEDIATE");
    insert_rows(db, &seed, 4000);
    store_sql_ok(db, "UPDATE t SET v = zeroblob(310) WHERE k < 'k4'");
    store_sql_ok(db, "COMMIT");
    long long rows = store_sql_int(other, "SELECT count(*) FROM t");
    assert_int_equal(rows, 30 * 200 + 4000);
    assert_int_equal(store_sql_int(other, "SELECT count(*) FROM t WHERE length(v) = 310"),
                     store_sql_int(db, "SELECT count(*) FROM t WHERE k < 'k4'"));

    /* The same, rolled back: nothing of it stays. */
    store_sql_ok(db, "BEGIN IMMEDIATE");
    insert_rows(db, &seed, 4000);
    store_sql_ok(db, "ROLLBACK");
    assert_int_equal(store_sql_int(db, "SELECT count(*) FROM t"), rows);
    assert_int_equal(store_sql_int(other, "SELECT count(*) FROM t"), rows);

    /* A checkpoint that rewinds the WAL, then more commits over its start. */
    assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL),
                     SQLITE_OK);
    store_sql_ok(db, "BEGIN IMMEDIATE");
    insert_rows(db, &seed, 500);
    store_sql_ok(db, "COMMIT");
    assert_int_equal(store_sql_int(other, "SELECT count(*) FROM t"), rows + 500);
    store_sql_integrity_ok(other);
    sqlite3_close(db);
    sqlite3_close(other); /* no connection of ours crosses the fork */

    /* Killed without closing: what it committed is there. */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        sqlite3 *c = NULL;
        if (sqlite3_open_v2(sc.path, &c, SQLITE_OPEN_READWRITE, STORE_WALBUF_VFS) != SQLITE_OK ||
            sqlite3_exec(c, "PRAGMA synchronous = FULL; BEGIN IMMEDIATE", NULL, NULL, NULL) !=
                SQLITE_OK)
            _exit(1);
        insert_rows(c, &seed, 700);
        if (sqlite3_exec(c, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            _exit(1);
        kill(getpid(), SIGKILL);
        _exit(1);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    store_scratch_check(&sc, rows + 500 + 700);

    store_scratch_remove(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commits_gathered_and_seen_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
