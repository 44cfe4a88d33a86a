/*
 * container_runtime_ports.c - the container_runtime checks of published
 * ports: privileged host ports, the ports open, and the host address they
 * are bound to, judged on the live bindings of a running container and on
 * what HostConfig asks for otherwise. See container_runtime_judge.h.
 */
#include "container_runtime_judge.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

/*
 * Ports: what a container publishes, as dockerd applies it.
 *
 * A running container's real bindings are in NetworkSettings.Ports: they
 * include what -P (PublishAllPorts) published, which HostConfig.PortBindings
 * never shows, and the one port dockerd picked of a host-port range. A
 * container that is not running has only what was asked for: the
 * PortBindings (a range "80-90" as written) plus, with PublishAllPorts, one
 * binding per exposed port (Config.ExposedPorts, the image's EXPOSE merged
 * in) that dockerd will give a port of the ephemeral range at start. With
 * --network host, dockerd discards the bindings (the container uses the
 * host's ports directly; 5.10 says so).
 */

struct port_view {
    struct docker_port_binding *items; /* strings borrowed from the container */
    int *unbound; /* per item: asked for but not bound now (running container) */
    size_t n, n_unbound;
    const char *source;  /* "NetworkSettings.Ports" or "HostConfig.PortBindings" */
    const char *nowhere; /* why dockerd binds none of them (host, none, internal), or NULL */
};

/*
 * Why dockerd publishes no port of this container, or NULL when it may:
 * --network host discards them (daemon_unix.go), --network none and the
 * null, macvlan and ipvlan drivers have no port mapping, and an internal
 * network gets none (network.go buildCreateEndpointOptions).
 */
static const char *publishes_nowhere(const struct run *r, const struct docker_container *c)
{
    const char *mode = str_or(c->network_mode, "");
    if (is_host_mode(mode))
        return "no published ports: with HostConfig.NetworkMode=host dockerd discards them "
               "(5.10 judges the host network)";
    if (strcmp(mode, "none") == 0)
        return "no published ports: HostConfig.NetworkMode=none binds none";
    if (joins_container(mode) || c->networks.len == 0)
        return NULL;
    for (size_t n = 0; n < c->networks.len; n++) {
        const struct docker_network *nw = NULL;
        for (size_t i = 0; i < r->sw->n_networks && nw == NULL; i++) {
            if (r->sw->networks[i].name != NULL &&
                strcmp(r->sw->networks[i].name, str_or(c->networks.items[n], "")) == 0)
                nw = &r->sw->networks[i];
        }
        const char *drv = nw != NULL ? str_or(nw->driver, "") : "";
        if (nw == NULL || !(nw->internal || strcmp(drv, "null") == 0 ||
                            strcmp(drv, "macvlan") == 0 || strcmp(drv, "ipvlan") == 0))
            return NULL; /* a network that may publish (or one not known: judge the ports) */
    }
    return "no published ports: only on internal, null, macvlan or ipvlan networks, which "
           "dockerd maps no port on";
}

/* 1 when a running container has a real binding of this container port. */
static int live_has(const struct docker_container *c, const char *container_port)
{
    for (size_t i = 0; i < c->n_live_ports; i++) {
        if (strcmp(str_or(c->live_ports[i].container_port, ""), container_port) == 0)
            return 1;
    }
    return 0;
}

/* Appends one binding to the view (room was made for every candidate). */
static void port_view_add(struct port_view *pv, struct docker_port_binding b, int unbound)
{
    pv->items[pv->n] = b;
    pv->unbound[pv->n] = unbound;
    pv->n++;
    pv->n_unbound += unbound != 0;
}

static int port_view_build(const struct run *r, const struct docker_container *c,
                           struct port_view *pv)
{
    memset(pv, 0, sizeof(*pv));
    pv->nowhere = publishes_nowhere(r, c);
    if (pv->nowhere != NULL) {
        pv->source = "HostConfig.PortBindings";
        return 0;
    }
    size_t max = c->n_live_ports + c->n_ports + (c->publish_all ? c->exposed_ports.len : 0);
    pv->items = calloc(max + 1, sizeof(*pv->items));
    pv->unbound = calloc(max + 1, sizeof(*pv->unbound));
    if (pv->items == NULL || pv->unbound == NULL) {
        free(pv->items);
        free(pv->unbound);
        return -1;
    }
    /*
     * What was asked for (PortBindings, and -P's exposed ports) is bound at
     * every start; a running container that has no real binding for one
     * (a daemon with --bridge=none binds nothing) is still judged on it.
     */
    int running = c->running;
    for (size_t i = 0; running && i < c->n_live_ports; i++)
        port_view_add(pv, c->live_ports[i], 0);
    for (size_t i = 0; i < c->n_ports; i++) {
        if (!running || !live_has(c, str_or(c->ports[i].container_port, "")))
            port_view_add(pv, c->ports[i], running);
    }
    for (size_t e = 0; c->publish_all && e < c->exposed_ports.len; e++) {
        const char *port = str_or(c->exposed_ports.items[e], "");
        int asked = 0;
        for (size_t i = 0; i < c->n_ports && !asked; i++)
            asked = strcmp(str_or(c->ports[i].container_port, ""), port) == 0;
        if (!asked && (!running || !live_has(c, port))) /* -P: every interface, ephemeral port */
            port_view_add(pv,
                          (struct docker_port_binding){ .container_port = (char *)port,
                                                        .host_ip = (char *)"",
                                                        .host_port = 0 },
                          running);
    }
    if (running)
        pv->source = pv->n_unbound > 0 ? "NetworkSettings.Ports, and HostConfig.PortBindings or "
                                         "PublishAllPorts for ports not bound now"
                                       : "NetworkSettings.Ports";
    else
        pv->source = c->publish_all ? "HostConfig.PortBindings and PublishAllPorts"
                                    : "HostConfig.PortBindings";
    return 0;
}

