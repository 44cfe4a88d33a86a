/*
 * fuzz_store_report.c - the bytes a hostile agent can push to the store:
 * store_gunzip (Content-Encoding: gzip bodies) and store_report_decode
 * (prescan, protobuf-c unpacking into the capped arena, validation), the
 * same calls and caps as store/server.c's ingest_end.
 *
 * Properties checked on every accepted report: results sorted by
 * (check_id, target) with no duplicate, every string within its cap and
 * valid UTF-8, every result's collector among the ones that ran; and a
 * round trip: the decoded message packed again decodes again to the same
 * results. A rejected body must leave *out NULL and say why in err.
 */
#include "fuzz_util.h"

#include "store/report.h"
#include "store/store.h"

/* The clock the time rules are judged against: 2100-01-01, so recorded seeds stay valid. */
#define FUZZ_NOW_MS 4102444800000LL

static int text_ok(const char *s, size_t min, size_t max)
{
    size_t len = strnlen(s, max + 1);
    return len >= min && len <= max && fuzz_utf8_valid(s, len);
}

/* Properties of an accepted report. */
static void check_report(const struct store_report *r)
{
    const Dockward__V1__Report *m = r->msg;
    FUZZ_CHECK(m->report_id.len == REPORT_ID_BYTES);
    FUZZ_CHECK(text_ok(m->host_id, 1, REPORT_HOST_ID_MAX));
    FUZZ_CHECK(text_ok(m->hostname, 0, REPORT_HOSTNAME_MAX));
    FUZZ_CHECK(m->sequence >= 1 && m->sequence <= (uint64_t)INT64_MAX);
    FUZZ_CHECK(m->generated_at_unix_ms >= REPORT_MIN_TIME_MS &&
               m->generated_at_unix_ms <= FUZZ_NOW_MS + REPORT_MAX_FUTURE_MS);
    FUZZ_CHECK(r->n_results == m->n_results && r->n_results <= STORE_RESULTS_MAX);
    FUZZ_CHECK(m->n_collector_runs <= REPORT_RUNS_MAX);
    for (size_t i = 0; i < r->n_results; i++) {
        const Dockward__V1__Result *res = r->sorted[i];
        FUZZ_CHECK(text_ok(res->check_id, 1, REPORT_CHECK_ID_MAX));
        FUZZ_CHECK(text_ok(res->target, 1, REPORT_TARGET_MAX));
        FUZZ_CHECK(text_ok(res->evidence, 0, REPORT_EVIDENCE_MAX));
        FUZZ_CHECK((int)res->status >= STORE_PASS && (int)res->status <= STORE_ERROR);
        FUZZ_CHECK(store_result_status(res) != STORE_WAIVED ||
                   res->status == DOCKWARD__V1__STATUS__STATUS_FAIL ||
                   res->status == DOCKWARD__V1__STATUS__STATUS_WARN);
        FUZZ_CHECK(store_report_collector_ran(r, res->collector));
        if (i > 0)
            FUZZ_CHECK(store_pair_cmp(r->sorted[i - 1]->check_id, r->sorted[i - 1]->target,
                                      res->check_id, res->target) < 0);
    }
}

/* Packs the accepted message again and decodes it: the same results must come back. */
static void check_round_trip(const struct store_report *r)
{
    size_t len = dockward__v1__report__get_packed_size(r->msg);
    uint8_t *bytes = malloc(len ? len : 1);
    if (bytes == NULL)
        return;
    FUZZ_CHECK(dockward__v1__report__pack(r->msg, bytes) == len);
    char err[256];
    struct store_report *again = NULL;
    enum report_decode_result rc =
        store_report_decode(bytes, len, FUZZ_NOW_MS, &again, err, sizeof(err));
    FUZZ_CHECK(rc == REPORT_OK && again != NULL);
    FUZZ_CHECK(again->n_results == r->n_results && again->n_ran == r->n_ran);
    FUZZ_CHECK(strcmp(again->msg->host_id, r->msg->host_id) == 0);
    FUZZ_CHECK(again->msg->sequence == r->msg->sequence);
    for (size_t i = 0; i < r->n_results; i++) {
        FUZZ_CHECK(strcmp(again->sorted[i]->check_id, r->sorted[i]->check_id) == 0);
        FUZZ_CHECK(strcmp(again->sorted[i]->target, r->sorted[i]->target) == 0);
        FUZZ_CHECK(strcmp(again->sorted[i]->evidence, r->sorted[i]->evidence) == 0);
        FUZZ_CHECK(again->sorted[i]->status == r->sorted[i]->status);
    }
    store_report_free(again);
    free(bytes);
}

static void decode(const void *data, size_t len)
{
    char err[256];
    err[0] = '\0';
    struct store_report *r = NULL;
    enum report_decode_result rc =
        store_report_decode(data, len, FUZZ_NOW_MS, &r, err, sizeof(err));
    if (rc != REPORT_OK) {
        FUZZ_CHECK(rc == REPORT_INVALID || rc == REPORT_TOO_LARGE);
        FUZZ_CHECK(r == NULL && err[0] != '\0' && strnlen(err, sizeof(err)) < sizeof(err));
        return;
    }
    FUZZ_CHECK(r != NULL && r->memory <= STORE_DECODE_MEMORY);
    check_report(r);
    check_round_trip(r);
    store_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* As the store: the body itself, and when it is gzip (1f 8b) what it inflates to. */
    decode(data, size);
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        struct buf inflated;
        buf_init(&inflated, STORE_INFLATED_MAX);
        enum store_gunzip_result g = store_gunzip(data, size, &inflated);
        FUZZ_CHECK(g == GUNZIP_OK || inflated.len == 0);
        FUZZ_CHECK(inflated.len <= STORE_INFLATED_MAX);
        if (g == GUNZIP_OK)
            decode(inflated.data ? inflated.data : "", inflated.len);
        buf_free(&inflated);
    }
    return 0;
}
