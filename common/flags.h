/*
 * flags.h - table-driven command-line flags in the node_exporter style.
 *
 * One table of struct flag_def drives parsing, --help and printing the
 * effective configuration (STYLE.md rule 10). Flags are long only:
 * `--name=value` or `--name value`; booleans also `--name`, `--no-name` and
 * `--name=true|false`. Unknown flags, missing or malformed values and values
 * out of bounds are errors naming the flag; the caller prints the one line
 * and exits 2.
 *
 * A def's `dest` points at the variable that receives the value:
 *   FLAG_BOOL     bool
 *   FLAG_STRING   const char * (points into argv or at the default; not copied)
 *   FLAG_DURATION uint64_t milliseconds ("500ms", "60s", "1m30s", "90d", "2w")
 *   FLAG_UINT     unsigned long long
 *   FLAG_ENUM     const char * (one of `choices`)
 * Defaults are applied first, so every dest holds a value after parsing.
 */
#ifndef DOCKWARD_FLAGS_H
#define DOCKWARD_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum flag_type { FLAG_BOOL, FLAG_STRING, FLAG_DURATION, FLAG_UINT, FLAG_ENUM };

/* An extra check of a flag's value; returns 0 or -1 with err filled (the value is not repeated). */
typedef int (*flags_validator)(const char *value, char *err, size_t errlen);

struct flag_def {
    const char *name; /* without "--" */
    enum flag_type type;
    const char *def;     /* default as text; NULL = unset (FLAG_STRING only) */
    const char *metavar; /* for --help; NULL for booleans */
    const char *help;
    void *dest;
    unsigned long long min, max; /* bounds for FLAG_UINT, FLAG_DURATION (ms); 0,0 = none */
    const char *const *choices;  /* NULL-terminated, FLAG_ENUM */
    flags_validator validate;    /* optional */
    bool is_set;                 /* filled by flags_parse: given on the command line */
};

/*
 * Parses argv[first..argc). Positional arguments are not accepted (an error).
 * Returns 0, or -1 with a one-line message in err ("unknown flag --x", ...).
 */
int flags_parse(struct flag_def *defs, size_t n, int argc, char **argv, int first, char *err,
                size_t errlen);

/*
 * Puts every def's default into its dest and clears is_set (flags_parse's
 * first pass; also for settings whose flags the current mode does not take).
 * Returns 0, or -1 with err (a bad default).
 */
int flags_apply_defaults(struct flag_def *defs, size_t n, char *err, size_t errlen);

/* Parses a duration ("1m30s", "90d", "250ms"). Returns 0 or -1. */
int flags_parse_duration(const char *text, uint64_t *ms_out);

/* Formats a duration in the largest exact units ("1m30s", "90d", "0s"). */
void flags_format_duration(uint64_t ms, char *out, size_t outlen);

/* Writes the --help listing of every flag (name, metavar, help, default). */
void flags_print_help(FILE *out, const struct flag_def *defs, size_t n);

/* Writes one "--name=value" line per flag with its effective value. */
void flags_print_effective(FILE *out, const struct flag_def *defs, size_t n);

/*
 * A row of a program's table, one constructor per type, so that a table
 * says per flag only its name, where it goes, its default (as text, NULL:
 * unset), its metavar, its bounds or validator and its help.
 */
struct flag_def flags_def_string(const char *name, const char **dest, const char *def,
                                 const char *metavar, flags_validator validate, const char *help);
/* A file: a path, unset by default, not empty when given (metavar FILE). */
struct flag_def flags_def_file(const char *name, const char **dest, const char *help);
struct flag_def flags_def_bool(const char *name, bool *dest, const char *def, const char *help);
/* min, max: bounds (0, 0: none); durations in milliseconds. */
struct flag_def flags_def_uint(const char *name, unsigned long long *dest, const char *def,
                               const char *metavar, unsigned long long min, unsigned long long max,
                               const char *help);
struct flag_def flags_def_duration(const char *name, uint64_t *dest, const char *def,
                                   uint64_t min_ms, uint64_t max_ms, const char *help);
struct flag_def flags_def_enum(const char *name, const char **dest, const char *def,
                               const char *metavar, const char *const *choices, const char *help);

/*
 * The flags both programs declare alike, as rows for their tables (each
 * program keeps its own order): --web.listen-address (the program's
 * default, and its help: what it serves), --web.config.file (its help),
 * --web.max-connections, --log.level (with the program's default),
 * --web.telemetry-path (default /metrics, checked by `validate`:
 * flags_validate_telemetry_path, or a program's own that calls it first)
 * and the three that print and exit.
 */
struct flag_def flags_def_listen_address(const char **dest, const char *def, const char *help);
struct flag_def flags_def_web_config_file(const char **dest, const char *help);
struct flag_def flags_def_max_connections(unsigned long long *dest);
struct flag_def flags_def_log_level(const char **dest, const char *def);
struct flag_def flags_def_telemetry_path(const char **dest, flags_validator validate);

/* An absolute URL path with no query or fragment, and not /, /healthz or /readyz. */
int flags_validate_telemetry_path(const char *value, char *err, size_t errlen);
/* Validators of path flags: not empty ("empty path"); absolute. */
int flags_validate_nonempty(const char *value, char *err, size_t errlen);
int flags_validate_absolute(const char *value, char *err, size_t errlen);
#define FLAGS_EXIT_DEFS 3
/* --print-config, --version and --help into `out`; returns FLAGS_EXIT_DEFS. */
size_t flags_def_exits(struct flag_def *out, bool *print_config, bool *show_version,
                       bool *show_help);

#endif
