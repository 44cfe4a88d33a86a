/*
 * daemon_config_section2.c - CIS section 2 (the Docker daemon's
 * configuration) for the daemon_config collector: one judge a check, run in
 * catalog order by daemon_judge_section2. What the API reports as in effect
 * (registries 2.5, storage driver 2.6, rootless and user namespaces 2.1 and
 * 2.9, logging driver 2.13, live restore 2.15, seccomp 2.17, experimental
 * 2.18) is judged from /info and /version; the options the API does not
 * show from dockerd's command line and daemon.json
 * (daemon_config_settings.c), every option form dockerd's flag parser
 * accepts counting and a later flag overriding an earlier one.
 */
#include "daemon_config_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* 2.1 (manual): rootless mode, as SecurityOptions reports it. */
static int judge_2_1(struct view *v, struct result_sink *sink)
{
    if (has_invalid(v->info->invalid, DOCKER_F_INFO_SECURITY_OPTIONS))
        return api_field_error(sink, "2.1", "SecurityOptions");
    if (daemon_security_option(v->info, "rootless") != NULL)
        return host_result(sink, "2.1", CHECK_PASS, "SecurityOptions has name=rootless");
    return host_result(sink, "2.1", CHECK_WARN,
                       "dockerd runs as root (no name=rootless in SecurityOptions)");
}

/* 2.2: icc off, unless the default bridge is disabled altogether. */
static int judge_2_2(struct view *v, struct result_sink *sink)
{
    struct setting bridge, icc;
    if (daemon_setting_get(v, "bridge", &bridge) == 0 && bridge.value != NULL &&
        strcmp(bridge.value, "none") == 0)
        return host_result(sink, "2.2", CHECK_SKIP, "default bridge disabled (bridge=none, %s)",
                           bridge.where);
    if (daemon_setting_get(v, "icc", &icc) != 0)
        return host_result(sink, "2.2", CHECK_ERROR, "icc not found: %s", icc.why);
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
    int debug_rc = daemon_setting_get(v, "debug", &debug);
    int level_rc = daemon_setting_get(v, "log-level", &level);
    if (debug_rc == 0 && debug.value != NULL && dockerd_parse_bool(debug.value) == 1)
        return host_result(sink, "2.3", CHECK_FAIL, "debug=true (%s): the log level is debug",
                           debug.where);
    /* logrus.ParseLevel ignores case; "" is info (configureDaemonLogs). */
    if (level_rc == 0 && level.value != NULL && level.value[0] != '\0' &&
        strcasecmp(level.value, "info") != 0)
        return host_result(sink, "2.3", CHECK_FAIL, "log-level=%s (%s)", level.value, level.where);
    if (level_rc != 0)
        return host_result(sink, "2.3", CHECK_ERROR, "log-level not found: %s", level.why);
    if (debug_rc != 0)
        return host_result(sink, "2.3", CHECK_ERROR, "debug not found: %s", debug.why);
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
    if (daemon_setting_get(v, name, &s) != 0)
        return host_result(sink, id, CHECK_ERROR, "%s not found: %s", name, s.why);
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
        return api_field_error(sink, "2.5", "RegistryConfig");
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
    daemon_join(list, sizeof(list), found, n);
    return host_result(sink, "2.5", CHECK_FAIL, "%zu insecure registries: %s", total, list);
}

/* 2.6: the storage driver in use. */
static int judge_2_6(struct view *v, struct result_sink *sink)
{
    const struct docker_info *info = v->info;
    if (has_invalid(info->invalid, DOCKER_F_INFO_DRIVER) || info->driver == NULL)
        return api_field_error(sink, "2.6", "Driver");
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
    const char *tcp[SETTING_VALUES_MAX + 2];
    size_t n_tcp = 0;
    struct values hosts;
    if (daemon_setting_values(v, "host", &hosts) != 0)
        return host_result(sink, "2.7", CHECK_ERROR, "hosts not found: %s", hosts.why);
    int default_host = hosts.n == 0;
    for (size_t i = 0; i < hosts.n; i++) {
        if (hosts.items[i][0] == '\0')
            default_host = 1;
        else if (is_tcp_host(hosts.items[i]))
            tcp[n_tcp++] = hosts.items[i];
    }
    struct setting verify, tls;
    int verify_rc = daemon_setting_get(v, "tlsverify", &verify);
    int tls_rc = daemon_setting_get(v, "tls", &tls);
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
    daemon_join(list, sizeof(list), tcp, n_tcp);

    if (verify_rc != 0)
        return host_result(sink, "2.7", CHECK_ERROR, "%s: tlsverify not found: %s", list,
                           verify.why);
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
        return host_result(sink, "2.7", CHECK_ERROR, "%s: tls not found: %s", list, tls.why);
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
    struct values vals;
    if (daemon_setting_values(v, "default-ulimit", &vals) != 0)
        return host_result(sink, "2.8", CHECK_ERROR, "default-ulimits not found: %s", vals.why);
    if (vals.n == 0)
        return host_result(sink, "2.8", CHECK_WARN, "no default ulimits configured");
    char list[256];
    daemon_join(list, sizeof(list), vals.items, vals.n);
    return host_result(sink, "2.8", CHECK_PASS, "default ulimits: %s (%s)", list,
                       daemon_values_where(v, &vals, 0));
}

