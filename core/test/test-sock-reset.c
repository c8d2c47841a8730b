/* test-sock-reset.c — an abortive close (RST) by the peer fails the pending receive with
   ECONNRESET; a graceful close completes it with 0 bytes (EOF). */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(sock_reset) {
  static uint8_t mem[64];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res;
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));

  /* Reset. */
  ASSERT_OK(test_tcp_rq(lab, 2, 2, cq, cq, 1, &sock, &peer, &rq));
  s = test_slice(id, 0, 16);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 1));
  regio_sock_abort(peer);
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, REGIO_ECONNRESET);
  ASSERT_EQ_U64(res.request_ctx, 1);
  regio_sock_close(sock);
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(regio_cq_dequeue(cq, &res, 1), 0);

  /* Graceful close: EOF, status 0, 0 bytes. */
  ASSERT_OK(test_tcp_rq(lab, 2, 2, cq, cq, 2, &sock, &peer, &rq));
  s = test_slice(id, 0, 16);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 2));
  regio_sock_close(peer);
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, 0);
  ASSERT_EQ(res.bytes, 0);
  ASSERT_EQ_U64(res.request_ctx, 2);
  return TEST_OK;
}
