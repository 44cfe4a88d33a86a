/*
 * api_params.c - the query API's parameters, parsed strictly: names it
 * knows, each at most once, numbers in range, ids as reports carry them,
 * and the page cursors handed out as "next". A bad one is a 400 that says
 * which and why.
 */
#include "api_impl.h"

#include "report.h"

#include "../common/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Rejects names not in `known` and names given twice. 0, or -1 with resp filled. */
int api_check_params(const struct params *p, const char *const *known, struct api_response *resp)
{
    for (size_t i = 0; i < p->n; i++) {
        int ok = 0;
        for (const char *const *k = known; *k != NULL; k++)
            ok |= strcmp(*k, p->list[i].name) == 0;
        if (!ok) {
            api_respond_error(resp, 400, "unknown parameter \"%.64s\"", p->list[i].name);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(p->list[i].name, p->list[j].name) == 0) {
                api_respond_error(resp, 400, "parameter \"%.64s\" given twice", p->list[i].name);
                return -1;
            }
        }
    }
    return 0;
}

const char *api_param(const struct params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->list[i].name, name) == 0)
            return p->list[i].value;
    }
    return NULL;
}

int api_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* limit=: 1..max, default `def`. 0, or -1 with resp filled. */
int api_parse_limit(const struct params *p, uint64_t def, uint64_t max, uint64_t *out,
                    struct api_response *resp)
{
    const char *v = api_param(p, "limit");
    *out = def;
    if (v == NULL)
        return 0;
    if (api_parse_u64(v, out) != 0 || *out < 1 || *out > max) {
        api_respond_error(resp, 400, "limit must be a whole number from 1 to %llu",
                          (unsigned long long)max);
        return -1;
    }
    return 0;
}

/* A check id as reports carry them: 1 to REPORT_CHECK_ID_MAX bytes of valid UTF-8. */
int api_valid_check_id(const char *s)
{
    size_t len = strlen(s);
    char tmp[REPORT_CHECK_ID_MAX + 1];
    return len >= 1 && len <= REPORT_CHECK_ID_MAX &&
           utf8_sanitize(s, tmp, REPORT_CHECK_ID_MAX) == len && memcmp(tmp, s, len) == 0;
}

/* A hex digit's value, or -1. */
static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes `len` hex digits into out (room for len / 2 + 1); 0, or -1. */
static int unhex(const char *s, size_t len, char *out)
{
    if (len % 2 != 0)
        return -1;
    for (size_t i = 0; i < len; i += 2) {
        int a = hexval(s[i]), b = hexval(s[i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i / 2] = (char)(a * 16 + b);
    }
    out[len / 2] = '\0';
    return 0;
}

/*
 * The "next" of a page of a host's results: api_hex(check)-api_hex(target) of its
 * last row (any bytes survive a URL that way). 0, or -1.
 */
int api_parse_results_cursor(const char *s, char *check, char *target)
{
    const char *dash = strchr(s, '-');
    if (dash == NULL || (size_t)(dash - s) > 2 * REPORT_CHECK_ID_MAX ||
        strlen(dash + 1) > 2 * REPORT_TARGET_MAX)
        return -1;
    return unhex(s, (size_t)(dash - s), check) == 0 &&
                   unhex(dash + 1, strlen(dash + 1), target) == 0
               ? 0
               : -1;
}

/*
 * The "next" of a page: the id of its last event. The "AT-ID" form of
 * earlier stores is still read (its ID part; AT is ignored).
 */
int api_parse_drift_cursor(const char *s, int64_t *at, int64_t *id)
{
    const char *dash = strchr(s, '-');
    if (dash == NULL) {
        uint64_t i;
        if (api_parse_u64(s, &i) != 0 || i > (uint64_t)INT64_MAX)
            return -1;
        *at = 0;
        *id = (int64_t)i;
        return 0;
    }
    if (dash == s || (size_t)(dash - s) > 20)
        return -1;
    char head[24];
    memcpy(head, s, (size_t)(dash - s));
    head[dash - s] = '\0';
    uint64_t a, i;
    if (api_parse_u64(head, &a) != 0 || api_parse_u64(dash + 1, &i) != 0 ||
        a > (uint64_t)INT64_MAX || i > (uint64_t)INT64_MAX)
        return -1;
    *at = (int64_t)a;
    *id = (int64_t)i;
    return 0;
}
