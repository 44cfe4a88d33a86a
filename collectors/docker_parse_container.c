/*
 * docker_parse_container.c - GET /containers/{id}/json into struct
 * docker_container (docker.h), and its free and field names.
 *
 * The plain members are one table, container_fields, read by
 * docker_fields_read (docker_json.h) and freed by docker_fields_free; the
 * members that are lists of objects or maps (mounts, port bindings,
 * devices, ulimits, networks, the health check, the restart policy) are
 * read by the functions below, each with the rule of the table: absent or
 * mistyped sets the field's DOCKER_F_C_* bit and leaves it zero/NULL, caps
 * at DOCKER_STRING_MAX and DOCKER_LIST_MAX. Env values are never copied
 * (names only) and are wiped in the tree before it is freed.
 */
#include "docker_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTAINER_FIELD(path, type, presence, member, bit)                   \
    {                                                                        \
        path, type, presence, offsetof(struct docker_container, member), bit \
    }

/* The plain members of a container, below the answer's top level. */
static const struct docker_field container_fields[] = {
    CONTAINER_FIELD("Name", FIELD_STRING, FIELD_REQUIRED, name, DOCKER_F_C_NAME),
    CONTAINER_FIELD("Config.Image", FIELD_STRING, FIELD_REQUIRED, image, DOCKER_F_C_IMAGE),
    CONTAINER_FIELD("Image", FIELD_STRING, FIELD_REQUIRED, image_id, DOCKER_F_C_IMAGE),
    CONTAINER_FIELD("State.Status", FIELD_STRING, FIELD_REQUIRED, state, DOCKER_F_C_STATE),
    CONTAINER_FIELD("State.Running", FIELD_BOOL, FIELD_REQUIRED, running, DOCKER_F_C_STATE),
    CONTAINER_FIELD("State.Pid", FIELD_LONG, FIELD_REQUIRED, pid, DOCKER_F_C_PID),
    CONTAINER_FIELD("Config.User", FIELD_STRING, FIELD_REQUIRED, user, DOCKER_F_C_USER),
    CONTAINER_FIELD("Config.Env", FIELD_LIST_NAMES, FIELD_REQUIRED, env_names, DOCKER_F_C_ENV),
    CONTAINER_FIELD("AppArmorProfile", FIELD_STRING, FIELD_REQUIRED, apparmor_profile,
                    DOCKER_F_C_APPARMOR),
    CONTAINER_FIELD("HostConfig.SecurityOpt", FIELD_LIST_SECURITY_OPT, FIELD_REQUIRED, security_opt,
                    DOCKER_F_C_SECURITY_OPT),
    CONTAINER_FIELD("HostConfig.Privileged", FIELD_BOOL, FIELD_REQUIRED, privileged,
                    DOCKER_F_C_PRIVILEGED),
    CONTAINER_FIELD("HostConfig.CapAdd", FIELD_LIST, FIELD_REQUIRED, cap_add, DOCKER_F_C_CAP_ADD),
    CONTAINER_FIELD("HostConfig.CapDrop", FIELD_LIST, FIELD_REQUIRED, cap_drop,
                    DOCKER_F_C_CAP_DROP),
    CONTAINER_FIELD("HostConfig.NetworkMode", FIELD_STRING, FIELD_REQUIRED, network_mode,
                    DOCKER_F_C_NETWORK_MODE),
    CONTAINER_FIELD("HostConfig.PidMode", FIELD_STRING, FIELD_REQUIRED, pid_mode,
                    DOCKER_F_C_PID_MODE),
    CONTAINER_FIELD("HostConfig.IpcMode", FIELD_STRING, FIELD_REQUIRED, ipc_mode,
                    DOCKER_F_C_IPC_MODE),
    CONTAINER_FIELD("HostConfig.UTSMode", FIELD_STRING, FIELD_REQUIRED, uts_mode,
                    DOCKER_F_C_UTS_MODE),
    CONTAINER_FIELD("HostConfig.UsernsMode", FIELD_STRING, FIELD_REQUIRED, userns_mode,
                    DOCKER_F_C_USERNS_MODE),
    CONTAINER_FIELD("HostConfig.CgroupParent", FIELD_STRING, FIELD_REQUIRED, cgroup_parent,
                    DOCKER_F_C_CGROUP_PARENT),
    CONTAINER_FIELD("HostConfig.Memory", FIELD_INT64, FIELD_REQUIRED, memory, DOCKER_F_C_MEMORY),
    CONTAINER_FIELD("HostConfig.CpuShares", FIELD_INT64, FIELD_REQUIRED, cpu_shares,
                    DOCKER_F_C_CPU),
    CONTAINER_FIELD("HostConfig.CpuQuota", FIELD_INT64, FIELD_REQUIRED, cpu_quota, DOCKER_F_C_CPU),
    /* NanoCpus arrived in API 1.25; on a 1.24 daemon it is absent, i.e. unset. */
    CONTAINER_FIELD("HostConfig.NanoCpus", FIELD_INT64, FIELD_OPTIONAL, nano_cpus, DOCKER_F_C_CPU),
    CONTAINER_FIELD("HostConfig.ReadonlyRootfs", FIELD_BOOL, FIELD_REQUIRED, readonly_rootfs,
                    DOCKER_F_C_READONLY_ROOTFS),
    /* PublishAllPorts is omitted by no API version we speak; absent is "not asked". */
    CONTAINER_FIELD("HostConfig.PublishAllPorts", FIELD_BOOL, FIELD_OPTIONAL, publish_all,
                    DOCKER_F_C_PUBLISH_ALL),
};

