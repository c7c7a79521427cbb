#!/bin/sh
# `make run`: the app when there is a display, headless capture otherwise.
set -eu

builddir=${1:-build}

# Our GSettings schema, compiled into the build tree; the system's stay
# visible through XDG_DATA_DIRS.
if [ -f "$builddir/data/gschemas.compiled" ]; then
  GSETTINGS_SCHEMA_DIR="$(cd "$builddir/data" && pwd)${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
  export GSETTINGS_SCHEMA_DIR
fi

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  if [ -x "$builddir/src/app/trackscope" ]; then
    exec "$builddir/src/app/trackscope"
  fi
  echo "The app was not built (GTK 4 or libadwaita missing?): starting headless capture." >&2
else
  echo "No display found: starting headless capture (trackscope-cli capture). Stop it with Ctrl+C." >&2
fi

exec "$builddir/src/cli/trackscope-cli" capture
