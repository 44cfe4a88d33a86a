/*
 * docker_client.c - the GET-only Docker Engine API client of docker.h.
 *
 * One libcurl easy handle per client, so the one connection it opens (unix
 * socket or TCP, TLS when a CA is given) is kept alive and reused by every
 * request of a sweep. The handle is configured once in docker_client_new():
 * HTTP/1.1, http/https only, no redirects, no proxies (the environment's
 * http_proxy must never see Docker traffic), signals off (we run in threads),
 * a connect timeout and a whole-request timeout (lowered to what is left
 * of the client's total budget, so one sweep of many requests is bounded as
 * a whole), and a body cap enforced
 * twice: by Content-Length before the body arrives (CURLOPT_MAXFILESIZE) and
 * by the write callback while it arrives (for chunked or unsized answers),
 * which aborts the transfer at the first byte over the cap.
 *
 * The method check is the first thing docker_client_request() does: only
 * "GET" ever reaches libcurl, because the socket is root-equivalent.
 *
 * Errors are one line and name the endpoint as the user gave it; a host
 * with credentials in it is refused up front, so no error can echo them, and
 * header values are never printed.
 *
 * A client is used by one thread at a time. curl_global_init() must have
 * run (docker_global_init) before the first client is made.
 */
#include "curlopt.h"
#include "docker.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#define DOCKER_PATH_MAX      2048 /* bytes of one request path */
#define ERROR_EXCERPT_MAX    160  /* bytes of a server's error message quoted in ours */
#define ERROR_BODY_PARSE_MAX 4096 /* error bodies up to this size are read as JSON */

struct docker_client {
    CURL *curl;
    struct curl_slist *headers;
    char *display;     /* the host as the user gave it (never holds credentials) */
    char *base_url;    /* "http://docker", "https://host:2376" */
    char *socket_path; /* unix:// only */
    long request_timeout_ms;
    long total_timeout_ms;   /* 0 = none; see docker_client_options */
    struct timespec created; /* CLOCK_MONOTONIC, start of the total budget */
    long timeout_ms;         /* of the request in progress */
    bool budget_bound;       /* that timeout is what was left of the budget */
    size_t body_max;
    char prefix[24];      /* "/v1.41" once negotiated, "" before */
    char api_version[16]; /* "1.41" once negotiated */
    char curl_err[CURL_ERROR_SIZE];
    long last_status; /* see docker_client_last_status() */
    /* State of the transfer in progress, read by on_body(). */
    struct buf *sink;
    size_t received;
    size_t cap; /* min(body_max, sink->max) */
    bool too_big;
    bool nomem;
    /* docker_client_stream() in progress (NULL otherwise), read by on_body/on_progress. */
    int (*stream_data)(void *arg, const char *data, size_t len);
    int (*stream_tick)(void *arg);
    void *stream_arg;
    bool stream_stopped;   /* a callback asked to stop */
    bool stream_no_answer; /* no status line within request_timeout_ms */
    struct timespec stream_started;
    struct buf *stream_error; /* a non-2xx answer's body, capped */
};

int docker_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

