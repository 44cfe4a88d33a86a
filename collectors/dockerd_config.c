/*
 * dockerd_config.c - dockerd's configuration as the host shows it: the
 * running process, its command line, the daemon.json it reads, and the
 * systemd units; see dockerd_config.h for the contract.
 *
 * The command line is parsed the way dockerd's flag library (spf13/pflag)
 * parses it, because the point is to see what dockerd sees: "--opt=value",
 * "--opt value", bare booleans, "-H value", "-Hvalue", "-H=value", grouped
 * short booleans ("-DH fd://"), and "--" ending the options. Whether a long
 * option takes a value cannot be told from the text, so a const table lists
 * dockerd's boolean flags; every other option takes one.
 *
 * daemon.json is read through hostfs (a regular file of at most
 * DOCKERD_JSON_MAX bytes, so a FIFO or a huge file can neither hang nor bloat
 * a collection) and parsed with cJSON. dockerd_config_values() hands out
 * pointers owned by the config; for JSON numbers it needs a text form, which
 * is made once at load time and stored in the number node's unused
 * `valuestring` (cJSON_Delete frees it with the tree).
 *
 * When several dockerd processes run, dockerd_config_load_for picks the one
 * serving --docker.host by comparing canonical socket paths, so the agent
 * judges the daemon whose API it reads. dockerd_config_env_flag reads one
 * variable of dockerd's environment and wipes the rest from memory: an
 * environment may hold secrets, and none of it may leave dockward.
 *
 * Nothing here logs: failures are described in the struct or in `err`.
 *
 * This file finds the process, loads and frees, and picks the dockerd
 * serving --docker.host; the command line is dockerd_config_cmdline.c,
 * daemon.json and the values dockerd_config_json.c, the sockets
 * dockerd_config_sockets.c (dockerd_config_internal.h lists what they
 * share).
 */
#include "dockerd_config_internal.h"

#include "../common/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Standard systemd system unit directories, highest precedence first. */
static const char *const unit_dirs[] = {
    "/etc/systemd/system",     "/run/systemd/system", "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system", "/lib/systemd/system",
};

