/* test-cq-dequeue.c — RIODequeueCompletion: FIFO, partial batches (2, 2, 1, 0), and results that
   carry both contexts. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(cq_dequeue) {
  static uint8_t mem[64];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res[8];
  (void)engine;

  memcpy(mem, "aaaabbbbccccddddeeee", 20);
  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 0, 5, cq, cq, 0x1234, &sock, &peer, &rq));

  /* Empty. */
  ASSERT_EQ(regio_cq_dequeue(cq, res, 8), 0);

  /* Five sends of 4 bytes, contexts 100..104. */
  for (uint32_t i = 0; i < 5; i++) {
    s = test_slice(id, 4 * i, 4);
    ASSERT_OK(regio_rq_send(rq, &s, 1, 0, 100 + i));
  }
  ASSERT_EQ(test_wait_queued(lab, cq, 5, TEST_WAIT_MS), 5);

  /* max 0 takes nothing. */
  ASSERT_EQ(regio_cq_dequeue(cq, res, 0), 0);
  ASSERT_EQ(regio_cq_queued(cq), 5);

  /* 2, 2, 1, 0, in posting order. */
  ASSERT_EQ(regio_cq_dequeue(cq, res, 2), 2);
  ASSERT_EQ(regio_cq_dequeue(cq, res + 2, 2), 2);
  ASSERT_EQ(regio_cq_queued(cq), 1);
  ASSERT_EQ(regio_cq_dequeue(cq, res + 4, 2), 1);
  ASSERT_EQ(regio_cq_dequeue(cq, res + 5, 2), 0);
  for (uint32_t i = 0; i < 5; i++) {
    ASSERT_STATUS(res[i].status, 0);
    ASSERT_EQ(res[i].bytes, 4);
    ASSERT_EQ_U64(res[i].socket_ctx, 0x1234);
    ASSERT_EQ_U64(res[i].request_ctx, 100 + i);
  }
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_SEND), 0);

  /* The bytes went out in posting order too. */
  char got[20];
  ASSERT_EQ(regio_sock_read(peer, got, sizeof(got), TEST_WAIT_MS), 20);
  ASSERT_MEM_EQ(got, "aaaabbbbccccddddeeee", 20);

  /* Full 64-bit contexts survive. */
  s = test_slice(id, 0, 1);
  ASSERT_OK(regio_rq_send(rq, &s, 1, 0, UINT64_C(0xFEDCBA9876543210)));
  ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
  ASSERT_EQ_U64(res[0].request_ctx, UINT64_C(0xFEDCBA9876543210));
  return TEST_OK;
}
