/*
 * sweep_build.h - a Docker API sweep built by hand for a collector test
 * (struct docker_sweep filled directly, no parser involved): images and
 * containers added one at a time into arrays the builder owns, so a test
 * or a case file says only what differs; the container_runtime tests' world
 * and hardened container, and the processes of running containers in a
 * host tree. Header-only, like collector_harness.h: include it after
 * <cmocka.h>.
 */
#ifndef DOCKWARD_TEST_SWEEP_BUILD_H
#define DOCKWARD_TEST_SWEEP_BUILD_H

#include "collectors/docker.h"
#include "tests/collector_harness.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define SWEEP_BUILD_MAX     64 /* images, and containers, of one sweep */
#define SWEEP_BUILD_HISTORY 8  /* history entries of one image given by a case file */
#define SWEEP_BUILD_LIST    8  /* security options, insecure CIDRs, registries, networks */
#define SWEEP_BUILD_ITEMS   16 /* items of one list field of a container (Config.Env, CapAdd...) */
#define SWEEP_BUILD_LISTS   10 /* list fields of one container a case file sets */
#define SWEEP_BUILD_MOUNTS  8  /* mounts, and port bindings, of one container */

/* A sweep and what it points into; zeroed, it is an empty sweep that did not answer. */
struct sweep_build {
    struct docker_sweep sw;
    struct docker_image images[SWEEP_BUILD_MAX];
    struct docker_container containers[SWEEP_BUILD_MAX];
    char *tags[SWEEP_BUILD_MAX][2];
    char ids[SWEEP_BUILD_MAX][80];
    char *history[SWEEP_BUILD_MAX][SWEEP_BUILD_HISTORY];
    /* What /info's lists and GET /networks point into. */
    char *security_options[SWEEP_BUILD_LIST];
    char *insecure_cidrs[SWEEP_BUILD_LIST];
    struct docker_registry_index indexes[SWEEP_BUILD_LIST];
    struct docker_network networks[SWEEP_BUILD_LIST];
    struct docker_volume volumes[SWEEP_BUILD_LIST];
    /* What a container's own fields point into (sweep_add_hardened, a case file's lines). */
    char container_ids[SWEEP_BUILD_MAX][65];
    char names[SWEEP_BUILD_MAX][64];
    char *lists[SWEEP_BUILD_MAX][SWEEP_BUILD_LISTS][SWEEP_BUILD_ITEMS];
    struct docker_mount mounts[SWEEP_BUILD_MAX][SWEEP_BUILD_MOUNTS];
    struct docker_port_binding ports[SWEEP_BUILD_MAX][SWEEP_BUILD_MOUNTS];
    struct docker_port_binding live_ports[SWEEP_BUILD_MAX][SWEEP_BUILD_MOUNTS];
};

/*
 * Adds image i (the i-th added, from 0): id sha256:000000ab000<i>0...,
 * created `created` (Unix seconds), tagged `tag` unless NULL, with a
 * HEALTHCHECK. Returns it for the test to change.
 */
static inline struct docker_image *sweep_add_image(struct sweep_build *b, const char *tag,
                                                   int64_t created)
{
    size_t i = b->sw.n_images;
    assert_true(i < SWEEP_BUILD_MAX);
    struct docker_image *img = &b->images[i];
    memset(img, 0, sizeof(*img));
    snprintf(b->ids[i], sizeof(b->ids[i]), "sha256:%012zx%052d", i + 0xab0000, 0);
    img->id = b->ids[i];
    if (tag != NULL) {
        b->tags[i][0] = (char *)tag;
        img->repo_tags.items = b->tags[i];
        img->repo_tags.len = 1;
    }
    img->created = created;
    img->has_healthcheck = true;
    b->sw.images = b->images;
    b->sw.n_images = i + 1;
    return img;
}

/*
 * Adds a container called `name` (NULL: none) of image img (NULL: none) in
 * `state` ("running" makes it running). Returns it for the test to change.
 */
