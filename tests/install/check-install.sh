#!/bin/sh
# check-install.sh BUILD_ROOT: runs `meson install` from BUILD_ROOT into a
# temporary DESTDIR and checks that every file GNOME expects is there, under
# whatever prefix the build was configured with. Lists what is missing.
set -u

build_root=$1
app_id=io.github.trackscope.Trackscope

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
dest=$tmp/dest

if ! meson install -C "$build_root" --destdir "$dest" --no-rebuild --quiet >"$tmp/log" 2>&1; then
  cat "$tmp/log" >&2
  echo "meson install into $dest failed" >&2
  exit 1
fi

# The prefix is wherever bin/trackscope-cli landed, e.g. $dest/usr/local.
cli=$(find "$dest" -path '*/bin/trackscope-cli' | head -n 1)
if [ -z "$cli" ]; then
  echo "nothing installed as bin/trackscope-cli; installed tree:" >&2
  (cd "$dest" && find . -type f) >&2
  exit 1
fi
prefix=$(dirname "$(dirname "$cli")")

missing=
for path in \
  bin/trackscope \
  bin/trackscope-cli \
  share/applications/$app_id.desktop \
  share/metainfo/$app_id.metainfo.xml \
  share/glib-2.0/schemas/$app_id.gschema.xml \
  share/icons/hicolor/scalable/apps/$app_id.svg \
  share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg \
  share/mime/packages/$app_id.mime.xml \
  share/man/man1/trackscope.1 \
  share/man/man1/trackscope-cli.1
do
  [ -e "$prefix/$path" ] || missing="$missing $path"
done

if [ -n "$missing" ]; then
  echo "missing under the prefix ${prefix#"$dest"}:" >&2
  for path in $missing; do
    echo "  $path" >&2
  done
  exit 1
fi

for exe in bin/trackscope bin/trackscope-cli; do
  if [ ! -x "$prefix/$exe" ]; then
    echo "$exe is not executable" >&2
    exit 1
  fi
done

echo "installed tree under ${prefix#"$dest"} is complete"
