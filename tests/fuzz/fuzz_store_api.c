/*
 * fuzz_store_api.c - the query API as a client drives it: a path and
 * parameters of any bytes (what store/server.c hands store_api_handle after
 * libmicrohttpd has unescaped them), against a small real database made
 * once at start (two hosts, their current rows and drift events, and a
 * retired host).
 *
 * Input: the first line is the path; every further line is one parameter,
 * "name=value" or a bare "name" (at most API_PARAMS_MAX, as the server
 * caps them). Properties of every answer: a status the API documents
 * (200, 400, 404), a body that is valid UTF-8 and parses as JSON, an
 * object with "error" for a 4xx, and integers written as integers.
 */
#include "fuzz_util.h"

#include "store/api.h"
#include "store/db.h"
#include "store/store.h"
#include "tests/store_schema2.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

static struct store_api *api;
static char db_path[128];

/* The database is this run's alone: removed at exit (libFuzzer ends with exit()). */
static void remove_db(void)
{
    static const char *const suffixes[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < 3; i++) {
        char p[160];
        snprintf(p, sizeof(p), "%s%s", db_path, suffixes[i]);
        unlink(p);
    }
}

/*
 * A database with two hosts, rows of every status and drift events, made
 * once: written in schema 3's layout (schema 2 with hosts.owner and
 * retired_ms), then opened by the writer, which migrates it to the layout
 * the API reads.
 */
static int make_db(char *path, size_t len)
{
    snprintf(path, len, "/tmp/dockward-fuzz-api-%ld.db", (long)getpid());
    unlink(path);
    static const char rows[] =
        "INSERT INTO hosts VALUES (1, 'aaaa0000000000000000000000000001', 'web-1', '0.1', "
        "'cis-docker-1.6.0', 9007199254740993, 1767225600000, 1767225600000, 1767225600000, "
        "2, 1, 1, 0, 1, x'', 'agent-a', 0);"
        "INSERT INTO hosts VALUES (2, 'bbbb0000000000000000000000000002', 'd\xc3\xa9j\xc3\xa0', "
        "'0.1', 'cis-docker-1.6.0', 3, 1767225600000, 1767225600000, 1767225600000, 0, 1, 0, 0, "
        "0, x'', NULL, 0);"
        /* A retired host: in no list, its drift still readable. */
        "INSERT INTO hosts VALUES (3, 'cccc0000000000000000000000000003', 'old', '0.1', "
        "'cis-docker-1.6.0', 7, 1767225600000, 1767225600000, 1767225600000, 0, 0, 0, 0, 0, x'', "
        "NULL, 1767225700000);"
        "INSERT INTO current VALUES (1, '1.1.1', 'host', 1, 'host', 'separate mount', "
        "1767225600000, 1);"
        "INSERT INTO current VALUES (1, '5.5', 'container/db', 2, 'container_runtime', "
        "'privileged', 1767225600000, 2);"
        "INSERT INTO current VALUES (1, '5.5', 'container/w\xc3\xa9', 3, 'container_runtime', "
        "'x', 1767225600000, 3);"
        "INSERT INTO current VALUES (2, '5.5', 'container/pg', 2, 'container_runtime', "
        "'privileged', 1767225600000, 2);"
        "INSERT INTO drift VALUES (NULL, 1, '5.5', 'container/db', 1, 2, 1767225600000, "
        "x'00112233445566778899aabbccddeeff', 1, 1767225601000);"
        "INSERT INTO drift VALUES (NULL, 2, '5.5', 'container/pg', 0, 2, 1767225500000, "
        "x'00112233445566778899aabbccddeeff', 1, 1767225602000);"
        "INSERT INTO checks VALUES ('5.5', 2, 2);";
    sqlite3 *raw;
    if (sqlite3_open(path, &raw) != SQLITE_OK)
        return -1;
    int rc = sqlite3_exec(raw, store_schema2_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(raw,
                          "ALTER TABLE hosts ADD COLUMN owner TEXT;"
                          "ALTER TABLE hosts ADD COLUMN retired_ms INTEGER NOT NULL DEFAULT 0;"
                          "PRAGMA user_version = 3;",
                          NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(raw, rows, NULL, NULL, NULL);
    sqlite3_close(raw);
    struct store_db *w = NULL;
    char err[256];
    if (rc != SQLITE_OK || store_db_open(path, STORE_DB_WRITER, &w, err, sizeof(err)) != 0)
        return -1;
    store_db_close(w);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    if (make_db(db_path, sizeof(db_path)) != 0)
        abort();
    atexit(remove_db);
    if (store_api_open(&api, db_path, 600000, err, sizeof(err)) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    struct api_param params[API_PARAMS_MAX];
    size_t n = 0;
    char *path = text, *line = strchr(text, '\n');
    if (line != NULL)
        *line++ = '\0';
    while (line != NULL && n < API_PARAMS_MAX) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        params[n].name = line;
        params[n].value = "";
        if (eq != NULL) {
            *eq = '\0';
            params[n].value = eq + 1;
        }
        n++;
        line = next;
    }
    struct api_response resp = { 0 };
    store_api_handle(api, path, params, n, 1767300000000LL, &resp);
    FUZZ_CHECK(resp.status == 200 || resp.status == 400 || resp.status == 404);
    FUZZ_CHECK(resp.body != NULL && fuzz_utf8_valid(resp.body, resp.len));
    cJSON *doc = cJSON_ParseWithLength(resp.body, resp.len);
    FUZZ_CHECK(cJSON_IsObject(doc));
    if (resp.status != 200)
        FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "error")));
    /* Integers stay exact: host 1's sequence is 2^53 + 1. */
    if (resp.status == 200 && strstr(resp.body, "\"id\":\"aaaa0000000000000000000000000001\"") &&
        strstr(resp.body, "\"sequence\"") != NULL)
        FUZZ_CHECK(strstr(resp.body, "\"sequence\":9007199254740993") != NULL);
    cJSON_Delete(doc);
    free(resp.body);
    free(text);
    return 0;
}
