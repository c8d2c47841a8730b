/*
 * errors.c — names, messages and Winsock numbers of regio's errors, all expanded from the one
 * REGIO_ERRNO_MAP list in regio.h, and the errno → REGIO_E* mapping used by POSIX engines.
 */
#include "regio-int.h"

#include <errno.h>

typedef struct err_info {
  int code;
  int wsa;
  const char *name;
  const char *msg;
} err_info;

static const err_info err_table[] = {
#define REGIO_XX_INFO(name, num, wsa, msg) {-(num), (wsa), #name, (msg)},
    REGIO_ERRNO_MAP(REGIO_XX_INFO)
#undef REGIO_XX_INFO
};

#define ERR_COUNT ((int)(sizeof(err_table) / sizeof(err_table[0])))

static const err_info *err_find(int err) {
  /* The map numbers its entries 1..n in order, so the code is the index. */
  int i = -err - 1;
  if (i < 0 || i >= ERR_COUNT || err_table[i].code != err) return NULL;
  return &err_table[i];
}

const char *regio_err_name(int err) {
  const err_info *e = err_find(err);
  return e ? e->name : "UNKNOWN";
}

const char *regio_strerror(int err) {
  const err_info *e = err_find(err);
  return e ? e->msg : "unknown error";
}

int regio_err_wsa(int err) {
  const err_info *e = err_find(err);
  return e ? e->wsa : -1;
}

int regio_err_count(void) { return ERR_COUNT; }

int regio_err_at(int i) { return (i >= 0 && i < ERR_COUNT) ? err_table[i].code : 0; }

int regio__from_errno(int err) {
  if (err > 0) err = -err;
  switch (-err) {
  case EINVAL: return REGIO_EINVAL;
  case EFAULT: return REGIO_EFAULT;
  case ENOBUFS: return REGIO_ENOBUFS;
  case EALREADY: return REGIO_EALREADY;
#ifdef ETOOMANYREFS /* not in mingw-w64's errno.h */
  case ETOOMANYREFS: return REGIO_ETOOMANYREFS;
#endif
  case ECANCELED: return REGIO_ECANCELED;
  case ECONNRESET: return REGIO_ECONNRESET;
  case EBUSY: return REGIO_EBUSY;
  case ETIMEDOUT: return REGIO_ETIMEDOUT;
  case ENOMEM: return REGIO_ENOMEM;
  case EMSGSIZE: return REGIO_EMSGSIZE;
  case ENOTSOCK: return REGIO_ENOTSOCK;
  case EOPNOTSUPP: return REGIO_EOPNOTSUPP;
  case ECONNREFUSED: return REGIO_ECONNREFUSED;
  case ENOTCONN: return REGIO_ENOTCONN;
  case EDESTADDRREQ: return REGIO_ENOTCONN;
  case EADDRINUSE: return REGIO_EADDRINUSE;
  case EADDRNOTAVAIL: return REGIO_EADDRNOTAVAIL;
  case EAFNOSUPPORT: return REGIO_EAFNOSUPPORT;
  case ECONNABORTED: return REGIO_ECONNABORTED;
  case ENETUNREACH: return REGIO_ENETUNREACH;
  case EHOSTUNREACH: return REGIO_EHOSTUNREACH;
  case EAGAIN: return REGIO_EAGAIN;
  case EMFILE: return REGIO_EMFILE;
  case ENFILE: return REGIO_EMFILE;
#ifdef ESHUTDOWN /* not in mingw-w64's errno.h */
  case ESHUTDOWN: return REGIO_ESHUTDOWN;
#endif
  case ENOSYS: return REGIO_ENOSYS;
  case EPIPE: return REGIO_EPIPE;
  default: return REGIO_EIO;
  }
}
