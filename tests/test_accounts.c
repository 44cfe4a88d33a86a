/*
 * test_accounts.c - the /etc/passwd and /etc/group reader (collectors/accounts.c).
 *
 * The parsers are driven with text that holds every kind of line a real
 * host may have (comments, NIS compat lines, blank lines, CRLF, NUL bytes,
 * out-of-range ids) so each skip rule is pinned down; accounts_load is run
 * on the committed hardened and failing trees and on small trees built here
 * for the missing-file and unreadable-file cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/accounts.h"
#include "tests/collector_harness.h"
#include "tests/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Parses passwd and group (either may be NULL: not parsed) into a fresh *db; both must parse. */
static void parse_ok(struct account_db *db, const char *passwd, const char *group)
{
    memset(db, 0, sizeof(*db));
    if (passwd != NULL) {
        assert_int_equal(accounts_parse_passwd(db, passwd), 0);
        assert_int_equal(db->have_passwd, 1);
    }
    if (group != NULL) {
        assert_int_equal(accounts_parse_group(db, group), 0);
        assert_int_equal(db->have_group, 1);
    }
}

/* Asserts that db has the group name with gid and exactly the members listed (NULL-ended), found
 * alike by name and by gid. */
static void assert_group(const struct account_db *db, const char *name, gid_t gid,
                         const char *const *members)
{
    const struct account_group *g = accounts_group_by_name(db, name);
    assert_non_null(g);
    assert_ptr_equal(accounts_group_by_gid(db, gid), g);
    assert_int_equal(g->gid, gid);
    size_t n = 0;
    for (; members[n] != NULL; n++) {
        assert_true(n < g->n_members);
        assert_string_equal(g->members[n], members[n]);
    }
    assert_int_equal(g->n_members, n);
}

static void test_parse_passwd_good_and_bad_lines(void **state)
{
    (void)state;
    const char *text = "root:x:0:0:root:/root:/bin/bash\n"
                       "# a comment:x:5:5::/:/bin/sh\n"
                       "\n"
                       "   \n"
                       "+nisuser:x:7:7::/:/bin/sh\n"
                       "+\n"
                       "-blocked::::::\n"
                       "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\r\n"
                       "short:x:10\n"                               /* too few fields */
                       ":x:11:11::/:/bin/sh\n"                      /* empty name */
                       "neg:x:-1:1::/:/bin/sh\n"                    /* signed uid */
                       "big:x:4294967295:1::/:/bin/sh\n"            /* (uid_t)-1 */
                       "huge:x:99999999999999999999:1::/:/bin/sh\n" /* overflow */
                       "sp:x: 12:1::/:/bin/sh\n"                    /* blank in uid */
                       "hex:x:0x10:1::/:/bin/sh\n"
                       "empty:x::1::/:/bin/sh\n"
                       "many:x:13:13:a:b:c:d\n" /* 8 fields */
                       "four:x:14:15\n"         /* minimal: 4 fields */
                       "max:x:4294967294:998::/:/bin/sh\n"
                       "last:x:1003:998::/home/last:/bin/sh"; /* no final newline */
    struct account_db db;
    parse_ok(&db, text, NULL);
    /* The lines kept, in file order. */
    const struct account_user want[] = {
        { "root", 0, 0 },      { "daemon", 1, 1 }, { "four", 14, 15 }, { "max", 4294967294U, 998 },
        { "last", 1003, 998 },
    };
    assert_int_equal(db.n_users, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_string_equal(db.users[i].name, want[i].name);
        assert_int_equal(db.users[i].uid, want[i].uid);
        assert_int_equal(db.users[i].gid, want[i].gid);
    }
    assert_null(accounts_user_by_name(&db, "nisuser"));
    assert_null(accounts_user_by_name(&db, "+nisuser"));
    assert_null(accounts_user_by_name(&db, "hex"));
    accounts_free(&db);
    assert_int_equal(db.n_users, 0);
    assert_null(db.users);
}

static void test_parse_group_members(void **state)
{
    (void)state;
    const char *text = "root:x:0:\n"
                       "docker:x:998:alice, bob ,,carol,\n"
                       "nomembers:x:50\n"        /* 3 fields: no member list */
                       "bad:x:abc:alice\n"       /* gid not a number */
                       "toomany:x:51:a:b\n"      /* 5 fields */
                       "+:::\n"                  /* NIS */
                       "#docker:x:999:mallory\n" /* comment */
                       "docker:x:997:mallory\n"; /* duplicate name: first wins */
    struct account_db db;
    parse_ok(&db, NULL, text);
    assert_int_equal(db.n_groups, 4);

    assert_group(&db, "docker", 998, (const char *const[]){ "alice", "bob", "carol", NULL });
    assert_group(&db, "root", 0, (const char *const[]){ NULL });
    assert_group(&db, "nomembers", 50, (const char *const[]){ NULL });
    assert_null(accounts_group_by_name(&db, "bad"));
    assert_null(accounts_group_by_name(&db, "toomany"));
    const struct account_group *g = accounts_group_by_gid(&db, 997);
    assert_non_null(g);
    assert_string_equal(g->members[0], "mallory");
    accounts_free(&db);
}

