/*
 * test_collector_cases.c - runs the collector cases kept as data,
 * tests/cases/<collector>.cases (one cmocka test per file, named after it), through
 * the runner of tests/collector_cases.h, which says what their lines mean.
 *
 * This file reads the lines a case uses to build the Docker API sweep the
 * collector is handed (tests/sweep_build.h; strings live as long as the
 * case file). Without any of them the collector is handed no sweep; with
 * one, a sweep that answered unless `docker down` says otherwise:
 *
 *   docker up                  the API answered (nothing else said: an empty sweep)
 *   docker down TEXT           the API did not answer, for reason TEXT
 *   docker daemon              what a hardened dockerd 24.0.7 reports (docker_daemon() below)
 *   docker swarm-manager       and it is an active swarm manager (docker_swarm_manager())
 *   docker NAME VALUE          a value of /version or /info: version, build-time (Unix
 *                              seconds), version-experimental, root-dir (DockerRootDir),
 *                              driver, logging-driver, live-restore, experimental,
 *                              swarm-state, swarm-control, swarm-managers, swarm-node-addr,
 *                              swarm-autolock (true or false where it is a yes or no)
 *   docker security-options A ...  /info's SecurityOptions are these (none: empty)
 *   docker insecure-cidrs A ...    its insecure registry CIDRs are these
 *   docker index NAME secure|insecure   one more of its IndexConfigs
 *   docker network NAME DRIVER [encrypted]  one more network; docker no-networks: none
 *   info-invalid FIELD         /info left FIELD out (security-options, driver,
 *                              logging-driver, live-restore, swarm, experimental,
 *                              registry-config); version-invalid FIELD: /version
 *                              (version, experimental)
 *   image TAG CREATED          an image (TAG `-`: none) created at Unix seconds; the i-th
 *                              (from 0) has the id sha256:000000ab000<i>0...
 *   image-in-use N             the image above is used by N containers
 *   image-no-healthcheck       it has no HEALTHCHECK
 *   image-history TEXT         a history entry of it, newest first
 *   image-invalid FIELD        the API left its FIELD (config, history, created) out
 *   container NAME IMAGE STATE a container (NAME `-`: none) of the IMAGE-th image (`-`: none)
 *   container-image-id ID      the container above names image ID
 *   container-invalid FIELD    the API left its FIELD (image, name) out
 *   option NAME VALUE          the collector's option NAME
 *
 * and for the container_runtime cases:
 *
 *   docker container-world     the world of tests/sweep_build.h's sweep_container_world()
 *   docker containers N        /info's Containers (docker containers-running N: running)
 *   docker volumes-down TEXT   GET /volumes did not answer, for reason TEXT
 *   docker network NAME DRIVER [encrypted] [internal] [binding IP]
 *   info-invalid counts        /info left its container counts out
 *   hardened NAME              the hardened container (sweep_add_hardened()), running
 *   FIELD VALUE                a field of the container above, named as the API names it
 *                              (tests/docker_fields.h's api column: Config.User, HostConfig.CapAdd,
 *                              State.Pid, ...); a list's items are separated by " | "
 *                              (none: empty); HostConfig.PidsLimit null is unset;
 *                              State.Health false is no State.Health
 *   stopped STATE              it is not running, in STATE: no pid, no State.Health
 *   never-started              its State.StartedAt is the zero time
 *   mount TYPE SOURCE DESTINATION PROPAGATION rw|ro [VOLUME DRIVER]
 *   port CONTAINER-PORT HOST-IP HOST-PORT[-LAST]
 *   live-port ...              as port, in NetworkSettings.Ports (a running container's
 *                              are its port lines' unless it has live-port lines)
 *                              (the first mount, port or live-port line replaces the
 *                              container's; `-` is an empty text)
 *   no-ports, no-live-ports    none asked for; none bound (NetworkSettings.Ports {})
 *   processes                  each running container gets a cgroup v2 scope with its
 *                              pid in the tree (sweep_processes(); a file the case's tree
 *                              has is kept)
 *   process-extra COMM         and the container above one more process, pid+1000, COMM
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/docker.h"
#include "tests/collector_cases.h"
#include "tests/collector_harness.h"
#include "tests/docker_fields.h"
#include "tests/sweep_build.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {
    struct harness_run h;
    struct sweep_build b;
    struct option_value opt;
    bool has_sweep; /* a line said something of the sweep: hand it over */
    bool processes; /* `processes`: running containers get processes in the tree */
    const char *extra[SWEEP_BUILD_MAX]; /* `process-extra COMM` of each container */
};