/* 2.9: user namespaces in effect (SecurityOptions), or rootless. */
static int judge_2_9(struct view *v, struct result_sink *sink)
{
    if (has_invalid(v->info->invalid, DOCKER_F_INFO_SECURITY_OPTIONS))
        return api_field_error(sink, "2.9", "SecurityOptions");
    if (daemon_security_option(v->info, "userns") != NULL)
        return host_result(sink, "2.9", CHECK_PASS, "SecurityOptions has name=userns");
    if (daemon_security_option(v->info, "rootless") != NULL)
        return host_result(sink, "2.9", CHECK_PASS,
                           "rootless dockerd: containers run in its user namespace");
    struct setting remap;
    if (daemon_setting_get(v, "userns-remap", &remap) == 0 && remap.value != NULL &&
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
    if (daemon_setting_get(v, "cgroup-parent", &s) != 0)
        return host_result(sink, "2.10", CHECK_ERROR, "cgroup-parent not found: %s", s.why);
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
    struct values vals;
    if (daemon_setting_values(v, "storage-opt", &vals) != 0)
        return host_result(sink, "2.11", CHECK_ERROR, "storage-opts not found: %s", vals.why);
    for (size_t i = 0; i < vals.n; i++) {
        if (is_basesize_opt(vals.items[i]))
            return host_result(sink, "2.11", CHECK_FAIL, "storage-opt %s (%s)", vals.items[i],
                               daemon_values_where(v, &vals, i));
    }
    return host_result(sink, "2.11", CHECK_PASS, "no dm.basesize in the storage options");
}

/* 2.12: an authorization plugin. */
static int judge_2_12(struct view *v, struct result_sink *sink)
{
    const char *plugins[SETTING_VALUES_MAX];
    size_t n_plugins = 0;
    struct values vals;
    if (daemon_setting_values(v, "authorization-plugin", &vals) != 0)
        return host_result(sink, "2.12", CHECK_ERROR, "authorization-plugins not found: %s",
                           vals.why);
    size_t first = 0;
    for (size_t i = 0; i < vals.n; i++) {
        if (vals.items[i][0] == '\0')
            continue;
        if (n_plugins == 0)
            first = i;
        plugins[n_plugins++] = vals.items[i];
    }
    if (n_plugins == 0)
        return host_result(sink, "2.12", CHECK_FAIL, "no authorization plugin configured");
    char list[256];
    daemon_join(list, sizeof(list), plugins, n_plugins);
    return host_result(sink, "2.12", CHECK_PASS, "authorization plugins: %s (%s)", list,
                       daemon_values_where(v, &vals, first));
}

/* 2.13: a logging driver that sends logs off the host. */
static int judge_2_13(struct view *v, struct result_sink *sink)
{
    const char *d = v->info->logging_driver;
    if (has_invalid(v->info->invalid, DOCKER_F_INFO_LOGGING_DRIVER) || d == NULL || d[0] == '\0')
        return api_field_error(sink, "2.13", "LoggingDriver");
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
        return api_field_error(sink, "2.15", "LiveRestoreEnabled");
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
        return api_field_error(sink, "2.17", "SecurityOptions");
    const char *o = daemon_security_option(v->info, "seccomp");
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
    return api_field_error(sink, "2.18", "ExperimentalBuild");
}

static const daemon_judge_fn section2_judges[] = {
    judge_2_1,  judge_2_2,  judge_2_3,  judge_2_4,  judge_2_5,  judge_2_6,
    judge_2_7,  judge_2_8,  judge_2_9,  judge_2_10, judge_2_11, judge_2_12,
    judge_2_13, judge_2_14, judge_2_15, judge_2_16, judge_2_17, judge_2_18,
};

int daemon_judge_section2(struct view *v, struct result_sink *sink)
{
    int rc = 0;
    for (size_t i = 0; i < ARRAY_LEN(section2_judges) && rc == 0; i++)
        rc = section2_judges[i](v, sink);
    return rc;
}
