/*
 * sim-net.c — the sim engine's network: sim sockets and their packet queues, the link that
 * turns a send into arrival times, and the delivery of packets whose time has come.
 *
 * A packet lives in the inbound queue of the socket it goes to, ordered by arrival time (equal
 * times keep the order of creation), so a socket that closes frees everything sent to it and a
 * socket that sends and closes leaves its packets in flight, as on a real network.
 */
#include "sim-int.h"

#include <stdlib.h>
#include <string.h>

sim_sock *regio__sim_sock_new(sim_lab *sl, regio_sock_type type, int family) {
  sim_sock *ss = regio__calloc(1, sizeof(*ss));
  if (ss == NULL) return NULL;
  ss->type = type;
  ss->family = family;
  ss->link.reset_after = -1;
  ss->next = sl->socks;
  if (sl->socks) sl->socks->prev = ss;
  sl->socks = ss;
  return ss;
}

void regio__sim_pktq_clear(sim_pktq *q) {
  while (q->head) {
    sim_pkt *next = q->head->next;
    regio__free(q->head);
    q->head = next;
  }
  q->tail = NULL;
  q->count = 0;
}

void regio__sim_sock_free(sim_lab *sl, sim_sock *ss) {
  regio__sim_pktq_clear(&ss->inbound);
  regio__sim_pktq_clear(&ss->ready);
  if (ss->prev) ss->prev->next = ss->next;
  else sl->socks = ss->next;
  if (ss->next) ss->next->prev = ss->prev;
  regio__free(ss);
}

sim_pkt *regio__sim_pkt_new(sim_lab *sl, sim_pkt_kind kind, const void *data, uint32_t len) {
  sim_pkt *pkt = regio__malloc(sizeof(*pkt) + len);
  if (pkt == NULL) return NULL;
  memset(pkt, 0, sizeof(*pkt));
  pkt->seq = ++sl->seq;
  pkt->kind = (uint8_t)kind;
  pkt->len = len;
  if (len > 0 && data != NULL) memcpy(pkt->data, data, len);
  return pkt;
}

/* Converts milliseconds (a knob) to nanoseconds; off (0, negative) is 0. */
static uint64_t ms_to_ns(double ms) {
  if (!(ms > 0.0)) return 0;
  if (ms > 1e12) ms = 1e12; /* about 31 years: far enough for any scenario */
  return (uint64_t)(ms * 1e6 + 0.5);
}

uint64_t regio__sim_schedule(sim_lab *sl, sim_sock *ss, uint32_t len, bool stream) {
  uint64_t depart = sl->now, tx = 0, at;
  if (ss->link.bandwidth > 0.0) {
    if (ss->link_free > depart) depart = ss->link_free;
    double d = (double)len * 1e9 / ss->link.bandwidth;
    if (d > 1e18) d = 1e18;
    tx = (uint64_t)d;
    if ((double)tx < d) tx++; /* round up: a byte never leaves early */
    ss->link_free = depart + tx;
  }
  at = depart + tx + ms_to_ns(ss->link.latency_ms);
  if (stream) {
    if (at < ss->last_arrival) at = ss->last_arrival;
    ss->last_arrival = at;
  }
  return at;
}

void regio__sim_enqueue(sim_sock *dst, sim_pkt *pkt) {
  sim_pktq *q = &dst->inbound;
  sim_pkt **link;
  pkt->next = NULL;
  q->count++;
  /* Arrivals are mostly in order: append unless the tail arrives later. */
  if (q->tail == NULL || q->tail->at <= pkt->at) {
    if (q->tail) q->tail->next = pkt;
    else q->head = pkt;
    q->tail = pkt;
    return;
  }
  for (link = &q->head; *link != NULL && (*link)->at <= pkt->at; link = &(*link)->next) {
  }
  pkt->next = *link;
  *link = pkt;
}

/* Appends a packet to a FIFO. */
static void fifo_push(sim_pktq *q, sim_pkt *pkt) {
  pkt->next = NULL;
  if (q->tail) q->tail->next = pkt;
  else q->head = pkt;
  q->tail = pkt;
  q->count++;
}

/* Takes the first packet of a queue. */
static sim_pkt *queue_pop(sim_pktq *q) {
  sim_pkt *pkt = q->head;
  if (pkt == NULL) return NULL;
  q->head = pkt->next;
  if (q->head == NULL) q->tail = NULL;
  q->count--;
  pkt->next = NULL;
  return pkt;
}

/* Delivers one arrived packet to ss. */
static void deliver(regio_lab *lab, sim_sock *ss, sim_pkt *pkt) {
  switch ((sim_pkt_kind)pkt->kind) {
  case SIM_PKT_DATA:
    regio__trace_net(lab, ss->owner,
                     ss->type == REGIO_SOCK_UDP ? "datagram arrived" : "segment arrived",
                     pkt->len);
    if (ss->shut_rd && ss->type != REGIO_SOCK_UDP) {
      regio__free(pkt); /* read side shut down: the bytes are discarded */
      return;
    }
    fifo_push(&ss->ready, pkt);
    return;
  case SIM_PKT_FIN:
    regio__trace_net(lab, ss->owner, "fin arrived", 0);
    ss->fin_in = true;
    break;
  case SIM_PKT_RST:
    regio__trace_net(lab, ss->owner, "reset arrived", 0);
    ss->rst_in = true;
    break;
  }
  regio__free(pkt);
}

int regio__sim_deliver_due(regio_lab *lab) {
  sim_lab *sl = regio__sim_lab(lab);
  sim_sock *ss;
  int n = 0;
  for (ss = sl->socks; ss != NULL; ss = ss->next) {
    while (ss->inbound.head != NULL && ss->inbound.head->at <= sl->now) {
      deliver(lab, ss, queue_pop(&ss->inbound));
      n++;
    }
  }
  return n;
}

uint64_t regio__sim_next_event(const sim_lab *sl) {
  const sim_sock *ss;
  uint64_t next = SIM_NEVER;
  for (ss = sl->socks; ss != NULL; ss = ss->next) {
    if (ss->inbound.head != NULL && ss->inbound.head->at < next) next = ss->inbound.head->at;
  }
  return next;
}

int regio__sim_readable(const sim_sock *ss) {
  switch (ss->type) {
  case REGIO_SOCK_TCP: return ss->ready.count > 0 || ss->fin_in || ss->rst_in || ss->shut_rd;
  case REGIO_SOCK_UDP: return ss->ready.count > 0;
  case REGIO_SOCK_LISTENER: return ss->backlog_head != NULL;
  }
  return 0;
}

sim_pkt *regio__sim_pop_ready(sim_sock *ss) { return queue_pop(&ss->ready); }
