/*
 * mkfixture - builds a fixture tree from a manifest for shell-driven tests and
 * benchmarks, prints its root, and (with --remove ROOT) removes one again.
 *
 *   mkfixture MANIFEST        -> prints the new root on stdout
 *   mkfixture --remove ROOT   -> unmounts every mount under ROOT, removes it
 */
#include "fixture.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    char err[1024];
    struct fixture fx;

    if (argc == 3 && strcmp(argv[1], "--remove") == 0) {
        memset(&fx, 0, sizeof(fx));
        int n = snprintf(fx.root, sizeof(fx.root), "%s", argv[2]);
        if (n < 0 || (size_t)n >= sizeof(fx.root) || strstr(argv[2], "dockward-fixture-") == NULL) {
            fprintf(stderr, "mkfixture: refusing to remove %s (not a fixture root)\n", argv[2]);
            return 2;
        }
        /* Mounts made by a previous mkfixture process are found in mountinfo. */
        FILE *mi = fopen("/proc/self/mountinfo", "re");
        char line[8192];
        while (mi != NULL && fgets(line, sizeof(line), mi) != NULL) {
            char mnt[4096];
            if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
                strncmp(mnt, fx.root, strlen(fx.root)) == 0 && fx.n_mounts < FIXTURE_MAX_MOUNTS)
                memcpy(fx.mounts[fx.n_mounts++], mnt, strlen(mnt) + 1);
        }
        if (mi != NULL)
            fclose(mi);
        fixture_destroy(&fx);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: mkfixture MANIFEST | mkfixture --remove ROOT\n");
        return 2;
    }
    if (fixture_build(&fx, argv[1], err, sizeof(err)) != 0) {
        fprintf(stderr, "mkfixture: %s\n", err);
        return 1;
    }
    printf("%s\n", fx.root);
    return 0;
}
