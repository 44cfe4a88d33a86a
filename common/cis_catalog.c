/*
 * cis_catalog.c - see cis_catalog.h. The ids are generated from the section
 * sizes of CIS Docker Benchmark v1.6.0, so the list cannot drift from them:
 * 1.1.1-1.1.18, 1.2.1-1.2.2, 2.1-2.18, 3.1-3.24, 4.1-4.12, 5.1-5.32,
 * 6.1-6.2, 7.1-7.9.
 */
#include "cis_catalog.h"

#include <string.h>

/* Parses a whole number of 1 to 2 digits (no leading zero) at *s; 0 when there is none. */
static unsigned number(const char **s)
{
    const char *p = *s;
    if (*p < '1' || *p > '9')
        return 0;
    unsigned v = (unsigned)(*p++ - '0');
    if (*p >= '0' && *p <= '9')
        v = v * 10 + (unsigned)(*p++ - '0');
    *s = p;
    return v;
}

bool cis_catalog_has(const char *id)
{
    /* Recommendations per section 2..7, and sub-section sizes of section 1. */
    static const unsigned section_size[8] = { 0, 0, 18, 24, 12, 32, 2, 9 };
    static const unsigned section1_size[3] = { 0, 18, 2 };
    const char *p = id;
    unsigned a = number(&p);
    if (a < 1 || a > 7 || *p++ != '.')
        return false;
    unsigned b = number(&p);
    if (a == 1) {
        if (b < 1 || b > 2 || *p++ != '.')
            return false;
        unsigned c = number(&p);
        return *p == '\0' && c >= 1 && c <= section1_size[b];
    }
    return *p == '\0' && b >= 1 && b <= section_size[a];
}

bool cis_catalog_is_dockward(const char *id)
{
    static const char prefix[] = "dockward.";
    if (strncmp(id, prefix, sizeof(prefix) - 1) != 0)
        return false;
    const char *name = id + sizeof(prefix) - 1;
    size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_");
    return n >= 1 && n <= 48 && name[n] == '\0';
}
