/*
 * store.c - store_main(): flags, then start-up in the order STYLE.md asks
 * for (validate the configuration and read the tokens, open the database,
 * start the threads, bind last), then wait for signals. Signals are blocked
 * in every thread and taken synchronously here with sigwait(), so SIGHUP's
 * token reload runs on this thread, not in a signal handler.
 *
 * Shutdown runs the other way round: the writer first (it answers every
 * report still queued, so no agent waits for an answer that never comes),
 * then the HTTP server, then the readers.
 */
#include "store.h"

#include "api.h"
#include "metrics.h"
#include "pagecache.h"
#include "server.h"
#include "storage.h"
#include "tokens.h"
#include "writer.h"

#include "../common/log.h"
#include "../common/signals.h"
#include "../common/webconfig.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void reload_tokens(struct token_slot *slot, const char *path)
{
    char err[512];
    struct token_set *set = token_set_load(path, err, sizeof(err));
    if (set == NULL) {
        log_warnx("SIGHUP: keeping the current tokens: %s", err);
        return;
    }
    size_t n = token_set_count(set);
    token_slot_replace(slot, set);
    log_info("SIGHUP: reloaded %zu token(s) from %s", n, path);
}

/*
 * The query API's pool and the refresher, on `t`. A --storage.read-url
 * standby may not have replayed the schema the writer just created (a
 * first start), so there they are tried again for STORE_READ_URL_WAIT_MS.
 */
