#!/usr/bin/env bash
# test-install.sh: `meson install --destdir` into a temporary folder gives a working app and
# CLI: the installed paintmask runs, edits a sample photo, and its desktop file, metainfo,
# schema, man page and completion are in place and valid.
# Usage: test-install.sh BUILD_DIR PREFIX DATADIR BINDIR MANDIR COMPLETIONSDIR APP_ID
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

build=$1 prefix=$2 datadir=$3 bindir=$4 mandir=$5 completionsdir=$6 app_id=$7
dest=$(mktemp -d "${TMPDIR:-/tmp}/paintmask-install-XXXXXX")
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null && return 0
  if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then fail "missing in CI: $1"; fi
  echo "missing: $1 (bash build-aux/install-deps.sh installs it)"; exit 77
}
need desktop-file-validate
need appstreamcli
need glib-compile-schemas
need man

meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$dest.log" 2>&1 \
  || { cat "$dest.log" >&2; rm -f "$dest.log"; fail "meson install failed"; }
rm -f "$dest.log"
root=$dest$prefix
d=$dest$datadir
bin=$dest$bindir/paintmask

# Every file an installed GNOME app needs.
for f in "$bin" \
         "$d/applications/$app_id.desktop" \
         "$d/metainfo/$app_id.metainfo.xml" \
         "$d/glib-2.0/schemas/$app_id.gschema.xml" \
         "$d/mime/packages/$app_id.xml" \
         "$d/icons/hicolor/scalable/apps/$app_id.svg" \
         "$d/icons/hicolor/symbolic/apps/$app_id-symbolic.svg" \
         "$d/paintmask/samples/coffee.png" \
         "$dest$mandir/man1/paintmask.1" \
         "$dest$completionsdir/paintmask"; do
  [ -e "$f" ] || fail "not installed: ${f#"$dest"}"
done
for lang in de fr; do
  mo=$(find "$root" -path "*/$lang/LC_MESSAGES/paintmask.mo" | head -n1)
  [ -n "$mo" ] || fail "no $lang translation installed"
done

# The installed program.
version=$("$bin" --version)
[ "$version" = "paintmask $(sed -n "s/^  version: '\(.*\)',$/\1/p" "$PM_SOURCE_ROOT/meson.build")" ] \
  || fail "paintmask --version printed '$version'"
work=$dest/work
mkdir -p "$work"
(cd "$work" && "$bin" edit "$d/paintmask/samples/coffee.png" "paint the cup blue" --json -q \
   >edit.json) || fail "installed paintmask edit failed"
grep -q '"result"' "$work/edit.json" || fail "edit --json printed no result"
for f in coffee-edited.png coffee-mask.png; do
  [ -s "$work/$f" ] || fail "edit did not write $f"
  head -c 8 "$work/$f" | od -An -c | grep -q 'P   N   G' || fail "$f is not a PNG"
done

# Validators on the installed files.
desktop-file-validate "$d/applications/$app_id.desktop" || fail "desktop file"
appstreamcli validate --no-net --pedantic "$d/metainfo/$app_id.metainfo.xml" \
  || fail "metainfo"
glib-compile-schemas --strict --dry-run "$d/glib-2.0/schemas" || fail "schema"
grep -q "^Icon=$app_id$" "$d/applications/$app_id.desktop" || fail "desktop Icon"
grep -q "<id>$app_id</id>" "$d/metainfo/$app_id.metainfo.xml" || fail "metainfo id"
grep -q "<binary>paintmask</binary>" "$d/metainfo/$app_id.metainfo.xml" || fail "provides"
for sc in $(sed -n 's#.*<image>.*/data/screenshots/\(.*\)</image>.*#\1#p' \
              "$d/metainfo/$app_id.metainfo.xml"); do
  [ -f "$PM_SOURCE_ROOT/data/screenshots/$sc" ] || fail "screenshot $sc not in the tree"
done
warnings=$(MANWIDTH=80 man --warnings -l "$dest$mandir/man1/paintmask.1" 2>&1 >/dev/null)
[ -z "$warnings" ] || fail "man page: $warnings"
bash -n "$dest$completionsdir/paintmask" || fail "completion script"
echo "installed and checked under $dest"
