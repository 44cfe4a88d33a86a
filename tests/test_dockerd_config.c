/*
 * test_dockerd_config.c - dockerd's configuration as read from a host tree:
 * every command-line form dockerd's flag parser accepts, daemon.json values
 * and failures, and the paths derived from both (sockets, data root,
 * containerd socket, unit files, binaries).
 *
 * Command-line parsing is tested on in-memory text; everything else on the
 * dc-debian fixture (tests/fixtures/dc-debian), which each test changes with
 * the small put_* helpers below for its own case, so that one committed tree
 * covers the common layout and each variation sits next to its assertions.
 */
#include "../collectors/dockerd_config.h"
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

/* ---- helpers ------------------------------------------------------------- */

static void parse(struct dockerd_config *cfg, const char *cmdline, size_t len)
{
    memset(cfg, 0, sizeof(*cfg));
    assert_int_equal(dockerd_config_parse_cmdline(cfg, cmdline, len), 0);
}

/* Parses a string literal holding NULs (its final NUL is the terminator). */
#define PARSE(cfg, lit) parse((cfg), (lit), sizeof(lit))

/* Each test that reads a tree gets a fresh dc-debian, removed even when it fails. */
static int setup_debian(void **state)
{
    return harness_fixture_setup(state, "dc-debian");
}

/* Writes a root-owned 0644 file (replacing what was there) at a host path of the fixture. */
static void put_file(const struct fixture *fx, const char *hostpath, const char *data, size_t len)
{
    harness_put(fx, hostpath, data, len, 0644, 0, 0);
}

#define PUT_TEXT(fx, path, text) put_file((fx), (path), (text), strlen(text))
#define PUT_BYTES(fx, path, lit) put_file((fx), (path), (lit), sizeof(lit) - 1)

static void load(const struct fixture *fx, struct dockerd_config *cfg)
{
    char err[256] = "";
    if (dockerd_config_load(fx->root, cfg, err, sizeof(err)) != 0)
        fail_msg("dockerd_config_load: %s", err);
}

/* ---- command line -------------------------------------------------------- */

static void test_cmdline_long_forms(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    PARSE(&cfg, "/usr/bin/dockerd\0--log-level=debug\0--log-level\0warn\0--data-root\0/srv/d");
    assert_int_equal(cfg.n_opts, 3);
    assert_string_equal(cfg.opts[0].name, "log-level");
    assert_string_equal(cfg.opts[0].value, "debug");
    assert_string_equal(cfg.opts[1].name, "log-level");
    assert_string_equal(cfg.opts[1].value, "warn");
    assert_string_equal(cfg.opts[2].name, "data-root");
    assert_string_equal(cfg.opts[2].value, "/srv/d");
    /* Given twice: dockerd (pflag) uses the last one. */
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "warn");
    /* An "=" inside the value stays in the value. */
    dockerd_config_free(&cfg);
    PARSE(&cfg, "dockerd\0--log-opt=max-size=10m\0--label\0a=b");
    assert_string_equal(dockerd_config_value(&cfg, "log-opt"), "max-size=10m");
    assert_string_equal(dockerd_config_value(&cfg, "label"), "a=b");
    dockerd_config_free(&cfg);
}

static void test_cmdline_short_forms(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    PARSE(&cfg, "dockerd\0-H\0unix:///a.sock\0-Hfd://\0-H=tcp://0.0.0.0:2376\0-l\0debug\0-D\0"
                "-G\0dockerroot\0-g\0/data\0-p\0/run/d.pid\0-DHunix:///b.sock\0-s\0overlay2");
    const char *hosts[8];
    assert_int_equal(dockerd_config_values(&cfg, "host", hosts, 8), 4);
    assert_string_equal(hosts[0], "unix:///a.sock");
    assert_string_equal(hosts[1], "fd://");
    assert_string_equal(hosts[2], "tcp://0.0.0.0:2376");
    assert_string_equal(hosts[3], "unix:///b.sock");
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "debug");
    assert_string_equal(dockerd_config_value(&cfg, "group"), "dockerroot");
    assert_string_equal(dockerd_config_value(&cfg, "graph"), "/data"); /* -g is moby's --graph */
    assert_string_equal(dockerd_config_value(&cfg, "pidfile"), "/run/d.pid");
    assert_string_equal(dockerd_config_value(&cfg, "storage-driver"), "overlay2");
    const char *debug[4];
    assert_int_equal(dockerd_config_values(&cfg, "debug", debug, 4), 2); /* -D and -DH */
    assert_int_equal(dockerd_config_bool(&cfg, "debug"), 1);
    /* The long-name normalisation means nothing is stored under a letter. */
    assert_null(dockerd_config_value(&cfg, "H"));
    assert_null(dockerd_config_value(&cfg, "l"));
    dockerd_config_free(&cfg);
    /* -l with its value attached, and -D=false. */
    PARSE(&cfg, "dockerd\0-linfo\0-D=false");
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "info");
    assert_int_equal(dockerd_config_bool(&cfg, "debug"), 0);
    dockerd_config_free(&cfg);
}

static void test_cmdline_repeated_hosts_counted_past_max(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    PARSE(&cfg, "dockerd\0-H\0unix:///1\0--host=unix:///2\0--host\0unix:///3");
    const char *hosts[2] = { NULL, NULL };
    /* Only two slots: both filled in order, the total still says 3. */
    assert_int_equal(dockerd_config_values(&cfg, "host", hosts, 2), 3);
    assert_string_equal(hosts[0], "unix:///1");
    assert_string_equal(hosts[1], "unix:///2");
    dockerd_config_free(&cfg);
}

static void test_cmdline_config_file_forms(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    PARSE(&cfg, "dockerd\0--config-file=/etc/docker/eq.json");
    assert_string_equal(cfg.config_file, "/etc/docker/eq.json");
    dockerd_config_free(&cfg);
    /* The space form, which the shell tool does not understand. */
    PARSE(&cfg, "dockerd\0--config-file\0/etc/docker/custom daemon.json\0--debug");
    assert_string_equal(cfg.config_file, "/etc/docker/custom daemon.json");
    assert_int_equal(dockerd_config_bool(&cfg, "debug"), 1);
    dockerd_config_free(&cfg);
    /* Given twice, the last one wins (as for any string flag). */
    PARSE(&cfg, "dockerd\0--config-file\0/a.json\0--config-file=/b.json");
    assert_string_equal(cfg.config_file, "/b.json");
    dockerd_config_free(&cfg);
    /* Not given: config_file is left alone (load sets the default). */
    PARSE(&cfg, "dockerd\0--debug");
    assert_string_equal(cfg.config_file, "");
    dockerd_config_free(&cfg);
}

