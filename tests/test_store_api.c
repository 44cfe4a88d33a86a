/*
 * test_store_api.c - the store's query API (store/api.c) against a real
 * SQLite file filled through the writer's own apply: the JSON of each
 * endpoint, paging with `next`, the drift filters, stale hosts, every kind
 * of bad parameter (400 with a message), and RFC 3339 times
 * (store/timestamp.c) both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/utf8.h"
#include "store/api.h"
#include "store/db.h"
#include "store/timestamp.h"
#include "test_store_build.h"
#include "tests/store_harness.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOST_A "aaaa0000000000000000000000000001"
#define HOST_B "bbbb0000000000000000000000000002"
#define T0     1767225600000LL /* 2026-01-01T00:00:00Z */

struct apifix {
    struct store_dbfix base; /* base.db: the writer */
    struct store_api *api;
};

/* Applies reports as one batch; returns store_db_apply's answer, outcomes in out[]. */
static int try_batch(struct store_db *db, struct tb *t, size_t n, enum store_outcome *out)
{
    struct store_report *r[4] = { 0 };
    struct store_job job[4];
    struct store_job *ptr[4];
    char err[256];
    assert_true(n <= 4);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint8_t *p = tb_pack(&t[i], &len);
        assert_int_equal(store_report_decode(p, len, store_now_ms(), &r[i], err, sizeof(err)),
                         REPORT_OK);
        free(p);
        job[i] = (struct store_job){ .report = r[i], .received_ms = store_now_ms() };
        diff_result_init(&job[i].diff);
        ptr[i] = &job[i];
    }
    int rc = store_db_apply(db, ptr, n, err, sizeof(err));
    for (size_t i = 0; i < n; i++) {
        out[i] = job[i].outcome;
        diff_result_free(&job[i].diff);
        store_report_free(r[i]);
    }
    return rc;
}

static void store(struct store_db *db, struct tb *t)
{
    enum store_outcome out;
    assert_int_equal(try_batch(db, t, 1, &out), 0);
    assert_int_equal(out, STORE_OUTCOME_STORED);
}

static int api_setup(void **state)
{
    if (store_db_setup(state, sizeof(struct apifix), "/tmp/dockward-test-api-XXXXXX") != 0)
        return -1;
    struct apifix *f = *state;
    char err[256];
    struct tb t;
    /* Host A: three reports, one second apart. */
    tb_init(&t, HOST_A, 1, 0);
    t.rep.hostname = "web-1";
    t.rep.generated_at_unix_ms = T0;
    tb_run(&t, "host", true);
    tb_run(&t, "container_runtime", true);
    tb_result(&t, "1.1.1", "host", STORE_PASS, "separate mount", "host");
    tb_result(&t, "5.5", "container/web", STORE_PASS, "not privileged", "container_runtime");
    tb_result(&t, "5.5", "container/db", STORE_FAIL, "privileged", "container_runtime");
    store(f->base.db, &t); /* 3 events at T0 */
    t.rep.sequence = 2;
    t.id[0] ^= 1;
    t.rep.generated_at_unix_ms = T0 + 1000;
    t.res[1].status = DOCKWARD__V1__STATUS__STATUS_FAIL;
    store(f->base.db, &t); /* 1 event at T0+1s: 5.5 web pass -> fail */
    t.rep.sequence = 3;
    t.id[0] ^= 2;
    t.rep.generated_at_unix_ms = T0 + 2000;
    t.rep.n_results = 2; /* container/db gone */
    t.res[0].status = DOCKWARD__V1__STATUS__STATUS_WARN;
    store(f->base.db, &t); /* 2 events at T0+2s */
    /* Host B: one report. */
    tb_init(&t, HOST_B, 1, 0);
    t.rep.hostname = "db-1";
    t.rep.generated_at_unix_ms = T0 + 1500;
    tb_run(&t, "container_runtime", true);
    tb_result(&t, "5.5", "container/pg", STORE_FAIL, "privileged", "container_runtime");
    tb_result(&t, "5.10", "container/pg", STORE_PASS, "memory limit set", "container_runtime");
    tb_result(&t, "5.12", "container/pg", STORE_WAIVED, "ReadonlyRootfs=false (waived by pg-ro)",
              "container_runtime");
    store(f->base.db, &t); /* 3 events at T0+1.5s */
    if (store_api_open(&f->api, f->base.path, 600000, err, sizeof(err)) != 0)
        return -1;
    return 0;
}

static int api_teardown(void **state)
{
    struct apifix *f = *state;
    store_api_close(f->api);
    return store_db_teardown(state);
}

/* GETs `path` with the n "name=value" params pv; returns the parsed body, *status the code. */
static cJSON *get_params(struct apifix *f, const char *path, unsigned *status, int64_t now_ms,
                         const char *const *pv, size_t n)
{
    struct api_param params[8];
    char copies[8][128];
    for (size_t i = 0; i < n; i++) {
        snprintf(copies[i], sizeof(copies[i]), "%s", pv[i]);
        char *eq = strchr(copies[i], '=');
        params[i].name = copies[i];
        params[i].value = "";
        if (eq != NULL) {
            *eq = '\0';
            params[i].value = eq + 1;
        }
    }
    struct api_response resp;
    store_api_handle(f->api, path, params, n, now_ms, &resp);
    *status = resp.status;
    assert_non_null(resp.body);
    cJSON *doc = cJSON_ParseWithLength(resp.body, resp.len);
    if (doc == NULL)
        print_error("not JSON: %s\n", resp.body);
    assert_non_null(doc);
    free(resp.body);
    return doc;
}

