/*
 * test_container_runtime.c - the container_runtime collector (CIS 4.1,
 * section 5, 6.2 and dockward.env_secret) on Docker API sweeps built here
 * by hand, so the judging is tested apart from the API parsers.
 *
 * The heart is a matrix: one fully hardened container, passing every
 * automated check, and one container per risky setting, each the hardened
 * one with that single setting changed. The exact status of every check for
 * every container is asserted, with a piece of the evidence, and every
 * container result must name the container's state. Then each pitfall of
 * ../shared/CHECKS.md has a test named after its check id (a 0:0 user, a
 * created-but-never-started privileged container, no-new-privileges:false
 * over a daemon default that is on, ...), 5.7 runs on committed host trees
 * with cgroup v1 and v2 layouts (tests/fixtures/cr-cgroup-v1, -v2), fields
 * the API left out become errors naming them, and a dead Docker API makes
 * the collector fail with no results.
 *
 * The last test runs the collector on a real sweep of a dockerd named by
 * DOCKWARD_TEST_DOCKER_HOST and is skipped without it (see its comment).
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

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PASS  CHECK_PASS
#define FAIL  CHECK_FAIL
#define WARN  CHECK_WARN
#define SKIP  CHECK_SKIP
#define ERROR CHECK_ERROR

#define CONTAINERS_MAX 64
#define PER_CONTAINER  30 /* per-container checks: 4.1, 5.2-5.22, 5.25-5.27, 5.29-5.32, env */
#define HOST_RESULTS   4  /* 5.23, 5.24, 5.28, 6.2 */
#define DEFAULT_SOCKET "unix:///var/run/docker.sock"
#define SL(a)          ((struct str_list){ (a), ARRAY_LEN(a) })
#define NO_LIST        ((struct str_list){ NULL, 0 })
#define FIELD(x)       (UINT64_C(1) << DOCKER_F_C_##x)

/* ---- the world of one test: a host tree, a sweep, results ---------------- */

struct world {
    struct harness_run h;
    struct docker_sweep sw;
    struct docker_container cs[CONTAINERS_MAX];
    char ids[CONTAINERS_MAX][65];
    char names[CONTAINERS_MAX][64];
    struct docker_image images[4];
    const char *docker_host;
};

static char *info_secopts_apparmor[] = { "name=apparmor", "name=seccomp,profile=builtin" };
static char *info_secopts_selinux[] = { "name=seccomp,profile=builtin", "name=selinux" };
static char *info_secopts_none[] = { "name=seccomp,profile=builtin", "name=cgroupns" };

/* The daemon's networks (GET /networks) and volumes (GET /volumes). */
static struct docker_network world_networks[] = {
    { "bridge", "bridge", false, false, "" },
    { "app-net", "bridge", false, false, "" },
    { "host", "host", false, false, "" },
    { "none", "null", false, false, "" },
};
static struct docker_volume world_volumes[] = {
    { "data", "local", NULL },
    { "etc-vol", "local", "/etc" },
    { "run-vol", "local", "/run" },
};

static int setup(void **state)
{
    if (harness_setup(state, sizeof(struct world)) != 0)
        return -1;
    struct world *w = *state;
    w->docker_host = DEFAULT_SOCKET;
    /* Images: one with a USER, one without (root), one whose USER is 0. */
    w->images[0] = (struct docker_image){ .id = "sha256:app", .user = "app" };
    w->images[1] = (struct docker_image){ .id = "sha256:root", .user = "" };
    w->images[2] = (struct docker_image){ .id = "sha256:zero", .user = "0:0" };
    w->images[3] =
        (struct docker_image){ .id = "sha256:broken", .invalid = UINT64_C(1) << DOCKER_F_I_CONFIG };
    w->sw.ok = true;
    w->sw.images = w->images;
    w->sw.n_images = ARRAY_LEN(w->images);
    w->sw.containers = w->cs;
    w->sw.info.security_options = SL(info_secopts_apparmor);
    w->sw.networks = world_networks;
    w->sw.n_networks = ARRAY_LEN(world_networks);
    w->sw.volumes = world_volumes;
    w->sw.n_volumes = ARRAY_LEN(world_volumes);
    w->sw.volumes_ok = true;
    return 0;
}

/* Writes a host file in the tree, creating its parent directories. */
static void put(struct world *w, const char *hostpath, const char *text)
{
    harness_put_text(&w->h.fx, hostpath, text);
}

/*
 * Gives a running container's pid a cgroup v2 scope on the host, as the
 * systemd driver makes it, holding `pid` (comm "app") and, when `extra` is
 * set, pid+1000 with that comm.
 */
static void fake_processes(struct world *w, const struct docker_container *c, const char *extra)
{
    char path[512], text[512];
    snprintf(path, sizeof(path), "/proc/%ld/cgroup", c->pid);
    snprintf(text, sizeof(text), "0::/system.slice/docker-%s.scope\n", c->id);
    put(w, path, text);
    snprintf(path, sizeof(path), "/proc/%ld/comm", c->pid);
    put(w, path, "app\n");
    snprintf(path, sizeof(path), "/sys/fs/cgroup/system.slice/docker-%s.scope/cgroup.procs", c->id);
    if (extra != NULL) {
        snprintf(text, sizeof(text), "%ld\n%ld\n", c->pid, c->pid + 1000);
        put(w, path, text);
        char comm[64];
        snprintf(path, sizeof(path), "/proc/%ld/comm", c->pid + 1000);
        snprintf(comm, sizeof(comm), "%s\n", extra);
        put(w, path, comm);
    } else {
        snprintf(text, sizeof(text), "%ld\n", c->pid);
        put(w, path, text);
    }
}

/* ---- the hardened container ----------------------------------------------- */

static char *hardened_secopt[] = { "no-new-privileges:true" };
static char *hardened_cap_add[] = { "NET_BIND_SERVICE" };
static char *hardened_cap_drop[] = { "ALL" };
static char *hardened_networks[] = { "app-net" };
static char *hardened_env[] = { "PATH", "APP_MODE" };
static struct docker_mount hardened_mounts[] = {
    { "volume", "/var/lib/docker/volumes/data/_data", "/data", "", true, NULL, NULL },
    { "bind", "/srv/app", "/config", "rprivate", false, NULL, NULL },
};
static struct docker_port_binding hardened_ports[] = { { "8080/tcp", "127.0.0.1", 8080, 8080 } };

/* Adds a hardened, running container; returns it for the test to change. */
static struct docker_container *add_container(struct world *w, const char *name)
{
    size_t i = w->sw.n_containers;
    assert_true(i < CONTAINERS_MAX);
    struct docker_container *c = &w->cs[i];
    snprintf(w->ids[i], sizeof(w->ids[i]), "%02zx%062zx", i, i);
    snprintf(w->names[i], sizeof(w->names[i]), "%s", name);
    *c = (struct docker_container){
        .id = w->ids[i],
        .name = w->names[i],
        .image = "app:1",
        .image_id = "sha256:app",
        .state = "running",
        .running = true,
        .pid = 100 + (long)i,
        .has_health = true,
        .health_status = "healthy",
        .health_test = "CMD-SHELL",
        .user = "1000:1000",
        .env_names = SL(hardened_env),
        .apparmor_profile = "docker-default",
        .security_opt = SL(hardened_secopt),
        .privileged = false,
        .cap_add = SL(hardened_cap_add),
        .cap_drop = SL(hardened_cap_drop),
        .network_mode = "app-net",
        .pid_mode = "",
        .ipc_mode = "private",
        .uts_mode = "",
        .userns_mode = "",
        .cgroup_parent = "",
        .memory = 268435456,
        .cpu_shares = 512,
        .pids_limit_set = true,
        .pids_limit = 100,
        .readonly_rootfs = true,
        .mounts = hardened_mounts,
        .n_mounts = ARRAY_LEN(hardened_mounts),
        .ports = hardened_ports,
        .n_ports = ARRAY_LEN(hardened_ports),
        .restart_policy = "on-failure",
        .restart_max_retries = 5,
        .devices = NO_LIST,
        .ulimits = NO_LIST,
        .networks = SL(hardened_networks),
    };
    w->sw.n_containers++;
    return c;
}

/* Makes a container not running, in `state` ("created", "exited"). */
static void stop(struct docker_container *c, const char *state)
{
    c->state = (char *)state;
    c->running = false;
    c->pid = 0;
    c->has_health = false;
    c->health_status = NULL;
}

/* ---- running and asserting ---------------------------------------------- */

static void collect(struct world *w)
{
    if (w->h.fx.root[0] == '\0')
        harness_build_named(&w->h.fx, "cr-host");
    /*
     * A running container's real bindings (NetworkSettings.Ports) are what
     * it asked for, unless a test set them itself (-P, a range).
     */
    for (size_t i = 0; i < w->sw.n_containers; i++) {
        struct docker_container *c = &w->cs[i];
        if (c->running && c->live_ports == NULL) {
            c->live_ports = c->ports;
            c->n_live_ports = c->n_ports;
        }
    }
    struct collect_ctx ctx = {
        .docker_host = w->docker_host,
        .docker = &w->sw,
        .now = 1700000000.0,
    };
    harness_collect_ok(&w->h, &collector_container_runtime, &ctx);
}

/* Adds fake processes for every running container, then collects. */
static void collect_running(struct world *w)
{
    harness_build_named(&w->h.fx, "cr-host");
    for (size_t i = 0; i < w->sw.n_containers; i++) {
        if (w->cs[i].running)
            fake_processes(w, &w->cs[i], NULL);
    }
    collect(w);
}

static void dump(const struct world *w)
{
    harness_dump(&w->h.set);
}

static const struct result *find(const struct world *w, const char *check, const char *target)
{
    return harness_find(&w->h.set, check, target);
}

/* Asserts the only result of (check, target): its status and that its evidence contains `evidence`.
 */
static void expect(const struct world *w, const char *check, const char *target,
                   enum check_status status, const char *evidence)
{
    harness_expect(&w->h.set, HARNESS_AT_TARGET | HARNESS_CONTAINS, check, target, status,
                   evidence);
}

/* As expect() for container `name`. */
static void expect_c(const struct world *w, const char *check, const char *name,
                     enum check_status status, const char *evidence)
{
    char target[128];
    snprintf(target, sizeof(target), "container/%s", name);
    expect(w, check, target, status, evidence);
}

/* ---- the matrix: hardened, and one container per risky setting ---------- */

struct want {
    const char *check;
    enum check_status status;
    const char *evidence;
};

/* What the hardened container gets, check by check (no state in the evidence here). */
static const struct want hardened_wants[PER_CONTAINER] = {
    { "4.1", PASS, "Config.User=\"1000:1000\"" },
    { "5.2", PASS, "AppArmorProfile=docker-default" },
    { "5.3", SKIP, "SELinux is not enabled on this host" },
    { "5.4", PASS, "HostConfig.CapAdd=NET_BIND_SERVICE, within Docker's default set" },
    { "5.5", PASS, "HostConfig.Privileged=false" },
    { "5.6", PASS, "1 host-path mounts, none of a sensitive host path" },
    { "5.7", PASS, "no sshd among 1 processes in 1 cgroups under /sys/fs/cgroup/system.slice/" },
    { "5.8", PASS, "1 published ports, none below 1024" },
    { "5.9", WARN, "review that each is needed; " },
    { "5.10", PASS, "HostConfig.NetworkMode=app-net" },
    { "5.11", PASS, "HostConfig.Memory=268435456" },
    { "5.12", PASS, "CpuShares=512 NanoCpus=0 CpuQuota=0" },
    { "5.13", PASS, "HostConfig.ReadonlyRootfs=true" },
    { "5.14", PASS, "1 published ports, each on a specific address" },
    { "5.15", PASS, "on-failure with MaximumRetryCount=5" },
    { "5.16", PASS, "HostConfig.PidMode=\"\"" },
    { "5.17", PASS, "HostConfig.IpcMode=private" },
    { "5.18", SKIP, "no host devices" },
    { "5.19", SKIP, "no ulimit overrides" },
    { "5.20", PASS, "mounts, none shared" },
    { "5.21", PASS, "HostConfig.UTSMode=\"\"" },
    { "5.22", PASS, "default seccomp profile" },
    { "5.25", PASS, "HostConfig.CgroupParent unset" },
    { "5.26", PASS, "HostConfig.SecurityOpt has no-new-privileges:true" },
    { "5.27", PASS, "State.Health.Status=healthy" },
    { "5.29", PASS, "HostConfig.PidsLimit=100" },
    { "5.30", SKIP, "not attached to the default bridge network" },
    { "5.31", PASS, "HostConfig.UsernsMode=\"\"" },
    { "5.32", PASS, "no mount of the Docker socket" },
    { "dockward.env_secret", PASS, "2 environment variables, none named like a secret" },
};

/* One risky container: its name, its state, what it changes and the checks that differ. */
struct variant {
    const char *name;
    const char *state; /* NULL = running */
    struct want differ[8];
};

