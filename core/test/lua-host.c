/*
 * lua-host.c — a tiny Lua host for the binding's lifetime and allocation-failure tests.
 *
 *   regio_lua_host run  SCRIPT [ARG]   runs SCRIPT in a fresh Lua state, then lua_close()s it:
 *                                      whatever the script left open or in flight is released by
 *                                      the finalizers inside lua_close, as in an embedding host
 *                                      that exits without closing anything;
 *   regio_lua_host walk SCRIPT [ARG]   counts the Lua allocations of one clean run of SCRIPT, then
 *                                      reruns it once for every N in 1..count with a lua_Alloc
 *                                      that refuses the Nth allocation and every later one until
 *                                      the script's protected call ends. Every run must end in a
 *                                      clean Lua error (or in success, when the refused block was
 *                                      not needed), caught by the host: no panic, no crash. Leaks
 *                                      are for the sanitizer (LSan) or valgrind around the host.
 *
 * The module is found through package.path/cpath taken from REGIO_LUA_PATH / REGIO_LUA_CPATH
 * (the CTest registration points them at lua/ and at the build's core.so). ARG reaches the script
 * as `...`. REGIO_WALK_STEP=K walks every Kth N only (for slow runs under valgrind). Exit status:
 * 0 passed, 1 failed, 2 bad usage.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The allocator's state: it counts allocations (calls that create or grow a block) and, while
   armed, refuses the one numbered fail_at and every later one (fail_at 0 refuses none). Lua
   retries a refused allocation once after an emergency collection, so refusing only one block
   would rarely surface; the host disarms the allocator when the protected call returns, so that
   lua_close and the finalizers run with memory again. */
typedef struct alloc_state {
  unsigned long count;
  unsigned long fail_at;
  unsigned long refused;
  int armed;
} alloc_state;

/* A lua_Alloc over malloc that refuses allocations from the fail_at-th on while armed. */
static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  alloc_state *st = ud;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  /* A shrink never fails in Lua's contract; only allocations and growth are counted. */
  if (ptr == NULL || nsize > osize) {
    st->count++;
    if (st->armed && st->fail_at != 0 && st->count >= st->fail_at) {
      st->refused++;
      return NULL;
    }
  }
  return realloc(ptr, nsize);
}

/* A panic is an error outside every protected call: the host's contract is broken. */
static int on_panic(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  fprintf(stderr, "lua-host: PANIC (unprotected error): %s\n", msg ? msg : "(not a string)");
  abort();
  return 0;
}

/* Sets package.path / package.cpath from the environment, if given. */
static void set_paths(lua_State *L) {
  const char *path = getenv("REGIO_LUA_PATH");
  const char *cpath = getenv("REGIO_LUA_CPATH");
  lua_getglobal(L, "package");
  if (path != NULL) {
    lua_pushstring(L, path);
    lua_setfield(L, -2, "path");
  }
  if (cpath != NULL) {
    lua_pushstring(L, cpath);
    lua_setfield(L, -2, "cpath");
  }
  lua_pop(L, 1);
}

/* What the protected call runs: the script and its argument (NULL: none). */
typedef struct run_request {
  const char *script;
  const char *argument;
} run_request;

/* Runs inside lua_pcall: opens the libraries, sets the paths, loads and calls the script. */
static int protected_main(lua_State *L) {
  const run_request *req = lua_touserdata(L, 1);
  const char *script = req->script;
  const char *argument = req->argument;
  luaL_openlibs(L);
  set_paths(L);
  if (luaL_loadfile(L, script) != LUA_OK) return lua_error(L);
  lua_pushstring(L, argument != NULL ? argument : "");
  lua_call(L, 1, 0);
  return 0;
}

/* The outcome of one run. */
enum run_outcome { RUN_OK, RUN_LUA_ERROR, RUN_NO_STATE };

/* Runs the script once in a fresh state with the allocator st; closes the state. When err is
   not NULL it receives the error text (truncated). */
static enum run_outcome run_once(alloc_state *st, const char *script, const char *argument,
                                 char *err, size_t err_size) {
  enum run_outcome outcome = RUN_OK;
  lua_State *L = lua_newstate(counting_alloc, st);
  if (L == NULL) return RUN_NO_STATE;
  run_request req = {script, argument};
  lua_atpanic(L, on_panic);
  /* Nothing that allocates happens outside the protected call: a light C function and a light
     userdata are plain values. */
  lua_pushcfunction(L, protected_main);
  lua_pushlightuserdata(L, &req);
  st->armed = 1;
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    const char *msg;
    st->armed = 0;
    msg = lua_tostring(L, -1);
    outcome = RUN_LUA_ERROR;
    if (err != NULL) snprintf(err, err_size, "%s", msg != NULL ? msg : "(error object)");
  }
  st->armed = 0;
  lua_close(L);
  return outcome;
}

/* `run`: one clean run; the script's error (if any) fails the host. */
static int cmd_run(const char *script, const char *argument) {
  alloc_state st = {0, 0, 0, 0};
  char err[512] = "";
  enum run_outcome outcome = run_once(&st, script, argument, err, sizeof err);
  if (outcome != RUN_OK) {
    fprintf(stderr, "lua-host: %s failed: %s\n", script, err);
    return 1;
  }
  printf("lua-host: %s ran and lua_close released it (%lu allocations)\n", script, st.count);
  return 0;
}

/* `walk`: refuse each allocation in turn. */
static int cmd_walk(const char *script, const char *argument) {
  alloc_state clean = {0, 0, 0, 0};
  char err[512] = "";
  unsigned long n, step = 1, errors = 0, successes = 0, runs = 0;
  const char *step_env = getenv("REGIO_WALK_STEP");
  if (step_env != NULL && atol(step_env) > 0) step = (unsigned long)atol(step_env);
  if (run_once(&clean, script, argument, err, sizeof err) != RUN_OK) {
    fprintf(stderr, "lua-host: the clean run of %s failed: %s\n", script, err);
    return 1;
  }
  for (n = 1; n <= clean.count; n += step) {
    alloc_state st = {0, n, 0, 0};
    enum run_outcome outcome = run_once(&st, script, argument, err, sizeof err);
    runs++;
    if (outcome == RUN_LUA_ERROR) {
      errors++;
      /* A script-level failure other than the memory error means a refused allocation was
         turned into a wrong answer instead of an error. */
      if (strstr(err, "not enough memory") == NULL && strstr(err, "memory") == NULL) {
        fprintf(stderr, "lua-host: allocation %lu refused: error without 'memory': %s\n", n,
                err);
        return 1;
      }
    } else if (outcome == RUN_OK) {
      successes++;
    }
  }
  printf("lua-host: %s: %lu allocations; refused each%s: %lu runs, %lu clean memory errors, "
         "%lu completed anyway, no crash\n",
         script, clean.count, step > 1 ? " (sampled)" : "", runs, errors, successes);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "walk") != 0)) {
    fprintf(stderr, "usage: %s run|walk SCRIPT [ARG]\n", argv[0]);
    return 2;
  }
  if (strcmp(argv[1], "run") == 0) return cmd_run(argv[2], argc > 3 ? argv[3] : NULL);
  return cmd_walk(argv[2], argc > 3 ? argv[3] : NULL);
}
