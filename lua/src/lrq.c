/*
 * lrq.c — regio.rq: RIOCreateRequestQueue (lab:rq), RIOReceive(Ex), RIOSend(Ex), the
 * COMMIT_ONLY form (rq:commit), RIOResizeRequestQueue and observers.
 *
 * An rq userdata reaches its core RQ through its socket userdata: RIO has no close for RQs, the
 * RQ lives as long as its socket. Once the socket is closed, submissions, commit and resize
 * return the fail triple EINVAL and the observers return 0. Each accepted submission pins a
 * ledger record (lreq.c): its context value, this rq, the direction's CQ and every buffer its
 * slices point into.
 */
#include "lregio.h"

#include <stdio.h>
#include <string.h>

static const char socket_closed_msg[] = "request queue's socket is closed";

lregio_rq *lregio_checkrq(lua_State *L, int idx) {
  lregio_rq *rq = luaL_checkudata(L, idx, LREGIO_RQ);
  if (rq->lab->core == NULL) lregio_closed_error(L, LREGIO_RQ);
  return rq;
}

/* The core RQ, or NULL once the socket is closed. The lab must be open. */
static regio_rq *rq_core(const lregio_rq *rq) {
  return rq->sock->core != NULL ? regio_sock_rq(rq->sock->core) : NULL;
}

/* {======================================================================================
** lab:rq(sock, opts)
** ======================================================================================= */

/* Reads an integer option in [0, 2^32-1] of the table at idx. */
static uint32_t opt_u32_field(lua_State *L, int idx, const char *key, uint32_t def) {
  lua_Integer v;
  int t = lregio_getopt(L, idx, key);
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  if (!lua_isinteger(L, -1)) luaL_error(L, "bad option '%s' to 'rq' (integer expected)", key);
  v = lua_tointeger(L, -1);
  if (v < 0 || (uint64_t)v > UINT32_MAX)
    luaL_error(L, "bad option '%s' to 'rq' (value out of range [0, 2^32-1])", key);
  lua_pop(L, 1);
  return (uint32_t)v;
}

/* Checks the CQ option at idx (nil allowed) and returns its core pointer or NULL. */
static regio_cq *opt_cq(lua_State *L, int idx, lregio_lab *lab, const char *key) {
  lregio_cq *cq;
  if (lua_isnil(L, idx)) return NULL;
  cq = lregio_checkcq(L, idx);
  if (cq->lab != lab) luaL_error(L, "bad option '%s' to 'rq' (CQ belongs to another lab)", key);
  return cq->core;
}

