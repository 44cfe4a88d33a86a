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
 */
#include "collector.h"

#include "docker.h"
#include "dockerd_config.h"
#include "hostfs.h"

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

static const struct check_def container_runtime_checks[] = {
    { "4.1", "4", 1, true, "Containers run as a non-root user",
      "Create a user in the image (USER in the Dockerfile) or run the container with "
      "--user <uid>:<gid> other than 0/root." },
    { "5.2", "5", 1, true, "An AppArmor profile is applied to containers",
      "Run containers with the default (docker-default) or a custom AppArmor profile "
      "(--security-opt apparmor=<profile>); never apparmor=unconfined." },
    { "5.3", "5", 2, true, "SELinux security options are set",
      "Run containers with SELinux labels (--security-opt label=type:<type>, level:<level>) "
      "and never label=disable." },
    { "5.4", "5", 1, true, "Linux kernel capabilities are restricted within containers",
      "Add only the capabilities the workload needs (--cap-add), never ALL, SYS_ADMIN, "
      "SYS_MODULE, SYS_PTRACE, DAC_READ_SEARCH or NET_ADMIN without a reviewed need; prefer "
      "--cap-drop=ALL plus what is needed." },
    { "5.5", "5", 1, true, "Privileged containers are not used",
      "Remove --privileged; grant the specific capabilities or devices the workload needs "
      "instead." },
    { "5.6", "5", 1, true, "Sensitive host system directories are not mounted in containers",
      "Do not bind-mount /, /boot, /dev, /etc, /lib, /proc, /sys or /usr (or paths below them), "
      "even read-only; copy the needed files into a volume or the image." },
    { "5.7", "5", 1, true, "sshd is not run within containers",
      "Remove the SSH daemon from the image; use `docker exec` for interactive access." },
    { "5.8", "5", 1, true, "Privileged ports are not mapped within containers",
      "Publish container ports on host ports 1024 and above (-p 8080:80), or put a reverse "
      "proxy in front." },
    { "5.9", "5", 1, false, "Only needed ports are open on the container",
      "Review the published ports and publish only what the service needs (no -P)." },
    { "5.10", "5", 1, true, "The host's network namespace is not shared",
      "Do not run containers with --network=host; publish the needed ports instead." },
    { "5.11", "5", 1, true, "Memory usage for containers is limited",
      "Run containers with a memory limit (--memory)." },
    { "5.12", "5", 1, true, "CPU priority is set appropriately on containers",
      "Run containers with --cpu-shares, --cpus or --cpu-quota." },
    { "5.13", "5", 1, true, "The container's root filesystem is mounted read-only",
      "Run containers with --read-only and put writable paths on volumes or tmpfs mounts." },
    { "5.14", "5", 1, true, "Incoming container traffic is bound to a specific host interface",
      "Publish ports on a specific address (-p 10.0.0.5:8080:80), not on 0.0.0.0 or ::." },
    { "5.15", "5", 1, true, "The on-failure restart policy is limited to 5 retries",
      "Use --restart=on-failure:5 (or fewer retries)." },
    { "5.16", "5", 1, true, "The host's process namespace is not shared",
      "Do not run containers with --pid=host." },
    { "5.17", "5", 1, true, "The host's IPC namespace is not shared",
      "Do not run containers with --ipc=host." },
    { "5.18", "5", 1, false, "Host devices are not directly exposed to containers",
      "Review the --device options; pass only the devices needed, with the least permissions "
      "(e.g. :r)." },
    { "5.19", "5", 1, false, "The default ulimit is overridden at runtime only if needed",
      "Review the --ulimit options; rely on the daemon's default ulimits unless a container "
      "needs otherwise." },
    { "5.20", "5", 1, true, "Mount propagation mode is not set to shared",
      "Do not mount volumes with shared or rshared propagation." },
    { "5.21", "5", 1, true, "The host's UTS namespace is not shared",
      "Do not run containers with --uts=host." },
    { "5.22", "5", 1, true, "The default seccomp profile is not disabled",
      "Do not run containers with --security-opt seccomp=unconfined; use the default or a "
      "custom profile." },
    { "5.23", "5", 2, false, "docker exec is not used with the privileged option",
      "Do not use `docker exec --privileged`; review the daemon's audit logs for it." },
    { "5.24", "5", 2, false, "docker exec is not used with the user=root option",
      "Do not use `docker exec --user=root`; review the daemon's audit logs for it." },
    { "5.25", "5", 2, true, "cgroup usage is confirmed",
      "Do not set --cgroup-parent unless it is needed and reviewed; leave containers in "
      "Docker's default cgroup." },
    { "5.26", "5", 1, true, "Containers are restricted from acquiring additional privileges",
      "Set \"no-new-privileges\": true in daemon.json, or run containers with --security-opt "
      "no-new-privileges; never no-new-privileges:false." },
    { "5.27", "5", 1, true, "Container health is checked at runtime",
      "Add a HEALTHCHECK to the image or run the container with --health-cmd." },
    { "5.28", "5", 2, false, "Docker commands always use the latest version of their image",
      "Pull images by tag or digest before use (docker pull / --pull always) and do not rely "
      "on cached copies." },
    { "5.29", "5", 1, true, "The PIDs cgroup limit is used",
      "Run containers with --pids-limit set to a positive number." },
    { "5.30", "5", 1, false, "Docker's default bridge docker0 is not used",
      "Attach containers to user-defined networks instead of the default bridge." },
    { "5.31", "5", 1, true, "The host's user namespace is not shared",
      "Do not run containers with --userns=host." },
    { "5.32", "5", 1, true, "The Docker socket is not mounted inside any container",
      "Do not bind-mount the Docker socket (or a directory holding it) into containers." },
    { "6.2", "6", 1, false, "Container sprawl is avoided",
      "Remove stopped containers that are no longer needed (docker container prune)." },
    { "dockward.env_secret", "5", 1, true, "No secrets in container environment variables",
      "Pass secrets with Docker secrets or mounted files, not environment variables, which "
      "`docker inspect` and every process in the container can read." },
};

static const struct measure_def container_runtime_measures[] = {
    { "containers", "Containers on the host by state.", "state" },
};

