/*
 * waivers.c - the waivers file and the pass that applies it; see waivers.h.
 *
 * The file is walked with common/yamlwalk.h like the web config: unknown
 * keys, repeated keys, wrong types and bad values are "FILE:LINE: why"
 * errors, and a file with any error is refused whole (on SIGHUP the set in
 * force stays). The pass runs after the collectors and before anything is
 * built from their results, so metrics, `dockward check` and the report
 * all see the same waived results.
 */
#include "waivers.h"

#include "collection.h"

#include "../common/buf.h"
#include "../common/log.h"
#include "../common/safefile.h"
#include "../common/yamlwalk.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

static void free_list(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static void waiver_clear(struct waiver *w)
{
    free(w->id);
    free_list(w->checks, w->n_checks);
    free_list(w->targets, w->n_targets);
    free_list(w->hosts, w->n_hosts);
    free_list(w->labels, w->n_labels);
    free(w->reason);
    free(w->owner);
    free(w->ticket);
}

void waivers_free(struct waivers *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n; i++)
        waiver_clear(&w->items[i]);
    free(w->items);
    free(w);
}

/* ---- values ---- */

static bool two_digits(const char *s, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

/*
 * "2027-03-31" (that day's 00:00:00 UTC) or an RFC 3339 time
 * ("2027-03-31T12:00:00Z", "...T12:00:00.5+02:00"). 0, or -1 when malformed.
 */
static int parse_expiry(const char *s, double *out)
{
    int hi, lo, mon, day, hh = 0, mm = 0, ss = 0;
    if (!two_digits(s, &hi) || !two_digits(s + 2, &lo) || s[4] != '-' || !two_digits(s + 5, &mon) ||
        s[7] != '-' || !two_digits(s + 8, &day))
        return -1;
    const char *p = s + 10;
    double frac = 0, offset = 0;
    if (*p != '\0') {
        if ((*p != 'T' && *p != 't') || !two_digits(p + 1, &hh) || p[3] != ':' ||
            !two_digits(p + 4, &mm) || p[6] != ':' || !two_digits(p + 7, &ss))
            return -1;
        p += 9;
        if (*p == '.') {
            double scale = 0.1;
            if (p[1] < '0' || p[1] > '9')
                return -1;
            for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                frac += (*p - '0') * scale;
        }
        int oh, om;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if ((*p == '+' || *p == '-') && two_digits(p + 1, &oh) && p[3] == ':' &&
                   two_digits(p + 4, &om) && oh < 24 && om < 60) {
            offset = (*p == '-' ? -1 : 1) * (oh * 3600.0 + om * 60.0);
            p += 6;
        } else {
            return -1;
        }
        if (*p != '\0')
            return -1;
    }
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
        return -1;
    struct tm tm = { .tm_year = hi * 100 + lo - 1900,
                     .tm_mon = mon - 1,
                     .tm_mday = day,
                     .tm_hour = hh,
                     .tm_min = mm,
                     .tm_sec = ss };
    time_t t = timegm(&tm);
    /* timegm normalises 2027-02-30 into March: a day it moved was not a real date. */
    if (t == (time_t)-1 || tm.tm_mday != day || tm.tm_mon != mon - 1)
        return -1;
    *out = (double)t + frac - offset;
    return 0;
}

static void format_day(double t, char *out, size_t outlen)
{
    time_t secs = (time_t)floor(t);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL || strftime(out, outlen, "%Y-%m-%d", &tm) == 0)
        snprintf(out, outlen, "?");
}

/* ---- the walk ---- */

struct parser {
    struct yaml_walk w;
    struct waivers *set;
    size_t cap;
    double now, max_ahead;
    bool have_list; /* the top level held waivers */
};

static bool has_control(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c < 0x20 || *c == 0x7f)
            return true;
    }
    return false;
}

/* A string value of 1..max bytes without control characters; *out malloc'd. */
static int read_text(struct parser *p, const char *key, size_t line, size_t max, char **out)
{
    if (yaml_walk_read_string(&p->w, key, out) != 0)
        return -1;
    size_t n = strlen(*out);
    if (n == 0 || n > max || has_control(*out)) {
        yaml_walk_fail(&p->w, line, "%s: want 1 to %zu bytes of text without control characters",
                       key, max);
        return -1;
    }
    return 0;
}

