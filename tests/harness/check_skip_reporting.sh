#!/usr/bin/env bash
# CTest must report a test the way it ran. Runs CTest on test_skip_probe exactly as this build
# registered it (continuo_add_test, like every Qt test: CTESTTESTFILE is tests/harness's
# CTestTestfile.cmake in the build tree, copied into a scratch folder so that the build's own
# Testing/ logs are not touched), three times:
#   prerequisite present              -> "Passed"
#   prerequisite missing              -> "Skipped", and the reason is in the test's output
#   missing, and another check fails  -> "Failed" (a skip must not hide a failure)
#
#   check_skip_reporting.sh CTEST CTESTTESTFILE
set -uo pipefail
ctest=$1 testfile=$2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/continuo-skipcheck.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
cp "$testfile" "$scratch/CTestTestfile.cmake" || exit 1
failed=0

# expect MODE RESULT: with CONTINUO_SKIP_PROBE=MODE, CTest's line for the probe ends in RESULT.
expect() {
    local mode=$1 result=$2 out line
    out=$(cd "$scratch" && CONTINUO_SKIP_PROBE=$mode "$ctest" -R '^test_skip_probe$' 2>&1)
    line=$(grep -E 'Test +#[0-9]+: test_skip_probe ' <<< "$out")
    if grep -qE "[ *]$result +[0-9.]+ sec\$" <<< "$line"; then
        echo "ok: CONTINUO_SKIP_PROBE='$mode': $line"
    else
        echo "FAIL: CONTINUO_SKIP_PROBE='$mode': CTest should say $result; it said:"
        printf '%s\n' "$out"
        failed=1
    fi
}

expect "" Passed
expect missing Skipped
# The reason reaches the test's output, which CTest keeps (continuo.sh shows it from there).
reason="SKIP   : TestSkipProbe::needsAPrerequisite() the probe's prerequisite is missing"
if grep -qF "$reason" "$scratch/Testing/Temporary/LastTest.log"; then
    echo "ok: the skip's reason is in the test's output"
else
    echo "FAIL: no \"$reason\" in the output CTest kept:"
    cat "$scratch/Testing/Temporary/LastTest.log"
    failed=1
fi
expect missing+failing Failed
exit "$failed"
