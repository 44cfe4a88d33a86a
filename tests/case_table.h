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
 * read says how many cases it holds (cmocka's print_message). The file is
 * read by case_file.h's reader.
 */
#ifndef DOCKWARD_TEST_CASE_TABLE_H
#define DOCKWARD_TEST_CASE_TABLE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/case_file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASE_FIELDS_MAX 8
#define CASE_ROWS_MAX   64

/* One row: its fields (pointing into the table's text) and where it stands, "FILE:LINE". */
struct case_row {
    char *field[CASE_FIELDS_MAX];
    char where[300];
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
    memset(t, 0, sizeof(*t));
    assert_true(fields >= 1 && fields <= CASE_FIELDS_MAX);
    struct case_file cf;
    case_file_open(&cf, file);
    bool inside = false, seen = false;
    for (char *p; (p = case_file_line(&cf)) != NULL;) {
        if (strncmp(p, "== ", 3) == 0) {
            inside = strcmp(case_trim(p + 3), section) == 0;
            if (inside && seen)
                fail_msg("%s:%d: section %s given twice", cf.name, cf.line, section);
            seen |= inside;
            continue;
        }
        if (!inside || *case_trim(p) == '\0' || *case_trim(p) == '#')
            continue;
        if (t->n == CASE_ROWS_MAX)
            fail_msg("%s:%d: more than %d rows in section %s", cf.name, cf.line, CASE_ROWS_MAX,
                     section);
        struct case_row *row = &t->rows[t->n++];
        snprintf(row->where, sizeof(row->where), "%s:%d", cf.name, cf.line);
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
        fail_msg("%s: no section %s, or no case in it", cf.name, section);
    print_message("%zu cases from %s, section %s\n", t->n, cf.name, section);
    t->text = cf.data; /* the rows point into it */
}

static inline void case_table_free(struct case_table *t)
{
    free(t->text);
    t->text = NULL;
    t->n = 0;
}

#endif
