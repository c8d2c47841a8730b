/*
 * poll-tcp.c — TCP sockets for the poll engine: connected loopback pairs, listeners, accept and
 * connect. Every fd is non-blocking and close-on-exec, and every connection has TCP_NODELAY.
 */
#include "poll-int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

/* How long tcp_pair waits for its loopback handshake. */
#define PAIR_TIMEOUT_MS 5000

static int last_error(void) { return regio__from_errno(-errno); }

/* Accepts one pending connection as a non-blocking, close-on-exec fd, or returns -1 (errno). */
static int accept_fd(int lfd, struct sockaddr *sa, socklen_t *len) {
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
  return accept4(lfd, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
  int fd = accept(lfd, sa, len);
  if (fd >= 0) {
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return fd;
#endif
}

/* Returns whether two socket addresses name the same address and port. */
static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
    const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
    return x->sin6_port == y->sin6_port &&
           memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
  }
  return 0;
}

/* Waits (without making lab progress: used only for loopback handshakes) until fd is ready. */
static int wait_fd(int fd, short events, int timeout_ms) {
  struct pollfd p;
  int64_t deadline = regio__poll_now_ms() + timeout_ms;
  for (;;) {
    int64_t left = deadline - regio__poll_now_ms();
    int r;
    if (left < 0) left = 0;
    p.fd = fd;
    p.events = events;
    p.revents = 0;
    r = poll(&p, 1, (int)left);
    if (r > 0) return 0;
    if (r == 0) return REGIO_ETIMEDOUT;
    if (errno != EINTR) return last_error();
  }
}