/* Docker's default capability set (moby's oci/caps/defaults.go). */
static const char *const default_caps[] = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER", "FSETID",  "KILL",   "MKNOD",
    "NET_BIND_SERVICE", "NET_RAW", "SETFCAP",      "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
};

/* Capabilities that make a container root-equivalent or close to it. */
static const char *const dangerous_caps[] = {
    "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "DAC_READ_SEARCH", "NET_ADMIN",
};

/* Host directories a container must not mount (5.6), nor anything below them. */
static const char *const sensitive_dirs[] = {
    "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr",
};

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

static const char *str_or(const char *s, const char *def)
{
    return s != NULL ? s : def;
}

static const char *buf_str(const struct buf *b)
{
    return b->data != NULL ? b->data : "";
}

/* snprintf into a fixed buffer, marking a cut with "..." (paths can be long). */
static void textf(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void textf(char *out, size_t outlen, const char *fmt, ...)
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
static void list_add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void list_add(struct buf *b, const char *fmt, ...)
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

static int str_list_has(const struct str_list *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++) {
        if (l->items[i] != NULL && strcmp(l->items[i], s) == 0)
            return 1;
    }
    return 0;
}

static int is_host_mode(const char *mode)
{
    return mode != NULL && strcmp(mode, "host") == 0;
}

/*
 * Adds a result for a container; the evidence gets " (state X)" appended,
 * and a long text is cut before it so the state is never lost.
 */
static int add(struct run *r, const struct cview *v, const char *check, enum check_status status,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int add(struct run *r, const struct cview *v, const char *check, enum check_status status,
               const char *fmt, ...)
{
    char text[RESULT_EVIDENCE_MAX + 1];
    size_t room = RESULT_EVIDENCE_MAX - strlen(v->state) - 3; /* " (" and ")" */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0)
        text[0] = '\0';
    else if ((size_t)n > room)
        memcpy(text + room - 3, "...", 4);
    return sink_add(r->sink, check, v->target, status, "%s (%s)", text, v->state);
}

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

/* ---- per-container checks ---------------------------------------------- */

/* 1 for a "container:X" mode. */
static int joins_container(const char *mode)
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

/*
 * 1 when the user part of "user[:group]" is root: empty, "root", or a uid
 * of 0. runc's user.GetExecUser reads the part with strconv.Atoi first, so
 * "+0", "-0" and "00" are uid 0 too.
 */
static int user_is_root(const char *user)
{
    size_t n = strcspn(user, ":");
    if (n == 0)
        return 1;
    if (n == 4 && strncmp(user, "root", 4) == 0)
        return 1;
    size_t i = user[0] == '+' || user[0] == '-' ? 1 : 0;
    if (i == n)
        return 0;
    for (; i < n; i++) {
        if (user[i] != '0')
            return 0;
    }
    return 1;
}

/*
 * The effective uid of a running container's first process, from the
 * host's /proc/<pid>/status ("Uid:\treal\teffective\t..."): a user NAME
 * that the image's /etc/passwd maps to 0 ("toor") is root, and inspect
 * cannot show it. Returns the uid, or -1 when it cannot be read.
 */
static long proc_effective_uid(const struct run *r, const struct docker_container *c)
{
    char path[64];
    struct buf b;
    long pid = c->pid, uid = -1;
    /* The pid must still be the container's: its cgroup names the container. */
    snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
    buf_init(&b, PROC_CGROUP_MAX);
    int ours = hostfs_read_file(r->ctx->rootfs, path, PROC_CGROUP_MAX, &b) == 0 && c->id != NULL &&
               strlen(c->id) >= CONTAINER_ID_MIN && strstr(b.data, c->id) != NULL;
    buf_free(&b);
    if (!ours)
        return -1;
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    buf_init(&b, PROC_STATUS_MAX);
    if (hostfs_read_file(r->ctx->rootfs, path, PROC_STATUS_MAX, &b) == 0) {
        const char *line = strstr(b.data, "\nUid:");
        if (line != NULL) {
            char *end;
            errno = 0;
            long real = strtol(line + 5, &end, 10);
            long eff = errno == 0 && end != line + 5 ? strtol(end, &end, 10) : -1;
            if (errno == 0 && real >= 0 && eff >= 0)
                uid = eff;
        }
    }
    buf_free(&b);
    if (uid < 0)
        return -1;
    /*
     * The uid as the container sees it: under userns-remap or rootless
     * dockerd, /proc shows the host's (100000 for the container's root), so
     * it goes back through /proc/<pid>/uid_map ("inside outside count").
     * No map line for it: unknown.
     */
    snprintf(path, sizeof(path), "/proc/%ld/uid_map", pid);
    buf_init(&b, PROC_STATUS_MAX);
    long inside = -1;
    if (hostfs_read_file(r->ctx->rootfs, path, PROC_STATUS_MAX, &b) == 0) {
        for (char *line = b.data; line != NULL && *line != '\0' && inside < 0;) {
            char *end;
            errno = 0;
            long in = strtol(line, &end, 10);
            long out = strtol(end, &end, 10);
            long count = strtol(end, &end, 10);
            if (errno == 0 && in >= 0 && out >= 0 && count > 0 && uid >= out && uid - out < count)
                inside = in + (uid - out);
            line = strchr(line, '\n');
            if (line != NULL)
                line++;
        }
    } else {
        inside = uid; /* no uid_map to read: the host's user namespace */
    }
    buf_free(&b);
    return inside;
}

static const struct docker_image *find_image(const struct docker_sweep *sw, const char *id)
{
    if (id == NULL)
        return NULL;
    for (size_t i = 0; i < sw->n_images; i++) {
        if (sw->images[i].id != NULL && strcmp(sw->images[i].id, id) == 0)
            return &sw->images[i];
    }
    return NULL;
}