static int setup(void **state)
{
    return harness_setup(state, sizeof(struct run));
}

/* A case starts: no sweep, no option. */
static void sweep_begin(void *arg)
{
    struct run *r = arg;
    memset(&r->b, 0, sizeof(r->b));
    memset(&r->opt, 0, sizeof(r->opt));
    memset(r->extra, 0, sizeof(r->extra));
    r->has_sweep = r->processes = false;
}

/* An API field a case says was left out: `image-invalid`, `info-invalid` ... FIELD. */
static const struct {
    const char *word, *field;
    uint64_t bit;
} invalid_fields[] = {
    { "image-invalid", "config", UINT64_C(1) << DOCKER_F_I_CONFIG },
    { "image-invalid", "history", UINT64_C(1) << DOCKER_F_I_HISTORY },
    { "image-invalid", "created", UINT64_C(1) << DOCKER_F_I_CREATED },
    { "container-invalid", "image", UINT64_C(1) << DOCKER_F_C_IMAGE },
    { "container-invalid", "name", UINT64_C(1) << DOCKER_F_C_NAME },
    { "info-invalid", "security-options", UINT64_C(1) << DOCKER_F_INFO_SECURITY_OPTIONS },
    { "info-invalid", "driver", UINT64_C(1) << DOCKER_F_INFO_DRIVER },
    { "info-invalid", "logging-driver", UINT64_C(1) << DOCKER_F_INFO_LOGGING_DRIVER },
    { "info-invalid", "live-restore", UINT64_C(1) << DOCKER_F_INFO_LIVE_RESTORE },
    { "info-invalid", "swarm", UINT64_C(1) << DOCKER_F_INFO_SWARM },
    { "info-invalid", "experimental", UINT64_C(1) << DOCKER_F_INFO_EXPERIMENTAL },
    { "info-invalid", "registry-config", UINT64_C(1) << DOCKER_F_INFO_REGISTRY_CONFIG },
    { "info-invalid", "counts", UINT64_C(1) << DOCKER_F_INFO_COUNTS },
    { "version-invalid", "version", UINT64_C(1) << DOCKER_F_VERSION_VERSION },
    { "version-invalid", "experimental", UINT64_C(1) << DOCKER_F_VERSION_EXPERIMENTAL },
};

/* The bit of FIELD for a `WORD FIELD` line, 0: none. */
static uint64_t field_bit(const char *word, const char *field)
{
    for (size_t i = 0; i < ARRAY_LEN(invalid_fields); i++) {
        if (strcmp(invalid_fields[i].word, word) == 0 &&
            strcmp(invalid_fields[i].field, field) == 0)
            return invalid_fields[i].bit;
    }
    return 0;
}

/*
 * The values of /version and /info a `docker NAME VALUE` line sets: text (a
 * VALUE in double quotes is what is between them) or yes-or-no (true or
 * false); the two numbers, build-time and swarm-managers, are docker_value()'s.
 */
