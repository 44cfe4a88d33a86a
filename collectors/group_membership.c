/*
 * group_membership.c - CIS 1.1.2: only trusted users may control the Docker
 * daemon.
 *
 * Whoever can open dockerd's unix socket is root on the host, and the socket
 * belongs to the group dockerd is told to use: `-G`/`--group` on its command
 * line or "group" in daemon.json, "docker" by default (read through
 * dockerd_config, so this agrees with file_permissions on what is in use).
 * Its members are the supplementary members listed in /etc/group AND every
 * user whose primary gid is that group's in /etc/passwd - the second kind
 * never shows in /etc/group, and is the one a quick `getent group docker`
 * misses.
 *
 * Each member is judged against --check.trusted-users: pass when listed,
 * fail when not, warn when no list is configured (a human must look). A
 * member with uid 0 already controls the host, so it passes either way.
 * When the membership cannot be known (no /etc/group, an unreadable file,
 * an unreadable daemon.json that may name another group) the result is an
 * error that says why, never a pass.
 */
#include "collector.h"

#include "accounts.h"
#include "dockerd_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_TRUSTED_USERS "check.trusted-users"
#define DEFAULT_GROUP     "docker"
#define TRUSTED_NAME_MAX  256  /* longest name accepted in --check.trusted-users */
#define TRUSTED_USERS_MAX 1024 /* most names accepted in --check.trusted-users */

/* The rows of catalog.txt, written into the build tree by catalog_gen. */
static const struct check_def group_membership_checks[] = {
#include "catalog/group_membership.inc"
};

/* Whether c may appear in a user name: the portable set plus '@' (sssd). */
static int name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '@';
}

/*
 * Finds the next name of a comma-separated list from *p: sets *start and
 * *len (blanks around it dropped) and moves *p past its comma. Returns 0 at
 * the end of the list, else 1.
 */
static int next_list_name(const char **p, const char **start, size_t *len)
{
    if (**p == '\0')
        return 0;
    const char *s = *p;
    const char *comma = strchr(s, ',');
    const char *end = comma ? comma : s + strlen(s);
    *p = comma ? comma + 1 : end;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *start = s;
    *len = (size_t)(end - s);
    return 1;
}

/*
 * Validator of --check.trusted-users: user names separated by commas, blanks
 * around them allowed. An empty value is a valid, empty list (nobody is
 * trusted). Returns 0, or -1 with err filled.
 */
static int validate_trusted_users(const char *value, char *err, size_t errlen)
{
    const char *p = value;
    const char *name;
    size_t len, count = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return 0;
    size_t vlen = strlen(p);
    while (vlen > 0 && (p[vlen - 1] == ' ' || p[vlen - 1] == '\t'))
        vlen--;
    if (p[vlen - 1] == ',') {
        snprintf(err, errlen, "empty user name in the list");
        return -1;
    }
    while (next_list_name(&p, &name, &len)) {
        if (++count > TRUSTED_USERS_MAX) {
            snprintf(err, errlen, "more than %d user names", TRUSTED_USERS_MAX);
            return -1;
        }
        if (len == 0) {
            snprintf(err, errlen, "empty user name in the list");
            return -1;
        }
        if (len > TRUSTED_NAME_MAX) {
            snprintf(err, errlen, "user name longer than %d characters", TRUSTED_NAME_MAX);
            return -1;
        }
        if (name[0] == '-') {
            snprintf(err, errlen, "user name \"%.*s\" starts with '-'", (int)len, name);
            return -1;
        }
        for (size_t i = 0; i < len; i++) {
            /* A trailing '$' marks a Samba machine account. */
            if (!name_char_ok(name[i]) && !(name[i] == '$' && i == len - 1)) {
                snprintf(err, errlen, "invalid character in user name \"%.*s\"", (int)len, name);
                return -1;
            }
        }
    }
    return 0;
}

