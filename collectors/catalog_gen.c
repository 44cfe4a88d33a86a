/*
 * catalog_gen.c - the build-time tool that turns collectors/catalog.txt, the
 * check catalog written once as data, into what is made of it: one include
 * file per collector, the initializer rows of that collector's
 * `static const struct check_def` table in the file's order, and
 * docs/catalog.md's table. (git keeps command-list.txt and generates
 * command-list.h; Linux keeps syscall.tbl.) It is in no library: CMake
 * builds it, runs it into the build tree before the collectors compile, and
 * ctest catalog_docs compares its --markdown output with the docs.
 *
 *   catalog_gen --collectors=NAME,... --inc=DIR CATALOG
 *       writes DIR/NAME.inc for each collector NAME
 *   catalog_gen --collectors=NAME,... --markdown CATALOG
 *       writes the docs table to stdout
 *
 * The whole file is read and checked before anything is written, so bad data
 * writes nothing and fails the build with "CATALOG:LINE: what is wrong"
 * (catalog.txt's header says the format). Each include file is written under
 * a temporary name and renamed into place, so a build never reads half of
 * one.
 */
#include "../common/cis_catalog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Caps on the data file; the catalog is about 40 KiB and 120 rows. */
#define CATALOG_MAX_BYTES      (1024 * 1024)
#define CATALOG_MAX_ROWS       1024
#define CATALOG_MAX_COLLECTORS 32

enum field {
    F_ID,
    F_SECTION,
    F_LEVEL,
    F_JUDGED,
    F_CIS,
    F_COLLECTOR,
    F_STATUS,
    F_TITLE,
    F_REMEDIATION,
    N_FIELDS
};

#define CATALOG_COLUMNS \
    "id | section | level | judged | CIS | collector | status | title | remediation"

/* The CIS marking of a check beyond CIS: an em dash, as the docs print it. */
#define NOT_IN_CIS "\xe2\x80\x94"

struct row {
    int line;
    char *field[N_FIELDS]; /* point into catalog.data */
};

struct catalog {
    const char *path;
    char *data; /* the whole file, cut into lines and fields in place */
    struct row *rows;
    size_t n_rows;
    const char *collectors[CATALOG_MAX_COLLECTORS];
    size_t n_collectors;
};

static int fail_at(const struct catalog *cat, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints "CATALOG:LINE: message" (no LINE when line is 0). Returns -1. */
static int fail_at(const struct catalog *cat, int line, const char *fmt, ...)
{
    if (line > 0)
        fprintf(stderr, "%s:%d: ", cat->path, line);
    else
        fprintf(stderr, "%s: ", cat->path);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* Reads cat->path whole into cat->data. Returns 0, or -1 having said why. */
static int catalog_read(struct catalog *cat)
{
    FILE *f = fopen(cat->path, "r");
    if (f == NULL)
        return fail_at(cat, 0, "cannot open: %s", strerror(errno));
    cat->data = malloc(CATALOG_MAX_BYTES + 1);
    if (cat->data == NULL) {
        fclose(f);
        return fail_at(cat, 0, "out of memory");
    }
    size_t len = fread(cat->data, 1, CATALOG_MAX_BYTES + 1, f);
    int read_error = ferror(f);
    fclose(f);
    if (read_error)
        return fail_at(cat, 0, "cannot read");
    if (len > CATALOG_MAX_BYTES)
        return fail_at(cat, 0, "larger than %d bytes", CATALOG_MAX_BYTES);
    cat->data[len] = '\0';
    if (strlen(cat->data) != len)
        return fail_at(cat, 0, "holds a NUL byte");
    return 0;
}

/* s without the blanks around it (cut in place). */
static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

static bool is_name(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if ((*s < 'a' || *s > 'z') && (*s < '0' || *s > '9') && *s != '_')
            return false;
    }
    return true;
}

static bool is_status(const char *s)
{
    if (strcmp(s, "implemented") == 0 || strcmp(s, "planned") == 0)
        return true;
    size_t n = strlen(s);
    return strncmp(s, "planned (", 9) == 0 && n > 10 && s[n - 1] == ')';
}

static bool is_collector(const struct catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->n_collectors; i++) {
        if (strcmp(cat->collectors[i], name) == 0)
            return true;
    }
    return false;
}

static bool is_implemented(const struct row *r)
{
    return strcmp(r->field[F_STATUS], "implemented") == 0;
}

