/*
 * test_daemon_config.c - CIS 2.1-2.18, 5.1 and 7.1-7.9 (collectors/daemon_config.c).
 *
 * Each test builds the Docker API sweep it needs directly (struct
 * docker_sweep filled here, no parser involved) and a host tree for
 * dockerd's command line, daemon.json and /proc (the committed hardened and
 * failing hosts, or small trees written here). Every pitfall row of
 * CHECKS.md has a test named after its check id: 2.3 (--log-level=debug,
 * `-l debug`, `--log-level debug`, daemon.json), 2.5 (the built-in loopback
 * ranges are not findings), 2.7 (TLS set only in daemon.json; tls without
 * tlsverify) and the config-file rule (--config-file PATH as a separate
 * argument: the file dockerd reads is judged, not /etc/docker/daemon.json).
 * Statuses and evidence are asserted exactly where the evidence is ours.
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

/* A sweep and the storage its lists point into. */
struct sweep_fx {
    struct docker_sweep sw;
    char *secopts[4];
    char *cidrs[4];
    struct docker_registry_index idx[4];
    struct docker_network nets[8];
};

struct run {
    struct harness_run h;
    struct sweep_fx s;
    const char *docker_host;
};

/* ---- helpers ------------------------------------------------------------- */

/* What the hardened host's dockerd reports: nothing to find. */
static void sweep_good(struct sweep_fx *f)
{
    memset(f, 0, sizeof(*f));
    f->sw.ok = true;
    snprintf(f->sw.api_version, sizeof(f->sw.api_version), "1.43");
    f->sw.version.version = "24.0.7";
    f->sw.version.api_version = "1.43";
    struct docker_info *i = &f->sw.info;
    i->server_version = "24.0.7";
    i->driver = "overlay2";
    i->logging_driver = "syslog";
    i->live_restore = true;
    f->secopts[0] = "name=seccomp,profile=default";
    f->secopts[1] = "name=userns";
    i->security_options.items = f->secopts;
    i->security_options.len = 2;
    f->cidrs[0] = "127.0.0.0/8";
    f->cidrs[1] = "::1/128";
    i->insecure_registry_cidrs.items = f->cidrs;
    i->insecure_registry_cidrs.len = 2;
    f->idx[0].name = "docker.io";
    f->idx[0].secure = true;
    i->index_configs = f->idx;
    i->n_index_configs = 1;
    i->swarm_state = "inactive";
    i->swarm_node_addr = "";
    i->docker_root_dir = "/var/lib/docker";
    f->nets[0] = (struct docker_network){ .name = "bridge", .driver = "bridge" };
    f->nets[1] = (struct docker_network){ .name = "host", .driver = "host" };
    f->nets[2] = (struct docker_network){ .name = "none", .driver = "null" };
    f->sw.networks = f->nets;
    f->sw.n_networks = 3;
}

/* An active swarm manager: 3 managers, autolock off, ingress not encrypted. */
static void sweep_swarm(struct sweep_fx *f)
{
    sweep_good(f);
    struct docker_info *i = &f->sw.info;
    i->swarm_state = "active";
    i->swarm_control_available = true;
    i->swarm_managers = 3;
    i->swarm_node_addr = "10.0.0.5";
    i->swarm_autolock = false;
    f->nets[3] = (struct docker_network){ .name = "ingress", .driver = "overlay" };
    f->nets[4] =
        (struct docker_network){ .name = "backend", .driver = "overlay", .encrypted = true };
    f->sw.n_networks = 5;
}

/* Runs the collector; returns its status (results in r->h.set). */
static int collect_with(struct run *r, const struct docker_sweep *sw)
{
    struct collect_ctx ctx = {
        .docker_host = r->docker_host != NULL ? r->docker_host : "unix:///var/run/docker.sock",
        .docker = sw,
        .now = 1795000000.0,
    };
    return harness_collect(&r->h, &collector_daemon_config, &ctx);
}

static void collect(struct run *r)
{
    if (collect_with(r, &r->s.sw) != 0)
        fail_msg("collect failed: %s", r->h.err);
}

static void run_text(struct run *r, const char *manifest)
{
    harness_build_text(&r->h.fx, manifest);
    collect(r);
}

static int setup(void **state)
{
    int rc = harness_setup(state, sizeof(struct run));
    if (rc == 0)
        sweep_good(&((struct run *)*state)->s);
    return rc;
}

/* Asserts check `id`: target host, status, and evidence exactly (NULL: not compared). */
static void expect(const struct run *r, const char *id, enum check_status status,
                   const char *evidence)
{
    harness_expect(&r->h.set, HARNESS_EXACT, id, "host", status, evidence);
}

/* Asserts check `id` has target host, `status` and evidence containing `part`. */
static void expect_has(const struct run *r, const char *id, enum check_status status,
                       const char *part)
{
    harness_expect(&r->h.set, HARNESS_CONTAINS, id, "host", status, part);
}

/* A Debian-like host with dockerd (pid 4242) running COMMAND LINE (NUL-escaped text). */
#define HOST_WITH(cmdline)                               \
    "dir /etc/docker 0755 0 0\n"                         \
    "dir /run 0755 0 0\n"                                \
    "link /var/run /run\n"                               \
    "sock /run/docker.sock 0660 0 0\n"                   \
    "file /usr/sbin/dockerd 0755 0 0 =#!/bin/false\\n\n" \
    "file /proc/1/comm 0444 0 0 =systemd\\n\n"           \
    "file /proc/4242/comm 0444 0 0 =dockerd\\n\n"        \
    "link /proc/4242/exe /usr/sbin/dockerd\n"            \
    "file /proc/4242/cmdline 0444 0 0 =/usr/sbin/dockerd\\0" cmdline "\n"

#define DAEMON_JSON(text) "file /etc/docker/daemon.json 0644 0 0 =" text "\n"

/* ---- issue 10: verdicts as moby 20.10 applies the configuration ------------ */

/* 2.3: "log-level": "" (or --log-level=) is info: configureDaemonLogs maps "" to InfoLevel. */
static void test_2_3_log_level_empty_string_passes(void **state)
{
    struct run *r = *state;
    run_text(r, HOST_WITH("") DAEMON_JSON("{\"log-level\": \"\"}"));
    expect(r, "2.3", CHECK_PASS,
           "log-level=\"\" (/etc/docker/daemon.json): dockerd uses info for an empty level");
    run_text(r, HOST_WITH("--log-level=\\0"));
    expect(r, "2.3", CHECK_PASS,
           "log-level=\"\" (command line): dockerd uses info for an empty level");
    /* The last occurrence wins: an empty level after debug is info. */
    run_text(r, HOST_WITH("-l\\0debug\\0--log-level=\\0"));
    expect(r, "2.3", CHECK_PASS,
           "log-level=\"\" (command line): dockerd uses info for an empty level");
}

