/*
 * test_audit_rules.c - the audit-rule parser behind collectors/audit_rules.h,
 * on text in memory (no rules tree on disk): which lines name a path and
 * how (-w, always,exit with path= or dir=), which count for nothing
 * (never, relative paths, comments), where each rule was, and how
 * audit_rules_find prefers a rule on the path to a recursive one above it.
 * How the host collector judges with the rules is test_host.c's part.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/audit_rules.h"

#include <stdlib.h>
#include <string.h>

#define NO_ROOT "/nonexistent-dockward-test-root"

static void test_parse_kinds_and_places(void **state)
{
    (void)state;
    static const char text[] = "-D\n"
                               "-b 8192\n"
                               "# -w /commented\n"
                               "-w /usr/bin/dockerd -k docker\n"
                               "-a always,exit -F path=/run/containerd/containerd.sock -k d\n"
                               "-a exit,always -F dir=/var/lib/docker/ -k docker\n"
                               "-a never,exit -F path=/etc/docker\n"
                               "-w relative/path\n"
                               "-k docker -w/etc/default/docker\n"
                               "-Aalways,exit -Fpath=/usr/bin/runc\r\n"
                               "-w";
    /* Exactly the text's bytes, no NUL after them. */
    char *exact = malloc(sizeof(text) - 1);
    assert_non_null(exact);
    memcpy(exact, text, sizeof(text) - 1);
    struct audit_rules rules;
    memset(&rules, 0, sizeof(rules));
    assert_int_equal(audit_rules_parse(&rules, NO_ROOT, exact, sizeof(text) - 1, "/r.rules"), 0);
    free(exact);

    assert_int_equal(rules.n, 5);
    assert_string_equal(rules.items[0].text, "-w /usr/bin/dockerd");
    assert_string_equal(rules.items[0].where, "/r.rules:4");
    assert_string_equal(rules.items[1].text, "-F path=/run/containerd/containerd.sock");
    assert_string_equal(rules.items[2].path, "/var/lib/docker"); /* trailing '/' removed */
    assert_string_equal(rules.items[2].text, "-F dir=/var/lib/docker");
    assert_int_equal(rules.items[2].recursive, 1);
    assert_string_equal(rules.items[3].text, "-w /etc/default/docker");
    assert_string_equal(rules.items[3].where, "/r.rules:9");
    assert_string_equal(rules.items[4].text, "-F path=/usr/bin/runc");
    assert_int_equal(rules.incomplete, 0);

    /* A rule on the path beats a recursive one above it; dir= covers what is below. */
    const struct audit_rule *r = audit_rules_find(&rules, "/var/lib/docker/volumes", "/x");
    assert_null(r);
    r = audit_rules_find(&rules, "/var/lib/docker/volumes", "/var/lib/docker/volumes");
    assert_non_null(r);
    assert_string_equal(r->path, "/var/lib/docker");
    assert_null(audit_rules_find(&rules, "/etc/docker", "/etc/docker")); /* never */
    audit_rules_free(&rules);
    assert_int_equal(rules.n, 0);
}

static void test_parse_nul_ends_its_line_only(void **state)
{
    (void)state;
    static const char text[] = "-w /a\0-w /hidden\n-w /b\n";
    struct audit_rules rules;
    memset(&rules, 0, sizeof(rules));
    assert_int_equal(audit_rules_parse(&rules, NO_ROOT, text, sizeof(text) - 1, "/f"), 0);
    assert_int_equal(rules.n, 2);
    assert_string_equal(rules.items[0].path, "/a");
    assert_string_equal(rules.items[1].path, "/b");
    assert_string_equal(rules.items[1].where, "/f:2");
    /* Two texts add up, as the files of rules.d do. */
    assert_int_equal(audit_rules_parse(&rules, NO_ROOT, "-w /c", 5, "/g"), 0);
    assert_int_equal(rules.n, 3);
    assert_string_equal(rules.items[2].where, "/g:1");
    audit_rules_free(&rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_kinds_and_places),
        cmocka_unit_test(test_parse_nul_ends_its_line_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
