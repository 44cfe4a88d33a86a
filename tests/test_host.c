/*
 * test_host.c - CIS 1.1.1, 1.1.3-1.1.18 and 1.2.1 (collectors/host.c).
 *
 * Runs the collector on the committed hardened and failing hosts and on
 * small Debian-like trees written here (dockerd running as
 * /usr/sbin/dockerd, /var/run a link to /run), each with its own audit
 * rules, to pin down what counts as a rule: watches and always,exit path/dir
 * rules in audit.rules and rules.d/ *.rules; never a `never` rule, a rule
 * for /usr/bin/dockerd when the daemon is /usr/sbin/dockerd, or a file that
 * does not end in .rules. 1.1.1 is run on a tmpfs (own device: pass), on a
 * bind mount of the data root onto itself (a mount point, but no filesystem
 * of its own: fail), on a plain directory, and on recorded mountinfo tables
 * (dockerd's /proc/<pid>/mountinfo): a partition under dockerd's self bind
 * (pass), a bind (fail), a data root with its own st_dev but no mount (a
 * btrfs subvolume: fail); the data root comes from /info's DockerRootDir.
 * 1.2.2 is judged from sweeps built here: a version with its build age, a
 * version without build time, a missing version, and the API down (the
 * other checks must still run).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/docker.h"
#include "collectors/registry.h"
#include "tests/collector_harness.h"
#include "tests/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run {
    struct harness_run h;
    const struct docker_sweep *docker; /* handed to the collector; NULL: not queried */
    double now;
};

static void collect(struct run *r)
{
    struct collect_ctx ctx = {
        .docker_host = "unix:///var/run/docker.sock",
        .docker = r->docker,
        .now = r->now,
    };
    harness_collect_ok(&r->h, &collector_host, &ctx);
}

static void run_text(struct run *r, const char *manifest)
{
    harness_build_text(&r->h.fx, manifest);
    collect(r);
}

static int setup(void **state)
{
    return harness_setup(state, sizeof(struct run));
}

/* Asserts check `id`: target, status, and evidence exactly (NULL: not compared). */
static void expect(const struct run *r, const char *id, const char *target,
                   enum check_status status, const char *evidence)
{
    harness_expect(&r->h.set, HARNESS_EXACT, id, target, status, evidence);
}

/* Asserts check `id` has `status` and evidence containing `part`. */
static void expect_has(const struct run *r, const char *id, enum check_status status,
                       const char *part)
{
    harness_expect(&r->h.set, HARNESS_CONTAINS, id, NULL, status, part);
}

/*
 * A Debian-like host: dockerd runs as /usr/sbin/dockerd (pid 999), socket
 * activated, /var/run -> /run; containerd, its v2 shim and runc installed;
 * no /etc/default/docker, /etc/sysconfig/docker, containerd-shim or v1 shim.
 * No audit rules: each test adds its own.
 */
#define DEBIAN_HOST                                                      \
    "dir /etc/docker 0755 0 0\n"                                         \
    "file /etc/docker/daemon.json 0644 0 0 ={\"log-level\": \"info\"}\n" \
    "dir /run 0755 0 0\n"                                                \
    "link /var/run /run\n"                                               \
    "sock /run/docker.sock 0660 0 998\n"                                 \
    "dir /run/containerd 0711 0 0\n"                                     \
    "sock /run/containerd/containerd.sock 0660 0 0\n"                    \
    "file /lib/systemd/system/docker.service 0644 0 0 "                  \
    "=[Service]\\nExecStart=/usr/sbin/dockerd\\n\n"                      \
    "file /lib/systemd/system/docker.socket 0644 0 0 "                   \
    "=[Socket]\\nListenStream=/run/docker.sock\\n\n"                     \
    "file /usr/sbin/dockerd 0755 0 0 =dockerd\\n\n"                      \
    "file /usr/bin/containerd 0755 0 0 =containerd\\n\n"                 \
    "file /usr/bin/containerd-shim-runc-v2 0755 0 0 =shim\\n\n"          \
    "file /usr/sbin/runc 0755 0 0 =runc\\n\n"                            \
    "file /etc/containerd/config.toml 0644 0 0 =version = 2\\n\n"        \
    "dir /var/lib/docker 0710 0 0\n"                                     \
    "file /proc/1/comm 0444 0 0 =systemd\\n\n"                           \
    "file /proc/999/comm 0444 0 0 =dockerd\\n\n"                         \
    "file /proc/999/cmdline 0444 0 0 =/usr/sbin/dockerd\\0-H\\0fd://\\0" \
    "--containerd=/run/containerd/containerd.sock\\0\n"                  \
    "link /proc/999/exe /usr/sbin/dockerd\n"

