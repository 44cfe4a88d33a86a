/*
 * privdrop.c - see privdrop.h.
 *
 * The order is the one that leaves no way back: supplementary groups first
 * (initgroups needs root), then all three gids, then all three uids (after
 * setresuid nothing can change groups any more). Setting the saved ids too
 * is what makes the drop permanent: with setuid() alone, a saved uid 0
 * would let seteuid(0) bring root back. The kernel clears the permitted and
 * effective capabilities when every uid leaves 0; the verification checks
 * that it did, rather than trusting it.
 *
 * no_new_privs is set as well: the agent never executes anything, so a
 * set-uid binary or file capability can never be a way back either.
 */
#include "privdrop.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PASSWD_BUF_MAX 16384 /* getpw*_r scratch: one entry of the password database */
#define STATUS_MAX     8192  /* /proc/self/status is ~1.5 KiB */

/* A decimal uid, or -1 when `s` is not all digits (then it is a name). */
static long parse_uid(const char *s)
{
    if (s[0] < '0' || s[0] > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v >= 0xffffffffUL)
        return -1;
    return (long)v;
}

int privdrop_prepare(const char *spec, struct privdrop_user *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof(*u));
    uid_t euid = geteuid();
    if (euid != 0) {
        snprintf(err, errlen, "--run-as-user needs root to start (running as uid %u)",
                 (unsigned)euid);
        return -1;
    }
    struct passwd pw, *res = NULL;
    char buf[PASSWD_BUF_MAX];
    long num = parse_uid(spec);
    int rc = num >= 0 ? getpwuid_r((uid_t)num, &pw, buf, sizeof(buf), &res)
                      : getpwnam_r(spec, &pw, buf, sizeof(buf), &res);
    if (rc != 0) {
        snprintf(err, errlen, "--run-as-user: cannot look up \"%s\": %s", spec, strerror(rc));
        return -1;
    }
    if (res == NULL) {
        snprintf(err, errlen,
                 num >= 0 ? "--run-as-user: uid %s has no entry in the password database"
                          : "--run-as-user: no user \"%s\" in the password database",
                 spec);
        return -1;
    }
    if (pw.pw_uid == 0) {
        snprintf(err, errlen,
                 "--run-as-user: \"%s\" is root (uid 0): give an unprivileged user, e.g. one "
                 "in the docker group",
                 spec);
        return -1;
    }
    size_t nl = strlen(pw.pw_name);
    if (nl >= sizeof(u->name)) {
        snprintf(err, errlen, "--run-as-user: user name too long");
        return -1;
    }
    memcpy(u->name, pw.pw_name, nl + 1);
    u->uid = pw.pw_uid;
    u->gid = pw.pw_gid;
    int ng = PRIVDROP_GROUPS_MAX;
    if (getgrouplist(u->name, u->gid, u->groups, &ng) < 0) {
        snprintf(err, errlen, "--run-as-user: %s is in more than %d groups", u->name,
                 PRIVDROP_GROUPS_MAX);
        return -1;
    }
    u->n_groups = (size_t)ng;
    return 0;
}

static bool has_gid(const gid_t *list, size_t n, gid_t g)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == g)
            return true;
    }
    return false;
}

/* Whether two gid lists hold the same set (the kernel sorts; getgrouplist does not). */
static bool same_groups(const gid_t *a, size_t na, const gid_t *b, size_t nb)
{
    for (size_t i = 0; i < na; i++) {
        if (!has_gid(b, nb, a[i]))
            return false;
    }
    for (size_t i = 0; i < nb; i++) {
        if (!has_gid(a, na, b[i]))
            return false;
    }
    return true;
}

/* The value after "Key:" in /proc/self/status (NULL when absent), up to the newline. */
static const char *status_field(const char *status, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = status; p != NULL && *p != '\0';) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':')
            return p + kl + 1;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return NULL;
}

/* Parses up to `max` numbers (base 10 or 16) from a status field; returns the count or -1. */
static int status_numbers(const char *field, int base, unsigned long long *out, int max)
{
    int n = 0;
    const char *p = field;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\n' || *p == '\0')
            return n;
        if (n == max)
            return -1;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, base);
        if (errno != 0 || end == p)
            return -1;
        out[n++] = v;
        p = end;
    }
}