/* get_params() with the n params as arguments. */
static cJSON *get(struct apifix *f, const char *path, unsigned *status, int64_t now_ms, size_t n,
                  ...)
{
    const char *pv[8];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        pv[i] = va_arg(ap, const char *);
    va_end(ap);
    return get_params(f, path, status, now_ms, pv, n);
}

/* GETs `path` now with one "name=value" param (NULL: none): it must answer 200; returns the body.
 */
static cJSON *get_ok(struct apifix *f, const char *path, const char *param)
{
    unsigned status;
    cJSON *doc = get_params(f, path, &status, store_now_ms(), &param, param ? 1 : 0);
    assert_int_equal(status, 200);
    return doc;
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/*
 * GETs `path` now with the n params pv page by page, each page after the
 * first with after= the previous answer's next too, until an answer has no
 * next or max_pages were fetched; each must answer 200. Returns an object
 * whose `key` array holds every page's items in order, as one answer would
 * (the caller deletes it); *pages is how many pages were fetched.
 */
static cJSON *get_pages(struct apifix *f, const char *path, const char *const *pv, size_t n,
                        const char *key, int max_pages, int *pages)
{
    cJSON *joined = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(joined, key);
    assert_non_null(items);
    const char *params[8];
    char after[128] = "";
    for (size_t i = 0; i < n; i++)
        params[i] = pv[i];
    for (*pages = 0; *pages < max_pages;) {
        params[n] = after;
        unsigned status;
        cJSON *doc = get_params(f, path, &status, store_now_ms(), params, after[0] ? n + 1 : n);
        ++*pages;
        assert_int_equal(status, 200);
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, key))
            cJSON_AddItemToArray(items, cJSON_Duplicate(item, 1));
        const char *next = str(doc, "next");
        snprintf(after, sizeof(after), "after=%s", next ? next : "");
        cJSON_Delete(doc);
        if (next == NULL)
            break;
    }
    return joined;
}

static void assert_error(struct apifix *f, const char *path, unsigned want, const char *needle,
                         const char *param)
{
    unsigned status;
    cJSON *doc = param ? get(f, path, &status, store_now_ms(), 1, param)
                       : get(f, path, &status, store_now_ms(), 0);
    const char *msg = str(doc, "error");
    if (status != want || msg == NULL || strstr(msg, needle) == NULL)
        print_error("%s?%s: want %u \"%s\", got %u \"%s\"\n", path, param ? param : "", want,
                    needle, status, msg ? msg : "(none)");
    assert_int_equal(status, want);
    assert_non_null(msg);
    assert_non_null(strstr(msg, needle));
    cJSON_Delete(doc);
}

static void test_hosts(void **state)
{
    struct apifix *f = *state;
    unsigned status;
    cJSON *doc = get_ok(f, "/api/v1/hosts", NULL);
    const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(doc, "hosts");
    assert_int_equal(cJSON_GetArraySize(hosts), 2);
    const cJSON *a = cJSON_GetArrayItem(hosts, 0);
    assert_string_equal(str(a, "id"), HOST_A);
    assert_string_equal(str(a, "hostname"), "web-1");
    assert_string_equal(str(a, "state"), "reporting");
    assert_int_equal(num(a, "sequence"), 3);
    /* A now: 1.1.1 warn, 5.5 web fail: ratio 0/(0+1) = 0, one failing. */
    assert_true(num(a, "compliance_ratio") == 0.0);
    assert_int_equal(num(a, "failing"), 1);
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(a, "counts");
    assert_int_equal(num(counts, "warn"), 1);
    assert_int_equal(num(counts, "fail"), 1);
    assert_int_equal(num(counts, "pass"), 0);
    const cJSON *b = cJSON_GetArrayItem(hosts, 1);
    assert_string_equal(str(b, "id"), HOST_B);
    /* B: 5.5 fail, 5.10 pass, 5.12 waived: the waived result is in neither term. */
    assert_true(num(b, "compliance_ratio") == 0.5);
    counts = cJSON_GetObjectItemCaseSensitive(b, "counts");
    assert_int_equal(num(counts, "waived"), 1);
    assert_int_equal(num(counts, "fail"), 1);
    assert_int_equal(num(counts, "pass"), 1);
    assert_int_equal(num(a, "failing"), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(doc, "next")));
    cJSON_Delete(doc);

    /* One per page: next is the last id, and after= continues from it. */
    doc = get(f, "/api/v1/hosts", &status, store_now_ms(), 1, "limit=1");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "hosts")), 1);
    assert_string_equal(str(doc, "next"), HOST_A);
    cJSON_Delete(doc);
    doc = get(f, "/api/v1/hosts", &status, store_now_ms(), 2, "limit=1", "after=" HOST_A);
    hosts = cJSON_GetObjectItemCaseSensitive(doc, "hosts");
    assert_string_equal(str(cJSON_GetArrayItem(hosts, 0), "id"), HOST_B);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(doc, "next")));
    cJSON_Delete(doc);

    /* Eleven minutes later both are stale (--host.stale-after 10m). */
    doc = get(f, "/api/v1/hosts", &status, store_now_ms() + 11 * 60000, 0);
    hosts = cJSON_GetObjectItemCaseSensitive(doc, "hosts");
    assert_string_equal(str(cJSON_GetArrayItem(hosts, 0), "state"), "stale");
    assert_string_equal(str(cJSON_GetArrayItem(hosts, 1), "state"), "stale");
    cJSON_Delete(doc);
}