static int open_readers(const struct store_config *cfg, const struct storage_target *t,
                        struct store_api **api, struct store_refresher **refresher,
                        struct store_metrics *metrics, struct snapshot_slot *slot, char *err,
                        size_t errlen)
{
    const int64_t until =
        store_now_ms() + (cfg->storage_read_url != NULL ? STORE_READ_URL_WAIT_MS : 0);
    bool said = false;
    for (;;) {
        if (*api == NULL && store_api_open_target(api, t, cfg->stale_after_ms, err, errlen) != 0)
            *api = NULL;
        else if (store_refresher_start(refresher, metrics, slot, t, cfg->stale_after_ms,
                                       cfg->refresh_ms, err, errlen) == 0)
            return 0;
        if (store_now_ms() >= until)
            return -1;
        if (!said)
            log_info("--storage.read-url cannot be read yet (%s); trying again for %d s", err,
                     STORE_READ_URL_WAIT_MS / 1000);
        said = true;
        struct timespec ts = { 0, 200 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

int store_main(int argc, char **argv)
{
    struct store_config cfg;
    char err[512];

    signal(SIGPIPE, SIG_IGN);
    if (store_cli_parse(&cfg, argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "dockward-store: %s\n", err);
        return 2;
    }
    if (cfg.show_help) {
        store_cli_print_help(stdout);
        return 0;
    }
    if (cfg.show_version) {
        printf("dockward-store version %s (revision %s)\n", DOCKWARD_VERSION, DOCKWARD_REVISION);
        return 0;
    }
    if (cfg.print_config) {
        store_cli_print_config(&cfg, stdout);
        return 0;
    }
    enum log_level level = LOG_LEVEL_INFO;
    (void)log_level_parse(cfg.log_level, &level); /* validated by the flag table */
    log_set_level(level);

    /* Where the state lives: SQLite's file, or PostgreSQL (its password never on the command line).
     */
    struct storage_target target = { .kind = STORAGE_SQLITE, .path = cfg.storage_path };
    char *password = NULL;
    if (cfg.storage_url != NULL) {
        target = (struct storage_target){ .kind = STORAGE_POSTGRES, .url = cfg.storage_url };
        if (cfg.storage_password_file != NULL &&
            storage_password_read(cfg.storage_password_file, &password, err, sizeof(err)) != 0) {
            fprintf(stderr, "dockward-store: %s\n", err);
            return 2;
        }
        target.password = password;
    }
    /* The query API and the refresher read here: the writer's database, or --storage.read-url. */
    struct storage_target read_target = target;
    if (cfg.storage_read_url != NULL)
        read_target.url = cfg.storage_read_url;
    struct token_set *tokens = token_set_load(cfg.tokens_file, err, sizeof(err));
    if (tokens == NULL) {
        fprintf(stderr, "dockward-store: --auth.tokens-file: %s\n", err);
        storage_secret_free(password);
        return 2;
    }
    struct webconfig *web = NULL;
    if (cfg.web_config_file != NULL) {
        web = webconfig_load(cfg.web_config_file, err, sizeof(err));
        if (web == NULL) {
            fprintf(stderr, "dockward-store: --web.config.file: %s\n", err);
            token_set_free(tokens);
            storage_secret_free(password);
            return 2;
        }
    }
    int web_tls = web != NULL && web->tls;
    size_t web_users = web != NULL ? web->n_users : 0;
    size_t n_tokens = token_set_count(tokens);
    struct token_slot token_slot;
    token_slot_init(&token_slot, tokens);

    sigset_t sigs;
    signals_block(&sigs); /* threads started below inherit this */

    struct store_metrics metrics;
    store_metrics_init(&metrics);
    metrics.web_enabled = web != NULL;
    metrics.per_host = cfg.metrics_per_host;
    struct snapshot_slot slot;
    snapshot_slot_init(&slot);
    struct store_writer *writer = NULL;
    struct store_api *api = NULL;
    struct store_refresher *refresher = NULL;
    struct store_server srv = { 0 };
    int status = 1;

    /* The page cache wrapper (pagecache.h) goes in before SQLite initialises (the limits do). */
    if (!store_pagecache_install())
        log_debug("SQLite was initialised already: its page cache is its own");
    /* SQLite's share of the memory budget (store.h), before any connection opens. */
    sqlite3_soft_heap_limit64(STORE_SQLITE_SOFT_HEAP);
    sqlite3_hard_heap_limit64(STORE_SQLITE_HARD_HEAP);
    if (writer_start(&writer, &target, cfg.retention_ms, cfg.retire_after_ms, &metrics, err,
                     sizeof(err)) != 0) {
        webconfig_free(web);
        log_error("%s", err);
        goto out;
    }
    if (open_readers(&cfg, &read_target, &api, &refresher, &metrics, &slot, err, sizeof(err)) !=
        0) {
        log_error("%s", err);
        webconfig_free(web);
        goto out;
    }
    if (store_server_start(&srv, &cfg, &token_slot, &metrics, writer, api, &slot, web, err,
                           sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    log_info(
        "dockward-store %s (revision %s) listening on %s, metrics at %s, database %s, "
        "%zu token(s)",
        DOCKWARD_VERSION, DOCKWARD_REVISION, httpd_bound_address(srv.httpd), cfg.telemetry_path,
        target.kind != STORAGE_POSTGRES ? cfg.storage_path
        : cfg.storage_read_url != NULL  ? "PostgreSQL (--storage.url; reads: --storage.read-url)"
                                        : "PostgreSQL (--storage.url)",
        n_tokens);
    if (cfg.web_config_file != NULL)
        log_info("web config %s: TLS %s, %zu basic-auth user(s)", cfg.web_config_file,
                 web_tls ? "on" : "off", web_users);

    while (signals_wait_reload(&sigs)) {
        reload_tokens(&token_slot, cfg.tokens_file);
        if (cfg.web_config_file != NULL)
            httpd_sighup_web_file(srv.httpd, cfg.web_config_file);
    }
    status = 0;

out:
    writer_stop(writer);
    if (srv.httpd != NULL)
        store_server_stop(&srv);
    writer_free(writer);
    store_refresher_stop(refresher);
    store_api_close(api);
    snapshot_slot_destroy(&slot);
    store_metrics_destroy(&metrics);
    token_slot_destroy(&token_slot);
    storage_secret_free(password);
    if (status == 0)
        log_info("stopped");
    return status;
}
