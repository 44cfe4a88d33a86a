/*
 * expo.h - the Prometheus exposition writer (ours, no client library).
 *
 * A struct expo collects metric families and their samples, then renders
 * them as the Prometheus text format 0.0.4 or OpenMetrics 1.0.0. Both the
 * agent and the store build one per collection (or per refresh) and render
 * it once per format; scrapes then serve the rendered bytes.
 *
 * Output is deterministic: families sorted by name, samples of a family
 * sorted by their label values (in the order of the label names given), so
 * two renders of the same data are byte-identical and golden files work.
 * A duplicate series (same family, same labels) is dropped at render time
 * and counted in expo_render's `dropped` output, never emitted twice.
 *
 * Names are validated when declared ([a-zA-Z_:][a-zA-Z0-9_:]* for metrics,
 * [a-zA-Z_][a-zA-Z0-9_]* without a "__" prefix for labels); label values and
 * HELP are escaped for each format, and invalid UTF-8 in them is replaced by
 * U+FFFD so the output always parses. Values: integers print without a
 * fraction, others in the shortest form that reads back exactly; NaN and
 * infinities print as NaN, +Inf, -Inf.
 *
 * Counters are declared with their sample name ending in "_total"; the
 * OpenMetrics rendering strips that suffix from the family's TYPE/HELP lines
 * as the format requires. Histograms (cumulative buckets, sum, count) are
 * added with expo_histogram and render the same in both formats.
 *
 * Not thread-safe: one builder thread owns a struct expo.
 */
#ifndef DOCKWARD_EXPO_H
#define DOCKWARD_EXPO_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

enum metric_type { METRIC_GAUGE = 0, METRIC_COUNTER, METRIC_HISTOGRAM };

enum expo_format { EXPO_TEXT = 0, EXPO_OPENMETRICS = 1 };
#define EXPO_FORMAT_COUNT 2

#define EXPO_LABELS_MAX      8          /* labels per sample */
#define EXPO_LABEL_VALUE_MAX 1024       /* bytes; longer values are cut */
#define EXPO_NAME_MAX        200        /* bytes in a metric or label name; longer is invalid */
#define EXPO_HELP_MAX        4096       /* bytes of HELP; longer text is cut */
#define EXPO_FAMILIES_MAX    4096       /* families per builder; expo_family fails past it */
#define EXPO_SAMPLES_MAX     (1u << 20) /* samples per builder; expo_sample fails past it */
#define EXPO_BUCKETS_MAX     64         /* finite buckets per histogram sample */

struct metric_label {
    const char *name;
    const char *value;
};

/* One label as a compound literal, for a labels array: { EXPO_LABEL("result", "ok") }. */
#define EXPO_LABEL(n, v) ((struct metric_label){ (n), (v) })

struct expo;

/* A new, empty builder; NULL on no memory. */
struct expo *expo_new(void);
void expo_free(struct expo *e);

/*
 * Declares a family. Returns 0; -1 for an invalid name, a redeclaration with
 * another type, or no memory. Redeclaring with the same type is a no-op.
 * A counter's name must end in "_total" with something before it, and a
 * gauge "x" cannot sit beside a counter "x_total" (one OpenMetrics family
 * name for both): both are invalid names. `help` may be NULL or "" (no HELP
 * line). A family that never gets a sample is not rendered.
 * A histogram "x" owns the sample names x_bucket, x_sum and x_count: a gauge
 * or counter with one of those names beside it is invalid, either way round.
 */
int expo_family(struct expo *e, const char *name, enum metric_type type, const char *help);

/*
 * Adds one sample to a declared family. The label names must be valid; the
 * strings are copied. Returns 0, or -1 (unknown family, bad label name, too
 * many labels, no memory).
 * Also -1: a label name given twice, a NULL value, EXPO_SAMPLES_MAX reached.
 * A label whose value is "" is left out (Prometheus treats it as absent, so
 * keeping it could make two spellings of one series). Labels render in the
 * order given for the family's first labelled sample; a sample with the same
 * label names in another order is rendered in that order too, one with other
 * names has its labels sorted by name.
 */
