#!/bin/sh
# setup-windows.sh — installs what the Windows checks need, when it is missing: the mingw-w64
# cross-compiler (gcc-mingw-w64-x86-64) and Wine (wine64, without its recommends: about 200 MB
# to download with the compiler, about 30 s on the CI machine).
#
# Idempotent and quiet, like setup.sh: when both are installed it prints nothing. Through sudo
# when not run as root. On a system without dpkg it says what to install instead.
set -eu

packages="gcc-mingw-w64-x86-64 wine64"

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup-windows.sh: not a Debian-like system; install a mingw-w64 cross-compiler" \
       "(x86_64-w64-mingw32-gcc) and Wine" >&2
  exit 0
fi

missing=""
for pkg in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case $status in
    *" installed") ;;
    *) missing="$missing $pkg" ;;
  esac
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "setup-windows.sh: missing packages:$missing; run this script as root" >&2
  exit 1
fi

echo "setup-windows.sh: installing$missing"
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086 # $missing is a list of package names.
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  $missing
