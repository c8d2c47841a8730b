/* test-notify.c — RIONotify on event CQs: EINVAL on a polled CQ, EALREADY while armed, fires at
   arm time when a notifiable result is queued, DONT_NOTIFY results never fire it, one fire per
   arm, and NotifyReset clears the event at the call. */
#include "helpers.h"
#include "task.h"

static uint8_t mem[64];
static regio_bufid id;

/* Posts a one-byte send and waits until its result is queued. */
static void send_and_wait(regio_lab *lab, regio_cq *cq, regio_rq *rq, uint32_t flags,
                          uint64_t ctx) {
  regio_slice s = test_slice(id, 0, 1);
  uint32_t before = regio_cq_queued(cq);
  ASSERT_OK(regio_rq_send(rq, &s, 1, flags, ctx));
  ASSERT_EQ(test_wait_queued(lab, cq, before + 1, TEST_WAIT_MS), before + 1);
}

TEST_ENGINE_IMPL(notify) {
  regio_cq *polled, *cq, *noreset;
  regio_sock *sock, *peer, *sock2, *peer2;
  regio_rq *rq, *rq2;
  regio_notify how;
  regio_result res[4];
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));

  /* A polled CQ has nothing to notify. */
  ASSERT_OK(regio_cq_create(lab, 4, NULL, &polled));
  ASSERT_ERR(regio_cq_notify(polled), REGIO_EINVAL);
  ASSERT_ERR(regio_cq_wait(polled, 0), REGIO_EINVAL);
  ASSERT_ERR(regio_cq_event_set(polled), REGIO_EINVAL);
  ASSERT_ERR(regio_cq_event_reset(polled), REGIO_EINVAL);
  regio_cq_close(polled);

  memset(&how, 0, sizeof(how));
  how.kind = REGIO_NOTIFY_EVENT;
  how.reset = 1;
  ASSERT_OK(regio_cq_create(lab, 8, &how, &cq));
  ASSERT_OK(test_tcp_rq(lab, 0, 8, cq, cq, 1, &sock, &peer, &rq));
  ASSERT_EQ(regio_cq_event_state(cq), 0);
  ASSERT_EQ(regio_cq_wait(cq, 0), 0);

  /* Arm; a second arm before the fire is EALREADY. */
  ASSERT_OK(regio_cq_notify(cq));
  ASSERT_EQ(regio_cq_armed(cq), 1);
  ASSERT_ERR(regio_cq_notify(cq), REGIO_EALREADY);
  ASSERT_EQ(regio_cq_event_state(cq), 0);

  /* A DONT_NOTIFY result does not fire, but is dequeued like any other. */
  send_and_wait(lab, cq, rq, REGIO_MSG_DONT_NOTIFY, 1);
  ASSERT_EQ(regio_cq_event_state(cq), 0);
  ASSERT_EQ(regio_cq_armed(cq), 1);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 4), 1);
  ASSERT_EQ_U64(res[0].request_ctx, 1);

  /* A normal result fires, once; the arm is used up. */
  send_and_wait(lab, cq, rq, 0, 2);
  ASSERT_EQ(regio_cq_wait(cq, TEST_WAIT_MS), 1);
  ASSERT_EQ(regio_cq_event_state(cq), 1);
  ASSERT_EQ(regio_cq_armed(cq), 0);
  /* Waiting does not clear a manual-reset event. */
  ASSERT_EQ(regio_cq_wait(cq, 0), 1);
  /* One-shot: a second result after the fire does not signal again. */
  ASSERT_OK(regio_cq_event_reset(cq));
  send_and_wait(lab, cq, rq, 0, 3);
  ASSERT_EQ(regio_cq_event_state(cq), 0);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 4), 2);

  /* Only DONT_NOTIFY results queued: arming does not fire. */
  send_and_wait(lab, cq, rq, REGIO_MSG_DONT_NOTIFY, 4);
  ASSERT_OK(regio_cq_notify(cq));
  test_settle(lab, TEST_SETTLE_MS);
  ASSERT_EQ(regio_cq_event_state(cq), 0);
  ASSERT_EQ(regio_cq_armed(cq), 1);
  /* The next normal result fires it. */
  send_and_wait(lab, cq, rq, 0, 5);
  ASSERT_EQ(regio_cq_wait(cq, TEST_WAIT_MS), 1);
  ASSERT_EQ(regio_cq_armed(cq), 0);

  /* A notifiable result already queued: arming fires at once (NotifyReset clears the event
     first, then the level check sets it). */
  ASSERT_OK(regio_cq_notify(cq));
  ASSERT_EQ(regio_cq_wait(cq, TEST_WAIT_MS), 1);
  ASSERT_EQ(regio_cq_armed(cq), 0);
  ASSERT_EQ(regio_cq_dequeue(cq, res, 4), 2);

  /* NotifyReset: a set event is cleared by arming an empty CQ. */
  ASSERT_OK(regio_cq_event_set(cq));
  ASSERT_EQ(regio_cq_event_state(cq), 1);
  ASSERT_OK(regio_cq_notify(cq));
  ASSERT_EQ(regio_cq_event_state(cq), 0);
  ASSERT_EQ(regio_cq_wait(cq, TEST_SETTLE_MS), 0);

  /* Without NotifyReset the event stays set through the arm. */
  how.reset = 0;
  ASSERT_OK(regio_cq_create(lab, 2, &how, &noreset));
  ASSERT_OK(test_tcp_rq(lab, 0, 2, noreset, noreset, 2, &sock2, &peer2, &rq2));
  ASSERT_OK(regio_cq_event_set(noreset));
  ASSERT_OK(regio_cq_notify(noreset));
  ASSERT_EQ(regio_cq_event_state(noreset), 1);
  ASSERT_EQ(regio_cq_armed(noreset), 1);
  ASSERT_OK(regio_cq_event_reset(noreset));
  ASSERT_EQ(regio_cq_event_state(noreset), 0);
  send_and_wait(lab, noreset, rq2, 0, 6);
  ASSERT_EQ(regio_cq_wait(noreset, TEST_WAIT_MS), 1);
  return TEST_OK;
}