/* An error result when the port facts of this container cannot be read; 0 when they can. */
static int port_fields_bad(const struct cview *v, const char **field)
{
    const struct docker_container *c = v->c;
    if (c->invalid & F(PORTS))
        *field = docker_container_field_name(DOCKER_F_C_PORTS);
    else if (c->invalid & F(PUBLISH_ALL))
        *field = docker_container_field_name(DOCKER_F_C_PUBLISH_ALL);
    else if (c->running && (c->invalid & F(LIVE_PORTS)))
        *field = docker_container_field_name(DOCKER_F_C_LIVE_PORTS);
    else
        return 0;
    return 1;
}

/* "0.0.0.0:80->80/tcp", "[::]:auto->443/tcp", "*:80-90->8080/tcp". */
static void format_binding(const struct docker_port_binding *p, char *out, size_t outlen)
{
    const char *ip = str_or(p->host_ip, "");
    char port[24];
    if (p->host_port == 0)
        snprintf(port, sizeof(port), "auto");
    else if (p->host_port_hi > p->host_port)
        snprintf(port, sizeof(port), "%u-%u", p->host_port, p->host_port_hi);
    else
        snprintf(port, sizeof(port), "%u", p->host_port);
    if (ip[0] == '\0')
        snprintf(out, outlen, "*:%s->%s", port, str_or(p->container_port, "?"));
    else if (strchr(ip, ':') != NULL)
        snprintf(out, outlen, "[%s]:%s->%s", ip, port, str_or(p->container_port, "?"));
    else
        snprintf(out, outlen, "%s:%s->%s", ip, port, str_or(p->container_port, "?"));
}

/* Item i of a view as text, marked when it is asked for but not bound now. */
static void format_item(const struct port_view *pv, size_t i, char *out, size_t outlen)
{
    char text[160];
    format_binding(&pv->items[i], text, sizeof(text));
    snprintf(out, outlen, "%s%s", text, pv->unbound[i] ? " (not bound now)" : "");
}

/* All items of a view, for a pass's evidence: ": a, b" or "". */
static void list_all(const struct port_view *pv, struct buf *all)
{
    for (size_t i = 0; i < pv->n; i++) {
        char text[192];
        format_item(pv, i, text, sizeof(text));
        list_add(all, "%s", text);
    }
}

/*
 * Runs one port judgement with the view built. Errors and a container that
 * publishes nowhere (host, none, internal networks) are settled here, the
 * latter with `nowhere_status` (pass for 5.8 and 5.14, skip for manual 5.9).
 */
static int judge_ports_with(struct run *r, const struct cview *v, const char *id,
                            enum check_status nowhere_status,
                            int (*fn)(struct run *, const struct cview *, const char *,
                                      const struct port_view *))
{
    const char *field = NULL;
    if (port_fields_bad(v, &field))
        return add(r, v, id, CHECK_ERROR, "%s missing or mistyped in the API answer", field);
    struct port_view pv;
    if (port_view_build(r, v->c, &pv) != 0)
        return -1;
    int rc =
        pv.nowhere != NULL ? add(r, v, id, nowhere_status, "%s", pv.nowhere) : fn(r, v, id, &pv);
    free(pv.items);
    free(pv.unbound);
    return rc;
}

/*
 * The result of 5.8 or 5.14: fail listing `found` (the offending bindings),
 * else pass listing every binding judged. Frees `found`.
 */
static int ports_result(struct run *r, const struct cview *v, const char *id,
                        const struct port_view *pv, struct buf *found, const char *fail_what,
                        const char *pass_what)
{
    int rc;
    if (found->len > 0) {
        rc = add(r, v, id, CHECK_FAIL, "%s (%s): %s", fail_what, pv->source, buf_str(found));
    } else if (pv->n == 0) {
        rc = add(r, v, id, CHECK_PASS, "no published ports (%s)", pv->source);
    } else {
        list_all(pv, found);
        rc = add(r, v, id, CHECK_PASS, "%zu published ports, %s (%s): %s", pv->n, pass_what,
                 pv->source, buf_str(found));
    }
    buf_free(found);
    return rc;
}

