/*
 * lcq.c — regio.cq: RIOCreateCompletionQueue (lab:cq), RIOResizeCompletionQueue, RIONotify,
 * RIODequeueCompletion, RIOCloseCompletionQueue, the event of event CQs, and cq:await, which
 * dequeues while letting the engine make progress until enough results came or time ran out.
 *
 * Results are copied by the core into a C array first (a userdata box the lab keeps for reuse)
 * and only then turned into Lua tables, so no Lua allocation happens inside a core call.
 */
#include "lregio.h"

#include <stdbool.h>

#include <stdio.h>
#include <string.h>

static const char *kind_name(regio_notify_kind kind) {
  switch (kind) {
  case REGIO_NOTIFY_NONE: return "polled";
  case REGIO_NOTIFY_EVENT: return "event";
  case REGIO_NOTIFY_IOCP: return "iocp";
  }
  return "polled";
}

static int cq_is_closed(const lregio_cq *cq) { return cq->core == NULL || cq->lab->core == NULL; }

lregio_cq *lregio_checkcq(lua_State *L, int idx) {
  lregio_cq *cq = luaL_checkudata(L, idx, LREGIO_CQ);
  if (cq_is_closed(cq)) lregio_closed_error(L, LREGIO_CQ);
  return cq;
}

/* Raises unless the CQ at idx has an event (notify = "event"). */
static lregio_cq *check_event_cq(lua_State *L, int idx) {
  lregio_cq *cq = lregio_checkcq(L, idx);
  if (regio_cq_kind(cq->core) != REGIO_NOTIFY_EVENT)
    luaL_error(L, "regio.cq has no event (created with notify = \"%s\")",
               kind_name(regio_cq_kind(cq->core)));
  return cq;
}

/* Lets the engine make progress without waiting, then unpins what it released. */
static void make_progress(lua_State *L, lregio_cq *cq) {
  (void)regio_lab_poll(cq->lab->core, 0);
  lregio_ledger_flush_from(L, 1);
}

/* {======================================================================================
** lab:cq(size [, opts])
** ======================================================================================= */

/* Returns the index of the notify option at idx in kinds, or raises. */
static int check_kind(lua_State *L, int idx, const char *const kinds[]) {
  const char *name = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : NULL;
  int i;
  for (i = 0; name != NULL && kinds[i]; i++) {
    if (strcmp(name, kinds[i]) == 0) return i;
  }
  return luaL_error(L, "bad option 'notify' to 'cq' (\"polled\", \"event\" or \"iocp\" expected, "
                       "got %s)", name ? lua_pushfstring(L, "'%s'", name) : luaL_typename(L, idx));
}

int lregio_lab_cq(lua_State *L) {
  static const char *const keys[] = {"notify", "reset", "port", "key", "overlapped", NULL};
  static const char *const kinds[] = {"polled", "event", "iocp", NULL};
  lregio_lab *lab = lregio_checklab(L, 1);
  uint32_t size = lregio_checku32(L, 2);
  regio_notify how;
  lregio_port *port = NULL;
  lregio_cq *cq;
  regio_cq *core = NULL;
  uint64_t key_id = 0, ov_id = 0;
  int rc, cq_idx;
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  lregio_checkkeys(L, 3, keys, "cq");
  memset(&how, 0, sizeof(how));
  if (lregio_getopt(L, 3, "notify") != LUA_TNIL) /* 4 */
    how.kind = (regio_notify_kind)check_kind(L, 4, kinds);
  lregio_getopt(L, 3, "reset");      /* 5 */
  how.reset = lua_toboolean(L, 5);
  lregio_getopt(L, 3, "port");       /* 6 */
  lregio_getopt(L, 3, "key");        /* 7 */
  lregio_getopt(L, 3, "overlapped"); /* 8 */
  if (how.kind == REGIO_NOTIFY_IOCP && !lua_isnil(L, 6)) {
    port = lregio_checkport(L, 6);
    if (port->lab != lab) luaL_error(L, "bad option 'port' to 'cq' (port belongs to another lab)");
  }
  cq = lregio_newobject(L, sizeof(*cq), LREGIO_CQ_NUV, LREGIO_CQ, 1);
  cq_idx = lua_gettop(L);
  cq->lab = lab;
  if (port != NULL) {
    lua_pushvalue(L, 6);
    lregio_setuv(L, cq_idx, LREGIO_CQ_UV_PORT);
    key_id = lregio_port_intern(L, 6, 7);
    ov_id = lregio_port_intern(L, 6, 8);
    if (port->core == NULL || lab->core == NULL) lregio_closed_error(L, LREGIO_IOCP);
    how.port = port->core;
    how.key = key_id;
    how.overlapped = ov_id;
  }
  if (lab->core == NULL) lregio_closed_error(L, LREGIO_LAB);
  rc = regio_cq_create(lab->core, size, &how, &core);
  if (rc < 0) {
    if (port != NULL) {
      lregio_port_forget(L, 6, key_id);
      lregio_port_forget(L, 6, ov_id);
    }
    return lregio_fail(L, rc);
  }
  cq->core = core;
  lua_settop(L, cq_idx);
  return 1;
}