static int judge_user(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    const char *user = str_or(c->user, "");
    if (user[0] != '\0') {
        if (user_is_root(user))
            return add(r, v, id, CHECK_FAIL, "Config.User=\"%s\" is root", user);
        long uid = c->running && c->pid > 0 ? proc_effective_uid(r, c) : -1;
        if (uid == 0)
            return add(r, v, id, CHECK_FAIL,
                       "Config.User=\"%s\", but its process runs as uid 0 in the container "
                       "(/proc/%ld/status)",
                       user, c->pid);
        if (uid > 0)
            return add(r, v, id, CHECK_PASS,
                       "Config.User=\"%s\" (uid %ld in the container, /proc/%ld/status)", user, uid,
                       c->pid);
        return add(r, v, id, CHECK_PASS, "Config.User=\"%s\"", user);
    }
    /* No user given: the image's USER applies, root when it has none. */
    if (c->invalid & F(IMAGE))
        return add(r, v, id, CHECK_ERROR,
                   "Config.User empty and %s missing or mistyped in the API answer",
                   docker_container_field_name(DOCKER_F_C_IMAGE));
    const struct docker_image *img = find_image(r->sw, c->image_id);
    if (img == NULL)
        return add(r, v, id, CHECK_ERROR,
                   "Config.User empty and image %s is not in the sweep: its USER is unknown",
                   str_or(c->image_id, "?"));
    if (img->invalid & (UINT64_C(1) << DOCKER_F_I_CONFIG))
        return add(r, v, id, CHECK_ERROR,
                   "Config.User empty and image %s Config missing or mistyped in the API answer",
                   str_or(c->image, str_or(img->id, "?")));
    const char *iuser = str_or(img->user, "");
    if (iuser[0] == '\0')
        return add(r, v, id, CHECK_FAIL,
                   "Config.User empty and image %s sets no USER: runs as root",
                   str_or(c->image, str_or(img->id, "?")));
    if (user_is_root(iuser))
        return add(r, v, id, CHECK_FAIL, "Config.User empty and image %s has USER \"%s\" (root)",
                   str_or(c->image, str_or(img->id, "?")), iuser);
    return add(r, v, id, CHECK_PASS, "Config.User empty; image %s has USER \"%s\"",
               str_or(c->image, str_or(img->id, "?")), iuser);
}

/* The value of a SecurityOpt "key=value" or old-style "key:value", or NULL. */
static const char *security_opt_value(const char *opt, const char *key)
{
    size_t kl = strlen(key);
    if (strncmp(opt, key, kl) == 0 && (opt[kl] == '=' || opt[kl] == ':'))
        return opt + kl + 1;
    return NULL;
}

/* The last SecurityOpt item with this key (dockerd applies them in order), or NULL. */
static const char *security_opt_last(const struct str_list *so, const char *key, const char **item)
{
    const char *val = NULL;
    for (size_t i = 0; i < so->len; i++) {
        const char *v = security_opt_value(str_or(so->items[i], ""), key);
        if (v != NULL) {
            val = v;
            if (item != NULL)
                *item = so->items[i];
        }
    }
    return val;
}

/*
 * 5.2. dockerd chooses the profile when it starts a container
 * (daemon/oci_linux.go WithApparmor): "unconfined" for a privileged one,
 * the apparmor= option when given, else docker-default; AppArmorProfile
 * stays empty until then. So a container that never started is judged on
 * the profile it will get, and one that ran on the profile it got.
 */
static int judge_apparmor(struct run *r, const struct cview *v, const char *id)
{
    if (r->apparmor < 0)
        return add(r, v, id, CHECK_ERROR,
                   "SecurityOptions (GET /info) missing or mistyped in the API answer");
    if (r->apparmor == 0)
        return add(r, v, id, CHECK_SKIP, "AppArmor is not enabled on this host");
    const struct docker_container *c = v->c;
    const char *p = str_or(c->apparmor_profile, "");
    const char *asked = security_opt_last(&c->security_opt, "apparmor", NULL);
    /* saveAppArmorConfig: a privileged container runs unconfined, whatever it asked for. */
    if (c->privileged)
        return add(r, v, id, CHECK_FAIL,
                   "HostConfig.Privileged=true: dockerd runs it with AppArmor unconfined");
    if (p[0] == '\0' && c->never_started) {
        if (asked != NULL && strcmp(asked, "unconfined") == 0)
            return add(r, v, id, CHECK_FAIL,
                       "SecurityOpt apparmor=unconfined: no profile when it starts");
        if (asked != NULL)
            return add(r, v, id, CHECK_PASS,
                       "never started: dockerd applies the profile %s at start (SecurityOpt)",
                       asked);
        return add(r, v, id, CHECK_PASS,
                   "never started: dockerd applies docker-default at start (no apparmor= option)");
    }
    if (p[0] == '\0')
        return add(r, v, id, CHECK_FAIL, "AppArmorProfile empty: no profile applied");
    if (strcmp(p, "unconfined") == 0)
        return add(r, v, id, CHECK_FAIL, "AppArmorProfile=unconfined");
    return add(r, v, id, CHECK_PASS, "AppArmorProfile=%s", p);
}

static int judge_selinux(struct run *r, const struct cview *v, const char *id)
{
    if (r->selinux < 0)
        return add(r, v, id, CHECK_ERROR,
                   "SecurityOptions (GET /info) missing or mistyped in the API answer");
    if (r->selinux == 0)
        return add(r, v, id, CHECK_SKIP, "SELinux is not enabled on this host");
    const struct str_list *so = &v->c->security_opt;
    struct buf labels;
    buf_init(&labels, EVIDENCE_LIST_MAX);
    int disabled = 0;
    for (size_t i = 0; i < so->len; i++) {
        const char *item = str_or(so->items[i], "");
        const char *val = security_opt_value(item, "label");
        /* daemon_unix.go parseSecurityOpt also takes a bare "disable" (the API allows it). */
        if (strcmp(item, "disable") == 0)
            val = "disable";
        if (val == NULL)
            continue;
        if (strcmp(val, "disable") == 0)
            disabled = 1;
        list_add(&labels, "%s", so->items[i]);
    }
    /*
     * dockerd with SELinux on labels every container (container_t and its
     * own MCS level, label.InitLabels) unless label=disable, which it adds
     * itself for --privileged, --pid host and --ipc host (generateSecurityOpt,
     * daemon/create.go). spc_t and unconfined_t are types without separation.
     */
    int unconfined_type = 0;
    for (size_t i = 0; i < so->len; i++) {
        const char *val = security_opt_value(str_or(so->items[i], ""), "label");
        if (val != NULL &&
            (strcmp(val, "type:spc_t") == 0 || strcmp(val, "type:unconfined_t") == 0))
            unconfined_type = 1;
    }
    int rc;
    if (disabled)
        rc = add(r, v, id, CHECK_FAIL, "SecurityOpt %s turns SELinux separation off",
                 buf_str(&labels));
    else if (unconfined_type)
        rc = add(r, v, id, CHECK_FAIL, "SecurityOpt %s: a type without SELinux separation",
                 buf_str(&labels));
    else if (labels.len == 0)
        rc = add(r, v, id, CHECK_PASS,
                 "no label= option: dockerd applies its default SELinux label (container_t, "
                 "own MCS level)");
    else
        rc = add(r, v, id, CHECK_PASS, "SecurityOpt %s", buf_str(&labels));
    buf_free(&labels);
    return rc;
}