/* Checks one row's fields and that its id is new. Returns 0, or -1 having said why. */
static int row_check(const struct catalog *cat, const struct row *r)
{
    char *const *f = r->field;
    const char *id = f[F_ID];
    /* The id space the store accepts (common/cis_catalog.h): the benchmark's ids, or ours. */
    bool ours = cis_catalog_is_dockward(id);
    if (!ours && !cis_catalog_has(id))
        return fail_at(cat, r->line, "id \"%s\" is neither a CIS id (3.15) nor dockward.<name>",
                       id);
    for (size_t i = 0; i < cat->n_rows; i++) {
        if (strcmp(cat->rows[i].field[F_ID], id) == 0)
            return fail_at(cat, r->line, "duplicate id %s (first on line %d)", id,
                           cat->rows[i].line);
    }
    const char *section = f[F_SECTION];
    if (strlen(section) != 1 || section[0] < '1' || section[0] > '7')
        return fail_at(cat, r->line, "section \"%s\" is not 1 .. 7", section);
    if (!ours && (strncmp(id, section, 1) != 0 || (id[1] != '.' && id[1] != '\0')))
        return fail_at(cat, r->line, "section %s is not the section of id %s", section, id);
    if (strcmp(f[F_LEVEL], "1") != 0 && strcmp(f[F_LEVEL], "2") != 0)
        return fail_at(cat, r->line, "level \"%s\" is not 1 or 2", f[F_LEVEL]);
    if (strcmp(f[F_JUDGED], "A") != 0 && strcmp(f[F_JUDGED], "M") != 0)
        return fail_at(cat, r->line, "judged \"%s\" is not A or M", f[F_JUDGED]);
    const char *cis = f[F_CIS];
    if (ours && strcmp(cis, NOT_IN_CIS) != 0)
        return fail_at(cat, r->line,
                       "CIS marking \"%s\" of %s is not " NOT_IN_CIS
                       " (dockward.* checks are not in CIS)",
                       cis, id);
    if (!ours && strcmp(cis, "A") != 0 && strcmp(cis, "M") != 0)
        return fail_at(cat, r->line, "CIS marking \"%s\" is not A or M", cis);
    if (!is_collector(cat, f[F_COLLECTOR]))
        return fail_at(cat, r->line, "unknown collector \"%s\"", f[F_COLLECTOR]);
    if (!is_status(f[F_STATUS]))
        return fail_at(cat, r->line,
                       "status \"%s\" is not implemented, planned or \"planned (why)\"",
                       f[F_STATUS]);
    if (f[F_TITLE][0] == '\0')
        return fail_at(cat, r->line, "empty title");
    if (f[F_REMEDIATION][0] == '\0')
        return fail_at(cat, r->line, "empty remediation");
    return 0;
}

/* Cuts one row out of `line` (line number `n`) and checks it. Returns 0, or -1. */
static int row_parse(struct catalog *cat, char *line, int n)
{
    for (const char *p = line; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return fail_at(cat, n, "control character 0x%02x in the row", (unsigned)*p);
    }
    if (cat->n_rows == CATALOG_MAX_ROWS)
        return fail_at(cat, n, "more than %d rows", CATALOG_MAX_ROWS);
    struct row *r = &cat->rows[cat->n_rows];
    r->line = n;
    size_t k = 0;
    char *p = line;
    for (;;) {
        char *bar = strchr(p, '|');
        if (k < N_FIELDS)
            r->field[k] = p;
        k++;
        if (bar == NULL)
            break;
        *bar = '\0';
        p = bar + 1;
    }
    if (k != N_FIELDS)
        return fail_at(cat, n, "%zu columns, not %d: " CATALOG_COLUMNS, k, N_FIELDS);
    for (k = 0; k < N_FIELDS; k++)
        r->field[k] = trim(r->field[k]);
    if (row_check(cat, r) < 0)
        return -1;
    cat->n_rows++;
    return 0;
}

/* Cuts cat->data into rows and checks them all. Returns 0, or -1 having said why. */
static int catalog_parse(struct catalog *cat)
{
    char *p = cat->data;
    int n = 0;
    while (*p != '\0') {
        char *line = p;
        char *nl = strchr(p, '\n');
        if (nl != NULL) {
            *nl = '\0';
            p = nl + 1;
        } else {
            p += strlen(p);
        }
        n++;
        const char *s = line;
        while (*s == ' ')
            s++;
        if (*s == '\0' || *s == '#')
            continue;
        if (row_parse(cat, line, n) < 0)
            return -1;
    }
    for (size_t i = 0; i < cat->n_collectors; i++) {
        size_t rows = 0;
        for (size_t k = 0; k < cat->n_rows; k++) {
            rows += is_implemented(&cat->rows[k]) &&
                    strcmp(cat->rows[k].field[F_COLLECTOR], cat->collectors[i]) == 0;
        }
        if (rows == 0)
            return fail_at(cat, 0, "collector %s has no implemented check", cat->collectors[i]);
    }
    return 0;
}

