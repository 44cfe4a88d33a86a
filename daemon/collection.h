/*
 * collection.h - one run of every enabled collector, measured.
 *
 * The scheduler (and later `dockward check`) call collection_run(); the
 * result is a plain value owned by the caller: per collector, whether it ran,
 * how long it took, when, why it failed, and its results. Snapshots and
 * reports are built from it elsewhere; nothing here formats anything.
 */
#ifndef DOCKWARD_COLLECTION_H
#define DOCKWARD_COLLECTION_H

#include "agent.h"

#include "../collectors/docker.h"
#include "../common/clock.h"
#include "../collectors/docker_events.h"
#include "../collectors/dockerd_config.h"

struct collector_run {
    const struct collector *collector;
    bool success;
    double duration_seconds;
    double finished_at; /* wall clock, seconds since the epoch */
    char error[256];    /* why it failed; "" on success */
    struct result_set results;
};

/* Upper bounds of dockward_docker_event_lag_seconds. */
#define REALTIME_LAG_BUCKETS 10
extern const double realtime_lag_bounds[REALTIME_LAG_BUCKETS];

/*
 * The event stream's figures as of one publication (daemon mode), owned
 * by the scheduler thread and lent to the collection it publishes.
 */
struct realtime_metrics {
    bool events_enabled; /* --docker.events */
    bool streaming;      /* the stream is up: events mode, not sweeps */
    uint64_t received[DOCKER_EVENT_TYPE_COUNT];
    uint64_t invalid;
    uint64_t stream_failures;
    uint64_t replayed;   /* events older than their stream's connect: replayed from `since` */
    uint64_t judgements; /* changes from the stream judged and published (rate-limited) */
    uint64_t resyncs[DOCKER_RESYNC_REASON_COUNT];
    uint64_t lag_le[REALTIME_LAG_BUCKETS]; /* cumulative */
    uint64_t lag_count;
    double lag_sum;
    uint64_t api_requests;    /* requests into dockerd since start: sweeps and updates */
    uint64_t stream_requests; /* and the event watcher's (its /version and /events) */
};

struct collection {
    struct collector_run runs[AGENT_MAX_COLLECTORS];
    size_t n_runs;                 /* enabled collectors, in registry order */
    bool done;                     /* false for the empty collection served before the first run */
    bool swept;                    /* the Docker API was asked (an enabled collector needs it) */
    struct docker_sweep sweep;     /* valid when swept; sweep.ok says whether it answered */
    size_t containers_filtered;    /* left out by --container.include/--container.exclude */
    bool dockerd_loaded;           /* dockerd is valid (freed with the collection) */
    struct dockerd_config dockerd; /* read once, lent to every collector */
    char dockerd_error[256];       /* why it could not be read, when !dockerd_loaded */
    double started_at;             /* wall clock */
    struct docker_filtered filtered;         /* containers left out by --container.* */
    const struct realtime_metrics *realtime; /* lent by the scheduler; NULL = none */
};

/* An empty collection (no runs, done = false). */
void collection_init(struct collection *col);

/*
 * Sweeps the Docker API once when an enabled collector needs it, then runs
 * every enabled collector of `cfg` in registry order. A collector that fails
 * is recorded (success = false, error) and the others still run. Results of
 * checks not selected by --check.include/--check.exclude are dropped here,
 * and containers not selected by --container.* are dropped from the sweep
 * before any collector sees them.
 */
void collection_run(const struct agent_config *cfg, struct collection *col);

/*
 * collection_run() in place of the collection `col` holds (freed here),
 * taking from its sweep what an answer cannot have changed: the images
 * whose Id and tags are listed as before, and, when `same_daemon` (the
 * daemon has not restarted since: the event stream stayed open), /version.
 * The event stream's full sweeps use it; see docker_sweep_limits.
 */
void collection_rerun(const struct agent_config *cfg, struct collection *col, bool same_daemon);

/*
 * Runs the collectors of `col` again on the sweep it holds (brought up to
 * date by the event stream) without asking the Docker API anything:
 * only those that need Docker when `docker_only`, else all of them (and
 * dockerd's configuration is read again first). Each run is replaced.
 */
void collection_rejudge(const struct agent_config *cfg, struct collection *col, bool docker_only);

/* Whether --container.include/--container.exclude select `name` (arg: the config). */
bool collection_keep_container(void *cfg, const char *name);

void collection_free(struct collection *col);

/* The monotonic clock in seconds (the wall clock: common/clock.h). */
double clock_monotonic_seconds(void);

#endif
