#!/bin/sh
# Starts the real app under Xvfb with a demo project (a primer and three takes) and saves
# screenshots of the main window.
#   tests/ui/screenshots.sh [BUILD_DIR] [OUT_DIR]
set -eu
BUILD=${1:-build}
OUT=${2:-$BUILD/screenshots}
APP="$BUILD/app/gui/continuo"
MAKE_DEMO="$BUILD/tests/ui/make_demo_project"
for tool in xvfb-run import; do
    command -v "$tool" >/dev/null || { echo "screenshots.sh: $tool is missing (apt install xvfb imagemagick)"; exit 1; }
done
[ -x "$APP" ] || { echo "screenshots.sh: $APP not built"; exit 1; }
[ -x "$MAKE_DEMO" ] || { echo "screenshots.sh: $MAKE_DEMO not built"; exit 1; }
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$MAKE_DEMO" "$WORK/demo.continuo"
"$MAKE_DEMO" --pop909 "$WORK/pop909.mid"

shot() { # name, seconds to wait, app arguments...
    name=$1; wait=$2; shift 2
    xvfb-run -a -s "-screen 0 1600x1000x24" sh -c '
        work=$1; app=$2; secs=$3; png=$4; shift 4
        HOME="$work" XDG_CONFIG_HOME="$work/config" "$app" --no-settings --recovery-dir "$work/rec" \
            -qwindowgeometry 1600x1000+0+0 "$@" &
        pid=$!
        sleep "$secs"
        import -window root "$png"
        kill $pid' sh "$WORK" "$(realpath "$APP")" "$wait" "$OUT/$name.png" "$@" >/dev/null 2>&1 || true
    [ -s "$OUT/$name.png" ] && echo "wrote $OUT/$name.png"
}
MODEL_ARGS=""
[ -n "${CONTINUO_SCREENSHOT_MODEL:-}" ] && MODEL_ARGS="--model $CONTINUO_SCREENSHOT_MODEL"
shot first-start 5 --no-audio $MODEL_ARGS
shot demo-take2 5 --no-audio $MODEL_ARGS --take 2 --fit "$WORK/demo.continuo"
shot demo-take3 5 --no-audio $MODEL_ARGS --take 3 --fit --select-all "$WORK/demo.continuo"
shot tracks 5 --no-audio $MODEL_ARGS --fit "$WORK/pop909.mid"
shot audio-settings 4 --no-audio $MODEL_ARGS --command audioSettings
shot continue-random-model 9 --no-audio --random-model --fit --continue "$WORK/demo.continuo"
# Fill Gap over bar 3 of the demo with the bundled model: the gap marked in the roll, the
# ranked fills in the takes list, the best one auditioned.
FILL_MODEL=${CONTINUO_SCREENSHOT_MODEL:-$(dirname "$0")/../../resources/models/continuo-default.safetensors}
if [ -f "$FILL_MODEL" ]; then
    shot fill-gap 9 --no-audio --model "$(realpath "$FILL_MODEL")" --fit --select-bars 3-3 --fill-gap "$WORK/demo.continuo"
fi
