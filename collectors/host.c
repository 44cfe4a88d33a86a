/*
 * host.c - CIS section 1 host checks: a separate partition for the data root
 * (1.1.1), audit rules for Docker's files and binaries (1.1.3-1.1.18), the
 * manual host-hardening review (1.2.1) and the Docker version (1.2.2).
 *
 * Paths come from the daemon's real configuration (dockerd_config), never
 * from a hard-coded guess: the dockerd binary is /proc/<pid>/exe of the
 * running daemon (Debian installs /usr/sbin/dockerd, not /usr/bin/dockerd),
 * the other binaries are found by host_find_binary, the data root is /info's
 * DockerRootDir (else data-root/-g/--graph from dockerd's configuration),
 * units come from the systemd unit paths, and daemon.json is the one dockerd
 * reads. A path that does not exist on the host is skipped.
 *
 * Audit rules are read the way auditd loads them: /etc/audit/audit.rules and
 * every /etc/audit/rules.d/ *.rules. A rule counts for a path when it is a
 * watch (`-w PATH`) or an `always,exit` rule with `-F path=PATH` or
 * `-F dir=PATH` (`never` rules suppress auditing and count for nothing). It
 * matches when its path is the target, or when both resolve (inside the
 * root) to the same file, so a rule on /var/run/x counts for /run/x. A
 * recursive rule (a watch on a directory, or `-F dir=`) also covers what is
 * below it, as it does in the kernel. When a rule file exists but cannot be
 * read, a path without a rule is an error, not a fail: the missing rule may
 * be in that file. The rules are parsed by audit_rules.c.
 *
 * 1.1.1 reads the mount table (mountinfo of dockerd's mount namespace, else
 * of pid 1, else dockward's own with rootfs-prefixed paths): the data root
 * passes when a filesystem's root (root field "/") is mounted on it from
 * another device than the mount below. dockerd bind-mounts its data root
 * onto itself, so being a mount point proves nothing, and a btrfs subvolume
 * has its own st_dev without being a mount, so st_dev alone proves nothing
 * either.
 *
 * 1.2.2 (manual) reports the server version from the Docker API sweep and
 * the age of its build. It is the one check here that needs the API; when
 * the API did not answer, 1.2.2 is an error naming the reason and every
 * other check still runs, so the collector needs Docker but never fails for
 * the lack of it.
 */
#include "collector.h"

#include "audit_rules.h"
#include "docker.h"
#include "dockerd_config.h"
#include "hostfs.h"

#include "../common/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>

/* The rows of catalog.txt, written into the build tree by catalog_gen. */
static const struct check_def host_checks[] = {
#include "catalog/host.inc"
};

/* Where the path an audit check judges comes from. */
enum audit_source {
    SRC_FIXED,           /* arg is the host path */
    SRC_DOCKERD,         /* the dockerd binary in use */
    SRC_BINARY,          /* arg is a program name for host_find_binary */
    SRC_DATA_ROOT,       /* dockerd's data root */
    SRC_UNIT,            /* arg is a systemd unit name */
    SRC_CONTAINERD_SOCK, /* containerd's socket as dockerd is configured */
    SRC_CONFIG_FILE,     /* the daemon.json in use */
};

static const struct {
    const char *id;
    enum audit_source src;
    const char *arg;
} audit_targets[] = {
    { "1.1.3", SRC_DOCKERD, "dockerd" },
    { "1.1.4", SRC_FIXED, "/run/containerd" },
    { "1.1.5", SRC_DATA_ROOT, NULL },
    { "1.1.6", SRC_FIXED, "/etc/docker" },
    { "1.1.7", SRC_UNIT, "docker.service" },
    { "1.1.8", SRC_CONTAINERD_SOCK, NULL },
    { "1.1.9", SRC_UNIT, "docker.socket" },
    { "1.1.10", SRC_FIXED, "/etc/default/docker" },
    { "1.1.11", SRC_CONFIG_FILE, NULL },
    { "1.1.12", SRC_FIXED, "/etc/containerd/config.toml" },
    { "1.1.13", SRC_FIXED, "/etc/sysconfig/docker" },
    { "1.1.14", SRC_BINARY, "containerd" },
    { "1.1.15", SRC_BINARY, "containerd-shim" },
    { "1.1.16", SRC_BINARY, "containerd-shim-runc-v1" },
    { "1.1.17", SRC_BINARY, "containerd-shim-runc-v2" },
    { "1.1.18", SRC_BINARY, "runc" },
};

