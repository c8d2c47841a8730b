/*
 * bench-common.h — small helpers the C baselines and traffic generators share: clocks, CPU time,
 * argument parsing and loopback addresses. Header-only so that each program stays one file.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

/* Returns the monotonic clock in seconds. */
static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Returns the CPU time (user + system) this process has used, in seconds. */
static inline double bench_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Returns argument i as an unsigned number, or fallback when there are fewer arguments. */
static inline unsigned long bench_arg(int argc, char **argv, int i, unsigned long fallback) {
  return i < argc ? strtoul(argv[i], NULL, 0) : fallback;
}

/* Fills *sa with 127.0.0.1:port. */
static inline void bench_loopback(struct sockaddr_in *sa, unsigned port) {
  memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)port);
  sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* Returns the local port a socket is bound to. */
static inline unsigned bench_local_port(int fd) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  getsockname(fd, (struct sockaddr *)&sa, &len);
  return ntohs(sa.sin_port);
}

/* Prints a message with perror's detail and exits with status 2. */
static inline void bench_die(const char *what) {
  perror(what);
  exit(2);
}

#endif
