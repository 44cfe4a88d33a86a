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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STORE_DEFAULT_LISTEN  ":10311"
#define STORE_DEFAULT_STORAGE "/var/lib/dockward-store/store.db"

/* The ingest contract (README "Store"): caps enforced in server.c and report.c. */
#define STORE_BODY_MAX      (4u * 1024 * 1024)  /* bytes on the wire -> 413 */
#define STORE_INFLATED_MAX  (16u * 1024 * 1024) /* bytes after gunzip -> 413 */
#define STORE_DECODE_MEMORY (64u * 1024 * 1024) /* protobuf-c allocations of one report */
#define STORE_RESULTS_MAX   100000              /* results in one report -> 400 */
#define STORE_UPLOADS_MAX_BYTES \
    (64u * 1024 * 1024) /* bodies being received, all connections -> 429 */
/*
 * A report's body must arrive within this (counted from its head): a body
 * trickled a byte at a time is cut off and its connection closed, so idle
 * uploads never hold the budget above (reserved only as bytes arrive).
 */
#define STORE_BODY_SECONDS_MAX 30.0

/* The writer's queue (writer.c): past either bound a report gets 429. */
#define STORE_QUEUE_REPORTS_MAX 2048
#define STORE_QUEUE_BYTES_MAX   (96u * 1024 * 1024) /* decoded reports waiting */
#define STORE_BATCH_MAX         512                 /* reports per group transaction */

/* Report ids remembered per host for deduplication (db.c). */
#define STORE_RECENT_IDS 8

/* Series caps for /metrics (metrics.c). */
#define STORE_CHECKS_MAX          4096 /* distinct check ids the writer's figures may hold */
#define STORE_DOCKWARD_CHECKS_MAX 64   /* dockward.* ids given per-check fleet series */

struct store_config {
    const char *listen_address;
    const char *telemetry_path;
    unsigned long long max_connections;
    const char *storage_path;
    const char *tokens_file;
    const char *web_config_file; /* --web.config.file; NULL = plain HTTP, no auth */
    uint64_t stale_after_ms;
    uint64_t retire_after_ms; /* --host.retire-after: a host silent this long is retired */
    uint64_t retention_ms;
    uint64_t refresh_ms; /* /metrics snapshot refresh */
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

/* Wall-clock milliseconds since the Unix epoch. */
int64_t store_now_ms(void);

#endif
