/*
 * server.c - the store's HTTP handler: dispatch, ingest, the query API and
 * the GET endpoints (admin requests: server_admin.c; answering, the writer
 * queue and access: server_request.c); see server.h for the order of the
 * ingest checks.
 *
 * libmicrohttpd calls the handler first when the headers are in, then once
 * per piece of body, then once with no data when the body is complete.
 * Refusals that need no body (401, 415, 413 by Content-Length, 405) are
 * answered on the first call (MHD then closes the connection, which is
 * what a client that sent a body we will not read deserves). GETs are
 * answered on the last call so keep-alive works. An ingest request lives
 * in a struct request from the first call until MHD's completed callback;
 * between queueing its report and the writer's answer the connection is
 * suspended, and the writer thread's `done` callback fills in the answer
 * and resumes it, after which MHD calls the handler once more to send it.
 */
#include "server.h"
#include "server_request.h"

#include "report.h"

#include "../common/expo.h"
#include "../common/log.h"
#include "../common/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TEXT_PLAIN   "text/plain; charset=utf-8"
#define REPORTS_PATH "/api/v1/reports"
#define PROTOBUF     "application/x-protobuf"

static void release_upload(struct request *req)
{
    if (req->reserved > 0) {
        atomic_fetch_sub(&req->srv->uploads, req->reserved);
        req->reserved = 0;
    }
    buf_free(&req->body);
}

/* Counts `more` body bytes against the budget of all connections. */
static int reserve_upload(struct request *req, size_t more)
{
    size_t before = atomic_fetch_add(&req->srv->uploads, more);
    if (before + more > STORE_UPLOADS_MAX_BYTES) {
        atomic_fetch_sub(&req->srv->uploads, more);
        return -1;
    }
    req->reserved += more;
    return 0;
}

static void request_free(struct request *req)
{
    release_upload(req);
    store_report_free(req->wj.job.report);
    diff_result_free(&req->wj.job.diff);
    free(req);
}

static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    if (req_cls == NULL || *req_cls == NULL || httpd_get_marked(*req_cls))
        return;
    request_free(*req_cls);
    *req_cls = NULL;
}

/* ---- ingest ---- */

/*
 * Logs a refused report (both credentials' names, never a token), at most
 * one line per FORBIDDEN_LOG_EVERY_S: a host pushing for others all day
 * must not fill the disk. Request and writer threads share the limiter.
 */
