/*
 * snapshot.c - metric set of a collection, rendered once (see snapshot.h).
 *
 * The metric names and labels here are the contract in DESIGN.md and the
 * metrics table of docs/metrics.md; dashboards and alert rules depend on them, so a
 * change here is a change there.
 */
#include "snapshot.h"

#include "waivers.h"

#include "../collectors/registry.h"
#include "../common/log.h"
#include "../common/procstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_gauge(struct expo *e, const char *name, const char *help)
{
    return expo_family(e, name, METRIC_GAUGE, help);
}

static int build_collectors(struct expo *e, const struct collection *col)
{
    int rc = 0;
    rc |= add_gauge(e, "dockward_collector_success",
                    "1 when the collector ran at the last collection, 0 when it failed.");
    rc |= add_gauge(e, "dockward_collector_duration_seconds",
                    "How long the collector took at the last collection.");
    rc |= add_gauge(e, "dockward_collector_last_run_timestamp_seconds",
                    "When the collector last finished, seconds since the Unix epoch.");
    for (size_t i = 0; i < col->n_runs; i++) {
        const struct collector_run *run = &col->runs[i];
        struct metric_label l[] = { EXPO_LABEL("collector", run->collector->name) };
        rc |= expo_sample(e, "dockward_collector_success", l, 1, run->success ? 1 : 0);
        rc |= expo_sample(e, "dockward_collector_duration_seconds", l, 1, run->duration_seconds);
        rc |=
            expo_sample(e, "dockward_collector_last_run_timestamp_seconds", l, 1, run->finished_at);
    }
    return rc;
}

static int build_checks(struct expo *e, const struct agent_config *cfg,
                        const struct collection *col)
{
    int rc = 0;
    uint64_t per_status[CHECK_STATUS_COUNT] = { 0 };
    double passed = 0, failed = 0;

    rc |= add_gauge(e, "dockward_check_info",
                    "One series per check of the enabled collectors; its text lives here only.");
    rc |= add_gauge(e, "dockward_check_failing_targets",
                    "Targets failing the check at the last collection (0 = passing).");
    rc |= add_gauge(e, "dockward_check_failure", "1 for each target failing the check now.");
    rc |= add_gauge(e, "dockward_results", "Results of the last collection by status.");
    rc |= add_gauge(e, "dockward_check_waived_targets",
                    "Targets whose fail or warn of the check a live waiver accepts now; only "
                    "checks with one or more.");

    /* The catalog of every enabled collector, whether or not it ran. */
    for (size_t i = 0; i < collector_registry_len && i < AGENT_MAX_COLLECTORS; i++) {
        if (!cfg->enabled[i])
            continue;
        const struct collector *c = collector_registry[i];
        for (size_t k = 0; k < c->n_checks; k++) {
            const struct check_def *d = &c->checks[k];
            if (!agent_check_def_selected(cfg, d))
                continue;
            char level[8];
            snprintf(level, sizeof(level), "%d", d->level);
            struct metric_label l[] = { EXPO_LABEL("check", d->id),
                                        EXPO_LABEL("section", d->section),
                                        EXPO_LABEL("level", level),
                                        EXPO_LABEL("automated", d->automated ? "true" : "false"),
                                        EXPO_LABEL("title", d->title) };
            rc |= expo_sample(e, "dockward_check_info", l, 5, 1);
        }
    }

    for (size_t i = 0; i < col->n_runs; i++) {
        const struct collector_run *run = &col->runs[i];
        /* A collector that could not run has no verdicts: its series go absent. */
        if (!run->success)
            continue;
        const struct collector *c = run->collector;
        for (size_t k = 0; k < c->n_checks; k++) {
            const struct check_def *d = &c->checks[k];
            if (!agent_check_def_selected(cfg, d))
                continue;
            double failing = 0, waived = 0;
            for (size_t r = 0; r < run->results.len; r++) {
                const struct result *res = &run->results.items[r];
                if (res->check != d)
                    continue;
                per_status[res->status]++;
                waived += res->status == CHECK_WAIVED;
                if (res->status == CHECK_FAIL) {
                    failing++;
                    struct metric_label fl[] = { EXPO_LABEL("check", d->id),
                                                 EXPO_LABEL("target", res->target) };
                    rc |= expo_sample(e, "dockward_check_failure", fl, 2, 1);
                }
                if (d->automated && res->status == CHECK_PASS)
                    passed++;
                if (d->automated && res->status == CHECK_FAIL)
                    failed++;
            }
            struct metric_label l[] = { EXPO_LABEL("check", d->id) };
            rc |= expo_sample(e, "dockward_check_failing_targets", l, 1, failing);
            if (waived > 0)
                rc |= expo_sample(e, "dockward_check_waived_targets", l, 1, waived);
        }
    }
    rc |= expo_samples_by(e, "dockward_results", "status", check_status_names, per_status,
                          CHECK_STATUS_COUNT);
    /* No automated verdict yet: no ratio rather than a NaN or a made-up 1. */
    if (passed + failed > 0) {
        rc |= add_gauge(e, "dockward_compliance_ratio",
                        "passed / (passed + failed) over automated checks, each target once.");
        rc |= expo_sample(e, "dockward_compliance_ratio", NULL, 0, passed / (passed + failed));
    }
    return rc;
}

