/*
 * test_agent_outbox.c - the SQLite outbox: oldest-first order, delete and
 * drop, the per-host sequence (allocated in the enqueue's transaction, kept
 * across a reopen, not consumed by a failed build), the cap dropping the
 * oldest and counting it, file and directory modes, WAL mode, a second
 * agent on the same directory refused, and clear errors (not crashes) for a
 * corrupt file, a read-only filesystem and a storage path that cannot be a
 * directory - with recovery once fixed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/outbox.h"

/* Sequences in these tests start at 1 instead of the clock (see outbox_set_first_sequence). */
static struct outbox *outbox_new_from_1(const char *dir, uint64_t max, char *err, size_t errlen)
{
    struct outbox *ob = outbox_new(dir, max, err, errlen);
    if (ob != NULL)
        outbox_set_first_sequence(ob, 1);
    return ob;
}
#define outbox_new outbox_new_from_1

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

struct builder {
    int calls;
    bool fail;
    uint64_t last_seq;
};

/* Body "report-<seq>", report id = 16 bytes of the sequence's low byte. */
static int build(void *ctx, uint64_t seq, uint8_t rid[REPORT_ID_LEN], uint8_t **body, size_t *len,
                 char *err, size_t errlen)
{
    struct builder *b = ctx;
    b->calls++;
    b->last_seq = seq;
    if (b->fail) {
        snprintf(err, errlen, "builder says no");
        return -1;
    }
    memset(rid, (int)(seq & 0xff), REPORT_ID_LEN);
    char text[64];
    int n = snprintf(text, sizeof(text), "report-%llu", (unsigned long long)seq);
    *body = malloc((size_t)n);
    assert_non_null(*body);
    memcpy(*body, text, (size_t)n);
    *len = (size_t)n;
    return 0;
}

/* A test's state: its temporary directory, and the builder and error buffer its calls share. */
struct tmp {
    char base[64];
    char dir[128]; /* <base>/state/outbox: missing parents on purpose */
    char err[512];
    struct builder b;
};

/*
 * cmocka setup: the state is a fresh temporary directory (struct tmp, its
 * builder zeroed), removed by tmp_teardown.
 */
static int tmp_setup(void **state)
{
    struct tmp *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    snprintf(t->base, sizeof(t->base), "/tmp/dockward-outbox-XXXXXX");
    if (mkdtemp(t->base) == NULL) {
        free(t);
        return -1;
    }
    snprintf(t->dir, sizeof(t->dir), "%s/state/outbox", t->base);
    *state = t;
    return 0;
}

static int tmp_teardown(void **state)
{
    struct tmp *t = *state;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->base);
    int rc = system(cmd);
    free(t);
    return rc == 0 ? 0 : -1;
}

static uint64_t enqueue(struct outbox *ob, const char *host, struct builder *b)
{
    char err[512];
    uint64_t seq = 0;
    if (outbox_enqueue(ob, host, build, b, &seq, err, sizeof(err)) != 0)
        fail_msg("enqueue failed: %s", err);
    return seq;
}

static void expect_oldest(struct outbox *ob, uint64_t seq, struct outbox_item *item)
{
    char err[512];
    char want[64];
    int rc = outbox_peek_oldest(ob, item, err, sizeof(err));
    if (rc != 1)
        fail_msg("peek: %d %s", rc, err);
    assert_int_equal(item->sequence, seq);
    int n = snprintf(want, sizeof(want), "report-%llu", (unsigned long long)seq);
    assert_int_equal(item->len, (size_t)n);
    assert_memory_equal(item->body, want, (size_t)n);
    assert_int_equal(item->report_id[0], seq & 0xff);
    assert_int_equal(item->report_id[REPORT_ID_LEN - 1], seq & 0xff);
}

/* The outbox under test: in the test's directory, room for max reports; fails unless made. */
static struct outbox *new_outbox(struct tmp *t, uint64_t max)
{
    struct outbox *ob = outbox_new(t->dir, max, t->err, sizeof(t->err));
    if (ob == NULL)
        print_error("outbox_new: %s\n", t->err);
    assert_non_null(ob);
    return ob;
}

