#!/usr/bin/env bash
# Validates the desktop entry, the AppStream metadata and the MIME type definition with the
# freedesktop tools. Exit status 77 (skipped) when none of the tools is installed.
#   validate_metadata.sh DESKTOP_FILE METAINFO_FILE MIME_XML
set -uo pipefail
desktop=$1 metainfo=$2 mime=$3
ran=0 failed=0

if command -v desktop-file-validate > /dev/null; then
    ran=1
    if desktop-file-validate "$desktop"; then echo "ok: desktop-file-validate $desktop"
    else echo "FAIL: desktop-file-validate $desktop"; failed=1; fi
else
    echo "skipped: desktop-file-validate (package desktop-file-utils) is not installed"
fi

if command -v appstreamcli > /dev/null; then
    ran=1
    if appstreamcli validate --no-net "$metainfo"; then echo "ok: appstreamcli validate $metainfo"
    else echo "FAIL: appstreamcli validate $metainfo"; failed=1; fi
else
    echo "skipped: appstreamcli (package appstream) is not installed"
fi

# update-mime-database refuses a malformed definition; compile it into a scratch database.
if command -v update-mime-database > /dev/null; then
    ran=1
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
    echo "skipped: update-mime-database (package shared-mime-info) is not installed"
fi

[ "$ran" = 1 ] || { echo "SKIP: none of the validators is installed"; exit 77; }
exit "$failed"
