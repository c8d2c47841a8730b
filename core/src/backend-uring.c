/*
 * backend-uring.c — the "uring" engine: RIO sends and receives carried out by the kernel through
 * io_uring, on registered (fixed) buffers where the kernel accepts them.
 *
 * How each RIO mechanism maps, with the evidence (URING-NOTES.md, measured on 6.18, and the
 * uring-only specs in spec/uring_spec.lua):
 *
 * - Registered buffers. The lab's ring has a sparse fixed-buffer table (URING_FIXED_SLOTS). The
 *   model calls ops->buf_register for every RIORegisterBuffer and ops->buf_deregister when the
 *   registration ends, which the model allows only once no accepted request uses the buffer; the
 *   engine writes or clears the buffer's slot with IORING_REGISTER_BUFFERS_UPDATE. Evidence: the
 *   kernel lists the buffer (address/length) in /proc/self/fdinfo/<ring> "UserBufs" and drops it
 *   after deregistration (spec "registers buffers with the kernel"); lab:caps().fixed_registered
 *   counts the slots the kernel accepted. A slot the kernel refuses (RLIMIT_MEMLOCK for non-root
 *   users, over 1 GiB, file-backed memory) only means that buffer is used by plain address.
 *   There is one ring, so "every ring that may use them" is that ring.
 * - Which operations use them. Sends whose slices all lie in one fixed buffer: SEND_ZC +
 *   IORING_RECVSEND_FIXED_BUF (one slice), SENDMSG_ZC + FIXED_BUF (several slices, or an address
 *   given with sendmsg). Plain SEND/SENDMSG + FIXED_BUF give -EINVAL (URING-NOTES §1), so the
 *   zero-copy forms are the only fixed-buffer sends. A zero-copy send completes only after its
 *   notification CQE (IORING_CQE_F_NOTIF): until then the kernel may still read the pages.
 *   lab:caps().fixed_sends counts sends the kernel carried out from a fixed buffer (spec "sends
 *   from a registered buffer use it"). If the kernel refuses a fixed form (-EINVAL/-EOPNOTSUPP,
 *   e.g. vectored fixed sends before 6.15), the engine stops using that form and resends plainly.
 *   Receives: RECV/RECVMSG + FIXED_BUF give -EINVAL on 6.18, so the only fixed-buffer receive
 *   is READ_FIXED on the socket. It is used for TCP receives of one slice without WAITALL
 *   (lab:caps().fixed_receives counts them; spec "plain TCP receives ... fixed buffer"); it
 *   returns what is there, which is what such a receive wants, and it waits on this engine's
 *   non-blocking sockets (measured: a READ_FIXED on an empty non-blocking socket stays pending).
 *   It cannot do WAITALL (no MSG_WAITALL: READ_FIXED returns short reads, URING-NOTES §1),
 *   UDP receives (no source address, no MSG_TRUNC) or several slices (READV_FIXED needs 6.15
 *   and has the same limits): those are RECV/RECVMSG on the plain address of the slice, which
 *   the model validated.
 * - Ordering. At most one request per socket and direction is in the kernel: the head of
 *   rq->dir[d].started. Unlinked receives on one socket fill in LIFO order and unlinked sends
 *   interleave (URING-NOTES "Extra"), so the next request is submitted only when the previous
 *   one's CQE arrived. Spec "64 receives and 64 sends" checks every byte's position.
 * - DEFER. The model keeps deferred requests on per-direction lists and hands them to the engine
 *   in order through ops->started at commit (or at the next non-deferred submit): the requests
 *   are prepared, not submitted, until then. A started head request is prepared and submitted at
 *   once (io_uring_submit), so commit and non-deferred submits do reach the kernel.
 * - WAITALL is the kernel's MSG_WAITALL on RECV/RECVMSG (the preview profile trims the iovecs to
 *   the first slice). A short WAITALL result can hide a reset: the kernel returns the bytes it had
 *   and drops the ECONNRESET (URING-NOTES §Q1). The engine then asks the socket (SO_ERROR, then
 *   TCP_INFO: CLOSE after a reset, CLOSE_WAIT after a FIN) and reports ECONNRESET (spec "reset
 *   after part of a WAITALL receive").
 * - Sends always carry MSG_WAITALL on streams (without it a 16 MiB send completed short), and
 *   whatever is still short is resubmitted by the same request, before any later send.
 * - Scatter/gather is RECVMSG/SENDMSG over the slices; the Ex forms are RECVMSG/SENDMSG with the
 *   address converted to and from SOCKADDR_INET by the poll engine's poll-addr.c/poll-slices.c,
 *   and the local address from IP_PKTINFO (poll-dgram.c's regio__poll_local_address).
 * - Notification. An eventfd is registered with the ring; the engine's poll op waits in poll(2)
 *   on that eventfd (and on the socket a peer-side call waits for), so cq:wait and port:wait
 *   block in the kernel until a CQE arrives. The model's event flag and IOCP packets are set when
 *   the engine posts the completion; IOCP-style ports therefore work across any number of CQs.
 *   Every wait retries on EINTR (ring teardown sends task work that interrupts waits, §Q5).
 * - The CQ never overflows. One ring per lab, not per RIO CQ: the model enforces RIO's logical
 *   CQ sizes itself, and the engine keeps at most one request per socket and direction in the
 *   kernel, each worth at most two CQEs (result and zero-copy notification) plus one per cancel.
 *   URING_CQ_ENTRIES (8192) CQEs covers 2048 sockets with both directions busy, and the kernel's
 *   IORING_FEAT_NODROP (required by the probe) keeps any excess on its overflow list, which
 *   regio__uring_reap flushes, rather than dropping it. Under a memlock limit that refuses the
 *   full ring (non-root users), lab_init halves the CQ down to URING_CQ_MIN; NODROP keeps that
 *   correct (measured: ulimit -l 64 as nobody opens a uring lab; 0 makes uring unavailable).
 *   One ring also means one eventfd to wait on, one fixed-buffer table, and no ring resize
 *   (RESIZE_RINGS needs DEFER_TASKRUN rings); RIO's CQ resize is the model's, logical.
 * - Close. close() does not cancel io_uring requests (§Q8). Closing a socket first cancels every
 *   request on its fd (IORING_REGISTER_SYNC_CANCEL with CANCEL_FD|ALL, or an ASYNC_CANCEL SQE),
 *   waits for all of its CQEs (and notifications), and only then closes the fd and frees the
 *   op state the kernel writes into. A cancelled WAITALL receive may report partial bytes; the
 *   model completes every request it takes back at close with ECANCELED and 0 bytes.
 * - Memory the kernel may write: slices stay registered while a request uses them (model), the
 *   ops' message headers live in the socket state, freed only after the socket's last CQE, and
 *   lab close closes every socket (ops->close) before the ring is torn down.
 *
 * Peer-side plain I/O (write, read, sendto, recvfrom, accept, connect) is the poll engine's
 * (poll-peer.c, poll-tcp.c): its waits go through this engine's poll op, so the ring keeps
 * moving while they wait.
 */
