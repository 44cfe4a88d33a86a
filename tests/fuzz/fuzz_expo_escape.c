/*
 * fuzz_expo_escape.c - hostile text in the exposition: label values and
 * HELP come from the audited host (container names, image tags, paths,
 * evidence) and must never break a scrape. The input is split at NUL
 * bytes: the first piece is a family's HELP, each further piece one
 * sample's label value `v` (beside a label `idx` numbering the sample);
 * a piece of at least 8 bytes also gives the sample's value (its first 8
 * bytes as a double). Both formats are rendered (common/expo.c).
 *
 * Properties, judged by a parser written here rather than "no crash": the
 * body is valid UTF-8; it is a sequence of whole lines (HELP, TYPE, sample
 * lines, and "# EOF" last in OpenMetrics); every sample line parses back,
 * with no raw newline inside a label value; each label value and the HELP
 * unescape to what was given (made valid UTF-8, cut at its cap: equal to
 * the input when that was valid and short enough); an empty value leaves
 * its label out; each value reads back as the same double; and every
 * sample appears exactly once.
 */
#include "fuzz_util.h"

#include "common/expo.h"
#include "common/utf8.h"

#include <math.h>
#include <stdio.h>

#define FAMILY      "fuzz_escape"
#define SAMPLES_MAX 32

struct expected {
    char idx[8];
    const char *raw;                      /* the input piece */
    char value[EXPO_LABEL_VALUE_MAX + 1]; /* what the rendered label must unescape to */
    size_t value_len;
    double v;
    int seen;
};

/*
 * Unescapes a quoted string starting after its opening quote at *pp, up to
 * the closing quote, into out (cap outmax). Escapes: \\ and \n always,
 * \" when `quote`. Returns the length, or -1 for a raw newline, an unknown
 * escape, an unescaped quote where none is allowed, or no closing quote.
 */
static long unescape(const char **pp, const char *end, char *out, size_t outmax, int quote,
                     char close)
{
    const char *p = *pp;
    size_t n = 0;
    for (; p < end; p++) {
        char c = *p;
        if (c == close)
            break;
        if (c == '\n')
            return -1;
        if (c == '\\') {
            if (++p >= end)
                return -1;
            if (*p == '\\')
                c = '\\';
            else if (*p == 'n')
                c = '\n';
            else if (*p == '"' && quote)
                c = '"';
            else
                return -1;
        }
        if (n >= outmax)
            return -1;
        out[n++] = c;
    }
    if (close != '\0' && (p >= end || *p != close))
        return -1;
    *pp = p;
    return (long)n;
}

/* Checks one rendered body; returns only when every property holds. */
static void check_body(const struct buf *body, enum expo_format format, const char *help,
                       struct expected *exp, size_t n_exp)
{
    const char *b = body->data != NULL ? body->data : "";
    size_t len = body->len;
    FUZZ_CHECK(fuzz_utf8_valid(b, len));
    FUZZ_CHECK(strlen(b) == len); /* no NUL inside */
    FUZZ_CHECK(len > 0 && b[len - 1] == '\n');
    for (size_t i = 0; i < n_exp; i++)
        exp[i].seen = 0;

