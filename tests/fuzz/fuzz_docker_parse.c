/*
 * fuzz_docker_parse.c - the Docker Engine API answers as the agent parses
 * them (collectors/docker_parse.c). One harness, built once per parser
 * with FUZZ_DOCKER_<PARSER> defined (tests/fuzz/CMakeLists.txt), so each
 * parser is its own target with its own corpus of recorded answers
 * (tests/fixtures/docker-api) instead of one target whose first byte picks
 * the parser: each corpus then stays the shape of one answer, and the
 * mutator does not spend its effort moving inputs between parsers.
 *
 * Properties (docker.h): a parser that fails leaves its output zeroed and
 * says why in err; one that succeeds keeps every string NUL-terminated and
 * within DOCKER_STRING_MAX (joined fields within two of them), every list
 * within DOCKER_LIST_MAX, environment variables by name only (no '='), and
 * history lines within 512 bytes.
 */
#include "fuzz_util.h"

#include <stdbool.h>

#include "collectors/docker.h"

#define JOINED_MAX (2 * DOCKER_STRING_MAX + 1) /* "a:b" of two kept strings */

__attribute__((unused)) static int all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0)
            return 0;
    }
    return 1;
}

__attribute__((unused)) static void check_str(const char *s, size_t max)
{
    if (s != NULL)
        FUZZ_CHECK(fuzz_strlen_within(s, max));
}

__attribute__((unused)) static void check_strs(const char *const *strs, size_t n, size_t max)
{
    for (size_t i = 0; i < n; i++)
        check_str(strs[i], max);
}

__attribute__((unused)) static void check_list(const struct str_list *l, size_t max)
{
    FUZZ_CHECK(l->len <= DOCKER_LIST_MAX);
    FUZZ_CHECK(l->len == 0 || l->items != NULL);
    for (size_t i = 0; i < l->len; i++) {
        FUZZ_CHECK(l->items[i] != NULL);
        check_str(l->items[i], max);
    }
}

__attribute__((unused)) static void check_err(const char *err, size_t errlen)
{
    FUZZ_CHECK(err[0] != '\0' && strnlen(err, errlen) < errlen);
}

/*
 * The parse entry points, one table for every target: the parser of what
 * `out` points to (a struct it fills, or the array pointer it sets).
 */
#define PARSER_OF(out) \
    _Generic((out),                                        \
        struct docker_version *: docker_parse_version,     \
        struct docker_info *: docker_parse_info,           \
        struct docker_container *: docker_parse_container, \
        struct docker_image *: docker_parse_image,         \
        struct str_list *: docker_parse_container_ids,     \
        struct docker_network **: docker_parse_networks,   \
        struct docker_volume **: docker_parse_volumes)

/*
 * Each target names what its parser fills (output, or the element of an
 * array) and how that is freed, and the properties of a success
 * (check_parsed, check_element). One run() per kind of parser serves them:
 * an object (the parser zeroes it; a failure leaves it all zero), an array
 * with its count (a failure resets them to NULL and 0), or an image's
 * history (parsed onto an image that has one).
 */
