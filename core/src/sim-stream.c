/*
 * sim-stream.c — TCP on the sim engine: sending through the link (segments, reset_after),
 * FIN and RST marks, reading arrived bytes, and the service of RIO's head requests.
 *
 * Only the oldest started request of a direction is worked on, so bytes land in posting order.
 * A send completes as soon as its bytes are handed to the link (the sim's socket buffers have no
 * limit); the link decides when they arrive. A receive without WAITALL completes with what has
 * arrived, ending at a segment's end when the sender's link cuts segments; with WAITALL it
 * completes when its goal is met (the first slice under the preview profile), at EOF or on a
 * reset. Data that arrived before a FIN or an RST is read first.
 */
#include "sim-int.h"

#include <stdlib.h>
#include <string.h>

/* A position in an iovec list. */
typedef struct iov_cursor {
  const struct iovec *iov;
  int cnt, i;
  size_t off;
} iov_cursor;

/* Copies n bytes from the cursor's iovecs to dst (from_iov 1) or from src into them (0). */
static void cursor_move(iov_cursor *c, uint8_t *buf, uint32_t n, int from_iov) {
  while (n > 0 && c->i < c->cnt) {
    size_t room = c->iov[c->i].iov_len - c->off;
    size_t k = room < n ? room : n;
    uint8_t *p = (uint8_t *)c->iov[c->i].iov_base + c->off;
    if (from_iov) memcpy(buf, p, k);
    else memcpy(p, buf, k);
    buf += k;
    n -= (uint32_t)k;
    c->off += k;
    if (c->off == c->iov[c->i].iov_len) c->i++, c->off = 0;
  }
}

void regio__sim_stream_mark(regio_lab *lab, sim_sock *ss, bool rst) {
  sim_lab *sl = regio__sim_lab(lab);
  sim_sock *peer = ss->peer;
  sim_pkt *pkt;
  if (peer == NULL) return;
  pkt = regio__sim_pkt_new(sl, rst ? SIM_PKT_RST : SIM_PKT_FIN, NULL, 0);
  if (pkt == NULL) return;
  pkt->at = regio__sim_schedule(sl, ss, 0, true);
  regio__sim_enqueue(peer, pkt);
  if (rst) {
    regio__trace_net(lab, ss->owner, "reset sent", 0);
    peer->rst_coming = true;
    peer->peer = NULL;
    ss->peer = NULL;
  } else {
    regio__trace_net(lab, ss->owner, "fin sent", 0);
  }
}

/* The other end is gone: what this end sends is answered with an RST, one way-trip later. */
static void answer_closed_peer(regio_lab *lab, sim_sock *ss) {
  sim_lab *sl = regio__sim_lab(lab);
  sim_pkt *pkt;
  if (ss->rst_coming) return;
  pkt = regio__sim_pkt_new(sl, SIM_PKT_RST, NULL, 0);
  if (pkt == NULL) return;
  pkt->at = regio__sim_schedule(sl, ss, 0, true);
  regio__sim_enqueue(ss, pkt);
  ss->rst_coming = true;
  regio__trace_net(lab, ss->owner, "sent to a closed peer: reset", 0);
}

int regio__sim_stream_transmit(regio_lab *lab, sim_sock *ss, const struct iovec *iov, int cnt,
                               uint32_t len, uint32_t *carried) {
  sim_lab *sl = regio__sim_lab(lab);
  iov_cursor cur = {iov, cnt, 0, 0};
  uint32_t allowed = len, seg, off = 0;
  bool cut = false;
  *carried = 0;
  if (ss->reset || ss->rst_in) return REGIO_ECONNRESET;
  if (ss->shut_wr) return REGIO_ESHUTDOWN;
  if (ss->link.reset_after >= 0) {
    uint64_t limit = (uint64_t)ss->link.reset_after;
    uint64_t left = limit > ss->sent ? limit - ss->sent : 0;
    if ((uint64_t)len >= left) {
      allowed = (uint32_t)left;
      cut = true;
    }
  }
  if (ss->peer == NULL) {
    answer_closed_peer(lab, ss);
    *carried = len;
    return 0;
  }
  seg = ss->link.segment > 0 ? ss->link.segment : allowed;
  while (off < allowed) {
    uint32_t n = allowed - off < seg ? allowed - off : seg;
    sim_pkt *pkt = regio__sim_pkt_new(sl, SIM_PKT_DATA, NULL, n);
    if (pkt == NULL) {
      *carried = off;
      ss->sent += off;
      return REGIO_ENOMEM;
    }
    cursor_move(&cur, pkt->data, n, 1);
    pkt->alone = ss->link.segment > 0;
    pkt->at = regio__sim_schedule(sl, ss, n, true);
    regio__sim_enqueue(ss->peer, pkt);
    off += n;
  }
  ss->sent += allowed;
  *carried = allowed;
  if (cut) {
    regio__trace_net(lab, ss->owner, "reset after the link's byte limit", allowed);
    regio__sim_stream_mark(lab, ss, true);
    ss->reset = true;
    return allowed < len ? REGIO_ECONNRESET : 0;
  }
  return 0;
}

