/*
 * dockerd_config.h - how dockerd is configured, as far as the host shows it
 * without the Docker API: the running dockerd process (its command line from
 * /proc/<pid>/cmdline and its binary from /proc/<pid>/exe), the daemon.json
 * actually in use (`--config-file PATH` or `--config-file=PATH`, else
 * /etc/docker/daemon.json), and the systemd units.
 *
 * Shared by the collectors that judge files and settings (file_permissions,
 * host, daemon_config, image_age), so every one of them agrees on which
 * socket, which daemon.json and which TLS files are "the ones in use".
 * Everything is read under --path.rootfs through hostfs; the host's /proc is
 * <rootfs>/proc.
 *
 * Command-line options are normalised to their long names without dashes
 * ("-H" -> "host", "-l" -> "log-level", "-D" -> "debug", "-G" -> "group",
 * "-g" -> "graph" (moby's name for it; --graph and --data-root set the same
 * field), "-p" -> "pidfile", "-r" -> "restart", and "-b" -> "bridge", "-s" ->
 * "storage-driver", "-v" -> "version", "-h" -> "help"), also attached
 * ("-Hfd://", "-H=fd://") and grouped ("-DH fd://"), in both "--opt=value" and
 * "--opt value" forms, repeated options kept in order. A bare boolean flag
 * ("--tlsverify", "--icc", the deprecated "--restart") has value "true" and
 * never takes the next argument; "--icc=false" has "false". For a scalar
 * setting given twice the last one is what dockerd uses (pflag), so every
 * single-value lookup here (dockerd_config_value, _bool, _effective,
 * _data_root) answers with the last command-line occurrence.
 *
 * A loaded struct dockerd_config is owned by its caller, read-only after
 * dockerd_config_load, and freed with dockerd_config_free.
 */
#ifndef DOCKWARD_DOCKERD_CONFIG_H
#define DOCKWARD_DOCKERD_CONFIG_H

#include "collector.h"
#include "hostfs.h"

#include <cjson/cJSON.h>
#include <stddef.h>

#define DOCKERD_JSON_MAX                  (1024 * 1024) /* cap on daemon.json */
#define DOCKERD_CMDLINE_MAX               (256 * 1024)  /* cap on /proc/<pid>/cmdline */
#define DOCKERD_DEFAULT_CONFIG            "/etc/docker/daemon.json"
#define DOCKERD_DEFAULT_DATA_ROOT         "/var/lib/docker"
#define DOCKERD_DEFAULT_SOCKET            "/var/run/docker.sock"
#define DOCKERD_DEFAULT_CONTAINERD_SOCKET "/run/containerd/containerd.sock"

enum dockerd_json_state {
    DOCKERD_JSON_ABSENT = 0, /* no daemon.json: every setting at its default */
    DOCKERD_JSON_OK,
    DOCKERD_JSON_INVALID,    /* not JSON, or not an object; config_error says why */
    DOCKERD_JSON_UNREADABLE, /* exists but could not be read; config_error says why */
};

struct dockerd_opt {
    char *name;  /* long name without dashes */
    char *value; /* "true" for a bare flag */
};

/* A process seen when dockerd was looked for: pid and comm (cut to 15 characters). */
struct dockerd_proc {
    int pid;
    char comm[16];
};

struct dockerd_config {
    int pid;                   /* dockerd's pid in the host's /proc; 0 = not found */
    char exe[HOSTFS_PATH_MAX]; /* dockerd binary (host path); "" = unknown */
    struct dockerd_opt *opts;  /* command-line options, in order */
    size_t n_opts;
    char config_file[HOSTFS_PATH_MAX]; /* daemon.json in use (host path) */
    enum dockerd_json_state json_state;
    char config_error[256]; /* why INVALID/UNREADABLE, without the path */
    cJSON *json;            /* the parsed daemon.json object when json_state == DOCKERD_JSON_OK */
    int systemd_tcp; /* an fd:// host's docker.socket has a TCP ListenStream= (set by load) */
    struct dockerd_proc *procs; /* every process of the /proc scan (for finding binaries) */
    size_t n_procs, cap_procs;
    bool borrowed; /* a shallow copy from dockerd_config_load_ctx: free releases nothing */
};

/*
 * Finds dockerd under rootfs (the first /proc/<pid> whose comm is "dockerd",
 * lowest pid first), parses its command line, and loads the daemon.json in
 * use. A missing dockerd or a missing/invalid daemon.json is not an error:
 * it is described in the struct. Returns -1 (err filled) only for a failure
 * to allocate or a <rootfs>/proc that exists but cannot be listed (a rootfs
 * without /proc has no dockerd to see: pid 0, defaults apply).
 */