static void test_cmdline_booleans(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    /* A bare boolean does not swallow the next argument; others do. */
    PARSE(&cfg, "dockerd\0--tlsverify\0--tlscacert\0/ca.pem\0--icc=false\0--selinux-enabled\0"
                "--userland-proxy=false\0--live-restore\0--iptables=F\0--ipv6=1\0--debug=maybe");
    assert_string_equal(dockerd_config_value(&cfg, "tlsverify"), "true");
    assert_int_equal(dockerd_config_bool(&cfg, "tlsverify"), 1);
    assert_string_equal(dockerd_config_value(&cfg, "tlscacert"), "/ca.pem");
    assert_string_equal(dockerd_config_value(&cfg, "icc"), "false");
    assert_int_equal(dockerd_config_bool(&cfg, "icc"), 0);
    assert_int_equal(dockerd_config_bool(&cfg, "selinux-enabled"), 1);
    assert_int_equal(dockerd_config_bool(&cfg, "userland-proxy"), 0);
    assert_int_equal(dockerd_config_bool(&cfg, "live-restore"), 1);
    assert_int_equal(dockerd_config_bool(&cfg, "iptables"), 0);
    assert_int_equal(dockerd_config_bool(&cfg, "ipv6"), 1);
    assert_int_equal(dockerd_config_bool(&cfg, "debug"), -1);     /* not a boolean */
    assert_int_equal(dockerd_config_bool(&cfg, "tls"), -1);       /* unset */
    assert_int_equal(dockerd_config_bool(&cfg, "tlscacert"), -1); /* a path */
    dockerd_config_free(&cfg);
    /* A bare boolean followed by "false" is true; "false" is a stray argument. */
    PARSE(&cfg, "dockerd\0--tlsverify\0false\0--no-new-privileges");
    assert_int_equal(dockerd_config_bool(&cfg, "tlsverify"), 1);
    assert_int_equal(dockerd_config_bool(&cfg, "no-new-privileges"), 1);
    assert_int_equal(cfg.n_opts, 2);
    dockerd_config_free(&cfg);
}

static void test_cmdline_edges(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    /* No final NUL: the last argument still counts. */
    parse(&cfg, "dockerd\0-l\0error", strlen("dockerd") + 1 + 3 + strlen("error"));
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "error");
    dockerd_config_free(&cfg);
    /* "--" ends the options; positional arguments are ignored. */
    PARSE(&cfg, "dockerd\0stray\0--icc=false\0--\0--icc=true");
    assert_int_equal(cfg.n_opts, 1);
    assert_int_equal(dockerd_config_bool(&cfg, "icc"), 0);
    dockerd_config_free(&cfg);
    /* A value-taking option takes the next argument whatever it looks like. */
    PARSE(&cfg, "dockerd\0--log-level\0-D");
    assert_int_equal(cfg.n_opts, 1);
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "-D");
    dockerd_config_free(&cfg);
    /* A value-taking option at the very end has an empty value. */
    PARSE(&cfg, "dockerd\0--group");
    assert_string_equal(dockerd_config_value(&cfg, "group"), "");
    dockerd_config_free(&cfg);
    /* Only argv[0], and an empty command line (a kernel thread). */
    PARSE(&cfg, "dockerd");
    assert_int_equal(cfg.n_opts, 0);
    dockerd_config_free(&cfg);
    parse(&cfg, "", 0);
    assert_int_equal(cfg.n_opts, 0);
    dockerd_config_free(&cfg);
}

/* ---- process, binary, units ---------------------------------------------- */

static void test_load_finds_lowest_dockerd(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    load(fx, &cfg);
    /* 999 < 1000 as numbers, though "1000" sorts first as text. */
    assert_int_equal(cfg.pid, 999);
    assert_string_equal(cfg.exe, "/usr/sbin/dockerd");
    assert_string_equal(cfg.config_file, "/etc/docker/daemon.json");
    assert_int_equal(cfg.json_state, DOCKERD_JSON_OK);
    assert_string_equal(dockerd_config_value(&cfg, "containerd"),
                        "/run/containerd/containerd.sock");
    dockerd_config_free(&cfg);
    /* dockerd_config_free twice is harmless. */
    dockerd_config_free(&cfg);
}

static void test_load_exe_deleted_and_fallback(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    /* An upgraded binary: the kernel says "(deleted)". */
    harness_put_link(fx, "/proc/999/exe", "/usr/bin/dockerd (deleted)");
    load(fx, &cfg);
    assert_string_equal(cfg.exe, "/usr/bin/dockerd");
    dockerd_config_free(&cfg);
    /* exe unreadable (no link): found in the binary directories instead. */
    harness_remove(fx, "/proc/999/exe");
    load(fx, &cfg);
    assert_int_equal(cfg.pid, 999);
    assert_string_equal(cfg.exe, "/usr/sbin/dockerd");
    dockerd_config_free(&cfg);
}

