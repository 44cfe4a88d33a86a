/*
 * flags.c - see flags.h. Parsing is two passes: defaults into every dest,
 * then argv left to right (a later flag overrides an earlier one, as in
 * kingpin, which node_exporter users are used to).
 */
#include "flags.h"
#include "httpd.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct duration_unit {
    const char *suffix;
    uint64_t ms;
};

/* Longest suffix first so "ms" is not read as "m". Units as in Prometheus. */
static const struct duration_unit duration_units[] = {
    { "ms", 1ULL },       { "y", 365ULL * 86400000ULL }, { "w", 7ULL * 86400000ULL },
    { "d", 86400000ULL }, { "h", 3600000ULL },           { "m", 60000ULL },
    { "s", 1000ULL },
};

int flags_parse_duration(const char *text, uint64_t *ms_out)
{
    uint64_t total = 0;
    const char *p = text;

    if (p == NULL || *p == '\0')
        return -1;
    if (strcmp(p, "0") == 0) {
        *ms_out = 0;
        return 0;
    }
    while (*p != '\0') {
        if (*p < '0' || *p > '9')
            return -1;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno != 0 || end == p)
            return -1;
        p = end;
        const struct duration_unit *unit = NULL;
        for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
            size_t sl = strlen(duration_units[i].suffix);
            if (strncmp(p, duration_units[i].suffix, sl) == 0 &&
                (duration_units[i].suffix[0] != 'm' || sl == 2 || p[1] != 's')) {
                unit = &duration_units[i];
                p += sl;
                break;
            }
        }
        if (unit == NULL)
            return -1;
        if (v > UINT64_MAX / unit->ms || total > UINT64_MAX - v * unit->ms)
            return -1;
        total += v * unit->ms;
    }
    *ms_out = total;
    return 0;
}

void flags_format_duration(uint64_t ms, char *out, size_t outlen)
{
    size_t used = 0;
    if (ms == 0) {
        snprintf(out, outlen, "0s");
        return;
    }
    out[0] = '\0';
    /* Whole days stay in days ("90d"): users think of image age in days. */
    static const struct duration_unit order[] = {
        { "d", 86400000ULL }, { "h", 3600000ULL }, { "m", 60000ULL },
        { "s", 1000ULL },     { "ms", 1ULL },
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && ms > 0; i++) {
        uint64_t q = ms / order[i].ms;
        if (q == 0)
            continue;
        int n =
            snprintf(out + used, outlen - used, "%llu%s", (unsigned long long)q, order[i].suffix);
        if (n < 0 || (size_t)n >= outlen - used)
            return;
        used += (size_t)n;
        ms -= q * order[i].ms;
    }
}

static int parse_bool(const char *v, bool *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *out = false;
        return 0;
    }
    return -1;
}

/* Stores `value` into def->dest. 0, or -1 with err naming the flag. */
static int flag_store(struct flag_def *def, const char *value, char *err, size_t errlen)
{
    switch (def->type) {
    case FLAG_BOOL: {
        bool b;
        if (parse_bool(value, &b) != 0) {
            seterr(err, errlen, "invalid value \"%s\" for --%s: want true or false", value,
                   def->name);
            return -1;
        }
        *(bool *)def->dest = b;
        break;
    }
    case FLAG_STRING:
        *(const char **)def->dest = value;
        break;
    case FLAG_DURATION: {
        uint64_t ms;
        if (flags_parse_duration(value, &ms) != 0) {
            seterr(err, errlen,
                   "invalid value \"%s\" for --%s: want a duration such as 30s, 5m, 1h or 90d",
                   value, def->name);
            return -1;
        }
        if ((def->min != 0 || def->max != 0) && (ms < def->min || ms > def->max)) {
            char lo[32], hi[32];
            flags_format_duration(def->min, lo, sizeof(lo));
            flags_format_duration(def->max, hi, sizeof(hi));
            seterr(err, errlen, "invalid value \"%s\" for --%s: must be between %s and %s", value,
                   def->name, lo, hi);
            return -1;
        }
        *(uint64_t *)def->dest = ms;
        break;
    }
    case FLAG_UINT: {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0' || value[0] == '-') {
            seterr(err, errlen, "invalid value \"%s\" for --%s: want a whole number", value,
                   def->name);
            return -1;
        }
        if ((def->min != 0 || def->max != 0) && (v < def->min || v > def->max)) {
            seterr(err, errlen, "invalid value \"%s\" for --%s: must be between %llu and %llu",
                   value, def->name, def->min, def->max);
            return -1;
        }
        *(unsigned long long *)def->dest = v;
        break;
    }
    case FLAG_ENUM: {
        int found = 0;
        for (const char *const *c = def->choices; c != NULL && *c != NULL; c++) {
            if (strcmp(*c, value) == 0)
                found = 1;
        }
        if (!found) {
            char list[256] = "";
            size_t used = 0;
            for (const char *const *c = def->choices; c != NULL && *c != NULL; c++) {
                int n = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", *c);
                if (n < 0 || (size_t)n >= sizeof(list) - used)
                    break;
                used += (size_t)n;
            }
            seterr(err, errlen, "invalid value \"%s\" for --%s: want one of %s", value, def->name,
                   list);
            return -1;
        }
        *(const char **)def->dest = value;
        break;
    }
    }
    if (def->validate != NULL && value != NULL) {
        char sub[256];
        if (def->validate(value, sub, sizeof(sub)) != 0) {
            seterr(err, errlen, "invalid value \"%s\" for --%s: %s", value, def->name, sub);
            return -1;
        }
    }
    return 0;
}