#include "uring-int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* ---- probe ------------------------------------------------------------------------------- */

static int probe_done;
static int probe_rc;
static const char *probe_why;

/* The opcodes the engine cannot do without. */
static const int needed_ops[] = {IORING_OP_SEND, IORING_OP_RECV, IORING_OP_SENDMSG,
                                 IORING_OP_RECVMSG, IORING_OP_ASYNC_CANCEL};

/* Explains a failed io_uring_setup. */
static const char *setup_reason(int err) {
  switch (err) {
  case ENOSYS: return "io_uring is not available: the kernel is too old or lacks it "
                      "(io_uring_setup: ENOSYS), or a seccomp filter hides it";
  case EPERM: return "io_uring is blocked here: a seccomp filter or the sysctl "
                     "kernel.io_uring_disabled refuses io_uring_setup (EPERM)";
  case ENOMEM: return "io_uring cannot pin its rings: the memlock limit (RLIMIT_MEMLOCK) is too "
                      "low (io_uring_setup: ENOMEM)";
  case EINVAL: return "the kernel's io_uring is too old: it refuses SUBMIT_ALL/CQSIZE "
                      "(5.18 or newer is needed)";
  default: return "io_uring_setup failed";
  }
}

/* Sets up a ring of cq_entries CQEs (and a 32 times smaller SQ) with the engine's flags. Returns
   0 or a negative errno. */
