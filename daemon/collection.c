/*
 * collection.c - runs the enabled collectors one after another and measures
 * each (see collection.h). Sequential on purpose: collectors read the same
 * host and the same Docker daemon, and a burst of parallel audits would load
 * the host more than it would save in latency; a collector that fails or is
 * slow delays the ones after it in this run but never stops them.
 */
#include "collection.h"

#include "../collectors/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double clock_monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void collection_init(struct collection *col)
{
    memset(col, 0, sizeof(*col));
}

/* Drops containers the configuration does not select (freeing them). */
static void filter_containers(const struct agent_config *cfg, struct collection *col)
{
    struct docker_sweep *sw = &col->sweep;
    size_t kept = 0;
    for (size_t i = 0; i < sw->n_containers; i++) {
        const char *name = sw->containers[i].name ? sw->containers[i].name : "";
        if (agent_container_selected(cfg, name)) {
            sw->containers[kept++] = sw->containers[i];
            continue;
        }
        /* Kept by id, so the event stream can tell it from a new container. */
        struct str_list *ids = &col->filtered.ids, *imgs = &col->filtered.image_ids;
        char **a = realloc(ids->items, (ids->len + 1) * sizeof(*a));
        if (a != NULL)
            ids->items = a;
        char **b = realloc(imgs->items, (imgs->len + 1) * sizeof(*b));
        if (b != NULL)
            imgs->items = b;
        if (a != NULL && b != NULL) {
            ids->items[ids->len++] = sw->containers[i].id;
            sw->containers[i].id = NULL;
            imgs->items[imgs->len++] = sw->containers[i].image_id;
            sw->containers[i].image_id = NULL;
        }
        docker_container_free(&sw->containers[i]);
        col->containers_filtered++;
    }
    sw->n_containers = kept;
}

/*
 * The whole sweep's time budget: the collection interval, clamped to
 * [DOCKER_REQUEST_TIMEOUT_MS, DOCKER_SWEEP_BUDGET_MAX_MS] (docker.h). A
 * Docker API that answers every request just under the request timeout
 * would otherwise hold the collection for requests * timeout.
 */
static long sweep_budget_ms(const struct agent_config *cfg)
{
    uint64_t ms = cfg->interval_ms;
    if (ms < DOCKER_REQUEST_TIMEOUT_MS)
        ms = DOCKER_REQUEST_TIMEOUT_MS;
    if (ms > DOCKER_SWEEP_BUDGET_MAX_MS)
        ms = DOCKER_SWEEP_BUDGET_MAX_MS;
    return (long)ms;
}

static void sweep_docker(const struct agent_config *cfg, struct collection *col,
                         struct docker_sweep *previous, bool same_daemon)
{
    struct docker_client_options opts = { .host = cfg->docker_host,
                                          .tls_ca = cfg->docker_tls_ca,
                                          .tls_cert = cfg->docker_tls_cert,
                                          .tls_key = cfg->docker_tls_key,
                                          .total_timeout_ms = sweep_budget_ms(cfg) };
    struct docker_sweep_limits limits = { .max_containers = (size_t)cfg->docker_max_containers,
                                          .previous = previous,
                                          .same_daemon = same_daemon };
    char err[256];
    col->swept = true;
    struct docker_client *client = docker_client_new(&opts, err, sizeof(err));
    if (client == NULL) {
        col->sweep.ok = false;
        snprintf(col->sweep.error, sizeof(col->sweep.error), "%s", err);
        return;
    }
    (void)docker_sweep_run_limited(client, &limits, &col->sweep); /* failure is in the sweep */
    docker_client_free(client);
    if (col->sweep.ok)
        filter_containers(cfg, col);
}

/* Drops the results of checks the configuration does not select. */
static void filter_results(const struct agent_config *cfg, struct result_set *set)
{
    size_t kept = 0;
    for (size_t i = 0; i < set->len; i++) {
        if (agent_check_def_selected(cfg, set->items[i].check)) {
            set->items[kept++] = set->items[i];
        } else {
            free(set->items[i].target);
            free(set->items[i].evidence);
        }
    }
    set->len = kept;
}

const double realtime_lag_bounds[REALTIME_LAG_BUCKETS] = { 0.05, 0.1, 0.25, 0.5, 1,
                                                           2,    5,   10,   30,  120 };

bool collection_keep_container(void *cfg, const char *name)
{
    return agent_container_selected(cfg, name);
}

