#!/usr/bin/env bash
# catalog_docs.sh - docs/catalog.md's table is exactly the one catalog_gen
# renders from collectors/catalog.txt (ctest catalog_docs; CATALOG_GEN and
# CATALOG_COLLECTORS come from CMake). Fails naming the first row that
# differs, with its line in both files. (e2e_agent checks the other way
# round: every check the running agent exports has a row in the docs.)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CATALOG_GEN:?path of the catalog_gen program}" "${CATALOG_COLLECTORS:?comma-separated collector names}"
want=$(mktemp)
trap 'rm -f "$want"' EXIT
"$CATALOG_GEN" --collectors="$CATALOG_COLLECTORS" --markdown collectors/catalog.txt >"$want"

# The docs' table runs from its header row to the first line that is not a row.
# Prints the first difference as LINE, kind, docs row, wanted row, separated
# by \037 (LINE of docs/catalog.md).
diff=$(awk -v want="$want" '
    BEGIN { while ((getline row < want) > 0) w[++nw] = row }
    !start && /^\| id \| title \|/ { start = NR }
    start && !done {
        if ($0 !~ /^\|/) { done = 1; next }
        n++; last = NR
        if (n > nw) { printf "%d\037extra\037%s\n", NR, $0; found = 1; exit }
        if ($0 != w[n]) { printf "%d\037differs\037%s\037%s\n", NR, $0, w[n]; found = 1; exit }
    }
    END {
        if (found) exit
        if (!start) { print "0\037notable"; exit }
        if (n < nw) printf "%d\037missing\037\037%s\n", last + 1, w[n + 1]
    }' docs/catalog.md)

if [ -z "$diff" ]; then
    echo "catalog_docs: docs/catalog.md's table is collectors/catalog.txt's ($(($(wc -l <"$want") - 2)) rows)"
    exit 0
fi
IFS=$'\037' read -r line kind have wanted <<<"$diff"
# Where a row of the rendered table comes from: its catalog.txt line, found by id.
origin() {
    local id=${1#| } n
    id=${id%% |*}
    n=$(awk -F' *[|] *' -v id="$id" '$1 == id { print NR; exit }' collectors/catalog.txt)
    if [ -n "$n" ]; then echo "collectors/catalog.txt:$n"; else echo "the table's header"; fi
}
case $kind in
notable) echo "docs/catalog.md: no table starting with \"| id | title |\"" ;;
extra) echo "docs/catalog.md:$line: a row catalog.txt does not have: $have" ;;
missing)
    echo "docs/catalog.md:$line: the table ends without the row of $(origin "$wanted"): $wanted"
    ;;
differs)
    echo "docs/catalog.md:$line: the row differs from collectors/catalog.txt's"
    echo "  docs/catalog.md:$line: $have"
    echo "  $(origin "$wanted"): $wanted"
    ;;
esac
echo "catalog_docs: render the table with: $CATALOG_GEN --collectors=$CATALOG_COLLECTORS --markdown collectors/catalog.txt"
exit 1
