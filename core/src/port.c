/*
 * port.c — IOCP-style notification ports: a FIFO of (key, overlapped) packets that notify CQs
 * post to when they fire, and that a script waits on.
 */
#include "regio-int.h"

#include <stdlib.h>

int regio_port_create(regio_lab *lab, regio_port **out) {
  if (REGIO_NATIVE(lab)) return REGIO_NATIVE(lab)->port_create(lab, out);
  regio_port *p = regio__calloc(1, sizeof(*p));
  if (p == NULL) return REGIO_ENOMEM;
  p->lab = lab;
  p->refs = 1;
  p->next = lab->ports;
  if (lab->ports) lab->ports->prev = p;
  lab->ports = p;
  *out = p;
  return 0;
}

/* Appends a packet, growing the ring. Returns 0 or REGIO_ENOMEM. */
static int port_push(regio_port *p, uint64_t key, uint64_t overlapped) {
  uint32_t slot;
  if (p->count == p->cap) {
    uint32_t cap = p->cap ? p->cap * 2 : 8, i;
    uint64_t (*np)[2] = regio__malloc(sizeof(*np) * cap);
    if (np == NULL) return REGIO_ENOMEM;
    for (i = 0; i < p->count; i++) {
      np[i][0] = p->packets[(p->head + i) % p->cap][0];
      np[i][1] = p->packets[(p->head + i) % p->cap][1];
    }
    regio__free(p->packets);
    p->packets = np;
    p->cap = cap;
    p->head = 0;
  }
  slot = (p->head + p->count) % p->cap;
  p->packets[slot][0] = key;
  p->packets[slot][1] = overlapped;
  p->count++;
  return 0;
}

void regio__port_fire(regio_port *port, uint64_t key, uint64_t overlapped) {
  if (port == NULL || port->closed) return;
  /* Out of memory here loses one wake-up; the results themselves stay in the CQ. */
  (void)port_push(port, key, overlapped);
}

int regio_port_post(regio_port *port, uint64_t key, uint64_t overlapped) {
  if (REGIO_NATIVE(port->lab)) return REGIO_NATIVE(port->lab)->port_post(port, key, overlapped);
  if (port->closed) return REGIO_EINVAL;
  return port_push(port, key, overlapped);
}

int regio_port_wait(regio_port *port, int timeout_ms, uint64_t *key, uint64_t *overlapped) {
  if (REGIO_NATIVE(port->lab))
    return REGIO_NATIVE(port->lab)->port_wait(port, timeout_ms, key, overlapped);
  regio_lab *lab = port->lab;
  uint64_t deadline;
  if (port->closed) return REGIO_EINVAL;
  if (timeout_ms < 0) timeout_ms = 0;
  deadline = lab->ops->now(lab) + (uint64_t)timeout_ms * 1000000u;
  for (;;) {
    uint64_t now;
    int rc;
    if (port->count == 0) {
      rc = lab->ops->poll(lab, 0, NULL, 0);
      if (rc < 0 && rc != REGIO_EAGAIN) return rc;
    }
    if (port->count > 0) {
      if (key) *key = port->packets[port->head][0];
      if (overlapped) *overlapped = port->packets[port->head][1];
      port->head = (port->head + 1) % port->cap;
      port->count--;
      return 0;
    }
    now = lab->ops->now(lab);
    if (now >= deadline) return REGIO_ETIMEDOUT;
    rc = lab->ops->poll(lab, (int)((deadline - now + 999999u) / 1000000u), NULL, 0);
    if (rc < 0 && rc != REGIO_EAGAIN) return rc;
  }
}

uint32_t regio_port_pending(const regio_port *port) {
  if (REGIO_NATIVE(port->lab)) return REGIO_NATIVE(port->lab)->port_pending(port);
  return port->count;
}

void regio__port_unref(regio_port *port) {
  regio_lab *lab = port->lab;
  if (--port->refs > 0) return;
  if (port->prev) port->prev->next = port->next;
  else lab->ports = port->next;
  if (port->next) port->next->prev = port->prev;
  regio__free(port->packets);
  regio__free(port);
}

void regio_port_close(regio_port *port) {
  if (port && REGIO_NATIVE(port->lab)) {
    REGIO_NATIVE(port->lab)->port_close(port);
    return;
  }
  if (port == NULL || port->closed) return;
  port->closed = true;
  port->count = 0;
  regio__port_unref(port);
}
