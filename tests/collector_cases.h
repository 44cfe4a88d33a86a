/*
 * collector_cases.h - one runner for collector test cases kept as data. A
 * case file (tests/cases/<name>.cases) holds host trees as manifest text
 * (tests/fixture.h) and the verdicts wanted of them, the way curl's
 * data-file tests and jq's jq.test hold theirs, so a case is read and added
 * without reading C; the test program (test_collector_cases.c) reads what
 * the runner does not know (the lines that build a Docker sweep) through
 * hooks. Every assertion failure names the case file's line. Header-only,
 * like collector_harness.h: include it after that header.
 *
 * A case file, line by line ('#' in the first column starts a comment;
 * blank lines are skipped):
 *
 *   collector NAME       (first) the collector the cases run, by its registry name
 *   now SECONDS          (before the first case) every case's clock; 0 when not said
 *   fragment NAME        manifest lines, up to `end`, that a case takes with `use NAME`
 *   case TITLE           starts a case: its tree and run, then its assertions; a TITLE
 *                        `NAME: ...` names the case for a conformance table's proof row
 *                        (`proof: cases/FILE:NAME`, tests/e2e_lib.sh e2e_proof_defined)
 *     LINE               (two spaces in) a manifest line, or `use NAME`
 *         MORE           (four or more in) continues the line above, the spaces dropped
 *   fixture NAME         the tree is the committed tests/fixtures/NAME (the case's manifest
 *                        lines, if any, are added on top of it)
 *   size PATH BYTES      once built, the tree's host file PATH is cut or grown to BYTES
 *   docker-host URL      the run's --docker.host (default unix:///var/run/docker.sock)
 *   now SECONDS          the run's clock
 *   WORD ...             any other word before the run goes to the test program's hook
 *   expect ID TARGET STATUS [= TEXT | ~ TEXT]
 *                        the only result of check ID: its target (`*`: any), its status,
 *                        its evidence equal to (=) or containing (~) TEXT (none: not compared)
 *   expect-at ID TARGET STATUS [= TEXT | ~ TEXT]
 *                        the same for the only result of check ID for TARGET (others may be)
 *   count N              exactly N results
 *   order ID ...         the results' checks are these, in this order
 *   nowhere TEXT         no result's target nor evidence holds TEXT (a secret)
 *   all STATUS but PREFIX
 *                        every result of a check whose id does not start with PREFIX has STATUS
 *   count-of ID N        exactly N results of check ID
 *   rest TARGET as FRAGMENT [ending TEXT]
 *                        TARGET has one result per line of FRAGMENT, each line `ID STATUS
 *                        ~ TEXT` (or `= TEXT`): every result of TARGET that no expect-at
 *                        line above named is as its check's line says; every result's
 *                        evidence ends with TEXT (a variant of a base case, in one line)
 *   measure NAME LABEL VALUE
 *                        the measure NAME{LABEL} is VALUE
 *   measures-of NAME N   exactly N measures called NAME
 *
 * The first assertion of a case builds its tree and runs the collector (which
 * must not fail). TEXT runs to the end of the line; written in double quotes
 * it is what is between them (for a text ending in a space).
 */
#ifndef DOCKWARD_TEST_COLLECTOR_CASES_H
#define DOCKWARD_TEST_COLLECTOR_CASES_H

#include "collectors/registry.h"
#include "tests/case_file.h"
#include "tests/collector_harness.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CASES_FRAGMENTS 16 /* fragments in one file */
#define CASES_SIZES     4  /* `size` lines in one case */

/* What the test program adds to the runner. */
struct cases_hooks {
    /* A case starts: the test program forgets what the last case set (may be NULL). */
    void (*begin)(void *arg);
    /*
     * A line of a case, before its run, whose first word the runner does not
     * know (NULL: none is known). Returns 0 when taken, -1 with err filled.
     */
    int (*line)(void *arg, const char *word, char *rest, char *err, size_t errlen);
    /* Sets what the test program owns in ctx (a sweep, options) before a run (may be NULL). */
    void (*prepare)(void *arg, struct collect_ctx *ctx);
};

