/*
 * test-list.h — every C test of regio, in one list.
 *
 * TEST_LIST(PLAIN, ENGINE) names each behaviour once:
 *  - PLAIN(name) is a test that needs no lab; its CTest name is `name`.
 *  - ENGINE(name) is run once per engine of TEST_ENGINES, as `name_<engine>` (buf_register_poll),
 *    with a lab the runner opened on that engine. An engine that cannot run here makes its tests
 *    exit 77 (skipped) with the engine's reason.
 *
 * CMakeLists.txt in this folder reads this file to register the tests with CTest, so keep one
 * entry per line in the form shown. Add an engine to TEST_ENGINES when its backend-*.c lands.
 */
#ifndef REGIO_TEST_LIST_H
#define REGIO_TEST_LIST_H

#define TEST_ENGINES(XX) XX(poll) XX(uring) XX(sim)
#ifdef _WIN32 /* A Windows build has only winrio (CMakeLists.txt here says the same). */
#undef TEST_ENGINES
#define TEST_ENGINES(XX) XX(winrio)
#endif

#define TEST_LIST(PLAIN, ENGINE) \
  PLAIN(err_map)                 \
  PLAIN(engine_info)             \
  ENGINE(lab_open)               \
  ENGINE(buf_register)           \
  ENGINE(buf_generation)         \
  ENGINE(buf_busy)               \
  ENGINE(buf_release)            \
  ENGINE(slice_bounds)           \
  ENGINE(cq_create)              \
  ENGINE(cq_capacity)            \
  ENGINE(cq_dequeue)             \
  ENGINE(cq_resize)              \
  ENGINE(cq_close)               \
  ENGINE(rq_create)              \
  ENGINE(rq_limits)              \
  ENGINE(rq_resize)              \
  ENGINE(rq_defer)               \
  ENGINE(rq_flags)               \
  ENGINE(rq_slices)              \
  ENGINE(rq_waitall)             \
  ENGINE(rq_order)               \
  ENGINE(udp_ex)                 \
  ENGINE(notify)                 \
  ENGINE(iocp)                   \
  ENGINE(sock_close)             \
  ENGINE(sock_reset)             \
  ENGINE(lab_close)              \
  ENGINE(oom)

#endif /* REGIO_TEST_LIST_H */
