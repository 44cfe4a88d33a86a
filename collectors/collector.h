/*
 * collector.h - the collector interface: what a collector is, what it is
 * handed, and the sink it writes its results into.
 *
 * A collector gathers facts about one aspect of a Docker host and judges them
 * against its checks (see ../shared/CHECKS.md). It knows nothing about HTTP,
 * Prometheus or protobuf: it only writes results - (check id, target, status,
 * evidence) - into the sink the framework hands it. Each collector is one file
 * in collectors/ exporting exactly one `const struct collector`; registry.c
 * lists them in one static table.
 *
 * A collector reads the world only through its struct collect_ctx: the host
 * filesystem under ctx->rootfs (so the agent can run in a container with the
 * host at /host, and tests can point it at a fixture tree), and the options
 * declared in its descriptor. No collector keeps global state, so several
 * collections could run at once; the scheduler runs them one after another.
 */
#ifndef DOCKWARD_COLLECTOR_H
#define DOCKWARD_COLLECTOR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum check_status {
    CHECK_PASS = 0,
    CHECK_FAIL,
    CHECK_WARN,  /* needs a human: CIS "manual" checks, or no policy configured */
    CHECK_SKIP,  /* not applicable: the thing judged does not exist here */
    CHECK_ERROR, /* could not judge; the evidence says why */
    /*
     * Judged fail or warn, and a live waiver (daemon/waivers.c) accepts it:
     * never written by a collector, only by the waivers pass after it; the
     * result's `judged` keeps the verdict and `waiver` names the waiver.
     */
    CHECK_WAIVED,
};
#define CHECK_STATUS_COUNT 6

/* "pass", "fail", "warn", "skip", "error", "waived". */
const char *check_status_name(enum check_status status);
/* The statuses' names, in the enum's order. */
extern const char *const check_status_names[CHECK_STATUS_COUNT];
/* Parses a status name. Returns 0, or -1 when unknown. */
int check_status_parse(const char *name, enum check_status *out);

/*
 * One entry of the check catalog (CIS Docker Benchmark v1.6.0 ids). The
 * entries are written once, in collectors/catalog.txt; the build writes each
 * collector's rows into an include file its static table includes.
 */
struct check_def {
    const char *id;          /* "3.15", or "dockward.<name>" beyond CIS */
    const char *section;     /* CIS section: "1" .. "7" */
    int level;               /* CIS profile level, 1 or 2 */
    bool automated;          /* CIS "Automated": judged pass/fail, counts in the ratio */
    const char *title;       /* short, one line, no trailing period */
    const char *remediation; /* one or two sentences an operator can act on */
};

/*
 * An option a collector accepts, exposed as a command-line flag
 * `--<name>=<value>` (for example "check.trusted-users"). The value reaches
 * the collector through collect_ctx_option().
 */
struct collector_option {
    const char *name;    /* flag name without the leading "--" */
    const char *metavar; /* shown in --help, e.g. "USER,..." */
    const char *def;     /* default value, NULL for unset */
    const char *help;
    /* Optional: returns 0 when `value` is acceptable, else -1 with err filled. */
    int (*validate)(const char *value, char *err, size_t errlen);
};

/* A (name, value) pair of an option as parsed; value NULL = unset. */
struct option_value {
    const char *name;
    const char *value;
};

struct docker_sweep;
struct dockerd_config;

/* What a collector is handed. Everything here is read-only for it. */
struct collect_ctx {
    const char *rootfs;      /* host root: "/" or e.g. "/host"; never ends in '/' unless "/" */
    const char *docker_host; /* --docker.host as given, e.g. "unix:///var/run/docker.sock" */
    const struct option_value *options; /* every collector option, parsed */
    size_t n_options;
    /*
     * The Docker API sweep of this collection (see docker.h), shared by every
     * collector: NULL when no enabled collector needs Docker; sweep->ok false
     * (with the reason in sweep->error) when the API did not answer.
     */
    const struct docker_sweep *docker;
    /*
     * dockerd's configuration as the host shows it (dockerd_config.h), loaded
     * once per collection for every collector (read it with
     * dockerd_config_load_ctx): NULL when the framework did not load it (then
     * each collector loads its own) or could not (dockerd_error says why).
     */
    const struct dockerd_config *dockerd;
    const char *dockerd_error;
    double now; /* wall clock of this collection, seconds since the epoch */
};

/* Returns the value of option `name`, or NULL when unset or unknown. */
const char *collect_ctx_option(const struct collect_ctx *ctx, const char *name);

