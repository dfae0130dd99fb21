#!/usr/bin/env bash
# Installs what Paintmask needs, builds it and runs the main job: with a display and no
# arguments it opens the app; otherwise it runs `paintmask edit` on a bundled sample photo
# (or on the arguments given) and prints where the edited image and mask were written.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash build-aux/install-deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build >/dev/null
fi
ninja -C build >/dev/null

bin="$here/build/src/paintmask"
if [ $# -eq 0 ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -f "$here/src/app/pm-app-main.c" ]; then
  exec "$bin"
fi

out="${PAINTMASK_OUT:-$here/build/out}"
mkdir -p "$out"
if [ $# -ge 2 ]; then
  image=$1; instruction=$2; shift 2
else
  image="$here/data/samples/coffee.png"
  # The cup and the saucer are the same red: the built-in engine (colour cue) paints both,
  # so say so; "the red saucer" alone would look like a spill onto the cup.
  instruction="paint the red cup and saucer blue"
fi
exec "$bin" edit "$image" "$instruction" -o "$out/edited.png" --mask "$out/mask.png" \
  --soft-mask "$out/soft-mask.png" "$@"
