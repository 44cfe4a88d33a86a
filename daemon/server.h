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
 * Starts serving, with the web config `web` (taken over; NULL: plain HTTP,
 * no auth) counting into cfg->web_counters. Returns 0, or -1 with err
 * filled (cannot bind, ...).
 */
int agent_server_start(struct agent_server *srv, const struct agent_config *cfg,
                       struct snapshot_slot *slot, struct webconfig *web, char *err, size_t errlen);
void agent_server_stop(struct agent_server *srv);

#endif
