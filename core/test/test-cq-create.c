/* test-cq-create.c — RIOCreateCompletionQueue's size range and notification arguments. */
#include "task.h"

TEST_ENGINE_IMPL(cq_create) {
  regio_cq *cq = NULL;
  regio_port *port;
  regio_notify how;
  regio_lab_stats st;
  (void)engine;

  /* Size 0 and RIO_MAX_CQ_SIZE + 1 are refused; 1 works. */
  ASSERT_ERR(regio_cq_create(lab, 0, NULL, &cq), REGIO_EINVAL);
  ASSERT_ERR(regio_cq_create(lab, REGIO_MAX_CQ_SIZE + 1, NULL, &cq), REGIO_EINVAL);
  ASSERT_ERR(regio_cq_create(lab, UINT32_MAX, NULL, &cq), REGIO_EINVAL);
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.cqs, 0);

  ASSERT_OK(regio_cq_create(lab, 1, NULL, &cq));
  ASSERT_NOT_NULL(cq);
  ASSERT_EQ(regio_cq_size(cq), 1);
  ASSERT_EQ(regio_cq_queued(cq), 0);
  ASSERT_EQ(regio_cq_reserved(cq), 0);
  ASSERT_EQ(regio_cq_armed(cq), 0);
  ASSERT_EQ(regio_cq_kind(cq), REGIO_NOTIFY_NONE);
  regio_result res;
  ASSERT_EQ(regio_cq_dequeue(cq, &res, 1), 0);
  ASSERT_EQ(regio_cq_dequeue(cq, &res, 0), 0);
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.cqs, 1);
  regio_cq_close(cq);
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.cqs, 0);

  /* An explicit NONE is the same as NULL. */
  memset(&how, 0, sizeof(how));
  how.kind = REGIO_NOTIFY_NONE;
  ASSERT_OK(regio_cq_create(lab, 4, &how, &cq));
  ASSERT_EQ(regio_cq_kind(cq), REGIO_NOTIFY_NONE);
  regio_cq_close(cq);

  /* Event CQs start with the event clear. */
  how.kind = REGIO_NOTIFY_EVENT;
  how.reset = 1;
  ASSERT_OK(regio_cq_create(lab, 4, &how, &cq));
  ASSERT_EQ(regio_cq_kind(cq), REGIO_NOTIFY_EVENT);
  ASSERT_EQ(regio_cq_event_state(cq), 0);
  regio_cq_close(cq);

  /* IOCP CQs need a port and a non-zero overlapped. */
  ASSERT_OK(regio_port_create(lab, &port));
  memset(&how, 0, sizeof(how));
  how.kind = REGIO_NOTIFY_IOCP;
  how.port = port;
  how.key = 0x77;
  how.overlapped = 0;
  ASSERT_ERR(regio_cq_create(lab, 4, &how, &cq), REGIO_EINVAL);
  how.port = NULL;
  how.overlapped = 0x1000;
  ASSERT_ERR(regio_cq_create(lab, 4, &how, &cq), REGIO_EINVAL);
  how.port = port;
  ASSERT_OK(regio_cq_create(lab, 4, &how, &cq));
  ASSERT_EQ(regio_cq_kind(cq), REGIO_NOTIFY_IOCP);
  regio_cq_close(cq);

  /* An unknown kind. */
  how.kind = (regio_notify_kind)7;
  ASSERT_ERR(regio_cq_create(lab, 4, &how, &cq), REGIO_EINVAL);

  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.cqs, 0);
  ASSERT_EQ(st.ports, 1);
  regio_port_close(port);
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.ports, 0);
  return TEST_OK;
}
