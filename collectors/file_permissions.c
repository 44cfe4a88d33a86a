/*
 * file_permissions.c - CIS section 3: owner, group and mode of the files
 * that configure dockerd and of the sockets that control it.
 *
 * Which files are judged comes from dockerd's real configuration (through
 * dockerd_config, shared with the other collectors so all agree on what is
 * "in use"): the unit files found in the systemd unit paths, the daemon.json
 * named by --config-file in either form, the TLS files named by
 * tlscacert/tlscert/tlskey, every unix socket dockerd listens on (plus the
 * one the agent was told to use), and the containerd socket --containerd
 * names. Nothing is judged at a hard-coded guess when the host says
 * otherwise.
 *
 * Every file gives two results, one per check of its pair: ownership
 * compares numeric ids (root is 0; the socket's group is the one dockerd is
 * configured to use, "docker" by default, looked up in the host's
 * /etc/group), and the mode is compared as a bit mask: "0644 or stricter"
 * means no bit outside 0644 is set, so 0477 fails (it would pass a decimal
 * comparison). A missing file is skipped, a file that cannot be examined is
 * an error with the reason: never a silent pass.
 */
#include "collector.h"

#include "accounts.h"
#include "dockerd_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_HOME_DOCKER "/root/.docker" /* dockerd's TLS default without DOCKER_CERT_PATH */
#define CERTS_D          "/etc/docker/certs.d"
#define CERTS_DIRS_MAX   1024 /* registry directories looked at under certs.d */
#define CERTS_FILES_MAX  256  /* files looked at in one registry directory */
#define SOCKETS_MAX      16   /* unix sockets judged */
#define DEFAULT_GROUP    "docker"

/* The rows of catalog.txt, written into the build tree by catalog_gen. */
static const struct check_def file_permissions_checks[] = {
#include "catalog/file_permissions.inc"
};

/* What a file's group must be. */
enum want_group {
    WANT_ROOT,         /* gid 0 */
    WANT_SOCKET_GROUP, /* dockerd's socket group ("docker"), or 0, which is stricter */
};

/* The pair of checks judging one kind of file, and their thresholds. */
struct file_rule {
    const char *owner_check;
    const char *mode_check;
    enum want_group group;
    mode_t mode; /* allowed bits ("or stricter"), or the exact mode */
    int exact;   /* mode must equal `mode` */
};

enum {
    R_SERVICE,
    R_SOCKET_UNIT,
    R_ETC_DOCKER,
    R_REGISTRY_CERT,
    R_TLS_CA,
    R_TLS_CERT,
    R_TLS_KEY,
    R_DOCKER_SOCKET,
    R_DAEMON_JSON,
    R_ETC_DEFAULT,
    R_SYSCONFIG,
    R_CONTAINERD_SOCKET,
};

static const struct file_rule rules[] = {
    [R_SERVICE] = { "3.1", "3.2", WANT_ROOT, 0644, 0 },
    [R_SOCKET_UNIT] = { "3.3", "3.4", WANT_ROOT, 0644, 0 },
    [R_ETC_DOCKER] = { "3.5", "3.6", WANT_ROOT, 0755, 0 },
    [R_REGISTRY_CERT] = { "3.7", "3.8", WANT_ROOT, 0444, 0 },
    [R_TLS_CA] = { "3.9", "3.10", WANT_ROOT, 0444, 0 },
    [R_TLS_CERT] = { "3.11", "3.12", WANT_ROOT, 0444, 0 },
    [R_TLS_KEY] = { "3.13", "3.14", WANT_ROOT, 0400, 1 },
    [R_DOCKER_SOCKET] = { "3.15", "3.16", WANT_SOCKET_GROUP, 0660, 0 },
    [R_DAEMON_JSON] = { "3.17", "3.18", WANT_ROOT, 0644, 0 },
    [R_ETC_DEFAULT] = { "3.19", "3.20", WANT_ROOT, 0644, 0 },
    [R_SYSCONFIG] = { "3.22", "3.21", WANT_ROOT, 0644, 0 },
    [R_CONTAINERD_SOCKET] = { "3.23", "3.24", WANT_ROOT, 0660, 0 },
};