int lregio_lab_rq(lua_State *L) {
  static const char *const keys[] = {"recv",    "recv_bufs", "send", "send_bufs",
                                     "recv_cq", "send_cq",   "cq",   "context", NULL};
  lregio_lab *lab = lregio_checklab(L, 1);
  lregio_sock *sock = lregio_checksock(L, 2);
  regio_rq_limits limits;
  regio_cq *recv_cq, *send_cq;
  regio_rq *core = NULL;
  lregio_rq *rq;
  int rc, recv_idx, send_idx;
  luaL_argcheck(L, sock->lab == lab, 2, "socket belongs to another lab");
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  lregio_checkkeys(L, 3, keys, "rq");
  limits.max_recv = opt_u32_field(L, 3, "recv", 0);
  limits.max_recv_bufs = opt_u32_field(L, 3, "recv_bufs", 1);
  limits.max_send = opt_u32_field(L, 3, "send", 0);
  limits.max_send_bufs = opt_u32_field(L, 3, "send_bufs", 1);
  lregio_getopt(L, 3, "cq");      /* 4 */
  lregio_getopt(L, 3, "recv_cq"); /* 5 */
  lregio_getopt(L, 3, "send_cq"); /* 6 */
  lregio_getopt(L, 3, "context"); /* 7 */
  recv_idx = lua_isnil(L, 5) ? 4 : 5;
  send_idx = lua_isnil(L, 6) ? 4 : 6;
  (void)opt_cq(L, recv_idx, lab, recv_idx == 4 ? "cq" : "recv_cq");
  (void)opt_cq(L, send_idx, lab, send_idx == 4 ? "cq" : "send_cq");
  rq = lregio_newobject(L, sizeof(*rq), LREGIO_RQ_NUV, LREGIO_RQ, 1); /* 8 */
  rq->lab = lab;
  rq->sock = sock;
  rq->id = ++lab->next_id;
  lua_pushvalue(L, 2);
  lregio_setuv(L, 8, LREGIO_RQ_UV_SOCKET);
  lua_pushvalue(L, recv_idx);
  lregio_setuv(L, 8, LREGIO_RQ_UV_RECV_CQ);
  lua_pushvalue(L, send_idx);
  lregio_setuv(L, 8, LREGIO_RQ_UV_SEND_CQ);
  lua_pushvalue(L, 7);
  lregio_setuv(L, 8, LREGIO_RQ_UV_CONTEXT);
  /* Allocations are over: take the core pointers now (a finalizer may have closed something). */
  recv_cq = opt_cq(L, recv_idx, lab, "recv_cq");
  send_cq = opt_cq(L, send_idx, lab, "send_cq");
  rc = regio_rq_create(lregio_checksock(L, 2)->core, &limits, recv_cq, send_cq, rq->id, &core);
  if (rc < 0) return lregio_fail(L, rc);
  lua_pushvalue(L, 8);
  lregio_setuv(L, 2, LREGIO_SOCK_UV_RQ); /* the socket keeps its rq (sock:rq()) */
  lua_settop(L, 8);
  return 1;
}

/* }====================================================================================== */

/* {======================================================================================
** Submissions.
** ======================================================================================= */

/* Collects the options table of the Ex forms at arg into ex (pointers into exs) and pins the
   slices' buffers into the record at rec_idx. */
static void check_ex(lua_State *L, int arg, lregio_lab *lab, regio_ex_slices *ex,
                     regio_slice exs[4], int rec_idx, int *pin) {
  static const char *const keys[] = {"local", "remote", "control", "flags", NULL};
  const regio_slice **slots[4];
  int i;
  slots[0] = &ex->local;
  slots[1] = &ex->remote;
  slots[2] = &ex->control;
  slots[3] = &ex->flags;
  memset(ex, 0, sizeof(*ex));
  if (lua_isnoneornil(L, arg)) return;
  luaL_checktype(L, arg, LUA_TTABLE);
  lregio_checkkeys(L, arg, keys, "Ex slice");
  for (i = 0; i < 4; i++) {
    if (lregio_getopt(L, arg, keys[i]) != LUA_TNIL) {
      if (luaL_testudata(L, -1, LREGIO_SLICE) == NULL)
        luaL_error(L, "bad Ex slice '%s' (regio.slice expected, got %s)", keys[i],
                   luaL_typename(L, -1));
      exs[i] = lregio_checkslice_for(L, -1, lab, rec_idx, pin)->s;
      *slots[i] = &exs[i];
    }
    lua_pop(L, 1);
  }
}

static int submit_core(regio_rq *core, regio_direction dir, const regio_slice *slices, int n,
                       const regio_ex_slices *ex, uint32_t flags, uint64_t ctx) {
  const regio_slice *s = n > 0 ? slices : NULL;
  if (ex != NULL) {
    return dir == REGIO_DIR_RECEIVE ? regio_rq_receive_ex(core, s, (uint32_t)n, ex, flags, ctx)
                                    : regio_rq_send_ex(core, s, (uint32_t)n, ex, flags, ctx);
  }
  return dir == REGIO_DIR_RECEIVE ? regio_rq_receive(core, s, (uint32_t)n, flags, ctx)
                                  : regio_rq_send(core, s, (uint32_t)n, flags, ctx);
}

