#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Builds the fuzz targets with clang (standalone project tests/fuzz -> build/fuzz), runs the
# regression runners over the seed corpora and regression cases, then fuzzes every target in
# turn from a scratch copy of its seed corpus (the repository's corpus is never written).
#
#   tests/fuzz/run.sh                      # every target, 30 s each
#   FUZZ_SECONDS=60 tests/fuzz/run.sh metadata tierspec
#
# Environment: FUZZ_SECONDS (default 30), FUZZ_BUILD_DIR (default build/fuzz),
# FUZZ_JOBS (build parallelism, default: nproc), FUZZ_KNOWN_BUGS (comma-separated ids of
# reported, unfixed properties to skip so that fuzzing can go past them; see fuzz_common.h),
# FUZZ_SEED (libFuzzer's -seed; CI sets one so that a run can be repeated exactly),
# FUZZ_SKIP_REGRESSION_SEEDS=1 (leave the corpus files named regression-* out of the fuzzers'
# starting corpus, so that a known, unfixed crash does not stop a target at once; the
# regression runners still run them).
# Exit status: 0 clean, 1 a regression case failed or a fuzzer found something (its input is
# copied to tests/fuzz/crashes/), 2 the build failed.
set -u

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$fuzz_dir/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build/fuzz}
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-$(nproc)}
all_targets=(metadata blobheader httpheaders tierspec pluginmeta cachekey sqliterecord redisrecord bodydecoder)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

generator=()
command -v ninja > /dev/null && generator=(-G Ninja)

echo "== configure + build ($build, clang)"
build_start=$(date +%s)
mkdir -p "$build/logs"
if ! CC=clang CXX=clang++ cmake -S "$fuzz_dir" -B "$build" "${generator[@]}" > "$build/logs/configure.log" 2>&1; then
    cat "$build/logs/configure.log" >&2
    echo "configure failed" >&2
    exit 2
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t" "regress_$t"); done
if ! nice cmake --build "$build" --parallel "$jobs" --target "${build_targets[@]}"; then
    echo "build failed" >&2
    exit 2
fi
build_seconds=$(( $(date +%s) - build_start ))
echo "build: ${build_seconds}s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
declare -A regression_result execs coverage found

echo "== regression runners (seed corpora + regression cases)"
for t in "${targets[@]}"; do
    dirs=("$fuzz_dir/corpus/$t")
    [ -d "$fuzz_dir/regressions/$t" ] && dirs+=("$fuzz_dir/regressions/$t")
    log="$build/logs/regress_$t.log"
    if nice "$build/regress_$t" "${dirs[@]}" > "$log" 2>&1; then
        regression_result[$t]=pass
    else
        regression_result[$t]="FAIL on $(grep '^running' "$log" | tail -1 | sed 's/^running //; s/ (.*//')"
        status=1
        echo "-- regress_$t failed; the end of $log:"
        grep -v '^running' "$log" | tail -20
    fi
    echo "regress_$t: ${regression_result[$t]}"
done

echo "== fuzzing, ${seconds}s per target"
mkdir -p "$fuzz_dir/crashes"
for t in "${targets[@]}"; do
    work="$build/corpus-work/$t"
    artifacts="$build/artifacts/$t"
    log="$build/logs/fuzz_$t.log"
    rm -rf "$work" "$artifacts"
    mkdir -p "$work" "$artifacts"
    cp "$fuzz_dir/corpus/$t"/* "$work"/ 2> /dev/null
    [ "${FUZZ_SKIP_REGRESSION_SEEDS:-0}" = 1 ] && rm -f "$work"/regression-*
    echo "-- fuzz_$t"
    nice "$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" > "$log" 2>&1
    rc=$?
    execs[$t]=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    coverage[$t]=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    found[$t]=none
    shopt -s nullglob
    artifacts_found=("$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*)
    shopt -u nullglob
    if [ $rc -ne 0 ] || [ ${#artifacts_found[@]} -gt 0 ]; then
        status=1
        found[$t]="exit $rc"
        for a in "${artifacts_found[@]}"; do
            cp "$a" "$fuzz_dir/crashes/${t}-$(basename "$a")"
            found[$t]+=", crashes/${t}-$(basename "$a")"
        done
        echo "fuzz_$t found something (exit $rc); the end of $log:"
        grep -v '^#\|^INFO\|^\s*$' "$log" | tail -40
    fi
    echo "fuzz_$t: ${execs[$t]:-?} executions, coverage ${coverage[$t]:-?}, findings: ${found[$t]}"
done

echo
echo "== summary (build ${build_seconds}s, ${seconds}s per target)"
printf '%-12s %-10s %12s %8s  %s\n' target regression executions cov findings
for t in "${targets[@]}"; do
    printf '%-12s %-10s %12s %8s  %s\n' "$t" "${regression_result[$t]%% *}" "${execs[$t]:-?}" "${coverage[$t]:-?}" "${found[$t]}"
done
exit $status