int expo_sample(struct expo *e, const char *family, const struct metric_label *labels,
                size_t n_labels, double value);

/*
 * Adds one sample per value of an enum to a declared family: the sample
 * {key="names[i]"} has the value counts[i], for each i < n (names: the
 * enum's names in its order, e.g. push_result_names). Returns 0, or -1 as
 * expo_sample when a sample could not be added.
 */
int expo_samples_by(struct expo *e, const char *family, const char *key, const char *const *names,
                    const uint64_t *counts, size_t n);

/*
 * Adds one histogram sample (a family declared METRIC_HISTOGRAM; expo_sample
 * refuses those, as this refuses the other types). `bounds` are the finite
 * upper bounds, strictly increasing, and `cumulative[i]` the observations <=
 * bounds[i] (non-decreasing, at most `count`); the +Inf bucket is `count`
 * and is added here. Renders as name_bucket{...,le="..."}, name_sum and
 * name_count; `le` values always carry a fraction ("1.0"), as OpenMetrics
 * wants. The labels follow expo_sample's rules and may not include "le".
 * Returns 0, or -1 (bad family, labels, bounds or counts; more than
 * EXPO_BUCKETS_MAX bounds; no memory).
 */
int expo_histogram(struct expo *e, const char *family, const struct metric_label *labels,
                   size_t n_labels, const double *bounds, const double *cumulative, size_t n_bounds,
                   double sum, double count);

/*
 * Renders every family into `out` (appended). `dropped` (may be NULL)
 * receives the number of duplicate series left out. Returns 0, or a BUF_*
 * error when `out` hit its cap or memory ran out.
 * On error `out` is left exactly as it was (no partial body is appended).
 */
int expo_render(const struct expo *e, enum expo_format format, struct buf *out, size_t *dropped);

/*
 * Formats a sample value the way expo_render does (see the top of this file)
 * into `out` (NUL-terminated). Returns the length, or 0 when `size` is too
 * small (64 is always enough).
 */
size_t expo_format_value(double v, char *out, size_t size);

/* The Content-Type header value for a format. */
const char *expo_content_type(enum expo_format format);

/*
 * Picks the format for an Accept header: OpenMetrics when the client gives
 * application/openmetrics-text (version absent or 1.0.0) a higher q-value
 * than it gives text/plain (version absent or 0.0.4); text otherwise,
 * including for a missing, empty or unparseable header. Equal preference
 * goes to text.
 */
enum expo_format expo_negotiate(const char *accept);

/* 1 when an Accept-Encoding header allows gzip (q > 0, "gzip" or "*"), else 0. */
int expo_accepts_gzip(const char *accept_encoding);

/*
 * Compresses `len` bytes into `out` (appended) as one gzip member. Returns 0,
 * or -1 (zlib failure, no memory, or `out` cap).
 */
int gzip_compress(const void *data, size_t len, struct buf *out);

/*
 * Inflates one gzip member into `out` (appended; its max is the cap). Tells
 * a body that inflates past the cap (a "zip bomb": the store answers 413)
 * from one that is not exactly one whole gzip member (400). On failure
 * `out` is left as it was.
 */
enum gzip_result {
    GZIP_OK = 0,
    GZIP_CORRUPT = -1,   /* not one whole gzip member, or bytes after it */
    GZIP_TOO_LARGE = -2, /* inflates past out->max */
};
enum gzip_result gzip_inflate(const void *data, size_t len, struct buf *out);

/*
 * The size a gzip member's trailer declares for its inflated data (ISIZE:
 * the last 4 bytes, little-endian; the true size modulo 2^32, and only a
 * claim until inflating checks it). `len` must be at least GZIP_MEMBER_MIN.
 */
#define GZIP_MEMBER_MIN 18 /* header 10 + trailer 8 */
size_t gzip_declared_size(const void *data, size_t len);

/* gzip_inflate for callers that need no reason: 0, or -1 on any failure. */
int gzip_decompress(const void *data, size_t len, struct buf *out);

#endif
