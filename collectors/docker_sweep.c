/*
 * docker_sweep.c - one pass over the Docker Engine API per collection
 * (docker.h): /version (negotiation), /info, /containers/json?all=1 and
 * /containers/{id}/json for each, /images/json and /images/{id}/json plus
 * /images/{id}/history for each, /networks, /volumes. That is 6 + C + 2I
 * requests for C containers and I images, all over the client's one
 * connection. /volumes is not fatal: it only tells which local volumes are
 * binds of host paths, and a container mounting a volume is judged `error`
 * on the checks that need that when it did not answer.
 *
 * What is fatal and what is not. The sweep is `ok` only when /version,
 * /info and the three lists answered: a missing container list must never
 * look like a host without containers. A container or image that fails on
 * its own (gone in between: 404; an answer over the size cap; a body that
 * does not parse) is skipped, counted in item_failures, and the first such
 * failure is kept in `error`. A request that gets no answer at all (the
 * daemon stopped, stalls, closed the connection) ends the sweep: waiting
 * out the timeout once per remaining item would only delay the failure.
 *
 * Bounds: a host that lists more than the container limit
 * (--docker.max-containers, DOCKER_CONTAINERS_MAX) or DOCKER_IMAGES_MAX
 * images has none of them inspected: judging an arbitrary subset would be
 * a silent partial audit, and inspecting them all would cost the time and
 * memory the limit exists to bound. The parsed structs together stay under
 * DOCKER_SWEEP_KEEP_MAX bytes; each body is capped by the client. Bodies
 * are wiped after parsing, since container answers carry environment
 * values that dockward must not keep.
 *
 * Skipped is not the same as unjudged: an item gone in between (404) is
 * simply not on the host any more, while one over a limit or with an
 * answer we cannot use is still there, unjudged. Those are counted in
 * containers_unjudged / images_unjudged, and docker_sweep_complete() makes
 * the collectors that judge them fail with the first reason.
 *
 * After a failed sweep nothing partial is left: `ok` is false and the
 * arrays are empty, so no collector can judge from half an answer.
 */
#include "docker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SWEEP_ID_MAX 128 /* bytes of an id we put in a request path */

