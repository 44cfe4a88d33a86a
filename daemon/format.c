/*
 * format.c - what the check reports share (see format.h): the --fail-on
 * rule, section titles, JSON and XML escaping, fingerprints and times.
 *
 * Results reach the writers as valid UTF-8 already (the sink sanitises
 * them), but the escapers check again as they go: they are the last thing
 * between a hostile container name and a CI system's parser, and a second
 * look costs nothing next to the write.
 */
#include "format.h"

#include "../common/hash.h"
#include "../common/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char replacement_char[] = "\xEF\xBF\xBD"; /* U+FFFD */

bool format_status_fails(const struct agent_config *cfg, enum check_status s)
{
    if (s == CHECK_FAIL)
        return true;
    return s == CHECK_WARN && cfg->fail_on != NULL && strcmp(cfg->fail_on, "warn") == 0;
}

int format_status_kind(const struct agent_config *cfg, enum check_status s,
                       const int kinds[FORMAT_STATUSES], int failing, int other)
{
    if (format_status_fails(cfg, s))
        return failing;
    if ((unsigned)s >= FORMAT_STATUSES)
        return other;
    return kinds[s];
}

const char *format_section_title(const char *section)
{
    static const char *const titles[] = {
        "",
        "Host configuration",
        "Docker daemon configuration",
        "Docker daemon configuration files",
        "Container images and build files",
        "Container runtime",
        "Docker security operations",
        "Docker swarm configuration",
    };
    char *end;
    long n = strtol(section, &end, 10);
    if (*end != '\0' || n < 1 || n > 7)
        return "Other checks";
    return titles[n];
}

/*
 * What to write instead of the character at p (n bytes; `ill` when they are
 * ill-formed UTF-8), or NULL to write it as it is; `tmp` is room for a
 * replacement built on the spot.
 */
typedef const char *escape_fn(const unsigned char *p, size_t n, bool ill, char tmp[8]);

/*
 * Writes `text`, each character as `escape` says. Inlined into each caller,
 * so the escape function is too: this runs for every byte of every report.
 */
static inline __attribute__((always_inline)) void write_escaped(FILE *out, const char *text,
                                                                escape_fn *escape)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t len = strlen(text), run = 0, i = 0;
    while (i < len) {
        size_t bad = 1;
        size_t n = p[i] < 0x80 ? 1 : utf8_char_length(p + i, len - i, &bad);
        bool ill = n == 0;
        if (ill)
            n = bad; /* the bytes one U+FFFD replaces */
        char tmp[8];
        const char *rep = escape(p + i, n, ill, tmp);
        if (rep != NULL) {
            fwrite(p + run, 1, i - run, out);
            fputs(rep, out);
            run = i + n;
        }
        i += n;
    }
    fwrite(p + run, 1, len - run, out);
}

static const char *json_escape(const unsigned char *p, size_t n, bool ill, char tmp[8])
{
    if (ill)
        return replacement_char;
    if (n > 1 || (p[0] >= 0x20 && p[0] != '"' && p[0] != '\\'))
        return NULL;
    if (p[0] == '"')
        return "\\\"";
    if (p[0] == '\\')
        return "\\\\";
    if (p[0] == '\n')
        return "\\n";
    if (p[0] == '\t')
        return "\\t";
    snprintf(tmp, 8, "\\u%04x", p[0]);
    return tmp;
}

void format_json_chars(FILE *out, const char *text)
{
    write_escaped(out, text, json_escape);
}

void format_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    format_json_chars(out, text);
    fputc('"', out);
}

/* XML 1.0 has entities for markup, references for white space, and no control characters. */
static const char *xml_escape(const unsigned char *p, size_t n, bool ill, char tmp[8])
{
    (void)tmp;
    if (ill)
        return replacement_char;
    if (n == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
        return replacement_char; /* U+FFFE, U+FFFF: not XML characters */
    if (n > 1)
        return NULL;
    switch (p[0]) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&apos;";
    case '\t':
        return "&#9;";
    case '\n':
        return "&#10;";
    case '\r':
        return "&#13;";
    default:
        return p[0] < 0x20 ? replacement_char : NULL;
    }
}

void format_xml_text(FILE *out, const char *text)
{
    write_escaped(out, text, xml_escape);
}

/* FNV-1a (64-bit) of `s` and its terminating NUL, continuing from `h`. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    return fnv1a64(h, s, strlen(s) + 1);
}

void format_fingerprint(const char *check_id, const char *target, char *out)
{
    /* Two offset bases: the standard one, and its halves swapped. */
    uint64_t a = fnv1a(fnv1a(FNV1A64_BASIS, check_id), target);
    uint64_t b = fnv1a(fnv1a(0x84222325cbf29ce4ULL, check_id), target);
    snprintf(out, FORMAT_FINGERPRINT_LEN, "%016llx%016llx", (unsigned long long)a,
             (unsigned long long)b);
}

void format_iso_time(double t, char *out, size_t outlen)
{
    time_t secs = (time_t)t;
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, outlen, "1970-01-01T00:00:00Z");
}