/* State.Health, when it is an object. */
static const struct docker_field health_fields[] = {
    CONTAINER_FIELD("Status", FIELD_STRING, FIELD_OPTIONAL, health_status, DOCKER_F_C_HEALTH),
};

/* One element of Mounts; any bad field drops the mount (bit 0 of a local mask). */
#define MOUNT_FIELD(path, type, presence, member)                      \
    {                                                                  \
        path, type, presence, offsetof(struct docker_mount, member), 0 \
    }
static const struct docker_field mount_fields[] = {
    MOUNT_FIELD("Type", FIELD_STRING, FIELD_REQUIRED, type),
    MOUNT_FIELD("Source", FIELD_STRING, FIELD_REQUIRED, source),
    MOUNT_FIELD("Destination", FIELD_STRING, FIELD_REQUIRED, destination),
    MOUNT_FIELD("Propagation", FIELD_STRING, FIELD_OPTIONAL, propagation),
    MOUNT_FIELD("Name", FIELD_STRING, FIELD_OPTIONAL, name),
    MOUNT_FIELD("Driver", FIELD_STRING, FIELD_OPTIONAL, driver),
    MOUNT_FIELD("RW", FIELD_BOOL, FIELD_REQUIRED, rw),
};

/* HostConfig.RestartPolicy, read into a struct restart_policy; any bad field is the bit. */
struct restart_policy {
    char *name;
    long retries;
};
static const struct docker_field restart_fields[] = {
    { "Name", FIELD_STRING, FIELD_REQUIRED, offsetof(struct restart_policy, name), 0 },
    { "MaximumRetryCount", FIELD_LONG, FIELD_OPTIONAL, offsetof(struct restart_policy, retries),
      0 },
};

/* State.StartedAt and State.Health (Status, Running and Pid are in container_fields). */
static void parse_state(struct parse_ctx *p, const cJSON *st, struct docker_container *c)
{
    /* A container that never ran has the zero time; absent (old APIs) counts as started. */
    const char *started = cJSON_GetStringValue(json_member(st, "StartedAt"));
    c->never_started = started != NULL && strncmp(started, "0001-01-01T00:00:00", 19) == 0;
    const cJSON *health = json_member(st, "Health");
    if (health == NULL || cJSON_IsNull(health)) {
        if (!cJSON_IsObject(st))
            c->invalid |= BIT(DOCKER_F_C_HEALTH);
        return;
    }
    if (!cJSON_IsObject(health)) {
        c->invalid |= BIT(DOCKER_F_C_HEALTH);
        return;
    }
    c->has_health = true;
    docker_fields_read(p, health, health_fields, FIELDS_N(health_fields), c, &c->invalid);
}