/* Ids come from the API; only a plain id may become part of a request path. */
bool docker_id_safe(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > SWEEP_ID_MAX)
        return false;
    for (const char *s = id; *s != '\0'; s++) {
        char ch = *s;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == ':' || ch == '.' || ch == '_' || ch == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* Overwrites a body that may hold secrets (environment values) before reuse. */
static void wipe(struct buf *b)
{
    if (b->data != NULL)
        explicit_bzero(b->data, b->len);
    buf_reset(b);
}

/* ---- kept-bytes accounting (approximate: payload plus malloc overhead) ---- */

#define ALLOC_OVERHEAD 16

static size_t str_bytes(const char *s)
{
    return s != NULL ? strlen(s) + 1 + ALLOC_OVERHEAD : 0;
}

static size_t list_bytes(const struct str_list *l)
{
    size_t n = l->len * sizeof(char *) + ALLOC_OVERHEAD;
    for (size_t i = 0; i < l->len; i++)
        n += str_bytes(l->items[i]);
    return n;
}

static size_t container_bytes(const void *item)
{
    const struct docker_container *c = item;
    size_t n = sizeof(*c);
    const char *strs[] = { c->id,           c->name,          c->image,         c->image_id,
                           c->state,        c->health_status, c->user,          c->apparmor_profile,
                           c->network_mode, c->pid_mode,      c->ipc_mode,      c->uts_mode,
                           c->userns_mode,  c->cgroup_parent, c->restart_policy };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        n += str_bytes(strs[i]);
    const struct str_list *lists[] = { &c->env_names, &c->security_opt, &c->cap_add, &c->cap_drop,
                                       &c->devices,   &c->ulimits,      &c->networks };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        n += list_bytes(lists[i]);
    for (size_t i = 0; i < c->n_mounts; i++)
        n += sizeof(c->mounts[i]) + str_bytes(c->mounts[i].type) + str_bytes(c->mounts[i].source) +
             str_bytes(c->mounts[i].destination) + str_bytes(c->mounts[i].propagation);
    for (size_t i = 0; i < c->n_mounts; i++)
        n += str_bytes(c->mounts[i].name) + str_bytes(c->mounts[i].driver);
    for (size_t i = 0; i < c->n_ports; i++)
        n += sizeof(c->ports[i]) + str_bytes(c->ports[i].container_port) +
             str_bytes(c->ports[i].host_ip);
    for (size_t i = 0; i < c->n_live_ports; i++)
        n += sizeof(c->live_ports[i]) + str_bytes(c->live_ports[i].container_port) +
             str_bytes(c->live_ports[i].host_ip);
    n += list_bytes(&c->exposed_ports);
    return n;
}

static size_t image_bytes(const void *item)
{
    const struct docker_image *img = item;
    return sizeof(*img) + str_bytes(img->id) + str_bytes(img->user) + list_bytes(&img->repo_tags) +
           list_bytes(&img->history);
}

/* ---- the sweep ---- */

struct run {
    struct docker_client *client;
    struct docker_sweep *sweep;
    struct buf body;
    size_t kept;
    /*
     * Images of an earlier answer, sorted by id, that this run may take
     * instead of asking again (docker_sweep_limits.previous); taken[i] once
     * images[i] has moved into the sweep. What is not taken is freed by the
     * caller (reuse_free).
     */
    struct docker_image *reuse;
    size_t n_reuse;
    bool *taken;
};

static void set_error(struct docker_sweep *s, const char *msg)
{
    snprintf(s->error, sizeof(s->error), "%s", msg);
}

/* Records a skipped item; the first one's reason is kept in sweep->error. */
static void item_failed(struct docker_sweep *s, const char *msg)
{
    s->item_failures++;
    if (s->error[0] == '\0')
        set_error(s, msg);
}

/* An item that is still on the host but could not be judged (not a 404). */
static void item_unjudged(struct docker_sweep *s, size_t *counter, size_t n, const char *msg)
{
    *counter += n;
    if (s->unjudged_error[0] == '\0')
        snprintf(s->unjudged_error, sizeof(s->unjudged_error), "%s", msg);
}

/* Whether the last failed request was a 404 (the item is gone). */
static bool gone(const struct run *r)
{
    return docker_client_last_status(r->client) == 404;
}

/*
 * GET path into r->body. Returns 0; 1 when this item failed but the API is
 * answering (skip it); -1 when the API is not answering (err filled).
 */
static int get(struct run *r, const char *path, char *err, size_t errlen)
{
    r->sweep->requests++;
    if (docker_client_get(r->client, path, &r->body, err, errlen) == 0)
        return 0;
    return docker_client_last_status(r->client) != 0 ? 1 : -1;
}

/* ---- images asked once: an image's inspect answer is content-addressed ---- */

/*
 * An image's Id is the digest of its configuration (moby image/image.go:
 * ID() is digest.FromBytes of the config JSON; with the containerd store,
 * of the manifest that names the config by digest). Everything we read
 * from /images/{id}/json and /history comes from that configuration
 * (Created, Config.User, Config.Healthcheck, each layer's CreatedBy) and so
 * cannot change while the Id stays, except RepoTags, which the reference
 * store adds and removes. /images/json shows the same RepoTags, read from
 * the same store in the same order (docker_parse_image_list); so an image
 * whose Id and tags the list shows as they were is not asked again. Tags
 * that differ, or an earlier answer with any field unreadable, are asked
 * again as a sweep would.
 */

static int cmp_image_struct(const void *a, const void *b)
{
    const struct docker_image *x = a, *y = b;
    return strcmp(x->id != NULL ? x->id : "", y->id != NULL ? y->id : "");
}

/*
 * Moves the earlier answer for image `id` into *item (a struct
 * docker_image) when its tags are `key` and nothing in it was unreadable,
 * and counts it. Returns whether it did (sweep_kind.reuse).
 */
static bool reuse_image(struct run *r, const char *id, const char *key, void *item)
{
    struct docker_image *out = item;
    if (r->n_reuse == 0)
        return false;
    struct docker_image probe = { .id = (char *)id };
    struct docker_image *hit =
        bsearch(&probe, r->reuse, r->n_reuse, sizeof(*r->reuse), cmp_image_struct);
    if (hit == NULL)
        return false;
    size_t i = (size_t)(hit - r->reuse);
    if (r->taken[i] || hit->invalid != 0 || !docker_image_tags_are(&hit->repo_tags, key))
        return false;
    *out = *hit;
    out->containers_using = 0;
    r->taken[i] = true;
    r->sweep->images_reused++;
    return true;
}

/* Takes `images` (n) as the run's earlier answers. Returns 0 or -1 (no memory: none kept). */
static int reuse_init(struct run *r, struct docker_image *images, size_t n)
{
    r->reuse = images;
    r->n_reuse = 0;
    r->taken = NULL;
    if (n == 0)
        return 0;
    r->taken = calloc(n, sizeof(*r->taken));
    if (r->taken == NULL) {
        r->reuse = NULL;
        return -1;
    }
    qsort(images, n, sizeof(*images), cmp_image_struct);
    r->n_reuse = n;
    return 0;
}

/* Frees the earlier answers not taken and the array that held them. */
static void reuse_free(struct run *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (r->taken == NULL || !r->taken[i])
            docker_image_free(&r->reuse[i]);
    free(r->reuse);
    free(r->taken);
    r->reuse = NULL;
    r->taken = NULL;
    r->n_reuse = 0;
}

/*
 * What differs between the two lists the sweep inspects item by item
 * (containers, images); sweep_items() is the one loop over either.
 */
struct sweep_kind {
    const char *base;       /* "/containers": the list is base/json, an item base/ID/json */
    const char *list_path;  /* the list request: "/containers/json?all=1" */
    const char *bad_id;     /* "a container id with unexpected characters" */
    const char *plural;     /* "containers" */
    const char *limit_flag; /* how the limit is set, for the over-the-limit message, or "" */
    size_t size;            /* of one parsed item */
    /* The list answer's ids, and per id a key (images: its tags) or an empty list. */
    int (*parse_list)(const char *json, size_t len, struct str_list *ids, struct str_list *keys,
                      char *err, size_t errlen);
    /* An earlier answer for item `id` with list key `key` moved into *item (NULL: never). */
    bool (*reuse)(struct run *r, const char *id, const char *key, void *item);
    int (*parse)(const char *json, size_t len, void *item, char *err, size_t errlen);
    /*
     * Requests after the inspect answer parsed (NULL: none). Returns 0; 1
     * when the item is skipped (msg filled); -1 when the API is not
     * answering (msg filled). On 1 and -1 it has freed the item.
     */
    int (*more)(struct run *r, const char *id, void *item, char *msg, size_t msglen);
    size_t (*kept)(const void *item); /* bytes the parsed item keeps */
};

/* What sweep_items() fills: the caller moves it into the sweep, also on failure. */
struct sweep_items {
    void *items;     /* calloc'ed array of kind->size items */
    size_t n;        /* parsed items in it */
    size_t listed;   /* ids in the list answer */
    size_t unjudged; /* items still on the host but not judged */
};

/*
 * GET the list, then inspect each listed item (none when the list is over
 * `max`: not a subset). Returns 0, or -1 with err when the list or the API
 * failed.
 */
static int sweep_items(struct run *r, const struct sweep_kind *k, size_t max,
                       struct sweep_items *out, char *err, size_t errlen)
{
    struct docker_sweep *s = r->sweep;
    char perr[200];
    if (get(r, k->list_path, err, errlen) != 0)
        return -1;
    struct str_list ids, keys;
    if (k->parse_list(r->body.data, r->body.len, &ids, &keys, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "GET %s/json: %s", k->base, perr);
        return -1;
    }
    wipe(&r->body);
    out->listed = ids.len;
    size_t n = ids.len <= max ? ids.len : 0; /* over the limit: none, not a subset */
    out->items = calloc(n > 0 ? n : 1, k->size);
    if (out->items == NULL) {
        str_list_free(&ids);
        str_list_free(&keys);
        snprintf(err, errlen, "out of memory for %zu %s", n, k->plural);
        return -1;
    }
    int ret = 0;
    for (size_t i = 0; i < n; i++) {
        char path[SWEEP_ID_MAX + 32], msg[256];
        if (!docker_id_safe(ids.items[i])) {
            snprintf(msg, sizeof(msg), "GET %s/json: %s", k->base, k->bad_id);
            item_failed(s, msg);
            item_unjudged(s, &out->unjudged, 1, msg);
            continue;
        }
        if (r->kept > DOCKER_SWEEP_KEEP_MAX) {
            snprintf(msg, sizeof(msg), "sweep keeps more than %u bytes: %s skipped",
                     (unsigned)DOCKER_SWEEP_KEEP_MAX, k->plural);
            item_failed(s, msg);
            item_unjudged(s, &out->unjudged, 1, msg);
            continue;
        }
        void *item = (char *)out->items + out->n * k->size;
        if (k->reuse != NULL && k->reuse(r, ids.items[i], keys.items[i], item)) {
            r->kept += k->kept(item);
            out->n++;
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s/json", k->base, ids.items[i]);
        int rc = get(r, path, msg, sizeof(msg));
        if (rc == 0) {
            rc = k->parse(r->body.data, r->body.len, item, perr, sizeof(perr));
            wipe(&r->body);
            if (rc != 0) {
                snprintf(msg, sizeof(msg), "GET %.90s: %.150s", path, perr);
                item_failed(s, msg);
                item_unjudged(s, &out->unjudged, 1, msg);
                continue;
            }
            if (k->more != NULL)
                rc = k->more(r, ids.items[i], item, msg, sizeof(msg));
        }
        if (rc < 0) {
            snprintf(err, errlen, "%s", msg);
            ret = -1;
            break;
        }
        if (rc > 0) { /* gone in between, or an answer over the cap: skip the item */
            item_failed(s, msg);
            if (!gone(r))
                item_unjudged(s, &out->unjudged, 1, msg);
            continue;
        }
        r->kept += k->kept(item);
        out->n++;
    }
    if (ret == 0 && ids.len > n) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "the host has %zu %s, more than the limit of %zu%s: none were judged", ids.len,
                 k->plural, max, k->limit_flag);
        s->item_failures += ids.len - n - 1;
        item_failed(s, msg);
        item_unjudged(s, &out->unjudged, ids.len - n, msg);
    }
    str_list_free(&ids);
    str_list_free(&keys);
    return ret;
}

