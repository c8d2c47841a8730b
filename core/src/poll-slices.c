/*
 * poll-slices.c — a request's slices as the poll engine sees them: iovecs over the data slices,
 * and the extra output slices of RIOReceiveEx (addresses, flags word, control buffer).
 */
#include "poll-int.h"

#include <string.h>

int regio__poll_iov(const regio_lab *lab, const regio_req *req, uint32_t skip, struct iovec *iov) {
  uint32_t i, n = req->nslices;
  int used = 0;
  if (n > REGIO_MAX_SLICES) n = REGIO_MAX_SLICES;
  for (i = 0; i < n; i++) {
    const regio_slice *s = &req->slices[i];
    if (skip >= s->length) {
      skip -= s->length;
      continue;
    }
    iov[used].iov_base = regio__slice_ptr(lab, s) + skip;
    iov[used].iov_len = s->length - skip;
    used++;
    skip = 0;
  }
  return used;
}

uint32_t regio__poll_total(const regio_req *req) {
  uint32_t i, total = 0;
  for (i = 0; i < req->nslices; i++) total += req->slices[i].length;
  return total;
}

/* Writes v little-endian into the first min(len, 4) bytes at p. */
static void put_le32_clipped(uint8_t *p, uint32_t len, uint32_t v) {
  uint32_t i;
  for (i = 0; i < len && i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void regio__poll_fill_ex(const regio_lab *lab, const regio_req *req, const struct sockaddr *remote,
                         const struct sockaddr *local, uint32_t win_flags) {
  if (req->has_remote) regio__poll_addr_to_win(remote, regio__slice_ptr(lab, &req->remote));
  if (req->has_local) regio__poll_addr_to_win(local, regio__slice_ptr(lab, &req->local));
  if (req->has_flags) {
    put_le32_clipped(regio__slice_ptr(lab, &req->flagsbuf), req->flagsbuf.length, win_flags);
  }
  if (req->has_control) {
    /* An empty RIO_CMSG_BUFFER: TotalLength covers the header alone, no WSACMSGHDR follows. */
    uint8_t *p = regio__slice_ptr(lab, &req->control);
    memset(p, 0, req->control.length);
    put_le32_clipped(p, req->control.length, POLL_WIN_CMSG_BASE);
  }
}
