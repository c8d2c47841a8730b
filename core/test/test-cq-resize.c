/* test-cq-resize.c — RIOResizeCompletionQueue: growing keeps queued results in order (also
   when the ring has wrapped); shrinking below the reservations or the queued count fails with
   ETOOMANYREFS and changes nothing; sizes outside 1..RIO_MAX_CQ_SIZE are EINVAL. */
#include "helpers.h"
#include "task.h"

/* Sends one byte with the given context. */
static void send_one(regio_rq *rq, regio_bufid id, uint64_t ctx) {
  regio_slice s = test_slice(id, (uint32_t)(ctx % 16), 1);
  ASSERT_OK(regio_rq_send(rq, &s, 1, 0, ctx));
}

TEST_ENGINE_IMPL(cq_resize) {
  static uint8_t mem[16];
  regio_bufid id;
  regio_cq *cq, *big;
  regio_sock *sock, *peer, *s2, *p2;
  regio_rq *rq, *rq2;
  regio_result res[8];
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 4, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 0, 4, cq, cq, 9, &sock, &peer, &rq));

  /* Make the ring wrap: 3 sends, dequeue 2, 2 more sends -> 3 queued, starting mid-ring. */
  send_one(rq, id, 1);
  send_one(rq, id, 2);
  send_one(rq, id, 3);
  ASSERT_EQ(test_wait_queued(lab, cq, 3, TEST_WAIT_MS), 3);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 2), 2);
  ASSERT_EQ_U64(res[0].request_ctx, 1);
  ASSERT_EQ_U64(res[1].request_ctx, 2);
  send_one(rq, id, 4);
  send_one(rq, id, 5);
  ASSERT_EQ(test_wait_queued(lab, cq, 3, TEST_WAIT_MS), 3);

  /* Out of range: EINVAL, nothing changes. */
  ASSERT_ERR(regio_cq_resize(cq, 0), REGIO_EINVAL);
  ASSERT_ERR(regio_cq_resize(cq, REGIO_MAX_CQ_SIZE + 1), REGIO_EINVAL);
  /* Below the reservation (4) and the queued count (3): ETOOMANYREFS. */
  ASSERT_ERR(regio_cq_resize(cq, 3), REGIO_ETOOMANYREFS);
  ASSERT_ERR(regio_cq_resize(cq, 2), REGIO_ETOOMANYREFS);
  ASSERT_EQ(regio_cq_size(cq), 4);
  ASSERT_EQ(regio_cq_queued(cq), 3);

  /* Grow: the same three, in order. */
  ASSERT_OK(regio_cq_resize(cq, 16));
  ASSERT_EQ(regio_cq_size(cq), 16);
  ASSERT_EQ(regio_cq_queued(cq), 3);
  ASSERT_EQ(regio_cq_reserved(cq), 4);
  /* Shrink back to exactly the reservation: allowed, order kept. */
  ASSERT_OK(regio_cq_resize(cq, 4));
  ASSERT_EQ(regio_cq_size(cq), 4);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 8), 3);
  ASSERT_EQ_U64(res[0].request_ctx, 3);
  ASSERT_EQ_U64(res[1].request_ctx, 4);
  ASSERT_EQ_U64(res[2].request_ctx, 5);
  for (int i = 0; i < 3; i++) ASSERT_EQ_U64(res[i].socket_ctx, 9);

  /* Resizing to the same size is fine; a grown CQ takes a new RQ. */
  ASSERT_OK(regio_cq_resize(cq, 4));
  regio_rq_limits lim = {4, 1, 0, 1};
  ASSERT_OK(regio_sock_tcp_pair(lab, 4, &s2, &p2));
  ASSERT_ERR(regio_rq_create(s2, &lim, cq, cq, 10, &rq2), REGIO_ENOBUFS);
  ASSERT_OK(regio_cq_resize(cq, 8));
  ASSERT_OK(regio_rq_create(s2, &lim, cq, cq, 10, &rq2));
  ASSERT_EQ(regio_cq_reserved(cq), 8);
  ASSERT_ERR(regio_cq_resize(cq, 7), REGIO_ETOOMANYREFS);
  ASSERT_EQ(regio_cq_size(cq), 8);

  /* Shrinking a wrapped ring: CQ 8 with 4 results queued from mid-ring, resized to 4. */
  regio_cq *wrap;
  regio_sock *s4, *p4;
  regio_rq *rq4;
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &wrap));
  ASSERT_OK(test_tcp_rq(lab, 0, 4, wrap, wrap, 12, &s4, &p4, &rq4));
  for (uint64_t ctx = 1; ctx <= 4; ctx++) send_one(rq4, id, ctx);
  ASSERT_EQ(test_wait_queued(lab, wrap, 4, TEST_WAIT_MS), 4);
  ASSERT_EQ(regio_cq_dequeue(wrap, res, 3), 3);
  for (uint64_t ctx = 5; ctx <= 7; ctx++) send_one(rq4, id, ctx);
  ASSERT_EQ(test_wait_queued(lab, wrap, 4, TEST_WAIT_MS), 4);
  ASSERT_OK(regio_cq_resize(wrap, 6));
  ASSERT_OK(regio_cq_resize(wrap, 4));
  ASSERT_EQ(regio_cq_dequeue(wrap, res, 8), 4);
  for (int i = 0; i < 4; i++) ASSERT_EQ_U64(res[i].request_ctx, 4 + i);
  /* The resized ring keeps working across its new end. */
  for (uint64_t ctx = 8; ctx <= 11; ctx++) send_one(rq4, id, ctx);
  ASSERT_EQ(test_wait_queued(lab, wrap, 4, TEST_WAIT_MS), 4);
  ASSERT_EQ(regio_cq_dequeue(wrap, res, 8), 4);
  for (int i = 0; i < 4; i++) ASSERT_EQ_U64(res[i].request_ctx, 8 + i);

  /* Scenario 45: CQ 8 with an RQ (4, 4); resize to 4 fails; MAX + 1 is EINVAL. */
  regio_sock *s3, *p3;
  regio_rq *rq3;
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &big));
  ASSERT_OK(test_tcp_rq(lab, 4, 4, big, big, 11, &s3, &p3, &rq3));
  ASSERT_ERR(regio_cq_resize(big, 4), REGIO_ETOOMANYREFS);
  ASSERT_ERR(regio_cq_resize(big, REGIO_MAX_CQ_SIZE + 1), REGIO_EINVAL);
  ASSERT_EQ(regio_cq_size(big), 8);
  ASSERT_OK(regio_cq_resize(big, 64));
  ASSERT_EQ(regio_cq_size(big), 64);
  return TEST_OK;
}