#if defined(FUZZ_DOCKER_VERSION)
typedef struct docker_version output;
#define OUTPUT_FREE docker_version_free
static void check_parsed(const output *v)
{
    const char *strs[] = { v->version, v->api_version,    v->os,
                           v->arch,    v->kernel_version, v->go_version };
    check_strs(strs, sizeof(strs) / sizeof(strs[0]), DOCKER_STRING_MAX);
}
#elif defined(FUZZ_DOCKER_INFO)
typedef struct docker_info output;
#define OUTPUT_FREE docker_info_free
static void check_parsed(const output *i)
{
    check_str(i->server_version, DOCKER_STRING_MAX);
    check_str(i->driver, DOCKER_STRING_MAX);
    check_str(i->logging_driver, DOCKER_STRING_MAX);
    check_str(i->swarm_state, DOCKER_STRING_MAX);
    check_str(i->swarm_node_addr, DOCKER_STRING_MAX);
    check_str(i->docker_root_dir, DOCKER_STRING_MAX);
    check_list(&i->security_options, DOCKER_STRING_MAX);
    check_list(&i->insecure_registry_cidrs, DOCKER_STRING_MAX);
    FUZZ_CHECK(i->n_index_configs <= DOCKER_LIST_MAX);
    for (size_t k = 0; k < i->n_index_configs; k++) {
        FUZZ_CHECK(i->index_configs[k].name != NULL);
        check_str(i->index_configs[k].name, DOCKER_STRING_MAX);
    }
}
#elif defined(FUZZ_DOCKER_CONTAINER)
typedef struct docker_container output;
#define OUTPUT_FREE docker_container_free
static void check_parsed(const output *c)
{
    FUZZ_CHECK(c->id != NULL && c->id[0] != '\0');
    FUZZ_CHECK(c->invalid >> DOCKER_F_C_FIELD_COUNT == 0);
    const char *strs[] = { c->id,           c->name,          c->image,         c->image_id,
                           c->state,        c->health_status, c->user,          c->apparmor_profile,
                           c->network_mode, c->pid_mode,      c->ipc_mode,      c->uts_mode,
                           c->userns_mode,  c->cgroup_parent, c->restart_policy };
    check_strs(strs, sizeof(strs) / sizeof(strs[0]), DOCKER_STRING_MAX);
    /* Environment variables by name only: a value never enters dockward. */
    check_list(&c->env_names, DOCKER_STRING_MAX);
    for (size_t i = 0; i < c->env_names.len; i++)
        FUZZ_CHECK(strchr(c->env_names.items[i], '=') == NULL);
    check_list(&c->security_opt, DOCKER_STRING_MAX);
    check_list(&c->cap_add, DOCKER_STRING_MAX);
    check_list(&c->cap_drop, DOCKER_STRING_MAX);
    check_list(&c->devices, JOINED_MAX);
    check_list(&c->ulimits, JOINED_MAX + 64);
    check_list(&c->networks, DOCKER_STRING_MAX);
    check_list(&c->exposed_ports, DOCKER_STRING_MAX);
    /* Over-cap fields are a subset of the invalid ones (SecurityOpt keeps a summary). */
    FUZZ_CHECK((c->overcap & ~c->invalid) == 0);
    FUZZ_CHECK(c->n_mounts <= DOCKER_LIST_MAX && c->n_ports <= DOCKER_LIST_MAX &&
               c->n_live_ports <= DOCKER_LIST_MAX);
    for (size_t i = 0; i < c->n_mounts; i++) {
        const struct docker_mount *m = &c->mounts[i];
        const char *ms[] = {
            m->type, m->source, m->destination, m->propagation, m->name, m->driver
        };
        check_strs(ms, sizeof(ms) / sizeof(ms[0]), DOCKER_STRING_MAX);
    }
    const struct docker_port_binding *lists[] = { c->ports, c->live_ports };
    const size_t counts[] = { c->n_ports, c->n_live_ports };
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            const struct docker_port_binding *b = &lists[l][i];
            check_str(b->container_port, DOCKER_STRING_MAX);
            check_str(b->host_ip, DOCKER_STRING_MAX);
            /* One port, or a range lo-hi with lo <= hi; 0-0 = Docker picks. */
            FUZZ_CHECK(b->host_port <= b->host_port_hi && b->host_port_hi <= 65535);
        }
    }
    for (int f = 0; f < DOCKER_F_C_FIELD_COUNT; f++)
        FUZZ_CHECK(strcmp(docker_container_field_name((enum docker_container_field)f),
                          "unknown field") != 0);
}
#elif defined(FUZZ_DOCKER_IMAGE)
typedef struct docker_image output;
#define OUTPUT_FREE docker_image_free
static void check_parsed(const output *img)
{
    FUZZ_CHECK(img->id != NULL && img->id[0] != '\0');
    check_str(img->id, DOCKER_STRING_MAX);
    check_str(img->user, DOCKER_STRING_MAX);
    check_list(&img->repo_tags, DOCKER_STRING_MAX);
    for (size_t i = 0; i < img->repo_tags.len; i++)
        FUZZ_CHECK(strcmp(img->repo_tags.items[i], "<none>:<none>") != 0);
    FUZZ_CHECK(img->history.len == 0);
}
#elif defined(FUZZ_DOCKER_CONTAINER_IDS)
typedef struct str_list output;
#define OUTPUT_FREE str_list_free
static void check_parsed(const output *ids)
{
    FUZZ_CHECK(ids->len <= DOCKER_ID_LIST_MAX);
    for (size_t i = 0; i < ids->len; i++)
        FUZZ_CHECK(ids->items[i] != NULL && ids->items[i][0] != '\0');
    check_list(ids, DOCKER_STRING_MAX);
}
#elif defined(FUZZ_DOCKER_NETWORKS)
typedef struct docker_network element;
#define ELEMENTS_FREE docker_networks_free
static void check_element(const element *nw)
{
    FUZZ_CHECK(nw->name != NULL && nw->driver != NULL && nw->host_binding_ip != NULL);
    const char *strs[] = { nw->name, nw->driver, nw->host_binding_ip };
    check_strs(strs, sizeof(strs) / sizeof(strs[0]), DOCKER_STRING_MAX);
}
#elif defined(FUZZ_DOCKER_VOLUMES)
typedef struct docker_volume element;
#define ELEMENTS_FREE docker_volumes_free
static void check_element(const element *vol)
{
    FUZZ_CHECK(vol->name != NULL && vol->driver != NULL);
    const char *strs[] = { vol->name, vol->driver, vol->bind_device };
    check_strs(strs, sizeof(strs) / sizeof(strs[0]), DOCKER_STRING_MAX);
}
#elif !defined(FUZZ_DOCKER_IMAGE_HISTORY)
#error "define FUZZ_DOCKER_<PARSER> (see tests/fuzz/CMakeLists.txt)"
#endif