/* Frees the first ready packet. */
static void drop_head(sim_pktq *q) {
  sim_pkt *pkt = q->head;
  q->head = pkt->next;
  if (q->head == NULL) q->tail = NULL;
  q->count--;
  regio__free(pkt);
}

uint32_t regio__sim_stream_take(sim_sock *ss, const struct iovec *iov, int cnt, uint32_t max,
                                bool by_segment) {
  iov_cursor cur = {iov, cnt, 0, 0};
  uint32_t copied = 0;
  while (copied < max && ss->ready.head != NULL) {
    sim_pkt *pkt = ss->ready.head;
    uint32_t avail = pkt->len - pkt->off;
    uint32_t n = avail < max - copied ? avail : max - copied;
    bool alone = pkt->alone;
    /* A segment is read on its own: do not start one after bytes of another. */
    if (by_segment && alone && copied > 0) break;
    cursor_move(&cur, pkt->data + pkt->off, n, 0);
    pkt->off += n;
    copied += n;
    if (pkt->off < pkt->len) break; /* max reached */
    drop_head(&ss->ready);
    if (by_segment && alone) break;
  }
  return copied;
}

/* Returns how many bytes a receive must hold before it completes: any byte without WAITALL; the
   first slice's length under the preview profile; otherwise every slice. */
static uint32_t recv_goal(const regio_lab *lab, const regio_req *req, uint32_t total) {
  if ((req->flags & REGIO_MSG_WAITALL) == 0) return 1;
  if (lab->profile == REGIO_PROFILE_PREVIEW && req->nslices > 1) return req->slices[0].length;
  return total;
}

/* Completes the head receive, writing its Ex outputs (peer and local address) first. */
static int finish_recv(regio_sock *s, sim_sock *ss, regio_req *req, int status, uint32_t bytes) {
  if (req->has_remote || req->has_local || req->has_flags || req->has_control) {
    regio__poll_fill_ex(s->lab, req, ss->has_remote ? (struct sockaddr *)&ss->remote.ss : NULL,
                        (struct sockaddr *)&ss->local.ss, 0);
  }
  return regio__req_complete(req, status, bytes);
}

int regio__sim_stream_recv(regio_sock *s) {
  regio_lab *lab = s->lab;
  struct iovec iov[REGIO_MAX_SLICES];
  regio_req *req;
  int posted = 0;
  while (!s->closed && (req = regio__rq_head(s->rq, REGIO_DIR_RECEIVE)) != NULL) {
    sim_sock *ss = regio__sim_state(s);
    uint32_t total = regio__poll_total(req);
    uint32_t goal = recv_goal(lab, req, total);
    bool waitall = (req->flags & REGIO_MSG_WAITALL) != 0;
    if (ss->reset) s->error = REGIO_ECONNRESET;
    if (s->error == 0 && req->done < total && ss->ready.count > 0) {
      int cnt = regio__poll_iov(lab, req, req->done, iov);
      uint32_t max = (waitall ? goal : total) - req->done;
      req->done += regio__sim_stream_take(ss, iov, cnt, max, !waitall);
    }
    if (s->error == 0 && (waitall ? req->done >= goal : req->done > 0)) {
      posted += finish_recv(s, ss, req, 0, req->done);
      continue;
    }
    if (s->error == 0 && ss->ready.count > 0) break; /* not reached: take stops only when full */
    if (s->error == 0 && ss->rst_in) s->error = REGIO_ECONNRESET;
    if (s->error != 0) {
      posted += finish_recv(s, ss, req, s->error, req->done);
      continue;
    }
    if (ss->fin_in || ss->shut_rd) {
      s->eof = true;
      posted += finish_recv(s, ss, req, 0, req->done);
      continue;
    }
    break;
  }
  return posted;
}

int regio__sim_stream_send(regio_sock *s) {
  regio_lab *lab = s->lab;
  struct iovec iov[REGIO_MAX_SLICES];
  regio_req *req;
  int posted = 0;
  while (!s->closed && (req = regio__rq_head(s->rq, REGIO_DIR_SEND)) != NULL) {
    sim_sock *ss = regio__sim_state(s);
    uint32_t total = regio__poll_total(req), carried = 0;
    int cnt, rc;
    if (s->error != 0) {
      posted += regio__req_complete(req, s->error, 0);
      continue;
    }
    cnt = regio__poll_iov(lab, req, 0, iov);
    rc = regio__sim_stream_transmit(lab, ss, iov, cnt, total, &carried);
    if (rc == REGIO_ECONNRESET) s->error = rc;
    posted += regio__req_complete(req, rc, rc == 0 ? total : carried);
  }
  return posted;
}
