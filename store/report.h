/*
 * report.h - a pushed report, decoded and validated (the store's side of
 * proto/dockward/v1/report.proto).
 *
 * store_report_decode() is everything between the HTTP body and the writer
 * queue: a cheap pass over the top-level wire format (counts and caps the
 * repeated fields before anything is allocated), protobuf-c unpacking into
 * a capped arena, then every rule of the ingest contract. What comes out is
 * immutable and self-contained: the writer thread reads it, the request
 * that made it frees it.
 */
#ifndef DOCKWARD_STORE_REPORT_H
#define DOCKWARD_STORE_REPORT_H

#include "../common/buf.h"
#include "../common/expo.h"
#include "../common/hostid.h"

#include <dockward/v1/report.pb-c.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps of the contract (docs/store.md, "Ingest"); the first three are the HTTP contract's. */
#define REPORT_ID_BYTES      16
#define REPORT_HOST_ID_MAX   HOST_ID_MAX
#define REPORT_CHECK_ID_MAX  256
#define REPORT_TARGET_MAX    256
#define REPORT_EVIDENCE_MAX  512
#define REPORT_HOSTNAME_MAX  255
#define REPORT_VERSION_MAX   64 /* agent_version, catalog_version */
#define REPORT_COLLECTOR_MAX 64 /* a collector's name */
#define REPORT_ERROR_MAX     1024
#define REPORT_RUNS_MAX      256
#define REPORT_WAIVER_ID_MAX 64
#define REPORT_MIN_TIME_MS   1577836800000LL /* 2020-01-01T00:00:00Z */
#define REPORT_MAX_FUTURE_MS (24LL * 3600 * 1000)

/* Statuses as stored: the wire enum's numbers, with 0 meaning "absent". */
enum store_status {
    STORE_ABSENT = 0,
    STORE_PASS = 1,
    STORE_FAIL = 2,
    STORE_WARN = 3,
    STORE_SKIP = 4,
    STORE_ERROR = 5,
    STORE_WAIVED = 6, /* a fail or warn that a live waiver accepts (Result.waiver_id) */
};
#define STORE_STATUS_COUNT 7

/* "absent", "pass", "fail", "warn", "skip", "error", "waived"; "unknown" otherwise. */
const char *store_status_name(int status);

/*
 * A validated result's status as stored: STORE_WAIVED when it names a
 * waiver (the wire keeps the verdict in `status`, see report.proto), else
 * its `status`.
 */
int store_result_status(const Dockward__V1__Result *res);

/* A status name back to its number; -1 when unknown. */
int store_status_parse(const char *name);

struct report_arena;

struct store_report {
    const Dockward__V1__Report *msg;     /* every pointer below lives in the arena */
    const Dockward__V1__Result **sorted; /* results by (check_id, target), unique */
    size_t n_results;
    const char **ran; /* names of the collectors that ran, sorted */
    size_t n_ran;
    const char **listed; /* every collector of collector_runs, ran or failed, sorted */
    size_t n_listed;
    size_t memory; /* bytes the arena holds (queue accounting) */
    struct report_arena *arena;
};

enum report_decode_result {
    REPORT_OK = 0,
    REPORT_INVALID = -1,   /* 400: malformed or against a rule; err says which */
    REPORT_TOO_LARGE = -2, /* 413: decoding would take more than STORE_DECODE_MEMORY */
    REPORT_BUSY = -3,      /* 429: the shared budget (STORE_REPORTS_MEMORY) is spent now */
};

/*
 * Decodes and validates `len` bytes of protobuf. `now_ms` is the wall
 * clock the time rules are judged against. On REPORT_OK *out is a report
 * the caller frees with store_report_free; otherwise err says why.
 */
enum report_decode_result store_report_decode(const void *data, size_t len, int64_t now_ms,
                                              struct store_report **out, char *err, size_t errlen);

/*
 * The same, taking every chunk of the report's memory from `budget` (at most
 * `budget_max` bytes in all, shared by every report being decoded or held)
 * until store_report_free gives it back; REPORT_BUSY when the budget is
 * spent.
 */
enum report_decode_result store_report_decode_within(const void *data, size_t len, int64_t now_ms,
                                                     atomic_size_t *budget, size_t budget_max,
                                                     struct store_report **out, char *err,
                                                     size_t errlen);

void store_report_free(struct store_report *r);

/* Whether collector `name` ran (is in collector_runs with success). */
bool store_report_collector_ran(const struct store_report *r, const char *name);

/* Whether collector `name` is in collector_runs at all (ran, or failed). */
bool store_report_collector_listed(const struct store_report *r, const char *name);

enum store_gunzip_result {
    GUNZIP_OK = GZIP_OK,
    GUNZIP_CORRUPT = GZIP_CORRUPT,     /* 400: not one whole gzip member */
    GUNZIP_TOO_LARGE = GZIP_TOO_LARGE, /* 413: inflates past out->max (a "zip bomb") */
};

/* The ingest's Content-Encoding: gzip, through common's gzip_inflate. */
enum store_gunzip_result store_gunzip(const void *data, size_t len, struct buf *out);

/* Orders results the way the store keys them: check_id, then target (bytewise). */
int store_pair_cmp(const char *check_a, const char *target_a, const char *check_b,
                   const char *target_b);

/* qsort's comparator for an array of `const char *` (collector names, check ids): bytewise. */
int store_string_cmp(const void *a, const void *b);

#endif
