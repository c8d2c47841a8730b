/*
 * llink.c — simulated link knobs from Lua: sock:link{...} and the knob tables that lab:tcp_pair,
 * lab:udp and lab:listen accept at creation (regio_sock_link; engines without simulated links
 * fail with EOPNOTSUPP).
 *
 * A knob table sets every knob at once; a knob it leaves out is off (reset_after: never). Keys:
 * segment (bytes), latency (ms), bandwidth (bytes/s), loss, dup, reorder (probabilities 0..1),
 * reset_after (bytes), refuse (boolean).
 */
#include "lregio.h"

#include <string.h>

static const char *const link_keys[] = {"segment", "latency",     "bandwidth", "loss", "dup",
                                        "reorder", "reset_after", "refuse",    NULL};

/* Reads an optional number field of the table at idx (def when absent). Raises on a wrong type. */
static lua_Number opt_number(lua_State *L, int idx, const char *key, lua_Number def) {
  lua_Number v = def;
  lua_getfield(L, idx, key);
  if (!lua_isnil(L, -1)) {
    if (!lua_isnumber(L, -1))
      luaL_error(L, "bad link option '%s' (number expected, got %s)", key, luaL_typename(L, -1));
    v = lua_tonumber(L, -1);
    if (v != v) luaL_error(L, "bad link option '%s' (NaN)", key);
  }
  lua_pop(L, 1);
  return v;
}

/* Reads an optional probability field: a number in [0, 1]. */
static double opt_probability(lua_State *L, int idx, const char *key) {
  lua_Number v = opt_number(L, idx, key, 0);
  if (v < 0 || v > 1) luaL_error(L, "bad link option '%s' (probability in [0, 1] expected)", key);
  return (double)v;
}

void lregio_checklink(lua_State *L, int idx, regio_link *out) {
  lua_Number segment, reset_after;
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  lregio_checkkeys(L, idx, link_keys, "link");
  memset(out, 0, sizeof(*out));
  segment = opt_number(L, idx, "segment", 0);
  if (segment < 0 || segment > 4294967295.0)
    luaL_error(L, "bad link option 'segment' (out of range [0, 4294967295])");
  out->segment = (uint32_t)segment;
  out->latency_ms = (double)opt_number(L, idx, "latency", 0);
  out->bandwidth = (double)opt_number(L, idx, "bandwidth", 0);
  out->loss = opt_probability(L, idx, "loss");
  out->dup = opt_probability(L, idx, "dup");
  out->reorder = opt_probability(L, idx, "reorder");
  reset_after = opt_number(L, idx, "reset_after", -1);
  out->reset_after = reset_after < 0 ? -1 : reset_after > 9.2e18 ? INT64_MAX : (int64_t)reset_after;
  lua_getfield(L, idx, "refuse");
  out->refuse = lua_toboolean(L, -1);
  lua_pop(L, 1);
}

/* sock:link{...} -> true | fail */
int lregio_sock_link(lua_State *L) {
  regio_link knobs;
  lregio_checksock(L, 1);
  lregio_checklink(L, 2, &knobs);
  return lregio_result(L, regio_sock_link(lregio_checksock(L, 1)->core, &knobs));
}
