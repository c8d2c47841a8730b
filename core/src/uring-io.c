/*
 * uring-io.c — RIO sends and receives as io_uring requests: preparing the SQE of a direction's
 * head request, reaping CQEs into their ops, and turning a result into a completion (or into
 * the next SQE of the same request).
 *
 * One request per socket and direction is in the kernel at a time, so bytes land in posting
 * order and sends never interleave (URING-NOTES "Extra: ordering"). req->done counts the bytes
 * moved so far. CQEs are only recorded by regio__uring_reap; the model is told about them in
 * regio__uring_finish, from the engine's service pass, so that reaping is safe anywhere (also
 * while a socket's close waits for its own CQEs).
 */
#include "uring-int.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

/* How many times a UDP send is retried when an earlier ICMP error surfaces on it. */
#define URING_ICMP_RETRIES 4u

static int icmp_error(int err) {
  return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH;
}

/* Returns the regio error for a failed TCP receive or send; resets all read as ECONNRESET. */
static int stream_error(int err) {
  if (err == ECONNRESET || err == EPIPE || err == ECONNABORTED) return REGIO_ECONNRESET;
  return regio__from_errno(-err);
}

struct io_uring_sqe *regio__uring_sqe(uring_lab *ul) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(&ul->ring);
  if (sqe == NULL) {
    regio__uring_submit(ul);
    sqe = io_uring_get_sqe(&ul->ring);
  }
  return sqe;
}

void regio__uring_submit(uring_lab *ul) {
  int rc;
  if (!ul->sqes_queued) return;
  do {
    rc = io_uring_submit(&ul->ring);
  } while (rc == -EINTR);
  if (io_uring_sq_ready(&ul->ring) == 0) ul->sqes_queued = false;
}

int regio__uring_reap(uring_lab *ul) {
  int total = 0;
  for (;;) {
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;
    io_uring_for_each_cqe(&ul->ring, head, cqe) {
      uring_op *op = (uring_op *)(uintptr_t)cqe->user_data;
      n++;
      if (op == NULL) continue; /* a cancel request's own CQE */
      if (cqe->flags & IORING_CQE_F_NOTIF) {
        /* The kernel let go of a zero-copy send's pages: the request may complete now. */
        op->pending = 0;
        ul->in_kernel--;
        continue;
      }
      op->res = cqe->res;
      op->have_result = true;
      /* F_MORE: a zero-copy notification follows; the op stays in the kernel until then. */
      if ((cqe->flags & IORING_CQE_F_MORE) == 0) {
        op->pending = 0;
        ul->in_kernel--;
      }
    }
    io_uring_cq_advance(&ul->ring, n);
    total += (int)n;
    /* CQEs the kernel kept on its overflow list (never lost: IORING_FEAT_NODROP) come next. */
    if (n == 0 || !(IO_URING_READ_ONCE(*ul->ring.sq.kflags) & IORING_SQ_CQ_OVERFLOW)) break;
    io_uring_get_events(&ul->ring);
  }
  return total;
}

/* Returns the kernel slot of a fixed buffer holding every slice of the request, or -1. */
static int fixed_slot(const uring_lab *ul, const regio_req *req) {
  uint32_t i, slot;
  if (!ul->fixed_table || req->nslices == 0) return -1;
  slot = req->slices[0].id & (URING_FIXED_SLOTS - 1u);
  if (ul->fixed_ids[slot] != req->slices[0].id) return -1;
  for (i = 1; i < req->nslices; i++)
    if (req->slices[i].id != req->slices[0].id) return -1;
  return (int)slot;
}

/* Shortens an iovec list to at most max bytes; returns the new count. */
static int trim_iov(struct iovec *iov, int cnt, uint32_t max) {
  int i;
  for (i = 0; i < cnt; i++) {
    if (iov[i].iov_len >= max) {
      iov[i].iov_len = max;
      return i + 1;
    }
    max -= (uint32_t)iov[i].iov_len;
  }
  return cnt;
}

/* Returns how many bytes a TCP receive must hold before it completes (as poll-stream.c): any
   byte without WAITALL; the first slice under the preview profile; otherwise every slice. */
static uint32_t recv_goal(const regio_lab *lab, const regio_req *req, uint32_t total) {
  if ((req->flags & REGIO_MSG_WAITALL) == 0) return 1;
  if (lab->profile == REGIO_PROFILE_PREVIEW && req->nslices > 1) return req->slices[0].length;
  return total;
}

/* Marks the op as decided without the kernel: the next service pass completes it. A status of
   0 with res 0 stands for "end of stream". */
static void local_result(uring_op *op, int status) {
  op->local_status = status;
  op->res = 0;
  op->have_result = true;
}

