/*
 * ingest.c - dockward-ingest-bench: a load generator for dockward-store
 * that simulates a fleet of agents, and the report generator of the
 * store's end-to-end test. Three modes:
 *
 *   bench    N simulated hosts, each with ~150 results (host, daemon, file,
 *            3 containers, 3 images) and a few status changes per report,
 *            posted by C threads over one keep-alive connection each; a
 *            host's reports go out one after another, in sequence. Prints
 *            populate rate, sustained reports/s (every 200 is a durable
 *            commit: the store answers after COMMIT), p50/p99/max latency,
 *            the store's RSS (from /proc/<pid>/status) and database size.
 *            --rate paces the sends (latency then counts from when a send
 *            was due, so a slow store cannot hide its queueing).
 *   fixture  a deterministic story for H hosts and R reports, sent one at a
 *            time: status changes of every kind, a collector that fails
 *            (its checks keep their state), a container removed and one
 *            added, resent reports (duplicate), older reports (stale), a
 *            hostname change, gzip on every other report. Each answer is
 *            checked against what the story expects, and the store state
 *            the story should leave (hosts, results, drift, per-check
 *            figures, metric lines) is written as JSON for the test to
 *            compare with the store's API and /metrics.
 *   emit     writes one hostile or invalid body (--emit=NAME) to stdout,
 *            for the test's 4xx cases.
 *   lock     --hold-write-lock=DB holds SQLite's write lock on the store's
 *            database for --duration, as another process could, so the
 *            test can see the store answer 503 and write nothing.
 *
 * The expected state is computed here independently of the store's diff
 * code (a per-slot model, not a merge walk), so the test compares two
 * implementations of the rules.
 *
 * The HTTP client is a few lines of socket code (HTTP/1.1, Content-Length,
 * keep-alive), not libcurl: the generator must cost the 2-core machine as
 * little as possible, since it runs beside the store it measures.
 */
#include "../common/buf.h"
#include "../common/expo.h"
#include "../common/flags.h"

#include <dockward/v1/report.pb-c.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* ---- the simulated host ---- */

enum target_kind { T_HOST, T_FILE, T_CONTAINER, T_IMAGE };

struct check_def {
    const char *id;
    enum target_kind kind;
    const char *collector;
    const char *file; /* T_FILE: the target */
};

static const struct check_def catalog[] = {
    { "1.1.1", T_HOST, "host", NULL },
    { "1.1.2", T_HOST, "group_membership", NULL },
    { "1.1.3", T_HOST, "host", NULL },
    { "1.1.4", T_HOST, "host", NULL },
    { "1.1.5", T_HOST, "host", NULL },
    { "1.1.6", T_HOST, "host", NULL },
    { "1.1.7", T_HOST, "host", NULL },
    { "1.1.8", T_HOST, "host", NULL },
    { "1.1.9", T_HOST, "host", NULL },
    { "1.1.10", T_HOST, "host", NULL },
    { "1.1.11", T_HOST, "host", NULL },
    { "1.1.12", T_HOST, "host", NULL },
    { "1.1.13", T_HOST, "host", NULL },
    { "1.1.14", T_HOST, "host", NULL },
    { "1.1.15", T_HOST, "host", NULL },
    { "1.1.16", T_HOST, "host", NULL },
    { "1.1.17", T_HOST, "host", NULL },
    { "1.1.18", T_HOST, "host", NULL },
    { "1.2.1", T_HOST, "host", NULL },
    { "1.2.2", T_HOST, "host", NULL },
    { "2.1", T_HOST, "daemon_config", NULL },
    { "2.2", T_HOST, "daemon_config", NULL },
    { "2.3", T_HOST, "daemon_config", NULL },
    { "2.4", T_HOST, "daemon_config", NULL },
    { "2.5", T_HOST, "daemon_config", NULL },
    { "2.6", T_HOST, "daemon_config", NULL },
    { "2.7", T_HOST, "daemon_config", NULL },
    { "2.8", T_HOST, "daemon_config", NULL },
    { "2.9", T_HOST, "daemon_config", NULL },
    { "2.10", T_HOST, "daemon_config", NULL },
    { "2.11", T_HOST, "daemon_config", NULL },
    { "2.12", T_HOST, "daemon_config", NULL },
    { "2.13", T_HOST, "daemon_config", NULL },
    { "2.14", T_HOST, "daemon_config", NULL },
    { "2.15", T_HOST, "daemon_config", NULL },
    { "2.16", T_HOST, "daemon_config", NULL },
    { "3.1", T_FILE, "file_permissions", "file/usr/lib/systemd/system/docker.service" },
    { "3.2", T_FILE, "file_permissions", "file/usr/lib/systemd/system/docker.service" },
    { "3.3", T_FILE, "file_permissions", "file/usr/lib/systemd/system/docker.socket" },
    { "3.4", T_FILE, "file_permissions", "file/usr/lib/systemd/system/docker.socket" },
    { "3.5", T_FILE, "file_permissions", "file/etc/docker" },
    { "3.6", T_FILE, "file_permissions", "file/etc/docker" },
    { "3.7", T_FILE, "file_permissions", "file/etc/docker/certs.d" },
    { "3.8", T_FILE, "file_permissions", "file/etc/docker/certs.d/registry.local/ca.crt" },
    { "3.9", T_FILE, "file_permissions", "file/etc/docker/ca.pem" },
    { "3.10", T_FILE, "file_permissions", "file/etc/docker/ca.pem" },
    { "3.11", T_FILE, "file_permissions", "file/etc/docker/server-cert.pem" },
    { "3.12", T_FILE, "file_permissions", "file/etc/docker/server-cert.pem" },
    { "3.13", T_FILE, "file_permissions", "file/etc/docker/server-key.pem" },
    { "3.14", T_FILE, "file_permissions", "file/etc/docker/server-key.pem" },
    { "3.15", T_FILE, "file_permissions", "file/run/docker.sock" },
    { "3.16", T_FILE, "file_permissions", "file/run/docker.sock" },
    { "3.17", T_FILE, "file_permissions", "file/etc/docker/daemon.json" },
    { "3.18", T_FILE, "file_permissions", "file/etc/docker/daemon.json" },
    { "3.19", T_FILE, "file_permissions", "file/etc/default/docker" },
    { "3.20", T_FILE, "file_permissions", "file/etc/default/docker" },
    { "3.21", T_FILE, "file_permissions", "file/etc/sysconfig/docker" },
    { "3.22", T_FILE, "file_permissions", "file/etc/sysconfig/docker" },
    { "3.23", T_FILE, "file_permissions", "file/run/containerd/containerd.sock" },
    { "3.24", T_FILE, "file_permissions", "file/run/containerd/containerd.sock" },
    { "4.1", T_IMAGE, "image_age", NULL },
    { "4.6", T_IMAGE, "image_age", NULL },
    { "4.7", T_IMAGE, "image_age", NULL },
    { "dockward.image_age", T_IMAGE, "image_age", NULL },
    { "dockward.image_in_use_age", T_IMAGE, "image_age", NULL },
    { "5.1", T_CONTAINER, "container_runtime", NULL },
    { "5.2", T_CONTAINER, "container_runtime", NULL },
    { "5.3", T_CONTAINER, "container_runtime", NULL },
    { "5.4", T_CONTAINER, "container_runtime", NULL },
    { "5.5", T_CONTAINER, "container_runtime", NULL },
    { "5.6", T_CONTAINER, "container_runtime", NULL },
    { "5.7", T_CONTAINER, "container_runtime", NULL },
    { "5.8", T_CONTAINER, "container_runtime", NULL },
    { "5.9", T_CONTAINER, "container_runtime", NULL },
    { "5.10", T_CONTAINER, "container_runtime", NULL },
    { "5.11", T_CONTAINER, "container_runtime", NULL },
    { "5.12", T_CONTAINER, "container_runtime", NULL },
    { "5.13", T_CONTAINER, "container_runtime", NULL },
    { "5.14", T_CONTAINER, "container_runtime", NULL },
    { "5.15", T_CONTAINER, "container_runtime", NULL },
    { "5.16", T_CONTAINER, "container_runtime", NULL },
    { "5.17", T_CONTAINER, "container_runtime", NULL },
    { "5.18", T_CONTAINER, "container_runtime", NULL },
    { "5.19", T_CONTAINER, "container_runtime", NULL },
    { "5.20", T_CONTAINER, "container_runtime", NULL },
    { "5.21", T_CONTAINER, "container_runtime", NULL },
    { "5.22", T_CONTAINER, "container_runtime", NULL },
    { "5.25", T_CONTAINER, "container_runtime", NULL },
    { "5.26", T_CONTAINER, "container_runtime", NULL },
    { "5.31", T_CONTAINER, "container_runtime", NULL },
};
#define N_CHECKS     (sizeof(catalog) / sizeof(catalog[0]))
#define CONTAINERS   4 /* slots; a host starts with 3 */
#define IMAGES       3
#define MAX_SLOTS    (N_CHECKS * CONTAINERS) /* generous bound on (check, target) pairs */
#define N_COLLECTORS 6

static const char *const collectors[N_COLLECTORS] = {
    "container_runtime", "daemon_config", "file_permissions",
    "group_membership",  "host",          "image_age",
};
static const char *const container_targets[CONTAINERS] = { "container/web-frontend",
                                                           "container/api-backend",
                                                           "container/postgres-primary",
                                                           "container/redis-cache" };
