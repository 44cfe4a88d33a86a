/*
 * api_hosts.c - the query API's host answers: the host list, one host with
 * its current results (a page of its packed rows), and the hosts failing
 * one check with their failing targets.
 */
#include "api_impl.h"

#include "../common/hostid.h"

#include "report.h"

#include <stdio.h>
#include <string.h>

void api_get_hosts(struct store_api *api, struct reader *r, const struct params *p, int64_t now_ms,
                   struct api_response *resp)
{
    static const char *const known[] = { "limit", "after", NULL };
    uint64_t limit;
    if (api_check_params(p, known, resp) != 0 ||
        api_parse_limit(p, API_HOSTS_LIMIT, API_HOSTS_LIMIT_MAX, &limit, resp) != 0)
        return;
    const char *after = api_param(p, "after");
    if (after != NULL && !host_id_valid(after, strlen(after))) {
        api_respond_error(resp, 400, "after must be a host id (the \"next\" of the previous page)");
        return;
    }
    cJSON *list;
    cJSON *doc = api_list_new("hosts", &list, resp);
    if (doc == NULL)
        return;
    struct storage_stmt *st = storage_stmt(r->db, R_HOSTS);
    storage_bind_text(st, 1, after ? after : "");
    storage_bind_int(st, 2, (int64_t)limit + 1);
    uint64_t n = 0;
    int rc;
    char last[REPORT_HOST_ID_MAX + 1] = "";
    bool more = false;
    while ((rc = storage_step(st)) == STORAGE_ROW) {
        if (n == limit) {
            more = true;
            break;
        }
        cJSON *h = api_host_summary(st, api->stale_after_ms, now_ms);
        if (h == NULL || !cJSON_AddItemToArray(list, h)) {
            cJSON_Delete(h);
            rc = API_NOMEM;
            break;
        }
        snprintf(last, sizeof(last), "%s", storage_text(st, 0));
        n++;
    }
    storage_reset(st);
    api_respond_page(r, rc, doc, more ? last : NULL, resp);
}

