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

struct expected {
    const char *check;
    const char *target;
    enum check_status status;
    const char *evidence;
};

static void expect_all(const struct result_set *set, const struct expected *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect(set, e[i].check, e[i].target, e[i].status, e[i].evidence);
    if (set->len != n) {
        harness_dump(set);
        fail_msg("%zu results, want exactly %zu", set->len, n);
    }
}

#define T_SERVICE "file/lib/systemd/system/docker.service"
#define T_SOCKET  "file/lib/systemd/system/docker.socket"
#define T_REGCERT "file/etc/docker/certs.d/registry.example:5000/ca.crt"
#define T_CA      "file/etc/docker/tls/ca.pem"
#define T_CERT    "file/etc/docker/tls/server-cert.pem"
#define T_KEY     "file/etc/docker/tls/server-key.pem"
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
    struct fixture *fx = *state;
    struct result_set set;
    run(fx, DEFAULT_DOCKER_HOST, &set);
    static const struct expected want[] = {
        { "3.1", T_SERVICE, CHECK_PASS, "owner root:root" },
        { "3.2", T_SERVICE, CHECK_PASS, "mode 0644" },
        { "3.3", T_SOCKET, CHECK_PASS, "owner root:root" },
        { "3.4", T_SOCKET, CHECK_PASS, "mode 0644" },
        { "3.5", "file/etc/docker", CHECK_PASS, "owner root:root" },
        { "3.6", "file/etc/docker", CHECK_PASS, "mode 0755" },
        { "3.7", T_REGCERT, CHECK_PASS, "owner root:root" },
        { "3.8", T_REGCERT, CHECK_PASS, "mode 0444" },
        { "3.9", T_CA, CHECK_PASS, "owner root:root" },
        { "3.10", T_CA, CHECK_PASS, "mode 0444" },
        { "3.11", T_CERT, CHECK_PASS, "owner root:root" },
        { "3.12", T_CERT, CHECK_PASS, "mode 0444" },
        { "3.13", T_KEY, CHECK_PASS, "owner root:root" },
        { "3.14", T_KEY, CHECK_PASS, "mode 0400" },
        /* docker.socket's ListenStream (dockerd runs -H fd://); --docker.host
         * names the same file through /var/run -> /run: judged once. */
        { "3.15", "file/run/docker.sock", CHECK_PASS, "owner root:docker" },
        { "3.16", "file/run/docker.sock", CHECK_PASS, "mode 0660" },
        { "3.17", T_JSON, CHECK_PASS, "owner root:root" },
        { "3.18", T_JSON, CHECK_PASS, "mode 0644" },
        { "3.19", "file/etc/default/docker", CHECK_PASS, "owner root:root" },
        { "3.20", "file/etc/default/docker", CHECK_PASS, "mode 0644" },
        { "3.21", "file/etc/sysconfig/docker", CHECK_PASS, "mode 0644" },
        { "3.22", "file/etc/sysconfig/docker", CHECK_PASS, "owner root:root" },
        { "3.23", T_CTRD, CHECK_PASS, "owner root:root" },
        { "3.24", T_CTRD, CHECK_PASS, "mode 0660" },
    };
    expect_all(&set, want, ARRAY_LEN(want));
    result_set_free(&set);
}

