/*
 * test_file_permissions.c - the file_permissions collector (CIS section 3)
 * on the shared hardened and failing hosts, and on variations of them made
 * by each test: missing files, files that cannot be examined, the mode
 * masks at their edges, the socket's group, and the daemon.json and sockets
 * actually in use.
 *
 * Every assertion names the exact (check, target, status) and a piece of
 * the evidence, so a wrong path, a wrong status or a decimal mode comparison
 * each fail a test. On a mismatch the whole result set is printed.
 */
#include "../collectors/collector.h"
#include "../collectors/registry.h"
#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/case_table.h"
#include "tests/collector_harness.h"

#define DEFAULT_DOCKER_HOST "unix:///var/run/docker.sock"

/* ---- fixtures ------------------------------------------------------------ */

static int setup_hardened(void **state)
{
    return harness_fixture_setup(state, "hardened");
}

static int setup_failing(void **state)
{
    return harness_fixture_setup(state, "failing");
}

static void put_file(const struct fixture *fx, const char *hostpath, const char *data, size_t len,
                     mode_t mode, uid_t uid, gid_t gid)
{
    harness_put(fx, hostpath, data, len, mode, uid, gid);
}

#define PUT_TEXT(fx, path, text, mode) put_file((fx), (path), (text), strlen(text), (mode), 0, 0)
#define PUT_BYTES(fx, path, lit, mode) put_file((fx), (path), (lit), sizeof(lit) - 1, (mode), 0, 0)

static void set_mode(const struct fixture *fx, const char *hostpath, mode_t mode)
{
    char real[4096];
    harness_real_path(fx, hostpath, real, sizeof(real));
    if (chmod(real, mode) != 0)
        fail_msg("chmod %s: %s", real, strerror(errno));
}

static void set_owner(const struct fixture *fx, const char *hostpath, uid_t uid, gid_t gid)
{
    char real[4096];
    harness_real_path(fx, hostpath, real, sizeof(real));
    if (lchown(real, uid, gid) != 0)
        fail_msg("chown %s: %s", real, strerror(errno));
}

/* ---- running and asserting ---------------------------------------------- */

static void run(const struct fixture *fx, const char *docker_host, struct result_set *set)
{
    struct collect_ctx ctx = { .rootfs = fx->root, .docker_host = docker_host };
    char err[256];
    result_set_init(set);
    if (harness_collect_into(&collector_file_permissions, &ctx, set, err, sizeof(err)) != 0)
        fail_msg("collect failed: %s", err);
}

/* Asserts the only result of (check, target): its status and that its evidence contains `evidence`.
 */
static void expect(const struct result_set *set, const char *check, const char *target,
                   enum check_status status, const char *evidence)
{
    harness_expect(set, HARNESS_AT_TARGET | HARNESS_CONTAINS, check, target, status, evidence);
}

/* Asserts that no result of any check names `target`. */
static void expect_no_target(const struct result_set *set, const char *target)
{
    for (size_t i = 0; i < set->len; i++) {
        if (strcmp(set->items[i].target, target) == 0) {
            harness_dump(set);
            fail_msg("unexpected result for %s", target);
        }
    }
}

/* The verdicts of the cases file, tests/cases/file-permissions.txt. */
#define CASES "file-permissions.txt"

/* Reads a verdict's status (a case file's field); fails the test on an unknown one. */
static enum check_status status_of(const struct case_row *row, const char *name)
{
    enum check_status status;
    if (check_status_parse(name, &status) != 0)
        fail_msg("%s: no status %s", row->where, name);
    return status;
}

/* Asserts one verdict (check | target | status | evidence part, from field `first` of row) on
 * set; a mismatch names the case's line. */
static void expect_row(const struct result_set *set, const struct case_row *row, size_t first)
{
    char *const *f = row->field + first;
    const struct result *res = harness_only_at(set, f[0], f[1]);
    enum check_status status = status_of(row, f[2]);
    if (res->status != status || strstr(res->evidence, f[3]) == NULL) {
        harness_dump(set);
        fail_msg("%s: %s %s: got %s \"%s\", want %s \"%s\"", row->where, f[0], f[1],
                 check_status_name(res->status), res->evidence, f[2], f[3]);
    }
}

/* Asserts the verdicts of section `section` of the cases file on set; when exact, they are every
 * result set holds. */
