#pragma once
// OpenBLAS chooses its kernels once, when it is loaded. The OpenBLAS of Debian 12 (0.3.21)
// does not recognise CPUs newer than itself (Sapphire Rapids, for one) and falls back to its
// oldest x86-64 kernels ("Prescott", SSE3), which make the model's matrix products 2-3x
// slower. Call this first thing in main(): when OpenBLAS took that fallback on a CPU with
// AVX2 or AVX-512, it restarts the program once with OPENBLAS_CORETYPE naming the matching
// kernel family. It does nothing when the user set OPENBLAS_CORETYPE, when the BLAS is not
// OpenBLAS, or when the detection was right.
namespace continuo::inference {

/// The OpenBLAS kernel family to force, or nullptr to leave the detection alone. `detected`
/// is OpenBLAS's own choice (openblas_get_corename()); the CPU's features are queried here.
const char* betterBlasCore(const char* detected);

/// Restarts the process (same arguments) with a better OPENBLAS_CORETYPE when needed; returns
/// when no restart is needed or the restart failed. Also keeps OpenBLAS to one thread per
/// caller (LibTorch's own pool spreads the work) unless OPENBLAS_NUM_THREADS says otherwise.
///
/// `passiveThreads`: a process that will run parallel regions for long (the app, training,
/// an explicit --threads above 1) also wants OpenMP's waiting threads to sleep instead of
/// spinning, or on a busy machine they burn the time slices their partners need (two-thread
/// decoding went from 4x to 51x real time with one core busy). GNU OpenMP reads
/// OMP_WAIT_POLICY only when it loads, so this too takes the one restart; the user's own
/// OMP_WAIT_POLICY or GOMP_SPINCOUNT is left alone. Short one-thread commands skip it: the
/// restart would cost more than it saves.
void preferFastBlasKernels(char** argv, bool passiveThreads = false);

} // namespace continuo::inference
