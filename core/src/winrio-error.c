/*
 * winrio-error.c — Winsock and Win32 error numbers mapped onto regio's names.
 *
 * regio.h's REGIO_ERRNO_MAP already gives the Winsock number of every regio error, so the main
 * table is that list read backwards. A few numbers that Windows reports for the same conditions
 * under other codes are added below; anything else is REGIO_EIO.
 */
#include "winrio-int.h"

typedef struct wsa_alias {
  int wsa;
  int err;
} wsa_alias;

/* Numbers REGIO_ERRNO_MAP does not list, or lists under a second name. */
static const wsa_alias aliases[] = {
    {WSA_IO_PENDING, REGIO_EAGAIN},             /* 997: only ever seen as a transient state */
    {ERROR_OPERATION_ABORTED, REGIO_ECANCELED}, /* 995, also WSA_OPERATION_ABORTED */
    {ERROR_NETNAME_DELETED, REGIO_ECONNRESET},  /* 64: overlapped I/O on a reset connection */
    {ERROR_CONNECTION_ABORTED, REGIO_ECONNABORTED},
    {ERROR_NOT_ENOUGH_MEMORY, REGIO_ENOMEM},
    {ERROR_OUTOFMEMORY, REGIO_ENOMEM},
    {ERROR_NO_SYSTEM_RESOURCES, REGIO_ENOBUFS},  /* locked-page quota (RIO-SPEC §3.1) */
    {ERROR_INVALID_PARAMETER, REGIO_EINVAL},
    {ERROR_INVALID_HANDLE, REGIO_EINVAL},
    {WSAESHUTDOWN, REGIO_ESHUTDOWN},             /* 10058 is listed twice; this one wins */
    {WSAEWOULDBLOCK, REGIO_EAGAIN},
    {WSAEMSGSIZE, REGIO_EMSGSIZE},
    {WSAENETDOWN, REGIO_ENETUNREACH},
    {WSAEACCES, REGIO_EINVAL},
    {WSANOTINITIALISED, REGIO_ENOSYS},
    {WSASYSNOTREADY, REGIO_ENOSYS},
    {WSAEPROTONOSUPPORT, REGIO_EOPNOTSUPP},
    {WSAESOCKTNOSUPPORT, REGIO_EOPNOTSUPP},
    {WSAEPFNOSUPPORT, REGIO_EAFNOSUPPORT},
    {WSAEISCONN, REGIO_EINVAL},
    {WSAHOST_NOT_FOUND, REGIO_EADDRNOTAVAIL},
};

int winrio__from_wsa(int wsa) {
  size_t i;
  int n;
  if (wsa == 0) return 0;
  for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
    if (aliases[i].wsa == wsa) return aliases[i].err;
  n = regio_err_count();
  for (int k = 0; k < n; k++) {
    int err = regio_err_at(k);
    if (regio_err_wsa(err) == wsa) return err;
  }
  return REGIO_EIO;
}
