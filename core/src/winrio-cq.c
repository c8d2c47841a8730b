/*
 * winrio-cq.c — completion queues and notification ports on winrio: RIOCreateCompletionQueue
 * (polled, event with NotifyReset, IOCP), RIOResizeCompletionQueue, RIOCloseCompletionQueue,
 * RIONotify and RIODequeueCompletion, with real events and I/O completion ports.
 *
 * What regio adds in front of RIO: a CQ's IOCP packets carry the CQ's own OVERLAPPED (RIO needs
 * a real one) and the port hands the caller's overlapped value back; closing a CQ first takes
 * the results still queued and passes them to the release hook, so that the requests they belong
 * to unpin their buffers; a closed CQ or port is never handed to Windows again.
 */
#include "winrio-int.h"

#include <stdlib.h>
#include <string.h>

/* How many results one RIODequeueCompletion call takes at most. */
#define DEQUEUE_BATCH 64u

static winrio_cq *cq_of(const regio_cq *cq) {
  return REGIO_CONTAINER_OF(cq, winrio_cq, base);
}
static winrio_port *port_of(const regio_port *p) {
  return REGIO_CONTAINER_OF(p, winrio_port, base);
}

int winrio__cq_create(regio_lab *lab, uint32_t size, const regio_notify *how, regio_cq **out) {
  winrio_lab *wl = winrio__lab(lab);
  RIO_NOTIFICATION_COMPLETION nc, *pnc = NULL;
  winrio_cq *wcq;
  if (out == NULL) return REGIO_EINVAL;
  wcq = regio__calloc(1, sizeof(*wcq));
  if (wcq == NULL) return REGIO_ENOMEM;
  if (how) wcq->how = *how;
  memset(&nc, 0, sizeof(nc));
  if (how && how->kind == REGIO_NOTIFY_EVENT) {
    wcq->event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (wcq->event == NULL) {
      regio__free(wcq);
      return winrio__from_wsa((int)GetLastError());
    }
    nc.Type = RIO_EVENT_COMPLETION;
    nc.Event.EventHandle = wcq->event;
    nc.Event.NotifyReset = how->reset ? TRUE : FALSE;
    pnc = &nc;
  } else if (how && how->kind == REGIO_NOTIFY_IOCP) {
    /* A closed port is never handed to Windows; NULL port and zero overlapped are RIO's to
       judge (it requires both). */
    if (how->port && how->port->closed) {
      regio__free(wcq);
      return REGIO_EINVAL;
    }
    nc.Type = RIO_IOCP_COMPLETION;
    nc.Iocp.IocpHandle = how->port ? port_of(how->port)->iocp : NULL;
    nc.Iocp.CompletionKey = (PVOID)(uintptr_t)how->key;
    nc.Iocp.Overlapped = how->overlapped ? &wcq->overlapped : NULL;
    pnc = &nc;
  } else if (how && how->kind != REGIO_NOTIFY_NONE) {
    nc.Type = (RIO_NOTIFICATION_COMPLETION_TYPE)how->kind; /* RIO judges an unknown type */
    pnc = &nc;
  }
  wcq->rio = wl->rio->RIOCreateCompletionQueue((DWORD)size, pnc);
  if (wcq->rio == RIO_INVALID_CQ) {
    int rc = winrio__from_wsa(WSAGetLastError());
    if (wcq->event) CloseHandle(wcq->event);
    regio__free(wcq);
    return rc ? rc : REGIO_EINVAL;
  }
  wcq->base.lab = lab;
  wcq->base.refs = 1;
  wcq->size = size;
  wcq->next = wl->cqs;
  if (wl->cqs) wl->cqs->prev = wcq;
  wl->cqs = wcq;
  *out = &wcq->base;
  return 0;
}

int winrio__cq_resize(regio_cq *cq, uint32_t size) {
  winrio_cq *wcq = cq_of(cq);
  winrio_lab *wl = winrio__lab(cq->lab);
  if (!wl->rio->RIOResizeCompletionQueue(wcq->rio, (DWORD)size))
    return winrio__from_wsa(WSAGetLastError());
  wcq->size = size;
  return 0;
}

