/* test-lab-close.c — closing a lab with everything in flight: started, deferred, completed-but-
   queued requests and requests on a closed CQ are all released through the hook, once each; the
   count equals the lab's outstanding requests. Run under ASan this also checks for leaks. */
#include "helpers.h"
#include "task.h"

static int nreleased;
static int ncanceled;
static int spare_freed;
static void free_spare(void *arg) { *(int *)arg += 1; }
static void on_release(void *ud, const regio_result *r) {
  (void)ud;
  nreleased++;
  if (r->status == REGIO_ECANCELED) ncanceled++;
}

TEST_ENGINE_IMPL(lab_close) {
  static uint8_t mem[1024];
  regio_lab *own;
  regio_bufid id;
  regio_port *port;
  regio_cq *polled, *event, *iocp, *doomed;
  regio_sock *s1, *p1, *s2, *p2, *s3, *p3, *u, *listener;
  regio_rq *rq1, *rq2, *rq3, *urq;
  regio_notify how;
  regio_slice s;
  regio_lab_stats st;
  (void)lab;

  ASSERT_OK(regio_lab_open(&own, engine, NULL, 1));
  regio_lab_on_release(own, on_release, NULL);
  ASSERT_OK(regio_buf_register(own, mem, sizeof(mem), &id));
  ASSERT_OK(regio_port_create(own, &port));
  ASSERT_OK(regio_cq_create(own, 16, NULL, &polled));
  memset(&how, 0, sizeof(how));
  how.kind = REGIO_NOTIFY_EVENT;
  ASSERT_OK(regio_cq_create(own, 16, &how, &event));
  how.kind = REGIO_NOTIFY_IOCP;
  how.port = port;
  how.overlapped = 1;
  ASSERT_OK(regio_cq_create(own, 16, &how, &iocp));
  ASSERT_OK(regio_cq_create(own, 16, NULL, &doomed));

  /* s1: two started receives and one deferred, plus a completed send left in the CQ. */
  ASSERT_OK(test_tcp_rq(own, 4, 4, polled, polled, 1, &s1, &p1, &rq1));
  s = test_slice(id, 0, 64);
  ASSERT_OK(regio_rq_receive(rq1, &s, 1, 0, 10));
  s = test_slice(id, 64, 64);
  ASSERT_OK(regio_rq_receive(rq1, &s, 1, REGIO_MSG_WAITALL, 11));
  s = test_slice(id, 128, 64);
  ASSERT_OK(regio_rq_receive(rq1, &s, 1, REGIO_MSG_DEFER, 12));
  s = test_slice(id, 512, 8);
  ASSERT_OK(regio_rq_send(rq1, &s, 1, 0, 13));
  ASSERT_EQ(test_wait_queued(own, polled, 1, TEST_WAIT_MS), 1);

  /* s2: receives on an armed event CQ and deferred sends on an armed IOCP CQ. */
  ASSERT_OK(test_tcp_rq(own, 2, 2, event, iocp, 2, &s2, &p2, &rq2));
  ASSERT_OK(regio_cq_notify(event));
  ASSERT_OK(regio_cq_notify(iocp));
  s = test_slice(id, 256, 16);
  ASSERT_OK(regio_rq_receive(rq2, &s, 1, 0, 20));
  s = test_slice(id, 520, 8);
  ASSERT_OK(regio_rq_send(rq2, &s, 1, REGIO_MSG_DEFER, 21));
  ASSERT_OK(regio_rq_send(rq2, &s, 1, REGIO_MSG_DEFER, 22));

  /* s3: a receive whose CQ is already closed. */
  ASSERT_OK(test_tcp_rq(own, 1, 1, doomed, doomed, 3, &s3, &p3, &rq3));
  s = test_slice(id, 300, 16);
  ASSERT_OK(regio_rq_receive(rq3, &s, 1, 0, 30));
  regio_cq_close(doomed);

  /* A UDP receive and a listener with nobody connecting. */
  ASSERT_OK(regio_sock_udp(own, "127.0.0.1", 0, &u));
  regio_rq_limits lim = {2, 1, 0, 1};
  ASSERT_OK(regio_rq_create(u, &lim, polled, polled, 4, &urq));
  s = test_slice(id, 400, 32);
  ASSERT_OK(regio_rq_receive(urq, &s, 1, 0, 40));
  ASSERT_OK(regio_sock_listen(own, "127.0.0.1", 0, 4, &listener));

  /* A buffer whose free is deferred until the lab closes. */
  static uint8_t spare[32];
  regio_bufid spare_id;
  ASSERT_OK(regio_buf_register(own, spare, sizeof(spare), &spare_id));
  s = test_slice(spare_id, 0, 32);
  ASSERT_OK(regio_rq_receive(urq, &s, 1, 0, 41));

  regio_lab_stats_get(own, &st);
  ASSERT_EQ(st.requests, 10);
  ASSERT_EQ(st.sockets, 8);
  ASSERT_EQ(st.cqs, 3);
  ASSERT_EQ(st.ports, 1);
  ASSERT_EQ(st.buffers, 2);
  ASSERT_EQ(nreleased, 0);

  spare_freed = 0;
  ASSERT_OK(regio_buf_release(own, spare_id, free_spare, &spare_freed));
  ASSERT_EQ(spare_freed, 0);

  regio_lab_close(own);
  ASSERT_EQ(nreleased, 10);
  /* Every request but the completed send (13) was cancelled. */
  ASSERT_EQ(ncanceled, 9);
  ASSERT_EQ(spare_freed, 1);
  return TEST_OK;
}
