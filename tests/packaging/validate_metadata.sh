#!/usr/bin/env bash
# Validates the desktop entry, the AppStream metadata and the MIME type definition with the
# freedesktop tools. Exit status 1 when a validator fails; otherwise 77 (skipped, which CTest
# reports as such) when any of the tools is not installed, the last line saying which: a
# check that did not run is not a pass.
#   validate_metadata.sh DESKTOP_FILE METAINFO_FILE MIME_XML
set -uo pipefail
desktop=$1 metainfo=$2 mime=$3
failed=0
missing=()

if command -v desktop-file-validate > /dev/null; then
    if desktop-file-validate "$desktop"; then echo "ok: desktop-file-validate $desktop"
    else echo "FAIL: desktop-file-validate $desktop"; failed=1; fi
else
    missing+=("desktop-file-validate (apt-get install desktop-file-utils)")
fi

if command -v appstreamcli > /dev/null; then
    if appstreamcli validate --no-net "$metainfo"; then echo "ok: appstreamcli validate $metainfo"
    else echo "FAIL: appstreamcli validate $metainfo"; failed=1; fi
else
    missing+=("appstreamcli (apt-get install appstream)")
fi

# update-mime-database refuses a malformed definition; compile it into a scratch database.
if command -v update-mime-database > /dev/null; then
    scratch=$(mktemp -d)
    db=$scratch/share/mime
    mkdir -p "$db/packages"
    cp "$mime" "$db/packages/continuo.xml"
    if out=$(XDG_DATA_HOME=$scratch/share update-mime-database "$db" 2>&1) && [ -z "$out" ] &&
        grep -q 'application/x-continuo-project:\*\.continuo' "$db/globs2"; then
        echo "ok: update-mime-database maps *.continuo to application/x-continuo-project"
    else
        echo "FAIL: update-mime-database $mime: ${out:-no glob for *.continuo}"; failed=1
    fi
    rm -rf "$scratch"
else
    missing+=("update-mime-database (apt-get install shared-mime-info)")
fi

[ "$failed" = 0 ] || exit 1
if [ ${#missing[@]} -gt 0 ]; then
    printf 'skipped: %s is not installed\n' "${missing[@]}"
    exit 77
fi
exit 0
