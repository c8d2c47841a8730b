/*
 * lregio.h — private header of the Lua binding `regio.core` (lua/src/l*.c).
 *
 * The binding is compiled as separate files that share this header (no unity build): every
 * cross-file function is named lregio_* and declared here.
 *
 * Object model. Every regio object is a full userdata whose first user value is its lab
 * userdata (a slice reaches its lab through its buffer). The child keeps a C pointer to the lab's
 * struct too; that pointer is valid because the user value keeps the lab userdata alive. A lab is
 * closed when lab->core is NULL: from then on every child behaves as closed and never touches a
 * core pointer again (the core freed them all in regio_lab_close).
 *
 * Pinning. Each accepted request has a record in the lab's ledger (a Lua table in the lab's first
 * user value) under an integer id; that id is the request context given to the core. The record
 * pins the request's context value, its rq userdata (which pins its socket and CQs) and every
 * buffer userdata its slices point into. Dequeuing a result unpins its record. The core's release
 * hook (requests whose completion is dropped) runs inside core calls and must not touch Lua: it
 * only appends the id to a C array (whose capacity is reserved before each submission), and the
 * binding unpins those ids at its next look at the ledger (lregio_ledger_push). The hook keeps
 * no lua_State, so coroutines and finalizers need no bookkeeping. The socket context given to
 * the core is the rq's id; a result's `socket` value is read from the record's rq userdata.
 * The ledger lives in a user value, not in the registry: a lab that nothing references any more
 * is collected together with everything it owns, in-flight requests included (its __gc closes
 * the lab, which cancels them).
 *
 * Rule for every function that calls the core: allocate Lua memory first (an allocation may run
 * finalizers that close objects), then re-check the objects and take their core pointers, call
 * the core, and only then build Lua results.
 *
 * Building: Lua 5.4 with -I/usr/include/lua5.4; LuaJIT with -I/usr/include/luajit-2.1
 * -I/usr/include/lua5.1 (for compat-5.3.h, used as static inline functions).
 */
#ifndef LREGIO_H
#define LREGIO_H

#include <stdint.h>

#include "lua.h"
#include "lauxlib.h"

#include "regio.h"

/* {======================================================================================
** Compatibility: Lua 5.4 is the reference; LuaJIT/5.1 goes through lua-compat-5.3 plus the
** user-value shim below (one environment table per userdata instead of n user values).
** ======================================================================================= */
#if LUA_VERSION_NUM < 503
#include "compat-5.3.h"
#endif

#if LUA_VERSION_NUM >= 504
#define lregio_newudata(L, size, nuv) lua_newuserdatauv((L), (size), (nuv))
#define lregio_getuv(L, idx, n) lua_getiuservalue((L), (idx), (n))
#define lregio_setuv(L, idx, n) ((void)lua_setiuservalue((L), (idx), (n)))
#else
/* Creates a userdata with a table of nuv slots as its environment. */
static inline void *lregio_newudata(lua_State *L, size_t size, int nuv) {
  void *p = lua_newuserdata(L, size);
  lua_createtable(L, nuv, 0);
  lua_setfenv(L, -2);
  return p;
}
/* Pushes user value n of the userdata at idx; returns its type. */
static inline int lregio_getuv(lua_State *L, int idx, int n) {
  idx = lua_absindex(L, idx);
  lua_getfenv(L, idx);
  lua_rawgeti(L, -1, n);
  lua_remove(L, -2);
  return lua_type(L, -1);
}
/* Pops a value and stores it as user value n of the userdata at idx. */
static inline void lregio_setuv(lua_State *L, int idx, int n) {
  idx = lua_absindex(L, idx);
  lua_getfenv(L, idx);
  lua_insert(L, -2);
  lua_rawseti(L, -2, n);
  lua_pop(L, 1);
}
#endif

#if LUA_VERSION_NUM < 504
/* Raises "bad argument #arg (tname expected, got <type>)". */
static inline int lregio_typeerror(lua_State *L, int arg, const char *tname) {
  return luaL_argerror(L, arg,
                       lua_pushfstring(L, "%s expected, got %s", tname, luaL_typename(L, arg)));
}
#define luaL_typeerror lregio_typeerror
#endif
/* }====================================================================================== */

