/*
 * test_docker_parse.c - the Docker API parsers (collectors/docker_parse.c) on
 * answers recorded from a real dockerd 20.10 (tests/fixtures/docker-api/,
 * see its README) and on broken variants of them.
 *
 * Recorded answers must parse to the exact values the daemon reported, with
 * no invalid bit set. Broken ones (truncated at every length, wrongly typed
 * fields, a missing HostConfig, the wrong top-level type, deep nesting, and
 * huge bodies built here in memory) must give -1 with a reason or exactly
 * the right invalid bits, never a crash (this file also runs under
 * ASan+UBSan). Environment values must not survive parsing: every string
 * the parsed struct holds is searched for the recorded secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/docker.h"
#include "tests/collector_harness.h"
#include "tests/docker_expect.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIT(f) ((uint64_t)1 << (f))

#define RISKY_ID     "41d39e3461815f064e8ef4894f03145adbd151590051e7353d31096fff5e90c1"
#define WEB_ID       "617f5adb92864107e29b9829a94c37bfbc3e52c993a75e34df37e239facc8dc5"
#define HARDENED_ID  "15fe4f28feed8b3504df502b9e54e1b2a9062e36824538337567e051415b2f69"
#define BUSYBOX_ID   "sha256:0b7ca86aba95129014acca7e1f49cbb9bbab098694722c0aaf37adbe829a2e45"
#define HC_ID        "sha256:499c6e6fb0bd0bc3deaf25743b99ba1103ab32324d3c04fe35d5d5dbc0b38fbe"
#define NOHC_ID      "sha256:e7c980cad897077fb6155395936ad6df5722fe4bdbb412ca735ef58c8b1124a7"
#define DANGLING_ID  "sha256:744f27c7141833c1c6f6a88665e6a4868dd006767e34eea01b69f7d58d0b97f8"
#define SECRET_VALUE "hunter2"

struct text {
    char *data;
    size_t len;
};

static struct text load(const char *name)
{
    const char *dir = getenv("DOCKWARD_FIXTURES");
    if (dir == NULL)
        dir = DOCKWARD_FIXTURES;
    char path[4096];
    snprintf(path, sizeof(path), "%s/docker-api/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open fixture %s", path);
    struct text t = { NULL, 0 };
    size_t cap = 0;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (t.len + n + 1 > cap) {
            cap = (t.len + n + 1) * 2;
            t.data = realloc(t.data, cap);
            assert_non_null(t.data);
        }
        memcpy(t.data + t.len, chunk, n);
        t.len += n;
    }
    fclose(f);
    assert_non_null(t.data);
    t.data[t.len] = '\0';
    return t;
}

static void assert_list(const struct str_list *l, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    if (l->len != n)
        fail_msg("list has %zu items, want %zu", l->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(l->items[i], va_arg(ap, const char *));
    va_end(ap);
}

/* ---- every string a parsed container holds ---- */

static void check_str(const char *s, const char *needle)
{
    if (s != NULL && strstr(s, needle) != NULL)
        fail_msg("parsed struct holds \"%s\" in \"%s\"", needle, s);
}

static void check_list(const struct str_list *l, const char *needle)
{
    for (size_t i = 0; i < l->len; i++)
        check_str(l->items[i], needle);
}

/* Fails if any string reachable from c contains needle. */
static void assert_container_lacks(const struct docker_container *c, const char *needle)
{
    const char *strs[] = { c->id,           c->name,          c->image,         c->image_id,
                           c->state,        c->health_status, c->user,          c->apparmor_profile,
                           c->network_mode, c->pid_mode,      c->ipc_mode,      c->uts_mode,
                           c->userns_mode,  c->cgroup_parent, c->restart_policy };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        check_str(strs[i], needle);
    const struct str_list *lists[] = { &c->env_names, &c->security_opt, &c->cap_add, &c->cap_drop,
                                       &c->devices,   &c->ulimits,      &c->networks };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        check_list(lists[i], needle);
    for (size_t i = 0; i < c->n_mounts; i++) {
        check_str(c->mounts[i].type, needle);
        check_str(c->mounts[i].source, needle);
        check_str(c->mounts[i].destination, needle);
        check_str(c->mounts[i].propagation, needle);
    }
    for (size_t i = 0; i < c->n_ports; i++) {
        check_str(c->ports[i].container_port, needle);
        check_str(c->ports[i].host_ip, needle);
    }
}

/* ---- parsing what must parse ---- */

/* Parses json (len bytes) into *c; a refusal fails the test, printing why. */
static void parse_container_text(const char *json, size_t len, struct docker_container *c)
{
    char err[256] = "";
    int rc = docker_parse_container(json, len, c, err, sizeof(err));
    if (rc != 0)
        print_error("docker_parse_container: %s\n", err);
    assert_int_equal(rc, 0);
}

/* ---- /version ---- */

static void test_version_recorded(void **state)
{
    struct text t = load("version.json");
    struct docker_version v;
    char err[256] = "";
    assert_int_equal(docker_parse_version(t.data, t.len, &v, err, sizeof(err)), 0);
    assert_int_equal(v.invalid, 0);
    assert_string_equal(v.version, "20.10.24+dfsg1");
    assert_string_equal(v.api_version, "1.41");
    assert_string_equal(v.os, "linux");
    assert_string_equal(v.arch, "amd64");
    assert_string_equal(v.kernel_version, "6.18.44-fc-v669");
    assert_string_equal(v.go_version, "go1.19.8");
    assert_false(v.experimental); /* omitted by the API when false */
    /* "2026-05-07T21:09:36.000000000+00:00" */
    assert_int_equal(v.build_time, 1778188176);
    docker_version_free(&v);
    assert_null(v.version);
    free(t.data);
}

static void parse_version_text(const char *json, struct docker_version *v)
{
    char err[256] = "";
    if (docker_parse_version(json, strlen(json), v, err, sizeof(err)) != 0)
        fail_msg("parse failed: %s", err);
}

static void test_version_build_time_forms(void **state)
{
    struct docker_version v;
    parse_version_text("{\"Version\":\"24.0.7\",\"ApiVersion\":\"1.43\","
                       "\"BuildTime\":\"2023-10-26T09:08:02.000000000+00:00\"}",
                       &v);
    assert_int_equal(v.build_time, 1698311282);
    assert_int_equal(v.invalid, 0);
    docker_version_free(&v);
    /* An offset east of UTC is earlier in UTC; Z with a short fraction. */
    parse_version_text("{\"Version\":\"x\",\"ApiVersion\":\"1.43\","
                       "\"BuildTime\":\"2023-10-26T11:08:02+02:00\"}",
                       &v);
    assert_int_equal(v.build_time, 1698311282);
    docker_version_free(&v);
    parse_version_text("{\"Version\":\"x\",\"ApiVersion\":\"1.43\","
                       "\"BuildTime\":\"2024-02-29T00:00:00.5Z\"}",
                       &v);
    assert_int_equal(v.build_time, 1709164800);
    docker_version_free(&v);
    /* Unparseable or absent: 0 and the bit; the rest still read. */
    const char *bad[] = { "\"Thu Oct 26 09:08:02 2023\"",
                          "\"2023-02-29T00:00:00Z\"",
                          "\"2023-10-26T09:08:02\"",
                          "\"2023-10-26T25:08:02Z\"",
                          "12345",
                          "\"2023-10-26T09:08:02Zjunk\"" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char json[256];
        snprintf(json, sizeof(json), "{\"Version\":\"x\",\"ApiVersion\":\"1.43\",\"BuildTime\":%s}",
                 bad[i]);
        parse_version_text(json, &v);
        assert_int_equal(v.build_time, 0);
        assert_int_equal(v.invalid, BIT(DOCKER_F_VERSION_BUILD_TIME));
        assert_string_equal(v.api_version, "1.43");
        docker_version_free(&v);
    }
    parse_version_text("{\"Version\":\"x\",\"ApiVersion\":\"1.43\"}", &v);
    assert_int_equal(v.invalid, BIT(DOCKER_F_VERSION_BUILD_TIME));
    assert_string_equal(v.os, ""); /* no bit of its own: absent is empty */
    docker_version_free(&v);
}

