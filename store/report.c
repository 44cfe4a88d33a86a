/*
 * report.c - decode and validate a pushed report; see report.h.
 *
 * Why it is built this way:
 *
 * - A hostile body must cost little. Before protobuf-c sees it, one pass
 *   over the top-level fields checks every key, wire type and length prefix
 *   and counts the repeated fields, so "too many results" or a length that
 *   runs past the end is refused before a byte is allocated.
 * - protobuf-c allocates through an arena with a hard cap
 *   (STORE_DECODE_MEMORY): thousands of small strings become a few 64 KiB
 *   chunks, the whole report is freed in one walk, and a message built to
 *   expand (millions of empty sub-messages) hits the cap, not the heap.
 * - Validation is the contract's list, in the order of the fields, each
 *   failure a message a person can act on. Strings must be valid UTF-8
 *   (JSON and metric labels carry them) - checked with common/utf8's
 *   sanitiser: text is valid exactly when sanitising leaves it unchanged.
 * - Results are sorted by (check_id, target) once, here: the diff walks
 *   them beside the host's stored rows in the same order, and a duplicate
 *   pair shows up as two neighbours.
 */
#include "report.h"

#include "store.h"

#include "../common/expo.h"
#include "../common/utf8.h"
#include "../common/log.h"

#include <libdeflate.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (64u * 1024u)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

struct report_arena {
    struct arena_chunk *head;
    size_t total; /* bytes of every chunk, checked against cap */
    size_t cap;
    int hit_cap; /* an allocation was refused for the cap */
    /* The shared budget every chunk is taken from (NULL: none), and its bound. */
    atomic_size_t *budget;
    size_t budget_max;
    int hit_budget; /* an allocation was refused for the shared budget */
};

static void *arena_alloc(void *data, size_t size)
{
    struct report_arena *a = data;
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    struct arena_chunk *c = a->head;
    if (c != NULL && size <= c->size - c->used) {
        void *p = c->data + c->used;
        c->used += size;
        return p;
    }
    size_t chunk = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
    if (chunk > a->cap || a->total > a->cap - chunk) {
        a->hit_cap = 1;
        return NULL; /* the cap on one report's decoded size */
    }
    if (a->budget != NULL && !store_budget_take(a->budget, a->budget_max, chunk)) {
        a->hit_budget = 1;
        return NULL; /* every report being decoded or held, together */
    }
    c = malloc(sizeof(*c) + chunk);
    if (c == NULL) {
        if (a->budget != NULL)
            store_budget_give(a->budget, chunk);
        return NULL;
    }
    c->size = chunk;
    c->used = size;
    a->total += chunk;
    if (size > ARENA_CHUNK / 4 && a->head != NULL) {
        /* A big block gets its own chunk; keep filling the current one. */
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    return c->data;
}

static void arena_free_nothing(void *data, void *p)
{
    (void)data;
    (void)p; /* everything goes when the arena does */
}

static void arena_destroy(struct report_arena *a)
{
    if (a == NULL)
        return;
    struct arena_chunk *c = a->head;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    if (a->budget != NULL)
        store_budget_give(a->budget, a->total);
    free(a);
}

const char *store_status_name(int status)
{
    static const char *const names[STORE_STATUS_COUNT] = { "absent", "pass",  "fail",  "warn",
                                                           "skip",   "error", "waived" };
    if (status < 0 || status >= STORE_STATUS_COUNT)
        return "unknown";
    return names[status];
}

int store_result_status(const Dockward__V1__Result *res)
{
    return res->waiver_id != NULL && res->waiver_id[0] != '\0' ? STORE_WAIVED : (int)res->status;
}

int store_status_parse(const char *name)
{
    for (int s = 0; s < STORE_STATUS_COUNT; s++) {
        if (strcmp(name, store_status_name(s)) == 0)
            return s;
    }
    return -1;
}

int store_pair_cmp(const char *check_a, const char *target_a, const char *check_b,
                   const char *target_b)
{
    int c = strcmp(check_a, check_b);
    return c != 0 ? c : strcmp(target_a, target_b);
}

int store_string_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- the wire-format pass ---- */

static int read_varint(const unsigned char *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return -1;
        unsigned char b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *out = v;
            return 0;
        }
    }
    return -1; /* more than 10 bytes */
}

