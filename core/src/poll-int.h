/*
 * poll-int.h — private to the poll engine (backend-poll.c and poll-*.c): its per-lab and
 * per-socket state and the helpers its files share.
 *
 * The poll engine moves bytes with non-blocking POSIX sockets. Progress happens only inside
 * poll_poll (the engine's poll op), which every waiting call of the model and of the peer-side
 * I/O goes through: it services the head request of each direction of each socket and sleeps in
 * poll(2) when nothing can move.
 */
#ifndef REGIO_POLL_INT_H
#define REGIO_POLL_INT_H

#include "regio-int.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Where send flags cannot stop SIGPIPE, poll-sock.c sets SO_NOSIGPIPE on every socket. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* Bits of poll_sock.blocked: the last attempt in that direction would have blocked. */
#define POLL_BLOCKED_RECV (1u << REGIO_DIR_RECEIVE)
#define POLL_BLOCKED_SEND (1u << REGIO_DIR_SEND)

/* Windows address family numbers, as found at offset 0 of a SOCKADDR_INET. */
#define POLL_WIN_AF_INET 2u
#define POLL_WIN_AF_INET6 23u
/* Windows MSG_* bits reported in a receive's flags slice. */
#define POLL_WIN_MSG_TRUNC 0x100u
#define POLL_WIN_MSG_CTRUNC 0x200u
/* The length of an empty RIO_CMSG_BUFFER (RIO_CMSG_BASE_SIZE on x64). */
#define POLL_WIN_CMSG_BASE 8u

/* The engine's state for one socket (regio_sock.engine_data). */
typedef struct poll_sock {
  uint8_t blocked;        /* POLL_BLOCKED_* bits: wait for poll(2) before trying again */
  bool shut_send;         /* shutdown(send) was called: EPIPE means ESHUTDOWN, not a reset */
  uint16_t local_port;    /* UDP: the bound port in network order (for local-address slices) */
} poll_sock;

/* The engine's state for one lab (regio_lab.engine_data). */
typedef struct poll_lab {
  struct pollfd *fds;     /* scratch for poll(2) */
  regio_sock **owners;    /* owners[i] is the socket of fds[i] (NULL for the waited-on socket) */
  uint32_t cap;
  int ipv6;               /* an IPv6 loopback socket could be bound */
} poll_lab;

/* A socket address of either family, with its length. */
typedef struct poll_addr {
  struct sockaddr_storage ss;
  socklen_t len;
} poll_addr;

/* ---- poll-addr.c ------------------------------------------------------------------------ */

/* Resolves host:port into *out. host is a numeric IPv4 or IPv6 address or a name such as
   "localhost"; NULL or "" means the IPv4 wildcard, or the IPv6 one when family is AF_INET6.
   family is AF_UNSPEC or the family the address must have; an IPv4 address asked for as AF_INET6
   becomes IPv4-mapped. Returns 0, or REGIO_EADDRNOTAVAIL (unknown host), REGIO_EAFNOSUPPORT. */
int regio__poll_resolve(const char *host, uint16_t port, int family, poll_addr *out);
/* Fills a printable address from a socket address. Returns 0 or REGIO_EAFNOSUPPORT. */
int regio__poll_addr_print(const struct sockaddr *sa, regio_addr *out);
/* Writes a socket address into 28 bytes at dst as a zero-filled Windows SOCKADDR_INET. */
void regio__poll_addr_to_win(const struct sockaddr *sa, uint8_t *dst);
/* Reads a Windows SOCKADDR_INET (28 bytes at src) into *out; an IPv4 address becomes IPv4-mapped
   when the socket's family (AF_INET or AF_INET6) is AF_INET6. Returns 0 or REGIO_EAFNOSUPPORT. */
int regio__poll_addr_from_win(const uint8_t *src, int sock_family, poll_addr *out);
/* Converts the engine's family number (4 or 6) to AF_INET / AF_INET6, and back. */
int regio__poll_af(int family);
int regio__poll_family(int af);

/* ---- poll-sock.c, poll-tcp.c ------------------------------------------------------------ */

/* Creates a non-blocking, close-on-exec socket. Returns the fd or a negative REGIO_E*. */
int regio__poll_socket(int af, int type);
/* Sets an int socket option, ignoring failure (the options set this way are all optional). */
void regio__poll_setopt(int fd, int level, int name, int value);
/* Opens a socket of the address's family (type SOCK_STREAM or SOCK_DGRAM) and binds it with
   SO_REUSEADDR. Returns the fd or a negative REGIO_E*. */
int regio__poll_open_bound(const poll_addr *addr, int type);
/* Attaches fresh engine state to a socket whose fd was just opened. Returns 0 or REGIO_ENOMEM
   (the fd is then closed). */