/* Metatable names (they are also the __name shown in error messages). */
#define LREGIO_LAB "regio.lab"
#define LREGIO_BUFFER "regio.buffer"
#define LREGIO_SLICE "regio.slice"
#define LREGIO_CQ "regio.cq"
#define LREGIO_RQ "regio.rq"
#define LREGIO_SOCKET "regio.socket"
#define LREGIO_IOCP "regio.iocp"

/* Default timeout of every waiting call (ms) when the script passes none. */
#define LREGIO_DEFAULT_WAIT_MS 10000
/* Default and cap of cq:dequeue's max argument. */
#define LREGIO_DEFAULT_DEQUEUE 1024

/* User value slots. Slot 1 of every child is its lab userdata (a slice: its buffer). */
enum {
  LREGIO_UV_LAB = 1,
  LREGIO_LAB_UV_LEDGER = 1,  /* table: request id -> record */
  LREGIO_LAB_UV_RESULTS = 2, /* userdata box reused by cq:dequeue (absent while in use) */
  LREGIO_LAB_NUV = 2,
  LREGIO_SLICE_UV_BUFFER = 1,
  LREGIO_CQ_UV_PORT = 2,     /* the iocp userdata an IOCP CQ notifies */
  LREGIO_CQ_NUV = 2,
  LREGIO_PORT_UV_VALUES = 2, /* table: id -> key/overlapped value of a CQ (kept) */
  LREGIO_PORT_UV_POSTED = 3, /* table: id -> value given to port:post (taken by wait) */
  LREGIO_PORT_NUV = 3,
  LREGIO_SOCK_UV_RQ = 2,     /* the socket's rq userdata, once created */
  LREGIO_SOCK_NUV = 2,
  LREGIO_RQ_UV_SOCKET = 2,
  LREGIO_RQ_UV_RECV_CQ = 3,
  LREGIO_RQ_UV_SEND_CQ = 4,
  LREGIO_RQ_UV_CONTEXT = 5,
  LREGIO_RQ_NUV = 5
};

/* Slots of a ledger record (a table); buffer userdatas follow from LREGIO_REC_BUFFERS on. */
enum { LREGIO_REC_CTX = 1, LREGIO_REC_RQ = 2, LREGIO_REC_CQ = 3, LREGIO_REC_BUFFERS = 4 };

typedef struct lregio_lab {
  regio_lab *core;        /* NULL once closed */
  uint64_t next_id;       /* rq ids; never reused, never 0 (request ids: lreq.c) */
  uint64_t *released;     /* ids the release hook reported, not yet unpinned */
  uint32_t nreleased;
  uint32_t capreleased;   /* always >= live, so the hook never allocates */
  uint32_t live;          /* records in the ledger */
  char backend[24];
  char profile[24];
} lregio_lab;

typedef struct lregio_buffer {
  lregio_lab *lab;
  uint8_t *mem;           /* owned; NULL once handed to the core (release) or freed */
  uint32_t len;
  regio_bufid id;
  int registered;
  int closed;             /* set by __gc/__close */
} lregio_buffer;

typedef struct lregio_slice {
  lregio_buffer *buf;     /* kept alive by user value 1 */
  regio_slice s;
} lregio_slice;

typedef struct lregio_cq {
  lregio_lab *lab;
  regio_cq *core;         /* NULL once closed */
} lregio_cq;

typedef struct lregio_port {
  lregio_lab *lab;
  regio_port *core;       /* NULL once closed */
  uint64_t next_id;       /* ids of key/overlapped values; 0 stands for nil */
} lregio_port;

typedef struct lregio_sock {
  lregio_lab *lab;
  regio_sock *core;       /* NULL once closed */
} lregio_sock;

typedef struct lregio_rq {
  lregio_lab *lab;
  lregio_sock *sock;      /* kept alive by user value LREGIO_RQ_UV_SOCKET */
  uint64_t id;            /* the socket context given to the core */
} lregio_rq;

#ifndef LUAMOD_API
#define LUAMOD_API extern
#endif
/* The module's entry point (require "regio.core"). */
LUAMOD_API int luaopen_regio_core(lua_State *L);

