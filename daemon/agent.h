/*
 * agent.h - the agent's configuration and its one context struct.
 *
 * main() builds a struct agent_config from the command line (cli.c), then
 * agent_run() owns everything else: the scheduler thread that collects and
 * publishes snapshots, and the HTTP server that serves the current one.
 * Nothing here is global; the config is read-only once parsing is done.
 */
#ifndef DOCKWARD_AGENT_H
#define DOCKWARD_AGENT_H

#include "../collectors/collector.h"
#include "../common/flags.h"
#include "../common/httpd.h"

#include <stdbool.h>
#include <stdint.h>

#define AGENT_MAX_COLLECTORS 32
#define AGENT_MAX_OPTIONS    32
#define AGENT_MAX_FLAGS      96

#define AGENT_DEFAULT_LISTEN      ":10310"
#define AGENT_DEFAULT_DOCKER_HOST "unix:///var/run/docker.sock"
#define AGENT_DEFAULT_STORAGE     "/var/lib/dockward"

enum agent_mode { AGENT_MODE_DAEMON = 0, AGENT_MODE_CHECK };

struct agent_config {
    enum agent_mode mode;
    const char *listen_address;
    const char *telemetry_path;
    unsigned long long max_connections;
    uint64_t interval_ms;
    uint64_t start_delay_ms;
    const char *rootfs;
    const char *docker_host;
    const char *docker_tls_ca;
    const char *docker_tls_cert;
    const char *docker_tls_key;
    unsigned long long docker_max_containers; /* --docker.max-containers */
    bool docker_events;                       /* --docker.events: follow GET /events */
    uint64_t docker_resync_ms;                /* --docker.resync-interval */
    const char *check_include;     /* comma-separated ids or section prefixes; NULL = all */
    const char *check_exclude;     /* NULL = none */
    const char *container_include; /* comma-separated name globs; NULL = all */
    const char *container_exclude; /* NULL = none */
    const char *format;            /* check mode: "text", "json", "junit" or "sarif" */
    const char *output;            /* check mode: --output FILE for the report; NULL = stdout */
    const char *fail_on;           /* check mode: "fail" or "warn": what makes exit code 1 */
    /* --check.level: 1 = CIS level-1 checks only, 2 = all. */
    unsigned long long check_level;
    const char *waivers_file; /* --waivers.file; NULL = no waivers */
    uint64_t waivers_max_ms;  /* --waivers.max-duration */
    /* The agent's (or check_main's) loaded waivers, applied to each collection; NULL: none. */
    struct waiver_book *waivers;
    const char *log_level;
    /* Reports to dockward-store (daemon mode only); push_url NULL = no reports, no outbox. */
    const char *push_url;
    const char *push_token_file;
    const char *push_tls_ca;
    const char *push_tls_cert;
    const char *push_tls_key;
    const char *storage_path;    /* directory of outbox.db */
    const char *web_config_file; /* --web.config.file; NULL = plain HTTP, no auth */
    const char *run_as_user;     /* daemon mode: drop root to this user after start-up; NULL = no */
    /* Counters of the web config (agent_main's), rendered each collection; NULL without one. */
    struct httpd_web_counters *web_counters;
    unsigned long long outbox_max_reports;
    bool disable_defaults;
    bool show_version;
    bool show_help;
    bool print_config;

    /* Per registry entry (same index as collector_registry). */
    bool collector_flag[AGENT_MAX_COLLECTORS];
    bool enabled[AGENT_MAX_COLLECTORS];

    /* Every collector option, deduplicated by name; values point into argv or defaults. */
    struct option_value options[AGENT_MAX_OPTIONS];
    size_t n_options;

    char rootfs_storage[4096]; /* --path.rootfs without trailing slashes */
};

/* The flag table bound to one config (built at run time: collectors add flags). */
struct agent_cli {
    struct agent_config cfg;
    struct flag_def defs[AGENT_MAX_FLAGS];
    size_t n_defs;
    char names[AGENT_MAX_COLLECTORS][2][96]; /* storage for generated flag names/help */
};

/*
 * Parses argv[first..] into cli->cfg for `mode` (check mode adds --format).
 * Returns 0, or -1 with a one-line message naming the flag in err (the
 * caller prints it and exits 2).
 */
int agent_cli_parse(struct agent_cli *cli, enum agent_mode mode, int argc, char **argv, int first,
                    char *err, size_t errlen);

/*
 * Selection (selection.c): whether check `id` is selected by --check.include / --check.exclude. A
 * pattern selects an id equal to it or below it: "5" selects "5.25",
 * "1.1" selects "1.1.3", "dockward" selects "dockward.image_age".
 */
bool agent_check_selected(const struct agent_config *cfg, const char *id);

/*
 * Whether check `def` is selected: by --check.include / --check.exclude as
 * agent_check_selected says, and by --check.level (a level-2 check is left
 * out at --check.level=1). What collections keep and what is exported.
 */
bool agent_check_def_selected(const struct agent_config *cfg, const struct check_def *def);

/* Whether a container name is selected by --container.include / --container.exclude (globs). */
bool agent_container_selected(const struct agent_config *cfg, const char *name);

/* `dockward check`: one collection, printed; returns the exit code (0, 1, 2 or 3). */
int check_main(int argc, char **argv);

/* Prints usage and every flag. */
void agent_cli_print_help(const struct agent_cli *cli, FILE *out);

/*
 * The start of both modes: parses argv[first..] for `mode` and answers what
 * ends the program before it runs - a usage error ("PROG: message" on
 * stderr: 2), --help, --version, --print-config (on stdout: 0) - then sets
 * the log level. Returns -1 when the program goes on, else its exit code.
 */
int agent_cli_start(struct agent_cli *cli, enum agent_mode mode, int argc, char **argv, int first,
                    const char *prog);

/* The collect_ctx for this configuration (pointers into cfg). */
void agent_config_collect_ctx(const struct agent_config *cfg, struct collect_ctx *ctx);

/* Entry point behind main(): parses flags, runs until SIGTERM/SIGINT. Returns the exit code. */
int agent_main(int argc, char **argv);

#endif
