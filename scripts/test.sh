#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs every test: the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (leaks checked), the concurrency suite under ThreadSanitizer, a bounded fuzzing run, then the
# regular build (warnings are errors). The last line printed is ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export QT_QPA_PLATFORM=offscreen

# The tree is formatted with the repository's .clang-format (Debian's clang-format 14).
scripts/check-format.sh || { echo "formatting check failed: run scripts/check-format.sh --fix"; exit 1; }

if [ "${TIERCACHE_SKIP_ASAN:-0}" != 1 ]; then
    cmake --preset asan >/dev/null
    cmake --build --preset asan
    ctest --preset asan -j2 --timeout 900 || { echo "sanitizer run failed"; exit 1; }
fi

if [ "${TIERCACHE_SKIP_TSAN:-0}" != 1 ]; then
    cmake --preset tsan >/dev/null
    cmake --build --preset tsan
    ctest --preset tsan --timeout 300 || { echo "thread sanitizer run failed"; exit 1; }
fi

if [ "${TIERCACHE_SKIP_FUZZ:-0}" != 1 ]; then
    # Regression inputs first, then every libFuzzer target for a bounded time (clang build).
    # Under CI the fuzzers start from a fixed seed, so a finding there can be replayed exactly;
    # longer exploratory runs (tests/fuzz/run.sh with FUZZ_SECONDS) use a fresh seed each time.
    [ "${CI:-}" = true ] && export FUZZ_SEED="${FUZZ_SEED:-1}"
    FUZZ_SECONDS="${FUZZ_SECONDS:-20}" FUZZ_JOBS=2 tests/fuzz/run.sh || { echo "fuzzing failed"; exit 1; }
fi

cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev -j2 --timeout 900
