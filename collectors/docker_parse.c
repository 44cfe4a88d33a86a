/*
 * docker_parse.c - turns single Docker Engine API answers into the structs of
 * docker.h (the parsers declared there, the free functions); containers are
 * docker_parse_container.c.
 *
 * Plain members are read by field tables (docker_json.h): one row a field,
 * read and freed by one loop each, with docker.h's rule (absent or of the
 * wrong JSON type: its DOCKER_F_* bit set, the value zero/NULL; strings at
 * most DOCKER_STRING_MAX bytes, lists at most DOCKER_LIST_MAX items). What
 * is not a plain member (times, maps, lists of objects) is read by hand
 * next to its table. Lists that are top-level JSON arrays are parsed one
 * element at a time (json_array_each).
 *
 * A parser that fails (not JSON, wrong top-level type, out of memory) frees
 * what it built and leaves its output zeroed.
 */
#include "docker_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_CREATED_BY_MAX 512 /* bytes kept of one history line (docker.h) */

#define FIELD_OF(st, path, type, presence, member, bit)        \
    {                                                          \
        path, type, presence, offsetof(struct st, member), bit \
    }

static const struct docker_field version_fields[] = {
    FIELD_OF(docker_version, "Version", FIELD_STRING, FIELD_REQUIRED, version,
             DOCKER_F_VERSION_VERSION),
    FIELD_OF(docker_version, "ApiVersion", FIELD_STRING, FIELD_REQUIRED, api_version,
             DOCKER_F_VERSION_API_VERSION),
    FIELD_OF(docker_version, "Os", FIELD_STRING, FIELD_OPTIONAL, os, FIELD_NO_BIT),
    FIELD_OF(docker_version, "Arch", FIELD_STRING, FIELD_OPTIONAL, arch, FIELD_NO_BIT),
    FIELD_OF(docker_version, "KernelVersion", FIELD_STRING, FIELD_OPTIONAL, kernel_version,
             FIELD_NO_BIT),
    FIELD_OF(docker_version, "GoVersion", FIELD_STRING, FIELD_OPTIONAL, go_version, FIELD_NO_BIT),
    /* Experimental is omitted when false. */
    FIELD_OF(docker_version, "Experimental", FIELD_BOOL, FIELD_OPTIONAL, experimental,
             DOCKER_F_VERSION_EXPERIMENTAL),
};

static const struct docker_field info_fields[] = {
    FIELD_OF(docker_info, "ServerVersion", FIELD_STRING, FIELD_REQUIRED, server_version,
             DOCKER_F_INFO_SERVER_VERSION),
    FIELD_OF(docker_info, "Driver", FIELD_STRING, FIELD_REQUIRED, driver, DOCKER_F_INFO_DRIVER),
    FIELD_OF(docker_info, "LoggingDriver", FIELD_STRING, FIELD_REQUIRED, logging_driver,
             DOCKER_F_INFO_LOGGING_DRIVER),
    FIELD_OF(docker_info, "LiveRestoreEnabled", FIELD_BOOL, FIELD_REQUIRED, live_restore,
             DOCKER_F_INFO_LIVE_RESTORE),
    FIELD_OF(docker_info, "SecurityOptions", FIELD_LIST, FIELD_REQUIRED, security_options,
             DOCKER_F_INFO_SECURITY_OPTIONS),
    FIELD_OF(docker_info, "RegistryConfig.InsecureRegistryCIDRs", FIELD_LIST, FIELD_REQUIRED,
             insecure_registry_cidrs, DOCKER_F_INFO_REGISTRY_CONFIG),
    FIELD_OF(docker_info, "DockerRootDir", FIELD_STRING, FIELD_REQUIRED, docker_root_dir,
             DOCKER_F_INFO_DOCKER_ROOT_DIR),
    FIELD_OF(docker_info, "ExperimentalBuild", FIELD_BOOL, FIELD_REQUIRED, experimental,
             DOCKER_F_INFO_EXPERIMENTAL),
    FIELD_OF(docker_info, "Containers", FIELD_LONG, FIELD_REQUIRED, containers,
             DOCKER_F_INFO_COUNTS),
    FIELD_OF(docker_info, "ContainersRunning", FIELD_LONG, FIELD_REQUIRED, containers_running,
             DOCKER_F_INFO_COUNTS),
    FIELD_OF(docker_info, "Images", FIELD_LONG, FIELD_REQUIRED, images, DOCKER_F_INFO_COUNTS),
};

