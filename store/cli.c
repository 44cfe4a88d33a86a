/*
 * cli.c - dockward-store's command line: one flag table (common/flags.h)
 * that drives parsing, --help and --print-config, in the node_exporter
 * style the agent uses. The table is built per call around the config it
 * fills (its dest pointers point into that config), so nothing is global.
 */
#include "storage.h"
#include "store.h"

#include "../common/flags.h"

#include <string.h>

#define STORE_FLAGS_MAX 20

/* The agent's rule, and /api/ is the store's too. */
static int validate_telemetry_path(const char *value, char *err, size_t errlen)
{
    if (flags_validate_telemetry_path(value, err, errlen) != 0)
        return -1;
    if (strncmp(value, "/api/", 5) == 0) {
        snprintf(err, errlen, "%s is taken by another endpoint", value);
        return -1;
    }
    return 0;
}

/* Fills defs (room for STORE_FLAGS_MAX) bound to `c`; returns how many. */
static size_t build_flags(struct store_config *c, struct flag_def *defs)
{
    size_t n = 0;
    defs[n++] = flags_def_listen_address(&c->listen_address, STORE_DEFAULT_LISTEN,
                                         "Address to serve the ingest API, query API and "
                                         "metrics on (port 0: any free port)");
    defs[n++] = flags_def_telemetry_path(&c->telemetry_path, validate_telemetry_path);
    defs[n++] = flags_def_web_config_file(&c->web_config_file,
                                          "Web config (exporter-toolkit YAML): TLS, client "
                                          "certificates (e.g. required of agents), basic auth, "
                                          "headers; re-read on SIGHUP (unset: plain HTTP)");
    defs[n++] = flags_def_max_connections(&c->max_connections);
    defs[n++] = flags_def_string("storage.path", &c->storage_path, STORE_DEFAULT_STORAGE, "FILE",
                                 flags_validate_nonempty,
                                 "SQLite database of the fleet's state (created when "
                                 "missing; its directory must exist)");
    defs[n++] = flags_def_string("storage.url", &c->storage_url, NULL, "URL", NULL,
                                 "PostgreSQL instead of SQLite, as a libpq URI "
                                 "postgresql://USER@HOST:PORT/DB?sslmode=... (several "
                                 "stores may share one database; no password in it: "
                                 "see --storage.password-file)");
    defs[n++] = flags_def_string("storage.read-url", &c->storage_read_url, NULL, "URL", NULL,
                                 "With --storage.url: where the query API and the fleet "
                                 "metrics read, e.g. a streaming standby, as a libpq "
                                 "URI (no password in it; the same password file). "
                                 "Unset: --storage.url");
    defs[n++] = flags_def_file("storage.password-file", &c->storage_password_file,
                               "File holding the PostgreSQL password (first line; "
                               "mode 0600). Unset: libpq's own (PGPASSFILE, "
                               "~/.pgpass) or none");
    defs[n++] = flags_def_file("auth.tokens-file", &c->tokens_file,
                               "Bearer tokens, one \"NAME TOKEN [role=agent|reader|"
                               "admin] [hosts=GLOB]\" per line, '#' comments; "
                               "agents push, readers query, admins also retire and "
                               "rebind hosts; re-read on SIGHUP (required)");
    defs[n++] = flags_def_duration("host.stale-after", &c->stale_after_ms, "10m", 1000,
                                   365ULL * 86400 * 1000,
                                   "A host whose last report is older than this is stale");
    defs[n++] = flags_def_duration("host.retire-after", &c->retire_after_ms, "30d", 1000,
                                   100ULL * 365 * 86400 * 1000,
                                   "A host silent this long is retired: its current "
                                   "results and fleet series go, its drift stays until "
                                   "--retention; it comes back as new when it reports");
    defs[n++] = flags_def_duration("retention", &c->retention_ms, "90d", 3600ULL * 1000,
                                   100ULL * 365 * 86400 * 1000,
                                   "Drift events older than this are deleted (checked "
                                   "hourly)");
    defs[n++] =
        flags_def_duration("metrics.refresh-interval", &c->refresh_ms, "15s", 100, 3600ULL * 1000,
                           "How often the fleet metrics are recomputed; scrapes "
                           "serve the last result");
    defs[n++] = flags_def_bool("metrics.per-host", &c->metrics_per_host, "false",
                               "Also export one compliance series per host "
                               "(~120 bytes and one series each per scrape: for "
                               "small fleets whose agents are not scraped)");
    defs[n++] = flags_def_log_level(&c->log_level, "info");
    n += flags_def_exits(defs + n, &c->print_config, &c->show_version, &c->show_help);
    return n;
}

int store_cli_parse(struct store_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
    struct flag_def defs[STORE_FLAGS_MAX];
    memset(cfg, 0, sizeof(*cfg));
    size_t n = build_flags(cfg, defs);
    if (flags_parse(defs, n, argc, argv, 1, err, errlen) != 0)
        return -1;
    if (cfg->show_help || cfg->show_version)
        return 0;
    /* Checked here, not by the flag table, whose message would repeat the value: a password. */
    char sub[256];
    if (cfg->storage_url != NULL && storage_url_check(cfg->storage_url, sub, sizeof(sub)) != 0) {
        snprintf(err, errlen, "--storage.url: %s", sub);
        return -1;
    }
    if (cfg->storage_read_url != NULL &&
        storage_url_check(cfg->storage_read_url, sub, sizeof(sub)) != 0) {
        snprintf(err, errlen, "--storage.read-url: %s", sub);
        return -1;
    }
    if (cfg->storage_read_url != NULL && cfg->storage_url == NULL) {
        snprintf(err, errlen, "--storage.read-url is for --storage.url (PostgreSQL)");
        return -1;
    }
    if (cfg->storage_password_file != NULL && cfg->storage_url == NULL) {
        snprintf(err, errlen, "--storage.password-file is for --storage.url (PostgreSQL)");
        return -1;
    }
    if (cfg->tokens_file == NULL) {
        snprintf(err, errlen,
                 "--auth.tokens-file is required: agents push with a bearer token from it");
        return -1;
    }
    return 0;
}

void store_cli_print_help(FILE *out)
{
    struct store_config scratch;
    struct flag_def defs[STORE_FLAGS_MAX];
    memset(&scratch, 0, sizeof(scratch));
    size_t n = build_flags(&scratch, defs);
    fprintf(out, "usage: dockward-store --auth.tokens-file=FILE [FLAGS]\n\n"
                 "The dockward fleet store: receives agents' reports, keeps the fleet's state "
                 "and drift\nin SQLite (or PostgreSQL: --storage.url), serves fleet metrics and a "
                 "JSON query API.\n\nFlags:\n");
    flags_print_help(out, defs, n);
}

void store_cli_print_config(const struct store_config *cfg, FILE *out)
{
    struct store_config copy = *cfg;
    struct flag_def defs[STORE_FLAGS_MAX];
    size_t n = build_flags(&copy, defs);
    flags_print_effective(out, defs, n);
}
