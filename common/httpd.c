/*
 * httpd.c - listening socket + libmicrohttpd daemon, and the web-config
 * guard in front of every handler; see httpd.h.
 *
 * Who owns what: struct httpd belongs to the main thread (start, reload,
 * stop); `daemon` and `retired` are touched by it only. The current web
 * config lives in a refcounted, immutable struct web_state; `web_lock`
 * guards only the pointer and the reference taken under it. Each
 * connection holds a reference to the state its current request started
 * with (struct conn_ctx, libmicrohttpd's socket context), so a reload never
 * changes the rules in the middle of a request and the last user frees it.
 *
 * Header deadline (HTTPD_HEADER_DEADLINE_MS). libmicrohttpd has an idle
 * timeout only, so the deadline is kept here: each connection's context
 * holds a slot, armed when the connection opens and when an answer on it
 * completes, disarmed when the request head has arrived (the first call of
 * the access handler, the guard). A reaper thread shuts down (shutdown(2),
 * never close: the fd stays MHD's) the connections past their deadline;
 * MHD then sees the end of the stream and closes them itself. The slots
 * are guarded by `deadline_lock`, and MHD reports a connection closed
 * before it closes its fd, so the reaper never touches an fd that was
 * reused by another connection.
 *
 * Basic auth off the polling threads. A bcrypt check costs ~50 ms; on one of
 * the HTTPD_THREADS polling threads it would stall every connection that
 * thread serves (a scrape with cached credentials included). So the guard
 * answers from the cache at once on the polling thread, and sends every
 * other check to HTTPD_AUTH_WORKERS worker threads:
 *   1. guard (polling thread), first call of a request: no cache hit ->
 *      under `auth_lock`, if the queue holds HTTPD_AUTH_QUEUE_MAX jobs (or
 *      HTTPD_AUTH_QUEUE_PER_ADDRESS of this client address), answer 429
 *      (reason "overload", no bcrypt); else suspend the
 *      connection and queue the job embedded in its conn_ctx, which takes
 *      over the credentials MHD gave us.
 *   2. worker: takes the job, bcrypt, caches a success, wipes and frees the
 *      credentials, writes the verdict, resumes the connection - and then
 *      never touches the job or the connection again.
 *   3. MHD (0.9.75) calls the access handler again for the resumed
 *      request, in the same state as the first call (upload_data_size 0,
 *      checked by experiment), so the guard applies the verdict and the
 *      program's handler sees its usual first call.
 * Lifetimes: MHD neither times out nor closes a suspended connection, so a
 * queued or running job's conn_ctx and connection stay valid until the
 * resume. MHD_stop_daemon must not see a suspended connection (it aborts),
 * so before a daemon stops (httpd_stop, or a TLS reload retiring it) its
 * daemon_tag is fenced: its pending jobs are dropped (credentials wiped,
 * connection resumed, the guard then closes it), new ones are refused, and
 * the stop waits until no worker runs one of its jobs.
 */
#include "httpd.h"

#include "expo.h"
#include "log.h"
#include "webconfig.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/random.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
/* Successful basic-auth checks remembered per config (see auth_cache_*). */
/*
 * bcrypt workers (one per core of a small host) and the checks that may
 * wait for them; a check beyond that gets 429 without any bcrypt. 64 jobs
 * are about 1.6 s of work at cost 10 for two workers.
 */
#define HTTPD_AUTH_WORKERS   2
#define HTTPD_AUTH_QUEUE_MAX 64
/*
 * Of which one client address may hold this many: a flood from one address
 * leaves room for the first logins of everybody else.
 */
#define HTTPD_AUTH_QUEUE_PER_ADDRESS 16
#define AUTH_CACHE_ENTRIES           64
#define AUTH_CACHE_MAC_LEN           32 /* HMAC-SHA256 */

