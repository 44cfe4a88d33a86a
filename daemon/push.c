/*
 * push.c - delivers the outbox to dockward-store (see push.h for the
 * contract on each answer, the backoff and who owns what).
 *
 * The thread loop is: sleep (until woken, or until the backoff ends), then
 * drain: peek the oldest report, send it, act on the answer, repeat until
 * the outbox is empty, a send must be retried later, or we are stopping.
 * Only the oldest report is ever in flight, so reports arrive in sequence
 * order and one report that the store keeps refusing "for now" holds back
 * the newer ones behind it, as it must (the store orders by sequence).
 *
 * Logging never repeats per report: the first failure of a series, then at
 * most one line per PUSH_LOG_EVERY_S with a count of what was suppressed,
 * and one line when deliveries resume. Neither the token nor the request
 * headers are ever formatted into anything.
 */
#include "push.h"

#include "../collectors/curlopt.h"
#include "../common/clock.h"
#include "../common/expo.h"
#include "../common/hostid.h"
#include "../common/log.h"
#include "../common/sync.h"
#include "../common/safefile.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PUSH_BODY_MAX (REPORT_MAX_BYTES + 64 * 1024) /* gzip of incompressible data grows a bit */

const char *const push_result_names[PUSH_RESULT_COUNT] = { "stored", "duplicate", "stale",
                                                           "retry",  "rejected",  "unauthorized" };

struct push {
    struct outbox *ob; /* the agent's; outlives us */
    char *url, *token_file, *tls_ca, *tls_cert, *tls_key;
    uint64_t base_ms, cap_ms, connect_ms, total_ms;

    pthread_t thread;
    bool started;
    atomic_bool stopping; /* also read by libcurl's progress callback, without the lock */

    pthread_mutex_t lock; /* guards the fields down to `stats` */
    pthread_cond_t cond;  /* CLOCK_MONOTONIC; signalled by push_wake and push_stop */
    bool wake;
    char token[PUSH_TOKEN_MAX + 1];
    unsigned token_gen; /* bumped by each (re)load */
    struct push_stats stats;

    /* Push thread only (and push_start before the thread exists). */
    CURL *curl;
    struct curl_slist *headers;
    unsigned headers_gen;
    struct buf response;
    char curl_err[CURL_ERROR_SIZE];
    unsigned failures; /* consecutive retries; 0 after a delivery */
    struct log_limiter retry_limiter, reject_limiter, outbox_limiter;
};

