/* test-buf-register.c — RIORegisterBuffer / RIODeregisterBuffer argument rules and ids. */
#include "task.h"

#define NBUFS 8

TEST_ENGINE_IMPL(buf_register) {
  static uint8_t mem[NBUFS][256];
  regio_bufid ids[NBUFS];
  regio_bufid id = 12345;
  regio_lab_stats st;
  (void)engine;

  /* Zero length and a NULL pointer are refused, as RIORegisterBuffer refuses them. */
  ASSERT_ERR(regio_buf_register(lab, mem[0], 0, &id), REGIO_EINVAL);
  ASSERT_ERR(regio_buf_register(lab, NULL, 256, &id), REGIO_EFAULT);
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.buffers, 0);

  /* Ids are distinct, never RIO_INVALID_BUFFERID, and remember their length. */
  for (int i = 0; i < NBUFS; i++) {
    ASSERT_OK(regio_buf_register(lab, mem[i], (uint32_t)(100 + i), &ids[i]));
    ASSERT_NE(ids[i], REGIO_INVALID_BUFFERID);
    ASSERT_EQ(regio_buf_length(lab, ids[i]), 100 + i);
    ASSERT_EQ(regio_buf_in_flight(lab, ids[i]), 0);
    for (int j = 0; j < i; j++) ASSERT_NE(ids[i], ids[j]);
  }
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.buffers, NBUFS);

  /* The same memory may be registered twice; it gets two ids. */
  ASSERT_OK(regio_buf_register(lab, mem[0], 256, &id));
  ASSERT_NE(id, ids[0]);
  ASSERT_OK(regio_buf_deregister(lab, id));

  /* Deregistering unknown ids is a silent no-op, as in RIO. */
  ASSERT_OK(regio_buf_deregister(lab, REGIO_INVALID_BUFFERID));
  ASSERT_OK(regio_buf_deregister(lab, 0x7654321u));
  ASSERT_EQ(regio_buf_length(lab, REGIO_INVALID_BUFFERID), 0);
  ASSERT_EQ(regio_buf_in_flight(lab, 0x7654321u), 0);

  /* Deregistering twice is fine; the id is gone after the first time. */
  ASSERT_OK(regio_buf_deregister(lab, ids[3]));
  ASSERT_EQ(regio_buf_length(lab, ids[3]), 0);
  ASSERT_OK(regio_buf_deregister(lab, ids[3]));
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.buffers, NBUFS - 1);
  /* The other ids are untouched. */
  ASSERT_EQ(regio_buf_length(lab, ids[2]), 102);
  ASSERT_EQ(regio_buf_length(lab, ids[4]), 104);

  /* Large lengths are lengths, not errors: the caller vouches for the memory. */
  for (int i = 0; i < NBUFS; i++) ASSERT_OK(regio_buf_deregister(lab, ids[i]));
  regio_lab_stats_get(lab, &st);
  ASSERT_EQ(st.buffers, 0);
  return TEST_OK;
}