/* 2.3: --restart / -r is a deprecated bool flag: it does not swallow "--log-level". */
static void test_2_3_restart_bool_flag_log_level_debug_fails(void **state)
{
    struct run *r = *state;
    static const char *const manifests[] = {
        HOST_WITH("--restart\\0--log-level\\0debug\\0"),
        HOST_WITH("-r\\0--log-level\\0debug\\0"),
        HOST_WITH("--restart\\0-l\\0debug\\0"),
        HOST_WITH("--raw-logs\\0--log-level\\0debug\\0"),
        HOST_WITH("--init\\0-l\\0debug\\0"),
    };
    for (size_t i = 0; i < ARRAY_LEN(manifests); i++) {
        run_text(r, manifests[i]);
        expect(r, "2.3", CHECK_FAIL, "log-level=debug (command line)");
    }
}

/* A bool flag given twice: the last one is what dockerd uses. */
static void test_2_14_no_new_privileges_twice_last_wins(void **state)
{
    struct run *r = *state;
    run_text(r, HOST_WITH("--no-new-privileges\\0--no-new-privileges=false\\0"));
    expect(r, "2.14", CHECK_FAIL, "no-new-privileges=false (command line)");
    run_text(r, HOST_WITH("--userland-proxy=false\\0--userland-proxy\\0"));
    expect(r, "2.16", CHECK_FAIL, "userland-proxy=true (command line)");
    run_text(r, HOST_WITH("--iptables=false\\0--iptables=true\\0"));
    expect(r, "2.4", CHECK_PASS, "iptables=true (command line)");
}

/* 2.7: --tlsverify=false alone turns TLS on without client verification (loadDaemonCliConfig). */
static void test_2_7_tlsverify_false_alone_fails(void **state)
{
    struct run *r = *state;
    run_text(r, HOST_WITH("-H\\0tcp://0.0.0.0:2376\\0--tlsverify=false\\0"));
    expect(r, "2.7", CHECK_FAIL,
           "tcp://0.0.0.0:2376: TLS without client verification (tlsverify=false on the command "
           "line turns TLS on and lets any client in)");
    /* tls explicitly false and no tlsverify: no TLS. */
    run_text(r, HOST_WITH("-H\\0tcp://0.0.0.0:2375\\0--tls=false\\0"));
    expect(r, "2.7", CHECK_FAIL,
           "tcp://0.0.0.0:2375: no TLS (tls=false (command line), tlsverify not set)");
    /* tlsverify true beats tls false: TLS is on whenever tlsverify is set. */
    run_text(r, HOST_WITH("-H\\0tcp://0.0.0.0:2376\\0") DAEMON_JSON("{\"tls\": false, "
                                                                    "\"tlsverify\": true}"));
    expect(r, "2.7", CHECK_PASS, "tcp://0.0.0.0:2376: tlsverify=true (/etc/docker/daemon.json)");
}

/* 2.7: TLS on and no -H: dockerd listens on tcp://localhost:2376 (opts.ParseHost). */
static void test_2_7_tls_without_hosts_listens_on_tcp(void **state)
{
    struct run *r = *state;
    run_text(r, HOST_WITH("--tlsverify\\0"));
    expect(r, "2.7", CHECK_PASS,
           "tcp://localhost:2376 (dockerd's default host with TLS on): tlsverify=true (command "
           "line)");
    run_text(r, HOST_WITH("--tls\\0--tlsverify=false\\0"));
    expect_has(r, "2.7", CHECK_FAIL, "tcp://localhost:2376 (dockerd's default host with TLS on)");
    /* Without TLS the default is the unix socket. */
    run_text(r, HOST_WITH(""));
    expect(r, "2.7", CHECK_SKIP, "no TCP socket (dockerd listens on unix sockets only)");
}

/* 2.11: devmapper trims and lower-cases option keys, so " DM.BaseSize =20G" is dm.basesize. */
static void test_2_11_basesize_any_case_fails(void **state)
{
    struct run *r = *state;
    run_text(r, HOST_WITH("--storage-opt\\0 DM.BaseSize =20G\\0"));
    expect(r, "2.11", CHECK_FAIL, "storage-opt  DM.BaseSize =20G (command line)");
    run_text(r, HOST_WITH("--storage-opt\\0dm.basesizex=1\\0"));
    expect(r, "2.11", CHECK_PASS, "no dm.basesize in the storage options");
}

/* ---- descriptor and failure ---------------------------------------------- */

static void test_descriptor(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        int level;
        bool automated;
    } want[] = {
        { "2.1", 1, false },  { "2.2", 1, true },  { "2.3", 1, true },  { "2.4", 1, true },
        { "2.5", 1, true },   { "2.6", 1, true },  { "2.7", 1, true },  { "2.8", 1, false },
        { "2.9", 2, true },   { "2.10", 2, true }, { "2.11", 2, true }, { "2.12", 2, true },
        { "2.13", 1, true },  { "2.14", 1, true }, { "2.15", 1, true }, { "2.16", 1, true },
        { "2.17", 2, false }, { "2.18", 1, true }, { "5.1", 1, true },  { "7.1", 1, true },
        { "7.2", 1, true },   { "7.3", 1, true },  { "7.4", 2, false }, { "7.5", 1, true },
        { "7.6", 1, false },  { "7.7", 1, false }, { "7.8", 1, false }, { "7.9", 2, false },
    };
    const struct collector *c = &collector_daemon_config;
    harness_expect_descriptor(c, "daemon_config", true, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        const struct check_def *d = &c->checks[i];
        assert_string_equal(d->id, want[i].id);
        assert_int_equal(d->section[0], want[i].id[0]);
        assert_int_equal(d->level, want[i].level);
        assert_int_equal(d->automated, want[i].automated);
        harness_expect_check_words(d);
    }
    assert_int_equal(c->n_options, 0);
    assert_int_equal(c->n_measures, 0);
    /* Registered, after host. */
    assert_ptr_equal(collector_lookup("daemon_config"), c);
    assert_ptr_equal(collector_registry[0], &collector_host);
    assert_ptr_equal(collector_registry[1], c);
}

/* The API did not answer: no results, -1, the reason in err. */
static void test_docker_unavailable(void **state)
{
    struct run *r = *state;
    harness_build_named(&r->h.fx, "hardened");
    assert_int_equal(collect_with(r, NULL), -1);
    assert_string_equal(r->h.err, "Docker API unavailable: the API was not queried");
    assert_int_equal(r->h.set.len, 0);
    struct docker_sweep down;
    memset(&down, 0, sizeof(down));
    snprintf(down.error, sizeof(down.error),
             "cannot connect to unix:///var/run/docker.sock: "
             "No such file or directory");
    assert_int_equal(collect_with(r, &down), -1);
    assert_string_equal(r->h.err, "Docker API unavailable: cannot connect to "
                                  "unix:///var/run/docker.sock: No such file or directory");
    assert_int_equal(r->h.set.len, 0);
}

/* ---- the committed hosts -------------------------------------------------- */

struct want {
    const char *id;
    enum check_status status;
    const char *evidence; /* exact; NULL: not compared */
};

