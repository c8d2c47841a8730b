/*
 * task.h — what every C test of regio includes: how a test is declared, the assertions, and
 * the skip convention.
 *
 * A test is a function that returns TEST_OK or TEST_SKIP; a failed assertion prints where and
 * why, then ends the process with exit status 1. The runner (runner.c) runs one test per
 * process, so a failure never leaves state behind for another test.
 *
 * Two kinds of test exist:
 *  - TEST_IMPL(name) needs no lab (the error table, the engine list).
 *  - TEST_ENGINE_IMPL(name) receives a lab that the runner opened on one engine; it is run once
 *    per engine, as name_poll, name_uring, ... The runner closes the lab after the test returns,
 *    so a test only closes the lab objects it wants to observe closing.
 */
#ifndef REGIO_TEST_TASK_H
#define REGIO_TEST_TASK_H

#include "regio.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a test returns: TEST_OK, or TEST_SKIP through RETURN_SKIP. 77 is the skip code that
   CTest (SKIP_RETURN_CODE) and automake's harness both recognise. */
#define TEST_OK 0
#define TEST_FAIL 1
#define TEST_SKIP 77

#define TEST_IMPL(name) int run_test_##name(void)
#define TEST_ENGINE_IMPL(name) int run_test_##name(regio_lab *lab, const char *engine)

/* Ends the test as failed after printing the location and the message. */
#define TEST_FAIL_AT(...)                                                 \
  do {                                                                    \
    fprintf(stderr, "%s:%d: assertion failed: ", __FILE__, __LINE__);     \
    fprintf(stderr, __VA_ARGS__);                                         \
    fputc('\n', stderr);                                                  \
    fflush(stderr);                                                       \
    exit(TEST_FAIL);                                                      \
  } while (0)

#define ASSERT(expr)                                \
  do {                                              \
    if (!(expr)) TEST_FAIL_AT("%s", #expr);         \
  } while (0)

/* Integer comparisons: both sides are evaluated once and printed on failure. */
#define ASSERT_CMP_INT(a, op, b)                                                  \
  do {                                                                            \
    int64_t assert_a_ = (int64_t)(a);                                             \
    int64_t assert_b_ = (int64_t)(b);                                             \
    if (!(assert_a_ op assert_b_))                                                \
      TEST_FAIL_AT("%s %s %s (%" PRId64 " %s %" PRId64 ")", #a, #op, #b, assert_a_, \
                   #op, assert_b_);                                               \
  } while (0)

#define ASSERT_EQ(a, b) ASSERT_CMP_INT(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_CMP_INT(a, !=, b)
#define ASSERT_LT(a, b) ASSERT_CMP_INT(a, <, b)
#define ASSERT_LE(a, b) ASSERT_CMP_INT(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_CMP_INT(a, >, b)
#define ASSERT_GE(a, b) ASSERT_CMP_INT(a, >=, b)

/* Unsigned 64-bit comparison, for contexts. */
#define ASSERT_EQ_U64(a, b)                                                           \
  do {                                                                                \
    uint64_t assert_a_ = (uint64_t)(a);                                               \
    uint64_t assert_b_ = (uint64_t)(b);                                               \
    if (assert_a_ != assert_b_)                                                       \
      TEST_FAIL_AT("%s == %s (0x%" PRIx64 " != 0x%" PRIx64 ")", #a, #b, assert_a_, assert_b_); \
  } while (0)

#define ASSERT_NULL(p) ASSERT((p) == NULL)
#define ASSERT_NOT_NULL(p) ASSERT((p) != NULL)

#define ASSERT_STR_EQ(a, b)                                                          \
  do {                                                                               \
    const char *assert_a_ = (a);                                                     \
    const char *assert_b_ = (b);                                                     \
    if (assert_a_ == NULL || assert_b_ == NULL || strcmp(assert_a_, assert_b_) != 0) \
      TEST_FAIL_AT("%s == %s (\"%s\" != \"%s\")", #a, #b,                            \
                   assert_a_ ? assert_a_ : "(null)", assert_b_ ? assert_b_ : "(null)"); \
  } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                   \
  do {                                                           \
    if (memcmp((a), (b), (n)) != 0)                              \
      TEST_FAIL_AT("%s and %s differ in the first %zu bytes", #a, #b, (size_t)(n)); \
  } while (0)

/* A regio call that must succeed (return 0, or a non-negative count for ASSERT_OK_COUNT). The
   error is printed by name. */
#define ASSERT_OK(expr)                                                                    \
  do {                                                                                     \
    int assert_r_ = (int)(expr);                                                           \
    if (assert_r_ != 0)                                                                    \
      TEST_FAIL_AT("%s returned %d (%s), expected 0", #expr, assert_r_,                    \
                   regio_err_name(assert_r_));                                             \
  } while (0)

/* A regio call that must fail with exactly the given REGIO_E* code. */
#define ASSERT_ERR(expr, code)                                                             \
  do {                                                                                     \
    int assert_r_ = (int)(expr);                                                           \
    int assert_c_ = (int)(code);                                                           \
    if (assert_r_ != assert_c_)                                                            \
      TEST_FAIL_AT("%s returned %d (%s), expected %s (%d)", #expr, assert_r_,              \
                   assert_r_ == 0 ? "success" : regio_err_name(assert_r_),                 \
                   regio_err_name(assert_c_), assert_c_);                                  \
  } while (0)

/* Compares a result's status with a REGIO_E* code (or 0), naming both on failure. */
#define ASSERT_STATUS(status, code)                                                        \
  do {                                                                                     \
    int assert_s_ = (int)(status);                                                         \
    int assert_c_ = (int)(code);                                                           \
    if (assert_s_ != assert_c_)                                                            \
      TEST_FAIL_AT("%s is %d (%s), expected %d (%s)", #status, assert_s_,                  \
                   assert_s_ == 0 ? "success" : regio_err_name(assert_s_), assert_c_,      \
                   assert_c_ == 0 ? "success" : regio_err_name(assert_c_));                \
  } while (0)

/* Ends the test as skipped (exit status 77), printing the reason. */
#define RETURN_SKIP(msg)                      \
  do {                                        \
    fprintf(stderr, "SKIP: %s\n", (msg));     \
    fflush(stderr);                           \
    return TEST_SKIP;                         \
  } while (0)

#endif /* REGIO_TEST_TASK_H */
