/*
 * udp_recv_server — B1's C baseline: the seed's "traditional" blocking recv() loop server.
 *
 *   udp_recv_server SIZE
 *
 * Binds 127.0.0.1:0, prints "READY <port>", then receives with recv() until a stop datagram
 * ("STOP <port>", any datagram shorter than SIZE that starts with "STOP"), answers it on <port>,
 * and prints "received=N seconds=S cpu=C": N data datagrams, S from the first datagram to the stop
 * datagram (Holgate's measure), C the process's CPU seconds over the same span. If nothing arrives
 * for 5 seconds it stops too (answered by nobody).
 */
#include "bench-common.h"

#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  size_t size = bench_arg(argc, argv, 1, 1024);
  struct sockaddr_in sa;
  struct timeval idle = {5, 0};
  char *buf = malloc(size + 64);
  unsigned long received = 0;
  double t0 = 0, cpu0 = 0, t1, cpu1;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || buf == NULL) bench_die("socket");
  bench_loopback(&sa, 0);
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) bench_die("bind");
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
  printf("READY %u\n", bench_local_port(fd));
  fflush(stdout);
  for (;;) {
    ssize_t n = recv(fd, buf, size + 64, 0);
    if (n < 0) break; /* idle for 5 s */
    if (received == 0 && t0 == 0) {
      t0 = bench_now();
      cpu0 = bench_cpu();
    }
    if ((size_t)n != size && n >= 4 && memcmp(buf, "STOP", 4) == 0) {
      struct sockaddr_in to;
      buf[n] = '\0';
      t1 = bench_now();
      cpu1 = bench_cpu();
      bench_loopback(&to, (unsigned)strtoul(buf + 5, NULL, 10));
      sendto(fd, "DONE", 4, 0, (struct sockaddr *)&to, sizeof(to));
      printf("received=%lu seconds=%.6f cpu=%.6f\n", received, t1 - t0, cpu1 - cpu0);
      return 0;
    }
    received++;
  }
  t1 = bench_now();
  cpu1 = bench_cpu();
  printf("received=%lu seconds=%.6f cpu=%.6f timeout=1\n", received, t1 - t0, cpu1 - cpu0);
  return 0;
}
