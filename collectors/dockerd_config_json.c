/*
 * dockerd_config_json.c - daemon.json, read through hostfs (a regular file
 * of at most DOCKERD_JSON_MAX bytes, so a FIFO or a huge file can neither
 * hang nor bloat a collection) and parsed with cJSON, and the values of the
 * command line and daemon.json together (dockerd_config_values and the
 * helpers on it). For JSON numbers a text form is made once at load time
 * and stored in the number node's unused `valuestring` (cJSON_Delete frees
 * it with the tree). See dockerd_config.h.
 */
#include "dockerd_config_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Command-line names whose daemon.json key differs (dockerd's json tags). */
static const struct {
    const char *flag;
    const char *json;
} json_keys[] = {
    { "host", "hosts" },
    { "insecure-registry", "insecure-registries" },
    { "authorization-plugin", "authorization-plugins" },
    { "storage-opt", "storage-opts" },
    { "default-ulimit", "default-ulimits" },
    { "log-opt", "log-opts" },
    { "label", "labels" },
    { "registry-mirror", "registry-mirrors" },
    { "add-runtime", "runtimes" },
    { "exec-opt", "exec-opts" },
    { "dns-opt", "dns-opts" },
    { "default-address-pool", "default-address-pools" },
    { "node-generic-resource", "node-generic-resources" },
    { "cluster-store-opt", "cluster-store-opts" },
    { "feature", "features" },
};

/* ---- daemon.json ------------------------------------------------------------ */

/* Gives every number node a text form in its valuestring (see the top). */
static int number_texts(cJSON *node)
{
    for (; node != NULL; node = node->next) {
        if (cJSON_IsNumber(node) && node->valuestring == NULL) {
            char text[64];
            double d = node->valuedouble;
            if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(long long)d)
                snprintf(text, sizeof(text), "%lld", (long long)d);
            else
                snprintf(text, sizeof(text), "%.17g", d);
            node->valuestring = strdup(text);
            if (node->valuestring == NULL)
                return -1;
        }
        if (node->child != NULL && number_texts(node->child) != 0)
            return -1;
    }
    return 0;
}

/* Line and column (1-based) of offset `off` in text. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i] != '\0'; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

int dockerd_config_parse_json(struct dockerd_config *cfg, const char *text, size_t len)
{
    cJSON_Delete(cfg->json);
    cfg->json = NULL;
    cfg->config_error[0] = '\0';
    /*
     * As dockerd: a UTF-8 byte order mark is skipped, and a file holding
     * only blanks is an empty configuration, not an error.
     */
    const char *start = text;
    if (len >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
        start += 3;
        len -= 3;
    }
    size_t blank = 0; /* (strchr would also match the NUL ending its set) */
    while (blank < len && start[blank] != '\0' && strchr(" \t\r\n", start[blank]) != NULL)
        blank++;
    if (blank == len) {
        cfg->json = cJSON_CreateObject();
        if (cfg->json == NULL)
            return -1;
        cfg->json_state = DOCKERD_JSON_OK;
        return 0;
    }

    /* cJSON parses a NUL-terminated copy, so a NUL byte in the file ends the text it sees. */
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, start, len);
    copy[len] = '\0';
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(copy, &end, 1);
    if (json == NULL) {
        int line, col;
        size_t off = end != NULL ? (size_t)(end - copy) : 0;
        line_col(copy, off, &line, &col);
        cfg->json_state = DOCKERD_JSON_INVALID;
        snprintf(cfg->config_error, sizeof(cfg->config_error), "invalid JSON at line %d column %d",
                 line, col);
        free(copy);
        return 0;
    }
    const char *why = NULL;
    if (end == NULL || (size_t)(end - copy) != len)
        why = "contains a NUL byte";
    else if (!cJSON_IsObject(json))
        why = "not a JSON object";
    free(copy);
    if (why != NULL) {
        cJSON_Delete(json);
        cfg->json_state = DOCKERD_JSON_INVALID;
        snprintf(cfg->config_error, sizeof(cfg->config_error), "%s", why);
        return 0;
    }
    if (number_texts(json) != 0) {
        cJSON_Delete(json);
        return -1;
    }
    cfg->json = json;
    cfg->json_state = DOCKERD_JSON_OK;
    return 0;
}

/* Reads and parses cfg->config_file. Returns 0, or -1 on no memory. */
int dockerd_config_load_json(const char *rootfs, struct dockerd_config *cfg)
{
    struct buf text;
    buf_init(&text, DOCKERD_JSON_MAX);
    cfg->json_state = DOCKERD_JSON_ABSENT;
    if (cfg->config_file[0] == '\0') {
        cfg->json_state = DOCKERD_JSON_UNREADABLE;
        snprintf(cfg->config_error, sizeof(cfg->config_error), "config file path too long");
        return 0;
    }
    if (hostfs_read_file(rootfs, cfg->config_file, DOCKERD_JSON_MAX, &text) != 0) {
        int e = errno;
        buf_free(&text);
        if (e == ENOENT)
            return 0;
        if (e == ENOMEM)
            return -1;
        cfg->json_state = DOCKERD_JSON_UNREADABLE;
        if (e == EINVAL)
            snprintf(cfg->config_error, sizeof(cfg->config_error), "not a regular file");
        else if (e == EFBIG)
            snprintf(cfg->config_error, sizeof(cfg->config_error), "larger than %d bytes",
                     DOCKERD_JSON_MAX);
        else
            snprintf(cfg->config_error, sizeof(cfg->config_error), "%s", strerror(e));
        return 0;
    }
    int rc = dockerd_config_parse_json(cfg, text.data != NULL ? text.data : "", text.len);
    buf_free(&text);
    return rc;
}

