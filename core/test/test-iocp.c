/* test-iocp.c — IOCP-style notification: each fire posts one (key, overlapped) packet to the
   port, one per arm; ports also take posted packets and time out when empty. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(iocp) {
  static uint8_t mem[16];
  regio_bufid id;
  regio_port *port;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_notify how;
  regio_slice s;
  regio_result res[4];
  uint64_t key = 0, ov = 0;
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_port_create(lab, &port));
  ASSERT_EQ(regio_port_pending(port), 0);
  ASSERT_ERR(regio_port_wait(port, 0, &key, &ov), REGIO_ETIMEDOUT);
  ASSERT_ERR(regio_port_wait(port, 20, &key, &ov), REGIO_ETIMEDOUT);

  /* PostQueuedCompletionStatus and back. */
  ASSERT_OK(regio_port_post(port, 1, 2));
  ASSERT_OK(regio_port_post(port, 3, 4));
  ASSERT_EQ(regio_port_pending(port), 2);
  ASSERT_OK(regio_port_wait(port, 0, &key, &ov));
  ASSERT_EQ_U64(key, 1);
  ASSERT_EQ_U64(ov, 2);
  ASSERT_OK(regio_port_wait(port, 0, &key, &ov));
  ASSERT_EQ_U64(key, 3);
  ASSERT_EQ_U64(ov, 4);

  memset(&how, 0, sizeof(how));
  how.kind = REGIO_NOTIFY_IOCP;
  how.port = port;
  how.key = 0x77;
  how.overlapped = 0xABC0;
  ASSERT_OK(regio_cq_create(lab, 8, &how, &cq));
  ASSERT_OK(test_tcp_rq(lab, 0, 8, cq, cq, 1, &sock, &peer, &rq));
  ASSERT_ERR(regio_cq_event_set(cq), REGIO_EINVAL);
  ASSERT_ERR(regio_cq_wait(cq, 0), REGIO_EINVAL);

  /* Armed: two results give exactly one packet. */
  ASSERT_OK(regio_cq_notify(cq));
  ASSERT_ERR(regio_cq_notify(cq), REGIO_EALREADY);
  s = test_slice(id, 0, 1);
  ASSERT_OK(regio_rq_send(rq, &s, 1, 0, 1));
  ASSERT_OK(regio_port_wait(port, TEST_WAIT_MS, &key, &ov));
  ASSERT_EQ_U64(key, 0x77);
  ASSERT_EQ_U64(ov, 0xABC0);
  ASSERT_EQ(regio_cq_armed(cq), 0);
  ASSERT_OK(regio_rq_send(rq, &s, 1, 0, 2));
  ASSERT_EQ(test_wait_queued(lab, cq, 2, TEST_WAIT_MS), 2);
  ASSERT_EQ(regio_port_pending(port), 0);
  ASSERT_ERR(regio_port_wait(port, TEST_SETTLE_MS, &key, &ov), REGIO_ETIMEDOUT);

  /* Re-arm with results queued: one packet at once. */
  ASSERT_OK(regio_cq_notify(cq));
  ASSERT_OK(regio_port_wait(port, TEST_WAIT_MS, &key, &ov));
  ASSERT_EQ_U64(key, 0x77);
  ASSERT_EQ(regio_port_pending(port), 0);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 4), 2);

  /* DONT_NOTIFY results post nothing. */
  ASSERT_OK(regio_cq_notify(cq));
  ASSERT_OK(regio_rq_send(rq, &s, 1, REGIO_MSG_DONT_NOTIFY, 3));
  ASSERT_EQ(test_wait_queued(lab, cq, 1, TEST_WAIT_MS), 1);
  ASSERT_ERR(regio_port_wait(port, TEST_SETTLE_MS, &key, &ov), REGIO_ETIMEDOUT);
  ASSERT_EQ(regio_cq_armed(cq), 1);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 4), 1);

  /* The port closes first: the armed CQ drops its packet, nothing breaks. */
  regio_port_close(port);
  ASSERT_OK(regio_rq_send(rq, &s, 1, 0, 4));
  ASSERT_EQ(test_await(lab, cq, res, 1, TEST_WAIT_MS), 1);
  ASSERT_EQ_U64(res[0].request_ctx, 4);
  regio_lab_stats st;
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.ports, 0);
  return TEST_OK;
}