static void test_load_without_dockerd_or_proc(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    harness_remove(fx, "/proc/999/comm");
    harness_remove(fx, "/proc/1000/comm");
    load(fx, &cfg);
    assert_int_equal(cfg.pid, 0);
    assert_int_equal(cfg.n_opts, 0);
    assert_string_equal(cfg.exe, "/usr/sbin/dockerd"); /* still found on disk */
    assert_int_equal(cfg.json_state, DOCKERD_JSON_OK);
    dockerd_config_free(&cfg);

    /* A root without /proc at all: no dockerd, defaults, no error. */
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/proc'", fx->root);
    assert_int_equal(system(cmd), 0);
    load(fx, &cfg);
    assert_int_equal(cfg.pid, 0);
    dockerd_config_free(&cfg);
    /* /proc that is a file cannot be listed: the one failure of load. */
    PUT_TEXT(fx, "/proc", "not a directory");
    char err[256] = "";
    assert_int_equal(dockerd_config_load(fx->root, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot list /proc"));
    dockerd_config_free(&cfg);
}

static void test_host_find_binary(void **state)
{
    struct fixture *fx = *state;
    char out[HOSTFS_PATH_MAX];
    /* The running dockerd's exe. */
    assert_int_equal(host_find_binary(fx->root, "dockerd", out, sizeof(out)), 0);
    assert_string_equal(out, "/usr/sbin/dockerd");
    /*
     * comm is cut to 15 characters: both shims are "containerd-shim", and
     * the exe tells which is which.
     */
    assert_int_equal(host_find_binary(fx->root, "containerd-shim-runc-v2", out, sizeof(out)), 0);
    assert_string_equal(out, "/usr/bin/containerd-shim-runc-v2");
    assert_int_equal(host_find_binary(fx->root, "containerd-shim-runc-v1", out, sizeof(out)), 0);
    assert_string_equal(out, "/usr/bin/containerd-shim-runc-v1");
    /* ... and neither is the old "containerd-shim" (15 characters: comm is full). */
    assert_int_equal(host_find_binary(fx->root, "containerd-shim", out, sizeof(out)), -1);
    PUT_TEXT(fx, "/usr/bin/containerd-shim", "old shim");
    assert_int_equal(host_find_binary(fx->root, "containerd-shim", out, sizeof(out)), 0);
    assert_string_equal(out, "/usr/bin/containerd-shim");
    /* Not running: Debian's /usr/sbin/dockerd, not a guessed /usr/bin. */
    harness_remove(fx, "/proc/999/comm");
    harness_remove(fx, "/proc/1000/comm");
    assert_int_equal(host_find_binary(fx->root, "dockerd", out, sizeof(out)), 0);
    assert_string_equal(out, "/usr/sbin/dockerd");
    /* /usr/local/bin comes before /usr/sbin; a directory is not a binary. */
    PUT_TEXT(fx, "/usr/local/bin/dockerd", "x");
    char real[4096];
    harness_real_path(fx, "/usr/local/sbin/dockerd", real, sizeof(real));
    harness_make_parents(fx, real);
    assert_int_equal(mkdir(real, 0755), 0);
    assert_int_equal(host_find_binary(fx->root, "dockerd", out, sizeof(out)), 0);
    assert_string_equal(out, "/usr/local/bin/dockerd");
    assert_int_equal(host_find_binary(fx->root, "runc", out, sizeof(out)), -1);
}

static void test_systemd_unit_path_order(void **state)
{
    struct fixture *fx = *state;
    char out[HOSTFS_PATH_MAX];
    assert_int_equal(systemd_unit_path(fx->root, "docker.service", out, sizeof(out)), 0);
    assert_string_equal(out, "/lib/systemd/system/docker.service");
    PUT_TEXT(fx, "/usr/lib/systemd/system/docker.service", "[Service]\n");
    assert_int_equal(systemd_unit_path(fx->root, "docker.service", out, sizeof(out)), 0);
    assert_string_equal(out, "/usr/lib/systemd/system/docker.service");
    PUT_TEXT(fx, "/usr/local/lib/systemd/system/docker.service", "[Service]\n");
    assert_int_equal(systemd_unit_path(fx->root, "docker.service", out, sizeof(out)), 0);
    assert_string_equal(out, "/usr/local/lib/systemd/system/docker.service");
    PUT_TEXT(fx, "/run/systemd/system/docker.service", "[Service]\n");
    assert_int_equal(systemd_unit_path(fx->root, "docker.service", out, sizeof(out)), 0);
    assert_string_equal(out, "/run/systemd/system/docker.service");
    /* A masked unit (a link to /dev/null) is not a unit file. */
    harness_put_link(fx, "/etc/systemd/system/docker.service", "/dev/null");
    assert_int_equal(systemd_unit_path(fx->root, "docker.service", out, sizeof(out)), 0);
    assert_string_equal(out, "/run/systemd/system/docker.service");
    PUT_TEXT(fx, "/etc/systemd/system/docker.service", "[Service]\n");
    assert_int_equal(systemd_unit_path(fx->root, "docker.service", out, sizeof(out)), 0);
    assert_string_equal(out, "/etc/systemd/system/docker.service");
    assert_int_equal(systemd_unit_path(fx->root, "containerd.service", out, sizeof(out)), -1);
}

/* ---- daemon.json --------------------------------------------------------- */

static void test_json_values(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    const char *v[8];
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_OK);
    assert_non_null(cfg.json);
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "warn");
    /* Arrays element by element, under the flag name or the JSON key. */
    assert_int_equal(dockerd_config_values(&cfg, "insecure-registry", v, 8), 2);
    assert_string_equal(v[0], "registry.local:5000");
    assert_string_equal(v[1], "10.0.0.0/8");
    assert_int_equal(dockerd_config_values(&cfg, "insecure-registries", v, 8), 2);
    /* Objects: their keys. */
    assert_int_equal(dockerd_config_values(&cfg, "log-opt", v, 8), 2);
    assert_string_equal(v[0], "max-size");
    assert_string_equal(v[1], "max-file");
    /* Booleans and numbers as text. */
    assert_string_equal(dockerd_config_value(&cfg, "live-restore"), "true");
    assert_int_equal(dockerd_config_bool(&cfg, "live-restore"), 1);
    assert_int_equal(dockerd_config_bool(&cfg, "userland-proxy"), 0);
    assert_string_equal(dockerd_config_value(&cfg, "mtu"), "1450");
    assert_string_equal(dockerd_config_value(&cfg, "default-shm-size-ratio"), "1.5");
    /* An empty array and a null are set nowhere. */
    assert_int_equal(dockerd_config_values(&cfg, "label", v, 8), 0);
    assert_null(dockerd_config_value(&cfg, "cgroup-parent"));
    assert_null(dockerd_config_value(&cfg, "no-such-option"));
    /* The legacy "graph" key gives the data root. */
    char root[HOSTFS_PATH_MAX];
    dockerd_config_data_root(&cfg, root, sizeof(root));
    assert_string_equal(root, "/srv/docker-legacy");
    dockerd_config_free(&cfg);
}