static void expect_section(const struct result_set *set, const char *section, bool exact)
{
    struct case_table t;
    case_table_read(&t, CASES, section, 4);
    for (size_t i = 0; i < t.n; i++)
        expect_row(set, &t.rows[i], 0);
    if (exact && set->len != t.n) {
        harness_dump(set);
        fail_msg("%s: %zu results, want exactly %zu", section, set->len, t.n);
    }
    case_table_free(&t);
}

/* Runs the collector on fx (the default Docker host) and asserts section `section` on it. */
static void run_expect(const struct fixture *fx, const char *section, bool exact)
{
    struct result_set set;
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect_section(&set, section, exact);
    result_set_free(&set);
}

#define T_SERVICE "file/lib/systemd/system/docker.service"
#define T_JSON    "file/etc/docker/daemon.json"
#define T_CTRD    "file/run/containerd/containerd.sock"

/* ---- the catalog --------------------------------------------------------- */

static void test_catalog(void **state)
{
    (void)state;
    const struct collector *c = &collector_file_permissions;
    harness_expect_descriptor(c, "file_permissions", false, 24);
    for (size_t i = 0; i < c->n_checks; i++) {
        char id[32];
        snprintf(id, sizeof(id), "3.%zu", i + 1);
        assert_string_equal(c->checks[i].id, id);
        assert_string_equal(c->checks[i].section, "3");
        assert_int_equal(c->checks[i].level, 1);
        assert_true(c->checks[i].automated);
        assert_true(strlen(c->checks[i].title) > 10);
        assert_true(strlen(c->checks[i].remediation) > 10);
    }
    /* CIS's odd pair: 3.21 is the mode of /etc/sysconfig/docker, 3.22 its owner. */
    assert_non_null(strstr(c->checks[20].title, "mode"));
    assert_non_null(strstr(c->checks[21].title, "owned"));
}

/* ---- the shared hosts ---------------------------------------------------- */

static void test_hardened_all_pass(void **state)
{
    run_expect(*state, "hardened", true);
}

static void test_failing_every_check_fails(void **state)
{
    struct fixture *fx = *state;
    struct result_set set;
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect_section(&set, "failing", true);
    /* Every check of the catalog has at least one failing target. */
    for (size_t c = 0; c < collector_file_permissions.n_checks; c++) {
        const char *id = collector_file_permissions.checks[c].id;
        int failed = 0;
        for (size_t i = 0; i < set.len; i++)
            failed |= strcmp(set.items[i].check->id, id) == 0 && set.items[i].status == CHECK_FAIL;
        if (!failed) {
            harness_dump(&set);
            fail_msg("check %s has no failing target", id);
        }
    }
    /* Nothing the decoy daemon.json names was judged. */
    expect_no_target(&set, T_JSON);
    expect_no_target(&set, "file/etc/docker/decoy-tls/ca.pem");
    expect_no_target(&set, "file/etc/docker/decoy-tls/server-key.pem");
    expect_no_target(&set, T_SERVICE);
    result_set_free(&set);
}

/* ---- variations ---------------------------------------------------------- */

static void test_config_file_with_space(void **state)
{
    struct fixture *fx = *state;
    struct result_set set;
    /* "--config-file PATH" with a space in PATH: that file is judged. */
    PUT_BYTES(fx, "/proc/4242/cmdline",
              "/usr/sbin/dockerd\0--config-file\0/etc/docker/custom daemon.json\0", 0444);
    put_file(fx, "/etc/docker/custom daemon.json", "{}", 2, 0646, 0, 1);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect_section(&set, "config-file-with-space", false);
    assert_int_equal(harness_count(&set, "3.18"), 1);
    expect_no_target(&set, T_JSON);
    expect_no_target(&set, "file/etc/docker/custom-daemon.json");
    result_set_free(&set);
}

static void test_missing_files_skip(void **state)
{
    struct fixture *fx = *state;
    harness_remove(fx, "/etc/sysconfig/docker");
    harness_remove(fx, "/etc/default/docker");
    harness_remove(fx, "/etc/docker/tls/server-key.pem");
    harness_remove(fx, "/run/containerd/containerd.sock");
    harness_remove(fx, "/lib/systemd/system/docker.service");
    harness_remove(fx, "/etc/docker/certs.d/registry.example:5000/ca.crt");
    run_expect(fx, "missing-files", false);

    /* No certs.d at all, no daemon.json at all. */
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/etc/docker/certs.d'", fx->root);
    assert_int_equal(system(cmd), 0);
    harness_remove(fx, "/etc/docker/daemon.json");
    run_expect(fx, "no-certs-d-no-daemon-json", false);
}