enum {
    V_HARDENED,
    V_USER_ROOT_IMAGE,
    V_USER_0_0,
    V_APPARMOR_UNCONFINED,
    V_CAP_SYS_ADMIN,
    V_CAP_ALL,
    V_PRIVILEGED_CREATED,
    V_MOUNT_ETC,
    V_MOUNT_ROOT_RO,
    V_MOUNT_SOCKET,
    V_PROPAGATION_SHARED,
    V_PORT_80_ANY,
    V_NETWORK_HOST,
    V_PID_HOST,
    V_IPC_HOST,
    V_UTS_HOST,
    V_USERNS_HOST,
    V_NO_MEMORY,
    V_NO_CPU,
    V_RW_ROOTFS,
    V_RESTART_10,
    V_RESTART_ALWAYS,
    V_DEVICES,
    V_ULIMITS,
    V_SECCOMP_UNCONFINED,
    V_CGROUP_PARENT,
    V_NNP_FALSE,
    V_NNP_NONE,
    V_NO_HEALTH,
    V_EXITED,
    V_PIDS_UNSET,
    V_PIDS_MINUS_ONE,
    V_BRIDGE,
    V_ENV_SECRET,
    V_SSHD,
    V_COUNT
};

static const struct variant variants[V_COUNT] = {
    [V_HARDENED] = { "hardened", NULL, { { 0 } } },
    [V_USER_ROOT_IMAGE] = { "user-from-root-image",
                            NULL,
                            { { "4.1", FAIL, "Config.User empty and image app:1 sets no USER" } } },
    [V_USER_0_0] = { "user-0-0", NULL, { { "4.1", FAIL, "Config.User=\"0:0\" is root" } } },
    [V_APPARMOR_UNCONFINED] = { "apparmor-unconfined",
                                NULL,
                                { { "5.2", FAIL, "AppArmorProfile=unconfined" } } },
    [V_CAP_SYS_ADMIN] = { "cap-sys-admin",
                          NULL,
                          { { "5.4", FAIL,
                              "HostConfig.CapAdd adds SYS_ADMIN beyond Docker's default set; "
                              "dangerous: SYS_ADMIN" } } },
    [V_CAP_ALL] = { "cap-all",
                    NULL,
                    { { "5.4", FAIL, "HostConfig.CapAdd=ALL: ALL grants every capability" } } },
    [V_PRIVILEGED_CREATED] = { "privileged",
                               "created",
                               { { "5.5", FAIL, "HostConfig.Privileged=true (state created)" },
                                 { "5.7", SKIP, "not running" },
                                 { "5.27", PASS,
                                   "Config.Healthcheck CMD-SHELL runs when it starts" },
                                 /* What dockerd applies to a privileged container: */
                                 { "5.4", FAIL, "Privileged=true grants every capability" },
                                 { "5.22", FAIL, "dockerd applies no seccomp filter" },
                                 { "5.18", WARN, "every host device" },
                                 { "5.9", WARN, "HostConfig.PortBindings): 127.0.0.1:8080" },
                                 { "5.2", FAIL, "runs it with AppArmor unconfined" } } },
    [V_MOUNT_ETC] = { "mount-etc",
                      NULL,
                      { { "5.6", FAIL, "sensitive host paths mounted: /etc on /host-etc (rw)" } } },
    [V_MOUNT_ROOT_RO] = { "mount-root-ro",
                          NULL,
                          { { "5.6", FAIL, "sensitive host paths mounted: / on /host (ro)" },
                            { "5.32", FAIL,
                              "Docker socket mounted: / on /host (holds the socket "
                              "/run/docker.sock)" } } },
    [V_MOUNT_SOCKET] = { "mount-socket",
                         NULL,
                         { { "5.32", FAIL,
                             "Docker socket mounted: /var/run/docker.sock on "
                             "/var/run/docker.sock" } } },
    [V_PROPAGATION_SHARED] = { "propagation-shared",
                               NULL,
                               { { "5.20", FAIL,
                                   "mounts with shared propagation: /srv/app on /config "
                                   "(rshared)" } } },
    [V_PORT_80_ANY] = { "port-80",
                        NULL,
                        { { "5.8", FAIL,
                            "host ports below 1024 published (NetworkSettings.Ports): "
                            "0.0.0.0:80->80/tcp" },
                          { "5.9", WARN, "0.0.0.0:80->80/tcp" },
                          { "5.14", FAIL,
                            "ports bound to every interface (NetworkSettings.Ports): "
                            "0.0.0.0:80->80/tcp" } } },
    [V_NETWORK_HOST] = { "network-host",
                         NULL,
                         { { "5.10", FAIL, "HostConfig.NetworkMode=host" },
                           /* dockerd discards -p with --network host. */
                           { "5.8", PASS, "no published ports: with HostConfig.NetworkMode=host" },
                           { "5.9", SKIP, "dockerd discards them" },
                           { "5.14", PASS, "dockerd discards them" } } },
    [V_PID_HOST] = { "pid-host", NULL, { { "5.16", FAIL, "HostConfig.PidMode=host" } } },
    [V_IPC_HOST] = { "ipc-host", NULL, { { "5.17", FAIL, "HostConfig.IpcMode=host" } } },
    [V_UTS_HOST] = { "uts-host", NULL, { { "5.21", FAIL, "HostConfig.UTSMode=host" } } },
    [V_USERNS_HOST] = { "userns-host", NULL, { { "5.31", FAIL, "HostConfig.UsernsMode=host" } } },
    [V_NO_MEMORY] = { "no-memory",
                      NULL,
                      { { "5.11", FAIL, "HostConfig.Memory=0: no memory limit" } } },
    [V_NO_CPU] = { "no-cpu",
                   NULL,
                   { { "5.12", FAIL, "CpuShares, NanoCpus and CpuQuota all unset" } } },
    [V_RW_ROOTFS] = { "rw-rootfs", NULL, { { "5.13", FAIL, "HostConfig.ReadonlyRootfs=false" } } },
    [V_RESTART_10] = { "restart-on-failure-10",
                       NULL,
                       { { "5.15", FAIL,
                           "HostConfig.RestartPolicy on-failure with MaximumRetryCount=10 (more "
                           "than 5)" } } },
    [V_RESTART_ALWAYS] = { "restart-always",
                           NULL,
                           { { "5.15", PASS,
                               "HostConfig.RestartPolicy always: restarts without a retry "
                               "limit" } } },
    [V_DEVICES] = { "devices",
                    NULL,
                    { { "5.18", WARN, "host devices (review): /dev/fuse:/dev/fuse:rwm" } } },
    [V_ULIMITS] = { "ulimits",
                    NULL,
                    { { "5.19", WARN, "ulimit overrides (review): nofile=1024:2048" } } },
    [V_SECCOMP_UNCONFINED] = { "seccomp-unconfined",
                               NULL,
                               { { "5.22", FAIL,
                                   "HostConfig.SecurityOpt has seccomp=unconfined" } } },
    [V_CGROUP_PARENT] = { "cgroup-parent",
                          NULL,
                          { { "5.25", FAIL, "HostConfig.CgroupParent=/custom" } } },
    [V_NNP_FALSE] = { "nnp-false",
                      NULL,
                      { { "5.26", FAIL, "HostConfig.SecurityOpt has no-new-privileges:false" } } },
    [V_NNP_NONE] = { "nnp-none",
                     NULL,
                     { { "5.26", FAIL,
                         "no no-new-privileges in HostConfig.SecurityOpt; daemon default "
                         "no-new-privileges off (unset)" } } },
    [V_NO_HEALTH] = { "no-health",
                      NULL,
                      { { "5.27", FAIL, "running without a health check (no State.Health)" } } },
    [V_EXITED] = { "exited",
                   "exited",
                   { { "5.7", SKIP, "not running: no processes to look at (state exited)" },
                     { "5.27", PASS,
                       "not running; Config.Healthcheck CMD-SHELL runs when it starts (state "
                       "exited)" } } },
    [V_PIDS_UNSET] = { "pids-unset",
                       NULL,
                       { { "5.29", FAIL, "HostConfig.PidsLimit=null: unlimited" } } },
    [V_PIDS_MINUS_ONE] = { "pids-minus-one",
                           NULL,
                           { { "5.29", FAIL, "HostConfig.PidsLimit=-1: unlimited" } } },
    [V_BRIDGE] = { "bridge", NULL, { { "5.30", WARN, "attached to the default bridge network" } } },
    [V_ENV_SECRET] = { "env-secret",
                       NULL,
                       { { "dockward.env_secret", FAIL,
                           "environment variables named like secrets: DB_PASSWORD, api_token, "
                           "AWS_SECRET_ACCESS_KEY, SSH_KEY" } } },
    [V_SSHD] = { "sshd",
                 NULL,
                 { { "5.7", FAIL,
                     "process sshd running as host pid 1134 (cgroup "
                     "/sys/fs/cgroup/system.slice/docker-" } } },
};

static char *secopt_nnp_false[] = { "no-new-privileges:false" };
static char *secopt_seccomp[] = { "no-new-privileges:true", "seccomp=unconfined" };
static char *cap_sys_admin[] = { "SYS_ADMIN" };
static char *cap_all[] = { "ALL" };
static char *devices_fuse[] = { "/dev/fuse:/dev/fuse:rwm" };
static char *ulimits_nofile[] = { "nofile=1024:2048" };
static char *networks_bridge[] = { "bridge" };
static char *networks_host[] = { "host" };
static char *env_secret[] = { "PATH",    "DB_PASSWORD", "api_token", "AWS_SECRET_ACCESS_KEY",
                              "SSH_KEY", "KEYBOARD",    "MONKEY" };
static struct docker_mount mounts_etc[] = { { "bind", "/etc", "/host-etc", "rprivate", true, NULL,
                                              NULL } };
static struct docker_mount mounts_root_ro[] = { { "bind", "/", "/host", "rprivate", false, NULL,
                                                  NULL } };
static struct docker_mount mounts_socket[] = {
    { "bind", "/var/run/docker.sock", "/var/run/docker.sock", "rprivate", true, NULL, NULL }
};
static struct docker_mount mounts_shared[] = { { "bind", "/srv/app", "/config", "rshared", false,
                                                 NULL, NULL } };
static struct docker_port_binding ports_80[] = { { "80/tcp", "0.0.0.0", 80, 80 } };

/* Changes the hardened container `c` into variant v. */
static void apply_variant(struct docker_container *c, int v)
{
    switch (v) {
    case V_USER_ROOT_IMAGE:
        c->user = "";
        c->image_id = "sha256:root";
        break;
    case V_USER_0_0:
        c->user = "0:0";
        break;
    case V_APPARMOR_UNCONFINED:
        c->apparmor_profile = "unconfined";
        break;
    case V_CAP_SYS_ADMIN:
        c->cap_add = SL(cap_sys_admin);
        break;
    case V_CAP_ALL:
        c->cap_add = SL(cap_all);
        break;
    case V_PRIVILEGED_CREATED:
        c->privileged = true;
        stop(c, "created");
        break;
    case V_MOUNT_ETC:
        c->mounts = mounts_etc;
        c->n_mounts = ARRAY_LEN(mounts_etc);
        break;
    case V_MOUNT_ROOT_RO:
        c->mounts = mounts_root_ro;
        c->n_mounts = ARRAY_LEN(mounts_root_ro);
        break;
    case V_MOUNT_SOCKET:
        c->mounts = mounts_socket;
        c->n_mounts = ARRAY_LEN(mounts_socket);
        break;
    case V_PROPAGATION_SHARED:
        c->mounts = mounts_shared;
        c->n_mounts = ARRAY_LEN(mounts_shared);
        break;
    case V_PORT_80_ANY:
        c->ports = ports_80;
        c->n_ports = ARRAY_LEN(ports_80);
        break;
    case V_NETWORK_HOST:
        c->network_mode = "host";
        c->networks = SL(networks_host);
        break;
    case V_PID_HOST:
        c->pid_mode = "host";
        break;
    case V_IPC_HOST:
        c->ipc_mode = "host";
        break;
    case V_UTS_HOST:
        c->uts_mode = "host";
        break;
    case V_USERNS_HOST:
        c->userns_mode = "host";
        break;
    case V_NO_MEMORY:
        c->memory = 0;
        break;
    case V_NO_CPU:
        c->cpu_shares = 0;
        break;
    case V_RW_ROOTFS:
        c->readonly_rootfs = false;
        break;
    case V_RESTART_10:
        c->restart_max_retries = 10;
        break;
    case V_RESTART_ALWAYS:
        c->restart_policy = "always";
        c->restart_max_retries = 0;
        break;
    case V_DEVICES:
        c->devices = SL(devices_fuse);
        break;
    case V_ULIMITS:
        c->ulimits = SL(ulimits_nofile);
        break;
    case V_SECCOMP_UNCONFINED:
        c->security_opt = SL(secopt_seccomp);
        break;
    case V_CGROUP_PARENT:
        c->cgroup_parent = "/custom";
        break;
    case V_NNP_FALSE:
        c->security_opt = SL(secopt_nnp_false);
        break;
    case V_NNP_NONE:
        c->security_opt = NO_LIST;
        break;
    case V_NO_HEALTH:
        c->has_health = false;
        c->health_status = NULL;
        break;
    case V_EXITED:
        stop(c, "exited");
        break;
    case V_PIDS_UNSET:
        c->pids_limit_set = false;
        c->pids_limit = 0;
        break;
    case V_PIDS_MINUS_ONE:
        c->pids_limit = -1;
        break;
    case V_BRIDGE:
        c->networks = SL(networks_bridge);
        break;
    case V_ENV_SECRET:
        c->env_names = SL(env_secret);
        break;
    default:
        break;
    }
}

static const struct want *variant_want(int v, const char *check)
{
    for (size_t k = 0; k < ARRAY_LEN(variants[v].differ); k++) {
        if (variants[v].differ[k].check != NULL && strcmp(variants[v].differ[k].check, check) == 0)
            return &variants[v].differ[k];
    }
    for (size_t k = 0; k < ARRAY_LEN(hardened_wants); k++) {
        if (strcmp(hardened_wants[k].check, check) == 0)
            return &hardened_wants[k];
    }
    fail_msg("no expectation for %s", check);
    return NULL;
}

