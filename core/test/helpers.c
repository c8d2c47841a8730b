/* helpers.c — the shared test helpers declared in helpers.h. */
#include "helpers.h"

#include <time.h>

uint64_t test_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint32_t test_wait_queued(regio_lab *lab, regio_cq *cq, uint32_t n, int timeout_ms) {
  uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
  while (regio_cq_queued(cq) < n && test_now_ms() < deadline) {
    if (regio_lab_poll(lab, 5) < 0) break;
  }
  return regio_cq_queued(cq);
}

void test_settle(regio_lab *lab, int ms) {
  uint64_t deadline = test_now_ms() + (uint64_t)ms;
  while (test_now_ms() < deadline) {
    if (regio_lab_poll(lab, 5) < 0) break;
  }
}

uint32_t test_await(regio_lab *lab, regio_cq *cq, regio_result *out, uint32_t n, int timeout_ms) {
  uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
  uint32_t taken = 0;
  for (;;) {
    int got = regio_cq_dequeue(cq, out + taken, n - taken);
    if (got < 0) break;
    taken += (uint32_t)got;
    if (taken == n || test_now_ms() >= deadline) break;
    if (regio_lab_poll(lab, 5) < 0) break;
  }
  return taken;
}

int test_tcp_rq(regio_lab *lab, uint32_t max_recv, uint32_t max_send, regio_cq *recv_cq,
                regio_cq *send_cq, uint64_t socket_ctx, regio_sock **sock, regio_sock **peer,
                regio_rq **rq) {
  regio_rq_limits limits = {max_recv, 1, max_send, 1};
  int r = regio_sock_tcp_pair(lab, 4, sock, peer);
  if (r != 0) return r;
  return regio_rq_create(*sock, &limits, recv_cq, send_cq, socket_ctx, rq);
}

regio_slice test_slice(regio_bufid id, uint32_t offset, uint32_t length) {
  regio_slice s = {id, offset, length};
  return s;
}