/* Rules covering every path of DEBIAN_HOST, in both forms and both places. */
#define DEBIAN_RULES_D                                                                       \
    "file /etc/audit/rules.d/docker.rules 0640 0 0 =# Docker (CIS 1.1)\\n"                   \
    "-w /usr/sbin/dockerd -p rwxa -k docker\\n"                                              \
    "-w /run/containerd -k docker\\n"                                                        \
    "-w /var/lib/docker/ -k docker\\n"                                                       \
    "\\n"                                                                                    \
    "-w /etc/docker -k docker\\n"                                                            \
    "-w /lib/systemd/system/docker.service -k docker\\n"                                     \
    "-w /lib/systemd/system/docker.socket -k docker\\n"                                      \
    "-w /etc/docker/daemon.json -k docker\\n\n"                                              \
    "file /etc/audit/audit.rules 0640 0 0 =-D\\n-b 8192\\n"                                  \
    "-a always,exit -F arch=b64 -S all -F path=/run/containerd/containerd.sock -k docker\\n" \
    "-a exit,always -F path=/etc/containerd/config.toml -F perm=wa -k docker\\n"             \
    "-A always,exit -F path=/usr/bin/containerd -k docker\\n"                                \
    "-a always,exit -F path=/usr/bin/containerd-shim-runc-v2 -k docker\\n"                   \
    "-a always,exit -F path=/usr/sbin/runc -k docker\\n"                                     \
    "-e 2\\n\n"

static void test_descriptor(void **state)
{
    (void)state;
    static const char *const ids[] = { "1.1.1",  "1.1.3",  "1.1.4",  "1.1.5",  "1.1.6",
                                       "1.1.7",  "1.1.8",  "1.1.9",  "1.1.10", "1.1.11",
                                       "1.1.12", "1.1.13", "1.1.14", "1.1.15", "1.1.16",
                                       "1.1.17", "1.1.18", "1.2.1",  "1.2.2" };
    const struct collector *c = &collector_host;
    harness_expect_descriptor(c, "host", true, ARRAY_LEN(ids));
    for (size_t i = 0; i < ARRAY_LEN(ids); i++) {
        const struct check_def *d = &c->checks[i];
        assert_string_equal(d->id, ids[i]);
        assert_string_equal(d->section, "1");
        /* CIS v1.6.0: 1.1.1-1.1.6, 1.2.1 and 1.2.2 are level 1, the other audit checks
         * level 2; 1.2.x are manual. */
        int general = strncmp(ids[i], "1.2.", 4) == 0;
        assert_int_equal(d->level, (i <= 4 || general) ? 1 : 2);
        assert_int_equal(d->automated, !general);
        harness_expect_check_words(d);
    }
    assert_int_equal(c->n_options, 0);
    /* 1.2.2 reads the API; the collector still runs without it. */
    assert_true(c->needs_docker);
}

