/*
 * container_runtime_judge.h - what the pieces of the container_runtime
 * collector share, and nothing else includes. The collector
 * (container_runtime.c: its check catalog, the host facts, the check table
 * and the collect function) judges each container with the functions of
 * container_runtime_security.c (4.1, 5.2-5.6: user, AppArmor, SELinux,
 * capabilities, privileged, sensitive mounts), container_runtime_sshd.c
 * (5.7: processes from /proc and the cgroup filesystem),
 * container_runtime_ports.c (5.8, 5.14, 5.20: published ports) and
 * container_runtime_settings.c (namespaces, resources, modes, seccomp,
 * no-new-privileges, health, sockets, secrets). Each judge has the
 * signature of struct container_check's `judge` and returns what sink_add
 * returned.
 */
#ifndef DOCKWARD_CONTAINER_RUNTIME_JUDGE_H
#define DOCKWARD_CONTAINER_RUNTIME_JUDGE_H

#include "collector.h"

#include "docker.h"
#include "dockerd_config.h"
#include "hostfs.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SOCKETS_MAX        16            /* Docker sockets compared for 5.32 */
#define EVIDENCE_LIST_MAX  2048          /* a built list; the sink cuts evidence at 512 */
#define PROC_CGROUP_MAX    (64 * 1024)   /* cap on /proc/<pid>/cgroup */
#define CGROUP_LINES_MAX   64            /* lines of /proc/<pid>/cgroup looked at */
#define CGROUP_PROCS_MAX   (1024 * 1024) /* cap on one cgroup.procs */
#define PROC_STATUS_MAX    (16 * 1024)   /* cap on /proc/<pid>/status (about 1.5 KB) */
#define COMM_MAX           64            /* cap on /proc/<pid>/comm (the kernel's is 16) */
#define CGROUP_DIRS_MAX    256           /* cgroup directories walked for one container */
#define CGROUP_DEPTH_MAX   8             /* levels below the container's cgroup */
#define CGROUP_ENTRIES_MAX 4096          /* entries listed in one cgroup directory */
#define PROCS_MAX          65536         /* processes looked at in one container */
#define PRIVILEGED_PORT    1024          /* host ports below this need root */
#define SPRAWL_MIN_TOTAL   25            /* 6.2: more containers than this ... */
#define CONTAINER_ID_MIN   12            /* shortest id matched in a cgroup path */
#define JOIN_DEPTH_MAX     8             /* container:X hops followed for a shared namespace */
#define CPU_SHARES_DEFAULT 1024          /* the kernel's and Docker's default weight */

/* What one run judges with; built once per collection. */
struct run {
    const struct collect_ctx *ctx;
    const struct docker_sweep *sw;
    struct result_sink *sink;
    int apparmor;      /* 1/0: the host has AppArmor; -1: /info did not say */
    int selinux;       /* likewise for SELinux */
    int userns_remap;  /* /info SecurityOptions lists name=userns (userns-remap on) */
    int nnp_default;   /* dockerd's no-new-privileges default: 1 on, 0 off, -1 unknown */
    char nnp_why[300]; /* why unknown, or where the default came from */
    int seccomp_host;  /* /info: 1 seccomp filters applied, 0 none, -1 unknown */
    int seccomp_default_unconfined; /* /info: name=seccomp,profile=unconfined */
    char bind_ip[64];               /* dockerd's default binding address for -p without an IP */
    char bind_ip_why[160];          /* where it came from */
    int sockets_known;              /* the socket list could be built */
    char sockets_why[300];          /* why not */
    char sockets[SOCKETS_MAX][HOSTFS_PATH_MAX]; /* Docker sockets, canonical host paths */
    size_t n_sockets;
};

/* One container as the checks see it. */
struct cview {
    const struct docker_container *c;
    char target[RESULT_TARGET_BUILD_MAX]; /* the sink shortens it, keeping it unique */
    char state[80];                       /* "state running" */
};

/* ---- small helpers ------------------------------------------------------ */

static inline const char *str_or(const char *s, const char *def)
{
    return s != NULL ? s : def;
}

static inline const char *buf_str(const struct buf *b)
{
    return b->data != NULL ? b->data : "";
}

