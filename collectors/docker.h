/*
 * docker.h - the Docker Engine API as the collectors see it: a GET-only
 * client, and one sweep per collection whose answers are parsed into compact
 * structs that every Docker-facing collector shares.
 *
 * Client (docker_client.c). libcurl over the unix socket of --docker.host
 * (CURLOPT_UNIX_SOCKET_PATH) or tcp:// with optional TLS client certificates.
 * It sends GET only: docker_client_request() refuses any other method in code,
 * because the socket is root-equivalent and dockward never changes anything.
 * One curl easy handle, so one keep-alive connection serves the whole sweep.
 * Timeouts on connect and on each whole request, a hard cap on each body.
 * The API version is negotiated once per sweep from GET /version: the lower
 * of the server's ApiVersion and DOCKER_API_VERSION_MAX, as a "/v1.xx" prefix.
 *
 * Sweep (docker_sweep.c). One sweep per collection, done by the framework
 * before the collectors run (only when an enabled collector needs Docker):
 * /version, /info, /containers/json?all=1, /containers/{id}/json for each,
 * /images/json, /images/{id}/json and /images/{id}/history for each image,
 * /networks, /volumes. Each answer is parsed with cJSON into the structs below and the
 * cJSON tree freed at once, so memory grows with what we keep, not with the
 * JSON. Environment variables are kept by NAME only: values never enter
 * dockward.
 *
 * Missing or mistyped fields. A field that the API omitted or sent with the
 * wrong type is recorded in the owning struct's `invalid` bit set (one
 * DOCKER_F_* bit per field) and left zero/NULL; the check that needs it
 * reports `error` naming the field, never a crash or a silent pass. A JSON
 * null for an optional list (CapAdd, SecurityOpt, Mounts, Env, ...) is an
 * empty list, as Docker means it; null PidsLimit is "unset".
 *
 * Ownership: a struct docker_sweep is built by docker_sweep_run(), owned by
 * the collection that ran it, read-only for collectors, freed with
 * docker_sweep_free().
 */
#ifndef DOCKWARD_DOCKER_H
#define DOCKWARD_DOCKER_H

#include "../common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOCKER_API_VERSION_MIN    "1.24"
#define DOCKER_API_VERSION_MAX    "1.45"
#define DOCKER_CONNECT_TIMEOUT_MS 3000
#define DOCKER_REQUEST_TIMEOUT_MS 10000
#define DOCKER_BODY_MAX           (16u * 1024 * 1024) /* any one API answer */
/*
 * Containers judged per sweep, the default and the most of
 * --docker.max-containers: container_runtime writes about 31 results per
 * container, and 3000 * 31 stays under RESULT_MAX_PER_COLLECTOR (100,000).
 * A host with more containers than the limit has none judged: the
 * container collectors fail saying so, never audit a silent subset.
 */
#define DOCKER_CONTAINERS_MAX 3000
#define DOCKER_IMAGES_MAX     20000 /* images judged per sweep; more = none judged */
/*
 * The whole sweep's time budget is the collection interval, clamped to
 * [DOCKER_REQUEST_TIMEOUT_MS, DOCKER_SWEEP_BUDGET_MAX_MS]: an API that
 * answers each request just under the request timeout cannot keep a
 * collection running for (requests * timeout).
 */
#define DOCKER_SWEEP_BUDGET_MAX_MS 300000
/* Added by the client/sweep implementation (helper D): */
#define DOCKER_ID_LIST_MAX     100000 /* entries one /containers/json or /images/json may hold */
#define DOCKER_LIST_MAX        65536  /* items kept in one str_list/array field; more = invalid */
#define DOCKER_STRING_MAX      8192   /* bytes of one kept string field; longer = invalid */
#define DOCKER_JSON_VALUES_MAX 500000 /* JSON values in one parsed document (or list element) */
#define DOCKER_JSON_DEPTH_MAX  64     /* nesting of one parsed answer (cJSON allows 1000) */
#define DOCKER_SWEEP_KEEP_MAX  (256u * 1024 * 1024) /* bytes of parsed structs one sweep keeps */

/* ---- client ---- */

