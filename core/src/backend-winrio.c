/*
 * backend-winrio.c — the "winrio" engine: Windows Registered I/O itself.
 *
 * The engine fetches RIO's function table once per process, with
 * WSAIoctl(SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER, WSAID_MULTIPLE_RIO) on a socket created
 * with WSA_FLAG_REGISTERED_IO, and reports "not available" with the Winsock error when that
 * fails (Wine 8 answers 10045, WSAEOPNOTSUPP). Every RIO operation goes through the native ops
 * (winrio-native.c); this file holds the engine's life cycle, its clock and its progress call.
 */
#include "winrio-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The table and the outcome of the one attempt to load it. */
static RIO_EXTENSION_FUNCTION_TABLE rio_table;
static bool table_tried;
static const char *table_reason;
static char reason_text[256];

/* Starts Winsock 2.2 once. Returns 0 or the WSAStartup error. */
static int winsock_start(void) {
  static int started_rc = -1;
  WSADATA data;
  if (started_rc == -1) started_rc = WSAStartup(MAKEWORD(2, 2), &data);
  return started_rc;
}

static void table_fail(const char *what, int wsa) {
  snprintf(reason_text, sizeof(reason_text),
           "RIO is not available: %s failed with Winsock error %d (%s)%s", what, wsa,
           regio_err_name(winrio__from_wsa(wsa)),
           wsa == WSAEOPNOTSUPP
               ? "; Wine answers so (it has no Registered I/O), as would a Windows before 8"
               : "");
  table_reason = reason_text;
}

const RIO_EXTENSION_FUNCTION_TABLE *winrio__table(const char **reason) {
  if (!table_tried) {
    GUID id = WSAID_MULTIPLE_RIO;
    DWORD bytes = 0;
    SOCKET s;
    int rc;
    table_tried = true;
    if ((rc = winsock_start()) != 0) {
      table_fail("WSAStartup(2.2)", rc);
    } else if ((s = WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0,
                               WSA_FLAG_REGISTERED_IO)) == INVALID_SOCKET) {
      table_fail("WSASocket(WSA_FLAG_REGISTERED_IO)", WSAGetLastError());
    } else {
      RIO_EXTENSION_FUNCTION_TABLE t;
      memset(&t, 0, sizeof(t));
      t.cbSize = sizeof(t);
      rc = WSAIoctl(s, SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), &t,
                    sizeof(t), &bytes, NULL, NULL);
      if (rc != 0) {
        table_fail("WSAIoctl(SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER, WSAID_MULTIPLE_RIO)",
                   WSAGetLastError());
      } else if (!t.RIOReceive || !t.RIOReceiveEx || !t.RIOSend || !t.RIOSendEx ||
                 !t.RIOCloseCompletionQueue || !t.RIOCreateCompletionQueue ||
                 !t.RIOCreateRequestQueue || !t.RIODequeueCompletion ||
                 !t.RIODeregisterBuffer || !t.RIONotify || !t.RIORegisterBuffer ||
                 !t.RIOResizeCompletionQueue || !t.RIOResizeRequestQueue) {
        snprintf(reason_text, sizeof(reason_text),
                 "RIO is not available: the RIO function table came back with a NULL entry");
        table_reason = reason_text;
      } else {
        rio_table = t;
        table_reason = NULL;
      }
      closesocket(s);
    }
  }
  if (table_reason != NULL) {
    if (reason) *reason = table_reason;
    return NULL;
  }
  return &rio_table;
}

static int winrio_probe(const char **reason) {
  return winrio__table(reason) != NULL ? 0 : REGIO_ENOSYS;
}

static int winrio_lab_init(regio_lab *lab) {
  winrio_lab *wl;
  const RIO_EXTENSION_FUNCTION_TABLE *t = winrio__table(NULL);
  if (t == NULL) return REGIO_ENOSYS;
  wl = regio__calloc(1, sizeof(*wl));
  if (wl == NULL) return REGIO_ENOMEM;
  wl->rio = t;
  lab->engine_data = wl;
  return 0;
}

/* Runs after the model closed every socket (closesocket cancelled their RIO requests). */
static void winrio_lab_close(regio_lab *lab) {
  winrio_lab *wl = winrio__lab(lab);
  winrio__cq_close_all(lab);
  winrio__port_close_all(lab);
  winrio__rq_close_all(lab);
  winrio__buf_close_all(wl);
  while (wl->reqs) {
    winrio_req *next = wl->reqs->next;
    regio__free(wl->reqs);
    wl->reqs = next;
  }
  regio__free(wl);
  lab->engine_data = NULL;
}

/* RIO takes one data buffer per request whatever the profile; the OS decides the rest. */
static void winrio_caps(const regio_lab *lab, regio_caps *caps) {
  (void)lab;
  caps->max_slices = 1;
  caps->waitall_multi = 0;
  caps->kernel_io = 1;
  caps->virtual_time = 0;
  caps->ipv6 = 1;
}

static uint64_t winrio_now(regio_lab *lab) {
  static LARGE_INTEGER freq;
  LARGE_INTEGER now;
  (void)lab;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&now);
  return (uint64_t)((double)now.QuadPart * 1e9 / (double)freq.QuadPart);
}

/* The kernel moves the bytes on its own: progress needs nothing from us, so this only waits. */
static int winrio_poll(regio_lab *lab, int timeout_ms, regio_sock *wait_sock, int wait_events) {
  (void)lab;
  (void)wait_sock;
  (void)wait_events;
  if (timeout_ms > 0) Sleep((DWORD)timeout_ms);
  return 0;
}

const regio_engine_ops regio__engine_winrio = {
    .name = "winrio",
    .probe = winrio_probe,
    .lab_init = winrio_lab_init,
    .lab_close = winrio_lab_close,
    .caps = winrio_caps,
    .now = winrio_now,
    .poll = winrio_poll,
    .started = NULL,
    .tcp_pair = winrio__tcp_pair,
    .listen = winrio__listen,
    .accept = winrio__accept,
    .connect = winrio__connect,
    .udp = winrio__udp,
    .udp_connect = winrio__udp_connect,
    .write = winrio__write,
    .read = winrio__read,
    .sendto = winrio__sendto,
    .recvfrom = winrio__recvfrom,
    .shutdown = winrio__shutdown,
    .close = winrio__close,
    .address = winrio__address,
    .peer = winrio__peer,
    .native = &winrio__native_ops,
};
