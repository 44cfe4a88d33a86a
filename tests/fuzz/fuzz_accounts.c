/*
 * fuzz_accounts.c - the audited host's /etc/passwd and /etc/group as the
 * agent parses them (collectors/accounts.c): the input goes through both
 * accounts_parse_passwd and accounts_parse_group (as text, so up to its
 * first NUL byte, which is what those functions take), then through the
 * lookups the collectors make.
 *
 * Properties: every user and group has a non-empty name without ':' or a
 * line break and an id that is not (uid_t)-1; group members are non-empty,
 * hold no ',' and no blanks at either end; a lookup by the name or id of an
 * entry finds an entry with that name or id; labels are NUL-terminated and
 * cut to their buffer.
 */
#include "fuzz_util.h"

#include "collectors/accounts.h"

static void check_name(const char *s)
{
    FUZZ_CHECK(s != NULL && s[0] != '\0');
    FUZZ_CHECK(strpbrk(s, ":\n") == NULL);
}

/* A label made into `label` for an id whose entry is named `name`: that name, cut to the buffer. */
static void check_label(const char *got, const char *label, size_t size, const char *name)
{
    FUZZ_CHECK(got == label);
    FUZZ_CHECK(strnlen(label, size) < size);
    FUZZ_CHECK(strncmp(label, name, size - 1) == 0);
}

static void check_db(const struct account_db *db)
{
    char label[8];
    for (size_t i = 0; i < db->n_users; i++) {
        const struct account_user *u = &db->users[i];
        check_name(u->name);
        FUZZ_CHECK(u->uid != (uid_t)-1 && u->gid != (gid_t)-1);
        const struct account_user *by_name = accounts_user_by_name(db, u->name);
        FUZZ_CHECK(by_name != NULL && strcmp(by_name->name, u->name) == 0);
        const struct account_user *by_uid = accounts_user_by_uid(db, u->uid);
        FUZZ_CHECK(by_uid != NULL && by_uid->uid == u->uid);
        check_label(accounts_user_label(db, u->uid, label, sizeof(label)), label, sizeof(label),
                    by_uid->name);
    }
    for (size_t i = 0; i < db->n_groups; i++) {
        const struct account_group *g = &db->groups[i];
        check_name(g->name);
        FUZZ_CHECK(g->gid != (gid_t)-1);
        FUZZ_CHECK(g->n_members == 0 || g->members != NULL);
        for (size_t k = 0; k < g->n_members; k++) {
            const char *m = g->members[k];
            size_t len = strlen(m);
            FUZZ_CHECK(len > 0 && strpbrk(m, ",:\n") == NULL);
            FUZZ_CHECK(m[0] != ' ' && m[0] != '\t' && m[len - 1] != ' ' && m[len - 1] != '\t');
        }
        const struct account_group *by_name = accounts_group_by_name(db, g->name);
        FUZZ_CHECK(by_name != NULL && strcmp(by_name->name, g->name) == 0);
        const struct account_group *by_gid = accounts_group_by_gid(db, g->gid);
        FUZZ_CHECK(by_gid != NULL && by_gid->gid == g->gid);
        check_label(accounts_group_label(db, g->gid, label, sizeof(label)), label, sizeof(label),
                    by_gid->name);
    }
    /* An id no entry has is labelled with its number. */
    if (accounts_user_by_uid(db, 4294967294u) == NULL) {
        char num[16];
        accounts_user_label(db, 4294967294u, num, sizeof(num));
        FUZZ_CHECK(strcmp(num, "4294967294") == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ACCOUNTS_FILE_MAX)
        return 0; /* the reader's cap */
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    struct account_db db;
    memset(&db, 0, sizeof(db));
    if (accounts_parse_passwd(&db, text) == 0 && accounts_parse_group(&db, text) == 0) {
        FUZZ_CHECK(db.have_passwd == 1 && db.have_group == 1);
        check_db(&db);
    }
    accounts_free(&db);
    free(text);
    return 0;
}