/* A list of 1..WAIVER_PATTERNS_MAX strings (or a single string); items checked by `ok`. */
static int read_list(struct parser *p, const char *key, size_t line, char ***items, size_t *n,
                     const char *(*ok)(const char *item))
{
    if (yaml_walk_next(&p->w) != 0)
        return -1;
    bool single = p->w.ev.type == YAML_SCALAR_EVENT && !yaml_walk_is_null(&p->w);
    if (!single && p->w.ev.type != YAML_SEQUENCE_START_EVENT) {
        yaml_walk_fail(&p->w, yaml_walk_line(&p->w), "%s: want a list of strings, found %s", key,
                       yaml_walk_kind(&p->w));
        return -1;
    }
    *items = calloc(WAIVER_PATTERNS_MAX, sizeof(**items));
    if (*items == NULL) {
        yaml_walk_fail(&p->w, line, "out of memory");
        return -1;
    }
    for (;;) {
        if (!single) {
            if (yaml_walk_next(&p->w) != 0)
                return -1;
            if (p->w.ev.type == YAML_SEQUENCE_END_EVENT)
                break;
        }
        size_t at = yaml_walk_line(&p->w);
        if (p->w.ev.type != YAML_SCALAR_EVENT || yaml_walk_is_null(&p->w)) {
            yaml_walk_fail(&p->w, at, "%s: want a string, found %s", key,
                           yaml_walk_is_null(&p->w) ? "null" : yaml_walk_kind(&p->w));
            return -1;
        }
        const char *s = yaml_walk_scalar(&p->w);
        size_t len = p->w.ev.data.scalar.length;
        if (len != strlen(s) || len > WAIVER_PATTERN_MAX || has_control(s)) {
            yaml_walk_fail(&p->w, at,
                           "%s: an item must be 1 to %d bytes without control characters", key,
                           WAIVER_PATTERN_MAX);
            return -1;
        }
        const char *why = ok(s);
        if (why != NULL) {
            yaml_walk_fail(&p->w, at, "%s: \"%s\" %s", key, s, why);
            return -1;
        }
        if (*n >= WAIVER_PATTERNS_MAX) {
            yaml_walk_fail(&p->w, at, "%s: more than %d items", key, WAIVER_PATTERNS_MAX);
            return -1;
        }
        if (((*items)[*n] = strdup(s)) == NULL) {
            yaml_walk_fail(&p->w, at, "out of memory");
            return -1;
        }
        (*n)++;
        if (single)
            break;
    }
    if (*n == 0) {
        yaml_walk_fail(&p->w, line, "%s: the list is empty", key);
        return -1;
    }
    return 0;
}

static const char *ok_check(const char *s)
{
    if (s[0] == '\0' || strcspn(s, ", \t") != strlen(s))
        return "is not a check id or prefix (e.g. \"5.5\", \"5\", \"dockward.image_age\")";
    return NULL;
}

static const char *ok_glob(const char *s)
{
    return s[0] == '\0' ? "is empty" : NULL;
}

static const char *ok_target(const char *s)
{
    if (s[0] == '\0')
        return "is empty";
    /* Every target has a kind: "host", or "<kind>/<name>". */
    if (strchr(s, '/') == NULL && fnmatch(s, "host", 0) != 0)
        return "matches no target (targets are \"host\" or \"<kind>/<name>\", e.g. "
               "\"container/web-*\")";
    return NULL;
}

/* A waiver being read: the parser, the waiver, the keys its mapping has held. */
struct waiver_walk {
    struct parser *p;
    struct waiver *w;
    unsigned seen;
};

