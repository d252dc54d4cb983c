#include "continuo/inference/BlasSetup.h"

#include <cstdlib>
#include <cstring>
#include <strings.h>

#if defined(__linux__)
#include <dlfcn.h>
#include <unistd.h>
#endif

namespace continuo::inference {

const char* betterBlasCore(const char* detected) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (!detected || strcasecmp(detected, "prescott") != 0) return nullptr;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#else
    (void)detected;
#endif
    return nullptr;
}

void preferFastBlasKernels(char** argv, bool passiveThreads) {
#if defined(__linux__)
    // LibTorch runs its own thread pool over the cores; OpenBLAS's pool on top of it
    // oversubscribes them (decoding on 2 threads fell from 830 to 8 tokens/s). One BLAS
    // thread per caller, unless the user asked for more.
    using SetThreads = void (*)(int);
    if (auto setThreads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
        setThreads && !std::getenv("OPENBLAS_NUM_THREADS") && !std::getenv("OMP_NUM_THREADS"))
        setThreads(1);
    if (std::getenv("CONTINUO_BLAS_RESTARTED") || !argv) return;
    bool restart = false;
    if (passiveThreads && !std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT")) {
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        restart = true;
    }
    using CoreName = char* (*)();
    auto coreName = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    if (const char* better = coreName && !std::getenv("OPENBLAS_CORETYPE") ? betterBlasCore(coreName()) : nullptr) {
        setenv("OPENBLAS_CORETYPE", better, 1);
        restart = true;
    }
    if (!restart) return;
    setenv("CONTINUO_BLAS_RESTARTED", "1", 1); // never loop
    execv("/proc/self/exe", argv);
    // The restart failed: carry on with the slow kernels.
#else
    (void)argv;
#endif
}

} // namespace continuo::inference
