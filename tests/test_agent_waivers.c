/*
 * test_agent_waivers.c - the waivers file (daemon/waivers.c) and the pass
 * that applies it to a collection.
 *
 * The parser: a complete file read back field by field, then each refusal
 * with the FILE:LINE it names (unknown and repeated keys, wrong types,
 * missing fields, bad ids, dates and URLs, an expiry past the maximum, the
 * caps, aliases). The pass: only fail and warn are waived, by the first
 * live waiver that matches check (id or prefix), target glob and hostname
 * glob; an expired waiver waives nothing; a container-label waiver needs
 * the container to carry the label the file names; the evidence keeps the
 * finding and names the waiver; the figures count what each waiver did; a
 * bad reload keeps the old set and says so in the metrics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "collectors/registry.h"
#include "daemon/collection.h"
#include "common/utf8.h"
#include "daemon/waivers.h"
#include "tests/agent_harness.h"
#include "tests/case_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOW   1798761600.0 /* 2027-01-01T00:00:00Z */
#define DAY   86400.0
#define AHEAD (180 * DAY)

static char err[1024];

static struct waivers *parse(const char *text)
{
    err[0] = '\0';
    return waivers_parse(text, strlen(text), "/etc/dw/waivers.yml", NOW, AHEAD, err, sizeof(err));
}

/*
 * Parsing fails with "/etc/dw/waivers.yml:LINE: " and a message holding `what`;
 * where names the case (tests/cases/FILE:LINE) or is NULL.
 */
static void refused(const char *where, const char *text, int line, const char *what)
{
    struct waivers *w = parse(text);
    if (w != NULL)
        fail_msg("%s%saccepted: %s", where ? where : "", where ? ": " : "", text);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "/etc/dw/waivers.yml:%d: ", line);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL)
        fail_msg("%s%sgot \"%s\", want \"%s...%s\"", where ? where : "", where ? ": " : "", err,
                 prefix, what);
}

static const char full[] = "waivers:\n"
                           "  - id: ci-runners\n"
                           "    checks: [\"5.5\", \"5.4\"]\n"
                           "    targets: [\"container/ci-runner-*\"]\n"
                           "    hosts: [\"build-*\"]\n"
                           "    container_labels:\n"
                           "      dockward.waive: ci\n"
                           "    reason: Docker-in-Docker needs it\n"
                           "    owner: platform-team\n"
                           "    expires: 2027-03-31\n"
                           "    ticket: https://tracker.example/PLAT-1\n"
                           "  - id: old-images\n"
                           "    checks: dockward.image_age\n"
                           "    targets: [\"image/*\"]\n"
                           "    reason: rebuilt monthly\n"
                           "    owner: alice\n"
                           "    expires: 2027-01-15T12:30:00+01:00\n";

static void test_full_file(void **state)
{
    (void)state;
    struct waivers *w = parse(full);
    if (w == NULL)
        fail_msg("%s", err);
    assert_int_equal(w->n, 2);
    const struct waiver *a = &w->items[0];
    assert_string_equal(a->id, "ci-runners");
    assert_int_equal(a->line, 2);
    assert_int_equal(a->n_checks, 2);
    assert_string_equal(a->checks[1], "5.4");
    assert_string_equal(a->targets[0], "container/ci-runner-*");
    assert_string_equal(a->hosts[0], "build-*");
    assert_int_equal(a->n_labels, 1);
    assert_string_equal(a->labels[0], "dockward.waive=ci");
    assert_string_equal(a->reason, "Docker-in-Docker needs it");
    assert_string_equal(a->owner, "platform-team");
    assert_string_equal(a->ticket, "https://tracker.example/PLAT-1");
    assert_true(a->expires == NOW + 89 * DAY); /* 2027-03-31T00:00:00Z */
    const struct waiver *b = &w->items[1];
    assert_int_equal(b->n_checks, 1); /* a single string is a list of one */
    assert_string_equal(b->checks[0], "dockward.image_age");
    assert_null(b->ticket);
    assert_int_equal(b->n_hosts, 0);
    assert_true(b->expires == NOW + 14 * DAY + 11.5 * 3600); /* 12:30 at +01:00 = 11:30Z */
    waivers_free(w);

    /* An empty list is a valid file; so is an expiry in the past (it waives nothing). */
    w = parse("waivers: []\n");
    assert_non_null(w);
    assert_int_equal(w->n, 0);
    waivers_free(w);
    w = parse("waivers:\n- {id: a, checks: [\"5\"], targets: [host], reason: r, owner: o, "
              "expires: 2020-01-01}\n");
    assert_non_null(w);
    waivers_free(w);
}

