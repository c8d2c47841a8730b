/*
 * tcp_echo_epoll — B2's C baseline: a single-threaded, level-triggered epoll echo server.
 *
 *   tcp_echo_epoll
 *
 * Listens on 127.0.0.1:0, prints "READY <port>", echoes whatever each connection sends (reads of
 * up to 4096 bytes, written back in full), and exits when every accepted connection has closed
 * after at least one was accepted, printing "served=N cpu=C" (round trips seen as reads, CPU
 * seconds of the process).
 */
#include "bench-common.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

/* Writes all len bytes to the non-blocking fd, waiting for room when the socket is full. */
static int write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EAGAIN) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int main(void) {
  struct sockaddr_in sa;
  struct epoll_event ev, events[256];
  char buf[4096];
  unsigned long served = 0;
  int lfd = socket(AF_INET, SOCK_STREAM, 0), ep = epoll_create1(0), one = 1, open_conns = 0;
  int accepted = 0;
  if (lfd < 0 || ep < 0) bench_die("socket");
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  bench_loopback(&sa, 0);
  if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1024) < 0)
    bench_die("listen");
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  printf("READY %u\n", bench_local_port(lfd));
  fflush(stdout);
  while (!accepted || open_conns > 0) {
    int n = epoll_wait(ep, events, 256, 10000), i;
    if (n <= 0) break;
    for (i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (c < 0) continue;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        ev.events = EPOLLIN;
        ev.data.fd = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        open_conns++;
        accepted = 1;
      } else {
        ssize_t got = read(fd, buf, sizeof(buf));
        if (got > 0 && write_all(fd, buf, (size_t)got) == 0) {
          served++;
        } else if (got == 0 || (got < 0 && errno != EAGAIN)) {
          epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
          close(fd);
          open_conns--;
        }
      }
    }
  }
  printf("served=%lu cpu=%.6f\n", served, bench_cpu());
  return 0;
}
