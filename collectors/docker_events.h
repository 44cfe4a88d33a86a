/*
 * docker_events.h - Docker's event stream (GET /events) as the agent follows
 * it between full sweeps, and the incremental update of a sweep that the
 * events ask for.
 *
 * Parser. dockerd sends one JSON object per line for as long as the
 * connection lasts. docker_event_lines_feed() cuts the stream into lines
 * (each capped at DOCKER_EVENT_LINE_MAX: a longer one is garbage) and
 * docker_event_parse() reads one line into a struct docker_event: type,
 * action (cut at ':', so "exec_start: sh -c ..." is "exec_start" and no
 * command line is ever kept), the actor's id when it is a plain id, the
 * container of a network connect/disconnect, and the time. Attributes
 * (labels, environment-bearing names) are never kept.
 *
 * Watcher (a thread). docker_events_start() opens its own client, GETs
 * /events with a type filter (container, image, network, volume, daemon)
 * and folds what arrives into a set of pending changes: container ids to
 * re-inspect (deduplicated, at most DOCKER_EVENTS_PENDING_MAX, more = a
 * full sweep), and flags for images, networks, volumes and the daemon. It
 * calls `notify` after each change so the scheduler wakes; the scheduler
 * takes the changes with docker_events_take(). A stream that fails (no
 * answer within the request timeout, a non-2xx answer, a garbage line, a
 * line that stops half way for DOCKER_EVENTS_PARTIAL_MAX_MS, more than
 * DOCKER_EVENTS_RATE_MAX events in a second, the server closing it) is
 * closed and opened again after a backoff (1 s doubling to 10 s), with
 * `since` set to the last event's time, so nothing is lost across the
 * reconnect. A reconnect whose replay reaches the size of dockerd's own
 * event buffer (DOCKER_EVENTS_RING) may have missed events: it asks for a
 * full sweep (reason "gap"). dockerd sends nothing while nothing happens,
 * so silence between events is healthy, never a stall.
 *
 * Ownership: the watcher owns its thread, its client and a mutex that
 * guards the pending changes and the counters; docker_events_take() and
 * docker_events_stats() copy out under it. notify runs in the watcher's
 * thread with no lock of ours held.
 *
 * docker_sweep_apply() (scheduler thread) re-reads what the changes name
 * with the scheduler's own client and updates a sweep in place, so that it
 * equals what a fresh sweep would hold.
 */
#ifndef DOCKWARD_DOCKER_EVENTS_H
#define DOCKWARD_DOCKER_EVENTS_H

#include "docker.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOCKER_EVENT_LINE_MAX        (64u * 1024) /* bytes of one event line */
#define DOCKER_EVENT_ID_MAX          128          /* bytes of an id we keep */
#define DOCKER_EVENTS_PENDING_MAX    4096         /* container ids waiting; more = full sweep */
#define DOCKER_EVENTS_TIMES_MAX      1024         /* event times kept for the lag histogram */
#define DOCKER_EVENTS_RATE_MAX       2000         /* events in one second; more = a flood */
#define DOCKER_EVENTS_PARTIAL_MAX_MS 5000         /* a line begun must end within this */
#define DOCKER_EVENTS_RING           256          /* events dockerd keeps for `since` */
#define DOCKER_EVENTS_BACKOFF_MIN_MS 1000
#define DOCKER_EVENTS_BACKOFF_MAX_MS 30000
#define DOCKER_EVENTS_STABLE_MS      30000 /* a stream up this long resets the backoff */

enum docker_event_type {
    DOCKER_EVENT_CONTAINER = 0,
    DOCKER_EVENT_IMAGE,
    DOCKER_EVENT_NETWORK,
    DOCKER_EVENT_VOLUME,
    DOCKER_EVENT_DAEMON,
    DOCKER_EVENT_OTHER,
    DOCKER_EVENT_TYPE_COUNT
};

struct docker_event {
    enum docker_event_type type;
    char action[32];                         /* "create", "exec_start", ... (cut at ':') */
    char id[DOCKER_EVENT_ID_MAX + 1];        /* Actor.ID when a plain id, else "" */
    char container[DOCKER_EVENT_ID_MAX + 1]; /* network (dis)connect: the container, else "" */
    int64_t time_nano;                       /* timeNano (or time * 1e9); 0 when absent */
};

/*
 * Reads one event line (without its newline). Returns 0, or -1 with err
 * when it is not a JSON object with a string Type and Action ("not JSON",
 * "no Type"). Never keeps more than the struct holds.
 */
int docker_event_parse(const char *line, size_t len, struct docker_event *ev, char *err,
                       size_t errlen);

/* "container", "image", "network", "volume", "daemon", "other": bounded metric labels. */
const char *docker_event_type_name(enum docker_event_type t);
/* The types' names, in the enum's order. */
extern const char *const docker_event_type_names[DOCKER_EVENT_TYPE_COUNT];

