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
 * Evidence names settings, values and where they came from; it never holds
 * an environment value or a secret.
 */
#include "collector.h"

#include "docker.h"
#include "dockerd_config.h"
#include "hostfs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SETTING_VALUES_MAX  64                /* values of one multi-valued option looked at */
#define PROC_NET_MAX        (8 * 1024 * 1024) /* cap on /proc/<pid>/net/tcp{,6} */
#define SWARM_PORT          2377              /* swarm's management (raft/control) port */
#define SWARM_MANAGERS_MAX  7                 /* more managers slow consensus down */
#define DOCKERD_SOCKETS_MAX 65536             /* dockerd's open fds looked at for 7.2 */

#define HOST_TARGET "host"
#define WHY_MAX     (HOSTFS_PATH_MAX + 512) /* a reason that may name the daemon.json path */

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

/* Everything one collection judges from. */
struct view {
    const struct collect_ctx *ctx;
    const struct docker_info *info;
    const struct docker_version *version;
    const struct docker_sweep *sweep;
    struct dockerd_config cfg;
    int cfg_ok;        /* cfg was loaded */
    char cfg_err[256]; /* why not */
};

/* A single-valued setting as found. */
struct setting {
    const char *value;                /* NULL: set nowhere, dockerd's default applies */
    char where[HOSTFS_PATH_MAX + 16]; /* "command line" or the daemon.json path */
};

/* Adds a result for target "host"; the evidence is printf-style. Returns sink_add's result. */
static int host_result(struct result_sink *sink, const char *id, enum check_status status,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int host_result(struct result_sink *sink, const char *id, enum check_status status,
                       const char *fmt, ...)
{
    char evidence[RESULT_EVIDENCE_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(evidence, sizeof(evidence), fmt, ap);
    va_end(ap);
    if (n < 0)
        evidence[0] = '\0';
    /* A longer evidence is cut (and marked) by the sink. */
    return sink_add(sink, id, HOST_TARGET, status, "%s", evidence);
}

static int has_invalid(uint64_t invalid, int field)
{
    return (invalid & ((uint64_t)1 << field)) != 0;
}

/* Joins items with ", " into out, "..." marking a cut. */
static void join(char *out, size_t outlen, const char *const *items, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + used, outlen - used, "%s%s", i > 0 ? ", " : "", items[i]);
        if (w < 0 || (size_t)w >= outlen - used) {
            if (outlen >= 4)
                memcpy(out + outlen - 4, "...", 4);
            return;
        }
        used += (size_t)w;
    }
}

/*
 * 0 when a setting found nowhere is at dockerd's default; -1 with `why`
 * when it may be set where dockward cannot see (no dockerd process, an
 * unreadable or invalid daemon.json, or no configuration at all).
 */
static int unset_is_default(const struct view *v, char *why, size_t whylen)
{
    if (!v->cfg_ok) {
        snprintf(why, whylen, "cannot read dockerd's configuration: %s", v->cfg_err);
        return -1;
    }
    if (v->cfg.pid == 0) {
        snprintf(why, whylen,
                 "dockerd's command line is not visible (no dockerd process in /proc)");
        return -1;
    }
    if (v->cfg.json_state == DOCKERD_JSON_INVALID || v->cfg.json_state == DOCKERD_JSON_UNREADABLE) {
        snprintf(why, whylen, "%s: %s",
                 v->cfg.config_file[0] != '\0' ? v->cfg.config_file : "daemon.json",
                 v->cfg.config_error);
        return -1;
    }
    return 0;
}

static void where_from(const struct view *v, enum dockerd_source src, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", src == DOCKERD_SRC_CMDLINE ? "command line" : v->cfg.config_file);
}

/*
 * Looks up single-valued setting `name`. Returns 0 with s filled (s->value
 * NULL: unset, default applies), or -1 with `why` when it is not set where
 * dockward looks and may be set where it cannot.
 */
static int setting_get(const struct view *v, const char *name, struct setting *s, char *why,
                       size_t whylen)
{
    s->value = NULL;
    s->where[0] = '\0';
    if (v->cfg_ok) {
        enum dockerd_source src;
        const char *val = dockerd_config_effective(&v->cfg, name, &src);
        if (val != NULL) {
            s->value = val;
            where_from(v, src, s->where, sizeof(s->where));
            return 0;
        }
    }
    return unset_is_default(v, why, whylen);
}

/*
 * Every value of multi-valued setting `flag` (command-line name; the
 * daemon.json key is mapped by dockerd_config_values), at most max. *n_out
 * set, *n_cmdline to how many of them came from the command line (they come
 * first). Returns 0, or -1 with `why` when none was found and some may hide
 * where dockward cannot see.
 */
static int setting_values(const struct view *v, const char *flag, const char **out, size_t max,
                          size_t *n_out, size_t *n_cmdline, char *why, size_t whylen)
{
    *n_out = 0;
    *n_cmdline = 0;
    if (v->cfg_ok) {
        size_t n = dockerd_config_values(&v->cfg, flag, out, max);
        *n_out = n < max ? n : max;
        for (size_t i = 0; i < v->cfg.n_opts; i++) {
            if (strcmp(v->cfg.opts[i].name, flag) == 0)
                (*n_cmdline)++;
        }
        if (*n_out > 0)
            return 0;
    }
    return unset_is_default(v, why, whylen);
}

