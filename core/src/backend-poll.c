/*
 * backend-poll.c — the "poll" engine: non-blocking POSIX sockets and poll(2), with every
 * completion made in user space.
 *
 * Progress happens only inside the poll op. It first services every open socket that has started
 * requests: for each direction, the oldest request is attempted until the socket would block
 * (poll-stream.c for TCP, poll-dgram.c for UDP). A direction that would block is marked and left
 * alone until poll(2) reports the socket ready again, so an idle lab costs one poll(2) call per
 * pass rather than one failed read per socket. Then it waits in poll(2) — for no time at all if
 * something completed — and services the sockets that became ready.
 *
 * Socket setup lives in poll-sock.c, addresses in poll-addr.c, slices in poll-slices.c and the
 * peer-side plain I/O in poll-peer.c.
 */
#include "poll-int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int poll_probe(const char **reason) {
  if (reason) *reason = NULL;
  return 0;
}

/* Returns 1 if a UDP socket can be bound to the IPv6 loopback address. */
int regio__poll_probe_ipv6(void) {
  poll_addr loop;
  int fd, ok;
  if (regio__poll_resolve("::1", 0, AF_INET6, &loop) != 0) return 0;
  fd = regio__poll_socket(AF_INET6, SOCK_DGRAM);
  if (fd < 0) return 0;
  ok = bind(fd, (struct sockaddr *)&loop.ss, loop.len) == 0;
  close(fd);
  return ok;
}

static int poll_lab_init(regio_lab *lab) {
  poll_lab *pl = regio__calloc(1, sizeof(*pl));
  if (pl == NULL) return REGIO_ENOMEM;
  pl->ipv6 = regio__poll_probe_ipv6();
  lab->engine_data = pl;
  return 0;
}

static void poll_lab_close(regio_lab *lab) {
  poll_lab *pl = lab->engine_data;
  if (pl == NULL) return;
  regio__free(pl->fds);
  regio__free(pl->owners);
  regio__free(pl);
  lab->engine_data = NULL;
}

static void poll_caps(const regio_lab *lab, regio_caps *caps) {
  const poll_lab *pl = lab->engine_data;
  caps->max_slices = lab->profile == REGIO_PROFILE_WINDOWS ? 1 : REGIO_MAX_SLICES;
  caps->waitall_multi = lab->profile == REGIO_PROFILE_EXTENDED  ? 1
                        : lab->profile == REGIO_PROFILE_PREVIEW ? 2
                                                                : 0;
  caps->kernel_io = 0;
  caps->virtual_time = 0;
  caps->ipv6 = pl != NULL ? pl->ipv6 : regio__poll_probe_ipv6();
}

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t poll_now(regio_lab *lab) {
  (void)lab;
  return monotonic_ns();
}

int64_t regio__poll_now_ms(void) { return (int64_t)(monotonic_ns() / 1000000u); }

static void poll_started(regio_sock *sock, regio_req *req) {
  (void)sock;
  req->done = 0;
  req->engine_word = 0;
}

/* Services both directions of one socket, attempting only the directions not marked as
   blocked. Returns the number of completions posted. */
static int service_sock(regio_sock *s) {
  int udp = s->type == REGIO_SOCK_UDP, posted = 0;
  if (regio__rq_head(s->rq, REGIO_DIR_RECEIVE) != NULL) {
    posted += udp ? regio__poll_dgram_recv(s) : regio__poll_stream_recv(s);
  }
  if (!s->closed && regio__rq_head(s->rq, REGIO_DIR_SEND) != NULL) {
    posted += udp ? regio__poll_dgram_send(s) : regio__poll_stream_send(s);
  }
  return posted;
}

/* Services every open socket that has started requests. */
static int service_pass(regio_lab *lab) { return regio__service_sockets(lab, service_sock); }

/* Makes room for n entries in the lab's pollfd scratch. Returns 0 or REGIO_ENOMEM. */
static int reserve(poll_lab *pl, uint32_t n) {
  struct pollfd *fds;
  regio_sock **owners;
  uint32_t cap = pl->cap ? pl->cap : 16;
  if (n <= pl->cap) return 0;
  while (cap < n) cap *= 2;
  fds = regio__realloc(pl->fds, cap * sizeof(*fds));
  if (fds == NULL) return REGIO_ENOMEM;
  pl->fds = fds;
  owners = regio__realloc(pl->owners, cap * sizeof(*owners));
  if (owners == NULL) return REGIO_ENOMEM;
  pl->owners = owners;
  pl->cap = cap;
  return 0;
}

static int add_fd(poll_lab *pl, uint32_t *n, int fd, short events, regio_sock *owner) {
  int rc = reserve(pl, *n + 1);
  if (rc != 0) return rc;
  pl->fds[*n].fd = fd;
  pl->fds[*n].events = events;
  pl->fds[*n].revents = 0;
  pl->owners[*n] = owner;
  (*n)++;
  return 0;
}

