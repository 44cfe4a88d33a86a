/*
 * test_webconfig.c - the --web.config.file parser (common/webconfig.c) and
 * the shared o+w check (common/safefile.c).
 *
 * Every key, every refusal with the line it names, the caps, duplicate keys
 * at each level, YAML we refuse on purpose (tabs, anchors, aliases, tags, a
 * second document), TLS material checked with GnuTLS (certificates made by
 * the real openssl in a temporary directory), and bcrypt verification with
 * hashes made here by libcrypt: right password, wrong password, unknown
 * user - and that an unknown user costs a bcrypt too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/httpd.h"
#include "common/safefile.h"
#include "common/webconfig.h"
#include "tests/case_file.h"

#include <crypt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char err[1024];

static struct webconfig *parse(const char *text)
{
    err[0] = '\0';
    return webconfig_parse(text, strlen(text), "/etc/dw/web.yml", 0, err, sizeof(err));
}

/*
 * Parsing fails and the message starts with "/etc/dw/web.yml:LINE: " and holds
 * `what`; where names the case (tests/cases/FILE:LINE) or is NULL.
 */
static void assert_refused(const char *where, const char *text, int line, const char *what)
{
    struct webconfig *wc = parse(text);
    if (wc != NULL) {
        webconfig_free(wc);
        fail_msg("%s%saccepted: %s", where ? where : "", where ? ": " : "", text);
    }
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "/etc/dw/web.yml:%d: ", line);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL)
        fail_msg("%s%sfor:\n%s\nwant \"%s...%s\", got \"%s\"", where ? where : "",
                 where ? ": " : "", text, prefix, what, err);
}

/* One case of tests/cases/webconfig-refused.txt (see case_file.h). */
static void refused_case(const char *text, size_t len, int line, const char *what,
                         const char *where, void *arg)
{
    (void)len;
    (void)arg;
    assert_refused(where, text, line, what);
}

/* A bcrypt hash of `password` at cost 4 (fast), made by libcrypt. */
static void make_hash(const char *password, char *out, size_t outlen)
{
    char setting[64];
    assert_non_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, setting, sizeof(setting)));
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    const char *h = crypt_r(password, setting, &cd);
    assert_non_null(h);
    assert_int_equal(strlen(h), 60);
    snprintf(out, outlen, "%s", h);
}

#define HASH_A "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"

static void test_empty_and_null(void **state)
{
    (void)state;
    const char *const ok[] = { "",
                               "---\n",
                               "~\n",
                               "# only a comment\n",
                               "{}\n",
                               "tls_server_config:\nhttp_server_config:\nbasic_auth_users:\n",
                               "tls_server_config: {}\n" };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct webconfig *wc = parse(ok[i]);
        if (wc == NULL)
            fail_msg("refused \"%s\": %s", ok[i], err);
        assert_int_equal(wc->tls, 0);
        assert_int_equal(wc->n_users, 0);
        assert_int_equal(wc->n_headers, 0);
        assert_string_equal(wc->path, "/etc/dw/web.yml");
        webconfig_free(wc);
    }
}

static void test_every_key(void **state)
{
    (void)state;
    const char *text = "tls_server_config:\n"
                       "  cert_file: server.crt\n"
                       "  key_file: /abs/server.key\n"
                       "  client_ca_file: sub/ca.crt\n"
                       "  client_auth_type: RequireAndVerifyClientCert\n"
                       "  min_version: TLS13\n"
                       "  max_version: TLS13\n"
                       "http_server_config:\n"
                       "  http2: false\n"
                       "  headers:\n"
                       "    Strict-Transport-Security: max-age=31536000; includeSubDomains\n"
                       "    X-Content-Type-Options: nosniff\n"
                       "    X-Frame-Options: sameorigin\n"
                       "    X-XSS-Protection: 1; mode=block\n"
                       "    Content-Security-Policy: \"default-src 'self'\"\n"
                       "basic_auth_users:\n"
                       "  alice: " HASH_A "\n"
                       "  'bob smith': \"" HASH_A "\"\n";
    struct webconfig *wc = parse(text);
    if (wc == NULL)
        fail_msg("%s", err);
    assert_int_equal(wc->tls, 1);
    assert_string_equal(wc->cert_file, "/etc/dw/server.crt");
    assert_string_equal(wc->key_file, "/abs/server.key");
    assert_string_equal(wc->client_ca_file, "/etc/dw/sub/ca.crt");
    assert_null(wc->cert_pem); /* read_files == 0 */
    assert_null(wc->key_pem);
    assert_int_equal(wc->client_auth, WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT);
    assert_int_equal(wc->min_version, WEBCONFIG_TLS13);
    assert_int_equal(wc->max_version, WEBCONFIG_TLS13);
    assert_int_equal(wc->n_headers, 5);
    assert_string_equal(wc->headers[0].name, "Strict-Transport-Security");
    assert_string_equal(wc->headers[0].value, "max-age=31536000; includeSubDomains");
    assert_string_equal(wc->headers[2].value, "sameorigin");
    assert_string_equal(wc->headers[4].value, "default-src 'self'");
    assert_int_equal(wc->n_users, 2);
    assert_string_equal(wc->users[0].name, "alice");
    assert_string_equal(wc->users[1].name, "bob smith");
    assert_string_equal(wc->users[1].hash, HASH_A);
    assert_int_equal(strncmp(wc->dummy_setting, "$2b$10$", 7), 0); /* the users' cost */
    assert_int_equal(strlen(wc->dummy_setting), 29);
    webconfig_free(wc);
}