#if defined(OUTPUT_FREE)
static void run(const char *json, size_t len, char *err, size_t errlen)
{
    output out;
    if (PARSER_OF(&out)(json, len, &out, err, errlen) != 0) {
        FUZZ_CHECK(all_zero(&out, sizeof(out)));
        check_err(err, errlen);
        return;
    }
    check_parsed(&out);
    OUTPUT_FREE(&out);
}
#elif defined(ELEMENTS_FREE)
static void run(const char *json, size_t len, char *err, size_t errlen)
{
    element *items = (element *)&items; /* must be reset */
    size_t n = 7;
    if (PARSER_OF(&items)(json, len, &items, &n, err, errlen) != 0) {
        FUZZ_CHECK(items == NULL && n == 0);
        check_err(err, errlen);
        return;
    }
    FUZZ_CHECK(n <= DOCKER_LIST_MAX && (n == 0 || items != NULL));
    for (size_t i = 0; i < n; i++)
        check_element(&items[i]);
    ELEMENTS_FREE(items, n);
}
#else /* FUZZ_DOCKER_IMAGE_HISTORY */
static void run(const char *json, size_t len, char *err, size_t errlen)
{
    /* An image that already has a history: parsing replaces it (and must free it). */
    static const char old[] = "[{\"CreatedBy\":\"old layer\"}]";
    struct docker_image img;
    memset(&img, 0, sizeof(img));
    FUZZ_CHECK(docker_parse_image_history(old, sizeof(old) - 1, &img, err, errlen) == 0);
    FUZZ_CHECK(img.history.len == 1);
    if (docker_parse_image_history(json, len, &img, err, errlen) != 0) {
        FUZZ_CHECK(img.history.len == 0 && img.history.items == NULL);
        FUZZ_CHECK(img.invalid == (1u << DOCKER_F_I_HISTORY));
        check_err(err, errlen);
        docker_image_free(&img);
        return;
    }
    check_list(&img.history, 512);
    docker_image_free(&img);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /*
     * The parsers take (pointer, length) and must not read past it: the
     * input is handed over in a buffer of exactly `size` bytes, not
     * NUL-terminated, so ASan catches a read of one byte too many.
     */
    char *json = malloc(size ? size : 1);
    if (json == NULL)
        return 0;
    if (size > 0)
        memcpy(json, data, size);
    char err[256];
    err[0] = '\0';
    run(json, size, err, sizeof(err));
    free(json);
    return 0;
}