const char *push_result_name(enum push_result r)
{
    return (unsigned)r < PUSH_RESULT_COUNT ? push_result_names[r] : "unknown";
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool is_trailing_space(char c)
{
    return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

int push_read_token(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
    char data[PUSH_TOKEN_MAX + 2];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read the token file %s: %s", path, strerror(errno));
        return -1;
    }
    if (safefile_check_fd(fd, path, "token file", err, errlen) != 0) {
        close(fd);
        return -1;
    }
    size_t n = 0;
    while (n < sizeof(data)) {
        ssize_t r = read(fd, data + n, sizeof(data) - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read the token file %s: %s", path, strerror(errno));
            close(fd);
            explicit_bzero(data, sizeof(data));
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    int rc = -1;
    while (n > 0 && is_trailing_space(data[n - 1]))
        n--;
    if (n > PUSH_TOKEN_MAX || n + 1 > outlen) {
        snprintf(err, errlen, "the token in %s is longer than %d bytes", path, PUSH_TOKEN_MAX);
        goto out;
    }
    if (n == 0) {
        snprintf(err, errlen, "the token file %s is empty", path);
        goto out;
    }
    if (!visible_ascii(data, n)) {
        snprintf(err, errlen,
                 "the token in %s holds a byte that cannot go in an HTTP header (want "
                 "one line of visible ASCII)",
                 path);
        goto out;
    }
    memcpy(out, data, n);
    out[n] = '\0';
    rc = 0;
out:
    explicit_bzero(data, sizeof(data));
    return rc;
}

/* Frees a header list after wiping the strings (one of them holds the token). */
static void free_headers(struct curl_slist *h)
{
    for (struct curl_slist *s = h; s != NULL; s = s->next) {
        if (s->data != NULL)
            explicit_bzero(s->data, strlen(s->data));
    }
    curl_slist_free_all(h);
}

/* (Re)builds the request headers when the token changed. Push thread. Returns 0 or -1. */
static int refresh_headers(struct push *p)
{
    char auth[PUSH_TOKEN_MAX + 32];
    pthread_mutex_lock(&p->lock);
    unsigned gen = p->token_gen;
    if (p->headers != NULL && gen == p->headers_gen) {
        pthread_mutex_unlock(&p->lock);
        return 0;
    }
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", p->token);
    pthread_mutex_unlock(&p->lock);

    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-protobuf");
    struct curl_slist *t = h ? curl_slist_append(h, "Content-Encoding: gzip") : NULL;
    t = t ? curl_slist_append(t, "Expect:") : NULL; /* no 100-continue round trip */
    t = t ? curl_slist_append(t, auth) : NULL;
    explicit_bzero(auth, sizeof(auth));
    if (t == NULL) {
        free_headers(h);
        return -1;
    }
    free_headers(p->headers);
    p->headers = t;
    p->headers_gen = gen;
    return curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, p->headers) == CURLE_OK ? 0 : -1;
}

static size_t on_response(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct push *p = userdata;
    size_t n = size * nmemb;
    /* Keep what fits under the cap; the rest is read and ignored. */
    size_t room = p->response.max > p->response.len ? p->response.max - p->response.len : 0;
    (void)buf_append(&p->response, data, n < room ? n : room);
    return n;
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct push *p = clientp;
    return atomic_load(&p->stopping) ? 1 : 0; /* non-zero aborts the transfer */
}

/* One line of the store's complaint: {"error": "..."} or the body's first line, cut. */
static void error_text(const struct buf *body, char *out, size_t outlen)
{
    out[0] = '\0';
    if (body->data == NULL || body->len == 0)
        return;
    cJSON *root = cJSON_ParseWithLength(body->data, body->len);
    const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "error"));
    if (msg != NULL)
        snprintf(out, outlen, "%.*s", PUSH_ERROR_TEXT_MAX, msg);
    else {
        size_t line = strcspn(body->data, "\r\n");
        snprintf(out, outlen, "%.*s",
                 (int)(line < PUSH_ERROR_TEXT_MAX ? line : PUSH_ERROR_TEXT_MAX), body->data);
    }
    cJSON_Delete(root);
    for (char *c = out; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    }
}

/* The result of a 2xx from its {"status": ...}; "stored" when absent or unknown. */
static enum push_result delivered_result(const struct buf *body)
{
    enum push_result r = PUSH_STORED;
    if (body->data == NULL || body->len == 0)
        return r;
    cJSON *root = cJSON_ParseWithLength(body->data, body->len);
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "status"));
    if (s != NULL && strcmp(s, "duplicate") == 0)
        r = PUSH_DUPLICATE;
    else if (s != NULL && strcmp(s, "stale") == 0)
        r = PUSH_STALE;
    cJSON_Delete(root);
    return r;
}

enum send_outcome { SEND_DELIVERED, SEND_RETRY, SEND_UNAUTHORIZED, SEND_REJECTED, SEND_STOPPED };

struct send_answer {
    long status;             /* HTTP status, 0 when there was no answer */
    enum push_result result; /* for SEND_DELIVERED */
    uint64_t retry_after_ms; /* Retry-After, 0 when absent */
    char why[320];           /* one line, for the logs */
};

