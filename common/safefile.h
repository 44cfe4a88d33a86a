/*
 * safefile.h - the one check every secret-bearing file goes through before
 * we trust it: the web config (password hashes, the TLS key's name), the
 * agent's --push.token-file and the store's --auth.tokens-file.
 *
 * A file that every user on the host can write (mode o+w) lets any local
 * user replace the passwords or tokens, so both programs refuse it, at start
 * and on SIGHUP, with one line that names the file and the fix. Shared here
 * so the three readers say the same thing the same way.
 */
#ifndef DOCKWARD_SAFEFILE_H
#define DOCKWARD_SAFEFILE_H

#include <stddef.h>

/*
 * Checks an open file: a regular file, not writable by others. `what` names
 * the file's role in the message ("web config file"). Returns 0, or -1 with
 * err ("the web config file F is writable by other users (mode 0666); run:
 * chmod o-w F").
 */
int safefile_check_fd(int fd, const char *path, const char *what, char *err, size_t errlen);

/*
 * Opens `path` read-only (O_CLOEXEC), checks it with safefile_check_fd when
 * `check_mode` is non-zero (a plain regular-file check otherwise), and, when
 * it is SAFEFILE_PRIVATE, also refuses a file that group or other users
 * may read (a password that only the owner may see), and reads
 * it whole: at most `max` bytes, more is an error. Returns 0 with a
 * NUL-terminated malloc'd copy in *out (len bytes, free it; wipe it first
 * when it held a secret), or -1 with err naming the file.
 */
#define SAFEFILE_PRIVATE 2
int safefile_read(const char *path, const char *what, int check_mode, size_t max, char **out,
                  size_t *len, char *err, size_t errlen);

/* Wipes a NUL-terminated secret (a password read by safefile_read) and frees it; NULL is fine. */
void safefile_secret_free(char *secret);

#endif
