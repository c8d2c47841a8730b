/* test-rq-order.c — per socket and direction, requests move bytes in posting order: two large
   sends (bigger than the socket buffers) never interleave, and a train of receives fills its
   slices in the order they were posted. */
#include "helpers.h"
#include "task.h"

#define BIG (2u * 1024u * 1024u)

TEST_ENGINE_IMPL(rq_order) {
  static uint8_t out[2 * BIG];
  static uint8_t in[2 * BIG];
  static uint8_t small[64];
  regio_bufid out_id, small_id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res[8];
  (void)engine;

  memset(out, 'a', BIG);
  memset(out + BIG, 'b', BIG);
  ASSERT_OK(regio_buf_register(lab, out, sizeof(out), &out_id));
  ASSERT_OK(regio_buf_register(lab, small, sizeof(small), &small_id));
  ASSERT_OK(regio_cq_create(lab, 16, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 8, 8, cq, cq, 1, &sock, &peer, &rq));

  /* Two sends of 2 MiB each; the peer reads 4 MiB (making progress while it waits). */
  s = test_slice(out_id, 0, BIG);
  ASSERT_OK(regio_rq_send(rq, &s, 1, 0, 1));
  s = test_slice(out_id, BIG, BIG);
  ASSERT_OK(regio_rq_send(rq, &s, 1, 0, 2));
  ASSERT_EQ(regio_sock_read(peer, in, sizeof(in), 10000), sizeof(in));
  ASSERT_MEM_EQ(in, out, sizeof(in));
  ASSERT_EQ(test_await(lab, cq, res, 2, TEST_WAIT_MS), 2);
  ASSERT_EQ_U64(res[0].request_ctx, 1);
  ASSERT_EQ(res[0].bytes, BIG);
  ASSERT_EQ_U64(res[1].request_ctx, 2);
  ASSERT_EQ(res[1].bytes, BIG);

  /* Eight 8-byte WAITALL receives, then 64 bytes in one write: slice i holds bytes 8i..8i+7. */
  for (uint32_t i = 0; i < 8; i++) {
    s = test_slice(small_id, 8 * (7 - i), 8); /* slices in reverse memory order */
    ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 10 + i));
  }
  uint8_t stream[64];
  for (int i = 0; i < 64; i++) stream[i] = (uint8_t)i;
  ASSERT_EQ(regio_sock_write(peer, stream, sizeof(stream), TEST_WAIT_MS), 64);
  ASSERT_EQ(test_await(lab, cq, res, 8, TEST_WAIT_MS), 8);
  for (uint32_t i = 0; i < 8; i++) {
    ASSERT_EQ_U64(res[i].request_ctx, 10 + i);
    ASSERT_EQ(res[i].bytes, 8);
    ASSERT_MEM_EQ(small + 8 * (7 - i), stream + 8 * i, 8);
  }
  return TEST_OK;
}
