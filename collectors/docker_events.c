/*
 * docker_events.c - the event stream of docker_events.h: the line splitter
 * and parser, the watcher thread, and the incremental sweep update.
 *
 * Why a thread of its own: the stream never ends, and the scheduler must
 * stay free to debounce, judge and publish; the watcher only reads, folds
 * events into the pending set and wakes the scheduler. Every request it
 * makes goes through the GET-only client (docker_client_stream).
 *
 * Order of things on a reconnect: the watcher asks for events since the
 * newest event time it has seen (or, before any, the time it first
 * connected less DOCKER_EVENTS_SKEW_S), so dockerd replays what happened
 * while it was away; a replayed event already applied is applied again,
 * which is harmless (an inspect is idempotent).
 */
#include "docker_events.h"

#include "../common/sync.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DOCKER_EVENTS_SKEW_S 5 /* the first `since` is this far before our first connect */

/* The filter of GET /events, URL-encoded:
 * {"type":["container","image","network","volume","daemon"]} */
#define EVENTS_FILTER                                                                    \
    "%7B%22type%22%3A%5B%22container%22%2C%22image%22%2C%22network%22%2C%22volume%22%2C" \
    "%22daemon%22%5D%7D"

const char *const docker_event_type_names[DOCKER_EVENT_TYPE_COUNT] = {
    "container", "image", "network", "volume", "daemon", "other",
};

const char *const docker_resync_reason_names[DOCKER_RESYNC_REASON_COUNT] = {
    "start", "interval", "fallback", "gap", "overflow", "error",
};

const char *docker_event_type_name(enum docker_event_type t)
{
    return (unsigned)t < DOCKER_EVENT_TYPE_COUNT ? docker_event_type_names[t] : "other";
}

const char *docker_resync_reason_name(enum docker_resync_reason r)
{
    return (unsigned)r < DOCKER_RESYNC_REASON_COUNT ? docker_resync_reason_names[r] : "error";
}

/* ---- parsing ---- */

static void copy_id(char *dst, const cJSON *v)
{
    const char *s = cJSON_GetStringValue(v);
    dst[0] = '\0';
    if (s != NULL && docker_id_safe(s))
        snprintf(dst, DOCKER_EVENT_ID_MAX + 1, "%s", s);
}

int docker_event_parse(const char *line, size_t len, struct docker_event *ev, char *err,
                       size_t errlen)
{
    memset(ev, 0, sizeof(*ev));
    if (len > DOCKER_EVENT_LINE_MAX) {
        snprintf(err, errlen, "event longer than %u bytes", (unsigned)DOCKER_EVENT_LINE_MAX);
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength(line, len);
    if (root == NULL || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        snprintf(err, errlen, "event is not a JSON object");
        return -1;
    }
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "Type"));
    const char *action = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "Action"));
    if (type == NULL || action == NULL) {
        cJSON_Delete(root);
        snprintf(err, errlen, "event without a string Type and Action");
        return -1;
    }
    ev->type = DOCKER_EVENT_OTHER;
    for (int t = 0; t < DOCKER_EVENT_OTHER; t++)
        if (strcmp(type, docker_event_type_names[t]) == 0)
            ev->type = (enum docker_event_type)t;
    /* "exec_start: sh -c ..." -> "exec_start": a command line is never kept. */
    size_t an = strcspn(action, ":");
    if (an >= sizeof(ev->action))
        an = sizeof(ev->action) - 1;
    memcpy(ev->action, action, an);
    ev->action[an] = '\0';
    for (char *p = ev->action; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    const cJSON *actor = cJSON_GetObjectItemCaseSensitive(root, "Actor");
    copy_id(ev->id, cJSON_GetObjectItemCaseSensitive(actor, "ID"));
    if (ev->type == DOCKER_EVENT_NETWORK) {
        const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(actor, "Attributes");
        copy_id(ev->container, cJSON_GetObjectItemCaseSensitive(attrs, "container"));
    }
    const cJSON *tn = cJSON_GetObjectItemCaseSensitive(root, "timeNano");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "time");
    /* Within ~year 2262 and not before 1970: anything else is no time at all. */
    if (cJSON_IsNumber(tn) && tn->valuedouble > 0 && tn->valuedouble < 9.2e18)
        ev->time_nano = (int64_t)tn->valuedouble;
    else if (cJSON_IsNumber(ts) && ts->valuedouble > 0 && ts->valuedouble < 9.2e9)
        ev->time_nano = (int64_t)ts->valuedouble * 1000000000LL;
    cJSON_Delete(root);
    return 0;
}