/* One case of tests/cases/waivers-refused.txt (see case_file.h). */
static void refused_case(const char *text, size_t len, int line, const char *what,
                         const char *where, void *arg)
{
    (void)len;
    (void)arg;
    refused(where, text, line, what);
}

/* Each refusal with the line it names: tests/cases/waivers-refused.txt. */
static void test_refusals(void **state)
{
    (void)state;
    case_file_run("waivers-refused.txt", refused_case, NULL);
}

static void test_caps(void **state)
{
    (void)state;
    /* 65 targets: one past WAIVER_PATTERNS_MAX. */
    char text[8192] = "waivers:\n  - id: a\n    targets:\n";
    for (int i = 0; i <= WAIVER_PATTERNS_MAX; i++) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof(text) - n, "      - container/c%d\n", i);
    }
    refused(NULL, text, 4 + WAIVER_PATTERNS_MAX, "targets: more than 64 items");
    char *big = malloc(WAIVERS_FILE_MAX + 2);
    assert_non_null(big);
    memset(big, '#', WAIVERS_FILE_MAX + 1);
    big[WAIVERS_FILE_MAX + 1] = '\0';
    refused(NULL, big, 1, "larger than 1048576 bytes");
    free(big);
}

static void test_matches(void **state)
{
    (void)state;
    struct waivers *w = parse(full);
    assert_non_null(w);
    const struct waiver *a = &w->items[0];
    assert_true(waiver_matches(a, "5.5", "container/ci-runner-7", "build-2"));
    assert_true(waiver_matches(a, "5.4", "container/ci-runner-7", "build-2"));
    assert_false(waiver_matches(a, "5.55", "container/ci-runner-7", "build-2"));
    assert_false(waiver_matches(a, "5.5", "container/web", "build-2"));
    assert_false(waiver_matches(a, "5.5", "container/ci-runner-7", "web-1"));
    waivers_free(w);
    /* A prefix is a section: "5" covers 5.5 and 5.25, not 55. */
    w = parse("waivers:\n- {id: a, checks: [\"5\"], targets: [\"*\"], reason: r, owner: o, "
              "expires: 2027-02-01}\n");
    assert_non_null(w);
    assert_true(waiver_matches(&w->items[0], "5.25", "host", ""));
    assert_false(waiver_matches(&w->items[0], "55", "host", ""));
    waivers_free(w);
}

/* A collection with one successful container_runtime run and no results; its sink in *sink. */
static void empty_collection(struct collection *col, struct result_sink *sink)
{
    collection_init(col);
    agent_run(col, 0, "container_runtime", true, sink);
}

/* Container_runtime results, with a sweep that has two labelled containers. */
static void make_collection(struct collection *col)
{
    struct result_sink sink;
    empty_collection(col, &sink);
    assert_int_equal(
        sink_add(&sink, "5.5", "container/ci-runner-1", CHECK_FAIL, "HostConfig.Privileged=true"),
        0);
    assert_int_equal(
        sink_add(&sink, "5.5", "container/ci-runner-2", CHECK_FAIL, "HostConfig.Privileged=true"),
        0);
    assert_int_equal(sink_add(&sink, "5.5", "container/web", CHECK_PASS, "not privileged"), 0);
    assert_int_equal(sink_add(&sink, "5.5", "container/ci-runner-3", CHECK_PASS, "ok"), 0);
    assert_int_equal(sink_add(&sink, "5.4", "container/ci-runner-1", CHECK_ERROR, "unknown"), 0);
    col->swept = true;
    col->sweep.containers = calloc(2, sizeof(*col->sweep.containers));
    assert_non_null(col->sweep.containers);
    col->sweep.n_containers = 2;
    struct docker_container *c = col->sweep.containers;
    c[0].name = strdup("ci-runner-1");
    c[0].labels.items = calloc(2, sizeof(char *));
    c[0].labels.items[0] = strdup("team=ci");
    c[0].labels.items[1] = strdup("dockward.waive=ci");
    c[0].labels.len = 2;
    c[1].name = strdup("ci-runner-2");
    c[1].labels.items = calloc(1, sizeof(char *));
    c[1].labels.items[0] = strdup("dockward.waive=other");
    c[1].labels.len = 1;
}

static void free_collection(struct collection *col)
{
    for (size_t i = 0; i < col->sweep.n_containers; i++)
        docker_container_free(&col->sweep.containers[i]);
    free(col->sweep.containers);
    col->swept = false;
    collection_free(col);
}

/* How many results the book waives in a fresh make_collection() of `hostname`, at `now`. */
static long waived_in_fresh(struct waiver_book *b, const char *hostname, double now)
{
    struct collection col;
    make_collection(&col);
    long n = waiver_book_apply(b, &col, hostname, now);
    free_collection(&col);
    return n;
}

