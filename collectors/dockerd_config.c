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
 */
#include "dockerd_config.h"

#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Cap on /proc entries looked at when searching for a process. The kernel's
 * pid_max is at most 2^22; the few non-pid entries of /proc fit in the rest.
 */
#define PROC_ENTRIES_MAX (4 * 1024 * 1024 + 1024)
#define PROC_COMM_MAX    64          /* /proc/<pid>/comm is at most 16 bytes */
#define COMM_LEN         15          /* TASK_COMM_LEN - 1: comm is cut to this */
#define SYSTEMD_UNIT_MAX (64 * 1024) /* cap on a unit file */
#define HOSTS_MAX        64          /* -H / "hosts" entries looked at */

/*
 * dockerd's long options that are booleans (take no separate value): every
 * BoolVar/BoolVarP of moby 20.10's cmd/dockerd (config.go, config_unix.go,
 * config_common_unix.go, options.go, docker.go) and cli/cobra.go's --help,
 * hidden and deprecated ones included (--restart/-r is deprecated but still
 * a bool: `--restart --log-level debug` sets log-level). Booleans of other
 * releases are kept too (api-enable-cors, disable-legacy-registry of older
 * ones; allow-direct-routing, ip-forward-no-drop, validate of later ones):
 * a release without the flag refuses to start with it, so listing it never
 * misreads a running dockerd.
 */
static const char *const bool_flags[] = {
    "allow-direct-routing",
    "api-enable-cors",
    "cri-containerd",
    "debug",
    "disable-legacy-registry",
    "experimental",
    "help",
    "icc",
    "init",
    "ip-forward",
    "ip-forward-no-drop",
    "ip-masq",
    "ip6tables",
    "ipv6",
    "iptables",
    "live-restore",
    "no-new-privileges",
    "raw-logs",
    "restart",
    "rootless",
    "selinux-enabled",
    "tls",
    "tlsverify",
    "userland-proxy",
    "validate",
    "version",
};

/* dockerd's one-letter options and their long names. */
static const struct {
    char letter;
    const char *name;
} short_flags[] = {
    { 'H', "host" },    { 'l', "log-level" }, { 'D', "debug" },   { 'G', "group" },
    { 'g', "graph" },   { 'p', "pidfile" },   { 'b', "bridge" },  { 's', "storage-driver" },
    { 'v', "version" }, { 'h', "help" },      { 'r', "restart" },
};

/* Command-line names whose daemon.json key differs (dockerd's json tags). */
static const struct {
    const char *flag;
    const char *json;
} json_keys[] = {
    { "host", "hosts" },
    { "insecure-registry", "insecure-registries" },
    { "authorization-plugin", "authorization-plugins" },
    { "storage-opt", "storage-opts" },
    { "default-ulimit", "default-ulimits" },
    { "log-opt", "log-opts" },
    { "label", "labels" },
    { "registry-mirror", "registry-mirrors" },
    { "add-runtime", "runtimes" },
    { "exec-opt", "exec-opts" },
    { "dns-opt", "dns-opts" },
    { "default-address-pool", "default-address-pools" },
    { "node-generic-resource", "node-generic-resources" },
    { "cluster-store-opt", "cluster-store-opts" },
    { "feature", "features" },
};

/* Standard systemd system unit directories, highest precedence first. */
static const char *const unit_dirs[] = {
    "/etc/systemd/system",     "/run/systemd/system", "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system", "/lib/systemd/system",
};

/* Where packages install programs, searched in this order. */
static const char *const bin_dirs[] = {
    "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

static int is_bool_flag(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(bool_flags); i++) {
        if (strcmp(bool_flags[i], name) == 0)
            return 1;
    }
    return 0;
}

static const char *short_flag_name(char letter)
{
    for (size_t i = 0; i < ARRAY_LEN(short_flags); i++) {
        if (short_flags[i].letter == letter)
            return short_flags[i].name;
    }
    return NULL;
}

/* Copies s into out; 0, or -1 when it does not fit (out is then ""). */
static int copy_str(char *out, size_t outlen, const char *s)
{
    int n = snprintf(out, outlen, "%s", s);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen > 0)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

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
    if (cfg->n_procs == cfg->cap_procs) {
        size_t ncap = cfg->cap_procs ? cfg->cap_procs * 2 : 256;
        struct dockerd_proc *p = realloc(cfg->procs, ncap * sizeof(*p));
        if (p == NULL)
            return;
        cfg->procs = p;
        cfg->cap_procs = ncap;
    }
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

