/*
 * test_store_validate.c - the store's decoding and validation of pushed
 * reports (store/report.c): every rule of the ingest contract, malformed
 * and hostile protobuf, the decode memory cap, and gunzip's distinction
 * between a corrupt body (400) and one that inflates too far (413).
 *
 * Each refusal asserts the exact result and a piece of the message, so a
 * report refused for the wrong reason fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/expo.h"
#include "store/report.h"
#include "test_store_build.h"
#include "tests/store_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static struct tb *valid_report(void)
{
    struct tb *t = calloc(1, sizeof(*t));
    tb_init(t, "0123456789abcdef0123456789abcdef", 7, 0);
    tb_run(t, "host", true);
    tb_run(t, "container_runtime", true);
    tb_run(t, "image_age", false);
    tb_result(t, "5.5", "container/web", STORE_FAIL, "HostConfig.Privileged=true",
              "container_runtime");
    tb_result(t, "1.1.1", "host", STORE_PASS, "/var/lib/docker is a separate mount", "host");
    tb_result(t, "5.10", "container/web", STORE_WARN, "no memory limit", "container_runtime");
    tb_result(t, "5.10", "container/db", STORE_SKIP, "", "container_runtime");
    return t;
}

/* Asserts a decode that gave `rc`, `r` and `err` refused the report as `want` with `needle` in
 * `err`. */
static void assert_refusal(enum report_decode_result rc, const struct store_report *r,
                           const char *err, enum report_decode_result want, const char *needle)
{
    if (rc != want || strstr(err, needle) == NULL)
        print_error("want %d \"%s\", got %d \"%s\"\n", want, needle, rc, err);
    assert_int_equal(rc, want);
    assert_null(r);
    assert_non_null(strstr(err, needle));
}

/* Asserts the report is refused as `want` with `needle` in the message. */
static void assert_refused(const struct tb *t, enum report_decode_result want, const char *needle)
{
    struct store_report *r = NULL;
    char err[512] = "";
    enum report_decode_result rc = tb_decode(t, &r, err, sizeof(err));
    assert_refusal(rc, r, err, want, needle);
}

static void assert_bytes_refused(const void *data, size_t len, enum report_decode_result want,
                                 const char *needle)
{
    struct store_report *r = NULL;
    char err[512] = "";
    enum report_decode_result rc =
        store_report_decode(data, len, store_now_ms(), &r, err, sizeof(err));
    assert_refusal(rc, r, err, want, needle);
}

static void assert_accepted(const struct tb *t)
{
    store_report_free(tb_decode_ok(t));
}

static void test_valid_report(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    struct store_report *r = NULL;
    char err[256];
    assert_int_equal(tb_decode(t, &r, err, sizeof(err)), REPORT_OK);
    assert_non_null(r);
    assert_string_equal(r->msg->host_id, "0123456789abcdef0123456789abcdef");
    assert_int_equal(r->msg->sequence, 7);
    /* Sorted by (check_id, target), bytewise: "1.1.1" < "5.10" < "5.5". */
    assert_int_equal(r->n_results, 4);
    assert_string_equal(r->sorted[0]->check_id, "1.1.1");
    assert_string_equal(r->sorted[1]->check_id, "5.10");
    assert_string_equal(r->sorted[1]->target, "container/db");
    assert_string_equal(r->sorted[2]->target, "container/web");
    assert_string_equal(r->sorted[3]->check_id, "5.5");
    /* Only collectors that ran count as having run. */
    assert_true(store_report_collector_ran(r, "host"));
    assert_true(store_report_collector_ran(r, "container_runtime"));
    assert_false(store_report_collector_ran(r, "image_age"));
    assert_false(store_report_collector_ran(r, "nosuch"));
    assert_true(r->memory > 0);
    store_report_free(r);
    free(t);
}

static void test_report_id(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    t->rep.report_id.len = 0;
    assert_refused(t, REPORT_INVALID, "report_id must be 16 bytes, got 0");
    t->rep.report_id.len = 15;
    assert_refused(t, REPORT_INVALID, "report_id must be 16 bytes, got 15");
    unsigned char long_id[17] = { 0 };
    t->rep.report_id.data = long_id;
    t->rep.report_id.len = 17;
    assert_refused(t, REPORT_INVALID, "report_id must be 16 bytes, got 17");
    free(t);
}