static void test_client_auth_values(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum webconfig_client_auth want;
    } cases[] = {
        { "NoClientCert", WEBCONFIG_NO_CLIENT_CERT },
        { "RequestClientCert", WEBCONFIG_REQUEST_CLIENT_CERT },
        { "RequireAnyClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT },
        { "RequireClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT }, /* the toolkit's old name */
        { "VerifyClientCertIfGiven", WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN },
        { "RequireAndVerifyClientCert", WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "tls_server_config:\n  cert_file: c\n  key_file: k\n%s  client_auth_type: %s\n",
                 cases[i].want == WEBCONFIG_NO_CLIENT_CERT ? "" : "  client_ca_file: ca\n",
                 cases[i].text);
        struct webconfig *wc = parse(text);
        if (wc == NULL)
            fail_msg("%s: %s", cases[i].text, err);
        assert_int_equal(wc->client_auth, cases[i].want);
        webconfig_free(wc);
    }
    assert_string_equal(webconfig_client_auth_name(WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN),
                        "VerifyClientCertIfGiven");
    assert_string_equal(webconfig_tls_version_name(WEBCONFIG_TLS11), "TLS11");
    /* Default: TLS on, min/max left to the server (TLS12 and up). */
    struct webconfig *wc = parse("tls_server_config:\n  cert_file: c\n  key_file: k\n");
    assert_non_null(wc);
    assert_int_equal(wc->client_auth, WEBCONFIG_NO_CLIENT_CERT);
    assert_int_equal(wc->min_version, WEBCONFIG_TLS_DEFAULT);
    webconfig_free(wc);
}

/*
 * Every refusal with the line it names (unknown and unsupported keys,
 * missing and inconsistent settings, bad values, duplicate keys at each
 * level, YAML refused on purpose): tests/cases/webconfig-refused.txt.
 */
static void test_errors_with_lines(void **state)
{
    (void)state;
    case_file_run("webconfig-refused.txt", refused_case, NULL);
    /* The hash never appears in a message. */
    assert_refused(NULL, "basic_auth_users:\n  alice: $2y$10$short\n", 2, "alice");
    assert_null(strstr(err, "$2y$10$short"));
}

static void test_odd_yaml(void **state)
{
    (void)state;
    /* A tab where indentation belongs: libyaml's error, with its line. */
    assert_refused(NULL, "basic_auth_users:\n\talice: x\n", 2, "invalid YAML");
    /* A NUL byte inside the text. */
    static const char with_nul[] = "basic_auth_users:\n  al\0ice: x\n";
    struct webconfig *wc =
        webconfig_parse(with_nul, sizeof(with_nul) - 1, "/etc/dw/web.yml", 0, err, sizeof(err));
    assert_null(wc);
    assert_non_null(strstr(err, "/etc/dw/web.yml:2: "));
    /* Flow style and quoting are fine. */
    wc = parse("{basic_auth_users: {\"alice\": '" HASH_A "'}, http_server_config: {headers: "
               "{X-Frame-Options: deny}}}");
    if (wc == NULL)
        fail_msg("%s", err);
    assert_int_equal(wc->n_users, 1);
    assert_int_equal(wc->n_headers, 1);
    webconfig_free(wc);
    /* Text need not be NUL-terminated: parse a prefix of a longer buffer. */
    const char *longer = "basic_auth_users: {}\nfoo: 1\n";
    wc = webconfig_parse(longer, strlen("basic_auth_users: {}\n"), "f", 0, err, sizeof(err));
    assert_non_null(wc);
    webconfig_free(wc);
}

static void test_caps(void **state)
{
    (void)state;
    /* WEBCONFIG_USERS_MAX users are fine, one more is not. */
    size_t per = 80;
    size_t size = (WEBCONFIG_USERS_MAX + 2) * per + 64;
    char *text = malloc(size);
    assert_non_null(text);
    size_t used = (size_t)snprintf(text, size, "basic_auth_users:\n");
    for (int i = 0; i < WEBCONFIG_USERS_MAX; i++)
        used += (size_t)snprintf(text + used, size - used, "  user%d: %s\n", i, HASH_A);
    struct webconfig *wc = parse(text);
    if (wc == NULL)
        fail_msg("%s", err);
    assert_int_equal(wc->n_users, WEBCONFIG_USERS_MAX);
    webconfig_free(wc);
    snprintf(text + used, size - used, "  one-more: %s\n", HASH_A);
    assert_refused(NULL, text, WEBCONFIG_USERS_MAX + 2, "more than 1024 users");
    free(text);

    /* The size cap, before any parsing. */
    size_t big = WEBCONFIG_FILE_MAX + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, '#', big);
    wc = webconfig_parse(huge, big, "/etc/dw/web.yml", 0, err, sizeof(err));
    assert_null(wc);
    assert_non_null(strstr(err, "larger than"));
    free(huge);
}

