/*
 * api_drift.c - the query API's drift answer: events oldest first in the
 * store's order, filtered by receive time, host and check, paged by event
 * id. A drift row holds one report's events packed (rows.h), so the page
 * is cut here, event by event.
 */
#include "api_impl.h"

#include "../common/hostid.h"

#include "report.h"
#include "timestamp.h"

#include <stdio.h>
#include <string.h>

void api_get_drift(struct reader *r, const struct params *p, struct api_response *resp)
{
    static const char *const known[] = { "since", "host", "check", "limit", "after", NULL };
    uint64_t limit;
    if (api_check_params(p, known, resp) != 0 ||
        api_parse_limit(p, API_DRIFT_LIMIT, API_DRIFT_LIMIT_MAX, &limit, resp) != 0)
        return;
    int64_t since = INT64_MIN, after_at = INT64_MIN, after_id = 0;
    const char *v = api_param(p, "since");
    if (v != NULL && timestamp_parse(v, &since) != 0) {
        api_respond_error(resp, 400, "since must be an RFC 3339 time such as 2026-01-31T12:00:00Z");
        return;
    }
    v = api_param(p, "after");
    if (v != NULL && api_parse_drift_cursor(v, &after_at, &after_id) != 0) {
        api_respond_error(resp, 400, "after must be the \"next\" of the previous page");
        return;
    }
    const char *host = api_param(p, "host");
    const char *check = api_param(p, "check");
    if (host != NULL && !host_id_valid(host, strlen(host))) {
        api_respond_error(resp, 400, "host must be a host id: 1 to %d characters of [A-Za-z0-9._-]",
                          REPORT_HOST_ID_MAX);
        return;
    }
    if (check != NULL && !api_valid_check_id(check)) {
        api_respond_error(resp, 400, "check must be a check id of 1 to %d bytes",
                          REPORT_CHECK_ID_MAX);
        return;
    }
    cJSON *list;
    cJSON *doc = api_list_new("events", &list, resp);
    if (doc == NULL)
        return;
    int64_t host_row = 0;
    if (host != NULL) {
        struct storage_stmt *st = storage_stmt(r->db, R_HOST_ID);
        storage_bind_text(st, 1, host);
        int rc = storage_step(st);
        if (rc == STORAGE_ROW)
            host_row = storage_int(st, 0);
        storage_reset(st);
        if (rc != STORAGE_ROW && rc != STORAGE_DONE) {
            cJSON_Delete(doc);
            api_db_error(r, resp);
            return;
        }
        if (rc == STORAGE_DONE) {
            /* No such host: no events. */
            cJSON_AddNullToObject(doc, "next");
            api_respond_json(resp, 200, doc);
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
    while (!more && (rc = storage_step(st)) == STORAGE_ROW) {
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
            api_hex(storage_blob(st, 5), REPORT_ID_BYTES, rid);
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
            if (ev == NULL || !cJSON_AddItemToArray(list, ev) || !api_add_int(ev, "id", id) ||
                !api_add_text(ev, "host", st, 2) || !api_add_text(ev, "hostname", st, 3) ||
                !cJSON_AddStringToObject(ev, "check", e->check_id) ||
                !cJSON_AddStringToObject(ev, "target", e->target) ||
                !cJSON_AddStringToObject(ev, "from", store_status_name(e->from)) ||
                !cJSON_AddStringToObject(ev, "to", store_status_name(e->to)) ||
                !api_add_time(ev, "at", at) ||
                !api_add_time(ev, "received_at", storage_int(st, 6)) ||
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
    storage_reset(st);
    char next[32];
    (void)last_at;
    snprintf(next, sizeof(next), "%lld", (long long)last_id);
    api_respond_page(r, rc, doc, more ? next : NULL, resp);
}
