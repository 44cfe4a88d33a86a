/*
 * test_store_tokens.c - the store's bearer tokens (store/tokens.c): the
 * file's rules (each refusal names file:line and never the token), the
 * Authorization header forms accepted, and replacing the set in use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN_A "abcdefghijklmnop0123"
#define TOKEN_B "Zz9-._~+/=ZZZZZZZZZZ"

/* Writes `text` (len bytes) to a fresh temp file; returns its path (static buffer). */
static const char *tokens_file(const char *text, size_t len)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/dockward-test-tokens-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    chmod(path, 0600);
    return path;
}

static void assert_load_fails(const char *text, const char *needle)
{
    const char *path = tokens_file(text, strlen(text));
    char err[512] = "";
    struct token_set *set = token_set_load(path, err, sizeof(err));
    unlink(path);
    if (set != NULL || strstr(err, needle) == NULL)
        print_error("want \"%s\", got \"%s\"\n", needle, err);
    assert_null(set);
    assert_non_null(strstr(err, needle));
    /* No token text ever appears in a message. */
    assert_null(strstr(err, "abcdefghijklmnop"));
    assert_null(strstr(err, "secret"));
}

static void test_load_good(void **state)
{
    (void)state;
    const char text[] = "# agents of the fleet\n"
                        "\n"
                        "web-fleet  " TOKEN_A "\n"
                        "  \t# indented comment\n"
                        "db_fleet\t" TOKEN_B "   \r\n"
                        "last " TOKEN_A "x"; /* no final newline */
    const char *path = tokens_file(text, sizeof(text) - 1);
    char err[256] = "";
    struct token_set *set = token_set_load(path, err, sizeof(err));
    unlink(path);
    assert_non_null(set);
    assert_int_equal(token_set_count(set), 3);
    assert_string_equal(token_set_match(set, TOKEN_A, strlen(TOKEN_A)), "web-fleet");
    assert_string_equal(token_set_match(set, TOKEN_B, strlen(TOKEN_B)), "db_fleet");
    assert_string_equal(token_set_match(set, TOKEN_A "x", strlen(TOKEN_A) + 1), "last");
    /* Prefixes, extensions and near misses match nothing. */
    assert_null(token_set_match(set, TOKEN_A, strlen(TOKEN_A) - 1));
    assert_null(token_set_match(set, TOKEN_A "xy", strlen(TOKEN_A) + 2));
    assert_null(token_set_match(set, "abcdefghijklmnop0124", 20));
    assert_null(token_set_match(set, "", 0));
    token_set_free(set);
}

