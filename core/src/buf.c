/*
 * buf.c — registered buffers: the id table (index plus generation, so a stale id is never taken
 * for a new registration), per-buffer in-flight counts, and slice checks done at use time.
 */
#include "regio-int.h"

#include <stdlib.h>
#include <string.h>

/* An id is (generation << 20) | index. Index 0xFFFFF is never used, so REGIO_INVALID_BUFFERID
   (0xFFFFFFFF) can never be issued. */
#define BUF_INDEX_BITS 20u
#define BUF_INDEX_MASK ((1u << BUF_INDEX_BITS) - 1u)
#define BUF_MAX_SLOTS BUF_INDEX_MASK
#define BUF_GEN_MASK 0xFFFu

static regio_buf_entry *buf_lookup(const regio_lab *lab, regio_bufid id) {
  uint32_t idx = id & BUF_INDEX_MASK;
  regio_buf_entry *e;
  if (id == REGIO_INVALID_BUFFERID || idx >= lab->nbufs) return NULL;
  e = &lab->bufs[idx];
  if (e->base == NULL || e->released || e->gen != (id >> BUF_INDEX_BITS)) return NULL;
  return e;
}

/* Finds the entry of an id even when its release is pending (for in-flight accounting). */
static regio_buf_entry *buf_lookup_any(const regio_lab *lab, regio_bufid id) {
  uint32_t idx = id & BUF_INDEX_MASK;
  regio_buf_entry *e;
  if (id == REGIO_INVALID_BUFFERID || idx >= lab->nbufs) return NULL;
  e = &lab->bufs[idx];
  if (e->base == NULL || e->gen != (id >> BUF_INDEX_BITS)) return NULL;
  return e;
}

static void buf_clear(regio_lab *lab, regio_buf_entry *e) {
  /* The engine's own registration (uring: the kernel's fixed-buffer slot) ends first. */
  if (lab->ops->buf_deregister) {
    uint32_t idx = (uint32_t)(e - lab->bufs);
    lab->ops->buf_deregister(lab, ((uint32_t)e->gen << BUF_INDEX_BITS) | idx);
  }
  e->base = NULL;
  e->len = 0;
  e->in_flight = 0;
  e->released = false;
  e->free_fn = NULL;
  e->free_arg = NULL;
  lab->live_bufs--;
  lab->free_buf_hint = (uint32_t)(e - lab->bufs);
}

int regio_buf_register(regio_lab *lab, void *mem, uint32_t len, regio_bufid *out) {
  if (REGIO_NATIVE(lab)) return REGIO_NATIVE(lab)->buf_register(lab, mem, len, out);
  uint32_t idx;
  regio_buf_entry *e;
  if (len == 0) return REGIO_EINVAL;
  if (mem == NULL) return REGIO_EFAULT;
  /* Reuse a free slot, starting at the hint; otherwise take a new one. */
  idx = lab->free_buf_hint;
  if (idx >= lab->nbufs || lab->bufs[idx].base != NULL) {
    for (idx = 0; idx < lab->nbufs; idx++)
      if (lab->bufs[idx].base == NULL) break;
  }
  if (idx == lab->nbufs) {
    if (lab->nbufs == BUF_MAX_SLOTS) return REGIO_ENOBUFS;
    if (lab->nbufs == lab->capbufs) {
      uint32_t cap = lab->capbufs ? lab->capbufs * 2 : 16;
      regio_buf_entry *nb;
      if (cap > BUF_MAX_SLOTS) cap = BUF_MAX_SLOTS;
      nb = regio__realloc(lab->bufs, sizeof(*nb) * cap);
      if (nb == NULL) return REGIO_ENOMEM;
      memset(nb + lab->capbufs, 0, sizeof(*nb) * (cap - lab->capbufs));
      lab->bufs = nb;
      lab->capbufs = cap;
    }
    lab->nbufs++;
  }
  e = &lab->bufs[idx];
  e->gen = (uint16_t)(((e->gen + 1u) & BUF_GEN_MASK) ? ((e->gen + 1u) & BUF_GEN_MASK) : 1u);
  e->base = mem;
  e->len = len;
  e->in_flight = 0;
  e->released = false;
  lab->live_bufs++;
  lab->free_buf_hint = idx + 1;
  *out = ((uint32_t)e->gen << BUF_INDEX_BITS) | idx;
  if (lab->ops->buf_register) {
    int rc = lab->ops->buf_register(lab, *out, mem, len);
    if (rc != 0) {
      e->base = NULL;
      e->len = 0;
      lab->live_bufs--;
      lab->free_buf_hint = idx;
      return rc;
    }
  }
  return 0;
}

