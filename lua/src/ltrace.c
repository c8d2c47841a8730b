/*
 * ltrace.c — the lab's trace from Lua: lab:trace(on) and lab:trace_events(), which turns the
 * core's events (regio_lab_trace_events) into tables. lua/regio/trace.lua renders them as text.
 */
#include "lregio.h"

/* Names of the 'dir' field: receive, send, or none (nil). */
static const char *dir_name(uint32_t dir) {
  return dir == REGIO_DIR_RECEIVE ? "receive" : dir == REGIO_DIR_SEND ? "send" : NULL;
}

/* lab:trace(on) -> true. Starting clears what was recorded. */
int lregio_lab_trace(lua_State *L) {
  lregio_lab *lab = lregio_checklab(L, 1);
  luaL_checkany(L, 2);
  return lregio_result(L, regio_lab_trace(lab->core, lua_toboolean(L, 2)));
}

/* Sets field key of the table on top to the integer v. */
static void set_int(lua_State *L, const char *key, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, key);
}

/* lab:trace_events() -> array of { t, kind, sock, cq, status, bytes, dir, flags, queued, size,
   ctx, note }. */
int lregio_lab_trace_events(lua_State *L) {
  uint32_t i;
  lregio_checklab(L, 1);
  lua_settop(L, 1);
  lua_createtable(L, 0, 0);
  for (i = 0;; i++) {
    /* Copy the event before allocating: a finalizer run by an allocation may record more
       events, which can move the array. */
    uint32_t n = 0;
    const regio_trace_event *all = regio_lab_trace_events(lregio_checklab(L, 1)->core, &n);
    regio_trace_event e;
    const char *dir;
    if (i >= n) break;
    e = all[i];
    lua_createtable(L, 0, 12);
    lua_pushnumber(L, (lua_Number)e.time_ns / 1e6);
    lua_setfield(L, -2, "t");
    lua_pushstring(L, regio_trace_kind_name(e.kind));
    lua_setfield(L, -2, "kind");
    set_int(L, "sock", e.sock);
    set_int(L, "cq", e.cq);
    if (e.status >= 0) lua_pushinteger(L, e.status);
    else lua_pushstring(L, regio_err_name(e.status));
    lua_setfield(L, -2, "status");
    set_int(L, "bytes", e.bytes);
    dir = dir_name(e.dir);
    if (dir) {
      lua_pushstring(L, dir);
      lua_setfield(L, -2, "dir");
    }
    set_int(L, "flags", e.flags);
    set_int(L, "queued", e.queued);
    set_int(L, "size", e.size);
    set_int(L, "ctx", (lua_Integer)e.ctx);
    if (e.note) {
      lua_pushstring(L, e.note);
      lua_setfield(L, -2, "note");
    }
    lua_rawseti(L, 2, (lua_Integer)i + 1);
  }
  return 1;
}