/* Replaces anything that is not printable ASCII, so an error stays one line. */
static void one_line(char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = ' ';
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* A host[:port] part of tcp://: letters, digits, '.', '-', ':', '[', ']', '_'. */
static bool plausible_authority(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (!isalnum((unsigned char)*s) && strchr(".-:[]_", *s) == NULL)
            return false;
    return true;
}

static int parse_host(struct docker_client *c, const struct docker_client_options *o, char *err,
                      size_t errlen)
{
    const char *h = o->host != NULL ? o->host : "unix:///var/run/docker.sock";
    bool tls = o->tls_ca != NULL && o->tls_ca[0] != '\0';
    bool client_cert = (o->tls_cert != NULL && o->tls_cert[0] != '\0') ||
                       (o->tls_key != NULL && o->tls_key[0] != '\0');
    if (strchr(h, '@') != NULL) {
        /* Not echoed: whatever is before the '@' may be a password. */
        snprintf(err, errlen, "Docker host: credentials in the URL are not supported");
        return -1;
    }
    if (strncmp(h, "unix://", 7) == 0) {
        const char *path = h + 7;
        if (path[0] != '/') {
            snprintf(err, errlen, "Docker host %.200s: want unix:///absolute/path", h);
            return -1;
        }
        if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            snprintf(err, errlen, "Docker host: socket path longer than %zu bytes",
                     sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
            return -1;
        }
        if (tls || client_cert) {
            snprintf(err, errlen, "Docker host %.200s: TLS options need a tcp:// host", h);
            return -1;
        }
        c->socket_path = dup_n(path, strlen(path));
        c->base_url = dup_n("http://docker", 13);
    } else if (strncmp(h, "tcp://", 6) == 0) {
        const char *auth = h + 6;
        size_t n = strlen(auth);
        if (n > 0 && auth[n - 1] == '/')
            n--;
        char *a = dup_n(auth, n);
        if (a == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (!plausible_authority(a) || n > 255) {
            free(a);
            snprintf(err, errlen, "Docker host %.200s: want tcp://host:port", h);
            return -1;
        }
        if (client_cert && !tls) {
            free(a);
            snprintf(err, errlen, "Docker host %.200s: a TLS client certificate needs a CA", h);
            return -1;
        }
        const char *bracket = strrchr(a, ']');
        bool has_port = strchr(bracket != NULL ? bracket : a, ':') != NULL;
        size_t need = n + 32;
        c->base_url = malloc(need);
        if (c->base_url != NULL)
            snprintf(c->base_url, need, "%s://%s%s", tls ? "https" : "http", a,
                     has_port ? "" : (tls ? ":2376" : ":2375"));
        free(a);
    } else {
        snprintf(err, errlen, "Docker host %.200s: want unix:///path or tcp://host:port", h);
        return -1;
    }
    c->display = dup_n(h, strlen(h));
    if (c->base_url == NULL || c->display == NULL ||
        (strncmp(h, "unix://", 7) == 0 && c->socket_path == NULL)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    one_line(c->display);
    return 0;
}

/*
 * A stream's bytes: a 2xx answer's go to the caller's callback (which may
 * stop the stream), any other answer's are kept (capped) for the error.
 */
static size_t on_stream_body(struct docker_client *c, char *data, size_t n)
{
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        (void)buf_append(c->stream_error, data, n); /* over the cap: the excerpt is enough */
        return n;
    }
    if (c->stream_data(c->stream_arg, data, n) != 0) {
        c->stream_stopped = true;
        return 0;
    }
    return n;
}

/* A stream's clock: called by libcurl about once a second and on each transfer. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct docker_client *c = arg;
    if (c->stream_tick == NULL)
        return 0;
    if (c->stream_tick(c->stream_arg) != 0) {
        c->stream_stopped = true;
        return 1;
    }
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (long)(now.tv_sec - c->stream_started.tv_sec) * 1000 +
                  (now.tv_nsec - c->stream_started.tv_nsec) / 1000000;
        if (ms > c->request_timeout_ms) {
            c->stream_no_answer = true;
            return 1;
        }
    }
    return 0;
}

/* Body bytes as they arrive; aborts the transfer at the cap. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct docker_client *c = arg;
    size_t n = size * nmemb;
    if (c->stream_data != NULL)
        return on_stream_body(c, data, n);
    if (n > c->cap - c->received) {
        c->too_big = true;
        return 0;
    }
    c->received += n;
    if (c->sink != NULL) {
        int rc = buf_append(c->sink, data, n);
        if (rc == BUF_TOOBIG) {
            c->too_big = true;
            return 0;
        }
        if (rc != BUF_OK) {
            c->nomem = true;
            return 0;
        }
    }
    return n;
}

void docker_client_free(struct docker_client *c)
{
    if (c == NULL)
        return;
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    free(c->display);
    free(c->base_url);
    free(c->socket_path);
    free(c);
}

/* Sets one option; false (with err) if libcurl refuses it. */
#define SETOPT(opt, val)                                              \
    do {                                                              \
        if (curl_easy_setopt(c->curl, opt, val) != CURLE_OK) {        \
            snprintf(err, errlen, "libcurl refused option %s", #opt); \
            goto fail;                                                \
        }                                                             \
    } while (0)

struct docker_client *docker_client_new(const struct docker_client_options *opts, char *err,
                                        size_t errlen)
{
    struct docker_client *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (parse_host(c, opts, err, errlen) != 0)
        goto fail;
    long connect_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DOCKER_CONNECT_TIMEOUT_MS;
    c->request_timeout_ms =
        opts->request_timeout_ms > 0 ? opts->request_timeout_ms : DOCKER_REQUEST_TIMEOUT_MS;
    c->body_max = opts->body_max > 0 ? opts->body_max : DOCKER_BODY_MAX;
    c->total_timeout_ms = opts->total_timeout_ms > 0 ? opts->total_timeout_ms : 0;
    clock_gettime(CLOCK_MONOTONIC, &c->created);

    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        snprintf(err, errlen, "cannot start libcurl");
        goto fail;
    }
    c->headers = curl_slist_append(NULL, "Accept: application/json");
    if (c->headers == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (curlopt_common(c->curl, err, errlen) != 0)
        goto fail;
    SETOPT(CURLOPT_MAXREDIRS, 0L);
    SETOPT(CURLOPT_HTTPGET, 1L);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, c->request_timeout_ms);
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->body_max);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, c);
    SETOPT(CURLOPT_ERRORBUFFER, c->curl_err);
    SETOPT(CURLOPT_HTTPHEADER, c->headers);
    if (c->socket_path != NULL)
        SETOPT(CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
    /* https: a CA was given (parse_host), and only it is trusted. */
    if (strncmp(c->base_url, "https://", 8) == 0 &&
        curlopt_tls(c->curl, opts->tls_ca, opts->tls_cert, opts->tls_key, err, errlen) != 0)
        goto fail;
    return c;
fail:
    docker_client_free(c);
    return NULL;
}

const char *docker_client_api_version(const struct docker_client *c)
{
    return c->api_version;
}

/*
 * The server's complaint for a non-2xx answer: Docker's {"message": "..."}
 * when the body is that, else the body's first line; cut and made one line.
 */
static void error_excerpt(const struct buf *body, char *out, size_t outlen)
{
    out[0] = '\0';
    if (body == NULL || body->data == NULL || body->len == 0)
        return;
    if (body->len <= ERROR_BODY_PARSE_MAX) {
        cJSON *root = cJSON_ParseWithLength(body->data, body->len);
        const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "message"));
        if (msg != NULL)
            snprintf(out, outlen, "%.*s", ERROR_EXCERPT_MAX, msg);
        cJSON_Delete(root);
        if (msg != NULL) {
            one_line(out);
            return;
        }
    }
    size_t n = strcspn(body->data, "\r\n");
    if (n > ERROR_EXCERPT_MAX)
        n = ERROR_EXCERPT_MAX;
    snprintf(out, outlen, "%.*s", (int)n, body->data);
    one_line(out);
}

