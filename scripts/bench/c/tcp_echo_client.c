/*
 * tcp_echo_client — B2's load: closed-loop echo clients over loopback.
 *
 *   tcp_echo_client PORT CONNS SECONDS [SIZE]
 *
 * Opens CONNS connections to 127.0.0.1:PORT (TCP_NODELAY), then each connection sends SIZE bytes
 * (default 64), waits for all SIZE bytes to come back, and sends again, for SECONDS. Prints
 * "roundtrips=N seconds=S p50_us=A p99_us=B", the latencies taken from a 1-microsecond histogram.
 * The connections are then closed, which ends the server.
 */
#include "bench-common.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

enum { HIST_US = 200000 };

typedef struct conn {
  int fd;
  size_t got;      /* bytes of the current reply received so far */
  double sent_at;  /* when the current request was written */
} conn;

static uint32_t hist[HIST_US + 1];

/* Returns the latency (microseconds) below which the given fraction of round trips fell. */
static unsigned percentile(unsigned long total, double fraction) {
  unsigned long want = (unsigned long)((double)total * fraction), seen = 0;
  unsigned us;
  for (us = 0; us <= HIST_US; us++) {
    seen += hist[us];
    if (seen > want) return us;
  }
  return HIST_US;
}

int main(int argc, char **argv) {
  unsigned port = (unsigned)bench_arg(argc, argv, 1, 0);
  unsigned nconns = (unsigned)bench_arg(argc, argv, 2, 1);
  double seconds = argc > 3 ? atof(argv[3]) : 1.0;
  size_t size = bench_arg(argc, argv, 4, 64);
  char msg[4096], buf[4096];
  struct epoll_event ev, events[256];
  struct sockaddr_in sa;
  unsigned long trips = 0;
  conn *conns = calloc(nconns, sizeof(conn));
  int ep = epoll_create1(0), one = 1;
  unsigned i;
  double t0, end, now;
  if (port == 0 || nconns == 0 || size == 0 || size > sizeof(msg) || conns == NULL) {
    fprintf(stderr, "usage: tcp_echo_client PORT CONNS SECONDS [SIZE<=4096]\n");
    return 2;
  }
  memset(msg, 'e', sizeof(msg));
  bench_loopback(&sa, port);
  for (i = 0; i < nconns; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) bench_die("connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, O_NONBLOCK);
    conns[i].fd = fd;
    ev.events = EPOLLIN;
    ev.data.u32 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  t0 = bench_now();
  end = t0 + seconds;
  for (i = 0; i < nconns; i++) {
    conns[i].sent_at = bench_now();
    if (write(conns[i].fd, msg, size) != (ssize_t)size) bench_die("write");
  }
  for (now = t0; now < end;) {
    int n = epoll_wait(ep, events, 256, 1000), k;
    if (n < 0 && errno != EINTR) bench_die("epoll_wait");
    if (n == 0) break; /* the server stopped answering */
    now = bench_now();
    for (k = 0; k < n; k++) {
      conn *c = &conns[events[k].data.u32];
      ssize_t got = read(c->fd, buf, size - c->got);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "tcp_echo_client: server closed a connection\n");
        return 1;
      }
      c->got += (size_t)got;
      if (c->got < size) continue;
      {
        double us = (now - c->sent_at) * 1e6;
        hist[us < HIST_US ? (unsigned)us : HIST_US]++;
      }
      trips++;
      c->got = 0;
      if (now < end) {
        c->sent_at = now;
        if (write(c->fd, msg, size) != (ssize_t)size) bench_die("write");
      }
    }
  }
  now = bench_now();
  printf("roundtrips=%lu seconds=%.6f p50_us=%u p99_us=%u\n", trips, now - t0,
         percentile(trips, 0.50), percentile(trips, 0.99));
  fflush(stdout);
  for (i = 0; i < nconns; i++) close(conns[i].fd);
  return 0;
}