/* What one run judges with; built once per collection. */
struct judge {
    const char *rootfs;
    struct result_sink *sink;
    const struct account_db *db;
    const char *accounts_error; /* why /etc/passwd+group could not be read, or NULL */
    const char *socket_group;   /* dockerd's socket group name */
    int socket_gid_known;       /* socket_gid holds that group's gid */
    gid_t socket_gid;
    const char *socket_group_why; /* why socket_gid is unknown */
};

/* "file/<path>" with the path's leading '/' dropped: "file/etc/docker". */
static void file_target(const char *path, char *out, size_t outlen)
{
    while (*path == '/')
        path++;
    int n = snprintf(out, outlen, "file/%s", path);
    if (n < 0 || (size_t)n >= outlen)
        snprintf(out, outlen, "file/...");
}

/* Adds the same status and evidence to both checks of a rule. */
static int add_both(const struct judge *j, const struct file_rule *r, const char *target,
                    enum check_status status, const char *evidence)
{
    if (sink_add(j->sink, r->owner_check, target, status, "%s", evidence) != 0)
        return -1;
    return sink_add(j->sink, r->mode_check, target, status, "%s", evidence);
}

static int judge_owner(const struct judge *j, const struct file_rule *r, const char *target,
                       const struct stat *st)
{
    char user[64], group[64];
    accounts_user_label(j->db, st->st_uid, user, sizeof(user));
    accounts_group_label(j->db, st->st_gid, group, sizeof(group));
    unsigned uid = (unsigned)st->st_uid, gid = (unsigned)st->st_gid;

    int group_ok = st->st_gid == 0;
    char want[128] = "root:root";
    if (r->group == WANT_SOCKET_GROUP) {
        snprintf(want, sizeof(want), "root:%s", j->socket_group);
        if (!group_ok && !j->socket_gid_known) {
            /* Not root's group, and which group is right cannot be told. */
            return sink_add(j->sink, r->owner_check, target, CHECK_ERROR,
                            "owner %s:%s (uid %u, gid %u), want %s, but %s", user, group, uid, gid,
                            want, j->socket_group_why);
        }
        if (!group_ok && st->st_gid == j->socket_gid)
            group_ok = 1;
    }
    if (st->st_uid == 0 && group_ok)
        return sink_add(j->sink, r->owner_check, target, CHECK_PASS, "owner %s:%s", user, group);
    return sink_add(j->sink, r->owner_check, target, CHECK_FAIL,
                    "owner %s:%s (uid %u, gid %u), want %s", user, group, uid, gid, want);
}

static int judge_mode(const struct judge *j, const struct file_rule *r, const char *target,
                      const struct stat *st)
{
    unsigned mode = (unsigned)(st->st_mode & 07777);
    int ok = r->exact ? mode == (unsigned)r->mode : (mode & ~(unsigned)r->mode) == 0;
    if (ok)
        return sink_add(j->sink, r->mode_check, target, CHECK_PASS, "mode %04o", mode);
    if (r->exact)
        return sink_add(j->sink, r->mode_check, target, CHECK_FAIL, "mode %04o, want %04o", mode,
                        (unsigned)r->mode);
    return sink_add(j->sink, r->mode_check, target, CHECK_FAIL, "mode %04o, want %04o or stricter",
                    mode, (unsigned)r->mode);
}

/*
 * Judges host path `path` under rule `r`: two results. Returns 0, or -1
 * when a result could not be recorded.
 */