/* One label of container_labels (a yaml_walk_key_fn). */
static int label_key(void *ctx, const char *k, size_t at)
{
    struct parser *p = ((struct waiver_walk *)ctx)->p;
    struct waiver *w = ((struct waiver_walk *)ctx)->w;
    size_t klen = p->w.ev.data.scalar.length;
    if (klen == 0 || klen != strlen(k) || klen > WAIVER_PATTERN_MAX || has_control(k) ||
        strchr(k, '=') != NULL) {
        yaml_walk_fail(&p->w, at,
                       "container_labels: a label name must be 1 to %d bytes "
                       "without '=' or control characters",
                       WAIVER_PATTERN_MAX);
        return -1;
    }
    if (w->n_labels >= WAIVER_PATTERNS_MAX) {
        yaml_walk_fail(&p->w, at, "container_labels: more than %d labels", WAIVER_PATTERNS_MAX);
        return -1;
    }
    char name[WAIVER_PATTERN_MAX + 2];
    snprintf(name, sizeof(name), "%s=", k); /* k dies with the next event */
    for (size_t i = 0; i < w->n_labels; i++) {
        if (strncmp(w->labels[i], name, strlen(name)) == 0) {
            yaml_walk_fail(&p->w, at, "container_labels: duplicate label \"%.*s\"", (int)klen,
                           name);
            return -1;
        }
    }
    char *value = NULL;
    if (yaml_walk_read_string(&p->w, "container_labels", &value) != 0)
        return -1;
    size_t vlen = strlen(value);
    if (vlen > WAIVER_PATTERN_MAX || has_control(value)) {
        free(value);
        yaml_walk_fail(&p->w, at,
                       "container_labels: a value must be at most %d bytes "
                       "without control characters",
                       WAIVER_PATTERN_MAX);
        return -1;
    }
    size_t need = strlen(name) + vlen + 1;
    char *joined = malloc(need);
    if (joined == NULL) {
        free(value);
        yaml_walk_fail(&p->w, at, "out of memory");
        return -1;
    }
    snprintf(joined, need, "%s%s", name, value);
    free(value);
    w->labels[w->n_labels++] = joined;
    return 0;
}

/* container_labels: a mapping of label name to exact value, kept as "name=value". */
static int read_labels(struct parser *p, size_t line, struct waiver *w)
{
    int open = yaml_walk_open_mapping(&p->w, "container_labels");
    if (open < 0)
        return -1;
    if (open == 0) {
        yaml_walk_fail(&p->w, line, "container_labels: the mapping is empty");
        return -1;
    }
    w->labels = calloc(WAIVER_PATTERNS_MAX, sizeof(*w->labels));
    if (w->labels == NULL) {
        yaml_walk_fail(&p->w, line, "out of memory");
        return -1;
    }
    struct waiver_walk ww = { p, w, 0 };
    if (yaml_walk_each_key(&p->w, "container_labels", label_key, &ww) != 0)
        return -1;
    if (w->n_labels == 0) {
        yaml_walk_fail(&p->w, line, "container_labels: the mapping is empty");
        return -1;
    }
    return 0;
}

static const char *const waiver_keys[] = { "id",    "checks",           "targets",
                                           "hosts", "container_labels", "reason",
                                           "owner", "expires",          "ticket",
                                           NULL };

static int read_expires(struct parser *p, size_t line, struct waiver *w)
{
    char *text = NULL;
    if (yaml_walk_read_string(&p->w, "expires", &text) != 0)
        return -1;
    int rc = parse_expiry(text, &w->expires);
    if (rc != 0) {
        yaml_walk_fail(&p->w, line,
                       "expires: \"%.64s\" is not a date (2027-03-31) or an RFC 3339 time "
                       "(2027-03-31T12:00:00Z)",
                       text);
    } else if (w->expires > p->now + p->max_ahead) {
        char limit[32];
        format_day(p->now + p->max_ahead, limit, sizeof(limit));
        yaml_walk_fail(&p->w, line,
                       "expires: %s is more than %.0f days ahead (the latest allowed is %s; "
                       "--waivers.max-duration)",
                       text, p->max_ahead / 86400, limit);
        rc = -1;
    }
    free(text);
    return rc;
}

static int read_ticket(struct parser *p, size_t line, struct waiver *w)
{
    if (read_text(p, "ticket", line, WAIVER_TEXT_MAX, &w->ticket) != 0)
        return -1;
    if (strncmp(w->ticket, "https://", 8) != 0 && strncmp(w->ticket, "http://", 7) != 0) {
        yaml_walk_fail(&p->w, line, "ticket: want an http:// or https:// URL");
        return -1;
    }
    if (strchr(w->ticket, ' ') != NULL) {
        yaml_walk_fail(&p->w, line, "ticket: a URL holds no spaces");
        return -1;
    }
    return 0;
}

