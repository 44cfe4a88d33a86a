/*
 * container_runtime_sshd.c - 5.7 of the container_runtime collector: sshd
 * running in a container, read from the host's /proc and cgroup filesystem
 * (State.Pid, its cgroup directory, cgroup.procs in and below it, then
 * /proc/<n>/comm), every walk capped. Never execs anything in the
 * container. See container_runtime.c and container_runtime_judge.h.
 */
#include "container_runtime_judge.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

/* -- 5.7: processes of the container, from the host's /proc and cgroupfs -- */

struct proc_scan {
    const char *rootfs;
    size_t dirs;  /* cgroup directories read */
    size_t procs; /* processes looked at */
    long sshd_pid;
    char sshd_comm[COMM_MAX];
    int truncated;   /* a cap stopped the walk */
    char error[300]; /* the first failure to read, "" = none */
};

static int is_sshd(const char *comm)
{
    /* OpenSSH 9.8+ also runs "sshd-session" and (10.0) "sshd-auth" processes. */
    return strcmp(comm, "sshd") == 0 || strncmp(comm, "sshd-", 5) == 0;
}

static void scan_error(struct proc_scan *s, const char *path, int e)
{
    if (s->error[0] == '\0')
        textf(s->error, sizeof(s->error), "cannot read %s: %s", path, strerror(e));
}

/* Looks at the processes listed in `dir`/cgroup.procs. */
static void scan_procs(struct proc_scan *s, const char *dir, int top)
{
    char path[HOSTFS_PATH_MAX];
    struct buf b;
    if (hostfs_join(dir, "cgroup.procs", path, sizeof(path)) != 0) {
        scan_error(s, dir, ENAMETOOLONG);
        return;
    }
    buf_init(&b, CGROUP_PROCS_MAX);
    if (hostfs_read_file(s->rootfs, path, CGROUP_PROCS_MAX, &b) != 0) {
        /* A child cgroup may vanish while we walk; the container's own may not. */
        if (top || errno != ENOENT)
            scan_error(s, path, errno);
        buf_free(&b);
        return;
    }
    char *p = b.data;
    while (p != NULL && *p != '\0' && s->sshd_pid == 0) {
        char *end;
        errno = 0;
        long pid = strtol(p, &end, 10);
        if (end == p || errno != 0 || pid <= 0) {
            p = strchr(p, '\n');
            if (p != NULL)
                p++;
            continue;
        }
        p = end;
        if (s->procs >= PROCS_MAX) {
            s->truncated = 1;
            break;
        }
        s->procs++;
        char comm_path[64];
        snprintf(comm_path, sizeof(comm_path), "/proc/%ld/comm", pid);
        struct buf comm;
        buf_init(&comm, COMM_MAX);
        if (hostfs_read_file(s->rootfs, comm_path, COMM_MAX, &comm) != 0) {
            if (errno != ENOENT && errno != ESRCH) /* exited meanwhile: nothing to see */
                scan_error(s, comm_path, errno);
            buf_free(&comm);
            continue;
        }
        char *name = comm.data;
        name[strcspn(name, "\n")] = '\0';
        if (is_sshd(name)) {
            s->sshd_pid = pid;
            snprintf(s->sshd_comm, sizeof(s->sshd_comm), "%s", name);
        }
        buf_free(&comm);
    }
    buf_free(&b);
}

/* Scans `dir` and the cgroups below it, depth first, within the caps. */
static void scan_cgroup_tree(struct proc_scan *s, const char *dir, int depth)
{
    scan_procs(s, dir, depth == 0);
    if (s->sshd_pid != 0 || s->truncated)
        return;
    char **names;
    int n = hostfs_list_subdirs(s->rootfs, dir, CGROUP_ENTRIES_MAX, &names);
    if (n < 0) {
        if (depth == 0 || errno != ENOENT)
            scan_error(s, dir, errno);
        return;
    }
    for (int i = 0; i < n && s->sshd_pid == 0 && !s->truncated; i++) {
        char child[HOSTFS_PATH_MAX];
        if (hostfs_join(dir, names[i], child, sizeof(child)) != 0)
            continue;
        if (s->dirs >= CGROUP_DIRS_MAX || depth + 1 > CGROUP_DEPTH_MAX) {
            s->truncated = 1;
            break;
        }
        s->dirs++;
        scan_cgroup_tree(s, child, depth + 1);
    }
    hostfs_free_names(names, n);
}

