/*
 * container_runtime_settings.c - the container_runtime checks of a
 * container's settings: shared namespaces (host, or container:X joining
 * X's), memory and CPU limits, read-only root, restart policy, modes,
 * devices, ulimits, mount propagation, seccomp, cgroup parent,
 * no-new-privileges, health, PIDs limit, the default bridge, the Docker
 * socket mounted, and environment names that look like secrets. See
 * container_runtime_judge.h.
 */
#include "container_runtime_judge.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- shared namespaces: "host", or "container:X" joining X's ------------ */

enum ns_kind { NS_NET, NS_PID, NS_IPC };

static const char *ns_mode(const struct docker_container *c, enum ns_kind k)
{
    return k == NS_NET ? c->network_mode : k == NS_PID ? c->pid_mode : c->ipc_mode;
}

static const char *ns_field(enum ns_kind k)
{
    return k == NS_NET ? "NetworkMode" : k == NS_PID ? "PidMode" : "IpcMode";
}

/*
 * The container a "container:X" mode names: X is an id, a unique id
 * prefix or a name (dockerd's GetContainer accepts each). NULL when none.
 */
static const struct docker_container *find_container(const struct docker_sweep *sw, const char *ref)
{
    if (ref[0] == '/')
        ref++;
    size_t rl = strlen(ref);
    if (rl == 0)
        return NULL;
    /*
     * As dockerd's GetContainer: a full id across all containers first, then
     * a name, then a unique id prefix - a container NAMED like another's id
     * must not take its place.
     */
    for (size_t i = 0; i < sw->n_containers; i++) {
        if (sw->containers[i].id != NULL && strcmp(sw->containers[i].id, ref) == 0)
            return &sw->containers[i];
    }
    for (size_t i = 0; i < sw->n_containers; i++) {
        if (sw->containers[i].name != NULL && strcmp(sw->containers[i].name, ref) == 0)
            return &sw->containers[i];
    }
    const struct docker_container *prefix = NULL;
    size_t prefixes = 0;
    for (size_t i = 0; i < sw->n_containers; i++) {
        if (sw->containers[i].id != NULL && strncmp(sw->containers[i].id, ref, rl) == 0) {
            prefix = &sw->containers[i];
            prefixes++;
        }
    }
    return prefixes == 1 ? prefix : NULL;
}

/*
 * Follows "container:X" of namespace kind k from c to the container whose
 * namespace is really used (dockerd joins X's namespace, so X's own mode
 * decides: joining a container that shares the host's shares the host's).
 * Returns the mode that applies ("host", "private", "" ...) and writes the
 * path ("container:a -> container:b") into via; NULL with via saying why
 * when the chain cannot be followed.
 */
static const char *ns_effective(const struct run *r, const struct docker_container *c,
                                enum ns_kind k, char *via, size_t vialen)
{
    via[0] = '\0';
    const char *mode = str_or(ns_mode(c, k), "");
    for (int hop = 0; joins_container(mode); hop++) {
        size_t used = strlen(via);
        textf(via + used, vialen - used, "%s%s", used > 0 ? " -> " : "", mode);
        if (hop >= JOIN_DEPTH_MAX) {
            used = strlen(via);
            textf(via + used, vialen - used, " (more than %d joins)", JOIN_DEPTH_MAX);
            return NULL;
        }
        const struct docker_container *to = find_container(r->sw, mode + 10);
        if (to == NULL) {
            used = strlen(via);
            textf(via + used, vialen - used, " (not among the containers inspected)");
            return NULL;
        }
        if (to->invalid & (UINT64_C(1) << (k == NS_NET   ? DOCKER_F_C_NETWORK_MODE
                                           : k == NS_PID ? DOCKER_F_C_PID_MODE
                                                         : DOCKER_F_C_IPC_MODE))) {
            used = strlen(via);
            textf(via + used, vialen - used, " (whose HostConfig.%s is unreadable)", ns_field(k));
            return NULL;
        }
        mode = str_or(ns_mode(to, k), "");
    }
    return mode;
}

