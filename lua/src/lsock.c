/*
 * lsock.c — regio.socket: ordinary sockets made RIO-capable (lab:tcp_pair, lab:listen,
 * lab:connect, lab:udp, sock:accept) and the plain, non-RIO I/O a scenario's peer side uses.
 *
 * Every waiting call takes ms = LREGIO_DEFAULT_WAIT_MS when none is given, and lets the lab's
 * engine make progress while it waits (the core does that), so a script never deadlocks against
 * its own RIO side. Byte buffers for reads are luaL_Buffers, which cannot leak on an error.
 */
#include "lregio.h"

#include <stdio.h>
#include <string.h>

/* Largest datagram sock:recvfrom can return. */
#define LREGIO_DGRAM_MAX 65536

static int sock_is_closed(const lregio_sock *sock) {
  return sock->core == NULL || sock->lab->core == NULL;
}

lregio_sock *lregio_checksock(lua_State *L, int idx) {
  lregio_sock *sock = luaL_checkudata(L, idx, LREGIO_SOCKET);
  if (sock_is_closed(sock)) lregio_closed_error(L, LREGIO_SOCKET);
  return sock;
}

/* Re-checks the socket at idx just before a core call (a finalizer run by an allocation since
   the first check may have closed it) and returns its core pointer. */
static regio_sock *sock_core(lua_State *L, int idx) {
  return lregio_checksock(L, idx)->core;
}

static uint16_t check_port(lua_State *L, int arg) {
  lua_Integer port = luaL_optinteger(L, arg, 0);
  luaL_argcheck(L, port >= 0 && port <= 65535, arg, "port out of range [0, 65535]");
  return (uint16_t)port;
}

/* Creates an empty (closed) socket userdata of the lab at lab_idx. */
static lregio_sock *new_sock(lua_State *L, int lab_idx) {
  lregio_sock *sock = lregio_newobject(L, sizeof(*sock), LREGIO_SOCK_NUV, LREGIO_SOCKET, lab_idx);
  sock->lab = lua_touserdata(L, lab_idx);
  return sock;
}

static regio_lab *lab_core(lua_State *L, int idx) { return lregio_checklab(L, idx)->core; }

static int push_addr(lua_State *L, int rc, const regio_addr *addr) {
  if (rc < 0) return lregio_fail(L, rc);
  lua_pushstring(L, addr->host);
  lua_pushinteger(L, addr->port);
  return 2;
}

/* {======================================================================================
** Constructors (lab methods).
** ======================================================================================= */

/* Reads the optional knob table of field 'link' of the options table at idx into *knobs.
   Returns 1 when there is one. */
static int opt_link(lua_State *L, int idx, regio_link *knobs) {
  int present;
  if (!lua_istable(L, idx)) return 0;
  lua_getfield(L, idx, "link");
  present = !lua_isnil(L, -1);
  if (present) lregio_checklink(L, -1, knobs);
  lua_pop(L, 1);
  return present;
}

/* Applies creation-time knobs to a new socket; on failure closes it and returns the error. */
static int apply_link(lregio_sock *sock, const regio_link *knobs) {
  int rc = regio_sock_link(sock->core, knobs);
  if (rc < 0) {
    regio_sock_close(sock->core);
    sock->core = NULL;
  }
  return rc;
}

/* lab:tcp_pair([family]) or lab:tcp_pair{ family = 4|6, link = {...} }: the link knobs are
   applied to both ends. */
int lregio_lab_tcp_pair(lua_State *L) {
  static const char *const keys[] = {"family", "link", NULL};
  lua_Integer family = 4;
  lregio_sock *a, *b;
  regio_sock *ca = NULL, *cb = NULL;
  regio_link knobs;
  int rc, has_link = 0;
  lregio_checklab(L, 1);
  if (lua_istable(L, 2)) {
    lregio_checkkeys(L, 2, keys, "tcp_pair");
    lua_getfield(L, 2, "family");
    family = lua_isnil(L, -1) ? 4 : luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    has_link = opt_link(L, 2, &knobs);
  } else {
    family = luaL_optinteger(L, 2, 4);
  }
  luaL_argcheck(L, family == 4 || family == 6, 2, "family must be 4 or 6");
  lua_settop(L, 2);
  a = new_sock(L, 1);
  b = new_sock(L, 1);
  rc = regio_sock_tcp_pair(lab_core(L, 1), (int)family, &ca, &cb);
  if (rc < 0) return lregio_fail(L, rc);
  a->core = ca;
  b->core = cb;
  if (has_link) {
    rc = regio_sock_link(ca, &knobs);
    if (rc == 0) rc = regio_sock_link(cb, &knobs);
    if (rc < 0) {
      regio_sock_close(ca);
      regio_sock_close(cb);
      a->core = b->core = NULL;
      return lregio_fail(L, rc);
    }
  }
  return 2;
}

