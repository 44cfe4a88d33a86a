/*
 * test_container_runtime.c - the container_runtime collector (CIS 4.1,
 * section 5, 6.2 and dockward.env_secret): what is not data. Its cases that
 * are a container's settings and the verdicts wanted of them (the matrix of
 * the hardened container and one variant per risky setting, each pitfall of
 * ../shared/CHECKS.md, 5.7 on cgroup v1 and v2 trees, 6.2's counts) are
 * tests/cases/container_runtime.cases, run by test_collector_cases.c.
 *
 * Here: the catalog; fields the API left out or held over a cap, errors
 * naming them; a dead Docker API, which makes the collector fail with no
 * results; evidence and target texts cut at their caps; and a run on a real
 * sweep of a dockerd named by DOCKWARD_TEST_DOCKER_HOST, skipped without it
 * (see its comment). The sweeps are built with tests/sweep_build.h: the
 * same world and hardened container as the case file's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/docker.h"
#include "collectors/registry.h"
#include "tests/collector_harness.h"
#include "tests/sweep_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PER_CONTAINER  30 /* per-container checks: 4.1, 5.2-5.22, 5.25-5.27, 5.29-5.32, env */
#define HOST_RESULTS   4  /* 5.23, 5.24, 5.28, 6.2 */
#define DEFAULT_SOCKET "unix:///var/run/docker.sock"
#define FIELD(x)       (UINT64_C(1) << DOCKER_F_C_##x)

/* The state of one test: a host tree and results, and the sweep. */
struct world {
    struct harness_run h;
    struct sweep_build b;
};

static int setup(void **state)
{
    return harness_setup(state, sizeof(struct world));
}

/*
 * Runs the collector on the containers added, in the case file's world
 * (sweep_container_world), on host tree cr-host with processes for the
 * running ones.
 */
static void collect_running(struct world *w)
{
    sweep_container_world(&w->b);
    harness_build_named(&w->h.fx, "cr-host");
    for (size_t i = 0; i < w->b.sw.n_containers; i++) {
        if (w->b.containers[i].running)
            sweep_processes(&w->h.fx, &w->b.containers[i], NULL);
    }
    sweep_live_ports(&w->b);
    struct collect_ctx ctx = {
        .docker_host = DEFAULT_SOCKET,
        .docker = &w->b.sw,
        .now = 1700000000.0,
    };
    harness_collect_ok(&w->h, &collector_container_runtime, &ctx);
}

/* Asserts the only result of check for container `name`: its status and a piece of its evidence. */
static void expect_c(const struct world *w, const char *check, const char *name,
                     enum check_status status, const char *evidence)
{
    char target[128];
    snprintf(target, sizeof(target), "container/%s", name);
    harness_expect(&w->h.set, HARNESS_AT_TARGET | HARNESS_CONTAINS, check, target, status,
                   evidence);
}

/* As expect_c, the evidence being "FIELD missing or mistyped in the API answer". */
static void expect_missing(const struct world *w, const char *check, const char *name,
                           enum docker_container_field f)
{
    char ev[256];
    snprintf(ev, sizeof(ev), "%s missing or mistyped in the API answer",
             docker_container_field_name(f));
    expect_c(w, check, name, CHECK_ERROR, ev);
}

/* ---- the catalog -------------------------------------------------------- */

static void test_catalog(void **state)
{
    (void)state;
    const struct collector *c = &collector_container_runtime;
    harness_expect_descriptor(c, "container_runtime", true, PER_CONTAINER + HOST_RESULTS);
    assert_int_equal(c->n_measures, 1);
    assert_string_equal(c->measures[0].name, "containers");
    assert_string_equal(c->measures[0].help, "Containers on the host by state.");
    assert_string_equal(c->measures[0].label, "state");
    static const char *const manual[] = { "5.9",  "5.18", "5.19", "5.23",
                                          "5.24", "5.28", "5.30", "6.2" };
    for (size_t i = 0; i < c->n_checks; i++) {
        const struct check_def *d = &c->checks[i];
        int is_manual = 0;
        for (size_t k = 0; k < ARRAY_LEN(manual); k++)
            is_manual |= strcmp(d->id, manual[k]) == 0;
        if (d->automated == is_manual)
            fail_msg("%s: automated=%d", d->id, d->automated);
        assert_true(d->level == 1 || d->level == 2);
        assert_true(strlen(d->title) > 10 && d->title[strlen(d->title) - 1] != '.');
        assert_true(strlen(d->remediation) > 10);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(d->id, c->checks[k].id);
    }
    const struct check_def *d = collector_find_check(c, "dockward.env_secret");
    assert_non_null(d);
    assert_string_equal(d->section, "5");
    assert_string_equal(collector_find_check(c, "4.1")->section, "4");
    assert_string_equal(collector_find_check(c, "6.2")->section, "6");
    assert_ptr_equal(collector_lookup("container_runtime"), c);
}