/* Every existing path has a rule: pass naming file:line; absent paths skip. */
static void test_all_rules(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST DEBIAN_RULES_D);
    expect(r, "1.1.3", "file/usr/sbin/dockerd", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:2: -w /usr/sbin/dockerd");
    expect(r, "1.1.4", "file/run/containerd", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:3: -w /run/containerd");
    expect(r, "1.1.5", "file/var/lib/docker", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:4: -w /var/lib/docker");
    expect(r, "1.1.6", "file/etc/docker", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:6: -w /etc/docker");
    expect(r, "1.1.7", "file/lib/systemd/system/docker.service", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:7: -w "
           "/lib/systemd/system/docker.service");
    expect(r, "1.1.8", "file/run/containerd/containerd.sock", CHECK_PASS,
           "audit rule at /etc/audit/audit.rules:3: -F path=/run/containerd/containerd.sock");
    expect(r, "1.1.9", "file/lib/systemd/system/docker.socket", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:8: -w /lib/systemd/system/docker.socket");
    expect(r, "1.1.10", "file/etc/default/docker", CHECK_SKIP, "/etc/default/docker not present");
    expect(r, "1.1.11", "file/etc/docker/daemon.json", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:9: -w /etc/docker/daemon.json");
    expect(r, "1.1.12", "file/etc/containerd/config.toml", CHECK_PASS,
           "audit rule at /etc/audit/audit.rules:4: -F path=/etc/containerd/config.toml");
    expect(r, "1.1.13", "file/etc/sysconfig/docker", CHECK_SKIP,
           "/etc/sysconfig/docker not present");
    expect(r, "1.1.14", "file/usr/bin/containerd", CHECK_PASS,
           "audit rule at /etc/audit/audit.rules:5: -F path=/usr/bin/containerd");
    expect(r, "1.1.15", "host", CHECK_SKIP, "no containerd-shim binary found on the host");
    expect(r, "1.1.16", "host", CHECK_SKIP, "no containerd-shim-runc-v1 binary found on the host");
    expect(r, "1.1.17", "file/usr/bin/containerd-shim-runc-v2", CHECK_PASS,
           "audit rule at /etc/audit/audit.rules:6: -F path=/usr/bin/containerd-shim-runc-v2");
    expect(r, "1.1.18", "file/usr/sbin/runc", CHECK_PASS,
           "audit rule at /etc/audit/audit.rules:7: -F path=/usr/sbin/runc");
    expect(r, "1.2.1", "host", CHECK_WARN, "manual check: review host hardening (CIS 1.2.1)");
    expect(r, "1.2.2", "host", CHECK_ERROR, "Docker API unavailable: the API was not queried");
    /* A plain directory on the tree's own device: not a separate partition. */
    expect_has(r, "1.1.1", CHECK_FAIL, "not a separate partition");
    assert_int_equal(r->h.set.len, 19);
}

/* No rules anywhere: every existing path fails and says there are no rule files. */
static void test_no_rules(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST);
    static const char *const failing[] = {
        "1.1.3", "1.1.4",  "1.1.5",  "1.1.6",  "1.1.7",  "1.1.8",
        "1.1.9", "1.1.11", "1.1.12", "1.1.14", "1.1.17", "1.1.18"
    };
    for (size_t i = 0; i < ARRAY_LEN(failing); i++)
        expect_has(r, failing[i], CHECK_FAIL,
                   "(no /etc/audit/audit.rules or /etc/audit/rules.d/*.rules)");
    expect(r, "1.1.3", "file/usr/sbin/dockerd", CHECK_FAIL,
           "no audit rule for /usr/sbin/dockerd (no /etc/audit/audit.rules or "
           "/etc/audit/rules.d/*.rules)");
    expect(r, "1.1.10", "file/etc/default/docker", CHECK_SKIP, NULL);
    expect(r, "1.1.13", "file/etc/sysconfig/docker", CHECK_SKIP, NULL);
    expect(r, "1.1.15", "host", CHECK_SKIP, NULL);
    expect(r, "1.1.16", "host", CHECK_SKIP, NULL);
}

/* The shell tool's pitfall: a rule for /usr/bin/dockerd says nothing about /usr/sbin/dockerd. */
static void test_hardcoded_dockerd_path_does_not_count(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "file /etc/audit/rules.d/docker.rules 0640 0 0 ="
                            "-w /usr/bin/dockerd -k docker\\n"
                            "-a always,exit -F path=/usr/bin/dockerd -k docker\\n\n");
    expect(r, "1.1.3", "file/usr/sbin/dockerd", CHECK_FAIL, "no audit rule for /usr/sbin/dockerd");
}

/* A `never` rule suppresses auditing: it is not a rule for the path. */
static void test_never_rule_does_not_count(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "file /etc/audit/audit.rules 0640 0 0 ="
                            "-a never,exit -F path=/usr/sbin/dockerd\\n"
                            "-a always,exclude -F path=/usr/sbin/runc\\n"
                            "-a always,exit -F path!=/usr/bin/containerd\\n"
                            "-W /etc/docker\\n"
                            "# -w /run/containerd -k docker\\n\n");
    expect(r, "1.1.3", "file/usr/sbin/dockerd", CHECK_FAIL, "no audit rule for /usr/sbin/dockerd");
    expect(r, "1.1.18", "file/usr/sbin/runc", CHECK_FAIL, "no audit rule for /usr/sbin/runc");
    expect(r, "1.1.14", "file/usr/bin/containerd", CHECK_FAIL,
           "no audit rule for /usr/bin/containerd");
    expect(r, "1.1.6", "file/etc/docker", CHECK_FAIL, "no audit rule for /etc/docker");
    expect(r, "1.1.4", "file/run/containerd", CHECK_FAIL, "no audit rule for /run/containerd");
}

/* Only *.rules files of rules.d are loaded (augenrules). */
static void test_only_dot_rules_files(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST
             "file /etc/audit/rules.d/docker.rules.bak 0640 0 0 =-w /usr/sbin/dockerd\\n\n"
             "file /etc/audit/rules.d/README 0640 0 0 =-w /usr/sbin/dockerd\\n\n"
             "file /etc/audit/rules.d/10-runc.rules 0640 0 0 =-w /usr/sbin/runc\\n\n");
    expect(r, "1.1.3", "file/usr/sbin/dockerd", CHECK_FAIL, "no audit rule for /usr/sbin/dockerd");
    expect(r, "1.1.18", "file/usr/sbin/runc", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/10-runc.rules:1: -w /usr/sbin/runc");
}

/* A rule written through a symlinked path counts for the real path, and the reverse. */
static void test_rule_through_symlink(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "link /usr/local/bin/runc-link /usr/sbin/runc\n"
                            "file /etc/audit/rules.d/docker.rules 0640 0 0 ="
                            "-w /var/run/containerd/containerd.sock -k docker\\n"
                            "-a always,exit -F path=/usr/local/bin/runc-link -k docker\\n"
                            "-a always,exit -F dir=/var/run/containerd/ -k docker\\n\n");
    expect(r, "1.1.8", "file/run/containerd/containerd.sock", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:1: -w "
           "/var/run/containerd/containerd.sock");
    expect(r, "1.1.18", "file/usr/sbin/runc", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:2: -F path=/usr/local/bin/runc-link");
    expect(r, "1.1.4", "file/run/containerd", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:3: -F dir=/var/run/containerd");
}

/* The data root from --data-root, reached through a link: rules on either name count. */
static void test_data_root_from_config(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "dir /srv/docker-data 0710 0 0\n"
                            "link /data /srv\n"
                            "file /proc/999/cmdline 0444 0 0 =/usr/sbin/dockerd\\0--data-root\\0"
                            "/data/docker-data\\0\n"
                            "file /etc/audit/rules.d/docker.rules 0640 0 0 ="
                            "-w /var/lib/docker -k docker\\n"
                            "-w /srv/docker-data -k docker\\n\n");
    /* The rule for the default /var/lib/docker is not the one that counts. */
    expect(r, "1.1.5", "file/data/docker-data", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:2: -w /srv/docker-data");
    expect(r, "1.1.1", "file/data/docker-data", CHECK_FAIL, NULL);
    expect_has(r, "1.1.1", CHECK_FAIL,
               "/srv/docker-data (via a link) (dockerd's configuration) is not a mount point");
}

/* A recursive rule (a watch on a directory, or dir=) covers the files below it. */
static void test_recursive_rules_cover_below(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "file /etc/audit/rules.d/docker.rules 0640 0 0 ="
                            "-w /etc/docker -k docker\\n"
                            "-a always,exit -F dir=/run/containerd -k docker\\n"
                            "-w /usr/sbin/dockerd -k docker\\n"
                            "-a always,exit -F path=/lib/systemd/system -k docker\\n\n");
    expect(r, "1.1.11", "file/etc/docker/daemon.json", CHECK_PASS,
           "covered by the recursive audit rule at /etc/audit/rules.d/docker.rules:1: "
           "-w /etc/docker");
    expect(r, "1.1.8", "file/run/containerd/containerd.sock", CHECK_PASS,
           "covered by the recursive audit rule at /etc/audit/rules.d/docker.rules:2: "
           "-F dir=/run/containerd");
    expect(r, "1.1.4", "file/run/containerd", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:2: -F dir=/run/containerd");
    /* path= is one inode, not a subtree. */
    expect(r, "1.1.7", "file/lib/systemd/system/docker.service", CHECK_FAIL, NULL);
}

/* The paths in use: --config-file, a unit in /etc/systemd/system, a containerd elsewhere. */
static void test_paths_in_use(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST
             "file /proc/999/cmdline 0444 0 0 =/usr/sbin/dockerd\\0--config-file\\0/srv/d.json\\0"
             "--containerd\\0/run/ctrd/ctrd.sock\\0\n"
             "file /srv/d.json 0644 0 0 ={}\n"
             "sock /run/ctrd/ctrd.sock 0660 0 0\n"
             "file /etc/systemd/system/docker.service 0644 0 0 =[Service]\\n\n"
             "file /opt/ctrd/bin/containerd 0755 0 0 =containerd\\n\n"
             "file /proc/500/comm 0444 0 0 =containerd\\n\n"
             "link /proc/500/exe /opt/ctrd/bin/containerd\n"
             "file /etc/audit/rules.d/docker.rules 0640 0 0 ="
             "-w /etc/docker/daemon.json -k docker\\n"
             "-w /lib/systemd/system/docker.service -k docker\\n"
             "-w /usr/bin/containerd -k docker\\n"
             "-w /run/ctrd/ctrd.sock -k docker\\n\n");
    expect(r, "1.1.11", "file/srv/d.json", CHECK_FAIL, "no audit rule for /srv/d.json");
    expect(r, "1.1.7", "file/etc/systemd/system/docker.service", CHECK_FAIL,
           "no audit rule for /etc/systemd/system/docker.service");
    expect(r, "1.1.14", "file/opt/ctrd/bin/containerd", CHECK_FAIL,
           "no audit rule for /opt/ctrd/bin/containerd");
    expect(r, "1.1.8", "file/run/ctrd/ctrd.sock", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:4: -w /run/ctrd/ctrd.sock");
}

/*
 * containerd-shim-runc-v2 runs with comm "containerd-shim" (comm holds 15
 * characters): it must not be taken for the containerd-shim binary.
 */
static void test_shim_comm_is_not_containerd_shim(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "file /proc/700/comm 0444 0 0 =containerd-shim\\n\n"
                            "link /proc/700/exe /usr/bin/containerd-shim-runc-v2\n");
    expect(r, "1.1.15", "host", CHECK_SKIP, "no containerd-shim binary found on the host");
    expect(r, "1.1.17", "file/usr/bin/containerd-shim-runc-v2", CHECK_FAIL, NULL);
}

/* A rules file that exists but cannot be read: no rule found is an error, not a fail. */
static void test_unreadable_rules_is_error(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "dir /etc/audit/audit.rules 0755 0 0\n"
                            "file /etc/audit/rules.d/docker.rules 0640 0 0 ="
                            "-w /usr/sbin/dockerd -k docker\\n\n");
    expect(r, "1.1.3", "file/usr/sbin/dockerd", CHECK_PASS, NULL);
    expect(r, "1.1.6", "file/etc/docker", CHECK_ERROR,
           "no audit rule for /etc/docker in the readable rules; /etc/audit/audit.rules: not a "
           "regular file");
    expect(r, "1.1.10", "file/etc/default/docker", CHECK_SKIP, NULL);

    /* Over the cap. */
    harness_build_text(&r->h.fx, DEBIAN_HOST "file /etc/audit/audit.rules 0640 0 0\n");
    char big[4096];
    int n = snprintf(big, sizeof(big), "%s/etc/audit/audit.rules", r->h.fx.root);
    assert_true(n > 0 && (size_t)n < sizeof(big));
    assert_int_equal(truncate(big, 1024 * 1024 + 1), 0);
    collect(r);
    expect_has(r, "1.1.6", CHECK_ERROR, "/etc/audit/audit.rules: larger than 1048576 bytes");
}

/* 1.1.1 on a tmpfs: its own device. */
static void test_partition_tmpfs(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "tmpfs /var/lib/docker\n");
    const struct result *res = harness_only(&r->h.set, "1.1.1");
    assert_string_equal(res->target, "file/var/lib/docker");
    if (res->status != CHECK_PASS)
        fail_msg("1.1.1: %s %s", check_status_name(res->status), res->evidence);
    assert_non_null(strstr(res->evidence, "/var/lib/docker (dockerd's configuration) is the root "
                                          "of a filesystem mounted there, on device "));
    assert_non_null(strstr(res->evidence, "; its parent /var/lib is on "));
}

