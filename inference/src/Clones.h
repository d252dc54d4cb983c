#pragma once
// CONTINUO_CLONES before a function builds it for the x86-64 baseline and for AVX2/FMA, and
// the loader picks the version that fits the CPU. The clone names an ISA level, not a CPU:
// "arch=haswell" is chosen only on Intel's Haswell family, so AMD CPUs ran the baseline.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CONTINUO_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CONTINUO_CLONES
#endif

// CONTINUO_UNROLL before a loop with a constant trip count unrolls it completely and early.
// GCC otherwise unrolls such loops only after it has decided which local arrays live in
// registers, so an array of vector accumulators indexed by the loop stays on the stack and
// every fused multiply-add waits for a store and a reload (docs/performance.md, "Subnormal
// attention weights", last paragraph).
#if defined(__GNUC__)
#define CONTINUO_UNROLL _Pragma("GCC unroll 16")
#else
#define CONTINUO_UNROLL
#endif
