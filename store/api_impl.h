/*
 * api_impl.h - what the files of the query API share, and nothing else
 * includes:
 *
 *   api.c          the reader pool, open/close, and routing a path to its
 *                  handler inside one read transaction
 *   api_hosts.c    the handlers of /hosts, /hosts/{id} and /checks/{id}
 *   api_drift.c    the handler of /drift
 *   api_params.c   query parameters and page cursors, parsed strictly
 *   api_json.c     the answers: JSON pieces, errors, the end of a page
 *
 * Calls go one way: api.c -> handlers -> api_params.c -> api_json.c.
 */
#ifndef DOCKWARD_STORE_API_IMPL_H
#define DOCKWARD_STORE_API_IMPL_H

#include "api.h"

#include "rows.h"
#include "storage.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The statements every pooled connection prepares (their SQL in api.c). */
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

extern const char *const api_reader_sql[R_COUNT];

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

struct params {
    const struct api_param *list;
    size_t n;
};

/* ---- api_hosts.c, api_drift.c: the handlers; each fills resp ---- */

void api_get_hosts(struct store_api *api, struct reader *r, const struct params *p, int64_t now_ms,
                   struct api_response *resp);
void api_get_host(struct store_api *api, struct reader *r, const char *id, const struct params *p,
                  int64_t now_ms, struct api_response *resp);
void api_get_check(struct store_api *api, struct reader *r, const char *id, const struct params *p,
                   int64_t now_ms, struct api_response *resp);
void api_get_drift(struct reader *r, const struct params *p, struct api_response *resp);

/* ---- api_params.c ---- */

/* Rejects names not in `known` and names given twice. 0, or -1 with resp filled. */
int api_check_params(const struct params *p, const char *const *known, struct api_response *resp);
/* The value of parameter `name`, or NULL when not given. */
const char *api_param(const struct params *p, const char *name);
/* A whole decimal number, nothing else. 0, or -1. */
int api_parse_u64(const char *s, uint64_t *out);
/* limit=: 1..max, default `def`. 0, or -1 with resp filled. */
int api_parse_limit(const struct params *p, uint64_t def, uint64_t max, uint64_t *out,
                    struct api_response *resp);
/* 1 when s is a check id: 1 to REPORT_CHECK_ID_MAX bytes of valid UTF-8, else 0. */
int api_valid_check_id(const char *s);
/* The "after" of /hosts/{id}: hex(check)-hex(target) into check and target. 0, or -1. */
int api_parse_results_cursor(const char *s, char *check, char *target);
/* The "after" of /drift: an event id (or the older AT-ID form). 0, or -1. */
int api_parse_drift_cursor(const char *s, int64_t *at, int64_t *id);

/* ---- api_json.c ---- */

/* Fills resp with doc printed (doc freed; NULL or no memory: a 500). */
void api_respond_json(struct api_response *resp, unsigned status, cJSON *doc);
/* Fills resp with {"error": message}, the message made valid UTF-8. */
void api_respond_error(struct api_response *resp, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A 500 naming the reader's database error. */
void api_db_error(struct reader *r, struct api_response *resp);
/*
 * A list answer begun: {"name": []}, *list its array. NULL when memory ran
 * out (resp is then a 500).
 */
cJSON *api_list_new(const char *name, cJSON **list, struct api_response *resp);
/*
 * The end of a list page after its statement loop ended with `rc`: a read
 * error (doc freed), or doc with "next" (`next`, or null on the last page)
 * as a 200.
 */
void api_respond_page(struct reader *r, int rc, cJSON *doc, const char *next,
                      struct api_response *resp);
cJSON *api_add_int(cJSON *obj, const char *name, int64_t v);
bool api_add_time(cJSON *obj, const char *name, int64_t ms);
bool api_add_text(cJSON *obj, const char *name, struct storage_stmt *st, int col);
/* "state": "stale" when last seen more than stale_after_ms before now, else "reporting". */
bool api_add_state(cJSON *obj, int64_t seen_ms, uint64_t stale_after_ms, int64_t now_ms);
/* A host summary from a row of HOST_COLUMNS (columns 0..10). NULL on no memory. */
cJSON *api_host_summary(struct storage_stmt *st, uint64_t stale_after_ms, int64_t now_ms);
/* len bytes as 2 * len lowercase hex digits and a NUL into out. */
void api_hex(const unsigned char *data, size_t len, char *out);

#endif
