/*
 * fuzz_webconfig.c - the --web.config.file text (exporter-toolkit YAML)
 * through webconfig_parse (common/webconfig.c) without reading the
 * certificate files it names (read_files = 0), as `print-config` does.
 * Built only when common/webconfig.c exists (tests/fuzz/CMakeLists.txt).
 *
 * Properties: a refused text gives NULL and a message that starts with the
 * file name ("fuzz:LINE: ..."); an accepted one stays within the caps
 * (users, headers), every user has a name and a bcrypt hash, every header
 * a name and a value, and the enums are in range.
 */
#include "fuzz_util.h"

#include "common/webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > WEBCONFIG_FILE_MAX)
        return 0; /* the reader's cap */
    char err[512];
    err[0] = '\0';
    struct webconfig *wc = webconfig_parse((const char *)data, size, "fuzz", 0, err, sizeof(err));
    if (wc == NULL) {
        FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err));
        FUZZ_CHECK(strncmp(err, "fuzz", 4) == 0);
        return 0;
    }
    FUZZ_CHECK(wc->n_users <= WEBCONFIG_USERS_MAX);
    FUZZ_CHECK(wc->n_headers <= WEBCONFIG_HEADERS_MAX);
    FUZZ_CHECK(wc->n_users == 0 || wc->users != NULL);
    for (size_t i = 0; i < wc->n_users; i++) {
        FUZZ_CHECK(wc->users[i].name != NULL && wc->users[i].hash != NULL);
        FUZZ_CHECK(strncmp(wc->users[i].hash, "$2", 2) == 0);
    }
    for (size_t i = 0; i < wc->n_headers; i++)
        FUZZ_CHECK(wc->headers[i].name != NULL && wc->headers[i].value != NULL);
    FUZZ_CHECK(wc->client_auth >= WEBCONFIG_NO_CLIENT_CERT &&
               wc->client_auth <= WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT);
    FUZZ_CHECK(wc->min_version >= WEBCONFIG_TLS_DEFAULT && wc->min_version <= WEBCONFIG_TLS13);
    FUZZ_CHECK(wc->max_version >= WEBCONFIG_TLS_DEFAULT && wc->max_version <= WEBCONFIG_TLS13);
    webconfig_free(wc);
    return 0;
}
