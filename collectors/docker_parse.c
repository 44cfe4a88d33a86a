/*
 * docker_parse.c - turns single Docker Engine API answers into the structs of
 * docker.h (the parsers declared there, the free functions, field names).
 *
 * Every answer is bounded before cJSON sees it: json_bounds() counts the
 * values and the nesting of the text in one pass, so the tree cJSON builds
 * (about 64 bytes per value) and its recursion stay under
 * DOCKER_JSON_VALUES_MAX and DOCKER_JSON_DEPTH_MAX whatever the body holds.
 * Answers that are JSON arrays of independent items (/containers/json,
 * /images/json, /networks, image history) are parsed one element at a time
 * (json_array_each), so peak memory follows the largest element, not the
 * whole list.
 *
 * Fields are read through a few helpers that all follow docker.h's rule: a
 * field that is absent or has the wrong JSON type sets its DOCKER_F_* bit and
 * stays zero/NULL; a JSON null for an optional list is an empty list. What
 * we keep is bounded too: strings at DOCKER_STRING_MAX bytes, lists at
 * DOCKER_LIST_MAX items (more sets the field's bit, so a check errors rather
 * than judging half a list).
 *
 * Environment variables are cut at the first '=' while copying: the value is
 * never copied out of the cJSON tree, which the caller frees at once.
 *
 * A parser that fails (not JSON, wrong top-level type, out of memory) frees
 * what it built and leaves its output zeroed.
 */
#include "docker.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIT(f)                 ((uint64_t)1 << (f))
#define HISTORY_CREATED_BY_MAX 512 /* bytes kept of one history line (docker.h) */

/*
 * Parse state: one flag for allocation failure, checked once at the end, and
 * the bits of the fields that held an item over a cap (a container's
 * `overcap`, so its checks can say which field and which cap).
 */
struct pctx {
    bool oom;
    uint64_t overcap;
};

/* ---- bounded JSON ---- */

static size_t skip_ws(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/*
 * Counts values (an upper bound: one per '[', '{' and ',' outside strings,
 * plus the root) and nesting depth in one pass. Returns 0 when both are
 * within the caps, else -1 with err.
 */
static int json_bounds(const char *json, size_t len, int depth_max, char *err, size_t errlen)
{
    size_t values = 1;
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char ch = json[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
            continue;
        }
        if (ch == '"') {
            in_str = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > depth_max) {
                snprintf(err, errlen, "JSON nested deeper than %d levels", DOCKER_JSON_DEPTH_MAX);
                return -1;
            }
            values++;
        } else if (ch == ']' || ch == '}') {
            depth--;
        } else if (ch == ',') {
            values++;
        }
        if (values > DOCKER_JSON_VALUES_MAX) {
            snprintf(err, errlen, "JSON with more than %d values", DOCKER_JSON_VALUES_MAX);
            return -1;
        }
    }
    return 0;
}

static const char *json_type_name(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    return "something else";
}

/*
 * Parses exactly json[0..len) (trailing whitespace allowed, nothing else)
 * after bounding it. Returns the tree (caller frees with cJSON_Delete) or NULL
 * with err.
 */
static cJSON *json_parse_bounded(const char *json, size_t len, int depth_max, char *err,
                                 size_t errlen)
{
    if (json == NULL || skip_ws(json, 0, len) == len) {
        snprintf(err, errlen, "empty answer, want JSON");
        return NULL;
    }
    if (json_bounds(json, len, depth_max, err, errlen) != 0)
        return NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (root == NULL) {
        size_t at = (end != NULL && end >= json && end <= json + len) ? (size_t)(end - json) : 0;
        snprintf(err, errlen, "not valid JSON (at byte %zu of %zu)", at, len);
        return NULL;
    }
    size_t used = (size_t)(end - json);
    if (skip_ws(json, used, len) != len) {
        cJSON_Delete(root);
        snprintf(err, errlen, "not valid JSON (trailing data at byte %zu of %zu)", used, len);
        return NULL;
    }
    return root;
}

