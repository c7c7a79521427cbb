#!/bin/sh
# Installs what building and testing Trackscope needs on Debian/Ubuntu,
# and nothing that is already there. Safe to run again and again.
set -eu

packages="
  meson ninja-build pkg-config gcc make
  libglib2.0-dev libglib2.0-bin libjson-glib-dev libsqlite3-dev libsoup-3.0-dev
  libgtk-4-dev libadwaita-1-dev
  gettext desktop-file-utils appstream
  xvfb xauth dbus-daemon sqlite3 curl
  chromium
"

# Node.js and npm drive the real SDKs in the client tests; a machine that
# already has them (from any source) keeps its own.
command -v node >/dev/null 2>&1 || packages="$packages nodejs"
command -v npm >/dev/null 2>&1 || packages="$packages npm"

missing=""
for p in $packages; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

echo "Installing missing packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "error: these packages are missing and there is no sudo to install them:$missing" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $sudo apt-get install -y --no-install-recommends $missing; then
  $sudo apt-get update
  # shellcheck disable=SC2086
  $sudo apt-get install -y --no-install-recommends $missing
fi