/*
 * Config.Healthcheck.Test[0]: the health check a start runs (the image's is
 * merged into the container's Config at create). Absent, null, or an empty
 * Test: "" (none). A mistyped one sets the State.Health bit.
 */
static void parse_health_test(struct parse_ctx *p, const cJSON *config, struct docker_container *c)
{
    const cJSON *hc = json_member(config, "Healthcheck");
    const cJSON *test = json_member(hc, "Test");
    const char *first = "";
    if (hc != NULL && !cJSON_IsNull(hc) && !cJSON_IsObject(hc)) {
        c->invalid |= BIT(DOCKER_F_C_HEALTH);
    } else if (test != NULL && !cJSON_IsNull(test)) {
        if (!cJSON_IsArray(test)) {
            c->invalid |= BIT(DOCKER_F_C_HEALTH);
        } else if (cJSON_GetArraySize(test) > 0) {
            first = cJSON_GetStringValue(cJSON_GetArrayItem(test, 0));
            if (first == NULL) {
                c->invalid |= BIT(DOCKER_F_C_HEALTH);
                first = "";
            } else if (strlen(first) > 16) {
                first = "(unknown)"; /* getProbe runs nothing for a type it does not know */
            }
        }
    }
    c->health_test = parse_dup(p, first, strlen(first));
}

static void parse_mounts(struct parse_ctx *p, const cJSON *mounts, struct docker_container *c)
{
    const uint64_t bit = BIT(DOCKER_F_C_MOUNTS);
    size_t cap = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, json_items_of(mounts, false, &c->invalid, bit))
    {
        if (c->n_mounts >= DOCKER_LIST_MAX) {
            c->invalid |= bit;
            break;
        }
        uint64_t bad = 0;
        struct docker_mount dm = { 0 };
        docker_fields_read(p, m, mount_fields, FIELDS_N(mount_fields), &dm, &bad);
        if (bad != 0 || p->oom || !parse_grow(p, &c->mounts, c->n_mounts, &cap, sizeof(dm))) {
            c->invalid |= bit;
            docker_fields_free(mount_fields, FIELDS_N(mount_fields), &dm);
            continue;
        }
        c->mounts[c->n_mounts++] = dm;
    }
}

/* One port number of 1 to 5 digits, at most 65535, ending at `end`; false otherwise. */
static bool parse_port_number(const char *s, const char *end, unsigned *out)
{
    if (s == end || end - s > 5)
        return false;
    unsigned v = 0;
    for (const char *q = s; q < end; q++) {
        if (*q < '0' || *q > '9')
            return false;
        v = v * 10 + (unsigned)(*q - '0');
    }
    if (v > 65535)
        return false;
    *out = v;
    return true;
}

/*
 * A HostPort as dockerd stores it: "8080" -> 8080..8080, "" -> 0 (Docker
 * picks one), "80-90" -> 80..90 (a range dockerd accepts: it binds one port
 * of it at start, nat.ParsePortRange). False for anything else.
 */
static bool parse_host_port(const char *s, unsigned *lo, unsigned *hi)
{
    if (*s == '\0') {
        *lo = *hi = 0;
        return true;
    }
    const char *dash = strchr(s, '-');
    /* nat.SplitProtoPort: "8080/tcp" is port 8080 (dockerd accepts it from the API). */
    const char *slash = strchr(s, '/');
    const char *end = slash != NULL ? slash : s + strlen(s);
    if (dash != NULL && dash > end)
        return false;
    if (dash == NULL) {
        if (!parse_port_number(s, end, lo))
            return false;
        *hi = *lo;
        return true;
    }
    if (!parse_port_number(s, dash, lo) || !parse_port_number(dash + 1, end, hi) || *hi < *lo)
        return false;
    return true;
}

/*
 * A port map ({"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "81/tcp": null})
 * into *out: HostConfig.PortBindings or NetworkSettings.Ports (where null
 * is an exposed port with no host binding). Problems set `bit`.
 */
