/* test-buf-generation.c — a deregistered id is never issued again, and using it fails with
   EFAULT (and posts nothing) even after its table slot was reused. */
#include "helpers.h"
#include "task.h"

#define ROUNDS 2000

static int seen_before(const regio_bufid *ids, int n, regio_bufid id) {
  for (int i = 0; i < n; i++)
    if (ids[i] == id) return 1;
  return 0;
}

TEST_ENGINE_IMPL(buf_generation) {
  static uint8_t mem[4096];
  static regio_bufid history[ROUNDS];
  regio_bufid stale, fresh;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  (void)engine;

  /* Register and deregister in a loop: every id is new. */
  for (int i = 0; i < ROUNDS; i++) {
    ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &history[i]));
    ASSERT_NE(history[i], REGIO_INVALID_BUFFERID);
    ASSERT(!seen_before(history, i, history[i]));
    ASSERT_OK(regio_buf_deregister(lab, history[i]));
  }

  /* A stale id stays dead after a new registration (which may reuse its slot). */
  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &stale));
  ASSERT_OK(regio_buf_deregister(lab, stale));
  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &fresh));
  ASSERT_NE(fresh, stale);
  ASSERT_EQ(regio_buf_length(lab, stale), 0);
  ASSERT_EQ(regio_buf_length(lab, fresh), sizeof(mem));

  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 4, 4, cq, cq, 1, &sock, &peer, &rq));
  s = test_slice(stale, 0, 16);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 1), REGIO_EFAULT);
  ASSERT_ERR(regio_rq_send(rq, &s, 1, 0, 2), REGIO_EFAULT);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, REGIO_MSG_DEFER, 3), REGIO_EFAULT);
  /* Deregistering the stale id again must not touch the new registration. */
  ASSERT_OK(regio_buf_deregister(lab, stale));
  ASSERT_EQ(regio_buf_length(lab, fresh), sizeof(mem));
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 0);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_SEND), 0);
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_RECEIVE), 0);
  ASSERT_EQ(regio_buf_in_flight(lab, fresh), 0);

  /* Nothing was posted for the refused requests, even once data flows. */
  ASSERT_EQ(regio_sock_write(peer, "data", 4, TEST_WAIT_MS), 4);
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(regio_cq_queued(cq), 0);

  /* The fresh id works. */
  s = test_slice(fresh, 0, 16);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 4));
  regio_result res;
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, 0);
  ASSERT_EQ(res.bytes, 4);
  ASSERT_EQ_U64(res.request_ctx, 4);
  ASSERT_MEM_EQ(mem, "data", 4);
  return TEST_OK;
}
