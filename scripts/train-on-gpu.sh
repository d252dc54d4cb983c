#!/usr/bin/env bash
# Trains continuo-wide for MINUTES on a machine with a CUDA PyTorch and no Qt, from the token
# cache carried in the working tree (scripts/make-token-cache.sh), and writes what comes back to
# OUTDIR. docs/gpu-training.md says what each step does and how to continue from the result.
#
#   scripts/train-on-gpu.sh OUTDIR MINUTES [--cpu] [options] [-- trainer flags]
#
# 1. builds scripts/gpu (the runtime and the trainer, no Qt) against the LibTorch of python3's
#    torch (torch.utils.cmake_prefix_path), or with --cpu against the system's (Debian's);
# 2. checks the device against the CPU (logits, decoding, a training step): continuo-gpu check;
# 3. trains from the latest committed weights (--init) with continuo-wide's settings;
# 4. writes OUTDIR/model.safetensors (float32), model-bf16.safetensors, log.csv, summary.txt
#    (tokens per second, build time, versions), checks.txt, train.log and, where python3 has
#    matplotlib, curve.png.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/train-on-gpu.sh OUTDIR MINUTES [--cpu] [options] [-- continuo-gpu train flags]
  --cpu              CPU LibTorch (the system's) and device cpu: the same steps, no GPU needed
  --cache-dir DIR    train.cache[.xz] and validation.cache[.xz] (default scripts/gpu/cache)
  --build-dir DIR    where to build and train (default build-gpu; $CONTINUO_GPU_BUILD)
  --init FILE        weights to start from (default training/continuo-wide.safetensors, the run
                     in progress; without one, the shipped resources/models/continuo-default.safetensors)
  --threads N        CPU threads for LibTorch (default 0: all cores)
  --jobs N           parallel compile jobs (default: all cores)
  --check-batch N    batch of the training-step check (default 8)
  --no-checks        train without checking the device first
Flags after -- go to `continuo-gpu train` and override its defaults (--steps, --lr, ...).
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CPU=0 CHECKS=1 THREADS=0 CHECK_BATCH=8 JOBS="$(nproc)"
CACHE_DIR="$ROOT/scripts/gpu/cache"
BUILD="${CONTINUO_GPU_BUILD:-$ROOT/build-gpu}"
INIT="$ROOT/training/continuo-wide.safetensors"
# Between runs training/ holds no weights: start from the shipped model then.
[ -f "$INIT" ] || INIT="$ROOT/resources/models/continuo-default.safetensors"
POSITIONAL=() EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --cpu) CPU=1 ;;
        --no-checks) CHECKS=0 ;;
        --cache-dir) CACHE_DIR="$2"; shift ;;
        --build-dir) BUILD="$2"; shift ;;
        --init) INIT="$2"; shift ;;
        --threads) THREADS="$2"; shift ;;
        --jobs) JOBS="$2"; shift ;;
        --check-batch) CHECK_BATCH="$2"; shift ;;
        --) shift; EXTRA=("$@"); break ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "train-on-gpu: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) POSITIONAL+=("$1") ;;
    esac
    shift
