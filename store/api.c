/*
 * api.c - the JSON query API's reader pool and routing; see api.h for the
 * endpoints and the pool, api_impl.h for the files that answer.
 *
 * Each answer is read inside one BEGIN ... COMMIT on a pooled connection.
 * Which statement runs depends on which filters were given (four drift
 * statements rather than one with "? IS NULL OR ..." clauses), so each can
 * use its index.
 */
#include "api_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_COLUMNS                                                                             \
    "host_id, hostname, agent_version, last_seq, last_seen_ms, n_pass, n_fail, n_warn, n_skip, " \
    "n_error, n_waived"
/*
 * Drift rows (one per report, its events packed: rows.h) in the store's
 * order; a row's id is its last event's, so "d.id > after" finds the row
 * holding the first event after `after`. `since` is the store's receive
 * time (?2 and ?4 unused: the page is cut in C, events at a time).
 */
#define DRIFT_REST    "d.n, h.host_id, h.hostname, d.at_ms, d.report_id, d.received_ms, d.events "
#define DRIFT_COLUMNS "SELECT d.id, " DRIFT_REST
#define DRIFT_SELECT  DRIFT_COLUMNS "FROM drift d JOIN hosts h ON h.id = d.host WHERE "
#define DRIFT_TAIL    " d.received_ms >= ?1 AND d.id > ?3 ORDER BY d.id"
#define DRIFT_BY_CHECK                                                            \
    DRIFT_COLUMNS "FROM drift_checks c JOIN drift d ON d.id = c.id JOIN hosts h " \
                  "ON h.id = d.host WHERE c.check_id = ?6 AND c.id > ?3 AND d.received_ms >= ?1 "

const char *const api_reader_sql[R_COUNT] = {
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

/*
 * SQLite's by-check statements: a drift row has either drift_checks rows
 * or a check set (db_schema.c), so they merge the check's drift_checks
 * range with the rows whose set has the check, each scan in id order (a
 * merge, no sort: the first part's order is c.id's). The second scans the
 * index of rows with a set, testing each set id; for a check in no set it
 * starts past the largest id (the bound is computed once), so it reads
 * nothing.
 */
#define LITE_BY_CHECK                                                             \
    "SELECT c.id, " DRIFT_REST "FROM drift_checks c JOIN drift d ON d.id = c.id " \
    "JOIN hosts h ON h.id = d.host WHERE c.check_id = ?6 AND c.id > ?3 "          \
    "AND d.received_ms >= ?1 "
#define LITE_BY_SET                                                                              \
    "UNION ALL " DRIFT_SELECT "d.set_id IN (SELECT set_id FROM drift_sets WHERE check_id = ?6) " \
    "AND d.id > CASE WHEN EXISTS (SELECT 1 FROM drift_sets WHERE check_id = ?6) THEN ?3 "        \
    "ELSE 9223372036854775807 END AND d.received_ms >= ?1 "
static const char lite_drift_check[] = LITE_BY_CHECK LITE_BY_SET "ORDER BY 1";
static const char lite_drift_both[] =
    LITE_BY_CHECK "AND d.host = ?5 " LITE_BY_SET "AND d.host = ?5 ORDER BY 1";

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
    const char *sql[R_COUNT];
    memcpy(sql, api_reader_sql, sizeof(sql));
    if (target->kind == STORAGE_SQLITE) {
        sql[R_DRIFT_CHECK] = lite_drift_check;
        sql[R_DRIFT_BOTH] = lite_drift_both;
    }
    if (storage_reader_open(target, sql, R_COUNT, &r->db, err, errlen) != 0) {
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
        api_respond_error(resp, 404,
                          "no such endpoint: see /api/v1/hosts, /api/v1/hosts/{id}, "
                          "/api/v1/checks/{id}, /api/v1/drift");
        return;
    }
    char err[256];
    struct reader *r = pool_acquire(api, err, sizeof(err));
    if (r == NULL) {
        api_respond_error(resp, 503, "cannot read the database: %s", err);
        return;
    }
    /*
     * One read transaction per answer: every statement sees the same state.
     * A database that cannot be read now (PostgreSQL, or the standby of
     * --storage.read-url, down) is a 503: try again later.
     */
    if (storage_read_begin(r->db) != 0) {
        api_respond_error(resp, 503, "cannot read the database: %s", storage_errmsg(r->db));
        pool_release(api, r);
        return;
    }
    switch (ep) {
    case EP_HOSTS:
        api_get_hosts(api, r, &p, now_ms, resp);
        break;
    case EP_HOST:
        api_get_host(api, r, id, &p, now_ms, resp);
        break;
    case EP_CHECK:
        api_get_check(api, r, id, &p, now_ms, resp);
        break;
    case EP_DRIFT:
    default:
        api_get_drift(r, &p, resp);
        break;
    }
    storage_read_end(r->db); /* a read transaction left open would pin SQLite's WAL */
    pool_release(api, r);
}
