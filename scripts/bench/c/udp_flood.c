/*
 * udp_flood — the datagram traffic generator of B1 and B6.
 *
 *   udp_flood PORT COUNT SIZE [STOP]
 *
 * Sends COUNT datagrams of SIZE bytes (filled with 'x') to 127.0.0.1:PORT with sendmmsg in
 * batches of 64, so that the sender is not the bottleneck. With STOP = 1 (the default) it then
 * sends Holgate's stop datagrams, "STOP <port>", one a millisecond, until the server answers on
 * <port> or 5 seconds pass. It prints one line: "sent=N seconds=S answered=0|1".
 */
#include "bench-common.h"

#include <poll.h>
#include <unistd.h>

enum { BATCH = 64 };

/* Sends count datagrams of size bytes through the connected socket fd; returns how many went. */
static unsigned long flood(int fd, unsigned long count, size_t size) {
  static char payload[65536];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  unsigned long sent = 0;
  int i;
  memset(payload, 'x', sizeof(payload));
  for (i = 0; i < BATCH; i++) {
    iov[i].iov_base = payload;
    iov[i].iov_len = size;
    memset(&msgs[i], 0, sizeof(msgs[i]));
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  while (sent < count) {
    unsigned n = count - sent < BATCH ? (unsigned)(count - sent) : BATCH;
    int rc = sendmmsg(fd, msgs, n, 0);
    if (rc < 0) {
      /* A full socket buffer or a refused port: try again; the count says what went. */
      struct pollfd p = {fd, POLLOUT, 0};
      poll(&p, 1, 10);
      continue;
    }
    sent += (unsigned long)rc;
  }
  return sent;
}

/* Sends stop datagrams until the server answers on the reply socket; returns 1 if it did. */
static int stop_server(int fd) {
  int reply = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa;
  char msg[32], buf[64];
  double deadline = bench_now() + 5.0;
  if (reply < 0) bench_die("socket");
  bench_loopback(&sa, 0);
  if (bind(reply, (struct sockaddr *)&sa, sizeof(sa)) < 0) bench_die("bind");
  snprintf(msg, sizeof(msg), "STOP %u", bench_local_port(reply));
  while (bench_now() < deadline) {
    struct pollfd p = {reply, POLLIN, 0};
    send(fd, msg, strlen(msg), 0);
    if (poll(&p, 1, 1) > 0 && recv(reply, buf, sizeof(buf), 0) >= 0) {
      close(reply);
      return 1;
    }
  }
  close(reply);
  return 0;
}

int main(int argc, char **argv) {
  unsigned port = (unsigned)bench_arg(argc, argv, 1, 0);
  unsigned long count = bench_arg(argc, argv, 2, 100000);
  size_t size = bench_arg(argc, argv, 3, 1024);
  int with_stop = (int)bench_arg(argc, argv, 4, 1);
  struct sockaddr_in sa;
  int fd, answered = 0;
  unsigned long sent;
  double t0, t1;
  if (port == 0 || size == 0 || size > 65000) {
    fprintf(stderr, "usage: udp_flood PORT COUNT SIZE [STOP]\n");
    return 2;
  }
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) bench_die("socket");
  bench_loopback(&sa, port);
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) bench_die("connect");
  t0 = bench_now();
  sent = flood(fd, count, size);
  t1 = bench_now();
  if (with_stop) answered = stop_server(fd);
  printf("sent=%lu seconds=%.6f answered=%d\n", sent, t1 - t0, answered);
  close(fd);
  return 0;
}
