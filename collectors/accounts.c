/*
 * accounts.c - the audited host's users and groups from <rootfs>/etc/passwd
 * and <rootfs>/etc/group; see accounts.h.
 *
 * The files are read through hostfs (bounded by ACCOUNTS_FILE_MAX, regular
 * files only) and parsed here rather than through NSS, which would describe
 * the machine the agent runs on. Parsing follows glibc's files backend where
 * it matters for an audit (which lines are entries at all):
 *   - blank lines, '#' comments and NIS compat lines ("+...", "-...") are
 *     skipped;
 *   - a NUL byte ends its line only (glibc reads line by line, so text after
 *     a NUL on the same line is ignored, and the next line still counts);
 *   - a line whose name is empty or whose uid/gid is not a plain decimal
 *     number in range is malformed and skipped, never guessed at.
 * Every table grows with the file, and the file is capped at
 * ACCOUNTS_FILE_MAX when it is read, which bounds the tables too.
 */
#include "accounts.h"

#include "hostfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSWD_PATH "/etc/passwd"
#define GROUP_PATH  "/etc/group"

/* Most ':'-separated fields a line may have; more means malformed. */
#define LINE_FIELDS_MAX 8

/*
 * Whether a table holding `n` entries is full. Tables have no capacity
 * field, so their capacity is implied by their length: 16, then doubled
 * each time the length reaches a power of two from 16 on.
 */
static int table_full(size_t n)
{
    return n == 0 || (n >= 16 && (n & (n - 1)) == 0);
}

static size_t table_grown(size_t n)
{
    return n == 0 ? 16 : n * 2;
}

int accounts_parse_id(const char *s, unsigned long *out)
{
    if (s[0] < '0' || s[0] > '9')
        return -1;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return -1;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > 0xfffffffeUL)
        return -1;
    *out = v;
    return 0;
}

/*
 * Splits `line` (modified in place) at ':' into at most LINE_FIELDS_MAX
 * fields. Returns the field count, or -1 when there are more.
 */
static int split_fields(char *line, char **fields)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == LINE_FIELDS_MAX)
            return -1;
        fields[n++] = p;
        char *colon = strchr(p, ':');
        if (colon == NULL)
            break;
        *colon = '\0';
        p = colon + 1;
    }
    return n;
}

/* Whether a line carries no entry: blank, a comment, or a NIS compat line. */
static int line_is_ignored(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '\0' || *line == '#' || *line == '+' || *line == '-';
}

/*
 * Calls `fn` for each line of text[0..len), copied into a NUL-terminated
 * scratch string it may modify, cut at its first NUL byte and without a
 * trailing "\r". Returns 0, or -1 when `fn` fails or memory runs out.
 */
static int for_each_line(const char *text, size_t len, struct account_db *db,
                         int (*fn)(struct account_db *db, char *line))
{
    size_t pos = 0;
    while (pos < len) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - start) : len - pos;
        pos += llen + (nl ? 1 : 0);

        const char *nul = memchr(start, '\0', llen);
        if (nul != NULL)
            llen = (size_t)(nul - start);
        if (llen > 0 && start[llen - 1] == '\r')
            llen--;
        char *line = malloc(llen + 1);
        if (line == NULL)
            return -1;
        memcpy(line, start, llen);
        line[llen] = '\0';
        int rc = line_is_ignored(line) ? 0 : fn(db, line);
        free(line);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* One /etc/passwd line: name:password:uid:gid[:gecos:home:shell]. 0, or -1 no memory. */
static int add_passwd_line(struct account_db *db, char *line)
{
    char *f[LINE_FIELDS_MAX];
    int nf = split_fields(line, f);
    unsigned long uid, gid;
    if (nf < 4 || nf > 7 || f[0][0] == '\0' || accounts_parse_id(f[2], &uid) != 0 ||
        accounts_parse_id(f[3], &gid) != 0)
        return 0; /* malformed: skipped */

    if (table_full(db->n_users)) {
        struct account_user *grown = realloc(db->users, table_grown(db->n_users) * sizeof(*grown));
        if (grown == NULL)
            return -1;
        db->users = grown;
    }
    struct account_user *u = &db->users[db->n_users];
    u->name = strdup(f[0]);
    if (u->name == NULL)
        return -1;
    u->uid = (uid_t)uid;
    u->gid = (gid_t)gid;
    db->n_users++;
    return 0;
}

static void free_members(char **members, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(members[i]);
    free(members);
}

/*
 * Splits a member list "a,b , c" into malloc'd names (blanks around names
 * dropped, empty entries skipped). Returns 0, or -1 on no memory.
 */
static int split_members(const char *list, char ***out, size_t *n_out)
{
    char **members = NULL;
    size_t n = 0;
    const char *p = list;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *s = p;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        const char *e = end;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > s) {
            if (table_full(n)) {
                char **nm = realloc(members, table_grown(n) * sizeof(*nm));
                if (nm == NULL)
                    goto nomem;
                members = nm;
            }
            members[n] = strndup(s, (size_t)(e - s));
            if (members[n] == NULL)
                goto nomem;
            n++;
        }
        p = comma ? comma + 1 : end;
    }
    *out = members;
    *n_out = n;
    return 0;
nomem:
    free_members(members, n);
    return -1;
}

