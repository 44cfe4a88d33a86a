/*
 * dockerd_config_sockets.c - the sockets dockerd listens on: -H / "hosts",
 * the default socket, and the ListenStream of a systemd docker.socket for
 * fd://, as canonical host paths; and whether TLS or TCP is in use. See
 * dockerd_config.h.
 */
#include "dockerd_config_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
int dockerd_config_socket_unit_listens(const char *rootfs, char (*paths)[HOSTFS_PATH_MAX],
                                       size_t max, size_t *n_paths, int *tcp)
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
            if (dockerd_config_socket_unit_listens(rootfs, paths, ARRAY_LEN(paths), &np, &tcp) !=
                0) {
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