static void test_load_refusals(void **state)
{
    (void)state;
    assert_load_fails("", "no tokens");
    assert_load_fails("# only a comment\n\n", "no tokens");
    assert_load_fails("a " TOKEN_A "\nshort secret\n", ":2: the token of short must be 16 to");
    assert_load_fails("lonely\n", ":1: want \"NAME TOKEN\"");
    assert_load_fails("a " TOKEN_A " extra\n", ":1: after the token of a want role=");
    assert_load_fails("a " TOKEN_A " role=root\n", ":1: role of a must be agent, reader or admin");
    assert_load_fails("a " TOKEN_A " role=reader role=admin\n", ":1: after the token of a want");
    assert_load_fails("a " TOKEN_A " hosts=x hosts=y\n", ":1: after the token of a want");
    assert_load_fails("a " TOKEN_A " role=reader hosts=web-*\n",
                      ":1: hosts= binds hosts to an agent; a is a reader");
    assert_load_fails("bad/name " TOKEN_A "\n", ":1: the name must be");
    assert_load_fails("a " TOKEN_A "\na " TOKEN_B "\n", ":2: the name a is used twice");
    assert_load_fails("a " TOKEN_A "\nb " TOKEN_A "\n", ":2: b has the same token as a");
    assert_load_fails("a abcdefghijklmnop\xc3\xa9\n", ":1: the token of a has a character");
    char nul[] = "a " TOKEN_A "\n\0b " TOKEN_B "\n";
    const char *path = tokens_file(nul, sizeof(nul) - 1);
    char err[256] = "";
    assert_null(token_set_load(path, err, sizeof(err)));
    unlink(path);
    assert_non_null(strstr(err, "NUL byte"));
    assert_null(token_set_load("/nonexistent/tokens", err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/tokens: No such file"));
    assert_null(token_set_load("/tmp", err, sizeof(err)));
    assert_non_null(strstr(err, "not a regular file"));
}

static void test_authorize_and_replace(void **state)
{
    (void)state;
    const char text[] = "a " TOKEN_A "\n";
    const char *path = tokens_file(text, sizeof(text) - 1);
    char err[256];
    struct token_set *set = token_set_load(path, err, sizeof(err));
    unlink(path);
    assert_non_null(set);
    struct token_slot slot;
    token_slot_init(&slot, set);
    assert_true(token_slot_authorize(&slot, "Bearer " TOKEN_A));
    assert_true(token_slot_authorize(&slot, "bearer " TOKEN_A));
    assert_true(token_slot_authorize(&slot, "  BEARER\t " TOKEN_A "  "));
    assert_false(token_slot_authorize(&slot, NULL));
    assert_false(token_slot_authorize(&slot, ""));
    assert_false(token_slot_authorize(&slot, "Bearer"));
    assert_false(token_slot_authorize(&slot, "Bearer "));
    assert_false(token_slot_authorize(&slot, "Bearer" TOKEN_A));
    assert_false(token_slot_authorize(&slot, "Basic " TOKEN_A));
    assert_false(token_slot_authorize(&slot, "Bearer " TOKEN_A "0"));
    assert_false(token_slot_authorize(&slot, "Bearer " TOKEN_B));

    /* A new set replaces the old one whole. */
    const char text2[] = "b " TOKEN_B "\n";
    path = tokens_file(text2, sizeof(text2) - 1);
    struct token_set *next = token_set_load(path, err, sizeof(err));
    unlink(path);
    assert_non_null(next);
    token_slot_replace(&slot, next);
    assert_false(token_slot_authorize(&slot, "Bearer " TOKEN_A));
    assert_true(token_slot_authorize(&slot, "Bearer " TOKEN_B));
    token_slot_destroy(&slot);
}

static struct token_slot *load_slot(struct token_slot *slot, const char *text)
{
    const char *path = tokens_file(text, strlen(text));
    char err[256] = "";
    struct token_set *set = token_set_load(path, err, sizeof(err));
    unlink(path);
    if (set == NULL)
        print_error("%s\n", err);
    assert_non_null(set);
    token_slot_init(slot, set);
    return slot;
}

/* Roles and hosts= bindings: what a grant says, and how bindings judge a host. */
static void test_roles_and_bindings(void **state)
{
    (void)state;
    struct token_slot slot;
    load_slot(&slot, "web " TOKEN_A " hosts=web-*\n"
                     "any abcdefghijklmnopANY\n"
                     "dash abcdefghijklmnopRDR role=reader\n"
                     "ops abcdefghijklmnopADM\trole=admin\n"
                     "db " TOKEN_B " role=agent hosts=db-[0-9]*\n");
    struct token_grant g;
    assert_true(token_slot_grant(&slot, "Bearer " TOKEN_A, &g));
    assert_string_equal(g.name, "web");
    assert_int_equal(g.role, TOKEN_ROLE_AGENT);
    assert_string_equal(g.hosts, "web-*");
    char other[TOKENS_NAME_MAX + 1] = "";
    assert_int_equal(token_slot_binding(&slot, &g, "web-1", other, sizeof(other)),
                     TOKEN_BINDING_OWN);
    assert_int_equal(token_slot_binding(&slot, &g, "db-1", other, sizeof(other)),
                     TOKEN_BINDING_OUTSIDE);

    assert_true(token_slot_grant(&slot, "Bearer abcdefghijklmnopANY", &g));
    assert_string_equal(g.name, "any");
    assert_string_equal(g.hosts, "");
    assert_int_equal(token_slot_binding(&slot, &g, "laptop", other, sizeof(other)),
                     TOKEN_BINDING_NONE);
    assert_int_equal(token_slot_binding(&slot, &g, "db-7", other, sizeof(other)),
                     TOKEN_BINDING_OTHER);
    assert_string_equal(other, "db");
    assert_int_equal(token_slot_binding(&slot, &g, "db-x", other, sizeof(other)),
                     TOKEN_BINDING_NONE);

    assert_true(token_slot_grant(&slot, "Bearer abcdefghijklmnopRDR", &g));
    assert_int_equal(g.role, TOKEN_ROLE_READER);
    assert_true(token_slot_grant(&slot, "Bearer abcdefghijklmnopADM", &g));
    assert_int_equal(g.role, TOKEN_ROLE_ADMIN);
    assert_string_equal(token_role_name(g.role), "admin");
    assert_false(token_slot_grant(&slot, "Bearer abcdefghijklmnopXXX", &g));

    assert_true(token_slot_has_agent(&slot, "web"));
    assert_true(token_slot_has_agent(&slot, "any"));
    assert_false(token_slot_has_agent(&slot, "dash")); /* a reader owns no host */
    assert_false(token_slot_has_agent(&slot, "nobody"));
    token_slot_destroy(&slot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_refusals),
        cmocka_unit_test(test_authorize_and_replace),
        cmocka_unit_test(test_roles_and_bindings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
