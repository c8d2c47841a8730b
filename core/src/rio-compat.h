/*
 * rio-compat.h — the Registered I/O declarations for Windows toolchains whose headers lack them.
 *
 * Debian's mingw-w64 (12) ships a mswsock.h without any RIO type (RIO-SPEC §5.1). This header
 * declares what backend-winrio.c needs — the types, constants, the function-table layout and its
 * GUID — with the values of RIO-SPEC §1.3. Everything is guarded on RIO_INVALID_CQ, which the
 * SDK's mswsock.h defines together with the rest, so a toolchain that has the real declarations
 * (MSVC's SDK, newer mingw-w64) uses its own and this file adds only the static asserts.
 *
 * Include it after <winsock2.h>, <ws2tcpip.h> and <mswsock.h>.
 */
#ifndef REGIO_RIO_COMPAT_H
#define REGIO_RIO_COMPAT_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <ws2ipdef.h>
#include <mswsock.h>

#ifndef WSA_FLAG_REGISTERED_IO
#define WSA_FLAG_REGISTERED_IO 0x100
#endif

/* _WSAIORW(IOC_WS2, 36); not 0xC8000006, which is SIO_GET_EXTENSION_FUNCTION_POINTER. */
#ifndef SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER
#define SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER _WSAIORW(IOC_WS2, 36)
#endif

#ifndef RIO_INVALID_CQ

#ifndef WSAID_MULTIPLE_RIO
#define WSAID_MULTIPLE_RIO \
  {0x8509e081, 0x96dd, 0x4005, {0xb1, 0x65, 0x9e, 0x2e, 0xe8, 0xc7, 0x9e, 0x3f}}
#endif

/* Opaque, pointer-sized handles. */
typedef struct RIO_BUFFERID_t *RIO_BUFFERID, **PRIO_BUFFERID;
typedef struct RIO_CQ_t *RIO_CQ, **PRIO_CQ;
typedef struct RIO_RQ_t *RIO_RQ, **PRIO_RQ;

/* A byte range inside one registration. */
typedef struct _RIO_BUF {
  RIO_BUFFERID BufferId;
  ULONG Offset;
  ULONG Length;
} RIO_BUF, *PRIO_BUF;

/* One completion. */
typedef struct _RIORESULT {
  LONG Status;
  ULONG BytesTransferred;
  ULONGLONG SocketContext;
  ULONGLONG RequestContext;
} RIORESULT, *PRIORESULT;

/* The header in front of the control records of the Ex calls. */
typedef struct _RIO_CMSG_BUFFER {
  ULONG TotalLength;
} RIO_CMSG_BUFFER, *PRIO_CMSG_BUFFER;

#define RIO_MSG_DONT_NOTIFY 0x00000001
#define RIO_MSG_DEFER 0x00000002
#define RIO_MSG_WAITALL 0x00000004
#define RIO_MSG_COMMIT_ONLY 0x00000008

/* Not 0: an id of all ones in the low 32 bits. */
#define RIO_INVALID_BUFFERID ((RIO_BUFFERID)(ULONG_PTR)0xFFFFFFFF)
#define RIO_INVALID_CQ ((RIO_CQ)0)
#define RIO_INVALID_RQ ((RIO_RQ)0)
#define RIO_MAX_CQ_SIZE 0x8000000
#define RIO_CORRUPT_CQ 0xFFFFFFFF

typedef enum _RIO_NOTIFICATION_COMPLETION_TYPE {
  RIO_EVENT_COMPLETION = 1,
  RIO_IOCP_COMPLETION = 2
} RIO_NOTIFICATION_COMPLETION_TYPE, *PRIO_NOTIFICATION_COMPLETION_TYPE;

typedef struct _RIO_NOTIFICATION_COMPLETION {
  RIO_NOTIFICATION_COMPLETION_TYPE Type;
  union {
    struct {
      HANDLE EventHandle;
      BOOL NotifyReset;
    } Event;
    struct {
      HANDLE IocpHandle;
      PVOID CompletionKey;
      PVOID Overlapped;
    } Iocp;
  };
} RIO_NOTIFICATION_COMPLETION, *PRIO_NOTIFICATION_COMPLETION;

/* The thirteen functions, with the SDK's return types (RIO-SPEC §1.2). */
typedef BOOL(PASCAL *LPFN_RIORECEIVE)(RIO_RQ SocketQueue, PRIO_BUF pData, ULONG DataBufferCount,
                                      DWORD Flags, PVOID RequestContext);
typedef int(PASCAL *LPFN_RIORECEIVEEX)(RIO_RQ SocketQueue, PRIO_BUF pData, ULONG DataBufferCount,
                                       PRIO_BUF pLocalAddress, PRIO_BUF pRemoteAddress,
                                       PRIO_BUF pControlContext, PRIO_BUF pFlags, DWORD Flags,
                                       PVOID RequestContext);
