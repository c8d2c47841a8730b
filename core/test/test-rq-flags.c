/* test-rq-flags.c — flags and shapes a request may not have: WAITALL on a send or on UDP, bits
   outside RIO_MSG_*, more than one slice under the "windows" profile, no slice on TCP. Every
   refusal is EINVAL and charges nothing. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(rq_flags) {
  static uint8_t mem[256];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *sock, *peer, *udp;
  regio_rq *rq, *urq;
  regio_slice s, two[2];
  (void)engine;

  ASSERT_STR_EQ(regio_lab_profile(lab), "windows");
  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 16, NULL, &cq));
  ASSERT_OK(test_tcp_rq(lab, 4, 4, cq, cq, 1, &sock, &peer, &rq));
  s = test_slice(id, 0, 8);

  /* WAITALL is for receives only. */
  ASSERT_ERR(regio_rq_send(rq, &s, 1, REGIO_MSG_WAITALL, 1), REGIO_EINVAL);
  /* Bits outside REGIO_MSG_ALL. */
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0x10, 2), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_send(rq, &s, 1, 0x10, 2), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_receive(rq, &s, 1, 0x80000000u, 2), REGIO_EINVAL);
  /* Two slices, even with room for them: released Windows takes one. */
  two[0] = test_slice(id, 0, 8);
  two[1] = test_slice(id, 8, 8);
  ASSERT_ERR(regio_rq_receive(rq, two, 2, 0, 3), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_send(rq, two, 2, 0, 3), REGIO_EINVAL);
  /* No slice on TCP (only UDP may send or receive without data). */
  ASSERT_ERR(regio_rq_receive(rq, NULL, 0, 0, 4), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_send(rq, NULL, 0, 0, 4), REGIO_EINVAL);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 0);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_SEND), 0);

  /* Every valid flag combination for a receive is accepted. */
  ASSERT_OK(regio_rq_receive(rq, &s, 1, REGIO_MSG_WAITALL | REGIO_MSG_DONT_NOTIFY, 6));
  ASSERT_OK(regio_rq_send(rq, &s, 1, REGIO_MSG_DONT_NOTIFY | REGIO_MSG_DEFER, 7));

  /* WAITALL on UDP. */
  regio_rq_limits lim = {2, 1, 2, 1};
  ASSERT_OK(regio_sock_udp(lab, "127.0.0.1", 0, &udp));
  ASSERT_OK(regio_rq_create(udp, &lim, cq, cq, 2, &urq));
  ASSERT_ERR(regio_rq_receive(urq, &s, 1, REGIO_MSG_WAITALL, 8), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_receive_ex(urq, &s, 1, NULL, REGIO_MSG_WAITALL, 8), REGIO_EINVAL);
  ASSERT_EQ(regio_rq_charged(urq, REGIO_DIR_RECEIVE), 0);
  /* UDP may receive without a slice. */
  ASSERT_OK(regio_rq_receive(urq, NULL, 0, 0, 9));
  ASSERT_EQ(regio_rq_charged(urq, REGIO_DIR_RECEIVE), 1);

  /* Ex rules: an address slice shorter than SOCKADDR_INET; a local address on a send. */
  regio_slice addr_small = test_slice(id, 100, REGIO_SOCKADDR_INET_SIZE - 1);
  regio_slice addr = test_slice(id, 128, REGIO_SOCKADDR_INET_SIZE);
  regio_ex_slices ex = {NULL, &addr_small, NULL, NULL};
  ASSERT_ERR(regio_rq_receive_ex(urq, &s, 1, &ex, 0, 10), REGIO_EINVAL);
  ex = (regio_ex_slices){&addr_small, NULL, NULL, NULL};
  ASSERT_ERR(regio_rq_receive_ex(urq, &s, 1, &ex, 0, 10), REGIO_EINVAL);
  ex = (regio_ex_slices){&addr, NULL, NULL, NULL};
  ASSERT_ERR(regio_rq_send_ex(urq, &s, 1, &ex, 0, 11), REGIO_EINVAL);
  ex = (regio_ex_slices){NULL, &addr_small, NULL, NULL};
  ASSERT_ERR(regio_rq_send_ex(urq, &s, 1, &ex, 0, 11), REGIO_EINVAL);
  ASSERT_EQ(regio_rq_charged(urq, REGIO_DIR_RECEIVE), 1);
  ASSERT_EQ(regio_rq_charged(urq, REGIO_DIR_SEND), 0);
  return TEST_OK;
}