static char *write_file(const char *text)
{
    char *path = strdup("/tmp/dockward-waivers-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void rewrite_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The metrics the book writes, as text. */
static void metrics_text(struct waiver_book *b, char *out, size_t outlen)
{
    struct expo *e = expo_new();
    assert_non_null(e);
    assert_int_equal(waiver_book_metrics(b, e), 0);
    struct buf body;
    buf_init(&body, 1 << 20);
    size_t dropped = 0;
    assert_int_equal(expo_render(e, EXPO_TEXT, &body, &dropped), 0);
    snprintf(out, outlen, "%.*s", (int)body.len, body.data ? body.data : "");
    buf_free(&body);
    expo_free(e);
}

static void test_apply(void **state)
{
    (void)state;
    /* Same results, three waivers: a label one, an expired one, a live plain one. */
    char *path = write_file("waivers:\n"
                            "  - id: by-label\n"
                            "    checks: [\"5.5\"]\n"
                            "    targets: [\"container/ci-runner-*\"]\n"
                            "    container_labels: {dockward.waive: ci}\n"
                            "    reason: r\n    owner: o\n    expires: 2027-02-01\n"
                            "  - id: expired\n"
                            "    checks: [\"5\"]\n"
                            "    targets: [\"container/*\"]\n"
                            "    reason: r\n    owner: o\n    expires: 2026-12-01\n"
                            "  - id: unused\n"
                            "    checks: [\"4.1\"]\n"
                            "    targets: [\"image/*\"]\n"
                            "    reason: r\n    owner: o\n    expires: 2027-02-01\n");
    struct waiver_book book;
    waiver_book_init(&book, path, AHEAD);
    assert_int_equal(waiver_book_load(&book, NOW, err, sizeof(err)), 0);
    assert_int_equal(strncmp(err, "3 waiver(s) read from /tmp/dockward-waivers-", 43), 0);
    struct collection col;
    make_collection(&col);
    assert_int_equal(waiver_book_apply(&book, &col, "build-1", NOW), 1);
    const struct result *r = col.runs[0].results.items;
    /* ci-runner-1 carries dockward.waive=ci: waived, still judged fail, named in the evidence. */
    assert_int_equal(r[0].status, CHECK_WAIVED);
    assert_int_equal(r[0].judged, CHECK_FAIL);
    assert_string_equal(r[0].waiver, "by-label");
    assert_string_equal(r[0].evidence,
                        "HostConfig.Privileged=true (waived by by-label until 2027-02-01)");
    /* ci-runner-2 labels itself with another value: the file did not allow that, so it fails. */
    assert_int_equal(r[1].status, CHECK_FAIL);
    assert_null(r[1].waiver);
    assert_string_equal(r[1].evidence, "HostConfig.Privileged=true");
    /* A pass and an error are never waived. */
    assert_int_equal(r[2].status, CHECK_PASS);
    assert_int_equal(r[4].status, CHECK_ERROR);

    char text[4096];
    metrics_text(&book, text, sizeof(text));
    assert_non_null(strstr(text, "dockward_waivers_last_reload_successful 1\n"));
    assert_non_null(strstr(text, "dockward_waiver_matched_targets{waiver=\"by-label\"} 1\n"));
    assert_non_null(strstr(text, "dockward_waiver_matched_targets{waiver=\"expired\"} 0\n"));
    assert_non_null(strstr(text, "dockward_waiver_matched_targets{waiver=\"unused\"} 0\n"));
    assert_non_null(
        strstr(text, "dockward_waiver_expiry_timestamp_seconds{waiver=\"expired\"} 1796083200\n"));
    free_collection(&col);

    /* Before its expiry, the broad waiver (second in the file) waives ci-runner-2 too. */
    make_collection(&col);
    assert_int_equal(waiver_book_apply(&book, &col, "build-1", NOW - 60 * DAY), 2);
    r = col.runs[0].results.items;
    assert_string_equal(r[0].waiver, "by-label"); /* the first that matches wins */
    assert_string_equal(r[1].waiver, "expired");
    /* The same results kept (events mode) and applied again after the expiry: judged again. */
    assert_int_equal(waiver_book_apply(&book, &col, "build-1", NOW), 1);
    assert_int_equal(r[0].status, CHECK_WAIVED);
    assert_string_equal(r[0].evidence,
                        "HostConfig.Privileged=true (waived by by-label until 2027-02-01)");
    assert_int_equal(r[1].status, CHECK_FAIL);
    assert_null(r[1].waiver);
    assert_string_equal(r[1].evidence, "HostConfig.Privileged=true");
    free_collection(&col);

    /* A bad new file: the old set stays, the gauge says 0. */
    rewrite_file(path, "waivers:\n  - id: x\n    colour: red\n");
    assert_int_equal(waiver_book_load(&book, NOW, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":3: waiver: unknown key \"colour\""));
    assert_int_equal(waived_in_fresh(&book, "build-1", NOW), 1);
    metrics_text(&book, text, sizeof(text));
    assert_non_null(strstr(text, "dockward_waivers_last_reload_successful 0\n"));
    assert_non_null(strstr(text, "dockward_waiver_matched_targets{waiver=\"by-label\"} 1\n"));

    /* Fixed: back to 1, and a hostname glob that does not match waives nothing. */
    rewrite_file(path, "waivers:\n- {id: h, checks: [\"5.5\"], targets: [\"container/*\"], "
                       "hosts: [db-*], reason: r, owner: o, expires: 2027-02-01}\n");
    assert_int_equal(waiver_book_load(&book, NOW, err, sizeof(err)), 0);
    metrics_text(&book, text, sizeof(text));
    assert_null(strstr(text, "dockward_waiver_matched_targets{")); /* none until a collection */
    assert_int_equal(waived_in_fresh(&book, "build-1", NOW), 0);
    /* A waiver of a shared file for other hosts is not this host's: no series. */
    metrics_text(&book, text, sizeof(text));
    assert_null(strstr(text, "waiver=\"h\""));
    assert_non_null(strstr(text, "dockward_waivers_last_reload_successful 1\n"));
    assert_int_equal(waived_in_fresh(&book, "db-1", NOW), 2);
    metrics_text(&book, text, sizeof(text));
    assert_non_null(strstr(text, "dockward_waivers_last_reload_successful 1\n"));
    assert_non_null(strstr(text, "dockward_waiver_matched_targets{waiver=\"h\"} 2\n"));
    assert_null(strstr(text, "by-label"));

    waiver_book_destroy(&book);
    unlink(path);
    free(path);
}

static void test_long_evidence(void **state)
{
    (void)state;
    char *path = write_file("waivers:\n- {id: w, checks: [\"5.5\"], targets: [\"container/*\"], "
                            "reason: r, owner: o, expires: 2027-02-01}\n");
    struct waiver_book book;
    waiver_book_init(&book, path, AHEAD);
    assert_int_equal(waiver_book_load(&book, NOW, err, sizeof(err)), 0);
    struct collection col;
    struct result_sink sink;
    empty_collection(&col, &sink);
    char big[RESULT_EVIDENCE_MAX + 1];
    memset(big, 'e', RESULT_EVIDENCE_MAX);
    big[RESULT_EVIDENCE_MAX] = '\0';
    assert_int_equal(sink_add(&sink, "5.5", "container/a", CHECK_WARN, "%s", big), 0);
    assert_int_equal(waiver_book_apply(&book, &col, "h", NOW), 1);
    const char *ev = col.runs[0].results.items[0].evidence;
    /* Cut to the cap, the waiver still named whole at the end. */
    assert_true(strlen(ev) <= RESULT_EVIDENCE_MAX);
    const char *tail = "... (waived by w until 2027-02-01)";
    assert_string_equal(ev + strlen(ev) - strlen(tail), tail);
    /* Two-byte characters: the cut never splits one (the store refuses invalid UTF-8). */
    char wide[RESULT_EVIDENCE_MAX + 1];
    for (size_t i = 0; i + 2 <= RESULT_EVIDENCE_MAX; i += 2)
        memcpy(wide + i, "\xc3\xa9", 2);
    wide[RESULT_EVIDENCE_MAX] = '\0';
    for (int shift = 0; shift < 2; shift++) {
        assert_int_equal(sink_add(&sink, "5.5", shift ? "container/c" : "container/b", CHECK_FAIL,
                                  "%s%s", shift ? "x" : "", wide),
                         0);
    }
    /* The first result is judged again and waived again: every apply counts all it waives. */
    assert_int_equal(waiver_book_apply(&book, &col, "h", NOW), 3);
    ev = col.runs[0].results.items[0].evidence;
    assert_string_equal(ev + strlen(ev) - strlen(tail), tail);
    for (size_t k = 1; k < 3; k++) {
        ev = col.runs[0].results.items[k].evidence;
        char clean[RESULT_EVIDENCE_MAX * 3 + 1];
        utf8_sanitize(ev, clean, sizeof(clean) - 1);
        assert_string_equal(clean, ev);
        assert_true(strlen(ev) <= RESULT_EVIDENCE_MAX);
    }
    collection_free(&col);
    waiver_book_destroy(&book);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_caps),      cmocka_unit_test(test_matches),
        cmocka_unit_test(test_apply),     cmocka_unit_test(test_long_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