/* Parses a whole answer whose top level must be an object. */
static cJSON *json_parse_object(const char *json, size_t len, char *err, size_t errlen)
{
    cJSON *root = json_parse_bounded(json, len, DOCKER_JSON_DEPTH_MAX, err, errlen);
    if (root != NULL && !cJSON_IsObject(root)) {
        snprintf(err, errlen, "want a JSON object, got %s", json_type_name(root));
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

typedef int (*json_element_fn)(const cJSON *el, size_t index, void *arg, char *err, size_t errlen);

/*
 * Calls fn for each element of a top-level JSON array, parsing one element
 * at a time: the scan finds where an element ends (strings and nesting
 * tracked, each element bounded like a whole answer, one level less deep)
 * and only that slice goes to cJSON. Returns 0, or -1 with err (bad JSON, or
 * what fn returned).
 */
static int json_array_each(const char *json, size_t len, json_element_fn fn, void *arg, char *err,
                           size_t errlen)
{
    size_t i = json != NULL ? skip_ws(json, 0, len) : 0;
    if (json == NULL || i == len) {
        snprintf(err, errlen, "empty answer, want JSON");
        return -1;
    }
    if (json[i] != '[') {
        if (json[i] == '{')
            snprintf(err, errlen, "want a JSON array, got an object");
        else
            snprintf(err, errlen, "want a JSON array (at byte %zu of %zu)", i, len);
        return -1;
    }
    i = skip_ws(json, i + 1, len);
    if (i < len && json[i] == ']') {
        i++;
    } else {
        for (size_t index = 0;; index++) {
            size_t start = i, values = 1;
            int depth = 0;
            bool in_str = false;
            for (; i < len; i++) {
                char ch = json[i];
                if (in_str) {
                    if (ch == '\\')
                        i++;
                    else if (ch == '"')
                        in_str = false;
                    continue;
                }
                if (ch == '"') {
                    in_str = true;
                } else if (ch == '[' || ch == '{') {
                    if (++depth > DOCKER_JSON_DEPTH_MAX - 1) {
                        snprintf(err, errlen, "JSON nested deeper than %d levels",
                                 DOCKER_JSON_DEPTH_MAX);
                        return -1;
                    }
                    values++;
                } else if (ch == ']' || ch == '}') {
                    if (depth == 0)
                        break;
                    depth--;
                } else if (ch == ',') {
                    if (depth == 0)
                        break;
                    values++;
                }
                if (values > DOCKER_JSON_VALUES_MAX) {
                    snprintf(err, errlen, "JSON with more than %d values in element %zu",
                             DOCKER_JSON_VALUES_MAX, index);
                    return -1;
                }
            }
            if (i >= len) {
                snprintf(err, errlen, "not valid JSON (the array is not closed, %zu bytes)", len);
                return -1;
            }
            char elerr[128];
            cJSON *el = json_parse_bounded(json + start, i - start, DOCKER_JSON_DEPTH_MAX - 1,
                                           elerr, sizeof(elerr));
            if (el == NULL) {
                snprintf(err, errlen, "element %zu (byte %zu): %s", index, start, elerr);
                return -1;
            }
            int rc = fn(el, index, arg, err, errlen);
            cJSON_Delete(el);
            if (rc != 0)
                return -1;
            if (json[i] == ',') {
                i++;
                continue;
            }
            if (json[i] != ']') {
                snprintf(err, errlen, "not valid JSON (at byte %zu of %zu)", i, len);
                return -1;
            }
            i++;
            break;
        }
    }
    if (skip_ws(json, i, len) != len) {
        snprintf(err, errlen, "not valid JSON (trailing data at byte %zu of %zu)", i, len);
        return -1;
    }
    return 0;
}

/* ---- copying out ---- */

static char *pdup(struct pctx *p, const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL) {
        p->oom = true;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* "a<sep>b" in one allocation. */
static char *pjoin(struct pctx *p, const char *a, char sep, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *d = malloc(la + lb + 2);
    if (d == NULL) {
        p->oom = true;
        return NULL;
    }
    memcpy(d, a, la);
    d[la] = sep;
    memcpy(d + la + 1, b, lb);
    d[la + 1 + lb] = '\0';
    return d;
}

/* Grows an array of `size`-byte items to hold one more; false on no memory. */
static bool grow(struct pctx *p, void **items, size_t len, size_t *cap, size_t size)
{
    if (len < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *n = realloc(*items, ncap * size);
    if (n == NULL) {
        p->oom = true;
        return false;
    }
    *items = n;
    *cap = ncap;
    return true;
}

static void str_list_push(struct pctx *p, struct str_list *l, size_t *cap, const char *s, size_t n)
{
    void *items = l->items;
    if (!grow(p, &items, l->len, cap, sizeof(char *)))
        return;
    l->items = items;
    char *d = pdup(p, s, n);
    if (d != NULL)
        l->items[l->len++] = d;
}

/* ---- field readers ---- */

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* A string member, copied. Absent, mistyped or over DOCKER_STRING_MAX: sets bit. */
static void get_str(struct pctx *p, const cJSON *obj, const char *key, char **out,
                    uint64_t *invalid, uint64_t bit)
{
    const cJSON *v = member(obj, key);
    const char *s = cJSON_GetStringValue(v);
    size_t n = s != NULL ? strlen(s) : 0;
    if (s == NULL || n > DOCKER_STRING_MAX) {
        *invalid |= bit;
        return;
    }
    *out = pdup(p, s, n);
}

/* Like get_str, but absent is "" (the API omits it when empty); mistyped still sets bit. */
static void get_str_opt(struct pctx *p, const cJSON *obj, const char *key, char **out,
                        uint64_t *invalid, uint64_t bit)
{
    const cJSON *v = member(obj, key);
    if (v == NULL || cJSON_IsNull(v)) {
        *out = pdup(p, "", 0);
        return;
    }
    get_str(p, obj, key, out, invalid, bit);
}

static void get_bool(const cJSON *obj, const char *key, bool *out, uint64_t *invalid, uint64_t bit)
{
    const cJSON *v = member(obj, key);
    if (!cJSON_IsBool(v)) {
        *invalid |= bit;
        return;
    }
    *out = cJSON_IsTrue(v);
}

/* Absent is false (omitempty in the API); mistyped sets bit. */
static void get_bool_opt(const cJSON *obj, const char *key, bool *out, uint64_t *invalid,
                         uint64_t bit)
{
    if (member(obj, key) != NULL)
        get_bool(obj, key, out, invalid, bit);
}

/* A JSON number that is a whole number within int64_t. */
static bool number_int64(const cJSON *v, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return false;
    double d = v->valuedouble;
    /* The range test is false for NaN too; the cast is defined only inside it. */
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return false;
    int64_t n = (int64_t)d;
    if ((double)n != d)
        return false;
    *out = n;
    return true;
}

static void get_int64(const cJSON *obj, const char *key, int64_t *out, uint64_t *invalid,
                      uint64_t bit)
{
    if (!number_int64(member(obj, key), out))
        *invalid |= bit;
}

static void get_long(const cJSON *obj, const char *key, long *out, uint64_t *invalid, uint64_t bit)
{
    int64_t n = 0;
    if (!number_int64(member(obj, key), &n) || n < LONG_MIN || n > LONG_MAX) {
        *invalid |= bit;
        return;
    }
    *out = (long)n;
}

/* Absent is 0; mistyped sets bit. */
static void get_long_opt(const cJSON *obj, const char *key, long *out, uint64_t *invalid,
                         uint64_t bit)
{
    if (member(obj, key) != NULL)
        get_long(obj, key, out, invalid, bit);
}

enum list_mode {
    LIST_PLAIN,
    LIST_NAMES,        /* "NAME=value": keep NAME only */
    LIST_SECURITY_OPT, /* HostConfig.SecurityOpt: inline profiles and long values summarised */
};

#define SECURITY_OPT_KEY_MAX 64 /* bytes of an option's key kept when its value is summarised */

/*
 * The key of a SecurityOpt item: what stands before its first '=' or ':'
 * ("seccomp" of "seccomp=<json>" and of the old "seccomp:<json>").
 */
static size_t security_opt_key_len(const char *s)
{
    return strcspn(s, "=:");
}

/*
 * "defaultAction" of an inline seccomp profile, into out ("" when the JSON
 * cannot be read or has none). The profile is bounded like an API answer.
 */
static void seccomp_default_action(const char *json, size_t len, char *out, size_t outlen)
{
    char err[96];
    out[0] = '\0';
    cJSON *root = json_parse_bounded(json, len, DOCKER_JSON_DEPTH_MAX, err, sizeof(err));
    if (root == NULL)
        return;
    const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "defaultAction"));
    if (a != NULL && strlen(a) < outlen && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(a))
        snprintf(out, outlen, "%s", a);
    cJSON_Delete(root);
}

/*
 * One SecurityOpt item as kept. The docker CLI stores a seccomp profile
 * given as a file INLINE ("seccomp=" followed by the whole JSON, 10-100 KiB;
 * Docker's own default profile is about 9 KB compacted): it is kept as
 * "seccomp=<inline profile, N bytes, defaultAction X>", never as the
 * text. Any other item over DOCKER_STRING_MAX keeps its key and says how
 * long its value was ("label=<value of N bytes, over the 8192-byte cap>"),
 * and the field's overcap bit is set: the checks reading the other items of
 * the list still judge them.
 */
static void security_opt_push(struct pctx *p, struct str_list *l, size_t *cap, const char *s,
                              uint64_t bit)
{
    size_t n = strlen(s), kl = security_opt_key_len(s);
    bool inline_profile = kl == 7 && strncmp(s, "seccomp", 7) == 0 && s[kl] != '\0' &&
                          s[kl + 1 + strspn(s + kl + 1, " \t\r\n")] == '{';
    if (!inline_profile && n <= DOCKER_STRING_MAX) {
        str_list_push(p, l, cap, s, n);
        return;
    }
    char text[256];
    if (inline_profile) {
        char action[64];
        seccomp_default_action(s + kl + 1, n - kl - 1, action, sizeof(action));
        snprintf(text, sizeof(text), "seccomp=<inline profile, %zu bytes, defaultAction %s>",
                 n - kl - 1, action[0] != '\0' ? action : "unreadable");
    } else {
        if (kl > SECURITY_OPT_KEY_MAX)
            kl = SECURITY_OPT_KEY_MAX;
        snprintf(text, sizeof(text), "%.*s=<value of %zu bytes, over the %d-byte cap>", (int)kl, s,
                 n - kl - (s[kl] != '\0'), DOCKER_STRING_MAX);
        p->overcap |= bit;
    }
    str_list_push(p, l, cap, text, strlen(text));
}

/*
 * A list of strings: null is empty; absent, not an array, an element that is
 * not a string or too long, or more than DOCKER_LIST_MAX items set bit (the
 * well-formed items are still kept).
 */
static void get_list(struct pctx *p, const cJSON *obj, const char *key, struct str_list *out,
                     enum list_mode mode, uint64_t *invalid, uint64_t bit)
{
    const cJSON *v = member(obj, key);
    if (cJSON_IsNull(v))
        return;
    if (!cJSON_IsArray(v)) {
        *invalid |= bit;
        return;
    }
    size_t cap = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        const char *s = cJSON_GetStringValue(item);
        if (s == NULL) {
            *invalid |= bit;
            continue;
        }
        if (out->len >= DOCKER_LIST_MAX) {
            *invalid |= bit;
            p->overcap |= bit;
            break;
        }
        if (mode == LIST_SECURITY_OPT) {
            security_opt_push(p, out, &cap, s, bit);
            continue;
        }
        size_t n = mode == LIST_NAMES ? strcspn(s, "=") : strlen(s);
        if (n > DOCKER_STRING_MAX) {
            *invalid |= bit;
            p->overcap |= bit;
            continue;
        }
        str_list_push(p, out, &cap, s, n);
    }
}

/*
 * Overwrites the values of an Env list inside a parsed tree before it is
 * freed, so they do not linger in freed heap memory (the body the tree came
 * from is the caller's to wipe).
 */
static void wipe_env(cJSON *config)
{
    cJSON *env = cJSON_IsObject(config) ? cJSON_GetObjectItemCaseSensitive(config, "Env") : NULL;
    if (!cJSON_IsArray(env))
        return;
    cJSON *item;
    cJSON_ArrayForEach(item, env)
    {
        if (cJSON_IsString(item) && item->valuestring != NULL)
            explicit_bzero(item->valuestring, strlen(item->valuestring));
    }
}

/* ---- time ---- */

static bool read_digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*s)[i];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    *s += n;
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/*
 * RFC 3339 ("2026-05-07T21:09:36.000000000+00:00", "2026-11-23T06:18:54.14Z")
 * to Unix seconds (fraction dropped). Returns false on anything else.
 */
