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

static const struct check_def daemon_config_checks[] = {
    { "2.1", "2", 1, false, "The Docker daemon runs as a non-root user, if possible",
      "Consider rootless mode (dockerd-rootless-setuptool.sh install) where its limitations are "
      "acceptable." },
    { "2.2", "2", 1, true, "Network traffic is restricted between containers on the default bridge",
      "Set \"icc\": false in daemon.json (or --icc=false) and use user-defined networks for "
      "containers that must talk to each other." },
    { "2.3", "2", 1, true, "The logging level is set to 'info'",
      "Remove --log-level/-l and -D/--debug from dockerd's command line and \"log-level\"/"
      "\"debug\" from daemon.json, or set \"log-level\": \"info\"." },
    { "2.4", "2", 1, true, "Docker is allowed to make changes to iptables",
      "Remove --iptables=false from dockerd's command line and \"iptables\": false from "
      "daemon.json." },
    { "2.5", "2", 1, true, "Insecure registries are not used",
      "Remove --insecure-registry and \"insecure-registries\" entries; give the registries TLS "
      "certificates (/etc/docker/certs.d/<registry>/ca.crt)." },
    { "2.6", "2", 1, true, "The aufs storage driver is not used",
      "Use the overlay2 storage driver (\"storage-driver\": \"overlay2\")." },
    { "2.7", "2", 1, true, "TLS authentication is configured for a Docker daemon on TCP",
      "Set tlsverify with tlscacert, tlscert and tlskey (daemon.json or flags) for every tcp:// "
      "host, or listen on the unix socket only." },
    { "2.8", "2", 1, false, "The default ulimit is configured appropriately",
      "Set \"default-ulimits\" in daemon.json (or --default-ulimit) to the limits your "
      "containers need." },
    { "2.9", "2", 2, true, "User namespace support is enabled",
      "Set \"userns-remap\": \"default\" in daemon.json (or --userns-remap) after preparing "
      "/etc/subuid and /etc/subgid, or run dockerd rootless." },
    { "2.10", "2", 2, true, "The default cgroup usage has been confirmed",
      "Remove --cgroup-parent / \"cgroup-parent\" unless a documented need requires it." },
    { "2.11", "2", 2, true, "The base device size is not changed until needed",
      "Remove dm.basesize from --storage-opt / \"storage-opts\"." },
    { "2.12", "2", 2, true, "Authorization for Docker client commands is enabled",
      "Install an authorization plugin and list it in \"authorization-plugins\" (or "
      "--authorization-plugin)." },
    { "2.13", "2", 1, true, "Centralized and remote logging is configured",
      "Set \"log-driver\" to a remote driver (syslog, journald forwarded off the host, gelf, "
      "fluentd, ...)." },
    { "2.14", "2", 1, true, "Containers are restricted from acquiring new privileges",
      "Set \"no-new-privileges\": true in daemon.json (or --no-new-privileges)." },
    { "2.15", "2", 1, true, "Live restore is enabled",
      "Set \"live-restore\": true in daemon.json (or --live-restore)." },
    { "2.16", "2", 1, true, "The userland proxy is disabled",
      "Set \"userland-proxy\": false in daemon.json (or --userland-proxy=false)." },
    { "2.17", "2", 2, false, "A daemon-wide custom seccomp profile is applied if appropriate",
      "Keep Docker's default seccomp profile or set \"seccomp-profile\" to a reviewed custom one; "
      "never \"unconfined\"." },
    { "2.18", "2", 1, true, "Experimental features are not used in production",
      "Remove --experimental / \"experimental\": true from dockerd's configuration." },
    { "5.1", "5", 1, true, "Swarm mode is not enabled, if not needed",
      "Leave the swarm (docker swarm leave) on hosts that do not need it." },
    { "7.1", "7", 1, true, "The minimum number of manager nodes has been created in a swarm",
      "Run an odd number of managers, at most 7 (usually 3 or 5): docker node demote / promote." },
    { "7.2", "7", 1, true, "Swarm services are bound to a specific host interface",
      "Re-create the swarm with --listen-addr <ip>:2377 (the management interface's address)." },
    { "7.3", "7", 1, true, "All Docker swarm overlay networks are encrypted",
      "Create overlay networks with --opt encrypted (re-create the ones without it)." },
    { "7.4", "7", 2, false,
      "Docker's secret management commands are used for managing secrets in a swarm",
      "Keep secrets in docker secret, never in images, environment variables or bind mounts." },
    { "7.5", "7", 1, true, "The swarm manager runs in auto-lock mode",
      "Run docker swarm update --autolock=true and keep the unlock key safe." },
    { "7.6", "7", 1, false, "The swarm manager auto-lock key is rotated periodically",
      "Rotate the key with docker swarm unlock-key --rotate on a schedule." },
    { "7.7", "7", 1, false, "Node certificates are rotated as appropriate",
      "Set the certificate expiry with docker swarm update --cert-expiry to your policy." },
    { "7.8", "7", 1, false, "CA certificates are rotated as appropriate",
      "Rotate the swarm CA with docker swarm ca --rotate on a schedule." },
    { "7.9", "7", 2, false, "Management plane traffic is separated from data plane traffic",
      "Initialise the swarm with --advertise-addr and --data-path-addr on different "
      "interfaces." },
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