static int ring_setup(struct io_uring *ring, unsigned cq_entries, unsigned *features) {
  struct io_uring_params p;
  unsigned sq_entries = cq_entries / 32u < 8u ? 8u : cq_entries / 32u;
  int rc;
  memset(&p, 0, sizeof(p));
  p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
  p.cq_entries = cq_entries;
  rc = io_uring_queue_init_params(sq_entries, ring, &p);
  if (rc == 0 && features != NULL) *features = p.features;
  return rc;
}

/* Runs once per process: can this kernel, under this process's limits, run the engine? */
static void probe_kernel(void) {
  struct io_uring ring;
  struct io_uring_probe *pr;
  unsigned features = 0, i;
  /* A small ring: its memory is released asynchronously after io_uring_queue_exit, and under a
     tight memlock limit it must not stand in the way of the first lab's ring. */
  int rc = ring_setup(&ring, URING_CQ_MIN, &features);
  probe_done = 1;
  if (rc < 0) {
    probe_rc = REGIO_ENOSYS;
    probe_why = setup_reason(-rc);
    return;
  }
  probe_rc = 0;
  if ((features & IORING_FEAT_NODROP) == 0) {
    probe_rc = REGIO_ENOSYS;
    probe_why = "the kernel's io_uring is too old: no IORING_FEAT_NODROP";
  }
  pr = io_uring_get_probe_ring(&ring);
  for (i = 0; probe_rc == 0 && i < sizeof(needed_ops) / sizeof(needed_ops[0]); i++) {
    if (pr == NULL || !io_uring_opcode_supported(pr, needed_ops[i])) {
      probe_rc = REGIO_ENOSYS;
      probe_why = "the kernel's io_uring is too old: it lacks SEND/RECV/SENDMSG/RECVMSG/CANCEL";
    }
  }
  if (pr != NULL) io_uring_free_probe(pr);
  io_uring_queue_exit(&ring);
}

static int uring_probe(const char **reason) {
  const char *off = getenv("REGIO_DISABLE_URING");
  if (reason) *reason = NULL;
  if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0) {
    if (reason) *reason = "disabled: REGIO_DISABLE_URING is set in the environment";
    return REGIO_ENOSYS;
  }
  if (!probe_done) probe_kernel();
  if (probe_rc != 0 && reason) *reason = probe_why;
  return probe_rc;
}

/* ---- lab --------------------------------------------------------------------------------- */

/* Registers the sparse fixed-buffer table and learns which fixed sends the kernel has. */
static void fixed_setup(uring_lab *ul) {
  struct io_uring_probe *pr;
  uint32_t i;
  for (i = 0; i < URING_FIXED_SLOTS; i++) ul->fixed_ids[i] = REGIO_INVALID_BUFFERID;
  if (io_uring_register_buffers_sparse(&ul->ring, URING_FIXED_SLOTS) != 0) return;
  ul->fixed_table = true;
  pr = io_uring_get_probe_ring(&ul->ring);
  if (pr == NULL) return;
  ul->fixed_send = io_uring_opcode_supported(pr, IORING_OP_SEND_ZC);
  ul->fixed_sendmsg = io_uring_opcode_supported(pr, IORING_OP_SENDMSG_ZC);
  ul->fixed_read = io_uring_opcode_supported(pr, IORING_OP_READ_FIXED);
  io_uring_free_probe(pr);
}

static int uring_lab_init(regio_lab *lab) {
  uring_lab *ul = regio__calloc(1, sizeof(*ul));
  int rc;
  unsigned cq_entries = URING_CQ_ENTRIES;
  if (ul == NULL) return REGIO_ENOMEM;
  /* Under a memlock limit (non-root users) a smaller CQ is still correct: the kernel keeps the
     excess on its overflow list (IORING_FEAT_NODROP) and regio__uring_reap flushes it. */
  while ((rc = ring_setup(&ul->ring, cq_entries, NULL)) == -ENOMEM && cq_entries > URING_CQ_MIN) {
    cq_entries /= 2u;
  }
  if (rc < 0) {
    regio__free(ul);
    return regio__from_errno(rc);
  }
  ul->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ul->eventfd < 0 || io_uring_register_eventfd(&ul->ring, ul->eventfd) != 0) {
    rc = ul->eventfd < 0 ? regio__from_errno(-errno) : REGIO_ENOSYS;
    if (ul->eventfd >= 0) close(ul->eventfd);
    io_uring_queue_exit(&ul->ring);
    regio__free(ul);
    return rc;
  }
  fixed_setup(ul);
  ul->ipv6 = regio__poll_probe_ipv6();
  lab->engine_data = ul;
  return 0;
}