/*
 * Walks the Report's top-level fields: every key, wire type and length must
 * be sound, and the repeated fields stay under their caps.
 */
static int prescan(const unsigned char *p, size_t len, char *err, size_t errlen)
{
    size_t pos = 0, n_results = 0, n_runs = 0;
    while (pos < len) {
        uint64_t key, v;
        size_t at = pos;
        if (read_varint(p, len, &pos, &key) != 0 || (key >> 3) == 0 || (key >> 3) > 536870911) {
            seterr(err, errlen, "malformed protobuf: bad field key at byte %zu", at);
            return -1;
        }
        uint64_t field = key >> 3;
        unsigned wire = (unsigned)(key & 7);
        switch (wire) {
        case 0:
            if (read_varint(p, len, &pos, &v) != 0) {
                seterr(err, errlen, "malformed protobuf: truncated varint in field %llu",
                       (unsigned long long)field);
                return -1;
            }
            break;
        case 1:
        case 5: {
            size_t width = wire == 1 ? 8 : 4;
            if (len - pos < width) {
                seterr(err, errlen, "malformed protobuf: field %llu runs past the end",
                       (unsigned long long)field);
                return -1;
            }
            pos += width;
            break;
        }
        case 2:
            if (read_varint(p, len, &pos, &v) != 0 || v > len - pos) {
                seterr(err, errlen,
                       "malformed protobuf: length of field %llu runs past the end (truncated "
                       "body?)",
                       (unsigned long long)field);
                return -1;
            }
            pos += (size_t)v;
            break;
        default:
            seterr(err, errlen, "malformed protobuf: field %llu has unsupported wire type %u",
                   (unsigned long long)field, wire);
            return -1;
        }
        /* Known fields must have their declared wire types. */
        static const signed char want_wire[10] = { -1, 2, 2, 2, 2, 0, 0, 2, 2, 2 };
        if (field < 10 && want_wire[field] >= 0 && (unsigned)want_wire[field] != wire) {
            seterr(err, errlen, "malformed protobuf: field %llu has wire type %u, want %d",
                   (unsigned long long)field, wire, want_wire[field]);
            return -1;
        }
        if (field == 8 && ++n_results > STORE_RESULTS_MAX) {
            seterr(err, errlen, "too many results: more than %u", STORE_RESULTS_MAX);
            return -1;
        }
        if (field == 7 && ++n_runs > REPORT_RUNS_MAX) {
            seterr(err, errlen, "too many collector runs: more than %u", REPORT_RUNS_MAX);
            return -1;
        }
    }
    return 0;
}

/* ---- validation ---- */

enum text_problem { TEXT_OK = 0, TEXT_EMPTY, TEXT_LONG, TEXT_NOT_UTF8 };

/*
 * Whether `s` is valid UTF-8 of `min`..`max` bytes. Pure ASCII (nearly every
 * string) is settled by one scan; anything else goes through common/utf8's
 * sanitiser, which leaves valid text unchanged.
 */
static enum text_problem text_check(const char *s, size_t min, size_t max)
{
    size_t len = 0;
    unsigned char high = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++, len++)
        high |= *p;
    if (len < min)
        return TEXT_EMPTY;
    if (len > max)
        return TEXT_LONG;
    if (high < 0x80)
        return TEXT_OK;
    char tmp[REPORT_ERROR_MAX + 1];
    if (utf8_sanitize(s, tmp, max) != len || memcmp(tmp, s, len) != 0)
        return TEXT_NOT_UTF8;
    return TEXT_OK;
}

/* The message for a text problem; `what` names the field ("results[3].target"). */
static void text_error(enum text_problem problem, const char *what, const char *s, size_t max,
                       char *err, size_t errlen)
{
    if (problem == TEXT_EMPTY)
        seterr(err, errlen, "%s is empty", what);
    else if (problem == TEXT_LONG)
        seterr(err, errlen, "%s is %zu bytes, over the limit of %zu", what, strlen(s), max);
    else
        seterr(err, errlen, "%s is not valid UTF-8", what);
}

