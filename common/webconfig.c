/*
 * webconfig.c - the --web.config.file parser; see webconfig.h for the format.
 *
 * libyaml's event parser, walked with the structure we expect in hand
 * (yamlwalk.h): anchors, aliases and tags are refused, a nested value where
 * a string belongs stops the parse at once, and every error names the line
 * of the event that caused it.
 *
 * What we accept follows exporter-toolkit as `promtool check web-config`
 * (Prometheus 2.42) accepts it, with these deliberate differences, each
 * stricter: a bcrypt hash must be well formed ($2a$/$2b$/$2y$, cost 4-31,
 * 60 characters); client_auth_type other than NoClientCert needs
 * client_ca_file (libmicrohttpd asks for a client certificate only when it
 * has a trust list; Go would fall back to the system CAs); client_ca_file
 * must hold a certificate; min_version may not exceed max_version; header
 * values may not hold control characters; keys the toolkit knows but we do
 * not implement are errors ("not supported").
 *
 * With read_files the cert/key/CA files are read (WEBCONFIG_FILE_MAX each)
 * and checked with GnuTLS (the key must match the certificate), so a bad
 * file fails the load - at start, or on SIGHUP where the old config stays.
 */
#include "webconfig.h"

#include "buf.h"
#include "safefile.h"
#include "yamlwalk.h"

#include <crypt.h>
#include <gnutls/gnutls.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define BCRYPT_HASH_LEN  60
#define DUMMY_SALT_BYTES 16 /* what crypt_gensalt_rn takes for bcrypt */

struct parser {
    struct yaml_walk w;
    struct webconfig *wc;
    /* Lines of keys, for errors found after the walk; 0 = absent. */
    size_t tls_line, cert_line, key_line, ca_line, auth_line, min_line, max_line;
    char *client_auth_text;
    /* The keys each mapping has held (yaml_walk_known_key), the users' capacity, the highest cost.
     */
    unsigned seen_top, seen_tls, seen_http, seen_headers;
    size_t users_cap;
    unsigned *max_cost;
};

/* Keys exporter-toolkit knows that dockward does not implement. */
static const char *const tls_unsupported[] = { "cert",
                                               "key",
                                               "client_ca",
                                               "cipher_suites",
                                               "curve_preferences",
                                               "prefer_server_cipher_suites",
                                               "client_allowed_sans",
                                               NULL };
static const char *const top_unsupported[] = { "rate_limit", NULL };

static const char *const tls_keys[] = {
    "cert_file",   "key_file", "client_ca_file", "client_auth_type", "min_version",
    "max_version", NULL
};

static int parse_tls_version(struct parser *p, const char *key, size_t line,
                             enum webconfig_tls_version *out)
{
    char *v = NULL;
    if (yaml_walk_read_string(&p->w, key, &v) != 0)
        return -1;
    static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13", NULL };
    int i = yaml_walk_key_index(names, v);
    if (i < 0) {
        yaml_walk_fail(&p->w, line,
                       "%s: unknown TLS version \"%s\" (want TLS10, TLS11, TLS12 or TLS13)", key,
                       v);
        free(v);
        return -1;
    }
    free(v);
    *out = (enum webconfig_tls_version)(WEBCONFIG_TLS10 + i);
    return 0;
}

static const struct yaml_keys tls_section = { "tls_server_config: ", tls_keys, tls_unsupported,
                                              INT_MAX, "" };

/* One key of tls_server_config (a yaml_walk_key_fn). */
static int tls_key(void *ctx, const char *k, size_t line)
{
    struct parser *p = ctx;
    struct webconfig *wc = p->wc;
    int idx = yaml_walk_known_key(&p->w, &tls_section, &p->seen_tls, k, line);
    if (idx < 0)
        return -1;
    const char *name = tls_keys[idx]; /* k dies with the next event */
    /* Where each key's line and value go, in tls_keys' order: four strings, two versions. */
    size_t *const lines[] = { &p->cert_line, &p->key_line, &p->ca_line,
                              &p->auth_line, &p->min_line, &p->max_line };
    char **const strings[] = { &wc->cert_file, &wc->key_file, &wc->client_ca_file,
                               &p->client_auth_text };
    *lines[idx] = line;
    int r = idx < 4
                ? yaml_walk_read_string(&p->w, name, strings[idx])
                : parse_tls_version(p, name, line, idx == 4 ? &wc->min_version : &wc->max_version);
    return r != 0 ? -1 : 0;
}

