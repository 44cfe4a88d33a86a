/*
 * httpd_guard.c - the web-config guard in front of every handler of the
 * HTTP server (httpd.h): client certificates against client_auth_type,
 * basic auth (the cache here, bcrypt on the pool of httpd_auth_pool.c),
 * the configured response headers, and each connection's context from
 * accept to close. Runs on MHD's polling threads; never logs credentials.
 */
#include "httpd_internal.h"

#include "log.h"
#include "webconfig.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool httpd_is_bearer(const char *authorization)
{
    if (authorization == NULL)
        return false;
    while (*authorization == ' ' || *authorization == '\t')
        authorization++;
    return strncasecmp(authorization, "Bearer", 6) == 0 &&
           (authorization[6] == '\0' || authorization[6] == ' ' || authorization[6] == '\t');
}

/* The client certificate against client_auth_type: 1 acceptable, 0 not. */
static int judge_client_cert(struct MHD_Connection *conn, enum webconfig_client_auth mode)
{
    if (mode == WEBCONFIG_NO_CLIENT_CERT || mode == WEBCONFIG_REQUEST_CLIENT_CERT)
        return 1;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (ci == NULL || ci->tls_session == NULL)
        return 0;
    gnutls_session_t session = (gnutls_session_t)ci->tls_session;
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &n);
    bool given = certs != NULL && n > 0;
    if (mode == WEBCONFIG_REQUIRE_ANY_CLIENT_CERT)
        return given;
    if (!given)
        return mode == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers2(session, &status) < 0)
        return 0;
    return status == 0;
}

/* Adds http_server_config.headers of the connection's current request. */
void httpd_add_web_headers(struct MHD_Connection *conn, struct MHD_Response *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const struct conn_ctx *cc = ci != NULL ? ci->socket_context : NULL;
    const struct webconfig *wc = cc != NULL && cc->web != NULL ? cc->web->wc : NULL;
    for (size_t i = 0; wc != NULL && i < wc->n_headers; i++)
        MHD_add_response_header(r, wc->headers[i].name, wc->headers[i].value);
}

enum MHD_Result httpd_queue_response(struct MHD_Connection *conn, unsigned status,
                                     struct MHD_Response *r)
{
    httpd_add_web_headers(conn, r);
    return MHD_queue_response(conn, status, r);
}

enum MHD_Result httpd_respond_static(struct MHD_Connection *conn, unsigned status, const char *body,
                                     size_t len, const char *header, const char *value)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (header != NULL)
        MHD_add_response_header(r, header, value);
    enum MHD_Result ret = httpd_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void count_failure(struct httpd *h, enum httpd_auth_failure f)
{
    if (h->counters != NULL)
        atomic_fetch_add(&h->counters->failures[f], 1);
}

/* 401 with WWW-Authenticate (and the configured headers). */
static enum MHD_Result refuse_unauthorized(struct httpd *h, struct MHD_Connection *conn)
{
    static const char body[] = "unauthorized\n";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    httpd_add_web_headers(conn, r);
    enum MHD_Result ret =
        MHD_queue_basic_auth_fail_response(conn, h->realm ? h->realm : "dockward", r);
    MHD_destroy_response(r);
    return ret;
}

/* 429 with Retry-After (and the configured headers): the bcrypt queue is full. */
static enum MHD_Result refuse_overload(struct MHD_Connection *conn)
{
    static const char body[] = "too many password checks pending; retry later\n";
    return httpd_respond_static(conn, MHD_HTTP_TOO_MANY_REQUESTS, body, sizeof(body) - 1,
                                MHD_HTTP_HEADER_RETRY_AFTER, "1");
}

enum guard_verdict {
    GUARD_PASS,
    GUARD_CLOSE,
    GUARD_UNAUTHORIZED,
    GUARD_OVERLOAD,  /* 429: the bcrypt queue is full */
    GUARD_SUSPENDED, /* the check is queued; the verdict comes with the resume */
};

