/*
 * sim-dgram.c — UDP on the sim engine: datagrams through the link knobs (loss, duplication,
 * reordering, latency, bandwidth) and the service of RIO's head requests.
 *
 * Every request moves exactly one datagram. A send completes at once with the datagram's length,
 * whatever then happens to the datagram (UDP does not know). A receive gathers the oldest arrived
 * datagram into its slices (none: the datagram is discarded); a datagram longer than the slices
 * is truncated and the receive completes with EMSGSIZE and MSG_TRUNC in its flags slice.
 */
#include "sim-int.h"

#include <stdlib.h>
#include <string.h>

/* Gathers len bytes from iovecs into dst. */
static void gather(uint8_t *dst, const struct iovec *iov, int cnt, uint32_t len) {
  int i;
  for (i = 0; i < cnt && len > 0; i++) {
    size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;
    memcpy(dst, iov[i].iov_base, k);
    dst += k;
    len -= (uint32_t)k;
  }
}

/* Scatters len bytes from src into iovecs. */
static void scatter(const struct iovec *iov, int cnt, const uint8_t *src, uint32_t len) {
  int i;
  for (i = 0; i < cnt && len > 0; i++) {
    size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;
    memcpy(iov[i].iov_base, src, k);
    src += k;
    len -= (uint32_t)k;
  }
}

/* How long a reordered datagram is held back: the link's latency plus 1 ms, so that what is
   sent within that time after it arrives before it. */
static uint64_t hold_back_ns(const sim_sock *ss) {
  uint64_t lat = ss->link.latency_ms > 0.0 ? (uint64_t)(ss->link.latency_ms * 1e6 + 0.5) : 0;
  return lat + 1000000u;
}

int regio__sim_dgram_transmit(regio_lab *lab, sim_sock *ss, const poll_addr *to,
                              const struct iovec *iov, int cnt, uint32_t len) {
  sim_lab *sl = regio__sim_lab(lab);
  sim_sock *dst;
  sim_pkt *first;
  int copies = 1, i;
  if (len > SIM_MAX_DATAGRAM) return REGIO_EMSGSIZE;
  dst = regio__sim_find_udp(sl, to);
  if (regio__sim_chance(sl, ss->link.loss)) {
    regio__trace_net(lab, ss->owner, "datagram lost", len);
    return 0;
  }
  if (regio__sim_chance(sl, ss->link.dup)) {
    regio__trace_net(lab, ss->owner, "datagram duplicated", len);
    copies = 2;
  }
  first = regio__sim_pkt_new(sl, SIM_PKT_DATA, NULL, len);
  if (first == NULL) return REGIO_ENOMEM;
  gather(first->data, iov, cnt, len);
  regio__sim_source(ss, &first->from);
  first->to = *to;
  for (i = 0; i < copies; i++) {
    sim_pkt *pkt = first;
    if (i > 0) {
      pkt = regio__sim_pkt_new(sl, SIM_PKT_DATA, first->data, len);
      if (pkt == NULL) break;
      pkt->from = first->from;
      pkt->to = first->to;
    }
    pkt->at = regio__sim_schedule(sl, ss, len, false);
    if (regio__sim_chance(sl, ss->link.reorder)) {
      regio__trace_net(lab, ss->owner, "datagram held back (reordered)", len);
      pkt->at += hold_back_ns(ss);
    }
    if (dst != NULL && dst->has_remote && !regio__sim_same_addr(&dst->remote, &pkt->from)) {
      /* A connected UDP socket takes datagrams from its peer only. */
      regio__trace_net(lab, ss->owner, "datagram refused by a connected socket", len);
      regio__free(pkt);
    } else if (dst != NULL) {
      regio__sim_enqueue(dst, pkt);
    } else {
      regio__trace_net(lab, ss->owner, "datagram to no socket", len);
      regio__free(pkt);
    }
  }
  return 0;
}

int regio__sim_dgram_recv(regio_sock *s) {
  regio_lab *lab = s->lab;
  struct iovec iov[REGIO_MAX_SLICES];
  regio_req *req;
  int posted = 0;
  while (!s->closed && (req = regio__rq_head(s->rq, REGIO_DIR_RECEIVE)) != NULL) {
    sim_sock *ss = regio__sim_state(s);
    sim_pkt *pkt = ss->ready.head;
    uint32_t bytes = 0;
    bool truncated = false;
    if (pkt == NULL) break;
    ss->ready.head = pkt->next;
    if (ss->ready.head == NULL) ss->ready.tail = NULL;
    ss->ready.count--;
    if (req->nslices > 0) {
      uint32_t total = regio__poll_total(req);
      int cnt = regio__poll_iov(lab, req, 0, iov);
      bytes = pkt->len < total ? pkt->len : total;
      truncated = pkt->len > total;
      scatter(iov, cnt, pkt->data, bytes);
    }
    if (req->has_remote || req->has_local || req->has_flags || req->has_control) {
      regio__poll_fill_ex(lab, req, (struct sockaddr *)&pkt->from.ss,
                          (struct sockaddr *)&pkt->to.ss, truncated ? POLL_WIN_MSG_TRUNC : 0);
    }
    regio__free(pkt);
    posted += regio__req_complete(req, truncated ? REGIO_EMSGSIZE : 0, bytes);
  }
  return posted;
}

int regio__sim_dgram_send(regio_sock *s) {
  regio_lab *lab = s->lab;
  struct iovec iov[REGIO_MAX_SLICES];
  regio_req *req;
  int posted = 0;
  while (!s->closed && (req = regio__rq_head(s->rq, REGIO_DIR_SEND)) != NULL) {
    sim_sock *ss = regio__sim_state(s);
    uint32_t total = regio__poll_total(req);
    poll_addr to;
    int cnt, rc;
    if (req->has_remote) {
      rc = regio__poll_addr_from_win(regio__slice_ptr(lab, &req->remote),
                                     regio__poll_af(ss->family), &to);
      if (rc != 0) {
        posted += regio__req_complete(req, rc, 0);
        continue;
      }
    } else if (ss->has_remote) {
      to = ss->remote;
    } else {
      posted += regio__req_complete(req, REGIO_ENOTCONN, 0);
      continue;
    }
    cnt = regio__poll_iov(lab, req, 0, iov);
    rc = regio__sim_dgram_transmit(lab, ss, &to, iov, cnt, total);
    posted += regio__req_complete(req, rc, rc == 0 ? total : 0);
  }
  return posted;
}