static void log_forbidden(struct store_server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_forbidden(struct store_server *srv, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    (void)n;
    va_end(ap);
    pthread_mutex_lock(&srv->log_lock);
    log_ratelimited(&srv->forbidden_limiter, LOG_LEVEL_WARN, "%s", msg);
    pthread_mutex_unlock(&srv->log_lock);
}

/* On the writer thread, after the COMMIT that decided the outcome. */
static void job_done(struct writer_job *wj, void *arg)
{
    struct request *req = arg;
    switch (wj->job.outcome) {
    case STORE_OUTCOME_STORED:
        set_answer(req, 200, INGEST_STORED, "stored");
        break;
    case STORE_OUTCOME_DUPLICATE:
        set_answer(req, 200, INGEST_DUPLICATE, "duplicate");
        break;
    case STORE_OUTCOME_STALE:
        set_answer(req, 200, INGEST_STALE, "stale");
        break;
    case STORE_OUTCOME_FORBIDDEN:
        log_forbidden(req->srv, "refused a report of host %s from %s: the host belongs to %s",
                      wj->job.report->msg->host_id, req->owner, wj->job.owner_found);
        set_answer(req, MHD_HTTP_FORBIDDEN, INGEST_FORBIDDEN,
                   "host %s belongs to another credential", wj->job.report->msg->host_id);
        break;
    case STORE_OUTCOME_UNAVAILABLE:
    default:
        set_answer(req, 503, INGEST_UNAVAILABLE, "the database cannot write now; retry later");
        break;
    }
    httpd_resume(req->conn);
}

static bool content_type_ok(const char *ct)
{
    if (ct == NULL)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = sizeof(PROTOBUF) - 1;
    if (strncasecmp(ct, PROTOBUF, n) != 0)
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

/* 0 identity, 1 gzip, -1 anything else. */
static int content_encoding(const char *ce)
{
    if (ce == NULL)
        return 0;
    while (*ce == ' ' || *ce == '\t')
        ce++;
    size_t len = strlen(ce);
    while (len > 0 && (ce[len - 1] == ' ' || ce[len - 1] == '\t'))
        len--;
    if (len == 0 || (len == 8 && strncasecmp(ce, "identity", 8) == 0))
        return 0;
    if ((len == 4 && strncasecmp(ce, "gzip", 4) == 0) ||
        (len == 6 && strncasecmp(ce, "x-gzip", 6) == 0))
        return 1;
    return -1;
}

/* First call of an ingest request: everything that can be judged from the headers. */
static enum MHD_Result ingest_begin(struct store_server *srv, struct MHD_Connection *conn,
                                    const char *method, void **req_cls)
{
    struct request *req = calloc(1, sizeof(*req));
    if (req == NULL)
        return MHD_NO;
    req->srv = srv;
    req->conn = conn;
    req->result = INGEST_RESULT_COUNT; /* nothing to count yet */
    clock_gettime(CLOCK_MONOTONIC, &req->started);
    buf_init(&req->body, STORE_BODY_MAX);
    *req_cls = req;

    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
        set_answer(req, MHD_HTTP_METHOD_NOT_ALLOWED, INGEST_RESULT_COUNT,
                   "use POST to push a report");
        return send_answer(req);
    }
    const char *auth =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!token_slot_grant(srv->tokens, auth, &req->grant)) {
        set_answer(req, MHD_HTTP_UNAUTHORIZED, INGEST_UNAUTHORIZED,
                   auth ? "unknown bearer token" : "missing Authorization: Bearer <token>");
        return send_answer(req);
    }
    if (req->grant.role != TOKEN_ROLE_AGENT) {
        set_answer(req, MHD_HTTP_FORBIDDEN, INGEST_FORBIDDEN,
                   "the token %s is a %s's: only agent tokens push reports", req->grant.name,
                   token_role_name(req->grant.role));
        return send_answer(req);
    }
    /* Who the report speaks for: a verified client certificate, else the token. */
    char cn[HTTPD_CERT_NAME_MAX + 1];
    int have_cert = httpd_client_cert_name(conn, cn, sizeof(cn));
    if (have_cert < 0) {
        set_answer(req, MHD_HTTP_FORBIDDEN, INGEST_FORBIDDEN,
                   "the client certificate's CN must be 1 to %d printable ASCII characters "
                   "(no '\"' or '\\') to name whose hosts it reports",
                   HTTPD_CERT_NAME_MAX);
        return send_answer(req);
    }
    if (have_cert > 0)
        snprintf(req->owner, sizeof(req->owner), "cert:%s", cn);
    else
        snprintf(req->owner, sizeof(req->owner), "%s", req->grant.name);
    const char *ct =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!content_type_ok(ct)) {
        set_answer(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, INGEST_UNSUPPORTED,
                   "Content-Type must be " PROTOBUF);
        return send_answer(req);
    }
    int enc = content_encoding(
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING));
    if (enc < 0) {
        set_answer(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, INGEST_UNSUPPORTED,
                   "Content-Encoding must be gzip or absent");
        return send_answer(req);
    }
    req->gzip = enc == 1;
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    size_t declared = 0;
    if (cl != NULL) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(cl, &end, 10);
        if (errno != 0 || end == cl || *end != '\0' || cl[0] == '-' || v > STORE_BODY_MAX) {
            set_answer(req, MHD_HTTP_CONTENT_TOO_LARGE, INGEST_TOO_LARGE, "body over %u bytes",
                       STORE_BODY_MAX);
            return send_answer(req);
        }
        declared = (size_t)v;
    }
    /*
     * The budget is reserved as bytes arrive (ingest_data), never from the
     * declared length: 16 connections declaring 4 MiB and sending a byte a
     * second would otherwise hold 64 MiB and starve every real push.
     */
    (void)declared;
    return MHD_YES;
}

