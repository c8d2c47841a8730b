/*
 * sim-int.h — private to the sim engine (backend-sim.c and sim-*.c): an in-process network with
 * a virtual clock.
 *
 * Every socket of the sim engine is a sim_sock. Bytes a socket sends become packets (stream
 * segments, FIN and RST marks, or datagrams) that the sending socket's link knobs schedule into
 * the receiving socket's inbound queue with an arrival time. When the virtual clock reaches that
 * time, the packet is delivered: stream data and datagrams move to the ready queue, FIN and RST
 * set flags that take effect once the data before them has been read. The clock only moves inside
 * the engine's poll op and the peer-side waits, and only to the next arrival or to a deadline.
 *
 * Addresses reuse the poll engine's socket-free helpers (poll-addr.c, poll-slices.c): a sim
 * address is a poll_addr, and Ex slices are written in the SOCKADDR_INET layout by them.
 */
#ifndef REGIO_SIM_INT_H
#define REGIO_SIM_INT_H

#include "poll-int.h"

/* The first port the sim hands out for port 0 (the IANA dynamic range). */
#define SIM_FIRST_PORT 49152u
/* The largest UDP payload, as on IPv4. */
#define SIM_MAX_DATAGRAM 65507u
/* "Never", for arrival times and deadlines. */
#define SIM_NEVER UINT64_MAX

typedef enum sim_pkt_kind { SIM_PKT_DATA = 0, SIM_PKT_FIN = 1, SIM_PKT_RST = 2 } sim_pkt_kind;

/* One packet in flight or arrived. Datagrams carry their addresses; stream packets do not. */
typedef struct sim_pkt {
  struct sim_pkt *next;
  uint64_t at;            /* arrival time, ns of virtual time */
  uint64_t seq;           /* creation order in the lab: equal arrival times keep it */
  uint8_t kind;           /* sim_pkt_kind */
  bool alone;             /* stream: cut by a segment knob, so a receive ends with it */
  uint32_t len;           /* payload bytes */
  uint32_t off;           /* stream: payload bytes already read */
  poll_addr from, to;     /* datagram: the sender and the destination */
  uint8_t data[];
} sim_pkt;

/* A FIFO (ready) or an arrival-ordered list (inbound) of packets. */
typedef struct sim_pktq {
  sim_pkt *head, *tail;
  uint32_t count;
} sim_pktq;

/* The engine's state for one socket. regio_sock.engine_data points here once the socket is
   owned; a connection waiting in a listener's backlog has no owner yet. */
typedef struct sim_sock {
  struct sim_sock *prev, *next;  /* in the lab's list of every sim socket */
  regio_sock *owner;             /* NULL while in a backlog */
  regio_sock_type type;
  int family;                    /* 4 or 6 */
  poll_addr local;               /* bound address */
  poll_addr remote;              /* TCP: the peer's address; UDP: the default peer */
  bool has_remote;
  struct sim_sock *peer;         /* TCP: the other end, NULL once it closed or reset */
  sim_pktq inbound;              /* scheduled, by arrival time */
  sim_pktq ready;                /* arrived and not yet read */
  bool fin_in, rst_in;           /* a FIN / RST arrived, behind everything in ready */
  bool shut_rd, shut_wr;         /* shutdown() of this end */
  bool reset;                    /* this end reset the connection (reset_after) */
  bool rst_coming;               /* an RST is in flight to this end (or arrived) */
  regio_link link;               /* knobs for what this socket sends */
  uint64_t link_free;            /* when the outgoing link is free again (bandwidth) */
  uint64_t last_arrival;         /* stream: arrival time of the last packet sent */
  uint64_t sent;                 /* stream: data bytes carried so far (reset_after) */
  struct sim_sock *backlog_head, *backlog_tail; /* listener: connections not yet accepted */
  struct sim_sock *backlog_next;
} sim_sock;

