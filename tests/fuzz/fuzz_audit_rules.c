/*
 * fuzz_audit_rules.c - an audit rules file as the host collector reads it
 * (collectors/audit_rules.c, audit_rules_parse), under a rootfs that does
 * not exist, so nothing on this machine is looked at.
 *
 * Properties: at most AUDIT_RULES_MAX rules; each path is absolute, without
 * a trailing '/' (but "/"); `where` is "<file>:<line>" with a line within
 * the input's line count; `text` is the rule's option and its path
 * ("-w P", "-F path=P", "-F dir=P"); a dir= rule is recursive; a resolved
 * path is absolute; and audit_rules_find finds, for every recorded path, a
 * rule written with that path or resolving to it.
 */
#include "fuzz_util.h"

#include "collectors/audit_rules.h"

#include <stdio.h>

#define FUZZ_ROOTFS "/nonexistent-dockward-fuzz-root"
#define FUZZ_FILE   "/etc/audit/rules.d/fuzz.rules"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > AUDIT_FILE_MAX)
        return 0; /* the reader's cap */
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';

    struct audit_rules rules;
    memset(&rules, 0, sizeof(rules));
    if (audit_rules_parse(&rules, FUZZ_ROOTFS, (const char *)data, size, FUZZ_FILE) != 0) {
        audit_rules_free(&rules);
        return 0;
    }
    FUZZ_CHECK(rules.n <= AUDIT_RULES_MAX && rules.n <= rules.cap);
    for (size_t i = 0; i < rules.n; i++) {
        const struct audit_rule *r = &rules.items[i];
        size_t len = strlen(r->path);
        FUZZ_CHECK(r->path[0] == '/');
        FUZZ_CHECK(len == 1 || r->path[len - 1] != '/');
        FUZZ_CHECK(strpbrk(r->path, " \t\r\n") == NULL);

        unsigned long line = 0;
        char tail = 0;
        FUZZ_CHECK(sscanf(r->where, FUZZ_FILE ":%lu%c", &line, &tail) == 1);
        FUZZ_CHECK(line >= 1 && line <= lines);

        char want[3][16] = { "-w ", "-F path=", "-F dir=" };
        int kind = -1;
        for (int k = 0; k < 3; k++) {
            size_t n = strlen(want[k]);
            if (strncmp(r->text, want[k], n) == 0 && strcmp(r->text + n, r->path) == 0)
                kind = k;
        }
        FUZZ_CHECK(kind >= 0);
        if (kind == 2)
            FUZZ_CHECK(r->recursive);
        FUZZ_CHECK(r->canon == NULL || r->canon[0] == '/');

        const struct audit_rule *found = audit_rules_find(&rules, r->path, r->path);
        FUZZ_CHECK(found != NULL);
        FUZZ_CHECK(strcmp(found->path, r->path) == 0 ||
                   (found->canon != NULL && strcmp(found->canon, r->path) == 0));
    }
    audit_rules_free(&rules);
    return 0;
}