static void test_version_broken(void **state)
{
    struct docker_version v;
    parse_version_text("{\"Version\":7,\"Experimental\":\"false\","
                       "\"BuildTime\":\"2023-10-26T09:08:02Z\"}",
                       &v);
    assert_int_equal(v.invalid, BIT(DOCKER_F_VERSION_VERSION) | BIT(DOCKER_F_VERSION_API_VERSION) |
                                    BIT(DOCKER_F_VERSION_EXPERIMENTAL));
    assert_null(v.version);
    assert_null(v.api_version);
    docker_version_free(&v);

    char err[256];
    const char *notjson[] = { "",
                              "   ",
                              "<html>502 Bad Gateway</html>",
                              "{\"Version\":",
                              "[{\"Version\":\"1\"}]",
                              "\"1.41\"",
                              "{} {}",
                              "null" };
    for (size_t i = 0; i < sizeof(notjson) / sizeof(notjson[0]); i++) {
        err[0] = '\0';
        assert_int_equal(docker_parse_version(notjson[i], strlen(notjson[i]), &v, err, sizeof(err)),
                         -1);
        assert_true(err[0] != '\0');
        assert_null(v.version);
    }
    assert_int_equal(docker_parse_version("[1]", 3, &v, err, sizeof(err)), -1);
    assert_string_equal(err, "want a JSON object, got an array");
    /* The length is honoured: a valid prefix of a longer text. */
    const char *two = "{\"Version\":\"a\",\"ApiVersion\":\"1.41\"}garbage";
    assert_int_equal(docker_parse_version(two, strlen(two) - 7, &v, err, sizeof(err)), 0);
    assert_string_equal(v.version, "a");
    docker_version_free(&v);
    assert_int_equal(docker_parse_version(two, strlen(two), &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "trailing data"));
}

/* ---- /info ---- */

static void test_info_recorded(void **state)
{
    struct text t = load("info.json");
    struct docker_info in;
    char err[256] = "";
    assert_int_equal(docker_parse_info(t.data, t.len, &in, err, sizeof(err)), 0);
    assert_int_equal(in.invalid, 0);
    assert_string_equal(in.server_version, "20.10.24+dfsg1");
    assert_string_equal(in.driver, "vfs");
    assert_string_equal(in.logging_driver, "json-file");
    assert_false(in.live_restore);
    assert_list(&in.security_options, 1, "name=seccomp,profile=default");
    assert_list(&in.insecure_registry_cidrs, 1, "127.0.0.0/8");
    assert_int_equal(in.n_index_configs, 1);
    assert_string_equal(in.index_configs[0].name, "docker.io");
    assert_true(in.index_configs[0].secure);
    assert_string_equal(in.swarm_state, "inactive");
    assert_false(in.swarm_control_available);
    assert_int_equal(in.swarm_managers, 0);
    assert_string_equal(in.swarm_node_addr, "");
    assert_false(in.swarm_autolock);
    assert_string_equal(in.docker_root_dir, "/tmp/dw-D-rec/data");
    assert_false(in.experimental);
    assert_int_equal(in.containers, 3);
    assert_int_equal(in.containers_running, 2);
    assert_int_equal(in.images, 4);
    docker_info_free(&in);
    free(t.data);
}

static void test_info_swarm_manager_recorded(void **state)
{
    struct text t = load("info-swarm-manager.json");
    struct docker_info in;
    char err[256] = "";
    assert_int_equal(docker_parse_info(t.data, t.len, &in, err, sizeof(err)), 0);
    assert_int_equal(in.invalid, 0);
    assert_string_equal(in.swarm_state, "active");
    assert_true(in.swarm_control_available);
    assert_int_equal(in.swarm_managers, 1);
    assert_string_equal(in.swarm_node_addr, "127.0.0.1");
    assert_true(in.swarm_autolock);
    docker_info_free(&in);
    free(t.data);
}

static void test_info_broken(void **state)
{
    struct docker_info in;
    char err[256] = "";
    const char *json = "{\"ServerVersion\":\"x\",\"Driver\":\"overlay2\",\"LoggingDriver\":1,"
                       "\"LiveRestoreEnabled\":\"yes\",\"SecurityOptions\":null,"
                       "\"RegistryConfig\":{\"InsecureRegistryCIDRs\":null,\"IndexConfigs\":{"
                       "\"a:5000\":{\"Name\":\"a:5000\",\"Secure\":false},"
                       "\"b\":{\"Secure\":\"no\"}}},"
                       "\"Swarm\":{\"LocalNodeState\":\"active\",\"ControlAvailable\":true,"
                       "\"Cluster\":{\"Spec\":{\"EncryptionConfig\":{\"AutoLockManagers\":1}}}},"
                       "\"DockerRootDir\":\"/var/lib/docker\",\"ExperimentalBuild\":true,"
                       "\"Containers\":1,\"ContainersRunning\":1.5,\"Images\":2}";
    assert_int_equal(docker_parse_info(json, strlen(json), &in, err, sizeof(err)), 0);
    assert_int_equal(in.invalid, BIT(DOCKER_F_INFO_LOGGING_DRIVER) |
                                     BIT(DOCKER_F_INFO_LIVE_RESTORE) |
                                     BIT(DOCKER_F_INFO_REGISTRY_CONFIG) | BIT(DOCKER_F_INFO_SWARM) |
                                     BIT(DOCKER_F_INFO_COUNTS));
    assert_int_equal(in.security_options.len, 0); /* null is an empty list */
    assert_int_equal(in.n_index_configs, 1);      /* the readable one is kept */
    assert_string_equal(in.index_configs[0].name, "a:5000");
    assert_false(in.index_configs[0].secure);
    assert_true(in.swarm_control_available);
    assert_false(in.swarm_autolock);
    assert_true(in.experimental);
    docker_info_free(&in);

    json = "{\"Swarm\":\"inactive\",\"RegistryConfig\":{\"IndexConfigs\":[]}}";
    assert_int_equal(docker_parse_info(json, strlen(json), &in, err, sizeof(err)), 0);
    assert_true((in.invalid & BIT(DOCKER_F_INFO_SWARM)) != 0);
    assert_true((in.invalid & BIT(DOCKER_F_INFO_REGISTRY_CONFIG)) != 0);
    assert_true((in.invalid & BIT(DOCKER_F_INFO_SERVER_VERSION)) != 0);
    assert_null(in.swarm_state);
    docker_info_free(&in);
}