/* 0 when `s` passes text_check; otherwise -1 with err naming the field. */
static int check_text(const char *s, size_t min, size_t max, const char *what, char *err,
                      size_t errlen)
{
    enum text_problem problem = text_check(s, min, max);
    if (problem == TEXT_OK)
        return 0;
    text_error(problem, what, s, max, err, errlen);
    return -1;
}

/* Like check_text for an indexed field, formatting the name only on failure. */
static int check_field(const char *s, size_t min, size_t max, const char *list, size_t index,
                       const char *field, char *err, size_t errlen)
{
    enum text_problem problem = text_check(s, min, max);
    if (problem == TEXT_OK)
        return 0;
    char what[96];
    snprintf(what, sizeof(what), "%s[%zu].%s", list, index, field);
    text_error(problem, what, s, max, err, errlen);
    return -1;
}

static int cmp_result(const void *a, const void *b)
{
    const Dockward__V1__Result *x = *(const Dockward__V1__Result *const *)a;
    const Dockward__V1__Result *y = *(const Dockward__V1__Result *const *)b;
    return store_pair_cmp(x->check_id, x->target, y->check_id, y->target);
}

/* A waiver id: at most 64 of [A-Za-z0-9._-], on a fail or warn only. */
static int check_waiver_id(const Dockward__V1__Result *res, size_t i, char *err, size_t errlen)
{
    const char *id = res->waiver_id;
    if (id == NULL || id[0] == '\0')
        return 0;
    size_t len = strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
    if (len > REPORT_WAIVER_ID_MAX || id[len] != '\0') {
        seterr(err, errlen, "results[%zu].waiver_id is not 1..%d of [A-Za-z0-9._-]", i,
               REPORT_WAIVER_ID_MAX);
        return -1;
    }
    if (res->status != DOCKWARD__V1__STATUS__STATUS_FAIL &&
        res->status != DOCKWARD__V1__STATUS__STATUS_WARN) {
        seterr(err, errlen,
               "results[%zu] names waiver \"%s\" but its status is %s, not fail or warn", i, id,
               store_status_name((int)res->status));
        return -1;
    }
    return 0;
}

