#!/usr/bin/env bash
# Installs the Debian 12 packages Paintmask needs to build, run and test.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

BUILD_PKGS=(
  build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libgdk-pixbuf-2.0-dev libgtk-4-dev libadwaita-1-dev libcairo2-dev
  libopenblas-dev libsqlite3-dev libjson-glib-dev libsoup-3.0-dev libsecret-1-dev
  desktop-file-utils appstream libglib2.0-bin webp-pixbuf-loader librsvg2-common
  bash-completion man-db
)
TEST_PKGS=(
  xvfb xauth xdotool sqlite3 python3 python3-numpy python3-pil python3-torch
  libgdk-pixbuf2.0-bin librsvg2-common valgrind shared-mime-info
)

# tests/fuzz/run-fuzz.sh: clang with libFuzzer and the sanitizer runtimes.
FUZZ_PKGS=(clang libclang-rt-14-dev)

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" = "--tests" ]; then
  want+=("${TEST_PKGS[@]}")
elif [ "${1:-}" = "--fuzz" ]; then
  want+=("${FUZZ_PKGS[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
