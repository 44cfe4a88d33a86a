/*
 * test_docker_parse.c - the Docker API parsers (collectors/docker_parse*.c)
 * on answers recorded from a real dockerd 20.10 (tests/fixtures/docker-api/,
 * see its README) and on broken variants of them.
 *
 * The answers and what each must give are data, tests/cases/
 * docker_parse.cases, run by test_cases (the runner is below): recorded
 * answers must parse to the exact values the daemon reported, with no
 * invalid bit set; broken ones (wrongly typed fields, a missing HostConfig,
 * the wrong top-level type, deep nesting) must give -1 with a reason or
 * exactly the right invalid bits; environment values must not survive
 * parsing. What is built here in memory stays in C: every prefix of a
 * recorded answer, deep and huge bodies, long strings. None may crash (this
 * file also runs under ASan+UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collectors/collector.h" /* ARRAY_LEN */
#include "collectors/docker.h"
#include "tests/case_file.h"
#include "tests/docker_fields.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIT(f) ((uint64_t)1 << (f))

struct text {
    char *data;
    size_t len;
};

static struct text load(const char *name)
{
    const char *dir = getenv("DOCKWARD_FIXTURES");
    if (dir == NULL)
        dir = DOCKWARD_FIXTURES;
    char path[4096];
    snprintf(path, sizeof(path), "%s/docker-api/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open fixture %s", path);
    struct text t = { NULL, 0 };
    size_t cap = 0;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (t.len + n + 1 > cap) {
            cap = (t.len + n + 1) * 2;
            t.data = realloc(t.data, cap);
            assert_non_null(t.data);
        }
        memcpy(t.data + t.len, chunk, n);
        t.len += n;
    }
    fclose(f);
    assert_non_null(t.data);
    t.data[t.len] = '\0';
    return t;
}