/*
 * The host path check `t` judges, into out. Returns 0, or -1 when it cannot
 * be located, with `why` saying so.
 */
static int data_root_path(const struct collect_ctx *ctx, const struct dockerd_config *cfg,
                          char *out, size_t outlen, const char **from, char *why, size_t whylen);

static int audit_target_path(size_t t, const struct collect_ctx *ctx,
                             const struct dockerd_config *cfg, char *out, size_t outlen, char *why,
                             size_t whylen)
{
    const char *rootfs = ctx->rootfs;
    const char *from;
    const char *arg = audit_targets[t].arg;
    int n;
    switch (audit_targets[t].src) {
    case SRC_FIXED:
        n = snprintf(out, outlen, "%s", arg);
        return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
    case SRC_DOCKERD:
        if (cfg->exe[0] != '\0') {
            n = snprintf(out, outlen, "%s", cfg->exe);
            return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
        }
        snprintf(why, whylen, "no dockerd binary found on the host");
        return -1;
    case SRC_BINARY:
        if (dockerd_config_find_binary(cfg, rootfs, arg, out, outlen) == 0)
            return 0;
        snprintf(why, whylen, "no %s binary found on the host", arg);
        return -1;
    case SRC_DATA_ROOT:
        return data_root_path(ctx, cfg, out, outlen, &from, why, whylen);
    case SRC_UNIT:
        if (systemd_unit_path(rootfs, arg, out, outlen) == 0)
            return 0;
        snprintf(why, whylen, "no %s unit file in the systemd unit paths", arg);
        return -1;
    case SRC_CONTAINERD_SOCK:
        dockerd_config_containerd_socket(cfg, out, outlen);
        return 0;
    case SRC_CONFIG_FILE:
        if (cfg->config_file[0] == '\0') {
            snprintf(why, whylen, "daemon.json path in use is too long");
            return -1;
        }
        n = snprintf(out, outlen, "%s", cfg->config_file);
        return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
    }
    return -1;
}

/*
 * "file/<path>" with the path's leading '/' dropped ("file/etc/docker"), as
 * file_permissions names files, so one file is one target across collectors.
 * A target longer than RESULT_TARGET_MAX is cut by the sink.
 */
static void file_target(const char *path, char *out, size_t outlen)
{
    while (*path == '/')
        path++;
    int n = snprintf(out, outlen, "file/%s", path);
    if (n < 0)
        snprintf(out, outlen, "file/...");
}

