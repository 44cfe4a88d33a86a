/*
 * tokens.c - loading and checking bearer tokens; see tokens.h.
 *
 * The file is read whole (bounded by TOKENS_FILE_MAX, regular files only,
 * O_NOFOLLOW is not used: an operator may symlink a secret from a mounted
 * volume), parsed line by line into one allocation per token. Errors name
 * the line and what is wrong with it, never the text of a token.
 */
#include "tokens.h"

#include "../common/buf.h"
#include "../common/log.h"
#include "../common/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct token {
    char name[TOKENS_NAME_MAX + 1];
    char *value;
    size_t len;
};

struct token_set {
    struct token *tokens;
    size_t n;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    (void)n;
    va_end(ap);
}

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

static int read_file(const char *path, struct buf *out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (safefile_check_fd(fd, path, "tokens file", err, errlen) != 0) {
        close(fd);
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (sb.st_mode & 0004)
        log_warnx("%s is readable by every user; tokens are secrets (chmod 600)", path);
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            seterr(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        if (buf_append(out, chunk, (size_t)n) != BUF_OK) {
            seterr(err, errlen, "%s: larger than %d bytes", path, TOKENS_FILE_MAX);
            close(fd);
            return -1;
        }
    }
    close(fd);
    explicit_bzero(chunk, sizeof(chunk));
    return 0;
}

static int valid_name(const char *s, size_t len)
{
    if (len == 0 || len > TOKENS_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
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
    size_t name_start = i;
    while (i < len && !is_blank(line[i]))
        i++;
    size_t name_len = i - name_start;
    while (i < len && is_blank(line[i]))
        i++;
    size_t tok_start = i;
    while (i < len && !is_blank(line[i]))
        i++;
    size_t tok_len = i - tok_start;
    while (i < len && is_blank(line[i]))
        i++;
    if (!valid_name(line + name_start, name_len)) {
        seterr(err, errlen, "%s:%zu: the name must be 1 to %d characters of [A-Za-z0-9._-]", path,
               lineno, TOKENS_NAME_MAX);
        return -1;
    }
    if (tok_len == 0) {
        seterr(err, errlen, "%s:%zu: want \"NAME TOKEN\"", path, lineno);
        return -1;
    }
    if (i != len) {
        seterr(err, errlen, "%s:%zu: more than two fields (want \"NAME TOKEN\")", path, lineno);
        return -1;
    }
    if (tok_len < TOKENS_MIN_LENGTH || tok_len > TOKENS_MAX_LENGTH) {
        seterr(err, errlen, "%s:%zu: the token of %.*s must be %d to %d characters", path, lineno,
               (int)name_len, line + name_start, TOKENS_MIN_LENGTH, TOKENS_MAX_LENGTH);
        return -1;
    }
    for (size_t k = 0; k < tok_len; k++) {
        unsigned char c = (unsigned char)line[tok_start + k];
        if (c < 0x21 || c > 0x7e) {
            seterr(err, errlen,
                   "%s:%zu: the token of %.*s has a character that is not visible "
                   "ASCII",
                   path, lineno, (int)name_len, line + name_start);
            return -1;
        }
    }
    for (size_t k = 0; k < set->n; k++) {
        if (strlen(set->tokens[k].name) == name_len &&
            memcmp(set->tokens[k].name, line + name_start, name_len) == 0) {
            seterr(err, errlen, "%s:%zu: the name %.*s is used twice", path, lineno, (int)name_len,
                   line + name_start);
            return -1;
        }
        if (set->tokens[k].len == tok_len &&
            memcmp(set->tokens[k].value, line + tok_start, tok_len) == 0) {
            seterr(err, errlen, "%s:%zu: %.*s has the same token as %s", path, lineno,
                   (int)name_len, line + name_start, set->tokens[k].name);
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
    memcpy(t->value, line + tok_start, tok_len);
    t->value[tok_len] = '\0';
    t->len = tok_len;
    memcpy(t->name, line + name_start, name_len);
    t->name[name_len] = '\0';
    set->n++;
    return 0;
}

struct token_set *token_set_load(const char *path, char *err, size_t errlen)
{
    struct buf text;
    buf_init(&text, TOKENS_FILE_MAX);
    if (read_file(path, &text, err, errlen) != 0) {
        if (text.data)
            explicit_bzero(text.data, text.len);
        buf_free(&text);
        return NULL;
    }
    struct token_set *set = calloc(1, sizeof(*set));
    size_t lines = 1;
    for (size_t i = 0; i < text.len; i++)
        lines += text.data[i] == '\n';
    if (set != NULL)
        set->tokens = calloc(lines < TOKENS_MAX ? lines : TOKENS_MAX, sizeof(*set->tokens));
    if (set == NULL || set->tokens == NULL) {
        seterr(err, errlen, "out of memory");
        free(set);
        if (text.data)
            explicit_bzero(text.data, text.len);
        buf_free(&text);
        return NULL;
    }
    int rc = 0;
    if (text.len > 0 && memchr(text.data, '\0', text.len) != NULL) {
        seterr(err, errlen, "%s: holds a NUL byte; want text lines \"NAME TOKEN\"", path);
        rc = -1;
    }
    size_t start = 0, lineno = 0;
    while (rc == 0 && start < text.len) {
        const char *nl = memchr(text.data + start, '\n', text.len - start);
        size_t end = nl ? (size_t)(nl - text.data) : text.len;
        lineno++;
        rc = parse_line(set, text.data + start, end - start, path, lineno, err, errlen);
        start = end + 1;
    }
    if (text.data)
        explicit_bzero(text.data, text.len);
    buf_free(&text);
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

const char *token_set_match(const struct token_set *set, const char *token, size_t len)
{
    const char *found = NULL;
    if (set == NULL)
        return NULL;
    for (size_t i = 0; i < set->n; i++) {
        if (equal_constant_time(set->tokens[i].value, set->tokens[i].len, token, len))
            found = set->tokens[i].name; /* no early exit */
    }
    return found;
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

bool token_slot_authorize(struct token_slot *slot, const char *authorization)
{
    if (authorization == NULL)
        return false;
    const char *p = authorization;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return false;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t len = strlen(p);
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    if (len == 0 || len > TOKENS_MAX_LENGTH)
        return false;
    pthread_rwlock_rdlock(&slot->lock);
    bool ok = token_set_match(slot->current, p, len) != NULL;
    pthread_rwlock_unlock(&slot->lock);
    return ok;
}
