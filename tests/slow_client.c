/*
 * slow_client - holds hundreds of hostile HTTP connections open against a
 * server, for tests/e2e_slow_clients.sh.
 *
 *   slow_client HOST PORT SOURCE_ADDRESS IDLE DRIBBLE HEADERS SECONDS [UPLOADS]
 *
 * Opens IDLE + DRIBBLE + HEADERS connections from SOURCE_ADDRESS (an IPv4
 * address, e.g. 127.0.0.2, so a test can tell the attackers' address from
 * the scraper's) to HOST:PORT and keeps that many open for SECONDS:
 *
 *   idle     connects and sends nothing
 *   dribble  sends a valid GET request one byte a second
 *   headers  sends a request line, then one header line a second, forever
 *   uploads  sends a whole POST /api/v1/reports head declaring a 4 MiB body
 *            (with the bearer token of $SLOW_CLIENT_TOKEN, as a compromised
 *            agent would), then one byte of the body a second
 *
 * A connection the server closes is reopened 100 ms later, as a hostile
 * client would, and its lifetime is recorded. At the end it prints one
 * line per kind on stdout:
 *
 *   kind=dribble opened=N refused=N closed_by_server=N open_at_end=N
 *                lifetime_median_s=X lifetime_max_s=X
 *
 * "refused" are connections closed within REFUSED_S of opening (over a
 * connection limit); the lifetimes are those of the others, held until
 * the server closed them.
 *
 * "ready" goes to stderr once every connection has been attempted. One
 * thread, poll(2) over nonblocking sockets; everything is bounded by the
 * arguments (at most CONNECTIONS_MAX connections, LIFETIMES_MAX recorded).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONNECTIONS_MAX 4096
#define LIFETIMES_MAX   100000
#define RECONNECT_MS    100
#define TICK_MS         1000
#define REFUSED_S       0.5 /* closed sooner than this after opening: refused, not held */

enum kind { K_IDLE = 0, K_DRIBBLE, K_HEADERS, K_UPLOAD, K_COUNT };
static const char *const kind_names[K_COUNT] = { "idle", "dribble", "headers", "uploads" };
static char upload_head[512]; /* built in main from $SLOW_CLIENT_TOKEN */
static const char dribble_request[] = "GET /metrics HTTP/1.1\r\nHost: agent\r\n\r\n";
static const char headers_line0[] = "GET /metrics HTTP/1.1\r\n";

struct conn {
    enum kind kind;
    int fd;          /* -1 = waiting to reconnect */
    double opened;   /* monotonic seconds */
    double retry_at; /* when fd == -1 */
    size_t sent;     /* bytes of the request sent (dribble), lines (headers) */
};

struct stats {
    unsigned long opened, closed, refused;
    double *lifetimes;
    size_t n_lifetimes;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_count(const char *s, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > max)
        return false;
    *out = v;
    return true;
}

static void open_conn(struct conn *c, const struct sockaddr_in *dst, const struct sockaddr_in *src,
                      struct stats *st)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->sent = 0;
    if (c->fd < 0 || bind(c->fd, (const struct sockaddr *)src, sizeof(*src)) != 0 ||
        (connect(c->fd, (const struct sockaddr *)dst, sizeof(*dst)) != 0 && errno != EINPROGRESS)) {
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        c->retry_at = mono() + RECONNECT_MS / 1000.0;
        return;
    }
    c->opened = mono();
    st[c->kind].opened++;
}

static void closed_by_server(struct conn *c, struct stats *st)
{
    struct stats *s = &st[c->kind];
    double lifetime = mono() - c->opened;
    if (lifetime < REFUSED_S) {
        s->refused++; /* closed at once: over a connection limit */
    } else {
        s->closed++;
        if (s->n_lifetimes < LIFETIMES_MAX)
            s->lifetimes[s->n_lifetimes++] = lifetime;
    }
    close(c->fd);
    c->fd = -1;
    c->retry_at = mono() + RECONNECT_MS / 1000.0;
}

