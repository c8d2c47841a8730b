/*
 * runner.c — the C test runner: `regio_tests NAME` runs one test in this process and exits with
 * its status (0 passed, 1 failed, 77 skipped); `regio_tests --list` prints every test name.
 *
 * For an engine test NAME is `<test>_<engine>`: the runner opens a lab on that engine (profile
 * "windows", seed 1), runs the test, and closes the lab. If the engine is not compiled in or
 * cannot run here, the test is skipped with the engine's reason. CTest runs each name in its
 * own process (see CMakeLists.txt in this folder).
 */
#include "task.h"
#include "test-list.h"

#include <signal.h>
#include <unistd.h>
#ifdef _WIN32 /* No SIGALRM on Windows: CTest's TIMEOUT is the only limit there. */
#define alarm(seconds) ((void)(seconds))
#endif

/* A test that ends neither way within this many seconds is killed (CTest's own limit is 30 s;
   this one protects direct runs). */
#define RUNNER_ALARM_S 60

#define DECLARE_PLAIN(name) int run_test_##name(void);
#define DECLARE_ENGINE(name) int run_test_##name(regio_lab *lab, const char *engine);
TEST_LIST(DECLARE_PLAIN, DECLARE_ENGINE)

typedef struct test_entry {
  const char *name;
  int (*plain)(void);
  int (*engine)(regio_lab *lab, const char *engine);
} test_entry;

#define ENTRY_PLAIN(name) {#name, run_test_##name, NULL},
#define ENTRY_ENGINE(name) {#name, NULL, run_test_##name},
static const test_entry tests[] = {TEST_LIST(ENTRY_PLAIN, ENTRY_ENGINE)};
#define NTESTS (sizeof(tests) / sizeof(tests[0]))

#define ENGINE_NAME(name) #name,
static const char *const engines[] = {TEST_ENGINES(ENGINE_NAME)};
#define NENGINES (sizeof(engines) / sizeof(engines[0]))

static void list_tests(void) {
  for (size_t i = 0; i < NTESTS; i++) {
    if (tests[i].plain != NULL) {
      printf("%s\n", tests[i].name);
      continue;
    }
    for (size_t e = 0; e < NENGINES; e++) printf("%s_%s\n", tests[i].name, engines[e]);
  }
}

/* Finds the test that NAME designates. For an engine test, *engine points into name, after the
   test's own name and an underscore; the longest matching test name wins. */
static const test_entry *find_test(const char *name, const char **engine) {
  const test_entry *best = NULL;
  size_t best_len = 0;
  *engine = NULL;
  for (size_t i = 0; i < NTESTS; i++) {
    size_t len = strlen(tests[i].name);
    if (tests[i].plain != NULL) {
      if (strcmp(name, tests[i].name) == 0) return &tests[i];
      continue;
    }
    if (strncmp(name, tests[i].name, len) == 0 && name[len] == '_' && name[len + 1] != '\0' &&
        len > best_len) {
      best = &tests[i];
      best_len = len;
    }
  }
  if (best != NULL) *engine = name + best_len + 1;
  return best;
}

/* Returns 0 if the engine is compiled in and can run here; otherwise prints why and returns
   TEST_SKIP. */
static int check_engine(const char *engine) {
  int n = regio_engine_count();
  for (int i = 0; i < n; i++) {
    const char *name = NULL;
    const char *reason = NULL;
    int r = regio_engine_info(i, &name, &reason);
    if (name == NULL || strcmp(name, engine) != 0) continue;
    if (r == 0) return 0;
    fprintf(stderr, "SKIP: engine \"%s\" is not available: %s\n", engine,
            reason != NULL ? reason : regio_strerror(r));
    return TEST_SKIP;
  }
  fprintf(stderr, "SKIP: engine \"%s\" is not compiled into this build\n", engine);
  return TEST_SKIP;
}

static int run_engine_test(const test_entry *t, const char *engine) {
  regio_lab *lab = NULL;
  int r = check_engine(engine);
  if (r != 0) return r;
  r = regio_lab_open(&lab, engine, NULL, 1);
  if (r == REGIO_ENOSYS) {
    fprintf(stderr, "SKIP: engine \"%s\" cannot open a lab here: %s\n", engine,
            regio_strerror(r));
    return TEST_SKIP;
  }
  if (r != 0) {
    fprintf(stderr, "regio_lab_open(\"%s\") failed: %s (%s)\n", engine, regio_err_name(r),
            regio_strerror(r));
    return TEST_FAIL;
  }
  r = t->engine(lab, engine);
  regio_lab_close(lab);
  return r;
}

static void usage(FILE *out, const char *argv0) {
  fprintf(out,
          "usage: %s NAME     run one test (exit 0 passed, 1 failed, 77 skipped)\n"
          "       %s --list   print every test name\n",
          argv0, argv0);
}

int main(int argc, char **argv) {
  const test_entry *t;
  const char *engine;
  int r;

  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 2) {
    usage(stderr, argv[0]);
    return 2;
  }
  if (strcmp(argv[1], "--list") == 0) {
    list_tests();
    return 0;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout, argv[0]);
    return 0;
  }
  t = find_test(argv[1], &engine);
  if (t == NULL) {
    fprintf(stderr, "%s: no test named \"%s\" (see --list)\n", argv[0], argv[1]);
    return 2;
  }

  alarm(RUNNER_ALARM_S);
  r = t->plain != NULL ? t->plain() : run_engine_test(t, engine);
  if (r == TEST_OK) printf("ok %s\n", argv[1]);
  else if (r == TEST_SKIP) printf("skip %s\n", argv[1]);
  else printf("not ok %s\n", argv[1]);
  return r == TEST_OK || r == TEST_SKIP ? r : TEST_FAIL;
}
