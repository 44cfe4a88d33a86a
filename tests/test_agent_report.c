/*
 * test_agent_report.c - the protobuf report of a collection: built from a
 * hand-made collection, decoded back with protobuf-c and compared field by
 * field; the host id rules for /etc/machine-id; the hostname fallback; the
 * caps; and that evidence (which never holds a secret, but may hold any
 * UTF-8) round-trips byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collectors/registry.h"
#include "daemon/report.h"
#include "tests/agent_harness.h"

#include <dockward/v1/report.pb-c.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char evidence_exact[] = "env API_TOKEN is set (value not shown); "
                                     "label \"caf\xc3\xa9\" \\ tab\tend";

/* A collection of two runs: `host` succeeded with 3 results, `file_permissions` failed. */
static void make_collection(struct collection *col)
{
    agent_collection(col);
    struct result_sink sink;
    struct collector_run *r0 = agent_run(col, 0, "host", true, &sink);
    const struct collector *host = r0->collector;
    assert_true(host->n_checks >= 2);
    r0->duration_seconds = 0.25;
    r0->finished_at = 1700000001.5;
    assert_int_equal(sink_add(&sink, host->checks[0].id, "host", CHECK_PASS, "ok"), 0);
    assert_int_equal(
        sink_add(&sink, host->checks[1].id, "file/etc/docker", CHECK_FAIL, "%s", evidence_exact),
        0);
    assert_int_equal(sink_add(&sink, host->checks[1].id, "user/alice", CHECK_WARN, "needs a human"),
                     0);

    struct collector_run *r1 = agent_run(col, 1, "file_permissions", false, &sink);
    const struct collector *fp = r1->collector;
    assert_true(fp->n_checks >= 1);
    r1->duration_seconds = 1.0;
    r1->finished_at = 1700000002.25; /* the latest: generated_at */
    snprintf(r1->error, sizeof(r1->error), "cannot stat /etc/docker: Permission denied");
    assert_int_equal(sink_add(&sink, fp->checks[0].id, "file/x", CHECK_FAIL, "partial"), 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct collection col;
    make_collection(&col);
    struct report_identity id;
    memset(&id, 0, sizeof(id));
    snprintf(id.host_id, sizeof(id.host_id), "0123456789abcdef0123456789abcdef");
    snprintf(id.hostname, sizeof(id.hostname), "web-01");
    uint8_t rid[REPORT_ID_LEN];
    for (int i = 0; i < REPORT_ID_LEN; i++)
        rid[i] = (uint8_t)(0xa0 + i);

    uint8_t *body = NULL;
    size_t len = 0;
    char err[256];
    assert_int_equal(report_build(&col, &id, 42, rid, &body, &len, err, sizeof(err)), 0);
    assert_non_null(body);
    assert_true(len > 0);

    Dockward__V1__Report *rep = dockward__v1__report__unpack(NULL, len, body);
    assert_non_null(rep);
    assert_int_equal(rep->report_id.len, REPORT_ID_LEN);
    assert_memory_equal(rep->report_id.data, rid, REPORT_ID_LEN);
    assert_string_equal(rep->host_id, "0123456789abcdef0123456789abcdef");
    assert_string_equal(rep->hostname, "web-01");
    assert_string_equal(rep->agent_version, DOCKWARD_VERSION);
    assert_int_equal(rep->sequence, 42);
    assert_int_equal(rep->generated_at_unix_ms, 1700000002250LL);
    assert_string_equal(rep->catalog_version, "cis-docker-1.6.0");

    assert_int_equal(rep->n_collector_runs, 2);
    assert_string_equal(rep->collector_runs[0]->name, "host");
    assert_true(rep->collector_runs[0]->success);
    assert_true(rep->collector_runs[0]->duration_seconds == 0.25);
    assert_string_equal(rep->collector_runs[0]->error, "");
    assert_string_equal(rep->collector_runs[1]->name, "file_permissions");
    assert_false(rep->collector_runs[1]->success);
    assert_true(rep->collector_runs[1]->duration_seconds == 1.0);
    assert_string_equal(rep->collector_runs[1]->error,
                        "cannot stat /etc/docker: Permission denied");

    /* The failed run's partial result is left out, as in the metrics. */
    const struct collector *host = collector_lookup("host");
    assert_int_equal(rep->n_results, 3);
    assert_string_equal(rep->results[0]->check_id, host->checks[0].id);
    assert_string_equal(rep->results[0]->target, "host");
    assert_int_equal(rep->results[0]->status, DOCKWARD__V1__STATUS__STATUS_PASS);
    assert_string_equal(rep->results[0]->evidence, "ok");
    assert_string_equal(rep->results[0]->collector, "host");
    assert_string_equal(rep->results[1]->check_id, host->checks[1].id);
    assert_string_equal(rep->results[1]->target, "file/etc/docker");
    assert_int_equal(rep->results[1]->status, DOCKWARD__V1__STATUS__STATUS_FAIL);
    assert_string_equal(rep->results[1]->evidence, evidence_exact);
    assert_int_equal(rep->results[2]->status, DOCKWARD__V1__STATUS__STATUS_WARN);
    assert_string_equal(rep->results[2]->target, "user/alice");

    dockward__v1__report__free_unpacked(rep, NULL);
    free(body);
    collection_free(&col);
}

static void test_every_status_maps(void **state)
{
    (void)state;
    struct collection col;
    collection_init(&col);
    struct result_sink sink;
    const struct collector *host = agent_run(&col, 0, "host", true, &sink)->collector;
    for (int s = 0; s < CHECK_WAIVED; s++)
        assert_int_equal(sink_add(&sink, host->checks[0].id, "t", (enum check_status)s, "e%d", s),
                         0);
    /* Only the waivers pass waives: a collector cannot. */
    assert_int_equal(sink_add(&sink, host->checks[0].id, "t", CHECK_WAIVED, "e"), -1);
    /* A waived warn goes out as its verdict with the waiver's id (report.proto). */
    assert_int_equal(sink_add(&sink, host->checks[0].id, "w", CHECK_WARN, "e5"), 0);
    struct result *waived = &col.runs[0].results.items[5];
    waived->status = CHECK_WAIVED;
    waived->waiver = strdup("ci-runners");
    assert_non_null(waived->waiver);
    struct report_identity id = { .host_id = "h", .hostname = "" };
    uint8_t rid[REPORT_ID_LEN] = { 1 };
    uint8_t *body;
    size_t len;
    char err[256];
    assert_int_equal(report_build(&col, &id, 1, rid, &body, &len, err, sizeof(err)), 0);
    Dockward__V1__Report *rep = dockward__v1__report__unpack(NULL, len, body);
    assert_non_null(rep);
    static const Dockward__V1__Status want[] = {
        DOCKWARD__V1__STATUS__STATUS_PASS,  DOCKWARD__V1__STATUS__STATUS_FAIL,
        DOCKWARD__V1__STATUS__STATUS_WARN,  DOCKWARD__V1__STATUS__STATUS_SKIP,
        DOCKWARD__V1__STATUS__STATUS_ERROR, DOCKWARD__V1__STATUS__STATUS_WARN
    };
    assert_int_equal(rep->n_results, 6);
    for (int s = 0; s < 6; s++) {
        assert_int_equal(rep->results[s]->status, want[s]);
        assert_string_equal(rep->results[s]->waiver_id, s == 5 ? "ci-runners" : "");
    }
    dockward__v1__report__free_unpacked(rep, NULL);
    free(body);
    collection_free(&col);
}

static void test_results_cap(void **state)
{
    (void)state;
    struct collection col;
    collection_init(&col);
    static const char *const two[] = { "host", "file_permissions" };
    for (size_t r = 0; r < 2; r++) {
        struct result_sink sink;
        const struct collector *c = agent_run(&col, r, two[r], true, &sink)->collector;
        for (int i = 0; i < 50001; i++)
            assert_int_equal(sink_add(&sink, c->checks[0].id, "t", CHECK_PASS, "e"), 0);
    }
    struct report_identity id = { .host_id = "h", .hostname = "" };
    uint8_t rid[REPORT_ID_LEN] = { 0 };
    uint8_t *body = (uint8_t *)"x";
    size_t len = 1;
    char err[256];
    assert_int_equal(report_build(&col, &id, 1, rid, &body, &len, err, sizeof(err)), -1);
    assert_null(body);
    assert_non_null(strstr(err, "100002 results, over the cap of 100000"));
    collection_free(&col);
}

/* A temporary rootfs with optional etc/machine-id and etc/hostname contents. */
static void make_root(char *root, size_t len, const char *machine_id, const char *hostname)
{
    snprintf(root, len, "/tmp/dockward-report-XXXXXX");
    assert_non_null(mkdtemp(root));
    char path[512];
    snprintf(path, sizeof(path), "%s/etc", root);
    assert_int_equal(mkdir(path, 0755), 0);
    const char *names[] = { "machine-id", "hostname" };
    const char *texts[] = { machine_id, hostname };
    for (int i = 0; i < 2; i++) {
        if (texts[i] == NULL)
            continue;
        snprintf(path, sizeof(path), "%s/etc/%s", root, names[i]);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(texts[i], f);
        fclose(f);
    }
}

static void remove_root(const char *root)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/etc/machine-id", root);
    unlink(path);
    snprintf(path, sizeof(path), "%s/etc/hostname", root);
    unlink(path);
    snprintf(path, sizeof(path), "%s/etc", root);
    rmdir(path);
    rmdir(root);
}

