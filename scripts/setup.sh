#!/bin/sh
# setup.sh — installs the Debian packages regio needs to build and test, when they are missing.
#
#   scripts/setup.sh                               the project's packages
#   scripts/setup.sh --no-recommends PACKAGE...    other packages, without their recommends
#                                                  (scripts/setup-windows.sh uses this)
#
# Idempotent and quiet: when everything is installed it prints nothing and changes nothing.
# Otherwise it runs `apt-get update` and `apt-get install -y` for the missing packages only,
# through sudo when not run as root. On a system without dpkg it says what to install instead.
set -eu

packages="cmake gcc make pkg-config lua5.4 liblua5.4-dev lua-busted liburing-dev"
apt_opts=""
if [ "${1:-}" = "--no-recommends" ]; then
  shift
  [ $# -gt 0 ] || { echo "setup.sh: --no-recommends needs package names" >&2; exit 2; }
  packages="$*"
  apt_opts="--no-install-recommends"
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup.sh: not a Debian-like system; install these (or your system's equivalents):" >&2
  echo "  $packages" >&2
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
  echo "setup.sh: missing packages:$missing; run this script as root (sudo is not installed)" >&2
  exit 1
fi

echo "setup.sh: installing$missing"
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086 # $apt_opts and $missing are lists of words.
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $apt_opts $missing
