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
python3 "$here/mutate.py" "$@" &
child=$!
# mutate.py puts the file back on SIGINT, SIGTERM and SIGHUP; pass them on, and put it back
# here too in case the interpreter itself was killed.
trap 'kill -TERM "$child" 2> /dev/null' INT TERM HUP
status=0
wait "$child" || status=$?
# A trapped signal ends the first wait early; the script's own status comes with the second.
if kill -0 "$child" 2> /dev/null; then
    status=0
    wait "$child" || status=$?
fi
python3 "$here/mutate.py" --restore "$build"
exit "$status"