struct id_case {
    const char *machine_id; /* NULL = no file */
    const char *want_id;    /* NULL = must fail */
    const char *want_err;   /* substring of the error */
};

static void test_machine_id_rules(void **state)
{
    (void)state;
    static const struct id_case cases[] = {
        { "0123456789abcdef0123456789abcdef\n", "0123456789abcdef0123456789abcdef", NULL },
        { "  host-A.b_c \n\n", "host-A.b_c", NULL },
        { "x", "x", NULL },
        { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },
        { NULL, NULL, "/etc/machine-id does not exist under --path.rootfs" },
        { "", NULL, "is empty" },
        { "\n\n", NULL, "is empty" },
        { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, "too long" },
        { "abc def", NULL, "outside [A-Za-z0-9._-]" },
        { "../../etc", NULL, "outside [A-Za-z0-9._-]" },
        { "caf\xc3\xa9", NULL, "outside [A-Za-z0-9._-]" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char root[64];
        make_root(root, sizeof(root), cases[i].machine_id, "web-01\n");
        struct report_identity id;
        char err[512] = "";
        int rc = report_read_identity(root, &id, err, sizeof(err));
        if (cases[i].want_id != NULL) {
            if (rc != 0)
                fail_msg("case %zu: unexpected error %s", i, err);
            assert_string_equal(id.host_id, cases[i].want_id);
            assert_string_equal(id.hostname, "web-01");
        } else {
            assert_int_equal(rc, -1);
            if (strstr(err, cases[i].want_err) == NULL)
                fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, cases[i].want_err);
            assert_non_null(strstr(err, "no host id"));
            assert_non_null(strstr(err, root));
            assert_null(strchr(err, '\n'));
        }
        remove_root(root);
    }
    assert_true(report_host_id_valid("a.b-c_D9"));
    assert_false(report_host_id_valid(""));
    assert_false(report_host_id_valid("a/b"));
}

