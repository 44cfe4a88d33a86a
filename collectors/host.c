/*
 * host.c - CIS section 1 host checks: a separate partition for the data root
 * (1.1.1), audit rules for Docker's files and binaries (1.1.3-1.1.18), the
 * manual host-hardening review (1.2.1) and the Docker version (1.2.2).
 *
 * Paths come from the daemon's real configuration (dockerd_config), never
 * from a hard-coded guess: the dockerd binary is /proc/<pid>/exe of the
 * running daemon (Debian installs /usr/sbin/dockerd, not /usr/bin/dockerd),
 * the other binaries are found by host_find_binary, the data root is
 * data-root/-g, units come from the systemd unit paths, and daemon.json is
 * the one dockerd reads. A path that does not exist on the host is skipped.
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
 * 1.1.1 compares st_dev of the data root with st_dev of its parent: dockerd
 * bind-mounts its data root onto itself, so being a mount point proves
 * nothing; being on another device does.
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

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>

#define REMEDIATION_AUDIT(path)                                                        \
    "Add `-w " path " -k docker` to /etc/audit/rules.d/docker.rules and load it with " \
    "`augenrules --load`."

static const struct check_def host_checks[] = {
    { "1.1.1", "1", 1, true, "A separate partition for containers has been created",
      "Put the Docker data root (/var/lib/docker, or dockerd's data-root) on its own partition "
      "or logical volume and mount it there before starting dockerd." },
    { "1.1.3", "1", 1, true, "Auditing is configured for the Docker daemon",
      "Add `-w <dockerd binary> -k docker` (the binary in use, e.g. /usr/sbin/dockerd on Debian) "
      "to /etc/audit/rules.d/docker.rules and load it with `augenrules --load`." },
    { "1.1.4", "1", 1, true, "Auditing is configured for /run/containerd",
      REMEDIATION_AUDIT("/run/containerd") },
    { "1.1.5", "1", 1, true, "Auditing is configured for the Docker data root (/var/lib/docker)",
      "Add `-w <data root> -k docker` (dockerd's data-root, /var/lib/docker by default) to "
      "/etc/audit/rules.d/docker.rules and load it with `augenrules --load`." },
    { "1.1.6", "1", 1, true, "Auditing is configured for /etc/docker",
      REMEDIATION_AUDIT("/etc/docker") },
    { "1.1.7", "1", 2, true, "Auditing is configured for docker.service",
      "Add `-w <path of docker.service> -k docker` (e.g. /lib/systemd/system/docker.service) to "
      "/etc/audit/rules.d/docker.rules and load it with `augenrules --load`." },
    { "1.1.8", "1", 2, true, "Auditing is configured for containerd.sock",
      REMEDIATION_AUDIT("/run/containerd/containerd.sock") },
    { "1.1.9", "1", 2, true, "Auditing is configured for docker.socket",
      "Add `-w <path of docker.socket> -k docker` (e.g. /lib/systemd/system/docker.socket) to "
      "/etc/audit/rules.d/docker.rules and load it with `augenrules --load`." },
    { "1.1.10", "1", 2, true, "Auditing is configured for /etc/default/docker",
      REMEDIATION_AUDIT("/etc/default/docker") },
    { "1.1.11", "1", 2, true, "Auditing is configured for daemon.json",
      "Add `-w /etc/docker/daemon.json -k docker` (or the --config-file in use) to "
      "/etc/audit/rules.d/docker.rules and load it with `augenrules --load`." },
    { "1.1.12", "1", 2, true, "Auditing is configured for /etc/containerd/config.toml",
      REMEDIATION_AUDIT("/etc/containerd/config.toml") },
    { "1.1.13", "1", 2, true, "Auditing is configured for /etc/sysconfig/docker",
      REMEDIATION_AUDIT("/etc/sysconfig/docker") },
    { "1.1.14", "1", 2, true, "Auditing is configured for the containerd binary",
      REMEDIATION_AUDIT("/usr/bin/containerd") },
    { "1.1.15", "1", 2, true, "Auditing is configured for the containerd-shim binary",
      REMEDIATION_AUDIT("/usr/bin/containerd-shim") },
    { "1.1.16", "1", 2, true, "Auditing is configured for the containerd-shim-runc-v1 binary",
      REMEDIATION_AUDIT("/usr/bin/containerd-shim-runc-v1") },
    { "1.1.17", "1", 2, true, "Auditing is configured for the containerd-shim-runc-v2 binary",
      REMEDIATION_AUDIT("/usr/bin/containerd-shim-runc-v2") },
    { "1.1.18", "1", 2, true, "Auditing is configured for the runc binary",
      REMEDIATION_AUDIT("/usr/bin/runc") },
    { "1.2.1", "1", 1, false, "The container host has been hardened",
      "Harden the host OS following the CIS benchmark for your distribution; run only what the "
      "host needs besides Docker." },
    { "1.2.2", "1", 1, false, "The version of Docker is up to date",
      "Compare the server version with the current Docker Engine release (or your distribution's "
      "supported package) and upgrade when security fixes are out." },
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
static int audit_target_path(size_t t, const char *rootfs, const struct dockerd_config *cfg,
                             char *out, size_t outlen, char *why, size_t whylen)
{
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
        dockerd_config_data_root(cfg, out, outlen);
        return 0;
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
static int judge_audit(struct result_sink *sink, const char *rootfs,
                       const struct dockerd_config *cfg, const struct audit_rules *rules, size_t t)
{
    const char *id = audit_targets[t].id;
    char path[HOSTFS_PATH_MAX], why[256] = "cannot locate the file";
    char target[HOSTFS_PATH_MAX + 8]; /* cut to RESULT_TARGET_MAX by the sink */
    if (audit_target_path(t, rootfs, cfg, path, sizeof(path), why, sizeof(why)) != 0)
        return sink_add(sink, id, "host", CHECK_SKIP, "%s", why);
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