/* ---- values -------------------------------------------------------------- */

static void emit(const char *v, const char **out, size_t max, size_t *total)
{
    if (*total < max)
        out[*total] = v;
    (*total)++;
}

/* A scalar JSON value as text, or NULL for null/arrays/objects. */
static const char *json_scalar(const cJSON *item)
{
    if (cJSON_IsString(item) || cJSON_IsNumber(item))
        return item->valuestring;
    if (cJSON_IsTrue(item))
        return "true";
    if (cJSON_IsFalse(item))
        return "false";
    return NULL;
}

size_t dockerd_config_values(const struct dockerd_config *cfg, const char *name, const char **out,
                             size_t max)
{
    const char *flag = name, *key = name;
    size_t total = 0;
    for (size_t i = 0; i < ARRAY_LEN(json_keys); i++) {
        if (strcmp(name, json_keys[i].flag) == 0 || strcmp(name, json_keys[i].json) == 0) {
            flag = json_keys[i].flag;
            key = json_keys[i].json;
            break;
        }
    }
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, flag) == 0)
            emit(cfg->opts[i].value, out, max, &total);
    }
    if (cfg->json_state != DOCKERD_JSON_OK || cfg->json == NULL)
        return total;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(cfg->json, key);
    if (item == NULL)
        return total;
    if (cJSON_IsArray(item)) {
        const cJSON *el;
        cJSON_ArrayForEach(el, item)
        {
            const char *v = json_scalar(el);
            if (v != NULL)
                emit(v, out, max, &total);
        }
    } else if (cJSON_IsObject(item)) {
        const cJSON *el;
        cJSON_ArrayForEach(el, item)
        {
            if (el->string != NULL)
                emit(el->string, out, max, &total);
        }
    } else {
        const char *v = json_scalar(item);
        if (v != NULL)
            emit(v, out, max, &total);
    }
    return total;
}

const char *dockerd_config_value(const struct dockerd_config *cfg, const char *name)
{
    return dockerd_config_effective(cfg, name, NULL);
}

int dockerd_config_bool(const struct dockerd_config *cfg, const char *name)
{
    const char *v = dockerd_config_value(cfg, name);
    if (v == NULL)
        return -1;
    return dockerd_parse_bool(v);
}

const char *dockerd_config_effective(const struct dockerd_config *cfg, const char *name,
                                     enum dockerd_source *src)
{
    const char *flag = name;
    for (size_t i = 0; i < ARRAY_LEN(json_keys); i++) {
        if (strcmp(name, json_keys[i].json) == 0) {
            flag = json_keys[i].flag;
            break;
        }
    }
    const char *v = NULL;
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, flag) == 0)
            v = cfg->opts[i].value;
    }
    if (v != NULL) {
        if (src != NULL)
            *src = DOCKERD_SRC_CMDLINE;
        return v;
    }
    /* No command-line value: the first daemon.json value, if any. */
    if (dockerd_config_values(cfg, name, &v, 1) > 0) {
        if (src != NULL)
            *src = DOCKERD_SRC_JSON;
        return v;
    }
    if (src != NULL)
        *src = DOCKERD_SRC_NONE;
    return NULL;
}

int dockerd_parse_bool(const char *v)
{
    if (v == NULL)
        return -1;
    /* What Go's strconv.ParseBool (and so pflag) accepts. */
    static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
    static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
    for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
        if (strcmp(v, yes[i]) == 0)
            return 1;
        if (strcmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* The daemon.json string value of `key`, or NULL when absent, empty or not a string. */
static const char *json_string(const struct dockerd_config *cfg, const char *key)
{
    if (cfg->json_state != DOCKERD_JSON_OK || cfg->json == NULL)
        return NULL;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(cfg->json, key);
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
        return NULL;
    return item->valuestring;
}

/*
 * moby 20.10 writes --data-root, --graph and -g into one field (conf.Root),
 * so the last of them on the command line wins (dockerd refuses --graph
 * with --data-root). daemon.json's "data-root", else its deprecated "graph"
 * (config.getConflictFreeConfiguration), is merged UNDER the flags with
 * mergo, which keeps a non-empty file value: a file value beats a flag of
 * the other spelling (no conflict is detected between them). A flag and
 * the file key of the same spelling make dockerd refuse to start, so when
 * both show the file was edited afterwards and the flag is what runs.
 */
void dockerd_config_data_root(const struct dockerd_config *cfg, char *out, size_t outlen)
{
    const char *flag = NULL, *flag_name = NULL;
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, "data-root") == 0 ||
            strcmp(cfg->opts[i].name, "graph") == 0) {
            flag = cfg->opts[i].value;
            flag_name = cfg->opts[i].name;
        }
    }
    const char *file = json_string(cfg, "data-root");
    const char *file_key = "data-root";
    if (file == NULL) {
        file = json_string(cfg, "graph");
        file_key = "graph";
    }
    const char *v = flag;
    if (file != NULL && (flag == NULL || strcmp(flag_name, file_key) != 0))
        v = file;
    if (v == NULL || v[0] != '/' || copy_str(out, outlen, v) != 0)
        copy_str(out, outlen, DOCKERD_DEFAULT_DATA_ROOT);
}

void dockerd_config_containerd_socket(const struct dockerd_config *cfg, char *out, size_t outlen)
{
    const char *v = dockerd_config_value(cfg, "containerd");
    if (v != NULL && strncmp(v, "unix://", 7) == 0)
        v += 7;
    if (v == NULL || v[0] != '/' || copy_str(out, outlen, v) != 0)
        copy_str(out, outlen, DOCKERD_DEFAULT_CONTAINERD_SOCKET);
}
