/*
 * metrics.c - counters, per-check figures, the snapshot and its refresher;
 * see metrics.h for who owns what.
 *
 * The metric names are the contract in docs/metrics.md's table (dashboards
 * and alert rules use them). Rendering is common/expo's and the snapshot
 * common/snapshot's, the agent's too: one builder per refresh, rendered once
 * per format (and gzip-compressed for the formats scraped so), so a scrape
 * is a lookup of the negotiated bytes.
 */
#include "metrics.h"

#include "db.h"
#include "storage.h"
#include "store.h"

#include "../common/buf.h"
#include "../common/cis_catalog.h"
#include "../common/log.h"
#include "../common/sync.h"
#include "../common/procstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double ingest_bounds[INGEST_BUCKETS] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.25,  0.5,
                                                      1,      2.5,   5,      10 };

static const char *const ingest_names[INGEST_RESULT_COUNT] = {
    "stored",      "duplicate",  "stale",       "malformed", "unauthorized", "too_large",
    "unsupported", "overloaded", "unavailable", "too_slow",  "forbidden",
};

const char *ingest_result_name(enum ingest_result r)
{
    return (unsigned)r < INGEST_RESULT_COUNT ? ingest_names[r] : "unknown";
}

void store_metrics_init(struct store_metrics *m)
{
    memset(m, 0, sizeof(*m));
    for (int i = 0; i < INGEST_RESULT_COUNT; i++)
        atomic_init(&m->ingest[i], 0);
    for (int i = 0; i <= INGEST_BUCKETS; i++)
        atomic_init(&m->duration_bucket[i], 0);
    atomic_init(&m->duration_count, 0);
    atomic_init(&m->duration_sum_ns, 0);
    atomic_init(&m->drift_events, 0);
    atomic_init(&m->hosts_retired, 0);
    atomic_init(&m->api_refused[0], 0);
    atomic_init(&m->api_refused[1], 0);
    atomic_init(&m->read_errors[0], 0);
    atomic_init(&m->read_errors[1], 0);
    httpd_web_counters_init(&m->web);
    pthread_mutex_init(&m->lock, NULL);
}

void store_metrics_destroy(struct store_metrics *m)
{
    for (size_t i = 0; i < m->n_checks; i++)
        free(m->checks[i].check_id);
    free(m->checks);
    m->checks = NULL;
    m->n_checks = m->cap_checks = 0;
    pthread_mutex_destroy(&m->lock);
}

void store_metrics_observe(struct store_metrics *m, enum ingest_result r, double seconds)
{
    if ((unsigned)r < INGEST_RESULT_COUNT)
        atomic_fetch_add(&m->ingest[r], 1);
    if (!(seconds >= 0))
        seconds = 0;
    size_t b = 0;
    while (b < INGEST_BUCKETS && seconds > ingest_bounds[b])
        b++;
    atomic_fetch_add(&m->duration_bucket[b], 1);
    atomic_fetch_add(&m->duration_count, 1);
    atomic_fetch_add(&m->duration_sum_ns, (uint_fast64_t)(seconds * 1e9));
}

/* The figure for `check`, created when missing (NULL past the cap or on no memory). */
static struct check_figure *check_get(struct store_metrics *m, const char *check)
{
    size_t lo = 0, hi = m->n_checks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->checks[mid].check_id, check);
        if (c == 0)
            return &m->checks[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /*
     * Only the benchmark's ids (a fixed 117) and a bounded number of
     * dockward's own get a series: first come first served would let one
     * report of junk ids take the places of real checks for good.
     */
    bool dockward = cis_catalog_is_dockward(check);
    if (!cis_catalog_has(check) && !(dockward && m->n_dockward < STORE_DOCKWARD_CHECKS_MAX)) {
        m->checks_left_out++;
        return NULL;
    }
    if (array_grow(&m->checks, m->n_checks, &m->cap_checks, sizeof(*m->checks), 64) != 0)
        return NULL;
    char *id = strdup(check);
    if (id == NULL)
        return NULL;
    memmove(m->checks + lo + 1, m->checks + lo, (m->n_checks - lo) * sizeof(*m->checks));
    m->checks[lo] = (struct check_figure){ .check_id = id };
    m->n_checks++;
    m->n_dockward += dockward;
    return &m->checks[lo];
}