/* The first regular file called `name` in bin_dirs; 0 or -1. */
static int find_in_bin_dirs(const char *rootfs, const char *name, char *out, size_t outlen)
{
    for (size_t i = 0; i < ARRAY_LEN(bin_dirs); i++) {
        char path[HOSTFS_PATH_MAX];
        struct stat st;
        if (hostfs_join(bin_dirs[i], name, path, sizeof(path)) != 0)
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
    return find_in_bin_dirs(rootfs, name, out, outlen);
}

int systemd_unit_path(const char *rootfs, const char *unit, char *out, size_t outlen)
{
    if (strchr(unit, '/') != NULL || unit[0] == '\0')
        return -1;
    for (size_t i = 0; i < ARRAY_LEN(unit_dirs); i++) {
        char path[HOSTFS_PATH_MAX];
        struct stat st;
        if (hostfs_join(unit_dirs[i], unit, path, sizeof(path)) != 0)
            continue;
        /* A unit masked by a link to /dev/null is not a unit file. */
        if (hostfs_stat(rootfs, path, HOSTFS_FOLLOW, &st) == 0 && S_ISREG(st.st_mode))
            return copy_str(out, outlen, path);
    }
    return -1;
}

/* ---- command line -------------------------------------------------------- */

/* Appends one option (copies both strings). 0, or -1 on no memory. */
static int add_opt(struct dockerd_config *cfg, const char *name, size_t namelen, const char *value)
{
    /*
     * No separate cap: the command line is capped at DOCKERD_CMDLINE_MAX
     * when it is read, and every option takes at least two of its bytes.
     */
    struct dockerd_opt *opts = realloc(cfg->opts, (cfg->n_opts + 1) * sizeof(*opts));
    if (opts == NULL)
        return -1;
    cfg->opts = opts;
    char *n = strndup(name, namelen);
    char *v = strdup(value);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return -1;
    }
    opts[cfg->n_opts].name = n;
    opts[cfg->n_opts].value = v;
    cfg->n_opts++;
    return 0;
}

/* Records --config-file: the last one given wins, as for any pflag string. */
static void note_config_file(struct dockerd_config *cfg, const char *name, size_t namelen,
                             const char *value)
{
    if (namelen == strlen("config-file") && memcmp(name, "config-file", namelen) == 0)
        copy_str(cfg->config_file, sizeof(cfg->config_file), value);
}

int dockerd_config_parse_cmdline(struct dockerd_config *cfg, const char *cmdline, size_t len)
{
    /* A last argument without its NUL is parsed from a terminated copy. */
    if (len > 0 && cmdline[len - 1] != '\0') {
        char *copy = malloc(len + 1);
        if (copy == NULL)
            return -1;
        memcpy(copy, cmdline, len);
        copy[len] = '\0';
        int rc = dockerd_config_parse_cmdline(cfg, copy, len + 1);
        free(copy);
        return rc;
    }
    /* Split into arguments; every one is NUL-terminated now. */
    const char **argv = NULL;
    size_t argc = 0;
    for (size_t pos = 0; pos < len;) {
        const char **nv = realloc(argv, (argc + 1) * sizeof(*nv));
        if (nv == NULL) {
            free(argv);
            return -1;
        }
        argv = nv;
        argv[argc++] = cmdline + pos;
        pos += strlen(cmdline + pos) + 1;
    }

    int rc = 0;
    /* argv[0] is the program. */
    for (size_t i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            continue; /* a positional argument: dockerd takes none */
        if (strcmp(a, "--") == 0)
            break;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            if (eq != NULL) {
                size_t nl = (size_t)(eq - name);
                rc = add_opt(cfg, name, nl, eq + 1);
                note_config_file(cfg, name, nl, eq + 1);
            } else if (is_bool_flag(name)) {
                rc = add_opt(cfg, name, strlen(name), "true");
            } else {
                /* pflag takes the next argument whatever it looks like. */
                const char *value = (i + 1 < argc) ? argv[++i] : "";
                rc = add_opt(cfg, name, strlen(name), value);
                note_config_file(cfg, name, strlen(name), value);
            }
            continue;
        }
        /* Short options, possibly grouped: "-D", "-Hfd://", "-H=x", "-DH x". */
        for (const char *s = a + 1; *s != '\0' && rc == 0; s++) {
            const char *name = short_flag_name(*s);
            char unknown[2] = { *s, '\0' };
            if (name == NULL)
                name = unknown; /* not dockerd's; kept under its letter */
            if (s[1] == '=') {
                rc = add_opt(cfg, name, strlen(name), s + 2);
                break;
            }
            if (is_bool_flag(name) || name == unknown) {
                rc = add_opt(cfg, name, strlen(name), "true");
                continue;
            }
            const char *value = s[1] != '\0' ? s + 1 : (i + 1 < argc) ? argv[++i] : "";
            rc = add_opt(cfg, name, strlen(name), value);
            break;
        }
    }
    free(argv);
    return rc;
}

