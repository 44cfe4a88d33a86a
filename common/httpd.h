/*
 * httpd.h - the HTTP server both programs use, on libmicrohttpd.
 *
 * A pool of HTTPD_THREADS internal polling threads, each with its own epoll
 * set, serves every connection (libmicrohttpd in "turbo" mode: it tries I/O
 * before waiting for readiness); handlers must not block (the agent's serve
 * pre-rendered bytes). Bounded by design:
 * a total connection limit, a per-IP limit, an idle timeout, a deadline for
 * each request head and a memory limit per connection, all set here where
 * they are enforced. The per-IP limit is what keeps one address (one slow
 * or hostile client) from taking every slot from Prometheus.
 *
 * We create and bind the listening socket ourselves (IPv6 dual-stack for
 * ":port", a given host otherwise, port 0 for an ephemeral port) so the bound
 * address can be logged and tests can find an ephemeral port.
 *
 * With a web config (--web.config.file, common/webconfig.h) every request of
 * either program passes a guard here before its handler runs, so handlers
 * never see TLS or credentials:
 *   - TLS by libmicrohttpd's GnuTLS support; a client certificate is asked
 *     for when client_ca_file is set and judged here by client_auth_type
 *     (GnuTLS verifies it against that CA) on the connection's first
 *     request. A refused certificate closes the connection without an HTTP
 *     answer, as a failed handshake would: the client learns nothing, and an
 *     agent pushing with a wrong certificate retries instead of dropping its
 *     report for good (which a 4xx would make it do).
 *   - basic_auth_users: 401 with WWW-Authenticate on missing or wrong
 *     credentials, before the handler runs and before any body is read.
 *     Credentials seen before are answered from a cache on the polling
 *     thread; others are checked (bcrypt) by a small worker pool while the
 *     connection is suspended, and get 429 (Retry-After: 1) when too many
 *     checks are pending - so wrong passwords never delay other requests.
 *   - http_server_config.headers on every response queued through
 *     httpd_queue_response (which every response helper here uses).
 * httpd_reload_web swaps the config: users and headers for every request
 * from then on; TLS material by a new daemon on the same listening socket
 * (the old one stops accepting and keeps its open connections until the
 * next reload or stop), so no connection is refused during a reload.
 */
#ifndef DOCKWARD_HTTPD_H
#define DOCKWARD_HTTPD_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define HTTPD_THREADS                 2 /* one per core of a small host; scrapes are cheap */
#define HTTPD_DEFAULT_MAX_CONNECTIONS 256
#define HTTPD_PER_IP_LIMIT_DIVISOR    2           /* one address may hold half the connections */
#define HTTPD_CONNECTION_TIMEOUT_S    10          /* idle connections are closed after this */
#define HTTPD_CONNECTION_MEMORY       (32 * 1024) /* per-connection read buffer + headers */
/*
 * A request head (request line and headers) must be complete this long
 * after the connection opened or the previous answer on it finished, or the
 * connection is shut down. The idle timeout alone is reset by every byte,
 * so a client sending one byte a second (or headers forever) would hold a
 * connection slot for ever; this deadline cannot be extended. A scraper
 * sends its head in one packet. Bodies (the store's reports) are bound by
 * the idle timeout and the handlers' own caps, not by this.
 */
#define HTTPD_HEADER_DEADLINE_MS 5000
#define HTTPD_REAPER_TICK_MS     250 /* how often the deadline is checked */

/*
 * The request handler: MHD's access handler. MHD calls it first when the
 * headers have arrived and again for the body and its end; a response queued
 * on the first call makes MHD close the connection after it (it cannot know
 * the body is empty), so a handler answers GET/HEAD on a later call and only
 * refusals (405, 413) on the first.
 */
typedef MHD_AccessHandlerCallback httpd_handler;

struct webconfig;

/* Why the guard refused a request: the `reason` label of the auth counters. */
enum httpd_auth_failure {
    HTTPD_AUTH_MISSING_CREDENTIALS = 0, /* no Basic credentials */
    HTTPD_AUTH_WRONG_CREDENTIALS,       /* unknown user or wrong password */
    HTTPD_AUTH_CLIENT_CERTIFICATE,      /* missing or unverified client certificate */
    HTTPD_AUTH_OVERLOAD,                /* 429: the bcrypt queue was full, no check done */
};
#define HTTPD_AUTH_FAILURE_COUNT 4

/* "missing_credentials", "wrong_credentials", "client_certificate", "overload". */
const char *httpd_auth_failure_name(enum httpd_auth_failure f);