static bool parse_rfc3339(const char *s, int64_t *out)
{
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    if (!read_digits(&s, 4, &y) || *s++ != '-' || !read_digits(&s, 2, &mo) || *s++ != '-' ||
        !read_digits(&s, 2, &d))
        return false;
    if (*s != 'T' && *s != 't' && *s != ' ')
        return false;
    s++;
    if (!read_digits(&s, 2, &h) || *s++ != ':' || !read_digits(&s, 2, &mi) || *s++ != ':' ||
        !read_digits(&s, 2, &sec))
        return false;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s == '+' ? 1 : -1;
        s++;
        if (!read_digits(&s, 2, &oh) || *s++ != ':' || !read_digits(&s, 2, &om))
            return false;
    } else {
        return false;
    }
    if (*s != '\0')
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60 ||
        oh > 23 || om > 59)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return false;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    *out = t - (int64_t)sign * (oh * 3600 + om * 60);
    return true;
}

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
    free(v->version);
    free(v->api_version);
    free(v->os);
    free(v->arch);
    free(v->kernel_version);
    free(v->go_version);
    memset(v, 0, sizeof(*v));
}

void docker_info_free(struct docker_info *i)
{
    if (i == NULL)
        return;
    free(i->server_version);
    free(i->driver);
    free(i->logging_driver);
    str_list_free(&i->security_options);
    str_list_free(&i->insecure_registry_cidrs);
    for (size_t k = 0; k < i->n_index_configs; k++)
        free(i->index_configs[k].name);
    free(i->index_configs);
    free(i->swarm_state);
    free(i->swarm_node_addr);
    free(i->docker_root_dir);
    memset(i, 0, sizeof(*i));
}

void docker_container_free(struct docker_container *c)
{
    if (c == NULL)
        return;
    free(c->id);
    free(c->name);
    free(c->image);
    free(c->image_id);
    free(c->state);
    free(c->health_status);
    free(c->health_test);
    free(c->user);
    str_list_free(&c->env_names);
    str_list_free(&c->labels);
    free(c->apparmor_profile);
    str_list_free(&c->security_opt);
    str_list_free(&c->cap_add);
    str_list_free(&c->cap_drop);
    free(c->network_mode);
    free(c->pid_mode);
    free(c->ipc_mode);
    free(c->uts_mode);
    free(c->userns_mode);
    free(c->cgroup_parent);
    for (size_t k = 0; k < c->n_mounts; k++) {
        free(c->mounts[k].type);
        free(c->mounts[k].source);
        free(c->mounts[k].destination);
        free(c->mounts[k].propagation);
        free(c->mounts[k].name);
        free(c->mounts[k].driver);
    }
    free(c->mounts);
    for (size_t k = 0; k < c->n_ports; k++) {
        free(c->ports[k].container_port);
        free(c->ports[k].host_ip);
    }
    free(c->ports);
    for (size_t k = 0; k < c->n_live_ports; k++) {
        free(c->live_ports[k].container_port);
        free(c->live_ports[k].host_ip);
    }
    free(c->live_ports);
    str_list_free(&c->exposed_ports);
    free(c->restart_policy);
    str_list_free(&c->devices);
    str_list_free(&c->ulimits);
    str_list_free(&c->networks);
    memset(c, 0, sizeof(*c));
}

void docker_image_free(struct docker_image *i)
{
    if (i == NULL)
        return;
    free(i->id);
    str_list_free(&i->repo_tags);
    free(i->user);
    str_list_free(&i->history);
    memset(i, 0, sizeof(*i));
}

static int oom_error(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory while parsing");
    return -1;
}

/* ---- /version ---- */

