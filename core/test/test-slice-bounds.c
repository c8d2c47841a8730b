/* test-slice-bounds.c — a slice must lie inside its registration (checked without wrap-around);
   a refused request is never charged and never completes. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(slice_bounds) {
  static uint8_t mem[4096];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res[4];
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 4, 4, cq, cq, 1, &sock, &peer, &rq));

  /* Out of range, by one byte, by wrap-around, and entirely past the end. */
  s = test_slice(id, 4000, 97);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 1), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_send(rq, &s, 1, 0, 1), REGIO_EINVAL);
  s = test_slice(id, 0xFFFFFFF0u, 0x20);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 2), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_send(rq, &s, 1, 0, 2), REGIO_EINVAL);
  s = test_slice(id, 0x20, 0xFFFFFFF0u);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 3), REGIO_EINVAL);
  s = test_slice(id, 4097, 0);
  ASSERT_ERR(regio_rq_send(rq, &s, 1, 0, 4), REGIO_EINVAL);
  /* A zero-length slice is refused for a receive. */
  s = test_slice(id, 0, 0);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 5), REGIO_EINVAL);
  /* Refused even with DEFER: nothing is charged or deferred. */
  s = test_slice(id, 4000, 97);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, REGIO_MSG_DEFER, 6), REGIO_EINVAL);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 0);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_SEND), 0);
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_RECEIVE), 0);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 0);

  /* Exactly up to the end is accepted. */
  s = test_slice(id, 4000, 96);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 100));
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 1);
  memcpy(mem, "0123456789", 10);
  s = test_slice(id, 0, 10);
  ASSERT_OK(regio_rq_send(rq, &s, 1, 0, 101));

  /* The peer sends 96 bytes; exactly two completions appear: the receive and the send. */
  uint8_t payload[96];
  memset(payload, 'z', sizeof(payload));
  ASSERT_EQ(regio_sock_write(peer, payload, sizeof(payload), TEST_WAIT_MS), 96);
  ASSERT_EQ(test_await(lab, cq, res, 2, TEST_WAIT_MS), 2);
  for (int i = 0; i < 2; i++) {
    ASSERT_STATUS(res[i].status, 0);
    if (res[i].request_ctx == 100) {
      ASSERT_EQ(res[i].bytes, 96);
    } else {
      ASSERT_EQ_U64(res[i].request_ctx, 101);
      ASSERT_EQ(res[i].bytes, 10);
    }
  }
  ASSERT_MEM_EQ(mem + 4000, payload, 96);
  char echo[10];
  ASSERT_EQ(regio_sock_read(peer, echo, sizeof(echo), TEST_WAIT_MS), 10);
  ASSERT_MEM_EQ(echo, "0123456789", 10);

  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 4), 0);
  return TEST_OK;
}
