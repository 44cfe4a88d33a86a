/*
 * test_docker_events.c - the event stream's line splitter and parser
 * (collectors/docker_events.c) on recorded event lines of dockerd 20.10:
 * what is kept of an event (type, action without its command line, plain
 * ids only, the time), what counts as a change, lines split across reads,
 * the line cap, and garbage refused with a reason. The watcher and the
 * incremental update run against real dockerds in e2e_docker_events.sh and
 * against the hostile fake in e2e_hostile_docker.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/docker_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *line, struct docker_event *ev)
{
    char err[128];
    return docker_event_parse(line, strlen(line), ev, err, sizeof(err));
}

static void test_container_create(void **state)
{
    (void)state;
    struct docker_event ev;
    assert_int_equal(
        parse("{\"status\":\"create\",\"id\":\"3f1c0a8e\",\"from\":\"busybox\",\"Type\":"
              "\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"3f1c0a8e5b7d\","
              "\"Attributes\":{\"image\":\"busybox\",\"name\":\"web\"}},\"scope\":\"local\","
              "\"time\":1764780000,\"timeNano\":1764780000123456789}",
              &ev),
        0);
    assert_int_equal(ev.type, DOCKER_EVENT_CONTAINER);
    assert_string_equal(ev.action, "create");
    assert_string_equal(ev.id, "3f1c0a8e5b7d");
    assert_string_equal(ev.container, "");
    /* timeNano as a double is exact to ~256 ns at this magnitude. */
    assert_true(ev.time_nano > 1764780000123450000LL && ev.time_nano < 1764780000123460000LL);
    assert_true(docker_event_relevant(&ev));
    assert_string_equal(docker_event_type_name(ev.type), "container");
}

static void test_exec_keeps_no_command_and_is_noise(void **state)
{
    (void)state;
    struct docker_event ev;
    assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"exec_start: sh -c 'echo "
                           "PASSWORD=hunter2'\",\"Actor\":{\"ID\":\"abc\"},\"time\":1764780001}",
                           &ev),
                     0);
    assert_string_equal(ev.action, "exec_start");
    assert_null(strstr((const char *)&ev, "hunter2"));
    assert_false(docker_event_relevant(&ev));
    assert_true(ev.time_nano == 1764780001000000000LL); /* from "time" when no timeNano */
    assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"health_status: healthy\","
                           "\"Actor\":{\"ID\":\"abc\"}}",
                           &ev),
                     0);
    assert_string_equal(ev.action, "health_status");
    assert_true(docker_event_relevant(&ev));
}

static void test_network_connect_names_its_container(void **state)
{
    (void)state;
    struct docker_event ev;
    assert_int_equal(parse("{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":"
                           "\"9e2b\",\"Attributes\":{\"container\":\"3f1c0a8e5b7d\",\"name\":"
                           "\"bridge\",\"type\":\"bridge\"}},\"time\":1764780002}",
                           &ev),
                     0);
    assert_int_equal(ev.type, DOCKER_EVENT_NETWORK);
    assert_string_equal(ev.container, "3f1c0a8e5b7d");
    assert_true(docker_event_relevant(&ev));
}

static void test_types_and_unknown(void **state)
{
    (void)state;
    struct docker_event ev;
    assert_int_equal(parse("{\"Type\":\"image\",\"Action\":\"tag\",\"Actor\":{\"ID\":"
                           "\"sha256:aa11\"}}",
                           &ev),
                     0);
    assert_int_equal(ev.type, DOCKER_EVENT_IMAGE);
    assert_string_equal(ev.id, "sha256:aa11");
    assert_int_equal(parse("{\"Type\":\"daemon\",\"Action\":\"reload\",\"Actor\":{}}", &ev), 0);
    assert_int_equal(ev.type, DOCKER_EVENT_DAEMON);
    assert_true(docker_event_relevant(&ev));
    assert_int_equal(parse("{\"Type\":\"plugin\",\"Action\":\"enable\",\"Actor\":{}}", &ev), 0);
    assert_int_equal(ev.type, DOCKER_EVENT_OTHER);
    assert_false(docker_event_relevant(&ev));
    assert_string_equal(docker_event_type_name(ev.type), "other");
}

