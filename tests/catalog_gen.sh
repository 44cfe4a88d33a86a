#!/usr/bin/env bash
# catalog_gen.sh - catalog_gen (collectors/catalog_gen.c), the build-time tool
# that makes the collectors' check tables and docs/catalog.md's table from
# collectors/catalog.txt (ctest catalog_gen; CATALOG_GEN and CATALOG_CC come
# from CMake):
#  1. every catalog of tests/cases/catalog-refused.txt is refused with exit
#     status 1, its error names the file, the line and the message, and no
#     include file is written;
#  2. a catalog whose texts hold quotes, backslashes, "??" (a trigraph under
#     -std=c11) and UTF-8 gives include files that compile and hold those
#     texts byte for byte, in the file's order; a planned check is in the
#     docs table and in no include file.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CATALOG_GEN:?path of the catalog_gen program}" "${CATALOG_CC:?C compiler}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
cases=0

# --- 1. refusals --------------------------------------------------------------
cases_file=tests/cases/catalog-refused.txt
refused() { # refused LINE MESSAGE CASE_LINE: runs catalog_gen on $work/in.txt
    local want_line=$1 what=$2 where=$3 err rc=0
    cases=$((cases + 1))
    rm -rf "$work/inc" && mkdir "$work/inc"
    "$CATALOG_GEN" --collectors=host,image_age --inc="$work/inc" "$work/in.txt" \
        >/dev/null 2>"$work/err" || rc=$?
    err=$(head -1 "$work/err")
    local prefix="$work/in.txt:$want_line: "
    [ "$want_line" = 0 ] && prefix="$work/in.txt: "
    if [ "$rc" != 1 ]; then
        echo "$cases_file:$where: exit status $rc, not 1 ($err)"
    elif [[ "$err" != "$prefix"* ]] || [[ "$err" != *"$what"* ]]; then
        echo "$cases_file:$where: error \"$err\", want \"$prefix...$what...\""
    elif [ -n "$(ls -A "$work/inc")" ]; then
        echo "$cases_file:$where: refused, but wrote $(ls "$work/inc")"
    else
        return 0
    fi
    fails=$((fails + 1))
}
n=0 line='' what='' where=''
: >"$work/in.txt"
while IFS= read -r l || [ -n "$l" ]; do
    n=$((n + 1))
    if [[ "$l" =~ ^===\ ([0-9]+):\ (.*)$ ]]; then
        [ -n "$where" ] && refused "$line" "$what" "$where"
        line=${BASH_REMATCH[1]} what=${BASH_REMATCH[2]} where=$n
        : >"$work/in.txt"
    elif [ "$l" = "|" ]; then
        echo >>"$work/in.txt"
    elif [[ "$l" == "| "* ]]; then
        printf '%s\n' "${l#| }" >>"$work/in.txt"
    elif [ -n "$l" ] && [[ "$l" != "#"* ]]; then
        echo "$cases_file:$n: not a case line: $l"
        exit 1
    fi
done <"$cases_file"
[ -n "$where" ] && refused "$line" "$what" "$where"
[ "$cases" -gt 0 ] || { echo "$cases_file: no case"; exit 1; }

# --- 2. texts written byte for byte ---------------------------------------------
cat >"$work/ok.txt" <<'CATALOG'
# A comment; the blank line below is passed over.

4.2 | 4 | 1 | M | M | image_age | implemented | Quotes "q", a backslash \ and ??= ??/ | C:\dir\ "x" ??' ???! — end.
4.3 | 4 | 2 | A | M | image_age | planned (needs issue 3) | Not judged yet | Nothing.
  1.1.1 | 1 | 2 | A | A | host | implemented |   Blanks around are cut   | Tab-free.
dockward.x_1 | 5 | 1 | A | — | host | implemented | Ours | \n is two bytes.
CATALOG
cat >"$work/want.txt" <<'WANT'
host 1.1.1|1|2|1|Blanks around are cut|Tab-free.
host dockward.x_1|5|1|1|Ours|\n is two bytes.
image_age 4.2|4|1|0|Quotes "q", a backslash \ and ??= ??/|C:\dir\ "x" ??' ???! — end.
WANT
cat >"$work/print.c" <<'C'
#include "collectors/collector.h"
#include <stdio.h>
static const struct check_def host[] = {
#include "host.inc"
};
static const struct check_def image_age[] = {
#include "image_age.inc"
};
static void print(const char *name, const struct check_def *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s %s|%s|%d|%d|%s|%s\n", name, d[i].id, d[i].section, d[i].level,
               d[i].automated, d[i].title, d[i].remediation);
}
int main(void)
{
    print("host", host, ARRAY_LEN(host));
    print("image_age", image_age, ARRAY_LEN(image_age));
    return 0;
}
C
rm -rf "$work/inc" && mkdir "$work/inc"
cases=$((cases + 1))
if ! "$CATALOG_GEN" --collectors=host,image_age --inc="$work/inc" "$work/ok.txt"; then
    echo "catalog_gen refused a good catalog"
    fails=$((fails + 1))
elif ! "$CATALOG_CC" -std=c11 -Wall -Wextra -Wtrigraphs -Werror -I. -I"$work/inc" \
    -o "$work/print" "$work/print.c"; then
    echo "the include files of a good catalog do not compile"
    fails=$((fails + 1))
elif ! "$work/print" | diff -u "$work/want.txt" -; then
    echo "the include files do not hold the catalog's texts byte for byte (diff above)"
    fails=$((fails + 1))
fi
cases=$((cases + 1))
"$CATALOG_GEN" --collectors=host,image_age --markdown "$work/ok.txt" >"$work/md"
if ! grep -qxF '| 4.3 | Not judged yet | image_age | A | M | 2 | planned (needs issue 3) |' "$work/md" ||
    grep -q 'Not judged yet' "$work/inc"/*.inc; then
    echo "a planned check is not in the docs table only"
    fails=$((fails + 1))
fi

echo "catalog_gen: $cases cases, $fails failed"
[ "$fails" -eq 0 ]
