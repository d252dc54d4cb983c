#!/usr/bin/env bash
# Mutation check, on demand (not part of CTest): applies each deliberate bug listed in
# tests/mutation/mutations.json to the real sources, one at a time, builds and runs the tests
# named for it, and prints a table of the bugs caught and missed. See docs/testing.md.
#
#   tests/mutation/run.sh BUILD_DIR [ID...]
#
# MUTATION_JOBS sets ninja's -j (default: all cores). Refuses to run when a file it mutates has
# uncommitted changes. Whatever happens, the mutated file is put back from a saved copy.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: tests/mutation/run.sh BUILD_DIR [ID...]" >&2; exit 2; }
build=$1
# mutate.py restores on its own (signals included); this covers a kill of the interpreter.
trap 'python3 "$here/mutate.py" --restore "$build"' EXIT
trap 'exit 130' INT TERM HUP
python3 "$here/mutate.py" "$@"
