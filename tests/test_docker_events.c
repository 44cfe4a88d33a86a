/*
 * test_docker_events.c - the event stream's line splitter and parser
 * (collectors/docker_events.c) on recorded event lines of dockerd 20.10:
 * what is kept of an event (type, action without its command line, plain
 * ids only, the time), what counts as a change, lines split across reads,
 * the line cap, and garbage refused with a reason; and the resync's image
 * list (RepoTags keys compared with an inspect's tags). The watcher and the
 * incremental update run against real dockerds in e2e_docker_events.sh and
 * against the hostile fake in e2e_hostile_docker.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/docker.h"
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

/* One recorded line and what is kept of it; rc -1 lines are refused with a reason. */
struct event_case {
    const char *line;
    int rc;
    enum docker_event_type type;
    const char *action, *id, *container;
    bool relevant;
    int64_t time_nano; /* -1: not checked */
};

static const struct event_case event_cases[] = {
    /* A command line is never kept; exec is noise; "time" when no timeNano. */
    { "{\"Type\":\"container\",\"Action\":\"exec_start: sh -c 'echo PASSWORD=hunter2'\","
      "\"Actor\":{\"ID\":\"abc\"},\"time\":1764780001}",
      0, DOCKER_EVENT_CONTAINER, "exec_start", "abc", "", false, 1764780001000000000LL },
    { "{\"Type\":\"container\",\"Action\":\"health_status: healthy\",\"Actor\":{\"ID\":\"abc\"}}",
      0, DOCKER_EVENT_CONTAINER, "health_status", "abc", "", true, 0 },
    /* A network event names its container. */
    { "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"9e2b\",\"Attributes\":{"
      "\"container\":\"3f1c0a8e5b7d\",\"name\":\"bridge\",\"type\":\"bridge\"}},\"time\":"
      "1764780002}",
      0, DOCKER_EVENT_NETWORK, "connect", "9e2b", "3f1c0a8e5b7d", true, -1 },
    { "{\"Type\":\"image\",\"Action\":\"tag\",\"Actor\":{\"ID\":\"sha256:aa11\"}}", 0,
      DOCKER_EVENT_IMAGE, "tag", "sha256:aa11", "", true, -1 },
    { "{\"Type\":\"daemon\",\"Action\":\"reload\",\"Actor\":{}}", 0, DOCKER_EVENT_DAEMON, "reload",
      "", "", true, -1 },
    { "{\"Type\":\"plugin\",\"Action\":\"enable\",\"Actor\":{}}", 0, DOCKER_EVENT_OTHER, "enable",
      "", "", false, -1 },
    /* An id that would change a request path is not kept. */
    { "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"../../images/x\"}}", 0,
      DOCKER_EVENT_CONTAINER, "start", "", "", true, -1 },
    /* A negative or absurd time is no time. */
    { "{\"Type\":\"container\",\"Action\":\"x\",\"time\":-5,\"timeNano\":1e300}", 0,
      DOCKER_EVENT_CONTAINER, "x", "", "", true, 0 },
    /* Garbage. */
    { "<html>", -1, 0, NULL, NULL, NULL, false, -1 },
    { "[]", -1, 0, NULL, NULL, NULL, false, -1 },
    { "{\"Type\":\"container\"}", -1, 0, NULL, NULL, NULL, false, -1 },
    { "{\"Type\":1,\"Action\":2}", -1, 0, NULL, NULL, NULL, false, -1 },
    { "{\"Type\":\"container\",\"Action\":\"start\"", -1, 0, NULL, NULL, NULL, false, -1 },
    { "", -1, 0, NULL, NULL, NULL, false, -1 },
};

static void test_event_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(event_cases) / sizeof(event_cases[0]); i++) {
        const struct event_case *c = &event_cases[i];
        struct docker_event ev;
        char err[128] = "";
        print_message("case %zu: %s\n", i, c->line);
        assert_int_equal(docker_event_parse(c->line, strlen(c->line), &ev, err, sizeof(err)),
                         c->rc);
        if (c->rc != 0) {
            assert_true(err[0] != '\0');
            continue;
        }
        assert_int_equal(ev.type, c->type);
        assert_string_equal(ev.action, c->action);
        assert_string_equal(ev.id, c->id);
        assert_string_equal(ev.container, c->container);
        assert_int_equal(docker_event_relevant(&ev), c->relevant);
        if (c->time_nano >= 0)
            assert_true(ev.time_nano == c->time_nano);
        assert_null(strstr((const char *)&ev, "hunter2"));
    }
    assert_string_equal(docker_event_type_name(DOCKER_EVENT_OTHER), "other");
}

static void test_long_id_dropped(void **state)
{
    (void)state;
    struct docker_event ev;
    char line[600];
    char longid[300];
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    snprintf(line, sizeof(line),
             "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"%s\"}}", longid);
    assert_int_equal(parse(line, &ev), 0);
    assert_string_equal(ev.id, "");
}

/*
 * The resync's image list: the tags key of each image equals its inspect's
 * tags (placeholders dropped, order kept) and nothing else.
 */
static void test_image_list_keys(void **state)
{
    (void)state;
    const char *list = "[{\"Id\":\"sha256:aa\",\"RepoTags\":[\"busybox:1\",\"web:2\"]},"
                       "{\"Id\":\"sha256:bb\",\"RepoTags\":[\"<none>:<none>\"]},"
                       "{\"Id\":\"sha256:cc\",\"RepoTags\":null},"
                       "{\"Id\":\"sha256:dd\",\"RepoTags\":[\"x:1\",7]}]";
    struct str_list ids, keys;
    char err[128];
    assert_int_equal(docker_parse_image_list(list, strlen(list), &ids, &keys, err, sizeof(err)), 0);
    assert_int_equal(ids.len, 4);
    assert_int_equal(keys.len, 4);
    assert_string_equal(ids.items[0], "sha256:aa");
    char *two[] = { "busybox:1", "web:2" }, *swapped[] = { "web:2", "busybox:1" };
    struct str_list tags = { .items = two, .len = 2 }, other = { .items = swapped, .len = 2 };
    struct str_list none = { .items = NULL, .len = 0 }, one = { .items = two, .len = 1 };
    assert_true(docker_image_tags_are(&tags, keys.items[0]));
    assert_false(docker_image_tags_are(&other, keys.items[0])); /* another order: asked again */
    assert_false(docker_image_tags_are(&one, keys.items[0]));
    assert_true(docker_image_tags_are(&none, keys.items[1])); /* a placeholder is no tag */
    assert_true(docker_image_tags_are(&none, keys.items[2]));
    assert_false(docker_image_tags_are(&none, keys.items[3])); /* unreadable: never equal */
    assert_false(docker_image_tags_are(&one, keys.items[3]));
    str_list_free(&ids);
    str_list_free(&keys);
    const char *bad = "[{\"RepoTags\":[]}]";
    assert_int_equal(docker_parse_image_list(bad, strlen(bad), &ids, &keys, err, sizeof(err)), -1);
    assert_int_equal(ids.len + keys.len, 0);
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
        cmocka_unit_test(test_container_create),         cmocka_unit_test(test_event_cases),
        cmocka_unit_test(test_long_id_dropped),          cmocka_unit_test(test_image_list_keys),
        cmocka_unit_test(test_lines_split_across_reads), cmocka_unit_test(test_line_over_cap),
        cmocka_unit_test(test_callback_stops_the_feed),  cmocka_unit_test(test_names_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
