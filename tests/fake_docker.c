/*
 * fake_docker - a Docker Engine API on a unix socket that can turn hostile
 * while it runs, for tests/e2e_hostile_docker.sh.
 *
 *   fake_docker SOCKET FIXTURES_DIR MODE_FILE
 *
 * Normal mode answers like a small real host from the recorded answers in
 * tests/fixtures/docker-api/ (see its README): /_ping, /version, /info,
 * /containers/json and the inspect of its three containers, /images/json,
 * /images/{id}/json and /history of its four images, /networks, /volumes. Every
 * path may carry a "/v1.xx" prefix, as the agent sends after negotiating.
 *
 * MODE_FILE is re-read for every request, so the test switches modes while
 * the agent runs (write a new file and rename it over the old one). It holds
 * one line, "MODE [PATTERN [COUNT]]": the mode applies to requests whose
 * path (without version prefix and query) matches the fnmatch PATTERN
 * (default "*"); other requests are answered normally. A missing or
 * unreadable file is normal mode. Modes:
 *
 *   normal         the recorded answers
 *   stall          read the request, never answer (until the client leaves)
 *   slow           the normal answer, headers included, one byte a second
 *   huge           200 with a 2 GiB body announced by Content-Length,
 *                  generated while it is sent
 *   huge-chunked   the same 2 GiB, chunked (no length known in advance)
 *   invalid        200 with a body that is not JSON
 *   truncated      the normal answer, Content-Length 4096 bytes larger than
 *                  the body, then the connection is closed
 *   error          500 {"message": "..."} as dockerd sends on failure
 *   nested         200 with 1,000,000 '[' (a JSON document nested that deep)
 *   delay          the normal answer after COUNT milliseconds (each answer
 *                  in time, the whole sweep not)
 *
 * GET /events is a stream (chunked, like dockerd's): in normal mode its
 * headers and then nothing, held open until the client leaves, as dockerd
 * does while nothing happens. Modes for it (pattern "/events"):
 *
 *   drip           an event line, one byte a second, never finished in time
 *   garbage        lines that are not JSON, one every 200 ms
 *   endless        valid container events as fast as the client reads
 *
 * (stall, invalid, error, ... apply to it as to any path.)
 *
 *   many           /containers/json lists COUNT containers (default
 *                  100,000), and /containers/{id}/json answers each of them
 *                  (the "web" container with its id and name replaced)
 *
 * One thread per connection (detached), at most CONNECTIONS_MAX at once
 * (more are closed at accept); each keeps its connection alive like dockerd
 * does. Sends use MSG_NOSIGNAL and a send timeout, so a client that goes
 * away or stops reading ends its thread. Test code, but held to the
 * project's rules: bounded buffers, no mutable globals (the threads share
 * one struct server), O_CLOEXEC. Stop it with SIGTERM (the default action).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "test_io.h"

#define CONNECTIONS_MAX   64
#define REQUEST_MAX       (16 * 1024) /* bytes of one request's head */
#define FIXTURE_MAX       (1024 * 1024)
#define MODE_LINE_MAX     256
#define HUGE_BYTES        (2ULL * 1024 * 1024 * 1024)
#define NESTED_DEPTH      1000000
#define MANY_DEFAULT      100000
#define MANY_MAX          10000000
#define SEND_TIMEOUT_S    30
#define FILL_CHUNK        (64 * 1024)
#define TRUNCATED_MISSING 4096
#define N_CONTAINERS      3
#define N_IMAGES          4

struct fixture {
    char *data;
    size_t len;
};

/* An inspectable object: its id and its recorded answers. */
struct item {
    char id[80];
    struct fixture body;
    struct fixture history; /* images only; empty = "[]" */
};

/* Shared by every connection thread; read-only after start except `active`. */
struct server {
    const char *mode_file;
    struct fixture version, info, containers_list, images_list, networks;
    struct item containers[N_CONTAINERS];
    struct item images[N_IMAGES];
    struct fixture many_template; /* container-web.json */
    char many_template_id[80];
    atomic_int active;
};

struct mode {
    char name[32];
    char pattern[128];
    unsigned long count;
};

struct conn {
    struct server *srv;
    int fd;
};