/* Whether an event can change what a sweep holds (exec_*, attach, top, ... cannot). */
bool docker_event_relevant(const struct docker_event *ev);

/* The partial line between two feeds; init with docker_event_lines_init(). */
struct docker_event_lines {
    struct buf partial;
};

void docker_event_lines_init(struct docker_event_lines *l);
void docker_event_lines_free(struct docker_event_lines *l);

/*
 * Appends `data` and calls on_line for each complete line (empty lines are
 * skipped). Returns 0; -1 when a line is longer than DOCKER_EVENT_LINE_MAX
 * or memory ran out; or what a non-zero on_line returned, at once.
 */
int docker_event_lines_feed(struct docker_event_lines *l, const char *data, size_t len,
                            int (*on_line)(void *arg, const char *line, size_t len), void *arg);

/* Why a full sweep runs (dockward_docker_resyncs_total{reason}). */
enum docker_resync_reason {
    DOCKER_RESYNC_START = 0, /* the first sweep */
    DOCKER_RESYNC_INTERVAL,  /* --docker.resync-interval, the safety net */
    DOCKER_RESYNC_FALLBACK,  /* the stream is down: sweeps on --collection.interval */
    DOCKER_RESYNC_GAP,       /* a reconnect could not bridge the gap */
    DOCKER_RESYNC_OVERFLOW,  /* more pending changes than DOCKER_EVENTS_PENDING_MAX */
    DOCKER_RESYNC_ERROR,     /* an incremental update could not be made */
    DOCKER_RESYNC_REASON_COUNT
};

const char *docker_resync_reason_name(enum docker_resync_reason r);
/* The reasons' names, in the enum's order. */
extern const char *const docker_resync_reason_names[DOCKER_RESYNC_REASON_COUNT];

/* What changed since the last docker_events_take(). */
struct docker_changes {
    struct str_list containers; /* ids to re-inspect, each once */
    bool images, networks, volumes, daemon;
    bool full; /* a full sweep is needed (full_reason) */
    enum docker_resync_reason full_reason;
    double event_times[DOCKER_EVENTS_TIMES_MAX]; /* wall seconds of the events folded in */
    size_t n_event_times;
    size_t events; /* relevant events folded in */
};

/* True when there is nothing to do. */
bool docker_changes_empty(const struct docker_changes *ch);
void docker_changes_free(struct docker_changes *ch);

struct docker_events_stats {
    bool streaming; /* connected and reading */
    uint64_t received[DOCKER_EVENT_TYPE_COUNT];
    uint64_t invalid;  /* lines that were not events */
    uint64_t connects; /* streams opened (each is one request, plus /version) */
    uint64_t failures; /* streams that ended in an error */
    uint64_t replayed; /* events older than their stream's connect: replayed from `since` */
    uint64_t requests; /* API requests the watcher made */
    char error[256];   /* why the last stream ended, "" if it has not */
};

struct docker_events;

/*
 * Starts the watcher thread on `opts->host` (total_timeout_ms is ignored:
 * a stream has no end). `notify(arg)` is called after every change to the
 * pending set and when the stream goes up or down. Returns the watcher, or
 * NULL with err.
 */
struct docker_events *docker_events_start(const struct docker_client_options *opts,
                                          void (*notify)(void *arg), void *notify_arg, char *err,
                                          size_t errlen);

/* Stops the thread (it leaves the stream within about a second) and frees everything. */
void docker_events_stop(struct docker_events *ev);

/* Moves the pending changes into `out` (which it overwrites) and clears them. */
void docker_events_take(struct docker_events *ev, struct docker_changes *out);

/* Copies the counters. */
void docker_events_stats(struct docker_events *ev, struct docker_events_stats *out);

/*
 * Brings `sweep` (a successful one) up to date with `ch`, with `client`
 * (negotiated): each named container is inspected again and replaced,
 * added or (404) removed; images, networks, volumes and /info+/version are
 * read again whole when flagged. Containers `keep(arg, name)` rejects are
 * left out, their (id, image id) recorded in `filtered` (two parallel
 * lists, kept across calls) so that an image they use still counts as used.
 * Returns 0; -1 with err when only a full sweep can tell (the API did not
 * answer, an answer could not be judged, a limit was reached): the sweep
 * is then unchanged or partly updated and must be replaced.
 */
struct docker_filtered {
    struct str_list ids, image_ids;
};

int docker_sweep_apply(struct docker_client *client, struct docker_sweep *sweep,
                       const struct docker_changes *ch, size_t max_containers,
                       bool (*keep)(void *arg, const char *name), void *keep_arg,
                       struct docker_filtered *filtered, char *err, size_t errlen);

void docker_filtered_free(struct docker_filtered *f);

#endif
