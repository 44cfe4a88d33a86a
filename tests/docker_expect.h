/*
 * docker_expect.h - assertions on what the Docker API answer parsers return,
 * used by test_docker_client.c (a sweep of a real dockerd): one mount, one
 * port binding, every field the tests pin at once (the recorded answers'
 * cases, tests/cases/docker_parse.cases, compare a mount's fields in the
 * same order). Include after <cmocka.h> and "collectors/docker.h".
 */
#ifndef DOCKWARD_TEST_DOCKER_EXPECT_H
#define DOCKWARD_TEST_DOCKER_EXPECT_H

#include <stdbool.h>

/* Asserts mount m: its type, source, destination, propagation ("" none) and whether it is rw. */
static inline void expect_mount(const struct docker_mount *m, const char *type, const char *source,
                                const char *destination, const char *propagation, bool rw)
{
    assert_string_equal(m->type, type);
    assert_string_equal(m->source, source);
    assert_string_equal(m->destination, destination);
    assert_string_equal(m->propagation, propagation);
    assert_int_equal(m->rw, rw);
}

/* Asserts port binding p: the container's port ("80/tcp"), the host address and host port. */
static inline void expect_port(const struct docker_port_binding *p, const char *container_port,
                               const char *host_ip, unsigned host_port)
{
    assert_string_equal(p->container_port, container_port);
    assert_string_equal(p->host_ip, host_ip);
    assert_int_equal(p->host_port, host_port);
}

#endif
