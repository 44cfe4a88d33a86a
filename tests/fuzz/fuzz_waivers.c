/*
 * fuzz_waivers.c - the --waivers.file text through waivers_parse
 * (daemon/waivers.c) at a fixed "now", then each waiver it accepts matched
 * against a few (check, target, hostname) triples.
 *
 * Properties: a refused text gives NULL and a message that starts with the
 * file name ("fuzz:LINE: ..."); an accepted one stays within the caps,
 * every waiver has an id of [A-Za-z0-9._-] (unique), checks, targets, a
 * reason, an owner and an expiry no later than the maximum, every label is
 * "name=value", and a waiver with labels only names container targets.
 */
#include "fuzz_util.h"

#include "daemon/waivers.h"

#define NOW       1798761600.0 /* 2027-01-01T00:00:00Z */
#define MAX_AHEAD (180 * 86400.0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > WAIVERS_FILE_MAX)
        return 0; /* the reader's cap */
    char err[512];
    err[0] = '\0';
    struct waivers *w =
        waivers_parse((const char *)data, size, "fuzz", NOW, MAX_AHEAD, err, sizeof(err));
    if (w == NULL) {
        FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err));
        FUZZ_CHECK(strncmp(err, "fuzz:", 5) == 0);
        return 0;
    }
    FUZZ_CHECK(w->n <= WAIVERS_MAX);
    for (size_t i = 0; i < w->n; i++) {
        const struct waiver *v = &w->items[i];
        size_t idlen = strlen(v->id);
        FUZZ_CHECK(idlen >= 1 && idlen <= WAIVER_ID_MAX);
        FUZZ_CHECK(
            strspn(v->id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
            idlen);
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(strcmp(w->items[k].id, v->id) != 0);
        FUZZ_CHECK(v->n_checks >= 1 && v->n_checks <= WAIVER_PATTERNS_MAX);
        FUZZ_CHECK(v->n_targets >= 1 && v->n_targets <= WAIVER_PATTERNS_MAX);
        FUZZ_CHECK(v->n_hosts <= WAIVER_PATTERNS_MAX && v->n_labels <= WAIVER_PATTERNS_MAX);
        FUZZ_CHECK(v->reason != NULL && v->reason[0] != '\0');
        FUZZ_CHECK(v->owner != NULL && v->owner[0] != '\0');
        FUZZ_CHECK(v->expires <= NOW + MAX_AHEAD);
        for (size_t k = 0; k < v->n_labels; k++)
            FUZZ_CHECK(strchr(v->labels[k], '=') != NULL && v->labels[k][0] != '=');
        for (size_t k = 0; v->n_labels > 0 && k < v->n_targets; k++)
            FUZZ_CHECK(strncmp(v->targets[k], "container/", 10) == 0);
        (void)waiver_matches(v, "5.5", "container/web", "host-1");
        (void)waiver_matches(v, "dockward.image_age", "image/nginx:1", "");
    }
    waivers_free(w);
    return 0;
}