/* Many entries, to run the tables through several growth steps. */
static void test_parse_many_entries(void **state)
{
    (void)state;
    char *passwd = malloc(1000 * 64);
    char *group = malloc(1000 * 64 + 1000 * 8);
    assert_non_null(passwd);
    assert_non_null(group);
    size_t pl = 0, gl = 0;
    for (int i = 0; i < 1000; i++) {
        pl += (size_t)snprintf(passwd + pl, 64, "user%d:x:%d:%d::/:/bin/sh\n", i, 2000 + i, i);
        gl += (size_t)snprintf(group + gl, 64, "group%d:x:%d:\n", i, i);
    }
    /* One group with 1000 members. */
    gl += (size_t)snprintf(group + gl, 32, "big:x:5000:");
    for (int i = 0; i < 1000; i++)
        gl += (size_t)snprintf(group + gl, 16, "%su%d", i ? "," : "", i);
    struct account_db db;
    parse_ok(&db, passwd, group);
    assert_int_equal(db.n_users, 1000);
    assert_int_equal(db.n_groups, 1001);
    assert_string_equal(accounts_user_by_uid(&db, 2999)->name, "user999");
    const struct account_group *g = accounts_group_by_name(&db, "big");
    assert_non_null(g);
    assert_int_equal(g->n_members, 1000);
    assert_string_equal(g->members[999], "u999");
    free(passwd);
    free(group);
    accounts_free(&db);
}

static void test_lookups_and_labels(void **state)
{
    (void)state;
    struct account_db db;
    parse_ok(&db, "root:x:0:0::/:/bin/sh\nalice:x:1000:998::/:/bin/sh\n",
             "root:x:0:\ndocker:x:998:alice\n");

    assert_string_equal(accounts_user_by_uid(&db, 1000)->name, "alice");
    assert_null(accounts_user_by_uid(&db, 1001));
    assert_int_equal(accounts_user_by_name(&db, "alice")->gid, 998);
    assert_null(accounts_user_by_name(&db, "alic"));
    assert_string_equal(accounts_group_by_gid(&db, 998)->name, "docker");
    assert_null(accounts_group_by_gid(&db, 999));
    assert_null(accounts_group_by_name(&db, "dockerd"));

    char out[32];
    assert_string_equal(accounts_user_label(&db, 0, out, sizeof(out)), "root");
    assert_string_equal(accounts_user_label(&db, 4242, out, sizeof(out)), "4242");
    assert_string_equal(accounts_group_label(&db, 998, out, sizeof(out)), "docker");
    assert_string_equal(accounts_group_label(&db, 4294967294U, out, sizeof(out)), "4294967294");
    /* Labels are cut to the buffer, never overrun it. */
    char small[4];
    assert_string_equal(accounts_group_label(&db, 998, small, sizeof(small)), "doc");
    assert_ptr_equal(accounts_user_label(&db, 1000, out, sizeof(out)), out);
    accounts_free(&db);
}

/* Fixture tests get a struct fixture as state (built by the test), so teardown removes it even
 * after a failed assert. */
static int setup_fixture(void **state)
{
    return harness_fixture_setup(state, NULL);
}

/* Reads the accounts of fx's tree into *db; fails the test when they cannot be read. */
static void load_ok(const struct fixture *fx, struct account_db *db)
{
    char err[256] = "";
    if (accounts_load(fx->root, db, err, sizeof(err)) != 0)
        fail_msg("accounts_load: %s", err);
}

/* Loads the committed tree's accounts: the docker group (998) has exactly members, only the user
 * primary (NULL: none) has it as primary group, and root and daemon have their usual ids. */
