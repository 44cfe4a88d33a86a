/*
 * fixture.c - manifest-driven host trees for tests; see fixture.h.
 */
#include "fixture.h"
#include "collectors/accounts.h"
#include "test_io.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef DOCKWARD_FIXTURES
#define DOCKWARD_FIXTURES "tests/fixtures"
#endif

const char *fixture_manifest_path(const char *name, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s/%s/manifest", DOCKWARD_FIXTURES, name);
    if (n < 0 || (size_t)n >= outlen)
        return NULL;
    return out;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    (void)n;
    va_end(ap);
}

/* mkdir -p of the parents of `path` (a real path), 0755. */
static int make_parents(const char *path)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return -1;
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

/* Decodes \n \t \0 \\ escapes in place; returns the decoded length. */
static size_t unescape(char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] == '\\' && s[i + 1] != '\0') {
            i++;
            switch (s[i]) {
            case 'n':
                s[o++] = '\n';
                break;
            case 't':
                s[o++] = '\t';
                break;
            case '0':
                s[o++] = '\0';
                break;
            default:
                s[o++] = s[i];
                break;
            }
        } else {
            s[o++] = s[i];
        }
    }
    return o;
}

size_t fixture_unescape(char *s)
{
    return unescape(s);
}

static int copy_file(const char *src, int dstfd)
{
    int sfd = open(src, O_RDONLY | O_CLOEXEC);
    if (sfd < 0)
        return -1;
    char chunk[8192];
    ssize_t r;
    while ((r = read(sfd, chunk, sizeof(chunk))) > 0) {
        if (test_write_all(dstfd, chunk, (size_t)r) != 0) {
            close(sfd);
            return -1;
        }
    }
    close(sfd);
    return r < 0 ? -1 : 0;
}

static int make_socket(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static int parse_mode(const char *s, mode_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 8);
    if (errno != 0 || *end != '\0' || v > 07777)
        return -1;
    *out = (mode_t)v;
    return 0;
}

static int fixture_apply(struct fixture *fx, const char *manifest, char *err, size_t errlen);