static void test_tls_defaults(void **state)
{
    struct fixture *fx = *state;
    /* tlsverify without paths: dockerd's defaults under /root/.docker. */
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{\"tlsverify\": true}", 0644);
    char real[4096];
    harness_real_path(fx, "/root", real, sizeof(real));
    assert_true(mkdir(real, 0700) == 0 || errno == EEXIST);
    harness_real_path(fx, "/root/.docker", real, sizeof(real));
    assert_true(mkdir(real, 0700) == 0 || errno == EEXIST);
    PUT_TEXT(fx, "/root/.docker/ca.pem", "ca", 0444);
    put_file(fx, "/root/.docker/key.pem", "key", 3, 0600, 0, 0);
    run_expect(fx, "tls-defaults", false);

    /* --tlskey on the command line alone (TLS off) is still judged. */
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{}", 0644);
    PUT_BYTES(fx, "/proc/4242/cmdline", "/usr/sbin/dockerd\0--tlskey=/root/.docker/key.pem\0",
              0444);
    run_expect(fx, "tlskey-alone", false);
}

static void test_errors_not_directory_and_loop(void **state)
{
    struct fixture *fx = *state;
    struct result_set set;
    /* /etc/docker is a regular file: nothing under it can be examined. */
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/etc/docker'", fx->root);
    assert_int_equal(system(cmd), 0);
    PUT_TEXT(fx, "/etc/docker", "not a directory", 0644);
    /* A symbolic link loop where /etc/default/docker should be. */
    char real[4096];
    harness_real_path(fx, "/etc/default/docker", real, sizeof(real));
    assert_int_equal(unlink(real), 0);
    assert_int_equal(symlink("/etc/default/docker", real), 0);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect_section(&set, "not-a-directory-and-loop", false);
    /* ... while root:root would pass whatever the group. */
    set_owner(fx, "/run/docker.sock", 0, 0);
    result_set_free(&set);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.15", "file/run/docker.sock", CHECK_PASS, "owner root:root");
    /* Never a silent pass: nothing that could not be examined passed. */
    for (size_t i = 0; i < set.len; i++) {
        if (set.items[i].status == CHECK_PASS)
            assert_null(strstr(set.items[i].evidence, "failed"));
    }
    result_set_free(&set);
}

static void test_mode_masks(void **state)
{
    struct fixture *fx = *state;
    struct case_table t;
    /* path | mode | the verdict after the file is given that mode */
    case_table_read(&t, CASES, "mode-masks", 6);
    for (size_t i = 0; i < t.n; i++) {
        char *end;
        errno = 0;
        unsigned long mode = strtoul(t.rows[i].field[1], &end, 8);
        if (errno != 0 || *end != '\0' || mode > 07777)
            fail_msg("%s: not a mode: %s", t.rows[i].where, t.rows[i].field[1]);
        struct result_set set;
        set_mode(fx, t.rows[i].field[0], (mode_t)mode);
        run(fx, DEFAULT_DOCKER_HOST, &set);
        expect_row(&set, &t.rows[i], 2);
        result_set_free(&set);
    }
    case_table_free(&t);
}

static void test_socket_group(void **state)
{
    struct fixture *fx = *state;
    struct result_set set;
    /* root:root is stricter than root:docker. */
    set_owner(fx, "/run/docker.sock", 0, 0);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.15", "file/run/docker.sock", CHECK_PASS, "owner root:root");
    result_set_free(&set);
    /* Any other group fails. */
    set_owner(fx, "/run/docker.sock", 0, 1000);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.15", "file/run/docker.sock", CHECK_FAIL,
           "owner root:alice (uid 0, gid 1000), want root:docker");
    result_set_free(&set);
    /* dockerd -G names the group: alice's group is then right. */
    PUT_BYTES(fx, "/proc/4242/cmdline", "/usr/sbin/dockerd\0-H\0fd://\0-G\0alice\0", 0444);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.15", "file/run/docker.sock", CHECK_PASS, "owner root:alice");
    result_set_free(&set);
    /* A group the host does not know: cannot judge a non-root group. */
    PUT_BYTES(fx, "/proc/4242/cmdline", "/usr/sbin/dockerd\0-H\0fd://\0--group=dockerroot\0", 0444);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.15", "file/run/docker.sock", CHECK_ERROR, "not in /etc/group");
    result_set_free(&set);
    /* The owner matters as much as the group. */
    PUT_BYTES(fx, "/proc/4242/cmdline", "/usr/sbin/dockerd\0-H\0fd://\0", 0444);
    set_owner(fx, "/run/docker.sock", 1000, 998);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.15", "file/run/docker.sock", CHECK_FAIL,
           "owner alice:docker (uid 1000, gid 998), want root:docker");
    result_set_free(&set);
    /* No /etc/group and /etc/passwd: numbers, and a root-owned file still passes. */
    harness_remove(fx, "/etc/group");
    harness_remove(fx, "/etc/passwd");
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.15", "file/run/docker.sock", CHECK_ERROR, "1000:998 (uid 1000, gid 998)");
    expect(&set, "3.17", T_JSON, CHECK_PASS, "owner 0:0");
    result_set_free(&set);
}