static void uring_lab_close(regio_lab *lab) {
  uring_lab *ul = regio__uring_lab(lab);
  if (ul == NULL) return;
  /* Every socket was closed (and its CQEs awaited) before this: nothing is in the kernel. */
  io_uring_queue_exit(&ul->ring);
  close(ul->eventfd);
  regio__free(ul);
  lab->engine_data = NULL;
}

static void uring_caps(const regio_lab *lab, regio_caps *caps) {
  const uring_lab *ul = regio__uring_lab(lab);
  caps->max_slices = lab->profile == REGIO_PROFILE_WINDOWS ? 1 : REGIO_MAX_SLICES;
  caps->waitall_multi = lab->profile == REGIO_PROFILE_EXTENDED  ? 1
                        : lab->profile == REGIO_PROFILE_PREVIEW ? 2
                                                                : 0;
  caps->kernel_io = 1;
  caps->virtual_time = 0;
  caps->ipv6 = ul != NULL ? ul->ipv6 : regio__poll_probe_ipv6();
  caps->fixed_buffers = ul != NULL && ul->fixed_table;
  caps->fixed_registered = ul != NULL ? ul->fixed_count : 0;
  caps->fixed_sends = ul != NULL ? ul->fixed_sends : 0;
  caps->fixed_receives = ul != NULL ? ul->fixed_receives : 0;
}

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t uring_now(regio_lab *lab) {
  (void)lab;
  return monotonic_ns();
}

/* ---- registered buffers -------------------------------------------------------------------- */

/* Puts the buffer into the kernel's fixed-buffer table, in the slot its id selects. A slot that is
   taken, or a buffer the kernel refuses, leaves the buffer usable by plain address. Never fails
   the registration. */
static int uring_buf_register(regio_lab *lab, regio_bufid id, void *mem, uint32_t len) {
  uring_lab *ul = regio__uring_lab(lab);
  uint32_t slot = id & (URING_FIXED_SLOTS - 1u);
  struct iovec iov;
  __u64 tag = 0; /* no tag: the model already knows when no request uses the buffer */
  if (ul == NULL || !ul->fixed_table || ul->fixed_ids[slot] != REGIO_INVALID_BUFFERID) return 0;
  iov.iov_base = mem;
  iov.iov_len = len;
  if (io_uring_register_buffers_update_tag(&ul->ring, slot, &iov, &tag, 1) == 1) {
    ul->fixed_ids[slot] = id;
    ul->fixed_count++;
  }
  return 0;
}

/* Clears the buffer's slot. The model calls this only when no accepted request uses the buffer,
   so the kernel holds no request on it; its page references go with the slot. */
static void uring_buf_deregister(regio_lab *lab, regio_bufid id) {
  uring_lab *ul = regio__uring_lab(lab);
  uint32_t slot = id & (URING_FIXED_SLOTS - 1u);
  struct iovec iov;
  __u64 tag = 0;
  if (ul == NULL || ul->fixed_ids[slot] != id) return;
  iov.iov_base = NULL;
  iov.iov_len = 0;
  io_uring_register_buffers_update_tag(&ul->ring, slot, &iov, &tag, 1);
  ul->fixed_ids[slot] = REGIO_INVALID_BUFFERID;
  ul->fixed_count--;
}

/* ---- progress ---------------------------------------------------------------------------- */

static void uring_started(regio_sock *s, regio_req *req) {
  uring_sock *us = regio__uring_sock(s);
  uring_op *op;
  req->done = 0;
  req->engine_word = 0;
  if (us == NULL || s->closed || s->rq == NULL) return;
  op = &us->op[req->dir];
  /* Only the head goes to the kernel; the others follow as their predecessors complete. */
  if (op->req != NULL || op->pending || regio__rq_head(s->rq, req->dir) != req) return;
  regio__uring_prepare(s, (regio_direction)req->dir, req);
  regio__uring_submit(regio__uring_lab(s->lab));
}

/* Works one direction of a socket: completes what the kernel finished and puts the next head
   request into the kernel. Returns the number of completions posted. */
