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
 * The lookups that are pure data (a command line, or the tree's command line
 * and daemon.json, a lookup, what it gives) are tests/cases/dockerd-cmdline.txt,
 * one section a test, read by cmdline_lookups and tree_lookups.
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

#include "tests/case_table.h"
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

/* Joins what dockerd_config_values or _unix_sockets gave, blank-separated, into out. */
static void join(char *out, size_t outlen, const char *const *items, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < outlen; i++) {
        int w = snprintf(out + used, outlen - used, "%s%s", i ? " " : "", items[i]);
        assert_true(w >= 0 && (size_t)w < outlen - used);
        used += (size_t)w;
    }
}

/* Writes a lookup's answer into out; an answer cut short fails the test. */
__attribute__((format(printf, 3, 4))) static void say(char *out, size_t outlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < outlen);
}

/* What lookup `what` (a case file's field: "value NAME", "data-root", ...) gives on cfg, as text
 * in out; fails the test, naming the row, on a lookup it does not know. */
static void look_up(const struct dockerd_config *cfg, const char *rootfs,
                    const struct case_row *row, const char *what, char *out, size_t outlen)
{
    const char *name = strchr(what, ' ') != NULL ? strchr(what, ' ') + 1 : "";
    const char *v[16];
    char socks[16][HOSTFS_PATH_MAX];
    if (strcmp(what, "opts") == 0) {
        say(out, outlen, "%zu", cfg->n_opts);
    } else if (strncmp(what, "opt ", 4) == 0) {
        char *end;
        unsigned long i = strtoul(name, &end, 10);
        if (*end != '\0' || i >= cfg->n_opts)
            fail_msg("%s: no option %s of %zu", row->where, name, cfg->n_opts);
        say(out, outlen, "%s=%s", cfg->opts[i].name, cfg->opts[i].value);
    } else if (strncmp(what, "value ", 6) == 0) {
        const char *value = dockerd_config_value(cfg, name);
        say(out, outlen, "%s", value != NULL ? value : "(null)");
    } else if (strncmp(what, "values ", 7) == 0) {
        size_t n = dockerd_config_values(cfg, name, v, ARRAY_LEN(v));
        assert_true(n <= ARRAY_LEN(v));
        join(out, outlen, v, n);
    } else if (strncmp(what, "bool ", 5) == 0) {
        say(out, outlen, "%d", dockerd_config_bool(cfg, name));
    } else if (strcmp(what, "config-file") == 0) {
        say(out, outlen, "%s", cfg->config_file);
    } else if (strcmp(what, "data-root") == 0) {
        dockerd_config_data_root(cfg, out, outlen);
    } else if (strcmp(what, "containerd-socket") == 0) {
        dockerd_config_containerd_socket(cfg, out, outlen);
    } else if (strcmp(what, "tls-on") == 0) {
        say(out, outlen, "%d", dockerd_config_tls_on(cfg));
    } else if (strcmp(what, "has-tcp") == 0) {
        say(out, outlen, "%d", dockerd_config_has_tcp(cfg));
    } else if (strcmp(what, "unix-sockets") == 0) {
        size_t n = dockerd_config_unix_sockets(cfg, rootfs, socks, ARRAY_LEN(socks));
        assert_true(n <= ARRAY_LEN(socks));
        for (size_t i = 0; i < n; i++)
            v[i] = socks[i];
        join(out, outlen, v, n);
    } else if (strcmp(what, "json-state") == 0) {
        static const char *const states[] = { [DOCKERD_JSON_ABSENT] = "absent",
                                              [DOCKERD_JSON_OK] = "ok",
                                              [DOCKERD_JSON_INVALID] = "invalid",
                                              [DOCKERD_JSON_UNREADABLE] = "unreadable" };
        assert_true((size_t)cfg->json_state < ARRAY_LEN(states));
        say(out, outlen, "%s", states[cfg->json_state]);
    } else if (strcmp(what, "config-error") == 0) {
        say(out, outlen, "%s", cfg->config_error);
    } else if (strcmp(what, "json") == 0) {
        say(out, outlen, "%s", cfg->json != NULL ? "parsed" : "none");
    } else {
        fail_msg("%s: no lookup %s", row->where, what);
    }
}

/* The cases file of the lookups, tests/cases/dockerd-cmdline.txt. */
#define CASES "dockerd-cmdline.txt"

/* A case file's text with its escapes undone (fixture_unescape: \0, \n, \t, \\), into out;
 * returns its length. A text longer than out fails the test. */
static size_t unescaped(const char *text, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s", text);
    if (n < 0 || (size_t)n >= outlen)
        fail_msg("more than %zu bytes: %s", outlen - 1, text);
    return fixture_unescape(out);
}

/* A case file's command line ("\0" between arguments) as /proc/PID/cmdline holds it, into out;
 * returns its length, the final NUL included. */
static size_t cmdline_of(const char *text, char *out, size_t outlen)
{
    size_t len = unescaped(text, out, outlen - 1);
    out[len++] = '\0'; /* the kernel ends the last argument too */
    return len;
}