static void test_matrix(void **state)
{
    struct world *w = *state;
    harness_build_named(&w->h.fx, "cr-host");
    for (int v = 0; v < V_COUNT; v++) {
        struct docker_container *c = add_container(w, variants[v].name);
        apply_variant(c, v);
        if (c->running)
            fake_processes(w, c, v == V_SSHD ? "sshd" : NULL);
    }
    /* The sshd's pid is the container's plus 1000 (see fake_processes). */
    assert_int_equal(w->cs[V_SSHD].pid + 1000, 1134);
    w->sw.info.containers = V_COUNT;
    w->sw.info.containers_running = V_COUNT - 2;
    collect(w);

    for (int v = 0; v < V_COUNT; v++) {
        char target[128], state_text[64];
        snprintf(target, sizeof(target), "container/%s", variants[v].name);
        snprintf(state_text, sizeof(state_text), "(state %s)",
                 variants[v].state != NULL ? variants[v].state : "running");
        size_t seen = 0;
        for (size_t i = 0; i < w->h.set.len; i++) {
            const struct result *r = &w->h.set.items[i];
            if (strcmp(r->target, target) != 0)
                continue;
            seen++;
            const struct want *want = variant_want(v, r->check->id);
            if (r->status != want->status || strstr(r->evidence, want->evidence) == NULL) {
                dump(w);
                fail_msg("%s %s: got %s \"%s\", want %s containing \"%s\"", r->check->id, target,
                         check_status_name(r->status), r->evidence, check_status_name(want->status),
                         want->evidence);
            }
            size_t el = strlen(r->evidence), sl = strlen(state_text);
            if (el < sl || strcmp(r->evidence + el - sl, state_text) != 0) {
                dump(w);
                fail_msg("%s %s: evidence \"%s\" does not end with \"%s\"", r->check->id, target,
                         r->evidence, state_text);
            }
        }
        if (seen != PER_CONTAINER) {
            dump(w);
            fail_msg("%s: %zu results, want %d", target, seen, PER_CONTAINER);
        }
    }
    expect(w, "5.23", "host", WARN, "docker exec --privileged");
    expect(w, "5.24", "host", WARN, "docker exec --user=root");
    expect(w, "5.28", "host", WARN, "images are pulled before use");
    expect(w, "6.2", "host", PASS, "35 containers, 33 running (from GET /info)");
    assert_int_equal(w->h.set.len, (size_t)V_COUNT * PER_CONTAINER + HOST_RESULTS);
    /* No secret value could be in the results; the names of the variables are. */
    harness_expect_nowhere(&w->h.set, "KEYBOARD");
    harness_expect_nowhere(&w->h.set, "MONKEY");
}

/* Every automated check passes for the hardened container, on its own. */
static void test_hardened_passes_every_automated_check(void **state)
{
    struct world *w = *state;
    add_container(w, "hardened");
    w->sw.info.containers = 1;
    w->sw.info.containers_running = 1;
    collect_running(w);
    assert_int_equal(w->h.set.len, PER_CONTAINER + HOST_RESULTS);
    for (size_t i = 0; i < w->h.set.len; i++) {
        const struct result *r = &w->h.set.items[i];
        /* SELinux is not judged on this AppArmor host: 5.3 is the one skip allowed. */
        int selinux_skip = strcmp(r->check->id, "5.3") == 0 && r->status == SKIP;
        if (r->check->automated && r->status != PASS && !selinux_skip) {
            dump(w);
            fail_msg("automated check %s is %s", r->check->id, check_status_name(r->status));
        }
        if (!r->check->automated && r->status == FAIL) {
            dump(w);
            fail_msg("manual check %s failed", r->check->id);
        }
    }
    for (size_t k = 0; k < ARRAY_LEN(hardened_wants); k++)
        expect_c(w, hardened_wants[k].check, "hardened", hardened_wants[k].status,
                 hardened_wants[k].evidence);
}

/* ---- pitfalls and edges, check by check --------------------------------- */

static void test_4_1_user_0_0_is_root(void **state)
{
    struct world *w = *state;
    static const char *const root_users[] = { "0:0",    "root:root",  "0",  "root",
                                              "0:1000", "root:staff", "00", ":1000" };
    static const char *const other_users[] = {
        "1000", "1000:0", "app", "app:root", "rootless", "10"
    };
    for (size_t i = 0; i < ARRAY_LEN(root_users); i++) {
        char name[32];
        snprintf(name, sizeof(name), "root-%zu", i);
        stop(add_container(w, name), "created");
        w->cs[w->sw.n_containers - 1].user = (char *)root_users[i];
    }
    for (size_t i = 0; i < ARRAY_LEN(other_users); i++) {
        char name[32];
        snprintf(name, sizeof(name), "user-%zu", i);
        stop(add_container(w, name), "created");
        w->cs[w->sw.n_containers - 1].user = (char *)other_users[i];
    }
    collect(w);
    for (size_t i = 0; i < ARRAY_LEN(root_users); i++) {
        char name[32], ev[64];
        snprintf(name, sizeof(name), "root-%zu", i);
        snprintf(ev, sizeof(ev), "Config.User=\"%s\" is root (state created)", root_users[i]);
        expect_c(w, "4.1", name, FAIL, ev);
    }
    for (size_t i = 0; i < ARRAY_LEN(other_users); i++) {
        char name[32], ev[64];
        snprintf(name, sizeof(name), "user-%zu", i);
        snprintf(ev, sizeof(ev), "Config.User=\"%s\" (state created)", other_users[i]);
        expect_c(w, "4.1", name, PASS, ev);
    }
}

/* An empty Config.User means the image's USER: judged from the image in the sweep. */
static void test_4_1_empty_user_takes_the_image_user(void **state)
{
    struct world *w = *state;
    static const char *const image_ids[] = { "sha256:app", "sha256:root", "sha256:zero",
                                             "sha256:broken", "sha256:gone" };
    static const char *const names[] = { "img-app", "img-root", "img-zero", "img-broken",
                                         "img-gone" };
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        struct docker_container *c = add_container(w, names[i]);
        stop(c, "exited");
        c->user = "";
        c->image_id = (char *)image_ids[i];
    }
    struct docker_container *c = add_container(w, "img-field-missing");
    stop(c, "exited");
    c->user = "";
    c->invalid = FIELD(IMAGE);
    collect(w);
    expect_c(w, "4.1", "img-app", PASS, "Config.User empty; image app:1 has USER \"app\"");
    expect_c(w, "4.1", "img-root", FAIL, "Config.User empty and image app:1 sets no USER");
    expect_c(w, "4.1", "img-zero", FAIL, "image app:1 has USER \"0:0\" (root)");
    expect_c(w, "4.1", "img-broken", ERROR, "Config missing or mistyped in the API answer");
    expect_c(w, "4.1", "img-gone", ERROR, "image sha256:gone is not in the sweep");
    char ev[256];
    snprintf(ev, sizeof(ev), "Config.User empty and %s missing or mistyped in the API answer",
             docker_container_field_name(DOCKER_F_C_IMAGE));
    expect_c(w, "4.1", "img-field-missing", ERROR, ev);
}

static void test_5_2_and_5_3_skip_without_the_module(void **state)
{
    struct world *w = *state;
    w->sw.info.security_options = SL(info_secopts_none);
    stop(add_container(w, "c"), "created");
    collect(w);
    expect_c(w, "5.2", "c", SKIP, "AppArmor is not enabled on this host (state created)");
    expect_c(w, "5.3", "c", SKIP, "SELinux is not enabled on this host (state created)");
}

static void test_5_2_apparmor_empty_profile_fails(void **state)
{
    struct world *w = *state;
    static char *old_style[] = { "apparmor", "seccomp" }; /* API < 1.27 */
    w->sw.info.security_options = SL(old_style);
    /* It ran (StartedAt is set), and dockerd applied no profile. */
    struct docker_container *c = add_container(w, "empty");
    stop(c, "exited");
    c->apparmor_profile = "";
    stop(add_container(w, "custom"), "exited");
    w->cs[1].apparmor_profile = "my-profile";
    collect(w);
    expect_c(w, "5.2", "empty", FAIL, "AppArmorProfile empty: no profile applied (state exited)");
    expect_c(w, "5.2", "custom", PASS, "AppArmorProfile=my-profile");
}

static void test_5_3_selinux_labels(void **state)
{
    struct world *w = *state;
    static char *labelled[] = { "label=type:svirt_apache_t", "no-new-privileges" };
    static char *old_syntax[] = { "label:level:s0:c100,c200" };
    static char *disabled[] = { "label=disable" };
    w->sw.info.security_options = SL(info_secopts_selinux);
    add_container(w, "labelled")->security_opt = SL(labelled);
    add_container(w, "old-syntax")->security_opt = SL(old_syntax);
    add_container(w, "disabled")->security_opt = SL(disabled);
    add_container(w, "none")->security_opt = NO_LIST;
    collect_running(w);
    expect_c(w, "5.3", "labelled", PASS, "SecurityOpt label=type:svirt_apache_t");
    expect_c(w, "5.3", "old-syntax", PASS, "SecurityOpt label:level:s0:c100,c200");
    expect_c(w, "5.3", "disabled", FAIL, "label=disable turns SELinux separation off");
    /* dockerd labels every container itself when SELinux is on (label.InitLabels). */
    expect_c(w, "5.3", "none", PASS, "dockerd applies its default SELinux label (container_t");
    expect_c(w, "5.2", "none", SKIP, "AppArmor is not enabled");
}

/* --privileged, --pid host, --ipc host: dockerd adds label=disable; spc_t is unconfined. */
static void test_5_3_selinux_disabled_by_dockerd_or_spc_t(void **state)
{
    struct world *w = *state;
    static char *added[] = { "no-new-privileges", "label=disable" };
    static char *spc[] = { "label=type:spc_t" };
    w->sw.info.security_options = SL(info_secopts_selinux);
    struct docker_container *c = add_container(w, "privileged");
    stop(c, "created");
    c->privileged = true;
    c->security_opt = SL(added);
    add_container(w, "spc")->security_opt = SL(spc);
    collect_running(w);
    expect_c(w, "5.3", "privileged", FAIL, "label=disable turns SELinux separation off");
    expect_c(w, "5.3", "spc", FAIL, "label=type:spc_t: a type without SELinux separation");
}

/* 5.27 for a container that is not running: what a start will run. */
static void test_5_27_created_judged_on_config_healthcheck(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "hc-cmd");
    stop(c, "created");
    c->health_test = "CMD";
    c = add_container(w, "hc-none");
    stop(c, "created");
    c->health_test = "NONE";
    c = add_container(w, "hc-absent");
    stop(c, "created");
    c->health_test = "";
    collect(w);
    expect_c(w, "5.27", "hc-cmd", PASS, "Config.Healthcheck CMD runs when it starts");
    expect_c(w, "5.27", "hc-none", FAIL, "NONE (--no-healthcheck)");
    expect_c(w, "5.27", "hc-absent", FAIL, "no health check in Config.Healthcheck");
}

/* runc reads the user with Atoi: "+0" and "-0" are root; /proc shows what a name maps to. */
static void test_4_1_signed_zero_and_proc_uid(void **state)
{
    struct world *w = *state;
    add_container(w, "plus-zero")->user = "+0";
    add_container(w, "minus-zero")->user = "-0:1000";
    add_container(w, "toor")->user = "toor";
    add_container(w, "app")->user = "app";
    harness_build_named(&w->h.fx, "cr-host");
    for (size_t i = 0; i < w->sw.n_containers; i++)
        fake_processes(w, &w->cs[i], NULL);
    /* The image maps "toor" to uid 0; "app" to 1000. */
    char text[160];
    snprintf(text, sizeof(text), "Name:\tsleep\nUmask:\t0022\nState:\tS\nUid:\t0\t0\t0\t0\n");
    put(w, "/proc/102/status", text);
    snprintf(text, sizeof(text), "Name:\tsleep\nUid:\t1000\t1000\t1000\t1000\n");
    put(w, "/proc/103/status", text);
    collect(w);
    expect_c(w, "4.1", "plus-zero", FAIL, "Config.User=\"+0\" is root");
    expect_c(w, "4.1", "minus-zero", FAIL, "Config.User=\"-0:1000\" is root");
    expect_c(w, "4.1", "toor", FAIL, "runs as uid 0 in the container (/proc/102/status)");
    expect_c(w, "4.1", "app", PASS, "Config.User=\"app\" (uid 1000 in the container");

    /*
     * userns-remap: /proc shows the host's uid (100000 is the container's
     * root); uid_map maps it back. A pid whose cgroup is not the
     * container's (reused since) is not read at all.
     */
    put(w, "/proc/102/status", "Name:\tsleep\nUid:\t100000\t100000\t100000\t100000\n");
    put(w, "/proc/102/uid_map", "         0     100000      65536\n");
    put(w, "/proc/103/status", "Name:\tsleep\nUid:\t0\t0\t0\t0\n");
    put(w, "/proc/103/cgroup", "0::/system.slice/ssh.service\n");
    collect(w);
    expect_c(w, "4.1", "toor", FAIL, "runs as uid 0 in the container");
    expect_c(w, "4.1", "app", PASS, "Config.User=\"app\" (state running)");
}

