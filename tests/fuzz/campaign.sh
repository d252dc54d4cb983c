#!/usr/bin/env bash
# A long fuzzing campaign, on demand (not in CI): builds the libFuzzer targets in BUILD_DIR (as
# run_fuzz.sh does), fuzzes each named target for SECONDS from a working corpus that persists in
# BUILD_DIR/campaign/<target> between campaigns (first filled from the committed corpus and the
# seeds), then minimises what it grew into tests/fuzz/corpus/<target> with -merge=1, so that
# every CI run replays it. Prints one line per target for the campaigns table in
# docs/fuzzing.md and appends it to BUILD_DIR/campaign/totals.tsv.
#
# Usage: tests/fuzz/campaign.sh BUILD_DIR SECONDS [TARGET...]
#   TARGET: midi_reader, project_file, safetensors (default: all three, SECONDS each)
#   FUZZ_JOBS (default 1): libFuzzer worker processes per target (-jobs/-workers)
#   FUZZ_MAX_LEN (default 8192): the longest input tried, in bytes
# Run it at the lowest priority beside other work: nice -n 19 tests/fuzz/campaign.sh ...
# A crash, sanitizer report, leak, timeout or out-of-memory stops the target, leaves the input
# in BUILD_DIR/campaign/<target>-artifacts/ and makes the exit status 1.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 2 ] || { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
build=$1 seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(midi_reader project_file safetensors)
for t in "${targets[@]}"; do
    case $t in midi_reader | project_file | safetensors) ;; *) echo "campaign.sh: unknown target '$t' (midi_reader, project_file, safetensors)" >&2; exit 2 ;; esac
done
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "campaign.sh: SECONDS must be a whole number above 0, not '$seconds'" >&2; exit 2; }
cxx=$(command -v clang++ || true)
[ -n "$cxx" ] || { echo "campaign.sh: clang++ not found (packaging/setup.sh installs clang)" >&2; exit 1; }

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$(command -v clang)" -DCONTINUO_FUZZ=ON \
    -DCONTINUO_WITH_TORCH=OFF -DCONTINUO_WITH_GUI=OFF -DCONTINUO_WITH_AUDIO=OFF \
    -DCONTINUO_BENCHMARKS=OFF > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target "${targets[@]/#/fuzz_}"

jobs=${FUZZ_JOBS:-1} maxlen=${FUZZ_MAX_LEN:-8192}
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
mkdir -p "$build/campaign"
failed=0
for t in "${targets[@]}"; do
    work=$build/campaign/$t artifacts=$build/campaign/$t-artifacts committed=$src/tests/fuzz/corpus/$t
    mkdir -p "$work" "$artifacts" "$committed"
    if [ -z "$(ls -A "$work")" ]; then
        cp "$committed"/* "$work"/ 2>/dev/null || true
        if [ "$t" = midi_reader ]; then cp "$src"/tests/fuzz/seeds/*.mid "$work"/; else cp "$src/tests/fuzz/seeds/$t"/* "$work"/; fi
    fi
    before=$(ls "$committed" | wc -l)
    log=$build/campaign/$t-$(date -u +%Y%m%dT%H%M%SZ).log
    echo "fuzz_$t: $seconds s from $(ls "$work" | wc -l) inputs, $jobs worker(s), log $log"
    set +e
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -jobs="$jobs" -workers="$jobs" -artifact_prefix="$artifacts/" "$work" > "$log" 2>&1
    status=$?
    set -e
    # With -jobs, each worker logs to fuzz-N.log in the current folder: gather them.
    for w in fuzz-[0-9]*.log; do [ -e "$w" ] && { cat "$w" >> "$log"; rm -f "$w"; }; done
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {print s + 0}')
    edges=$(grep -o 'cov: [0-9]*' "$log" | awk '{print $2}' | sort -n | tail -1)
    findings=$(find "$artifacts" -type f | wc -l)
    # The committed corpus stays minimal: the smallest set of its inputs and the campaign's that
    # keeps every feature, merged into an empty folder that then replaces it.
    merged=$build/campaign/$t-merged
    rm -rf "$merged" && mkdir -p "$merged"
    if "$build/tests/fuzz/fuzz_$t" -merge=1 -max_len="$maxlen" "$merged" "$committed" "$work" >> "$log" 2>&1 &&
        [ -n "$(ls -A "$merged")" ]; then
        rm -f "$committed"/* && cp "$merged"/* "$committed"/
    fi
    after=$(ls "$committed" | wc -l)
    line="$(date -u +%F)	$commit	$t	$seconds	$runs	${edges:-?}	$findings	$before -> $after"
    echo "$line" >> "$build/campaign/totals.tsv"
    echo "fuzz_$t: ${runs} executions in $seconds s, coverage ${edges:-?} edges, $findings finding(s), committed corpus $before -> $after inputs (exit status $status)"
    if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then
        tail -n 40 "$log"
        ls -l "$artifacts"
        failed=1
    fi
done
echo "Totals so far (date, commit, target, seconds, executions, edges, findings, committed corpus): $build/campaign/totals.tsv"
exit "$failed"
