/*
 * walbuf.c - the VFS that gathers a WAL file's appends; see walbuf.h.
 *
 * Who owns what: a file belongs to the connection that opened it, and the
 * store uses each connection on one thread at a time (NOMUTEX), so a
 * file's buffer needs no lock; the statistics are atomics. The VFS itself
 * is a copy of the default one with its own xOpen: every file gets these
 * methods, which pass each call to the default VFS's file placed right
 * after ours, and only a WAL file (SQLITE_OPEN_WAL) gathers its writes.
 * Whatever could see or depend on the file's bytes writes the buffer
 * first, so SQLite never observes a difference but the number of calls.
 */
#include "walbuf.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

struct walbuf_file {
    sqlite3_file base;   /* pMethods = &walbuf_methods */
    sqlite3_file *inner; /* the default VFS's file, right after this struct */
    bool gather;         /* a WAL file */
    unsigned char *buf;  /* STORE_WALBUF_MAX bytes (sqlite3_malloc), made on first use */
    size_t len;          /* bytes waiting in buf ... */
    sqlite3_int64 at;    /* ... for this offset of the file */
};

/* Where the default VFS's file starts: after ours, aligned for any member it has. */
#define WALBUF_INNER_AT ((sizeof(struct walbuf_file) + 15) & ~(size_t)15)

static sqlite3_vfs *inner_vfs;
static sqlite3_vfs walbuf_vfs;
static bool installed;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t stat_writes, stat_flushes;

static struct walbuf_file *wf(sqlite3_file *f)
{
    return (struct walbuf_file *)f;
}

/* Writes what is gathered; an SQLite code (the default VFS's, as a write would have given). */
static int flush(struct walbuf_file *f)
{
    if (f->len == 0)
        return SQLITE_OK;
    int rc = f->inner->pMethods->xWrite(f->inner, f->buf, (int)f->len, f->at);
    f->len = 0;
    atomic_fetch_add(&stat_flushes, 1);
    return rc;
}

