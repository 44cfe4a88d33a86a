/*
 * daemon_config_settings.c - the settings daemon_config judges, looked up
 * in dockerd's command line and the daemon.json it really reads
 * (dockerd_config_effective / dockerd_config_values), and the rule for a
 * setting found nowhere: it takes dockerd's default only when dockward can
 * see everywhere it could be set. When dockerd's process is not visible
 * under the root's /proc, or daemon.json cannot be read or parsed, the
 * lookup fails with the reason, so that a check resting on the default is
 * `error`, never a silent pass.
 */
#include "daemon_config_internal.h"

#include <stdio.h>
#include <string.h>

void daemon_join(char *out, size_t outlen, const char *const *items, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + used, outlen - used, "%s%s", i > 0 ? ", " : "", items[i]);
        if (w < 0 || (size_t)w >= outlen - used) {
            if (outlen >= 4)
                memcpy(out + outlen - 4, "...", 4);
            return;
        }
        used += (size_t)w;
    }
}

/*
 * 0 when a setting found nowhere is at dockerd's default; -1 with `why`
 * when it may be set where dockward cannot see (no dockerd process, an
 * unreadable or invalid daemon.json, or no configuration at all).
 */
static int unset_is_default(const struct view *v, char *why, size_t whylen)
{
    if (!v->cfg_ok) {
        snprintf(why, whylen, "cannot read dockerd's configuration: %s", v->cfg_err);
        return -1;
    }
    if (v->cfg.pid == 0) {
        snprintf(why, whylen,
                 "dockerd's command line is not visible (no dockerd process in /proc)");
        return -1;
    }
    if (v->cfg.json_state == DOCKERD_JSON_INVALID || v->cfg.json_state == DOCKERD_JSON_UNREADABLE) {
        snprintf(why, whylen, "%s: %s",
                 v->cfg.config_file[0] != '\0' ? v->cfg.config_file : "daemon.json",
                 v->cfg.config_error);
        return -1;
    }
    return 0;
}

int daemon_setting_get(const struct view *v, const char *name, struct setting *s)
{
    s->value = NULL;
    s->where[0] = '\0';
    s->why[0] = '\0';
    if (v->cfg_ok) {
        enum dockerd_source src;
        const char *val = dockerd_config_effective(&v->cfg, name, &src);
        if (val != NULL) {
            s->value = val;
            snprintf(s->where, sizeof(s->where), "%s",
                     src == DOCKERD_SRC_CMDLINE ? "command line" : v->cfg.config_file);
            return 0;
        }
    }
    return unset_is_default(v, s->why, sizeof(s->why));
}

int daemon_setting_values(const struct view *v, const char *flag, struct values *out)
{
    out->n = 0;
    out->n_cmdline = 0;
    out->why[0] = '\0';
    if (v->cfg_ok) {
        size_t n = dockerd_config_values(&v->cfg, flag, out->items, SETTING_VALUES_MAX);
        out->n = n < SETTING_VALUES_MAX ? n : SETTING_VALUES_MAX;
        for (size_t i = 0; i < v->cfg.n_opts; i++) {
            if (strcmp(v->cfg.opts[i].name, flag) == 0)
                out->n_cmdline++;
        }
        if (out->n > 0)
            return 0;
    }
    return unset_is_default(v, out->why, sizeof(out->why));
}

const char *daemon_values_where(const struct view *v, const struct values *vals, size_t i)
{
    return i < vals->n_cmdline ? "command line" : v->cfg.config_file;
}

const char *daemon_security_option(const struct docker_info *info, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < info->security_options.len; i++) {
        const char *o = info->security_options.items[i];
        if (o != NULL && strncmp(o, "name=", 5) == 0 && strncmp(o + 5, name, nl) == 0 &&
            (o[5 + nl] == '\0' || o[5 + nl] == ','))
            return o;
    }
    return NULL;
}
