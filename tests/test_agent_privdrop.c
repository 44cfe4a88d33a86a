/*
 * test_agent_privdrop.c - --run-as-user's pieces: the user lookup and its
 * refusals (unknown user, root by name and by uid, a caller that is not
 * root), the drop itself in a forked child (the child becomes nobody, then
 * must fail to get root back), and outbox_give_to (directory and files
 * handed to the user; a shared sticky or world-writable directory refused).
 * Runs as root (the suite does); as another user only the "needs root"
 * refusal can be tested, and the rest is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/outbox.h"
#include "daemon/privdrop.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_prepare_refusals(void **state)
{
    (void)state;
    struct privdrop_user u;
    char err[256];
    if (geteuid() != 0) {
        assert_int_equal(privdrop_prepare("nobody", &u, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "--run-as-user needs root to start"));
        skip();
    }
    assert_int_equal(privdrop_prepare("dw-no-such-user-x", &u, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no user \"dw-no-such-user-x\""));
    assert_int_equal(privdrop_prepare("root", &u, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "is root (uid 0)"));
    assert_int_equal(privdrop_prepare("0", &u, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "is root (uid 0)"));
    assert_int_equal(privdrop_prepare("4000000000", &u, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "has no entry"));
}

static void test_prepare_nobody(void **state)
{
    (void)state;
    struct passwd *pw = getpwnam("nobody");
    if (geteuid() != 0 || pw == NULL)
        skip();
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    struct privdrop_user u;
    char err[256], num[32];
    assert_int_equal(privdrop_prepare("nobody", &u, err, sizeof(err)), 0);
    assert_int_equal(u.uid, uid);
    assert_int_equal(u.gid, gid);
    assert_string_equal(u.name, "nobody");
    bool primary = false;
    for (size_t i = 0; i < u.n_groups; i++)
        primary |= u.groups[i] == gid;
    assert_true(primary);
    /* By uid: the same user, its name found for initgroups. */
    snprintf(num, sizeof(num), "%u", (unsigned)uid);
    assert_int_equal(privdrop_prepare(num, &u, err, sizeof(err)), 0);
    assert_string_equal(u.name, "nobody");
}

/* In a child: drop, then try every way back. Exit 0 only if all of it holds. */
static void test_apply_in_child(void **state)
{
    (void)state;
    if (geteuid() != 0 || getpwnam("nobody") == NULL)
        skip();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct privdrop_user u;
        char err[256];
        if (privdrop_prepare("nobody", &u, err, sizeof(err)) != 0)
            _exit(10);
        if (privdrop_apply(&u, err, sizeof(err)) != 0) {
            fprintf(stderr, "privdrop_apply: %s\n", err);
            _exit(11);
        }
        if (getuid() != u.uid || geteuid() != u.uid || getgid() != u.gid)
            _exit(12);
        if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
            _exit(13);
        /* A second drop from a non-root process must fail at once, not half-way. */
        if (privdrop_prepare("nobody", &u, err, sizeof(err)) == 0 ||
            strstr(err, "needs root") == NULL)
            _exit(14);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_give_outbox(void **state)
{
    (void)state;
    struct passwd *pw = getpwnam("nobody");
    if (geteuid() != 0 || pw == NULL)
        skip();
    char base[] = "/tmp/dockward-test-privdrop-XXXXXX";
    assert_non_null(mkdtemp(base));
    char dir[256], shared[256], path[512], err[512];
    snprintf(dir, sizeof(dir), "%s/agent", base);
    snprintf(shared, sizeof(shared), "%s/shared", base);

    struct outbox *ob = outbox_new(dir, 10, err, sizeof(err));
    assert_non_null(ob);
    assert_int_equal(outbox_open(ob, err, sizeof(err)), 0);
    assert_int_equal(outbox_give_to(ob, pw->pw_uid, pw->pw_gid, err, sizeof(err)), 0);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_uid, pw->pw_uid);
    snprintf(path, sizeof(path), "%s/outbox.db", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, pw->pw_uid);
    assert_int_equal(st.st_mode & 07777, 0600);
    snprintf(path, sizeof(path), "%s/outbox.lock", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, pw->pw_uid);
    outbox_close(ob);

    /* A directory others can write to (like /tmp) is never given away. */
    assert_int_equal(mkdir(shared, 0700), 0);
    assert_int_equal(chmod(shared, 01777), 0);
    ob = outbox_new(shared, 10, err, sizeof(err));
    assert_non_null(ob);
    assert_int_equal(outbox_give_to(ob, pw->pw_uid, pw->pw_gid, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "is shared (mode 1777)"));
    assert_int_equal(stat(shared, &st), 0);
    assert_int_equal(st.st_uid, 0);
    outbox_close(ob);

    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare_refusals),
        cmocka_unit_test(test_prepare_nobody),
        cmocka_unit_test(test_apply_in_child),
        cmocka_unit_test(test_give_outbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