/*
 * The web config in force and what hangs off it. Immutable but for the
 * cache (its own lock); freed by the last reference.
 *
 * The cache: checking a bcrypt hash costs tens of milliseconds on a polling
 * thread, and Prometheus sends the same credentials every scrape. So a
 * successful check is remembered as HMAC-SHA256(key, user NUL password)
 * under a random key made for this config; a later request whose MAC is
 * in the cache skips bcrypt. What that gives and costs:
 *   - only successes are cached: a wrong password, or an unknown user,
 *     always costs a full bcrypt, so guessing gets no faster over the
 *     network, and the cache never answers "no";
 *   - it never holds a password: a memory dump gives MACs and their key,
 *     which lets an attacker test guesses at HMAC speed instead of bcrypt
 *     speed - for passwords used since the last reload only; one who can
 *     read this process's memory can read the passwords off the wire too;
 *   - bounded (AUTH_CACHE_ENTRIES, oldest replaced), and gone with its
 *     config: a reload that removes a user or changes a password takes
 *     effect at once.
 * A check that misses the cache runs on the bcrypt workers, not on a
 * polling thread (see the top of this file), so a flood of wrong
 * passwords costs the workers and gets 429s, never delays a cached scrape.
 */
struct web_state {
    atomic_int refs;
    struct webconfig *wc; /* NULL: no web config */
    pthread_mutex_t cache_lock;
    unsigned char cache_key[AUTH_CACHE_MAC_LEN];
    unsigned char cache[AUTH_CACHE_ENTRIES][AUTH_CACHE_MAC_LEN];
    size_t cache_used, cache_next;
};

/* One open connection under the header deadline (see the top of this file). */
struct conn_slot {
    bool used;
    int fd;
    int64_t deadline_ms; /* CLOCK_MONOTONIC; INT64_MAX = head received, not armed */
};

/*
 * One per MHD daemon, the cls of its callbacks, so that a connection knows
 * its daemon (MHD's connection info names a worker daemon of the thread
 * pool, not the one MHD_start_daemon returned). Freed after that daemon
 * stopped.
 */
struct daemon_tag {
    struct httpd *h;
    atomic_int parked; /* connections the program parked with httpd_suspend */
};

enum auth_state { AUTH_IDLE = 0, AUTH_QUEUED, AUTH_DONE };
enum auth_verdict { AUTH_OK, AUTH_WRONG, AUTH_DROPPED };

/*
 * A bcrypt check, embedded in its connection's conn_ctx. From queueing to
 * the resume it belongs to the pool (`auth_lock` for the links, the worker
 * that took it for the rest); then to the polling thread again.
 */
struct auth_job {
    struct auth_job *next;
    struct MHD_Connection *conn;
    const struct daemon_tag *tag; /* the connection's daemon */
    unsigned char addr[16]; /* the client's address (IPv4: 4 bytes), for the per-address cap */
    size_t addr_len;
    struct web_state *web;                 /* the request's state (cc->web, held by cc) */
    char *user, *password;                 /* from MHD (MHD_free); wiped by whoever ends the job */
    unsigned char mac[AUTH_CACHE_MAC_LEN]; /* cached on success */
    bool have_mac;
    atomic_int state;          /* enum auth_state */
    enum auth_verdict verdict; /* written before AUTH_DONE and the resume */
};