static void test_host_id(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    static const char *const bad[] = {
        "",
        "has space",
        "slash/no",
        "caf\xc3\xa9",
        "0123456789012345678901234567890123456789012345678901234567890123x", /* 65 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t->rep.host_id = (char *)bad[i];
        assert_refused(t, REPORT_INVALID, "host_id must be 1 to 64 characters");
    }
    static const char *const good[] = {
        "a", "web-01.example_A",
        "0123456789012345678901234567890123456789012345678901234567890123", /* 64 */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        t->rep.host_id = (char *)good[i];
        assert_accepted(t);
    }
    free(t);
}

static void test_sequence_and_times(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    t->rep.sequence = 0;
    assert_refused(t, REPORT_INVALID, "sequence must be 1 or more");
    t->rep.sequence = (uint64_t)INT64_MAX + 1;
    assert_refused(t, REPORT_INVALID, "sequence is out of range");
    t->rep.sequence = (uint64_t)INT64_MAX;
    assert_accepted(t);
    t->rep.sequence = 1;

    t->rep.generated_at_unix_ms = REPORT_MIN_TIME_MS - 1;
    assert_refused(t, REPORT_INVALID, "generated_at is before 2020");
    t->rep.generated_at_unix_ms = REPORT_MIN_TIME_MS;
    assert_accepted(t);
    t->rep.generated_at_unix_ms = store_now_ms() + REPORT_MAX_FUTURE_MS + 60000;
    assert_refused(t, REPORT_INVALID, "more than a day in the future");
    t->rep.generated_at_unix_ms = store_now_ms() + REPORT_MAX_FUTURE_MS - 60000;
    assert_accepted(t);
    free(t);
}