static void test_host_detail_and_check(void **state)
{
    struct apifix *f = *state;
    unsigned status;
    cJSON *doc = get_ok(f, "/api/v1/hosts/" HOST_A, NULL);
    assert_string_equal(str(doc, "generated_at"), "2026-01-01T00:00:02.000Z");
    assert_string_equal(str(doc, "catalog_version"), "cis-docker-1.6.0");
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(doc, "results");
    assert_int_equal(cJSON_GetArraySize(results), 2);
    const cJSON *r0 = cJSON_GetArrayItem(results, 0), *r1 = cJSON_GetArrayItem(results, 1);
    assert_string_equal(str(r0, "check"), "1.1.1");
    assert_string_equal(str(r0, "status"), "warn");
    assert_string_equal(str(r0, "since"), "2026-01-01T00:00:02.000Z");
    assert_string_equal(str(r1, "check"), "5.5");
    assert_string_equal(str(r1, "target"), "container/web");
    assert_string_equal(str(r1, "status"), "fail");
    assert_string_equal(str(r1, "evidence"), "not privileged");
    assert_string_equal(str(r1, "collector"), "container_runtime");
    assert_string_equal(str(r1, "since"), "2026-01-01T00:00:01.000Z");
    cJSON_Delete(doc);

    doc = get_ok(f, "/api/v1/checks/5.5", NULL);
    assert_string_equal(str(doc, "check"), "5.5");
    const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(doc, "hosts");
    assert_int_equal(cJSON_GetArraySize(hosts), 2);
    const cJSON *h = cJSON_GetArrayItem(hosts, 0);
    assert_string_equal(str(h, "id"), HOST_A);
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(h, "targets");
    assert_int_equal(cJSON_GetArraySize(targets), 1);
    assert_string_equal(cJSON_GetArrayItem(targets, 0)->valuestring, "container/web");
    cJSON_Delete(doc);
    doc = get(f, "/api/v1/checks/5.10", &status, store_now_ms(), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "hosts")), 0);
    cJSON_Delete(doc);
}

/* The (check, target, from, to, at) of every event of one drift answer, as one string. */
static void events_text(const cJSON *doc, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
    {
        int n =
            snprintf(out + used, size - used, "%s %s %s>%s %s%s|", str(ev, "check"),
                     str(ev, "target"), str(ev, "from"), str(ev, "to"), str(ev, "at") + 17,
                     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "regression")) ? " R" : "");
        if (n > 0 && (size_t)n < size - used)
            used += (size_t)n;
    }
}