static void parse_ports(struct parse_ctx *p, const cJSON *pb, struct docker_port_binding **out,
                        size_t *n_out, uint64_t bit, struct docker_container *c)
{
    size_t cap = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, json_items_of(pb, true, &c->invalid, bit))
    {
        if (cJSON_IsNull(entry)) /* a port with no binding */
            continue;
        if (!cJSON_IsArray(entry) || entry->string == NULL ||
            strlen(entry->string) > DOCKER_STRING_MAX) {
            c->invalid |= bit;
            continue;
        }
        const cJSON *b;
        cJSON_ArrayForEach(b, entry)
        {
            if (*n_out >= DOCKER_LIST_MAX) {
                c->invalid |= bit;
                return;
            }
            const char *ip = json_kept_string(json_member(b, "HostIp"));
            const char *port = cJSON_GetStringValue(json_member(b, "HostPort"));
            unsigned lo = 0, hi = 0;
            if (ip == NULL || port == NULL || !parse_host_port(port, &lo, &hi)) {
                c->invalid |= bit;
                continue;
            }
            if (!parse_grow(p, out, *n_out, &cap, sizeof(**out)))
                return;
            struct docker_port_binding pbnd = {
                .container_port = parse_dup(p, entry->string, strlen(entry->string)),
                .host_ip = parse_dup(p, ip, strlen(ip)),
                .host_port = lo,
                .host_port_hi = hi,
            };
            if (pbnd.container_port == NULL || pbnd.host_ip == NULL) {
                free(pbnd.container_port);
                free(pbnd.host_ip);
                return;
            }
            (*out)[(*n_out)++] = pbnd;
        }
    }
}

static void parse_restart(struct parse_ctx *p, const cJSON *rp, struct docker_container *c)
{
    const uint64_t bit = BIT(DOCKER_F_C_RESTART_POLICY);
    uint64_t bad = 0;
    struct restart_policy r = { NULL, 0 };
    docker_fields_read(p, rp, restart_fields, FIELDS_N(restart_fields), &r, &bad);
    char *name = r.name;
    long retries = r.retries;
    if (bad != 0 || name == NULL) {
        free(name);
        c->invalid |= bit;
        return;
    }
    if (name[0] == '\0') { /* the API's default policy: never restart */
        free(name);
        name = parse_dup(p, "no", 2);
    }
    c->restart_policy = name;
    c->restart_max_retries = retries;
}

/*
 * The lists of entries (docker.h): devices and ulimits. An entry function
 * writes the entry of one element into `text` (ENTRY_TEXT_MAX bytes), or
 * returns false when the element is not one.
 */
#define ENTRY_TEXT_MAX (2 * DOCKER_STRING_MAX + 64)
typedef bool entry_text_fn(const cJSON *el, char *text, size_t size);

/*
 * Each element of the array `arr` as one entry of `list` (*cap its
 * capacity, kept for the entries added after): an element `text_of`
 * refuses, one past DOCKER_LIST_MAX, and `arr` when it is not an array or
 * null set `bit` in *invalid. Absent is the caller's to judge.
 */
static void parse_entries(struct parse_ctx *p, const cJSON *arr, entry_text_fn *text_of,
                          struct str_list *list, size_t *cap, uint64_t *invalid, uint64_t bit)
{
    char text[ENTRY_TEXT_MAX];
    const cJSON *el;
    cJSON_ArrayForEach(el, json_items_of(arr, false, invalid, bit))
    {
        if (list->len >= DOCKER_LIST_MAX || !text_of(el, text, sizeof(text))) {
            *invalid |= bit;
            continue;
        }
        parse_str_list_push(p, list, cap, text, strlen(text));
        if (p->oom)
            return;
    }
}

/* HostConfig.Devices: "PathOnHost:PathInContainer". */
static bool device_text(const cJSON *d, char *text, size_t size)
{
    const char *host = json_kept_string(json_member(d, "PathOnHost"));
    const char *cont = json_kept_string(json_member(d, "PathInContainer"));
    if (host == NULL || cont == NULL)
        return false;
    snprintf(text, size, "%s:%s", host, cont);
    return true;
}

/* HostConfig.DeviceCgroupRules (--device-cgroup-rule): "cgroup rule RULE". */
static bool cgroup_rule_text(const cJSON *r, char *text, size_t size)
{
    const char *rule = json_kept_string(r);
    if (rule == NULL)
        return false;
    snprintf(text, size, "cgroup rule %s", rule);
    return true;
}

