/*
 * fuzz_store_tokens.c - the store's --auth.tokens-file text through
 * token_set_parse (store/tokens.c), as loading and SIGHUP read it.
 *
 * Properties: a refused text gives NULL and a message naming the file
 * ("fuzz: ..." or "fuzz:LINE: ..."); an accepted one has 1 to TOKENS_MAX
 * tokens, each with a name of 1-64 of [A-Za-z0-9._-], a role in range, a
 * token of TOKENS_MIN_LENGTH to TOKENS_MAX_LENGTH bytes, and a hosts=
 * pattern only for agents.
 */
#include "fuzz_util.h"

#include "store/tokens.h"

/* The name rule, judged apart from store/tokens.c: 1 to TOKENS_NAME_MAX of [A-Za-z0-9._-]. */
static int name_ok(const char *s)
{
    static const char allowed[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
    size_t n = strlen(s);
    return n >= 1 && n <= TOKENS_NAME_MAX && strspn(s, allowed) == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TOKENS_FILE_MAX)
        return 0; /* the reader's cap */
    char err[512];
    err[0] = '\0';
    struct token_set *set = token_set_parse((const char *)data, size, "fuzz", err, sizeof(err));
    if (set == NULL) {
        FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err));
        FUZZ_CHECK(strncmp(err, "fuzz", 4) == 0 || strcmp(err, "out of memory") == 0);
        return 0;
    }
    size_t n = token_set_count(set);
    FUZZ_CHECK(n >= 1 && n <= TOKENS_MAX);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *hosts = NULL;
        enum token_role role = TOKEN_ROLE_AGENT;
        size_t len = token_set_describe(set, i, &name, &role, &hosts);
        FUZZ_CHECK(len >= TOKENS_MIN_LENGTH && len <= TOKENS_MAX_LENGTH);
        FUZZ_CHECK(name_ok(name));
        FUZZ_CHECK(role >= TOKEN_ROLE_AGENT && role <= TOKEN_ROLE_ADMIN);
        FUZZ_CHECK(strlen(hosts) <= TOKENS_GLOB_MAX);
        FUZZ_CHECK(hosts[0] == '\0' || role == TOKEN_ROLE_AGENT);
    }
    FUZZ_CHECK(token_set_describe(set, n, &(const char *){ NULL }, &(enum token_role){ 0 },
                                  &(const char *){ NULL }) == 0);
    token_set_free(set);
    return 0;
}
