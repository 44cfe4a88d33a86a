/*
 * hostfs.h - reading the audited host's filesystem under --path.rootfs.
 *
 * Every host path a collector reads is an absolute path as the host sees it
 * ("/etc/docker/daemon.json"); hostfs maps it under the root prefix and
 * resolves symbolic links *inside* that root, the way chroot(2) would: an
 * absolute link target such as /var/run -> /run is taken relative to the
 * root, and ".." never climbs above it. Without this, an agent running in a
 * container with the host at /host would judge its own /run instead of the
 * host's.
 *
 * Reads are bounded (a cap per call) and refuse anything but regular files,
 * opened non-blocking, so a FIFO or a device planted where a config file is
 * expected can never hang a collection.
 */
#ifndef DOCKWARD_HOSTFS_H
#define DOCKWARD_HOSTFS_H

#include "../common/buf.h"

#include <stddef.h>
#include <sys/stat.h>

#define HOSTFS_PATH_MAX    4096
#define HOSTFS_SYMLINK_MAX 40 /* as the kernel's MAXSYMLINKS */

enum { HOSTFS_FOLLOW = 0, HOSTFS_NOFOLLOW = 1 };

/*
 * Resolves host path `path` under `rootfs` into `out` (a real path on this
 * machine, rootfs-prefixed), following links inside the root; with
 * HOSTFS_NOFOLLOW the last component is not followed. Returns 0, or -1 with
 * errno set (ENOENT for a missing component, ELOOP, ENAMETOOLONG, EINVAL for
 * a relative path).
 */
int hostfs_resolve(const char *rootfs, const char *path, int flags, char *out, size_t outlen);

/*
 * The host path that `path` designates after following links inside the
 * root, as the host sees it (no rootfs prefix). Returns 0 or -1 with errno.
 */
int hostfs_canonical(const char *rootfs, const char *path, char *out, size_t outlen);

/* stat(2) / lstat(2) of a host path (HOSTFS_FOLLOW / HOSTFS_NOFOLLOW). 0 or -1, errno. */
int hostfs_stat(const char *rootfs, const char *path, int flags, struct stat *st);

/*
 * Reads a regular file of at most `max` bytes into `out` (initialised by
 * the caller, reset here). Returns 0, or -1 with errno: ENOENT, EACCES,
 * EINVAL (not a regular file), EFBIG (larger than max), ...
 */
int hostfs_read_file(const char *rootfs, const char *path, size_t max, struct buf *out);

/*
 * Lists the names in a host directory (no "." or ".."), sorted, at most
 * `max` of them. *names_out is an array of malloc'd strings, freed with
 * hostfs_free_names. Returns the count, or -1 with errno.
 */
int hostfs_list_dir(const char *rootfs, const char *path, size_t max, char ***names_out);
void hostfs_free_names(char **names, int n);

/* As hostfs_list_dir, but only the subdirectories (not links to directories). */
int hostfs_list_subdirs(const char *rootfs, const char *path, size_t max, char ***names_out);

/*
 * Opens a host directory (resolved inside the root) for many reads below it
 * without resolving its path each time (e.g. /proc for every /proc/<pid>).
 * Returns an O_DIRECTORY fd the caller closes, or -1 with errno.
 */
int hostfs_open_dir(const char *rootfs, const char *path);

/*
 * Reads the regular file `rel` below an fd from hostfs_open_dir, as
 * hostfs_read_file does. `rel` must be relative and hold no "..", and its
 * last component is not followed if it is a link (its other components are
 * trusted: use it for kernel trees such as "<pid>/comm" under /proc).
 */
int hostfs_read_file_at(int dirfd, const char *rel, size_t max, struct buf *out);

/* Joins a host directory and a name into `out`. Returns 0, or -1 if it does not fit. */
int hostfs_join(const char *dir, const char *name, char *out, size_t outlen);

#endif