/* dockward_up and what the Docker daemon says it is. */
static int build_docker(struct expo *e, const struct collection *col)
{
    int rc = 0;
    if (!col->swept)
        return 0;
    const struct docker_sweep *sw = &col->sweep;
    rc |= add_gauge(e, "dockward_up", "1 when the Docker API answered at the last collection.");
    rc |= expo_sample(e, "dockward_up", NULL, 0, sw->ok ? 1 : 0);
    if (!sw->ok)
        return rc;
    struct metric_label l[] = {
        EXPO_LABEL("version", sw->version.version ? sw->version.version : ""),
        EXPO_LABEL("api_version", sw->api_version),
        EXPO_LABEL("storage_driver", sw->info.driver ? sw->info.driver : ""),
        EXPO_LABEL("logging_driver", sw->info.logging_driver ? sw->info.logging_driver : ""),
    };
    rc |= add_gauge(e, "dockward_engine_info", "What the Docker daemon reports; always 1.");
    rc |= expo_sample(e, "dockward_engine_info", l, 4, 1);
    return rc;
}

/* Figures collectors measured beside their verdicts: dockward_<name>{<label>}. */
static int build_measures(struct expo *e, const struct collection *col)
{
    int rc = 0;
    for (size_t i = 0; i < col->n_runs; i++) {
        const struct collector_run *run = &col->runs[i];
        if (!run->success)
            continue;
        for (size_t m = 0; m < run->results.n_measures; m++) {
            const struct measurement *ms = &run->results.measures[m];
            char name[128];
            int n = snprintf(name, sizeof(name), "dockward_%s", ms->def->name);
            if (n < 0 || (size_t)n >= sizeof(name))
                continue;
            rc |= add_gauge(e, name, ms->def->help);
            struct metric_label l[] = { EXPO_LABEL(ms->def->label, ms->label_value) };
            rc |=
                expo_sample(e, name, ms->def->label ? l : NULL, ms->def->label ? 1 : 0, ms->value);
        }
    }
    return rc;
}