static const struct {
    const char *name;
    bool yes_no; /* a bool; else a char * */
    size_t at;   /* offset in struct docker_sweep */
} docker_values[] = {
    { "version", false, offsetof(struct docker_sweep, version.version) },
    { "version-experimental", true, offsetof(struct docker_sweep, version.experimental) },
    { "root-dir", false, offsetof(struct docker_sweep, info.docker_root_dir) },
    { "driver", false, offsetof(struct docker_sweep, info.driver) },
    { "logging-driver", false, offsetof(struct docker_sweep, info.logging_driver) },
    { "live-restore", true, offsetof(struct docker_sweep, info.live_restore) },
    { "experimental", true, offsetof(struct docker_sweep, info.experimental) },
    { "swarm-state", false, offsetof(struct docker_sweep, info.swarm_state) },
    { "swarm-control", true, offsetof(struct docker_sweep, info.swarm_control_available) },
    { "swarm-node-addr", false, offsetof(struct docker_sweep, info.swarm_node_addr) },
    { "swarm-autolock", true, offsetof(struct docker_sweep, info.swarm_autolock) },
};

/* A `docker NAME VALUE` line: 0 when NAME is a value (set, or err filled), 1 when it is not. */
static int docker_value(struct docker_sweep *sw, const char *name, char *value, char *err,
                        size_t errlen)
{
    for (size_t k = 0; k < ARRAY_LEN(docker_values); k++) {
        if (strcmp(docker_values[k].name, name) != 0)
            continue;
        void *at = (char *)sw + docker_values[k].at;
        if (!docker_values[k].yes_no) {
            *(char **)at = (char *)case_text_arg(value);
        } else if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
            *(bool *)at = value[0] == 't';
        } else {
            snprintf(err, errlen, "want true or false, not \"%s\"", value);
            return -1;
        }
        return 0;
    }
    static const char *const numbers[] = { "build-time", "swarm-managers", "containers",
                                           "containers-running" };
    size_t k = 0;
    while (k < ARRAY_LEN(numbers) && strcmp(numbers[k], name) != 0)
        k++;
    long long n;
    if (k == ARRAY_LEN(numbers))
        return 1;
    if (cases_integer(value, &n, err, errlen) != 0)
        return -1;
    if (k == 0)
        sw->version.build_time = n;
    else
        *(k == 1   ? &sw->info.swarm_managers
          : k == 2 ? &sw->info.containers
                   : &sw->info.containers_running) = (long)n;
    return 0;
}

/*
 * What a hardened host's dockerd 24.0.7 reports: seccomp and userns, the
 * built-in loopback ranges as insecure registries, docker.io secure,
 * overlay2, syslog, live restore, swarm inactive, the three default networks.
 */
static void docker_daemon(struct sweep_build *b)
{
    struct docker_sweep *sw = &b->sw;
    snprintf(sw->api_version, sizeof(sw->api_version), "1.43");
    sw->version.version = "24.0.7";
    sw->version.api_version = "1.43";
    struct docker_info *i = &sw->info;
    i->server_version = "24.0.7";
    i->driver = "overlay2";
    i->logging_driver = "syslog";
    i->live_restore = true;
    b->security_options[0] = "name=seccomp,profile=default";
    b->security_options[1] = "name=userns";
    i->security_options = (struct str_list){ b->security_options, 2 };
    b->insecure_cidrs[0] = "127.0.0.0/8";
    b->insecure_cidrs[1] = "::1/128";
    i->insecure_registry_cidrs = (struct str_list){ b->insecure_cidrs, 2 };
    b->indexes[0] = (struct docker_registry_index){ .name = "docker.io", .secure = true };
    i->index_configs = b->indexes;
    i->n_index_configs = 1;
    i->swarm_state = "inactive";
    i->swarm_node_addr = "";
    i->docker_root_dir = "/var/lib/docker";
    b->networks[0] = (struct docker_network){ .name = "bridge", .driver = "bridge" };
    b->networks[1] = (struct docker_network){ .name = "host", .driver = "host" };
    b->networks[2] = (struct docker_network){ .name = "none", .driver = "null" };
    sw->networks = b->networks;
    sw->n_networks = 3;
}

/*
 * On top of docker_daemon(): an active swarm manager, one of 3, autolock off,
 * at 10.0.0.5, with the overlay networks ingress (not encrypted) and backend.
 */