static void test_drift(void **state)
{
    struct apifix *f = *state;
    unsigned status;
    char text[2048];
    cJSON *doc = get_ok(f, "/api/v1/drift", NULL);
    events_text(doc, text, sizeof(text));
    /*
     * The store's order (its event id: the order it stored them in), not the
     * agents' times: host B's report (generated at 01.5) was stored after
     * host A's third (02.0), so its events come last. Within a report in
     * (check, target) order.
     */
    assert_string_equal(text, "1.1.1 host absent>pass 00.000Z|"
                              "5.5 container/db absent>fail 00.000Z R|"
                              "5.5 container/web absent>pass 00.000Z|"
                              "5.5 container/web pass>fail 01.000Z R|"
                              "1.1.1 host pass>warn 02.000Z|"
                              "5.5 container/db fail>absent 02.000Z|"
                              "5.10 container/pg absent>pass 01.500Z|"
                              "5.12 container/pg absent>waived 01.500Z|"
                              "5.5 container/pg absent>fail 01.500Z R|");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(doc, "next")));
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "events"), 0);
    assert_string_equal(str(first, "host"), HOST_A);
    assert_string_equal(str(first, "hostname"), "web-1");
    assert_int_equal(strlen(str(first, "report_id")), 32);
    cJSON_Delete(doc);

    /* Pages of three, joined, are the same list. */
    static const char *const by_three[] = { "limit=3" };
    char joined[2048];
    int pages;
    doc = get_pages(f, "/api/v1/drift", by_three, 1, "events", 10, &pages);
    events_text(doc, joined, sizeof(joined));
    cJSON_Delete(doc);
    assert_string_equal(joined, text);

    doc = get(f, "/api/v1/drift", &status, store_now_ms(), 2, "host=" HOST_B, "check=5.5");
    events_text(doc, text, sizeof(text));
    assert_string_equal(text, "5.5 container/pg absent>fail 01.500Z R|");
    cJSON_Delete(doc);
    doc = get(f, "/api/v1/drift", &status, store_now_ms(), 1, "check=1.1.1");
    events_text(doc, text, sizeof(text));
    assert_string_equal(text, "1.1.1 host absent>pass 00.000Z|1.1.1 host pass>warn 02.000Z|");
    cJSON_Delete(doc);
    /* since is the store's receive time: everything here was received after 2026-01-01. */
    doc = get(f, "/api/v1/drift", &status, store_now_ms(), 2, "since=2026-01-01T01:00:01.5+01:00",
              "host=" HOST_A);
    events_text(doc, text, sizeof(text));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "events")), 6);
    cJSON_Delete(doc);
    doc = get(f, "/api/v1/drift", &status, store_now_ms(), 1, "since=2999-01-01T00:00:00Z");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "events")), 0);
    cJSON_Delete(doc);

    /*
     * issue 18 #5: a late report (generated 2 minutes before the newest,
     * delivered after it by a retrying outbox) is still seen by a client
     * that paged to the end with "next".
     */
    doc = get(f, "/api/v1/drift", &status, store_now_ms(), 1, "limit=1000");
    char tail[64];
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(doc, "events");
    const cJSON *last = cJSON_GetArrayItem(all, cJSON_GetArraySize(all) - 1);
    snprintf(tail, sizeof(tail), "after=%lld",
             (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(last, "id")));
    cJSON_Delete(doc);
    struct tb t;
    tb_init(&t, HOST_B, 2, 0);
    t.rep.hostname = "db-1";
    t.rep.generated_at_unix_ms = T0 - 120000; /* before everything stored so far */
    tb_run(&t, "container_runtime", true);
    tb_result(&t, "5.5", "container/pg", STORE_PASS, "not privileged", "container_runtime");
    tb_result(&t, "5.10", "container/pg", STORE_PASS, "memory limit set", "container_runtime");
    tb_result(&t, "5.12", "container/pg", STORE_WAIVED, "ReadonlyRootfs=false (waived by pg-ro)",
              "container_runtime");
    store(f->base.db, &t);
    doc = get(f, "/api/v1/drift", &status, store_now_ms(), 1, tail);
    events_text(doc, text, sizeof(text));
    assert_string_equal(text, "5.5 container/pg fail>pass 00.000Z|"); /* at 23:58:00.000Z */
    const cJSON *late = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "events"), 0);
    assert_non_null(str(late, "received_at")); /* the store's time, beside the agent's */
    cJSON_Delete(doc);
    doc = get_ok(f, "/api/v1/drift", "host=nosuchhost");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "events")), 0);
    cJSON_Delete(doc);
}

static void test_bad_parameters(void **state)
{
    struct apifix *f = *state;
    assert_error(f, "/api/v1/drift", 400, "limit must be a whole number from 1 to 1000", "limit=0");
    assert_error(f, "/api/v1/drift", 400, "limit must be", "limit=1001");
    assert_error(f, "/api/v1/drift", 400, "limit must be", "limit=-1");
    assert_error(f, "/api/v1/drift", 400, "limit must be", "limit=1x");
    assert_error(f, "/api/v1/drift", 400, "since must be an RFC 3339 time", "since=2026-01-01");
    assert_error(f, "/api/v1/drift", 400, "after must be", "after=x12");
    assert_error(f, "/api/v1/drift", 400, "after must be", "after=-5");
    assert_error(f, "/api/v1/drift", 400, "host must be a host id", "host=a b");
    assert_error(f, "/api/v1/drift", 400, "unknown parameter \"hots\"", "hots=x");
    assert_error(f, "/api/v1/hosts", 400, "unknown parameter \"since\"", "since=x");
    assert_error(f, "/api/v1/hosts", 400, "after must be a host id", "after=a/b");
    assert_error(f, "/api/v1/hosts/" HOST_A, 400, "unknown parameter", "since=1");
    assert_error(f, "/api/v1/hosts/" HOST_A, 400, "after must be", "after=zz-00");
    assert_error(f, "/api/v1/hosts/" HOST_A, 400, "limit must be", "limit=20001");
    assert_error(f, "/api/v1/hosts/bad id", 400, "a host id is", NULL);
    assert_error(f, "/api/v1/hosts/nosuchhost", 404, "no host with id \"nosuchhost\"", NULL);
    assert_error(f, "/api/v1/checks/", 400, "a check id is", NULL);
    assert_error(f, "/api/v1/checks/5.5", 400, "after must be", "after=x");
    assert_error(f, "/api/v1/nothing", 404, "no such endpoint", NULL);
    unsigned status;
    cJSON *doc = get(f, "/api/v1/drift", &status, store_now_ms(), 2, "limit=1", "limit=2");
    assert_int_equal(status, 400);
    assert_non_null(strstr(str(doc, "error"), "given twice"));
    cJSON_Delete(doc);
}

