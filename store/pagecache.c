/*
 * pagecache.c - the page cache wrapper; see pagecache.h.
 *
 * Who owns what: SQLite calls a cache's methods from the thread of the
 * connection that owns it (the store opens every connection NOMUTEX and
 * uses each on one thread at a time), so a cache's fields need no lock; the
 * statistics are atomics. The wrapper's fields only decide whether a
 * truncation reaches the default cache: when in doubt it does, so a wrong
 * guess costs the walk, never a page left behind.
 */
#include "pagecache.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>

/* SQLite's PENDING_BYTE: page (PENDING_BYTE / page size) + 1 holds the lock bytes. */
#define PAGECACHE_PENDING_BYTE 0x40000000u

struct wrapped {
    sqlite3_pcache *inner;
    unsigned temp_key; /* the number balance_nonroot swaps pages through */
    unsigned max_key;  /* no page here has a larger number, but maybe temp_key */
    bool temp_held;    /* a page may hold temp_key */
};

static sqlite3_pcache_methods2 inner_methods;
static atomic_uint_fast64_t stat_truncated, stat_skipped;
static bool installed;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static int wrap_init(void *arg)
{
    (void)arg;
    return inner_methods.xInit != NULL ? inner_methods.xInit(inner_methods.pArg) : SQLITE_OK;
}

static void wrap_shutdown(void *arg)
{
    (void)arg;
    if (inner_methods.xShutdown != NULL)
        inner_methods.xShutdown(inner_methods.pArg);
}

static sqlite3_pcache *wrap_create(int page_size, int extra, int purgeable)
{
    struct wrapped *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->inner = inner_methods.xCreate(page_size, extra, purgeable);
    if (w->inner == NULL) {
        free(w);
        return NULL;
    }
    w->temp_key = page_size > 0 ? PAGECACHE_PENDING_BYTE / (unsigned)page_size + 1 : 0;
    return (sqlite3_pcache *)w;
}

static void wrap_cachesize(sqlite3_pcache *p, int n)
{
    inner_methods.xCachesize(((struct wrapped *)p)->inner, n);
}

static int wrap_pagecount(sqlite3_pcache *p)
{
    return inner_methods.xPagecount(((struct wrapped *)p)->inner);
}

static sqlite3_pcache_page *wrap_fetch(sqlite3_pcache *p, unsigned key, int create)
{
    struct wrapped *w = (struct wrapped *)p;
    sqlite3_pcache_page *page = inner_methods.xFetch(w->inner, key, create);
    if (page != NULL && key > w->max_key)
        w->max_key = key; /* the temporary number too: whatever is fetched counts */
    return page;
}

static void wrap_unpin(sqlite3_pcache *p, sqlite3_pcache_page *page, int discard)
{
    inner_methods.xUnpin(((struct wrapped *)p)->inner, page, discard);
}

static void wrap_rekey(sqlite3_pcache *p, sqlite3_pcache_page *page, unsigned old_key,
                       unsigned new_key)
{
    struct wrapped *w = (struct wrapped *)p;
    inner_methods.xRekey(w->inner, page, old_key, new_key);
    if (new_key == w->temp_key)
        w->temp_held = true; /* until the page moves on from it */
    else if (new_key > w->max_key)
        w->max_key = new_key;
    if (old_key == w->temp_key && new_key != w->temp_key)
        w->temp_held = false;
}

static void wrap_truncate(sqlite3_pcache *p, unsigned limit)
{
    struct wrapped *w = (struct wrapped *)p;
    if (limit > w->max_key && !w->temp_held) {
        atomic_fetch_add(&stat_skipped, 1); /* no page numbered limit or more is here */
        return;
    }
    inner_methods.xTruncate(w->inner, limit);
    atomic_fetch_add(&stat_truncated, 1);
    w->temp_held = w->temp_held && w->temp_key < limit;
    if (limit > 0 && w->max_key >= limit)
        w->max_key = limit - 1;
}

static void wrap_destroy(sqlite3_pcache *p)
{
    struct wrapped *w = (struct wrapped *)p;
    inner_methods.xDestroy(w->inner);
    free(w);
}

static void wrap_shrink(sqlite3_pcache *p)
{
    inner_methods.xShrink(((struct wrapped *)p)->inner);
}

static void install(void)
{
    static const sqlite3_pcache_methods2 wrapper = {
        .iVersion = 1,
        .xInit = wrap_init,
        .xShutdown = wrap_shutdown,
        .xCreate = wrap_create,
        .xCachesize = wrap_cachesize,
        .xPagecount = wrap_pagecount,
        .xFetch = wrap_fetch,
        .xUnpin = wrap_unpin,
        .xRekey = wrap_rekey,
        .xTruncate = wrap_truncate,
        .xDestroy = wrap_destroy,
        .xShrink = wrap_shrink,
    };
    /* Both refuse (SQLITE_MISUSE) once SQLite is initialised: then it stays as it is. */
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &inner_methods) != SQLITE_OK ||
        inner_methods.xCreate == NULL || inner_methods.xFetch == NULL)
        return;
    installed = sqlite3_config(SQLITE_CONFIG_PCACHE2, &wrapper) == SQLITE_OK;
}

bool store_pagecache_install(void)
{
    pthread_once(&install_once, install);
    return installed;
}

void store_pagecache_stats(struct store_pagecache_stats *out)
{
    out->truncated = atomic_load(&stat_truncated);
    out->skipped = atomic_load(&stat_skipped);
}
