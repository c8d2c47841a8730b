/* test-cq-capacity.c — an RQ reserves its limits in its CQs: exact fit works, over-commit fails
   with ENOBUFS, and a closed socket gives its reservation back once its requests are dequeued. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(cq_capacity) {
  static uint8_t mem[64];
  regio_bufid id;
  regio_cq *cq, *r, *s;
  regio_sock *a, *pa, *b, *pb, *c, *pc;
  regio_rq *rq, *rqb;
  regio_slice sl;
  regio_result res;
  regio_rq_limits lim;
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));

  /* Exact fit: CQ of 2, RQ (1, 1). */
  ASSERT_OK(regio_cq_create(lab, 2, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 1, 1, cq, cq, 1, &a, &pa, &rq));
  ASSERT_EQ(regio_cq_reserved(cq), 2);
  regio_sock_close(a);
  regio_sock_close(pa);
  ASSERT_EQ(regio_cq_reserved(cq), 0);
  regio_cq_close(cq);

  /* Over-commit: CQ of 8 with RQ A (4, 4); RQ B (1, 0) does not fit. */
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 4, 4, cq, cq, 1, &a, &pa, &rq));
  ASSERT_EQ(regio_cq_reserved(cq), 8);
  ASSERT_OK(regio_sock_tcp_pair(lab, 4, &b, &pb));
  lim = (regio_rq_limits){1, 1, 0, 1};
  ASSERT_ERR(regio_rq_create(b, &lim, cq, cq, 2, &rqb), REGIO_ENOBUFS);
  ASSERT_NULL(regio_sock_rq(b));
  ASSERT_EQ(regio_cq_reserved(cq), 8);

  /* A closes with a receive pending: its ECANCELED completion still holds the reservation. */
  sl = test_slice(id, 0, 8);
  ASSERT_OK(regio_rq_receive(rq, &sl, 1, 0, 42));
  regio_sock_close(a);
  ASSERT_EQ(test_wait_queued(lab, cq, 1, TEST_WAIT_MS), 1);
  ASSERT_EQ(regio_cq_reserved(cq), 8);
  ASSERT_ERR(regio_rq_create(b, &lim, cq, cq, 2, &rqb), REGIO_ENOBUFS);

  /* Dequeuing A's last request releases it; now B fits. */
  ASSERT_EQ(regio_cq_dequeue(cq, &res, 1), 1);
  ASSERT_STATUS(res.status, REGIO_ECANCELED);
  ASSERT_EQ_U64(res.request_ctx, 42);
  ASSERT_EQ(regio_cq_reserved(cq), 0);
  ASSERT_OK(regio_rq_create(b, &lim, cq, cq, 2, &rqb));
  ASSERT(regio_sock_rq(b) == rqb);
  ASSERT_EQ(regio_cq_reserved(cq), 1);
  regio_sock_close(pa);

  /* Split CQs: R and S of 4 each; RQ1 (4 -> R, 4 -> S) fills both. */
  ASSERT_OK(regio_cq_create(lab, 4, NULL, &r));
  ASSERT_OK(regio_cq_create(lab, 4, NULL, &s));
  ASSERT_OK(test_tcp_rq(lab, 4, 4, r, s, 3, &c, &pc, &rq));
  ASSERT_EQ(regio_cq_reserved(r), 4);
  ASSERT_EQ(regio_cq_reserved(s), 4);
  /* RQ2 (1 -> R, 0 -> S): R is full. */
  regio_sock *d, *pd;
  regio_rq *rqd;
  ASSERT_OK(regio_sock_tcp_pair(lab, 4, &d, &pd));
  lim = (regio_rq_limits){1, 1, 0, 1};
  ASSERT_ERR(regio_rq_create(d, &lim, r, s, 4, &rqd), REGIO_ENOBUFS);
  /* RQ3 (0, 0): both limits zero is EINVAL, whatever the room. */
  lim = (regio_rq_limits){0, 1, 0, 1};
  ASSERT_ERR(regio_rq_create(d, &lim, r, s, 4, &rqd), REGIO_EINVAL);
  /* (0 -> R, 1 -> S) fails too: S is full. */
  lim = (regio_rq_limits){0, 1, 1, 1};
  ASSERT_ERR(regio_rq_create(d, &lim, r, s, 4, &rqd), REGIO_ENOBUFS);
  ASSERT_EQ(regio_cq_reserved(r), 4);
  ASSERT_EQ(regio_cq_reserved(s), 4);
  /* Both failed creations left no reservation behind: with room, (1, 1) works on the first
     CQ, which holds B's 1 out of 8. */
  lim = (regio_rq_limits){1, 1, 1, 1};
  ASSERT_OK(regio_rq_create(d, &lim, cq, cq, 4, &rqd));
  ASSERT_EQ(regio_cq_reserved(cq), 3);
  return TEST_OK;
}