static const struct collector_option group_membership_options[] = {
    {
        .name = OPT_TRUSTED_USERS,
        .metavar = "USER,...",
        .def = NULL,
        .help = "Users allowed in the group that owns the Docker socket (CIS 1.1.2); "
                "unset: members are reported as warnings",
        .validate = validate_trusted_users,
    },
};

/* Whether `user` is in the comma-separated list. */
static int list_has(const char *list, const char *user)
{
    const char *p = list;
    const char *name;
    size_t len;
    size_t ulen = strlen(user);
    while (next_list_name(&p, &name, &len)) {
        if (len == ulen && memcmp(name, user, len) == 0)
            return 1;
    }
    return 0;
}

/* One member of the socket's group, and how they are one. */
struct member {
    const char *name; /* owned by the account_db */
    int supplementary;
    int primary;
};

/* Finds `name` in members[0..n), or NULL. */
static struct member *find_member(struct member *members, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(members[i].name, name) == 0)
            return &members[i];
    }
    return NULL;
}

static const char *member_kind(const struct member *m)
{
    if (m->primary && m->supplementary)
        return "primary group and supplementary";
    return m->primary ? "primary group" : "supplementary";
}

/* Judges one member; returns sink_add's result. */
static int judge_member(struct result_sink *sink, const struct account_db *db,
                        const struct member *m, const char *group, const char *trusted)
{
    char target[RESULT_TARGET_BUILD_MAX]; /* the sink shortens it, keeping it unique */
    snprintf(target, sizeof(target), "user/%s", m->name);
    const struct account_user *u = accounts_user_by_name(db, m->name);
    const char *unknown = (u == NULL && db->have_passwd) ? "; no such user in /etc/passwd" : "";
    const char *kind = member_kind(m);

    if (u != NULL && u->uid == 0)
        return sink_add(sink, "1.1.2", target, CHECK_PASS,
                        "member of %s (%s), uid 0: already controls the host", group, kind);
    if (trusted == NULL)
        return sink_add(sink, "1.1.2", target, CHECK_WARN,
                        "member of %s (%s); no --check.trusted-users configured%s", group, kind,
                        unknown);
    if (list_has(trusted, m->name))
        return sink_add(sink, "1.1.2", target, CHECK_PASS, "member of %s (%s), trusted%s", group,
                        kind, unknown);
    return sink_add(sink, "1.1.2", target, CHECK_FAIL,
                    "member of %s (%s), not in --check.trusted-users%s", group, kind, unknown);
}

/*
 * Judges the members of `group_setting` in db. Returns 0, or -1 when a
 * result could not be added (no memory, or the cap) with err filled.
 */