/* Where value i of a setting_values() answer came from. */
static const char *values_where(const struct view *v, size_t i, size_t n_cmdline)
{
    return i < n_cmdline ? "command line" : v->cfg.config_file;
}

/*
 * The SecurityOptions entry "name=<name>[,...]", or NULL. The caller has
 * checked DOCKER_F_INFO_SECURITY_OPTIONS.
 */
static const char *security_option(const struct docker_info *info, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < info->security_options.len; i++) {
        const char *o = info->security_options.items[i];
        if (o != NULL && strncmp(o, "name=", 5) == 0 && strncmp(o + 5, name, nl) == 0 &&
            (o[5 + nl] == '\0' || o[5 + nl] == ','))
            return o;
    }
    return NULL;
}

/* ---- section 2 ------------------------------------------------------------- */

/* 2.1 (manual): rootless mode, as SecurityOptions reports it. */
static int judge_2_1(struct view *v, struct result_sink *sink)
{
    if (has_invalid(v->info->invalid, DOCKER_F_INFO_SECURITY_OPTIONS))
        return host_result(sink, "2.1", CHECK_ERROR,
                           "SecurityOptions missing or mistyped in the API answer");
    if (security_option(v->info, "rootless") != NULL)
        return host_result(sink, "2.1", CHECK_PASS, "SecurityOptions has name=rootless");
    return host_result(sink, "2.1", CHECK_WARN,
                       "dockerd runs as root (no name=rootless in SecurityOptions)");
}

/* 2.2: icc off, unless the default bridge is disabled altogether. */
static int judge_2_2(struct view *v, struct result_sink *sink)
{
    struct setting bridge, icc;
    char why[WHY_MAX];
    if (setting_get(v, "bridge", &bridge, why, sizeof(why)) == 0 && bridge.value != NULL &&
        strcmp(bridge.value, "none") == 0)
        return host_result(sink, "2.2", CHECK_SKIP, "default bridge disabled (bridge=none, %s)",
                           bridge.where);
    if (setting_get(v, "icc", &icc, why, sizeof(why)) != 0)
        return host_result(sink, "2.2", CHECK_ERROR, "icc not found: %s", why);
    if (icc.value == NULL)
        return host_result(sink, "2.2", CHECK_FAIL, "icc not set (default true)");
    switch (dockerd_parse_bool(icc.value)) {
    case 0:
        return host_result(sink, "2.2", CHECK_PASS, "icc=false (%s)", icc.where);
    case 1:
        return host_result(sink, "2.2", CHECK_FAIL, "icc=true (%s)", icc.where);
    default:
        return host_result(sink, "2.2", CHECK_ERROR, "icc=\"%s\" (%s) is not a boolean", icc.value,
                           icc.where);
    }
}

/* 2.3: log level info; -D / "debug": true also means debug. */
static int judge_2_3(struct view *v, struct result_sink *sink)
{
    struct setting debug, level;
    char why_debug[WHY_MAX], why_level[WHY_MAX];
    int debug_rc = setting_get(v, "debug", &debug, why_debug, sizeof(why_debug));
    int level_rc = setting_get(v, "log-level", &level, why_level, sizeof(why_level));
    if (debug_rc == 0 && debug.value != NULL && dockerd_parse_bool(debug.value) == 1)
        return host_result(sink, "2.3", CHECK_FAIL, "debug=true (%s): the log level is debug",
                           debug.where);
    /* logrus.ParseLevel ignores case; "" is info (configureDaemonLogs). */
    if (level_rc == 0 && level.value != NULL && level.value[0] != '\0' &&
        strcasecmp(level.value, "info") != 0)
        return host_result(sink, "2.3", CHECK_FAIL, "log-level=%s (%s)", level.value, level.where);
    if (level_rc != 0)
        return host_result(sink, "2.3", CHECK_ERROR, "log-level not found: %s", why_level);
    if (debug_rc != 0)
        return host_result(sink, "2.3", CHECK_ERROR, "debug not found: %s", why_debug);
    if (debug.value != NULL && dockerd_parse_bool(debug.value) < 0)
        return host_result(sink, "2.3", CHECK_ERROR, "debug=\"%s\" (%s) is not a boolean",
                           debug.value, debug.where);
    if (level.value != NULL && level.value[0] == '\0')
        return host_result(sink, "2.3", CHECK_PASS,
                           "log-level=\"\" (%s): dockerd uses info for an empty level",
                           level.where);
    if (level.value != NULL)
        return host_result(sink, "2.3", CHECK_PASS, "log-level=%s (%s)", level.value, level.where);
    return host_result(sink, "2.3", CHECK_PASS, "log-level not set (default info)");
}

/* Judges a boolean option whose safe value is `want`, unset meaning `def`. */
static int judge_bool(struct view *v, struct result_sink *sink, const char *id, const char *name,
                      int want, int def)
{
    struct setting s;
    char why[WHY_MAX];
    if (setting_get(v, name, &s, why, sizeof(why)) != 0)
        return host_result(sink, id, CHECK_ERROR, "%s not found: %s", name, why);
    if (s.value == NULL)
        return host_result(sink, id, def == want ? CHECK_PASS : CHECK_FAIL,
                           "%s not set (default %s)", name, def ? "true" : "false");
    int b = dockerd_parse_bool(s.value);
    if (b < 0)
        return host_result(sink, id, CHECK_ERROR, "%s=\"%s\" (%s) is not a boolean", name, s.value,
                           s.where);
    return host_result(sink, id, b == want ? CHECK_PASS : CHECK_FAIL, "%s=%s (%s)", name,
                       b ? "true" : "false", s.where);
}

