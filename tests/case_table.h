/*
 * case_table.h - test cases kept as data: files under tests/cases/ of named
 * sections, one case a line, its fields split by " | ", so a case is read
 * and added without reading C (the way lit or jq.test files are). A test
 * reads one section and walks its rows; what a field means is the test's.
 *
 *   # comment lines and blank lines are passed over
 *   == SECTION
 *   field | field | field
 *
 * Fields are trimmed of blanks at both ends; "" is an empty field. A row
 * with another number of fields than the test asks for, an unknown
 * section, or an empty one fails the test, naming FILE:LINE. Each section
 * read says how many cases it holds (cmocka's print_message).
 */
#ifndef DOCKWARD_TEST_CASE_TABLE_H
#define DOCKWARD_TEST_CASE_TABLE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASE_FIELDS_MAX 8
#define CASE_ROWS_MAX   64

/* One row: its fields (pointing into the table's text) and where it stands, "FILE:LINE". */
struct case_row {
    char *field[CASE_FIELDS_MAX];
    char where[160];
};

/* One section of a case file; case_table_free releases it. */
struct case_table {
    char *text;
    struct case_row rows[CASE_ROWS_MAX];
    size_t n;
};

/* Cuts the blanks off both ends of s in place; returns its first non-blank byte. */
static inline char *case_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return strcmp(s, "\"\"") == 0 ? s + 2 : s;
}

/*
 * Reads section `section` of tests/cases/`file` into t: every row with
 * exactly `fields` fields, in file order. Fails the test when the file
 * cannot be read or the section is missing, empty or malformed.
 */
static inline void case_table_read(struct case_table *t, const char *file, const char *section,
                                   size_t fields)
{
    const char *fixtures = getenv("DOCKWARD_FIXTURES");
    char path[4096];
    snprintf(path, sizeof(path), "%s/../cases/%s", fixtures != NULL ? fixtures : DOCKWARD_FIXTURES,
             file);
    memset(t, 0, sizeof(*t));
    assert_true(fields >= 1 && fields <= CASE_FIELDS_MAX);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    assert_true(size >= 0);
    rewind(f);
    t->text = calloc(1, (size_t)size + 1);
    assert_non_null(t->text);
    assert_int_equal(fread(t->text, 1, (size_t)size, f), (size_t)size);
    fclose(f);

    bool inside = false, seen = false;
    int line = 0;
    for (char *p = t->text, *next; p != NULL && *p != '\0'; p = next) {
        line++;
        next = strchr(p, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (strncmp(p, "== ", 3) == 0) {
            inside = strcmp(case_trim(p + 3), section) == 0;
            if (inside && seen)
                fail_msg("%s:%d: section %s given twice", file, line, section);
            seen |= inside;
            continue;
        }
        if (!inside || *case_trim(p) == '\0' || *case_trim(p) == '#')
            continue;
        if (t->n == CASE_ROWS_MAX)
            fail_msg("%s:%d: more than %d rows in section %s", file, line, CASE_ROWS_MAX, section);
        struct case_row *row = &t->rows[t->n++];
        snprintf(row->where, sizeof(row->where), "%s:%d", file, line);
        size_t n = 0;
        for (char *field = p, *bar; field != NULL; field = bar, n++) {
            bar = strstr(field, " | ");
            if (bar != NULL) {
                *bar = '\0';
                bar += 3;
            }
            if (n < fields)
                row->field[n] = case_trim(field);
        }
        if (n != fields)
            fail_msg("%s: %zu fields, want %zu", row->where, n, fields);
    }
    if (!seen || t->n == 0)
        fail_msg("%s: no section %s, or no case in it", file, section);
    print_message("%zu cases from tests/cases/%s, section %s\n", t->n, file, section);
}

static inline void case_table_free(struct case_table *t)
{
    free(t->text);
    t->text = NULL;
    t->n = 0;
}

#endif