static int judge_ns(struct run *r, const struct cview *v, const char *id, enum ns_kind k)
{
    char via[400];
    const char *m = ns_effective(r, v->c, k, via, sizeof(via));
    if (m == NULL)
        return add(r, v, id, CHECK_ERROR, "HostConfig.%s=%s", ns_field(k), via);
    if (is_host_mode(m) && via[0] != '\0')
        return add(r, v, id, CHECK_FAIL, "HostConfig.%s=%s, which shares the host's namespace",
                   ns_field(k), via);
    if (is_host_mode(m))
        return add(r, v, id, CHECK_FAIL, "HostConfig.%s=host", ns_field(k));
    if (via[0] != '\0')
        return add(r, v, id, CHECK_PASS, "HostConfig.%s=%s (%s)", ns_field(k), via,
                   m[0] ? m : "default");
    return add(r, v, id, CHECK_PASS, "HostConfig.%s=%s", ns_field(k),
               m[0] ? m : (k == NS_NET ? "default" : "\"\""));
}

int runtime_judge_network_mode(struct run *r, const struct cview *v, const char *id)
{
    return judge_ns(r, v, id, NS_NET);
}

int runtime_judge_memory(struct run *r, const struct cview *v, const char *id)
{
    if (v->c->memory <= 0)
        return add(r, v, id, CHECK_FAIL, "HostConfig.Memory=0: no memory limit");
    return add(r, v, id, CHECK_PASS, "HostConfig.Memory=%lld", (long long)v->c->memory);
}

/*
 * 5.12. CpuShares 0 is "unset" and 1024 is the kernel's default weight
 * (CIS: "0 or 1024: CPU shares are not in place"); NanoCpus (--cpus) or
 * CpuQuota (--cpu-quota) are real limits.
 */
int runtime_judge_cpu(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    if ((c->cpu_shares <= 0 || c->cpu_shares == CPU_SHARES_DEFAULT) && c->nano_cpus <= 0 &&
        c->cpu_quota <= 0) {
        if (c->cpu_shares == CPU_SHARES_DEFAULT)
            return add(r, v, id, CHECK_FAIL,
                       "CpuShares=1024 is the default weight; NanoCpus and CpuQuota unset");
        return add(r, v, id, CHECK_FAIL, "CpuShares, NanoCpus and CpuQuota all unset");
    }
    return add(r, v, id, CHECK_PASS, "CpuShares=%lld NanoCpus=%lld CpuQuota=%lld",
               (long long)c->cpu_shares, (long long)c->nano_cpus, (long long)c->cpu_quota);
}

int runtime_judge_readonly(struct run *r, const struct cview *v, const char *id)
{
    if (!v->c->readonly_rootfs)
        return add(r, v, id, CHECK_FAIL, "HostConfig.ReadonlyRootfs=false");
    return add(r, v, id, CHECK_PASS, "HostConfig.ReadonlyRootfs=true");
}

int runtime_judge_restart(struct run *r, const struct cview *v, const char *id)
{
    const char *p = str_or(v->c->restart_policy, "");
    long max = v->c->restart_max_retries;
    if (strcmp(p, "on-failure") == 0) {
        /* restartmanager: a MaximumRetryCount of 0 means no maximum. */
        if (max <= 0)
            return add(r, v, id, CHECK_FAIL,
                       "HostConfig.RestartPolicy on-failure with MaximumRetryCount=%ld: no "
                       "maximum",
                       max);
        if (max > 5)
            return add(r, v, id, CHECK_FAIL,
                       "HostConfig.RestartPolicy on-failure with MaximumRetryCount=%ld (more "
                       "than 5)",
                       max);
        return add(r, v, id, CHECK_PASS,
                   "HostConfig.RestartPolicy on-failure with MaximumRetryCount=%ld", max);
    }
    if (strcmp(p, "always") == 0 || strcmp(p, "unless-stopped") == 0)
        return add(r, v, id, CHECK_PASS,
                   "HostConfig.RestartPolicy %s: restarts without a retry limit", p);
    return add(r, v, id, CHECK_PASS, "HostConfig.RestartPolicy %s", p[0] ? p : "no");
}