/* ---- daemon.json ------------------------------------------------------------ */

/* Gives every number node a text form in its valuestring (see the top). */
static int number_texts(cJSON *node)
{
    for (; node != NULL; node = node->next) {
        if (cJSON_IsNumber(node) && node->valuestring == NULL) {
            char text[64];
            double d = node->valuedouble;
            if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(long long)d)
                snprintf(text, sizeof(text), "%lld", (long long)d);
            else
                snprintf(text, sizeof(text), "%.17g", d);
            node->valuestring = strdup(text);
            if (node->valuestring == NULL)
                return -1;
        }
        if (node->child != NULL && number_texts(node->child) != 0)
            return -1;
    }
    return 0;
}

/* Line and column (1-based) of offset `off` in text. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i] != '\0'; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

int dockerd_config_parse_json(struct dockerd_config *cfg, const char *text, size_t len)
{
    cJSON_Delete(cfg->json);
    cfg->json = NULL;
    cfg->config_error[0] = '\0';
    /*
     * As dockerd: a UTF-8 byte order mark is skipped, and a file holding
     * only blanks is an empty configuration, not an error.
     */
    const char *start = text;
    if (len >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
        start += 3;
        len -= 3;
    }
    size_t blank = 0; /* (strchr would also match the NUL ending its set) */
    while (blank < len && start[blank] != '\0' && strchr(" \t\r\n", start[blank]) != NULL)
        blank++;
    if (blank == len) {
        cfg->json = cJSON_CreateObject();
        if (cfg->json == NULL)
            return -1;
        cfg->json_state = DOCKERD_JSON_OK;
        return 0;
    }

    /* cJSON parses a NUL-terminated copy, so a NUL byte in the file ends the text it sees. */
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, start, len);
    copy[len] = '\0';
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(copy, &end, 1);
    if (json == NULL) {
        int line, col;
        size_t off = end != NULL ? (size_t)(end - copy) : 0;
        line_col(copy, off, &line, &col);
        cfg->json_state = DOCKERD_JSON_INVALID;
        snprintf(cfg->config_error, sizeof(cfg->config_error), "invalid JSON at line %d column %d",
                 line, col);
        free(copy);
        return 0;
    }
    const char *why = NULL;
    if (end == NULL || (size_t)(end - copy) != len)
        why = "contains a NUL byte";
    else if (!cJSON_IsObject(json))
        why = "not a JSON object";
    free(copy);
    if (why != NULL) {
        cJSON_Delete(json);
        cfg->json_state = DOCKERD_JSON_INVALID;
        snprintf(cfg->config_error, sizeof(cfg->config_error), "%s", why);
        return 0;
    }
    if (number_texts(json) != 0) {
        cJSON_Delete(json);
        return -1;
    }
    cfg->json = json;
    cfg->json_state = DOCKERD_JSON_OK;
    return 0;
}

/* Reads and parses cfg->config_file. Returns 0, or -1 on no memory. */
static int load_json(const char *rootfs, struct dockerd_config *cfg)
{
    struct buf text;
    buf_init(&text, DOCKERD_JSON_MAX);
    cfg->json_state = DOCKERD_JSON_ABSENT;
    if (cfg->config_file[0] == '\0') {
        cfg->json_state = DOCKERD_JSON_UNREADABLE;
        snprintf(cfg->config_error, sizeof(cfg->config_error), "config file path too long");
        return 0;
    }
    if (hostfs_read_file(rootfs, cfg->config_file, DOCKERD_JSON_MAX, &text) != 0) {
        int e = errno;
        buf_free(&text);
        if (e == ENOENT)
            return 0;
        if (e == ENOMEM)
            return -1;
        cfg->json_state = DOCKERD_JSON_UNREADABLE;
        if (e == EINVAL)
            snprintf(cfg->config_error, sizeof(cfg->config_error), "not a regular file");
        else if (e == EFBIG)
            snprintf(cfg->config_error, sizeof(cfg->config_error), "larger than %d bytes",
                     DOCKERD_JSON_MAX);
        else
            snprintf(cfg->config_error, sizeof(cfg->config_error), "%s", strerror(e));
        return 0;
    }
    int rc = dockerd_config_parse_json(cfg, text.data != NULL ? text.data : "", text.len);
    buf_free(&text);
    return rc;
}