/* The runner's state over one case file. */
struct cases_run {
    const char *path;
    const struct cases_hooks *hooks;
    void *arg; /* handed to the hooks */
    struct harness_run *h;
    const struct collector *collector; /* the file's */
    double file_now;                   /* the file's clock */
    struct {
        const char *name;
        struct case_text text;
        int line; /* of its `fragment` line */
    } fragments[CASES_FRAGMENTS];
    size_t n_fragments;
    struct case_text *into; /* where manifest lines go: a fragment's or the case's */
    /* The case being read. */
    const char *title;
    int line_no; /* of its `case` line */
    struct case_text manifest;
    const char *fixture;
    struct {
        const char *hostpath;
        off_t bytes;
    } sizes[CASES_SIZES];
    size_t n_sizes;
    const char *docker_host;
    double now;
    bool has_now, ran;
    size_t assertions_in_case;
    struct case_text named; /* "\nID TARGET\n" of each expect-at line of the case */
    /* Totals. */
    size_t cases, assertions;
};

/* Fails the test naming the case file's line. */
#define cases_fail(run, at, ...)                                 \
    do {                                                         \
        print_message("%s:%d: case \"%s\"\n", (run)->path, (at), \
                      (run)->title ? (run)->title : "(none)");   \
        fail_msg(__VA_ARGS__);                                   \
    } while (0)

/* Builds the case's tree and runs the collector on it. */
static inline void cases_collect(struct cases_run *run, int at)
{
    struct harness_run *h = run->h;
    if (run->fixture != NULL && run->manifest.len == 0) {
        harness_build_named(&h->fx, run->fixture);
    } else if (run->fixture != NULL) { /* the fixture, then the case's lines on top */
        char path[4096];
        assert_non_null(fixture_manifest_path(run->fixture, path, sizeof(path)));
        struct case_text text = { 0 };
        case_text_add(&text, "include ", 8);
        case_text_add(&text, path, strlen(path));
        case_text_add(&text, "\n", 1);
        case_text_add(&text, run->manifest.data, run->manifest.len);
        harness_build_text(&h->fx, text.data);
        free(text.data);
    } else {
        harness_build_text(&h->fx, run->manifest.data ? run->manifest.data : "");
    }
    for (size_t i = 0; i < run->n_sizes; i++) {
        char real[4096];
        harness_real_path(&h->fx, run->sizes[i].hostpath, real, sizeof(real));
        if (truncate(real, run->sizes[i].bytes) != 0)
            cases_fail(run, at, "size %s: %s", real, strerror(errno));
    }
    struct collect_ctx ctx = { .docker_host = "unix:///var/run/docker.sock", .now = run->file_now };
    if (run->hooks->prepare != NULL)
        run->hooks->prepare(run->arg, &ctx);
    if (run->docker_host != NULL)
        ctx.docker_host = run->docker_host;
    if (run->has_now)
        ctx.now = run->now;
    if (harness_collect(h, run->collector, &ctx) != 0)
        cases_fail(run, at, "collect failed: %s", h->err);
    run->ran = true;
}

/* Ends the case being read (it must have asserted something) and removes its tree. */
static inline void cases_end(struct cases_run *run)
{
    if (run->title != NULL && run->assertions_in_case == 0)
        cases_fail(run, run->line_no, "a case without assertions");
    harness_done(&run->h->set, &run->h->fx);
    run->title = NULL;
    run->manifest.len = 0;
    if (run->manifest.data != NULL)
        run->manifest.data[0] = '\0';
    run->fixture = NULL;
    run->n_sizes = 0;
    run->docker_host = NULL;
    run->has_now = run->ran = false;
    run->assertions_in_case = 0;
    run->named.len = 0;
}

static inline enum check_status cases_status(struct cases_run *run, int at, const char *word)
{
    enum check_status st;
    if (check_status_parse(word, &st) != 0)
        cases_fail(run, at, "unknown status \"%s\"", word);
    return st;
}