/* Where packages install programs, searched in this order. */
static const char *const bin_dirs[] = {
    "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

/* ---- processes ---------------------------------------------------------- */

/* Parses a /proc entry name as a pid; 0 when it is not one. */
static int parse_pid(const char *name)
{
    if (name[0] < '1' || name[0] > '9')
        return 0;
    char *end;
    errno = 0;
    long v = strtol(name, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0 || v > 0x7fffffffL)
        return 0;
    return (int)v;
}

/* Reads /proc/<pid>/exe as a host path (" (deleted)" removed); 0 or -1. */
static int read_exe(const char *rootfs, int pid, char *out, size_t outlen)
{
    char path[64], real[HOSTFS_PATH_MAX], target[HOSTFS_PATH_MAX];
    snprintf(path, sizeof(path), "/proc/%d/exe", pid);
    if (hostfs_resolve(rootfs, path, HOSTFS_NOFOLLOW, real, sizeof(real)) != 0)
        return -1;
    ssize_t n = readlink(real, target, sizeof(target) - 1);
    if (n <= 0)
        return -1;
    target[n] = '\0';
    static const char deleted[] = " (deleted)";
    size_t dl = sizeof(deleted) - 1;
    if ((size_t)n > dl && strcmp(target + n - dl, deleted) == 0)
        target[n - dl] = '\0';
    if (target[0] != '/')
        return -1;
    return copy_str(out, outlen, target);
}

/* The last path component of p. */
static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/*
 * Lists the pids whose comm is `name` (cut to COMM_LEN as the kernel cuts
 * it), lowest first: at most `max` of them, the lowest ones, into pids
 * (*n_out set). For a name that fills comm or is longer, the process's exe
 * must also be called `name`: comm "containerd-shim" is what both
 * containerd-shim-runc-v1 and -v2 show, and neither is "containerd-shim".
 * Returns 0, or -1 with err filled when <rootfs>/proc exists but cannot be
 * listed. A missing <rootfs>/proc means no process.
 */
/* Keeps (pid, comm) for dockerd_config_find_binary; silently stops at the cap or on no memory. */
static void record_process(struct dockerd_config *cfg, int pid, const char *comm, size_t len)
{
    if (cfg->n_procs >= PROC_ENTRIES_MAX)
        return;
    if (array_grow(&cfg->procs, cfg->n_procs, &cfg->cap_procs, sizeof(*cfg->procs), 256) != 0)
        return;
    struct dockerd_proc *e = &cfg->procs[cfg->n_procs++];
    e->pid = pid;
    if (len >= sizeof(e->comm))
        len = sizeof(e->comm) - 1;
    memcpy(e->comm, comm, len);
    e->comm[len] = '\0';
}

static int list_processes(const char *rootfs, const char *name, int *pids, size_t max,
                          size_t *n_out, struct dockerd_config *record, char *err, size_t errlen)
{
    char **names = NULL;
    size_t found = 0;
    *n_out = 0;
    if (max == 0)
        return 0;
    int n = hostfs_list_dir(rootfs, "/proc", PROC_ENTRIES_MAX, &names);
    if (n < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot list /proc: %s", strerror(errno));
        return -1;
    }
    /* /proc is resolved once; each <pid>/comm is read relative to it. */
    int procfd = hostfs_open_dir(rootfs, "/proc");
    if (procfd < 0) {
        hostfs_free_names(names, n);
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot open /proc: %s", strerror(errno));
        return -1;
    }
    size_t namelen = strlen(name);
    size_t cmplen = namelen > COMM_LEN ? COMM_LEN : namelen;
    struct buf comm;
    buf_init(&comm, PROC_COMM_MAX);
    for (int i = 0; i < n; i++) {
        int pid = parse_pid(names[i]);
        /* Full of lower pids already: this one would not be kept (unless recording). */
        if (pid == 0 || (record == NULL && found == max && pid >= pids[found - 1]))
            continue;
        char path[64];
        snprintf(path, sizeof(path), "%d/comm", pid);
        if (hostfs_read_file_at(procfd, path, PROC_COMM_MAX, &comm) != 0)
            continue; /* gone, or not readable: not ours to judge */
        size_t len = comm.len;
        while (len > 0 && comm.data[len - 1] == '\n')
            len--;
        if (record != NULL)
            record_process(record, pid, comm.data, len);
        if (found == max && pid >= pids[found - 1])
            continue;
        if (len != cmplen || memcmp(comm.data, name, cmplen) != 0)
            continue;
        if (namelen >= COMM_LEN) {
            char exe[HOSTFS_PATH_MAX];
            if (read_exe(rootfs, pid, exe, sizeof(exe)) != 0 || strcmp(base_name(exe), name) != 0)
                continue;
        }
        /* Insert in order; when full, the highest pid falls off the end. */
        size_t at = found;
        while (at > 0 && pids[at - 1] > pid)
            at--;
        size_t last = found < max ? found : max - 1;
        memmove(pids + at + 1, pids + at, (last - at) * sizeof(*pids));
        pids[at] = pid;
        if (found < max)
            found++;
    }
    buf_free(&comm);
    close(procfd);
    hostfs_free_names(names, n);
    *n_out = found;
    return 0;
}

/* The lowest pid whose comm is `name` into *pid_out (0 = none); as list_processes. */
static int find_process(const char *rootfs, const char *name, int *pid_out, char *err,
                        size_t errlen)
{
    size_t n = 0;
    *pid_out = 0;
    return list_processes(rootfs, name, pid_out, 1, &n, NULL, err, errlen);
}

/*
 * The first regular file called `name` in dirs[0..n) (links followed: a
 * unit masked by a link to /dev/null is not a unit file) into out; 0 or -1.
 */
static int find_in_dirs(const char *rootfs, const char *const *dirs, size_t n, const char *name,
                        char *out, size_t outlen)
{
    for (size_t i = 0; i < n; i++) {
        char path[HOSTFS_PATH_MAX];
        struct stat st;
        if (hostfs_join(dirs[i], name, path, sizeof(path)) != 0)
            continue;
        if (hostfs_stat(rootfs, path, HOSTFS_FOLLOW, &st) == 0 && S_ISREG(st.st_mode))
            return copy_str(out, outlen, path);
    }
    return -1;
}

int host_find_binary(const char *rootfs, const char *name, char *out, size_t outlen)
{
    char err[256];
    int pid = 0;
    if (strchr(name, '/') != NULL || name[0] == '\0')
        return -1;
    if (find_process(rootfs, name, &pid, err, sizeof(err)) == 0 && pid != 0 &&
        read_exe(rootfs, pid, out, outlen) == 0)
        return 0;
    return find_in_dirs(rootfs, bin_dirs, ARRAY_LEN(bin_dirs), name, out, outlen);
}

int systemd_unit_path(const char *rootfs, const char *unit, char *out, size_t outlen)
{
    if (strchr(unit, '/') != NULL || unit[0] == '\0')
        return -1;
    return find_in_dirs(rootfs, unit_dirs, ARRAY_LEN(unit_dirs), unit, out, outlen);
}

/* ---- load / free --------------------------------------------------------- */

void dockerd_config_free(struct dockerd_config *cfg)
{
    if (cfg->borrowed) {
        memset(cfg, 0, sizeof(*cfg));
        return;
    }
    for (size_t i = 0; i < cfg->n_opts; i++) {
        free(cfg->opts[i].name);
        free(cfg->opts[i].value);
    }
    free(cfg->opts);
    cfg->opts = NULL;
    cfg->n_opts = 0;
    free(cfg->procs);
    cfg->procs = NULL;
    cfg->n_procs = 0;
    cfg->cap_procs = 0;
    cJSON_Delete(cfg->json);
    cfg->json = NULL;
}

/* Loads the configuration of dockerd process `pid` (0 = none found). As dockerd_config_load. */
static int load_pid(const char *rootfs, int pid, struct dockerd_config *cfg, char *err,
                    size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    copy_str(cfg->config_file, sizeof(cfg->config_file), DOCKERD_DEFAULT_CONFIG);
    cfg->pid = pid;
    if (pid != 0) {
        char path[64];
        struct buf cmdline;
        buf_init(&cmdline, DOCKERD_CMDLINE_MAX);
        snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
        /* A dockerd that exited meanwhile leaves the defaults in place. */
        if (hostfs_read_file(rootfs, path, DOCKERD_CMDLINE_MAX, &cmdline) == 0 &&
            dockerd_config_parse_cmdline(cfg, cmdline.data, cmdline.len) != 0) {
            buf_free(&cmdline);
            snprintf(err, errlen, "parsing dockerd's command line: out of memory");
            dockerd_config_free(cfg);
            return -1;
        }
        buf_free(&cmdline);
        if (read_exe(rootfs, pid, cfg->exe, sizeof(cfg->exe)) != 0)
            cfg->exe[0] = '\0';
    }
    if (cfg->exe[0] == '\0' && find_in_dirs(rootfs, bin_dirs, ARRAY_LEN(bin_dirs), "dockerd",
                                            cfg->exe, sizeof(cfg->exe)) != 0)
        cfg->exe[0] = '\0';

    /* A --config-file too long to hold leaves config_file "": unreadable. */
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, "config-file") == 0)
            copy_str(cfg->config_file, sizeof(cfg->config_file), cfg->opts[i].value);
    }
    if (dockerd_config_load_json(rootfs, cfg) != 0) {
        snprintf(err, errlen, "loading %s: out of memory", cfg->config_file);
        dockerd_config_free(cfg);
        return -1;
    }

    const char *hosts[HOSTS_MAX];
    size_t total = dockerd_config_values(cfg, "host", hosts, HOSTS_MAX);
    for (size_t i = 0; i < total && i < HOSTS_MAX; i++) {
        if (strncmp(hosts[i], "fd://", 5) == 0) {
            size_t np;
            int tcp = 0;
            if (dockerd_config_socket_unit_listens(rootfs, NULL, 0, &np, &tcp) == 0)
                cfg->systemd_tcp = tcp;
            break;
        }
    }
    return 0;
}