static inline struct docker_container *sweep_add_container(struct sweep_build *b, const char *name,
                                                           const struct docker_image *img,
                                                           const char *state)
{
    size_t i = b->sw.n_containers;
    assert_true(i < SWEEP_BUILD_MAX);
    struct docker_container *c = &b->containers[i];
    memset(c, 0, sizeof(*c));
    c->id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    c->name = (char *)name;
    c->image_id = img != NULL ? img->id : NULL;
    c->state = (char *)state;
    c->running = strcmp(state, "running") == 0;
    b->sw.containers = b->containers;
    b->sw.n_containers = i + 1;
    return c;
}

/*
 * The world of the container_runtime tests: /info lists AppArmor and
 * seccomp; images sha256:app (USER app), sha256:root (no USER), sha256:zero
 * (USER 0:0) and sha256:broken (its Config left out); the networks bridge,
 * app-net (bridge), host and none; the local volumes data, etc-vol (a bind
 * of /etc) and run-vol (a bind of /run). The API answered.
 */
static inline void sweep_container_world(struct sweep_build *b)
{
    static const struct {
        const char *id, *user;
    } images[] = { { "sha256:app", "app" }, { "sha256:root", "" }, { "sha256:zero", "0:0" } };
    struct docker_sweep *sw = &b->sw;
    for (size_t i = 0; i < ARRAY_LEN(images); i++)
        b->images[i] =
            (struct docker_image){ .id = (char *)images[i].id, .user = (char *)images[i].user };
    b->images[3] =
        (struct docker_image){ .id = "sha256:broken", .invalid = UINT64_C(1) << DOCKER_F_I_CONFIG };
    sw->ok = true;
    sw->images = b->images;
    sw->n_images = 4;
    sw->containers = b->containers;
    b->security_options[0] = "name=apparmor";
    b->security_options[1] = "name=seccomp,profile=builtin";
    sw->info.security_options = (struct str_list){ b->security_options, 2 };
    b->networks[0] = (struct docker_network){ "bridge", "bridge", false, false, "" };
    b->networks[1] = (struct docker_network){ "app-net", "bridge", false, false, "" };
    b->networks[2] = (struct docker_network){ "host", "host", false, false, "" };
    b->networks[3] = (struct docker_network){ "none", "null", false, false, "" };
    sw->networks = b->networks;
    sw->n_networks = 4;
    b->volumes[0] = (struct docker_volume){ "data", "local", NULL };
    b->volumes[1] = (struct docker_volume){ "etc-vol", "local", "/etc" };
    b->volumes[2] = (struct docker_volume){ "run-vol", "local", "/run" };
    sw->volumes = b->volumes;
    sw->n_volumes = 3;
    sw->volumes_ok = true;
}

/*
 * Adds the hardened container of the container_runtime tests, passing
 * every automated check: running (pid 100 + i for the i-th container, id
 * "%02x" i then i in 62 hex digits), healthy, user 1000:1000, image app:1
 * (sha256:app), AppArmor docker-default, no-new-privileges:true, CapAdd
 * NET_BIND_SERVICE and CapDrop ALL, on app-net, IpcMode private, 256 MiB,
 * CpuShares 512, PidsLimit 100, a read-only root, a volume on /data and
 * /srv/app bound read-only on /config, 127.0.0.1:8080->8080/tcp, restart
 * on-failure:5, the environment PATH and APP_MODE. Returns it for the test
 * to change.
 */