static void test_order_delete_and_modes(void **state)
{
    struct tmp *t = *state;
    struct outbox *ob = new_outbox(t, 100);
    assert_int_equal(enqueue(ob, "host-a", &t->b), 1);
    assert_int_equal(enqueue(ob, "host-a", &t->b), 2);
    assert_int_equal(enqueue(ob, "host-a", &t->b), 3);

    struct stat st;
    assert_int_equal(stat(t->dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char parent[160];
    snprintf(parent, sizeof(parent), "%s/state", t->base);
    assert_int_equal(stat(parent, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(outbox_path(ob), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    uint64_t n = 0;
    assert_int_equal(outbox_count(ob, &n, t->err, sizeof(t->err)), 0);
    assert_int_equal(n, 3);

    struct outbox_item item;
    expect_oldest(ob, 1, &item);
    assert_int_equal(item.attempts, 0);
    assert_true(item.created_ms > 1600000000000LL);
    assert_int_equal(outbox_delete(ob, item.id, t->err, sizeof(t->err)), 0);
    /* A row already gone (say, dropped for overflow meanwhile) is fine. */
    assert_int_equal(outbox_delete(ob, item.id, t->err, sizeof(t->err)), 0);
    outbox_item_free(&item);

    expect_oldest(ob, 2, &item);
    assert_int_equal(outbox_note_attempt(ob, item.id, 123, t->err, sizeof(t->err)), 0);
    assert_int_equal(outbox_note_attempt(ob, item.id, 456, t->err, sizeof(t->err)), 0);
    outbox_item_free(&item);
    expect_oldest(ob, 2, &item);
    assert_int_equal(item.attempts, 2);
    assert_int_equal(outbox_drop(ob, item.id, OUTBOX_DROP_REJECTED, t->err, sizeof(t->err)), 0);
    outbox_item_free(&item);

    expect_oldest(ob, 3, &item);
    assert_int_equal(outbox_delete(ob, item.id, t->err, sizeof(t->err)), 0);
    outbox_item_free(&item);
    assert_int_equal(outbox_peek_oldest(ob, &item, t->err, sizeof(t->err)), 0);

    struct outbox_stats s;
    outbox_stats_read(ob, &s);
    assert_true(s.open);
    assert_int_equal(s.reports, 0);
    assert_int_equal(s.dropped[OUTBOX_DROP_REJECTED], 1);
    assert_int_equal(s.dropped[OUTBOX_DROP_OVERFLOW], 0);
    assert_int_equal(s.errors, 0);
    assert_int_equal(s.last_sequence, 3);

    /* WAL mode, as another connection sees it. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(outbox_path(ob), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);

    outbox_close(ob);
}

/* A host's first sequence comes from the clock, so a wiped agent still sorts after its past. */
static void test_first_sequence_is_the_clock(void **state)
{
    struct tmp *t = *state;
    struct outbox *ob = new_outbox(t, 100);
    outbox_set_first_sequence(ob, 0); /* the default, undoing the tests' 1 */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t now_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    uint64_t first = enqueue(ob, "host-a", &t->b);
    assert_true(first >= now_ms && first < now_ms + 60000);
    assert_int_equal(enqueue(ob, "host-a", &t->b), first + 1);
    outbox_close(ob);
}

static void test_sequence_survives_reopen(void **state)
{
    struct tmp *t = *state;
    struct outbox *ob = new_outbox(t, 100);
    assert_int_equal(enqueue(ob, "host-a", &t->b), 1);
    assert_int_equal(enqueue(ob, "host-a", &t->b), 2);
    /* Delivering everything does not reset the counter. */
    struct outbox_item item;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(outbox_peek_oldest(ob, &item, t->err, sizeof(t->err)), 1);
        assert_int_equal(outbox_delete(ob, item.id, t->err, sizeof(t->err)), 0);
        outbox_item_free(&item);
    }
    assert_int_equal(enqueue(ob, "host-a", &t->b), 3);
    outbox_close(ob);

    ob = new_outbox(t, 100);
    assert_int_equal(outbox_open(ob, t->err, sizeof(t->err)), 0);
    struct outbox_stats s;
    outbox_stats_read(ob, &s);
    assert_int_equal(s.reports, 1); /* the queued report survived */
    assert_int_equal(s.last_sequence, 3);
    assert_int_equal(enqueue(ob, "host-a", &t->b), 4);
    /* Per host: another machine id starts at 1. */
    assert_int_equal(enqueue(ob, "host-b", &t->b), 1);
    assert_int_equal(enqueue(ob, "host-a", &t->b), 5);
    expect_oldest(ob, 3, &item);
    outbox_item_free(&item);

    /* A failed build rolls back: nothing queued, the sequence is not consumed, not counted. */
    t->b.fail = true;
    uint64_t seq = 99;
    assert_int_equal(outbox_enqueue(ob, "host-a", build, &t->b, &seq, t->err, sizeof(t->err)), -1);
    assert_string_equal(t->err, "builder says no");
    assert_int_equal(seq, 99);
    assert_int_equal(t->b.last_seq, 6);
    t->b.fail = false;
    assert_int_equal(enqueue(ob, "host-a", &t->b), 6);
    outbox_stats_read(ob, &s);
    assert_int_equal(s.reports, 5);
    assert_int_equal(s.errors, 0);

    /* An invalid host id never reaches SQL. */
    assert_int_equal(outbox_enqueue(ob, "a'b", build, &t->b, NULL, t->err, sizeof(t->err)), -1);
    assert_non_null(strstr(t->err, "invalid host id"));
    outbox_close(ob);
}

static void test_cap_drops_oldest(void **state)
{
    struct tmp *t = *state;
    assert_null(outbox_new(t->dir, 0, t->err, sizeof(t->err)));
    assert_non_null(strstr(t->err, "out of 1..1000000"));
    struct outbox *ob = new_outbox(t, 3);
    for (int i = 1; i <= 5; i++)
        assert_int_equal(enqueue(ob, "h", &t->b), (uint64_t)i);
    uint64_t n = 0;
    assert_int_equal(outbox_count(ob, &n, t->err, sizeof(t->err)), 0);
    assert_int_equal(n, 3);
    struct outbox_stats s;
    outbox_stats_read(ob, &s);
    assert_int_equal(s.reports, 3);
    assert_int_equal(s.dropped[OUTBOX_DROP_OVERFLOW], 2);
    struct outbox_item item;
    expect_oldest(ob, 3, &item); /* 1 and 2 went */
    outbox_item_free(&item);
    outbox_close(ob);

    /* A lower cap at the next start applies at the next enqueue. */
    ob = new_outbox(t, 1);
    assert_int_equal(enqueue(ob, "h", &t->b), 6);
    outbox_stats_read(ob, &s);
    assert_int_equal(s.reports, 1);
    assert_int_equal(s.dropped[OUTBOX_DROP_OVERFLOW], 3);
    expect_oldest(ob, 6, &item);
    outbox_item_free(&item);
    outbox_close(ob);
}

static void test_corrupt_file(void **state)
{
    struct tmp *t = *state;
    struct outbox *ob = new_outbox(t, 10);
    assert_int_equal(outbox_open(ob, t->err, sizeof(t->err)), 0); /* creates the directory */
    outbox_close(ob);
    char wal[256];
    snprintf(wal, sizeof(wal), "%s/outbox.db-wal", t->dir);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s/outbox.db-shm", t->dir);
    unlink(wal);

    ob = new_outbox(t, 10);
    int fd = open(outbox_path(ob), O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    char junk[8192];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 7 + 3);
    assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
    close(fd);

    assert_int_equal(outbox_open(ob, t->err, sizeof(t->err)), -1);
    assert_non_null(strstr(t->err, outbox_path(ob)));
    assert_non_null(strstr(t->err, "not a database"));
    assert_int_equal(outbox_enqueue(ob, "h", build, &t->b, NULL, t->err, sizeof(t->err)), -1);
    assert_non_null(strstr(t->err, "not a database"));
    struct outbox_item item;
    assert_int_equal(outbox_peek_oldest(ob, &item, t->err, sizeof(t->err)), -1);
    uint64_t n;
    assert_int_equal(outbox_count(ob, &n, t->err, sizeof(t->err)), -1);
    struct outbox_stats s;
    outbox_stats_read(ob, &s);
    assert_false(s.open);
    assert_int_equal(s.errors, 4);
    assert_int_equal(t->b.calls, 0);

    /* Fixed by an operator: the next call opens a fresh file. */
    assert_int_equal(unlink(outbox_path(ob)), 0);
    assert_int_equal(enqueue(ob, "h", &t->b), 1);
    outbox_close(ob);
}

static void test_read_only_and_bad_paths(void **state)
{
    struct tmp *t = *state;
    struct outbox *ob = new_outbox(t, 10);
    assert_int_equal(enqueue(ob, "h", &t->b), 1);
    outbox_close(ob);

    /* The storage directory on a read-only filesystem (root ignores modes, so mount it). */
    assert_int_equal(mount(t->dir, t->dir, NULL, MS_BIND, NULL), 0);
    if (mount(NULL, t->dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) {
        umount(t->dir);
        fail_msg("cannot remount %s read-only", t->dir);
    }
    ob = new_outbox(t, 10);
    int rc = outbox_open(ob, t->err, sizeof(t->err));
    outbox_close(ob); /* its lock file is open on the mount: close before unmounting */
    assert_int_equal(umount(t->dir), 0);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(t->err, "Read-only file system"));
    assert_non_null(strstr(t->err, "outbox.db"));
    /* Writable again: it opens and the queued report is still there. */
    ob = new_outbox(t, 10);
    assert_int_equal(enqueue(ob, "h", &t->b), 2);
    struct outbox_item item;
    expect_oldest(ob, 1, &item);
    outbox_item_free(&item);
    outbox_close(ob);

    /* A storage path below a regular file. */
    char file[100], below[160];
    snprintf(file, sizeof(file), "%s/plain", t->base);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(below, sizeof(below), "%s/sub", file);
    ob = outbox_new(below, 10, t->err, sizeof(t->err));
    assert_int_equal(outbox_open(ob, t->err, sizeof(t->err)), -1);
    assert_non_null(strstr(t->err, "cannot create the storage directory"));
    assert_non_null(strstr(t->err, "Not a directory"));
    outbox_close(ob);

    /* outbox.db itself a directory. */
    char dbdir[100];
    snprintf(dbdir, sizeof(dbdir), "%s/odd", t->base);
    assert_int_equal(mkdir(dbdir, 0700), 0);
    snprintf(below, sizeof(below), "%s/outbox.db", dbdir);
    assert_int_equal(mkdir(below, 0700), 0);
    ob = outbox_new(dbdir, 10, t->err, sizeof(t->err));
    assert_int_equal(outbox_open(ob, t->err, sizeof(t->err)), -1);
    assert_non_null(strstr(t->err, "outbox.db"));
    outbox_close(ob);
}

static void test_existing_file_mode_tightened(void **state)
{
    struct tmp *t = *state;
    char path[192];
    snprintf(path, sizeof(path), "%s/state", t->base);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(mkdir(t->dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/outbox.db", t->dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    fchmod(fd, 0644);
    close(fd);
    struct outbox *ob = new_outbox(t, 10);
    assert_int_equal(outbox_open(ob, t->err, sizeof(t->err)), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    outbox_close(ob);
}

static void test_second_agent_refused(void **state)
{
    struct tmp *t = *state;
    struct outbox *first = new_outbox(t, 10);
    struct outbox *second = new_outbox(t, 10);
    assert_int_equal(enqueue(first, "h", &t->b), 1);
    assert_int_equal(outbox_open(second, t->err, sizeof(t->err)), -1);
    assert_non_null(strstr(t->err, "in use by another dockward"));
    assert_non_null(strstr(t->err, t->dir));
    assert_int_equal(outbox_enqueue(second, "h", build, &t->b, NULL, t->err, sizeof(t->err)), -1);
    outbox_close(first);
    /* Once the first has gone, the second takes over the queue and the counter. */
    assert_int_equal(enqueue(second, "h", &t->b), 2);
    outbox_close(second);
}

/* A test in a fresh temporary directory. */
#define IN_TMP(test) cmocka_unit_test_setup_teardown(test, tmp_setup, tmp_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        IN_TMP(test_order_delete_and_modes),
        IN_TMP(test_sequence_survives_reopen),
        IN_TMP(test_first_sequence_is_the_clock),
        IN_TMP(test_cap_drops_oldest),
        IN_TMP(test_corrupt_file),
        IN_TMP(test_read_only_and_bad_paths),
        IN_TMP(test_existing_file_mode_tightened),
        IN_TMP(test_second_agent_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