/* Connects a fresh client fd to the listener lfd and accepts its other end. */
static int pair_handshake(int lfd, int af, int *client, int *server) {
  poll_addr target, mine, theirs;
  int cfd, afd = -1, rc, err = 0;
  socklen_t errlen = sizeof(err);
  target.len = sizeof(target.ss);
  if (getsockname(lfd, (struct sockaddr *)&target.ss, &target.len) != 0) return last_error();
  cfd = regio__poll_socket(af, SOCK_STREAM);
  if (cfd < 0) return cfd;
  if (connect(cfd, (struct sockaddr *)&target.ss, target.len) != 0 && errno != EINPROGRESS) {
    rc = last_error();
    goto fail;
  }
  mine.len = sizeof(mine.ss);
  if (getsockname(cfd, (struct sockaddr *)&mine.ss, &mine.len) != 0) {
    rc = last_error();
    goto fail;
  }
  /* Accept until the connection is ours: another local process could race for the port. */
  for (;;) {
    theirs.len = sizeof(theirs.ss);
    afd = accept_fd(lfd, (struct sockaddr *)&theirs.ss, &theirs.len);
    if (afd >= 0) {
      if (same_addr(&theirs.ss, &mine.ss)) break;
      close(afd);
      afd = -1;
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      rc = last_error();
      goto fail;
    }
    rc = wait_fd(lfd, POLLIN, PAIR_TIMEOUT_MS);
    if (rc != 0) goto fail;
  }
  rc = wait_fd(cfd, POLLOUT, PAIR_TIMEOUT_MS);
  if (rc != 0) goto fail;
  if (getsockopt(cfd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0 || err != 0) {
    rc = regio__from_errno(-(err != 0 ? err : errno));
    goto fail;
  }
  *client = cfd;
  *server = afd;
  return 0;
fail:
  if (afd >= 0) close(afd);
  close(cfd);
  return rc;
}

int regio__poll_tcp_pair(regio_lab *lab, int family, regio_sock *a, regio_sock *b) {
  int af = regio__poll_af(family);
  int lfd, cfd = -1, afd = -1, rc;
  poll_addr loop;
  (void)lab;
  a->fd = b->fd = -1;
  if (family != 4 && family != 6) return REGIO_EAFNOSUPPORT;
  rc = regio__poll_resolve(af == AF_INET6 ? "::1" : "127.0.0.1", 0, af, &loop);
  if (rc != 0) return rc;
  lfd = regio__poll_socket(af, SOCK_STREAM);
  if (lfd < 0) return lfd;
  if (bind(lfd, (struct sockaddr *)&loop.ss, loop.len) != 0 || listen(lfd, 4) != 0) {
    rc = last_error();
    close(lfd);
    return rc;
  }
  rc = pair_handshake(lfd, af, &cfd, &afd);
  close(lfd);
  if (rc != 0) return rc;
  regio__poll_setopt(cfd, IPPROTO_TCP, TCP_NODELAY, 1);
  regio__poll_setopt(afd, IPPROTO_TCP, TCP_NODELAY, 1);
  rc = regio__poll_adopt(a, cfd, af);
  if (rc != 0) {
    close(afd);
    return rc;
  }
  rc = regio__poll_adopt(b, afd, af);
  if (rc != 0) regio__poll_close(a, false);
  return rc;
}

int regio__poll_listen(regio_sock *s, const char *host, uint16_t port, int backlog) {
  poll_addr addr;
  int fd, rc;
  s->fd = -1;
  rc = regio__poll_resolve(host, port, AF_UNSPEC, &addr);
  if (rc != 0) return rc;
  fd = regio__poll_open_bound(&addr, SOCK_STREAM);
  if (fd < 0) return fd;
  if (listen(fd, backlog > 0 ? backlog : SOMAXCONN) != 0) {
    rc = last_error();
    close(fd);
    return rc;
  }
  return regio__poll_adopt(s, fd, addr.ss.ss_family);
}

int regio__poll_accept(regio_sock *listener, int timeout_ms, regio_sock *out) {
  poll_deadline dl = regio__poll_deadline(timeout_ms);
  out->fd = -1;
  if (listener->fd < 0) return REGIO_EINVAL;
  for (;;) {
    poll_addr peer;
    int fd, rc;
    peer.len = sizeof(peer.ss);
    fd = accept_fd(listener->fd, (struct sockaddr *)&peer.ss, &peer.len);
    if (fd >= 0) {
      regio__poll_setopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
      return regio__poll_adopt(out, fd, regio__poll_af(listener->family));
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return last_error();
    rc = regio__poll_wait(listener, 1, &dl);
    if (rc != 0) return rc;
  }
}

/* Returns 1 when fd's non-blocking connect has finished (*err holds its errno or 0), else 0. */
static int connect_done(int fd, int *err) {
  struct pollfd p;
  socklen_t len = sizeof(*err);
  p.fd = fd;
  p.events = POLLOUT;
  p.revents = 0;
  if (poll(&p, 1, 0) <= 0) return 0;
  *err = 0;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) != 0) *err = errno;
  return 1;
}

int regio__poll_connect(regio_sock *s, const char *host, uint16_t port, int timeout_ms) {
  poll_deadline dl = regio__poll_deadline(timeout_ms);
  poll_addr addr;
  int fd, rc, err;
  s->fd = -1;
  rc = regio__poll_resolve(host, port, AF_UNSPEC, &addr);
  if (rc != 0) return rc;
  fd = regio__poll_socket(addr.ss.ss_family, SOCK_STREAM);
  if (fd < 0) return fd;
  regio__poll_setopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  rc = regio__poll_adopt(s, fd, addr.ss.ss_family);
  if (rc != 0) return rc;
  if (connect(fd, (struct sockaddr *)&addr.ss, addr.len) == 0) return 0;
  if (errno != EINPROGRESS && errno != EINTR) {
    rc = last_error();
    regio__poll_close(s, false);
    return rc;
  }
  while (!connect_done(fd, &err)) {
    rc = regio__poll_wait(s, 2, &dl);
    if (rc != 0) {
      regio__poll_close(s, false);
      return rc;
    }
  }
  if (err != 0) {
    regio__poll_close(s, false);
    return regio__from_errno(-err);
  }
  return 0;
}
