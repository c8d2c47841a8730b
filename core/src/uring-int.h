/*
 * uring-int.h — private to the uring engine (backend-uring.c and uring-*.c): its per-lab and
 * per-socket state and the helpers its files share.
 *
 * The uring engine reuses the poll engine's socket set-up and peer-side plain I/O (poll-*.c):
 * a socket's engine state is a uring_sock whose first member is the poll engine's poll_sock, so
 * every poll helper that looks at regio__poll_state() works unchanged on it. RIO sends and
 * receives go through one io_uring per lab (see backend-uring.c for why one ring is enough).
 */
#ifndef REGIO_URING_INT_H
#define REGIO_URING_INT_H

#include "poll-int.h"

#include <liburing.h>

/* Slots of the kernel's fixed-buffer table; a buffer whose model index is beyond it is used
   through plain addresses. The kernel allows 16384; 4096 keeps /proc fdinfo readable. */
#define URING_FIXED_SLOTS 4096u
/* Completion ring sizes (see backend-uring.c, "the CQ never overflows"): the size a lab asks
   for, and the smallest it settles for under a memlock limit. The SQ is 32 times smaller. */
#define URING_CQ_ENTRIES 8192u
#define URING_CQ_MIN 64u

/* The fixed-buffer forms of a request in the kernel (uring_op.fixed). */
#define URING_FIXED_SEND 1u    /* SEND_ZC + IORING_RECVSEND_FIXED_BUF */
#define URING_FIXED_SENDMSG 2u /* SENDMSG_ZC + IORING_RECVSEND_FIXED_BUF */
#define URING_FIXED_READ 3u    /* READ_FIXED on the socket */

/* What one direction of one socket has in the kernel: at most one request (the head of
   rq->dir[d].started), with the message header and address room the kernel writes into. */
typedef struct uring_op {
  regio_sock *sock;
  regio_req *req;          /* the request this op works for; NULL when idle */
  uint8_t dir;             /* regio_direction */
  uint8_t pending;         /* 1 while a CQE (or a zero-copy notification) is still to come */
  bool have_result;        /* res holds a kernel result not yet looked at */
  uint8_t fixed;           /* the request in the kernel uses a fixed buffer: URING_FIXED_*,
                              or 0 */
  int local_status;        /* a REGIO_E* decided before reaching the kernel, or 0 */
  int32_t res;
  struct msghdr msg;
  struct iovec iov[REGIO_MAX_SLICES];
  poll_addr name;
  union {
    struct cmsghdr align;
    char buf[256];
  } control;
} uring_op;

/* The engine's state for one socket (regio_sock.engine_data). */
typedef struct uring_sock {
  poll_sock base;          /* first: the poll helpers see a poll_sock */
  uring_op op[2];          /* indexed by regio_direction */
} uring_sock;

/* The engine's state for one lab (regio_lab.engine_data). */
typedef struct uring_lab {
  struct io_uring ring;
  int eventfd;             /* registered with the ring: signalled for every completion batch */
  int ipv6;
  uint32_t in_kernel;      /* ops with a CQE still to come */
  bool sqes_queued;        /* SQEs prepared since the last submit */
  bool fixed_table;        /* a sparse fixed-buffer table is registered */
  bool fixed_send;         /* SEND_ZC with a fixed buffer works */
  bool fixed_sendmsg;      /* SENDMSG_ZC with a fixed buffer (vectored) works */
  bool fixed_read;         /* READ_FIXED on a socket works */
  uint32_t fixed_count;    /* buffers now in the kernel's table */
  uint64_t fixed_sends;    /* sends the kernel carried out from a fixed buffer */
  uint64_t fixed_receives; /* receives the kernel carried out into a fixed buffer */
  regio_bufid fixed_ids[URING_FIXED_SLOTS]; /* the model id in each kernel slot, or INVALID */
} uring_lab;

static inline uring_lab *regio__uring_lab(const regio_lab *lab) {
  return (uring_lab *)lab->engine_data;
}

static inline uring_sock *regio__uring_sock(const regio_sock *s) {
  return (uring_sock *)s->engine_data;
}

/* ---- uring-io.c --------------------------------------------------------------------------- */

/* Prepares the SQE that carries out the head request of one direction, unless the request must
   complete without the kernel (then op->local_status is set and the next service pass completes
   it). Called only when the op is idle. */
void regio__uring_prepare(regio_sock *s, regio_direction d, regio_req *req);
/* Looks at the op's result and either completes the head request or prepares the next SQE of
   the same request (the rest of a send, a retry). Returns the number of completions posted. */
int regio__uring_finish(regio_sock *s, regio_direction d);
/* Returns an SQE, submitting what is queued if the SQ is full; NULL only if that fails. */
struct io_uring_sqe *regio__uring_sqe(uring_lab *ul);
/* Submits the queued SQEs (retrying on EINTR). */
void regio__uring_submit(uring_lab *ul);
/* Reaps every available CQE into its op (no model call is made). Returns how many. */
int regio__uring_reap(uring_lab *ul);

/* ---- uring-sock.c ------------------------------------------------------------------------- */

/* The socket ops: the poll engine's, with the state swapped for a uring_sock. */
int regio__uring_tcp_pair(regio_lab *lab, int family, regio_sock *a, regio_sock *b);
int regio__uring_listen(regio_sock *s, const char *host, uint16_t port, int backlog);
int regio__uring_accept(regio_sock *listener, int timeout_ms, regio_sock *out);
int regio__uring_connect(regio_sock *s, const char *host, uint16_t port, int timeout_ms);
int regio__uring_udp(regio_sock *s, const char *host, uint16_t port);
/* Cancels what the socket has in the kernel, waits for every CQE of it, then closes the fd. */
void regio__uring_close(regio_sock *s, bool abortive);

#endif /* REGIO_URING_INT_H */
