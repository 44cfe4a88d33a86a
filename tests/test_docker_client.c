/*
 * test_docker_client.c - the Docker API client and the sweep
 * (collectors/docker_client.c, collectors/docker_sweep.c).
 *
 * Most tests talk to a fake Docker API that this file runs in a thread: it
 * listens on a unix socket (or 127.0.0.1 for tcp://), accepts, reads HTTP/1.1
 * requests and answers from a route table (canned bodies, recorded fixtures,
 * generated 20 MB bodies, answers that never come). It records what it saw
 * - accepted connections, request lines, the first byte of each connection -
 * so the tests can assert what was (and was not) sent: the version prefix,
 * GET only, one keep-alive connection for a whole sweep, TLS on the wire.
 *
 * TLS is checked end to end against `openssl s_server` with certificates
 * made here (skipped without the openssl tool). The last test runs a full
 * sweep against a real private dockerd (tests/docker_env.sh) with the
 * containers the brief asks for; it is skipped when dockerd is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/docker.h"
#include "tests/collector_harness.h"
#include "tests/docker_expect.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/test_io.h"

#define BUSYBOX_ID  "sha256:0b7ca86aba95129014acca7e1f49cbb9bbab098694722c0aaf37adbe829a2e45"
#define DANGLING_ID "sha256:744f27c7141833c1c6f6a88665e6a4868dd006767e34eea01b69f7d58d0b97f8"

/* ---- fixtures ---- */

static const char *fixtures_dir(void)
{
    const char *dir = getenv("DOCKWARD_FIXTURES");
    return dir != NULL ? dir : DOCKWARD_FIXTURES;
}

static char *load_fixture(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/docker-api/%s", fixtures_dir(), name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return data;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the fake Docker API ---- */

enum route_kind {
    R_NORMAL,         /* status + body with Content-Length, connection kept */
    R_NO_LENGTH,      /* body without Content-Length, then the connection is closed */
    R_STALL,          /* read the request, never answer */
    R_STALL_MID_BODY, /* headers and half the body, then nothing */
    R_GENERATED,      /* gen_len bytes of 'x', with Content-Length */
    R_GENERATED_NO_LENGTH,
};

struct route {
    const char *target; /* exact request target, e.g. "/v1.41/info" */
    enum route_kind kind;
    int status;
    const char *body;
    size_t len; /* 0 = strlen(body) */
    size_t gen_len;
};

#define FAKE_LINES_MAX 64

struct fake {
    int listen_fd;
    int stop[2];
    pthread_t thread;
    char dir[64];
    char sock[96];
    int port; /* tcp only */
    const struct route *routes;
    size_t n_routes;
    pthread_mutex_t mu;
    int accepts;
    int requests;
    int first_bytes[FAKE_LINES_MAX]; /* first byte of each accepted connection, -1 none */
    char lines[FAKE_LINES_MAX][256];
};

static int fake_accepts(struct fake *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->accepts;
    pthread_mutex_unlock(&f->mu);
    return n;
}

static int fake_requests(struct fake *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->requests;
    pthread_mutex_unlock(&f->mu);
    return n;
}

static void fake_line(struct fake *f, int i, char *out, size_t outlen)
{
    pthread_mutex_lock(&f->mu);
    snprintf(out, outlen, "%s", i < f->requests && i < FAKE_LINES_MAX ? f->lines[i] : "");
    pthread_mutex_unlock(&f->mu);
}

/* Waits for fd to be readable or the stop pipe; false on stop or timeout. */
static bool wait_readable(struct fake *f, int fd, int timeout_ms)
{
    struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = f->stop[0], .events = POLLIN } };
    int rc = poll(p, 2, timeout_ms);
    return rc > 0 && (p[1].revents & POLLIN) == 0 && (p[0].revents & (POLLIN | POLLHUP)) != 0;
}

static bool send_all(int fd, const char *data, size_t len)
{
    return test_write_all(fd, data, len) == 0;
}

static bool send_generated(int fd, size_t len)
{
    enum { CHUNK = 65536 };
    char *chunk = malloc(CHUNK);
    if (chunk == NULL)
        return false;
    memset(chunk, 'x', CHUNK);
    bool ok = true;
    while (ok && len > 0) {
        size_t n = len < CHUNK ? len : CHUNK;
        ok = send_all(fd, chunk, n);
        len -= n;
    }
    free(chunk);
    return ok;
}

static const struct route *find_route(struct fake *f, const char *target)
{
    for (size_t i = 0; i < f->n_routes; i++)
        if (strcmp(f->routes[i].target, target) == 0)
            return &f->routes[i];
    return NULL;
}

/* Answers one request; false when the connection must be closed. */
static bool answer(struct fake *f, int fd, const char *target)
{
    static const struct route not_found = { "", R_NORMAL, 404, "{\"message\":\"page not found\"}",
                                            0,  0 };
    const struct route *r = find_route(f, target);
    if (r == NULL)
        r = &not_found;
    char head[256];
    size_t len = r->body != NULL ? (r->len ? r->len : strlen(r->body)) : 0;
    switch (r->kind) {
    case R_NORMAL:
        snprintf(head, sizeof(head),
                 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                 r->status, len);
        return send_all(fd, head, strlen(head)) && send_all(fd, r->body, len);
    case R_NO_LENGTH:
        snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nConnection: close\r\n\r\n", r->status);
        if (send_all(fd, head, strlen(head)))
            send_all(fd, r->body, len);
        return false;
    case R_STALL_MID_BODY:
        snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", len);
        if (!send_all(fd, head, strlen(head)) || !send_all(fd, r->body, len / 2))
            return false;
        /* fall through */
    case R_STALL: {
        char sink[4096];
        while (wait_readable(f, fd, 10000))
            if (recv(fd, sink, sizeof(sink), 0) <= 0)
                break;
        return false;
    }
    case R_GENERATED:
        snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", r->gen_len);
        return send_all(fd, head, strlen(head)) && send_generated(fd, r->gen_len);
    case R_GENERATED_NO_LENGTH:
        snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        if (send_all(fd, head, strlen(head)))
            send_generated(fd, r->gen_len);
        return false;
    }
    return false;
}