static int validate(struct store_report *r, int64_t now_ms, char *err, size_t errlen)
{
    const Dockward__V1__Report *m = r->msg;
    if (m->report_id.len != REPORT_ID_BYTES) {
        seterr(err, errlen, "report_id must be %d bytes, got %zu", REPORT_ID_BYTES,
               m->report_id.len);
        return -1;
    }
    if (!host_id_valid(m->host_id, strlen(m->host_id))) {
        seterr(err, errlen, "host_id must be 1 to %d characters of [A-Za-z0-9._-]",
               REPORT_HOST_ID_MAX);
        return -1;
    }
    if (check_text(m->hostname, 0, REPORT_HOSTNAME_MAX, "hostname", err, errlen) != 0 ||
        check_text(m->agent_version, 0, REPORT_VERSION_MAX, "agent_version", err, errlen) != 0 ||
        check_text(m->catalog_version, 0, REPORT_VERSION_MAX, "catalog_version", err, errlen) != 0)
        return -1;
    if (m->sequence == 0) {
        seterr(err, errlen, "sequence must be 1 or more");
        return -1;
    }
    if (m->sequence > (uint64_t)INT64_MAX) {
        seterr(err, errlen, "sequence is out of range (over 2^63-1)");
        return -1;
    }
    if (m->generated_at_unix_ms < REPORT_MIN_TIME_MS) {
        seterr(err, errlen, "generated_at is before 2020 (%lld ms)",
               (long long)m->generated_at_unix_ms);
        return -1;
    }
    if (m->generated_at_unix_ms > now_ms + REPORT_MAX_FUTURE_MS) {
        seterr(err, errlen, "generated_at is more than a day in the future");
        return -1;
    }

    /* Collector runs: named, unique; the ones that ran are what results may name. */
    r->ran = arena_alloc(r->arena, (m->n_collector_runs + 1) * sizeof(*r->ran));
    if (r->ran == NULL)
        return -2;
    const char **names = arena_alloc(r->arena, (m->n_collector_runs + 1) * sizeof(*names));
    if (names == NULL)
        return -2;
    for (size_t i = 0; i < m->n_collector_runs; i++) {
        const Dockward__V1__CollectorRun *run = m->collector_runs[i];
        if (check_field(run->name, 1, REPORT_COLLECTOR_MAX, "collector_runs", i, "name", err,
                        errlen) != 0 ||
            check_field(run->error, 0, REPORT_ERROR_MAX, "collector_runs", i, "error", err,
                        errlen) != 0)
            return -1;
        names[i] = run->name;
        if (run->success)
            r->ran[r->n_ran++] = run->name;
    }
    qsort(names, m->n_collector_runs, sizeof(*names), store_string_cmp);
    r->listed = names;
    r->n_listed = m->n_collector_runs;
    for (size_t i = 1; i < m->n_collector_runs; i++) {
        if (strcmp(names[i - 1], names[i]) == 0) {
            seterr(err, errlen, "collector \"%s\" appears twice in collector_runs", names[i]);
            return -1;
        }
    }
    qsort(r->ran, r->n_ran, sizeof(*r->ran), store_string_cmp);

    r->sorted = arena_alloc(r->arena, (m->n_results + 1) * sizeof(*r->sorted));
    if (r->sorted == NULL)
        return -2;
    for (size_t i = 0; i < m->n_results; i++) {
        const Dockward__V1__Result *res = m->results[i];
        if (check_field(res->check_id, 1, REPORT_CHECK_ID_MAX, "results", i, "check_id", err,
                        errlen) != 0 ||
            check_field(res->target, 1, REPORT_TARGET_MAX, "results", i, "target", err, errlen) !=
                0 ||
            check_field(res->evidence, 0, REPORT_EVIDENCE_MAX, "results", i, "evidence", err,
                        errlen) != 0)
            return -1;
        if ((int)res->status < STORE_PASS || (int)res->status > STORE_ERROR) {
            seterr(err, errlen, "results[%zu] has unknown status %d", i, (int)res->status);
            return -1;
        }
        if (check_waiver_id(res, i, err, errlen) != 0)
            return -1;
        if (!store_report_collector_ran(r, res->collector)) {
            seterr(err, errlen,
                   "results[%zu] names collector \"%.64s\", which is not a collector that ran "
                   "in collector_runs",
                   i, res->collector);
            return -1;
        }
        r->sorted[i] = res;
    }
    r->n_results = m->n_results;
    qsort(r->sorted, r->n_results, sizeof(*r->sorted), cmp_result);
    for (size_t i = 1; i < r->n_results; i++) {
        if (cmp_result(&r->sorted[i - 1], &r->sorted[i]) == 0) {
            seterr(err, errlen, "result (%.64s, %.128s) appears twice", r->sorted[i]->check_id,
                   r->sorted[i]->target);
            return -1;
        }
    }
    return 0;
}

enum report_decode_result store_report_decode(const void *data, size_t len, int64_t now_ms,
                                              struct store_report **out, char *err, size_t errlen)
{
    return store_report_decode_within(data, len, now_ms, NULL, 0, out, err, errlen);
}