int dockerd_config_load(const char *rootfs, struct dockerd_config *cfg, char *err, size_t errlen)
{
    return dockerd_config_load_for(rootfs, NULL, cfg, err, errlen);
}

/*
 * The socket path of a --docker.host value: "unix:///x" or "/x" -> "/x";
 * NULL for anything else (tcp://, ssh://, "unix://" without a path).
 */
static const char *docker_host_socket(const char *docker_host)
{
    if (docker_host == NULL)
        return NULL;
    if (strncmp(docker_host, "unix://", 7) == 0)
        docker_host += 7;
    return docker_host[0] == '/' ? docker_host : NULL;
}

/*
 * The canonical host path of `path` into out: resolved inside the root; for
 * a path that does not exist (a socket not created yet), its resolved
 * directory plus its name; else the path as given.
 */
static void canonical_socket(const char *rootfs, const char *path, char *out, size_t outlen)
{
    if (hostfs_canonical(rootfs, path, out, outlen) == 0)
        return;
    char dir[HOSTFS_PATH_MAX], cdir[HOSTFS_PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash != NULL && slash != path && (size_t)(slash - path) < sizeof(dir)) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        if (hostfs_canonical(rootfs, dir, cdir, sizeof(cdir)) == 0 &&
            hostfs_join(cdir, slash + 1, out, outlen) == 0)
            return;
    }
    copy_str(out, outlen, path);
}