static void docker_swarm_manager(struct sweep_build *b)
{
    struct docker_info *i = &b->sw.info;
    i->swarm_state = "active";
    i->swarm_control_available = true;
    i->swarm_managers = 3;
    i->swarm_node_addr = "10.0.0.5";
    i->swarm_autolock = false;
    b->networks[3] = (struct docker_network){ .name = "ingress", .driver = "overlay" };
    b->networks[4] =
        (struct docker_network){ .name = "backend", .driver = "overlay", .encrypted = true };
    b->sw.n_networks = 5;
}

/* A list line (security-options, insecure-cidrs): the words of rest replace the list. */
static int docker_list(struct str_list *list, char **items, char *rest, char *err, size_t errlen)
{
    list->items = items;
    list->len = 0;
    for (char *w = case_word(&rest); *w != '\0'; w = case_word(&rest)) {
        if (list->len >= SWEEP_BUILD_LIST) {
            snprintf(err, errlen, "more than %d in the list", SWEEP_BUILD_LIST);
            return -1;
        }
        items[list->len++] = w;
    }
    return 0;
}

/* An `index NAME secure|insecure` or `network NAME DRIVER [encrypted]` line: one more. */
static int docker_append(struct sweep_build *b, const char *what, char *rest, char *err,
                         size_t errlen)
{
    struct docker_info *i = &b->sw.info;
    size_t *n = strcmp(what, "index") == 0 ? &i->n_index_configs : &b->sw.n_networks;
    char *name = case_word(&rest);
    char *kind = case_word(&rest);
    if (*n >= SWEEP_BUILD_LIST || *name == '\0' || *kind == '\0') {
        snprintf(err, errlen, "want %s NAME ... (at most %d)", what, SWEEP_BUILD_LIST);
        return -1;
    }
    if (n == &i->n_index_configs) {
        b->indexes[*n] = (struct docker_registry_index){ name, strcmp(kind, "secure") == 0 };
        i->index_configs = b->indexes;
    } else {
        struct docker_network *net = &b->networks[*n];
        *net = (struct docker_network){ .name = name, .driver = kind, .host_binding_ip = "" };
        for (char *w = case_word(&rest); *w != '\0'; w = case_word(&rest)) {
            if (strcmp(w, "encrypted") == 0) {
                net->encrypted = true;
            } else if (strcmp(w, "internal") == 0) {
                net->internal = true;
            } else if (strcmp(w, "binding") == 0 && *rest != '\0') {
                net->host_binding_ip = case_word(&rest);
            } else {
                snprintf(err, errlen,
                         "want network NAME DRIVER [encrypted] [internal] [binding IP]");
                return -1;
            }
        }
        b->sw.networks = b->networks;
    }
    (*n)++;
    return 0;
}

/* A `docker` line: what /version, /info, GET /networks or the whole API said. */
static int docker_line(struct run *r, char *rest, char *err, size_t errlen)
{
    struct sweep_build *b = &r->b;
    struct docker_sweep *sw = &b->sw;
    const char *what = case_word(&rest);
    int rc = docker_value(sw, what, rest, err, errlen);
    if (rc != 1)
        return rc;
    if (strcmp(what, "up") == 0) {
        return 0;
    } else if (strcmp(what, "daemon") == 0) {
        docker_daemon(b);
    } else if (strcmp(what, "swarm-manager") == 0) {
        docker_swarm_manager(b);
    } else if (strcmp(what, "container-world") == 0) {
        sweep_container_world(b);
    } else if (strcmp(what, "volumes-down") == 0) {
        sw->volumes_ok = false;
        snprintf(sw->volumes_error, sizeof(sw->volumes_error), "%s", rest);
    } else if (strcmp(what, "down") == 0) {
        sw->ok = false;
        snprintf(sw->error, sizeof(sw->error), "%s", rest);
    } else if (strcmp(what, "security-options") == 0) {
        return docker_list(&sw->info.security_options, b->security_options, rest, err, errlen);
    } else if (strcmp(what, "insecure-cidrs") == 0) {
        return docker_list(&sw->info.insecure_registry_cidrs, b->insecure_cidrs, rest, err, errlen);
    } else if (strcmp(what, "index") == 0 || strcmp(what, "network") == 0) {
        return docker_append(b, what, rest, err, errlen);
    } else if (strcmp(what, "no-networks") == 0) {
        sw->n_networks = 0;
    } else {
        snprintf(err, errlen, "no such docker line: %s", what);
        return -1;
    }
    return 0;
}