static int parse_tls(struct parser *p)
{
    p->seen_tls = 0;
    return yaml_walk_mapping(&p->w, "tls_server_config", tls_key, p);
}

/* exporter-toolkit's allowed headers and, where it restricts them, their values. */
struct header_rule {
    const char *name;
    const char *const *values; /* NULL: any value */
};
static const char *const nosniff[] = { "nosniff", NULL };
static const char *const frame_options[] = { "deny", "sameorigin", NULL };
static const struct header_rule header_rules[] = {
    { "Strict-Transport-Security", NULL }, { "X-Content-Type-Options", nosniff },
    { "X-Frame-Options", frame_options },  { "X-XSS-Protection", NULL },
    { "Content-Security-Policy", NULL },
};
#define N_HEADER_RULES (sizeof(header_rules) / sizeof(header_rules[0]))

/* One header of http_server_config.headers (a yaml_walk_key_fn). */
static int header_key(void *ctx, const char *k, size_t line)
{
    struct parser *p = ctx;
    struct webconfig *wc = p->wc;
    size_t idx = N_HEADER_RULES;
    for (size_t i = 0; i < N_HEADER_RULES; i++) {
        if (strcmp(header_rules[i].name, k) == 0)
            idx = i;
    }
    if (idx == N_HEADER_RULES) {
        yaml_walk_fail(&p->w, line,
                       "headers: HTTP header \"%s\" can not be configured (allowed: "
                       "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
                       "X-XSS-Protection, Content-Security-Policy)",
                       k);
        return -1;
    }
    if (yaml_walk_check_dup(&p->w, &p->seen_headers, (int)idx, k, line) != 0)
        return -1;
    if (wc->n_headers >= WEBCONFIG_HEADERS_MAX) {
        yaml_walk_fail(&p->w, line, "headers: more than %d headers", WEBCONFIG_HEADERS_MAX);
        return -1;
    }
    const struct header_rule *rule = &header_rules[idx];
    char *value = NULL;
    if (yaml_walk_read_string(&p->w, rule->name, &value) != 0)
        return -1;
    for (const unsigned char *c = (const unsigned char *)value; *c != '\0'; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            yaml_walk_fail(&p->w, line, "headers: the value of %s holds a control character",
                           rule->name);
            free(value);
            return -1;
        }
    }
    if (rule->values != NULL && yaml_walk_key_index(rule->values, value) < 0) {
        yaml_walk_fail(&p->w, line, "headers: invalid value for %s: \"%s\" (want %s%s)", rule->name,
                       value, rule->values[0], rule->values[1] ? " or sameorigin" : "");
        free(value);
        return -1;
    }
    wc->headers[wc->n_headers].value = value;
    wc->headers[wc->n_headers].name = strdup(rule->name);
    if (wc->headers[wc->n_headers].name == NULL) {
        free(value);
        yaml_walk_fail(&p->w, line, "out of memory");
        return -1;
    }
    wc->n_headers++;
    return 0;
}

static int parse_headers(struct parser *p)
{
    p->seen_headers = 0;
    return yaml_walk_mapping(&p->w, "headers", header_key, p);
}

static const char *const http_keys[] = { "headers", "http2", NULL };
static const struct yaml_keys http_section = { "http_server_config: ", http_keys, NULL, INT_MAX,
                                               "" };