/* Turns a failed curl_easy_perform into one line naming what failed. */
static void describe_failure(struct docker_client *c, CURLcode rc, const char *path, char *err,
                             size_t errlen)
{
    long os_errno = 0;
    curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os_errno);
    /* Nothing sent means the connection never came up (a reused one counts as up). */
    long request_bytes = 0;
    curl_easy_getinfo(c->curl, CURLINFO_REQUEST_SIZE, &request_bytes);
    const char *detail = c->curl_err[0] != '\0' ? c->curl_err : curl_easy_strerror(rc);

    if (c->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(err, errlen, "GET %s: answer larger than %zu bytes", path, c->cap);
    } else if (c->nomem) {
        snprintf(err, errlen, "GET %s: out of memory for the answer", path);
    } else if (rc == CURLE_COULDNT_CONNECT && os_errno != 0) {
        char ebuf[128];
        const char *why = strerror_r((int)os_errno, ebuf, sizeof(ebuf)); /* GNU form */
        struct stat st;
        bool not_socket = c->socket_path != NULL && os_errno == ECONNREFUSED &&
                          stat(c->socket_path, &st) == 0 && !S_ISSOCK(st.st_mode);
        snprintf(err, errlen, "cannot connect to %s: %s%s", c->display, why,
                 not_socket ? " (not a socket)" : "");
    } else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
        snprintf(err, errlen, "cannot connect to %s: %s", c->display, detail);
    } else if (rc == CURLE_OPERATION_TIMEDOUT && request_bytes == 0) {
        snprintf(err, errlen, "cannot connect to %s: timed out", c->display);
    } else if (rc == CURLE_OPERATION_TIMEDOUT && c->budget_bound) {
        snprintf(err, errlen, "GET %s: time budget of %ld ms for the Docker API spent", path,
                 c->total_timeout_ms);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        snprintf(err, errlen, "GET %s: no complete answer within %ld ms", path, c->timeout_ms);
    } else if (rc == CURLE_GOT_NOTHING) {
        snprintf(err, errlen, "GET %s: %s closed the connection without answering", path,
                 c->display);
    } else if (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
               rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
               rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_ENGINE_NOTFOUND) {
        snprintf(err, errlen, "TLS with %s failed: %s", c->display, detail);
    } else {
        snprintf(err, errlen, "GET %s: %s", path, detail);
    }
    one_line(err);
}

