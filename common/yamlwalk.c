/*
 * yamlwalk.c - the event walk under dockward's YAML files; see yamlwalk.h.
 */
#include "yamlwalk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int yaml_walk_begin(struct yaml_walk *w, const char *text, size_t len, const char *path, char *err,
                    size_t errlen)
{
    memset(w, 0, sizeof(*w));
    w->path = path;
    w->text = text;
    w->len = len;
    w->err = err;
    w->errlen = errlen;
    if (!yaml_parser_initialize(&w->yp)) {
        yaml_walk_fail(w, 1, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&w->yp, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&w->yp, YAML_UTF8_ENCODING);
    return 0;
}

void yaml_walk_end(struct yaml_walk *w)
{
    if (w->have_ev)
        yaml_event_delete(&w->ev);
    w->have_ev = false;
    yaml_parser_delete(&w->yp);
}

void yaml_walk_fail(struct yaml_walk *w, size_t line, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    (void)n;
    va_end(ap);
    snprintf(w->err, w->errlen, "%s:%zu: %s", w->path, line, msg);
}

size_t yaml_walk_line(const struct yaml_walk *w)
{
    return w->ev.start_mark.line + 1;
}

/* Fetches the next event; refuses aliases, anchors and tags. 0 or -1 with err. */
int yaml_walk_next(struct yaml_walk *w)
{
    if (w->have_ev) {
        yaml_event_delete(&w->ev);
        w->have_ev = false;
    }
    if (!yaml_parser_parse(&w->yp, &w->ev)) {
        size_t line = w->yp.problem_mark.line + 1;
        if (w->yp.error == YAML_READER_ERROR) {
            /* The reader reports a byte offset, not a mark. */
            line = 1;
            for (size_t i = 0; i < w->yp.problem_offset && i < w->len; i++)
                line += w->text[i] == '\n';
        }
        yaml_walk_fail(w, line, "invalid YAML: %s", w->yp.problem ? w->yp.problem : "parse error");
        return -1;
    }
    w->have_ev = true;
    const yaml_char_t *anchor = NULL, *tag = NULL;
    switch (w->ev.type) {
    case YAML_ALIAS_EVENT:
        yaml_walk_fail(w, yaml_walk_line(w), "YAML aliases (*name) are not supported");
        return -1;
    case YAML_SCALAR_EVENT:
        anchor = w->ev.data.scalar.anchor;
        tag = w->ev.data.scalar.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = w->ev.data.mapping_start.anchor;
        tag = w->ev.data.mapping_start.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = w->ev.data.sequence_start.anchor;
        tag = w->ev.data.sequence_start.tag;
        break;
    default:
        break;
    }
    if (anchor != NULL) {
        yaml_walk_fail(w, yaml_walk_line(w), "YAML anchors (&name) are not supported");
        return -1;
    }
    if (tag != NULL) {
        yaml_walk_fail(w, yaml_walk_line(w), "YAML tags (!tag) are not supported");
        return -1;
    }
    return 0;
}

const char *yaml_walk_scalar(const struct yaml_walk *w)
{
    return (const char *)w->ev.data.scalar.value;
}

/* A plain scalar YAML reads as null: empty, ~, null. */
bool yaml_walk_is_null(const struct yaml_walk *w)
{
    if (w->ev.type != YAML_SCALAR_EVENT || w->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = yaml_walk_scalar(w);
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

const char *yaml_walk_kind(const struct yaml_walk *w)
{
    switch (w->ev.type) {
    case YAML_SEQUENCE_START_EVENT:
        return "a list";
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    case YAML_SCALAR_EVENT:
        return "a scalar";
    default:
        return "something else";
    }
}

/* A value that must be `want` or null: 1 open, 0 null, -1 error. */
static int open_node(struct yaml_walk *w, const char *key, yaml_event_type_t want, const char *what)
{
    if (yaml_walk_next(w) != 0)
        return -1;
    if (w->ev.type == want)
        return 1;
    if (yaml_walk_is_null(w))
        return 0;
    yaml_walk_fail(w, yaml_walk_line(w), "%s: want %s, found %s", key, what, yaml_walk_kind(w));
    return -1;
}

int yaml_walk_open_mapping(struct yaml_walk *w, const char *key)
{
    return open_node(w, key, YAML_MAPPING_START_EVENT, "a mapping");
}

/* Reads a string value (null reads as ""); *out is malloc'd. */
int yaml_walk_read_string(struct yaml_walk *w, const char *key, char **out)
{
    if (yaml_walk_next(w) != 0)
        return -1;
    if (w->ev.type != YAML_SCALAR_EVENT) {
        yaml_walk_fail(w, yaml_walk_line(w), "%s: want a string, found %s", key, yaml_walk_kind(w));
        return -1;
    }
    const char *s = yaml_walk_is_null(w) ? "" : yaml_walk_scalar(w);
    size_t len = w->ev.data.scalar.length;
    if (yaml_walk_is_null(w))
        len = 0;
    if (memchr(s, '\0', len) != NULL) {
        yaml_walk_fail(w, yaml_walk_line(w), "%s: the value holds a NUL byte", key);
        return -1;
    }
    *out = strndup(s, len);
    if (*out == NULL) {
        yaml_walk_fail(w, yaml_walk_line(w), "out of memory");
        return -1;
    }
    return 0;
}

/*
 * The next key of an open mapping: 1 with the key in *key (points into the
 * current event) and its line, 0 at the end of the mapping, -1 on error.
 */
int yaml_walk_next_key(struct yaml_walk *w, const char *where, const char **key, size_t *line)
{
    if (yaml_walk_next(w) != 0)
        return -1;
    if (w->ev.type == YAML_MAPPING_END_EVENT)
        return 0;
    if (w->ev.type != YAML_SCALAR_EVENT) {
        yaml_walk_fail(w, yaml_walk_line(w), "%s: keys must be strings, found %s", where,
                       yaml_walk_kind(w));
        return -1;
    }
    *key = yaml_walk_scalar(w);
    *line = yaml_walk_line(w);
    return 1;
}

/* Index of `key` in the NULL-terminated `names`, or -1. */
int yaml_walk_key_index(const char *const *names, const char *key)
{
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], key) == 0)
            return i;
    }
    return -1;
}

