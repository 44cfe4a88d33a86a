/*
 * api_json.c - the query API's answers: JSON built with cJSON from a
 * statement's columns, every answer valid UTF-8, integers written exactly,
 * errors as {"error": "..."}.
 */
#include "api_impl.h"

#include "report.h"
#include "timestamp.h"

#include "../common/expo.h"
#include "../common/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_respond_json(struct api_response *resp, unsigned status, cJSON *doc)
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

void api_respond_error(struct api_response *resp, unsigned status, const char *fmt, ...)
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
    api_respond_json(resp, status, doc);
}

void api_db_error(struct reader *r, struct api_response *resp)
{
    api_respond_error(resp, 500, "cannot read the database: %s", storage_errmsg(r->db));
}

cJSON *api_list_new(const char *name, cJSON **list, struct api_response *resp)
{
    cJSON *doc = cJSON_CreateObject();
    *list = doc != NULL ? cJSON_AddArrayToObject(doc, name) : NULL;
    if (*list == NULL) {
        api_respond_json(resp, 500, doc);
        return NULL;
    }
    return doc;
}

void api_respond_page(struct reader *r, int rc, cJSON *doc, const char *next,
                      struct api_response *resp)
{
    if (rc != STORAGE_DONE && rc != STORAGE_ROW) {
        cJSON_Delete(doc);
        api_db_error(r, resp);
        return;
    }
    if (next != NULL)
        cJSON_AddStringToObject(doc, "next", next);
    else
        cJSON_AddNullToObject(doc, "next");
    api_respond_json(resp, 200, doc);
}

/*
 * An integer member written exactly: cJSON stores numbers as doubles and
 * prints 15 significant digits, so 2^53 + 1 would read back as another
 * number (9.00719925474099e+15).
 */
cJSON *api_add_int(cJSON *obj, const char *name, int64_t v)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", (long long)v);
    return cJSON_AddRawToObject(obj, name, num);
}

bool api_add_time(cJSON *obj, const char *name, int64_t ms)
{
    char ts[TIMESTAMP_LEN];
    return cJSON_AddStringToObject(obj, name, timestamp_format(ms, ts, sizeof(ts))) != NULL;
}

bool api_add_text(cJSON *obj, const char *name, struct storage_stmt *st, int col)
{
    return cJSON_AddStringToObject(obj, name, storage_text(st, col)) != NULL;
}

bool api_add_state(cJSON *obj, int64_t seen_ms, uint64_t stale_after_ms, int64_t now_ms)
{
    const char *state = now_ms - seen_ms > (int64_t)stale_after_ms ? "stale" : "reporting";
    return cJSON_AddStringToObject(obj, "state", state) != NULL;
}

/*
 * A host summary from a row of HOST_COLUMNS (columns 0..10). NULL on no
 * memory.
 */
cJSON *api_host_summary(struct storage_stmt *st, uint64_t stale_after_ms, int64_t now_ms)
{
    cJSON *h = cJSON_CreateObject();
    if (h == NULL)
        return NULL;
    int64_t seen = storage_int(st, 4);
    double pass = (double)storage_int(st, 5);
    double fail = (double)storage_int(st, 6);
    bool ok = api_add_text(h, "id", st, 0) && api_add_text(h, "hostname", st, 1) &&
              api_add_text(h, "agent_version", st, 2) &&
              api_add_int(h, "sequence", storage_int(st, 3)) &&
              api_add_time(h, "last_seen", seen) && api_add_state(h, seen, stale_after_ms, now_ms);
    if (ok) {
        /* Shortest text that reads back as the same double (cJSON keeps 15 digits). */
        char num[64];
        ok = pass + fail > 0 ? expo_format_value(pass / (pass + fail), num, sizeof(num)) > 0 &&
                                   cJSON_AddRawToObject(h, "compliance_ratio", num) != NULL
                             : cJSON_AddNullToObject(h, "compliance_ratio") != NULL;
    }
    ok = ok && api_add_int(h, "failing", storage_int(st, 6)) != NULL;
    cJSON *counts = ok ? cJSON_AddObjectToObject(h, "counts") : NULL;
    for (int s = STORE_PASS; counts != NULL && s <= STORE_WAIVED; s++) {
        if (api_add_int(counts, store_status_name(s), storage_int(st, 4 + s)) == NULL)
            counts = NULL;
    }
    if (counts == NULL) {
        cJSON_Delete(h);
        return NULL;
    }
    return h;
}

void api_hex(const unsigned char *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}
