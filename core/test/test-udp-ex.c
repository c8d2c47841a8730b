/* test-udp-ex.c — UDP through RIO: ReceiveEx fills the remote and local SOCKADDR_INET slices and
   the flags word; SendEx sends to the address in its remote slice from an unconnected socket; a
   datagram longer than the slice is truncated (EMSGSIZE, slice length, MSG_TRUNC); payload-less
   sends and receives work on UDP. */
#include "helpers.h"
#include "task.h"

/* Windows values: AF_INET in a SOCKADDR_INET, and the MSG_TRUNC bit of the flags word. */
#define WIN_AF_INET 2
#define WIN_MSG_TRUNC 0x100u

/* Reads a SOCKADDR_INET holding an IPv4 address: family (little-endian u16), port (network
   order), address. */
static void check_addr4(const uint8_t *sa, uint16_t port) {
  static const uint8_t loopback[4] = {127, 0, 0, 1};
  ASSERT_EQ(sa[0] | sa[1] << 8, WIN_AF_INET);
  ASSERT_EQ(sa[2] << 8 | sa[3], port);
  ASSERT_MEM_EQ(sa + 4, loopback, 4);
}

/* Writes a SOCKADDR_INET for 127.0.0.1:port. */
static void put_addr4(uint8_t *sa, uint16_t port) {
  memset(sa, 0, REGIO_SOCKADDR_INET_SIZE);
  sa[0] = WIN_AF_INET;
  sa[2] = (uint8_t)(port >> 8);
  sa[3] = (uint8_t)port;
  sa[4] = 127;
  sa[7] = 1;
}

TEST_ENGINE_IMPL(udp_ex) {
  static uint8_t mem[512];
  regio_bufid id;
  regio_cq *cq;
  regio_sock *u, *peer;
  regio_rq *rq;
  regio_addr ua, pa;
  regio_result res;
  uint32_t word;
  (void)engine;

  ASSERT_OK(regio_buf_register(lab, mem, sizeof(mem), &id));
  ASSERT_OK(regio_cq_create(lab, 8, NULL, &cq));
  ASSERT_OK(regio_sock_udp(lab, "127.0.0.1", 0, &u));
  ASSERT_OK(regio_sock_udp(lab, "127.0.0.1", 0, &peer));
  ASSERT_OK(regio_sock_address(u, &ua));
  ASSERT_OK(regio_sock_address(peer, &pa));
  ASSERT_EQ(ua.family, 4);
  ASSERT_GT(ua.port, 0);
  regio_rq_limits lim = {4, 1, 4, 1};
  ASSERT_OK(regio_rq_create(u, &lim, cq, cq, 0x1234, &rq));

  /* ReceiveEx with data, remote, local and flags slices; the peer sends "hi". */
  regio_slice data = test_slice(id, 0, 64);
  regio_slice remote = test_slice(id, 100, REGIO_SOCKADDR_INET_SIZE);
  regio_slice local = test_slice(id, 140, 32);
  regio_slice flags = test_slice(id, 180, 4);
  regio_ex_slices ex = {&local, &remote, NULL, &flags};
  memset(mem + 180, 0xFF, 4);
  ASSERT_OK(regio_rq_receive_ex(rq, &data, 1, &ex, 0, 0xABCD));
  ASSERT_EQ(regio_sock_sendto(peer, "hi", 2, "127.0.0.1", ua.port), 2);
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, 0);
  ASSERT_EQ(res.bytes, 2);
  ASSERT_EQ_U64(res.socket_ctx, 0x1234);
  ASSERT_EQ_U64(res.request_ctx, 0xABCD);
  ASSERT_MEM_EQ(mem, "hi", 2);
  check_addr4(mem + 100, pa.port);
  check_addr4(mem + 140, ua.port);
  memcpy(&word, mem + 180, 4);
  ASSERT_EQ(word & WIN_MSG_TRUNC, 0);

  /* A 100-byte datagram into a 40-byte slice: truncated. */
  uint8_t big[100];
  memset(big, 'B', sizeof(big));
  data = test_slice(id, 200, 40);
  ASSERT_OK(regio_rq_receive_ex(rq, &data, 1, &ex, 0, 2));
  ASSERT_EQ(regio_sock_sendto(peer, big, sizeof(big), "127.0.0.1", ua.port), 100);
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, REGIO_EMSGSIZE);
  ASSERT_EQ(res.bytes, 40);
  ASSERT_MEM_EQ(mem + 200, big, 40);
  memcpy(&word, mem + 180, 4);
  ASSERT_EQ(word & WIN_MSG_TRUNC, WIN_MSG_TRUNC);

  /* SendEx from the unconnected socket to the address in the remote slice. */
  memcpy(mem + 300, "to-peer", 7);
  put_addr4(mem + 340, pa.port);
  data = test_slice(id, 300, 7);
  remote = test_slice(id, 340, REGIO_SOCKADDR_INET_SIZE);
  regio_ex_slices to = {NULL, &remote, NULL, NULL};
  ASSERT_OK(regio_rq_send_ex(rq, &data, 1, &to, 0, 3));
  char got[16];
  regio_addr from;
  ASSERT_EQ(regio_sock_recvfrom(peer, got, sizeof(got), TEST_WAIT_MS, &from), 7);
  ASSERT_MEM_EQ(got, "to-peer", 7);
  ASSERT_EQ(from.port, ua.port);
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, 0);
  ASSERT_EQ(res.bytes, 7);

  /* regio_sock_sendto returns the bytes sent. Payload-less: a send with no slice on the connected socket gives the peer an empty
     datagram; a receive with no slice completes with 0 bytes. */
  ASSERT_OK(regio_sock_udp_connect(u, "127.0.0.1", pa.port));
  ASSERT_OK(regio_rq_send(rq, NULL, 0, 0, 4));
  ASSERT_EQ(regio_sock_recvfrom(peer, got, sizeof(got), TEST_WAIT_MS, &from), 0);
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, 0);
  ASSERT_EQ(res.bytes, 0);
  ASSERT_OK(regio_rq_receive(rq, NULL, 0, 0, 5));
  ASSERT_EQ(regio_sock_sendto(peer, "dropped", 7, "127.0.0.1", ua.port), 7);
  ASSERT_EQ(test_await(lab, cq, &res, 1, TEST_WAIT_MS), 1);
  ASSERT_STATUS(res.status, 0);
  ASSERT_EQ(res.bytes, 0);
  ASSERT_EQ_U64(res.request_ctx, 5);
  return TEST_OK;
}
