#!/bin/sh
# check-mime.sh MIME_XML: builds a private MIME database from MIME_XML with
# update-mime-database and checks that *.trackscope maps to the session type,
# a subclass of SQLite databases.
set -eu

xml=$1
type=application/x-trackscope-session

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir -p "$tmp/mime/packages"
cp "$xml" "$tmp/mime/packages/"
# XDG_DATA_HOME: otherwise it notes on stderr that the folder is not searched.
if ! XDG_DATA_HOME=$tmp update-mime-database "$tmp/mime" 2>"$tmp/err"; then
  cat "$tmp/err" >&2
  echo "update-mime-database rejected $xml" >&2
  exit 1
fi
if [ -s "$tmp/err" ]; then
  cat "$tmp/err" >&2
  echo "update-mime-database complained about $xml" >&2
  exit 1
fi

status=0
grep -q ":$type:\*\.trackscope" "$tmp/mime/globs2" || {
  echo "globs2 does not map *.trackscope to $type:" >&2
  cat "$tmp/mime/globs2" >&2
  status=1
}
grep -q "^$type application/vnd.sqlite3\$" "$tmp/mime/subclasses" || {
  echo "subclasses does not make $type a kind of application/vnd.sqlite3" >&2
  status=1
}
grep -qx "$type" "$tmp/mime/types" || {
  echo "types does not list $type" >&2
  status=1
}
exit $status
