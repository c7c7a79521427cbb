#!/bin/sh
# check-man.sh PAGE...: formats each man page with groff and fails on any
# warning (unknown macros, bad escapes, lines that cannot be broken).
set -u

status=0
for page in "$@"; do
  warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
  if [ -n "$warnings" ]; then
    echo "$page:" >&2
    echo "$warnings" >&2
    status=1
  fi
done
exit $status