/*
 * Initialises libcurl for the whole process (curl_global_init). Call it once
 * from main() before any thread starts; calling it again is harmless
 * (libcurl counts the calls). Returns 0, or -1 when libcurl cannot start.
 */
int docker_global_init(void);

struct docker_client_options {
    const char *host;     /* "unix:///var/run/docker.sock" or "tcp://host:2376" */
    const char *tls_ca;   /* tcp:// only; NULL = no TLS */
    const char *tls_cert; /* client certificate, NULL = none */
    const char *tls_key;
    long connect_timeout_ms; /* 0 = DOCKER_CONNECT_TIMEOUT_MS */
    long request_timeout_ms; /* 0 = DOCKER_REQUEST_TIMEOUT_MS */
    size_t body_max;         /* 0 = DOCKER_BODY_MAX */
    /*
     * Budget of every request the client makes together, counted from
     * docker_client_new(): each request's timeout is the lesser of
     * request_timeout_ms and what is left; with nothing left a request
     * fails at once ("time budget of N ms for the Docker API spent").
     * 0 = no budget beyond the per-request timeout.
     */
    long total_timeout_ms;
};

struct docker_client;

/* Returns a client (no connection made yet), or NULL with err filled. */
struct docker_client *docker_client_new(const struct docker_client_options *opts, char *err,
                                        size_t errlen);
void docker_client_free(struct docker_client *c);

/*
 * GET /version without a version prefix and settles the prefix used by every
 * later request. Returns 0, or -1 with err ("cannot connect to
 * unix:///var/run/docker.sock: Permission denied", "API version 1.12 is older
 * than the oldest we speak, 1.24", ...). `server_version` (may be NULL)
 * receives the raw /version body.
 */
int docker_client_negotiate(struct docker_client *c, struct buf *server_version, char *err,
                            size_t errlen);

/* The negotiated API version ("1.41"), or "" before negotiation. */
const char *docker_client_api_version(const struct docker_client *c);

/*
 * Uses `version` ("1.41", what an earlier client of the same daemon
 * negotiated) without asking /version again. Returns 0, or -1 when it is
 * not a version. Added for the event stream's resync (docker_sweep.c).
 */
int docker_client_use_api_version(struct docker_client *c, const char *version);

/*
 * Performs `method` on `path` (e.g. "/containers/json?all=1"; the version
 * prefix is added). Only "GET" is ever sent: any other method returns -1
 * with "refusing to send POST: dockward only reads" and sends nothing.
 * A non-2xx status is an error ("GET /info: HTTP 500: <first line>").
 * The body (capped) goes to `body`. Returns 0 or -1 with err.
 */
int docker_client_request(struct docker_client *c, const char *method, const char *path,
                          struct buf *body, char *err, size_t errlen);

/*
 * The HTTP status of the last request: 200, 404, 500, ... also when the
 * answer was refused for its size; 0 when no complete answer arrived
 * (cannot connect, timeout, connection closed, method refused). The sweep
 * uses it to tell "this container is gone" (skip it) from "the API is gone"
 * (stop). Added by helper D.
 */
long docker_client_last_status(const struct docker_client *c);

/*
 * GETs `path` as a stream that does not end (GET /events): a 2xx answer's
 * bytes go to on_data as they arrive, and on_tick runs about once a second;
 * either returning non-zero ends the stream. There is no whole-request
 * timeout, only the wait for the status line (request_timeout_ms). Returns
 * 0 when the server ended the stream, -1 with err otherwise ("GET
 * /events: stopped" when a callback ended it). Added for docker_events.c.
 */
int docker_client_stream(struct docker_client *c, const char *path,
                         int (*on_data)(void *arg, const char *data, size_t len),
                         int (*on_tick)(void *arg), void *arg, char *err, size_t errlen);

/* During docker_client_stream(): whether a 2xx status line has arrived. */
bool docker_client_headers_received(const struct docker_client *c);

/* docker_client_request(c, "GET", ...). */
int docker_client_get(struct docker_client *c, const char *path, struct buf *body, char *err,
                      size_t errlen);

/* ---- parsed answers ---- */

/* A list of strings (malloc'd, owned by the struct that holds the list). */
struct str_list {
    char **items;
    size_t len;
};

