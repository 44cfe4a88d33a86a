#!/usr/bin/env bash
# file_loops.sh - fails when the files of one library call each other in a
# loop (issue 16: "no loop of files in daemon/ or store/"; common/ too). For each static
# library given, nm lists what every member defines and what it uses; a
# member that uses a symbol another member defines depends on that file,
# and tsort (coreutils) finds any loop in those edges. A loop is printed as
# the files in it. Prints the edge count of each library; exits 1 on a loop.
#
#   bash tests/file_loops.sh build/libdockward_agent.a build/libdockward_store.a
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: file_loops.sh LIBRARY.a..." >&2; exit 2; }
status=0
for lib in "$@"; do
    [ -f "$lib" ] || { echo "file_loops: no such library: $lib" >&2; exit 2; }
    # "member symbol kind": T/D/B/R/C (and weak V/W) define, U uses.
    syms=$(nm -A --defined-only "$lib" 2>/dev/null |
        awk '$2 ~ /^[TDBRCVWG]$/ { split($1, p, ":"); print p[2], $3 }' | sort -u | sort -k2,2)
    uses=$(nm -A --undefined-only "$lib" 2>/dev/null |
        awk '{ split($1, p, ":"); print p[2], $NF }' | sort -u | sort -k2,2)
    edges=$(join -1 2 -2 2 <(echo "$uses") <(echo "$syms") |
        awk '$2 != $3 { print $2, $3 }' | sort -u)
    n=$(printf '%s\n' "$edges" | grep -c . || true)
    if loops=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null) && [ -z "$loops" ]; then
        echo "file_loops: $(basename "$lib"): $n edges between files, no loop"
    else
        echo "file_loops: $(basename "$lib"): files that call each other in a loop:"
        printf '%s\n' "$loops" | sed -n 's/^tsort: \(.*\.o\)$/  \1/p'
        status=1
    fi
done
exit $status
