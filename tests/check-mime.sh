#!/bin/sh
# check-mime.sh MIME_XML DESKTOP_FILE: the .paintmask type as a desktop sees it. The MIME
# package, installed into a scratch data folder, makes GIO call a SQLite file named
# *.paintmask application/x-paintmask (not plain application/vnd.sqlite3), and the desktop
# file offers Paintmask for that type.
set -eu
xml=$1
desktop=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/data/mime/packages" "$tmp/empty"
cp "$xml" "$tmp/data/mime/packages/"
update-mime-database "$tmp/data/mime"
grep -q '^[0-9]*:application/x-paintmask:\*\.paintmask$' "$tmp/data/mime/globs2" ||
  { echo "globs2 has no *.paintmask entry"; cat "$tmp/data/mime/globs2"; exit 1; }

# A real SQLite file, as a session export or a dataset project is.
/usr/bin/python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("create table t (x)"); c.commit()' \
  "$tmp/photos.paintmask"
type_of () {
  XDG_DATA_HOME=$1 XDG_DATA_DIRS=$1:/usr/share gio info -a standard::content-type "$2" |
    sed -n 's/^ *standard::content-type: //p'
}
with=$(type_of "$tmp/data" "$tmp/photos.paintmask")
without=$(type_of "$tmp/empty" "$tmp/photos.paintmask")
echo "with the package: $with; without it: $without"
[ "$with" = application/x-paintmask ] || { echo "expected application/x-paintmask"; exit 1; }
[ "$without" != application/x-paintmask ] || { echo "the type is known without the package?"; exit 1; }

grep -q '^MimeType=.*application/x-paintmask;' "$desktop" ||
  { echo "$desktop does not offer Paintmask for application/x-paintmask"; exit 1; }
echo "ok"
