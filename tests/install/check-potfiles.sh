#!/bin/sh
# Every source file with translatable strings must be listed in
# po/POTFILES.in, or its strings never reach the translators.
set -eu

srcdir=$1
cd "$srcdir"

missing=$(
  for f in $(grep -lE '(^|[^a-zA-Z_])N?_\("|translatable="yes"' src/*/*.c src/*/*.ui src/*/*/*.ui data/*.in 2>/dev/null); do
    grep -qxF "$f" po/POTFILES.in || echo "$f"
  done
)

if [ -n "$missing" ]; then
  echo "These files have translatable strings but are not in po/POTFILES.in:" >&2
  echo "$missing" | sed 's/^/  /' >&2
  exit 1
fi

stale=$(grep -v '^#' po/POTFILES.in | while read -r f; do [ -z "$f" ] || [ -f "$f" ] || echo "$f"; done)
if [ -n "$stale" ]; then
  echo "po/POTFILES.in lists files that do not exist:" >&2
  echo "$stale" | sed 's/^/  /' >&2
  exit 1
fi
