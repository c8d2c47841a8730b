/*
 * engines.c — the registry of engines: which are compiled in, which can run here, and which are
 * known by name but not part of this build (listed so that scripts and specs can say why).
 */
#include "regio-int.h"

#include <stddef.h>

typedef struct engine_entry {
  const char *name;
  const regio_engine_ops *ops; /* NULL: known, not in this build */
  const char *missing;         /* why it is not in this build */
} engine_entry;

/* The order is the preference of "auto". An engine is compiled in when the build defines
   REGIO_ENGINE_<NAME> (CMakeLists.txt does, per engine). */
static const engine_entry engines[] = {
#ifdef REGIO_ENGINE_URING
    {"uring", &regio__engine_uring, NULL},
#else
    {"uring", NULL, "not built: this build has no io_uring engine"},
#endif
#ifdef REGIO_ENGINE_POLL
    {"poll", &regio__engine_poll, NULL},
#else
    {"poll", NULL, "not built: this build has no poll engine"},
#endif
#ifdef REGIO_ENGINE_SIM
    {"sim", &regio__engine_sim, NULL},
#else
    {"sim", NULL, "not built: this build has no simulated engine"},
#endif
#ifdef REGIO_ENGINE_WINRIO
    {"winrio", &regio__engine_winrio, NULL},
#else
    {"winrio", NULL, "not built: the Windows RIO engine only builds for Windows"},
#endif
};

#define ENGINE_COUNT ((int)(sizeof(engines) / sizeof(engines[0])))

int regio_engine_count(void) { return ENGINE_COUNT; }

int regio_engine_info(int i, const char **name, const char **reason) {
  const char *why = NULL;
  int rc;
  if (i < 0 || i >= ENGINE_COUNT) return REGIO_EINVAL;
  if (name) *name = engines[i].name;
  if (engines[i].ops == NULL) {
    if (reason) *reason = engines[i].missing;
    return REGIO_ENOSYS;
  }
  rc = engines[i].ops->probe(&why);
  if (reason) *reason = rc == 0 ? NULL : why;
  return rc;
}

/* Finds an engine by name; "auto" takes the first available in the order above. Returns 0 and
   sets *ops, or REGIO_EINVAL (unknown name) / REGIO_ENOSYS (known, not available here). */
int regio__engine_find(const char *name, const regio_engine_ops **ops) {
  int i;
  int auto_pick = name == NULL || name[0] == '\0' || regio__streq(name, "auto");
  for (i = 0; i < ENGINE_COUNT; i++) {
    const char *why;
    if (!auto_pick && !regio__streq(name, engines[i].name)) continue;
    if (engines[i].ops == NULL) {
      if (auto_pick) continue;
      return REGIO_ENOSYS;
    }
    if (engines[i].ops->probe(&why) != 0) {
      if (auto_pick) continue;
      return REGIO_ENOSYS;
    }
    *ops = engines[i].ops;
    return 0;
  }
  return auto_pick ? REGIO_ENOSYS : REGIO_EINVAL;
}