static void test_failing_every_check_fails(void **state)
{
    struct fixture *fx = *state;
    struct result_set set;
    run(fx, DEFAULT_DOCKER_HOST, &set);
#define T_OVERRIDE "file/etc/systemd/system/docker.service"
#define T_CUSTOM   "file/etc/docker/custom-daemon.json"
#define T_CLIENT   "file/etc/docker/certs.d/registry.example:5000/client.cert"
    static const struct expected want[] = {
        /* The /etc override, not the good unit in /lib; 0477 as a mask. */
        { "3.1", T_OVERRIDE, CHECK_FAIL, "owner daemon:daemon (uid 1, gid 1), want root:root" },
        { "3.2", T_OVERRIDE, CHECK_FAIL, "mode 0477, want 0644 or stricter" },
        { "3.3", T_SOCKET, CHECK_FAIL, "owner root:daemon (uid 0, gid 1), want root:root" },
        { "3.4", T_SOCKET, CHECK_FAIL, "mode 0666, want 0644 or stricter" },
        { "3.5", "file/etc/docker", CHECK_FAIL,
          "owner daemon:root (uid 1, gid 0), want root:root" },
        { "3.6", "file/etc/docker", CHECK_FAIL, "mode 0777, want 0755 or stricter" },
        { "3.7", T_REGCERT, CHECK_FAIL, "owner daemon:daemon (uid 1, gid 1), want root:root" },
        { "3.8", T_REGCERT, CHECK_FAIL, "mode 0644, want 0444 or stricter" },
        { "3.7", T_CLIENT, CHECK_PASS, "owner root:root" },
        { "3.8", T_CLIENT, CHECK_PASS, "mode 0444" },
        /* TLS paths from custom-daemon.json and (tlskey) the command line. */
        { "3.9", T_CA, CHECK_FAIL, "owner daemon:root (uid 1, gid 0), want root:root" },
        { "3.10", T_CA, CHECK_FAIL, "mode 0644, want 0444 or stricter" },
        { "3.11", T_CERT, CHECK_FAIL, "owner root:daemon (uid 0, gid 1), want root:root" },
        { "3.12", T_CERT, CHECK_FAIL, "mode 0666, want 0444 or stricter" },
        { "3.13", T_KEY, CHECK_FAIL, "owner daemon:daemon (uid 1, gid 1), want root:root" },
        { "3.14", T_KEY, CHECK_FAIL, "mode 0644, want 0400" },
        { "3.15", "file/var/run/docker.sock", CHECK_FAIL,
          "owner daemon:daemon (uid 1, gid 1), want root:docker" },
        { "3.16", "file/var/run/docker.sock", CHECK_FAIL, "mode 0666, want 0660 or stricter" },
        /* The daemon.json named by "--config-file PATH", not the decoy. */
        { "3.17", T_CUSTOM, CHECK_FAIL, "owner daemon:daemon (uid 1, gid 1), want root:root" },
        { "3.18", T_CUSTOM, CHECK_FAIL, "mode 0477, want 0644 or stricter" },
        { "3.19", "file/etc/default/docker", CHECK_FAIL,
          "owner daemon:daemon (uid 1, gid 1), want root:root" },
        { "3.20", "file/etc/default/docker", CHECK_FAIL, "mode 0666, want 0644 or stricter" },
        { "3.21", "file/etc/sysconfig/docker", CHECK_FAIL, "mode 0664, want 0644 or stricter" },
        { "3.22", "file/etc/sysconfig/docker", CHECK_FAIL,
          "owner daemon:root (uid 1, gid 0), want root:root" },
        { "3.23", T_CTRD, CHECK_FAIL, "owner root:daemon (uid 0, gid 1), want root:root" },
        { "3.24", T_CTRD, CHECK_FAIL, "mode 0666, want 0660 or stricter" },
    };
    expect_all(&set, want, ARRAY_LEN(want));
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
    expect(&set, "3.17", "file/etc/docker/custom daemon.json", CHECK_FAIL,
           "owner root:daemon (uid 0, gid 1), want root:root");
    expect(&set, "3.18", "file/etc/docker/custom daemon.json", CHECK_FAIL,
           "mode 0646, want 0644 or stricter");
    assert_int_equal(harness_count(&set, "3.18"), 1);
    expect_no_target(&set, T_JSON);
    expect_no_target(&set, T_CUSTOM);
    /* No TLS on this command line nor in the new daemon.json: skipped. */
    expect(&set, "3.9", "host", CHECK_SKIP, "TLS not configured");
    expect(&set, "3.14", "host", CHECK_SKIP, "TLS not configured");
    result_set_free(&set);
}

