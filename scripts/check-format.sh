#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that every C++ file of the project is formatted with .clang-format (clang-format 14,
# Debian's); with --fix, formats them in place. Third-party and generated files are not ours.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
    mapfile -t files < <(find src app plugins tests -name '*.cpp' -o -name '*.h')
fi
if [ "${1:-}" = "--fix" ]; then
    clang-format -i "${files[@]}"
    exit 0
fi
clang-format --dry-run -Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted"