static struct flag_def *flag_find(struct flag_def *defs, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(defs[i].name) == len && strncmp(defs[i].name, name, len) == 0)
            return &defs[i];
    }
    return NULL;
}

int flags_apply_defaults(struct flag_def *defs, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        defs[i].is_set = false;
        if (defs[i].def == NULL) {
            if (defs[i].type == FLAG_STRING || defs[i].type == FLAG_ENUM)
                *(const char **)defs[i].dest = NULL;
            continue;
        }
        if (flag_store(&defs[i], defs[i].def, err, errlen) != 0)
            return -1; /* a bad default is a programming error; say so the same way */
    }
    return 0;
}

int flags_parse(struct flag_def *defs, size_t n, int argc, char **argv, int first, char *err,
                size_t errlen)
{
    if (flags_apply_defaults(defs, n, err, errlen) != 0)
        return -1;

    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            seterr(err, errlen, "unexpected argument \"%s\" (flags are --name=value; see --help)",
                   arg);
            return -1;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        struct flag_def *def = flag_find(defs, n, name, nlen);
        bool negated = false;
        if (def == NULL && nlen > 3 && strncmp(name, "no-", 3) == 0) {
            def = flag_find(defs, n, name + 3, nlen - 3);
            if (def != NULL && def->type != FLAG_BOOL)
                def = NULL;
            negated = def != NULL;
        }
        if (def == NULL) {
            seterr(err, errlen, "unknown flag --%.*s (see --help)", (int)nlen, name);
            return -1;
        }
        const char *value;
        if (negated) {
            if (eq != NULL) {
                seterr(err, errlen, "flag --%.*s takes no value", (int)nlen, name);
                return -1;
            }
            value = "false";
        } else if (eq != NULL) {
            value = eq + 1;
        } else if (def->type == FLAG_BOOL) {
            value = "true";
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            seterr(err, errlen, "flag --%s needs a value", def->name);
            return -1;
        }
        if (flag_store(def, value, err, errlen) != 0)
            return -1;
        def->is_set = true;
    }
    return 0;
}

void flags_print_help(FILE *out, const struct flag_def *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct flag_def *d = &defs[i];
        char head[160];
        if (d->type == FLAG_BOOL)
            snprintf(head, sizeof(head), "--[no-]%s", d->name);
        else
            snprintf(head, sizeof(head), "--%s=%s", d->name, d->metavar ? d->metavar : "VALUE");
        fprintf(out, "  %s\n      %s", head, d->help);
        if (d->def != NULL && d->def[0] != '\0')
            fprintf(out, " (default: %s)", d->def);
        fputc('\n', out);
    }
}

void flags_print_effective(FILE *out, const struct flag_def *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct flag_def *d = &defs[i];
        switch (d->type) {
        case FLAG_BOOL:
            fprintf(out, "--%s=%s\n", d->name, *(const bool *)d->dest ? "true" : "false");
            break;
        case FLAG_STRING:
        case FLAG_ENUM: {
            const char *v = *(const char *const *)d->dest;
            fprintf(out, "--%s=%s\n", d->name, v ? v : "");
            break;
        }
        case FLAG_DURATION: {
            char text[64];
            flags_format_duration(*(const uint64_t *)d->dest, text, sizeof(text));
            fprintf(out, "--%s=%s\n", d->name, text);
            break;
        }
        case FLAG_UINT:
            fprintf(out, "--%s=%llu\n", d->name, *(const unsigned long long *)d->dest);
            break;
        }
    }
}

/* A validator's answer: -1 with `why` in err when `bad`, else 0. */
static int refuse_if(bool bad, const char *why, char *err, size_t errlen)
{
    if (!bad)
        return 0;
    snprintf(err, errlen, "%s", why);
    return -1;
}

