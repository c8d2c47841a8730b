/*
 * rq.c — request queues: creation against the CQs' free capacity, resize, and the submission
 * front door shared by every engine. A submission is validated in one fixed order, charged to its
 * direction (DEFER included), and either parked on the direction's deferred list or handed to the
 * engine together with everything deferred before it.
 */
#include "regio-int.h"

#include <string.h>

/* Address slices hold a SOCKADDR_INET; the flags slice a 32-bit word; the control slice at least
   an empty RIO_CMSG_BUFFER (RIO_CMSG_BASE_SIZE, 8 bytes on x64). */
#define FLAGS_SLICE_MIN 4u
#define CONTROL_SLICE_MIN 8u

static uint32_t bufs_or_one(uint32_t n) { return n == 0 ? 1 : n; }

/* Checks that the CQs can take the extra reservations (recv_delta on rcq, send_delta on scq),
   and grows their rings so that posting never allocates. Returns 0 or REGIO_ENOBUFS. */
static int reserve_check(regio_cq *rcq, int64_t recv_delta, regio_cq *scq, int64_t send_delta) {
  int rc;
  if (rcq == scq) {
    int64_t want = (int64_t)rcq->reserved + recv_delta + send_delta;
    if (want > (int64_t)rcq->size) return REGIO_ENOBUFS;
    return want > 0 ? regio__cq_reserve_ring(rcq, (uint32_t)want) : 0;
  }
  if ((int64_t)rcq->reserved + recv_delta > (int64_t)rcq->size) return REGIO_ENOBUFS;
  if ((int64_t)scq->reserved + send_delta > (int64_t)scq->size) return REGIO_ENOBUFS;
  if (recv_delta > 0 && (rc = regio__cq_reserve_ring(rcq, (uint32_t)(rcq->reserved + recv_delta))))
    return rc;
  if (send_delta > 0 && (rc = regio__cq_reserve_ring(scq, (uint32_t)(scq->reserved + send_delta))))
    return rc;
  return 0;
}

static int rq_create(regio_sock *sock, const regio_rq_limits *limits, regio_cq *recv_cq,
                    regio_cq *send_cq, uint64_t socket_ctx, regio_rq **out) {
  regio_rq *rq;
  int rc;
  if (sock == NULL || sock->closed || sock->rq != NULL || sock->type == REGIO_SOCK_LISTENER)
    return REGIO_EINVAL;
  if (limits == NULL || recv_cq == NULL || send_cq == NULL) return REGIO_EINVAL;
  if (recv_cq->closed || send_cq->closed) return REGIO_EINVAL;
  if (recv_cq->lab != sock->lab || send_cq->lab != sock->lab) return REGIO_EINVAL;
  if (limits->max_recv == 0 && limits->max_send == 0) return REGIO_EINVAL;
  rc = reserve_check(recv_cq, limits->max_recv, send_cq, limits->max_send);
  if (rc) return rc;
  rq = &sock->rq_storage;
  memset(rq, 0, sizeof(*rq));
  rq->sock = sock;
  rq->socket_ctx = socket_ctx;
  rq->dir[REGIO_DIR_RECEIVE].limit = limits->max_recv;
  rq->dir[REGIO_DIR_RECEIVE].bufs = bufs_or_one(limits->max_recv_bufs);
  rq->dir[REGIO_DIR_RECEIVE].cq = recv_cq;
  rq->dir[REGIO_DIR_SEND].limit = limits->max_send;
  rq->dir[REGIO_DIR_SEND].bufs = bufs_or_one(limits->max_send_bufs);
  rq->dir[REGIO_DIR_SEND].cq = send_cq;
  recv_cq->reserved += limits->max_recv;
  send_cq->reserved += limits->max_send;
  recv_cq->refs++;
  send_cq->refs++;
  rq->reservation_held = true;
  sock->rq = rq;
  *out = rq;
  return 0;
}

int regio_rq_create(regio_sock *sock, const regio_rq_limits *limits, regio_cq *recv_cq,
                    regio_cq *send_cq, uint64_t socket_ctx, regio_rq **out) {
  if (sock && REGIO_NATIVE(sock->lab))
    return REGIO_NATIVE(sock->lab)->rq_create(sock, limits, recv_cq, send_cq, socket_ctx, out);
  int rc = rq_create(sock, limits, recv_cq, send_cq, socket_ctx, out);
  if (sock && limits)
    REGIO_TRACE(sock->lab, REGIO_TRACE_RQ_CREATE, sock, recv_cq, rc, limits->max_recv, 2,
                limits->max_send, 0);
  return rc;
}

