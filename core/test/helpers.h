/*
 * helpers.h — small building blocks that many C tests share: waiting for completions while the
 * lab makes progress, and setting up a connected TCP socket with its request queue.
 *
 * Helpers return counts or REGIO_E* codes and leave the asserting to the test, so a failure
 * points at the test's own line.
 */
#ifndef REGIO_TEST_HELPERS_H
#define REGIO_TEST_HELPERS_H

#include "regio.h"

#include <stdint.h>

/* How long a test waits for something that should happen at once on loopback. */
#define TEST_WAIT_MS 2000
/* How long a test watches for something that must not happen. */
#define TEST_SETTLE_MS 50

/* Returns the monotonic clock in milliseconds. */
uint64_t test_now_ms(void);

/* Makes progress until cq holds at least n results or timeout_ms has passed. Returns the number
   of results queued at the end (it does not dequeue). */
uint32_t test_wait_queued(regio_lab *lab, regio_cq *cq, uint32_t n, int timeout_ms);

/* Makes progress for about ms milliseconds; used before checking that nothing was posted. */
void test_settle(regio_lab *lab, int ms);

/* Dequeues until n results were taken into out or timeout_ms has passed; returns how many were
   taken. It never takes more than n. */
uint32_t test_await(regio_lab *lab, regio_cq *cq, regio_result *out, uint32_t n, int timeout_ms);

/* Opens a connected TCP pair over IPv4 loopback and creates a request queue on *sock with the
   given limits (one data buffer per request) and CQs. *peer is the plain other end. Returns 0 or
   the first REGIO_E* met. */
int test_tcp_rq(regio_lab *lab, uint32_t max_recv, uint32_t max_send, regio_cq *recv_cq,
                regio_cq *send_cq, uint64_t socket_ctx, regio_sock **sock, regio_sock **peer,
                regio_rq **rq);

/* Builds a slice. */
regio_slice test_slice(regio_bufid id, uint32_t offset, uint32_t length);

#endif /* REGIO_TEST_HELPERS_H */
