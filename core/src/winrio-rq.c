/*
 * winrio-rq.c — request queues on winrio: RIOCreateRequestQueue, RIOResizeRequestQueue,
 * RIOSend(Ex) and RIOReceive(Ex), and the unwrapping of dequeued results.
 *
 * Windows judges every argument. regio adds two things that keep the process safe:
 *  - each accepted request gets a small record whose address is RIO's RequestContext; the record
 *    pins the buffers the request uses until its result is dequeued (or the lab closes), and
 *    dequeue maps it back to the caller's 64-bit context;
 *  - once the socket is closed (closesocket destroys the RIO_RQ), the RQ refuses every call with
 *    EINVAL instead of handing a dead handle to RIO.
 */
#include "winrio-int.h"

#include <stdlib.h>
#include <string.h>

static winrio_rq *rq_of(const regio_rq *rq) { return REGIO_CONTAINER_OF(rq, winrio_rq, base); }

static RIO_CQ rio_cq(const regio_cq *cq) {
  return cq ? REGIO_CONTAINER_OF(cq, winrio_cq, base)->rio : RIO_INVALID_CQ;
}

int winrio__rq_create(regio_sock *sock, const regio_rq_limits *limits, regio_cq *recv_cq,
                      regio_cq *send_cq, uint64_t socket_ctx, regio_rq **out) {
  winrio_lab *wl = winrio__lab(sock->lab);
  winrio_sock *ws = winrio__sock(sock);
  winrio_rq *rq;
  /* A closed socket's handle is gone; a closed CQ's pointer is invalid (regio.h), as in RIO. */
  if (sock->closed || ws == NULL || limits == NULL || out == NULL) return REGIO_EINVAL;
  rq = regio__calloc(1, sizeof(*rq));
  if (rq == NULL) return REGIO_ENOMEM;
  /* A *_bufs of 0 is taken as 1 (regio.h); RIO judges the rest, a second RQ included. */
  rq->rio = wl->rio->RIOCreateRequestQueue(
      ws->s, limits->max_recv, limits->max_recv_bufs ? limits->max_recv_bufs : 1,
      limits->max_send, limits->max_send_bufs ? limits->max_send_bufs : 1, rio_cq(recv_cq),
      rio_cq(send_cq), (PVOID)(uintptr_t)socket_ctx);
  if (rq->rio == RIO_INVALID_RQ) {
    int rc = winrio__from_wsa(WSAGetLastError());
    regio__free(rq);
    return rc ? rc : REGIO_EINVAL;
  }
  rq->base.sock = sock;
  rq->base.socket_ctx = socket_ctx;
  rq->cq[REGIO_DIR_RECEIVE] = recv_cq;
  rq->cq[REGIO_DIR_SEND] = send_cq;
  rq->limit[REGIO_DIR_RECEIVE] = limits->max_recv;
  rq->limit[REGIO_DIR_SEND] = limits->max_send;
  /* The socket's memory stays while the RQ exists, so rq->sock->lab always works. */
  sock->busy++;
  if (ws->rq == NULL) ws->rq = rq;
  rq->next = wl->rqs;
  if (wl->rqs) wl->rqs->prev = rq;
  wl->rqs = rq;
  *out = &rq->base;
  return 0;
}

int winrio__rq_resize(regio_rq *rq, uint32_t max_recv, uint32_t max_send) {
  winrio_rq *wrq = rq_of(rq);
  if (wrq->sock_closed) return REGIO_EINVAL;
  if (!winrio__lab(rq->sock->lab)->rio->RIOResizeRequestQueue(wrq->rio, max_recv, max_send))
    return winrio__from_wsa(WSAGetLastError());
  wrq->limit[REGIO_DIR_RECEIVE] = max_recv;
  wrq->limit[REGIO_DIR_SEND] = max_send;
  return 0;
}

/* Records an accepted request until its result is dequeued. */
static void req_accepted(winrio_lab *wl, winrio_req *req) {
  req->next = wl->reqs;
  if (wl->reqs) wl->reqs->prev = req;
  wl->reqs = req;
  wl->live_reqs++;
  req->rq->charged[req->dir]++;
}

/* Calls the RIO submission function of the direction. Returns true when RIO accepted it. */
static bool rio_submit(winrio_lab *wl, winrio_rq *rq, regio_direction dir, RIO_BUF *data,
                       uint32_t n, RIO_BUF *ex[4], bool use_ex, uint32_t flags, PVOID ctx) {
  const RIO_EXTENSION_FUNCTION_TABLE *t = wl->rio;
  if (dir == REGIO_DIR_RECEIVE) {
    if (use_ex)
      return t->RIOReceiveEx(rq->rio, data, n, ex[0], ex[1], ex[2], ex[3], flags, ctx) != 0;
    return t->RIOReceive(rq->rio, data, n, flags, ctx) != FALSE;
  }
  if (use_ex) return t->RIOSendEx(rq->rio, data, n, ex[0], ex[1], ex[2], ex[3], flags, ctx) != 0;
  return t->RIOSend(rq->rio, data, n, flags, ctx) != FALSE;
}