static int judge_file(const struct judge *j, const struct file_rule *r, const char *path)
{
    char target[RESULT_TARGET_BUILD_MAX];
    struct stat st;
    file_target(path, target, sizeof(target));
    if (hostfs_stat(j->rootfs, path, HOSTFS_FOLLOW, &st) != 0) {
        if (errno == ENOENT)
            return add_both(j, r, target, CHECK_SKIP, "not present");
        char why[128];
        snprintf(why, sizeof(why), "stat failed: %s", strerror(errno));
        return add_both(j, r, target, CHECK_ERROR, why);
    }
    if (judge_owner(j, r, target, &st) != 0)
        return -1;
    return judge_mode(j, r, target, &st);
}

/* Every file in every registry directory of /etc/docker/certs.d. */
static int judge_registry_certs(const struct judge *j)
{
    const struct file_rule *r = &rules[R_REGISTRY_CERT];
    char target[RESULT_TARGET_BUILD_MAX];
    char **dirs = NULL;
    file_target(CERTS_D, target, sizeof(target));
    int nd = hostfs_list_dir(j->rootfs, CERTS_D, CERTS_DIRS_MAX, &dirs);
    if (nd < 0) {
        if (errno == ENOENT)
            return add_both(j, r, target, CHECK_SKIP, "not present");
        char why[128];
        snprintf(why, sizeof(why), "listing failed: %s", strerror(errno));
        return add_both(j, r, target, CHECK_ERROR, why);
    }
    int rc = 0, judged = 0;
    for (int i = 0; i < nd && rc == 0; i++) {
        char dir[HOSTFS_PATH_MAX];
        struct stat st;
        if (hostfs_join(CERTS_D, dirs[i], dir, sizeof(dir)) != 0)
            continue;
        /* Docker reads certificates only from a directory per registry. */
        if (hostfs_stat(j->rootfs, dir, HOSTFS_FOLLOW, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        char **files = NULL;
        int nf = hostfs_list_dir(j->rootfs, dir, CERTS_FILES_MAX, &files);
        if (nf < 0) {
            char why[128], dtarget[RESULT_TARGET_BUILD_MAX];
            snprintf(why, sizeof(why), "listing failed: %s", strerror(errno));
            file_target(dir, dtarget, sizeof(dtarget));
            rc = add_both(j, r, dtarget, CHECK_ERROR, why);
            judged++;
            continue;
        }
        for (int k = 0; k < nf && rc == 0; k++) {
            char path[HOSTFS_PATH_MAX];
            if (hostfs_join(dir, files[k], path, sizeof(path)) != 0)
                continue;
            /* Sub-directories hold nothing Docker reads; anything else is judged. */
            if (hostfs_stat(j->rootfs, path, HOSTFS_FOLLOW, &st) == 0 && S_ISDIR(st.st_mode))
                continue;
            rc = judge_file(j, r, path);
            judged++;
        }
        hostfs_free_names(files, nf);
    }
    hostfs_free_names(dirs, nd);
    if (rc == 0 && judged == 0)
        rc = add_both(j, r, target, CHECK_SKIP, "no registry certificate files");
    return rc;
}

/*
 * The TLS files: explicit paths wherever set; dockerd's defaults under
 * /root/.docker when TLS is on without them; a skip when TLS is off and no
 * path is set (dockerd then reads none of them).
 */
static int judge_tls(const struct judge *j, const struct dockerd_config *cfg)
{
    static const struct {
        const char *option;
        const char *def;
        int rule;
    } tls_files[] = {
        { "tlscacert", ROOT_HOME_DOCKER "/ca.pem", R_TLS_CA },
        { "tlscert", ROOT_HOME_DOCKER "/cert.pem", R_TLS_CERT },
        { "tlskey", ROOT_HOME_DOCKER "/key.pem", R_TLS_KEY },
    };
    int tls_on = dockerd_config_bool(cfg, "tls") == 1 || dockerd_config_bool(cfg, "tlsverify") == 1;
    /* An unreadable daemon.json may turn TLS on or name the files. */
    int json_unknown =
        cfg->json_state == DOCKERD_JSON_INVALID || cfg->json_state == DOCKERD_JSON_UNREADABLE;
    for (size_t i = 0; i < ARRAY_LEN(tls_files); i++) {
        const struct file_rule *r = &rules[tls_files[i].rule];
        const char *path = dockerd_config_value(cfg, tls_files[i].option);
        if (path == NULL || path[0] == '\0') {
            if (!tls_on && json_unknown) {
                char why[400];
                snprintf(why, sizeof(why), "daemon.json could not be read (%s)", cfg->config_error);
                if (add_both(j, r, "host", CHECK_ERROR, why) != 0)
                    return -1;
                continue;
            }
            if (!tls_on) {
                if (add_both(j, r, "host", CHECK_SKIP, "TLS not configured") != 0)
                    return -1;
                continue;
            }
            path = tls_files[i].def;
        }
        if (path[0] != '/') {
            char why[HOSTFS_PATH_MAX + 64];
            snprintf(why, sizeof(why), "%s is not an absolute path: %s", tls_files[i].option, path);
            if (add_both(j, r, "host", CHECK_ERROR, why) != 0)
                return -1;
            continue;
        }
        if (judge_file(j, r, path) != 0)
            return -1;
    }
    return 0;
}

/* Adds `path` to the socket list unless it names a file already listed. */
static void add_socket_path(const char *rootfs, const char *path, char (*list)[HOSTFS_PATH_MAX],
                            size_t *n)
{
    char canon[HOSTFS_PATH_MAX], other[HOSTFS_PATH_MAX];
    if (path[0] != '/' || *n >= SOCKETS_MAX)
        return;
    if (hostfs_canonical(rootfs, path, canon, sizeof(canon)) != 0)
        snprintf(canon, sizeof(canon), "%s", path);
    for (size_t i = 0; i < *n; i++) {
        if (hostfs_canonical(rootfs, list[i], other, sizeof(other)) != 0)
            snprintf(other, sizeof(other), "%s", list[i]);
        if (strcmp(other, canon) == 0)
            return;
    }
    int w = snprintf(list[*n], HOSTFS_PATH_MAX, "%s", path);
    if (w > 0 && (size_t)w < HOSTFS_PATH_MAX)
        (*n)++;
}

/* The Docker sockets in use: dockerd's unix sockets and the agent's --docker.host. */
static int judge_docker_sockets(const struct judge *j, const struct dockerd_config *cfg,
                                const char *docker_host)
{
    char(*socks)[HOSTFS_PATH_MAX] = calloc(SOCKETS_MAX, HOSTFS_PATH_MAX);
    if (socks == NULL)
        return -1;
    size_t n = dockerd_config_unix_sockets(cfg, j->rootfs, socks, SOCKETS_MAX);
    if (n > SOCKETS_MAX)
        n = SOCKETS_MAX;
    if (docker_host != NULL && strncmp(docker_host, "unix://", 7) == 0)
        add_socket_path(j->rootfs, docker_host + 7, socks, &n);
    int rc = 0;
    if (n == 0)
        rc = add_both(j, &rules[R_DOCKER_SOCKET], "host", CHECK_SKIP,
                      "dockerd listens on no unix socket");
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = judge_file(j, &rules[R_DOCKER_SOCKET], socks[i]);
    free(socks);
    return rc;
}

/* A systemd unit file of dockerd's, wherever the unit paths put it. */
static int judge_unit(const struct judge *j, const char *unit, const struct file_rule *r)
{
    char path[HOSTFS_PATH_MAX];
    if (systemd_unit_path(j->rootfs, unit, path, sizeof(path)) != 0) {
        char why[128];
        snprintf(why, sizeof(why), "no %s unit file", unit);
        return add_both(j, r, "host", CHECK_SKIP, why);
    }
    return judge_file(j, r, path);
}

/*
 * Works out the socket's group: -G/--group or "group" in daemon.json,
 * "docker" by default; its gid from the host's /etc/group (or the value
 * itself when it is a number, as dockerd accepts).
 */
static void resolve_socket_group(struct judge *j, const struct dockerd_config *cfg)
{
    int on_cmdline = 0;
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, "group") == 0)
            on_cmdline = 1;
    }
    const char *g = dockerd_config_value(cfg, "group");
    j->socket_group = (g != NULL && g[0] != '\0') ? g : DEFAULT_GROUP;
    j->socket_gid_known = 0;
    if (!on_cmdline &&
        (cfg->json_state == DOCKERD_JSON_INVALID || cfg->json_state == DOCKERD_JSON_UNREADABLE)) {
        j->socket_group_why = "daemon.json, which may name another group, could not be read";
        return;
    }
    if (j->accounts_error != NULL) {
        j->socket_group_why = "/etc/group could not be read";
        return;
    }
    if (!j->db->have_group) {
        j->socket_group_why = "the host has no /etc/group";
        return;
    }
    const struct account_group *grp = accounts_group_by_name(j->db, j->socket_group);
    if (grp != NULL) {
        j->socket_gid = grp->gid;
        j->socket_gid_known = 1;
        return;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(j->socket_group, &end, 10);
    if (errno == 0 && *end == '\0' && end != j->socket_group && v < 0xffffffffUL) {
        j->socket_gid = (gid_t)v;
        j->socket_gid_known = 1;
        return;
    }
    j->socket_group_why = "that group is not in /etc/group";
}

