/*
 * httpd_internal.h - what the pieces of the HTTP server share, and nothing
 * the programs see (they include httpd.h only). The server is split by
 * concern:
 *   httpd.c            listening socket, MHD daemons, start/stop, reload,
 *                      the response helpers (server core);
 *   httpd_guard.c      the web-config guard in front of every handler:
 *                      client certificates, basic auth, configured headers;
 *   httpd_auth_pool.c  the web state in force, its cache of passed
 *                      credentials and the bcrypt worker pool;
 *   httpd_reaper.c     the request-head deadline and its reaper thread.
 * Who owns what is written at each struct below and at the top of each file.
 */
#ifndef DOCKWARD_HTTPD_INTERNAL_H
#define DOCKWARD_HTTPD_INTERNAL_H

#include "httpd.h"

#include <pthread.h>
#include <stdint.h>

struct webconfig;

/*
 * bcrypt workers (one per core of a small host) and the checks that may
 * wait for them; a check beyond that gets 429 without any bcrypt. 64 jobs
 * are about 1.6 s of work at cost 10 for two workers.
 */
#define HTTPD_AUTH_WORKERS   2
#define HTTPD_AUTH_QUEUE_MAX 64
/*
 * Of which one client address may hold this many: a flood from one address
 * leaves room for the first logins of everybody else.
 */
#define HTTPD_AUTH_QUEUE_PER_ADDRESS 16
#define AUTH_CACHE_ENTRIES           64
#define AUTH_CACHE_MAC_LEN           32 /* HMAC-SHA256 */

/*
 * The web config in force and what hangs off it. Immutable but for the
 * cache (its own lock); freed by the last reference.
 *
 * The cache: checking a bcrypt hash costs tens of milliseconds on a polling
 * thread, and Prometheus sends the same credentials every scrape. So a
 * successful check is remembered as HMAC-SHA256(key, user NUL password)
 * under a random key made for this config; a later request whose MAC is
 * in the cache skips bcrypt. What that gives and costs:
 *   - only successes are cached: a wrong password, or an unknown user,
 *     always costs a full bcrypt, so guessing gets no faster over the
 *     network, and the cache never answers "no";
 *   - it never holds a password: a memory dump gives MACs and their key,
 *     which lets an attacker test guesses at HMAC speed instead of bcrypt
 *     speed - for passwords used since the last reload only; one who can
 *     read this process's memory can read the passwords off the wire too;
 *   - bounded (AUTH_CACHE_ENTRIES, oldest replaced), and gone with its
 *     config: a reload that removes a user or changes a password takes
 *     effect at once.
 * A check that misses the cache runs on the bcrypt workers, not on a
 * polling thread (see httpd_auth_pool.c), so a flood of wrong
 * passwords costs the workers and gets 429s, never delays a cached scrape.
 */
struct web_state {
    atomic_int refs;
    struct webconfig *wc; /* NULL: no web config */
    pthread_mutex_t cache_lock;
    unsigned char cache_key[AUTH_CACHE_MAC_LEN];
    unsigned char cache[AUTH_CACHE_ENTRIES][AUTH_CACHE_MAC_LEN];
    size_t cache_used, cache_next;
};

/* One open connection under the header deadline (see httpd_reaper.c). */
struct conn_slot {
    bool used;
    int fd;
    int64_t deadline_ms; /* CLOCK_MONOTONIC; INT64_MAX = head received, not armed */
};

/*
 * One per MHD daemon, the cls of its callbacks, so that a connection knows
 * its daemon (MHD's connection info names a worker daemon of the thread
 * pool, not the one MHD_start_daemon returned). Freed after that daemon
 * stopped.
 */
struct daemon_tag {
    struct httpd *h;
    atomic_int parked; /* connections the program parked with httpd_suspend */
};

enum auth_state { AUTH_IDLE = 0, AUTH_QUEUED, AUTH_DONE };
enum auth_verdict { AUTH_OK, AUTH_WRONG, AUTH_DROPPED };

