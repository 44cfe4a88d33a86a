/*
 * case_file.h - test cases kept as data: files under tests/cases/ that a
 * test reads instead of holding its cases in C, the way jq's jq.test or
 * LLVM's lit files do, so a case is read and added without reading C.
 * Three formats are read through the one reader below (struct case_file:
 * the file read whole, cut into numbered lines; struct case_text: a text
 * that grows as lines come):
 *
 *   - refusals, case_file_run here: an input and the line and message of
 *     the error a parser must give it (waivers, web config);
 *   - tables, tests/case_table.h: named sections of " | "-separated rows;
 *   - collector cases, tests/collector_cases.h: host trees and the verdicts
 *     wanted of them.
 *
 * Every failure names the case file's line ("tests/cases/NAME:LINE"). The
 * files are the repository's, not hostile input: a file that cannot be
 * read, or a line a format does not know, fails the test.
 */
#ifndef DOCKWARD_TEST_CASE_FILE_H
#define DOCKWARD_TEST_CASE_FILE_H

#include <stddef.h>

/* A case file, read whole; case_file_line cuts it into lines in place. */
struct case_file {
    char name[256]; /* "tests/cases/NAME", for messages */
    char *data;     /* the whole file, NUL-terminated (owned; case_file_close frees it) */
    size_t len;
    char *next; /* the rest not yet cut (NULL: the end) */
    int line;   /* the number of the line case_file_line returned last */
};

/* Reads tests/cases/NAME whole; fails the test when it cannot be read. */
void case_file_open(struct case_file *cf, const char *name);

/* The next line, its newline cut off (NULL at the end); cf->line is its number. */
char *case_file_line(struct case_file *cf);

void case_file_close(struct case_file *cf);

/* Splits the first space-separated word off *rest (NUL-terminating it); "" at the end. */
char *case_word(char **rest);

/* A line's TEXT: all of s, or what is between its double quotes (a text ending in a space). */
char *case_text_arg(char *s);

/* A text that grows as lines come (a case's input, a manifest); always NUL-terminated. */
struct case_text {
    char *data;
    size_t len, cap;
};

void case_text_add(struct case_text *t, const char *s, size_t n);

/*
 * Refusals. A file of cases:
 *
 *   # comment lines and blank lines between cases are passed over
 *   === LINE: MESSAGE
 *   | first line of the input text
 *   |   the text of each line follows "| " exactly (indentation kept)
 *   |
 *
 * "=== LINE: MESSAGE" starts a case: the line the error must name and a
 * part of the message it must hold (up to the end of the line). Each "| "
 * line that follows is one line of the input, its newline included; a lone
 * "|" is an empty line; a case with no "|" lines is the empty input.
 *
 * fn gets one case: text (NUL-terminated, len bytes), the line the error
 * must name, the part of the message it must hold, and where the case
 * starts ("tests/cases/NAME:LINE") for failure messages. Asserts with cmocka.
 */
typedef void (*case_fn)(const char *text, size_t len, int line, const char *what, const char *where,
                        void *arg);

/*
 * Runs fn on every case of tests/cases/NAME in file order. Returns the
 * number of cases run (the test says it); fails the test when the file
 * cannot be read, is malformed or holds no case.
 */
int case_file_run(const char *name, case_fn fn, void *arg);

#endif
