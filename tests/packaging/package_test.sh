#!/usr/bin/env bash
# The .deb end to end: build it, install it with apt (which pulls in its dependencies), use
# the installed programs the way a musician and a script would, then purge it and check that
# nothing is left behind.
#
#   package_test.sh build   configure a package build (CONTINUO_DEVELOPER_PATHS=OFF), build
#                           continuo and continuo-cli, run cpack -G DEB
#   package_test.sh check   install the .deb, check it, purge it (root or passwordless sudo)
#   package_test.sh all     both (the default)
#
# It installs system-wide: CTest runs the check step alone (RUN_SERIAL, RESOURCE_LOCK).
# Exit status 77 means skipped (the reason is printed).
#
# Environment (CTest sets these from tests/packaging/CMakeLists.txt):
#   CONTINUO_SOURCE_DIR, CONTINUO_BINARY_DIR   the project and the build running the test
#   CONTINUO_VERSION                           the project version the package must carry
#   CONTINUO_DEVELOPER_PATHS                   ON/OFF as that build was configured
#   CONTINUO_PACKAGE_DIR                       where the package build and its outputs go
#   CONTINUO_MODEL_DIR                         where the packaged model comes from
#                                              (default: resources/models)
#   CONTINUO_SHARED_DATA                       the folder holding maestro-v2/ (primers)
#   CONTINUO_JOBS                              build jobs (default: all cores)
#   CONTINUO_PACKAGE_BUILD_DIR                 an existing package build to use instead
set -euo pipefail

