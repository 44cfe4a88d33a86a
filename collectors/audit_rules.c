/*
 * audit_rules.c - the audit rules that name paths, parsed the way auditd
 * loads them (see audit_rules.h). Tokens are split on blanks as auditctl
 * does (at most AUDIT_LINE_TOKENS looked at on a line); options may sit
 * anywhere on the line, in getopt order. Every rule file is read through
 * hostfs, capped at AUDIT_FILE_MAX, and the rules kept are capped at
 * AUDIT_RULES_MAX: past a cap the set is marked incomplete, so a missing
 * rule is then an error, not a fail.
 */
#include "audit_rules.h"

#include "../common/buf.h"
#include "hostfs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void audit_rules_free(struct audit_rules *rules)
{
    for (size_t i = 0; i < rules->n; i++) {
        free(rules->items[i].path);
        free(rules->items[i].canon);
        free(rules->items[i].where);
        free(rules->items[i].text);
    }
    free(rules->items);
    memset(rules, 0, sizeof(*rules));
}

static void rules_incomplete(struct audit_rules *rules, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void rules_incomplete(struct audit_rules *rules, const char *fmt, ...)
{
    if (rules->incomplete)
        return; /* keep the first reason */
    rules->incomplete = 1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(rules->why, sizeof(rules->why), fmt, ap);
    (void)n;
    va_end(ap);
}

/* Formats into a new string; NULL on no memory. */
static char *strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *strdup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/*
 * Records a rule on `path`. `kind` is "-w", "path" or "dir". Returns 0, or
 * -1 on no memory (a rule past the cap marks the set incomplete instead).
 */
static int add_rule(struct audit_rules *rules, const char *rootfs, const char *kind,
                    const char *path, const char *file, int line)
{
    if (path[0] != '/')
        return 0; /* auditctl refuses relative paths */
    if (rules->n >= AUDIT_RULES_MAX) {
        rules_incomplete(rules, "more than %d audit rules naming paths", AUDIT_RULES_MAX);
        return 0;
    }
    if (array_grow(&rules->items, rules->n, &rules->cap, sizeof(*rules->items), 32) != 0)
        return -1;
    struct audit_rule *r = &rules->items[rules->n];
    memset(r, 0, sizeof(*r));
    r->path = strdup(path);
    if (r->path == NULL)
        return -1;
    size_t len = strlen(r->path);
    while (len > 1 && r->path[len - 1] == '/')
        r->path[--len] = '\0';
    r->where = strdup_printf("%s:%d", file, line);
    r->text = strcmp(kind, "-w") == 0 ? strdup_printf("-w %s", r->path)
                                      : strdup_printf("-F %s=%s", kind, r->path);
    char canon[HOSTFS_PATH_MAX];
    if (hostfs_canonical(rootfs, r->path, canon, sizeof(canon)) == 0) {
        r->canon = strdup(canon);
        if (r->canon == NULL)
            goto nomem;
    }
    if (strcmp(kind, "dir") == 0) {
        r->recursive = 1;
    } else if (strcmp(kind, "-w") == 0 && r->canon != NULL) {
        struct stat st;
        r->recursive =
            hostfs_stat(rootfs, r->canon, HOSTFS_FOLLOW, &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (r->where == NULL || r->text == NULL)
        goto nomem;
    rules->n++;
    return 0;
nomem:
    free(r->path);
    free(r->canon);
    free(r->where);
    free(r->text);
    return -1;
}

/* Whether an -a/-A argument ("always,exit" or "exit,always") audits syscalls. */
static int is_always_exit(const char *spec)
{
    return strcmp(spec, "always,exit") == 0 || strcmp(spec, "exit,always") == 0;
}

/*
 * Parses one rule line (modified in place) and records the paths it names.
 * Returns 0, or -1 on no memory.
 */
static int parse_rule_line(struct audit_rules *rules, const char *rootfs, char *line,
                           const char *file, int lineno)
{
    char *tok[AUDIT_LINE_TOKENS];
    int nt = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r", &save); t != NULL && nt < AUDIT_LINE_TOKENS;
         t = strtok_r(NULL, " \t\r", &save))
        tok[nt++] = t;
    if (nt == 0 || tok[0][0] == '#')
        return 0;

    /* A watch: "-w PATH" or "-wPATH", anywhere on the line (getopt order). */
    for (int i = 0; i < nt; i++) {
        if (strncmp(tok[i], "-w", 2) != 0)
            continue;
        const char *path = tok[i][2] != '\0' ? tok[i] + 2 : (i + 1 < nt ? tok[i + 1] : NULL);
        if (path == NULL)
            return 0;
        return add_rule(rules, rootfs, "-w", path, file, lineno);
    }

    /* A syscall rule: counts only as "always,exit". */
    int always_exit = 0;
    for (int i = 0; i < nt; i++) {
        if (strncmp(tok[i], "-a", 2) != 0 && strncmp(tok[i], "-A", 2) != 0)
            continue;
        const char *spec = tok[i][2] != '\0' ? tok[i] + 2 : (i + 1 < nt ? tok[i + 1] : "");
        always_exit = is_always_exit(spec);
        break;
    }
    if (!always_exit)
        return 0;
    for (int i = 0; i < nt; i++) {
        if (strncmp(tok[i], "-F", 2) != 0)
            continue;
        const char *field = tok[i][2] != '\0' ? tok[i] + 2 : (i + 1 < nt ? tok[i + 1] : "");
        int rc = 0;
        if (strncmp(field, "path=", 5) == 0)
            rc = add_rule(rules, rootfs, "path", field + 5, file, lineno);
        else if (strncmp(field, "dir=", 4) == 0)
            rc = add_rule(rules, rootfs, "dir", field + 4, file, lineno);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/*
 * Parses text[0..len) (modified in place: each '\n' becomes a NUL) line by
 * line. Returns 0, or -1 on no memory.
 */
static int parse_rules_text(struct audit_rules *rules, const char *rootfs, char *text, size_t len,
                            const char *file)
{
    int lineno = 0;
    char *p = text;
    int rc = 0;
    while (rc == 0 && p < text + len) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        if (nl != NULL)
            *nl = '\0';
        lineno++;
        rc = parse_rule_line(rules, rootfs, p, file, lineno);
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    return rc;
}

int audit_rules_parse(struct audit_rules *rules, const char *rootfs, const char *text, size_t len,
                      const char *file)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    if (len > 0)
        memcpy(copy, text, len);
    copy[len] = '\0';
    int rc = parse_rules_text(rules, rootfs, copy, len, file);
    free(copy);
    return rc;
}

/*
 * Reads one rules file. A missing file is not an error; an unreadable one
 * marks the set incomplete. Returns 0, or -1 on no memory.
 */
static int read_rules_file(struct audit_rules *rules, const char *rootfs, const char *path,
                           int skip_irregular)
{
    struct buf text;
    buf_init(&text, AUDIT_FILE_MAX);
    if (hostfs_read_file(rootfs, path, AUDIT_FILE_MAX, &text) != 0) {
        int e = errno;
        buf_free(&text);
        if (e == ENOMEM)
            return -1;
        if (e == ENOENT || (e == EINVAL && skip_irregular))
            return 0;
        if (e == EFBIG)
            rules_incomplete(rules, "%s: larger than %d bytes", path, AUDIT_FILE_MAX);
        else if (e == EINVAL)
            rules_incomplete(rules, "%s: not a regular file", path);
        else
            rules_incomplete(rules, "%s: %s", path, strerror(e));
        return 0;
    }
    rules->n_files++;
    int rc = parse_rules_text(rules, rootfs, text.data, text.len, path);
    buf_free(&text);
    return rc;
}

/* Whether a rules.d entry is loaded by augenrules: "*.rules". */
static int is_rules_name(const char *name)
{
    size_t len = strlen(name);
    return len > 6 && strcmp(name + len - 6, ".rules") == 0;
}

int audit_rules_load(struct audit_rules *rules, const char *rootfs)
{
    memset(rules, 0, sizeof(*rules));
    if (read_rules_file(rules, rootfs, AUDIT_RULES_FILE, 0) != 0)
        return -1;
    char **names = NULL;
    int listed = hostfs_list_dir(rootfs, AUDIT_RULES_DIR, AUDIT_DIR_FILES_MAX + 1, &names);
    int n = listed;
    if (n < 0) {
        if (errno == ENOMEM)
            return -1;
        if (errno != ENOENT)
            rules_incomplete(rules, "%s: %s", AUDIT_RULES_DIR, strerror(errno));
        return 0;
    }
    if (n > AUDIT_DIR_FILES_MAX) {
        rules_incomplete(rules, "%s: more than %d entries", AUDIT_RULES_DIR, AUDIT_DIR_FILES_MAX);
        n = AUDIT_DIR_FILES_MAX;
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char path[HOSTFS_PATH_MAX];
        if (!is_rules_name(names[i]) ||
            hostfs_join(AUDIT_RULES_DIR, names[i], path, sizeof(path)) != 0)
            continue;
        rc = read_rules_file(rules, rootfs, path, 1);
    }
    hostfs_free_names(names, listed);
    return rc;
}

/* Whether `path` is `dir` or below it. */
static int path_within(const char *path, const char *dir)
{
    if (strcmp(dir, "/") == 0)
        return 1;
    size_t dl = strlen(dir);
    return strncmp(path, dir, dl) == 0 && (path[dl] == '\0' || path[dl] == '/');
}

const struct audit_rule *audit_rules_find(const struct audit_rules *rules, const char *path,
                                          const char *canon)
{
    for (size_t i = 0; i < rules->n; i++) {
        const struct audit_rule *r = &rules->items[i];
        if (strcmp(r->path, path) == 0 || strcmp(r->path, canon) == 0 ||
            (r->canon != NULL && strcmp(r->canon, canon) == 0))
            return r;
    }
    for (size_t i = 0; i < rules->n; i++) {
        const struct audit_rule *r = &rules->items[i];
        if (r->recursive && path_within(canon, r->canon != NULL ? r->canon : r->path))
            return r;
    }
    return NULL;
}