static void test_5_4_capabilities_any_case_and_prefix(void **state)
{
    struct world *w = *state;
    static char *lower_prefixed[] = { "cap_sys_admin" };
    static char *defaults_mixed[] = { "Cap_Chown", "kill", "CAP_NET_RAW" };
    static char *several[] = { "CAP_NET_ADMIN", "SYS_TIME", "sys_ptrace", "CHOWN" };
    static char *dac[] = { "DAC_READ_SEARCH", "SYS_MODULE" };
    static char *all_lower[] = { "all" };
    add_container(w, "lower-prefixed")->cap_add = SL(lower_prefixed);
    add_container(w, "defaults")->cap_add = SL(defaults_mixed);
    add_container(w, "several")->cap_add = SL(several);
    add_container(w, "dac")->cap_add = SL(dac);
    add_container(w, "all-lower")->cap_add = SL(all_lower);
    add_container(w, "none")->cap_add = NO_LIST;
    collect_running(w);
    expect_c(w, "5.4", "lower-prefixed", FAIL,
             "adds SYS_ADMIN beyond Docker's default set; dangerous: SYS_ADMIN");
    expect_c(w, "5.4", "defaults", PASS,
             "HostConfig.CapAdd=CHOWN, KILL, NET_RAW, within Docker's default set");
    expect_c(w, "5.4", "several", FAIL,
             "adds NET_ADMIN, SYS_TIME, SYS_PTRACE beyond Docker's default set; dangerous: "
             "NET_ADMIN, SYS_PTRACE");
    expect_c(w, "5.4", "dac", FAIL, "dangerous: DAC_READ_SEARCH, SYS_MODULE");
    expect_c(w, "5.4", "all-lower", FAIL, "ALL grants every capability");
    expect_c(w, "5.4", "none", PASS, "HostConfig.CapAdd empty");
}

/* pitfall: the shell tool audits only running containers. */
static void test_5_5_created_privileged_container_fails(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "priv");
    c->privileged = true;
    stop(c, "created");
    c = add_container(w, "priv-exited");
    c->privileged = true;
    stop(c, "exited");
    collect(w);
    expect_c(w, "5.5", "priv", FAIL, "HostConfig.Privileged=true (state created)");
    expect_c(w, "5.5", "priv-exited", FAIL, "HostConfig.Privileged=true (state exited)");
}

static void test_5_6_read_only_sensitive_mount_still_fails(void **state)
{
    struct world *w = *state;
    static struct docker_mount ro_mounts[] = {
        { "bind", "/etc/ssl/certs", "/certs", "rprivate", false, NULL, NULL },
        { "bind", "/usr/share/zoneinfo", "/zoneinfo", "rprivate", false, NULL, NULL },
        { "bind", "/proc", "/host-proc", "rprivate", false, NULL, NULL },
    };
    add_container(w, "ro")->mounts = ro_mounts;
    w->cs[0].n_mounts = ARRAY_LEN(ro_mounts);
    collect_running(w);
    expect_c(w, "5.6", "ro", FAIL,
             "sensitive host paths mounted: /etc/ssl/certs on /certs (ro), /usr/share/zoneinfo on "
             "/zoneinfo (ro), /proc on /host-proc (ro)");
}

static void test_5_6_paths_compared_by_component(void **state)
{
    struct world *w = *state;
    static struct docker_mount near_misses[] = {
        { "bind", "/etcetera", "/a", "", true, NULL, NULL },
        { "bind", "/usr-data", "/b", "", true, NULL, NULL },
        { "bind", "/devices", "/c", "", true, NULL, NULL },
        { "bind", "/srv/etc", "/d", "", true, NULL, NULL },
        { "volume", "/etc", "/e", "", true, NULL, NULL }, /* a volume's Source is not a host dir */
    };
    static struct docker_mount spelled[] = {
        { "bind", "//etc/", "/a", "", true, NULL, NULL },
        { "", "/boot", "/b", "", true, NULL, NULL }, /* old APIs give no Type */
    };
    static struct docker_mount linked[] = { { "bind", "/srv/conf-link", "/conf", "", true, NULL,
                                              NULL } };
    add_container(w, "near-misses")->mounts = near_misses;
    w->cs[0].n_mounts = ARRAY_LEN(near_misses);
    add_container(w, "spelled")->mounts = spelled;
    w->cs[1].n_mounts = ARRAY_LEN(spelled);
    add_container(w, "linked")->mounts = linked;
    w->cs[2].n_mounts = ARRAY_LEN(linked);
    collect_running(w);
    expect_c(w, "5.6", "near-misses", PASS, "4 host-path mounts, none of a sensitive host path");
    expect_c(w, "5.6", "spelled", FAIL, "//etc/ on /a (rw), /boot on /b (rw)");
    expect_c(w, "5.6", "linked", FAIL, "/srv/conf-link (-> /etc) on /conf (rw)");
}

static void test_5_8_and_5_14_ports(void **state)
{
    struct world *w = *state;
    static struct docker_port_binding mixed[] = {
        { "53/udp", "127.0.0.1", 53, 53 }, { "443/tcp", "", 8443, 8443 },
        { "80/tcp", "::", 8080, 8080 },    { "9000/tcp", "10.0.0.5", 0, 0 },
        { "22/tcp", "::1", 2222, 2222 },
    };
    static struct docker_port_binding specific[] = { { "80/tcp", "10.0.0.5", 1024, 1024 } };
    add_container(w, "mixed")->ports = mixed;
    w->cs[0].n_ports = ARRAY_LEN(mixed);
    add_container(w, "specific")->ports = specific;
    w->cs[1].n_ports = ARRAY_LEN(specific);
    struct docker_container *c = add_container(w, "none");
    c->ports = NULL;
    c->n_ports = 0;
    collect_running(w);
    expect_c(w, "5.8", "mixed", FAIL,
             "host ports below 1024 published (NetworkSettings.Ports): 127.0.0.1:53->53/udp (");
    expect_c(w, "5.14", "mixed", FAIL,
             "ports bound to every interface (NetworkSettings.Ports): *:8443->443/tcp (no HostIp: "
             "0.0.0.0, libnetwork's default), [::]:8080->80/tcp (");
    expect_c(w, "5.9", "mixed", WARN,
             "127.0.0.1:53->53/udp, *:8443->443/tcp, [::]:8080->80/tcp, 10.0.0.5:auto->9000/tcp, "
             "[::1]:2222->22/tcp");
    expect_c(w, "5.8", "specific", PASS, "1 published ports, none below 1024");
    expect_c(w, "5.14", "specific", PASS, "each on a specific address");
    expect_c(w, "5.8", "none", PASS, "no published ports");
    expect_c(w, "5.9", "none", SKIP, "no published ports");
    expect_c(w, "5.14", "none", PASS, "no published ports");
}

static void test_5_15_restart_policies(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "on-failure-6");
    c->restart_max_retries = 6;
    c = add_container(w, "on-failure-0");
    c->restart_max_retries = 0;
    c = add_container(w, "unless-stopped");
    c->restart_policy = "unless-stopped";
    c = add_container(w, "no");
    c->restart_policy = "no";
    c = add_container(w, "empty");
    c->restart_policy = "";
    collect_running(w);
    expect_c(w, "5.15", "on-failure-6", FAIL, "MaximumRetryCount=6 (more than 5)");
    /* restartmanager: on-failure with no count restarts without a maximum. */
    expect_c(w, "5.15", "on-failure-0", FAIL, "on-failure with MaximumRetryCount=0: no maximum");
    expect_c(w, "5.15", "unless-stopped", PASS,
             "HostConfig.RestartPolicy unless-stopped: restarts without a retry limit");
    expect_c(w, "5.15", "no", PASS, "HostConfig.RestartPolicy no (");
    expect_c(w, "5.15", "empty", PASS, "HostConfig.RestartPolicy no (");
}

static void test_5_12_any_cpu_setting_passes(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "nano");
    c->cpu_shares = 0;
    c->nano_cpus = 500000000;
    c = add_container(w, "quota");
    c->cpu_shares = 0;
    c->cpu_quota = 50000;
    collect_running(w);
    expect_c(w, "5.12", "nano", PASS, "NanoCpus=500000000");
    expect_c(w, "5.12", "quota", PASS, "CpuQuota=50000");
}

static void test_5_22_seccomp_forms(void **state)
{
    struct world *w = *state;
    static char *colon[] = { "no-new-privileges", "seccomp:unconfined" };
    static char *profile[] = { "no-new-privileges", "seccomp=/etc/docker/seccomp.json" };
    add_container(w, "colon")->security_opt = SL(colon);
    add_container(w, "profile")->security_opt = SL(profile);
    collect_running(w);
    expect_c(w, "5.22", "colon", FAIL, "HostConfig.SecurityOpt has seccomp:unconfined");
    expect_c(w, "5.22", "profile", PASS, "custom seccomp profile");
    expect_c(w, "5.26", "colon", PASS, "HostConfig.SecurityOpt has no-new-privileges (");
}

/* pitfall: "no-new-privileges:false" contains the substring but turns it off. */
static void test_5_26_no_new_privileges_false_fails(void **state)
{
    struct world *w = *state;
    static char *colon_false[] = { "no-new-privileges:false" };
    static char *equals_false[] = { "no-new-privileges=false" };
    static char *go_false[] = { "no-new-privileges=False" };
    static char *equals_true[] = { "no-new-privileges=true" };
    static char *last_wins[] = { "no-new-privileges:true", "no-new-privileges:false" };
    static char *not_bool[] = { "no-new-privileges:maybe" };
    /* The hardened host's daemon.json turns the default on; an explicit false overrides it. */
    harness_build_named(&w->h.fx, "hardened");
    w->docker_host = "unix:///run/docker.sock";
    stop(add_container(w, "colon-false"), "created");
    w->cs[0].security_opt = SL(colon_false);
    stop(add_container(w, "equals-false"), "created");
    w->cs[1].security_opt = SL(equals_false);
    stop(add_container(w, "go-false"), "created");
    w->cs[2].security_opt = SL(go_false);
    stop(add_container(w, "equals-true"), "created");
    w->cs[3].security_opt = SL(equals_true);
    stop(add_container(w, "last-wins"), "created");
    w->cs[4].security_opt = SL(last_wins);
    stop(add_container(w, "not-bool"), "created");
    w->cs[5].security_opt = SL(not_bool);
    stop(add_container(w, "default"), "created");
    w->cs[6].security_opt = NO_LIST;
    collect(w);
    expect_c(w, "5.26", "colon-false", FAIL,
             "HostConfig.SecurityOpt has no-new-privileges:false, which overrides the daemon "
             "default no-new-privileges=true (/etc/docker/daemon.json)");
    expect_c(w, "5.26", "equals-false", FAIL, "no-new-privileges=false, which overrides");
    expect_c(w, "5.26", "go-false", FAIL, "no-new-privileges=False, which overrides");
    expect_c(w, "5.26", "equals-true", PASS, "HostConfig.SecurityOpt has no-new-privileges=true");
    expect_c(w, "5.26", "last-wins", FAIL, "no-new-privileges:false, which overrides");
    expect_c(w, "5.26", "not-bool", ERROR, "no-new-privileges:maybe: not a boolean");
    expect_c(w, "5.26", "default", PASS,
             "no option in HostConfig.SecurityOpt; daemon default no-new-privileges=true "
             "(/etc/docker/daemon.json) (copied at create: the API cannot show");
}

/* The failing host's custom daemon.json (named with --config-file PATH) sets it false. */
static void test_5_26_daemon_default_off_fails(void **state)
{
    struct world *w = *state;
    harness_build_named(&w->h.fx, "failing");
    stop(add_container(w, "default"), "created");
    w->cs[0].security_opt = NO_LIST;
    collect(w);
    expect_c(w, "5.26", "default", FAIL,
             "no no-new-privileges in HostConfig.SecurityOpt; daemon default "
             "no-new-privileges=false (/etc/docker/custom-daemon.json)");
}

static void test_5_26_daemon_default_on_command_line(void **state)
{
    struct world *w = *state;
    harness_build_text(&w->h.fx,
                       "file /proc/77/comm 0444 0 0 =dockerd\\n\n"
                       "file /proc/77/cmdline 0444 0 0 "
                       "=/usr/sbin/dockerd\\0--no-new-privileges\\0-H\\0unix:///run/d.sock\\0\n"
                       "dir /etc 0755 0 0\n");
    w->docker_host = "unix:///run/d.sock";
    stop(add_container(w, "default"), "created");
    w->cs[0].security_opt = NO_LIST;
    collect(w);
    expect_c(w, "5.26", "default", PASS,
             "daemon default no-new-privileges=true (dockerd's command line)");
}

static void test_5_26_unreadable_daemon_json_is_error(void **state)
{
    struct world *w = *state;
    harness_build_text(&w->h.fx, "file /proc/77/comm 0444 0 0 =dockerd\\n\n"
                                 "file /proc/77/cmdline 0444 0 0 =/usr/sbin/dockerd\\0\n"
                                 "file /etc/docker/daemon.json 0644 0 0 ={ not json\n");
    stop(add_container(w, "default"), "created");
    w->cs[0].security_opt = NO_LIST;
    static char *explicit_true[] = { "no-new-privileges:true" };
    stop(add_container(w, "explicit"), "created");
    w->cs[1].security_opt = SL(explicit_true);
    collect(w);
    expect_c(w, "5.26", "default", ERROR, "daemon default unknown: /etc/docker/daemon.json");
    expect_c(w, "5.26", "explicit", PASS, "has no-new-privileges:true");
}