enum docker_info_field {
    DOCKER_F_INFO_SERVER_VERSION = 0,
    DOCKER_F_INFO_DRIVER,
    DOCKER_F_INFO_LOGGING_DRIVER,
    DOCKER_F_INFO_LIVE_RESTORE,
    DOCKER_F_INFO_SECURITY_OPTIONS,
    DOCKER_F_INFO_REGISTRY_CONFIG,
    DOCKER_F_INFO_SWARM,
    DOCKER_F_INFO_DOCKER_ROOT_DIR,
    DOCKER_F_INFO_EXPERIMENTAL,
    DOCKER_F_INFO_COUNTS, /* Containers, ContainersRunning, Images */
};

struct docker_registry_index {
    char *name; /* "docker.io", "myregistry:5000" */
    bool secure;
};

struct docker_info {
    uint64_t invalid; /* bit (1 << DOCKER_F_INFO_*) set = missing or mistyped */
    char *server_version;
    char *driver;
    char *logging_driver;
    bool live_restore;
    struct str_list security_options; /* "name=seccomp,profile=default", "name=rootless", ... */
    struct str_list insecure_registry_cidrs;
    struct docker_registry_index *index_configs;
    size_t n_index_configs;
    char *swarm_state;            /* Swarm.LocalNodeState: "inactive", "active", ... */
    bool swarm_control_available; /* this node is a manager */
    long swarm_managers;          /* Swarm.Managers (0 when not a manager) */
    char *swarm_node_addr;        /* Swarm.NodeAddr */
    bool swarm_autolock;          /* Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers */
    char *docker_root_dir;
    bool experimental;
    long containers, containers_running, images;
};

enum docker_version_field {
    DOCKER_F_VERSION_VERSION = 0,
    DOCKER_F_VERSION_API_VERSION,
    DOCKER_F_VERSION_EXPERIMENTAL,
    DOCKER_F_VERSION_BUILD_TIME,
};

struct docker_version {
    uint64_t invalid;
    char *version;     /* "20.10.24+dfsg1" */
    char *api_version; /* server's ApiVersion */
    char *os, *arch, *kernel_version, *go_version;
    bool experimental;
    int64_t build_time; /* BuildTime as Unix seconds; 0 if absent or unparseable */
};

enum docker_container_field {
    DOCKER_F_C_NAME = 0,
    DOCKER_F_C_IMAGE,
    DOCKER_F_C_STATE,
    DOCKER_F_C_PID,
    DOCKER_F_C_HEALTH, /* State.Health present-or-absent is fine; mistyped is invalid */
    DOCKER_F_C_USER,
    DOCKER_F_C_ENV,
    DOCKER_F_C_APPARMOR,
    DOCKER_F_C_SECURITY_OPT,
    DOCKER_F_C_PRIVILEGED,
    DOCKER_F_C_CAP_ADD,
    DOCKER_F_C_CAP_DROP,
    DOCKER_F_C_NETWORK_MODE,
    DOCKER_F_C_PID_MODE,
    DOCKER_F_C_IPC_MODE,
    DOCKER_F_C_UTS_MODE,
    DOCKER_F_C_USERNS_MODE,
    DOCKER_F_C_CGROUP_PARENT,
    DOCKER_F_C_MEMORY,
    DOCKER_F_C_CPU, /* CpuShares, NanoCpus, CpuQuota */
    DOCKER_F_C_PIDS_LIMIT,
    DOCKER_F_C_READONLY_ROOTFS,
    DOCKER_F_C_MOUNTS,
    DOCKER_F_C_PORTS, /* HostConfig.PortBindings */
    DOCKER_F_C_RESTART_POLICY,
    DOCKER_F_C_DEVICES,
    DOCKER_F_C_ULIMITS,
    DOCKER_F_C_NETWORKS,    /* NetworkSettings.Networks */
    DOCKER_F_C_LIVE_PORTS,  /* NetworkSettings.Ports: the bindings a running container has */
    DOCKER_F_C_PUBLISH_ALL, /* HostConfig.PublishAllPorts and Config.ExposedPorts (-P) */
    DOCKER_F_C_FIELD_COUNT
};