static void test_passwords(void **state)
{
    (void)state;
    char h_alice[64], h_bob[64];
    make_hash("correct horse", h_alice, sizeof(h_alice));
    make_hash("battery staple", h_bob, sizeof(h_bob));
    char text[512];
    snprintf(text, sizeof(text), "basic_auth_users:\n  alice: %s\n  bob: '%s'\n", h_alice, h_bob);
    struct webconfig *wc = parse(text);
    if (wc == NULL)
        fail_msg("%s", err);
    assert_int_equal(strncmp(wc->dummy_setting, "$2b$04$", 7), 0);
    assert_int_equal(webconfig_check_password(wc, "alice", "correct horse"), 1);
    assert_int_equal(webconfig_check_password(wc, "bob", "battery staple"), 1);
    assert_int_equal(webconfig_check_password(wc, "alice", "battery staple"), 0);
    assert_int_equal(webconfig_check_password(wc, "alice", "correct hors"), 0);
    assert_int_equal(webconfig_check_password(wc, "alice", ""), 0);
    assert_int_equal(webconfig_check_password(wc, "mallory", "correct horse"), 0);
    assert_int_equal(webconfig_check_password(wc, "", ""), 0);
    assert_int_equal(webconfig_check_password(wc, NULL, "x"), 0);
    webconfig_free(wc);

    /* No users: nothing matches. */
    wc = parse("");
    assert_int_equal(webconfig_check_password(wc, "alice", "correct horse"), 0);
    webconfig_free(wc);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An unknown user costs a bcrypt at the users' cost, like a wrong password. */
static void test_unknown_user_costs_the_same(void **state)
{
    (void)state;
    /* Cost 8: ~16 times cost 4, well above timer noise. */
    char setting[64], hash[64];
    assert_non_null(crypt_gensalt_rn("$2b$", 8, NULL, 0, setting, sizeof(setting)));
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    snprintf(hash, sizeof(hash), "%s", crypt_r("pw", setting, &cd));
    char text[256];
    snprintf(text, sizeof(text), "basic_auth_users:\n  alice: %s\n", hash);
    struct webconfig *wc = parse(text);
    assert_non_null(wc);
    double t0 = now_s();
    for (int i = 0; i < 5; i++)
        assert_int_equal(webconfig_check_password(wc, "alice", "wrong"), 0);
    double known = now_s() - t0;
    t0 = now_s();
    for (int i = 0; i < 5; i++)
        assert_int_equal(webconfig_check_password(wc, "nobody", "wrong"), 0);
    double unknown = now_s() - t0;
    print_message("5 wrong passwords: known user %.1f ms, unknown user %.1f ms\n", known * 1e3,
                  unknown * 1e3);
    assert_true(unknown > known * 0.5);
    assert_true(unknown < known * 2.0);
    webconfig_free(wc);
}

/* ---- files: webconfig_load, TLS material, the o+w refusal ---- */

static char dir[] = "/tmp/test_webconfig.XXXXXX";

static void write_file(const char *name, const char *text, mode_t mode)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    return rc;
}