/* ---- values -------------------------------------------------------------- */

static void emit(const char *v, const char **out, size_t max, size_t *total)
{
    if (*total < max)
        out[*total] = v;
    (*total)++;
}

/* A scalar JSON value as text, or NULL for null/arrays/objects. */
static const char *json_scalar(const cJSON *item)
{
    if (cJSON_IsString(item) || cJSON_IsNumber(item))
        return item->valuestring;
    if (cJSON_IsTrue(item))
        return "true";
    if (cJSON_IsFalse(item))
        return "false";
    return NULL;
}

size_t dockerd_config_values(const struct dockerd_config *cfg, const char *name, const char **out,
                             size_t max)
{
    const char *flag = name, *key = name;
    size_t total = 0;
    for (size_t i = 0; i < ARRAY_LEN(json_keys); i++) {
        if (strcmp(name, json_keys[i].flag) == 0 || strcmp(name, json_keys[i].json) == 0) {
            flag = json_keys[i].flag;
            key = json_keys[i].json;
            break;
        }
    }
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, flag) == 0)
            emit(cfg->opts[i].value, out, max, &total);
    }
    if (cfg->json_state != DOCKERD_JSON_OK || cfg->json == NULL)
        return total;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(cfg->json, key);
    if (item == NULL)
        return total;
    if (cJSON_IsArray(item)) {
        const cJSON *el;
        cJSON_ArrayForEach(el, item)
        {
            const char *v = json_scalar(el);
            if (v != NULL)
                emit(v, out, max, &total);
        }
    } else if (cJSON_IsObject(item)) {
        const cJSON *el;
        cJSON_ArrayForEach(el, item)
        {
            if (el->string != NULL)
                emit(el->string, out, max, &total);
        }
    } else {
        const char *v = json_scalar(item);
        if (v != NULL)
            emit(v, out, max, &total);
    }
    return total;
}

const char *dockerd_config_value(const struct dockerd_config *cfg, const char *name)
{
    return dockerd_config_effective(cfg, name, NULL);
}

int dockerd_config_bool(const struct dockerd_config *cfg, const char *name)
{
    const char *v = dockerd_config_value(cfg, name);
    if (v == NULL)
        return -1;
    return dockerd_parse_bool(v);
}

const char *dockerd_config_effective(const struct dockerd_config *cfg, const char *name,
                                     enum dockerd_source *src)
{
    const char *flag = name;
    for (size_t i = 0; i < ARRAY_LEN(json_keys); i++) {
        if (strcmp(name, json_keys[i].json) == 0) {
            flag = json_keys[i].flag;
            break;
        }
    }
    const char *v = NULL;
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, flag) == 0)
            v = cfg->opts[i].value;
    }
    if (v != NULL) {
        if (src != NULL)
            *src = DOCKERD_SRC_CMDLINE;
        return v;
    }
    /* No command-line value: the first daemon.json value, if any. */
    if (dockerd_config_values(cfg, name, &v, 1) > 0) {
        if (src != NULL)
            *src = DOCKERD_SRC_JSON;
        return v;
    }
    if (src != NULL)
        *src = DOCKERD_SRC_NONE;
    return NULL;
}

int dockerd_parse_bool(const char *v)
{
    if (v == NULL)
        return -1;
    /* What Go's strconv.ParseBool (and so pflag) accepts. */
    static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
    static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
    for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
        if (strcmp(v, yes[i]) == 0)
            return 1;
        if (strcmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* The daemon.json string value of `key`, or NULL when absent, empty or not a string. */
static const char *json_string(const struct dockerd_config *cfg, const char *key)
{
    if (cfg->json_state != DOCKERD_JSON_OK || cfg->json == NULL)
        return NULL;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(cfg->json, key);
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
        return NULL;
    return item->valuestring;
}

/*
 * moby 20.10 writes --data-root, --graph and -g into one field (conf.Root),
 * so the last of them on the command line wins (dockerd refuses --graph
 * with --data-root). daemon.json's "data-root", else its deprecated "graph"
 * (config.getConflictFreeConfiguration), is merged UNDER the flags with
 * mergo, which keeps a non-empty file value: a file value beats a flag of
 * the other spelling (no conflict is detected between them). A flag and
 * the file key of the same spelling make dockerd refuse to start, so when
 * both show the file was edited afterwards and the flag is what runs.
 */
void dockerd_config_data_root(const struct dockerd_config *cfg, char *out, size_t outlen)
{
    const char *flag = NULL, *flag_name = NULL;
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, "data-root") == 0 ||
            strcmp(cfg->opts[i].name, "graph") == 0) {
            flag = cfg->opts[i].value;
            flag_name = cfg->opts[i].name;
        }
    }
    const char *file = json_string(cfg, "data-root");
    const char *file_key = "data-root";
    if (file == NULL) {
        file = json_string(cfg, "graph");
        file_key = "graph";
    }
    const char *v = flag;
    if (file != NULL && (flag == NULL || strcmp(flag_name, file_key) != 0))
        v = file;
    if (v == NULL || v[0] != '/' || copy_str(out, outlen, v) != 0)
        copy_str(out, outlen, DOCKERD_DEFAULT_DATA_ROOT);
}

