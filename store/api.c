/*
 * api.c - the JSON query API; see api.h for the endpoints and the pool.
 *
 * Each endpoint first checks its parameters (names it knows, each at most
 * once, values parsed strictly), then reads inside one BEGIN ... COMMIT on
 * a pooled connection and builds the answer with cJSON. Which statement
 * runs depends on which filters were given (four drift statements rather
 * than one with "? IS NULL OR ..." clauses), so each can use its index.
 */
#include "api.h"

#include "db.h"
#include "storage.h"
#include "report.h"
#include "rows.h"
#include "timestamp.h"

#include "../common/expo.h"
#include "../common/utf8.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum reader_stmt {
    R_HOSTS,
    R_HOST,
    R_HOST_ROWS,
    R_HOST_ID,
    R_CHECK,
    R_DRIFT_ALL,
    R_DRIFT_HOST,
    R_DRIFT_CHECK,
    R_DRIFT_BOTH,
    R_COUNT
};

#define HOST_COLUMNS                                                                             \
    "host_id, hostname, agent_version, last_seq, last_seen_ms, n_pass, n_fail, n_warn, n_skip, " \
    "n_error"
/*
 * Drift rows (one per report, its events packed: rows.h) in the store's
 * order; a row's id is its last event's, so "d.id > after" finds the row
 * holding the first event after `after`. `since` is the store's receive
 * time (?2 and ?4 unused: the page is cut in C, events at a time).
 */
#define DRIFT_COLUMNS                                                                \
    "SELECT d.id, d.n, h.host_id, h.hostname, d.at_ms, d.report_id, d.received_ms, " \
    "d.events "
#define DRIFT_SELECT DRIFT_COLUMNS "FROM drift d JOIN hosts h ON h.id = d.host WHERE "
#define DRIFT_TAIL   " d.received_ms >= ?1 AND d.id > ?3 ORDER BY d.id"
#define DRIFT_BY_CHECK                                                            \
    DRIFT_COLUMNS "FROM drift_checks c JOIN drift d ON d.id = c.id JOIN hosts h " \
                  "ON h.id = d.host WHERE c.check_id = ?6 AND c.id > ?3 AND d.received_ms >= ?1 "

static const char *const reader_sql[R_COUNT] = {
    /* A retired host (retired_ms != 0) is in no list until it reports again. */
    [R_HOSTS] = "SELECT " HOST_COLUMNS " FROM hosts WHERE host_id > ?1 AND retired_ms = 0 "
                "ORDER BY host_id LIMIT ?2",
    [R_HOST] = "SELECT " HOST_COLUMNS ", id, catalog_version, generated_ms, first_seen_ms, owner "
               "FROM hosts WHERE host_id = ?1 AND retired_ms = 0",
    [R_HOST_ROWS] = "SELECT data FROM results WHERE host = ?1",
    [R_HOST_ID] = "SELECT id FROM hosts WHERE host_id = ?1",
    [R_CHECK] = "SELECT f.host, h.host_id, h.hostname, h.last_seen_ms, r.data "
                "FROM failing f JOIN hosts h ON h.id = f.host JOIN results r ON r.host = f.host "
                "WHERE f.check_id = ?1 AND f.host > ?2 ORDER BY f.host",
    [R_DRIFT_ALL] = DRIFT_SELECT DRIFT_TAIL,
    [R_DRIFT_HOST] = DRIFT_SELECT "d.host = ?5 AND" DRIFT_TAIL,
    [R_DRIFT_CHECK] = DRIFT_BY_CHECK "ORDER BY c.id",
    [R_DRIFT_BOTH] = DRIFT_BY_CHECK "AND d.host = ?5 ORDER BY c.id",
};

/* A statement loop's own failures, beside storage_step's codes. */
#define API_NOMEM   (-2)
#define API_CORRUPT (-3)

struct reader {
    struct storage_reader *db;
    struct store_rows rows;     /* a host's results, unpacked */
    struct store_events events; /* a drift row's events, unpacked */
    struct reader *next;
};

struct store_api {
    struct storage_target target; /* its strings owned */
    uint64_t stale_after_ms;
    pthread_mutex_t lock; /* guards the pool below */
    pthread_cond_t freed;
    struct reader *idle;
    size_t open;
};