static int parse_container_list(const char *json, size_t len, struct str_list *ids,
                                struct str_list *keys, char *err, size_t errlen)
{
    *keys = (struct str_list){ 0 };
    return docker_parse_container_ids(json, len, ids, err, errlen);
}

static int parse_container(const char *json, size_t len, void *item, char *err, size_t errlen)
{
    return docker_parse_container(json, len, item, err, errlen);
}

static int parse_image(const char *json, size_t len, void *item, char *err, size_t errlen)
{
    return docker_parse_image(json, len, item, err, errlen);
}

/* The image's /history, after its inspect answer (sweep_kind.more). */
static int image_history(struct run *r, const char *id, void *item, char *msg, size_t msglen)
{
    struct docker_image *img = item;
    char path[SWEEP_ID_MAX + 32], perr[200];
    snprintf(path, sizeof(path), "/images/%s/history", id);
    int rc = get(r, path, msg, msglen);
    if (rc != 0) {
        docker_image_free(img);
        return rc;
    }
    /* A history that does not parse leaves the image, with DOCKER_F_I_HISTORY set. */
    struct docker_sweep *s = r->sweep;
    if (docker_parse_image_history(r->body.data, r->body.len, img, perr, sizeof(perr)) != 0 &&
        s->error[0] == '\0')
        snprintf(s->error, sizeof(s->error), "GET %.90s: %.150s", path, perr);
    wipe(&r->body);
    return 0;
}