/* Queues the op's SQE: it is in the kernel from the next submit on. */
static void queued(uring_lab *ul, uring_op *op, struct io_uring_sqe *sqe) {
  io_uring_sqe_set_data(sqe, op);
  op->pending = 1;
  ul->in_kernel++;
  ul->sqes_queued = true;
}

/* Prepares a send from the op's iovecs: with the request's fixed buffer (zero-copy send, the
   only send the kernel takes a fixed buffer for) when it has one, otherwise a plain send. */
static void prep_send(uring_lab *ul, regio_sock *s, uring_op *op, struct io_uring_sqe *sqe,
                      int cnt, int flags, int slot, bool with_name) {
  op->fixed = 0;
  if (slot >= 0 && cnt == 1 && ul->fixed_send) {
    io_uring_prep_send_zc_fixed(sqe, s->fd, op->iov[0].iov_base, op->iov[0].iov_len, flags, 0,
                                (unsigned)slot);
    if (with_name) {
      io_uring_prep_send_set_addr(sqe, (const struct sockaddr *)&op->name.ss, op->name.len);
    }
    op->fixed = URING_FIXED_SEND;
  } else if (slot >= 0 && cnt > 1 && ul->fixed_sendmsg) {
    io_uring_prep_sendmsg_zc(sqe, s->fd, &op->msg, (unsigned)flags);
    sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
    sqe->buf_index = (uint16_t)slot;
    op->fixed = URING_FIXED_SENDMSG;
  } else if (cnt == 1 && !with_name) {
    io_uring_prep_send(sqe, s->fd, op->iov[0].iov_base, op->iov[0].iov_len, flags);
  } else {
    io_uring_prep_sendmsg(sqe, s->fd, &op->msg, (unsigned)flags);
  }
}

void regio__uring_prepare(regio_sock *s, regio_direction d, regio_req *req) {
  regio_lab *lab = s->lab;
  uring_lab *ul = regio__uring_lab(lab);
  uring_op *op = &regio__uring_sock(s)->op[d];
  bool tcp = s->type == REGIO_SOCK_TCP;
  bool with_name = false;
  struct io_uring_sqe *sqe;
  int cnt, flags = 0;

  op->req = req;
  op->local_status = 0;
  op->have_result = false;
  op->fixed = 0;
  if (s->fd < 0) {
    local_result(op, REGIO_ENOTCONN);
    return;
  }
  if (tcp && s->error != 0) {
    local_result(op, s->error);
    return;
  }
  if (tcp && d == REGIO_DIR_RECEIVE && s->eof) {
    local_result(op, 0);
    return;
  }
  memset(&op->msg, 0, sizeof(op->msg));
  cnt = regio__poll_iov(lab, req, tcp ? req->done : 0, op->iov);
  if (tcp && d == REGIO_DIR_RECEIVE && (req->flags & REGIO_MSG_WAITALL)) {
    uint32_t total = regio__poll_total(req), goal = recv_goal(lab, req, total);
    /* A WAITALL goal below the total (preview) reads no further than the goal. */
    if (goal < total) cnt = trim_iov(op->iov, cnt, goal - req->done);
    flags = MSG_WAITALL;
  }
  op->msg.msg_iov = op->iov;
  op->msg.msg_iovlen = (size_t)cnt;
  if (!tcp && d == REGIO_DIR_RECEIVE) {
    if (req->has_remote) {
      op->msg.msg_name = &op->name.ss;
      op->msg.msg_namelen = sizeof(op->name.ss);
    }
    if (req->has_local) {
      op->msg.msg_control = op->control.buf;
      op->msg.msg_controllen = sizeof(op->control.buf);
    }
  }
  if (!tcp && d == REGIO_DIR_SEND) {
    if (req->has_remote) {
      int rc = regio__poll_addr_from_win(regio__slice_ptr(lab, &req->remote),
                                         regio__poll_af(s->family), &op->name);
      if (rc != 0) {
        local_result(op, rc);
        return;
      }
      op->msg.msg_name = &op->name.ss;
      op->msg.msg_namelen = op->name.len;
      with_name = true;
    } else if (!s->connected) {
      local_result(op, REGIO_ENOTCONN);
      return;
    }
  }
  sqe = regio__uring_sqe(ul);
  if (sqe == NULL) {
    local_result(op, REGIO_ENOMEM);
    return;
  }
  if (d == REGIO_DIR_RECEIVE) {
    /* READ_FIXED takes the fixed buffer but knows no MSG_WAITALL: plain TCP receives only. */
    int slot = tcp && flags == 0 && cnt == 1 && ul->fixed_read ? fixed_slot(ul, req) : -1;
    if (slot >= 0) {
      io_uring_prep_read_fixed(sqe, s->fd, op->iov[0].iov_base, (unsigned)op->iov[0].iov_len, 0,
                               slot);
      op->fixed = URING_FIXED_READ;
    } else if (tcp && cnt == 1) {
      io_uring_prep_recv(sqe, s->fd, op->iov[0].iov_base, op->iov[0].iov_len, flags);
    } else {
      io_uring_prep_recvmsg(sqe, s->fd, &op->msg, (unsigned)flags);
    }
  } else {
    /* A stream send always carries MSG_WAITALL: without it the kernel completes it short. */
    flags = MSG_NOSIGNAL | (tcp ? MSG_WAITALL : 0);
    prep_send(ul, s, op, sqe, cnt, flags, fixed_slot(ul, req), with_name);
  }
  queued(ul, op, sqe);
}