/*
 * Cuts a cgroup path after the component holding the container's id
 * ("/docker/<id>/init.scope" -> "/docker/<id>", "/system.slice/docker-<id>.scope/x"
 * -> ".../docker-<id>.scope"), so processes the container put in sibling
 * sub-cgroups (systemd in a container) are walked too.
 */
static void cut_at_container(char *path, const char *cid)
{
    if (cid == NULL || strlen(cid) < CONTAINER_ID_MIN)
        return;
    char *at = strstr(path, cid);
    if (at == NULL)
        return;
    char *slash = strchr(at, '/');
    if (slash != NULL)
        *slash = '\0';
}

/* 1 when the cgroup path cannot be the container's as the host sees it. */
static int foreign_cgroup_path(const char *path)
{
    return path[0] != '/' || strcmp(path, "/") == 0 || strstr(path, "/..") != NULL;
}

/* Tries "/sys/fs/cgroup[/mount]<path>": 0 with `out` when it is a directory. */
static int try_cgroup_dir(const char *rootfs, const char *mount, const char *path, char *out,
                          size_t outlen)
{
    int n = snprintf(out, outlen, "/sys/fs/cgroup%s%s%s", mount[0] != '\0' ? "/" : "", mount, path);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    struct stat st;
    return hostfs_stat(rootfs, out, HOSTFS_FOLLOW, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/*
 * Finds the host directory of the container's cgroup from /proc/<pid>/cgroup.
 * Prefers the cgroup v2 line ("0::/path", at /sys/fs/cgroup or, on hybrid
 * hosts, /sys/fs/cgroup/unified), then v1's name=systemd hierarchy, then any
 * v1 controller ("cpu,cpuacct" at /sys/fs/cgroup/cpu,cpuacct or each name).
 * Returns 0 with the host path in dir, or -1 with why.
 */
static int container_cgroup_dir(const char *rootfs, long pid, const char *cid, char *dir,
                                size_t dirlen, char *why, size_t whylen)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
    struct buf b;
    buf_init(&b, PROC_CGROUP_MAX);
    if (hostfs_read_file(rootfs, path, PROC_CGROUP_MAX, &b) != 0) {
        textf(why, whylen, "cannot read %s: %s", path, strerror(errno));
        buf_free(&b);
        return -1;
    }
    struct {
        const char *hier, *ctrls;
        char *path;
    } lines[CGROUP_LINES_MAX];
    size_t n = 0, others = 0;
    int foreign = 0;
    for (char *line = b.data; line != NULL && *line != '\0' && n < CGROUP_LINES_MAX;) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
        if (c2 != NULL) {
            *c1 = '\0';
            *c2 = '\0';
            if (foreign_cgroup_path(c2 + 1)) {
                foreign = 1;
            } else if (cid != NULL && strlen(cid) >= CONTAINER_ID_MIN &&
                       strstr(c2 + 1, cid) == NULL) {
                /* Not the container's: another service's cgroup, or a stale pid. */
                others++;
            } else {
                lines[n].hier = line;
                lines[n].ctrls = c1 + 1;
                lines[n].path = c2 + 1;
                cut_at_container(lines[n].path, cid);
                n++;
            }
        }
        line = next;
    }

    int rc = -1;
    /* Pass 1: cgroup v2. */
    for (size_t i = 0; i < n && rc != 0; i++) {
        if (strcmp(lines[i].hier, "0") != 0 || lines[i].ctrls[0] != '\0')
            continue;
        if (try_cgroup_dir(rootfs, "", lines[i].path, dir, dirlen) == 0 ||
            try_cgroup_dir(rootfs, "unified", lines[i].path, dir, dirlen) == 0)
            rc = 0;
    }
    /* Pass 2: v1 name=systemd. */
    for (size_t i = 0; i < n && rc != 0; i++) {
        if (strcmp(lines[i].ctrls, "name=systemd") == 0 &&
            try_cgroup_dir(rootfs, "systemd", lines[i].path, dir, dirlen) == 0)
            rc = 0;
    }
    /* Pass 3: any v1 controller, by its joint mount name and by each name. */
    for (size_t i = 0; i < n && rc != 0; i++) {
        const char *ctrls = lines[i].ctrls;
        if (ctrls[0] == '\0' || strncmp(ctrls, "name=", 5) == 0)
            continue;
        if (try_cgroup_dir(rootfs, ctrls, lines[i].path, dir, dirlen) == 0) {
            rc = 0;
            break;
        }
        char one[128];
        for (const char *p = ctrls; *p != '\0' && rc != 0;) {
            size_t len = strcspn(p, ",");
            if (len > 0 && len < sizeof(one)) {
                memcpy(one, p, len);
                one[len] = '\0';
                if (try_cgroup_dir(rootfs, one, lines[i].path, dir, dirlen) == 0)
                    rc = 0;
            }
            p += len;
            if (*p == ',')
                p++;
        }
    }
    if (rc != 0) {
        if (n == 0 && others > 0)
            textf(why, whylen,
                  "pid %ld's cgroups in %s do not name container %.12s (a pid reused since, or "
                  "a runtime that places containers elsewhere): its processes cannot be told",
                  pid, path, cid);
        else if (n == 0 && foreign)
            textf(why, whylen,
                  "pid %ld is in cgroup / as seen from here (run the agent in the host's "
                  "cgroup namespace)",
                  pid);
        else if (n == 0)
            textf(why, whylen, "no cgroup in %s", path);
        else
            textf(why, whylen, "no directory under /sys/fs/cgroup for pid %ld's cgroup %s", pid,
                  lines[0].path);
    }
    buf_free(&b);
    return rc;
}