/* Sends one report and classifies the answer. Push thread. */
static enum send_outcome send_report(struct push *p, const struct outbox_item *item,
                                     struct send_answer *ans)
{
    memset(ans, 0, sizeof(*ans));
    struct buf gz;
    buf_init(&gz, PUSH_BODY_MAX);
    if (gzip_compress(item->body, item->len, &gz) != 0) {
        snprintf(ans->why, sizeof(ans->why), "cannot compress the report (no memory?)");
        buf_free(&gz);
        return SEND_RETRY;
    }
    if (refresh_headers(p) != 0) {
        snprintf(ans->why, sizeof(ans->why), "cannot build the request headers (no memory?)");
        buf_free(&gz);
        return SEND_RETRY;
    }
    buf_reset(&p->response);
    p->curl_err[0] = '\0';
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, gz.data);
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)gz.len);
    CURLcode rc = curl_easy_perform(p->curl);
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, (char *)NULL);
    buf_free(&gz);

    if (atomic_load(&p->stopping) && rc != CURLE_OK)
        return SEND_STOPPED;
    if (rc != CURLE_OK) {
        snprintf(ans->why, sizeof(ans->why), "%s",
                 p->curl_err[0] ? p->curl_err : curl_easy_strerror(rc));
        return SEND_RETRY;
    }
    curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &ans->status);
    curl_off_t retry_after = 0;
    if (curl_easy_getinfo(p->curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
        retry_after > 0)
        ans->retry_after_ms = (uint64_t)retry_after * 1000;

    if (ans->status >= 200 && ans->status < 300) {
        ans->result = delivered_result(&p->response);
        return SEND_DELIVERED;
    }
    char text[PUSH_ERROR_TEXT_MAX + 1];
    error_text(&p->response, text, sizeof(text));
    snprintf(ans->why, sizeof(ans->why), "HTTP %ld%s%s", ans->status, text[0] ? ": " : "", text);
    if (ans->status == 429 || ans->status == 408 || ans->status >= 500 || ans->status < 400)
        return SEND_RETRY;
    if (ans->status == 401 || ans->status == 403)
        return SEND_UNAUTHORIZED; /* configuration, fixed later: never a reason to drop */
    return SEND_REJECTED;
}

/* Full jitter: uniform in [0, min(cap, base * 2^(failures-1))), at least Retry-After. */
static uint64_t backoff_ms(const struct push *p, unsigned failures, uint64_t retry_after_ms)
{
    uint64_t ceiling = p->base_ms;
    for (unsigned i = 1; i < failures && ceiling < p->cap_ms; i++)
        ceiling *= 2;
    if (ceiling > p->cap_ms)
        ceiling = p->cap_ms;
    uint64_t r = 0;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
        r = mono_ms() * 2654435761u; /* no entropy yet: any spread will do */
    uint64_t delay = ceiling > 0 ? r % ceiling : 0;
    if (delay < retry_after_ms)
        delay = retry_after_ms;
    if (delay > p->cap_ms)
        delay = p->cap_ms;
    return delay;
}

static void count(struct push *p, enum push_result r, bool success)
{
    pthread_mutex_lock(&p->lock);
    p->stats.results[r]++;
    if (success)
        p->stats.last_success = clock_wall_seconds();
    pthread_mutex_unlock(&p->lock);
}

/* Schedules the next attempt after a failure; returns the monotonic deadline. */
static uint64_t schedule_retry(struct push *p, const struct outbox_item *item,
                               uint64_t retry_after_ms, const char *why)
{
    char err[512];
    p->failures++;
    uint64_t delay = backoff_ms(p, p->failures, retry_after_ms);
    if (item != NULL && outbox_note_attempt(p->ob, item->id,
                                            (int64_t)(clock_wall_seconds() * 1000) + (int64_t)delay,
                                            err, sizeof(err)) != 0)
        log_ratelimited(&p->outbox_limiter, LOG_LEVEL_WARN, "%s", err);
    if (p->failures == 1) {
        log_warnx("cannot deliver report (sequence %llu) to the store: %s; retrying in %.1fs",
                  item ? (unsigned long long)item->sequence : 0ULL, why, (double)delay / 1000.0);
        p->retry_limiter.last = time(NULL);
        p->retry_limiter.dropped = 0;
    } else {
        log_ratelimited(&p->retry_limiter, LOG_LEVEL_WARN,
                        "still cannot deliver report (sequence %llu) after %u attempts: %s; "
                        "retrying in %.1fs",
                        item ? (unsigned long long)item->sequence : 0ULL, p->failures, why,
                        (double)delay / 1000.0);
    }
    return mono_ms() + delay;
}

