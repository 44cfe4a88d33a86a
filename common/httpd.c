/*
 * httpd.c - listening socket + libmicrohttpd daemon; see httpd.h.
 */
#include "httpd.h"

#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 128
#define HTTPD_THREADS  2

struct httpd {
    struct MHD_Daemon *daemon;
    int listen_fd;
    char bound[128];
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

struct httpd *httpd_bind(const struct httpd_options *opts, char *err, size_t errlen)
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
    return h;
}

int httpd_serve(struct httpd *h, const struct httpd_options *opts, httpd_handler handler, void *cls,
                char *err, size_t errlen)
{
    unsigned max_conn =
        opts->max_connections ? opts->max_connections : HTTPD_DEFAULT_MAX_CONNECTIONS;
    unsigned per_ip = max_conn / HTTPD_PER_IP_LIMIT_DIVISOR;
    if (per_ip == 0)
        per_ip = 1;

    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (opts->allow_suspend)
        flags |= MHD_ALLOW_SUSPEND_RESUME;
    h->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, cls, MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTPD_THREADS, MHD_OPTION_CONNECTION_LIMIT, max_conn,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)HTTPD_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTPD_CONNECTION_MEMORY, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, opts->completed, NULL, MHD_OPTION_END);
    if (h->daemon == NULL) {
        seterr(err, errlen, "cannot start the HTTP server on %s", h->bound);
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
    if (h->daemon != NULL)
        MHD_stop_daemon(h->daemon);
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
