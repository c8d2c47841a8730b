/*
 * sock.c — sockets as the model sees them: allocation and linking into the lab, the calls that
 * the engine carries out, and close, which cancels the RQ's outstanding requests before the
 * engine releases the descriptor. A closed socket's memory lives on while its RQ still has
 * charged requests, because their completions refer to it until they are dequeued.
 */
#include "regio-int.h"

#include <stdlib.h>

static regio_sock *sock_new(regio_lab *lab, regio_sock_type type) {
  regio_sock *s = regio__calloc(1, sizeof(*s));
  if (s == NULL) return NULL;
  s->lab = lab;
  s->id = ++lab->next_sock_id;
  s->type = type;
  s->fd = -1;
  s->family = 4;
  s->next = lab->socks;
  if (lab->socks) lab->socks->prev = s;
  lab->socks = s;
  return s;
}

/* Records a socket that was opened successfully. */
static void sock_opened(regio_sock *s) {
  REGIO_TRACE(s->lab, REGIO_TRACE_SOCK_OPEN, s, NULL, 0, s->type, 2, 0, 0);
}

static void sock_unlink_free(regio_sock *s) {
  regio_lab *lab = s->lab;
  if (s->prev) s->prev->next = s->next;
  else lab->socks = s->next;
  if (s->next) s->next->prev = s->prev;
  regio__free(s);
}

void regio__sock_maybe_free(regio_sock *s) {
  regio_rq *rq = s->rq;
  if (!s->closed || s->busy > 0) return;
  if (rq) {
    if (rq->dir[0].charged > 0 || rq->dir[1].charged > 0) return;
    if (rq->reservation_held) {
      rq->dir[0].cq->reserved -= rq->dir[0].limit;
      rq->dir[1].cq->reserved -= rq->dir[1].limit;
      rq->reservation_held = false;
    }
    regio__cq_unref(rq->dir[0].cq);
    regio__cq_unref(rq->dir[1].cq);
    s->rq = NULL;
  }
  sock_unlink_free(s);
}

int regio_sock_tcp_pair(regio_lab *lab, int family, regio_sock **a, regio_sock **b) {
  regio_sock *x, *y;
  int rc;
  if (family != 4 && family != 6) return REGIO_EAFNOSUPPORT;
  x = sock_new(lab, REGIO_SOCK_TCP);
  y = x ? sock_new(lab, REGIO_SOCK_TCP) : NULL;
  if (y == NULL) {
    if (x) sock_unlink_free(x);
    return REGIO_ENOMEM;
  }
  rc = lab->ops->tcp_pair(lab, family, x, y);
  if (rc < 0) {
    sock_unlink_free(x);
    sock_unlink_free(y);
    return rc;
  }
  sock_opened(x);
  sock_opened(y);
  *a = x;
  *b = y;
  return 0;
}

int regio_sock_listen(regio_lab *lab, const char *host, uint16_t port, int backlog,
                      regio_sock **out) {
  regio_sock *s;
  int rc;
  if (host == NULL) return REGIO_EINVAL;
  s = sock_new(lab, REGIO_SOCK_LISTENER);
  if (s == NULL) return REGIO_ENOMEM;
  rc = lab->ops->listen(s, host, port, backlog);
  if (rc < 0) {
    sock_unlink_free(s);
    return rc;
  }
  sock_opened(s);
  *out = s;
  return 0;
}

int regio_sock_accept(regio_sock *listener, int timeout_ms, regio_sock **out) {
  regio_sock *s;
  int rc;
  if (listener->closed || listener->type != REGIO_SOCK_LISTENER) return REGIO_EINVAL;
  s = sock_new(listener->lab, REGIO_SOCK_TCP);
  if (s == NULL) return REGIO_ENOMEM;
  rc = listener->lab->ops->accept(listener, timeout_ms, s);
  if (rc < 0) {
    sock_unlink_free(s);
    return rc;
  }
  sock_opened(s);
  *out = s;
  return 0;
}

int regio_sock_connect(regio_lab *lab, const char *host, uint16_t port, int timeout_ms,
                       regio_sock **out) {
  regio_sock *s;
  int rc;
  if (host == NULL) return REGIO_EINVAL;
  s = sock_new(lab, REGIO_SOCK_TCP);
  if (s == NULL) return REGIO_ENOMEM;
  rc = lab->ops->connect(s, host, port, timeout_ms);
  if (rc < 0) {
    lab->ops->close(s, false);
    sock_unlink_free(s);
    return rc;
  }
  sock_opened(s);
  *out = s;
  return 0;
}

int regio_sock_udp(regio_lab *lab, const char *host, uint16_t port, regio_sock **out) {
  regio_sock *s;
  int rc;
  if (host == NULL) return REGIO_EINVAL;
  s = sock_new(lab, REGIO_SOCK_UDP);
  if (s == NULL) return REGIO_ENOMEM;
  rc = lab->ops->udp(s, host, port);
  if (rc < 0) {
    sock_unlink_free(s);
    return rc;
  }
  sock_opened(s);
  *out = s;
  return 0;
}