static void expect_all(const struct run *r, const struct want *w, size_t n)
{
    if (r->h.set.len != n) {
        harness_dump(&r->h.set);
        fail_msg("%zu results, want %zu", r->h.set.len, n);
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(r->h.set.items[i].check->id, w[i].id) != 0) {
            harness_dump(&r->h.set);
            fail_msg("result %zu is %s, want %s", i, r->h.set.items[i].check->id, w[i].id);
        }
        expect(r, w[i].id, w[i].status, w[i].evidence);
    }
}

#define SWARM_INACTIVE_7                                                                  \
    { "7.1", CHECK_SKIP, "swarm inactive" }, { "7.2", CHECK_SKIP, "swarm inactive" },     \
        { "7.3", CHECK_SKIP, "swarm inactive" }, { "7.4", CHECK_SKIP, "swarm inactive" }, \
        { "7.5", CHECK_SKIP, "swarm inactive" }, { "7.6", CHECK_SKIP, "swarm inactive" }, \
        { "7.7", CHECK_SKIP, "swarm inactive" }, { "7.8", CHECK_SKIP, "swarm inactive" }, \
    {                                                                                     \
        "7.9", CHECK_SKIP, "swarm inactive"                                               \
    }

/* The hardened host: everything configured in /etc/docker/daemon.json, -H fd:// only. */
static void test_hardened(void **state)
{
    struct run *r = *state;
    harness_build_named(&r->h.fx, "hardened");
    collect(r);
#define HJ " (/etc/docker/daemon.json)"
    static const struct want want[] = {
        { "2.1", CHECK_WARN, "dockerd runs as root (no name=rootless in SecurityOptions)" },
        { "2.2", CHECK_PASS, "icc=false" HJ },
        { "2.3", CHECK_PASS, "log-level=info" HJ },
        { "2.4", CHECK_PASS, "iptables=true" HJ },
        { "2.5", CHECK_PASS, "no insecure registries (the built-in loopback ranges aside)" },
        { "2.6", CHECK_PASS, "storage driver overlay2" },
        { "2.7", CHECK_SKIP, "no TCP socket (dockerd listens on unix sockets only)" },
        { "2.8", CHECK_PASS, "default ulimits: nofile" HJ },
        { "2.9", CHECK_PASS, "SecurityOptions has name=userns" },
        { "2.10", CHECK_PASS, "cgroup-parent not set (default)" },
        { "2.11", CHECK_PASS, "no dm.basesize in the storage options" },
        { "2.12", CHECK_PASS, "authorization plugins: authz-broker" HJ },
        { "2.13", CHECK_PASS, "LoggingDriver=syslog" },
        { "2.14", CHECK_PASS, "no-new-privileges=true" HJ },
        { "2.15", CHECK_PASS, "LiveRestoreEnabled=true" },
        { "2.16", CHECK_PASS, "userland-proxy=false" HJ },
        { "2.17", CHECK_PASS, "SecurityOptions name=seccomp,profile=default" },
        { "2.18", CHECK_PASS, "ExperimentalBuild=false" },
        { "5.1", CHECK_PASS, "Swarm.LocalNodeState=inactive" },
        SWARM_INACTIVE_7,
    };
#undef HJ
    expect_all(r, want, ARRAY_LEN(want));
}

/* What the failing host's dockerd reports. */
static void sweep_failing(struct sweep_fx *f)
{
    sweep_good(f);
    struct docker_info *i = &f->sw.info;
    i->driver = "aufs";
    i->logging_driver = "json-file";
    i->live_restore = false;
    i->experimental = true;
    f->secopts[0] = "name=seccomp,profile=unconfined";
    i->security_options.len = 1;
    i->insecure_registry_cidrs.len = 1; /* 127.0.0.0/8 only */
    f->idx[1].name = "registry.internal:5000";
    f->idx[1].secure = false;
    i->n_index_configs = 2;
}

/*
 * The failing host: dockerd reads /etc/docker/custom-daemon.json, named with
 * the space form `--config-file PATH`; the decoy /etc/docker/daemon.json
 * would pass everything. TCP on 0.0.0.0:2375 with tls and tlsverify false,
 * --log-level=debug on the command line.
 */
static void test_failing(void **state)
{
    struct run *r = *state;
    sweep_failing(&r->s);
    harness_build_named(&r->h.fx, "failing");
    collect(r);
#define CJ " (/etc/docker/custom-daemon.json)"
    static const struct want want[] = {
        { "2.1", CHECK_WARN, NULL },
        { "2.2", CHECK_FAIL, "icc=true" CJ },
        { "2.3", CHECK_FAIL, "log-level=debug (command line)" },
        { "2.4", CHECK_FAIL, "iptables=false" CJ },
        { "2.5", CHECK_FAIL, "1 insecure registries: registry.internal:5000" },
        { "2.6", CHECK_FAIL, "storage driver aufs" },
        { "2.7", CHECK_FAIL,
          "tcp://0.0.0.0:2375: TLS without client verification (tlsverify=false in "
          "/etc/docker/custom-daemon.json turns TLS on and lets any client in)" },
        { "2.8", CHECK_WARN, "no default ulimits configured" },
        { "2.9", CHECK_FAIL, "no user namespace remapping (no name=userns in SecurityOptions)" },
        { "2.10", CHECK_FAIL, "cgroup-parent=/custom" CJ },
        { "2.11", CHECK_FAIL, "storage-opt dm.basesize=20G" CJ },
        { "2.12", CHECK_FAIL, "no authorization plugin configured" },
        { "2.13", CHECK_FAIL, "LoggingDriver=json-file: no remote logging" },
        { "2.14", CHECK_FAIL, "no-new-privileges=false" CJ },
        { "2.15", CHECK_FAIL, "LiveRestoreEnabled=false" },
        { "2.16", CHECK_FAIL, "userland-proxy=true" CJ },
        { "2.17", CHECK_FAIL, "SecurityOptions name=seccomp,profile=unconfined" },
        { "2.18", CHECK_FAIL, "ExperimentalBuild=true" },
        { "5.1", CHECK_PASS, "Swarm.LocalNodeState=inactive" },
        SWARM_INACTIVE_7,
    };
#undef CJ
    expect_all(r, want, ARRAY_LEN(want));
}

/* ---- pitfall rows ----------------------------------------------------------- */

