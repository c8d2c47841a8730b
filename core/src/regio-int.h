/*
 * regio-int.h — private to core/src: the model's object layouts and the engine ops table.
 *
 * The model (lab.c, buf.c, cq.c, rq.c, port.c, sock.c) keeps every piece of RIO bookkeeping.
 * An engine (backend-*.c) only moves bytes: it owns the file descriptors, looks at the started
 * requests of each RQ (rq->dir[d].started, oldest first) and, when the oldest one is done, calls
 * regio__req_complete(). No engine re-checks arguments; no file outside an engine tests which
 * engine is running.
 */
#ifndef REGIO_INT_H
#define REGIO_INT_H

#include "regio.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGIO_CONTAINER_OF(ptr, type, field) ((type *)((char *)(ptr)-offsetof(type, field)))
#define REGIO_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)

typedef struct regio_req regio_req;
typedef struct regio_engine_ops regio_engine_ops;

typedef enum regio_profile {
  REGIO_PROFILE_WINDOWS = 0, /* released Windows: one slice per request */
  REGIO_PROFILE_EXTENDED = 1,/* scatter/gather; WAITALL completes when all slices are full */
  REGIO_PROFILE_PREVIEW = 2  /* scatter/gather; WAITALL completes when the first slice is full */
} regio_profile;

/* A FIFO of requests, linked through regio_req.next. */
typedef struct regio_req_queue {
  regio_req *head, *tail;
  uint32_t count;
} regio_req_queue;

/* One accepted request, from submission until its completion is dequeued or released. */
struct regio_req {
  regio_req *next;       /* link in the RQ's deferred or started queue, then in the free list */
  regio_rq *rq;
  uint8_t dir;           /* regio_direction */
  uint8_t has_local, has_remote, has_control, has_flags; /* Ex slices present */
  uint32_t flags;        /* REGIO_MSG_* as submitted */
  uint64_t ctx;          /* request context */
  uint32_t nslices;
  regio_slice *slices;   /* points at inline_slices or at a heap array when nslices > 1 */
  regio_slice inline_slices[1];
  regio_slice local, remote, control, flagsbuf;
  /* Engine scratch: bytes moved so far (partial sends, WAITALL receives) and a free word. */
  uint32_t done;
  uint32_t engine_word;
  void *engine_data;
};

/* One entry of a CQ's ring: the result plus whether it may fire a notification, and the request
   it releases when dequeued. */
typedef struct regio_cq_entry {
  regio_result res;
  regio_req *req;
  bool notify;
} regio_cq_entry;

struct regio_port {
  regio_lab *lab;
  regio_port *prev, *next;   /* in lab->ports */
  uint32_t refs;             /* 1 while open, +1 per CQ that notifies it */
  bool closed;
  /* Packets: a growable ring of (key, overlapped). */
  uint64_t (*packets)[2];
  uint32_t cap, head, count;
};

struct regio_cq {
  regio_lab *lab;
  regio_cq *prev, *next;     /* in lab->cqs */
  uint32_t id;
  uint32_t refs;             /* 1 while open, +1 per RQ that references it */
  bool closed;
  uint32_t size;             /* RIO's logical size */
  uint32_t reserved;         /* sum of attached RQ limits */
  regio_cq_entry *ring;      /* ring_cap entries, ring_cap >= reserved */
  uint32_t ring_cap, head, count;
  uint32_t notifiable;       /* queued entries without DONT_NOTIFY */
  regio_notify how;
  bool armed;
  bool event_signalled;
};

/* The per-direction state of an RQ. */
typedef struct regio_rq_dir {
  uint32_t limit;            /* MaxOutstanding{Receive,Send} */
  uint32_t bufs;             /* Max{Receive,Send}DataBuffers */
  uint32_t charged;          /* accepted and not yet dequeued or released */
  regio_cq *cq;
  regio_req_queue deferred;  /* DEFER'd, not yet handed to the engine */
  regio_req_queue started;   /* handed to the engine, oldest first */
} regio_rq_dir;

struct regio_rq {
  regio_sock *sock;
  uint64_t socket_ctx;
  regio_rq_dir dir[2];
  bool reservation_held;     /* the CQ capacity is still reserved */
};