/*
 * Counters of the web config, owned by the program (it renders them with
 * its metrics) and bumped by the server's threads.
 */
struct httpd_web_counters {
    atomic_uint_fast64_t failures[HTTPD_AUTH_FAILURE_COUNT];
    atomic_int last_reload_ok; /* 1 after a good (re)load, 0 after a failed one */
};

void httpd_web_counters_init(struct httpd_web_counters *c);

struct expo;

/*
 * Adds <prefix>web_auth_failures_total{reason} and
 * <prefix>web_config_last_reload_successful to `e` (prefix "dockward_" for
 * the agent, "dockward_store_" for the store). Returns 0 or -1.
 */
int httpd_web_counters_render(struct expo *e, const struct httpd_web_counters *c,
                              const char *prefix);

struct httpd_options {
    const char *listen_address; /* ":10310", "127.0.0.1:0", "[::1]:10310" */
    unsigned max_connections;   /* 0 = HTTPD_DEFAULT_MAX_CONNECTIONS */
    /* Optional: called when MHD finishes a request, to free *req_cls. */
    MHD_RequestCompletedCallback completed;
    /*
     * Optional web config (TLS, basic auth, headers), taken over by
     * httpd_start (freed by it on failure too). NULL: plain HTTP, no auth.
     */
    struct webconfig *web;
    const char *realm; /* basic-auth realm; NULL = "dockward" */
    /*
     * Optional: a path whose POSTs the program authenticates itself (the
     * store's ingest, with agents' bearer tokens): the web config's
     * basic_auth_users do not apply to them, so basic auth for people and
     * tokens for agents work together. TLS and client certificates still do.
     */
    const char *own_auth_post_path;
    /*
     * Optional: a path prefix (the store's "/api/") whose requests carrying
     * "Authorization: Bearer ..." the program authenticates itself; without
     * a bearer header they still pass basic_auth_users (and the handler can
     * ask httpd_basic_auth_passed). TLS and client certificates still apply.
     */
    const char *own_bearer_prefix;
    /* Where auth failures are counted; required with `web`. */
    struct httpd_web_counters *counters;
};

struct httpd;

/*
 * Validates a listen address ("host:port", ":port", "[v6]:port") without
 * binding. Returns 0, or -1 with err filled. Usable as a flag validator.
 */
int httpd_validate_listen_address(const char *address, char *err, size_t errlen);

/*
 * Binds, listens and starts serving. Returns a server (free with
 * httpd_stop), or NULL with err filled (bad address, address in use...).
 */
struct httpd *httpd_start(const struct httpd_options *opts, httpd_handler handler, void *cls,
                          char *err, size_t errlen);

/*
 * httpd_start in two steps, for a program that drops privileges in
 * between: httpd_bind binds and listens (no thread yet, so nothing is
 * served), httpd_serve starts the polling threads on that socket.
 * httpd_bind returns a server (free with httpd_stop) or NULL with err;
 * httpd_serve returns 0, or -1 with err (the server is still the caller's
 * to httpd_stop).
 */
struct httpd *httpd_bind(const struct httpd_options *opts, char *err, size_t errlen);
int httpd_serve(struct httpd *h, const struct httpd_options *opts, httpd_handler handler, void *cls,
                char *err, size_t errlen);

/* The bound address as "host:port" (e.g. "127.0.0.1:41234", "[::]:10310"). */
const char *httpd_bound_address(const struct httpd *h);

/* Stops accepting, closes every connection, joins the thread, frees. */
void httpd_stop(struct httpd *h);

/*
 * For a handler whose answer comes from another thread (the store answers
 * a report after its writer thread's COMMIT): httpd_suspend parks the
 * connection instead of blocking a polling thread; the other thread calls
 * httpd_resume once the answer is ready, and MHD calls the handler again
 * to queue it. Use these, never MHD_suspend_connection/MHD_resume_connection
 * directly: they count the parked connections of each daemon, so that a
 * daemon retired by a TLS reload is stopped only once none of its
 * connections is parked (MHD_stop_daemon must not find one). Every
 * httpd_suspend needs exactly one httpd_resume; the program resumes all of
 * them before httpd_stop (the store drains its writer first).
 */
void httpd_suspend(struct MHD_Connection *conn);
void httpd_resume(struct MHD_Connection *conn);

/*
 * Replaces the web config with `wc` (taken over, also on failure) for every
 * request from now on; a change of TLS material (or TLS on/off) starts a
 * new daemon on the listening socket. Main thread only. Returns 0, or -1
 * with err (the old config stays in force). Sets the reload gauge either
 * way.
 */