/* One step of a slow sender: a byte (dribble) or a header line (headers). */
static void send_step(struct conn *c, struct stats *st)
{
    char line[64];
    const char *p;
    size_t n;
    if (c->kind == K_DRIBBLE) {
        if (c->sent >= sizeof(dribble_request) - 1)
            return; /* the whole request is out: wait for the answer */
        p = dribble_request + c->sent;
        n = 1;
    } else if (c->kind == K_UPLOAD) {
        p = c->sent == 0 ? upload_head : "x"; /* the head at once, then a byte a tick */
        n = c->sent == 0 ? strlen(upload_head) : 1;
    } else if (c->sent == 0) {
        p = headers_line0;
        n = sizeof(headers_line0) - 1;
    } else {
        int len = snprintf(line, sizeof(line), "X-Slow-%zu: %zu\r\n", c->sent, c->sent);
        p = line;
        n = (size_t)len;
    }
    ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN) {
        closed_by_server(c, st);
        return;
    }
    if (w > 0)
        c->sent += c->kind == K_DRIBBLE ? (size_t)w : 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long counts[K_COUNT], port, seconds;
    struct sockaddr_in dst = { .sin_family = AF_INET }, src = { .sin_family = AF_INET };
    counts[K_UPLOAD] = 0;
    if ((argc != 8 && argc != 9) || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 ||
        !parse_count(argv[2], 65535, &port) || inet_pton(AF_INET, argv[3], &src.sin_addr) != 1 ||
        !parse_count(argv[4], CONNECTIONS_MAX, &counts[K_IDLE]) ||
        !parse_count(argv[5], CONNECTIONS_MAX, &counts[K_DRIBBLE]) ||
        !parse_count(argv[6], CONNECTIONS_MAX, &counts[K_HEADERS]) ||
        !parse_count(argv[7], 3600, &seconds) ||
        (argc == 9 && !parse_count(argv[8], CONNECTIONS_MAX, &counts[K_UPLOAD]))) {
        fprintf(stderr, "usage: slow_client HOST PORT SOURCE_ADDRESS IDLE DRIBBLE HEADERS "
                        "SECONDS [UPLOADS]\n");
        return 2;
    }
    const char *token = getenv("SLOW_CLIENT_TOKEN");
    snprintf(upload_head, sizeof(upload_head),
             "POST /api/v1/reports HTTP/1.1\r\nHost: store\r\nAuthorization: Bearer %.200s\r\n"
             "Content-Type: application/x-protobuf\r\nContent-Length: 4194304\r\n\r\n",
             token != NULL ? token : "none");
    dst.sin_port = htons((unsigned short)port);
    size_t total =
        (size_t)(counts[K_IDLE] + counts[K_DRIBBLE] + counts[K_HEADERS] + counts[K_UPLOAD]);
    if (total > CONNECTIONS_MAX) {
        fprintf(stderr, "slow_client: at most %d connections\n", CONNECTIONS_MAX);
        return 2;
    }
    struct conn *conns = calloc(total > 0 ? total : 1, sizeof(*conns));
    struct pollfd *pfds = calloc(total > 0 ? total : 1, sizeof(*pfds));
    struct stats st[K_COUNT];
    memset(st, 0, sizeof(st));
    for (int k = 0; k < K_COUNT; k++) {
        st[k].lifetimes = calloc(LIFETIMES_MAX, sizeof(double));
        if (st[k].lifetimes == NULL)
            return 1;
    }
    if (conns == NULL || pfds == NULL)
        return 1;
    /* Kinds interleaved, so each gets a share of what a connection limit lets in. */
    size_t i = 0;
    long left[K_COUNT] = { counts[K_IDLE], counts[K_DRIBBLE], counts[K_HEADERS], counts[K_UPLOAD] };
    while (i < total)
        for (int k = 0; k < K_COUNT; k++)
            if (left[k] > 0) {
                left[k]--;
                conns[i].kind = (enum kind)k;
                open_conn(&conns[i], &dst, &src, st);
                i++;
            }
    fprintf(stderr, "ready\n");

    double end = mono() + (double)seconds, next_tick = mono();
    while (mono() < end) {
        double now = mono();
        if (now >= next_tick) {
            for (i = 0; i < total; i++)
                if (conns[i].fd >= 0 && conns[i].kind != K_IDLE)
                    send_step(&conns[i], st);
            next_tick = now + TICK_MS / 1000.0;
        }
        for (i = 0; i < total; i++) {
            if (conns[i].fd < 0 && now >= conns[i].retry_at)
                open_conn(&conns[i], &dst, &src, st);
            pfds[i].fd = conns[i].fd; /* negative fds are ignored by poll */
            pfds[i].events = POLLIN;
            pfds[i].revents = 0;
        }
        if (poll(pfds, total, 50) < 0 && errno != EINTR)
            break;
        for (i = 0; i < total; i++) {
            if (conns[i].fd < 0 || pfds[i].revents == 0)
                continue;
            char buf[4096];
            ssize_t n = recv(conns[i].fd, buf, sizeof(buf), 0);
            /* An answer (e.g. 408/431) is read and dropped; the close is what counts. */
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
                closed_by_server(&conns[i], st);
        }
    }
    unsigned long open_now[K_COUNT] = { 0 };
    for (i = 0; i < total; i++)
        if (conns[i].fd >= 0) {
            open_now[conns[i].kind]++;
            close(conns[i].fd);
        }
    for (int k = 0; k < K_COUNT; k++) {
        struct stats *s = &st[k];
        double median = 0, max = 0;
        if (s->n_lifetimes > 0) {
            qsort(s->lifetimes, s->n_lifetimes, sizeof(double), cmp_double);
            median = s->lifetimes[s->n_lifetimes / 2];
            max = s->lifetimes[s->n_lifetimes - 1];
        }
        printf("kind=%s opened=%lu refused=%lu closed_by_server=%lu open_at_end=%lu "
               "lifetime_median_s=%.2f lifetime_max_s=%.2f\n",
               kind_names[k], s->opened, s->refused, s->closed, open_now[k], median, max);
        free(s->lifetimes);
    }
    free(conns);
    free(pfds);
    return 0;
}
