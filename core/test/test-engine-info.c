/* test-engine-info.c — the engine list: names, availability with a reason, and "poll". */
#include "task.h"

TEST_IMPL(engine_info) {
  int n = regio_engine_count();
  int seen_poll = 0;
  const char *name;
  const char *reason;

  ASSERT_GE(n, 1);
  for (int i = 0; i < n; i++) {
    name = NULL;
    reason = NULL;
    int r = regio_engine_info(i, &name, &reason);
    ASSERT_NOT_NULL(name);
    ASSERT_GT(strlen(name), 0);
    for (int j = 0; j < i; j++) {
      const char *other = NULL;
      const char *other_reason = NULL;
      regio_engine_info(j, &other, &other_reason);
      ASSERT(strcmp(name, other) != 0);
    }
    if (r != 0) {
      /* An unavailable engine says why, and the error is a real REGIO_E*. */
      ASSERT_LT(r, 0);
      ASSERT(strcmp(regio_err_name(r), "UNKNOWN") != 0);
      ASSERT_NOT_NULL(reason);
      ASSERT_GT(strlen(reason), 0);
    }
#ifndef _WIN32 /* poll is not built for Windows, where no engine is sure to run (Wine) */
    if (strcmp(name, "poll") == 0) {
      seen_poll = 1;
      ASSERT_EQ(r, 0); /* poll() works everywhere regio builds */
    }
#endif
  }
#ifndef _WIN32
  ASSERT(seen_poll);
#endif
  (void)seen_poll;
  ASSERT_ERR(regio_engine_info(n, &name, &reason), REGIO_EINVAL);
  ASSERT_ERR(regio_engine_info(-1, &name, &reason), REGIO_EINVAL);
  return TEST_OK;
}