struct docker_mount {
    char *type;        /* "bind", "volume", "tmpfs" */
    char *source;      /* host path for binds; a volume's _data directory for volumes */
    char *destination; /* path in the container */
    char *propagation; /* "rprivate", "shared", "rshared", ... or "" */
    bool rw;
    char *name;   /* the volume's name for volumes, "" otherwise */
    char *driver; /* the volume's driver ("local"), "" otherwise */
};

/*
 * One published port: from HostConfig.PortBindings (what was asked for,
 * possibly a host-port range "80-90" that dockerd picks one port of at
 * start) or from NetworkSettings.Ports (what a running container really
 * has, including what -P published).
 */
struct docker_port_binding {
    char *container_port;  /* "80/tcp" */
    char *host_ip;         /* "", "0.0.0.0", "::", "127.0.0.1" */
    unsigned host_port;    /* 0 = assigned by Docker; the first port of a range */
    unsigned host_port_hi; /* the last port of a range; == host_port for one port */
};

struct docker_container {
    uint64_t invalid; /* bit (1 << DOCKER_F_C_*) set = missing or mistyped */
    uint64_t overcap; /* of those, the fields that held an item over a cap (DOCKER_STRING_MAX) */
    char *id;         /* full id; always present (a container without one is dropped) */
    char *name;       /* without the leading "/" */
    char *image;      /* Config.Image as the user named it ("nginx:1.25") */
    char *image_id;   /* Image: "sha256:..." */
    char *state;      /* State.Status: "created", "running", "exited", ... */
    bool running;     /* State.Running */
    long pid;         /* State.Pid, 0 when not running */
    bool has_health;  /* State.Health present */
    char *health_status;
    char *health_test;         /* Config.Healthcheck.Test[0] (image's merged in at create): "CMD",
                                  "CMD-SHELL", "NONE", or "" for none; what a start will run */
    char *user;                /* Config.User, "" = image default (root unless the image says) */
    struct str_list env_names; /* Config.Env names only, values dropped at parse time */
    /*
     * Config.Labels as "name=value" (a mistyped or oversized label is left
     * out, no field bit: no check judges labels). Read only by the waivers
     * pass, for a waiver's container_labels; never exported.
     */
    struct str_list labels;
    char *apparmor_profile;       /* AppArmorProfile */
    struct str_list security_opt; /* HostConfig.SecurityOpt */
    bool privileged;
    struct str_list cap_add, cap_drop;
    char *network_mode, *pid_mode, *ipc_mode, *uts_mode, *userns_mode, *cgroup_parent;
    int64_t memory, cpu_shares, nano_cpus, cpu_quota;
    bool pids_limit_set; /* false for null */
    int64_t pids_limit;
    bool readonly_rootfs;
    struct docker_mount *mounts; /* from top-level Mounts */
    size_t n_mounts;
    struct docker_port_binding *ports; /* HostConfig.PortBindings */
    size_t n_ports;
    struct docker_port_binding *live_ports; /* NetworkSettings.Ports with a host binding */
    size_t n_live_ports;
    bool publish_all;              /* HostConfig.PublishAllPorts (-P) */
    struct str_list exposed_ports; /* Config.ExposedPorts keys ("80/tcp"), image's included */
    bool never_started;            /* State.StartedAt is the zero time */
    char *restart_policy;          /* "no", "always", "unless-stopped", "on-failure" */
    long restart_max_retries;
    /*
     * HostConfig.Devices as "PathOnHost:PathInContainer", then each
     * DeviceCgroupRules entry as "cgroup rule <rule>" and each
     * DeviceRequests entry as "request <driver> count=<n> <capabilities>"
     * (--gpus): every way a host device reaches the container but privileged.
     */
    struct str_list devices;
    struct str_list ulimits;  /* "nofile=1024:2048" */
    struct str_list networks; /* attached network names */
};

enum docker_image_field {
    DOCKER_F_I_CREATED = 0,
    DOCKER_F_I_CONFIG, /* Config.User / Config.Healthcheck */
    DOCKER_F_I_HISTORY,
};