static int judge_mode(struct run *r, const struct cview *v, const char *id, const char *field,
                      const char *mode)
{
    const char *m = str_or(mode, "");
    if (is_host_mode(m))
        return add(r, v, id, CHECK_FAIL, "HostConfig.%s=host", field);
    return add(r, v, id, CHECK_PASS, "HostConfig.%s=%s", field, m[0] ? m : "\"\"");
}

int runtime_judge_pid_mode(struct run *r, const struct cview *v, const char *id)
{
    return judge_ns(r, v, id, NS_PID);
}

int runtime_judge_ipc_mode(struct run *r, const struct cview *v, const char *id)
{
    return judge_ns(r, v, id, NS_IPC);
}

int runtime_judge_uts_mode(struct run *r, const struct cview *v, const char *id)
{
    return judge_mode(r, v, id, "UTSMode", v->c->uts_mode);
}

/*
 * 5.31. Besides --userns host itself: on a daemon with userns-remap, a
 * container that joins another's network, IPC or PID namespace joins its
 * user namespace too (daemon/oci_linux.go WithNamespaces), so joining a
 * --userns host container runs in the host's user namespace.
 */
int runtime_judge_userns_mode(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    if (is_host_mode(c->userns_mode) || !r->userns_remap)
        return judge_mode(r, v, id, "UsernsMode", c->userns_mode);
    for (int k = NS_NET; k <= NS_IPC; k++) {
        const struct docker_container *at = c;
        const char *mode = ns_mode(c, (enum ns_kind)k);
        for (int hop = 0; joins_container(mode) && hop < JOIN_DEPTH_MAX; hop++) {
            at = find_container(r->sw, mode + 10);
            if (at == NULL)
                break;
            if (is_host_mode(at->userns_mode))
                return add(r, v, id, CHECK_FAIL,
                           "HostConfig.%s=%s joins %s, which runs in the host's user namespace "
                           "(UsernsMode=host): dockerd joins its user namespace too",
                           ns_field((enum ns_kind)k), ns_mode(c, (enum ns_kind)k),
                           str_or(at->name, "?"));
            mode = ns_mode(at, (enum ns_kind)k);
        }
    }
    return judge_mode(r, v, id, "UsernsMode", c->userns_mode);
}

/* Manual checks listing a string list: warn with the items, skip when there are none. */
static int judge_list_manual(struct run *r, const struct cview *v, const char *id, const char *what,
                             const struct str_list *l)
{
    if (l->len == 0)
        return add(r, v, id, CHECK_SKIP, "no %s", what);
    struct buf all;
    buf_init(&all, EVIDENCE_LIST_MAX);
    for (size_t i = 0; i < l->len; i++)
        list_add(&all, "%s", str_or(l->items[i], "?"));
    int rc = add(r, v, id, CHECK_WARN, "%s (review): %s", what, buf_str(&all));
    buf_free(&all);
    return rc;
}

int runtime_judge_devices(struct run *r, const struct cview *v, const char *id)
{
    /* daemon/oci_linux.go WithDevices: a privileged container gets every host device. */
    if (v->c->privileged)
        return add(r, v, id, CHECK_WARN,
                   "HostConfig.Privileged=true: every host device is available in the container");
    return judge_list_manual(r, v, id, "host devices", &v->c->devices);
}

int runtime_judge_ulimits(struct run *r, const struct cview *v, const char *id)
{
    return judge_list_manual(r, v, id, "ulimit overrides", &v->c->ulimits);
}

