/*
 * registry.h - the static table of every collector this build has.
 *
 * Adding a collector: one new file in collectors/ exporting its descriptor,
 * one extern line here, one line in registry.c's table, and its tests.
 */
#ifndef DOCKWARD_REGISTRY_H
#define DOCKWARD_REGISTRY_H

#include "collector.h"

extern const struct collector collector_group_membership;
extern const struct collector collector_host;
extern const struct collector collector_file_permissions;
extern const struct collector collector_container_runtime;
extern const struct collector collector_daemon_config;
extern const struct collector collector_image_age;

/* Every collector, in the order they run and are listed in --help. */
extern const struct collector *const collector_registry[];
extern const size_t collector_registry_len;

/* The collector called `name`, or NULL. */
const struct collector *collector_lookup(const char *name);

/*
 * The check `id` from any collector's catalog, or NULL; `owner_out` (may be
 * NULL) receives the collector that owns it.
 */
const struct check_def *catalog_lookup(const char *id, const struct collector **owner_out);

#endif