enum report_decode_result store_report_decode_within(const void *data, size_t len, int64_t now_ms,
                                                     atomic_size_t *budget, size_t budget_max,
                                                     struct store_report **out, char *err,
                                                     size_t errlen)
{
    *out = NULL;
    if (len == 0) {
        seterr(err, errlen, "empty body: want a protobuf dockward.v1.Report");
        return REPORT_INVALID;
    }
    if (prescan(data, len, err, errlen) != 0)
        return REPORT_INVALID;

    struct report_arena *arena = calloc(1, sizeof(*arena));
    if (arena == NULL) {
        seterr(err, errlen, "out of memory");
        return REPORT_TOO_LARGE;
    }
    arena->cap = STORE_DECODE_MEMORY;
    arena->budget = budget;
    arena->budget_max = budget_max;
    struct store_report *r = arena_alloc(arena, sizeof(*r));
    if (r == NULL) {
        int busy = arena->hit_budget;
        arena_destroy(arena);
        if (busy) {
            seterr(err, errlen, "too many reports being decoded or queued; retry later");
            return REPORT_BUSY;
        }
        seterr(err, errlen, "out of memory");
        return REPORT_TOO_LARGE;
    }
    memset(r, 0, sizeof(*r));
    r->arena = arena;
    ProtobufCAllocator alloc = { .alloc = arena_alloc,
                                 .free = arena_free_nothing,
                                 .allocator_data = arena };
    r->msg = dockward__v1__report__unpack(&alloc, len, data);
    if (r->msg == NULL) {
        int over = arena->hit_cap, busy = arena->hit_budget;
        arena_destroy(arena);
        if (busy) {
            seterr(err, errlen, "too many reports being decoded or queued; retry later");
            return REPORT_BUSY;
        }
        if (over) {
            seterr(err, errlen, "report too large to decode (over %u bytes of memory)",
                   STORE_DECODE_MEMORY);
            return REPORT_TOO_LARGE;
        }
        seterr(err, errlen, "malformed protobuf: not a dockward.v1.Report");
        return REPORT_INVALID;
    }
    int rc = validate(r, now_ms, err, errlen);
    if (rc != 0) {
        int busy = arena->hit_budget;
        arena_destroy(arena);
        if (rc == -2 && busy) {
            seterr(err, errlen, "too many reports being decoded or queued; retry later");
            return REPORT_BUSY;
        }
        if (rc == -2) {
            seterr(err, errlen, "report too large to decode");
            return REPORT_TOO_LARGE;
        }
        return REPORT_INVALID;
    }
    r->memory = arena->total;
    *out = r;
    return REPORT_OK;
}

void store_report_free(struct store_report *r)
{
    if (r != NULL)
        arena_destroy(r->arena); /* r itself lives in the arena */
}

/* Binary search of a sorted list of names. */
static bool names_have(const char *const *names, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(names[mid], name);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool store_report_collector_listed(const struct store_report *r, const char *name)
{
    return names_have(r->listed, r->n_listed, name);
}

bool store_report_collector_ran(const struct store_report *r, const char *name)
{
    return names_have(r->ran, r->n_ran, name);
}

/*
 * The common case first, on the request threads' CPU: libdeflate inflates a
 * member whose trailer's size (ISIZE) fits the room left in `out` at about
 * 2.5 times zlib's speed, checking the CRC and ISIZE itself. It skips a
 * header CRC (FHCRC) unread where zlib checks it, so such a member, and
 * anything libdeflate does not inflate to exactly ISIZE bytes from exactly
 * `len` bytes, goes to zlib (gzip_inflate), which decides as it always did:
 * the answer (200, 400, 413) is zlib's either way.
 */
#define GZIP_FHCRC 0x02

enum store_gunzip_result store_gunzip(const void *data, size_t len, struct buf *out)
{
    const unsigned char *p = data;
    if (len >= GZIP_MEMBER_MIN && p[0] == 0x1f && p[1] == 0x8b && !(p[3] & GZIP_FHCRC)) {
        size_t isize = gzip_declared_size(data, len);
        struct libdeflate_decompressor *d = NULL;
        if (isize <= out->max - out->len && buf_reserve(out, isize) == BUF_OK &&
            (d = libdeflate_alloc_decompressor()) != NULL) {
            size_t used = 0, got = 0;
            enum libdeflate_result rc = libdeflate_gzip_decompress_ex(
                d, data, len, out->data + out->len, isize, &used, &got);
            libdeflate_free_decompressor(d);
            if (rc == LIBDEFLATE_SUCCESS && used == len && got == isize) {
                out->len += got;
                out->data[out->len] = '\0';
                return GUNZIP_OK;
            }
            out->data[out->len] = '\0'; /* as it was: zlib appends from there */
        }
    }
    return (enum store_gunzip_result)gzip_inflate(data, len, out);
}
