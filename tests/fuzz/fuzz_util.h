/*
 * fuzz_util.h - what the libFuzzer targets share: the entry point's
 * prototype, a property check that stops the run, a NUL-terminated copy of
 * the input, and a UTF-8 validator written apart from common/utf8.c (which
 * is under test), so a property "the output is valid UTF-8" is judged by
 * other code than the one that produced it. Header-only: each target
 * includes it once.
 */
#ifndef DOCKWARD_FUZZ_UTIL_H
#define DOCKWARD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer calls this once per input; 0 keeps the input in the corpus. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A property of the parser's output that must hold for every input. A
 * violation traps, which libFuzzer reports as a crash and saves the input.
 */
#define FUZZ_CHECK(cond)      \
    do {                      \
        if (!(cond))          \
            __builtin_trap(); \
    } while (0)

/* A malloc'd NUL-terminated copy of data[0..size) (the caller frees it); NULL on no memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return NULL;
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Whether s[0..len) is well-formed UTF-8 (Unicode Table 3-7: no overlongs, surrogates, > U+10FFFF).
 */
static inline int fuzz_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (len - i - 1 < n)
            return 0;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++) {
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return 0;
        }
        i += n + 1;
    }
    return 1;
}

/* Whether a NUL-terminated string is at most `max` bytes long. */
static inline int fuzz_strlen_within(const char *s, size_t max)
{
    return s != NULL && strnlen(s, max + 1) <= max;
}

#endif