/* The pitfall: dockerd's bind mount of the data root onto itself is a mount point on the same
 * device, not a partition. */
static void test_partition_bind_self_mount_fails(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "bind /var/lib/docker\n");
    const struct result *res = harness_only(&r->h.set, "1.1.1");
    assert_string_equal(res->target, "file/var/lib/docker");
    if (res->status != CHECK_FAIL)
        fail_msg("1.1.1: %s %s", check_status_name(res->status), res->evidence);
    assert_non_null(strstr(res->evidence, "/var/lib/docker (dockerd's configuration) is a bind "
                                          "mount of "));
    assert_non_null(strstr(res->evidence, "not the root of a filesystem of its own: not a "
                                          "separate partition"));
}

static void test_partition_missing_data_root(void **state)
{
    struct run *r = *state;
    run_text(r, "file /proc/999/comm 0444 0 0 =dockerd\\n\n"
                "file /proc/999/cmdline 0444 0 0 =dockerd\\0-g\\0/nowhere/docker\\0\n");
    expect(r, "1.1.1", "file/nowhere/docker", CHECK_SKIP,
           "data root /nowhere/docker (dockerd's configuration) not present");
    expect(r, "1.1.5", "file/nowhere/docker", CHECK_SKIP, "/nowhere/docker not present");
    /* Nothing of Docker on this host: every audit check is skipped. */
    for (size_t i = 0; i < r->h.set.len; i++) {
        const struct result *res = &r->h.set.items[i];
        if (strncmp(res->check->id, "1.2.", 4) != 0 && res->status != CHECK_SKIP) {
            harness_dump(&r->h.set);
            fail_msg("%s not skipped", res->check->id);
        }
    }
}