static int service_dir(regio_sock *s, regio_direction d) {
  int posted = 0;
  while (!s->closed && s->engine_data != NULL) {
    uring_op *op = &regio__uring_sock(s)->op[d];
    regio_req *head;
    if (op->pending) break;
    if (op->req != NULL) {
      if (!op->have_result) break;
      posted += regio__uring_finish(s, d);
      continue;
    }
    head = regio__rq_head(s->rq, d);
    if (head == NULL) break;
    regio__uring_prepare(s, d, head);
  }
  return posted;
}

/* Services both directions of one socket. */
static int service_sock(regio_sock *s) {
  return service_dir(s, REGIO_DIR_RECEIVE) + service_dir(s, REGIO_DIR_SEND);
}

/* Services every open socket with an RQ, then submits what was prepared. */
static int service_pass(regio_lab *lab) {
  int posted = regio__service_sockets(lab, service_sock);
  regio__uring_submit(regio__uring_lab(lab));
  return posted;
}

/* Clears the eventfd (non-blocking); a completion after this signals it again. */
static void drain_eventfd(uring_lab *ul) {
  uint64_t v;
  while (read(ul->eventfd, &v, sizeof(v)) < 0 && errno == EINTR) {
  }
}

static int uring_poll(regio_lab *lab, int timeout_ms, regio_sock *wait_sock, int wait_events) {
  uring_lab *ul = regio__uring_lab(lab);
  int64_t deadline;
  int posted;
  /* The eventfd is read only before blocking (below): a call that does not wait, like the
     progress step of every dequeue, costs no system call for it. */
  regio__uring_reap(ul);
  posted = service_pass(lab);
  if (posted > 0) timeout_ms = 0;
  deadline = timeout_ms < 0 ? -1 : (int64_t)(monotonic_ns() / 1000000u) + timeout_ms;
  for (;;) {
    struct pollfd fds[2];
    nfds_t n = 0;
    int left = -1, r;
    if (deadline >= 0) {
      int64_t l = deadline - (int64_t)(monotonic_ns() / 1000000u);
      left = l <= 0 ? 0 : l > INT_MAX ? INT_MAX : (int)l;
    }
    if (ul->in_kernel > 0) {
      fds[n].fd = ul->eventfd;
      fds[n].events = POLLIN;
      n++;
    }
    if (wait_sock != NULL && wait_sock->fd >= 0 && (wait_events & 3) != 0) {
      fds[n].fd = wait_sock->fd;
      fds[n].events = (short)(((wait_events & 1) ? POLLIN : 0) | ((wait_events & 2) ? POLLOUT : 0));
      n++;
    }
    /* Before blocking, clear what earlier completions signalled, then look at the ring again:
       a completion that came in between is either seen here or signals the eventfd anew. */
    if (left != 0 && ul->in_kernel > 0) drain_eventfd(ul);
    if (io_uring_cq_ready(&ul->ring) > 0) left = 0;
    /* Nothing can happen: a positive timeout is a plain sleep, a negative one would never end. */
    if (n == 0 && left < 0) return posted;
    r = poll(n > 0 ? fds : NULL, n, left);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return posted > 0 ? posted : regio__from_errno(-errno);
    break;
  }
  regio__uring_reap(ul);
  return posted + service_pass(lab);
}

const regio_engine_ops regio__engine_uring = {
    .name = "uring",
    .probe = uring_probe,
    .lab_init = uring_lab_init,
    .lab_close = uring_lab_close,
    .caps = uring_caps,
    .now = uring_now,
    .poll = uring_poll,
    .started = uring_started,
    .tcp_pair = regio__uring_tcp_pair,
    .listen = regio__uring_listen,
    .accept = regio__uring_accept,
    .connect = regio__uring_connect,
    .udp = regio__uring_udp,
    .udp_connect = regio__poll_udp_connect,
    .write = regio__poll_write,
    .read = regio__poll_read,
    .sendto = regio__poll_sendto,
    .recvfrom = regio__poll_recvfrom,
    .shutdown = regio__poll_shutdown,
    .close = regio__uring_close,
    .address = regio__poll_address,
    .peer = regio__poll_peer,
    .buf_register = uring_buf_register,
    .buf_deregister = uring_buf_deregister,
};
