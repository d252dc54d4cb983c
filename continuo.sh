#!/usr/bin/env bash
# Continuo from a fresh clone: set up the machine, build, start the app or run every test.
#
#   ./continuo.sh run [APP ARGS]   set up, build, start the app (build/app/gui/continuo)
#   ./continuo.sh test             set up, build, run the whole test suite (unit,
#                                  integration, GUI, audio, ASan/UBSan, fuzzing)
#   ./continuo.sh build            set up and build only
#   ./continuo.sh setup            install the Debian packages only (packaging/setup.sh)
#
# Environment: CONTINUO_BUILD_DIR (default build/), CONTINUO_JOBS (default: all cores),
# CONTINUO_SHARED_DATA (default ../shared/data, the folder holding maestro-v2/),
# CONTINUO_SKIP_SETUP=1 to skip the package check. 'test' lists every skipped test with its
# reason; with CI=true (where the set-up provides every prerequisite) a skip fails the run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${CONTINUO_BUILD_DIR:-$root/build}
jobs=${CONTINUO_JOBS:-$(nproc)}
shared=${CONTINUO_SHARED_DATA:-$root/../shared/data}
[ -d "$shared" ] && shared=$(cd "$shared" && pwd)

say() { printf '\n== continuo: %s\n' "$*"; }

setup() {
    if [ "${CONTINUO_SKIP_SETUP:-0}" = 1 ]; then return; fi
    say "checking the Debian packages"
    bash "$root/packaging/setup.sh"
}

configure_and_build() {
    say "configuring $build (Ninja, RelWithDebInfo)"
    # Developer paths stay off: the binaries find their model the way an installed copy
    # does, so the package test can reuse this build ('run' names the model explicitly).
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCONTINUO_SHARED_DATA="$shared" -DCONTINUO_DEVELOPER_PATHS=OFF "$@"
    say "building with $jobs job(s)"
    cmake --build "$build" -j "$jobs"
}

run_app() {
    setup
    configure_and_build
    local app=$build/app/gui/continuo
    if [ ! -x "$app" ]; then
        echo "continuo: $app is missing (the GUI was not built: is CONTINUO_WITH_GUI off?)" >&2
        exit 1
    fi
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}${QT_QPA_PLATFORM:-}" ]; then
        echo "continuo: no display; run it under a desktop, or 'xvfb-run -a ./continuo.sh run'" >&2
        exit 1
    fi
    export CONTINUO_MODEL=${CONTINUO_MODEL:-$root/resources/models/continuo-default.safetensors}
    say "starting $app"
    exec "$app" "$@"
}

log=""
test_pid=""

# On Ctrl+C or a CI timeout: stop the test run (xvfb-run then stops its X server) and any
# JACK server a CTest fixture started (their pid files lie in the build tree).
stop_tests() {
    trap - INT TERM
    if [ -n "$test_pid" ]; then
        kill -TERM "$test_pid" 2> /dev/null || true
        wait "$test_pid" 2> /dev/null || true
    fi
    find "$build" -name 'jackd-*.pid' -type f 2> /dev/null | while read -r pidfile; do
        kill "$(cat "$pidfile")" 2> /dev/null || true
        rm -f "$pidfile"
    done
    echo "continuo: test run interrupted" >&2
    exit 130
}

# The tests CTest skipped, from its list of tests that did not run.
skipped_tests() { sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$log"; }

# Why TEST was skipped: the lines of its output that say so, from the log where CTest keeps
# every test's output: Qt Test's "SKIP   : function() why", the script tests' "skipped: why"
# (run_qt_test.sh's own "... did not run:" heading is left out).
skip_reasons() {
    awk -v name="$1" '
        $0 ~ /^[0-9]+\/[0-9]+ Test: / && $NF == name { mine = 1; next }
        mine && /^Output:$/ { output = 1; next }
        output && /^<end of output>$/ { exit }
        output && (/^SKIP +: / || (/(^|: )(skipped|SKIP):/ && !/did not run:$/)) && !seen[$0]++ {
            print "      " $0
        }
    ' "$build/Testing/Temporary/LastTest.log" 2> /dev/null || true
}

# Lists the skipped tests with their reasons and says how many tests ran, passed and were
# skipped. Returns 1 when CI=true and a test was skipped.
report_skips() {
    local summary=$1 total failed skipped
    total=$(sed -n 's/.* out of \([0-9]*\)$/\1/p' <<< "$summary")
    failed=$(sed -n 's/.*, \([0-9]*\) tests\{0,1\} failed out of.*/\1/p' <<< "$summary")
    skipped=$(skipped_tests | grep -c . || true)
    if [ "$skipped" -gt 0 ]; then
        echo "continuo: $skipped test(s) skipped (CTest counts them as passed):"
        skipped_tests | while read -r name; do
            echo "  $name"
            skip_reasons "$name"
        done
    fi
    if [ -n "$total" ]; then
        echo "continuo: $total tests ran: $((total - ${failed:-0} - skipped)) passed, $skipped skipped, ${failed:-0} failed"
    fi
    if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
        # On stdout, so that CTest's summary stays the last line of the merged output.
        echo "continuo: CI=true installs every prerequisite, so no test may skip: failing the run"
        return 1
    fi
    return 0
}

run_tests() {
    setup
    # CONTINUO_CHECK_JOBS registers the ASan/UBSan and fuzz jobs as CTest tests that run
    # last, so that CTest's summary covers everything.
    configure_and_build -DCONTINUO_CHECK_JOBS=ON
    log=$(mktemp "${TMPDIR:-/tmp}/continuo-ctest.XXXXXX")
    trap 'rm -f "$log"' EXIT
    trap stop_tests INT TERM
    local ctest=(ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 1500 --no-tests=error)
    # GUI tests that need a real X server get one from xvfb-run, which stops it afterwards;
    # the JACK dummy server for audio tests is started and stopped by CTest fixtures.
    if [ -z "${DISPLAY:-}" ] && command -v xvfb-run > /dev/null; then
        ctest=(xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" "${ctest[@]}")
    fi
    rm -f "$build/fuzz/fuzz-report.txt"
    say "running the test suite: ${ctest[*]}"
    # In the background so that a signal reaches stop_tests at once.
    "${ctest[@]}" < /dev/null > "$log" 2>&1 &
    test_pid=$!
    tail -n +1 -f "$log" --pid="$test_pid" &
    local tail_pid=$!
    local status=0
    wait "$test_pid" || status=$?
    test_pid=""
    wait "$tail_pid" 2> /dev/null || true
    [ -f "$build/fuzz/fuzz-report.txt" ] && cat "$build/fuzz/fuzz-report.txt"
    local summary
    summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
    report_skips "$summary" || [ "$status" -ne 0 ] || status=1
    # CTest's summary line ("100% tests passed, 0 tests failed out of N") comes last.
    echo "${summary:-CTest printed no summary (exit status $status)}"
    return "$status"
}

case "${1:-}" in
run) shift; run_app "$@" ;;
test) run_tests ;;
build) setup; configure_and_build ;;
setup) setup ;;
*)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
    ;;
esac