static int read_file(const char *dir, const char *name, struct fixture *out)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    out->data = malloc(FIXTURE_MAX);
    out->len = 0;
    if (out->data == NULL) {
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t r = read(fd, out->data + out->len, FIXTURE_MAX - out->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        out->len += (size_t)r;
        if (out->len == FIXTURE_MAX)
            break;
    }
    close(fd);
    while (out->len > 0 && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
        out->len--;
    return 0;
}

/* The first "Id":"..." of a recorded object. */
static int find_id(const struct fixture *f, char *id, size_t idlen)
{
    static const char key[] = "\"Id\":\"";
    const char *p = memmem(f->data, f->len, key, sizeof(key) - 1);
    if (p == NULL)
        return -1;
    p += sizeof(key) - 1;
    const char *end = memchr(p, '"', f->len - (size_t)(p - f->data));
    if (end == NULL || (size_t)(end - p) >= idlen)
        return -1;
    memcpy(id, p, (size_t)(end - p));
    id[end - p] = '\0';
    return 0;
}

static int load_item(const char *dir, const char *name, const char *history, struct item *it)
{
    if (read_file(dir, name, &it->body) != 0 || find_id(&it->body, it->id, sizeof(it->id)) != 0) {
        fprintf(stderr, "fake_docker: cannot load %s/%s\n", dir, name);
        return -1;
    }
    if (history != NULL && read_file(dir, history, &it->history) != 0)
        it->history.len = 0;
    return 0;
}

static int load_fixtures(struct server *s, const char *dir)
{
    static const char *const containers[N_CONTAINERS] = { "container-web.json",
                                                          "container-risky.json",
                                                          "container-hardened.json" };
    static const char *const images[N_IMAGES][2] = {
        { "image-dw-busybox-1.json", "image-dw-busybox-1-history.json" },
        { "image-dw-hc-1.json", "image-dw-hc-1-history.json" },
        { "image-dw-nohc-1.json", "image-dw-nohc-1-history.json" },
        { "image-dangling.json", NULL },
    };
    if (read_file(dir, "version.json", &s->version) != 0 ||
        read_file(dir, "info.json", &s->info) != 0 ||
        read_file(dir, "containers-list.json", &s->containers_list) != 0 ||
        read_file(dir, "images-list.json", &s->images_list) != 0 ||
        read_file(dir, "networks.json", &s->networks) != 0 ||
        read_file(dir, "container-web.json", &s->many_template) != 0 ||
        find_id(&s->many_template, s->many_template_id, sizeof(s->many_template_id)) != 0) {
        fprintf(stderr, "fake_docker: cannot load the fixtures in %s\n", dir);
        return -1;
    }
    for (size_t i = 0; i < N_CONTAINERS; i++)
        if (load_item(dir, containers[i], NULL, &s->containers[i]) != 0)
            return -1;
    for (size_t i = 0; i < N_IMAGES; i++)
        if (load_item(dir, images[i][0], images[i][1], &s->images[i]) != 0)
            return -1;
    return 0;
}

/* Reads MODE_FILE; anything missing means normal mode for every path. */
static void read_mode(const struct server *s, struct mode *m)
{
    snprintf(m->name, sizeof(m->name), "normal");
    snprintf(m->pattern, sizeof(m->pattern), "*");
    m->count = MANY_DEFAULT;
    FILE *f = fopen(s->mode_file, "re");
    if (f == NULL)
        return;
    char line[MODE_LINE_MAX];
    if (fgets(line, sizeof(line), f) != NULL) {
        char name[32] = "", pattern[128] = "";
        char *save = NULL;
        char *tok = strtok_r(line, " \t\r\n", &save);
        if (tok != NULL)
            snprintf(name, sizeof(name), "%s", tok);
        tok = strtok_r(NULL, " \t\r\n", &save);
        if (tok != NULL)
            snprintf(pattern, sizeof(pattern), "%s", tok);
        tok = strtok_r(NULL, " \t\r\n", &save);
        if (tok != NULL) {
            char *end;
            errno = 0;
            unsigned long v = strtoul(tok, &end, 10);
            if (errno == 0 && *end == '\0' && v > 0 && v <= MANY_MAX)
                m->count = v;
        }
        if (name[0] != '\0')
            snprintf(m->name, sizeof(m->name), "%s", name);
        if (pattern[0] != '\0')
            snprintf(m->pattern, sizeof(m->pattern), "%s", pattern);
    }
    fclose(f);
}

/* Sends all of buf; false when the client is gone or stopped reading. */
static bool send_all(int fd, const void *buf, size_t len)
{
    return test_write_all(fd, buf, len) == 0;
}

static bool send_head(int fd, int status, const char *reason, unsigned long long length,
                      bool chunked)
{
    char head[512];
    int n;
    if (chunked)
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n",
                     status, reason);
    else
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
                     "Content-Length: %llu\r\n\r\n",
                     status, reason, length);
    return n > 0 && (size_t)n < sizeof(head) && send_all(fd, head, (size_t)n);
}