int runtime_judge_propagation(struct run *r, const struct cview *v, const char *id)
{
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    for (size_t i = 0; i < v->c->n_mounts; i++) {
        const struct docker_mount *m = &v->c->mounts[i];
        const char *p = str_or(m->propagation, "");
        if (strcmp(p, "shared") == 0 || strcmp(p, "rshared") == 0)
            list_add(&found, "%s on %s (%s)", str_or(m->source, "?"), str_or(m->destination, "?"),
                     p);
    }
    int rc;
    if (found.len > 0) {
        rc = add(r, v, id, CHECK_FAIL, "mounts with shared propagation: %s", buf_str(&found));
    } else {
        /* Name the modes that were set, so "slave" and "private" are seen to be judged. */
        for (size_t i = 0; i < v->c->n_mounts; i++) {
            const struct docker_mount *m = &v->c->mounts[i];
            if (str_or(m->propagation, "")[0] != '\0')
                list_add(&found, "%s %s", str_or(m->destination, "?"), m->propagation);
        }
        rc = add(r, v, id, CHECK_PASS, "%zu mounts, none shared%s%s", v->c->n_mounts,
                 found.len > 0 ? ": " : "", buf_str(&found));
    }
    buf_free(&found);
    return rc;
}

/*
 * 5.22, as daemon/seccomp_linux.go WithSeccomp applies it: a privileged
 * container gets no filter; the last seccomp= option decides ("unconfined",
 * or a profile the CLI stored inline); with none, the daemon's default
 * profile applies, which /info shows as name=seccomp,profile=... (a daemon
 * started with --seccomp-profile=unconfined filters nothing).
 */
int runtime_judge_seccomp(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    if (c->privileged)
        return add(r, v, id, CHECK_FAIL,
                   "HostConfig.Privileged=true: dockerd applies no seccomp filter");
    const char *item = NULL;
    const char *val = runtime_security_opt_last(&c->security_opt, "seccomp", &item);
    if (val != NULL && strcmp(val, "unconfined") == 0)
        return add(r, v, id, CHECK_FAIL, "HostConfig.SecurityOpt has %s", item);
    if (val != NULL)
        return add(r, v, id, CHECK_PASS, "custom seccomp profile: %s", item);
    if (r->seccomp_host < 0)
        return add(r, v, id, CHECK_ERROR,
                   "no seccomp= option, and SecurityOptions (GET /info) missing or mistyped");
    if (r->seccomp_host == 0)
        return add(r, v, id, CHECK_FAIL,
                   "no seccomp= option, and dockerd lists no seccomp support (GET /info "
                   "SecurityOptions): no filter is applied");
    if (r->seccomp_default_unconfined)
        return add(r, v, id, CHECK_FAIL,
                   "no seccomp= option, and the daemon's default profile is unconfined (GET /info "
                   "SecurityOptions name=seccomp,profile=unconfined)");
    return add(r, v, id, CHECK_PASS, "the daemon's default seccomp profile (no seccomp= option)");
}

int runtime_judge_cgroup_parent(struct run *r, const struct cview *v, const char *id)
{
    const char *p = str_or(v->c->cgroup_parent, "");
    if (p[0] != '\0')
        return add(r, v, id, CHECK_FAIL, "HostConfig.CgroupParent=%s", p);
    return add(r, v, id, CHECK_PASS, "HostConfig.CgroupParent unset");
}

