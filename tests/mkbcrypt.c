/*
 * mkbcrypt.c - prints a bcrypt hash of the password read from stdin (one
 * line, the newline dropped), for the tests' web configs: `mkbcrypt [COST]`
 * (default 10). The password comes on stdin, not argv, so it never shows in
 * ps. libcrypt's crypt_gensalt_rn (random salt) and crypt_r, the same
 * library the servers verify with; no htpasswd/mkpasswd package needed.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    unsigned long cost = 10;
    if (argc > 1) {
        char *end;
        errno = 0;
        cost = strtoul(argv[1], &end, 10);
        if (errno != 0 || *end != '\0' || cost < 4 || cost > 31) {
            fprintf(stderr, "usage: mkbcrypt [COST 4-31] <password\n");
            return 2;
        }
    }
    char password[1024];
    if (fgets(password, sizeof(password), stdin) == NULL) {
        fprintf(stderr, "mkbcrypt: no password on stdin\n");
        return 2;
    }
    password[strcspn(password, "\n")] = '\0';
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn("$2y$", cost, NULL, 0, setting, sizeof(setting)) == NULL) {
        perror("mkbcrypt: crypt_gensalt_rn");
        return 1;
    }
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    const char *hash = crypt_r(password, setting, &cd);
    memset(password, 0, sizeof(password));
    if (hash == NULL || hash[0] == '*') {
        fprintf(stderr, "mkbcrypt: crypt_r failed\n");
        return 1;
    }
    printf("%s\n", hash);
    return 0;
}
