#!/usr/bin/env bash
# The desktop app links the model runtime only: none of the training library's code (trainer,
# dataset, evaluator, benchmark, data-parallel c10d) is in its executable. continuo-cli, which
# links the training library, is the control: the same symbols must be found there, so that a
# pattern that matches nothing cannot pass.
#
#   app_links_runtime_only.sh APP CLI
set -euo pipefail
app=$1
cli=$2
command -v nm > /dev/null || { echo "nm (binutils) is missing" >&2; exit 1; }

# Defined functions of the training library, one per source file, by demangled name.
symbols=(
    'continuo::inference::train('            # Trainer.cpp
    'continuo::inference::evaluate('         # Evaluator.cpp
    'continuo::inference::loadPieces('       # Dataset.cpp
    'continuo::inference::runBenchmarks('    # Benchmark.cpp
    'continuo::inference::cpuinfoHasBf16Hardware(' # Trainer.cpp
)

defined() { nm -C --defined-only "$1" | grep -F -- "$2" | head -n 3 || true; }

status=0
for s in "${symbols[@]}"; do
    if [ -z "$(defined "$cli" "$s")" ]; then
        echo "control failed: $cli does not define $s (is the pattern still right?)" >&2
        status=1
    fi
    found=$(defined "$app" "$s")
    if [ -n "$found" ]; then
        echo "the app links training code: $s" >&2
        echo "$found" >&2
        status=1
    fi
done
# c10d (data-parallel training) comes only with the training library.
if nm -C --defined-only "$app" | grep -q 'c10d::'; then
    echo "the app links c10d" >&2
    status=1
fi
[ "$status" = 0 ] && echo "the app holds none of the training library (${#symbols[@]} symbols checked; each found in continuo-cli)"
exit "$status"
