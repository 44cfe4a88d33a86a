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

#endif