/* The engine's state for one lab. */
typedef struct sim_lab {
  uint64_t now;                  /* the virtual clock, ns, starting at 0 */
  uint64_t seq;                  /* packets created so far */
  uint64_t rng[4];               /* xoshiro256** state, seeded from lab->seed */
  uint32_t next_port;            /* the next port to try for port 0 */
  sim_sock *socks;
} sim_lab;

static inline sim_lab *regio__sim_lab(const regio_lab *lab) { return (sim_lab *)lab->engine_data; }
static inline sim_sock *regio__sim_state(const regio_sock *s) { return (sim_sock *)s->engine_data; }

/* ---- sim-rand.c ------------------------------------------------------------------------- */

/* Seeds the lab's generator from a 64-bit seed (through splitmix64). */
void regio__sim_rand_seed(sim_lab *sl, uint64_t seed);
/* Returns a uniform double in [0, 1). */
double regio__sim_rand(sim_lab *sl);
/* Returns 1 with probability p (0 <= p <= 1); draws only when 0 < p < 1, so a knob that is off
   or certain never consumes randomness. */
int regio__sim_chance(sim_lab *sl, double p);

/* ---- sim-net.c -------------------------------------------------------------------------- */

/* Creates a sim socket in the lab's list, with no owner, knobs off and reset_after -1. Returns
   NULL when memory runs out. */
sim_sock *regio__sim_sock_new(sim_lab *sl, regio_sock_type type, int family);
/* Unlinks and frees a sim socket with every packet it holds (the owner must forget it). */
void regio__sim_sock_free(sim_lab *sl, sim_sock *ss);
/* Frees every packet of a queue. */
void regio__sim_pktq_clear(sim_pktq *q);
/* Makes a packet of len bytes copied from data (may be NULL for len 0). NULL without memory. */
sim_pkt *regio__sim_pkt_new(sim_lab *sl, sim_pkt_kind kind, const void *data, uint32_t len);
/* Returns when a packet of len bytes sent now by ss arrives: the link's bandwidth (the link is
   busy while it sends) and latency; a stream never overtakes what it sent before. */
uint64_t regio__sim_schedule(sim_lab *sl, sim_sock *ss, uint32_t len, bool stream);
/* Inserts a packet into dst's inbound queue by arrival time (FIFO among equal times). */
void regio__sim_enqueue(sim_sock *dst, sim_pkt *pkt);
/* Delivers every packet due at the current time. Returns how many were delivered. */
int regio__sim_deliver_due(regio_lab *lab);
/* Returns the earliest arrival time of any packet in flight, or SIM_NEVER. */
uint64_t regio__sim_next_event(const sim_lab *sl);
/* Whether ss has something to read: TCP data, FIN, RST or a read-side shutdown; a datagram; a
   connection to accept. Every peer-side call that waits returns on these, so a wait that stops
   early for them never spins. */
int regio__sim_readable(const sim_sock *ss);
/* Takes the oldest arrived packet (the caller frees it), or returns NULL. */
sim_pkt *regio__sim_pop_ready(sim_sock *ss);

/* ---- sim-sock.c ------------------------------------------------------------------------- */

int regio__sim_tcp_pair(regio_lab *lab, int family, regio_sock *a, regio_sock *b);
int regio__sim_listen(regio_sock *s, const char *host, uint16_t port, int backlog);
int regio__sim_accept(regio_sock *listener, int timeout_ms, regio_sock *out);
int regio__sim_connect(regio_sock *s, const char *host, uint16_t port, int timeout_ms);
int regio__sim_udp(regio_sock *s, const char *host, uint16_t port);
int regio__sim_udp_connect(regio_sock *s, const char *host, uint16_t port);
int regio__sim_shutdown(regio_sock *s, int how);
void regio__sim_close(regio_sock *s, bool abortive);
int regio__sim_address(regio_sock *s, regio_addr *out);
int regio__sim_peer(regio_sock *s, regio_addr *out);
int regio__sim_link(regio_sock *s, const regio_link *knobs);
/* Finds the UDP socket that a datagram to addr reaches, or NULL. */
sim_sock *regio__sim_find_udp(const sim_lab *sl, const poll_addr *addr);
/* Whether two addresses are the same (IPv4-mapped IPv6 equals IPv4). */
int regio__sim_same_addr(const poll_addr *a, const poll_addr *b);
/* The address a socket's packets come from: its bound address, with a wildcard replaced by the
   loopback address of its family. */