/* 2.4: iptables not turned off. */
static int judge_2_4(struct view *v, struct result_sink *sink)
{
    return judge_bool(v, sink, "2.4", "iptables", 1, 1);
}

/* Whether a CIDR is one dockerd always lists as insecure: loopback. */
static int builtin_insecure_cidr(const char *cidr)
{
    return strcmp(cidr, "127.0.0.0/8") == 0 || strcmp(cidr, "::1/128") == 0;
}

/* 2.5: the effective registry configuration from /info. */
static int judge_2_5(struct view *v, struct result_sink *sink)
{
    const struct docker_info *info = v->info;
    if (has_invalid(info->invalid, DOCKER_F_INFO_REGISTRY_CONFIG))
        return host_result(sink, "2.5", CHECK_ERROR,
                           "RegistryConfig missing or mistyped in the API answer");
    const char *found[SETTING_VALUES_MAX];
    size_t n = 0, total = 0;
    for (size_t i = 0; i < info->n_index_configs; i++) {
        const struct docker_registry_index *ix = &info->index_configs[i];
        if (ix->secure || ix->name == NULL)
            continue;
        if (n < SETTING_VALUES_MAX)
            found[n++] = ix->name;
        total++;
    }
    for (size_t i = 0; i < info->insecure_registry_cidrs.len; i++) {
        const char *cidr = info->insecure_registry_cidrs.items[i];
        if (cidr == NULL || builtin_insecure_cidr(cidr))
            continue;
        if (n < SETTING_VALUES_MAX)
            found[n++] = cidr;
        total++;
    }
    if (total == 0)
        return host_result(sink, "2.5", CHECK_PASS,
                           "no insecure registries (the built-in loopback ranges aside)");
    char list[RESULT_EVIDENCE_MAX];
    join(list, sizeof(list), found, n);
    return host_result(sink, "2.5", CHECK_FAIL, "%zu insecure registries: %s", total, list);
}

/* 2.6: the storage driver in use. */
static int judge_2_6(struct view *v, struct result_sink *sink)
{
    const struct docker_info *info = v->info;
    if (has_invalid(info->invalid, DOCKER_F_INFO_DRIVER) || info->driver == NULL)
        return host_result(sink, "2.6", CHECK_ERROR,
                           "Driver missing or mistyped in the API answer");
    return host_result(sink, "2.6", strcmp(info->driver, "aufs") == 0 ? CHECK_FAIL : CHECK_PASS,
                       "storage driver %s", info->driver);
}

/* Whether a -H / "hosts" value is a TCP address (tcp://, or host:port without a scheme). */
static int is_tcp_host(const char *h)
{
    return strncmp(h, "tcp://", 6) == 0 || (h[0] != '\0' && strstr(h, "://") == NULL);
}

/*
 * 2.7: TLS with client verification on every TCP socket, as moby 20.10's
 * cmd/dockerd applies it: tlsverify set at all (flag or daemon.json, true
 * or false) turns TLS on (loadDaemonCliConfig); an unset tlsverify takes
 * the value of tls; newAPIServerConfig then requires client certificates
 * unless tlsverify is false. With TLS on and no -H (or an empty one),
 * dockerd listens on tcp://localhost:2376 (opts.ParseHost's DefaultTLSHost),
 * not on the unix socket.
 */