/* ---- the pool ---- */

static void reader_close(struct reader *r)
{
    if (r == NULL)
        return;
    storage_reader_close(r->db);
    store_rows_free(&r->rows);
    store_events_free(&r->events);
    free(r);
}

static struct reader *reader_open(const struct storage_target *target, char *err, size_t errlen)
{
    struct reader *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (storage_reader_open(target, reader_sql, R_COUNT, &r->db, err, errlen) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

static struct reader *pool_acquire(struct store_api *api, char *err, size_t errlen)
{
    pthread_mutex_lock(&api->lock);
    while (api->idle == NULL && api->open >= API_READERS_MAX)
        pthread_cond_wait(&api->freed, &api->lock);
    struct reader *r = api->idle;
    if (r != NULL) {
        api->idle = r->next;
        pthread_mutex_unlock(&api->lock);
        return r;
    }
    api->open++;
    pthread_mutex_unlock(&api->lock);
    r = reader_open(&api->target, err, errlen);
    if (r == NULL) {
        pthread_mutex_lock(&api->lock);
        api->open--;
        pthread_cond_signal(&api->freed);
        pthread_mutex_unlock(&api->lock);
    }
    return r;
}

static void pool_release(struct store_api *api, struct reader *r)
{
    pthread_mutex_lock(&api->lock);
    r->next = api->idle;
    api->idle = r;
    pthread_cond_signal(&api->freed);
    pthread_mutex_unlock(&api->lock);
}

static char *dup_or_null(const char *s, bool *failed)
{
    char *d = s != NULL ? strdup(s) : NULL;
    if (s != NULL && d == NULL)
        *failed = true;
    return d;
}

int store_api_open(struct store_api **out, const char *path, uint64_t stale_after_ms, char *err,
                   size_t errlen)
{
    const struct storage_target t = { .kind = STORAGE_SQLITE, .path = path };
    return store_api_open_target(out, &t, stale_after_ms, err, errlen);
}

int store_api_open_target(struct store_api **out, const struct storage_target *target,
                          uint64_t stale_after_ms, char *err, size_t errlen)
{
    *out = NULL;
    struct store_api *api = calloc(1, sizeof(*api));
    bool failed = api == NULL;
    if (api != NULL) {
        api->target.kind = target->kind;
        api->target.path = dup_or_null(target->path, &failed);
        api->target.url = dup_or_null(target->url, &failed);
        api->target.password = dup_or_null(target->password, &failed);
    }
    if (failed) {
        if (api != NULL) {
            free((char *)api->target.path);
            free((char *)api->target.url);
            storage_secret_free((char *)api->target.password);
        }
        free(api);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    api->stale_after_ms = stale_after_ms;
    pthread_mutex_init(&api->lock, NULL);
    pthread_cond_init(&api->freed, NULL);
    /* Open one reader now, so a broken database shows at start, not at the first query. */
    struct reader *r = pool_acquire(api, err, errlen);
    if (r == NULL) {
        store_api_close(api);
        return -1;
    }
    pool_release(api, r);
    *out = api;
    return 0;
}

void store_api_close(struct store_api *api)
{
    if (api == NULL)
        return;
    struct reader *r = api->idle;
    while (r != NULL) {
        struct reader *next = r->next;
        reader_close(r);
        r = next;
    }
    pthread_mutex_destroy(&api->lock);
    pthread_cond_destroy(&api->freed);
    free((char *)api->target.path);
    free((char *)api->target.url);
    storage_secret_free((char *)api->target.password);
    free(api);
}

/* ---- answers ---- */

static void respond_json(struct api_response *resp, unsigned status, cJSON *doc)
{
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    if (text == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        resp->status = 500;
        resp->body = strdup(oom);
        resp->len = resp->body ? sizeof(oom) - 1 : 0;
        return;
    }
    resp->status = status;
    resp->body = text;
    resp->len = strlen(text);
}

static void respond_error(struct api_response *resp, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void respond_error(struct api_response *resp, unsigned status, const char *fmt, ...)
{
    char raw[512], msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof(raw), fmt, ap);
    (void)n;
    va_end(ap);
    /*
     * A message may quote what the client sent (a parameter name, cut at a
     * byte count): every answer is valid UTF-8, so ill-formed or cut
     * sequences become U+FFFD.
     */
    utf8_sanitize(raw, msg, sizeof(msg) - 1);
    cJSON *doc = cJSON_CreateObject();
    if (doc != NULL && cJSON_AddStringToObject(doc, "error", msg) == NULL) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    respond_json(resp, status, doc);
}

/* ---- parameters ---- */

struct params {
    const struct api_param *list;
    size_t n;
};

/* Rejects names not in `known` and names given twice. 0, or -1 with resp filled. */
static int check_params(const struct params *p, const char *const *known, struct api_response *resp)
{
    for (size_t i = 0; i < p->n; i++) {
        int ok = 0;
        for (const char *const *k = known; *k != NULL; k++)
            ok |= strcmp(*k, p->list[i].name) == 0;
        if (!ok) {
            respond_error(resp, 400, "unknown parameter \"%.64s\"", p->list[i].name);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(p->list[i].name, p->list[j].name) == 0) {
                respond_error(resp, 400, "parameter \"%.64s\" given twice", p->list[i].name);
                return -1;
            }
        }
    }
    return 0;
}

static const char *param(const struct params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->list[i].name, name) == 0)
            return p->list[i].value;
    }
    return NULL;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* limit=: 1..max, default `def`. 0, or -1 with resp filled. */
