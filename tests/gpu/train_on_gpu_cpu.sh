#!/usr/bin/env bash
# scripts/train-on-gpu.sh --cpu for three steps of batch 2 on a token cache of 3 MAESTRO pieces:
# it builds without Qt, its checks pass, and what it writes is a model continuo-cli loads.
#
#   train_on_gpu_cpu.sh SOURCE_DIR WORK_DIR MAESTRO_CSV [CONTINUO_CLI]
# CONTINUO_GPU_JOBS sets the compile jobs (default: all cores).
set -euo pipefail
src=$1 work=$2 csv=$3 cli=${4:-}
if [ ! -f "$csv" ]; then
    echo "skipped: no MAESTRO CSV at $csv (put maestro-v2 in the shared data folder)"
    exit 77
fi
jobs=${CONTINUO_GPU_JOBS:-$(nproc)}
build=$work/build
rm -rf "$work/cache" "$work/out"

bash "$src/scripts/make-token-cache.sh" "$work/cache" --data "$csv" --pieces 3 --eval-pieces 1 \
    --build-dir "$build" --jobs "$jobs"
bash "$src/scripts/train-on-gpu.sh" "$work/out" 1 --cpu --cache-dir "$work/cache" --build-dir "$build" \
    --jobs "$jobs" --threads 1 --check-batch 2 -- --steps 3 --batch 2 --eval-pieces 1 --report-every 1

fail() { echo "FAIL: $*" >&2; exit 1; }
out=$work/out
for f in model.safetensors model-bf16.safetensors log.csv summary.txt checks.txt train.log; do
    [ -s "$out/$f" ] || fail "no $f in $out"
done
[ "$(grep -c '^PASS' "$out/checks.txt")" = 3 ] || fail "not every check passed: $(cat "$out/checks.txt")"
grep -qx 'steps: 3' "$out/summary.txt" || fail "the run did not take its 3 steps: $(cat "$out/summary.txt")"
[ "$(wc -l < "$out/log.csv")" = 4 ] || fail "log.csv holds no row per step"
grep -q '^tokens_per_second: [0-9]' "$out/summary.txt" || fail "no tokens per second in summary.txt"
# Built without Qt: the program names no Qt library (Debian's LibTorch itself pulls Qt 5 in,
# which ldd would list).
if readelf -d "$build/cmake/continuo-gpu" | grep 'NEEDED' | grep -i 'libQt'; then fail "continuo-gpu links Qt"; fi
# The files are models the main build reads.
if [ -n "$cli" ]; then
    "$cli" info "$out/model.safetensors" | grep -q 'continuo-wide-gpu' || fail "continuo-cli info cannot read the model"
    "$cli" info "$out/model-bf16.safetensors" >/dev/null || fail "continuo-cli info cannot read the bf16 model"
fi
echo "scripts/train-on-gpu.sh --cpu: built, checked, trained 3 steps; $(grep -m1 '^tokens_per_second' "$out/summary.txt")"
