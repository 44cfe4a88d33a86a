/*
 * server.c - see server.h. The metrics response hands libmicrohttpd the
 * snapshot's own bytes with a reference held until MHD has sent them, so a
 * scrape costs no copy and no rendering, and a collection that publishes a
 * new snapshot mid-response frees the old one only after it is sent.
 */
#include "server.h"

#include "../common/log.h"

#include <stdio.h>
#include <string.h>

#define TEXT_PLAIN "text/plain; charset=utf-8"

static void release_snapshot(void *cls)
{
    snapshot_unref(cls);
}

static enum MHD_Result serve_metrics(struct agent_server *srv, struct MHD_Connection *conn)
{
    struct snapshot *snap = snapshot_slot_acquire(srv->slot);
    if (snap == NULL) {
        static const char msg[] = "no metrics yet\n";
        return httpd_respond(conn, MHD_HTTP_SERVICE_UNAVAILABLE, TEXT_PLAIN, msg, sizeof(msg) - 1);
    }
    const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    const char *encoding =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    enum expo_format format = expo_negotiate(accept);
    int gzip = expo_accepts_gzip(encoding);
    const struct snapshot_body *body = &snap->body[format][gzip ? 1 : 0];
    return httpd_respond_metrics(conn, expo_content_type(format), gzip, body->data, body->len,
                                 release_snapshot, snap);
}

static enum MHD_Result serve_landing(struct agent_server *srv, struct MHD_Connection *conn)
{
    char page[2048];
    int n = snprintf(page, sizeof(page),
                     "<!DOCTYPE html>\n<html><head><title>dockward</title></head><body>\n"
                     "<h1>dockward %s</h1>\n"
                     "<p>Continuous CIS Docker Benchmark audit of this host.</p>\n"
                     "<ul>\n<li><a href=\"%s\">Metrics</a></li>\n"
                     "<li><a href=\"/healthz\">Health</a></li>\n"
                     "<li><a href=\"/readyz\">Readiness</a></li>\n</ul>\n</body></html>\n",
                     DOCKWARD_VERSION, srv->cfg->telemetry_path);
    if (n < 0 || (size_t)n >= sizeof(page))
        return MHD_NO;
    return httpd_respond(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page, (size_t)n);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    struct agent_server *srv = cls;
    static const int headers_seen = 1; /* address used as a marker only */
    (void)version;
    (void)upload_data;

    /* Refused at once, before any body is read: MHD then closes the connection. */
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return httpd_respond_method_not_allowed(conn);
    /*
     * MHD calls us first when the headers are in, before the (empty) body; a
     * response queued then makes it close the connection. Answer on the
     * second call so scrapers keep their connection alive.
     */
    if (*req_cls != &headers_seen) {
        *req_cls = (void *)&headers_seen;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* a GET with a body: ignore the body */
        return MHD_YES;
    }
    if (strcmp(url, srv->cfg->telemetry_path) == 0)
        return serve_metrics(srv, conn);
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