/* A whole answer in one buffer (head + body), so the slow mode can dribble it. */
struct answer {
    int status;
    char *data; /* malloc'd body */
    size_t len;
};

static void answer_set(struct answer *a, int status, const char *body, size_t len)
{
    a->status = status;
    a->data = malloc(len > 0 ? len : 1);
    if (a->data == NULL) {
        a->status = 500;
        a->len = 0;
        return;
    }
    memcpy(a->data, body, len);
    a->len = len;
}

static void answer_str(struct answer *a, int status, const char *body)
{
    answer_set(a, status, body, strlen(body));
}

/* The id in "/containers/ID/json" (or images), or NULL. Writes into id. */
static bool path_id(const char *path, const char *prefix, const char *suffix, char *id,
                    size_t idlen)
{
    size_t pl = strlen(prefix), sl = strlen(suffix), n = strlen(path);
    if (n <= pl + sl || strncmp(path, prefix, pl) != 0 || strcmp(path + n - sl, suffix) != 0)
        return false;
    size_t il = n - pl - sl;
    if (il >= idlen)
        return false;
    memcpy(id, path + pl, il);
    id[il] = '\0';
    return true;
}

#define MANY_ID_PREFIX "c0ffee"

/* The list of `count` generated containers (minimal entries, as dockerd's carry Id and Names). */
static void many_list(unsigned long count, struct answer *a)
{
    size_t per = 128;
    size_t cap = count * per + 16;
    a->status = 200;
    a->data = malloc(cap);
    a->len = 0;
    if (a->data == NULL) {
        answer_str(a, 500, "{\"message\":\"fake_docker: out of memory\"}");
        return;
    }
    a->data[a->len++] = '[';
    for (unsigned long i = 0; i < count; i++) {
        int n = snprintf(a->data + a->len, cap - a->len,
                         "%s{\"Id\":\"%s%058lu\",\"Names\":[\"/many-%lu\"],\"State\":\"running\"}",
                         i > 0 ? "," : "", MANY_ID_PREFIX, i, i);
        if (n < 0 || (size_t)n >= cap - a->len)
            break;
        a->len += (size_t)n;
    }
    a->data[a->len++] = ']';
}

