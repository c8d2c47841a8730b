#!/usr/bin/env bash
# check-windows.sh — the Windows checks that can run on Linux: cross-compile regio for Windows
# with mingw-w64, and run what was built under Wine.
#
#   scripts/check-windows.sh build   configure and build build-win/ (core, C tests, probe)
#   scripts/check-windows.sh probe   run regio_probe_winrio.exe under Wine: RIO must be reported
#                                    unavailable with its reason, and "auto" must say why no
#                                    engine can run (Wine has no RIO)
#   scripts/check-windows.sh tests   run the cross-compiled C tests under Wine (ctest in
#                                    build-win/): the plain tests run, the winrio ones skip
#   scripts/check-windows.sh         all three, in that order
#
# Exit status: 0 passed, 1 failed, 77 skipped (the reason is printed as "SKIP: ..."): probe and
# tests skip when Wine or build-win/ is missing, unless REGIO_REQUIRE_WINDOWS=1 (CI), which makes
# a missing piece a failure. `make test` runs probe and tests as the CTest tests windows_probe
# and windows_tests (CMakeLists.txt); .ci/run runs build first.
#
# Environment: REGIO_WIN_BUILD_DIR (default build-win/), REGIO_WINE (the Wine loader; default
# /usr/lib/wine/wine64, where Debian's wine64 puts it — Debian has no /usr/bin/wine).
set -uo pipefail

root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root" || exit 1
win_dir=${REGIO_WIN_BUILD_DIR:-$root/build-win}
require=${REGIO_REQUIRE_WINDOWS:-0}

note() { printf '%s\n' "check-windows.sh: $*"; }

# Ends the step as skipped with a reason, or as failed when CI requires the step.
skip_or_fail() {
  if [ "$require" = 1 ]; then
    note "FAILED: $* (REGIO_REQUIRE_WINDOWS=1)"
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}

find_wine() {
  if [ -n "${REGIO_WINE:-}" ]; then echo "$REGIO_WINE"; return; fi
  if [ -x /usr/lib/wine/wine64 ]; then echo /usr/lib/wine/wine64; return; fi
  command -v wine64 || command -v wine || true
}

step_build() {
  if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
    skip_or_fail "x86_64-w64-mingw32-gcc is not installed (scripts/setup-windows.sh installs it)"
  fi
  mkdir -p "$win_dir" && rm -f "$win_dir/BUILD-FAILED"
  note "cross-compiling into $win_dir"
  if cmake -S "$root" -B "$win_dir" -DCMAKE_TOOLCHAIN_FILE="$root/core/cmake/mingw-w64.cmake" \
       >"$win_dir/configure.log" 2>&1 &&
     cmake --build "$win_dir" -j "$(nproc 2>/dev/null || echo 2)"; then
    note "cross-compilation ok: $(cd "$win_dir" && echo regio_probe_winrio.exe core/test/*.exe)"
    return 0
  fi
  [ -f "$win_dir/configure.log" ] && cat "$win_dir/configure.log"
  echo "the last cross-compilation failed" >"$win_dir/BUILD-FAILED"
  note "FAILED: the Windows cross-compilation failed"
  exit 1
}

# Sets up a throw-away Wine prefix; Wine's own chatter goes to a log shown only on failure.
wine_env() {
  wine=$(find_wine)
  if [ -z "$wine" ] || [ ! -x "$wine" ]; then
    skip_or_fail "Wine is not installed (scripts/setup-windows.sh installs wine64)"
  fi
  if [ -f "$win_dir/BUILD-FAILED" ]; then
    note "FAILED: $win_dir: $(cat "$win_dir/BUILD-FAILED")"
    exit 1
  fi
  prefix=$(mktemp -d "${TMPDIR:-/tmp}/regio-wine.XXXXXX")
  wine_log="$prefix.log"
  export WINEPREFIX="$prefix" WINEDEBUG=-all REGIO_WINE="$wine"
  trap 'WINEPREFIX="$prefix" "$(dirname "$wine")/wineserver" -k >/dev/null 2>&1;
        rm -rf "$prefix" "$wine_log"' EXIT
  # Create the prefix now, in one process: Wine programs started in parallel on a prefix that
  # does not exist yet (ctest -j) can fail at once while it is being made.
  timeout 120 "$wine" wineboot --init >>"$wine_log" 2>&1 || note "wineboot --init failed"
}

step_probe() {
  local exe="$win_dir/regio_probe_winrio.exe" rc
  [ -f "$exe" ] || skip_or_fail "$exe is not built (scripts/check-windows.sh build)"
  wine_env
  note "running regio_probe_winrio.exe under $("$wine" --version 2>/dev/null || echo Wine)"
  timeout 120 "$wine" "$exe" --expect-unavailable 2>"$wine_log"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    note "FAILED: the probe exited with status $rc; Wine's stderr:"
    tail -n 20 "$wine_log"
    exit 1
  fi
  note "probe ok: RIO reported unavailable with its reason"
}

step_tests() {
  local rc
  [ -f "$win_dir/core/test/regio_tests.exe" ] ||
    skip_or_fail "$win_dir/core/test/regio_tests.exe is not built (scripts/check-windows.sh build)"
  wine_env
  note "running the Windows C tests under Wine (ctest --test-dir $win_dir)"
  timeout 300 ctest --test-dir "$win_dir" -j 2 2>"$wine_log"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    note "FAILED: ctest exited with status $rc; Wine's stderr:"
    tail -n 20 "$wine_log"
    exit 1
  fi
}

case ${1:-all} in
  build) step_build ;;
  probe) step_probe ;;
  tests) step_tests ;;
  all) (step_build) && (step_probe) && (step_tests) ;;
  *) echo "usage: $0 [build|probe|tests]" >&2; exit 2 ;;
esac
