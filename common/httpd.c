/*
 * httpd.c - listening socket + libmicrohttpd daemon; see httpd.h.
 *
 * Header deadline (HTTPD_HEADER_DEADLINE_MS). libmicrohttpd has an idle
 * timeout only, so the deadline is kept here: a slot per connection
 * (MHD_OPTION_NOTIFY_CONNECTION), armed when the connection opens and
 * when an answer on it completes, disarmed when the request head has
 * arrived (the first call of the access handler, which we wrap). A reaper
 * thread shuts down (shutdown(2), never close: the fd stays MHD's) the
 * connections past their deadline; MHD then sees the end of the stream and
 * closes them itself. The slots are guarded by one mutex, and MHD reports
 * a connection closed before it closes its fd, so the reaper never touches
 * an fd that was reused by another connection.
 */
#include "httpd.h"

#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
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

/* One open connection under the header deadline (see the top of this file). */
struct conn_slot {
    bool used;
    int fd;
    int64_t deadline_ms; /* CLOCK_MONOTONIC; INT64_MAX = head received, not armed */
};

struct httpd {
    struct MHD_Daemon *daemon;
    int listen_fd;
    char bound[128];
    /* The wrapped handler and completion callback. */
    httpd_handler handler;
    void *handler_cls;
    MHD_RequestCompletedCallback completed;
    /* Header deadline: slots and the reaper, guarded by `lock`. */
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled to stop the reaper */
    bool stopping;
    bool reaper_started;
    pthread_t reaper;
    struct conn_slot *slots;
    unsigned n_slots;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    (void)n;
    va_end(ap);
}

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

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* MHD_OPTION_NOTIFY_CONNECTION: a slot per connection, armed at open. */
static void deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                            enum MHD_ConnectionNotificationCode code)
{
    struct httpd *h = cls;
    pthread_mutex_lock(&h->lock);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = NULL;
        for (unsigned i = 0; ci != NULL && i < h->n_slots; i++) {
            if (!h->slots[i].used) {
                h->slots[i] =
                    (struct conn_slot){ .used = true,
                                        .fd = ci->connect_fd,
                                        .deadline_ms = monotonic_ms() + HTTPD_HEADER_DEADLINE_MS };
                *socket_context = &h->slots[i];
                break;
            }
        }
    } else if (*socket_context != NULL) { /* MHD_CONNECTION_NOTIFY_CLOSED, before the close */
        struct conn_slot *slot = *socket_context;
        slot->used = false;
        *socket_context = NULL;
    }
    pthread_mutex_unlock(&h->lock);
}

/* Sets the deadline of the connection's slot (INT64_MAX disarms it). */
static void deadline_set(struct httpd *h, struct MHD_Connection *conn, int64_t deadline_ms)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci == NULL || ci->socket_context == NULL)
        return;
    pthread_mutex_lock(&h->lock);
    struct conn_slot *slot = ci->socket_context;
    if (slot->used)
        slot->deadline_ms = deadline_ms;
    pthread_mutex_unlock(&h->lock);
}

/* The access handler MHD calls: the head has arrived; then the real handler. */
static enum MHD_Result deadline_access(void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version,
                                       const char *upload_data, size_t *upload_data_size,
                                       void **req_cls)
{
    struct httpd *h = cls;
    deadline_set(h, conn, INT64_MAX);
    return h->handler(h->handler_cls, conn, url, method, version, upload_data, upload_data_size,
                      req_cls);
}

/* An answer is done: the next request head on this connection gets a new deadline. */
static void deadline_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                               enum MHD_RequestTerminationCode toe)
{
    struct httpd *h = cls;
    deadline_set(h, conn, monotonic_ms() + HTTPD_HEADER_DEADLINE_MS);
    if (h->completed != NULL)
        h->completed(NULL, conn, req_cls, toe);
}

/* The reaper thread: shuts down connections past their header deadline. */
static void *deadline_reaper(void *arg)
{
    struct httpd *h = arg;
    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)HTTPD_REAPER_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&h->wake, &h->lock, &until);
        int64_t now = monotonic_ms();
        for (unsigned i = 0; i < h->n_slots; i++) {
            struct conn_slot *slot = &h->slots[i];
            if (slot->used && slot->deadline_ms < now) {
                (void)shutdown(slot->fd, SHUT_RDWR);
                slot->deadline_ms = INT64_MAX; /* once */
            }
        }
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* Slots and the reaper thread for `max_conn` connections. Returns 0 or -1. */
static int deadline_start(struct httpd *h, unsigned max_conn, char *err, size_t errlen)
{
    h->n_slots = max_conn;
    h->slots = calloc(max_conn, sizeof(*h->slots));
    if (h->slots == NULL) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->wake, &ca);
    pthread_condattr_destroy(&ca);
    int rc = pthread_create(&h->reaper, NULL, deadline_reaper, h);
    if (rc != 0) {
        seterr(err, errlen, "cannot start the HTTP deadline thread: %s", strerror(rc));
        return -1;
    }
    h->reaper_started = true;
    return 0;
}

static void deadline_stop(struct httpd *h)
{
    if (h->reaper_started) {
        pthread_mutex_lock(&h->lock);
        h->stopping = true;
        pthread_cond_signal(&h->wake);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->reaper, NULL);
        h->reaper_started = false;
    }
    if (h->slots != NULL) {
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->lock);
    }
    free(h->slots);
    h->slots = NULL;
}

struct httpd *httpd_start(const struct httpd_options *opts, httpd_handler handler, void *cls,
                          char *err, size_t errlen)
{
    struct httpd *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    h->listen_fd = open_listener(opts->listen_address, h->bound, sizeof(h->bound), err, errlen);
    if (h->listen_fd < 0) {
        free(h);
        return NULL;
    }
    unsigned max_conn =
        opts->max_connections ? opts->max_connections : HTTPD_DEFAULT_MAX_CONNECTIONS;
    unsigned per_ip = max_conn / HTTPD_PER_IP_LIMIT_DIVISOR;
    if (per_ip == 0)
        per_ip = 1;

    h->handler = handler;
    h->handler_cls = cls;
    h->completed = opts->completed;
    if (deadline_start(h, max_conn, err, errlen) != 0) {
        deadline_stop(h);
        close(h->listen_fd);
        free(h);
        return NULL;
    }

    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (opts->allow_suspend)
        flags |= MHD_ALLOW_SUSPEND_RESUME;
    h->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, deadline_access, h, MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTPD_THREADS, MHD_OPTION_CONNECTION_LIMIT, max_conn,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)HTTPD_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTPD_CONNECTION_MEMORY, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, deadline_completed, h, MHD_OPTION_NOTIFY_CONNECTION,
        deadline_notify, h, MHD_OPTION_END);
    if (h->daemon == NULL) {
        seterr(err, errlen, "cannot start the HTTP server on %s", h->bound);
        deadline_stop(h);
        close(h->listen_fd);
        free(h);
        return NULL;
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
    MHD_stop_daemon(h->daemon);
    deadline_stop(h);
    close(h->listen_fd);
    free(h);
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
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
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
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result httpd_respond_method_not_allowed(struct MHD_Connection *conn)
{
    static const char body[] = "method not allowed: use GET or HEAD\n";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
    MHD_destroy_response(r);
    return ret;
}
