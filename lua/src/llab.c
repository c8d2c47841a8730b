/*
 * llab.c — the regio.lab userdata: regio.open, the lab's own methods (caps, poll, now, stats,
 * close) and the fields backend and profile. The constructors of child objects (register, cq,
 * iocp, rq, tcp_pair, listen, connect, udp) live with their types.
 */
#include "lregio.h"

#include <stdlib.h>
#include <string.h>

lregio_lab *lregio_checklab(lua_State *L, int idx) {
  lregio_lab *lab = luaL_checkudata(L, idx, LREGIO_LAB);
  if (lab->core == NULL) lregio_closed_error(L, LREGIO_LAB);
  return lab;
}

/* {======================================================================================
** regio.open
** ======================================================================================= */

/* Whether name is "auto" or an engine the core knows (available or not). */
static int backend_known(const char *name) {
  int i, n = regio_engine_count();
  if (strcmp(name, "auto") == 0) return 1;
  for (i = 0; i < n; i++) {
    const char *engine = NULL;
    (void)regio_engine_info(i, &engine, NULL);
    if (engine != NULL && strcmp(engine, name) == 0) return 1;
  }
  return 0;
}

static int profile_known(const char *name) {
  return strcmp(name, "windows") == 0 || strcmp(name, "extended") == 0 ||
         strcmp(name, "preview") == 0;
}

/* Reads option key of the table at 1, else the environment variable env, else def, and raises
   if the name is not one known() accepts. */
static const char *open_name(lua_State *L, const char *key, const char *env, const char *def,
                             int (*known)(const char *)) {
  const char *name = NULL, *from = NULL;
  int t = lregio_getopt(L, 1, key);
  if (t == LUA_TSTRING) {
    name = lua_tostring(L, -1);
  } else if (t != LUA_TNIL) {
    luaL_error(L, "bad option '%s' to 'open' (string expected, got %s)", key, lua_typename(L, t));
    return NULL;
  } else {
    name = getenv(env);
    if (name != NULL && name[0] != '\0') from = env;
    else name = def;
    lua_pop(L, 1);
    lua_pushstring(L, name);
    name = lua_tostring(L, -1);
  }
  if (name == NULL || !known(name)) {
    if (from) luaL_error(L, "unknown %s '%s' (from %s)", key, name, from);
    luaL_error(L, "unknown %s '%s'", key, name);
  }
  return name; /* kept alive by the stack */
}

/* The fail triple ENOSYS with the engine's own reason ("uring: not built: ..."). */
static int fail_unavailable(lua_State *L, const char *backend) {
  int i, n = regio_engine_count();
  for (i = 0; i < n; i++) {
    const char *engine = NULL, *reason = NULL;
    if (regio_engine_info(i, &engine, &reason) != 0 && engine != NULL && reason != NULL &&
        strcmp(engine, backend) == 0) {
      return lregio_fail_msg(L, REGIO_ENOSYS, lua_pushfstring(L, "%s: %s", engine, reason));
    }
  }
  return lregio_fail(L, REGIO_ENOSYS);
}

int lregio_lab_open(lua_State *L) {
  static const char *const keys[] = {"backend", "profile", "seed", NULL};
  const char *backend, *profile;
  lua_Integer seed = 0;
  lregio_lab *lab;
  regio_lab *core = NULL;
  int rc;
  if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lregio_checkkeys(L, 1, keys, "open");
  backend = open_name(L, "backend", "REGIO_BACKEND", "auto", backend_known);
  profile = open_name(L, "profile", "REGIO_PROFILE", "windows", profile_known);
  if (lregio_getopt(L, 1, "seed") != LUA_TNIL) {
    if (!lua_isinteger(L, -1)) luaL_error(L, "bad option 'seed' to 'open' (integer expected)");
    seed = lua_tointeger(L, -1);
  }
  lua_pop(L, 1);
  lab = lregio_newobject(L, sizeof(*lab), LREGIO_LAB_NUV, LREGIO_LAB, 0);
  lua_newtable(L);
  lregio_setuv(L, -2, LREGIO_LAB_UV_LEDGER);
  rc = regio_lab_open(&core, backend, profile, (uint64_t)seed);
  if (rc == REGIO_ENOSYS) return fail_unavailable(L, backend);
  if (rc < 0) return lregio_fail(L, rc);
  lab->core = core;
  regio_lab_on_release(core, lregio_req_release_hook, lab);
  strncpy(lab->backend, regio_lab_engine(core), sizeof(lab->backend) - 1);
  strncpy(lab->profile, regio_lab_profile(core), sizeof(lab->profile) - 1);
  return 1;
}

/* }====================================================================================== */

/* {======================================================================================
** Methods.
** ======================================================================================= */

