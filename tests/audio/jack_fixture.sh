#!/bin/sh
# CTest fixture for the audio tests: starts or stops a JACK server with the dummy driver
# (no sound card needed). Usage: jack_fixture.sh start|stop SERVER_NAME STATE_DIR
set -u
action=$1
name=$2
state=$3
pidfile="$state/jackd-$name.pid"
mkdir -p "$state"

case "$action" in
start)
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        kill "$(cat "$pidfile")" 2>/dev/null
        jack_wait -s "$name" -q -t 5 >/dev/null 2>&1
    fi
    # 48 kHz, 64-frame periods: 1.3 ms, so MIDI timing through JACK is tested finely.
    JACK_NO_AUDIO_RESERVATION=1 nohup jackd -n "$name" -d dummy -r 48000 -p 64 \
        >"$state/jackd-$name.log" 2>&1 &
    echo $! >"$pidfile"
    if jack_wait -s "$name" -w -t 15 >/dev/null 2>&1 && jack_lsp -s "$name" >/dev/null 2>&1; then
        echo "jackd '$name' running (pid $(cat "$pidfile"))"
        exit 0
    fi
    echo "jackd '$name' did not start; log:" >&2
    cat "$state/jackd-$name.log" >&2
    kill "$(cat "$pidfile")" 2>/dev/null
    rm -f "$pidfile"
    exit 1
    ;;
stop)
    [ -f "$pidfile" ] || exit 0
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null
    # Wait for it to go (up to 5 s), then insist.
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
        jack_wait -s "$name" -q -t 1 >/dev/null 2>&1
        i=$((i + 1))
        kill -0 "$pid" 2>/dev/null || break
    done
    kill -9 "$pid" 2>/dev/null
    rm -f "$pidfile"
    # The semaphores of clients that were still connected outlive the server (a server lost
    # under a client is what one test is about); left behind, they pile up run after run.
    rm -f "/dev/shm/jack_sem.$(id -u)_${name}_"* 2>/dev/null
    echo "jackd '$name' stopped"
    exit 0
    ;;
esac
echo "usage: $0 start|stop NAME STATE_DIR" >&2
exit 2