/* ---- fields the API left out, and a dead API ---------------------------- */

static void test_invalid_fields_are_errors_naming_the_field(void **state)
{
    struct world *w = *state;
    struct docker_container *c = sweep_add_hardened(&w->b, "broken");
    c->invalid = FIELD(PRIVILEGED) | FIELD(MOUNTS) | FIELD(HEALTH) | FIELD(ENV) | FIELD(PORTS);
    c = sweep_add_hardened(&w->b, "no-state");
    c->invalid = FIELD(STATE);
    c = sweep_add_hardened(&w->b, "no-name");
    c->invalid = FIELD(NAME);
    c->name = NULL;
    collect_running(w);
    static const struct {
        const char *check;
        enum docker_container_field f;
    } broken[] = {
        { "5.5", DOCKER_F_C_PRIVILEGED },  { "5.6", DOCKER_F_C_MOUNTS },
        { "5.20", DOCKER_F_C_MOUNTS },     { "5.32", DOCKER_F_C_MOUNTS },
        { "5.27", DOCKER_F_C_HEALTH },     { "dockward.env_secret", DOCKER_F_C_ENV },
        { "5.8", DOCKER_F_C_PORTS },       { "5.9", DOCKER_F_C_PORTS },
        { "5.14", DOCKER_F_C_PORTS },      { "5.4", DOCKER_F_C_PRIVILEGED },
        { "5.22", DOCKER_F_C_PRIVILEGED }, { "5.18", DOCKER_F_C_PRIVILEGED },
        { "5.2", DOCKER_F_C_PRIVILEGED },
    };
    for (size_t i = 0; i < ARRAY_LEN(broken); i++)
        expect_missing(w, broken[i].check, "broken", broken[i].f);
    assert_non_null(strstr(docker_container_field_name(DOCKER_F_C_PRIVILEGED), "Privileged"));
    /* The other checks of that container are judged as usual. */
    expect_c(w, "5.13", "broken", CHECK_PASS, "HostConfig.ReadonlyRootfs=true");
    expect_c(w, "5.7", "broken", CHECK_PASS, "no sshd among 1 processes");
    /* Without a state, the checks that need it cannot be judged; the rest say so. */
    expect_missing(w, "5.7", "no-state", DOCKER_F_C_STATE);
    expect_missing(w, "5.27", "no-state", DOCKER_F_C_STATE);
    expect_c(w, "5.5", "no-state", CHECK_PASS, "HostConfig.Privileged=false (state unknown)");
    /* Without a name, the target is the short id. */
    char name[16];
    snprintf(name, sizeof(name), "%.12s", w->b.container_ids[2]);
    expect_c(w, "5.5", name, CHECK_PASS, "HostConfig.Privileged=false (state running)");
}

/* An over-cap item names the field and the cap, and only its own checks are error. */
static void test_field_over_cap_names_field_and_cap(void **state)
{
    struct world *w = *state;
    struct docker_container *c = sweep_add_hardened(&w->b, "long-env");
    c->invalid = FIELD(ENV);
    c->overcap = FIELD(ENV);
    collect_running(w);
    char ev[160];
    snprintf(ev, sizeof(ev), "Config.Env holds an item over the %d-byte cap", DOCKER_STRING_MAX);
    expect_c(w, "dockward.env_secret", "long-env", CHECK_ERROR, ev);
    expect_c(w, "5.22", "long-env", CHECK_PASS, "default seccomp profile");
}

