/*
 * webhook_receiver - a minimal HTTP sink for Alertmanager's webhook notifier,
 * run by tests/e2e_alerting.sh to see the pages Alertmanager delivers.
 *
 *   webhook_receiver OUT_FILE PORT_FILE
 *
 * Listens on 127.0.0.1 on a port the kernel picks and writes that port to
 * PORT_FILE (through a temporary file and rename, so a reader never sees a
 * partial number). Then it serves one connection at a time, forever:
 *
 *   POST (any path) with Content-Length  appends one line to OUT_FILE:
 *                                        "<Unix time, ms>\t<body>\n", CR and
 *                                        LF in the body turned into spaces
 *                                        (JSON allows that outside strings,
 *                                        and has none inside), with one
 *                                        write(2); answers 200
 *   GET                                  200 (a liveness probe)
 *   other methods                        405
 *   a chunked body                       411 (Alertmanager sends a length)
 *   headers over 16 KiB, body over 1 MiB 413
 *
 * The receive time is taken when the body is complete, so the test measures
 * from its own clock to the moment the page arrived, not to when it polled
 * the file. Every answer says "Connection: close" and the connection is
 * closed: one request per connection keeps the server a loop without state.
 * A client that stalls is dropped after 5 s (socket timeouts).
 *
 * Why C: the test needs a server that certainly exists on a fresh Debian
 * with the build dependencies; nc variants differ and neither socat nor
 * Python is guaranteed. Stop it with SIGTERM (the default action).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "test_io.h"

#define RECV_HEADER_MAX  (16 * 1024)   /* bytes of request line + headers */
#define RECV_BODY_MAX    (1024 * 1024) /* bytes of one request body */
#define RECV_TIMEOUT_S   5             /* per read/write on a connection */
#define RECV_PATH_MAX    4096
#define RECV_STAMP_MAX   32 /* "<seconds>.<ms>\t" */
#define RECV_LISTEN_BACK 16

/* Writes all of buf to fd (a socket: no SIGPIPE). Returns 0 or -1. */
static int send_all(int fd, const char *buf, size_t len)
{
    return test_write_all(fd, buf, len);
}

static void answer(int fd, int status, const char *reason)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status,
                     reason);
    if (n > 0 && (size_t)n < sizeof(head))
        (void)send_all(fd, head, (size_t)n);
}

/*
 * Finds header `name` (case-insensitive) in the header block `hdr` (NUL
 * terminated, lines ending in CRLF). Returns a pointer to its value (leading
 * blanks skipped, ending at CR) or NULL.
 */
static const char *find_header(const char *hdr, const char *name)
{
    size_t nlen = strlen(name);
    const char *line = strstr(hdr, "\r\n");
    while (line != NULL) {
        line += 2;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
        line = strstr(line, "\r\n");
    }
    return NULL;
}

/*
 * Parses a Content-Length value (digits up to CR). Returns 0 with *out, or -1
 * when it is not a plain decimal number.
 */
static int parse_length(const char *v, size_t *out)
{
    if (*v < '0' || *v > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno != 0 || end == v || (*end != '\r' && *end != ' ' && *end != '\t'))
        return -1;
    *out = (size_t)n;
    if ((unsigned long long)*out != n)
        return -1;
    return 0;
}

/*
 * Appends "<time>\t<body>\n" to the file at path with one write. Returns 0,
 * or -1 with err.
 */
static int append_record(const char *path, const char *body, size_t len, char *err, size_t errlen)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char *line = malloc(RECV_STAMP_MAX + len + 1);
    if (line == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int n =
        snprintf(line, RECV_STAMP_MAX, "%lld.%03ld\t", (long long)ts.tv_sec, ts.tv_nsec / 1000000L);
    if (n < 0 || n >= RECV_STAMP_MAX) {
        free(line);
        snprintf(err, errlen, "time stamp does not fit");
        return -1;
    }
    size_t pos = (size_t)n;
    for (size_t i = 0; i < len; i++)
        line[pos++] = (body[i] == '\r' || body[i] == '\n') ? ' ' : body[i];
    line[pos++] = '\n';

    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "open %s: %s", path, strerror(errno));
        free(line);
        return -1;
    }
    ssize_t w = write(fd, line, pos);
    int saved = errno;
    close(fd);
    free(line);
    if (w < 0 || (size_t)w != pos) {
        snprintf(err, errlen, "write %s: %s", path, w < 0 ? strerror(saved) : "short write");
        return -1;
    }
    return 0;
}