/* "cap_sys_admin" -> "SYS_ADMIN" into out. */
static void cap_normalise(const char *cap, char *out, size_t outlen)
{
    if (strncasecmp(cap, "CAP_", 4) == 0)
        cap += 4;
    size_t i = 0;
    for (; cap[i] != '\0' && i + 1 < outlen; i++)
        out[i] = (char)toupper((unsigned char)cap[i]);
    out[i] = '\0';
}

static int cap_in(const char *cap, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cap, set[i]) == 0)
            return 1;
    }
    return 0;
}

static int judge_caps(struct run *r, const struct cview *v, const char *id)
{
    const struct str_list *add_list = &v->c->cap_add;
    /* daemon/oci_linux.go WithCapabilities: a privileged container gets every capability. */
    if (v->c->privileged)
        return add(r, v, id, CHECK_FAIL,
                   "HostConfig.Privileged=true grants every capability (CapAdd ignored)");
    if (add_list->len == 0)
        return add(r, v, id, CHECK_PASS, "HostConfig.CapAdd empty");
    struct buf extra, danger, all;
    buf_init(&extra, EVIDENCE_LIST_MAX);
    buf_init(&danger, EVIDENCE_LIST_MAX);
    buf_init(&all, EVIDENCE_LIST_MAX);
    int every = 0;
    for (size_t i = 0; i < add_list->len; i++) {
        char cap[64];
        cap_normalise(str_or(add_list->items[i], ""), cap, sizeof(cap));
        list_add(&all, "%s", cap);
        if (strcmp(cap, "ALL") == 0) {
            every = 1;
            continue;
        }
        if (cap_in(cap, default_caps, ARRAY_LEN(default_caps)))
            continue;
        list_add(&extra, "%s", cap);
        if (cap_in(cap, dangerous_caps, ARRAY_LEN(dangerous_caps)))
            list_add(&danger, "%s", cap);
    }
    int rc;
    if (every)
        rc = add(r, v, id, CHECK_FAIL, "HostConfig.CapAdd=%s: ALL grants every capability",
                 buf_str(&all));
    else if (extra.len > 0 && danger.len > 0)
        rc = add(r, v, id, CHECK_FAIL,
                 "HostConfig.CapAdd adds %s beyond Docker's default set; dangerous: %s",
                 buf_str(&extra), buf_str(&danger));
    else if (extra.len > 0)
        rc = add(r, v, id, CHECK_FAIL, "HostConfig.CapAdd adds %s beyond Docker's default set",
                 buf_str(&extra));
    else
        rc = add(r, v, id, CHECK_PASS, "HostConfig.CapAdd=%s, within Docker's default set",
                 buf_str(&all));
    buf_free(&extra);
    buf_free(&danger);
    buf_free(&all);
    return rc;
}

static int judge_privileged(struct run *r, const struct cview *v, const char *id)
{
    if (v->c->privileged)
        return add(r, v, id, CHECK_FAIL, "HostConfig.Privileged=true");
    return add(r, v, id, CHECK_PASS, "HostConfig.Privileged=false");
}

/* A mount whose Source is a host path: binds (an empty Type comes from old APIs). */
static int is_bind(const struct docker_mount *m)
{
    const char *t = str_or(m->type, "");
    return (t[0] == '\0' || strcmp(t, "bind") == 0) && m->source != NULL && m->source[0] == '/';
}

/* 1 when `path` is `dir` or below it ("/etcetera" is not below "/etc"). */
static int path_at_or_below(const char *path, const char *dir)
{
    size_t dl = strlen(dir);
    if (dl == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, dl) == 0 && (path[dl] == '\0' || path[dl] == '/');
}

/* 1 when a host path is one 5.6 forbids: exactly "/", or at or below a sensitive dir. */
static int sensitive_path(const char *path)
{
    char clean[HOSTFS_PATH_MAX];
    /* "//etc/" and "/etc/" are /etc: collapse repeated and trailing slashes. */
    size_t o = 0;
    for (size_t i = 0; path[i] != '\0' && o + 1 < sizeof(clean); i++) {
        if (path[i] == '/' && o > 0 && clean[o - 1] == '/')
            continue;
        clean[o++] = path[i];
    }
    while (o > 1 && clean[o - 1] == '/')
        o--;
    clean[o] = '\0';
    if (strcmp(clean, "/") == 0)
        return 1;
    for (size_t i = 0; i < ARRAY_LEN(sensitive_dirs); i++) {
        if (path_at_or_below(clean, sensitive_dirs[i]))
            return 1;
    }
    return 0;
}

/*
 * The host path a mount exposes: a bind's Source, or the device of a local
 * volume created as a bind (`docker volume create -o type=none -o o=bind
 * -o device=/etc`: its Mounts entry shows only .../volumes/NAME/_data, the
 * local driver bind-mounts the device there). Returns 1 with *path and
 * `via` ("" or " (volume NAME)"), 0 when the mount exposes no host path of
 * its own, -1 with `via` saying why it cannot be told.
 */
static int mount_host_path(const struct run *r, const struct docker_mount *m, const char **path,
                           char *via, size_t vialen)
{
    via[0] = '\0';
    if (is_bind(m)) {
        *path = m->source;
        return 1;
    }
    if (strcmp(str_or(m->type, ""), "volume") != 0 || strcmp(str_or(m->driver, ""), "local") != 0)
        return 0;
    if (!r->sw->volumes_ok) {
        textf(via, vialen, "volume %s: cannot tell whether it binds a host path (%s)",
              str_or(m->name, "?"), r->sw->volumes_error[0] ? r->sw->volumes_error : "no /volumes");
        return -1;
    }
    for (size_t i = 0; i < r->sw->n_volumes; i++) {
        const struct docker_volume *vol = &r->sw->volumes[i];
        if (vol->name == NULL || strcmp(vol->name, str_or(m->name, "")) != 0)
            continue;
        if (vol->bind_device == NULL || vol->bind_device[0] != '/')
            return 0;
        *path = vol->bind_device;
        textf(via, vialen, " (volume %s)", vol->name);
        return 1;
    }
    return 0; /* created after the volume list was read: no options to look at */
}