/* One key of http_server_config (a yaml_walk_key_fn). */
static int http_key(void *ctx, const char *k, size_t line)
{
    struct parser *p = ctx;
    int idx = yaml_walk_known_key(&p->w, &http_section, &p->seen_http, k, line);
    if (idx < 0)
        return -1;
    if (idx == 0)
        return parse_headers(p) != 0 ? -1 : 0;
    char *v = NULL;
    if (yaml_walk_read_string(&p->w, "http2", &v) != 0)
        return -1;
    bool off = strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0;
    bool on = strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0;
    free(v);
    if (on) {
        yaml_walk_fail(&p->w, line,
                       "http_server_config: http2: true is not supported by dockward (it "
                       "serves HTTP/1.1 only): remove the key or set it to false");
        return -1;
    }
    if (!off) {
        yaml_walk_fail(&p->w, line, "http_server_config: http2: want true or false");
        return -1;
    }
    return 0;
}

static int parse_http(struct parser *p)
{
    p->seen_http = 0;
    return yaml_walk_mapping(&p->w, "http_server_config", http_key, p);
}

/* A well-formed bcrypt hash: $2a$/$2b$/$2y$, two-digit cost 4..31, 53 base64 characters. */
static bool bcrypt_hash_ok(const char *h, unsigned *cost)
{
    if (strlen(h) != BCRYPT_HASH_LEN || h[0] != '$' || h[1] != '2' ||
        (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$' || h[6] != '$')
        return false;
    if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9')
        return false;
    unsigned c = (unsigned)(h[4] - '0') * 10 + (unsigned)(h[5] - '0');
    if (c < 4 || c > 31)
        return false;
    for (const char *s = h + 7; *s != '\0'; s++) {
        char ch = *s;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '/'))
            return false;
    }
    *cost = c;
    return true;
}

/* One user of basic_auth_users (a yaml_walk_key_fn). */
static int user_key(void *ctx, const char *k, size_t line)
{
    struct parser *p = ctx;
    struct webconfig *wc = p->wc;
    if (p->w.ev.data.scalar.length != strlen(k)) {
        yaml_walk_fail(&p->w, line, "basic_auth_users: a user name holds a NUL byte");
        return -1;
    }
    for (size_t i = 0; i < wc->n_users; i++) {
        if (strcmp(wc->users[i].name, k) == 0) {
            yaml_walk_fail(&p->w, line, "basic_auth_users: duplicate user \"%s\"", k);
            return -1;
        }
    }
    if (wc->n_users >= WEBCONFIG_USERS_MAX) {
        yaml_walk_fail(&p->w, line, "basic_auth_users: more than %d users", WEBCONFIG_USERS_MAX);
        return -1;
    }
    if (array_grow(&wc->users, wc->n_users, &p->users_cap, sizeof(*wc->users), 8) != 0) {
        yaml_walk_fail(&p->w, line, "out of memory");
        return -1;
    }
    struct webconfig_user *u = &wc->users[wc->n_users];
    u->name = strdup(k);
    u->hash = NULL;
    if (u->name == NULL) {
        yaml_walk_fail(&p->w, line, "out of memory");
        return -1;
    }
    wc->n_users++;
    if (yaml_walk_read_string(&p->w, "basic_auth_users", &u->hash) != 0)
        return -1;
    unsigned cost = 0;
    if (!bcrypt_hash_ok(u->hash, &cost)) {
        yaml_walk_fail(&p->w, line,
                       "basic_auth_users: the password of \"%s\" is not a bcrypt hash (want "
                       "$2y$NN$ and 53 more characters, NN the cost from 04 to 31, e.g. from "
                       "htpasswd -nBC 10 USER)",
                       u->name);
        return -1;
    }
    if (cost > *p->max_cost)
        *p->max_cost = cost;
    return 0;
}

static int parse_users(struct parser *p)
{
    p->users_cap = 0;
    return yaml_walk_mapping(&p->w, "basic_auth_users", user_key, p);
}

static const char *const top_keys[] = { "tls_server_config", "http_server_config",
                                        "basic_auth_users", NULL };

static const struct yaml_keys top_section = { "", top_keys, top_unsupported, INT_MAX, "" };