static const struct sweep_kind containers_kind = {
    .base = "/containers",
    .list_path = "/containers/json?all=1",
    .bad_id = "a container id with unexpected characters",
    .plural = "containers",
    .limit_flag = " (--docker.max-containers)",
    .size = sizeof(struct docker_container),
    .parse_list = parse_container_list,
    .reuse = NULL,
    .parse = parse_container,
    .more = NULL,
    .kept = container_bytes,
};

static const struct sweep_kind images_kind = {
    .base = "/images",
    .list_path = "/images/json",
    .bad_id = "an image id with unexpected characters",
    .plural = "images",
    .limit_flag = "",
    .size = sizeof(struct docker_image),
    .parse_list = docker_parse_image_list,
    .reuse = reuse_image,
    .parse = parse_image,
    .more = image_history,
    .kept = image_bytes,
};

static int sweep_containers(struct run *r, size_t max, char *err, size_t errlen)
{
    struct docker_sweep *s = r->sweep;
    struct sweep_items out = { NULL, 0, 0, 0 };
    int rc = sweep_items(r, &containers_kind, max, &out, err, errlen);
    s->containers = out.items;
    s->n_containers = out.n;
    s->containers_listed = out.listed;
    s->containers_unjudged = out.unjudged;
    return rc;
}

static int sweep_images(struct run *r, char *err, size_t errlen)
{
    struct docker_sweep *s = r->sweep;
    struct sweep_items out = { NULL, 0, 0, 0 };
    int rc = sweep_items(r, &images_kind, DOCKER_IMAGES_MAX, &out, err, errlen);
    s->images = out.items;
    s->n_images = out.n;
    s->images_listed = out.listed;
    s->images_unjudged = out.unjudged;
    return rc;
}