void dockerd_config_containerd_socket(const struct dockerd_config *cfg, char *out, size_t outlen)
{
    const char *v = dockerd_config_value(cfg, "containerd");
    if (v != NULL && strncmp(v, "unix://", 7) == 0)
        v += 7;
    if (v == NULL || v[0] != '/' || copy_str(out, outlen, v) != 0)
        copy_str(out, outlen, DOCKERD_DEFAULT_CONTAINERD_SOCKET);
}

/* ---- sockets ------------------------------------------------------------- */

/* Trims blanks at both ends, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Expands the systemd specifiers a socket path uses (%t, %%) into out. */
static int expand_specifiers(const char *v, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = v; *p != '\0'; p++) {
        const char *add = NULL;
        char one[2] = { *p, '\0' };
        if (*p == '%' && p[1] == 't') {
            add = "/run"; /* the runtime directory of system units */
            p++;
        } else if (*p == '%' && p[1] == '%') {
            add = "%";
            p++;
        } else {
            add = one;
        }
        size_t al = strlen(add);
        if (o + al >= outlen)
            return -1;
        memcpy(out + o, add, al);
        o += al;
    }
    out[o] = '\0';
    return 0;
}

/*
 * Reads the ListenStream= lines of docker.socket's [Socket] section: path
 * values into paths (at most max, *n_paths set), and *tcp = 1 when one is a
 * network address. An empty ListenStream= resets the list, as in systemd.
 * Returns 0, or -1 when the unit is missing or unreadable.
 */
static int socket_unit_listens(const char *rootfs, char (*paths)[HOSTFS_PATH_MAX], size_t max,
                               size_t *n_paths, int *tcp)
{
    char unit[HOSTFS_PATH_MAX];
    struct buf text;
    *n_paths = 0;
    *tcp = 0;
    if (systemd_unit_path(rootfs, "docker.socket", unit, sizeof(unit)) != 0)
        return -1;
    buf_init(&text, SYSTEMD_UNIT_MAX);
    if (hostfs_read_file(rootfs, unit, SYSTEMD_UNIT_MAX, &text) != 0) {
        buf_free(&text);
        return -1;
    }
    int in_socket = 0;
    char *next = text.data;
    while (next != NULL) {
        char *line = next;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *l = trim(line);
        if (l[0] == '#' || l[0] == ';' || l[0] == '\0')
            continue;
        if (l[0] == '[') {
            in_socket = strcmp(l, "[Socket]") == 0;
            continue;
        }
        char *eq = strchr(l, '=');
        if (!in_socket || eq == NULL)
            continue;
        *eq = '\0';
        if (strcmp(trim(l), "ListenStream") != 0)
            continue;
        char *v = trim(eq + 1);
        if (v[0] == '\0') {
            *n_paths = 0;
            *tcp = 0;
            continue;
        }
        char value[HOSTFS_PATH_MAX];
        if (expand_specifiers(v, value, sizeof(value)) != 0)
            continue;
        if (value[0] == '@' || strncmp(value, "vsock:", 6) == 0)
            continue; /* abstract socket or vsock: no file to judge */
        if (value[0] != '/') {
            *tcp = 1; /* a port, or address:port */
            continue;
        }
        if (*n_paths < max && copy_str(paths[*n_paths], HOSTFS_PATH_MAX, value) == 0)
            (*n_paths)++;
    }
    buf_free(&text);
    return 0;
}

