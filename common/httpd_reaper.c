/*
 * httpd_reaper.c - the request-head deadline of the HTTP server (httpd.h,
 * HTTPD_HEADER_DEADLINE_MS) and the thread that reaps connections past it.
 *
 * libmicrohttpd has an idle
 * timeout only, so the deadline is kept here: each connection's context
 * holds a slot, armed when the connection opens and when an answer on it
 * completes, disarmed when the request head has arrived (the first call of
 * the access handler, the guard). A reaper thread shuts down (shutdown(2),
 * never close: the fd stays MHD's) the connections past their deadline;
 * MHD then sees the end of the stream and closes them itself. The slots
 * are guarded by `deadline_lock`, and MHD reports a connection closed
 * before it closes its fd, so the reaper never touches an fd that was
 * reused by another connection.
 */
#include "httpd_internal.h"
#include "log.h"
#include "sync.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

int64_t httpd_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A free deadline slot for a new connection, armed; NULL when none is free. */
struct conn_slot *httpd_deadline_take(struct httpd *h, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct conn_slot *slot = NULL;
    pthread_mutex_lock(&h->deadline_lock);
    for (unsigned i = 0; ci != NULL && i < h->n_slots; i++) {
        if (!h->slots[i].used) {
            slot = &h->slots[i];
            *slot = (struct conn_slot){ .used = true,
                                        .fd = ci->connect_fd,
                                        .deadline_ms =
                                            httpd_monotonic_ms() + HTTPD_HEADER_DEADLINE_MS };
            break;
        }
    }
    pthread_mutex_unlock(&h->deadline_lock);
    return slot;
}

/* MHD is about to close the connection (and its fd): the reaper must forget it. */
void httpd_deadline_release(struct httpd *h, struct conn_slot *slot)
{
    if (slot == NULL)
        return;
    pthread_mutex_lock(&h->deadline_lock);
    slot->used = false;
    pthread_mutex_unlock(&h->deadline_lock);
}

/* Sets the deadline of a slot (INT64_MAX disarms it). */
void httpd_deadline_set(struct httpd *h, struct conn_slot *slot, int64_t deadline_ms)
{
    if (slot == NULL)
        return;
    pthread_mutex_lock(&h->deadline_lock);
    if (slot->used)
        slot->deadline_ms = deadline_ms;
    pthread_mutex_unlock(&h->deadline_lock);
}

/* The reaper thread: shuts down connections past their header deadline. */
static void *deadline_reaper(void *arg)
{
    struct httpd *h = arg;
    pthread_mutex_lock(&h->deadline_lock);
    while (!h->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)HTTPD_REAPER_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&h->wake, &h->deadline_lock, &until);
        int64_t now = httpd_monotonic_ms();
        for (unsigned i = 0; i < h->n_slots; i++) {
            struct conn_slot *slot = &h->slots[i];
            if (slot->used && slot->deadline_ms < now) {
                (void)shutdown(slot->fd, SHUT_RDWR);
                slot->deadline_ms = INT64_MAX; /* once */
            }
        }
    }
    pthread_mutex_unlock(&h->deadline_lock);
    return NULL;
}

/* Slots and the reaper thread for `n_slots` connections. Returns 0 or -1. */
int httpd_deadline_start(struct httpd *h, unsigned n_slots, char *err, size_t errlen)
{
    h->n_slots = n_slots;
    h->slots = calloc(n_slots, sizeof(*h->slots));
    if (h->slots == NULL) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    sync_init_monotonic(&h->deadline_lock, &h->wake);
    int rc = pthread_create(&h->reaper, NULL, deadline_reaper, h);
    if (rc != 0) {
        seterr(err, errlen, "cannot start the HTTP deadline thread: %s", strerror(rc));
        return -1;
    }
    h->reaper_started = true;
    return 0;
}

/* Stops the reaper and frees the slots; after the daemons have stopped. */
void httpd_deadline_stop(struct httpd *h)
{
    if (h->reaper_started) {
        sync_stop_join(&h->deadline_lock, &h->wake, &h->stopping, h->reaper);
        h->reaper_started = false;
    }
    if (h->slots != NULL) {
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->deadline_lock);
    }
    free(h->slots);
    h->slots = NULL;
}
