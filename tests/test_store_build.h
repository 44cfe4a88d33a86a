/*
 * test_store_build.h - builds reports for the store's unit tests the way an
 * agent does: fill a Dockward__V1__Report, pack it with protobuf-c, and
 * hand the bytes to store_report_decode, so tests go through the same
 * decode and validation as a real push. Header-only (static functions):
 * each test program includes it once.
 */
#ifndef DOCKWARD_TEST_STORE_BUILD_H
#define DOCKWARD_TEST_STORE_BUILD_H

#include "common/hash.h"
#include "store/report.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TB_RUNS_MAX    8
#define TB_RESULTS_MAX 256

struct tb {
    Dockward__V1__Report rep;
    Dockward__V1__CollectorRun runs[TB_RUNS_MAX];
    Dockward__V1__CollectorRun *run_ptrs[TB_RUNS_MAX];
    Dockward__V1__Result res[TB_RESULTS_MAX];
    Dockward__V1__Result *res_ptrs[TB_RESULTS_MAX];
    unsigned char id[16];
};

/* A report for `host` with `seq`, generated now, id derived from (host, seq, salt). */
static inline void tb_init(struct tb *t, const char *host, uint64_t seq, unsigned salt)
{
    memset(t, 0, sizeof(*t));
    dockward__v1__report__init(&t->rep);
    /* The basis collector.c's target suffix uses, so the ids stay what they were. */
    uint64_t h = fnv1a64(1469598103934665603ULL, host, strlen(host));
    h ^= seq * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)salt << 40);
    memcpy(t->id, &h, 8);
    h = h * 6364136223846793005ULL + 1442695040888963407ULL;
    memcpy(t->id + 8, &h, 8);
    t->rep.report_id.data = t->id;
    t->rep.report_id.len = 16;
    t->rep.host_id = (char *)host;
    t->rep.hostname = "test-host";
    t->rep.agent_version = "0.1.0";
    t->rep.catalog_version = "cis-docker-1.6.0";
    t->rep.sequence = seq;
    t->rep.generated_at_unix_ms = store_now_ms() - 1000;
    t->rep.collector_runs = t->run_ptrs;
    t->rep.results = t->res_ptrs;
}

static inline void tb_run(struct tb *t, const char *name, bool success)
{
    Dockward__V1__CollectorRun *r = &t->runs[t->rep.n_collector_runs];
    dockward__v1__collector_run__init(r);
    r->name = (char *)name;
    r->success = success;
    r->error = success ? "" : "could not run";
    t->run_ptrs[t->rep.n_collector_runs++] = r;
}

static inline void tb_result(struct tb *t, const char *check, const char *target, int status,
                             const char *evidence, const char *collector)
{
    Dockward__V1__Result *r = &t->res[t->rep.n_results];
    dockward__v1__result__init(r);
    r->check_id = (char *)check;
    r->target = (char *)target;
    r->status = (Dockward__V1__Status)status;
    r->evidence = (char *)evidence;
    r->collector = (char *)collector;
    if (status == STORE_WAIVED) {
        /* As an agent sends it (report.proto): the verdict and the waiver's id. */
        r->status = DOCKWARD__V1__STATUS__STATUS_FAIL;
        r->waiver_id = (char *)"test-waiver";
    }
    t->res_ptrs[t->rep.n_results++] = r;
}

/* The packed bytes (malloc'd) and their length. */
static inline uint8_t *tb_pack(const struct tb *t, size_t *len)
{
    *len = dockward__v1__report__get_packed_size(&t->rep);
    uint8_t *p = malloc(*len ? *len : 1);
    if (p != NULL)
        dockward__v1__report__pack(&t->rep, p);
    return p;
}

/* Packs and decodes; returns the decode result, *out the report (or NULL). */
static inline enum report_decode_result tb_decode(const struct tb *t, struct store_report **out,
                                                  char *err, size_t errlen)
{
    size_t len;
    uint8_t *p = tb_pack(t, &len);
    if (p == NULL)
        return REPORT_TOO_LARGE;
    enum report_decode_result rc = store_report_decode(p, len, store_now_ms(), out, err, errlen);
    free(p);
    return rc;
}

#endif
