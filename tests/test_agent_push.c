/*
 * test_agent_push.c - the push thread against a fake dockward-store run by
 * this test (libmicrohttpd through common/httpd.h, in its own threads) that
 * answers a scripted list of statuses and records every request:
 *
 *   200 deletes (stored / duplicate / stale counted from the body);
 *   500 then 200 retries and delivers, oldest first, in sequence order;
 *   400 and 413 drop (counted, logged with the status and the store's text);
 *   401 and 403 keep the report and retry it (counted "unauthorized");
 *   429 retries (after Retry-After, within the cap); a wake during a
 *   backoff does not cut it short; connection refused retries, then
 *   delivers once the store is up; a store that never answers does not
 *   hold up push_stop.
 *
 * Every request must carry "Authorization: Bearer <token>", the protobuf
 * content type and a gzip body that decodes to the report that was queued.
 * stderr (where the log goes) is captured in a file for each test, and the
 * token must never appear in it. Backoff is shortened through the
 * test-only fields of struct push_options. Also here: the scheduler's part
 * (no machine id: no report, logged once, counted; with one: queued and
 * delivered), the token file and URL rules, the --push.* flags, and the
 * report metrics as rendered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collectors/registry.h"
#include "common/expo.h"
#include "common/httpd.h"
#include "daemon/agent.h"
#include "daemon/push.h"
#include "daemon/scheduler.h"
#include "daemon/snapshot.h"
#include "tests/agent_harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dockward/v1/report.pb-c.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TOKEN        "tok-7f3a9c1e5b-SECRET"
#define TOKEN2       "tok-second-84d2e1-SECRET"
#define MAX_REQUESTS 64
#define MAX_SCRIPT   16

static const char evidence_exact[] = "env DB_PASSWORD is set (value not shown); caf\xc3\xa9 \"q\"";

/* ---- the fake store ---------------------------------------------------- */

struct answer {
    unsigned status;
    const char *json; /* body; NULL = a default for the status */
};

struct seen {
    unsigned status; /* what we answered */
    uint64_t sequence;
    uint8_t report_id[REPORT_ID_LEN];
    char evidence[256]; /* of the first result */
    char auth[128];
    char content_type[64];
    char content_encoding[32];
    bool decoded;
};

struct fake_store {
    struct httpd *httpd;
    char address[64];
    char url[128];
    pthread_mutex_t lock;
    struct answer script[MAX_SCRIPT]; /* answered in order; then 200 stored */
    size_t n_script, next;
    struct seen seen[MAX_REQUESTS];
    size_t n_seen;
};

struct fake_req {
    struct buf body;
};

static void copy_header(struct MHD_Connection *conn, const char *name, char *out, size_t outlen)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
    snprintf(out, outlen, "%s", v ? v : "");
}

