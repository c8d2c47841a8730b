#!/bin/sh
# setup-windows.sh — installs what the Windows checks need, when it is missing: the mingw-w64
# cross-compiler (gcc-mingw-w64-x86-64) and Wine (wine64, without its recommends: about 200 MB
# to download with the compiler, about 30 s on the CI machine). Idempotent and quiet, like
# setup.sh, which does the work.
set -eu

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup-windows.sh: not a Debian-like system; install a mingw-w64 cross-compiler" \
       "(x86_64-w64-mingw32-gcc) and Wine" >&2
  exit 0
fi
exec "$(dirname "$0")/setup.sh" --no-recommends gcc-mingw-w64-x86-64 wine64
