#pragma once
// CONTINUO_CLONES before a function builds it for the x86-64 baseline and for AVX2/FMA, and
// the loader picks the version that fits the CPU. The clone names an ISA level, not a CPU:
// "arch=haswell" is chosen only on Intel's Haswell family, so AMD CPUs ran the baseline.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CONTINUO_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CONTINUO_CLONES
#endif