int docker_parse_version(const char *json, size_t len, struct docker_version *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = json_parse_object(json, len, err, errlen);
    if (root == NULL)
        return -1;
    struct pctx p = { false };
    uint64_t none = 0; /* fields without a bit of their own */
    get_str(&p, root, "Version", &out->version, &out->invalid, BIT(DOCKER_F_VERSION_VERSION));
    get_str(&p, root, "ApiVersion", &out->api_version, &out->invalid,
            BIT(DOCKER_F_VERSION_API_VERSION));
    get_str_opt(&p, root, "Os", &out->os, &none, 1);
    get_str_opt(&p, root, "Arch", &out->arch, &none, 1);
    get_str_opt(&p, root, "KernelVersion", &out->kernel_version, &none, 1);
    get_str_opt(&p, root, "GoVersion", &out->go_version, &none, 1);
    /* Mistyped, these have no bit to say so: keep them readable as "". */
    char **plain[] = { &out->os, &out->arch, &out->kernel_version, &out->go_version };
    for (size_t k = 0; k < sizeof(plain) / sizeof(plain[0]); k++)
        if (*plain[k] == NULL)
            *plain[k] = pdup(&p, "", 0);
    /* Experimental is omitted when false. */
    get_bool_opt(root, "Experimental", &out->experimental, &out->invalid,
                 BIT(DOCKER_F_VERSION_EXPERIMENTAL));
    const char *bt = cJSON_GetStringValue(member(root, "BuildTime"));
    if (bt == NULL || !parse_rfc3339(bt, &out->build_time)) {
        out->build_time = 0;
        out->invalid |= BIT(DOCKER_F_VERSION_BUILD_TIME);
    }
    cJSON_Delete(root);
    if (p.oom) {
        docker_version_free(out);
        return oom_error(err, errlen);
    }
    return 0;
}

/* ---- /info ---- */

static void parse_registry(struct pctx *p, const cJSON *reg, struct docker_info *out)
{
    const uint64_t bit = BIT(DOCKER_F_INFO_REGISTRY_CONFIG);
    if (!cJSON_IsObject(reg)) {
        out->invalid |= bit;
        return;
    }
    get_list(p, reg, "InsecureRegistryCIDRs", &out->insecure_registry_cidrs, LIST_PLAIN,
             &out->invalid, bit);
    const cJSON *idx = member(reg, "IndexConfigs");
    if (cJSON_IsNull(idx))
        return;
    if (!cJSON_IsObject(idx)) {
        out->invalid |= bit;
        return;
    }
    size_t cap = 0;
    const cJSON *ic;
    cJSON_ArrayForEach(ic, idx)
    {
        const cJSON *secure = member(ic, "Secure");
        if (!cJSON_IsBool(secure) || ic->string == NULL || strlen(ic->string) > DOCKER_STRING_MAX ||
            out->n_index_configs >= DOCKER_LIST_MAX) {
            out->invalid |= bit;
            continue;
        }
        void *items = out->index_configs;
        if (!grow(p, &items, out->n_index_configs, &cap, sizeof(*out->index_configs)))
            return;
        out->index_configs = items;
        char *name = pdup(p, ic->string, strlen(ic->string));
        if (name == NULL)
            return;
        out->index_configs[out->n_index_configs++] =
            (struct docker_registry_index){ .name = name, .secure = cJSON_IsTrue(secure) };
    }
}

static void parse_swarm(struct pctx *p, const cJSON *sw, struct docker_info *out)
{
    const uint64_t bit = BIT(DOCKER_F_INFO_SWARM);
    if (!cJSON_IsObject(sw)) {
        out->invalid |= bit;
        return;
    }
    get_str(p, sw, "LocalNodeState", &out->swarm_state, &out->invalid, bit);
    get_bool_opt(sw, "ControlAvailable", &out->swarm_control_available, &out->invalid, bit);
    get_long_opt(sw, "Managers", &out->swarm_managers, &out->invalid, bit);
    get_str_opt(p, sw, "NodeAddr", &out->swarm_node_addr, &out->invalid, bit);
    /* Cluster is there on managers only; each level below may be omitted. */
    const cJSON *level = member(sw, "Cluster");
    static const char *const path[] = { "Spec", "EncryptionConfig" };
    for (size_t k = 0; k < sizeof(path) / sizeof(path[0]) && level != NULL; k++) {
        if (cJSON_IsNull(level))
            return;
        if (!cJSON_IsObject(level)) {
            out->invalid |= bit;
            return;
        }
        level = member(level, path[k]);
    }
    if (level == NULL || cJSON_IsNull(level))
        return;
    if (!cJSON_IsObject(level)) {
        out->invalid |= bit;
        return;
    }
    get_bool_opt(level, "AutoLockManagers", &out->swarm_autolock, &out->invalid, bit);
}

int docker_parse_info(const char *json, size_t len, struct docker_info *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = json_parse_object(json, len, err, errlen);
    if (root == NULL)
        return -1;
    struct pctx p = { false };
    uint64_t *inv = &out->invalid;
    get_str(&p, root, "ServerVersion", &out->server_version, inv,
            BIT(DOCKER_F_INFO_SERVER_VERSION));
    get_str(&p, root, "Driver", &out->driver, inv, BIT(DOCKER_F_INFO_DRIVER));
    get_str(&p, root, "LoggingDriver", &out->logging_driver, inv,
            BIT(DOCKER_F_INFO_LOGGING_DRIVER));
    get_bool(root, "LiveRestoreEnabled", &out->live_restore, inv, BIT(DOCKER_F_INFO_LIVE_RESTORE));
    get_list(&p, root, "SecurityOptions", &out->security_options, LIST_PLAIN, inv,
             BIT(DOCKER_F_INFO_SECURITY_OPTIONS));
    parse_registry(&p, member(root, "RegistryConfig"), out);
    parse_swarm(&p, member(root, "Swarm"), out);
    get_str(&p, root, "DockerRootDir", &out->docker_root_dir, inv,
            BIT(DOCKER_F_INFO_DOCKER_ROOT_DIR));
    get_bool(root, "ExperimentalBuild", &out->experimental, inv, BIT(DOCKER_F_INFO_EXPERIMENTAL));
    get_long(root, "Containers", &out->containers, inv, BIT(DOCKER_F_INFO_COUNTS));
    get_long(root, "ContainersRunning", &out->containers_running, inv, BIT(DOCKER_F_INFO_COUNTS));
    get_long(root, "Images", &out->images, inv, BIT(DOCKER_F_INFO_COUNTS));
    cJSON_Delete(root);
    if (p.oom) {
        docker_info_free(out);
        return oom_error(err, errlen);
    }
    return 0;
}

/* ---- /containers/{id}/json ---- */

static void parse_state(struct pctx *p, const cJSON *st, struct docker_container *c)
{
    get_str(p, st, "Status", &c->state, &c->invalid, BIT(DOCKER_F_C_STATE));
    get_bool(st, "Running", &c->running, &c->invalid, BIT(DOCKER_F_C_STATE));
    get_long(st, "Pid", &c->pid, &c->invalid, BIT(DOCKER_F_C_PID));
    /* A container that never ran has the zero time; absent (old APIs) counts as started. */
    const char *started = cJSON_GetStringValue(member(st, "StartedAt"));
    c->never_started = started != NULL && strncmp(started, "0001-01-01T00:00:00", 19) == 0;
    const cJSON *health = member(st, "Health");
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
    get_str_opt(p, health, "Status", &c->health_status, &c->invalid, BIT(DOCKER_F_C_HEALTH));
}

/*
 * Config.Healthcheck.Test[0]: the health check a start runs (the image's is
 * merged into the container's Config at create). Absent, null, or an empty
 * Test: "" (none). A mistyped one sets the State.Health bit.
 */