/* The inspect of generated container `id`: the web container, id and name replaced. */
static bool many_inspect(const struct server *s, const char *id, struct answer *a)
{
    const char *digits = id + strlen(MANY_ID_PREFIX);
    if (strncmp(id, MANY_ID_PREFIX, strlen(MANY_ID_PREFIX)) != 0 || strlen(id) != 64)
        return false;
    char *end;
    errno = 0;
    unsigned long idx = strtoul(digits, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    const struct fixture *t = &s->many_template;
    size_t cap = t->len + 64;
    a->status = 200;
    a->data = malloc(cap);
    a->len = 0;
    if (a->data == NULL)
        return false;
    static const char name_key[] = "\"Name\":\"/web\"";
    const char *name = memmem(t->data, t->len, name_key, sizeof(name_key) - 1);
    size_t before = name != NULL ? (size_t)(name - t->data) : t->len;
    memcpy(a->data, t->data, before);
    a->len = before;
    if (name != NULL) {
        int n = snprintf(a->data + a->len, cap - a->len, "\"Name\":\"/many-%lu\"", idx);
        if (n > 0 && (size_t)n < cap - a->len)
            a->len += (size_t)n;
        size_t rest = t->len - before - (sizeof(name_key) - 1);
        memcpy(a->data + a->len, name + sizeof(name_key) - 1, rest);
        a->len += rest;
    }
    /* Every occurrence of the template's id becomes this id (same length). */
    size_t tl = strlen(s->many_template_id);
    if (tl == 64) {
        char *p = a->data;
        while ((p = memmem(p, a->len - (size_t)(p - a->data), s->many_template_id, tl)) != NULL) {
            memcpy(p, id, 64);
            p += 64;
        }
    }
    return true;
}

/* The normal answer for `path` (no version prefix, no query). */
static void normal_answer(const struct server *s, const struct mode *m, bool many, const char *path,
                          struct answer *a)
{
    char id[128];
    if (strcmp(path, "/_ping") == 0) {
        answer_str(a, 200, "OK");
    } else if (strcmp(path, "/version") == 0) {
        answer_set(a, 200, s->version.data, s->version.len);
    } else if (strcmp(path, "/info") == 0) {
        answer_set(a, 200, s->info.data, s->info.len);
    } else if (strcmp(path, "/containers/json") == 0) {
        if (many)
            many_list(m->count, a);
        else
            answer_set(a, 200, s->containers_list.data, s->containers_list.len);
    } else if (strcmp(path, "/images/json") == 0) {
        answer_set(a, 200, s->images_list.data, s->images_list.len);
    } else if (strcmp(path, "/networks") == 0) {
        answer_set(a, 200, s->networks.data, s->networks.len);
    } else if (strcmp(path, "/volumes") == 0) {
        answer_str(a, 200, "{\"Volumes\":[],\"Warnings\":null}");
    } else if (path_id(path, "/containers/", "/json", id, sizeof(id))) {
        for (size_t i = 0; i < N_CONTAINERS; i++)
            if (strcmp(id, s->containers[i].id) == 0) {
                answer_set(a, 200, s->containers[i].body.data, s->containers[i].body.len);
                return;
            }
        if (!many_inspect(s, id, a))
            answer_str(a, 404, "{\"message\":\"No such container\"}");
    } else if (path_id(path, "/images/", "/json", id, sizeof(id)) ||
               path_id(path, "/images/", "/history", id, sizeof(id))) {
        bool history = strcmp(path + strlen(path) - 8, "/history") == 0;
        for (size_t i = 0; i < N_IMAGES; i++)
            if (strcmp(id, s->images[i].id) == 0) {
                const struct fixture *f = history ? &s->images[i].history : &s->images[i].body;
                if (f->len == 0)
                    answer_str(a, 200, "[]");
                else
                    answer_set(a, 200, f->data, f->len);
                return;
            }
        answer_str(a, 404, "{\"message\":\"No such image\"}");
    } else {
        answer_str(a, 404, "{\"message\":\"page not found\"}");
    }
}

static const char *reason_of(int status)
{
    return status == 200 ? "OK" : status == 404 ? "Not Found" : "Internal Server Error";
}

static bool send_answer(int fd, const struct answer *a)
{
    return send_head(fd, a->status, reason_of(a->status), a->len, false) &&
           send_all(fd, a->data, a->len);
}

/* slow: head and body, one byte a second. */
static bool send_slow(int fd, const struct answer *a)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     a->status, reason_of(a->status), a->len);
    if (n < 0 || (size_t)n >= sizeof(head))
        return false;
    for (size_t i = 0; i < (size_t)n + a->len; i++) {
        char ch = i < (size_t)n ? head[i] : a->data[i - (size_t)n];
        if (!send_all(fd, &ch, 1))
            return false;
        sleep(1);
    }
    return true;
}

/* huge: 2 GiB of a JSON-looking filler, with a length or chunked. */
static bool send_huge(int fd, bool chunked)
{
    char *fill = malloc(FILL_CHUNK);
    if (fill == NULL)
        return false;
    fill[0] = '[';
    for (size_t i = 1; i < FILL_CHUNK; i += 2) {
        fill[i] = '0';
        if (i + 1 < FILL_CHUNK)
            fill[i + 1] = ',';
    }
    bool ok = send_head(fd, 200, "OK", HUGE_BYTES, chunked);
    for (unsigned long long sent = 0; ok && sent < HUGE_BYTES; sent += FILL_CHUNK) {
        if (chunked) {
            char size[32];
            int n = snprintf(size, sizeof(size), "%x\r\n", FILL_CHUNK);
            ok = send_all(fd, size, (size_t)n) && send_all(fd, fill, FILL_CHUNK) &&
                 send_all(fd, "\r\n", 2);
        } else {
            ok = send_all(fd, fill, FILL_CHUNK);
        }
    }
    if (ok && chunked)
        ok = send_all(fd, "0\r\n\r\n", 5);
    free(fill);
    return ok;
}