static int judge_sensitive_mounts(struct run *r, const struct cview *v, const char *id)
{
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    size_t binds = 0;
    char unknown[300] = "";
    for (size_t i = 0; i < v->c->n_mounts; i++) {
        const struct docker_mount *m = &v->c->mounts[i];
        const char *src = NULL;
        char via[300];
        int hp = mount_host_path(r, m, &src, via, sizeof(via));
        if (hp < 0 && unknown[0] == '\0')
            memcpy(unknown, via, sizeof(unknown));
        if (hp <= 0)
            continue;
        binds++;
        /* The source as given, and as it resolves on the host (/data -> /etc). */
        char canon[HOSTFS_PATH_MAX];
        int bad = sensitive_path(src);
        if (!bad && hostfs_canonical(r->ctx->rootfs, src, canon, sizeof(canon)) == 0 &&
            sensitive_path(canon)) {
            bad = 1;
            list_add(&found, "%s%s (-> %s) on %s (%s)", src, via, canon,
                     str_or(m->destination, "?"), m->rw ? "rw" : "ro");
        } else if (bad) {
            list_add(&found, "%s%s on %s (%s)", src, via, str_or(m->destination, "?"),
                     m->rw ? "rw" : "ro");
        }
    }
    int rc;
    if (found.len > 0)
        rc = add(r, v, id, CHECK_FAIL, "sensitive host paths mounted: %s", buf_str(&found));
    else if (unknown[0] != '\0')
        rc = add(r, v, id, CHECK_ERROR, "%s", unknown);
    else
        rc =
            add(r, v, id, CHECK_PASS, "%zu host-path mounts, none of a sensitive host path", binds);
    buf_free(&found);
    return rc;
}

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

static int judge_sshd(struct run *r, const struct cview *v, const char *id)
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

/*
 * Ports: what a container publishes, as dockerd applies it.
 *
 * A running container's real bindings are in NetworkSettings.Ports: they
 * include what -P (PublishAllPorts) published, which HostConfig.PortBindings
 * never shows, and the one port dockerd picked of a host-port range. A
 * container that is not running has only what was asked for: the
 * PortBindings (a range "80-90" as written) plus, with PublishAllPorts, one
 * binding per exposed port (Config.ExposedPorts, the image's EXPOSE merged
 * in) that dockerd will give a port of the ephemeral range at start. With
 * --network host, dockerd discards the bindings (the container uses the
 * host's ports directly; 5.10 says so).
 */

struct port_view {
    struct docker_port_binding *items; /* strings borrowed from the container */
    int *unbound; /* per item: asked for but not bound now (running container) */
    size_t n, n_unbound;
    const char *source;  /* "NetworkSettings.Ports" or "HostConfig.PortBindings" */
    const char *nowhere; /* why dockerd binds none of them (host, none, internal), or NULL */
};

/*
 * Why dockerd publishes no port of this container, or NULL when it may:
 * --network host discards them (daemon_unix.go), --network none and the
 * null, macvlan and ipvlan drivers have no port mapping, and an internal
 * network gets none (network.go buildCreateEndpointOptions).
 */
static const char *publishes_nowhere(const struct run *r, const struct docker_container *c)
{
    const char *mode = str_or(c->network_mode, "");
    if (is_host_mode(mode))
        return "no published ports: with HostConfig.NetworkMode=host dockerd discards them "
               "(5.10 judges the host network)";
    if (strcmp(mode, "none") == 0)
        return "no published ports: HostConfig.NetworkMode=none binds none";
    if (joins_container(mode) || c->networks.len == 0)
        return NULL;
    for (size_t n = 0; n < c->networks.len; n++) {
        const struct docker_network *nw = NULL;
        for (size_t i = 0; i < r->sw->n_networks && nw == NULL; i++) {
            if (r->sw->networks[i].name != NULL &&
                strcmp(r->sw->networks[i].name, str_or(c->networks.items[n], "")) == 0)
                nw = &r->sw->networks[i];
        }
        const char *drv = nw != NULL ? str_or(nw->driver, "") : "";
        if (nw == NULL || !(nw->internal || strcmp(drv, "null") == 0 ||
                            strcmp(drv, "macvlan") == 0 || strcmp(drv, "ipvlan") == 0))
            return NULL; /* a network that may publish (or one not known: judge the ports) */
    }
    return "no published ports: only on internal, null, macvlan or ipvlan networks, which "
           "dockerd maps no port on";
}

/* 1 when a running container has a real binding of this container port. */
static int live_has(const struct docker_container *c, const char *container_port)
{
    for (size_t i = 0; i < c->n_live_ports; i++) {
        if (strcmp(str_or(c->live_ports[i].container_port, ""), container_port) == 0)
            return 1;
    }
    return 0;
}

/* Appends one binding to the view (room was made for every candidate). */
static void port_view_add(struct port_view *pv, struct docker_port_binding b, int unbound)
{
    pv->items[pv->n] = b;
    pv->unbound[pv->n] = unbound;
    pv->n++;
    pv->n_unbound += unbound != 0;
}

