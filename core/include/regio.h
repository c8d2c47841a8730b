/*
 * regio.h — the one public header of regio, a test harness for Windows Registered I/O (RIO).
 *
 * regio models RIO's objects — registered buffers, completion queues (CQs), request queues (RQs),
 * notification ports — and runs them on an engine chosen at run time: "poll" (non-blocking POSIX
 * sockets), and later "uring", "sim" and "winrio". The bookkeeping RIO defines (slot charging,
 * CQ reservations, DEFER lists, the one-shot notify state machine) lives once, in the core, and
 * every engine shares it.
 *
 * Conventions, the same for every function below:
 *  - A function returns 0 (or a non-negative count) on success and a negative REGIO_E* value on
 *    failure. errno is never the channel; regio_err_name() and regio_strerror() describe a code.
 *  - If a submission (send, receive and their Ex forms) fails, no completion is ever posted for it.
 *    Every accepted submission produces exactly one completion: normally through the CQ; with
 *    REGIO_ECANCELED when its socket is closed; and through the lab's release hook (never through
 *    the CQ) when its CQ was closed first or the lab is closed.
 *  - One thread per lab. Like RIO's queues, nothing here locks.
 *  - Contexts are 64-bit values, as in RIORESULT.
 */
#ifndef REGIO_H
#define REGIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REGIO_VERSION_MAJOR 0
#define REGIO_VERSION_MINOR 1
#define REGIO_VERSION_PATCH 0

/*
 * The error list: name, regio number (negated when returned), Winsock number, message.
 * The Winsock number is the code Windows reports for the same condition (WSAE*; 995 is
 * WSA_OPERATION_ABORTED; where Winsock has no code the Win32 one is given, and -1 means none).
 */
#define REGIO_ERRNO_MAP(XX)                                                                 \
  XX(EINVAL, 1, 10022, "invalid argument")                                                  \
  XX(EFAULT, 2, 10014, "buffer id is not registered (deregistered or never issued)")        \
  XX(ENOBUFS, 3, 10055, "no buffer space: queue or completion queue capacity exhausted")    \
  XX(EALREADY, 4, 10037, "a notification is already armed on this completion queue")       \
  XX(ETOOMANYREFS, 5, 10059, "too many references: the queue is still in use at that size") \
  XX(ECANCELED, 6, 995, "operation canceled (socket closed)")                               \
  XX(ECONNRESET, 7, 10054, "connection reset by peer")                                      \
  XX(EBUSY, 8, 170, "buffer is used by a pending request")                                  \
  XX(ETIMEDOUT, 9, 10060, "timed out")                                                      \
  XX(ENOMEM, 10, 8, "out of memory")                                                        \
  XX(EMSGSIZE, 11, 10040, "message too long (truncated to the slice, or too big to send)")   \
  XX(ENOTSOCK, 12, 10038, "not a socket")                                                   \
  XX(EOPNOTSUPP, 13, 10045, "operation not supported on this socket or engine")             \
  XX(ECONNREFUSED, 14, 10061, "connection refused")                                         \
  XX(ENOTCONN, 15, 10057, "socket is not connected")                                        \
  XX(EADDRINUSE, 16, 10048, "address already in use")                                       \
  XX(EADDRNOTAVAIL, 17, 10049, "address not available")                                     \
  XX(EAFNOSUPPORT, 18, 10047, "address family not supported")                              \
  XX(ECONNABORTED, 19, 10053, "connection aborted")                                         \
  XX(ENETUNREACH, 20, 10051, "network unreachable")                                         \
  XX(EHOSTUNREACH, 21, 10065, "host unreachable")                                           \
  XX(EAGAIN, 22, 10035, "resource temporarily unavailable")                                 \
  XX(EMFILE, 23, 10024, "too many open files")                                              \
  XX(ESHUTDOWN, 24, 10058, "cannot send after socket shutdown")                             \
  XX(ENOSYS, 25, 10091, "engine not available on this system")                              \
  XX(ECORRUPT, 26, -1, "completion queue is invalid or corrupt (RIO_CORRUPT_CQ)")           \
  XX(EPIPE, 27, 10058, "broken pipe")                                                       \
  XX(EIO, 28, -1, "input/output error")

