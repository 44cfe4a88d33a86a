/*
 * server_request.h - what the store's HTTP handler files share (server.c:
 * dispatch, ingest, the query API; server_admin.c: retire and rebind;
 * server_request.c: the functions below): one request's state from MHD's
 * first call to its completed callback, how it is answered, and who may
 * read and administer. Not for other files.
 *
 * A request lives on MHD's threads, except between queue_to_writer and the
 * writer's `done` callback, when only the writer thread touches it and the
 * connection is suspended; that callback sets the answer and resumes it.
 */
#ifndef DOCKWARD_STORE_SERVER_REQUEST_H
#define DOCKWARD_STORE_SERVER_REQUEST_H

#include "server.h"

#include "../common/buf.h"

#include <stdbool.h>
#include <time.h>

#define JSON_TYPE    "application/json"
#define HOSTS_PREFIX "/api/v1/hosts/"
/*
 * A body refused half-way (413, 429) is read and dropped up to this many
 * more bytes before the answer goes out: closing a connection with unread
 * data makes TCP reset it, and the client would never see why.
 */
#define DRAIN_MAX (8u * 1024 * 1024)

enum request_state {
    REQ_RECEIVING = 0, /* gathering the body */
    REQ_QUEUED,        /* suspended, waiting for the writer */
    REQ_ANSWERED,      /* status/result/message set: respond once the body is read */
    REQ_RESPONDED,     /* a response is queued; ignore whatever comes */
};

struct request {
    struct store_server *srv;
    struct MHD_Connection *conn;
    struct timespec started;
    enum request_state state;
    bool admin; /* a retire or rebind request, not a report */
    bool gzip;
    struct token_grant grant;        /* the token that pushes (or administers) */
    char owner[STORE_OWNER_MAX + 1]; /* the identity a report speaks for */
    struct buf body;
    size_t reserved; /* bytes counted in srv->uploads */
    size_t drained;  /* body bytes dropped after a refusal */
    struct writer_job wj;
    unsigned status;
    enum ingest_result result;
    char message[320];
};

/* Seconds since the request's first call. */
double request_age_seconds(const struct request *req);

/* Queues a response with `headers` (name, value pairs, NULL-terminated; may be NULL). */
enum MHD_Result respond_with(struct MHD_Connection *conn, unsigned status, const char *content_type,
                             const char *body, size_t len, const char *const *headers);

/* Sets the answer of a request (sent by send_answer); INGEST_RESULT_COUNT counts no ingest. */
void set_answer(struct request *req, unsigned status, enum ingest_result result, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
/* Sends the answer set by set_answer as JSON, counting it. */
enum MHD_Result send_answer(struct request *req);

/*
 * Hands req->wj to the writer and suspends the connection (before the
 * writer can see the job, so its resume always comes after); a full queue
 * or a closing store is answered at once (429, 503).
 */
enum MHD_Result queue_to_writer(struct request *req);

enum api_access { API_ALLOWED = 0, API_UNAUTHORIZED, API_FORBIDDEN };

/*
 * The query API's rule: a reader or admin bearer token, or (with the web
 * config's basic_auth_users) a user who passed basic auth; `want_admin`
 * asks for an admin token. With neither configured nobody may read.
 * Fills `grant` for a bearer token.
 */
enum api_access api_access(struct store_server *srv, struct MHD_Connection *conn, bool want_admin,
                           struct token_grant *grant);

/*
 * DELETE /api/v1/hosts/{id} and PUT /api/v1/hosts/{id}/owner?credential=
 * (server_admin.c): MHD's handler calls for such a request, every one.
 */
enum MHD_Result admin_handle(struct store_server *srv, struct MHD_Connection *conn, const char *url,
                             const char *method, size_t *upload_data_size, void **req_cls);

#endif