int runtime_judge_no_new_privileges(struct run *r, const struct cview *v, const char *id)
{
    /* dockerd applies the options in order, so the last one wins over the daemon default. */
    const struct str_list *so = &v->c->security_opt;
    const char *last = NULL;
    int explicit_value = -1;
    for (size_t i = 0; i < so->len; i++) {
        const char *opt = str_or(so->items[i], "");
        if (strcmp(opt, "no-new-privileges") == 0) {
            last = opt;
            explicit_value = 1;
            continue;
        }
        const char *val = runtime_security_opt_value(opt, "no-new-privileges");
        if (val == NULL)
            continue;
        last = opt;
        explicit_value = dockerd_parse_bool(val);
        if (explicit_value < 0)
            return add(r, v, id, CHECK_ERROR, "HostConfig.SecurityOpt %s: not a boolean", opt);
    }
    if (explicit_value == 1)
        return add(r, v, id, CHECK_PASS, "HostConfig.SecurityOpt has %s", last);
    if (explicit_value == 0)
        return add(r, v, id, CHECK_FAIL, "HostConfig.SecurityOpt has %s, which overrides the %s",
                   last, r->nnp_why);
    /*
     * dockerd copies its default into the container when it creates it
     * (daemon/create.go), and the API does not show the copy: a container
     * created under another default keeps that one. Judged on today's.
     */
    if (r->nnp_default == 1)
        return add(r, v, id, CHECK_PASS,
                   "no option in HostConfig.SecurityOpt; %s (copied at create: the API cannot "
                   "show the value a container created under another default has)",
                   r->nnp_why);
    if (r->nnp_default < 0)
        return add(r, v, id, CHECK_ERROR, "no option in HostConfig.SecurityOpt; %s", r->nnp_why);
    return add(r, v, id, CHECK_FAIL,
               "no no-new-privileges in HostConfig.SecurityOpt; %s (copied at create: the API "
               "cannot show the value a container created under another default has)",
               r->nnp_why);
}

/*
 * 5.27. A running container has State.Health when a check runs. One that
 * is not running is judged on the check a start will run (dockerd starts
 * the monitor from Config.Healthcheck, the image's merged in at create;
 * daemon/health.go): NONE (--no-healthcheck) or none at all fails.
 */
int runtime_judge_health(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    if (!c->running) {
        const char *t = str_or(c->health_test, "");
        if (strcmp(t, "CMD") == 0 || strcmp(t, "CMD-SHELL") == 0)
            return add(r, v, id, CHECK_PASS,
                       "not running; Config.Healthcheck %s runs when it starts", t);
        if (strcmp(t, "NONE") == 0)
            return add(r, v, id, CHECK_FAIL,
                       "not running; Config.Healthcheck NONE (--no-healthcheck): no check at "
                       "start");
        return add(r, v, id, CHECK_FAIL,
                   "not running; no health check in Config.Healthcheck (nor the image's)");
    }
    if (!c->has_health)
        return add(r, v, id, CHECK_FAIL, "running without a health check (no State.Health)");
    return add(r, v, id, CHECK_PASS, "State.Health.Status=%s", str_or(c->health_status, "?"));
}

int runtime_judge_pids_limit(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    if (!c->pids_limit_set)
        return add(r, v, id, CHECK_FAIL, "HostConfig.PidsLimit=null: unlimited");
    if (c->pids_limit <= 0)
        return add(r, v, id, CHECK_FAIL, "HostConfig.PidsLimit=%lld: unlimited",
                   (long long)c->pids_limit);
    return add(r, v, id, CHECK_PASS, "HostConfig.PidsLimit=%lld", (long long)c->pids_limit);
}

int runtime_judge_default_bridge(struct run *r, const struct cview *v, const char *id)
{
    /* A container joined to another's network is on that one's networks. */
    const struct docker_container *c = v->c;
    const char *mode = c->network_mode;
    for (int hop = 0; joins_container(mode) && hop < JOIN_DEPTH_MAX; hop++) {
        const struct docker_container *to = find_container(r->sw, mode + 10);
        if (to == NULL)
            return add(r, v, id, CHECK_ERROR,
                       "HostConfig.NetworkMode=%s: not among the containers inspected", mode);
        c = to;
        mode = c->network_mode;
    }
    /*
     * A daemon started with --bridge=none has no network "bridge", yet lists
     * one with an empty NetworkID under NetworkSettings.Networks of its
     * containers: they are attached to nothing.
     */
    int bridge_exists = 0;
    for (size_t i = 0; i < r->sw->n_networks && !bridge_exists; i++)
        bridge_exists =
            r->sw->networks[i].name != NULL && strcmp(r->sw->networks[i].name, "bridge") == 0;
    if (str_list_has(&c->networks, "bridge") && !bridge_exists)
        return add(r, v, id, CHECK_SKIP,
                   "no default bridge network on this daemon (--bridge=none): attached to none");
    if (str_list_has(&c->networks, "bridge"))
        return add(r, v, id, CHECK_WARN, "attached to the default bridge network%s%s",
                   c != v->c ? " through container " : "", c != v->c ? str_or(c->name, "?") : "");
    return add(r, v, id, CHECK_SKIP, "not attached to the default bridge network");
}