/* dockerd's configuration: one /proc scan and one daemon.json read. */
static void load_dockerd(const struct agent_config *cfg, struct collection *col)
{
    if (col->dockerd_loaded)
        dockerd_config_free(&col->dockerd);
    col->dockerd_loaded =
        dockerd_config_load_for(cfg->rootfs, cfg->docker_host, &col->dockerd, col->dockerd_error,
                                sizeof(col->dockerd_error)) == 0;
}

/* Runs the enabled collectors (only the Docker ones when docker_only), replacing their runs. */
static void run_collectors(const struct agent_config *cfg, struct collection *col, bool docker_only)
{
    struct collect_ctx ctx;
    agent_config_collect_ctx(cfg, &ctx);
    ctx.now = col->started_at;
    if (col->dockerd_loaded)
        ctx.dockerd = &col->dockerd;
    else
        ctx.dockerd_error = col->dockerd_error;
    if (col->swept)
        ctx.docker = &col->sweep;

    size_t slot = 0;
    for (size_t i = 0; i < collector_registry_len && i < AGENT_MAX_COLLECTORS; i++) {
        if (!cfg->enabled[i])
            continue;
        const struct collector *c = collector_registry[i];
        struct collector_run *run = &col->runs[slot++];
        if (slot > col->n_runs)
            col->n_runs = slot;
        else if (docker_only && !c->needs_docker)
            continue;
        else
            result_set_free(&run->results);
        struct result_sink sink;

        run->collector = c;
        result_set_init(&run->results);
        result_sink_init(&sink, &run->results, c);
        run->error[0] = '\0';
        double start = clock_monotonic_seconds();
        int rc = c->collect(&ctx, &sink, run->error, sizeof(run->error));
        run->duration_seconds = clock_monotonic_seconds() - start;
        run->finished_at = clock_wall_seconds();
        run->success = rc == 0 && !sink.overflowed;
        if (rc == 0 && sink.overflowed)
            snprintf(run->error, sizeof(run->error), "more than %d results; the rest were dropped",
                     RESULT_MAX_PER_COLLECTOR);
        else if (rc != 0 && run->error[0] == '\0')
            snprintf(run->error, sizeof(run->error), "failed without a reason");
        else if (rc == 0)
            run->error[0] = '\0';
        filter_results(cfg, &run->results);
    }
    col->done = true;
}

static void run_after(const struct agent_config *cfg, struct collection *col,
                      struct docker_sweep *previous, bool same_daemon)
{
    collection_init(col);
    col->started_at = clock_wall_seconds();
    load_dockerd(cfg, col);

    bool need_docker = false;
    for (size_t i = 0; i < collector_registry_len && i < AGENT_MAX_COLLECTORS; i++)
        need_docker |= cfg->enabled[i] && collector_registry[i]->needs_docker;
    if (need_docker)
        sweep_docker(cfg, col, previous, same_daemon);
    run_collectors(cfg, col, false);
}

void collection_run(const struct agent_config *cfg, struct collection *col)
{
    run_after(cfg, col, NULL, false);
}

void collection_rerun(const struct agent_config *cfg, struct collection *col, bool same_daemon)
{
    /* Only what the next sweep may take is kept while it runs: the images and /version. */
    struct docker_sweep previous;
    memset(&previous, 0, sizeof(previous));
    if (col->swept && col->sweep.ok) {
        previous.ok = true;
        previous.images = col->sweep.images;
        previous.n_images = col->sweep.n_images;
        previous.version = col->sweep.version;
        memcpy(previous.api_version, col->sweep.api_version, sizeof(previous.api_version));
        col->sweep.images = NULL;
        col->sweep.n_images = 0;
        memset(&col->sweep.version, 0, sizeof(col->sweep.version));
    }
    collection_free(col);
    run_after(cfg, col, previous.ok ? &previous : NULL, same_daemon);
    docker_sweep_free(&previous);
}

void collection_rejudge(const struct agent_config *cfg, struct collection *col, bool docker_only)
{
    col->started_at = clock_wall_seconds();
    if (!docker_only)
        load_dockerd(cfg, col);
    run_collectors(cfg, col, docker_only);
}

void collection_free(struct collection *col)
{
    for (size_t i = 0; i < col->n_runs; i++)
        result_set_free(&col->runs[i].results);
    col->n_runs = 0;
    if (col->swept)
        docker_sweep_free(&col->sweep);
    col->swept = false;
    if (col->dockerd_loaded)
        dockerd_config_free(&col->dockerd);
    col->dockerd_loaded = false;
    docker_filtered_free(&col->filtered);
}
