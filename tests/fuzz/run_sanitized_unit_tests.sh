#!/usr/bin/env bash
# Builds the project without LibTorch, GUI and audio, with AddressSanitizer and UBSan, and
# runs every test labelled "unit" there. Usage: run_sanitized_unit_tests.sh SOURCE_DIR BUILD_DIR SHARED_DATA_DIR
set -euo pipefail
src=$1 build=$2 shared=$3

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONTINUO_SANITIZE=ON \
    -DCONTINUO_WITH_TORCH=OFF -DCONTINUO_WITH_GUI=OFF -DCONTINUO_WITH_AUDIO=OFF \
    -DCONTINUO_BENCHMARKS=OFF -DCONTINUO_SHARED_DATA="$shared" > "$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" -L unit --output-on-failure -j2 --timeout 600 --no-tests=error
