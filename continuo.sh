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
# CONTINUO_SKIP_SETUP=1 to skip the package check.
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
    # CTest's summary line ("100% tests passed, 0 tests failed out of N") comes last.
    local summary
    summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
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
