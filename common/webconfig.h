/*
 * webconfig.h - the --web.config.file of both programs: the YAML format every
 * Prometheus exporter reads (prometheus/exporter-toolkit's "web
 * configuration"), so operators reuse the file, and `promtool check
 * web-config` accepts ours.
 *
 *   tls_server_config:
 *     cert_file: server.crt          # relative paths: to the file's directory
 *     key_file: server.key
 *     client_ca_file: ca.crt
 *     client_auth_type: RequireAndVerifyClientCert
 *     min_version: TLS12
 *   http_server_config:
 *     headers:
 *       Strict-Transport-Security: max-age=31536000
 *   basic_auth_users:
 *     alice: $2y$10$...               # bcrypt only
 *
 * Parsed with libyaml into an immutable struct. Unknown keys, wrong types,
 * duplicate keys and values the toolkit rejects are errors naming file:line.
 * Keys the toolkit knows but we do not implement are errors too ("not
 * supported"), never silently ignored: a security setting that is ignored is
 * worse than a refused start.
 *
 * Caps (enforced in webconfig.c): the file is at most WEBCONFIG_FILE_MAX
 * bytes, at most WEBCONFIG_USERS_MAX users, WEBCONFIG_HEADERS_MAX headers.
 */
#ifndef DOCKWARD_WEBCONFIG_H
#define DOCKWARD_WEBCONFIG_H

#include <stddef.h>

#define WEBCONFIG_FILE_MAX    (1024 * 1024)
#define WEBCONFIG_USERS_MAX   1024
#define WEBCONFIG_HEADERS_MAX 16

/* exporter-toolkit's client_auth_type values, in its spelling. */
enum webconfig_client_auth {
    WEBCONFIG_NO_CLIENT_CERT,                 /* "NoClientCert" (default) */
    WEBCONFIG_REQUEST_CLIENT_CERT,            /* "RequestClientCert" */
    WEBCONFIG_REQUIRE_ANY_CLIENT_CERT,        /* "RequireAnyClientCert" */
    WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN,    /* "VerifyClientCertIfGiven" */
    WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT, /* "RequireAndVerifyClientCert" */
};

/* TLS versions in min_version/max_version: "TLS10".."TLS13". */
enum webconfig_tls_version {
    WEBCONFIG_TLS_DEFAULT = 0, /* not set: TLS12 for min, no max */
    WEBCONFIG_TLS10,
    WEBCONFIG_TLS11,
    WEBCONFIG_TLS12,
    WEBCONFIG_TLS13,
};

struct webconfig_user {
    char *name;
    char *hash; /* bcrypt ($2a$, $2b$, $2y$), checked with crypt_r */
};

struct webconfig_header {
    char *name; /* one of the names exporter-toolkit allows */
    char *value;
};

struct webconfig {
    char *path; /* the file this came from, for messages */
    /* tls_server_config; tls == 0 when the section is absent (plain HTTP) */
    int tls;
    char *cert_file; /* resolved paths (relative ones joined to the file's */
    char *key_file;  /* directory); NULL when not set */
    char *client_ca_file;
    char *cert_pem;      /* contents of cert_file, read at parse time */
    char *key_pem;       /* contents of key_file; never logged */
    char *client_ca_pem; /* contents of client_ca_file, or NULL */
    enum webconfig_client_auth client_auth;
    enum webconfig_tls_version min_version;
    enum webconfig_tls_version max_version;
    /* http_server_config.headers */
    struct webconfig_header headers[WEBCONFIG_HEADERS_MAX];
    size_t n_headers;
    /* basic_auth_users; n_users == 0: no basic auth */
    struct webconfig_user *users;
    size_t n_users;
    /*
     * A bcrypt setting ("$2b$NN$" + salt) at the users' highest cost:
     * webconfig_check_password hashes an unknown user's password with it, so
     * a wrong user name costs the same work as a wrong password.
     */
    char dummy_setting[64];
};

/*
 * Parses `text` (len bytes, need not be NUL-terminated) as a web config.
 * `path` names it in errors and is the base for relative file names;
 * when `read_files` is 0 the cert/key/CA files are not read (for the fuzz
 * target and for `print-config`), only named.
 * Returns a config (free with webconfig_free), or NULL with err filled as
 * "PATH:LINE: what is wrong".
 */
struct webconfig *webconfig_parse(const char *text, size_t len, const char *path, int read_files,
                                  char *err, size_t errlen);

/*
 * Reads and parses the file at `path`: refuses a file that is not a regular
 * file, is larger than WEBCONFIG_FILE_MAX, or is writable by others (it
 * holds password hashes and names the TLS key). Same return as
 * webconfig_parse.
 */
struct webconfig *webconfig_load(const char *path, char *err, size_t errlen);

void webconfig_free(struct webconfig *wc);

/*
 * Whether `user` is in basic_auth_users and `password` matches its bcrypt
 * hash (libcrypt's crypt_r; the hashes compared in constant time). Always
 * does one bcrypt at about the configured cost, also for an unknown user.
 * Returns 1 on a match, 0 otherwise (also when nothing is configured).
 * Thread-safe; tens of milliseconds at cost 10.
 */
int webconfig_check_password(const struct webconfig *wc, const char *user, const char *password);

/* "NoClientCert", "RequireAndVerifyClientCert", ... */
const char *webconfig_client_auth_name(enum webconfig_client_auth a);
/* "TLS12", ..., "" for WEBCONFIG_TLS_DEFAULT. */
const char *webconfig_tls_version_name(enum webconfig_tls_version v);

#endif
