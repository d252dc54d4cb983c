#!/bin/sh
# Runs the whole test suite from a fresh clone inside a minimal Debian 12 root, as a new user's
# machine would: only what `debootstrap --variant=minbase` installs, then whatever
# ./continuo.sh's set-up installs itself.
#   sudo scripts/minimal-root-test.sh [ROOT_DIR] [SHARED_DIR]
# ROOT_DIR (default /var/tmp/continuo-deb12) is made with debootstrap when it is empty; the
# repository's HEAD is cloned into ROOT_DIR/work/main and SHARED_DIR (default ../shared beside
# the repository) is bound at ROOT_DIR/work/shared, read-only. Needs root, debootstrap and the
# network (Debian's mirror). The log is ROOT_DIR/work/test.log; the exit status is the suite's.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/var/tmp/continuo-deb12}
shared=${2:-$repo/../shared}
mirror=${CONTINUO_DEBIAN_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "minimal-root-test.sh: run it as root (it mounts and chroots)" >&2; exit 1; }
command -v debootstrap > /dev/null || { echo "minimal-root-test.sh: apt install debootstrap" >&2; exit 1; }
[ -d "$shared/data" ] || { echo "minimal-root-test.sh: $shared/data is missing (the MAESTRO data)" >&2; exit 1; }
shared=$(cd "$shared" && pwd)

if [ ! -x "$root/usr/bin/apt-get" ]; then
    echo "== a minimal Debian 12 root in $root"
    mkdir -p "$root"
    debootstrap --variant=minbase bookworm "$root" "$mirror"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"

mounted=""
cleanup() {
    for m in $mounted; do umount -l "$m" 2> /dev/null || true; done
}
trap cleanup EXIT INT TERM
bind() { # source target [ro]
    mkdir -p "$2"
    mount --bind "$1" "$2"
    [ "${3:-}" = ro ] && mount -o remount,bind,ro "$2"
    mounted="$2 $mounted"
}
mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/dev/shm" "$root/tmp"
mount -t proc proc "$root/proc" && mounted="$root/proc $mounted"
bind /sys "$root/sys" ro
bind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/dev/shm" && mounted="$root/dev/shm $mounted"
bind "$shared" "$root/work/shared" ro

echo "== a fresh clone of $(git -C "$repo" rev-parse --short HEAD) in $root/work/main"
rm -rf "$root/work/main"
git clone -q "$repo" "$root/work/main"

echo "== ./continuo.sh test in the root (log: $root/work/test.log)"
status=0
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 CI=true \
    sh -c 'cd /work/main && ./continuo.sh test' > "$root/work/test.log" 2>&1 < /dev/null || status=$?
tail -n 25 "$root/work/test.log"
exit $status
