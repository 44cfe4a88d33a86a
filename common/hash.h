/*
 * hash.h - FNV-1a (64-bit), the tree's one non-cryptographic hash: the
 * suffix of a cut evidence target (collector.c), SARIF fingerprints
 * (daemon/format.c) and the store's check sets (store/db_write.c).
 */
#ifndef DOCKWARD_COMMON_HASH_H
#define DOCKWARD_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_BASIS 0xcbf29ce484222325ULL /* the standard offset basis */

/* FNV-1a of data[0..n), continuing from h (FNV1A64_BASIS to start). */
static inline uint64_t fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

#endif
