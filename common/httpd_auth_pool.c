/*
 * httpd_auth_pool.c - the web config in force (struct web_state, swapped
 * by a reload, refcounted), its cache of passed basic-auth credentials,
 * and the bcrypt worker pool of the HTTP server's guard (httpd_guard.c).
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
#include "httpd_internal.h"
#include "log.h"

#include "webconfig.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>

struct web_state *httpd_web_state_new(struct webconfig *wc)
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

void httpd_web_state_unref(struct web_state *ws)
{
    if (ws == NULL || atomic_fetch_sub(&ws->refs, 1) != 1)
        return;
    webconfig_free(ws->wc);
    explicit_bzero(ws->cache_key, sizeof(ws->cache_key));
    explicit_bzero(ws->cache, sizeof(ws->cache));
    pthread_mutex_destroy(&ws->cache_lock);
    free(ws);
}

struct web_state *httpd_web_acquire(struct httpd *h)
{
    pthread_mutex_lock(&h->web_lock);
    struct web_state *ws = h->web;
    if (ws != NULL)
        atomic_fetch_add(&ws->refs, 1);
    pthread_mutex_unlock(&h->web_lock);
    return ws;
}

/* The MAC that stands for (user, password) in the cache. 0 or -1. */
int httpd_auth_cache_mac(const struct web_state *ws, const char *user, const char *password,
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

bool httpd_auth_cache_has(struct web_state *ws, const unsigned char mac[AUTH_CACHE_MAC_LEN])
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
void httpd_free_credentials(char *user, char *password)
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
    httpd_free_credentials(job->user, job->password);
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
int httpd_auth_pool_start(struct httpd *h, char *err, size_t errlen)
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
 * every daemon) gets no new job, until httpd_auth_unfence. For MHD_stop_daemon,
 * which must find no suspended connection.
 */
void httpd_auth_fence(struct httpd *h, const struct daemon_tag *tag)
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

void httpd_auth_unfence(struct httpd *h)
{
    pthread_mutex_lock(&h->auth_lock);
    h->auth_fenced = NULL;
    pthread_mutex_unlock(&h->auth_lock);
}

/* Tells the workers to quit and joins them; after the daemons stopped. */
void httpd_auth_pool_stop(struct httpd *h)
{
    pthread_mutex_lock(&h->auth_lock);
    h->auth_quit = true;
    pthread_cond_broadcast(&h->auth_work);
    pthread_mutex_unlock(&h->auth_lock);
    for (unsigned i = 0; i < h->auth_threads; i++)
        pthread_join(h->auth_workers[i], NULL);
    h->auth_threads = 0;
}

/* The pool's lock and conditions; after httpd_auth_pool_stop (or when it never started). */
void httpd_auth_pool_destroy(struct httpd *h)
{
    pthread_cond_destroy(&h->auth_idle);
    pthread_cond_destroy(&h->auth_work);
    pthread_mutex_destroy(&h->auth_lock);
}

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
enum auth_submit_result httpd_auth_submit(struct httpd *h, struct conn_ctx *cc,
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