/* A piece of the body. */
static enum MHD_Result ingest_data(struct request *req, const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    if (req->state != REQ_RECEIVING)
        return MHD_YES; /* already answered: drop the rest */
    /* A body trickled past its deadline: counted, and the connection closed (no drain). */
    if (request_age_seconds(req) > STORE_BODY_SECONDS_MAX) {
        store_metrics_observe(req->srv->metrics, INGEST_TOO_SLOW, request_age_seconds(req));
        log_debug("ingest: closing an upload: body not received within %.0f s (%zu bytes)",
                  STORE_BODY_SECONDS_MAX, req->body.len);
        release_upload(req);
        return MHD_NO;
    }
    /* Refusals here drain the rest of the body (DRAIN_MAX) before answering. */
    if (n > STORE_BODY_MAX - req->body.len) {
        set_answer(req, MHD_HTTP_CONTENT_TOO_LARGE, INGEST_TOO_LARGE, "body over %u bytes",
                   STORE_BODY_MAX);
        release_upload(req);
        return MHD_YES;
    }
    /* Reserved at the capacity the buffer grows to (doubling), not its length. */
    size_t total = buf_capacity_for(&req->body, n);
    if (total > req->reserved && reserve_upload(req, total - req->reserved) != 0) {
        set_answer(req, MHD_HTTP_TOO_MANY_REQUESTS, INGEST_OVERLOADED,
                   "too many reports being received; retry later");
        release_upload(req);
        return MHD_YES;
    }
    if (buf_append(&req->body, data, n) != BUF_OK) {
        set_answer(req, MHD_HTTP_SERVICE_UNAVAILABLE, INGEST_UNAVAILABLE, "out of memory");
        release_upload(req);
        return send_answer(req);
    }
    return MHD_YES;
}

/*
 * Gunzips a body within the reports budget. The size its gzip trailer
 * declares (ISIZE, the last 4 bytes) is taken from srv->reports and
 * allocated at once, before inflating, and is all the output may fill (a
 * trailer that lies is a corrupt member; zlib checks ISIZE too). A trailer
 * declaring more than STORE_INFLATED_MAX takes the whole cap instead, so
 * the answer still tells a bomb (413) from a corrupt member (400). Returns
 * INGEST_STORED (done; *taken to give back), INGEST_TOO_LARGE,
 * INGEST_OVERLOADED (the budget is spent now) or INGEST_MALFORMED.
 */
static enum ingest_result gunzip_within(struct store_server *srv, const void *data, size_t len,
                                        struct buf *out, size_t *taken)
{
    if (len < GZIP_MEMBER_MIN)
        return INGEST_MALFORMED; /* not a gzip member */
    size_t isize = gzip_declared_size(data, len);
    bool declared = isize <= STORE_INFLATED_MAX;
    size_t max = declared ? isize : STORE_INFLATED_MAX;
    if (!store_budget_take(&srv->reports, STORE_REPORTS_MEMORY, max + 1)) /* and the NUL */
        return INGEST_OVERLOADED;
    *taken = max + 1;
    buf_init(out, max);
    if (buf_reserve(out, max) != BUF_OK) /* one allocation: no realloc holds two */
        return INGEST_MALFORMED;         /* out of memory: the caller frees and gives back */
    enum store_gunzip_result g = store_gunzip(data, len, out);
    if (g == GUNZIP_OK)
        return INGEST_STORED;
    return g == GUNZIP_TOO_LARGE && !declared ? INGEST_TOO_LARGE : INGEST_MALFORMED;
}

