/*
 * push.h - the thread that delivers queued reports to dockward-store.
 *
 * One thread, owned by the agent, drains the outbox oldest first over one
 * libcurl handle (so the connection is kept alive between reports):
 *
 *   POST <--push.url>
 *   Authorization: Bearer <token>           (--push.token-file)
 *   Content-Type: application/x-protobuf
 *   Content-Encoding: gzip                  (the stored report, compressed)
 *
 * and acts on the answer as the store's contract says:
 *   2xx                         delivered: delete; result stored, duplicate
 *                               or stale from the body's {"status": ...}
 *   429, 5xx, 408, timeout,     retry the same (oldest) report later, after
 *   connection or TLS error,    a backoff with full jitter: a random delay
 *   any other non-4xx           in [0, min(cap, base * 2^failures)), at
 *                               least Retry-After when the store sent one;
 *                               base 1 s, cap 5 min, reset by a delivery
 *   401, 403                    a credential the store does not accept (a
 *                               wrong token, basic auth configured on the
 *                               store's ingest, a host bound to another
 *                               credential): a configuration problem that
 *                               gets fixed, so the report is KEPT and
 *                               retried with the same backoff, counted as
 *                               "unauthorized" and logged (rate-limited);
 *                               the outbox cap still bounds the disk
 *   any other 4xx               rejected for good: drop (counted), log the
 *                               status and the store's error text
 * The thread sleeps until the scheduler wakes it (push_wake, after an
 * enqueue) or its backoff timer ends; a wake during a backoff does not cut
 * the backoff short, so a store that is down is not hammered once a minute.
 *
 * The token is read once at start and again on push_reload_token (SIGHUP);
 * a trailing newline is trimmed. It lives only in this struct and in the
 * request header, and is never logged, counted or put in an error.
 *
 * Stopping: push_stop sets a flag that libcurl's progress callback checks,
 * so a transfer in flight is aborted within about a second and the thread
 * exits; the report stays queued for the next start.
 *
 * Ownership: struct push owns its thread, its curl handle (push thread
 * only) and a mutex that guards the token, the wake/stop flags and the
 * counters; the outbox belongs to the agent and outlives the push thread.
 */
#ifndef DOCKWARD_PUSH_H
#define DOCKWARD_PUSH_H

#include "outbox.h"

#include <stddef.h>
#include <stdint.h>

#define PUSH_CONNECT_TIMEOUT_MS 5000
#define PUSH_TOTAL_TIMEOUT_MS   30000
#define PUSH_BACKOFF_BASE_MS    1000
#define PUSH_BACKOFF_CAP_MS     (5 * 60 * 1000)
#define PUSH_TOKEN_MAX          4096        /* bytes of a bearer token */
#define PUSH_RESPONSE_MAX       (64 * 1024) /* bytes of the store's answer kept */
#define PUSH_ERROR_TEXT_MAX     200         /* bytes of the store's error quoted in a log line */
#define PUSH_LOG_EVERY_S        300 /* "still failing" / "rejected" lines at most this often */

/* How one send ended (dockward_report_push_total{result}). */
enum push_result {
    PUSH_STORED = 0,
    PUSH_DUPLICATE,
    PUSH_STALE,
    PUSH_RETRY,
    PUSH_REJECTED,
    PUSH_UNAUTHORIZED,
};
#define PUSH_RESULT_COUNT 6

/* "stored", "duplicate", "stale", "retry", "rejected", "unauthorized". */
const char *push_result_name(enum push_result r);
/* The results' names, in the enum's order. */
extern const char *const push_result_names[PUSH_RESULT_COUNT];

struct push_options {
    const char *url;        /* http:// or https:// */
    const char *token_file; /* required */
    const char *tls_ca;     /* NULL: the system's CAs */
    const char *tls_cert;   /* client certificate; with tls_key */
    const char *tls_key;
    /* For tests only (no flag sets them); 0 = the PUSH_* defaults above. */
    uint64_t backoff_base_ms;
    uint64_t backoff_cap_ms;
    uint64_t connect_timeout_ms;
    uint64_t total_timeout_ms;
};

/* Counters for the metrics, as of the call. */
struct push_stats {
    uint64_t results[PUSH_RESULT_COUNT];
    double last_success; /* wall clock of the last 2xx, seconds since the epoch; 0 = never */
};

/*
 * Reads a token file: at most PUSH_TOKEN_MAX bytes, trailing whitespace (the
 * newline) trimmed, non-empty, visible ASCII only (no byte that could break
 * the header). Returns 0 with the token in out, or -1 with a reason in err
 * that names the file and never quotes the token.
 */
int push_read_token(const char *path, char *out, size_t outlen, char *err, size_t errlen);

/*
 * Whether `url` is http:// or https:// with a host, no credentials
 * (user:password@ would end up in logs) and no spaces. Returns 0, or -1 with
 * err. Usable as a flag validator.
 */
int push_validate_url(const char *url, char *err, size_t errlen);

/*
 * Reads the token, sets up libcurl and starts the thread, which drains what
 * the outbox already holds at once. Returns the running push (stop it with
 * push_stop), or NULL with err. curl_global_init must have run.
 */
struct push *push_start(const struct push_options *opts, struct outbox *ob, char *err,
                        size_t errlen);

/* Tells the thread a report was queued (no-op during a backoff). */
void push_wake(struct push *p);

/*
 * Re-reads the token file. Returns 0, or -1 with err, in which case the old
 * token stays in use.
 */
int push_reload_token(struct push *p, char *err, size_t errlen);

/* Copies the counters. */
void push_stats_read(struct push *p, struct push_stats *out);

/* Stops the thread (aborting a transfer in flight), joins it and frees. NULL is a no-op. */
void push_stop(struct push *p);

#endif