static int judge_2_7(struct view *v, struct result_sink *sink)
{
    const char *hosts[SETTING_VALUES_MAX], *tcp[SETTING_VALUES_MAX + 2];
    size_t n = 0, n_cmdline = 0, n_tcp = 0;
    char why[WHY_MAX];
    if (setting_values(v, "host", hosts, SETTING_VALUES_MAX, &n, &n_cmdline, why, sizeof(why)) != 0)
        return host_result(sink, "2.7", CHECK_ERROR, "hosts not found: %s", why);
    int default_host = n == 0;
    for (size_t i = 0; i < n; i++) {
        if (hosts[i][0] == '\0')
            default_host = 1;
        else if (is_tcp_host(hosts[i]))
            tcp[n_tcp++] = hosts[i];
    }
    struct setting verify, tls;
    char why_tls[WHY_MAX];
    int verify_rc = setting_get(v, "tlsverify", &verify, why, sizeof(why));
    int tls_rc = setting_get(v, "tls", &tls, why_tls, sizeof(why_tls));
    int tls_on = (verify_rc == 0 && verify.value != NULL) ||
                 (tls_rc == 0 && tls.value != NULL && dockerd_parse_bool(tls.value) == 1);
    if (default_host && tls_on)
        tcp[n_tcp++] = "tcp://localhost:2376 (dockerd's default host with TLS on)";
    if (v->cfg.systemd_tcp)
        tcp[n_tcp++] = "fd:// (TCP ListenStream= in docker.socket)";
    if (n_tcp == 0)
        return host_result(sink, "2.7", CHECK_SKIP,
                           "no TCP socket (dockerd listens on unix "
                           "sockets only)");
    char list[256];
    join(list, sizeof(list), tcp, n_tcp);

    if (verify_rc != 0)
        return host_result(sink, "2.7", CHECK_ERROR, "%s: tlsverify not found: %s", list, why);
    if (verify.value != NULL) {
        switch (dockerd_parse_bool(verify.value)) {
        case 1:
            return host_result(sink, "2.7", CHECK_PASS, "%s: tlsverify=true (%s)", list,
                               verify.where);
        case 0:
            return host_result(sink, "2.7", CHECK_FAIL,
                               "%s: TLS without client verification (tlsverify=false %s %s turns "
                               "TLS on and lets any client in)",
                               list, strcmp(verify.where, "command line") == 0 ? "on the" : "in",
                               verify.where);
        default:
            return host_result(sink, "2.7", CHECK_ERROR,
                               "%s: tlsverify=\"%s\" (%s) is not a boolean", list, verify.value,
                               verify.where);
        }
    }
    if (tls_rc != 0)
        return host_result(sink, "2.7", CHECK_ERROR, "%s: tls not found: %s", list, why_tls);
    if (tls.value == NULL)
        return host_result(sink, "2.7", CHECK_FAIL, "%s: no TLS (tls and tlsverify not set)", list);
    switch (dockerd_parse_bool(tls.value)) {
    case 1:
        /* Seen on dockerd 20.10: a client without a certificate is refused. */
        return host_result(sink, "2.7", CHECK_PASS,
                           "%s: tls=true (%s) and tlsverify not set: dockerd then verifies "
                           "clients",
                           list, tls.where);
    case 0:
        return host_result(sink, "2.7", CHECK_FAIL,
                           "%s: no TLS (tls=false (%s), tlsverify not set)", list, tls.where);
    default:
        return host_result(sink, "2.7", CHECK_ERROR, "%s: tls=\"%s\" (%s) is not a boolean", list,
                           tls.value, tls.where);
    }
}

/* 2.8 (manual): default ulimits configured. */
static int judge_2_8(struct view *v, struct result_sink *sink)
{
    const char *vals[SETTING_VALUES_MAX];
    size_t n = 0, n_cmdline = 0;
    char why[WHY_MAX];
    if (setting_values(v, "default-ulimit", vals, SETTING_VALUES_MAX, &n, &n_cmdline, why,
                       sizeof(why)) != 0)
        return host_result(sink, "2.8", CHECK_ERROR, "default-ulimits not found: %s", why);
    if (n == 0)
        return host_result(sink, "2.8", CHECK_WARN, "no default ulimits configured");
    char list[256];
    join(list, sizeof(list), vals, n);
    return host_result(sink, "2.8", CHECK_PASS, "default ulimits: %s (%s)", list,
                       values_where(v, 0, n_cmdline));
}

/* 2.9: user namespaces in effect (SecurityOptions), or rootless. */
static int judge_2_9(struct view *v, struct result_sink *sink)
{
    if (has_invalid(v->info->invalid, DOCKER_F_INFO_SECURITY_OPTIONS))
        return host_result(sink, "2.9", CHECK_ERROR,
                           "SecurityOptions missing or mistyped in the API answer");
    if (security_option(v->info, "userns") != NULL)
        return host_result(sink, "2.9", CHECK_PASS, "SecurityOptions has name=userns");
    if (security_option(v->info, "rootless") != NULL)
        return host_result(sink, "2.9", CHECK_PASS,
                           "rootless dockerd: containers run in its user namespace");
    struct setting remap;
    char why[WHY_MAX];
    if (setting_get(v, "userns-remap", &remap, why, sizeof(why)) == 0 && remap.value != NULL &&
        remap.value[0] != '\0')
        return host_result(sink, "2.9", CHECK_FAIL,
                           "userns-remap=%s (%s) is not in effect: no name=userns in "
                           "SecurityOptions (dockerd not restarted?)",
                           remap.value, remap.where);
    return host_result(sink, "2.9", CHECK_FAIL,
                       "no user namespace remapping (no name=userns in SecurityOptions)");
}

/* 2.10: no cgroup parent of our own. */
static int judge_2_10(struct view *v, struct result_sink *sink)
{
    struct setting s;
    char why[WHY_MAX];
    if (setting_get(v, "cgroup-parent", &s, why, sizeof(why)) != 0)
        return host_result(sink, "2.10", CHECK_ERROR, "cgroup-parent not found: %s", why);
    if (s.value == NULL || s.value[0] == '\0')
        return host_result(sink, "2.10", CHECK_PASS, "cgroup-parent not set (default)");
    return host_result(sink, "2.10", CHECK_FAIL, "cgroup-parent=%s (%s)", s.value, s.where);
}

/*
 * Whether a storage option sets dm.basesize: devmapper reads "KEY=VALUE"
 * with the key trimmed (pkg/parsers.ParseKeyValueOpt) and lower-cased
 * (deviceset.go parseOptions), so " DM.BaseSize =20G" counts.
 */