static void test_5_27_health(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "unhealthy");
    c->health_status = "unhealthy";
    c = add_container(w, "paused");
    c->state = "paused";
    c->has_health = false;
    collect_running(w);
    /* A health check that reports unhealthy is still a health check. */
    expect_c(w, "5.27", "unhealthy", PASS, "State.Health.Status=unhealthy");
    expect_c(w, "5.27", "paused", FAIL, "no State.Health) (state paused)");
}

static void test_5_29_pids_limit_zero_fails(void **state)
{
    struct world *w = *state;
    add_container(w, "zero")->pids_limit = 0;
    collect_running(w);
    expect_c(w, "5.29", "zero", FAIL, "HostConfig.PidsLimit=0: unlimited");
}

static void test_5_32_docker_socket_paths(void **state)
{
    struct world *w = *state;
    static struct docker_mount via_link[] = { { "bind", "/srv/sock-link", "/s", "", true, NULL,
                                                NULL } };
    static struct docker_mount any_name[] = { { "bind", "/home/ci/.docker/run/docker.sock", "/s",
                                                "", false, NULL, NULL } };
    static struct docker_mount in_use[] = { { "bind", "/run/user/0/custom.sock", "/s", "", true,
                                              NULL, NULL } };
    static struct docker_mount dir[] = { { "bind", "/var/run", "/host-run", "", false, NULL,
                                           NULL } };
    static struct docker_mount other[] = { { "bind", "/run/other.sock", "/s", "", true, NULL,
                                             NULL } };
    /* The agent talks to a socket of its own; dockerd's default socket is still in use. */
    w->docker_host = "unix:///run/user/0/custom.sock";
    harness_build_named(&w->h.fx, "cr-host");
    put(w, "/run/user/0/custom.sock", "");
    struct docker_container *c;
    c = add_container(w, "via-link");
    c->mounts = via_link;
    c->n_mounts = 1;
    c = add_container(w, "any-name");
    c->mounts = any_name;
    c->n_mounts = 1;
    c = add_container(w, "in-use");
    c->mounts = in_use;
    c->n_mounts = 1;
    c = add_container(w, "dir");
    c->mounts = dir;
    c->n_mounts = 1;
    c = add_container(w, "other");
    c->mounts = other;
    c->n_mounts = 1;
    for (size_t i = 0; i < w->sw.n_containers; i++)
        stop(&w->cs[i], "created");
    collect(w);
    expect_c(w, "5.32", "via-link", FAIL,
             "Docker socket mounted: /srv/sock-link on /s (the socket /run/docker.sock)");
    expect_c(w, "5.32", "any-name", FAIL,
             "Docker socket mounted: /home/ci/.docker/run/docker.sock on /s");
    expect_c(w, "5.32", "in-use", FAIL,
             "/run/user/0/custom.sock on /s (the socket /run/user/0/custom.sock)");
    expect_c(w, "5.32", "dir", FAIL, "/var/run on /host-run (holds the socket /run/docker.sock)");
    expect_c(w, "5.32", "other", PASS, "no mount of the Docker socket");
}

static void test_env_secret_names_only(void **state)
{
    struct world *w = *state;
    static char *env[] = { "GITHUB_TOKEN", "my_secret_file", "Password", "PRIVATE_KEY",
                           "KEY",          "KEYS",           "HOME",     "TOKENIZER_MODE" };
    static char *none[] = { "PATH", "HOME" };
    add_container(w, "secrets")->env_names = SL(env);
    add_container(w, "clean")->env_names = SL(none);
    add_container(w, "empty")->env_names = NO_LIST;
    collect_running(w);
    expect_c(w, "dockward.env_secret", "secrets", FAIL,
             "environment variables named like secrets: GITHUB_TOKEN, my_secret_file, Password, "
             "PRIVATE_KEY, TOKENIZER_MODE (");
    expect_c(w, "dockward.env_secret", "clean", PASS,
             "2 environment variables, none named like a secret");
    expect_c(w, "dockward.env_secret", "empty", PASS,
             "0 environment variables, none named like a secret");
    harness_expect_nowhere(&w->h.set, "HOME");
}

/* A list too long for one evidence line is cut before the state, which is never lost. */
static void test_long_evidence_keeps_the_state(void **state)
{
    struct world *w = *state;
    char names[80][32];
    char *env[80];
    for (size_t i = 0; i < ARRAY_LEN(env); i++) {
        snprintf(names[i], sizeof(names[i]), "SERVICE_%02zu_PASSWORD", i);
        env[i] = names[i];
    }
    struct docker_container *c = add_container(w, "many-secrets");
    stop(c, "exited");
    c->env_names = SL(env);
    collect(w);
    const struct result *r = find(w, "dockward.env_secret", "container/many-secrets");
    assert_non_null(r);
    assert_int_equal(r->status, FAIL);
    size_t len = strlen(r->evidence);
    assert_true(len <= RESULT_EVIDENCE_MAX);
    assert_non_null(strstr(r->evidence, "SERVICE_00_PASSWORD, SERVICE_01_PASSWORD"));
    assert_non_null(strstr(r->evidence, "... (state exited)"));
    assert_string_equal(r->evidence + len - strlen("(state exited)"), "(state exited)");
}

/* ---- 5.7 on real-looking host trees ------------------------------------- */

/* A 64-character container id made of one repeated character. */
#define ID8(c) c c c c c c c c
#define ID(c)  ID8(c) ID8(c) ID8(c) ID8(c) ID8(c) ID8(c) ID8(c) ID8(c)

static struct docker_container *add_running_with(struct world *w, const char *name, const char *id,
                                                 long pid)
{
    struct docker_container *c = add_container(w, name);
    snprintf(w->ids[w->sw.n_containers - 1], sizeof(w->ids[0]), "%s", id);
    c->pid = pid;
    return c;
}

static void test_5_7_cgroup_v1(void **state)
{
    struct world *w = *state;
    harness_build_named(&w->h.fx, "cr-cgroup-v1");
    add_running_with(w, "sshd", ID("1"), 300);
    add_running_with(w, "nginx", ID("2"), 310);
    add_running_with(w, "redis", ID("3"), 320);
    collect(w);
    expect_c(w, "5.7", "sshd", FAIL,
             "process sshd running as host pid 301 (cgroup /sys/fs/cgroup/systemd/docker/" ID(
                 "1") ") (state running)");
    expect_c(
        w, "5.7", "nginx", PASS,
        "no sshd among 2 processes in 1 cgroups under /sys/fs/cgroup/cpu,cpuacct/docker/" ID("2"));
    expect_c(w, "5.7", "redis", PASS,
             "no sshd among 1 processes in 1 cgroups under /sys/fs/cgroup/unified/docker/" ID("3"));
}

static void test_5_7_cgroup_v2(void **state)
{
    struct world *w = *state;
    harness_build_named(&w->h.fx, "cr-cgroup-v2");
    add_running_with(w, "systemd-sshd", ID("4"), 400);
    add_running_with(w, "nginx", ID("5"), 410);
    add_running_with(w, "other-ns", ID("6"), 420);
    add_running_with(w, "sshd-session", ID("7"), 430);
    add_running_with(w, "gone", ID("8"), 440);
    add_running_with(w, "sshdx", ID("9"), 450);
    add_running_with(w, "no-proc", ID("a"), 460);
    add_running_with(w, "pid-0", ID("b"), 0);
    collect(w);
    expect_c(w, "5.7", "systemd-sshd", FAIL,
             "process sshd running as host pid 401 (cgroup "
             "/sys/fs/cgroup/system.slice/docker-" ID("4") ".scope)");
    expect_c(w, "5.7", "nginx", PASS, "no sshd among 3 processes in 1 cgroups");
    expect_c(w, "5.7", "other-ns", ERROR,
             "pid 420 is in cgroup / as seen from here (run the agent in the host's cgroup "
             "namespace)");
    expect_c(w, "5.7", "sshd-session", FAIL, "process sshd-session running as host pid 431");
    expect_c(w, "5.7", "gone", ERROR, "no directory under /sys/fs/cgroup for pid 440's cgroup");
    expect_c(w, "5.7", "sshdx", PASS, "no sshd among 1 processes");
    expect_c(w, "5.7", "no-proc", ERROR, "cannot read /proc/460/cgroup: No such file or directory");
    expect_c(w, "5.7", "pid-0", ERROR, "State.Pid=0 for a running container");
}

/* ---- fields the API left out, and a dead API ---------------------------- */

static void test_invalid_fields_are_errors_naming_the_field(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "broken");
    c->invalid = FIELD(PRIVILEGED) | FIELD(MOUNTS) | FIELD(HEALTH) | FIELD(ENV) | FIELD(PORTS);
    c = add_container(w, "no-state");
    c->invalid = FIELD(STATE);
    c = add_container(w, "no-name");
    c->invalid = FIELD(NAME);
    c->name = NULL;
    collect_running(w);
    char ev[256];
    static const struct {
        const char *check;
        enum docker_container_field f;
    } broken[] = {
        { "5.5", DOCKER_F_C_PRIVILEGED },  { "5.6", DOCKER_F_C_MOUNTS },
        { "5.20", DOCKER_F_C_MOUNTS },     { "5.32", DOCKER_F_C_MOUNTS },
        { "5.27", DOCKER_F_C_HEALTH },     { "dockward.env_secret", DOCKER_F_C_ENV },
        { "5.8", DOCKER_F_C_PORTS },       { "5.9", DOCKER_F_C_PORTS },
        { "5.14", DOCKER_F_C_PORTS },      { "5.4", DOCKER_F_C_PRIVILEGED },
        { "5.22", DOCKER_F_C_PRIVILEGED }, { "5.18", DOCKER_F_C_PRIVILEGED },
        { "5.2", DOCKER_F_C_PRIVILEGED },
    };
    for (size_t i = 0; i < ARRAY_LEN(broken); i++) {
        snprintf(ev, sizeof(ev), "%s missing or mistyped in the API answer",
                 docker_container_field_name(broken[i].f));
        expect_c(w, broken[i].check, "broken", ERROR, ev);
    }
    assert_non_null(strstr(docker_container_field_name(DOCKER_F_C_PRIVILEGED), "Privileged"));
    /* The other checks of that container are judged as usual. */
    expect_c(w, "5.13", "broken", PASS, "HostConfig.ReadonlyRootfs=true");
    expect_c(w, "5.7", "broken", PASS, "no sshd among 1 processes");
    /* Without a state, the checks that need it cannot be judged; the rest say so. */
    snprintf(ev, sizeof(ev), "%s missing or mistyped in the API answer",
             docker_container_field_name(DOCKER_F_C_STATE));
    expect_c(w, "5.7", "no-state", ERROR, ev);
    expect_c(w, "5.27", "no-state", ERROR, ev);
    expect_c(w, "5.5", "no-state", PASS, "HostConfig.Privileged=false (state unknown)");
    /* Without a name, the target is the short id. */
    char target[64];
    snprintf(target, sizeof(target), "container/%.12s", w->ids[2]);
    expect(w, "5.5", target, PASS, "HostConfig.Privileged=false (state running)");
}

static void test_info_security_options_invalid(void **state)
{
    struct world *w = *state;
    w->sw.info.invalid = UINT64_C(1) << DOCKER_F_INFO_SECURITY_OPTIONS;
    stop(add_container(w, "c"), "created");
    collect(w);
    expect_c(w, "5.2", "c", ERROR, "SecurityOptions (GET /info) missing or mistyped");
    expect_c(w, "5.3", "c", ERROR, "SecurityOptions (GET /info) missing or mistyped");
}