struct httpd {
    struct MHD_Daemon *daemon;
    struct MHD_Daemon *retired; /* quiesced by the last TLS reload; stopped at the next */
    struct daemon_tag *daemon_tag, *retired_tag;
    int listen_fd;
    char bound[128];
    /* What a (re)started daemon needs. */
    unsigned max_conn, per_ip;
    httpd_handler handler;
    void *cls;
    MHD_RequestCompletedCallback completed;
    const char *realm;
    const char *own_auth_post_path; /* see httpd_options */
    const char *own_bearer_prefix;  /* see httpd_options */
    struct httpd_web_counters *counters;
    pthread_mutex_t web_lock; /* guards `web` (the pointer and the ref taken under it) */
    struct web_state *web;
    /*
     * Header deadline: slots and the reaper, guarded by `deadline_lock`.
     * Twice the connection limit, for the connections a daemon retired by a
     * TLS reload still holds; a connection that finds no slot has no deadline.
     */
    pthread_mutex_t deadline_lock;
    pthread_cond_t wake; /* signalled to stop the reaper */
    bool stopping;
    bool reaper_started;
    pthread_t reaper;
    struct conn_slot *slots;
    unsigned n_slots;
    /* The bcrypt pool (see the top of this file), all guarded by `auth_lock`. */
    pthread_mutex_t auth_lock;
    pthread_cond_t auth_work; /* a job was queued, or the workers must quit */
    pthread_cond_t auth_idle; /* a worker finished a job */
    struct auth_job *auth_head, *auth_tail;
    unsigned auth_queued;                                      /* <= HTTPD_AUTH_QUEUE_MAX */
    const struct daemon_tag *auth_running[HTTPD_AUTH_WORKERS]; /* each worker's job's daemon */
    const struct daemon_tag *auth_fenced; /* being stopped: no new job for its connections */
    bool auth_closed;                     /* httpd_stop: no new job at all */
    bool auth_quit;
    unsigned auth_threads; /* created (joined by httpd_stop) */
    unsigned auth_started; /* running: each worker's index in auth_running */
    pthread_t auth_workers[HTTPD_AUTH_WORKERS];
};

/* Per connection (MHD's socket context), from accept to close. */
struct conn_ctx {
    struct web_state *web;  /* the state of the current request (a reference) */
    struct daemon_tag *tag; /* the daemon that accepted it */
    int cert_ok;            /* client certificate judged: -1 not yet, 0 refused, 1 fine */
    bool refused;           /* the current request got a 401/429 from the guard */
    bool basic_ok;          /* the current request passed basic_auth_users */
    void *inner_cls;        /* the handler's *req_cls */
    struct conn_slot *slot; /* header deadline; NULL: none free */
    struct auth_job auth;   /* the current request's bcrypt check, if any */
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

/* A free deadline slot for a new connection, armed; NULL when none is free. */
static struct conn_slot *deadline_take(struct httpd *h, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct conn_slot *slot = NULL;
    pthread_mutex_lock(&h->deadline_lock);
    for (unsigned i = 0; ci != NULL && i < h->n_slots; i++) {
        if (!h->slots[i].used) {
            slot = &h->slots[i];
            *slot = (struct conn_slot){ .used = true,
                                        .fd = ci->connect_fd,
                                        .deadline_ms = monotonic_ms() + HTTPD_HEADER_DEADLINE_MS };
            break;
        }
    }
    pthread_mutex_unlock(&h->deadline_lock);
    return slot;
}

/* MHD is about to close the connection (and its fd): the reaper must forget it. */
static void deadline_release(struct httpd *h, struct conn_slot *slot)
{
    if (slot == NULL)
        return;
    pthread_mutex_lock(&h->deadline_lock);
    slot->used = false;
    pthread_mutex_unlock(&h->deadline_lock);
}

/* Sets the deadline of a slot (INT64_MAX disarms it). */
static void deadline_set(struct httpd *h, struct conn_slot *slot, int64_t deadline_ms)
{
    if (slot == NULL)
        return;
    pthread_mutex_lock(&h->deadline_lock);
    if (slot->used)
        slot->deadline_ms = deadline_ms;
    pthread_mutex_unlock(&h->deadline_lock);
}

/* The reaper thread: shuts down connections past their header deadline. */
static void *deadline_reaper(void *arg)
{
    struct httpd *h = arg;
    pthread_mutex_lock(&h->deadline_lock);
    while (!h->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)HTTPD_REAPER_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&h->wake, &h->deadline_lock, &until);
        int64_t now = monotonic_ms();
        for (unsigned i = 0; i < h->n_slots; i++) {
            struct conn_slot *slot = &h->slots[i];
            if (slot->used && slot->deadline_ms < now) {
                (void)shutdown(slot->fd, SHUT_RDWR);
                slot->deadline_ms = INT64_MAX; /* once */
            }
        }
    }
    pthread_mutex_unlock(&h->deadline_lock);
    return NULL;
}

