/*
 * buf.h - a growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * Every buffer that holds input or output of unknown size (a Docker API body,
 * a rendered /metrics body, a report) is a struct buf with a cap chosen where
 * it is created. Appending past the cap fails with BUF_TOOBIG and leaves the
 * buffer holding what it had, so a hostile peer can never make dockward grow
 * without bound. The data is always NUL-terminated (the NUL is not counted in
 * len), so a text body can be handed to string functions directly.
 *
 * A buf is owned by one thread at a time; it has no lock.
 */
#ifndef DOCKWARD_BUF_H
#define DOCKWARD_BUF_H

#include <stdarg.h>
#include <stddef.h>

enum { BUF_OK = 0, BUF_NOMEM = -1, BUF_TOOBIG = -2 };

struct buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len; /* bytes used, not counting the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* hard cap on len */
};

/* Prepares an empty buffer that will never hold more than `max` bytes. */
void buf_init(struct buf *b, size_t max);
/* Frees the data; the buffer can be reused after buf_init. */
void buf_free(struct buf *b);
/* Empties the buffer, keeping its allocation. */
void buf_reset(struct buf *b);
/* Appends; returns BUF_OK, BUF_NOMEM or BUF_TOOBIG (nothing appended then). */
int buf_append(struct buf *b, const void *data, size_t len);
/* Allocates room for `extra` more bytes now (one allocation); BUF_TOOBIG past max. */
int buf_reserve(struct buf *b, size_t extra);
/* The bytes allocated once `extra` more are appended (b->cap when they fit, or past max). */
size_t buf_capacity_for(const struct buf *b, size_t extra);
int buf_append_str(struct buf *b, const char *s);
int buf_append_char(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/*
 * Hands the data to the caller, who frees it with free(); the buffer is left
 * empty. Returns a valid empty string for an empty buffer, NULL on no memory.
 */
char *buf_steal(struct buf *b, size_t *len_out);

/*
 * Makes room for one more item in an array of `size`-byte items that holds
 * len of *cap: doubles *cap (first: the capacity of a new array) when it is
 * full. `items_ptr` is the address of the array's pointer, of any object
 * pointer type (`&set->items`); it is updated when the array moves.
 * Returns 0, or -1 on no memory (the array is left as it was).
 */
int array_grow(void *items_ptr, size_t len, size_t *cap, size_t size, size_t first);

#endif
