/*
 * lreq.c — the ledger of in-flight requests.
 *
 * Every accepted request has a record (a Lua table: context value, rq userdata, CQ userdata,
 * buffer userdatas) in its lab's ledger, under an integer id that is the request context the
 * core carries. The record pins everything the request needs until its completion is dequeued
 * (the record becomes the result table's `request` and `socket` fields and is dropped) or until
 * the core drops the completion (CQ closed, lab closing) and reports it to the release hook.
 *
 * The release hook runs inside core calls, possibly inside a __gc metamethod, so it must not
 * touch Lua at all (an allocation could start a collection whose finalizers re-enter the core).
 * It only writes the id into lab->released, whose capacity is kept >= the number of pinned
 * records; the records are unpinned the next time the binding pushes the ledger.
 */
#include "lregio.h"

#include <stdlib.h>

void lregio_req_release_hook(void *ud, const regio_result *r) {
  lregio_lab *lab = ud;
  /* The capacity covers every pinned record, so this never drops an id. */
  if (lab->nreleased < lab->capreleased) lab->released[lab->nreleased++] = r->request_ctx;
}

void lregio_req_unpin(lua_State *L, lregio_lab *lab, int ledger_idx, uint64_t id) {
  /* Ids are luaL_ref references, so the ledger's keys stay dense (its array part) instead of a
     sliding window of ever-larger integers, whose hash part Lua rehashes on almost every pin
     once it is full (measured: 40 us a pin at 4096 requests in flight). A freed slot holds an
     integer (the free list), never a table. Neither the lookup nor luaL_unref allocates: it
     writes existing keys only. */
  ledger_idx = lua_absindex(L, ledger_idx);
  if (lua_rawgeti(L, ledger_idx, (lua_Integer)id) == LUA_TTABLE) {
    if (lab->live > 0) lab->live--;
    luaL_unref(L, ledger_idx, (int)id);
  }
  lua_pop(L, 1);
}

/* Unpins every record the release hook reported. */
static void ledger_flush(lua_State *L, lregio_lab *lab, int ledger_idx) {
  while (lab->nreleased > 0) lregio_req_unpin(L, lab, ledger_idx, lab->released[--lab->nreleased]);
}

void lregio_ledger_push(lua_State *L, int lab_idx) {
  lregio_lab *lab;
  int t;
  lab_idx = lua_absindex(L, lab_idx);
  lab = lua_touserdata(L, lab_idx);
  t = lregio_getuv(L, lab_idx, LREGIO_LAB_UV_LEDGER);
  if (t == LUA_TTABLE && lab->core != NULL) ledger_flush(L, lab, lua_gettop(L));
}

void lregio_ledger_flush_from(lua_State *L, int child_idx) {
  lregio_lab *lab;
  child_idx = lua_absindex(L, child_idx);
  lregio_push_lab(L, child_idx);
  lab = lua_touserdata(L, -1);
  if (lab != NULL && lab->core != NULL && lab->nreleased > 0) {
    lregio_ledger_push(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* Grows lab->released so that the hook can report every pinned record plus one more. */
static void released_reserve(lua_State *L, lregio_lab *lab) {
  uint32_t cap = lab->capreleased;
  uint64_t *p;
  if (lab->live < cap) return;
  if (cap >= UINT32_MAX / 2) luaL_error(L, "too many requests in flight");
  cap = cap ? cap * 2 : 64;
  p = realloc(lab->released, sizeof(*p) * cap);
  if (p == NULL) luaL_error(L, "not enough memory");
  lab->released = p;
  lab->capreleased = cap;
}

uint64_t lregio_req_pin(lua_State *L, lregio_lab *lab, int ledger_idx, int rec_idx) {
  uint64_t id;
  ledger_idx = lua_absindex(L, ledger_idx);
  released_reserve(L, lab);
  lua_pushvalue(L, rec_idx);
  id = (uint64_t)luaL_ref(L, ledger_idx); /* may raise (memory): nothing is pinned then */
  lab->live++;
  return id;
}

void lregio_req_prepare_result(lua_State *L, int t) {
  t = lua_absindex(L, t);
  lua_pushinteger(L, 0);
  lua_setfield(L, t, "status");
  lua_pushinteger(L, 0);
  lua_setfield(L, t, "bytes");
  lua_pushboolean(L, 0);
  lua_setfield(L, t, "socket");
  lua_pushboolean(L, 0);
  lua_setfield(L, t, "request");
}

/* Pushes the name of a status from the registry's table of names (no allocation). */
static void push_status_name(lua_State *L, int status) {
  lua_getfield(L, LUA_REGISTRYINDEX, LREGIO_ERRNAMES);
  if (lua_rawgeti(L, -1, -status) != LUA_TSTRING) {
    lua_pop(L, 1);
    lua_pushstring(L, regio_err_name(status));
  }
  lua_remove(L, -2);
}

void lregio_req_fill_result(lua_State *L, lregio_lab *lab, int ledger_idx, int t,
                            const regio_result *r) {
  ledger_idx = lua_absindex(L, ledger_idx);
  t = lua_absindex(L, t);
  if (r->status == 0) lua_pushinteger(L, 0);
  else push_status_name(L, r->status);
  lua_setfield(L, t, "status");
  lua_pushinteger(L, (lua_Integer)r->bytes);
  lua_setfield(L, t, "bytes");
  lua_pushnil(L);
  lua_setfield(L, t, "socket");
  lua_pushnil(L);
  lua_setfield(L, t, "request");
  if (lua_rawgeti(L, ledger_idx, (lua_Integer)r->request_ctx) == LUA_TTABLE) {
    lua_rawgeti(L, -1, LREGIO_REC_CTX);
    lua_setfield(L, t, "request");
    if (lua_rawgeti(L, -1, LREGIO_REC_RQ) == LUA_TUSERDATA) {
      lregio_getuv(L, -1, LREGIO_RQ_UV_CONTEXT);
      lua_setfield(L, t, "socket");
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lregio_req_unpin(L, lab, ledger_idx, r->request_ctx);
}

void lregio_req_push_result(lua_State *L, lregio_lab *lab, int ledger_idx,
                            const regio_result *r) {
  ledger_idx = lua_absindex(L, ledger_idx);
  lua_createtable(L, 0, 4);
  lregio_req_fill_result(L, lab, ledger_idx, -1, r);
}

void lregio_req_lab_closed(lregio_lab *lab) {
  free(lab->released);
  lab->released = NULL;
  lab->nreleased = lab->capreleased = 0;
  lab->live = 0;
}
