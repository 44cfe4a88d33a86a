/*
 * accounts.h - the host's users and groups, read from <rootfs>/etc/passwd
 * and <rootfs>/etc/group (never through NSS, which would answer for the
 * machine the agent runs on, not the audited host).
 *
 * An account_db is loaded once per collection by the collector that needs
 * it, owned by that collector run, and freed with accounts_free.
 */
#ifndef DOCKWARD_ACCOUNTS_H
#define DOCKWARD_ACCOUNTS_H

#include <stddef.h>
#include <sys/types.h>

#define ACCOUNTS_FILE_MAX (4 * 1024 * 1024) /* cap on /etc/passwd and /etc/group */

struct account_user {
    char *name;
    uid_t uid;
    gid_t gid; /* primary group */
};

struct account_group {
    char *name;
    gid_t gid;
    char **members; /* supplementary members as listed in /etc/group */
    size_t n_members;
};

struct account_db {
    struct account_user *users;
    size_t n_users;
    struct account_group *groups;
    size_t n_groups;
    int have_passwd; /* 0 when /etc/passwd was missing */
    int have_group;  /* 0 when /etc/group was missing */
};

/*
 * Loads both files. A missing file leaves its table empty (have_* = 0); a
 * malformed line is skipped. Returns 0, or -1 with err filled when a file
 * exists but cannot be read or is over the cap.
 */
int accounts_load(const char *rootfs, struct account_db *db, char *err, size_t errlen);
void accounts_free(struct account_db *db);

/* Parsers on in-memory text, exposed for tests. Return 0 or -1 (no memory). */
int accounts_parse_passwd(struct account_db *db, const char *text);
int accounts_parse_group(struct account_db *db, const char *text);

/*
 * Parses a uid or gid as passwd, group and dockerd take it: decimal digits
 * only (no sign, no blanks), at most 2^32 - 2 ((uid_t)-1 means "no id" to
 * the kernel). Returns 0 with *out set, or -1.
 */
int accounts_parse_id(const char *s, unsigned long *out);

const struct account_user *accounts_user_by_uid(const struct account_db *db, uid_t uid);
const struct account_user *accounts_user_by_name(const struct account_db *db, const char *name);
const struct account_group *accounts_group_by_gid(const struct account_db *db, gid_t gid);
const struct account_group *accounts_group_by_name(const struct account_db *db, const char *name);

/* "name" for a known uid/gid, else the number as text. Writes into out. */
const char *accounts_user_label(const struct account_db *db, uid_t uid, char *out, size_t outlen);
const char *accounts_group_label(const struct account_db *db, gid_t gid, char *out, size_t outlen);

#endif