/*
 * Sends queued reports oldest first until the outbox is empty (returns 0),
 * a retry is due later (returns its monotonic deadline) or we are stopping.
 */
static uint64_t drain(struct push *p)
{
    char err[512];
    while (!atomic_load(&p->stopping)) {
        struct outbox_item item;
        int found = outbox_peek_oldest(p->ob, &item, err, sizeof(err));
        if (found < 0) {
            log_ratelimited(&p->outbox_limiter, LOG_LEVEL_WARN, "%s", err);
            p->failures++;
            return mono_ms() + backoff_ms(p, p->failures, 0);
        }
        if (found == 0)
            return 0;

        /*
         * Keep the connection while a backlog drains; close it after the last
         * queued report, so a fleet's agents do not each hold an idle
         * connection on the store until their next collection.
         */
        uint64_t queued = 0;
        char count_err[128];
        bool last = outbox_count(p->ob, &queued, count_err, sizeof(count_err)) == 0 && queued <= 1;
        curl_easy_setopt(p->curl, CURLOPT_FORBID_REUSE, last ? 1L : 0L);

        struct send_answer ans;
        enum send_outcome out = send_report(p, &item, &ans);
        char hex[REPORT_ID_HEX_LEN + 1];
        report_id_hex(item.report_id, hex);
        switch (out) {
        case SEND_STOPPED:
            outbox_item_free(&item);
            return 0;
        case SEND_DELIVERED:
            count(p, ans.result, true);
            if (p->failures > 0)
                log_info("store reachable again: report (sequence %llu) delivered after %u "
                         "failed attempts",
                         (unsigned long long)item.sequence, p->failures);
            p->failures = 0;
            log_debug("report %s (sequence %llu) %s by the store", hex,
                      (unsigned long long)item.sequence, push_result_name(ans.result));
            if (outbox_delete(p->ob, item.id, err, sizeof(err)) != 0) {
                /* Not deleted: it would be sent again at once; the store dedupes, but wait. */
                log_ratelimited(&p->outbox_limiter, LOG_LEVEL_WARN, "%s", err);
                outbox_item_free(&item);
                p->failures++;
                return mono_ms() + backoff_ms(p, p->failures, 0);
            }
            break;
        case SEND_REJECTED:
            count(p, PUSH_REJECTED, false);
            p->failures = 0; /* the store answered: it is reachable */
            log_ratelimited(&p->reject_limiter, LOG_LEVEL_WARN,
                            "the store rejected report %s (sequence %llu) with %s; dropped (it "
                            "will never be accepted)",
                            hex, (unsigned long long)item.sequence, ans.why);
            if (outbox_drop(p->ob, item.id, OUTBOX_DROP_REJECTED, err, sizeof(err)) != 0) {
                log_ratelimited(&p->outbox_limiter, LOG_LEVEL_WARN, "%s", err);
                outbox_item_free(&item);
                p->failures++;
                return mono_ms() + backoff_ms(p, p->failures, 0);
            }
            break;
        case SEND_RETRY: {
            count(p, PUSH_RETRY, false);
            uint64_t at = schedule_retry(p, &item, ans.retry_after_ms, ans.why);
            outbox_item_free(&item);
            return at;
        }
        case SEND_UNAUTHORIZED: {
            count(p, PUSH_UNAUTHORIZED, false);
            char why[sizeof(ans.why) + 128];
            snprintf(why, sizeof(why),
                     "%s (the store does not accept this agent's credential: check "
                     "--push.token-file and the store's tokens; the report is kept)",
                     ans.why);
            uint64_t at = schedule_retry(p, &item, ans.retry_after_ms, why);
            outbox_item_free(&item);
            return at;
        }
        }
        outbox_item_free(&item);
    }
    return 0;
}