int lregio_lab_listen(lua_State *L) {
  const char *host;
  uint16_t port;
  lua_Integer backlog;
  lregio_sock *sock;
  regio_sock *core = NULL;
  regio_link knobs;
  int rc, has_link = 0;
  lregio_checklab(L, 1);
  host = luaL_optstring(L, 2, "127.0.0.1");
  port = check_port(L, 3);
  if (lua_istable(L, 4)) {
    /* lab:listen(host, port, { backlog = n, refuse = bool, link = {...} }) */
    static const char *const keys[] = {"backlog", "refuse", "link", NULL};
    lregio_checkkeys(L, 4, keys, "listen");
    lua_getfield(L, 4, "backlog");
    backlog = lua_isnil(L, -1) ? 16 : luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    memset(&knobs, 0, sizeof(knobs));
    knobs.reset_after = -1;
    has_link = opt_link(L, 4, &knobs);
    lua_getfield(L, 4, "refuse");
    if (!lua_isnil(L, -1)) {
      knobs.refuse = lua_toboolean(L, -1);
      has_link = 1;
    }
    lua_pop(L, 1);
  } else {
    backlog = luaL_optinteger(L, 4, 16);
  }
  luaL_argcheck(L, backlog >= 0 && backlog <= 65535, 4, "backlog out of range [0, 65535]");
  sock = new_sock(L, 1);
  rc = regio_sock_listen(lab_core(L, 1), host, port, (int)backlog, &core);
  if (rc < 0) return lregio_fail(L, rc);
  sock->core = core;
  if (has_link && (rc = apply_link(sock, &knobs)) < 0) return lregio_fail(L, rc);
  return 1;
}

int lregio_lab_connect(lua_State *L) {
  const char *host;
  uint16_t port;
  int ms;
  lregio_sock *sock;
  regio_sock *core = NULL;
  int rc;
  lregio_checklab(L, 1);
  host = luaL_checkstring(L, 2);
  port = check_port(L, 3);
  ms = lregio_checkms(L, 4, LREGIO_DEFAULT_WAIT_MS, 0);
  sock = new_sock(L, 1);
  rc = regio_sock_connect(lab_core(L, 1), host, port, ms, &core);
  if (rc < 0) return lregio_fail(L, rc);
  sock->core = core;
  return 1;
}

/* lab:udp([host [, port [, { link = {...} }]]]) */
int lregio_lab_udp(lua_State *L) {
  static const char *const keys[] = {"link", NULL};
  const char *host;
  uint16_t port;
  lregio_sock *sock;
  regio_sock *core = NULL;
  regio_link knobs;
  int rc, has_link;
  lregio_checklab(L, 1);
  host = luaL_optstring(L, 2, "127.0.0.1");
  port = check_port(L, 3);
  if (!lua_isnoneornil(L, 4)) luaL_checktype(L, 4, LUA_TTABLE);
  lregio_checkkeys(L, 4, keys, "udp");
  has_link = opt_link(L, 4, &knobs);
  sock = new_sock(L, 1);
  rc = regio_sock_udp(lab_core(L, 1), host, port, &core);
  if (rc < 0) return lregio_fail(L, rc);
  sock->core = core;
  if (has_link && (rc = apply_link(sock, &knobs)) < 0) return lregio_fail(L, rc);
  return 1;
}

/* }====================================================================================== */

/* {======================================================================================
** Plain I/O.
** ======================================================================================= */

