/*
 * privdrop.h - --run-as-user: the agent starts as root, binds its port and
 * opens its outbox, then becomes an unprivileged user for good and proves
 * it before any thread reads a request or a Docker answer.
 *
 * Two steps, so that every mistake an operator can make is reported before
 * anything is bound: privdrop_prepare (at start: the user exists, is not
 * root, and we are root) and privdrop_apply (after bind and outbox: drop,
 * then verify).
 */
#ifndef DOCKWARD_PRIVDROP_H
#define DOCKWARD_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

#define PRIVDROP_NAME_MAX   256 /* a user name, as long as any passwd file holds */
#define PRIVDROP_GROUPS_MAX 256 /* supplementary groups we verify; more is refused */

/* The user to become, resolved once at start. */
struct privdrop_user {
    uid_t uid;
    gid_t gid; /* the primary group from the password database */
    char name[PRIVDROP_NAME_MAX];
    gid_t groups[PRIVDROP_GROUPS_MAX]; /* what initgroups() will set (primary included) */
    size_t n_groups;
};

/*
 * Resolves `spec` (a user name, or a numeric uid that has a password entry:
 * its name is what gives the supplementary groups) into *u, and checks that
 * we can and may drop to it: the process runs as root, the user is not
 * root. Returns 0, or -1 with err ("--run-as-user needs root to start ...",
 * "no user ...", "... is root ...").
 */
int privdrop_prepare(const char *spec, struct privdrop_user *u, char *err, size_t errlen);

/*
 * Becomes u for good: initgroups (so membership of the docker group keeps
 * the socket), setresgid, setresuid, no_new_privs; then verifies that
 * getresuid/getresgid give u's ids in every slot, that setuid(0) and
 * setgid(0) now fail, and that /proc/self/status agrees (the four Uid and
 * Gid fields, Groups, no capability left). Returns 0, or -1 with err: the
 * caller must then exit, whatever state the process is in.
 */
int privdrop_apply(const struct privdrop_user *u, char *err, size_t errlen);

#endif
