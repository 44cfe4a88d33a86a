/*
 * negotiate.c - content negotiation for /metrics: expo_negotiate (Accept)
 * and expo_accepts_gzip (Accept-Encoding); declared in expo.h.
 *
 * Both headers are lists of elements with parameters (RFC 9110 12.5.1 and
 * 12.5.3): `token[/token] *( OWS ";" OWS name [OWS] "=" [OWS] value )`,
 * separated by commas, where a value is a token or a quoted string. One
 * small parser walks such a list in place, without allocating, and hands
 * back each element with the few parameters we care about (q, version,
 * charset); an element that does not parse is skipped up to the next comma
 * outside quotes and counts for nothing, so a garbage header simply matches
 * nothing and the caller falls back to text / identity.
 *
 * Matching follows RFC 9110: the most specific range that covers a format
 * sets its q (type/subtype with a matching version, then type/subtype, then
 * a type wildcard like "text/" + star, then star/star); among ranges of equal
 * specificity the highest q counts.
 * q-values are kept in thousandths (0..1000), as the grammar allows at
 * most three decimals.
 */
#include "expo.h"

#include <string.h>

#define ELEM_TOKEN_MAX 96 /* "type/subtype" or a coding; longer is not ours */
#define ELEM_PARAM_MAX 32 /* a version or charset value we keep */

struct list_elem {
    char token[ELEM_TOKEN_MAX]; /* lower-cased */
    int q;                      /* thousandths, default 1000 */
    int has_version;
    char version[ELEM_PARAM_MAX];
    int has_charset;
    char charset[ELEM_PARAM_MAX]; /* lower-cased */
};

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 tchar. */
static int is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static const char *skip_ows(const char *p)
{
    while (is_ows(*p))
        p++;
    return p;
}

/* Appends a token at p to dst (lower-cased when `fold`); NULL when empty or too long. */
static const char *read_token(const char *p, char *dst, size_t *dlen, size_t dmax, int fold)
{
    const char *start = p;
    while (is_tchar(*p)) {
        if (*dlen + 1 >= dmax)
            return NULL;
        dst[(*dlen)++] = fold ? lower(*p) : *p;
        p++;
    }
    dst[*dlen] = '\0';
    return p == start ? NULL : p;
}

/* A parameter value: token or quoted-string; kept (truncated) in dst. */
static const char *read_value(const char *p, char *dst, size_t dmax)
{
    size_t n = 0;
    if (*p != '"') {
        const char *start = p;
        while (is_tchar(*p)) {
            if (n + 1 < dmax)
                dst[n++] = *p;
            p++;
        }
        dst[n] = '\0';
        return p == start ? NULL : p;
    }
    p++;
    while (*p != '"') {
        if (*p == '\0')
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == '\0')
                return NULL;
        }
        if (n + 1 < dmax)
            dst[n++] = *p;
        p++;
    }
    dst[n] = '\0';
    return p + 1;
}

/* "0", "0.5", "1", "1.000": RFC 9110 qvalue, in thousandths; -1 when invalid. */
static int parse_qvalue(const char *s)
{
    int q;
    if (s[0] == '0')
        q = 0;
    else if (s[0] == '1')
        q = 1000;
    else
        return -1;
    if (s[1] == '\0')
        return q;
    if (s[1] != '.')
        return -1;
    int scale = 100, frac = 0, i = 2;
    for (; s[i] != '\0'; i++) {
        if (i > 4 || s[i] < '0' || s[i] > '9')
            return -1;
        frac += (s[i] - '0') * scale;
        scale /= 10;
    }
    if (q == 1000 && frac != 0)
        return -1;
    return q + frac;
}

