/*
 * docker_json.c - the reading the Docker answer parsers share (see
 * docker_json.h): bounded JSON, copies, the field readers behind the field
 * tables, and RFC 3339 times.
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
 */
#include "docker_json.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bounded JSON ---- */

static size_t skip_ws(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/*
 * Scans JSON text from json[*at] up to len, tracking strings and nesting:
 * counts values (an upper bound: one per '[', '{' and ',' outside strings,
 * plus one) and the depth against the caps. For element `index` of an array
 * (`element` true) it stops at the ',' or closing bracket that ends the
 * element (at depth 0); *at is left where the scan stopped. Returns 0 when
 * both are within the caps, else -1 with err.
 */
static int json_scan(const char *json, size_t len, size_t *at, int depth_max, bool element,
                     size_t index, char *err, size_t errlen)
{
    size_t values = 1, i = *at;
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
            if (++depth > depth_max) {
                snprintf(err, errlen, "JSON nested deeper than %d levels", DOCKER_JSON_DEPTH_MAX);
                return -1;
            }
            values++;
        } else if (ch == ']' || ch == '}') {
            if (element && depth == 0)
                break;
            depth--;
        } else if (ch == ',') {
            if (element && depth == 0)
                break;
            values++;
        }
        if (values > DOCKER_JSON_VALUES_MAX) {
            if (element)
                snprintf(err, errlen, "JSON with more than %d values in element %zu",
                         DOCKER_JSON_VALUES_MAX, index);
            else
                snprintf(err, errlen, "JSON with more than %d values", DOCKER_JSON_VALUES_MAX);
            return -1;
        }
    }
    *at = i;
    return 0;
}

/* The caps of json_scan over a whole text. */
static int json_bounds(const char *json, size_t len, int depth_max, char *err, size_t errlen)
{
    size_t at = 0;
    return json_scan(json, len, &at, depth_max, false, 0, err, errlen);
}

const char *json_type_name(const cJSON *v)
{
    static const struct {
        int type;
        const char *name;
    } names[] = { { cJSON_Object, "an object" }, { cJSON_Array, "an array" },
                  { cJSON_String, "a string" },  { cJSON_Number, "a number" },
                  { cJSON_False, "a boolean" },  { cJSON_True, "a boolean" },
                  { cJSON_NULL, "null" } };
    int type = v != NULL ? v->type & 0xFF : cJSON_Invalid;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].type == type)
            return names[i].name;
    }
    return "something else";
}

/*
 * Parses exactly json[0..len) (trailing whitespace allowed, nothing else)
 * after bounding it. Returns the tree (caller frees with cJSON_Delete) or NULL
 * with err.
 */
