/* test-buf-release.c — regio_buf_release: frees at once when idle; otherwise kills the id at once
   and frees when the last request using it is dequeued. */
#include "helpers.h"
#include "task.h"

static int freed;
static void count_free(void *arg) { *(int *)arg += 1; }

TEST_ENGINE_IMPL(buf_release) {
  static uint8_t mem[256];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice s;
  regio_result res;
  (void)engine;

  /* Idle: the free function runs before the call returns. */
  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  freed = 0;
  ASSERT_OK(regio_buf_release(lab, id, count_free, &freed));
  ASSERT_EQ(freed, 1);
  ASSERT_EQ(regio_buf_length(lab, id), 0);
  /* The id is gone: releasing it again is an error (unlike deregister). */
  ASSERT_ERR(regio_buf_release(lab, id, count_free, &freed), REGIO_EINVAL);
  ASSERT_ERR(regio_buf_release(lab, REGIO_INVALID_BUFFERID, count_free, &freed), REGIO_EINVAL);
  ASSERT_EQ(freed, 1);

  /* Busy: the id dies now, the memory is freed at dequeue. */
  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 4, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 2, 2, cq, cq, 1, &sock, &peer, &rq));
  s = test_slice(id, 0, 8);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, 0, 1));
  freed = 0;
  ASSERT_OK(regio_buf_release(lab, id, count_free, &freed));
  ASSERT_EQ(freed, 0);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 2), REGIO_EFAULT);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 1);

  /* The pending receive still completes into the memory. */
  ASSERT_EQ(regio_sock_write(peer, "abc", 3, TEST_WAIT_MS), 3);
  ASSERT_EQ(test_wait_queued(lab, cq, 1, TEST_WAIT_MS), 1);
  ASSERT_EQ(freed, 0);
  ASSERT_EQ(regio_cq_dequeue(cq, &res, 1), 1);
  ASSERT_STATUS(res.status, 0);
  ASSERT_EQ(res.bytes, 3);
  ASSERT_MEM_EQ(mem, "abc", 3);
  ASSERT_EQ(freed, 1);

  /* Busy at lab close: the free function runs during the close. */
  static uint8_t mem2[64];
  static int freed_at_close;
  regio_lab *own;
  regio_cq *cq2;
  regio_sock *sock2, *peer2;
  regio_rq *rq2;
  ASSERT_OK(regio_lab_open(&own, engine, NULL, 1));
  ASSERT_OK(regio_buf_register(own, mem2, sizeof(mem2), &id));
  ASSERT_OK(regio_cq_create(own, 2, NULL, &cq2));
  ASSERT_OK(test_tcp_rq(own, 1, 1, cq2, cq2, 1, &sock2, &peer2, &rq2));
  s = test_slice(id, 0, 8);
  ASSERT_OK(regio_rq_receive(rq2, &s, 1, 0, 1));
  freed_at_close = 0;
  ASSERT_OK(regio_buf_release(own, id, count_free, &freed_at_close));
  ASSERT_EQ(freed_at_close, 0);
  regio_lab_close(own);
  ASSERT_EQ(freed_at_close, 1);
  return TEST_OK;
}
