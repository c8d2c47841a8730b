#!/usr/bin/env bash
# scripts/hardening.sh — regio's reliability runs (README "Reliability"): sanitizers, valgrind,
# the API fuzzer, GC torture, allocation failure and load. Each step prints one line
# "hardening: <step>: PASS|FAIL|SKIP ..." and the script ends with ONE line
# "N passed, N failed, N skipped" counting the steps; the exit status is non-zero if one failed.
#
#   scripts/hardening.sh MODE...      modes, run in the order given:
#     asan        build build-asan/ (REGIO_SANITIZE=ON); C tests + Lua host (LSan on), then the
#                 whole spec suite with the ASan/UBSan runtimes preloaded (lua5.4 is not
#                 instrumented; detect_leaks=0 there), then a fuzz run under the sanitizers
#     valgrind    memcheck over the spec suite (no errors, no definite leaks; the #load specs run
#                 their own child processes and are left out) and over the Lua host's
#                 allocation-failure walk
#     fuzz        the API fuzzer, REGIO_FUZZ_CALLS calls (default 100000) per engine
#     fuzz-long   the same with 1,000,000 calls per engine
#     gc-torture  the whole spec suite with a full collection after every regio call
#     load        1,000 TCP connections and a UDP flood per engine (scripts/load/run.sh)
#     ci          asan valgrind fuzz gc-torture (what .ci/run adds after `make test`, whose
#                 suite already runs the load and lifetime specs)
#     all         ci + load
#
# Engines are the available ones of regio.backends(); every step covers each of them (the spec
# suite through spec/helper.lua's for_each_backend, the fuzzer and load per engine).
# Environment: REGIO_BUILD_DIR (default build/), REGIO_ASAN_DIR (default build-asan/),
# REGIO_FUZZ_SEED (default 1), REGIO_FUZZ_CALLS, JOBS.
set -uo pipefail

root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root" || exit 1
build_dir=${REGIO_BUILD_DIR:-$root/build}
asan_dir=${REGIO_ASAN_DIR:-$root/build-asan}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
seed=${REGIO_FUZZ_SEED:-1}
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/regio-hardening.XXXXXX")
trap 'rm -rf "$log_dir"' EXIT

passed=0
failed=0
skipped=0

# Specs that cannot hold under GC torture because they rely on objects they keep no reference
# to (a collection after every call finalizes them at once). Remove an entry once its spec holds
# the references. busted --filter-out takes Lua patterns.
gc_torture_filter_out=()

note() { printf 'hardening: %s\n' "$*"; }

# Records a step's outcome: step NAME STATUS [DETAIL] (status 0 pass, 77 skip, other fail).
record() {
  local name=$1 status=$2 detail=${3:-}
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1)); note "$name: PASS${detail:+ ($detail)}"
  elif [ "$status" -eq 77 ]; then
    skipped=$((skipped + 1)); note "$name: SKIP${detail:+ ($detail)}"
  else
    failed=$((failed + 1)); note "$name: FAIL (status $status)${detail:+ ($detail)}"
  fi
}

# Builds a tree (configure on first use). build DIR [CMAKE ARGS...]
build() {
  local dir=$1; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S . -B "$dir" "$@" >"$log_dir/configure.log" 2>&1 ||
      { cat "$log_dir/configure.log"; return 1; }
  fi
  cmake --build "$dir" -j "$jobs" >"$log_dir/build.log" 2>&1 ||
    { tail -n 40 "$log_dir/build.log"; return 1; }
}

# The summary line of a busted log ("N passed, N failed[, N skipped]"), or empty.
busted_summary() {
  grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -n 1
}

# Runs busted under the given command (which ends with the interpreter) with the arguments; the
# step passes when busted counted no failure and exited 0.
# run_specs NAME LIMIT COMMAND... -- BUSTED ARGS...
run_specs() {
  local name=$1 limit=$2; shift 2
  local prefix=()
  while [ "$1" != "--" ]; do prefix+=("$1"); shift; done
  shift
  local log="$log_dir/$name.log"
  timeout "$limit" "${prefix[@]}" /usr/bin/busted "$@" >"$log" 2>&1
  local rc=$?
  local summary
  summary=$(busted_summary "$log")
  if [ "$rc" -ne 0 ] || [ -z "$summary" ] || ! grep -qE ' 0 failed' <<<"$summary"; then
    grep -vE '^(Pending ->|\[winrio\] skipped|)$' "$log" | tail -n 60
    record "$name" 1 "busted status $rc; ${summary:-no summary}"
  else
    record "$name" 0 "$summary"
  fi
}

# The sanitizer runtimes to preload into the uninstrumented lua5.4.
asan_preload() {
  printf '%s %s' "$(gcc -print-file-name=libasan.so)" "$(gcc -print-file-name=libubsan.so)"
}

