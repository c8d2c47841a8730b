#!/usr/bin/env bash
# check.sh — runs every test of regio and ends with ONE line: "N passed, N failed, N skipped".
#
#   1. the C tests of the core, through CTest (build/ must be built: `make` does it);
#   2. the busted specs, as `lua5.4 /usr/bin/busted` from the repository root (.busted there sets
#      the paths and an output handler whose last line is "N passed, N failed[, N skipped]").
#
# The final line sums both runners and is the last line printed. The exit status is non-zero if
# anything failed or if a runner produced no counts; a runner that produced no counts, or that
# exited non-zero without counting a failure, adds 1 to the failed total, so that the line never
# looks green when the exit status is not. REGIO_BUILD_DIR overrides build/ (make sanitize runs
# this script on build-asan/).
set -uo pipefail

root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root" || exit 1
build_dir=${REGIO_BUILD_DIR:-$root/build}
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/regio-check.XXXXXX")
trap 'rm -rf "$log_dir"' EXIT

# Each runner gets a hard limit so that CI (20 minutes in all) never hangs on one of them.
ctest_limit=${REGIO_CTEST_TIMEOUT:-420}
busted_limit=${REGIO_BUSTED_TIMEOUT:-480}

passed=0
failed=0
skipped=0
status=0

note() { printf '%s\n' "check.sh: $*"; }

# ---- C tests ------------------------------------------------------------------------------------

note "C tests (ctest --test-dir $build_dir)"
jobs=$(nproc 2>/dev/null || echo 2)
timeout "$ctest_limit" ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" 2>&1 |
  tee "$log_dir/ctest.log"
ctest_rc=${PIPESTATUS[0]}

# CTest's summary: "96% tests passed, 1 tests failed out of 25". It counts skipped tests as
# passed; they are the "***Skipped" lines.
ctest_re='^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+'
summary=$(grep -E "$ctest_re" "$log_dir/ctest.log" | tail -n 1)
if [ -n "$summary" ]; then
  c_total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  c_failed=$(sed -E 's/^[0-9]+% tests passed, ([0-9]+) .*/\1/' <<<"$summary")
  c_skipped=$(grep -c -E '\*\*\*Skipped' "$log_dir/ctest.log")
  c_passed=$((c_total - c_failed - c_skipped))
  passed=$((passed + c_passed))
  failed=$((failed + c_failed))
  skipped=$((skipped + c_skipped))
  # Say why each skipped test was skipped (CTest only shows the output of failures).
  last_log="$build_dir/Testing/Temporary/LastTest.log"
  if [ "$c_skipped" -gt 0 ] && [ -f "$last_log" ]; then
    awk '/^[0-9]+\/[0-9]+ Testing: / { name = $3 }
         /^SKIP: / { sub(/^SKIP: /, ""); print "check.sh: skipped " name ": " $0 }' "$last_log"
  fi
  note "C tests: $c_passed passed, $c_failed failed, $c_skipped skipped"
  if [ "$c_failed" -gt 0 ]; then status=1; fi
  if [ "$ctest_rc" -ne 0 ] && [ "$c_failed" -eq 0 ]; then
    note "ctest exited with status $ctest_rc although it counted no failure"
    failed=$((failed + 1))
    status=1
  fi
else
  note "C tests produced no counts (ctest exit status $ctest_rc); is $build_dir built? run \`make\`"
  failed=$((failed + 1))
  status=1
fi

# ---- specs --------------------------------------------------------------------------------------

# The specs load the C module of the same build tree. A sanitizer build (REGIO_SANITIZE=ON) needs
# the ASan/UBSan runtimes loaded first, since lua5.4 itself is not instrumented; leak checking is
# left to the C tests there, as the interpreter's own exit is not leak-clean under a preload.
busted_args=()
if [ "$build_dir" != "$root/build" ]; then
  busted_args+=("--cpath=$build_dir/lua/?.so")
fi
busted_env=()
if grep -q '^REGIO_SANITIZE:BOOL=ON$' "$build_dir/CMakeCache.txt" 2>/dev/null; then
  busted_env=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
              "ASAN_OPTIONS=detect_leaks=0")
fi
note "specs (lua5.4 /usr/bin/busted ${busted_args[*]})"
timeout "$busted_limit" "${busted_env[@]}" lua5.4 /usr/bin/busted "${busted_args[@]}" 2>&1 |
  tee "$log_dir/busted.log"
busted_rc=${PIPESTATUS[0]}

line_re='^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'
last=$(grep -E "$line_re" "$log_dir/busted.log" | tail -n 1)
if [[ $last =~ $line_re ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
  skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
  if [ "${BASH_REMATCH[2]}" -gt 0 ]; then status=1; fi
  if [ "$busted_rc" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
    note "busted exited with status $busted_rc although it counted no failure"
    failed=$((failed + 1))
    status=1
  fi
else
  note "specs produced no counts (busted exit status $busted_rc)"
  failed=$((failed + 1))
  status=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