/* Asserts that the row's lookup (field `first`) gives what the next field wants (or, when that
 * ends in "...", something that begins with the rest). */
static void expect_lookup(const struct dockerd_config *cfg, const char *rootfs,
                          const struct case_row *row, size_t first)
{
    char got[HOSTFS_PATH_MAX];
    look_up(cfg, rootfs, row, row->field[first], got, sizeof(got));
    const char *want = row->field[first + 1];
    size_t n = strlen(want);
    bool prefix = n >= 3 && strcmp(want + n - 3, "...") == 0; /* "TEXT...": begins with TEXT */
    if (prefix ? strncmp(got, want, n - 3) != 0 : strcmp(got, want) != 0)
        fail_msg("%s: %s is \"%s\", want \"%s\"", row->where, row->field[first], got,
                 row->field[first + 1]);
}

/*
 * Runs a section of the command-line lookups (command line | lookup |
 * want): each row's command line ("^" the row above's) parsed, then looked up.
 */
static void cmdline_lookups(const char *section)
{
    struct case_table t;
    case_table_read(&t, CASES, section, 3);
    char cmdline[1024];
    size_t len = 0;
    for (size_t i = 0; i < t.n; i++) {
        const struct case_row *row = &t.rows[i];
        if (strcmp(row->field[0], "^") != 0)
            len = cmdline_of(row->field[0], cmdline, sizeof(cmdline));
        else if (len == 0)
            fail_msg("%s: no command line above", row->where);
        struct dockerd_config cfg;
        parse(&cfg, cmdline, len);
        expect_lookup(&cfg, "/nonexistent-root", row, 1);
        dockerd_config_free(&cfg);
    }
    case_table_free(&t);
}

/*
 * Runs a section of the lookups on fx's tree (command line | daemon.json |
 * lookup | want; "-" leaves a file as it is): pid 999's command line and
 * daemon.json written, the tree loaded, then looked up.
 */
