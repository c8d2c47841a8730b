/*
 * sim-peer.c — plain, non-RIO I/O for the peer side of a scenario on the sim engine (write,
 * read, sendto, recvfrom), and the waits they share.
 *
 * Sending never waits: the bytes are handed to the link at once. Receiving waits in virtual
 * time: the clock jumps from one arrival to the next (the lab's RIO requests are serviced on the
 * way) until the call is satisfied or its deadline passes. A wait without a limit ends as soon as
 * nothing is left in flight, since a single-threaded script cannot send anything meanwhile.
 */
#include "sim-int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

sim_deadline regio__sim_deadline(regio_lab *lab, int timeout_ms) {
  sim_deadline dl;
  dl.at = timeout_ms < 0 ? SIM_NEVER
                         : regio__sim_lab(lab)->now + (uint64_t)timeout_ms * 1000000u;
  return dl;
}

int regio__sim_wait(regio_sock *s, sim_deadline *dl) {
  regio_lab *lab = s->lab;
  sim_lab *sl = regio__sim_lab(lab);
  if (dl->at != SIM_NEVER && sl->now >= dl->at) return REGIO_ETIMEDOUT;
  if (regio__sim_next_event(sl) == SIM_NEVER) {
    if (dl->at == SIM_NEVER) return REGIO_ETIMEDOUT;
    sl->now = dl->at; /* nothing can arrive: the wait takes its whole time */
    return 0;
  }
  (void)regio__sim_run_until(lab, dl->at, s);
  return 0;
}

/* Delivers what is due now and services the lab's requests. */
static void settle(regio_lab *lab) {
  (void)regio__sim_run_until(lab, regio__sim_lab(lab)->now, NULL);
}

int regio__sim_write(regio_sock *s, const void *data, size_t len, int timeout_ms) {
  sim_sock *ss = regio__sim_state(s);
  struct iovec iov;
  uint32_t carried = 0;
  int rc;
  (void)timeout_ms; /* the sim's socket buffers never fill */
  if (ss == NULL) return REGIO_EINVAL;
  if (len > INT_MAX) len = INT_MAX;
  iov.iov_base = (void *)data;
  iov.iov_len = len;
  if (ss->type == REGIO_SOCK_UDP) {
    if (!ss->has_remote) return REGIO_ENOTCONN;
    rc = regio__sim_dgram_transmit(s->lab, ss, &ss->remote, &iov, 1, (uint32_t)len);
    return rc < 0 ? rc : (int)len;
  }
  if (s->error != 0) return s->error;
  rc = regio__sim_stream_transmit(s->lab, ss, &iov, 1, (uint32_t)len, &carried);
  if (rc == REGIO_ECONNRESET) s->error = rc;
  return carried > 0 ? (int)carried : rc;
}

/* Reads one arrived datagram into data (truncated to cap); sets *from. Returns its length after
   truncation, or -1 when none arrived. */
static int take_datagram(sim_sock *ss, void *data, size_t cap, regio_addr *from) {
  sim_pkt *pkt = regio__sim_pop_ready(ss);
  int n;
  if (pkt == NULL) return -1;
  n = (int)(pkt->len < cap ? pkt->len : cap);
  memcpy(data, pkt->data, (size_t)n);
  if (from != NULL) regio__poll_addr_print((const struct sockaddr *)&pkt->from.ss, from);
  regio__free(pkt);
  return n;
}

int regio__sim_read(regio_sock *s, void *data, size_t len, int timeout_ms) {
  sim_deadline dl = regio__sim_deadline(s->lab, timeout_ms);
  size_t got = 0;
  if (len > INT_MAX) len = INT_MAX;
  for (;;) {
    sim_sock *ss;
    int rc;
    settle(s->lab);
    if ((ss = regio__sim_state(s)) == NULL) return got > 0 ? (int)got : REGIO_EINVAL;
    if (ss->type == REGIO_SOCK_UDP) {
      int n = take_datagram(ss, data, len, NULL);
      if (n >= 0) return n;
    } else {
      struct iovec iov;
      if (ss->reset) return got > 0 ? (int)got : REGIO_ECONNRESET;
      iov.iov_base = (char *)data + got;
      iov.iov_len = len - got;
      got += regio__sim_stream_take(ss, &iov, 1, (uint32_t)(len - got), false);
      if (got == len) return (int)got;
      if (ss->rst_in) {
        s->error = REGIO_ECONNRESET;
        return got > 0 ? (int)got : REGIO_ECONNRESET;
      }
      if (ss->fin_in || ss->shut_rd) return (int)got;
    }
    rc = regio__sim_wait(s, &dl);
    if (rc == REGIO_ETIMEDOUT) return (int)got;
    if (rc < 0) return got > 0 ? (int)got : rc;
  }
}

int regio__sim_sendto(regio_sock *s, const void *data, size_t len, const char *host,
                      uint16_t port) {
  sim_sock *ss = regio__sim_state(s);
  struct iovec iov;
  poll_addr to;
  int rc;
  if (ss == NULL) return REGIO_EINVAL;
  if (len > SIM_MAX_DATAGRAM) return REGIO_EMSGSIZE;
  if (host != NULL) {
    rc = regio__poll_resolve(host, port, regio__poll_af(ss->family), &to);
    if (rc != 0) return rc;
  } else if (ss->has_remote) {
    to = ss->remote;
  } else {
    return REGIO_ENOTCONN;
  }
  iov.iov_base = (void *)data;
  iov.iov_len = len;
  rc = regio__sim_dgram_transmit(s->lab, ss, &to, &iov, 1, (uint32_t)len);
  return rc < 0 ? rc : (int)len;
}

int regio__sim_recvfrom(regio_sock *s, void *data, size_t cap, int timeout_ms, regio_addr *from) {
  sim_deadline dl = regio__sim_deadline(s->lab, timeout_ms);
  if (cap > INT_MAX) cap = INT_MAX;
  if (from != NULL) memset(from, 0, sizeof(*from));
  for (;;) {
    sim_sock *ss;
    int n, rc;
    settle(s->lab);
    if ((ss = regio__sim_state(s)) == NULL) return REGIO_EINVAL;
    if ((n = take_datagram(ss, data, cap, from)) >= 0) return n;
    if ((rc = regio__sim_wait(s, &dl)) != 0) return rc;
  }
}
