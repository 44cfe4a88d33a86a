/*
 * docker_fields.h - the fields of what the Docker API parsers fill
 * (collectors/docker.h), as a table the tests read and set them by:
 * test_docker_parse compares a parse's values by member name, and
 * test_collector_cases sets a container's fields (it names them as the
 * API does, and finds their type and place here). One table of their
 * types and places, so a new field is described once.
 * Included by those two test programs only.
 */
#ifndef DOCKWARD_TESTS_DOCKER_FIELDS_H
#define DOCKWARD_TESTS_DOCKER_FIELDS_H

#include "collectors/docker.h"

#include <stddef.h>

enum field_kind {
    K_STR,  /* char *: "(null)" is NULL, "..." what is between the quotes */
    K_BOOL, /* bool: true or false */
    K_LONG, /* long */
    K_I64,  /* int64_t */
    K_UINT, /* unsigned */
    K_SIZE, /* size_t */
    K_LIST, /* struct str_list: its items split by " | " ("" an empty one; none: no items) */
    K_BITS, /* uint64_t: the names of the bits set (bit_names of the same owner), split by spaces */
    K_ARRAY, /* a pointer to elements (of owner `element`) whose count is the owner's n_NAME */
};

/* The structs whose fields a case names: what a parser fills, and the elements of its arrays. */
enum owner {
    O_NONE,
    O_VERSION,
    O_INFO,
    O_INDEX_CONFIG,
    O_CONTAINER,
    O_MOUNT,
    O_PORT,
    O_IMAGE,
    O_NETWORK,
    O_VOLUME,
    O_LISTS, /* struct parsed's own members: what the parsers of lists fill */
};

/* Everything one case may parse; each parser fills its own member. */
struct parsed {
    struct docker_version version;
    struct docker_info info;
    struct docker_container container;
    struct docker_image image;
    struct str_list ids;
    struct docker_network *networks;
    size_t n_networks;
    struct docker_volume *volumes;
    size_t n_volumes;
};

