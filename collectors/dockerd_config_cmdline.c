/*
 * dockerd_config_cmdline.c - dockerd's command line parsed the way its flag
 * library (spf13/pflag) parses it, because the point is to see what dockerd
 * sees: "--opt=value", "--opt value", bare booleans, "-H value", "-Hvalue",
 * "-H=value", grouped short booleans ("-DH fd://"), and "--" ending the
 * options. Whether a long option takes a value cannot be told from the
 * text, so a const table lists dockerd's boolean flags; every other option
 * takes one. See dockerd_config.h.
 */
#include "dockerd_config_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