void store_metrics_seed_check(struct store_metrics *m, const char *check, uint64_t failing_hosts,
                              uint64_t regressions, uint64_t waived_hosts)
{
    pthread_mutex_lock(&m->lock);
    struct check_figure *f = check_get(m, check);
    if (f != NULL) {
        f->failing_hosts = (int64_t)failing_hosts;
        f->regressions = regressions;
        f->waived_hosts = (int64_t)waived_hosts;
    }
    pthread_mutex_unlock(&m->lock);
}

void store_metrics_apply(struct store_metrics *m, const struct diff_result *d)
{
    if (d->n_checks == 0)
        return;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < d->n_checks; i++) {
        struct check_figure *f = check_get(m, d->checks[i].check_id);
        if (f == NULL)
            continue;
        f->failing_hosts += d->checks[i].failing_delta;
        if (f->failing_hosts < 0)
            f->failing_hosts = 0;
        f->regressions += d->checks[i].regressions;
        f->waived_hosts += d->checks[i].waived_delta;
        if (f->waived_hosts < 0)
            f->waived_hosts = 0;
    }
    pthread_mutex_unlock(&m->lock);
}

void store_metrics_note_checks(struct store_metrics *m, const struct diff_result *d)
{
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < d->n_checks; i++)
        check_get(m, d->checks[i].check_id); /* counts an id left out, as apply does */
    pthread_mutex_unlock(&m->lock);
}