/*
 * Whether the dockerd described by cfg listens on the socket whose canonical
 * path is `want`: 1 yes, 0 no, -1 no memory.
 */
static int serves_socket(const struct dockerd_config *cfg, const char *rootfs, const char *want)
{
    /* HOSTS_MAX paths are too many for a collector thread's stack. */
    char(*socks)[HOSTFS_PATH_MAX] = malloc(HOSTS_MAX * sizeof(*socks));
    if (socks == NULL)
        return -1;
    size_t n = dockerd_config_unix_sockets(cfg, rootfs, socks, HOSTS_MAX);
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        char canon[HOSTFS_PATH_MAX];
        canonical_socket(rootfs, socks[i], canon, sizeof(canon));
        found = strcmp(canon, want) == 0;
    }
    free(socks);
    return found;
}

/*
 * "tcp://HOST:PORT" split into host and port; 0, or -1 for anything else
 * ("[::1]:2376" gives "::1"). A -H value without a scheme ("0.0.0.0:2375")
 * is TCP too, as opts.ParseHost reads it.
 */
static int tcp_host_port(const char *url, char *host, size_t hostlen, char *port, size_t portlen)
{
    if (url == NULL || (strncmp(url, "tcp://", 6) != 0 && strstr(url, "://") != NULL))
        return -1;
    const char *h = strncmp(url, "tcp://", 6) == 0 ? url + 6 : url, *colon;
    size_t hl;
    if (*h == '[') {
        const char *end = strchr(h, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        h++;
        hl = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(h, ':');
        if (colon == NULL)
            return -1;
        hl = (size_t)(colon - h);
    }
    size_t pl = strcspn(colon + 1, "/");
    if (hl >= hostlen || pl == 0 || pl >= portlen)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    memcpy(port, colon + 1, pl);
    port[pl] = '\0';
    return 0;
}

static int local_address(const char *host)
{
    return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
           strcmp(host, "::1") == 0;
}

/*
 * Whether the dockerd described by cfg answers on tcp:// URL `want`: one of
 * its -H/hosts entries is that address, or `want` is a loopback address and
 * dockerd listens on that port on loopback or on every interface. Another
 * name may or may not be this machine, so it must be the one dockerd names.
 */
static int serves_tcp(const struct dockerd_config *cfg, const char *want)
{
    char wh[256], wp[16];
    if (tcp_host_port(want, wh, sizeof(wh), wp, sizeof(wp)) != 0)
        return 0;
    const char *hosts[HOSTS_MAX];
    size_t n = dockerd_config_values(cfg, "host", hosts, HOSTS_MAX);
    if (n > HOSTS_MAX)
        n = HOSTS_MAX;
    for (size_t i = 0; i < n; i++) {
        char hh[256], hp[16];
        if (tcp_host_port(hosts[i], hh, sizeof(hh), hp, sizeof(hp)) != 0 || strcmp(hp, wp) != 0)
            continue;
        /* Another name may be this machine or not: only the same name, or loopback. */
        int any = hh[0] == '\0' || strcmp(hh, "0.0.0.0") == 0 || strcmp(hh, "::") == 0;
        if (strcmp(hh, wh) == 0 || (local_address(wh) && (any || local_address(hh))))
            return 1;
    }
    return 0;
}

/* Loads the dockerd serving docker_host into cfg (see dockerd_config_load_for). */
static int load_serving(const char *rootfs, const char *docker_host, const int *pids, size_t n,
                        struct dockerd_config *cfg, char *err, size_t errlen)
{
    /*
     * A tcp:// (or ssh://) --docker.host may be another machine's dockerd:
     * only a local dockerd listening on that address is the one judged; none
     * is "not visible" (pid 0), never a guess at the first one found.
     */
    if (docker_host != NULL && docker_host[0] != '\0' && docker_host_socket(docker_host) == NULL &&
        strncmp(docker_host, "unix://", 7) != 0 && strncmp(docker_host, "fd://", 5) != 0) {
        for (size_t i = 0; i < n; i++) {
            if (load_pid(rootfs, pids[i], cfg, err, errlen) != 0)
                return -1;
            if (serves_tcp(cfg, docker_host))
                return 0;
            dockerd_config_free(cfg);
        }
        return load_pid(rootfs, 0, cfg, err, errlen);
    }
    const char *sock = docker_host_socket(docker_host);
    if (n > 1 && sock != NULL) {
        char want[HOSTFS_PATH_MAX];
        canonical_socket(rootfs, sock, want, sizeof(want));
        for (size_t i = 0; i < n; i++) {
            if (load_pid(rootfs, pids[i], cfg, err, errlen) != 0)
                return -1;
            int serves = serves_socket(cfg, rootfs, want);
            if (serves == 1)
                return 0;
            dockerd_config_free(cfg);
            if (serves < 0) {
                snprintf(err, errlen, "matching dockerd to %s: out of memory", sock);
                return -1;
            }
        }
    }
    return load_pid(rootfs, n > 0 ? pids[0] : 0, cfg, err, errlen);
}

int dockerd_config_load_for(const char *rootfs, const char *docker_host, struct dockerd_config *cfg,
                            char *err, size_t errlen)
{
    int pids[DOCKERD_CANDIDATES_MAX];
    size_t n = 0;
    /* The /proc scan also records every process, kept with the configuration. */
    struct dockerd_config scan;
    memset(&scan, 0, sizeof(scan));
    memset(cfg, 0, sizeof(*cfg));
    if (list_processes(rootfs, "dockerd", pids, ARRAY_LEN(pids), &n, &scan, err, errlen) != 0) {
        free(scan.procs);
        return -1;
    }
    if (load_serving(rootfs, docker_host, pids, n, cfg, err, errlen) != 0) {
        free(scan.procs);
        return -1;
    }
    cfg->procs = scan.procs;
    cfg->n_procs = scan.n_procs;
    cfg->cap_procs = scan.cap_procs;
    return 0;
}

int dockerd_config_env_flag(const struct dockerd_config *cfg, const char *rootfs, const char *name,
                            char *value_out, size_t len)
{
    if (name == NULL || name[0] == '\0' || strchr(name, '=') != NULL) {
        errno = EINVAL;
        return -1;
    }
    if (cfg->pid == 0) {
        errno = ESRCH;
        return -1;
    }
    char path[64];
    struct buf env;
    buf_init(&env, DOCKERD_ENVIRON_MAX);
    snprintf(path, sizeof(path), "/proc/%d/environ", cfg->pid);
    if (hostfs_read_file(rootfs, path, DOCKERD_ENVIRON_MAX, &env) != 0) {
        int e = errno;
        if (env.data != NULL)
            explicit_bzero(env.data, env.cap);
        buf_free(&env);
        errno = e;
        return -1;
    }
    int found = 0;
    size_t nl = strlen(name);
    /* NUL-separated NAME=VALUE entries; the first one wins, as for getenv(3). */
    for (size_t pos = 0; pos < env.len && !found;) {
        const char *entry = env.data + pos;
        size_t el = strnlen(entry, env.len - pos);
        if (el > nl && memcmp(entry, name, nl) == 0 && entry[nl] == '=') {
            found = 1;
            if (len > 0) {
                size_t vl = el - nl - 1;
                if (vl > len - 1)
                    vl = len - 1;
                memcpy(value_out, entry + nl + 1, vl);
                value_out[vl] = '\0';
            }
        }
        pos += el + 1;
    }
    /* The rest of the environment may hold secrets: leave nothing behind. */
    if (env.data != NULL)
        explicit_bzero(env.data, env.cap);
    buf_free(&env);
    return found;
}

int dockerd_config_load_ctx(const struct collect_ctx *ctx, struct dockerd_config *cfg, char *err,
                            size_t errlen)
{
    if (ctx->dockerd != NULL) {
        memcpy(cfg, ctx->dockerd, sizeof(*cfg));
        cfg->borrowed = true;
        return 0;
    }
    if (ctx->dockerd_error != NULL) {
        memset(cfg, 0, sizeof(*cfg));
        snprintf(err, errlen, "%s", ctx->dockerd_error);
        return -1;
    }
    return dockerd_config_load_for(ctx->rootfs, ctx->docker_host, cfg, err, errlen);
}

int dockerd_config_find_binary(const struct dockerd_config *cfg, const char *rootfs,
                               const char *name, char *out, size_t outlen)
{
    if (cfg->procs == NULL)
        return host_find_binary(rootfs, name, out, outlen);
    if (strchr(name, '/') != NULL || name[0] == '\0')
        return -1;
    size_t namelen = strlen(name);
    size_t cmplen = namelen > COMM_LEN ? COMM_LEN : namelen;
    int best = 0;
    char best_exe[HOSTFS_PATH_MAX] = "";
    for (size_t i = 0; i < cfg->n_procs; i++) {
        const struct dockerd_proc *p = &cfg->procs[i];
        if (strlen(p->comm) != cmplen || memcmp(p->comm, name, cmplen) != 0)
            continue;
        if (best != 0 && p->pid >= best)
            continue;
        char exe[HOSTFS_PATH_MAX];
        if (read_exe(rootfs, p->pid, exe, sizeof(exe)) != 0)
            continue;
        /* comm is cut to 15 characters: a long name must also be the exe's. */
        if (namelen >= COMM_LEN && strcmp(base_name(exe), name) != 0)
            continue;
        best = p->pid;
        memcpy(best_exe, exe, strlen(exe) + 1);
    }
    if (best != 0)
        return copy_str(out, outlen, best_exe);
    return find_in_dirs(rootfs, bin_dirs, ARRAY_LEN(bin_dirs), name, out, outlen);
}