static const char *const image_targets[IMAGES] = { "image/nginx:1.25-alpine",
                                                   "image/registry.local/api:2026.11.3",
                                                   "image/postgres:16.4" };
static const char *const status_words[6] = { "absent", "pass", "fail", "warn", "skip", "error" };

/* A (check, target) pair of the model: slot k. */
struct slot_def {
    const char *check;
    const char *target;
    const char *collector;
    int container; /* -1, or the container slot it belongs to */
};

struct model {
    struct slot_def slots[MAX_SLOTS];
    size_t n_slots;
    char *evidence[MAX_SLOTS][6]; /* evidence text per status */
};

static void build_model(struct model *m)
{
    m->n_slots = 0;
    for (size_t c = 0; c < N_CHECKS; c++) {
        const struct check_def *d = &catalog[c];
        size_t copies = d->kind == T_CONTAINER ? CONTAINERS : d->kind == T_IMAGE ? IMAGES : 1;
        for (size_t k = 0; k < copies; k++) {
            struct slot_def *s = &m->slots[m->n_slots];
            s->check = d->id;
            s->collector = d->collector;
            s->container = d->kind == T_CONTAINER ? (int)k : -1;
            s->target = d->kind == T_HOST        ? "host"
                        : d->kind == T_FILE      ? d->file
                        : d->kind == T_CONTAINER ? container_targets[k]
                                                 : image_targets[k];
            for (int st = 1; st < 6; st++) {
                char text[160];
                snprintf(text, sizeof(text), "%s on %s: observed value %s (%s)", d->id, s->target,
                         st == 1 ? "as recommended" : "differs from the benchmark",
                         status_words[st]);
                m->evidence[m->n_slots][st] = strdup(text);
            }
            m->n_slots++;
        }
    }
}

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int draw_status(uint64_t *rng)
{
    unsigned r = (unsigned)(splitmix(rng) % 100);
    return r < 70 ? 1 : r < 85 ? 2 : r < 93 ? 3 : r < 98 ? 4 : 5;
}

/*
 * bench: one report body built ahead (bench --prebuild), what the agent's
 * outbox would hold: gzip'd as an agent does (zlib level 9), its own id.
 */
struct body {
    unsigned char *data; /* malloc'd */
    size_t len;
    uint64_t seq;
    unsigned char id[16];
};

#define PREBUILD_MAX 8 /* bodies a host holds ahead at most (--prebuild) */

/* One simulated agent. `truth` is what the agent sees now (0 = pair not present). */
struct host {
    char id[33];
    char hostname[32];
    uint64_t seq;
    uint64_t rng;
    unsigned char truth[MAX_SLOTS];
    unsigned containers; /* bit mask of present container slots */
    /* bench: the last report was not accepted (no 200), so the next send of
     * this host is that same report again (same bytes: ahead[0]), as an
     * agent's outbox resends it, rather than a new one. */
    bool pending;
    /* bench: the host's next reports, built (truth drawn, packed, gzip'd) and
     * not yet accepted: sequences seq + 1 .. seq + n_ahead, oldest first. */
    struct body ahead[PREBUILD_MAX];
    unsigned n_ahead;
    uint64_t built; /* the last sequence built: truth is that report's */
};

static void host_init(struct host *h, const struct model *m, size_t index, uint64_t seed)
{
    uint64_t s = seed ^ (index * 0x9E3779B97F4A7C15ULL);
    snprintf(h->id, sizeof(h->id), "%016llx%016llx", (unsigned long long)splitmix(&s),
             (unsigned long long)splitmix(&s));
    snprintf(h->hostname, sizeof(h->hostname), "node-%06zu", index);
    h->seq = 0;
    h->rng = splitmix(&s);
    h->containers = 0x7; /* three containers */
    for (size_t k = 0; k < m->n_slots; k++) {
        int c = m->slots[k].container;
        h->truth[k] =
            c >= 0 && !(h->containers & (1u << c)) ? 0 : (unsigned char)draw_status(&h->rng);
    }
}

static void host_set_container(struct host *h, const struct model *m, int c, bool present)
{
    if (present)
        h->containers |= 1u << c;
    else
        h->containers &= ~(1u << c);
    for (size_t k = 0; k < m->n_slots; k++) {
        if (m->slots[k].container == c)
            h->truth[k] = present ? (unsigned char)draw_status(&h->rng) : 0;
    }
}

/* Changes `n` present pairs to another status. */
static void host_mutate(struct host *h, const struct model *m, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        size_t k;
        do {
            k = (size_t)(splitmix(&h->rng) % m->n_slots);
        } while (h->truth[k] == 0);
        int st;
        do {
            st = 1 + (int)(splitmix(&h->rng) % 5);
        } while (st == h->truth[k]);
        h->truth[k] = (unsigned char)st;
    }
}

/* ---- building a report ---- */

struct report_buf {
    Dockward__V1__Result results[MAX_SLOTS];
    Dockward__V1__Result *result_ptrs[MAX_SLOTS];
    Dockward__V1__CollectorRun runs[N_COLLECTORS];
    Dockward__V1__CollectorRun *run_ptrs[N_COLLECTORS];
    unsigned char id[16];
    struct buf out; /* the packed (and maybe gzipped) body */
};

static void random_id(unsigned char *id, uint64_t *rng)
{
    uint64_t a = splitmix(rng), b = splitmix(rng);
    memcpy(id, &a, 8);
    memcpy(id + 8, &b, 8);
}

/*
 * Packs the host's current truth as a report with `seq` into rb->out
 * (gzip-compressed when asked). `failed` names a collector that could not
 * run (NULL for none): its results are left out. Returns 0 or -1.
 */
static int build_report(struct report_buf *rb, const struct model *m, const struct host *h,
                        uint64_t seq, int64_t at_ms, const char *failed, bool gzip, uint64_t *rng)
{
    Dockward__V1__Report rep = DOCKWARD__V1__REPORT__INIT;
    random_id(rb->id, rng);
    rep.report_id.data = rb->id;
    rep.report_id.len = 16;
    rep.host_id = (char *)h->id;
    rep.hostname = (char *)h->hostname;
    rep.agent_version = "0.1.0";
    rep.catalog_version = "cis-docker-1.6.0";
    rep.sequence = seq;
    rep.generated_at_unix_ms = at_ms;
    for (size_t i = 0; i < N_COLLECTORS; i++) {
        dockward__v1__collector_run__init(&rb->runs[i]);
        rb->runs[i].name = (char *)collectors[i];
        bool ok = failed == NULL || strcmp(failed, collectors[i]) != 0;
        rb->runs[i].success = ok;
        rb->runs[i].duration_seconds = 0.002 + 0.001 * (double)i;
        rb->runs[i].error = ok ? "" : "the Docker API did not answer within 10s";
        rb->run_ptrs[i] = &rb->runs[i];
    }
    rep.n_collector_runs = N_COLLECTORS;
    rep.collector_runs = rb->run_ptrs;
    size_t n = 0;
    for (size_t k = 0; k < m->n_slots; k++) {
        if (h->truth[k] == 0 || (failed != NULL && strcmp(failed, m->slots[k].collector) == 0))
            continue;
        Dockward__V1__Result *r = &rb->results[n];
        dockward__v1__result__init(r);
        r->check_id = (char *)m->slots[k].check;
        r->target = (char *)m->slots[k].target;
        r->status = (Dockward__V1__Status)h->truth[k];
        r->evidence = m->evidence[k][h->truth[k]];
        r->collector = (char *)m->slots[k].collector;
        rb->result_ptrs[n] = r;
        n++;
    }
    rep.n_results = n;
    rep.results = rb->result_ptrs;
    size_t len = dockward__v1__report__get_packed_size(&rep);
    uint8_t *packed = malloc(len ? len : 1);
    if (packed == NULL)
        return -1;
    dockward__v1__report__pack(&rep, packed);
    buf_reset(&rb->out);
    int rc = gzip ? gzip_compress(packed, len, &rb->out) : buf_append(&rb->out, packed, len);
    free(packed);
    return rc == 0 ? 0 : -1;
}

/* ---- HTTP ---- */

struct conn {
    char host[256];
    char port[16];
    char auth[1100]; /* "Authorization: Bearer ...\r\n" */
    int fd;
    char rbuf[16384];
    size_t rlen;
};

static int conn_connect(struct conn *c)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
    if (getaddrinfo(c->host, c->port, &hints, &res) != 0)
        return -1;
    c->fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && c->fd < 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->fd = fd;
    }
    freeaddrinfo(res);
    c->rlen = 0;
    return c->fd >= 0 ? 0 : -1;
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->rlen = 0;
}

static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

/*
 * POSTs a report; fills *status and the response body (NUL-terminated, cut
 * to `cap`). Reconnects once when a kept-alive connection was closed.
 * Returns 0, or -1 when no answer came.
 */