static void test_hostname_fallback(void **state)
{
    (void)state;
    char root[64];
    struct report_identity id;
    char err[256];
    struct utsname u;
    assert_int_equal(uname(&u), 0);

    make_root(root, sizeof(root), "abc\n", NULL);
    assert_int_equal(report_read_identity(root, &id, err, sizeof(err)), 0);
    assert_string_equal(id.hostname, u.nodename);
    remove_root(root);

    make_root(root, sizeof(root), "abc\n", "\n  \n");
    assert_int_equal(report_read_identity(root, &id, err, sizeof(err)), 0);
    assert_string_equal(id.hostname, u.nodename);
    remove_root(root);

    make_root(root, sizeof(root), "abc\n", "  db-7  \nsecond line\n");
    assert_int_equal(report_read_identity(root, &id, err, sizeof(err)), 0);
    assert_string_equal(id.hostname, "db-7");
    remove_root(root);
}

static void test_ids(void **state)
{
    (void)state;
    uint8_t a[REPORT_ID_LEN], b[REPORT_ID_LEN];
    char err[128];
    assert_int_equal(report_new_id(a, err, sizeof(err)), 0);
    assert_int_equal(report_new_id(b, err, sizeof(err)), 0);
    assert_memory_not_equal(a, b, REPORT_ID_LEN);
    uint8_t fixed[REPORT_ID_LEN] = { 0x00, 0x01, 0xab, 0xff };
    char hex[REPORT_ID_HEX_LEN + 1];
    report_id_hex(fixed, hex);
    assert_string_equal(hex, "0001abff000000000000000000000000");
    assert_string_equal(report_error_name(REPORT_ERROR_HOST_ID), "host_id");
    assert_string_equal(report_error_name(REPORT_ERROR_OUTBOX), "outbox");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),        cmocka_unit_test(test_every_status_maps),
        cmocka_unit_test(test_results_cap),       cmocka_unit_test(test_machine_id_rules),
        cmocka_unit_test(test_hostname_fallback), cmocka_unit_test(test_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