/* Error codes: REGIO_EINVAL == -1, and so on. */
enum regio_errno {
#define REGIO_XX_ENUM(name, num, wsa, msg) REGIO_##name = -(num),
  REGIO_ERRNO_MAP(REGIO_XX_ENUM)
#undef REGIO_XX_ENUM
  REGIO_ERRNO_MAX_ = 0
};

/* RIO's request flags, with RIO's values. */
#define REGIO_MSG_DONT_NOTIFY 0x1u
#define REGIO_MSG_DEFER 0x2u
#define REGIO_MSG_WAITALL 0x4u
#define REGIO_MSG_COMMIT_ONLY 0x8u
#define REGIO_MSG_ALL 0xFu

/* RIO's limits. */
#define REGIO_MAX_CQ_SIZE 0x8000000u
#define REGIO_INVALID_BUFFERID 0xFFFFFFFFu
/* regio's own limit on slices per request (profiles extended and preview). */
#define REGIO_MAX_SLICES 64u
/* Length of an address slice's content: the SOCKADDR_INET layout. */
#define REGIO_SOCKADDR_INET_SIZE 28u

typedef struct regio_lab regio_lab;   /* one engine instance and everything opened on it */
typedef struct regio_cq regio_cq;     /* completion queue (RIO_CQ) */
typedef struct regio_rq regio_rq;     /* request queue (RIO_RQ) */
typedef struct regio_sock regio_sock; /* a socket (TCP, UDP or listener) */
typedef struct regio_port regio_port; /* IOCP-style notification port */
typedef uint32_t regio_bufid;         /* REGIO_INVALID_BUFFERID is never issued */

/* RIO_BUF: a byte range inside one registered buffer. Bounds are checked when it is used. */
typedef struct regio_slice {
  regio_bufid id;
  uint32_t offset;
  uint32_t length;
} regio_slice;

/* RIORESULT: status is 0 or a negative REGIO_E*; the contexts are those given at creation. */
typedef struct regio_result {
  int32_t status;
  uint32_t bytes;
  uint64_t socket_ctx;
  uint64_t request_ctx;
} regio_result;

typedef enum regio_direction { REGIO_DIR_RECEIVE = 0, REGIO_DIR_SEND = 1 } regio_direction;

typedef enum regio_notify_kind {
  REGIO_NOTIFY_NONE = 0,  /* polled: RIONotify fails with EINVAL */
  REGIO_NOTIFY_EVENT = 1, /* RIO_EVENT_COMPLETION: the CQ owns a manual-reset event */
  REGIO_NOTIFY_IOCP = 2   /* RIO_IOCP_COMPLETION: one (key, overlapped) packet per fire */
} regio_notify_kind;

/* RIO_NOTIFICATION_COMPLETION. overlapped must be non-zero for IOCP (as RIO requires). */
typedef struct regio_notify {
  regio_notify_kind kind;
  int reset;          /* event: NotifyReset — RIONotify resets the event before arming */
  regio_port *port;   /* iocp */
  uint64_t key;       /* iocp: CompletionKey */
  uint64_t overlapped;/* iocp: Overlapped (an opaque non-zero value) */
} regio_notify;

/* The limits of RIOCreateRequestQueue. A *_bufs of 0 is taken as 1. */
typedef struct regio_rq_limits {
  uint32_t max_recv, max_recv_bufs, max_send, max_send_bufs;
} regio_rq_limits;

/* The optional extra slices of RIOReceiveEx / RIOSendEx; NULL means absent. */
typedef struct regio_ex_slices {
  const regio_slice *local;   /* receive: out, SOCKADDR_INET; send: reserved, must be NULL */
  const regio_slice *remote;  /* receive: out, sender; send: in, destination */
  const regio_slice *control; /* receive: out, RIO_CMSG_BUFFER; send: in (ignored by poll) */
  const regio_slice *flags;   /* receive: out, a 32-bit word of Windows MSG_* bits (MSG_TRUNC 0x100) */
} regio_ex_slices;

/* A printable socket address. */
typedef struct regio_addr {
  int family; /* 4 or 6 */
  uint16_t port;
  char host[64];
} regio_addr;

