/* test-rq-slices.c — scatter/gather under the "extended" profile: up to the RQ's *_bufs slices
   per request (more is EINVAL); a WAITALL receive over two slices completes when both are full,
   and a gathered send sends the slices in order. Under "preview" WAITALL completes when the
   first slice is full. */
#include "helpers.h"
#include "task.h"

static int run_profile(const char *engine, const char *profile) {
  static uint8_t mem[256];
  regio_lab *lab;
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer;
  regio_rq *rq;
  regio_slice three[3];
  regio_result res;
  regio_caps caps;
  regio_rq_limits lim = {2, 2, 2, 3};

  memset(mem, 0, sizeof(mem));
  ASSERT_OK(regio_lab_open(&lab, engine, profile, 1));
  regio_lab_caps(lab, &caps);
  if (caps.max_slices < 3) {
    regio_lab_close(lab);
    RETURN_SKIP("the engine allows fewer than 3 slices per request under this profile");
  }
  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 4, NULL, &cq));
  ASSERT_OK(regio_sock_tcp_pair(lab, 4, &sock, &peer));
  ASSERT_OK(regio_rq_create(sock, &lim, cq, cq, 1, &rq));

  /* recv_bufs is 2: three slices is EINVAL; send_bufs is 3. */
  three[0] = test_slice(id, 0, 4);
  three[1] = test_slice(id, 4, 4);
  three[2] = test_slice(id, 8, 4);
  ASSERT_ERR(regio_rq_receive(rq, three, 3, 0, 1), REGIO_EINVAL);
  /* One bad slice among good ones refuses the whole request. */
  regio_slice bad[2] = {test_slice(id, 0, 4), test_slice(id, 250, 8)};
  ASSERT_ERR(regio_rq_receive(rq, bad, 2, 0, 1), REGIO_EINVAL);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 0);

  /* WAITALL over two slices of 4 bytes each; the peer sends 4, then 4 more. */
  regio_slice two[2] = {test_slice(id, 100, 4), test_slice(id, 200, 4)};
  ASSERT_OK(regio_rq_receive(rq, two, 2, REGIO_MSG_WAITALL, 2));
  ASSERT_EQ(regio_sock_write(peer, "abcd", 4, TEST_WAIT_MS), 4);
  if (strcmp(profile, "preview") == 0) {
    /* The first slice is full: the request completes with 4 bytes. */
    ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
    ASSERT_STATUS(res.status, 0);
    ASSERT_EQ(res.bytes, 4);
    ASSERT_MEM_EQ(mem + 100, "abcd", 4);
  } else {
    test_settle(lab, TEST_SETTLE_MS);
    ASSERT_EQ(regio_cq_queued(cq), 0);
    ASSERT_EQ(regio_sock_write(peer, "efgh", 4, TEST_WAIT_MS), 4);
    ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
    ASSERT_STATUS(res.status, 0);
    ASSERT_EQ(res.bytes, 8);
    ASSERT_MEM_EQ(mem + 100, "abcd", 4);
    ASSERT_MEM_EQ(mem + 200, "efgh", 4);
  }

  /* A gathered send: three slices go out in order. */
  memcpy(mem, "gath", 4);
  memcpy(mem + 4, "ered", 4);
  memcpy(mem + 8, "!!!!", 4);
  ASSERT_OK(regio_rq_send(rq, three, 3, 0, 3));
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, 0);
  ASSERT_EQ(res.bytes, 12);
  char got[12];
  ASSERT_EQ(regio_sock_read(peer, got, sizeof(got), TEST_WAIT_MS), 12);
  ASSERT_MEM_EQ(got, "gathered!!!!", 12);
  regio_lab_close(lab);
  return TEST_OK;
}

TEST_ENGINE_IMPL(rq_slices) {
  int r;
  (void)lab;
  r = run_profile(engine, "extended");
  if (r != TEST_OK) return r;
  return run_profile(engine, "preview");
}