int dockerd_config_load(const char *rootfs, struct dockerd_config *cfg, char *err, size_t errlen);

#define DOCKERD_CANDIDATES_MAX 16 /* dockerd processes compared by dockerd_config_load_for */

/*
 * As dockerd_config_load, but when several dockerd processes run (a rootless
 * one beside the system one, a second daemon for CI), picks the one that
 * serves `docker_host` ("unix:///var/run/docker.sock", or a bare absolute
 * socket path): the lowest pid among the first DOCKERD_CANDIDATES_MAX
 * dockerd processes whose unix sockets (dockerd_config_unix_sockets: -H /
 * "hosts", fd:// through docker.socket, the default) include that socket,
 * compared as canonical host paths (so /var/run/docker.sock and
 * /run/docker.sock are one). When none does, or docker_host is NULL, not a
 * unix socket, or only one dockerd runs, the lowest pid, as
 * dockerd_config_load. Returns 0, or -1 with err filled (as _load).
 */
int dockerd_config_load_for(const char *rootfs, const char *docker_host, struct dockerd_config *cfg,
                            char *err, size_t errlen);
void dockerd_config_free(struct dockerd_config *cfg);

/*
 * The configuration for a collector run: a read-only shallow copy of the one
 * the framework loaded for the whole collection (ctx->dockerd), the
 * framework's error (ctx->dockerd_error), or, when the framework loaded none,
 * dockerd_config_load_for(ctx->rootfs, ctx->docker_host, ...). Free it with
 * dockerd_config_free either way. Returns 0 or -1 with err filled.
 */
int dockerd_config_load_ctx(const struct collect_ctx *ctx, struct dockerd_config *cfg, char *err,
                            size_t errlen);

#define DOCKERD_ENVIRON_MAX (1024 * 1024) /* cap on /proc/<pid>/environ */

/*
 * Looks up ONE environment variable of the dockerd process in cfg
 * (<rootfs>/proc/<pid>/environ), for checks such as CIS 4.5
 * (DOCKER_CONTENT_TRUST). Only the variable called `name` is looked at and
 * copied: the environment may hold secrets, so nothing else of it leaves
 * this function, and the buffer it was read into is wiped before it is
 * freed. Returns 1 when the variable is set (its value copied into
 * value_out, cut to len - 1 bytes; value_out may be NULL when len is 0),
 * 0 when it is not set, or -1 with errno set: ESRCH when cfg has no dockerd
 * process, EINVAL for a name that is empty or holds '=', or the error of
 * reading the file (EACCES, ENOENT when dockerd exited, EFBIG past
 * DOCKERD_ENVIRON_MAX).
 */
int dockerd_config_env_flag(const struct dockerd_config *cfg, const char *rootfs, const char *name,
                            char *value_out, size_t len);

/*
 * Parses a NUL-separated command line (as in /proc/<pid>/cmdline, argv[0]
 * included) into cfg->opts/n_opts and, when --config-file is given, into
 * cfg->config_file. Exposed for unit tests. Returns 0 or -1 (no memory).
 */
int dockerd_config_parse_cmdline(struct dockerd_config *cfg, const char *cmdline, size_t len);

/*
 * Parses `len` bytes of daemon.json text (need not be NUL-terminated) into
 * cfg->json, json_state and config_error, as dockerd_config_load does for
 * the file it reads: a UTF-8 byte order mark is skipped, blank text is an
 * empty object, text that is not one JSON object (or holds a NUL byte) is
 * DOCKERD_JSON_INVALID with the reason. A tree already in cfg is freed
 * first. Exposed for tests and the fuzz target. Returns 0, or -1 (no memory).
 */
int dockerd_config_parse_json(struct dockerd_config *cfg, const char *text, size_t len);

/*
 * Every value of setting `name` (command-line long name, e.g. "host",
 * "tlscacert", "insecure-registry"): command-line values first, then the
 * daemon.json key for it (the same name, or its plural form where dockerd
 * uses one: "hosts", "insecure-registries", "authorization-plugins",
 * "storage-opts", "default-ulimits", ...). JSON strings as they are, booleans
 * as "true"/"false", numbers as text, array elements one by one (elements
 * that are themselves arrays or objects are skipped), object keys for
 * objects. `name` may also be the daemon.json key ("hosts"). A blank
 * daemon.json is an empty object, as for dockerd. Fills at most `max`
 * pointers (owned by cfg); returns the total number found (may exceed max).
 */