/*
 * Caps on what one result may hold; longer evidence is cut with "...", and a
 * longer (or ill-formed) target with "...#" and a hash of the whole, so two
 * targets never collapse into one.
 */
#define RESULT_TARGET_MAX   256
#define RESULT_EVIDENCE_MAX 512
/*
 * Room to build a target from any name the host or Docker gives (kept names
 * are at most 8,192 bytes, paths 4,096) before the sink shortens it: a
 * target cut earlier would lose what tells two long names apart.
 */
#define RESULT_TARGET_BUILD_MAX (8192 + 64)
/* Cap on results one collector may produce in one run. */
#define RESULT_MAX_PER_COLLECTOR 100000

struct result {
    const struct check_def *check; /* points into the owning collector's catalog */
    char *target;                  /* "host", "file/<path>", "user/<name>", ... */
    enum check_status status;
    char *evidence; /* one short line, never a secret */
    /*
     * Set with status CHECK_WAIVED only: the verdict (fail or warn), the
     * waiver's id, and the evidence as judged (`evidence` then names the
     * waiver), so a later apply can judge the result again (daemon/waivers.c).
     */
    enum check_status judged;
    char *waiver;
    char *finding;
};

/* A growable list of results; owned by whoever created it. */
/*
 * A figure a collector measures beside its verdicts (an image's creation
 * time, how many containers exist), exported as dockward_<name>{<label>=...}.
 * Declared in the descriptor so the metric's name and help are fixed.
 */
struct measure_def {
    const char *name; /* without "dockward_": "image_created_timestamp_seconds" */
    const char *help;
    const char *label; /* the one label name ("image", "state"), NULL for none */
};

struct measurement {
    const struct measure_def *def;
    char *label_value; /* NULL when def->label is NULL */
    double value;
};

struct result_set {
    struct result *items;
    size_t len;
    size_t cap;
    struct measurement *measures;
    size_t n_measures;
    size_t cap_measures;
};

void result_set_init(struct result_set *set);
void result_set_free(struct result_set *set);

/*
 * Where a collector writes results. The framework makes one per collector
 * run; `owner` is the collector whose catalog the check ids must come from.
 */
struct collector;
struct result_sink {
    struct result_set *set;
    const struct collector *owner;
    size_t added;   /* results added by this run */
    int overflowed; /* set when RESULT_MAX_PER_COLLECTOR was hit */
};

void result_sink_init(struct result_sink *sink, struct result_set *set,
                      const struct collector *owner);

/*
 * Adds one result. `check_id` must be in the owner's catalog (a programming
 * error otherwise: logged, nothing added, -1). The evidence is printf-style.
 * Returns 0, or -1 on an unknown check, no memory, or the per-run cap.
 */
int sink_add(struct result_sink *sink, const char *check_id, const char *target,
             enum check_status status, const char *evidence_fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Formats evidence into out (outlen bytes, at least 4): a text longer than
 * `room` bytes (room < outlen) is cut to `room`, its last three "...", so a
 * caller can append to it; a formatting error leaves "".
 */
void evidence_vformat(char *out, size_t outlen, size_t room, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/*
 * Records a measurement of the owner's measure `name` (a programming error
 * when the descriptor does not declare it: logged, -1). Capped like results.
 */
int sink_measure(struct result_sink *sink, const char *name, const char *label_value, double value);

/*
 * What a collect function returns after its last sink_add: rc, and when rc
 * is not 0 err says why: "too many results" (over RESULT_MAX_PER_COLLECTOR),
 * else out of memory or a result sink_add refused (logged there).
 */
int collect_sink_rc(const struct result_sink *sink, int rc, char *err, size_t errlen);

/*
 * The collector descriptor. `collect` returns 0 when it ran (whatever the
 * statuses of its results), or -1 with `err` filled when it could not run at
 * all (its facts were unreachable); results it added before failing are kept.
 */
struct collector {
    const char *name; /* [a-z_]+, used in --collector.<name> and metric labels */
    bool enabled_by_default;
    const char *help;
    const struct check_def *checks;
    size_t n_checks;
    const struct collector_option *options;
    size_t n_options;
    const struct measure_def *measures;
    size_t n_measures;
    bool needs_docker; /* the framework sweeps the Docker API when such a collector runs */
    int (*collect)(const struct collect_ctx *ctx, struct result_sink *sink, char *err,
                   size_t errlen);
};

/* Finds `id` in the collector's catalog, or NULL. */
const struct check_def *collector_find_check(const struct collector *c, const char *id);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