/* One expected result of a committed host. */
struct want {
    const char *id, *target;
    enum check_status status;
    const char *evidence; /* exact; NULL: checked by the test itself */
};

/* Asserts exactly the results in `w` (one per check, in catalog order). */
static void expect_all(const struct run *r, const struct want *w, size_t n)
{
    if (r->h.set.len != n) {
        harness_dump(&r->h.set);
        fail_msg("%zu results, want %zu", r->h.set.len, n);
    }
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(r->h.set.items[i].check->id, w[i].id);
        expect(r, w[i].id, w[i].target, w[i].status, w[i].evidence);
    }
}

#define RULES_D "audit rule at /etc/audit/rules.d/docker.rules:"
#define RULES   "audit rule at /etc/audit/audit.rules:"

/* The committed hardened host: every audit check passes or skips, 1.1.1 passes. */
static void test_hardened(void **state)
{
    struct run *r = *state;
    harness_build_named(&r->h.fx, "hardened");
    collect(r);
    static const struct want want[] = {
        { "1.1.1", "file/var/lib/docker", CHECK_PASS, NULL },
        { "1.1.3", "file/usr/sbin/dockerd", CHECK_PASS, RULES_D "2: -w /usr/sbin/dockerd" },
        { "1.1.4", "file/run/containerd", CHECK_PASS, RULES_D "3: -w /run/containerd" },
        { "1.1.5", "file/var/lib/docker", CHECK_PASS, RULES_D "4: -w /var/lib/docker" },
        { "1.1.6", "file/etc/docker", CHECK_PASS, RULES_D "5: -w /etc/docker" },
        { "1.1.7", "file/lib/systemd/system/docker.service", CHECK_PASS,
          RULES_D "6: -w /lib/systemd/system/docker.service" },
        { "1.1.8", "file/run/containerd/containerd.sock", CHECK_PASS,
          RULES "4: -F path=/run/containerd/containerd.sock" },
        { "1.1.9", "file/lib/systemd/system/docker.socket", CHECK_PASS,
          RULES_D "9: -w /lib/systemd/system/docker.socket" },
        { "1.1.10", "file/etc/default/docker", CHECK_PASS, RULES_D "12: -w /etc/default/docker" },
        { "1.1.11", "file/etc/docker/daemon.json", CHECK_PASS,
          RULES_D "13: -w /etc/docker/daemon.json" },
        { "1.1.12", "file/etc/containerd/config.toml", CHECK_PASS,
          RULES "5: -F path=/etc/containerd/config.toml" },
        { "1.1.13", "file/etc/sysconfig/docker", CHECK_PASS,
          RULES "6: -F path=/etc/sysconfig/docker" },
        { "1.1.14", "file/usr/bin/containerd", CHECK_PASS, RULES "7: -F path=/usr/bin/containerd" },
        { "1.1.15", "host", CHECK_SKIP, "no containerd-shim binary found on the host" },
        { "1.1.16", "host", CHECK_SKIP, "no containerd-shim-runc-v1 binary found on the host" },
        { "1.1.17", "file/usr/bin/containerd-shim-runc-v2", CHECK_PASS,
          RULES "10: -F path=/usr/bin/containerd-shim-runc-v2" },
        { "1.1.18", "file/usr/bin/runc", CHECK_PASS, RULES "11: -F path=/usr/bin/runc" },
        { "1.2.1", "host", CHECK_WARN, "manual check: review host hardening (CIS 1.2.1)" },
        { "1.2.2", "host", CHECK_ERROR, "Docker API unavailable: the API was not queried" },
    };
    expect_all(r, want, ARRAY_LEN(want));
    /* The tmpfs is its own device: both device numbers are shown. */
    expect_has(r, "1.1.1", CHECK_PASS,
               "/var/lib/docker (dockerd's configuration) is the root of "
               "a filesystem mounted there, on device ");
    expect_has(r, "1.1.1", CHECK_PASS, "; its parent /var/lib is on ");
}