/* rq:receive(slices [, flags [, ctx]]) and the other three forms (Ex: rq, slices, ex, ...). */
static int submit(lua_State *L, regio_direction dir, int is_ex) {
  lregio_rq *rq = lregio_checkrq(L, 1);
  int flags_arg = is_ex ? 4 : 3, ctx_arg = flags_arg + 1;
  uint32_t flags = lregio_checkflags(L, flags_arg);
  regio_slice slices[REGIO_MAX_SLICES], exs[4];
  regio_ex_slices ex;
  int n, rec, pin = LREGIO_REC_BUFFERS, ledger_idx, rc;
  uint64_t id;
  regio_rq *core;
  lua_settop(L, ctx_arg);
  /* The record: context, rq, the direction's CQ, then the buffers. */
  lua_createtable(L, 4, 0);
  rec = lua_gettop(L);
  lua_pushvalue(L, ctx_arg);
  lua_rawseti(L, rec, LREGIO_REC_CTX);
  lua_pushvalue(L, 1);
  lua_rawseti(L, rec, LREGIO_REC_RQ);
  lregio_getuv(L, 1, dir == REGIO_DIR_RECEIVE ? LREGIO_RQ_UV_RECV_CQ : LREGIO_RQ_UV_SEND_CQ);
  lua_rawseti(L, rec, LREGIO_REC_CQ);
  n = lregio_checkslices(L, 2, rq->lab, slices, rec, &pin);
  if (is_ex) check_ex(L, 3, rq->lab, &ex, exs, rec, &pin);
  if (n < 0) return lregio_fail_msg(L, REGIO_EINVAL, "more slices than any profile allows");
  if (flags & REGIO_MSG_COMMIT_ONLY) {
    /* COMMIT_ONLY creates no request: nothing to pin. A context makes the shape invalid. */
    lregio_checkrq(L, 1); /* again: building the record may have run finalizers */
    core = rq_core(rq);
    if (core == NULL) return lregio_fail_msg(L, REGIO_EINVAL, socket_closed_msg);
    rc = submit_core(core, dir, slices, n, is_ex ? &ex : NULL, flags,
                     lua_isnil(L, ctx_arg) ? 0 : 1);
    lregio_ledger_flush_from(L, 1);
    return lregio_result(L, rc);
  }
  lregio_push_lab(L, 1);
  lregio_ledger_push(L, -1);
  ledger_idx = lua_gettop(L);
  id = lregio_req_pin(L, rq->lab, ledger_idx, rec);
  /* No Lua allocation from here to the core call. */
  lregio_checkrq(L, 1);
  core = rq_core(rq);
  if (core == NULL) {
    lregio_req_unpin(L, rq->lab, ledger_idx, id);
    return lregio_fail_msg(L, REGIO_EINVAL, socket_closed_msg);
  }
  rc = submit_core(core, dir, slices, n, is_ex ? &ex : NULL, flags, id);
  if (rc < 0) {
    lregio_req_unpin(L, rq->lab, ledger_idx, id);
    return lregio_fail(L, rc);
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int rq_receive(lua_State *L) { return submit(L, REGIO_DIR_RECEIVE, 0); }
static int rq_send(lua_State *L) { return submit(L, REGIO_DIR_SEND, 0); }
static int rq_receive_ex(lua_State *L) { return submit(L, REGIO_DIR_RECEIVE, 1); }
static int rq_send_ex(lua_State *L) { return submit(L, REGIO_DIR_SEND, 1); }

static int rq_commit(lua_State *L) {
  regio_direction dir;
  regio_rq *core;
  int rc;
  lregio_checkrq(L, 1);
  dir = lregio_checkdir(L, 2); /* may convert a number: re-check the rq */
  core = rq_core(lregio_checkrq(L, 1));
  if (core == NULL) return lregio_fail_msg(L, REGIO_EINVAL, socket_closed_msg);
  rc = regio_rq_commit(core, dir);
  lregio_ledger_flush_from(L, 1);
  return lregio_result(L, rc);
}

static int rq_resize(lua_State *L) {
  lregio_rq *rq = lregio_checkrq(L, 1);
  uint32_t recv = lregio_checku32(L, 2);
  uint32_t send = lregio_checku32(L, 3);
  regio_rq *core = rq_core(rq);
  if (core == NULL) return lregio_fail_msg(L, REGIO_EINVAL, socket_closed_msg);
  return lregio_result(L, regio_rq_resize(core, recv, send));
}

/* }====================================================================================== */

/* {======================================================================================
** Observers and metamethods.
** ======================================================================================= */

static int rq_observe(lua_State *L, uint32_t (*observe)(const regio_rq *, regio_direction)) {
  regio_direction dir;
  regio_rq *core;
  lregio_checkrq(L, 1);
  dir = lregio_checkdir(L, 2); /* may convert a number: re-check the rq */
  core = rq_core(lregio_checkrq(L, 1));
  lua_pushinteger(L, core != NULL ? observe(core, dir) : 0);
  return 1;
}

static int rq_charged(lua_State *L) { return rq_observe(L, regio_rq_charged); }
static int rq_limit(lua_State *L) { return rq_observe(L, regio_rq_limit); }
static int rq_deferred(lua_State *L) { return rq_observe(L, regio_rq_deferred); }

/* __index: methods first (upvalue 1), then the fields socket and context. */
static int rq_index(lua_State *L) {
  const char *key;
  luaL_checkudata(L, 1, LREGIO_RQ);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  key = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "";
  if (strcmp(key, "socket") == 0) lregio_getuv(L, 1, LREGIO_RQ_UV_SOCKET);
  else if (strcmp(key, "context") == 0) lregio_getuv(L, 1, LREGIO_RQ_UV_CONTEXT);
  else lua_pushnil(L);
  return 1;
}

static int rq_tostring(lua_State *L) {
  lregio_rq *rq = luaL_checkudata(L, 1, LREGIO_RQ);
  regio_rq *core;
  char text[200];
  if (rq->lab->core == NULL) {
    lua_pushliteral(L, LREGIO_RQ " (closed)");
    return 1;
  }
  core = rq_core(rq);
  if (core == NULL) {
    lua_pushliteral(L, LREGIO_RQ ": socket closed");
    return 1;
  }
  snprintf(text, sizeof(text),
           LREGIO_RQ ": receive=%lu/%lu deferred=%lu send=%lu/%lu deferred=%lu",
           (unsigned long)regio_rq_charged(core, REGIO_DIR_RECEIVE),
           (unsigned long)regio_rq_limit(core, REGIO_DIR_RECEIVE),
           (unsigned long)regio_rq_deferred(core, REGIO_DIR_RECEIVE),
           (unsigned long)regio_rq_charged(core, REGIO_DIR_SEND),
           (unsigned long)regio_rq_limit(core, REGIO_DIR_SEND),
           (unsigned long)regio_rq_deferred(core, REGIO_DIR_SEND));
  lua_pushstring(L, text);
  return 1;
}

/* }====================================================================================== */

/* __close: RIO has no call that closes an RQ (it lives as long as its socket), so closing the
   rq userdata does nothing; it exists so that `local rq <close> = lab:rq(...)` is accepted. An rq
   owns no resource, hence no __gc. */
static int rq_close(lua_State *L) {
  luaL_checkudata(L, 1, LREGIO_RQ);
  return 0;
}

void lregio_open_rq(lua_State *L) {
  static const luaL_Reg meta[] = {
      {"__close", rq_close},
      {"__tostring", rq_tostring},
      {NULL, NULL},
  };
  static const luaL_Reg methods[] = {
      {"receive", rq_receive},
      {"send", rq_send},
      {"receive_ex", rq_receive_ex},
      {"send_ex", rq_send_ex},
      {"commit", rq_commit},
      {"resize", rq_resize},
      {"charged", rq_charged},
      {"limit", rq_limit},
      {"deferred", rq_deferred},
      {NULL, NULL},
  };
  lregio_newclass_fields(L, LREGIO_RQ, meta, methods, rq_index);
}
