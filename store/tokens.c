/*
 * tokens.c - loading and checking bearer tokens; see tokens.h.
 *
 * The file is read whole (bounded by TOKENS_FILE_MAX, regular files only,
 * O_NOFOLLOW is not used: an operator may symlink a secret from a mounted
 * volume), parsed line by line into one allocation per token. Errors name
 * the line and what is wrong with it, never the text of a token.
 */
#include "tokens.h"

#include "../common/hostid.h"
#include "../common/log.h"
#include "../common/safefile.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct token {
    char name[TOKENS_NAME_MAX + 1];
    char *value;
    size_t len;
    enum token_role role;
    char hosts[TOKENS_GLOB_MAX + 1]; /* "" = none */
};

const char *token_role_name(enum token_role role)
{
    switch (role) {
    case TOKEN_ROLE_READER:
        return "reader";
    case TOKEN_ROLE_ADMIN:
        return "admin";
    case TOKEN_ROLE_AGENT:
    default:
        return "agent";
    }
}

struct token_set {
    struct token *tokens;
    size_t n;
};

void token_set_free(struct token_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++) {
        /* Do not leave secrets in freed memory. */
        explicit_bzero(set->tokens[i].value, set->tokens[i].len);
        free(set->tokens[i].value);
    }
    free(set->tokens);
    free(set);
}