/* expect / expect-at: finds the result, then compares target, status and evidence. */
static inline void cases_expect(struct cases_run *run, int at, char *rest, bool at_target)
{
    const char *id = case_word(&rest);
    const char *target = case_word(&rest);
    enum check_status status = cases_status(run, at, case_word(&rest));
    const char *how = case_word(&rest);
    const char *text = *how ? case_text_arg(rest) : NULL;
    if (*id == '\0' || *target == '\0' || (*how && strcmp(how, "=") != 0 && strcmp(how, "~") != 0))
        cases_fail(run, at, "want: expect ID TARGET STATUS [= TEXT | ~ TEXT]");
    bool any = strcmp(target, "*") == 0;
    const struct result *res = harness_find(&run->h->set, id, at_target && !any ? target : NULL);
    if (res == NULL) {
        harness_dump(&run->h->set);
        cases_fail(run, at, "no result for %s %s", id, target);
    }
    bool same = text == NULL || (*how == '~' ? strstr(res->evidence, text) != NULL
                                             : strcmp(res->evidence, text) == 0);
    if ((!any && strcmp(res->target, target) != 0) || res->status != status || !same) {
        harness_dump(&run->h->set);
        cases_fail(run, at, "%s: got %s %s \"%s\", want %s %s %s\"%s\"", id, res->target,
                   check_status_name(res->status), res->evidence, target, check_status_name(status),
                   *how == '~' ? "containing " : "", text ? text : "*");
    }
    if (at_target && !any) { /* for `rest`: this one is named */
        if (run->named.len == 0)
            case_text_add(&run->named, "\n", 1);
        case_text_add(&run->named, id, strlen(id));
        case_text_add(&run->named, " ", 1);
        case_text_add(&run->named, target, strlen(target));
        case_text_add(&run->named, "\n", 1);
    }
    run->assertions++;
    run->assertions_in_case++;
}

/* Whether an expect-at line of the case named check id for target. */
static inline bool cases_named(const struct cases_run *run, const char *id, const char *target)
{
    char key[512];
    snprintf(key, sizeof(key), "\n%s %s\n", id, target);
    return run->named.len > 0 && strstr(run->named.data, key) != NULL;
}

/*
 * rest TARGET as FRAGMENT [ending TEXT]: the results of TARGET against the
 * fragment's lines (line k of the fragment is the file's line after its
 * `fragment` line plus k). Returns the assertions made.
 */
