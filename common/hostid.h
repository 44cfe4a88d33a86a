/*
 * hostid.h - what a host id is, for the agent (which reads and sends it)
 * and the store (which validates reports and admin paths naming one):
 * 1 to HOST_ID_MAX bytes of [A-Za-z0-9._-]; the store's token names are
 * made of the same characters. And what a bearer token may hold, for the
 * agent (its token file) and the store (its tokens file): visible ASCII.
 */
#ifndef DOCKWARD_COMMON_HOSTID_H
#define DOCKWARD_COMMON_HOSTID_H

#include <stdbool.h>
#include <stddef.h>

#define HOST_ID_MAX 64 /* bytes of a host id */

/* True when the `len` bytes at `s` are a valid host id. */
bool host_id_valid(const char *s, size_t len);

/* True when the `len` bytes at `s` are 1 to `max` of [A-Za-z0-9._-] (host ids, token names). */
bool id_chars_valid(const char *s, size_t len, size_t max);

/*
 * True when each of the `len` bytes at `s` is visible ASCII (0x21-0x7e): a
 * token that goes in an HTTP header as it is (no space, no control byte),
 * and the store's hosts= globs.
 */
bool visible_ascii(const char *s, size_t len);

#endif