/* An `image` or `container` line: one more of them in the sweep. */
static int add_line(struct run *r, const char *word, char *rest, char *err, size_t errlen)
{
    const char *name = case_word(&rest);
    const char *of = case_word(&rest);
    long long n;
    if (strcmp(word, "image") == 0) {
        if (cases_integer(of, &n, err, errlen) != 0)
            return -1;
        sweep_add_image(&r->b, strcmp(name, "-") == 0 ? NULL : name, n);
        return 0;
    }
    const struct docker_image *img = NULL;
    if (strcmp(of, "-") != 0) {
        if (cases_integer(of, &n, err, errlen) != 0)
            return -1;
        if (n < 0 || (size_t)n >= r->b.sw.n_images) {
            snprintf(err, errlen, "no image %lld above", n);
            return -1;
        }
        img = &r->b.images[n];
    }
    sweep_add_container(&r->b, strcmp(name, "-") == 0 ? NULL : name, img, rest);
    return 0;
}

/* Where an `image-invalid` ... line sets its bit: the last image or container, /info, /version. */
static uint64_t *invalid_of(struct sweep_build *b, const char *word)
{
    size_t ni = b->sw.n_images, nc = b->sw.n_containers;
    if (strcmp(word, "image-invalid") == 0)
        return ni ? &b->images[ni - 1].invalid : NULL;
    if (strcmp(word, "container-invalid") == 0)
        return nc ? &b->containers[nc - 1].invalid : NULL;
    if (strcmp(word, "info-invalid") == 0)
        return &b->sw.info.invalid;
    return strcmp(word, "version-invalid") == 0 ? &b->sw.version.invalid : NULL;
}

/* A line that changes the last image or container above, or says a field was left out. */
static int change_line(struct run *r, const char *word, char *rest, char *err, size_t errlen)
{
    struct sweep_build *b = &r->b;
    size_t i = b->sw.n_images ? b->sw.n_images - 1 : 0;
    struct docker_image *img = b->sw.n_images ? &b->images[i] : NULL;
    struct docker_container *c = b->sw.n_containers ? &b->containers[b->sw.n_containers - 1] : NULL;
    uint64_t *invalid = invalid_of(b, word);
    long long n;
    if (invalid != NULL && field_bit(word, rest) != 0) {
        *invalid |= field_bit(word, rest);
        if (strcmp(word, "version-invalid") == 0 && strcmp(rest, "version") == 0)
            b->sw.version.version = NULL;
    } else if (img != NULL && strcmp(word, "image-in-use") == 0) {
        if (cases_integer(rest, &n, err, errlen) != 0)
            return -1;
        img->containers_using = (size_t)n;
    } else if (img != NULL && strcmp(word, "image-no-healthcheck") == 0) {
        img->has_healthcheck = false;
    } else if (img != NULL && strcmp(word, "image-history") == 0) {
        if (img->history.len >= SWEEP_BUILD_HISTORY) {
            snprintf(err, errlen, "more than %d history entries", SWEEP_BUILD_HISTORY);
            return -1;
        }
        b->history[i][img->history.len++] = (char *)case_text_arg(rest);
        img->history.items = b->history[i];
    } else if (c != NULL && strcmp(word, "container-image-id") == 0) {
        c->image_id = rest;
    } else {
        snprintf(err, errlen, "unknown line, or no image or container above it");
        return -1;
    }
    return 0;
}

/*
 * The fields of a container a `NAME VALUE` line sets (it changes the last
 * container above), named as the API names them; their types and places
 * are tests/docker_fields.h's: text, a yes or no (true or false), a
 * number, or a list (items separated by " | "; none: an empty list).
 */