int runtime_judge_sshd(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    if (!c->running)
        return add(r, v, id, CHECK_SKIP, "not running: no processes to look at");
    /* container/state.go SetRestarting: Running stays true, Pid is 0 between runs. */
    if (c->pid == 0 && strcmp(str_or(c->state, ""), "restarting") == 0)
        return add(r, v, id, CHECK_SKIP, "restarting: no process between two runs");
    if (c->pid <= 0)
        return add(r, v, id, CHECK_ERROR, "State.Pid=%ld for a running container", c->pid);
    char dir[HOSTFS_PATH_MAX], why[512];
    if (container_cgroup_dir(r->ctx->rootfs, c->pid, c->id, dir, sizeof(dir), why, sizeof(why)) !=
        0)
        return add(r, v, id, CHECK_ERROR, "%s", why);
    struct proc_scan s;
    memset(&s, 0, sizeof(s));
    s.rootfs = r->ctx->rootfs;
    s.dirs = 1;
    scan_cgroup_tree(&s, dir, 0);
    if (s.sshd_pid != 0)
        return add(r, v, id, CHECK_FAIL, "process %s running as host pid %ld (cgroup %s)",
                   s.sshd_comm, s.sshd_pid, dir);
    if (s.error[0] != '\0')
        return add(r, v, id, CHECK_ERROR, "%s", s.error);
    if (s.truncated)
        return add(r, v, id, CHECK_ERROR,
                   "no sshd among the first %zu processes in %zu cgroups under %s, but the "
                   "walk stopped at its cap",
                   s.procs, s.dirs, dir);
    return add(r, v, id, CHECK_PASS, "no sshd among %zu processes in %zu cgroups under %s", s.procs,
               s.dirs, dir);
}
