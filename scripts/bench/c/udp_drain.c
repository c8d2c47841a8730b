/*
 * udp_drain — B6's C baseline: the receive path alone.
 *
 *   udp_drain COUNT SIZE
 *
 * Binds a UDP socket on 127.0.0.1 (default receive buffer, as the regio side gets), fills it from a
 * second socket with COUNT datagrams of SIZE bytes (what does not fit is dropped by the kernel),
 * then drains it with one recv() per datagram until the socket is empty, and prints
 * "filled=N received=N seconds=S cpu=C" for the drain alone.
 */
#include "bench-common.h"

#include <errno.h>
#include <unistd.h>

int main(int argc, char **argv) {
  unsigned long count = bench_arg(argc, argv, 1, 50000), sent = 0, received = 0;
  size_t size = bench_arg(argc, argv, 2, 64);
  struct sockaddr_in sa;
  char *buf = calloc(1, size + 64);
  int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
  double t0, t1, cpu0, cpu1;
  if (rx < 0 || tx < 0 || buf == NULL) bench_die("socket");
  bench_loopback(&sa, 0);
  if (bind(rx, (struct sockaddr *)&sa, sizeof(sa)) < 0) bench_die("bind");
  bench_loopback(&sa, bench_local_port(rx));
  if (connect(tx, (struct sockaddr *)&sa, sizeof(sa)) < 0) bench_die("connect");
  while (sent < count) {
    if (send(tx, buf, size, 0) < 0 && errno != ENOBUFS && errno != EAGAIN) bench_die("send");
    sent++;
  }
  t0 = bench_now();
  cpu0 = bench_cpu();
  while (recv(rx, buf, size + 64, MSG_DONTWAIT) >= 0) received++;
  t1 = bench_now();
  cpu1 = bench_cpu();
  printf("filled=%lu received=%lu seconds=%.6f cpu=%.6f\n", sent, received, t1 - t0, cpu1 - cpu0);
  return 0;
}
