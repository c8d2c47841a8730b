/*
 * sim-sock.c — sockets of the sim engine: loopback-style addresses with ports handed out from
 * 49152 upward, connected pairs, listeners with a backlog, connect and accept, UDP sockets,
 * shutdown, close, addresses and the link knobs.
 *
 * Connecting is instant: a connect finds the listener at once (or fails with ECONNREFUSED) and
 * queues the server end in its backlog, where it already receives what the client sends.
 */
#include "sim-int.h"

#include <arpa/inet.h>
#include <string.h>

/* An address reduced to what routing compares: family (IPv4-mapped is IPv4), bytes and port. */
typedef struct sim_key {
  int family;
  uint8_t addr[16];
  uint16_t port;
} sim_key;

static void key_of(const poll_addr *a, sim_key *k) {
  memset(k, 0, sizeof(*k));
  if (a->ss.ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;
    k->family = 4;
    memcpy(k->addr, &s4->sin_addr, 4);
    k->port = ntohs(s4->sin_port);
  } else if (a->ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
    k->port = ntohs(s6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
      k->family = 4;
      memcpy(k->addr, &s6->sin6_addr.s6_addr[12], 4);
    } else {
      k->family = 6;
      memcpy(k->addr, &s6->sin6_addr, 16);
    }
  }
}

static int key_is_any(const sim_key *k) {
  static const uint8_t zero[16];
  return memcmp(k->addr, zero, sizeof(zero)) == 0;
}

/* Whether a socket bound to `bound` receives what is sent to `dest` (an IPv6 wildcard takes
   IPv4 as well, as a dual-stack socket does). */
static int key_reaches(const sim_key *bound, const sim_key *dest) {
  if (bound->port != dest->port) return 0;
  if (bound->family == dest->family)
    return key_is_any(bound) || memcmp(bound->addr, dest->addr, 16) == 0;
  return bound->family == 6 && key_is_any(bound);
}

/* Whether two bindings of the same kind collide (same port; same address or a wildcard). */
static int key_collides(const sim_key *a, const sim_key *b) {
  if (a->port != b->port || a->family != b->family) return 0;
  return key_is_any(a) || key_is_any(b) || memcmp(a->addr, b->addr, 16) == 0;
}

static uint16_t port_of(const poll_addr *a) {
  sim_key k;
  key_of(a, &k);
  return k.port;
}

