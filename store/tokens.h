/*
 * tokens.h - the bearer tokens agents push with (--auth.tokens-file).
 *
 * The file holds one "NAME TOKEN" per line (blank lines and lines starting
 * with '#' are ignored): NAME says whose token it is (it is what logs may
 * name, never the token), TOKEN is at least TOKENS_MIN_LENGTH visible ASCII
 * characters. A set is loaded whole or not at all: any bad line fails the
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

struct token_set;

/*
 * Loads a tokens file. Returns a set (free with token_set_free), or NULL
 * with err ("path:line: reason"; never the token itself).
 */
struct token_set *token_set_load(const char *path, char *err, size_t errlen);
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
 * when it names a current token.
 */
bool token_slot_authorize(struct token_slot *slot, const char *authorization);

#endif
