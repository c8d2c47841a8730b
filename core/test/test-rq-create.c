/* test-rq-create.c — RIOCreateRequestQueue's argument rules: limits, CQs, one RQ per socket,
   no RQ on a listener. */
#include "helpers.h"
#include "task.h"

TEST_ENGINE_IMPL(rq_create) {
  regio_cq *cq;
  regio_sock *a, *b, *listener;
  regio_rq *rq = NULL, *other;
  regio_rq_limits lim;
  (void)engine;

  ASSERT_OK(regio_cq_create(lab, 16, NULL, &cq));
  ASSERT_OK(regio_sock_tcp_pair(lab, 4, &a, &b));
  ASSERT_NULL(regio_sock_rq(a));
  ASSERT_EQ(regio_sock_kind(a), REGIO_SOCK_TCP);

  /* Both limits zero; a missing CQ. */
  lim = (regio_rq_limits){0, 1, 0, 1};
  ASSERT_ERR(regio_rq_create(a, &lim, cq, cq, 1, &rq), REGIO_EINVAL);
  lim = (regio_rq_limits){2, 1, 2, 1};
  ASSERT_ERR(regio_rq_create(a, &lim, NULL, cq, 1, &rq), REGIO_EINVAL);
  ASSERT_ERR(regio_rq_create(a, &lim, cq, NULL, 1, &rq), REGIO_EINVAL);
  ASSERT_NULL(regio_sock_rq(a));
  ASSERT_EQ(regio_cq_reserved(cq), 0);

  /* The one RQ of the socket. *_bufs of 0 is taken as 1. */
  lim = (regio_rq_limits){2, 0, 3, 0};
  ASSERT_OK(regio_rq_create(a, &lim, cq, cq, 0xC0FFEE, &rq));
  ASSERT_NOT_NULL(rq);
  ASSERT(regio_sock_rq(a) == rq);
  ASSERT_EQ(regio_rq_limit(rq, REGIO_DIR_RECEIVE), 2);
  ASSERT_EQ(regio_rq_limit(rq, REGIO_DIR_SEND), 3);
  ASSERT_EQ(regio_rq_charged(rq, REGIO_DIR_RECEIVE), 0);
  ASSERT_EQ(regio_rq_deferred(rq, REGIO_DIR_SEND), 0);
  ASSERT_EQ(regio_rq_usable(rq), 1);
  ASSERT_EQ(regio_cq_reserved(cq), 5);

  /* A second RQ on the same socket. */
  lim = (regio_rq_limits){1, 1, 1, 1};
  ASSERT_ERR(regio_rq_create(a, &lim, cq, cq, 2, &other), REGIO_EINVAL);
  ASSERT(regio_sock_rq(a) == rq);
  ASSERT_EQ(regio_cq_reserved(cq), 5);

  /* A listener has no RQ. */
  ASSERT_OK(regio_sock_listen(lab, "127.0.0.1", 0, 4, &listener));
  ASSERT_EQ(regio_sock_kind(listener), REGIO_SOCK_LISTENER);
  ASSERT_ERR(regio_rq_create(listener, &lim, cq, cq, 3, &other), REGIO_EINVAL);
  ASSERT_NULL(regio_sock_rq(listener));

  /* A UDP socket may have one; the peer end of the pair too, with its own CQ room. */
  regio_sock *u;
  ASSERT_OK(regio_sock_udp(lab, "127.0.0.1", 0, &u));
  ASSERT_EQ(regio_sock_kind(u), REGIO_SOCK_UDP);
  lim = (regio_rq_limits){4, 1, 0, 1};
  ASSERT_OK(regio_rq_create(u, &lim, cq, cq, 4, &other));
  lim = (regio_rq_limits){0, 1, 4, 1};
  ASSERT_OK(regio_rq_create(b, &lim, cq, cq, 5, &other));
  ASSERT_EQ(regio_cq_reserved(cq), 13);
  return TEST_OK;
}