static int read_id(struct parser *p, size_t line, struct waiver *w)
{
    if (yaml_walk_read_string(&p->w, "id", &w->id) != 0)
        return -1;
    size_t n = strspn(w->id, ID_CHARS);
    if (n == 0 || n > WAIVER_ID_MAX || w->id[n] != '\0') {
        yaml_walk_fail(&p->w, line, "id: want 1 to %d of [A-Za-z0-9._-]", WAIVER_ID_MAX);
        return -1;
    }
    for (size_t i = 0; i < p->set->n; i++) {
        if (strcmp(p->set->items[i].id, w->id) == 0) {
            yaml_walk_fail(&p->w, line, "id: \"%s\" is already the id of the waiver at line %zu",
                           w->id, p->set->items[i].line);
            return -1;
        }
    }
    return 0;
}

static const struct yaml_keys waiver_section = {
    "waiver: ", waiver_keys, NULL, 64,
    " (want id, checks, targets, hosts, container_labels, reason, owner, expires, ticket)"
};

/* One key of a waiver (a yaml_walk_key_fn). */
static int waiver_key(void *ctx, const char *k, size_t line)
{
    struct waiver_walk *ww = ctx;
    struct parser *p = ww->p;
    struct waiver *w = ww->w;
    int idx = yaml_walk_known_key(&p->w, &waiver_section, &ww->seen, k, line);
    if (idx < 0)
        return -1;
    int r;
    switch (idx) {
    case 0:
        r = read_id(p, line, w);
        break;
    case 1:
        r = read_list(p, "checks", line, &w->checks, &w->n_checks, ok_check);
        break;
    case 2:
        r = read_list(p, "targets", line, &w->targets, &w->n_targets, ok_target);
        break;
    case 3:
        r = read_list(p, "hosts", line, &w->hosts, &w->n_hosts, ok_glob);
        break;
    case 4:
        r = read_labels(p, line, w);
        break;
    case 5:
        r = read_text(p, "reason", line, WAIVER_TEXT_MAX, &w->reason);
        break;
    case 6:
        r = read_text(p, "owner", line, WAIVER_TEXT_MAX, &w->owner);
        break;
    case 7:
        r = read_expires(p, line, w);
        break;
    default:
        r = read_ticket(p, line, w);
        break;
    }
    return r != 0 ? -1 : 0;
}

/* One waiver, its mapping open; w is zeroed and owned by the caller. */
static int parse_waiver(struct parser *p, struct waiver *w)
{
    w->line = yaml_walk_line(&p->w);
    struct waiver_walk ww = { p, w, 0 };
    if (yaml_walk_each_key(&p->w, "waiver", waiver_key, &ww) != 0)
        return -1;
    const unsigned seen = ww.seen;
    /* Required: everything but hosts, container_labels and ticket. */
    static const int required[] = { 0, 1, 2, 5, 6, 7 };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (!(seen & (1u << required[i]))) {
            yaml_walk_fail(&p->w, w->line, "waiver%s%s: missing %s", w->id ? " " : "",
                           w->id ? w->id : "", waiver_keys[required[i]]);
            return -1;
        }
    }
    if (w->n_labels > 0) {
        for (size_t i = 0; i < w->n_targets; i++) {
            if (strncmp(w->targets[i], "container/", 10) != 0) {
                yaml_walk_fail(&p->w, w->line,
                               "waiver %s: with container_labels every target must start with "
                               "\"container/\" (only containers have labels), not \"%s\"",
                               w->id, w->targets[i]);
                return -1;
            }
        }
    }
    return 0;
}

