/*
 * agent_harness.h - what the agent's unit tests share to build a collection
 * by hand (as the scheduler would leave it) for the report, format, waiver
 * and push code: the collection itself and one collector's run in it, with
 * a sink to add that run's results. Header-only (static inline); include it
 * after <cmocka.h>, whose assertions it uses.
 */
#ifndef DOCKWARD_TEST_AGENT_HARNESS_H
#define DOCKWARD_TEST_AGENT_HARNESS_H

#include "collectors/collector.h"
#include "collectors/registry.h"
#include "daemon/collection.h"

#include <stdbool.h>

/* An empty finished collection started at 1700000000 (2023-11-14T22:13:20Z). */
static inline void agent_collection(struct collection *col)
{
    collection_init(col);
    col->done = true;
    col->started_at = 1700000000.0;
}

/*
 * Makes run i of col the run of the collector called `name` (which must
 * exist), with `success` and no results yet, and col->n_runs at least i + 1;
 * sink (unless NULL) then adds results to it. Returns the run.
 */
static inline struct collector_run *agent_run(struct collection *col, size_t i, const char *name,
                                              bool success, struct result_sink *sink)
{
    const struct collector *c = collector_lookup(name);
    assert_non_null(c);
    struct collector_run *run = &col->runs[i];
    run->collector = c;
    run->success = success;
    result_set_init(&run->results);
    if (sink != NULL)
        result_sink_init(sink, &run->results, c);
    if (col->n_runs < i + 1)
        col->n_runs = i + 1;
    return run;
}

#endif