void regio__sim_source(const sim_sock *ss, poll_addr *out);

/* ---- sim-stream.c ----------------------------------------------------------------------- */

/* Sends len bytes (gathered from cnt iovecs) from a TCP socket through its link. Sets *carried
   to the bytes that went out. Returns 0, REGIO_ECONNRESET (reset before all bytes went out, or
   the connection was already reset), REGIO_ESHUTDOWN. */
int regio__sim_stream_transmit(regio_lab *lab, sim_sock *ss, const struct iovec *iov, int cnt,
                               uint32_t len, uint32_t *carried);
/* Sends a FIN (abortive 0) or an RST (1) to the peer and forgets the peer for an RST. */
void regio__sim_stream_mark(regio_lab *lab, sim_sock *ss, bool rst);
/* Copies up to max arrived bytes into iov; with segments, stops at a segment's end. Returns the
   bytes copied. */
uint32_t regio__sim_stream_take(sim_sock *ss, const struct iovec *iov, int cnt, uint32_t max,
                                bool by_segment);
/* Services the head requests of a TCP socket. Return the number of completions posted. */
int regio__sim_stream_recv(regio_sock *s);
int regio__sim_stream_send(regio_sock *s);

/* ---- sim-dgram.c ------------------------------------------------------------------------ */

/* Sends one datagram of len bytes from a UDP socket to addr through the link knobs (loss,
   duplication, reordering). Returns 0 (also when the datagram is lost or unroutable) or
   REGIO_EMSGSIZE / REGIO_ENOMEM. */
int regio__sim_dgram_transmit(regio_lab *lab, sim_sock *ss, const poll_addr *to,
                              const struct iovec *iov, int cnt, uint32_t len);
int regio__sim_dgram_recv(regio_sock *s);
int regio__sim_dgram_send(regio_sock *s);

/* ---- sim-peer.c ------------------------------------------------------------------------- */

int regio__sim_write(regio_sock *s, const void *data, size_t len, int timeout_ms);
int regio__sim_read(regio_sock *s, void *data, size_t len, int timeout_ms);
int regio__sim_sendto(regio_sock *s, const void *data, size_t len, const char *host,
                      uint16_t port);
int regio__sim_recvfrom(regio_sock *s, void *data, size_t cap, int timeout_ms, regio_addr *from);

/* A peer-side wait's deadline in virtual time. */
typedef struct sim_deadline {
  uint64_t at;            /* absolute ns; SIM_NEVER: no limit */
} sim_deadline;

/* Starts a deadline timeout_ms from now (negative: none). */
sim_deadline regio__sim_deadline(regio_lab *lab, int timeout_ms);
/* Lets virtual time run toward the deadline until s becomes readable or something completes.
   Returns 0 when it is worth trying again, REGIO_ETIMEDOUT when the deadline passed or nothing
   is left that could ever happen (the script is single-threaded). */
int regio__sim_wait(regio_sock *s, sim_deadline *dl);

/* ---- backend-sim.c ---------------------------------------------------------------------- */

/* Delivers what is due and services every socket until nothing changes at the current time;
   then, while nothing completed and wait_sock (may be NULL) is not readable, jumps the clock to
   the next arrival not later than target and repeats; finally sets the clock to target if it
   was not reached (SIM_NEVER: leave it). Returns the completions posted. */
int regio__sim_run_until(regio_lab *lab, uint64_t target, regio_sock *wait_sock);

#endif /* REGIO_SIM_INT_H */