/* The raw body of a GET with one "name=value" parameter (or none). */
static char *raw_get(struct apifix *f, const char *path, const char *name, const char *value,
                     unsigned *status)
{
    struct api_param prm = { name, value };
    struct api_response resp;
    store_api_handle(f->api, path, &prm, name != NULL ? 1 : 0, store_now_ms(), &resp);
    *status = resp.status;
    assert_non_null(resp.body);
    return resp.body;
}

static void assert_valid_utf8(const char *body)
{
    size_t len = strlen(body);
    char *tmp = malloc(len + 1);
    assert_non_null(tmp);
    size_t n = utf8_sanitize(body, tmp, len);
    if (n != len || memcmp(tmp, body, len) != 0)
        print_error("not valid UTF-8: %s\n", body);
    assert_int_equal(n, len);
    assert_memory_equal(tmp, body, len);
    free(tmp);
}

/* issue 18 #8 and #9: every answer is valid UTF-8 JSON with exact integers. */
static void test_answers_valid_utf8_and_exact_integers(void **state)
{
    struct apifix *f = *state;
    unsigned status;
    /* GET /api/v1/checks/%ff%fe5.5: not a check id, and not echoed raw. */
    char *body = raw_get(f,
                         "/api/v1/checks/\xff\xfe"
                         "5.5",
                         NULL, NULL, &status);
    assert_int_equal(status, 400);
    assert_valid_utf8(body);
    assert_non_null(strstr(body, "a check id is 1 to"));
    free(body);
    /* A parameter name whose 64-byte cut splits a two-byte character. */
    char name[80];
    memset(name, 'a', 63);
    snprintf(name + 63, sizeof(name) - 63, "\xc3\xa9x");
    body = raw_get(f, "/api/v1/drift", name, "1", &status);
    assert_int_equal(status, 400);
    assert_valid_utf8(body);
    assert_non_null(strstr(body, "unknown parameter"));
    free(body);
    body = raw_get(f, "/api/v1/drift", "\xed\xa0\x80", "1", &status); /* a UTF-16 surrogate */
    assert_int_equal(status, 400);
    assert_valid_utf8(body);
    free(body);

    /* A sequence of 2^53 + 1 reads back exactly (cJSON's doubles would print 9.007e+15). */
    struct tb t;
    tb_init(&t, "cccc0000000000000000000000000003", 9007199254740993ULL, 0);
    tb_run(&t, "host", true);
    tb_result(&t, "1.1.1", "host", STORE_PASS, "separate mount", "host");
    store(f->base.db, &t);
    body = raw_get(f, "/api/v1/hosts/cccc0000000000000000000000000003", NULL, NULL, &status);
    assert_int_equal(status, 200);
    assert_non_null(strstr(body, "\"sequence\":9007199254740993"));
    free(body);
}

/* issue 18 #7: a host's results are paged (limit, after = next), never built whole past a page. */
static void test_host_results_paged(void **state)
{
    struct apifix *f = *state;
    static const char *const by_one[] = { "limit=1" };
    int pages;
    /* Without a limit: all of them in one page (no next). */
    cJSON *all = get_pages(f, "/api/v1/hosts/" HOST_B, NULL, 0, "results", 10, &pages);
    assert_int_equal(pages, 1);
    cJSON *joined = get_pages(f, "/api/v1/hosts/" HOST_B, by_one, 1, "results", 10, &pages);
    char *want = cJSON_PrintUnformatted(all), *got = cJSON_PrintUnformatted(joined);
    assert_string_equal(got, want);
    assert_int_equal(pages, 3); /* three rows: three pages */
    free(got);
    free(want);
    cJSON_Delete(joined);
    cJSON_Delete(all);
}

static void test_timestamps(void **state)
{
    (void)state;
    char out[TIMESTAMP_LEN];
    assert_string_equal(timestamp_format(T0, out, sizeof(out)), "2026-01-01T00:00:00.000Z");
    assert_string_equal(timestamp_format(T0 + 86399999, out, sizeof(out)),
                        "2026-01-01T23:59:59.999Z");
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        { "2026-01-01T00:00:00Z", T0 },
        { "2026-01-01t00:00:00z", T0 },
        { "2026-01-01T00:00:00.5Z", T0 + 500 },
        { "2026-01-01T00:00:00.123456789Z", T0 + 123 },
        { "2026-01-01T01:30:00+01:30", T0 },
        { "2025-12-31T23:00:00-01:00", T0 },
        { "2024-02-29T00:00:00Z", 1709164800000LL },
        { "2016-12-31T23:59:60Z", 1483228799000LL }, /* a leap second */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t ms = 0;
        assert_int_equal(timestamp_parse(good[i].text, &ms), 0);
        assert_int_equal(ms, good[i].ms);
    }
    static const char *const bad[] = {
        "",
        "2026-01-01",
        "2026-01-01T00:00:00",
        "2026-01-01 00:00:00Z",
        "2026-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00+1:00",
        "2026-01-01T00:00:00Zjunk",
        "26-01-01T00:00:00Z",
        "yesterday",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms = 0;
        if (timestamp_parse(bad[i], &ms) != -1)
            print_error("accepted \"%s\"\n", bad[i]);
        assert_int_equal(timestamp_parse(bad[i], &ms), -1);
    }
}

