#pragma once
// continuo-gpu check: the same model and data on the CPU and on a device (CUDA) must agree.

namespace continuo::gpu {

/// argv[2..]: --model FILE --cache FILE [--device cuda] [--threads N] [--batch 8] [--steps 3].
/// Prints one PASS or FAIL line per check; 0 when all pass, 1 when one fails.
int runChecks(int argc, char** argv);

} // namespace continuo::gpu