static void test_docker_unavailable_fails_with_no_results(void **state)
{
    struct world *w = *state;
    harness_build_named(&w->h.fx, "cr-host");
    struct collect_ctx ctx = { .rootfs = w->h.fx.root, .docker_host = DEFAULT_SOCKET };
    struct result_sink sink;
    char err[256] = "";

    result_sink_init(&sink, &w->h.set, &collector_container_runtime);
    assert_int_equal(collector_container_runtime.collect(&ctx, &sink, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Docker API unavailable"));
    assert_int_equal(w->h.set.len, 0);
    assert_int_equal(w->h.set.n_measures, 0);

    add_container(w, "c");
    w->sw.ok = false;
    snprintf(w->sw.error, sizeof(w->sw.error), "cannot connect to %s: Connection refused",
             DEFAULT_SOCKET);
    ctx.docker = &w->sw;
    assert_int_equal(collector_container_runtime.collect(&ctx, &sink, err, sizeof(err)), -1);
    assert_string_equal(err, "Docker API unavailable: cannot connect to "
                             "unix:///var/run/docker.sock: Connection refused");
    assert_int_equal(w->h.set.len, 0);
    assert_int_equal(w->h.set.n_measures, 0);
}

/* ---- 6.2 and the container counts --------------------------------------- */

static double measure(const struct world *w, const char *state)
{
    const struct measurement *found = NULL;
    for (size_t i = 0; i < w->h.set.n_measures; i++) {
        const struct measurement *m = &w->h.set.measures[i];
        assert_string_equal(m->def->name, "containers");
        assert_string_equal(m->def->label, "state");
        if (strcmp(m->label_value, state) == 0) {
            assert_null(found);
            found = m;
        }
    }
    if (found == NULL)
        fail_msg("no containers{state=\"%s\"} measure", state);
    return found->value;
}

static void test_6_2_sprawl_and_measures(void **state)
{
    struct world *w = *state;
    static const struct {
        long total, running;
        enum check_status status;
        const char *evidence;
    } cases[] = {
        { 30, 10, WARN, "30 containers, 20 not running (more than 25 and over half stopped" },
        { 30, 20, PASS, "30 containers, 20 running (from GET /info)" },
        { 26, 13, PASS, "26 containers, 13 running" }, /* exactly half stopped */
        { 26, 12, WARN, "26 containers, 14 not running" },
        { 25, 0, PASS, "25 containers, 0 running" }, /* not more than 25 */
        { 0, 0, PASS, "0 containers, 0 running" },
    };
    harness_build_named(&w->h.fx, "cr-host");
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        w->sw.info.containers = cases[i].total;
        w->sw.info.containers_running = cases[i].running;
        collect(w);
        assert_int_equal(w->h.set.len, HOST_RESULTS);
        expect(w, "6.2", "host", cases[i].status, cases[i].evidence);
        assert_int_equal(w->h.set.n_measures, 2);
        assert_true(measure(w, "total") == (double)cases[i].total);
        assert_true(measure(w, "running") == (double)cases[i].running);
    }
    /* Without /info's counts, the containers of the sweep are counted. */
    w->sw.info.invalid = UINT64_C(1) << DOCKER_F_INFO_COUNTS;
    add_container(w, "up");
    stop(add_container(w, "down"), "exited");
    stop(add_container(w, "new"), "created");
    result_set_free(&w->h.set);
    fake_processes(w, &w->cs[0], NULL);
    collect(w);
    expect(w, "6.2", "host", PASS, "3 containers, 1 running (from the containers inspected)");
    assert_true(measure(w, "total") == 3.0);
    assert_true(measure(w, "running") == 1.0);
}

/* ---- the catalog -------------------------------------------------------- */

static void test_catalog(void **state)
{
    (void)state;
    const struct collector *c = &collector_container_runtime;
    harness_expect_descriptor(c, "container_runtime", true, PER_CONTAINER + HOST_RESULTS);
    assert_int_equal(c->n_measures, 1);
    assert_string_equal(c->measures[0].name, "containers");
    assert_string_equal(c->measures[0].help, "Containers on the host by state.");
    assert_string_equal(c->measures[0].label, "state");
    static const char *const manual[] = { "5.9",  "5.18", "5.19", "5.23",
                                          "5.24", "5.28", "5.30", "6.2" };
    for (size_t i = 0; i < c->n_checks; i++) {
        const struct check_def *d = &c->checks[i];
        int is_manual = 0;
        for (size_t k = 0; k < ARRAY_LEN(manual); k++)
            is_manual |= strcmp(d->id, manual[k]) == 0;
        if (d->automated == is_manual)
            fail_msg("%s: automated=%d", d->id, d->automated);
        assert_true(d->level == 1 || d->level == 2);
        assert_true(strlen(d->title) > 10 && d->title[strlen(d->title) - 1] != '.');
        assert_true(strlen(d->remediation) > 10);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(d->id, c->checks[k].id);
    }
    const struct check_def *d = collector_find_check(c, "dockward.env_secret");
    assert_non_null(d);
    assert_string_equal(d->section, "5");
    assert_string_equal(collector_find_check(c, "4.1")->section, "4");
    assert_string_equal(collector_find_check(c, "6.2")->section, "6");
    assert_ptr_equal(collector_lookup("container_runtime"), c);
}

/* ---- issue 10: verdicts on what dockerd applies, one test per case ------ */

/* -P: PortBindings stays empty; the real bindings are in NetworkSettings.Ports. */
static void test_5_14_publish_all_running_real_bindings(void **state)
{
    struct world *w = *state;
    static char *exposed[] = { "8080/tcp" };
    static struct docker_port_binding live[] = {
        { "8080/tcp", "0.0.0.0", 49153, 49153 },
        { "8080/tcp", "::", 49153, 49153 },
    };
    struct docker_container *c = add_container(w, "publish-all");
    c->ports = NULL;
    c->n_ports = 0;
    c->publish_all = true;
    c->exposed_ports = SL(exposed);
    c->live_ports = live;
    c->n_live_ports = ARRAY_LEN(live);
    collect_running(w);
    expect_c(w, "5.14", "publish-all", FAIL,
             "ports bound to every interface (NetworkSettings.Ports): 0.0.0.0:49153->8080/tcp, "
             "[::]:49153->8080/tcp");
    expect_c(w, "5.9", "publish-all", WARN, "-P publishes every exposed port");
    expect_c(w, "5.8", "publish-all", PASS, "2 published ports, none below 1024");
}

/* -P on a container that never started: every exposed port, on the default address. */
static void test_5_14_publish_all_created_exposed_ports(void **state)
{
    struct world *w = *state;
    static char *exposed[] = { "80/tcp", "443/tcp" };
    static char *bridge[] = { "bridge" };
    static struct docker_port_binding one[] = { { "443/tcp", "127.0.0.1", 8443, 8443 } };
    struct docker_container *c = add_container(w, "publish-all-created");
    stop(c, "created");
    c->ports = one;
    c->n_ports = ARRAY_LEN(one);
    c->publish_all = true;
    c->exposed_ports = SL(exposed);
    c->networks = SL(bridge);
    c->network_mode = "default";
    collect(w);
    expect_c(w, "5.14", "publish-all-created", FAIL,
             "*:auto->80/tcp (no HostIp: 0.0.0.0, libnetwork's default)");
    expect_c(w, "5.9", "publish-all-created", WARN,
             "HostConfig.PortBindings and PublishAllPorts, -P publishes every exposed port): "
             "127.0.0.1:8443->443/tcp, *:auto->80/tcp");
    expect_c(w, "5.8", "publish-all-created", PASS, "2 published ports, none below 1024");
}

/* The default bridge's host_binding_ipv4 (dockerd --ip) is where -p without an IP binds. */
static void test_5_14_default_binding_address_from_network(void **state)
{
    struct world *w = *state;
    static struct docker_network nets[] = { { "bridge", "bridge", false, false, "127.0.0.1" } };
    static char *bridge[] = { "bridge" };
    static struct docker_port_binding any[] = { { "80/tcp", "", 8080, 8080 } };
    w->sw.networks = nets;
    w->sw.n_networks = ARRAY_LEN(nets);
    struct docker_container *c = add_container(w, "ip-127");
    stop(c, "created");
    c->ports = any;
    c->n_ports = ARRAY_LEN(any);
    c->networks = SL(bridge);
    collect(w);
    expect_c(w, "5.14", "ip-127", PASS, "1 published ports, each on a specific address");
}

static void test_5_12_cpu_shares_1024_fails(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "shares-1024");
    c->cpu_shares = 1024;
    c = add_container(w, "shares-1024-cpus");
    c->cpu_shares = 1024;
    c->nano_cpus = 500000000;
    c = add_container(w, "shares-0");
    c->cpu_shares = 0;
    c = add_container(w, "shares-512");
    c->cpu_shares = 512;
    collect_running(w);
    expect_c(w, "5.12", "shares-1024", FAIL, "CpuShares=1024 is the default weight");
    expect_c(w, "5.12", "shares-1024-cpus", PASS, "NanoCpus=500000000");
    expect_c(w, "5.12", "shares-0", FAIL, "CpuShares, NanoCpus and CpuQuota all unset");
    expect_c(w, "5.12", "shares-512", PASS, "CpuShares=512");
}

/* -p 80-90:8080: dockerd accepts a host-port range and binds one port of it at start. */
static void test_5_8_host_port_range_below_1024_fails(void **state)
{
    struct world *w = *state;
    static struct docker_port_binding range[] = { { "8080/tcp", "", 80, 90 } };
    static struct docker_port_binding high[] = { { "8080/tcp", "127.0.0.1", 18080, 18090 } };
    struct docker_container *c = add_container(w, "range-80");
    stop(c, "created");
    c->ports = range;
    c->n_ports = ARRAY_LEN(range);
    c = add_container(w, "range-high");
    stop(c, "created");
    c->ports = high;
    c->n_ports = ARRAY_LEN(high);
    collect(w);
    expect_c(w, "5.8", "range-80", FAIL,
             "host ports below 1024 published "
             "(HostConfig.PortBindings): *:80-90->8080/tcp");
    expect_c(w, "5.14", "range-80", FAIL, "*:80-90->8080/tcp (no HostIp: 0.0.0.0");
    expect_c(w, "5.9", "range-80", WARN, "*:80-90->8080/tcp");
    expect_c(w, "5.8", "range-high", PASS, "none below 1024");
    expect_c(w, "5.14", "range-high", PASS, "each on a specific address");
}

/* A profile file is stored inline by the CLI: kept as a summary, judged as custom. */
static void test_5_22_inline_seccomp_profile_passes(void **state)
{
    struct world *w = *state;
    static char *profile_and_nnp[] = {
        "seccomp=<inline profile, 17234 bytes, defaultAction SCMP_ACT_ERRNO>",
        "no-new-privileges",
    };
    static char *profile_only[] = {
        "seccomp=<inline profile, 17234 bytes, defaultAction SCMP_ACT_ERRNO>",
    };
    add_container(w, "profile-nnp")->security_opt = SL(profile_and_nnp);
    add_container(w, "profile")->security_opt = SL(profile_only);
    collect_running(w);
    expect_c(w, "5.22", "profile-nnp", PASS, "custom seccomp profile: seccomp=<inline profile");
    expect_c(w, "5.26", "profile-nnp", PASS, "HostConfig.SecurityOpt has no-new-privileges");
    expect_c(w, "5.22", "profile", PASS, "defaultAction SCMP_ACT_ERRNO");
    expect_c(w, "5.26", "profile", FAIL, "no no-new-privileges in HostConfig.SecurityOpt");
}

/* dockerd --seccomp-profile=unconfined: containers without a profile of their own get none. */
static void test_5_22_daemon_default_unconfined_fails(void **state)
{
    struct world *w = *state;
    static char *secopts[] = { "name=apparmor", "name=seccomp,profile=unconfined" };
    static char *own[] = { "seccomp=<inline profile, 900 bytes, defaultAction SCMP_ACT_ERRNO>" };
    w->sw.info.security_options = SL(secopts);
    add_container(w, "default-profile")->security_opt = NO_LIST;
    add_container(w, "own-profile")->security_opt = SL(own);
    collect_running(w);
    expect_c(w, "5.22", "default-profile", FAIL, "the daemon's default profile is unconfined");
    expect_c(w, "5.22", "own-profile", PASS, "custom seccomp profile");
}

/* dockerd fills AppArmorProfile in when it starts a container (daemon/oci_linux.go). */
static void test_5_2_created_gets_profile_at_start(void **state)
{
    struct world *w = *state;
    static char *unconfined[] = { "apparmor=unconfined" };
    static char *custom[] = { "apparmor=my-profile" };
    struct docker_container *c = add_container(w, "created");
    stop(c, "created");
    c->never_started = true;
    c->apparmor_profile = "";
    c = add_container(w, "created-unconfined");
    stop(c, "created");
    c->never_started = true;
    c->apparmor_profile = "";
    c->security_opt = SL(unconfined);
    c = add_container(w, "created-custom");
    stop(c, "created");
    c->never_started = true;
    c->apparmor_profile = "";
    c->security_opt = SL(custom);
    c = add_container(w, "created-privileged");
    stop(c, "created");
    c->never_started = true;
    c->apparmor_profile = "";
    c->privileged = true;
    c = add_container(w, "running-empty");
    c->apparmor_profile = "";
    c = add_container(w, "running-privileged");
    c->apparmor_profile = "unconfined";
    c->privileged = true;
    collect_running(w);
    expect_c(w, "5.2", "created", PASS, "dockerd applies docker-default at start");
    expect_c(w, "5.2", "created-unconfined", FAIL, "apparmor=unconfined");
    expect_c(w, "5.2", "created-custom", PASS, "the profile my-profile at start");
    expect_c(w, "5.2", "created-privileged", FAIL,
             "Privileged=true: dockerd runs it with AppArmor");
    expect_c(w, "5.2", "running-empty", FAIL, "AppArmorProfile empty: no profile applied");
    expect_c(w, "5.2", "running-privileged", FAIL, "AppArmor unconfined");
}

/* A remote daemon: its no-new-privileges default cannot be seen, so no verdict on it. */
static void test_5_26_remote_daemon_is_error(void **state)
{
    struct world *w = *state;
    static char *nnp[] = { "no-new-privileges:true" };
    w->docker_host = "tcp://docker.example:2376";
    add_container(w, "no-option")->security_opt = NO_LIST;
    add_container(w, "explicit")->security_opt = SL(nnp);
    collect_running(w);
    expect_c(w, "5.26", "no-option", ERROR,
             "daemon default unknown: no local dockerd listens on tcp://docker.example:2376");
    expect_c(w, "5.26", "explicit", PASS, "has no-new-privileges:true");

    /* The local dockerd, reached over TCP on loopback where it listens: judged. */
    harness_build_text(&w->h.fx,
                       "file /proc/77/comm 0444 0 0 =dockerd\\n\n"
                       "file /proc/77/cmdline 0444 0 0 "
                       "=/usr/sbin/dockerd\\0-H\\0tcp://0.0.0.0:2375\\0--no-new-privileges\\0\n"
                       "dir /etc 0755 0 0\n");
    w->docker_host = "tcp://127.0.0.1:2375";
    collect(w);
    expect_c(w, "5.26", "no-option", PASS, "daemon default no-new-privileges=true");
}