cJSON *json_parse_bounded(const char *json, size_t len, int depth_max, char *err, size_t errlen)
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
cJSON *json_parse_object(const char *json, size_t len, char *err, size_t errlen)
{
    cJSON *root = json_parse_bounded(json, len, DOCKER_JSON_DEPTH_MAX, err, errlen);
    if (root != NULL && !cJSON_IsObject(root)) {
        snprintf(err, errlen, "want a JSON object, got %s", json_type_name(root));
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/*
 * Calls fn for each element of a top-level JSON array, parsing one element
 * at a time: the scan finds where an element ends (strings and nesting
 * tracked, each element bounded like a whole answer, one level less deep)
 * and only that slice goes to cJSON. Returns 0, or -1 with err (bad JSON, or
 * what fn returned).
 */
int json_array_each(const char *json, size_t len, json_element_fn fn, void *arg, char *err,
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
            size_t start = i;
            if (json_scan(json, len, &i, DOCKER_JSON_DEPTH_MAX - 1, true, index, err, errlen) != 0)
                return -1;
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

char *parse_dup(struct parse_ctx *p, const char *s, size_t n)
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
char *parse_join(struct parse_ctx *p, const char *a, char sep, const char *b)
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
bool parse_grow(struct parse_ctx *p, void *items_ptr, size_t len, size_t *cap, size_t size)
{
    if (array_grow(items_ptr, len, cap, size, 4) != 0) {
        p->oom = true;
        return false;
    }
    return true;
}

void parse_str_list_push(struct parse_ctx *p, struct str_list *l, size_t *cap, const char *s,
                         size_t n)
{
    if (!parse_grow(p, &l->items, l->len, cap, sizeof(char *)))
        return;
    char *d = parse_dup(p, s, n);
    if (d != NULL)
        l->items[l->len++] = d;
}

bool parse_str_list_join(struct parse_ctx *p, struct str_list *l, size_t *cap, const char *a,
                         char sep, const char *b)
{
    if (!parse_grow(p, &l->items, l->len, cap, sizeof(char *)))
        return false;
    char *d = parse_join(p, a, sep, b);
    if (d == NULL)
        return false;
    l->items[l->len++] = d;
    return true;
}

/* ---- field readers ---- */

const cJSON *json_member(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* A string member, copied. Absent, mistyped or over DOCKER_STRING_MAX: sets bit. */
static void get_str(struct parse_ctx *p, const cJSON *v, char **out, uint64_t *invalid,
                    uint64_t bit)
{
    const char *s = cJSON_GetStringValue(v);
    size_t n = s != NULL ? strlen(s) : 0;
    if (s == NULL || n > DOCKER_STRING_MAX) {
        *invalid |= bit;
        return;
    }
    *out = parse_dup(p, s, n);
}

static void get_bool(const cJSON *v, bool *out, uint64_t *invalid, uint64_t bit)
{
    if (!cJSON_IsBool(v)) {
        *invalid |= bit;
        return;
    }
    *out = cJSON_IsTrue(v);
}

/* A JSON number that is a whole number within int64_t. */
bool json_int64(const cJSON *v, int64_t *out)
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

static void get_int64(const cJSON *v, int64_t *out, uint64_t *invalid, uint64_t bit)
{
    if (!json_int64(v, out))
        *invalid |= bit;
}

static void get_long(const cJSON *v, long *out, uint64_t *invalid, uint64_t bit)
{
    int64_t n = 0;
    if (!json_int64(v, &n) || n < LONG_MIN || n > LONG_MAX) {
        *invalid |= bit;
        return;
    }
    *out = (long)n;
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
static void security_opt_push(struct parse_ctx *p, struct str_list *l, size_t *cap, const char *s,
                              uint64_t bit)
{
    size_t n = strlen(s), kl = security_opt_key_len(s);
    bool inline_profile = kl == 7 && strncmp(s, "seccomp", 7) == 0 && s[kl] != '\0' &&
                          s[kl + 1 + strspn(s + kl + 1, " \t\r\n")] == '{';
    if (!inline_profile && n <= DOCKER_STRING_MAX) {
        parse_str_list_push(p, l, cap, s, n);
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
    parse_str_list_push(p, l, cap, text, strlen(text));
}

/*
 * A list of strings: null is empty; absent, not an array, an element that is
 * not a string or too long, or more than DOCKER_LIST_MAX items set bit (the
 * well-formed items are still kept).
 */
static void get_list(struct parse_ctx *p, const cJSON *v, struct str_list *out, enum list_mode mode,
                     uint64_t *invalid, uint64_t bit)
{
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
        parse_str_list_push(p, out, &cap, s, n);
    }
}

/*
 * Overwrites the values of an Env list inside a parsed tree before it is
 * freed, so they do not linger in freed heap memory (the body the tree came
 * from is the caller's to wipe).
 */
void json_wipe_env(cJSON *config)
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
bool parse_rfc3339(const char *s, int64_t *out)
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

int parse_oom_error(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory while parsing");
    return -1;
}

const char *json_kept_string(const cJSON *v)
{
    const char *s = cJSON_GetStringValue(v);
    return s != NULL && strlen(s) <= DOCKER_STRING_MAX ? s : NULL;
}

const char *json_id(const cJSON *obj)
{
    const char *id = json_kept_string(json_member(obj, "Id"));
    return id != NULL && id[0] != '\0' ? id : NULL;
}

int docker_answer_parse(const struct docker_answer *a, const char *json, size_t len, void *out,
                        uint64_t *invalid, char *err, size_t errlen)
{
    cJSON *root = json_parse_object(json, len, err, errlen);
    if (root == NULL)
        return -1;
    struct parse_ctx p = { false };
    if (a->what != NULL) {
        const char *id = json_id(root);
        if (id == NULL) {
            cJSON_Delete(root);
            snprintf(err, errlen, "%s answer without an Id", a->what);
            return -1;
        }
        *(char **)((char *)out + a->id_offset) = parse_dup(&p, id, strlen(id));
    }
    docker_fields_read(&p, root, a->fields, a->n_fields, out, invalid);
    a->read_rest(&p, root, out);
    cJSON_Delete(root);
    if (p.oom) {
        a->free_out(out);
        return parse_oom_error(err, errlen);
    }
    return 0;
}

const cJSON *json_items_of(const cJSON *v, bool object, uint64_t *invalid, uint64_t bit)
{
    if (cJSON_IsNull(v))
        return NULL;
    if (object ? !cJSON_IsObject(v) : !cJSON_IsArray(v)) {
        *invalid |= bit;
        return NULL;
    }
    return v;
}

/* ---- field tables ---- */

/*
 * The object that holds the last member of `path` ("HostConfig" of
 * "HostConfig.CapAdd", obj itself for "CapAdd"), with *key its name. NULL
 * when a member on the way is missing or not an object; the readers treat
 * that as an absent field.
 */
static const cJSON *json_parent(const cJSON *obj, const char *path, const char **key)
{
    char name[64];
    for (;;) {
        size_t n = strcspn(path, ".");
        if (path[n] == '\0') {
            *key = path;
            return obj;
        }
        if (n >= sizeof(name)) {
            *key = path + n + 1;
            return NULL;
        }
        memcpy(name, path, n);
        name[n] = '\0';
        obj = json_member(obj, name);
        path += n + 1;
    }
}

void docker_fields_read(struct parse_ctx *p, const cJSON *obj, const struct docker_field *fields,
                        size_t n, void *out, uint64_t *invalid)
{
    static const enum list_mode modes[] = {
        [FIELD_LIST] = LIST_PLAIN,
        [FIELD_LIST_NAMES] = LIST_NAMES,
        [FIELD_LIST_SECURITY_OPT] = LIST_SECURITY_OPT,
    };
    for (size_t i = 0; i < n; i++) {
        const struct docker_field *f = &fields[i];
        const char *key = NULL;
        const cJSON *parent = json_parent(obj, f->path, &key);
        void *at = (char *)out + f->offset;
        uint64_t none = 0;
        uint64_t *inv = f->bit == FIELD_NO_BIT ? &none : invalid;
        uint64_t bit = f->bit == FIELD_NO_BIT ? 1 : BIT(f->bit);
        bool optional = f->presence == FIELD_OPTIONAL;
        const cJSON *v = json_member(parent, key);
        /* Optional and absent (a string: or null) is the zero value, "" for a string. */
        if (optional && (v == NULL || (f->type == FIELD_STRING && cJSON_IsNull(v)))) {
            if (f->type == FIELD_STRING)
                *(char **)at = parse_dup(p, "", 0);
            continue;
        }
        switch (f->type) {
        case FIELD_STRING:
            get_str(p, v, at, inv, bit);
            /* Mistyped, a field without a bit has nothing to say so: keep it readable as "". */
            if (f->bit == FIELD_NO_BIT && *(char **)at == NULL)
                *(char **)at = parse_dup(p, "", 0);
            break;
        case FIELD_BOOL:
            get_bool(v, at, inv, bit);
            break;
        case FIELD_INT64:
            get_int64(v, at, inv, bit);
            break;
        case FIELD_LONG:
            get_long(v, at, inv, bit);
            break;
        case FIELD_LIST:
        case FIELD_LIST_NAMES:
        case FIELD_LIST_SECURITY_OPT:
            get_list(p, v, at, modes[f->type], inv, bit);
            break;
        }
    }
}

void docker_fields_free(const struct docker_field *fields, size_t n, void *out)
{
    for (size_t i = 0; i < n; i++) {
        void *at = (char *)out + fields[i].offset;
        switch (fields[i].type) {
        case FIELD_STRING:
            free(*(char **)at);
            *(char **)at = NULL;
            break;
        case FIELD_LIST:
        case FIELD_LIST_NAMES:
        case FIELD_LIST_SECURITY_OPT:
            str_list_free(at);
            break;
        case FIELD_BOOL:
        case FIELD_INT64:
        case FIELD_LONG:
            break;
        }
    }
}