static void assert_list(const struct str_list *l, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    if (l->len != n)
        fail_msg("list has %zu items, want %zu", l->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(l->items[i], va_arg(ap, const char *));
    va_end(ap);
}

/* ---- parsing what must parse ---- */

/* Parses json (len bytes) into *c; a refusal fails the test, printing why. */
static void parse_container_text(const char *json, size_t len, struct docker_container *c)
{
    char err[256] = "";
    int rc = docker_parse_container(json, len, c, err, sizeof(err));
    if (rc != 0)
        print_error("docker_parse_container: %s\n", err);
    assert_int_equal(rc, 0);
}

/* ---- cases kept as data: tests/cases/docker_parse.cases ---- */

/*
 * The answers and the values or refusals wanted of them are data, read by
 * the runner below; the grammar is at the top of the case file. What is
 * built here in memory (huge, deep or truncated answers) stays in C, after.
 */

/* The bytes of one element of each owner (for K_ARRAY). */
static const size_t owner_size[] = {
    [O_INDEX_CONFIG] = sizeof(struct docker_registry_index),
    [O_MOUNT] = sizeof(struct docker_mount),
    [O_PORT] = sizeof(struct docker_port_binding),
    [O_NETWORK] = sizeof(struct docker_network),
    [O_VOLUME] = sizeof(struct docker_volume),
};

/* The names of the invalid bits (DOCKER_F_* without the prefix), by owner. */
static const struct bit_name {
    enum owner owner;
    const char *name;
    int bit;
} bit_names[] = {
#define B(owner, prefix, name)     \
    {                              \
        owner, #name, prefix##name \
    }
    B(O_VERSION, DOCKER_F_VERSION_, VERSION),
    B(O_VERSION, DOCKER_F_VERSION_, API_VERSION),
    B(O_VERSION, DOCKER_F_VERSION_, EXPERIMENTAL),
    B(O_VERSION, DOCKER_F_VERSION_, BUILD_TIME),
    B(O_INFO, DOCKER_F_INFO_, SERVER_VERSION),
    B(O_INFO, DOCKER_F_INFO_, DRIVER),
    B(O_INFO, DOCKER_F_INFO_, LOGGING_DRIVER),
    B(O_INFO, DOCKER_F_INFO_, LIVE_RESTORE),
    B(O_INFO, DOCKER_F_INFO_, SECURITY_OPTIONS),
    B(O_INFO, DOCKER_F_INFO_, REGISTRY_CONFIG),
    B(O_INFO, DOCKER_F_INFO_, SWARM),
    B(O_INFO, DOCKER_F_INFO_, DOCKER_ROOT_DIR),
    B(O_INFO, DOCKER_F_INFO_, EXPERIMENTAL),
    B(O_INFO, DOCKER_F_INFO_, COUNTS),
    B(O_CONTAINER, DOCKER_F_C_, NAME),
    B(O_CONTAINER, DOCKER_F_C_, IMAGE),
    B(O_CONTAINER, DOCKER_F_C_, STATE),
    B(O_CONTAINER, DOCKER_F_C_, PID),
    B(O_CONTAINER, DOCKER_F_C_, HEALTH),
    B(O_CONTAINER, DOCKER_F_C_, USER),
    B(O_CONTAINER, DOCKER_F_C_, ENV),
    B(O_CONTAINER, DOCKER_F_C_, APPARMOR),
    B(O_CONTAINER, DOCKER_F_C_, SECURITY_OPT),
    B(O_CONTAINER, DOCKER_F_C_, PRIVILEGED),
    B(O_CONTAINER, DOCKER_F_C_, CAP_ADD),
    B(O_CONTAINER, DOCKER_F_C_, CAP_DROP),
    B(O_CONTAINER, DOCKER_F_C_, NETWORK_MODE),
    B(O_CONTAINER, DOCKER_F_C_, PID_MODE),
    B(O_CONTAINER, DOCKER_F_C_, IPC_MODE),
    B(O_CONTAINER, DOCKER_F_C_, UTS_MODE),
    B(O_CONTAINER, DOCKER_F_C_, USERNS_MODE),
    B(O_CONTAINER, DOCKER_F_C_, CGROUP_PARENT),
    B(O_CONTAINER, DOCKER_F_C_, MEMORY),
    B(O_CONTAINER, DOCKER_F_C_, CPU),
    B(O_CONTAINER, DOCKER_F_C_, PIDS_LIMIT),
    B(O_CONTAINER, DOCKER_F_C_, READONLY_ROOTFS),
    B(O_CONTAINER, DOCKER_F_C_, MOUNTS),
    B(O_CONTAINER, DOCKER_F_C_, PORTS),
    B(O_CONTAINER, DOCKER_F_C_, RESTART_POLICY),
    B(O_CONTAINER, DOCKER_F_C_, DEVICES),
    B(O_CONTAINER, DOCKER_F_C_, ULIMITS),
    B(O_CONTAINER, DOCKER_F_C_, NETWORKS),
    B(O_CONTAINER, DOCKER_F_C_, LIVE_PORTS),
    B(O_CONTAINER, DOCKER_F_C_, PUBLISH_ALL),
    B(O_IMAGE, DOCKER_F_I_, CREATED),
    B(O_IMAGE, DOCKER_F_I_, CONFIG),
    B(O_IMAGE, DOCKER_F_I_, HISTORY),
#undef B
};

enum parser { P_VERSION, P_INFO, P_CONTAINER, P_IMAGE, P_HISTORY, P_IDS, P_NETWORKS, P_VOLUMES };

/* Each parser: its name in the case file, what it fills and where that is in struct parsed. */
static const struct parser_desc {
    const char *name;
    enum owner owner;
    size_t base;
} parsers[] = {
    [P_VERSION] = { "version", O_VERSION, offsetof(struct parsed, version) },
    [P_INFO] = { "info", O_INFO, offsetof(struct parsed, info) },
    [P_CONTAINER] = { "container", O_CONTAINER, offsetof(struct parsed, container) },
    [P_IMAGE] = { "image", O_IMAGE, offsetof(struct parsed, image) },
    [P_HISTORY] = { "history", O_IMAGE, offsetof(struct parsed, image) },
    [P_IDS] = { "ids", O_LISTS, 0 },
    [P_NETWORKS] = { "networks", O_LISTS, 0 },
    [P_VOLUMES] = { "volumes", O_LISTS, 0 },
};

/* The runner's state over the case file. */
struct case_run {
    struct case_file cf;
    const char *title;       /* of the case being read; NULL before the first */
    struct case_text answer; /* what the next parse line reads */
    bool answer_read;        /* a parse read it: the next "|" line starts another */
    struct parsed p;         /* what the case's parse lines filled */
    unsigned parsed_mask;    /* the parsers run in the case (history may run again) */
    int last;                /* the parser whose member FIELD lines look at; -1: none yet */
    size_t cases, assertions, in_case;
};

/* A line the runner cannot read: fails the test, naming it. */
__attribute__((format(printf, 2, 3))) static void case_bad(struct case_run *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fail_msg("%s:%d: %s", r->cf.name, r->cf.line, msg);
}

/* One assertion of the case: when it does not hold, says why and where before cmocka fails. */
__attribute__((format(printf, 3, 4))) static void case_check(struct case_run *r, bool ok,
                                                             const char *fmt, ...)
{
    if (!ok) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        print_message("%s:%d: case \"%s\": %s\n", r->cf.name, r->cf.line,
                      r->title != NULL ? r->title : "(none)", msg);
    }
    r->assertions++;
    r->in_case++;
    assert_true(ok);
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0)
            return false;
    }
    return true;
}