/* The web config's rules for a new request. Never logs credentials. */
static enum guard_verdict guard_check(struct httpd *h, struct conn_ctx *cc,
                                      struct MHD_Connection *conn, const char *method,
                                      const char *url)
{
    const struct webconfig *wc = cc->web != NULL ? cc->web->wc : NULL;
    cc->basic_ok = false;
    if (wc == NULL)
        return GUARD_PASS;
    if (wc->tls && wc->client_auth != WEBCONFIG_NO_CLIENT_CERT) {
        if (cc->cert_ok < 0)
            cc->cert_ok = judge_client_cert(conn, wc->client_auth);
        if (!cc->cert_ok) {
            count_failure(h, HTTPD_AUTH_CLIENT_CERTIFICATE);
            log_debug("http: closing a connection: client certificate missing or not "
                      "verified (%s)",
                      webconfig_client_auth_name(wc->client_auth));
            return GUARD_CLOSE;
        }
    }
    if (wc->n_users == 0)
        return GUARD_PASS;
    /* The program's own credentials (bearer tokens) guard this one; see httpd_options. */
    if (h->own_auth_post_path != NULL && strcmp(method, "POST") == 0 &&
        strcmp(url, h->own_auth_post_path) == 0)
        return GUARD_PASS;
    if (h->own_bearer_prefix != NULL &&
        strncmp(url, h->own_bearer_prefix, strlen(h->own_bearer_prefix)) == 0 &&
        httpd_is_bearer(
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION)))
        return GUARD_PASS;
    char *password = NULL;
    char *user = MHD_basic_auth_get_username_password(conn, &password);
    if (user == NULL) {
        httpd_free_credentials(NULL, password);
        count_failure(h, HTTPD_AUTH_MISSING_CREDENTIALS);
        log_debug("http: 401: no basic-auth credentials");
        return GUARD_UNAUTHORIZED;
    }
    /* The cache answers here at once; everything else goes to the bcrypt workers. */
    unsigned char mac[AUTH_CACHE_MAC_LEN];
    bool have_mac = httpd_auth_cache_mac(cc->web, user, password != NULL ? password : "", mac) == 0;
    if (have_mac && httpd_auth_cache_has(cc->web, mac)) {
        explicit_bzero(mac, sizeof(mac));
        httpd_free_credentials(user, password);
        cc->basic_ok = true;
        return GUARD_PASS;
    }
    enum auth_submit_result q = httpd_auth_submit(h, cc, conn, user, password, mac, have_mac);
    explicit_bzero(mac, sizeof(mac));
    if (q == AUTH_SUBMITTED)
        return GUARD_SUSPENDED;
    httpd_free_credentials(user, password);
    if (q == AUTH_QUEUE_FULL) {
        count_failure(h, HTTPD_AUTH_OVERLOAD);
        log_debug("http: 429: too many password checks pending");
        return GUARD_OVERLOAD;
    }
    return GUARD_CLOSE; /* the server is stopping (or this daemon retiring) */
}

/*
 * The verdict of the bcrypt check of a resumed request (AUTH_DONE), as the
 * guard's verdict; the job is idle again after this.
 */
static enum guard_verdict guard_resumed(struct httpd *h, struct conn_ctx *cc)
{
    atomic_store(&cc->auth.state, AUTH_IDLE);
    switch (cc->auth.verdict) {
    case AUTH_OK:
        cc->basic_ok = true;
        return GUARD_PASS;
    case AUTH_WRONG:
        count_failure(h, HTTPD_AUTH_WRONG_CREDENTIALS);
        log_debug("http: 401: wrong basic-auth credentials");
        return GUARD_UNAUTHORIZED;
    case AUTH_DROPPED:
    default:
        return GUARD_CLOSE;
    }
}