/* sin_port and sin6_port sit at the same offset. */
static void set_port(poll_addr *a, uint16_t port) {
  ((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
}

/* Hands out the next port from 49152 upward that no sim socket uses. */
static uint16_t alloc_port(sim_lab *sl) {
  uint32_t tries;
  for (tries = 0; tries < 65536u - SIM_FIRST_PORT; tries++) {
    uint16_t port = (uint16_t)sl->next_port;
    const sim_sock *ss;
    int used = 0;
    sl->next_port = sl->next_port >= 65535u ? SIM_FIRST_PORT : sl->next_port + 1;
    for (ss = sl->socks; ss != NULL && !used; ss = ss->next) used = port_of(&ss->local) == port;
    if (!used) return port;
  }
  return 0;
}

/* Checks that addr can be bound by a socket of this type: a port of 0 gets a fresh port.
   Returns 0, REGIO_EADDRINUSE or REGIO_EMFILE (no port left). */
static int bind_check(sim_lab *sl, regio_sock_type type, poll_addr *addr) {
  const sim_sock *ss;
  sim_key want;
  key_of(addr, &want);
  if (want.port == 0) {
    uint16_t port = alloc_port(sl);
    if (port == 0) return REGIO_EMFILE;
    set_port(addr, port);
    return 0;
  }
  for (ss = sl->socks; ss != NULL; ss = ss->next) {
    sim_key have;
    if (ss->type != type || ss->owner == NULL) continue;
    key_of(&ss->local, &have);
    if (key_collides(&have, &want)) return REGIO_EADDRINUSE;
  }
  return 0;
}

/* Gives a regio socket its sim state. */
static void attach(regio_sock *s, sim_sock *ss) {
  s->engine_data = ss;
  s->fd = -1;
  s->family = ss->family;
  s->eof = false;
  s->error = 0;
  ss->owner = s;
}

/* The loopback address of a family, port 0. */
static void loopback(int family, poll_addr *out) {
  (void)regio__poll_resolve(family == 6 ? "::1" : "127.0.0.1", 0,
                            family == 6 ? AF_INET6 : AF_INET, out);
}

void regio__sim_source(const sim_sock *ss, poll_addr *out) {
  sim_key k;
  key_of(&ss->local, &k);
  *out = ss->local;
  if (key_is_any(&k)) {
    loopback(k.family, out);
    set_port(out, k.port);
  }
}

sim_sock *regio__sim_find_udp(const sim_lab *sl, const poll_addr *addr) {
  const sim_sock *ss;
  sim_key dest;
  key_of(addr, &dest);
  for (ss = sl->socks; ss != NULL; ss = ss->next) {
    sim_key have;
    if (ss->type != REGIO_SOCK_UDP || ss->owner == NULL) continue;
    key_of(&ss->local, &have);
    if (key_reaches(&have, &dest)) return (sim_sock *)ss;
  }
  return NULL;
}

int regio__sim_same_addr(const poll_addr *a, const poll_addr *b) {
  sim_key x, y;
  key_of(a, &x);
  key_of(b, &y);
  return x.family == y.family && x.port == y.port && memcmp(x.addr, y.addr, 16) == 0;
}

/* Links two TCP ends to each other. */
static void join(sim_sock *x, sim_sock *y) {
  x->peer = y;
  y->peer = x;
  x->remote = y->local;
  y->remote = x->local;
  x->has_remote = y->has_remote = true;
}

int regio__sim_tcp_pair(regio_lab *lab, int family, regio_sock *a, regio_sock *b) {
  sim_lab *sl = regio__sim_lab(lab);
  sim_sock *x, *y;
  if (family != 4 && family != 6) return REGIO_EAFNOSUPPORT;
  x = regio__sim_sock_new(sl, REGIO_SOCK_TCP, family);
  if (x == NULL) return REGIO_ENOMEM;
  y = regio__sim_sock_new(sl, REGIO_SOCK_TCP, family);
  if (y == NULL) {
    regio__sim_sock_free(sl, x);
    return REGIO_ENOMEM;
  }
  loopback(family, &x->local);
  set_port(&x->local, alloc_port(sl));
  loopback(family, &y->local);
  set_port(&y->local, alloc_port(sl));
  join(x, y);
  attach(a, x);
  attach(b, y);
  return 0;
}

int regio__sim_listen(regio_sock *s, const char *host, uint16_t port, int backlog) {
  sim_lab *sl = regio__sim_lab(s->lab);
  poll_addr addr;
  sim_sock *ss;
  int rc;
  (void)backlog; /* the sim's backlog has no limit */
  if ((rc = regio__poll_resolve(host, port, AF_UNSPEC, &addr)) != 0) return rc;
  if ((rc = bind_check(sl, REGIO_SOCK_LISTENER, &addr)) != 0) return rc;
  ss = regio__sim_sock_new(sl, REGIO_SOCK_LISTENER, regio__poll_family(addr.ss.ss_family));
  if (ss == NULL) return REGIO_ENOMEM;
  ss->local = addr;
  attach(s, ss);
  return 0;
}

/* Finds the listener that a connect to dest reaches, or NULL. */
static sim_sock *find_listener(const sim_lab *sl, const poll_addr *dest) {
  const sim_sock *ss;
  sim_key want;
  key_of(dest, &want);
  for (ss = sl->socks; ss != NULL; ss = ss->next) {
    sim_key have;
    if (ss->type != REGIO_SOCK_LISTENER || ss->owner == NULL) continue;
    key_of(&ss->local, &have);
    if (key_reaches(&have, &want)) return (sim_sock *)ss;
  }
  return NULL;
}

int regio__sim_connect(regio_sock *s, const char *host, uint16_t port, int timeout_ms) {
  regio_lab *lab = s->lab;
  sim_lab *sl = regio__sim_lab(lab);
  sim_sock *listener, *client, *server;
  poll_addr dest;
  int rc, family;
  (void)timeout_ms; /* connecting takes no virtual time */
  if ((rc = regio__poll_resolve(host, port, AF_UNSPEC, &dest)) != 0) return rc;
  listener = find_listener(sl, &dest);
  if (listener == NULL || listener->link.refuse) {
    regio__trace_net(lab, s, listener ? "connect refused by the listener" : "connect refused", 0);
    return REGIO_ECONNREFUSED;
  }
  family = regio__poll_family(dest.ss.ss_family);
  client = regio__sim_sock_new(sl, REGIO_SOCK_TCP, family);
  if (client == NULL) return REGIO_ENOMEM;
  server = regio__sim_sock_new(sl, REGIO_SOCK_TCP, family);
  if (server == NULL) {
    regio__sim_sock_free(sl, client);
    return REGIO_ENOMEM;
  }
  loopback(family, &client->local);
  set_port(&client->local, alloc_port(sl));
  server->local = dest;
  join(client, server);
  /* An accepted connection starts with the listener's knobs. */
  server->link = listener->link;
  server->link.refuse = 0;
  if (listener->backlog_tail) listener->backlog_tail->backlog_next = server;
  else listener->backlog_head = server;
  listener->backlog_tail = server;
  attach(s, client);
  regio__trace_net(lab, listener->owner, "connection queued", 0);
  return 0;
}

int regio__sim_accept(regio_sock *listener, int timeout_ms, regio_sock *out) {
  sim_deadline dl = regio__sim_deadline(listener->lab, timeout_ms);
  for (;;) {
    sim_sock *ls = regio__sim_state(listener);
    int rc;
    if (ls == NULL) return REGIO_EINVAL;
    (void)regio__sim_run_until(listener->lab, regio__sim_lab(listener->lab)->now, NULL);
    ls = regio__sim_state(listener);
    if (ls == NULL) return REGIO_EINVAL;
    if (ls->backlog_head != NULL) {
      sim_sock *ss = ls->backlog_head;
      ls->backlog_head = ss->backlog_next;
      if (ls->backlog_head == NULL) ls->backlog_tail = NULL;
      ss->backlog_next = NULL;
      attach(out, ss);
      return 0;
    }
    if ((rc = regio__sim_wait(listener, &dl)) != 0) return rc;
  }
}

int regio__sim_udp(regio_sock *s, const char *host, uint16_t port) {
  sim_lab *sl = regio__sim_lab(s->lab);
  poll_addr addr;
  sim_sock *ss;
  int rc;
  if ((rc = regio__poll_resolve(host, port, AF_UNSPEC, &addr)) != 0) return rc;
  if ((rc = bind_check(sl, REGIO_SOCK_UDP, &addr)) != 0) return rc;
  ss = regio__sim_sock_new(sl, REGIO_SOCK_UDP, regio__poll_family(addr.ss.ss_family));
  if (ss == NULL) return REGIO_ENOMEM;
  ss->local = addr;
  attach(s, ss);
  return 0;
}

int regio__sim_udp_connect(regio_sock *s, const char *host, uint16_t port) {
  sim_sock *ss = regio__sim_state(s);
  poll_addr addr;
  int rc;
  if (ss == NULL) return REGIO_EINVAL;
  if (host == NULL || host[0] == '\0') {
    ss->has_remote = false;
    return 0;
  }
  if ((rc = regio__poll_resolve(host, port, regio__poll_af(ss->family), &addr)) != 0) return rc;
  ss->remote = addr;
  ss->has_remote = true;
  return 0;
}

int regio__sim_shutdown(regio_sock *s, int how) {
  sim_sock *ss = regio__sim_state(s);
  if (ss == NULL) return REGIO_EINVAL;
  if (ss->type == REGIO_SOCK_UDP && !ss->has_remote) return REGIO_ENOTCONN;
  if (how & 1) {
    ss->shut_rd = true;
    if (ss->type == REGIO_SOCK_TCP) regio__sim_pktq_clear(&ss->ready);
  }
  if ((how & 2) && !ss->shut_wr) {
    ss->shut_wr = true;
    if (ss->type == REGIO_SOCK_TCP) regio__sim_stream_mark(s->lab, ss, false);
  }
  return 0;
}

/* Whether data sent to ss was never read (closing then resets the connection, as TCP does). */
static int unread(const sim_sock *ss) {
  const sim_pkt *p;
  if (ss->ready.count > 0) return 1;
  for (p = ss->inbound.head; p != NULL; p = p->next)
    if (p->kind == SIM_PKT_DATA) return 1;
  return 0;
}

/* Closes a TCP end: FIN (or RST when abortive or data is left unread) to the peer. */
static void close_stream(regio_lab *lab, sim_sock *ss, bool abortive) {
  if (ss->peer != NULL) {
    if (abortive || unread(ss)) regio__sim_stream_mark(lab, ss, true);
    else if (!ss->shut_wr) regio__sim_stream_mark(lab, ss, false);
  }
  if (ss->peer != NULL) ss->peer->peer = NULL;
  ss->peer = NULL;
}

void regio__sim_close(regio_sock *s, bool abortive) {
  sim_lab *sl = regio__sim_lab(s->lab);
  sim_sock *ss = regio__sim_state(s);
  if (ss == NULL) return;
  if (ss->type == REGIO_SOCK_TCP) close_stream(s->lab, ss, abortive);
  while (ss->backlog_head != NULL) {
    /* Connections never accepted are reset, as closing a listening socket does. */
    sim_sock *pending = ss->backlog_head;
    ss->backlog_head = pending->backlog_next;
    close_stream(s->lab, pending, true);
    regio__sim_sock_free(sl, pending);
  }
  regio__sim_sock_free(sl, ss);
  s->engine_data = NULL;
}

int regio__sim_address(regio_sock *s, regio_addr *out) {
  sim_sock *ss = regio__sim_state(s);
  if (ss == NULL) return REGIO_EINVAL;
  return regio__poll_addr_print((const struct sockaddr *)&ss->local.ss, out);
}

int regio__sim_peer(regio_sock *s, regio_addr *out) {
  sim_sock *ss = regio__sim_state(s);
  if (ss == NULL) return REGIO_EINVAL;
  if (!ss->has_remote) return REGIO_ENOTCONN;
  return regio__poll_addr_print((const struct sockaddr *)&ss->remote.ss, out);
}

int regio__sim_link(regio_sock *s, const regio_link *knobs) {
  sim_sock *ss = regio__sim_state(s);
  if (ss == NULL) return REGIO_EINVAL;
  ss->link = *knobs;
  regio__trace_net(s->lab, s, "link knobs set", 0);
  return 0;
}
