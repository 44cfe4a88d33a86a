/*
 * pagecache.h - SQLite's own page cache, with one cost taken out of every
 * write transaction of the store.
 *
 * When a B-tree page splits, SQLite swaps page numbers through a temporary
 * one, the number of the page that holds the lock bytes (1,048,577 with 1 KiB
 * pages). Its page cache remembers the largest number it was ever given, so
 * at the end of the transaction (where pages past the end of the database
 * are dropped) it finds that number far past the end and walks every slot of
 * its hash table and every page in it: with the writer's 32 MiB of 1 KiB
 * pages, about a fifth of the writer thread's CPU per report went there.
 *
 * This wraps the default cache (SQLITE_CONFIG_PCACHE2) and keeps the largest
 * number of a page that can be in it, leaving out the temporary number while
 * no page holds it; a truncation that can drop nothing is not passed on.
 * Every other call is the default cache's. Installed once per process, before
 * SQLite is first used; when SQLite was already in use it is not installed
 * and everything stays SQLite's own.
 */
#ifndef DOCKWARD_STORE_PAGECACHE_H
#define DOCKWARD_STORE_PAGECACHE_H

#include <stdbool.h>
#include <stdint.h>

/* Installs the wrapper once (thread-safe); true when it is in use. */
bool store_pagecache_install(void);

/* Truncations passed on to the default cache and skipped, since the start (tests). */
struct store_pagecache_stats {
    uint64_t truncated;
    uint64_t skipped;
};
void store_pagecache_stats(struct store_pagecache_stats *out);

#endif