static const struct {
    const char *api, *member;
} api_names[] = {
    { "Id", "id" },
    { "Name", "name" },
    { "Image", "image_id" },
    { "Config.Image", "image" },
    { "Config.User", "user" },
    { "Config.Healthcheck", "health_test" },
    { "Config.Env", "env_names" },
    { "Config.ExposedPorts", "exposed_ports" },
    { "State.Status", "state" },
    { "State.Running", "running" },
    { "State.Pid", "pid" },
    { "State.Health", "has_health" },
    { "State.Health.Status", "health_status" },
    { "AppArmorProfile", "apparmor_profile" },
    { "HostConfig.SecurityOpt", "security_opt" },
    { "HostConfig.Privileged", "privileged" },
    { "HostConfig.CapAdd", "cap_add" },
    { "HostConfig.CapDrop", "cap_drop" },
    { "HostConfig.NetworkMode", "network_mode" },
    { "HostConfig.PidMode", "pid_mode" },
    { "HostConfig.IpcMode", "ipc_mode" },
    { "HostConfig.UTSMode", "uts_mode" },
    { "HostConfig.UsernsMode", "userns_mode" },
    { "HostConfig.CgroupParent", "cgroup_parent" },
    { "HostConfig.Memory", "memory" },
    { "HostConfig.CpuShares", "cpu_shares" },
    { "HostConfig.NanoCpus", "nano_cpus" },
    { "HostConfig.CpuQuota", "cpu_quota" },
    { "HostConfig.PidsLimit", "pids_limit" },
    { "HostConfig.ReadonlyRootfs", "readonly_rootfs" },
    { "HostConfig.PublishAllPorts", "publish_all" },
    { "HostConfig.RestartPolicy.Name", "restart_policy" },
    { "HostConfig.RestartPolicy.MaximumRetryCount", "restart_max_retries" },
    { "HostConfig.Devices", "devices" },
    { "HostConfig.Ulimits", "ulimits" },
    { "NetworkSettings.Networks", "networks" },
};

/* The field of struct docker_container a line's NAME is, or NULL. */
static const struct field *api_field(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(api_names); i++) {
        if (strcmp(api_names[i].api, name) != 0)
            continue;
        for (size_t k = 0; k < ARRAY_LEN(fields); k++)
            if (fields[k].owner == O_CONTAINER && strcmp(fields[k].name, api_names[i].member) == 0)
                return &fields[k];
    }
    return NULL;
}

/*
 * A `NAME VALUE` line for field f of container ci (HostConfig.PidsLimit
 * null: unset). Returns 0, or -1 with err filled.
 */
static int field_line(struct sweep_build *b, size_t ci, const struct field *f, char *value,
                      char *err, size_t errlen)
{
    void *at = (char *)&b->containers[ci] + f->offset;
    long long n = 0;
    switch (f->kind) {
    case K_STR:
        *(char **)at = (char *)case_text_arg(value);
        return 0;
    case K_BOOL:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
            snprintf(err, errlen, "want true or false, not \"%s\"", value);
            return -1;
        }
        *(bool *)at = value[0] == 't';
        if (at == &b->containers[ci].has_health && value[0] == 'f')
            b->containers[ci].health_status = NULL; /* no State.Health: no status */
        return 0;
    case K_I64:
    case K_LONG:
        if (at == &b->containers[ci].pids_limit) {
            b->containers[ci].pids_limit_set = strcmp(value, "null") != 0;
            if (!b->containers[ci].pids_limit_set)
                value = "0";
        }
        if (cases_integer(value, &n, err, errlen) != 0)
            return -1;
        if (f->kind == K_LONG)
            *(long *)at = (long)n;
        else
            *(int64_t *)at = n;
        return 0;
    case K_LIST:
        break;
    default:
        snprintf(err, errlen, "no case sets a field of this kind");
        return -1;
    }
    size_t li = 0; /* the field's place among the list fields */
    for (size_t i = 0; i < ARRAY_LEN(fields) && &fields[i] != f; i++)
        li += fields[i].owner == O_CONTAINER && fields[i].kind == K_LIST;
    if (li >= SWEEP_BUILD_LISTS) {
        snprintf(err, errlen, "more list fields than SWEEP_BUILD_LISTS (%d)", SWEEP_BUILD_LISTS);
        return -1;
    }
    char **items = b->lists[ci][li];
    struct str_list *list = at;
    *list = (struct str_list){ items, 0 };
    for (char *item = value; *item != '\0';) {
        if (list->len >= SWEEP_BUILD_ITEMS) {
            snprintf(err, errlen, "more than %d items", SWEEP_BUILD_ITEMS);
            return -1;
        }
        char *bar = strstr(item, " | ");
        items[list->len++] = item;
        if (bar == NULL)
            break;
        *bar = '\0';
        item = bar + 3;
    }
    return 0;
}

