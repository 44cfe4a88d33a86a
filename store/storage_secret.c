/*
 * storage_secret.c - what the store may be given to reach PostgreSQL: the
 * URL check (no password in it) and the password file, and the one way a
 * password is freed; see storage.h. A leaf of its own, apart from the
 * dispatch in storage.c, so the backends (pg.c) and the program's set-up
 * (store.c, cli.c) call it without a loop between the files.
 */
#include "storage.h"

#include "../common/safefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STORAGE_PASSWORD_MAX 1024

int storage_url_check(const char *url, char *err, size_t errlen)
{
    const char *rest = NULL;
    if (strncmp(url, "postgresql://", 13) == 0)
        rest = url + 13;
    else if (strncmp(url, "postgres://", 11) == 0)
        rest = url + 11;
    if (rest == NULL) {
        snprintf(err, errlen, "not a PostgreSQL URL (postgresql://USER@HOST:PORT/DB?...)");
        return -1;
    }
    /* user:password@ in the authority part */
    size_t auth = strcspn(rest, "/?");
    const char *at = memchr(rest, '@', auth);
    if (at != NULL && memchr(rest, ':', (size_t)(at - rest)) != NULL) {
        snprintf(err, errlen,
                 "the URL holds a password (USER:PASSWORD@): refused; put it in "
                 "--storage.password-file or libpq's PGPASSFILE");
        return -1;
    }
    const char *q = strchr(rest, '?');
    while (q != NULL) {
        q++;
        if (strncasecmp(q, "password=", 9) == 0 || strncasecmp(q, "password%3d", 11) == 0) {
            snprintf(err, errlen,
                     "the URL holds a password (password=): refused; put it in "
                     "--storage.password-file or libpq's PGPASSFILE");
            return -1;
        }
        q = strchr(q, '&');
    }
    return 0;
}

int storage_password_read(const char *path, char **out, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (safefile_read(path, "--storage.password-file", SAFEFILE_PRIVATE, STORAGE_PASSWORD_MAX + 2,
                      &text, &len, err, errlen) != 0)
        return -1;
    text[strcspn(text, "\r\n")] = '\0';
    if (text[0] == '\0' || strlen(text) > STORAGE_PASSWORD_MAX) {
        snprintf(err, errlen, "the --storage.password-file %s is %s", path,
                 text[0] == '\0' ? "empty" : "longer than 1024 bytes");
        storage_secret_free(text);
        return -1;
    }
    explicit_bzero(text + strlen(text), len - strlen(text)); /* what followed the first line */
    *out = text;
    return 0;
}
