/*
 * probe-winrio.c — what a Windows build of regio finds on the machine it runs on.
 *
 * It prints every engine with its availability (and the reason when it is not available), then
 * what engine "auto" opens, and, when the winrio engine is available, runs one RIO receive over
 * loopback end to end. It is the check CI runs under Wine, where RIO does not exist:
 *
 *   regio_probe_winrio [--expect-unavailable]
 *
 * Exit status: 0 when the behaviour is coherent — winrio is available and the round trip works,
 * or winrio is unavailable with a reason, opening it fails with ENOSYS, and "auto" either opens
 * an engine that said it was available or fails with ENOSYS because none is. With
 * --expect-unavailable (CI under Wine), winrio being available is a failure too, so that a change
 * in Wine cannot pass unnoticed. 1 otherwise.
 */
#include "regio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENGINES 16

/* Prints a failed expectation and returns 1, for `failures += expect(...)`. */
static int expect(int ok, const char *what) {
  if (!ok) printf("probe: FAILED: %s\n", what);
  return ok ? 0 : 1;
}

/* One RIO receive over a loopback TCP pair on a lab of the winrio engine. Returns 0 when the
   bytes and the result are right. */
static int round_trip(void) {
  static char mem[4096];
  regio_lab *lab = NULL;
  regio_cq *cq = NULL;
  regio_sock *a = NULL, *b = NULL;
  regio_rq *rq = NULL;
  regio_rq_limits limits = {1, 1, 1, 1};
  regio_slice slice;
  regio_result res;
  regio_bufid id;
  int rc, got = 0, tries;

  if ((rc = regio_lab_open(&lab, "winrio", NULL, 1)) != 0) {
    printf("probe: winrio lab_open: %s\n", regio_err_name(rc));
    return 1;
  }
  if ((rc = regio_buf_register(lab, mem, sizeof(mem), &id)) != 0 ||
      (rc = regio_cq_create(lab, 2, NULL, &cq)) != 0 ||
      (rc = regio_sock_tcp_pair(lab, 4, &a, &b)) != 0 ||
      (rc = regio_rq_create(a, &limits, cq, cq, 0x1234, &rq)) != 0) {
    printf("probe: winrio setup failed: %s (%s)\n", regio_err_name(rc), regio_strerror(rc));
    regio_lab_close(lab);
    return 1;
  }
  slice.id = id;
  slice.offset = 0;
  slice.length = 5;
  rc = regio_rq_receive(rq, &slice, 1, REGIO_MSG_WAITALL, 0xABCD);
  if (rc == 0) rc = regio_sock_write(b, "hello", 5, 2000) == 5 ? 0 : REGIO_EIO;
  for (tries = 0; rc == 0 && got == 0 && tries < 200; tries++) {
    got = regio_cq_dequeue(cq, &res, 1);
    if (got == 0) regio_lab_poll(lab, 10);
  }
  regio_lab_close(lab);
  if (rc != 0 || got != 1) {
    printf("probe: winrio round trip failed: %s, %d result(s)\n", regio_err_name(rc), got);
    return 1;
  }
  printf("probe: winrio round trip: status %d, %u bytes, socket 0x%llx, request 0x%llx, \"%.5s\"\n",
         (int)res.status, (unsigned)res.bytes, (unsigned long long)res.socket_ctx,
         (unsigned long long)res.request_ctx, mem);
  return res.status == 0 && res.bytes == 5 && res.socket_ctx == 0x1234 &&
                 res.request_ctx == 0xABCD && memcmp(mem, "hello", 5) == 0
             ? 0
             : 1;
}

int main(int argc, char **argv) {
  int expect_unavailable = argc > 1 && strcmp(argv[1], "--expect-unavailable") == 0;
  int n = regio_engine_count(), failures = 0, winrio_rc = REGIO_EINVAL, available = 0;
  int engine_ok[MAX_ENGINES];
  const char *names[MAX_ENGINES];
  const char *winrio_reason = NULL;
  regio_lab *lab = NULL;
  int i, rc;

  setvbuf(stdout, NULL, _IONBF, 0);
  printf("probe: regio %d.%d.%d, %d engine(s) known\n", REGIO_VERSION_MAJOR, REGIO_VERSION_MINOR,
         REGIO_VERSION_PATCH, n);
  failures += expect(n > 0 && n <= MAX_ENGINES, "the engine count is between 1 and 16");
  if (n > MAX_ENGINES) n = MAX_ENGINES;
  for (i = 0; i < n; i++) {
    const char *reason = NULL;
    names[i] = NULL;
    rc = regio_engine_info(i, &names[i], &reason);
    engine_ok[i] = rc == 0;
    available += rc == 0;
    if (names[i] == NULL) names[i] = "?";
    if (rc == 0) printf("probe: engine %-7s available\n", names[i]);
    else printf("probe: engine %-7s not available (%s): %s\n", names[i], regio_err_name(rc),
                reason ? reason : "(no reason given)");
    if (rc != 0) failures += expect(reason && reason[0], "an unavailable engine says why");
    if (strcmp(names[i], "winrio") == 0) {
      winrio_rc = rc;
      winrio_reason = reason;
    }
  }
  failures += expect(winrio_rc != REGIO_EINVAL, "the engine list has winrio");

  /* What opening winrio by name says. */
  rc = regio_lab_open(&lab, "winrio", NULL, 1);
  printf("probe: regio_lab_open(\"winrio\"): %s\n", rc == 0 ? "opened" : regio_err_name(rc));
  if (rc == 0) regio_lab_close(lab);
  failures += expect((rc == 0) == (winrio_rc == 0), "opening winrio agrees with engine_info");

  /* What "auto" chooses. */
  lab = NULL;
  rc = regio_lab_open(&lab, "auto", NULL, 1);
  if (rc == 0) {
    const char *chosen = regio_lab_engine(lab);
    int listed_ok = 0;
    for (i = 0; i < n; i++) listed_ok |= engine_ok[i] && strcmp(names[i], chosen) == 0;
    printf("probe: regio_lab_open(\"auto\"): opened engine \"%s\"\n", chosen);
    failures += expect(listed_ok, "auto opens an engine that said it is available");
    regio_lab_close(lab);
  } else {
    printf("probe: regio_lab_open(\"auto\"): %s: no engine can run here (reasons above)\n",
           regio_err_name(rc));
    failures += expect(rc == REGIO_ENOSYS && available == 0,
                       "auto fails with ENOSYS only when no engine is available");
  }

  if (winrio_rc == 0) {
    printf("probe: RIO is available: the function table loaded\n");
    failures += expect(!expect_unavailable, "RIO is unavailable here (--expect-unavailable)");
    failures += round_trip();
  } else {
    failures += expect(winrio_rc == REGIO_ENOSYS, "an unavailable winrio reports ENOSYS");
    failures += expect(winrio_reason && strstr(winrio_reason, "RIO") != NULL,
                       "the winrio reason mentions RIO");
    printf("probe: RIO is unavailable; reason: %s\n", winrio_reason ? winrio_reason : "(none)");
  }
  printf("probe: %s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
