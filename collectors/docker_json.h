/*
 * docker_json.h - what the Docker answer parsers (docker_parse.c,
 * docker_parse_container.c) share and nothing else includes: JSON read
 * within bounds, copies that record running out of memory once, and the
 * field tables.
 *
 * A field table is the parsers' one way to read plain members, in the
 * style of curl's option tables: one descriptor per field (its path below
 * the object read, its type, whether it may be absent, where it goes in
 * the output struct, the DOCKER_F_* bit that says it was bad) and one loop
 * (docker_fields_read) that reads them all by docker.h's rule: a field
 * absent or of the wrong JSON type sets its bit and stays zero/NULL. The
 * caps are the type's: a string at most DOCKER_STRING_MAX bytes, a list at
 * most DOCKER_LIST_MAX items (more sets the bit and the parse context's
 * `overcap`). docker_fields_free frees what a table read. What does not fit
 * a row (a map of ports, a time, a list of objects) is read by hand next
 * to the table it completes.
 */
#ifndef DOCKWARD_DOCKER_JSON_H
#define DOCKWARD_DOCKER_JSON_H

#include "docker.h"

#include <cjson/cJSON.h>
#include <stddef.h>

#define BIT(f) ((uint64_t)1 << (f))

/*
 * Parse state: one flag for allocation failure, checked once at the end, and
 * the bits of the fields that held an item over a cap (a container's
 * `overcap`, so its checks can say which field and which cap).
 */
struct parse_ctx {
    bool oom;
    uint64_t overcap;
};

/* ---- bounded JSON (see docker_json.c) ---- */

/* "an object", "a string"...: the JSON type of v, for errors. */
const char *json_type_name(const cJSON *v);
/*
 * Parses exactly json[0..len) (trailing whitespace allowed, nothing else)
 * after bounding it. Returns the tree (caller frees with cJSON_Delete) or NULL
 * with err.
 */
cJSON *json_parse_bounded(const char *json, size_t len, int depth_max, char *err, size_t errlen);
/* Parses a whole answer whose top level must be an object; as json_parse_bounded. */
cJSON *json_parse_object(const char *json, size_t len, char *err, size_t errlen);

typedef int (*json_element_fn)(const cJSON *el, size_t index, void *arg, char *err, size_t errlen);
/*
 * Calls fn for each element of a top-level JSON array, parsing one element
 * at a time. Returns 0, or -1 with err (bad JSON, or what fn returned).
 */
int json_array_each(const char *json, size_t len, json_element_fn fn, void *arg, char *err,
                    size_t errlen);

/* Member `key` of obj; NULL when obj is not an object or has none. */
const cJSON *json_member(const cJSON *obj, const char *key);
/* v's text when v is a string of at most DOCKER_STRING_MAX bytes (a field kept whole), or NULL. */
const char *json_kept_string(const cJSON *v);
/* Member Id of obj: a non-empty string of at most DOCKER_STRING_MAX bytes, or NULL. */
const char *json_id(const cJSON *obj);
/* Whether v is a JSON number that is a whole number within int64_t (then *out). */
bool json_int64(const cJSON *v, int64_t *out);
/*
 * The members a list or map field walks: NULL (nothing to walk) when v is
 * null, or when it is not an array (`object` false) or object (true), which
 * also sets `bit` in *invalid.
 */
const cJSON *json_items_of(const cJSON *v, bool object, uint64_t *invalid, uint64_t bit);
/* Overwrites the values of config's Env list in the tree before it is freed. */
void json_wipe_env(cJSON *config);
/* RFC 3339 text to Unix seconds (fraction dropped); false on anything else. */
bool parse_rfc3339(const char *s, int64_t *out);

/* ---- copies (each sets p->oom and returns NULL/false when out of memory) ---- */

char *parse_dup(struct parse_ctx *p, const char *s, size_t n);
/* "a<sep>b" in one allocation. */
char *parse_join(struct parse_ctx *p, const char *a, char sep, const char *b);
/* Grows an array of `size`-byte items to hold one more (array_grow's items_ptr). */
bool parse_grow(struct parse_ctx *p, void *items_ptr, size_t len, size_t *cap, size_t size);
/* Appends a copy of s[0..n) to l (*cap: l's capacity, 0 for a new list). */
void parse_str_list_push(struct parse_ctx *p, struct str_list *l, size_t *cap, const char *s,
                         size_t n);