mode=${1:-all}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${CONTINUO_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
main_build=${CONTINUO_BINARY_DIR:-$src/build}
work=${CONTINUO_PACKAGE_DIR:-$main_build/tests/packaging}
out=$work/deb
jobs=${CONTINUO_JOBS:-$(nproc)}
shared=${CONTINUO_SHARED_DATA:-$src/../shared/data}
version=${CONTINUO_VERSION:-$(sed -n 's/^project(Continuo VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")}

say() { printf '== package: %s\n' "$*"; }
fail() { printf 'package: FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'package: SKIP: %s\n' "$*"; exit 77; }

# --- preconditions, shared by both steps (a package that cannot be installed here is not
# worth a long build either) -------------------------------------------------------------
model_dir=${CONTINUO_MODEL_DIR:-$src/resources/models}
model=$model_dir/continuo-default.safetensors
[ -f "$model" ] || skip "no default model at $model yet: the package would ship without one (train it, or copy a model there, then run this again)"
[ -f "$model_dir/MODEL_CARD.md" ] || skip "the default model has no MODEL_CARD.md beside it in $model_dir"
for tool in dpkg dpkg-deb apt-get; do
    command -v "$tool" > /dev/null || skip "$tool is missing: this test needs a Debian-based system"
done
command -v dpkg-shlibdeps > /dev/null || skip "dpkg-shlibdeps is missing (apt-get install dpkg-dev): CPack computes Depends with it"

if [ "$(id -u)" -eq 0 ]; then
    as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive)
else
    skip "installing a package needs root or passwordless sudo (this test installs and purges the continuo package system-wide; CI runs it as root)"
fi

# --- build: configure a package build and run cpack ----------------------------------------
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$2/CMakeCache.txt" 2> /dev/null; }

build_package() {
    local pkg_build
    if [ -n "${CONTINUO_PACKAGE_BUILD_DIR:-}" ]; then
        pkg_build=$CONTINUO_PACKAGE_BUILD_DIR
    elif [ "${CONTINUO_DEVELOPER_PATHS:-ON}" = OFF ]; then
        # This build is already a package build: use it rather than compiling everything twice.
        pkg_build=$main_build
    else
        # A developer build compiles build- and source-tree paths into the model search; the
        # package gets its own build without them.
        pkg_build=$work/build
        local generator compiler
        generator=$(cache_value CMAKE_GENERATOR "$main_build")
        compiler=$(cache_value CMAKE_CXX_COMPILER "$main_build")
        say "configuring the package build in $pkg_build"
        cmake -S "$src" -B "$pkg_build" ${generator:+-G "$generator"} \
            ${compiler:+-DCMAKE_CXX_COMPILER="$compiler"} \
            -DCMAKE_BUILD_TYPE=Release -DCONTINUO_DEVELOPER_PATHS=OFF \
            -DCONTINUO_BENCHMARKS=OFF -DCONTINUO_SANITIZE=OFF -DCONTINUO_FUZZ=OFF \
            -DCONTINUO_SHARED_DATA="$shared" -DCONTINUO_MODEL_DIR="$model_dir"
    fi
    [ "$(cache_value CONTINUO_DEVELOPER_PATHS "$pkg_build")" = OFF ] ||
        fail "$pkg_build is not configured with -DCONTINUO_DEVELOPER_PATHS=OFF"
    say "building continuo and continuo-cli ($jobs jobs)"
    cmake --build "$pkg_build" -j "$jobs" --target continuo continuo-cli
    rm -rf "$out"
    mkdir -p "$out"
    say "cpack -G DEB"
    (cd "$pkg_build" && cpack -G DEB -B "$out")
    local debs=("$out"/continuo_*.deb)
    [ -f "${debs[0]}" ] || fail "cpack wrote no continuo_*.deb into $out"
    say "built ${debs[0]}"
}

# --- check: install, use, purge ------------------------------------------------------------
installed=0
tmp=""
cleanup() {
    local status=$?
    if [ "$installed" = 1 ]; then
        say "purging after a failure"
        "${as_root[@]}" apt-get purge -y -q continuo < /dev/null > /dev/null 2>&1 || true
    fi
    [ -n "$tmp" ] && rm -rf "$tmp"
    exit "$status"
}

# A short primer in case the MAESTRO files are absent: a format-0 file, 480 ticks per quarter,
# an arpeggio and a chord in C major.
write_fallback_primer() {
    local f=$1 body="" p
    for p in 48 52 55 60 64 67 72 67 64 60; do
        body+="\\x00\\x90\\x$(printf %02x "$p")\\x50\\x83\\x60\\x80\\x$(printf %02x "$p")\\x40"
    done
    body+="\\x00\\x90\\x30\\x50\\x00\\x90\\x34\\x50\\x00\\x90\\x37\\x50"
    body+="\\x8f\\x00\\x80\\x30\\x40\\x00\\x80\\x34\\x40\\x00\\x80\\x37\\x40\\x00\\xff\\x2f\\x00"
    local len
    len=$(printf "$body" | wc -c)
    {
        printf 'MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk'
        printf "\\x$(printf %02x $((len >> 24 & 255)))\\x$(printf %02x $((len >> 16 & 255)))"
        printf "\\x$(printf %02x $((len >> 8 & 255)))\\x$(printf %02x $((len & 255)))"
        printf "$body"
    } > "$f"
}

check_package() {
    local debs=("$out"/continuo_*.deb)
    local deb=${debs[0]}
    [ -f "$deb" ] || fail "no package in $out (run: $0 build)"
    if dpkg-query -W -f='${db:Status-Status}' continuo 2> /dev/null | grep -qx installed; then
        skip "a continuo package is installed on this machine already; this test installs and purges it, so it leaves that one alone (apt-get purge continuo, then run again)"
    fi
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/continuo-package.XXXXXX")
    chmod 755 "$tmp"
    trap cleanup EXIT

    say "package: $deb"
    local field
    dpkg-deb -f "$deb" Package Version Architecture Depends Recommends
    field=$(dpkg-deb -f "$deb" Version)
    [ "$field" = "$version" ] || fail "package version $field, project version $version"
    field=$(dpkg-deb -f "$deb" Depends)
    case "$field" in *"fluid-soundfont-gm | timgm6mb-soundfont"*) ;; *) fail "Depends lacks the soundfont: $field" ;; esac
    case "$field" in *libqt6*) ;; *) fail "Depends lacks the Qt libraries (dpkg-shlibdeps did not run?): $field" ;; esac
    case "$field" in *libtorch*) ;; *) fail "Depends lacks LibTorch: $field" ;; esac

    say "apt-get install ./$(basename "$deb")"
    cp "$deb" "$tmp/"
    installed=1
    (cd "$tmp" && "${as_root[@]}" apt-get install -y -q "./$(basename "$deb")" < /dev/null)
    dpkg-query -W -f='${db:Status-Status}' continuo | grep -qx installed || fail "dpkg does not list continuo as installed"
    dpkg -L continuo | sort > "$work/installed-files.txt"
    say "installed $(wc -l < "$work/installed-files.txt") paths (list: $work/installed-files.txt)"

    local f
    for f in /usr/bin/continuo /usr/bin/continuo-cli; do
        [ -x "$f" ] || fail "$f is missing or not executable"
    done
    for f in /usr/share/continuo/models/continuo-default.safetensors \
             /usr/share/continuo/models/MODEL_CARD.md \
             /usr/share/icons/hicolor/scalable/apps/continuo.svg \
             /usr/share/applications/continuo.desktop \
             /usr/share/metainfo/org.continuo.Continuo.metainfo.xml \
             /usr/share/mime/packages/continuo.xml; do
        [ -f "$f" ] || fail "$f was not installed"
        grep -qxF "$f" "$work/installed-files.txt" || fail "$f exists but is not owned by the package"
    done
    cmp -s "$model" /usr/share/continuo/models/continuo-default.safetensors ||
        fail "the installed model differs from $model"
    # Developer builds compile the source tree's resources folder into the model search; a
    # package must find everything relative to its executable.
    for f in /usr/bin/continuo /usr/bin/continuo-cli; do
        if grep -qaF -e "$src/resources" -e "/../resources/models/" "$f"; then
            fail "$f still searches the build or source tree for the model (CONTINUO_DEVELOPER_PATHS=ON?)"
        fi
    done
    if command -v desktop-file-validate > /dev/null; then
        desktop-file-validate /usr/share/applications/continuo.desktop || fail "desktop-file-validate"
    fi
    if command -v appstreamcli > /dev/null; then
        appstreamcli validate --no-net /usr/share/metainfo/org.continuo.Continuo.metainfo.xml ||
            fail "appstreamcli validate"
    fi
    # The system's triggers took the files in: the MIME database knows *.continuo, and the
    # desktop database offers Continuo for MIDI files.
    if [ -f /usr/share/mime/globs2 ]; then
        grep -q 'application/x-continuo-project:\*\.continuo' /usr/share/mime/globs2 ||
            fail "the MIME database does not map *.continuo to application/x-continuo-project"
    fi
    if [ -f /usr/share/applications/mimeinfo.cache ]; then
        grep -q '^audio/midi=.*continuo\.desktop' /usr/share/applications/mimeinfo.cache ||
            fail "the desktop database does not offer continuo.desktop for audio/midi"
    fi

    # Use the installed programs from a neutral folder, with a fresh home and nothing that
    # points at the model or a soundfont.
    local run=(env -u CONTINUO_MODEL -u CONTINUO_SOUNDFONT -u QT_QPA_PLATFORM HOME="$tmp/home"
               XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share"
               XDG_CACHE_HOME="$tmp/home/.cache" XDG_RUNTIME_DIR="$tmp/runtime" OMP_WAIT_POLICY=PASSIVE)
    mkdir -p "$tmp/home" "$tmp/runtime"
    chmod 700 "$tmp/runtime"
    cd "$tmp"

    say "continuo-cli --version"
    f=$("${run[@]}" continuo-cli --version)
    echo "$f"
    case "$f" in *"$version"*) ;; *) fail "continuo-cli --version does not say $version" ;; esac

    say "continuo-cli info (the default model)"
    "${run[@]}" continuo-cli info
    f=$("${run[@]}" continuo-cli info --json)
    case "$f" in *'"path":"/usr/share/continuo/models/continuo-default.safetensors"'*) ;;
        *) fail "continuo-cli info did not load /usr/share/continuo/models/continuo-default.safetensors: $f" ;;
    esac

    local primer
    primer=$(find "$shared/maestro-v2" -type f \( -name '*.midi' -o -name '*.mid' \) 2> /dev/null | sort | head -n 1 || true)
    if [ -z "$primer" ]; then
        echo "package: no MAESTRO files under $shared/maestro-v2; continuing a short built-in primer instead"
        primer=$tmp/primer.mid
        write_fallback_primer "$primer"
    fi
    say "continuo-cli continue $primer"
    "${run[@]}" continuo-cli continue "$primer" --primer-seconds 10 --seconds 5 --seed 7 -o "$tmp/continued.mid"
    [ -s "$tmp/continued.mid" ] || fail "continue wrote no MIDI file"
    "${run[@]}" continuo-cli inspect "$tmp/continued.mid"

    say "continuo-cli render"
    "${run[@]}" continuo-cli render "$tmp/continued.mid" -o "$tmp/continued.wav"
    [ -s "$tmp/continued.wav" ] || fail "render wrote no WAV file"
    if command -v sox > /dev/null; then
        local stat rms
        stat=$(sox "$tmp/continued.wav" -n stat 2>&1)
        echo "$stat" | grep -E 'Length|Maximum amplitude|RMS +amplitude'
        rms=$(echo "$stat" | sed -n 's/^RMS *amplitude: *//p' | head -n 1)
        awk -v r="${rms:-0}" 'BEGIN { exit !(r > 0.001) }' || fail "the rendered WAV is silent (RMS amplitude ${rms:-?})"
    else
        echo "package: sox is missing: not measuring the WAV's loudness"
    fi
    cp "$tmp/continued.mid" "$tmp/continued.wav" "$work/" 2> /dev/null || true

    say "the installed GUI under Xvfb"
    if command -v xvfb-run > /dev/null; then
        rm -f "$work/gui-screenshot.png"
        local shot=""
        command -v import > /dev/null && shot=$work/gui-screenshot.png
        "${run[@]}" CONTINUO_SHOT="$shot" xvfb-run -a -s "-screen 0 1400x900x24 -nolisten tcp" \
            bash -c '
                continuo > "$HOME/gui.log" 2>&1 &
                pid=$!
                died() { status=0; wait "$pid" || status=$?; echo "package: the GUI exited early with status $status"; cat "$HOME/gui.log"; exit 1; }
                # Wait for its main window (a loaded machine can take a while to start it),
                # then let it run for a few seconds more.
                if command -v xwininfo > /dev/null; then
                    waited=0
                    until xwininfo -root -tree 2> /dev/null | grep -q "\"[^\"]*Continuo\": (\"continuo\""; do
                        kill -0 "$pid" 2> /dev/null || died
                        waited=$((waited + 1))
                        [ "$waited" -le 120 ] || { echo "package: no Continuo window after 120 s"; kill -KILL "$pid"; cat "$HOME/gui.log"; exit 1; }
                        sleep 1
                    done
                    echo "package: the main window is up after ${waited} s"
                fi
                for _ in 1 2 3 4 5 6; do
                    sleep 1
                    kill -0 "$pid" 2> /dev/null || died
                done
                [ -z "$CONTINUO_SHOT" ] || import -window root "$CONTINUO_SHOT" || echo "package: no screenshot"
                kill -TERM "$pid"
                for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
                if kill -0 "$pid" 2> /dev/null; then
                    kill -KILL "$pid"; echo "package: the GUI ignored SIGTERM for 5 s"; cat "$HOME/gui.log"; exit 1
                fi
                status=0; wait "$pid" || status=$?
                cat "$HOME/gui.log"
                # 143: ended by the SIGTERM it was sent; anything else is a crash or an error.
                [ "$status" = 0 ] || [ "$status" = 143 ] || { echo "package: the GUI ended with status $status"; exit 1; }
            ' || fail "the installed GUI did not open its window, stay up and stop on SIGTERM"
        [ -z "$shot" ] || [ ! -f "$shot" ] || say "screenshot: $shot"
    else
        echo "package: xvfb-run is missing: not starting the GUI"
    fi

    say "apt-get purge -y continuo"
    cd /
    "${as_root[@]}" apt-get purge -y -q continuo < /dev/null
    installed=0
    if dpkg-query -W -f='${db:Status-Status}' continuo 2> /dev/null | grep -qv '^not-installed$'; then
        fail "dpkg still knows continuo after the purge: $(dpkg-query -W -f='${db:Status-Abbrev}' continuo)"
    fi
    local left=()
    while read -r f; do
        # Folders such as /usr/share/icons belong to others too; only files and our own folders count.
        if [ -d "$f" ]; then
            case "$f" in /usr/share/continuo* | /usr/share/doc/continuo) left+=("$f") ;; esac
        elif [ -e "$f" ] || [ -L "$f" ]; then
            left+=("$f")
        fi
    done < "$work/installed-files.txt"
    for f in /usr/bin/continuo* /usr/share/continuo /usr/share/icons/hicolor/*/apps/continuo.* \
             /usr/share/applications/continuo.desktop /usr/share/metainfo/org.continuo.Continuo.metainfo.xml \
             /usr/share/mime/packages/continuo.xml /usr/share/mime/application/x-continuo-project.xml; do
        [ -e "$f" ] && left+=("$f")
    done
    [ ${#left[@]} -eq 0 ] || fail "left behind after the purge: ${left[*]}"
    if [ -f /usr/share/mime/globs2 ] && grep -q 'x-continuo-project' /usr/share/mime/globs2; then
        fail "the MIME database still knows application/x-continuo-project after the purge"
    fi
    if [ -f /usr/share/applications/mimeinfo.cache ] && grep -q 'continuo\.desktop' /usr/share/applications/mimeinfo.cache; then
        fail "the desktop database still lists continuo.desktop after the purge"
    fi
    say "purged; nothing left behind"
}

mkdir -p "$work"
case "$mode" in
build) build_package ;;
check) check_package ;;
all) build_package; check_package ;;
*) echo "usage: $0 [build|check|all]" >&2; exit 2 ;;
esac
say "PASS ($mode)"
