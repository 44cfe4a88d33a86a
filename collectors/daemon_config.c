/*
 * daemon_config.c - CIS section 2 (the Docker daemon's configuration), 5.1
 * (swarm mode off) and section 7 (swarm): how dockerd is configured, judged
 * from what dockerd actually runs with.
 *
 * Two sources, each used where it is the truth:
 *
 * - The Docker API sweep (GET /info, /version, /networks) for what the
 *   daemon reports as in effect: registries (2.5), storage driver (2.6),
 *   rootless and user namespaces (2.1, 2.9), logging driver (2.13), live
 *   restore (2.15), seccomp (2.17), experimental (2.18), swarm (5.1, 7.x).
 * - dockerd's command line and the daemon.json it really reads
 *   (dockerd_config_load_for: the dockerd serving --docker.host, its
 *   `--config-file PATH` in either form) for the options the API does not
 *   show. Every option form dockerd's flag parser accepts counts: `-l debug`,
 *   `--log-level debug`, `--log-level=debug`, `-D`; a later flag overrides
 *   an earlier one.
 *
 * An option set nowhere takes dockerd's default, but only when dockward
 * can see everywhere it could be set: when dockerd's process is not visible
 * under the root's /proc, or daemon.json cannot be read or parsed, a check
 * that would rest on the default is `error` with the reason, never a silent
 * pass. A value that IS visible is judged even then (a daemon.json value is
 * in effect: dockerd refuses a setting given both as a flag and in the
 * file).
 *
 * 7.2 reads the swarm management listener (port 2377) from dockerd's own
 * network namespace, <root>/proc/<dockerd pid>/net/tcp and tcp6, because
 * the API reports only the advertised address, never the address swarm
 * listens on (default 0.0.0.0:2377, all interfaces). Only listeners whose
 * socket dockerd holds (its /proc/<pid>/fd links) count, so another
 * daemon's swarm on the same host cannot decide the verdict.
 *
 * This file holds the check catalog, the order of the judges and the
 * collect function; the judges are in daemon_config_section2.c and
 * daemon_config_swarm.c, the setting lookups in daemon_config_settings.c
 * (daemon_config_internal.h says who holds what).
 *
 * Evidence names settings, values and where they came from; it never holds
 * an environment value or a secret.
 */
#include "daemon_config_internal.h"

#include <stdio.h>
#include <string.h>

/* The rows of catalog.txt, written into the build tree by catalog_gen. */
static const struct check_def daemon_config_checks[] = {
#include "catalog/daemon_config.inc"
};

/* ---- collect --------------------------------------------------------------- */

/* In catalog order: 2.1 to 2.18, 5.1, then section 7. */
static const daemon_judge_fn judges[] = {
    daemon_judge_section2,
    daemon_judge_5_1,
    daemon_judge_swarm,
};

static int daemon_config_collect(const struct collect_ctx *ctx, struct result_sink *sink, char *err,
                                 size_t errlen)
{
    const struct docker_sweep *sw = ctx->docker;
    if (docker_sweep_available(sw, err, errlen) != 0)
        return -1;
    struct view v;
    memset(&v, 0, sizeof(v));
    v.ctx = ctx;
    v.sweep = sw;
    v.info = &sw->info;
    v.version = &sw->version;
    /* A configuration that cannot be read leaves the API-based checks to judge. */
    v.cfg_ok = dockerd_config_load_ctx(ctx, &v.cfg, v.cfg_err, sizeof(v.cfg_err)) == 0;

    int rc = 0;
    for (size_t i = 0; i < ARRAY_LEN(judges) && rc == 0; i++)
        rc = judges[i](&v, sink);
    if (v.cfg_ok)
        dockerd_config_free(&v.cfg);
    return collect_sink_rc(sink, rc, err, errlen);
}

const struct collector collector_daemon_config = {
    .name = "daemon_config",
    .enabled_by_default = true,
    .help = "Docker daemon configuration from the API, dockerd's command line and daemon.json; "
            "swarm (CIS 2, 5.1, 7)",
    .checks = daemon_config_checks,
    .n_checks = ARRAY_LEN(daemon_config_checks),
    .needs_docker = true,
    .collect = daemon_config_collect,
};
