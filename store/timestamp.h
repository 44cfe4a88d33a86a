/*
 * timestamp.h - the store's clock, and RFC 3339 times for the query API (UTC
 * out, any offset in).
 */
#ifndef DOCKWARD_STORE_TIMESTAMP_H
#define DOCKWARD_STORE_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

#define TIMESTAMP_LEN 32 /* room for "2026-11-23T10:00:00.123Z" and its NUL */

/* Wall-clock milliseconds since the Unix epoch: the store's clock. */
int64_t store_now_ms(void);

/* Formats ms since the epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC). Returns out. */
const char *timestamp_format(int64_t ms, char *out, size_t size);

/*
 * Parses an RFC 3339 date-time ("2026-11-23T10:00:00Z",
 * "2026-11-23T10:00:00.5+01:00"; 't' and 'z' accepted, fraction to any
 * length, kept to milliseconds). Returns 0 with *ms, or -1.
 */
int timestamp_parse(const char *text, int64_t *ms);

#endif
