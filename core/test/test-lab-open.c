/* test-lab-open.c — opening labs: engine and profile names, defaults, capabilities. */
#include "task.h"

TEST_ENGINE_IMPL(lab_open) {
  regio_lab *other = NULL;
  regio_caps caps;
  regio_lab_stats st;

  /* The runner's lab: the engine asked for, the default profile, nothing open yet. */
  ASSERT_STR_EQ(regio_lab_engine(lab), engine);
  ASSERT_STR_EQ(regio_lab_profile(lab), "windows");
  memset(&caps, 0xFF, sizeof(caps));
  regio_lab_caps(lab, &caps);
  ASSERT_EQ(caps.max_slices, 1); /* released Windows: one slice per request */
  ASSERT_EQ(caps.waitall_multi, 0);
  memset(&st, 0xFF, sizeof(st));
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.sockets, 0);
  ASSERT_EQ(st.cqs, 0);
  ASSERT_EQ(st.ports, 0);
  ASSERT_EQ(st.buffers, 0);
  ASSERT_EQ(st.requests, 0);

  /* The clock is monotonic. */
  uint64_t t0 = regio_lab_now(lab);
  ASSERT_GE(regio_lab_poll(lab, 1), 0);
  ASSERT_GE(regio_lab_now(lab), t0);
  ASSERT_ERR(regio_lab_poll(lab, -1), REGIO_EINVAL);

  /* Profiles change what the lab allows. */
  ASSERT_OK(regio_lab_open(&other, engine, "extended", 7));
  ASSERT_STR_EQ(regio_lab_profile(other), "extended");
  regio_lab_caps(other, &caps);
  ASSERT_GT(caps.max_slices, 1);
  ASSERT_LE(caps.max_slices, REGIO_MAX_SLICES);
  ASSERT_EQ(caps.waitall_multi, 1);
  regio_lab_close(other);

  ASSERT_OK(regio_lab_open(&other, engine, "preview", 7));
  regio_lab_caps(other, &caps);
  ASSERT_EQ(caps.waitall_multi, 2);
  regio_lab_close(other);

  ASSERT_OK(regio_lab_open(&other, engine, "windows", 7));
  ASSERT_STR_EQ(regio_lab_profile(other), "windows");
  regio_lab_close(other);

  /* Unknown names. */
  other = NULL;
  ASSERT_ERR(regio_lab_open(&other, "no-such-engine", NULL, 1), REGIO_EINVAL);
  ASSERT_ERR(regio_lab_open(&other, engine, "no-such-profile", 1), REGIO_EINVAL);

  /* "auto" picks an engine that can run here. */
  ASSERT_OK(regio_lab_open(&other, "auto", NULL, 1));
  ASSERT_NOT_NULL(regio_lab_engine(other));
  regio_lab_close(other);
  return TEST_OK;
}