size_t dockerd_config_values(const struct dockerd_config *cfg, const char *name, const char **out,
                             size_t max);

/*
 * The value dockerd uses for single-valued setting `name`: as
 * dockerd_config_effective (the LAST command-line value, else daemon.json's),
 * or NULL when it is set nowhere.
 */
const char *dockerd_config_value(const struct dockerd_config *cfg, const char *name);

/* 1 true, 0 false, -1 unset or not a boolean (of dockerd_config_value's answer). */
int dockerd_config_bool(const struct dockerd_config *cfg, const char *name);

/*
 * 1 when dockerd serves its API with TLS, as moby 20.10's loadDaemonCliConfig
 * decides: tlsverify set at all (flag or daemon.json, true or false), or tls
 * true; else 0.
 */
int dockerd_config_tls_on(const struct dockerd_config *cfg);

/* Where an effective setting comes from. */
enum dockerd_source {
    DOCKERD_SRC_NONE = 0, /* set nowhere: dockerd's default applies */
    DOCKERD_SRC_CMDLINE,  /* dockerd's command line */
    DOCKERD_SRC_JSON,     /* the daemon.json in use (cfg->config_file) */
};

/*
 * The value dockerd uses for a single-valued setting `name` (as for
 * dockerd_config_values): the LAST command-line value (a later flag
 * overrides an earlier one, as in pflag), else the daemon.json value (the
 * first element of an array). dockerd refuses to start when a setting is
 * both a flag and in daemon.json, so when both show, daemon.json was edited
 * after the start and the command line is what runs. *src (may be NULL)
 * says where the value came from. Returns the value (owned by cfg), or NULL
 * with *src = DOCKERD_SRC_NONE.
 */
const char *dockerd_config_effective(const struct dockerd_config *cfg, const char *name,
                                     enum dockerd_source *src);

/* Parses a boolean as Go's strconv.ParseBool does: 1 true, 0 false, -1 neither. */
int dockerd_parse_bool(const char *v);

/*
 * dockerd's data root (host path) from its configuration: the last of
 * --data-root / --graph / -g, daemon.json's "data-root" or "graph" (a file
 * value beats a flag of the other spelling, as moby's mergo merge does),
 * default /var/lib/docker. Callers with the Docker API prefer /info's
 * DockerRootDir, which is what dockerd really uses.
 */
void dockerd_config_data_root(const struct dockerd_config *cfg, char *out, size_t outlen);

/*
 * The unix sockets dockerd listens on (host paths, deduplicated, at most
 * `max`): each unix:// host; for fd:// (systemd socket activation) the
 * ListenStream= paths of docker.socket; the default socket when no host is
 * configured (or an empty one), unless TLS is on (dockerd_config_tls_on):
 * dockerd's default host is then tcp://localhost:2376. Returns the count.
 */
size_t dockerd_config_unix_sockets(const struct dockerd_config *cfg, const char *rootfs,
                                   char (*out)[HOSTFS_PATH_MAX], size_t max);

/*
 * 1 when any configured host is tcp:// (or a bare host:port), or dockerd
 * listens on its default TLS host (TLS on, no host or an empty one), else 0.
 */
int dockerd_config_has_tcp(const struct dockerd_config *cfg);

/* containerd's socket: --containerd / "containerd", default /run/containerd/containerd.sock. */
void dockerd_config_containerd_socket(const struct dockerd_config *cfg, char *out, size_t outlen);

/*
 * The first existing unit file called `unit` ("docker.service") in the
 * standard systemd unit paths under rootfs (/etc/systemd/system,
 * /run/systemd/system, /usr/local/lib/systemd/system, /usr/lib/systemd/system,
 * /lib/systemd/system). Returns 0 with the host path in out, -1 if none.
 */
int systemd_unit_path(const char *rootfs, const char *unit, char *out, size_t outlen);

/*
 * Finds a program binary on the host: for a running process called `comm`
 * its /proc/<pid>/exe, else the first existing regular file called `name` in
 * /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin (so
 * Debian's /usr/sbin/dockerd is found). Returns 0 with the host path, -1 if
 * not found.
 */
int host_find_binary(const char *rootfs, const char *name, char *out, size_t outlen);

/*
 * host_find_binary, answered from the process table recorded when the
 * configuration was loaded (one /proc scan per collection instead of one per
 * binary); the same rules and fallback. Returns 0 with the host path, or -1.
 */
int dockerd_config_find_binary(const struct dockerd_config *cfg, const char *rootfs,
                               const char *name, char *out, size_t outlen);

#endif