/* What an engine can do, for scripts and specs that must skip. */
typedef struct regio_caps {
  uint32_t max_slices;    /* slices per request under the lab's profile */
  int waitall_multi;      /* 0: not allowed; 1: WAITALL completes when all slices are full;
                             2: when the first slice is full (preview) */
  int kernel_io;          /* the kernel moves the bytes asynchronously (io_uring, RIO) */
  int virtual_time;       /* lab_poll advances a virtual clock (sim) */
  int ipv6;               /* IPv6 loopback works */
  /* Registered buffers are also registered with the kernel (io_uring fixed buffers): whether the
     engine does it, how many buffers the kernel accepted and holds now, and how many sends and
     receives the kernel carried out on one so far. 0 on engines without a kernel registration. */
  int fixed_buffers;
  uint32_t fixed_registered;
  uint64_t fixed_sends;
  uint64_t fixed_receives;
} regio_caps;

/* ---- errors ---------------------------------------------------------------------------- */

/* Returns the error's name ("ENOBUFS"), or "UNKNOWN" for a value that is not a REGIO_E*. */
const char *regio_err_name(int err);
/* Returns the error's one-line message, or "unknown error". */
const char *regio_strerror(int err);
/* Returns the Winsock number of the error (10055 for ENOBUFS), or -1 when there is none. */
int regio_err_wsa(int err);
/* Returns the number of entries in REGIO_ERRNO_MAP; with regio_err_at() it lists them. */
int regio_err_count(void);
/* Returns the i-th error code (0 <= i < regio_err_count()), or 0 when i is out of range. */
int regio_err_at(int i);

/* ---- engines and labs ------------------------------------------------------------------ */

/* Returns the number of engines compiled in. */
int regio_engine_count(void);
/* Describes engine i: its name, and whether it can run here (0: yes; else a REGIO_E* with
   *reason set to a sentence). Returns REGIO_EINVAL when i is out of range. */
int regio_engine_info(int i, const char **name, const char **reason);

/* Opens a lab on the named engine ("auto": uring, else poll) with a profile ("windows",
   "extended" or "preview"; NULL means "windows"). seed drives any randomness of the engine.
   Returns 0 and sets *out, or REGIO_EINVAL (unknown name or profile), REGIO_ENOSYS (engine not
   available here), REGIO_ENOMEM. */
int regio_lab_open(regio_lab **out, const char *engine, const char *profile, uint64_t seed);
/* Closes every socket (outstanding requests complete with ECANCELED), drops every queued or later
   completion through the release hook, closes CQs and ports, frees buffers whose deregistration
   was deferred, and frees the lab. Safe with work in flight. */
void regio_lab_close(regio_lab *lab);
/* Returns the lab's engine name and profile name. */
const char *regio_lab_engine(const regio_lab *lab);
const char *regio_lab_profile(const regio_lab *lab);
/* Fills *caps with what the lab's engine can do under its profile. */
void regio_lab_caps(const regio_lab *lab, regio_caps *caps);
/* Makes progress: moves bytes, completes requests. Waits up to timeout_ms (0: do not wait,
   negative: not allowed) for something to happen; on a virtual-time engine advances the clock.
   Returns the number of completions posted, or a negative REGIO_E*. */
int regio_lab_poll(regio_lab *lab, int timeout_ms);
/* Returns the lab's clock in nanoseconds (monotonic; virtual on sim). */
uint64_t regio_lab_now(regio_lab *lab);
/* Installs the release hook: it is called once for each accepted request whose completion will
   never be dequeued (its CQ was closed, or the lab is closing), with the result it would have
   had. The binding uses it to unpin what the request pinned. */
void regio_lab_on_release(regio_lab *lab, void (*fn)(void *ud, const regio_result *r), void *ud);
/* Counts the lab's live objects: sockets, CQs, ports, registered buffers, outstanding requests. */
typedef struct regio_lab_stats {
  uint32_t sockets, cqs, ports, buffers, requests;
} regio_lab_stats;
void regio_lab_stats_get(const regio_lab *lab, regio_lab_stats *st);

/* ---- registered buffers (RIORegisterBuffer / RIODeregisterBuffer) ---------------------- */

/* Registers len bytes at mem; the caller keeps ownership of the memory and must keep it valid
   until deregistration succeeds. Returns 0 and sets *out, or REGIO_EINVAL (len 0),
   REGIO_EFAULT (mem NULL), REGIO_ENOBUFS (the id table is full), REGIO_ENOMEM. */