/* Tells what a short WAITALL receive (or an empty one) means: the kernel returns the bytes it
   had when a reset arrived and drops the ECONNRESET (URING-NOTES §Q1), so the socket is asked.
   Returns REGIO_ECONNRESET, 0 (end of stream) or 1 (the peer is still sending: go on). */
static int stream_state(regio_sock *s) {
  struct tcp_info ti;
  socklen_t len = sizeof(ti);
  int err = 0;
  socklen_t elen = sizeof(err);
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err != 0) {
    return stream_error(err);
  }
  if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return 0;
  switch (ti.tcpi_state) {
  case TCP_ESTABLISHED:
  case TCP_FIN_WAIT1:
  case TCP_FIN_WAIT2: return 1; /* no FIN from the peer yet */
  case TCP_CLOSE:
    /* A reset closes the socket at once; a FIN leaves it in CLOSE_WAIT, unless we had shut our
       side down first (then both end in CLOSE and the difference is gone: take it as EOF). */
    return regio__poll_state(s)->shut_send ? 0 : REGIO_ECONNRESET;
  default: return 0;
  }
}

/* Writes the Ex outputs of a TCP receive (peer and local address). */
static void stream_fill_ex(regio_sock *s, regio_req *req) {
  poll_addr peer, local;
  struct sockaddr *rp = NULL, *lp = NULL;
  if (!(req->has_remote || req->has_local || req->has_flags || req->has_control)) return;
  peer.len = sizeof(peer.ss);
  local.len = sizeof(local.ss);
  if (getpeername(s->fd, (struct sockaddr *)&peer.ss, &peer.len) == 0) {
    rp = (struct sockaddr *)&peer.ss;
  }
  if (getsockname(s->fd, (struct sockaddr *)&local.ss, &local.len) == 0) {
    lp = (struct sockaddr *)&local.ss;
  }
  regio__poll_fill_ex(s->lab, req, rp, lp, 0);
}

/* Completes the op's request; the op is idle before the model runs any hook. */
static int complete(uring_op *op, int status, uint32_t bytes) {
  regio_req *req = op->req;
  op->req = NULL;
  return regio__req_complete(req, status, bytes);
}

/* A fixed-buffer form the kernel refused as such: use the plain form from now on. */
static bool fixed_refused(uring_lab *ul, uring_op *op) {
  if (!op->fixed || (op->res != -EINVAL && op->res != -EOPNOTSUPP && op->res != -ESPIPE)) {
    return false;
  }
  if (op->fixed == URING_FIXED_SENDMSG) ul->fixed_sendmsg = false;
  else if (op->fixed == URING_FIXED_READ) ul->fixed_read = false;
  else ul->fixed_send = false;
  return true;
}

static int finish_stream_recv(regio_sock *s, uring_op *op) {
  regio_req *req = op->req;
  uint32_t total = regio__poll_total(req);
  int res = op->res, st;
  if (op->local_status != 0) return complete(op, op->local_status, req->done);
  if (res == -EINTR || res == -EAGAIN || fixed_refused(regio__uring_lab(s->lab), op)) {
    regio__uring_prepare(s, REGIO_DIR_RECEIVE, req);
    return 0;
  }
  if (op->fixed && res > 0) regio__uring_lab(s->lab)->fixed_receives++;
  if (res < 0) {
    s->error = res == -ECANCELED ? REGIO_ECANCELED : stream_error(-res);
    stream_fill_ex(s, req);
    return complete(op, s->error, req->done);
  }
  req->done += (uint32_t)res;
  if (res > 0 && req->done >= recv_goal(s->lab, req, total)) {
    stream_fill_ex(s, req);
    return complete(op, 0, req->done);
  }
  /* Nothing, or less than WAITALL asked for: end of stream, a swallowed reset, or (rarely) a
     receive cut short while the peer still sends. */
  st = s->fd >= 0 ? stream_state(s) : 0;
  if (st == 1 && res > 0) {
    regio__uring_prepare(s, REGIO_DIR_RECEIVE, req);
    return 0;
  }
  if (st < 0) s->error = st;
  else s->eof = true;
  stream_fill_ex(s, req);
  return complete(op, st < 0 ? st : 0, req->done);
}