struct regio_sock {
  regio_lab *lab;
  regio_sock *prev, *next;   /* in lab->socks */
  uint32_t id;
  regio_sock_type type;
  int family;                /* 4 or 6 */
  bool closed;               /* closed by the owner; memory kept while requests are charged */
  uint32_t busy;             /* > 0 while the model walks its requests: do not free yet */
  regio_rq *rq;              /* NULL until regio_rq_create; points at rq_storage */
  regio_rq rq_storage;
  /* Engine state. */
  int fd;
  bool eof;                  /* the peer shut down its sending side */
  int error;                 /* sticky REGIO_E* (reset, ...) or 0 */
  bool connected;            /* UDP: has a default peer */
  void *engine_data;
};

typedef struct regio_buf_entry {
  uint8_t *base;             /* NULL when the slot is free */
  uint32_t len;
  uint32_t in_flight;
  uint16_t gen;
  bool released;             /* regio_buf_release deferred the free */
  void (*free_fn)(void *);
  void *free_arg;
} regio_buf_entry;

struct regio_lab {
  const regio_engine_ops *ops;
  regio_profile profile;
  uint64_t seed;
  void *engine_data;
  regio_cq *cqs;
  regio_sock *socks;
  regio_port *ports;
  regio_buf_entry *bufs;
  uint32_t nbufs, capbufs;   /* slots in use (high-water) and allocated */
  uint32_t free_buf_hint;
  uint32_t live_bufs;
  uint32_t live_reqs;
  regio_req *free_reqs;
  bool closing;
  uint32_t next_sock_id, next_cq_id;
  bool tracing;
  regio_trace_event *trace;
  uint32_t trace_count, trace_cap;
  void (*release_fn)(void *ud, const regio_result *r);
  void *release_ud;
};

/* The engine interface. Every member is required unless marked optional. */
struct regio_engine_ops {
  const char *name;
  /* Returns 0 if the engine can run here, else a REGIO_E* and a sentence in *reason. */
  int (*probe)(const char **reason);
  int (*lab_init)(regio_lab *lab);
  /* Called after every socket was closed. */
  void (*lab_close)(regio_lab *lab);
  void (*caps)(const regio_lab *lab, regio_caps *caps);
  uint64_t (*now)(regio_lab *lab);
  /* Moves bytes and completes requests; waits up to timeout_ms when nothing is ready (0: never
     waits). If wait_sock is not NULL, also returns as soon as wait_sock is readable (events 1) or
     writable (events 2). Returns the number of completions posted, or a negative REGIO_E*. */
  int (*poll)(regio_lab *lab, int timeout_ms, regio_sock *wait_sock, int wait_events);
  /* A request was moved to rq->dir[d].started (at the tail). Optional. */
  void (*started)(regio_sock *sock, regio_req *req);
  /* Sockets. The model allocates regio_sock and links it; the engine fills fd/engine_data. */
  int (*tcp_pair)(regio_lab *lab, int family, regio_sock *a, regio_sock *b);
  int (*listen)(regio_sock *s, const char *host, uint16_t port, int backlog);
  int (*accept)(regio_sock *listener, int timeout_ms, regio_sock *out);
  int (*connect)(regio_sock *s, const char *host, uint16_t port, int timeout_ms);
  int (*udp)(regio_sock *s, const char *host, uint16_t port);
  int (*udp_connect)(regio_sock *s, const char *host, uint16_t port);
  int (*write)(regio_sock *s, const void *data, size_t len, int timeout_ms);
  int (*read)(regio_sock *s, void *data, size_t len, int timeout_ms);
  int (*sendto)(regio_sock *s, const void *data, size_t len, const char *host, uint16_t port);
  int (*recvfrom)(regio_sock *s, void *data, size_t cap, int timeout_ms, regio_addr *from);
  int (*shutdown)(regio_sock *s, int how);
  /* Releases the socket's OS resources. The model has already taken every started request back
     (the engine must forget them) and completes them itself. abortive: send RST. */
  void (*close)(regio_sock *s, bool abortive);
  int (*address)(regio_sock *s, regio_addr *out);
  int (*peer)(regio_sock *s, regio_addr *out);
  /* Optional: a buffer was registered with the model under id. An engine that registers buffers
     with the kernel (uring: fixed buffers) does so here. Returns 0, or a REGIO_E* that fails
     the registration. */
  int (*buf_register)(regio_lab *lab, regio_bufid id, void *mem, uint32_t len);
  /* Optional: the buffer's registration ends; no accepted request uses it any more. */
  void (*buf_deregister)(regio_lab *lab, regio_bufid id);
  /* Optional: sets the knobs of the socket's outgoing simulated link (regio_sock_link). The
     front door has validated them. Without it, regio_sock_link fails with REGIO_EOPNOTSUPP. */
  int (*link)(regio_sock *s, const regio_link *knobs);
  /* Optional: the pass-through of an engine whose OS keeps RIO's books (winrio); NULL for the
     engines that share the model. Keep this member last. */
  const struct regio_native_ops *native;
};

