/*
 * selection.c - what one collection looks at, from the configuration: the
 * checks --check.include/--check.exclude select, the containers
 * --container.include/--container.exclude select, and the collect context
 * the collectors get (declared in agent.h). Apart from the flags file
 * (cli.c) so that the collection and the snapshot depend on the parsed
 * configuration only, never on the command line that made it.
 */
#include "agent.h"

#include <fnmatch.h>
#include <string.h>

/* Whether `id` equals `pattern` or lies below it ("5" -> "5.25"). */
static bool id_under(const char *id, const char *pattern, size_t plen)
{
    return strncmp(id, pattern, plen) == 0 && (id[plen] == '\0' || id[plen] == '.');
}

/* Whether any item of the comma-separated `list` matches, by `match`. */
static bool list_matches(const char *list, const char *subject,
                         bool (*match)(const char *subject, const char *item, size_t len))
{
    for (const char *p = list; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n > 0 && match(subject, p, n))
            return true;
        p += n;
        if (*p == ',')
            p++;
    }
    return false;
}

static bool match_check(const char *id, const char *item, size_t len)
{
    return id_under(id, item, len);
}

static bool match_glob(const char *name, const char *item, size_t len)
{
    char pattern[256];
    if (len >= sizeof(pattern))
        return false;
    memcpy(pattern, item, len);
    pattern[len] = '\0';
    return fnmatch(pattern, name, 0) == 0;
}

bool agent_check_selected(const struct agent_config *cfg, const char *id)
{
    if (cfg->check_include != NULL && !list_matches(cfg->check_include, id, match_check))
        return false;
    return cfg->check_exclude == NULL || !list_matches(cfg->check_exclude, id, match_check);
}

bool agent_check_def_selected(const struct agent_config *cfg, const struct check_def *def)
{
    return (unsigned long long)def->level <= cfg->check_level && agent_check_selected(cfg, def->id);
}

bool agent_container_selected(const struct agent_config *cfg, const char *name)
{
    if (cfg->container_include != NULL && !list_matches(cfg->container_include, name, match_glob))
        return false;
    return cfg->container_exclude == NULL ||
           !list_matches(cfg->container_exclude, name, match_glob);
}

void agent_config_collect_ctx(const struct agent_config *cfg, struct collect_ctx *ctx)
{
    ctx->rootfs = cfg->rootfs;
    ctx->docker_host = cfg->docker_host;
    ctx->options = cfg->options;
    ctx->n_options = cfg->n_options;
    ctx->docker = NULL;
    ctx->dockerd = NULL;
    ctx->dockerd_error = NULL;
    ctx->now = 0;
}