/* Judges one audit check. Returns sink_add's result. */
static int judge_audit(struct result_sink *sink, const struct collect_ctx *ctx,
                       const struct dockerd_config *cfg, const struct audit_rules *rules, size_t t)
{
    const char *rootfs = ctx->rootfs;
    const char *id = audit_targets[t].id;
    char path[HOSTFS_PATH_MAX], why[HOSTFS_PATH_MAX + 512] = "cannot locate the file";
    char target[HOSTFS_PATH_MAX + 8]; /* cut to RESULT_TARGET_MAX by the sink */
    if (audit_target_path(t, ctx, cfg, path, sizeof(path), why, sizeof(why)) != 0)
        return sink_add(sink, id, "host",
                        audit_targets[t].src == SRC_DATA_ROOT ? CHECK_ERROR : CHECK_SKIP, "%s",
                        why);
    file_target(path, target, sizeof(target));

    struct stat st;
    if (hostfs_stat(rootfs, path, HOSTFS_FOLLOW, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return sink_add(sink, id, target, CHECK_SKIP, "%s not present", path);
        return sink_add(sink, id, target, CHECK_ERROR, "cannot stat %s: %s", path, strerror(errno));
    }
    char canon[HOSTFS_PATH_MAX];
    if (hostfs_canonical(rootfs, path, canon, sizeof(canon)) != 0)
        snprintf(canon, sizeof(canon), "%s", path);

    const struct audit_rule *r = audit_rules_find(rules, path, canon);
    if (r != NULL) {
        int own = strcmp(r->path, path) == 0 || strcmp(r->path, canon) == 0 ||
                  (r->canon != NULL && strcmp(r->canon, canon) == 0);
        if (own)
            return sink_add(sink, id, target, CHECK_PASS, "audit rule at %s: %s", r->where,
                            r->text);
        return sink_add(sink, id, target, CHECK_PASS,
                        "covered by the recursive audit rule at %s: %s", r->where, r->text);
    }
    if (rules->incomplete)
        return sink_add(sink, id, target, CHECK_ERROR,
                        "no audit rule for %s in the readable rules; %s", path, rules->why);
    if (rules->n_files == 0)
        return sink_add(
            sink, id, target, CHECK_FAIL,
            "no audit rule for %s (no " AUDIT_RULES_FILE " or " AUDIT_RULES_DIR "/*.rules)", path);
    return sink_add(sink, id, target, CHECK_FAIL, "no audit rule for %s", path);
}

/* ---- 1.1.1: the data root on a partition of its own --------------------------- */

#define MOUNTINFO_MAX (8 * 1024 * 1024) /* cap on one mountinfo (thousands of mounts) */

/* One line of a mountinfo file; the strings point into the read buffer. */
struct mount_entry {
    long id, parent;
    unsigned major, minor;
    char *root;  /* the path inside the mounted filesystem ("/" = its root) */
    char *point; /* the mount point, as the reading namespace sees it */
};

struct mount_table {
    struct buf text;
    struct mount_entry *e;
    size_t n;
    char where[64]; /* which mountinfo it is, for the evidence */
    int prefixed;   /* mount points are real paths (rootfs-prefixed), not host paths */
};

/* Undoes mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
static void unescape_octal(char *s)
{
    char *o = s;
    for (char *p = s; *p != '\0'; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

/* Parses mountinfo text in place into t->e. Returns 0, or -1 (no memory). */
static int parse_mountinfo(struct mount_table *t)
{
    size_t cap = 0;
    char *save = NULL;
    for (char *line = strtok_r(t->text.data, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        /* "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
        char *f[5];
        char *fsave = NULL, *p = line;
        size_t k = 0;
        for (; k < 5; k++) {
            f[k] = strtok_r(p, " ", &fsave);
            p = NULL;
            if (f[k] == NULL)
                break;
        }
        if (k < 5)
            continue;
        struct mount_entry m;
        char *end;
        errno = 0;
        m.id = strtol(f[0], &end, 10);
        if (errno != 0 || *end != '\0')
            continue;
        m.parent = strtol(f[1], &end, 10);
        if (errno != 0 || *end != '\0')
            continue;
        unsigned long maj = strtoul(f[2], &end, 10);
        if (errno != 0 || *end != ':')
            continue;
        unsigned long min = strtoul(end + 1, &end, 10);
        if (errno != 0 || *end != '\0' || maj > 0xffffffffUL || min > 0xffffffffUL)
            continue;
        m.major = (unsigned)maj;
        m.minor = (unsigned)min;
        unescape_octal(f[3]);
        unescape_octal(f[4]);
        m.root = f[3];
        m.point = f[4];
        if (array_grow(&t->e, t->n, &cap, sizeof(*t->e), 64) != 0)
            return -1;
        t->e[t->n++] = m;
    }
    return 0;
}

static void mount_table_free(struct mount_table *t)
{
    buf_free(&t->text);
    free(t->e);
    t->e = NULL;
    t->n = 0;
}

/*
 * Loads the mount table that decides 1.1.1, first found of: dockerd's own
 * (<root>/proc/<pid>/mountinfo: the namespace its data root lives in), the
 * host's (<root>/proc/1/mountinfo), both with host paths as mount points;
 * else dockward's own /proc/self/mountinfo, whose mount points are real
 * paths (rootfs-prefixed: a host tree mounted below --path.rootfs). Returns
 * 0, or -1 with why.
 */
static int mount_table_load(const char *rootfs, int pid, struct mount_table *t, char *why,
                            size_t whylen)
{
    memset(t, 0, sizeof(*t));
    buf_init(&t->text, MOUNTINFO_MAX);
    int pids[2] = { pid, 1 };
    int rc = -1;
    for (size_t i = 0; i < 2 && rc != 0; i++) {
        if (pids[i] <= 0)
            continue;
        snprintf(t->where, sizeof(t->where), "/proc/%d/mountinfo", pids[i]);
        rc = hostfs_read_file(rootfs, t->where, MOUNTINFO_MAX, &t->text);
    }
    if (rc != 0) {
        snprintf(t->where, sizeof(t->where), "/proc/self/mountinfo");
        rc = hostfs_read_file("/", t->where, MOUNTINFO_MAX, &t->text);
        t->prefixed = 1;
    }
    if (rc != 0) {
        snprintf(why, whylen,
                 "cannot read a mountinfo (/proc/<dockerd pid>, /proc/1, "
                 "/proc/self): %s",
                 strerror(errno));
        mount_table_free(t);
        return -1;
    }
    if (t->text.data == NULL || parse_mountinfo(t) != 0) {
        snprintf(why, whylen, "%s: %s", t->where, t->text.data == NULL ? "empty" : "out of memory");
        mount_table_free(t);
        return -1;
    }
    return 0;
}

static const struct mount_entry *mount_by_id(const struct mount_table *t, long id)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->e[i].id == id)
            return &t->e[i];
    }
    return NULL;
}

/* The mount under the stack of mounts at `m`'s mount point (its first ancestor elsewhere). */
static const struct mount_entry *mount_below(const struct mount_table *t,
                                             const struct mount_entry *m)
{
    const struct mount_entry *a = m;
    for (size_t hops = 0; a != NULL && hops <= t->n; hops++) {
        a = mount_by_id(t, a->parent);
        if (a == NULL || strcmp(a->point, m->point) != 0)
            return a;
    }
    return NULL;
}

/*
 * Where the data root comes from: /info's DockerRootDir (what dockerd
 * really uses, rootless dockerd's too, whatever daemon.json says) when the
 * API answered; else dockerd's configuration (--data-root/-g/--graph,
 * daemon.json), else the default. Returns 0 with the host path in out and
 * a note for the evidence in *from, or -1 with why when the configuration
 * that could name it cannot be read.
 */
static int data_root_path(const struct collect_ctx *ctx, const struct dockerd_config *cfg,
                          char *out, size_t outlen, const char **from, char *why, size_t whylen)
{
    const struct docker_sweep *sw = ctx->docker;
    if (sw != NULL && sw->ok && (sw->info.invalid & (1u << DOCKER_F_INFO_DOCKER_ROOT_DIR)) == 0 &&
        sw->info.docker_root_dir != NULL && sw->info.docker_root_dir[0] == '/') {
        int n = snprintf(out, outlen, "%s", sw->info.docker_root_dir);
        if (n >= 0 && (size_t)n < outlen) {
            *from = "DockerRootDir from /info";
            return 0;
        }
    }
    *from = "dockerd's configuration";
    int on_cmdline = 0;
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, "data-root") == 0 || strcmp(cfg->opts[i].name, "graph") == 0)
            on_cmdline = 1;
    }
    if (!on_cmdline &&
        (cfg->json_state == DOCKERD_JSON_INVALID || cfg->json_state == DOCKERD_JSON_UNREADABLE)) {
        snprintf(why, whylen,
                 "cannot tell the data root: no DockerRootDir from /info, and %s (which may set "
                 "data-root) cannot be read: %s",
                 cfg->config_file[0] != '\0' ? cfg->config_file : "daemon.json", cfg->config_error);
        return -1;
    }
    dockerd_config_data_root(cfg, out, outlen);
    return 0;
}