/* One key of the top level (a yaml_walk_key_fn). */
static int top_key(void *ctx, const char *k, size_t line)
{
    struct parser *p = ctx;
    int idx = yaml_walk_known_key(&p->w, &top_section, &p->seen_top, k, line);
    if (idx < 0)
        return -1;
    int r;
    if (idx == 0) {
        p->tls_line = line;
        r = parse_tls(p);
    } else if (idx == 1) {
        r = parse_http(p);
    } else {
        r = parse_users(p);
    }
    return r != 0 ? -1 : 0;
}

static int parse_top(struct parser *p)
{
    p->seen_top = 0;
    return yaml_walk_each_key(&p->w, "the top level", top_key, p);
}

/* The whole stream: nothing, or one document holding a mapping (or null). */
static int parse_stream(struct parser *p, unsigned *max_cost)
{
    int open = yaml_walk_open_document(&p->w);
    p->max_cost = max_cost;
    if (open < 0 || (open > 0 && parse_top(p) != 0))
        return -1;
    return yaml_walk_close_document(&p->w);
}

/* `file` relative to the directory of `base` (as exporter-toolkit's JoinDir). */
static char *resolve(const char *base, const char *file)
{
    if (file[0] == '/')
        return strdup(file);
    const char *slash = strrchr(base, '/');
    if (slash == NULL)
        return strdup(file);
    size_t dlen = (size_t)(slash - base) + 1;
    size_t flen = strlen(file);
    char *out = malloc(dlen + flen + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, base, dlen);
    memcpy(out + dlen, file, flen + 1);
    return out;
}

/* Replaces a set path by its resolved form; "" becomes NULL. */
static int resolve_field(struct parser *p, char **field)
{
    if (*field == NULL)
        return 0;
    if ((*field)[0] == '\0') {
        free(*field);
        *field = NULL;
        return 0;
    }
    char *r = resolve(p->w.path, *field);
    if (r == NULL) {
        yaml_walk_fail(&p->w, p->tls_line, "out of memory");
        return -1;
    }
    free(*field);
    *field = r;
    return 0;
}

static int read_material(struct parser *p, const char *key, size_t line, const char *file,
                         char **out)
{
    char why[512];
    size_t len;
    if (safefile_read(file, key, 0, WEBCONFIG_FILE_MAX, out, &len, why, sizeof(why)) != 0) {
        yaml_walk_fail(&p->w, line, "%s", why);
        return -1;
    }
    return 0;
}

/* Reads the cert, key and CA files and checks them with GnuTLS. */
static int load_tls_files(struct parser *p)
{
    struct webconfig *wc = p->wc;
    if (read_material(p, "cert_file", p->cert_line, wc->cert_file, &wc->cert_pem) != 0 ||
        read_material(p, "key_file", p->key_line, wc->key_file, &wc->key_pem) != 0)
        return -1;
    if (wc->client_ca_file != NULL &&
        read_material(p, "client_ca_file", p->ca_line, wc->client_ca_file, &wc->client_ca_pem) != 0)
        return -1;
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0) {
        yaml_walk_fail(&p->w, p->tls_line, "out of memory");
        return -1;
    }
    int rc = -1;
    gnutls_datum_t cert = { (unsigned char *)wc->cert_pem, (unsigned)strlen(wc->cert_pem) };
    gnutls_datum_t key = { (unsigned char *)wc->key_pem, (unsigned)strlen(wc->key_pem) };
    int g = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
    if (g < 0) {
        yaml_walk_fail(&p->w, p->cert_line, "cert_file %s and key_file %s: %s", wc->cert_file,
                       wc->key_file, gnutls_strerror(g));
        goto out;
    }
    if (wc->client_ca_pem != NULL) {
        gnutls_datum_t ca = { (unsigned char *)wc->client_ca_pem,
                              (unsigned)strlen(wc->client_ca_pem) };
        g = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
        if (g <= 0) {
            yaml_walk_fail(&p->w, p->ca_line, "client_ca_file %s: %s", wc->client_ca_file,
                           g < 0 ? gnutls_strerror(g) : "holds no PEM certificate");
            goto out;
        }
    }
    rc = 0;
