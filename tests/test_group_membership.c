/*
 * test_group_membership.c - CIS 1.1.2 (collectors/group_membership.c).
 *
 * Runs the collector on the committed hardened and failing hosts and on
 * small trees written here, one per case: a missing or unreadable
 * /etc/group (error, never a pass), no docker group, an empty one, a socket
 * group chosen with -G / --group= / daemon.json "group" / a numeric gid, and
 * a member who is one only through the primary gid in /etc/passwd. Every
 * case asserts the exact set of results: status, target and evidence.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/registry.h"
#include "tests/collector_harness.h"
#include "tests/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct membership_case;

struct run {
    struct harness_run h;
    const struct membership_case *c; /* the case test_case runs */
};

/* Runs the collector on fx with --check.trusted-users = trusted (NULL = unset). */
static void collect(struct run *r, const char *trusted)
{
    struct option_value opts[] = { { "check.trusted-users", trusted } };
    struct collect_ctx ctx = {
        .docker_host = "unix:///var/run/docker.sock",
        .options = opts,
        .n_options = ARRAY_LEN(opts),
    };
    harness_collect(&r->h, &collector_group_membership, &ctx);
}

static void run_named(struct run *r, const char *fixture, const char *trusted)
{
    harness_build_named(&r->h.fx, fixture);
    collect(r, trusted);
}

static void run_text(struct run *r, const char *manifest, const char *trusted)
{
    harness_build_text(&r->h.fx, manifest);
    collect(r, trusted);
}

static int setup(void **state)
{
    return harness_setup(state, sizeof(struct run));
}

/* Asserts a 1.1.2 result for `target` with `status` and evidence `evidence` exactly. */
static void expect(const struct run *r, const char *target, enum check_status status,
                   const char *evidence)
{
    for (size_t i = 0; i < r->h.set.len; i++) {
        const struct result *res = &r->h.set.items[i];
        if (strcmp(res->target, target) != 0)
            continue;
        assert_string_equal(res->check->id, "1.1.2");
        if (res->status != status || strcmp(res->evidence, evidence) != 0) {
            harness_dump(&r->h.set);
            fail_msg("%s: got %s \"%s\", want %s \"%s\"", target, check_status_name(res->status),
                     res->evidence, check_status_name(status), evidence);
        }
        return;
    }
    harness_dump(&r->h.set);
    fail_msg("no result for %s", target);
}

static void expect_count(const struct run *r, size_t n)
{
    harness_expect_count(&r->h.set, n);
}

static void test_descriptor(void **state)
{
    (void)state;
    const struct collector *c = &collector_group_membership;
    harness_expect_descriptor(c, "group_membership", false, 1);
    assert_string_equal(c->checks[0].id, "1.1.2");
    assert_string_equal(c->checks[0].section, "1");
    assert_int_equal(c->checks[0].level, 1);
    assert_true(c->checks[0].automated);
    assert_int_equal(c->n_options, 1);
    assert_string_equal(c->options[0].name, "check.trusted-users");
    assert_string_equal(c->options[0].metavar, "USER,...");
    assert_null(c->options[0].def);
}

static void test_validate_trusted_users(void **state)
{
    (void)state;
    int (*validate)(const char *, char *, size_t) = collector_group_membership.options[0].validate;
    char err[256];
    assert_non_null(validate);
    assert_int_equal(validate("alice", err, sizeof(err)), 0);
    assert_int_equal(validate("alice,bob", err, sizeof(err)), 0);
    assert_int_equal(validate(" alice , bob.smith,ci-runner,svc_1,host$ ", err, sizeof(err)), 0);
    assert_int_equal(validate("", err, sizeof(err)), 0); /* empty list: nobody trusted */

    err[0] = '\0';
    assert_int_equal(validate("alice,,bob", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "empty user name"));
    assert_int_equal(validate("alice,", err, sizeof(err)), -1);
    assert_int_equal(validate("al ice", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "invalid character"));
    assert_int_equal(validate("alice;rm", err, sizeof(err)), -1);
    assert_int_equal(validate("a$b", err, sizeof(err)), -1);
    assert_int_equal(validate("-alice", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "starts with '-'"));
    assert_int_equal(validate("alice:bob", err, sizeof(err)), -1);

    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(validate(longname, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "longer than"));

    /* 1025 names is over the cap. */
    char *many = malloc(1025 * 3);
    assert_non_null(many);
    size_t o = 0;
    for (int i = 0; i < 1025; i++) {
        many[o++] = 'u';
        many[o++] = 'x';
        many[o++] = ',';
    }
    many[o - 1] = '\0';
    assert_int_equal(validate(many, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "more than 1024"));
    free(many);
}