static inline struct docker_container *sweep_add_hardened(struct sweep_build *b, const char *name)
{
    static char *secopt[] = { "no-new-privileges:true" };
    static char *cap_add[] = { "NET_BIND_SERVICE" };
    static char *cap_drop[] = { "ALL" };
    static char *networks[] = { "app-net" };
    static char *env[] = { "PATH", "APP_MODE" };
    static struct docker_mount mounts[] = {
        { "volume", "/var/lib/docker/volumes/data/_data", "/data", "", true, NULL, NULL },
        { "bind", "/srv/app", "/config", "rprivate", false, NULL, NULL },
    };
    static struct docker_port_binding ports[] = { { "8080/tcp", "127.0.0.1", 8080, 8080 } };
    size_t i = b->sw.n_containers;
    assert_true(i < SWEEP_BUILD_MAX);
    struct docker_container *c = &b->containers[i];
    snprintf(b->container_ids[i], sizeof(b->container_ids[i]), "%02zx%062zx", i, i);
    snprintf(b->names[i], sizeof(b->names[i]), "%s", name);
    *c = (struct docker_container){
        .id = b->container_ids[i],
        .name = b->names[i],
        .image = "app:1",
        .image_id = "sha256:app",
        .state = "running",
        .running = true,
        .pid = 100 + (long)i,
        .has_health = true,
        .health_status = "healthy",
        .health_test = "CMD-SHELL",
        .user = "1000:1000",
        .env_names = { env, ARRAY_LEN(env) },
        .apparmor_profile = "docker-default",
        .security_opt = { secopt, ARRAY_LEN(secopt) },
        .cap_add = { cap_add, ARRAY_LEN(cap_add) },
        .cap_drop = { cap_drop, ARRAY_LEN(cap_drop) },
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
        .mounts = mounts,
        .n_mounts = ARRAY_LEN(mounts),
        .ports = ports,
        .n_ports = ARRAY_LEN(ports),
        .restart_policy = "on-failure",
        .restart_max_retries = 5,
        .networks = { networks, ARRAY_LEN(networks) },
    };
    b->sw.containers = b->containers;
    b->sw.n_containers = i + 1;
    return c;
}

/* Makes a container not running, in `state` ("created", "exited"): no pid, no State.Health. */
static inline void sweep_stop(struct docker_container *c, const char *state)
{
    c->state = (char *)state;
    c->running = false;
    c->pid = 0;
    c->has_health = false;
    c->health_status = NULL;
}

/*
 * Before a run: a running container's real bindings (NetworkSettings.Ports)
 * are what it asked for (HostConfig.PortBindings) unless set already (-P, a
 * range, none bound).
 */
static inline void sweep_live_ports(struct sweep_build *b)
{
    for (size_t i = 0; i < b->sw.n_containers; i++) {
        struct docker_container *c = &b->containers[i];
        if (c->running && c->live_ports == NULL) {
            c->live_ports = c->ports;
            c->n_live_ports = c->n_ports;
        }
    }
}

/* Writes hostpath in the tree unless the tree has it already. */
static inline void sweep_put_new(const struct fixture *fx, const char *hostpath, const char *text)
{
    char real[4096];
    struct stat st;
    harness_real_path(fx, hostpath, real, sizeof(real));
    if (lstat(real, &st) != 0)
        harness_put_text(fx, hostpath, text);
}

/*
 * Gives running container c's pid a cgroup v2 scope in the tree fx, as
 * dockerd's systemd driver makes it, holding the pid (comm "app") and, when
 * `extra` is set, pid+1000 with that comm. A file the tree has already (a
 * test's own /proc/PID/cgroup) is kept.
 */
static inline void sweep_processes(const struct fixture *fx, const struct docker_container *c,
                                   const char *extra)
{
    char path[512], text[512];
    snprintf(path, sizeof(path), "/proc/%ld/cgroup", c->pid);
    snprintf(text, sizeof(text), "0::/system.slice/docker-%s.scope\n", c->id);
    sweep_put_new(fx, path, text);
    snprintf(path, sizeof(path), "/proc/%ld/comm", c->pid);
    sweep_put_new(fx, path, "app\n");
    snprintf(path, sizeof(path), "/sys/fs/cgroup/system.slice/docker-%s.scope/cgroup.procs", c->id);
    if (extra != NULL) {
        snprintf(text, sizeof(text), "%ld\n%ld\n", c->pid, c->pid + 1000);
        sweep_put_new(fx, path, text);
        char comm[64];
        snprintf(path, sizeof(path), "/proc/%ld/comm", c->pid + 1000);
        snprintf(comm, sizeof(comm), "%s\n", extra);
        sweep_put_new(fx, path, comm);
    } else {
        snprintf(text, sizeof(text), "%ld\n", c->pid);
        sweep_put_new(fx, path, text);
    }
}

#endif