/* The committed failing host: every audit check whose path exists fails. */
static void test_failing(void **state)
{
    struct run *r = *state;
    harness_build_named(&r->h.fx, "failing");
    collect(r);
    static const struct want want[] = {
        { "1.1.1", "file/var/lib/docker", CHECK_FAIL, NULL },
        /* The rule for /usr/bin/dockerd does not count for the /usr/sbin/dockerd in use. */
        { "1.1.3", "file/usr/sbin/dockerd", CHECK_FAIL, "no audit rule for /usr/sbin/dockerd" },
        { "1.1.4", "file/run/containerd", CHECK_FAIL, "no audit rule for /run/containerd" },
        { "1.1.5", "file/var/lib/docker", CHECK_FAIL, "no audit rule for /var/lib/docker" },
        { "1.1.6", "file/etc/docker", CHECK_FAIL, "no audit rule for /etc/docker" },
        /* The override in /etc/systemd/system is the unit in use, not the watched one. */
        { "1.1.7", "file/etc/systemd/system/docker.service", CHECK_FAIL,
          "no audit rule for /etc/systemd/system/docker.service" },
        { "1.1.8", "file/run/containerd/containerd.sock", CHECK_FAIL,
          "no audit rule for /run/containerd/containerd.sock" },
        { "1.1.9", "file/lib/systemd/system/docker.socket", CHECK_FAIL,
          "no audit rule for /lib/systemd/system/docker.socket" },
        { "1.1.10", "file/etc/default/docker", CHECK_FAIL,
          "no audit rule for /etc/default/docker" },
        /* dockerd reads custom-daemon.json; the watched daemon.json is a decoy. */
        { "1.1.11", "file/etc/docker/custom-daemon.json", CHECK_FAIL,
          "no audit rule for /etc/docker/custom-daemon.json" },
        { "1.1.12", "file/etc/containerd/config.toml", CHECK_FAIL,
          "no audit rule for /etc/containerd/config.toml" },
        { "1.1.13", "file/etc/sysconfig/docker", CHECK_FAIL,
          "no audit rule for /etc/sysconfig/docker" },
        /* A `never` rule. */
        { "1.1.14", "file/usr/bin/containerd", CHECK_FAIL,
          "no audit rule for /usr/bin/containerd" },
        { "1.1.15", "file/usr/bin/containerd-shim", CHECK_FAIL,
          "no audit rule for /usr/bin/containerd-shim" },
        { "1.1.16", "file/usr/bin/containerd-shim-runc-v1", CHECK_FAIL,
          "no audit rule for /usr/bin/containerd-shim-runc-v1" },
        { "1.1.17", "file/usr/bin/containerd-shim-runc-v2", CHECK_FAIL,
          "no audit rule for /usr/bin/containerd-shim-runc-v2" },
        /* path!= is not a rule for the path. */
        { "1.1.18", "file/usr/bin/runc", CHECK_FAIL, "no audit rule for /usr/bin/runc" },
        { "1.2.1", "host", CHECK_WARN, "manual check: review host hardening (CIS 1.2.1)" },
        { "1.2.2", "host", CHECK_ERROR, "Docker API unavailable: the API was not queried" },
    };
    expect_all(r, want, ARRAY_LEN(want));
    /* The data root is a bind mount onto itself: a mount point, but no partition. */
    expect_has(r, "1.1.1", CHECK_FAIL,
               "/var/lib/docker (dockerd's configuration) is a bind mount of ");
    expect_has(r, "1.1.1", CHECK_FAIL, ": not a separate partition");
}

