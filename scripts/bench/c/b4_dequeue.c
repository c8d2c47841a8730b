/*
 * b4_dequeue — B4's C baseline: completions dequeued per second through regio's C API.
 *
 *   b4_dequeue ENGINE BATCH TOTAL
 *
 * On a lab of ENGINE, a UDP socket connected to a sink that nobody reads posts sends of one
 * 64-byte slice, 4000 at a time; once all 4000 completions sit in the CQ, they are dequeued in
 * batches of BATCH, and only the dequeue loop is timed. Repeats until TOTAL completions were
 * dequeued and prints "completions=N seconds=S cpu=C" (S and C: the dequeue loops alone) — the
 * same loop as b4_dequeue.lua, so the two differ only by the Lua binding.
 * Prints "skip=<reason>" and exits 0 when the engine is not available.
 */
#include "bench-common.h"

#include <regio.h>

enum { CYCLE = 4000 };

static void check(int rc, const char *what) {
  if (rc < 0) {
    fprintf(stderr, "b4_dequeue: %s: %s\n", what, regio_err_name(rc));
    exit(2);
  }
}

int main(int argc, char **argv) {
  const char *engine = argc > 1 ? argv[1] : "poll";
  uint32_t batch = (uint32_t)bench_arg(argc, argv, 2, 64);
  unsigned long total = bench_arg(argc, argv, 3, 400000), done = 0;
  static char mem[4096] __attribute__((aligned(4096)));
  static regio_result results[CYCLE];
  regio_rq_limits limits = {0, 1, CYCLE, 1};
  regio_notify polled = {REGIO_NOTIFY_NONE, 0, NULL, 0, 0};
  regio_lab *lab;
  regio_sock *sink, *tx;
  regio_addr at;
  regio_cq *cq;
  regio_rq *rq;
  regio_bufid id;
  regio_slice slice;
  double seconds = 0, cpu = 0;
  int rc = regio_lab_open(&lab, engine, "windows", 1);
  if (rc < 0) {
    printf("skip=engine %s: %s\n", engine, regio_err_name(rc));
    return 0;
  }
  if (batch == 0 || batch > CYCLE) batch = CYCLE;
  check(regio_sock_udp(lab, "127.0.0.1", 0, &sink), "udp");
  check(regio_sock_address(sink, &at), "address");
  check(regio_sock_udp(lab, "127.0.0.1", 0, &tx), "udp");
  check(regio_sock_udp_connect(tx, "127.0.0.1", at.port), "connect");
  check(regio_cq_create(lab, CYCLE, &polled, &cq), "cq");
  check(regio_rq_create(tx, &limits, cq, cq, 1, &rq), "rq");
  check(regio_buf_register(lab, mem, sizeof(mem), &id), "register");
  slice.id = id;
  slice.offset = 0;
  slice.length = 64;
  while (done < total) {
    double t0, c0;
    uint32_t got = 0, i;
    for (i = 0; i < CYCLE; i++) check(regio_rq_send(rq, &slice, 1, 0, i + 1), "send");
    while (regio_cq_queued(cq) < CYCLE) check(regio_lab_poll(lab, 1), "poll");
    t0 = bench_now();
    c0 = bench_cpu();
    while (got < CYCLE) {
      rc = regio_cq_dequeue(cq, results, batch);
      check(rc, "dequeue");
      got += (uint32_t)rc;
    }
    seconds += bench_now() - t0;
    cpu += bench_cpu() - c0;
    done += got;
  }
  printf("completions=%lu seconds=%.6f cpu=%.6f\n", done, seconds, cpu);
  regio_lab_close(lab);
  return 0;
}