static int parse_limit(const struct params *p, uint64_t def, uint64_t max, uint64_t *out,
                       struct api_response *resp)
{
    const char *v = param(p, "limit");
    *out = def;
    if (v == NULL)
        return 0;
    if (parse_u64(v, out) != 0 || *out < 1 || *out > max) {
        respond_error(resp, 400, "limit must be a whole number from 1 to %llu",
                      (unsigned long long)max);
        return -1;
    }
    return 0;
}

static int valid_host_id(const char *s)
{
    size_t len = strlen(s);
    if (len < 1 || len > REPORT_HOST_ID_MAX)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

/* A check id as reports carry them: 1 to REPORT_CHECK_ID_MAX bytes of valid UTF-8. */
static int valid_check_id(const char *s)
{
    size_t len = strlen(s);
    char tmp[REPORT_CHECK_ID_MAX + 1];
    return len >= 1 && len <= REPORT_CHECK_ID_MAX &&
           utf8_sanitize(s, tmp, REPORT_CHECK_ID_MAX) == len && memcmp(tmp, s, len) == 0;
}

/*
 * An integer member written exactly: cJSON stores numbers as doubles and
 * prints 15 significant digits, so 2^53 + 1 would read back as another
 * number (9.00719925474099e+15).
 */
static cJSON *add_int(cJSON *obj, const char *name, int64_t v)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", (long long)v);
    return cJSON_AddRawToObject(obj, name, num);
}

/* ---- JSON pieces ---- */

static bool add_time(cJSON *obj, const char *name, int64_t ms)
{
    char ts[TIMESTAMP_LEN];
    return cJSON_AddStringToObject(obj, name, timestamp_format(ms, ts, sizeof(ts))) != NULL;
}

static bool add_text(cJSON *obj, const char *name, struct storage_stmt *st, int col)
{
    return cJSON_AddStringToObject(obj, name, storage_text(st, col)) != NULL;
}

/*
 * A host summary from a row of HOST_COLUMNS (columns 0..9). NULL on no
 * memory.
 */
static cJSON *host_summary(struct storage_stmt *st, uint64_t stale_after_ms, int64_t now_ms)
{
    cJSON *h = cJSON_CreateObject();
    if (h == NULL)
        return NULL;
    int64_t seen = storage_int(st, 4);
    double pass = (double)storage_int(st, 5);
    double fail = (double)storage_int(st, 6);
    bool ok = add_text(h, "id", st, 0) && add_text(h, "hostname", st, 1) &&
              add_text(h, "agent_version", st, 2) && add_int(h, "sequence", storage_int(st, 3)) &&
              add_time(h, "last_seen", seen) &&
              cJSON_AddStringToObject(
                  h, "state", now_ms - seen > (int64_t)stale_after_ms ? "stale" : "reporting");
    if (ok) {
        /* Shortest text that reads back as the same double (cJSON keeps 15 digits). */
        char num[64];
        ok = pass + fail > 0 ? expo_format_value(pass / (pass + fail), num, sizeof(num)) > 0 &&
                                   cJSON_AddRawToObject(h, "compliance_ratio", num) != NULL
                             : cJSON_AddNullToObject(h, "compliance_ratio") != NULL;
    }
    ok = ok && add_int(h, "failing", storage_int(st, 6)) != NULL;
    cJSON *counts = ok ? cJSON_AddObjectToObject(h, "counts") : NULL;
    for (int s = STORE_PASS; counts != NULL && s <= STORE_ERROR; s++) {
        if (add_int(counts, store_status_name(s), storage_int(st, 4 + s)) == NULL)
            counts = NULL;
    }
    if (counts == NULL) {
        cJSON_Delete(h);
        return NULL;
    }
    return h;
}

