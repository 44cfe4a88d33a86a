/*
 * audit_rules.h - the audited host's audit rules as far as CIS 1.1.3-1.1.18
 * need them: which paths a rule watches. Read the way auditd loads them
 * (/etc/audit/audit.rules and every /etc/audit/rules.d/ *.rules, under
 * --path.rootfs). A rule counts for a path when it is a watch (`-w PATH`,
 * anywhere on the line, also `-wPATH`) or an `always,exit` rule with
 * `-F path=PATH` or `-F dir=PATH`; `never` rules and relative paths count
 * for nothing. A watch on a directory and a `dir=` rule are recursive.
 *
 * Used by the host collector (host.c); the parser sits here, behind
 * audit_rules_parse, so tests and the fuzz target reach it without a
 * rules tree on disk. A struct audit_rules is owned by its caller and freed
 * with audit_rules_free.
 */
#ifndef DOCKWARD_AUDIT_RULES_H
#define DOCKWARD_AUDIT_RULES_H

#include <stddef.h>

#define AUDIT_RULES_FILE    "/etc/audit/audit.rules"
#define AUDIT_RULES_DIR     "/etc/audit/rules.d"
#define AUDIT_FILE_MAX      (1024 * 1024) /* cap on one rules file */
#define AUDIT_DIR_FILES_MAX 1024          /* cap on files read from rules.d */
#define AUDIT_RULES_MAX     65536         /* cap on path rules kept from all files */
#define AUDIT_LINE_TOKENS   64            /* tokens looked at on one rule line */

/* One audit rule that names a path. */
struct audit_rule {
    char *path;    /* as written, trailing '/' removed */
    char *canon;   /* resolved inside the root; NULL when it does not resolve */
    char *where;   /* "<rules file>:<line>" */
    char *text;    /* the rule's path part: "-w /x", "-F path=/x", "-F dir=/x" */
    int recursive; /* covers what is below it: a watch on a directory, or dir= */
};

struct audit_rules {
    struct audit_rule *items;
    size_t n, cap;
    int n_files;    /* rule files read */
    int incomplete; /* a rule file could not be read, or a cap was hit */
    char why[512];  /* first reason for incomplete */
};

/*
 * Loads audit.rules and rules.d/ *.rules under rootfs into `rules` (zeroed
 * here). A missing file is not an error; one that cannot be read, or a cap
 * that is hit, marks the set incomplete with the first reason in `why`.
 * Returns 0, or -1 on no memory (free `rules` either way).
 */
int audit_rules_load(struct audit_rules *rules, const char *rootfs);

/*
 * Adds the rules of text[0..len) (one rules file's contents, need not be
 * NUL-terminated; a NUL byte ends its line) to `rules` (zeroed by the
 * caller before the first call). `file` names the file in each rule's
 * `where`; paths are resolved under rootfs. Returns 0, or -1 on no memory.
 */
int audit_rules_parse(struct audit_rules *rules, const char *rootfs, const char *text, size_t len,
                      const char *file);

/*
 * The rule that audits `path` (whose canonical form is `canon`), or NULL.
 * A rule on the path itself is preferred to a recursive one above it. The
 * rule is owned by `rules`.
 */
const struct audit_rule *audit_rules_find(const struct audit_rules *rules, const char *path,
                                          const char *canon);

void audit_rules_free(struct audit_rules *rules);

#endif
