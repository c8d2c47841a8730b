/*
 * winrio-sock.c — the winrio engine's sockets: ordinary Winsock sockets created with
 * WSA_FLAG_REGISTERED_IO, so that RIOCreateRequestQueue accepts them, and the plain blocking
 * calls the peer side of a scenario uses. Waits with a limit go through select(); the kernel
 * moves RIO's bytes meanwhile, so nothing else needs to make progress.
 */
#include "winrio-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SOCK_FLAGS (WSA_FLAG_OVERLAPPED | WSA_FLAG_REGISTERED_IO)

static int last_error(void) { return winrio__from_wsa(WSAGetLastError()); }

/* Resolves host:port (numeric or a name) into *out. Returns 0 or a REGIO_E*. */
static int resolve(const char *host, uint16_t port, int type, struct sockaddr_storage *out,
                   int *out_len) {
  struct addrinfo hints, *res = NULL;
  char service[8];
  int rc;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = type;
  snprintf(service, sizeof(service), "%u", (unsigned)port);
  rc = getaddrinfo(host, service, &hints, &res);
  if (rc != 0 || res == NULL) return REGIO_EADDRNOTAVAIL;
  memcpy(out, res->ai_addr, res->ai_addrlen);
  *out_len = (int)res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

/* Creates a RIO-capable socket of the family of addr and attaches it to s. */
static int sock_open(regio_sock *s, int family, int type) {
  winrio_sock *ws = regio__calloc(1, sizeof(*ws));
  int proto = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  if (ws == NULL) return REGIO_ENOMEM;
  ws->s = WSASocketW(family, type, proto, NULL, 0, SOCK_FLAGS);
  if (ws->s == INVALID_SOCKET) {
    int rc = last_error();
    regio__free(ws);
    return rc;
  }
  s->engine_data = ws;
  s->family = family == AF_INET6 ? 6 : 4;
  return 0;
}

static void sock_drop(regio_sock *s) {
  winrio_sock *ws = winrio__sock(s);
  if (ws == NULL) return;
  if (ws->s != INVALID_SOCKET) closesocket(ws->s);
  regio__free(ws);
  s->engine_data = NULL;
}

/* Waits until the socket is readable (write 0) or writable (write 1). timeout_ms < 0 waits
   without a limit. Returns 1 when ready, 0 on timeout, or a REGIO_E*. */
static int wait_ready(SOCKET s, int write, int timeout_ms) {
  fd_set set;
  struct timeval tv, *ptv = NULL;
  int rc;
  FD_ZERO(&set);
  FD_SET(s, &set);
  if (timeout_ms >= 0) {
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    ptv = &tv;
  }
  rc = select(0, write ? NULL : &set, write ? &set : NULL, NULL, ptv);
  if (rc == SOCKET_ERROR) return last_error();
  return rc > 0 ? 1 : 0;
}

static int to_addr(const struct sockaddr *sa, regio_addr *out) {
  memset(out, 0, sizeof(*out));
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    out->family = 4;
    out->port = ntohs(in->sin_port);
    inet_ntop(AF_INET, &in->sin_addr, out->host, sizeof(out->host));
    return 0;
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    out->family = 6;
    out->port = ntohs(in6->sin6_port);
    inet_ntop(AF_INET6, &in6->sin6_addr, out->host, sizeof(out->host));
    return 0;
  }
  return REGIO_EAFNOSUPPORT;
}

int winrio__listen(regio_sock *s, const char *host, uint16_t port, int backlog) {
  struct sockaddr_storage addr;
  int len, rc;
  if ((rc = resolve(host, port, SOCK_STREAM, &addr, &len)) != 0) return rc;
  if ((rc = sock_open(s, addr.ss_family, SOCK_STREAM)) != 0) return rc;
  if (bind(winrio__sock(s)->s, (struct sockaddr *)&addr, len) != 0 ||
      listen(winrio__sock(s)->s, backlog > 0 ? backlog : SOMAXCONN) != 0) {
    rc = last_error();
    sock_drop(s);
    return rc;
  }
  return 0;
}