/*
 * 1.1.1: the data root is the root of a filesystem mounted there, on another
 * device than the mount below it. mountinfo decides, not st_dev: dockerd's
 * bind mount of the data root onto itself is a mount point on the parent's
 * device (or a bind, root field not "/"), and a btrfs subvolume has its own
 * st_dev without being a mount at all.
 */
static int judge_partition(struct result_sink *sink, const struct collect_ctx *ctx,
                           const struct dockerd_config *cfg)
{
    const char *rootfs = ctx->rootfs;
    char root[HOSTFS_PATH_MAX], canon[HOSTFS_PATH_MAX], real[HOSTFS_PATH_MAX];
    char target[HOSTFS_PATH_MAX + 8]; /* cut to RESULT_TARGET_MAX by the sink */
    char why[HOSTFS_PATH_MAX + 512];
    const char *from = "";
    if (data_root_path(ctx, cfg, root, sizeof(root), &from, why, sizeof(why)) != 0)
        return sink_add(sink, "1.1.1", "host", CHECK_ERROR, "%s", why);
    file_target(root, target, sizeof(target));

    struct stat st, pst;
    if (hostfs_stat(rootfs, root, HOSTFS_FOLLOW, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return sink_add(sink, "1.1.1", target, CHECK_SKIP, "data root %s (%s) not present",
                            root, from);
        return sink_add(sink, "1.1.1", target, CHECK_ERROR, "cannot stat %s: %s", root,
                        strerror(errno));
    }
    /* The real directory, not a link to it. */
    if (hostfs_canonical(rootfs, root, canon, sizeof(canon)) != 0 ||
        hostfs_resolve(rootfs, root, HOSTFS_FOLLOW, real, sizeof(real)) != 0)
        return sink_add(sink, "1.1.1", target, CHECK_ERROR, "cannot resolve %s: %s", root,
                        strerror(errno));
    const char *via = strcmp(canon, root) != 0 ? " (via a link)" : "";
    if (strcmp(canon, "/") == 0)
        return sink_add(sink, "1.1.1", target, CHECK_FAIL,
                        "data root %s (%s) is the root directory", root, from);
    char parent[HOSTFS_PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", canon);
    char *slash = strrchr(parent, '/');
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    if (hostfs_stat(rootfs, parent, HOSTFS_FOLLOW, &pst) != 0)
        return sink_add(sink, "1.1.1", target, CHECK_ERROR, "cannot stat %s: %s", parent,
                        strerror(errno));

    struct mount_table t;
    if (mount_table_load(rootfs, cfg->pid, &t, why, sizeof(why)) != 0)
        return sink_add(sink, "1.1.1", target, CHECK_ERROR, "%s", why);
    const char *point = t.prefixed ? real : canon;
    const struct mount_entry *bind = NULL, *same = NULL, *same_below = NULL;
    for (size_t i = 0; i < t.n; i++) {
        const struct mount_entry *m = &t.e[i];
        if (strcmp(m->point, point) != 0)
            continue;
        const struct mount_entry *below = mount_below(&t, m);
        if (strcmp(m->root, "/") != 0) {
            bind = m;
            continue;
        }
        if (below != NULL && (below->major != m->major || below->minor != m->minor)) {
            int rc = sink_add(sink, "1.1.1", target, CHECK_PASS,
                              "%s%s (%s) is the root of a filesystem mounted there, on device "
                              "%u:%u; its parent %s is on %u:%u (%s)",
                              canon, via, from, m->major, m->minor, parent, below->major,
                              below->minor, t.where);
            mount_table_free(&t);
            return rc;
        }
        same = m;
        same_below = below;
    }
    int rc;
    if (same != NULL)
        rc = sink_add(sink, "1.1.1", target, CHECK_FAIL,
                      "%s%s (%s) is a mount point on the same device as its parent %s (%u:%u, "
                      "%s): not a separate partition",
                      canon, via, from, parent, same->major, same->minor,
                      same_below != NULL ? "the mount below it" : "no mount below it");
    else if (bind != NULL)
        rc = sink_add(sink, "1.1.1", target, CHECK_FAIL,
                      "%s%s (%s) is a bind mount of %s from device %u:%u, not the root of a "
                      "filesystem of its own: not a separate partition",
                      canon, via, from, bind->root, bind->major, bind->minor);
    else if (st.st_dev != pst.st_dev)
        rc = sink_add(sink, "1.1.1", target, CHECK_FAIL,
                      "%s%s (%s) is not a mount point (%s), though its device %u:%u differs "
                      "from its parent %s's %u:%u (a subvolume, not a partition): not a "
                      "separate partition",
                      canon, via, from, t.where, major(st.st_dev), minor(st.st_dev), parent,
                      major(pst.st_dev), minor(pst.st_dev));
    else
        rc = sink_add(sink, "1.1.1", target, CHECK_FAIL,
                      "%s%s (%s) is not a mount point (%s), on the same device as its parent %s "
                      "(%u:%u): not a separate partition",
                      canon, via, from, t.where, parent, major(st.st_dev), minor(st.st_dev));
    mount_table_free(&t);
    return rc;
}

/*
 * 1.2.2 (manual): the server version and how old its build is; an error
 * when the API did not answer or sent no version.
 */
static int judge_version(struct result_sink *sink, const struct collect_ctx *ctx)
{
    const struct docker_sweep *sw = ctx->docker;
    if (sw == NULL)
        return sink_add(sink, "1.2.2", "host", CHECK_ERROR,
                        "Docker API unavailable: the API was not queried");
    if (!sw->ok)
        return sink_add(sink, "1.2.2", "host", CHECK_ERROR, "Docker API unavailable: %s",
                        sw->error[0] != '\0' ? sw->error : "no answer");
    const struct docker_version *v = &sw->version;
    if ((v->invalid & (1u << DOCKER_F_VERSION_VERSION)) != 0 || v->version == NULL ||
        v->version[0] == '\0')
        return sink_add(sink, "1.2.2", "host", CHECK_ERROR,
                        "Version missing or mistyped in the API answer");
    if ((v->invalid & (1u << DOCKER_F_VERSION_BUILD_TIME)) != 0 || v->build_time <= 0)
        return sink_add(sink, "1.2.2", "host", CHECK_WARN,
                        "Docker %s, build time not reported; compare with the current release",
                        v->version);
    char date[32] = "?";
    struct tm tm;
    time_t built = (time_t)v->build_time;
    if (gmtime_r(&built, &tm) != NULL)
        strftime(date, sizeof(date), "%Y-%m-%d", &tm);
    double age = ctx->now - (double)v->build_time;
    long days = age > 0 ? (long)(age / 86400.0) : 0;
    return sink_add(sink, "1.2.2", "host", CHECK_WARN,
                    "Docker %s, built %s (%ld days ago); compare with the current release",
                    v->version, date, days);
}

static int host_collect(const struct collect_ctx *ctx, struct result_sink *sink, char *err,
                        size_t errlen)
{
    struct dockerd_config cfg;
    if (dockerd_config_load_ctx(ctx, &cfg, err, errlen) != 0)
        return -1;
    struct audit_rules rules;
    if (audit_rules_load(&rules, ctx->rootfs) != 0) {
        audit_rules_free(&rules);
        dockerd_config_free(&cfg);
        snprintf(err, errlen, "reading audit rules: out of memory");
        return -1;
    }

    int rc = judge_partition(sink, ctx, &cfg);
    for (size_t t = 0; rc == 0 && t < ARRAY_LEN(audit_targets); t++)
        rc = judge_audit(sink, ctx, &cfg, &rules, t);
    if (rc == 0)
        rc = sink_add(sink, "1.2.1", "host", CHECK_WARN,
                      "manual check: review host hardening (CIS 1.2.1)");
    if (rc == 0)
        rc = judge_version(sink, ctx);
    audit_rules_free(&rules);
    dockerd_config_free(&cfg);
    return collect_sink_rc(sink, rc, err, errlen);
}

const struct collector collector_host = {
    .name = "host",
    .enabled_by_default = true,
    .help = "Host configuration: data root partition, audit rules for Docker, host hardening and "
            "the Docker version (CIS 1.1, 1.2)",
    .checks = host_checks,
    .n_checks = ARRAY_LEN(host_checks),
    /* For 1.2.2 only: without the API the other checks still run. */
    .needs_docker = true,
    .collect = host_collect,
};