    static char scratch[EXPO_HELP_MAX + 1];
    char help_want[EXPO_HELP_MAX + 1];
    size_t help_len = help[0] != '\0' ? utf8_sanitize(help, help_want, EXPO_HELP_MAX) : 0;
    int saw_help = 0, saw_type = 0, saw_eof = 0;
    const char *line = b;
    while (line < b + len) {
        const char *nl = memchr(line, '\n', (size_t)(b + len - line));
        FUZZ_CHECK(nl != NULL);
        FUZZ_CHECK(!saw_eof); /* nothing after # EOF */
        const char *p = line;
        if (strncmp(p, "# HELP " FAMILY " ", 7 + sizeof(FAMILY)) == 0) {
            p += 7 + sizeof(FAMILY);
            long n = unescape(&p, nl, scratch, EXPO_HELP_MAX, format == EXPO_OPENMETRICS, '\0');
            FUZZ_CHECK(n >= 0 && (size_t)n == help_len &&
                       memcmp(scratch, help_want, help_len) == 0);
            saw_help++;
        } else if ((size_t)(nl - p) == strlen("# TYPE " FAMILY " gauge") &&
                   memcmp(p, "# TYPE " FAMILY " gauge", (size_t)(nl - p)) == 0) {
            saw_type++;
        } else if (format == EXPO_OPENMETRICS && nl - p == 5 && memcmp(p, "# EOF", 5) == 0) {
            saw_eof = 1;
        } else {
            /* FAMILY{idx="NNNN"[,v="..."]} VALUE */
            FUZZ_CHECK(strncmp(p, FAMILY "{idx=\"", sizeof(FAMILY) + 5) == 0);
            p += sizeof(FAMILY) + 5;
            char idx[8];
            long n = unescape(&p, nl, idx, sizeof(idx) - 1, 1, '"');
            FUZZ_CHECK(n == 4);
            idx[n] = '\0';
            p++;
            unsigned long k = strtoul(idx, NULL, 10);
            FUZZ_CHECK(k < n_exp && strcmp(exp[k].idx, idx) == 0 && !exp[k].seen);
            struct expected *e = &exp[k];
            e->seen = 1;
            if (strncmp(p, ",v=\"", 4) == 0) {
                p += 4;
                n = unescape(&p, nl, scratch, EXPO_LABEL_VALUE_MAX, 1, '"');
                FUZZ_CHECK(n >= 0 && (size_t)n == e->value_len &&
                           memcmp(scratch, e->value, e->value_len) == 0);
                p++;
            } else {
                FUZZ_CHECK(e->raw[0] == '\0'); /* only an empty value is left out */
            }
            FUZZ_CHECK(p < nl && *p == '}' && p[1] == ' ');
            p += 2;
            char num[64];
            FUZZ_CHECK((size_t)(nl - p) < sizeof(num) && nl > p);
            memcpy(num, p, (size_t)(nl - p));
            num[nl - p] = '\0';
            char *end;
            double back = strtod(num, &end);
            FUZZ_CHECK(*end == '\0');
            FUZZ_CHECK(isnan(e->v) ? isnan(back) : back == e->v);
        }
        line = nl + 1;
    }
    FUZZ_CHECK(saw_help == (help_len > 0) && saw_type == 1);
    FUZZ_CHECK(saw_eof == (format == EXPO_OPENMETRICS));
    for (size_t i = 0; i < n_exp; i++)
        FUZZ_CHECK(exp[i].seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct expected exp[SAMPLES_MAX];
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    /* Pieces: text[0..] up to each NUL. */
    const char *help = text;
    size_t n_exp = 0;
    for (size_t i = strlen(text) + 1; i <= size && n_exp < SAMPLES_MAX; n_exp++) {
        struct expected *e = &exp[n_exp];
        e->raw = text + i;
        snprintf(e->idx, sizeof(e->idx), "%04zu", n_exp);
        size_t rawlen = strlen(e->raw);
        e->value_len = utf8_sanitize(e->raw, e->value, EXPO_LABEL_VALUE_MAX);
        if (rawlen <= EXPO_LABEL_VALUE_MAX && fuzz_utf8_valid(e->raw, rawlen))
            FUZZ_CHECK(e->value_len == rawlen && memcmp(e->value, e->raw, rawlen) == 0);
        FUZZ_CHECK(fuzz_utf8_valid(e->value, e->value_len));
        if (rawlen >= sizeof(double))
            memcpy(&e->v, e->raw, sizeof(double));
        else
            e->v = (double)n_exp - 0.5;
        i += rawlen + 1;
    }

    struct expo *x = expo_new();
    if (x == NULL) {
        free(text);
        return 0;
    }
    FUZZ_CHECK(expo_family(x, FAMILY, METRIC_GAUGE, help) == 0);
    for (size_t k = 0; k < n_exp; k++) {
        struct metric_label labels[2] = { { "idx", exp[k].idx }, { "v", exp[k].raw } };
        FUZZ_CHECK(expo_sample(x, FAMILY, labels, 2, exp[k].v) == 0);
    }
    if (n_exp > 0) {
        for (int format = 0; format < EXPO_FORMAT_COUNT; format++) {
            struct buf body;
            buf_init(&body, 16u * 1024 * 1024);
            size_t dropped = 1;
            FUZZ_CHECK(expo_render(x, (enum expo_format)format, &body, &dropped) == BUF_OK);
            FUZZ_CHECK(dropped == 0);
            check_body(&body, (enum expo_format)format, help, exp, n_exp);
            buf_free(&body);
        }
    }
    expo_free(x);
    free(text);
    return 0;
}