/* ---- lutil.c: errors, argument checks, object plumbing ----------------------------------- */

/* Pushes the fail triple nil, "NAME: message", "NAME" for a REGIO_E* value; returns 3. */
int lregio_fail(lua_State *L, int err);
/* Same with a message of the binding's own. */
int lregio_fail_msg(lua_State *L, int err, const char *msg);
/* Pushes true for rc >= 0, or the fail triple; returns the number of values. */
int lregio_result(lua_State *L, int rc);
/* Lua's headers do not mark the raising functions as not returning; the binding's own raising
   helpers are, so that compilers and analyzers follow the control flow. */
#if defined(__GNUC__) || defined(__clang__)
#define LREGIO_NORETURN __attribute__((noreturn))
#else
#define LREGIO_NORETURN
#endif
/* Raises "attempt to use a closed <tname>". */
LREGIO_NORETURN void lregio_closed_error(lua_State *L, const char *tname);
/* Raises "bad argument #arg to '<function>' (msg)". */
LREGIO_NORETURN void lregio_argerror(lua_State *L, int arg, const char *msg);
/* Integer arguments in [0, 2^32-1]; anything else raises. */
uint32_t lregio_checku32(lua_State *L, int arg);
uint32_t lregio_optu32(lua_State *L, int arg, uint32_t def);
/* A timeout in ms: nil -> def; fractions round up; negatives raise unless allow_negative (then
   they mean "no limit" and become -1); large values are capped at INT_MAX. */
int lregio_checkms(lua_State *L, int arg, int def, int allow_negative);
/* Flags: nil, a number (0..2^32-1) or a table of booleans { waitall, defer, dont_notify,
   commit_only }; unknown keys raise. */
uint32_t lregio_checkflags(lua_State *L, int arg);
/* "receive" or "send". */
regio_direction lregio_checkdir(lua_State *L, int arg);
/* Raises if the table at idx (if it is one) has a key not in the NULL-terminated list. */
void lregio_checkkeys(lua_State *L, int idx, const char *const keys[], const char *what);
/* Reads field `key` of the options table at idx (pushing it); returns its type. */
int lregio_getopt(lua_State *L, int idx, const char *key);
/* Creates an object userdata with metatable tname and nuv user values; the first user value is
   set to the lab userdata at lab_idx (if lab_idx != 0). Returns the zeroed memory. */
void *lregio_newobject(lua_State *L, size_t size, int nuv, const char *tname, int lab_idx);
/* Creates a metatable (only if it does not exist yet: luaopen is idempotent) with the given
   metamethods and an __index table holding methods. Leaves nothing on the stack. */
void lregio_newclass(lua_State *L, const char *tname, const luaL_Reg *meta,
                     const luaL_Reg *methods);
/* Same, with __index = index_fn whose first upvalue is the methods table. */
void lregio_newclass_fields(lua_State *L, const char *tname, const luaL_Reg *meta,
                            const luaL_Reg *methods, lua_CFunction index_fn);
/* Pushes the lab userdata of the child object at idx. */
void lregio_push_lab(lua_State *L, int idx);
/* Collects the slices argument at arg (a slice, an array of slices or nil) into out[], checking
   they belong to lab, and pins each one's buffer userdata into the record table at rec_idx from
   slot *pin on. Returns the count, or -1 if there are more than REGIO_MAX_SLICES. */
int lregio_checkslices(lua_State *L, int arg, lregio_lab *lab, regio_slice *out, int rec_idx,
                       int *pin);
/* One slice argument (or raises), checked against lab and pinned like above. */
const lregio_slice *lregio_checkslice_for(lua_State *L, int arg, lregio_lab *lab, int rec_idx,
                                          int *pin);

/* ---- object checks (each raises on a wrong type or a closed object) ----------------------- */

lregio_lab *lregio_checklab(lua_State *L, int idx);
lregio_buffer *lregio_checkbuffer(lua_State *L, int idx);
lregio_slice *lregio_checkslice(lua_State *L, int idx);
lregio_cq *lregio_checkcq(lua_State *L, int idx);
lregio_port *lregio_checkport(lua_State *L, int idx);
lregio_sock *lregio_checksock(lua_State *L, int idx);
lregio_rq *lregio_checkrq(lua_State *L, int idx);