/* Splits value at " | " into at most max pieces (each read by case_text_arg); none if empty. */
static size_t case_pieces(struct case_run *r, char *value, char **pieces, size_t max)
{
    if (*value == '\0')
        return 0;
    size_t n = 0;
    for (char *s = value;; n++) {
        if (n == max)
            case_bad(r, "more than %zu pieces split by \" | \"", max);
        char *bar = strstr(s, " | ");
        if (bar != NULL)
            *bar = '\0';
        pieces[n] = case_text_arg(s);
        if (bar == NULL)
            return n + 1;
        s = bar + 3;
    }
}

/* The field `name` of owner; a case naming another fails. */
static const struct field *field_find(struct case_run *r, enum owner owner, const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
        if (fields[i].owner == owner && strcmp(fields[i].name, name) == 0)
            return &fields[i];
    }
    case_bad(r, "no field \"%s\" in what %s fills", name, parsers[r->last].name);
    return NULL;
}

/* The bits named in words (split by spaces) of owner. */
static uint64_t bits_of(struct case_run *r, enum owner owner, char *words)
{
    uint64_t mask = 0;
    for (char *w = case_word(&words); *w != '\0'; w = case_word(&words)) {
        size_t i = 0;
        while (i < ARRAY_LEN(bit_names) &&
               (bit_names[i].owner != owner || strcmp(bit_names[i].name, w) != 0))
            i++;
        if (i == ARRAY_LEN(bit_names))
            case_bad(r, "no bit called %s", w);
        mask |= BIT(bit_names[i].bit);
    }
    return mask;
}

/* The names of the bits of mask, for messages. */
static void bits_text(enum owner owner, uint64_t mask, char *out, size_t outlen)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(bit_names) && n < outlen; i++) {
        if (bit_names[i].owner == owner && (mask & BIT(bit_names[i].bit)))
            n += (size_t)snprintf(out + n, outlen - n, "%s%s", n ? " " : "", bit_names[i].name);
    }
}

/* The bytes a field of each kind takes: a table row of the wrong kind fails the case. */
static size_t kind_size(enum field_kind kind)
{
    static const size_t sizes[] = {
        [K_STR] = sizeof(char *),           [K_BOOL] = sizeof(bool),     [K_LONG] = sizeof(long),
        [K_I64] = sizeof(int64_t),          [K_UINT] = sizeof(unsigned), [K_SIZE] = sizeof(size_t),
        [K_LIST] = sizeof(struct str_list), [K_BITS] = sizeof(uint64_t), [K_ARRAY] = sizeof(void *),
    };
    return sizes[kind];
}

static long long integer_at(enum field_kind kind, const char *at)
{
    switch (kind) {
    case K_LONG:
        return *(const long *)at;
    case K_I64:
        return *(const int64_t *)at;
    case K_UINT:
        return *(const unsigned *)at;
    default: /* K_SIZE */
        return (long long)*(const size_t *)at;
    }
}

