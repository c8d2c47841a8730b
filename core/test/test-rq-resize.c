/* test-rq-resize.c — RIOResizeRequestQueue: not below what is charged (ETOOMANYREFS), not both
   zero (EINVAL), not beyond the CQ's room (ENOBUFS); growing admits more requests. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(rq_resize) {
  static uint8_t mem[64];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 2, 2, cq, cq, 1, &sock, &peer, &rq));
  ASSERT_EQ(regio_cq_reserved(cq), 4);

  /* Two receives pending. */
  s = test_slice(id, 0, 4);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 1));
  s = test_slice(id, 8, 4);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_DEFER, 2));
  s = test_slice(id, 16, 4);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 3), REGIO_ENOBUFS);

  /* Below what is charged; both zero. */
  ASSERT_ERR(regio_rq_resize(rq, 1, 2), REGIO_ETOOMANYREFS);
  ASSERT_ERR(regio_rq_resize(rq, 0, 0), REGIO_EINVAL);
  ASSERT_EQ(regio_rq_limit(rq, REGIO_DIR_RECEIVE), 2);
  ASSERT_EQ(regio_rq_limit(rq, REGIO_DIR_SEND), 2);
  ASSERT_EQ(regio_cq_reserved(cq), 4);

  /* Grow the receive side: a third receive is accepted. */
  ASSERT_OK(regio_rq_resize(rq, 3, 2));
  ASSERT_EQ(regio_rq_limit(rq, REGIO_DIR_RECEIVE), 3);
  ASSERT_EQ(regio_cq_reserved(cq), 5);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 3));
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 3);

  /* Beyond the CQ's room (3 + 6 > 8): ENOBUFS, nothing changes. */
  ASSERT_ERR(regio_rq_resize(rq, 3, 6), REGIO_ENOBUFS);
  ASSERT_EQ(regio_rq_limit(rq, REGIO_DIR_SEND), 2);
  ASSERT_EQ(regio_cq_reserved(cq), 5);
  /* Exactly the room is fine. */
  ASSERT_OK(regio_rq_resize(rq, 3, 5));
  ASSERT_EQ(regio_cq_reserved(cq), 8);

  /* Shrink the idle send side to zero: the receive side keeps the RQ valid. */
  ASSERT_OK(regio_rq_resize(rq, 3, 0));
  ASSERT_EQ(regio_cq_reserved(cq), 3);
  s = test_slice(id, 32, 4);
  ASSERT_ERR(regio_rq_send(rq, &s, 1, 0, 4), REGIO_ENOBUFS);

  /* The pending requests were kept: they complete in order. */
  regio_result res[3];
  ASSERT_OK(regio_rq_commit(rq, REGIO_DIR_RECEIVE));
  ASSERT_EQ(regio_sock_write(peer, "x", 1, TEST_WAIT_MS), 1);
  ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
  ASSERT_EQ_U64(res[0].request_ctx, 1);

  /* After the socket is closed the RQ cannot be resized. */
  regio_sock_close(sock);
  ASSERT_EQ(regio_rq_usable(rq), 0);
  ASSERT_ERR(regio_rq_resize(rq, 4, 4), REGIO_EINVAL);
  ASSERT_EQ(test_await(lab, cq, res, 2, TEST_WAIT_MS), 2);
  ASSERT_STATUS(res[0].status, REGIO_ECANCELED);
  ASSERT_EQ_U64(res[0].request_ctx, 2);
  ASSERT_EQ_U64(res[1].request_ctx, 3);
  /* With its last request dequeued, the closed RQ gives its reservation back. */
  ASSERT_EQ(regio_cq_reserved(cq), 0);
  return TEST_OK;
}