static int port_view_build(const struct run *r, const struct docker_container *c,
                           struct port_view *pv)
{
    memset(pv, 0, sizeof(*pv));
    pv->nowhere = publishes_nowhere(r, c);
    if (pv->nowhere != NULL) {
        pv->source = "HostConfig.PortBindings";
        return 0;
    }
    size_t max = c->n_live_ports + c->n_ports + (c->publish_all ? c->exposed_ports.len : 0);
    pv->items = calloc(max + 1, sizeof(*pv->items));
    pv->unbound = calloc(max + 1, sizeof(*pv->unbound));
    if (pv->items == NULL || pv->unbound == NULL) {
        free(pv->items);
        free(pv->unbound);
        return -1;
    }
    /*
     * What was asked for (PortBindings, and -P's exposed ports) is bound at
     * every start; a running container that has no real binding for one
     * (a daemon with --bridge=none binds nothing) is still judged on it.
     */
    int running = c->running;
    for (size_t i = 0; running && i < c->n_live_ports; i++)
        port_view_add(pv, c->live_ports[i], 0);
    for (size_t i = 0; i < c->n_ports; i++) {
        if (!running || !live_has(c, str_or(c->ports[i].container_port, "")))
            port_view_add(pv, c->ports[i], running);
    }
    for (size_t e = 0; c->publish_all && e < c->exposed_ports.len; e++) {
        const char *port = str_or(c->exposed_ports.items[e], "");
        int asked = 0;
        for (size_t i = 0; i < c->n_ports && !asked; i++)
            asked = strcmp(str_or(c->ports[i].container_port, ""), port) == 0;
        if (!asked && (!running || !live_has(c, port))) /* -P: every interface, ephemeral port */
            port_view_add(pv,
                          (struct docker_port_binding){ .container_port = (char *)port,
                                                        .host_ip = (char *)"",
                                                        .host_port = 0 },
                          running);
    }
    if (running)
        pv->source = pv->n_unbound > 0 ? "NetworkSettings.Ports, and HostConfig.PortBindings or "
                                         "PublishAllPorts for ports not bound now"
                                       : "NetworkSettings.Ports";
    else
        pv->source = c->publish_all ? "HostConfig.PortBindings and PublishAllPorts"
                                    : "HostConfig.PortBindings";
    return 0;
}

/* An error result when the port facts of this container cannot be read; 0 when they can. */
static int port_fields_bad(const struct cview *v, const char **field)
{
    const struct docker_container *c = v->c;
    if (c->invalid & F(PORTS))
        *field = docker_container_field_name(DOCKER_F_C_PORTS);
    else if (c->invalid & F(PUBLISH_ALL))
        *field = docker_container_field_name(DOCKER_F_C_PUBLISH_ALL);
    else if (c->running && (c->invalid & F(LIVE_PORTS)))
        *field = docker_container_field_name(DOCKER_F_C_LIVE_PORTS);
    else
        return 0;
    return 1;
}

/* "0.0.0.0:80->80/tcp", "[::]:auto->443/tcp", "*:80-90->8080/tcp". */
static void format_binding(const struct docker_port_binding *p, char *out, size_t outlen)
{
    const char *ip = str_or(p->host_ip, "");
    char port[24];
    if (p->host_port == 0)
        snprintf(port, sizeof(port), "auto");
    else if (p->host_port_hi > p->host_port)
        snprintf(port, sizeof(port), "%u-%u", p->host_port, p->host_port_hi);
    else
        snprintf(port, sizeof(port), "%u", p->host_port);
    if (ip[0] == '\0')
        snprintf(out, outlen, "*:%s->%s", port, str_or(p->container_port, "?"));
    else if (strchr(ip, ':') != NULL)
        snprintf(out, outlen, "[%s]:%s->%s", ip, port, str_or(p->container_port, "?"));
    else
        snprintf(out, outlen, "%s:%s->%s", ip, port, str_or(p->container_port, "?"));
}

/* Item i of a view as text, marked when it is asked for but not bound now. */
static void format_item(const struct port_view *pv, size_t i, char *out, size_t outlen)
{
    char text[160];
    format_binding(&pv->items[i], text, sizeof(text));
    snprintf(out, outlen, "%s%s", text, pv->unbound[i] ? " (not bound now)" : "");
}

/* All items of a view, for a pass's evidence: ": a, b" or "". */
static void list_all(const struct port_view *pv, struct buf *all)
{
    for (size_t i = 0; i < pv->n; i++) {
        char text[192];
        format_item(pv, i, text, sizeof(text));
        list_add(all, "%s", text);
    }
}

/*
 * Runs one port judgement with the view built. Errors and a container that
 * publishes nowhere (host, none, internal networks) are settled here, the
 * latter with `nowhere_status` (pass for 5.8 and 5.14, skip for manual 5.9).
 */
static int judge_ports_with(struct run *r, const struct cview *v, const char *id,
                            enum check_status nowhere_status,
                            int (*fn)(struct run *, const struct cview *, const char *,
                                      const struct port_view *))
{
    const char *field = NULL;
    if (port_fields_bad(v, &field))
        return add(r, v, id, CHECK_ERROR, "%s missing or mistyped in the API answer", field);
    struct port_view pv;
    if (port_view_build(r, v->c, &pv) != 0)
        return -1;
    int rc =
        pv.nowhere != NULL ? add(r, v, id, nowhere_status, "%s", pv.nowhere) : fn(r, v, id, &pv);
    free(pv.items);
    free(pv.unbound);
    return rc;
}

/*
 * The result of 5.8 or 5.14: fail listing `found` (the offending bindings),
 * else pass listing every binding judged. Frees `found`.
 */
static int ports_result(struct run *r, const struct cview *v, const char *id,
                        const struct port_view *pv, struct buf *found, const char *fail_what,
                        const char *pass_what)
{
    int rc;
    if (found->len > 0) {
        rc = add(r, v, id, CHECK_FAIL, "%s (%s): %s", fail_what, pv->source, buf_str(found));
    } else if (pv->n == 0) {
        rc = add(r, v, id, CHECK_PASS, "no published ports (%s)", pv->source);
    } else {
        list_all(pv, found);
        rc = add(r, v, id, CHECK_PASS, "%zu published ports, %s (%s): %s", pv->n, pass_what,
                 pv->source, buf_str(found));
    }
    buf_free(found);
    return rc;
}

static int privileged_ports(struct run *r, const struct cview *v, const char *id,
                            const struct port_view *pv)
{
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    for (size_t i = 0; i < pv->n; i++) {
        const struct docker_port_binding *p = &pv->items[i];
        /* Port 0 is one Docker assigns from the ephemeral range; a range may start below. */
        if (p->host_port != 0 && p->host_port < PRIVILEGED_PORT) {
            char text[192];
            format_item(pv, i, text, sizeof(text));
            list_add(&found, "%s", text);
        }
    }
    return ports_result(r, v, id, pv, &found, "host ports below 1024 published", "none below 1024");
}