/* Serves one connection: requests until the client closes or a route ends it. */
static void serve(struct fake *f, int fd)
{
    char req[16384];
    size_t have = 0;
    bool first = true;
    for (;;) {
        char *end;
        while ((end = memmem(req, have, "\r\n\r\n", 4)) == NULL) {
            if (have == sizeof(req) || !wait_readable(f, fd, 10000))
                return;
            ssize_t n = recv(fd, req + have, sizeof(req) - have, 0);
            if (n <= 0)
                return;
            if (first) {
                pthread_mutex_lock(&f->mu);
                if (f->accepts - 1 < FAKE_LINES_MAX)
                    f->first_bytes[f->accepts - 1] = (unsigned char)req[0];
                pthread_mutex_unlock(&f->mu);
                first = false;
                if (req[0] < 'A' || req[0] > 'Z') /* not HTTP (a TLS hello): hang up */
                    return;
            }
            have += (size_t)n;
        }
        size_t used = (size_t)(end - req) + 4;
        char line[256];
        size_t ll = strcspn(req, "\r\n");
        snprintf(line, sizeof(line), "%.*s", (int)(ll < 255 ? ll : 255), req);
        pthread_mutex_lock(&f->mu);
        if (f->requests < FAKE_LINES_MAX)
            snprintf(f->lines[f->requests], sizeof(f->lines[0]), "%s", line);
        f->requests++;
        pthread_mutex_unlock(&f->mu);
        memmove(req, req + used, have - used);
        have -= used;
        char target[256] = "";
        sscanf(line, "%*s %255s", target);
        if (!answer(f, fd, target))
            return;
    }
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    while (wait_readable(f, f->listen_fd, -1)) {
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&f->mu);
        if (f->accepts < FAKE_LINES_MAX)
            f->first_bytes[f->accepts] = -1;
        f->accepts++;
        pthread_mutex_unlock(&f->mu);
        serve(f, fd);
        close(fd);
    }
    return NULL;
}

static void fake_start(struct fake *f, const struct route *routes, size_t n, bool tcp)
{
    memset(f, 0, sizeof(*f));
    f->routes = routes;
    f->n_routes = n;
    pthread_mutex_init(&f->mu, NULL);
    assert_int_equal(pipe2(f->stop, O_CLOEXEC), 0);
    snprintf(f->dir, sizeof(f->dir), "/tmp/dw-D-fake-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    if (tcp) {
        f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_port = 0,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        socklen_t sl = sizeof(sa);
        assert_int_equal(getsockname(f->listen_fd, (struct sockaddr *)&sa, &sl), 0);
        f->port = ntohs(sa.sin_port);
    } else {
        snprintf(f->sock, sizeof(f->sock), "%s/docker.sock", f->dir);
        f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
        assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    }
    assert_int_equal(listen(f->listen_fd, 16), 0);
    assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
    assert_int_equal(write(f->stop[1], "x", 1), 1);
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
    close(f->stop[0]);
    close(f->stop[1]);
    if (f->sock[0] != '\0')
        unlink(f->sock);
    rmdir(f->dir);
    pthread_mutex_destroy(&f->mu);
}

static struct docker_client *client_for(struct fake *f, long timeout_ms, size_t body_max)
{
    char host[256], err[256] = "";
    if (f->port != 0)
        snprintf(host, sizeof(host), "tcp://127.0.0.1:%d", f->port);
    else
        snprintf(host, sizeof(host), "unix://%s", f->sock);
    struct docker_client_options o = { .host = host,
                                       .request_timeout_ms = timeout_ms,
                                       .body_max = body_max };
    struct docker_client *c = docker_client_new(&o, err, sizeof(err));
    if (c == NULL)
        fail_msg("docker_client_new: %s", err);
    return c;
}

/* A fake API, a client of it, and the buffers a test calls it with: opened and closed once. */
struct session {
    struct fake f;
    struct docker_client *c;
    struct buf body; /* answers, up to 4096 bytes */
    char err[256];
};

/* Starts the fake (tcp or a unix socket) with n routes and a client of it (client_for's
 * timeout_ms and body_max); s must stay where it is until session_close. */
static void session_open(struct session *s, const struct route *routes, size_t n, bool tcp,
                         long timeout_ms, size_t body_max)
{
    fake_start(&s->f, routes, n, tcp);
    s->c = client_for(&s->f, timeout_ms, body_max);
    buf_init(&s->body, 4096);
    s->err[0] = '\0';
}

/* Frees what session_open made and stops the fake. */
static void session_close(struct session *s)
{
    buf_free(&s->body);
    docker_client_free(s->c);
    fake_stop(&s->f);
}

static int global_setup(void **state)
{
    /* Twice on purpose: the lead's main() may not be the only caller. */
    if (docker_global_init() != 0 || docker_global_init() != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int global_teardown(void **state)
{
    return 0;
}

#define VERSION_141 \
    "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"BuildTime\":\"2023-01-01T00:00:00Z\"}"

/* ---- negotiation ---- */

static void negotiate_with(const char *api, const char *want_version, const char *want_err)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"Version\":\"x\",\"ApiVersion\":\"%s\"}", api);
    const struct route routes[] = {
        { "/version", R_NORMAL, 200, body, 0, 0 },
    };
    struct session s;
    session_open(&s, routes, 1, false, 0, 0);
    assert_string_equal(docker_client_api_version(s.c), "");
    int rc = docker_client_negotiate(s.c, &s.body, s.err, sizeof(s.err));
    if (want_err == NULL) {
        if (rc != 0)
            fail_msg("negotiate with %s: %s", api, s.err);
        assert_string_equal(docker_client_api_version(s.c), want_version);
        assert_string_equal(s.body.data, body); /* the raw /version body is handed back */
    } else {
        assert_int_equal(rc, -1);
        assert_string_equal(s.err, want_err);
        assert_string_equal(docker_client_api_version(s.c), "");
    }
    char line[256];
    fake_line(&s.f, 0, line, sizeof(line));
    assert_string_equal(line, "GET /version HTTP/1.1"); /* unprefixed */
    session_close(&s);
}

static void test_negotiate_picks_lower_version(void **state)
{
    negotiate_with("1.41", "1.41", NULL);
    negotiate_with("1.24", "1.24", NULL);
    negotiate_with("1.45", "1.45", NULL);
    negotiate_with("1.47", "1.45", NULL);
    negotiate_with("1.100", "1.45", NULL); /* numeric: 1.100 > 1.45 */
    negotiate_with("2.0", "1.45", NULL);
    negotiate_with("1.9", NULL, "API version 1.9 is older than the oldest we speak, 1.24");
    negotiate_with("1.12", NULL, "API version 1.12 is older than the oldest we speak, 1.24");
    negotiate_with("v1.41", NULL, "GET /version: no readable ApiVersion (got \"v1.41\")");
    negotiate_with("1.41.2", NULL, "GET /version: no readable ApiVersion (got \"1.41.2\")");
}