/*
 * Sets this request's timeout: the per-request one, or what is left of the
 * total budget when that is less. Returns -1 (err filled) when nothing is
 * left.
 */
static int arm_timeout(struct docker_client *c, const char *path, char *err, size_t errlen)
{
    c->timeout_ms = c->request_timeout_ms;
    c->budget_bound = false;
    if (c->total_timeout_ms > 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long used = (long)(now.tv_sec - c->created.tv_sec) * 1000 +
                    (now.tv_nsec - c->created.tv_nsec) / 1000000;
        long left = c->total_timeout_ms - used;
        if (left <= 0) {
            snprintf(err, errlen, "GET %s: time budget of %ld ms for the Docker API spent", path,
                     c->total_timeout_ms);
            one_line(err);
            return -1;
        }
        if (left < c->timeout_ms) {
            c->timeout_ms = left;
            c->budget_bound = true;
        }
    }
    if (curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms) != CURLE_OK) {
        snprintf(err, errlen, "libcurl refused option CURLOPT_TIMEOUT_MS");
        return -1;
    }
    return 0;
}

/* One GET of base_url + prefix + path into body. */
static int perform(struct docker_client *c, const char *prefix, const char *path, struct buf *body,
                   char *err, size_t errlen)
{
    char url[DOCKER_PATH_MAX + 512];
    int n = snprintf(url, sizeof(url), "%s%s%s", c->base_url, prefix, path);
    if (n < 0 || (size_t)n >= sizeof(url)) {
        snprintf(err, errlen, "GET: request path too long");
        return -1;
    }
    c->last_status = 0;
    if (arm_timeout(c, path, err, errlen) != 0)
        return -1;
    c->sink = body;
    c->received = 0;
    c->cap = body != NULL && body->max < c->body_max ? body->max : c->body_max;
    /* The buffer may not even allocate past the cap (buf grows by doubling up to max). */
    size_t caller_max = 0;
    if (body != NULL) {
        buf_reset(body);
        caller_max = body->max;
        body->max = c->cap;
    }
    c->too_big = false;
    c->nomem = false;
    c->curl_err[0] = '\0';
    CURLcode rc = curl_easy_setopt(c->curl, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c->curl);
    c->sink = NULL;
    if (body != NULL)
        body->max = caller_max;
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        /* Too big is this answer's fault; anything else means the API is not answering. */
        c->last_status = c->too_big || rc == CURLE_FILESIZE_EXCEEDED ? status : 0;
        describe_failure(c, rc, path, err, errlen);
        return -1;
    }
    c->last_status = status;
    if (status < 200 || status > 299) {
        char excerpt[ERROR_EXCERPT_MAX + 1];
        error_excerpt(body, excerpt, sizeof(excerpt));
        snprintf(err, errlen, "GET %s: HTTP %ld%s%s", path, status, excerpt[0] ? ": " : "",
                 excerpt);
        one_line(err);
        return -1;
    }
    return 0;
}