/* snprintf into a fixed buffer, marking a cut with "..." (paths can be long). */
static inline void textf(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void textf(char *out, size_t outlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
    if (n < 0)
        out[0] = '\0';
    else if ((size_t)n >= outlen && outlen >= 4)
        memcpy(out + outlen - 4, "...", 4);
}

/* Appends ", " (unless the list is empty) and one formatted item; a full list stays cut. */
static inline void list_add(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void list_add(struct buf *b, const char *fmt, ...)
{
    char item[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(item, sizeof(item), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len > 0 && buf_append_str(b, ", ") != BUF_OK)
        return;
    (void)buf_append_str(b, item);
}

static inline int str_list_has(const struct str_list *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++) {
        if (l->items[i] != NULL && strcmp(l->items[i], s) == 0)
            return 1;
    }
    return 0;
}

static inline int is_host_mode(const char *mode)
{
    return mode != NULL && strcmp(mode, "host") == 0;
}

/*
 * Adds a result for a container; the evidence gets " (state X)" appended,
 * and a long text is cut before it so the state is never lost.
 */
static inline int add(struct run *r, const struct cview *v, const char *check,
                      enum check_status status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static inline int add(struct run *r, const struct cview *v, const char *check,
                      enum check_status status, const char *fmt, ...)
{
    char text[RESULT_EVIDENCE_MAX + 1];
    size_t room = RESULT_EVIDENCE_MAX - strlen(v->state) - 3; /* " (" and ")" */
    va_list ap;
    va_start(ap, fmt);
    evidence_vformat(text, sizeof(text), room, fmt, ap);
    va_end(ap);
    return sink_add(r->sink, check, v->target, status, "%s (%s)", text, v->state);
}

/* ---- per-container checks ---------------------------------------------- */

/* 1 for a "container:X" mode. */
static inline int joins_container(const char *mode)
{
    return mode != NULL && strncmp(mode, "container:", 10) == 0;
}

/* A check judged for each container, and the fields of the inspect answer it reads. */
struct container_check {
    const char *id;
    uint64_t fields; /* (1 << DOCKER_F_C_*) bits; any of them invalid = error */
    int (*judge)(struct run *r, const struct cview *v, const char *id);
};

#define F(x) (UINT64_C(1) << DOCKER_F_C_##x)

/* ---- container_runtime_security.c ---- */

int runtime_judge_user(struct run *r, const struct cview *v, const char *id);
const char *runtime_security_opt_value(const char *opt, const char *key);
const char *runtime_security_opt_last(const struct str_list *so, const char *key,
                                      const char **item);
int runtime_judge_apparmor(struct run *r, const struct cview *v, const char *id);
int runtime_judge_selinux(struct run *r, const struct cview *v, const char *id);
int runtime_judge_caps(struct run *r, const struct cview *v, const char *id);
int runtime_judge_privileged(struct run *r, const struct cview *v, const char *id);
int runtime_path_at_or_below(const char *path, const char *dir);
/* Where runtime_host_mount_next() is in a container's mounts. Start it zeroed. */
struct host_mounts {
    size_t next;       /* the next mount to look at */
    const char *src;   /* the current mount's host path */
    char via[300];     /* "" or " (volume NAME)" */
    char unknown[300]; /* why the first mount whose host path cannot be told is skipped, or "" */
};
/*
 * The next of v's mounts that exposes a host path (a bind's Source, or the
 * device of a local volume created as a bind), with it->src and it->via
 * set; NULL after the last. A mount whose host path cannot be told is
 * skipped, the first one's reason kept in it->unknown.
 */
const struct docker_mount *runtime_host_mount_next(const struct run *r, const struct cview *v,
                                                   struct host_mounts *it);
/*
 * The verdict of a check over the walk in it (5.5, 5.31): fail with "<fail_what>:
 * <found>" when found holds anything, else error with it->unknown when a
 * mount could not be told, else pass with pass_text. Frees found; returns
 * what add returned.
 */
int runtime_mounts_result(struct run *r, const struct cview *v, const char *id, struct buf *found,
                          const struct host_mounts *it, const char *fail_what,
                          const char *pass_text);
int runtime_judge_sensitive_mounts(struct run *r, const struct cview *v, const char *id);

/* ---- container_runtime_sshd.c ---- */

int runtime_judge_sshd(struct run *r, const struct cview *v, const char *id);

/* ---- container_runtime_ports.c ---- */

int runtime_judge_privileged_ports(struct run *r, const struct cview *v, const char *id);
int runtime_judge_open_ports(struct run *r, const struct cview *v, const char *id);
int runtime_judge_bound_ports(struct run *r, const struct cview *v, const char *id);

/* ---- container_runtime_settings.c ---- */

int runtime_judge_network_mode(struct run *r, const struct cview *v, const char *id);
int runtime_judge_memory(struct run *r, const struct cview *v, const char *id);
int runtime_judge_cpu(struct run *r, const struct cview *v, const char *id);
int runtime_judge_readonly(struct run *r, const struct cview *v, const char *id);
int runtime_judge_restart(struct run *r, const struct cview *v, const char *id);
int runtime_judge_pid_mode(struct run *r, const struct cview *v, const char *id);
int runtime_judge_ipc_mode(struct run *r, const struct cview *v, const char *id);
int runtime_judge_uts_mode(struct run *r, const struct cview *v, const char *id);
int runtime_judge_userns_mode(struct run *r, const struct cview *v, const char *id);
int runtime_judge_devices(struct run *r, const struct cview *v, const char *id);
int runtime_judge_ulimits(struct run *r, const struct cview *v, const char *id);
int runtime_judge_propagation(struct run *r, const struct cview *v, const char *id);
int runtime_judge_seccomp(struct run *r, const struct cview *v, const char *id);
int runtime_judge_cgroup_parent(struct run *r, const struct cview *v, const char *id);
int runtime_judge_no_new_privileges(struct run *r, const struct cview *v, const char *id);
int runtime_judge_health(struct run *r, const struct cview *v, const char *id);
int runtime_judge_pids_limit(struct run *r, const struct cview *v, const char *id);
int runtime_judge_default_bridge(struct run *r, const struct cview *v, const char *id);
int runtime_judge_docker_socket(struct run *r, const struct cview *v, const char *id);
int runtime_judge_env_secret(struct run *r, const struct cview *v, const char *id);

#endif