/* Compares field f of the struct at base with what the line wants (op "=", "~" or "!~"). */
static void field_compare(struct case_run *r, const char *path, const struct field *f,
                          const char *base, const char *op, char *value)
{
    if (f->size != kind_size(f->kind))
        case_bad(r, "the table gives %s the wrong kind", path);
    const char *at = base + f->offset;
    bool eq = strcmp(op, "=") == 0;
    if (f->kind == K_STR) {
        const char *got = *(char *const *)at;
        const char *want = case_text_arg(value);
        if (eq && strcmp(want, "(null)") == 0)
            case_check(r, got == NULL, "%s is \"%s\", want NULL", path, got);
        else if (eq || strcmp(op, "~") == 0)
            case_check(r, got != NULL && (eq ? strcmp(got, want) == 0 : strstr(got, want) != NULL),
                       "%s is \"%s\", want %s\"%s\"", path, got ? got : "(null)",
                       eq ? "" : "one holding ", want);
        else
            case_bad(r, "a string is compared with = or ~");
    } else if (f->kind == K_BITS) {
        uint64_t got = *(const uint64_t *)at;
        char have[512];
        bits_text(f->owner, got, have, sizeof(have));
        if (eq) {
            uint64_t want = bits_of(r, f->owner, value);
            char wanted[512];
            bits_text(f->owner, want, wanted, sizeof(wanted));
            case_check(r, got == want, "%s is {%s}, want {%s}", path, have, wanted);
            return;
        }
        bool set = strcmp(op, "~") == 0;
        if (!set && strcmp(op, "!~") != 0)
            case_bad(r, "bits are compared with =, ~ (all set) or !~ (none set)");
        for (char *w = case_word(&value); *w != '\0'; w = case_word(&value)) {
            uint64_t bit = bits_of(r, f->owner, w);
            case_check(r, ((got & bit) != 0) == set, "%s is {%s}: %s %s", path, have, w,
                       set ? "not set" : "set");
        }
    } else if (!eq) {
        case_bad(r, "%s is compared with =", path);
    } else if (f->kind == K_BOOL) {
        bool want = strcmp(value, "true") == 0;
        if (!want && strcmp(value, "false") != 0)
            case_bad(r, "want true or false, not \"%s\"", value);
        bool got = *(const bool *)at;
        case_check(r, got == want, "%s is %s", path, got ? "true" : "false");
    } else if (f->kind == K_LIST) {
        const struct str_list *l = (const struct str_list *)at;
        char *want[64];
        size_t n = case_pieces(r, value, want, ARRAY_LEN(want));
        case_check(r, l->len == n, "%s has %zu items, want %zu", path, l->len, n);
        for (size_t i = 0; i < n; i++)
            case_check(r, strcmp(l->items[i], want[i]) == 0, "%s[%zu] is \"%s\", want \"%s\"", path,
                       i, l->items[i], want[i]);
    } else if (f->kind == K_ARRAY) {
        case_bad(r, "an array is compared one element at a time: %s[N]", path);
    } else {
        char *end;
        errno = 0;
        long long want = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0')
            case_bad(r, "want an integer, not \"%s\"", value);
        long long got = integer_at(f->kind, at);
        case_check(r, got == want, "%s is %lld, want %lld", path, got, want);
    }
}

/*
 * A FIELD line: NAME, NAME[I] (an item of a list, or an element of an
 * array: all its fields, split by " | "), or NAME[I].FIELD.
 */
static void field_line(struct case_run *r, char *path, char *rest)
{
    if (r->last < 0)
        case_bad(r, "%s before any parse line", path);
    const struct parser_desc *d = &parsers[r->last];
    char *op = case_word(&rest);
    char *value = rest;
    char name[64];
    snprintf(name, sizeof(name), "%s", path);
    char *open = strchr(name, '[');
    const char *base = (const char *)&r->p + d->base;
    if (open == NULL) {
        field_compare(r, path, field_find(r, d->owner, name), base, op, value);
        return;
    }
    *open = '\0';
    char *end;
    unsigned long idx = strtoul(open + 1, &end, 10);
    if (end == open + 1 || *end != ']')
        case_bad(r, "want NAME[INDEX], not %s", path);
    const char *sub = end[1] == '.' ? end + 2 : NULL;
    const struct field *f = field_find(r, d->owner, name);
    if (f->kind == K_LIST) {
        static const struct field item = { O_NONE, "item", K_STR, 0, sizeof(char *), O_NONE };
        const struct str_list *l = (const struct str_list *)(base + f->offset);
        case_check(r, idx < l->len, "%s has %zu items", name, l->len);
        field_compare(r, path, &item, (const char *)&l->items[idx], op, value);
        return;
    }
    if (f->kind != K_ARRAY)
        case_bad(r, "%s is not a list", name);
    char count_name[80];
    snprintf(count_name, sizeof(count_name), "n_%s", name);
    const struct field *count = field_find(r, d->owner, count_name);
    size_t n_elems = *(const size_t *)(base + count->offset);
    case_check(r, idx < n_elems, "%s has %zu elements", name, n_elems);
    const char *elem = *(char *const *)(base + f->offset) + idx * owner_size[f->element];
    if (sub != NULL) {
        field_compare(r, path, field_find(r, f->element, sub), elem, op, value);
        return;
    }
    char *pieces[16];
    size_t n = case_pieces(r, value, pieces, ARRAY_LEN(pieces));
    size_t k = 0;
    for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
        if (fields[i].owner != f->element)
            continue;
        if (k >= n)
            case_bad(r, "%s wants %s after the %zu given", path, fields[i].name, n);
        char sub_path[128];
        snprintf(sub_path, sizeof(sub_path), "%s.%s", path, fields[i].name);
        field_compare(r, sub_path, &fields[i], elem, op, pieces[k++]);
    }
    if (k != n)
        case_bad(r, "%s has %zu fields, not %zu", path, k, n);
}

/*
 * Frees all a case parsed: every free takes a zeroed struct, and a
 * struct's free must leave it zeroed (the frees of the networks and
 * volumes take the array and its count, and cannot reset them).
 */
