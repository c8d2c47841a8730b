/*
 * lutil.c — helpers shared by the binding: the fail triple, argument and option checks, flags,
 * directions, slice lists, and the plumbing that creates objects and their metatables.
 */
#include "lregio.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* {======================================================================================
** Results and errors.
** ======================================================================================= */

int lregio_fail_msg(lua_State *L, int err, const char *msg) {
  const char *name = regio_err_name(err);
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", name, msg);
  lua_pushstring(L, name);
  return 3;
}

int lregio_fail(lua_State *L, int err) { return lregio_fail_msg(L, err, regio_strerror(err)); }

int lregio_result(lua_State *L, int rc) {
  if (rc < 0) return lregio_fail(L, rc);
  lua_pushboolean(L, 1);
  return 1;
}

void lregio_closed_error(lua_State *L, const char *tname) {
  luaL_error(L, "attempt to use a closed %s", tname);
  abort(); /* not reached: luaL_error does not return */
}

void lregio_argerror(lua_State *L, int arg, const char *msg) {
  luaL_argerror(L, arg, msg);
  abort(); /* not reached */
}

/* }====================================================================================== */

/* {======================================================================================
** Numbers, timeouts, flags, directions, option tables.
** ======================================================================================= */

uint32_t lregio_checku32(lua_State *L, int arg) {
  lua_Integer v = luaL_checkinteger(L, arg);
  luaL_argcheck(L, v >= 0 && (uint64_t)v <= UINT32_MAX, arg, "value out of range [0, 2^32-1]");
  return (uint32_t)v;
}

uint32_t lregio_optu32(lua_State *L, int arg, uint32_t def) {
  return lua_isnoneornil(L, arg) ? def : lregio_checku32(L, arg);
}

int lregio_checkms(lua_State *L, int arg, int def, int allow_negative) {
  lua_Number ms;
  if (lua_isnoneornil(L, arg)) return def;
  ms = luaL_checknumber(L, arg);
  luaL_argcheck(L, ms == ms, arg, "timeout is NaN");
  if (ms < 0) {
    luaL_argcheck(L, allow_negative, arg, "timeout must not be negative");
    return -1;
  }
  ms = ceil(ms);
  return ms >= (lua_Number)INT_MAX ? INT_MAX : (int)ms;
}

static const struct {
  const char *name;
  uint32_t bit;
} flag_names[] = {
    {"dont_notify", REGIO_MSG_DONT_NOTIFY},
    {"defer", REGIO_MSG_DEFER},
    {"waitall", REGIO_MSG_WAITALL},
    {"commit_only", REGIO_MSG_COMMIT_ONLY},
};

uint32_t lregio_checkflags(lua_State *L, int arg) {
  uint32_t flags = 0;
  int t = lua_type(L, arg);
  if (t == LUA_TNONE || t == LUA_TNIL) return 0;
  if (t == LUA_TNUMBER) return lregio_checku32(L, arg);
  if (t != LUA_TTABLE) {
    luaL_typeerror(L, arg, "number or table of flags");
    return 0;
  }
  arg = lua_absindex(L, arg);
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    size_t i;
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    for (i = 0; key && i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
      if (strcmp(key, flag_names[i].name) == 0) break;
    }
    if (key == NULL || i == sizeof(flag_names) / sizeof(flag_names[0])) {
      lua_pushvalue(L, -2);
      luaL_argerror(L, arg, lua_pushfstring(L, "unknown flag '%s'", luaL_tolstring(L, -1, NULL)));
    }
    if (lua_toboolean(L, -1)) flags |= flag_names[i].bit;
    lua_pop(L, 1);
  }
  return flags;
}

regio_direction lregio_checkdir(lua_State *L, int arg) {
  static const char *const dirs[] = {"receive", "send", NULL};
  return luaL_checkoption(L, arg, NULL, dirs) == 0 ? REGIO_DIR_RECEIVE : REGIO_DIR_SEND;
}

void lregio_checkkeys(lua_State *L, int idx, const char *const keys[], const char *what) {
  if (!lua_istable(L, idx)) return;
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    int i;
    for (i = 0; key && keys[i]; i++) {
      if (strcmp(key, keys[i]) == 0) break;
    }
    if (key == NULL || keys[i] == NULL) {
      lua_pushvalue(L, -2);
      luaL_error(L, "unknown %s option '%s'", what, luaL_tolstring(L, -1, NULL));
    }
    lua_pop(L, 1);
  }
}