/* Appends s (at most 32 bytes) to the comma list in buf[size], *used long; skips what does not fit.
 */
static void comma_list_add(char *buf, size_t size, size_t *used, const char *s)
{
    if (s == NULL || strlen(s) > 32 || *used + strlen(s) + 2 >= size)
        return;
    *used += (size_t)snprintf(buf + *used, size - *used, "%s%s", *used > 0 ? "," : "", s);
}

/*
 * HostConfig.DeviceRequests (--gpus): "request DRIVER devices=IDS CAPS" when
 * it names devices, "request DRIVER count=N CAPS" otherwise.
 */
static bool device_request_text(const cJSON *r, char *text, size_t size)
{
    const char *driver = cJSON_GetStringValue(json_member(r, "Driver"));
    int64_t count = 0;
    if (!cJSON_IsObject(r) || !json_int64(json_member(r, "Count"), &count))
        return false;
    /* Capabilities: [["gpu"], ...]; the first of each set, for the evidence. */
    char caps[128] = "";
    size_t used = 0;
    const cJSON *set;
    cJSON_ArrayForEach(set, json_member(r, "Capabilities"))
    {
        comma_list_add(caps, sizeof(caps), &used, cJSON_GetStringValue(cJSON_GetArrayItem(set, 0)));
    }
    /* DeviceIDs (--gpus device=0,1): which ones, rather than a count of 0. */
    char ids[128] = "";
    size_t ids_used = 0;
    const cJSON *id;
    cJSON_ArrayForEach(id, json_member(r, "DeviceIDs"))
    {
        comma_list_add(ids, sizeof(ids), &ids_used, cJSON_GetStringValue(id));
    }
    char what[160];
    if (ids[0] != '\0')
        snprintf(what, sizeof(what), "devices=%s", ids);
    else
        snprintf(what, sizeof(what), "count=%" PRId64, count);
    snprintf(text, size, "request %.64s %s%s%s",
             driver != NULL && driver[0] != '\0' ? driver : "(any driver)", what,
             caps[0] != '\0' ? " " : "", caps);
    return true;
}

/* HostConfig.Ulimits: "NAME=SOFT:HARD". */
static bool ulimit_text(const cJSON *u, char *text, size_t size)
{
    const char *name = json_kept_string(json_member(u, "Name"));
    int64_t soft = 0, hard = 0;
    if (name == NULL || !json_int64(json_member(u, "Soft"), &soft) ||
        !json_int64(json_member(u, "Hard"), &hard))
        return false;
    snprintf(text, size, "%s=%" PRId64 ":%" PRId64, name, soft, hard);
    return true;
}

/*
 * The keys of a map (NetworkSettings.Networks, Config.ExposedPorts) into a
 * list: null is none; not an object, a key over DOCKER_STRING_MAX or more
 * than DOCKER_LIST_MAX of them set `bit`.
 */
static void push_keys(struct parse_ctx *p, const cJSON *map, struct str_list *out,
                      uint64_t *invalid, uint64_t bit)
{
    size_t cap = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, json_items_of(map, true, invalid, bit))
    {
        if (n->string == NULL || strlen(n->string) > DOCKER_STRING_MAX ||
            out->len >= DOCKER_LIST_MAX) {
            *invalid |= bit;
            continue;
        }
        parse_str_list_push(p, out, &cap, n->string, strlen(n->string));
    }
}

/* Config.Labels: {"name": "value"} as "name=value" items, capped like any list. */
static void parse_labels(struct parse_ctx *p, const cJSON *labels, struct docker_container *c)
{
    if (!cJSON_IsObject(labels))
        return;
    size_t cap = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, labels)
    {
        const char *v = cJSON_GetStringValue(item);
        if (v == NULL || item->string == NULL || c->labels.len >= DOCKER_LIST_MAX ||
            strlen(item->string) + strlen(v) >= DOCKER_STRING_MAX)
            continue;
        if (!parse_str_list_join(p, &c->labels, &cap, item->string, '=', v))
            return;
    }
}