/*
 * Reads one request from fd and answers it; a POST body is appended to
 * out_path. Returns 0, or -1 with err (the connection is then dropped; the
 * server goes on).
 */
static int serve_one(int fd, const char *out_path, char *err, size_t errlen)
{
    struct timeval tv = { .tv_sec = RECV_TIMEOUT_S, .tv_usec = 0 };
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

    char *hdr = malloc(RECV_HEADER_MAX + 1);
    if (hdr == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t have = 0;
    char *end = NULL;
    while (end == NULL) {
        if (have == RECV_HEADER_MAX) {
            answer(fd, 413, "Request Header Fields Too Large");
            snprintf(err, errlen, "headers over %d bytes", RECV_HEADER_MAX);
            free(hdr);
            return -1;
        }
        ssize_t n = recv(fd, hdr + have, RECV_HEADER_MAX - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "connection ended before the headers (%s)",
                     n < 0 ? strerror(errno) : "eof");
            free(hdr);
            return -1;
        }
        have += (size_t)n;
        hdr[have] = '\0';
        end = strstr(hdr, "\r\n\r\n");
    }
    size_t head_len = (size_t)(end - hdr) + 4;
    end[2] = '\0'; /* keep the last header's CRLF for find_header */

    int rc = 0;
    if (strncmp(hdr, "GET ", 4) == 0 || strncmp(hdr, "HEAD ", 5) == 0) {
        answer(fd, 200, "OK");
    } else if (strncmp(hdr, "POST ", 5) != 0) {
        answer(fd, 405, "Method Not Allowed");
    } else if (find_header(hdr, "Transfer-Encoding") != NULL) {
        answer(fd, 411, "Length Required");
    } else {
        const char *cl = find_header(hdr, "Content-Length");
        size_t len = 0;
        if (cl == NULL || parse_length(cl, &len) != 0) {
            answer(fd, 411, "Length Required");
        } else if (len > RECV_BODY_MAX) {
            answer(fd, 413, "Payload Too Large");
        } else {
            char *body = malloc(len + 1);
            if (body == NULL) {
                snprintf(err, errlen, "out of memory");
                free(hdr);
                return -1;
            }
            size_t got = have - head_len < len ? have - head_len : len;
            memcpy(body, hdr + head_len, got);
            while (got < len) {
                ssize_t n = recv(fd, body + got, len - got, 0);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;
                got += (size_t)n;
            }
            if (got < len) {
                snprintf(err, errlen, "body ended after %zu of %zu bytes", got, len);
                rc = -1;
            } else if (append_record(out_path, body, len, err, errlen) != 0) {
                answer(fd, 500, "Internal Server Error");
                rc = -1;
            } else {
                answer(fd, 200, "OK");
            }
            free(body);
        }
    }
    free(hdr);
    return rc;
}

/* Writes "<port>\n" to path through path.tmp and rename. Returns 0 or -1 with err. */
static int write_port_file(const char *path, unsigned port, char *err, size_t errlen)
{
    char tmp[RECV_PATH_MAX];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        snprintf(err, errlen, "port file path too long");
        return -1;
    }
    FILE *f = fopen(tmp, "we");
    if (f == NULL) {
        snprintf(err, errlen, "create the port file: %s", strerror(errno));
        return -1;
    }
    int bad = fprintf(f, "%u\n", port) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* A listening socket on 127.0.0.1:<any>. Returns the fd and *port, or -1 with err. */
static int listen_loopback(unsigned *port, char *err, size_t errlen)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    socklen_t salen = sizeof(sa);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, RECV_LISTEN_BACK) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
        snprintf(err, errlen, "listen on 127.0.0.1: %s", strerror(errno));
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc != 3 || argv[1][0] == '-') {
        fprintf(stderr, "usage: webhook_receiver OUT_FILE PORT_FILE\n");
        return 2;
    }
    unsigned port = 0;
    int lfd = listen_loopback(&port, err, sizeof(err));
    if (lfd < 0 || write_port_file(argv[2], port, err, sizeof(err)) != 0) {
        fprintf(stderr, "webhook_receiver: %s\n", err);
        return 1;
    }
    for (;;) {
        int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, "webhook_receiver: accept: %s\n", strerror(errno));
            return 1;
        }
        if (serve_one(cfd, argv[1], err, sizeof(err)) != 0)
            fprintf(stderr, "webhook_receiver: %s\n", err);
        close(cfd);
    }
}
