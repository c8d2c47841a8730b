/*
 * poll-addr.c — socket addresses for the poll engine: resolving host strings, printing addresses,
 * and converting to and from the Windows SOCKADDR_INET layout that RIO's Ex calls use.
 */
#include "poll-int.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>

/* The SOCKADDR_INET layout: family (u16, little-endian) at 0, then sockaddr_in / sockaddr_in6. */
#define WIN_OFF_PORT 2
#define WIN_OFF_ADDR4 4
#define WIN_OFF_FLOW 4
#define WIN_OFF_ADDR6 8
#define WIN_OFF_SCOPE 24

int regio__poll_af(int family) { return family == 6 ? AF_INET6 : AF_INET; }

int regio__poll_family(int af) { return af == AF_INET6 ? 6 : 4; }

/* Stores an IPv4 address, as AF_INET or, when want is AF_INET6, as an IPv4-mapped address. */
static void set_v4(poll_addr *out, const struct in_addr *a, uint16_t port, int want) {
  memset(out, 0, sizeof(*out));
  if (want == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    s6->sin6_addr.s6_addr[10] = 0xff;
    s6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&s6->sin6_addr.s6_addr[12], a, 4);
    out->len = sizeof(*s6);
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    s4->sin_addr = *a;
    out->len = sizeof(*s4);
  }
}

/* Stores an IPv6 address with its scope id. */
static void set_v6(poll_addr *out, const struct in6_addr *a, uint32_t scope, uint16_t port) {
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
  memset(out, 0, sizeof(*out));
  s6->sin6_family = AF_INET6;
  s6->sin6_port = htons(port);
  s6->sin6_addr = *a;
  s6->sin6_scope_id = scope;
  out->len = sizeof(*s6);
}

/* Resolves a name (or a scoped IPv6 literal) through getaddrinfo. */
static int resolve_name(const char *host, uint16_t port, int family, poll_addr *out) {
  struct addrinfo hints, *res = NULL, *ai, *pick = NULL;
  int rc;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family == AF_INET ? AF_INET : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) return REGIO_EADDRNOTAVAIL;
  /* Take the first answer of the wanted family. Without one, prefer IPv4 so that "localhost"
     names the same loopback address as "127.0.0.1" does whatever order the resolver uses; for
     AF_INET6, fall back on an IPv4 answer (mapped). */
  for (ai = res; ai != NULL && pick == NULL; ai = ai->ai_next) {
    if (ai->ai_family == (family == AF_UNSPEC ? AF_INET : family)) pick = ai;
  }
  for (ai = res; ai != NULL && pick == NULL; ai = ai->ai_next) {
    if (family == AF_UNSPEC || (family == AF_INET6 && ai->ai_family == AF_INET)) pick = ai;
  }
  rc = REGIO_EAFNOSUPPORT;
  if (pick != NULL && pick->ai_family == AF_INET) {
    set_v4(out, &((const struct sockaddr_in *)pick->ai_addr)->sin_addr, port, family);
    rc = 0;
  } else if (pick != NULL && pick->ai_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)pick->ai_addr;
    set_v6(out, &s6->sin6_addr, s6->sin6_scope_id, port);
    rc = 0;
  }
  freeaddrinfo(res);
  return rc;
}

int regio__poll_resolve(const char *host, uint16_t port, int family, poll_addr *out) {
  struct in_addr a4;
  struct in6_addr a6;
  if (host == NULL || host[0] == '\0' || strcmp(host, "*") == 0) {
    if (family == AF_INET6) {
      set_v6(out, &in6addr_any, 0, port);
    } else {
      a4.s_addr = htonl(INADDR_ANY);
      set_v4(out, &a4, port, AF_INET);
    }
    return 0;
  }
  if (inet_pton(AF_INET, host, &a4) == 1) {
    set_v4(out, &a4, port, family);
    return 0;
  }
  if (inet_pton(AF_INET6, host, &a6) == 1) {
    if (family == AF_INET) return REGIO_EAFNOSUPPORT;
    set_v6(out, &a6, 0, port);
    return 0;
  }
  return resolve_name(host, port, family, out);
}

int regio__poll_addr_print(const struct sockaddr *sa, regio_addr *out) {
  memset(out, 0, sizeof(*out));
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    out->family = 4;
    out->port = ntohs(s4->sin_port);
    inet_ntop(AF_INET, &s4->sin_addr, out->host, sizeof(out->host));
    return 0;
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    out->port = ntohs(s6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
      /* A dual-stack socket talking to an IPv4 peer: show the peer as the IPv4 host it is. */
      out->family = 4;
      inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out->host, sizeof(out->host));
    } else {
      out->family = 6;
      inet_ntop(AF_INET6, &s6->sin6_addr, out->host, sizeof(out->host));
    }
    return 0;
  }
  return REGIO_EAFNOSUPPORT;
}

static void put_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v & 0xff);
  p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v) {
  put_le16(p, (uint16_t)(v & 0xffff));
  put_le16(p + 2, (uint16_t)(v >> 16));
}

void regio__poll_addr_to_win(const struct sockaddr *sa, uint8_t *dst) {
  memset(dst, 0, REGIO_SOCKADDR_INET_SIZE);
  if (sa == NULL) return;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    put_le16(dst, POLL_WIN_AF_INET);
    memcpy(dst + WIN_OFF_PORT, &s4->sin_port, 2);
    memcpy(dst + WIN_OFF_ADDR4, &s4->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    put_le16(dst, POLL_WIN_AF_INET6);
    memcpy(dst + WIN_OFF_PORT, &s6->sin6_port, 2);
    memcpy(dst + WIN_OFF_FLOW, &s6->sin6_flowinfo, 4);
    memcpy(dst + WIN_OFF_ADDR6, &s6->sin6_addr, 16);
    put_le32(dst + WIN_OFF_SCOPE, s6->sin6_scope_id);
  }
}

int regio__poll_addr_from_win(const uint8_t *src, int sock_family, poll_addr *out) {
  uint16_t fam = (uint16_t)(src[0] | (src[1] << 8));
  uint16_t port_be;
  memcpy(&port_be, src + WIN_OFF_PORT, 2);
  if (fam == POLL_WIN_AF_INET) {
    struct in_addr a4;
    memcpy(&a4, src + WIN_OFF_ADDR4, 4);
    set_v4(out, &a4, ntohs(port_be), sock_family);
    return 0;
  }
  if (fam == POLL_WIN_AF_INET6 && sock_family == AF_INET6) {
    struct in6_addr a6;
    struct sockaddr_in6 *s6;
    uint32_t scope = (uint32_t)src[WIN_OFF_SCOPE] | ((uint32_t)src[WIN_OFF_SCOPE + 1] << 8) |
                     ((uint32_t)src[WIN_OFF_SCOPE + 2] << 16) |
                     ((uint32_t)src[WIN_OFF_SCOPE + 3] << 24);
    memcpy(&a6, src + WIN_OFF_ADDR6, 16);
    set_v6(out, &a6, scope, ntohs(port_be));
    s6 = (struct sockaddr_in6 *)&out->ss;
    memcpy(&s6->sin6_flowinfo, src + WIN_OFF_FLOW, 4);
    return 0;
  }
  return REGIO_EAFNOSUPPORT;
}