static void parsed_free(struct case_run *r)
{
    struct parsed *p = &r->p;
    docker_version_free(&p->version);
    docker_info_free(&p->info);
    docker_container_free(&p->container);
    docker_image_free(&p->image);
    str_list_free(&p->ids);
    case_check(r, all_zero(p, offsetof(struct parsed, networks)),
               "a free left its struct unzeroed");
    docker_networks_free(p->networks, p->n_networks);
    docker_volumes_free(p->volumes, p->n_volumes);
    memset(p, 0, sizeof(*p));
}

/*
 * Runs parser `which` on the answer into p. Returns its result, and in
 * *zero and *size what it must leave zeroed when it refuses.
 */
static int parse_answer(struct parsed *p, enum parser which, const struct case_text *answer,
                        char *err, size_t errlen, const void **zero, size_t *size)
{
    const char *json = answer->data != NULL ? answer->data : "";
    size_t len = answer->len;
    switch (which) {
    case P_VERSION:
        *zero = &p->version, *size = sizeof(p->version);
        return docker_parse_version(json, len, &p->version, err, errlen);
    case P_INFO:
        *zero = &p->info, *size = sizeof(p->info);
        return docker_parse_info(json, len, &p->info, err, errlen);
    case P_CONTAINER:
        *zero = &p->container, *size = sizeof(p->container);
        return docker_parse_container(json, len, &p->container, err, errlen);
    case P_IMAGE:
        *zero = &p->image, *size = sizeof(p->image);
        return docker_parse_image(json, len, &p->image, err, errlen);
    case P_HISTORY: /* onto the case's image: a refusal empties only its history */
        *zero = &p->image.history, *size = sizeof(p->image.history);
        return docker_parse_image_history(json, len, &p->image, err, errlen);
    case P_IDS:
        *zero = &p->ids, *size = sizeof(p->ids);
        return docker_parse_container_ids(json, len, &p->ids, err, errlen);
    case P_NETWORKS: /* a refusal leaves no array and a count of 0 */
        *zero = &p->networks, *size = offsetof(struct parsed, n_networks) + sizeof(size_t) -
                                      offsetof(struct parsed, networks);
        return docker_parse_networks(json, len, &p->networks, &p->n_networks, err, errlen);
    default: /* P_VOLUMES */
        *zero = &p->volumes, *size = offsetof(struct parsed, n_volumes) + sizeof(size_t) -
                                     offsetof(struct parsed, volumes);
        return docker_parse_volumes(json, len, &p->volumes, &p->n_volumes, err, errlen);
    }
}

/* parse PARSER / refuse PARSER [= TEXT | ~ TEXT]: runs the parser on the answer. */
static void parse_line(struct case_run *r, bool refuse, char *rest)
{
    const char *name = case_word(&rest);
    int which = -1;
    for (size_t i = 0; i < ARRAY_LEN(parsers); i++) {
        if (strcmp(parsers[i].name, name) == 0)
            which = (int)i;
    }
    if (which < 0)
        case_bad(r, "no parser called \"%s\"", name);
    if (r->title == NULL)
        case_bad(r, "a parse line outside a case");
    if (r->parsed_mask & (1u << which))
        case_bad(r, "%s parses twice in one case", name);
    if (which != P_HISTORY)
        r->parsed_mask |= 1u << which;
    char err[256] = "";
    const void *zero;
    size_t size;
    int rc = parse_answer(&r->p, (enum parser)which, &r->answer, err, sizeof(err), &zero, &size);
    r->last = which;
    r->answer_read = true;
    if (!refuse) {
        case_check(r, rc == 0, "%s refused the answer: %s", name, err);
        return;
    }
    case_check(r, rc == -1, "%s accepted the answer", name);
    const char *how = case_word(&rest);
    const char *want = case_text_arg(rest);
    if (*how == '\0')
        case_check(r, err[0] != '\0', "refused without a reason");
    else if (strcmp(how, "=") == 0 || strcmp(how, "~") == 0)
        case_check(r, how[0] == '=' ? strcmp(err, want) == 0 : strstr(err, want) != NULL,
                   "refused with \"%s\", want %s\"%s\"", err, how[0] == '=' ? "" : "one holding ",
                   want);
    else
        case_bad(r, "want: refuse PARSER [= TEXT | ~ TEXT]");
    case_check(r, all_zero(zero, size), "%s left its output filled when it refused", name);
}