/* The body is complete: inflate, decode, validate, queue. */
static enum MHD_Result ingest_end(struct request *req)
{
    struct store_server *srv = req->srv;
    const void *data = req->body.data ? req->body.data : "";
    size_t len = req->body.len;
    struct buf inflated;
    buf_init(&inflated, 0);
    size_t inflated_taken = 0; /* of srv->reports (STORE_REPORTS_MEMORY) */
    if (req->gzip) {
        enum ingest_result refused = gunzip_within(srv, data, len, &inflated, &inflated_taken);
        if (refused != INGEST_STORED) {
            buf_free(&inflated);
            store_budget_give(&srv->reports, inflated_taken);
            release_upload(req);
            if (refused == INGEST_TOO_LARGE)
                set_answer(req, MHD_HTTP_CONTENT_TOO_LARGE, INGEST_TOO_LARGE,
                           "body inflates past %u bytes", STORE_INFLATED_MAX);
            else if (refused == INGEST_OVERLOADED)
                set_answer(req, MHD_HTTP_TOO_MANY_REQUESTS, INGEST_OVERLOADED,
                           "too many reports being decoded or queued; retry later");
            else
                set_answer(req, MHD_HTTP_BAD_REQUEST, INGEST_MALFORMED,
                           "Content-Encoding is gzip but the body is not one whole gzip "
                           "member");
            return send_answer(req);
        }
        data = inflated.data ? inflated.data : "";
        len = inflated.len;
    }
    char err[256];
    struct store_report *report = NULL;
    enum report_decode_result d = store_report_decode_within(
        data, len, store_now_ms(), &srv->reports, STORE_REPORTS_MEMORY, &report, err, sizeof(err));
    buf_free(&inflated);
    store_budget_give(&srv->reports, inflated_taken);
    release_upload(req); /* the decoded report holds what is needed */
    if (d != REPORT_OK) {
        if (d == REPORT_TOO_LARGE)
            set_answer(req, MHD_HTTP_CONTENT_TOO_LARGE, INGEST_TOO_LARGE, "%s", err);
        else if (d == REPORT_BUSY)
            set_answer(req, MHD_HTTP_TOO_MANY_REQUESTS, INGEST_OVERLOADED, "%s", err);
        else
            set_answer(req, MHD_HTTP_BAD_REQUEST, INGEST_MALFORMED, "%s", err);
        return send_answer(req);
    }
    /* The tokens file's explicit bindings (hosts=GLOB) are judged here; owners by the writer. */
    char other[TOKENS_NAME_MAX + 1] = "";
    const char *host_id = report->msg->host_id;
    enum token_binding b =
        token_slot_binding(srv->tokens, &req->grant, host_id, other, sizeof(other));
    if (b == TOKEN_BINDING_OUTSIDE || b == TOKEN_BINDING_OTHER) {
        if (b == TOKEN_BINDING_OUTSIDE)
            log_forbidden(srv, "refused a report of host %s from %s: its hosts=%s does not name it",
                          host_id, req->owner, req->grant.hosts);
        else
            log_forbidden(srv,
                          "refused a report of host %s from %s: the host belongs to %s "
                          "(hosts= in the tokens file)",
                          host_id, req->owner, other);
        set_answer(req, MHD_HTTP_FORBIDDEN, INGEST_FORBIDDEN,
                   "host %s belongs to another credential", host_id);
        store_report_free(report);
        return send_answer(req);
    }
    req->wj.kind = WRITER_JOB_REPORT;
    req->wj.job.owner = req->owner;
    req->wj.job.owner_bound = b == TOKEN_BINDING_OWN;
    req->wj.job.report = report;
    req->wj.job.received_ms = store_now_ms();
    diff_result_init(&req->wj.job.diff);
    req->wj.bytes = report->memory;
    req->wj.done = job_done;
    req->wj.arg = req;

