/*
 * container_runtime.c - CIS section 5 (container runtime), 4.1 (a non-root
 * user), 6.2 (container sprawl) and dockward.env_secret, judged for every
 * container of the Docker API sweep, running or not.
 *
 * Every container is judged whatever its state: a created --privileged
 * container is one `docker start` away from running, so it fails 5.5 like a
 * running one. Each result's evidence ends with the container's state
 * ("(state created)"). Only two checks depend on the state: 5.7 (sshd) and
 * 5.27 (health) look at live processes and are skipped for a container that
 * is not running.
 *
 * The facts come from the shared sweep (docker.h): each per-container check
 * names the DOCKER_F_C_* fields it reads, and a field the API omitted or
 * mistyped makes that check `error` naming the field - never a crash and
 * never a silent pass. Checks that need the host read it under
 * ctx->rootfs: 5.26 and 5.32 take dockerd's no-new-privileges default and
 * its sockets from dockerd_config (shared with the other collectors, so all
 * agree on what is "in use"), and 5.7 reads the container's processes from
 * the host's /proc and cgroup filesystem - State.Pid, its
 * /proc/<pid>/cgroup, the container's cgroup directory (cgroup v2 "0::"
 * line, else the v1 name=systemd or any controller hierarchy) and the
 * cgroup.procs files in and below it, then /proc/<n>/comm of each process.
 * It never execs anything in the container: an exec is a change to the
 * system, and dockward only reads.
 *
 * 5.23, 5.24 and 5.28 are about how operators use `docker exec` and pull
 * images; nothing in a container's inspect answer shows them, so they are
 * one manual `warn` for the host, not one per container (that would only
 * repeat the same sentence N times and inflate the series count).
 *
 * Environment variables are known by NAME only (the sweep drops values at
 * parse time); dockward.env_secret names the suspicious variables, never a
 * value.
 *
 * This file holds the catalog, the host facts, the table of per-container
 * checks and the collect function; the judges live by concern in
 * container_runtime_{security,sshd,ports,settings}.c, and what they share
 * (struct run, struct cview, the result helpers) in
 * container_runtime_judge.h.
 */
#include "container_runtime_judge.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The rows of catalog.txt, written into the build tree by catalog_gen. */
static const struct check_def container_runtime_checks[] = {
#include "catalog/container_runtime.inc"
};

static const struct measure_def container_runtime_measures[] = {
    { "containers", "Containers on the host by state.", "state" },
};

/* ---- host facts --------------------------------------------------------- */

/*
 * 1 when /info SecurityOptions names the module: "name=apparmor" (API 1.27+,
 * possibly with ",profile=..." after it) or a bare "apparmor" (older APIs).
 */
static int host_has_security_option(const struct docker_info *info, const char *module)
{
    char want[64];
    snprintf(want, sizeof(want), "name=%s", module);
    for (size_t i = 0; i < info->security_options.len; i++) {
        const char *opt = info->security_options.items[i];
        if (opt == NULL)
            continue;
        if (strcmp(opt, module) == 0)
            return 1;
        size_t wl = strlen(want);
        if (strncmp(opt, want, wl) == 0 && (opt[wl] == '\0' || opt[wl] == ','))
            return 1;
    }
    return 0;
}

/*
 * The "profile=" part of /info's "name=seccomp,profile=default" into out
 * ("" when the option has none); 1 when seccomp is listed at all.
 */
static int host_seccomp_profile(const struct docker_info *info, char *out, size_t outlen)
{
    out[0] = '\0';
    for (size_t i = 0; i < info->security_options.len; i++) {
        const char *opt = info->security_options.items[i];
        if (opt == NULL)
            continue;
        if (strcmp(opt, "seccomp") == 0)
            return 1;
        if (strncmp(opt, "name=seccomp", 12) != 0 || (opt[12] != '\0' && opt[12] != ','))
            continue;
        const char *prof = strstr(opt, ",profile=");
        if (prof != NULL)
            snprintf(out, outlen, "%.*s", (int)strcspn(prof + 9, ","), prof + 9);
        return 1;
    }
    return 0;
}

/*
 * Adds a host path, canonicalised inside the root, to the socket list
 * (deduplicated). `path` may be the very slot it lands in.
 */