/* Whether any string reachable from c holds needle. */
static bool container_holds(const struct docker_container *c, const char *needle)
{
    const char *strs[] = { c->id,           c->name,          c->image,         c->image_id,
                           c->state,        c->health_status, c->user,          c->apparmor_profile,
                           c->network_mode, c->pid_mode,      c->ipc_mode,      c->uts_mode,
                           c->userns_mode,  c->cgroup_parent, c->restart_policy };
    const struct str_list *lists[] = { &c->env_names, &c->security_opt, &c->cap_add, &c->cap_drop,
                                       &c->devices,   &c->ulimits,      &c->networks };
    bool found = false;
    for (size_t i = 0; i < ARRAY_LEN(strs); i++)
        found |= strs[i] != NULL && strstr(strs[i], needle) != NULL;
    for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
        for (size_t k = 0; k < lists[i]->len; k++)
            found |= strstr(lists[i]->items[k], needle) != NULL;
    }
    for (size_t i = 0; i < c->n_mounts; i++) {
        const struct docker_mount *m = &c->mounts[i];
        const char *ms[] = { m->type, m->source, m->destination, m->propagation };
        for (size_t k = 0; k < ARRAY_LEN(ms); k++)
            found |= ms[k] != NULL && strstr(ms[k], needle) != NULL;
    }
    for (size_t i = 0; i < c->n_ports; i++) {
        found |= c->ports[i].container_port != NULL &&
                 strstr(c->ports[i].container_port, needle) != NULL;
        found |= c->ports[i].host_ip != NULL && strstr(c->ports[i].host_ip, needle) != NULL;
    }
    return found;
}

/* The next answer line starts a new answer. */
static void answer_reset(struct case_run *r)
{
    r->answer.len = 0;
    if (r->answer.data != NULL)
        r->answer.data[0] = '\0';
    r->answer_read = false;
}

/* Ends the case being read: it must have asserted something; what it parsed is freed. */
static void case_end(struct case_run *r)
{
    if (r->title == NULL)
        return;
    if (r->in_case == 0)
        case_bad(r, "case \"%s\" asserts nothing", r->title);
    parsed_free(r);
    r->title = NULL;
    r->last = -1;
    r->in_case = 0;
    r->parsed_mask = 0;
    answer_reset(r);
}

/* Runs every case of tests/cases/NAME; says how many cases and assertions it made. */
static void run_cases(const char *name)
{
    struct case_run r;
    memset(&r, 0, sizeof(r));
    r.last = -1;
    case_file_open(&r.cf, name);
    for (char *line = case_file_line(&r.cf); line != NULL; line = case_file_line(&r.cf)) {
        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (line[0] == '|') {
            if (line[1] != '\0' && line[1] != ' ')
                case_bad(&r, "an answer line is \"| TEXT\"");
            if (r.answer_read)
                answer_reset(&r);
            else if (r.answer.len > 0)
                case_text_add(&r.answer, "\n", 1);
            case_text_add(&r.answer, line[1] ? line + 2 : "", line[1] ? strlen(line + 2) : 0);
            continue;
        }
        char *rest = line;
        char *word = case_word(&rest);
        if (strcmp(word, "case") == 0) {
            case_end(&r);
            r.title = rest;
            r.cases++;
        } else if (strcmp(word, "answer") == 0) {
            struct text t = load(rest);
            answer_reset(&r);
            case_text_add(&r.answer, t.data, t.len);
            free(t.data);
        } else if (strcmp(word, "parse") == 0 || strcmp(word, "refuse") == 0) {
            parse_line(&r, word[0] == 'r', rest);
        } else if (strcmp(word, "answer-holds") == 0) {
            const char *text = case_text_arg(rest);
            case_check(&r, r.answer.data != NULL && strstr(r.answer.data, text) != NULL,
                       "the answer does not hold \"%s\"", text);
        } else if (strcmp(word, "nowhere") == 0) {
            const char *text = case_text_arg(rest);
            if (r.last != P_CONTAINER)
                case_bad(&r, "nowhere follows a container's parse");
            case_check(&r, !container_holds(&r.p.container, text),
                       "the parsed container holds \"%s\"", text);
        } else {
            field_line(&r, word, rest);
        }
    }
    case_end(&r);
    if (r.cases == 0)
        case_bad(&r, "no case");
    print_message("%s: %zu cases, %zu assertions\n", r.cf.name, r.cases, r.assertions);
    free(r.answer.data);
    case_file_close(&r.cf);
}

static void test_cases(void **state)
{
    (void)state;
    run_cases("docker_parse.cases");
}

/* ---- built here ---- */

/* The length is honoured: a valid prefix of a longer text (the whole is refused: a case). */
static void test_version_length_honoured(void **state)
{
    (void)state;
    const char *two = "{\"Version\":\"a\",\"ApiVersion\":\"1.41\"}garbage";
    struct docker_version v;
    char err[256] = "";
    assert_int_equal(docker_parse_version(two, strlen(two) - 7, &v, err, sizeof(err)), 0);
    assert_string_equal(v.version, "a");
    docker_version_free(&v);
}

