/*
 * rows.c - packing a host's current rows into one value; see rows.h.
 *
 * Deflate is libdeflate's (whole-buffer, raw deflate): the writer packs a
 * host's results once per report that changes them and unpacks them for
 * every diff, and zlib's streaming deflate at level 1 took a third of the
 * writer thread's CPU. libdeflate's level 1 takes about a third of zlib's
 * time on these values and makes them ~12% smaller; its decompressor about
 * 40% of zlib's inflate. The format is raw deflate either way, so values
 * written by zlib (an older store) read the same.
 */
#include "rows.h"

#include "report.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#define ROWS_FORMAT    1
#define ROWS_LEVEL     1                 /* libdeflate's fastest: already ~8.5x on results */
#define ROWS_VARINT    10                /* bytes of the longest varint */
#define ROWS_RAW_LIMIT ((size_t)1 << 31) /* a packed form larger than this is corrupt */

void store_rows_init(struct store_rows *r)
{
    memset(r, 0, sizeof(*r));
}

void store_codec_free(struct store_codec *c)
{
    libdeflate_free_compressor(c->deflater);
    libdeflate_free_decompressor(c->inflater);
    c->deflater = NULL;
    c->inflater = NULL;
}

void store_rows_free(struct store_rows *r)
{
    free(r->rows);
    free(r->raw);
    store_codec_free(&r->codec);
    store_rows_init(r);
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Reads a varint from [*p, end); 0, or -1 when cut short or too long. */
static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char b = *(*p)++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/*
 * Deflates raw[0..len) into a new value: `format`, the varint length, the
 * deflated bytes. 0, or -1 on no memory.
 */
static int pack(struct store_codec *codec, unsigned char format, const unsigned char *raw,
                size_t len, unsigned char **out, size_t *out_len)
{
    struct libdeflate_compressor *c =
        codec != NULL ? codec->deflater : NULL; /* a codec's, or one for this call */
    if (c == NULL && (c = libdeflate_alloc_compressor(ROWS_LEVEL)) == NULL)
        return -1;
    if (codec != NULL)
        codec->deflater = c;
    size_t cap = 1 + ROWS_VARINT + libdeflate_deflate_compress_bound(c, len);
    unsigned char *v = malloc(cap);
    if (v == NULL) {
        if (codec == NULL)
            libdeflate_free_compressor(c);
        return -1;
    }
    v[0] = format;
    size_t head = 1 + put_varint(v + 1, len);
    size_t n = libdeflate_deflate_compress(c, raw, len, v + head, cap - head);
    if (codec == NULL)
        libdeflate_free_compressor(c);
    if (n == 0) { /* cannot happen with the bound's room */
        free(v);
        return -1;
    }
    *out = v;
    *out_len = head + n;
    return 0;
}

/*
 * Inflates the deflated bytes at p (after the format byte) into *raw
 * (grown as needed); *raw_len gets the length. 0, or -1 unless they
 * inflate to exactly the length recorded.
 */
static int unpack(struct store_codec *codec, const unsigned char *p, const unsigned char *end,
                  unsigned char **raw, size_t *raw_cap, size_t *raw_len)
{
    uint64_t len;
    if (get_varint(&p, end, &len) != 0 || len > ROWS_RAW_LIMIT)
        return -1;
    if (*raw_cap < len + 1) {
        unsigned char *nr = realloc(*raw, len + 1);
        if (nr == NULL)
            return -1;
        *raw = nr;
        *raw_cap = len + 1;
    }
    if (codec->inflater == NULL && (codec->inflater = libdeflate_alloc_decompressor()) == NULL)
        return -1;
    /* No actual length asked for: anything but exactly `len` bytes is an error. */
    if (libdeflate_deflate_decompress(codec->inflater, p, (size_t)(end - p), *raw, (size_t)len,
                                      NULL) != LIBDEFLATE_SUCCESS)
        return -1;
    *raw_len = (size_t)len;
    return 0;
}

int store_rows_encode(struct store_codec *codec, const struct diff_row *rows, size_t n,
                      unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    size_t raw_len = ROWS_VARINT;
    for (size_t i = 0; i < n; i++) {
        raw_len += 1 + ROWS_VARINT + strlen(rows[i].check_id) + strlen(rows[i].target) +
                   strlen(rows[i].collector) + strlen(rows[i].evidence) + 4;
    }
    unsigned char *raw = malloc(raw_len);
    if (raw == NULL)
        return -1;
    size_t at = put_varint(raw, n);
    for (size_t i = 0; i < n; i++) {
        const struct diff_row *r = &rows[i];
        raw[at++] = (unsigned char)((r->status & 15) | (r->prior & 15) << 4);
        at += put_varint(raw + at, zigzag(r->since_ms));
        const char *s[4] = { r->check_id, r->target, r->collector, r->evidence };
        for (int k = 0; k < 4; k++) {
            size_t len = strlen(s[k]) + 1;
            memcpy(raw + at, s[k], len);
            at += len;
        }
    }
    int rc = pack(codec, ROWS_FORMAT, raw, at, out, out_len);
    free(raw);
    return rc;
}

/* Reads a NUL-terminated string at *p; NULL when none ends before `end`. */
static const char *get_str(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *nul = memchr(*p, '\0', (size_t)(end - *p));
    if (nul == NULL)
        return NULL;
    const char *s = (const char *)*p;
    *p = nul + 1;
    return s;
}

int store_rows_decode(struct store_rows *r, const void *data, size_t len)
{
    r->n = 0;
    const unsigned char *p = data, *end = p + len;
    uint64_t count;
    size_t raw_len;
    if (len < 2 || *p++ != ROWS_FORMAT ||
        unpack(&r->codec, p, end, &r->raw, &r->raw_cap, &raw_len) != 0)
        return -1;
    const unsigned char *q = r->raw, *qend = r->raw + raw_len;
    if (get_varint(&q, qend, &count) != 0 || count > raw_len)
        return -1;
    if (r->cap < count) {
        struct diff_row *nr = realloc(r->rows, (size_t)count * sizeof(*nr));
        if (nr == NULL)
            return -1;
        r->rows = nr;
        r->cap = (size_t)count;
    }
    for (size_t i = 0; i < count; i++) {
        struct diff_row *row = &r->rows[i];
        uint64_t since;
        if (q >= qend)
            return -1;
        row->status = *q & 15;
        row->prior = *q >> 4;
        q++;
        if (get_varint(&q, qend, &since) != 0)
            return -1;
        row->since_ms = unzigzag(since);
        if ((row->check_id = get_str(&q, qend)) == NULL ||
            (row->target = get_str(&q, qend)) == NULL ||
            (row->collector = get_str(&q, qend)) == NULL ||
            (row->evidence = get_str(&q, qend)) == NULL)
            return -1;
    }
    if (q != qend)
        return -1;
    r->n = (size_t)count;
    return 0;
}

size_t store_rows_after(const struct store_rows *r, const char *check, const char *target)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct diff_row *m = &r->rows[mid];
        if (store_pair_cmp(m->check_id, m->target, check, target) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- drift events ---- */

#define EVENTS_RAW          0
#define EVENTS_DEFLATED     1
#define EVENTS_DEFLATE_FROM 512 /* packed forms this long are worth deflating */

void store_events_init(struct store_events *e)
{
    memset(e, 0, sizeof(*e));
}

void store_events_free(struct store_events *e)
{
    free(e->ev);
    free(e->raw);
    store_codec_free(&e->codec);
    store_events_init(e);
}

int store_events_encode(struct store_codec *codec, const struct store_event *ev, size_t n,
                        unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(ev[i].check_id) + strlen(ev[i].target) + 3;
    unsigned char *raw = malloc(len);
    if (raw == NULL)
        return -1;
    raw[0] = EVENTS_RAW;
    size_t at = 1;
    for (size_t i = 0; i < n; i++) {
        size_t cl = strlen(ev[i].check_id) + 1, tl = strlen(ev[i].target) + 1;
        memcpy(raw + at, ev[i].check_id, cl);
        at += cl;
        memcpy(raw + at, ev[i].target, tl);
        at += tl;
        raw[at++] = (unsigned char)((ev[i].from & 7) | (ev[i].to & 7) << 3 |
                                    (ev[i].regression ? 1 : 0) << 6);
    }
    if (at >= EVENTS_DEFLATE_FROM) {
        unsigned char *z;
        size_t zlen;
        if (pack(codec, EVENTS_DEFLATED, raw + 1, at - 1, &z, &zlen) != 0) {
            free(raw);
            return -1;
        }
        if (zlen < at) {
            free(raw);
            *out = z;
            *out_len = zlen;
            return 0;
        }
        free(z);
    }
    *out = raw;
    *out_len = at;
    return 0;
}

int store_events_decode(struct store_events *e, const void *data, size_t len, size_t n)
{
    e->n = 0;
    const unsigned char *p = data, *end = p + len;
    if (len < 1)
        return -1;
    const unsigned char *q, *qend;
    if (*p == EVENTS_RAW) {
        q = p + 1;
        qend = end;
    } else if (*p == EVENTS_DEFLATED) {
        size_t raw_len;
        if (unpack(&e->codec, p + 1, end, &e->raw, &e->raw_cap, &raw_len) != 0)
            return -1;
        q = e->raw;
        qend = e->raw + raw_len;
    } else {
        return -1;
    }
    if (n > (size_t)(qend - q))
        return -1;
    if (e->cap < n) {
        struct store_event *ne = realloc(e->ev, n * sizeof(*ne));
        if (ne == NULL)
            return -1;
        e->ev = ne;
        e->cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        struct store_event *v = &e->ev[i];
        if ((v->check_id = get_str(&q, qend)) == NULL || (v->target = get_str(&q, qend)) == NULL ||
            q >= qend)
            return -1;
        v->from = *q & 7;
        v->to = (*q >> 3) & 7;
        v->regression = (*q >> 6) & 1;
        q++;
    }
    if (q != qend)
        return -1;
    e->n = n;
    return 0;
}