/* MHD's access handler: the guard, then the program's handler. */
enum MHD_Result httpd_guard(void *cls, struct MHD_Connection *conn, const char *url,
                            const char *method, const char *version, const char *upload_data,
                            size_t *upload_data_size, void **req_cls)
{
    struct httpd *h = ((const struct daemon_tag *)cls)->h;
    enum guard_verdict v = GUARD_PASS;
    struct conn_ctx *cc = *req_cls;
    if (cc == NULL) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        cc = ci != NULL ? ci->socket_context : NULL;
        if (cc == NULL)
            return MHD_NO; /* no context (out of memory at accept): refuse */
        *req_cls = cc;
        httpd_deadline_set(h, cc->slot, INT64_MAX); /* the head is in */
        cc->inner_cls = NULL;
        cc->refused = false;
        httpd_web_state_unref(cc->web);
        cc->web = httpd_web_acquire(h);
        v = guard_check(h, cc, conn, method, url);
    } else if (atomic_load(&cc->auth.state) == AUTH_DONE) {
        v = guard_resumed(h, cc); /* MHD's call after the worker's resume */
    } else if (atomic_load(&cc->auth.state) == AUTH_QUEUED) {
        *upload_data_size = 0; /* not expected: suspended until the verdict */
        return MHD_YES;
    }
    switch (v) {
    case GUARD_CLOSE:
        return MHD_NO;
    case GUARD_UNAUTHORIZED:
        cc->refused = true;
        return refuse_unauthorized(h, conn);
    case GUARD_OVERLOAD:
        cc->refused = true;
        return refuse_overload(conn);
    case GUARD_SUSPENDED:
        return MHD_YES;
    case GUARD_PASS:
        break;
    }
    if (cc->refused) {
        *upload_data_size = 0; /* answered: drop whatever body follows */
        return MHD_YES;
    }
    return h->handler(h->cls, conn, url, method, version, upload_data, upload_data_size,
                      &cc->inner_cls);
}

void httpd_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                        enum MHD_RequestTerminationCode toe)
{
    struct httpd *h = ((const struct daemon_tag *)cls)->h;
    /* An answer is done: the next request head on this connection gets a new deadline. */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const struct conn_ctx *sc = ci != NULL ? ci->socket_context : NULL;
    if (sc != NULL)
        httpd_deadline_set(h, sc->slot, httpd_monotonic_ms() + HTTPD_HEADER_DEADLINE_MS);
    struct conn_ctx *cc = req_cls != NULL ? *req_cls : NULL;
    if (cc == NULL)
        return;
    if (h->completed != NULL)
        h->completed(NULL, conn, &cc->inner_cls, toe);
    cc->inner_cls = NULL;
    cc->refused = false;
    cc->basic_ok = false;
    *req_cls = NULL;
}

bool httpd_cert_name_char(char c)
{
    return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

bool httpd_basic_auth_passed(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const struct conn_ctx *cc = ci != NULL ? ci->socket_context : NULL;
    return cc != NULL && cc->basic_ok;
}

int httpd_client_cert_name(struct MHD_Connection *conn, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const struct conn_ctx *cc = ci != NULL ? ci->socket_context : NULL;
    const struct webconfig *wc = cc != NULL && cc->web != NULL ? cc->web->wc : NULL;
    if (wc == NULL || !wc->tls || wc->client_ca_pem == NULL)
        return 0; /* no CA to verify against: no certificate identity */
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (ci == NULL || ci->tls_session == NULL)
        return 0;
    gnutls_session_t session = (gnutls_session_t)ci->tls_session;
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &n);
    if (certs == NULL || n == 0)
        return 0;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers2(session, &status) < 0 || status != 0)
        return 0; /* not verified against client_ca_file: not an identity */
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return -1;
    char cn[HTTPD_CERT_NAME_MAX + 2];
    size_t len = sizeof(cn);
    int rc = -1;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) >= 0 &&
        len > 0 && len <= HTTPD_CERT_NAME_MAX) {
        rc = 1;
        for (size_t i = 0; i < len; i++)
            if (!httpd_cert_name_char(cn[i]))
                rc = -1;
        if (rc == 1)
            snprintf(out, outlen, "%.*s", (int)len, cn);
    }
    gnutls_x509_crt_deinit(crt);
    return rc;
}

void httpd_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                         enum MHD_ConnectionNotificationCode toe)
{
    struct daemon_tag *tag = cls;
    struct httpd *h = tag->h;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn_ctx *cc = calloc(1, sizeof(*cc));
        if (cc != NULL) {
            cc->tag = tag;
            atomic_init(&cc->auth.state, AUTH_IDLE);
            cc->cert_ok = -1;
            cc->slot = httpd_deadline_take(h, conn);
        }
        *socket_context = cc;
        return;
    }
    struct conn_ctx *cc = *socket_context; /* MHD_CONNECTION_NOTIFY_CLOSED, before the close */
    if (cc != NULL) {
        httpd_deadline_release(h, cc->slot);
        httpd_web_state_unref(cc->web);
        free(cc);
    }
    *socket_context = NULL;
}
