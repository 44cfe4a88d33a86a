/*
 * fuzz_docker_events.c - Docker's event stream as the agent reads it
 * (collectors/docker_events.c): the bytes of GET /events, cut into two
 * feeds at a point the input picks (a line split across reads), each line
 * parsed.
 *
 * Properties (docker_events.h): no line handed on is longer than
 * DOCKER_EVENT_LINE_MAX or holds a newline; a parse that fails leaves the
 * event zeroed and says why; one that succeeds has a known type, an action
 * of printable ASCII without ':' (no command line kept), and ids that are
 * empty or plain (letters, digits, ':', '.', '_', '-'), never longer than
 * DOCKER_EVENT_ID_MAX.
 */
#include "fuzz_util.h"

#include "collectors/docker_events.h"

static void check_plain(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap + 1);
    FUZZ_CHECK(n <= cap);
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        FUZZ_CHECK((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == ':' || ch == '.' || ch == '_' || ch == '-');
    }
}

static int on_line(void *arg, const char *line, size_t len)
{
    (void)arg;
    FUZZ_CHECK(len > 0 && len <= DOCKER_EVENT_LINE_MAX);
    FUZZ_CHECK(memchr(line, '\n', len) == NULL);
    struct docker_event ev;
    char err[128];
    err[0] = '\0';
    if (docker_event_parse(line, len, &ev, err, sizeof(err)) != 0) {
        static const struct docker_event zero;
        FUZZ_CHECK(memcmp(&ev, &zero, sizeof(ev)) == 0);
        FUZZ_CHECK(err[0] != '\0' && strnlen(err, sizeof(err)) < sizeof(err));
        return 0;
    }
    FUZZ_CHECK((unsigned)ev.type < DOCKER_EVENT_TYPE_COUNT);
    size_t an = strnlen(ev.action, sizeof(ev.action));
    FUZZ_CHECK(an < sizeof(ev.action));
    for (size_t i = 0; i < an; i++)
        FUZZ_CHECK(ev.action[i] >= 0x20 && ev.action[i] <= 0x7e && ev.action[i] != ':');
    check_plain(ev.id, DOCKER_EVENT_ID_MAX);
    check_plain(ev.container, DOCKER_EVENT_ID_MAX);
    FUZZ_CHECK(ev.time_nano >= 0);
    (void)docker_event_relevant(&ev);
    FUZZ_CHECK(docker_event_type_name(ev.type) != NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct docker_event_lines lines;
    docker_event_lines_init(&lines);
    size_t cut = size > 0 ? data[0] % (size + 1) : 0;
    const char *p = (const char *)data;
    if (docker_event_lines_feed(&lines, p, cut, on_line, NULL) == 0)
        (void)docker_event_lines_feed(&lines, p + cut, size - cut, on_line, NULL);
    FUZZ_CHECK(lines.partial.len <= DOCKER_EVENT_LINE_MAX);
    docker_event_lines_free(&lines);
    return 0;
}
