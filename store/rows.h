/*
 * rows.h - a host's current (check, target) rows packed into one value: the
 * `results` table's data column (schema 4, db.c).
 *
 * A report rewrites its host's rows as one value, so its durable cost is the
 * one page or two that value takes (deflated, about 2.4 KB for a host of
 * ~150 results) instead of a row per changed pair spread over the pages of
 * a (host, check, target) index. Readers (api.c) and the writer's diff
 * (db.c) unpack it.
 *
 * Format 1: byte 1, varint length of the packed form, then the packed form
 * compressed with raw deflate. The packed form: varint count, then per row
 * in (check, target) byte order: one byte status | prior << 4, the zigzag
 * varint of since_ms, and check, target, collector, evidence, each as its
 * bytes and a NUL (report.c lets no NUL into a string).
 */
#ifndef DOCKWARD_STORE_ROWS_H
#define DOCKWARD_STORE_ROWS_H

#include "diff.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct libdeflate_compressor;
struct libdeflate_decompressor;

/*
 * libdeflate's state, kept between values by whoever packs or unpacks many
 * (the writer, each reader): making it is a tenth of packing a host's
 * results. Members are made on first use and freed by store_codec_free.
 */
struct store_codec {
    struct libdeflate_compressor *deflater;
    struct libdeflate_decompressor *inflater;
};

void store_codec_free(struct store_codec *c);

/* Rows unpacked from a value: their strings point into `raw`. */
struct store_rows {
    struct diff_row *rows;
    size_t n, cap;
    unsigned char *raw;
    size_t raw_cap;
    struct store_codec codec; /* unpacks */
};

void store_rows_init(struct store_rows *r);
void store_rows_free(struct store_rows *r);

/*
 * Unpacks `len` bytes of a value into r (emptied first; rows sorted as
 * written). Returns 0, or -1 when the value is not a valid one or memory
 * ran out.
 */
int store_rows_decode(struct store_rows *r, const void *data, size_t len);

/*
 * Packs `n` rows (sorted by store_pair_cmp, unique) into *out (malloc'd,
 * the caller frees) of *out_len bytes, deflating with `codec` (NULL: a
 * state made for this call). Returns 0, or -1 on no memory.
 */
int store_rows_encode(struct store_codec *codec, const struct diff_row *rows, size_t n,
                      unsigned char **out, size_t *out_len);

/*
 * The index of the first row after (check, target) in byte order (0 for
 * ""/""), by binary search over rows sorted by store_pair_cmp.
 */
size_t store_rows_after(const struct store_rows *r, const char *check, const char *target);

/*
 * A report's drift events, packed into one value: the `drift` table's
 * events column (schema 4, db.c), one row per report that changed
 * anything. Format: byte 0 and the packed form, or byte 1, the varint
 * length of the packed form and the packed form deflated (when that is
 * smaller: a host's first report, ~150 events). The packed form: per event
 * check, target (bytes and a NUL each) and one byte from | to << 3 |
 * regression << 6.
 */
struct store_event {
    const char *check_id;
    const char *target;
    int from, to; /* STORE_ABSENT .. STORE_ERROR */
    bool regression;
};

struct store_events {
    struct store_event *ev;
    size_t n, cap;
    unsigned char *raw;
    size_t raw_cap;
    struct store_codec codec; /* unpacks */
};

void store_events_init(struct store_events *e);
void store_events_free(struct store_events *e);

/*
 * Packs n events into *out (malloc'd) of *out_len bytes, deflating (when
 * large) with `codec` (NULL: a state made for this call). 0, or -1 on no
 * memory.
 */
int store_events_encode(struct store_codec *codec, const struct store_event *ev, size_t n,
                        unsigned char **out, size_t *out_len);

/* Unpacks a value of exactly `n` events into e. 0, or -1 (not valid, or no memory). */
int store_events_decode(struct store_events *e, const void *data, size_t len, size_t n);

#endif