int httpd_reload_web(struct httpd *h, struct webconfig *wc, char *err, size_t errlen);

/*
 * SIGHUP for both programs: reads the web config at `path` again
 * (webconfig_load: parsed, files read, o+w refused) and swaps it in with
 * httpd_reload_web. Returns 0 with `msg` saying what is now in force, or -1
 * with `msg` saying why the old config stays. Sets the reload gauge either
 * way. Main thread only.
 */
int httpd_reload_web_file(struct httpd *h, const char *path, char *msg, size_t msglen);
/* httpd_reload_web_file with its message logged ("SIGHUP: ..."), as both programs do. */
void httpd_sighup_web_file(struct httpd *h, const char *path);

/*
 * MHD_queue_response plus the configured http_server_config.headers. Every
 * response of both programs goes through this.
 */
enum MHD_Result httpd_queue_response(struct MHD_Connection *conn, unsigned status,
                                     struct MHD_Response *r);

/*
 * Queues a response with a copy of `body` (len bytes) and `content_type`.
 * Returns MHD's result.
 */
enum MHD_Result httpd_respond(struct MHD_Connection *conn, unsigned status,
                              const char *content_type, const char *body, size_t len);

/*
 * Queues a 200 with a rendered metrics body in `format` (gzip-encoded when
 * `gzip`), the body NOT copied: `release(release_cls)` runs once MHD is done
 * with it (also when this fails). Content-Type, Vary and Content-Encoding as
 * the exposition formats want. Shared by the agent's and the store's
 * /metrics, which serve pre-rendered snapshots.
 */
enum MHD_Result httpd_respond_metrics(struct MHD_Connection *conn, const char *content_type,
                                      int gzip, const char *data, size_t len,
                                      void (*release)(void *), void *release_cls);

/*
 * For a handler: whether the current request of `conn` passed the web
 * config's basic_auth_users (false when none are configured, or the
 * request was let through for the program's own credentials).
 */
bool httpd_basic_auth_passed(struct MHD_Connection *conn);

/* Whether an Authorization header value uses the Bearer scheme (any token). */
bool httpd_is_bearer(const char *authorization);

#define HTTPD_CERT_NAME_MAX 64
/*
 * For a handler: the common name of the client certificate of `conn`,
 * when the web config has a client_ca_file and the certificate verified
 * against it. Returns 1 with `out` filled, 0 when there is no verified
 * certificate, -1 when its CN is empty, longer than HTTPD_CERT_NAME_MAX or
 * has a character httpd_cert_name_char refuses.
 */
int httpd_client_cert_name(struct MHD_Connection *conn, char *out, size_t outlen);

/* A character a certificate name may have: printable ASCII but '"' and '\\'. */
bool httpd_cert_name_char(char c);

/*
 * Queues `status` with `body` (len bytes of text/plain that outlive the
 * response: not copied) and, unless `header` is NULL, that header.
 */
enum MHD_Result httpd_respond_static(struct MHD_Connection *conn, unsigned status, const char *body,
                                     size_t len, const char *header, const char *value);

/* 405 with "Allow: GET, HEAD". */
enum MHD_Result httpd_respond_method_not_allowed(struct MHD_Connection *conn);

/*
 * The first steps of a GET endpoint (httpd_get.c), in MHD's handler: 405
 * for a method but GET and HEAD (answered at once, before any body: MHD
 * then closes the connection); MHD's first call, when the headers are in,
 * only marks *req_cls, since a response queued then would close the
 * connection and scrapers keep theirs alive; a body sent with a GET is
 * ignored. Returns true when the caller should answer now, false with
 * *ret what the handler returns to MHD.
 */
bool httpd_get_ready(struct MHD_Connection *conn, const char *method, size_t *upload_data_size,
                     void **req_cls, enum MHD_Result *ret);
/* Whether *req_cls is httpd_get_ready's mark (nothing for a completed callback to free). */
bool httpd_get_marked(const void *req_cls);

struct httpd_link {
    const char *href;
    const char *text;
};
/*
 * 200 with the landing page of `program` (its name and DOCKWARD_VERSION), a
 * paragraph `about` (HTML) and a list of links. MHD_NO when it does not fit.
 */
enum MHD_Result httpd_respond_landing(struct MHD_Connection *conn, const char *program,
                                      const char *about, const struct httpd_link *links,
                                      size_t n_links);

#endif