/* nested: NESTED_DEPTH '[' and as many ']'. */
static bool send_nested(int fd)
{
    char *fill = malloc(FILL_CHUNK);
    if (fill == NULL)
        return false;
    bool ok = send_head(fd, 200, "OK", 2ULL * NESTED_DEPTH, false);
    for (int pass = 0; pass < 2 && ok; pass++) {
        memset(fill, pass == 0 ? '[' : ']', FILL_CHUNK);
        for (size_t left = NESTED_DEPTH; ok && left > 0;) {
            size_t n = left < FILL_CHUNK ? left : FILL_CHUNK;
            ok = send_all(fd, fill, n);
            left -= n;
        }
    }
    free(fill);
    return ok;
}

/* stall: never answer; wait for the client to leave (reads and drops what it sends). */
static void stall(int fd)
{
    char sink[4096];
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int rc = poll(&p, 1, 1000);
        if (rc < 0 && errno != EINTR)
            return;
        if (rc > 0) {
            ssize_t n = recv(fd, sink, sizeof(sink), 0);
            if (n <= 0)
                return;
        }
    }
}

static bool send_chunk(int fd, const char *data, size_t len)
{
    char size[32];
    int n = snprintf(size, sizeof(size), "%zx\r\n", len);
    return send_all(fd, size, (size_t)n) && send_all(fd, data, len) && send_all(fd, "\r\n", 2);
}

/* GET /events in `mode` (normal, drip, garbage, endless); returns false: the stream ends it. */
static bool send_events(int fd, const char *mode)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: "
                               "application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    if (!send_all(fd, head, sizeof(head) - 1))
        return false;
    if (strcmp(mode, "drip") == 0) {
        static const char ev[] = "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":"
                                 "{\"ID\":\"drip\"},\"time\":1700000000}\n";
        for (size_t i = 0; i < sizeof(ev) - 1; i++) {
            if (!send_chunk(fd, &ev[i], 1))
                return false;
            sleep(1);
        }
        return false;
    }
    if (strcmp(mode, "garbage") == 0) {
        static const char bad[] = "<html>this is not an event</html>\n";
        struct timespec ts = { .tv_sec = 0, .tv_nsec = 200000000L };
        while (send_chunk(fd, bad, sizeof(bad) - 1))
            nanosleep(&ts, NULL);
        return false;
    }
    if (strcmp(mode, "endless") == 0) {
        char ev[256];
        for (unsigned long long i = 0;; i++) {
            int n = snprintf(ev, sizeof(ev),
                             "{\"Type\":\"container\",\"Action\":\"update\",\"Actor\":{\"ID\":"
                             "\"endless%llu\"},\"time\":1700000000,\"timeNano\":%llu}\n",
                             i % 1000, 1700000000000000000ULL + i);
            if (!send_chunk(fd, ev, (size_t)n))
                return false;
        }
    }
    stall(fd); /* normal: nothing happens, until the client leaves */
    return false;
}

/*
 * Answers one request for `path` (with prefix and query). Returns false when
 * the connection must be closed.
 */
