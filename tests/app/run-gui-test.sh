#!/bin/sh
# Runs a GUI test program: under Xvfb when there is no display and xvfb-run exists.
# SPDX-License-Identifier: GPL-3.0-or-later
if [ -z "$DISPLAY" ] && [ -z "$WAYLAND_DISPLAY" ] && command -v xvfb-run >/dev/null 2>&1; then
  export GDK_BACKEND=x11
  exec xvfb-run -a -s '-screen 0 1280x1024x24' "$@"
fi
exec "$@"