/* }====================================================================================== */

/* {======================================================================================
** Dequeue and await.
** ======================================================================================= */

/* Dequeues up to max results of the CQ at 1 and appends their tables to the array at arr_idx
   (*count is its length); with reuse, tables already in the array are refilled. Returns what
   regio_cq_dequeue returned.
   Every Lua allocation (result tables, their keys, array slots) happens before the core hands
   results over, and only as many results as are queued are taken: a memory error can therefore
   never lose a dequeued result or leave its record pinned. */
static int dequeue_into(lua_State *L, lregio_cq *cq, uint32_t max, int arr_idx, int *count,
                        bool reuse) {
  lregio_lab *lab = cq->lab;
  int lab_idx, ledger_idx, box_idx, rc, i;
  regio_result *res;
  uint32_t size, need;
  if (cq_is_closed(cq)) lregio_closed_error(L, LREGIO_CQ);
  size = regio_cq_size(cq->core);
  need = max < size ? max : size;
  if (need == 0) return 0;
  lregio_push_lab(L, 1);
  lab_idx = lua_gettop(L);
  lregio_ledger_push(L, lab_idx);
  ledger_idx = lab_idx + 1;
  /* Take the lab's result box (absent while another dequeue uses it), or make a bigger one. */
  if (lregio_getuv(L, lab_idx, LREGIO_LAB_UV_RESULTS) == LUA_TUSERDATA &&
      lua_rawlen(L, -1) >= need * sizeof(regio_result)) {
    lua_pushnil(L);
    lregio_setuv(L, lab_idx, LREGIO_LAB_UV_RESULTS);
  } else {
    lua_pop(L, 1);
    lregio_newudata(L, (size_t)need * sizeof(regio_result), 0);
  }
  box_idx = lua_gettop(L);
  res = lua_touserdata(L, box_idx);
  /* Unless enough results are queued already, let the engine make progress first; then the
     queued count bounds what this call takes. */
  if (cq_is_closed(cq)) lregio_closed_error(L, LREGIO_CQ);
  if (regio_cq_queued(cq->core) < need) {
    rc = regio_lab_poll(lab->core, 0);
    if (rc < 0 && rc != REGIO_EAGAIN) {
      lua_settop(L, lab_idx - 1);
      return rc;
    }
    lregio_ledger_push(L, lab_idx);
    lua_pop(L, 1);
    if (cq_is_closed(cq)) lregio_closed_error(L, LREGIO_CQ);
    if (regio_cq_queued(cq->core) < need) need = regio_cq_queued(cq->core);
  }
  /* A fresh table has room for the four fields (their key strings live in the registry); a
     reused one gets them now. */
  for (i = 0; i < (int)need; i++) {
    int k = *count + 1 + i;
    if (reuse && lua_rawgeti(L, arr_idx, k) == LUA_TTABLE) {
      lregio_req_prepare_result(L, -1);
      lua_pop(L, 1);
      continue;
    }
    if (reuse) lua_pop(L, 1);
    lua_createtable(L, 0, 4);
    lua_rawseti(L, arr_idx, k);
  }
  /* Allocation may have run finalizers: check again before touching the core. */
  if (cq_is_closed(cq)) lregio_closed_error(L, LREGIO_CQ);
  if (regio_cq_queued(cq->core) < need) need = regio_cq_queued(cq->core);
  rc = need > 0 ? regio_cq_dequeue(cq->core, res, need) : 0;
  for (i = 0; i < rc; i++) {
    lua_rawgeti(L, arr_idx, ++*count);
    lregio_req_fill_result(L, lab, ledger_idx, -1, &res[i]);
    lua_pop(L, 1);
  }
  /* Tables made for results that did not come (none when the core kept its word) go again. */
  for (i = *count + 1; !reuse && i <= *count + (int)need - (rc > 0 ? rc : 0); i++) {
    lua_pushnil(L);
    lua_rawseti(L, arr_idx, i);
  }
  if (lab->core != NULL) {
    lua_pushvalue(L, box_idx);
    lregio_setuv(L, lab_idx, LREGIO_LAB_UV_RESULTS);
    lregio_ledger_push(L, lab_idx); /* unpins what the dequeue's progress released */
  }
  lua_settop(L, lab_idx - 1);
  return rc;
}

