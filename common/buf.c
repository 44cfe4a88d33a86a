/*
 * buf.c - capped growable buffer; see buf.h.
 *
 * Growth doubles the allocation (bounded by max + 1 for the NUL), so appends
 * are amortised O(1) and a capped buffer never allocates more than its cap.
 */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

size_t buf_capacity_for(const struct buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return b->cap;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return b->cap;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    return ncap;
}

/* Makes room for `extra` more bytes plus the NUL. */
static int buf_grow(struct buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return BUF_TOOBIG;
    size_t ncap = buf_capacity_for(b, extra);
    if (ncap == b->cap)
        return BUF_OK;
    char *p = realloc(b->data, ncap);
    if (p == NULL)
        return BUF_NOMEM;
    b->data = p;
    b->cap = ncap;
    return BUF_OK;
}

int buf_reserve(struct buf *b, size_t extra)
{
    return buf_grow(b, extra);
}

int buf_append(struct buf *b, const void *data, size_t len)
{
    int rc = buf_grow(b, len);
    if (rc != BUF_OK)
        return rc;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return BUF_OK;
}

int buf_append_str(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_append_char(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return BUF_NOMEM;
    int rc = buf_grow(b, (size_t)n);
    if (rc != BUF_OK)
        return rc;
    int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    if (m != n)
        return BUF_NOMEM;
    b->len += (size_t)n;
    return BUF_OK;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_steal(struct buf *b, size_t *len_out)
{
    char *p = b->data;
    size_t len = b->len;
    if (p == NULL) {
        p = calloc(1, 1);
        len = 0;
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    if (len_out != NULL)
        *len_out = len;
    return p;
}

int array_grow(void *items_ptr, size_t len, size_t *cap, size_t size, size_t first)
{
    if (len < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : first;
    if (ncap < *cap || ncap > SIZE_MAX / size)
        return -1;
    /* The caller's pointer is read and written as bytes: it may be any object pointer type. */
    void *items;
    memcpy(&items, items_ptr, sizeof(items));
    void *grown = realloc(items, ncap * size);
    if (grown == NULL)
        return -1;
    memcpy(items_ptr, &grown, sizeof(grown));
    *cap = ncap;
    return 0;
}
