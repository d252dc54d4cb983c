#!/usr/bin/env bash
# Builds Continuo's own code with AddressSanitizer and UBSan against the (uninstrumented) Debian
# LibTorch, with audio and without the GUI, and runs the tests of inference, the generator and
# Fill Gap's infill, recall, steering, the motif guide, the attention and prefill kernels and
# the audio snapshot there. Exit status 77 (skipped) when they all passed but some were
# skipped, listed on the last lines. Usage: run_sanitized_inference_tests.sh SOURCE_DIR BUILD_DIR SHARED_DATA_DIR
set -euo pipefail
src=$1 build=$2 shared=$3
tests=(test_tokenizer test_sampler test_generator test_recall test_recall_cache test_steerer test_motif_guide
       test_attention test_prefill test_audio_units)
targets=()
for t in "${tests[@]}"; do
    case $t in test_audio_units) targets+=("tests/audio/$t") ;; *) targets+=("tests/inference/$t") ;; esac
done

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONTINUO_SANITIZE=ON \
    -DCONTINUO_WITH_TORCH=ON -DCONTINUO_WITH_GUI=OFF -DCONTINUO_WITH_AUDIO=ON \
    -DCONTINUO_BENCHMARKS=OFF -DCONTINUO_SHARED_DATA="$shared" > "$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j2 --target "${targets[@]}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log=$build.ctest.log
regex="^($(IFS='|'; echo "${tests[*]}"))\$"
status=0
ctest --test-dir "$build" -R "$regex" --output-on-failure -j2 --timeout 1200 --no-tests=error 2>&1 | tee "$log" ||
    status=$?
[ "$status" = 0 ] || exit "$status"
ran=$(grep -c 'Test *#' "$log" || true)
[ "$ran" -eq ${#tests[@]} ] || { echo "run_sanitized_inference_tests.sh: $ran of ${#tests[@]} tests ran" >&2; exit 1; }
skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$log")
if [ -n "$skipped" ]; then
    printf 'skipped: %s, under the sanitizers\n' $skipped
    exit 77
fi
