/*
 * case_file.c - the reader of tests/cases/ files (case_file.h) and the
 * refusal format's runner. A file is read whole and cut into lines in
 * place; a case's text grows in one buffer, so a case of any length is fine.
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

#define CASE_FILE_MAX (1024 * 1024) /* a case file's bytes */

void case_file_open(struct case_file *cf, const char *name)
{
    memset(cf, 0, sizeof(*cf));
    int w = snprintf(cf->name, sizeof(cf->name), "tests/cases/%s", name);
    assert_true(w > 0 && (size_t)w < sizeof(cf->name));
    char path[4096];
    w = snprintf(path, sizeof(path), "%s/%s", DOCKWARD_CASES, name);
    assert_true(w > 0 && (size_t)w < sizeof(path));
    FILE *f = fopen(path, "re");
    if (f == NULL)
        fail_msg("%s: %s", path, strerror(errno));
    cf->data = malloc(CASE_FILE_MAX + 1);
    assert_non_null(cf->data);
    cf->len = fread(cf->data, 1, CASE_FILE_MAX + 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || cf->len > CASE_FILE_MAX)
        fail_msg("%s: unreadable or larger than %d bytes", path, CASE_FILE_MAX);
    cf->data[cf->len] = '\0';
    cf->next = cf->len > 0 ? cf->data : NULL;
}

char *case_file_line(struct case_file *cf)
{
    char *line = cf->next;
    if (line == NULL)
        return NULL;
    cf->line++;
    char *end = strchr(line, '\n');
    if (end != NULL) {
        *end = '\0';
        cf->next = end[1] != '\0' ? end + 1 : NULL;
    } else {
        cf->next = NULL;
    }
    return line;
}

void case_file_close(struct case_file *cf)
{
    free(cf->data);
    cf->data = NULL;
    cf->next = NULL;
}

char *case_word(char **rest)
{
    char *w = *rest;
    while (*w == ' ')
        w++;
    char *end = strchr(w, ' ');
    if (end != NULL) {
        *end = '\0';
        *rest = end + 1;
    } else {
        *rest = w + strlen(w);
    }
    return w;
}

char *case_text_arg(char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        return s + 1;
    }
    return s;
}

void case_text_add(struct case_text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap == 0 ? 256 : t->cap;
        while (t->len + n + 1 > cap)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        assert_non_null(grown);
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

/* The refusal case being read: its input so far and what its error must be. */
struct pending {
    struct case_text text;
    int line; /* the error's line; 0 = no case open */
    char what[512];
    char where[512];
};

/* Runs the open case, if any; counts it. */
static void flush(struct pending *c, case_fn fn, void *arg, int *n)
{
    if (c->line == 0)
        return;
    case_text_add(&c->text, "", 0); /* an empty input is "" too */
    fn(c->text.data, c->text.len, c->line, c->what, c->where, arg);
    (*n)++;
    c->text.len = 0;
    c->line = 0;
}

int case_file_run(const char *name, case_fn fn, void *arg)
{
    struct case_file cf;
    case_file_open(&cf, name);
    struct pending c = { 0 };
    int n = 0;
    for (char *buf; (buf = case_file_line(&cf)) != NULL;) {
        size_t len = strlen(buf);
        if (strncmp(buf, "=== ", 4) == 0) {
            flush(&c, fn, arg, &n);
            char *end;
            errno = 0;
            long line = strtol(buf + 4, &end, 10);
            if (errno != 0 || end == buf + 4 || line < 1 || line > 1000000 ||
                strncmp(end, ": ", 2) != 0 || end[2] == '\0')
                fail_msg("%s:%d: want \"=== LINE: MESSAGE\"", cf.name, cf.line);
            int wn = snprintf(c.what, sizeof(c.what), "%s", end + 2);
            assert_true(wn > 0 && (size_t)wn < sizeof(c.what));
            snprintf(c.where, sizeof(c.where), "%s:%d", cf.name, cf.line);
            c.line = (int)line;
        } else if (c.line != 0 && (strcmp(buf, "|") == 0 || strncmp(buf, "| ", 2) == 0)) {
            if (len > 1)
                case_text_add(&c.text, buf + 2, len - 2);
            case_text_add(&c.text, "\n", 1);
        } else if (len != 0 && buf[0] != '#') {
            fail_msg("%s:%d: want \"=== LINE: MESSAGE\", \"| TEXT\", \"#\" or nothing", cf.name,
                     cf.line);
        }
    }
    flush(&c, fn, arg, &n);
    free(c.text.data);
    if (n == 0)
        fail_msg("%s: no case", cf.name);
    print_message("%d cases from %s\n", n, cf.name);
    case_file_close(&cf);
    return n;
}
