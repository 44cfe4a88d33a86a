/*
 * cis_catalog.h - the ids of the CIS Docker Benchmark v1.6.0 recommendations
 * (1.1.1 ... 7.9), as data both programs may use: the store keeps per-check
 * fleet series only for these and a bounded set of dockward's own
 * ("dockward.*"), so a report full of invented ids cannot crowd real checks
 * out of the fleet metrics. dockward's catalog (collectors/catalog.txt)
 * names each of its checks by one of these ids or a dockward.* one, and
 * catalog_gen refuses any other; this list is the benchmark's, not
 * dockward's catalog.
 */
#ifndef DOCKWARD_CIS_CATALOG_H
#define DOCKWARD_CIS_CATALOG_H

#include <stdbool.h>

/* The number of recommendations in CIS Docker Benchmark v1.6.0. */
#define CIS_CATALOG_IDS 117

/* true when `id` is a recommendation id of CIS Docker Benchmark v1.6.0 ("5.5"). */
bool cis_catalog_has(const char *id);

/*
 * true when `id` has the shape of one of dockward's own checks:
 * "dockward." followed by 1 to 48 of [a-z0-9_].
 */
bool cis_catalog_is_dockward(const char *id);

#endif