/* Reads /proc/self/status into buf (NUL-terminated). 0 or -1 with err. */
static int read_status(char *buf, size_t len, char *err, size_t errlen)
{
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read /proc/self/status: %s", strerror(errno));
        return -1;
    }
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fd, buf + used, len - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read /proc/self/status: %s", strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0 || used + (size_t)n >= len - 1) {
            used += (size_t)n;
            break;
        }
        used += (size_t)n;
    }
    close(fd);
    buf[used] = '\0';
    return 0;
}

/* The kernel's view of the drop: every id, the groups and the capabilities. */
static int verify_status(const struct privdrop_user *u, char *err, size_t errlen)
{
    char status[STATUS_MAX];
    if (read_status(status, sizeof(status), err, errlen) != 0)
        return -1;
    static const struct {
        const char *key;
        bool is_uid;
    } ids[] = { { "Uid", true }, { "Gid", false } };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        unsigned long long v[4];
        const char *f = status_field(status, ids[i].key);
        unsigned long long want = ids[i].is_uid ? u->uid : u->gid;
        if (f == NULL || status_numbers(f, 10, v, 4) != 4 || v[0] != want || v[1] != want ||
            v[2] != want || v[3] != want) {
            snprintf(err, errlen,
                     "/proc/self/status does not show %s %llu in its four %s fields (real, "
                     "effective, saved, filesystem)",
                     ids[i].key, want, ids[i].key);
            return -1;
        }
    }
    unsigned long long g[PRIVDROP_GROUPS_MAX];
    const char *f = status_field(status, "Groups");
    int ng = f != NULL ? status_numbers(f, 10, g, PRIVDROP_GROUPS_MAX) : -1;
    gid_t kg[PRIVDROP_GROUPS_MAX];
    for (int i = 0; i < ng; i++)
        kg[i] = (gid_t)g[i];
    if (ng < 0 || !same_groups(kg, (size_t)ng, u->groups, u->n_groups)) {
        snprintf(err, errlen, "/proc/self/status shows other supplementary groups than %s's",
                 u->name);
        return -1;
    }
    static const char *const caps[] = { "CapInh", "CapPrm", "CapEff", "CapAmb" };
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        unsigned long long v[1];
        f = status_field(status, caps[i]);
        /* CapAmb is missing on kernels before 4.3: nothing to keep there. */
        if (f == NULL && strcmp(caps[i], "CapAmb") == 0)
            continue;
        if (f == NULL || status_numbers(f, 16, v, 1) != 1 || v[0] != 0) {
            snprintf(err, errlen, "/proc/self/status shows capabilities left in %s", caps[i]);
            return -1;
        }
    }
    return 0;
}

int privdrop_apply(const struct privdrop_user *u, char *err, size_t errlen)
{
    if (initgroups(u->name, u->gid) != 0) {
        snprintf(err, errlen, "initgroups(%s): %s", u->name, strerror(errno));
        return -1;
    }
    if (setresgid(u->gid, u->gid, u->gid) != 0) {
        snprintf(err, errlen, "setresgid(%u): %s", (unsigned)u->gid, strerror(errno));
        return -1;
    }
    if (setresuid(u->uid, u->uid, u->uid) != 0) {
        snprintf(err, errlen, "setresuid(%u): %s", (unsigned)u->uid, strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
        return -1;
    }

    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) != 0 || r != u->uid || e != u->uid || s != u->uid) {
        snprintf(err, errlen, "after the drop, getresuid does not give %u three times",
                 (unsigned)u->uid);
        return -1;
    }
    if (getresgid(&rg, &eg, &sg) != 0 || rg != u->gid || eg != u->gid || sg != u->gid) {
        snprintf(err, errlen, "after the drop, getresgid does not give %u three times",
                 (unsigned)u->gid);
        return -1;
    }
    /* The way back must be closed: both calls have to fail. */
    if (setuid(0) == 0 || setgid(0) == 0) {
        snprintf(err, errlen, "after the drop, setuid(0) or setgid(0) still succeeds");
        return -1;
    }
    return verify_status(u, err, errlen);
}