step_asan() {
  local start=$SECONDS
  if ! build "$asan_dir" -DREGIO_SANITIZE=ON -DREGIO_BUILD_BENCH=OFF; then
    record "asan build" 1; return
  fi
  # C tests and the Lua host: instrumented executables, so LeakSanitizer is on as well.
  local log="$log_dir/asan-ctest.log"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    timeout 600 ctest --test-dir "$asan_dir" -j "$jobs" --output-on-failure -E '^windows_' \
    >"$log" 2>&1
  local rc=$?
  if [ "$rc" -ne 0 ]; then tail -n 60 "$log"; fi
  record "asan C tests + lua host (ASan, UBSan, LSan)" "$rc" \
    "$(grep -E 'tests passed' "$log" | tail -n 1)"
  run_specs "asan specs (ASan+UBSan preloaded, every engine)" 900 \
    env "LD_PRELOAD=$(asan_preload)" ASAN_OPTIONS=detect_leaks=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 lua5.4 -- "--cpath=$asan_dir/lua/?.so"
  local flog="$log_dir/asan-fuzz.log"
  env "LD_PRELOAD=$(asan_preload)" ASAN_OPTIONS=detect_leaks=0 \
    timeout 600 lua5.4 scripts/fuzz/run.lua --build "$asan_dir" --seed "$seed" \
    --calls "${REGIO_ASAN_FUZZ_CALLS:-30000}" >"$flog" 2>&1
  rc=$?
  cat "$flog"
  record "asan fuzz (${REGIO_ASAN_FUZZ_CALLS:-30000} calls per engine)" "$rc"
  note "asan: $((SECONDS - start)) s"
}

step_valgrind() {
  local start=$SECONDS
  if ! command -v valgrind >/dev/null; then
    record "valgrind" 77 "valgrind is not installed"; return
  fi
  build "$build_dir" || { record "valgrind build" 1; return; }
  local vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
            --show-leak-kinds=definite --num-callers=30)
  run_specs "valgrind specs (memcheck, every engine)" 1200 "${vg[@]}" lua5.4 -- \
    "--cpath=$build_dir/lua/?.so" --exclude-tags=load
  local host="$build_dir/core/test/regio_lua_host"
  if [ -x "$host" ]; then
    local log="$log_dir/valgrind-host.log"
    REGIO_LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua" REGIO_LUA_CPATH="$build_dir/lua/?.so" \
      REGIO_WALK_STEP=${REGIO_VALGRIND_WALK_STEP:-7} \
      timeout 900 "${vg[@]}" "$host" walk core/test/lua-host-scenario.lua >"$log" 2>&1
    local rc=$?
    if [ "$rc" -ne 0 ]; then tail -n 60 "$log"; fi
    record "valgrind lua host (allocation failure walk, every ${REGIO_VALGRIND_WALK_STEP:-7}th N)" \
      "$rc" "$(grep -E '^lua-host:' "$log" | tail -n 1)"
  else
    record "valgrind lua host" 77 "regio_lua_host is not built in $build_dir"
  fi
  note "valgrind: $((SECONDS - start)) s"
}

# fuzz CALLS: the fuzzer over every engine.
step_fuzz() {
  local calls=$1 start=$SECONDS
  build "$build_dir" || { record "fuzz build" 1; return; }
  local log="$log_dir/fuzz.log"
  timeout 3000 lua5.4 scripts/fuzz/run.lua --build "$build_dir" --seed "$seed" --calls "$calls" \
    >"$log" 2>&1
  local rc=$?
  cat "$log"
  record "fuzz ($calls calls per engine, seed $seed)" "$rc"
  note "fuzz: $((SECONDS - start)) s"
}

step_gc_torture() {
  local start=$SECONDS
  build "$build_dir" || { record "gc-torture build" 1; return; }
  local filters=()
  local f
  for f in "${gc_torture_filter_out[@]}"; do filters+=("--filter-out=$f"); done
  if [ ${#gc_torture_filter_out[@]} -gt 0 ]; then
    note "gc-torture: left out (they keep no reference to objects they count):" \
      "${gc_torture_filter_out[*]}"
  fi
  run_specs "gc-torture specs (full collection after every regio call)" 900 \
    env "LUA_CPATH=$build_dir/lua/?.so;;" lua5.4 -e \
    'package.path = "scripts/fuzz/?.lua;" .. package.path; require "gc_torture"' -- \
    "--cpath=$build_dir/lua/?.so" --exclude-tags=load "${filters[@]}"
  note "gc-torture: $((SECONDS - start)) s"
}

step_load() {
  build "$build_dir" || { record "load build" 1; return; }
  local engines
  engines=$(LUA_CPATH="$build_dir/lua/?.so;;" LUA_PATH="lua/?.lua;lua/?/init.lua;;" lua5.4 -e \
    'for _, b in ipairs(require("regio").backends()) do print(b.name) end')
  local engine
  for engine in $engines; do
    local log="$log_dir/load-$engine.log"
    timeout 600 scripts/load/run.sh --build "$build_dir" --backend "$engine" >"$log" 2>&1
    local rc=$?
    cat "$log"
    record "load [$engine]" "$rc" "$(grep -E '^load: skipped' "$log" || true)"
  done
}

run_mode() {
  case $1 in
    asan) step_asan ;;
    valgrind) step_valgrind ;;
    fuzz) step_fuzz "${REGIO_FUZZ_CALLS:-100000}" ;;
    fuzz-long) step_fuzz 1000000 ;;
    gc-torture) step_gc_torture ;;
    load) step_load ;;
    ci) run_mode asan; run_mode valgrind; run_mode fuzz; run_mode gc-torture ;;
    all) run_mode ci; run_mode load ;;
    *) echo "hardening.sh: unknown mode '$1'" \
         "(asan valgrind fuzz fuzz-long gc-torture load ci all)" >&2
       exit 2 ;;
  esac
}

if [ $# -eq 0 ]; then set -- ci; fi
for mode in "$@"; do run_mode "$mode"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
