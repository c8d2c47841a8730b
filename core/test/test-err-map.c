/* test-err-map.c — error names, messages and Winsock numbers come from REGIO_ERRNO_MAP. */
#include "task.h"

typedef struct expected_error {
  int code;
  const char *name;
  int wsa;
  const char *message;
} expected_error;

#define EXPECTED(name, num, wsa, msg) {REGIO_##name, #name, wsa, msg},
static const expected_error table[] = {REGIO_ERRNO_MAP(EXPECTED)};
#undef EXPECTED
#define NTABLE ((int)(sizeof(table) / sizeof(table[0])))

TEST_IMPL(err_map) {
  /* The numbers DESIGN.md and the teaching material rely on. */
  ASSERT_EQ(REGIO_EINVAL, -1);
  ASSERT_EQ(regio_err_wsa(REGIO_ENOBUFS), 10055);
  ASSERT_EQ(regio_err_wsa(REGIO_EINVAL), 10022);
  ASSERT_EQ(regio_err_wsa(REGIO_EFAULT), 10014);
  ASSERT_EQ(regio_err_wsa(REGIO_EALREADY), 10037);
  ASSERT_EQ(regio_err_wsa(REGIO_ETOOMANYREFS), 10059);
  ASSERT_EQ(regio_err_wsa(REGIO_ECANCELED), 995);
  ASSERT_EQ(regio_err_wsa(REGIO_ECONNRESET), 10054);
  ASSERT_STR_EQ(regio_err_name(REGIO_ENOBUFS), "ENOBUFS");
  ASSERT_STR_EQ(regio_err_name(REGIO_ECANCELED), "ECANCELED");

  /* Every entry of the map, by name, number and message. */
  for (int i = 0; i < NTABLE; i++) {
    ASSERT_LT(table[i].code, 0);
    ASSERT_STR_EQ(regio_err_name(table[i].code), table[i].name);
    ASSERT_STR_EQ(regio_strerror(table[i].code), table[i].message);
    ASSERT_EQ(regio_err_wsa(table[i].code), table[i].wsa);
  }

  /* The enumeration lists the map in order, and nothing past its end. */
  ASSERT_EQ(regio_err_count(), NTABLE);
  for (int i = 0; i < NTABLE; i++) ASSERT_EQ(regio_err_at(i), table[i].code);
  ASSERT_EQ(regio_err_at(NTABLE), 0);
  ASSERT_EQ(regio_err_at(-1), 0);

  /* Values that are not REGIO_E* codes. */
  static const int unknown[] = {0, 1, 10055, -1000, -(NTABLE + 1), INT32_MIN};
  for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
    ASSERT_STR_EQ(regio_err_name(unknown[i]), "UNKNOWN");
    ASSERT_STR_EQ(regio_strerror(unknown[i]), "unknown error");
    ASSERT_EQ(regio_err_wsa(unknown[i]), -1);
  }
  return TEST_OK;
}