static void add_socket(struct run *r, const char *path)
{
    char canon[HOSTFS_PATH_MAX];
    if (path == NULL || path[0] != '/')
        return;
    if (hostfs_canonical(r->ctx->rootfs, path, canon, sizeof(canon)) != 0)
        textf(canon, sizeof(canon), "%s", path);
    for (size_t i = 0; i < r->n_sockets; i++) {
        if (strcmp(r->sockets[i], canon) == 0)
            return;
    }
    if (r->n_sockets < SOCKETS_MAX)
        memcpy(r->sockets[r->n_sockets++], canon, strlen(canon) + 1);
}

/*
 * Reads the configuration of the dockerd serving ctx->docker_host: its
 * no-new-privileges default (the effective value: the last command-line
 * flag, else daemon.json) and the unix sockets it listens on.
 */
static void load_daemon_facts(struct run *r)
{
    struct dockerd_config cfg;
    char err[256];
    if (dockerd_config_load_ctx(r->ctx, &cfg, err, sizeof(err)) != 0) {
        r->nnp_default = -1;
        textf(r->nnp_why, sizeof(r->nnp_why), "dockerd's configuration: %s", err);
        textf(r->sockets_why, sizeof(r->sockets_why), "dockerd's configuration: %s", err);
        return;
    }
    enum dockerd_source src;
    const char *val = dockerd_config_effective(&cfg, "no-new-privileges", &src);
    int nnp = dockerd_parse_bool(val);
    const char *where = src == DOCKERD_SRC_CMDLINE ? "dockerd's command line" : cfg.config_file;
    const char *dh = r->ctx->docker_host;
    /*
     * dockerd_config matches a tcp:// --docker.host only to a local dockerd
     * listening there; another machine's dockerd leaves pid 0.
     */
    int remote = dh != NULL && strncmp(dh, "unix://", 7) != 0 && dh[0] != '/';
    if (cfg.pid == 0) {
        /* The default may be on where it cannot be seen (2.14 says error too). */
        r->nnp_default = -1;
        if (remote)
            textf(r->nnp_why, sizeof(r->nnp_why),
                  "daemon default unknown: no local dockerd listens on %s, so its command "
                  "line and daemon.json are not visible",
                  dh);
        else
            textf(r->nnp_why, sizeof(r->nnp_why),
                  "daemon default unknown: no dockerd process visible in /proc, so its "
                  "command line and daemon.json are not known");
    } else if (val != NULL && nnp == 1) {
        r->nnp_default = 1;
        textf(r->nnp_why, sizeof(r->nnp_why), "daemon default no-new-privileges=true (%s)", where);
    } else if (val != NULL) {
        r->nnp_default = 0;
        textf(r->nnp_why, sizeof(r->nnp_why), "daemon default no-new-privileges=%s (%s)", val,
              where);
    } else if (cfg.json_state == DOCKERD_JSON_INVALID ||
               cfg.json_state == DOCKERD_JSON_UNREADABLE) {
        /* The default may be on in the file we cannot read. */
        r->nnp_default = -1;
        textf(r->nnp_why, sizeof(r->nnp_why), "daemon default unknown: %s: %s", cfg.config_file,
              cfg.config_error);
    } else {
        r->nnp_default = 0;
        textf(r->nnp_why, sizeof(r->nnp_why), "daemon default no-new-privileges off (unset)");
    }
    /* --ip / "ip": the address -p without one binds on the default bridge (default 0.0.0.0). */
    const char *ip = dockerd_config_effective(&cfg, "ip", &src);
    if (ip != NULL && ip[0] != '\0' && strlen(ip) < sizeof(r->bind_ip)) {
        snprintf(r->bind_ip, sizeof(r->bind_ip), "%s", ip);
        textf(r->bind_ip_why, sizeof(r->bind_ip_why), "dockerd's ip=%s (%s)", ip,
              src == DOCKERD_SRC_CMDLINE ? "command line" : cfg.config_file);
    }

    /* Listed straight into r->sockets, then canonicalised and deduplicated in place. */
    size_t n = dockerd_config_unix_sockets(&cfg, r->ctx->rootfs, r->sockets, SOCKETS_MAX);
    if (n > SOCKETS_MAX)
        n = SOCKETS_MAX;
    r->n_sockets = 0;
    for (size_t i = 0; i < n; i++) {
        char path[HOSTFS_PATH_MAX];
        memcpy(path, r->sockets[i], sizeof(path));
        add_socket(r, path);
    }
    if (dh != NULL && strncmp(dh, "unix://", 7) == 0)
        add_socket(r, dh + 7);
    r->sockets_known = 1;
    dockerd_config_free(&cfg);
}

