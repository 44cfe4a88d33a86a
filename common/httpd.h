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
 */
#ifndef DOCKWARD_HTTPD_H
#define DOCKWARD_HTTPD_H

#include <microhttpd.h>
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

struct httpd_options {
    const char *listen_address; /* ":10310", "127.0.0.1:0", "[::1]:10310" */
    unsigned max_connections;   /* 0 = HTTPD_DEFAULT_MAX_CONNECTIONS */
    /* Optional: called when MHD finishes a request, to free *req_cls. */
    MHD_RequestCompletedCallback completed;
    /*
     * Allow MHD_suspend_connection/MHD_resume_connection: a handler whose
     * answer comes from another thread (the store answers a report after
     * its writer thread's COMMIT) suspends the connection instead of
     * blocking a polling thread, and that thread resumes it; MHD then calls
     * the handler again to queue the response. Off by default.
     */
    bool allow_suspend;
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

/* The bound address as "host:port" (e.g. "127.0.0.1:41234", "[::]:10310"). */
const char *httpd_bound_address(const struct httpd *h);

/* Stops accepting, closes every connection, joins the thread, frees. */
void httpd_stop(struct httpd *h);

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

/* 405 with "Allow: GET, HEAD". */
enum MHD_Result httpd_respond_method_not_allowed(struct MHD_Connection *conn);

#endif