/* "1.41" -> (1, 41); false unless it is exactly digits '.' digits. */
static bool parse_api_version(const char *s, unsigned long *major, unsigned long *minor)
{
    unsigned long part[2] = { 0, 0 };
    for (int k = 0; k < 2; k++) {
        if (*s < '0' || *s > '9')
            return false;
        for (int digits = 0; *s >= '0' && *s <= '9'; s++, digits++) {
            if (digits >= 6)
                return false;
            part[k] = part[k] * 10 + (unsigned long)(*s - '0');
        }
        if (k == 0 && *s++ != '.')
            return false;
    }
    if (*s != '\0')
        return false;
    *major = part[0];
    *minor = part[1];
    return true;
}

static int compare_versions(unsigned long amaj, unsigned long amin, unsigned long bmaj,
                            unsigned long bmin)
{
    if (amaj != bmaj)
        return amaj < bmaj ? -1 : 1;
    if (amin != bmin)
        return amin < bmin ? -1 : 1;
    return 0;
}

int docker_client_negotiate(struct docker_client *c, struct buf *server_version, char *err,
                            size_t errlen)
{
    struct buf local;
    struct buf *body = server_version;
    if (body == NULL) {
        buf_init(&local, c->body_max);
        body = &local;
    }
    c->prefix[0] = '\0';
    c->api_version[0] = '\0';
    int ret = -1;
    if (perform(c, "", "/version", body, err, errlen) != 0)
        goto out;
    struct docker_version v;
    char perr[192];
    if (docker_parse_version(body->data, body->len, &v, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "GET /version: %s", perr);
        goto out;
    }
    unsigned long smaj, smin, lomaj, lomin, himaj, himin;
    if (!parse_api_version(DOCKER_API_VERSION_MIN, &lomaj, &lomin) ||
        !parse_api_version(DOCKER_API_VERSION_MAX, &himaj, &himin)) {
        snprintf(err, errlen, "bad built-in API version range");
    } else if (v.api_version == NULL || !parse_api_version(v.api_version, &smaj, &smin)) {
        snprintf(err, errlen, "GET /version: no readable ApiVersion (got \"%.20s\")",
                 v.api_version != NULL ? v.api_version : "");
    } else if (compare_versions(smaj, smin, lomaj, lomin) < 0) {
        snprintf(err, errlen, "API version %s is older than the oldest we speak, %s", v.api_version,
                 DOCKER_API_VERSION_MIN);
    } else {
        if (compare_versions(smaj, smin, himaj, himin) > 0) {
            smaj = himaj;
            smin = himin;
        }
        snprintf(c->api_version, sizeof(c->api_version), "%lu.%lu", smaj, smin);
        snprintf(c->prefix, sizeof(c->prefix), "/v%lu.%lu", smaj, smin);
        ret = 0;
    }
    docker_version_free(&v);
out:
    if (ret != 0)
        one_line(err);
    if (body == &local)
        buf_free(&local);
    return ret;
}

int docker_client_use_api_version(struct docker_client *c, const char *version)
{
    unsigned long maj, min;
    if (version == NULL || !parse_api_version(version, &maj, &min))
        return -1;
    snprintf(c->api_version, sizeof(c->api_version), "%lu.%lu", maj, min);
    snprintf(c->prefix, sizeof(c->prefix), "/v%lu.%lu", maj, min);
    return 0;
}

