/*
 * req.c — accepted requests: allocation from the lab's free list, the FIFO queues that hold them,
 * and their release, which returns the RQ slot and the buffer uses they charged.
 */
#include "regio-int.h"

#include <stdlib.h>
#include <string.h>

void regio__queue_push(regio_req_queue *q, regio_req *req) {
  req->next = NULL;
  if (q->tail) q->tail->next = req;
  else q->head = req;
  q->tail = req;
  q->count++;
}

regio_req *regio__queue_pop(regio_req_queue *q) {
  regio_req *req = q->head;
  if (req == NULL) return NULL;
  q->head = req->next;
  if (q->head == NULL) q->tail = NULL;
  q->count--;
  req->next = NULL;
  return req;
}

/* Takes a request object from the free list (or the heap) with room for n slices. Returns NULL
   when memory is exhausted. */
regio_req *regio__req_alloc(regio_lab *lab, uint32_t n) {
  regio_req *req = lab->free_reqs;
  if (req) {
    lab->free_reqs = req->next;
  } else {
    req = regio__malloc(sizeof(*req));
    if (req == NULL) return NULL;
  }
  memset(req, 0, sizeof(*req));
  req->slices = req->inline_slices;
  if (n > 1) {
    req->slices = regio__malloc(sizeof(regio_slice) * n);
    if (req->slices == NULL) {
      req->next = lab->free_reqs;
      lab->free_reqs = req;
      return NULL;
    }
  }
  req->nslices = n;
  return req;
}

/* Returns a request object to the free list. */
static void req_free(regio_lab *lab, regio_req *req) {
  if (req->slices != req->inline_slices) regio__free(req->slices);
  req->slices = NULL;
  req->next = lab->free_reqs;
  lab->free_reqs = req;
}

/* Frees the lab's free list (at lab close). */
void regio__req_free_list(regio_lab *lab) {
  while (lab->free_reqs) {
    regio_req *next = lab->free_reqs->next;
    regio__free(lab->free_reqs);
    lab->free_reqs = next;
  }
}

/* Applies delta to the in-flight count of every buffer a request uses. */
void regio__req_use_buffers(regio_lab *lab, const regio_req *req, int delta) {
  uint32_t i;
  for (i = 0; i < req->nslices; i++) regio__buf_use(lab, req->slices[i].id, delta);
  if (req->has_local) regio__buf_use(lab, req->local.id, delta);
  if (req->has_remote) regio__buf_use(lab, req->remote.id, delta);
  if (req->has_control) regio__buf_use(lab, req->control.id, delta);
  if (req->has_flags) regio__buf_use(lab, req->flagsbuf.id, delta);
}

void regio__req_release(regio_req *req, const regio_result *res, bool dropped) {
  regio_rq *rq = req->rq;
  regio_lab *lab = rq->sock->lab;
  rq->dir[req->dir].charged--;
  lab->live_reqs--;
  regio__req_use_buffers(lab, req, -1);
  req_free(lab, req);
  if (dropped && lab->release_fn) lab->release_fn(lab->release_ud, res);
  regio__rq_maybe_free(rq);
}

int regio__req_complete(regio_req *req, int status, uint32_t bytes) {
  regio_rq *rq = req->rq;
  regio_rq_dir *d = &rq->dir[req->dir];
  regio_result res;
  regio_req *head = regio__queue_pop(&d->started);
  (void)head; /* Engines complete the oldest started request of a direction: head == req. */
  res.status = status;
  res.bytes = bytes;
  res.socket_ctx = rq->socket_ctx;
  res.request_ctx = req->ctx;
  regio__cq_post(d->cq, req, &res, (req->flags & REGIO_MSG_DONT_NOTIFY) == 0);
  return 1;
}
