/*
 * format.h - the reports `dockward check` writes for tools: JUnit XML
 * (format_junit.c) for CI test views, SARIF 2.1.0 (format_sarif.c) for
 * code-scanning UIs, and what they share (format.c): which statuses fail
 * under --fail-on, the CIS section titles, escaping for JSON and XML that
 * stays valid whatever bytes a container name or evidence holds, and the
 * fingerprint that lets a UI track one finding across runs.
 *
 * The writers stream: one result at a time straight to the FILE, so a host
 * with thousands of results never holds the document in memory. They read
 * the collection and never change it.
 */
#ifndef DOCKWARD_FORMAT_H
#define DOCKWARD_FORMAT_H

#include "collection.h"

#include <stdbool.h>
#include <stdio.h>

/* What one report is written from; every pointer is borrowed. */
struct format_report {
    const struct agent_config *cfg; /* --fail-on, --check.* (the rules listed) */
    const struct collection *col;   /* the runs: catalogs, durations, collector failures */
    /* Every result of the collection, sorted by section, check id, then target. */
    const struct result *const *results;
    size_t n_results;
    int exit_code;        /* what `dockward check` exits with (0, 1 or 3) */
    const char *hostname; /* the machine that ran the check; "" when unknown */
};

/* Room for format_fingerprint's text: 32 hex digits and the NUL. */
#define FORMAT_FINGERPRINT_LEN 33

/* Whether a result with status `s` makes the check fail (exit code 1) under --fail-on. */
bool format_status_fails(const struct agent_config *cfg, enum check_status s);

/* The number of statuses, CHECK_PASS..CHECK_WAIVED: the length of a format's kinds table. */
#define FORMAT_STATUSES (CHECK_WAIVED + 1)

/*
 * How a result of status s shows in an output format: `failing` when it fails
 * under --fail-on (format_status_fails), else kinds[s]; `other` for a value
 * that is no status.
 */
int format_status_kind(const struct agent_config *cfg, enum check_status s,
                       const int kinds[FORMAT_STATUSES], int failing, int other);

/* The title of CIS section "1".."7" ("Container runtime"); "Other checks" for anything else. */
const char *format_section_title(const char *section);

/*
 * Writes `text` as a JSON string, quoted: '"', '\\' and control characters
 * escaped, ill-formed UTF-8 replaced by U+FFFD, so the output is valid JSON
 * whatever the bytes.
 */
void format_json_string(FILE *out, const char *text);

/* The same without the quotes, to write one JSON string in parts. */
void format_json_chars(FILE *out, const char *text);

/*
 * Writes `text` escaped for XML 1.0 character data and double-quoted
 * attribute values alike: & < > " ' as entities (so "]]>" never appears),
 * tab, newline and carriage return as character references (attribute
 * normalisation keeps them), and what XML 1.0 cannot hold at all - the other
 * C0 controls, U+FFFE, U+FFFF, ill-formed UTF-8 - as U+FFFD.
 */
void format_xml_text(FILE *out, const char *text);

/*
 * The stable identity of a finding: 128 bits of two FNV-1a hashes over the
 * check id and the target (nothing else: evidence, order and time change
 * between runs, the finding does not), as 32 lower-case hex digits in `out`
 * (FORMAT_FINGERPRINT_LEN bytes).
 */
void format_fingerprint(const char *check_id, const char *target, char *out);

/* The time `t` (seconds since the epoch) as "2026-03-31T12:00:00Z" in `out` (>= 32 bytes). */
void format_iso_time(double t, char *out, size_t outlen);

/*
 * Writes the JUnit XML report: one <testsuite> per CIS section, one
 * <testcase> per (check, target) - fail as <failure>, error as <error>, skip
 * (and waived) as <skipped> with the reason, warn as <failure> under
 * --fail-on=warn and <skipped> otherwise - and a last suite with one
 * testcase per collector, <error> when it could not run. Returns 0, or -1
 * when writing failed.
 */
int format_junit_write(FILE *out, const struct format_report *rep);

/*
 * Writes the SARIF 2.1.0 log: one rule per selected check of the
 * collectors that ran (title, remediation, CIS level and section), one
 * result per failing (check, target) with a partialFingerprints entry,
 * waived results kept with an external suppression, and the collectors that
 * could not run and the results that could not be judged as tool execution
 * notifications. Returns 0, or -1 when writing failed.
 */
int format_sarif_write(FILE *out, const struct format_report *rep);

#endif