static int file_permissions_collect(const struct collect_ctx *ctx, struct result_sink *sink,
                                    char *err, size_t errlen)
{
    struct dockerd_config cfg;
    struct account_db db;
    char acc_err[256];
    if (dockerd_config_load_ctx(ctx, &cfg, err, errlen) != 0)
        return -1;
    struct judge j = { .rootfs = ctx->rootfs, .sink = sink, .db = &db };
    if (accounts_load(ctx->rootfs, &db, acc_err, sizeof(acc_err)) != 0) {
        /* Judge by numbers alone; only the socket's group needs the names. */
        memset(&db, 0, sizeof(db));
        j.accounts_error = acc_err;
    }
    resolve_socket_group(&j, &cfg);

    int rc = judge_unit(&j, "docker.service", &rules[R_SERVICE]);
    if (rc == 0)
        rc = judge_unit(&j, "docker.socket", &rules[R_SOCKET_UNIT]);
    if (rc == 0)
        rc = judge_file(&j, &rules[R_ETC_DOCKER], "/etc/docker");
    if (rc == 0)
        rc = judge_registry_certs(&j);
    if (rc == 0)
        rc = judge_tls(&j, &cfg);
    if (rc == 0)
        rc = judge_docker_sockets(&j, &cfg, ctx->docker_host);
    if (rc == 0) {
        if (cfg.config_file[0] == '\0')
            rc = add_both(&j, &rules[R_DAEMON_JSON], "host", CHECK_ERROR,
                          "--config-file path too long");
        else
            rc = judge_file(&j, &rules[R_DAEMON_JSON], cfg.config_file);
    }
    if (rc == 0)
        rc = judge_file(&j, &rules[R_ETC_DEFAULT], "/etc/default/docker");
    if (rc == 0)
        rc = judge_file(&j, &rules[R_SYSCONFIG], "/etc/sysconfig/docker");
    if (rc == 0) {
        char path[HOSTFS_PATH_MAX];
        dockerd_config_containerd_socket(&cfg, path, sizeof(path));
        rc = judge_file(&j, &rules[R_CONTAINERD_SOCKET], path);
    }
    collect_sink_rc(sink, rc, err, errlen);
    accounts_free(&db);
    dockerd_config_free(&cfg);
    return rc;
}

const struct collector collector_file_permissions = {
    .name = "file_permissions",
    .enabled_by_default = true,
    .help = "Owner, group and mode of dockerd's unit files, configuration, TLS files, "
            "registry certificates and sockets (CIS section 3)",
    .checks = file_permissions_checks,
    .n_checks = ARRAY_LEN(file_permissions_checks),
    .collect = file_permissions_collect,
};