/* Swarm, when it is an object. */
static const struct docker_field swarm_fields[] = {
    FIELD_OF(docker_info, "LocalNodeState", FIELD_STRING, FIELD_REQUIRED, swarm_state,
             DOCKER_F_INFO_SWARM),
    FIELD_OF(docker_info, "ControlAvailable", FIELD_BOOL, FIELD_OPTIONAL, swarm_control_available,
             DOCKER_F_INFO_SWARM),
    FIELD_OF(docker_info, "Managers", FIELD_LONG, FIELD_OPTIONAL, swarm_managers,
             DOCKER_F_INFO_SWARM),
    FIELD_OF(docker_info, "NodeAddr", FIELD_STRING, FIELD_OPTIONAL, swarm_node_addr,
             DOCKER_F_INFO_SWARM),
};

/* Swarm.Cluster.Spec.EncryptionConfig, when it is an object. */
static const struct docker_field swarm_autolock_fields[] = {
    FIELD_OF(docker_info, "AutoLockManagers", FIELD_BOOL, FIELD_OPTIONAL, swarm_autolock,
             DOCKER_F_INFO_SWARM),
};

static const struct docker_field image_fields[] = {
    /* RepoTags has no bit of its own: unreadable tags leave the image known by id. */
    FIELD_OF(docker_image, "RepoTags", FIELD_LIST, FIELD_REQUIRED, repo_tags, FIELD_NO_BIT),
};

/* Config, when it is an object or null. */
static const struct docker_field image_config_fields[] = {
    FIELD_OF(docker_image, "User", FIELD_STRING, FIELD_OPTIONAL, user, DOCKER_F_I_CONFIG),
};

/* ---- free ---- */

void str_list_free(struct str_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = 0;
}

void docker_version_free(struct docker_version *v)
{
    if (v == NULL)
        return;
    docker_fields_free(version_fields, FIELDS_N(version_fields), v);
    memset(v, 0, sizeof(*v));
}

void docker_info_free(struct docker_info *i)
{
    if (i == NULL)
        return;
    docker_fields_free(info_fields, FIELDS_N(info_fields), i);
    docker_fields_free(swarm_fields, FIELDS_N(swarm_fields), i);
    for (size_t k = 0; k < i->n_index_configs; k++)
        free(i->index_configs[k].name);
    free(i->index_configs);
    memset(i, 0, sizeof(*i));
}

void docker_image_free(struct docker_image *i)
{
    if (i == NULL)
        return;
    free(i->id);
    docker_fields_free(image_fields, FIELDS_N(image_fields), i);
    docker_fields_free(image_config_fields, FIELDS_N(image_config_fields), i);
    str_list_free(&i->history);
    memset(i, 0, sizeof(*i));
}

/* ---- /version ---- */

static void version_rest(struct parse_ctx *p, const cJSON *root, void *arg)
{
    struct docker_version *out = arg;
    const char *bt = cJSON_GetStringValue(json_member(root, "BuildTime"));
    if (bt == NULL || !parse_rfc3339(bt, &out->build_time)) {
        out->build_time = 0;
        out->invalid |= BIT(DOCKER_F_VERSION_BUILD_TIME);
    }
}

DOCKER_ANSWER_PARSER(version, version_fields, version_rest, NULL, 0)

/* ---- /info ---- */

/* RegistryConfig.IndexConfigs (InsecureRegistryCIDRs is in info_fields). */
static void parse_registry(struct parse_ctx *p, const cJSON *reg, struct docker_info *out)
{
    const uint64_t bit = BIT(DOCKER_F_INFO_REGISTRY_CONFIG);
    if (!cJSON_IsObject(reg)) {
        out->invalid |= bit;
        return;
    }
    size_t cap = 0;
    const cJSON *ic;
    cJSON_ArrayForEach(ic,
                       json_items_of(json_member(reg, "IndexConfigs"), true, &out->invalid, bit))
    {
        const cJSON *secure = json_member(ic, "Secure");
        if (!cJSON_IsBool(secure) || ic->string == NULL || strlen(ic->string) > DOCKER_STRING_MAX ||
            out->n_index_configs >= DOCKER_LIST_MAX) {
            out->invalid |= bit;
            continue;
        }
        if (!parse_grow(p, &out->index_configs, out->n_index_configs, &cap,
                        sizeof(*out->index_configs)))
            return;
        char *name = parse_dup(p, ic->string, strlen(ic->string));
        if (name == NULL)
            return;
        out->index_configs[out->n_index_configs++] =
            (struct docker_registry_index){ .name = name, .secure = cJSON_IsTrue(secure) };
    }
}

