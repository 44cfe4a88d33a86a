/*
 * agent.c - agent_main(): flags, then start-up in the order STYLE.md asks
 * for (validate the configuration, open the outbox, bind, start threads),
 * then wait for a signal. Signals are blocked in every thread and taken
 * synchronously here with sigwait(), so no handler runs in async-signal
 * context. SIGHUP re-reads the push token; everything else is read at start.
 *
 * An outbox that cannot be opened at start is not fatal: the error is
 * logged and counted, metrics are served, and every collection tries again.
 *
 * With --run-as-user the user is resolved first (so every mistake is told
 * before anything is bound); the storage directory is handed to it after
 * the outbox is opened; then the port is bound, root is dropped and the
 * drop verified (privdrop.c), and only then do the threads that read
 * requests, Docker answers and the store's replies start. The push token is
 * read after the drop, by the user that will re-read it on SIGHUP.
 */
#include "agent.h"

#include "outbox.h"
#include "privdrop.h"
#include "push.h"
#include "scheduler.h"
#include "server.h"
#include "waivers.h"

#include "../collectors/docker.h"
#include "../collectors/registry.h"
#include "../common/log.h"
#include "../common/signals.h"
#include "../common/webconfig.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

int agent_main(int argc, char **argv)
{
    static struct agent_cli cli; /* large; lives for the whole process */
    char err[512];

    signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return check_main(argc, argv);
    int exit_code = agent_cli_start(&cli, AGENT_MODE_DAEMON, argc, argv, 1, "dockward");
    if (exit_code >= 0)
        return exit_code;
    const struct agent_config *cfg = &cli.cfg;

    struct privdrop_user run_as;
    if (cfg->run_as_user != NULL &&
        privdrop_prepare(cfg->run_as_user, &run_as, err, sizeof(err)) != 0) {
        fprintf(stderr, "dockward: %s\n", err);
        return 2;
    }

    /*
     * The web config is read before anything starts (and before a drop of
     * privileges, so the TLS key may stay root-only; a SIGHUP re-read then
     * needs it readable by --run-as-user): a bad file is a usage error.
     */
    struct httpd_web_counters web_counters;
    httpd_web_counters_init(&web_counters);
    struct webconfig *web = NULL;
    if (cfg->web_config_file != NULL) {
        char werr[1024];
        web = webconfig_load(cfg->web_config_file, werr, sizeof(werr));
        if (web == NULL) {
            fprintf(stderr, "dockward: invalid value for --web.config.file: %s\n", werr);
            return 2;
        }
        cli.cfg.web_counters = &web_counters;
    }

    /* The waivers likewise: a bad file at start is a usage error; on SIGHUP the old set stays. */
    static struct waiver_book waivers;
    waiver_book_init(&waivers, cfg->waivers_file, (double)cfg->waivers_max_ms / 1000.0);
    if (cfg->waivers_file != NULL) {
        char werr[1024];
        if (waiver_book_load(&waivers, clock_wall_seconds(), werr, sizeof(werr)) != 0) {
            fprintf(stderr, "dockward: invalid value for --waivers.file: %s\n", werr);
            webconfig_free(web);
            return 2;
        }
        log_info("waivers: %s", werr);
        cli.cfg.waivers = &waivers;
    }

    if (docker_global_init() != 0) {
        log_error("cannot initialise libcurl");
        webconfig_free(web);
        return 1;
    }

    sigset_t sigs;
    signals_block(&sigs); /* threads started below inherit this */

    size_t enabled = 0;
    char names[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < collector_registry_len && i < AGENT_MAX_COLLECTORS; i++) {
        if (!cfg->enabled[i])
            continue;
        enabled++;
        int n = snprintf(names + used, sizeof(names) - used, "%s%s", used ? "," : "",
                         collector_registry[i]->name);
        if (n > 0 && (size_t)n < sizeof(names) - used)
            used += (size_t)n;
    }
    if (enabled == 0)
        log_warnx("no collector is enabled: only dockward's own metrics will be served");

    /* Reports: the outbox is opened now; a failure here is retried at each collection. */
    struct outbox *outbox = NULL;
    struct push *push = NULL;
    if (cfg->push_url != NULL) {
        outbox = outbox_new(cfg->storage_path, cfg->outbox_max_reports, err, sizeof(err));
        if (outbox == NULL) {
            log_error("%s", err);
            webconfig_free(web);
            return 1;
        }
        if (outbox_open(outbox, err, sizeof(err)) != 0)
            log_error("%s; reports cannot be queued until it opens (tried again at each "
                      "collection)",
                      err);
        if (cfg->run_as_user != NULL &&
            outbox_give_to(outbox, run_as.uid, run_as.gid, err, sizeof(err)) != 0) {
            log_error("--run-as-user: %s", err);
            webconfig_free(web);
            outbox_close(outbox);
            return 1;
        }
    }

    /* Before the first collection, scrapes get build info and process figures. */
    struct snapshot_slot slot;
    struct collection empty;
    struct report_metrics rm;
    snapshot_slot_init(&slot);
    collection_init(&empty);
    report_metrics_read(&rm, outbox, NULL, NULL);
    struct snapshot *initial =
        snapshot_build(cfg, &empty, outbox != NULL ? &rm : NULL, err, sizeof(err));
    if (initial == NULL) {
        log_error("%s", err);
        webconfig_free(web);
        outbox_close(outbox);
        return 1;
    }
    snapshot_slot_publish(&slot, initial);

    struct agent_server srv;
    int web_tls = web != NULL && web->tls;
    size_t web_users = web != NULL ? web->n_users : 0;
    if (agent_server_bind(&srv, cfg, &slot, web, err, sizeof(err)) != 0) {
        log_error("%s", err);
        snapshot_slot_destroy(&slot);
        outbox_close(outbox);
        return 1;
    }
    if (cfg->run_as_user != NULL) {
        if (privdrop_apply(&run_as, err, sizeof(err)) != 0) {
            log_error("--run-as-user %s: %s; refusing to run", cfg->run_as_user, err);
            agent_server_stop(&srv);
            snapshot_slot_destroy(&slot);
            outbox_close(outbox);
            return 1;
        }
        log_info("running as user %s (uid %u, gid %u, %zu groups); verified: no way back to "
                 "root",
                 run_as.name, (unsigned)run_as.uid, (unsigned)run_as.gid, run_as.n_groups);
    }
    if (agent_server_serve(&srv, err, sizeof(err)) != 0) {
        log_error("%s", err);
        agent_server_stop(&srv);
        snapshot_slot_destroy(&slot);
        outbox_close(outbox);
        return 1;
    }
    log_info("dockward %s (revision %s) listening on %s, metrics at %s, rootfs %s, "
             "collectors %s, interval %llus",
             DOCKWARD_VERSION, DOCKWARD_REVISION, httpd_bound_address(srv.httpd),
             cfg->telemetry_path, cfg->rootfs, enabled ? names : "none",
             (unsigned long long)(cfg->interval_ms / 1000));
    if (cfg->web_config_file != NULL)
        log_info("web config %s: TLS %s, %zu basic-auth user(s)", cfg->web_config_file,
                 web_tls ? "on" : "off", web_users);
    else
        log_info("no --web.config.file: plain HTTP, no authentication");

    if (outbox != NULL) {
        struct push_options po = { .url = cfg->push_url,
                                   .token_file = cfg->push_token_file,
                                   .tls_ca = cfg->push_tls_ca,
                                   .tls_cert = cfg->push_tls_cert,
                                   .tls_key = cfg->push_tls_key };
        push = push_start(&po, outbox, err, sizeof(err));
        if (push == NULL) {
            log_error("%s", err);
            agent_server_stop(&srv);
            snapshot_slot_destroy(&slot);
            outbox_close(outbox);
            return 1;
        }
        struct outbox_stats os;
        outbox_stats_read(outbox, &os);
        log_info("pushing reports to %s (outbox %s, %llu queued, at most %llu)", cfg->push_url,
                 outbox_path(outbox), (unsigned long long)os.reports, cfg->outbox_max_reports);
    }

    struct scheduler sched;
    if (scheduler_start(&sched, cfg, &slot, outbox, push, err, sizeof(err)) != 0) {
        log_error("%s", err);
        push_stop(push);
        agent_server_stop(&srv);
        snapshot_slot_destroy(&slot);
        outbox_close(outbox);
        return 1;
    }

    while (signals_wait_reload(&sigs)) {
        if (cfg->web_config_file != NULL)
            httpd_sighup_web_file(srv.httpd, cfg->web_config_file);
        if (cfg->waivers_file != NULL) {
            if (waiver_book_load(&waivers, clock_wall_seconds(), err, sizeof(err)) == 0)
                log_info("SIGHUP: %s", err);
            else
                log_warnx("SIGHUP: %s; keeping the previous waivers", err);
        }
        if (push == NULL) {
            if (cfg->web_config_file == NULL && cfg->waivers_file == NULL)
                log_info("SIGHUP: nothing to reload (flags are read at start)");
        } else if (push_reload_token(push, err, sizeof(err)) != 0) {
            log_warnx("SIGHUP: %s; keeping the previous token", err);
        } else {
            log_info("SIGHUP: push token re-read from %s", cfg->push_token_file);
        }
    }
    scheduler_stop(&sched);
    push_stop(push);
    agent_server_stop(&srv);
    snapshot_slot_destroy(&slot);
    outbox_close(outbox);
    waiver_book_destroy(&waivers);
    log_info("stopped");
    return 0;
}