static void test_statuses(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    t->res[0].status = DOCKWARD__V1__STATUS__STATUS_UNSPECIFIED;
    assert_refused(t, REPORT_INVALID, "has unknown status 0");
    t->res[0].status = (Dockward__V1__Status)6;
    assert_refused(t, REPORT_INVALID, "has unknown status 6");
    t->res[0].status = (Dockward__V1__Status)-1;
    assert_refused(t, REPORT_INVALID, "has unknown status -1");
    /* Waived goes on the wire as the verdict and a waiver id, never as 6. */
    t->res[0].status = DOCKWARD__V1__STATUS__STATUS_WAIVED;
    assert_refused(t, REPORT_INVALID, "has unknown status 6");
    for (int s = STORE_PASS; s <= STORE_ERROR; s++) {
        t->res[0].status = (Dockward__V1__Status)s;
        assert_accepted(t);
        /* A waiver id on a fail or warn only. */
        t->res[0].waiver_id = (char *)"ci-runners";
        if (s == STORE_FAIL || s == STORE_WARN) {
            assert_accepted(t);
        } else {
            assert_refused(t, REPORT_INVALID, "names waiver \"ci-runners\" but its status is");
        }
        t->res[0].waiver_id = (char *)"";
    }
    t->res[0].status = DOCKWARD__V1__STATUS__STATUS_FAIL;
    char long_id[REPORT_WAIVER_ID_MAX + 2];
    memset(long_id, 'w', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    t->res[0].waiver_id = long_id;
    assert_refused(t, REPORT_INVALID, "results[0].waiver_id is not 1..64 of [A-Za-z0-9._-]");
    long_id[REPORT_WAIVER_ID_MAX] = '\0';
    assert_accepted(t);
    t->res[0].waiver_id = (char *)"no spaces";
    assert_refused(t, REPORT_INVALID, "results[0].waiver_id is not");
    t->res[0].waiver_id = (char *)"";
    /* Names both ways. */
    assert_string_equal(store_status_name(STORE_ABSENT), "absent");
    assert_string_equal(store_status_name(STORE_ERROR), "error");
    assert_string_equal(store_status_name(STORE_WAIVED), "waived");
    assert_int_equal(store_status_parse("waived"), STORE_WAIVED);
    assert_string_equal(store_status_name(9), "unknown");
    assert_int_equal(store_status_parse("warn"), STORE_WARN);
    assert_int_equal(store_status_parse("nope"), -1);
    free(t);
}

/*
 * The string `*field` of the report: `at_limit` is accepted, `over` refused
 * with `over_msg`, "" refused with `empty_msg` (accepted when it is NULL).
 * The field is left "".
 */
static void check_string_field(struct tb *t, char **field, char *at_limit, char *over,
                               const char *over_msg, const char *empty_msg)
{
    *field = at_limit;
    assert_accepted(t);
    *field = over;
    assert_refused(t, REPORT_INVALID, over_msg);
    *field = (char *)"";
    if (empty_msg != NULL)
        assert_refused(t, REPORT_INVALID, empty_msg);
    else
        assert_accepted(t);
}

static void test_lengths(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    char s256[257], s257[258], s512[513], s513[514];
    memset(s256, 'c', 256);
    s256[256] = '\0';
    memset(s257, 'c', 257);
    s257[257] = '\0';
    memset(s512, 'e', 512);
    s512[512] = '\0';
    memset(s513, 'e', 513);
    s513[513] = '\0';

    check_string_field(t, &t->res[1].check_id, s256, s257,
                       "results[1].check_id is 257 bytes, over the limit of 256",
                       "results[1].check_id is empty");
    t->res[1].check_id = "1.1.1";
    check_string_field(t, &t->res[1].target, s256, s257, "results[1].target is 257 bytes",
                       "results[1].target is empty");
    t->res[1].target = "host";
    check_string_field(t, &t->res[1].evidence, s512, s513,
                       "results[1].evidence is 513 bytes, over the limit of 512", NULL);

    char host[300];
    memset(host, 'h', 256);
    host[256] = '\0';
    t->rep.hostname = host;
    assert_refused(t, REPORT_INVALID, "hostname is 256 bytes");
    t->rep.hostname = "ok";
    t->runs[0].name = "";
    assert_refused(t, REPORT_INVALID, "collector_runs[0].name is empty");
    free(t);
}

static void test_utf8(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    t->res[2].evidence = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"; /* valid */
    assert_accepted(t);
    static const char *const bad[] = { "trail \xc3", "overlong \xc0\xaf", "surrogate \xed\xa0\x80",
                                       "beyond \xf4\x90\x80\x80", "lone \x80" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t->res[2].evidence = (char *)bad[i];
        assert_refused(t, REPORT_INVALID, "results[2].evidence is not valid UTF-8");
    }
    t->res[2].evidence = "ok";
    t->rep.hostname = "bad \xff";
    assert_refused(t, REPORT_INVALID, "hostname is not valid UTF-8");
    free(t);
}

static void test_collectors(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    /* A result of a collector that did not run, or that is not in the report. */
    t->res[1].collector = "image_age";
    assert_refused(t, REPORT_INVALID, "names collector \"image_age\", which is not a collector");
    t->res[1].collector = "nosuch";
    assert_refused(t, REPORT_INVALID, "names collector \"nosuch\"");
    t->res[1].collector = "";
    assert_refused(t, REPORT_INVALID, "names collector \"\"");
    t->res[1].collector = "host";
    tb_run(t, "host", false);
    assert_refused(t, REPORT_INVALID, "collector \"host\" appears twice");
    free(t);
}

static void test_duplicate_pair(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    tb_result(t, "5.5", "container/web", STORE_PASS, "again", "container_runtime");
    assert_refused(t, REPORT_INVALID, "result (5.5, container/web) appears twice");
    free(t);
}

static void test_malformed(void **state)
{
    (void)state;
    assert_bytes_refused("", 0, REPORT_INVALID, "empty body");
    assert_bytes_refused("garbage!", 8, REPORT_INVALID, "malformed protobuf");
    struct tb *t = valid_report();
    size_t len;
    uint8_t *p = tb_pack(t, &len);
    /* Cut anywhere inside: always refused, never read past the end. */
    for (size_t cut = 1; cut < len; cut += 7) {
        struct store_report *r = NULL;
        char err[256];
        enum report_decode_result rc =
            store_report_decode(p, cut, store_now_ms(), &r, err, sizeof(err));
        if (rc == REPORT_OK) {
            /* A cut at a field boundary is a shorter, valid message: still judged. */
            store_report_free(r);
            continue;
        }
        assert_int_equal(rc, REPORT_INVALID);
    }

    /* Results (field 8) as a varint: the wrong wire type. */
    struct buf b;
    buf_init(&b, 1u << 20);
    buf_append(&b, "\x40\x01", 2);
    buf_append(&b, p, len);
    assert_bytes_refused(b.data, b.len, REPORT_INVALID, "field 8 has wire type 0, want 2");
    /* A length prefix of 4 GiB. */
    buf_reset(&b);
    buf_append(&b,
               "\x42\xff\xff\xff\xff\x0f"
               "abc",
               9);
    assert_bytes_refused(b.data, b.len, REPORT_INVALID, "runs past the end");
    /* A varint that never ends. */
    assert_bytes_refused("\x28\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12, REPORT_INVALID,
                         "truncated varint");
    /* Wire types 3 and 4 (groups) and 7. */
    assert_bytes_refused("\x0b", 1, REPORT_INVALID, "unsupported wire type 3");
    assert_bytes_refused("\x0f", 1, REPORT_INVALID, "unsupported wire type 7");
    /* Field number 0. */
    assert_bytes_refused("\x00\x01", 2, REPORT_INVALID, "bad field key");
    /* A nested string whose length runs past its message: protobuf-c refuses it. */
    buf_reset(&b);
    buf_append(&b, p, len);
    buf_append(&b,
               "\x42\x08\x0a\x80\x80\x80\x04"
               "5.5",
               10);
    assert_bytes_refused(b.data, b.len, REPORT_INVALID, "not a dockward.v1.Report");
    /* Too many results is judged before unpacking. */
    buf_reset(&b);
    for (int i = 0; i <= STORE_RESULTS_MAX; i++)
        buf_append(&b, "\x42\x00", 2);
    assert_bytes_refused(b.data, b.len, REPORT_INVALID, "too many results: more than 100000");
    buf_reset(&b);
    for (int i = 0; i <= REPORT_RUNS_MAX; i++)
        buf_append(&b, "\x3a\x00", 2);
    assert_bytes_refused(b.data, b.len, REPORT_INVALID, "too many collector runs");
    buf_free(&b);
    free(p);
    free(t);
}

static void test_decode_memory_cap(void **state)
{
    (void)state;
    /* 16 MiB of unknown varint fields: protobuf-c keeps each one; the arena says no. */
    struct buf b;
    buf_init(&b, STORE_INFLATED_MAX);
    while (b.len + 2 <= STORE_INFLATED_MAX)
        buf_append(&b, "\x78\x00", 2);
    assert_bytes_refused(b.data, b.len, REPORT_TOO_LARGE, "too large to decode");
    buf_free(&b);
}

/*
 * The shared reports budget (STORE_REPORTS_MEMORY): a report's arena is
 * taken from it chunk by chunk and given back when the report is freed; a
 * budget spent by others refuses the next report 429 (REPORT_BUSY, retry),
 * not 413, and leaves the budget as it found it.
 */
static void test_reports_budget(void **state)
{
    (void)state;
    struct tb *t = valid_report();
    size_t len;
    uint8_t *p = tb_pack(t, &len);
    assert_non_null(p);
    atomic_size_t used;
    atomic_init(&used, 0);
    struct store_report *a = NULL, *b = NULL;
    char err[256] = "";
    assert_int_equal(
        store_report_decode_within(p, len, store_now_ms(), &used, 1u << 20, &a, err, sizeof(err)),
        REPORT_OK);
    size_t one = atomic_load(&used);
    assert_true(one > 0);
    assert_int_equal(one, a->memory);
    /* Room for one report's arena only: the second is busy, the count unchanged. */
    assert_int_equal(
        store_report_decode_within(p, len, store_now_ms(), &used, one, &b, err, sizeof(err)),
        REPORT_BUSY);
    assert_null(b);
    assert_non_null(strstr(err, "retry later"));
    assert_int_equal(atomic_load(&used), one);
    store_report_free(a);
    assert_int_equal(atomic_load(&used), 0);
    /* Given back: it fits again. */
    assert_int_equal(
        store_report_decode_within(p, len, store_now_ms(), &used, one, &b, err, sizeof(err)),
        REPORT_OK);
    store_report_free(b);
    assert_int_equal(atomic_load(&used), 0);
    free(p);
    free(t);
}

static void test_gunzip(void **state)
{
    (void)state;
    const char text[] = "a report body, compressed and back";
    struct buf gz, out;
    buf_init(&gz, 1u << 20);
    buf_init(&out, 1u << 20);
    assert_int_equal(gzip_compress(text, sizeof(text), &gz), 0);
    assert_int_equal(store_gunzip(gz.data, gz.len, &out), GUNZIP_OK);
    assert_int_equal(out.len, sizeof(text));
    assert_memory_equal(out.data, text, sizeof(text));

    /* Cut short, garbage, bytes after the member: corrupt (400), out untouched. */
    buf_reset(&out);
    assert_int_equal(store_gunzip(gz.data, gz.len - 3, &out), GUNZIP_CORRUPT);
    assert_int_equal(out.len, 0);
    assert_int_equal(store_gunzip("\x1f\x8b\x08\x00nope", 8, &out), GUNZIP_CORRUPT);
    assert_int_equal(store_gunzip("plain", 5, &out), GUNZIP_CORRUPT);
    buf_append(&gz, "xx", 2);
    assert_int_equal(store_gunzip(gz.data, gz.len, &out), GUNZIP_CORRUPT);
    assert_int_equal(out.len, 0);
    gz.len -= 2;

    /* A trailer that lies about the size: corrupt, whichever inflater looked first. */
    gz.data[gz.len - 4] ^= 1;
    assert_int_equal(store_gunzip(gz.data, gz.len, &out), GUNZIP_CORRUPT);
    assert_int_equal(out.len, 0);
    gz.data[gz.len - 4] ^= 1;

    /* A header CRC (FHCRC): checked (zlib's answer), a wrong one is corrupt. */
    struct buf hc;
    buf_init(&hc, 1u << 20);
    unsigned char head[10];
    memcpy(head, gz.data, sizeof(head));
    head[3] |= 0x02;
    unsigned long crc = crc32(0L, head, sizeof(head));
    unsigned char crc16[2] = { (unsigned char)(crc & 0xff), (unsigned char)((crc >> 8) & 0xff) };
    buf_append(&hc, head, sizeof(head));
    buf_append(&hc, crc16, sizeof(crc16));
    buf_append(&hc, gz.data + sizeof(head), gz.len - sizeof(head));
    assert_int_equal(store_gunzip(hc.data, hc.len, &out), GUNZIP_OK);
    assert_memory_equal(out.data, text, sizeof(text));
    buf_reset(&out);
    hc.data[sizeof(head)] ^= 0x55;
    assert_int_equal(store_gunzip(hc.data, hc.len, &out), GUNZIP_CORRUPT);
    assert_int_equal(out.len, 0);
    buf_free(&hc);

    /* A bomb: 20 MiB of zeros in a few KiB inflate into a 16 MiB cap: too large (413). */
    struct buf zeros, bomb, capped;
    buf_init(&zeros, 32u << 20);
    buf_init(&bomb, 1u << 20);
    buf_init(&capped, STORE_INFLATED_MAX);
    char chunk[65536] = { 0 };
    for (int i = 0; i < 20 * 16; i++)
        buf_append(&zeros, chunk, sizeof(chunk));
    assert_int_equal(gzip_compress(zeros.data, zeros.len, &bomb), 0);
    assert_true(bomb.len < 64 * 1024);
    assert_int_equal(store_gunzip(bomb.data, bomb.len, &capped), GUNZIP_TOO_LARGE);
    assert_int_equal(capped.len, 0);
    buf_free(&zeros);
    buf_free(&bomb);
    buf_free(&capped);
    buf_free(&gz);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_report),
        cmocka_unit_test(test_report_id),
        cmocka_unit_test(test_host_id),
        cmocka_unit_test(test_sequence_and_times),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_collectors),
        cmocka_unit_test(test_duplicate_pair),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_decode_memory_cap),
        cmocka_unit_test(test_reports_budget),
        cmocka_unit_test(test_gunzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