/* The native interface. When lab->ops->native is set, every public regio_buf_*, regio_cq_*,
   regio_port_* and regio_rq_* function (and regio_sock_rq, regio_lab_stats_get) delegates to the
   member of the same name at its first line, and the model's bookkeeping is not used. Each
   member has the contract of the public function it stands for (regio.h). The engine's CQ, port
   and RQ objects begin with the model's struct (regio_cq, regio_port, regio_rq) so that the
   front door can find the lab: cq->lab, port->lab, rq->sock->lab. */
struct regio_native_ops {
  int (*buf_register)(regio_lab *lab, void *mem, uint32_t len, regio_bufid *out);
  int (*buf_deregister)(regio_lab *lab, regio_bufid id);
  int (*buf_release)(regio_lab *lab, regio_bufid id, void (*free_fn)(void *arg), void *arg);
  uint32_t (*buf_in_flight)(const regio_lab *lab, regio_bufid id);
  uint32_t (*buf_length)(const regio_lab *lab, regio_bufid id);
  int (*port_create)(regio_lab *lab, regio_port **out);
  int (*port_wait)(regio_port *port, int timeout_ms, uint64_t *key, uint64_t *overlapped);
  int (*port_post)(regio_port *port, uint64_t key, uint64_t overlapped);
  uint32_t (*port_pending)(const regio_port *port);
  void (*port_close)(regio_port *port);
  int (*cq_create)(regio_lab *lab, uint32_t size, const regio_notify *how, regio_cq **out);
  int (*cq_resize)(regio_cq *cq, uint32_t size);
  void (*cq_close)(regio_cq *cq);
  int (*cq_notify)(regio_cq *cq);
  int (*cq_dequeue)(regio_cq *cq, regio_result *out, uint32_t max);
  int (*cq_wait)(regio_cq *cq, int timeout_ms);
  int (*cq_event_set)(regio_cq *cq);
  int (*cq_event_reset)(regio_cq *cq);
  int (*cq_event_state)(const regio_cq *cq);
  uint32_t (*cq_size)(const regio_cq *cq);
  uint32_t (*cq_queued)(const regio_cq *cq);
  uint32_t (*cq_reserved)(const regio_cq *cq);
  int (*cq_armed)(const regio_cq *cq);
  regio_notify_kind (*cq_kind)(const regio_cq *cq);
  int (*rq_create)(regio_sock *sock, const regio_rq_limits *limits, regio_cq *recv_cq,
                   regio_cq *send_cq, uint64_t socket_ctx, regio_rq **out);
  int (*rq_resize)(regio_rq *rq, uint32_t max_recv, uint32_t max_send);
  /* RIOReceive(Ex) and RIOSend(Ex); ex is NULL for the plain forms. */
  int (*rq_submit)(regio_rq *rq, regio_direction dir, const regio_slice *slices, uint32_t n,
                   const regio_ex_slices *ex, uint32_t flags, uint64_t ctx);
  int (*rq_commit)(regio_rq *rq, regio_direction dir);
  uint32_t (*rq_limit)(const regio_rq *rq, regio_direction dir);
  uint32_t (*rq_charged)(const regio_rq *rq, regio_direction dir);
  uint32_t (*rq_deferred)(const regio_rq *rq, regio_direction dir);
  int (*rq_usable)(const regio_rq *rq);
  regio_rq *(*sock_rq)(const regio_sock *sock);
  void (*lab_stats)(const regio_lab *lab, regio_lab_stats *st);
};