/* Config.Labels: {"name": "value"} as "name=value" items, capped like any list. */
static void parse_labels(struct pctx *p, const cJSON *labels, struct docker_container *c)
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
        void *items = c->labels.items;
        if (!grow(p, &items, c->labels.len, &cap, sizeof(char *)))
            return;
        c->labels.items = items;
        char *joined = pjoin(p, item->string, '=', v);
        if (joined == NULL)
            return;
        c->labels.items[c->labels.len++] = joined;
    }
}

static void parse_health_test(struct pctx *p, const cJSON *config, struct docker_container *c)
{
    const cJSON *hc = member(config, "Healthcheck");
    const cJSON *test = member(hc, "Test");
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
    c->health_test = pdup(p, first, strlen(first));
}

static void parse_mounts(struct pctx *p, const cJSON *mounts, struct docker_container *c)
{
    const uint64_t bit = BIT(DOCKER_F_C_MOUNTS);
    if (cJSON_IsNull(mounts))
        return;
    if (!cJSON_IsArray(mounts)) {
        c->invalid |= bit;
        return;
    }
    size_t cap = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, mounts)
    {
        if (c->n_mounts >= DOCKER_LIST_MAX) {
            c->invalid |= bit;
            break;
        }
        uint64_t bad = 0;
        struct docker_mount dm = { 0 };
        get_str(p, m, "Type", &dm.type, &bad, 1);
        get_str(p, m, "Source", &dm.source, &bad, 1);
        get_str(p, m, "Destination", &dm.destination, &bad, 1);
        get_str_opt(p, m, "Propagation", &dm.propagation, &bad, 1);
        get_str_opt(p, m, "Name", &dm.name, &bad, 1);
        get_str_opt(p, m, "Driver", &dm.driver, &bad, 1);
        get_bool(m, "RW", &dm.rw, &bad, 1);
        void *items = c->mounts;
        if (bad != 0 || p->oom || !grow(p, &items, c->n_mounts, &cap, sizeof(dm))) {
            c->invalid |= bit;
            free(dm.type);
            free(dm.source);
            free(dm.destination);
            free(dm.propagation);
            free(dm.name);
            free(dm.driver);
            continue;
        }
        c->mounts = items;
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
static void parse_ports(struct pctx *p, const cJSON *pb, struct docker_port_binding **out,
                        size_t *n_out, uint64_t bit, struct docker_container *c)
{
    if (cJSON_IsNull(pb))
        return;
    if (!cJSON_IsObject(pb)) {
        c->invalid |= bit;
        return;
    }
    size_t cap = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, pb)
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
            const char *ip = cJSON_GetStringValue(member(b, "HostIp"));
            const char *port = cJSON_GetStringValue(member(b, "HostPort"));
            unsigned lo = 0, hi = 0;
            if (ip == NULL || port == NULL || strlen(ip) > DOCKER_STRING_MAX ||
                !parse_host_port(port, &lo, &hi)) {
                c->invalid |= bit;
                continue;
            }
            void *items = *out;
            if (!grow(p, &items, *n_out, &cap, sizeof(**out)))
                return;
            *out = items;
            struct docker_port_binding pbnd = {
                .container_port = pdup(p, entry->string, strlen(entry->string)),
                .host_ip = pdup(p, ip, strlen(ip)),
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

static void parse_restart(struct pctx *p, const cJSON *rp, struct docker_container *c)
{
    const uint64_t bit = BIT(DOCKER_F_C_RESTART_POLICY);
    uint64_t bad = 0;
    char *name = NULL;
    long retries = 0;
    get_str(p, rp, "Name", &name, &bad, 1);
    get_long_opt(rp, "MaximumRetryCount", &retries, &bad, 1);
    if (bad != 0 || name == NULL) {
        free(name);
        c->invalid |= bit;
        return;
    }
    if (name[0] == '\0') { /* the API's default policy: never restart */
        free(name);
        name = pdup(p, "no", 2);
    }
    c->restart_policy = name;
    c->restart_max_retries = retries;
}

/* Returns the capacity of c->devices.items, for the entries added after it. */
static size_t parse_devices(struct pctx *p, const cJSON *devs, struct docker_container *c)
{
    const uint64_t bit = BIT(DOCKER_F_C_DEVICES);
    size_t cap = 0;
    if (cJSON_IsNull(devs))
        return cap;
    if (!cJSON_IsArray(devs)) {
        c->invalid |= bit;
        return cap;
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, devs)
    {
        const char *host = cJSON_GetStringValue(member(d, "PathOnHost"));
        const char *cont = cJSON_GetStringValue(member(d, "PathInContainer"));
        if (host == NULL || cont == NULL || strlen(host) > DOCKER_STRING_MAX ||
            strlen(cont) > DOCKER_STRING_MAX || c->devices.len >= DOCKER_LIST_MAX) {
            c->invalid |= bit;
            continue;
        }
        void *items = c->devices.items;
        if (!grow(p, &items, c->devices.len, &cap, sizeof(char *)))
            return cap;
        c->devices.items = items;
        char *s = pjoin(p, host, ':', cont);
        if (s != NULL)
            c->devices.items[c->devices.len++] = s;
    }
    return cap;
}

/*
 * DeviceCgroupRules (--device-cgroup-rule) and DeviceRequests (--gpus) give
 * host devices too; both are optional (absent or null: none). They join
 * the devices list (docker.h) for 5.18.
 */
static void parse_device_rules_and_requests(struct pctx *p, const cJSON *hc,
                                            struct docker_container *c, size_t cap)
{
    const uint64_t bit = BIT(DOCKER_F_C_DEVICES);
    char text[DOCKER_STRING_MAX + 64];
    const cJSON *rules = member(hc, "DeviceCgroupRules");
    if (rules != NULL && !cJSON_IsNull(rules) && !cJSON_IsArray(rules))
        c->invalid |= bit;
    const cJSON *r;
    const cJSON *rule_list = cJSON_IsArray(rules) ? rules : NULL;
    cJSON_ArrayForEach(r, rule_list)
    {
        const char *rule = cJSON_GetStringValue(r);
        if (rule == NULL || strlen(rule) > DOCKER_STRING_MAX || c->devices.len >= DOCKER_LIST_MAX) {
            c->invalid |= bit;
            continue;
        }
        snprintf(text, sizeof(text), "cgroup rule %s", rule);
        str_list_push(p, &c->devices, &cap, text, strlen(text));
    }
    const cJSON *reqs = member(hc, "DeviceRequests");
    if (reqs != NULL && !cJSON_IsNull(reqs) && !cJSON_IsArray(reqs))
        c->invalid |= bit;
    const cJSON *req_list = cJSON_IsArray(reqs) ? reqs : NULL;
    cJSON_ArrayForEach(r, req_list)
    {
        const char *driver = cJSON_GetStringValue(member(r, "Driver"));
        int64_t count = 0;
        if (!cJSON_IsObject(r) || !number_int64(member(r, "Count"), &count) ||
            c->devices.len >= DOCKER_LIST_MAX) {
            c->invalid |= bit;
            continue;
        }
        /* Capabilities: [["gpu"], ...]; the first of each set, for the evidence. */
        char caps[128] = "";
        size_t used = 0;
        const cJSON *set;
        cJSON_ArrayForEach(set, member(r, "Capabilities"))
        {
            const char *first = cJSON_GetStringValue(cJSON_GetArrayItem(set, 0));
            if (first == NULL || strlen(first) > 32 || used + strlen(first) + 2 >= sizeof(caps))
                continue;
            used += (size_t)snprintf(caps + used, sizeof(caps) - used, "%s%s", used > 0 ? "," : "",
                                     first);
        }
        /* DeviceIDs (--gpus device=0,1): which ones, rather than a count of 0. */
        char ids[128] = "";
        size_t iu = 0;
        const cJSON *did;
        cJSON_ArrayForEach(did, member(r, "DeviceIDs"))
        {
            const char *d = cJSON_GetStringValue(did);
            if (d == NULL || strlen(d) > 32 || iu + strlen(d) + 2 >= sizeof(ids))
                continue;
            iu += (size_t)snprintf(ids + iu, sizeof(ids) - iu, "%s%s", iu > 0 ? "," : "", d);
        }
        if (ids[0] != '\0')
            snprintf(text, sizeof(text), "request %.64s devices=%s%s%s",
                     driver != NULL && driver[0] != '\0' ? driver : "(any driver)", ids,
                     caps[0] != '\0' ? " " : "", caps);
        else
            snprintf(text, sizeof(text), "request %.64s count=%" PRId64 "%s%s",
                     driver != NULL && driver[0] != '\0' ? driver : "(any driver)", count,
                     caps[0] != '\0' ? " " : "", caps);
        str_list_push(p, &c->devices, &cap, text, strlen(text));
    }
}

static void parse_ulimits(struct pctx *p, const cJSON *uls, struct docker_container *c)
{
    const uint64_t bit = BIT(DOCKER_F_C_ULIMITS);
    if (cJSON_IsNull(uls))
        return;
    if (!cJSON_IsArray(uls)) {
        c->invalid |= bit;
        return;
    }
    size_t cap = 0;
    const cJSON *u;
    cJSON_ArrayForEach(u, uls)
    {
        const char *name = cJSON_GetStringValue(member(u, "Name"));
        int64_t soft = 0, hard = 0;
        if (name == NULL || strlen(name) > DOCKER_STRING_MAX ||
            !number_int64(member(u, "Soft"), &soft) || !number_int64(member(u, "Hard"), &hard) ||
            c->ulimits.len >= DOCKER_LIST_MAX) {
            c->invalid |= bit;
            continue;
        }
        char nums[64];
        snprintf(nums, sizeof(nums), "%" PRId64 ":%" PRId64, soft, hard);
        void *items = c->ulimits.items;
        if (!grow(p, &items, c->ulimits.len, &cap, sizeof(char *)))
            return;
        c->ulimits.items = items;
        char *s = pjoin(p, name, '=', nums);
        if (s != NULL)
            c->ulimits.items[c->ulimits.len++] = s;
    }
}

static void parse_networks_of(struct pctx *p, const cJSON *ns, struct docker_container *c)
{
    const uint64_t bit = BIT(DOCKER_F_C_NETWORKS);
    const cJSON *nets = member(ns, "Networks");
    if (cJSON_IsNull(nets))
        return;
    if (!cJSON_IsObject(nets)) {
        c->invalid |= bit;
        return;
    }
    size_t cap = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, nets)
    {
        if (n->string == NULL || strlen(n->string) > DOCKER_STRING_MAX ||
            c->networks.len >= DOCKER_LIST_MAX) {
            c->invalid |= bit;
            continue;
        }
        str_list_push(p, &c->networks, &cap, n->string, strlen(n->string));
    }
}

static void parse_host_config(struct pctx *p, const cJSON *hc, struct docker_container *c)
{
    uint64_t *inv = &c->invalid;
    get_list(p, hc, "SecurityOpt", &c->security_opt, LIST_SECURITY_OPT, inv,
             BIT(DOCKER_F_C_SECURITY_OPT));
    get_bool(hc, "Privileged", &c->privileged, inv, BIT(DOCKER_F_C_PRIVILEGED));
    get_list(p, hc, "CapAdd", &c->cap_add, LIST_PLAIN, inv, BIT(DOCKER_F_C_CAP_ADD));
    get_list(p, hc, "CapDrop", &c->cap_drop, LIST_PLAIN, inv, BIT(DOCKER_F_C_CAP_DROP));
    get_str(p, hc, "NetworkMode", &c->network_mode, inv, BIT(DOCKER_F_C_NETWORK_MODE));
    get_str(p, hc, "PidMode", &c->pid_mode, inv, BIT(DOCKER_F_C_PID_MODE));
    get_str(p, hc, "IpcMode", &c->ipc_mode, inv, BIT(DOCKER_F_C_IPC_MODE));
    get_str(p, hc, "UTSMode", &c->uts_mode, inv, BIT(DOCKER_F_C_UTS_MODE));
    get_str(p, hc, "UsernsMode", &c->userns_mode, inv, BIT(DOCKER_F_C_USERNS_MODE));
    get_str(p, hc, "CgroupParent", &c->cgroup_parent, inv, BIT(DOCKER_F_C_CGROUP_PARENT));
    get_int64(hc, "Memory", &c->memory, inv, BIT(DOCKER_F_C_MEMORY));
    get_int64(hc, "CpuShares", &c->cpu_shares, inv, BIT(DOCKER_F_C_CPU));
    get_int64(hc, "CpuQuota", &c->cpu_quota, inv, BIT(DOCKER_F_C_CPU));
    /* NanoCpus arrived in API 1.25; on a 1.24 daemon it is absent, i.e. unset. */
    if (member(hc, "NanoCpus") != NULL)
        get_int64(hc, "NanoCpus", &c->nano_cpus, inv, BIT(DOCKER_F_C_CPU));
    else if (!cJSON_IsObject(hc))
        *inv |= BIT(DOCKER_F_C_CPU);
    const cJSON *pids = member(hc, "PidsLimit");
    if (cJSON_IsNull(pids))
        c->pids_limit_set = false;
    else if (number_int64(pids, &c->pids_limit))
        c->pids_limit_set = true;
    else
        *inv |= BIT(DOCKER_F_C_PIDS_LIMIT);
    get_bool(hc, "ReadonlyRootfs", &c->readonly_rootfs, inv, BIT(DOCKER_F_C_READONLY_ROOTFS));
    const cJSON *pb = member(hc, "PortBindings");
    if (pb == NULL)
        *inv |= BIT(DOCKER_F_C_PORTS);
    else
        parse_ports(p, pb, &c->ports, &c->n_ports, BIT(DOCKER_F_C_PORTS), c);
    /* PublishAllPorts is omitted by no API version we speak; absent is "not asked". */
    get_bool_opt(hc, "PublishAllPorts", &c->publish_all, inv, BIT(DOCKER_F_C_PUBLISH_ALL));
    parse_restart(p, member(hc, "RestartPolicy"), c);
    const cJSON *devs = member(hc, "Devices");
    if (devs == NULL)
        *inv |= BIT(DOCKER_F_C_DEVICES);
    else
        parse_device_rules_and_requests(p, hc, c, parse_devices(p, devs, c));
    const cJSON *uls = member(hc, "Ulimits");
    if (uls == NULL)
        *inv |= BIT(DOCKER_F_C_ULIMITS);
    else
        parse_ulimits(p, uls, c);
}

int docker_parse_container(const char *json, size_t len, struct docker_container *out, char *err,
                           size_t errlen)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = json_parse_object(json, len, err, errlen);
    if (root == NULL)
        return -1;
    const char *id = cJSON_GetStringValue(member(root, "Id"));
    if (id == NULL || id[0] == '\0' || strlen(id) > DOCKER_STRING_MAX) {
        cJSON_Delete(root);
        snprintf(err, errlen, "container answer without an Id");
        return -1;
    }
    struct pctx p = { false };
    uint64_t *inv = &out->invalid;
    out->id = pdup(&p, id, strlen(id));

    get_str(&p, root, "Name", &out->name, inv, BIT(DOCKER_F_C_NAME));
    if (out->name != NULL && out->name[0] == '/')
        memmove(out->name, out->name + 1, strlen(out->name));

    const cJSON *config = member(root, "Config");
    get_str(&p, config, "Image", &out->image, inv, BIT(DOCKER_F_C_IMAGE));
    get_str(&p, root, "Image", &out->image_id, inv, BIT(DOCKER_F_C_IMAGE));
    parse_state(&p, member(root, "State"), out);
    get_str(&p, config, "User", &out->user, inv, BIT(DOCKER_F_C_USER));
    parse_health_test(&p, config, out);
    get_list(&p, config, "Env", &out->env_names, LIST_NAMES, inv, BIT(DOCKER_F_C_ENV));
    parse_labels(&p, member(config, "Labels"), out);
    get_str(&p, root, "AppArmorProfile", &out->apparmor_profile, inv, BIT(DOCKER_F_C_APPARMOR));

    parse_host_config(&p, member(root, "HostConfig"), out);

    const cJSON *mounts = member(root, "Mounts");
    if (mounts == NULL)
        *inv |= BIT(DOCKER_F_C_MOUNTS);
    else
        parse_mounts(&p, mounts, out);
    const cJSON *ns = member(root, "NetworkSettings");
    if (!cJSON_IsObject(ns) || member(ns, "Networks") == NULL)
        *inv |= BIT(DOCKER_F_C_NETWORKS);
    else
        parse_networks_of(&p, ns, out);
    /* NetworkSettings.Ports: {} or null for a container that is not running. */
    const cJSON *live = member(ns, "Ports");
    if (!cJSON_IsObject(ns) || (live != NULL && !cJSON_IsNull(live) && !cJSON_IsObject(live)))
        *inv |= BIT(DOCKER_F_C_LIVE_PORTS);
    else if (live != NULL)
        parse_ports(&p, live, &out->live_ports, &out->n_live_ports, BIT(DOCKER_F_C_LIVE_PORTS),
                    out);
    /* Config.ExposedPorts: {"80/tcp": {}}; the image's EXPOSE is merged in at create. */
    const cJSON *exposed = member(config, "ExposedPorts");
    if (exposed != NULL && !cJSON_IsNull(exposed)) {
        if (!cJSON_IsObject(exposed)) {
            *inv |= BIT(DOCKER_F_C_PUBLISH_ALL);
        } else {
            size_t cap = 0;
            const cJSON *e;
            cJSON_ArrayForEach(e, exposed)
            {
                if (e->string == NULL || strlen(e->string) > DOCKER_STRING_MAX ||
                    out->exposed_ports.len >= DOCKER_LIST_MAX) {
                    *inv |= BIT(DOCKER_F_C_PUBLISH_ALL);
                    continue;
                }
                str_list_push(&p, &out->exposed_ports, &cap, e->string, strlen(e->string));
            }
        }
    }
    out->overcap = p.overcap & out->invalid;

    wipe_env(cJSON_GetObjectItemCaseSensitive(root, "Config"));
    cJSON_Delete(root);
    if (p.oom) {
        docker_container_free(out);
        return oom_error(err, errlen);
    }
    return 0;
}

