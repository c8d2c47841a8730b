/*
 * winrio-int.h — private to the winrio engine (backend-winrio.c, winrio-*.c): its objects and the
 * services its files share.
 *
 * On Windows the OS keeps RIO's books, so winrio does not use the model: the public regio_buf_*,
 * regio_cq_*, regio_port_* and regio_rq_* calls reach winrio-buf.c, winrio-cq.c and winrio-rq.c
 * through the native ops table (regio-int.h) and are passed to the RIO function table. What is
 * checked in front of RIO only keeps the process safe: a buffer is not deregistered (nor its
 * memory freed) while an accepted request may still touch it, and a closed object is never handed
 * to RIO again. Sockets and the peer-side I/O are ordinary Winsock (winrio-sock.c).
 */
#ifndef REGIO_WINRIO_INT_H
#define REGIO_WINRIO_INT_H

#include "regio-int.h"
#include "rio-compat.h"

#include <windows.h>

typedef struct winrio_lab winrio_lab;
typedef struct winrio_cq winrio_cq;
typedef struct winrio_rq winrio_rq;
typedef struct winrio_port winrio_port;
typedef struct winrio_req winrio_req;

/* A registration: the RIO id and what regio needs to keep the memory safe. */
typedef struct winrio_buf {
  RIO_BUFFERID rio;          /* RIO_INVALID_BUFFERID when the slot is free */
  void *mem;
  uint32_t len;
  uint32_t in_flight;        /* accepted requests that use it and were not dequeued */
  uint16_t gen;
  bool released;             /* regio_buf_release deferred the deregistration */
  void (*free_fn)(void *);
  void *free_arg;
} winrio_buf;

/* An accepted request. Its address is RIO's RequestContext; dequeue maps it back to the
   caller's context and releases the buffers it pinned. */
struct winrio_req {
  winrio_req *prev, *next;   /* in lab->reqs, until dequeued */
  winrio_rq *rq;
  uint8_t dir;               /* regio_direction */
  uint64_t ctx;
  uint32_t nids;
  regio_bufid ids[REGIO_MAX_SLICES + 4]; /* the data slices, then the Ex slices */
};

struct winrio_cq {
  regio_cq base;             /* base.lab; the front door finds the lab here */
  winrio_cq *prev, *next;    /* in lab->cqs */
  RIO_CQ rio;
  uint32_t size;
  regio_notify how;
  HANDLE event;              /* event CQs: a manual-reset event */
  OVERLAPPED overlapped;     /* IOCP CQs: the OVERLAPPED RIO posts; how.overlapped is the user's */
  bool armed;                /* RIONotify returned 0 and no fire was seen since (best effort) */
};

struct winrio_port {
  regio_port base;           /* base.lab */
  winrio_port *prev, *next;  /* in lab->ports */
  HANDLE iocp;
  uint32_t posted;           /* packets posted by regio_port_post and not yet taken */
};

struct winrio_rq {
  regio_rq base;             /* base.sock; the socket's memory is held (sock->busy) for us */
  winrio_rq *prev, *next;    /* in lab->rqs */
  RIO_RQ rio;
  bool sock_closed;          /* closesocket destroyed the RIO_RQ: never use it again */
  regio_cq *cq[2];           /* per regio_direction, for regio_cq_reserved */
  uint32_t limit[2];
  uint32_t charged[2];       /* accepted and not yet dequeued */
};

/* A socket's engine data. */
typedef struct winrio_sock {
  SOCKET s;
  winrio_rq *rq;
} winrio_sock;

struct winrio_lab {
  const RIO_EXTENSION_FUNCTION_TABLE *rio;
  winrio_buf *bufs;
  uint32_t nbufs, capbufs, live_bufs;
  winrio_cq *cqs;
  winrio_port *ports;
  winrio_rq *rqs;
  winrio_req *reqs;
  uint32_t live_reqs;
};

static inline winrio_lab *winrio__lab(const regio_lab *lab) { return lab->engine_data; }
static inline winrio_sock *winrio__sock(const regio_sock *s) { return s->engine_data; }

/* Loads RIO's function table once per process. Returns it, or NULL with *reason set to a
   sentence that names the Winsock error (under Wine: 10045, WSAEOPNOTSUPP). */
const RIO_EXTENSION_FUNCTION_TABLE *winrio__table(const char **reason);
/* Maps a Winsock or Win32 error number onto a REGIO_E* value (winrio-error.c). 0 stays 0. */
int winrio__from_wsa(int wsa);
/* The engine's native ops (winrio-native.c lists them). */
extern const struct regio_native_ops winrio__native_ops;

