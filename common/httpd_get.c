/*
 * httpd_get.c - what the GET endpoints of both programs share on top of
 * httpd.c: the handler's first steps (method, MHD's first call, a GET's
 * body) and the landing page. See httpd.h.
 */
#include "httpd.h"

#include <stdio.h>
#include <string.h>

/* The marker *req_cls points at between a GET's first and last call. */
static const int get_marker;

bool httpd_get_ready(struct MHD_Connection *conn, const char *method, size_t *upload_data_size,
                     void **req_cls, enum MHD_Result *ret)
{
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        *ret = httpd_respond_method_not_allowed(conn);
        return false;
    }
    *ret = MHD_YES;
    if (*req_cls != &get_marker) {
        *req_cls = (void *)&get_marker;
        return false;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return false;
    }
    return true;
}

bool httpd_get_marked(const void *req_cls)
{
    return req_cls == &get_marker;
}

enum MHD_Result httpd_respond_landing(struct MHD_Connection *conn, const char *program,
                                      const char *about, const struct httpd_link *links,
                                      size_t n_links)
{
    char page[2048];
    int n = snprintf(page, sizeof(page),
                     "<!DOCTYPE html>\n<html><head><title>%s</title></head><body>\n"
                     "<h1>%s %s</h1>\n<p>%s</p>\n<ul>\n",
                     program, program, DOCKWARD_VERSION, about);
    for (size_t i = 0; i < n_links && n >= 0 && (size_t)n < sizeof(page); i++)
        n += snprintf(page + n, sizeof(page) - (size_t)n, "<li><a href=\"%s\">%s</a></li>\n",
                      links[i].href, links[i].text);
    if (n >= 0 && (size_t)n < sizeof(page))
        n += snprintf(page + n, sizeof(page) - (size_t)n, "</ul>\n</body></html>\n");
    if (n < 0 || (size_t)n >= sizeof(page))
        return MHD_NO;
    return httpd_respond(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page, (size_t)n);
}