int regio_buf_register(regio_lab *lab, void *mem, uint32_t len, regio_bufid *out);
/* Deregisters a buffer. Unknown or already deregistered ids are ignored (returns 0), as RIO does.
   Returns REGIO_EBUSY, and changes nothing, while an accepted request that uses the buffer has
   not been dequeued (or released). */
int regio_buf_deregister(regio_lab *lab, regio_bufid id);
/* Deregisters now if idle; otherwise makes the id unusable at once (later submissions get
   EFAULT) and calls free_fn(arg) when the last request using it is dequeued or released (or at
   lab close). When idle, free_fn(arg) is called before this returns. Returns 0, or REGIO_EINVAL
   for an id that is not registered. */
int regio_buf_release(regio_lab *lab, regio_bufid id, void (*free_fn)(void *arg), void *arg);
/* Returns how many accepted, not yet dequeued requests use the buffer (0 for unknown ids). */
uint32_t regio_buf_in_flight(const regio_lab *lab, regio_bufid id);
/* Returns the registered length of the buffer, or 0 for an id that is not registered. */
uint32_t regio_buf_length(const regio_lab *lab, regio_bufid id);

/* ---- IOCP-style ports ------------------------------------------------------------------ */

/* Creates a port. Returns 0 and sets *out, or REGIO_ENOMEM. */
int regio_port_create(regio_lab *lab, regio_port **out);
/* Waits up to timeout_ms for a packet (making progress meanwhile) and takes it. Returns 0 with
   *key and *overlapped set, or REGIO_ETIMEDOUT. */
int regio_port_wait(regio_port *port, int timeout_ms, uint64_t *key, uint64_t *overlapped);
/* Queues a packet, as PostQueuedCompletionStatus does. Returns 0 or REGIO_ENOMEM. */
int regio_port_post(regio_port *port, uint64_t key, uint64_t overlapped);
/* Returns the number of packets waiting. */
uint32_t regio_port_pending(const regio_port *port);
/* Closes the port; CQs that notify it drop their later packets. The pointer is invalid after. */
void regio_port_close(regio_port *port);

/* ---- completion queues ----------------------------------------------------------------- */

/* RIOCreateCompletionQueue. how may be NULL (polled). Returns 0 and sets *out, or REGIO_EINVAL
   (size 0 or > REGIO_MAX_CQ_SIZE; unknown kind; IOCP without port or with overlapped 0),
   REGIO_ENOBUFS (no memory for that many entries). */
int regio_cq_create(regio_lab *lab, uint32_t size, const regio_notify *how, regio_cq **out);
/* RIOResizeCompletionQueue: keeps queued results in order. Returns 0, or REGIO_EINVAL (size 0 or
   > REGIO_MAX_CQ_SIZE), REGIO_ETOOMANYREFS (size below the RQ reservations or the queued count),
   REGIO_ENOBUFS (no memory). A failure leaves the queue unchanged. */
int regio_cq_resize(regio_cq *cq, uint32_t size);
/* RIOCloseCompletionQueue: queued results and every later completion are dropped (through the
   release hook); RQs attached to it refuse later submissions with EINVAL. The pointer is invalid
   after this call. */
void regio_cq_close(regio_cq *cq);
/* RIONotify: returns 0 (armed, or fired at once because a notifiable result is queued),
   REGIO_EALREADY (armed and not yet fired), REGIO_EINVAL (polled CQ). */
int regio_cq_notify(regio_cq *cq);
/* RIODequeueCompletion: makes progress without waiting, then moves up to max results (FIFO) into
   out and returns how many. Dequeuing releases each request's RQ slot and buffer use. */
int regio_cq_dequeue(regio_cq *cq, regio_result *out, uint32_t max);
/* Event CQs: waits up to timeout_ms (making progress) for the event. Returns 1 if signalled, 0 on
   timeout, REGIO_EINVAL for a CQ without an event. The event is manual-reset: waiting does not
   clear it. */
int regio_cq_wait(regio_cq *cq, int timeout_ms);
/* Event CQs: SetEvent / ResetEvent / the event's state (1 or 0). REGIO_EINVAL without an event. */
int regio_cq_event_set(regio_cq *cq);
int regio_cq_event_reset(regio_cq *cq);
int regio_cq_event_state(const regio_cq *cq);
/* Observers: size, queued results, capacity reserved by attached RQs, armed flag, notify kind. */
uint32_t regio_cq_size(const regio_cq *cq);
uint32_t regio_cq_queued(const regio_cq *cq);
uint32_t regio_cq_reserved(const regio_cq *cq);
int regio_cq_armed(const regio_cq *cq);
regio_notify_kind regio_cq_kind(const regio_cq *cq);