out:
    gnutls_certificate_free_credentials(cred);
    return rc;
}

static const char *const client_auth_names[] = { "NoClientCert",
                                                 "RequestClientCert",
                                                 "RequireAnyClientCert",
                                                 "VerifyClientCertIfGiven",
                                                 "RequireAndVerifyClientCert",
                                                 NULL };

const char *webconfig_client_auth_name(enum webconfig_client_auth a)
{
    return (unsigned)a <= WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT ? client_auth_names[a] : "?";
}

const char *webconfig_tls_version_name(enum webconfig_tls_version v)
{
    static const char *const names[] = { "", "TLS10", "TLS11", "TLS12", "TLS13" };
    return (unsigned)v <= WEBCONFIG_TLS13 ? names[v] : "?";
}

/* The checks that need the whole file: what goes together, what excludes what. */
static int finish(struct parser *p, int read_files, unsigned max_cost)
{
    struct webconfig *wc = p->wc;
    if (resolve_field(p, &wc->cert_file) != 0 || resolve_field(p, &wc->key_file) != 0 ||
        resolve_field(p, &wc->client_ca_file) != 0)
        return -1;
    const char *auth = p->client_auth_text ? p->client_auth_text : "";
    wc->tls = wc->cert_file || wc->key_file || wc->client_ca_file || auth[0] != '\0';
    if (wc->tls) {
        if (wc->cert_file == NULL) {
            yaml_walk_fail(&p->w, p->cert_line ? p->cert_line : p->tls_line,
                           "tls_server_config: missing cert_file");
            return -1;
        }
        if (wc->key_file == NULL) {
            yaml_walk_fail(&p->w, p->key_line ? p->key_line : p->tls_line,
                           "tls_server_config: missing key_file");
            return -1;
        }
        int a = auth[0] == '\0' ? 0 : yaml_walk_key_index(client_auth_names, auth);
        if (a < 0 && strcmp(auth, "RequireClientCert") == 0) /* the toolkit's old name */
            a = WEBCONFIG_REQUIRE_ANY_CLIENT_CERT;
        if (a < 0) {
            yaml_walk_fail(&p->w, p->auth_line,
                           "tls_server_config: invalid client_auth_type \"%s\" (want NoClientCert, "
                           "RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or "
                           "RequireAndVerifyClientCert)",
                           auth);
            return -1;
        }
        wc->client_auth = (enum webconfig_client_auth)a;
        if (wc->client_ca_file != NULL && wc->client_auth == WEBCONFIG_NO_CLIENT_CERT) {
            yaml_walk_fail(&p->w, p->ca_line,
                           "tls_server_config: client_ca_file is set but client_auth_type is "
                           "NoClientCert (set client_auth_type, e.g. RequireAndVerifyClientCert)");
            return -1;
        }
        if (wc->client_ca_file == NULL && wc->client_auth != WEBCONFIG_NO_CLIENT_CERT) {
            yaml_walk_fail(
                &p->w, p->auth_line,
                "tls_server_config: client_auth_type %s needs client_ca_file (dockward asks "
                "for and verifies client certificates against that CA only)",
                auth);
            return -1;
        }
        enum webconfig_tls_version lo = wc->min_version ? wc->min_version : WEBCONFIG_TLS12;
        enum webconfig_tls_version hi = wc->max_version ? wc->max_version : WEBCONFIG_TLS13;
        if (lo > hi) {
            yaml_walk_fail(&p->w, p->max_line ? p->max_line : p->min_line,
                           "tls_server_config: min_version %s is above max_version %s",
                           webconfig_tls_version_name(lo), webconfig_tls_version_name(hi));
            return -1;
        }
        if (read_files && load_tls_files(p) != 0)
            return -1;
    } else if (wc->min_version || wc->max_version) {
        /* The toolkit ignores these without a certificate; so do we, but say so. */
        yaml_walk_fail(&p->w, p->min_line ? p->min_line : p->max_line,
                       "tls_server_config: min_version/max_version without cert_file and key_file");
        return -1;
    }
    if (wc->n_users > 0) {
        static const char salt[DUMMY_SALT_BYTES + 1] = "dockward-dummy!!";
        if (crypt_gensalt_rn("$2b$", max_cost, salt, DUMMY_SALT_BYTES, wc->dummy_setting,
                             sizeof(wc->dummy_setting)) == NULL) {
            yaml_walk_fail(&p->w, 1, "cannot make a bcrypt setting of cost %u", max_cost);
            return -1;
        }
    }
    return 0;
}