bool store_metrics_check(struct store_metrics *m, const char *check, int64_t *failing_hosts,
                         uint64_t *regressions)
{
    bool found = false;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->n_checks; i++) {
        if (strcmp(m->checks[i].check_id, check) == 0) {
            *failing_hosts = m->checks[i].failing_hosts;
            *regressions = m->checks[i].regressions;
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return found;
}

/* ---- building the metric set ---- */

/* A counter family with one label: the sample {key="values[i]"} counts counts[i], i < n. */
static int counter_by(struct expo *e, const char *family, const char *help, const char *key,
                      const char *const *values, const atomic_uint_fast64_t *counts, size_t n)
{
    uint64_t now[INGEST_RESULT_COUNT]; /* the longest of the store's counter arrays */
    if (n > INGEST_RESULT_COUNT)
        return -1;
    for (size_t i = 0; i < n; i++)
        now[i] = atomic_load(&counts[i]);
    int rc = expo_family(e, family, METRIC_COUNTER, help); /* first: the samples need it */
    rc |= expo_samples_by(e, family, key, values, now, n);
    return rc;
}

static int build_ingest(struct expo *e, struct store_metrics *m, const char *storage_path)
{
    int rc = 0;
    rc |= counter_by(e, "dockward_store_ingest_total", "Report pushes answered, by result.",
                     "result", ingest_names, m->ingest, INGEST_RESULT_COUNT);
    double cum[INGEST_BUCKETS];
    double running = 0;
    for (int b = 0; b < INGEST_BUCKETS; b++) {
        running += (double)atomic_load(&m->duration_bucket[b]);
        cum[b] = running;
    }
    double count = running + (double)atomic_load(&m->duration_bucket[INGEST_BUCKETS]);
    double total = (double)atomic_load(&m->duration_count);
    if (total > count)
        count = total; /* observed between the loads: count what the buckets hold */
    double sum = (double)atomic_load(&m->duration_sum_ns) / 1e9;
    rc |= expo_family(e, "dockward_store_ingest_duration_seconds", METRIC_HISTOGRAM,
                      "Time from a report push's headers to its answer (after COMMIT when "
                      "stored).");
    rc |= expo_histogram(e, "dockward_store_ingest_duration_seconds", NULL, 0, ingest_bounds, cum,
                         INGEST_BUCKETS, sum, count);
    rc |= expo_family(e, "dockward_store_drift_events_total", METRIC_COUNTER,
                      "Drift events recorded since the store started.");
    rc |= expo_sample(e, "dockward_store_drift_events_total", NULL, 0,
                      (double)atomic_load(&m->drift_events));
    rc |= expo_family(e, "dockward_store_hosts_retired_total", METRIC_COUNTER,
                      "Hosts retired since the store started (silent for --host.retire-after, "
                      "or by an admin).");
    rc |= expo_sample(e, "dockward_store_hosts_retired_total", NULL, 0,
                      (double)atomic_load(&m->hosts_retired));
    static const char *const refused[2] = { "unauthorized", "forbidden" };
    rc |= counter_by(e, "dockward_store_api_refused_total",
                     "Query and admin API requests refused, by reason: unauthorized (401, no "
                     "valid credential), forbidden (403, a credential of another role).",
                     "reason", refused, m->api_refused, 2);
    static const char *const readers[2] = { "api", "metrics" };
    rc |= counter_by(e, "dockward_store_database_read_errors_total",
                     "Reads of the database (or --storage.read-url) that failed, by reader: "
                     "api (a query API answer, 5xx), metrics (a fleet metrics refresh).",
                     "reader", readers, m->read_errors, 2);
    if (storage_path != NULL) { /* SQLite's; PostgreSQL's size is the server's to tell */
        rc |= expo_family(e, "dockward_store_database_bytes", METRIC_GAUGE,
                          "Size of the SQLite database file and its write-ahead log.");
        rc |= expo_sample(e, "dockward_store_database_bytes", NULL, 0,
                          store_db_size_bytes(storage_path));
    }
    return rc;
}

static int build_checks(struct expo *e, struct store_metrics *m)
{
    int rc = 0;
    rc |= expo_family(e, "dockward_fleet_check_failing_hosts", METRIC_GAUGE,
                      "Hosts failing the check now (at least one target).");
    rc |= expo_family(e, "dockward_fleet_regressions_total", METRIC_COUNTER,
                      "Pairs (host, target) whose status went to fail from pass, from absent or "
                      "from waived (an expired waiver).");
    rc |= expo_family(e, "dockward_fleet_check_waived_hosts", METRIC_GAUGE,
                      "Hosts with a result of the check that a live waiver accepts now.");
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->n_checks; i++) {
        struct metric_label l[] = { EXPO_LABEL("check", m->checks[i].check_id) };
        rc |= expo_sample(e, "dockward_fleet_check_failing_hosts", l, 1,
                          (double)m->checks[i].failing_hosts);
        rc |= expo_sample(e, "dockward_fleet_regressions_total", l, 1,
                          (double)m->checks[i].regressions);
        rc |= expo_sample(e, "dockward_fleet_check_waived_hosts", l, 1,
                          (double)m->checks[i].waived_hosts);
    }
    double left_out = (double)m->checks_left_out;
    pthread_mutex_unlock(&m->lock);
    rc |= expo_family(e, "dockward_store_checks_left_out_total", METRIC_COUNTER,
                      "Per-check updates for check ids that get no fleet series (not a CIS "
                      "Docker Benchmark id, or past the cap on dockward.* ids), since start.");
    rc |= expo_sample(e, "dockward_store_checks_left_out_total", NULL, 0, left_out);
    return rc;
}

/*
 * The bounds of the compliance histogram. Every threshold the rules and
 * dashboards count "hosts at or below" (0.5, 0.7, 0.8, 0.9, 0.95; 1 is
 * _count) is a bound, so those counts are exact; the rest only sharpen
 * histogram_quantile. A ratio is pass / (pass + fail) computed in double,
 * the same division the bounds' literals round like (9 / 10 <= 0.9).
 */