typedef BOOL(PASCAL *LPFN_RIOSEND)(RIO_RQ SocketQueue, PRIO_BUF pData, ULONG DataBufferCount,
                                   DWORD Flags, PVOID RequestContext);
typedef BOOL(PASCAL *LPFN_RIOSENDEX)(RIO_RQ SocketQueue, PRIO_BUF pData, ULONG DataBufferCount,
                                     PRIO_BUF pLocalAddress, PRIO_BUF pRemoteAddress,
                                     PRIO_BUF pControlContext, PRIO_BUF pFlags, DWORD Flags,
                                     PVOID RequestContext);
typedef VOID(PASCAL *LPFN_RIOCLOSECOMPLETIONQUEUE)(RIO_CQ CQ);
typedef RIO_CQ(PASCAL *LPFN_RIOCREATECOMPLETIONQUEUE)(
    DWORD QueueSize, PRIO_NOTIFICATION_COMPLETION NotificationCompletion);
typedef RIO_RQ(PASCAL *LPFN_RIOCREATEREQUESTQUEUE)(SOCKET Socket, ULONG MaxOutstandingReceive,
                                                   ULONG MaxReceiveDataBuffers,
                                                   ULONG MaxOutstandingSend,
                                                   ULONG MaxSendDataBuffers, RIO_CQ ReceiveCQ,
                                                   RIO_CQ SendCQ, PVOID SocketContext);
typedef ULONG(PASCAL *LPFN_RIODEQUEUECOMPLETION)(RIO_CQ CQ, PRIORESULT Array, ULONG ArraySize);
typedef VOID(PASCAL *LPFN_RIODEREGISTERBUFFER)(RIO_BUFFERID BufferId);
typedef INT(PASCAL *LPFN_RIONOTIFY)(RIO_CQ CQ);
typedef RIO_BUFFERID(PASCAL *LPFN_RIOREGISTERBUFFER)(PCHAR DataBuffer, DWORD DataLength);
typedef BOOL(PASCAL *LPFN_RIORESIZECOMPLETIONQUEUE)(RIO_CQ CQ, DWORD QueueSize);
typedef BOOL(PASCAL *LPFN_RIORESIZEREQUESTQUEUE)(RIO_RQ RQ, DWORD MaxOutstandingReceive,
                                                 DWORD MaxOutstandingSend);

/* The table WSAIoctl(SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER, WSAID_MULTIPLE_RIO) fills, in
   the order of the SDK. */
typedef struct _RIO_EXTENSION_FUNCTION_TABLE {
  DWORD cbSize;
  LPFN_RIORECEIVE RIOReceive;
  LPFN_RIORECEIVEEX RIOReceiveEx;
  LPFN_RIOSEND RIOSend;
  LPFN_RIOSENDEX RIOSendEx;
  LPFN_RIOCLOSECOMPLETIONQUEUE RIOCloseCompletionQueue;
  LPFN_RIOCREATECOMPLETIONQUEUE RIOCreateCompletionQueue;
  LPFN_RIOCREATEREQUESTQUEUE RIOCreateRequestQueue;
  LPFN_RIODEQUEUECOMPLETION RIODequeueCompletion;
  LPFN_RIODEREGISTERBUFFER RIODeregisterBuffer;
  LPFN_RIONOTIFY RIONotify;
  LPFN_RIOREGISTERBUFFER RIORegisterBuffer;
  LPFN_RIORESIZECOMPLETIONQUEUE RIOResizeCompletionQueue;
  LPFN_RIORESIZEREQUESTQUEUE RIOResizeRequestQueue;
} RIO_EXTENSION_FUNCTION_TABLE, *PRIO_EXTENSION_FUNCTION_TABLE;

#endif /* RIO_INVALID_CQ */

/* The layouts the OS reads and writes must match, whichever header declared them. */
_Static_assert(sizeof(RIORESULT) == 24, "RIORESULT is 24 bytes");
_Static_assert(sizeof(SOCKADDR_INET) == 28, "SOCKADDR_INET is 28 bytes");
#ifdef _WIN64
_Static_assert(sizeof(RIO_BUF) == 16, "RIO_BUF is 16 bytes on x64");
_Static_assert(sizeof(RIO_EXTENSION_FUNCTION_TABLE) == 112, "the RIO table is 112 bytes on x64");
#endif
_Static_assert(SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER == 0xC8000024,
               "SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER is _WSAIORW(IOC_WS2, 36)");
_Static_assert(WSA_FLAG_REGISTERED_IO == 0x100, "WSA_FLAG_REGISTERED_IO is 0x100");
_Static_assert(RIO_MSG_DONT_NOTIFY == 0x1 && RIO_MSG_DEFER == 0x2 && RIO_MSG_WAITALL == 0x4 &&
                   RIO_MSG_COMMIT_ONLY == 0x8,
               "RIO's flag values are regio's REGIO_MSG_* values");

#endif /* REGIO_RIO_COMPAT_H */