/* Slots and the reaper thread for `n_slots` connections. Returns 0 or -1. */
static int deadline_start(struct httpd *h, unsigned n_slots, char *err, size_t errlen)
{
    h->n_slots = n_slots;
    h->slots = calloc(n_slots, sizeof(*h->slots));
    if (h->slots == NULL) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&h->deadline_lock, NULL);
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

/* Stops the reaper and frees the slots; after the daemons have stopped. */
static void deadline_stop(struct httpd *h)
{
    if (h->reaper_started) {
        pthread_mutex_lock(&h->deadline_lock);
        h->stopping = true;
        pthread_cond_signal(&h->wake);
        pthread_mutex_unlock(&h->deadline_lock);
        pthread_join(h->reaper, NULL);
        h->reaper_started = false;
    }
    if (h->slots != NULL) {
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->deadline_lock);
    }
    free(h->slots);
    h->slots = NULL;
}

static struct web_state *web_state_new(struct webconfig *wc)
{
    struct web_state *ws = calloc(1, sizeof(*ws));
    if (ws == NULL)
        return NULL;
    atomic_init(&ws->refs, 1);
    ws->wc = wc;
    pthread_mutex_init(&ws->cache_lock, NULL);
    if (getrandom(ws->cache_key, sizeof(ws->cache_key), 0) != (ssize_t)sizeof(ws->cache_key)) {
        pthread_mutex_destroy(&ws->cache_lock);
        free(ws);
        return NULL;
    }
    return ws;
}

static void web_state_unref(struct web_state *ws)
{
    if (ws == NULL || atomic_fetch_sub(&ws->refs, 1) != 1)
        return;
    webconfig_free(ws->wc);
    explicit_bzero(ws->cache_key, sizeof(ws->cache_key));
    explicit_bzero(ws->cache, sizeof(ws->cache));
    pthread_mutex_destroy(&ws->cache_lock);
    free(ws);
}

static struct web_state *web_acquire(struct httpd *h)
{
    pthread_mutex_lock(&h->web_lock);
    struct web_state *ws = h->web;
    if (ws != NULL)
        atomic_fetch_add(&ws->refs, 1);
    pthread_mutex_unlock(&h->web_lock);
    return ws;
}

/* The MAC that stands for (user, password) in the cache. 0 or -1. */
static int auth_cache_mac(const struct web_state *ws, const char *user, const char *password,
                          unsigned char mac[AUTH_CACHE_MAC_LEN])
{
    gnutls_hmac_hd_t hd;
    if (gnutls_hmac_init(&hd, GNUTLS_MAC_SHA256, ws->cache_key, sizeof(ws->cache_key)) < 0)
        return -1;
    int rc = gnutls_hmac(hd, user, strlen(user) + 1) < 0 ||
                     gnutls_hmac(hd, password, strlen(password)) < 0
                 ? -1
                 : 0;
    gnutls_hmac_deinit(hd, mac);
    return rc;
}

static bool auth_cache_has(struct web_state *ws, const unsigned char mac[AUTH_CACHE_MAC_LEN])
{
    bool found = false;
    pthread_mutex_lock(&ws->cache_lock);
    for (size_t i = 0; i < ws->cache_used; i++) {
        unsigned char diff = 0;
        for (size_t k = 0; k < AUTH_CACHE_MAC_LEN; k++)
            diff |= ws->cache[i][k] ^ mac[k];
        found |= diff == 0;
    }
    pthread_mutex_unlock(&ws->cache_lock);
    return found;
}