static int cq_dequeue(lua_State *L) {
  lregio_cq *cq = lregio_checkcq(L, 1);
  uint32_t max = lregio_optu32(L, 2, LREGIO_DEFAULT_DEQUEUE);
  int count = 0, rc;
  lua_settop(L, 2);
  lua_newtable(L);
  rc = dequeue_into(L, cq, max, 3, &count, false);
  if (rc < 0) return lregio_fail(L, rc);
  return 1;
}

/* cq:dequeue_into(results [, max]) -> n: like dequeue, but writes the results into
   results[1..n], reusing the tables already there, so that a loop that dequeues over and over
   allocates nothing once its array is warm. Entries past n are left as they were. */
static int cq_dequeue_into(lua_State *L) {
  lregio_cq *cq = lregio_checkcq(L, 1);
  uint32_t max;
  int count = 0, rc;
  luaL_checktype(L, 2, LUA_TTABLE);
  max = lregio_optu32(L, 3, LREGIO_DEFAULT_DEQUEUE);
  lua_settop(L, 3);
  lua_pushvalue(L, 2);
  rc = dequeue_into(L, cq, max, 4, &count, true);
  if (rc < 0) return lregio_fail(L, rc);
  lua_pushinteger(L, count);
  return 1;
}

static int cq_await(lua_State *L) {
  lregio_cq *cq = lregio_checkcq(L, 1);
  uint32_t want = lregio_checku32(L, 2);
  int ms = lregio_checkms(L, 3, LREGIO_DEFAULT_WAIT_MS, 0);
  uint64_t deadline;
  int count = 0;
  lua_settop(L, 3);
  lua_newtable(L);
  deadline = regio_lab_now(cq->lab->core) + (uint64_t)ms * 1000000u;
  while ((uint32_t)count < want) {
    uint64_t now;
    int rc = dequeue_into(L, cq, want - (uint32_t)count, 4, &count, false);
    if (rc < 0) {
      if (count == 0) return lregio_fail(L, rc);
      break;
    }
    if ((uint32_t)count >= want) break;
    if (cq_is_closed(cq)) lregio_closed_error(L, LREGIO_CQ);
    now = regio_lab_now(cq->lab->core);
    if (now >= deadline) break;
    rc = regio_lab_poll(cq->lab->core, (int)((deadline - now + 999999u) / 1000000u));
    if (rc < 0 && rc != REGIO_EAGAIN) {
      if (count == 0) return lregio_fail(L, rc);
      break;
    }
  }
  lua_settop(L, 4);
  return 1;
}

/* }====================================================================================== */

/* {======================================================================================
** Notify, events, resize, close, observers.
** ======================================================================================= */

static int cq_notify(lua_State *L) {
  return lregio_result(L, regio_cq_notify(lregio_checkcq(L, 1)->core));
}

static int cq_wait(lua_State *L) {
  lregio_cq *cq = check_event_cq(L, 1);
  int ms = lregio_checkms(L, 2, LREGIO_DEFAULT_WAIT_MS, 0);
  int rc = regio_cq_wait(cq->core, ms);
  lregio_ledger_flush_from(L, 1);
  if (rc < 0) return lregio_fail(L, rc);
  lua_pushboolean(L, rc > 0);
  return 1;
}

