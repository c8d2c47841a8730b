/*
 * liocp.c — regio.iocp: an IOCP-style notification port. The core carries a packet's key and
 * overlapped as 64-bit values; the binding maps Lua values to ids kept in the port's tables:
 * the (key, overlapped) of an IOCP CQ stay as long as the port (the CQ may fire many times), a
 * value given to port:post is taken back when port:wait returns it. nil is id 0.
 */
#include "lregio.h"

static int port_is_closed(const lregio_port *port) {
  return port->core == NULL || port->lab->core == NULL;
}

lregio_port *lregio_checkport(lua_State *L, int idx) {
  lregio_port *port = luaL_checkudata(L, idx, LREGIO_IOCP);
  if (port_is_closed(port)) lregio_closed_error(L, LREGIO_IOCP);
  return port;
}

/* Stores the value at value_idx in table slot `slot` of the port at port_idx under a new id. */
static uint64_t port_store(lua_State *L, int port_idx, int value_idx, int slot) {
  lregio_port *port = lua_touserdata(L, port_idx);
  uint64_t id;
  if (lua_isnoneornil(L, value_idx)) return 0;
  value_idx = lua_absindex(L, value_idx);
  lregio_getuv(L, port_idx, slot);
  id = ++port->next_id;
  lua_pushvalue(L, value_idx);
  lua_rawseti(L, -2, (lua_Integer)id);
  lua_pop(L, 1);
  return id;
}

uint64_t lregio_port_intern(lua_State *L, int port_idx, int value_idx) {
  return port_store(L, lua_absindex(L, port_idx), value_idx, LREGIO_PORT_UV_VALUES);
}

void lregio_port_forget(lua_State *L, int port_idx, uint64_t id) {
  if (id == 0) return;
  lregio_getuv(L, port_idx, LREGIO_PORT_UV_VALUES);
  lua_pushnil(L);
  lua_rawseti(L, -2, (lua_Integer)id);
  lua_pop(L, 1);
}

/* Pushes the Lua value of an id: a posted value is taken out, a CQ's value is kept. */
static void push_value(lua_State *L, int port_idx, uint64_t id) {
  if (id == 0) {
    lua_pushnil(L);
    return;
  }
  lregio_getuv(L, port_idx, LREGIO_PORT_UV_POSTED);
  if (lua_rawgeti(L, -1, (lua_Integer)id) != LUA_TNIL) {
    lua_pushnil(L);
    lua_rawseti(L, -3, (lua_Integer)id);
    lua_remove(L, -2);
    return;
  }
  lua_pop(L, 2);
  lregio_getuv(L, port_idx, LREGIO_PORT_UV_VALUES);
  lua_rawgeti(L, -1, (lua_Integer)id);
  lua_remove(L, -2);
}

int lregio_lab_iocp(lua_State *L) {
  lregio_lab *lab = lregio_checklab(L, 1);
  lregio_port *port;
  regio_port *core = NULL;
  int rc;
  lua_settop(L, 1);
  port = lregio_newobject(L, sizeof(*port), LREGIO_PORT_NUV, LREGIO_IOCP, 1);
  port->lab = lab;
  lua_newtable(L);
  lregio_setuv(L, 2, LREGIO_PORT_UV_VALUES);
  lua_newtable(L);
  lregio_setuv(L, 2, LREGIO_PORT_UV_POSTED);
  if (lab->core == NULL) lregio_closed_error(L, LREGIO_LAB);
  rc = regio_port_create(lab->core, &core);
  if (rc < 0) return lregio_fail(L, rc);
  port->core = core;
  return 1;
}

static int port_wait(lua_State *L) {
  lregio_port *port = lregio_checkport(L, 1);
  int ms = lregio_checkms(L, 2, LREGIO_DEFAULT_WAIT_MS, 0);
  uint64_t key = 0, overlapped = 0;
  int rc = regio_port_wait(port->core, ms, &key, &overlapped);
  lregio_ledger_flush_from(L, 1);
  if (rc < 0) return lregio_fail(L, rc);
  push_value(L, 1, key);
  push_value(L, 1, overlapped);
  return 2;
}

static int port_post(lua_State *L) {
  lregio_port *port = lregio_checkport(L, 1);
  uint64_t key, overlapped;
  int rc;
  lua_settop(L, 3);
  key = port_store(L, 1, 2, LREGIO_PORT_UV_POSTED);
  overlapped = port_store(L, 1, 3, LREGIO_PORT_UV_POSTED);
  if (port_is_closed(port)) lregio_closed_error(L, LREGIO_IOCP);
  rc = regio_port_post(port->core, key, overlapped);
  if (rc < 0) {
    push_value(L, 1, key); /* takes the values back out */
    push_value(L, 1, overlapped);
    lua_pop(L, 2);
    return lregio_fail(L, rc);
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int port_pending(lua_State *L) {
  lua_pushinteger(L, regio_port_pending(lregio_checkport(L, 1)->core));
  return 1;
}

/* port:close(), __close and __gc. CQs that notify the port drop their later packets. */
static int port_close(lua_State *L) {
  lregio_port *port = luaL_checkudata(L, 1, LREGIO_IOCP);
  if (port->core != NULL && port->lab->core != NULL) regio_port_close(port->core);
  port->core = NULL;
  return 0;
}

static int port_tostring(lua_State *L) {
  lregio_port *port = luaL_checkudata(L, 1, LREGIO_IOCP);
  if (port_is_closed(port)) lua_pushliteral(L, LREGIO_IOCP " (closed)");
  else lua_pushfstring(L, LREGIO_IOCP ": pending=%d", (int)regio_port_pending(port->core));
  return 1;
}

void lregio_open_iocp(lua_State *L) {
  static const luaL_Reg meta[] = {
      {"__gc", port_close},
      {"__close", port_close},
      {"__tostring", port_tostring},
      {NULL, NULL},
  };
  static const luaL_Reg methods[] = {
      {"wait", port_wait},
      {"post", port_post},
      {"pending", port_pending},
      {"close", port_close},
      {NULL, NULL},
  };
  lregio_newclass(L, LREGIO_IOCP, meta, methods);
}