static inline size_t cases_rest(struct cases_run *run, int at, char *rest)
{
    const char *target = case_word(&rest);
    const char *as = case_word(&rest);
    const char *name = case_word(&rest);
    const char *ending = NULL;
    if (strncmp(rest, "ending ", 7) == 0)
        ending = case_text_arg(rest + 7);
    else if (*rest != '\0')
        cases_fail(run, at, "want: rest TARGET as FRAGMENT [ending TEXT]");
    const struct case_text *wants = NULL;
    int first = 0;
    for (size_t i = 0; i < run->n_fragments; i++) {
        if (strcmp(run->fragments[i].name, name) == 0) {
            wants = &run->fragments[i].text;
            first = run->fragments[i].line + 1;
        }
    }
    if (strcmp(as, "as") != 0 || wants == NULL || wants->data == NULL)
        cases_fail(run, at, "want: rest TARGET as FRAGMENT (a fragment above)");
    const struct result_set *set = &run->h->set;
    size_t made = 0, seen = 0, lines = 0;
    for (const char *p = wants->data; *p != '\0'; p = strchr(p, '\n') + 1)
        lines++;
    for (size_t i = 0; i < set->len; i++) {
        const struct result *res = &set->items[i];
        if (strcmp(res->target, target) != 0)
            continue;
        seen++;
        if (ending != NULL) {
            size_t el = strlen(res->evidence), tl = strlen(ending);
            if (el < tl || strcmp(res->evidence + el - tl, ending) != 0) {
                harness_dump(set);
                cases_fail(run, at, "%s %s: evidence \"%s\" does not end with \"%s\"",
                           res->check->id, target, res->evidence, ending);
            }
            made++;
        }
        if (cases_named(run, res->check->id, target))
            continue;
        /* The fragment's line for this check: "ID STATUS ~ TEXT". */
        const char *line = wants->data;
        int line_no = first;
        size_t idlen = strlen(res->check->id);
        while (*line != '\0' &&
               !(strncmp(line, res->check->id, idlen) == 0 && line[idlen] == ' ')) {
            line = strchr(line, '\n') + 1;
            line_no++;
        }
        if (*line == '\0')
            cases_fail(run, at, "fragment %s has no line for %s", name, res->check->id);
        char want[1024];
        snprintf(want, sizeof(want), "%.*s", (int)(strchr(line, '\n') - line), line);
        char *w = want;
        case_word(&w);
        enum check_status status = cases_status(run, line_no, case_word(&w));
        const char *how = case_word(&w);
        const char *text = case_text_arg(w);
        if (strcmp(how, "~") != 0 && strcmp(how, "=") != 0)
            cases_fail(run, line_no, "want: ID STATUS ~ TEXT (or = TEXT)");
        bool same =
            *how == '~' ? strstr(res->evidence, text) != NULL : strcmp(res->evidence, text) == 0;
        if (res->status != status || !same) {
            harness_dump(set);
            print_message("%s:%d: as this line of fragment %s says\n", run->path, line_no, name);
            cases_fail(run, at, "%s %s: got %s \"%s\", want %s %s\"%s\"", res->check->id, target,
                       check_status_name(res->status), res->evidence, check_status_name(status),
                       *how == '~' ? "containing " : "", text);
        }
        made++;
    }
    if (seen != lines) {
        harness_dump(set);
        cases_fail(run, at, "%s: %zu results, want %zu (one per line of %s)", target, seen, lines,
                   name);
    }
    return made + 1;
}

/*
 * For the hooks: the integer that is all of text (base 10). Returns 0, or -1
 * with err filled.
 */
static inline int cases_integer(const char *text, long long *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    *out = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        snprintf(err, errlen, "want an integer, not \"%s\"", text);
        return -1;
    }
    return 0;
}

/* The number that is all of text, given to a `word` line (now, measure). */
static inline double cases_real(struct cases_run *run, int at, const char *word, const char *text)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0')
        cases_fail(run, at, "%s wants a number, not \"%s\"", word, text);
    return value;
}

/* A whole number that is all of text. */
static inline unsigned long long cases_number(struct cases_run *run, int at, const char *text)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
        cases_fail(run, at, "want a whole number, not \"%s\"", text);
    return n;
}