/* Writes s as a C string literal. */
static void put_c_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', out);
        /* "??" would start a trigraph under -std=c11. */
        if (*p == '?' && p > s && p[-1] == '?')
            fputc('\\', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

/* Writes the include file of collector `name` into `dir`. Returns 0, or -1 having said why. */
static int write_inc(const struct catalog *cat, const char *dir, const char *name)
{
    char path[4096], tmp[4096];
    int n = snprintf(path, sizeof(path), "%s/%s.inc", dir, name);
    int m = snprintf(tmp, sizeof(tmp), "%s/%s.inc.tmp", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path) || m < 0 || (size_t)m >= sizeof(tmp))
        return fail_at(cat, 0, "output path too long: %s/%s.inc", dir, name);
    FILE *out = fopen(tmp, "w");
    if (out == NULL)
        return fail_at(cat, 0, "cannot create %s: %s", tmp, strerror(errno));
    const char *base = strrchr(cat->path, '/');
    base = base != NULL ? base + 1 : cat->path;
    fprintf(out, "/* %s's checks, generated from %s by catalog_gen: edit that file. */\n", name,
            base);
    for (size_t i = 0; i < cat->n_rows; i++) {
        char *const *f = cat->rows[i].field;
        if (!is_implemented(&cat->rows[i]) || strcmp(f[F_COLLECTOR], name) != 0)
            continue;
        fputs("{ .id = ", out);
        put_c_string(out, f[F_ID]);
        fputs(", .section = ", out);
        put_c_string(out, f[F_SECTION]);
        fprintf(out, ", .level = %s, .automated = %s,\n  .title = ", f[F_LEVEL],
                strcmp(f[F_JUDGED], "A") == 0 ? "true" : "false");
        put_c_string(out, f[F_TITLE]);
        fputs(",\n  .remediation = ", out);
        put_c_string(out, f[F_REMEDIATION]);
        fputs(" },\n", out);
    }
    int bad = ferror(out);
    if (fclose(out) != 0 || bad) {
        remove(tmp);
        return fail_at(cat, 0, "cannot write %s", tmp);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return fail_at(cat, 0, "cannot rename %s to %s: %s", tmp, path, strerror(e));
    }
    return 0;
}

/* Writes docs/catalog.md's table to stdout. Returns 0, or -1 having said why. */
static int write_markdown(const struct catalog *cat)
{
    printf("| id | title | collector | judged | CIS | level | status |\n");
    printf("|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < cat->n_rows; i++) {
        char *const *f = cat->rows[i].field;
        printf("| %s | %s | %s | %s | %s | %s | %s |\n", f[F_ID], f[F_TITLE], f[F_COLLECTOR],
               f[F_JUDGED], f[F_CIS], f[F_LEVEL], f[F_STATUS]);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        return fail_at(cat, 0, "cannot write the table: %s", strerror(errno));
    return 0;
}

/* Splits the comma-separated `list` (cut in place) into cat->collectors. Returns 0, or -1. */
static int collectors_parse(struct catalog *cat, char *list)
{
    char *p = list;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        if (!is_name(p)) {
            fprintf(stderr, "catalog_gen: --collectors: \"%s\" is not a collector name\n", p);
            return -1;
        }
        if (cat->n_collectors == CATALOG_MAX_COLLECTORS) {
            fprintf(stderr, "catalog_gen: --collectors: more than %d\n", CATALOG_MAX_COLLECTORS);
            return -1;
        }
        cat->collectors[cat->n_collectors++] = p;
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: catalog_gen --collectors=NAME,... --inc=DIR CATALOG\n"
                    "       catalog_gen --collectors=NAME,... --markdown CATALOG\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct catalog cat = { 0 };
    const char *inc_dir = NULL;
    char *collectors = NULL;
    bool markdown = false;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--collectors=", 13) == 0)
            collectors = argv[i] + 13;
        else if (strncmp(argv[i], "--inc=", 6) == 0)
            inc_dir = argv[i] + 6;
        else if (strcmp(argv[i], "--markdown") == 0)
            markdown = true;
        else if (argv[i][0] != '-' && cat.path == NULL)
            cat.path = argv[i];
        else
            return usage();
    }
    if (cat.path == NULL || collectors == NULL || (inc_dir == NULL) == !markdown)
        return usage();
    if (collectors_parse(&cat, collectors) < 0)
        return 2;

    int rc = -1;
    cat.rows = calloc(CATALOG_MAX_ROWS, sizeof(*cat.rows));
    if (cat.rows == NULL)
        fail_at(&cat, 0, "out of memory");
    else if (catalog_read(&cat) == 0 && catalog_parse(&cat) == 0) {
        rc = 0;
        if (markdown)
            rc = write_markdown(&cat);
        for (size_t i = 0; rc == 0 && inc_dir != NULL && i < cat.n_collectors; i++)
            rc = write_inc(&cat, inc_dir, cat.collectors[i]);
    }
    free(cat.rows);
    free(cat.data);
    return rc == 0 ? 0 : 1;
}