static bool serve(struct server *s, int fd, const char *raw_path)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s", raw_path);
    path[strcspn(path, "?")] = '\0';
    /* "/v1.41/info" -> "/info" */
    if (path[0] == '/' && path[1] == 'v' && path[2] >= '0' && path[2] <= '9') {
        char *slash = strchr(path + 1, '/');
        if (slash != NULL)
            memmove(path, slash, strlen(slash) + 1);
    }
    struct mode m;
    read_mode(s, &m);
    bool hit = fnmatch(m.pattern, path, 0) == 0;
    const char *mode = hit ? m.name : "normal";
    bool many = strcmp(m.name, "many") == 0; /* the list and the ids exist on every path */

    if (strcmp(mode, "stall") == 0) {
        stall(fd);
        return false;
    }
    bool event_mode =
        strcmp(mode, "drip") == 0 || strcmp(mode, "garbage") == 0 || strcmp(mode, "endless") == 0;
    if (strcmp(path, "/events") == 0 && (event_mode || strcmp(mode, "normal") == 0))
        return send_events(fd, mode);
    if (strcmp(mode, "huge") == 0 || strcmp(mode, "huge-chunked") == 0)
        return send_huge(fd, strcmp(mode, "huge-chunked") == 0);
    if (strcmp(mode, "nested") == 0)
        return send_nested(fd);
    if (strcmp(mode, "invalid") == 0) {
        static const char bad[] = "{\"Id\": \"abc\", this is not JSON <html>";
        return send_head(fd, 200, "OK", sizeof(bad) - 1, false) &&
               send_all(fd, bad, sizeof(bad) - 1);
    }
    if (strcmp(mode, "error") == 0) {
        static const char msg[] = "{\"message\":\"fake_docker: the daemon is failing on purpose\"}";
        return send_head(fd, 500, "Internal Server Error", sizeof(msg) - 1, false) &&
               send_all(fd, msg, sizeof(msg) - 1);
    }

    struct answer a = { 0 };
    normal_answer(s, &m, many, path, &a);
    bool ok;
    if (strcmp(mode, "slow") == 0) {
        ok = send_slow(fd, &a);
    } else if (strcmp(mode, "delay") == 0) {
        struct timespec ts = { .tv_sec = (time_t)(m.count / 1000),
                               .tv_nsec = (long)(m.count % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        ok = send_answer(fd, &a);
    } else if (strcmp(mode, "truncated") == 0) {
        (void)(send_head(fd, a.status, reason_of(a.status), a.len + TRUNCATED_MISSING, false) &&
               send_all(fd, a.data, a.len));
        ok = false;
    } else {
        ok = send_answer(fd, &a);
    }
    free(a.data);
    return ok;
}

static void *connection_main(void *arg)
{
    struct conn *c = arg;
    char *req = malloc(REQUEST_MAX + 1);
    size_t have = 0;
    while (req != NULL) {
        char *end = NULL;
        while ((end = memmem(req, have, "\r\n\r\n", 4)) == NULL) {
            if (have == REQUEST_MAX)
                goto done;
            ssize_t n = recv(c->fd, req + have, REQUEST_MAX - have, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                goto done;
            have += (size_t)n;
        }
        size_t head_len = (size_t)(end - req) + 4;
        req[head_len - 4] = '\0';
        char method[16], path[1024];
        if (sscanf(req, "%15s %1023s", method, path) != 2)
            goto done;
        if (strcmp(method, "GET") != 0) {
            static const char msg[] = "{\"message\":\"fake_docker answers GET only\"}";
            send_head(c->fd, 405, "Method Not Allowed", sizeof(msg) - 1, false);
            send_all(c->fd, msg, sizeof(msg) - 1);
            goto done;
        }
        if (!serve(c->srv, c->fd, path))
            goto done;
        memmove(req, req + head_len, have - head_len);
        have -= head_len;
    }
done:
    free(req);
    close(c->fd);
    atomic_fetch_sub(&c->srv->active, 1);
    free(c);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: fake_docker SOCKET FIXTURES_DIR MODE_FILE\n");
        return 2;
    }
    struct server *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return 1;
    s->mode_file = argv[3];
    atomic_init(&s->active, 0);
    if (load_fixtures(s, argv[2]) != 0)
        return 1;

    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "fake_docker: socket path too long\n");
        return 2;
    }
    memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(argv[1]);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 64) != 0) {
        perror("fake_docker: listen");
        return 1;
    }
    fprintf(stderr, "fake_docker: listening on %s\n", argv[1]);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
                continue;
            perror("fake_docker: accept");
            return 1;
        }
        if (atomic_fetch_add(&s->active, 1) >= CONNECTIONS_MAX) {
            atomic_fetch_sub(&s->active, 1);
            close(fd);
            continue;
        }
        struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        struct conn *c = malloc(sizeof(*c));
        pthread_t t;
        if (c == NULL) {
            close(fd);
            atomic_fetch_sub(&s->active, 1);
            continue;
        }
        c->srv = s;
        c->fd = fd;
        if (pthread_create(&t, &attr, connection_main, c) != 0) {
            close(fd);
            free(c);
            atomic_fetch_sub(&s->active, 1);
        }
    }
}