/* ---- /images/{id}/json and history ---- */

static bool is_placeholder_tag(const char *s)
{
    return strcmp(s, "<none>:<none>") == 0 || strcmp(s, "<none>@<none>") == 0;
}

int docker_parse_image(const char *json, size_t len, struct docker_image *out, char *err,
                       size_t errlen)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = json_parse_object(json, len, err, errlen);
    if (root == NULL)
        return -1;
    const char *id = cJSON_GetStringValue(member(root, "Id"));
    if (id == NULL || id[0] == '\0' || strlen(id) > DOCKER_STRING_MAX) {
        cJSON_Delete(root);
        snprintf(err, errlen, "image answer without an Id");
        return -1;
    }
    struct pctx p = { false };
    out->id = pdup(&p, id, strlen(id));

    /* RepoTags has no bit of its own: unreadable tags leave the image known by id. */
    uint64_t ignored = 0;
    struct str_list tags = { 0 };
    get_list(&p, root, "RepoTags", &tags, LIST_PLAIN, &ignored, 1);
    size_t keep = 0;
    for (size_t k = 0; k < tags.len; k++) {
        if (is_placeholder_tag(tags.items[k]))
            free(tags.items[k]);
        else
            tags.items[keep++] = tags.items[k];
    }
    tags.len = keep;
    out->repo_tags = tags;

    const cJSON *created = member(root, "Created");
    const char *cs = cJSON_GetStringValue(created);
    if (!(cs != NULL ? parse_rfc3339(cs, &out->created) : number_int64(created, &out->created))) {
        out->created = 0;
        out->invalid |= BIT(DOCKER_F_I_CREATED);
    }

    /*
     * Config null is an image with no configuration (no user, no health
     * check). Since API 1.44 its fields are omitted when empty.
     */
    const uint64_t cbit = BIT(DOCKER_F_I_CONFIG);
    const cJSON *config = member(root, "Config");
    if (config == NULL || (!cJSON_IsObject(config) && !cJSON_IsNull(config))) {
        out->invalid |= cbit;
    } else {
        get_str_opt(&p, config, "User", &out->user, &out->invalid, cbit);
        const cJSON *hc = member(config, "Healthcheck");
        if (hc != NULL && !cJSON_IsNull(hc)) {
            const cJSON *test = member(hc, "Test");
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
    wipe_env(cJSON_GetObjectItemCaseSensitive(root, "Config"));
    wipe_env(cJSON_GetObjectItemCaseSensitive(root, "ContainerConfig"));
    cJSON_Delete(root);
    if (p.oom) {
        docker_image_free(out);
        return oom_error(err, errlen);
    }
    return 0;
}

struct history_ctx {
    struct pctx p;
    struct docker_image *img;
    size_t cap;
};

static int history_element(const cJSON *el, size_t index, void *arg, char *err, size_t errlen)
{
    struct history_ctx *h = arg;
    const char *s = cJSON_GetStringValue(member(el, "CreatedBy"));
    if (s == NULL || h->img->history.len >= DOCKER_LIST_MAX) {
        h->img->invalid |= BIT(DOCKER_F_I_HISTORY);
        return 0;
    }
    size_t n = strlen(s);
    if (n > HISTORY_CREATED_BY_MAX) {
        n = HISTORY_CREATED_BY_MAX;
        /* Never split a UTF-8 sequence: back up to the start of the cut character. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    str_list_push(&h->p, &h->img->history, &h->cap, s, n);
    return h->p.oom ? oom_error(err, errlen) : 0;
}

int docker_parse_image_history(const char *json, size_t len, struct docker_image *out, char *err,
                               size_t errlen)
{
    str_list_free(&out->history);
    out->invalid &= ~BIT(DOCKER_F_I_HISTORY);
    struct history_ctx h = { .p = { false }, .img = out, .cap = 0 };
    if (json_array_each(json, len, history_element, &h, err, errlen) != 0) {
        str_list_free(&out->history);
        out->invalid |= BIT(DOCKER_F_I_HISTORY);
        return -1;
    }
    return 0;
}

/* ---- lists ---- */

struct ids_ctx {
    struct pctx p;
    struct str_list *ids;
    size_t cap;
};

static int id_element(const cJSON *el, size_t index, void *arg, char *err, size_t errlen)
{
    struct ids_ctx *x = arg;
    const char *id = cJSON_GetStringValue(member(el, "Id"));
    if (id == NULL || id[0] == '\0' || strlen(id) > DOCKER_STRING_MAX) {
        snprintf(err, errlen, "element %zu of the list has no Id", index);
        return -1;
    }
    if (x->ids->len >= DOCKER_ID_LIST_MAX) {
        snprintf(err, errlen, "list with more than %d entries", DOCKER_ID_LIST_MAX);
        return -1;
    }
    str_list_push(&x->p, x->ids, &x->cap, id, strlen(id));
    return x->p.oom ? oom_error(err, errlen) : 0;
}

int docker_parse_container_ids(const char *json, size_t len, struct str_list *ids, char *err,
                               size_t errlen)
{
    memset(ids, 0, sizeof(*ids));
    struct ids_ctx x = { .p = { false }, .ids = ids, .cap = 0 };
    if (json_array_each(json, len, id_element, &x, err, errlen) != 0) {
        str_list_free(ids);
        return -1;
    }
    return 0;
}

struct networks_ctx {
    struct pctx p;
    struct docker_network *items;
    size_t n, cap;
};

static int network_element(const cJSON *el, size_t index, void *arg, char *err, size_t errlen)
{
    struct networks_ctx *x = arg;
    const char *name = cJSON_GetStringValue(member(el, "Name"));
    const char *driver = cJSON_GetStringValue(member(el, "Driver"));
    const cJSON *opts = member(el, "Options");
    if (name == NULL || driver == NULL || strlen(name) > DOCKER_STRING_MAX ||
        strlen(driver) > DOCKER_STRING_MAX ||
        (opts != NULL && !cJSON_IsNull(opts) && !cJSON_IsObject(opts))) {
        snprintf(err, errlen, "network %zu has no Name/Driver or mistyped Options", index);
        return -1;
    }
    if (x->n >= DOCKER_LIST_MAX) {
        snprintf(err, errlen, "more than %d networks", DOCKER_LIST_MAX);
        return -1;
    }
    void *items = x->items;
    if (!grow(&x->p, &items, x->n, &x->cap, sizeof(*x->items)))
        return oom_error(err, errlen);
    x->items = items;
    const char *hb =
        cJSON_GetStringValue(member(opts, "com.docker.network.bridge.host_binding_ipv4"));
    if (hb == NULL || strlen(hb) > DOCKER_STRING_MAX)
        hb = "";
    struct docker_network nw = {
        .name = pdup(&x->p, name, strlen(name)),
        .driver = pdup(&x->p, driver, strlen(driver)),
        .encrypted = member(opts, "encrypted") != NULL,
        .internal = cJSON_IsTrue(member(el, "Internal")),
        .host_binding_ip = pdup(&x->p, hb, strlen(hb)),
    };
    if (x->p.oom) {
        free(nw.name);
        free(nw.driver);
        free(nw.host_binding_ip);
        return oom_error(err, errlen);
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
    const cJSON *vols = member(root, "Volumes");
    if (vols != NULL && !cJSON_IsNull(vols) && !cJSON_IsArray(vols)) {
        cJSON_Delete(root);
        snprintf(err, errlen, "Volumes is %s, want an array", json_type_name(vols));
        return -1;
    }
    struct pctx p = { false, 0 };
    struct docker_volume *items = NULL;
    size_t count = 0, cap = 0;
    const cJSON *v;
    int rc = 0;
    cJSON_ArrayForEach(v, vols)
    {
        const char *name = cJSON_GetStringValue(member(v, "Name"));
        const char *driver = cJSON_GetStringValue(member(v, "Driver"));
        const cJSON *opts = member(v, "Options");
        if (name == NULL || driver == NULL || strlen(name) > DOCKER_STRING_MAX ||
            strlen(driver) > DOCKER_STRING_MAX ||
            (opts != NULL && !cJSON_IsNull(opts) && !cJSON_IsObject(opts))) {
            snprintf(err, errlen, "volume %zu has no Name/Driver or mistyped Options", count);
            rc = -1;
            break;
        }
        if (count >= DOCKER_LIST_MAX) {
            snprintf(err, errlen, "more than %d volumes", DOCKER_LIST_MAX);
            rc = -1;
            break;
        }
        void *grown = items;
        if (!grow(&p, &grown, count, &cap, sizeof(*items)))
            break;
        items = grown;
        const char *o = cJSON_GetStringValue(member(opts, "o"));
        const char *device = cJSON_GetStringValue(member(opts, "device"));
        struct docker_volume vol = {
            .name = pdup(&p, name, strlen(name)),
            .driver = pdup(&p, driver, strlen(driver)),
        };
        /*
         * The local driver mounts `device` on the volume's _data (volume/local
         * mount()): with o=bind/rbind it is a host path; an absolute device
         * without bind (type=ext4 device=/dev/sda1) is a host block device.
         * Either way the container reaches that host path.
         */
        if (device != NULL && strlen(device) <= DOCKER_STRING_MAX &&
            (device[0] == '/' || (o != NULL && options_bind(o))))
            vol.bind_device = pdup(&p, device, strlen(device));
        items[count++] = vol;
        if (p.oom)
            break;
    }
    cJSON_Delete(root);
    if (p.oom) {
        docker_volumes_free(items, count);
        return oom_error(err, errlen);
    }
    if (rc != 0) {
        docker_volumes_free(items, count);
        return -1;
    }
    *out = items;
    *n = count;
    return 0;
}

/* ---- names ---- */

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