static int is_basesize_opt(const char *opt)
{
    const char *eq = strchr(opt, '=');
    if (eq == NULL)
        return 0;
    const char *k = opt, *end = eq;
    while (k < end && (*k == ' ' || *k == '\t' || *k == '\n' || *k == '\r'))
        k++;
    while (end > k && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    return end - k == 11 && strncasecmp(k, "dm.basesize", 11) == 0;
}

/* 2.11: no dm.basesize among the storage options. */
static int judge_2_11(struct view *v, struct result_sink *sink)
{
    const char *vals[SETTING_VALUES_MAX];
    size_t n = 0, n_cmdline = 0;
    char why[WHY_MAX];
    if (setting_values(v, "storage-opt", vals, SETTING_VALUES_MAX, &n, &n_cmdline, why,
                       sizeof(why)) != 0)
        return host_result(sink, "2.11", CHECK_ERROR, "storage-opts not found: %s", why);
    for (size_t i = 0; i < n; i++) {
        if (is_basesize_opt(vals[i]))
            return host_result(sink, "2.11", CHECK_FAIL, "storage-opt %s (%s)", vals[i],
                               values_where(v, i, n_cmdline));
    }
    return host_result(sink, "2.11", CHECK_PASS, "no dm.basesize in the storage options");
}

/* 2.12: an authorization plugin. */
static int judge_2_12(struct view *v, struct result_sink *sink)
{
    const char *vals[SETTING_VALUES_MAX], *plugins[SETTING_VALUES_MAX];
    size_t n = 0, n_cmdline = 0, n_plugins = 0;
    char why[WHY_MAX];
    if (setting_values(v, "authorization-plugin", vals, SETTING_VALUES_MAX, &n, &n_cmdline, why,
                       sizeof(why)) != 0)
        return host_result(sink, "2.12", CHECK_ERROR, "authorization-plugins not found: %s", why);
    size_t first = 0;
    for (size_t i = 0; i < n; i++) {
        if (vals[i][0] == '\0')
            continue;
        if (n_plugins == 0)
            first = i;
        plugins[n_plugins++] = vals[i];
    }
    if (n_plugins == 0)
        return host_result(sink, "2.12", CHECK_FAIL, "no authorization plugin configured");
    char list[256];
    join(list, sizeof(list), plugins, n_plugins);
    return host_result(sink, "2.12", CHECK_PASS, "authorization plugins: %s (%s)", list,
                       values_where(v, first, n_cmdline));
}

/* 2.13: a logging driver that sends logs off the host. */
static int judge_2_13(struct view *v, struct result_sink *sink)
{
    const char *d = v->info->logging_driver;
    if (has_invalid(v->info->invalid, DOCKER_F_INFO_LOGGING_DRIVER) || d == NULL || d[0] == '\0')
        return host_result(sink, "2.13", CHECK_ERROR,
                           "LoggingDriver missing or mistyped in the API answer");
    /* json-file and local keep logs on the host; none keeps none at all. */
    if (strcmp(d, "json-file") == 0 || strcmp(d, "local") == 0 || strcmp(d, "none") == 0)
        return host_result(sink, "2.13", CHECK_FAIL, "LoggingDriver=%s: no remote logging", d);
    return host_result(sink, "2.13", CHECK_PASS, "LoggingDriver=%s", d);
}

/* 2.14: no-new-privileges by default. */
static int judge_2_14(struct view *v, struct result_sink *sink)
{
    return judge_bool(v, sink, "2.14", "no-new-privileges", 1, 0);
}

static int swarm_active(const struct docker_info *info)
{
    return !has_invalid(info->invalid, DOCKER_F_INFO_SWARM) && info->swarm_state != NULL &&
           strcmp(info->swarm_state, "active") == 0;
}

/* 2.15: live restore, which swarm mode does not use. */
static int judge_2_15(struct view *v, struct result_sink *sink)
{
    if (swarm_active(v->info))
        return host_result(sink, "2.15", CHECK_SKIP,
                           "not applicable: swarm mode is active (Swarm.LocalNodeState=active)");
    if (has_invalid(v->info->invalid, DOCKER_F_INFO_LIVE_RESTORE))
        return host_result(sink, "2.15", CHECK_ERROR,
                           "LiveRestoreEnabled missing or mistyped in the API answer");
    return host_result(sink, "2.15", v->info->live_restore ? CHECK_PASS : CHECK_FAIL,
                       "LiveRestoreEnabled=%s", v->info->live_restore ? "true" : "false");
}

/* 2.16: the userland proxy off. */
static int judge_2_16(struct view *v, struct result_sink *sink)
{
    return judge_bool(v, sink, "2.16", "userland-proxy", 0, 1);
}

/* 2.17 (manual): a daemon-wide seccomp profile, never unconfined. */
static int judge_2_17(struct view *v, struct result_sink *sink)
{
    if (has_invalid(v->info->invalid, DOCKER_F_INFO_SECURITY_OPTIONS))
        return host_result(sink, "2.17", CHECK_ERROR,
                           "SecurityOptions missing or mistyped in the API answer");
    const char *o = security_option(v->info, "seccomp");
    if (o == NULL)
        return host_result(sink, "2.17", CHECK_WARN,
                           "no name=seccomp in SecurityOptions: seccomp not available to dockerd");
    const char *profile = strstr(o, ",profile=");
    if (profile != NULL && strncmp(profile + 9, "unconfined", 10) == 0 &&
        (profile[19] == '\0' || profile[19] == ','))
        return host_result(sink, "2.17", CHECK_FAIL, "SecurityOptions %s", o);
    return host_result(sink, "2.17", CHECK_PASS, "SecurityOptions %s", o);
}

/* 2.18: no experimental features. */
static int judge_2_18(struct view *v, struct result_sink *sink)
{
    if (!has_invalid(v->info->invalid, DOCKER_F_INFO_EXPERIMENTAL))
        return host_result(sink, "2.18", v->info->experimental ? CHECK_FAIL : CHECK_PASS,
                           "ExperimentalBuild=%s", v->info->experimental ? "true" : "false");
    if (!has_invalid(v->version->invalid, DOCKER_F_VERSION_EXPERIMENTAL))
        return host_result(sink, "2.18", v->version->experimental ? CHECK_FAIL : CHECK_PASS,
                           "Experimental=%s (/version)",
                           v->version->experimental ? "true" : "false");
    return host_result(sink, "2.18", CHECK_ERROR,
                       "ExperimentalBuild missing or mistyped in the API answer");
}

/* ---- 5.1 and section 7 ------------------------------------------------------ */

/* 5.1: swarm mode off. */
static int judge_5_1(struct view *v, struct result_sink *sink)
{
    const struct docker_info *info = v->info;
    if (has_invalid(info->invalid, DOCKER_F_INFO_SWARM))
        return host_result(sink, "5.1", CHECK_ERROR, "Swarm missing or mistyped in the API answer");
    const char *state = info->swarm_state != NULL ? info->swarm_state : "";
    if (state[0] == '\0' || strcmp(state, "inactive") == 0)
        return host_result(sink, "5.1", CHECK_PASS, "Swarm.LocalNodeState=%s",
                           state[0] != '\0' ? state : "\"\"");
    /* active, locked, pending, error: the node is (joining) a swarm. */
    return host_result(sink, "5.1", CHECK_FAIL, "Swarm.LocalNodeState=%s: swarm mode is on", state);
}

/* One TCP listener found in a /proc/net table. */
struct listener {
    char addr[INET6_ADDRSTRLEN + 8]; /* "0.0.0.0:2377", "[::]:2377" */
    int any;                         /* bound to every interface */
};

/* Parses a /proc/net/tcp{,6} local address "HEX:PORT". Returns 0, or -1. */
static int parse_proc_addr(const char *text, int v6, struct listener *out, unsigned *port)
{
    const char *colon = strchr(text, ':');
    size_t hexlen = v6 ? 32 : 8;
    if (colon == NULL || (size_t)(colon - text) != hexlen)
        return -1;
    char *end;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 16);
    if (errno != 0 || end == colon + 1 || p > 65535)
        return -1;
    *port = (unsigned)p;
    /* The kernel prints each 32-bit word of the address in host byte order. */
    uint32_t words[4] = { 0, 0, 0, 0 };
    for (size_t w = 0; w < hexlen / 8; w++) {
        char word[9];
        memcpy(word, text + 8 * w, 8);
        word[8] = '\0';
        errno = 0;
        unsigned long x = strtoul(word, &end, 16);
        if (errno != 0 || *end != '\0')
            return -1;
        words[w] = (uint32_t)x;
    }
    unsigned char bytes[16];
    memcpy(bytes, words, sizeof(bytes));
    char ip[INET6_ADDRSTRLEN];
    if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, ip, sizeof(ip)) == NULL)
        return -1;
    out->any = words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0;
    snprintf(out->addr, sizeof(out->addr), v6 ? "[%s]:%u" : "%s:%u", ip, *port);
    return 0;
}

