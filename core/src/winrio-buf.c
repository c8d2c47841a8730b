/*
 * winrio-buf.c — registered buffers on winrio: RIORegisterBuffer and RIODeregisterBuffer behind
 * regio's 32-bit ids.
 *
 * RIO_BUFFERID is pointer-sized; regio's ids are (generation << 20) | index into a table of RIO
 * ids, so a stale id is never taken for a new registration and 0xFFFFFFFF is never issued. The
 * only rule added in front of RIO is the one that keeps memory safe: a buffer that an accepted,
 * not yet dequeued request uses is not deregistered (EBUSY; RIO calls that "a serious error"),
 * and regio_buf_release defers both the deregistration and the free until it is idle.
 */
#include "winrio-int.h"

#include <stdlib.h>
#include <string.h>

#define INDEX_BITS 20u
#define INDEX_MASK ((1u << INDEX_BITS) - 1u)
#define GEN_MASK 0xFFFu

static winrio_buf *lookup(const winrio_lab *wl, regio_bufid id, bool even_released) {
  uint32_t idx = id & INDEX_MASK;
  winrio_buf *b;
  if (id == REGIO_INVALID_BUFFERID || idx >= wl->nbufs) return NULL;
  b = &wl->bufs[idx];
  if (b->rio == RIO_INVALID_BUFFERID || b->gen != (id >> INDEX_BITS)) return NULL;
  if (b->released && !even_released) return NULL;
  return b;
}

/* Deregisters with RIO and frees the slot; calls the deferred free when there is one. */
static void buf_clear(winrio_lab *wl, winrio_buf *b) {
  void (*fn)(void *) = b->free_fn;
  void *arg = b->free_arg;
  wl->rio->RIODeregisterBuffer(b->rio);
  b->rio = RIO_INVALID_BUFFERID;
  b->mem = NULL;
  b->len = 0;
  b->in_flight = 0;
  b->released = false;
  b->free_fn = NULL;
  b->free_arg = NULL;
  wl->live_bufs--;
  if (fn) fn(arg);
}

int winrio__buf_register(regio_lab *lab, void *mem, uint32_t len, regio_bufid *out) {
  winrio_lab *wl = winrio__lab(lab);
  RIO_BUFFERID rio;
  uint32_t idx;
  winrio_buf *b;
  if (out == NULL) return REGIO_EINVAL;
  for (idx = 0; idx < wl->nbufs; idx++)
    if (wl->bufs[idx].rio == RIO_INVALID_BUFFERID) break;
  if (idx == wl->nbufs) {
    if (wl->nbufs == INDEX_MASK) return REGIO_ENOBUFS;
    if (wl->nbufs == wl->capbufs) {
      uint32_t cap = wl->capbufs ? wl->capbufs * 2 : 16, i;
      winrio_buf *nb = regio__realloc(wl->bufs, sizeof(*nb) * cap);
      if (nb == NULL) return REGIO_ENOMEM;
      memset(nb + wl->capbufs, 0, sizeof(*nb) * (cap - wl->capbufs));
      for (i = wl->capbufs; i < cap; i++) nb[i].rio = RIO_INVALID_BUFFERID;
      wl->bufs = nb;
      wl->capbufs = cap;
    }
    wl->nbufs++;
  }
  /* RIO itself judges the arguments (length 0: WSAEINVAL; bad pointer: WSAEFAULT). */
  rio = wl->rio->RIORegisterBuffer((PCHAR)mem, (DWORD)len);
  if (rio == RIO_INVALID_BUFFERID) return winrio__from_wsa(WSAGetLastError());
  b = &wl->bufs[idx];
  b->gen = (uint16_t)(((b->gen + 1u) & GEN_MASK) ? ((b->gen + 1u) & GEN_MASK) : 1u);
  b->rio = rio;
  b->mem = mem;
  b->len = len;
  b->in_flight = 0;
  b->released = false;
  wl->live_bufs++;
  *out = ((uint32_t)b->gen << INDEX_BITS) | idx;
  return 0;
}

int winrio__buf_deregister(regio_lab *lab, regio_bufid id) {
  winrio_lab *wl = winrio__lab(lab);
  winrio_buf *b = lookup(wl, id, false);
  if (b == NULL) return 0; /* RIODeregisterBuffer ignores unknown ids too. */
  if (b->in_flight > 0) return REGIO_EBUSY;
  buf_clear(wl, b);
  return 0;
}

int winrio__buf_release(regio_lab *lab, regio_bufid id, void (*free_fn)(void *), void *arg) {
  winrio_lab *wl = winrio__lab(lab);
  winrio_buf *b = lookup(wl, id, false);
  if (b == NULL) return REGIO_EINVAL;
  b->free_fn = free_fn;
  b->free_arg = arg;
  if (b->in_flight == 0) buf_clear(wl, b);
  else b->released = true;
  return 0;
}

uint32_t winrio__buf_in_flight(const regio_lab *lab, regio_bufid id) {
  winrio_buf *b = lookup(winrio__lab(lab), id, true);
  return b ? b->in_flight : 0;
}

uint32_t winrio__buf_length(const regio_lab *lab, regio_bufid id) {
  winrio_buf *b = lookup(winrio__lab(lab), id, false);
  return b ? b->len : 0;
}

/* Translates a slice for RIO. An id regio does not know (never issued, deregistered, released)
   becomes RIO_INVALID_BUFFERID, so that RIO reports it (WSAEFAULT or WSAEINVAL); bounds are
   RIO's to check. Returns 0, or REGIO_EFAULT for an unknown id. */
int winrio__buf_rio(winrio_lab *wl, const regio_slice *s, RIO_BUF *out) {
  winrio_buf *b = lookup(wl, s->id, false);
  out->BufferId = b ? b->rio : RIO_INVALID_BUFFERID;
  out->Offset = s->offset;
  out->Length = s->length;
  return b ? 0 : REGIO_EFAULT;
}

void winrio__buf_use(winrio_lab *wl, regio_bufid id, int delta) {
  winrio_buf *b = lookup(wl, id, true);
  if (b == NULL) return;
  b->in_flight = (uint32_t)((int64_t)b->in_flight + delta);
  if (b->in_flight == 0 && b->released) buf_clear(wl, b);
}

/* At lab close, after every socket and CQ was closed: deregisters what is left. */
void winrio__buf_close_all(winrio_lab *wl) {
  uint32_t i;
  for (i = 0; i < wl->nbufs; i++) {
    winrio_buf *b = &wl->bufs[i];
    if (b->rio == RIO_INVALID_BUFFERID) continue;
    if (!b->released) {
      b->free_fn = NULL; /* the caller still owns memory it did not release */
    }
    buf_clear(wl, b);
  }
  regio__free(wl->bufs);
  wl->bufs = NULL;
  wl->nbufs = wl->capbufs = 0;
}
