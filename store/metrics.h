/*
 * metrics.h - the store's /metrics: live counters, per-check figures, and
 * the snapshot a scrape is served from.
 *
 * Three kinds of figures, three owners:
 * - ingest counters and the latency histogram: atomics, bumped by the
 *   request threads as they answer;
 * - per check, hosts failing it and regressions: kept by the writer thread
 *   after each COMMIT from what the diff found (seeded from the database at
 *   start), under `lock`;
 * - the hosts' compliance histogram, the lowest ratio and hosts by state:
 *   read from the hosts table by the refresher thread, which rebuilds the whole metric set every
 *   --metrics.refresh-interval into an immutable snapshot and swaps it into
 *   the slot. A scrape only picks bytes from the current snapshot: it never
 *   runs a fleet-wide query, and never compresses.
 *
 * Both formats are rendered every refresh (common/snapshot.h); a format's
 * gzip body only once a client has asked for it gzip-encoded (the slot
 * remembers). Until then such a client gets the identity body, which
 * Accept-Encoding allows. With
 * --metrics.per-host a fleet's body is megabytes, and compressing it at
 * zlib's level 9 costs more than building it: it is done for what is scraped.
 *
 * Cardinality: one series per check - the CIS Docker Benchmark's ids
 * (common/cis_catalog.h, 117) and at most STORE_DOCKWARD_CHECKS_MAX of
 * dockward's own ("dockward.*"); any other id a report names is left out
 * and counted (dockward_store_checks_left_out_total), so invented ids can
 * never crowd real checks out - and fixed sets for the rest: the hosts'
 * compliance is a histogram of STORE_COMPLIANCE_BUCKETS buckets, so the body
 * does not grow with the fleet. Only --metrics.per-host (off by default)
 * adds one series per host.
 */
#ifndef DOCKWARD_STORE_METRICS_H
#define DOCKWARD_STORE_METRICS_H

#include "diff.h"

#include "../common/expo.h"
#include "../common/httpd.h"
#include "../common/snapshot.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define STORE_SNAPSHOT_BODY_MAX (256u * 1024 * 1024) /* cap on one rendered body */

enum ingest_result {
    INGEST_STORED = 0,
    INGEST_DUPLICATE,
    INGEST_STALE,
    INGEST_MALFORMED,    /* 400 */
    INGEST_UNAUTHORIZED, /* 401 */
    INGEST_TOO_LARGE,    /* 413 */
    INGEST_UNSUPPORTED,  /* 415 */
    INGEST_OVERLOADED,   /* 429 */
    INGEST_UNAVAILABLE,  /* 503 */
    INGEST_TOO_SLOW,     /* a body not received within STORE_BODY_SECONDS_MAX: closed */
    INGEST_FORBIDDEN,    /* 403: not an agent token, or another credential's host */
    INGEST_RESULT_COUNT
};

/* The `result` label value. */
const char *ingest_result_name(enum ingest_result r);

#define INGEST_BUCKETS 14 /* finite bounds of the latency histogram (metrics.c) */

/* Finite bounds of dockward_fleet_host_compliance_ratio (metrics.c). */
#define STORE_COMPLIANCE_BUCKETS 17
extern const double store_compliance_bounds[STORE_COMPLIANCE_BUCKETS];

struct check_figure {
    char *check_id;
    int64_t failing_hosts;
    int64_t waived_hosts; /* hosts with a waived result of the check now */
    uint64_t regressions;
};

struct store_metrics {
    atomic_uint_fast64_t ingest[INGEST_RESULT_COUNT];
    atomic_uint_fast64_t duration_bucket[INGEST_BUCKETS + 1]; /* per bucket, last = over */
    atomic_uint_fast64_t duration_count;
    atomic_uint_fast64_t duration_sum_ns;
    atomic_uint_fast64_t drift_events;  /* since start */
    atomic_uint_fast64_t hosts_retired; /* since start, by age or by an admin */
    /* Query and admin API requests refused: [0] 401 no valid token, [1] 403 wrong role. */
    atomic_uint_fast64_t api_refused[2];
    /* Reads of the database that failed: [0] query API answers (5xx), [1] metrics refreshes. */
    atomic_uint_fast64_t read_errors[2];

    /* The web config's counters (bumped by the HTTP threads); rendered when web_enabled. */
    struct httpd_web_counters web;
    bool web_enabled;
    /* --metrics.per-host: also one compliance series per host (set before the refresher starts). */
    bool per_host;

    pthread_mutex_t lock;        /* guards the per-check figures below */
    struct check_figure *checks; /* sorted by check_id */
    size_t n_checks, cap_checks;
    size_t n_dockward; /* of the figures, ids "dockward.*" (bounded) */
    uint64_t
        checks_left_out; /* updates for ids not tracked (not CIS, or dockward.* past the cap) */
};

void store_metrics_init(struct store_metrics *m);
void store_metrics_destroy(struct store_metrics *m);

/* One answered ingest request: its result and how long it took. */
void store_metrics_observe(struct store_metrics *m, enum ingest_result r, double seconds);

/* Start-up: a check's figures as the database holds them. */
void store_metrics_seed_check(struct store_metrics *m, const char *check, uint64_t failing_hosts,
                              uint64_t regressions, uint64_t waived_hosts);

/* After a COMMIT: what one stored report changed. */
void store_metrics_apply(struct store_metrics *m, const struct diff_result *d);
/*
 * Several replicas: the figures are the database's (the refresher reads
 * them); a stored report's check ids given no series are counted here.
 */
void store_metrics_note_checks(struct store_metrics *m, const struct diff_result *d);

/* Copies of a check's figures (for tests); false when the check is unknown. */
bool store_metrics_check(struct store_metrics *m, const char *check, int64_t *failing_hosts,
                         uint64_t *regressions);

struct storage_reader;
struct storage_target;

/*
 * Adds every store metric family to `e`, reading hosts through `reader`
 * (the refresher's, storage.h) as of `now_ms`; `storage_path` is SQLite's
 * file (its size is a metric), NULL on PostgreSQL. Returns 0 or -1 with err.
 */
int store_metrics_build(struct expo *e, struct store_metrics *m, struct storage_reader *reader,
                        const char *storage_path, uint64_t stale_after_ms, int64_t now_ms,
                        char *err, size_t errlen);

/*
 * Builds and renders a snapshot (common/snapshot.h; one reference), gzip
 * bodies for the formats flagged in `gzip`, or NULL with err.
 */
struct snapshot *store_snapshot_build(struct store_metrics *m, struct storage_reader *reader,
                                      const char *storage_path, uint64_t stale_after_ms,
                                      const bool gzip[EXPO_FORMAT_COUNT], char *err, size_t errlen);

struct store_refresher;

/*
 * Builds the first snapshot now (so /metrics answers from the start), then
 * starts the thread that rebuilds it every `every_ms`, on its own reader of
 * `target` (whose strings must outlive it). On PostgreSQL each refresh
 * also reads the per-check figures from the database (several replicas
 * write them). Returns 0 or -1.
 */
int store_refresher_start(struct store_refresher **out, struct store_metrics *m,
                          struct snapshot_slot *slot, const struct storage_target *target,
                          uint64_t stale_after_ms, uint64_t every_ms, char *err, size_t errlen);
void store_refresher_stop(struct store_refresher *r);

#endif
