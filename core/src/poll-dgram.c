/*
 * poll-dgram.c — RIO sends and receives on UDP sockets for the poll engine.
 *
 * Every request moves exactly one datagram. A receive gathers the datagram into its slices (none:
 * the datagram is discarded) and, for the Ex form, reports the sender, the local address the
 * datagram arrived on (from IP_PKTINFO / IPV6_PKTINFO), a Windows flags word and an empty control
 * buffer. ICMP errors are not reported, as RIO does not report them.
 */
#include "poll-int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* How many times a send is retried when an earlier ICMP error surfaces on it. */
#define DGRAM_ICMP_RETRIES 4

/* Returns whether err is an ICMP error reported late on a UDP socket (RIO ignores those). */
static int icmp_error(int err) {
  return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH;
}

int regio__poll_local_address(const regio_sock *s, struct msghdr *msg, poll_addr *out) {
  const poll_sock *ps = regio__poll_state(s);
  struct cmsghdr *c;
  memset(out, 0, sizeof(*out));
  for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
#ifdef IP_PKTINFO
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo pi;
      struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
      memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      s4->sin_family = AF_INET;
      s4->sin_port = ps->local_port;
      s4->sin_addr = pi.ipi_addr;
      out->len = sizeof(*s4);
      return 0;
    }
#endif
#ifdef IPV6_PKTINFO
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo pi;
      struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
      memcpy(&pi, CMSG_DATA(c), sizeof(pi));
      s6->sin6_family = AF_INET6;
      s6->sin6_port = ps->local_port;
      s6->sin6_addr = pi.ipi6_addr;
      if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr)) s6->sin6_scope_id = pi.ipi6_ifindex;
      out->len = sizeof(*s6);
      return 0;
    }
#endif
  }
  out->len = sizeof(out->ss);
  return getsockname(s->fd, (struct sockaddr *)&out->ss, &out->len) == 0 ? 0 : -1;
}

int regio__poll_dgram_recv(regio_sock *s) {
  regio_lab *lab = s->lab;
  poll_sock *ps = regio__poll_state(s);
  struct iovec iov[REGIO_MAX_SLICES];
  union {
    struct cmsghdr align;
    char buf[256];
  } cbuf;
  regio_req *req;
  int posted = 0;

  while (!s->closed && (req = regio__rq_head(s->rq, REGIO_DIR_RECEIVE)) != NULL) {
    poll_addr from;
    struct msghdr msg;
    ssize_t n;
    if (s->fd < 0) {
      posted += regio__req_complete(req, REGIO_ENOTCONN, 0);
      continue;
    }
    if (ps->blocked & POLL_BLOCKED_RECV) break;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)regio__poll_iov(lab, req, 0, iov);
    if (req->has_remote) {
      msg.msg_name = &from.ss;
      msg.msg_namelen = sizeof(from.ss);
    }
    if (req->has_local) {
      msg.msg_control = cbuf.buf;
      msg.msg_controllen = sizeof(cbuf.buf);
    }
    n = recvmsg(s->fd, &msg, 0);
    if (n >= 0) {
      int truncated = (msg.msg_flags & MSG_TRUNC) != 0 && req->nslices > 0;
      uint32_t bytes = req->nslices > 0 ? (uint32_t)n : 0;
      if (req->has_remote || req->has_local || req->has_flags || req->has_control) {
        poll_addr local;
        uint32_t win_flags = (truncated ? POLL_WIN_MSG_TRUNC : 0) |
                             ((msg.msg_flags & MSG_CTRUNC) ? POLL_WIN_MSG_CTRUNC : 0);
        int have_local = req->has_local && regio__poll_local_address(s, &msg, &local) == 0;
        regio__poll_fill_ex(lab, req, req->has_remote ? (struct sockaddr *)&from.ss : NULL,
                            have_local ? (struct sockaddr *)&local.ss : NULL, win_flags);
      }
      posted += regio__req_complete(req, truncated ? REGIO_EMSGSIZE : 0, bytes);
    } else if (errno == EINTR || icmp_error(errno)) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ps->blocked |= POLL_BLOCKED_RECV;
    } else {
      posted += regio__req_complete(req, regio__from_errno(-errno), 0);
    }
  }
  return posted;
}

int regio__poll_dgram_send(regio_sock *s) {
  regio_lab *lab = s->lab;
  poll_sock *ps = regio__poll_state(s);
  struct iovec iov[REGIO_MAX_SLICES];
  regio_req *req;
  int posted = 0;

  while (!s->closed && (req = regio__rq_head(s->rq, REGIO_DIR_SEND)) != NULL) {
    poll_addr to;
    struct msghdr msg;
    ssize_t n;
    if (s->fd < 0) {
      posted += regio__req_complete(req, REGIO_ENOTCONN, 0);
      continue;
    }
    if (ps->blocked & POLL_BLOCKED_SEND) break;
    memset(&msg, 0, sizeof(msg));
    if (req->has_remote) {
      int rc = regio__poll_addr_from_win(regio__slice_ptr(lab, &req->remote),
                                         regio__poll_af(s->family), &to);
      if (rc != 0) {
        posted += regio__req_complete(req, rc, 0);
        continue;
      }
      msg.msg_name = &to.ss;
      msg.msg_namelen = to.len;
    } else if (!s->connected) {
      posted += regio__req_complete(req, REGIO_ENOTCONN, 0);
      continue;
    }
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)regio__poll_iov(lab, req, 0, iov);
    n = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      posted += regio__req_complete(req, 0, (uint32_t)n);
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ps->blocked |= POLL_BLOCKED_SEND;
    } else if (icmp_error(errno) && req->engine_word < DGRAM_ICMP_RETRIES) {
      /* The error belongs to an earlier datagram; this one has not been sent yet. */
      req->engine_word++;
    } else {
      posted += regio__req_complete(req, regio__from_errno(-errno), 0);
    }
  }
  return posted;
}
