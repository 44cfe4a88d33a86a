/*
 * fuzz_negotiate.c - the Accept and Accept-Encoding headers any scraper
 * sends to /metrics (common/negotiate.c: expo_negotiate and
 * expo_accepts_gzip). The input is the header value (up to its first NUL
 * byte, as libmicrohttpd hands it over) and goes to both functions.
 *
 * Properties beyond "no crash": the answers are in range; list syntax
 * around an element does not change them (a leading ", " or a trailing ","
 * is an empty element, RFC 9110 5.6.1); a first element that prefers text
 * at q=1 with its exact version always gets text (nothing can give
 * OpenMetrics more than q=1); and a leading "identity;q=0," never changes
 * the gzip answer.
 */
#include "fuzz_util.h"

#include "common/expo.h"

#include <stdio.h>

/* prefix + s + suffix, malloc'd; NULL on no memory. */
static char *wrap(const char *prefix, const char *s, const char *suffix)
{
    size_t a = strlen(prefix), b = strlen(s), c = strlen(suffix);
    char *out = malloc(a + b + c + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, prefix, a);
    memcpy(out + a, s, b);
    memcpy(out + a + b, suffix, c + 1);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0; /* libmicrohttpd's whole request header is smaller */
    char *h = fuzz_cstr(data, size);
    if (h == NULL)
        return 0;
    enum expo_format f = expo_negotiate(h);
    int gz = expo_accepts_gzip(h);
    FUZZ_CHECK(f == EXPO_TEXT || f == EXPO_OPENMETRICS);
    FUZZ_CHECK(gz == 0 || gz == 1);
    FUZZ_CHECK(strlen(expo_content_type(f)) > 0);

    char *lead = wrap(", ", h, "");
    char *trail = wrap("", h, ",");
    char *text_first = wrap("text/plain;version=0.0.4;q=1,", h, "");
    char *identity = wrap("identity;q=0,", h, "");
    if (lead != NULL && trail != NULL && text_first != NULL && identity != NULL) {
        FUZZ_CHECK(expo_negotiate(lead) == f && expo_accepts_gzip(lead) == gz);
        FUZZ_CHECK(expo_negotiate(trail) == f && expo_accepts_gzip(trail) == gz);
        FUZZ_CHECK(expo_negotiate(text_first) == EXPO_TEXT);
        FUZZ_CHECK(expo_accepts_gzip(identity) == gz);
    }
    free(lead);
    free(trail);
    free(text_first);
    free(identity);
    free(h);
    return 0;
}