static int post_report(struct conn *c, const void *body, size_t len, bool gzip, int *status,
                       char *resp, size_t cap)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (c->fd < 0 && conn_connect(c) != 0)
            return -1;
        char head[1536];
        int hn = snprintf(head, sizeof(head),
                          "POST /api/v1/reports HTTP/1.1\r\nHost: %s:%s\r\n%s"
                          "Content-Type: application/x-protobuf\r\n%sContent-Length: %zu\r\n\r\n",
                          c->host, c->port, c->auth, gzip ? "Content-Encoding: gzip\r\n" : "", len);
        struct iovec iov[2] = { { head, (size_t)hn }, { (void *)(uintptr_t)body, len } };
        if (write_all(c->fd, iov, 2) != 0) {
            conn_close(c);
            continue;
        }
        /* Headers, then Content-Length bytes of body. */
        size_t body_at = 0;
        long clen = -1;
        bool close_after = false;
        for (;;) {
            if (body_at == 0) {
                char *end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
                if (end != NULL) {
                    body_at = (size_t)(end - c->rbuf) + 4;
                    *end = '\0';
                    if (sscanf(c->rbuf, "HTTP/1.%*d %d", status) != 1)
                        return -1;
                    for (char *line = strstr(c->rbuf, "\r\n"); line != NULL;
                         line = strstr(line + 2, "\r\n")) {
                        if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
                            clen = strtol(line + 17, NULL, 10);
                        if (strncasecmp(line + 2, "Connection: close", 17) == 0)
                            close_after = true;
                    }
                    if (clen < 0)
                        return -1;
                }
            }
            if (body_at != 0 && c->rlen >= body_at + (size_t)clen)
                break;
            if (c->rlen == sizeof(c->rbuf))
                return -1;
            ssize_t r = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                conn_close(c);
                if (body_at == 0 && c->rlen == 0 && attempt == 0)
                    break; /* closed before answering: try once more */
                return -1;
            }
            c->rlen += (size_t)r;
        }
        if (c->fd < 0)
            continue;
        size_t n = (size_t)clen < cap - 1 ? (size_t)clen : cap - 1;
        memcpy(resp, c->rbuf + body_at, n);
        resp[n] = '\0';
        size_t used = body_at + (size_t)clen;
        memmove(c->rbuf, c->rbuf + used, c->rlen - used);
        c->rlen -= used;
        if (close_after)
            conn_close(c);
        return 0;
    }
    return -1;
}

static int read_token(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[2048];
    int rc = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        char name[128], tok[1025];
        if (line[0] == '#' || sscanf(line, "%127s %1024s", name, tok) != 2)
            continue;
        snprintf(out, size, "%s", tok);
        rc = 0;
        break;
    }
    fclose(f);
    return rc;
}

static int conn_setup(struct conn *c, const char *address, const char *token)
{
    const char *colon = strrchr(address, ':');
    if (colon == NULL || (size_t)(colon - address) >= sizeof(c->host))
        return -1;
    memcpy(c->host, address, (size_t)(colon - address));
    c->host[colon - address] = '\0';
    snprintf(c->port, sizeof(c->port), "%s", colon + 1);
    snprintf(c->auth, sizeof(c->auth), "Authorization: Bearer %s\r\n", token);
    c->fd = -1;
    c->rlen = 0;
    return 0;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "stored" out of {"status":"stored"}; "" when it is not a 200 answer. */
static void answer_word(const char *resp, char *out, size_t size)
{
    const char *p = strstr(resp, "\"status\":\"");
    out[0] = '\0';
    if (p == NULL)
        return;
    p += 10;
    size_t n = strcspn(p, "\"");
    if (n >= size)
        n = size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* ---- bench mode ---- */

struct options {
    const char *mode;
    const char *address;
    const char *token_file;
    unsigned long long hosts, connections, changes, reports, store_pid, seed;
    uint64_t duration_ms;
    unsigned long long rate, paced_rate, rounds, prebuild;
    bool gzip, populate, drain;
    const char *storage_path;
    const char *out;
    const char *emit;
    const char *lock_path;
    const char *answers;
};

enum { R_STORED, R_DUPLICATE, R_STALE, R_429, R_503, R_OTHER, R_ERROR, R_KINDS };

struct worker {
    const struct options *opt;
    const struct model *model;
    struct host *hosts; /* all hosts; this worker owns index % connections == id */
    size_t id;
    struct conn conn;
    struct report_buf rb;
    uint64_t rng;
    uint64_t built;       /* report bodies this worker built (build_ahead) */
    unsigned prebuild_to; /* phase 3: bodies each host should hold ahead */
    /* phase control, set by main before each phase */
    int phase; /* 0 populate, 1 measure, 2 drain, 3 build ahead */
    double end_at;
    double interval; /* seconds between sends when paced, else 0 */
    /* results of the phase */
    uint64_t counts[R_KINDS];
    double *lat;
    size_t n_lat, cap_lat;
};

static void record(struct worker *w, int kind, double latency)
{
    w->counts[kind]++;
    if (w->n_lat == w->cap_lat) {
        size_t ncap = w->cap_lat ? w->cap_lat * 2 : 65536;
        double *p = realloc(w->lat, ncap * sizeof(*p));
        if (p == NULL)
            return;
        w->lat = p;
        w->cap_lat = ncap;
    }
    w->lat[w->n_lat++] = latency;
}

static int classify(int status, const char *resp)
{
    char word[32];
    if (status == 200) {
        answer_word(resp, word, sizeof(word));
        if (strcmp(word, "stored") == 0)
            return R_STORED;
        if (strcmp(word, "duplicate") == 0)
            return R_DUPLICATE;
        if (strcmp(word, "stale") == 0)
            return R_STALE;
        return R_OTHER;
    }
    return status == 429 ? R_429 : status == 503 ? R_503 : R_OTHER;
}

/* --answers: one line per answer, written whole by each thread's fprintf. */
static FILE *answers_out;

/*
 * Appends "HOST_ID SEQ STATUS KIND REPORT_ID ADDRESS" to --answers (status
 * 0: no answer), so a test can tell what each replica answered for which
 * report.
 */
static void answer_log(const struct worker *w, const struct host *h, uint64_t seq, int status,
                       int kind)
{
    static const char *const kinds[R_KINDS] = { "stored", "duplicate", "stale", "429",
                                                "503",    "other",     "error" };
    if (answers_out == NULL)
        return;
    char id[33];
    for (int i = 0; i < 16; i++)
        snprintf(id + 2 * i, 3, "%02x", w->rb.id[i]);
    fprintf(answers_out, "%s %llu %d %s %s %s:%s\n", h->id, (unsigned long long)seq, status,
            kinds[kind], id, w->conn.host, w->conn.port);
}

/*
 * Builds host h's next report (its sequence after the last built: the
 * truth moves on by --changes first, then it is packed and gzip'd as an
 * agent does) into h->ahead. 0, or -1 (no memory, or no room).
 */
static int build_ahead(struct worker *w, struct host *h)
{
    if (h->n_ahead == PREBUILD_MAX)
        return -1;
    uint64_t seq = (h->built > h->seq ? h->built : h->seq) + 1;
    if (seq > 1)
        host_mutate(h, w->model, (unsigned)w->opt->changes);
    uint64_t id_rng = splitmix(&w->rng);
    if (build_report(&w->rb, w->model, h, seq, wall_ms(), NULL, w->opt->gzip, &id_rng) != 0)
        return -1;
    struct body *b = &h->ahead[h->n_ahead];
    if ((b->data = malloc(w->rb.out.len ? w->rb.out.len : 1)) == NULL)
        return -1;
    memcpy(b->data, w->rb.out.data, w->rb.out.len);
    b->len = w->rb.out.len;
    b->seq = seq;
    memcpy(b->id, w->rb.id, sizeof(b->id));
    h->n_ahead++;
    h->built = seq;
    w->built++;
    return 0;
}

/* The host's oldest body is accepted: the next one moves up. */
static void drop_ahead(struct host *h)
{
    free(h->ahead[0].data);
    memmove(&h->ahead[0], &h->ahead[1], (h->n_ahead - 1) * sizeof(h->ahead[0]));
    h->n_ahead--;
}

/*
 * Sends host h's next report (its oldest body built ahead, built now when
 * there is none); returns the kind. A report that is not accepted stays
 * first, and is sent again, byte for byte, next time.
 */
static int send_one(struct worker *w, struct host *h, double *latency, double due)
{
    if (h->n_ahead == 0 && build_ahead(w, h) != 0)
        return R_ERROR;
    const struct body *b = &h->ahead[0];
    uint64_t seq = b->seq;
    memcpy(w->rb.id, b->id, sizeof(w->rb.id)); /* for --answers */
    h->pending = true;
    double t0 = due > 0 ? due : mono_s();
    int status = 0;
    char resp[512];
    if (post_report(&w->conn, b->data, b->len, w->opt->gzip, &status, resp, sizeof(resp)) != 0) {
        conn_close(&w->conn);
        *latency = mono_s() - t0;
        answer_log(w, h, seq, 0, R_ERROR);
        return R_ERROR;
    }
    *latency = mono_s() - t0;
    int kind = classify(status, resp);
    if (kind == R_STORED || kind == R_DUPLICATE || kind == R_STALE) {
        h->seq = seq; /* a refused report is sent again next time */
        h->pending = false;
        drop_ahead(h);
    }
    answer_log(w, h, seq, status, kind);
    return kind;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    const struct options *o = w->opt;
    size_t n_hosts = (size_t)o->hosts;
    size_t step = (size_t)o->connections;
    if (w->phase == 3) { /* before a timed phase: each host's bodies ahead, up to --prebuild */
        for (size_t i = w->id; i < n_hosts; i += step) {
            while (w->hosts[i].n_ahead < w->prebuild_to)
                if (build_ahead(w, &w->hosts[i]) != 0)
                    return NULL;
        }
        return NULL;
    }
    if (w->phase == 2) { /* drain: each refused report again until accepted */
        for (size_t i = w->id; i < n_hosts; i += step) {
            while (w->hosts[i].pending && mono_s() < w->end_at) {
                double lat = 0;
                int kind = send_one(w, &w->hosts[i], &lat, 0);
                record(w, kind, lat);
                if (w->hosts[i].pending)
                    nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
            }
        }
        return NULL;
    }
    if (w->phase == 0) {
        for (size_t i = w->id; i < n_hosts; i += step) {
            double lat = 0;
            int kind;
            do {
                kind = send_one(w, &w->hosts[i], &lat, 0);
                record(w, kind, lat);
            } while (kind == R_429 || kind == R_503 || kind == R_ERROR);
        }
        return NULL;
    }
    size_t i = w->id;
    double next = mono_s();
    while (mono_s() < w->end_at) {
        double due = 0;
        if (w->interval > 0) {
            double now = mono_s();
            if (next > now) {
                struct timespec ts = { .tv_sec = (time_t)(next - now),
                                       .tv_nsec = (long)((next - now - floor(next - now)) * 1e9) };
                nanosleep(&ts, NULL);
            }
            due = next;
            next += w->interval;
        }
        double lat = 0;
        int kind = send_one(w, &w->hosts[i], &lat, due);
        record(w, kind, lat);
        if (kind == R_ERROR) /* no store there (killed, restarting): do not spin */
            nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
        i += step;
        if (i >= n_hosts)
            i = w->id;
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)ceil(p * (double)n);
    if (k < 1)
        k = 1;
    return sorted[k - 1];
}

/* The number after "field:" in /proc/<pid>/<file>, or -1. */
static double proc_field(unsigned long long pid, const char *file, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%llu/%s", pid, file);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    double v = -1;
    size_t fl = strlen(field);
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            v = strtod(line + fl + 1, NULL);
            break;
        }
    }
    fclose(f);
    return v;
}

