/* test-rq-waitall.c — RIO_MSG_WAITALL on TCP: a receive fed in two pieces completes once, full;
   without WAITALL the first piece completes it; an early FIN completes it with status 0 and the
   bytes so far. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(rq_waitall) {
  static uint8_t mem[256];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res[2];
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 4, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 2, 2, cq, cq, 1, &sock, &peer, &rq));

  /* 12 bytes in two writes: one completion of 12. */
  s = test_slice(id, 0, 12);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 1));
  ASSERT_EQ(regio_sock_write(peer, "hello ", 6, TEST_WAIT_MS), 6);
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(regio_cq_queued(cq), 0);
  ASSERT_EQ(regio_sock_write(peer, "world!", 6, TEST_WAIT_MS), 6);
  ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res[0].status, 0);
  ASSERT_EQ(res[0].bytes, 12);
  ASSERT_MEM_EQ(mem, "hello world!", 12);
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(regio_cq_queued(cq), 0);

  /* Without WAITALL the first piece is enough; it never exceeds the slice. */
  s = test_slice(id, 32, 100);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 2));
  ASSERT_EQ(regio_sock_write(peer, "0123456789", 10, TEST_WAIT_MS), 10);
  ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res[0].status, 0);
  ASSERT_GE(res[0].bytes, 1);
  ASSERT_LE(res[0].bytes, 10);
  ASSERT_MEM_EQ(mem + 32, "0123456789", res[0].bytes);
  uint32_t got = res[0].bytes;
  if (got < 10) {
    /* Take the rest so the stream is empty for the next step. */
    s = test_slice(id, 32 + got, 10 - got);
    ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 3));
    ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
    ASSERT_EQ(res[0].bytes, 10 - got);
  }

  /* Early FIN: 40 of 100 bytes, then the peer shuts down its sending side. */
  uint8_t forty[40];
  memset(forty, 'f', sizeof(forty));
  s = test_slice(id, 100, 100);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 4));
  ASSERT_EQ(regio_sock_write(peer, forty, sizeof(forty), TEST_WAIT_MS), 40);
  ASSERT_OK(regio_sock_shutdown(peer, 2));
  ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res[0].status, 0);
  ASSERT_EQ(res[0].bytes, 40);
  ASSERT_EQ_U64(res[0].request_ctx, 4);
  ASSERT_MEM_EQ(mem + 100, forty, 40);

  /* After EOF a receive completes at once with 0 bytes. */
  s = test_slice(id, 0, 8);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 5));
  ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res[0].status, 0);
  ASSERT_EQ(res[0].bytes, 0);
  return TEST_OK;
}