/* ---- constructors used by lab methods (they read their arguments from the stack) ----------- */

int lregio_lab_register(lua_State *L); /* llab -> lbuf */
int lregio_lab_cq(lua_State *L);       /* -> lcq */
int lregio_lab_iocp(lua_State *L);     /* -> liocp */
int lregio_lab_rq(lua_State *L);       /* -> lrq */
int lregio_lab_tcp_pair(lua_State *L); /* -> lsock */
int lregio_lab_listen(lua_State *L);
int lregio_lab_connect(lua_State *L);
int lregio_lab_udp(lua_State *L);
int lregio_lab_open(lua_State *L);     /* regio.open */
int lregio_lab_trace(lua_State *L);        /* -> ltrace */
int lregio_lab_trace_events(lua_State *L);
int lregio_sock_link(lua_State *L);        /* sock:link -> llink */

/* ---- llink.c: simulated link knobs ---------------------------------------------------------- */

/* Reads the knob table at idx into *out (knobs left out are off, reset_after -1). Raises on an
   unknown key, a wrong type, a probability outside [0, 1] or a NaN. */
void lregio_checklink(lua_State *L, int idx, regio_link *out);

/* ---- per-type registration (called by luaopen_regio_core) ---------------------------------- */

void lregio_open_lab(lua_State *L);
void lregio_open_buffer(lua_State *L);
void lregio_open_cq(lua_State *L);
void lregio_open_iocp(lua_State *L);
void lregio_open_sock(lua_State *L);
void lregio_open_rq(lua_State *L);

/* ---- liocp.c: Lua values carried by a port as 64-bit ids ---------------------------------- */

/* Stores the value at value_idx in the port at port_idx (kept while the port lives) and returns
   its id; nil is 0. */
uint64_t lregio_port_intern(lua_State *L, int port_idx, int value_idx);
/* Forgets an id lregio_port_intern returned (a CQ creation that failed). */
void lregio_port_forget(lua_State *L, int port_idx, uint64_t id);

/* ---- lreq.c: the ledger of in-flight requests ---------------------------------------------- */

/* The core's release hook (ud is the lregio_lab). Never touches Lua. */
void lregio_req_release_hook(void *ud, const regio_result *r);
/* Pushes the ledger of the lab userdata at lab_idx (nil once the lab is closed) and unpins the
   records the release hook reported since the last call. */
void lregio_ledger_push(lua_State *L, int lab_idx);
/* Unpins reported records, if the lab of the child at idx is open (no allocation). */
void lregio_ledger_flush_from(lua_State *L, int child_idx);
/* Makes sure one more record can be pinned (raises on out of memory), then stores the record at
   rec_idx in the ledger at ledger_idx under a new id and returns the id. */
uint64_t lregio_req_pin(lua_State *L, lregio_lab *lab, int ledger_idx, int rec_idx);
/* Removes a record (a submission the core refused, or a dequeued result). */
void lregio_req_unpin(lua_State *L, lregio_lab *lab, int ledger_idx, uint64_t id);
/* Pushes the result table for r and unpins its record. */
/* The registry key of the table of error names (indexed by -code). */
#define LREGIO_ERRNAMES "regio.errnames"

/* Gives the table at t the four fields of a result (placeholders), so that filling it later
   stores into existing keys only. May allocate (and raise); call it before dequeuing. */
void lregio_req_prepare_result(lua_State *L, int t);
/* Writes a result's fields (status, bytes, socket, request) into the existing table at t and
   unpins its record; the table-reusing form of lregio_req_push_result. On a table prepared by
   lregio_req_prepare_result it allocates nothing, so it cannot raise. */
void lregio_req_fill_result(lua_State *L, lregio_lab *lab, int ledger_idx, int t,
                            const regio_result *r);
void lregio_req_push_result(lua_State *L, lregio_lab *lab, int ledger_idx, const regio_result *r);
/* Frees the lab's C-side ledger memory (at lab close). */
void lregio_req_lab_closed(lregio_lab *lab);

#endif /* LREGIO_H */