static enum MHD_Result fake_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **req_cls)
{
    struct fake_store *fs = cls;
    struct fake_req *r = *req_cls;
    if (r == NULL) {
        r = calloc(1, sizeof(*r));
        if (r == NULL)
            return MHD_NO;
        buf_init(&r->body, 32u * 1024 * 1024);
        *req_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        (void)buf_append(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    struct seen s;
    memset(&s, 0, sizeof(s));
    copy_header(conn, "Authorization", s.auth, sizeof(s.auth));
    copy_header(conn, "Content-Type", s.content_type, sizeof(s.content_type));
    copy_header(conn, "Content-Encoding", s.content_encoding, sizeof(s.content_encoding));
    struct buf plain;
    buf_init(&plain, 32u * 1024 * 1024);
    if (strcmp(method, "POST") == 0 && strcmp(url, "/api/v1/reports") == 0 &&
        gzip_decompress(r->body.data ? r->body.data : "", r->body.len, &plain) == 0) {
        Dockward__V1__Report *rep =
            dockward__v1__report__unpack(NULL, plain.len, (const uint8_t *)plain.data);
        if (rep != NULL) {
            s.decoded = true;
            s.sequence = rep->sequence;
            if (rep->report_id.len == REPORT_ID_LEN)
                memcpy(s.report_id, rep->report_id.data, REPORT_ID_LEN);
            if (rep->n_results > 0)
                snprintf(s.evidence, sizeof(s.evidence), "%s", rep->results[0]->evidence);
            dockward__v1__report__free_unpacked(rep, NULL);
        }
    }
    buf_free(&plain);

    pthread_mutex_lock(&fs->lock);
    struct answer a = { 200, NULL };
    if (fs->next < fs->n_script)
        a = fs->script[fs->next++];
    s.status = a.status;
    if (fs->n_seen < MAX_REQUESTS)
        fs->seen[fs->n_seen++] = s;
    pthread_mutex_unlock(&fs->lock);

    char body[256];
    if (a.json != NULL)
        snprintf(body, sizeof(body), "%s", a.json);
    else if (a.status >= 200 && a.status < 300)
        snprintf(body, sizeof(body), "{\"status\":\"stored\"}");
    else
        snprintf(body, sizeof(body), "{\"error\":\"scripted %u\"}", a.status);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (a.status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    if (a.status == 429)
        MHD_add_response_header(resp, "Retry-After", "1");
    enum MHD_Result ret = MHD_queue_response(conn, a.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void fake_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                           enum MHD_RequestTerminationCode toe)
{
    struct fake_req *r = *req_cls;
    if (r != NULL) {
        buf_free(&r->body);
        free(r);
        *req_cls = NULL;
    }
}

/* Starts the store on `listen` ("127.0.0.1:0" or a fixed port). */
static void fake_start(struct fake_store *fs, const char *listen, const struct answer *script,
                       size_t n)
{
    memset(fs, 0, sizeof(*fs));
    pthread_mutex_init(&fs->lock, NULL);
    assert_true(n <= MAX_SCRIPT);
    for (size_t i = 0; i < n; i++)
        fs->script[i] = script[i];
    fs->n_script = n;
    struct httpd_options o = { .listen_address = listen, .completed = fake_completed };
    char err[256];
    fs->httpd = httpd_start(&o, fake_handler, fs, err, sizeof(err));
    if (fs->httpd == NULL)
        fail_msg("fake store: %s", err);
    snprintf(fs->address, sizeof(fs->address), "%s", httpd_bound_address(fs->httpd));
    snprintf(fs->url, sizeof(fs->url), "http://%s/api/v1/reports", fs->address);
}

static void fake_stop(struct fake_store *fs)
{
    httpd_stop(fs->httpd);
    fs->httpd = NULL;
    pthread_mutex_destroy(&fs->lock);
}

static size_t fake_seen(struct fake_store *fs, struct seen *out, size_t max)
{
    pthread_mutex_lock(&fs->lock);
    size_t n = fs->n_seen < max ? fs->n_seen : max;
    if (out != NULL)
        memcpy(out, fs->seen, n * sizeof(*out));
    pthread_mutex_unlock(&fs->lock);
    return n;
}

/* ---- the agent side: a temp dir with a token file and an outbox -------- */

struct push_script; /* below: a scripted push and what must follow */

struct env {
    char dir[64];
    char token_file[128];
    char storage[128];
    char log_path[128];
    int saved_stderr;
    struct outbox *ob;
    struct collection col;
    uint8_t ids[MAX_REQUESTS][REPORT_ID_LEN]; /* report ids built, by sequence */
    const struct push_script *script;         /* test_push_script's row; NULL in other tests */
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    e->script = *state; /* the test's initial state: a push_scripts row, or NULL */
    snprintf(e->dir, sizeof(e->dir), "/tmp/dockward-push-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->token_file, sizeof(e->token_file), "%s/token", e->dir);
    snprintf(e->storage, sizeof(e->storage), "%s/storage", e->dir);
    snprintf(e->log_path, sizeof(e->log_path), "%s/stderr.log", e->dir);
    write_file(e->token_file, TOKEN "\n");
    char err[256];
    e->ob = outbox_new(e->storage, 1000, err, sizeof(err));
    if (e->ob != NULL)
        outbox_set_first_sequence(e->ob, 1); /* sequences from 1, not the clock */
    assert_non_null(e->ob);

    /* One collection: the host collector with one result whose evidence must round-trip. */
    collection_init(&e->col);
    e->col.done = true;
    struct result_sink sink;
    struct collector_run *run = agent_run(&e->col, 0, "host", true, &sink);
    run->finished_at = 1700000000.0;
    assert_int_equal(
        sink_add(&sink, run->collector->checks[0].id, "host", CHECK_FAIL, "%s", evidence_exact), 0);

    /* The log goes to fd 2 with write(2): capture it. */
    fflush(stderr);
    e->saved_stderr = dup(2);
    int fd = open(e->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    dup2(fd, 2);
    close(fd);
    *state = e;
    return 0;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return strdup("");
    char *data = calloc(1, 1 << 20);
    size_t n = fread(data, 1, (1 << 20) - 1, f);
    data[n] = '\0';
    fclose(f);
    return data;
}

static int teardown(void **state)
{
    struct env *e = *state;
    dup2(e->saved_stderr, 2);
    close(e->saved_stderr);
    char *log = read_all(e->log_path);
    if (log[0] != '\0')
        printf("captured log:\n%s", log);
    free(log);
    outbox_close(e->ob);
    collection_free(&e->col);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
    assert_int_equal(system(cmd), 0);
    free(e);
    return 0;
}

static bool log_contains(struct env *e, const char *needle)
{
    char *log = read_all(e->log_path);
    bool found = strstr(log, needle) != NULL;
    free(log);
    return found;
}

static void assert_token_not_logged(struct env *e)
{
    assert_false(log_contains(e, TOKEN));
    assert_false(log_contains(e, TOKEN2));
    assert_false(log_contains(e, "tok-"));
}

static int build_cb(void *ctx, uint64_t seq, uint8_t rid[REPORT_ID_LEN], uint8_t **body,
                    size_t *len, char *err, size_t errlen)
{
    struct env *e = ctx;
    struct report_identity id = { .host_id = "0123456789abcdef", .hostname = "web-01" };
    if (report_new_id(rid, err, errlen) != 0)
        return -1;
    if (seq < MAX_REQUESTS)
        memcpy(e->ids[seq], rid, REPORT_ID_LEN);
    return report_build(&e->col, &id, seq, rid, body, len, err, errlen);
}

static void enqueue_n(struct env *e, int n)
{
    char err[512];
    for (int i = 0; i < n; i++)
        if (outbox_enqueue(e->ob, "0123456789abcdef", build_cb, e, NULL, err, sizeof(err)) != 0)
            fail_msg("enqueue: %s", err);
}

static struct push *start_push(struct env *e, const char *url)
{
    struct push_options o = { .url = url,
                              .token_file = e->token_file,
                              .backoff_base_ms = 20,
                              .backoff_cap_ms = 100,
                              .connect_timeout_ms = 1000,
                              .total_timeout_ms = 5000 };
    char err[512];
    struct push *p = push_start(&o, e->ob, err, sizeof(err));
    if (p == NULL)
        fail_msg("push_start: %s", err);
    return p;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static uint64_t queued(struct env *e)
{
    struct outbox_stats s;
    outbox_stats_read(e->ob, &s);
    return s.reports;
}

/* Waits up to 10 s for the outbox to hold `n` reports and the store to have seen `requests`. */
static void wait_for(struct env *e, struct fake_store *fs, uint64_t n, size_t requests)
{
    double end = now_s() + 10;
    while (now_s() < end) {
        if (queued(e) == n && (fs == NULL || fake_seen(fs, NULL, MAX_REQUESTS) >= requests))
            return;
        sleep_ms(5);
    }
    fail_msg("timed out: %llu queued (want %llu), %zu requests (want %zu)",
             (unsigned long long)queued(e), (unsigned long long)n,
             fs ? fake_seen(fs, NULL, MAX_REQUESTS) : 0, requests);
}

/*
 * Serves `script` (n answers, then 200s), queues `reports` reports and pushes
 * until the outbox is empty and the store has seen `requests` requests, then
 * stops the push thread: *st its counters, seen what the store saw (asserted
 * to be exactly `requests`). The caller stops fs.
 */
static void push_through(struct env *e, struct fake_store *fs, const struct answer *script,
                         size_t n, int reports, size_t requests, struct push_stats *st,
                         struct seen *seen)
{
    fake_start(fs, "127.0.0.1:0", script, n);
    enqueue_n(e, reports);
    struct push *p = start_push(e, fs->url);
    wait_for(e, fs, 0, requests);
    push_stats_read(p, st);
    push_stop(p);
    assert_int_equal(fake_seen(fs, seen, MAX_REQUESTS), requests);
}

static void expect_request(struct env *e, const struct seen *s, uint64_t seq, unsigned status)
{
    assert_true(s->decoded);
    assert_int_equal(s->sequence, seq);
    assert_int_equal(s->status, status);
    assert_memory_equal(s->report_id, e->ids[seq], REPORT_ID_LEN);
    assert_string_equal(s->evidence, evidence_exact);
    assert_string_equal(s->auth, "Bearer " TOKEN);
    assert_string_equal(s->content_type, "application/x-protobuf");
    assert_string_equal(s->content_encoding, "gzip");
}

/* ---- tests -------------------------------------------------------------- */

static void test_200_delivers_oldest_first_and_deletes(void **state)
{
    struct env *e = *state;
    struct fake_store fs;
    static const struct answer script[] = { { 200, "{\"status\":\"stored\"}" },
                                            { 200, "{\"status\":\"duplicate\"}" },
                                            { 201, "{\"status\":\"stale\"}" } };
    fake_start(&fs, "127.0.0.1:0", script, 3);
    enqueue_n(e, 3); /* queued before the thread starts: drained at once */
    struct push *p = start_push(e, fs.url);
    wait_for(e, &fs, 0, 3);
    enqueue_n(e, 1); /* woken by push_wake */
    push_wake(p);
    wait_for(e, &fs, 0, 4);

    struct push_stats st;
    push_stats_read(p, &st);
    push_stop(p);
    struct seen seen[MAX_REQUESTS];
    assert_int_equal(fake_seen(&fs, seen, MAX_REQUESTS), 4);
    for (int i = 0; i < 4; i++)
        expect_request(e, &seen[i], (uint64_t)i + 1, i < 3 ? script[i].status : 200);
    assert_int_equal(st.results[PUSH_STORED], 2);
    assert_int_equal(st.results[PUSH_DUPLICATE], 1);
    assert_int_equal(st.results[PUSH_STALE], 1);
    assert_int_equal(st.results[PUSH_RETRY], 0);
    assert_int_equal(st.results[PUSH_REJECTED], 0);
    assert_true(st.last_success > 1600000000.0);
    uint64_t n = 99;
    char err[256];
    assert_int_equal(outbox_count(e->ob, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);
    fake_stop(&fs);
    assert_token_not_logged(e);
}

/*
 * A script the store answers (then 200s), the reports queued before the push
 * thread starts, and what must follow: the store sees exactly `requests`
 * requests, each for its sequence and answered by the script; the push
 * counters and the outbox's drops are exactly these; the log holds each line
 * of `logged` and never the token. test_push_script runs one row, in an
 * environment of its own.
 */
struct push_script {
    const char *name;
    struct answer answers[6];
    size_t n;
    int reports;
    size_t requests;
    uint64_t seqs[6];
    uint64_t results[PUSH_RESULT_COUNT];
    uint64_t rejected; /* outbox drops for a rejection; none for overflow */
    const char *logged[4];
};

static const struct push_script push_scripts[] = {
    /* The oldest is retried until delivered; the newer one waits behind it. */
    { "test_500_then_200_retries_in_order",
      { { 500, NULL }, { 503, NULL } },
      2,
      2,
      4,
      { 1, 1, 1, 2 },
      { [PUSH_RETRY] = 2, [PUSH_STORED] = 2 },
      0,
      { "cannot deliver report (sequence 1) to the store: HTTP 500: scripted 500; retrying in",
        "store reachable again" } },
    /*
     * 400 and 413 are reports the store can never accept: dropped and counted.
     * 401 and 403 are credentials it does not accept now (issue 18 #1: basic
     * auth on the store's ingest, a wrong token fixed later by SIGHUP): the
     * report is kept and sent again after the backoff, counted "unauthorized".
     * Report 2 is sent until accepted. The rejection is logged with the
     * status and the store's words; the 401 as kept.
     */
    { "test_400_drops_401_and_403_keep_the_report",
      { { 400, "{\"error\":\"host_id is not valid\"}" },
        { 401, NULL },
        { 403, "{\"error\":\"host bound to another credential\"}" },
        { 200, NULL },
        { 413, NULL },
        { 200, NULL } },
      6,
      4,
      6,
      { 1, 2, 2, 2, 3, 4 },
      { [PUSH_REJECTED] = 2, [PUSH_UNAUTHORIZED] = 2, [PUSH_STORED] = 2 },
      2,
      { "the store rejected report", "(sequence 1) with HTTP 400: host_id is not valid; dropped",
        "HTTP 401", "the report is kept" } },
    /* Retry-After: 1 wins over the jitter, within the (test) cap of 100 ms. */
    { "test_429_retries",
      { { 429, "{\"error\":\"ingest queue full\"}" } },
      1,
      1,
      2,
      { 1, 1 },
      { [PUSH_RETRY] = 1, [PUSH_STORED] = 1 },
      0,
      { "HTTP 429: ingest queue full; retrying in 0.1s" } },
};

static void test_push_script(void **state)
{
    struct env *e = *state;
    const struct push_script *c = e->script;
    struct fake_store fs;
    struct push_stats st;
    struct seen seen[MAX_REQUESTS];
    push_through(e, &fs, c->answers, c->n, c->reports, c->requests, &st, seen);
    for (size_t i = 0; i < c->requests; i++)
        expect_request(e, &seen[i], c->seqs[i], i < c->n ? c->answers[i].status : 200);
    for (int r = 0; r < PUSH_RESULT_COUNT; r++)
        assert_int_equal(st.results[r], c->results[r]);
    struct outbox_stats os;
    outbox_stats_read(e->ob, &os);
    assert_int_equal(os.dropped[OUTBOX_DROP_REJECTED], c->rejected);
    assert_int_equal(os.dropped[OUTBOX_DROP_OVERFLOW], 0);
    for (size_t k = 0; k < sizeof(c->logged) / sizeof(c->logged[0]) && c->logged[k] != NULL; k++)
        assert_true(log_contains(e, c->logged[k]));
    fake_stop(&fs);
    assert_token_not_logged(e);
}

static void test_wake_does_not_cut_a_backoff(void **state)
{
    struct env *e = *state;
    struct fake_store fs;
    static const struct answer script[] = { { 429, NULL } };
    fake_start(&fs, "127.0.0.1:0", script, 1);
    enqueue_n(e, 1);
    /* Retry-After: 1 capped at 600 ms: the backoff is exactly 600 ms, no jitter below it. */
    struct push_options o = {
        .url = fs.url, .token_file = e->token_file, .backoff_base_ms = 20, .backoff_cap_ms = 600
    };
    char err[256];
    double t0 = now_s();
    struct push *p = push_start(&o, e->ob, err, sizeof(err));
    assert_non_null(p);
    while (fake_seen(&fs, NULL, MAX_REQUESTS) < 1 && now_s() < t0 + 5)
        sleep_ms(2);
    double first = now_s();
    enqueue_n(e, 1);
    push_wake(p); /* a collection queued a report during the backoff */
    sleep_ms(300);
    size_t seen_now = fake_seen(&fs, NULL, MAX_REQUESTS);
    if (now_s() - first < 0.55) /* (a loaded machine may oversleep; then say nothing) */
        assert_int_equal(seen_now, 1);
    wait_for(e, &fs, 0, 3);
    double took = now_s() - t0;
    push_stop(p);
    struct seen seen[MAX_REQUESTS];
    assert_int_equal(fake_seen(&fs, seen, MAX_REQUESTS), 3);
    expect_request(e, &seen[0], 1, 429);
    expect_request(e, &seen[1], 1, 200);
    expect_request(e, &seen[2], 2, 200);
    if (took < 0.55)
        fail_msg("delivered after %.3fs, before the 600 ms backoff", took);
    fake_stop(&fs);
    assert_token_not_logged(e);
}

static void test_connection_refused_retries_then_delivers(void **state)
{
    struct env *e = *state;
    /* Find a free port, then leave it closed. */
    struct fake_store fs;
    fake_start(&fs, "127.0.0.1:0", NULL, 0);
    char address[64], url[128];
    snprintf(address, sizeof(address), "%s", fs.address);
    snprintf(url, sizeof(url), "%s", fs.url);
    fake_stop(&fs);

    enqueue_n(e, 2);
    struct push *p = start_push(e, url);
    double end = now_s() + 10;
    struct push_stats st;
    do {
        sleep_ms(10);
        push_stats_read(p, &st);
    } while (st.results[PUSH_RETRY] < 3 && now_s() < end);
    assert_true(st.results[PUSH_RETRY] >= 3);
    assert_int_equal(queued(e), 2);
    assert_true(log_contains(e, "cannot deliver report (sequence 1) to the store"));

    fake_start(&fs, address, NULL, 0); /* the store comes up on that port */
    wait_for(e, &fs, 0, 2);
    push_stats_read(p, &st);
    push_stop(p);
    struct seen seen[MAX_REQUESTS];
    assert_int_equal(fake_seen(&fs, seen, MAX_REQUESTS), 2);
    expect_request(e, &seen[0], 1, 200);
    expect_request(e, &seen[1], 2, 200);
    assert_int_equal(st.results[PUSH_STORED], 2);
    fake_stop(&fs);
    assert_token_not_logged(e);
}

static void test_stop_is_prompt_with_a_silent_store(void **state)
{
    struct env *e = *state;
    /* A listener that accepts (in the kernel's backlog) and never answers. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 8), 0);
    socklen_t sl = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/v1/reports", ntohs(sa.sin_port));

    enqueue_n(e, 1);
    struct push_options o = { .url = url, .token_file = e->token_file }; /* 30 s timeout */
    char err[256];
    struct push *p = push_start(&o, e->ob, err, sizeof(err));
    assert_non_null(p);
    sleep_ms(300); /* the request is in flight, waiting for an answer */
    double t0 = now_s();
    push_stop(p);
    double took = now_s() - t0;
    close(fd);
    if (took > 2.5)
        fail_msg("push_stop took %.2fs", took);
    assert_int_equal(queued(e), 1); /* still queued for the next start */
    assert_token_not_logged(e);
}

static void test_token_reload(void **state)
{
    struct env *e = *state;
    struct fake_store fs;
    fake_start(&fs, "127.0.0.1:0", NULL, 0);
    enqueue_n(e, 1);
    struct push *p = start_push(e, fs.url);
    wait_for(e, &fs, 0, 1);

    char err[512];
    write_file(e->token_file, "\n"); /* broken: the old token stays */
    assert_int_equal(push_reload_token(p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "is empty"));
    enqueue_n(e, 1);
    push_wake(p);
    wait_for(e, &fs, 0, 2);

    write_file(e->token_file, TOKEN2 "\r\n");
    assert_int_equal(push_reload_token(p, err, sizeof(err)), 0);
    enqueue_n(e, 1);
    push_wake(p);
    wait_for(e, &fs, 0, 3);
    push_stop(p);

    struct seen seen[MAX_REQUESTS];
    assert_int_equal(fake_seen(&fs, seen, MAX_REQUESTS), 3);
    assert_string_equal(seen[0].auth, "Bearer " TOKEN);
    assert_string_equal(seen[1].auth, "Bearer " TOKEN);
    assert_string_equal(seen[2].auth, "Bearer " TOKEN2);
    fake_stop(&fs);
    assert_token_not_logged(e);
}

struct token_case {
    const char *content; /* NULL: no file */
    const char *want;    /* NULL: must fail */
    const char *want_err;
};

static void test_token_file_rules(void **state)
{
    struct env *e = *state;
    static const struct token_case cases[] = {
        { "abc\n", "abc", NULL },
        { "abc\r\n\n", "abc", NULL },
        { "abc", "abc", NULL },
        { "a.b-c_d~e+f/g=", "a.b-c_d~e+f/g=", NULL },
        { NULL, NULL, "cannot read the token file" },
        { "", NULL, "is empty" },
        { " \n", NULL, "is empty" },
        { "tok-with space\n", NULL, "cannot go in an HTTP header" },
        { "tok-line1\ntok-line2\n", NULL, "cannot go in an HTTP header" },
        { "tok-\x01\n", NULL, "cannot go in an HTTP header" },
    };
    char path[160];
    snprintf(path, sizeof(path), "%s/tokcase", e->dir);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unlink(path);
        if (cases[i].content != NULL)
            write_file(path, cases[i].content);
        char out[PUSH_TOKEN_MAX + 1], err[512] = "";
        int rc = push_read_token(path, out, sizeof(out), err, sizeof(err));
        if (cases[i].want != NULL) {
            if (rc != 0)
                fail_msg("case %zu: %s", i, err);
            assert_string_equal(out, cases[i].want);
        } else {
            assert_int_equal(rc, -1);
            if (strstr(err, cases[i].want_err) == NULL)
                fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].want_err);
            assert_null(strstr(err, "tok-")); /* never quotes the token */
            assert_non_null(strstr(err, path));
        }
    }
    /* Too long. */
    char *big = malloc(PUSH_TOKEN_MAX + 2);
    memset(big, 'x', PUSH_TOKEN_MAX + 1);
    big[PUSH_TOKEN_MAX + 1] = '\0';
    write_file(path, big);
    free(big);
    char out[PUSH_TOKEN_MAX + 1], err[512];
    assert_int_equal(push_read_token(path, out, sizeof(out), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "longer than 4096 bytes"));
    /* A directory. */
    assert_int_equal(push_read_token(e->dir, out, sizeof(out), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a regular file"));
}

static void test_url_rules(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(push_validate_url("http://127.0.0.1:10311/api/v1/reports", err, sizeof(err)),
                     0);
    assert_int_equal(
        push_validate_url("https://store.example:10311/api/v1/reports", err, sizeof(err)), 0);
    assert_int_equal(push_validate_url("https://[::1]:10311/x", err, sizeof(err)), 0);
    assert_int_equal(push_validate_url("ftp://x/", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "want an http:// or https:// URL"));
    assert_int_equal(push_validate_url("http:///path", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no host"));
    assert_int_equal(push_validate_url("https://user:pw@store/x", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "credentials do not go in the URL"));
    assert_null(strstr(err, "pw"));
    assert_int_equal(push_validate_url("http://store/a b", err, sizeof(err)), -1);
    /* '@' after the authority is only a path. */
    assert_int_equal(push_validate_url("http://store/a@b", err, sizeof(err)), 0);
}

static struct agent_cli cli;

static int parse(char *err, size_t errlen, const char *a1, const char *a2, const char *a3,
                 const char *a4)
{
    char *argv[6] = { "dockward" };
    int argc = 1;
    const char *args[] = { a1, a2, a3, a4 };
    for (int i = 0; i < 4 && args[i] != NULL; i++)
        argv[argc++] = (char *)args[i];
    err[0] = '\0';
    return agent_cli_parse(&cli, AGENT_MODE_DAEMON, argc, argv, 1, err, errlen);
}

static void test_push_flags(void **state)
{
    struct env *e = *state;
    char err[512], tf[160], url_arg[] = "--push.url=https://store:10311/api/v1/reports";
    snprintf(tf, sizeof(tf), "--push.token-file=%s", e->token_file);

    assert_int_equal(parse(err, sizeof(err), NULL, NULL, NULL, NULL), 0);
    assert_null(cli.cfg.push_url);
    assert_string_equal(cli.cfg.storage_path, "/var/lib/dockward");
    assert_int_equal(cli.cfg.outbox_max_reports, 10000);

    assert_int_equal(parse(err, sizeof(err), url_arg, tf, "--storage.path=/srv/dw",
                           "--push.outbox-max-reports=5"),
                     0);
    assert_string_equal(cli.cfg.push_url, "https://store:10311/api/v1/reports");
    assert_string_equal(cli.cfg.push_token_file, e->token_file);
    assert_string_equal(cli.cfg.storage_path, "/srv/dw");
    assert_int_equal(cli.cfg.outbox_max_reports, 5);

    char missing[192];
    snprintf(missing, sizeof(missing), "--push.token-file=%s/nope", e->dir);
    struct {
        const char *a[4];
        const char *want;
    } bad[] = {
        { { "--push.url=ftp://x/" }, "invalid value for --push.url: want an http:// or https://" },
        { { "--push.url=https://u:tok-pw@x/" }, "credentials do not go in the URL" },
        { { url_arg }, "--push.url needs --push.token-file" },
        { { url_arg, missing }, "invalid value for --push.token-file: cannot read" },
        { { tf }, "need --push.url" },
        { { url_arg, tf, "--push.tls-cert=/c.pem" }, "--push.tls-cert and --push.tls-key go" },
        { { "--push.url=http://x/", tf, "--push.tls-ca=/ca.pem" }, "need an https://" },
        { { "--push.outbox-max-reports=0" }, "--push.outbox-max-reports" },
        { { "--push.outbox-max-reports=1000001" }, "--push.outbox-max-reports" },
        { { "--storage.path=relative" }, "--storage.path" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(err, sizeof(err), bad[i].a[0], bad[i].a[1], bad[i].a[2], bad[i].a[3]);
        if (rc != -1 || strstr(err, bad[i].want) == NULL)
            fail_msg("case %zu: rc %d, error \"%s\" lacks \"%s\"", i, rc, err, bad[i].want);
        assert_null(strchr(err, '\n'));
        assert_null(strstr(err, "tok-"));
    }
    /* The token file's content is checked at parse time too. */
    write_file(e->token_file, "\n");
    assert_int_equal(parse(err, sizeof(err), url_arg, tf, NULL, NULL), -1);
    assert_non_null(strstr(err, "is empty"));
}

/* The text body of the slot's current snapshot (a copy; free it). */
static char *current_metrics(struct snapshot_slot *slot)
{
    struct snapshot *snap = snapshot_slot_acquire(slot);
    assert_non_null(snap);
    char *text = strndup(snap->body[EXPO_TEXT][0].data, snap->body[EXPO_TEXT][0].len);
    snapshot_unref(snap);
    return text;
}

static void test_scheduler_queues_and_wakes(void **state)
{
    struct env *e = *state;
    struct fake_store fs;
    fake_start(&fs, "127.0.0.1:0", NULL, 0);
    char root[128], path[192], rootarg[160], err[512];
    snprintf(root, sizeof(root), "%s/root", e->dir);
    snprintf(path, sizeof(path), "%s/etc", root);
    assert_int_equal(mkdir(root, 0755), 0);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(rootarg, sizeof(rootarg), "--path.rootfs=%s", root);
    char *argv[] = { "dockward", rootarg, "--collector.disable-defaults", "--collector.host",
                     NULL };
    assert_int_equal(agent_cli_parse(&cli, AGENT_MODE_DAEMON, 4, argv, 1, err, sizeof(err)), 0);

    struct snapshot_slot slot;
    snapshot_slot_init(&slot);
    struct push *p = start_push(e, fs.url);
    struct scheduler sched;
    memset(&sched, 0, sizeof(sched));
    sched.cfg = &cli.cfg;
    sched.slot = &slot;
    sched.outbox = e->ob;
    sched.push = p;
    sched.report_limiter.every_s = 600;

    /* No /etc/machine-id: no report, logged once, counted each time. */
    assert_int_equal(scheduler_collect_once(&sched), 0);
    assert_int_equal(scheduler_collect_once(&sched), 0);
    assert_int_equal(sched.report_errors[REPORT_ERROR_HOST_ID], 2);
    char *m = current_metrics(&slot);
    assert_non_null(strstr(m, "dockward_report_errors_total{reason=\"host_id\"} 2\n"));
    assert_non_null(strstr(m, "dockward_report_sequence 0\n"));
    free(m);
    char *log = read_all(e->log_path);
    char *first = strstr(log, "no host id: /etc/machine-id does not exist");
    assert_non_null(first);
    assert_null(strstr(first + 1, "no host id"));
    free(log);
    assert_int_equal(fake_seen(&fs, NULL, MAX_REQUESTS), 0);

    /* With one: queued, the push thread woken, delivered. */
    snprintf(path, sizeof(path), "%s/etc/machine-id", root);
    write_file(path, "feedc0de\n");
    assert_int_equal(scheduler_collect_once(&sched), 0);
    assert_true(log_contains(e, "host id found in /etc/machine-id: reports resume"));
    wait_for(e, &fs, 0, 1);
    assert_int_equal(scheduler_collect_once(&sched), 0);
    wait_for(e, &fs, 0, 2);
    m = current_metrics(&slot);
    assert_non_null(strstr(m, "dockward_report_sequence 2\n"));
    free(m);
    push_stop(p);
    struct seen seen[MAX_REQUESTS];
    assert_int_equal(fake_seen(&fs, seen, MAX_REQUESTS), 2);
    assert_int_equal(seen[0].sequence, 1);
    assert_int_equal(seen[1].sequence, 2);
    assert_true(seen[0].decoded);
    assert_string_equal(seen[0].auth, "Bearer " TOKEN);
    snapshot_slot_destroy(&slot);
    fake_stop(&fs);
    assert_token_not_logged(e);
}

static void test_metrics_rendered(void **state)
{
    (void)state;
    struct report_metrics rm;
    memset(&rm, 0, sizeof(rm));
    rm.push[PUSH_STORED] = 7;
    rm.push[PUSH_RETRY] = 3;
    rm.push[PUSH_REJECTED] = 1;
    rm.last_success = 1700000000.5;
    rm.outbox_reports = 4;
    rm.dropped[OUTBOX_DROP_OVERFLOW] = 2;
    rm.sequence = 42;
    rm.errors[REPORT_ERROR_HOST_ID] = 5;
    struct agent_cli c;
    char *argv[] = { "dockward", NULL };
    char err[256];
    assert_int_equal(agent_cli_parse(&c, AGENT_MODE_DAEMON, 1, argv, 1, err, sizeof(err)), 0);
    struct collection col;
    collection_init(&col);
    struct expo *x = expo_new();
    assert_int_equal(agent_metrics_build(x, &c.cfg, &col, &rm), 0);
    struct buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(expo_render(x, EXPO_TEXT, &out, NULL), 0);
    static const char *const want[] = {
        "# TYPE dockward_report_push_total counter\n",
        "dockward_report_push_total{result=\"stored\"} 7\n",
        "dockward_report_push_total{result=\"duplicate\"} 0\n",
        "dockward_report_push_total{result=\"stale\"} 0\n",
        "dockward_report_push_total{result=\"retry\"} 3\n",
        "dockward_report_push_total{result=\"rejected\"} 1\n",
        "dockward_report_push_total{result=\"unauthorized\"} 0\n",
        "# TYPE dockward_outbox_reports gauge\n",
        "dockward_outbox_reports 4\n",
        "dockward_outbox_dropped_total{reason=\"overflow\"} 2\n",
        "dockward_outbox_dropped_total{reason=\"rejected\"} 0\n",
        "dockward_report_last_success_timestamp_seconds 1700000000.5\n",
        "dockward_report_sequence 42\n",
        "dockward_report_errors_total{reason=\"host_id\"} 5\n",
        "dockward_report_errors_total{reason=\"build\"} 0\n",
        "dockward_report_errors_total{reason=\"outbox\"} 0\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (strstr(out.data, want[i]) == NULL)
            fail_msg("missing: %s", want[i]);
    buf_free(&out);
    expo_free(x);

    /* Without --push.url, none of them. */
    x = expo_new();
    assert_int_equal(agent_metrics_build(x, &c.cfg, &col, NULL), 0);
    buf_init(&out, 1 << 20);
    assert_int_equal(expo_render(x, EXPO_TEXT, &out, NULL), 0);
    assert_null(strstr(out.data, "dockward_report_"));
    assert_null(strstr(out.data, "dockward_outbox_"));
    buf_free(&out);
    expo_free(x);
}

/* A test with its own environment (outbox, token, captured log), removed after it. */
#define TEST(test) cmocka_unit_test_setup_teardown(test, setup, teardown)
/* A row of push_scripts, by its name, in an environment of its own like TEST. */
#define SCRIPT(row)                                                                           \
    {                                                                                         \
        push_scripts[row].name, test_push_script, setup, teardown, (void *)&push_scripts[row] \
    }

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        TEST(test_200_delivers_oldest_first_and_deletes),
        SCRIPT(0),
        SCRIPT(1),
        SCRIPT(2),
        TEST(test_wake_does_not_cut_a_backoff),
        TEST(test_connection_refused_retries_then_delivers),
        TEST(test_stop_is_prompt_with_a_silent_store),
        TEST(test_token_reload),
        TEST(test_token_file_rules),
        cmocka_unit_test(test_url_rules),
        TEST(test_push_flags),
        TEST(test_scheduler_queues_and_wakes),
        cmocka_unit_test(test_metrics_rendered),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