static int cmp_ulong(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

/*
 * The inodes of the sockets dockerd holds open (its /proc/<pid>/fd links
 * "socket:[N]"), sorted, at most DOCKERD_SOCKETS_MAX. Returns the array
 * (caller frees) with *n set, or NULL when the fd directory cannot be read
 * (then every listener in the namespace counts).
 */
static unsigned long *dockerd_socket_inodes(const struct view *v, size_t *n)
{
    char dir[64], **names = NULL;
    *n = 0;
    snprintf(dir, sizeof(dir), "/proc/%d/fd", v->cfg.pid);
    int count = hostfs_list_dir(v->ctx->rootfs, dir, DOCKERD_SOCKETS_MAX, &names);
    if (count < 0)
        return NULL;
    unsigned long *inodes = malloc(((size_t)count + 1) * sizeof(*inodes));
    if (inodes == NULL) {
        hostfs_free_names(names, count);
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        char path[HOSTFS_PATH_MAX], real[HOSTFS_PATH_MAX], target[64];
        if (hostfs_join(dir, names[i], path, sizeof(path)) != 0 ||
            hostfs_resolve(v->ctx->rootfs, path, HOSTFS_NOFOLLOW, real, sizeof(real)) != 0)
            continue;
        ssize_t len = readlink(real, target, sizeof(target) - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        char *end;
        if (strncmp(target, "socket:[", 8) != 0)
            continue;
        errno = 0;
        unsigned long ino = strtoul(target + 8, &end, 10);
        if (errno == 0 && end != target + 8 && strcmp(end, "]") == 0)
            inodes[(*n)++] = ino;
    }
    hostfs_free_names(names, count);
    qsort(inodes, *n, sizeof(*inodes), cmp_ulong);
    return inodes;
}

/*
 * Finds TCP listeners on `port` in dockerd's network namespace
 * (<root>/proc/<pid>/net/tcp and tcp6) that dockerd itself holds (any, when
 * its fds cannot be read). Fills at most max, *n set. Returns 0, or -1
 * with why (neither table readable).
 */
static int find_listeners(const struct view *v, unsigned port, struct listener *out, size_t max,
                          size_t *n, char *why, size_t whylen)
{
    static const char *const tables[] = { "tcp", "tcp6" };
    int readable = 0;
    size_t n_owned = 0;
    unsigned long *owned = dockerd_socket_inodes(v, &n_owned);
    struct buf text;
    *n = 0;
    buf_init(&text, PROC_NET_MAX);
    for (size_t t = 0; t < ARRAY_LEN(tables); t++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/net/%s", v->cfg.pid, tables[t]);
        if (hostfs_read_file(v->ctx->rootfs, path, PROC_NET_MAX, &text) != 0) {
            if (errno != ENOENT || t == 0) /* no tcp6 without IPv6 */
                snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
            continue;
        }
        readable = 1;
        char *save = NULL;
        for (char *line = strtok_r(text.data, "\n", &save); line != NULL;
             line = strtok_r(NULL, "\n", &save)) {
            char local[64], remote[64], state[8];
            unsigned long inode = 0;
            if (sscanf(line, " %*s %63s %63s %7s %*s %*s %*s %*s %*s %lu", local, remote, state,
                       &inode) != 4 ||
                strcmp(state, "0A") != 0) /* TCP_LISTEN */
                continue;
            struct listener l;
            unsigned p;
            if (parse_proc_addr(local, t == 1, &l, &p) != 0 || p != port)
                continue;
            if (owned != NULL && bsearch(&inode, owned, n_owned, sizeof(*owned), cmp_ulong) == NULL)
                continue; /* another process's listener on the same port */
            if (*n < max)
                out[(*n)++] = l;
        }
    }
    buf_free(&text);
    free(owned);
    return readable ? 0 : -1;
}

/* 7.2: the swarm management port listens on one interface, not on all. */
static int judge_7_2(struct view *v, struct result_sink *sink)
{
    const struct docker_info *info = v->info;
    if (!info->swarm_control_available)
        return host_result(sink, "7.2", CHECK_SKIP,
                           "worker node: swarm's management port listens on managers only");
    if (!v->cfg_ok || v->cfg.pid == 0)
        return host_result(sink, "7.2", CHECK_ERROR,
                           "dockerd process not found in /proc: cannot read its listening sockets");
    struct listener ls[8];
    size_t n = 0;
    char why[WHY_MAX] = "";
    if (find_listeners(v, SWARM_PORT, ls, ARRAY_LEN(ls), &n, why, sizeof(why)) != 0)
        return host_result(sink, "7.2", CHECK_ERROR, "%s", why);
    if (n == 0)
        return host_result(sink, "7.2", CHECK_ERROR,
                           "no listener on port %d in dockerd's network namespace (a custom "
                           "--listen-addr port?)",
                           SWARM_PORT);
    for (size_t i = 0; i < n; i++) {
        if (ls[i].any)
            return host_result(sink, "7.2", CHECK_FAIL,
                               "swarm management port listens on all interfaces (%s)", ls[i].addr);
    }
    return host_result(sink, "7.2", CHECK_PASS, "swarm management port listens on %s only",
                       ls[0].addr);
}

/* 7.1: an odd number of managers, at most SWARM_MANAGERS_MAX. */
static int judge_7_1(struct view *v, struct result_sink *sink)
{
    const struct docker_info *info = v->info;
    if (!info->swarm_control_available)
        return host_result(sink, "7.1", CHECK_SKIP,
                           "worker node: the manager count is visible on managers only");
    long m = info->swarm_managers;
    if (m < 1)
        return host_result(sink, "7.1", CHECK_ERROR, "Swarm.Managers=%ld on a manager node", m);
    if (m % 2 == 0)
        return host_result(sink, "7.1", CHECK_FAIL,
                           "%ld managers: an even number adds no fault tolerance (want an odd "
                           "number, at most %d)",
                           m, SWARM_MANAGERS_MAX);
    if (m > SWARM_MANAGERS_MAX)
        return host_result(sink, "7.1", CHECK_FAIL,
                           "%ld managers: more than %d slows consensus (want an odd number, at "
                           "most %d)",
                           m, SWARM_MANAGERS_MAX, SWARM_MANAGERS_MAX);
    return host_result(sink, "7.1", CHECK_PASS, "%ld manager%s (odd, at most %d)", m,
                       m == 1 ? "" : "s", SWARM_MANAGERS_MAX);
}

/* 7.3: every overlay network encrypted. */
static int judge_7_3(struct view *v, struct result_sink *sink)
{
    const struct docker_sweep *sw = v->sweep;
    if (sw->n_networks == 0)
        /* Every dockerd has bridge, host and none: an empty list is a failed answer. */
        return host_result(sink, "7.3", CHECK_ERROR, "no networks in the API answer");
    const char *plain[SETTING_VALUES_MAX];
    size_t n_overlay = 0, n_plain = 0, shown = 0;
    for (size_t i = 0; i < sw->n_networks; i++) {
        const struct docker_network *net = &sw->networks[i];
        if (net->driver == NULL || strcmp(net->driver, "overlay") != 0)
            continue;
        n_overlay++;
        if (net->encrypted)
            continue;
        n_plain++;
        if (shown < SETTING_VALUES_MAX)
            plain[shown++] = net->name != NULL ? net->name : "?";
    }
    if (n_overlay == 0)
        return host_result(sink, "7.3", CHECK_PASS, "no overlay networks");
    if (n_plain == 0)
        return host_result(sink, "7.3", CHECK_PASS, "all %zu overlay networks encrypted",
                           n_overlay);
    char list[RESULT_EVIDENCE_MAX];
    join(list, sizeof(list), plain, shown);
    return host_result(sink, "7.3", CHECK_FAIL, "%zu of %zu overlay networks not encrypted: %s",
                       n_plain, n_overlay, list);
}

/* 7.5: autolock on managers. */
static int judge_7_5(struct view *v, struct result_sink *sink)
{
    if (!v->info->swarm_control_available)
        return host_result(sink, "7.5", CHECK_SKIP, "worker node: autolock is a manager setting");
    return host_result(sink, "7.5", v->info->swarm_autolock ? CHECK_PASS : CHECK_FAIL,
                       "Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers=%s",
                       v->info->swarm_autolock ? "true" : "false");
}

/* Section 7: judged on an active swarm node; one skip (or error) per check otherwise. */
static int judge_swarm(struct view *v, struct result_sink *sink)
{
    static const char *const ids[] = {
        "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7", "7.8", "7.9"
    };
    const struct docker_info *info = v->info;
    int rc = 0;
    if (has_invalid(info->invalid, DOCKER_F_INFO_SWARM)) {
        for (size_t i = 0; i < ARRAY_LEN(ids) && rc == 0; i++)
            rc = host_result(sink, ids[i], CHECK_ERROR,
                             "Swarm missing or mistyped in the API answer");
        return rc;
    }
    const char *state = info->swarm_state != NULL ? info->swarm_state : "";
    if (strcmp(state, "active") != 0) {
        for (size_t i = 0; i < ARRAY_LEN(ids) && rc == 0; i++) {
            if (state[0] == '\0' || strcmp(state, "inactive") == 0)
                rc = host_result(sink, ids[i], CHECK_SKIP, "swarm inactive");
            else
                rc = host_result(sink, ids[i], CHECK_SKIP,
                                 "swarm not active (Swarm.LocalNodeState=%s)", state);
        }
        return rc;
    }
    const char *addr = info->swarm_node_addr != NULL ? info->swarm_node_addr : "";
    rc = judge_7_1(v, sink);
    if (rc == 0)
        rc = judge_7_2(v, sink);
    if (rc == 0)
        rc = judge_7_3(v, sink);
    if (rc == 0)
        rc = host_result(sink, "7.4", CHECK_WARN,
                         "manual check: swarm active; keep secrets in docker secret");
    if (rc == 0)
        rc = judge_7_5(v, sink);
    if (rc == 0)
        rc = host_result(sink, "7.6", CHECK_WARN,
                         "manual check: rotate the unlock key periodically (autolock %s)",
                         info->swarm_autolock ? "on" : "off");
    if (rc == 0)
        rc = host_result(sink, "7.7", CHECK_WARN,
                         "manual check: review node certificate expiry and rotation");
    if (rc == 0)
        rc = host_result(sink, "7.8", CHECK_WARN,
                         "manual check: rotate the swarm CA as "
                         "appropriate");
    if (rc == 0)
        rc = host_result(sink, "7.9", CHECK_WARN,
                         "manual check: separate management and data traffic "
                         "(Swarm.NodeAddr=%s)",
                         addr);
    return rc;
}

/* ---- collect --------------------------------------------------------------- */

static int (*const judges[])(struct view *, struct result_sink *) = {
    judge_2_1,  judge_2_2,  judge_2_3,  judge_2_4,  judge_2_5,  judge_2_6,   judge_2_7,
    judge_2_8,  judge_2_9,  judge_2_10, judge_2_11, judge_2_12, judge_2_13,  judge_2_14,
    judge_2_15, judge_2_16, judge_2_17, judge_2_18, judge_5_1,  judge_swarm,
};

static int daemon_config_collect(const struct collect_ctx *ctx, struct result_sink *sink, char *err,
                                 size_t errlen)
{
    const struct docker_sweep *sw = ctx->docker;
    if (sw == NULL || !sw->ok) {
        snprintf(err, errlen, "Docker API unavailable: %s",
                 sw == NULL             ? "the API was not queried"
                 : sw->error[0] != '\0' ? sw->error
                                        : "no answer");
        return -1;
    }
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
    if (rc != 0)
        snprintf(err, errlen, "cannot add a result (out of memory or over the cap)");
    return rc;
}

const struct collector collector_daemon_config = {
    .name = "daemon_config",
    .enabled_by_default = true,
    .help = "Docker daemon configuration from the API, dockerd's command line and daemon.json; "
            "swarm (CIS 2, 5.1, 7)",
    .checks = daemon_config_checks,
    .n_checks = ARRAY_LEN(daemon_config_checks),
    .options = NULL,
    .n_options = 0,
    .measures = NULL,
    .n_measures = 0,
    .needs_docker = true,
    .collect = daemon_config_collect,
};