static void auth_cache_add(struct web_state *ws, const unsigned char mac[AUTH_CACHE_MAC_LEN])
{
    pthread_mutex_lock(&ws->cache_lock);
    memcpy(ws->cache[ws->cache_next], mac, AUTH_CACHE_MAC_LEN);
    ws->cache_next = (ws->cache_next + 1) % AUTH_CACHE_ENTRIES;
    if (ws->cache_used < AUTH_CACHE_ENTRIES)
        ws->cache_used++;
    pthread_mutex_unlock(&ws->cache_lock);
}

/* Wipes and frees credentials MHD gave us (either may be NULL). */
static void free_credentials(char *user, char *password)
{
    if (password != NULL) {
        explicit_bzero(password, strlen(password));
        MHD_free(password);
    }
    if (user != NULL) {
        explicit_bzero(user, strlen(user));
        MHD_free(user);
    }
}

/* Ends a job without bcrypt or with it: wipes what it holds, sets the verdict. */
static void auth_job_finish(struct auth_job *job, enum auth_verdict verdict)
{
    free_credentials(job->user, job->password);
    job->user = job->password = NULL;
    explicit_bzero(job->mac, sizeof(job->mac));
    job->verdict = verdict;
    atomic_store(&job->state, AUTH_DONE);
}

/* A bcrypt worker: see the top of this file. */
static void *auth_worker(void *arg)
{
    struct httpd *h = arg;
    pthread_mutex_lock(&h->auth_lock);
    unsigned self = h->auth_started++;
    while (!h->auth_quit) {
        struct auth_job *job = h->auth_head;
        if (job == NULL) {
            pthread_cond_wait(&h->auth_work, &h->auth_lock);
            continue;
        }
        h->auth_head = job->next;
        if (h->auth_head == NULL)
            h->auth_tail = NULL;
        h->auth_queued--;
        h->auth_running[self] = job->tag;
        pthread_mutex_unlock(&h->auth_lock);

        bool ok = webconfig_check_password(job->web->wc, job->user,
                                           job->password != NULL ? job->password : "") == 1;
        if (ok && job->have_mac)
            auth_cache_add(job->web, job->mac);
        struct MHD_Connection *conn = job->conn;
        auth_job_finish(job, ok ? AUTH_OK : AUTH_WRONG);
        MHD_resume_connection(conn); /* the job and the connection are MHD's again */

        pthread_mutex_lock(&h->auth_lock);
        h->auth_running[self] = NULL;
        pthread_cond_broadcast(&h->auth_idle);
    }
    pthread_mutex_unlock(&h->auth_lock);
    return NULL;
}

/* Starts the workers. Returns 0, or -1 with err (those started are joined by httpd_stop). */
static int auth_pool_start(struct httpd *h, char *err, size_t errlen)
{
    for (unsigned i = 0; i < HTTPD_AUTH_WORKERS; i++) {
        int rc = pthread_create(&h->auth_workers[i], NULL, auth_worker, h);
        if (rc != 0) {
            seterr(err, errlen, "cannot start the HTTP auth threads: %s", strerror(rc));
            return -1;
        }
        pthread_mutex_lock(&h->auth_lock);
        h->auth_threads++;
        pthread_mutex_unlock(&h->auth_lock);
    }
    return 0;
}

/*
 * Drops the pending jobs of `tag`'s daemon (every job when `tag` is NULL)
 * and waits until no worker runs one; from then on `tag` (or, with NULL,
 * every daemon) gets no new job, until auth_unfence. For MHD_stop_daemon,
 * which must find no suspended connection.
 */