/* ---- sockets (ordinary sockets, made RIO-capable) -------------------------------------- */

typedef enum regio_sock_type {
  REGIO_SOCK_TCP = 1,
  REGIO_SOCK_UDP = 2,
  REGIO_SOCK_LISTENER = 3
} regio_sock_type;

/* A connected TCP pair over loopback (family 4 or 6). Returns 0, or an address/resource error. */
int regio_sock_tcp_pair(regio_lab *lab, int family, regio_sock **a, regio_sock **b);
/* A listening TCP socket bound to host:port (port 0: any). */
int regio_sock_listen(regio_lab *lab, const char *host, uint16_t port, int backlog,
                      regio_sock **out);
/* Accepts one connection, waiting up to timeout_ms (making progress). REGIO_ETIMEDOUT if none. */
int regio_sock_accept(regio_sock *listener, int timeout_ms, regio_sock **out);
/* Connects a new TCP socket to host:port, waiting up to timeout_ms. */
int regio_sock_connect(regio_lab *lab, const char *host, uint16_t port, int timeout_ms,
                       regio_sock **out);
/* A UDP socket bound to host:port (port 0: any). */
int regio_sock_udp(regio_lab *lab, const char *host, uint16_t port, regio_sock **out);
/* Sets a UDP socket's default peer (connect on a datagram socket); an empty host ("") dissolves
   the association. */
int regio_sock_udp_connect(regio_sock *sock, const char *host, uint16_t port);
/* Plain I/O for the peer side. write: writes all len bytes, making progress while the socket is
   full, for at most timeout_ms (negative: no limit); returns the bytes written. */
int regio_sock_write(regio_sock *sock, const void *data, size_t len, int timeout_ms);
/* Reads up to len bytes: returns when len bytes arrived, at EOF, or when timeout_ms (negative:
   no limit) ran out, with the count read (0 at EOF or timeout with nothing). */
int regio_sock_read(regio_sock *sock, void *data, size_t len, int timeout_ms);
/* Sends one datagram to host:port (or to the connected peer when host is NULL). */
int regio_sock_sendto(regio_sock *sock, const void *data, size_t len, const char *host,
                      uint16_t port);
/* Receives one datagram within timeout_ms: returns its length (truncated to cap) and the sender,
   or REGIO_ETIMEDOUT. */
int regio_sock_recvfrom(regio_sock *sock, void *data, size_t cap, int timeout_ms,
                        regio_addr *from);
/* shutdown(): how is "send", "receive" or "both" as REGIO_DIR_* bits: 1 receive, 2 send, 3. */
int regio_sock_shutdown(regio_sock *sock, int how);
/* Closes the socket: every outstanding request of its RQ (started or deferred) completes with
   REGIO_ECANCELED, in posting order per direction. The pointer is invalid after this call. */
void regio_sock_close(regio_sock *sock);
/* Like close, but a TCP connection is reset (RST) instead of shut down. */
void regio_sock_abort(regio_sock *sock);
/* The local and the peer address. */
int regio_sock_address(regio_sock *sock, regio_addr *out);
int regio_sock_peer(regio_sock *sock, regio_addr *out);
regio_sock_type regio_sock_kind(const regio_sock *sock);
/* The socket's request queue, or NULL. */
regio_rq *regio_sock_rq(const regio_sock *sock);

/* ---- simulated links (engines with a simulated network: sim) --------------------------- */

/* The knobs of a socket's outgoing link: they shape the data the socket SENDS (RIO sends and
   the peer-side write/sendto alike); a symmetric link needs both ends set. 0 or a negative value
   turns a knob off.
    segment      TCP: a send leaves in segments of at most this many bytes, and a receive
                 without WAITALL ends at a segment's end (as if the bytes arrived apart).
    latency_ms   every packet arrives this long after it left.
    bandwidth    bytes per second: a packet leaves when the link is free and occupies it for
                 len / bandwidth seconds; it arrives latency_ms after it finished leaving.
    loss, dup    UDP: the probability (0..1) that a datagram is lost / delivered twice.
    reorder      UDP: the probability that a datagram is held back by latency_ms + 1 ms, so
                 that the datagrams sent within that time after it overtake it.
    reset_after  TCP: once this many bytes went out in all, the connection is reset (RST after
                 the last of them); -1 never. A send cut short completes with ECONNRESET.
    refuse       listener: connects to it fail with ECONNREFUSED.
   Randomness comes from the lab's seed only, so a script gives the same losses every run. */
