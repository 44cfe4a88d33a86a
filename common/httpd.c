/*
 * httpd.c - the server core: listening socket, libmicrohttpd daemons,
 * start, stop and web-config reload, and the response helpers; see
 * httpd.h. The guard in front of every handler is httpd_guard.c, the
 * bcrypt pool httpd_auth_pool.c, the head deadline httpd_reaper.c
 * (httpd_internal.h lists them).
 *
 * Who owns what: struct httpd belongs to the main thread (start, reload,
 * stop); `daemon` and `retired` are touched by it only. The current web
 * config lives in a refcounted, immutable struct web_state; `web_lock`
 * guards only the pointer and the reference taken under it. Each
 * connection holds a reference to the state its current request started
 * with (struct conn_ctx, libmicrohttpd's socket context), so a reload never
 * changes the rules in the middle of a request and the last user frees it.
 */
#include "httpd_internal.h"

#include "expo.h"
#include "log.h"
#include "webconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Accept queue. Clients refused by a connection limit reconnect at once;
 * with a short queue their SYNs fill it and a scraper's SYN is dropped and
 * retried a second later (seen in e2e_slow_clients.sh at 128). The kernel
 * caps it at net.core.somaxconn.
 */
#define LISTEN_BACKLOG 1024
#define HTTPD_THREADS  2

/* Splits "host:port" / ":port" / "[v6]:port" into host ("" = any) and port. */
static int split_address(const char *address, char *host, size_t hostlen, char *port,
                         size_t portlen, char *err, size_t errlen)
{
    const char *colon;
    const char *hstart = address;
    size_t hlen;

    if (address[0] == '[') {
        const char *close = strchr(address, ']');
        if (close == NULL || close[1] != ':') {
            seterr(err, errlen, "want [ipv6]:port");
            return -1;
        }
        hstart = address + 1;
        hlen = (size_t)(close - hstart);
        colon = close + 1;
    } else {
        colon = strrchr(address, ':');
        if (colon == NULL) {
            seterr(err, errlen, "want host:port or :port");
            return -1;
        }
        if (memchr(address, ':', (size_t)(colon - address)) != NULL) {
            seterr(err, errlen, "an IPv6 address needs brackets: [addr]:port");
            return -1;
        }
        hlen = (size_t)(colon - address);
    }
    const char *p = colon + 1;
    if (*p == '\0') {
        seterr(err, errlen, "missing port");
        return -1;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(p, &end, 10);
    if (errno != 0 || *end != '\0' || v > 65535 || p[0] == '-' || p[0] == '+') {
        seterr(err, errlen, "port must be a number from 0 to 65535");
        return -1;
    }
    if (hlen >= hostlen || strlen(p) >= portlen) {
        seterr(err, errlen, "address too long");
        return -1;
    }
    memcpy(host, hstart, hlen);
    host[hlen] = '\0';
    memcpy(port, p, strlen(p) + 1);
    return 0;
}

int httpd_validate_listen_address(const char *address, char *err, size_t errlen)
{
    char host[256], port[16];
    return split_address(address, host, sizeof(host), port, sizeof(port), err, errlen);
}

/* Creates a bound, listening socket for one addrinfo. -1 with errno on failure. */
static int bind_one(const struct addrinfo *ai, int dual_stack)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -1;
    int one = 1, zero = 0;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int open_listener(const char *address, char *bound, size_t boundlen, char *err,
                         size_t errlen)
{
    char host[256], port[16];
    if (split_address(address, host, sizeof(host), port, sizeof(port), err, errlen) != 0)
        return -1;

    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int fd = -1;
    int last_errno = 0;
    if (host[0] == '\0') {
        /* Any address: IPv6 dual-stack, or IPv4 where IPv6 is disabled. */
        static const char *const anys[] = { "::", "0.0.0.0" };
        for (size_t i = 0; i < 2 && fd < 0; i++) {
            hints.ai_flags |= AI_NUMERICHOST;
            if (getaddrinfo(anys[i], port, &hints, &res) != 0)
                continue;
            fd = bind_one(res, 1);
            last_errno = errno;
            freeaddrinfo(res);
            res = NULL;
            if (fd < 0 && last_errno == EADDRINUSE)
                break;
        }
    } else {
        int gai = getaddrinfo(host, port, &hints, &res);
        if (gai != 0) {
            seterr(err, errlen, "cannot resolve %s: %s", host, gai_strerror(gai));
            return -1;
        }
        for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
            fd = bind_one(ai, 0);
            last_errno = errno;
        }
        freeaddrinfo(res);
    }
    if (fd < 0) {
        seterr(err, errlen, "cannot listen on %s: %s", address, strerror(last_errno));
        return -1;
    }

    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned p = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
            p = ntohs(s6->sin6_port);
            snprintf(bound, boundlen, "[%s]:%u", ip, p);
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
            p = ntohs(s4->sin_port);
            snprintf(bound, boundlen, "%s:%u", ip, p);
        }
    }
    return fd;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (!log_enabled(LOG_LEVEL_DEBUG))
        return;
    char msg[512];
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n < 0)
        return;
    size_t len = strlen(msg);
    while (len > 0 && msg[len - 1] == '\n')
        msg[--len] = '\0';
    log_debug("http: %s", msg);
}