static void test_negotiated_prefix_on_later_requests(void **state)
{
    const struct route routes[] = {
        { "/version", R_NORMAL, 200, "{\"ApiVersion\":\"1.47\",\"Version\":\"27.0\"}", 0, 0 },
        { "/v1.45/info", R_NORMAL, 200, "{\"ServerVersion\":\"27.0\"}", 0, 0 },
        { "/v1.45/containers/json?all=1", R_NORMAL, 200, "[]", 0, 0 },
    };
    struct session s;
    session_open(&s, routes, 3, false, 0, 0);
    /* Before negotiation there is no prefix. */
    assert_int_equal(docker_client_get(s.c, "/_ping", &s.body, s.err, sizeof(s.err)), -1);
    assert_string_equal(s.err, "GET /_ping: HTTP 404: page not found");
    assert_int_equal(docker_client_last_status(s.c), 404);
    assert_int_equal(docker_client_negotiate(s.c, NULL, s.err, sizeof(s.err)), 0);
    assert_int_equal(docker_client_get(s.c, "/info", &s.body, s.err, sizeof(s.err)), 0);
    assert_string_equal(s.body.data, "{\"ServerVersion\":\"27.0\"}");
    assert_int_equal(docker_client_last_status(s.c), 200);
    assert_int_equal(
        docker_client_request(s.c, "GET", "/containers/json?all=1", &s.body, s.err, sizeof(s.err)),
        0);
    assert_string_equal(s.body.data, "[]");
    char line[256];
    const char *want[] = { "GET /_ping HTTP/1.1", "GET /version HTTP/1.1",
                           "GET /v1.45/info HTTP/1.1",
                           "GET /v1.45/containers/json?all=1 HTTP/1.1" };
    assert_int_equal(fake_requests(&s.f), 4);
    for (int i = 0; i < 4; i++) {
        fake_line(&s.f, i, line, sizeof(line));
        assert_string_equal(line, want[i]);
    }
    session_close(&s);
}

/* ---- GET only ---- */

static void test_refuses_other_methods_and_sends_nothing(void **state)
{
    const struct route routes[] = { { "/_ping", R_NORMAL, 200, "OK", 0, 0 } };
    struct session s;
    session_open(&s, routes, 1, false, 0, 0);
    /* text: the method. */
    const struct harness_text_case cases[] = {
        { "POST", "refusing to send POST: dockward only reads" },
        { "DELETE", "refusing to send DELETE: dockward only reads" },
        { "PUT", "refusing to send PUT: dockward only reads" },
        { "HEAD", "refusing to send HEAD: dockward only reads" },
        { "get", "refusing to send get: dockward only reads" },
        { "GET ", "refusing to send GET : dockward only reads" },
        { "GET\r\nX: y", "refusing to send GET  X: y: dockward only reads" },
        { NULL, "refusing to send (none): dockward only reads" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s.err[0] = '\0';
        assert_int_equal(docker_client_request(s.c, cases[i].text, "/containers/x/kill", &s.body,
                                               s.err, sizeof(s.err)),
                         -1);
        assert_string_equal(s.err, cases[i].want);
        assert_int_equal(docker_client_last_status(s.c), 0);
    }
    /* Malformed paths are refused too, before any connection. */
    const char *paths[] = { "info", "/a b", "/a\r\nHost: evil", "", NULL };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        assert_int_equal(docker_client_get(s.c, paths[i], &s.body, s.err, sizeof(s.err)), -1);
        assert_string_equal(s.err, "GET: refusing a malformed request path");
    }
    /* Then one real GET: the server must have seen exactly that and nothing before. */
    assert_int_equal(docker_client_get(s.c, "/_ping", &s.body, s.err, sizeof(s.err)), 0);
    assert_string_equal(s.body.data, "OK");
    assert_int_equal(fake_accepts(&s.f), 1);
    assert_int_equal(fake_requests(&s.f), 1);
    char line[256];
    fake_line(&s.f, 0, line, sizeof(line));
    assert_string_equal(line, "GET /_ping HTTP/1.1");
    session_close(&s);
}

/* ---- errors from the server ---- */

