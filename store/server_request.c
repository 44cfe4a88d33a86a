/*
 * server_request.c - answering a request of the store's HTTP handler (the
 * JSON answer, its headers and its count), handing it to the writer, and
 * who may read and administer; see server_request.h.
 */
#include "server_request.h"

#include "../common/log.h"
#include "../common/utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

double request_age_seconds(const struct request *req)
{
    const struct timespec *t0 = &req->started;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

enum MHD_Result respond_with(struct MHD_Connection *conn, unsigned status, const char *content_type,
                             const char *body, size_t len, const char *const *headers)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    for (const char *const *h = headers; h != NULL && h[0] != NULL; h += 2)
        MHD_add_response_header(r, h[0], h[1]);
    enum MHD_Result ret = httpd_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

void set_answer(struct request *req, unsigned status, enum ingest_result result, const char *fmt,
                ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(req->message, sizeof(req->message), fmt, ap);
    (void)n;
    va_end(ap);
    req->status = status;
    req->result = result;
    req->state = REQ_ANSWERED;
}

/* Appends `s` to `out` as the inside of a JSON string. */
static void json_escape(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && o + 7 < size; p++) {
        if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*p;
        } else if (*p < 0x20) {
            o += (size_t)snprintf(out + o, size - o, "\\u%04x", *p);
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o] = '\0';
}

enum MHD_Result send_answer(struct request *req)
{
    /* Messages quote report text cut to a length: make it valid UTF-8 for JSON. */
    char clean[sizeof(req->message) + 8];
    utf8_sanitize(req->message, clean, sizeof(clean) - 1);
    char body[2 * sizeof(clean) + 64], esc[2 * sizeof(clean)];
    json_escape(clean, esc, sizeof(esc));
    if (req->status != 200)
        log_debug("ingest: %u %s", req->status, clean);
    int n;
    if (req->status == 200)
        n = snprintf(body, sizeof(body), "{\"status\":\"%s\"}\n", esc);
    else
        n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", esc);
    if (n < 0 || (size_t)n >= sizeof(body))
        n = 0;
    static const char *const unauthorized[] = { MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                                "Bearer realm=\"dockward-store\"", NULL };
    static const char *const retry[] = { MHD_HTTP_HEADER_RETRY_AFTER, "1", NULL };
    static const char *const post_only[] = { MHD_HTTP_HEADER_ALLOW, "POST", NULL };
    static const char *const admin_methods[] = { MHD_HTTP_HEADER_ALLOW, "GET, HEAD, DELETE", NULL };
    const char *const *headers = NULL;
    if (req->status == MHD_HTTP_UNAUTHORIZED)
        headers = unauthorized;
    else if (req->status == MHD_HTTP_TOO_MANY_REQUESTS ||
             req->status == MHD_HTTP_SERVICE_UNAVAILABLE)
        headers = retry;
    else if (req->status == MHD_HTTP_METHOD_NOT_ALLOWED)
        headers = req->admin ? admin_methods : post_only;
    if (req->result < INGEST_RESULT_COUNT)
        store_metrics_observe(req->srv->metrics, req->result, request_age_seconds(req));
    if (req->admin && (req->status == MHD_HTTP_UNAUTHORIZED || req->status == MHD_HTTP_FORBIDDEN))
        atomic_fetch_add(&req->srv->metrics->api_refused[req->status == MHD_HTTP_FORBIDDEN], 1);
    req->state = REQ_RESPONDED;
    return respond_with(req->conn, req->status, JSON_TYPE, body, (size_t)n, headers);
}

enum MHD_Result queue_to_writer(struct request *req)
{
    req->state = REQ_QUEUED;
    httpd_suspend(req->conn);
    enum writer_submit_result q = writer_submit(req->srv->writer, &req->wj);
    if (q != WRITER_QUEUED) {
        if (q == WRITER_FULL)
            set_answer(req, MHD_HTTP_TOO_MANY_REQUESTS,
                       req->admin ? INGEST_RESULT_COUNT : INGEST_OVERLOADED,
                       "the ingest queue is full; retry later");
        else
            set_answer(req, MHD_HTTP_SERVICE_UNAVAILABLE,
                       req->admin ? INGEST_RESULT_COUNT : INGEST_UNAVAILABLE,
                       "the store is shutting down; retry later");
        httpd_resume(req->conn);
    }
    return MHD_YES;
}

enum api_access api_access(struct store_server *srv, struct MHD_Connection *conn, bool want_admin,
                           struct token_grant *grant)
{
    const char *auth =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (httpd_is_bearer(auth)) {
        if (!token_slot_grant(srv->tokens, auth, grant))
            return API_UNAUTHORIZED;
        if (grant->role == TOKEN_ROLE_ADMIN || (grant->role == TOKEN_ROLE_READER && !want_admin))
            return API_ALLOWED;
        return API_FORBIDDEN;
    }
    if (httpd_basic_auth_passed(conn))
        return want_admin ? API_FORBIDDEN : API_ALLOWED;
    return API_UNAUTHORIZED;
}
