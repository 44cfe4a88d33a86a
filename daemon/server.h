/*
 * server.h - the agent's HTTP endpoints on top of common/httpd:
 *   /                 landing page linking to the metrics
 *   <telemetry-path>  the current snapshot, negotiated format and encoding
 *   /healthz          200 while the process is alive
 *   /readyz           200 once the first collection is published, else 503
 * GET and HEAD only (405 otherwise), 404 for anything else. A request never
 * runs a collector: it serves bytes rendered by the scheduler.
 */
#ifndef DOCKWARD_SERVER_H
#define DOCKWARD_SERVER_H

#include "snapshot.h"

#include "../common/httpd.h"

struct agent_server {
    const struct agent_config *cfg;
    struct snapshot_slot *slot;
    struct httpd *httpd;
};

/*
 * Serving starts in two steps, so the agent can drop privileges after
 * binding and before any thread reads a request. agent_server_bind binds
 * and listens, with the web config `web` (taken over, also on failure;
 * NULL: plain HTTP, no auth) counting into cfg->web_counters: 0, or -1 with
 * err filled (cannot bind, ...). agent_server_serve starts the threads: 0,
 * or -1 with err. Stop the server with agent_server_stop either way.
 */
int agent_server_bind(struct agent_server *srv, const struct agent_config *cfg,
                      struct snapshot_slot *slot, struct webconfig *web, char *err, size_t errlen);
int agent_server_serve(struct agent_server *srv, char *err, size_t errlen);

/* Stops serving and frees the server (also one that is bound only). */
void agent_server_stop(struct agent_server *srv);

#endif
