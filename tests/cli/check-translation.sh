#!/bin/sh
# check-translation.sh CLI LOCALEDIR
#
# Runs the built trackscope-cli with LANGUAGE=de and TRACKSCOPE_LOCALEDIR
# pointing at the uninstalled catalogs (<build>/po/de/LC_MESSAGES/trackscope.mo)
# and fails unless the German translations of the usage text and of
# "check --help" appear. LC_ALL=C.UTF-8 is kept: glibc honours LANGUAGE
# for any locale other than plain "C"/"POSIX".
set -u

cli=$1
localedir=$2
status=0

LANGUAGE=de
LC_ALL=C.UTF-8
TRACKSCOPE_LOCALEDIR=$localedir
export LANGUAGE LC_ALL TRACKSCOPE_LOCALEDIR

expect () {
  # expect LABEL OUTPUT TEXT
  case $2 in
    *"$3"*) echo "ok: $1 contains “$3”" ;;
    *) echo "FAIL: $1 lacks “$3”; it printed:" >&2
       printf '%s\n' "$2" >&2
       status=1 ;;
  esac
}

out=$("$cli" --help 2>&1)
expect "trackscope-cli --help" "$out" "Aufruf: trackscope-cli BEFEHL"
expect "trackscope-cli --help" "$out" "Befehle:"

out=$("$cli" check --help 2>&1)
expect "trackscope-cli check --help" "$out" "Analyse-Aufrufe auf Identitätsfehler prüfen."

exit $status