bool docker_event_relevant(const struct docker_event *ev)
{
    if (ev->type == DOCKER_EVENT_OTHER)
        return false;
    if (ev->type != DOCKER_EVENT_CONTAINER)
        return true;
    /* What does not change an inspect: running commands in it, looking at it. */
    static const char *const noise[] = { "exec_create", "exec_start",   "exec_die",
                                         "exec_detach", "attach",       "detach",
                                         "top",         "resize",       "export",
                                         "copy",        "archive-path", "extract-to-dir" };
    for (size_t i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
        if (strcmp(ev->action, noise[i]) == 0)
            return false;
    return true;
}

void docker_event_lines_init(struct docker_event_lines *l)
{
    buf_init(&l->partial, DOCKER_EVENT_LINE_MAX);
}

void docker_event_lines_free(struct docker_event_lines *l)
{
    buf_free(&l->partial);
}

int docker_event_lines_feed(struct docker_event_lines *l, const char *data, size_t len,
                            int (*on_line)(void *arg, const char *line, size_t len), void *arg)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl != NULL ? (size_t)(nl - data) : len;
        if (take > 0 && buf_append(&l->partial, data, take) != BUF_OK)
            return -1; /* a line over DOCKER_EVENT_LINE_MAX (or no memory) */
        data += take;
        len -= take;
        if (nl == NULL)
            break;
        data++;
        len--;
        size_t n = l->partial.len;
        if (n > 0 && l->partial.data[n - 1] == '\r')
            n--;
        int rc = n > 0 ? on_line(arg, l->partial.data, n) : 0;
        buf_reset(&l->partial);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---- pending changes ---- */

bool docker_changes_empty(const struct docker_changes *ch)
{
    return ch->containers.len == 0 && !ch->images && !ch->networks && !ch->volumes && !ch->daemon &&
           !ch->full;
}

void docker_changes_free(struct docker_changes *ch)
{
    str_list_free(&ch->containers);
    memset(ch, 0, sizeof(*ch));
}

static bool list_has(const struct str_list *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

/* Appends a copy of s. Returns 0 or -1 (no memory). */
static int list_add(struct str_list *l, const char *s)
{
    char *copy = strdup(s);
    char **items = copy != NULL ? realloc(l->items, (l->len + 1) * sizeof(*items)) : NULL;
    if (items == NULL) {
        free(copy);
        return -1;
    }
    l->items = items;
    l->items[l->len++] = copy;
    return 0;
}

/* Removes items[i], keeping the order of the rest. */
static void list_remove(struct str_list *l, size_t i)
{
    free(l->items[i]);
    memmove(&l->items[i], &l->items[i + 1], (l->len - i - 1) * sizeof(l->items[0]));
    l->len--;
}

/* ---- the watcher ---- */

struct docker_events {
    struct docker_client_options opts;
    char *host, *tls_ca, *tls_cert, *tls_key; /* copies behind opts */
    void (*notify)(void *arg);
    void *notify_arg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* the backoff sleep; signalled by docker_events_stop */
    /* Guarded by lock: */
    bool stopping;
    struct docker_changes pending;
    struct docker_events_stats stats;
    /* Watcher thread only: */
    int64_t cursor_nano;  /* newest event time seen; `since` of the next connect */
    int64_t connect_nano; /* wall time this stream was opened */
    size_t replayed;      /* events of this stream older than connect_nano */
    bool gap_reported;
    struct docker_event_lines lines;
    struct timespec partial_since; /* when the current partial line began */
    bool partial_open;
    time_t rate_second;
    unsigned rate_count;
    char stop_reason[160];
};

static int64_t wall_nano(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool stopping(struct docker_events *ev)
{
    pthread_mutex_lock(&ev->lock);
    bool stop = ev->stopping;
    pthread_mutex_unlock(&ev->lock);
    return stop;
}

/* Adds one event to the pending set (lock held). Returns true when the set changed. */
static bool fold(struct docker_events *ev, const struct docker_event *e)
{
    struct docker_changes *p = &ev->pending;
    ev->stats.received[e->type]++;
    if (!docker_event_relevant(e))
        return false;
    /* What the event makes read again: a list (or the daemon), and a container it names. */
    bool *reread = e->type == DOCKER_EVENT_IMAGE     ? &p->images
                   : e->type == DOCKER_EVENT_NETWORK ? &p->networks
                   : e->type == DOCKER_EVENT_VOLUME  ? &p->volumes
                   : e->type == DOCKER_EVENT_DAEMON  ? &p->daemon
                                                     : NULL;
    const char *container = e->type == DOCKER_EVENT_CONTAINER ? e->id
                            : e->type == DOCKER_EVENT_NETWORK ? e->container
                                                              : NULL;
    if (reread == NULL && container == NULL)
        return false;
    if (reread != NULL)
        *reread = true;
    if (container != NULL && container[0] != '\0' && !p->full &&
        !list_has(&p->containers, container)) {
        if (p->containers.len >= DOCKER_EVENTS_PENDING_MAX || list_add(&p->containers, container)) {
            str_list_free(&p->containers);
            p->full = true;
            p->full_reason = DOCKER_RESYNC_OVERFLOW;
        }
    }
    p->events++;
    if (p->n_event_times < DOCKER_EVENTS_TIMES_MAX)
        p->event_times[p->n_event_times++] =
            e->time_nano > 0 ? (double)e->time_nano / 1e9 : (double)wall_nano() / 1e9;
    return true;
}

static int on_line(void *arg, const char *line, size_t len)
{
    struct docker_events *ev = arg;
    struct docker_event e;
    char err[128];
    if (docker_event_parse(line, len, &e, err, sizeof(err)) != 0) {
        pthread_mutex_lock(&ev->lock);
        ev->stats.invalid++;
        pthread_mutex_unlock(&ev->lock);
        /* One garbage line means the stream is out of step: read it again from `since`. */
        snprintf(ev->stop_reason, sizeof(ev->stop_reason), "GET /events: %s", err);
        return -1;
    }
    time_t now = time(NULL);
    if (now != ev->rate_second) {
        ev->rate_second = now;
        ev->rate_count = 0;
    }
    if (++ev->rate_count > DOCKER_EVENTS_RATE_MAX) {
        snprintf(ev->stop_reason, sizeof(ev->stop_reason),
                 "GET /events: more than %d events in a second", DOCKER_EVENTS_RATE_MAX);
        return -1;
    }
    bool gap = false, replay = e.time_nano > 0 && e.time_nano < ev->connect_nano;
    if (replay && ++ev->replayed >= DOCKER_EVENTS_RING && !ev->gap_reported) {
        gap = true;
        ev->gap_reported = true;
    }
    if (e.time_nano > ev->cursor_nano)
        ev->cursor_nano = e.time_nano;
    pthread_mutex_lock(&ev->lock);
    ev->stats.replayed += replay;
    bool changed = fold(ev, &e);
    if (gap) {
        ev->pending.full = true;
        ev->pending.full_reason = DOCKER_RESYNC_GAP;
        changed = true;
    }
    pthread_mutex_unlock(&ev->lock);
    if (changed)
        ev->notify(ev->notify_arg);
    return 0;
}

static int on_data(void *arg, const char *data, size_t len)
{
    struct docker_events *ev = arg;
    if (docker_event_lines_feed(&ev->lines, data, len, on_line, ev) != 0) {
        if (ev->stop_reason[0] == '\0')
            snprintf(ev->stop_reason, sizeof(ev->stop_reason),
                     "GET /events: an event longer than %u bytes", (unsigned)DOCKER_EVENT_LINE_MAX);
        return -1;
    }
    bool open = ev->lines.partial.len > 0;
    if (open && !ev->partial_open)
        clock_gettime(CLOCK_MONOTONIC, &ev->partial_since);
    ev->partial_open = open;
    return 0;
}

static int on_tick(void *arg)
{
    struct docker_events *ev = arg;
    if (stopping(ev))
        return -1;
    if (ev->partial_open) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (long)(now.tv_sec - ev->partial_since.tv_sec) * 1000 +
                  (now.tv_nsec - ev->partial_since.tv_nsec) / 1000000;
        if (ms > DOCKER_EVENTS_PARTIAL_MAX_MS) {
            snprintf(ev->stop_reason, sizeof(ev->stop_reason),
                     "GET /events: an event begun but not finished within %d ms",
                     DOCKER_EVENTS_PARTIAL_MAX_MS);
            return -1;
        }
    }
    return 0;
}

static void set_streaming(struct docker_events *ev, bool on, const char *error)
{
    pthread_mutex_lock(&ev->lock);
    bool changed = ev->stats.streaming != on;
    ev->stats.streaming = on;
    if (error != NULL)
        snprintf(ev->stats.error, sizeof(ev->stats.error), "%s", error);
    if (!on)
        ev->stats.failures++;
    pthread_mutex_unlock(&ev->lock);
    if (changed)
        ev->notify(ev->notify_arg);
}

/* Data callback wrapper that marks the stream up at its first byte or tick after a 2xx. */
struct stream_ctx {
    struct docker_events *ev;
    struct docker_client *client;
    bool up;
};

static void mark_up(struct stream_ctx *sc)
{
    if (sc->up)
        return;
    sc->up = true;
    set_streaming(sc->ev, true, NULL);
    pthread_mutex_lock(&sc->ev->lock);
    sc->ev->stats.error[0] = '\0';
    pthread_mutex_unlock(&sc->ev->lock);
}

static int stream_data(void *arg, const char *data, size_t len)
{
    struct stream_ctx *sc = arg;
    mark_up(sc);
    return on_data(sc->ev, data, len);
}

static int stream_tick(void *arg)
{
    struct stream_ctx *sc = arg;
    if (!sc->up && docker_client_headers_received(sc->client))
        mark_up(sc);
    return on_tick(sc->ev);
}

/* Sleeps `ms` or until stopped. Returns true when stopped. */
static bool backoff_sleep(struct docker_events *ev, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&ev->lock);
    while (!ev->stopping)
        if (pthread_cond_timedwait(&ev->wake, &ev->lock, &until) == ETIMEDOUT)
            break;
    bool stop = ev->stopping;
    pthread_mutex_unlock(&ev->lock);
    return stop;
}

/* One stream, from connect to its end. Returns how long it was up, in ms (0 = never). */
static long one_stream(struct docker_events *ev)
{
    char err[256];
    struct docker_client *c = docker_client_new(&ev->opts, err, sizeof(err));
    if (c == NULL) {
        set_streaming(ev, false, err);
        return 0;
    }
    pthread_mutex_lock(&ev->lock);
    ev->stats.requests++;
    pthread_mutex_unlock(&ev->lock);
    if (docker_client_negotiate(c, NULL, err, sizeof(err)) != 0) {
        docker_client_free(c);
        set_streaming(ev, false, err);
        return 0;
    }
    ev->connect_nano = wall_nano();
    if (ev->cursor_nano == 0)
        ev->cursor_nano = ev->connect_nano - (int64_t)DOCKER_EVENTS_SKEW_S * 1000000000LL;
    char path[256];
    snprintf(path, sizeof(path), "/events?since=%lld.%09lld&filters=%s",
             (long long)(ev->cursor_nano / 1000000000LL),
             (long long)(ev->cursor_nano % 1000000000LL), EVENTS_FILTER);
    ev->replayed = 0;
    ev->gap_reported = false;
    ev->stop_reason[0] = '\0';
    ev->partial_open = false;
    buf_reset(&ev->lines.partial);
    pthread_mutex_lock(&ev->lock);
    ev->stats.requests++;
    ev->stats.connects++;
    pthread_mutex_unlock(&ev->lock);
    struct stream_ctx sc = { .ev = ev, .client = c, .up = false };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    (void)docker_client_stream(c, path, stream_data, stream_tick, &sc, err, sizeof(err));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    docker_client_free(c);
    set_streaming(ev, false, ev->stop_reason[0] != '\0' ? ev->stop_reason : err);
    if (!sc.up)
        return 0;
    return (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

static void *watcher_main(void *arg)
{
    struct docker_events *ev = arg;
    long backoff = DOCKER_EVENTS_BACKOFF_MIN_MS;
    while (!stopping(ev)) {
        long up_ms = one_stream(ev);
        if (stopping(ev))
            break;
        backoff = up_ms >= DOCKER_EVENTS_STABLE_MS
                      ? DOCKER_EVENTS_BACKOFF_MIN_MS
                      : (backoff * 2 > DOCKER_EVENTS_BACKOFF_MAX_MS ? DOCKER_EVENTS_BACKOFF_MAX_MS
                                                                    : backoff * 2);
        if (up_ms >= DOCKER_EVENTS_STABLE_MS)
            backoff = DOCKER_EVENTS_BACKOFF_MIN_MS;
        if (backoff_sleep(ev, backoff))
            break;
    }
    return NULL;
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* Frees a watcher whose thread is not running. */
static void watcher_free(struct docker_events *ev)
{
    pthread_cond_destroy(&ev->wake);
    pthread_mutex_destroy(&ev->lock);
    docker_changes_free(&ev->pending);
    docker_event_lines_free(&ev->lines);
    free(ev->host);
    free(ev->tls_ca);
    free(ev->tls_cert);
    free(ev->tls_key);
    free(ev);
}

struct docker_events *docker_events_start(const struct docker_client_options *opts,
                                          void (*notify)(void *arg), void *notify_arg, char *err,
                                          size_t errlen)
{
    struct docker_events *ev = calloc(1, sizeof(*ev));
    if (ev == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ev->opts = *opts;
    ev->opts.total_timeout_ms = 0;
    ev->host = dup_or_null(opts->host);
    ev->tls_ca = dup_or_null(opts->tls_ca);
    ev->tls_cert = dup_or_null(opts->tls_cert);
    ev->tls_key = dup_or_null(opts->tls_key);
    ev->opts.host = ev->host;
    ev->opts.tls_ca = ev->tls_ca;
    ev->opts.tls_cert = ev->tls_cert;
    ev->opts.tls_key = ev->tls_key;
    ev->notify = notify;
    ev->notify_arg = notify_arg;
    docker_event_lines_init(&ev->lines);
    sync_init_monotonic(&ev->lock, &ev->wake);
    int rc = pthread_create(&ev->thread, NULL, watcher_main, ev);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the event thread: %s", strerror(rc));
        watcher_free(ev);
        return NULL;
    }
    return ev;
}

void docker_events_stop(struct docker_events *ev)
{
    if (ev == NULL)
        return;
    sync_stop_join(&ev->lock, &ev->wake, &ev->stopping, ev->thread);
    watcher_free(ev);
}

void docker_events_take(struct docker_events *ev, struct docker_changes *out)
{
    pthread_mutex_lock(&ev->lock);
    *out = ev->pending;
    memset(&ev->pending, 0, sizeof(ev->pending));
    pthread_mutex_unlock(&ev->lock);
}

void docker_events_stats(struct docker_events *ev, struct docker_events_stats *out)
{
    pthread_mutex_lock(&ev->lock);
    *out = ev->stats;
    pthread_mutex_unlock(&ev->lock);
}

/* ---- the incremental update ---- */

void docker_filtered_free(struct docker_filtered *f)
{
    str_list_free(&f->ids);
    str_list_free(&f->image_ids);
}

/* Forgets `id` among the filtered containers. Returns whether it was one. */
static bool unfilter(struct docker_filtered *f, const char *id)
{
    for (size_t i = 0; i < f->ids.len; i++)
        if (strcmp(f->ids.items[i], id) == 0) {
            list_remove(&f->ids, i);
            if (i < f->image_ids.len)
                list_remove(&f->image_ids, i);
            return true;
        }
    return false;
}

/* Index of the container whose id is `id` (full id or a prefix of it), or n. */
static size_t find_container(const struct docker_sweep *s, const char *id)
{
    size_t n = strlen(id);
    for (size_t i = 0; i < s->n_containers; i++)
        if (s->containers[i].id != NULL && strncmp(s->containers[i].id, id, n) == 0)
            return i;
    return s->n_containers;
}

static void remove_container(struct docker_sweep *s, size_t i)
{
    docker_container_free(&s->containers[i]);
    memmove(&s->containers[i], &s->containers[i + 1],
            (s->n_containers - i - 1) * sizeof(s->containers[0]));
    s->n_containers--;
}

/* Re-inspects one container. Returns 0 or -1 (err: only a full sweep can tell). */
static int apply_container(struct docker_client *client, struct docker_sweep *s, const char *id,
                           size_t max_containers, bool (*keep)(void *, const char *),
                           void *keep_arg, struct docker_filtered *f, struct buf *body, char *err,
                           size_t errlen)
{
    char path[DOCKER_EVENT_ID_MAX + 32], perr[200];
    snprintf(path, sizeof(path), "/containers/%s/json", id);
    s->requests++;
    int rc = docker_client_get(client, path, body, err, errlen);
    size_t at = find_container(s, id);
    bool known = at < s->n_containers;
    if (unfilter(f, id))
        known = true;
    if (rc != 0 && docker_client_last_status(client) == 404) {
        if (at < s->n_containers)
            remove_container(s, at);
        if (known && s->containers_listed > 0)
            s->containers_listed--;
        return 0;
    }
    if (rc != 0)
        return -1;
    struct docker_container c;
    rc = docker_parse_container(body->data, body->len, &c, perr, sizeof(perr));
    explicit_bzero(body->data, body->len); /* environment values */
    buf_reset(body);
    if (rc != 0) {
        snprintf(err, errlen, "GET %.90s: %.150s", path, perr);
        return -1;
    }
    /* The event may name a container by a prefix; the inspect says its full id. */
    if (!known) {
        at = find_container(s, c.id);
        known = at < s->n_containers;
        if (unfilter(f, c.id))
            known = true;
    }
    if (!keep(keep_arg, c.name != NULL ? c.name : "")) {
        if (list_add(&f->ids, c.id) != 0 ||
            list_add(&f->image_ids, c.image_id != NULL ? c.image_id : "") != 0) {
            docker_container_free(&c);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (at < s->n_containers)
            remove_container(s, at);
        if (!known)
            s->containers_listed++;
        docker_container_free(&c);
        return 0;
    }
    if (at < s->n_containers) {
        docker_container_free(&s->containers[at]);
        s->containers[at] = c;
        return 0;
    }
    if (s->n_containers + f->ids.len + 1 > max_containers) {
        docker_container_free(&c);
        snprintf(err, errlen, "more than %zu containers", max_containers);
        return -1;
    }
    struct docker_container *grown = realloc(s->containers, (s->n_containers + 1) * sizeof(*grown));
    if (grown == NULL) {
        docker_container_free(&c);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* dockerd lists the newest first; a new container goes first, as a sweep would put it. */
    memmove(&grown[1], &grown[0], s->n_containers * sizeof(*grown));
    grown[0] = c;
    s->containers = grown;
    s->n_containers++;
    if (!known)
        s->containers_listed++;
    return 0;
}

static int reread_daemon(struct docker_client *client, struct docker_sweep *s, struct buf *body,
                         char *err, size_t errlen)
{
    char perr[200];
    struct docker_version v;
    struct docker_info info;
    s->requests += 2;
    if (docker_client_negotiate(client, body, err, errlen) != 0)
        return -1;
    if (docker_parse_version(body->data, body->len, &v, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "GET /version: %s", perr);
        return -1;
    }
    if (docker_client_get(client, "/info", body, err, errlen) != 0) {
        docker_version_free(&v);
        return -1;
    }
    if (docker_parse_info(body->data, body->len, &info, perr, sizeof(perr)) != 0) {
        docker_version_free(&v);
        snprintf(err, errlen, "GET /info: %s", perr);
        return -1;
    }
    docker_version_free(&s->version);
    docker_info_free(&s->info);
    s->version = v;
    s->info = info;
    snprintf(s->api_version, sizeof(s->api_version), "%s", docker_client_api_version(client));
    return 0;
}

/* GET /info alone: its counts (containers, running, images) follow every container or image change.
 */
static int reread_info(struct docker_client *client, struct docker_sweep *s, struct buf *body,
                       char *err, size_t errlen)
{
    char perr[200];
    struct docker_info info;
    s->requests++;
    if (docker_client_get(client, "/info", body, err, errlen) != 0)
        return -1;
    if (docker_parse_info(body->data, body->len, &info, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "GET /info: %s", perr);
        return -1;
    }
    docker_info_free(&s->info);
    s->info = info;
    return 0;
}

static int reread_networks(struct docker_client *client, struct docker_sweep *s, struct buf *body,
                           char *err, size_t errlen)
{
    char perr[200];
    struct docker_network *nets = NULL;
    size_t n = 0;
    s->requests++;
    if (docker_client_get(client, "/networks", body, err, errlen) != 0)
        return -1;
    if (docker_parse_networks(body->data, body->len, &nets, &n, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "GET /networks: %s", perr);
        return -1;
    }
    docker_networks_free(s->networks, s->n_networks);
    s->networks = nets;
    s->n_networks = n;
    return 0;
}

static int reread_volumes(struct docker_client *client, struct docker_sweep *s, struct buf *body,
                          char *err, size_t errlen)
{
    char perr[200];
    s->requests++;
    if (docker_client_get(client, "/volumes", body, s->volumes_error, sizeof(s->volumes_error)) !=
        0) {
        if (docker_client_last_status(client) == 0) {
            snprintf(err, errlen, "%s", s->volumes_error);
            return -1;
        }
        docker_volumes_free(s->volumes, s->n_volumes);
        s->volumes = NULL;
        s->n_volumes = 0;
        s->volumes_ok = false;
        return 0;
    }
    struct docker_volume *vols = NULL;
    size_t n = 0;
    docker_volumes_free(s->volumes, s->n_volumes);
    s->volumes = NULL;
    s->n_volumes = 0;
    s->volumes_ok = false;
    if (docker_parse_volumes(body->data, body->len, &vols, &n, perr, sizeof(perr)) == 0) {
        s->volumes = vols;
        s->n_volumes = n;
        s->volumes_ok = true;
        s->volumes_error[0] = '\0';
    } else {
        snprintf(s->volumes_error, sizeof(s->volumes_error), "GET /volumes: %s", perr);
    }
    return 0;
}

int docker_sweep_apply(struct docker_client *client, struct docker_sweep *s,
                       const struct docker_changes *ch, size_t max_containers,
                       bool (*keep)(void *arg, const char *name), void *keep_arg,
                       struct docker_filtered *f, char *err, size_t errlen)
{
    if (!s->ok) {
        snprintf(err, errlen, "no sweep to update");
        return -1;
    }
    if (max_containers == 0)
        max_containers = DOCKER_CONTAINERS_MAX;
    struct buf body;
    buf_init(&body, (size_t)-1 / 2);
    int rc = 0;
    if (ch->daemon)
        rc = reread_daemon(client, s, &body, err, errlen);
    for (size_t i = 0; rc == 0 && i < ch->containers.len; i++)
        rc = apply_container(client, s, ch->containers.items[i], max_containers, keep, keep_arg, f,
                             &body, err, errlen);
    if (rc == 0 && ch->images)
        rc = docker_sweep_reread_images(client, s, err, errlen);
    /* Last, so its counts are at least as new as the containers and images read above. */
    if (rc == 0 && !ch->daemon && (ch->containers.len > 0 || ch->images))
        rc = reread_info(client, s, &body, err, errlen);
    if (rc == 0 && ch->networks)
        rc = reread_networks(client, s, &body, err, errlen);
    if (rc == 0 && ch->volumes)
        rc = reread_volumes(client, s, &body, err, errlen);
    if (rc == 0 && docker_sweep_count_users(s, &f->image_ids) != 0) {
        snprintf(err, errlen, "out of memory counting image users");
        rc = -1;
    }
    if (body.data != NULL)
        explicit_bzero(body.data, body.len);
    buf_free(&body);
    return rc;
}
