#!/usr/bin/env bash
# Builds the libFuzzer targets in their own tree; for each, replays every input of its
# committed corpus (tests/fuzz/corpus/<target>) and then fuzzes for a bounded time.
# Usage: run_fuzz.sh SOURCE_DIR BUILD_DIR SHARED_DATA_DIR [SECONDS]
# SECONDS (default 60) is shared between the targets. Seeds: the hand-made files in
# tests/fuzz/seeds (and, for the MIDI reader, the 16 smallest MAESTRO files).
# Fails on any crash, sanitizer report, leak, timeout or out-of-memory the fuzzer finds,
# whether in a corpus input or a new one; prints (and writes to BUILD_DIR/fuzz-report.txt)
# how many inputs each target ran. Without the MAESTRO files it still fuzzes, from the
# hand-made seeds, but exits 77 (skipped) when nothing failed: that run is not the full one.
set -euo pipefail
src=$1 build=$2 shared=$3 seconds=${4:-60}
targets=(midi_reader safetensors project_file)

cxx=$(command -v clang++ || true)
[ -n "$cxx" ] || { echo "run_fuzz.sh: clang++ not found (packaging/setup.sh installs clang)" >&2; exit 1; }
cc=$(command -v clang)

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" -DCONTINUO_FUZZ=ON \
    -DCONTINUO_WITH_TORCH=OFF -DCONTINUO_WITH_GUI=OFF -DCONTINUO_WITH_AUDIO=OFF \
    -DCONTINUO_BENCHMARKS=OFF -DCONTINUO_SHARED_DATA="$shared" > "$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target "${targets[@]/#/fuzz_}" -j2

maestro=1 # 0: the MIDI reader had no MAESTRO seeds
per=$((seconds / ${#targets[@]}))
[ "$per" -ge 5 ] || per=5
: > "$build/fuzz-report.txt"
failed=0
for t in "${targets[@]}"; do
    seeds=$build/fuzz-seeds/$t corpus=$build/fuzz-corpus/$t artifacts=$build/fuzz-artifacts/$t
    rm -rf "$seeds" "$corpus" "$artifacts"
    mkdir -p "$seeds" "$corpus" "$artifacts"
    if [ "$t" = midi_reader ]; then
        cp "$src"/tests/fuzz/seeds/*.mid "$seeds"/
        if [ -d "$shared/maestro-v2" ]; then
            while IFS= read -r f; do
                cp "$f" "$seeds/maestro-$(basename "$f")"
            done < <(find "$shared/maestro-v2" -name '*.midi' -printf '%s %p\n' | sort -n -k1,1 -k2 | head -16 | cut -d' ' -f2-)
        else
            maestro=0
            echo "run_fuzz.sh: $shared/maestro-v2 not found: seeding with the hand-made files only"
        fi
    else
        cp "$src/tests/fuzz/seeds/$t"/* "$seeds"/
    fi
    # The committed corpus goes into the corpus the fuzzer writes to: libFuzzer runs every
    # input there before it starts mutating, so each one is replayed on every run.
    committed=0
    if [ -d "$src/tests/fuzz/corpus/$t" ]; then
        cp "$src/tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null || true
        committed=$(ls "$corpus" | wc -l)
    fi
    echo "fuzz_$t: $committed corpus inputs, $(ls "$seeds" | wc -l) seeds, fuzzing for $per s"

    log=$build/fuzz-$t.log
    set +e
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$per" -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds" > "$log" 2>&1
    status=$?
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
    findings=$(find "$artifacts" -type f | wc -l)
    report="fuzz_$t: ${runs:-0} executions in $per s (${cov:-no coverage line}), $committed corpus inputs replayed, $findings crash(es) found, corpus $(ls "$corpus" | wc -l) inputs, exit status $status"
    echo "$report" | tee -a "$build/fuzz-report.txt"
    if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then
        tail -n 60 "$log"
        ls -l "$artifacts"
        failed=1
    fi
done
if [ "$failed" = 0 ] && [ "$maestro" = 0 ]; then
    echo "skipped: the MIDI reader was fuzzed without the MAESTRO seeds: $shared/maestro-v2 not found (set CONTINUO_SHARED_DATA to the folder holding maestro-v2/)"
    exit 77
fi
exit "$failed"