/* Takes up to max results out of RIO and unwraps them. Returns the count or REGIO_ECORRUPT. */
static int dequeue_some(winrio_lab *wl, winrio_cq *wcq, regio_result *out, uint32_t max) {
  RIORESULT raw[DEQUEUE_BATCH];
  ULONG got, i;
  if (max > DEQUEUE_BATCH) max = DEQUEUE_BATCH;
  got = wl->rio->RIODequeueCompletion(wcq->rio, raw, max);
  if (got == RIO_CORRUPT_CQ) return REGIO_ECORRUPT;
  for (i = 0; i < got; i++) winrio__result(wl, &raw[i], &out[i]);
  return (int)got;
}

int winrio__cq_dequeue(regio_cq *cq, regio_result *out, uint32_t max) {
  winrio_lab *wl = winrio__lab(cq->lab);
  uint32_t n = 0;
  if (out == NULL || max == 0) return 0;
  while (n < max) {
    int got = dequeue_some(wl, cq_of(cq), out + n, max - n);
    if (got < 0) return n > 0 ? (int)n : got;
    n += (uint32_t)got;
    if (got == 0) break;
  }
  return (int)n;
}

/* Closes the RIO CQ. Results still queued go to the release hook; completions of requests still
   in flight are dropped by RIO, and what those requests pinned stays pinned until lab close. */
void winrio__cq_close(regio_cq *cq) {
  winrio_cq *wcq = cq_of(cq);
  regio_lab *lab = cq->lab;
  winrio_lab *wl = winrio__lab(lab);
  regio_result res[DEQUEUE_BATCH];
  winrio_rq *rq;
  int got, i;
  if (cq->closed) return;
  cq->closed = true;
  for (rq = wl->rqs; rq; rq = rq->next)
    for (i = 0; i < 2; i++)
      if (rq->cq[i] == cq) rq->cq[i] = NULL;
  while ((got = dequeue_some(wl, wcq, res, DEQUEUE_BATCH)) > 0)
    for (i = 0; i < got; i++)
      if (lab->release_fn) lab->release_fn(lab->release_ud, &res[i]);
  wl->rio->RIOCloseCompletionQueue(wcq->rio);
  if (wcq->event) CloseHandle(wcq->event);
  if (wcq->prev) wcq->prev->next = wcq->next;
  else wl->cqs = wcq->next;
  if (wcq->next) wcq->next->prev = wcq->prev;
  regio__free(wcq);
}

/* RIONotify reports its error as its return value, not through WSAGetLastError. */
int winrio__cq_notify(regio_cq *cq) {
  winrio_cq *wcq = cq_of(cq);
  int rc = winrio__lab(cq->lab)->rio->RIONotify(wcq->rio);
  if (rc == 0) wcq->armed = true;
  return winrio__from_wsa(rc);
}

int winrio__cq_wait(regio_cq *cq, int timeout_ms) {
  winrio_cq *wcq = cq_of(cq);
  DWORD rc;
  if (wcq->event == NULL) return REGIO_EINVAL;
  rc = WaitForSingleObject(wcq->event, timeout_ms < 0 ? 0 : (DWORD)timeout_ms);
  if (rc == WAIT_OBJECT_0) {
    wcq->armed = false;
    return 1;
  }
  return rc == WAIT_TIMEOUT ? 0 : winrio__from_wsa((int)GetLastError());
}

int winrio__cq_event_set(regio_cq *cq) {
  winrio_cq *wcq = cq_of(cq);
  if (wcq->event == NULL) return REGIO_EINVAL;
  return SetEvent(wcq->event) ? 0 : winrio__from_wsa((int)GetLastError());
}

int winrio__cq_event_reset(regio_cq *cq) {
  winrio_cq *wcq = cq_of(cq);
  if (wcq->event == NULL) return REGIO_EINVAL;
  return ResetEvent(wcq->event) ? 0 : winrio__from_wsa((int)GetLastError());
}

int winrio__cq_event_state(const regio_cq *cq) {
  winrio_cq *wcq = cq_of(cq);
  if (wcq->event == NULL) return REGIO_EINVAL;
  return WaitForSingleObject(wcq->event, 0) == WAIT_OBJECT_0 ? 1 : 0;
}

uint32_t winrio__cq_size(const regio_cq *cq) { return cq_of(cq)->size; }

/* RIO cannot be asked how many results wait without taking them: always 0 on winrio. */
uint32_t winrio__cq_queued(const regio_cq *cq) {
  (void)cq;
  return 0;
}