/* Adds path unless it (or the same file through links) is already listed. */
static void add_socket(const char *rootfs, const char *path, char (*out)[HOSTFS_PATH_MAX],
                       size_t max, size_t *n)
{
    char canon[HOSTFS_PATH_MAX], other[HOSTFS_PATH_MAX];
    if (path[0] != '/' || *n >= max)
        return;
    if (hostfs_canonical(rootfs, path, canon, sizeof(canon)) != 0)
        copy_str(canon, sizeof(canon), path);
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(out[i], path) == 0)
            return;
        if (hostfs_canonical(rootfs, out[i], other, sizeof(other)) != 0)
            copy_str(other, sizeof(other), out[i]);
        if (strcmp(other, canon) == 0)
            return;
    }
    if (copy_str(out[*n], HOSTFS_PATH_MAX, path) == 0)
        (*n)++;
}

int dockerd_config_tls_on(const struct dockerd_config *cfg)
{
    if (dockerd_config_effective(cfg, "tlsverify", NULL) != NULL)
        return 1;
    return dockerd_config_bool(cfg, "tls") == 1;
}

size_t dockerd_config_unix_sockets(const struct dockerd_config *cfg, const char *rootfs,
                                   char (*out)[HOSTFS_PATH_MAX], size_t max)
{
    const char *hosts[HOSTS_MAX];
    size_t total = dockerd_config_values(cfg, "host", hosts, HOSTS_MAX);
    size_t n = 0;
    /* With TLS on, the default host is tcp://localhost:2376 (opts.ParseHost), not a socket. */
    int tls = dockerd_config_tls_on(cfg);
    if (total == 0) {
        if (!tls)
            add_socket(rootfs, DOCKERD_DEFAULT_SOCKET, out, max, &n);
        return n;
    }
    if (total > HOSTS_MAX)
        total = HOSTS_MAX;
    for (size_t i = 0; i < total; i++) {
        const char *h = hosts[i];
        if (h[0] == '\0' && tls)
            continue;
        if (h[0] == '\0' || strcmp(h, "unix://") == 0) {
            add_socket(rootfs, DOCKERD_DEFAULT_SOCKET, out, max, &n);
        } else if (strncmp(h, "unix://", 7) == 0) {
            add_socket(rootfs, h + 7, out, max, &n);
        } else if (strncmp(h, "fd://", 5) == 0) {
            char paths[8][HOSTFS_PATH_MAX];
            size_t np = 0;
            int tcp = 0;
            if (socket_unit_listens(rootfs, paths, ARRAY_LEN(paths), &np, &tcp) != 0) {
                /* No socket unit to read: systemd's default is the default. */
                add_socket(rootfs, DOCKERD_DEFAULT_SOCKET, out, max, &n);
                continue;
            }
            for (size_t j = 0; j < np; j++)
                add_socket(rootfs, paths[j], out, max, &n);
        }
    }
    return n;
}

int dockerd_config_has_tcp(const struct dockerd_config *cfg)
{
    const char *hosts[HOSTS_MAX];
    size_t total = dockerd_config_values(cfg, "host", hosts, HOSTS_MAX);
    if (total == 0 && dockerd_config_tls_on(cfg))
        return 1; /* tcp://localhost:2376, dockerd's default host with TLS */
    if (total > HOSTS_MAX)
        total = HOSTS_MAX;
    for (size_t i = 0; i < total; i++) {
        const char *h = hosts[i];
        if (strncmp(h, "tcp://", 6) == 0 || (h[0] == '\0' && dockerd_config_tls_on(cfg)))
            return 1;
        if (strncmp(h, "fd://", 5) == 0 && cfg->systemd_tcp)
            return 1;
        /* dockerd reads an address without a scheme as tcp. */
        if (h[0] != '\0' && strstr(h, "://") == NULL)
            return 1;
    }
    return 0;
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
    if (cfg->exe[0] == '\0' && find_in_bin_dirs(rootfs, "dockerd", cfg->exe, sizeof(cfg->exe)) != 0)
        cfg->exe[0] = '\0';

    /* A --config-file too long to hold leaves config_file "": unreadable. */
    for (size_t i = 0; i < cfg->n_opts; i++) {
        if (strcmp(cfg->opts[i].name, "config-file") == 0)
            copy_str(cfg->config_file, sizeof(cfg->config_file), cfg->opts[i].value);
    }
    if (load_json(rootfs, cfg) != 0) {
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
            if (socket_unit_listens(rootfs, NULL, 0, &np, &tcp) == 0)
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
    return find_in_bin_dirs(rootfs, name, out, outlen);
}