/* 2.3: the shell tool's cmdline branch never fires; every form must fail. */
static void test_2_3_log_level_debug_on_command_line(void **state)
{
    struct run *r = *state;
    static const struct harness_manifest_case cases[] = {
        { HOST_WITH("--log-level=debug\\0"), CHECK_FAIL, "log-level=debug (command line)" },
        { HOST_WITH("--log-level\\0debug\\0"), CHECK_FAIL, "log-level=debug (command line)" },
        { HOST_WITH("-l\\0debug\\0"), CHECK_FAIL, "log-level=debug (command line)" },
        { HOST_WITH("-ldebug\\0"), CHECK_FAIL, "log-level=debug (command line)" },
        { HOST_WITH("-H\\0fd://\\0-l=warn\\0"), CHECK_FAIL, "log-level=warn (command line)" },
        /* -D sets the debug level whatever log-level says. */
        { HOST_WITH("-D\\0--log-level=info\\0"), CHECK_FAIL,
          "debug=true (command line): the log level is debug" },
        { HOST_WITH("--debug\\0"), CHECK_FAIL,
          "debug=true (command line): the log level is debug" },
        /* The last flag wins, as in dockerd's flag parser. */
        { HOST_WITH("--log-level=debug\\0--log-level=info\\0"), CHECK_PASS,
          "log-level=info (command line)" },
        { HOST_WITH("--log-level=info\\0-l\\0debug\\0"), CHECK_FAIL,
          "log-level=debug (command line)" },
        { HOST_WITH("-l\\0INFO\\0"), CHECK_PASS, "log-level=INFO (command line)" },
        { HOST_WITH("--debug=false\\0"), CHECK_PASS, "log-level not set (default info)" },
        { HOST_WITH(""), CHECK_PASS, "log-level not set (default info)" },
        /* daemon.json. */
        { HOST_WITH("") DAEMON_JSON("{\"log-level\": \"debug\"}"), CHECK_FAIL,
          "log-level=debug (/etc/docker/daemon.json)" },
        { HOST_WITH("") DAEMON_JSON("{\"debug\": true}"), CHECK_FAIL,
          "debug=true (/etc/docker/daemon.json): the log level is debug" },
        { HOST_WITH("") DAEMON_JSON("{\"log-level\": \"info\"}"), CHECK_PASS,
          "log-level=info (/etc/docker/daemon.json)" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        run_text(r, cases[i].manifest);
        expect(r, "2.3", cases[i].status, cases[i].evidence);
    }
}

/*
 * The config-file rule: `--config-file PATH` as a separate argument. The
 * file dockerd reads is judged; /etc/docker/daemon.json (well configured
 * here) is not.
 */
static void test_2_3_config_file_space_form_judges_file_in_use(void **state)
{
    struct run *r = *state;
#define DECOY                                                                           \
    DAEMON_JSON("{\"log-level\": \"info\", \"icc\": false, \"userland-proxy\": false, " \
                "\"no-new-privileges\": true}")
    run_text(r, HOST_WITH("--config-file\\0/srv/conf/my-daemon.json\\0") DECOY
             "file /srv/conf/my-daemon.json 0644 0 0 ={\"log-level\": \"debug\", \"icc\": "
             "true}\n");
    expect(r, "2.3", CHECK_FAIL, "log-level=debug (/srv/conf/my-daemon.json)");
    expect(r, "2.2", CHECK_FAIL, "icc=true (/srv/conf/my-daemon.json)");
    /* Not in the file in use: the default, not the decoy's value. */
    expect(r, "2.16", CHECK_FAIL, "userland-proxy not set (default true)");
    expect(r, "2.14", CHECK_FAIL, "no-new-privileges not set (default false)");

    /* The "=" form. */
    run_text(r, HOST_WITH("--config-file=/srv/other.json\\0") DECOY
             "file /srv/other.json 0644 0 0 ={\"log-level\": \"error\"}\n");
    expect(r, "2.3", CHECK_FAIL, "log-level=error (/srv/other.json)");

    /* A config file that does not exist: dockerd's defaults, not the decoy. */
    run_text(r, HOST_WITH("--config-file\\0/srv/none.json\\0") DECOY);
    expect(r, "2.2", CHECK_FAIL, "icc not set (default true)");
    expect(r, "2.3", CHECK_PASS, "log-level not set (default info)");
#undef DECOY
}

/* 2.5: the built-in loopback ranges are not findings; a Secure=false index or a CIDR is. */
static void test_2_5_builtin_loopback_is_not_a_finding(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, HOST_WITH(""));
    collect(r);
    expect(r, "2.5", CHECK_PASS, "no insecure registries (the built-in loopback ranges aside)");

    /* Only 127.0.0.0/8 (older dockerd), or nothing at all. */
    r->s.sw.info.insecure_registry_cidrs.len = 1;
    collect(r);
    expect(r, "2.5", CHECK_PASS, NULL);
    r->s.sw.info.insecure_registry_cidrs.len = 0;
    collect(r);
    expect(r, "2.5", CHECK_PASS, NULL);

    /* An insecure registry by name: IndexConfigs Secure=false. */
    r->s.sw.info.insecure_registry_cidrs.len = 2;
    r->s.idx[1].name = "myreg:5000";
    r->s.idx[1].secure = false;
    r->s.sw.info.n_index_configs = 2;
    collect(r);
    expect(r, "2.5", CHECK_FAIL, "1 insecure registries: myreg:5000");

    /* And by CIDR, beside the built-in ones. */
    r->s.cidrs[2] = "10.0.0.0/8";
    r->s.sw.info.insecure_registry_cidrs.len = 3;
    collect(r);
    expect(r, "2.5", CHECK_FAIL, "2 insecure registries: myreg:5000, 10.0.0.0/8");

    /* A secure index alone is fine. */
    r->s.idx[1].secure = true;
    r->s.sw.info.insecure_registry_cidrs.len = 2;
    collect(r);
    expect(r, "2.5", CHECK_PASS, NULL);

    /* Never a pass on what could not be read. */
    r->s.sw.info.invalid = 1u << DOCKER_F_INFO_REGISTRY_CONFIG;
    collect(r);
    expect(r, "2.5", CHECK_ERROR, "RegistryConfig missing or mistyped in the API answer");
}

