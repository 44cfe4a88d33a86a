/*
 * server.h - dockward-store's HTTP endpoints on common/httpd.
 *
 *   POST   /api/v1/reports                ingest (agent tokens; docs/store.md)
 *   GET    /api/v1/...                    the query API (api.c; reader or admin
 *                                         tokens, or basic_auth_users)
 *   DELETE /api/v1/hosts/{id}             retire a host (admin tokens)
 *   PUT    /api/v1/hosts/{id}/owner?credential=NAME   rebind it (admin tokens)
 *   GET    <telemetry path>               fleet metrics from the current snapshot
 *   GET    /, /healthz, /readyz           (only the web config guards these)
 *
 * An ingest request is checked in the order that costs least first: on
 * the headers, before any body is read, the token (401), its role (403
 * unless an agent's), the content type and encoding (415), the declared
 * length (413) and the upload budget (429); then the body is gathered into
 * a capped buffer (413 past STORE_BODY_MAX), inflated when gzip (413 past
 * STORE_INFLATED_MAX, 400 if corrupt), decoded and validated (400), judged
 * against the tokens file's hosts= bindings (403), and queued to the
 * writer (429 when full), which refuses a host owned by another credential
 * (403, db.c). The connection is then suspended - no polling thread waits
 * - until the writer's COMMIT decides the answer and resumes it. Retire and
 * rebind requests take the same way through the writer's queue.
 */
#ifndef DOCKWARD_STORE_SERVER_H
#define DOCKWARD_STORE_SERVER_H

#include "api.h"
#include "metrics.h"
#include "store.h"
#include "tokens.h"
#include "writer.h"

#include "../common/httpd.h"

#include "../common/log.h"

#include <pthread.h>
#include <stdatomic.h>

#define FORBIDDEN_LOG_EVERY_S 5

struct store_server {
    const struct store_config *cfg;
    struct token_slot *tokens;
    struct store_metrics *metrics;
    struct store_writer *writer;
    struct store_api *api;
    struct snapshot_slot *slot;
    atomic_size_t uploads;    /* body buffers being received (capacity), all connections */
    atomic_size_t reports;    /* gunzipped bodies and report arenas (STORE_REPORTS_MEMORY) */
    pthread_mutex_t log_lock; /* guards forbidden_limiter (request + writer threads) */
    struct log_limiter forbidden_limiter; /* refused reports: one log line per few seconds */
    struct httpd *httpd;
};

/*
 * Binds and starts serving with the given parts (all owned by the caller
 * and alive until store_server_stop) and the web config `web` (taken over;
 * NULL: plain HTTP, no auth; its failures are counted in metrics->web).
 * Returns 0, or -1 with err.
 */
int store_server_start(struct store_server *srv, const struct store_config *cfg,
                       struct token_slot *tokens, struct store_metrics *metrics,
                       struct store_writer *writer, struct store_api *api,
                       struct snapshot_slot *slot, struct webconfig *web, char *err, size_t errlen);

/* Stops serving. Stop the writer first: it answers every suspended request. */
void store_server_stop(struct store_server *srv);

#endif
