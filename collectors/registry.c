/*
 * registry.c - the collector table. Order matters only for display: the
 * scheduler runs collectors in this order and --help lists them so.
 */
#include "registry.h"

#include <string.h>

const struct collector *const collector_registry[] = {
    &collector_host,
    &collector_daemon_config,
    &collector_group_membership,
    &collector_file_permissions,
    &collector_container_runtime,
    &collector_image_age,
};

const size_t collector_registry_len = ARRAY_LEN(collector_registry);

const struct collector *collector_lookup(const char *name)
{
    for (size_t i = 0; i < collector_registry_len; i++) {
        if (strcmp(collector_registry[i]->name, name) == 0)
            return collector_registry[i];
    }
    return NULL;
}

const struct check_def *catalog_lookup(const char *id, const struct collector **owner_out)
{
    for (size_t i = 0; i < collector_registry_len; i++) {
        const struct check_def *def = collector_find_check(collector_registry[i], id);
        if (def != NULL) {
            if (owner_out != NULL)
                *owner_out = collector_registry[i];
            return def;
        }
    }
    return NULL;
}