/* ---- /containers/{id}/json ---- */

static void parse_container_file(const char *name, struct docker_container *c, struct text *t)
{
    *t = load(name);
    parse_container_text(t->data, t->len, c);
}

static void test_container_risky_recorded(void **state)
{
    struct docker_container c;
    struct text t;
    parse_container_file("container-risky.json", &c, &t);
    assert_int_equal(c.invalid, 0);
    assert_string_equal(c.id, RISKY_ID);
    assert_string_equal(c.name, "risky");
    assert_string_equal(c.image, "dw-busybox:1");
    assert_string_equal(c.image_id, BUSYBOX_ID);
    assert_string_equal(c.state, "created");
    assert_false(c.running);
    assert_int_equal(c.pid, 0);
    assert_false(c.has_health); /* a health check configured, but never started */
    assert_null(c.health_status);
    assert_string_equal(c.user, "");
    assert_list(&c.env_names, 2, "DB_PASSWORD", "PLAIN");
    assert_string_equal(c.apparmor_profile, "");
    assert_list(&c.security_opt, 3, "no-new-privileges:false", "seccomp=unconfined",
                "label=disable");
    assert_true(c.privileged);
    assert_list(&c.cap_add, 1, "CAP_SYS_ADMIN"); /* dockerd 20.10 stores the CAP_ form */
    assert_int_equal(c.cap_drop.len, 0);         /* null */
    assert_string_equal(c.network_mode, "default");
    assert_string_equal(c.pid_mode, "");
    assert_string_equal(c.ipc_mode, "private");
    assert_string_equal(c.uts_mode, "");
    assert_string_equal(c.userns_mode, "");
    assert_string_equal(c.cgroup_parent, "");
    assert_int_equal(c.memory, 0);
    assert_int_equal(c.cpu_shares, 0);
    assert_int_equal(c.nano_cpus, 0);
    assert_int_equal(c.cpu_quota, 0);
    assert_true(c.pids_limit_set);
    assert_int_equal(c.pids_limit, 100);
    assert_false(c.readonly_rootfs);
    assert_int_equal(c.n_mounts, 1);
    expect_mount(&c.mounts[0], "bind", "/etc", "/etc", "rprivate", false);
    assert_int_equal(c.n_ports, 1);
    expect_port(&c.ports[0], "80/tcp", "127.0.0.1", 8080);
    assert_string_equal(c.restart_policy, "on-failure");
    assert_int_equal(c.restart_max_retries, 10);
    assert_int_equal(c.devices.len, 0);
    assert_int_equal(c.ulimits.len, 0);
    assert_list(&c.networks, 1, "bridge");
    /* The fixture holds the value; nothing parsed from it may. */
    assert_non_null(strstr(t.data, "DB_PASSWORD=" SECRET_VALUE));
    assert_container_lacks(&c, SECRET_VALUE);
    docker_container_free(&c);
    assert_null(c.id);
    free(t.data);
}

static void test_container_web_recorded(void **state)
{
    struct docker_container c;
    struct text t;
    parse_container_file("container-web.json", &c, &t);
    assert_int_equal(c.invalid, 0);
    assert_string_equal(c.id, WEB_ID);
    assert_string_equal(c.name, "web");
    assert_string_equal(c.state, "running");
    assert_true(c.running);
    assert_int_equal(c.pid, 1028);
    assert_false(c.has_health);
    assert_int_equal(c.env_names.len, 0); /* Env null */
    assert_false(c.privileged);
    assert_int_equal(c.cap_add.len, 0);
    assert_int_equal(c.security_opt.len, 0);
    assert_false(c.pids_limit_set); /* PidsLimit null */
    assert_string_equal(c.restart_policy, "no");
    assert_int_equal(c.restart_max_retries, 0);
    assert_int_equal(c.n_ports, 0);
    assert_int_equal(c.n_mounts, 0);
    assert_list(&c.networks, 1, "bridge");
    docker_container_free(&c);
    free(t.data);
}

static void test_container_hardened_recorded(void **state)
{
    struct docker_container c;
    struct text t;
    parse_container_file("container-hardened.json", &c, &t);
    assert_int_equal(c.invalid, 0);
    assert_string_equal(c.id, HARDENED_ID);
    assert_string_equal(c.name, "hardened");
    assert_true(c.running);
    assert_int_equal(c.pid, 1679);
    assert_true(c.has_health);
    assert_string_equal(c.health_status, "healthy");
    assert_string_equal(c.user, "0:0");
    assert_true(c.readonly_rootfs);
    assert_list(&c.cap_drop, 1, "ALL");
    assert_int_equal(c.cap_add.len, 0);
    assert_list(&c.security_opt, 1, "no-new-privileges:true");
    assert_int_equal(c.memory, 67108864);
    assert_int_equal(c.nano_cpus, 500000000);
    assert_int_equal(c.cpu_shares, 512);
    assert_int_equal(c.cpu_quota, 0);
    assert_true(c.pids_limit_set);
    assert_int_equal(c.pids_limit, 50);
    assert_list(&c.ulimits, 1, "nofile=1024:2048");
    assert_list(&c.devices, 1, "/dev/null:/dev/xnull");
    assert_int_equal(c.n_mounts, 2);
    expect_mount(&c.mounts[0], "volume", "/tmp/dw-D-rec/data/volumes/vol1/_data", "/data", "",
                 true);
    expect_mount(&c.mounts[1], "bind", "/tmp/dw-D-rec/shared", "/shared", "rshared", true);
    assert_string_equal(c.restart_policy, "unless-stopped");
    docker_container_free(&c);
    free(t.data);
}

static void test_container_env_values_never_kept(void **state)
{
    const char *json =
        "{\"Id\":\"abc\",\"Config\":{\"Env\":[\"TOKEN=s3cr3t-a=b\",\"NOVALUE\",\"=s3cr3t-lead\","
        "\"EMPTY=\",\"X=s3cr3t-x\"]}}";
    struct docker_container c;
    parse_container_text(json, strlen(json), &c);
    assert_list(&c.env_names, 5, "TOKEN", "NOVALUE", "", "EMPTY", "X");
    assert_container_lacks(&c, "s3cr3t");
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_ENV), 0);
    docker_container_free(&c);

    json = "{\"Id\":\"abc\",\"Config\":{\"Env\":[\"A=s3cr3t\",7]}}";
    parse_container_text(json, strlen(json), &c);
    assert_list(&c.env_names, 1, "A");
    assert_true((c.invalid & BIT(DOCKER_F_C_ENV)) != 0);
    assert_container_lacks(&c, "s3cr3t");
    docker_container_free(&c);
}