static int finish_stream_send(regio_sock *s, uring_op *op) {
  uring_lab *ul = regio__uring_lab(s->lab);
  regio_req *req = op->req;
  uint32_t total = regio__poll_total(req);
  int res = op->res;
  if (op->local_status != 0) return complete(op, op->local_status, req->done);
  if (res == -EINTR || res == -EAGAIN || fixed_refused(ul, op)) {
    regio__uring_prepare(s, REGIO_DIR_SEND, req);
    return 0;
  }
  if (res < 0) {
    if (res == -EPIPE && regio__poll_state(s)->shut_send) {
      return complete(op, REGIO_ESHUTDOWN, req->done); /* our own shutdown, not a reset */
    }
    if (res == -ECANCELED) return complete(op, REGIO_ECANCELED, req->done);
    s->error = stream_error(-res);
    return complete(op, s->error, req->done);
  }
  if (op->fixed && res > 0) ul->fixed_sends++;
  req->done += (uint32_t)res;
  /* MSG_WAITALL makes short sends rare; any rest is sent by the same request, in order. */
  if (req->done < total) {
    regio__uring_prepare(s, REGIO_DIR_SEND, req);
    return 0;
  }
  return complete(op, 0, total);
}

static int finish_dgram_recv(regio_sock *s, uring_op *op) {
  regio_req *req = op->req;
  int res = op->res;
  if (op->local_status != 0) return complete(op, op->local_status, 0);
  if (res == -EINTR || res == -EAGAIN || (res < 0 && icmp_error(-res))) {
    /* RIO does not report ICMP errors: wait for the next datagram. */
    regio__uring_prepare(s, REGIO_DIR_RECEIVE, req);
    return 0;
  }
  if (res < 0) return complete(op, regio__from_errno(res), 0);
  {
    int truncated = (op->msg.msg_flags & MSG_TRUNC) != 0 && req->nslices > 0;
    uint32_t bytes = req->nslices > 0 ? (uint32_t)res : 0;
    if (req->has_remote || req->has_local || req->has_flags || req->has_control) {
      poll_addr local;
      uint32_t win_flags = (truncated ? POLL_WIN_MSG_TRUNC : 0) |
                           ((op->msg.msg_flags & MSG_CTRUNC) ? POLL_WIN_MSG_CTRUNC : 0);
      int have_local = req->has_local && regio__poll_local_address(s, &op->msg, &local) == 0;
      regio__poll_fill_ex(s->lab, req, req->has_remote ? (struct sockaddr *)&op->name.ss : NULL,
                          have_local ? (struct sockaddr *)&local.ss : NULL, win_flags);
    }
    return complete(op, truncated ? REGIO_EMSGSIZE : 0, bytes);
  }
}

static int finish_dgram_send(regio_sock *s, uring_op *op) {
  uring_lab *ul = regio__uring_lab(s->lab);
  regio_req *req = op->req;
  int res = op->res;
  if (op->local_status != 0) return complete(op, op->local_status, 0);
  if (res == -EINTR || res == -EAGAIN || fixed_refused(ul, op)) {
    regio__uring_prepare(s, REGIO_DIR_SEND, req);
    return 0;
  }
  if (res < 0 && icmp_error(-res) && req->engine_word < URING_ICMP_RETRIES) {
    /* The error belongs to an earlier datagram; this one has not been sent yet. */
    req->engine_word++;
    regio__uring_prepare(s, REGIO_DIR_SEND, req);
    return 0;
  }
  if (res < 0) return complete(op, regio__from_errno(res), 0);
  if (op->fixed) ul->fixed_sends++;
  return complete(op, 0, (uint32_t)res);
}

int regio__uring_finish(regio_sock *s, regio_direction d) {
  uring_op *op = &regio__uring_sock(s)->op[d];
  op->have_result = false;
  if (s->type == REGIO_SOCK_TCP) {
    return d == REGIO_DIR_RECEIVE ? finish_stream_recv(s, op) : finish_stream_send(s, op);
  }
  return d == REGIO_DIR_RECEIVE ? finish_dgram_recv(s, op) : finish_dgram_send(s, op);
}