static int judge_privileged_ports(struct run *r, const struct cview *v, const char *id)
{
    return judge_ports_with(r, v, id, CHECK_PASS, privileged_ports);
}

static int open_ports(struct run *r, const struct cview *v, const char *id,
                      const struct port_view *pv)
{
    if (pv->n == 0)
        return add(r, v, id, CHECK_SKIP, "no published ports (%s)", pv->source);
    struct buf all;
    buf_init(&all, EVIDENCE_LIST_MAX);
    list_all(pv, &all);
    int rc = add(r, v, id, CHECK_WARN, "published ports (review that each is needed; %s%s): %s",
                 pv->source, v->c->publish_all ? ", -P publishes every exposed port" : "",
                 buf_str(&all));
    buf_free(&all);
    return rc;
}

static int judge_open_ports(struct run *r, const struct cview *v, const char *id)
{
    return judge_ports_with(r, v, id, CHECK_SKIP, open_ports);
}

/*
 * The address a binding without HostIp (or with one dockerd cannot parse:
 * net.ParseIP gives nil) gets at start: the network's
 * com.docker.network.bridge.host_binding_ipv4 (dockerd sets it on the
 * default bridge from its --ip; --ip applies to no other network), else
 * 0.0.0.0 (libnetwork's default). dockerd's --ip is used only for the
 * default bridge when /networks did not show its option.
 */
static const char *default_binding_ip(const struct run *r, const struct docker_container *c,
                                      const char **why)
{
    for (size_t n = 0; n < c->networks.len; n++) {
        for (size_t i = 0; i < r->sw->n_networks; i++) {
            const struct docker_network *nw = &r->sw->networks[i];
            if (nw->name != NULL && strcmp(nw->name, str_or(c->networks.items[n], "")) == 0 &&
                nw->host_binding_ip != NULL && nw->host_binding_ip[0] != '\0') {
                *why = "the network's host_binding_ipv4";
                return nw->host_binding_ip;
            }
        }
    }
    if (r->bind_ip[0] != '\0' && str_list_has(&c->networks, "bridge")) {
        *why = r->bind_ip_why;
        return r->bind_ip;
    }
    *why = "libnetwork's default";
    return "0.0.0.0";
}

/* 1 for an unspecified address in any spelling ("0.0.0.0", "::", "0:0::0"). */
static int every_interface(const char *ip)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, ip, &a4) == 1)
        return a4.s_addr == 0;
    if (inet_pton(AF_INET6, ip, &a6) == 1) {
        static const unsigned char zero[4];
        return IN6_IS_ADDR_UNSPECIFIED(&a6) ||
               (IN6_IS_ADDR_V4MAPPED(&a6) && memcmp(&a6.s6_addr[12], zero, 4) == 0);
    }
    return 0;
}

/* 1 when dockerd can parse it as an address (net.ParseIP); else it binds the default. */
static int parsable_address(const char *ip)
{
    struct in_addr a4;
    struct in6_addr a6;
    return inet_pton(AF_INET, ip, &a4) == 1 || inet_pton(AF_INET6, ip, &a6) == 1;
}

static int bound_ports(struct run *r, const struct cview *v, const char *id,
                       const struct port_view *pv)
{
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    for (size_t i = 0; i < pv->n; i++) {
        const struct docker_port_binding *p = &pv->items[i];
        const char *ip = str_or(p->host_ip, "");
        char text[192];
        format_item(pv, i, text, sizeof(text));
        if (ip[0] == '\0' || !parsable_address(ip)) {
            const char *why = "";
            const char *eff = default_binding_ip(r, v->c, &why);
            if (every_interface(eff))
                list_add(&found, "%s (%s: %s, %s)", text,
                         ip[0] == '\0' ? "no HostIp" : "HostIp not an address", eff, why);
        } else if (every_interface(ip)) {
            list_add(&found, "%s", text);
        }
    }
    return ports_result(r, v, id, pv, &found, "ports bound to every interface",
                        "each on a specific address");
}

static int judge_bound_ports(struct run *r, const struct cview *v, const char *id)
{
    return judge_ports_with(r, v, id, CHECK_PASS, bound_ports);
}

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

static int judge_network_mode(struct run *r, const struct cview *v, const char *id)
{
    return judge_ns(r, v, id, NS_NET);
}

static int judge_memory(struct run *r, const struct cview *v, const char *id)
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
static int judge_cpu(struct run *r, const struct cview *v, const char *id)
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

static int judge_readonly(struct run *r, const struct cview *v, const char *id)
{
    if (!v->c->readonly_rootfs)
        return add(r, v, id, CHECK_FAIL, "HostConfig.ReadonlyRootfs=false");
    return add(r, v, id, CHECK_PASS, "HostConfig.ReadonlyRootfs=true");
}

static int judge_restart(struct run *r, const struct cview *v, const char *id)
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

static int judge_pid_mode(struct run *r, const struct cview *v, const char *id)
{
    return judge_ns(r, v, id, NS_PID);
}

static int judge_ipc_mode(struct run *r, const struct cview *v, const char *id)
{
    return judge_ns(r, v, id, NS_IPC);
}

static int judge_uts_mode(struct run *r, const struct cview *v, const char *id)
{
    return judge_mode(r, v, id, "UTSMode", v->c->uts_mode);
}

/*
 * 5.31. Besides --userns host itself: on a daemon with userns-remap, a
 * container that joins another's network, IPC or PID namespace joins its
 * user namespace too (daemon/oci_linux.go WithNamespaces), so joining a
 * --userns host container runs in the host's user namespace.
 */
static int judge_userns_mode(struct run *r, const struct cview *v, const char *id)
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

static int judge_devices(struct run *r, const struct cview *v, const char *id)
{
    /* daemon/oci_linux.go WithDevices: a privileged container gets every host device. */
    if (v->c->privileged)
        return add(r, v, id, CHECK_WARN,
                   "HostConfig.Privileged=true: every host device is available in the container");
    return judge_list_manual(r, v, id, "host devices", &v->c->devices);
}

static int judge_ulimits(struct run *r, const struct cview *v, const char *id)
{
    return judge_list_manual(r, v, id, "ulimit overrides", &v->c->ulimits);
}