const double store_compliance_bounds[STORE_COMPLIANCE_BUCKETS] = {
    0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.975, 0.99, 1,
};

/* The refresher's statements. */
enum refresh_stmt { REFRESH_HOSTS, REFRESH_CHECKS, REFRESH_COUNT };
static const char *const refresh_sql[REFRESH_COUNT] = {
    [REFRESH_HOSTS] = "SELECT host_id, hostname, last_seen_ms, n_pass, n_fail FROM hosts "
                      "WHERE retired_ms = 0",
    [REFRESH_CHECKS] = "SELECT check_id, failing_hosts, regressions, waived_hosts FROM checks",
};

/*
 * Several replicas (PostgreSQL): each replica's figures are the
 * database's, read whole each refresh, so every replica serves the same
 * ones whichever wrote the reports. Ids the writer would not give a series
 * are left out here without counting them again each refresh.
 */
static int load_checks(struct store_metrics *m, struct storage_reader *reader, char *err,
                       size_t errlen)
{
    if (storage_read_begin(reader) != 0) {
        snprintf(err, errlen, "reading per-check figures: %s", storage_errmsg(reader));
        return -1;
    }
    struct storage_stmt *st = storage_stmt(reader, REFRESH_CHECKS);
    pthread_mutex_lock(&m->lock);
    const uint64_t left_out = m->checks_left_out;
    for (size_t i = 0; i < m->n_checks; i++) {
        m->checks[i].failing_hosts = 0;
        m->checks[i].regressions = 0;
        m->checks[i].waived_hosts = 0;
    }
    int step;
    while ((step = storage_step(st)) == STORAGE_ROW) {
        struct check_figure *f = check_get(m, storage_text(st, 0));
        if (f != NULL) {
            f->failing_hosts = storage_int(st, 1);
            f->regressions = (uint64_t)storage_int(st, 2);
            f->waived_hosts = storage_int(st, 3);
        }
    }
    m->checks_left_out = left_out;
    pthread_mutex_unlock(&m->lock);
    storage_reset(st);
    storage_read_end(reader);
    if (step != STORAGE_DONE) {
        snprintf(err, errlen, "reading per-check figures: %s", storage_errmsg(reader));
        return -1;
    }
    return 0;
}

