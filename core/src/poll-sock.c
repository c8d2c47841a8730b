/*
 * poll-sock.c — what every socket of the poll engine shares: opening a non-blocking,
 * close-on-exec fd, binding, attaching the engine state, UDP sockets (bound and connected),
 * shutdown, close and addresses. TCP setup (pairs, listeners, accept, connect) is in poll-tcp.c.
 *
 * UDP sockets ask for the destination address of each datagram (IP_PKTINFO / IPV6_RECVPKTINFO)
 * so that RIOReceiveEx can report it. A failed open leaves the socket with fd -1 and no engine
 * state.
 */
#include "poll-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int last_error(void) { return regio__from_errno(-errno); }

int regio__poll_socket(int af, int type) {
  int fd;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return last_error();
#else
  fd = socket(af, type, 0);
  if (fd < 0) return last_error();
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    int rc = last_error();
    close(fd);
    return rc;
  }
#endif
#ifdef SO_NOSIGPIPE
  {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
  }
#endif
  return fd;
}

void regio__poll_setopt(int fd, int level, int name, int value) {
  setsockopt(fd, level, name, &value, sizeof(value));
}

int regio__poll_adopt(regio_sock *s, int fd, int af) {
  poll_sock *ps = regio__calloc(1, sizeof(*ps));
  if (ps == NULL) {
    close(fd);
    s->fd = -1;
    return REGIO_ENOMEM;
  }
  s->fd = fd;
  s->family = regio__poll_family(af);
  s->engine_data = ps;
  s->eof = false;
  s->error = 0;
  return 0;
}

int regio__poll_open_bound(const poll_addr *addr, int type) {
  int fd = regio__poll_socket(addr->ss.ss_family, type);
  if (fd < 0) return fd;
  regio__poll_setopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) != 0) {
    int rc = last_error();
    close(fd);
    return rc;
  }
  return fd;
}

int regio__poll_udp(regio_sock *s, const char *host, uint16_t port) {
  poll_addr addr, bound;
  int fd, rc;
  s->fd = -1;
  rc = regio__poll_resolve(host, port, AF_UNSPEC, &addr);
  if (rc != 0) return rc;
  fd = regio__poll_open_bound(&addr, SOCK_DGRAM);
  if (fd < 0) return fd;
#ifdef IP_PKTINFO
  if (addr.ss.ss_family == AF_INET) regio__poll_setopt(fd, IPPROTO_IP, IP_PKTINFO, 1);
#endif
#ifdef IPV6_RECVPKTINFO
  if (addr.ss.ss_family == AF_INET6) regio__poll_setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
#endif
  rc = regio__poll_adopt(s, fd, addr.ss.ss_family);
  if (rc != 0) return rc;
  s->connected = false;
  bound.len = sizeof(bound.ss);
  if (getsockname(fd, (struct sockaddr *)&bound.ss, &bound.len) == 0) {
    /* sin_port and sin6_port sit at the same offset. */
    regio__poll_state(s)->local_port = ((struct sockaddr_in *)&bound.ss)->sin_port;
  }
  return 0;
}

int regio__poll_udp_connect(regio_sock *s, const char *host, uint16_t port) {
  poll_addr addr;
  int rc;
  if (s->fd < 0) return REGIO_EINVAL;
  if (host == NULL || host[0] == '\0') {
    /* No host: dissolve the association, as connect() with AF_UNSPEC does. */
    struct sockaddr sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_family = AF_UNSPEC;
    if (connect(s->fd, &sa, sizeof(sa)) != 0 && errno != EAFNOSUPPORT) return last_error();
    s->connected = false;
    return 0;
  }
  rc = regio__poll_resolve(host, port, regio__poll_af(s->family), &addr);
  if (rc != 0) return rc;
  if (connect(s->fd, (struct sockaddr *)&addr.ss, addr.len) != 0) return last_error();
  s->connected = true;
  return 0;
}

int regio__poll_shutdown(regio_sock *s, int how) {
  poll_sock *ps = regio__poll_state(s);
  int shut;
  if (s->fd < 0 || ps == NULL) return REGIO_EINVAL;
  switch (how) {
  case 1: shut = SHUT_RD; break;
  case 2: shut = SHUT_WR; break;
  case 3: shut = SHUT_RDWR; break;
  default: return REGIO_EINVAL;
  }
  if (shutdown(s->fd, shut) != 0) return last_error();
  if (how & 2) ps->shut_send = true;
  /* The socket's state changed: let the next pass try both directions again. */
  ps->blocked = 0;
  return 0;
}

void regio__poll_close(regio_sock *s, bool abortive) {
  if (s->fd >= 0) {
    if (abortive) {
      struct linger lg;
      lg.l_onoff = 1;
      lg.l_linger = 0;
      setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    close(s->fd);
    s->fd = -1;
  }
  regio__free(s->engine_data);
  s->engine_data = NULL;
}

/* Fills *out from getsockname (peer 0) or getpeername (peer 1). */
static int name_of(regio_sock *s, int peer, regio_addr *out) {
  poll_addr a;
  int r;
  if (s->fd < 0) return peer ? REGIO_ENOTCONN : REGIO_EINVAL;
  a.len = sizeof(a.ss);
  r = peer ? getpeername(s->fd, (struct sockaddr *)&a.ss, &a.len)
           : getsockname(s->fd, (struct sockaddr *)&a.ss, &a.len);
  if (r != 0) return last_error();
  return regio__poll_addr_print((struct sockaddr *)&a.ss, out);
}

int regio__poll_address(regio_sock *s, regio_addr *out) { return name_of(s, 0, out); }

int regio__poll_peer(regio_sock *s, regio_addr *out) { return name_of(s, 1, out); }