static void test_sockets_in_use(void **state)
{
    struct fixture *fx = *state;
    struct result_set set;
    /* --docker.host naming another socket adds it. */
    run(fx, "unix:///run/agent-view.sock", &set);
    expect(&set, "3.15", "file/run/docker.sock", CHECK_PASS, "owner root:docker");
    expect(&set, "3.15", "file/run/agent-view.sock", CHECK_SKIP, "not present");
    assert_int_equal(harness_count(&set, "3.16"), 2);
    result_set_free(&set);
    /* A tcp --docker.host adds nothing; NULL neither. */
    run(fx, "tcp://127.0.0.1:2376", &set);
    assert_int_equal(harness_count(&set, "3.15"), 1);
    result_set_free(&set);
    run(fx, NULL, &set);
    assert_int_equal(harness_count(&set, "3.15"), 1);
    result_set_free(&set);
    /* dockerd on TCP only: no unix socket to judge. */
    PUT_BYTES(fx, "/proc/4242/cmdline", "/usr/sbin/dockerd\0-H\0tcp://0.0.0.0:2376\0", 0444);
    run(fx, "tcp://127.0.0.1:2376", &set);
    expect(&set, "3.15", "host", CHECK_SKIP, "no unix socket");
    expect(&set, "3.16", "host", CHECK_SKIP, "no unix socket");
    result_set_free(&set);
    /* The containerd socket dockerd is told to use. */
    PUT_BYTES(fx, "/proc/4242/cmdline",
              "/usr/sbin/dockerd\0--containerd\0/run/docker/containerd/containerd.sock\0", 0444);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.23", "file/run/docker/containerd/containerd.sock", CHECK_SKIP, "not present");
    expect_no_target(&set, T_CTRD);
    /* No host at all: the default socket, through /var/run. */
    expect(&set, "3.16", "file/var/run/docker.sock", CHECK_PASS, "mode 0660");
    assert_int_equal(harness_count(&set, "3.16"), 1);
    result_set_free(&set);
}

static void test_cannot_run(void **state)
{
    struct fixture *fx = *state;
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/proc'", fx->root);
    assert_int_equal(system(cmd), 0);
    PUT_TEXT(fx, "/proc", "not a directory", 0644);
    struct collect_ctx ctx = { .rootfs = fx->root, .docker_host = DEFAULT_DOCKER_HOST };
    struct result_set set;
    struct result_sink sink;
    char err[256] = "";
    result_set_init(&set);
    result_sink_init(&sink, &set, &collector_file_permissions);
    assert_int_equal(collector_file_permissions.collect(&ctx, &sink, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/proc"));
    assert_int_equal(set.len, 0);
    result_set_free(&set);
}

/* A test on a fresh copy of the hardened host. */
#define HARDENED(t) cmocka_unit_test_setup_teardown(t, setup_hardened, harness_fixture_teardown)
/* A test on a fresh copy of the failing host. */
#define FAILING(t) cmocka_unit_test_setup_teardown(t, setup_failing, harness_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog),
        HARDENED(test_hardened_all_pass),
        FAILING(test_failing_every_check_fails),
        FAILING(test_config_file_with_space),
        HARDENED(test_missing_files_skip),
        HARDENED(test_tls_defaults),
        HARDENED(test_errors_not_directory_and_loop),
        HARDENED(test_mode_masks),
        HARDENED(test_socket_group),
        HARDENED(test_sockets_in_use),
        HARDENED(test_cannot_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