static void parse_swarm(struct parse_ctx *p, const cJSON *sw, struct docker_info *out)
{
    const uint64_t bit = BIT(DOCKER_F_INFO_SWARM);
    if (!cJSON_IsObject(sw)) {
        out->invalid |= bit;
        return;
    }
    docker_fields_read(p, sw, swarm_fields, FIELDS_N(swarm_fields), out, &out->invalid);
    /* Cluster is there on managers only; each level below may be omitted. */
    const cJSON *level = json_member(sw, "Cluster");
    static const char *const path[] = { "Spec", "EncryptionConfig" };
    for (size_t k = 0; k < sizeof(path) / sizeof(path[0]) && level != NULL; k++) {
        if (cJSON_IsNull(level))
            return;
        if (!cJSON_IsObject(level)) {
            out->invalid |= bit;
            return;
        }
        level = json_member(level, path[k]);
    }
    if (level == NULL || cJSON_IsNull(level))
        return;
    if (!cJSON_IsObject(level)) {
        out->invalid |= bit;
        return;
    }
    docker_fields_read(p, level, swarm_autolock_fields, FIELDS_N(swarm_autolock_fields), out,
                       &out->invalid);
}

static void info_rest(struct parse_ctx *p, const cJSON *root, void *arg)
{
    parse_registry(p, json_member(root, "RegistryConfig"), arg);
    parse_swarm(p, json_member(root, "Swarm"), arg);
}

DOCKER_ANSWER_PARSER(info, info_fields, info_rest, NULL, 0)

/* ---- /images/{id}/json and history ---- */

static bool is_placeholder_tag(const char *s)
{
    return strcmp(s, "<none>:<none>") == 0 || strcmp(s, "<none>@<none>") == 0;
}

/* What an image's answer holds beyond image_fields (docker_answer.read_rest). */
static void image_rest(struct parse_ctx *p, const cJSON *root, void *arg)
{
    struct docker_image *out = arg;
    struct str_list *tags = &out->repo_tags;
    size_t keep = 0;
    for (size_t k = 0; k < tags->len; k++) {
        if (is_placeholder_tag(tags->items[k]))
            free(tags->items[k]);
        else
            tags->items[keep++] = tags->items[k];
    }
    tags->len = keep;

    const cJSON *created = json_member(root, "Created");
    const char *cs = cJSON_GetStringValue(created);
    if (!(cs != NULL ? parse_rfc3339(cs, &out->created) : json_int64(created, &out->created))) {
        out->created = 0;
        out->invalid |= BIT(DOCKER_F_I_CREATED);
    }

    /*
     * Config null is an image with no configuration (no user, no health
     * check). Since API 1.44 its fields are omitted when empty.
     */
    const uint64_t cbit = BIT(DOCKER_F_I_CONFIG);
    const cJSON *config = json_member(root, "Config");
    if (config == NULL || (!cJSON_IsObject(config) && !cJSON_IsNull(config))) {
        out->invalid |= cbit;
    } else {
        docker_fields_read(p, config, image_config_fields, FIELDS_N(image_config_fields), out,
                           &out->invalid);
        const cJSON *hc = json_member(config, "Healthcheck");
        if (hc != NULL && !cJSON_IsNull(hc)) {
            const cJSON *test = json_member(hc, "Test");
            if (!cJSON_IsObject(hc) ||
                (test != NULL && !cJSON_IsArray(test) && !cJSON_IsNull(test))) {
                out->invalid |= cbit;
            } else {
                const char *first = cJSON_GetStringValue(cJSON_GetArrayItem(test, 0));
                if (cJSON_GetArraySize(test) > 0 && first == NULL)
                    out->invalid |= cbit;
                else
                    out->has_healthcheck = first != NULL && strcmp(first, "NONE") != 0;
            }
        }
    }
    json_wipe_env(cJSON_GetObjectItemCaseSensitive(root, "Config"));
    json_wipe_env(cJSON_GetObjectItemCaseSensitive(root, "ContainerConfig"));
}