static void test_docker_unavailable_fails_with_no_results(void **state)
{
    struct world *w = *state;
    harness_build_named(&w->h.fx, "cr-host");
    struct collect_ctx ctx = { .rootfs = w->h.fx.root, .docker_host = DEFAULT_SOCKET };
    struct result_sink sink;
    char err[256] = "";

    result_sink_init(&sink, &w->h.set, &collector_container_runtime);
    assert_int_equal(collector_container_runtime.collect(&ctx, &sink, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Docker API unavailable"));
    assert_int_equal(w->h.set.len, 0);
    assert_int_equal(w->h.set.n_measures, 0);

    sweep_add_hardened(&w->b, "c");
    w->b.sw.ok = false;
    snprintf(w->b.sw.error, sizeof(w->b.sw.error), "cannot connect to %s: Connection refused",
             DEFAULT_SOCKET);
    ctx.docker = &w->b.sw;
    assert_int_equal(collector_container_runtime.collect(&ctx, &sink, err, sizeof(err)), -1);
    assert_string_equal(err, "Docker API unavailable: cannot connect to "
                             "unix:///var/run/docker.sock: Connection refused");
    assert_int_equal(w->h.set.len, 0);
    assert_int_equal(w->h.set.n_measures, 0);
}

/* ---- texts at their caps ------------------------------------------------ */

/* A list too long for one evidence line is cut before the state, which is never lost. */
static void test_long_evidence_keeps_the_state(void **state)
{
    struct world *w = *state;
    char names[80][32];
    char *env[80];
    for (size_t i = 0; i < ARRAY_LEN(env); i++) {
        snprintf(names[i], sizeof(names[i]), "SERVICE_%02zu_PASSWORD", i);
        env[i] = names[i];
    }
    struct docker_container *c = sweep_add_hardened(&w->b, "many-secrets");
    sweep_stop(c, "exited");
    c->env_names = (struct str_list){ env, ARRAY_LEN(env) };
    collect_running(w);
    const struct result *r =
        harness_find(&w->h.set, "dockward.env_secret", "container/many-secrets");
    assert_non_null(r);
    assert_int_equal(r->status, CHECK_FAIL);
    size_t len = strlen(r->evidence);
    assert_true(len <= RESULT_EVIDENCE_MAX);
    assert_non_null(strstr(r->evidence, "SERVICE_00_PASSWORD, SERVICE_01_PASSWORD"));
    assert_non_null(strstr(r->evidence, "... (state exited)"));
    assert_string_equal(r->evidence + len - strlen("(state exited)"), "(state exited)");
}

/* Two containers whose long names share their first 260 characters stay two targets. */
static void test_long_container_names_stay_unique(void **state)
{
    struct world *w = *state;
    static char a[300], b[300];
    memset(a, 'n', 260);
    memcpy(b, a, 260);
    a[260] = 'x';
    b[260] = 'y';
    sweep_add_hardened(&w->b, "a")->name = a;
    sweep_add_hardened(&w->b, "b")->name = b;
    collect_running(w);
    const char *t[2] = { NULL, NULL };
    size_t n = 0;
    for (size_t i = 0; i < w->h.set.len; i++) {
        if (strcmp(w->h.set.items[i].check->id, "5.5") == 0)
            t[n++] = w->h.set.items[i].target;
    }
    assert_int_equal(n, 2);
    assert_string_not_equal(t[0], t[1]);
    assert_true(strlen(t[0]) <= RESULT_TARGET_MAX);
}

/* ---- against a real dockerd --------------------------------------------- */

/* The containers{state} measure of `state`: the only one, of the collector's only measure. */
static double measure(const struct world *w, const char *state)
{
    const struct measurement *found = NULL;
    for (size_t i = 0; i < w->h.set.n_measures; i++) {
        const struct measurement *m = &w->h.set.measures[i];
        assert_string_equal(m->def->name, "containers");
        assert_string_equal(m->def->label, "state");
        if (strcmp(m->label_value, state) == 0) {
            assert_null(found);
            found = m;
        }
    }
    if (found == NULL)
        fail_msg("no containers{state=\"%s\"} measure", state);
    return found->value;
}

/*
 * Runs the collector on a real sweep of the dockerd at
 * DOCKWARD_TEST_DOCKER_HOST (skipped without it), with the host's own root,
 * so 5.7 reads real /proc and cgroups. Expected containers (all optional;
 * those present are asserted), made from a busybox image whose root
 * directory is 0755 and whose Env has PATH, so that user 1000 can run it
 * (docker_env_import_busybox's root is mktemp's 0700):
 *   dwe-hardened: run -d --user 1000:1000 --read-only --cap-drop ALL
 *                 --security-opt no-new-privileges --memory 64m --cpu-shares 512
 *                 --pids-limit 50 --restart on-failure:3 --network dwe-net
 *                 -p 127.0.0.1:8080:80 --health-cmd true IMAGE sleep 3600
 *   dwe-priv:     create --privileged IMAGE sleep 3600
 *   dwe-root:     run -d --user 0:0 -p 80:80 -v /etc:/host-etc:ro
 *                 -v $SOCK:/var/run/docker.sock IMAGE sleep 3600
 */
static void test_real_dockerd(void **state)
{
    struct world *w = *state;
    const char *host = getenv("DOCKWARD_TEST_DOCKER_HOST");
    if (host == NULL || host[0] == '\0')
        skip();
    struct docker_client_options opts = { .host = host };
    char err[512];
    struct docker_client *client = docker_client_new(&opts, err, sizeof(err));
    if (client == NULL)
        fail_msg("client: %s", err);
    struct docker_sweep sweep;
    int rc = docker_sweep_run(client, &sweep);
    docker_client_free(client);
    if (rc != 0) {
        docker_sweep_free(&sweep);
        fail_msg("sweep: %s", sweep.error);
    }
    struct collect_ctx ctx = { .rootfs = "/", .docker_host = host, .docker = &sweep };
    struct result_sink sink;
    result_sink_init(&sink, &w->h.set, &collector_container_runtime);
    rc = collector_container_runtime.collect(&ctx, &sink, err, sizeof(err));
    if (rc != 0) {
        docker_sweep_free(&sweep);
        fail_msg("collect: %s", err);
    }
    harness_dump(&w->h.set);
    size_t n = sweep.n_containers, running = 0;
    int have_hardened = 0, have_priv = 0, have_root = 0;
    for (size_t i = 0; i < n; i++) {
        running += sweep.containers[i].running;
        const char *name = sweep.containers[i].name;
        have_hardened |= name != NULL && strcmp(name, "dwe-hardened") == 0;
        have_priv |= name != NULL && strcmp(name, "dwe-priv") == 0;
        have_root |= name != NULL && strcmp(name, "dwe-root") == 0;
    }
    docker_sweep_free(&sweep);
    assert_int_equal(w->h.set.len, n * PER_CONTAINER + HOST_RESULTS);
    assert_true(measure(w, "total") == (double)n);
    assert_true(measure(w, "running") == (double)running);
    if (have_hardened) {
        for (size_t i = 0; i < w->h.set.len; i++) {
            const struct result *r = &w->h.set.items[i];
            if (strcmp(r->target, "container/dwe-hardened") != 0 || !r->check->automated)
                continue;
            /* AppArmor/SELinux are skipped on hosts without them. */
            if (r->status != CHECK_PASS &&
                !(r->status == CHECK_SKIP &&
                  (strcmp(r->check->id, "5.2") == 0 || strcmp(r->check->id, "5.3") == 0)))
                fail_msg("dwe-hardened %s: %s %s", r->check->id, check_status_name(r->status),
                         r->evidence);
        }
    }
    if (have_priv) {
        expect_c(w, "5.5", "dwe-priv", CHECK_FAIL, "HostConfig.Privileged=true (state created)");
        expect_c(w, "5.7", "dwe-priv", CHECK_SKIP, "not running");
    }
    if (have_root) {
        expect_c(w, "4.1", "dwe-root", CHECK_FAIL, "Config.User=\"0:0\" is root");
        expect_c(w, "5.6", "dwe-root", CHECK_FAIL, "/etc on /host-etc (ro)");
        expect_c(w, "5.8", "dwe-root", CHECK_FAIL, ":80->80/tcp");
        expect_c(w, "5.14", "dwe-root", CHECK_FAIL, "ports bound to every interface");
        expect_c(w, "5.32", "dwe-root", CHECK_FAIL, "Docker socket mounted");
        expect_c(w, "5.7", "dwe-root", CHECK_PASS, "no sshd among 1 processes");
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, harness_teardown)
    const struct CMUnitTest tests[] = {
        T(test_catalog),
        T(test_invalid_fields_are_errors_naming_the_field),
        T(test_field_over_cap_names_field_and_cap),
        T(test_docker_unavailable_fails_with_no_results),
        T(test_long_evidence_keeps_the_state),
        T(test_long_container_names_stay_unique),
        T(test_real_dockerd),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
