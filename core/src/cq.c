/*
 * cq.c — completion queues: RIO's fixed-size result FIFO, the capacity the attached RQs reserve,
 * resize, close (later completions are dropped), dequeue, and the one-shot notify state machine
 * with its event and IOCP-style forms.
 *
 * Invariant: queued <= sum of charged requests of the attached RQs <= reserved <= size, and the
 * ring's allocation is always at least the reservation, so posting a result never allocates and a
 * CQ can never overflow (RIO-SPEC §4.2).
 */
#include "regio-int.h"

#include <stdlib.h>
#include <string.h>

/* The ring is allocated for the reservation, not the logical size: a CQ of 0x8000000 entries
   costs nothing until RQs reserve that much. */
#define CQ_MIN_RING 16u

static uint32_t cq_cap(const regio_cq *cq) { return cq->ring_cap; }

/* Grows the ring so that it holds at least need entries, keeping queued entries in order.
   Returns 0 or REGIO_ENOBUFS. */
int regio__cq_reserve_ring(regio_cq *cq, uint32_t need) {
  uint32_t cap = cq_cap(cq), i;
  regio_cq_entry *ring;
  if (need <= cap) return 0;
  if (cap < CQ_MIN_RING) cap = CQ_MIN_RING;
  while (cap < need) cap = cap > 0x40000000u ? need : cap * 2;
  ring = regio__malloc(sizeof(*ring) * cap);
  if (ring == NULL) return REGIO_ENOBUFS;
  /* Copy the queued entries in FIFO order to the start of the new ring. */
  for (i = 0; i < cq->count; i++) ring[i] = cq->ring[(cq->head + i) % cq->ring_cap];
  regio__free(cq->ring);
  cq->ring = ring;
  cq->ring_cap = cap;
  cq->head = 0;
  return 0;
}

int regio_cq_create(regio_lab *lab, uint32_t size, const regio_notify *how, regio_cq **out) {
  if (REGIO_NATIVE(lab)) return REGIO_NATIVE(lab)->cq_create(lab, size, how, out);
  regio_cq *cq;
  if (size == 0 || size > REGIO_MAX_CQ_SIZE) return REGIO_EINVAL;
  if (how) {
    switch (how->kind) {
    case REGIO_NOTIFY_NONE: break;
    case REGIO_NOTIFY_EVENT: break;
    case REGIO_NOTIFY_IOCP:
      if (how->port == NULL || how->port->closed || how->overlapped == 0) return REGIO_EINVAL;
      break;
    default: return REGIO_EINVAL;
    }
  }
  cq = regio__calloc(1, sizeof(*cq));
  if (cq == NULL) return REGIO_ENOBUFS;
  if (regio__cq_reserve_ring(cq, CQ_MIN_RING) != 0) {
    regio__free(cq);
    return REGIO_ENOBUFS;
  }
  cq->lab = lab;
  cq->id = ++lab->next_cq_id;
  cq->refs = 1;
  cq->size = size;
  if (how) cq->how = *how;
  else cq->how.kind = REGIO_NOTIFY_NONE;
  if (cq->how.kind == REGIO_NOTIFY_IOCP) cq->how.port->refs++;
  cq->next = lab->cqs;
  if (lab->cqs) lab->cqs->prev = cq;
  lab->cqs = cq;
  REGIO_TRACE(lab, REGIO_TRACE_CQ_CREATE, NULL, cq, 0, size, 2, 0, 0);
  *out = cq;
  return 0;
}

/* Frees a CQ once it is closed and no RQ references it. */
void regio__cq_unref(regio_cq *cq) {
  regio_lab *lab = cq->lab;
  if (--cq->refs > 0) return;
  if (cq->prev) cq->prev->next = cq->next;
  else lab->cqs = cq->next;
  if (cq->next) cq->next->prev = cq->prev;
  regio__free(cq->ring);
  regio__free(cq);
}

/* Fires the armed notification: sets the event or queues the port packet. */
static void cq_fire(regio_cq *cq) {
  cq->armed = false;
  REGIO_TRACE(cq->lab, REGIO_TRACE_FIRE, NULL, cq, 0, 0, 2, 0, 0);
  if (cq->how.kind == REGIO_NOTIFY_EVENT) cq->event_signalled = true;
  else if (cq->how.kind == REGIO_NOTIFY_IOCP)
    regio__port_fire(cq->how.port, cq->how.key, cq->how.overlapped);
}

void regio__cq_post(regio_cq *cq, regio_req *req, const regio_result *res, bool notify) {
  regio_cq_entry *e;
  if (cq->closed) {
    REGIO_TRACE(cq->lab, REGIO_TRACE_DROP, req->rq->sock, cq, res->status, res->bytes, req->dir,
                req->flags, req->ctx);
    regio__req_release(req, res, true);
    return;
  }
  /* The reservation guarantees room (see the invariant above). */
  e = &cq->ring[(cq->head + cq->count) % cq->ring_cap];
  e->res = *res;
  e->req = req;
  e->notify = notify;
  cq->count++;
  REGIO_TRACE(cq->lab, REGIO_TRACE_COMPLETE, req->rq->sock, cq, res->status, res->bytes, req->dir,
              req->flags, req->ctx);
  if (notify) {
    cq->notifiable++;
    if (cq->armed) cq_fire(cq);
  }
}

static int cq_resize(regio_cq *cq, uint32_t size) {
  if (cq->closed) return REGIO_EINVAL;
  if (size == 0 || size > REGIO_MAX_CQ_SIZE) return REGIO_EINVAL;
  if (size < cq->reserved || size < cq->count) return REGIO_ETOOMANYREFS;
  cq->size = size;
  return 0;
}