/* Buffers (winrio-buf.c): the native members, then services for the other files. */
int winrio__buf_register(regio_lab *lab, void *mem, uint32_t len, regio_bufid *out);
int winrio__buf_deregister(regio_lab *lab, regio_bufid id);
int winrio__buf_release(regio_lab *lab, regio_bufid id, void (*free_fn)(void *), void *arg);
uint32_t winrio__buf_in_flight(const regio_lab *lab, regio_bufid id);
uint32_t winrio__buf_length(const regio_lab *lab, regio_bufid id);
int winrio__buf_rio(winrio_lab *wl, const regio_slice *s, RIO_BUF *out);
void winrio__buf_use(winrio_lab *wl, regio_bufid id, int delta);
void winrio__buf_close_all(winrio_lab *wl);

/* CQs and ports (winrio-cq.c). */
int winrio__cq_create(regio_lab *lab, uint32_t size, const regio_notify *how, regio_cq **out);
int winrio__cq_resize(regio_cq *cq, uint32_t size);
void winrio__cq_close(regio_cq *cq);
int winrio__cq_notify(regio_cq *cq);
int winrio__cq_dequeue(regio_cq *cq, regio_result *out, uint32_t max);
int winrio__cq_wait(regio_cq *cq, int timeout_ms);
int winrio__cq_event_set(regio_cq *cq);
int winrio__cq_event_reset(regio_cq *cq);
int winrio__cq_event_state(const regio_cq *cq);
uint32_t winrio__cq_size(const regio_cq *cq);
uint32_t winrio__cq_queued(const regio_cq *cq);
uint32_t winrio__cq_reserved(const regio_cq *cq);
int winrio__cq_armed(const regio_cq *cq);
regio_notify_kind winrio__cq_kind(const regio_cq *cq);
void winrio__cq_close_all(regio_lab *lab);
int winrio__port_create(regio_lab *lab, regio_port **out);
int winrio__port_wait(regio_port *port, int timeout_ms, uint64_t *key, uint64_t *overlapped);
int winrio__port_post(regio_port *port, uint64_t key, uint64_t overlapped);
uint32_t winrio__port_pending(const regio_port *port);
void winrio__port_close(regio_port *port);
void winrio__port_close_all(regio_lab *lab);

/* The socket calls (winrio-sock.c). */
int winrio__tcp_pair(regio_lab *lab, int family, regio_sock *a, regio_sock *b);
int winrio__listen(regio_sock *s, const char *host, uint16_t port, int backlog);
int winrio__accept(regio_sock *listener, int timeout_ms, regio_sock *out);
int winrio__connect(regio_sock *s, const char *host, uint16_t port, int timeout_ms);
int winrio__udp(regio_sock *s, const char *host, uint16_t port);
int winrio__udp_connect(regio_sock *s, const char *host, uint16_t port);
int winrio__write(regio_sock *s, const void *data, size_t len, int timeout_ms);
int winrio__read(regio_sock *s, void *data, size_t len, int timeout_ms);
int winrio__sendto(regio_sock *s, const void *data, size_t len, const char *host, uint16_t port);
int winrio__recvfrom(regio_sock *s, void *data, size_t cap, int timeout_ms, regio_addr *from);
int winrio__shutdown(regio_sock *s, int how);
void winrio__close(regio_sock *s, bool abortive);
int winrio__address(regio_sock *s, regio_addr *out);
int winrio__peer(regio_sock *s, regio_addr *out);

/* Request queues (winrio-rq.c). */
int winrio__rq_create(regio_sock *sock, const regio_rq_limits *limits, regio_cq *recv_cq,
                      regio_cq *send_cq, uint64_t socket_ctx, regio_rq **out);
int winrio__rq_resize(regio_rq *rq, uint32_t max_recv, uint32_t max_send);
int winrio__rq_submit(regio_rq *rq, regio_direction dir, const regio_slice *slices, uint32_t n,
                      const regio_ex_slices *ex, uint32_t flags, uint64_t ctx);
int winrio__rq_commit(regio_rq *rq, regio_direction dir);
uint32_t winrio__rq_limit(const regio_rq *rq, regio_direction dir);
uint32_t winrio__rq_charged(const regio_rq *rq, regio_direction dir);
uint32_t winrio__rq_deferred(const regio_rq *rq, regio_direction dir);
int winrio__rq_usable(const regio_rq *rq);
regio_rq *winrio__sock_rq(const regio_sock *sock);
void winrio__lab_stats(const regio_lab *lab, regio_lab_stats *st);
/* Unwraps a dequeued result and releases what its request pinned. */
void winrio__result(winrio_lab *wl, const RIORESULT *in, regio_result *out);
/* closesocket destroyed the RQ's RIO_RQ: the RQ refuses every later call. */
void winrio__rq_sock_closed(winrio_rq *rq);
/* At lab close: frees the RQs and lets the model free the sockets they held. */
void winrio__rq_close_all(regio_lab *lab);

#endif /* REGIO_WINRIO_INT_H */