/* 2.7: TLS on TCP sockets, wherever it is configured. */
static void test_2_7_tls_set_only_in_daemon_json(void **state)
{
    struct run *r = *state;
#define TCP_HOST "-H\\0unix:///var/run/docker.sock\\0-H\\0tcp://0.0.0.0:2376\\0"
    /* The pitfall: tlsverify only in daemon.json passes. */
    run_text(r, HOST_WITH(TCP_HOST)
                    DAEMON_JSON("{\"tlsverify\": true, \"tlscacert\": \"/etc/docker/ca.pem\", "
                                "\"tlscert\": \"/etc/docker/cert.pem\", \"tlskey\": "
                                "\"/etc/docker/key.pem\"}"));
    expect(r, "2.7", CHECK_PASS, "tcp://0.0.0.0:2376: tlsverify=true (/etc/docker/daemon.json)");

    /*
     * tls alone in daemon.json: dockerd defaults tlsverify to tls, so clients
     * are verified (tests/e2e_docker_daemon.sh shows a real dockerd refusing
     * a client without a certificate).
     */
    run_text(r, HOST_WITH(TCP_HOST) DAEMON_JSON("{\"tls\": true, \"tlscert\": \"/c\", "
                                                "\"tlskey\": \"/k\"}"));
    expect(r, "2.7", CHECK_PASS,
           "tcp://0.0.0.0:2376: tls=true (/etc/docker/daemon.json) and tlsverify not set: dockerd "
           "then verifies clients");

    /* tls with tlsverify explicitly false in daemon.json: no client verification. */
    run_text(r, HOST_WITH(TCP_HOST) DAEMON_JSON("{\"tls\": true, \"tlsverify\": false}"));
    expect(r, "2.7", CHECK_FAIL,
           "tcp://0.0.0.0:2376: TLS without client verification (tlsverify=false in "
           "/etc/docker/daemon.json turns TLS on and lets any client in)");

    /* tls on the command line, tlsverify explicitly off in daemon.json. */
    run_text(r, HOST_WITH(TCP_HOST "--tls\\0") DAEMON_JSON("{\"tlsverify\": false}"));
    expect(r, "2.7", CHECK_FAIL,
           "tcp://0.0.0.0:2376: TLS without client verification (tlsverify=false in "
           "/etc/docker/daemon.json turns TLS on and lets any client in)");

    /* tlsverify on the command line, hosts only in daemon.json (a bare host:port is TCP). */
    run_text(r, HOST_WITH("--tlsverify\\0")
                    DAEMON_JSON("{\"hosts\": [\"unix:///run/docker.sock\", \"10.0.0.1:2376\"]}"));
    expect(r, "2.7", CHECK_PASS, "10.0.0.1:2376: tlsverify=true (command line)");

    /* No TLS at all. */
    run_text(r, HOST_WITH(TCP_HOST));
    expect(r, "2.7", CHECK_FAIL, "tcp://0.0.0.0:2376: no TLS (tls and tlsverify not set)");

    /* TCP from systemd socket activation: docker.socket listening on a port. */
    run_text(r, HOST_WITH("-H\\0fd://\\0") "file /lib/systemd/system/docker.socket 0644 0 0 "
                                           "=[Socket]\\nListenStream=/run/"
                                           "docker.sock\\nListenStream=2375\\n\n");
    expect(r, "2.7", CHECK_FAIL,
           "fd:// (TCP ListenStream= in docker.socket): no TLS (tls and tlsverify not set)");

    /* No TCP socket: not applicable. */
    run_text(r, HOST_WITH("-H\\0unix:///var/run/docker.sock\\0") DAEMON_JSON("{\"tls\": true}"));
    expect(r, "2.7", CHECK_SKIP, "no TCP socket (dockerd listens on unix sockets only)");
#undef TCP_HOST
}

/* ---- other checks ------------------------------------------------------------ */

/* 2.2: icc, and skip when the default bridge is disabled. */
static void test_2_2_icc_and_bridge_none(void **state)
{
    struct run *r = *state;
    static const struct harness_manifest_case cases[] = {
        { HOST_WITH("--bridge=none\\0"), CHECK_SKIP,
          "default bridge disabled (bridge=none, command line)" },
        { HOST_WITH("-b\\0none\\0"), CHECK_SKIP,
          "default bridge disabled (bridge=none, command line)" },
        { HOST_WITH("") DAEMON_JSON("{\"bridge\": \"none\", \"icc\": true}"), CHECK_SKIP,
          "default bridge disabled (bridge=none, /etc/docker/daemon.json)" },
        { HOST_WITH("--icc=false\\0"), CHECK_PASS, "icc=false (command line)" },
        { HOST_WITH("--icc\\0"), CHECK_FAIL, "icc=true (command line)" },
        { HOST_WITH("--bridge=br0\\0"), CHECK_FAIL, "icc not set (default true)" },
        { HOST_WITH("") DAEMON_JSON("{\"icc\": \"no\"}"), CHECK_ERROR,
          "icc=\"no\" (/etc/docker/daemon.json) is not a boolean" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        run_text(r, cases[i].manifest);
        expect(r, "2.2", cases[i].status, cases[i].evidence);
    }
}

/* Options given on the command line (all forms) are judged like daemon.json ones. */
static void test_2_command_line_settings(void **state)
{
    struct run *r = *state;
    run_text(r, HOST_WITH("--iptables=false\\0--storage-opt\\0dm.basesize=20G\\0"
                          "--authorization-plugin=authz-broker\\0--default-ulimit\\0"
                          "nofile=1024:2048\\0--cgroup-parent\\0/docker-custom\\0"
                          "--no-new-privileges\\0--userland-proxy=false\\0"
                          "--userns-remap=default\\0")
                    DAEMON_JSON("{\"storage-opts\": [\"overlay2.size=10G\"]}"));
    expect(r, "2.4", CHECK_FAIL, "iptables=false (command line)");
    expect(r, "2.8", CHECK_PASS, "default ulimits: nofile=1024:2048 (command line)");
    expect(r, "2.10", CHECK_FAIL, "cgroup-parent=/docker-custom (command line)");
    expect(r, "2.11", CHECK_FAIL, "storage-opt dm.basesize=20G (command line)");
    expect(r, "2.12", CHECK_PASS, "authorization plugins: authz-broker (command line)");
    expect(r, "2.14", CHECK_PASS, "no-new-privileges=true (command line)");
    expect(r, "2.16", CHECK_PASS, "userland-proxy=false (command line)");

    /* From daemon.json, after command-line values of other options. */
    run_text(r, HOST_WITH("--storage-opt\\0overlay2.size=10G\\0")
                    DAEMON_JSON("{\"storage-opts\": [\"dm.basesize=40G\"], "
                                "\"authorization-plugins\": [\"\", \"opa\"]}"));
    expect(r, "2.11", CHECK_FAIL, "storage-opt dm.basesize=40G (/etc/docker/daemon.json)");
    expect(r, "2.12", CHECK_PASS, "authorization plugins: opa (/etc/docker/daemon.json)");
    expect(r, "2.4", CHECK_PASS, "iptables not set (default true)");
    expect(r, "2.10", CHECK_PASS, "cgroup-parent not set (default)");
}

/* 2.9: user namespaces as the API reports them; a configured remap not in effect fails. */
static void test_2_9_userns_effective(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, HOST_WITH("--userns-remap=default\\0"));
    collect(r);
    expect(r, "2.9", CHECK_PASS, "SecurityOptions has name=userns");
    r->s.sw.info.security_options.len = 1; /* seccomp only */
    collect(r);
    expect(r, "2.9", CHECK_FAIL,
           "userns-remap=default (command line) is not in effect: no name=userns in "
           "SecurityOptions (dockerd not restarted?)");
    /* Rootless: containers live in dockerd's user namespace (and 2.1 passes). */
    r->s.secopts[1] = "name=rootless";
    r->s.sw.info.security_options.len = 2;
    collect(r);
    expect(r, "2.9", CHECK_PASS, "rootless dockerd: containers run in its user namespace");
    expect(r, "2.1", CHECK_PASS, "SecurityOptions has name=rootless");
}