static int judge_propagation(struct run *r, const struct cview *v, const char *id)
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
static int judge_seccomp(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    if (c->privileged)
        return add(r, v, id, CHECK_FAIL,
                   "HostConfig.Privileged=true: dockerd applies no seccomp filter");
    const char *item = NULL;
    const char *val = security_opt_last(&c->security_opt, "seccomp", &item);
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

static int judge_cgroup_parent(struct run *r, const struct cview *v, const char *id)
{
    const char *p = str_or(v->c->cgroup_parent, "");
    if (p[0] != '\0')
        return add(r, v, id, CHECK_FAIL, "HostConfig.CgroupParent=%s", p);
    return add(r, v, id, CHECK_PASS, "HostConfig.CgroupParent unset");
}

static int judge_no_new_privileges(struct run *r, const struct cview *v, const char *id)
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
        const char *val = security_opt_value(opt, "no-new-privileges");
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
static int judge_health(struct run *r, const struct cview *v, const char *id)
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

static int judge_pids_limit(struct run *r, const struct cview *v, const char *id)
{
    const struct docker_container *c = v->c;
    if (!c->pids_limit_set)
        return add(r, v, id, CHECK_FAIL, "HostConfig.PidsLimit=null: unlimited");
    if (c->pids_limit <= 0)
        return add(r, v, id, CHECK_FAIL, "HostConfig.PidsLimit=%lld: unlimited",
                   (long long)c->pids_limit);
    return add(r, v, id, CHECK_PASS, "HostConfig.PidsLimit=%lld", (long long)c->pids_limit);
}

static int judge_default_bridge(struct run *r, const struct cview *v, const char *id)
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
static int judge_docker_socket(struct run *r, const struct cview *v, const char *id)
{
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    char unknown[300] = "";
    for (size_t i = 0; i < v->c->n_mounts; i++) {
        const struct docker_mount *m = &v->c->mounts[i];
        const char *src = NULL;
        char via[300];
        int hp = mount_host_path(r, m, &src, via, sizeof(via));
        if (hp < 0 && unknown[0] == '\0')
            memcpy(unknown, via, sizeof(unknown));
        if (hp <= 0)
            continue;
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
        if (!hit && !r->sockets_known && unknown[0] == '\0')
            textf(unknown, sizeof(unknown), "%s mounted, and %s", src, r->sockets_why);
        for (size_t s = 0; s < r->n_sockets && !hit; s++) {
            if (strcmp(canon, r->sockets[s]) == 0) {
                list_add(&found, "%s%s on %s (the socket %s)", src, via,
                         str_or(m->destination, "?"), r->sockets[s]);
                hit = 1;
            } else if (path_at_or_below(r->sockets[s], canon)) {
                list_add(&found, "%s%s on %s (holds the socket %s)", src, via,
                         str_or(m->destination, "?"), r->sockets[s]);
                hit = 1;
            }
        }
    }
    int rc;
    if (found.len > 0)
        rc = add(r, v, id, CHECK_FAIL, "Docker socket mounted: %s", buf_str(&found));
    else if (unknown[0] != '\0')
        rc = add(r, v, id, CHECK_ERROR, "%s", unknown);
    else
        rc = add(r, v, id, CHECK_PASS, "no mount of the Docker socket");
    buf_free(&found);
    return rc;
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

static int judge_env_secret(struct run *r, const struct cview *v, const char *id)
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

/* The per-container checks, in catalog order. */
static const struct container_check container_checks[] = {
    { "4.1", F(USER), judge_user },
    { "5.2", F(APPARMOR) | F(SECURITY_OPT) | F(PRIVILEGED) | F(STATE), judge_apparmor },
    { "5.3", F(SECURITY_OPT), judge_selinux },
    { "5.4", F(CAP_ADD) | F(PRIVILEGED), judge_caps },
    { "5.5", F(PRIVILEGED), judge_privileged },
    { "5.6", F(MOUNTS), judge_sensitive_mounts },
    { "5.7", F(STATE) | F(PID), judge_sshd },
    { "5.8", F(STATE) | F(NETWORK_MODE), judge_privileged_ports },
    { "5.9", F(STATE) | F(NETWORK_MODE), judge_open_ports },
    { "5.10", F(NETWORK_MODE), judge_network_mode },
    { "5.11", F(MEMORY), judge_memory },
    { "5.12", F(CPU), judge_cpu },
    { "5.13", F(READONLY_ROOTFS), judge_readonly },
    { "5.14", F(STATE) | F(NETWORK_MODE), judge_bound_ports },
    { "5.15", F(RESTART_POLICY), judge_restart },
    { "5.16", F(PID_MODE), judge_pid_mode },
    { "5.17", F(IPC_MODE), judge_ipc_mode },
    { "5.18", F(DEVICES) | F(PRIVILEGED), judge_devices },
    { "5.19", F(ULIMITS), judge_ulimits },
    { "5.20", F(MOUNTS), judge_propagation },
    { "5.21", F(UTS_MODE), judge_uts_mode },
    { "5.22", F(SECURITY_OPT) | F(PRIVILEGED), judge_seccomp },
    { "5.25", F(CGROUP_PARENT), judge_cgroup_parent },
    { "5.26", F(SECURITY_OPT), judge_no_new_privileges },
    { "5.27", F(STATE) | F(HEALTH), judge_health },
    { "5.29", F(PIDS_LIMIT), judge_pids_limit },
    { "5.30", F(NETWORKS) | F(NETWORK_MODE), judge_default_bridge },
    { "5.31", F(USERNS_MODE) | F(NETWORK_MODE) | F(PID_MODE) | F(IPC_MODE), judge_userns_mode },
    { "5.32", F(MOUNTS), judge_docker_socket },
    { "dockward.env_secret", F(ENV), judge_env_secret },
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
    if (sw == NULL || !sw->ok) {
        snprintf(err, errlen, "Docker API unavailable: %s",
                 sw == NULL ? "the API was not queried" : sw->error);
        return -1;
    }
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
    if (rc != 0)
        snprintf(err, errlen, "%s",
                 sink->overflowed ? "too many results" : "out of memory recording results");
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
    .options = NULL,
    .n_options = 0,
    .measures = container_runtime_measures,
    .n_measures = ARRAY_LEN(container_runtime_measures),
    .needs_docker = true,
    .collect = container_runtime_collect,
};
