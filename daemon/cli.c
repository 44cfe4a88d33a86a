/*
 * cli.c - the agent's command line: one flag table (common/flags.h) made of
 * the fixed flags below plus, from the collector registry, one
 * --[no-]collector.<name> per collector and one flag per collector option.
 * The same table prints --help and the effective configuration. Flags that
 * only make sense together (--push.*, --docker.tls-*) are checked after
 * parsing; the push token file is read once here so a typo exits 2 at once.
 */
#include "agent.h"
#include "push.h"

#include "../collectors/docker.h"
#include "../collectors/registry.h"
#include "../common/log.h"

#include <stdio.h>
#include <string.h>

static const char *const formats[] = { "text", "json", "junit", "sarif", NULL };
static const char *const fail_on_statuses[] = { "fail", "warn", NULL };

/* A comma-separated list of non-empty items made of [A-Za-z0-9._*?[]-]. */
static int validate_list(const char *value, char *err, size_t errlen)
{
    const char *p = value;
    for (;;) {
        size_t n = strcspn(p, ",");
        if (n == 0) {
            snprintf(err, errlen, "empty item in the comma-separated list");
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            char c = p[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("._-*?[]!", c) != NULL)) {
                snprintf(err, errlen, "unexpected character '%c'", c);
                return -1;
            }
        }
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

/* The user is looked up at start (privdrop_prepare); here only its shape. */
static int validate_user(const char *value, char *err, size_t errlen)
{
    if (value[0] == '\0' || strchr(value, ':') != NULL) {
        snprintf(err, errlen, "want a user name or a numeric uid");
        return -1;
    }
    return 0;
}

static int validate_docker_host(const char *value, char *err, size_t errlen)
{
    if (strncmp(value, "unix:///", 8) == 0 || strncmp(value, "tcp://", 6) == 0)
        return 0;
    snprintf(err, errlen, "want unix:///path/to/docker.sock or tcp://host:port");
    return -1;
}

static void add_flag(struct agent_cli *cli, struct flag_def def)
{
    if (cli->n_defs < AGENT_MAX_FLAGS)
        cli->defs[cli->n_defs++] = def;
}

static void build_daemon_flags(struct agent_cli *cli);
static void build_check_flags(struct agent_cli *cli);
static void build_common_flags(struct agent_cli *cli);

static void build_table(struct agent_cli *cli)
{
    struct agent_config *c = &cli->cfg;
    cli->n_defs = 0;
    if (c->mode == AGENT_MODE_DAEMON)
        build_daemon_flags(cli);
    build_common_flags(cli);
}

/* Flags of the long-running agent only: serving and scheduling. */
static void build_daemon_flags(struct agent_cli *cli)
{
    struct agent_config *c = &cli->cfg;
    add_flag(cli, flags_def_listen_address(&c->listen_address, AGENT_DEFAULT_LISTEN,
                                           "Address to serve metrics on (port 0: any free port)"));
    add_flag(cli, flags_def_telemetry_path(&c->telemetry_path, flags_validate_telemetry_path));
    add_flag(cli, flags_def_web_config_file(&c->web_config_file,
                                            "Web config (exporter-toolkit YAML): TLS, client "
                                            "certificates, basic auth, headers; re-read on "
                                            "SIGHUP (unset: plain HTTP, no auth)"));
    add_flag(cli, flags_def_max_connections(&c->max_connections));
    add_flag(cli, flags_def_duration("collection.interval", &c->interval_ms, "60s", 1000,
                                     24ULL * 3600 * 1000,
                                     "How often the collectors run; scrapes serve the "
                                     "last collection"));
    add_flag(cli, flags_def_duration("collection.start-delay", &c->start_delay_ms, "0s", 0,
                                     3600ULL * 1000,
                                     "Wait this long before the first collection (spreads "
                                     "a fleet that starts at once; /readyz says 503 "
                                     "until it is done)"));
    /* No validator: check_push_flags checks the URL with an error that never echoes it. */
    add_flag(cli, flags_def_string("push.url", &c->push_url, NULL, "URL", NULL,
                                   "dockward-store's report endpoint, e.g. "
                                   "https://store:10311/api/v1/reports (unset: no "
                                   "reports are built or queued)"));
    add_flag(cli, flags_def_file("push.token-file", &c->push_token_file,
                                 "File holding the bearer token for the store (read "
                                 "at start and on SIGHUP; required with --push.url)"));
    add_flag(cli, flags_def_file("push.tls-ca", &c->push_tls_ca,
                                 "CA certificate that signed the store's certificate "
                                 "(default: the system's CAs)"));
    add_flag(cli, flags_def_file("push.tls-cert", &c->push_tls_cert,
                                 "Client certificate to present to the store"));
    add_flag(cli, flags_def_file("push.tls-key", &c->push_tls_key, "Key of --push.tls-cert"));
    add_flag(cli, flags_def_uint("push.outbox-max-reports", &c->outbox_max_reports, "10000", "N", 1,
                                 1000000,
                                 "Most reports kept waiting for the store; beyond "
                                 "it the oldest is dropped (and counted)"));
    add_flag(cli, flags_def_string("storage.path", &c->storage_path, AGENT_DEFAULT_STORAGE, "DIR",
                                   flags_validate_absolute,
                                   "Directory for the report outbox (outbox.db; "
                                   "created 0700)"));
    add_flag(cli, flags_def_string("run-as-user", &c->run_as_user, NULL, "USER", validate_user,
                                   "Start as root, bind the port and open the outbox "
                                   "(giving it --storage.path), then run as this user "
                                   "(name or uid) with its groups: put it in the "
                                   "docker group"));
}

/* The --push.* flags make sense together only; the token file must be readable now. */
static int check_push_flags(const struct agent_config *c, char *err, size_t errlen)
{
    if (c->push_url == NULL) {
        if (c->push_token_file || c->push_tls_ca || c->push_tls_cert || c->push_tls_key) {
            snprintf(err, errlen, "--push.token-file and --push.tls-* need --push.url");
            return -1;
        }
        return 0;
    }
    char why[512];
    if (push_validate_url(c->push_url, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "invalid value for --push.url: %s", why);
        return -1;
    }
    if (c->push_token_file == NULL) {
        snprintf(err, errlen, "--push.url needs --push.token-file (the store requires a token)");
        return -1;
    }
    if ((c->push_tls_cert == NULL) != (c->push_tls_key == NULL)) {
        snprintf(err, errlen, "--push.tls-cert and --push.tls-key go together");
        return -1;
    }
    if (strncmp(c->push_url, "https://", 8) != 0 &&
        (c->push_tls_ca || c->push_tls_cert || c->push_tls_key)) {
        snprintf(err, errlen, "--push.tls-ca/-cert/-key need an https:// --push.url");
        return -1;
    }
    char token[PUSH_TOKEN_MAX + 1];
    int rc = push_read_token(c->push_token_file, token, sizeof(token), why, sizeof(why));
    explicit_bzero(token, sizeof(token));
    if (rc != 0) {
        snprintf(err, errlen, "invalid value for --push.token-file: %s", why);
        return -1;
    }
    return 0;
}

/* Flags of `dockward check` only: the report's form and the exit code. */
static void build_check_flags(struct agent_cli *cli)
{
    struct agent_config *c = &cli->cfg;
    add_flag(cli, flags_def_enum("format", &c->format, "text", "FORMAT", formats,
                                 "Output: text (grouped by section, colour on "
                                 "a terminal), json, junit (JUnit XML for CI "
                                 "test views) or sarif (SARIF 2.1.0 for code "
                                 "scanning)"));
    add_flag(cli, flags_def_file("output", &c->output,
                                 "Write the --format report to FILE (replaced "
                                 "whole, or left alone on error) and the text "
                                 "report to the terminal"));
    add_flag(cli, flags_def_enum("fail-on", &c->fail_on, "fail", "STATUS", fail_on_statuses,
                                 "Which results make exit code 1: fail, or "
                                 "warn (fail and warn; skip, error and waived "
                                 "never)"));
}

/* Flags of both modes: what to audit and how to reach it. */
static void build_common_flags(struct agent_cli *cli)
{
    struct agent_config *c = &cli->cfg;
    add_flag(cli, flags_def_string("path.rootfs", &c->rootfs, "/", "PATH", flags_validate_absolute,
                                   "Where the audited host's root filesystem is "
                                   "mounted (e.g. /host in a container)"));
    add_flag(cli, flags_def_string("docker.host", &c->docker_host, AGENT_DEFAULT_DOCKER_HOST, "URL",
                                   validate_docker_host,
                                   "Docker Engine API endpoint (unix:// or tcp://)"));
    add_flag(cli, flags_def_file("docker.tls-ca", &c->docker_tls_ca,
                                 "CA certificate that signed a tcp:// Docker "
                                 "daemon's certificate (enables TLS)"));
    add_flag(cli, flags_def_file("docker.tls-cert", &c->docker_tls_cert,
                                 "Client certificate for a tcp:// Docker daemon "
                                 "that verifies clients"));
    add_flag(cli, flags_def_file("docker.tls-key", &c->docker_tls_key, "Key of --docker.tls-cert"));
    add_flag(cli, flags_def_uint("docker.max-containers", &c->docker_max_containers, "3000", "N", 1,
                                 DOCKER_CONTAINERS_MAX,
                                 "Most containers judged; a host with more has "
                                 "none judged and the container collectors fail "
                                 "saying so (never a silent subset)"));
    add_flag(cli, flags_def_bool("docker.events", &c->docker_events, "true",
                                 "Follow Docker's event stream and judge a change "
                                 "within a second, between full sweeps"));
    add_flag(cli, flags_def_duration("docker.resync-interval", &c->docker_resync_ms, "10m", 10000,
                                     24ULL * 3600 * 1000,
                                     "With --docker.events, how often a full sweep of "
                                     "the Docker API checks the event-updated state"));
    add_flag(cli,
             flags_def_string("check.include", &c->check_include, NULL, "ID,...", validate_list,
                              "Only these checks: ids or sections (\"5\", "
                              "\"1.1\", \"5.25\", \"dockward\")"));
    add_flag(cli, flags_def_string("check.exclude", &c->check_exclude, NULL, "ID,...",
                                   validate_list, "Leave out these checks: ids or sections"));
    add_flag(cli, flags_def_string("container.include", &c->container_include, NULL, "GLOB,...",
                                   validate_list,
                                   "Only judge containers whose name matches one of "
                                   "these patterns"));
    add_flag(cli, flags_def_string("container.exclude", &c->container_exclude, NULL, "GLOB,...",
                                   validate_list,
                                   "Do not judge containers whose name matches one of "
                                   "these patterns"));
    add_flag(cli, flags_def_uint("check.level", &c->check_level, "2", "1|2", 1, 2,
                                 "CIS profile level: 1 judges only level-1 checks, 2 "
                                 "judges all"));
    add_flag(cli, flags_def_file("waivers.file", &c->waivers_file,
                                 "Waivers (YAML): accepted fails and warns with an "
                                 "owner, a reason and an expiry, reported as "
                                 "waived; re-read on SIGHUP (unset: none)"));
    add_flag(cli, flags_def_duration("waivers.max-duration", &c->waivers_max_ms, "180d", 1000,
                                     3650ULL * 86400 * 1000,
                                     "Refuse a waivers file with an expiry further "
                                     "ahead than this"));
    if (c->mode == AGENT_MODE_CHECK)
        build_check_flags(cli);
    /* One-shot checks keep stderr for problems; the daemon also says what it does. */
    add_flag(cli,
             flags_def_log_level(&c->log_level, c->mode == AGENT_MODE_CHECK ? "warn" : "info"));
    add_flag(cli, flags_def_bool("collector.disable-defaults", &c->disable_defaults, "false",
                                 "Disable every collector not enabled explicitly "
                                 "with --collector.<name>"));

    c->n_options = 0;
    for (size_t i = 0; i < collector_registry_len && i < AGENT_MAX_COLLECTORS; i++) {
        const struct collector *col = collector_registry[i];
        snprintf(cli->names[i][0], sizeof(cli->names[i][0]), "collector.%s", col->name);
        snprintf(cli->names[i][1], sizeof(cli->names[i][1]), "Enable the %s collector: %s",
                 col->name, col->help);
        add_flag(cli, flags_def_bool(cli->names[i][0], &c->collector_flag[i],
                                     col->enabled_by_default ? "true" : "false", cli->names[i][1]));
        for (size_t k = 0; k < col->n_options; k++) {
            const struct collector_option *opt = &col->options[k];
            int seen = 0;
            for (size_t j = 0; j < c->n_options; j++)
                seen |= strcmp(c->options[j].name, opt->name) == 0;
            if (seen || c->n_options >= AGENT_MAX_OPTIONS)
                continue;
            c->options[c->n_options].name = opt->name;
            add_flag(cli, flags_def_string(opt->name, &c->options[c->n_options].value, opt->def,
                                           opt->metavar, opt->validate, opt->help));
            c->n_options++;
        }
    }
    if (cli->n_defs + FLAGS_EXIT_DEFS <= AGENT_MAX_FLAGS)
        cli->n_defs += flags_def_exits(cli->defs + cli->n_defs, &c->print_config, &c->show_version,
                                       &c->show_help);
}

int agent_cli_parse(struct agent_cli *cli, enum agent_mode mode, int argc, char **argv, int first,
                    char *err, size_t errlen)
{
    memset(cli, 0, sizeof(*cli));
    cli->cfg.mode = mode;
    /* The settings of the other mode's flags hold their table defaults too. */
    if (mode == AGENT_MODE_CHECK)
        build_daemon_flags(cli);
    else
        build_check_flags(cli);
    if (flags_apply_defaults(cli->defs, cli->n_defs, err, errlen) != 0)
        return -1;
    build_table(cli);
    if (flags_parse(cli->defs, cli->n_defs, argc, argv, first, err, errlen) != 0)
        return -1;

    struct agent_config *c = &cli->cfg;
    /* Explicit --[no-]collector.<name> wins; otherwise the default, unless disabled. */
    for (size_t i = 0; i < collector_registry_len && i < AGENT_MAX_COLLECTORS; i++) {
        const struct flag_def *def = NULL;
        for (size_t d = 0; d < cli->n_defs; d++) {
            if (cli->defs[d].dest == &c->collector_flag[i])
                def = &cli->defs[d];
        }
        if (def != NULL && def->is_set)
            c->enabled[i] = c->collector_flag[i];
        else
            c->enabled[i] = !c->disable_defaults && collector_registry[i]->enabled_by_default;
    }
    /* "/" stays "/"; "/host/" becomes "/host" so host paths join cleanly. */
    size_t len = strlen(c->rootfs);
    if (len >= sizeof(c->rootfs_storage)) {
        snprintf(err, errlen, "invalid value for --path.rootfs: path too long");
        return -1;
    }
    memcpy(c->rootfs_storage, c->rootfs, len + 1);
    while (len > 1 && c->rootfs_storage[len - 1] == '/')
        c->rootfs_storage[--len] = '\0';
    c->rootfs = c->rootfs_storage;

    int tcp = strncmp(c->docker_host, "tcp://", 6) == 0;
    if (!tcp && (c->docker_tls_ca || c->docker_tls_cert || c->docker_tls_key)) {
        snprintf(err, errlen, "--docker.tls-ca/-cert/-key need a tcp:// --docker.host");
        return -1;
    }
    if ((c->docker_tls_cert == NULL) != (c->docker_tls_key == NULL)) {
        snprintf(err, errlen, "--docker.tls-cert and --docker.tls-key go together");
        return -1;
    }
    if (c->output != NULL && strcmp(c->format, "text") == 0) {
        snprintf(err, errlen,
                 "--output needs --format json, junit or sarif (the text report "
                 "goes to the terminal)");
        return -1;
    }
    return check_push_flags(c, err, errlen);
}

void agent_cli_print_help(const struct agent_cli *cli, FILE *out)
{
    if (cli->cfg.mode == AGENT_MODE_CHECK) {
        fprintf(out, "usage: dockward check [FLAGS]\n\n"
                     "Audits this Docker host once against the CIS Docker Benchmark, prints the "
                     "results and\nexits 0 when nothing failed, 1 when something failed, 2 on a "
                     "usage error, 3 when\na collector could not run.\n\nFlags:\n");
        flags_print_help(out, cli->defs, cli->n_defs);
        return;
    }
    fprintf(out, "usage: dockward [FLAGS]\n       dockward check [FLAGS]   (one-shot audit for "
                 "CI; see dockward check --help)\n\n"
                 "Audits this Docker host against the CIS Docker Benchmark continuously and "
                 "serves the results\nas Prometheus metrics.\n\nFlags:\n");
    flags_print_help(out, cli->defs, cli->n_defs);
    fprintf(out, "\nEndpoints: / (links), <telemetry-path>, /healthz (alive), /readyz (first "
                 "collection done).\n");
}

int agent_cli_start(struct agent_cli *cli, enum agent_mode mode, int argc, char **argv, int first,
                    const char *prog)
{
    char err[512];
    if (agent_cli_parse(cli, mode, argc, argv, first, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    const struct agent_config *cfg = &cli->cfg;
    if (cfg->show_help) {
        agent_cli_print_help(cli, stdout);
        return 0;
    }
    if (cfg->show_version) {
        printf("dockward version %s (revision %s)\n", DOCKWARD_VERSION, DOCKWARD_REVISION);
        return 0;
    }
    if (cfg->print_config) {
        flags_print_effective(stdout, cli->defs, cli->n_defs);
        return 0;
    }
    enum log_level level = mode == AGENT_MODE_CHECK ? LOG_LEVEL_WARN : LOG_LEVEL_INFO;
    (void)log_level_parse(cfg->log_level, &level); /* validated by the flag table */
    log_set_level(level);
    return -1;
}