/*
 * 5.32: a bind mount of a Docker socket in use (canonical paths compared), of
 * any "*docker.sock", or of a directory holding a socket in use (-v
 * /var/run:/var/run hands out the socket just the same).
 */
int runtime_judge_docker_socket(struct run *r, const struct cview *v, const char *id)
{
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    struct host_mounts it = { 0 };
    for (const struct docker_mount *m; (m = runtime_host_mount_next(r, v, &it)) != NULL;) {
        const char *src = it.src, *via = it.via;
        char canon[HOSTFS_PATH_MAX];
        if (hostfs_canonical(r->ctx->rootfs, src, canon, sizeof(canon)) != 0)
            snprintf(canon, sizeof(canon), "%s", src);
        size_t sl = strlen(src);
        int hit = 0;
        if (sl >= 11 && strcmp(src + sl - 11, "docker.sock") == 0) {
            list_add(&found, "%s%s on %s", src, via, str_or(m->destination, "?"));
            hit = 1;
        }
        /* Without dockerd's sockets, a host-path mount cannot be cleared. */
        if (!hit && !r->sockets_known && it.unknown[0] == '\0')
            textf(it.unknown, sizeof(it.unknown), "%s mounted, and %s", src, r->sockets_why);
        for (size_t s = 0; s < r->n_sockets && !hit; s++) {
            if (strcmp(canon, r->sockets[s]) == 0) {
                list_add(&found, "%s%s on %s (the socket %s)", src, via,
                         str_or(m->destination, "?"), r->sockets[s]);
                hit = 1;
            } else if (runtime_path_at_or_below(r->sockets[s], canon)) {
                list_add(&found, "%s%s on %s (holds the socket %s)", src, via,
                         str_or(m->destination, "?"), r->sockets[s]);
                hit = 1;
            }
        }
    }
    return runtime_mounts_result(r, v, id, &found, &it, "Docker socket mounted",
                                 "no mount of the Docker socket");
}

/* A NAME that looks like it holds a secret: *PASSWORD*, *SECRET*, *TOKEN*, *_KEY. */
static int secret_name(const char *name)
{
    char up[256];
    size_t n = 0;
    for (; name[n] != '\0' && n + 1 < sizeof(up); n++)
        up[n] = (char)toupper((unsigned char)name[n]);
    up[n] = '\0';
    if (strstr(up, "PASSWORD") != NULL || strstr(up, "SECRET") != NULL ||
        strstr(up, "TOKEN") != NULL)
        return 1;
    return n >= 4 && strcmp(up + n - 4, "_KEY") == 0;
}

int runtime_judge_env_secret(struct run *r, const struct cview *v, const char *id)
{
    const struct str_list *env = &v->c->env_names;
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    for (size_t i = 0; i < env->len; i++) {
        if (env->items[i] != NULL && secret_name(env->items[i]))
            list_add(&found, "%s", env->items[i]);
    }
    int rc;
    if (found.len > 0)
        rc = add(r, v, id, CHECK_FAIL, "environment variables named like secrets: %s",
                 buf_str(&found));
    else
        rc = add(r, v, id, CHECK_PASS, "%zu environment variables, none named like a secret",
                 env->len);
    buf_free(&found);
    return rc;
}
