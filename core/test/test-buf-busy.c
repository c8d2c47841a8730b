/* test-buf-busy.c — deregistering a buffer that a request still uses fails with EBUSY and
   changes nothing; once the completion is dequeued it succeeds. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(buf_busy) {
  static uint8_t mem[1024];
  static uint8_t other[64];
  regio_bufid id, other_id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res;
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_buf_register(lab, other, sizeof(other), &other_id));
  ASSERT_OK(regio_cq_create(lab, 4, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 2, 2, cq, cq, 1, &sock, &peer, &rq));

  /* Two receives use the buffer (different parts of it). */
  s = test_slice(id, 0, 100);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 10));
  s = test_slice(id, 512, 100);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_DEFER, 11));
  ASSERT_EQ(regio_buf_in_flight(lab, id), 2);
  ASSERT_EQ(regio_buf_in_flight(lab, other_id), 0);

  /* Pending: EBUSY, and the registration is unchanged. */
  ASSERT_ERR(regio_buf_deregister(lab, id), REGIO_EBUSY);
  ASSERT_EQ(regio_buf_length(lab, id), sizeof(mem));
  ASSERT_EQ(regio_buf_in_flight(lab, id), 2);
  /* Another buffer is not affected. */
  ASSERT_OK(regio_buf_deregister(lab, other_id));

  /* Completed but not dequeued: still EBUSY (RIO releases at dequeue). */
  ASSERT_OK(regio_rq_commit(rq, REGIO_DIR_RECEIVE));
  ASSERT_EQ(regio_sock_write(peer, "x", 1, TEST_WAIT_MS), 1);
  ASSERT_EQ(test_wait_queued(lab, cq, 1, TEST_WAIT_MS), 1);
  ASSERT_ERR(regio_buf_deregister(lab, id), REGIO_EBUSY);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 2);

  /* One dequeued: one use left, still EBUSY. */
  ASSERT_EQ(regio_cq_dequeue(cq, &res, 1), 1);
  ASSERT_EQ_U64(res.request_ctx, 10);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 1);
  ASSERT_ERR(regio_buf_deregister(lab, id), REGIO_EBUSY);

  /* The second completes and is dequeued: now it succeeds. */
  ASSERT_EQ(regio_sock_write(peer, "y", 1, TEST_WAIT_MS), 1);
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_EQ_U64(res.request_ctx, 11);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 0);
  ASSERT_OK(regio_buf_deregister(lab, id));
  ASSERT_EQ(regio_buf_length(lab, id), 0);
  return TEST_OK;
}