/* No dockerd process to read (agent without the host's /proc): unknown, not off. */
static void test_5_26_dockerd_not_visible_is_error(void **state)
{
    struct world *w = *state;
    harness_build_text(&w->h.fx, "dir /proc 0555 0 0\ndir /etc 0755 0 0\n");
    stop(add_container(w, "no-option"), "created");
    w->cs[0].security_opt = NO_LIST;
    collect(w);
    expect_c(w, "5.26", "no-option", ERROR, "daemon default unknown: no dockerd process visible");
}

/* The default is copied at create; the evidence says the API cannot show an older copy. */
static void test_5_26_default_frozen_at_create_is_said(void **state)
{
    struct world *w = *state;
    add_container(w, "no-option")->security_opt = NO_LIST;
    collect_running(w);
    expect_c(w, "5.26", "no-option", FAIL,
             "daemon default no-new-privileges off (unset) (copied at create: the API cannot "
             "show the value a container created under another default has)");
}

/* --network/--pid/--ipc container:X share what X shares. */
static void test_5_10_5_16_5_17_joined_to_host_namespaces(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "host-ns");
    c->network_mode = "host";
    c->pid_mode = "host";
    c->ipc_mode = "host";
    c = add_container(w, "joins-host-ns");
    c->network_mode = "container:host-ns";
    c->pid_mode = "container:host-ns";
    c->ipc_mode = "container:host-ns";
    c = add_container(w, "joins-joiner");
    c->network_mode = "container:joins-host-ns";
    c->pid_mode = "container:joins-host-ns";
    c->ipc_mode = "container:joins-host-ns";
    c = add_container(w, "joins-private");
    c->network_mode = "container:host-ns-not";
    c->pid_mode = "";
    c->ipc_mode = "private";
    c = add_container(w, "joins-by-id");
    c->pid_mode = "container:00"; /* an id prefix: the first container's */
    collect_running(w);
    expect_c(w, "5.10", "joins-host-ns", FAIL,
             "HostConfig.NetworkMode=container:host-ns, which shares the host's namespace");
    expect_c(w, "5.16", "joins-host-ns", FAIL, "HostConfig.PidMode=container:host-ns, which");
    expect_c(w, "5.17", "joins-host-ns", FAIL, "HostConfig.IpcMode=container:host-ns, which");
    expect_c(w, "5.10", "joins-joiner", FAIL,
             "container:joins-host-ns -> container:host-ns, which shares the host's");
    expect_c(w, "5.10", "joins-private", ERROR, "not among the containers inspected");
    expect_c(w, "5.16", "joins-by-id", FAIL, "PidMode=container:00, which shares the host's");
    expect_c(w, "5.30", "joins-host-ns", SKIP, "not attached to the default bridge network");
}

/* A local volume created as a bind of /etc or /run is a host-path mount in disguise. */
static void test_5_6_5_32_local_volume_bound_to_host_path(void **state)
{
    struct world *w = *state;
    static struct docker_mount etc_vol[] = {
        { "volume", "/var/lib/docker/volumes/etc-vol/_data", "/cfg", "", true, "etc-vol", "local" },
    };
    static struct docker_mount run_vol[] = {
        { "volume", "/var/lib/docker/volumes/run-vol/_data", "/hostrun", "", true, "run-vol",
          "local" },
    };
    static struct docker_mount plain_vol[] = {
        { "volume", "/var/lib/docker/volumes/data/_data", "/data", "", true, "data", "local" },
    };
    struct docker_container *c = add_container(w, "etc-vol");
    c->mounts = etc_vol;
    c->n_mounts = 1;
    c = add_container(w, "run-vol");
    c->mounts = run_vol;
    c->n_mounts = 1;
    c = add_container(w, "plain-vol");
    c->mounts = plain_vol;
    c->n_mounts = 1;
    collect_running(w);
    expect_c(w, "5.6", "etc-vol", FAIL, "/etc (volume etc-vol) on /cfg (rw)");
    expect_c(w, "5.32", "run-vol", FAIL, "/run (volume run-vol) on /hostrun (holds the socket");
    expect_c(w, "5.6", "plain-vol", PASS, "0 host-path mounts");
    expect_c(w, "5.32", "plain-vol", PASS, "no mount of the Docker socket");

    /* Without /volumes, a local volume cannot be told from a bind: error, never a pass. */
    w->sw.volumes_ok = false;
    snprintf(w->sw.volumes_error, sizeof(w->sw.volumes_error), "GET /volumes: HTTP 500");
    collect_running(w);
    expect_c(w, "5.6", "plain-vol", ERROR, "volume data: cannot tell whether it binds a host path");
    expect_c(w, "5.32", "plain-vol", ERROR, "GET /volumes: HTTP 500");
}

/* --bridge=none: NetworkSettings still names "bridge" (empty NetworkID), attached to nothing. */
static void test_5_30_bridge_none_daemon_skips(void **state)
{
    struct world *w = *state;
    static char *bridge[] = { "bridge" };
    static struct docker_network nets[] = { { "host", "host", false, false, "" } };
    w->sw.networks = nets;
    w->sw.n_networks = ARRAY_LEN(nets);
    add_container(w, "default-net")->networks = SL(bridge);
    collect_running(w);
    expect_c(w, "5.30", "default-net", SKIP, "no default bridge network on this daemon");
}

/* on-failure:0 restarts forever (restartmanager: 0 is no maximum); on-failure:5 is fine. */
static void test_5_15_on_failure_without_count_fails(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "on-failure");
    c->restart_policy = "on-failure";
    c->restart_max_retries = 0;
    c = add_container(w, "on-failure-5");
    c->restart_policy = "on-failure";
    c->restart_max_retries = 5;
    collect_running(w);
    expect_c(w, "5.15", "on-failure", FAIL, "MaximumRetryCount=0: no maximum");
    expect_c(w, "5.15", "on-failure-5", PASS, "MaximumRetryCount=5");
}

/* An over-cap item names the field and the cap, and only its own checks are error. */
static void test_field_over_cap_names_field_and_cap(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "long-env");
    c->invalid = FIELD(ENV);
    c->overcap = FIELD(ENV);
    collect_running(w);
    char ev[160];
    snprintf(ev, sizeof(ev), "Config.Env holds an item over the %d-byte cap", DOCKER_STRING_MAX);
    expect_c(w, "dockward.env_secret", "long-env", ERROR, ev);
    expect_c(w, "5.22", "long-env", PASS, "default seccomp profile");
}

/* Running on an AppArmor host: the profile dockerd applied at start. */
static void test_5_2_apparmor_running_profiles(void **state)
{
    struct world *w = *state;
    static char *unconfined[] = { "apparmor=unconfined" };
    static char *label[] = { "label=disable" };
    add_container(w, "default")->apparmor_profile = "docker-default";
    struct docker_container *c = add_container(w, "unconfined");
    c->apparmor_profile = "unconfined";
    c->security_opt = SL(unconfined);
    c = add_container(w, "privileged");
    c->apparmor_profile = "unconfined";
    c->privileged = true;
    c->security_opt = SL(label);
    collect_running(w);
    expect_c(w, "5.2", "default", PASS, "AppArmorProfile=docker-default");
    expect_c(w, "5.2", "unconfined", FAIL, "AppArmorProfile=unconfined");
    expect_c(w, "5.2", "privileged", FAIL, "Privileged=true: dockerd runs it with AppArmor");
}

/* A running privileged container (here it can only be created): what dockerd applied. */
static void test_5_5_privileged_running(void **state)
{
    struct world *w = *state;
    static char *label[] = { "label=disable" };
    struct docker_container *c = add_container(w, "privileged");
    c->privileged = true;
    c->cap_add = NO_LIST;
    c->security_opt = SL(label);
    collect_running(w);
    expect_c(w, "5.5", "privileged", FAIL, "HostConfig.Privileged=true (state running)");
    expect_c(w, "5.4", "privileged", FAIL, "grants every capability");
    expect_c(w, "5.22", "privileged", FAIL, "dockerd applies no seccomp filter");
    expect_c(w, "5.18", "privileged", WARN, "every host device is available");
}

/* A kernel without seccomp: /info lists no seccomp, and no container gets a filter. */
static void test_5_22_no_seccomp_support_fails(void **state)
{
    struct world *w = *state;
    static char *secopts[] = { "name=apparmor" };
    w->sw.info.security_options = SL(secopts);
    add_container(w, "no-filter")->security_opt = NO_LIST;
    collect_running(w);
    expect_c(w, "5.22", "no-filter", FAIL, "dockerd lists no seccomp support");
}

/* --device-cgroup-rule and --gpus hand host devices over too (5.18, manual: warn). */
static void test_5_18_device_rules_warn(void **state)
{
    struct world *w = *state;
    static char *rules[] = { "cgroup rule c 1:3 rwm" };
    static char *gpus[] = { "request (any driver) count=-1 gpu" };
    add_container(w, "rule")->devices = SL(rules);
    add_container(w, "gpus")->devices = SL(gpus);
    collect_running(w);
    expect_c(w, "5.18", "rule", WARN, "host devices (review): cgroup rule c 1:3 rwm");
    expect_c(w, "5.18", "gpus", WARN, "request (any driver) count=-1 gpu");
}

/* A running container whose -p nothing bound (--bridge=none): judged on what it asks for. */
static void test_5_14_running_unbound_port_bindings_judged(void **state)
{
    struct world *w = *state;
    static struct docker_port_binding asked[] = { { "80/tcp", "", 8080, 8080 } };
    struct docker_container *c = add_container(w, "unbound");
    c->ports = asked;
    c->n_ports = ARRAY_LEN(asked);
    static struct docker_port_binding none[1];
    c->live_ports = none; /* NetworkSettings.Ports {} */
    c->n_live_ports = 0;
    collect_running(w);
    expect_c(w, "5.14", "unbound", FAIL, "*:8080->80/tcp (not bound now) (no HostIp: 0.0.0.0");
    expect_c(w, "5.9", "unbound", WARN, "for ports not bound now");
    expect_c(w, "5.8", "unbound", PASS, "*:8080->80/tcp (not bound now)");
}

/* ---- review findings against moby 20.10 -------------------------------- */

/* dockerd's --ip applies to the default bridge only; a user network binds 0.0.0.0. */
static void test_5_14_user_network_ignores_dockerd_ip(void **state)
{
    struct world *w = *state;
    static char *appnet[] = { "app-net" };
    static char *bridge[] = { "bridge" };
    static struct docker_port_binding any[] = { { "80/tcp", "", 8080, 8080 } };
    harness_build_text(&w->h.fx,
                       "file /proc/77/comm 0444 0 0 =dockerd\\n\n"
                       "file /proc/77/cmdline 0444 0 0 "
                       "=/usr/sbin/dockerd\\0--ip=127.0.0.1\\0-H\\0unix:///run/d.sock\\0\n"
                       "dir /etc 0755 0 0\n");
    w->docker_host = "unix:///run/d.sock";
    struct docker_container *c = add_container(w, "on-app-net");
    stop(c, "created");
    c->ports = any;
    c->n_ports = 1;
    c->networks = SL(appnet);
    c = add_container(w, "on-bridge");
    stop(c, "created");
    c->ports = any;
    c->n_ports = 1;
    c->networks = SL(bridge);
    collect(w);
    expect_c(w, "5.14", "on-app-net", FAIL, "(no HostIp: 0.0.0.0, libnetwork's default)");
    expect_c(w, "5.14", "on-bridge", PASS, "each on a specific address");
}

/* dockerd looks a full id up before any name: a container NAMED like an id takes nothing. */
static void test_5_10_name_like_an_id_cannot_take_a_join(void **state)
{
    struct world *w = *state;
    struct docker_container *host = add_container(w, "host-net");
    host->network_mode = "host";
    char ref[80];
    snprintf(ref, sizeof(ref), "container:%s", host->id);
    struct docker_container *j = add_container(w, "joiner");
    j->network_mode = ref;
    struct docker_container *decoy = add_container(w, "decoy");
    decoy->name = host->id; /* docker run --name <host-net's id> */
    collect_running(w);
    expect_c(w, "5.10", "joiner", FAIL, "which shares the host's namespace");
}

/* Two containers whose long names share their first 260 characters stay two targets. */
static void test_long_container_names_stay_unique(void **state)
{
    struct world *w = *state;
    static char a[300], b[300];
    memset(a, 'n', 260);
    memcpy(b, a, 260);
    a[260] = 'x';
    b[260] = 'y';
    add_container(w, "a")->name = a;
    add_container(w, "b")->name = b;
    collect_running(w);
    const char *t[2] = { NULL, NULL };
    size_t n = 0;
    for (size_t i = 0; i < w->h.set.len; i++) {
        if (strcmp(w->h.set.items[i].check->id, "5.5") == 0)
            t[n++] = w->h.set.items[i].target;
    }
    assert_int_equal(n, 2);
    assert_string_not_equal(t[0], t[1]);
    assert_true(strlen(t[0]) <= RESULT_TARGET_MAX);
}

/* saveAppArmorConfig: privileged runs unconfined even with an apparmor= option. */
static void test_5_2_created_privileged_with_profile_fails(void **state)
{
    struct world *w = *state;
    static char *custom[] = { "apparmor=docker-default" };
    struct docker_container *c = add_container(w, "priv-profile");
    stop(c, "created");
    c->never_started = true;
    c->privileged = true;
    c->apparmor_profile = "docker-default"; /* parseSecurityOpt copied it at create */
    c->security_opt = SL(custom);
    collect(w);
    expect_c(w, "5.2", "priv-profile", FAIL, "runs it with AppArmor unconfined");
}