static void deadline_of(uint64_t at_ms, struct timespec *ts)
{
    ts->tv_sec = (time_t)(at_ms / 1000);
    ts->tv_nsec = (long)(at_ms % 1000) * 1000000L;
}

static void *push_main(void *arg)
{
    struct push *p = arg;
    uint64_t retry_at = 0; /* monotonic ms; 0 = no backoff pending */
    bool work = true;      /* drain what a previous run left at once */
    for (;;) {
        pthread_mutex_lock(&p->lock);
        for (;;) {
            if (atomic_load(&p->stopping))
                break;
            if (p->wake) {
                p->wake = false;
                work = true;
            }
            if (retry_at != 0) {
                if (mono_ms() >= retry_at) {
                    retry_at = 0;
                    work = true;
                    break;
                }
                struct timespec ts;
                deadline_of(retry_at, &ts);
                pthread_cond_timedwait(&p->cond, &p->lock, &ts);
                continue;
            }
            if (work)
                break;
            pthread_cond_wait(&p->cond, &p->lock);
        }
        pthread_mutex_unlock(&p->lock);
        if (atomic_load(&p->stopping))
            break;
        work = false;
        retry_at = drain(p);
    }
    return NULL;
}

/* Sets one option; false (with err) if libcurl refuses it. */
#define SETOPT(opt, val)                                              \
    do {                                                              \
        if (curl_easy_setopt(p->curl, opt, val) != CURLE_OK) {        \
            snprintf(err, errlen, "libcurl refused option %s", #opt); \
            return -1;                                                \
        }                                                             \
    } while (0)

static int setup_curl(struct push *p, char *err, size_t errlen)
{
    p->curl = curl_easy_init();
    if (p->curl == NULL) {
        snprintf(err, errlen, "cannot start libcurl");
        return -1;
    }
    /* no proxy there: the token goes to the store and nowhere else */
    if (curlopt_common(p->curl, err, errlen) != 0)
        return -1;
    SETOPT(CURLOPT_URL, p->url);
    SETOPT(CURLOPT_POST, 1L);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)p->connect_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, (long)p->total_ms);
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(CURLOPT_WRITEFUNCTION, on_response);
    SETOPT(CURLOPT_WRITEDATA, p);
    SETOPT(CURLOPT_NOPROGRESS, 0L);
    SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
    SETOPT(CURLOPT_XFERINFODATA, p);
    SETOPT(CURLOPT_ERRORBUFFER, p->curl_err);
    /* Without --push.tls-ca, the system's CAs. */
    return curlopt_tls(p->curl, p->tls_ca, p->tls_cert, p->tls_key, err, errlen);
}

static char *dup_opt(const char *s, bool *nomem)
{
    if (s == NULL || s[0] == '\0')
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *nomem = true;
    return d;
}

