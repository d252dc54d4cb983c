#!/usr/bin/env bash
# Builds the project without LibTorch, GUI and audio, with AddressSanitizer and UBSan, and
# runs every test labelled "unit" there. Exit status 77 (skipped) when they all passed but some
# were skipped there, listed on the last lines: the CTest running this job would otherwise
# report them as passed. Usage: run_sanitized_unit_tests.sh SOURCE_DIR BUILD_DIR SHARED_DATA_DIR
set -euo pipefail
src=$1 build=$2 shared=$3

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONTINUO_SANITIZE=ON \
    -DCONTINUO_WITH_TORCH=OFF -DCONTINUO_WITH_GUI=OFF -DCONTINUO_WITH_AUDIO=OFF \
    -DCONTINUO_BENCHMARKS=OFF -DCONTINUO_SHARED_DATA="$shared" > "$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log=$build.ctest.log
status=0
ctest --test-dir "$build" -L unit --output-on-failure -j2 --timeout 600 --no-tests=error 2>&1 | tee "$log" ||
    status=$?
[ "$status" = 0 ] || exit "$status"
skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$log")
if [ -n "$skipped" ]; then
    # One "skipped:" line each, the form continuo.sh shows (the reasons are in the tests' output
    # in $build/Testing/Temporary/LastTest.log).
    printf 'skipped: %s, under the sanitizers\n' $skipped
    exit 77
fi