int regio__poll_adopt(regio_sock *s, int fd, int af);
/* Returns the socket's engine state (never NULL for a socket the engine opened). */
static inline poll_sock *regio__poll_state(const regio_sock *s) {
  return (poll_sock *)s->engine_data;
}

int regio__poll_tcp_pair(regio_lab *lab, int family, regio_sock *a, regio_sock *b);
int regio__poll_listen(regio_sock *s, const char *host, uint16_t port, int backlog);
int regio__poll_accept(regio_sock *listener, int timeout_ms, regio_sock *out);
int regio__poll_connect(regio_sock *s, const char *host, uint16_t port, int timeout_ms);
int regio__poll_udp(regio_sock *s, const char *host, uint16_t port);
int regio__poll_udp_connect(regio_sock *s, const char *host, uint16_t port);
int regio__poll_shutdown(regio_sock *s, int how);
void regio__poll_close(regio_sock *s, bool abortive);
int regio__poll_address(regio_sock *s, regio_addr *out);
int regio__poll_peer(regio_sock *s, regio_addr *out);

/* ---- poll-slices.c ---------------------------------------------------------------------- */

/* Fills iov (room for REGIO_MAX_SLICES entries) with the request's data slices, skipping the
   first skip bytes. Returns the number of entries used (0 when nothing is left). */
int regio__poll_iov(const regio_lab *lab, const regio_req *req, uint32_t skip, struct iovec *iov);
/* Returns the total length of the request's data slices. */
uint32_t regio__poll_total(const regio_req *req);
/* Writes the Ex outputs of a completed receive: the remote and local addresses (either may be
   NULL: the slice is then zero-filled), the Windows flags word and an empty control buffer. */
void regio__poll_fill_ex(const regio_lab *lab, const regio_req *req, const struct sockaddr *remote,
                         const struct sockaddr *local, uint32_t win_flags);

/* ---- poll-stream.c, poll-dgram.c -------------------------------------------------------- */

/* Finds the destination address of a received datagram in its control messages (IP_PKTINFO /
   IPV6_PKTINFO) and completes it with the socket's port. Falls back on getsockname. Returns 0,
   or -1 when neither works. Shared with the uring engine. */
int regio__poll_local_address(const regio_sock *s, struct msghdr *msg, poll_addr *out);

/* ---- backend-poll.c ---------------------------------------------------------------------- */

/* Returns 1 if a UDP socket can be bound to the IPv6 loopback address (probed at lab open).
   Shared with the uring engine. */
int regio__poll_probe_ipv6(void);

/* Service the head requests of one direction of a TCP or UDP socket until one would block.
   Set POLL_BLOCKED_* on the socket when it would. Return the number of completions posted. */
int regio__poll_stream_recv(regio_sock *s);
int regio__poll_stream_send(regio_sock *s);
int regio__poll_dgram_recv(regio_sock *s);
int regio__poll_dgram_send(regio_sock *s);

/* ---- poll-peer.c ------------------------------------------------------------------------ */

int regio__poll_write(regio_sock *s, const void *data, size_t len, int timeout_ms);
int regio__poll_read(regio_sock *s, void *data, size_t len, int timeout_ms);
int regio__poll_sendto(regio_sock *s, const void *data, size_t len, const char *host,
                       uint16_t port);
int regio__poll_recvfrom(regio_sock *s, void *data, size_t cap, int timeout_ms, regio_addr *from);

/* ---- backend-poll.c --------------------------------------------------------------------- */

/* The engine's poll op (see regio_engine_ops.poll). */
int regio__poll_poll(regio_lab *lab, int timeout_ms, regio_sock *wait_sock, int wait_events);
/* Returns CLOCK_MONOTONIC in milliseconds. */
int64_t regio__poll_now_ms(void);

/* The deadline of a waiting peer-side call. */
typedef struct poll_deadline {
  int64_t at_ms;          /* absolute, CLOCK_MONOTONIC; negative: no limit */
  bool expired;           /* the last, non-blocking round has been granted */
} poll_deadline;

/* Starts a deadline timeout_ms from now (negative: none). */
poll_deadline regio__poll_deadline(int timeout_ms);
/* Waits for a socket (events: 1 readable, 2 writable) while the lab keeps making progress.
   Returns 0 when it is worth trying the socket again — once more after the deadline passed,
   following a pass that does not wait, so that a timeout of 0 still sees what the lab's own RIO
   requests just sent — then REGIO_ETIMEDOUT; or another negative REGIO_E*. */
int regio__poll_wait(regio_sock *s, int events, poll_deadline *dl);

#endif /* REGIO_POLL_INT_H */