/* Appends "a<sep>b" to l (*cap as above); false when out of memory (p->oom set). */
bool parse_str_list_join(struct parse_ctx *p, struct str_list *l, size_t *cap, const char *a,
                         char sep, const char *b);
/* "out of memory while parsing" into err; returns -1. */
int parse_oom_error(char *err, size_t errlen);

/* ---- field tables ---- */

enum field_type {
    FIELD_STRING,            /* char *, a copy */
    FIELD_BOOL,              /* bool */
    FIELD_INT64,             /* int64_t, a whole JSON number */
    FIELD_LONG,              /* long, a whole JSON number within long */
    FIELD_LIST,              /* struct str_list of strings; null is an empty list */
    FIELD_LIST_NAMES,        /* the same, "NAME=value" kept as NAME (Env: no value copied) */
    FIELD_LIST_SECURITY_OPT, /* the same, inline seccomp profiles and long values summarised */
};

enum field_presence {
    FIELD_REQUIRED, /* absent sets the bit */
    FIELD_OPTIONAL, /* absent is the zero value (a string: "", for null too; the API omits it) */
};

#define FIELD_NO_BIT (-1) /* a field with no bit of its own: a bad string reads as "" */

struct docker_field {
    const char *path; /* below the object read, "." between members: "HostConfig.CapAdd" */
    enum field_type type;
    enum field_presence presence;
    size_t offset; /* of the value in the output struct */
    int bit;       /* DOCKER_F_* set in *invalid when bad, or FIELD_NO_BIT */
};

#define FIELDS_N(t) (sizeof(t) / sizeof((t)[0]))

/* Reads every field of the table from obj into out; bad ones set their bit in *invalid. */
void docker_fields_read(struct parse_ctx *p, const cJSON *obj, const struct docker_field *fields,
                        size_t n, void *out, uint64_t *invalid);
/* Frees the strings and lists of the table in out and sets them NULL/empty. */
void docker_fields_free(const struct docker_field *fields, size_t n, void *out);

/*
 * An object answer read by a table (/version, /info, an image, a
 * container): its Id when it must have one, the plain fields, then what is
 * read by hand, and how the output is freed when memory ran out.
 */
struct docker_answer {
    const struct docker_field *fields;
    size_t n_fields;
    /* After the fields, before the tree is freed (and may wipe what it must not keep). */
    void (*read_rest)(struct parse_ctx *p, const cJSON *root, void *out);
    void (*free_out)(void *out);
    const char *what; /* "image": the answer must have an Id (json_id); NULL: no Id */
    size_t id_offset; /* of the char * the Id is copied into, when `what` is set */
};

/*
 * Parses an answer into out (zeroed by the caller), bad fields setting
 * their bit in *invalid. Returns 0, or -1 with err (not a JSON object,
 * "<what> answer without an Id", out of memory; out is then freed).
 */
int docker_answer_parse(const struct docker_answer *a, const char *json, size_t len, void *out,
                        uint64_t *invalid, char *err, size_t errlen);

/*
 * Defines int docker_parse_NAME(json, len, struct docker_NAME *out, err,
 * errlen): out zeroed, then docker_answer_parse over FIELDS and REST, freed
 * with docker_NAME_free on error. WHAT and ID_OFFSET as in docker_answer.
 */
#define DOCKER_ANSWER_PARSER(name, fields, rest, what, id_offset)                               \
    static void name##_free_out(void *out)                                                      \
    {                                                                                           \
        docker_##name##_free(out);                                                              \
    }                                                                                           \
    int docker_parse_##name(const char *json, size_t len, struct docker_##name *out, char *err, \
                            size_t errlen)                                                      \
    {                                                                                           \
        static const struct docker_answer answer = {                                            \
            fields, FIELDS_N(fields), rest, name##_free_out, what, id_offset,                   \
        };                                                                                      \
        memset(out, 0, sizeof(*out));                                                           \
        return docker_answer_parse(&answer, json, len, out, &out->invalid, err, errlen);        \
    }

#endif