static int cmp_image_id(const void *a, const void *b)
{
    const struct docker_image *const *x = a, *const *y = b;
    return strcmp((*x)->id, (*y)->id);
}

/* Counts one more user of the image `id` in the sorted index, if it is there. */
static void count_user(struct docker_image **idx, size_t n, const char *id)
{
    if (id == NULL)
        return;
    struct docker_image key = { .id = (char *)id };
    struct docker_image *keyp = &key;
    struct docker_image **hit = bsearch(&keyp, idx, n, sizeof(*idx), cmp_image_id);
    if (hit != NULL)
        (*hit)->containers_using++;
}

/* containers_using per image: an index of images by id, one lookup per container. */
int docker_sweep_count_users(struct docker_sweep *s, const struct str_list *extra_image_ids)
{
    for (size_t i = 0; i < s->n_images; i++)
        s->images[i].containers_using = 0;
    if (s->n_images == 0)
        return 0;
    struct docker_image **idx = malloc(s->n_images * sizeof(*idx));
    if (idx == NULL)
        return -1;
    for (size_t i = 0; i < s->n_images; i++)
        idx[i] = &s->images[i];
    qsort(idx, s->n_images, sizeof(*idx), cmp_image_id);
    for (size_t i = 0; i < s->n_containers; i++)
        count_user(idx, s->n_images, s->containers[i].image_id);
    for (size_t i = 0; extra_image_ids != NULL && i < extra_image_ids->len; i++)
        count_user(idx, s->n_images, extra_image_ids->items[i]);
    free(idx);
    return 0;
}

/* /version: asked and negotiated, or moved from `prev` when the daemon is the same. */
static int sweep_version(struct run *r, struct docker_sweep *prev, char *err, size_t errlen)
{
    struct docker_sweep *s = r->sweep;
    char perr[200];
    if (prev != NULL && docker_client_use_api_version(r->client, prev->api_version) == 0) {
        s->version = prev->version;
        memset(&prev->version, 0, sizeof(prev->version));
        snprintf(s->api_version, sizeof(s->api_version), "%s", prev->api_version);
        s->version_reused = true;
        return 0;
    }
    s->requests++;
    if (docker_client_negotiate(r->client, &r->body, err, errlen) != 0)
        return -1;
    if (docker_parse_version(r->body.data, r->body.len, &s->version, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "GET /version: %s", perr);
        return -1;
    }
    snprintf(s->api_version, sizeof(s->api_version), "%s", docker_client_api_version(r->client));
    return 0;
}

