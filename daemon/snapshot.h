/*
 * snapshot.h - the agent's metric set: what one collection (and the report
 * pipeline, the event stream, the web config and the waivers) says, built
 * by the scheduler thread after each collection and rendered into a
 * common/snapshot.h snapshot - every format, every format gzip-compressed -
 * that the agent's slot serves until the next one.
 */
#ifndef DOCKWARD_DAEMON_SNAPSHOT_H
#define DOCKWARD_DAEMON_SNAPSHOT_H

#include "../common/expo.h"
#include "../common/snapshot.h"
#include "collection.h"
#include "outbox.h"
#include "push.h"

#define SNAPSHOT_BODY_MAX (64u * 1024 * 1024) /* cap on one rendered body */

/*
 * The report pipeline's figures as of one collection (--push.url set): the
 * push thread's counters, the outbox's, and the scheduler's report errors.
 * A plain value copied out under each owner's lock.
 */
struct report_metrics {
    uint64_t push[PUSH_RESULT_COUNT];
    double last_success; /* 0 = never */
    uint64_t outbox_reports;
    uint64_t dropped[OUTBOX_DROP_COUNT];
    uint64_t sequence;
    uint64_t errors[REPORT_ERROR_COUNT];
};

/*
 * Fills `rm` from the outbox and the push thread (either may be NULL) and
 * the scheduler's own counts of reports not built (`scheduler_errors`,
 * indexed by enum report_error, may be NULL); outbox errors are the
 * outbox's own count.
 */
void report_metrics_read(struct report_metrics *rm, struct outbox *ob, struct push *push,
                         const uint64_t *scheduler_errors);

/*
 * Builds the agent's metric set from `col` (and this process's figures, and
 * `rm` when reports are pushed, NULL otherwise) and renders it, every
 * format gzip-compressed too. Returns a snapshot holding one reference,
 * ready when `col` is a finished collection, or NULL with err.
 */
struct snapshot *snapshot_build(const struct agent_config *cfg, const struct collection *col,
                                const struct report_metrics *rm, char *err, size_t errlen);

/*
 * Adds the agent's metric families for `col` (and `rm`, may be NULL) to `e`
 * (exposed for tests). Returns 0 or -1.
 */
int agent_metrics_build(struct expo *e, const struct agent_config *cfg,
                        const struct collection *col, const struct report_metrics *rm);

#endif