/* Config.Labels, for --waivers.file's container_labels: "name=value", mistyped ones left out. */
static void test_container_labels(void **state)
{
    (void)state;
    const char *json = "{\"Id\":\"abc\",\"Config\":{\"Labels\":{\"dockward.waive\":\"ci\","
                       "\"n\":7,\"empty\":\"\",\"a=b\":\"c\"}}}";
    struct docker_container c;
    parse_container_text(json, strlen(json), &c);
    assert_list(&c.labels, 3, "dockward.waive=ci", "empty=", "a=b=c");
    uint64_t with_labels = c.invalid;
    docker_container_free(&c);
    /* A list where the mapping belongs is no labels, and no field bit either. */
    json = "{\"Id\":\"abc\",\"Config\":{\"Labels\":[\"x=y\"]}}";
    parse_container_text(json, strlen(json), &c);
    assert_int_equal(c.labels.len, 0);
    assert_int_equal(c.invalid, with_labels);
    docker_container_free(&c);
}

static void test_container_ports_forms(void **state)
{
    const char *json = "{\"Id\":\"p\",\"HostConfig\":{\"PortBindings\":{"
                       "\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"},"
                       "{\"HostIp\":\"::\",\"HostPort\":\"\"}],"
                       "\"53/udp\":null,"
                       "\"443/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"443\"}]}}}";
    struct docker_container c;
    parse_container_text(json, strlen(json), &c);
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_PORTS), 0);
    assert_int_equal(c.n_ports, 3);
    expect_port(&c.ports[0], "80/tcp", "", 8080);
    expect_port(&c.ports[1], "80/tcp", "::", 0);
    expect_port(&c.ports[2], "443/tcp", "0.0.0.0", 443);
    docker_container_free(&c);

    /* HostPort must be a string holding a port; the good binding is still kept. */
    const char *bad[] = { "{\"HostIp\":\"\",\"HostPort\":8080}",
                          "{\"HostIp\":\"\",\"HostPort\":\"99999\"}",
                          "{\"HostIp\":\"\",\"HostPort\":\"80x\"}", "{\"HostPort\":\"80\"}", "7" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char buf[512];
        snprintf(buf, sizeof(buf),
                 "{\"Id\":\"p\",\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[%s,"
                 "{\"HostIp\":\"1.2.3.4\",\"HostPort\":\"81\"}]}}}",
                 bad[i]);
        parse_container_text(buf, strlen(buf), &c);
        assert_true((c.invalid & BIT(DOCKER_F_C_PORTS)) != 0);
        assert_int_equal(c.n_ports, 1);
        assert_int_equal(c.ports[0].host_port, 81);
        docker_container_free(&c);
    }
}

/* -p 80-90:8080 is stored as HostPort "80-90"; dockerd accepts it (nat.ParsePortRange). */
static void test_5_8_port_range_parsed(void **state)
{
    (void)state;
    const char *json = "{\"Id\":\"p\",\"HostConfig\":{\"PortBindings\":{"
                       "\"8080/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"80-90\"}]}}}";
    struct docker_container c;
    parse_container_text(json, strlen(json), &c);
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_PORTS), 0);
    assert_int_equal(c.n_ports, 1);
    assert_int_equal(c.ports[0].host_port, 80);
    assert_int_equal(c.ports[0].host_port_hi, 90);
    docker_container_free(&c);
    /* A backwards or open range is not one dockerd stores. */
    const char *bad[] = { "90-80", "80-", "-80", "80-90-100", "80-99999" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char buf[256];
        snprintf(buf, sizeof(buf),
                 "{\"Id\":\"p\",\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\","
                 "\"HostPort\":\"%s\"}]}}}",
                 bad[i]);
        parse_container_text(buf, strlen(buf), &c);
        assert_true((c.invalid & BIT(DOCKER_F_C_PORTS)) != 0);
        docker_container_free(&c);
    }
}

/* -P: PublishAllPorts, ExposedPorts, and the real bindings in NetworkSettings.Ports. */
static void test_5_14_publish_all_parsed(void **state)
{
    (void)state;
    const char *json =
        "{\"Id\":\"p\",\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":5,"
        "\"StartedAt\":\"2026-12-03T10:00:00.1Z\"},"
        "\"Config\":{\"ExposedPorts\":{\"8080/tcp\":{},\"53/udp\":{}}},"
        "\"HostConfig\":{\"PublishAllPorts\":true,\"PortBindings\":{}},"
        "\"NetworkSettings\":{\"Networks\":{},\"Ports\":{\"8080/tcp\":[{\"HostIp\":\"0.0.0.0\","
        "\"HostPort\":\"49153\"},{\"HostIp\":\"::\",\"HostPort\":\"49153\"}],\"53/udp\":null}}}";
    struct docker_container c;
    parse_container_text(json, strlen(json), &c);
    assert_true(c.publish_all);
    assert_int_equal(c.invalid & (BIT(DOCKER_F_C_LIVE_PORTS) | BIT(DOCKER_F_C_PUBLISH_ALL)), 0);
    assert_int_equal(c.exposed_ports.len, 2);
    assert_int_equal(c.n_ports, 0);
    assert_int_equal(c.n_live_ports, 2);
    assert_string_equal(c.live_ports[0].host_ip, "0.0.0.0");
    assert_int_equal(c.live_ports[0].host_port, 49153);
    assert_string_equal(c.live_ports[1].host_ip, "::");
    assert_false(c.never_started);
    docker_container_free(&c);

    /* Never started: the zero StartedAt; Ports null. */
    const char *created = "{\"Id\":\"q\",\"State\":{\"Status\":\"created\",\"Running\":false,"
                          "\"Pid\":0,\"StartedAt\":\"0001-01-01T00:00:00Z\"},"
                          "\"NetworkSettings\":{\"Networks\":{},\"Ports\":null}}";
    parse_container_text(created, strlen(created), &c);
    assert_true(c.never_started);
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_LIVE_PORTS), 0);
    assert_int_equal(c.n_live_ports, 0);
    docker_container_free(&c);
}

/*
 * `--security-opt seccomp=profile.json`: the CLI stores the whole profile
 * inline. A 40 KiB profile is kept as a summary, never an error for the
 * other options of the list.
 */
