/*
 * expo.c - the exposition builder and renderer; see expo.h for the contract.
 *
 * Why it is built this way:
 *
 * - Families live in one array kept sorted by name (few families, binary
 *   search on every expo_sample, no sort at render). Each family keeps its
 *   samples in a plain array in insertion order; render copies that array
 *   once, sorts it (O(n log n)) and walks it, dropping adjacent duplicates.
 *   Render never mutates the builder, so both formats can be rendered from
 *   the same struct expo.
 * - Every string (names, HELP, label values) and every sample's label array
 *   is copied into an arena of 64 KiB chunks owned by the builder, so ~600
 *   samples cost a handful of allocations and expo_free is a short walk.
 * - Text is made safe once, when it is added: invalid UTF-8 becomes U+FFFD
 *   and over-long values are cut at a character boundary. Render then only
 *   escapes, which is what differs between the two formats.
 * - Histograms are samples too: the labels sort and deduplicate the same
 *   way, and the buckets ride along in the arena; render expands one
 *   sample into its _bucket, _sum and _count lines.
 * - Duplicate detection is exact: a sample's labels are stored in the order
 *   of the family's first sample when they have the same names (any order),
 *   otherwise sorted by name, so one series always has one spelling. Labels
 *   with an empty value are left out, because Prometheus treats
 *   {a=""} and no label `a` as the same series. Among duplicates the first
 *   added wins, so output does not depend on qsort's instability.
 */
#include "expo.h"

#include "buf.h"
#include "utf8.h"

#include <math.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_SIZE (64u * 1024u)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t size;
    alignas(max_align_t) unsigned char data[];
};

struct expo_sample {
    double value;                      /* a histogram's count */
    const struct metric_label *labels; /* arena; n entries, non-empty values */
    uint32_t n;
    uint32_t seq; /* insertion index in the family, the last sort key */
    /* Histograms only: arena copy of bounds[n_bounds], cumulative[n_bounds], sum. */
    const double *hist;
    uint32_t n_bounds;
};

struct expo_family {
    const char *name; /* arena */
    const char *help; /* arena, sanitised; NULL when none */
    size_t name_len;
    size_t om_name_len; /* name_len less "_total" for counters */
    enum metric_type type;
    /* Label names of the first sample, the order later samples follow. */
    const struct metric_label *schema;
    size_t n_schema;
    int has_schema;
    struct expo_sample *samples; /* malloc'd; grows by doubling */
    size_t n_samples;
    size_t cap_samples;
};

struct expo {
    struct expo_family *fams; /* sorted by name */
    size_t n_fams;
    size_t cap_fams;
    size_t n_samples; /* over all families, checked against EXPO_SAMPLES_MAX */
    struct arena_chunk *arena;
};

/* ---- arena ---- */

static void *arena_alloc(struct expo *e, size_t size, size_t align)
{
    struct arena_chunk *c = e->arena;
    if (c != NULL) {
        size_t off = (c->used + align - 1) & ~(align - 1);
        if (off <= c->size && size <= c->size - off) {
            c->used = off + size;
            return c->data + off;
        }
    }
    size_t chunk = size > ARENA_CHUNK_SIZE ? size : ARENA_CHUNK_SIZE;
    c = malloc(sizeof(*c) + chunk);
    if (c == NULL)
        return NULL;
    c->size = chunk;
    c->used = size;
    c->next = e->arena;
    e->arena = c;
    return c->data;
}

