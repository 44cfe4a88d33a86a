/*
 * store.h - dockward-store: its configuration, its caps, and the one context
 * struct that main() builds and hands to every part.
 *
 * The parts and who owns what (threads in brackets):
 *
 *   server.c   [2 MHD threads]  HTTP: auth, size, gzip, decode and validate a
 *                               report, queue it to the writer and suspend the
 *                               connection; GET /api/v1/... and /metrics.
 *   writer.c   [1 writer]       the only write connection: takes every queued
 *                               report, applies them in one group transaction
 *                               (db.c, one SAVEPOINT each), COMMITs, then
 *                               resumes each waiting connection; also runs
 *                               admins' retire/rebind jobs and retires
 *                               silent hosts.
 *   db.c                        schema, the writer's statements, retention.
 *   diff.c                      the pure diff of a report against a host's
 *                               current rows (what changes, drift, regressions).
 *   api.c      [MHD threads]    the JSON query API on a pool of read
 *                               connections (WAL: readers never block ingest).
 *   metrics.c  [1 refresher]    counters and the latency histogram (atomics),
 *                               per-check figures kept by the writer, and the
 *                               /metrics snapshot rebuilt every refresh
 *                               interval, so a scrape never queries the fleet.
 *   checkpoint [1 checkpointer] WAL checkpoints off the writer's path (db.c).
 *   tokens.c                    bearer tokens with their roles and hosts=
 *                               bindings, swapped whole on SIGHUP.
 *
 * The main thread parses flags, opens everything, then waits for signals
 * (SIGHUP reloads tokens, SIGTERM/SIGINT stop). Nothing here is global.
 */
#ifndef DOCKWARD_STORE_H
#define DOCKWARD_STORE_H

#include "timestamp.h"

#include "../common/clock.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STORE_DEFAULT_LISTEN  ":10311"
#define STORE_DEFAULT_STORAGE "/var/lib/dockward-store/store.db"

/* The ingest contract (docs/store.md "Ingest"): caps enforced in server.c and report.c. */
#define STORE_BODY_MAX     (4u * 1024 * 1024)  /* bytes on the wire -> 413 */
#define STORE_INFLATED_MAX (16u * 1024 * 1024) /* bytes after gunzip -> 413 */
/*
 * protobuf-c allocations of one report -> 413. A 14 MiB report of 25,000
 * results decodes into 17.6 MiB (measured); 16 MiB of 100,000 results into
 * ~28 MiB.
 */
#define STORE_DECODE_MEMORY (48u * 1024 * 1024)
#define STORE_RESULTS_MAX   100000 /* results in one report -> 400 */
#define STORE_UPLOADS_MAX_BYTES \
    (32u * 1024 * 1024) /* body buffers (capacity) being received, all connections -> 429 */
/*
 * A report's body must arrive within this (counted from its head): a body
 * trickled a byte at a time is cut off and its connection closed, so idle
 * uploads never hold the budget above (reserved only as bytes arrive).
 */
#define STORE_BODY_SECONDS_MAX 30.0

/*
 * Every report past its body, together: gunzipped bodies (the gzip trailer's
 * size, taken before inflating), decode arenas, and decoded reports queued,
 * in the writer's batch or waiting for their answer -> 429. A lone report
 * always fits (STORE_INFLATED_MAX + STORE_DECODE_MEMORY <= this), so a
 * report is refused 413 for itself, never 429 for ever.
 */
#define STORE_REPORTS_MEMORY (80u * 1024 * 1024)

/* The writer's queue (writer.c): past either bound a report gets 429. */
#define STORE_QUEUE_REPORTS_MAX 2048
#define STORE_QUEUE_BYTES_MAX   (64u * 1024 * 1024) /* decoded reports waiting */
#define STORE_BATCH_MAX         512                 /* reports per group transaction */

/*
 * SQLite's own memory, every connection together (sqlite3_soft/hard_heap_
 * limit64, set before any connection opens): the page caches (nominally the
 * writer's 32 MiB + 8 MiB for each of 4 API readers, the metrics reader and
 * the checkpointer = 80 MiB), statements, schema and sorters. Past the soft
 * limit SQLite recycles cache pages; the hard limit is an allocation failure
 * (SQLITE_NOMEM: 503, the report stays with its agent).
 */
#define STORE_SQLITE_SOFT_HEAP (80LL * 1024 * 1024)
#define STORE_SQLITE_HARD_HEAP (96LL * 1024 * 1024)