/* ---- ?check= over drift rows with check sets (db_schema.c) ---- */

#define SET_CHECKS 24
static char set_check[SET_CHECKS][8]; /* "9.1" .. "9.24" */

/* Host i's id. */
static const char *set_host(int i)
{
    static char ids[9][40];
    snprintf(ids[i], sizeof(ids[i]), "cccc00000000000000000000000000%02d", i);
    return ids[i];
}

/*
 * Stores a report of host i with sequence seq carrying checks [from, to)
 * (a "host" target each, a "container/a" one for even checks), statuses
 * varied by (host, check, seq & mask): a first report marks its row with a
 * check set when it has enough checks.
 */
static void set_build(struct tb *t, int i, uint64_t seq, unsigned salt, int from, int to,
                      unsigned mask)
{
    tb_init(t, set_host(i), seq, salt);
    tb_run(t, "host", true);
    for (int c = from; c < to; c++) {
        unsigned v = (unsigned)(i * 7 + c * 3) + (unsigned)(seq & mask);
        tb_result(t, set_check[c], "host", v % 3 == 0 ? STORE_FAIL : STORE_PASS, "e", "host");
        if (c % 2 == 0)
            tb_result(t, set_check[c], "container/a", v % 4 == 0 ? STORE_WARN : STORE_PASS, "e",
                      "host");
    }
}

static void set_report(struct apifix *f, int i, uint64_t seq, unsigned salt, int from, int to,
                       unsigned mask)
{
    struct tb t;
    set_build(&t, i, seq, salt, from, to, mask);
    store(f->base.db, &t);
}

/*
 * Every page of GET /api/v1/drift (host and check filters, `limit` a
 * page), joined: "id host check target from>to|" per event; with `keep`,
 * only that check's events (the brute-force filter of the unfiltered list).
 */
static void drift_list(struct apifix *f, const char *host, const char *check, const char *keep,
                       int limit, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    char p[3][128];
    const char *pv[3];
    size_t n = 0;
    snprintf(p[n++], sizeof(p[0]), "limit=%d", limit);
    if (host != NULL)
        snprintf(p[n++], sizeof(p[0]), "host=%s", host);
    if (check != NULL)
        snprintf(p[n++], sizeof(p[0]), "check=%s", check);
    for (size_t i = 0; i < n; i++)
        pv[i] = p[i];
    int pages;
    cJSON *doc = get_pages(f, "/api/v1/drift", pv, n, "events", INT_MAX, &pages);
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
    {
        if (keep != NULL && strcmp(str(ev, "check"), keep) != 0)
            continue;
        int w = snprintf(out + used, size - used, "%.0f %s %s %s %s>%s|", num(ev, "id"),
                         str(ev, "host") + 30, str(ev, "check"), str(ev, "target"), str(ev, "from"),
                         str(ev, "to"));
        assert_true(w > 0 && (size_t)w < size - used);
        used += (size_t)w;
    }
    cJSON_Delete(doc);
}

/*
 * For every check (and the retirement marker, and one no host has),
 * without and with a host filter: ?check= paged by 5 is the unfiltered
 * list filtered. Returns how many events the check filters found.
 */
static size_t assert_by_check_same(struct apifix *f)
{
    const size_t size = 1 << 18;
    char *want = malloc(size), *got = malloc(size);
    assert_non_null(want);
    assert_non_null(got);
    const char *hosts[] = { NULL, set_host(0), set_host(1), set_host(4) };
    size_t found = 0;
    for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
        for (int c = 0; c < SET_CHECKS + 2; c++) {
            const char *check = c < SET_CHECKS    ? set_check[c]
                                : c == SET_CHECKS ? STORE_RETIRED_CHECK
                                                  : "9.99";
            drift_list(f, hosts[h], NULL, check, 1000, want, size);
            drift_list(f, hosts[h], check, NULL, 5, got, size);
            if (strcmp(want, got) != 0)
                print_error("check=%s host=%s:\nwant %s\ngot  %s\n", check,
                            hosts[h] ? hosts[h] : "-", want, got);
            assert_string_equal(want, got);
            for (const char *p = got; (p = strchr(p, '|')) != NULL; p++)
                found++;
        }
    }
    free(want);
    free(got);
    return found;
}

static long long set_sql_int(struct apifix *f, const char *sql)
{
    return store_sql_int(store_db_sqlite(f->base.db), sql);
}

/*
 * First reports, a retirement and a revival mark their drift rows with
 * check sets instead of drift_checks rows; later reports do not. ?check=
 * answers what the unfiltered list filtered by check does: on such a mix,
 * after the database is made as the old schema (5) left it and migrated,
 * with reports after the migration, and at each step of retention trimming
 * rows oldest first.
 */