static int rq_resize(regio_rq *rq, uint32_t max_recv, uint32_t max_send) {
  regio_rq_dir *r = &rq->dir[REGIO_DIR_RECEIVE], *s = &rq->dir[REGIO_DIR_SEND];
  int rc;
  if (rq->sock->closed || r->cq->closed || s->cq->closed) return REGIO_EINVAL;
  if (max_recv == 0 && max_send == 0) return REGIO_EINVAL;
  if (max_recv < r->charged || max_send < s->charged) return REGIO_ETOOMANYREFS;
  rc = reserve_check(r->cq, (int64_t)max_recv - r->limit, s->cq, (int64_t)max_send - s->limit);
  if (rc) return rc;
  r->cq->reserved = r->cq->reserved - r->limit + max_recv;
  s->cq->reserved = s->cq->reserved - s->limit + max_send;
  r->limit = max_recv;
  s->limit = max_send;
  return 0;
}

int regio_rq_resize(regio_rq *rq, uint32_t max_recv, uint32_t max_send) {
  if (REGIO_NATIVE(rq->sock->lab))
    return REGIO_NATIVE(rq->sock->lab)->rq_resize(rq, max_recv, max_send);
  int rc = rq_resize(rq, max_recv, max_send);
  REGIO_TRACE(rq->sock->lab, REGIO_TRACE_RQ_RESIZE, rq->sock, rq->dir[0].cq, rc, max_recv, 2,
              max_send, 0);
  return rc;
}

/* Hands a request to the engine: it joins the direction's started queue. */
static void start_one(regio_rq *rq, regio_req *req) {
  regio_sock *sock = rq->sock;
  regio__queue_push(&rq->dir[req->dir].started, req);
  if (sock->lab->ops->started) sock->lab->ops->started(sock, req);
}

/* Starts every deferred request of a direction, in the order they were submitted; returns how
   many. */
static uint32_t flush_deferred(regio_rq *rq, regio_direction dir) {
  regio_req *req;
  uint32_t n = 0;
  while ((req = regio__queue_pop(&rq->dir[dir].deferred)) != NULL) start_one(rq, req), n++;
  return n;
}