int winrio__accept(regio_sock *listener, int timeout_ms, regio_sock *out) {
  SOCKET ls = winrio__sock(listener)->s, as;
  winrio_sock *ws;
  int rc = wait_ready(ls, 0, timeout_ms);
  if (rc < 0) return rc;
  if (rc == 0) return REGIO_ETIMEDOUT;
  /* An accepted socket inherits WSA_FLAG_REGISTERED_IO from its listener (RIO-SPEC §1.1). */
  as = accept(ls, NULL, NULL);
  if (as == INVALID_SOCKET) return last_error();
  ws = regio__calloc(1, sizeof(*ws));
  if (ws == NULL) {
    closesocket(as);
    return REGIO_ENOMEM;
  }
  ws->s = as;
  out->engine_data = ws;
  out->family = listener->family;
  return 0;
}

int winrio__connect(regio_sock *s, const char *host, uint16_t port, int timeout_ms) {
  struct sockaddr_storage addr;
  int len, rc;
  (void)timeout_ms; /* A blocking connect: loopback answers at once, or refuses. */
  if ((rc = resolve(host, port, SOCK_STREAM, &addr, &len)) != 0) return rc;
  if ((rc = sock_open(s, addr.ss_family, SOCK_STREAM)) != 0) return rc;
  if (connect(winrio__sock(s)->s, (struct sockaddr *)&addr, len) != 0) {
    rc = last_error();
    sock_drop(s);
    return rc;
  }
  return 0;
}

int winrio__tcp_pair(regio_lab *lab, int family, regio_sock *a, regio_sock *b) {
  regio_sock listener;
  regio_addr where;
  int rc;
  (void)lab;
  memset(&listener, 0, sizeof(listener));
  rc = winrio__listen(&listener, family == 6 ? "::1" : "127.0.0.1", 0, 1);
  if (rc != 0) return rc;
  if ((rc = winrio__address(&listener, &where)) == 0 &&
      (rc = winrio__connect(b, where.host, where.port, 2000)) == 0) {
    rc = winrio__accept(&listener, 2000, a);
    if (rc != 0) sock_drop(b);
  }
  sock_drop(&listener);
  return rc;
}

int winrio__udp(regio_sock *s, const char *host, uint16_t port) {
  struct sockaddr_storage addr;
  int len, rc;
  if ((rc = resolve(host, port, SOCK_DGRAM, &addr, &len)) != 0) return rc;
  if ((rc = sock_open(s, addr.ss_family, SOCK_DGRAM)) != 0) return rc;
  if (bind(winrio__sock(s)->s, (struct sockaddr *)&addr, len) != 0) {
    rc = last_error();
    sock_drop(s);
    return rc;
  }
  return 0;
}

int winrio__udp_connect(regio_sock *s, const char *host, uint16_t port) {
  struct sockaddr_storage addr;
  int len, rc;
  if ((rc = resolve(host, port, SOCK_DGRAM, &addr, &len)) != 0) return rc;
  if (connect(winrio__sock(s)->s, (struct sockaddr *)&addr, len) != 0) return last_error();
  return 0;
}

int winrio__write(regio_sock *s, const void *data, size_t len, int timeout_ms) {
  SOCKET so = winrio__sock(s)->s;
  size_t done = 0;
  while (done < len) {
    int chunk = len - done > 0x10000000u ? 0x10000000 : (int)(len - done);
    int rc = wait_ready(so, 1, timeout_ms);
    if (rc < 0) return done > 0 ? (int)done : rc;
    if (rc == 0) break;
    rc = send(so, (const char *)data + done, chunk, 0);
    if (rc == SOCKET_ERROR) return done > 0 ? (int)done : last_error();
    done += (size_t)rc;
  }
  return (int)done;
}

