/* test-oom.c — every allocation of a representative scenario fails once, in turn: each failure
   must come back as an error code of the call that needed the memory, and closing the lab must
   then free everything (ASan/LSan and valgrind runs check the "no leak" half). */
#include "helpers.h"
#include "task.h"

#include <string.h>

/* Returns rc from the scenario when it is negative. */
#define STEP(expr)            \
  do {                        \
    int rc_ = (expr);         \
    if (rc_ < 0) return rc_;  \
  } while (0)

/* The scenario: buffers, a polled and an event CQ, a port, a TCP pair with an RQ, deferred and
   plain receives, a send, notify, dequeue, resize, a UDP socket, traces, and a close with
   requests in flight. Returns 0 or the first error met. */
static int scenario(regio_lab *lab) {
  static uint8_t mem[4096];
  regio_bufid id;
  regio_cq *cq, *ecq, *icq;
  regio_port *port;
  regio_sock *a, *b, *u;
  regio_rq *rq;
  regio_rq_limits lim = {4, 1, 4, 1};
  regio_notify ev = {REGIO_NOTIFY_EVENT, 1, NULL, 0, 0};
  regio_notify io = {REGIO_NOTIFY_IOCP, 0, NULL, 7, 9};
  regio_slice s;
  regio_result res[8];
  uint32_t got = 0;
  uint64_t t0 = test_now_ms();

  STEP(regio_lab_trace(lab, 1));
  STEP(regio_buf_register(lab, mem, sizeof(mem), &id));
  STEP(regio_cq_create(lab, 16, NULL, &cq));
  STEP(regio_cq_create(lab, 4, &ev, &ecq));
  STEP(regio_port_create(lab, &port));
  io.port = port;
  STEP(regio_cq_create(lab, 4, &io, &icq));
  STEP(regio_sock_tcp_pair(lab, 4, &a, &b));
  STEP(regio_rq_create(a, &lim, cq, cq, 1, &rq));
  s = test_slice(id, 0, 8);
  STEP(regio_rq_receive(rq, &s, 1, REGIO_MSG_DEFER, 10));
  s = test_slice(id, 8, 8);
  STEP(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 11));
  s = test_slice(id, 100, 5);
  memcpy(mem + 100, "hello", 5);
  STEP(regio_rq_send(rq, &s, 1, 0, 12));
  STEP(regio_sock_write(b, "0123456789abcdef", 16, TEST_WAIT_MS));
  while (got < 3 && test_now_ms() - t0 < TEST_WAIT_MS) {
    int n;
    STEP(regio_lab_poll(lab, 10));
    n = regio_cq_dequeue(cq, res + got, 3 - got);
    STEP(n);
    got += (uint32_t)n;
  }
  if (got < 3) return REGIO_ETIMEDOUT;
  STEP(regio_cq_resize(cq, 32));
  STEP(regio_cq_notify(ecq));
  STEP(regio_cq_notify(icq));
  STEP(regio_port_post(port, 1, 2));
  STEP(regio_sock_udp(lab, "127.0.0.1", 0, &u));
  /* Requests left in flight for the close. */
  s = test_slice(id, 200, 8);
  STEP(regio_rq_receive(rq, &s, 1, 0, 13));
  STEP(regio_rq_receive(rq, &s, 1, REGIO_MSG_DEFER, 14));
  regio_sock_close(a);
  return 0;
}

TEST_ENGINE_IMPL(oom) {
  uint64_t n, total, failures = 0;
  regio_lab *l = NULL;
  uint64_t start = regio_alloc_count();
  (void)lab;
  /* A clean run counts the scenario's allocations. */
  regio_alloc_fail_at(0);
  ASSERT_OK(regio_lab_open(&l, engine, "windows", 1));
  ASSERT_OK(scenario(l));
  regio_lab_close(l);
  total = regio_alloc_count() - start;
  ASSERT_GT(total, 0);
  for (n = 1; n <= total; n++) {
    int rc;
    l = NULL;
    regio_alloc_fail_at(n);
    rc = regio_lab_open(&l, engine, "windows", 1);
    if (rc == 0) {
      rc = scenario(l);
      regio_lab_close(l);
    }
    regio_alloc_fail_at(0);
    /* A failure is one of regio's error names (never a crash). A run that still succeeds
       absorbed the failure (a trace that stopped recording, a lost port wake-up). */
    if (rc < 0) {
      ASSERT(strcmp(regio_err_name(rc), "UNKNOWN") != 0);
      failures++;
    }
  }
  printf("oom_%s: %llu allocation points walked, %llu surfaced as errors\n", engine,
         (unsigned long long)total, (unsigned long long)failures);
  ASSERT_GT(failures, 0);
  return TEST_OK;
}
