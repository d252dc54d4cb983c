#!/usr/bin/env bash
# Builds the MIDI reader's libFuzzer target in its own tree and runs it for a bounded time.
# Usage: run_fuzz.sh SOURCE_DIR BUILD_DIR SHARED_DATA_DIR [SECONDS]
# Seeds: the hand-made files in tests/fuzz/seeds and the 16 smallest MAESTRO files.
# Fails on any crash, sanitizer report, leak, timeout or out-of-memory the fuzzer finds;
# prints (and writes to BUILD_DIR/fuzz-report.txt) how many inputs it ran.
set -euo pipefail
src=$1 build=$2 shared=$3 seconds=${4:-60}

cxx=$(command -v clang++ || true)
[ -n "$cxx" ] || { echo "run_fuzz.sh: clang++ not found (packaging/setup.sh installs clang)" >&2; exit 1; }
cc=$(command -v clang)

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" -DCONTINUO_FUZZ=ON \
    -DCONTINUO_WITH_TORCH=OFF -DCONTINUO_WITH_GUI=OFF -DCONTINUO_WITH_AUDIO=OFF \
    -DCONTINUO_BENCHMARKS=OFF -DCONTINUO_SHARED_DATA="$shared" > "$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target fuzz_midi_reader -j2

seeds=$build/fuzz-seeds corpus=$build/fuzz-corpus artifacts=$build/fuzz-artifacts
rm -rf "$seeds" "$corpus" "$artifacts"
mkdir -p "$seeds" "$corpus" "$artifacts"
cp "$src"/tests/fuzz/seeds/*.mid "$seeds"/
maestro=0
if [ -d "$shared/maestro-v2" ]; then
    while IFS= read -r f; do
        cp "$f" "$seeds/maestro-$(basename "$f")"
        maestro=$((maestro + 1))
    done < <(find "$shared/maestro-v2" -name '*.midi' -printf '%s %p\n' | sort -n -k1,1 -k2 | head -16 | cut -d' ' -f2-)
else
    echo "run_fuzz.sh: $shared/maestro-v2 not found: seeding with the hand-made files only"
fi
echo "fuzz: $(ls "$seeds" | wc -l) seeds ($maestro from MAESTRO), running for $seconds s"

log=$build/fuzz.log
set +e
"$build/tests/fuzz/fuzz_midi_reader" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds" > "$log" 2>&1
status=$?
set -e
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
findings=$(find "$artifacts" -type f | wc -l)
report="fuzz: ${runs:-0} executions in $seconds s, $findings crash(es) found, corpus $(ls "$corpus" | wc -l) inputs, exit status $status"
echo "$report" | tee "$build/fuzz-report.txt"
if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then
    tail -n 60 "$log"
    ls -l "$artifacts"
    exit 1
fi