/*
 * A `mount`, `port` or `live-port` line: one more of the last container's
 * (the first such line replaces what the container had). `-` is an empty
 * text.
 *   mount TYPE SOURCE DESTINATION PROPAGATION rw|ro [VOLUME DRIVER]
 *   port CONTAINER-PORT HOST-IP HOST-PORT[-LAST]   (live-port: NetworkSettings.Ports)
 */
static int binding_line(struct sweep_build *b, size_t ci, const char *word, char *rest, char *err,
                        size_t errlen)
{
    struct docker_container *c = &b->containers[ci];
    char *w[7];
    size_t n = 0;
    for (char *x = case_word(&rest); *x != '\0' && n < ARRAY_LEN(w); x = case_word(&rest))
        w[n++] = strcmp(x, "-") == 0 ? "" : x;
    if (strcmp(word, "mount") == 0) {
        if ((n != 5 && n != 7) || (strcmp(w[4], "rw") != 0 && strcmp(w[4], "ro") != 0)) {
            snprintf(err, errlen,
                     "want mount TYPE SOURCE DESTINATION PROPAGATION rw|ro "
                     "[VOLUME DRIVER]");
            return -1;
        }
        if (c->mounts != b->mounts[ci])
            c->n_mounts = 0;
        c->mounts = b->mounts[ci];
        if (c->n_mounts >= SWEEP_BUILD_MOUNTS) {
            snprintf(err, errlen, "more than %d mounts", SWEEP_BUILD_MOUNTS);
            return -1;
        }
        c->mounts[c->n_mounts++] = (struct docker_mount){
            w[0], w[1], w[2], w[3], w[4][1] == 'w', n == 7 ? w[5] : NULL, n == 7 ? w[6] : NULL
        };
        return 0;
    }
    bool live = word[0] == 'l';
    struct docker_port_binding *own = live ? b->live_ports[ci] : b->ports[ci];
    struct docker_port_binding **list = live ? &c->live_ports : &c->ports;
    size_t *len = live ? &c->n_live_ports : &c->n_ports;
    unsigned long lo = 0, hi = 0;
    char tail[8] = "";
    int got = n == 3 ? sscanf(w[2], "%lu-%lu%7s", &lo, &hi, tail) : 0;
    if (got < 1 || got > 2 || lo > 65535 || hi > 65535) {
        snprintf(err, errlen, "want %s CONTAINER-PORT HOST-IP HOST-PORT[-LAST]", word);
        return -1;
    }
    if (*list != own)
        *len = 0;
    *list = own;
    if (*len >= SWEEP_BUILD_MOUNTS) {
        snprintf(err, errlen, "more than %d ports", SWEEP_BUILD_MOUNTS);
        return -1;
    }
    own[(*len)++] = (struct docker_port_binding){ w[0], w[1], (unsigned)lo,
                                                  got == 2 ? (unsigned)hi : (unsigned)lo };
    return 0;
}

/*
 * A line about the last container above: hardened NAME adds one (sweep_add_hardened);
 * stopped STATE, never-started, no-ports, no-live-ports, process-extra COMM, a field,
 * a mount or a port. 1: not such a line.
 */