static void test_unsafe_ids_dropped(void **state)
{
    (void)state;
    struct docker_event ev;
    /* An id that would change a request path is not kept. */
    assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":"
                           "\"../../images/x\"}}",
                           &ev),
                     0);
    assert_string_equal(ev.id, "");
    char line[600];
    char longid[300];
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    snprintf(line, sizeof(line),
             "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"%s\"}}", longid);
    assert_int_equal(parse(line, &ev), 0);
    assert_string_equal(ev.id, "");
    /* A negative or absurd time is no time. */
    assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"x\",\"time\":-5,"
                           "\"timeNano\":1e300}",
                           &ev),
                     0);
    assert_true(ev.time_nano == 0);
}

static void test_garbage_refused(void **state)
{
    (void)state;
    struct docker_event ev;
    char err[128];
    const char *bad[] = { "<html>",
                          "[]",
                          "{\"Type\":\"container\"}",
                          "{\"Type\":1,\"Action\":2}",
                          "{\"Type\":\"container\",\"Action\":\"start\"",
                          "" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(docker_event_parse(bad[i], strlen(bad[i]), &ev, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
    }
}

struct seen {
    char lines[8][128];
    size_t n;
};

static int collect(void *arg, const char *line, size_t len)
{
    struct seen *s = arg;
    assert_true(s->n < 8 && len < 128);
    memcpy(s->lines[s->n], line, len);
    s->lines[s->n][len] = '\0';
    s->n++;
    return 0;
}

static void test_lines_split_across_reads(void **state)
{
    (void)state;
    struct docker_event_lines l;
    struct seen s = { .n = 0 };
    docker_event_lines_init(&l);
    assert_int_equal(docker_event_lines_feed(&l, "{\"a\":1}\n{\"b\"", 12, collect, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.lines[0], "{\"a\":1}");
    assert_int_equal(docker_event_lines_feed(&l, ":2}\r\n\n\n{\"c\":3}\n", 15, collect, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.lines[1], "{\"b\":2}"); /* CRLF taken as a newline */
    assert_string_equal(s.lines[2], "{\"c\":3}");
    assert_int_equal(l.partial.len, 0);
    docker_event_lines_free(&l);
}

static void test_line_over_cap(void **state)
{
    (void)state;
    struct docker_event_lines l;
    struct seen s = { .n = 0 };
    docker_event_lines_init(&l);
    size_t n = DOCKER_EVENT_LINE_MAX + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    assert_int_equal(docker_event_lines_feed(&l, big, n - 1, collect, &s), 0); /* at the cap */
    assert_int_equal(docker_event_lines_feed(&l, big, 1, collect, &s), -1);    /* one over */
    assert_int_equal(s.n, 0);
    free(big);
    docker_event_lines_free(&l);
}

static int stop_at_first(void *arg, const char *line, size_t len)
{
    (void)line, (void)len;
    (*(int *)arg)++;
    return 7;
}

static void test_callback_stops_the_feed(void **state)
{
    (void)state;
    struct docker_event_lines l;
    int calls = 0;
    docker_event_lines_init(&l);
    assert_int_equal(docker_event_lines_feed(&l, "a\nb\nc\n", 6, stop_at_first, &calls), 7);
    assert_int_equal(calls, 1);
    docker_event_lines_free(&l);
}

static void test_names_bounded(void **state)
{
    (void)state;
    for (int r = 0; r < DOCKER_RESYNC_REASON_COUNT; r++)
        assert_non_null(docker_resync_reason_name((enum docker_resync_reason)r));
    assert_string_equal(docker_resync_reason_name(DOCKER_RESYNC_GAP), "gap");
    assert_string_equal(docker_resync_reason_name((enum docker_resync_reason)99), "error");
    assert_string_equal(docker_event_type_name((enum docker_event_type)99), "other");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container_create),
        cmocka_unit_test(test_exec_keeps_no_command_and_is_noise),
        cmocka_unit_test(test_network_connect_names_its_container),
        cmocka_unit_test(test_types_and_unknown),
        cmocka_unit_test(test_unsafe_ids_dropped),
        cmocka_unit_test(test_garbage_refused),
        cmocka_unit_test(test_lines_split_across_reads),
        cmocka_unit_test(test_line_over_cap),
        cmocka_unit_test(test_callback_stops_the_feed),
        cmocka_unit_test(test_names_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