static void load_committed_tree(struct fixture *fx, const char *tree, const char *const *members,
                                const char *primary)
{
    harness_build_named(fx, tree);
    struct account_db db;
    load_ok(fx, &db);
    assert_int_equal(db.have_passwd, 1);
    assert_int_equal(db.have_group, 1);
    assert_group(&db, "docker", 998, members);
    for (size_t i = 0; i < db.n_users; i++)
        if (primary == NULL || strcmp(db.users[i].name, primary) != 0)
            assert_int_not_equal(db.users[i].gid, 998);
    if (primary != NULL)
        assert_int_equal(accounts_user_by_name(&db, primary)->gid, 998);
    assert_int_equal(accounts_user_by_name(&db, "root")->uid, 0);
    assert_int_equal(accounts_group_by_name(&db, "daemon")->gid, 1);
    accounts_free(&db);
    fixture_destroy(fx);
}

static void test_load_hardened(void **state)
{
    load_committed_tree(*state, "hardened", (const char *const[]){ "alice", NULL }, NULL);
}

static void test_load_failing(void **state)
{
    load_committed_tree(*state, "failing", (const char *const[]){ "alice", "mallory", NULL },
                        "eve");
}

static void test_load_missing_files(void **state)
{
    struct fixture *fx = *state;
    harness_build_text(fx, "dir /etc 0755 0 0\n");
    struct account_db db;
    load_ok(fx, &db);
    assert_int_equal(db.have_passwd, 0);
    assert_int_equal(db.have_group, 0);
    assert_int_equal(db.n_users, 0);
    assert_int_equal(db.n_groups, 0);
    assert_null(accounts_group_by_name(&db, "docker"));
    char out[16];
    assert_string_equal(accounts_user_label(&db, 0, out, sizeof(out)), "0");
    accounts_free(&db);
    fixture_destroy(fx);

    /* Only /etc/group present. */
    harness_build_text(fx, "file /etc/group 0644 0 0 =docker:x:998:alice\\n\n");
    load_ok(fx, &db);
    assert_int_equal(db.have_passwd, 0);
    assert_int_equal(db.have_group, 1);
    assert_int_equal(accounts_group_by_name(&db, "docker")->gid, 998);
    accounts_free(&db);
    fixture_destroy(fx);
}

/* A file that exists but cannot be read is an error, not an empty table. */
static void test_load_unreadable(void **state)
{
    struct fixture *fx = *state;
    struct account_db db;
    char err[256] = "";

    /* A directory where /etc/group should be. */
    harness_build_text(
        fx, "file /etc/passwd 0644 0 0 =root:x:0:0::/:/bin/sh\\n\ndir /etc/group 0755 0 0\n");
    assert_int_equal(accounts_load(fx->root, &db, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/etc/group"));
    assert_non_null(strstr(err, "not a regular file"));
    assert_int_equal(db.n_users, 0); /* left empty on failure */
    assert_null(db.users);
    fixture_destroy(fx);

    /* A FIFO planted as /etc/passwd must not hang the read. */
    err[0] = '\0';
    harness_build_text(fx, "fifo /etc/passwd 0644 0 0\n");
    assert_int_equal(accounts_load(fx->root, &db, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/etc/passwd"));
    fixture_destroy(fx);

    /* Over the cap. */
    harness_build_text(fx, "file /etc/passwd 0644 0 0\n");
    char big[4096];
    int n = snprintf(big, sizeof(big), "%s/etc/passwd", fx->root);
    assert_true(n > 0 && (size_t)n < sizeof(big));
    assert_int_equal(truncate(big, (off_t)ACCOUNTS_FILE_MAX + 1), 0);
    err[0] = '\0';
    assert_int_equal(accounts_load(fx->root, &db, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "larger than"));
    fixture_destroy(fx);
}

/* A NUL byte ends its line only; later lines still count (as for glibc). */
static void test_load_nul_in_line(void **state)
{
    struct fixture *fx = *state;
    harness_build_text(
        fx, "file /etc/group 0644 0 0 =docker:x:998:alice\\0,mallory\\nother:x:5:eve\\n\n");
    struct account_db db;
    load_ok(fx, &db);
    assert_group(&db, "docker", 998, (const char *const[]){ "alice", NULL });
    assert_group(&db, "other", 5, (const char *const[]){ "eve", NULL });
    accounts_free(&db);
    fixture_destroy(fx);
}

/* A test that builds a fixture, removed after it. */
#define FX(t) cmocka_unit_test_setup_teardown(t, setup_fixture, harness_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_passwd_good_and_bad_lines),
        cmocka_unit_test(test_parse_group_members),
        cmocka_unit_test(test_parse_many_entries),
        cmocka_unit_test(test_lookups_and_labels),
        FX(test_load_hardened),
        FX(test_load_failing),
        FX(test_load_missing_files),
        FX(test_load_unreadable),
        FX(test_load_nul_in_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