static int container_line(struct run *r, const char *word, char *rest, char *err, size_t errlen)
{
    struct sweep_build *b = &r->b;
    if (strcmp(word, "hardened") == 0) {
        sweep_add_hardened(b, rest);
        return 0;
    }
    if (b->sw.n_containers == 0)
        return 1;
    size_t ci = b->sw.n_containers - 1;
    struct docker_container *c = &b->containers[ci];
    const struct field *f = api_field(word);
    if (f != NULL)
        return field_line(b, ci, f, rest, err, errlen);
    if (strcmp(word, "mount") == 0 || strcmp(word, "port") == 0 || strcmp(word, "live-port") == 0)
        return binding_line(b, ci, word, rest, err, errlen);
    if (strcmp(word, "stopped") == 0) {
        sweep_stop(c, rest);
    } else if (strcmp(word, "never-started") == 0) {
        c->never_started = true;
    } else if (strcmp(word, "no-ports") == 0) {
        c->ports = NULL;
        c->n_ports = 0;
    } else if (strcmp(word, "no-live-ports") == 0) {
        c->live_ports = b->live_ports[ci]; /* NetworkSettings.Ports {} */
        c->n_live_ports = 0;
    } else if (strcmp(word, "process-extra") == 0) {
        r->extra[ci] = rest;
    } else {
        return 1;
    }
    return 0;
}

/* A line of a case the runner does not know: the sweep's, or the option. */
static int sweep_line(void *arg, const char *word, char *rest, char *err, size_t errlen)
{
    struct run *r = arg;
    if (strcmp(word, "option") == 0) {
        r->opt.name = case_word(&rest);
        r->opt.value = rest;
        return 0;
    }
    if (strcmp(word, "processes") == 0) {
        r->processes = true;
        return 0;
    }
    if (!r->has_sweep) {
        r->has_sweep = true;
        r->b.sw.ok = true;
    }
    if (strcmp(word, "docker") == 0)
        return docker_line(r, rest, err, errlen);
    if (strcmp(word, "image") == 0 || strcmp(word, "container") == 0)
        return add_line(r, word, rest, err, errlen);
    int rc = container_line(r, word, rest, err, errlen);
    return rc != 1 ? rc : change_line(r, word, rest, err, errlen);
}

static void sweep_prepare(void *arg, struct collect_ctx *ctx)
{
    struct run *r = arg;
    if (r->has_sweep)
        sweep_live_ports(&r->b);
    for (size_t i = 0; r->processes && i < r->b.sw.n_containers; i++) {
        if (r->b.containers[i].running)
            sweep_processes(&r->h.fx, &r->b.containers[i], r->extra[i]);
    }
    ctx->docker = r->has_sweep ? &r->b.sw : NULL;
    ctx->options = r->opt.name != NULL ? &r->opt : NULL;
    ctx->n_options = r->opt.name != NULL ? 1 : 0;
}

static const struct cases_hooks sweep_hooks = {
    .begin = sweep_begin,
    .line = sweep_line,
    .prepare = sweep_prepare,
};

static void run_file(void **state, const char *name)
{
    struct run *r = *state;
    assert_true(cases_run_file(&r->h, name, &sweep_hooks, r) > 0);
}

/* The host collector: CIS 1.1.1, 1.1.3-1.1.18, 1.2.1, 1.2.2. */
static void test_host(void **state)
{
    run_file(state, "host.cases");
}

/* The daemon_config collector: CIS 2.1-2.18, 5.1 and 7.1-7.9. */
static void test_daemon_config(void **state)
{
    run_file(state, "daemon_config.cases");
}

/* The container_runtime collector: CIS 4.1, section 5, 6.2 and dockward.env_secret. */
static void test_container_runtime(void **state)
{
    run_file(state, "container_runtime.cases");
}

/* The image_age collector: CIS 4.5, 4.7, 4.9, dockward.image_age and image_in_use_age. */
static void test_image_age(void **state)
{
    run_file(state, "image_age.cases");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_host),
        T(test_daemon_config),
        T(test_image_age),
        T(test_container_runtime),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