void api_get_host(struct store_api *api, struct reader *r, const char *id, const struct params *p,
                  int64_t now_ms, struct api_response *resp)
{
    static const char *const known[] = { "limit", "after", NULL };
    uint64_t limit;
    if (api_check_params(p, known, resp) != 0 ||
        api_parse_limit(p, API_RESULTS_LIMIT, API_RESULTS_LIMIT_MAX, &limit, resp) != 0)
        return;
    char after_check[REPORT_CHECK_ID_MAX + 1] = "", after_target[REPORT_TARGET_MAX + 1] = "";
    const char *a = api_param(p, "after");
    if (a != NULL && api_parse_results_cursor(a, after_check, after_target) != 0) {
        api_respond_error(resp, 400, "after must be the \"next\" of the previous page");
        return;
    }
    if (!host_id_valid(id, strlen(id))) {
        api_respond_error(resp, 400, "a host id is 1 to %d characters of [A-Za-z0-9._-]",
                          REPORT_HOST_ID_MAX);
        return;
    }
    struct storage_stmt *st = storage_stmt(r->db, R_HOST);
    storage_bind_text(st, 1, id);
    int rc = storage_step(st);
    if (rc == STORAGE_DONE) {
        storage_reset(st);
        api_respond_error(resp, 404, "no host with id \"%s\"", id);
        return;
    }
    if (rc != STORAGE_ROW) {
        storage_reset(st);
        api_db_error(r, resp);
        return;
    }
    cJSON *doc = api_host_summary(st, api->stale_after_ms, now_ms);
    int64_t rowid = storage_int(st, 11);
    bool ok = doc != NULL && api_add_text(doc, "catalog_version", st, 12) &&
              api_add_time(doc, "generated_at", storage_int(st, 13)) &&
              api_add_time(doc, "first_seen", storage_int(st, 14)) &&
              (storage_is_null(st, 15) ? cJSON_AddNullToObject(doc, "owner") != NULL
                                       : api_add_text(doc, "owner", st, 15));
    storage_reset(st);
    cJSON *list = ok ? cJSON_AddArrayToObject(doc, "results") : NULL;
    if (list == NULL) {
        api_respond_json(resp, 500, NULL);
        cJSON_Delete(doc);
        return;
    }
    st = storage_stmt(r->db, R_HOST_ROWS);
    storage_bind_int(st, 1, rowid);
    rc = storage_step(st);
    r->rows.n = 0;
    if (rc == STORAGE_ROW) {
        const void *v = storage_blob(st, 0);
        rc = v != NULL && store_rows_decode(&r->rows, v, storage_bytes(st, 0)) == 0 ? STORAGE_DONE
                                                                                    : API_CORRUPT;
    }
    storage_reset(st);
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
            api_hex((const unsigned char *)w->check_id, cl, next);
            next[2 * cl] = '-';
            api_hex((const unsigned char *)w->target, tl, next + 2 * cl + 1);
        }
        cJSON *row = cJSON_CreateObject();
        if (row == NULL || !cJSON_AddItemToArray(list, row) ||
            !cJSON_AddStringToObject(row, "check", w->check_id) ||
            !cJSON_AddStringToObject(row, "target", w->target) ||
            !cJSON_AddStringToObject(row, "status", store_status_name(w->status)) ||
            !cJSON_AddStringToObject(row, "evidence", w->evidence) ||
            !cJSON_AddStringToObject(row, "collector", w->collector) ||
            !api_add_time(row, "since", w->since_ms)) {
            rc = API_NOMEM;
            break;
        }
    }
    if (rc != STORAGE_DONE) {
        cJSON_Delete(doc);
        api_db_error(r, resp);
        return;
    }
    if (more ? cJSON_AddStringToObject(doc, "next", next) == NULL
             : cJSON_AddNullToObject(doc, "next") == NULL) {
        cJSON_Delete(doc);
        api_respond_json(resp, 500, NULL);
        return;
    }
    api_respond_json(resp, 200, doc);
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

void api_get_check(struct store_api *api, struct reader *r, const char *id, const struct params *p,
                   int64_t now_ms, struct api_response *resp)
{
    static const char *const known[] = { "limit", "after", NULL };
    uint64_t limit, after = 0;
    if (api_check_params(p, known, resp) != 0 ||
        api_parse_limit(p, API_HOSTS_LIMIT, API_HOSTS_LIMIT_MAX, &limit, resp) != 0)
        return;
    if (!api_valid_check_id(id)) {
        api_respond_error(resp, 400, "a check id is 1 to %d bytes of UTF-8", REPORT_CHECK_ID_MAX);
        return;
    }
    const char *a = api_param(p, "after");
    if (a != NULL && (api_parse_u64(a, &after) != 0 || after > (uint64_t)INT64_MAX)) {
        api_respond_error(resp, 400, "after must be the \"next\" of the previous page");
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = NULL;
    if (doc != NULL && cJSON_AddStringToObject(doc, "check", id) != NULL)
        list = cJSON_AddArrayToObject(doc, "hosts");
    if (list == NULL) {
        api_respond_json(resp, 500, doc);
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
    while ((rc = storage_step(st)) == STORAGE_ROW) {
        int64_t host = storage_int(st, 0);
        if (host != current) {
            if (n == limit) {
                more = true;
                break;
            }
            cJSON *h = cJSON_CreateObject();
            int64_t seen = storage_int(st, 3);
            if (h == NULL || !cJSON_AddItemToArray(list, h) || !api_add_text(h, "id", st, 1) ||
                !api_add_text(h, "hostname", st, 2) || !api_add_time(h, "last_seen", seen) ||
                !api_add_state(h, seen, api->stale_after_ms, now_ms) ||
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
    storage_reset(st);
    char next[32];
    snprintf(next, sizeof(next), "%lld", (long long)current);
    api_respond_page(r, rc, doc, more ? next : NULL, resp);
}