size_t token_set_count(const struct token_set *set)
{
    return set ? set->n : 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The field of non-blanks at line[*i] (empty at the line's end): *i moves
 * past it and the blanks after it, *flen gets its length. Returns where it
 * starts.
 */
static const char *next_field(const char *line, size_t len, size_t *i, size_t *flen)
{
    size_t start = *i;
    while (*i < len && !is_blank(line[*i]))
        (*i)++;
    *flen = *i - start;
    while (*i < len && is_blank(line[*i]))
        (*i)++;
    return line + start;
}

/* Parses one line (NUL-free, no newline). 0 ok/skipped, -1 with err. */
static int parse_line(struct token_set *set, const char *line, size_t len, const char *path,
                      size_t lineno, char *err, size_t errlen)
{
    size_t i = 0;
    while (i < len && is_blank(line[i]))
        i++;
    if (i == len || line[i] == '#')
        return 0;
    size_t name_len, tok_len;
    const char *name = next_field(line, len, &i, &name_len);
    const char *tok = next_field(line, len, &i, &tok_len);
    if (!id_chars_valid(name, name_len, TOKENS_NAME_MAX)) {
        seterr(err, errlen, "%s:%zu: the name must be 1 to %d characters of [A-Za-z0-9._-]", path,
               lineno, TOKENS_NAME_MAX);
        return -1;
    }
    if (tok_len == 0) {
        seterr(err, errlen, "%s:%zu: want \"NAME TOKEN\"", path, lineno);
        return -1;
    }
    enum token_role role = TOKEN_ROLE_AGENT;
    int have_role = 0;
    const char *glob = NULL;
    size_t glob_len = 0;
    while (i < len) {
        size_t opt_len;
        const char *opt = next_field(line, len, &i, &opt_len);
        if (opt_len > 5 && memcmp(opt, "role=", 5) == 0 && !have_role) {
            have_role = 1;
            if (opt_len == 10 && memcmp(opt + 5, "agent", 5) == 0)
                role = TOKEN_ROLE_AGENT;
            else if (opt_len == 11 && memcmp(opt + 5, "reader", 6) == 0)
                role = TOKEN_ROLE_READER;
            else if (opt_len == 10 && memcmp(opt + 5, "admin", 5) == 0)
                role = TOKEN_ROLE_ADMIN;
            else {
                seterr(err, errlen, "%s:%zu: role of %.*s must be agent, reader or admin", path,
                       lineno, (int)name_len, name);
                return -1;
            }
        } else if (opt_len > 6 && memcmp(opt, "hosts=", 6) == 0 && glob == NULL) {
            glob = opt + 6;
            glob_len = opt_len - 6;
            if (glob_len > TOKENS_GLOB_MAX) {
                seterr(err, errlen, "%s:%zu: hosts= of %.*s is longer than %d characters", path,
                       lineno, (int)name_len, name, TOKENS_GLOB_MAX);
                return -1;
            }
            if (!visible_ascii(glob, glob_len)) {
                seterr(err, errlen, "%s:%zu: hosts= of %.*s must be visible ASCII", path, lineno,
                       (int)name_len, name);
                return -1;
            }
        } else {
            seterr(err, errlen,
                   "%s:%zu: after the token of %.*s want role=agent|reader|admin or "
                   "hosts=GLOB, each at most once",
                   path, lineno, (int)name_len, name);
            return -1;
        }
    }
    if (glob != NULL && role != TOKEN_ROLE_AGENT) {
        seterr(err, errlen, "%s:%zu: hosts= binds hosts to an agent; %.*s is a %s", path, lineno,
               (int)name_len, name, token_role_name(role));
        return -1;
    }
    if (tok_len < TOKENS_MIN_LENGTH || tok_len > TOKENS_MAX_LENGTH) {
        seterr(err, errlen, "%s:%zu: the token of %.*s must be %d to %d characters", path, lineno,
               (int)name_len, name, TOKENS_MIN_LENGTH, TOKENS_MAX_LENGTH);
        return -1;
    }
    if (!visible_ascii(tok, tok_len)) {
        seterr(err, errlen, "%s:%zu: the token of %.*s has a character that is not visible ASCII",
               path, lineno, (int)name_len, name);
        return -1;
    }
    for (size_t k = 0; k < set->n; k++) {
        if (strlen(set->tokens[k].name) == name_len &&
            memcmp(set->tokens[k].name, name, name_len) == 0) {
            seterr(err, errlen, "%s:%zu: the name %.*s is used twice", path, lineno, (int)name_len,
                   name);
            return -1;
        }
        if (set->tokens[k].len == tok_len && memcmp(set->tokens[k].value, tok, tok_len) == 0) {
            seterr(err, errlen, "%s:%zu: %.*s has the same token as %s", path, lineno,
                   (int)name_len, name, set->tokens[k].name);
            return -1;
        }
    }
    if (set->n >= TOKENS_MAX) {
        seterr(err, errlen, "%s:%zu: more than %d tokens", path, lineno, TOKENS_MAX);
        return -1;
    }
    struct token *t = &set->tokens[set->n];
    t->value = malloc(tok_len + 1);
    if (t->value == NULL) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    memcpy(t->value, tok, tok_len);
    t->value[tok_len] = '\0';
    t->len = tok_len;
    memcpy(t->name, name, name_len);
    t->name[name_len] = '\0';
    t->role = role;
    if (glob != NULL)
        memcpy(t->hosts, glob, glob_len);
    t->hosts[glob_len] = '\0';
    set->n++;
    return 0;
}

struct token_set *token_set_parse(const char *text, size_t len, const char *path, char *err,
                                  size_t errlen)
{
    struct token_set *set = calloc(1, sizeof(*set));
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (set != NULL)
        set->tokens = calloc(lines < TOKENS_MAX ? lines : TOKENS_MAX, sizeof(*set->tokens));
    if (set == NULL || set->tokens == NULL) {
        seterr(err, errlen, "out of memory");
        free(set);
        return NULL;
    }
    int rc = 0;
    if (len > 0 && memchr(text, '\0', len) != NULL) {
        seterr(err, errlen, "%s: holds a NUL byte; want text lines \"NAME TOKEN\"", path);
        rc = -1;
    }
    size_t start = 0, lineno = 0;
    while (rc == 0 && start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        lineno++;
        rc = parse_line(set, text + start, end - start, path, lineno, err, errlen);
        start = end + 1;
    }
    if (rc == 0 && set->n == 0) {
        seterr(err, errlen, "%s: no tokens (want lines \"NAME TOKEN\")", path);
        rc = -1;
    }
    if (rc != 0) {
        token_set_free(set);
        return NULL;
    }
    return set;
}

struct token_set *token_set_load(const char *path, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    if (safefile_read(path, "tokens file", 1, TOKENS_FILE_MAX, &text, &len, err, errlen) != 0)
        return NULL;
    /* Advice only (the file was read through its own descriptor): a stat by name will do. */
    struct stat sb;
    if (stat(path, &sb) == 0 && (sb.st_mode & S_IROTH) != 0)
        log_warnx("%s is readable by every user; tokens are secrets (chmod 600)", path);
    struct token_set *set = token_set_parse(text, len, path, err, errlen);
    explicit_bzero(text, len);
    free(text);
    return set;
}

size_t token_set_describe(const struct token_set *set, size_t i, const char **name,
                          enum token_role *role, const char **hosts)
{
    if (set == NULL || i >= set->n)
        return 0;
    *name = set->tokens[i].name;
    *role = set->tokens[i].role;
    *hosts = set->tokens[i].hosts;
    return set->tokens[i].len;
}

/* 1 when equal; the time depends on the stored token's length, not on where a guess differs. */
static int equal_constant_time(const char *stored, size_t stored_len, const char *given,
                               size_t given_len)
{
    volatile unsigned char diff = (unsigned char)(stored_len != given_len);
    for (size_t i = 0; i < stored_len; i++) {
        unsigned char g = i < given_len ? (unsigned char)given[i] : 0;
        diff |= (unsigned char)(stored[i] ^ g);
    }
    return diff == 0;
}

static const struct token *find_token(const struct token_set *set, const char *token, size_t len)
{
    const struct token *found = NULL;
    if (set == NULL)
        return NULL;
    for (size_t i = 0; i < set->n; i++) {
        if (equal_constant_time(set->tokens[i].value, set->tokens[i].len, token, len))
            found = &set->tokens[i]; /* no early exit */
    }
    return found;
}

const char *token_set_match(const struct token_set *set, const char *token, size_t len)
{
    const struct token *t = find_token(set, token, len);
    return t != NULL ? t->name : NULL;
}

void token_slot_init(struct token_slot *slot, struct token_set *set)
{
    pthread_rwlock_init(&slot->lock, NULL);
    slot->current = set;
}

void token_slot_destroy(struct token_slot *slot)
{
    token_set_free(slot->current);
    slot->current = NULL;
    pthread_rwlock_destroy(&slot->lock);
}

void token_slot_replace(struct token_slot *slot, struct token_set *set)
{
    pthread_rwlock_wrlock(&slot->lock);
    struct token_set *old = slot->current;
    slot->current = set;
    pthread_rwlock_unlock(&slot->lock);
    token_set_free(old);
}

/* The token of a "Bearer <token>" header value, or NULL; *len its length. */
static const char *bearer_token(const char *authorization, size_t *len)
{
    if (authorization == NULL)
        return NULL;
    const char *p = authorization;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return NULL;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0 || n > TOKENS_MAX_LENGTH)
        return NULL;
    *len = n;
    return p;
}

bool token_slot_grant(struct token_slot *slot, const char *authorization, struct token_grant *grant)
{
    size_t len = 0;
    const char *p = bearer_token(authorization, &len);
    if (p == NULL)
        return false;
    pthread_rwlock_rdlock(&slot->lock);
    const struct token *t = find_token(slot->current, p, len);
    if (t != NULL && grant != NULL) {
        memcpy(grant->name, t->name, sizeof(grant->name));
        grant->role = t->role;
        memcpy(grant->hosts, t->hosts, sizeof(grant->hosts));
    }
    pthread_rwlock_unlock(&slot->lock);
    return t != NULL;
}

bool token_slot_authorize(struct token_slot *slot, const char *authorization)
{
    return token_slot_grant(slot, authorization, NULL);
}

enum token_binding token_slot_binding(struct token_slot *slot, const struct token_grant *grant,
                                      const char *host_id, char *other, size_t otherlen)
{
    if (grant->hosts[0] != '\0')
        return fnmatch(grant->hosts, host_id, 0) == 0 ? TOKEN_BINDING_OWN : TOKEN_BINDING_OUTSIDE;
    enum token_binding b = TOKEN_BINDING_NONE;
    pthread_rwlock_rdlock(&slot->lock);
    const struct token_set *set = slot->current;
    for (size_t i = 0; set != NULL && i < set->n; i++) {
        const struct token *t = &set->tokens[i];
        if (t->role == TOKEN_ROLE_AGENT && t->hosts[0] != '\0' &&
            strcmp(t->name, grant->name) != 0 && fnmatch(t->hosts, host_id, 0) == 0) {
            snprintf(other, otherlen, "%s", t->name);
            b = TOKEN_BINDING_OTHER;
            break;
        }
    }
    pthread_rwlock_unlock(&slot->lock);
    return b;
}

bool token_slot_has_agent(struct token_slot *slot, const char *name)
{
    bool found = false;
    pthread_rwlock_rdlock(&slot->lock);
    const struct token_set *set = slot->current;
    for (size_t i = 0; set != NULL && i < set->n && !found; i++)
        found = set->tokens[i].role == TOKEN_ROLE_AGENT && strcmp(set->tokens[i].name, name) == 0;
    pthread_rwlock_unlock(&slot->lock);
    return found;
}
