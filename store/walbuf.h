/*
 * walbuf.h - SQLite's unix files, with the WAL's appends gathered into one
 * write per commit.
 *
 * SQLite writes each WAL frame as two pwrite calls (its 24-byte header, then
 * the page), so a commit of a few hundred 1 KiB pages is several hundred
 * system calls, each taking the file's page-cache pages through the
 * kernel's write path again: during populate (a host's first report,
 * ~200 frames) that was about a third of the writer thread's CPU. This VFS
 * (STORE_WALBUF_VFS, wrapping the default one) keeps a WAL file's
 * consecutive writes in a buffer and writes them as one pwrite before
 * anything that could look at them: a sync (so a COMMIT is on disk exactly
 * as before, and its frames are in the file before SQLite publishes them to
 * other connections in the wal-index, which it does only after that sync),
 * a read, a size or truncation, a file control, a lock, the buffer filling
 * up, or a write elsewhere in the file. An error writing the buffer is the
 * error of that call, so a failed flush fails the COMMIT (the store answers
 * 503) like a failed write did. Every other file (the database, -shm, temp
 * files) is the default VFS's, untouched.
 */
#ifndef DOCKWARD_STORE_WALBUF_H
#define DOCKWARD_STORE_WALBUF_H

#include <stdbool.h>
#include <stdint.h>

#define STORE_WALBUF_VFS "dockward-walbuf"
/*
 * Bytes gathered before a write: SQLite's unix VFS writes at most 128 KiB - 1
 * in one call (seekAndWriteFd), and 120 frames of 1 KiB pages are 120 KiB.
 */
#define STORE_WALBUF_MAX (120u * 1024u)

/*
 * Registers the VFS once (thread-safe, not as the default); true when it
 * can be named in sqlite3_open_v2. On false, open with the default VFS.
 */
bool store_walbuf_install(void);

/* What the gathering saved, since the start (tests and benches). */
struct store_walbuf_stats {
    uint64_t writes;  /* WAL writes SQLite asked for */
    uint64_t flushes; /* pwrite calls that wrote them */
};
void store_walbuf_stats(struct store_walbuf_stats *out);

#endif