/* One /etc/group line: name:password:gid[:member,...]. 0, or -1 no memory. */
static int add_group_line(struct account_db *db, char *line)
{
    char *f[LINE_FIELDS_MAX];
    int nf = split_fields(line, f);
    unsigned long gid;
    if (nf < 3 || nf > 4 || f[0][0] == '\0' || accounts_parse_id(f[2], &gid) != 0)
        return 0; /* malformed: skipped */

    if (table_full(db->n_groups)) {
        struct account_group *grown =
            realloc(db->groups, table_grown(db->n_groups) * sizeof(*grown));
        if (grown == NULL)
            return -1;
        db->groups = grown;
    }
    struct account_group *g = &db->groups[db->n_groups];
    g->members = NULL;
    g->n_members = 0;
    g->gid = (gid_t)gid;
    g->name = strdup(f[0]);
    if (g->name == NULL)
        return -1;
    if (nf == 4 && split_members(f[3], &g->members, &g->n_members) != 0) {
        free(g->name);
        return -1;
    }
    db->n_groups++;
    return 0;
}

int accounts_parse_passwd(struct account_db *db, const char *text)
{
    db->have_passwd = 1;
    return for_each_line(text, strlen(text), db, add_passwd_line);
}

int accounts_parse_group(struct account_db *db, const char *text)
{
    db->have_group = 1;
    return for_each_line(text, strlen(text), db, add_group_line);
}

void accounts_free(struct account_db *db)
{
    for (size_t i = 0; i < db->n_users; i++)
        free(db->users[i].name);
    free(db->users);
    for (size_t i = 0; i < db->n_groups; i++) {
        free(db->groups[i].name);
        free_members(db->groups[i].members, db->groups[i].n_members);
    }
    free(db->groups);
    memset(db, 0, sizeof(*db));
}

/*
 * Reads one account file into `text`. Returns 1 when read, 0 when it does
 * not exist, -1 with err filled when it exists but cannot be read.
 */
static int read_account_file(const char *rootfs, const char *path, struct buf *text, char *err,
                             size_t errlen)
{
    if (hostfs_read_file(rootfs, path, ACCOUNTS_FILE_MAX, text) == 0)
        return 1;
    if (errno == ENOENT)
        return 0;
    if (errno == EFBIG)
        snprintf(err, errlen, "%s: larger than %d bytes", path, ACCOUNTS_FILE_MAX);
    else if (errno == EINVAL)
        snprintf(err, errlen, "%s: not a regular file", path);
    else
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
}

int accounts_load(const char *rootfs, struct account_db *db, char *err, size_t errlen)
{
    memset(db, 0, sizeof(*db));
    struct buf text;
    buf_init(&text, ACCOUNTS_FILE_MAX);

    int rc = read_account_file(rootfs, PASSWD_PATH, &text, err, errlen);
    if (rc < 0)
        goto fail;
    if (rc == 1) {
        db->have_passwd = 1;
        if (for_each_line(text.data, text.len, db, add_passwd_line) != 0) {
            snprintf(err, errlen, "%s: out of memory", PASSWD_PATH);
            goto fail;
        }
    }

    rc = read_account_file(rootfs, GROUP_PATH, &text, err, errlen);
    if (rc < 0)
        goto fail;
    if (rc == 1) {
        db->have_group = 1;
        if (for_each_line(text.data, text.len, db, add_group_line) != 0) {
            snprintf(err, errlen, "%s: out of memory", GROUP_PATH);
            goto fail;
        }
    }
    buf_free(&text);
    return 0;
fail:
    buf_free(&text);
    accounts_free(db);
    return -1;
}

const struct account_user *accounts_user_by_uid(const struct account_db *db, uid_t uid)
{
    for (size_t i = 0; i < db->n_users; i++) {
        if (db->users[i].uid == uid)
            return &db->users[i];
    }
    return NULL;
}

const struct account_user *accounts_user_by_name(const struct account_db *db, const char *name)
{
    for (size_t i = 0; i < db->n_users; i++) {
        if (strcmp(db->users[i].name, name) == 0)
            return &db->users[i];
    }
    return NULL;
}

const struct account_group *accounts_group_by_gid(const struct account_db *db, gid_t gid)
{
    for (size_t i = 0; i < db->n_groups; i++) {
        if (db->groups[i].gid == gid)
            return &db->groups[i];
    }
    return NULL;
}

const struct account_group *accounts_group_by_name(const struct account_db *db, const char *name)
{
    for (size_t i = 0; i < db->n_groups; i++) {
        if (strcmp(db->groups[i].name, name) == 0)
            return &db->groups[i];
    }
    return NULL;
}

/* Writes `name` when known, else the number; returns out. Cut to outlen. */
static const char *id_label(const char *name, unsigned long id, char *out, size_t outlen)
{
    if (outlen == 0)
        return out;
    int n = name ? snprintf(out, outlen, "%s", name) : snprintf(out, outlen, "%lu", id);
    if (n < 0)
        out[0] = '\0';
    return out;
}

const char *accounts_user_label(const struct account_db *db, uid_t uid, char *out, size_t outlen)
{
    const struct account_user *u = accounts_user_by_uid(db, uid);
    return id_label(u ? u->name : NULL, (unsigned long)uid, out, outlen);
}

const char *accounts_group_label(const struct account_db *db, gid_t gid, char *out, size_t outlen)
{
    const struct account_group *g = accounts_group_by_gid(db, gid);
    return id_label(g ? g->name : NULL, (unsigned long)gid, out, outlen);
}