static int parse_list(struct parser *p)
{
    int open = yaml_walk_open_list(&p->w, "waivers");
    if (open <= 0)
        return open;
    for (;;) {
        if (yaml_walk_next(&p->w) != 0)
            return -1;
        if (p->w.ev.type == YAML_SEQUENCE_END_EVENT)
            return 0;
        if (p->w.ev.type != YAML_MAPPING_START_EVENT) {
            yaml_walk_fail(&p->w, yaml_walk_line(&p->w), "waivers: want a mapping, found %s",
                           yaml_walk_kind(&p->w));
            return -1;
        }
        if (p->set->n >= WAIVERS_MAX) {
            yaml_walk_fail(&p->w, yaml_walk_line(&p->w), "waivers: more than %d waivers",
                           WAIVERS_MAX);
            return -1;
        }
        if (array_grow(&p->set->items, p->set->n, &p->cap, sizeof(*p->set->items), 8) != 0) {
            yaml_walk_fail(&p->w, yaml_walk_line(&p->w), "out of memory");
            return -1;
        }
        struct waiver *w = &p->set->items[p->set->n];
        memset(w, 0, sizeof(*w));
        int rc = parse_waiver(p, w);
        if (rc != 0) {
            waiver_clear(w);
            return -1;
        }
        p->set->n++;
    }
}

/* One key of the top level (a yaml_walk_key_fn): the one key is waivers. */
static int top_key(void *ctx, const char *k, size_t line)
{
    struct parser *p = ctx;
    if (strcmp(k, "waivers") != 0) {
        yaml_walk_fail(&p->w, line, "unknown key \"%.64s\" (the file has one key, waivers)", k);
        return -1;
    }
    if (p->have_list) {
        yaml_walk_fail(&p->w, line, "duplicate key \"waivers\"");
        return -1;
    }
    p->have_list = true;
    return parse_list(p) != 0 ? -1 : 0;
}

static int parse_top(struct parser *p)
{
    int open = yaml_walk_open_document(&p->w);
    if (open < 0)
        return -1;
    p->have_list = false;
    if (open > 0 && yaml_walk_each_key(&p->w, "the top level", top_key, p) != 0)
        return -1;
    if (yaml_walk_close_document(&p->w) != 0)
        return -1;
    if (!p->have_list) {
        yaml_walk_fail(&p->w, 1, "missing the key waivers (an empty list is \"waivers: []\")");
        return -1;
    }
    return 0;
}

struct waivers *waivers_parse(const char *text, size_t len, const char *path, double now,
                              double max_ahead, char *err, size_t errlen)
{
    struct parser p;
    memset(&p, 0, sizeof(p));
    p.w.path = path;
    p.w.err = err;
    p.w.errlen = errlen;
    p.now = now;
    p.max_ahead = max_ahead;
    if (len > WAIVERS_FILE_MAX) {
        yaml_walk_fail(&p.w, 1, "larger than %d bytes", WAIVERS_FILE_MAX);
        return NULL;
    }
    p.set = calloc(1, sizeof(*p.set));
    if (p.set == NULL) {
        yaml_walk_fail(&p.w, 1, "out of memory");
        return NULL;
    }
    if (yaml_walk_begin(&p.w, text, len, path, err, errlen) != 0) {
        waivers_free(p.set);
        return NULL;
    }
    int rc = parse_top(&p);
    yaml_walk_end(&p.w);
    if (rc != 0) {
        waivers_free(p.set);
        return NULL;
    }
    return p.set;
}

struct waivers *waivers_load(const char *path, double now, double max_ahead, char *err,
                             size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    if (safefile_read(path, "waivers file", 0, WAIVERS_FILE_MAX, &text, &len, err, errlen) != 0)
        return NULL;
    struct waivers *w = waivers_parse(text, len, path, now, max_ahead, err, errlen);
    free(text);
    return w;
}

/* ---- matching ---- */

/* Whether `id` equals `pattern` or lies below it ("5" -> "5.25"), as --check.include. */
static bool check_under(const char *id, const char *pattern)
{
    size_t n = strlen(pattern);
    return strncmp(id, pattern, n) == 0 && (id[n] == '\0' || id[n] == '.');
}

static bool any_glob(char *const *globs, size_t n, const char *subject)
{
    for (size_t i = 0; i < n; i++) {
        if (fnmatch(globs[i], subject, 0) == 0)
            return true;
    }
    return false;
}

bool waiver_matches(const struct waiver *w, const char *check_id, const char *target,
                    const char *hostname)
{
    bool check = false;
    for (size_t i = 0; i < w->n_checks && !check; i++)
        check = check_under(check_id, w->checks[i]);
    return check && any_glob(w->targets, w->n_targets, target) &&
           (w->n_hosts == 0 || any_glob(w->hosts, w->n_hosts, hostname));
}

