/*
 * case_file.c - reads tests/cases/NAME (the format is case_file.h's) and
 * hands each case to the test's function. The whole file is read first and
 * each case's text built in one growing buffer, so a case of any length is
 * fine; the file is the repository's, not hostile input.
 */
#include "case_file.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DOCKWARD_CASES
#define DOCKWARD_CASES "tests/cases"
#endif

struct pending {
    char *text; /* the input so far */
    size_t len, cap;
    int line; /* the error's line; 0 = no case open */
    char what[512];
    char where[512];
};

static void append(struct pending *c, const char *s, size_t n)
{
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap == 0 ? 256 : c->cap;
        while (c->len + n + 1 > cap)
            cap *= 2;
        char *grown = realloc(c->text, cap);
        assert_non_null(grown);
        c->text = grown;
        c->cap = cap;
    }
    memcpy(c->text + c->len, s, n);
    c->len += n;
    c->text[c->len] = '\0';
}

/* Runs the open case, if any; counts it. */
static void flush(struct pending *c, case_fn fn, void *arg, int *n)
{
    if (c->line == 0)
        return;
    append(c, "", 0); /* an empty input is "" too */
    fn(c->text, c->len, c->line, c->what, c->where, arg);
    (*n)++;
    c->len = 0;
    c->line = 0;
}

int case_file_run(const char *name, case_fn fn, void *arg)
{
    char path[4096];
    int w = snprintf(path, sizeof(path), "%s/%s", DOCKWARD_CASES, name);
    assert_true(w > 0 && (size_t)w < sizeof(path));
    FILE *f = fopen(path, "re");
    if (f == NULL)
        fail_msg("%s: %s", path, strerror(errno));
    struct pending c = { 0 };
    int n = 0, at = 0;
    char *buf = NULL;
    size_t size = 0;
    ssize_t got;
    while ((got = getline(&buf, &size, f)) >= 0) {
        at++;
        size_t len = (size_t)got;
        if (len > 0 && buf[len - 1] == '\n')
            buf[--len] = '\0';
        if (strncmp(buf, "=== ", 4) == 0) {
            flush(&c, fn, arg, &n);
            char *end;
            errno = 0;
            long line = strtol(buf + 4, &end, 10);
            if (errno != 0 || end == buf + 4 || line < 1 || line > 1000000 ||
                strncmp(end, ": ", 2) != 0 || end[2] == '\0')
                fail_msg("tests/cases/%s:%d: want \"=== LINE: MESSAGE\"", name, at);
            int wn = snprintf(c.what, sizeof(c.what), "%s", end + 2);
            assert_true(wn > 0 && (size_t)wn < sizeof(c.what));
            snprintf(c.where, sizeof(c.where), "tests/cases/%s:%d", name, at);
            c.line = (int)line;
        } else if (c.line != 0 && (strcmp(buf, "|") == 0 || strncmp(buf, "| ", 2) == 0)) {
            if (len > 1)
                append(&c, buf + 2, len - 2);
            append(&c, "\n", 1);
        } else if (len != 0 && buf[0] != '#') {
            fail_msg("tests/cases/%s:%d: want \"=== LINE: MESSAGE\", \"| TEXT\", \"#\" or "
                     "nothing",
                     name, at);
        }
    }
    flush(&c, fn, arg, &n);
    free(buf);
    free(c.text);
    fclose(f);
    if (n == 0)
        fail_msg("tests/cases/%s: no case", name);
    print_message("%d cases from tests/cases/%s\n", n, name);
    return n;
}