static int wb_close(sqlite3_file *file)
{
    struct walbuf_file *f = wf(file);
    int rc = flush(f);
    sqlite3_free(f->buf);
    f->buf = NULL;
    int rc2 = f->inner->pMethods->xClose(f->inner);
    return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *file, void *data, int amt, sqlite3_int64 off)
{
    struct walbuf_file *f = wf(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->inner->pMethods->xRead(f->inner, data, amt, off);
}

static int wb_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    struct walbuf_file *f = wf(file);
    if (!f->gather)
        return f->inner->pMethods->xWrite(f->inner, data, amt, off);
    atomic_fetch_add(&stat_writes, 1);
    /* Only an append to what is gathered joins it; anything else writes it first. */
    if (f->len > 0 &&
        (off != f->at + (sqlite3_int64)f->len || f->len + (size_t)amt > STORE_WALBUF_MAX)) {
        int rc = flush(f);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (f->buf == NULL && amt > 0 && (size_t)amt <= STORE_WALBUF_MAX)
        f->buf = sqlite3_malloc((int)STORE_WALBUF_MAX);
    if (f->buf == NULL || amt <= 0 || (size_t)amt > STORE_WALBUF_MAX) {
        atomic_fetch_add(&stat_flushes, 1);
        return f->inner->pMethods->xWrite(f->inner, data, amt, off); /* as it was */
    }
    if (f->len == 0)
        f->at = off;
    memcpy(f->buf + f->len, data, (size_t)amt);
    f->len += (size_t)amt;
    return SQLITE_OK;
}

static int wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct walbuf_file *f = wf(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->inner->pMethods->xTruncate(f->inner, size);
}

static int wb_sync(sqlite3_file *file, int flags)
{
    struct walbuf_file *f = wf(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->inner->pMethods->xSync(f->inner, flags);
}

static int wb_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct walbuf_file *f = wf(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->inner->pMethods->xFileSize(f->inner, size);
}

static int wb_lock(sqlite3_file *file, int level)
{
    struct walbuf_file *f = wf(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->inner->pMethods->xLock(f->inner, level);
}

static int wb_unlock(sqlite3_file *file, int level)
{
    struct walbuf_file *f = wf(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->inner->pMethods->xUnlock(f->inner, level);
}

static int wb_check_reserved(sqlite3_file *file, int *out)
{
    struct walbuf_file *f = wf(file);
    return f->inner->pMethods->xCheckReservedLock(f->inner, out);
}

static int wb_file_control(sqlite3_file *file, int op, void *arg)
{
    struct walbuf_file *f = wf(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->inner->pMethods->xFileControl(f->inner, op, arg);
}

static int wb_sector_size(sqlite3_file *file)
{
    struct walbuf_file *f = wf(file);
    return f->inner->pMethods->xSectorSize(f->inner);
}

static int wb_device_characteristics(sqlite3_file *file)
{
    struct walbuf_file *f = wf(file);
    return f->inner->pMethods->xDeviceCharacteristics(f->inner);
}

/* Shared memory and memory mapping (version 2 and 3 methods): the default VFS's, if it has them. */
static int wb_shm_map(sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
    struct walbuf_file *f = wf(file);
    if (f->inner->pMethods->iVersion < 2 || f->inner->pMethods->xShmMap == NULL)
        return SQLITE_IOERR_SHMMAP;
    return f->inner->pMethods->xShmMap(f->inner, region, size, extend, out);
}

static int wb_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    struct walbuf_file *f = wf(file);
    if (f->inner->pMethods->iVersion < 2 || f->inner->pMethods->xShmLock == NULL)
        return SQLITE_IOERR_SHMLOCK;
    return f->inner->pMethods->xShmLock(f->inner, offset, n, flags);
}

static void wb_shm_barrier(sqlite3_file *file)
{
    struct walbuf_file *f = wf(file);
    if (f->inner->pMethods->iVersion >= 2 && f->inner->pMethods->xShmBarrier != NULL)
        f->inner->pMethods->xShmBarrier(f->inner);
}

static int wb_shm_unmap(sqlite3_file *file, int delete_flag)
{
    struct walbuf_file *f = wf(file);
    if (f->inner->pMethods->iVersion < 2 || f->inner->pMethods->xShmUnmap == NULL)
        return SQLITE_OK;
    return f->inner->pMethods->xShmUnmap(f->inner, delete_flag);
}

static int wb_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out)
{
    struct walbuf_file *f = wf(file);
    *out = NULL;
    int rc = flush(f);
    if (rc != SQLITE_OK || f->inner->pMethods->iVersion < 3 || f->inner->pMethods->xFetch == NULL)
        return rc;
    return f->inner->pMethods->xFetch(f->inner, off, amt, out);
}

static int wb_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    struct walbuf_file *f = wf(file);
    if (f->inner->pMethods->iVersion < 3 || f->inner->pMethods->xUnfetch == NULL)
        return SQLITE_OK;
    return f->inner->pMethods->xUnfetch(f->inner, off, p);
}

static const sqlite3_io_methods walbuf_methods = {
    .iVersion = 3,
    .xClose = wb_close,
    .xRead = wb_read,
    .xWrite = wb_write,
    .xTruncate = wb_truncate,
    .xSync = wb_sync,
    .xFileSize = wb_file_size,
    .xLock = wb_lock,
    .xUnlock = wb_unlock,
    .xCheckReservedLock = wb_check_reserved,
    .xFileControl = wb_file_control,
    .xSectorSize = wb_sector_size,
    .xDeviceCharacteristics = wb_device_characteristics,
    .xShmMap = wb_shm_map,
    .xShmLock = wb_shm_lock,
    .xShmBarrier = wb_shm_barrier,
    .xShmUnmap = wb_shm_unmap,
    .xFetch = wb_fetch,
    .xUnfetch = wb_unfetch,
};

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags)
{
    (void)vfs;
    struct walbuf_file *f = wf(file);
    memset(f, 0, sizeof(*f));
    f->inner = (sqlite3_file *)((char *)f + WALBUF_INNER_AT);
    f->gather = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = inner_vfs->xOpen(inner_vfs, name, f->inner, flags, out_flags);
    /* SQLite closes a file whose pMethods is set, even when opening it failed. */
    file->pMethods = f->inner->pMethods != NULL ? &walbuf_methods : NULL;
    return rc;
}

static void install(void)
{
    inner_vfs = sqlite3_vfs_find(NULL);
    if (inner_vfs == NULL)
        return;
    walbuf_vfs = *inner_vfs;
    walbuf_vfs.pNext = NULL;
    walbuf_vfs.zName = STORE_WALBUF_VFS;
    walbuf_vfs.szOsFile = (int)WALBUF_INNER_AT + inner_vfs->szOsFile;
    walbuf_vfs.xOpen = wb_open;
    installed = sqlite3_vfs_register(&walbuf_vfs, 0) == SQLITE_OK;
}

bool store_walbuf_install(void)
{
    pthread_once(&install_once, install);
    return installed;
}

void store_walbuf_stats(struct store_walbuf_stats *out)
{
    out->writes = atomic_load(&stat_writes);
    out->flushes = atomic_load(&stat_flushes);
}
