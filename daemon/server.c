/*
 * server.c - see server.h. The metrics response is common/snapshot.c's
 * snapshot_serve, the store's too: the snapshot's own bytes, no copy and no
 * rendering per scrape.
 */
#include "server.h"

#include "../common/log.h"

#include <stdio.h>
#include <string.h>

#define TEXT_PLAIN "text/plain; charset=utf-8"

static enum MHD_Result serve_landing(struct agent_server *srv, struct MHD_Connection *conn)
{
    const struct httpd_link links[] = { { srv->cfg->telemetry_path, "Metrics" },
                                        { "/healthz", "Health" },
                                        { "/readyz", "Readiness" } };
    return httpd_respond_landing(conn, "dockward",
                                 "Continuous CIS Docker Benchmark audit of this host.", links, 3);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    struct agent_server *srv = cls;
    (void)version;
    (void)upload_data;
    enum MHD_Result ret;
    if (!httpd_get_ready(conn, method, upload_data_size, req_cls, &ret))
        return ret;
    if (strcmp(url, srv->cfg->telemetry_path) == 0)
        return snapshot_serve(srv->slot, conn);
    if (strcmp(url, "/") == 0)
        return serve_landing(srv, conn);
    if (strcmp(url, "/healthz") == 0) {
        static const char ok[] = "ok\n";
        return httpd_respond(conn, MHD_HTTP_OK, TEXT_PLAIN, ok, sizeof(ok) - 1);
    }
    if (strcmp(url, "/readyz") == 0) {
        struct snapshot *snap = snapshot_slot_acquire(srv->slot);
        bool ready = snap != NULL && snap->ready;
        snapshot_unref(snap);
        static const char yes[] = "ready\n";
        static const char no[] = "not ready: the first collection has not finished\n";
        return ready ? httpd_respond(conn, MHD_HTTP_OK, TEXT_PLAIN, yes, sizeof(yes) - 1)
                     : httpd_respond(conn, MHD_HTTP_SERVICE_UNAVAILABLE, TEXT_PLAIN, no,
                                     sizeof(no) - 1);
    }
    static const char nf[] = "not found\n";
    return httpd_respond(conn, MHD_HTTP_NOT_FOUND, TEXT_PLAIN, nf, sizeof(nf) - 1);
}

/* The options of both steps: the same values for httpd_bind and httpd_serve. */
static struct httpd_options server_options(const struct agent_config *cfg, struct webconfig *web)
{
    return (struct httpd_options){ .listen_address = cfg->listen_address,
                                   .max_connections = (unsigned)cfg->max_connections,
                                   .completed = NULL,
                                   .web = web,
                                   .realm = "dockward",
                                   .counters = cfg->web_counters };
}

int agent_server_bind(struct agent_server *srv, const struct agent_config *cfg,
                      struct snapshot_slot *slot, struct webconfig *web, char *err, size_t errlen)
{
    struct httpd_options opts = server_options(cfg, web);
    srv->cfg = cfg;
    srv->slot = slot;
    srv->httpd = httpd_bind(&opts, err, errlen);
    return srv->httpd != NULL ? 0 : -1;
}

int agent_server_serve(struct agent_server *srv, char *err, size_t errlen)
{
    struct httpd_options opts = server_options(srv->cfg, NULL); /* web: taken at bind */
    return httpd_serve(srv->httpd, &opts, handle, srv, err, errlen);
}

void agent_server_stop(struct agent_server *srv)
{
    httpd_stop(srv->httpd);
    srv->httpd = NULL;
}
