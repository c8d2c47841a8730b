/* test-sock-close.c — closing a socket completes every outstanding request of its RQ, started or
   deferred, with ECANCELED and 0 bytes, in posting order, contexts preserved; the RQ refuses
   later submissions with EINVAL. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(sock_close) {
  static uint8_t mem[256];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res[8];
  regio_lab_stats st;
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 4, 4, cq, cq, 0xABC, &sock, &peer, &rq));

  /* Two started and two deferred receives. */
  for (uint32_t i = 0; i < 4; i++) {
    s = test_slice(id, 16 * i, 16);
    ASSERT_OK(regio_rq_receive(rq, &s, 1, i < 2 ? 0 : REGIO_MSG_DEFER, 1000 + i));
  }
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_RECEIVE), 2);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 4);
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.requests, 4);

  regio_sock_close(sock);
  ASSERT_EQ(regio_rq_usable(rq), 0);
  s = test_slice(id, 128, 16);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 9), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_send(rq, &s, 1, 0, 9), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_commit(rq, REGIO_DIR_RECEIVE), REGIO_EINVAL);

  ASSERT_EQ(test_await(lab, cq, res, 4, TEST_WAIT_MS), 4);
  for (uint32_t i = 0; i < 4; i++) {
    ASSERT_STATUS(res[i].status, REGIO_ECANCELED);
    ASSERT_EQ(res[i].bytes, 0);
    ASSERT_EQ_U64(res[i].socket_ctx, 0xABC);
    ASSERT_EQ_U64(res[i].request_ctx, 1000 + i);
  }
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 8), 0);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 0);
  ASSERT_EQ(regio_cq_reserved(cq), 0);
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.requests, 0);

  /* The peer sees the connection end. */
  char byte;
  ASSERT_EQ(regio_sock_read(peer, &byte, 1, TEST_WAIT_MS), 0);
  regio_sock_close(peer);
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.sockets, 0);
  return TEST_OK;
}
