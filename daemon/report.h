/*
 * report.h - one collection as a dockward.v1.Report (proto/dockward/v1/report.proto).
 *
 * The report is what the agent pushes to dockward-store: who the host is
 * (its /etc/machine-id under --path.rootfs, its name), which collectors ran
 * and every verdict they produced. Building it is a pure function of a
 * struct collection plus the host's identity, the sequence number the outbox
 * allocated and a random report id, so tests can build one from a hand-made
 * collection and decode it back.
 *
 * The host id is the one thing a report cannot do without: the store keys a
 * host's state by it. When <rootfs>/etc/machine-id is missing or not a valid
 * id, report_read_identity() says so and the caller builds no report (it
 * logs once and counts; metrics keep being served).
 *
 * Caps written here, enforced in report_build(): the store's own limits
 * (REPORT_MAX_RESULTS results, REPORT_MAX_BYTES serialised), so the agent
 * never queues a report the store is bound to refuse for its size.
 */
#ifndef DOCKWARD_REPORT_H
#define DOCKWARD_REPORT_H

#include "collection.h"

#include "../common/hostid.h"

#include <stddef.h>
#include <stdint.h>

#define REPORT_ID_LEN            16
#define REPORT_ID_HEX_LEN        (REPORT_ID_LEN * 2)
#define REPORT_HOST_ID_MAX       HOST_ID_MAX /* common/hostid.h */
#define REPORT_HOSTNAME_MAX      255         /* bytes of a hostname; longer is cut */
#define REPORT_MAX_RESULTS       100000
#define REPORT_MAX_BYTES         (16u * 1024 * 1024) /* the store's inflated-body cap */
#define REPORT_CATALOG_VERSION   "cis-docker-1.6.0"
#define REPORT_IDENTITY_READ_MAX 4096 /* bytes read of /etc/machine-id or /etc/hostname */

/* Why a collection produced no queued report (dockward_report_errors_total{reason}). */
enum report_error {
    REPORT_ERROR_HOST_ID = 0, /* no valid /etc/machine-id under --path.rootfs */
    REPORT_ERROR_BUILD,       /* over a cap, or out of memory */
    REPORT_ERROR_OUTBOX,      /* the outbox database could not be opened or written */
};
#define REPORT_ERROR_COUNT 3

/* "host_id", "build", "outbox". */
const char *report_error_name(enum report_error e);
/* The errors' names, in the enum's order. */
extern const char *const report_error_names[REPORT_ERROR_COUNT];

/* Who the host is, as a report says it. */
struct report_identity {
    char host_id[REPORT_HOST_ID_MAX + 1];
    char hostname[REPORT_HOSTNAME_MAX + 1];
};

/* Whether `s` is a valid host id: 1..64 bytes of [A-Za-z0-9._-]. */
bool report_host_id_valid(const char *s);

/*
 * Reads <rootfs>/etc/machine-id (surrounding whitespace trimmed, validated)
 * and the hostname (<rootfs>/etc/hostname's first line, else uname(2)),
 * through hostfs. Returns 0, or -1 with a one-line reason in err when the
 * machine id is missing, unreadable or invalid (the hostname never fails).
 */
int report_read_identity(const char *rootfs, struct report_identity *id, char *err, size_t errlen);

/* The hostname alone, as report_read_identity reads it (never fails; "" at worst). */
void report_read_hostname(const char *rootfs, char *out, size_t outlen);

/* Fills `id` with random bytes from getrandom(2). Returns 0, or -1 with err. */
int report_new_id(uint8_t id[REPORT_ID_LEN], char *err, size_t errlen);

/* Writes the id as 32 lowercase hex characters and a NUL into `out`. */
void report_id_hex(const uint8_t id[REPORT_ID_LEN], char out[REPORT_ID_HEX_LEN + 1]);

/*
 * Serialises the report of `col`: every run (name, success, duration,
 * error) and the results of every run that succeeded (a collector that
 * could not run has no verdicts, as in the metrics), with `identity`,
 * `sequence`, `report_id`, this agent's version, generated_at = when the
 * last collector finished, and REPORT_CATALOG_VERSION.
 * Returns 0 with *body (malloc'd, the caller frees) and *len, or -1 with
 * err (over REPORT_MAX_RESULTS / REPORT_MAX_BYTES, or no memory).
 */
int report_build(const struct collection *col, const struct report_identity *identity,
                 uint64_t sequence, const uint8_t report_id[REPORT_ID_LEN], uint8_t **body,
                 size_t *len, char *err, size_t errlen);

#endif