/* A path we are willing to put in a request line: printable, no spaces, no fragment. */
static bool valid_path(const char *path)
{
    if (path == NULL || path[0] != '/')
        return false;
    size_t n = 0;
    for (const char *s = path; *s != '\0'; s++, n++) {
        if (n >= DOCKER_PATH_MAX || (unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
            *s == '#')
            return false;
    }
    return true;
}

long docker_client_last_status(const struct docker_client *c)
{
    return c->last_status;
}

int docker_client_request(struct docker_client *c, const char *method, const char *path,
                          struct buf *body, char *err, size_t errlen)
{
    c->last_status = 0;
    if (method == NULL || strcmp(method, "GET") != 0) {
        char shown[17];
        snprintf(shown, sizeof(shown), "%s", method != NULL ? method : "(none)");
        one_line(shown);
        snprintf(err, errlen, "refusing to send %s: dockward only reads", shown);
        return -1;
    }
    if (!valid_path(path)) {
        snprintf(err, errlen, "GET: refusing a malformed request path");
        return -1;
    }
    return perform(c, c->prefix, path, body, err, errlen);
}

int docker_client_get(struct docker_client *c, const char *path, struct buf *body, char *err,
                      size_t errlen)
{
    return docker_client_request(c, "GET", path, body, err, errlen);
}

int docker_client_stream(struct docker_client *c, const char *path,
                         int (*on_data)(void *arg, const char *data, size_t len),
                         int (*on_tick)(void *arg), void *arg, char *err, size_t errlen)
{
    c->last_status = 0;
    if (!valid_path(path)) {
        snprintf(err, errlen, "GET: refusing a malformed request path");
        return -1;
    }
    char url[DOCKER_PATH_MAX + 512];
    int n = snprintf(url, sizeof(url), "%s%s%s", c->base_url, c->prefix, path);
    if (n < 0 || (size_t)n >= sizeof(url)) {
        snprintf(err, errlen, "GET: request path too long");
        return -1;
    }
    struct buf error_body;
    buf_init(&error_body, ERROR_BODY_PARSE_MAX);
    c->stream_data = on_data;
    c->stream_tick = on_tick;
    c->stream_arg = arg;
    c->stream_stopped = false;
    c->stream_no_answer = false;
    c->stream_error = &error_body;
    clock_gettime(CLOCK_MONOTONIC, &c->stream_started);
    c->curl_err[0] = '\0';
    /* No whole-request timeout (a stream has no end); on_progress bounds the wait for headers. */
    CURLcode rc = curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 0L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c->curl);
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    c->last_status = status;
    int ret = -1;
    if (status != 0 && (status < 200 || status > 299)) {
        char excerpt[ERROR_EXCERPT_MAX + 1];
        error_excerpt(&error_body, excerpt, sizeof(excerpt));
        snprintf(err, errlen, "GET %s: HTTP %ld%s%s", path, status, excerpt[0] ? ": " : "",
                 excerpt);
    } else if (c->stream_stopped) {
        snprintf(err, errlen, "GET %s: stopped", path);
    } else if (c->stream_no_answer) {
        snprintf(err, errlen, "GET %s: no answer within %ld ms", path, c->request_timeout_ms);
    } else if (rc != CURLE_OK) {
        c->too_big = false;
        c->nomem = false;
        c->timeout_ms = 0;
        c->budget_bound = false;
        describe_failure(c, rc, path, err, errlen);
    } else {
        snprintf(err, errlen, "GET %s: %s ended the stream", path, c->display);
        ret = 0;
    }
    one_line(err);
    buf_free(&error_body);
    c->stream_data = NULL;
    c->stream_tick = NULL;
    c->stream_arg = NULL;
    c->stream_error = NULL;
    /* Back to what every other request expects. */
    (void)curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 1L);
    (void)curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->body_max);
    (void)curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->request_timeout_ms);
    return ret;
}

bool docker_client_headers_received(const struct docker_client *c)
{
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    return status >= 200 && status <= 299;
}