    return queue_to_writer(req);
}

static enum MHD_Result handle_ingest(struct store_server *srv, struct MHD_Connection *conn,
                                     const char *method, const char *upload_data,
                                     size_t *upload_data_size, void **req_cls)
{
    if (*req_cls == NULL)
        return ingest_begin(srv, conn, method, req_cls);
    struct request *req = *req_cls;
    switch (req->state) {
    case REQ_RECEIVING:
        if (*upload_data_size > 0)
            return ingest_data(req, upload_data, upload_data_size);
        return ingest_end(req);
    case REQ_ANSWERED:
        if (*upload_data_size > 0) {
            /* Refused mid-body: drop the rest, or give up draining past DRAIN_MAX. */
            req->drained += *upload_data_size;
            *upload_data_size = 0;
            return req->drained > DRAIN_MAX ? send_answer(req) : MHD_YES;
        }
        return send_answer(req);
    case REQ_QUEUED:
    case REQ_RESPONDED:
    default:
        *upload_data_size = 0;
        return MHD_YES;
    }
}

/* ---- GET endpoints ---- */

static enum MHD_Result serve_landing(struct store_server *srv, struct MHD_Connection *conn)
{
    const struct httpd_link links[] = {
        { srv->cfg->telemetry_path, "Metrics" },
        { "/api/v1/hosts", "Hosts" },
        { "/api/v1/drift", "Drift" },
        { "/healthz", "Health" },
        { "/readyz", "Readiness" },
    };
    return httpd_respond_landing(conn, "dockward-store",
                                 "The dockward fleet store: agents push reports to "
                                 "<code>POST " REPORTS_PATH "</code>.",
                                 links, 5);
}

struct param_walk {
    struct api_param list[API_PARAMS_MAX];
    size_t n;
    int too_many, too_long;
};

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct param_walk *w = cls;
    if (w->n >= API_PARAMS_MAX) {
        w->too_many = 1;
        return MHD_NO;
    }
    if (strlen(key) > API_PARAM_VALUE_MAX || (value && strlen(value) > API_PARAM_VALUE_MAX)) {
        w->too_long = 1;
        return MHD_NO;
    }
    w->list[w->n].name = key;
    w->list[w->n].value = value ? value : "";
    w->n++;
    return MHD_YES;
}

static enum MHD_Result serve_api(struct store_server *srv, struct MHD_Connection *conn,
                                 const char *url)
{
    struct param_walk w = { 0 };
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param, &w);
    if (w.too_many || w.too_long) {
        char msg[128];
        int n =
            snprintf(msg, sizeof(msg), "{\"error\":\"%s\"}\n",
                     w.too_many ? "too many query parameters" : "a query parameter is too long");
        return httpd_respond(conn, MHD_HTTP_BAD_REQUEST, JSON_TYPE, msg, (size_t)n);
    }
    struct api_response resp;
    store_api_handle(srv->api, url, w.list, w.n, store_now_ms(), &resp);
    enum MHD_Result ret;
    if (resp.body == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\"}\n";
        ret = httpd_respond(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, JSON_TYPE, oom, sizeof(oom) - 1);
    } else {
        struct MHD_Response *r =
            MHD_create_response_from_buffer_with_free_callback(resp.len, resp.body, free);
        if (r == NULL) {
            free(resp.body);
            return MHD_NO;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, JSON_TYPE);
        if (resp.status >= 500)
            atomic_fetch_add(&srv->metrics->read_errors[0], 1);
        if (resp.status == MHD_HTTP_SERVICE_UNAVAILABLE)
            MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        ret = httpd_queue_response(conn, resp.status, r);
        MHD_destroy_response(r);
    }
    return ret;
}

/* ---- the query API: who may read is server_request.c's api_access ---- */