done
[ ${#POSITIONAL[@]} -eq 2 ] || { usage >&2; exit 2; }
OUTDIR="${POSITIONAL[0]}" MINUTES="${POSITIONAL[1]}"
say() { echo "train-on-gpu: $*" >&2; }
die() { say "$*"; exit 1; }
mkdir -p "$OUTDIR" "$BUILD"
OUTDIR="$(cd "$OUTDIR" && pwd)" BUILD="$(cd "$BUILD" && pwd)"
[ -f "$INIT" ] || die "no weights at $INIT"

# ---- the data: the caches carried in the working tree, unpacked beside the build ------------
unpack() { # NAME -> path of the plain cache
    local name="$1" plain="$BUILD/data/$1"
    mkdir -p "$BUILD/data"
    if [ -f "$CACHE_DIR/$name" ]; then cp "$CACHE_DIR/$name" "$plain"
    elif [ -f "$CACHE_DIR/$name.xz" ] && command -v xz >/dev/null; then xz -dc "$CACHE_DIR/$name.xz" >"$plain"
    elif [ -f "$CACHE_DIR/$name.xz" ]; then
        python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
            "$CACHE_DIR/$name.xz" "$plain"
    else die "no ${CACHE_DIR}/${name}[.xz]: make it with scripts/make-token-cache.sh (docs/gpu-training.md)"
    fi
    echo "$plain"
}
TRAIN_CACHE="$(unpack train.cache)"
VALIDATION_CACHE="$(unpack validation.cache)"
# The weights as they are now: the checks and the training read this copy, even if the file
# they came from is replaced meanwhile (a run in progress commits its weights there).
INIT_NAME="$(basename "$INIT")"
cp "$INIT" "$BUILD/data/init.safetensors"
INIT="$BUILD/data/init.safetensors"

# ---- the build ------------------------------------------------------------------------------
CONFIGURE=(-S "$ROOT/scripts/gpu" -B "$BUILD/cmake" -DCMAKE_BUILD_TYPE=Release)
command -v ninja >/dev/null && CONFIGURE+=(-G Ninja)
if [ "$CPU" = 1 ]; then
    DEVICE=cpu TORCH_VERSION="system LibTorch (CPU)"
else
    DEVICE=cuda
    PREFIX="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' | tail -1)" ||
        die "python3 cannot import torch: run with --cpu, or where a CUDA PyTorch is installed"
    TORCH_VERSION="$(python3 -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU")' | tail -1)"
    python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' ||
        die "PyTorch sees no GPU ($TORCH_VERSION): run with --cpu"
    CONFIGURE+=(-DCMAKE_PREFIX_PATH="$PREFIX")
    # Nothing here is CUDA code: naming an architecture spares LibTorch's CMake its detection.
    export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
    if command -v nvcc >/dev/null; then CONFIGURE+=(-DCMAKE_CUDA_COMPILER="$(command -v nvcc)"); fi
fi
say "building scripts/gpu in $BUILD/cmake ($TORCH_VERSION, $JOBS jobs)"
BUILD_START=$(date +%s)
{ cmake "${CONFIGURE[@]}" && cmake --build "$BUILD/cmake" --target continuo-gpu -j "$JOBS"; } >"$BUILD/build.log" 2>&1 ||
    { tail -40 "$BUILD/build.log" >&2; die "the build failed (whole log: $BUILD/build.log)"; }
BUILD_SECONDS=$(( $(date +%s) - BUILD_START ))
say "built in $BUILD_SECONDS s"
GPU="$BUILD/cmake/continuo-gpu"

# ---- the checks -----------------------------------------------------------------------------
if [ "$CHECKS" = 1 ]; then
    say "checking $DEVICE against the cpu"
    if ! "$GPU" check --model "$INIT" --cache "$VALIDATION_CACHE" --device "$DEVICE" --threads "$THREADS" \
        --batch "$CHECK_BATCH" 2>&1 | tee "$OUTDIR/checks.txt" >&2; then
        die "a check failed ($OUTDIR/checks.txt): not training"
    fi
fi

# ---- the training ---------------------------------------------------------------------------
RUN="$BUILD/run"
[[ " ${EXTRA[*]} " == *" --resume "* ]] || rm -rf "$RUN" # a new run, unless told to resume
say "training on $DEVICE for $MINUTES minutes into $RUN"
if ! "$GPU" train --train-cache "$TRAIN_CACHE" --validation-cache "$VALIDATION_CACHE" --out "$RUN" \
    --init "$INIT" --device "$DEVICE" --minutes "$MINUTES" --threads "$THREADS" \
    --name continuo-wide-gpu --training-data "MAESTRO v2.0.0, train split (a carried token cache)" \
    "${EXTRA[@]}" 2>&1 | tee "$OUTDIR/train.log" >&2; then
    die "training failed ($OUTDIR/train.log)"
fi

# ---- what comes back ------------------------------------------------------------------------
cp "$RUN/model.safetensors" "$RUN/model-bf16.safetensors" "$RUN/log.csv" "$OUTDIR/"
{
    cat "$RUN/summary.txt"
    echo "build_seconds: $BUILD_SECONDS"
    echo "build_jobs: $JOBS"
    echo "libtorch: $TORCH_VERSION"
    cpuinfo() { grep -m1 "^$1" /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'; }
    echo "cpu: $(cpuinfo 'model name'), family $(cpuinfo 'cpu family') model $(cpuinfo 'model\s'), $(nproc) cores"
    echo "init: $INIT_NAME sha256 $(sha256sum "$INIT" | cut -c1-16)"
} >"$OUTDIR/summary.txt"
if python3 -c 'import matplotlib' 2>/dev/null; then
    python3 "$ROOT/scripts/gpu/plot_log.py" "$OUTDIR/log.csv" "$OUTDIR/curve.png" ||
        say "no curve.png (continuo-cli plot $OUTDIR/log.csv -o curve.png draws it)"
fi
say "done: $(cd "$OUTDIR" && ls | tr '\n' ' ')"
grep -E '^(steps|tokens|tokens_per_second|validation_nll):' "$OUTDIR/summary.txt" >&2
