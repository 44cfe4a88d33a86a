/*
 * curlopt.c - the libcurl options every dockward HTTP client sets (curlopt.h).
 */
#include "curlopt.h"

#include <stdbool.h>
#include <stdio.h>

#define SETOPT(opt, val)                                              \
    do {                                                              \
        if (curl_easy_setopt(h, opt, val) != CURLE_OK) {              \
            snprintf(err, errlen, "libcurl refused option %s", #opt); \
            return -1;                                                \
        }                                                             \
    } while (0)

int curlopt_common(CURL *h, char *err, size_t errlen)
{
    SETOPT(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0: the string form; the bitmask is deprecated */
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SETOPT(CURLOPT_PROXY, ""); /* nothing dockward sends goes through a proxy */
    SETOPT(CURLOPT_NOPROXY, "*");
    SETOPT(CURLOPT_USERAGENT, "dockward/" DOCKWARD_VERSION);
    return 0;
}

static bool given(const char *s)
{
    return s != NULL && s[0] != '\0';
}

int curlopt_tls(CURL *h, const char *ca, const char *cert, const char *key, char *err,
                size_t errlen)
{
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (given(ca)) {
        SETOPT(CURLOPT_CAINFO, ca);
        SETOPT(CURLOPT_CAPATH, (char *)NULL);
    }
    if (given(cert))
        SETOPT(CURLOPT_SSLCERT, cert);
    if (given(key))
        SETOPT(CURLOPT_SSLKEY, key);
    return 0;
}