/* The per-container checks, in catalog order. */
static const struct container_check container_checks[] = {
    { "4.1", F(USER), runtime_judge_user },
    { "5.2", F(APPARMOR) | F(SECURITY_OPT) | F(PRIVILEGED) | F(STATE), runtime_judge_apparmor },
    { "5.3", F(SECURITY_OPT), runtime_judge_selinux },
    { "5.4", F(CAP_ADD) | F(PRIVILEGED), runtime_judge_caps },
    { "5.5", F(PRIVILEGED), runtime_judge_privileged },
    { "5.6", F(MOUNTS), runtime_judge_sensitive_mounts },
    { "5.7", F(STATE) | F(PID), runtime_judge_sshd },
    { "5.8", F(STATE) | F(NETWORK_MODE), runtime_judge_privileged_ports },
    { "5.9", F(STATE) | F(NETWORK_MODE), runtime_judge_open_ports },
    { "5.10", F(NETWORK_MODE), runtime_judge_network_mode },
    { "5.11", F(MEMORY), runtime_judge_memory },
    { "5.12", F(CPU), runtime_judge_cpu },
    { "5.13", F(READONLY_ROOTFS), runtime_judge_readonly },
    { "5.14", F(STATE) | F(NETWORK_MODE), runtime_judge_bound_ports },
    { "5.15", F(RESTART_POLICY), runtime_judge_restart },
    { "5.16", F(PID_MODE), runtime_judge_pid_mode },
    { "5.17", F(IPC_MODE), runtime_judge_ipc_mode },
    { "5.18", F(DEVICES) | F(PRIVILEGED), runtime_judge_devices },
    { "5.19", F(ULIMITS), runtime_judge_ulimits },
    { "5.20", F(MOUNTS), runtime_judge_propagation },
    { "5.21", F(UTS_MODE), runtime_judge_uts_mode },
    { "5.22", F(SECURITY_OPT) | F(PRIVILEGED), runtime_judge_seccomp },
    { "5.25", F(CGROUP_PARENT), runtime_judge_cgroup_parent },
    { "5.26", F(SECURITY_OPT), runtime_judge_no_new_privileges },
    { "5.27", F(STATE) | F(HEALTH), runtime_judge_health },
    { "5.29", F(PIDS_LIMIT), runtime_judge_pids_limit },
    { "5.30", F(NETWORKS) | F(NETWORK_MODE), runtime_judge_default_bridge },
    { "5.31", F(USERNS_MODE) | F(NETWORK_MODE) | F(PID_MODE) | F(IPC_MODE),
      runtime_judge_userns_mode },
    { "5.32", F(MOUNTS), runtime_judge_docker_socket },
    { "dockward.env_secret", F(ENV), runtime_judge_env_secret },
};

static void make_view(const struct docker_container *c, struct cview *v)
{
    v->c = c;
    const char *id = str_or(c->id, "");
    if (!(c->invalid & F(NAME)) && c->name != NULL && c->name[0] != '\0')
        snprintf(v->target, sizeof(v->target), "container/%s", c->name);
    else /* no name: the short id, as `docker ps` shows it */
        snprintf(v->target, sizeof(v->target), "container/%.12s", id);
    if (c->invalid & F(STATE))
        snprintf(v->state, sizeof(v->state), "state unknown");
    else
        snprintf(v->state, sizeof(v->state), "state %s", str_or(c->state, "unknown"));
}