/* The native interface of a lab's engine, or NULL (the model keeps the books). */
#define REGIO_NATIVE(lab) ((lab)->ops->native)

/* The engines (each backend-*.c defines one; engines.c lists those the build compiled in). */
extern const regio_engine_ops regio__engine_poll;
extern const regio_engine_ops regio__engine_uring;
extern const regio_engine_ops regio__engine_sim;
extern const regio_engine_ops regio__engine_winrio;

/* The library's allocator (alloc.c): every core file allocates through these. */
void *regio__malloc(size_t size);
void *regio__calloc(size_t n, size_t size);
void *regio__realloc(void *ptr, size_t size);
void regio__free(void *ptr);

/* ---- model services for engines --------------------------------------------------------- */

/* Takes the oldest started request of its direction off the started queue and posts its
   completion (status 0 or REGIO_E*, bytes). Returns 1 (a completion posted or dropped). */
int regio__req_complete(regio_req *req, int status, uint32_t bytes);
/* Returns the memory of a slice that the model validated (inside a registered buffer). */
uint8_t *regio__slice_ptr(const regio_lab *lab, const regio_slice *s);
/* Calls service(s) for every open socket that has an RQ and engine state, in list order, and
   returns the sum of what it returned (completions posted). While service runs, the socket is
   held (sock->busy), because a completion can run the release hook and through it code that
   closes sockets; a socket closed meanwhile is freed once it is safe. */
int regio__service_sockets(regio_lab *lab, int (*service)(regio_sock *s));
/* Converts a negative errno value into a REGIO_E* value. */
int regio__from_errno(int err);
/* The lab's profile and WAITALL rule helpers. */
static inline regio_req *regio__rq_head(regio_rq *rq, regio_direction d) {
  return rq->dir[d].started.head;
}

/* ---- model internals shared between model files ---------------------------------------- */

int regio__engine_find(const char *name, const regio_engine_ops **ops);
static inline int regio__streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

int regio__buf_check(regio_lab *lab, const regio_slice *s, uint32_t min_len);
void regio__buf_use(regio_lab *lab, regio_bufid id, int delta);
void regio__buf_free_all(regio_lab *lab);
void regio__req_release(regio_req *req, const regio_result *res, bool dropped);
regio_req *regio__req_alloc(regio_lab *lab, uint32_t n);
void regio__req_free_list(regio_lab *lab);
void regio__req_use_buffers(regio_lab *lab, const regio_req *req, int delta);
void regio__cq_post(regio_cq *cq, regio_req *req, const regio_result *res, bool notify);
void regio__cq_unref(regio_cq *cq);
int regio__cq_reserve_ring(regio_cq *cq, uint32_t need);
void regio__port_fire(regio_port *port, uint64_t key, uint64_t overlapped);
void regio__port_unref(regio_port *port);
void regio__rq_cancel_all(regio_rq *rq);
void regio__rq_maybe_free(regio_rq *rq);
void regio__sock_maybe_free(regio_sock *sock);
void regio__queue_push(regio_req_queue *q, regio_req *req);
/* Records a trace event when the lab is tracing (cheap test first). ev->time_ns is filled in. */
void regio__trace_add(regio_lab *lab, regio_trace_event *ev);
static inline bool regio__tracing(const regio_lab *lab) { return lab->tracing; }
/* Records an engine event (kind NET) about a socket: note is a static string. */
void regio__trace_net(regio_lab *lab, const regio_sock *sock, const char *note, uint32_t bytes);
void regio__trace_free(regio_lab *lab);
/* Records one event: the CQ (may be NULL) gives the occupancy and size. */
void regio__trace_record(regio_lab *lab, uint32_t kind, const regio_sock *sock, const regio_cq *cq,
                         int32_t status, uint32_t bytes, uint32_t dir, uint32_t flags,
                         uint64_t ctx);
#define REGIO_TRACE(lab, ...)                                  \
  do {                                                         \
    if ((lab)->tracing) regio__trace_record((lab), __VA_ARGS__); \
  } while (0)
regio_req *regio__queue_pop(regio_req_queue *q);

#endif /* REGIO_INT_H */
