/*
 * test_store_pagecache.c - the page cache wrapper (store/pagecache.c) on a
 * real SQLite file with the store's page size and WAL: page splits (which
 * swap pages through the lock-byte page number) leave nothing that the end
 * of a transaction must drop, so those truncations are skipped; a rolled
 * back transaction that grew the file has pages past the end, so its
 * truncation is passed on, and what is read afterwards (by the same
 * connection and by another) is what was committed, with the file intact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/pagecache.h"
#include "tests/store_harness.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Inserts n rows with random-looking keys (splits in the middle of the index). */
static void insert_rows(sqlite3 *db, sqlite3_stmt *ins, unsigned *seed, int n)
{
    for (int i = 0; i < n; i++) {
        char key[32];
        *seed = *seed * 1103515245u + 12345u;
        snprintf(key, sizeof(key), "k%08x%04d", *seed, i);
        sqlite3_bind_text(ins, 1, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 2, 1);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
}

static void test_truncations_skipped_only_when_nothing_to_drop(void **state)
{
    (void)state;
    /* Installed before SQLite's first use in this process. */
    assert_true(store_pagecache_install());
    assert_true(store_pagecache_install()); /* once */

    struct store_scratch sc;
    store_scratch_make(&sc, "pagecache");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(sc.path, &db), SQLITE_OK);
    char pragmas[160];
    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA page_size = %d; PRAGMA journal_mode = WAL; PRAGMA cache_size = -8192;",
             STORE_DB_PAGE_SIZE);
    store_sql_ok(db, pragmas);
    store_sql_ok(db, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID");
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t (k, v) VALUES (?1, ?2)", -1, &ins, NULL),
                     SQLITE_OK);

    /* Transactions of splits: their ends have nothing past the end to drop. */
    unsigned seed = 7;
    struct store_pagecache_stats s0, s1, s2;
    store_pagecache_stats(&s0);
    for (int tx = 0; tx < 40; tx++) {
        store_sql_ok(db, "BEGIN IMMEDIATE");
        insert_rows(db, ins, &seed, 400);
        store_sql_ok(db, "COMMIT");
    }
    store_pagecache_stats(&s1);
    assert_true(s1.skipped >= s0.skipped + 40);
    long long pages = store_sql_int(db, "PRAGMA page_count");
    assert_true(pages > 300); /* the index split into hundreds of pages */

    /* A transaction that grew the file, rolled back: its new pages must go. */
    store_sql_ok(db, "BEGIN IMMEDIATE");
    insert_rows(db, ins, &seed, 3000);
    assert_true(store_sql_int(db, "PRAGMA page_count") > pages);
    store_sql_ok(db, "ROLLBACK");
    store_pagecache_stats(&s2);
    assert_true(s2.truncated > s1.truncated);
    assert_int_equal(store_sql_int(db, "PRAGMA page_count"), pages);

    /* The file grows again over the dropped page numbers: what is read is what was committed. */
    store_sql_ok(db, "BEGIN IMMEDIATE");
    insert_rows(db, ins, &seed, 2000);
    store_sql_ok(db, "COMMIT");
    sqlite3_finalize(ins);
    assert_int_equal(store_sql_int(db, "SELECT count(*) FROM t"), 40 * 400 + 2000);
    assert_int_equal(store_sql_int(db, "SELECT count(*) FROM t WHERE v = 1"), 40 * 400 + 2000);
    store_scratch_check(&sc, 40 * 400 + 2000); /* another connection */
    sqlite3_close(db);

    store_scratch_remove(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncations_skipped_only_when_nothing_to_drop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