/*
 * issue 18 #2: two members whose 261-character names share the first 260
 * stay two targets (cut with a hash of the whole), so the store accepts the
 * report instead of refusing it as holding one (check, target) twice.
 */
static void test_1_1_2_long_member_names_stay_unique(void **state)
{
    struct run *r = *state;
    char a[262], b[262], manifest[2048];
    memset(a, 'u', 260);
    memcpy(b, a, 260);
    a[260] = 'a';
    b[260] = 'b';
    a[261] = b[261] = '\0';
    snprintf(manifest, sizeof(manifest),
             "file /etc/passwd 0644 0 0 =root:x:0:0::/root:/bin/sh\\n\n"
             "file /etc/group 0644 0 0 =root:x:0:\\ndocker:x:998:%s,%s\\n\n",
             a, b);
    run_text(r, manifest, NULL);
    const char *t[2] = { NULL, NULL };
    size_t n = 0;
    for (size_t i = 0; i < r->h.set.len && n < 2; i++) {
        if (strncmp(r->h.set.items[i].target, "user/uuu", 8) == 0)
            t[n++] = r->h.set.items[i].target;
    }
    assert_int_equal(n, 2);
    assert_true(strlen(t[0]) <= RESULT_TARGET_MAX && strlen(t[1]) <= RESULT_TARGET_MAX);
    assert_string_not_equal(t[0], t[1]);
    assert_non_null(strstr(t[0], "...#"));
}

/* One case: a host, the trusted users, and every 1.1.2 result wanted, in the collector's order. */
struct membership_case {
    const char *name;     /* the cmocka test's name */
    const char *tree;     /* a committed fixture, or NULL: */
    const char *manifest; /* this tree */
    const char *trusted;  /* --check.trusted-users, NULL unset */
    struct {
        const char *target; /* NULL ends the list */
        enum check_status status;
        const char *evidence;
    } want[4];
};

/* Accounts shared by the custom-group cases: docker holds mallory, dockerops alice. */
#define CUSTOM_ACCOUNTS                                                                      \
    "file /etc/passwd 0644 0 0 =root:x:0:0::/root:/bin/sh\\nalice:x:1000:1000::/:/bin/sh\\n" \
    "mallory:x:1002:1002::/:/bin/sh\\ncarl:x:1003:2001::/:/bin/sh\\n\n"                      \
    "file /etc/group 0644 0 0 =docker:x:998:mallory\\ndockerops:x:2001:alice\\n\n"           \
    "file /proc/321/comm 0444 0 0 =dockerd\\n\n"                                             \
    "link /proc/321/exe /usr/bin/dockerd\n"                                                  \
    "file /usr/bin/dockerd 0755 0 0 =#!/bin/false\\n\n"

/* What every custom-group case wants: the members of dockerops judged, not those of docker. */
#define DOCKEROPS_WANT                                                                \
    {                                                                                 \
        { "user/alice", CHECK_PASS, "member of dockerops (supplementary), trusted" }, \
            { "user/carl", CHECK_FAIL,                                                \
              "member of dockerops (primary group), not in --check.trusted-users" },  \
    }

/* Two users, one group of their own each, for the cases that are about the docker group line. */
#define ROOT_ALICE_PASSWD \
    "file /etc/passwd 0644 0 0 =root:x:0:0::/root:/bin/sh\\nalice:x:1000:1000::/:/bin/sh\\n\n"