static int judge_group(struct result_sink *sink, const struct account_db *db,
                       const char *group_setting, const char *trusted, char *err, size_t errlen)
{
    const struct account_group *g = accounts_group_by_name(db, group_setting);
    gid_t gid = 0;
    int have_gid = 0;
    if (g != NULL) {
        gid = g->gid;
        have_gid = 1;
    } else {
        /* dockerd falls back to a numeric gid when no group has that name. */
        unsigned long id;
        if (accounts_parse_id(group_setting, &id) == 0) {
            gid = (gid_t)id;
            have_gid = 1;
            g = accounts_group_by_gid(db, gid);
        }
    }
    const char *group = g != NULL ? g->name : group_setting;
    if (!have_gid) {
        /* dockerd cannot chown the socket to a group that does not exist. */
        int rc = sink_add(sink, "1.1.2", "host", CHECK_PASS,
                          "no group %s: only root can reach the socket", group);
        return collect_sink_rc(sink, rc, err, errlen);
    }

    /* Members: the supplementary ones in file order, then primary-only ones. */
    size_t cap = (g != NULL ? g->n_members : 0) + db->n_users;
    struct member *members = NULL;
    size_t n = 0;
    if (cap > 0) {
        members = calloc(cap, sizeof(*members));
        if (members == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    for (size_t i = 0; g != NULL && i < g->n_members; i++) {
        struct member *m = find_member(members, n, g->members[i]);
        if (m == NULL) {
            m = &members[n++];
            m->name = g->members[i];
        }
        m->supplementary = 1;
    }
    for (size_t i = 0; i < db->n_users; i++) {
        if (db->users[i].gid != gid)
            continue;
        struct member *m = find_member(members, n, db->users[i].name);
        if (m == NULL) {
            m = &members[n++];
            m->name = db->users[i].name;
        }
        m->primary = 1;
    }

    int rc = 0;
    if (!db->have_passwd)
        rc = sink_add(sink, "1.1.2", "host", CHECK_ERROR,
                      "/etc/passwd not found: users whose primary group is %s cannot be seen",
                      group);
    else if (n == 0)
        rc = sink_add(sink, "1.1.2", "host", CHECK_PASS, "group %s has no members", group);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = judge_member(sink, db, &members[i], group, trusted);
    free(members);
    return collect_sink_rc(sink, rc, err, errlen);
}

static int group_membership_collect(const struct collect_ctx *ctx, struct result_sink *sink,
                                    char *err, size_t errlen)
{
    struct dockerd_config cfg;
    if (dockerd_config_load_ctx(ctx, &cfg, err, errlen) != 0)
        return -1;

    char group_setting[RESULT_TARGET_MAX];
    const char *g = dockerd_config_value(&cfg, "group");
    int json_unknown =
        cfg.json_state == DOCKERD_JSON_INVALID || cfg.json_state == DOCKERD_JSON_UNREADABLE;
    int cmdline_group = 0;
    for (size_t i = 0; i < cfg.n_opts; i++) {
        if (strcmp(cfg.opts[i].name, "group") == 0)
            cmdline_group = 1;
    }
    if (!cmdline_group && json_unknown) {
        /* daemon.json could name another group; judging "docker" could pass wrongly. */
        int rc = sink_add(sink, "1.1.2", "host", CHECK_ERROR,
                          "cannot tell which group owns the socket: %s: %s", cfg.config_file,
                          cfg.config_error);
        dockerd_config_free(&cfg);
        return collect_sink_rc(sink, rc, err, errlen);
    }
    snprintf(group_setting, sizeof(group_setting), "%s", g != NULL ? g : DEFAULT_GROUP);
    dockerd_config_free(&cfg);

    if (group_setting[0] == '\0') {
        /* dockerd -G "": the socket keeps its creator's group, root. */
        int rc = sink_add(sink, "1.1.2", "host", CHECK_PASS,
                          "dockerd's socket group is set empty: the socket stays root's");
        return collect_sink_rc(sink, rc, err, errlen);
    }

    struct account_db db;
    char why[512];
    if (accounts_load(ctx->rootfs, &db, why, sizeof(why)) != 0) {
        int rc = sink_add(sink, "1.1.2", "host", CHECK_ERROR, "cannot read the members of %s: %s",
                          group_setting, why);
        return collect_sink_rc(sink, rc, err, errlen);
    }
    int rc = 0;
    if (!db.have_group) {
        rc = sink_add(sink, "1.1.2", "host", CHECK_ERROR,
                      "/etc/group not found: cannot list the members of %s", group_setting);
        collect_sink_rc(sink, rc, err, errlen);
    } else {
        rc = judge_group(sink, &db, group_setting, collect_ctx_option(ctx, OPT_TRUSTED_USERS), err,
                         errlen);
    }
    accounts_free(&db);
    return rc;
}

const struct collector collector_group_membership = {
    .name = "group_membership",
    .enabled_by_default = true,
    .help = "Members of the group that owns the Docker socket (CIS 1.1.2)",
    .checks = group_membership_checks,
    .n_checks = ARRAY_LEN(group_membership_checks),
    .options = group_membership_options,
    .n_options = ARRAY_LEN(group_membership_options),
    .collect = group_membership_collect,
};