/* Lists every blocked direction that has a started request, and the waited-on socket. Returns the
   number of entries or REGIO_ENOMEM. */
static int build_set(regio_lab *lab, regio_sock *wait_sock, int wait_events) {
  poll_lab *pl = lab->engine_data;
  regio_sock *s;
  uint32_t n = 0;
  int rc;
  for (s = lab->socks; s != NULL; s = s->next) {
    const poll_sock *ps = s->engine_data;
    short events = 0;
    if (s->closed || s->rq == NULL || ps == NULL || s->fd < 0) continue;
    if ((ps->blocked & POLL_BLOCKED_RECV) && regio__rq_head(s->rq, REGIO_DIR_RECEIVE) != NULL) {
      events |= POLLIN;
    }
    if ((ps->blocked & POLL_BLOCKED_SEND) && regio__rq_head(s->rq, REGIO_DIR_SEND) != NULL) {
      events |= POLLOUT;
    }
    if (events != 0 && (rc = add_fd(pl, &n, s->fd, events, s)) != 0) return rc;
  }
  if (wait_sock != NULL && wait_sock->fd >= 0 && (wait_events & 3) != 0) {
    short events = (short)(((wait_events & 1) ? POLLIN : 0) | ((wait_events & 2) ? POLLOUT : 0));
    if ((rc = add_fd(pl, &n, wait_sock->fd, events, NULL)) != 0) return rc;
  }
  return (int)n;
}

/* Clears the blocked marks of the directions poll(2) reported ready. */
static void mark_ready(poll_lab *pl, uint32_t n) {
  uint32_t i;
  for (i = 0; i < n; i++) {
    short re = pl->fds[i].revents;
    poll_sock *ps;
    if (re == 0 || pl->owners[i] == NULL) continue;
    ps = pl->owners[i]->engine_data;
    if (ps == NULL) continue;
    if (re & (POLLERR | POLLHUP | POLLNVAL)) ps->blocked = 0;
    if (re & POLLIN) ps->blocked &= (uint8_t)~POLL_BLOCKED_RECV;
    if (re & POLLOUT) ps->blocked &= (uint8_t)~POLL_BLOCKED_SEND;
  }
}

int regio__poll_poll(regio_lab *lab, int timeout_ms, regio_sock *wait_sock, int wait_events) {
  poll_lab *pl = lab->engine_data;
  int posted = service_pass(lab);
  int n, r, t;
  n = build_set(lab, wait_sock, wait_events);
  if (n < 0) return posted > 0 ? posted : n;
  /* Something completed: look at the blocked sockets, but do not wait for them. */
  t = posted > 0 ? 0 : timeout_ms;
  if (n == 0) {
    /* Nothing can happen: a positive timeout is a plain sleep, a negative one would never end. */
    if (t > 0) poll(NULL, 0, t);
    return posted;
  }
  r = poll(pl->fds, (nfds_t)n, t < 0 ? -1 : t);
  if (r <= 0) return posted; /* timeout, or EINTR: the caller loops on its own deadline */
  mark_ready(pl, (uint32_t)n);
  return posted + service_pass(lab);
}

poll_deadline regio__poll_deadline(int timeout_ms) {
  poll_deadline dl;
  dl.at_ms = timeout_ms < 0 ? -1 : regio__poll_now_ms() + timeout_ms;
  dl.expired = false;
  return dl;
}

int regio__poll_wait(regio_sock *s, int events, poll_deadline *dl) {
  int timeout = -1;
  int rc;
  if (dl->at_ms >= 0) {
    int64_t left = dl->at_ms - regio__poll_now_ms();
    if (left <= 0) {
      if (dl->expired) return REGIO_ETIMEDOUT;
      dl->expired = true;
      left = 0;
    }
    timeout = left > INT_MAX ? INT_MAX : (int)left;
  }
  /* Through the lab's engine, so that the uring engine, which shares this peer-side code, keeps
     its own ring moving while a peer call waits. */
  rc = s->lab->ops->poll(s->lab, timeout, s, events);
  return rc < 0 ? rc : 0;
}

const regio_engine_ops regio__engine_poll = {
    .name = "poll",
    .probe = poll_probe,
    .lab_init = poll_lab_init,
    .lab_close = poll_lab_close,
    .caps = poll_caps,
    .now = poll_now,
    .poll = regio__poll_poll,
    .started = poll_started,
    .tcp_pair = regio__poll_tcp_pair,
    .listen = regio__poll_listen,
    .accept = regio__poll_accept,
    .connect = regio__poll_connect,
    .udp = regio__poll_udp,
    .udp_connect = regio__poll_udp_connect,
    .write = regio__poll_write,
    .read = regio__poll_read,
    .sendto = regio__poll_sendto,
    .recvfrom = regio__poll_recvfrom,
    .shutdown = regio__poll_shutdown,
    .close = regio__poll_close,
    .address = regio__poll_address,
    .peer = regio__poll_peer,
};