/* What of HostConfig is not in container_fields. */
static void parse_host_config(struct parse_ctx *p, const cJSON *hc, struct docker_container *c)
{
    uint64_t *inv = &c->invalid;
    const cJSON *pids = json_member(hc, "PidsLimit");
    if (cJSON_IsNull(pids))
        c->pids_limit_set = false;
    else if (json_int64(pids, &c->pids_limit))
        c->pids_limit_set = true;
    else
        *inv |= BIT(DOCKER_F_C_PIDS_LIMIT);
    const cJSON *pb = json_member(hc, "PortBindings");
    if (pb == NULL)
        *inv |= BIT(DOCKER_F_C_PORTS);
    else
        parse_ports(p, pb, &c->ports, &c->n_ports, BIT(DOCKER_F_C_PORTS), c);
    parse_restart(p, json_member(hc, "RestartPolicy"), c);
    /*
     * Devices, and the host devices of DeviceCgroupRules and DeviceRequests
     * (both optional: absent or null is none) in the same list, for 5.18.
     */
    const cJSON *devs = json_member(hc, "Devices");
    if (devs == NULL) {
        *inv |= BIT(DOCKER_F_C_DEVICES);
    } else {
        static const struct {
            const char *member;
            entry_text_fn *text_of;
        } sources[] = { { "Devices", device_text },
                        { "DeviceCgroupRules", cgroup_rule_text },
                        { "DeviceRequests", device_request_text } };
        size_t cap = 0;
        for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]) && !p->oom; i++) {
            const cJSON *arr = json_member(hc, sources[i].member);
            if (arr != NULL)
                parse_entries(p, arr, sources[i].text_of, &c->devices, &cap, inv,
                              BIT(DOCKER_F_C_DEVICES));
        }
    }
    const cJSON *uls = json_member(hc, "Ulimits");
    size_t ulimits_cap = 0;
    if (uls == NULL)
        *inv |= BIT(DOCKER_F_C_ULIMITS);
    else
        parse_entries(p, uls, ulimit_text, &c->ulimits, &ulimits_cap, inv, BIT(DOCKER_F_C_ULIMITS));
}

/* What a container's answer holds beyond container_fields (docker_answer.read_rest). */
static void container_rest(struct parse_ctx *p, const cJSON *root, void *arg)
{
    struct docker_container *out = arg;
    uint64_t *inv = &out->invalid;
    if (out->name != NULL && out->name[0] == '/')
        memmove(out->name, out->name + 1, strlen(out->name));

    const cJSON *config = json_member(root, "Config");
    parse_state(p, json_member(root, "State"), out);
    parse_health_test(p, config, out);
    parse_labels(p, json_member(config, "Labels"), out);

    parse_host_config(p, json_member(root, "HostConfig"), out);

    const cJSON *mounts = json_member(root, "Mounts");
    if (mounts == NULL)
        *inv |= BIT(DOCKER_F_C_MOUNTS);
    else
        parse_mounts(p, mounts, out);
    const cJSON *ns = json_member(root, "NetworkSettings");
    if (!cJSON_IsObject(ns) || json_member(ns, "Networks") == NULL)
        *inv |= BIT(DOCKER_F_C_NETWORKS);
    else
        push_keys(p, json_member(ns, "Networks"), &out->networks, inv, BIT(DOCKER_F_C_NETWORKS));
    /* NetworkSettings.Ports: {} or null for a container that is not running. */
    const cJSON *live = json_member(ns, "Ports");
    if (!cJSON_IsObject(ns) || (live != NULL && !cJSON_IsNull(live) && !cJSON_IsObject(live)))
        *inv |= BIT(DOCKER_F_C_LIVE_PORTS);
    else if (live != NULL)
        parse_ports(p, live, &out->live_ports, &out->n_live_ports, BIT(DOCKER_F_C_LIVE_PORTS), out);
    /* Config.ExposedPorts: {"80/tcp": {}}; the image's EXPOSE is merged in at create. */
    const cJSON *exposed = json_member(config, "ExposedPorts");
    if (exposed != NULL)
        push_keys(p, exposed, &out->exposed_ports, inv, BIT(DOCKER_F_C_PUBLISH_ALL));
    out->overcap = p->overcap & out->invalid;

    json_wipe_env(cJSON_GetObjectItemCaseSensitive(root, "Config"));
}