/* An assertion line of the case (collecting first on the first one); false: not one. */
static inline bool cases_assert(struct cases_run *run, int at, const char *word, char *rest)
{
    static const char *const words[] = {
        "expect", "expect-at", "count",   "order",       "nowhere",
        "all",    "count-of",  "measure", "measures-of", "rest",
    };
    bool known = false;
    for (size_t i = 0; i < ARRAY_LEN(words); i++)
        known |= strcmp(word, words[i]) == 0;
    if (!known)
        return false;
    if (run->title == NULL)
        cases_fail(run, at, "%s outside a case", word);
    if (!run->ran)
        cases_collect(run, at);
    const struct result_set *set = &run->h->set;
    size_t made = 1;
    if (strcmp(word, "expect") == 0 || strcmp(word, "expect-at") == 0) {
        cases_expect(run, at, rest, strcmp(word, "expect-at") == 0);
        return true;
    } else if (strcmp(word, "rest") == 0) {
        made = cases_rest(run, at, rest);
    } else if (strcmp(word, "count") == 0) {
        unsigned long long n = cases_number(run, at, rest);
        if (set->len != n) {
            harness_dump(set);
            cases_fail(run, at, "%zu results, want exactly %llu", set->len, n);
        }
    } else if (strcmp(word, "count-of") == 0 || strcmp(word, "measures-of") == 0) {
        const char *what = case_word(&rest);
        unsigned long long want = cases_number(run, at, rest);
        size_t got = word[0] == 'c' ? harness_count(set, what) : harness_count_measure(set, what);
        if (got != want) {
            harness_dump(set);
            cases_fail(run, at, "%zu of %s, want %llu", got, what, want);
        }
    } else if (strcmp(word, "measure") == 0) {
        const char *what = case_word(&rest);
        const char *label = case_word(&rest);
        double want = cases_real(run, at, word, rest);
        double got = harness_measure(set, what, label);
        if (got != want) {
            harness_dump(set);
            cases_fail(run, at, "%s{%s} is %g, want %g", what, label, got, want);
        }
    } else if (strcmp(word, "order") == 0) {
        made = 0;
        for (const char *id = case_word(&rest); *id != '\0'; id = case_word(&rest), made++) {
            if (made >= set->len || strcmp(set->items[made].check->id, id) != 0) {
                harness_dump(set);
                cases_fail(run, at, "result %zu is %s, want %s", made + 1,
                           made < set->len ? set->items[made].check->id : "none", id);
            }
        }
    } else if (strcmp(word, "nowhere") == 0) {
        const char *text = case_text_arg(rest);
        for (size_t i = 0; i < set->len; i++) {
            if (strstr(set->items[i].evidence, text) != NULL ||
                strstr(set->items[i].target, text) != NULL) {
                harness_dump(set);
                cases_fail(run, at, "\"%s\" appears in %s %s", text, set->items[i].check->id,
                           set->items[i].target);
            }
        }
    } else { /* all STATUS but PREFIX */
        enum check_status status = cases_status(run, at, case_word(&rest));
        const char *but = case_word(&rest);
        const char *prefix = case_word(&rest);
        if (strcmp(but, "but") != 0 || *prefix == '\0')
            cases_fail(run, at, "want: all STATUS but PREFIX");
        made = 0;
        for (size_t i = 0; i < set->len; i++) {
            const struct result *res = &set->items[i];
            if (strncmp(res->check->id, prefix, strlen(prefix)) == 0)
                continue;
            made++;
            if (res->status != status) {
                harness_dump(set);
                cases_fail(run, at, "%s %s is %s, want %s", res->check->id, res->target,
                           check_status_name(res->status), check_status_name(status));
            }
        }
    }
    run->assertions += made;
    run->assertions_in_case += made;
    return true;
}

/* A manifest line (indented): into the fragment or case being read, `use` expanded. */
static inline void cases_manifest_line(struct cases_run *run, int at, char *line)
{
    if (run->into == NULL || run->ran)
        cases_fail(run, at, "a manifest line outside a fragment or before a case's run");
    size_t indent = strspn(line, " ");
    char *text = line + indent;
    if (indent >= 4) { /* continues the line above */
        if (run->into->len == 0 || run->into->data[run->into->len - 1] != '\n')
            cases_fail(run, at, "a continuation with no line above");
        run->into->len--;
        case_text_add(run->into, text, strlen(text));
        case_text_add(run->into, "\n", 1);
        return;
    }
    if (strncmp(text, "use ", 4) == 0) {
        for (size_t i = 0; i < run->n_fragments; i++) {
            if (strcmp(run->fragments[i].name, text + 4) == 0) {
                case_text_add(run->into, run->fragments[i].text.data, run->fragments[i].text.len);
                return;
            }
        }
        cases_fail(run, at, "no fragment \"%s\" above", text + 4);
    }
    case_text_add(run->into, text, strlen(text));
    case_text_add(run->into, "\n", 1);
}