/*
 * A bcrypt check, embedded in its connection's conn_ctx. From queueing to
 * the resume it belongs to the pool (`auth_lock` for the links, the worker
 * that took it for the rest); then to the polling thread again.
 */
struct auth_job {
    struct auth_job *next;
    struct MHD_Connection *conn;
    const struct daemon_tag *tag; /* the connection's daemon */
    unsigned char addr[16]; /* the client's address (IPv4: 4 bytes), for the per-address cap */
    size_t addr_len;
    struct web_state *web;                 /* the request's state (cc->web, held by cc) */
    char *user, *password;                 /* from MHD (MHD_free); wiped by whoever ends the job */
    unsigned char mac[AUTH_CACHE_MAC_LEN]; /* cached on success */
    bool have_mac;
    atomic_int state;          /* enum auth_state */
    enum auth_verdict verdict; /* written before AUTH_DONE and the resume */
};

struct httpd {
    struct MHD_Daemon *daemon;
    struct MHD_Daemon *retired; /* quiesced by the last TLS reload; stopped at the next */
    struct daemon_tag *daemon_tag, *retired_tag;
    int listen_fd;
    char bound[128];
    /* What a (re)started daemon needs. */
    unsigned max_conn, per_ip;
    httpd_handler handler;
    void *cls;
    MHD_RequestCompletedCallback completed;
    const char *realm;
    const char *own_auth_post_path; /* see httpd_options */
    const char *own_bearer_prefix;  /* see httpd_options */
    struct httpd_web_counters *counters;
    pthread_mutex_t web_lock; /* guards `web` (the pointer and the ref taken under it) */
    struct web_state *web;
    /*
     * Header deadline: slots and the reaper, guarded by `deadline_lock`.
     * Twice the connection limit, for the connections a daemon retired by a
     * TLS reload still holds; a connection that finds no slot has no deadline.
     */
    pthread_mutex_t deadline_lock;
    pthread_cond_t wake; /* signalled to stop the reaper */
    bool stopping;
    bool reaper_started;
    pthread_t reaper;
    struct conn_slot *slots;
    unsigned n_slots;
    /* The bcrypt pool (see httpd_auth_pool.c), all guarded by `auth_lock`. */
    pthread_mutex_t auth_lock;
    pthread_cond_t auth_work; /* a job was queued, or the workers must quit */
    pthread_cond_t auth_idle; /* a worker finished a job */
    struct auth_job *auth_head, *auth_tail;
    unsigned auth_queued;                                      /* <= HTTPD_AUTH_QUEUE_MAX */
    const struct daemon_tag *auth_running[HTTPD_AUTH_WORKERS]; /* each worker's job's daemon */
    const struct daemon_tag *auth_fenced; /* being stopped: no new job for its connections */
    bool auth_closed;                     /* httpd_stop: no new job at all */
    bool auth_quit;
    unsigned auth_threads; /* created (joined by httpd_stop) */
    unsigned auth_started; /* running: each worker's index in auth_running */
    pthread_t auth_workers[HTTPD_AUTH_WORKERS];
};

/* Per connection (MHD's socket context), from accept to close. */
struct conn_ctx {
    struct web_state *web;  /* the state of the current request (a reference) */
    struct daemon_tag *tag; /* the daemon that accepted it */
    int cert_ok;            /* client certificate judged: -1 not yet, 0 refused, 1 fine */
    bool refused;           /* the current request got a 401/429 from the guard */
    bool basic_ok;          /* the current request passed basic_auth_users */
    void *inner_cls;        /* the handler's *req_cls */
    struct conn_slot *slot; /* header deadline; NULL: none free */
    struct auth_job auth;   /* the current request's bcrypt check, if any */
};

enum auth_submit_result { AUTH_SUBMITTED, AUTH_QUEUE_FULL, AUTH_CLOSED };

/* ---- httpd_reaper.c: the request-head deadline ---- */

