#!/bin/sh
# Installs the real SDKs the client tests drive, exactly as locked, when
# the lock file changed since the last install.
set -eu

dir="$(dirname "$0")/../tests/clients"
stamp="$dir/node_modules/.trackscope-installed"

if [ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ]; then
  exit 0
fi

echo "Installing the client test SDKs (npm ci)"
(cd "$dir" && npm ci --no-audit --no-fund)
touch "$stamp"