static void hex(const unsigned char *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

/* ---- endpoints ---- */

/* Runs a statement step; on a read error fills resp. Returns the step code. */
static int step(struct storage_stmt *st)
{
    return storage_step(st);
}

static void finish(struct storage_stmt *st)
{
    storage_reset(st);
}

static void db_error(struct reader *r, struct api_response *resp)
{
    respond_error(resp, 500, "cannot read the database: %s", storage_errmsg(r->db));
}

static void get_hosts(struct store_api *api, struct reader *r, const struct params *p,
                      int64_t now_ms, struct api_response *resp)
{
    static const char *const known[] = { "limit", "after", NULL };
    uint64_t limit;
    if (check_params(p, known, resp) != 0 ||
        parse_limit(p, API_HOSTS_LIMIT, API_HOSTS_LIMIT_MAX, &limit, resp) != 0)
        return;
    const char *after = param(p, "after");
    if (after != NULL && !valid_host_id(after)) {
        respond_error(resp, 400, "after must be a host id (the \"next\" of the previous page)");
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = doc ? cJSON_AddArrayToObject(doc, "hosts") : NULL;
    if (list == NULL) {
        respond_json(resp, 500, doc);
        return;
    }
    struct storage_stmt *st = storage_stmt(r->db, R_HOSTS);
    storage_bind_text(st, 1, after ? after : "");
    storage_bind_int(st, 2, (int64_t)limit + 1);
    uint64_t n = 0;
    int rc;
    char last[REPORT_HOST_ID_MAX + 1] = "";
    bool more = false;
    while ((rc = step(st)) == STORAGE_ROW) {
        if (n == limit) {
            more = true;
            break;
        }
        cJSON *h = host_summary(st, api->stale_after_ms, now_ms);
        if (h == NULL || !cJSON_AddItemToArray(list, h)) {
            cJSON_Delete(h);
            rc = API_NOMEM;
            break;
        }
        snprintf(last, sizeof(last), "%s", storage_text(st, 0));
        n++;
    }
    finish(st);
    if (rc != STORAGE_DONE && rc != STORAGE_ROW) {
        cJSON_Delete(doc);
        db_error(r, resp);
        return;
    }
    if (more)
        cJSON_AddStringToObject(doc, "next", last);
    else
        cJSON_AddNullToObject(doc, "next");
    respond_json(resp, 200, doc);
}

/* A hex digit's value, or -1. */
static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes `len` hex digits into out (room for len / 2 + 1); 0, or -1. */
static int unhex(const char *s, size_t len, char *out)
{
    if (len % 2 != 0)
        return -1;
    for (size_t i = 0; i < len; i += 2) {
        int a = hexval(s[i]), b = hexval(s[i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i / 2] = (char)(a * 16 + b);
    }
    out[len / 2] = '\0';
    return 0;
}

/*
 * The "next" of a page of a host's results: hex(check)-hex(target) of its
 * last row (any bytes survive a URL that way). 0, or -1.
 */
static int parse_results_cursor(const char *s, char *check, char *target)
{
    const char *dash = strchr(s, '-');
    if (dash == NULL || (size_t)(dash - s) > 2 * REPORT_CHECK_ID_MAX ||
        strlen(dash + 1) > 2 * REPORT_TARGET_MAX)
        return -1;
    return unhex(s, (size_t)(dash - s), check) == 0 &&
                   unhex(dash + 1, strlen(dash + 1), target) == 0
               ? 0
               : -1;
}

static void get_host(struct store_api *api, struct reader *r, const char *id,
                     const struct params *p, int64_t now_ms, struct api_response *resp)
{
    static const char *const known[] = { "limit", "after", NULL };
    uint64_t limit;
    if (check_params(p, known, resp) != 0 ||
        parse_limit(p, API_RESULTS_LIMIT, API_RESULTS_LIMIT_MAX, &limit, resp) != 0)
        return;
    char after_check[REPORT_CHECK_ID_MAX + 1] = "", after_target[REPORT_TARGET_MAX + 1] = "";
    const char *a = param(p, "after");
    if (a != NULL && parse_results_cursor(a, after_check, after_target) != 0) {
        respond_error(resp, 400, "after must be the \"next\" of the previous page");
        return;
    }
    if (!valid_host_id(id)) {
        respond_error(resp, 400, "a host id is 1 to %d characters of [A-Za-z0-9._-]",
                      REPORT_HOST_ID_MAX);
        return;
    }
    struct storage_stmt *st = storage_stmt(r->db, R_HOST);
    storage_bind_text(st, 1, id);
    int rc = step(st);
    if (rc == STORAGE_DONE) {
        finish(st);
        respond_error(resp, 404, "no host with id \"%s\"", id);
        return;
    }
    if (rc != STORAGE_ROW) {
        finish(st);
        db_error(r, resp);
        return;
    }
    cJSON *doc = host_summary(st, api->stale_after_ms, now_ms);
    int64_t rowid = storage_int(st, 10);
    bool ok = doc != NULL && add_text(doc, "catalog_version", st, 11) &&
              add_time(doc, "generated_at", storage_int(st, 12)) &&
              add_time(doc, "first_seen", storage_int(st, 13)) &&
              (storage_is_null(st, 14) ? cJSON_AddNullToObject(doc, "owner") != NULL
                                       : add_text(doc, "owner", st, 14));
    finish(st);
    cJSON *list = ok ? cJSON_AddArrayToObject(doc, "results") : NULL;
    if (list == NULL) {
        respond_json(resp, 500, NULL);
        cJSON_Delete(doc);
        return;
    }
    st = storage_stmt(r->db, R_HOST_ROWS);
    storage_bind_int(st, 1, rowid);
    rc = step(st);
    r->rows.n = 0;
    if (rc == STORAGE_ROW) {
        const void *v = storage_blob(st, 0);
        rc = v != NULL && store_rows_decode(&r->rows, v, storage_bytes(st, 0)) == 0 ? STORAGE_DONE
                                                                                    : API_CORRUPT;
    }
    finish(st);
    uint64_t n = 0;
    bool more = false;
    char next[2 * (REPORT_CHECK_ID_MAX + REPORT_TARGET_MAX) + 2] = "";
    for (size_t i = store_rows_after(&r->rows, after_check, after_target);
         rc == STORAGE_DONE && i < r->rows.n; i++) {
        if (n == limit) {
            more = true;
            break;
        }
        n++;
        const struct diff_row *w = &r->rows.rows[i];
        /* The cursor of the row before the next page: hex, so any bytes survive the URL. */
        size_t cl = strlen(w->check_id), tl = strlen(w->target);
        if (cl <= REPORT_CHECK_ID_MAX && tl <= REPORT_TARGET_MAX) {
            hex((const unsigned char *)w->check_id, cl, next);
            next[2 * cl] = '-';
            hex((const unsigned char *)w->target, tl, next + 2 * cl + 1);
        }
        cJSON *row = cJSON_CreateObject();
        if (row == NULL || !cJSON_AddItemToArray(list, row) ||
            !cJSON_AddStringToObject(row, "check", w->check_id) ||
            !cJSON_AddStringToObject(row, "target", w->target) ||
            !cJSON_AddStringToObject(row, "status", store_status_name(w->status)) ||
            !cJSON_AddStringToObject(row, "evidence", w->evidence) ||
            !cJSON_AddStringToObject(row, "collector", w->collector) ||
            !add_time(row, "since", w->since_ms)) {
            rc = API_NOMEM;
            break;
        }
    }
    if (rc != STORAGE_DONE) {
        cJSON_Delete(doc);
        db_error(r, resp);
        return;
    }
    if (more ? cJSON_AddStringToObject(doc, "next", next) == NULL
             : cJSON_AddNullToObject(doc, "next") == NULL) {
        cJSON_Delete(doc);
        respond_json(resp, 500, NULL);
        return;
    }
    respond_json(resp, 200, doc);
}

/* The index of the first row of `check` (or where it would be) in rows sorted by check. */
static size_t check_first(const struct store_rows *rows, const char *check)
{
    size_t lo = 0, hi = rows->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(rows->rows[mid].check_id, check) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void get_check(struct store_api *api, struct reader *r, const char *id,
                      const struct params *p, int64_t now_ms, struct api_response *resp)
{
    static const char *const known[] = { "limit", "after", NULL };
    uint64_t limit, after = 0;
    if (check_params(p, known, resp) != 0 ||
        parse_limit(p, API_HOSTS_LIMIT, API_HOSTS_LIMIT_MAX, &limit, resp) != 0)
        return;
    if (!valid_check_id(id)) {
        respond_error(resp, 400, "a check id is 1 to %d bytes of UTF-8", REPORT_CHECK_ID_MAX);
        return;
    }
    const char *a = param(p, "after");
    if (a != NULL && (parse_u64(a, &after) != 0 || after > (uint64_t)INT64_MAX)) {
        respond_error(resp, 400, "after must be the \"next\" of the previous page");
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = NULL;
    if (doc != NULL && cJSON_AddStringToObject(doc, "check", id) != NULL)
        list = cJSON_AddArrayToObject(doc, "hosts");
    if (list == NULL) {
        respond_json(resp, 500, doc);
        return;
    }
    struct storage_stmt *st = storage_stmt(r->db, R_CHECK);
    storage_bind_text(st, 1, id);
    storage_bind_int(st, 2, (int64_t)after);
    int64_t current = -1;
    cJSON *targets = NULL;
    uint64_t n = 0;
    bool more = false;
    int rc;
    while ((rc = step(st)) == STORAGE_ROW) {
        int64_t host = storage_int(st, 0);
        if (host != current) {
            if (n == limit) {
                more = true;
                break;
            }
            cJSON *h = cJSON_CreateObject();
            int64_t seen = storage_int(st, 3);
            if (h == NULL || !cJSON_AddItemToArray(list, h) || !add_text(h, "id", st, 1) ||
                !add_text(h, "hostname", st, 2) || !add_time(h, "last_seen", seen) ||
                !cJSON_AddStringToObject(
                    h, "state",
                    now_ms - seen > (int64_t)api->stale_after_ms ? "stale" : "reporting") ||
                (targets = cJSON_AddArrayToObject(h, "targets")) == NULL) {
                rc = API_NOMEM;
                break;
            }
            current = host;
            n++;
        }
        /* Its targets failing the check: one run of its rows, in target order. */
        const void *v = storage_blob(st, 4);
        if (v == NULL || store_rows_decode(&r->rows, v, storage_bytes(st, 4)) != 0) {
            rc = API_CORRUPT;
            break;
        }
        for (size_t i = check_first(&r->rows, id);
             i < r->rows.n && strcmp(r->rows.rows[i].check_id, id) == 0; i++) {
            if (r->rows.rows[i].status != STORE_FAIL)
                continue;
            cJSON *ts = cJSON_CreateString(r->rows.rows[i].target);
            if (ts == NULL || !cJSON_AddItemToArray(targets, ts)) {
                cJSON_Delete(ts);
                rc = API_NOMEM;
                break;
            }
        }
        if (rc == API_NOMEM)
            break;
    }
    finish(st);
    if (rc != STORAGE_DONE && rc != STORAGE_ROW) {
        cJSON_Delete(doc);
        db_error(r, resp);
        return;
    }
    if (more) {
        char next[32];
        snprintf(next, sizeof(next), "%lld", (long long)current);
        cJSON_AddStringToObject(doc, "next", next);
    } else {
        cJSON_AddNullToObject(doc, "next");
    }
    respond_json(resp, 200, doc);
}

/*
 * The "next" of a page: the id of its last event. The "AT-ID" form of
 * earlier stores is still read (its ID part; AT is ignored).
 */
static int parse_drift_cursor(const char *s, int64_t *at, int64_t *id)
{
    const char *dash = strchr(s, '-');
    if (dash == NULL) {
        uint64_t i;
        if (parse_u64(s, &i) != 0 || i > (uint64_t)INT64_MAX)
            return -1;
        *at = 0;
        *id = (int64_t)i;
        return 0;
    }
    if (dash == s || (size_t)(dash - s) > 20)
        return -1;
    char head[24];
    memcpy(head, s, (size_t)(dash - s));
    head[dash - s] = '\0';
    uint64_t a, i;
    if (parse_u64(head, &a) != 0 || parse_u64(dash + 1, &i) != 0 || a > (uint64_t)INT64_MAX ||
        i > (uint64_t)INT64_MAX)
        return -1;
    *at = (int64_t)a;
    *id = (int64_t)i;
    return 0;
}

static void get_drift(struct reader *r, const struct params *p, struct api_response *resp)
{
    static const char *const known[] = { "since", "host", "check", "limit", "after", NULL };
    uint64_t limit;
    if (check_params(p, known, resp) != 0 ||
        parse_limit(p, API_DRIFT_LIMIT, API_DRIFT_LIMIT_MAX, &limit, resp) != 0)
        return;
    int64_t since = INT64_MIN, after_at = INT64_MIN, after_id = 0;
    const char *v = param(p, "since");
    if (v != NULL && timestamp_parse(v, &since) != 0) {
        respond_error(resp, 400, "since must be an RFC 3339 time such as 2026-01-31T12:00:00Z");
        return;
    }
    v = param(p, "after");
    if (v != NULL && parse_drift_cursor(v, &after_at, &after_id) != 0) {
        respond_error(resp, 400, "after must be the \"next\" of the previous page");
        return;
    }
    const char *host = param(p, "host");
    const char *check = param(p, "check");
    if (host != NULL && !valid_host_id(host)) {
        respond_error(resp, 400, "host must be a host id: 1 to %d characters of [A-Za-z0-9._-]",
                      REPORT_HOST_ID_MAX);
        return;
    }
    if (check != NULL && !valid_check_id(check)) {
        respond_error(resp, 400, "check must be a check id of 1 to %d bytes", REPORT_CHECK_ID_MAX);
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = doc ? cJSON_AddArrayToObject(doc, "events") : NULL;
    if (list == NULL) {
        respond_json(resp, 500, doc);
        return;
    }
    int64_t host_row = 0;
    if (host != NULL) {
        struct storage_stmt *st = storage_stmt(r->db, R_HOST_ID);
        storage_bind_text(st, 1, host);
        int rc = step(st);
        if (rc == STORAGE_ROW)
            host_row = storage_int(st, 0);
        finish(st);
        if (rc != STORAGE_ROW && rc != STORAGE_DONE) {
            cJSON_Delete(doc);
            db_error(r, resp);
            return;
        }
        if (rc == STORAGE_DONE) {
            /* No such host: no events. */
            cJSON_AddNullToObject(doc, "next");
            respond_json(resp, 200, doc);
            return;
        }
    }
    enum reader_stmt which = host && check ? R_DRIFT_BOTH
                             : host        ? R_DRIFT_HOST
                             : check       ? R_DRIFT_CHECK
                                           : R_DRIFT_ALL;
    struct storage_stmt *st = storage_stmt(r->db, which);
    storage_bind_int(st, 1, since);
    storage_bind_int(st, 2, after_at);
    storage_bind_int(st, 3, after_id);
    storage_bind_int(st, 4, (int64_t)limit + 1);
    if (host != NULL)
        storage_bind_int(st, 5, host_row);
    if (check != NULL)
        storage_bind_text(st, 6, check);
    uint64_t n = 0;
    bool more = false;
    int64_t last_at = 0, last_id = 0;
    int rc = STORAGE_DONE;
    while (!more && (rc = step(st)) == STORAGE_ROW) {
        int64_t row_id = storage_int(st, 0);
        int64_t n_events = storage_int(st, 1);
        const void *packed = storage_blob(st, 7);
        if (n_events < 1 || n_events > row_id || packed == NULL ||
            store_events_decode(&r->events, packed, storage_bytes(st, 7), (size_t)n_events) != 0) {
            rc = API_CORRUPT;
            break;
        }
        int64_t at = storage_int(st, 4);
        char rid[2 * REPORT_ID_BYTES + 1] = "";
        if (storage_bytes(st, 5) == REPORT_ID_BYTES)
            hex(storage_blob(st, 5), REPORT_ID_BYTES, rid);
        for (int64_t k = 0; k < n_events; k++) {
            const struct store_event *e = &r->events.ev[k];
            int64_t id = row_id - n_events + 1 + k;
            if (id <= after_id || (check != NULL && strcmp(e->check_id, check) != 0))
                continue;
            if (n == limit) {
                more = true;
                break;
            }
            cJSON *ev = cJSON_CreateObject();
            if (ev == NULL || !cJSON_AddItemToArray(list, ev) || !add_int(ev, "id", id) ||
                !add_text(ev, "host", st, 2) || !add_text(ev, "hostname", st, 3) ||
                !cJSON_AddStringToObject(ev, "check", e->check_id) ||
                !cJSON_AddStringToObject(ev, "target", e->target) ||
                !cJSON_AddStringToObject(ev, "from", store_status_name(e->from)) ||
                !cJSON_AddStringToObject(ev, "to", store_status_name(e->to)) ||
                !add_time(ev, "at", at) || !add_time(ev, "received_at", storage_int(st, 6)) ||
                !cJSON_AddStringToObject(ev, "report_id", rid) ||
                !cJSON_AddBoolToObject(ev, "regression", e->regression)) {
                rc = API_NOMEM;
                more = false;
                break;
            }
            last_at = at;
            last_id = id;
            n++;
        }
        if (rc == API_NOMEM)
            break;
    }
    finish(st);
    if (rc != STORAGE_DONE && rc != STORAGE_ROW) {
        cJSON_Delete(doc);
        db_error(r, resp);
        return;
    }
    if (more) {
        char next[32];
        (void)last_at;
        snprintf(next, sizeof(next), "%lld", (long long)last_id);
        cJSON_AddStringToObject(doc, "next", next);
    } else {
        cJSON_AddNullToObject(doc, "next");
    }
    respond_json(resp, 200, doc);
}

void store_api_handle(struct store_api *api, const char *path, const struct api_param *params,
                      size_t n_params, int64_t now_ms, struct api_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    struct params p = { .list = params, .n = n_params };
    static const char hosts[] = "/api/v1/hosts", checks[] = "/api/v1/checks/",
                      drift[] = "/api/v1/drift";
    const char *id = NULL;
    enum { EP_NONE, EP_HOSTS, EP_HOST, EP_CHECK, EP_DRIFT } ep = EP_NONE;
    if (strcmp(path, hosts) == 0) {
        ep = EP_HOSTS;
    } else if (strncmp(path, hosts, sizeof(hosts) - 1) == 0 && path[sizeof(hosts) - 1] == '/') {
        ep = EP_HOST;
        id = path + sizeof(hosts);
    } else if (strncmp(path, checks, sizeof(checks) - 1) == 0) {
        ep = EP_CHECK;
        id = path + sizeof(checks) - 1;
    } else if (strcmp(path, drift) == 0) {
        ep = EP_DRIFT;
    }
    if (ep == EP_NONE) {
        respond_error(resp, 404,
                      "no such endpoint: see /api/v1/hosts, /api/v1/hosts/{id}, "
                      "/api/v1/checks/{id}, /api/v1/drift");
        return;
    }
    char err[256];
    struct reader *r = pool_acquire(api, err, sizeof(err));
    if (r == NULL) {
        respond_error(resp, 503, "cannot read the database: %s", err);
        return;
    }
    /* One read transaction per answer: every statement sees the same state. */
    if (storage_read_begin(r->db) != 0) {
        db_error(r, resp);
        pool_release(api, r);
        return;
    }
    switch (ep) {
    case EP_HOSTS:
        get_hosts(api, r, &p, now_ms, resp);
        break;
    case EP_HOST:
        get_host(api, r, id, &p, now_ms, resp);
        break;
    case EP_CHECK:
        get_check(api, r, id, &p, now_ms, resp);
        break;
    case EP_DRIFT:
    default:
        get_drift(r, &p, resp);
        break;
    }
    storage_read_end(r->db); /* a read transaction left open would pin SQLite's WAL */
    pool_release(api, r);
}