/* The limits of the open RQs that complete into this CQ (what RIO reserves for them). */
uint32_t winrio__cq_reserved(const regio_cq *cq) {
  const winrio_rq *rq;
  uint32_t sum = 0;
  for (rq = winrio__lab(cq->lab)->rqs; rq; rq = rq->next) {
    if (rq->sock_closed) continue;
    if (rq->cq[REGIO_DIR_RECEIVE] == cq) sum += rq->limit[REGIO_DIR_RECEIVE];
    if (rq->cq[REGIO_DIR_SEND] == cq) sum += rq->limit[REGIO_DIR_SEND];
  }
  return sum;
}

int winrio__cq_armed(const regio_cq *cq) { return cq_of(cq)->armed ? 1 : 0; }

regio_notify_kind winrio__cq_kind(const regio_cq *cq) { return cq_of(cq)->how.kind; }

void winrio__cq_close_all(regio_lab *lab) {
  winrio_lab *wl = winrio__lab(lab);
  while (wl->cqs) winrio__cq_close(&wl->cqs->base);
}

/* ---- ports: I/O completion ports ------------------------------------------------------- */

int winrio__port_create(regio_lab *lab, regio_port **out) {
  winrio_lab *wl = winrio__lab(lab);
  winrio_port *wp;
  if (out == NULL) return REGIO_EINVAL;
  wp = regio__calloc(1, sizeof(*wp));
  if (wp == NULL) return REGIO_ENOMEM;
  wp->iocp = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
  if (wp->iocp == NULL) {
    int rc = winrio__from_wsa((int)GetLastError());
    regio__free(wp);
    return rc;
  }
  wp->base.lab = lab;
  wp->base.refs = 1;
  wp->next = wl->ports;
  if (wl->ports) wl->ports->prev = wp;
  wl->ports = wp;
  *out = &wp->base;
  return 0;
}

int winrio__port_wait(regio_port *port, int timeout_ms, uint64_t *key, uint64_t *overlapped) {
  winrio_port *wp = port_of(port);
  winrio_cq *wcq;
  DWORD bytes = 0;
  ULONG_PTR k = 0;
  LPOVERLAPPED ov = NULL;
  BOOL ok;
  if (port->closed) return REGIO_EINVAL;
  ok = GetQueuedCompletionStatus(wp->iocp, &bytes, &k, &ov, timeout_ms < 0 ? 0 : timeout_ms);
  if (!ok && ov == NULL) {
    DWORD err = GetLastError();
    return err == WAIT_TIMEOUT ? REGIO_ETIMEDOUT : winrio__from_wsa((int)err);
  }
  if (key) *key = (uint64_t)k;
  /* A RIO notification carries a CQ's own OVERLAPPED: give back the caller's value. Anything
     else was posted by regio_port_post, whose overlapped is an opaque value. */
  for (wcq = winrio__lab(port->lab)->cqs; wcq; wcq = wcq->next)
    if (ov == &wcq->overlapped) break;
  if (wcq) {
    wcq->armed = false;
    if (overlapped) *overlapped = wcq->how.overlapped;
  } else {
    if (wp->posted > 0) wp->posted--;
    if (overlapped) *overlapped = (uint64_t)(uintptr_t)ov;
  }
  return 0;
}

int winrio__port_post(regio_port *port, uint64_t key, uint64_t overlapped) {
  winrio_port *wp = port_of(port);
  if (port->closed) return REGIO_EINVAL;
  if (!PostQueuedCompletionStatus(wp->iocp, 0, (ULONG_PTR)key,
                                  (LPOVERLAPPED)(uintptr_t)overlapped))
    return winrio__from_wsa((int)GetLastError());
  wp->posted++;
  return 0;
}

/* An I/O completion port cannot be asked how many packets wait: this counts only the packets
   regio_port_post queued and no wait has taken yet. */
uint32_t winrio__port_pending(const regio_port *port) { return port_of(port)->posted; }

void winrio__port_close(regio_port *port) {
  winrio_port *wp = port_of(port);
  winrio_lab *wl = winrio__lab(port->lab);
  if (port->closed) return;
  port->closed = true;
  CloseHandle(wp->iocp);
  if (wp->prev) wp->prev->next = wp->next;
  else wl->ports = wp->next;
  if (wp->next) wp->next->prev = wp->prev;
  regio__free(wp);
}

void winrio__port_close_all(regio_lab *lab) {
  winrio_lab *wl = winrio__lab(lab);
  while (wl->ports) winrio__port_close(&wl->ports->base);
}