/* Skips to just past the next comma outside quotes (or to the end). */
static const char *skip_element(const char *p)
{
    int quoted = 0;
    for (; *p != '\0'; p++) {
        if (quoted && *p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            return p + 1;
    }
    return p;
}

/*
 * Parses the element at *pp (media type when `media`, else a coding) into
 * `el` and moves *pp past it and its comma. Returns 1 for a good element, 0
 * for one to ignore, -1 at the end of the list.
 */
static int next_element(const char **pp, struct list_elem *el, int media)
{
    const char *p = *pp;
    while (is_ows(*p) || *p == ',')
        p++;
    if (*p == '\0') {
        *pp = p;
        return -1;
    }
    memset(el, 0, sizeof(*el));
    el->q = 1000;
    size_t n = 0;
    const char *q = read_token(p, el->token, &n, sizeof(el->token), 1);
    if (q != NULL && media) {
        if (*q != '/' || n + 1 >= sizeof(el->token)) {
            q = NULL;
        } else {
            el->token[n++] = '/';
            q = read_token(q + 1, el->token, &n, sizeof(el->token), 1);
        }
    }
    while (q != NULL) {
        q = skip_ows(q);
        if (*q == ',' || *q == '\0')
            break;
        if (*q != ';') {
            q = NULL;
            break;
        }
        q = skip_ows(q + 1);
        if (*q == ';' || *q == ',' || *q == '\0')
            continue; /* an empty parameter, as in "text/plain;" */
        /* A parameter name longer than ours is one we ignore. */
        char name[16], value[ELEM_PARAM_MAX];
        const char *start = q;
        size_t nlen = 0;
        for (; is_tchar(*q); q++, nlen++) {
            if (nlen + 1 < sizeof(name))
                name[nlen] = lower(*q);
        }
        if (q == start) {
            q = NULL;
            break;
        }
        name[nlen < sizeof(name) ? nlen : 0] = '\0';
        q = skip_ows(q);
        if (*q != '=') {
            q = NULL;
            break;
        }
        q = read_value(skip_ows(q + 1), value, sizeof(value));
        if (q == NULL)
            break;
        if (strcmp(name, "q") == 0) {
            el->q = parse_qvalue(value);
            if (el->q < 0)
                q = NULL;
        } else if (strcmp(name, "version") == 0) {
            el->has_version = 1;
            memcpy(el->version, value, strlen(value) + 1);
        } else if (strcmp(name, "charset") == 0) {
            el->has_charset = 1;
            for (size_t i = 0; i == 0 || value[i - 1] != '\0'; i++)
                el->charset[i] = lower(value[i]);
        }
    }
    if (q == NULL) {
        *pp = skip_element(p);
        return 0;
    }
    *pp = *q == ',' ? q + 1 : q;
    return 1;
}

/* The next good element of the list (next_element, skipping those to ignore): 1, or -1 at the end.
 */
static int next_good_element(const char **pp, struct list_elem *el, int media)
{
    int rc;
    while ((rc = next_element(pp, el, media)) == 0)
        ;
    return rc;
}

struct offer {
    const char *type;    /* "text/plain" */
    const char *wild;    /* the type wildcard, text/ + "*" */
    const char *version; /* the only version we produce */
    int spec;            /* specificity of the best range seen, -1 = none */
    int q;
};

/* Records `el` for `o` when the range covers it. */
static void offer_match(struct offer *o, const struct list_elem *el)
{
    int spec;
    if (strcmp(el->token, o->type) == 0) {
        if (el->has_version && strcmp(el->version, o->version) != 0)
            return;
        if (el->has_charset && strcmp(el->charset, "utf-8") != 0)
            return;
        spec = el->has_version ? 3 : 2;
    } else if (strcmp(el->token, o->wild) == 0) {
        spec = 1;
    } else if (strcmp(el->token, "*/*") == 0) {
        spec = 0;
    } else {
        return;
    }
    if (spec > o->spec || (spec == o->spec && el->q > o->q)) {
        o->spec = spec;
        o->q = el->q;
    }
}

enum expo_format expo_negotiate(const char *accept)
{
    struct offer text = { "text/plain", "text/*", "0.0.4", -1, 0 };
    struct offer om = { "application/openmetrics-text", "application/*", "1.0.0", -1, 0 };
    if (accept == NULL)
        return EXPO_TEXT;
    const char *p = accept;
    struct list_elem el;
    while (next_good_element(&p, &el, 1) > 0) {
        offer_match(&text, &el);
        offer_match(&om, &el);
    }
    /* Text always works, so it wins ties, including "nothing matched". */
    return om.q > text.q ? EXPO_OPENMETRICS : EXPO_TEXT;
}

int expo_accepts_gzip(const char *accept_encoding)
{
    int gzip_q = -1, star_q = -1;
    if (accept_encoding == NULL)
        return 0;
    const char *p = accept_encoding;
    struct list_elem el;
    while (next_good_element(&p, &el, 0) > 0) {
        if (strcmp(el.token, "gzip") == 0 || strcmp(el.token, "x-gzip") == 0) {
            if (el.q > gzip_q)
                gzip_q = el.q;
        } else if (strcmp(el.token, "*") == 0) {
            if (el.q > star_q)
                star_q = el.q;
        }
    }
    /* A named gzip overrides "*", whichever way. */
    if (gzip_q >= 0)
        return gzip_q > 0;
    return star_q > 0;
}