/* CLOCK_MONOTONIC in milliseconds. */
int64_t httpd_monotonic_ms(void);
/* A free deadline slot for a new connection, armed; NULL when none is free. */
struct conn_slot *httpd_deadline_take(struct httpd *h, struct MHD_Connection *conn);
/* MHD is about to close the connection (and its fd): the reaper must forget it. */
void httpd_deadline_release(struct httpd *h, struct conn_slot *slot);
/* Sets the deadline of a slot (INT64_MAX disarms it). */
void httpd_deadline_set(struct httpd *h, struct conn_slot *slot, int64_t deadline_ms);
/* Slots and the reaper thread for `n_slots` connections. Returns 0 or -1 with err. */
int httpd_deadline_start(struct httpd *h, unsigned n_slots, char *err, size_t errlen);
/* Stops the reaper and frees the slots; after the daemons have stopped. */
void httpd_deadline_stop(struct httpd *h);

/* ---- httpd_auth_pool.c: web state, credential cache, bcrypt pool ---- */

/* A web state holding `wc` (taken over), one reference; NULL on no memory. */
struct web_state *httpd_web_state_new(struct webconfig *wc);
/* Drops a reference (NULL: nothing); the last one frees the state and its config. */
void httpd_web_state_unref(struct web_state *ws);
/* The state in force with a reference taken (release with httpd_web_state_unref). */
struct web_state *httpd_web_acquire(struct httpd *h);
/* The MAC that stands for (user, password) in the cache. 0 or -1. */
int httpd_auth_cache_mac(const struct web_state *ws, const char *user, const char *password,
                         unsigned char mac[AUTH_CACHE_MAC_LEN]);
/* Whether `mac` is in the cache of passed credentials. */
bool httpd_auth_cache_has(struct web_state *ws, const unsigned char mac[AUTH_CACHE_MAC_LEN]);
/* Wipes and frees credentials MHD gave us (either may be NULL). */
void httpd_free_credentials(char *user, char *password);
/* Starts the workers. Returns 0, or -1 with err (those started are joined by httpd_stop). */
int httpd_auth_pool_start(struct httpd *h, char *err, size_t errlen);
/* Drops `tag`'s pending jobs (all when NULL) and fences it off; see httpd_auth_pool.c. */
void httpd_auth_fence(struct httpd *h, const struct daemon_tag *tag);
/* Lifts the fence of one daemon set by httpd_auth_fence. */
void httpd_auth_unfence(struct httpd *h);
/* Tells the workers to quit and joins them; after the daemons stopped. */
void httpd_auth_pool_stop(struct httpd *h);
/* The pool's lock and conditions; after httpd_auth_pool_stop (or when it never started). */
void httpd_auth_pool_destroy(struct httpd *h);
/*
 * Queues the bcrypt check of `user`/`password` for the connection and
 * suspends it; on AUTH_SUBMITTED the job owns the credentials, otherwise
 * the caller still does. Polling thread, from the guard.
 */
enum auth_submit_result httpd_auth_submit(struct httpd *h, struct conn_ctx *cc,
                                          struct MHD_Connection *conn, char *user, char *password,
                                          const unsigned char *mac, bool have_mac);

/* ---- httpd_guard.c: the web-config guard (MHD's callbacks) ---- */

/* MHD's access handler: the guard, then the program's handler. */
enum MHD_Result httpd_guard(void *cls, struct MHD_Connection *conn, const char *url,
                            const char *method, const char *version, const char *upload_data,
                            size_t *upload_data_size, void **req_cls);
/* MHD's request-completed callback: re-arms the head deadline, ends the request. */
void httpd_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                        enum MHD_RequestTerminationCode toe);
/* MHD's connection callback: the connection's conn_ctx from accept to close. */
void httpd_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                         enum MHD_ConnectionNotificationCode toe);
/* Adds http_server_config.headers of the connection's current request. */
void httpd_add_web_headers(struct MHD_Connection *conn, struct MHD_Response *r);

#endif