/*
 * `--security-opt seccomp=profile.json`: the CLI stores the whole profile
 * inline. A 40 KiB profile is kept as a summary, never an error for the
 * other options of the list.
 */
static void test_5_22_inline_seccomp_profile_kept_as_summary(void **state)
{
    (void)state;
    size_t filler = 40 * 1024;
    const char *head = "{\"Id\":\"s\",\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges\","
                       "\"seccomp={\\n  \\\"defaultAction\\\": \\\"SCMP_ACT_ERRNO\\\",\\n  "
                       "\\\"comment\\\": \\\"";
    const char *tail = "\\\"\\n}\",\"label=disable\"]}}";
    size_t len = strlen(head) + filler + strlen(tail);
    char *json = malloc(len + 1);
    assert_non_null(json);
    memcpy(json, head, strlen(head));
    memset(json + strlen(head), 'x', filler);
    memcpy(json + strlen(head) + filler, tail, strlen(tail) + 1);
    struct docker_container c;
    parse_container_text(json, len, &c);
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_SECURITY_OPT), 0);
    assert_int_equal(c.security_opt.len, 3);
    assert_string_equal(c.security_opt.items[0], "no-new-privileges");
    assert_non_null(strstr(c.security_opt.items[1], "seccomp=<inline profile, "));
    assert_non_null(strstr(c.security_opt.items[1], "defaultAction SCMP_ACT_ERRNO>"));
    assert_true(strlen(c.security_opt.items[1]) < 128);
    assert_string_equal(c.security_opt.items[2], "label=disable");
    docker_container_free(&c);

    /* Another option over the cap keeps its key and says how long it was. */
    size_t big = DOCKER_STRING_MAX + 100;
    char *label = malloc(big + 128);
    assert_non_null(label);
    int n = snprintf(label, 128, "{\"Id\":\"s\",\"HostConfig\":{\"SecurityOpt\":[\"label=");
    memset(label + n, 'l', big);
    memcpy(label + n + big, "\"]}}", 5);
    parse_container_text(label, strlen(label), &c);
    assert_int_equal(c.invalid & BIT(DOCKER_F_C_SECURITY_OPT), 0);
    assert_int_equal(c.security_opt.len, 1);
    char want[128];
    snprintf(want, sizeof(want), "label=<value of %zu bytes, over the %d-byte cap>", big,
             DOCKER_STRING_MAX);
    assert_string_equal(c.security_opt.items[0], want);
    docker_container_free(&c);
    free(label);
    free(json);
}

/* Every proper prefix of a recorded answer fails cleanly; the whole parses. */
static void test_container_every_prefix(void **state)
{
    (void)state;
    struct docker_container c;
    char err[256] = "";
    struct text full = load("container-risky.json");
    size_t end = full.len;
    while (end > 0 && (full.data[end - 1] == '\n' || full.data[end - 1] == ' '))
        end--;
    for (size_t n = 0; n < end; n++) {
        err[0] = '\0';
        if (docker_parse_container(full.data, n, &c, err, sizeof(err)) != -1)
            fail_msg("prefix of %zu bytes parsed", n);
        assert_true(err[0] != '\0');
    }
    parse_container_text(full.data, end, &c);
    docker_container_free(&c);
    free(full.data);
}

