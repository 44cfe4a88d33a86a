/*
 * server_admin.c - the admin requests of the store's HTTP handler:
 * DELETE /api/v1/hosts/{id} retires a host, PUT
 * /api/v1/hosts/{id}/owner?credential=NAME rebinds it. Admin tokens only;
 * the path is judged on MHD's first call, any body is dropped (bounded by
 * DRAIN_MAX), and the job goes through the writer's queue like a report,
 * whose done callback answers and resumes the connection.
 */
#include "server_request.h"

#include "../common/hostid.h"
#include "../common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* On the writer thread, after the admin job ran. */
static void admin_done(struct writer_job *wj, void *arg)
{
    struct request *req = arg;
    bool retire = wj->kind == WRITER_JOB_RETIRE;
    switch (wj->admin_result) {
    case WRITER_ADMIN_DONE:
        if (retire)
            log_info("admin %s retired host %s: its current results are gone, its drift stays",
                     req->grant.name, wj->host_id);
        else
            log_info("admin %s bound host %s to %s", req->grant.name, wj->host_id, wj->owner);
        set_answer(req, MHD_HTTP_OK, INGEST_RESULT_COUNT, "%s", retire ? "retired" : "rebound");
        break;
    case WRITER_ADMIN_NOT_FOUND:
        set_answer(req, MHD_HTTP_NOT_FOUND, INGEST_RESULT_COUNT, "no active host %s", wj->host_id);
        break;
    case WRITER_ADMIN_FAILED:
    default:
        set_answer(req, MHD_HTTP_SERVICE_UNAVAILABLE, INGEST_RESULT_COUNT,
                   "the database cannot write now; retry later");
        break;
    }
    httpd_resume(req->conn);
}

/*
 * First call of an admin request: the method, the role and the path. The
 * job is queued on the last call (after any body, which is ignored).
 */
static enum MHD_Result admin_begin(struct store_server *srv, struct MHD_Connection *conn,
                                   const char *url, const char *method, void **req_cls)
{
    struct request *req = calloc(1, sizeof(*req));
    if (req == NULL)
        return MHD_NO;
    req->srv = srv;
    req->conn = conn;
    req->admin = true;
    req->result = INGEST_RESULT_COUNT;
    clock_gettime(CLOCK_MONOTONIC, &req->started);
    buf_init(&req->body, 0);
    *req_cls = req;
    bool del = strcmp(method, MHD_HTTP_METHOD_DELETE) == 0;
    enum api_access a = api_access(srv, conn, true, &req->grant);
    if (a != API_ALLOWED) {
        if (a == API_UNAUTHORIZED)
            set_answer(req, MHD_HTTP_UNAUTHORIZED, INGEST_RESULT_COUNT,
                       "retiring and rebinding hosts needs Authorization: Bearer <admin token>");
        else
            set_answer(req, MHD_HTTP_FORBIDDEN, INGEST_RESULT_COUNT,
                       "only admin tokens retire or rebind hosts");
        return send_answer(req);
    }
    const char *id = url + sizeof(HOSTS_PREFIX) - 1;
    const char *slash = strchr(id, '/');
    size_t id_len = slash ? (size_t)(slash - id) : strlen(id);
    bool owner_path = slash != NULL && strcmp(slash, "/owner") == 0;
    if ((del && slash != NULL) || (!del && !owner_path)) {
        set_answer(req, MHD_HTTP_NOT_FOUND, INGEST_RESULT_COUNT,
                   "DELETE /api/v1/hosts/{id} retires a host; PUT "
                   "/api/v1/hosts/{id}/owner?credential=NAME rebinds it");
        return send_answer(req);
    }
    if (!host_id_valid(id, id_len)) {
        set_answer(req, MHD_HTTP_BAD_REQUEST, INGEST_RESULT_COUNT,
                   "a host id is 1 to %d characters of [A-Za-z0-9._-]", REPORT_HOST_ID_MAX);
        return send_answer(req);
    }
    memcpy(req->wj.host_id, id, id_len);
    req->wj.host_id[id_len] = '\0';
    req->wj.kind = del ? WRITER_JOB_RETIRE : WRITER_JOB_REBIND;
    if (!del) {
        const char *to = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "credential");
        char cn[HTTPD_CERT_NAME_MAX + 1];
        bool cert = to != NULL && strncmp(to, "cert:", 5) == 0 && strlen(to + 5) > 0 &&
                    strlen(to + 5) <= HTTPD_CERT_NAME_MAX;
        if (cert) {
            snprintf(cn, sizeof(cn), "%s", to + 5);
            for (const char *c = cn; *c != '\0'; c++)
                cert = cert && httpd_cert_name_char(*c);
        }
        if (to == NULL || (!cert && !token_slot_has_agent(srv->tokens, to))) {
            set_answer(req, MHD_HTTP_BAD_REQUEST, INGEST_RESULT_COUNT,
                       "credential= must name an agent token of the tokens file, or a client "
                       "certificate as cert:CN");
            return send_answer(req);
        }
        snprintf(req->wj.owner, sizeof(req->wj.owner), "%s", to);
    }
    return MHD_YES;
}

static enum MHD_Result admin_submit(struct request *req)
{
    req->wj.done = admin_done;
    req->wj.arg = req;
    req->wj.bytes = 0;
    return queue_to_writer(req);
}

enum MHD_Result admin_handle(struct store_server *srv, struct MHD_Connection *conn, const char *url,
                             const char *method, size_t *upload_data_size, void **req_cls)
{
    if (*req_cls == NULL)
        return admin_begin(srv, conn, url, method, req_cls);
    struct request *req = *req_cls;
    if (*upload_data_size > 0) {
        /* A body is not part of these requests: dropped (bounded like a refused report's). */
        req->drained += *upload_data_size;
        *upload_data_size = 0;
        if (req->drained > DRAIN_MAX && req->state == REQ_RECEIVING)
            set_answer(req, MHD_HTTP_CONTENT_TOO_LARGE, INGEST_RESULT_COUNT, "unexpected body");
        return MHD_YES;
    }
    switch (req->state) {
    case REQ_RECEIVING:
        return admin_submit(req);
    case REQ_ANSWERED:
        return send_answer(req);
    case REQ_QUEUED:
    case REQ_RESPONDED:
    default:
        return MHD_YES;
    }
}