/* GnuTLS priorities for min/max_version (TLS12..TLS13 when unset, as the toolkit). */
static void tls_priorities(const struct webconfig *wc, char *out, size_t outlen)
{
    static const char *const vers[] = { "", "+VERS-TLS1.0", "+VERS-TLS1.1", "+VERS-TLS1.2",
                                        "+VERS-TLS1.3" };
    unsigned lo = wc->min_version ? (unsigned)wc->min_version : (unsigned)WEBCONFIG_TLS12;
    unsigned hi = wc->max_version ? (unsigned)wc->max_version : (unsigned)WEBCONFIG_TLS13;
    size_t used = (size_t)snprintf(out, outlen, "NORMAL:-VERS-ALL");
    for (unsigned v = lo; v <= hi && used < outlen; v++)
        used += (size_t)snprintf(out + used, outlen - used, ":%s", vers[v]);
}

/*
 * Starts one MHD daemon on the listening socket, with TLS when `wc` says
 * so; *tag_out gets its daemon_tag (free it after MHD_stop_daemon, with
 * stop_daemon). NULL when it cannot.
 */
static struct MHD_Daemon *start_daemon(struct httpd *h, const struct webconfig *wc,
                                       struct daemon_tag **tag_out)
{
    char priorities[128];
    struct MHD_OptionItem tls[5];
    size_t n = 0;
    /*
     * ITC: MHD_quiesce_daemon on reload, and resumes from other threads.
     * Suspend/resume always: the guard suspends a request for its bcrypt
     * check (a reload may add users without a new daemon).
     */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_USE_TURBO | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    *tag_out = NULL;
    struct daemon_tag *tag = calloc(1, sizeof(*tag));
    if (tag == NULL)
        return NULL;
    tag->h = h;
    atomic_init(&tag->parked, 0);
    if (wc != NULL && wc->tls) {
        flags |= MHD_USE_TLS;
        tls_priorities(wc, priorities, sizeof(priorities));
        tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, wc->cert_pem };
        tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, wc->key_pem };
        tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, priorities };
        /* A trust list makes MHD ask for a client certificate; guard_check judges it. */
        if (wc->client_ca_pem != NULL)
            tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, wc->client_ca_pem };
    }
    tls[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, httpd_guard, tag,
        /* first, so that MHD's messages about the other options reach our log */
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTPD_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        h->max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)HTTPD_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTPD_CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, httpd_on_completed, tag,
        MHD_OPTION_NOTIFY_CONNECTION, httpd_on_connection, tag, MHD_OPTION_ARRAY, tls,
        MHD_OPTION_END);
    if (d == NULL)
        free(tag);
    else
        *tag_out = tag;
    return d;
}

/*
 * Stops a daemon (NULL: nothing) and frees its tag: its bcrypt jobs are
 * fenced off first, as MHD_stop_daemon must find no suspended connection.
 */