static void test_drift_by_check_sets(void **state)
{
    struct apifix *f = *state;
    char err[256];
    for (int c = 0; c < SET_CHECKS; c++)
        snprintf(set_check[c], sizeof(set_check[c]), "9.%d", c + 1);
    set_report(f, 0, 1, 0, 0, SET_CHECKS, 0);
    set_report(f, 1, 1, 0, 0, SET_CHECKS, 0);
    set_report(f, 2, 1, 0, 0, SET_CHECKS, 0);
    set_report(f, 3, 1, 0, 0, 20, 0);
    set_report(f, 4, 1, 0, 0, 5, 0); /* too few checks: drift_checks rows */
    set_report(f, 5, 1, 0, 2, SET_CHECKS, 0);
    for (uint64_t seq = 2; seq <= 3; seq++) /* a few changes each: drift_checks rows */
        for (int i = 0; i < 6; i++)
            set_report(f, i, seq, 0, 0, i == 4 ? 5 : i == 3 ? 20 : SET_CHECKS, 1);
    /* Host 1 retired (every pair to absent, and the marker), then revived. */
    struct diff_result figures;
    diff_result_init(&figures);
    bool found = false;
    assert_int_equal(store_db_retire(f->base.db, set_host(1), store_now_ms(), &figures, &found, err,
                                     sizeof(err)),
                     0);
    assert_true(found);
    diff_result_free(&figures);
    set_report(f, 1, 1, 1, 0, 22, 0);
    set_report(f, 0, 5, 0, 0, 3, 1); /* 21 checks' pairs to absent: a set too */
    assert_int_equal(set_sql_int(f, "SELECT count(*) FROM drift WHERE set_id IS NOT NULL"), 8);
    assert_int_equal(set_sql_int(f, "SELECT count(DISTINCT set_id) FROM drift"), 6);
    assert_int_equal(set_sql_int(f, "SELECT count(*) FROM drift_checks c JOIN drift d "
                                    "ON d.id = c.id WHERE d.set_id IS NOT NULL"),
                     0);
    size_t before = assert_by_check_same(f);
    assert_true(before > 400);

    /* The database as schema 5 left it: a drift_checks row per check of every row. */
    store_api_close(f->api);
    f->api = NULL;
    store_db_close(f->base.db);
    f->base.db = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->base.path, &db), SQLITE_OK);
    store_sql_ok(db, "INSERT INTO drift_checks (check_id, id) SELECT s.check_id, d.id FROM drift d "
                     "JOIN drift_sets s ON s.set_id = d.set_id; DROP INDEX drift_set; "
                     "DROP TABLE drift_sets; ALTER TABLE drift DROP COLUMN set_id; "
                     "PRAGMA user_version = 5;");
    sqlite3_close(db);
    assert_int_equal(store_db_open(f->base.path, STORE_DB_WRITER, &f->base.db, err, sizeof(err)),
                     0);
    assert_int_equal(set_sql_int(f, "PRAGMA user_version"), STORE_DB_SCHEMA_VERSION);
    assert_int_equal(store_api_open(&f->api, f->base.path, 600000, err, sizeof(err)), 0);
    assert_int_equal(assert_by_check_same(f), before);
    /* After the migration: new sets beside the old rows' drift_checks rows. */
    set_report(f, 6, 1, 0, 0, SET_CHECKS, 0);
    set_report(f, 7, 1, 0, 1, SET_CHECKS, 0);
    set_report(f, 6, 2, 0, 0, SET_CHECKS, 1);
    assert_int_equal(set_sql_int(f, "SELECT count(*) FROM drift WHERE set_id IS NOT NULL"), 2);
    /* The writer reads the sets back at open: host 8's first report reuses host 6's. */
    long long sets = set_sql_int(f, "SELECT count(*) FROM drift_sets");
    store_db_close(f->base.db);
    assert_int_equal(store_db_open(f->base.path, STORE_DB_WRITER, &f->base.db, err, sizeof(err)),
                     0);
    set_report(f, 8, 1, 0, 0, SET_CHECKS, 0);
    assert_int_equal(set_sql_int(f, "SELECT count(*) FROM drift_sets"), sets);
    assert_int_equal(set_sql_int(f, "SELECT count(DISTINCT set_id) FROM drift"), 2);
    size_t total = assert_by_check_same(f);
    assert_true(total > before);

    /* Retention, 23 events at a time: rows deleted, and rows with a set trimmed. */
    int deleted = 0, steps = 0;
    do {
        assert_int_equal(
            store_db_retention(f->base.db, store_now_ms() + 60000, 23, &deleted, err, sizeof(err)),
            0);
        size_t left = assert_by_check_same(f);
        assert_true(left <= total);
        total = left;
        steps++;
    } while (deleted > 0);
    assert_true(steps > 10);
    assert_int_equal(total, 0);
    assert_int_equal(set_sql_int(f, "SELECT count(*) FROM drift_checks"), 0);

    /* A database of a newer schema is refused, as before. */
    store_db_close(f->base.db);
    f->base.db = NULL;
    assert_int_equal(sqlite3_open(f->base.path, &db), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_DB_SCHEMA_VERSION + 1);
    store_sql_ok(db, sql);
    sqlite3_close(db);
    assert_int_equal(store_db_open(f->base.path, STORE_DB_WRITER, &f->base.db, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "newer than this dockward-store knows"));
}