static void test_json_command_line_first(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    const char *v[8];
    PUT_BYTES(fx, "/proc/999/cmdline",
              "dockerd\0--insecure-registry=cli.local\0--log-level=error\0--tlsverify\0");
    load(fx, &cfg);
    assert_int_equal(dockerd_config_values(&cfg, "insecure-registry", v, 8), 3);
    assert_string_equal(v[0], "cli.local");
    assert_string_equal(v[1], "registry.local:5000");
    assert_string_equal(v[2], "10.0.0.0/8");
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "error");
    assert_string_equal(dockerd_config_value(&cfg, "tlscacert"), "/etc/docker/tls/ca.pem");
    assert_int_equal(dockerd_config_bool(&cfg, "tlsverify"), 1);
    dockerd_config_free(&cfg);
}

static void test_json_config_file_in_use(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    /* The space form with a space in the path: that file is the one read. */
    PUT_BYTES(fx, "/proc/999/cmdline", "dockerd\0--config-file\0/etc/docker/custom daemon.json\0");
    PUT_TEXT(fx, "/etc/docker/custom daemon.json", "{\"log-level\": \"fatal\"}");
    load(fx, &cfg);
    assert_string_equal(cfg.config_file, "/etc/docker/custom daemon.json");
    assert_int_equal(cfg.json_state, DOCKERD_JSON_OK);
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "fatal");
    assert_null(dockerd_config_value(&cfg, "mtu")); /* not from /etc/docker/daemon.json */
    dockerd_config_free(&cfg);
    /* The "=" form, to a file that does not exist: absent, not the default file. */
    PUT_BYTES(fx, "/proc/999/cmdline", "dockerd\0--config-file=/etc/docker/none.json\0");
    load(fx, &cfg);
    assert_string_equal(cfg.config_file, "/etc/docker/none.json");
    assert_int_equal(cfg.json_state, DOCKERD_JSON_ABSENT);
    assert_null(dockerd_config_value(&cfg, "log-level"));
    dockerd_config_free(&cfg);
}

static void test_json_failures(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;

    PUT_TEXT(fx, "/etc/docker/daemon.json", "{\n  \"log-level\": \"warn\",\n  oops\n}\n");
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_INVALID);
    assert_null(cfg.json);
    assert_non_null(strstr(cfg.config_error, "invalid JSON at line 3"));
    assert_null(dockerd_config_value(&cfg, "log-level"));
    dockerd_config_free(&cfg);

    PUT_TEXT(fx, "/etc/docker/daemon.json", "[\"hosts\"]");
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_INVALID);
    assert_string_equal(cfg.config_error, "not a JSON object");
    dockerd_config_free(&cfg);

    PUT_BYTES(fx, "/etc/docker/daemon.json", "{}\0{\"debug\": true}");
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_INVALID);
    assert_string_equal(cfg.config_error, "contains a NUL byte");
    dockerd_config_free(&cfg);

    PUT_TEXT(fx, "/etc/docker/daemon.json", "{\"debug\": true,}");
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_INVALID);
    assert_non_null(strstr(cfg.config_error, "invalid JSON at line 1"));
    dockerd_config_free(&cfg);

    /* As dockerd: an empty (blank) file is an empty configuration. */
    PUT_TEXT(fx, "/etc/docker/daemon.json", " \n\t\n");
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_OK);
    assert_null(dockerd_config_value(&cfg, "debug"));
    dockerd_config_free(&cfg);
    /* ... and a UTF-8 byte order mark is skipped. */
    PUT_TEXT(fx, "/etc/docker/daemon.json", "\xef\xbb\xbf{\"debug\": true}");
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_OK);
    assert_int_equal(dockerd_config_bool(&cfg, "debug"), 1);
    dockerd_config_free(&cfg);

    harness_remove(fx, "/etc/docker/daemon.json");
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_ABSENT);
    assert_string_equal(cfg.config_error, "");
    dockerd_config_free(&cfg);

    /* A FIFO must not hang the load: hostfs refuses it. */
    char real[4096];
    harness_real_path(fx, "/etc/docker/daemon.json", real, sizeof(real));
    assert_int_equal(mkfifo(real, 0644), 0);
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_UNREADABLE);
    assert_string_equal(cfg.config_error, "not a regular file");
    dockerd_config_free(&cfg);
    harness_remove(fx, "/etc/docker/daemon.json");

    /* Over the cap. */
    char *big = malloc(DOCKERD_JSON_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', DOCKERD_JSON_MAX + 1);
    big[0] = '{';
    big[DOCKERD_JSON_MAX] = '}';
    put_file(fx, "/etc/docker/daemon.json", big, DOCKERD_JSON_MAX + 1);
    free(big);
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_UNREADABLE);
    assert_non_null(strstr(cfg.config_error, "larger than"));
    dockerd_config_free(&cfg);

    /* A component that is not a directory. */
    PUT_BYTES(fx, "/proc/999/cmdline", "dockerd\0--config-file=/etc/docker/daemon.json/x\0");
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{}");
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_UNREADABLE);
    assert_string_equal(cfg.config_error, strerror(ENOTDIR));
    dockerd_config_free(&cfg);
}

/* dockerd_config_parse_json on memory (what the file reader and the fuzz target call). */
static void test_json_parse_from_memory(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    memset(&cfg, 0, sizeof(cfg));

    /* Not NUL-terminated: exactly len bytes on the heap (ASan sees a read past them). */
    static const char text[] = "{\"hosts\": [\"fd://\"], \"max-concurrent-downloads\": 3}";
    char *exact = malloc(sizeof(text) - 1);
    assert_non_null(exact);
    memcpy(exact, text, sizeof(text) - 1);
    assert_int_equal(dockerd_config_parse_json(&cfg, exact, sizeof(text) - 1), 0);
    free(exact);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_OK);
    assert_string_equal(dockerd_config_value(&cfg, "host"), "fd://");
    assert_string_equal(dockerd_config_value(&cfg, "max-concurrent-downloads"), "3");

    /* Parsing again replaces the tree (the old one is freed). */
    assert_int_equal(dockerd_config_parse_json(&cfg, "[1]", 3), 0);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_INVALID);
    assert_null(cfg.json);
    assert_string_equal(cfg.config_error, "not a JSON object");

    /* NUL bytes are not blanks: dockerd (bytes.TrimSpace, then json) refuses such a file. */
    assert_int_equal(dockerd_config_parse_json(&cfg, "\0\0\n", 3), 0);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_INVALID);
    assert_int_equal(dockerd_config_parse_json(&cfg, " \n\0", 3), 0);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_INVALID);
    assert_int_equal(dockerd_config_parse_json(&cfg, "", 0), 0);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_OK);
    assert_string_equal(cfg.config_error, "");
    dockerd_config_free(&cfg);
}

