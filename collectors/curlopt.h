/*
 * curlopt.h - the libcurl options every dockward HTTP client sets.
 *
 * Both the Docker API client (collectors/docker_client.c) and the store push
 * (daemon/push.c) talk plain HTTP/1.1 (or HTTPS) to one peer they were told
 * about: no signals, no other protocols, no redirects, no proxy from the
 * environment, and dockward's User-Agent; and the same TLS settings. The
 * options are set here once.
 */
#ifndef DOCKWARD_CURLOPT_H
#define DOCKWARD_CURLOPT_H

#include <curl/curl.h>
#include <stddef.h>

/* Sets the common options on h. Returns 0, or -1 with "libcurl refused option
 * CURLOPT_..." in err. */
int curlopt_common(CURL *h, char *err, size_t errlen);

/*
 * TLS toward that one peer: its certificate and host name verified, against
 * `ca` alone when one is given (not the system's CAs as well), and `cert`
 * and `key` presented when given; NULL or "" is not given. Returns 0, or -1
 * with "libcurl refused option CURLOPT_..." in err.
 */
int curlopt_tls(CURL *h, const char *ca, const char *cert, const char *key, char *err,
                size_t errlen);

#endif
