/*
 * idset.c - the in-memory set of remembered report ids; see idset.h.
 *
 * Open addressing with linear probing over a power-of-two table, grown at
 * 70% (deleted slots counted) so probes stay short.
 */
#include "idset.h"

#include "../common/buf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define IDSET_FIRST_CAP 1024

enum { SLOT_EMPTY = 0, SLOT_USED = 1, SLOT_DELETED = 2 };

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t hash(const struct idset *s, const unsigned char *id)
{
    uint64_t a, b;
    memcpy(&a, id, 8);
    memcpy(&b, id + 8, 8);
    return (size_t)mix(mix(a ^ s->key[0]) ^ b ^ s->key[1]);
}

int idset_init(struct idset *s)
{
    memset(s, 0, sizeof(*s));
    if (getrandom(s->key, sizeof(s->key), 0) != (ssize_t)sizeof(s->key)) {
        /* No entropy source: still correct, only predictable. */
        s->key[0] = (uint64_t)(uintptr_t)s ^ 0x9E3779B97F4A7C15ULL;
        s->key[1] = mix(s->key[0]);
    }
    s->cap = IDSET_FIRST_CAP;
    s->slot = calloc(s->cap, sizeof(*s->slot));
    s->state = calloc(s->cap, 1);
    if (s->slot == NULL || s->state == NULL) {
        idset_free(s);
        return -1;
    }
    return 0;
}

void idset_free(struct idset *s)
{
    free(s->slot);
    free(s->state);
    free(s->log);
    memset(s, 0, sizeof(*s));
}

/* The slot holding id, or the cap when absent. */
static size_t find(const struct idset *s, const unsigned char *id)
{
    size_t mask = s->cap - 1;
    for (size_t i = hash(s, id) & mask;; i = (i + 1) & mask) {
        if (s->state[i] == SLOT_EMPTY)
            return s->cap;
        if (s->state[i] == SLOT_USED && memcmp(s->slot[i], id, IDSET_ID_BYTES) == 0)
            return i;
    }
}

bool idset_has(const struct idset *s, const unsigned char *id)
{
    return find(s, id) != s->cap;
}

static void place(struct idset *s, const unsigned char *id)
{
    size_t mask = s->cap - 1;
    size_t i = hash(s, id) & mask;
    while (s->state[i] == SLOT_USED)
        i = (i + 1) & mask;
    if (s->state[i] == SLOT_DELETED)
        s->tombs--;
    s->state[i] = SLOT_USED;
    memcpy(s->slot[i], id, IDSET_ID_BYTES);
    s->used++;
}

static int grow(struct idset *s)
{
    size_t ncap = s->used * 2 >= s->cap ? s->cap * 2 : s->cap; /* else only tombstones to drop */
    unsigned char(*old)[IDSET_ID_BYTES] = s->slot;
    unsigned char *old_state = s->state;
    size_t old_cap = s->cap;
    s->slot = calloc(ncap, sizeof(*s->slot));
    s->state = calloc(ncap, 1);
    if (s->slot == NULL || s->state == NULL) {
        free(s->slot);
        free(s->state);
        s->slot = old;
        s->state = old_state;
        return -1;
    }
    s->cap = ncap;
    s->used = 0;
    s->tombs = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (old_state[i] == SLOT_USED)
            place(s, old[i]);
    }
    free(old);
    free(old_state);
    return 0;
}

static int log_op(struct idset *s, const unsigned char *id, bool added)
{
    if (array_grow(&s->log, s->n_log, &s->cap_log, sizeof(*s->log), 256) != 0)
        return -1;
    memcpy(s->log[s->n_log].id, id, IDSET_ID_BYTES);
    s->log[s->n_log].added = added;
    s->n_log++;
    return 0;
}

static int insert(struct idset *s, const unsigned char *id)
{
    if ((s->used + s->tombs + 1) * 10 > s->cap * 7 && grow(s) != 0)
        return -1;
    place(s, id);
    return 0;
}

static void erase(struct idset *s, size_t i)
{
    s->state[i] = SLOT_DELETED;
    s->used--;
    s->tombs++;
}

int idset_add(struct idset *s, const unsigned char *id)
{
    if (idset_has(s, id))
        return 0;
    if (log_op(s, id, true) != 0)
        return -1;
    if (insert(s, id) != 0) {
        s->n_log--;
        return -1;
    }
    return 0;
}

int idset_remove(struct idset *s, const unsigned char *id)
{
    size_t i = find(s, id);
    if (i == s->cap)
        return 0;
    if (log_op(s, id, false) != 0)
        return -1;
    erase(s, i);
    return 0;
}

size_t idset_mark(const struct idset *s)
{
    return s->n_log;
}

void idset_undo(struct idset *s, size_t mark)
{
    while (s->n_log > mark) {
        const struct idset_op *op = &s->log[--s->n_log];
        if (op->added) {
            size_t i = find(s, op->id);
            if (i != s->cap)
                erase(s, i);
        } else if (!idset_has(s, op->id)) {
            /*
             * Undoing a removal needs no new room: the slot it left is a
             * tombstone, so the load factor allows it.
             */
            place(s, op->id);
        }
    }
}

void idset_commit(struct idset *s)
{
    s->n_log = 0;
}
