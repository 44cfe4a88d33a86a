/*
 * daemon_config_internal.h - what the pieces of the daemon_config collector
 * share, and nothing else includes. The collector (daemon_config.c: its
 * check catalog, the order of the judges and the collect function) judges
 * with daemon_config_section2.c (CIS section 2: one judge a check) and
 * daemon_config_swarm.c (5.1 and section 7, with the swarm listener read
 * from dockerd's network namespace for 7.2); both look settings up through
 * daemon_config_settings.c (dockerd's command line and daemon.json as
 * dockerd applies them, and when a setting found nowhere is the default).
 * Each judge returns what sink_add returned.
 */
#ifndef DOCKWARD_DAEMON_CONFIG_INTERNAL_H
#define DOCKWARD_DAEMON_CONFIG_INTERNAL_H

#include "collector.h"

#include "docker.h"
#include "dockerd_config.h"
#include "hostfs.h"

#include <stddef.h>
#include <stdint.h>

#define SETTING_VALUES_MAX 64 /* values of one multi-valued option looked at */

#define HOST_TARGET "host"
#define WHY_MAX     (HOSTFS_PATH_MAX + 512) /* a reason that may name the daemon.json path */

/* Everything one collection judges from. */
struct view {
    const struct collect_ctx *ctx;
    const struct docker_info *info;
    const struct docker_version *version;
    const struct docker_sweep *sweep;
    struct dockerd_config cfg;
    int cfg_ok;        /* cfg was loaded */
    char cfg_err[256]; /* why not */
};

/* A single-valued setting as found by daemon_setting_get(). */
struct setting {
    const char *value;                /* NULL: set nowhere, dockerd's default applies */
    char where[HOSTFS_PATH_MAX + 16]; /* "command line" or the daemon.json path */
    char why[WHY_MAX];                /* why not found, when daemon_setting_get() returned -1 */
};

/* The values of a multi-valued setting as found by daemon_setting_values(). */
struct values {
    const char *items[SETTING_VALUES_MAX];
    size_t n;          /* how many */
    size_t n_cmdline;  /* how many of them came from the command line (they come first) */
    char why[WHY_MAX]; /* why none was found, when daemon_setting_values() returned -1 */
};

/* A judge of one check (or of a group of them, in catalog order). */
typedef int (*daemon_judge_fn)(struct view *v, struct result_sink *sink);

/* Adds a result for target "host"; the evidence is printf-style. Returns sink_add's result. */
#define host_result(sink, id, status, ...) \
    sink_add((sink), (id), HOST_TARGET, (status), __VA_ARGS__)

/* The error result of check `id` when /info's `field` is missing or mistyped. */
static inline int api_field_error(struct result_sink *sink, const char *id, const char *field)
{
    return host_result(sink, id, CHECK_ERROR, "%s missing or mistyped in the API answer", field);
}

static inline int has_invalid(uint64_t invalid, int field)
{
    return (invalid & ((uint64_t)1 << field)) != 0;
}

/* ---- daemon_config_settings.c ---- */

/* Joins items with ", " into out, "..." marking a cut. */
void daemon_join(char *out, size_t outlen, const char *const *items, size_t n);

/*
 * Looks up single-valued setting `name`. Returns 0 with s filled (s->value
 * NULL: unset, default applies), or -1 with s->why when it is not set where
 * dockward looks and may be set where it cannot.
 */
int daemon_setting_get(const struct view *v, const char *name, struct setting *s);

/*
 * Every value of multi-valued setting `flag` (command-line name; the
 * daemon.json key is mapped by dockerd_config_values), at most
 * SETTING_VALUES_MAX. Returns 0, or -1 with out->why when none was found
 * and some may hide where dockward cannot see.
 */
int daemon_setting_values(const struct view *v, const char *flag, struct values *out);

/* Where value i of a daemon_setting_values() answer came from. */
const char *daemon_values_where(const struct view *v, const struct values *vals, size_t i);

/*
 * The SecurityOptions entry "name=<name>[,...]", or NULL. The caller has
 * checked DOCKER_F_INFO_SECURITY_OPTIONS.
 */
const char *daemon_security_option(const struct docker_info *info, const char *name);

/* ---- daemon_config_section2.c ---- */

/* 2.1 to 2.18 in order; stops at the first failed sink_add. */
int daemon_judge_section2(struct view *v, struct result_sink *sink);

/* ---- daemon_config_swarm.c ---- */

/* 5.1: swarm mode off. */
int daemon_judge_5_1(struct view *v, struct result_sink *sink);
/* Section 7: judged on an active swarm node; one skip (or error) per check otherwise. */
int daemon_judge_swarm(struct view *v, struct result_sink *sink);

#endif