struct docker_image {
    uint64_t invalid;
    char *id;                  /* "sha256:..." */
    struct str_list repo_tags; /* "repo:tag"; empty for dangling images */
    int64_t created;           /* Unix seconds */
    char *user;                /* Config.User */
    bool has_healthcheck;      /* Config.Healthcheck present and Test not ["NONE"] */
    struct str_list history;   /* CreatedBy of each layer, newest first, each cut to 512 bytes */
    size_t containers_using;   /* containers (any state) whose image_id is this id */
};

struct docker_network {
    char *name;
    char *driver;
    bool encrypted;        /* Options["encrypted"] present (overlay) */
    bool internal;         /* Internal: no port mapping, no outside access */
    char *host_binding_ip; /* Options["com.docker.network.bridge.host_binding_ipv4"], "" = unset */
};

/*
 * A volume of GET /volumes. A "local" volume created with
 * `-o type=none -o o=bind -o device=/etc` is a bind mount of a host path
 * in disguise: its Mounts entry shows only .../volumes/NAME/_data.
 */
struct docker_volume {
    char *name;
    char *driver;
    char *bind_device; /* Options.device when Options.o has "bind"; NULL otherwise */
};

struct docker_sweep {
    bool ok;         /* /version, /info and the container, image and network lists answered */
    char error[256]; /* why not, when !ok; also the first per-item failure */
    char api_version[16];
    struct docker_version version;
    struct docker_info info;
    struct docker_container *containers;
    size_t n_containers;
    struct docker_image *images;
    size_t n_images;
    struct docker_network *networks;
    size_t n_networks;
    struct docker_volume *volumes;
    size_t n_volumes;
    bool volumes_ok;         /* GET /volumes answered and parsed */
    char volumes_error[256]; /* why not, when !volumes_ok */
    size_t requests;         /* API requests made */
    size_t item_failures;    /* containers/images whose inspect failed (skipped, counted) */
    size_t images_reused;    /* images taken from an earlier answer, not asked again */
    bool version_reused;     /* /version taken from an earlier sweep, not asked again */
    /*
     * Containers and images listed but not judged for a reason other than
     * "gone in between" (404): over the count limit, an answer over the
     * size cap, a body that does not parse, over DOCKER_SWEEP_KEEP_MAX.
     * Collectors that judge them fail when these are not 0 (see
     * docker_sweep_complete()); the first reason is in unjudged_error.
     */
    size_t containers_listed, containers_unjudged;
    size_t images_listed, images_unjudged;
    char unjudged_error[256];
    double duration_seconds;
};

/*
 * Runs one sweep with `client` into `sweep` (zeroed here). Returns 0 when the
 * API answered (sweep->ok), or -1 with sweep->error set; a container or image
 * whose inspect fails (gone in between, 404) is skipped and counted, not
 * fatal. Never crashes on any body.
 */
int docker_sweep_run(struct docker_client *client, struct docker_sweep *sweep);

/* Limits of one sweep (docker_sweep_run uses the defaults). */
struct docker_sweep_limits {
    size_t max_containers; /* 0 = DOCKER_CONTAINERS_MAX; more listed = none judged */
    /*
     * An earlier ok sweep of the same daemon, or NULL. Its images are moved
     * into the new sweep where /images/json shows the same Id and RepoTags
     * (an image's inspect is content-addressed: see docker_sweep.c), so
     * only new images are inspected; what is not moved stays in it.
     */
    struct docker_sweep *previous;
    /*
     * The daemon has not restarted since `previous` (the event stream it
     * was read under stayed open): its /version answer and API version are
     * moved too, and /version is not asked. /info is always asked: its
     * Swarm state and counts change without a daemon event.
     */
    bool same_daemon;
};

/* docker_sweep_run() with limits. */
int docker_sweep_run_limited(struct docker_client *client, const struct docker_sweep_limits *lim,
                             struct docker_sweep *sweep);

/*
 * Whether a collector may judge the sweep's containers (want_images: and
 * images) as the whole host: 0 when the sweep is ok and nothing listed was
 * left unjudged; -1 with err ("Docker API unavailable: ...", "2 of 3
 * containers could not be judged: GET /containers/ID/json: JSON nested
 * deeper than 64 levels") otherwise. A security audit of a silent subset
 * would report fewer failures than there are.
 */
