/*
 * collection.c - runs the enabled collectors one after another and measures
 * each (see collection.h). Sequential on purpose: collectors read the same
 * host and the same Docker daemon, and a burst of parallel audits would load
 * the host more than it would save in latency; a collector that fails or is
 * slow delays the ones after it in this run but never stops them.
 */
#include "collection.h"

#include "../collectors/registry.h"

#include <string.h>
#include <time.h>

double clock_monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void collection_init(struct collection *col)
{
    memset(col, 0, sizeof(*col));
}

void collection_run(const struct agent_config *cfg, struct collection *col)
{
    struct collect_ctx ctx;
    agent_config_collect_ctx(cfg, &ctx);
    collection_init(col);

    for (size_t i = 0; i < collector_registry_len && i < AGENT_MAX_COLLECTORS; i++) {
        if (!cfg->enabled[i])
            continue;
        const struct collector *c = collector_registry[i];
        struct collector_run *run = &col->runs[col->n_runs++];
        struct result_sink sink;

        run->collector = c;
        result_set_init(&run->results);
        result_sink_init(&sink, &run->results, c);
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
    }
    col->done = true;
}

void collection_free(struct collection *col)
{
    for (size_t i = 0; i < col->n_runs; i++)
        result_set_free(&col->runs[i].results);
    col->n_runs = 0;
}