static int build_hosts(struct expo *e, struct store_metrics *m, struct storage_reader *reader,
                       uint64_t stale_after_ms, int64_t now_ms, char *err, size_t errlen)
{
    struct storage_stmt *st = storage_stmt(reader, REFRESH_HOSTS);
    int rc = 0;
    rc |= expo_family(e, "dockward_fleet_hosts", METRIC_GAUGE,
                      "Hosts by state: reporting, or stale (no report within "
                      "--host.stale-after).");
    rc |= expo_family(e, "dockward_fleet_host_compliance_ratio", METRIC_HISTOGRAM,
                      "Hosts by compliance ratio (passed / (passed + failed) over the host's "
                      "current results); hosts with neither are not counted.");
    rc |= expo_family(e, "dockward_fleet_lowest_host_compliance_ratio", METRIC_GAUGE,
                      "The lowest compliance ratio of any host; absent while no host has one.");
    if (m->per_host)
        rc |= expo_family(e, "dockward_fleet_per_host_compliance_ratio", METRIC_GAUGE,
                          "passed / (passed + failed) over the host's current results "
                          "(--metrics.per-host: one series per host).");
    double reporting = 0, stale = 0;
    double per_bucket[STORE_COMPLIANCE_BUCKETS] = { 0 };
    double count = 0, sum = 0, lowest = 2;
    int step;
    while ((step = storage_step(st)) == STORAGE_ROW) {
        int64_t seen = storage_int(st, 2);
        if (now_ms - seen > (int64_t)stale_after_ms)
            stale++;
        else
            reporting++;
        double pass = (double)storage_int(st, 3);
        double fail = (double)storage_int(st, 4);
        if (!(pass + fail > 0))
            continue;
        double ratio = pass / (pass + fail);
        size_t b = 0;
        while (b < STORE_COMPLIANCE_BUCKETS && ratio > store_compliance_bounds[b])
            b++;
        if (b < STORE_COMPLIANCE_BUCKETS)
            per_bucket[b]++;
        count++;
        sum += ratio;
        if (ratio < lowest)
            lowest = ratio;
        if (m->per_host) {
            struct metric_label l[] = {
                EXPO_LABEL("host_id", storage_text(st, 0)),
                EXPO_LABEL("hostname", storage_text(st, 1)),
            };
            rc |= expo_sample(e, "dockward_fleet_per_host_compliance_ratio", l, 2, ratio);
        }
    }
    storage_reset(st);
    if (step != STORAGE_DONE) {
        snprintf(err, errlen, "reading hosts: %s", storage_errmsg(reader));
        return -1;
    }
    double cum[STORE_COMPLIANCE_BUCKETS];
    double running = 0;
    for (size_t b = 0; b < STORE_COMPLIANCE_BUCKETS; b++) {
        running += per_bucket[b];
        cum[b] = running;
    }
    rc |= expo_histogram(e, "dockward_fleet_host_compliance_ratio", NULL, 0,
                         store_compliance_bounds, cum, STORE_COMPLIANCE_BUCKETS, sum, count);
    if (count > 0)
        rc |= expo_sample(e, "dockward_fleet_lowest_host_compliance_ratio", NULL, 0, lowest);
    struct metric_label r[] = { EXPO_LABEL("state", "reporting") },
                        s[] = { EXPO_LABEL("state", "stale") };
    rc |= expo_sample(e, "dockward_fleet_hosts", r, 1, reporting);
    rc |= expo_sample(e, "dockward_fleet_hosts", s, 1, stale);
    if (rc != 0)
        snprintf(err, errlen, "some host metrics could not be built");
    return rc == 0 ? 0 : -1;
}

int store_metrics_build(struct expo *e, struct store_metrics *m, struct storage_reader *reader,
                        const char *storage_path, uint64_t stale_after_ms, int64_t now_ms,
                        char *err, size_t errlen)
{
    int rc = procstat_metrics_build(e);
    rc |= build_ingest(e, m, storage_path);
    rc |= build_checks(e, m);
    if (m->web_enabled)
        rc |= httpd_web_counters_render(e, &m->web, "dockward_store_");
    if (rc != 0)
        snprintf(err, errlen, "some store metrics could not be built");
    if (storage_read_begin(reader) != 0) {
        atomic_fetch_add(&m->read_errors[1], 1);
        snprintf(err, errlen, "reading hosts: %s", storage_errmsg(reader));
        return -1;
    }
    if (build_hosts(e, m, reader, stale_after_ms, now_ms, err, errlen) != 0)
        rc = -1;
    storage_read_end(reader);
    return rc == 0 ? 0 : -1;
}

/* ---- the snapshot ---- */

struct snapshot *store_snapshot_build(struct store_metrics *m, struct storage_reader *reader,
                                      const char *storage_path, uint64_t stale_after_ms,
                                      const bool gzip[EXPO_FORMAT_COUNT], char *err, size_t errlen)
{
    struct expo *e = expo_new();
    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char sub[256];
    if (store_metrics_build(e, m, reader, storage_path, stale_after_ms, store_now_ms(), sub,
                            sizeof(sub)) != 0)
        log_warnx("metrics: %s; serving what could be built", sub);
    struct snapshot *s = snapshot_render(e, gzip, STORE_SNAPSHOT_BODY_MAX, err, errlen);
    expo_free(e);
    return s;
}

/* ---- the refresher thread ---- */

