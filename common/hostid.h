/*
 * hostid.h - what a host id is, for the agent (which reads and sends it)
 * and the store (which validates reports and admin paths naming one):
 * 1 to HOST_ID_MAX bytes of [A-Za-z0-9._-].
 */
#ifndef DOCKWARD_COMMON_HOSTID_H
#define DOCKWARD_COMMON_HOSTID_H

#include <stdbool.h>
#include <stddef.h>

#define HOST_ID_MAX 64 /* bytes of a host id */

/* True when the `len` bytes at `s` are a valid host id. */
bool host_id_valid(const char *s, size_t len);

#endif