struct webconfig *webconfig_parse(const char *text, size_t len, const char *path, int read_files,
                                  char *err, size_t errlen)
{
    struct parser p;
    memset(&p, 0, sizeof(p));
    p.w.path = path;
    p.w.err = err;
    p.w.errlen = errlen;
    if (len > WEBCONFIG_FILE_MAX) {
        yaml_walk_fail(&p.w, 1, "larger than %d bytes", WEBCONFIG_FILE_MAX);
        return NULL;
    }
    p.wc = calloc(1, sizeof(*p.wc));
    if (p.wc == NULL || (p.wc->path = strdup(path)) == NULL) {
        free(p.wc);
        yaml_walk_fail(&p.w, 1, "out of memory");
        return NULL;
    }
    if (yaml_walk_begin(&p.w, text, len, path, err, errlen) != 0) {
        webconfig_free(p.wc);
        return NULL;
    }
    unsigned max_cost = 4;
    int rc = parse_stream(&p, &max_cost);
    yaml_walk_end(&p.w);
    if (rc == 0)
        rc = finish(&p, read_files, max_cost);
    free(p.client_auth_text);
    if (rc != 0) {
        webconfig_free(p.wc);
        return NULL;
    }
    return p.wc;
}

struct webconfig *webconfig_load(const char *path, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    if (safefile_read(path, "web config file", 1, WEBCONFIG_FILE_MAX, &text, &len, err, errlen) !=
        0)
        return NULL;
    struct webconfig *wc = webconfig_parse(text, len, path, 1, err, errlen);
    free(text);
    return wc;
}

static void free_secret(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

void webconfig_free(struct webconfig *wc)
{
    if (wc == NULL)
        return;
    free(wc->path);
    free(wc->cert_file);
    free(wc->key_file);
    free(wc->client_ca_file);
    free(wc->cert_pem);
    free_secret(wc->key_pem);
    free(wc->client_ca_pem);
    for (size_t i = 0; i < wc->n_headers; i++) {
        free(wc->headers[i].name);
        free(wc->headers[i].value);
    }
    for (size_t i = 0; i < wc->n_users; i++) {
        free(wc->users[i].name);
        free(wc->users[i].hash);
    }
    free(wc->users);
    free(wc);
}

/* Equal strings, in time that depends on the lengths only. */
static bool equal_ct(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t n = la > lb ? la : lb;
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < n; i++) {
        unsigned char ca = i < la ? (unsigned char)a[i] : 0;
        unsigned char cb = i < lb ? (unsigned char)b[i] : 0;
        diff |= ca ^ cb;
    }
    return diff == 0;
}

int webconfig_check_password(const struct webconfig *wc, const char *user, const char *password)
{
    if (wc == NULL || wc->n_users == 0 || user == NULL || password == NULL)
        return 0;
    const char *hash = NULL;
    for (size_t i = 0; i < wc->n_users; i++) { /* no early exit: the same walk for everyone */
        if (strcmp(wc->users[i].name, user) == 0)
            hash = wc->users[i].hash;
    }
    const char *setting = hash != NULL ? hash : wc->dummy_setting;
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    if (cd == NULL)
        return 0;
    const char *out = crypt_r(password, setting, cd);
    int ok = out != NULL && out[0] != '*' && hash != NULL && equal_ct(out, hash);
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    return ok;
}