static double proc_status_kib(unsigned long long pid, const char *field)
{
    return proc_field(pid, "status", field);
}

/*
 * Bytes the store process caused to be written to storage so far
 * (/proc/<pid>/io write_bytes: its WAL appends and the checkpoints copying
 * them into the database), or -1. The disk work per report.
 */
static double proc_write_bytes(unsigned long long pid)
{
    return proc_field(pid, "io", "write_bytes");
}

/*
 * CPU seconds (utime + stime) of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat
 * (tid 0: the whole process), or -1. CPU per stored report does not depend
 * on what else runs on the machine as a rate does.
 */
static double proc_cpu_s(unsigned long long pid, unsigned long long tid)
{
    char path[96], line[1024];
    if (tid == 0)
        snprintf(path, sizeof(path), "/proc/%llu/stat", pid);
    else
        snprintf(path, sizeof(path), "/proc/%llu/task/%llu/stat", pid, tid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *got = fgets(line, sizeof(line), f);
    fclose(f);
    const char *p = got != NULL ? strrchr(line, ')') : NULL; /* the name may hold anything */
    if (p == NULL)
        return -1;
    /* After the name: state is field 3, utime 14, stime 15. */
    unsigned long long utime = 0, stime = 0;
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
        2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* The id of the store's thread named `name` (store/writer.h WRITER_THREAD_NAME), or 0. */
static unsigned long long proc_thread_named(unsigned long long pid, const char *name)
{
    char path[96];
    snprintf(path, sizeof(path), "/proc/%llu/task", pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return 0;
    unsigned long long found = 0;
    struct dirent *e;
    while (found == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char comm_path[96], comm[64] = "";
        unsigned long long tid = strtoull(e->d_name, NULL, 10);
        snprintf(comm_path, sizeof(comm_path), "/proc/%llu/task/%llu/comm", pid, tid);
        FILE *f = fopen(comm_path, "r");
        if (f == NULL)
            continue;
        if (fgets(comm, sizeof(comm), f) != NULL) {
            comm[strcspn(comm, "\n")] = '\0';
            if (strcmp(comm, name) == 0)
                found = tid;
        }
        fclose(f);
    }
    closedir(d);
    return found;
}

static double file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (double)sb.st_size : 0;
}

struct phase_result {
    double rate;          /* stored reports per second */
    double p50, p99, max; /* seconds */
};

/* This process's CPU seconds so far (all its threads). */
static double self_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static uint64_t bodies_built(const struct worker *ws, size_t n)
{
    uint64_t built = 0;
    for (size_t i = 0; i < n; i++)
        built += ws[i].built;
    return built;
}

/*
 * Before each timed phase (--prebuild): every host's next reports built and
 * gzip'd, up to `per_host` each, on every worker's thread, so the timed
 * phase's generator only sends. Prints what it built.
 */
static void build_bodies_ahead(struct worker *ws, size_t n, unsigned per_host)
{
    if (per_host == 0)
        return;
    pthread_t th[1024];
    uint64_t built0 = bodies_built(ws, n);
    double t0 = mono_s(), cpu0 = self_cpu_s();
    for (size_t i = 0; i < n; i++) {
        ws[i].phase = 3;
        ws[i].prebuild_to = per_host;
        pthread_create(&th[i], NULL, worker_main, &ws[i]);
    }
    for (size_t i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    uint64_t built = bodies_built(ws, n) - built0;
    printf("(built %llu report bodies ahead in %.1f s, %.3f ms of generator cpu each)\n",
           (unsigned long long)built, mono_s() - t0,
           built ? 1e3 * (self_cpu_s() - cpu0) / (double)built : 0);
    fflush(stdout);
}

/* Runs one phase on every worker; prints its line and returns its figures. */
static struct phase_result run_phase(struct worker *ws, size_t n, int phase, const char *title,
                                     double secs, double rate)
{
    pthread_t th[1024];
    for (size_t i = 0; i < n; i++) {
        ws[i].phase = phase;
        ws[i].interval = rate > 0 ? (double)n / rate : 0;
        memset(ws[i].counts, 0, sizeof(ws[i].counts));
        ws[i].n_lat = 0;
    }
    unsigned long long pid = ws[0].opt->store_pid;
    double written0 = pid ? proc_write_bytes(pid) : -1;
    unsigned long long writer = pid ? proc_thread_named(pid, "dw-writer") : 0;
    double cpu0 = pid ? proc_cpu_s(pid, 0) : -1;
    double wcpu0 = writer ? proc_cpu_s(pid, writer) : -1;
    double gcpu0 = self_cpu_s();
    uint64_t built0 = bodies_built(ws, n);
    double t0 = mono_s();
    for (size_t i = 0; i < n; i++)
        ws[i].end_at = t0 + secs;
    for (size_t i = 0; i < n; i++)
        pthread_create(&th[i], NULL, worker_main, &ws[i]);
    for (size_t i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    double elapsed = mono_s() - t0;
    double written1 = pid ? proc_write_bytes(pid) : -1;
    double cpu1 = pid ? proc_cpu_s(pid, 0) : -1;
    double wcpu1 = writer ? proc_cpu_s(pid, writer) : -1;
    double gcpu = self_cpu_s() - gcpu0;
    uint64_t built = bodies_built(ws, n) - built0;
    uint64_t counts[R_KINDS] = { 0 };
    size_t total_lat = 0;
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < R_KINDS; k++)
            counts[k] += ws[i].counts[k];
        total_lat += ws[i].n_lat;
    }
    double *all = malloc((total_lat ? total_lat : 1) * sizeof(double));
    size_t at = 0;
    for (size_t i = 0; i < n && all != NULL; i++) {
        memcpy(all + at, ws[i].lat, ws[i].n_lat * sizeof(double));
        at += ws[i].n_lat;
    }
    if (all != NULL)
        qsort(all, at, sizeof(double), cmp_double);
    double stored_rate = (double)counts[R_STORED] / elapsed;
    struct phase_result res = { .rate = stored_rate,
                                .p50 = percentile(all, at, 0.50),
                                .p99 = percentile(all, at, 0.99),
                                .max = at && all ? all[at - 1] : 0 };
    printf("%-9s %7.1fs  stored %8llu  %8.0f reports/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f "
           "ms  dup %llu stale %llu 429 %llu 503 %llu other %llu errors %llu\n",
           title, elapsed, (unsigned long long)counts[R_STORED], stored_rate,
           1e3 * percentile(all, at, 0.50), 1e3 * percentile(all, at, 0.99),
           at ? 1e3 * all[at - 1] : 0, (unsigned long long)counts[R_DUPLICATE],
           (unsigned long long)counts[R_STALE], (unsigned long long)counts[R_429],
           (unsigned long long)counts[R_503], (unsigned long long)counts[R_OTHER],
           (unsigned long long)counts[R_ERROR]);
    if (written0 >= 0 && written1 >= 0 && counts[R_STORED] > 0)
        printf("%-9s disk writes %.1f MiB = %.1f KiB per stored report\n", title,
               (written1 - written0) / 1048576.0,
               (written1 - written0) / 1024.0 / (double)counts[R_STORED]);
    if (cpu0 >= 0 && cpu1 >= 0 && counts[R_STORED] > 0) {
        printf("%-9s cpu %.1f s = %.3f ms per stored report (%.0f%% of a core)", title, cpu1 - cpu0,
               1e3 * (cpu1 - cpu0) / (double)counts[R_STORED], 100 * (cpu1 - cpu0) / elapsed);
        if (wcpu0 >= 0 && wcpu1 >= 0)
            printf("; writer thread %.1f s = %.3f ms per stored report (%.0f%% of a core)",
                   wcpu1 - wcpu0, 1e3 * (wcpu1 - wcpu0) / (double)counts[R_STORED],
                   100 * (wcpu1 - wcpu0) / elapsed);
        printf("\n");
    }
    if (counts[R_STORED] > 0)
        printf("%-9s generator cpu %.1f s = %.3f ms per stored report (%.0f%% of a core); %llu "
               "report bodies built during the phase\n",
               title, gcpu, 1e3 * gcpu / (double)counts[R_STORED], 100 * gcpu / elapsed,
               (unsigned long long)built);
    free(all);
    fflush(stdout);
    return res;
}

/* The median over rounds of one figure: 0 rate, 1 p50, 2 p99. */
static double median_of(const struct phase_result *r, size_t n, int field)
{
    double v[64];
    for (size_t i = 0; i < n && i < 64; i++)
        v[i] = field == 0 ? r[i].rate : field == 1 ? r[i].p50 : r[i].p99;
    qsort(v, n, sizeof(double), cmp_double);
    return v[n / 2];
}

/* The (i mod count)th of a comma-separated address list into out; 0, or -1. */
static int nth_address(const char *list, size_t i, char *out, size_t size)
{
    size_t count = 1;
    for (const char *p = list; *p != '\0'; p++)
        count += *p == ',';
    const char *at = list;
    for (size_t k = i % count; k > 0; k--)
        at = strchr(at, ',') + 1;
    size_t len = strcspn(at, ",");
    if (len == 0 || len >= size)
        return -1;
    memcpy(out, at, len);
    out[len] = '\0';
    return 0;
}

static int bench_main(const struct options *o, const char *token)
{
    static struct model model;
    build_model(&model);
    struct host *hosts = calloc((size_t)o->hosts, sizeof(*hosts));
    size_t n = (size_t)o->connections;
    struct worker *ws = calloc(n, sizeof(*ws));
    if (hosts == NULL || ws == NULL)
        return 1;
    for (size_t i = 0; i < o->hosts; i++)
        host_init(&hosts[i], &model, i, o->seed);
    for (size_t i = 0; i < n; i++) {
        ws[i].opt = o;
        ws[i].model = &model;
        ws[i].hosts = hosts;
        ws[i].id = i;
        ws[i].rng = ((uint64_t)time(NULL) << 20) ^ ((uint64_t)getpid() << 8) ^ i; /* report ids */
        buf_init(&ws[i].rb.out, 64u << 20);
        /* --store.address=A,B,...: connection i posts to address i mod their number. */
        char addr[256];
        if (nth_address(o->address, i, addr, sizeof(addr)) != 0 ||
            conn_setup(&ws[i].conn, addr, token) != 0) {
            fprintf(stderr, "dockward-ingest-bench: bad --store.address %s\n", o->address);
            return 2;
        }
    }
    if (o->answers != NULL && (answers_out = fopen(o->answers, "w")) == NULL) {
        fprintf(stderr, "dockward-ingest-bench: cannot write %s: %s\n", o->answers,
                strerror(errno));
        return 2;
    }
    printf("dockward-ingest-bench: %llu hosts, %zu connections, %zu results per report, %llu "
           "changes per report, %s",
           o->hosts, n, (size_t)150, o->changes,
           o->gzip ? "gzip (zlib level 9, as agents send)" : "identity");
    if (o->prebuild > 0)
        printf("; up to %llu report bodies per host built before each phase", o->prebuild);
    printf("\n");
    if (o->populate) {
        build_bodies_ahead(ws, n, o->prebuild > 0 ? 1 : 0);
        run_phase(ws, n, 0, "populate", 0, 0);
    }
    double secs = (double)o->duration_ms / 1000.0;
    size_t rounds = secs > 0 ? (size_t)o->rounds : 0;
    struct phase_result sus[64], paced[64];
    double rss[64], hwm = -1;
    for (size_t r = 0; r < rounds && r < 64; r++) {
        build_bodies_ahead(ws, n, (unsigned)o->prebuild);
        sus[r] = run_phase(ws, n, 1, o->rate ? "paced" : "sustained", secs, (double)o->rate);
        if (o->paced_rate > 0) {
            build_bodies_ahead(ws, n, (unsigned)o->prebuild);
            paced[r] = run_phase(ws, n, 1, "paced", secs, (double)o->paced_rate);
        }
        rss[r] = o->store_pid ? proc_status_kib(o->store_pid, "VmRSS") / 1024 : -1;
        if (o->store_pid != 0)
            printf("store rss %.1f MiB\n", rss[r]);
    }
    if (o->store_pid != 0)
        hwm = proc_status_kib(o->store_pid, "VmHWM") / 1024;
    if (rounds > 0) {
        size_t k = rounds < 64 ? rounds : 64;
        printf("median of %zu rounds: %s %.0f reports/s p50 %.2f ms p99 %.2f ms", k,
               o->rate ? "paced" : "sustained", median_of(sus, k, 0), 1e3 * median_of(sus, k, 1),
               1e3 * median_of(sus, k, 2));
        if (o->paced_rate > 0)
            printf("; paced at %llu/s: %.0f reports/s p50 %.2f ms p99 %.2f ms", o->paced_rate,
                   median_of(paced, k, 0), 1e3 * median_of(paced, k, 1),
                   1e3 * median_of(paced, k, 2));
        printf("\n");
    }
    if (o->store_pid != 0)
        printf("store rss %.1f MiB at the end, peak %.1f MiB\n", rounds ? rss[rounds - 1] : -1,
               hwm);
    if (o->drain) {
        run_phase(ws, n, 2, "drain", 60, 0);
        size_t left = 0;
        for (size_t i = 0; i < o->hosts; i++)
            left += hosts[i].pending;
        printf("undelivered %zu (hosts whose last report no store accepted)\n", left);
    }
    if (o->storage_path != NULL) {
        char wal[4096];
        snprintf(wal, sizeof(wal), "%s-wal", o->storage_path);
        double db = file_size(o->storage_path) + file_size(wal);
        printf("database %.1f MiB  = %.2f MiB per 1,000 hosts\n", db / 1048576.0,
               db / 1048576.0 / ((double)o->hosts / 1000.0));
    }
    for (size_t i = 0; i < n; i++) {
        conn_close(&ws[i].conn);
        buf_free(&ws[i].rb.out);
        free(ws[i].lat);
    }
    free(ws);
    for (size_t i = 0; i < o->hosts; i++)
        while (hosts[i].n_ahead > 0)
            drop_ahead(&hosts[i]);
    free(hosts);
    if (answers_out != NULL && fclose(answers_out) != 0) {
        fprintf(stderr, "dockward-ingest-bench: writing %s: %s\n", o->answers, strerror(errno));
        return 1;
    }
    return 0;
}

/* ---- fixture mode ---- */

struct stored {
    unsigned char status[MAX_SLOTS]; /* what the store should hold, 0 = absent */
    unsigned char prior[MAX_SLOTS];  /* the status before an error run (5 = error) */
    int64_t since[MAX_SLOTS];
};

struct event {
    size_t host;
    size_t slot;
    int from, to;
    bool regression;
    int64_t at;
    unsigned char report_id[16];
};

struct fixture {
    struct model model;
    struct host *hosts;
    struct stored *stored;
    struct event *events;
    size_t n_events, cap_events;
    unsigned long long regressions[N_CHECKS];
    uint64_t stored_n, duplicate_n, stale_n;
};

static size_t check_index(const char *id)
{
    for (size_t c = 0; c < N_CHECKS; c++) {
        if (strcmp(catalog[c].id, id) == 0)
            return c;
    }
    return 0;
}

/* The model's side of a stored report: what the store must do with it. */
static void apply_expected(struct fixture *f, size_t hi, const char *failed, int64_t at,
                           const unsigned char *id)
{
    const struct model *m = &f->model;
    struct host *h = &f->hosts[hi];
    struct stored *s = &f->stored[hi];
    size_t first = f->n_events;
    for (size_t k = 0; k < m->n_slots; k++) {
        if (failed != NULL && strcmp(failed, m->slots[k].collector) == 0)
            continue; /* its collector did not run: the stored pair stays */
        int from = s->status[k], to = h->truth[k];
        if (from == to)
            continue;
        if (f->n_events == f->cap_events) {
            f->cap_events = f->cap_events ? f->cap_events * 2 : 1024;
            f->events = realloc(f->events, f->cap_events * sizeof(*f->events));
        }
        struct event *e = &f->events[f->n_events++];
        e->host = hi;
        e->slot = k;
        e->from = from;
        e->to = to;
        e->at = at;
        memcpy(e->report_id, id, 16);
        /* A regression: to fail from pass or absent, also through error (5). */
        int was = from == 5 ? s->prior[k] : from;
        e->regression = (was == 1 || was == 0) && to == 2;
        if (e->regression)
            f->regressions[check_index(m->slots[k].check)]++;
        s->prior[k] = (unsigned char)(to == 5 ? was : to);
        s->status[k] = (unsigned char)to;
        s->since[k] = at;
    }
    /* The store writes one report's events in (check, target) byte order. */
    struct event *ev = f->events + first;
    size_t n = f->n_events - first;
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0; j--) {
            const struct slot_def *a = &m->slots[ev[j - 1].slot], *b = &m->slots[ev[j].slot];
            int c = strcmp(a->check, b->check);
            if (c == 0)
                c = strcmp(a->target, b->target);
            if (c <= 0)
                break;
            struct event t = ev[j];
            ev[j] = ev[j - 1];
            ev[j - 1] = t;
        }
    }
}

