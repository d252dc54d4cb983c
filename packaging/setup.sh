#!/usr/bin/env bash
# Installs the Debian 12 packages Continuo needs (packaging/debian-packages.txt) on a fresh
# machine. Idempotent: when every package is installed it says so and changes nothing.
# Runs as root, or through sudo otherwise. Never asks a question (DEBIAN_FRONTEND=noninteractive).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mapfile -t packages < <(sed -e 's/#.*//' "$here/debian-packages.txt" | tr -s ' \t' '\n\n' | sed '/^$/d')

missing=()
for p in "${packages[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done

if [ "$(id -u)" -eq 0 ]; then
    as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo > /dev/null; then
    as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
else
    as_root=()
fi

# LibTorch must find OpenBLAS (OpenMP flavour), not the reference BLAS/LAPACK, through the
# Debian alternatives. Prints what it changed; changes nothing when already so.
use_openblas() {
    local name best current
    for name in $(update-alternatives --get-selections 2>/dev/null | awk '/^lib(blas|lapack)\.so\.3/ {print $1}'); do
        best=$(update-alternatives --list "$name" | grep -m1 openblas-openmp || true)
        current=$(update-alternatives --query "$name" | sed -n 's/^Value: //p')
        if [ -n "$best" ] && [ "$current" != "$best" ]; then
            echo "setup: $name -> $best"
            "${as_root[@]}" update-alternatives --set "$name" "$best"
        fi
    done
}

if [ ${#missing[@]} -eq 0 ]; then
    [ ${#as_root[@]} -eq 0 ] || use_openblas
    echo "setup: all ${#packages[@]} packages are installed; nothing to do"
    exit 0
fi

echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}"
if [ ${#as_root[@]} -eq 0 ]; then
    echo "setup: not root and no sudo: run as root: apt-get install ${packages[*]}" >&2
    exit 1
fi

# jackd2 asks whether to enable real-time scheduling limits: answer no, before it is installed.
echo "jackd2 jackd/tweak_rt_limits boolean false" | "${as_root[@]}" debconf-set-selections

apt=(apt-get -y -q -o Acquire::Retries=3 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${as_root[@]}" "${apt[@]}" update < /dev/null
# Everything in one transaction (apt leaves what is already there alone), so that the JACK
# development package and the RtAudio/RtMidi packages are resolved together.
"${as_root[@]}" "${apt[@]}" install --no-install-recommends "${packages[@]}" < /dev/null

still=()
for p in "${packages[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
    echo "setup: still missing after apt-get install: ${still[*]}" >&2
    exit 1
fi
use_openblas
echo "setup: all ${#packages[@]} packages are installed"
