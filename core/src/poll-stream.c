/*
 * poll-stream.c — RIO sends and receives on TCP sockets for the poll engine.
 *
 * Only the oldest started request of a direction is worked on, so bytes land in posting order
 * and sends never interleave. req->done counts the bytes moved so far. A receive completes as
 * soon as it has bytes (WAITALL: once its goal is met), at EOF, or on an error; a send completes
 * when every byte of every slice was written. A reset is remembered in sock->error so that every
 * later request completes with it at once.
 */
#include "poll-int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Returns the regio error for a failed TCP read or write; resets all read as ECONNRESET. */
static int stream_error(int err) {
  if (err == ECONNRESET || err == EPIPE || err == ECONNABORTED) return REGIO_ECONNRESET;
  return regio__from_errno(-err);
}

/* Returns how many bytes a receive must hold before it completes: any byte without WAITALL; the
   first slice's length under the preview profile; otherwise every slice. */
static uint32_t recv_goal(const regio_lab *lab, const regio_req *req, uint32_t total) {
  if ((req->flags & REGIO_MSG_WAITALL) == 0) return 1;
  if (lab->profile == REGIO_PROFILE_PREVIEW && req->nslices > 1) return req->slices[0].length;
  return total;
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

/* Completes the head receive, writing its Ex outputs (peer and local address) first. */
static int finish_recv(regio_sock *s, regio_req *req, int status, uint32_t bytes) {
  if (req->has_remote || req->has_local || req->has_flags || req->has_control) {
    poll_addr peer, local;
    struct sockaddr *rp = NULL, *lp = NULL;
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
  return regio__req_complete(req, status, bytes);
}

int regio__poll_stream_recv(regio_sock *s) {
  regio_lab *lab = s->lab;
  poll_sock *ps = regio__poll_state(s);
  struct iovec iov[REGIO_MAX_SLICES];
  regio_req *req;
  int posted = 0;

  while (!s->closed && (req = regio__rq_head(s->rq, REGIO_DIR_RECEIVE)) != NULL) {
    uint32_t total = regio__poll_total(req);
    uint32_t goal = recv_goal(lab, req, total);
    size_t want = 0;
    ssize_t n;
    int i, cnt;
    if (s->error != 0) {
      posted += finish_recv(s, req, s->error, req->done);
      continue;
    }
    if (s->eof || s->fd < 0 || req->done >= total) {
      posted += finish_recv(s, req, s->fd < 0 ? REGIO_ENOTCONN : 0, req->done);
      continue;
    }
    if (ps->blocked & POLL_BLOCKED_RECV) break;
    cnt = regio__poll_iov(lab, req, req->done, iov);
    /* A WAITALL goal below the total (preview) reads no further than the goal, so the request
       reports exactly the first slice and the next bytes stay for the next receive. */
    if ((req->flags & REGIO_MSG_WAITALL) && goal < total) cnt = trim_iov(iov, cnt, goal - req->done);
    for (i = 0; i < cnt; i++) want += iov[i].iov_len;
    n = readv(s->fd, iov, cnt);
    if (n > 0) {
      req->done += (uint32_t)n;
      /* A short read means the socket is drained for now: let poll(2) say when to retry. */
      if ((size_t)n < want) ps->blocked |= POLL_BLOCKED_RECV;
      if (req->done >= goal) posted += finish_recv(s, req, 0, req->done);
    } else if (n == 0) {
      s->eof = true;
      posted += finish_recv(s, req, 0, req->done);
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ps->blocked |= POLL_BLOCKED_RECV;
    } else {
      s->error = stream_error(errno);
      posted += finish_recv(s, req, s->error, req->done);
    }
  }
  return posted;
}

int regio__poll_stream_send(regio_sock *s) {
  regio_lab *lab = s->lab;
  poll_sock *ps = regio__poll_state(s);
  struct iovec iov[REGIO_MAX_SLICES];
  regio_req *req;
  int posted = 0;

  while (!s->closed && (req = regio__rq_head(s->rq, REGIO_DIR_SEND)) != NULL) {
    uint32_t total = regio__poll_total(req);
    struct msghdr msg;
    ssize_t n;
    if (s->error != 0) {
      posted += regio__req_complete(req, s->error, req->done);
      continue;
    }
    if (s->fd < 0) {
      posted += regio__req_complete(req, REGIO_ENOTCONN, req->done);
      continue;
    }
    if (req->done >= total) {
      posted += regio__req_complete(req, 0, total);
      continue;
    }
    if (ps->blocked & POLL_BLOCKED_SEND) break;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)regio__poll_iov(lab, req, req->done, iov);
    n = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      req->done += (uint32_t)n;
      if (req->done >= total) posted += regio__req_complete(req, 0, total);
      else ps->blocked |= POLL_BLOCKED_SEND; /* the send buffer is full */
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ps->blocked |= POLL_BLOCKED_SEND;
    } else if (errno == EPIPE && ps->shut_send) {
      /* Our own shutdown(send): not a reset, receives carry on. */
      posted += regio__req_complete(req, REGIO_ESHUTDOWN, req->done);
    } else {
      s->error = stream_error(errno);
      posted += regio__req_complete(req, s->error, req->done);
    }
  }
  return posted;
}