static void auth_fence(struct httpd *h, const struct daemon_tag *tag)
{
    struct auth_job *dropped = NULL;
    pthread_mutex_lock(&h->auth_lock);
    if (tag == NULL)
        h->auth_closed = true;
    else
        h->auth_fenced = tag;
    struct auth_job **link = &h->auth_head;
    h->auth_tail = NULL;
    while (*link != NULL) {
        struct auth_job *job = *link;
        if (tag == NULL || job->tag == tag) {
            *link = job->next;
            h->auth_queued--;
            job->next = dropped;
            dropped = job;
        } else {
            h->auth_tail = job;
            link = &job->next;
        }
    }
    for (;;) {
        bool busy = false;
        for (unsigned i = 0; i < HTTPD_AUTH_WORKERS; i++)
            busy |= h->auth_running[i] != NULL && (tag == NULL || h->auth_running[i] == tag);
        if (!busy)
            break;
        pthread_cond_wait(&h->auth_idle, &h->auth_lock);
    }
    pthread_mutex_unlock(&h->auth_lock);
    while (dropped != NULL) {
        struct auth_job *job = dropped;
        dropped = job->next;
        struct MHD_Connection *conn = job->conn;
        auth_job_finish(job, AUTH_DROPPED);
        MHD_resume_connection(conn); /* the guard closes it; or MHD_stop_daemon does */
    }
}

static void auth_unfence(struct httpd *h)
{
    pthread_mutex_lock(&h->auth_lock);
    h->auth_fenced = NULL;
    pthread_mutex_unlock(&h->auth_lock);
}

/* Tells the workers to quit and joins them; after the daemons stopped. */
static void auth_pool_stop(struct httpd *h)
{
    pthread_mutex_lock(&h->auth_lock);
    h->auth_quit = true;
    pthread_cond_broadcast(&h->auth_work);
    pthread_mutex_unlock(&h->auth_lock);
    for (unsigned i = 0; i < h->auth_threads; i++)
        pthread_join(h->auth_workers[i], NULL);
    h->auth_threads = 0;
}

/* The pool's lock and conditions; after auth_pool_stop (or when it never started). */
static void auth_pool_destroy(struct httpd *h)
{
    pthread_cond_destroy(&h->auth_idle);
    pthread_cond_destroy(&h->auth_work);
    pthread_mutex_destroy(&h->auth_lock);
}

enum auth_submit_result { AUTH_SUBMITTED, AUTH_QUEUE_FULL, AUTH_CLOSED };

/* The connection's client address into job->addr (length 0 when unknown). */
static void auth_job_address(struct auth_job *job, struct MHD_Connection *conn)
{
    job->addr_len = 0;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
    if (sa != NULL && sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        memcpy(job->addr, &s4->sin_addr, 4);
        job->addr_len = 4;
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(job->addr, &s6->sin6_addr, 16);
        job->addr_len = 16;
    }
}

/* How many queued jobs come from `job`'s address; under auth_lock. */
static unsigned auth_queued_from(const struct httpd *h, const struct auth_job *job)
{
    unsigned n = 0;
    for (const struct auth_job *q = h->auth_head; q != NULL && job->addr_len > 0; q = q->next)
        n += q->addr_len == job->addr_len && memcmp(q->addr, job->addr, job->addr_len) == 0;
    return n;
}

/*
 * Queues the bcrypt check of `user`/`password` for the connection and
 * suspends it; on AUTH_SUBMITTED the job owns the credentials, otherwise
 * the caller still does. Polling thread, from the guard.
 */
