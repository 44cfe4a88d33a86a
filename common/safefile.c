/*
 * safefile.c - see safefile.h. fstat on the open descriptor, so what is
 * checked is what is read (no window between a stat and an open).
 */
#include "safefile.h"

#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int safefile_check_fd(int fd, const char *path, const char *what, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat the %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "the %s %s is not a regular file", what, path);
        return -1;
    }
    if (st.st_mode & S_IWOTH) {
        snprintf(err, errlen,
                 "the %s %s is writable by other users (mode %04o); any local user could "
                 "change it: run chmod o-w %s",
                 what, path, (unsigned)(st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

int safefile_read(const char *path, const char *what, int check_mode, size_t max, char **out,
                  size_t *len, char *err, size_t errlen)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (check_mode) {
        struct stat st;
        if (safefile_check_fd(fd, path, what, err, errlen) != 0) {
            close(fd);
            return -1;
        }
        if (check_mode == SAFEFILE_PRIVATE && fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
            snprintf(err, errlen,
                     "the %s %s is readable by other users (mode %04o): run chmod 600 %s", what,
                     path, (unsigned)(st.st_mode & 07777), path);
            close(fd);
            return -1;
        }
    } else {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "the %s %s is not a regular file", what, path);
            close(fd);
            return -1;
        }
    }
    struct buf b;
    buf_init(&b, max);
    char chunk[4096];
    int rc = -1;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read the %s %s: %s", what, path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        int a = buf_append(&b, chunk, (size_t)n);
        if (a == BUF_TOOBIG) {
            snprintf(err, errlen, "the %s %s is larger than %zu bytes", what, path, max);
            goto out;
        }
        if (a != BUF_OK) {
            snprintf(err, errlen, "out of memory reading the %s %s", what, path);
            goto out;
        }
    }
    *out = buf_steal(&b, len);
    if (*out == NULL) {
        snprintf(err, errlen, "out of memory reading the %s %s", what, path);
        goto out;
    }
    rc = 0;
out:
    explicit_bzero(chunk, sizeof(chunk));
    if (b.data != NULL)
        explicit_bzero(b.data, b.len);
    buf_free(&b);
    close(fd);
    return rc;
}

void safefile_secret_free(char *secret)
{
    if (secret != NULL)
        explicit_bzero(secret, strlen(secret));
    free(secret);
}