/* ---- sockets, data root, containerd -------------------------------------- */

static void test_unix_sockets_fd_and_dedupe(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    char socks[8][HOSTFS_PATH_MAX];
    load(fx, &cfg);
    /*
     * -H fd:// -> docker.socket's ListenStream= paths (%t is /run, the
     * abstract socket has no file); -H unix:///var/run/docker.sock is the
     * same file as /run/docker.sock through the /var/run link.
     */
    assert_int_equal(dockerd_config_unix_sockets(&cfg, fx->root, socks, 8), 2);
    assert_string_equal(socks[0], "/run/docker.sock");
    assert_string_equal(socks[1], "/run/docker-extra.sock");
    /* ListenStream=9999 sits in [Install], not [Socket]: no TCP. */
    assert_int_equal(cfg.systemd_tcp, 0);
    assert_int_equal(dockerd_config_has_tcp(&cfg), 0);
    /* The cap on the output is respected. */
    assert_int_equal(dockerd_config_unix_sockets(&cfg, fx->root, socks, 1), 1);
    dockerd_config_free(&cfg);

    /* A drop-in-free override in /etc: an empty ListenStream= resets, TCP noted. */
    PUT_TEXT(fx, "/etc/systemd/system/docker.socket",
             "[Socket]\nListenStream=/run/old.sock\nListenStream=\n"
             "ListenStream=/run/only.sock\nListenStream=0.0.0.0:2375\n");
    load(fx, &cfg);
    assert_int_equal(cfg.systemd_tcp, 1);
    assert_int_equal(dockerd_config_has_tcp(&cfg), 1);
    assert_int_equal(dockerd_config_unix_sockets(&cfg, fx->root, socks, 8), 2);
    assert_string_equal(socks[0], "/run/only.sock");
    assert_string_equal(socks[1], "/var/run/docker.sock");
    dockerd_config_free(&cfg);

    /* fd:// without any docker.socket: the default socket. */
    harness_remove(fx, "/etc/systemd/system/docker.socket");
    harness_remove(fx, "/lib/systemd/system/docker.socket");
    PUT_BYTES(fx, "/proc/999/cmdline", "dockerd\0-H\0fd://\0");
    load(fx, &cfg);
    assert_int_equal(dockerd_config_unix_sockets(&cfg, fx->root, socks, 8), 1);
    assert_string_equal(socks[0], DOCKERD_DEFAULT_SOCKET);
    dockerd_config_free(&cfg);
}

static void test_unix_sockets_explicit_default_and_json(void **state)
{
    struct dockerd_config cfg;
    char socks[8][HOSTFS_PATH_MAX];
    /* No host at all: the default socket. */
    PARSE(&cfg, "dockerd");
    assert_int_equal(dockerd_config_unix_sockets(&cfg, "/nonexistent-root", socks, 8), 1);
    assert_string_equal(socks[0], "/var/run/docker.sock");
    assert_int_equal(dockerd_config_has_tcp(&cfg), 0);
    dockerd_config_free(&cfg);
    /* unix:// paths, tcp ones skipped but noticed, duplicates dropped. */
    PARSE(&cfg, "dockerd\0-H\0unix:///srv/d.sock\0-H\0tcp://0.0.0.0:2376\0-H\0unix:///srv/d.sock"
                "\0-H\0unix://");
    assert_int_equal(dockerd_config_unix_sockets(&cfg, "/nonexistent-root", socks, 8), 2);
    assert_string_equal(socks[0], "/srv/d.sock");
    assert_string_equal(socks[1], "/var/run/docker.sock");
    assert_int_equal(dockerd_config_has_tcp(&cfg), 1);
    dockerd_config_free(&cfg);
    /* Only TCP: no unix socket at all. A bare host:port is TCP too. */
    PARSE(&cfg, "dockerd\0-H\0127.0.0.1:2375");
    assert_int_equal(dockerd_config_unix_sockets(&cfg, "/nonexistent-root", socks, 8), 0);
    assert_int_equal(dockerd_config_has_tcp(&cfg), 1);
    dockerd_config_free(&cfg);

    /* "hosts" in daemon.json. */
    struct fixture *fx = *state;
    PUT_BYTES(fx, "/proc/999/cmdline", "dockerd\0");
    PUT_TEXT(fx, "/etc/docker/daemon.json",
             "{\"hosts\": [\"unix:///run/json.sock\", \"tcp://10.0.0.1:2376\"]}");
    load(fx, &cfg);
    assert_int_equal(dockerd_config_unix_sockets(&cfg, fx->root, socks, 8), 1);
    assert_string_equal(socks[0], "/run/json.sock");
    assert_int_equal(dockerd_config_has_tcp(&cfg), 1);
    dockerd_config_free(&cfg);
}

static void test_data_root(void **state)
{
    struct dockerd_config cfg;
    char out[HOSTFS_PATH_MAX];
    PARSE(&cfg, "dockerd");
    dockerd_config_data_root(&cfg, out, sizeof(out));
    assert_string_equal(out, "/var/lib/docker");
    dockerd_config_free(&cfg);
    PARSE(&cfg, "dockerd\0--data-root=/srv/docker");
    dockerd_config_data_root(&cfg, out, sizeof(out));
    assert_string_equal(out, "/srv/docker");
    dockerd_config_free(&cfg);
    PARSE(&cfg, "dockerd\0-g\0/old/graph");
    dockerd_config_data_root(&cfg, out, sizeof(out));
    assert_string_equal(out, "/old/graph");
    dockerd_config_free(&cfg);
    PARSE(&cfg, "dockerd\0--graph\0/older/graph");
    dockerd_config_data_root(&cfg, out, sizeof(out));
    assert_string_equal(out, "/older/graph");
    dockerd_config_free(&cfg);

    struct fixture *fx = *state;
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{\"data-root\": \"/mnt/docker\"}");
    load(fx, &cfg);
    dockerd_config_data_root(&cfg, out, sizeof(out));
    assert_string_equal(out, "/mnt/docker");
    dockerd_config_free(&cfg);
}