/* 1.2.2: the server version and the age of its build, as a manual warning. */
static void test_1_2_2_version_and_build_age(void **state)
{
    struct run *r = *state;
    struct docker_sweep sw;
    memset(&sw, 0, sizeof(sw));
    sw.ok = true;
    sw.version.version = "24.0.7";
    sw.version.build_time = 1698278400; /* 2023-10-26T00:00:00Z */
    r->docker = &sw;
    r->now = 1698278400.0 + 393 * 86400.0 + 3600.0;
    run_text(r, DEBIAN_HOST);
    expect(r, "1.2.2", "host", CHECK_WARN,
           "Docker 24.0.7, built 2023-10-26 (393 days ago); compare with the current release");
    expect(r, "1.2.1", "host", CHECK_WARN, NULL);
    assert_int_equal(r->h.set.len, 19);
    harness_done(&r->h.set, &r->h.fx);

    /* No build time: the version alone. */
    sw.version.build_time = 0;
    run_text(r, DEBIAN_HOST);
    expect(r, "1.2.2", "host", CHECK_WARN,
           "Docker 24.0.7, build time not reported; compare with the current release");
    harness_done(&r->h.set, &r->h.fx);

    /* A version the parser could not read: an error naming the field. */
    sw.version.invalid = 1u << DOCKER_F_VERSION_VERSION;
    sw.version.version = NULL;
    run_text(r, DEBIAN_HOST);
    expect(r, "1.2.2", "host", CHECK_ERROR, "Version missing or mistyped in the API answer");
}

/* The API is down: 1.2.2 says why, every host-side check still runs, and the collector ran. */
static void test_1_2_2_docker_down_host_checks_still_run(void **state)
{
    struct run *r = *state;
    struct docker_sweep sw;
    memset(&sw, 0, sizeof(sw));
    sw.ok = false;
    snprintf(sw.error, sizeof(sw.error),
             "cannot connect to unix:///var/run/docker.sock: Permission denied");
    r->docker = &sw;
    r->now = 1.8e9;
    run_text(r, DEBIAN_HOST DEBIAN_RULES_D); /* fails the test if collect returns -1 */
    assert_int_equal(r->h.rc, 0);
    expect(r, "1.2.2", "host", CHECK_ERROR,
           "Docker API unavailable: cannot connect to unix:///var/run/docker.sock: Permission "
           "denied");
    expect(r, "1.1.3", "file/usr/sbin/dockerd", CHECK_PASS, NULL);
    expect(r, "1.1.1", "file/var/lib/docker", CHECK_FAIL, NULL);
    expect(r, "1.2.1", "host", CHECK_WARN, NULL);
    assert_int_equal(r->h.set.len, 19);
}

/* dockerd's mount table as its /proc/999/mountinfo shows it: / on 8:1, plus LINES. */
#define MOUNTINFO(lines)                                                                    \
    "file /proc/999/mountinfo 0444 0 0 =1 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 " \
    "rw\\n" lines "\n"

/* 1.1.1: a filesystem of its own on the data root, under dockerd's self bind mount: pass. */
static void test_1_1_1_own_partition_from_mountinfo_passes(void **state)
{
    struct run *r = *state;
    run_text(r,
             DEBIAN_HOST MOUNTINFO("25 1 8:17 / /var/lib/docker rw shared:5 - ext4 /dev/sdb1 rw\\n"
                                   "40 25 8:17 / /var/lib/docker rw - ext4 /dev/sdb1 rw\\n"));
    expect(r, "1.1.1", "file/var/lib/docker", CHECK_PASS,
           "/var/lib/docker (dockerd's configuration) is the root of a filesystem mounted there, "
           "on device 8:17; its parent /var/lib is on 8:1 (/proc/999/mountinfo)");
}

