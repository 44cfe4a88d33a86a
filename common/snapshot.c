/*
 * snapshot.c - a rendered metric set, its slot and its /metrics response
 * (see snapshot.h). The agent and the store build different metric sets;
 * everything from the builder on is this one file's.
 */
#include "snapshot.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>

static void snapshot_free(struct snapshot *s)
{
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++) {
        free(s->body[f][0].data);
        free(s->body[f][1].data);
    }
    free(s);
}

/* One format's plain body and, when `gzip`, its compressed one into `body`. 0 or -1 with err. */
static int render_format(struct expo *e, enum expo_format f, bool gzip, size_t body_max,
                         struct snapshot_body body[2], char *err, size_t errlen)
{
    struct buf plain, gz;
    size_t dropped = 0;
    buf_init(&plain, body_max);
    buf_init(&gz, body_max);
    if (expo_render(e, f, &plain, &dropped) != 0 ||
        (gzip && gzip_compress(plain.data ? plain.data : "", plain.len, &gz) != 0)) {
        snprintf(err, errlen, "rendering the metrics failed (body over %zu bytes?)", body_max);
        buf_free(&plain);
        buf_free(&gz);
        return -1;
    }
    if (dropped > 0)
        log_warnx("metrics: %zu duplicate series left out", dropped);
    body[0].data = buf_steal(&plain, &body[0].len);
    if (gzip)
        body[1].data = buf_steal(&gz, &body[1].len);
    buf_free(&gz);
    if (body[0].data == NULL || (gzip && body[1].data == NULL)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

struct snapshot *snapshot_render(struct expo *e, const bool gzip[EXPO_FORMAT_COUNT],
                                 size_t body_max, char *err, size_t errlen)
{
    struct snapshot *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    atomic_init(&s->refs, 1);
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++) {
        if (render_format(e, (enum expo_format)f, gzip[f], body_max, s->body[f], err, errlen) !=
            0) {
            snapshot_free(s);
            return NULL;
        }
    }
    return s;
}

void snapshot_ref(struct snapshot *s)
{
    atomic_fetch_add(&s->refs, 1);
}

void snapshot_unref(struct snapshot *s)
{
    if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
        snapshot_free(s);
}

void snapshot_slot_init(struct snapshot_slot *slot)
{
    pthread_mutex_init(&slot->lock, NULL);
    slot->current = NULL;
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++)
        atomic_init(&slot->gzip_wanted[f], false);
}

void snapshot_slot_destroy(struct snapshot_slot *slot)
{
    snapshot_unref(slot->current);
    slot->current = NULL;
    pthread_mutex_destroy(&slot->lock);
}

void snapshot_slot_publish(struct snapshot_slot *slot, struct snapshot *s)
{
    pthread_mutex_lock(&slot->lock);
    struct snapshot *old = slot->current;
    slot->current = s;
    pthread_mutex_unlock(&slot->lock);
    snapshot_unref(old);
}

struct snapshot *snapshot_slot_acquire(struct snapshot_slot *slot)
{
    pthread_mutex_lock(&slot->lock);
    struct snapshot *s = slot->current;
    if (s != NULL)
        snapshot_ref(s);
    pthread_mutex_unlock(&slot->lock);
    return s;
}

void snapshot_slot_gzip_wanted(struct snapshot_slot *slot, bool gzip[EXPO_FORMAT_COUNT])
{
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++)
        gzip[f] = atomic_load(&slot->gzip_wanted[f]);
}

static void release_snapshot(void *cls)
{
    snapshot_unref(cls);
}

enum MHD_Result snapshot_serve(struct snapshot_slot *slot, struct MHD_Connection *conn)
{
    struct snapshot *snap = snapshot_slot_acquire(slot);
    if (snap == NULL) {
        static const char msg[] = "no metrics yet\n";
        return httpd_respond(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", msg,
                             sizeof(msg) - 1);
    }
    const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    const char *encoding =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    enum expo_format format = expo_negotiate(accept);
    int gzip = expo_accepts_gzip(encoding);
    if (gzip && snap->body[format][1].data == NULL) {
        /* Not compressed yet: identity now, and the next build compresses it. */
        atomic_store(&slot->gzip_wanted[format], true);
        gzip = 0;
    }
    const struct snapshot_body *body = &snap->body[format][gzip ? 1 : 0];
    return httpd_respond_metrics(conn, expo_content_type(format), gzip, body->data, body->len,
                                 release_snapshot, snap);
}