static void test_containerd_socket(void **state)
{
    struct dockerd_config cfg;
    char out[HOSTFS_PATH_MAX];
    PARSE(&cfg, "dockerd");
    dockerd_config_containerd_socket(&cfg, out, sizeof(out));
    assert_string_equal(out, "/run/containerd/containerd.sock");
    dockerd_config_free(&cfg);
    PARSE(&cfg, "dockerd\0--containerd\0/var/run/docker/containerd/containerd.sock");
    dockerd_config_containerd_socket(&cfg, out, sizeof(out));
    assert_string_equal(out, "/var/run/docker/containerd/containerd.sock");
    dockerd_config_free(&cfg);
    PARSE(&cfg, "dockerd\0--containerd=unix:///srv/c.sock");
    dockerd_config_containerd_socket(&cfg, out, sizeof(out));
    assert_string_equal(out, "/srv/c.sock");
    dockerd_config_free(&cfg);

    struct fixture *fx = *state;
    PUT_BYTES(fx, "/proc/999/cmdline", "dockerd\0");
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{\"containerd\": \"/run/json-containerd.sock\"}");
    load(fx, &cfg);
    dockerd_config_containerd_socket(&cfg, out, sizeof(out));
    assert_string_equal(out, "/run/json-containerd.sock");
    dockerd_config_free(&cfg);
}

/* ---- which dockerd, effective values, environment ------------------------ */

static void load_for(const struct fixture *fx, const char *docker_host, struct dockerd_config *cfg)
{
    char err[256] = "";
    if (dockerd_config_load_for(fx->root, docker_host, cfg, err, sizeof(err)) != 0)
        fail_msg("dockerd_config_load_for: %s", err);
}

