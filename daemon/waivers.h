/*
 * waivers.h - accepted risks with an owner and an expiry (--waivers.file).
 *
 * A waiver turns a result judged fail or warn into `waived` while it lives;
 * the result is still judged, its evidence keeps the finding and names the
 * waiver, and an expired waiver waives nothing (its results fail again,
 * which is a regression that pages). The file:
 *
 *   waivers:
 *     - id: ci-runners-privileged        # 1..64 of [A-Za-z0-9._-], unique
 *       checks: ["5.5", "5.4"]           # ids or prefixes, as --check.include
 *       targets: ["container/ci-runner-*"]   # globs over target names
 *       hosts: ["build-*"]               # optional: globs over the hostname
 *       container_labels:                # optional: every label must match
 *         dockward.waive: ci-runner
 *       reason: Docker-in-Docker needs it
 *       owner: platform-team
 *       expires: 2027-03-31              # date (00:00 UTC) or RFC 3339 time
 *       ticket: https://tracker/PLAT-1   # optional
 *
 * Container labels never waive anything on their own: a container that
 * labels itself is waived only by a waiver of the file that names that
 * label (and value), for that waiver's checks and targets.
 *
 * Ownership: the agent owns one struct waiver_book for its life. The
 * scheduler thread applies it to each collection; SIGHUP (the main thread)
 * reloads it; the mutex guards the loaded set and the last figures.
 */
#ifndef DOCKWARD_WAIVERS_H
#define DOCKWARD_WAIVERS_H

#include "../common/expo.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define WAIVERS_FILE_MAX     (1024 * 1024) /* bytes of --waivers.file */
#define WAIVERS_MAX          1000          /* waivers in one file */
#define WAIVER_ID_MAX        64            /* the store's REPORT_WAIVER_ID_MAX */
#define WAIVER_PATTERNS_MAX  64            /* items of checks, targets, hosts, container_labels */
#define WAIVER_PATTERN_MAX   256           /* bytes of one of those items */
#define WAIVER_TEXT_MAX      512           /* bytes of reason, owner, ticket */
#define WAIVERS_DEFAULT_DAYS 180           /* --waivers.max-duration */

struct waiver {
    char *id;
    size_t line; /* of its "- id" item, for messages */
    char **checks;
    size_t n_checks;
    char **targets;
    size_t n_targets;
    char **hosts; /* none: every host */
    size_t n_hosts;
    char **labels; /* "name=value", every one required; none: no label condition */
    size_t n_labels;
    char *reason, *owner, *ticket; /* ticket NULL when not given */
    double expires;                /* seconds since the epoch: live while now < expires */
};

struct waivers {
    struct waiver *items;
    size_t n;
};

/*
 * Parses a waivers file of `len` bytes read from `path`. `now` and
 * `max_ahead` (seconds) bound the expiry: none may lie more than max_ahead
 * past now (a past expiry is fine: that waiver waives nothing). Returns a
 * set the caller frees with waivers_free, or NULL with "PATH:LINE: why" in
 * err.
 */
struct waivers *waivers_parse(const char *text, size_t len, const char *path, double now,
                              double max_ahead, char *err, size_t errlen);

/* Reads `path` (at most WAIVERS_FILE_MAX) and parses it. As waivers_parse. */
struct waivers *waivers_load(const char *path, double now, double max_ahead, char *err,
                             size_t errlen);

void waivers_free(struct waivers *w);

/* Whether the waiver matches (check id, target) on `hostname`; labels are not looked at. */
bool waiver_matches(const struct waiver *w, const char *check_id, const char *target,
                    const char *hostname);

/* The agent's waivers: the set in force, and the figures of its last use. */
struct waiver_figure {
    char *id;
    double expires;
    size_t matched; /* results it waived at the last collection (0 for an expired one) */
    bool elsewhere; /* its hosts do not match this host's name: no series, no log */
};

struct waiver_book {
    const char *path; /* NULL: no --waivers.file, the book waives nothing */
    double max_ahead;
    pthread_mutex_t lock;
    struct waivers *set;           /* guarded by lock; NULL before the first good load */
    bool last_load_ok;             /* guarded by lock */
    struct waiver_figure *figures; /* guarded by lock: one per waiver of the last apply */
    size_t n_figures;
    bool told; /* guarded by lock: unused/expired ones logged since load */
};

void waiver_book_init(struct waiver_book *b, const char *path, double max_ahead);
void waiver_book_destroy(struct waiver_book *b);

/*
 * (Re)reads the file. On success the new set replaces the old; on failure
 * the old stays and dockward_waivers_last_reload_successful goes to 0.
 * Returns 0, or -1 with err filled ("PATH:LINE: why").
 */
int waiver_book_load(struct waiver_book *b, double now, char *err, size_t errlen);

struct collection;

/*
 * Applies the set in force to `col` (after collection_run, before the
 * report and the snapshot are built): each fail or warn that a live waiver
 * matches becomes CHECK_WAIVED, with the waiver in its evidence. Records
 * each waiver's matches for the metrics, and logs (once per load) each
 * waiver that matched nothing or has expired. `hostname` is matched by
 * hosts.
 * Returns the number of results waived, or -1 on no memory (some results
 * may then stay unwaived, never the other way round).
 */
long waiver_book_apply(struct waiver_book *b, struct collection *col, const char *hostname,
                       double now);

/*
 * Writes dockward_waivers_last_reload_successful,
 * dockward_waiver_expiry_timestamp_seconds{waiver} and
 * dockward_waiver_matched_targets{waiver} (as of the last apply; a waiver
 * whose hosts do not name this host has none). Nothing when no file is set.
 */
int waiver_book_metrics(struct waiver_book *b, struct expo *e);

#endif