/* A State.Pid whose cgroup is not the container's (reused since): not judged as its. */
static void test_5_7_pid_outside_the_container_cgroup_is_error(void **state)
{
    struct world *w = *state;
    add_container(w, "stale-pid");
    collect_running(w);
    put(w, "/proc/100/cgroup", "0::/system.slice/ssh.service\n");
    put(w, "/proc/100/comm", "sshd-session\n");
    collect(w);
    expect_c(w, "5.7", "stale-pid", ERROR, "do not name container");
}

/* A restart loop: Running stays true with Pid 0 between runs. */
static void test_5_7_restarting_skips(void **state)
{
    struct world *w = *state;
    struct docker_container *c = add_container(w, "loop");
    c->state = "restarting";
    c->pid = 0;
    collect(w);
    expect_c(w, "5.7", "loop", SKIP, "restarting: no process between two runs");
}

/* userns-remap: joining a --userns host container joins the host's user namespace. */
static void test_5_31_join_of_userns_host_on_remap_daemon(void **state)
{
    struct world *w = *state;
    static char *secopts[] = { "name=apparmor", "name=seccomp,profile=default", "name=userns" };
    w->sw.info.security_options = SL(secopts);
    add_container(w, "userns-host")->userns_mode = "host";
    add_container(w, "joiner")->network_mode = "container:userns-host";
    add_container(w, "plain");
    collect_running(w);
    expect_c(w, "5.31", "userns-host", FAIL, "HostConfig.UsernsMode=host");
    expect_c(w, "5.31", "joiner", FAIL, "runs in the host's user namespace");
    expect_c(w, "5.31", "plain", PASS, "UsernsMode");
}

/* --network none, internal networks: dockerd maps no port. */
static void test_5_14_network_none_and_internal_publish_nothing(void **state)
{
    struct world *w = *state;
    static struct docker_network nets[] = { { "bridge", "bridge", false, false, "0.0.0.0" },
                                            { "none", "null", false, false, "" },
                                            { "backend", "bridge", false, true, "" } };
    static char *none[] = { "none" };
    static char *backend[] = { "backend" };
    static struct docker_port_binding p80[] = { { "80/tcp", "", 80, 80 } };
    w->sw.networks = nets;
    w->sw.n_networks = ARRAY_LEN(nets);
    struct docker_container *c = add_container(w, "net-none");
    stop(c, "created");
    c->network_mode = "none";
    c->networks = SL(none);
    c->ports = p80;
    c->n_ports = 1;
    c = add_container(w, "internal");
    stop(c, "created");
    c->network_mode = "backend";
    c->networks = SL(backend);
    c->ports = p80;
    c->n_ports = 1;
    collect(w);
    expect_c(w, "5.8", "net-none", PASS, "HostConfig.NetworkMode=none binds none");
    expect_c(w, "5.14", "net-none", PASS, "binds none");
    expect_c(w, "5.9", "internal", SKIP, "only on internal, null, macvlan or ipvlan networks");
}

/* net.ParseIP(HostIp) == nil binds the default; ::ffff:0.0.0.0 is every interface. */
static void test_5_14_unparsable_and_v4_mapped_host_ip(void **state)
{
    struct world *w = *state;
    static struct docker_port_binding bad[] = { { "80/tcp", "localhost", 8080, 8080 } };
    static struct docker_port_binding mapped[] = { { "80/tcp", "::ffff:0.0.0.0", 8080, 8080 } };
    struct docker_container *c = add_container(w, "name-ip");
    stop(c, "created");
    c->ports = bad;
    c->n_ports = 1;
    c = add_container(w, "mapped");
    stop(c, "created");
    c->ports = mapped;
    c->n_ports = 1;
    collect(w);
    expect_c(w, "5.14", "name-ip", FAIL, "HostIp not an address: 0.0.0.0");
    expect_c(w, "5.14", "mapped", FAIL, "[::ffff:0.0.0.0]:8080->80/tcp");
}

/* parseSecurityOpt takes a bare "disable" as label=disable. */
static void test_5_3_bare_disable_fails(void **state)
{
    struct world *w = *state;
    static char *bare[] = { "disable" };
    w->sw.info.security_options = SL(info_secopts_selinux);
    add_container(w, "bare")->security_opt = SL(bare);
    collect_running(w);
    expect_c(w, "5.3", "bare", FAIL, "turns SELinux separation off");
}

/* dockerd's sockets unknown: a container with no host-path mount still passes 5.32. */
static void test_5_32_sockets_unknown_judges_mounts(void **state)
{
    struct world *w = *state;
    static struct docker_mount vol[] = {
        { "volume", "/var/lib/docker/volumes/data/_data", "/data", "", true, "data", "local" },
    };
    static struct docker_mount bind[] = { { "bind", "/srv/app", "/app", "", true, NULL, NULL } };
    static struct docker_mount sock[] = {
        { "bind", "/home/u/docker.sock", "/s", "", true, NULL, NULL },
    };
    harness_build_text(&w->h.fx, "file /proc 0444 0 0 =not a directory\n");
    add_container(w, "volume-only")->mounts = vol;
    w->cs[0].n_mounts = 1;
    add_container(w, "bind")->mounts = bind;
    w->cs[1].n_mounts = 1;
    add_container(w, "sock")->mounts = sock;
    w->cs[2].n_mounts = 1;
    collect(w);
    expect_c(w, "5.32", "volume-only", PASS, "no mount of the Docker socket");
    expect_c(w, "5.32", "bind", ERROR, "/srv/app mounted, and");
    expect_c(w, "5.32", "sock", FAIL, "docker.sock");
}

/* ---- against a real dockerd --------------------------------------------- */

/*
 * Runs the collector on a real sweep of the dockerd at
 * DOCKWARD_TEST_DOCKER_HOST (skipped without it), with the host's own root,
 * so 5.7 reads real /proc and cgroups. Expected containers (all optional;
 * those present are asserted), made from a busybox image whose root
 * directory is 0755 and whose Env has PATH, so that user 1000 can run it
 * (docker_env_import_busybox's root is mktemp's 0700):
 *   dwe-hardened: run -d --user 1000:1000 --read-only --cap-drop ALL
 *                 --security-opt no-new-privileges --memory 64m --cpu-shares 512
 *                 --pids-limit 50 --restart on-failure:3 --network dwe-net
 *                 -p 127.0.0.1:8080:80 --health-cmd true IMAGE sleep 3600
 *   dwe-priv:     create --privileged IMAGE sleep 3600
 *   dwe-root:     run -d --user 0:0 -p 80:80 -v /etc:/host-etc:ro
 *                 -v $SOCK:/var/run/docker.sock IMAGE sleep 3600
 */
static void test_real_dockerd(void **state)
{
    struct world *w = *state;
    const char *host = getenv("DOCKWARD_TEST_DOCKER_HOST");
    if (host == NULL || host[0] == '\0')
        skip();
    struct docker_client_options opts = { .host = host };
    char err[512];
    struct docker_client *client = docker_client_new(&opts, err, sizeof(err));
    if (client == NULL)
        fail_msg("client: %s", err);
    struct docker_sweep sweep;
    int rc = docker_sweep_run(client, &sweep);
    docker_client_free(client);
    if (rc != 0) {
        docker_sweep_free(&sweep);
        fail_msg("sweep: %s", sweep.error);
    }
    struct collect_ctx ctx = { .rootfs = "/", .docker_host = host, .docker = &sweep };
    struct result_sink sink;
    result_sink_init(&sink, &w->h.set, &collector_container_runtime);
    rc = collector_container_runtime.collect(&ctx, &sink, err, sizeof(err));
    if (rc != 0) {
        docker_sweep_free(&sweep);
        fail_msg("collect: %s", err);
    }
    dump(w);
    size_t n = sweep.n_containers, running = 0;
    int have_hardened = 0, have_priv = 0, have_root = 0;
    for (size_t i = 0; i < n; i++) {
        running += sweep.containers[i].running;
        const char *name = sweep.containers[i].name;
        have_hardened |= name != NULL && strcmp(name, "dwe-hardened") == 0;
        have_priv |= name != NULL && strcmp(name, "dwe-priv") == 0;
        have_root |= name != NULL && strcmp(name, "dwe-root") == 0;
    }
    docker_sweep_free(&sweep);
    assert_int_equal(w->h.set.len, n * PER_CONTAINER + HOST_RESULTS);
    assert_true(measure(w, "total") == (double)n);
    assert_true(measure(w, "running") == (double)running);
    if (have_hardened) {
        for (size_t i = 0; i < w->h.set.len; i++) {
            const struct result *r = &w->h.set.items[i];
            if (strcmp(r->target, "container/dwe-hardened") != 0 || !r->check->automated)
                continue;
            /* AppArmor/SELinux are skipped on hosts without them. */
            if (r->status != PASS && !(r->status == SKIP && (strcmp(r->check->id, "5.2") == 0 ||
                                                             strcmp(r->check->id, "5.3") == 0)))
                fail_msg("dwe-hardened %s: %s %s", r->check->id, check_status_name(r->status),
                         r->evidence);
        }
    }
    if (have_priv) {
        expect_c(w, "5.5", "dwe-priv", FAIL, "HostConfig.Privileged=true (state created)");
        expect_c(w, "5.7", "dwe-priv", SKIP, "not running");
    }
    if (have_root) {
        expect_c(w, "4.1", "dwe-root", FAIL, "Config.User=\"0:0\" is root");
        expect_c(w, "5.6", "dwe-root", FAIL, "/etc on /host-etc (ro)");
        expect_c(w, "5.8", "dwe-root", FAIL, ":80->80/tcp");
        expect_c(w, "5.14", "dwe-root", FAIL, "ports bound to every interface");
        expect_c(w, "5.32", "dwe-root", FAIL, "Docker socket mounted");
        expect_c(w, "5.7", "dwe-root", PASS, "no sshd among 1 processes");
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_catalog),
        T(test_matrix),
        T(test_hardened_passes_every_automated_check),
        T(test_4_1_user_0_0_is_root),
        T(test_4_1_empty_user_takes_the_image_user),
        T(test_5_2_and_5_3_skip_without_the_module),
        T(test_5_2_apparmor_empty_profile_fails),
        T(test_5_3_selinux_labels),
        T(test_5_4_capabilities_any_case_and_prefix),
        T(test_5_5_created_privileged_container_fails),
        T(test_5_6_read_only_sensitive_mount_still_fails),
        T(test_5_6_paths_compared_by_component),
        T(test_5_8_and_5_14_ports),
        T(test_5_12_any_cpu_setting_passes),
        T(test_5_15_restart_policies),
        T(test_5_22_seccomp_forms),
        T(test_5_26_no_new_privileges_false_fails),
        T(test_5_26_daemon_default_off_fails),
        T(test_5_26_daemon_default_on_command_line),
        T(test_5_26_unreadable_daemon_json_is_error),
        T(test_5_27_health),
        T(test_5_29_pids_limit_zero_fails),
        T(test_5_32_docker_socket_paths),
        T(test_env_secret_names_only),
        T(test_long_evidence_keeps_the_state),
        T(test_5_7_cgroup_v1),
        T(test_5_7_cgroup_v2),
        T(test_invalid_fields_are_errors_naming_the_field),
        T(test_info_security_options_invalid),
        T(test_docker_unavailable_fails_with_no_results),
        T(test_6_2_sprawl_and_measures),
        T(test_5_14_publish_all_running_real_bindings),
        T(test_5_14_publish_all_created_exposed_ports),
        T(test_5_14_default_binding_address_from_network),
        T(test_5_12_cpu_shares_1024_fails),
        T(test_5_8_host_port_range_below_1024_fails),
        T(test_5_22_inline_seccomp_profile_passes),
        T(test_5_22_daemon_default_unconfined_fails),
        T(test_5_2_created_gets_profile_at_start),
        T(test_5_26_remote_daemon_is_error),
        T(test_5_26_dockerd_not_visible_is_error),
        T(test_5_26_default_frozen_at_create_is_said),
        T(test_5_10_5_16_5_17_joined_to_host_namespaces),
        T(test_5_6_5_32_local_volume_bound_to_host_path),
        T(test_5_30_bridge_none_daemon_skips),
        T(test_5_15_on_failure_without_count_fails),
        T(test_field_over_cap_names_field_and_cap),
        T(test_5_3_selinux_disabled_by_dockerd_or_spc_t),
        T(test_5_27_created_judged_on_config_healthcheck),
        T(test_4_1_signed_zero_and_proc_uid),
        T(test_5_2_apparmor_running_profiles),
        T(test_5_5_privileged_running),
        T(test_5_22_no_seccomp_support_fails),
        T(test_5_18_device_rules_warn),
        T(test_5_14_running_unbound_port_bindings_judged),
        T(test_5_14_user_network_ignores_dockerd_ip),
        T(test_5_10_name_like_an_id_cannot_take_a_join),
        T(test_long_container_names_stay_unique),
        T(test_5_2_created_privileged_with_profile_fails),
        T(test_5_7_pid_outside_the_container_cgroup_is_error),
        T(test_5_7_restarting_skips),
        T(test_5_31_join_of_userns_host_on_remap_daemon),
        T(test_5_14_network_none_and_internal_publish_nothing),
        T(test_5_14_unparsable_and_v4_mapped_host_ip),
        T(test_5_3_bare_disable_fails),
        T(test_5_32_sockets_unknown_judges_mounts),
        T(test_real_dockerd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