static int sock_write(lua_State *L) {
  size_t len;
  const char *data;
  int ms, rc;
  lregio_checksock(L, 1);
  data = luaL_checklstring(L, 2, &len);
  ms = lregio_checkms(L, 3, LREGIO_DEFAULT_WAIT_MS, 0);
  luaL_argcheck(L, len <= 0x7fffffff, 2, "string longer than 2^31-1 bytes");
  rc = regio_sock_write(sock_core(L, 1), data, len, ms);
  lregio_ledger_flush_from(L, 1);
  if (rc < 0) return lregio_fail(L, rc);
  lua_pushinteger(L, rc);
  return 1;
}

static int sock_read(lua_State *L) {
  luaL_Buffer b;
  lua_Integer n;
  int ms, rc;
  char *p;
  lregio_checksock(L, 1);
  n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0 && n <= 0x7fffffff, 2, "count out of range [0, 2^31-1]");
  ms = lregio_checkms(L, 3, LREGIO_DEFAULT_WAIT_MS, 0);
  lua_settop(L, 3);
  p = luaL_buffinitsize(L, &b, (size_t)n);
  rc = n == 0 ? 0 : regio_sock_read(sock_core(L, 1), p, (size_t)n, ms);
  lregio_ledger_flush_from(L, 1);
  if (rc < 0) return lregio_fail(L, rc);
  luaL_pushresultsize(&b, (size_t)rc);
  return 1;
}

static int sock_sendto(lua_State *L) {
  size_t len;
  const char *data, *host;
  uint16_t port;
  int rc;
  lregio_checksock(L, 1);
  data = luaL_checklstring(L, 2, &len);
  host = luaL_optstring(L, 3, NULL);
  port = check_port(L, 4);
  rc = regio_sock_sendto(sock_core(L, 1), data, len, host, port);
  lregio_ledger_flush_from(L, 1);
  return lregio_result(L, rc);
}

static int sock_recvfrom(lua_State *L) {
  luaL_Buffer b;
  regio_addr from;
  int ms, rc;
  char *p;
  lregio_checksock(L, 1);
  ms = lregio_checkms(L, 2, LREGIO_DEFAULT_WAIT_MS, 0);
  lua_settop(L, 2);
  memset(&from, 0, sizeof(from));
  p = luaL_buffinitsize(L, &b, LREGIO_DGRAM_MAX);
  rc = regio_sock_recvfrom(sock_core(L, 1), p, LREGIO_DGRAM_MAX, ms, &from);
  lregio_ledger_flush_from(L, 1);
  if (rc < 0) return lregio_fail(L, rc);
  luaL_pushresultsize(&b, (size_t)rc);
  from.host[sizeof(from.host) - 1] = '\0';
  lua_pushstring(L, from.host);
  lua_pushinteger(L, from.port);
  return 3;
}

static int sock_connect(lua_State *L) {
  const char *host;
  uint16_t port;
  lregio_checksock(L, 1);
  host = luaL_checkstring(L, 2);
  port = check_port(L, 3);
  return lregio_result(L, regio_sock_udp_connect(sock_core(L, 1), host, port));
}

static int sock_accept(lua_State *L) {
  lregio_sock *accepted;
  regio_sock *core = NULL;
  int ms, rc;
  lregio_checksock(L, 1);
  ms = lregio_checkms(L, 2, LREGIO_DEFAULT_WAIT_MS, 0);
  lua_settop(L, 2);
  lregio_push_lab(L, 1); /* 3 */
  accepted = new_sock(L, 3);
  rc = regio_sock_accept(sock_core(L, 1), ms, &core);
  lregio_ledger_flush_from(L, 1);
  if (rc < 0) return lregio_fail(L, rc);
  accepted->core = core;
  return 1;
}

static int sock_port(lua_State *L) {
  regio_addr addr;
  int rc;
  memset(&addr, 0, sizeof(addr));
  rc = regio_sock_address(lregio_checksock(L, 1)->core, &addr);
  if (rc < 0) return lregio_fail(L, rc);
  lua_pushinteger(L, addr.port);
  return 1;
}