/* 2.13, 2.15, 2.17, 2.18 from the API. */
static void test_2_api_settings(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, HOST_WITH(""));
    struct docker_info *i = &r->s.sw.info;

    i->logging_driver = "local";
    collect(r);
    expect(r, "2.13", CHECK_FAIL, "LoggingDriver=local: no remote logging");
    i->logging_driver = "none";
    collect(r);
    expect(r, "2.13", CHECK_FAIL, "LoggingDriver=none: no remote logging");
    i->logging_driver = "journald";
    collect(r);
    expect(r, "2.13", CHECK_PASS, "LoggingDriver=journald");

    /* 2.17: the default or a custom profile pass, unconfined fails, none warns. */
    r->s.secopts[0] = "name=seccomp,profile=builtin";
    collect(r);
    expect(r, "2.17", CHECK_PASS, "SecurityOptions name=seccomp,profile=builtin");
    r->s.secopts[0] = "name=seccomp,profile=/etc/docker/seccomp.json";
    collect(r);
    expect(r, "2.17", CHECK_PASS, "SecurityOptions name=seccomp,profile=/etc/docker/seccomp.json");
    r->s.secopts[0] = "name=seccomp,profile=unconfined";
    collect(r);
    expect(r, "2.17", CHECK_FAIL, "SecurityOptions name=seccomp,profile=unconfined");
    r->s.secopts[0] = "name=apparmor";
    collect(r);
    expect(r, "2.17", CHECK_WARN,
           "no name=seccomp in SecurityOptions: seccomp not available to dockerd");

    /* 2.18 from /version when /info did not say. */
    i->invalid = 1u << DOCKER_F_INFO_EXPERIMENTAL;
    r->s.sw.version.experimental = true;
    collect(r);
    expect(r, "2.18", CHECK_FAIL, "Experimental=true (/version)");
    r->s.sw.version.invalid = 1u << DOCKER_F_VERSION_EXPERIMENTAL;
    collect(r);
    expect(r, "2.18", CHECK_ERROR, "ExperimentalBuild missing or mistyped in the API answer");
}

/* Mistyped or missing fields of /info: the checks that need them are errors, never passes. */
static void test_invalid_api_fields_are_errors(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, HOST_WITH(""));
    r->s.sw.info.invalid = (1u << DOCKER_F_INFO_SECURITY_OPTIONS) | (1u << DOCKER_F_INFO_DRIVER) |
                           (1u << DOCKER_F_INFO_LOGGING_DRIVER) |
                           (1u << DOCKER_F_INFO_LIVE_RESTORE) | (1u << DOCKER_F_INFO_SWARM) |
                           (1u << DOCKER_F_INFO_EXPERIMENTAL) |
                           (1u << DOCKER_F_INFO_REGISTRY_CONFIG);
    r->s.sw.version.invalid = 1u << DOCKER_F_VERSION_EXPERIMENTAL;
    collect(r);
    static const struct want want[] = {
        { "2.1", CHECK_ERROR, "SecurityOptions missing or mistyped in the API answer" },
        { "2.5", CHECK_ERROR, "RegistryConfig missing or mistyped in the API answer" },
        { "2.6", CHECK_ERROR, "Driver missing or mistyped in the API answer" },
        { "2.9", CHECK_ERROR, "SecurityOptions missing or mistyped in the API answer" },
        { "2.13", CHECK_ERROR, "LoggingDriver missing or mistyped in the API answer" },
        { "2.15", CHECK_ERROR, "LiveRestoreEnabled missing or mistyped in the API answer" },
        { "2.17", CHECK_ERROR, "SecurityOptions missing or mistyped in the API answer" },
        { "2.18", CHECK_ERROR, "ExperimentalBuild missing or mistyped in the API answer" },
        { "5.1", CHECK_ERROR, "Swarm missing or mistyped in the API answer" },
        { "7.1", CHECK_ERROR, "Swarm missing or mistyped in the API answer" },
        { "7.5", CHECK_ERROR, "Swarm missing or mistyped in the API answer" },
        { "7.9", CHECK_ERROR, "Swarm missing or mistyped in the API answer" },
    };
    for (size_t k = 0; k < ARRAY_LEN(want); k++)
        expect(r, want[k].id, want[k].status, want[k].evidence);
    /* The configuration-based checks still judge. */
    expect(r, "2.3", CHECK_PASS, "log-level not set (default info)");
    assert_int_equal(r->h.set.len, 28);
}

/*
 * dockerd is not visible, or daemon.json cannot be read: a setting found
 * nowhere may be set where dockward cannot look, so no default-based pass;
 * a value that is visible is still judged.
 */
static void test_2_invisible_configuration_is_error_not_pass(void **state)
{
    struct run *r = *state;
    /* No dockerd process in /proc (an agent without the host's pid namespace). */
    run_text(r, "dir /proc 0555 0 0\n" DAEMON_JSON("{\"icc\": true}"));
    expect(r, "2.2", CHECK_FAIL, "icc=true (/etc/docker/daemon.json)");
    expect(r, "2.3", CHECK_ERROR,
           "log-level not found: dockerd's command line is not visible (no dockerd process in "
           "/proc)");
    expect_has(r, "2.7", CHECK_ERROR, "hosts not found: dockerd's command line is not visible");
    expect_has(r, "2.14", CHECK_ERROR, "no-new-privileges not found");
    /* The API-based checks are unaffected. */
    expect(r, "2.6", CHECK_PASS, "storage driver overlay2");

    /* A daemon.json that is not JSON. */
    run_text(r, HOST_WITH("--icc=false\\0") DAEMON_JSON("{\"log-level\": "));
    expect(r, "2.2", CHECK_PASS, "icc=false (command line)");
    expect_has(r, "2.3", CHECK_ERROR,
               "log-level not found: /etc/docker/daemon.json: invalid JSON at line 1");

    /* A /proc that cannot be listed: the whole configuration is unreadable. */
    run_text(r, "file /proc 0444 0 0 =not a directory\\n\n");
    expect(r, "2.3", CHECK_ERROR,
           "log-level not found: cannot read dockerd's configuration: cannot list /proc: Not a "
           "directory");
    expect(r, "2.13", CHECK_PASS, "LoggingDriver=syslog");
}

/* Several dockerd processes: the one serving --docker.host is judged. */
static void test_2_judges_dockerd_serving_docker_host(void **state)
{
    struct run *r = *state;
#define TWO_DAEMONS                                                                               \
    "dir /run 0755 0 0\n"                                                                         \
    "file /proc/100/comm 0444 0 0 =dockerd\\n\n"                                                  \
    "file /proc/100/cmdline 0444 0 0 =dockerd\\0-H\\0unix:///run/a.sock\\0--log-level=debug\\0\n" \
    "file /proc/200/comm 0444 0 0 =dockerd\\n\n"                                                  \
    "file /proc/200/cmdline 0444 0 0 =dockerd\\0--host=unix:///run/b.sock\\0"                     \
    "--config-file=/srv/b.json\\0\n"                                                              \
    "file /srv/b.json 0644 0 0 ={\"log-level\": \"info\"}\n"
    r->docker_host = "unix:///run/b.sock";
    run_text(r, TWO_DAEMONS);
    expect(r, "2.3", CHECK_PASS, "log-level=info (/srv/b.json)");
    r->docker_host = "unix:///run/a.sock";
    run_text(r, TWO_DAEMONS);
    expect(r, "2.3", CHECK_FAIL, "log-level=debug (command line)");
#undef TWO_DAEMONS
}

