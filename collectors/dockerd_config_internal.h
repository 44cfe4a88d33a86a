/*
 * dockerd_config_internal.h - what the pieces of dockerd_config share, and
 * nothing else includes: dockerd_config.c (finding the process, loading and
 * freeing, which dockerd serves --docker.host), dockerd_config_cmdline.c
 * (the command line as spf13/pflag reads it), dockerd_config_json.c
 * (daemon.json and the values of both, flags first) and
 * dockerd_config_sockets.c (the sockets dockerd listens on, systemd socket
 * units included). The contract is dockerd_config.h.
 */
#ifndef DOCKWARD_DOCKERD_CONFIG_INTERNAL_H
#define DOCKWARD_DOCKERD_CONFIG_INTERNAL_H

#include "dockerd_config.h"

#include "collector.h"

#include <stdio.h>

/*
 * Cap on /proc entries looked at when searching for a process. The kernel's
 * pid_max is at most 2^22; the few non-pid entries of /proc fit in the rest.
 */
#define PROC_ENTRIES_MAX (4 * 1024 * 1024 + 1024)
#define PROC_COMM_MAX    64          /* /proc/<pid>/comm is at most 16 bytes */
#define COMM_LEN         15          /* TASK_COMM_LEN - 1: comm is cut to this */
#define SYSTEMD_UNIT_MAX (64 * 1024) /* cap on a unit file */
#define HOSTS_MAX        64          /* -H / "hosts" entries looked at */

/* Copies s into out; 0, or -1 when it does not fit (out is then ""). */
static inline int copy_str(char *out, size_t outlen, const char *s)
{
    int n = snprintf(out, outlen, "%s", s);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen > 0)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

/* Reads and parses the daemon.json of cfg->config_file (dockerd_config_json.c). */
int dockerd_config_load_json(const char *rootfs, struct dockerd_config *cfg);
/*
 * The ListenStream paths of docker.socket into paths (at most max, *n of
 * them), *tcp set when it listens on TCP (dockerd_config_sockets.c).
 */
int dockerd_config_socket_unit_listens(const char *rootfs, char (*paths)[HOSTFS_PATH_MAX],
                                       size_t max, size_t *n_paths, int *tcp);

#endif