static void test_load_for_picks_dockerd_serving_docker_host(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    /* pid 999: fd:// (/run/docker.sock, /run/docker-extra.sock) and /var/run/docker.sock;
     * pid 1000: its own socket on the command line, another in its own daemon.json. */
    PUT_BYTES(fx, "/proc/1000/cmdline",
              "/opt/other/dockerd\0-H\0unix:///run/other.sock\0--config-file\0/srv/other.json\0");
    PUT_TEXT(fx, "/srv/other.json", "{\"hosts\": [\"unix:///srv/json-other.sock\"]}");

    load_for(fx, "unix:///run/other.sock", &cfg);
    assert_int_equal(cfg.pid, 1000);
    assert_string_equal(cfg.exe, "/opt/other/dockerd");
    assert_string_equal(cfg.config_file, "/srv/other.json");
    dockerd_config_free(&cfg);
    /* Through the /var/run -> /run link, and from the other daemon's daemon.json. */
    load_for(fx, "unix:///var/run/other.sock", &cfg);
    assert_int_equal(cfg.pid, 1000);
    dockerd_config_free(&cfg);
    load_for(fx, "/srv/json-other.sock", &cfg);
    assert_int_equal(cfg.pid, 1000);
    dockerd_config_free(&cfg);
    /* The socket-activated one, through docker.socket's %t path. */
    load_for(fx, "unix:///run/docker-extra.sock", &cfg);
    assert_int_equal(cfg.pid, 999);
    assert_string_equal(cfg.config_file, "/etc/docker/daemon.json");
    dockerd_config_free(&cfg);
    load_for(fx, "unix:///run/docker.sock", &cfg);
    assert_int_equal(cfg.pid, 999);
    dockerd_config_free(&cfg);
    /* Nobody serves it, no host at all: the lowest pid, as dockerd_config_load. */
    static const char *const fallback[] = { "unix:///run/nobody.sock", "unix://", "", NULL };
    for (size_t i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++) {
        load_for(fx, fallback[i], &cfg);
        assert_int_equal(cfg.pid, 999);
        dockerd_config_free(&cfg);
    }
    /* A TCP host no local dockerd listens on may be another machine's: none is judged. */
    load_for(fx, "tcp://127.0.0.1:2376", &cfg);
    assert_int_equal(cfg.pid, 0);
    dockerd_config_free(&cfg);

    /* The lower pid also serving the socket wins over a higher one. */
    PUT_BYTES(fx, "/proc/1000/cmdline", "/opt/other/dockerd\0");
    load_for(fx, "unix:///var/run/docker.sock", &cfg);
    assert_int_equal(cfg.pid, 999);
    dockerd_config_free(&cfg);
    /* Only pid 1000 (no -H: the default socket) serves /var/run/docker.sock. */
    PUT_BYTES(fx, "/proc/999/cmdline", "dockerd\0-H\0unix:///run/first.sock\0");
    load_for(fx, "unix:///run/docker.sock", &cfg);
    assert_int_equal(cfg.pid, 1000);
    dockerd_config_free(&cfg);

    /* /proc that cannot be listed is the one failure, as for _load. */
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/proc'", fx->root);
    assert_int_equal(system(cmd), 0);
    PUT_TEXT(fx, "/proc", "not a directory");
    char err[256] = "";
    assert_int_equal(
        dockerd_config_load_for(fx->root, "unix:///run/docker.sock", &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot list /proc"));
}

static void test_effective_last_flag_then_json(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    enum dockerd_source src;
    /* The last of repeated flags wins, as in pflag; "-l" is log-level. */
    PUT_BYTES(fx, "/proc/999/cmdline",
              "dockerd\0--log-level=debug\0-l\0error\0--icc=false\0--icc\0");
    load(fx, &cfg);
    assert_string_equal(dockerd_config_effective(&cfg, "log-level", &src), "error");
    assert_int_equal(src, DOCKERD_SRC_CMDLINE);
    assert_string_equal(dockerd_config_effective(&cfg, "icc", &src), "true");
    assert_int_equal(src, DOCKERD_SRC_CMDLINE);
    /* Not on the command line: daemon.json, under the flag or the JSON name. */
    assert_string_equal(dockerd_config_effective(&cfg, "tlscacert", &src),
                        "/etc/docker/tls/ca.pem");
    assert_int_equal(src, DOCKERD_SRC_JSON);
    assert_string_equal(dockerd_config_effective(&cfg, "insecure-registries", &src),
                        "registry.local:5000");
    assert_int_equal(src, DOCKERD_SRC_JSON);
    assert_string_equal(dockerd_config_effective(&cfg, "userland-proxy", NULL), "false");
    /* null and absent: set nowhere. */
    assert_null(dockerd_config_effective(&cfg, "cgroup-parent", &src));
    assert_int_equal(src, DOCKERD_SRC_NONE);
    assert_null(dockerd_config_effective(&cfg, "no-new-privileges", &src));
    assert_int_equal(src, DOCKERD_SRC_NONE);
    dockerd_config_free(&cfg);

    /* Go's ParseBool, nothing more. */
    static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
    static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        assert_int_equal(dockerd_parse_bool(yes[i]), 1);
        assert_int_equal(dockerd_parse_bool(no[i]), 0);
    }
    assert_int_equal(dockerd_parse_bool("yes"), -1);
    assert_int_equal(dockerd_parse_bool(""), -1);
    assert_int_equal(dockerd_parse_bool(NULL), -1);
}

static void test_env_flag_reads_one_variable(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    char v[16];
    PUT_BYTES(fx, "/proc/999/environ",
              "PATH=/usr/sbin:/usr/bin\0DOCKER_CONTENT_TRUST_SERVER=https://n\0"
              "SECRET_TOKEN=hunter2\0DOCKER_CONTENT_TRUST=1\0X=a=b\0DOCKER_CONTENT_TRUST=0\0"
              "LONG=0123456789abcdefghij\0EMPTY=\0NOVALUE\0");
    load(fx, &cfg);
    memset(v, 'z', sizeof(v));
    /* The first definition, as getenv(3); not the longer name sharing its prefix. */
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "DOCKER_CONTENT_TRUST", v, sizeof(v)),
                     1);
    assert_string_equal(v, "1");
    /* A prefix of a name is not the name. */
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "DOCKER_CONTENT", v, sizeof(v)), 0);
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "SECRET", v, sizeof(v)), 0);
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "NOVALUE", v, sizeof(v)), 0);
    /* Values holding '=', empty ones, cut ones, and existence only. */
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "X", v, sizeof(v)), 1);
    assert_string_equal(v, "a=b");
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "EMPTY", v, sizeof(v)), 1);
    assert_string_equal(v, "");
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "LONG", v, 5), 1);
    assert_string_equal(v, "0123");
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "LONG", NULL, 0), 1);
    /* Bad names. */
    errno = 0;
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "A=B", v, sizeof(v)), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "", v, sizeof(v)), -1);
    assert_int_equal(errno, EINVAL);
    /* dockerd exited meanwhile: its environ is gone. */
    harness_remove(fx, "/proc/999/environ");
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "DOCKER_CONTENT_TRUST", v, sizeof(v)),
                     -1);
    assert_int_equal(errno, ENOENT);
    dockerd_config_free(&cfg);

    /* The environment of the dockerd that serves --docker.host, not of the lowest pid. */
    PUT_BYTES(fx, "/proc/1000/cmdline", "/opt/other/dockerd\0-H\0unix:///run/other.sock\0");
    PUT_BYTES(fx, "/proc/1000/environ", "DOCKER_CONTENT_TRUST=true\0");
    load_for(fx, "unix:///run/other.sock", &cfg);
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "DOCKER_CONTENT_TRUST", v, sizeof(v)),
                     1);
    assert_string_equal(v, "true");
    dockerd_config_free(&cfg);

    /* No dockerd at all. */
    harness_remove(fx, "/proc/999/comm");
    harness_remove(fx, "/proc/1000/comm");
    load(fx, &cfg);
    assert_int_equal(cfg.pid, 0);
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "DOCKER_CONTENT_TRUST", v, sizeof(v)),
                     -1);
    assert_int_equal(errno, ESRCH);
    dockerd_config_free(&cfg);

    /* Over the cap: an error, not a partial answer. */
    load(fx, &cfg); /* pid 0 again: make 999 a dockerd */
    dockerd_config_free(&cfg);
    PUT_TEXT(fx, "/proc/999/comm", "dockerd\n");
    PUT_TEXT(fx, "/proc/999/environ", "A=1");
    char real[4096];
    harness_real_path(fx, "/proc/999/environ", real, sizeof(real));
    assert_int_equal(truncate(real, DOCKERD_ENVIRON_MAX + 1), 0);
    load(fx, &cfg);
    assert_int_equal(cfg.pid, 999);
    assert_int_equal(dockerd_config_env_flag(&cfg, fx->root, "A", v, sizeof(v)), -1);
    assert_int_equal(errno, EFBIG);
    dockerd_config_free(&cfg);
}

/* --restart / -r is a deprecated BOOL flag of dockerd 20.10: it never takes the next argument. */
static void test_2_3_restart_is_a_bool_flag(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    PARSE(&cfg, "dockerd\0--restart\0--log-level\0debug");
    assert_int_equal(cfg.n_opts, 2);
    assert_string_equal(cfg.opts[0].name, "restart");
    assert_string_equal(cfg.opts[0].value, "true");
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "debug");
    dockerd_config_free(&cfg);
    PARSE(&cfg, "dockerd\0-r\0-l\0debug");
    assert_string_equal(dockerd_config_value(&cfg, "restart"), "true");
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "debug");
    dockerd_config_free(&cfg);
    /* Grouped: -rD is --restart and --debug. */
    PARSE(&cfg, "dockerd\0-rD\0--restart=false");
    assert_int_equal(dockerd_config_bool(&cfg, "debug"), 1);
    assert_int_equal(dockerd_config_bool(&cfg, "restart"), 0);
    dockerd_config_free(&cfg);
    /* Every bool flag of moby 20.10's cmd/dockerd: none takes the next argument. */
    static const char *const bools[] = {
        "--cri-containerd",
        "--restart",
        "--raw-logs",
        "--experimental",
        "--icc",
        "--selinux-enabled",
        "--iptables",
        "--ip6tables",
        "--ip-forward",
        "--ip-masq",
        "--ipv6",
        "--userland-proxy",
        "--live-restore",
        "--init",
        "--no-new-privileges",
        "--rootless",
        "--debug",
        "--tls",
        "--tlsverify",
        "--version",
        "--help",
        "--validate",
        "--disable-legacy-registry",
    };
    for (size_t i = 0; i < ARRAY_LEN(bools); i++) {
        char line[128];
        int n = snprintf(line, sizeof(line), "dockerd%c%s%c-l%cdebug%c", 0, bools[i], 0, 0, 0);
        assert_true(n > 0 && (size_t)n < sizeof(line));
        assert_int_equal(dockerd_config_parse_cmdline(&cfg, line, (size_t)n), 0);
        if (dockerd_config_value(&cfg, "log-level") == NULL ||
            strcmp(dockerd_config_value(&cfg, "log-level"), "debug") != 0)
            fail_msg("%s swallowed the next argument", bools[i]);
        dockerd_config_free(&cfg);
        memset(&cfg, 0, sizeof(cfg));
    }
}

