/*
 * idset.h - the report ids the store remembers, in memory: the union of
 * every host's recent ids (hosts.recent_ids), so "is this id stored?" is a
 * hash probe instead of a lookup in an on-disk index keyed by random ids
 * (whose pages each report dirtied twice: the new id and the one pushed
 * out). The database stays the truth: the writer builds the set from the
 * hosts rows when it opens, and every change made inside a transaction is
 * logged so a rolled-back report (or transaction) is undone here too.
 *
 * Slots are probed from a keyed hash of the id (a random key per process),
 * so ids chosen by a hostile agent cannot line up in one probe run.
 * Writer thread only.
 */
#ifndef DOCKWARD_STORE_IDSET_H
#define DOCKWARD_STORE_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDSET_ID_BYTES 16

struct idset_op {
    unsigned char id[IDSET_ID_BYTES];
    bool added; /* false: removed */
};

struct idset {
    unsigned char (*slot)[IDSET_ID_BYTES];
    unsigned char *state; /* 0 empty, 1 used, 2 deleted */
    size_t cap, used, tombs;
    uint64_t key[2];
    struct idset_op *log; /* changes since idset_commit, to undo */
    size_t n_log, cap_log;
};

/* 0, or -1 on no memory. */
int idset_init(struct idset *s);
void idset_free(struct idset *s);

bool idset_has(const struct idset *s, const unsigned char *id);
/* Adds (logged); 0, or -1 on no memory (nothing changed). An id already in is left alone. */
int idset_add(struct idset *s, const unsigned char *id);
/* Removes (logged) when present; 0, or -1 on no memory (nothing changed). */
int idset_remove(struct idset *s, const unsigned char *id);

/* The log's length: a mark to undo back to. */
size_t idset_mark(const struct idset *s);
/* Undoes every change logged after `mark`. */
void idset_undo(struct idset *s, size_t mark);
/* Forgets the log: its changes are committed. */
void idset_commit(struct idset *s);

#endif
