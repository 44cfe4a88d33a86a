/*
 * daemon_config_swarm.c - CIS 5.1 (swarm mode off) and section 7 (swarm)
 * for the daemon_config collector, from /info's Swarm object and /networks.
 *
 * 7.2 reads the swarm management listener (port 2377) from dockerd's own
 * network namespace, <root>/proc/<dockerd pid>/net/tcp and tcp6, because
 * the API reports only the advertised address, never the address swarm
 * listens on (default 0.0.0.0:2377, all interfaces). Only listeners whose
 * socket dockerd holds (its /proc/<pid>/fd links) count, so another
 * daemon's swarm on the same host cannot decide the verdict.
 */
#include "daemon_config_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROC_NET_MAX        (8 * 1024 * 1024) /* cap on /proc/<pid>/net/tcp{,6} */
#define SWARM_PORT          2377              /* swarm's management (raft/control) port */
#define SWARM_MANAGERS_MAX  7                 /* more managers slow consensus down */
#define DOCKERD_SOCKETS_MAX 65536             /* dockerd's open fds looked at for 7.2 */

int daemon_judge_5_1(struct view *v, struct result_sink *sink)
{
    const struct docker_info *info = v->info;
    if (has_invalid(info->invalid, DOCKER_F_INFO_SWARM))
        return api_field_error(sink, "5.1", "Swarm");
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
    daemon_join(list, sizeof(list), plain, shown);
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

int daemon_judge_swarm(struct view *v, struct result_sink *sink)
{
    static const char *const ids[] = {
        "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7", "7.8", "7.9"
    };
    const struct docker_info *info = v->info;
    int rc = 0;
    if (has_invalid(info->invalid, DOCKER_F_INFO_SWARM)) {
        for (size_t i = 0; i < ARRAY_LEN(ids) && rc == 0; i++)
            rc = api_field_error(sink, ids[i], "Swarm");
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