static enum auth_submit_result auth_submit(struct httpd *h, struct conn_ctx *cc,
                                           struct MHD_Connection *conn, char *user, char *password,
                                           const unsigned char *mac, bool have_mac)
{
    struct auth_job *job = &cc->auth;
    auth_job_address(job, conn);
    pthread_mutex_lock(&h->auth_lock);
    if (h->auth_closed || cc->tag == h->auth_fenced || h->auth_threads == 0) {
        pthread_mutex_unlock(&h->auth_lock);
        return AUTH_CLOSED;
    }
    /* The caps. */
    if (h->auth_queued >= HTTPD_AUTH_QUEUE_MAX ||
        auth_queued_from(h, job) >= HTTPD_AUTH_QUEUE_PER_ADDRESS) {
        pthread_mutex_unlock(&h->auth_lock);
        return AUTH_QUEUE_FULL;
    }
    job->next = NULL;
    job->conn = conn;
    job->tag = cc->tag;
    job->web = cc->web;
    job->user = user;
    job->password = password;
    job->have_mac = have_mac;
    if (have_mac)
        memcpy(job->mac, mac, sizeof(job->mac));
    atomic_store(&job->state, AUTH_QUEUED);
    /* Suspended before a worker can see the job, so its resume always comes after. */
    MHD_suspend_connection(conn);
    if (h->auth_tail != NULL)
        h->auth_tail->next = job;
    else
        h->auth_head = job;
    h->auth_tail = job;
    h->auth_queued++;
    pthread_cond_signal(&h->auth_work);
    pthread_mutex_unlock(&h->auth_lock);
    return AUTH_SUBMITTED;
}

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
static void add_web_headers(struct MHD_Connection *conn, struct MHD_Response *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const struct conn_ctx *cc = ci != NULL ? ci->socket_context : NULL;
    const struct webconfig *wc = cc != NULL && cc->web != NULL ? cc->web->wc : NULL;
    for (size_t i = 0; wc != NULL && i < wc->n_headers; i++)
        MHD_add_response_header(r, wc->headers[i].name, wc->headers[i].value);
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
    add_web_headers(conn, r);
    enum MHD_Result ret =
        MHD_queue_basic_auth_fail_response(conn, h->realm ? h->realm : "dockward", r);
    MHD_destroy_response(r);
    return ret;
}

/* 429 with Retry-After (and the configured headers): the bcrypt queue is full. */
static enum MHD_Result refuse_overload(struct MHD_Connection *conn)
{
    static const char body[] = "too many password checks pending; retry later\n";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    enum MHD_Result ret = httpd_queue_response(conn, MHD_HTTP_TOO_MANY_REQUESTS, r);
    MHD_destroy_response(r);
    return ret;
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
        free_credentials(NULL, password);
        count_failure(h, HTTPD_AUTH_MISSING_CREDENTIALS);
        log_debug("http: 401: no basic-auth credentials");
        return GUARD_UNAUTHORIZED;
    }
    /* The cache answers here at once; everything else goes to the bcrypt workers. */
    unsigned char mac[AUTH_CACHE_MAC_LEN];
    bool have_mac = auth_cache_mac(cc->web, user, password != NULL ? password : "", mac) == 0;
    if (have_mac && auth_cache_has(cc->web, mac)) {
        explicit_bzero(mac, sizeof(mac));
        free_credentials(user, password);
        cc->basic_ok = true;
        return GUARD_PASS;
    }
    enum auth_submit_result q = auth_submit(h, cc, conn, user, password, mac, have_mac);
    explicit_bzero(mac, sizeof(mac));
    if (q == AUTH_SUBMITTED)
        return GUARD_SUSPENDED;
    free_credentials(user, password);
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
static enum MHD_Result guard(void *cls, struct MHD_Connection *conn, const char *url,
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
        deadline_set(h, cc->slot, INT64_MAX); /* the head is in */
        cc->inner_cls = NULL;
        cc->refused = false;
        web_state_unref(cc->web);
        cc->web = web_acquire(h);
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

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct httpd *h = ((const struct daemon_tag *)cls)->h;
    /* An answer is done: the next request head on this connection gets a new deadline. */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const struct conn_ctx *sc = ci != NULL ? ci->socket_context : NULL;
    if (sc != NULL)
        deadline_set(h, sc->slot, monotonic_ms() + HTTPD_HEADER_DEADLINE_MS);
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

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
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
            cc->slot = deadline_take(h, conn);
        }
        *socket_context = cc;
        return;
    }
    struct conn_ctx *cc = *socket_context; /* MHD_CONNECTION_NOTIFY_CLOSED, before the close */
    if (cc != NULL) {
        deadline_release(h, cc->slot);
        web_state_unref(cc->web);
        free(cc);
    }
    *socket_context = NULL;
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
        flags, 0, NULL, NULL, guard, tag,
        /* first, so that MHD's messages about the other options reach our log */
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTPD_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        h->max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)HTTPD_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTPD_CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, tag,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, tag, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
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
    auth_fence(h, tag);
    MHD_stop_daemon(d);
    auth_unfence(h);
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
    h->web = web_state_new(opts->web);
    if (h->web == NULL) {
        webconfig_free(opts->web);
        auth_pool_destroy(h);
        pthread_mutex_destroy(&h->web_lock);
        free(h);
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    if (h->counters != NULL && opts->web != NULL)
        atomic_store(&h->counters->last_reload_ok, 1);
    h->listen_fd = open_listener(opts->listen_address, h->bound, sizeof(h->bound), err, errlen);
    if (h->listen_fd < 0) {
        web_state_unref(h->web);
        auth_pool_destroy(h);
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
    if (deadline_start(h, 2 * h->max_conn, err, errlen) != 0 ||
        auth_pool_start(h, err, errlen) != 0)
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
    auth_fence(h, NULL); /* no more bcrypt jobs; pending ones dropped */
    /* quiesced: the retired daemon no longer owns the socket */
    stop_daemon(h, h->retired, h->retired_tag);
    /* MHD_stop_daemon closes the listening socket of a daemon that was not quiesced. */
    if (h->daemon != NULL)
        stop_daemon(h, h->daemon, h->daemon_tag);
    else if (h->listen_fd >= 0)
        close(h->listen_fd);
    auth_pool_stop(h); /* after the daemons: nothing can queue a job now */
    deadline_stop(h);  /* after the daemons: they no longer call on_connection */
    web_state_unref(h->web);
    auth_pool_destroy(h);
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
    struct web_state *ns = web_state_new(wc);
    if (ns == NULL) {
        webconfig_free(wc);
        seterr(err, errlen, "out of memory");
        web_reload_failed(h);
        return -1;
    }
    struct web_state *old = web_acquire(h);
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
            web_state_unref(old);
            web_state_unref(ns);
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
            web_state_unref(old);
            web_state_unref(ns);
            web_reload_failed(h);
            return -1;
        }
    }
    web_state_unref(old);
    pthread_mutex_lock(&h->web_lock);
    old = h->web;
    h->web = ns;
    pthread_mutex_unlock(&h->web_lock);
    web_state_unref(old);
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