static int apply_line(struct fixture *fx, const char *mdir, char *line, char *err, size_t errlen)
{
    char *fields[6] = { 0 };
    int nf = 0;
    /* Split into at most 6 whitespace-separated fields; the 6th is the rest. */
    char *p = line;
    while (nf < 6 && *p != '\0') {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        if (nf == 5) {
            fields[nf++] = p;
            break;
        }
        fields[nf++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
        if (*p != '\0')
            *p++ = '\0';
    }
    if (nf < 2) {
        seterr(err, errlen, "too few fields");
        return -1;
    }
    const char *kind = fields[0];
    if (strcmp(kind, "include") == 0) {
        char inc[4096];
        int m = fields[1][0] == '/' ? snprintf(inc, sizeof(inc), "%s", fields[1])
                                    : snprintf(inc, sizeof(inc), "%s/%s", mdir, fields[1]);
        if (m < 0 || (size_t)m >= sizeof(inc))
            return -1;
        return fixture_apply(fx, inc, err, errlen);
    }
    char real[4096];
    int n = snprintf(real, sizeof(real), "%s%s", fx->root, fields[1]);
    if (n < 0 || (size_t)n >= sizeof(real) || fields[1][0] != '/') {
        seterr(err, errlen, "bad path %s", fields[1]);
        return -1;
    }
    if (make_parents(real) != 0) {
        seterr(err, errlen, "mkdir parents of %s: %s", real, strerror(errno));
        return -1;
    }

    if (strcmp(kind, "link") == 0) {
        if (nf < 3 || symlink(fields[2], real) != 0) {
            seterr(err, errlen, "symlink %s: %s", fields[1], strerror(errno));
            return -1;
        }
        return 0;
    }
    if (strcmp(kind, "tmpfs") == 0 || strcmp(kind, "bind") == 0) {
        if (fx->n_mounts >= FIXTURE_MAX_MOUNTS) {
            seterr(err, errlen, "too many mounts");
            return -1;
        }
        if (mkdir(real, 0755) != 0 && errno != EEXIST) {
            seterr(err, errlen, "mkdir %s: %s", real, strerror(errno));
            return -1;
        }
        int rc = strcmp(kind, "tmpfs") == 0 ? mount("fixture", real, "tmpfs", 0, "mode=0755")
                                            : mount(real, real, NULL, MS_BIND, NULL);
        if (rc != 0) {
            seterr(err, errlen, "mount %s %s: %s", kind, real, strerror(errno));
            return -1;
        }
        memcpy(fx->mounts[fx->n_mounts++], real, strlen(real) + 1);
        return 0;
    }

    mode_t mode;
    unsigned long uid, gid; /* the collectors' own id parser: decimal, at most 0xfffffffe */
    if (nf < 5 || parse_mode(fields[2], &mode) != 0 || accounts_parse_id(fields[3], &uid) != 0 ||
        accounts_parse_id(fields[4], &gid) != 0) {
        seterr(err, errlen, "%s %s: want MODE UID GID", kind, fields[1]);
        return -1;
    }
    if (strcmp(kind, "dir") == 0) {
        if (mkdir(real, 0700) != 0 && errno != EEXIST) {
            seterr(err, errlen, "mkdir %s: %s", real, strerror(errno));
            return -1;
        }
    } else if (strcmp(kind, "file") == 0) {
        int fd = open(real, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            seterr(err, errlen, "create %s: %s", real, strerror(errno));
            return -1;
        }
        int rc = 0;
        if (nf >= 6 && fields[5][0] == '@') {
            char src[4096];
            int m = snprintf(src, sizeof(src), "%s/%s", mdir, fields[5] + 1);
            rc = (m < 0 || (size_t)m >= sizeof(src)) ? -1 : copy_file(src, fd);
        } else if (nf >= 6 && fields[5][0] == '=') {
            size_t len = unescape(fields[5] + 1);
            rc = test_write_all(fd, fields[5] + 1, len);
        }
        close(fd);
        if (rc != 0) {
            seterr(err, errlen, "fill %s: %s", real, strerror(errno));
            return -1;
        }
    } else if (strcmp(kind, "sock") == 0) {
        if (make_socket(real) != 0) {
            seterr(err, errlen, "socket %s: %s", real, strerror(errno));
            return -1;
        }
    } else if (strcmp(kind, "fifo") == 0) {
        if (mkfifo(real, 0600) != 0) {
            seterr(err, errlen, "mkfifo %s: %s", real, strerror(errno));
            return -1;
        }
    } else {
        seterr(err, errlen, "unknown kind %s", kind);
        return -1;
    }
    if (lchown(real, (uid_t)uid, (gid_t)gid) != 0 || chmod(real, mode) != 0) {
        seterr(err, errlen, "chown/chmod %s: %s", real, strerror(errno));
        return -1;
    }
    return 0;
}

/* Applies every line of `manifest` to the tree (recursing on include). */
static int fixture_apply(struct fixture *fx, const char *manifest, char *err, size_t errlen)
{
    char mdir[4096];
    int n = snprintf(mdir, sizeof(mdir), "%s", manifest);
    if (n < 0 || (size_t)n >= sizeof(mdir)) {
        seterr(err, errlen, "manifest path too long");
        return -1;
    }
    char *slash = strrchr(mdir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        memcpy(mdir, ".", 2);

    FILE *f = fopen(manifest, "re");
    if (f == NULL) {
        seterr(err, errlen, "open %s: %s", manifest, strerror(errno));
        return -1;
    }
    char line[8192];
    int lineno = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || *s == '#')
            continue;
        char sub[1024];
        if (apply_line(fx, mdir, s, sub, sizeof(sub)) != 0) {
            seterr(err, errlen, "%s:%d: %s", manifest, lineno, sub);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

int fixture_build(struct fixture *fx, const char *manifest, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    memset(fx, 0, sizeof(*fx));
    int n = snprintf(fx->root, sizeof(fx->root), "%s/dockward-fixture-XXXXXX",
                     tmp && *tmp ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof(fx->root) || mkdtemp(fx->root) == NULL) {
        seterr(err, errlen, "mkdtemp: %s", strerror(errno));
        fx->root[0] = '\0';
        return -1;
    }
    if (chmod(fx->root, 0755) != 0 || fixture_apply(fx, manifest, err, errlen) != 0) {
        fixture_destroy(fx);
        return -1;
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0 && errno != ENOENT)
        fprintf(stderr, "fixture: remove %s: %s\n", path, strerror(errno));
    return 0;
}

void fixture_destroy(struct fixture *fx)
{
    for (int i = fx->n_mounts - 1; i >= 0; i--) {
        if (umount2(fx->mounts[i], MNT_DETACH) != 0)
            fprintf(stderr, "fixture: umount %s: %s\n", fx->mounts[i], strerror(errno));
    }
    fx->n_mounts = 0;
    if (fx->root[0] != '\0')
        nftw(fx->root, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    fx->root[0] = '\0';
}