/* 1.1.1: the data root is on another device than its parent directory. */
static int judge_partition(struct result_sink *sink, const char *rootfs,
                           const struct dockerd_config *cfg)
{
    char root[HOSTFS_PATH_MAX], canon[HOSTFS_PATH_MAX], parent[HOSTFS_PATH_MAX];
    char target[HOSTFS_PATH_MAX + 8]; /* cut to RESULT_TARGET_MAX by the sink */
    dockerd_config_data_root(cfg, root, sizeof(root));
    file_target(root, target, sizeof(target));

    struct stat st, pst;
    if (hostfs_stat(rootfs, root, HOSTFS_FOLLOW, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return sink_add(sink, "1.1.1", target, CHECK_SKIP, "data root %s not present", root);
        return sink_add(sink, "1.1.1", target, CHECK_ERROR, "cannot stat %s: %s", root,
                        strerror(errno));
    }
    /* The parent of the real directory, not of a link to it. */
    if (hostfs_canonical(rootfs, root, canon, sizeof(canon)) != 0)
        return sink_add(sink, "1.1.1", target, CHECK_ERROR, "cannot resolve %s: %s", root,
                        strerror(errno));
    if (strcmp(canon, "/") == 0)
        return sink_add(sink, "1.1.1", target, CHECK_FAIL, "data root %s is the root directory",
                        root);
    snprintf(parent, sizeof(parent), "%s", canon);
    char *slash = strrchr(parent, '/');
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    if (hostfs_stat(rootfs, parent, HOSTFS_FOLLOW, &pst) != 0)
        return sink_add(sink, "1.1.1", target, CHECK_ERROR, "cannot stat %s: %s", parent,
                        strerror(errno));

    const char *via = strcmp(canon, root) != 0 ? " (via a link)" : "";
    if (st.st_dev != pst.st_dev)
        return sink_add(sink, "1.1.1", target, CHECK_PASS,
                        "%s%s is on device %u:%u, its parent %s on %u:%u", canon, via,
                        major(st.st_dev), minor(st.st_dev), parent, major(pst.st_dev),
                        minor(pst.st_dev));
    return sink_add(sink, "1.1.1", target, CHECK_FAIL,
                    "%s%s is on the same device as its parent %s (%u:%u and %u:%u): not a "
                    "separate partition",
                    canon, via, parent, major(st.st_dev), minor(st.st_dev), major(pst.st_dev),
                    minor(pst.st_dev));
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

    int rc = judge_partition(sink, ctx->rootfs, &cfg);
    for (size_t t = 0; rc == 0 && t < ARRAY_LEN(audit_targets); t++)
        rc = judge_audit(sink, ctx->rootfs, &cfg, &rules, t);
    if (rc == 0)
        rc = sink_add(sink, "1.2.1", "host", CHECK_WARN,
                      "manual check: review host hardening (CIS 1.2.1)");
    if (rc == 0)
        rc = judge_version(sink, ctx);
    audit_rules_free(&rules);
    dockerd_config_free(&cfg);
    if (rc != 0)
        snprintf(err, errlen, "cannot add a result (out of memory or over the cap)");
    return rc;
}

const struct collector collector_host = {
    .name = "host",
    .enabled_by_default = true,
    .help = "Host configuration: data root partition, audit rules for Docker, host hardening and "
            "the Docker version (CIS 1.1, 1.2)",
    .checks = host_checks,
    .n_checks = ARRAY_LEN(host_checks),
    .options = NULL,
    .n_options = 0,
    /* For 1.2.2 only: without the API the other checks still run. */
    .needs_docker = true,
    .collect = host_collect,
};
