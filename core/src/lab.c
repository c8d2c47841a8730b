/*
 * lab.c — a lab: one engine instance, its profile, and everything opened on it. Opening picks
 * the engine; closing tears everything down in the order that keeps RIO's promise of exactly one
 * completion per accepted request (sockets first, then CQs, then ports and buffers).
 */
#include "regio-int.h"

#include <stdlib.h>

static int profile_parse(const char *name, regio_profile *out) {
  if (name == NULL || regio__streq(name, "windows")) *out = REGIO_PROFILE_WINDOWS;
  else if (regio__streq(name, "extended")) *out = REGIO_PROFILE_EXTENDED;
  else if (regio__streq(name, "preview")) *out = REGIO_PROFILE_PREVIEW;
  else return REGIO_EINVAL;
  return 0;
}

int regio_lab_open(regio_lab **out, const char *engine, const char *profile, uint64_t seed) {
  const regio_engine_ops *ops = NULL;
  regio_profile prof;
  regio_lab *lab;
  int rc;
  if (out == NULL) return REGIO_EINVAL;
  if ((rc = profile_parse(profile, &prof)) != 0) return rc;
  if ((rc = regio__engine_find(engine, &ops)) != 0) return rc;
  lab = regio__calloc(1, sizeof(*lab));
  if (lab == NULL) return REGIO_ENOMEM;
  lab->ops = ops;
  lab->profile = prof;
  lab->seed = seed;
  if ((rc = ops->lab_init(lab)) != 0) {
    regio__free(lab);
    return rc;
  }
  *out = lab;
  return 0;
}

void regio_lab_close(regio_lab *lab) {
  if (lab == NULL) return;
  lab->closing = true;
  /* Sockets: outstanding requests complete with ECANCELED into their CQs. A socket with charged
     requests stays in the list, closed, until those are released below. */
  for (;;) {
    regio_sock *s = lab->socks;
    while (s && s->closed) s = s->next;
    if (s == NULL) break;
    regio_sock_close(s);
  }
  /* CQs: every queued result is dropped through the release hook, which frees the sockets. */
  for (;;) {
    regio_cq *cq = lab->cqs;
    while (cq && cq->closed) cq = cq->next;
    if (cq == NULL) break;
    regio_cq_close(cq);
  }
  for (;;) {
    regio_port *p = lab->ports;
    while (p && p->closed) p = p->next;
    if (p == NULL) break;
    regio_port_close(p);
  }
  lab->ops->lab_close(lab);
  regio__buf_free_all(lab);
  regio__req_free_list(lab);
  regio__trace_free(lab);
  regio__free(lab);
}

const char *regio_lab_engine(const regio_lab *lab) { return lab->ops->name; }

const char *regio_lab_profile(const regio_lab *lab) {
  switch (lab->profile) {
  case REGIO_PROFILE_WINDOWS: return "windows";
  case REGIO_PROFILE_EXTENDED: return "extended";
  case REGIO_PROFILE_PREVIEW: return "preview";
  }
  return "windows";
}

void regio_lab_caps(const regio_lab *lab, regio_caps *caps) { lab->ops->caps(lab, caps); }

int regio_lab_poll(regio_lab *lab, int timeout_ms) {
  if (timeout_ms < 0) return REGIO_EINVAL;
  return lab->ops->poll(lab, timeout_ms, NULL, 0);
}

uint64_t regio_lab_now(regio_lab *lab) { return lab->ops->now(lab); }

void regio_lab_on_release(regio_lab *lab, void (*fn)(void *ud, const regio_result *r), void *ud) {
  lab->release_fn = fn;
  lab->release_ud = ud;
}

void regio_lab_stats_get(const regio_lab *lab, regio_lab_stats *st) {
  if (REGIO_NATIVE(lab)) {
    REGIO_NATIVE(lab)->lab_stats(lab, st);
    return;
  }
  const regio_sock *s;
  const regio_cq *cq;
  const regio_port *p;
  st->sockets = st->cqs = st->ports = 0;
  for (s = lab->socks; s; s = s->next) st->sockets += s->closed ? 0 : 1;
  for (cq = lab->cqs; cq; cq = cq->next) st->cqs += cq->closed ? 0 : 1;
  for (p = lab->ports; p; p = p->next) st->ports += p->closed ? 0 : 1;
  st->buffers = lab->live_bufs;
  st->requests = lab->live_reqs;
}