static int setup_files(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout a.key -out a.crt -days 1 -subj /CN=a >/dev/null 2>&1 && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout b.key -out b.crt -days 1 -subj /CN=b >/dev/null 2>&1",
             dir);
    return run(cmd) == 0 ? 0 : -1;
}

static int teardown_files(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return run(cmd) == 0 ? 0 : -1;
}

static struct webconfig *load(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    err[0] = '\0';
    return webconfig_load(path, err, sizeof(err));
}

static void test_load_tls_files(void **state)
{
    (void)state;
    write_file("ok.yml",
               "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n"
               "  client_ca_file: b.crt\n  client_auth_type: RequireAndVerifyClientCert\n",
               0640);
    struct webconfig *wc = load("ok.yml");
    if (wc == NULL)
        fail_msg("%s", err);
    assert_non_null(strstr(wc->cert_pem, "BEGIN CERTIFICATE"));
    assert_non_null(strstr(wc->key_pem, "PRIVATE KEY"));
    assert_non_null(strstr(wc->client_ca_pem, "BEGIN CERTIFICATE"));
    webconfig_free(wc);

    /* A key that does not belong to the certificate. */
    write_file("mismatch.yml", "tls_server_config:\n  cert_file: a.crt\n  key_file: b.key\n", 0640);
    assert_null(load("mismatch.yml"));
    assert_non_null(strstr(err, "mismatch.yml:2: cert_file"));
    /* A certificate where the key belongs. */
    write_file("swapped.yml", "tls_server_config:\n  cert_file: a.crt\n  key_file: a.crt\n", 0640);
    assert_null(load("swapped.yml"));
    assert_non_null(strstr(err, "swapped.yml:2: cert_file"));
    /* A client CA file without a certificate. */
    write_file("badca.yml",
               "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n"
               "  client_ca_file: a.key\n  client_auth_type: RequireAndVerifyClientCert\n",
               0640);
    assert_null(load("badca.yml"));
    assert_non_null(strstr(err, "badca.yml:4: client_ca_file"));
    /* A missing file names the key's line and the path. */
    write_file("missing.yml", "\ntls_server_config:\n  cert_file: nope.crt\n  key_file: a.key\n",
               0640);
    assert_null(load("missing.yml"));
    assert_non_null(strstr(err, "missing.yml:3: cannot open the cert_file"));
    assert_non_null(strstr(err, "nope.crt"));
    /* No key content ever in a message. */
    assert_null(strstr(err, "PRIVATE"));
}

static void test_refuse_world_writable(void **state)
{
    (void)state;
    write_file("open.yml", "basic_auth_users: {}\n", 0666);
    assert_null(load("open.yml"));
    assert_non_null(strstr(err, "writable by other users"));
    assert_non_null(strstr(err, "chmod o-w "));
    assert_non_null(strstr(err, "open.yml"));
    char path[256];
    snprintf(path, sizeof(path), "%s/open.yml", dir);
    assert_int_equal(chmod(path, 0644), 0);
    struct webconfig *wc = load("open.yml");
    assert_non_null(wc);
    webconfig_free(wc);

    /* The shared check on a descriptor, as the token readers use it. */
    assert_int_equal(chmod(path, 0602), 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(safefile_check_fd(fd, path, "token file", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "the token file "));
    assert_non_null(strstr(err, "(mode 0602)"));
    close(fd);
    /* A directory is not a config file. */
    assert_null(webconfig_load(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "not a regular file"));
}

/* Which requests the store's own bearer check takes over from basic auth. */
static void test_is_bearer(void **state)
{
    (void)state;
    assert_true(httpd_is_bearer("Bearer abc"));
    assert_true(httpd_is_bearer(" \tbearer abc"));
    assert_true(httpd_is_bearer("BEARER"));
    assert_false(httpd_is_bearer("Bearerabc"));
    assert_false(httpd_is_bearer("Basic YWxpY2U6eA=="));
    assert_false(httpd_is_bearer(""));
    assert_false(httpd_is_bearer(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_is_bearer),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_client_auth_values),
        cmocka_unit_test(test_errors_with_lines),
        cmocka_unit_test(test_odd_yaml),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_unknown_user_costs_the_same),
        cmocka_unit_test(test_load_tls_files),
        cmocka_unit_test(test_refuse_world_writable),
    };
    return cmocka_run_group_tests_name("webconfig", tests, setup_files, teardown_files);
}