typedef struct regio_link {
  uint32_t segment;
  double latency_ms;
  double bandwidth;
  double loss, dup, reorder;
  int64_t reset_after;
  int refuse;
} regio_link;

/* Sets a socket's link knobs (they apply from the next packet the socket sends). Returns 0,
   REGIO_EINVAL (knobs NULL, socket closed, a probability above 1, a NaN), or
   REGIO_EOPNOTSUPP on an engine without simulated links (poll, uring, winrio). */
int regio_sock_link(regio_sock *sock, const regio_link *knobs);

/* ---- request queues -------------------------------------------------------------------- */

/* RIOCreateRequestQueue. Returns 0 and sets *out, or REGIO_EINVAL (both limits 0; a CQ NULL or
   closed; the socket already has an RQ or is a listener), REGIO_ENOBUFS (not enough free
   capacity in a CQ). The RQ lives as long as its socket (RIO has no close call for RQs). */
int regio_rq_create(regio_sock *sock, const regio_rq_limits *limits, regio_cq *recv_cq,
                    regio_cq *send_cq, uint64_t socket_ctx, regio_rq **out);
/* RIOResizeRequestQueue. Returns 0, or REGIO_EINVAL (both 0; socket closed), REGIO_ETOOMANYREFS
   (below what is charged), REGIO_ENOBUFS (a CQ lacks the capacity to grow). */
int regio_rq_resize(regio_rq *rq, uint32_t max_recv, uint32_t max_send);
/* RIOReceive / RIOSend. slices may be NULL with n 0 (UDP only; COMMIT_ONLY). Validation order:
   RQ usable → flags valid for the direction → COMMIT_ONLY shape → slice count (profile, limits)
   → buffer ids registered (EFAULT) → slices in range (EINVAL) → RQ capacity (ENOBUFS).
   Returns 0 when accepted. */
int regio_rq_receive(regio_rq *rq, const regio_slice *slices, uint32_t n, uint32_t flags,
                     uint64_t ctx);
int regio_rq_send(regio_rq *rq, const regio_slice *slices, uint32_t n, uint32_t flags,
                  uint64_t ctx);
/* RIOReceiveEx / RIOSendEx: as above, with address slices (>= 28 bytes each, else EINVAL). */
int regio_rq_receive_ex(regio_rq *rq, const regio_slice *slices, uint32_t n,
                        const regio_ex_slices *ex, uint32_t flags, uint64_t ctx);
int regio_rq_send_ex(regio_rq *rq, const regio_slice *slices, uint32_t n,
                     const regio_ex_slices *ex, uint32_t flags, uint64_t ctx);
/* RIO_MSG_COMMIT_ONLY for one direction: starts that direction's deferred requests in order. */
int regio_rq_commit(regio_rq *rq, regio_direction dir);
/* Observers: limit, charged (accepted and not yet dequeued) and deferred counts per direction. */
uint32_t regio_rq_limit(const regio_rq *rq, regio_direction dir);
uint32_t regio_rq_charged(const regio_rq *rq, regio_direction dir);
uint32_t regio_rq_deferred(const regio_rq *rq, regio_direction dir);
/* Whether the RQ's socket is still open (1) or closed (0). */
int regio_rq_usable(const regio_rq *rq);

/* ---- memory ---------------------------------------------------------------------------- */

typedef void *(*regio_malloc_fn)(size_t size);
typedef void *(*regio_realloc_fn)(void *ptr, size_t size);
typedef void *(*regio_calloc_fn)(size_t count, size_t size);
typedef void (*regio_free_fn)(void *ptr);

/* Replaces the allocator of the whole library (process-wide, like uv_replace_allocator). Call it
   before any lab is opened: memory must be freed by the allocator that gave it. Returns 0, or
   REGIO_EINVAL when a function is NULL. */
