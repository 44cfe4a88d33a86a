/*
 * hostfs.c - host paths under --path.rootfs; see hostfs.h.
 *
 * Resolution walks the path one component at a time with lstat(2) and
 * readlink(2) on the rootfs-prefixed name, restarting at the root for an
 * absolute link target. It is a userspace RESOLVE_IN_ROOT: it needs no
 * privilege and no recent kernel, and it works the same on a fixture tree.
 */
#include "hostfs.h"

#include "../common/buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes rootfs + hostpath into out ("/" root adds nothing). 0, or -1 ENAMETOOLONG. */
static int prefix_root(const char *rootfs, const char *hostpath, char *out, size_t outlen)
{
    const char *root = (strcmp(rootfs, "/") == 0) ? "" : rootfs;
    int n = snprintf(out, outlen, "%s%s", root, hostpath[0] ? hostpath : "/");
    if (n < 0 || (size_t)n >= outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* Resolves into the host view (no prefix). See hostfs_resolve. */
static int resolve_hostview(const char *rootfs, const char *path, int flags, char *out,
                            size_t outlen)
{
    char resolved[HOSTFS_PATH_MAX] = "";
    char remaining[HOSTFS_PATH_MAX];
    char real[HOSTFS_PATH_MAX];
    int links = 0;

    if (path == NULL || path[0] != '/') {
        errno = EINVAL;
        return -1;
    }
    if (strlen(path) >= sizeof(remaining)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(remaining, path, strlen(path) + 1);

    char *p = remaining;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        char *end = strchr(p, '/');
        size_t clen = end ? (size_t)(end - p) : strlen(p);
        char comp[HOSTFS_PATH_MAX];
        memcpy(comp, p, clen);
        comp[clen] = '\0';
        p += clen;
        int last = 1;
        for (const char *q = p; *q != '\0'; q++) {
            if (*q != '/') {
                last = 0;
                break;
            }
        }

        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            char *slash = strrchr(resolved, '/');
            if (slash != NULL)
                *slash = '\0';
            continue;
        }
        size_t rlen = strlen(resolved);
        if (rlen + 1 + clen >= sizeof(resolved)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        char candidate[HOSTFS_PATH_MAX];
        memcpy(candidate, resolved, rlen);
        candidate[rlen] = '/';
        memcpy(candidate + rlen + 1, comp, clen + 1);

        if (last && flags == HOSTFS_NOFOLLOW) {
            memcpy(resolved, candidate, strlen(candidate) + 1);
            break;
        }
        if (prefix_root(rootfs, candidate, real, sizeof(real)) != 0)
            return -1;
        struct stat st;
        if (lstat(real, &st) != 0)
            return -1;
        if (!S_ISLNK(st.st_mode)) {
            if (!last && !S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                return -1;
            }
            memcpy(resolved, candidate, strlen(candidate) + 1);
            continue;
        }
        if (++links > HOSTFS_SYMLINK_MAX) {
            errno = ELOOP;
            return -1;
        }
        char target[HOSTFS_PATH_MAX];
        ssize_t tl = readlink(real, target, sizeof(target) - 1);
        if (tl < 0)
            return -1;
        if (tl == 0) {
            errno = ENOENT;
            return -1;
        }
        target[tl] = '\0';
        /* New remaining = target + rest; an absolute target restarts at the root. */
        char next[HOSTFS_PATH_MAX];
        int n = snprintf(next, sizeof(next), "%s%s", target, p);
        if (n < 0 || (size_t)n >= sizeof(next)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (target[0] == '/')
            resolved[0] = '\0';
        memcpy(remaining, next, (size_t)n + 1);
        p = remaining;
    }
    int n = snprintf(out, outlen, "%s", resolved[0] ? resolved : "/");
    if (n < 0 || (size_t)n >= outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int hostfs_canonical(const char *rootfs, const char *path, char *out, size_t outlen)
{
    return resolve_hostview(rootfs, path, HOSTFS_FOLLOW, out, outlen);
}

int hostfs_resolve(const char *rootfs, const char *path, int flags, char *out, size_t outlen)
{
    char view[HOSTFS_PATH_MAX];
    if (resolve_hostview(rootfs, path, flags, view, sizeof(view)) != 0)
        return -1;
    return prefix_root(rootfs, view, out, outlen);
}

int hostfs_stat(const char *rootfs, const char *path, int flags, struct stat *st)
{
    char real[HOSTFS_PATH_MAX];
    if (hostfs_resolve(rootfs, path, flags, real, sizeof(real)) != 0)
        return -1;
    return flags == HOSTFS_NOFOLLOW ? lstat(real, st) : stat(real, st);
}

/* Reads the regular file open on fd (closed here) into out, capped at max. */
static int read_fd(int fd, size_t max, struct buf *out)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    buf_reset(out);
    out->max = max;
    char chunk[8192];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        int rc = buf_append(out, chunk, (size_t)r);
        if (rc != BUF_OK) {
            close(fd);
            errno = rc == BUF_TOOBIG ? EFBIG : ENOMEM;
            return -1;
        }
    }
    close(fd);
    if (out->data == NULL && buf_append(out, "", 0) != BUF_OK) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int hostfs_read_file(const char *rootfs, const char *path, size_t max, struct buf *out)
{
    char real[HOSTFS_PATH_MAX];
    if (hostfs_resolve(rootfs, path, HOSTFS_FOLLOW, real, sizeof(real)) != 0)
        return -1;
    int fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    return read_fd(fd, max, out);
}

int hostfs_open_dir(const char *rootfs, const char *path)
{
    char real[HOSTFS_PATH_MAX];
    if (hostfs_resolve(rootfs, path, HOSTFS_FOLLOW, real, sizeof(real)) != 0)
        return -1;
    return open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int hostfs_read_file_at(int dirfd, const char *rel, size_t max, struct buf *out)
{
    if (rel[0] == '/' || strstr(rel, "..") != NULL) {
        errno = EINVAL;
        return -1;
    }
    int fd = openat(dirfd, rel, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    return read_fd(fd, max, out);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void hostfs_free_names(char **names, int n)
{
    if (names == NULL)
        return;
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Lists a directory's names; with dirs_only, only subdirectories (not links to them). */
static int list_dir(const char *rootfs, const char *path, size_t max, int dirs_only,
                    char ***names_out)
{
    char real[HOSTFS_PATH_MAX];
    *names_out = NULL;
    if (hostfs_resolve(rootfs, path, HOSTFS_FOLLOW, real, sizeof(real)) != 0)
        return -1;
    DIR *d = opendir(real);
    if (d == NULL)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (dirs_only) {
            unsigned char type = de->d_type;
            if (type == DT_UNKNOWN) { /* some filesystems do not fill d_type */
                struct stat st;
                type = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                               S_ISDIR(st.st_mode)
                           ? DT_DIR
                           : DT_REG;
            }
            if (type != DT_DIR)
                continue;
        }
        if (n >= max)
            break;
        if (array_grow(&names, n, &cap, sizeof(*names), 16) != 0)
            goto nomem;
        names[n] = strdup(de->d_name);
        if (names[n] == NULL)
            goto nomem;
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_names);
    *names_out = names;
    return (int)n;
nomem:
    closedir(d);
    hostfs_free_names(names, (int)n);
    errno = ENOMEM;
    return -1;
}

int hostfs_list_dir(const char *rootfs, const char *path, size_t max, char ***names_out)
{
    return list_dir(rootfs, path, max, 0, names_out);
}

int hostfs_list_subdirs(const char *rootfs, const char *path, size_t max, char ***names_out)
{
    return list_dir(rootfs, path, max, 1, names_out);
}

int hostfs_join(const char *dir, const char *name, char *out, size_t outlen)
{
    size_t dl = strlen(dir);
    int n = snprintf(out, outlen, "%s%s%s", dir, (dl > 0 && dir[dl - 1] == '/') ? "" : "/", name);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    return 0;
}