static int lab_caps(lua_State *L) {
  lregio_lab *lab = lregio_checklab(L, 1);
  regio_caps caps;
  memset(&caps, 0, sizeof(caps));
  regio_lab_caps(lab->core, &caps);
  lua_createtable(L, 0, 9);
  lua_pushinteger(L, (lua_Integer)caps.max_slices);
  lua_setfield(L, -2, "max_slices");
  if (caps.waitall_multi == 1) lua_pushliteral(L, "all");
  else if (caps.waitall_multi == 2) lua_pushliteral(L, "first");
  else lua_pushboolean(L, 0);
  lua_setfield(L, -2, "waitall_multi");
  lua_pushboolean(L, caps.kernel_io);
  lua_setfield(L, -2, "kernel_io");
  lua_pushboolean(L, caps.virtual_time);
  lua_setfield(L, -2, "virtual_time");
  lua_pushboolean(L, caps.ipv6);
  lua_setfield(L, -2, "ipv6");
  lua_pushboolean(L, caps.fixed_buffers);
  lua_setfield(L, -2, "fixed_buffers");
  lua_pushinteger(L, (lua_Integer)caps.fixed_registered);
  lua_setfield(L, -2, "fixed_registered");
  lua_pushinteger(L, (lua_Integer)caps.fixed_sends);
  lua_setfield(L, -2, "fixed_sends");
  lua_pushinteger(L, (lua_Integer)caps.fixed_receives);
  lua_setfield(L, -2, "fixed_receives");
  return 1;
}

static int lab_poll(lua_State *L) {
  lregio_lab *lab = lregio_checklab(L, 1);
  int ms = lregio_checkms(L, 2, 0, 0);
  int rc;
  lua_settop(L, 1);
  rc = regio_lab_poll(lab->core, ms);
  if (lab->core != NULL && lab->nreleased > 0) {
    lregio_ledger_push(L, 1); /* unpins what the poll released */
    lua_pop(L, 1);
  }
  if (rc < 0) return lregio_fail(L, rc);
  lua_pushinteger(L, rc);
  return 1;
}

static int lab_now(lua_State *L) {
  lregio_lab *lab = lregio_checklab(L, 1);
  lua_pushnumber(L, (lua_Number)regio_lab_now(lab->core) / 1e6);
  return 1;
}

static int lab_stats(lua_State *L) {
  lregio_lab *lab = lregio_checklab(L, 1);
  regio_lab_stats st;
  regio_lab_stats_get(lab->core, &st);
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, st.sockets);
  lua_setfield(L, -2, "sockets");
  lua_pushinteger(L, st.cqs);
  lua_setfield(L, -2, "cqs");
  lua_pushinteger(L, st.ports);
  lua_setfield(L, -2, "ports");
  lua_pushinteger(L, st.buffers);
  lua_setfield(L, -2, "buffers");
  lua_pushinteger(L, st.requests);
  lua_setfield(L, -2, "requests");
  return 1;
}

/* lab:close(), __close and __gc: closes everything the lab owns (outstanding requests are
   cancelled, their completions dropped) and unpins every record. Idempotent. */
static int lab_close(lua_State *L) {
  lregio_lab *lab = luaL_checkudata(L, 1, LREGIO_LAB);
  if (lab->core != NULL) {
    regio_lab_close(lab->core);
    lab->core = NULL;
    lregio_req_lab_closed(lab);
    lua_pushnil(L);
    lregio_setuv(L, 1, LREGIO_LAB_UV_LEDGER);
    lua_pushnil(L);
    lregio_setuv(L, 1, LREGIO_LAB_UV_RESULTS);
  }
  return 0;
}

static int lab_tostring(lua_State *L) {
  lregio_lab *lab = luaL_checkudata(L, 1, LREGIO_LAB);
  regio_lab_stats st;
  if (lab->core == NULL) {
    lua_pushliteral(L, LREGIO_LAB " (closed)");
    return 1;
  }
  regio_lab_stats_get(lab->core, &st);
  lua_pushfstring(L,
                  LREGIO_LAB ": backend=%s profile=%s sockets=%d cqs=%d ports=%d buffers=%d "
                             "requests=%d",
                  lab->backend, lab->profile, (int)st.sockets, (int)st.cqs, (int)st.ports,
                  (int)st.buffers, (int)st.requests);
  return 1;
}

/* __index: methods first (upvalue 1), then the fields backend and profile. */
static int lab_index(lua_State *L) {
  lregio_lab *lab = luaL_checkudata(L, 1, LREGIO_LAB);
  const char *key;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  key = lua_tostring(L, 2);
  if (key != NULL && lua_type(L, 2) == LUA_TSTRING) {
    if (strcmp(key, "backend") == 0) {
      lua_pushstring(L, lab->backend);
      return 1;
    }
    if (strcmp(key, "profile") == 0) {
      lua_pushstring(L, lab->profile);
      return 1;
    }
  }
  lua_pushnil(L);
  return 1;
}

/* }====================================================================================== */

void lregio_open_lab(lua_State *L) {
  static const luaL_Reg meta[] = {
      {"__gc", lab_close},
      {"__close", lab_close},
      {"__tostring", lab_tostring},
      {NULL, NULL},
  };
  static const luaL_Reg methods[] = {
      {"caps", lab_caps},
      {"poll", lab_poll},
      {"now", lab_now},
      {"stats", lab_stats},
      {"close", lab_close},
      {"register", lregio_lab_register},
      {"cq", lregio_lab_cq},
      {"iocp", lregio_lab_iocp},
      {"rq", lregio_lab_rq},
      {"tcp_pair", lregio_lab_tcp_pair},
      {"listen", lregio_lab_listen},
      {"connect", lregio_lab_connect},
      {"udp", lregio_lab_udp},
      {"trace", lregio_lab_trace},
      {"trace_events", lregio_lab_trace_events},
      {NULL, NULL},
  };
  lregio_newclass_fields(L, LREGIO_LAB, meta, methods, lab_index);
}