/*
 * A tcp:// --docker.host: only a local dockerd listening there is judged.
 * Another machine's dockerd (a remote --docker.host) is not visible, so
 * what only its command line says is error, never the local dockerd's.
 */
static void test_2_14_remote_docker_host_is_not_the_local_dockerd(void **state)
{
    struct run *r = *state;
#define TCP_DAEMON                                                                        \
    "file /proc/100/comm 0444 0 0 =dockerd\\n\n"                                          \
    "file /proc/100/cmdline 0444 0 0 =dockerd\\0-H\\0tcp://0.0.0.0:2376\\0--tlsverify\\0" \
    "--no-new-privileges\\0\n"
    r->docker_host = "tcp://docker.example:2376";
    run_text(r, TCP_DAEMON);
    expect_has(r, "2.14", CHECK_ERROR,
               "no-new-privileges not found: dockerd's command line is "
               "not visible");
    /* The local one, reached over TCP on the port it listens on. */
    r->docker_host = "tcp://127.0.0.1:2376";
    run_text(r, TCP_DAEMON);
    expect(r, "2.14", CHECK_PASS, "no-new-privileges=true (command line)");
    r->docker_host = "tcp://127.0.0.1:2375";
    run_text(r, TCP_DAEMON);
    expect_has(r, "2.14", CHECK_ERROR, "not visible");
    /* -H without a scheme is TCP too (opts.ParseHost). */
    r->docker_host = "tcp://127.0.0.1:2377";
    run_text(r, "file /proc/100/comm 0444 0 0 =dockerd\\n\n"
                "file /proc/100/cmdline 0444 0 0 =dockerd\\0-H\\0127.0.0.1:2377\\0"
                "--no-new-privileges\\0\n");
    expect(r, "2.14", CHECK_PASS, "no-new-privileges=true (command line)");
#undef TCP_DAEMON
}

/* ---- 5.1 and section 7 ---------------------------------------------------------- */

/* Swarm inactive (or not yet active): one skip per section-7 check. */
static void test_7_skip_all_when_swarm_inactive(void **state)
{
    struct run *r = *state;
    harness_build_text(&r->h.fx, HOST_WITH(""));
    collect(r);
    static const char *const ids[] = {
        "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7", "7.8", "7.9"
    };
    for (size_t i = 0; i < ARRAY_LEN(ids); i++)
        expect(r, ids[i], CHECK_SKIP, "swarm inactive");
    expect(r, "5.1", CHECK_PASS, "Swarm.LocalNodeState=inactive");
    expect(r, "2.15", CHECK_PASS, "LiveRestoreEnabled=true");

    r->s.sw.info.swarm_state = "";
    collect(r);
    expect(r, "7.4", CHECK_SKIP, "swarm inactive");
    expect(r, "5.1", CHECK_PASS, "Swarm.LocalNodeState=\"\"");

    /* A locked swarm is swarm mode on (5.1), but nothing of it can be judged. */
    r->s.sw.info.swarm_state = "locked";
    collect(r);
    for (size_t i = 0; i < ARRAY_LEN(ids); i++)
        expect(r, ids[i], CHECK_SKIP, "swarm not active (Swarm.LocalNodeState=locked)");
    expect(r, "5.1", CHECK_FAIL, "Swarm.LocalNodeState=locked: swarm mode is on");
}

/* dockerd's network namespace: swarm listening on every interface (::, port 2377). */
#define NET_TCP_HEADER                                                                            \
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout " \
    "inode\\n"
#define PROC_NET_ANY                                                                              \
    "file /proc/4242/net/tcp 0444 0 0 =" NET_TCP_HEADER                                           \
    "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 " \
    "1 1 0 100 0 0 10 0\\n"                                                                       \
    "   1: 0500000A:0949 0600000A:D431 01 00000000:00000000 00:00000000 00000000     0        0 " \
    "2 1 0 20 4 30 10 -1\\n\n"                                                                    \
    "file /proc/4242/net/tcp6 0444 0 0 =" NET_TCP_HEADER                                          \
    "   0: 00000000000000000000000000000000:0949 00000000000000000000000000000000:0000 0A "       \
    "00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\\n\n"
/* ... and on 10.0.0.5:2377 only (no tcp6 table: a host without IPv6). */
#define PROC_NET_SPECIFIC                                                                         \
    "file /proc/4242/net/tcp 0444 0 0 =" NET_TCP_HEADER                                           \
    "   0: 0500000A:0949 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 " \
    "1 1 0 100 0 0 10 0\\n\n"

/* An active swarm manager with the defaults: what fails and what is manual. */
static void test_7_swarm_active_manager(void **state)
{
    struct run *r = *state;
    sweep_swarm(&r->s);
    run_text(r, HOST_WITH("") PROC_NET_ANY);
    static const struct want want[] = {
        { "5.1", CHECK_FAIL, "Swarm.LocalNodeState=active: swarm mode is on" },
        { "7.1", CHECK_PASS, "3 managers (odd, at most 7)" },
        { "7.2", CHECK_FAIL, "swarm management port listens on all interfaces ([::]:2377)" },
        { "7.3", CHECK_FAIL, "1 of 2 overlay networks not encrypted: ingress" },
        { "7.4", CHECK_WARN, "manual check: swarm active; keep secrets in docker secret" },
        { "7.5", CHECK_FAIL, "Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers=false" },
        { "7.6", CHECK_WARN, "manual check: rotate the unlock key periodically (autolock off)" },
        { "7.7", CHECK_WARN, "manual check: review node certificate expiry and rotation" },
        { "7.8", CHECK_WARN, "manual check: rotate the swarm CA as appropriate" },
        { "7.9", CHECK_WARN,
          "manual check: separate management and data traffic (Swarm.NodeAddr=10.0.0.5)" },
        /* Live restore is not applicable in swarm mode. */
        { "2.15", CHECK_SKIP,
          "not applicable: swarm mode is active (Swarm.LocalNodeState=active)" },
    };
    for (size_t i = 0; i < ARRAY_LEN(want); i++)
        expect(r, want[i].id, want[i].status, want[i].evidence);
    assert_int_equal(r->h.set.len, 28);
    harness_done(&r->h.set, &r->h.fx);

    /* Hardened: listener on one address, all overlays encrypted, autolock on. */
    r->s.nets[3].encrypted = true;
    r->s.sw.info.swarm_autolock = true;
    r->s.sw.info.swarm_managers = 5;
    run_text(r, HOST_WITH("") PROC_NET_SPECIFIC);
    expect(r, "7.1", CHECK_PASS, "5 managers (odd, at most 7)");
    expect(r, "7.2", CHECK_PASS, "swarm management port listens on 10.0.0.5:2377 only");
    expect(r, "7.3", CHECK_PASS, "all 2 overlay networks encrypted");
    expect(r, "7.5", CHECK_PASS, "Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers=true");
    expect(r, "7.6", CHECK_WARN, "manual check: rotate the unlock key periodically (autolock on)");

    /* Manager counts: even, too many, one. */
    r->s.sw.info.swarm_managers = 4;
    collect(r);
    expect(r, "7.1", CHECK_FAIL,
           "4 managers: an even number adds no fault tolerance (want an odd number, at most 7)");
    r->s.sw.info.swarm_managers = 9;
    collect(r);
    expect(r, "7.1", CHECK_FAIL,
           "9 managers: more than 7 slows consensus (want an odd number, at most 7)");
    r->s.sw.info.swarm_managers = 1;
    collect(r);
    expect(r, "7.1", CHECK_PASS, "1 manager (odd, at most 7)");

    /* No overlay network at all; no network list at all. */
    r->s.sw.n_networks = 3;
    collect(r);
    expect(r, "7.3", CHECK_PASS, "no overlay networks");
    r->s.sw.n_networks = 0;
    collect(r);
    expect(r, "7.3", CHECK_ERROR, "no networks in the API answer");
}