static int privileged_ports(struct run *r, const struct cview *v, const char *id,
                            const struct port_view *pv)
{
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    for (size_t i = 0; i < pv->n; i++) {
        const struct docker_port_binding *p = &pv->items[i];
        /* Port 0 is one Docker assigns from the ephemeral range; a range may start below. */
        if (p->host_port != 0 && p->host_port < PRIVILEGED_PORT) {
            char text[192];
            format_item(pv, i, text, sizeof(text));
            list_add(&found, "%s", text);
        }
    }
    return ports_result(r, v, id, pv, &found, "host ports below 1024 published", "none below 1024");
}

int runtime_judge_privileged_ports(struct run *r, const struct cview *v, const char *id)
{
    return judge_ports_with(r, v, id, CHECK_PASS, privileged_ports);
}

static int open_ports(struct run *r, const struct cview *v, const char *id,
                      const struct port_view *pv)
{
    if (pv->n == 0)
        return add(r, v, id, CHECK_SKIP, "no published ports (%s)", pv->source);
    struct buf all;
    buf_init(&all, EVIDENCE_LIST_MAX);
    list_all(pv, &all);
    int rc = add(r, v, id, CHECK_WARN, "published ports (review that each is needed; %s%s): %s",
                 pv->source, v->c->publish_all ? ", -P publishes every exposed port" : "",
                 buf_str(&all));
    buf_free(&all);
    return rc;
}

int runtime_judge_open_ports(struct run *r, const struct cview *v, const char *id)
{
    return judge_ports_with(r, v, id, CHECK_SKIP, open_ports);
}

/*
 * The address a binding without HostIp (or with one dockerd cannot parse:
 * net.ParseIP gives nil) gets at start: the network's
 * com.docker.network.bridge.host_binding_ipv4 (dockerd sets it on the
 * default bridge from its --ip; --ip applies to no other network), else
 * 0.0.0.0 (libnetwork's default). dockerd's --ip is used only for the
 * default bridge when /networks did not show its option.
 */
static const char *default_binding_ip(const struct run *r, const struct docker_container *c,
                                      const char **why)
{
    for (size_t n = 0; n < c->networks.len; n++) {
        for (size_t i = 0; i < r->sw->n_networks; i++) {
            const struct docker_network *nw = &r->sw->networks[i];
            if (nw->name != NULL && strcmp(nw->name, str_or(c->networks.items[n], "")) == 0 &&
                nw->host_binding_ip != NULL && nw->host_binding_ip[0] != '\0') {
                *why = "the network's host_binding_ipv4";
                return nw->host_binding_ip;
            }
        }
    }
    if (r->bind_ip[0] != '\0' && str_list_has(&c->networks, "bridge")) {
        *why = r->bind_ip_why;
        return r->bind_ip;
    }
    *why = "libnetwork's default";
    return "0.0.0.0";
}

/* 1 for an unspecified address in any spelling ("0.0.0.0", "::", "0:0::0"). */
static int every_interface(const char *ip)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, ip, &a4) == 1)
        return a4.s_addr == 0;
    if (inet_pton(AF_INET6, ip, &a6) == 1) {
        static const unsigned char zero[4];
        return IN6_IS_ADDR_UNSPECIFIED(&a6) ||
               (IN6_IS_ADDR_V4MAPPED(&a6) && memcmp(&a6.s6_addr[12], zero, 4) == 0);
    }
    return 0;
}

/* 1 when dockerd can parse it as an address (net.ParseIP); else it binds the default. */
static int parsable_address(const char *ip)
{
    struct in_addr a4;
    struct in6_addr a6;
    return inet_pton(AF_INET, ip, &a4) == 1 || inet_pton(AF_INET6, ip, &a6) == 1;
}

static int bound_ports(struct run *r, const struct cview *v, const char *id,
                       const struct port_view *pv)
{
    struct buf found;
    buf_init(&found, EVIDENCE_LIST_MAX);
    for (size_t i = 0; i < pv->n; i++) {
        const struct docker_port_binding *p = &pv->items[i];
        const char *ip = str_or(p->host_ip, "");
        char text[192];
        format_item(pv, i, text, sizeof(text));
        if (ip[0] == '\0' || !parsable_address(ip)) {
            const char *why = "";
            const char *eff = default_binding_ip(r, v->c, &why);
            if (every_interface(eff))
                list_add(&found, "%s (%s: %s, %s)", text,
                         ip[0] == '\0' ? "no HostIp" : "HostIp not an address", eff, why);
        } else if (every_interface(ip)) {
            list_add(&found, "%s", text);
        }
    }
    return ports_result(r, v, id, pv, &found, "ports bound to every interface",
                        "each on a specific address");
}

int runtime_judge_bound_ports(struct run *r, const struct cview *v, const char *id)
{
    return judge_ports_with(r, v, id, CHECK_PASS, bound_ports);
}