static void test_container_nested(void **state)
{
    (void)state;
    struct docker_container c;
    char err[256] = "";

    /* Deep but within the bound: an unknown field 60 levels deep is ignored. */
    struct text full = load("container-risky.json");
    char *json = malloc(full.len + 1024);
    assert_non_null(json);
    size_t n = 0;
    n += (size_t)snprintf(json + n, 64, "{\"Deep\":");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(json + n, 8, "[");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(json + n, 8, "]");
    json[n++] = ',';
    memcpy(json + n, full.data + 1, full.len - 1); /* the recorded object without its '{' */
    n += full.len - 1;
    parse_container_text(json, n, &c);
    assert_true(c.privileged);
    docker_container_free(&c);
    free(json);
    free(full.data);

    /* A million levels: refused by the bound before cJSON recurses. */
    size_t deep = 1000000;
    json = malloc(2 * deep);
    assert_non_null(json);
    memset(json, '[', deep);
    memset(json + deep, ']', deep);
    assert_int_equal(docker_parse_container(json, 2 * deep, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "JSON nested deeper than 64 levels");
    struct str_list ids;
    assert_int_equal(docker_parse_container_ids(json, 2 * deep, &ids, err, sizeof(err)), -1);
    assert_string_equal(err, "JSON nested deeper than 64 levels");
    free(json);
}

/* A ~20 MB container answer built in memory. */
static void test_container_huge(void **state)
{
    struct docker_container c;
    char err[256] = "";
    size_t cap = 21u * 1024 * 1024;
    char *json = malloc(cap);
    assert_non_null(json);

    /* Three million Env entries: over DOCKER_JSON_VALUES_MAX, refused before cJSON. */
    size_t n = (size_t)snprintf(json, cap, "{\"Id\":\"h\",\"Config\":{\"Env\":[");
    for (size_t i = 0; n < 20u * 1024 * 1024; i++)
        n += (size_t)snprintf(json + n, cap - n, "%s\"V=1\"", i ? "," : "");
    n += (size_t)snprintf(json + n, cap - n, "]}}");
    assert_int_equal(docker_parse_container(json, n, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "JSON with more than 500000 values");

    /* One 20 MB string: few values, so it parses; the field is too long to keep. */
    n = (size_t)snprintf(json, cap, "{\"Id\":\"h\",\"Config\":{\"User\":\"");
    memset(json + n, 'u', 20u * 1024 * 1024);
    n += 20u * 1024 * 1024;
    n += (size_t)snprintf(json + n, cap - n, "\",\"Env\":[\"A=1\"]}}");
    parse_container_text(json, n, &c);
    assert_null(c.user);
    assert_true((c.invalid & BIT(DOCKER_F_C_USER)) != 0);
    assert_list(&c.env_names, 1, "A");
    docker_container_free(&c);

    /* A list answer of 150000 entries: over DOCKER_ID_LIST_MAX. */
    n = (size_t)snprintf(json, cap, "[");
    for (size_t i = 0; i < 150000; i++)
        n += (size_t)snprintf(json + n, cap - n, "%s{\"Id\":\"%zx\"}", i ? "," : "", i);
    n += (size_t)snprintf(json + n, cap - n, "]");
    struct str_list ids;
    assert_int_equal(docker_parse_container_ids(json, n, &ids, err, sizeof(err)), -1);
    assert_string_equal(err, "list with more than 100000 entries");
    assert_int_equal(ids.len, 0);
    free(json);
}

static void test_container_field_names(void **state)
{
    for (int f = 0; f < DOCKER_F_C_FIELD_COUNT; f++) {
        const char *name = docker_container_field_name((enum docker_container_field)f);
        assert_string_not_equal(name, "unknown field");
        for (int g = 0; g < f; g++)
            assert_string_not_equal(name,
                                    docker_container_field_name((enum docker_container_field)g));
    }
    assert_string_equal(docker_container_field_name(DOCKER_F_C_FIELD_COUNT), "unknown field");
    assert_string_equal(docker_container_field_name(DOCKER_F_C_PORTS), "HostConfig.PortBindings");
    assert_string_equal(docker_container_field_name(DOCKER_F_C_PRIVILEGED),
                        "HostConfig.Privileged");
}

static void test_image_history_cut_at_512_bytes(void **state)
{
    /* 511 ASCII bytes then a 3-byte character: the cut must not split it. */
    char line[2048];
    memset(line, 'a', 511);
    size_t n = 511;
    for (int i = 0; i < 200; i++) {
        memcpy(line + n, "\xe2\x82\xac", 3); /* U+20AC */
        n += 3;
    }
    line[n] = '\0';
    char json[4096];
    snprintf(json, sizeof(json), "[{\"CreatedBy\":\"%s\"},{\"CreatedBy\":\"%.600s\"}]", line, line);
    struct docker_image img = { 0 };
    char err[256] = "";
    assert_int_equal(docker_parse_image_history(json, strlen(json), &img, err, sizeof(err)), 0);
    assert_int_equal(img.history.len, 2);
    assert_int_equal(strlen(img.history.items[0]), 511);
    assert_int_equal(strlen(img.history.items[1]), 511);
    memset(line, 'b', 600);
    line[600] = '\0';
    snprintf(json, sizeof(json), "[{\"CreatedBy\":\"%s\"}]", line);
    assert_int_equal(docker_parse_image_history(json, strlen(json), &img, err, sizeof(err)), 0);
    assert_int_equal(img.history.len, 1);
    assert_int_equal(strlen(img.history.items[0]), 512);
    docker_image_free(&img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_version_length_honoured),
        cmocka_unit_test(test_5_22_inline_seccomp_profile_kept_as_summary),
        cmocka_unit_test(test_container_every_prefix),
        cmocka_unit_test(test_container_nested),
        cmocka_unit_test(test_container_huge),
        cmocka_unit_test(test_container_field_names),
        cmocka_unit_test(test_image_history_cut_at_512_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
