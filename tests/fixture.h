/*
 * fixture.h - builds a host tree for a test from a committed manifest.
 *
 * Git keeps neither owners nor most modes nor sockets, so a fixture is a
 * manifest (tests/fixtures/<case>/manifest) that this builder turns into a
 * real tree in a fresh temporary directory, with the exact owners, modes,
 * sockets, links and (as root) mounts it lists. Manifest lines:
 *
 *   dir   PATH MODE UID GID
 *   file  PATH MODE UID GID [@SRC | =TEXT]   SRC is relative to the manifest;
 *                                            TEXT knows \n \t \0 \\ escapes
 *   sock  PATH MODE UID GID                  a bound unix socket inode
 *   fifo  PATH MODE UID GID
 *   link  PATH TARGET
 *   tmpfs PATH                               mount a tmpfs (own device)
 *   bind  PATH                               bind-mount PATH onto itself
 *   include PATH                             apply another manifest here (a
 *                                            relative PATH is from this one's dir)
 *
 * Parent directories are created 0755 root:root when not listed. MODE is
 * octal. Lines starting with '#' are comments. The tree is removed, and its
 * mounts unmounted, by fixture_destroy().
 */
#ifndef DOCKWARD_TEST_FIXTURE_H
#define DOCKWARD_TEST_FIXTURE_H

#include <stddef.h>

#define FIXTURE_MAX_MOUNTS 16

struct fixture {
    char root[4096];
    char mounts[FIXTURE_MAX_MOUNTS][4096];
    int n_mounts;
};

/*
 * Builds the tree described by `manifest` under a new directory in $TMPDIR
 * (or /tmp). Returns 0, or -1 with err filled (the partial tree is removed).
 */
int fixture_build(struct fixture *fx, const char *manifest, char *err, size_t errlen);

/* Unmounts what the fixture mounted and removes its tree. */
void fixture_destroy(struct fixture *fx);

/* Path of a committed fixture directory: DOCKWARD_FIXTURES "/" name "/manifest". */
const char *fixture_manifest_path(const char *name, char *out, size_t outlen);

/*
 * Decodes a manifest's escapes in s, in place: \n, \t, \0, and \c for any
 * other c (\\ is a backslash). Returns the decoded length (s may then hold
 * NULs); for test data written the way manifests write file contents.
 */
size_t fixture_unescape(char *s);

#endif
