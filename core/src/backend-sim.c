/*
 * backend-sim.c — the "sim" engine: an in-process network with a virtual clock and fault
 * knobs, behind the same model as every other engine, so that a script runs on it unchanged.
 *
 * The clock (ns, starting at 0) moves only here and in the peer-side waits (sim-peer.c). The
 * poll op first settles the present: it delivers every packet due now and services the head
 * requests of every socket, again and again until nothing changes. If nothing completed and the
 * caller may wait, the clock jumps to the next arrival (never past the caller's limit) and the
 * present is settled again; when nothing completes before the limit, the clock ends exactly at
 * the limit. So lab:poll(ms) advances the clock by exactly ms when nothing completes meanwhile,
 * and otherwise stops at the moment of the first completion; no call ever waits in real time.
 *
 * Sockets are in sim-sock.c, the network (packets, link timing, delivery) in sim-net.c, TCP and
 * UDP service in sim-stream.c and sim-dgram.c, peer-side I/O in sim-peer.c, randomness in
 * sim-rand.c. Addresses and Ex slices reuse the poll engine's socket-free helpers.
 */
#include "sim-int.h"

#include <stdlib.h>
#include <string.h>

static int sim_probe(const char **reason) {
  if (reason) *reason = NULL;
  return 0;
}

static int sim_lab_init(regio_lab *lab) {
  sim_lab *sl = regio__calloc(1, sizeof(*sl));
  if (sl == NULL) return REGIO_ENOMEM;
  sl->next_port = SIM_FIRST_PORT;
  regio__sim_rand_seed(sl, lab->seed);
  lab->engine_data = sl;
  return 0;
}

static void sim_lab_close(regio_lab *lab) {
  sim_lab *sl = regio__sim_lab(lab);
  if (sl == NULL) return;
  /* Every owned socket was closed before; free whatever is left (nothing, normally). */
  while (sl->socks != NULL) regio__sim_sock_free(sl, sl->socks);
  regio__free(sl);
  lab->engine_data = NULL;
}

static void sim_caps(const regio_lab *lab, regio_caps *caps) {
  memset(caps, 0, sizeof(*caps)); /* no kernel registration of buffers, nothing else */
  caps->max_slices = lab->profile == REGIO_PROFILE_WINDOWS ? 1 : REGIO_MAX_SLICES;
  caps->waitall_multi = lab->profile == REGIO_PROFILE_EXTENDED  ? 1
                        : lab->profile == REGIO_PROFILE_PREVIEW ? 2
                                                                : 0;
  caps->kernel_io = 0;
  caps->virtual_time = 1;
  caps->ipv6 = 1;
}

static uint64_t sim_now(regio_lab *lab) { return regio__sim_lab(lab)->now; }

static void sim_started(regio_sock *sock, regio_req *req) {
  (void)sock;
  req->done = 0;
  req->engine_word = 0;
}

/* Services both directions of one socket. Returns the number of completions posted. */
static int service_sock(regio_sock *s) {
  int udp = s->type == REGIO_SOCK_UDP, posted = 0;
  if (regio__rq_head(s->rq, REGIO_DIR_RECEIVE) != NULL) {
    posted += udp ? regio__sim_dgram_recv(s) : regio__sim_stream_recv(s);
  }
  if (!s->closed && regio__rq_head(s->rq, REGIO_DIR_SEND) != NULL) {
    posted += udp ? regio__sim_dgram_send(s) : regio__sim_stream_send(s);
  }
  return posted;
}

/* Services every open socket that has started requests. */
static int service_pass(regio_lab *lab) { return regio__service_sockets(lab, service_sock); }

/* Delivers and services until nothing changes at the current time. Returns completions. */
static int settle_present(regio_lab *lab) {
  int posted = 0;
  for (;;) {
    int moved = regio__sim_deliver_due(lab);
    int n = service_pass(lab);
    posted += n;
    if (moved == 0 && n == 0) return posted;
  }
}

/* Whether the waited-on socket (may be NULL) has something to read. */
static int wait_ready(const regio_sock *s) {
  return s != NULL && s->engine_data != NULL && regio__sim_readable(regio__sim_state(s));
}

int regio__sim_run_until(regio_lab *lab, uint64_t target, regio_sock *wait_sock) {
  sim_lab *sl = regio__sim_lab(lab);
  int posted = settle_present(lab);
  if (posted > 0 || wait_ready(wait_sock)) return posted;
  for (;;) {
    uint64_t next = regio__sim_next_event(sl);
    if (next == SIM_NEVER || next > target) {
      if (target != SIM_NEVER && target > sl->now) sl->now = target;
      return posted;
    }
    if (next > sl->now) sl->now = next;
    posted += settle_present(lab);
    if (posted > 0 || wait_ready(wait_sock)) return posted;
  }
}

static int sim_poll(regio_lab *lab, int timeout_ms, regio_sock *wait_sock, int wait_events) {
  sim_lab *sl = regio__sim_lab(lab);
  uint64_t target;
  if (timeout_ms < 0) target = SIM_NEVER;
  else target = sl->now + (uint64_t)timeout_ms * 1000000u;
  /* A sim socket is always writable: a wait for writing ends at once. */
  if (wait_sock != NULL && (wait_events & 2)) target = sl->now;
  return regio__sim_run_until(lab, target, (wait_events & 1) ? wait_sock : NULL);
}

const regio_engine_ops regio__engine_sim = {
    .name = "sim",
    .probe = sim_probe,
    .lab_init = sim_lab_init,
    .lab_close = sim_lab_close,
    .caps = sim_caps,
    .now = sim_now,
    .poll = sim_poll,
    .started = sim_started,
    .tcp_pair = regio__sim_tcp_pair,
    .listen = regio__sim_listen,
    .accept = regio__sim_accept,
    .connect = regio__sim_connect,
    .udp = regio__sim_udp,
    .udp_connect = regio__sim_udp_connect,
    .write = regio__sim_write,
    .read = regio__sim_read,
    .sendto = regio__sim_sendto,
    .recvfrom = regio__sim_recvfrom,
    .shutdown = regio__sim_shutdown,
    .close = regio__sim_close,
    .address = regio__sim_address,
    .peer = regio__sim_peer,
    .link = regio__sim_link,
};
