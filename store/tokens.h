/*
 * tokens.h - the bearer tokens agents push with (--auth.tokens-file).
 *
 * The file holds one "NAME TOKEN [role=ROLE] [hosts=GLOB]" per line (blank
 * lines and lines starting with '#' are ignored): NAME says whose token it
 * is (it is what logs and the hosts' owner column name, never the token),
 * TOKEN is at least TOKENS_MIN_LENGTH visible ASCII characters. ROLE is
 * agent (the default: it may only push reports), reader (only the query
 * API) or admin (the query API, and retiring or rebinding hosts). GLOB, for
 * agents only, binds the hosts whose id matches it (fnmatch) to this token:
 * it may report those and no others, and no other token may report them.
 * A set is loaded whole or not at all: any bad line fails the
 * load with "file:line: reason", and on SIGHUP a failed reload keeps the
 * set in use. Lookups compare against every token in constant time per
 * token, so timing does not tell how much of a guess was right.
 *
 * Sharing: request threads look tokens up while the main thread may swap
 * in a new set; the slot's rwlock guards the pointer and the lookup.
 */
#ifndef DOCKWARD_STORE_TOKENS_H
#define DOCKWARD_STORE_TOKENS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define TOKENS_FILE_MAX   (1024 * 1024) /* bytes of the tokens file */
#define TOKENS_MAX        4096          /* tokens in one file */
#define TOKENS_MIN_LENGTH 16
#define TOKENS_MAX_LENGTH 1024
#define TOKENS_NAME_MAX   64
#define TOKENS_GLOB_MAX   128 /* bytes of a hosts= pattern */

enum token_role { TOKEN_ROLE_AGENT = 0, TOKEN_ROLE_READER, TOKEN_ROLE_ADMIN };

/* "agent", "reader", "admin". */
const char *token_role_name(enum token_role role);

/* What a matched token may do: a copy, so it outlives a reload. */
struct token_grant {
    char name[TOKENS_NAME_MAX + 1];
    enum token_role role;
    char hosts[TOKENS_GLOB_MAX + 1]; /* "" = no explicit binding */
};

struct token_set;

/*
 * Loads a tokens file. Returns a set (free with token_set_free), or NULL
 * with err ("path:line: reason"; never the token itself).
 */
struct token_set *token_set_load(const char *path, char *err, size_t errlen);
/* The same for the file's text (`len` bytes) already read; `path` names it in errors. */
struct token_set *token_set_parse(const char *text, size_t len, const char *path, char *err,
                                  size_t errlen);
/*
 * Token `i` of the set: its name, role and hosts= pattern ("" for none).
 * Returns the token's length (never its text), or 0 past the end.
 */
size_t token_set_describe(const struct token_set *set, size_t i, const char **name,
                          enum token_role *role, const char **hosts);
void token_set_free(struct token_set *set);
size_t token_set_count(const struct token_set *set);

/*
 * The name of the token equal to `token` (`len` bytes), or NULL. Every
 * stored token is compared, each in time that depends on its own length
 * only.
 */
const char *token_set_match(const struct token_set *set, const char *token, size_t len);

struct token_slot {
    pthread_rwlock_t lock;
    struct token_set *current;
};

void token_slot_init(struct token_slot *slot, struct token_set *set);
void token_slot_destroy(struct token_slot *slot);
/* Swaps in `set` (taken over); frees the old one. */
void token_slot_replace(struct token_slot *slot, struct token_set *set);

/*
 * Checks an Authorization header value ("Bearer <token>"). Returns true
 * when it names a current token (of any role).
 */
bool token_slot_authorize(struct token_slot *slot, const char *authorization);

/*
 * Like token_slot_authorize, and fills *grant with the token's name, role
 * and binding when it returns true.
 */
bool token_slot_grant(struct token_slot *slot, const char *authorization,
                      struct token_grant *grant);

enum token_binding {
    TOKEN_BINDING_NONE = 0, /* no hosts= pattern names the host: first reporter owns it */
    TOKEN_BINDING_OWN,      /* the agent's own hosts= pattern matches the host */
    TOKEN_BINDING_OUTSIDE,  /* the agent has a hosts= pattern the host does not match */
    TOKEN_BINDING_OTHER,    /* another agent's hosts= pattern matches it (name in `other`) */
};

/*
 * How the explicit bindings of the current set judge agent `grant`
 * reporting `host_id`. For TOKEN_BINDING_OTHER, `other` gets the binding
 * token's name.
 */
enum token_binding token_slot_binding(struct token_slot *slot, const struct token_grant *grant,
                                      const char *host_id, char *other, size_t otherlen);

/* Whether the current set has an agent token called `name`. */
bool token_slot_has_agent(struct token_slot *slot, const char *name);

#endif