void report_metrics_read(struct report_metrics *rm, struct outbox *ob, struct push *push,
                         const uint64_t *scheduler_errors)
{
    memset(rm, 0, sizeof(*rm));
    if (push != NULL) {
        struct push_stats ps;
        push_stats_read(push, &ps);
        memcpy(rm->push, ps.results, sizeof(rm->push));
        rm->last_success = ps.last_success;
    }
    if (ob != NULL) {
        struct outbox_stats os;
        outbox_stats_read(ob, &os);
        rm->outbox_reports = os.reports;
        memcpy(rm->dropped, os.dropped, sizeof(rm->dropped));
        rm->sequence = os.last_sequence;
        rm->errors[REPORT_ERROR_OUTBOX] = os.errors;
    }
    if (scheduler_errors != NULL) {
        rm->errors[REPORT_ERROR_HOST_ID] = scheduler_errors[REPORT_ERROR_HOST_ID];
        rm->errors[REPORT_ERROR_BUILD] = scheduler_errors[REPORT_ERROR_BUILD];
    }
}

/* The report pipeline: pushes, the outbox, errors (only when --push.url is set). */
static int build_reports(struct expo *e, const struct report_metrics *rm)
{
    int rc = 0;
    rc |= expo_family(e, "dockward_report_push_total", METRIC_COUNTER,
                      "Reports sent to the store, by outcome: stored, duplicate, stale (2xx), "
                      "retry (429, 5xx, no answer), rejected (other 4xx, dropped).");
    rc |= expo_samples_by(e, "dockward_report_push_total", "result", push_result_names, rm->push,
                          PUSH_RESULT_COUNT);
    rc |= add_gauge(e, "dockward_outbox_reports", "Reports queued in the outbox, not yet sent.");
    rc |= expo_sample(e, "dockward_outbox_reports", NULL, 0, (double)rm->outbox_reports);
    rc |= expo_family(e, "dockward_outbox_dropped_total", METRIC_COUNTER,
                      "Queued reports dropped undelivered: overflow (the oldest, at "
                      "--push.outbox-max-reports), rejected (the store refused it with a 4xx).");
    rc |= expo_samples_by(e, "dockward_outbox_dropped_total", "reason", outbox_drop_reason_names,
                          rm->dropped, OUTBOX_DROP_COUNT);
    rc |= add_gauge(e, "dockward_report_last_success_timestamp_seconds",
                    "When the store last accepted a report (2xx), seconds since the Unix "
                    "epoch; 0 = not since this process started.");
    rc |=
        expo_sample(e, "dockward_report_last_success_timestamp_seconds", NULL, 0, rm->last_success);
    rc |= add_gauge(e, "dockward_report_sequence",
                    "Sequence number of the last report queued (per host, kept across "
                    "restarts).");
    rc |= expo_sample(e, "dockward_report_sequence", NULL, 0, (double)rm->sequence);
    rc |= expo_family(e, "dockward_report_errors_total", METRIC_COUNTER,
                      "Collections whose report was not queued: host_id (no valid "
                      "/etc/machine-id), build (over a cap), outbox (database not writable).");
    rc |= expo_samples_by(e, "dockward_report_errors_total", "reason", report_error_names,
                          rm->errors, REPORT_ERROR_COUNT);
    return rc;
}

