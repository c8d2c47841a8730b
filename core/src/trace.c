/*
 * trace.c — the lab's trace: an append-only array of events recorded while tracing is on. The
 * model records calls and completions; engines record their own network events (NET). Times come
 * from the engine's clock, so a virtual-time engine gives byte-identical traces for the same seed.
 */
#include "regio-int.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
#define REGIO_XX_TRACE_NAME(name, str) str,
    REGIO_TRACE_KIND_MAP(REGIO_XX_TRACE_NAME)
#undef REGIO_XX_TRACE_NAME
};

const char *regio_trace_kind_name(uint32_t kind) {
  return kind < REGIO_TRACE_KIND_COUNT ? kind_names[kind] : "unknown";
}

int regio_lab_trace(regio_lab *lab, int enable) {
  if (enable) lab->trace_count = 0;
  lab->tracing = enable != 0;
  return 0;
}

const regio_trace_event *regio_lab_trace_events(const regio_lab *lab, uint32_t *n) {
  *n = lab->trace_count;
  return lab->trace;
}

void regio__trace_add(regio_lab *lab, regio_trace_event *ev) {
  if (!lab->tracing) return;
  if (lab->trace_count == lab->trace_cap) {
    uint32_t cap = lab->trace_cap ? lab->trace_cap * 2 : 256;
    regio_trace_event *nt = regio__realloc(lab->trace, sizeof(*nt) * cap);
    if (nt == NULL) {
      lab->tracing = false;
      return;
    }
    lab->trace = nt;
    lab->trace_cap = cap;
  }
  ev->time_ns = lab->ops->now(lab);
  lab->trace[lab->trace_count++] = *ev;
}

void regio__trace_net(regio_lab *lab, const regio_sock *sock, const char *note, uint32_t bytes) {
  regio_trace_event ev;
  if (!lab->tracing) return;
  memset(&ev, 0, sizeof(ev));
  ev.kind = REGIO_TRACE_NET;
  ev.sock = sock ? sock->id : 0;
  ev.dir = 2;
  ev.bytes = bytes;
  ev.note = note;
  regio__trace_add(lab, &ev);
}

void regio__trace_record(regio_lab *lab, uint32_t kind, const regio_sock *sock, const regio_cq *cq,
                         int32_t status, uint32_t bytes, uint32_t dir, uint32_t flags,
                         uint64_t ctx) {
  regio_trace_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = kind;
  ev.sock = sock ? sock->id : 0;
  ev.cq = cq ? cq->id : 0;
  ev.status = status;
  ev.bytes = bytes;
  ev.dir = dir;
  ev.flags = flags;
  ev.queued = cq ? cq->count : 0;
  ev.size = cq ? cq->size : 0;
  ev.ctx = ctx;
  regio__trace_add(lab, &ev);
}

void regio__trace_free(regio_lab *lab) {
  regio__free(lab->trace);
  lab->trace = NULL;
  lab->trace_count = lab->trace_cap = 0;
  lab->tracing = false;
}

uint32_t regio_sock_id(const regio_sock *sock) { return sock->id; }

uint32_t regio_cq_id(const regio_cq *cq) { return cq->id; }