int regio_cq_resize(regio_cq *cq, uint32_t size) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_resize(cq, size);
  int rc = cq_resize(cq, size);
  REGIO_TRACE(cq->lab, REGIO_TRACE_CQ_RESIZE, NULL, cq, rc, size, 2, 0, 0);
  return rc;
}

/* Removes the oldest entry and releases its request. */
static void cq_take(regio_cq *cq, regio_result *out, bool dropped) {
  regio_cq_entry e = cq->ring[cq->head];
  cq->head = (cq->head + 1) % cq->ring_cap;
  cq->count--;
  if (e.notify) cq->notifiable--;
  if (out) *out = e.res;
  regio__req_release(e.req, &e.res, dropped);
}

void regio_cq_close(regio_cq *cq) {
  if (cq && REGIO_NATIVE(cq->lab)) {
    REGIO_NATIVE(cq->lab)->cq_close(cq);
    return;
  }
  if (cq == NULL || cq->closed) return;
  REGIO_TRACE(cq->lab, REGIO_TRACE_CQ_CLOSE, NULL, cq, 0, cq->count, 2, 0, 0);
  cq->closed = true;
  cq->armed = false;
  cq->refs++; /* Hold the CQ while releases may drop RQ references to it. */
  while (cq->count > 0) cq_take(cq, NULL, true);
  if (cq->how.kind == REGIO_NOTIFY_IOCP) {
    regio__port_unref(cq->how.port);
    cq->how.port = NULL;
  }
  regio__cq_unref(cq); /* the hold */
  regio__cq_unref(cq); /* the owner's reference */
}

static int cq_notify(regio_cq *cq) {
  if (cq->closed || cq->how.kind == REGIO_NOTIFY_NONE) return REGIO_EINVAL;
  if (cq->armed) return REGIO_EALREADY;
  if (cq->how.kind == REGIO_NOTIFY_EVENT && cq->how.reset) cq->event_signalled = false;
  cq->armed = true;
  return 0;
}

int regio_cq_notify(regio_cq *cq) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_notify(cq);
  int rc = cq_notify(cq);
  REGIO_TRACE(cq->lab, REGIO_TRACE_NOTIFY, NULL, cq, rc, 0, 2, 0, 0);
  /* Armed with a notifiable result already queued: fire now (RIO-SPEC §4.4). */
  if (rc == 0 && cq->notifiable > 0) cq_fire(cq);
  return rc;
}

int regio_cq_dequeue(regio_cq *cq, regio_result *out, uint32_t max) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_dequeue(cq, out, max);
  regio_lab *lab = cq->lab;
  uint32_t n = 0;
  int rc;
  if (cq->closed) return REGIO_ECORRUPT;
  if (max == 0 || out == NULL) return 0;
  rc = lab->ops->poll(lab, 0, NULL, 0);
  if (rc < 0 && rc != REGIO_EAGAIN) return rc;
  while (n < max && cq->count > 0) cq_take(cq, &out[n++], false);
  if (n > 0) REGIO_TRACE(lab, REGIO_TRACE_DEQUEUE, NULL, cq, 0, n, 2, 0, 0);
  return (int)n;
}

int regio_cq_wait(regio_cq *cq, int timeout_ms) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_wait(cq, timeout_ms);
  regio_lab *lab = cq->lab;
  uint64_t deadline;
  if (cq->closed || cq->how.kind != REGIO_NOTIFY_EVENT) return REGIO_EINVAL;
  if (timeout_ms < 0) timeout_ms = 0;
  deadline = lab->ops->now(lab) + (uint64_t)timeout_ms * 1000000u;
  for (;;) {
    uint64_t now;
    int rc = lab->ops->poll(lab, 0, NULL, 0);
    if (rc < 0 && rc != REGIO_EAGAIN) return rc;
    if (cq->event_signalled) return 1;
    now = lab->ops->now(lab);
    if (now >= deadline) return 0;
    rc = lab->ops->poll(lab, (int)((deadline - now + 999999u) / 1000000u), NULL, 0);
    if (rc < 0 && rc != REGIO_EAGAIN) return rc;
    if (cq->event_signalled) return 1;
  }
}

int regio_cq_event_set(regio_cq *cq) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_event_set(cq);
  if (cq->closed || cq->how.kind != REGIO_NOTIFY_EVENT) return REGIO_EINVAL;
  cq->event_signalled = true;
  return 0;
}

int regio_cq_event_reset(regio_cq *cq) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_event_reset(cq);
  if (cq->closed || cq->how.kind != REGIO_NOTIFY_EVENT) return REGIO_EINVAL;
  cq->event_signalled = false;
  return 0;
}

int regio_cq_event_state(const regio_cq *cq) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_event_state(cq);
  if (cq->closed || cq->how.kind != REGIO_NOTIFY_EVENT) return REGIO_EINVAL;
  return cq->event_signalled ? 1 : 0;
}

uint32_t regio_cq_size(const regio_cq *cq) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_size(cq);
  return cq->size;
}
uint32_t regio_cq_queued(const regio_cq *cq) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_queued(cq);
  return cq->count;
}
uint32_t regio_cq_reserved(const regio_cq *cq) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_reserved(cq);
  return cq->reserved;
}
int regio_cq_armed(const regio_cq *cq) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_armed(cq);
  return cq->armed ? 1 : 0;
}
regio_notify_kind regio_cq_kind(const regio_cq *cq) {
  if (REGIO_NATIVE(cq->lab)) return REGIO_NATIVE(cq->lab)->cq_kind(cq);
  return cq->how.kind;
}