/*
 * The memory budget under hostile load (docs/store.md "Memory under attack"): each
 * term and what bounds it, by construction. Must stay below
 * STORE_MEMORY_BUDGET_MIB.
 *
 *   term                                   bound                        MiB
 *   body buffers being received            STORE_UPLOADS_MAX_BYTES       32
 *     (reserved at the capacity each buffer grows to; one realloc per
 *      HTTP thread may briefly hold the old half too: 2 x 2 MiB)          4
 *   reports past their body: gunzipped     STORE_REPORTS_MEMORY          80
 *     bodies, decode arenas, queued and
 *     in-batch reports until answered
 *   SQLite (caches, statements, sorters)   STORE_SQLITE_HARD_HEAP        96
 *   connections: libmicrohttpd's pool per  256 x 32 KiB + requests        9
 *     connection (--web.max-connections)
 *   /metrics snapshots, ~40 KB each: the   (256 + 2) x 40 KB             10
 *     current, the one being built, one per
 *     scrape still sending (no per-host series)
 *   code, libraries, thread stacks         measured (VmRSS at start)      7
 *   the writer's drift check sets          STORE_DRIFT_SETS_MEMORY        2
 *   ---------------------------------------------------------------------
 *   total                                                              ~240
 *
 * The writer's queue (STORE_QUEUE_BYTES_MAX) is inside STORE_REPORTS_MEMORY.
 * --metrics.per-host adds ~350 bytes per host to each snapshot and is not
 * in this budget. bench/store_memory.sh drives this load and prints VmHWM.
 */
#define STORE_MEMORY_BUDGET_MIB 256
/* The check ids of the SQLite writer's drift check sets, all together (db_impl.h). */
#define STORE_DRIFT_SETS_MEMORY (2u * 1024 * 1024)
_Static_assert((STORE_UPLOADS_MAX_BYTES + STORE_REPORTS_MEMORY + STORE_SQLITE_HARD_HEAP +
                STORE_DRIFT_SETS_MEMORY) /
                           1048576 +
                       4 + 9 + 10 + 7 <
                   STORE_MEMORY_BUDGET_MIB,
               "the memory budget's terms exceed it");

/* Takes `n` bytes of a budget of `max` shared by threads; false (nothing taken) when over. */
static inline bool store_budget_take(atomic_size_t *used, size_t max, size_t n)
{
    size_t before = atomic_fetch_add(used, n);
    if (n > max || before > max - n) {
        atomic_fetch_sub(used, n);
        return false;
    }
    return true;
}

static inline void store_budget_give(atomic_size_t *used, size_t n)
{
    atomic_fetch_sub(used, n);
}

_Static_assert(STORE_INFLATED_MAX + STORE_DECODE_MEMORY <= STORE_REPORTS_MEMORY,
               "a lone report must fit the reports budget");
_Static_assert(STORE_QUEUE_BYTES_MAX <= STORE_REPORTS_MEMORY, "the queue is inside the budget");

/* Report ids remembered per host for deduplication (db.c). */
#define STORE_RECENT_IDS 8
/* At start, how long the readers wait for a --storage.read-url standby that lacks the schema. */
#define STORE_READ_URL_WAIT_MS 30000

/* Series caps for /metrics (metrics.c). */
#define STORE_CHECKS_MAX          4096 /* distinct check ids the writer's figures may hold */
#define STORE_DOCKWARD_CHECKS_MAX 64   /* dockward.* ids given per-check fleet series */

struct store_config {
    const char *listen_address;
    const char *telemetry_path;
    unsigned long long max_connections;
    const char *storage_path;
    const char *storage_url;           /* --storage.url: PostgreSQL instead of storage_path */
    const char *storage_password_file; /* --storage.password-file */
    const char *storage_read_url;      /* --storage.read-url: the query API's and refresher's */
    const char *tokens_file;
    const char *web_config_file; /* --web.config.file; NULL = plain HTTP, no auth */
    uint64_t stale_after_ms;
    uint64_t retire_after_ms; /* --host.retire-after: a host silent this long is retired */
    uint64_t retention_ms;
    uint64_t refresh_ms;   /* /metrics snapshot refresh */
    bool metrics_per_host; /* --metrics.per-host: one compliance series per host */
    const char *log_level;
    bool show_help;
    bool show_version;
    bool print_config;
};

/*
 * Parses argv into cfg (defaults first). Returns 0, or -1 with a one-line
 * message naming the flag (the caller prints it and exits 2).
 */
int store_cli_parse(struct store_config *cfg, int argc, char **argv, char *err, size_t errlen);

/* --help and --print-config output for the flag table. */
void store_cli_print_help(FILE *out);
void store_cli_print_config(const struct store_config *cfg, FILE *out);

/* Entry point behind main(). Returns the exit code (0, 1 runtime, 2 usage). */
int store_main(int argc, char **argv);

#endif