static void hex16(const unsigned char *id, char *out)
{
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static void rfc3339(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* JSON string (our texts need escaping only for quotes and backslashes, which they lack). */
static void jstr(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', o);
        fputc(*s, o);
    }
    fputc('"', o);
}

static int slot_cmp_model(const struct model *m, size_t a, size_t b)
{
    int c = strcmp(m->slots[a].check, m->slots[b].check);
    return c != 0 ? c : strcmp(m->slots[a].target, m->slots[b].target);
}

static void write_expected(struct fixture *f, size_t n_hosts, FILE *o)
{
    const struct model *m = &f->model;
    char ts[96], num[64];
    fprintf(o, "{\"reports\":{\"stored\":%llu,\"duplicate\":%llu,\"stale\":%llu},\n",
            (unsigned long long)f->stored_n, (unsigned long long)f->duplicate_n,
            (unsigned long long)f->stale_n);
    /* Hosts sorted by id (the API's order). */
    size_t *order = malloc(n_hosts * sizeof(*order));
    for (size_t i = 0; i < n_hosts; i++)
        order[i] = i;
    for (size_t i = 1; i < n_hosts; i++)
        for (size_t j = i; j > 0 && strcmp(f->hosts[order[j - 1]].id, f->hosts[order[j]].id) > 0;
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    size_t sorted_slots[MAX_SLOTS];
    for (size_t k = 0; k < m->n_slots; k++)
        sorted_slots[k] = k;
    for (size_t i = 1; i < m->n_slots; i++)
        for (size_t j = i; j > 0 && slot_cmp_model(m, sorted_slots[j - 1], sorted_slots[j]) > 0;
             j--) {
            size_t t = sorted_slots[j];
            sorted_slots[j] = sorted_slots[j - 1];
            sorted_slots[j - 1] = t;
        }
    fprintf(o, "\"hosts\":[\n");
    unsigned long long failing_hosts[N_CHECKS] = { 0 };
    for (size_t x = 0; x < n_hosts; x++) {
        size_t hi = order[x];
        const struct host *h = &f->hosts[hi];
        const struct stored *s = &f->stored[hi];
        unsigned long long counts[6] = { 0 };
        bool failing_check[N_CHECKS] = { false };
        for (size_t k = 0; k < m->n_slots; k++) {
            counts[s->status[k]]++;
            if (s->status[k] == 2)
                failing_check[check_index(m->slots[k].check)] = true;
        }
        for (size_t c = 0; c < N_CHECKS; c++)
            failing_hosts[c] += failing_check[c];
        fprintf(o,
                "%s{\"id\":\"%s\",\"hostname\":\"%s\",\"agent_version\":\"0.1.0\","
                "\"catalog_version\":\"cis-docker-1.6.0\",\"sequence\":%llu,",
                x ? "," : "", h->id, h->hostname, (unsigned long long)h->seq);
        double pass = (double)counts[1], fail = (double)counts[2];
        if (pass + fail > 0)
            fprintf(o, "\"compliance_ratio\":%.17g,", pass / (pass + fail));
        else
            fprintf(o, "\"compliance_ratio\":null,");
        fprintf(o,
                "\"failing\":%llu,\"counts\":{\"pass\":%llu,\"fail\":%llu,\"warn\":%llu,"
                "\"skip\":%llu,\"error\":%llu,\"waived\":0},\"results\":[",
                counts[2], counts[1], counts[2], counts[3], counts[4], counts[5]);
        bool first = true;
        for (size_t q = 0; q < m->n_slots; q++) {
            size_t k = sorted_slots[q];
            if (s->status[k] == 0)
                continue;
            rfc3339(s->since[k], ts, sizeof(ts));
            fprintf(o, "%s{\"check\":", first ? "" : ",");
            jstr(o, m->slots[k].check);
            fprintf(o, ",\"target\":");
            jstr(o, m->slots[k].target);
            fprintf(o, ",\"status\":\"%s\",\"evidence\":", status_words[s->status[k]]);
            jstr(o, m->evidence[k][s->status[k]]);
            fprintf(o, ",\"collector\":\"%s\",\"since\":\"%s\"}", m->slots[k].collector, ts);
            first = false;
        }
        fprintf(o, "]}\n");
    }
    fprintf(o, "],\n\"drift\":[\n");
    for (size_t i = 0; i < f->n_events; i++) {
        const struct event *e = &f->events[i];
        char rid[33];
        hex16(e->report_id, rid);
        rfc3339(e->at, ts, sizeof(ts));
        fprintf(o, "%s{\"host\":\"%s\",\"hostname\":\"%s\",\"check\":", i ? "," : "",
                f->hosts[e->host].id, f->hosts[e->host].hostname);
        jstr(o, m->slots[e->slot].check);
        fprintf(o, ",\"target\":");
        jstr(o, m->slots[e->slot].target);
        fprintf(o,
                ",\"from\":\"%s\",\"to\":\"%s\",\"at\":\"%s\",\"report_id\":\"%s\","
                "\"regression\":%s}\n",
                status_words[e->from], status_words[e->to], ts, rid,
                e->regression ? "true" : "false");
    }
    /* The fleet metric lines the store must serve, formatted the way it does. */
    fprintf(o, "],\n\"metrics\":[\n");
    fprintf(o, "\"dockward_fleet_hosts{state=\\\"reporting\\\"} %zu\"", n_hosts);
    fprintf(o, ",\"dockward_fleet_hosts{state=\\\"stale\\\"} 0\"");
    fprintf(o, ",\"dockward_store_ingest_total{result=\\\"stored\\\"} %llu\"",
            (unsigned long long)f->stored_n);
    fprintf(o, ",\"dockward_store_ingest_total{result=\\\"duplicate\\\"} %llu\"",
            (unsigned long long)f->duplicate_n);
    fprintf(o, ",\"dockward_store_ingest_total{result=\\\"stale\\\"} %llu\"",
            (unsigned long long)f->stale_n);
    fprintf(o, ",\"dockward_store_drift_events_total %zu\"", f->n_events);
    for (size_t c = 0; c < N_CHECKS; c++) {
        if (failing_hosts[c] == 0 && f->regressions[c] == 0)
            continue;
        fprintf(o, ",\"dockward_fleet_check_failing_hosts{check=\\\"%s\\\"} %llu\"", catalog[c].id,
                failing_hosts[c]);
        fprintf(o, ",\"dockward_fleet_regressions_total{check=\\\"%s\\\"} %llu\"", catalog[c].id,
                f->regressions[c]);
    }
    /*
     * The hosts' compliance histogram (docs/metrics.md's bounds, written out here
     * again so the store's are checked, not copied): cumulative bucket
     * counts, the count and the lowest ratio. The sum depends on the order
     * of addition, so e2e_store.sh compares it within a tolerance.
     */
    static const double bounds[] = { 0,   0.1,  0.2, 0.3,   0.4,  0.5,   0.6,  0.7, 0.75,
                                     0.8, 0.85, 0.9, 0.925, 0.95, 0.975, 0.99, 1 };
    size_t n_bounds = sizeof(bounds) / sizeof(bounds[0]);
    unsigned long long le[sizeof(bounds) / sizeof(bounds[0])] = { 0 }, with_ratio = 0;
    double lowest = 2;
    for (size_t hi = 0; hi < n_hosts; hi++) {
        const struct stored *s = &f->stored[hi];
        double pass = 0, fail = 0;
        for (size_t k = 0; k < m->n_slots; k++) {
            pass += s->status[k] == 1;
            fail += s->status[k] == 2;
        }
        if (pass + fail == 0)
            continue;
        double ratio = pass / (pass + fail);
        with_ratio++;
        lowest = ratio < lowest ? ratio : lowest;
        for (size_t b = 0; b < n_bounds; b++)
            le[b] += ratio <= bounds[b];
    }
    for (size_t b = 0; b < n_bounds; b++) {
        expo_format_value(bounds[b], num, sizeof(num)); /* le always has a fraction: "1.0" */
        fprintf(o, ",\"dockward_fleet_host_compliance_ratio_bucket{le=\\\"%s%s\\\"} %llu\"", num,
                strchr(num, '.') != NULL ? "" : ".0", le[b]);
    }
    fprintf(o, ",\"dockward_fleet_host_compliance_ratio_bucket{le=\\\"+Inf\\\"} %llu\"",
            with_ratio);
    fprintf(o, ",\"dockward_fleet_host_compliance_ratio_count %llu\"", with_ratio);
    if (with_ratio > 0) {
        expo_format_value(lowest, num, sizeof(num));
        fprintf(o, ",\"dockward_fleet_lowest_host_compliance_ratio %s\"", num);
    }
    fprintf(o, "]}\n");
    free(order);
}

/* Posts one body and checks the answer word. Returns 0 when it matched. */
static int fixture_post(struct conn *c, const struct buf *body, bool gzip, const char *want,
                        size_t index)
{
    int status = 0;
    char resp[512], word[32];
    if (post_report(c, body->data, body->len, gzip, &status, resp, sizeof(resp)) != 0) {
        fprintf(stderr, "report %zu: no answer from the store\n", index);
        return -1;
    }
    answer_word(resp, word, sizeof(word));
    if (status != 200 || strcmp(word, want) != 0) {
        fprintf(stderr, "report %zu: want 200 %s, got %d %s\n", index, want, status, resp);
        return -1;
    }
    return 0;
}

static int fixture_main(const struct options *o, const char *token)
{
    size_t n_hosts = (size_t)o->hosts;
    static struct fixture f;
    build_model(&f.model);
    const struct model *m = &f.model;
    f.hosts = calloc(n_hosts, sizeof(*f.hosts));
    f.stored = calloc(n_hosts, sizeof(*f.stored));
    if (f.hosts == NULL || f.stored == NULL)
        return 1;
    for (size_t i = 0; i < n_hosts; i++)
        host_init(&f.hosts[i], m, i, o->seed);
    struct conn c;
    if (conn_setup(&c, o->address, token) != 0)
        return 2;
    static struct report_buf rb;
    buf_init(&rb.out, 64u << 20);
    uint64_t rng = o->seed;
    /* generated_at: one second apart, ending near now, so every time is valid. */
    int64_t base = wall_ms() - (int64_t)o->reports * 2000;
    base -= base % 1000;
    int64_t at = base;
    for (size_t r = 0; r < o->reports; r++) {
        size_t hi = r % n_hosts, round = r / n_hosts;
        struct host *h = &f.hosts[hi];
        at += 1000;
        if (round > 0)
            host_mutate(h, m, 3);
        if (round == 3 && hi == 0)
            snprintf(h->hostname, sizeof(h->hostname), "node-renamed-%02zu", hi);
        if (round == 5 && hi % 4 == 0)
            host_set_container(h, m, 2, false); /* a container removed */
        if (round == 7 && hi % 5 == 1)
            host_set_container(h, m, 3, true); /* a container added */
        const char *failed = NULL;
        if (r % 7 == 3)
            failed = "container_runtime";
        else if (r % 13 == 5)
            failed = "file_permissions";
        bool gz = r % 2 == 1;

        /* An older report first, now and then: answered stale, nothing changes. */
        if (h->seq >= 2 && r % 11 == 6) {
            if (build_report(&rb, m, h, h->seq - 1, at - 500, NULL, gz, &rng) != 0 ||
                fixture_post(&c, &rb.out, gz, "stale", r) != 0)
                return 1;
            f.stale_n++;
        }
        h->seq++;
        if (build_report(&rb, m, h, h->seq, at, failed, gz, &rng) != 0 ||
            fixture_post(&c, &rb.out, gz, "stored", r) != 0)
            return 1;
        f.stored_n++;
        apply_expected(&f, hi, failed, at, rb.id);
        /* The same bytes again: answered duplicate, nothing changes. */
        if (r % 9 == 4) {
            if (fixture_post(&c, &rb.out, gz, "duplicate", r) != 0)
                return 1;
            f.duplicate_n++;
        }
    }
    conn_close(&c);
    FILE *out = stdout;
    if (o->out != NULL && (out = fopen(o->out, "w")) == NULL) {
        fprintf(stderr, "cannot write %s: %s\n", o->out, strerror(errno));
        return 1;
    }
    write_expected(&f, n_hosts, out);
    if (out != stdout)
        fclose(out);
    fprintf(stderr, "fixture: %llu stored, %llu duplicate, %llu stale, %zu drift events\n",
            (unsigned long long)f.stored_n, (unsigned long long)f.duplicate_n,
            (unsigned long long)f.stale_n, f.n_events);
    return 0;
}

/* ---- emit mode: bodies for the 4xx tests ---- */

static void put_varint(struct buf *b, uint64_t v)
{
    while (v >= 0x80) {
        buf_append_char(b, (char)(v | 0x80));
        v >>= 7;
    }
    buf_append_char(b, (char)v);
}

/* A small valid report, optionally spoiled by `spoil`. */
static int emit_report(struct buf *out, const char *spoil)
{
    static struct model model;
    static struct report_buf rb;
    build_model(&model);
    struct host h;
    host_init(&h, &model, 999, 42);
    snprintf(h.id, sizeof(h.id), "emit-host");
    uint64_t rng = 7;
    buf_init(&rb.out, 64u << 20);
    if (build_report(&rb, &model, &h, 1, wall_ms(), NULL, false, &rng) != 0)
        return -1;
    Dockward__V1__Report *rep =
        dockward__v1__report__unpack(NULL, rb.out.len, (const uint8_t *)rb.out.data);
    if (rep == NULL)
        return -1;
    char long_check[300];
    memset(long_check, 'x', 257);
    long_check[257] = '\0';
    /* What the spoiling replaces, put back before protobuf-c frees the message. */
    char *orig_host = rep->host_id, *orig_check = rep->results[0]->check_id,
         *orig_collector = rep->results[0]->collector;
    Dockward__V1__Result *orig_second = rep->results[1];
    size_t orig_id_len = rep->report_id.len;
    if (strcmp(spoil, "bad-id") == 0)
        rep->report_id.len = 15;
    else if (strcmp(spoil, "bad-host") == 0)
        rep->host_id = "bad host!";
    else if (strcmp(spoil, "seq-zero") == 0)
        rep->sequence = 0;
    else if (strcmp(spoil, "bad-status") == 0)
        rep->results[0]->status = (Dockward__V1__Status)9;
    else if (strcmp(spoil, "old-time") == 0)
        rep->generated_at_unix_ms = 1546300800000LL; /* 2019 */
    else if (strcmp(spoil, "future-time") == 0)
        rep->generated_at_unix_ms = wall_ms() + 2LL * 86400 * 1000;
    else if (strcmp(spoil, "long-check") == 0)
        rep->results[0]->check_id = long_check;
    else if (strcmp(spoil, "dup-pair") == 0)
        rep->results[1] = rep->results[0];
    else if (strcmp(spoil, "unknown-collector") == 0)
        rep->results[0]->collector = "nosuch";
    /*
     * "large": valid, with LARGE_EXTRA more results of 500-byte evidence
     * (~14 MiB inflated, a few hundred KiB gzip'd, ~17 MiB decoded): what
     * a hostile agent sends to fill the store's queue (bench/store_memory.sh).
     */
    enum { LARGE_EXTRA = 25000 };
    Dockward__V1__Result **orig_results = rep->results, **big = NULL, *extra = NULL;
    size_t orig_n = rep->n_results;
    static char evidence[501], targets[LARGE_EXTRA][32];
    if (strcmp(spoil, "large") == 0) {
        big = calloc(orig_n + LARGE_EXTRA, sizeof(*big));
        extra = calloc(LARGE_EXTRA, sizeof(*extra));
        if (big == NULL || extra == NULL) {
            free(big);
            free(extra);
            dockward__v1__report__free_unpacked(rep, NULL);
            return -1;
        }
        memset(evidence, 'e', 500);
        memcpy(big, orig_results, orig_n * sizeof(*big));
        for (size_t i = 0; i < LARGE_EXTRA; i++) {
            dockward__v1__result__init(&extra[i]);
            snprintf(targets[i], sizeof(targets[i]), "container/large-%05zu", i);
            extra[i].check_id = "dockward.large";
            extra[i].target = targets[i];
            extra[i].status = DOCKWARD__V1__STATUS__STATUS_FAIL;
            extra[i].evidence = evidence;
            extra[i].collector = orig_results[0]->collector;
            big[orig_n + i] = &extra[i];
        }
        rep->results = big;
        rep->n_results = orig_n + LARGE_EXTRA;
    }
    size_t len = dockward__v1__report__get_packed_size(rep);
    uint8_t *p = malloc(len);
    dockward__v1__report__pack(rep, p);
    rep->host_id = orig_host;
    rep->results[0]->check_id = orig_check;
    rep->results[0]->collector = orig_collector;
    rep->results[1] = orig_second;
    rep->report_id.len = orig_id_len;
    rep->results = orig_results;
    rep->n_results = orig_n;
    free(big);
    free(extra);
    dockward__v1__report__free_unpacked(rep, NULL);
    buf_append(out, p, len);
    free(p);
    return 0;
}

/*
 * "host:ID:SEQ": a valid report of host ID (up to 32 characters) with
 * sequence SEQ and a report id of its own (the identity and lifecycle
 * tests push for hosts by name).
 */
static int emit_host_report(struct buf *out, const char *spec)
{
    static struct model model;
    static struct report_buf rb;
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || colon == spec || (size_t)(colon - spec) > 32)
        return -1;
    char *end;
    errno = 0;
    unsigned long long seq = strtoull(colon + 1, &end, 10);
    if (errno != 0 || end == colon + 1 || *end != '\0' || seq == 0)
        return -1;
    build_model(&model);
    struct host h;
    host_init(&h, &model, 999, 42);
    snprintf(h.id, sizeof(h.id), "%.*s", (int)(colon - spec), spec);
    uint64_t rng = 7 ^ (seq * 0x9E3779B97F4A7C15ULL);
    for (const char *c = spec; c < colon; c++)
        rng = rng * 31 + (unsigned char)*c;
    buf_init(&rb.out, 64u << 20);
    if (build_report(&rb, &model, &h, seq, wall_ms(), NULL, false, &rng) != 0)
        return -1;
    int rc = buf_append(out, rb.out.data, rb.out.len) == BUF_OK ? 0 : -1;
    buf_free(&rb.out);
    return rc;
}

static int emit_main(const char *name)
{
    struct buf out;
    buf_init(&out, 64u << 20);
    int rc = 0;
    if (strncmp(name, "host:", 5) == 0) {
        rc = emit_host_report(&out, name + 5);
    } else if (strcmp(name, "valid") == 0 || strcmp(name, "bad-id") == 0 ||
               strcmp(name, "bad-host") == 0 || strcmp(name, "seq-zero") == 0 ||
               strcmp(name, "bad-status") == 0 || strcmp(name, "old-time") == 0 ||
               strcmp(name, "future-time") == 0 || strcmp(name, "long-check") == 0 ||
               strcmp(name, "dup-pair") == 0 || strcmp(name, "unknown-collector") == 0) {
        rc = emit_report(&out, name);
    } else if (strcmp(name, "large") == 0) {
        struct buf raw;
        buf_init(&raw, 64u << 20);
        rc = emit_report(&raw, name);
        if (rc == 0)
            rc = gzip_compress(raw.data, raw.len, &out);
        buf_free(&raw);
    } else if (strcmp(name, "truncated") == 0) {
        rc = emit_report(&out, "valid");
        out.len /= 2;
    } else if (strcmp(name, "wrong-wire-type") == 0) {
        buf_append(&out, "\x40\x01", 2); /* field 8 (results) as a varint */
        rc = emit_report(&out, "valid");
    } else if (strcmp(name, "huge-length") == 0) {
        buf_append(&out, "\x42\xff\xff\xff\xff\x0f", 6); /* results, 4 GiB long */
        buf_append(&out, "abc", 3);
    } else if (strcmp(name, "nested-huge-length") == 0) {
        struct buf inner;
        buf_init(&inner, 1024);
        buf_append_char(&inner, 0x0a); /* check_id */
        put_varint(&inner, 1u << 30);
        buf_append(&inner, "5.5", 3);
        rc = emit_report(&out, "valid");
        buf_append_char(&out, 0x42);
        put_varint(&out, inner.len);
        buf_append(&out, inner.data, inner.len);
        buf_free(&inner);
    } else if (strcmp(name, "too-many-results") == 0) {
        rc = emit_report(&out, "valid");
        for (int i = 0; i < 100001 && rc == 0; i++)
            rc = buf_append(&out, "\x42\x00", 2);
    } else if (strcmp(name, "unknown-fields-flood") == 0) {
        /* 16 MiB of unknown varint fields, gzip'd to a few KiB: decodes past the memory cap. */
        struct buf raw;
        buf_init(&raw, 20u << 20);
        for (int i = 0; i < (8 << 20) - 8 && rc == 0; i++)
            rc = buf_append(&raw, "\x78\x00", 2); /* field 15, varint 0 */
        if (rc == 0)
            rc = gzip_compress(raw.data, raw.len, &out);
        buf_free(&raw);
    } else if (strcmp(name, "oversized") == 0) {
        for (int i = 0; i < (5 << 20) && rc == 0; i += 4096) {
            char zeros[4096] = { 0 };
            rc = buf_append(&out, zeros, sizeof(zeros));
        }
    } else if (strcmp(name, "gzip-bomb") == 0) {
        struct buf raw;
        buf_init(&raw, 20u << 20);
        char zeros[65536] = { 0 };
        for (int i = 0; i < 17 * 16 && rc == 0; i++)
            rc = buf_append(&raw, zeros, sizeof(zeros));
        if (rc == 0)
            rc = gzip_compress(raw.data, raw.len, &out);
        buf_free(&raw);
    } else if (strcmp(name, "gzip-corrupt") == 0) {
        static const char corrupt[] = "\x1f\x8b\x08\x00garbage that is not deflate";
        buf_append(&out, corrupt, sizeof(corrupt) - 1);
    } else {
        fprintf(stderr, "dockward-ingest-bench: unknown --emit %s\n", name);
        return 2;
    }
    if (rc != 0) {
        fprintf(stderr, "dockward-ingest-bench: cannot build %s\n", name);
        return 1;
    }
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
    buf_free(&out);
    return 0;
}

/* Holds the database's write lock for `ms`; prints "locked" once it has it. */
static int hold_lock_main(const char *path, uint64_t ms)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "dockward-ingest-bench: cannot lock %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    printf("locked\n");
    fflush(stdout);
    struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const modes[] = { "bench", "fixture", NULL };
    struct options o = { 0 };
    bool help = false;
    struct flag_def defs[] = {
        flags_def_enum("mode", &o.mode, "bench", "MODE", modes,
                       "bench (load) or fixture (the end-to-end test's story)"),
        flags_def_string("store.address", &o.address, "127.0.0.1:10311", "HOST:PORT[,HOST:PORT...]",
                         NULL,
                         "The store to post to; bench: several replicas, connection i posts to the "
                         "(i mod N)th"),
        flags_def_string(
            "answers", &o.answers, NULL, "FILE", NULL,
            "Write one line per answer: host seq status kind report-id address (bench)"),
        flags_def_string("token-file", &o.token_file, NULL, "FILE", NULL,
                         "Tokens file; the first token is used"),
        flags_def_uint("hosts", &o.hosts, "1000", "N", 1, 10000000, "Simulated hosts"),
        flags_def_uint("connections", &o.connections, "32", "N", 1, 1024,
                       "Concurrent keep-alive connections (bench)"),
        flags_def_uint("changes", &o.changes, "3", "N", 0, 100,
                       "Status changes per report (bench)"),
        flags_def_duration("duration", &o.duration_ms, "30s", 0, 0,
                           "Length of the measured phase (bench; 0s: populate only)"),
        flags_def_uint("rate", &o.rate, "0", "N", 0, 0,
                       "Reports per second to pace at (bench; 0 = as fast as answered)"),
        flags_def_uint("rounds", &o.rounds, "1", "N", 1, 64,
                       "Measured rounds (bench); medians are printed when more than one"),
        flags_def_uint("paced-rate", &o.paced_rate, "0", "N", 0, 0,
                       "Also run a phase paced at N reports/s in each round (bench)"),
        flags_def_uint("prebuild", &o.prebuild, "2", "N", 0, PREBUILD_MAX,
                       "Build (and gzip) up to N reports per host before each timed phase, and "
                       "each host's first before populate, so the timed phases' generator only "
                       "sends; the bytes are the same (agents compress on their own hosts). 0: "
                       "build each report when it is sent (bench)"),
        flags_def_bool("populate", &o.populate, "true",
                       "Send every host's first report before measuring"),
        flags_def_bool(
            "drain", &o.drain, "false",
            "At the end, send each report that was refused (503, 429, no answer) again "
            "until a store accepts it, for 60 s at most, as agents' outboxes do (bench)"),
        flags_def_bool("gzip", &o.gzip, "true", "Send gzip-encoded bodies (bench)"),
        flags_def_uint("reports", &o.reports, "200", "N", 1, 1000000, "Reports to send (fixture)"),
        flags_def_uint("seed", &o.seed, "1", "N", 0, 0, "Random seed (same seed, same hosts)"),
        flags_def_uint("store-pid", &o.store_pid, "0", "PID", 0, 0,
                       "Print this process's RSS at the end"),
        flags_def_string("storage-path", &o.storage_path, NULL, "FILE", NULL,
                         "Print this database's size at the end"),
        flags_def_string("out", &o.out, NULL, "FILE", NULL,
                         "Where the fixture's expected state goes (default stdout)"),
        flags_def_string(
            "emit", &o.emit, NULL, "NAME", NULL,
            "Write one test body to stdout and exit: valid, truncated, wrong-wire-type, "
            "huge-length, nested-huge-length, too-many-results, unknown-fields-flood, "
            "oversized, gzip-bomb, gzip-corrupt, large (gzip), bad-id, bad-host, "
            "seq-zero, bad-status, old-time, future-time, long-check, dup-pair, "
            "unknown-collector"),
        flags_def_string("hold-write-lock", &o.lock_path, NULL, "DB", NULL,
                         "Hold this SQLite database's write lock for --duration and exit"),
        flags_def_bool("help", &help, "false", "Print this help"),
    };
    size_t n_defs = sizeof(defs) / sizeof(defs[0]);
    char err[512];
    if (flags_parse(defs, n_defs, argc, argv, 1, err, sizeof(err)) != 0) {
        fprintf(stderr, "dockward-ingest-bench: %s\n", err);
        return 2;
    }
    if (help) {
        printf("usage: dockward-ingest-bench [FLAGS]\n\n");
        flags_print_help(stdout, defs, n_defs);
        return 0;
    }
    if (o.emit != NULL)
        return emit_main(o.emit);
    if (o.lock_path != NULL)
        return hold_lock_main(o.lock_path, o.duration_ms);
    if (o.token_file == NULL) {
        fprintf(stderr, "dockward-ingest-bench: --token-file is required\n");
        return 2;
    }
    char token[1025];
    if (read_token(o.token_file, token, sizeof(token)) != 0) {
        fprintf(stderr, "dockward-ingest-bench: no token in %s\n", o.token_file);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    return strcmp(o.mode, "fixture") == 0 ? fixture_main(&o, token) : bench_main(&o, token);
}
