/* test-rq-limits.c — the RQ's outstanding limits: the request past the limit fails with ENOBUFS
   and never completes; a slot comes back at dequeue, not at completion; a zero limit refuses
   every request of that direction. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(rq_limits) {
  static uint8_t mem[64];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res[4];
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 2, 0, cq, cq, 1, &sock, &peer, &rq));

  /* Two receives fit; the third does not. */
  s = test_slice(id, 0, 1);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 1));
  s = test_slice(id, 8, 1);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 2));
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 2);
  s = test_slice(id, 16, 1);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 3), REGIO_ENOBUFS);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, REGIO_MSG_DEFER, 3), REGIO_ENOBUFS);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 2);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 2);

  /* Zero send limit: every send is ENOBUFS. */
  ASSERT_ERR(regio_rq_send(rq, &s, 1, 0, 4), REGIO_ENOBUFS);
  ASSERT_ERR(regio_rq_send(rq, &s, 1, REGIO_MSG_DEFER, 4), REGIO_ENOBUFS);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_SEND), 0);

  /* One byte arrives: one completion queued, but the slot is still charged. */
  ASSERT_EQ(regio_sock_write(peer, "A", 1, TEST_WAIT_MS), 1);
  ASSERT_EQ(test_wait_queued(lab, cq, 1, TEST_WAIT_MS), 1);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 2);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 5), REGIO_ENOBUFS);

  /* Dequeue it: the slot is free again. */
  ASSERT_EQ(regio_cq_dequeue(cq, res, 4), 1);
  ASSERT_EQ_U64(res[0].request_ctx, 1);
  ASSERT_EQ(res[0].bytes, 1);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 1);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 6));
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 7), REGIO_ENOBUFS);

  /* Exactly one completion per accepted request: 2 and 6, nothing for 3, 4, 5 or 7. */
  ASSERT_EQ(regio_sock_write(peer, "BC", 2, TEST_WAIT_MS), 2);
  ASSERT_EQ(test_await(lab, cq, res, 2, TEST_WAIT_MS), 2);
  ASSERT_EQ_U64(res[0].request_ctx, 2);
  ASSERT_EQ_U64(res[1].request_ctx, 6);
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 4), 0);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 0);

  /* Both limits zero cannot even be created. */
  regio_sock *a, *b;
  regio_rq *zero;
  regio_rq_limits lim = {0, 1, 0, 1};
  ASSERT_OK(regio_sock_tcp_pair(lab, 4, &a, &b));
  ASSERT_ERR(regio_rq_create(a, &lim, cq, cq, 1, &zero), REGIO_EINVAL);

  /* Zero receive limit, send limit 1: receives are ENOBUFS. */
  lim = (regio_rq_limits){0, 1, 1, 1};
  ASSERT_OK(regio_rq_create(a, &lim, cq, cq, 1, &zero));
  ASSERT_ERR(regio_rq_receive(zero, &s, 1, 0, 8), REGIO_ENOBUFS);
  ASSERT_OK(regio_rq_send(zero, &s, 1, 0, 9));
  ASSERT_ERR(regio_rq_send(zero, &s, 1, 0, 10), REGIO_ENOBUFS);
  return TEST_OK;
}