int flags_validate_nonempty(const char *value, char *err, size_t errlen)
{
    return refuse_if(value[0] == '\0', "empty path", err, errlen);
}

int flags_validate_absolute(const char *value, char *err, size_t errlen)
{
    return refuse_if(value[0] != '/', "must be an absolute path", err, errlen);
}

/* What every row says: the constructors below add their type's own fields. */
static struct flag_def row(const char *name, enum flag_type type, void *dest, const char *def,
                           const char *metavar, const char *help)
{
    return (struct flag_def){
        .name = name, .type = type, .def = def, .metavar = metavar, .help = help, .dest = dest
    };
}

struct flag_def flags_def_string(const char *name, const char **dest, const char *def,
                                 const char *metavar, flags_validator validate, const char *help)
{
    struct flag_def d = row(name, FLAG_STRING, dest, def, metavar, help);
    d.validate = validate;
    return d;
}

struct flag_def flags_def_file(const char *name, const char **dest, const char *help)
{
    return flags_def_string(name, dest, NULL, "FILE", flags_validate_nonempty, help);
}

struct flag_def flags_def_bool(const char *name, bool *dest, const char *def, const char *help)
{
    return row(name, FLAG_BOOL, dest, def, NULL, help);
}

struct flag_def flags_def_uint(const char *name, unsigned long long *dest, const char *def,
                               const char *metavar, unsigned long long min, unsigned long long max,
                               const char *help)
{
    struct flag_def d = row(name, FLAG_UINT, dest, def, metavar, help);
    d.min = min;
    d.max = max;
    return d;
}

struct flag_def flags_def_duration(const char *name, uint64_t *dest, const char *def,
                                   uint64_t min_ms, uint64_t max_ms, const char *help)
{
    struct flag_def d = row(name, FLAG_DURATION, dest, def, "DURATION", help);
    d.min = min_ms;
    d.max = max_ms;
    return d;
}

struct flag_def flags_def_enum(const char *name, const char **dest, const char *def,
                               const char *metavar, const char *const *choices, const char *help)
{
    struct flag_def d = row(name, FLAG_ENUM, dest, def, metavar, help);
    d.choices = choices;
    return d;
}

struct flag_def flags_def_listen_address(const char **dest, const char *def, const char *help)
{
    return flags_def_string("web.listen-address", dest, def, "[HOST]:PORT",
                            httpd_validate_listen_address, help);
}

struct flag_def flags_def_web_config_file(const char **dest, const char *help)
{
    return flags_def_file("web.config.file", dest, help);
}

struct flag_def flags_def_max_connections(unsigned long long *dest)
{
    return flags_def_uint("web.max-connections", dest, "256", "N", 2, 65536,
                          "Most concurrent HTTP connections (one client address may hold half "
                          "of them)");
}

struct flag_def flags_def_log_level(const char **dest, const char *def)
{
    static const char *const levels[] = { "debug", "info", "warn", "error", NULL };
    return flags_def_enum("log.level", dest, def, "LEVEL", levels,
                          "Only log messages at this level or above: debug, info, warn, error");
}

struct flag_def flags_def_telemetry_path(const char **dest, flags_validator validate)
{
    return flags_def_string("web.telemetry-path", dest, "/metrics", "PATH", validate,
                            "Path under which to expose metrics");
}

int flags_validate_telemetry_path(const char *value, char *err, size_t errlen)
{
    if (value[0] != '/' || strchr(value, '?') != NULL || strchr(value, '#') != NULL) {
        snprintf(err, errlen, "must be an absolute URL path such as /metrics");
        return -1;
    }
    if (strcmp(value, "/") == 0 || strcmp(value, "/healthz") == 0 ||
        strcmp(value, "/readyz") == 0) {
        snprintf(err, errlen, "%s is taken by another endpoint", value);
        return -1;
    }
    return 0;
}

size_t flags_def_exits(struct flag_def *out, bool *print_config, bool *show_version,
                       bool *show_help)
{
    static const struct {
        const char *name, *help;
    } exits[FLAGS_EXIT_DEFS] = {
        { "print-config", "Print the effective configuration and exit" },
        { "version", "Print the version and exit" },
        { "help", "Print this help and exit" },
    };
    bool *dest[FLAGS_EXIT_DEFS] = { print_config, show_version, show_help };
    for (size_t i = 0; i < FLAGS_EXIT_DEFS; i++)
        out[i] = flags_def_bool(exits[i].name, dest[i], "false", exits[i].help);
    return FLAGS_EXIT_DEFS;
}