static char *arena_strndup(struct expo *e, const char *s, size_t len)
{
    char *p = arena_alloc(e, len + 1, 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* ---- names and text ---- */

static int is_name_start(unsigned char c, int colon_ok)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
}

static int is_name_char(unsigned char c, int colon_ok)
{
    return is_name_start(c, colon_ok) || (c >= '0' && c <= '9');
}

static int valid_name(const char *s, int colon_ok)
{
    if (s == NULL || !is_name_start((unsigned char)s[0], colon_ok))
        return 0;
    size_t i = 1;
    for (; s[i] != '\0'; i++) {
        if (i >= EXPO_NAME_MAX || !is_name_char((unsigned char)s[i], colon_ok))
            return 0;
    }
    return 1;
}

static int valid_metric_name(const char *s)
{
    return valid_name(s, 1);
}

static int valid_label_name(const char *s)
{
    return valid_name(s, 0) && !(s[0] == '_' && s[1] == '_');
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* An arena copy of `s` made valid UTF-8 and cut to `max` bytes (max <= cap of tmp). */
static const char *arena_sanitized(struct expo *e, const char *s, size_t max)
{
    char tmp[(EXPO_HELP_MAX > EXPO_LABEL_VALUE_MAX ? EXPO_HELP_MAX : EXPO_LABEL_VALUE_MAX) + 1];
    size_t n = utf8_sanitize(s, tmp, max);
    return arena_strndup(e, tmp, n);
}

/* ---- families ---- */

/* Index of `name` in the sorted family array, or where it would go (*found = 0). */
static size_t family_find(const struct expo *e, const char *name, int *found)
{
    size_t lo = 0, hi = e->n_fams;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(e->fams[mid].name, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

struct expo *expo_new(void)
{
    return calloc(1, sizeof(struct expo));
}

void expo_free(struct expo *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n_fams; i++)
        free(e->fams[i].samples);
    free(e->fams);
    struct arena_chunk *c = e->arena;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(e);
}

static const char *const histogram_suffixes[] = { "_bucket", "_sum", "_count" };

/*
 * A histogram "x" writes samples named x_bucket, x_sum and x_count, so a
 * family of one of those names beside it would make two families of one
 * sample name.
 */
static int histogram_clashes(const struct expo *e, const char *name, size_t len,
                             enum metric_type type)
{
    char other[EXPO_NAME_MAX + sizeof("_bucket")];
    int found;
    for (size_t k = 0; k < sizeof(histogram_suffixes) / sizeof(histogram_suffixes[0]); k++) {
        const char *sfx = histogram_suffixes[k];
        size_t sl = strlen(sfx);
        if (len > sl && ends_with(name, len, sfx)) {
            memcpy(other, name, len - sl);
            other[len - sl] = '\0';
            size_t i = family_find(e, other, &found);
            if (found && e->fams[i].type == METRIC_HISTOGRAM)
                return 1;
        }
        if (type == METRIC_HISTOGRAM) {
            memcpy(other, name, len);
            memcpy(other + len, sfx, sl + 1);
            family_find(e, other, &found);
            if (found)
                return 1;
        }
    }
    return 0;
}

/*
 * In OpenMetrics a counter "x_total" is the family "x", so a gauge (or
 * histogram) "x" next to a counter "x_total" would make two families of one
 * name there.
 */
static int family_clashes(const struct expo *e, const char *name, size_t len, enum metric_type type)
{
    char other[EXPO_NAME_MAX + sizeof("_total")];
    int found;
    if (histogram_clashes(e, name, len, type))
        return 1;
    if (type == METRIC_COUNTER) {
        memcpy(other, name, len - 6);
        other[len - 6] = '\0';
        family_find(e, other, &found);
        return found;
    }
    memcpy(other, name, len);
    memcpy(other + len, "_total", sizeof("_total"));
    size_t i = family_find(e, other, &found);
    return found && e->fams[i].type == METRIC_COUNTER;
}

int expo_family(struct expo *e, const char *name, enum metric_type type, const char *help)
{
    if (e == NULL || !valid_metric_name(name))
        return -1;
    if (type != METRIC_GAUGE && type != METRIC_COUNTER && type != METRIC_HISTOGRAM)
        return -1;
    size_t len = strlen(name);
    /* "_total" alone would leave an empty OpenMetrics family name. */
    if (type == METRIC_COUNTER && (len <= 6 || !ends_with(name, len, "_total")))
        return -1;
    int found;
    size_t at = family_find(e, name, &found);
    if (found)
        return e->fams[at].type == type ? 0 : -1;
    if (family_clashes(e, name, len, type))
        return -1;
    if (e->n_fams >= EXPO_FAMILIES_MAX) /* the cap on families */
        return -1;
    if (array_grow(&e->fams, e->n_fams, &e->cap_fams, sizeof(*e->fams), 32) != 0)
        return -1;
    struct expo_family f = { 0 };
    f.name = arena_strndup(e, name, len);
    if (f.name == NULL)
        return -1;
    if (help != NULL && help[0] != '\0') {
        f.help = arena_sanitized(e, help, EXPO_HELP_MAX);
        if (f.help == NULL)
            return -1;
    }
    f.name_len = len;
    f.om_name_len = type == METRIC_COUNTER ? len - 6 : len;
    f.type = type;
    memmove(e->fams + at + 1, e->fams + at, (e->n_fams - at) * sizeof(*e->fams));
    e->fams[at] = f;
    e->n_fams++;
    return 0;
}

/* ---- samples ---- */

static int label_cmp_name(const void *a, const void *b)
{
    const struct metric_label *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/*
 * Puts the labels in their stored order: the family schema's order when the
 * names are the schema's, else sorted by name. Returns 1 when `in` follows
 * the schema (names then come from the schema and need no copy).
 */
static int order_labels(const struct expo_family *f, struct metric_label *in, size_t n)
{
    if (!f->has_schema)
        return 0; /* the first sample with labels sets the order, as given */
    if (n == f->n_schema) {
        struct metric_label ordered[EXPO_LABELS_MAX];
        size_t matched = 0;
        for (size_t s = 0; s < n; s++) {
            for (size_t i = 0; i < n; i++) {
                if (strcmp(f->schema[s].name, in[i].name) == 0) {
                    ordered[s].name = f->schema[s].name;
                    ordered[s].value = in[i].value;
                    matched++;
                    break;
                }
            }
            if (matched != s + 1)
                break;
        }
        if (matched == n) {
            memcpy(in, ordered, n * sizeof(*in));
            return 1;
        }
    }
    qsort(in, n, sizeof(*in), label_cmp_name);
    return 0;
}

/*
 * Validates and stores one sample of family `f`; `hist` (histograms only)
 * is copied into the arena. Returns 0 or -1.
 */
static int add_sample(struct expo *e, struct expo_family *f, const struct metric_label *labels,
                      size_t n_labels, double value, const double *hist, size_t n_bounds)
{
    if (n_labels > EXPO_LABELS_MAX)
        return -1;
    if (n_labels > 0 && labels == NULL)
        return -1;
    struct metric_label kept[EXPO_LABELS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < n_labels; i++) {
        if (!valid_label_name(labels[i].name) || labels[i].value == NULL)
            return -1;
        if (f->type == METRIC_HISTOGRAM && strcmp(labels[i].name, "le") == 0)
            return -1; /* render adds it to every bucket */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(labels[i].name, labels[j].name) == 0)
                return -1;
        }
        if (labels[i].value[0] != '\0')
            kept[n++] = labels[i];
    }

    if (e->n_samples >= EXPO_SAMPLES_MAX) /* the cap on samples */
        return -1;
    if (array_grow(&f->samples, f->n_samples, &f->cap_samples, sizeof(*f->samples), 8) != 0)
        return -1;

    int from_schema = order_labels(f, kept, n);
    struct metric_label *stored = NULL;
    if (n > 0) {
        stored = arena_alloc(e, n * sizeof(*stored), alignof(struct metric_label));
        if (stored == NULL)
            return -1;
        for (size_t i = 0; i < n; i++) {
            stored[i].name =
                from_schema ? kept[i].name : arena_strndup(e, kept[i].name, strlen(kept[i].name));
            stored[i].value = arena_sanitized(e, kept[i].value, EXPO_LABEL_VALUE_MAX);
            if (stored[i].name == NULL || stored[i].value == NULL)
                return -1;
        }
    }
    double *hist_copy = NULL;
    if (hist != NULL) {
        size_t cells = 2 * n_bounds + 1;
        hist_copy = arena_alloc(e, cells * sizeof(double), alignof(double));
        if (hist_copy == NULL)
            return -1;
        memcpy(hist_copy, hist, cells * sizeof(double));
    }
    if (!f->has_schema && n > 0) {
        f->schema = stored;
        f->n_schema = n;
        f->has_schema = 1;
    }
    struct expo_sample *s = &f->samples[f->n_samples];
    s->value = value;
    s->labels = stored;
    s->n = (uint32_t)n;
    s->seq = (uint32_t)f->n_samples;
    s->hist = hist_copy;
    s->n_bounds = (uint32_t)n_bounds;
    f->n_samples++;
    e->n_samples++;
    return 0;
}

int expo_sample(struct expo *e, const char *family, const struct metric_label *labels,
                size_t n_labels, double value)
{
    if (e == NULL || family == NULL)
        return -1;
    int found;
    size_t at = family_find(e, family, &found);
    if (!found || e->fams[at].type == METRIC_HISTOGRAM)
        return -1;
    return add_sample(e, &e->fams[at], labels, n_labels, value, NULL, 0);
}

int expo_samples_by(struct expo *e, const char *family, const char *key, const char *const *names,
                    const uint64_t *counts, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct metric_label l[] = { EXPO_LABEL(key, names[i]) };
        rc |= expo_sample(e, family, l, 1, (double)counts[i]);
    }
    return rc == 0 ? 0 : -1;
}

int expo_histogram(struct expo *e, const char *family, const struct metric_label *labels,
                   size_t n_labels, const double *bounds, const double *cumulative, size_t n_bounds,
                   double sum, double count)
{
    if (e == NULL || family == NULL || n_bounds > EXPO_BUCKETS_MAX)
        return -1;
    if (n_bounds > 0 && (bounds == NULL || cumulative == NULL))
        return -1;
    if (!isfinite(count) || count < 0 || isnan(sum))
        return -1;
    int found;
    size_t at = family_find(e, family, &found);
    if (!found || e->fams[at].type != METRIC_HISTOGRAM)
        return -1;
    /* [bounds..., cumulative..., sum], checked as it is packed. */
    double hist[2 * EXPO_BUCKETS_MAX + 1];
    for (size_t i = 0; i < n_bounds; i++) {
        if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
            return -1;
        if (!(cumulative[i] >= 0) || cumulative[i] > count ||
            (i > 0 && cumulative[i] < cumulative[i - 1]))
            return -1;
        hist[i] = bounds[i];
        hist[n_bounds + i] = cumulative[i];
    }
    hist[2 * n_bounds] = sum;
    return add_sample(e, &e->fams[at], labels, n_labels, count, hist, n_bounds);
}

/* ---- render ---- */

/* Label values, then names, in stored order; fewer labels first. */
static int sample_cmp_series(const struct expo_sample *a, const struct expo_sample *b)
{
    uint32_t n = a->n < b->n ? a->n : b->n;
    for (uint32_t i = 0; i < n; i++) {
        int c = strcmp(a->labels[i].value, b->labels[i].value);
        if (c != 0)
            return c;
        if (a->labels[i].name != b->labels[i].name) {
            c = strcmp(a->labels[i].name, b->labels[i].name);
            if (c != 0)
                return c;
        }
    }
    return (a->n > b->n) - (a->n < b->n);
}

static int sample_cmp(const void *pa, const void *pb)
{
    const struct expo_sample *a = pa, *b = pb;
    int c = sample_cmp_series(a, b);
    if (c != 0)
        return c;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

size_t expo_format_value(double v, char *out, size_t size)
{
    int n;
    if (size == 0)
        return 0;
    if (isnan(v)) {
        n = snprintf(out, size, "NaN");
    } else if (isinf(v)) {
        n = snprintf(out, size, v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) <= 9007199254740992.0) {
        /* Integral and exact in a double: no exponent, no fraction, no "-0". */
        n = snprintf(out, size, "%lld", v == 0 ? 0LL : (long long)v);
    } else {
        /* Shortest of %.15g .. %.17g that reads back as the same double. */
        n = -1;
        for (int prec = 15; prec <= 17; prec++) {
            n = snprintf(out, size, "%.*g", prec, v);
            if (n < 0 || (size_t)n >= size)
                break;
            char *end;
            double back = strtod(out, &end);
            if (*end == '\0' && back == v)
                break;
        }
        /* A locale with a decimal comma must not leak into the exposition. */
        char *comma = n > 0 && (size_t)n < size ? strchr(out, ',') : NULL;
        if (comma != NULL)
            *comma = '.';
    }
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

/*
 * Appends `s` escaped: backslash and newline always, double quote when
 * `quote` (label values everywhere, HELP in OpenMetrics). Runs of plain
 * bytes go out in one append.
 */
static int append_escaped(struct buf *out, const char *s, int quote)
{
    const char *run = s;
    for (const char *p = s;; p++) {
        const char *esc;
        if (*p == '\\')
            esc = "\\\\";
        else if (*p == '\n')
            esc = "\\n";
        else if (*p == '"' && quote)
            esc = "\\\"";
        else if (*p == '\0')
            esc = NULL;
        else
            continue;
        int rc = buf_append(out, run, (size_t)(p - run));
        if (rc != BUF_OK)
            return rc;
        if (esc == NULL)
            return BUF_OK;
        rc = buf_append(out, esc, 2);
        if (rc != BUF_OK)
            return rc;
        run = p + 1;
    }
}

static int render_header(const struct expo_family *f, enum expo_format format, struct buf *out)
{
    size_t len = format == EXPO_OPENMETRICS ? f->om_name_len : f->name_len;
    const char *type = f->type == METRIC_COUNTER     ? " counter\n"
                       : f->type == METRIC_HISTOGRAM ? " histogram\n"
                                                     : " gauge\n";
    int rc = BUF_OK;
    if (f->help != NULL) {
        rc = buf_append(out, "# HELP ", 7);
        if (rc == BUF_OK)
            rc = buf_append(out, f->name, len);
        if (rc == BUF_OK)
            rc = buf_append_char(out, ' ');
        if (rc == BUF_OK)
            rc = append_escaped(out, f->help, format == EXPO_OPENMETRICS);
        if (rc == BUF_OK)
            rc = buf_append_char(out, '\n');
    }
    if (rc == BUF_OK)
        rc = buf_append(out, "# TYPE ", 7);
    if (rc == BUF_OK)
        rc = buf_append(out, f->name, len);
    if (rc == BUF_OK)
        rc = buf_append_str(out, type);
    return rc;
}

/*
 * One sample line: the family name plus `suffix`, the sample's labels, an
 * `le` label last when `le` is not NULL, and the value.
 */
static int render_line(const struct expo_family *f, const char *suffix, const struct expo_sample *s,
                       const char *le, double value, struct buf *out)
{
    char num[64];
    int rc = buf_append(out, f->name, f->name_len);
    if (rc == BUF_OK && suffix != NULL)
        rc = buf_append_str(out, suffix);
    for (uint32_t i = 0; rc == BUF_OK && i < s->n; i++) {
        rc = buf_append_char(out, i == 0 ? '{' : ',');
        if (rc == BUF_OK)
            rc = buf_append_str(out, s->labels[i].name);
        if (rc == BUF_OK)
            rc = buf_append(out, "=\"", 2);
        if (rc == BUF_OK)
            rc = append_escaped(out, s->labels[i].value, 1);
        if (rc == BUF_OK)
            rc = buf_append_char(out, '"');
    }
    if (rc == BUF_OK && le != NULL) {
        rc = buf_append_str(out, s->n == 0 ? "{le=\"" : ",le=\"");
        if (rc == BUF_OK)
            rc = buf_append_str(out, le);
        if (rc == BUF_OK)
            rc = buf_append_char(out, '"');
    }
    if (rc == BUF_OK && (s->n > 0 || le != NULL))
        rc = buf_append_char(out, '}');
    if (rc == BUF_OK)
        rc = buf_append_char(out, ' ');
    if (rc == BUF_OK)
        rc = buf_append(out, num, expo_format_value(value, num, sizeof(num)));
    if (rc == BUF_OK)
        rc = buf_append_char(out, '\n');
    return rc;
}

/* A bucket bound as OpenMetrics spells it: always with a fraction or exponent ("1.0"). */
static void format_le(double bound, char *out, size_t size)
{
    size_t n = expo_format_value(bound, out, size);
    if (n > 0 && strpbrk(out, ".eE") == NULL && n + 2 < size)
        memcpy(out + n, ".0", 3);
}

static int render_sample(const struct expo_family *f, const struct expo_sample *s, struct buf *out)
{
    if (s->hist == NULL)
        return render_line(f, NULL, s, NULL, s->value, out);
    int rc = BUF_OK;
    char le[72];
    for (uint32_t i = 0; rc == BUF_OK && i < s->n_bounds; i++) {
        format_le(s->hist[i], le, sizeof(le));
        rc = render_line(f, "_bucket", s, le, s->hist[s->n_bounds + i], out);
    }
    if (rc == BUF_OK)
        rc = render_line(f, "_bucket", s, "+Inf", s->value, out);
    if (rc == BUF_OK)
        rc = render_line(f, "_sum", s, NULL, s->hist[2 * s->n_bounds], out);
    if (rc == BUF_OK)
        rc = render_line(f, "_count", s, NULL, s->value, out);
    return rc;
}

int expo_render(const struct expo *e, enum expo_format format, struct buf *out, size_t *dropped)
{
    size_t start = out->len;
    size_t n_dropped = 0;
    size_t most = 0;
    int rc = BUF_OK;
    if (dropped != NULL)
        *dropped = 0;
    if (e == NULL)
        return BUF_NOMEM;
    for (size_t i = 0; i < e->n_fams; i++) {
        if (e->fams[i].n_samples > most)
            most = e->fams[i].n_samples;
    }
    /* One scratch array, reused for every family's sort. */
    struct expo_sample *sorted = NULL;
    if (most > 0) {
        sorted = malloc(most * sizeof(*sorted));
        if (sorted == NULL)
            return BUF_NOMEM;
    }
    for (size_t i = 0; rc == BUF_OK && i < e->n_fams; i++) {
        const struct expo_family *f = &e->fams[i];
        if (f->n_samples == 0)
            continue; /* like client_golang: a family without samples is not exposed */
        memcpy(sorted, f->samples, f->n_samples * sizeof(*sorted));
        qsort(sorted, f->n_samples, sizeof(*sorted), sample_cmp);
        rc = render_header(f, format, out);
        for (size_t j = 0; rc == BUF_OK && j < f->n_samples; j++) {
            if (j > 0 && sample_cmp_series(&sorted[j - 1], &sorted[j]) == 0) {
                n_dropped++;
                continue;
            }
            rc = render_sample(f, &sorted[j], out);
        }
    }
    if (rc == BUF_OK && format == EXPO_OPENMETRICS)
        rc = buf_append(out, "# EOF\n", 6);
    free(sorted);
    if (rc != BUF_OK) {
        /* Leave `out` as it was, never half a body. */
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
        return rc;
    }
    if (dropped != NULL)
        *dropped = n_dropped;
    return BUF_OK;
}

const char *expo_content_type(enum expo_format format)
{
    if (format == EXPO_OPENMETRICS)
        return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    return "text/plain; version=0.0.4; charset=utf-8";
}
