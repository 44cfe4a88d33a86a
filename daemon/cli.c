/*
 * cli.c - the agent's command line: one flag table (common/flags.h) made of
 * the fixed flags below plus, from the collector registry, one
 * --[no-]collector.<name> per collector and one flag per collector option.
 * The same table prints --help and the effective configuration.
 */
#include "agent.h"

#include "../collectors/registry.h"
#include "../common/httpd.h"
#include "../common/log.h"

#include <stdio.h>
#include <string.h>

static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };

static int validate_telemetry_path(const char *value, char *err, size_t errlen)
{
    if (value[0] != '/' || strchr(value, '?') != NULL || strchr(value, '#') != NULL) {
        snprintf(err, errlen, "must be an absolute URL path such as /metrics");
        return -1;
    }
    if (strcmp(value, "/") == 0 || strcmp(value, "/healthz") == 0 ||
        strcmp(value, "/readyz") == 0) {
        snprintf(err, errlen, "%s is taken by another endpoint", value);
        return -1;
    }
    return 0;
}

static int validate_rootfs(const char *value, char *err, size_t errlen)
{
    if (value[0] != '/') {
        snprintf(err, errlen, "must be an absolute path");
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

static void build_table(struct agent_cli *cli)
{
    struct agent_config *c = &cli->cfg;
    cli->n_defs = 0;
    add_flag(cli, (struct flag_def){ .name = "web.listen-address",
                                     .type = FLAG_STRING,
                                     .def = AGENT_DEFAULT_LISTEN,
                                     .metavar = "[HOST]:PORT",
                                     .help = "Address to serve metrics on (port 0: any free port)",
                                     .dest = &c->listen_address,
                                     .validate = httpd_validate_listen_address });
    add_flag(cli, (struct flag_def){ .name = "web.telemetry-path",
                                     .type = FLAG_STRING,
                                     .def = "/metrics",
                                     .metavar = "PATH",
                                     .help = "Path under which to expose metrics",
                                     .dest = &c->telemetry_path,
                                     .validate = validate_telemetry_path });
    add_flag(cli, (struct flag_def){ .name = "web.max-connections",
                                     .type = FLAG_UINT,
                                     .def = "256",
                                     .metavar = "N",
                                     .help = "Most concurrent HTTP connections (one client "
                                             "address may hold half of them)",
                                     .dest = &c->max_connections,
                                     .min = 2,
                                     .max = 65536 });
    add_flag(cli, (struct flag_def){ .name = "collection.interval",
                                     .type = FLAG_DURATION,
                                     .def = "60s",
                                     .metavar = "DURATION",
                                     .help = "How often the collectors run; scrapes serve the "
                                             "last collection",
                                     .dest = &c->interval_ms,
                                     .min = 1000,
                                     .max = 24ULL * 3600 * 1000 });
    add_flag(cli, (struct flag_def){ .name = "collection.start-delay",
                                     .type = FLAG_DURATION,
                                     .def = "0s",
                                     .metavar = "DURATION",
                                     .help = "Wait this long before the first collection (spreads "
                                             "a fleet that starts at once; /readyz says 503 "
                                             "until it is done)",
                                     .dest = &c->start_delay_ms,
                                     .min = 0,
                                     .max = 3600ULL * 1000 });
    add_flag(cli, (struct flag_def){ .name = "path.rootfs",
                                     .type = FLAG_STRING,
                                     .def = "/",
                                     .metavar = "PATH",
                                     .help = "Where the audited host's root filesystem is "
                                             "mounted (e.g. /host in a container)",
                                     .dest = &c->rootfs,
                                     .validate = validate_rootfs });
    add_flag(cli, (struct flag_def){ .name = "docker.host",
                                     .type = FLAG_STRING,
                                     .def = AGENT_DEFAULT_DOCKER_HOST,
                                     .metavar = "URL",
                                     .help = "Docker Engine API endpoint (unix:// or tcp://)",
                                     .dest = &c->docker_host,
                                     .validate = validate_docker_host });
    add_flag(cli, (struct flag_def){ .name = "log.level",
                                     .type = FLAG_ENUM,
                                     .def = "info",
                                     .metavar = "LEVEL",
                                     .help = "Only log messages at this level or above: debug, "
                                             "info, warn, error",
                                     .dest = &c->log_level,
                                     .choices = log_levels });
    add_flag(cli, (struct flag_def){ .name = "collector.disable-defaults",
                                     .type = FLAG_BOOL,
                                     .def = "false",
                                     .help = "Disable every collector not enabled explicitly "
                                             "with --collector.<name>",
                                     .dest = &c->disable_defaults });

    c->n_options = 0;
    for (size_t i = 0; i < collector_registry_len && i < AGENT_MAX_COLLECTORS; i++) {
        const struct collector *col = collector_registry[i];
        snprintf(cli->names[i][0], sizeof(cli->names[i][0]), "collector.%s", col->name);
        snprintf(cli->names[i][1], sizeof(cli->names[i][1]), "Enable the %s collector: %s",
                 col->name, col->help);
        add_flag(cli, (struct flag_def){ .name = cli->names[i][0],
                                         .type = FLAG_BOOL,
                                         .def = col->enabled_by_default ? "true" : "false",
                                         .help = cli->names[i][1],
                                         .dest = &c->collector_flag[i] });
        for (size_t k = 0; k < col->n_options; k++) {
            const struct collector_option *opt = &col->options[k];
            int seen = 0;
            for (size_t j = 0; j < c->n_options; j++)
                seen |= strcmp(c->options[j].name, opt->name) == 0;
            if (seen || c->n_options >= AGENT_MAX_OPTIONS)
                continue;
            c->options[c->n_options].name = opt->name;
            add_flag(cli, (struct flag_def){ .name = opt->name,
                                             .type = FLAG_STRING,
                                             .def = opt->def,
                                             .metavar = opt->metavar,
                                             .help = opt->help,
                                             .dest = &c->options[c->n_options].value,
                                             .validate = opt->validate });
            c->n_options++;
        }
    }
    add_flag(cli, (struct flag_def){ .name = "print-config",
                                     .type = FLAG_BOOL,
                                     .def = "false",
                                     .help = "Print the effective configuration and exit",
                                     .dest = &c->print_config });
    add_flag(cli, (struct flag_def){ .name = "version",
                                     .type = FLAG_BOOL,
                                     .def = "false",
                                     .help = "Print the version and exit",
                                     .dest = &c->show_version });
    add_flag(cli, (struct flag_def){ .name = "help",
                                     .type = FLAG_BOOL,
                                     .def = "false",
                                     .help = "Print this help and exit",
                                     .dest = &c->show_help });
}

int agent_cli_parse(struct agent_cli *cli, int argc, char **argv, int first, char *err,
                    size_t errlen)
{
    memset(cli, 0, sizeof(*cli));
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
    return 0;
}

void agent_cli_print_help(const struct agent_cli *cli, FILE *out)
{
    fprintf(out, "usage: dockward [FLAGS]\n\n"
                 "Audits this Docker host against the CIS Docker Benchmark continuously and "
                 "serves the results\nas Prometheus metrics.\n\nFlags:\n");
    flags_print_help(out, cli->defs, cli->n_defs);
    fprintf(out, "\nEndpoints: / (links), <telemetry-path>, /healthz (alive), /readyz (first "
                 "collection done).\n");
}

void agent_config_collect_ctx(const struct agent_config *cfg, struct collect_ctx *ctx)
{
    ctx->rootfs = cfg->rootfs;
    ctx->docker_host = cfg->docker_host;
    ctx->options = cfg->options;
    ctx->n_options = cfg->n_options;
}