/* The container a "container/<name>" target names in the sweep, or NULL. */
static const struct docker_container *target_container(const struct collection *col,
                                                       const char *target)
{
    if (!col->swept || strncmp(target, "container/", 10) != 0)
        return NULL;
    for (size_t i = 0; i < col->sweep.n_containers; i++) {
        const struct docker_container *c = &col->sweep.containers[i];
        if (c->name != NULL && strcmp(c->name, target + 10) == 0)
            return c;
    }
    return NULL;
}

/* Whether the container carries every "name=value" of the waiver. */
static bool labels_match(const struct waiver *w, const struct docker_container *c)
{
    for (size_t i = 0; i < w->n_labels; i++) {
        bool found = false;
        for (size_t k = 0; k < c->labels.len && !found; k++)
            found = strcmp(c->labels.items[k], w->labels[i]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* The evidence of a waived result: the finding, then the waiver (always kept whole). */
static char *waived_evidence(const char *finding, const struct waiver *w)
{
    char day[32], tail[WAIVER_ID_MAX + 64];
    format_day(w->expires, day, sizeof(day));
    int t = snprintf(tail, sizeof(tail), " (waived by %s until %s)", w->id, day);
    size_t tlen = t > 0 ? (size_t)t : 0;
    size_t flen = strlen(finding);
    size_t room = RESULT_EVIDENCE_MAX > tlen ? RESULT_EVIDENCE_MAX - tlen : 0;
    bool cut = flen > room;
    if (cut)
        flen = room >= 3 ? room - 3 : 0;
    char *out = malloc(flen + 3 + tlen + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, finding, flen);
    size_t at = flen;
    if (cut) {
        /* Never split a UTF-8 sequence: back up to the start of one. */
        while (at > 0 && ((unsigned char)finding[at] & 0xc0) == 0x80)
            at--;
        memcpy(out + at, "...", 3);
        at += 3;
    }
    memcpy(out + at, tail, tlen + 1);
    return out;
}

void waiver_book_init(struct waiver_book *b, const char *path, double max_ahead)
{
    memset(b, 0, sizeof(*b));
    b->path = path;
    b->max_ahead = max_ahead;
    b->last_load_ok = true;
    pthread_mutex_init(&b->lock, NULL);
}

static void clear_figures(struct waiver_book *b)
{
    for (size_t i = 0; i < b->n_figures; i++)
        free(b->figures[i].id);
    free(b->figures);
    b->figures = NULL;
    b->n_figures = 0;
}

void waiver_book_destroy(struct waiver_book *b)
{
    waivers_free(b->set);
    clear_figures(b);
    pthread_mutex_destroy(&b->lock);
}

int waiver_book_load(struct waiver_book *b, double now, char *err, size_t errlen)
{
    if (b->path == NULL)
        return 0;
    struct waivers *set = waivers_load(b->path, now, b->max_ahead, err, errlen);
    pthread_mutex_lock(&b->lock);
    b->last_load_ok = set != NULL;
    if (set != NULL) {
        waivers_free(b->set);
        b->set = set;
        /* The figures are the next collection's: until then, none (not a false "unused"). */
        b->told = false;
        clear_figures(b);
    }
    pthread_mutex_unlock(&b->lock);
    if (set != NULL)
        snprintf(err, errlen, "%zu waiver(s) read from %s", set->n, b->path);
    return set != NULL ? 0 : -1;
}

long waiver_book_apply(struct waiver_book *b, struct collection *col, const char *hostname,
                       double now)
{
    if (b == NULL || b->path == NULL)
        return 0;
    pthread_mutex_lock(&b->lock);
    const struct waivers *set = b->set;
    size_t n = set != NULL ? set->n : 0;
    struct waiver_figure *figs = calloc(n ? n : 1, sizeof(*figs));
    long waived = 0;
    bool oom = figs == NULL;
    for (size_t i = 0; !oom && i < n; i++) {
        const struct waiver *w = &set->items[i];
        figs[i].expires = w->expires;
        figs[i].elsewhere =
            w->n_hosts > 0 && !any_glob(w->hosts, w->n_hosts, hostname != NULL ? hostname : "");
        if ((figs[i].id = strdup(w->id)) == NULL)
            oom = true;
    }
    for (size_t r = 0; !oom && r < col->n_runs; r++) {
        struct collector_run *run = &col->runs[r];
        for (size_t k = 0; !oom && k < run->results.len; k++) {
            struct result *res = &run->results.items[k];
            if (res->status == CHECK_WAIVED && res->finding != NULL) {
                /* Waived by an earlier apply and kept since (events mode re-judges only what
                 * changed): judged again against the waivers in force now. */
                free(res->evidence);
                free(res->waiver);
                res->evidence = res->finding;
                res->finding = NULL;
                res->waiver = NULL;
                res->status = res->judged;
            }
            if (res->status != CHECK_FAIL && res->status != CHECK_WARN)
                continue;
            for (size_t i = 0; i < n; i++) {
                const struct waiver *w = &set->items[i];
                if (!(now < w->expires) ||
                    !waiver_matches(w, res->check->id, res->target, hostname))
                    continue;
                if (w->n_labels > 0) {
                    const struct docker_container *c = target_container(col, res->target);
                    if (c == NULL || !labels_match(w, c))
                        continue;
                }
                char *evidence = waived_evidence(res->evidence, w);
                char *id = strdup(w->id);
                if (evidence == NULL || id == NULL) {
                    free(evidence);
                    free(id);
                    oom = true;
                    break;
                }
                res->finding = res->evidence;
                res->evidence = evidence;
                res->waiver = id;
                res->judged = res->status;
                res->status = CHECK_WAIVED;
                figs[i].matched++;
                waived++;
                break; /* the first live waiver of the file that matches */
            }
        }
    }
    if (oom) {
        for (size_t i = 0; figs != NULL && i < n; i++)
            free(figs[i].id);
        free(figs);
    } else {
        clear_figures(b);
        b->figures = figs;
        b->n_figures = n;
        for (size_t i = 0; !b->told && i < n; i++) {
            if (figs[i].elsewhere)
                continue;
            char day[32];
            format_day(figs[i].expires, day, sizeof(day));
            if (!(now < figs[i].expires))
                log_warnx("waiver %s expired on %s: it waives nothing (its results are judged "
                          "as they are); renew it or remove it",
                          figs[i].id, day);
            else if (figs[i].matched == 0)
                log_warnx("waiver %s matched nothing (a fixed finding, or a wrong pattern); "
                          "remove it or fix it",
                          figs[i].id);
        }
        b->told = true;
    }
    pthread_mutex_unlock(&b->lock);
    return oom ? -1 : waived;
}

int waiver_book_metrics(struct waiver_book *b, struct expo *e)
{
    if (b == NULL || b->path == NULL)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&b->lock);
    rc |= expo_family(e, "dockward_waivers_last_reload_successful", METRIC_GAUGE,
                      "1 when the last load of --waivers.file (start or SIGHUP) succeeded, 0 "
                      "when it failed and the previous waivers stayed.");
    rc |=
        expo_sample(e, "dockward_waivers_last_reload_successful", NULL, 0, b->last_load_ok ? 1 : 0);
    rc |= expo_family(e, "dockward_waiver_expiry_timestamp_seconds", METRIC_GAUGE,
                      "When the waiver expires (it waives nothing from then on).");
    rc |= expo_family(e, "dockward_waiver_matched_targets", METRIC_GAUGE,
                      "Results the waiver waived at the last collection (0: it matches nothing, "
                      "or it has expired).");
    for (size_t i = 0; i < b->n_figures; i++) {
        if (b->figures[i].elsewhere)
            continue; /* a waiver of a shared file for other hosts: not this host's to report */
        struct metric_label l[] = { EXPO_LABEL("waiver", b->figures[i].id) };
        rc |=
            expo_sample(e, "dockward_waiver_expiry_timestamp_seconds", l, 1, b->figures[i].expires);
        rc |=
            expo_sample(e, "dockward_waiver_matched_targets", l, 1, (double)b->figures[i].matched);
    }
    pthread_mutex_unlock(&b->lock);
    return rc;
}