static void test_5_22_inline_seccomp_profile_kept_as_summary(void **state)
{
    (void)state;
    size_t filler = 40 * 1024;
    const char *head = "{\"Id\":\"s\",\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges\","
                       "\"seccomp={\\n  \\\"defaultAction\\\": \\\"SCMP_ACT_ERRNO\\\",\\n  "
                       "\\\"comment\\\": \\\"";
    const char *tail = "\\\"\\n}\",\"label=disable\"]}}";
    size_t len = strlen(head) + filler + strlen(tail);
    char *json = malloc(len + 1);
    assert_non_null(json);
    memcpy(json, head, strlen(head));
    memset(json + strlen(head), 'x', filler);
    memcpy(json + strlen(head) + filler, tail, strlen(tail) + 1);
    struct docker_container c;
    parse_container_text(json, len, &c);
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_SECURITY_OPT), 0);
    assert_int_equal(c.security_opt.len, 3);
    assert_string_equal(c.security_opt.items[0], "no-new-privileges");
    assert_non_null(strstr(c.security_opt.items[1], "seccomp=<inline profile, "));
    assert_non_null(strstr(c.security_opt.items[1], "defaultAction SCMP_ACT_ERRNO>"));
    assert_true(strlen(c.security_opt.items[1]) < 128);
    assert_string_equal(c.security_opt.items[2], "label=disable");
    docker_container_free(&c);

    /* Another option over the cap keeps its key and says how long it was. */
    size_t big = DOCKER_STRING_MAX + 100;
    char *label = malloc(big + 128);
    assert_non_null(label);
    int n = snprintf(label, 128, "{\"Id\":\"s\",\"HostConfig\":{\"SecurityOpt\":[\"label=");
    memset(label + n, 'l', big);
    memcpy(label + n + big, "\"]}}", 5);
    parse_container_text(label, strlen(label), &c);
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_SECURITY_OPT), 0);
    assert_int_equal(c.security_opt.len, 1);
    char want[128];
    snprintf(want, sizeof(want), "label=<value of %zu bytes, over the %d-byte cap>", big,
             DOCKER_STRING_MAX);
    assert_string_equal(c.security_opt.items[0], want);
    docker_container_free(&c);
    free(label);
    free(json);
}

/* GET /volumes: a local volume created with o=bind names its device. */
static void test_5_6_volumes_parsed(void **state)
{
    (void)state;
    const char *json =
        "{\"Volumes\":[{\"Name\":\"etc-vol\",\"Driver\":\"local\",\"Options\":{\"type\":"
        "\"none\",\"o\":\"bind\",\"device\":\"/etc\"}},{\"Name\":\"ro\",\"Driver\":\"local\","
        "\"Options\":{\"o\":\"ro,rbind\",\"device\":\"/run\"}},{\"Name\":\"nfs\",\"Driver\":"
        "\"local\",\"Options\":{\"type\":\"nfs\",\"o\":\"addr=x\",\"device\":\":/export\"}},"
        "{\"Name\":\"data\",\"Driver\":\"local\",\"Options\":null}],\"Warnings\":null}";
    struct docker_volume *v = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(docker_parse_volumes(json, strlen(json), &v, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].bind_device, "/etc");
    assert_string_equal(v[1].bind_device, "/run");
    assert_null(v[2].bind_device);
    assert_null(v[3].bind_device);
    docker_volumes_free(v, n);
    const char *empty = "{\"Volumes\":null,\"Warnings\":null}";
    assert_int_equal(docker_parse_volumes(empty, strlen(empty), &v, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);
    docker_volumes_free(v, n);
    const char *bad = "{\"Volumes\":{}}";
    assert_int_equal(docker_parse_volumes(bad, strlen(bad), &v, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Volumes is an object"));
}

/* --device-cgroup-rule and --gpus reach host devices too (5.18); Config.Healthcheck (5.27). */
static void test_5_18_device_rules_and_requests_parsed(void **state)
{
    (void)state;
    const char *json =
        "{\"Id\":\"d\",\"Config\":{\"Healthcheck\":{\"Test\":[\"NONE\"]}},\"HostConfig\":{"
        "\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/null\","
        "\"CgroupPermissions\":\"rwm\"}],\"DeviceCgroupRules\":[\"c 1:3 rwm\"],"
        "\"DeviceRequests\":[{\"Driver\":\"\",\"Count\":-1,\"DeviceIDs\":null,"
        "\"Capabilities\":[[\"gpu\"]],\"Options\":{}}]}}";
    struct docker_container c;
    parse_container_text(json, strlen(json), &c);
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_DEVICES), 0);
    assert_int_equal(c.devices.len, 3);
    assert_string_equal(c.devices.items[0], "/dev/null:/dev/null");
    assert_string_equal(c.devices.items[1], "cgroup rule c 1:3 rwm");
    assert_string_equal(c.devices.items[2], "request (any driver) count=-1 gpu");
    assert_string_equal(c.health_test, "NONE");
    docker_container_free(&c);
    const char *cmd = "{\"Id\":\"h\",\"Config\":{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"]"
                      ",\"Interval\":2000000000}}}";
    parse_container_text(cmd, strlen(cmd), &c);
    assert_string_equal(c.health_test, "CMD-SHELL");
    docker_container_free(&c);
    const char *none = "{\"Id\":\"h\",\"Config\":{\"Healthcheck\":{\"Interval\":1}}}";
    parse_container_text(none, strlen(none), &c);
    assert_string_equal(c.health_test, "");
    docker_container_free(&c);
}

/* Review findings: HostPort "8080/tcp", --gpus device=0, unknown health types, device volumes. */
static void test_review_parse_forms(void **state)
{
    (void)state;
    const char *json =
        "{\"Id\":\"r\",\"Config\":{\"Healthcheck\":{\"Test\":[\"CMD-SOMETHING-NEW-LONG\"]}},"
        "\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080/"
        "tcp\"}]},"
        "\"Devices\":[],\"DeviceRequests\":[{\"Driver\":\"nvidia\",\"Count\":0,"
        "\"DeviceIDs\":[\"0\",\"1\"],\"Capabilities\":[[\"gpu\"]]}]}}";
    struct docker_container c;
    char err[256] = "";
    parse_container_text(json, strlen(json), &c);
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_PORTS), 0); /* (no State: its own bits) */
    assert_int_equal(c.ports[0].host_port, 8080);
    assert_string_equal(c.health_test, "(unknown)");
    assert_string_equal(c.devices.items[0], "request nvidia devices=0,1 gpu");
    docker_container_free(&c);
    const char *vols = "{\"Volumes\":[{\"Name\":\"disk\",\"Driver\":\"local\",\"Options\":"
                       "{\"type\":\"ext4\",\"device\":\"/dev/sda1\"}}]}";
    struct docker_volume *v = NULL;
    size_t n = 0;
    assert_int_equal(docker_parse_volumes(vols, strlen(vols), &v, &n, err, sizeof(err)), 0);
    assert_string_equal(v[0].bind_device, "/dev/sda1");
    docker_volumes_free(v, n);
}

