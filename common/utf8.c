/*
 * utf8.c - making text valid UTF-8 before it leaves dockward (metric labels,
 * HELP, JSON, protobuf strings all require it). Ill-formed sequences become
 * U+FFFD, one per maximal ill-formed prefix, as Unicode recommends.
 */
#include "utf8.h"

#include <string.h>

size_t utf8_char_length(const unsigned char *s, size_t len, size_t *bad)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* beyond U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    size_t i = 1;
    if (i < len && s[i] >= lo && s[i] <= hi) {
        i++;
        while (i <= need && i < len && s[i] >= 0x80 && s[i] <= 0xBF)
            i++;
    }
    if (i == need + 1)
        return i;
    *bad = i;
    return 0;
}

/*
 * Copies `s` into `out` (room for max + 1 bytes) as valid UTF-8, replacing
 * ill-formed sequences with U+FFFD and stopping at the last whole character
 * that fits in `max` bytes. Returns the length written.
 */
size_t utf8_sanitize(const char *s, char *out, size_t max)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    size_t i = 0, o = 0;
    while (i < len) {
        size_t bad = 0;
        size_t n = utf8_char_length(p + i, len - i, &bad);
        const char *src = (const char *)p + i;
        size_t out_n = n;
        if (n == 0) {
            src = replacement;
            out_n = 3;
            n = bad;
        }
        if (out_n > max - o)
            break;
        memcpy(out + o, src, out_n);
        o += out_n;
        i += n;
    }
    out[o] = '\0';
    return o;
}
