/*
 * case_file.h - one runner for test cases kept as data: files under
 * tests/cases/ that hold an input text and the verdict a parser must give
 * it, the way jq's jq.test or LLVM's lit files do, so a case is read and
 * added without reading C. A case file:
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
 * "|" is an empty line; a case with no "|" lines is the empty input. A
 * line that is none of these fails the test, naming FILE:LINE.
 */
#ifndef DOCKWARD_TEST_CASE_FILE_H
#define DOCKWARD_TEST_CASE_FILE_H

#include <stddef.h>

/*
 * One case: text (NUL-terminated, len bytes), the line the error must name,
 * the part of the message it must hold, and where the case starts
 * ("tests/cases/NAME:LINE") for failure messages. Asserts with cmocka.
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