static int sweep(struct run *r, size_t max_containers, struct docker_sweep *same_daemon, char *err,
                 size_t errlen)
{
    struct docker_sweep *s = r->sweep;
    char perr[200];
    if (sweep_version(r, same_daemon, err, errlen) != 0)
        return -1;

    if (get(r, "/info", err, errlen) != 0)
        return -1;
    if (docker_parse_info(r->body.data, r->body.len, &s->info, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "GET /info: %s", perr);
        return -1;
    }
    if (sweep_containers(r, max_containers, err, errlen) != 0 || sweep_images(r, err, errlen) != 0)
        return -1;
    if (get(r, "/networks", err, errlen) != 0)
        return -1;
    if (docker_parse_networks(r->body.data, r->body.len, &s->networks, &s->n_networks, perr,
                              sizeof(perr)) != 0) {
        snprintf(err, errlen, "GET /networks: %s", perr);
        return -1;
    }
    int vrc = get(r, "/volumes", s->volumes_error, sizeof(s->volumes_error));
    if (vrc < 0) {
        snprintf(err, errlen, "%s", s->volumes_error);
        return -1;
    }
    if (vrc == 0) {
        if (docker_parse_volumes(r->body.data, r->body.len, &s->volumes, &s->n_volumes, perr,
                                 sizeof(perr)) == 0)
            s->volumes_ok = true;
        else
            snprintf(s->volumes_error, sizeof(s->volumes_error), "GET /volumes: %s", perr);
    }
    if (docker_sweep_count_users(s, NULL) != 0) {
        snprintf(err, errlen, "out of memory counting image users");
        return -1;
    }
    return 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Frees what the sweep holds, keeping its counters and error. */
static void release(struct docker_sweep *s)
{
    docker_version_free(&s->version);
    docker_info_free(&s->info);
    for (size_t i = 0; i < s->n_containers; i++)
        docker_container_free(&s->containers[i]);
    free(s->containers);
    s->containers = NULL;
    s->n_containers = 0;
    for (size_t i = 0; i < s->n_images; i++)
        docker_image_free(&s->images[i]);
    free(s->images);
    s->images = NULL;
    s->n_images = 0;
    docker_networks_free(s->networks, s->n_networks);
    s->networks = NULL;
    s->n_networks = 0;
    docker_volumes_free(s->volumes, s->n_volumes);
    s->volumes = NULL;
    s->n_volumes = 0;
    s->volumes_ok = false;
}

int docker_sweep_reread_images(struct docker_client *client, struct docker_sweep *s, char *err,
                               size_t errlen)
{
    struct run r = { .client = client, .sweep = s, .kept = 0 };
    size_t n_old = s->n_images;
    if (reuse_init(&r, s->images, n_old) != 0) {
        for (size_t i = 0; i < n_old; i++)
            docker_image_free(&s->images[i]);
        free(s->images);
        n_old = 0;
    }
    s->images = NULL;
    s->n_images = 0;
    s->images_listed = 0;
    s->images_unjudged = 0;
    s->images_reused = 0;
    buf_init(&r.body, (size_t)-1 / 2);
    int rc = sweep_images(&r, err, errlen);
    reuse_free(&r, n_old);
    wipe(&r.body);
    buf_free(&r.body);
    if (rc == 0 && s->images_unjudged > 0) {
        snprintf(err, errlen, "%zu of %zu images could not be judged: %s", s->images_unjudged,
                 s->images_listed, s->unjudged_error);
        rc = -1;
    }
    return rc;
}

int docker_sweep_run(struct docker_client *client, struct docker_sweep *s)
{
    return docker_sweep_run_limited(client, NULL, s);
}

int docker_sweep_run_limited(struct docker_client *client, const struct docker_sweep_limits *lim,
                             struct docker_sweep *s)
{
    size_t max_containers =
        lim != NULL && lim->max_containers > 0 ? lim->max_containers : DOCKER_CONTAINERS_MAX;
    memset(s, 0, sizeof(*s));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (client == NULL) {
        set_error(s, "no Docker API client");
        return -1;
    }
    struct run r = { .client = client, .sweep = s, .kept = 0 };
    /* An earlier sweep's images, moved out of it: what this one does not take is freed here. */
    struct docker_sweep *prev =
        lim != NULL && lim->previous != NULL && lim->previous->ok ? lim->previous : NULL;
    size_t n_old = 0;
    if (prev != NULL && reuse_init(&r, prev->images, prev->n_images) == 0) {
        n_old = prev->n_images;
        prev->images = NULL;
        prev->n_images = 0;
    }
    /* Each answer is capped by the client (body_max); the buffer itself is not. */
    buf_init(&r.body, (size_t)-1 / 2);
    char err[sizeof(s->error)];
    err[0] = '\0';
    int rc =
        sweep(&r, max_containers, prev != NULL && lim->same_daemon ? prev : NULL, err, sizeof(err));
    reuse_free(&r, n_old);
    wipe(&r.body);
    buf_free(&r.body);
    if (rc != 0) {
        release(s);
        set_error(s, err[0] != '\0' ? err : "Docker API sweep failed");
        s->ok = false;
    } else {
        s->ok = true;
    }
    s->duration_seconds = seconds_since(&t0);
    return rc;
}

int docker_sweep_available(const struct docker_sweep *s, char *err, size_t errlen)
{
    if (s != NULL && s->ok)
        return 0;
    snprintf(err, errlen, "Docker API unavailable: %s",
             s == NULL             ? "the API was not queried"
             : s->error[0] != '\0' ? s->error
                                   : "no answer");
    return -1;
}

int docker_sweep_complete(const struct docker_sweep *s, bool want_images, char *err, size_t errlen)
{
    if (docker_sweep_available(s, err, errlen) != 0)
        return -1;
    if (s->containers_unjudged > 0) {
        snprintf(err, errlen, "%zu of %zu containers could not be judged: %s",
                 s->containers_unjudged, s->containers_listed, s->unjudged_error);
        return -1;
    }
    if (want_images && s->images_unjudged > 0) {
        snprintf(err, errlen, "%zu of %zu images could not be judged: %s", s->images_unjudged,
                 s->images_listed, s->unjudged_error);
        return -1;
    }
    return 0;
}

void docker_sweep_free(struct docker_sweep *s)
{
    if (s == NULL)
        return;
    release(s);
    memset(s, 0, sizeof(*s));
}