static int cq_set_event(lua_State *L) {
  return lregio_result(L, regio_cq_event_set(check_event_cq(L, 1)->core));
}

static int cq_reset_event(lua_State *L) {
  return lregio_result(L, regio_cq_event_reset(check_event_cq(L, 1)->core));
}

static int cq_event(lua_State *L) {
  lregio_cq *cq = check_event_cq(L, 1);
  make_progress(L, cq);
  lua_pushboolean(L, regio_cq_event_state(cq->core) == 1);
  return 1;
}

static int cq_resize(lua_State *L) {
  lregio_cq *cq = lregio_checkcq(L, 1);
  return lregio_result(L, regio_cq_resize(cq->core, lregio_checku32(L, 2)));
}

/* cq:close(), __close and __gc: RIOCloseCompletionQueue. Queued and later completions are
   dropped (the core reports them to the release hook; their records are unpinned here). */
static int cq_close(lua_State *L) {
  lregio_cq *cq = luaL_checkudata(L, 1, LREGIO_CQ);
  if (cq->core != NULL && cq->lab->core != NULL) {
    regio_cq *core = cq->core;
    cq->core = NULL;
    regio_cq_close(core);
    lregio_ledger_flush_from(L, 1);
  }
  cq->core = NULL;
  return 0;
}

static int cq_size(lua_State *L) {
  lua_pushinteger(L, regio_cq_size(lregio_checkcq(L, 1)->core));
  return 1;
}

static int cq_queued(lua_State *L) {
  lregio_cq *cq = lregio_checkcq(L, 1);
  make_progress(L, cq);
  lua_pushinteger(L, regio_cq_queued(cq->core));
  return 1;
}

static int cq_reserved(lua_State *L) {
  lua_pushinteger(L, regio_cq_reserved(lregio_checkcq(L, 1)->core));
  return 1;
}

static int cq_armed(lua_State *L) {
  lregio_cq *cq = lregio_checkcq(L, 1);
  make_progress(L, cq);
  lua_pushboolean(L, regio_cq_armed(cq->core));
  return 1;
}

static int cq_kind(lua_State *L) {
  lua_pushstring(L, kind_name(regio_cq_kind(lregio_checkcq(L, 1)->core)));
  return 1;
}

static int cq_tostring(lua_State *L) {
  lregio_cq *cq = luaL_checkudata(L, 1, LREGIO_CQ);
  regio_notify_kind kind;
  char text[160];
  if (cq_is_closed(cq)) {
    lua_pushliteral(L, LREGIO_CQ " (closed)");
    return 1;
  }
  kind = regio_cq_kind(cq->core);
  snprintf(text, sizeof(text), LREGIO_CQ ": size=%lu queued=%lu reserved=%lu notify=%s%s%s",
           (unsigned long)regio_cq_size(cq->core), (unsigned long)regio_cq_queued(cq->core),
           (unsigned long)regio_cq_reserved(cq->core), kind_name(kind),
           regio_cq_armed(cq->core) ? " armed" : "",
           kind == REGIO_NOTIFY_EVENT && regio_cq_event_state(cq->core) == 1 ? " signalled" : "");
  lua_pushstring(L, text);
  return 1;
}

/* }====================================================================================== */

void lregio_open_cq(lua_State *L) {
  static const luaL_Reg meta[] = {
      {"__gc", cq_close},
      {"__close", cq_close},
      {"__tostring", cq_tostring},
      {NULL, NULL},
  };
  static const luaL_Reg methods[] = {
      {"notify", cq_notify},
      {"wait", cq_wait},
      {"set_event", cq_set_event},
      {"reset_event", cq_reset_event},
      {"event", cq_event},
      {"dequeue", cq_dequeue},
      {"dequeue_into", cq_dequeue_into},
      {"await", cq_await},
      {"resize", cq_resize},
      {"close", cq_close},
      {"size", cq_size},
      {"queued", cq_queued},
      {"reserved", cq_reserved},
      {"armed", cq_armed},
      {"kind", cq_kind},
      {NULL, NULL},
  };
  lregio_newclass(L, LREGIO_CQ, meta, methods);
}
