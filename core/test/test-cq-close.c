/* test-cq-close.c — closing a CQ drops its queued results and every later completion through
   the release hook, exactly once per request; its RQs refuse later submissions. */
#include "helpers.h"
#include "task.h"

#define MAX_RELEASED 16

static regio_result released[MAX_RELEASED];
static int nreleased;

static void on_release(void *ud, const regio_result *r) {
  ASSERT(ud == (void *)&nreleased);
  ASSERT_LT(nreleased, MAX_RELEASED);
  released[nreleased++] = *r;
}

TEST_ENGINE_IMPL(cq_close) {
  static uint8_t mem[64];
  regio_bufid id;
  regio_cq *cq, *cq2;
  regio_sock *sock, *peer, *sock2, *peer2;
  regio_rq *rq, *rq2;
  regio_slice s;
  (void)engine;

  regio_lab_on_release(lab, on_release, &nreleased);
  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 4, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 3, 1, cq, cq, 0x50, &sock, &peer, &rq));

  /* r1 completes and stays queued; r2 and r3 are pending. */
  s = test_slice(id, 0, 4);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 1));
  ASSERT_EQ(regio_sock_write(peer, "abcd", 4, TEST_WAIT_MS), 4);
  ASSERT_EQ(test_wait_queued(lab, cq, 1, TEST_WAIT_MS), 1);
  s = test_slice(id, 8, 4);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 2));
  s = test_slice(id, 16, 4);
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL, 3));
  ASSERT_EQ(nreleased, 0);

  /* Close: the queued result is released now, the pending ones are not finished yet. */
  regio_cq_close(cq);
  ASSERT_EQ(nreleased, 1);
  ASSERT_EQ_U64(released[0].request_ctx, 1);
  ASSERT_STATUS(released[0].status, 0);
  ASSERT_EQ(released[0].bytes, 4);
  ASSERT_EQ_U64(released[0].socket_ctx, 0x50);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 2);

  /* The RQ refuses new work. */
  s = test_slice(id, 32, 4);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0, 4), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_send(rq, &s, 1, 0, 5), REGIO_EINVAL);

  /* The pending receives finish and are released, in order, with their results. */
  ASSERT_EQ(regio_sock_write(peer, "efghijkl", 8, TEST_WAIT_MS), 8);
  uint64_t deadline = test_now_ms() + TEST_WAIT_MS;
  while (nreleased < 3 && test_now_ms() < deadline) regio_lab_poll(lab, 5);
  ASSERT_EQ(nreleased, 3);
  ASSERT_EQ_U64(released[1].request_ctx, 2);
  ASSERT_EQ_U64(released[2].request_ctx, 3);
  ASSERT_STATUS(released[1].status, 0);
  ASSERT_EQ(released[1].bytes, 4);
  ASSERT_EQ(released[2].bytes, 4);
  ASSERT_MEM_EQ(mem + 8, "efgh", 4);
  ASSERT_MEM_EQ(mem + 16, "ijkl", 4);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 0);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 0);

  /* Closing the socket afterwards releases nothing more. */
  regio_sock_close(sock);
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(nreleased, 3);

  /* CQ closed first, then the socket: the pending requests are released as ECANCELED. */
  ASSERT_OK(regio_cq_create(lab, 2, NULL, &cq2));
  ASSERT_OK(test_tcp_rq(lab, 2, 0, cq2, cq2, 0x60, &sock2, &peer2, &rq2));
  s = test_slice(id, 40, 4);
  ASSERT_OK(regio_rq_receive(rq2, &s, 1, 0, 7));
  s = test_slice(id, 48, 4);
  ASSERT_OK(regio_rq_receive(rq2, &s, 1, REGIO_MSG_DEFER, 8));
  regio_cq_close(cq2);
  ASSERT_EQ(nreleased, 3);
  regio_sock_close(sock2);
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(nreleased, 5);
  ASSERT_EQ_U64(released[3].request_ctx, 7);
  ASSERT_EQ_U64(released[4].request_ctx, 8);
  ASSERT_STATUS(released[3].status, REGIO_ECANCELED);
  ASSERT_STATUS(released[4].status, REGIO_ECANCELED);
  ASSERT_EQ(released[3].bytes, 0);
  ASSERT_EQ_U64(released[3].socket_ctx, 0x60);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 0);
  ASSERT_OK(regio_buf_deregister(lab, id));

  /* Split CQs, the receive CQ closed: closing the socket releases the receive through the hook
     and posts the deferred send's ECANCELED to the send CQ, which still works. */
  regio_cq *rcq, *scq;
  regio_sock *sock3, *peer3;
  regio_rq *rq3;
  regio_result res;
  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 2, NULL, &rcq));
  ASSERT_OK(regio_cq_create(lab, 2, NULL, &scq));
  ASSERT_OK(test_tcp_rq(lab, 1, 1, rcq, scq, 0x70, &sock3, &peer3, &rq3));
  s = test_slice(id, 0, 4);
  ASSERT_OK(regio_rq_receive(rq3, &s, 1, 0, 9));
  ASSERT_OK(regio_rq_send(rq3, &s, 1, REGIO_MSG_DEFER, 10));
  regio_cq_close(rcq);
  ASSERT_EQ(nreleased, 5);
  regio_sock_close(sock3);
  ASSERT_EQ(test_await(lab, scq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, REGIO_ECANCELED);
  ASSERT_EQ_U64(res.request_ctx, 10);
  ASSERT_EQ(nreleased, 6);
  ASSERT_EQ_U64(released[5].request_ctx, 9);
  ASSERT_STATUS(released[5].status, REGIO_ECANCELED);
  ASSERT_EQ(regio_cq_reserved(scq), 0);
  ASSERT_EQ(regio_buf_in_flight(lab, id), 0);
  regio_cq_close(scq);
  ASSERT_EQ(nreleased, 6);

  regio_lab_stats st;
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.requests, 0);
  ASSERT_EQ(st.cqs, 0);
  return TEST_OK;
}