/* Refuses a repeated key; `seen` holds one bit per index of the section's table. */
int yaml_walk_check_dup(struct yaml_walk *w, unsigned *seen, int idx, const char *key, size_t line)
{
    if (*seen & (1u << idx)) {
        yaml_walk_fail(w, line, "duplicate key \"%s\"", key);
        return -1;
    }
    *seen |= 1u << idx;
    return 0;
}

int yaml_walk_each_key(struct yaml_walk *w, const char *where, yaml_walk_key_fn each, void *ctx)
{
    for (;;) {
        const char *k;
        size_t line;
        int r = yaml_walk_next_key(w, where, &k, &line);
        if (r <= 0)
            return r;
        if (each(ctx, k, line) != 0)
            return -1;
    }
}

int yaml_walk_mapping(struct yaml_walk *w, const char *key, yaml_walk_key_fn each, void *ctx)
{
    int open = yaml_walk_open_mapping(w, key);
    return open <= 0 ? open : yaml_walk_each_key(w, key, each, ctx);
}

int yaml_walk_known_key(struct yaml_walk *w, const struct yaml_keys *keys, unsigned *seen,
                        const char *key, size_t line)
{
    int idx = yaml_walk_key_index(keys->names, key);
    if (idx < 0) {
        if (keys->unsupported != NULL && yaml_walk_key_index(keys->unsupported, key) >= 0)
            yaml_walk_fail(w, line, "%s%s is not supported by dockward", keys->prefix, key);
        else
            yaml_walk_fail(w, line, "%sunknown key \"%.*s\"%s", keys->prefix, keys->shown, key,
                           keys->want);
        return -1;
    }
    return yaml_walk_check_dup(w, seen, idx, key, line) != 0 ? -1 : idx;
}

int yaml_walk_open_list(struct yaml_walk *w, const char *key)
{
    return open_node(w, key, YAML_SEQUENCE_START_EVENT, "a list");
}

int yaml_walk_open_document(struct yaml_walk *w)
{
    if (yaml_walk_next(w) != 0)
        return -1;
    if (w->ev.type != YAML_STREAM_START_EVENT) {
        yaml_walk_fail(w, yaml_walk_line(w), "invalid YAML stream");
        return -1;
    }
    if (yaml_walk_next(w) != 0)
        return -1;
    if (w->ev.type == YAML_STREAM_END_EVENT)
        return 0;
    if (yaml_walk_next(w) != 0) /* past DOCUMENT_START: the root node */
        return -1;
    if (w->ev.type == YAML_MAPPING_START_EVENT)
        return 1;
    if (yaml_walk_is_null(w))
        return 0;
    yaml_walk_fail(w, yaml_walk_line(w), "want a mapping at the top, found %s", yaml_walk_kind(w));
    return -1;
}

int yaml_walk_close_document(struct yaml_walk *w)
{
    if (w->ev.type == YAML_STREAM_END_EVENT)
        return 0;               /* an empty stream */
    if (yaml_walk_next(w) != 0) /* DOCUMENT_END */
        return -1;
    if (yaml_walk_next(w) != 0)
        return -1;
    if (w->ev.type != YAML_STREAM_END_EVENT) {
        yaml_walk_fail(w, yaml_walk_line(w), "more than one YAML document");
        return -1;
    }
    return 0;
}