/* A line of a case before its run: the runner's own words, else the hook's. */
static inline void cases_setting(struct cases_run *run, int at, const char *word, char *rest)
{
    if (run->title == NULL && run->cases == 0 && strcmp(word, "collector") == 0) {
        run->collector = collector_lookup(rest);
        if (run->collector == NULL)
            cases_fail(run, at, "no collector \"%s\"", rest);
        return;
    }
    if (run->title == NULL && run->cases == 0 && strcmp(word, "now") == 0) {
        run->file_now = cases_real(run, at, word, rest);
        return;
    }
    if (run->title == NULL || run->ran)
        cases_fail(run, at, "%s outside a case, or after its first assertion", word);
    if (strcmp(word, "fixture") == 0) {
        run->fixture = rest;
    } else if (strcmp(word, "size") == 0) {
        const char *hostpath = case_word(&rest);
        long long bytes = 0;
        char err[128];
        if (run->n_sizes >= CASES_SIZES || *hostpath != '/' ||
            cases_integer(rest, &bytes, err, sizeof(err)) != 0 || bytes < 0)
            cases_fail(run, at, "want: size PATH BYTES (at most %d in a case)", CASES_SIZES);
        run->sizes[run->n_sizes].hostpath = hostpath;
        run->sizes[run->n_sizes++].bytes = (off_t)bytes;
    } else if (strcmp(word, "docker-host") == 0) {
        run->docker_host = rest;
    } else if (strcmp(word, "now") == 0) {
        run->now = cases_real(run, at, word, rest);
        run->has_now = true;
    } else {
        char err[256] = "unknown line";
        if (run->hooks->line == NULL ||
            run->hooks->line(run->arg, word, rest, err, sizeof(err)) != 0)
            cases_fail(run, at, "%s: %s", word, err);
    }
}

/*
 * Runs every case of tests/cases/<name> with h as the state of each run (its
 * tree and results are removed after each case), handing arg to the hooks.
 * Prints and returns how many assertions it made; fails the test on the
 * first that does not hold or on a line it cannot read.
 */
static inline size_t cases_run_file(struct harness_run *h, const char *name,
                                    const struct cases_hooks *hooks, void *arg)
{
    struct case_file cf;
    case_file_open(&cf, name);
    struct cases_run *run = calloc(1, sizeof(*run));
    assert_non_null(run);
    run->path = cf.name;
    run->hooks = hooks;
    run->arg = arg;
    run->h = h;
    for (char *line; (line = case_file_line(&cf)) != NULL;) {
        const int at = cf.line;
        if (line[0] == '#' || line[strspn(line, " ")] == '\0')
            continue;
        if (line[0] == ' ') {
            cases_manifest_line(run, at, line);
            continue;
        }
        char *rest = line;
        const char *word = case_word(&rest);
        if (strcmp(word, "fragment") == 0 || strcmp(word, "case") == 0) {
            cases_end(run);
            if (*rest == '\0')
                cases_fail(run, at, "%s wants a name", word);
            if (word[0] == 'f') {
                if (run->n_fragments >= CASES_FRAGMENTS)
                    cases_fail(run, at, "more than %d fragments", CASES_FRAGMENTS);
                run->fragments[run->n_fragments].name = rest;
                run->fragments[run->n_fragments].line = at;
                run->into = &run->fragments[run->n_fragments++].text;
            } else {
                if (run->collector == NULL)
                    cases_fail(run, at, "a case before the file's collector line");
                run->title = rest;
                run->line_no = at;
                run->into = &run->manifest;
                run->cases++;
                print_message("[ CASE     ] %s:%d %s\n", name, at, rest);
                if (hooks->begin != NULL)
                    hooks->begin(arg);
            }
        } else if (strcmp(word, "end") == 0) {
            run->into = NULL;
        } else if (!cases_assert(run, at, word, rest)) {
            cases_setting(run, at, word, rest);
        }
    }
    cases_end(run);
    size_t made = run->assertions;
    if (run->cases == 0)
        fail_msg("%s: no cases", cf.name);
    print_message("%s: %zu cases, %zu assertions\n", name, run->cases, made);
    for (size_t i = 0; i < run->n_fragments; i++)
        free(run->fragments[i].text.data);
    free(run->manifest.data);
    free(run->named.data);
    free(run);
    case_file_close(&cf);
    return made;
}

#endif