/* Every field a case may name, by owner; an owner's fields in the order an element lists them. */
static const struct field {
    enum owner owner;
    const char *name;
    enum field_kind kind;
    size_t offset, size;
    enum owner element; /* K_ARRAY */
} fields[] = {
#define F(owner, T, f, kind, element)                                 \
    {                                                                 \
        owner, #f, kind, offsetof(T, f), sizeof(((T *)0)->f), element \
    }
    F(O_VERSION, struct docker_version, invalid, K_BITS, O_NONE),
    F(O_VERSION, struct docker_version, version, K_STR, O_NONE),
    F(O_VERSION, struct docker_version, api_version, K_STR, O_NONE),
    F(O_VERSION, struct docker_version, os, K_STR, O_NONE),
    F(O_VERSION, struct docker_version, arch, K_STR, O_NONE),
    F(O_VERSION, struct docker_version, kernel_version, K_STR, O_NONE),
    F(O_VERSION, struct docker_version, go_version, K_STR, O_NONE),
    F(O_VERSION, struct docker_version, experimental, K_BOOL, O_NONE),
    F(O_VERSION, struct docker_version, build_time, K_I64, O_NONE),
    F(O_INFO, struct docker_info, invalid, K_BITS, O_NONE),
    F(O_INFO, struct docker_info, server_version, K_STR, O_NONE),
    F(O_INFO, struct docker_info, driver, K_STR, O_NONE),
    F(O_INFO, struct docker_info, logging_driver, K_STR, O_NONE),
    F(O_INFO, struct docker_info, live_restore, K_BOOL, O_NONE),
    F(O_INFO, struct docker_info, security_options, K_LIST, O_NONE),
    F(O_INFO, struct docker_info, insecure_registry_cidrs, K_LIST, O_NONE),
    F(O_INFO, struct docker_info, index_configs, K_ARRAY, O_INDEX_CONFIG),
    F(O_INFO, struct docker_info, n_index_configs, K_SIZE, O_NONE),
    F(O_INFO, struct docker_info, swarm_state, K_STR, O_NONE),
    F(O_INFO, struct docker_info, swarm_control_available, K_BOOL, O_NONE),
    F(O_INFO, struct docker_info, swarm_managers, K_LONG, O_NONE),
    F(O_INFO, struct docker_info, swarm_node_addr, K_STR, O_NONE),
    F(O_INFO, struct docker_info, swarm_autolock, K_BOOL, O_NONE),
    F(O_INFO, struct docker_info, docker_root_dir, K_STR, O_NONE),
    F(O_INFO, struct docker_info, experimental, K_BOOL, O_NONE),
    F(O_INFO, struct docker_info, containers, K_LONG, O_NONE),
    F(O_INFO, struct docker_info, containers_running, K_LONG, O_NONE),
    F(O_INFO, struct docker_info, images, K_LONG, O_NONE),
    F(O_INDEX_CONFIG, struct docker_registry_index, name, K_STR, O_NONE),
    F(O_INDEX_CONFIG, struct docker_registry_index, secure, K_BOOL, O_NONE),
    F(O_CONTAINER, struct docker_container, invalid, K_BITS, O_NONE),
    F(O_CONTAINER, struct docker_container, overcap, K_BITS, O_NONE),
    F(O_CONTAINER, struct docker_container, id, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, name, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, image, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, image_id, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, state, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, running, K_BOOL, O_NONE),
    F(O_CONTAINER, struct docker_container, pid, K_LONG, O_NONE),
    F(O_CONTAINER, struct docker_container, has_health, K_BOOL, O_NONE),
    F(O_CONTAINER, struct docker_container, health_status, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, health_test, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, user, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, env_names, K_LIST, O_NONE),
    F(O_CONTAINER, struct docker_container, labels, K_LIST, O_NONE),
    F(O_CONTAINER, struct docker_container, apparmor_profile, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, security_opt, K_LIST, O_NONE),
    F(O_CONTAINER, struct docker_container, privileged, K_BOOL, O_NONE),
    F(O_CONTAINER, struct docker_container, cap_add, K_LIST, O_NONE),
    F(O_CONTAINER, struct docker_container, cap_drop, K_LIST, O_NONE),
    F(O_CONTAINER, struct docker_container, network_mode, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, pid_mode, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, ipc_mode, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, uts_mode, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, userns_mode, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, cgroup_parent, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, memory, K_I64, O_NONE),
    F(O_CONTAINER, struct docker_container, cpu_shares, K_I64, O_NONE),
    F(O_CONTAINER, struct docker_container, nano_cpus, K_I64, O_NONE),
    F(O_CONTAINER, struct docker_container, cpu_quota, K_I64, O_NONE),
    F(O_CONTAINER, struct docker_container, pids_limit_set, K_BOOL, O_NONE),
    F(O_CONTAINER, struct docker_container, pids_limit, K_I64, O_NONE),
    F(O_CONTAINER, struct docker_container, readonly_rootfs, K_BOOL, O_NONE),
    F(O_CONTAINER, struct docker_container, mounts, K_ARRAY, O_MOUNT),
    F(O_CONTAINER, struct docker_container, n_mounts, K_SIZE, O_NONE),
    F(O_CONTAINER, struct docker_container, ports, K_ARRAY, O_PORT),
    F(O_CONTAINER, struct docker_container, n_ports, K_SIZE, O_NONE),
    F(O_CONTAINER, struct docker_container, live_ports, K_ARRAY, O_PORT),
    F(O_CONTAINER, struct docker_container, n_live_ports, K_SIZE, O_NONE),
    F(O_CONTAINER, struct docker_container, publish_all, K_BOOL, O_NONE),
    F(O_CONTAINER, struct docker_container, exposed_ports, K_LIST, O_NONE),
    F(O_CONTAINER, struct docker_container, never_started, K_BOOL, O_NONE),
    F(O_CONTAINER, struct docker_container, restart_policy, K_STR, O_NONE),
    F(O_CONTAINER, struct docker_container, restart_max_retries, K_LONG, O_NONE),
    F(O_CONTAINER, struct docker_container, devices, K_LIST, O_NONE),
    F(O_CONTAINER, struct docker_container, ulimits, K_LIST, O_NONE),
    F(O_CONTAINER, struct docker_container, networks, K_LIST, O_NONE),
    /* expect_mount's fields (tests/docker_expect.h) */
    F(O_MOUNT, struct docker_mount, type, K_STR, O_NONE),
    F(O_MOUNT, struct docker_mount, source, K_STR, O_NONE),
    F(O_MOUNT, struct docker_mount, destination, K_STR, O_NONE),
    F(O_MOUNT, struct docker_mount, propagation, K_STR, O_NONE),
    F(O_MOUNT, struct docker_mount, rw, K_BOOL, O_NONE),
    F(O_PORT, struct docker_port_binding, container_port, K_STR, O_NONE),
    F(O_PORT, struct docker_port_binding, host_ip, K_STR, O_NONE),
    F(O_PORT, struct docker_port_binding, host_port, K_UINT, O_NONE),
    F(O_PORT, struct docker_port_binding, host_port_hi, K_UINT, O_NONE),
    F(O_IMAGE, struct docker_image, invalid, K_BITS, O_NONE),
    F(O_IMAGE, struct docker_image, id, K_STR, O_NONE),
    F(O_IMAGE, struct docker_image, repo_tags, K_LIST, O_NONE),
    F(O_IMAGE, struct docker_image, created, K_I64, O_NONE),
    F(O_IMAGE, struct docker_image, user, K_STR, O_NONE),
    F(O_IMAGE, struct docker_image, has_healthcheck, K_BOOL, O_NONE),
    F(O_IMAGE, struct docker_image, history, K_LIST, O_NONE),
    F(O_IMAGE, struct docker_image, containers_using, K_SIZE, O_NONE),
    F(O_NETWORK, struct docker_network, name, K_STR, O_NONE),
    F(O_NETWORK, struct docker_network, driver, K_STR, O_NONE),
    F(O_NETWORK, struct docker_network, encrypted, K_BOOL, O_NONE),
    F(O_NETWORK, struct docker_network, internal, K_BOOL, O_NONE),
    F(O_NETWORK, struct docker_network, host_binding_ip, K_STR, O_NONE),
    F(O_VOLUME, struct docker_volume, name, K_STR, O_NONE),
    F(O_VOLUME, struct docker_volume, driver, K_STR, O_NONE),
    F(O_VOLUME, struct docker_volume, bind_device, K_STR, O_NONE),
    F(O_LISTS, struct parsed, ids, K_LIST, O_NONE),
    F(O_LISTS, struct parsed, networks, K_ARRAY, O_NETWORK),
    F(O_LISTS, struct parsed, n_networks, K_SIZE, O_NONE),
    F(O_LISTS, struct parsed, volumes, K_ARRAY, O_VOLUME),
    F(O_LISTS, struct parsed, n_volumes, K_SIZE, O_NONE),
#undef F
};

#endif