int winrio__rq_submit(regio_rq *rq, regio_direction dir, const regio_slice *slices, uint32_t n,
                      const regio_ex_slices *ex, uint32_t flags, uint64_t ctx) {
  winrio_rq *wrq = rq_of(rq);
  winrio_lab *wl = winrio__lab(rq->sock->lab);
  RIO_BUF data[REGIO_MAX_SLICES], extra[4], *pex[4] = {NULL, NULL, NULL, NULL};
  winrio_req *req = NULL;
  uint32_t i;
  int err;

  if (wrq->sock_closed) return REGIO_EINVAL;
  /* The slice array is read here only; more than regio's own cap never reaches RIO. */
  if (n > REGIO_MAX_SLICES || (n > 0 && slices == NULL)) return REGIO_EINVAL;
  for (i = 0; i < n; i++) winrio__buf_rio(wl, &slices[i], &data[i]);
  if (ex) {
    const regio_slice *in[4] = {ex->local, ex->remote, ex->control, ex->flags};
    for (i = 0; i < 4; i++) {
      if (in[i] == NULL) continue;
      winrio__buf_rio(wl, in[i], &extra[i]);
      pex[i] = &extra[i];
    }
  }
  /* COMMIT_ONLY never produces a completion: the context goes to RIO as given. */
  if ((flags & REGIO_MSG_COMMIT_ONLY) == 0) {
    req = regio__calloc(1, sizeof(*req));
    if (req == NULL) return REGIO_ENOMEM;
    req->rq = wrq;
    req->dir = (uint8_t)dir;
    req->ctx = ctx;
    for (i = 0; i < n; i++) req->ids[req->nids++] = slices[i].id; /* n <= REGIO_MAX_SLICES */
    if (ex) {
      const regio_slice *in[4] = {ex->local, ex->remote, ex->control, ex->flags};
      for (i = 0; i < 4; i++)
        if (in[i]) req->ids[req->nids++] = in[i]->id;
    }
    /* Pin before RIO may touch the memory. */
    for (i = 0; i < req->nids; i++) winrio__buf_use(wl, req->ids[i], +1);
  }
  /* FALSE with WSA_IO_PENDING is listed in RIOSend's table as "started": accepted too
     (RIO-SPEC §3.10). */
  if (rio_submit(wl, wrq, dir, n ? data : NULL, n, pex, ex != NULL, flags,
                 req ? (PVOID)req : (PVOID)(uintptr_t)ctx) ||
      (err = WSAGetLastError()) == WSA_IO_PENDING) {
    if (req) req_accepted(wl, req);
    return 0;
  }
  if (req) {
    for (i = 0; i < req->nids; i++) winrio__buf_use(wl, req->ids[i], -1);
    regio__free(req);
  }
  err = winrio__from_wsa(err);
  return err ? err : REGIO_EINVAL;
}

int winrio__rq_commit(regio_rq *rq, regio_direction dir) {
  if (dir != REGIO_DIR_RECEIVE && dir != REGIO_DIR_SEND) return REGIO_EINVAL;
  return winrio__rq_submit(rq, dir, NULL, 0, NULL, REGIO_MSG_COMMIT_ONLY, 0);
}

void winrio__result(winrio_lab *wl, const RIORESULT *in, regio_result *out) {
  winrio_req *req = (winrio_req *)(uintptr_t)in->RequestContext;
  uint32_t i;
  out->status = in->Status == 0 ? 0 : winrio__from_wsa((int)in->Status);
  out->bytes = in->BytesTransferred;
  out->socket_ctx = in->SocketContext;
  out->request_ctx = 0;
  if (req == NULL) return;
  out->request_ctx = req->ctx;
  for (i = 0; i < req->nids; i++) winrio__buf_use(wl, req->ids[i], -1);
  if (req->rq->charged[req->dir] > 0) req->rq->charged[req->dir]--;
  if (req->prev) req->prev->next = req->next;
  else wl->reqs = req->next;
  if (req->next) req->next->prev = req->prev;
  wl->live_reqs--;
  regio__free(req);
}

uint32_t winrio__rq_limit(const regio_rq *rq, regio_direction dir) {
  return rq_of(rq)->limit[dir];
}

uint32_t winrio__rq_charged(const regio_rq *rq, regio_direction dir) {
  return rq_of(rq)->charged[dir];
}

/* RIO keeps its DEFER lists to itself: always 0 on winrio. */
uint32_t winrio__rq_deferred(const regio_rq *rq, regio_direction dir) {
  (void)rq;
  (void)dir;
  return 0;
}

int winrio__rq_usable(const regio_rq *rq) { return rq_of(rq)->sock_closed ? 0 : 1; }

regio_rq *winrio__sock_rq(const regio_sock *sock) {
  winrio_sock *ws = winrio__sock(sock);
  return ws && ws->rq ? &ws->rq->base : NULL;
}

void winrio__rq_sock_closed(winrio_rq *rq) { rq->sock_closed = true; }

void winrio__rq_close_all(regio_lab *lab) {
  winrio_lab *wl = winrio__lab(lab);
  while (wl->rqs) {
    winrio_rq *rq = wl->rqs;
    regio_sock *sock = rq->base.sock;
    wl->rqs = rq->next;
    regio__free(rq);
    sock->busy--;
    regio__sock_maybe_free(sock);
  }
}

void winrio__lab_stats(const regio_lab *lab, regio_lab_stats *st) {
  const winrio_lab *wl = winrio__lab(lab);
  const regio_sock *s;
  const winrio_cq *cq;
  const winrio_port *p;
  memset(st, 0, sizeof(*st));
  for (s = lab->socks; s; s = s->next) st->sockets += s->closed ? 0 : 1;
  for (cq = wl->cqs; cq; cq = cq->next) st->cqs++;
  for (p = wl->ports; p; p = p->next) st->ports++;
  st->buffers = wl->live_bufs;
  st->requests = wl->live_reqs;
}