static const struct membership_case membership_cases[] = {
    { "test_hardened_trusted",
      "hardened",
      NULL,
      "alice",
      { { "user/alice", CHECK_PASS, "member of docker (supplementary), trusted" } } },
    { "test_hardened_no_list",
      "hardened",
      NULL,
      NULL,
      { { "user/alice", CHECK_WARN,
          "member of docker (supplementary); no --check.trusted-users configured" } } },
    /* Supplementary members first, in /etc/group order, then primary-only ones: eve is in docker
     * only through her primary gid, /etc/group does not show her. */
    { "test_failing",
      "failing",
      NULL,
      "alice, bob",
      { { "user/alice", CHECK_PASS, "member of docker (supplementary), trusted" },
        { "user/mallory", CHECK_FAIL,
          "member of docker (supplementary), not in --check.trusted-users" },
        { "user/eve", CHECK_FAIL,
          "member of docker (primary group), not in --check.trusted-users" } } },
    { "test_failing_no_list_warns_for_all",
      "failing",
      NULL,
      NULL,
      { { "user/alice", CHECK_WARN,
          "member of docker (supplementary); no --check.trusted-users configured" },
        { "user/mallory", CHECK_WARN,
          "member of docker (supplementary); no --check.trusted-users configured" },
        { "user/eve", CHECK_WARN,
          "member of docker (primary group); no --check.trusted-users configured" } } },
    /* An empty list is a policy: nobody may be in the group. */
    { "test_empty_list_trusts_nobody",
      "hardened",
      NULL,
      "",
      { { "user/alice", CHECK_FAIL,
          "member of docker (supplementary), not in --check.trusted-users" } } },
    { "test_missing_group_file_is_error",
      NULL,
      "file /etc/passwd 0644 0 0 =root:x:0:0::/root:/bin/sh\\n\n",
      "alice",
      { { "host", CHECK_ERROR, "/etc/group not found: cannot list the members of docker" } } },
    { "test_unreadable_group_file_is_error",
      NULL,
      "file /etc/passwd 0644 0 0 =root:x:0:0::/root:/bin/sh\\n\n"
      "fifo /etc/group 0644 0 0\n",
      "alice",
      { { "host", CHECK_ERROR,
          "cannot read the members of docker: /etc/group: not a regular file" } } },
    { "test_missing_passwd_is_error",
      NULL,
      "file /etc/group 0644 0 0 =docker:x:998:alice\\n\n",
      "alice",
      { { "host", CHECK_ERROR,
          "/etc/passwd not found: users whose primary group is docker cannot be seen" },
        { "user/alice", CHECK_PASS, "member of docker (supplementary), trusted" } } },
    { "test_group_absent",
      NULL,
      ROOT_ALICE_PASSWD "file /etc/group 0644 0 0 =root:x:0:\\nalice:x:1000:\\n\n",
      "alice",
      { { "host", CHECK_PASS, "no group docker: only root can reach the socket" } } },
    { "test_group_without_members",
      NULL,
      ROOT_ALICE_PASSWD "file /etc/group 0644 0 0 =root:x:0:\\ndocker:x:998:\\n\n",
      NULL,
      { { "host", CHECK_PASS, "group docker has no members" } } },
    /* Members of both kinds, listed once; unknown and root members. */
    { "test_member_kinds",
      NULL,
      "file /etc/passwd 0644 0 0 =root:x:0:0::/root:/bin/sh\\n"
      "ops:x:1000:998::/:/bin/sh\\n\n"
      "file /etc/group 0644 0 0 =docker:x:998:ops,root,ghost\\n\n",
      "ops,ghost",
      { { "user/ops", CHECK_PASS, "member of docker (primary group and supplementary), trusted" },
        { "user/root", CHECK_PASS,
          "member of docker (supplementary), uid 0: already controls the host" },
        { "user/ghost", CHECK_PASS,
          "member of docker (supplementary), trusted; no such user in /etc/passwd" } } },
    { "test_custom_group_short_flag", NULL,
      CUSTOM_ACCOUNTS
      "file /proc/321/cmdline 0444 0 0 =/usr/bin/dockerd\\0-G\\0dockerops\\0-H\\0fd://\\0\n",
      "alice", DOCKEROPS_WANT },
    { "test_custom_group_long_flag", NULL,
      CUSTOM_ACCOUNTS "file /proc/321/cmdline 0444 0 0 =dockerd\\0--group=dockerops\\0\n", "alice",
      DOCKEROPS_WANT },
    { "test_custom_group_daemon_json", NULL,
      CUSTOM_ACCOUNTS "file /proc/321/cmdline 0444 0 0 =dockerd\\0\n"
                      "file /etc/docker/daemon.json 0644 0 0 ={\"group\": \"dockerops\"}\n",
      "alice", DOCKEROPS_WANT },
    /* daemon.json chosen with --config-file: the one in use is the one read. */
    { "test_custom_group_config_file", NULL,
      CUSTOM_ACCOUNTS
      "file /proc/321/cmdline 0444 0 0 =dockerd\\0--config-file\\0/srv/docker.json\\0\n"
      "file /etc/docker/daemon.json 0644 0 0 ={\"group\": \"docker\"}\n"
      "file /srv/docker.json 0644 0 0 ={\"group\": \"dockerops\"}\n",
      "alice", DOCKEROPS_WANT },
    /* dockerd accepts a gid where no group has that name. */
    { "test_custom_group_numeric", NULL,
      CUSTOM_ACCOUNTS "file /proc/321/cmdline 0444 0 0 =dockerd\\0-G\\02001\\0\n", "alice",
      DOCKEROPS_WANT },
};

