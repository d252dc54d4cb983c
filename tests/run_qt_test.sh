#!/usr/bin/env bash
# Runs one Qt Test executable for CTest; continuo_add_test (tests/CMakeLists.txt) registers every
# test through it. Qt Test exits 0 when every function passed or was skipped (QSKIP), so on its
# own a test whose prerequisite is missing reads "Passed". Here exit status 0 with any skipped
# function becomes 77, which CTest (SKIP_RETURN_CODE) reports as "Skipped", and the reasons are
# repeated on the last lines. A failure stays a failure: any other exit status is passed on,
# whatever else was skipped (CTest's SKIP_REGULAR_EXPRESSION would turn a failing test that
# also skipped into "Skipped", which is why this is a script and not a regular expression).
#
#   run_qt_test.sh TEST_EXECUTABLE [ARGS...]
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: run_qt_test.sh TEST_EXECUTABLE [ARGS...]" >&2; exit 2; }
log=$(mktemp "${TMPDIR:-/tmp}/continuo-qtest.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

# Qt Test writes its log twice: to stdout as usual, and to a file read below.
"$@" -o "$log,txt" -o -,txt &
child=$!
# CTest stops a test that overruns its timeout, continuo.sh one that is interrupted: stop the
# test itself too rather than leave it running.
trap 'kill -TERM "$child" 2> /dev/null' TERM INT HUP
status=0
wait "$child" || status=$?
# A trapped signal ends the first wait early; the test's own status comes with the second.
if kill -0 "$child" 2> /dev/null; then
    status=0
    wait "$child" || status=$?
fi

skips=$(grep -E '^SKIP +: ' "$log")
if [ "$status" -eq 0 ] && [ -n "$skips" ]; then
    echo "skipped: $(basename "$1"): $(grep -c . <<< "$skips") function(s) did not run:"
    printf '%s\n' "$skips"
    exit 77
fi
exit "$status"