static void test_missing_files_skip(void **state)
{
    struct fixture *fx = *state;
    struct result_set set;
    harness_remove(fx, "/etc/sysconfig/docker");
    harness_remove(fx, "/etc/default/docker");
    harness_remove(fx, "/etc/docker/tls/server-key.pem");
    harness_remove(fx, "/run/containerd/containerd.sock");
    harness_remove(fx, "/lib/systemd/system/docker.service");
    harness_remove(fx, "/etc/docker/certs.d/registry.example:5000/ca.crt");
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.21", "file/etc/sysconfig/docker", CHECK_SKIP, "not present");
    expect(&set, "3.22", "file/etc/sysconfig/docker", CHECK_SKIP, "not present");
    expect(&set, "3.19", "file/etc/default/docker", CHECK_SKIP, "not present");
    expect(&set, "3.20", "file/etc/default/docker", CHECK_SKIP, "not present");
    expect(&set, "3.13", T_KEY, CHECK_SKIP, "not present");
    expect(&set, "3.14", T_KEY, CHECK_SKIP, "not present");
    expect(&set, "3.23", T_CTRD, CHECK_SKIP, "not present");
    expect(&set, "3.24", T_CTRD, CHECK_SKIP, "not present");
    expect(&set, "3.1", "host", CHECK_SKIP, "no docker.service unit file");
    expect(&set, "3.2", "host", CHECK_SKIP, "no docker.service unit file");
    expect(&set, "3.7", "file/etc/docker/certs.d", CHECK_SKIP, "no registry certificate files");
    expect(&set, "3.8", "file/etc/docker/certs.d", CHECK_SKIP, "no registry certificate files");
    /* The rest still passes. */
    expect(&set, "3.9", T_CA, CHECK_PASS, "owner root:root");
    expect(&set, "3.16", "file/run/docker.sock", CHECK_PASS, "mode 0660");
    result_set_free(&set);

    /* No certs.d at all, no daemon.json at all. */
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/etc/docker/certs.d'", fx->root);
    assert_int_equal(system(cmd), 0);
    harness_remove(fx, "/etc/docker/daemon.json");
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.7", "file/etc/docker/certs.d", CHECK_SKIP, "not present");
    expect(&set, "3.17", T_JSON, CHECK_SKIP, "not present");
    expect(&set, "3.18", T_JSON, CHECK_SKIP, "not present");
    /* daemon.json held the TLS settings: without it TLS is off. */
    expect(&set, "3.10", "host", CHECK_SKIP, "TLS not configured");
    result_set_free(&set);
}