static void test_container_truncated(void **state)
{
    struct text t = load("container-truncated.json");
    struct docker_container c;
    char err[256] = "";
    assert_int_equal(docker_parse_container(t.data, t.len, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not valid JSON"));
    assert_null(c.id);
    free(t.data);

    /* Every proper prefix of a recorded answer fails cleanly; the whole parses. */
    struct text full = load("container-risky.json");
    size_t end = full.len;
    while (end > 0 && (full.data[end - 1] == '\n' || full.data[end - 1] == ' '))
        end--;
    for (size_t n = 0; n < end; n++) {
        err[0] = '\0';
        if (docker_parse_container(full.data, n, &c, err, sizeof(err)) != -1)
            fail_msg("prefix of %zu bytes parsed", n);
        assert_true(err[0] != '\0');
    }
    parse_container_text(full.data, end, &c);
    docker_container_free(&c);
    free(full.data);
}

static void test_container_wrong_types(void **state)
{
    struct docker_container c;
    struct text t;
    parse_container_file("container-wrong-types.json", &c, &t);
    /* Privileged "yes", CapAdd 5, PidsLimit "x", Mounts {} - exactly these. */
    assert_int_equal(c.invalid, BIT(DOCKER_F_C_PRIVILEGED) | BIT(DOCKER_F_C_CAP_ADD) |
                                    BIT(DOCKER_F_C_PIDS_LIMIT) | BIT(DOCKER_F_C_MOUNTS));
    assert_false(c.privileged); /* left zero, never guessed */
    assert_int_equal(c.cap_add.len, 0);
    assert_false(c.pids_limit_set);
    assert_int_equal(c.n_mounts, 0);
    assert_string_equal(c.name, "risky"); /* the rest is read */
    assert_int_equal(c.n_ports, 1);
    assert_string_equal(docker_container_field_name(DOCKER_F_C_PRIVILEGED),
                        "HostConfig.Privileged");
    docker_container_free(&c);
    free(t.data);
}

static void test_container_no_host_config(void **state)
{
    struct docker_container c;
    struct text t;
    parse_container_file("container-no-hostconfig.json", &c, &t);
    uint64_t want =
        BIT(DOCKER_F_C_SECURITY_OPT) | BIT(DOCKER_F_C_PRIVILEGED) | BIT(DOCKER_F_C_CAP_ADD) |
        BIT(DOCKER_F_C_CAP_DROP) | BIT(DOCKER_F_C_NETWORK_MODE) | BIT(DOCKER_F_C_PID_MODE) |
        BIT(DOCKER_F_C_IPC_MODE) | BIT(DOCKER_F_C_UTS_MODE) | BIT(DOCKER_F_C_USERNS_MODE) |
        BIT(DOCKER_F_C_CGROUP_PARENT) | BIT(DOCKER_F_C_MEMORY) | BIT(DOCKER_F_C_CPU) |
        BIT(DOCKER_F_C_PIDS_LIMIT) | BIT(DOCKER_F_C_READONLY_ROOTFS) | BIT(DOCKER_F_C_PORTS) |
        BIT(DOCKER_F_C_RESTART_POLICY) | BIT(DOCKER_F_C_DEVICES) | BIT(DOCKER_F_C_ULIMITS);
    assert_int_equal(c.invalid, want);
    assert_null(c.network_mode);
    assert_null(c.restart_policy);
    assert_string_equal(c.state, "created");
    assert_int_equal(c.n_mounts, 1); /* top-level Mounts is still there */
    docker_container_free(&c);
    free(t.data);

    /* No Config, State or NetworkSettings either. */
    const char *json = "{\"Id\":\"x\",\"State\":\"running\",\"Config\":null}";
    parse_container_text(json, strlen(json), &c);
    uint64_t also = BIT(DOCKER_F_C_NAME) | BIT(DOCKER_F_C_IMAGE) | BIT(DOCKER_F_C_STATE) |
                    BIT(DOCKER_F_C_PID) | BIT(DOCKER_F_C_HEALTH) | BIT(DOCKER_F_C_USER) |
                    BIT(DOCKER_F_C_ENV) | BIT(DOCKER_F_C_APPARMOR) | BIT(DOCKER_F_C_MOUNTS) |
                    BIT(DOCKER_F_C_NETWORKS) | BIT(DOCKER_F_C_LIVE_PORTS);
    assert_int_equal(c.invalid, want | also);
    docker_container_free(&c);
}

static void test_container_wrong_top_level(void **state)
{
    struct text t = load("container-array.json");
    struct docker_container c;
    char err[256] = "";
    assert_int_equal(docker_parse_container(t.data, t.len, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "want a JSON object, got an array");
    free(t.data);

    const char *noid = "{\"Name\":\"/x\"}";
    assert_int_equal(docker_parse_container(noid, strlen(noid), &c, err, sizeof(err)), -1);
    assert_string_equal(err, "container answer without an Id");
    assert_null(c.name);
}

static void test_container_nested(void **state)
{
    struct text t = load("container-nested-100.json");
    struct docker_container c;
    char err[256] = "";
    assert_int_equal(docker_parse_container(t.data, t.len, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "JSON nested deeper than 64 levels");
    free(t.data);

    /* Deep but within the bound: an unknown field 60 levels deep is ignored. */
    struct text full = load("container-risky.json");
    char *json = malloc(full.len + 1024);
    assert_non_null(json);
    size_t n = 0;
    n += (size_t)snprintf(json + n, 64, "{\"Deep\":");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(json + n, 8, "[");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(json + n, 8, "]");
    json[n++] = ',';
    memcpy(json + n, full.data + 1, full.len - 1); /* the recorded object without its '{' */
    n += full.len - 1;
    parse_container_text(json, n, &c);
    assert_true(c.privileged);
    docker_container_free(&c);
    free(json);
    free(full.data);

    /* A million levels: refused by the bound before cJSON recurses. */
    size_t deep = 1000000;
    json = malloc(2 * deep);
    assert_non_null(json);
    memset(json, '[', deep);
    memset(json + deep, ']', deep);
    assert_int_equal(docker_parse_container(json, 2 * deep, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "JSON nested deeper than 64 levels");
    struct str_list ids;
    assert_int_equal(docker_parse_container_ids(json, 2 * deep, &ids, err, sizeof(err)), -1);
    assert_string_equal(err, "JSON nested deeper than 64 levels");
    free(json);
}

/* A ~20 MB container answer built in memory. */
static void test_container_huge(void **state)
{
    struct docker_container c;
    char err[256] = "";
    size_t cap = 21u * 1024 * 1024;
    char *json = malloc(cap);
    assert_non_null(json);

    /* Three million Env entries: over DOCKER_JSON_VALUES_MAX, refused before cJSON. */
    size_t n = (size_t)snprintf(json, cap, "{\"Id\":\"h\",\"Config\":{\"Env\":[");
    for (size_t i = 0; n < 20u * 1024 * 1024; i++)
        n += (size_t)snprintf(json + n, cap - n, "%s\"V=1\"", i ? "," : "");
    n += (size_t)snprintf(json + n, cap - n, "]}}");
    assert_int_equal(docker_parse_container(json, n, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "JSON with more than 500000 values");

    /* One 20 MB string: few values, so it parses; the field is too long to keep. */
    n = (size_t)snprintf(json, cap, "{\"Id\":\"h\",\"Config\":{\"User\":\"");
    memset(json + n, 'u', 20u * 1024 * 1024);
    n += 20u * 1024 * 1024;
    n += (size_t)snprintf(json + n, cap - n, "\",\"Env\":[\"A=1\"]}}");
    parse_container_text(json, n, &c);
    assert_null(c.user);
    assert_true((c.invalid & BIT(DOCKER_F_C_USER)) != 0);
    assert_list(&c.env_names, 1, "A");
    docker_container_free(&c);

    /* A list answer of 150000 entries: over DOCKER_ID_LIST_MAX. */
    n = (size_t)snprintf(json, cap, "[");
    for (size_t i = 0; i < 150000; i++)
        n += (size_t)snprintf(json + n, cap - n, "%s{\"Id\":\"%zx\"}", i ? "," : "", i);
    n += (size_t)snprintf(json + n, cap - n, "]");
    struct str_list ids;
    assert_int_equal(docker_parse_container_ids(json, n, &ids, err, sizeof(err)), -1);
    assert_string_equal(err, "list with more than 100000 entries");
    assert_int_equal(ids.len, 0);
    free(json);
}

static void test_container_field_names(void **state)
{
    for (int f = 0; f < DOCKER_F_C_FIELD_COUNT; f++) {
        const char *name = docker_container_field_name((enum docker_container_field)f);
        assert_string_not_equal(name, "unknown field");
        for (int g = 0; g < f; g++)
            assert_string_not_equal(name,
                                    docker_container_field_name((enum docker_container_field)g));
    }
    assert_string_equal(docker_container_field_name(DOCKER_F_C_FIELD_COUNT), "unknown field");
    assert_string_equal(docker_container_field_name(DOCKER_F_C_PORTS), "HostConfig.PortBindings");
}

/* ---- images ---- */

static void parse_image_files(const char *inspect, const char *history, struct docker_image *img)
{
    struct text t = load(inspect);
    char err[256] = "";
    if (docker_parse_image(t.data, t.len, img, err, sizeof(err)) != 0)
        fail_msg("%s: %s", inspect, err);
    free(t.data);
    if (history != NULL) {
        t = load(history);
        if (docker_parse_image_history(t.data, t.len, img, err, sizeof(err)) != 0)
            fail_msg("%s: %s", history, err);
        free(t.data);
    }
}

static void test_images_recorded(void **state)
{
    struct docker_image img;
    parse_image_files("image-dw-busybox-1.json", "image-dw-busybox-1-history.json", &img);
    assert_int_equal(img.invalid, 0);
    assert_string_equal(img.id, BUSYBOX_ID);
    assert_list(&img.repo_tags, 1, "dw-busybox:1");
    assert_int_equal(img.created, 1795414734); /* 2026-11-23T06:18:54.14167138Z */
    assert_string_equal(img.user, "");
    assert_false(img.has_healthcheck);
    assert_list(&img.history, 1, ""); /* an imported layer has no CreatedBy text */
    assert_int_equal(img.containers_using, 0);
    docker_image_free(&img);

    parse_image_files("image-dw-hc-1.json", "image-dw-hc-1-history.json", &img);
    assert_int_equal(img.invalid, 0);
    assert_string_equal(img.id, HC_ID);
    assert_list(&img.repo_tags, 1, "dw-hc:1");
    assert_int_equal(img.created, 1795414742);
    assert_string_equal(img.user, "1000");
    assert_true(img.has_healthcheck);
    assert_list(&img.history, 2, "sleep 100000", ""); /* newest first */
    docker_image_free(&img);

    parse_image_files("image-dw-nohc-1.json", "image-dw-nohc-1-history.json", &img);
    assert_int_equal(img.invalid, 0);
    assert_string_equal(img.id, NOHC_ID);
    assert_false(img.has_healthcheck); /* HEALTHCHECK NONE: Test ["NONE"] */
    docker_image_free(&img);

    parse_image_files("image-dangling.json", NULL, &img);
    assert_string_equal(img.id, DANGLING_ID);
    assert_int_equal(img.repo_tags.len, 0);
    docker_image_free(&img);
}

static void test_image_broken(void **state)
{
    struct docker_image img;
    char err[256] = "";
    const char *json = "{\"Id\":\"sha256:1\",\"RepoTags\":[\"<none>:<none>\",\"a:1\"],"
                       "\"Created\":\"yesterday\",\"Config\":{\"User\":5,"
                       "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}}}";
    assert_int_equal(docker_parse_image(json, strlen(json), &img, err, sizeof(err)), 0);
    assert_int_equal(img.invalid, BIT(DOCKER_F_I_CREATED) | BIT(DOCKER_F_I_CONFIG));
    assert_list(&img.repo_tags, 1, "a:1");
    assert_true(img.has_healthcheck);
    assert_null(img.user);
    docker_image_free(&img);

    /* Created as Unix seconds (as in /images/json) is accepted; Config null is empty. */
    json = "{\"Id\":\"sha256:2\",\"RepoTags\":null,\"Created\":1700000000,\"Config\":null}";
    assert_int_equal(docker_parse_image(json, strlen(json), &img, err, sizeof(err)), 0);
    assert_int_equal(img.invalid, 0);
    assert_int_equal(img.created, 1700000000);
    assert_string_equal(img.user, "");
    assert_false(img.has_healthcheck);
    docker_image_free(&img);

    /* Since API 1.44 empty Config fields are omitted; Healthcheck Test must be a list. */
    json = "{\"Id\":\"sha256:3\",\"Created\":\"2024-01-01T00:00:00Z\",\"Config\":{"
           "\"Healthcheck\":{\"Test\":\"NONE\"}}}";
    assert_int_equal(docker_parse_image(json, strlen(json), &img, err, sizeof(err)), 0);
    assert_int_equal(img.invalid, BIT(DOCKER_F_I_CONFIG));
    assert_string_equal(img.user, "");
    assert_false(img.has_healthcheck);
    docker_image_free(&img);

    json = "{\"Id\":\"sha256:4\",\"Created\":\"2024-01-01T00:00:00Z\"}";
    assert_int_equal(docker_parse_image(json, strlen(json), &img, err, sizeof(err)), 0);
    assert_int_equal(img.invalid, BIT(DOCKER_F_I_CONFIG));
    assert_int_equal(img.created, 1704067200);

    /* History: not an array is -1 with the bit; a mistyped element sets the bit. */
    assert_int_equal(docker_parse_image_history("{}", 2, &img, err, sizeof(err)), -1);
    assert_string_equal(err, "want a JSON array, got an object");
    assert_true((img.invalid & BIT(DOCKER_F_I_HISTORY)) != 0);
    const char *hist = "[{\"CreatedBy\":\"RUN apt-get update\"},{\"CreatedBy\":3},{}]";
    assert_int_equal(docker_parse_image_history(hist, strlen(hist), &img, err, sizeof(err)), 0);
    assert_true((img.invalid & BIT(DOCKER_F_I_HISTORY)) != 0);
    assert_list(&img.history, 1, "RUN apt-get update");
    docker_image_free(&img);

    assert_int_equal(docker_parse_image("[]", 2, &img, err, sizeof(err)), -1);
    assert_string_equal(err, "want a JSON object, got an array");
}

static void test_image_history_cut_at_512_bytes(void **state)
{
    /* 511 ASCII bytes then a 3-byte character: the cut must not split it. */
    char line[2048];
    memset(line, 'a', 511);
    size_t n = 511;
    for (int i = 0; i < 200; i++) {
        memcpy(line + n, "\xe2\x82\xac", 3); /* U+20AC */
        n += 3;
    }
    line[n] = '\0';
    char json[4096];
    snprintf(json, sizeof(json), "[{\"CreatedBy\":\"%s\"},{\"CreatedBy\":\"%.600s\"}]", line, line);
    struct docker_image img = { 0 };
    char err[256] = "";
    assert_int_equal(docker_parse_image_history(json, strlen(json), &img, err, sizeof(err)), 0);
    assert_int_equal(img.history.len, 2);
    assert_int_equal(strlen(img.history.items[0]), 511);
    assert_int_equal(strlen(img.history.items[1]), 511);
    memset(line, 'b', 600);
    line[600] = '\0';
    snprintf(json, sizeof(json), "[{\"CreatedBy\":\"%s\"}]", line);
    assert_int_equal(docker_parse_image_history(json, strlen(json), &img, err, sizeof(err)), 0);
    assert_int_equal(img.history.len, 1);
    assert_int_equal(strlen(img.history.items[0]), 512);
    docker_image_free(&img);
}

/* ---- lists ---- */

static void test_lists_recorded(void **state)
{
    struct text t = load("containers-list.json");
    struct str_list ids;
    char err[256] = "";
    assert_int_equal(docker_parse_container_ids(t.data, t.len, &ids, err, sizeof(err)), 0);
    assert_list(&ids, 3, HARDENED_ID, RISKY_ID, WEB_ID);
    str_list_free(&ids);
    free(t.data);

    t = load("images-list.json");
    assert_int_equal(docker_parse_container_ids(t.data, t.len, &ids, err, sizeof(err)), 0);
    assert_list(&ids, 4, DANGLING_ID, NOHC_ID, HC_ID, BUSYBOX_ID);
    str_list_free(&ids);
    free(t.data);

    assert_int_equal(docker_parse_container_ids(" [ ] \n", 6, &ids, err, sizeof(err)), 0);
    assert_int_equal(ids.len, 0);
}

static void test_lists_broken(void **state)
{
    struct str_list ids;
    char err[256] = "";
    const struct harness_text_case cases[] = {
        { "{\"Id\":\"a\"}", "want a JSON array, got an object" },
        { "[{\"Id\":\"a\"},{\"Names\":[]}]", "element 1 of the list has no Id" },
        { "[{\"Id\":\"a\"},{\"Id\":7}]", "element 1 of the list has no Id" },
        { "[{\"Id\":\"a\"},", "not valid JSON (the array is not closed, 12 bytes)" },
        { "[{\"Id\":\"a\"}", "not valid JSON (the array is not closed, 11 bytes)" },
        { "[{\"Id\":\"a\"},]", "element 1 (byte 12): empty answer, want JSON" },
        { "[{\"Id\":\"a\"}}", "not valid JSON (at byte 11 of 12)" },
        { "[{\"Id\":\"a\"}] x", "not valid JSON (trailing data at byte 12 of 14)" },
        { "[{\"Id\":\"a\" \"b\"}]", "element 0 (byte 1): not valid JSON (at byte 10 of 14)" },
        { "[\"a]\"]", "element 0 of the list has no Id" },
        { "", "empty answer, want JSON" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        assert_int_equal(docker_parse_container_ids(cases[i].text, strlen(cases[i].text), &ids, err,
                                                    sizeof(err)),
                         -1);
        assert_string_equal(err, cases[i].want);
        assert_int_equal(ids.len, 0);
        assert_null(ids.items);
    }
    /* Braces and brackets inside strings do not confuse the element scan. */
    const char *tricky = "[{\"Id\":\"a\",\"Name\":\"]},{\\\"x\"},{\"Id\":\"b\"}]";
    assert_int_equal(docker_parse_container_ids(tricky, strlen(tricky), &ids, err, sizeof(err)), 0);
    assert_list(&ids, 2, "a", "b");
    str_list_free(&ids);
}

static void test_networks_recorded(void **state)
{
    struct text t = load("networks.json");
    struct docker_network *nw = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(docker_parse_networks(t.data, t.len, &nw, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3);
    assert_string_equal(nw[0].name, "bridge");
    assert_string_equal(nw[0].driver, "bridge");
    assert_string_equal(nw[1].name, "none");
    assert_string_equal(nw[1].driver, "null");
    assert_string_equal(nw[2].name, "host");
    for (size_t i = 0; i < n; i++) {
        assert_false(nw[i].encrypted);
        /* The default bridge names the address -p without one binds on. */
        if (strcmp(nw[i].name, "bridge") == 0)
            assert_string_equal(nw[i].host_binding_ip, "0.0.0.0");
    }
    docker_networks_free(nw, n);
    free(t.data);

    t = load("networks-swarm.json");
    assert_int_equal(docker_parse_networks(t.data, t.len, &nw, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 5);
    size_t encrypted = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(nw[i].name, "dw-enc") == 0) {
            assert_string_equal(nw[i].driver, "overlay");
            assert_true(nw[i].encrypted);
        }
        if (strcmp(nw[i].name, "ingress") == 0)
            assert_false(nw[i].encrypted);
        encrypted += nw[i].encrypted;
    }
    assert_int_equal(encrypted, 1);
    docker_networks_free(nw, n);
    free(t.data);

    assert_int_equal(docker_parse_networks("{}", 2, &nw, &n, err, sizeof(err)), -1);
    assert_null(nw);
    const char *bad = "[{\"Name\":\"a\",\"Driver\":\"bridge\"},{\"Name\":1}]";
    assert_int_equal(docker_parse_networks(bad, strlen(bad), &nw, &n, err, sizeof(err)), -1);
    assert_string_equal(err, "network 1 has no Name/Driver or mistyped Options");
    assert_null(nw);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_recorded),
        cmocka_unit_test(test_version_build_time_forms),
        cmocka_unit_test(test_version_broken),
        cmocka_unit_test(test_info_recorded),
        cmocka_unit_test(test_info_swarm_manager_recorded),
        cmocka_unit_test(test_info_broken),
        cmocka_unit_test(test_container_risky_recorded),
        cmocka_unit_test(test_container_web_recorded),
        cmocka_unit_test(test_container_hardened_recorded),
        cmocka_unit_test(test_container_env_values_never_kept),
        cmocka_unit_test(test_container_labels),
        cmocka_unit_test(test_container_ports_forms),
        cmocka_unit_test(test_5_8_port_range_parsed),
        cmocka_unit_test(test_5_14_publish_all_parsed),
        cmocka_unit_test(test_5_22_inline_seccomp_profile_kept_as_summary),
        cmocka_unit_test(test_5_6_volumes_parsed),
        cmocka_unit_test(test_5_18_device_rules_and_requests_parsed),
        cmocka_unit_test(test_review_parse_forms),
        cmocka_unit_test(test_container_truncated),
        cmocka_unit_test(test_container_wrong_types),
        cmocka_unit_test(test_container_no_host_config),
        cmocka_unit_test(test_container_wrong_top_level),
        cmocka_unit_test(test_container_nested),
        cmocka_unit_test(test_container_huge),
        cmocka_unit_test(test_container_field_names),
        cmocka_unit_test(test_images_recorded),
        cmocka_unit_test(test_image_broken),
        cmocka_unit_test(test_image_history_cut_at_512_bytes),
        cmocka_unit_test(test_lists_recorded),
        cmocka_unit_test(test_lists_broken),
        cmocka_unit_test(test_networks_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
