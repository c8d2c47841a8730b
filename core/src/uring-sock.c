/*
 * uring-sock.c — sockets of the uring engine: the poll engine's set-up (poll-sock.c,
 * poll-tcp.c) with its per-socket state swapped for a uring_sock, and close, which cancels the
 * socket's requests in the kernel and waits for their CQEs before the descriptor is closed
 * (close() alone does not cancel io_uring requests: URING-NOTES §Q8).
 */
#include "uring-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Replaces the poll_sock a poll helper attached with a uring_sock that starts with a copy of
   it. Returns 0, or REGIO_ENOMEM (the socket is then closed). */
static int wrap(regio_sock *s) {
  uring_sock *us;
  int d;
  if (s->engine_data == NULL) return 0;
  us = regio__calloc(1, sizeof(*us));
  if (us == NULL) {
    regio__poll_close(s, false);
    return REGIO_ENOMEM;
  }
  memcpy(&us->base, s->engine_data, sizeof(us->base));
  for (d = 0; d < 2; d++) {
    us->op[d].sock = s;
    us->op[d].dir = (uint8_t)d;
  }
  regio__free(s->engine_data);
  s->engine_data = us;
  return 0;
}

int regio__uring_tcp_pair(regio_lab *lab, int family, regio_sock *a, regio_sock *b) {
  int rc = regio__poll_tcp_pair(lab, family, a, b);
  if (rc != 0) return rc;
  if ((rc = wrap(a)) != 0) {
    regio__poll_close(b, false);
    return rc;
  }
  if ((rc = wrap(b)) != 0) regio__uring_close(a, false);
  return rc;
}

int regio__uring_listen(regio_sock *s, const char *host, uint16_t port, int backlog) {
  int rc = regio__poll_listen(s, host, port, backlog);
  return rc != 0 ? rc : wrap(s);
}

int regio__uring_accept(regio_sock *listener, int timeout_ms, regio_sock *out) {
  int rc = regio__poll_accept(listener, timeout_ms, out);
  return rc != 0 ? rc : wrap(out);
}

int regio__uring_connect(regio_sock *s, const char *host, uint16_t port, int timeout_ms) {
  int rc = regio__poll_connect(s, host, port, timeout_ms);
  return rc != 0 ? rc : wrap(s);
}

int regio__uring_udp(regio_sock *s, const char *host, uint16_t port) {
  int rc = regio__poll_udp(s, host, port);
  return rc != 0 ? rc : wrap(s);
}

/* Asks the kernel to cancel every request on fd: synchronously when the kernel can
   (IORING_REGISTER_SYNC_CANCEL, 6.0), else with an IORING_OP_ASYNC_CANCEL SQE. Either way the
   cancelled requests still post their own CQEs, which the caller waits for. */
static void cancel_fd(uring_lab *ul, int fd) {
  struct io_uring_sync_cancel_reg reg;
  struct io_uring_sqe *sqe;
  int rc;
  memset(&reg, 0, sizeof(reg));
  reg.fd = fd;
  reg.flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
  reg.timeout.tv_sec = -1;
  reg.timeout.tv_nsec = -1;
  do {
    rc = io_uring_register_sync_cancel(&ul->ring, &reg);
  } while (rc == -EINTR);
  if (rc == 0 || rc == -ENOENT || rc == -EALREADY) return;
  sqe = regio__uring_sqe(ul);
  if (sqe == NULL) return;
  io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, 0);
  ul->sqes_queued = true;
  regio__uring_submit(ul);
}

void regio__uring_close(regio_sock *s, bool abortive) {
  uring_sock *us = regio__uring_sock(s);
  uring_lab *ul = regio__uring_lab(s->lab);
  if (us != NULL && ul != NULL) {
    if (us->op[0].pending || us->op[1].pending) {
      /* SQEs still in the SQ must reach the kernel before a cancel can find them. */
      regio__uring_submit(ul);
      cancel_fd(ul, s->fd);
    }
    /* No memory the kernel may write (the ops' headers and addresses, the request's slices) is
       released before the last CQE of this socket arrived. Other sockets' CQEs reaped meanwhile
       are kept in their ops for the next service pass. */
    while (us->op[0].pending || us->op[1].pending) {
      struct io_uring_cqe *cqe;
      int rc = io_uring_wait_cqe(&ul->ring, &cqe);
      if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -ETIME) break;
      regio__uring_reap(ul);
    }
    /* The model took the requests back and completes them with ECANCELED itself. */
    us->op[0].req = us->op[1].req = NULL;
    us->op[0].have_result = us->op[1].have_result = false;
  }
  regio__poll_close(s, abortive);
}