/* The event stream's figures (daemon mode): mode, events, lag, resyncs, API requests. */
static int build_realtime(struct expo *e, const struct realtime_metrics *rt)
{
    int rc = 0;
    rc |= add_gauge(e, "dockward_docker_mode",
                    "How the Docker state is kept current: events (the event stream is up) or "
                    "sweeps (full sweeps every --collection.interval); 1 for the current one.");
    const char *modes[] = { "events", "sweeps" };
    bool events = rt->events_enabled && rt->streaming;
    for (int m = 0; m < 2; m++) {
        struct metric_label l[] = { EXPO_LABEL("mode", modes[m]) };
        rc |= expo_sample(e, "dockward_docker_mode", l, 1, (m == 0) == events ? 1 : 0);
    }
    rc |= expo_family(e, "dockward_docker_api_requests_total", METRIC_COUNTER,
                      "Requests sent to the Docker API: sweeps, event updates and the event "
                      "stream.");
    rc |= expo_sample(e, "dockward_docker_api_requests_total", NULL, 0,
                      (double)(rt->api_requests + rt->stream_requests));
    if (!rt->events_enabled)
        return rc;
    rc |= expo_family(e, "dockward_docker_events_total", METRIC_COUNTER,
                      "Docker events received, by type.");
    rc |= expo_samples_by(e, "dockward_docker_events_total", "type", docker_event_type_names,
                          rt->received, DOCKER_EVENT_TYPE_COUNT);
    rc |= expo_family(e, "dockward_docker_events_invalid_total", METRIC_COUNTER,
                      "Lines of the event stream that were not events (the stream is reopened).");
    rc |= expo_sample(e, "dockward_docker_events_invalid_total", NULL, 0, (double)rt->invalid);
    rc |= expo_family(e, "dockward_docker_event_stream_failures_total", METRIC_COUNTER,
                      "Event streams that ended or could not be opened.");
    rc |= expo_sample(e, "dockward_docker_event_stream_failures_total", NULL, 0,
                      (double)rt->stream_failures);
    rc |= expo_family(e, "dockward_docker_events_replayed_total", METRIC_COUNTER,
                      "Events dockerd replayed from `since` after the stream was reopened.");
    rc |= expo_sample(e, "dockward_docker_events_replayed_total", NULL, 0, (double)rt->replayed);
    rc |= expo_family(e, "dockward_docker_judgements_total", METRIC_COUNTER,
                      "Changes from the event stream re-read, judged and published: a burst of "
                      "20, then at most 2 a second.");
    rc |= expo_sample(e, "dockward_docker_judgements_total", NULL, 0, (double)rt->judgements);
    rc |= expo_family(e, "dockward_docker_resyncs_total", METRIC_COUNTER,
                      "Full sweeps of the Docker API in events mode, by reason.");
    rc |= expo_samples_by(e, "dockward_docker_resyncs_total", "reason", docker_resync_reason_names,
                          rt->resyncs, DOCKER_RESYNC_REASON_COUNT);
    rc |= expo_family(e, "dockward_docker_event_lag_seconds", METRIC_HISTOGRAM,
                      "From a Docker event's time to the publication of the snapshot that "
                      "judged it.");
    double cum[REALTIME_LAG_BUCKETS];
    for (int b = 0; b < REALTIME_LAG_BUCKETS; b++)
        cum[b] = (double)rt->lag_le[b];
    rc |= expo_histogram(e, "dockward_docker_event_lag_seconds", NULL, 0, realtime_lag_bounds, cum,
                         REALTIME_LAG_BUCKETS, rt->lag_sum, (double)rt->lag_count);
    return rc;
}

int agent_metrics_build(struct expo *e, const struct agent_config *cfg,
                        const struct collection *col, const struct report_metrics *rm)
{
    int rc = procstat_metrics_build(e);
    rc |= build_docker(e, col);
    rc |= build_measures(e, col);
    rc |= build_collectors(e, col);
    rc |= build_checks(e, cfg, col);
    if (rm != NULL)
        rc |= build_reports(e, rm);
    if (col->realtime != NULL && col->swept)
        rc |= build_realtime(e, col->realtime);
    if (cfg->web_counters != NULL)
        rc |= httpd_web_counters_render(e, cfg->web_counters, "dockward_");
    rc |= waiver_book_metrics(cfg->waivers, e);
    return rc == 0 ? 0 : -1;
}

struct snapshot *snapshot_build(const struct agent_config *cfg, const struct collection *col,
                                const struct report_metrics *rm, char *err, size_t errlen)
{
    struct expo *e = expo_new();
    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (agent_metrics_build(e, cfg, col, rm) != 0)
        log_warnx("some metrics could not be built; they are left out of this collection");
    /* The agent's body is small: every format is compressed now, none lazily. */
    static const bool gzip[EXPO_FORMAT_COUNT] = { true, true };
    struct snapshot *s = snapshot_render(e, gzip, SNAPSHOT_BODY_MAX, err, errlen);
    expo_free(e);
    if (s != NULL)
        s->ready = col->done;
    return s;
}
