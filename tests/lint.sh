#!/usr/bin/env bash
# lint.sh - fails on C not formatted with the committed .clang-format, on
# banned functions (STYLE.md rule 9) and on shellcheck warnings in the shell
# scripts (tests, benches, packaging, .ci/run; sourced files followed).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build')
status=0
bad=()
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
    echo "lint: not formatted with .clang-format (run clang-format -i): ${bad[*]}"
    status=1
fi
if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strncat|strtok|gets|atoi|atol|atof)[[:space:]]*\(' \
    "${files[@]}" /dev/null | grep -vE ':[[:space:]]*(//|\*)'; then
    echo "lint: banned functions above (use snprintf, memcpy with a checked length, strtol...)"
    status=1
fi
mapfile -t scripts < <(git ls-files -co --exclude-standard -- '*.sh' .ci/run | grep -v '^build')
if ! (cd . && shellcheck -x -S warning "${scripts[@]}"); then
    echo "lint: shellcheck warnings above"
    status=1
fi
[ $status -eq 0 ] && echo "lint: ${#files[@]} files formatted, no banned functions; ${#scripts[@]} shell scripts pass shellcheck"
exit $status
