/*
 * snapshot.h - what a scrape of /metrics serves, for both programs: one
 * metric set rendered once into every format (and gzip), immutable
 * afterwards, refcounted, swapped into a slot, and served by one handler.
 *
 * Ownership: one thread builds a snapshot (the agent's scheduler after each
 * collection, the store's refresher every --metrics.refresh-interval) and
 * publishes it into the program's snapshot_slot; HTTP requests take a
 * reference from the slot and release it when the response has been sent
 * (libmicrohttpd calls the free callback then). The slot's mutex guards only
 * the pointer swap and the reference taken under it; the bodies are never
 * written after publication, so serving needs no lock, a scrape never waits
 * for a build, and a publish mid-response frees the old snapshot only after
 * it is sent.
 *
 * gzip: the builder says which formats to compress (`gzip[]`). The agent
 * compresses every format each collection (its body is small); the store
 * only the formats a client has asked gzip-encoded (the slot remembers, in
 * gzip_wanted), since its fleet body can be megabytes. A scrape that asks
 * gzip of a body not compressed yet gets the identity body, which
 * Accept-Encoding allows, and the next build compresses it.
 */
#ifndef DOCKWARD_COMMON_SNAPSHOT_H
#define DOCKWARD_COMMON_SNAPSHOT_H

#include "expo.h"
#include "httpd.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct snapshot_body {
    char *data; /* NULL for a gzip body not rendered */
    size_t len;
};

struct snapshot {
    atomic_int refs;
    bool ready; /* the agent: built from a finished collection (for /readyz) */
    struct snapshot_body body[EXPO_FORMAT_COUNT][2]; /* [format][0 plain, 1 gzip] */
};

/*
 * Renders `e` into every format, each body capped at `body_max` bytes, and
 * gzip-compresses the formats flagged in `gzip`. Returns a snapshot holding
 * one reference (ready false), or NULL with err. Duplicate series the
 * renderer drops are logged.
 */
struct snapshot *snapshot_render(struct expo *e, const bool gzip[EXPO_FORMAT_COUNT],
                                 size_t body_max, char *err, size_t errlen);

void snapshot_ref(struct snapshot *s);
/* Drops a reference; the last one frees the snapshot. NULL is fine. */
void snapshot_unref(struct snapshot *s);

/* The one place a program's current snapshot lives. */
struct snapshot_slot {
    pthread_mutex_t lock;
    struct snapshot *current;                   /* guarded by lock; NULL before the first publish */
    atomic_bool gzip_wanted[EXPO_FORMAT_COUNT]; /* set by scrapes, read by the builder */
};

void snapshot_slot_init(struct snapshot_slot *slot);
/* Unrefs the current snapshot and destroys the mutex. */
void snapshot_slot_destroy(struct snapshot_slot *slot);
/* Replaces the current snapshot; takes over the caller's reference to `s`. */
void snapshot_slot_publish(struct snapshot_slot *slot, struct snapshot *s);
/* The current snapshot with a reference for the caller (unref it), or NULL. */
struct snapshot *snapshot_slot_acquire(struct snapshot_slot *slot);
/* Which formats a scrape has asked gzip-encoded so far (the lazy builder's `gzip`). */
void snapshot_slot_gzip_wanted(struct snapshot_slot *slot, bool gzip[EXPO_FORMAT_COUNT]);

/*
 * The /metrics response: the current snapshot's body in the format the
 * Accept header negotiates, gzip when Accept-Encoding allows it and the
 * body is there (else identity, and the slot notes the wish); 503 "no
 * metrics yet" before the first publish. The body is sent from the
 * snapshot itself, with a reference held until MHD has sent it.
 */
enum MHD_Result snapshot_serve(struct snapshot_slot *slot, struct MHD_Connection *conn);

#endif