static void push_free(struct push *p)
{
    if (p == NULL)
        return;
    if (p->curl != NULL)
        curl_easy_cleanup(p->curl);
    free_headers(p->headers);
    buf_free(&p->response);
    explicit_bzero(p->token, sizeof(p->token));
    free(p->url);
    free(p->token_file);
    free(p->tls_ca);
    free(p->tls_cert);
    free(p->tls_key);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

int push_validate_url(const char *url, char *err, size_t errlen)
{
    const char *rest = NULL;
    if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    if (rest == NULL) {
        snprintf(err, errlen, "want an http:// or https:// URL");
        return -1;
    }
    for (const char *c = url; *c != '\0'; c++) {
        if ((unsigned char)*c <= 0x20 || *c == 0x7f) {
            snprintf(err, errlen, "the URL holds a space or a control character");
            return -1;
        }
    }
    size_t authority = strcspn(rest, "/?#");
    if (authority == 0) {
        snprintf(err, errlen, "the URL has no host");
        return -1;
    }
    if (memchr(rest, '@', authority) != NULL) {
        snprintf(err, errlen, "credentials do not go in the URL: use --push.token-file");
        return -1;
    }
    return 0;
}

struct push *push_start(const struct push_options *opts, struct outbox *ob, char *err,
                        size_t errlen)
{
    if (opts->url == NULL || opts->token_file == NULL) {
        snprintf(err, errlen, "pushing needs a URL and a token file");
        return NULL;
    }
    if (push_validate_url(opts->url, err, errlen) != 0)
        return NULL;
    struct push *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sync_init_monotonic(&p->lock, &p->cond);
    atomic_init(&p->stopping, false);
    buf_init(&p->response, PUSH_RESPONSE_MAX);
    p->ob = ob;
    p->base_ms = opts->backoff_base_ms ? opts->backoff_base_ms : PUSH_BACKOFF_BASE_MS;
    p->cap_ms = opts->backoff_cap_ms ? opts->backoff_cap_ms : PUSH_BACKOFF_CAP_MS;
    p->connect_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms : PUSH_CONNECT_TIMEOUT_MS;
    p->total_ms = opts->total_timeout_ms ? opts->total_timeout_ms : PUSH_TOTAL_TIMEOUT_MS;
    p->retry_limiter.every_s = PUSH_LOG_EVERY_S;
    p->reject_limiter.every_s = PUSH_LOG_EVERY_S;
    p->outbox_limiter.every_s = PUSH_LOG_EVERY_S;

    bool nomem = false;
    p->url = dup_opt(opts->url, &nomem);
    p->token_file = dup_opt(opts->token_file, &nomem);
    p->tls_ca = dup_opt(opts->tls_ca, &nomem);
    p->tls_cert = dup_opt(opts->tls_cert, &nomem);
    p->tls_key = dup_opt(opts->tls_key, &nomem);
    if (nomem || p->url == NULL || p->token_file == NULL) {
        snprintf(err, errlen, nomem ? "out of memory" : "pushing needs a URL and a token file");
        push_free(p);
        return NULL;
    }
    if (push_read_token(p->token_file, p->token, sizeof(p->token), err, errlen) != 0 ||
        setup_curl(p, err, errlen) != 0) {
        push_free(p);
        return NULL;
    }
    p->token_gen = 1;
    int rc = pthread_create(&p->thread, NULL, push_main, p);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the push thread: %s", strerror(rc));
        push_free(p);
        return NULL;
    }
    p->started = true;
    return p;
}

void push_wake(struct push *p)
{
    if (p == NULL)
        return;
    sync_raise(&p->lock, &p->cond, &p->wake);
}

int push_reload_token(struct push *p, char *err, size_t errlen)
{
    char token[PUSH_TOKEN_MAX + 1];
    if (push_read_token(p->token_file, token, sizeof(token), err, errlen) != 0)
        return -1;
    pthread_mutex_lock(&p->lock);
    if (strcmp(token, p->token) != 0) {
        memcpy(p->token, token, strlen(token) + 1);
        p->token_gen++;
    }
    pthread_mutex_unlock(&p->lock);
    explicit_bzero(token, sizeof(token));
    return 0;
}

void push_stats_read(struct push *p, struct push_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->stats;
    pthread_mutex_unlock(&p->lock);
}

void push_stop(struct push *p)
{
    if (p == NULL)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->lock);
        atomic_store(&p->stopping, true);
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
    }
    push_free(p);
}