/* 7.2 when dockerd's sockets cannot be seen; a worker node. */
static void test_7_2_listener_unknown_and_worker(void **state)
{
    struct run *r = *state;
    sweep_swarm(&r->s);
    /* No net tables for dockerd. */
    run_text(r, HOST_WITH(""));
    expect_has(r, "7.2", CHECK_ERROR, "cannot read /proc/4242/net/tcp: ");
    /* Nothing on 2377. */
    run_text(r, HOST_WITH("") "file /proc/4242/net/tcp 0444 0 0 =" NET_TCP_HEADER "\n");
    expect(r, "7.2", CHECK_ERROR,
           "no listener on port 2377 in dockerd's network namespace (a custom --listen-addr "
           "port?)");
    /* No dockerd visible. */
    run_text(r, "dir /proc 0555 0 0\n");
    expect(r, "7.2", CHECK_ERROR,
           "dockerd process not found in /proc: cannot read its listening sockets");
    harness_done(&r->h.set, &r->h.fx);

    /* A worker: what only managers know is skipped. */
    r->s.sw.info.swarm_control_available = false;
    r->s.sw.info.swarm_managers = 0;
    run_text(r, HOST_WITH(""));
    expect(r, "7.1", CHECK_SKIP, "worker node: the manager count is visible on managers only");
    expect(r, "7.2", CHECK_SKIP, "worker node: swarm's management port listens on managers only");
    expect(r, "7.5", CHECK_SKIP, "worker node: autolock is a manager setting");
    expect(r, "7.3", CHECK_FAIL, "1 of 2 overlay networks not encrypted: ingress");
    expect(r, "5.1", CHECK_FAIL, NULL);
}

/*
 * 7.2 judges the listener dockerd holds: another process listening on
 * 0.0.0.0:2377 in the same namespace (a second daemon) does not count,
 * dockerd's own socket (its fd links "socket:[inode]") does.
 */
static void test_7_2_only_dockerds_own_listener_counts(void **state)
{
    struct run *r = *state;
    sweep_swarm(&r->s);
#define TWO_LISTENERS                                                                             \
    "file /proc/4242/net/tcp 0444 0 0 =" NET_TCP_HEADER                                           \
    "   0: 00000000:0949 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 " \
    "9 1 0 100 0 0 10 0\\n"                                                                       \
    "   1: 0500000A:0949 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 " \
    "3 1 0 100 0 0 10 0\\n\n"
    run_text(r, HOST_WITH("") TWO_LISTENERS "link /proc/4242/fd/0 /dev/null\n"
                                            "link /proc/4242/fd/7 socket:[3]\n"
                                            "link /proc/4242/fd/8 socket:[44]\n"
                                            "link /proc/4242/fd/9 pipe:[9]\n");
    expect(r, "7.2", CHECK_PASS, "swarm management port listens on 10.0.0.5:2377 only");
    /* dockerd holds the 0.0.0.0 one. */
    run_text(r, HOST_WITH("") TWO_LISTENERS "link /proc/4242/fd/7 socket:[9]\n");
    expect(r, "7.2", CHECK_FAIL, "swarm management port listens on all interfaces (0.0.0.0:2377)");
    /* dockerd holds neither: its swarm listens elsewhere. */
    run_text(r, HOST_WITH("") TWO_LISTENERS "link /proc/4242/fd/7 socket:[44]\n");
    expect_has(r, "7.2", CHECK_ERROR, "no listener on port 2377 in dockerd's network namespace");
    /* Its fds cannot be read: every listener on the port counts. */
    run_text(r, HOST_WITH("") TWO_LISTENERS);
    expect(r, "7.2", CHECK_FAIL, "swarm management port listens on all interfaces (0.0.0.0:2377)");
#undef TWO_LISTENERS
}

/* 2.15: live restore does not apply to a swarm node (Swarm.LocalNodeState=active): skip. */
static void test_2_15_live_restore_swarm_active_skips(void **state)
{
    struct run *r = *state;
    sweep_swarm(&r->s);
    r->s.sw.info.live_restore = false;
    run_text(r, HOST_WITH(""));
    expect(r, "2.15", CHECK_SKIP,
           "not applicable: swarm mode is active (Swarm.LocalNodeState=active)");
}

/* 2.1: a rootless dockerd shows name=rootless in /info SecurityOptions: pass. */
static void test_2_1_rootless_passes(void **state)
{
    struct run *r = *state;
    r->s.secopts[1] = "name=rootless";
    run_text(r, HOST_WITH(""));
    expect(r, "2.1", CHECK_PASS, "SecurityOptions has name=rootless");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_descriptor),
        T(test_docker_unavailable),
        T(test_hardened),
        T(test_failing),
        T(test_2_3_log_level_debug_on_command_line),
        T(test_2_3_config_file_space_form_judges_file_in_use),
        T(test_2_5_builtin_loopback_is_not_a_finding),
        T(test_2_7_tls_set_only_in_daemon_json),
        T(test_2_2_icc_and_bridge_none),
        T(test_2_command_line_settings),
        T(test_2_9_userns_effective),
        T(test_2_api_settings),
        T(test_invalid_api_fields_are_errors),
        T(test_2_invisible_configuration_is_error_not_pass),
        T(test_2_judges_dockerd_serving_docker_host),
        T(test_2_14_remote_docker_host_is_not_the_local_dockerd),
        T(test_7_skip_all_when_swarm_inactive),
        T(test_7_swarm_active_manager),
        T(test_7_2_listener_unknown_and_worker),
        T(test_7_2_only_dockerds_own_listener_counts),
        T(test_2_3_log_level_empty_string_passes),
        T(test_2_3_restart_bool_flag_log_level_debug_fails),
        T(test_2_14_no_new_privileges_twice_last_wins),
        T(test_2_7_tlsverify_false_alone_fails),
        T(test_2_7_tls_without_hosts_listens_on_tcp),
        T(test_2_11_basesize_any_case_fails),
        T(test_2_15_live_restore_swarm_active_skips),
        T(test_2_1_rootless_passes),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