int winrio__read(regio_sock *s, void *data, size_t len, int timeout_ms) {
  SOCKET so = winrio__sock(s)->s;
  uint64_t deadline = GetTickCount64() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
  size_t done = 0;
  while (done < len) {
    int left = -1, rc;
    if (timeout_ms >= 0) {
      uint64_t now = GetTickCount64();
      left = now >= deadline ? 0 : (int)(deadline - now);
    }
    rc = wait_ready(so, 0, left);
    if (rc < 0) return done > 0 ? (int)done : rc;
    if (rc == 0) break;
    rc = recv(so, (char *)data + done, len - done > 0x10000000u ? 0x10000000 : (int)(len - done),
              0);
    if (rc == SOCKET_ERROR) return done > 0 ? (int)done : last_error();
    if (rc == 0) break; /* EOF */
    done += (size_t)rc;
  }
  return (int)done;
}

int winrio__sendto(regio_sock *s, const void *data, size_t len, const char *host, uint16_t port) {
  SOCKET so = winrio__sock(s)->s;
  int rc;
  if (len > 0xFFFF) return REGIO_EMSGSIZE;
  if (host == NULL) {
    rc = send(so, data, (int)len, 0);
  } else {
    struct sockaddr_storage addr;
    int alen;
    if ((rc = resolve(host, port, SOCK_DGRAM, &addr, &alen)) != 0) return rc;
    rc = sendto(so, data, (int)len, 0, (struct sockaddr *)&addr, alen);
  }
  return rc == SOCKET_ERROR ? last_error() : rc;
}

int winrio__recvfrom(regio_sock *s, void *data, size_t cap, int timeout_ms, regio_addr *from) {
  SOCKET so = winrio__sock(s)->s;
  struct sockaddr_storage addr;
  int alen = sizeof(addr);
  int rc = wait_ready(so, 0, timeout_ms);
  if (rc < 0) return rc;
  if (rc == 0) return REGIO_ETIMEDOUT;
  rc = recvfrom(so, data, cap > 0xFFFF ? 0xFFFF : (int)cap, 0, (struct sockaddr *)&addr, &alen);
  if (rc == SOCKET_ERROR) {
    /* Windows reports a truncated datagram as an error; regio returns the truncated length. */
    if (WSAGetLastError() != WSAEMSGSIZE) return last_error();
    rc = (int)cap;
  }
  if (from) to_addr((struct sockaddr *)&addr, from);
  return rc;
}

int winrio__shutdown(regio_sock *s, int how) {
  int sd = how == 1 ? SD_RECEIVE : how == 2 ? SD_SEND : SD_BOTH;
  return shutdown(winrio__sock(s)->s, sd) == 0 ? 0 : last_error();
}

/* closesocket destroys the socket's RIO_RQ and cancels its requests: RIO posts their
   completions itself, with a non-zero status, to CQs that are still open. */
void winrio__close(regio_sock *s, bool abortive) {
  winrio_sock *ws = winrio__sock(s);
  if (ws == NULL) return;
  if (abortive) {
    struct linger lg = {1, 0};
    setsockopt(ws->s, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof(lg));
  }
  if (ws->rq) winrio__rq_sock_closed(ws->rq);
  sock_drop(s);
}

int winrio__address(regio_sock *s, regio_addr *out) {
  struct sockaddr_storage addr;
  int len = sizeof(addr);
  if (getsockname(winrio__sock(s)->s, (struct sockaddr *)&addr, &len) != 0) return last_error();
  return to_addr((struct sockaddr *)&addr, out);
}

int winrio__peer(regio_sock *s, regio_addr *out) {
  struct sockaddr_storage addr;
  int len = sizeof(addr);
  if (getpeername(winrio__sock(s)->s, (struct sockaddr *)&addr, &len) != 0) return last_error();
  return to_addr((struct sockaddr *)&addr, out);
}
