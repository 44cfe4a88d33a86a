/*
 * yamlwalk.h - walking a small YAML file's libyaml events with the expected
 * structure in hand, for the files dockward reads (--web.config.file,
 * --waivers.file).
 *
 * libyaml's event parser, not its document loader: anchors, aliases and
 * tags (which the loader would resolve silently) are refused where they
 * appear, a nested value where a string belongs stops the walk at once (no
 * deep tree is ever built), and every error is "FILE:LINE: message" with the
 * line of the event that caused it.
 */
#ifndef DOCKWARD_YAMLWALK_H
#define DOCKWARD_YAMLWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct yaml_walk {
    yaml_parser_t yp;
    yaml_event_t ev; /* the current event, valid while have_ev */
    bool have_ev;
    const char *path; /* for errors */
    const char *text; /* the input, for the line of a reader error */
    size_t len;
    char *err; /* the caller's error buffer */
    size_t errlen;
};

/*
 * Starts a walk over `len` bytes of `text` (both must outlive the walk).
 * Returns 0, or -1 with err filled (no memory); end it with yaml_walk_end
 * either way.
 */
int yaml_walk_begin(struct yaml_walk *w, const char *text, size_t len, const char *path, char *err,
                    size_t errlen);
void yaml_walk_end(struct yaml_walk *w);

/*
 * The start of the one document of the stream: 1 with its root mapping
 * open, 0 for an empty stream or a null root (the caller then calls
 * yaml_walk_close_document too), -1 on error (anything else at the root).
 */
int yaml_walk_open_document(struct yaml_walk *w);

/* After the root: the document's end and the stream's (a second document is an error). 0 or -1. */
int yaml_walk_close_document(struct yaml_walk *w);

/* Fills the error buffer with "PATH:LINE: message". */
void yaml_walk_fail(struct yaml_walk *w, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The 1-based line of the current event. */
size_t yaml_walk_line(const struct yaml_walk *w);

/* Fetches the next event; refuses aliases, anchors and tags. 0, or -1 with err. */
int yaml_walk_next(struct yaml_walk *w);

/* The current scalar's text (points into the event). */
const char *yaml_walk_scalar(const struct yaml_walk *w);

/* Whether the current event is a plain scalar YAML reads as null: empty, ~, null. */
bool yaml_walk_is_null(const struct yaml_walk *w);

/* "a list", "a mapping", "a scalar": for errors. */
const char *yaml_walk_kind(const struct yaml_walk *w);

/* Reads a value that must be a mapping or null: 1 mapping (now open), 0 null, -1 error. */
int yaml_walk_open_mapping(struct yaml_walk *w, const char *key);

/* Reads a value that must be a list or null: 1 list (now open), 0 null, -1 error. */
int yaml_walk_open_list(struct yaml_walk *w, const char *key);

/* Reads a string value (null reads as ""); *out is malloc'd, the caller frees it. */
int yaml_walk_read_string(struct yaml_walk *w, const char *key, char **out);

/*
 * The next key of an open mapping: 1 with the key in *key (points into the
 * current event, so it dies with the next one) and its line, 0 at the end
 * of the mapping, -1 on error.
 */
int yaml_walk_next_key(struct yaml_walk *w, const char *where, const char **key, size_t *line);

/* Index of `key` in the NULL-terminated `names`, or -1. */
int yaml_walk_key_index(const char *const *names, const char *key);

/* Refuses a repeated key; `seen` holds one bit per index of the section's table. 0 or -1. */
int yaml_walk_check_dup(struct yaml_walk *w, unsigned *seen, int idx, const char *key, size_t line);

/*
 * Called for each key of a mapping (key points into the current event: it
 * dies with the next one); 0 to go on, -1 to stop, its error already set.
 */
typedef int (*yaml_walk_key_fn)(void *ctx, const char *key, size_t line);

/*
 * Calls each for every key of the open mapping, in order, to its end: 0,
 * or -1 when a key is not a string (the error names `where`) or each failed.
 */
int yaml_walk_each_key(struct yaml_walk *w, const char *where, yaml_walk_key_fn each, void *ctx);

/* yaml_walk_open_mapping(key), then yaml_walk_each_key: 0 (a null value too), or -1. */
int yaml_walk_mapping(struct yaml_walk *w, const char *key, yaml_walk_key_fn each, void *ctx);

/* The keys a mapping may hold, and how one it may not is refused (yaml_walk_known_key). */
struct yaml_keys {
    const char *prefix;             /* an error's start: "tls_server_config: ", "" */
    const char *const *names;       /* NULL-terminated; an index is a bit of `seen` */
    const char *const *unsupported; /* refused as "not supported by dockward"; NULL: none */
    int shown;                      /* bytes of an unknown key its error shows (INT_MAX: all) */
    const char *want;               /* after an unknown key's error: " (want ...)", or "" */
};

/*
 * The index of key in keys->names; -1 with the error set when it is not
 * there ("<prefix>unknown key \"KEY\"<want>", or "<prefix>KEY is not
 * supported by dockward") or is already in *seen (yaml_walk_check_dup).
 */
int yaml_walk_known_key(struct yaml_walk *w, const struct yaml_keys *keys, unsigned *seen,
                        const char *key, size_t line);

#endif