int docker_sweep_complete(const struct docker_sweep *sweep, bool want_images, char *err,
                          size_t errlen);
/*
 * Whether the sweep answered at all: 0, or -1 with err "Docker API
 * unavailable: <why>" (the sweep's error, "the API was not queried" for no
 * sweep, "no answer" for one without an error). docker_sweep_complete()
 * starts with it.
 */
int docker_sweep_available(const struct docker_sweep *sweep, char *err, size_t errlen);
void docker_sweep_free(struct docker_sweep *sweep);

/*
 * Whether `id` (from the API: a container or image id, or an event's actor)
 * may become part of a request path: 1 to 128 letters, digits, ':', '.',
 * '_' or '-'.
 */
bool docker_id_safe(const char *id);

/*
 * Sets containers_using of every image of `sweep`: the containers it holds,
 * plus each id in `extra_image_ids` (may be NULL: containers left out by
 * --container.*, which still use their image). Returns 0, or -1 (no memory).
 */
int docker_sweep_count_users(struct docker_sweep *sweep, const struct str_list *extra_image_ids);

/*
 * Replaces the images of a successful sweep by a new GET /images/json and
 * the inspect and history of each (what the sweep does for images; the
 * event stream's image changes use it). Returns 0, or -1 with err when the
 * API did not answer or an image could not be judged (then only a full
 * sweep can tell). Counts its requests in sweep->requests.
 */
int docker_sweep_reread_images(struct docker_client *client, struct docker_sweep *sweep, char *err,
                               size_t errlen);

/* Parsers of single answers, exposed for unit tests on recorded bodies.
 * Each returns 0, or -1 with err when the body is not JSON of the right
 * shape at all; field-level problems only set `invalid` bits. */
int docker_parse_version(const char *json, size_t len, struct docker_version *out, char *err,
                         size_t errlen);
int docker_parse_info(const char *json, size_t len, struct docker_info *out, char *err,
                      size_t errlen);
int docker_parse_container(const char *json, size_t len, struct docker_container *out, char *err,
                           size_t errlen);
int docker_parse_image(const char *json, size_t len, struct docker_image *out, char *err,
                       size_t errlen);
/* Replaces only out->history and its DOCKER_F_I_HISTORY bit, on an image already
 * filled by docker_parse_image() (or zeroed). */
int docker_parse_image_history(const char *json, size_t len, struct docker_image *out, char *err,
                               size_t errlen);
/* /containers/json and /images/json: the list of ids (and for images RepoTags, Created). */
/* Bytes of one image's joined tags that are compared; an image with more is asked again. */
#define DOCKER_TAGS_KEY_MAX 8192

/*
 * GET /images/json: the Ids, and per Id its RepoTags as a key that
 * docker_image_tags_are() compares with an inspect's tags (placeholders
 * dropped, joined; unreadable or over DOCKER_TAGS_KEY_MAX bytes = a key no
 * tags equal). Returns 0, or -1 with err (both lists empty).
 */
int docker_parse_image_list(const char *json, size_t len, struct str_list *ids,
                            struct str_list *tag_keys, char *err, size_t errlen);
/* Whether an image's repo_tags are those of `key` (docker_parse_image_list). */
bool docker_image_tags_are(const struct str_list *tags, const char *key);
int docker_parse_container_ids(const char *json, size_t len, struct str_list *ids, char *err,
                               size_t errlen);
int docker_parse_networks(const char *json, size_t len, struct docker_network **out, size_t *n,
                          char *err, size_t errlen);
/* GET /volumes ({"Volumes": [...], "Warnings": ...}). */
int docker_parse_volumes(const char *json, size_t len, struct docker_volume **out, size_t *n,
                         char *err, size_t errlen);
void docker_volumes_free(struct docker_volume *v, size_t n);
void docker_networks_free(struct docker_network *v, size_t n);

void docker_version_free(struct docker_version *v);
void docker_info_free(struct docker_info *i);
void docker_container_free(struct docker_container *c);
void docker_image_free(struct docker_image *i);
void str_list_free(struct str_list *l);

/* "HostConfig.Privileged" etc.: the API field name behind a DOCKER_F_C_* bit. */
const char *docker_container_field_name(enum docker_container_field f);

#endif