int regio_buf_deregister(regio_lab *lab, regio_bufid id) {
  if (REGIO_NATIVE(lab)) return REGIO_NATIVE(lab)->buf_deregister(lab, id);
  regio_buf_entry *e = buf_lookup(lab, id);
  if (e == NULL) return 0; /* RIO ignores invalid and already deregistered ids. */
  if (e->in_flight > 0) return REGIO_EBUSY;
  buf_clear(lab, e);
  return 0;
}

int regio_buf_release(regio_lab *lab, regio_bufid id, void (*free_fn)(void *arg), void *arg) {
  if (REGIO_NATIVE(lab)) return REGIO_NATIVE(lab)->buf_release(lab, id, free_fn, arg);
  regio_buf_entry *e = buf_lookup(lab, id);
  if (e == NULL) return REGIO_EINVAL;
  if (e->in_flight == 0) {
    buf_clear(lab, e);
    if (free_fn) free_fn(arg);
    return 0;
  }
  e->released = true;
  e->free_fn = free_fn;
  e->free_arg = arg;
  return 0;
}

uint32_t regio_buf_in_flight(const regio_lab *lab, regio_bufid id) {
  if (REGIO_NATIVE(lab)) return REGIO_NATIVE(lab)->buf_in_flight(lab, id);
  regio_buf_entry *e = buf_lookup_any(lab, id);
  return e ? e->in_flight : 0;
}

uint32_t regio_buf_length(const regio_lab *lab, regio_bufid id) {
  if (REGIO_NATIVE(lab)) return REGIO_NATIVE(lab)->buf_length(lab, id);
  regio_buf_entry *e = buf_lookup(lab, id);
  return e ? e->len : 0;
}

int regio__buf_check(regio_lab *lab, const regio_slice *s, uint32_t min_len) {
  regio_buf_entry *e = buf_lookup(lab, s->id);
  if (e == NULL) return REGIO_EFAULT;
  if ((uint64_t)s->offset + (uint64_t)s->length > (uint64_t)e->len) return REGIO_EINVAL;
  if (s->length < min_len) return REGIO_EINVAL;
  return 0;
}

void regio__buf_use(regio_lab *lab, regio_bufid id, int delta) {
  regio_buf_entry *e = buf_lookup_any(lab, id);
  if (e == NULL) return;
  e->in_flight = (uint32_t)((int64_t)e->in_flight + delta);
  if (e->in_flight == 0 && e->released) {
    void (*fn)(void *) = e->free_fn;
    void *arg = e->free_arg;
    buf_clear(lab, e);
    if (fn) fn(arg);
  }
}

uint8_t *regio__slice_ptr(const regio_lab *lab, const regio_slice *s) {
  regio_buf_entry *e = buf_lookup_any(lab, s->id);
  return e ? e->base + s->offset : NULL;
}

void regio__buf_free_all(regio_lab *lab) {
  uint32_t i;
  for (i = 0; i < lab->nbufs; i++) {
    regio_buf_entry *e = &lab->bufs[i];
    if (e->base && e->released && e->free_fn) e->free_fn(e->free_arg);
  }
  regio__free(lab->bufs);
  lab->bufs = NULL;
  lab->nbufs = lab->capbufs = 0;
  lab->live_bufs = 0;
}