/* A scalar flag given twice: the last one is what dockerd uses, for every lookup. */
static void test_3_scalar_flag_twice_last_wins(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    PARSE(&cfg,
          "dockerd\0--tlscacert=/a/ca.pem\0--tlscacert\0/b/ca.pem\0-G\0first\0--group=second\0"
          "--tlsverify=false\0--tlsverify\0--data-root\0/one\0--data-root=/two");
    assert_string_equal(dockerd_config_value(&cfg, "tlscacert"), "/b/ca.pem");
    assert_string_equal(dockerd_config_value(&cfg, "group"), "second");
    assert_int_equal(dockerd_config_bool(&cfg, "tlsverify"), 1);
    char out[HOSTFS_PATH_MAX];
    dockerd_config_data_root(&cfg, out, sizeof(out));
    assert_string_equal(out, "/two");
    dockerd_config_free(&cfg);
    /* -g and --graph are one flag; the last of them wins. */
    PARSE(&cfg, "dockerd\0-g\0/old\0--graph=/new");
    dockerd_config_data_root(&cfg, out, sizeof(out));
    assert_string_equal(out, "/new");
    dockerd_config_free(&cfg);
    /* List flags accumulate. */
    PARSE(&cfg, "dockerd\0-H\0unix:///a\0-H\0unix:///b");
    const char *v[4];
    assert_int_equal(dockerd_config_values(&cfg, "host", v, 4), 2);
    dockerd_config_free(&cfg);
}

/* daemon.json's data-root/graph beats a flag of the other spelling (moby merges with mergo). */
static void test_1_1_1_data_root_json_other_spelling(void **state)
{
    struct fixture *fx = *state;
    struct dockerd_config cfg;
    char out[HOSTFS_PATH_MAX];
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{\"graph\": \"/json/graph\"}");
    PUT_BYTES(fx, "/proc/999/cmdline", "dockerd\0--data-root=/flag/root\0");
    load(fx, &cfg);
    dockerd_config_data_root(&cfg, out, sizeof(out));
    assert_string_equal(out, "/json/graph");
    dockerd_config_free(&cfg);
    /* The same spelling in both: dockerd would refuse it, so the file changed later. */
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{\"data-root\": \"/json/root\"}");
    load(fx, &cfg);
    dockerd_config_data_root(&cfg, out, sizeof(out));
    assert_string_equal(out, "/flag/root");
    dockerd_config_free(&cfg);
}

/* With TLS on and no -H, dockerd listens on tcp://localhost:2376, not the unix socket. */
static void test_2_7_tls_default_host_is_tcp(void **state)
{
    (void)state;
    struct dockerd_config cfg;
    char socks[4][HOSTFS_PATH_MAX];
    PARSE(&cfg, "dockerd\0--tlsverify");
    assert_int_equal(dockerd_config_tls_on(&cfg), 1);
    assert_int_equal(dockerd_config_has_tcp(&cfg), 1);
    assert_int_equal(dockerd_config_unix_sockets(&cfg, "/nonexistent-root", socks, 4), 0);
    dockerd_config_free(&cfg);
    /* tlsverify=false still turns TLS on. */
    PARSE(&cfg, "dockerd\0--tlsverify=false");
    assert_int_equal(dockerd_config_tls_on(&cfg), 1);
    dockerd_config_free(&cfg);
    PARSE(&cfg, "dockerd\0--tls=false");
    assert_int_equal(dockerd_config_tls_on(&cfg), 0);
    assert_int_equal(dockerd_config_has_tcp(&cfg), 0);
    assert_int_equal(dockerd_config_unix_sockets(&cfg, "/nonexistent-root", socks, 4), 1);
    assert_string_equal(socks[0], "/var/run/docker.sock");
    dockerd_config_free(&cfg);
}

/* A test on a fresh dc-debian tree. */
#define DEBIAN(t) cmocka_unit_test_setup_teardown(t, setup_debian, harness_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmdline_long_forms),
        cmocka_unit_test(test_cmdline_short_forms),
        cmocka_unit_test(test_cmdline_repeated_hosts_counted_past_max),
        cmocka_unit_test(test_cmdline_config_file_forms),
        cmocka_unit_test(test_cmdline_booleans),
        cmocka_unit_test(test_cmdline_edges),
        cmocka_unit_test(test_2_3_restart_is_a_bool_flag),
        cmocka_unit_test(test_3_scalar_flag_twice_last_wins),
        cmocka_unit_test(test_2_7_tls_default_host_is_tcp),
        DEBIAN(test_1_1_1_data_root_json_other_spelling),
        cmocka_unit_test(test_json_parse_from_memory),
        DEBIAN(test_load_finds_lowest_dockerd),
        DEBIAN(test_load_exe_deleted_and_fallback),
        DEBIAN(test_load_without_dockerd_or_proc),
        DEBIAN(test_host_find_binary),
        DEBIAN(test_systemd_unit_path_order),
        DEBIAN(test_json_values),
        DEBIAN(test_json_command_line_first),
        DEBIAN(test_json_config_file_in_use),
        DEBIAN(test_json_failures),
        DEBIAN(test_unix_sockets_fd_and_dedupe),
        DEBIAN(test_unix_sockets_explicit_default_and_json),
        DEBIAN(test_data_root),
        DEBIAN(test_containerd_socket),
        DEBIAN(test_load_for_picks_dockerd_serving_docker_host),
        DEBIAN(test_effective_last_flag_then_json),
        DEBIAN(test_env_flag_reads_one_variable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