static int judge_container(struct run *r, const struct docker_container *c)
{
    struct cview v;
    make_view(c, &v);
    for (size_t i = 0; i < ARRAY_LEN(container_checks); i++) {
        const struct container_check *k = &container_checks[i];
        uint64_t bad = c->invalid & k->fields;
        int rc;
        if (bad != 0) {
            int f = __builtin_ctzll(bad);
            if (c->overcap & (UINT64_C(1) << f))
                rc = add(r, &v, k->id, CHECK_ERROR,
                         "%s holds an item over the %d-byte cap (or more than %d items)",
                         docker_container_field_name((enum docker_container_field)f),
                         DOCKER_STRING_MAX, DOCKER_LIST_MAX);
            else
                rc = add(r, &v, k->id, CHECK_ERROR, "%s missing or mistyped in the API answer",
                         docker_container_field_name((enum docker_container_field)f));
        } else {
            rc = k->judge(r, &v, k->id);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- host-level checks -------------------------------------------------- */

/*
 * 6.2: sprawl is many containers of which most sit stopped. Manual in CIS;
 * dockward warns when there are more than SPRAWL_MIN_TOTAL containers and
 * more than half of them are not running, and exports both counts always.
 * Counts come from /info (exact, not limited by DOCKER_CONTAINERS_MAX), else
 * from the containers the sweep inspected.
 */
static int judge_sprawl(struct run *r)
{
    const struct docker_sweep *sw = r->sw;
    long total, running;
    const char *source;
    if (!(sw->info.invalid & (UINT64_C(1) << DOCKER_F_INFO_COUNTS))) {
        total = sw->info.containers;
        running = sw->info.containers_running;
        source = "GET /info";
    } else {
        total = (long)sw->n_containers;
        running = 0;
        for (size_t i = 0; i < sw->n_containers; i++)
            running += sw->containers[i].running;
        source = "the containers inspected";
    }
    if (sink_measure(r->sink, "containers", "total", (double)total) != 0 ||
        sink_measure(r->sink, "containers", "running", (double)running) != 0)
        return -1;
    long stopped = total - running;
    if (total > SPRAWL_MIN_TOTAL && stopped * 2 > total)
        return sink_add(r->sink, "6.2", "host", CHECK_WARN,
                        "%ld containers, %ld not running (more than %d and over half stopped; "
                        "from %s)",
                        total, stopped, SPRAWL_MIN_TOTAL, source);
    return sink_add(r->sink, "6.2", "host", CHECK_PASS, "%ld containers, %ld running (from %s)",
                    total, running, source);
}

static int judge_host_manual(struct run *r)
{
    if (sink_add(r->sink, "5.23", "host", CHECK_WARN,
                 "not visible in the API: review dockerd's audit log for `docker exec "
                 "--privileged`") != 0 ||
        sink_add(r->sink, "5.24", "host", CHECK_WARN,
                 "not visible in the API: review dockerd's audit log for `docker exec "
                 "--user=root`") != 0 ||
        sink_add(r->sink, "5.28", "host", CHECK_WARN,
                 "not visible in the API: review that images are pulled before use") != 0)
        return -1;
    return 0;
}

static int container_runtime_collect(const struct collect_ctx *ctx, struct result_sink *sink,
                                     char *err, size_t errlen)
{
    const struct docker_sweep *sw = ctx->docker;
    /* A container left unjudged fails the collector: never a silent partial audit. */
    if (docker_sweep_complete(sw, false, err, errlen) != 0)
        return -1;
    /* Holds the socket table (SOCKETS_MAX host paths): on the heap, not the stack. */
    struct run *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->ctx = ctx;
    r->sw = sw;
    r->sink = sink;
    if (sw->info.invalid & (UINT64_C(1) << DOCKER_F_INFO_SECURITY_OPTIONS)) {
        r->apparmor = -1;
        r->selinux = -1;
    } else {
        r->apparmor = host_has_security_option(&sw->info, "apparmor");
        r->selinux = host_has_security_option(&sw->info, "selinux");
        r->userns_remap = host_has_security_option(&sw->info, "userns");
    }
    char profile[64];
    if (sw->info.invalid & (UINT64_C(1) << DOCKER_F_INFO_SECURITY_OPTIONS)) {
        r->seccomp_host = -1;
    } else {
        r->seccomp_host = host_seccomp_profile(&sw->info, profile, sizeof(profile));
        r->seccomp_default_unconfined = strcmp(profile, "unconfined") == 0;
    }
    load_daemon_facts(r);

    int rc = 0;
    for (size_t i = 0; i < sw->n_containers && rc == 0; i++)
        rc = judge_container(r, &sw->containers[i]);
    if (rc == 0)
        rc = judge_host_manual(r);
    if (rc == 0)
        rc = judge_sprawl(r);
    collect_sink_rc(sink, rc, err, errlen);
    free(r);
    return rc;
}

const struct collector collector_container_runtime = {
    .name = "container_runtime",
    .enabled_by_default = true,
    .help = "Runtime settings of every container, running or not: user, privileges, "
            "capabilities, namespaces, mounts, ports, limits, security profiles, health, sshd "
            "(CIS 4.1, section 5, 6.2)",
    .checks = container_runtime_checks,
    .n_checks = ARRAY_LEN(container_runtime_checks),
    .measures = container_runtime_measures,
    .n_measures = ARRAY_LEN(container_runtime_measures),
    .needs_docker = true,
    .collect = container_runtime_collect,
};
