#!/usr/bin/env bash
# Makes the token cache that scripts/train-on-gpu.sh carries to a machine without MAESTRO:
# OUT/train.cache.xz (the train split, or its first N pieces) and OUT/validation.cache.xz (the 8
# validation pieces the trainer scores, as continuo-cli train picks them). docs/gpu-training.md.
#
#   scripts/make-token-cache.sh [OUT] [--pieces N] [--eval-pieces 8] [--data CSV]
#                               [--cache TOKENS.cache] [--build-dir DIR] [--jobs N]
#
# OUT defaults to scripts/gpu/cache (ignored by git: a run carries it, nothing commits it).
# --cache reads the tokens of an existing cache (continuo-cli train's --cache, never written
# to) instead of tokenising every MIDI file again. The working tree and OUT must stay under the
# 64 MiB that travel to the GPU machine: the sizes are printed at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/scripts/gpu/cache"
DATA="${CONTINUO_MAESTRO_CSV:-$(cd "$ROOT/.." && pwd)/shared/data/maestro-v2/maestro-v2.0.0-train-validation.csv}"
BUILD="${CONTINUO_GPU_BUILD:-$ROOT/build-gpu}"
JOBS="$(nproc)" ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --pieces|--eval-pieces) ARGS+=("$1" "$2"); shift ;;
        --cache) ARGS+=(--cache "$2"); shift ;;
        --data) DATA="$2"; shift ;;
        --build-dir) BUILD="$2"; shift ;;
        --jobs) JOBS="$2"; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        -*) echo "make-token-cache: unknown option $1" >&2; exit 2 ;;
        *) OUT="$1" ;;
    esac
    shift
done
[ -f "$DATA" ] || { echo "make-token-cache: no MAESTRO CSV at $DATA (--data CSV)" >&2; exit 1; }
mkdir -p "$OUT" "$BUILD"

GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
{ cmake -S "$ROOT/scripts/gpu" -B "$BUILD/cmake" -DCMAKE_BUILD_TYPE=Release "${GENERATOR[@]}" &&
    cmake --build "$BUILD/cmake" --target continuo-token-cache -j "$JOBS"; } >"$BUILD/token-cache-build.log" 2>&1 ||
    { tail -30 "$BUILD/token-cache-build.log" >&2; exit 1; }

"$BUILD/cmake/continuo-token-cache" --data "$DATA" --out "$OUT" "${ARGS[@]}"
for name in train.cache validation.cache; do
    xz -9 -f -T1 "$OUT/$name"
done

# What travels: the tracked files, the untracked ones git does not ignore, and this cache.
cache=$(du -cb "$OUT"/*.xz | tail -1 | cut -f1)
echo "cache: $(ls -l "$OUT"/*.xz | awk '{print $5, $NF}' | tr '\n' ';')"
if tree=$(cd "$ROOT" && { git ls-files -z && git ls-files -z --others --exclude-standard; } 2>/dev/null |
    xargs -0 du -cb 2>/dev/null | awk '$2 != "total" {s += $1} END {print s + 0}'); then
    echo "working tree $tree bytes + cache $cache bytes = $((tree + cache)) of $((64 << 20)) (64 MiB)"
    [ $((tree + cache)) -lt $((64 << 20)) ] || echo "make-token-cache: too large to travel: use --pieces N" >&2
else
    echo "cache $cache bytes (not a git checkout: the working tree's size is not known)"
fi