int lregio_getopt(lua_State *L, int idx, const char *key) {
  if (!lua_istable(L, idx)) {
    lua_pushnil(L);
    return LUA_TNIL;
  }
  lua_getfield(L, idx, key);
  return lua_type(L, -1);
}

/* }====================================================================================== */

/* {======================================================================================
** Objects and metatables.
** ======================================================================================= */

void *lregio_newobject(lua_State *L, size_t size, int nuv, const char *tname, int lab_idx) {
  void *p;
  if (lab_idx != 0) lab_idx = lua_absindex(L, lab_idx);
  p = lregio_newudata(L, size, nuv);
  memset(p, 0, size);
  luaL_setmetatable(L, tname);
  if (lab_idx != 0) {
    lua_pushvalue(L, lab_idx);
    lregio_setuv(L, -2, LREGIO_UV_LAB);
  }
  return p;
}

static int newclass_begin(lua_State *L, const char *tname, const luaL_Reg *meta) {
  if (!luaL_newmetatable(L, tname)) {
    lua_pop(L, 1);
    return 0; /* Already registered by an earlier luaopen. */
  }
#if LUA_VERSION_NUM < 504
  lua_pushstring(L, tname);
  lua_setfield(L, -2, "__name");
#endif
  luaL_setfuncs(L, meta, 0);
  return 1;
}

void lregio_newclass(lua_State *L, const char *tname, const luaL_Reg *meta,
                     const luaL_Reg *methods) {
  if (!newclass_begin(L, tname, meta)) return;
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

void lregio_newclass_fields(lua_State *L, const char *tname, const luaL_Reg *meta,
                            const luaL_Reg *methods, lua_CFunction index_fn) {
  if (!newclass_begin(L, tname, meta)) return;
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_pushcclosure(L, index_fn, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

void lregio_push_lab(lua_State *L, int idx) { lregio_getuv(L, idx, LREGIO_UV_LAB); }

/* }====================================================================================== */

/* {======================================================================================
** Slice lists.
** ======================================================================================= */

/* Checks that the value at idx is a slice that may be used on lab (raising against argument arg
   otherwise), and pins its buffer userdata into the record at rec_idx. */
static const lregio_slice *slice_for(lua_State *L, int idx, int arg, lregio_lab *lab,
                                     int rec_idx, int *pin) {
  lregio_slice *s = luaL_testudata(L, idx, LREGIO_SLICE);
  if (s == NULL) {
    lregio_argerror(L, arg,
                    lua_pushfstring(L, "regio.slice expected, got %s", luaL_typename(L, idx)));
  }
  if (s->buf->closed || s->buf->lab->core == NULL) lregio_closed_error(L, LREGIO_SLICE);
  luaL_argcheck(L, s->buf->lab == lab, arg, "slice belongs to another lab");
  lregio_getuv(L, idx, LREGIO_SLICE_UV_BUFFER);
  lua_rawseti(L, rec_idx, (*pin)++);
  return s;
}

int lregio_checkslices(lua_State *L, int arg, lregio_lab *lab, regio_slice *out, int rec_idx,
                       int *pin) {
  int t = lua_type(L, arg);
  lua_Integer i, n;
  rec_idx = lua_absindex(L, rec_idx);
  if (t == LUA_TNONE || t == LUA_TNIL) return 0;
  if (t == LUA_TUSERDATA) {
    out[0] = slice_for(L, arg, arg, lab, rec_idx, pin)->s;
    return 1;
  }
  if (t != LUA_TTABLE) return luaL_typeerror(L, arg, "regio.slice, array of slices or nil");
  n = (lua_Integer)lua_rawlen(L, arg);
  if (n > (lua_Integer)REGIO_MAX_SLICES) return -1;
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, arg, i);
    out[i - 1] = slice_for(L, -1, arg, lab, rec_idx, pin)->s;
    lua_pop(L, 1);
  }
  return (int)n;
}

const lregio_slice *lregio_checkslice_for(lua_State *L, int arg, lregio_lab *lab, int rec_idx,
                                          int *pin) {
  return slice_for(L, arg, arg, lab, lua_absindex(L, rec_idx), pin);
}

/* }====================================================================================== */