const char *httpd_auth_failure_name(enum httpd_auth_failure f)
{
    static const char *const names[HTTPD_AUTH_FAILURE_COUNT] = { "missing_credentials",
                                                                 "wrong_credentials",
                                                                 "client_certificate", "overload" };
    return (unsigned)f < HTTPD_AUTH_FAILURE_COUNT ? names[f] : "unknown";
}

void httpd_web_counters_init(struct httpd_web_counters *c)
{
    for (size_t i = 0; i < HTTPD_AUTH_FAILURE_COUNT; i++)
        atomic_init(&c->failures[i], 0);
    atomic_init(&c->last_reload_ok, 0);
}

enum MHD_Result httpd_queue_response(struct MHD_Connection *conn, unsigned status,
                                     struct MHD_Response *r)
{
    add_web_headers(conn, r);
    return MHD_queue_response(conn, status, r);
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
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = httpd_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
    MHD_destroy_response(r);
    return ret;
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
    for (int f = 0; f < HTTPD_AUTH_FAILURE_COUNT; f++) {
        struct metric_label l[] = { { "reason",
                                      httpd_auth_failure_name((enum httpd_auth_failure)f) } };
        rc |= expo_sample(e, failures, l, 1, (double)atomic_load(&c->failures[f]));
    }
    rc |= expo_family(e, reload, METRIC_GAUGE,
                      "1 when the last load of --web.config.file (at start or on SIGHUP) "
                      "succeeded, 0 when it failed and the previous config stayed in force.");
    rc |= expo_sample(e, reload, NULL, 0, (double)atomic_load(&c->last_reload_ok));
    return rc == 0 ? 0 : -1;
}
