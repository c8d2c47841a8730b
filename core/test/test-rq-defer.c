/* test-rq-defer.c — RIO_MSG_DEFER and RIO_MSG_COMMIT_ONLY: deferred requests are charged; a
   commit or a later non-deferred request of the same direction starts them in posting order;
   a malformed commit is EINVAL and consumes nothing; a commit posts no completion. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(rq_defer) {
  static uint8_t mem[256];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res[4];
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 3, 3, cq, cq, 1, &sock, &peer, &rq));

  /* DEFER is charged: three deferred receives fill a limit of 3. */
  for (uint32_t i = 0; i < 3; i++) {
    s = test_slice(id, 10 * i, 10);
    ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_DEFER | REGIO_MSG_WAITALL, 10 + i));
  }
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 3);
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_RECEIVE), 3);
  s = test_slice(id, 100, 10);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 99), REGIO_ENOBUFS);
  /* That refusal did not flush the deferred ones. */
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_RECEIVE), 3);

  /* Malformed commits: EINVAL, nothing charged, nothing started. */
  s = test_slice(id, 100, 10);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, REGIO_MSG_COMMIT_ONLY, 0), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_receive(rq, &s, 0, REGIO_MSG_COMMIT_ONLY, 0), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_receive(rq, NULL, 0, REGIO_MSG_COMMIT_ONLY, 5), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_receive(rq, NULL, 0, REGIO_MSG_COMMIT_ONLY | REGIO_MSG_DEFER, 0),
             REGIO_EINVAL);
  ASSERT_ERR(regio_rq_receive(rq, NULL, 0, REGIO_MSG_COMMIT_ONLY | REGIO_MSG_DONT_NOTIFY, 0),
             REGIO_EINVAL);
  ASSERT_ERR(regio_rq_send(rq, NULL, 0, REGIO_MSG_COMMIT_ONLY | REGIO_MSG_WAITALL, 0),
             REGIO_EINVAL);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 3);
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_RECEIVE), 3);

  /* The peer sends 30 bytes; a receive commit starts the three, in order. Nothing is asserted
     about the time before the commit: RIO says deferred requests "may or may not" start. */
  ASSERT_EQ(regio_sock_write(peer, "0123456789abcdefghijABCDEFGHIJ", 30, TEST_WAIT_MS), 30);
  ASSERT_OK(regio_rq_receive(rq, NULL, 0, REGIO_MSG_COMMIT_ONLY, 0));
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_RECEIVE), 0);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 3);
  ASSERT_EQ(test_await(lab, cq, res, 3, TEST_WAIT_MS), 3);
  for (uint32_t i = 0; i < 3; i++) {
    ASSERT_STATUS(res[i].status, 0);
    ASSERT_EQ(res[i].bytes, 10);
    ASSERT_EQ_U64(res[i].request_ctx, 10 + i);
  }
  ASSERT_MEM_EQ(mem, "0123456789abcdefghijABCDEFGHIJ", 30);
  /* No completion for the commit itself; committing with nothing deferred is fine. */
  ASSERT_OK(regio_rq_commit(rq, REGIO_DIR_RECEIVE));
  ASSERT_OK(regio_rq_send(rq, NULL, 0, REGIO_MSG_COMMIT_ONLY, 0));
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 4), 0);

  /* A non-deferred send flushes the deferred sends before it, in order. */
  memcpy(mem + 128, "one-two-three", 13);
  s = test_slice(id, 128, 4);
  ASSERT_OK(regio_rq_send(rq, &s, 1, REGIO_MSG_DEFER, 20));
  s = test_slice(id, 132, 4);
  ASSERT_OK(regio_rq_send(rq, &s, 1, REGIO_MSG_DEFER, 21));
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_SEND), 2);
  s = test_slice(id, 136, 5);
  ASSERT_OK(regio_rq_send(rq, &s, 1, 0, 22));
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_SEND), 0);
  char got[13];
  ASSERT_EQ(regio_sock_read(peer, got, sizeof(got), TEST_WAIT_MS), 13);
  ASSERT_MEM_EQ(got, "one-two-three", 13);
  ASSERT_EQ(test_await(lab, cq, res, 3, TEST_WAIT_MS), 3);
  ASSERT_EQ_U64(res[0].request_ctx, 20);
  ASSERT_EQ_U64(res[1].request_ctx, 21);
  ASSERT_EQ_U64(res[2].request_ctx, 22);

  /* Commit is per direction: a send commit starts the deferred send; the deferred receive is
     started by the receive commit. */
  s = test_slice(id, 200, 4);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_DEFER | REGIO_MSG_WAITALL, 30));
  memcpy(mem + 210, "ping", 4);
  s = test_slice(id, 210, 4);
  ASSERT_OK(regio_rq_send(rq, &s, 1, REGIO_MSG_DEFER, 31));
  ASSERT_OK(regio_rq_commit(rq, REGIO_DIR_SEND));
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_SEND), 0);
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_RECEIVE), 1);
  ASSERT_EQ(regio_sock_read(peer, got, 4, TEST_WAIT_MS), 4);
  ASSERT_MEM_EQ(got, "ping", 4);
  ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
  ASSERT_EQ_U64(res[0].request_ctx, 31);
  ASSERT_OK(regio_rq_commit(rq, REGIO_DIR_RECEIVE));
  ASSERT_EQ(regio_sock_write(peer, "pong", 4, TEST_WAIT_MS), 4);
  ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
  ASSERT_EQ_U64(res[0].request_ctx, 30);
  ASSERT_MEM_EQ(mem + 200, "pong", 4);
  return TEST_OK;
}