struct store_refresher {
    struct store_metrics *metrics;
    struct snapshot_slot *slot;
    struct storage_reader *reader; /* the refresher thread's own connection */
    const char *storage_path;      /* SQLite's file; NULL on PostgreSQL */
    bool shared; /* PostgreSQL: the per-check figures are read from the database each refresh */
    uint64_t stale_after_ms, every_ms;
    pthread_mutex_t lock; /* guards stop */
    pthread_cond_t wake;
    bool stop;
    pthread_t thread;
    struct log_limiter limiter; /* refresher thread only */
};

static int refresh(struct store_refresher *r, char *err, size_t errlen)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool gzip[EXPO_FORMAT_COUNT];
    snapshot_slot_gzip_wanted(r->slot, gzip);
    /*
     * A database that cannot be read (PostgreSQL down, a standby of
     * --storage.read-url down) leaves the per-check figures as last read
     * and the hosts' families out, counted; the store's own metrics are
     * still published.
     */
    int rc = 0;
    if (r->shared && load_checks(r->metrics, r->reader, err, errlen) != 0) {
        atomic_fetch_add(&r->metrics->read_errors[1], 1);
        rc = -1;
    }
    char sub[256];
    struct snapshot *s = store_snapshot_build(r->metrics, r->reader, r->storage_path,
                                              r->stale_after_ms, gzip, sub, sizeof(sub));
    if (s == NULL) {
        snprintf(err, errlen, "%s", sub);
        return -1;
    }
    snapshot_slot_publish(r->slot, s);
    if (rc != 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    log_debug("metrics refreshed in %.1f ms (text %zu bytes%s, OpenMetrics %zu bytes%s)",
              (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
              s->body[EXPO_TEXT][0].len, gzip[EXPO_TEXT] ? " +gzip" : "",
              s->body[EXPO_OPENMETRICS][0].len, gzip[EXPO_OPENMETRICS] ? " +gzip" : "");
    return 0;
}

static void *refresher_main(void *arg)
{
    struct store_refresher *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        struct timespec ts;
        clock_deadline_in(&ts, r->every_ms);
        while (!r->stop && pthread_cond_timedwait(&r->wake, &r->lock, &ts) == 0) {
        }
        if (r->stop)
            break;
        pthread_mutex_unlock(&r->lock);
        char err[256];
        if (refresh(r, err, sizeof(err)) != 0)
            log_ratelimited(&r->limiter, LOG_LEVEL_WARN, "metrics refresh: %s", err);
        pthread_mutex_lock(&r->lock);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

int store_refresher_start(struct store_refresher **out, struct store_metrics *m,
                          struct snapshot_slot *slot, const struct storage_target *target,
                          uint64_t stale_after_ms, uint64_t every_ms, char *err, size_t errlen)
{
    *out = NULL;
    struct store_refresher *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->metrics = m;
    r->slot = slot;
    r->storage_path = target->kind == STORAGE_SQLITE ? target->path : NULL;
    r->shared = target->kind == STORAGE_POSTGRES;
    r->stale_after_ms = stale_after_ms;
    r->every_ms = every_ms;
    r->limiter.every_s = 600;
    if (storage_reader_open(target, refresh_sql, REFRESH_COUNT, &r->reader, err, errlen) != 0) {
        free(r);
        return -1;
    }
    if (refresh(r, err, errlen) != 0) {
        storage_reader_close(r->reader);
        free(r);
        return -1;
    }
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    int rc = pthread_create(&r->thread, NULL, refresher_main, r);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the metrics thread: %s", strerror(rc));
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->wake);
        storage_reader_close(r->reader);
        free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void store_refresher_stop(struct store_refresher *r)
{
    if (r == NULL)
        return;
    sync_stop_join(&r->lock, &r->wake, &r->stop, r->thread);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->wake);
    storage_reader_close(r->reader);
    free(r);
}