DOCKER_ANSWER_PARSER(container, container_fields, container_rest, "container",
                     offsetof(struct docker_container, id))

static void port_bindings_free(struct docker_port_binding *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(v[k].container_port);
        free(v[k].host_ip);
    }
    free(v);
}

void docker_container_free(struct docker_container *c)
{
    if (c == NULL)
        return;
    free(c->id);
    docker_fields_free(container_fields, FIELDS_N(container_fields), c);
    docker_fields_free(health_fields, FIELDS_N(health_fields), c);
    free(c->health_test);
    for (size_t k = 0; k < c->n_mounts; k++)
        docker_fields_free(mount_fields, FIELDS_N(mount_fields), &c->mounts[k]);
    free(c->mounts);
    port_bindings_free(c->ports, c->n_ports);
    port_bindings_free(c->live_ports, c->n_live_ports);
    str_list_free(&c->exposed_ports);
    str_list_free(&c->labels);
    free(c->restart_policy);
    str_list_free(&c->devices);
    str_list_free(&c->ulimits);
    str_list_free(&c->networks);
    memset(c, 0, sizeof(*c));
}

const char *docker_container_field_name(enum docker_container_field f)
{
    static const char *const names[DOCKER_F_C_FIELD_COUNT] = {
        [DOCKER_F_C_NAME] = "Name",
        [DOCKER_F_C_IMAGE] = "Image/Config.Image",
        [DOCKER_F_C_STATE] = "State.Status/State.Running",
        [DOCKER_F_C_PID] = "State.Pid",
        [DOCKER_F_C_HEALTH] = "State.Health",
        [DOCKER_F_C_USER] = "Config.User",
        [DOCKER_F_C_ENV] = "Config.Env",
        [DOCKER_F_C_APPARMOR] = "AppArmorProfile",
        [DOCKER_F_C_SECURITY_OPT] = "HostConfig.SecurityOpt",
        [DOCKER_F_C_PRIVILEGED] = "HostConfig.Privileged",
        [DOCKER_F_C_CAP_ADD] = "HostConfig.CapAdd",
        [DOCKER_F_C_CAP_DROP] = "HostConfig.CapDrop",
        [DOCKER_F_C_NETWORK_MODE] = "HostConfig.NetworkMode",
        [DOCKER_F_C_PID_MODE] = "HostConfig.PidMode",
        [DOCKER_F_C_IPC_MODE] = "HostConfig.IpcMode",
        [DOCKER_F_C_UTS_MODE] = "HostConfig.UTSMode",
        [DOCKER_F_C_USERNS_MODE] = "HostConfig.UsernsMode",
        [DOCKER_F_C_CGROUP_PARENT] = "HostConfig.CgroupParent",
        [DOCKER_F_C_MEMORY] = "HostConfig.Memory",
        [DOCKER_F_C_CPU] = "HostConfig.CpuShares/NanoCpus/CpuQuota",
        [DOCKER_F_C_PIDS_LIMIT] = "HostConfig.PidsLimit",
        [DOCKER_F_C_READONLY_ROOTFS] = "HostConfig.ReadonlyRootfs",
        [DOCKER_F_C_MOUNTS] = "Mounts",
        [DOCKER_F_C_PORTS] = "HostConfig.PortBindings",
        [DOCKER_F_C_RESTART_POLICY] = "HostConfig.RestartPolicy",
        [DOCKER_F_C_DEVICES] = "HostConfig.Devices",
        [DOCKER_F_C_ULIMITS] = "HostConfig.Ulimits",
        [DOCKER_F_C_NETWORKS] = "NetworkSettings.Networks",
        [DOCKER_F_C_LIVE_PORTS] = "NetworkSettings.Ports",
        [DOCKER_F_C_PUBLISH_ALL] = "HostConfig.PublishAllPorts/Config.ExposedPorts",
    };
    if ((int)f < 0 || f >= DOCKER_F_C_FIELD_COUNT || names[f] == NULL)
        return "unknown field";
    return names[f];
}