static void stop_daemon(struct httpd *h, struct MHD_Daemon *d, struct daemon_tag *tag)
{
    if (d == NULL)
        return;
    /*
     * The program's parked connections (the store's reports waiting for a
     * COMMIT) are resumed by its own threads within a batch; wait for them
     * rather than let MHD_stop_daemon abort. Bounded by the program: the
     * store's writer answers every job it took, also when the database
     * fails.
     */
    for (unsigned waited_ms = 0; atomic_load(&tag->parked) > 0; waited_ms += 10) {
        if (waited_ms == 10000)
            log_warnx("http: stopping a server: still waiting for %d parked request(s)",
                      atomic_load(&tag->parked));
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    httpd_auth_fence(h, tag);
    MHD_stop_daemon(d);
    httpd_auth_unfence(h);
    free(tag);
}

/* The daemon that accepted `conn` (NULL when it has no context). */
static struct daemon_tag *conn_tag(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const struct conn_ctx *cc = ci != NULL ? ci->socket_context : NULL;
    return cc != NULL ? cc->tag : NULL;
}

void httpd_suspend(struct MHD_Connection *conn)
{
    struct daemon_tag *tag = conn_tag(conn);
    if (tag != NULL)
        atomic_fetch_add(&tag->parked, 1);
    MHD_suspend_connection(conn);
}

void httpd_resume(struct MHD_Connection *conn)
{
    /* The tag outlives the resume: its daemon is stopped only once `parked` is 0. */
    struct daemon_tag *tag = conn_tag(conn);
    MHD_resume_connection(conn);
    if (tag != NULL)
        atomic_fetch_sub(&tag->parked, 1);
}

struct httpd *httpd_bind(const struct httpd_options *opts, char *err, size_t errlen)
{
    struct httpd *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        webconfig_free(opts->web);
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&h->web_lock, NULL);
    pthread_mutex_init(&h->auth_lock, NULL);
    pthread_cond_init(&h->auth_work, NULL);
    pthread_cond_init(&h->auth_idle, NULL);
    h->listen_fd = -1;
    h->completed = opts->completed;
    h->realm = opts->realm;
    h->own_auth_post_path = opts->own_auth_post_path;
    h->own_bearer_prefix = opts->own_bearer_prefix;
    h->counters = opts->counters;
    h->web = httpd_web_state_new(opts->web);
    if (h->web == NULL) {
        webconfig_free(opts->web);
        httpd_auth_pool_destroy(h);
        pthread_mutex_destroy(&h->web_lock);
        free(h);
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    if (h->counters != NULL && opts->web != NULL)
        atomic_store(&h->counters->last_reload_ok, 1);
    h->listen_fd = open_listener(opts->listen_address, h->bound, sizeof(h->bound), err, errlen);
    if (h->listen_fd < 0) {
        httpd_web_state_unref(h->web);
        httpd_auth_pool_destroy(h);
        pthread_mutex_destroy(&h->web_lock);
        free(h);
        return NULL;
    }
    return h;
}

int httpd_serve(struct httpd *h, const struct httpd_options *opts, httpd_handler handler, void *cls,
                char *err, size_t errlen)
{
    h->handler = handler;
    h->cls = cls;
    h->max_conn = opts->max_connections ? opts->max_connections : HTTPD_DEFAULT_MAX_CONNECTIONS;
    h->per_ip = h->max_conn / HTTPD_PER_IP_LIMIT_DIVISOR;
    if (h->per_ip == 0)
        h->per_ip = 1;
    if (httpd_deadline_start(h, 2 * h->max_conn, err, errlen) != 0 ||
        httpd_auth_pool_start(h, err, errlen) != 0)
        return -1;
    const struct webconfig *wc = h->web != NULL ? h->web->wc : NULL;
    h->daemon = start_daemon(h, wc, &h->daemon_tag);
    if (h->daemon == NULL) {
        seterr(err, errlen, "cannot start the HTTP%s server on %s",
               wc != NULL && wc->tls ? "S" : "", h->bound);
        return -1;
    }
    return 0;
}

struct httpd *httpd_start(const struct httpd_options *opts, httpd_handler handler, void *cls,
                          char *err, size_t errlen)
{
    struct httpd *h = httpd_bind(opts, err, errlen);
    if (h != NULL && httpd_serve(h, opts, handler, cls, err, errlen) != 0) {
        httpd_stop(h);
        h = NULL;
    }
    return h;
}

const char *httpd_bound_address(const struct httpd *h)
{
    return h->bound;
}

void httpd_stop(struct httpd *h)
{
    if (h == NULL)
        return;
    httpd_auth_fence(h, NULL); /* no more bcrypt jobs; pending ones dropped */
    /* quiesced: the retired daemon no longer owns the socket */
    stop_daemon(h, h->retired, h->retired_tag);
    /* MHD_stop_daemon closes the listening socket of a daemon that was not quiesced. */
    if (h->daemon != NULL)
        stop_daemon(h, h->daemon, h->daemon_tag);
    else if (h->listen_fd >= 0)
        close(h->listen_fd);
    httpd_auth_pool_stop(h); /* after the daemons: nothing can queue a job now */
    httpd_deadline_stop(h);  /* after the daemons: they no longer call httpd_on_connection */
    httpd_web_state_unref(h->web);
    httpd_auth_pool_destroy(h);
    pthread_mutex_destroy(&h->web_lock);
    free(h);
}

static bool same_text(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Whether going from `a` to `b` needs a new daemon (TLS material or settings). */
static bool tls_changed(const struct webconfig *a, const struct webconfig *b)
{
    int ta = a != NULL && a->tls, tb = b != NULL && b->tls;
    if (ta != tb)
        return true;
    if (!ta)
        return false;
    return !same_text(a->cert_pem, b->cert_pem) || !same_text(a->key_pem, b->key_pem) ||
           !same_text(a->client_ca_pem, b->client_ca_pem) || a->min_version != b->min_version ||
           a->max_version != b->max_version;
}

static void web_reload_failed(struct httpd *h)
{
    if (h != NULL && h->counters != NULL)
        atomic_store(&h->counters->last_reload_ok, 0);
}

int httpd_reload_web(struct httpd *h, struct webconfig *wc, char *err, size_t errlen)
{
    struct web_state *ns = httpd_web_state_new(wc);
    if (ns == NULL) {
        webconfig_free(wc);
        seterr(err, errlen, "out of memory");
        web_reload_failed(h);
        return -1;
    }
    struct web_state *old = httpd_web_acquire(h);
    if (tls_changed(old ? old->wc : NULL, wc)) {
        /*
         * Stop accepting on the running daemon (its connections go on),
         * start one with the new material on the same socket. Should that
         * fail, the old material goes back into a new daemon, so the port
         * always has someone accepting.
         */
        MHD_socket fd = MHD_quiesce_daemon(h->daemon);
        if (fd == MHD_INVALID_SOCKET) {
            seterr(err, errlen, "cannot hand over the listening socket");
            httpd_web_state_unref(old);
            httpd_web_state_unref(ns);
            web_reload_failed(h);
            return -1;
        }
        struct daemon_tag *nd_tag = NULL;
        struct MHD_Daemon *nd = start_daemon(h, wc, &nd_tag);
        bool failed = nd == NULL;
        if (failed) {
            seterr(err, errlen, "cannot start the HTTP%s server with the new TLS settings",
                   wc != NULL && wc->tls ? "S" : "");
            nd = start_daemon(h, old ? old->wc : NULL, &nd_tag);
            if (nd == NULL)
                log_error("cannot restart the HTTP server on %s with the old settings either: "
                          "not serving",
                          h->bound);
        }
        stop_daemon(h, h->retired, h->retired_tag);
        h->retired = h->daemon;
        h->retired_tag = h->daemon_tag;
        h->daemon = nd;
        h->daemon_tag = nd_tag;
        if (failed) {
            httpd_web_state_unref(old);
            httpd_web_state_unref(ns);
            web_reload_failed(h);
            return -1;
        }
    }
    httpd_web_state_unref(old);
    pthread_mutex_lock(&h->web_lock);
    old = h->web;
    h->web = ns;
    pthread_mutex_unlock(&h->web_lock);
    httpd_web_state_unref(old);
    if (h->counters != NULL)
        atomic_store(&h->counters->last_reload_ok, 1);
    return 0;
}

int httpd_reload_web_file(struct httpd *h, const char *path, char *msg, size_t msglen)
{
    struct webconfig *wc = webconfig_load(path, msg, msglen);
    if (wc == NULL) {
        web_reload_failed(h);
        return -1;
    }
    int tls = wc->tls;
    size_t users = wc->n_users;
    if (httpd_reload_web(h, wc, msg, msglen) != 0)
        return -1;
    seterr(msg, msglen, "web config re-read from %s (TLS %s, %zu basic-auth user(s))", path,
           tls ? "on" : "off", users);
    return 0;
}

void httpd_sighup_web_file(struct httpd *h, const char *path)
{
    char msg[512];
    if (httpd_reload_web_file(h, path, msg, sizeof(msg)) == 0)
        log_info("SIGHUP: %s", msg);
    else
        log_warnx("SIGHUP: %s; keeping the previous web config", msg);
}

static const char *const auth_failure_names[HTTPD_AUTH_FAILURE_COUNT] = {
    "missing_credentials", "wrong_credentials", "client_certificate", "overload"
};

const char *httpd_auth_failure_name(enum httpd_auth_failure f)
{
    return (unsigned)f < HTTPD_AUTH_FAILURE_COUNT ? auth_failure_names[f] : "unknown";
}

void httpd_web_counters_init(struct httpd_web_counters *c)
{
    for (size_t i = 0; i < HTTPD_AUTH_FAILURE_COUNT; i++)
        atomic_init(&c->failures[i], 0);
    atomic_init(&c->last_reload_ok, 0);
}

enum MHD_Result httpd_respond(struct MHD_Connection *conn, unsigned status,
                              const char *content_type, const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    if (content_type != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    enum MHD_Result ret = httpd_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result httpd_respond_metrics(struct MHD_Connection *conn, const char *content_type,
                                      int gzip, const char *data, size_t len,
                                      void (*release)(void *), void *release_cls)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
        len, (void *)(uintptr_t)data, release, release_cls);
    if (r == NULL) {
        release(release_cls);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
    if (gzip)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    enum MHD_Result ret = httpd_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result httpd_respond_method_not_allowed(struct MHD_Connection *conn)
{
    static const char body[] = "method not allowed: use GET or HEAD\n";
    return httpd_respond_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED, body, sizeof(body) - 1,
                                MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
}

int httpd_web_counters_render(struct expo *e, const struct httpd_web_counters *c,
                              const char *prefix)
{
    char failures[96], reload[96];
    int n1 = snprintf(failures, sizeof(failures), "%sweb_auth_failures_total", prefix);
    int n2 = snprintf(reload, sizeof(reload), "%sweb_config_last_reload_successful", prefix);
    if (n1 < 0 || (size_t)n1 >= sizeof(failures) || n2 < 0 || (size_t)n2 >= sizeof(reload))
        return -1;
    int rc = expo_family(e, failures, METRIC_COUNTER,
                         "Requests refused by the web config: missing_credentials, "
                         "wrong_credentials (basic auth, 401), client_certificate (missing or "
                         "not verified; connection closed), overload (429: too many password "
                         "checks pending, no bcrypt done).");
    uint64_t counts[HTTPD_AUTH_FAILURE_COUNT];
    for (int f = 0; f < HTTPD_AUTH_FAILURE_COUNT; f++)
        counts[f] = atomic_load(&c->failures[f]);
    rc |= expo_samples_by(e, failures, "reason", auth_failure_names, counts,
                          HTTPD_AUTH_FAILURE_COUNT);
    rc |= expo_family(e, reload, METRIC_GAUGE,
                      "1 when the last load of --web.config.file (at start or on SIGHUP) "
                      "succeeded, 0 when it failed and the previous config stayed in force.");
    rc |= expo_sample(e, reload, NULL, 0, (double)atomic_load(&c->last_reload_ok));
    return rc == 0 ? 0 : -1;
}