/* 1.1.1: dockerd's bind mount of the data root onto itself (root field not "/"): fail. */
static void test_1_1_1_bind_self_mount_from_mountinfo_fails(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST MOUNTINFO(
                    "40 1 8:1 /var/lib/docker /var/lib/docker rw - ext4 /dev/sda1 rw\\n"));
    expect(r, "1.1.1", "file/var/lib/docker", CHECK_FAIL,
           "/var/lib/docker (dockerd's configuration) is a bind mount of /var/lib/docker from "
           "device 8:1, not the root of a filesystem of its own: not a separate partition");
    /* The root of a filesystem, but the parent's device: still no partition of its own. */
    run_text(r, DEBIAN_HOST MOUNTINFO("40 1 8:1 / /var/lib/docker rw - ext4 /dev/sda1 rw\\n"));
    expect_has(r, "1.1.1", CHECK_FAIL, "is a mount point on the same device as its parent");
}

/*
 * 1.1.1: a btrfs subvolume has its own st_dev without being a mount. Here the
 * data root IS on another device (a tmpfs), but dockerd's mount table does not
 * list it as a mount: mountinfo decides, so it fails.
 */
static void test_1_1_1_btrfs_subvolume_own_st_dev_is_not_a_partition(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "tmpfs /var/lib/docker\n" MOUNTINFO(""));
    expect_has(r, "1.1.1", CHECK_FAIL,
               "/var/lib/docker (dockerd's configuration) is not a mount point "
               "(/proc/999/mountinfo), though its device ");
    expect_has(r, "1.1.1", CHECK_FAIL, "(a subvolume, not a partition): not a separate partition");
}

/* 1.1.1 and 1.1.5: /info's DockerRootDir names the data root, even with daemon.json unreadable. */
static void test_1_1_1_data_root_from_info_docker_root_dir(void **state)
{
    struct run *r = *state;
    struct docker_sweep sw;
    memset(&sw, 0, sizeof(sw));
    sw.ok = true;
    sw.version.version = "20.10.24";
    sw.info.docker_root_dir = "/home/u/.local/share/docker"; /* a rootless dockerd's */
    r->docker = &sw;
    r->now = 1.8e9;
    run_text(r, DEBIAN_HOST "file /etc/docker/daemon.json 0644 0 0 ={oops\n"
                            "dir /home/u/.local/share/docker 0710 1000 1000\n"
                            "file /etc/audit/rules.d/docker.rules 0640 0 0 ="
                            "-w /home/u/.local/share/docker -k docker\\n\n" MOUNTINFO(
                                "30 1 8:33 / /home rw - ext4 /dev/sdc1 rw\\n"));
    expect(r, "1.1.1", "file/home/u/.local/share/docker", CHECK_FAIL, NULL);
    expect_has(r, "1.1.1", CHECK_FAIL,
               "/home/u/.local/share/docker (DockerRootDir from /info) is not a mount point "
               "(/proc/999/mountinfo), on the same device as its parent /home/u/.local/share (");
    expect(r, "1.1.5", "file/home/u/.local/share/docker", CHECK_PASS,
           "audit rule at /etc/audit/rules.d/docker.rules:1: -w /home/u/.local/share/docker");
}

/* Without /info, an unreadable daemon.json may name another data root: error, not a guess. */
static void test_1_1_1_unreadable_daemon_json_without_info_is_error(void **state)
{
    struct run *r = *state;
    run_text(r, DEBIAN_HOST "file /etc/docker/daemon.json 0644 0 0 ={oops\n");
    expect(r, "1.1.1", "host", CHECK_ERROR,
           "cannot tell the data root: no DockerRootDir from /info, and /etc/docker/daemon.json "
           "(which may set data-root) cannot be read: invalid JSON at line 1 column 3");
    expect(r, "1.1.5", "host", CHECK_ERROR,
           "cannot tell the data root: no DockerRootDir from /info, and /etc/docker/daemon.json "
           "(which may set data-root) cannot be read: invalid JSON at line 1 column 3");
}

/* A test with its own state, removed after it (harness_setup). */
#define TEST(test) cmocka_unit_test_setup_teardown(test, setup, harness_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_descriptor),
        TEST(test_all_rules),
        TEST(test_no_rules),
        TEST(test_hardcoded_dockerd_path_does_not_count),
        TEST(test_never_rule_does_not_count),
        TEST(test_only_dot_rules_files),
        TEST(test_rule_through_symlink),
        TEST(test_data_root_from_config),
        TEST(test_recursive_rules_cover_below),
        TEST(test_paths_in_use),
        TEST(test_shim_comm_is_not_containerd_shim),
        TEST(test_unreadable_rules_is_error),
        TEST(test_partition_tmpfs),
        TEST(test_1_1_1_own_partition_from_mountinfo_passes),
        TEST(test_1_1_1_bind_self_mount_from_mountinfo_fails),
        TEST(test_1_1_1_btrfs_subvolume_own_st_dev_is_not_a_partition),
        TEST(test_1_1_1_data_root_from_info_docker_root_dir),
        TEST(test_1_1_1_unreadable_daemon_json_without_info_is_error),
        TEST(test_partition_bind_self_mount_fails),
        TEST(test_partition_missing_data_root),
        TEST(test_hardened),
        TEST(test_failing),
        TEST(test_1_2_2_version_and_build_age),
        TEST(test_1_2_2_docker_down_host_checks_still_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