static int sock_address(lua_State *L) {
  regio_addr addr;
  memset(&addr, 0, sizeof(addr));
  return push_addr(L, regio_sock_address(lregio_checksock(L, 1)->core, &addr), &addr);
}

static int sock_peer(lua_State *L) {
  regio_addr addr;
  memset(&addr, 0, sizeof(addr));
  return push_addr(L, regio_sock_peer(lregio_checksock(L, 1)->core, &addr), &addr);
}

static int sock_shutdown(lua_State *L) {
  static const char *const hows[] = {"receive", "send", "both", NULL};
  int how;
  lregio_checksock(L, 1);
  how = luaL_checkoption(L, 2, NULL, hows) + 1; /* 1 receive, 2 send, 3 both */
  return lregio_result(L, regio_sock_shutdown(sock_core(L, 1), how));
}

/* Closes (or, abortive, resets) the socket at 1: outstanding requests of its RQ complete with
   ECANCELED. The rq userdata stays, and reports the socket as closed. */
static int close_sock(lua_State *L, int abortive) {
  lregio_sock *sock = luaL_checkudata(L, 1, LREGIO_SOCKET);
  if (!sock_is_closed(sock)) {
    regio_sock *core = sock->core;
    sock->core = NULL;
    if (abortive) regio_sock_abort(core);
    else regio_sock_close(core);
    lregio_ledger_flush_from(L, 1);
  }
  sock->core = NULL;
  return 0;
}

static int sock_close(lua_State *L) { return close_sock(L, 0); }

static int sock_abort(lua_State *L) {
  lregio_checksock(L, 1);
  return close_sock(L, 1);
}

static const char *kind_name(regio_sock_type type) {
  switch (type) {
  case REGIO_SOCK_TCP: return "tcp";
  case REGIO_SOCK_UDP: return "udp";
  case REGIO_SOCK_LISTENER: return "listener";
  }
  return "tcp";
}

static int sock_kind(lua_State *L) {
  lua_pushstring(L, kind_name(regio_sock_kind(lregio_checksock(L, 1)->core)));
  return 1;
}

static int sock_rq(lua_State *L) {
  lregio_checksock(L, 1);
  lregio_getuv(L, 1, LREGIO_SOCK_UV_RQ);
  return 1;
}

static int sock_tostring(lua_State *L) {
  lregio_sock *sock = luaL_checkudata(L, 1, LREGIO_SOCKET);
  regio_addr local, peer;
  char text[200];
  int n;
  if (sock_is_closed(sock)) {
    lua_pushliteral(L, LREGIO_SOCKET " (closed)");
    return 1;
  }
  memset(&local, 0, sizeof(local));
  memset(&peer, 0, sizeof(peer));
  if (regio_sock_address(sock->core, &local) < 0) snprintf(local.host, sizeof(local.host), "?");
  n = snprintf(text, sizeof(text), LREGIO_SOCKET ": %s %s:%u",
               kind_name(regio_sock_kind(sock->core)), local.host, (unsigned)local.port);
  if (n > 0 && (size_t)n < sizeof(text) && regio_sock_peer(sock->core, &peer) == 0)
    snprintf(text + n, sizeof(text) - (size_t)n, " -> %s:%u", peer.host, (unsigned)peer.port);
  lua_pushstring(L, text);
  return 1;
}

/* }====================================================================================== */

void lregio_open_sock(lua_State *L) {
  static const luaL_Reg meta[] = {
      {"__gc", sock_close},
      {"__close", sock_close},
      {"__tostring", sock_tostring},
      {NULL, NULL},
  };
  static const luaL_Reg methods[] = {
      {"write", sock_write},
      {"read", sock_read},
      {"sendto", sock_sendto},
      {"recvfrom", sock_recvfrom},
      {"connect", sock_connect},
      {"accept", sock_accept},
      {"port", sock_port},
      {"address", sock_address},
      {"peer", sock_peer},
      {"shutdown", sock_shutdown},
      {"close", sock_close},
      {"abort", sock_abort},
      {"kind", sock_kind},
      {"rq", sock_rq},
      {"link", lregio_sock_link},
      {NULL, NULL},
  };
  lregio_newclass(L, LREGIO_SOCKET, meta, methods);
}