static enum MHD_Result refuse_api(struct store_server *srv, struct MHD_Connection *conn,
                                  enum api_access a)
{
    atomic_fetch_add(&srv->metrics->api_refused[a == API_FORBIDDEN], 1);
    if (a == API_FORBIDDEN) {
        static const char body[] = "{\"error\":\"this credential's role may not do that "
                                   "(docs/store.md: roles)\"}\n";
        return httpd_respond(conn, MHD_HTTP_FORBIDDEN, JSON_TYPE, body, sizeof(body) - 1);
    }
    static const char body[] = "{\"error\":\"the query API needs Authorization: Bearer <a reader "
                               "or admin token>\"}\n";
    static const char *const challenge[] = { MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                             "Bearer realm=\"dockward-store\"", NULL };
    return respond_with(conn, MHD_HTTP_UNAUTHORIZED, JSON_TYPE, body, sizeof(body) - 1, challenge);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    struct store_server *srv = cls;
    (void)version;
    if (strcmp(url, REPORTS_PATH) == 0)
        return handle_ingest(srv, conn, method, upload_data, upload_data_size, req_cls);

    if ((strcmp(method, MHD_HTTP_METHOD_DELETE) == 0 || strcmp(method, MHD_HTTP_METHOD_PUT) == 0) &&
        strncmp(url, HOSTS_PREFIX, sizeof(HOSTS_PREFIX) - 1) == 0)
        return admin_handle(srv, conn, url, method, upload_data_size, req_cls);
    enum MHD_Result ret;
    if (!httpd_get_ready(conn, method, upload_data_size, req_cls, &ret))
        return ret;
    if (strcmp(url, srv->cfg->telemetry_path) == 0)
        return snapshot_serve(srv->slot, conn);
    if (strncmp(url, "/api/", 5) == 0) {
        struct token_grant grant;
        enum api_access a = api_access(srv, conn, false, &grant);
        if (a != API_ALLOWED)
            return refuse_api(srv, conn, a);
        return serve_api(srv, conn, url);
    }
    if (strcmp(url, "/") == 0)
        return serve_landing(srv, conn);
    if (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0) {
        static const char ok[] = "ok\n";
        return httpd_respond(conn, MHD_HTTP_OK, TEXT_PLAIN, ok, sizeof(ok) - 1);
    }
    static const char nf[] = "not found\n";
    return httpd_respond(conn, MHD_HTTP_NOT_FOUND, TEXT_PLAIN, nf, sizeof(nf) - 1);
}

int store_server_start(struct store_server *srv, const struct store_config *cfg,
                       struct token_slot *tokens, struct store_metrics *metrics,
                       struct store_writer *writer, struct store_api *api,
                       struct snapshot_slot *slot, struct webconfig *web, char *err, size_t errlen)
{
    srv->cfg = cfg;
    srv->tokens = tokens;
    srv->metrics = metrics;
    srv->writer = writer;
    srv->api = api;
    srv->slot = slot;
    atomic_init(&srv->uploads, 0);
    atomic_init(&srv->reports, 0);
    pthread_mutex_init(&srv->log_lock, NULL);
    srv->forbidden_limiter = (struct log_limiter){ .every_s = FORBIDDEN_LOG_EVERY_S };
    struct httpd_options opts = { .listen_address = cfg->listen_address,
                                  .max_connections = (unsigned)cfg->max_connections,
                                  .completed = completed,
                                  .web = web,
                                  .realm = "dockward-store",
                                  /* Agents push with bearer tokens, checked by the handler. */
                                  .own_auth_post_path = REPORTS_PATH,
                                  /* Readers and admins may use tokens too (api_access). */
                                  .own_bearer_prefix = "/api/",
                                  .counters = &metrics->web };
    srv->httpd = httpd_start(&opts, handle, srv, err, errlen);
    return srv->httpd != NULL ? 0 : -1;
}

void store_server_stop(struct store_server *srv)
{
    httpd_stop(srv->httpd);
    srv->httpd = NULL;
    pthread_mutex_destroy(&srv->log_lock);
}
