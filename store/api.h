/*
 * api.h - the store's JSON query API (GET /api/v1/...), independent of
 * HTTP: server.c hands in the path and the query parameters and sends back
 * the status and body this fills.
 *
 *   /api/v1/hosts?limit=&after=          every host (by id), paged
 *   /api/v1/hosts/{id}                   one host and its current results
 *   /api/v1/checks/{id}?limit=&after=    hosts failing a check, paged
 *   /api/v1/drift?since=&host=&check=&limit=&after=
 *                                        drift events, oldest first, paged
 *
 * Paging: a list answer carries "next" (a cursor to pass as `after` for
 * the following page) or null on the last page. A bad or unknown
 * parameter is a 400 with {"error": "..."} saying which and why.
 *
 * Reads run on a small pool of read-only connections (one per concurrent
 * request, at most API_READERS_MAX), each with its statements prepared
 * once; every value from a request is a bound parameter. Each answer is
 * read inside one read transaction, so it is consistent, and in WAL mode
 * it never waits for the writer nor makes the writer wait.
 */
#ifndef DOCKWARD_STORE_API_H
#define DOCKWARD_STORE_API_H

#include <stddef.h>
#include <stdint.h>

#define API_READERS_MAX       4
#define API_HOSTS_LIMIT       1000 /* default page size of /hosts and /checks/{id} */
#define API_HOSTS_LIMIT_MAX   10000
#define API_RESULTS_LIMIT     5000  /* default page of /hosts/{id} results */
#define API_RESULTS_LIMIT_MAX 20000 /* a host holds at most one report's (100,000) */
#define API_DRIFT_LIMIT       100
#define API_DRIFT_LIMIT_MAX   1000
#define API_PARAMS_MAX        16
#define API_PARAM_VALUE_MAX   512

struct store_api;

struct api_param {
    const char *name;
    const char *value; /* "" for a name without '=' */
};

struct api_response {
    unsigned status;
    char *body; /* JSON, malloc'd; the caller frees */
    size_t len;
};

struct storage_target;

/* Opens the reader pool on SQLite's `path`. Returns 0 with *out, or -1 with err. */
int store_api_open(struct store_api **out, const char *path, uint64_t stale_after_ms, char *err,
                   size_t errlen);
/* Opens the reader pool on either backend (storage.h; strings copied). As store_api_open. */
int store_api_open_target(struct store_api **out, const struct storage_target *target,
                          uint64_t stale_after_ms, char *err, size_t errlen);
void store_api_close(struct store_api *api);

/*
 * Answers GET `path` (starting "/api/") with its decoded query parameters,
 * judging stale hosts against `now_ms`. Always fills `resp` (a 500 with a
 * message when the database could not be read).
 */
void store_api_handle(struct store_api *api, const char *path, const struct api_param *params,
                      size_t n_params, int64_t now_ms, struct api_response *resp);

#endif