int regio_replace_allocator(regio_malloc_fn m, regio_realloc_fn r, regio_calloc_fn c,
                            regio_free_fn f);
/* Test hook: the n-th allocation the library makes from now on fails (n = 0 cancels). Every such
   failure surfaces as an error of the call that needed the memory (ENOMEM, or ENOBUFS where RIO
   reports a lack of memory so), never as a crash or a leak. */
void regio_alloc_fail_at(uint64_t n);
/* Returns how many allocations the library has made so far (for walking regio_alloc_fail_at). */
uint64_t regio_alloc_count(void);

/* ---- traces ---------------------------------------------------------------------------- */

/* What a trace records: every call that changes RIO state and every completion, with the time,
   the objects, the outcome and the CQ's occupancy. Engines add their own network events (NET). */
#define REGIO_TRACE_KIND_MAP(XX)                                                  \
  XX(SOCK_OPEN, "sock_open")   /* a socket was created (bytes: regio_sock_type) */ \
  XX(SOCK_CLOSE, "sock_close") /* a socket was closed (status: 1 if abortive) */    \
  XX(CQ_CREATE, "cq_create")   /* size: the CQ's size */                            \
  XX(CQ_RESIZE, "cq_resize")   /* bytes: the size asked for; status: the outcome */ \
  XX(CQ_CLOSE, "cq_close")                                                          \
  XX(RQ_CREATE, "rq_create")   /* bytes: receive limit; flags: send limit */        \
  XX(RQ_RESIZE, "rq_resize")   /* bytes: receive limit; flags: send limit */        \
  XX(SUBMIT, "submit")         /* an accepted send or receive (bytes: its length) */ \
  XX(REFUSE, "refuse")         /* a refused submission (status: why) */             \
  XX(COMMIT, "commit")         /* COMMIT_ONLY (bytes: requests it started) */       \
  XX(COMPLETE, "complete")     /* a result entered the CQ */                        \
  XX(DROP, "drop")             /* a result was dropped (CQ closed) */               \
  XX(DEQUEUE, "dequeue")       /* bytes: how many results were taken */             \
  XX(NOTIFY, "notify")         /* status: RIONotify's outcome */                    \
  XX(FIRE, "fire")             /* the armed notification fired */                   \
  XX(NET, "net")               /* an engine event; note says what */

typedef enum regio_trace_kind {
#define REGIO_XX_TRACE_ENUM(name, str) REGIO_TRACE_##name,
  REGIO_TRACE_KIND_MAP(REGIO_XX_TRACE_ENUM)
#undef REGIO_XX_TRACE_ENUM
  REGIO_TRACE_KIND_COUNT
} regio_trace_kind;

typedef struct regio_trace_event {
  uint64_t time_ns;  /* regio_lab_now() when it happened */
  uint32_t kind;     /* regio_trace_kind */
  uint32_t sock;     /* socket id (regio_sock_id), 0 for none */
  uint32_t cq;       /* CQ id (regio_cq_id), 0 for none */
  int32_t status;    /* the result's status or the call's outcome (0 or REGIO_E*) */
  uint32_t bytes;    /* bytes, or a count or size as the kind says */
  uint32_t dir;      /* 0 receive, 1 send, 2 none */
  uint32_t flags;    /* REGIO_MSG_* of a submission, or as the kind says */
  uint32_t queued;   /* the CQ's queued results after the event */
  uint32_t size;     /* the CQ's size */
  uint64_t ctx;      /* the request context */
  const char *note;  /* a static string (NET events), or NULL */
} regio_trace_event;

/* Returns the name of a trace kind ("submit"), or "unknown". */
const char *regio_trace_kind_name(uint32_t kind);
/* Starts (enable 1: clears what was recorded) or stops (0) recording. Returns 0. */
int regio_lab_trace(regio_lab *lab, int enable);
/* Returns the recorded events and sets *n to their count. The pointer is valid until the next
   call that records, clears or closes. Recording stops quietly if memory runs out. */
const regio_trace_event *regio_lab_trace_events(const regio_lab *lab, uint32_t *n);
/* Small stable ids (1, 2, ...) per lab, for traces and printing. */
uint32_t regio_sock_id(const regio_sock *sock);
uint32_t regio_cq_id(const regio_cq *cq);

#ifdef __cplusplus
}
#endif
#endif /* REGIO_H */