/*
 * A report that fails after its drift row's check set was made takes the
 * set with it: what the writer remembers is what drift_sets holds, or a
 * later row with the same checks would name a set with no rows. A
 * temporary trigger fails the insert of a drift row that has a set (it
 * runs after set_of): RAISE(ABORT) fails the statement (the report alone
 * is rolled back to its savepoint), RAISE(ROLLBACK) the whole transaction
 * (every report of the batch is undone, also one that had made a set of
 * its own). Then the same reports again are stored (their ids were undone
 * too), their rows name sets that exist, and ?check= answers what the
 * unfiltered list does.
 */
static void test_drift_set_undone_with_its_report(void **state)
{
    struct apifix *f = *state;
    sqlite3 *db = store_db_sqlite(f->base.db);
    for (int c = 0; c < SET_CHECKS; c++)
        snprintf(set_check[c], sizeof(set_check[c]), "9.%d", c + 1);
    set_report(f, 0, 1, 0, 0, SET_CHECKS, 0);
    const long long sets0 = set_sql_int(f, "SELECT count(DISTINCT set_id) FROM drift_sets");
    struct tb t[2];
    enum store_outcome out[2];

    /* The report alone: host 1 (a new set of 20 checks) fails, host 2 (ditto, 18) is stored. */
    store_sql_ok(db, "CREATE TEMP TRIGGER fail_set AFTER INSERT ON main.drift "
                     "WHEN NEW.set_id IS NOT NULL AND (SELECT count(*) FROM main.drift_sets "
                     "WHERE set_id = NEW.set_id) = 20 BEGIN SELECT RAISE(ABORT, 'injected'); END");
    set_build(&t[0], 1, 1, 0, 0, 20, 0);
    set_build(&t[1], 2, 1, 0, 0, 18, 0);
    assert_int_equal(try_batch(f->base.db, t, 2, out), 0);
    assert_int_equal(out[0], STORE_OUTCOME_UNAVAILABLE);
    assert_int_equal(out[1], STORE_OUTCOME_STORED);
    assert_int_equal(set_sql_int(f, "SELECT count(DISTINCT set_id) FROM drift_sets"), sets0 + 1);

    /* The whole batch: host 3 (a new set of 16) and host 1 again, both undone. */
    store_sql_ok(db, "DROP TRIGGER fail_set");
    store_sql_ok(db, "CREATE TEMP TRIGGER fail_set AFTER INSERT ON main.drift "
                     "WHEN NEW.set_id IS NOT NULL AND (SELECT count(*) FROM main.drift_sets "
                     "WHERE set_id = NEW.set_id) = 20 BEGIN SELECT RAISE(ROLLBACK, 'injected'); "
                     "END");
    set_build(&t[0], 3, 1, 0, 0, 16, 0);
    set_build(&t[1], 1, 1, 0, 0, 20, 0);
    assert_int_equal(try_batch(f->base.db, t, 2, out), -1);
    assert_int_equal(out[0], STORE_OUTCOME_UNAVAILABLE);
    assert_int_equal(out[1], STORE_OUTCOME_UNAVAILABLE);
    assert_int_equal(set_sql_int(f, "SELECT count(DISTINCT set_id) FROM drift_sets"), sets0 + 1);

    /* Without the trigger: both stored, each a set with rows, and a fourth host reuses one. */
    store_sql_ok(db, "DROP TRIGGER fail_set");
    assert_int_equal(try_batch(f->base.db, t, 2, out), 0);
    assert_int_equal(out[0], STORE_OUTCOME_STORED);
    assert_int_equal(out[1], STORE_OUTCOME_STORED);
    set_report(f, 4, 1, 0, 0, 20, 0);
    set_report(f, 5, 1, 0, 0, 16, 0);
    assert_int_equal(set_sql_int(f, "SELECT count(DISTINCT set_id) FROM drift_sets"), sets0 + 3);
    assert_int_equal(set_sql_int(f, "SELECT count(*) FROM drift_sets"), SET_CHECKS + 18 + 16 + 20);
    assert_int_equal(set_sql_int(f, "SELECT count(*) FROM drift d WHERE d.set_id IS NOT NULL AND "
                                    "NOT EXISTS (SELECT 1 FROM drift_sets s "
                                    "WHERE s.set_id = d.set_id)"),
                     0);
    assert_int_equal(set_sql_int(f, "SELECT count(*) FROM drift WHERE set_id IS NOT NULL"), 6);
    assert_true(assert_by_check_same(f) > 0);
}

/* A test on the database api_setup fills, with the query API open on it. */
#define WITH_API(test) cmocka_unit_test_setup_teardown(test, api_setup, api_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        WITH_API(test_hosts),
        WITH_API(test_host_detail_and_check),
        WITH_API(test_drift),
        WITH_API(test_bad_parameters),
        WITH_API(test_host_results_paged),
        WITH_API(test_answers_valid_utf8_and_exact_integers),
        WITH_API(test_drift_by_check_sets),
        WITH_API(test_drift_set_undone_with_its_report),
        cmocka_unit_test(test_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