static void test_http_errors_carry_status(void **state)
{
    const struct route routes[] = {
        { "/version", R_NORMAL, 200, VERSION_141, 0, 0 },
        { "/v1.41/info", R_NORMAL, 500, "{\"message\":\"boom:\\n daemon exploded\"}", 0, 0 },
        { "/v1.41/text", R_NORMAL, 503, "service unavailable\nsecond line", 0, 0 },
        { "/v1.41/empty", R_NORMAL, 500, "", 0, 0 },
        { "/v1.41/moved", R_NORMAL, 301, "{\"message\":\"moved\"}", 0, 0 },
    };
    struct session s;
    session_open(&s, routes, 5, false, 0, 0);
    assert_int_equal(docker_client_negotiate(s.c, NULL, s.err, sizeof(s.err)), 0);
    const struct {
        const char *path;
        int status;
        const char *want;
    } cases[] = {
        { "/info", 500, "GET /info: HTTP 500: boom:  daemon exploded" },
        { "/text", 503, "GET /text: HTTP 503: service unavailable" },
        { "/empty", 500, "GET /empty: HTTP 500" },
        { "/moved", 301, "GET /moved: HTTP 301: moved" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        assert_int_equal(docker_client_get(s.c, cases[i].path, &s.body, s.err, sizeof(s.err)), -1);
        assert_string_equal(s.err, cases[i].want);
        assert_int_equal(docker_client_last_status(s.c), cases[i].status);
    }
    assert_int_equal(fake_accepts(&s.f), 1); /* errors do not cost the connection */
    session_close(&s);
}

static void test_invalid_json(void **state)
{
    const struct route routes[] = {
        { "/version", R_NORMAL, 200, "<html>not json</html>", 0, 0 },
    };
    struct session s;
    session_open(&s, routes, 1, false, 0, 0);
    assert_int_equal(docker_client_negotiate(s.c, NULL, s.err, sizeof(s.err)), -1);
    assert_string_equal(s.err, "GET /version: not valid JSON (at byte 0 of 21)");
    session_close(&s);

    const struct route routes2[] = {
        { "/version", R_NORMAL, 200, VERSION_141, 0, 0 },
        { "/v1.41/info", R_NORMAL, 200, "{\"Driver\":", 0, 0 },
    };
    session_open(&s, routes2, 2, false, 0, 0);
    struct docker_sweep sw;
    assert_int_equal(docker_sweep_run(s.c, &sw), -1);
    assert_false(sw.ok);
    assert_string_equal(sw.error, "GET /info: not valid JSON (at byte 9 of 10)");
    assert_int_equal(sw.requests, 2);
    assert_null(sw.version.version); /* nothing partial is left */
    docker_sweep_free(&sw);
    session_close(&s);
}

/* ---- size cap ---- */

static void big_body(enum route_kind kind, size_t gen_len, size_t body_max, const char *want)
{
    const struct route routes[] = {
        { "/big", kind, 200, NULL, 0, gen_len },
        { "/_ping", R_NORMAL, 200, "OK", 0, 0 },
    };
    struct session s;
    session_open(&s, routes, 2, false, 5000, body_max);
    buf_free(&s.body);
    buf_init(&s.body, (size_t)-1 / 2); /* no cap of its own: the client's is the one tested */
    assert_int_equal(docker_client_get(s.c, "/big", &s.body, s.err, sizeof(s.err)), -1);
    assert_string_equal(s.err, want);
    assert_int_equal(docker_client_last_status(s.c), 200); /* the answer's fault, not the API's */
    size_t cap = body_max ? body_max : DOCKER_BODY_MAX;
    assert_true(s.body.len <= cap);
    assert_true(s.body.cap <= cap + 1); /* never allocated past the cap */
    /* The client is still usable. */
    assert_int_equal(docker_client_get(s.c, "/_ping", &s.body, s.err, sizeof(s.err)), 0);
    assert_string_equal(s.body.data, "OK");
    session_close(&s);
}

static void test_body_over_cap(void **state)
{
    big_body(R_GENERATED, 1024 * 1024, 65536, "GET /big: answer larger than 65536 bytes");
    big_body(R_GENERATED_NO_LENGTH, 1024 * 1024, 65536, "GET /big: answer larger than 65536 bytes");
    big_body(R_GENERATED, 65537, 65536, "GET /big: answer larger than 65536 bytes");
    /* 20 MB against the default cap of 16 MiB. */
    big_body(R_GENERATED, 20u * 1024 * 1024, 0, "GET /big: answer larger than 16777216 bytes");
    big_body(R_GENERATED_NO_LENGTH, 20u * 1024 * 1024, 0,
             "GET /big: answer larger than 16777216 bytes");
}

static void test_body_at_cap_and_caller_cap(void **state)
{
    const struct route routes[] = { { "/exact", R_GENERATED, 200, NULL, 0, 65536 } };
    struct session s;
    session_open(&s, routes, 1, false, 0, 65536);
    buf_free(&s.body);
    buf_init(&s.body, (size_t)-1 / 2);
    assert_int_equal(docker_client_get(s.c, "/exact", &s.body, s.err, sizeof(s.err)), 0);
    assert_int_equal(s.body.len, 65536);
    buf_free(&s.body);
    /* The caller's buffer cap is honoured too (the smaller one wins). */
    buf_init(&s.body, 1000);
    assert_int_equal(docker_client_get(s.c, "/exact", &s.body, s.err, sizeof(s.err)), -1);
    assert_string_equal(s.err, "GET /exact: answer larger than 1000 bytes");
    assert_true(s.body.len <= 1000);
    session_close(&s);
}

/* ---- stalls ---- */

static void test_stalling_server_times_out(void **state)
{
    const struct route routes[] = {
        { "/stall", R_STALL, 200, NULL, 0, 0 },
        { "/half", R_STALL_MID_BODY, 200, "{\"a\":\"0123456789012345678901234567890123456789\"}", 0,
          0 },
        { "/_ping", R_NORMAL, 200, "OK", 0, 0 },
    };
    struct session s;
    session_open(&s, routes, 3, false, 300, 0);
    const char *paths[] = { "/stall", "/half" };
    for (int i = 0; i < 2; i++) {
        double t0 = now_s();
        assert_int_equal(docker_client_get(s.c, paths[i], &s.body, s.err, sizeof(s.err)), -1);
        double took = now_s() - t0;
        char want[128];
        snprintf(want, sizeof(want), "GET %s: no complete answer within 300 ms", paths[i]);
        assert_string_equal(s.err, want);
        assert_int_equal(docker_client_last_status(s.c), 0);
        if (took < 0.25 || took > 2.0)
            fail_msg("%s took %.3f s, want about 0.3 s", paths[i], took);
    }
    /* It recovers on a new connection. */
    assert_int_equal(docker_client_get(s.c, "/_ping", &s.body, s.err, sizeof(s.err)), 0);
    session_close(&s);
}

/* ---- connecting ---- */

/* A client of host (nothing answers there) whose first GET fails with "cannot connect to HOST: why"
 * and no HTTP status. */
static void expect_cannot_connect(const char *host, const char *why)
{
    char err[256] = "", want[512];
    struct docker_client_options o = { .host = host };
    struct docker_client *c = docker_client_new(&o, err, sizeof(err));
    assert_non_null(c);
    struct buf body;
    buf_init(&body, 4096);
    assert_int_equal(docker_client_get(c, "/_ping", &body, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "cannot connect to %s: %s", host, why);
    assert_string_equal(err, want);
    assert_int_equal(docker_client_last_status(c), 0);
    buf_free(&body);
    docker_client_free(c);
}

static void test_connect_errors(void **state)
{
    char dir[] = "/tmp/dw-D-conn-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char host[256], err[256], want[512];

    /* A missing socket, found when negotiating. */
    snprintf(host, sizeof(host), "unix://%s/missing.sock", dir);
    struct docker_client_options o = { .host = host };
    struct docker_client *c = docker_client_new(&o, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(docker_client_negotiate(c, NULL, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "cannot connect to %s: No such file or directory", host);
    assert_string_equal(err, want);
    assert_int_equal(docker_client_last_status(c), 0);
    docker_client_free(c);

    /* A regular file where the socket should be. */
    char path[96];
    snprintf(path, sizeof(path), "%s/file.sock", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    snprintf(host, sizeof(host), "unix://%s", path);
    expect_cannot_connect(host, "Connection refused (not a socket)");
    unlink(path);

    /* A socket nobody listens on any more. */
    snprintf(path, sizeof(path), "%s/dead.sock", dir);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    snprintf(host, sizeof(host), "unix://%s", path);
    expect_cannot_connect(host, "Connection refused");
    unlink(path);

    /* A TCP port nobody listens on. */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(s, (struct sockaddr *)&in, sizeof(in)), 0);
    socklen_t sl = sizeof(in);
    assert_int_equal(getsockname(s, (struct sockaddr *)&in, &sl), 0);
    close(s);
    snprintf(host, sizeof(host), "tcp://127.0.0.1:%d", ntohs(in.sin_port));
    expect_cannot_connect(host, "Connection refused");

    rmdir(dir);
}

static void test_bad_hosts(void **state)
{
    const struct {
        struct docker_client_options o;
        const char *want;
    } cases[] = {
        { { .host = "http://localhost:2375" },
          "Docker host http://localhost:2375: want unix:///path or tcp://host:port" },
        { { .host = "unix://var/run/docker.sock" },
          "Docker host unix://var/run/docker.sock: want unix:///absolute/path" },
        { { .host = "tcp://admin:s3cret@10.0.0.1:2376" },
          "Docker host: credentials in the URL are not supported" },
        { { .host = "unix://user:s3cret@/x" },
          "Docker host: credentials in the URL are not supported" },
        { { .host = "tcp://10.0.0.1:2376/path?x" },
          "Docker host tcp://10.0.0.1:2376/path?x: want tcp://host:port" },
        { { .host = "tcp://" }, "Docker host tcp://: want tcp://host:port" },
        { { .host = "unix:///run/docker.sock", .tls_ca = "/ca.pem" },
          "Docker host unix:///run/docker.sock: TLS options need a tcp:// host" },
        { { .host = "tcp://h:2376", .tls_cert = "/cert.pem" },
          "Docker host tcp://h:2376: a TLS client certificate needs a CA" },
        { { .host = "unix:///tmp/"
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock" },
          "Docker host: socket path longer than 107 bytes" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        struct docker_client *c = docker_client_new(&cases[i].o, err, sizeof(err));
        assert_null(c);
        assert_string_equal(err, cases[i].want);
        assert_null(strstr(err, "s3cret"));
    }
}

/* ---- keep-alive ---- */

static void test_keep_alive_one_connection(void **state)
{
    const struct route routes[] = {
        { "/version", R_NORMAL, 200, VERSION_141, 0, 0 },
        { "/v1.41/info", R_NORMAL, 200, "{}", 0, 0 },
    };
    struct session s;
    session_open(&s, routes, 2, false, 0, 0);
    assert_int_equal(docker_client_negotiate(s.c, NULL, s.err, sizeof(s.err)), 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(docker_client_get(s.c, "/info", &s.body, s.err, sizeof(s.err)), 0);
    assert_int_equal(fake_requests(&s.f), 21);
    assert_int_equal(fake_accepts(&s.f), 1);
    session_close(&s);
}

static void test_tcp_plain_http(void **state)
{
    const struct route routes[] = { { "/version", R_NORMAL, 200, VERSION_141, 0, 0 } };
    struct session s;
    session_open(&s, routes, 1, true, 0, 0);
    assert_int_equal(docker_client_negotiate(s.c, NULL, s.err, sizeof(s.err)), 0);
    assert_string_equal(docker_client_api_version(s.c), "1.41");
    char line[256];
    fake_line(&s.f, 0, line, sizeof(line));
    assert_string_equal(line, "GET /version HTTP/1.1");
    session_close(&s);
}

/* ---- TLS (openssl s_server with certificates made here) ---- */

struct tls_env {
    char dir[64];
    pid_t server;
    int port;
};

static int run_quiet(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int tls_setup(void **state)
{
    if (run_quiet("command -v openssl >/dev/null 2>&1") != 0) {
        *state = NULL;
        return 0;
    }
    struct tls_env *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    snprintf(t->dir, sizeof(t->dir), "/tmp/dw-D-tls-XXXXXX");
    if (mkdtemp(t->dir) == NULL)
        return -1;
    char cmd[4096];
    /* A CA that also serves as the server certificate (SAN 127.0.0.1), a client
     * certificate it signed, and an unrelated CA. */
    snprintf(cmd, sizeof(cmd),
             "cd %s && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout ca.key -out ca.pem -days 2 -subj /CN=dw-test-ca 2>/dev/null "
             "-addext subjectAltName=IP:127.0.0.1 && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout other.key -out other.pem -days 2 -subj /CN=dw-other-ca 2>/dev/null "
             "-addext subjectAltName=IP:127.0.0.1 && "
             "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout client.key -out client.csr -subj /CN=dw-client 2>/dev/null && "
             "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-out client.pem -days 2 >/dev/null 2>&1",
             t->dir);
    if (run_quiet(cmd) != 0 && run_quiet(cmd) != 0)
        return -1;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bind(s, (struct sockaddr *)&in, sizeof(in));
    socklen_t sl = sizeof(in);
    getsockname(s, (struct sockaddr *)&in, &sl);
    close(s);
    t->port = ntohs(in.sin_port);
    t->server = fork();
    if (t->server == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (chdir(t->dir) != 0)
            _exit(127);
        char accept[32];
        snprintf(accept, sizeof(accept), "127.0.0.1:%d", t->port);
        execlp("openssl", "openssl", "s_server", "-accept", accept, "-cert", "ca.pem", "-key",
               "ca.key", "-Verify", "1", "-CAfile", "ca.pem", "-www", (char *)NULL);
        _exit(127);
    }
    /* Wait until it listens. */
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int rc = connect(fd, (struct sockaddr *)&in, sizeof(in));
        close(fd);
        if (rc == 0)
            break;
        usleep(20000);
    }
    *state = t;
    return 0;
}

static int tls_teardown(void **state)
{
    struct tls_env *t = *state;
    if (t == NULL)
        return 0;
    if (t->server > 0) {
        kill(t->server, SIGTERM);
        waitpid(t->server, NULL, 0);
    }
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
    run_quiet(cmd);
    free(t);
    return 0;
}

static int tls_get(struct tls_env *t, const char *ca, const char *cert, const char *key,
                   struct buf *body, char *err, size_t errlen)
{
    char host[64], cap[128], certp[128], keyp[128];
    snprintf(host, sizeof(host), "tcp://127.0.0.1:%d", t->port);
    snprintf(cap, sizeof(cap), "%s/%s", t->dir, ca);
    snprintf(certp, sizeof(certp), "%s/%s", t->dir, cert != NULL ? cert : "");
    snprintf(keyp, sizeof(keyp), "%s/%s", t->dir, key != NULL ? key : "");
    struct docker_client_options o = { .host = host,
                                       .tls_ca = cap,
                                       .tls_cert = cert != NULL ? certp : NULL,
                                       .tls_key = key != NULL ? keyp : NULL,
                                       .request_timeout_ms = 3000 };
    struct docker_client *c = docker_client_new(&o, err, errlen);
    assert_non_null(c);
    int rc = docker_client_get(c, "/_ping", body, err, errlen);
    docker_client_free(c);
    return rc;
}

static void test_tls_verifies_peer_and_sends_client_cert(void **state)
{
    struct tls_env *t = *state;
    if (t == NULL)
        skip();
    char err[512] = "", want[128];
    struct buf body;
    buf_init(&body, 65536);
    snprintf(want, sizeof(want), "TLS with tcp://127.0.0.1:%d failed: ", t->port);

    /* The right CA and a client certificate: an answer. */
    if (tls_get(t, "ca.pem", "client.pem", "client.key", &body, err, sizeof(err)) != 0)
        fail_msg("TLS GET failed: %s", err);
    assert_non_null(strstr(body.data, "s_server"));

    /* A server certificate our CA did not sign: refused (verification is on). */
    assert_int_equal(tls_get(t, "other.pem", "client.pem", "client.key", &body, err, sizeof(err)),
                     -1);
    assert_true(strncmp(err, want, strlen(want)) == 0);
    assert_non_null(strstr(err, "certificate"));
    buf_free(&body);
}

static void test_tls_is_used_on_the_wire(void **state)
{
    /* With a CA given, what reaches a plain-HTTP server is a TLS handshake (0x16). */
    if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) != 0)
        skip();
    const struct route routes[] = { { "/_ping", R_NORMAL, 200, "OK", 0, 0 } };
    struct fake f;
    fake_start(&f, routes, 1, true);
    char host[64], err[256] = "";
    const char *ca = "/etc/ssl/certs/ca-certificates.crt"; /* any valid CA bundle */
    snprintf(host, sizeof(host), "tcp://127.0.0.1:%d", f.port);
    struct docker_client_options o = { .host = host, .tls_ca = ca, .request_timeout_ms = 2000 };
    struct docker_client *c = docker_client_new(&o, err, sizeof(err));
    assert_non_null(c);
    struct buf body;
    buf_init(&body, 4096);
    assert_int_equal(docker_client_get(c, "/_ping", &body, err, sizeof(err)), -1);
    assert_int_equal(fake_requests(&f), 0); /* no plaintext request */
    assert_int_equal(fake_accepts(&f), 1);
    pthread_mutex_lock(&f.mu);
    int first = f.first_bytes[0];
    pthread_mutex_unlock(&f.mu);
    assert_int_equal(first, 0x16);
    buf_free(&body);
    docker_client_free(c);
    fake_stop(&f);
}

/* ---- the sweep against the fake API ---- */

struct recorded {
    char *version, *info, *clist, *web, *risky, *hardened, *ilist, *busybox, *busybox_h, *hc, *hc_h,
        *nohc, *nohc_h, *dangling, *networks;
    size_t l_version, l_info, l_clist, l_web, l_risky, l_hardened, l_ilist, l_busybox, l_busybox_h,
        l_hc, l_hc_h, l_nohc, l_nohc_h, l_dangling, l_networks;
};

static void load_recorded(struct recorded *r)
{
    r->version = load_fixture("version.json", &r->l_version);
    r->info = load_fixture("info.json", &r->l_info);
    r->clist = load_fixture("containers-list.json", &r->l_clist);
    r->web = load_fixture("container-web.json", &r->l_web);
    r->risky = load_fixture("container-risky.json", &r->l_risky);
    r->hardened = load_fixture("container-hardened.json", &r->l_hardened);
    r->ilist = load_fixture("images-list.json", &r->l_ilist);
    r->busybox = load_fixture("image-dw-busybox-1.json", &r->l_busybox);
    r->busybox_h = load_fixture("image-dw-busybox-1-history.json", &r->l_busybox_h);
    r->hc = load_fixture("image-dw-hc-1.json", &r->l_hc);
    r->hc_h = load_fixture("image-dw-hc-1-history.json", &r->l_hc_h);
    r->nohc = load_fixture("image-dw-nohc-1.json", &r->l_nohc);
    r->nohc_h = load_fixture("image-dw-nohc-1-history.json", &r->l_nohc_h);
    r->dangling = load_fixture("image-dangling.json", &r->l_dangling);
    r->networks = load_fixture("networks.json", &r->l_networks);
}

static void free_recorded(struct recorded *r)
{
    char *all[] = { r->version,  r->info,  r->clist,   r->web,       r->risky,
                    r->hardened, r->ilist, r->busybox, r->busybox_h, r->hc,
                    r->hc_h,     r->nohc,  r->nohc_h,  r->dangling,  r->networks };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
}

/* cmocka setup of the sweep tests: the recorded answers as the test's state. */
static int recorded_setup(void **state)
{
    struct recorded *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -1;
    load_recorded(r);
    *state = r;
    return 0;
}

/* cmocka teardown of the sweep tests, also after a failed assertion. */
static int recorded_teardown(void **state)
{
    free_recorded(*state);
    free(*state);
    return 0;
}

#define V          "/v1.41"
#define C_HARDENED "15fe4f28feed8b3504df502b9e54e1b2a9062e36824538337567e051415b2f69"
#define C_RISKY    "41d39e3461815f064e8ef4894f03145adbd151590051e7353d31096fff5e90c1"
#define C_WEB      "617f5adb92864107e29b9829a94c37bfbc3e52c993a75e34df37e239facc8dc5"
#define I_HC       "sha256:499c6e6fb0bd0bc3deaf25743b99ba1103ab32324d3c04fe35d5d5dbc0b38fbe"
#define I_NOHC     "sha256:e7c980cad897077fb6155395936ad6df5722fe4bdbb412ca735ef58c8b1124a7"

/* Room for the routes of a sweep test. */
#define SWEEP_ROUTES_MAX 32

/* Writes into out the recorded answers every sweep starts with (the version, the info and the
 * container list), then the n routes of rest; returns how many routes out holds. */
static size_t sweep_routes(const struct recorded *r, const struct route *rest, size_t n,
                           struct route *out)
{
    const struct route head[] = {
        { "/version", R_NORMAL, 200, r->version, r->l_version, 0 },
        { V "/info", R_NORMAL, 200, r->info, r->l_info, 0 },
        { V "/containers/json?all=1", R_NORMAL, 200, r->clist, r->l_clist, 0 },
    };
    assert_true(ARRAY_LEN(head) + n <= SWEEP_ROUTES_MAX);
    memcpy(out, head, sizeof(head));
    memcpy(out + ARRAY_LEN(head), rest, n * sizeof(*rest));
    return ARRAY_LEN(head) + n;
}

/* Runs a sweep with c into s; fails the test, saying why, when the sweep fails. */
static void sweep_ok(struct docker_client *c, struct docker_sweep *s)
{
    if (docker_sweep_run(c, s) != 0)
        fail_msg("sweep failed: %s", s->error);
    assert_true(s->ok);
}

static const struct docker_container *find_container(const struct docker_sweep *s, const char *name)
{
    for (size_t i = 0; i < s->n_containers; i++)
        if (s->containers[i].name != NULL && strcmp(s->containers[i].name, name) == 0)
            return &s->containers[i];
    fail_msg("no container %s in the sweep", name);
    return NULL;
}

static const struct docker_image *find_image(const struct docker_sweep *s, const char *id)
{
    for (size_t i = 0; i < s->n_images; i++)
        if (strcmp(s->images[i].id, id) == 0)
            return &s->images[i];
    fail_msg("no image %s in the sweep", id);
    return NULL;
}

static bool list_has(const struct str_list *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

static void assert_no_secret(const struct docker_sweep *s, const char *secret)
{
    for (size_t i = 0; i < s->n_containers; i++) {
        const struct docker_container *c = &s->containers[i];
        const char *strs[] = { c->id,    c->name, c->image,           c->image_id,
                               c->state, c->user, c->apparmor_profile };
        for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
            assert_true(strs[k] == NULL || strstr(strs[k], secret) == NULL);
        for (size_t k = 0; k < c->env_names.len; k++)
            assert_null(strstr(c->env_names.items[k], secret));
    }
}

static void test_sweep_recorded(void **state)
{
    const struct recorded *r = *state;
    const struct route rest[] = {
        { V "/containers/" C_HARDENED "/json", R_NORMAL, 200, r->hardened, r->l_hardened, 0 },
        { V "/containers/" C_RISKY "/json", R_NORMAL, 200, r->risky, r->l_risky, 0 },
        { V "/containers/" C_WEB "/json", R_NORMAL, 200, r->web, r->l_web, 0 },
        { V "/images/json", R_NORMAL, 200, r->ilist, r->l_ilist, 0 },
        { V "/images/" BUSYBOX_ID "/json", R_NORMAL, 200, r->busybox, r->l_busybox, 0 },
        { V "/images/" BUSYBOX_ID "/history", R_NORMAL, 200, r->busybox_h, r->l_busybox_h, 0 },
        { V "/images/" I_HC "/json", R_NORMAL, 200, r->hc, r->l_hc, 0 },
        { V "/images/" I_HC "/history", R_NORMAL, 200, r->hc_h, r->l_hc_h, 0 },
        { V "/images/" I_NOHC "/json", R_NORMAL, 200, r->nohc, r->l_nohc, 0 },
        { V "/images/" I_NOHC "/history", R_NORMAL, 200, r->nohc_h, r->l_nohc_h, 0 },
        { V "/images/" DANGLING_ID "/json", R_NORMAL, 200, r->dangling, r->l_dangling, 0 },
        /* the dangling image's history is gone (404): that image is skipped, counted */
        { V "/networks", R_NORMAL, 200, r->networks, r->l_networks, 0 },
    };
    struct session api;
    struct route routes[SWEEP_ROUTES_MAX];
    session_open(&api, routes, sweep_routes(r, rest, ARRAY_LEN(rest), routes), false, 0, 0);
    struct docker_sweep s;
    sweep_ok(api.c, &s);
    assert_string_equal(s.api_version, "1.41");
    assert_string_equal(s.version.version, "20.10.24+dfsg1");
    assert_string_equal(s.info.driver, "vfs");
    assert_int_equal(s.n_containers, 3);
    assert_int_equal(s.n_images, 3);
    assert_int_equal(s.n_networks, 3);
    assert_int_equal(s.requests, 6 + 3 + 2 * 4); /* 6 + C + 2I */
    assert_int_equal(s.item_failures, 1);
    assert_string_equal(s.error, "GET /images/" DANGLING_ID "/history: HTTP 404: page not found");
    assert_true(s.duration_seconds > 0 && s.duration_seconds < 5);
    assert_true(find_container(&s, "risky")->privileged);
    assert_true(find_container(&s, "hardened")->has_health);
    assert_int_equal(find_image(&s, BUSYBOX_ID)->containers_using, 3);
    assert_int_equal(find_image(&s, I_HC)->containers_using, 0);
    assert_true(find_image(&s, I_HC)->has_healthcheck);
    assert_no_secret(&s, "hunter2");
    assert_int_equal(fake_accepts(&api.f), 1); /* the whole sweep over one connection */
    assert_int_equal(fake_requests(&api.f), 17);
    char line[256];
    fake_line(&api.f, 0, line, sizeof(line));
    assert_string_equal(line, "GET /version HTTP/1.1");
    fake_line(&api.f, 15, line, sizeof(line));
    assert_string_equal(line, "GET /v1.41/networks HTTP/1.1");
    fake_line(&api.f, 16, line, sizeof(line));
    assert_string_equal(line, "GET /v1.41/volumes HTTP/1.1");
    /* No recorded /volumes answer here: not fatal, only the volume facts are unknown. */
    assert_false(s.volumes_ok);
    assert_non_null(strstr(s.volumes_error, "404"));
    docker_sweep_free(&s);
    assert_int_equal(s.n_containers, 0);
    session_close(&api);
}

static void test_sweep_item_gone_and_list_failures(void **state)
{
    const struct recorded *r = *state;
    /* A container that vanished (404) and one whose answer is garbage are skipped. */
    const struct route rest[] = {
        { V "/containers/" C_RISKY "/json", R_NORMAL, 200, r->risky, r->l_risky, 0 },
        { V "/containers/" C_WEB "/json", R_NORMAL, 200, "{\"Id\":", 0, 0 },
        { V "/images/json", R_NORMAL, 200, "[]", 0, 0 },
        { V "/networks", R_NORMAL, 200, "[]", 0, 0 },
    };
    struct session api;
    struct route routes[SWEEP_ROUTES_MAX];
    session_open(&api, routes, sweep_routes(r, rest, ARRAY_LEN(rest), routes), false, 0, 0);
    struct docker_sweep s;
    sweep_ok(api.c, &s);
    assert_int_equal(s.n_containers, 1);
    assert_string_equal(s.containers[0].name, "risky");
    assert_int_equal(s.item_failures, 2);
    assert_string_equal(s.error, "GET /containers/" C_HARDENED "/json: HTTP 404: page not found");
    assert_int_equal(s.requests, 6 + 3);
    docker_sweep_free(&s);
    session_close(&api);

    /* A list that fails is fatal: no container list must never look like no containers. */
    const struct route routes2[] = {
        { "/version", R_NORMAL, 200, r->version, r->l_version, 0 },
        { V "/info", R_NORMAL, 200, r->info, r->l_info, 0 },
        { V "/containers/json?all=1", R_NORMAL, 500, "{\"message\":\"db locked\"}", 0, 0 },
    };
    session_open(&api, routes2, 3, false, 0, 0);
    assert_int_equal(docker_sweep_run(api.c, &s), -1);
    assert_false(s.ok);
    assert_string_equal(s.error, "GET /containers/json?all=1: HTTP 500: db locked");
    assert_int_equal(s.n_containers, 0);
    assert_null(s.info.driver);
    assert_int_equal(s.requests, 3);
    docker_sweep_free(&s);
    session_close(&api);
}

static void test_sweep_stall_is_fatal_once(void **state)
{
    const struct recorded *r = *state;
    /* The API stops answering mid-sweep: one timeout ends the sweep, not one per item. */
    const struct route rest[] = {
        { V "/containers/" C_HARDENED "/json", R_STALL, 200, NULL, 0, 0 },
        { V "/containers/" C_RISKY "/json", R_STALL, 200, NULL, 0, 0 },
        { V "/containers/" C_WEB "/json", R_STALL, 200, NULL, 0, 0 },
    };
    struct session api;
    struct route routes[SWEEP_ROUTES_MAX];
    session_open(&api, routes, sweep_routes(r, rest, ARRAY_LEN(rest), routes), false, 300, 0);
    struct docker_sweep s;
    double t0 = now_s();
    assert_int_equal(docker_sweep_run(api.c, &s), -1);
    double took = now_s() - t0;
    assert_false(s.ok);
    assert_string_equal(s.error,
                        "GET /containers/" C_HARDENED "/json: no complete answer within 300 ms");
    assert_int_equal(s.requests, 4);
    if (took > 2.0) /* one timeout, not three */
        fail_msg("sweep took %.3f s", took);
    docker_sweep_free(&s);
    session_close(&api);

    /* Nothing listening at all. */
    struct docker_client_options o = { .host = "unix:///nonexistent/dw-D/docker.sock" };
    char err[256];
    struct docker_client *c = docker_client_new(&o, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(docker_sweep_run(c, &s), -1);
    assert_string_equal(s.error, "cannot connect to unix:///nonexistent/dw-D/docker.sock: No such "
                                 "file or directory");
    assert_int_equal(s.requests, 1);
    docker_sweep_free(&s);
    docker_client_free(c);
}

/* ---- a real dockerd ---- */

struct dockerd_env {
    char dir[64];
    char script[4096];
    int lock_fd; /* docker_env.sh's machine-wide lock, held until teardown */
};

static int dockerd_teardown(void **state);

static int dockerd_setup(void **state)
{
    if (access("/usr/sbin/dockerd", X_OK) != 0 && run_quiet("command -v dockerd >/dev/null") != 0) {
        *state = NULL;
        return 0;
    }
    struct dockerd_env *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return -1;
    snprintf(e->dir, sizeof(e->dir), "/tmp/dw-D-test-%ld", (long)getpid());
    snprintf(e->script, sizeof(e->script), "%s/../docker_env.sh", fixtures_dir());
    /*
     * The daemon is this program's, not the short shell's that starts it:
     * docker_env's watchdog waits for this pid (else it stops dockerd as
     * soon as the shell exits), and the machine-wide lock is held here, in
     * an fd the shell inherits (no O_CLOEXEC) and passes on as its own.
     */
    e->lock_fd = open("/tmp/dockward-dockerd.lock", O_WRONLY | O_CREAT, 0644);
    if (e->lock_fd < 0 || flock(e->lock_fd, LOCK_EX) != 0) {
        fprintf(stderr, "/tmp/dockward-dockerd.lock: %s\n", strerror(errno));
        if (e->lock_fd >= 0)
            close(e->lock_fd);
        free(e);
        return -1;
    }
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "DOCKER_ENV_OWNER_PID=%ld DOCKER_ENV_LOCK_FD=%d "
             "bash -c 'source %s; docker_env_start %s >/dev/null 2>&1; rc=$?; "
             "echo $DOCKER_ENV_PID > %s.pid; [ $rc = 0 ] || exit 1; set -e; "
             "docker_env_import_busybox; "
             "dk run -d --name web dw-busybox:1 sleep 100000 >/dev/null; "
             "dk create --name risky --privileged --cap-add SYS_ADMIN -v /etc:/etc:ro "
             "-p 127.0.0.1:8080:80 --restart on-failure:10 --pids-limit 100 "
             "-e DB_PASSWORD=hunter2 --security-opt no-new-privileges:false "
             "--security-opt seccomp=unconfined --health-cmd true dw-busybox:1 sleep 1000 "
             ">/dev/null'",
             (long)getpid(), e->lock_fd, e->script, e->dir, e->dir);
    *state = e;
    if (run_quiet(cmd) != 0) {
        fprintf(stderr, "private dockerd did not come up or refused a container\n");
        dockerd_teardown(state); /* cmocka runs no teardown after a failed setup */
        return -1;
    }
    return 0;
}

static int dockerd_teardown(void **state)
{
    struct dockerd_env *e = *state;
    if (e == NULL)
        return 0;
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "bash -c 'source %s; DOCKER_ENV_DIR=%s; DOCKER_ENV_SOCK=%s/docker.sock; "
             "DOCKER_ENV_PID=$(cat %s.pid 2>/dev/null); docker_env_stop; rm -f %s.pid' "
             ">/dev/null 2>&1",
             e->script, e->dir, e->dir, e->dir, e->dir);
    run_quiet(cmd);
    close(e->lock_fd);
    free(e);
    return 0;
}

static void test_sweep_real_dockerd(void **state)
{
    struct dockerd_env *e = *state;
    if (e == NULL)
        skip();
    char host[128], err[256] = "";
    snprintf(host, sizeof(host), "unix://%s/docker.sock", e->dir);
    struct docker_client_options o = { .host = host };
    struct docker_client *c = docker_client_new(&o, err, sizeof(err));
    assert_non_null(c);
    struct docker_sweep s;
    sweep_ok(c, &s);
    assert_int_equal(s.version.invalid, 0);
    assert_int_equal(s.info.invalid, 0);
    assert_string_equal(s.api_version, "1.41"); /* dockerd 20.10 */
    assert_string_equal(s.info.driver, "vfs");
    assert_string_equal(s.info.swarm_state, "inactive");
    assert_int_equal(s.info.containers, 2);
    assert_int_equal(s.n_containers, 2);
    assert_int_equal(s.n_images, 1);
    assert_int_equal(s.item_failures, 0);
    assert_int_equal(s.requests, 6 + 2 + 2 * 1);

    const struct docker_container *web = find_container(&s, "web");
    assert_int_equal(web->invalid, 0);
    assert_string_equal(web->state, "running");
    assert_true(web->running);
    assert_true(web->pid > 0);
    assert_false(web->privileged);
    assert_false(web->pids_limit_set);
    assert_string_equal(web->restart_policy, "no");
    assert_string_equal(web->image, "dw-busybox:1");

    const struct docker_container *risky = find_container(&s, "risky");
    assert_int_equal(risky->invalid, 0);
    assert_string_equal(risky->state, "created");
    assert_false(risky->running);
    assert_int_equal(risky->pid, 0);
    assert_true(risky->privileged);
    assert_true(list_has(&risky->cap_add, "CAP_SYS_ADMIN") ||
                list_has(&risky->cap_add, "SYS_ADMIN"));
    assert_true(list_has(&risky->security_opt, "no-new-privileges:false"));
    assert_true(list_has(&risky->security_opt, "seccomp=unconfined"));
    assert_true(list_has(&risky->env_names, "DB_PASSWORD"));
    assert_no_secret(&s, "hunter2");
    assert_int_equal(risky->n_mounts, 1);
    expect_mount(&risky->mounts[0], "bind", "/etc", "/etc", "rprivate", false);
    assert_int_equal(risky->n_ports, 1);
    expect_port(&risky->ports[0], "80/tcp", "127.0.0.1", 8080);
    assert_string_equal(risky->restart_policy, "on-failure");
    assert_int_equal(risky->restart_max_retries, 10);
    assert_true(risky->pids_limit_set);
    assert_int_equal(risky->pids_limit, 100);
    assert_false(risky->has_health); /* never started: no State.Health yet */
    assert_true(list_has(&risky->networks, "bridge"));

    assert_string_equal(s.images[0].repo_tags.items[0], "dw-busybox:1");
    assert_int_equal(s.images[0].containers_using, 2);
    assert_int_equal(s.images[0].invalid, 0);
    bool bridge = false;
    for (size_t i = 0; i < s.n_networks; i++)
        bridge |= strcmp(s.networks[i].name, "bridge") == 0;
    assert_true(bridge);
    docker_sweep_free(&s);
    docker_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiate_picks_lower_version),
        cmocka_unit_test(test_negotiated_prefix_on_later_requests),
        cmocka_unit_test(test_refuses_other_methods_and_sends_nothing),
        cmocka_unit_test(test_http_errors_carry_status),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_body_over_cap),
        cmocka_unit_test(test_body_at_cap_and_caller_cap),
        cmocka_unit_test(test_stalling_server_times_out),
        cmocka_unit_test(test_connect_errors),
        cmocka_unit_test(test_bad_hosts),
        cmocka_unit_test(test_keep_alive_one_connection),
        cmocka_unit_test(test_tcp_plain_http),
        cmocka_unit_test_setup_teardown(test_tls_verifies_peer_and_sends_client_cert, tls_setup,
                                        tls_teardown),
        cmocka_unit_test(test_tls_is_used_on_the_wire),
        cmocka_unit_test_setup_teardown(test_sweep_recorded, recorded_setup, recorded_teardown),
        cmocka_unit_test_setup_teardown(test_sweep_item_gone_and_list_failures, recorded_setup,
                                        recorded_teardown),
        cmocka_unit_test_setup_teardown(test_sweep_stall_is_fatal_once, recorded_setup,
                                        recorded_teardown),
        cmocka_unit_test_setup_teardown(test_sweep_real_dockerd, dockerd_setup, dockerd_teardown),
    };
    return cmocka_run_group_tests(tests, global_setup, global_teardown);
}
