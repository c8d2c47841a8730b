/*
 * lregio.c — luaopen_regio_core: the module table of `regio.core` (backends, open, strerror),
 * its constants (MSG_* flags, limits), the wsa and errors tables built from the core's error list,
 * and the metatables of every type. luaopen is idempotent: busted loads the module again for
 * every spec file, and metatables that already exist are kept.
 */
#include "lregio.h"

#include <string.h>

/* regio.backends() --> { { name=, available=, reason= }, ... } */
static int regio_backends(lua_State *L) {
  int i, n = regio_engine_count();
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    const char *name = NULL, *reason = NULL;
    int rc = regio_engine_info(i, &name, &reason);
    lua_createtable(L, 0, 3);
    lua_pushstring(L, name ? name : "?");
    lua_setfield(L, -2, "name");
    lua_pushboolean(L, rc == 0);
    lua_setfield(L, -2, "available");
    if (rc != 0) {
      if (reason != NULL) lua_pushstring(L, reason);
      else lua_pushfstring(L, "%s: %s", regio_err_name(rc), regio_strerror(rc));
      lua_setfield(L, -2, "reason");
    }
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* regio.strerror(name | code) --> message. An unknown name raises. */
static int regio_strerror_l(lua_State *L) {
  int i, n = regio_err_count();
  const char *name;
  if (lua_type(L, 1) == LUA_TNUMBER) {
    lua_pushstring(L, regio_strerror((int)luaL_checkinteger(L, 1)));
    return 1;
  }
  name = luaL_checkstring(L, 1);
  for (i = 0; i < n; i++) {
    int err = regio_err_at(i);
    if (strcmp(regio_err_name(err), name) == 0) {
      lua_pushstring(L, regio_strerror(err));
      return 1;
    }
  }
  return luaL_argerror(L, 1, lua_pushfstring(L, "unknown error name '%s'", name));
}

/* Sets regio.wsa = { NAME = number } and regio.errors = { { name=, wsa=, message= }, ... }. */
static void set_error_tables(lua_State *L) {
  int i, n = regio_err_count();
  lua_createtable(L, 0, n);
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    int err = regio_err_at(i);
    lua_pushinteger(L, regio_err_wsa(err));
    lua_setfield(L, -3, regio_err_name(err));
    lua_createtable(L, 0, 4);
    lua_pushstring(L, regio_err_name(err));
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, regio_err_wsa(err));
    lua_setfield(L, -2, "wsa");
    lua_pushstring(L, regio_strerror(err));
    lua_setfield(L, -2, "message");
    lua_pushinteger(L, err);
    lua_setfield(L, -2, "code");
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -3, "errors");
  lua_setfield(L, -2, "wsa");
}

static void set_integer(lua_State *L, const char *name, lua_Integer value) {
  lua_pushinteger(L, value);
  lua_setfield(L, -2, name);
}

/* Keeps every error name (indexed by -code) and the result tables' keys alive in the registry
   (LREGIO_ERRNAMES), so that filling a result never allocates a string (dequeue_into, lcq.c). */
static void open_errnames(lua_State *L) {
  int i, n = regio_err_count();
  if (lua_getfield(L, LUA_REGISTRYINDEX, LREGIO_ERRNAMES) == LUA_TTABLE) {
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  static const char *const result_keys[] = {"status", "bytes", "socket", "request"};
  lua_createtable(L, n, 4);
  for (i = 0; i < n; i++) {
    int code = regio_err_at(i);
    lua_pushstring(L, regio_err_name(code));
    lua_rawseti(L, -2, -code);
  }
  /* The result tables' keys live here too, so storing them never creates a string. */
  for (i = 0; i < 4; i++) {
    lua_pushstring(L, result_keys[i]);
    lua_setfield(L, -2, result_keys[i]);
  }
  lua_setfield(L, LUA_REGISTRYINDEX, LREGIO_ERRNAMES);
}

int luaopen_regio_core(lua_State *L) {
  static const luaL_Reg functions[] = {
      {"backends", regio_backends},
      {"open", lregio_lab_open},
      {"strerror", regio_strerror_l},
      {NULL, NULL},
  };
  open_errnames(L);
  lregio_open_lab(L);
  lregio_open_buffer(L);
  lregio_open_cq(L);
  lregio_open_iocp(L);
  lregio_open_sock(L);
  lregio_open_rq(L);
  lua_newtable(L);
  luaL_setfuncs(L, functions, 0);
  set_integer(L, "MSG_DONT_NOTIFY", REGIO_MSG_DONT_NOTIFY);
  set_integer(L, "MSG_DEFER", REGIO_MSG_DEFER);
  set_integer(L, "MSG_WAITALL", REGIO_MSG_WAITALL);
  set_integer(L, "MSG_COMMIT_ONLY", REGIO_MSG_COMMIT_ONLY);
  set_integer(L, "MAX_CQ_SIZE", REGIO_MAX_CQ_SIZE);
  set_integer(L, "INVALID_BUFFERID", REGIO_INVALID_BUFFERID);
  set_integer(L, "MAX_SLICES", REGIO_MAX_SLICES);
  set_integer(L, "SOCKADDR_INET_SIZE", REGIO_SOCKADDR_INET_SIZE);
  set_integer(L, "DEFAULT_WAIT_MS", LREGIO_DEFAULT_WAIT_MS);
  lua_pushfstring(L, "%d.%d.%d", REGIO_VERSION_MAJOR, REGIO_VERSION_MINOR, REGIO_VERSION_PATCH);
  lua_setfield(L, -2, "version");
  set_error_tables(L);
  return 1;
}
