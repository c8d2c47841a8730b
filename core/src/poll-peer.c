/*
 * poll-peer.c — plain, non-RIO I/O for the peer side of a scenario (write, read, sendto,
 * recvfrom) on the poll engine.
 *
 * A script is single-threaded: while one of these calls waits for its socket, it runs the engine's
 * poll with the socket as wait_sock, so the lab's RIO requests keep moving and a script never
 * deadlocks against its own RIO side.
 */
#include "poll-int.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

/* How long sendto waits for room in a full send buffer. */
#define SENDTO_TIMEOUT_MS 5000
/* How many times sendto is retried when an earlier ICMP error surfaces on it. */
#define SENDTO_ICMP_RETRIES 4

/* Returns the regio error for a failed plain send: EPIPE after our own shutdown is ESHUTDOWN. */
static int send_error(const regio_sock *s, int err) {
  const poll_sock *ps = regio__poll_state(s);
  if (err == EPIPE && ps != NULL && ps->shut_send) return REGIO_ESHUTDOWN;
  return regio__from_errno(-err);
}

int regio__poll_write(regio_sock *s, const void *data, size_t len, int timeout_ms) {
  poll_deadline dl = regio__poll_deadline(timeout_ms);
  const char *p = data;
  size_t off = 0;
  if (s->fd < 0) return REGIO_EINVAL;
  if (len > INT_MAX) len = INT_MAX;
  while (off < len) {
    ssize_t n = send(s->fd, p + off, len - off, MSG_NOSIGNAL);
    int rc;
    if (n >= 0) {
      off += (size_t)n;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      rc = send_error(s, errno);
      return off > 0 ? (int)off : rc;
    }
    rc = regio__poll_wait(s, 2, &dl);
    if (rc == REGIO_ETIMEDOUT) break;
    if (rc < 0) return off > 0 ? (int)off : rc;
  }
  return (int)off;
}

int regio__poll_read(regio_sock *s, void *data, size_t len, int timeout_ms) {
  poll_deadline dl = regio__poll_deadline(timeout_ms);
  char *p = data;
  size_t got = 0;
  if (s->fd < 0) return REGIO_EINVAL;
  if (len > INT_MAX) len = INT_MAX;
  while (got < len) {
    ssize_t n = recv(s->fd, p + got, len - got, 0);
    int rc;
    if (n > 0) {
      got += (size_t)n;
      /* A datagram socket returns one datagram per read. */
      if (s->type == REGIO_SOCK_UDP) break;
      continue;
    }
    if (n == 0) {
      /* EOF; after a reset the kernel reports EOF too, but the RIO side saw the reset. */
      if (got == 0 && s->error != 0) return s->error;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      rc = errno == ECONNRESET ? REGIO_ECONNRESET : regio__from_errno(-errno);
      return got > 0 ? (int)got : rc;
    }
    rc = regio__poll_wait(s, 1, &dl);
    if (rc == REGIO_ETIMEDOUT) break;
    if (rc < 0) return got > 0 ? (int)got : rc;
  }
  return (int)got;
}

int regio__poll_sendto(regio_sock *s, const void *data, size_t len, const char *host,
                       uint16_t port) {
  poll_deadline dl = regio__poll_deadline(SENDTO_TIMEOUT_MS);
  poll_addr to;
  int retries = 0;
  if (s->fd < 0) return REGIO_EINVAL;
  if (len > INT_MAX) return REGIO_EMSGSIZE;
  if (host != NULL) {
    int rc = regio__poll_resolve(host, port, regio__poll_af(s->family), &to);
    if (rc != 0) return rc;
  }
  for (;;) {
    ssize_t n = host != NULL
                    ? sendto(s->fd, data, len, MSG_NOSIGNAL, (struct sockaddr *)&to.ss, to.len)
                    : send(s->fd, data, len, MSG_NOSIGNAL);
    int rc;
    if (n >= 0) return (int)n;
    if (errno == EINTR) continue;
    if ((errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) &&
        s->type == REGIO_SOCK_UDP && retries++ < SENDTO_ICMP_RETRIES) {
      continue; /* the error belongs to an earlier datagram */
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) return send_error(s, errno);
    rc = regio__poll_wait(s, 2, &dl);
    if (rc < 0) return rc;
  }
}

int regio__poll_recvfrom(regio_sock *s, void *data, size_t cap, int timeout_ms, regio_addr *from) {
  poll_deadline dl = regio__poll_deadline(timeout_ms);
  if (s->fd < 0) return REGIO_EINVAL;
  if (cap > INT_MAX) cap = INT_MAX;
  for (;;) {
    poll_addr a;
    ssize_t n;
    int rc;
    a.len = sizeof(a.ss);
    n = recvfrom(s->fd, data, cap, 0, (struct sockaddr *)&a.ss, &a.len);
    if (n >= 0) {
      if (from != NULL) {
        memset(from, 0, sizeof(*from));
        /* A stream socket reports no sender: name the peer instead. */
        if (a.len == 0) {
          a.len = sizeof(a.ss);
          if (getpeername(s->fd, (struct sockaddr *)&a.ss, &a.len) != 0) a.len = 0;
        }
        if (a.len > 0) regio__poll_addr_print((struct sockaddr *)&a.ss, from);
      }
      return (int)n;
    }
    if (errno == EINTR) continue;
    if (s->type == REGIO_SOCK_UDP &&
        (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)) {
      continue; /* RIO does not report ICMP errors; neither does the peer side */
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) return regio__from_errno(-errno);
    rc = regio__poll_wait(s, 1, &dl);
    if (rc < 0) return rc;
  }
}