int regio_sock_udp_connect(regio_sock *s, const char *host, uint16_t port) {
  if (s->closed || s->type != REGIO_SOCK_UDP || host == NULL) return REGIO_EINVAL;
  /* The engine keeps s->connected: an empty host dissolves the association. */
  return s->lab->ops->udp_connect(s, host, port);
}

int regio_sock_write(regio_sock *s, const void *data, size_t len, int timeout_ms) {
  if (s->closed || s->type == REGIO_SOCK_LISTENER) return REGIO_EINVAL;
  if (len == 0) return 0;
  return s->lab->ops->write(s, data, len, timeout_ms);
}

int regio_sock_read(regio_sock *s, void *data, size_t len, int timeout_ms) {
  if (s->closed || s->type == REGIO_SOCK_LISTENER) return REGIO_EINVAL;
  if (len == 0) return 0;
  return s->lab->ops->read(s, data, len, timeout_ms);
}

int regio_sock_sendto(regio_sock *s, const void *data, size_t len, const char *host,
                      uint16_t port) {
  if (s->closed || s->type != REGIO_SOCK_UDP) return REGIO_EINVAL;
  return s->lab->ops->sendto(s, data, len, host, port);
}

int regio_sock_recvfrom(regio_sock *s, void *data, size_t cap, int timeout_ms,
                        regio_addr *from) {
  if (s->closed || s->type != REGIO_SOCK_UDP) return REGIO_EINVAL;
  return s->lab->ops->recvfrom(s, data, cap, timeout_ms, from);
}

int regio_sock_shutdown(regio_sock *s, int how) {
  if (s->closed || how < 1 || how > 3) return REGIO_EINVAL;
  return s->lab->ops->shutdown(s, how);
}

/* Closes the descriptor and cancels what the RQ still has outstanding. */
static void sock_close(regio_sock *s, bool abortive) {
  if (s == NULL || s->closed) return;
  REGIO_TRACE(s->lab, REGIO_TRACE_SOCK_CLOSE, s, NULL, abortive ? 1 : 0, 0, 2, 0, 0);
  s->closed = true;
  s->busy++;
  if (s->rq) {
    regio_rq *rq = s->rq;
    /* Take the requests away from the engine before it releases the descriptor. */
    regio_req_queue started[2] = {rq->dir[0].started, rq->dir[1].started};
    rq->dir[0].started.head = rq->dir[0].started.tail = NULL;
    rq->dir[0].started.count = 0;
    rq->dir[1].started.head = rq->dir[1].started.tail = NULL;
    rq->dir[1].started.count = 0;
    s->lab->ops->close(s, abortive);
    rq->dir[0].started = started[0];
    rq->dir[1].started = started[1];
    regio__rq_cancel_all(rq);
  } else {
    s->lab->ops->close(s, abortive);
  }
  s->busy--;
  regio__sock_maybe_free(s);
}

void regio_sock_close(regio_sock *s) { sock_close(s, false); }

void regio_sock_abort(regio_sock *s) { sock_close(s, true); }

int regio_sock_address(regio_sock *s, regio_addr *out) {
  if (s->closed) return REGIO_EINVAL;
  return s->lab->ops->address(s, out);
}

int regio_sock_peer(regio_sock *s, regio_addr *out) {
  if (s->closed) return REGIO_EINVAL;
  return s->lab->ops->peer(s, out);
}

int regio__service_sockets(regio_lab *lab, int (*service)(regio_sock *s)) {
  regio_sock *s, *next;
  int posted = 0;
  for (s = lab->socks; s != NULL; s = next) {
    if (s->closed || s->rq == NULL || s->engine_data == NULL) {
      next = s->next;
      continue;
    }
    /* Keep this socket allocated and linked until its next neighbour has been read. */
    s->busy++;
    posted += service(s);
    next = s->next;
    s->busy--;
    if (s->closed) regio__sock_maybe_free(s);
  }
  return posted;
}

regio_sock_type regio_sock_kind(const regio_sock *s) { return s->type; }

regio_rq *regio_sock_rq(const regio_sock *s) {
  if (REGIO_NATIVE(s->lab)) return REGIO_NATIVE(s->lab)->sock_rq(s);
  return s->rq;
}

/* Returns whether p can be a probability knob: at most 1 and not NaN (negative means off). */
static bool is_probability(double p) { return p <= 1.0; }

int regio_sock_link(regio_sock *s, const regio_link *knobs) {
  if (knobs == NULL || s->closed) return REGIO_EINVAL;
  if (!is_probability(knobs->loss) || !is_probability(knobs->dup) ||
      !is_probability(knobs->reorder) || knobs->latency_ms != knobs->latency_ms ||
      knobs->bandwidth != knobs->bandwidth)
    return REGIO_EINVAL;
  if (s->lab->ops->link == NULL) return REGIO_EOPNOTSUPP;
  return s->lab->ops->link(s, knobs);
}
