/*
 * tcp_bulk_send — B3's sender towards the regio receiver: one stream of bulk bytes.
 *
 *   tcp_bulk_send PORT BYTES [WRITE]
 *
 * Connects to 127.0.0.1:PORT and writes BYTES bytes in writes of WRITE bytes (default 131072,
 * iperf3's default length), then closes. Prints "sent=N seconds=S cpu=C".
 */
#include "bench-common.h"

#include <unistd.h>

int main(int argc, char **argv) {
  unsigned port = (unsigned)bench_arg(argc, argv, 1, 0);
  unsigned long long total = strtoull(argc > 2 ? argv[2] : "1073741824", NULL, 0), sent = 0;
  size_t chunk = bench_arg(argc, argv, 3, 131072);
  char *buf = malloc(chunk);
  struct sockaddr_in sa;
  double t0, t1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (port == 0 || buf == NULL || fd < 0) {
    fprintf(stderr, "usage: tcp_bulk_send PORT BYTES [WRITE]\n");
    return 2;
  }
  memset(buf, 'b', chunk);
  bench_loopback(&sa, port);
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) bench_die("connect");
  t0 = bench_now();
  while (sent < total) {
    size_t want = total - sent < chunk ? (size_t)(total - sent) : chunk;
    ssize_t n = write(fd, buf, want);
    if (n <= 0) bench_die("write");
    sent += (unsigned long long)n;
  }
  shutdown(fd, SHUT_WR);
  /* Wait for the receiver to close, so the time covers delivery. */
  while (read(fd, buf, chunk) > 0) {
  }
  t1 = bench_now();
  printf("sent=%llu seconds=%.6f cpu=%.6f\n", sent, t1 - t0, bench_cpu());
  close(fd);
  return 0;
}