/* Returns the bytes a request's slices name (for traces). */
static uint32_t total_length(const regio_slice *slices, uint32_t n) {
  uint64_t t = 0;
  uint32_t i;
  for (i = 0; i < n; i++) t += slices[i].length;
  return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static bool ex_any(const regio_ex_slices *ex) {
  return ex && (ex->local || ex->remote || ex->control || ex->flags);
}

/* Checks one optional extra slice: registered (EFAULT), in range and long enough (EINVAL). */
static int check_extra(regio_lab *lab, const regio_slice *s, uint32_t min_len) {
  return s ? regio__buf_check(lab, s, min_len) : 0;
}

/* The submission front door (RIOReceive, RIOSend and their Ex forms). */
static int submit_checked(regio_rq *rq, regio_direction dir, const regio_slice *slices, uint32_t n,
                  const regio_ex_slices *ex, uint32_t flags, uint64_t ctx) {
  regio_sock *sock = rq->sock;
  regio_lab *lab = sock->lab;
  regio_rq_dir *d = &rq->dir[dir];
  regio_req *req;
  uint32_t i, max_slices;
  int rc;

  /* 1. The RQ must be usable: socket open, CQ of this direction open. */
  if (sock->closed || d->cq->closed) return REGIO_EINVAL;
  /* 2. Flags valid for the direction. */
  if (flags & ~REGIO_MSG_ALL) return REGIO_EINVAL;
  if ((flags & REGIO_MSG_WAITALL) && (dir == REGIO_DIR_SEND || sock->type != REGIO_SOCK_TCP))
    return REGIO_EINVAL;
  /* 3. COMMIT_ONLY: no data, no extra slices, no context, no other flag. */
  if (flags & REGIO_MSG_COMMIT_ONLY) {
    if (flags != REGIO_MSG_COMMIT_ONLY || n != 0 || slices != NULL || ex_any(ex) || ctx != 0)
      return REGIO_EINVAL;
    uint32_t started = flush_deferred(rq, dir);
    REGIO_TRACE(lab, REGIO_TRACE_COMMIT, sock, d->cq, 0, started, dir, flags, 0);
    return 0;
  }
  /* 4. The slice count: the profile, the RQ's data-buffer limit, and NULL data only on UDP. */
  max_slices = lab->profile == REGIO_PROFILE_WINDOWS ? 1 : d->bufs;
  if (max_slices > REGIO_MAX_SLICES) max_slices = REGIO_MAX_SLICES;
  if (n > max_slices) return REGIO_EINVAL;
  if (n > 0 && slices == NULL) return REGIO_EINVAL;
  if (n == 0 && sock->type != REGIO_SOCK_UDP) return REGIO_EINVAL;
  if (dir == REGIO_DIR_SEND && ex && ex->local) return REGIO_EINVAL;
  /* 5. Buffer ids registered (EFAULT), then 6. ranges and sizes (EINVAL). */
  for (i = 0; i < n; i++)
    if ((rc = regio__buf_check(lab, &slices[i], 0)) == REGIO_EFAULT) return rc;
  if (ex) {
    const regio_slice *extra[4] = {ex->local, ex->remote, ex->control, ex->flags};
    for (i = 0; i < 4; i++)
      if (extra[i] && regio__buf_check(lab, extra[i], 0) == REGIO_EFAULT) return REGIO_EFAULT;
  }
  for (i = 0; i < n; i++) {
    if ((rc = regio__buf_check(lab, &slices[i], 0)) != 0) return rc;
    /* A zero-length slice cannot receive anything; an empty datagram may be sent. */
    if (slices[i].length == 0 && (dir == REGIO_DIR_RECEIVE || sock->type == REGIO_SOCK_TCP))
      return REGIO_EINVAL;
  }
  if (ex) {
    if ((rc = check_extra(lab, ex->local, REGIO_SOCKADDR_INET_SIZE)) ||
        (rc = check_extra(lab, ex->remote, REGIO_SOCKADDR_INET_SIZE)) ||
        (rc = check_extra(lab, ex->control, CONTROL_SLICE_MIN)) ||
        (rc = check_extra(lab, ex->flags, FLAGS_SLICE_MIN)))
      return rc;
  }
  /* 7. Capacity: a slot of this direction (a zero limit has none). */
  if (d->charged >= d->limit) return REGIO_ENOBUFS;

  req = regio__req_alloc(lab, n);
  if (req == NULL) return REGIO_ENOMEM;
  req->rq = rq;
  req->dir = (uint8_t)dir;
  req->flags = flags;
  req->ctx = ctx;
  if (n) memcpy(req->slices, slices, sizeof(*slices) * n);
  if (ex) {
    if (ex->local) req->has_local = 1, req->local = *ex->local;
    if (ex->remote) req->has_remote = 1, req->remote = *ex->remote;
    if (ex->control) req->has_control = 1, req->control = *ex->control;
    if (ex->flags) req->has_flags = 1, req->flagsbuf = *ex->flags;
  }
  regio__req_use_buffers(lab, req, +1);
  d->charged++;
  lab->live_reqs++;
  REGIO_TRACE(lab, REGIO_TRACE_SUBMIT, sock, d->cq, 0, total_length(slices, n), dir, flags, ctx);
  if (flags & REGIO_MSG_DEFER) {
    regio__queue_push(&d->deferred, req);
  } else {
    flush_deferred(rq, dir);
    start_one(rq, req);
  }
  return 0;
}

/* Runs a submission and records a refusal in the trace. */
static int submit(regio_rq *rq, regio_direction dir, const regio_slice *slices, uint32_t n,
                  const regio_ex_slices *ex, uint32_t flags, uint64_t ctx) {
  int rc = submit_checked(rq, dir, slices, n, ex, flags, ctx);
  if (rc < 0)
    REGIO_TRACE(rq->sock->lab, REGIO_TRACE_REFUSE, rq->sock, rq->dir[dir].cq, rc, 0, dir, flags,
                ctx);
  return rc;
}

int regio_rq_receive(regio_rq *rq, const regio_slice *slices, uint32_t n, uint32_t flags,
                     uint64_t ctx) {
  if (REGIO_NATIVE(rq->sock->lab))
    return REGIO_NATIVE(rq->sock->lab)->rq_submit(rq, REGIO_DIR_RECEIVE, slices, n, NULL, flags,
                                                  ctx);
  return submit(rq, REGIO_DIR_RECEIVE, slices, n, NULL, flags, ctx);
}

int regio_rq_send(regio_rq *rq, const regio_slice *slices, uint32_t n, uint32_t flags,
                  uint64_t ctx) {
  if (REGIO_NATIVE(rq->sock->lab))
    return REGIO_NATIVE(rq->sock->lab)->rq_submit(rq, REGIO_DIR_SEND, slices, n, NULL, flags, ctx);
  return submit(rq, REGIO_DIR_SEND, slices, n, NULL, flags, ctx);
}

int regio_rq_receive_ex(regio_rq *rq, const regio_slice *slices, uint32_t n,
                        const regio_ex_slices *ex, uint32_t flags, uint64_t ctx) {
  if (REGIO_NATIVE(rq->sock->lab))
    return REGIO_NATIVE(rq->sock->lab)->rq_submit(rq, REGIO_DIR_RECEIVE, slices, n, ex, flags, ctx);
  return submit(rq, REGIO_DIR_RECEIVE, slices, n, ex, flags, ctx);
}

int regio_rq_send_ex(regio_rq *rq, const regio_slice *slices, uint32_t n,
                     const regio_ex_slices *ex, uint32_t flags, uint64_t ctx) {
  if (REGIO_NATIVE(rq->sock->lab))
    return REGIO_NATIVE(rq->sock->lab)->rq_submit(rq, REGIO_DIR_SEND, slices, n, ex, flags, ctx);
  return submit(rq, REGIO_DIR_SEND, slices, n, ex, flags, ctx);
}

int regio_rq_commit(regio_rq *rq, regio_direction dir) {
  if (REGIO_NATIVE(rq->sock->lab)) return REGIO_NATIVE(rq->sock->lab)->rq_commit(rq, dir);
  if (dir != REGIO_DIR_RECEIVE && dir != REGIO_DIR_SEND) return REGIO_EINVAL;
  return submit(rq, dir, NULL, 0, NULL, REGIO_MSG_COMMIT_ONLY, 0);
}

uint32_t regio_rq_limit(const regio_rq *rq, regio_direction dir) {
  if (REGIO_NATIVE(rq->sock->lab)) return REGIO_NATIVE(rq->sock->lab)->rq_limit(rq, dir);
  return rq->dir[dir].limit;
}
uint32_t regio_rq_charged(const regio_rq *rq, regio_direction dir) {
  if (REGIO_NATIVE(rq->sock->lab)) return REGIO_NATIVE(rq->sock->lab)->rq_charged(rq, dir);
  return rq->dir[dir].charged;
}
uint32_t regio_rq_deferred(const regio_rq *rq, regio_direction dir) {
  if (REGIO_NATIVE(rq->sock->lab)) return REGIO_NATIVE(rq->sock->lab)->rq_deferred(rq, dir);
  return rq->dir[dir].deferred.count;
}
int regio_rq_usable(const regio_rq *rq) {
  if (REGIO_NATIVE(rq->sock->lab)) return REGIO_NATIVE(rq->sock->lab)->rq_usable(rq);
  return rq->sock->closed ? 0 : 1;
}

/* Completes every outstanding request with ECANCELED: per direction, the started ones (oldest
   first) and then the deferred ones, which were all submitted later. Called at socket close,
   after the engine forgot the socket. */
void regio__rq_cancel_all(regio_rq *rq) {
  int dir;
  for (dir = 0; dir < 2; dir++) {
    regio_rq_dir *d = &rq->dir[dir];
    regio_req_queue q = d->started;
    regio_req *req;
    /* Append the deferred list to the started list, then detach both. */
    while ((req = regio__queue_pop(&d->deferred)) != NULL) regio__queue_push(&q, req);
    memset(&d->started, 0, sizeof(d->started));
    while ((req = regio__queue_pop(&q)) != NULL) {
      regio_result res;
      res.status = REGIO_ECANCELED;
      res.bytes = 0;
      res.socket_ctx = rq->socket_ctx;
      res.request_ctx = req->ctx;
      regio__cq_post(d->cq, req, &res, (req->flags & REGIO_MSG_DONT_NOTIFY) == 0);
    }
  }
}

/* Once the socket is closed and nothing is charged, the RQ gives back its CQ reservation and its
   CQ references, and the socket's memory is freed. */
void regio__rq_maybe_free(regio_rq *rq) {
  regio_sock *sock = rq->sock;
  if (!sock->closed || sock->busy > 0) return;
  if (rq->dir[0].charged > 0 || rq->dir[1].charged > 0) return;
  regio__sock_maybe_free(sock);
}
