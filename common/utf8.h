/*
 * utf8.h - text made valid UTF-8 (see utf8.c).
 */
#ifndef DOCKWARD_UTF8_H
#define DOCKWARD_UTF8_H

#include <stddef.h>

/*
 * Copies `s` into `out` (room for max + 1 bytes) as valid UTF-8, replacing
 * ill-formed sequences with U+FFFD and stopping at the last whole character
 * that fits in `max` bytes. Returns the length written.
 */
size_t utf8_sanitize(const char *s, char *out, size_t max);

/*
 * Length of the valid UTF-8 character at s (1..4; len >= 1 bytes are
 * readable), or 0 when the bytes there are not one; then *bad is the length
 * of the maximal ill-formed prefix (Unicode's recommended unit for one
 * U+FFFD). For writers that escape as they go (daemon/format.c).
 */
size_t utf8_char_length(const unsigned char *s, size_t len, size_t *bad);

#endif