/* cmocka setup of a case test: the case (cmocka's initial state) kept in the run. */
static int setup_case(void **state)
{
    const struct membership_case *c = *state;
    if (setup(state) != 0)
        return -1;
    ((struct run *)*state)->c = c;
    return 0;
}

/* Runs one membership case: status 0, exactly the results wanted, in that order. */
static void test_case(void **state)
{
    struct run *r = *state;
    const struct membership_case *c = r->c;
    if (c->tree != NULL)
        run_named(r, c->tree, c->trusted);
    else
        run_text(r, c->manifest, c->trusted);
    assert_int_equal(r->h.rc, 0);
    size_t n = 0;
    while (n < ARRAY_LEN(c->want) && c->want[n].target != NULL)
        n++;
    expect_count(r, n);
    for (size_t i = 0; i < n; i++) {
        expect(r, c->want[i].target, c->want[i].status, c->want[i].evidence);
        assert_string_equal(r->h.set.items[i].target, c->want[i].target);
    }
}

/* A daemon.json that cannot be parsed may name another group: error, not a guess. */
static void test_invalid_daemon_json_is_error(void **state)
{
    struct run *r = *state;
    run_text(r,
             CUSTOM_ACCOUNTS "file /proc/321/cmdline 0444 0 0 =dockerd\\0\n"
                             "file /etc/docker/daemon.json 0644 0 0 ={\"group\": \n",
             "alice");
    assert_int_equal(r->h.rc, 0);
    expect_count(r, 1);
    assert_int_equal(r->h.set.items[0].status, CHECK_ERROR);
    assert_string_equal(r->h.set.items[0].target, "host");
    assert_non_null(strstr(r->h.set.items[0].evidence, "cannot tell which group owns the socket: "
                                                       "/etc/docker/daemon.json: invalid JSON"));
}

/* A test with its own state, removed after it (harness_setup). */
#define TEST(test) cmocka_unit_test_setup_teardown(test, setup, harness_teardown)

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        TEST(test_descriptor),
        TEST(test_validate_trusted_users),
        TEST(test_invalid_daemon_json_is_error),
        TEST(test_1_1_2_long_member_names_stay_unique),
    };
    struct CMUnitTest tests[ARRAY_LEN(fixed) + ARRAY_LEN(membership_cases)];
    memcpy(tests, fixed, sizeof(fixed));
    for (size_t i = 0; i < ARRAY_LEN(membership_cases); i++)
        tests[ARRAY_LEN(fixed) + i] = (struct CMUnitTest){
            .name = membership_cases[i].name,
            .test_func = test_case,
            .setup_func = setup_case,
            .teardown_func = harness_teardown,
            .initial_state = (void *)&membership_cases[i],
        };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