static void tree_lookups(const struct fixture *fx, const char *section)
{
    struct case_table t;
    case_table_read(&t, CASES, section, 4);
    for (size_t i = 0; i < t.n; i++) {
        const struct case_row *row = &t.rows[i];
        if (strcmp(row->field[0], "-") != 0) {
            char cmdline[1024];
            put_file(fx, "/proc/999/cmdline", cmdline,
                     cmdline_of(row->field[0], cmdline, sizeof(cmdline)));
        }
        if (strcmp(row->field[1], "-") != 0) {
            char json[1024];
            put_file(fx, "/etc/docker/daemon.json", json,
                     unescaped(row->field[1], json, sizeof(json)));
        }
        struct dockerd_config cfg;
        load(fx, &cfg);
        expect_lookup(&cfg, fx->root, row, 2);
        dockerd_config_free(&cfg);
    }
    case_table_free(&t);
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

static void test_cmdline_edges(void **state)
{
    cmdline_lookups("edges");
    struct dockerd_config cfg;
    /* No final NUL: the last argument still counts. */
    parse(&cfg, "dockerd\0-l\0error", strlen("dockerd") + 1 + 3 + strlen("error"));
    assert_string_equal(dockerd_config_value(&cfg, "log-level"), "error");
    dockerd_config_free(&cfg);
    /* An empty command line (a kernel thread). */
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

/* Asserts the docker.service unit file systemd would use on fx's tree. */
static void expect_unit(const struct fixture *fx, const char *want)
{
    char out[HOSTFS_PATH_MAX];
    assert_int_equal(systemd_unit_path(fx->root, "docker.service", out, sizeof(out)), 0);
    assert_string_equal(out, want);
}

static void test_systemd_unit_path_order(void **state)
{
    struct fixture *fx = *state;
    expect_unit(fx, "/lib/systemd/system/docker.service");
    /* Each directory, given the unit, beats those before it: systemd's search path, backwards. */
    static const char *const later[] = {
        "/usr/lib/systemd/system/docker.service",
        "/usr/local/lib/systemd/system/docker.service",
        "/run/systemd/system/docker.service",
    };
    for (size_t i = 0; i < ARRAY_LEN(later); i++) {
        PUT_TEXT(fx, later[i], "[Service]\n");
        expect_unit(fx, later[i]);
    }
    /* A masked unit (a link to /dev/null) is not a unit file. */
    harness_put_link(fx, "/etc/systemd/system/docker.service", "/dev/null");
    expect_unit(fx, "/run/systemd/system/docker.service");
    PUT_TEXT(fx, "/etc/systemd/system/docker.service", "[Service]\n");
    expect_unit(fx, "/etc/systemd/system/docker.service");
    char out[HOSTFS_PATH_MAX];
    assert_int_equal(systemd_unit_path(fx->root, "containerd.service", out, sizeof(out)), -1);
}

/* ---- daemon.json --------------------------------------------------------- */

static void test_json_values(void **state)
{
    tree_lookups(*state, "values-in-daemon-json");
}

static void test_json_command_line_first(void **state)
{
    tree_lookups(*state, "command-line-before-daemon-json");
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

/* Loads fx and asserts daemon.json's state and error, exactly. */
static void expect_json_state(const struct fixture *fx, enum dockerd_json_state state,
                              const char *error)
{
    struct dockerd_config cfg;
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, state);
    assert_string_equal(cfg.config_error, error);
    dockerd_config_free(&cfg);
}

static void test_json_failures(void **state)
{
    struct fixture *fx = *state;
    /* What is in the file: invalid, blank. */
    tree_lookups(fx, "daemon-json-failures");
    /* ... and a UTF-8 byte order mark is skipped. */
    PUT_TEXT(fx, "/etc/docker/daemon.json", "\xef\xbb\xbf{\"debug\": true}");
    struct dockerd_config cfg;
    load(fx, &cfg);
    assert_int_equal(cfg.json_state, DOCKERD_JSON_OK);
    assert_int_equal(dockerd_config_bool(&cfg, "debug"), 1);
    dockerd_config_free(&cfg);

    harness_remove(fx, "/etc/docker/daemon.json");
    expect_json_state(fx, DOCKERD_JSON_ABSENT, "");

    /* A FIFO must not hang the load: hostfs refuses it. */
    char real[4096];
    harness_real_path(fx, "/etc/docker/daemon.json", real, sizeof(real));
    assert_int_equal(mkfifo(real, 0644), 0);
    expect_json_state(fx, DOCKERD_JSON_UNREADABLE, "not a regular file");
    harness_remove(fx, "/etc/docker/daemon.json");

    /* Over the cap. */
    char *big = malloc(DOCKERD_JSON_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', DOCKERD_JSON_MAX + 1);
    big[0] = '{';
    big[DOCKERD_JSON_MAX] = '}';
    put_file(fx, "/etc/docker/daemon.json", big, DOCKERD_JSON_MAX + 1);
    free(big);
    char want[64];
    snprintf(want, sizeof(want), "larger than %d bytes", DOCKERD_JSON_MAX);
    expect_json_state(fx, DOCKERD_JSON_UNREADABLE, want);

    /* A component that is not a directory. */
    PUT_BYTES(fx, "/proc/999/cmdline", "dockerd\0--config-file=/etc/docker/daemon.json/x\0");
    PUT_TEXT(fx, "/etc/docker/daemon.json", "{}");
    expect_json_state(fx, DOCKERD_JSON_UNREADABLE, strerror(ENOTDIR));
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
    cmdline_lookups("unix-sockets");
    tree_lookups(*state, "hosts-in-daemon-json");
}

static void test_data_root(void **state)
{
    cmdline_lookups("data-root");
    tree_lookups(*state, "data-root-in-daemon-json");
}

static void test_containerd_socket(void **state)
{
    cmdline_lookups("containerd-socket");
    tree_lookups(*state, "containerd-in-daemon-json");
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
    cmdline_lookups("restart-is-a-bool-flag");
    struct dockerd_config cfg;
    memset(&cfg, 0, sizeof(cfg));
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
/* daemon.json's data-root/graph beats a flag of the other spelling (moby merges with mergo). */
static void test_1_1_1_data_root_json_other_spelling(void **state)
{
    tree_lookups(*state, "data-root-json-other-spelling");
}

/* With TLS on and no -H, dockerd listens on tcp://localhost:2376, not the unix socket. */
/* A test on a fresh dc-debian tree. */
#define DEBIAN(t) cmocka_unit_test_setup_teardown(t, setup_debian, harness_fixture_teardown)

/* A test that is one section of the command-line lookups (cmocka's initial state). */
static void test_cmdline_section(void **state)
{
    cmdline_lookups(*state);
}

int main(void)
{
    /* The tests that are one section each: the cmocka test's name, the section. */
    static const char *const sections[][2] = {
        { "test_cmdline_long_forms", "long-forms" },
        { "test_cmdline_short_forms", "short-forms" },
        { "test_cmdline_config_file_forms", "config-file-forms" },
        { "test_cmdline_booleans", "booleans" },
        { "test_3_scalar_flag_twice_last_wins", "scalar-flag-twice-last-wins" },
        { "test_2_7_tls_default_host_is_tcp", "tls-default-host-is-tcp" },
    };
    static const struct CMUnitTest others[] = {
        cmocka_unit_test(test_cmdline_repeated_hosts_counted_past_max),
        cmocka_unit_test(test_cmdline_edges),
        cmocka_unit_test(test_2_3_restart_is_a_bool_flag),
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
    struct CMUnitTest tests[ARRAY_LEN(sections) + ARRAY_LEN(others)];
    for (size_t i = 0; i < ARRAY_LEN(sections); i++)
        tests[i] = (struct CMUnitTest){ .name = sections[i][0],
                                        .test_func = test_cmdline_section,
                                        .initial_state = (void *)sections[i][1] };
    memcpy(tests + ARRAY_LEN(sections), others, sizeof(others));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