DOCKER_ANSWER_PARSER(image, image_fields, image_rest, "image", offsetof(struct docker_image, id))

/* What json_array_each's element functions that fill one list carry. */
struct list_ctx {
    struct parse_ctx p;
    struct str_list *list;
    size_t cap;
    uint64_t *invalid; /* the image's, for history */
};

static int history_element(const cJSON *el, size_t index, void *arg, char *err, size_t errlen)
{
    struct list_ctx *h = arg;
    const char *s = cJSON_GetStringValue(json_member(el, "CreatedBy"));
    if (s == NULL || h->list->len >= DOCKER_LIST_MAX) {
        *h->invalid |= BIT(DOCKER_F_I_HISTORY);
        return 0;
    }
    size_t n = strlen(s);
    if (n > HISTORY_CREATED_BY_MAX) {
        n = HISTORY_CREATED_BY_MAX;
        /* Never split a UTF-8 sequence: back up to the start of the cut character. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    parse_str_list_push(&h->p, h->list, &h->cap, s, n);
    return h->p.oom ? parse_oom_error(err, errlen) : 0;
}

int docker_parse_image_history(const char *json, size_t len, struct docker_image *out, char *err,
                               size_t errlen)
{
    str_list_free(&out->history);
    out->invalid &= ~BIT(DOCKER_F_I_HISTORY);
    struct list_ctx h = {
        .p = { false }, .list = &out->history, .cap = 0, .invalid = &out->invalid
    };
    if (json_array_each(json, len, history_element, &h, err, errlen) != 0) {
        str_list_free(&out->history);
        out->invalid |= BIT(DOCKER_F_I_HISTORY);
        return -1;
    }
    return 0;
}

/* ---- lists ---- */

static int id_element(const cJSON *el, size_t index, void *arg, char *err, size_t errlen)
{
    struct list_ctx *x = arg;
    const char *id = json_id(el);
    if (id == NULL) {
        snprintf(err, errlen, "element %zu of the list has no Id", index);
        return -1;
    }
    if (x->list->len >= DOCKER_ID_LIST_MAX) {
        snprintf(err, errlen, "list with more than %d entries", DOCKER_ID_LIST_MAX);
        return -1;
    }
    parse_str_list_push(&x->p, x->list, &x->cap, id, strlen(id));
    return x->p.oom ? parse_oom_error(err, errlen) : 0;
}

int docker_parse_container_ids(const char *json, size_t len, struct str_list *ids, char *err,
                               size_t errlen)
{
    memset(ids, 0, sizeof(*ids));
    struct list_ctx x = { .p = { false }, .list = ids, .cap = 0, .invalid = NULL };
    if (json_array_each(json, len, id_element, &x, err, errlen) != 0) {
        str_list_free(ids);
        return -1;
    }
    return 0;
}

/*
 * An image's tags as one string: its RepoTags without the placeholders,
 * joined by newlines (a tag holds none), so the list's and the inspect's
 * can be compared. Over DOCKER_TAGS_KEY_MAX, or unreadable, it is
 * TAGS_UNREADABLE, which no join of tags equals.
 */
#define TAGS_UNREADABLE "\n?"

static bool tags_key_append(char *key, size_t *n, const char *tag)
{
    size_t t = strlen(tag);
    if (*n + t + 2 > DOCKER_TAGS_KEY_MAX)
        return false;
    if (*n > 0)
        key[(*n)++] = '\n';
    memcpy(key + *n, tag, t + 1);
    *n += t;
    return true;
}

bool docker_image_tags_are(const struct str_list *tags, const char *key)
{
    char mine[DOCKER_TAGS_KEY_MAX];
    size_t n = 0;
    mine[0] = '\0';
    for (size_t i = 0; i < tags->len; i++)
        if (!tags_key_append(mine, &n, tags->items[i]))
            return false;
    return strcmp(mine, key) == 0;
}

/* What image_list_element fills: the ids (list_ctx) and one tags key per id. */
struct image_list_ctx {
    struct list_ctx ids;
    struct str_list *keys;
    size_t keys_cap;
};

static int image_list_element(const cJSON *el, size_t index, void *arg, char *err, size_t errlen)
{
    struct image_list_ctx *x = arg;
    if (id_element(el, index, &x->ids, err, errlen) != 0)
        return -1;
    char key[DOCKER_TAGS_KEY_MAX];
    size_t n = 0;
    key[0] = '\0';
    const cJSON *tags = json_member(el, "RepoTags"), *t;
    bool ok = tags == NULL || cJSON_IsNull(tags) || cJSON_IsArray(tags);
    const cJSON *each = cJSON_IsArray(tags) ? tags : NULL;
    cJSON_ArrayForEach(t, each)
    {
        const char *s = cJSON_GetStringValue(t);
        ok = ok && s != NULL && (is_placeholder_tag(s) || tags_key_append(key, &n, s));
    }
    parse_str_list_push(&x->ids.p, x->keys, &x->keys_cap, ok ? key : TAGS_UNREADABLE,
                        strlen(ok ? key : TAGS_UNREADABLE));
    return x->ids.p.oom ? parse_oom_error(err, errlen) : 0;
}

int docker_parse_image_list(const char *json, size_t len, struct str_list *ids,
                            struct str_list *tag_keys, char *err, size_t errlen)
{
    memset(ids, 0, sizeof(*ids));
    memset(tag_keys, 0, sizeof(*tag_keys));
    struct image_list_ctx x = { .ids = { .p = { false }, .list = ids, .cap = 0, .invalid = NULL },
                                .keys = tag_keys,
                                .keys_cap = 0 };
    if (json_array_each(json, len, image_list_element, &x, err, errlen) != 0) {
        str_list_free(ids);
        str_list_free(tag_keys);
        return -1;
    }
    return 0;
}

/*
 * Name, Driver and Options of a network or a volume: false when Name or
 * Driver is not a string of at most DOCKER_STRING_MAX bytes or Options is
 * neither absent, null nor an object.
 */
static bool name_driver_options(const cJSON *el, const char **name, const char **driver,
                                const cJSON **opts)
{
    *name = json_kept_string(json_member(el, "Name"));
    *driver = json_kept_string(json_member(el, "Driver"));
    *opts = json_member(el, "Options");
    return *name != NULL && *driver != NULL &&
           (*opts == NULL || cJSON_IsNull(*opts) || cJSON_IsObject(*opts));
}

struct networks_ctx {
    struct parse_ctx p;
    struct docker_network *items;
    size_t n, cap;
};

static int network_element(const cJSON *el, size_t index, void *arg, char *err, size_t errlen)
{
    struct networks_ctx *x = arg;
    const char *name, *driver;
    const cJSON *opts;
    if (!name_driver_options(el, &name, &driver, &opts)) {
        snprintf(err, errlen, "network %zu has no Name/Driver or mistyped Options", index);
        return -1;
    }
    if (x->n >= DOCKER_LIST_MAX) {
        snprintf(err, errlen, "more than %d networks", DOCKER_LIST_MAX);
        return -1;
    }
    if (!parse_grow(&x->p, &x->items, x->n, &x->cap, sizeof(*x->items)))
        return parse_oom_error(err, errlen);
    const char *hb =
        json_kept_string(json_member(opts, "com.docker.network.bridge.host_binding_ipv4"));
    if (hb == NULL)
        hb = "";
    struct docker_network nw = {
        .name = parse_dup(&x->p, name, strlen(name)),
        .driver = parse_dup(&x->p, driver, strlen(driver)),
        .encrypted = json_member(opts, "encrypted") != NULL,
        .internal = cJSON_IsTrue(json_member(el, "Internal")),
        .host_binding_ip = parse_dup(&x->p, hb, strlen(hb)),
    };
    if (x->p.oom) {
        free(nw.name);
        free(nw.driver);
        free(nw.host_binding_ip);
        return parse_oom_error(err, errlen);
    }
    x->items[x->n++] = nw;
    return 0;
}

int docker_parse_networks(const char *json, size_t len, struct docker_network **out, size_t *n,
                          char *err, size_t errlen)
{
    struct networks_ctx x = { .p = { false }, .items = NULL, .n = 0, .cap = 0 };
    *out = NULL;
    *n = 0;
    if (json_array_each(json, len, network_element, &x, err, errlen) != 0) {
        docker_networks_free(x.items, x.n);
        return -1;
    }
    *out = x.items;
    *n = x.n;
    return 0;
}

void docker_networks_free(struct docker_network *v, size_t n)
{
    for (size_t k = 0; k < n && v != NULL; k++) {
        free(v[k].name);
        free(v[k].driver);
        free(v[k].host_binding_ip);
    }
    free(v);
}

void docker_volumes_free(struct docker_volume *v, size_t n)
{
    for (size_t k = 0; k < n && v != NULL; k++) {
        free(v[k].name);
        free(v[k].driver);
        free(v[k].bind_device);
    }
    free(v);
}

/* 1 when a local volume's "o" option list ("bind", "rbind,ro", ...) asks for a bind. */
static int options_bind(const char *o)
{
    for (const char *q = o; *q != '\0';) {
        size_t n = strcspn(q, ",");
        if ((n == 4 && strncmp(q, "bind", 4) == 0) || (n == 5 && strncmp(q, "rbind", 5) == 0))
            return 1;
        q += n;
        if (*q == ',')
            q++;
    }
    return 0;
}

/*
 * GET /volumes answers an object, {"Volumes": [...] or null, "Warnings": ...}.
 * The whole answer is bounded like any other (a volume is a few hundred
 * bytes; DOCKER_JSON_VALUES_MAX values is far more than DOCKER_LIST_MAX of
 * them).
 */
int docker_parse_volumes(const char *json, size_t len, struct docker_volume **out, size_t *n,
                         char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    cJSON *root = json_parse_object(json, len, err, errlen);
    if (root == NULL)
        return -1;
    const cJSON *vols = json_member(root, "Volumes");
    if (vols != NULL && !cJSON_IsNull(vols) && !cJSON_IsArray(vols)) {
        snprintf(err, errlen, "Volumes is %s, want an array", json_type_name(vols));
        cJSON_Delete(root); /* after naming vols' type: vols is part of the tree */
        return -1;
    }
    struct parse_ctx p = { false, 0 };
    struct docker_volume *items = NULL;
    size_t count = 0, cap = 0;
    const cJSON *v;
    int rc = 0;
    cJSON_ArrayForEach(v, vols)
    {
        const char *name, *driver;
        const cJSON *opts;
        if (!name_driver_options(v, &name, &driver, &opts)) {
            snprintf(err, errlen, "volume %zu has no Name/Driver or mistyped Options", count);
            rc = -1;
            break;
        }
        if (count >= DOCKER_LIST_MAX) {
            snprintf(err, errlen, "more than %d volumes", DOCKER_LIST_MAX);
            rc = -1;
            break;
        }
        if (!parse_grow(&p, &items, count, &cap, sizeof(*items)))
            break;
        const char *o = cJSON_GetStringValue(json_member(opts, "o"));
        const char *device = json_kept_string(json_member(opts, "device"));
        struct docker_volume vol = {
            .name = parse_dup(&p, name, strlen(name)),
            .driver = parse_dup(&p, driver, strlen(driver)),
        };
        /*
         * The local driver mounts `device` on the volume's _data (volume/local
         * mount()): with o=bind/rbind it is a host path; an absolute device
         * without bind (type=ext4 device=/dev/sda1) is a host block device.
         * Either way the container reaches that host path.
         */
        if (device != NULL && (device[0] == '/' || (o != NULL && options_bind(o))))
            vol.bind_device = parse_dup(&p, device, strlen(device));
        items[count++] = vol;
        if (p.oom)
            break;
    }
    cJSON_Delete(root);
    if (p.oom) {
        docker_volumes_free(items, count);
        return parse_oom_error(err, errlen);
    }
    if (rc != 0) {
        docker_volumes_free(items, count);
        return -1;
    }
    *out = items;
    *n = count;
    return 0;
}