static void test_tls_defaults(void **state)
{
    struct fixture *fx = *state;
    struct result_set set;
    /* tlsverify without paths: dockerd's defaults under /root/.docker. */
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{\"tlsverify\": true}", 0644);
    char real[4096];
    harness_real_path(fx, "/root", real, sizeof(real));
    assert_true(mkdir(real, 0700) == 0 || errno == EEXIST);
    harness_real_path(fx, "/root/.docker", real, sizeof(real));
    assert_true(mkdir(real, 0700) == 0 || errno == EEXIST);
    PUT_TEXT(fx, "/root/.docker/ca.pem", "ca", 0444);
    put_file(fx, "/root/.docker/key.pem", "key", 3, 0600, 0, 0);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.9", "file/root/.docker/ca.pem", CHECK_PASS, "owner root:root");
    expect(&set, "3.10", "file/root/.docker/ca.pem", CHECK_PASS, "mode 0444");
    expect(&set, "3.11", "file/root/.docker/cert.pem", CHECK_SKIP, "not present");
    expect(&set, "3.14", "file/root/.docker/key.pem", CHECK_FAIL, "mode 0600, want 0400");
    result_set_free(&set);

    /* --tlskey on the command line alone (TLS off) is still judged. */
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{}", 0644);
    PUT_BYTES(fx, "/proc/4242/cmdline", "/usr/sbin/dockerd\0--tlskey=/root/.docker/key.pem\0",
              0444);
    run(fx, DEFAULT_DOCKER_HOST, &set);
    expect(&set, "3.13", "file/root/.docker/key.pem", CHECK_PASS, "owner root:root");
    expect(&set, "3.9", "host", CHECK_SKIP, "TLS not configured");
    expect(&set, "3.11", "host", CHECK_SKIP, "TLS not configured");
    result_set_free(&set);
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
    /* /etc/docker itself is still judged (it exists, with its owner and mode). */
    expect(&set, "3.5", "file/etc/docker", CHECK_PASS, "owner root:root");
    expect(&set, "3.6", "file/etc/docker", CHECK_PASS, "mode 0644");
    expect(&set, "3.7", "file/etc/docker/certs.d", CHECK_ERROR, "listing failed: Not a directory");
    expect(&set, "3.8", "file/etc/docker/certs.d", CHECK_ERROR, "listing failed: Not a directory");
    expect(&set, "3.17", T_JSON, CHECK_ERROR, "stat failed: Not a directory");
    expect(&set, "3.18", T_JSON, CHECK_ERROR, "stat failed: Not a directory");
    expect(&set, "3.19", "file/etc/default/docker", CHECK_ERROR,
           "stat failed: Too many levels of symbolic links");
    expect(&set, "3.20", "file/etc/default/docker", CHECK_ERROR,
           "stat failed: Too many levels of symbolic links");
    /* daemon.json could not be read: whether TLS is on cannot be told. */
    expect(&set, "3.13", "host", CHECK_ERROR, "daemon.json could not be read");
    /* Its group setting is unknown, but a socket owned by root:docker... */
    expect(&set, "3.15", "file/run/docker.sock", CHECK_ERROR, "could not be read");
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
    static const struct {
        const char *path;
        const char *check;
        const char *target;
        mode_t mode;
        enum check_status status;
        const char *evidence;
    } cases[] = {
        /* 0644 or stricter, as a mask. */
        { "/etc/docker/daemon.json", "3.18", T_JSON, 0644, CHECK_PASS, "mode 0644" },
        { "/etc/docker/daemon.json", "3.18", T_JSON, 0600, CHECK_PASS, "mode 0600" },
        { "/etc/docker/daemon.json", "3.18", T_JSON, 0440, CHECK_PASS, "mode 0440" },
        { "/etc/docker/daemon.json", "3.18", T_JSON, 0000, CHECK_PASS, "mode 0000" },
        { "/etc/docker/daemon.json", "3.18", T_JSON, 0477, CHECK_FAIL,
          "mode 0477, want 0644 or stricter" },
        { "/etc/docker/daemon.json", "3.18", T_JSON, 0645, CHECK_FAIL,
          "mode 0645, want 0644 or stricter" },
        { "/etc/docker/daemon.json", "3.18", T_JSON, 0744, CHECK_FAIL,
          "mode 0744, want 0644 or stricter" },
        { "/etc/docker/daemon.json", "3.18", T_JSON, 0664, CHECK_FAIL,
          "mode 0664, want 0644 or stricter" },
        /* Special bits are outside every mask. */
        { "/etc/docker/daemon.json", "3.18", T_JSON, 04644, CHECK_FAIL,
          "mode 4644, want 0644 or stricter" },
        { "/etc/docker/daemon.json", "3.18", T_JSON, 01644, CHECK_FAIL,
          "mode 1644, want 0644 or stricter" },
        /* 0755 or stricter for the directory; 0711 < 755 and a mask too. */
        { "/etc/docker", "3.6", "file/etc/docker", 0711, CHECK_PASS, "mode 0711" },
        { "/etc/docker", "3.6", "file/etc/docker", 0575, CHECK_FAIL,
          "mode 0575, want 0755 or stricter" },
        /* 0660 for the socket: 0606 is less than 660 as a number, and fails. */
        { "/run/docker.sock", "3.16", "file/run/docker.sock", 0606, CHECK_FAIL,
          "mode 0606, want 0660 or stricter" },
        { "/run/docker.sock", "3.16", "file/run/docker.sock", 0600, CHECK_PASS, "mode 0600" },
        /* The key: exactly 0400. */
        { "/etc/docker/tls/server-key.pem", "3.14", T_KEY, 0400, CHECK_PASS, "mode 0400" },
        { "/etc/docker/tls/server-key.pem", "3.14", T_KEY, 0600, CHECK_FAIL,
          "mode 0600, want 0400" },
        { "/etc/docker/tls/server-key.pem", "3.14", T_KEY, 0440, CHECK_FAIL,
          "mode 0440, want 0400" },
        { "/etc/docker/tls/server-key.pem", "3.14", T_KEY, 0000, CHECK_FAIL,
          "mode 0000, want 0400" },
        /* 0444 or stricter for certificates. */
        { "/etc/docker/tls/ca.pem", "3.10", T_CA, 0400, CHECK_PASS, "mode 0400" },
        { "/etc/docker/tls/ca.pem", "3.10", T_CA, 0454, CHECK_FAIL,
          "mode 0454, want 0444 or stricter" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct result_set set;
        set_mode(fx, cases[i].path, cases[i].mode);
        run(fx, DEFAULT_DOCKER_HOST, &set);
        expect(&set, cases[i].check, cases[i].target, cases[i].status, cases[i].evidence);
        result_set_free(&set);
    }
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
