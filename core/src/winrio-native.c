/*
 * winrio-native.c — the winrio engine's native ops: the table through which the public
 * regio_buf_*, regio_cq_*, regio_port_* and regio_rq_* calls reach RIO directly (see
 * struct regio_native_ops in regio-int.h). The members live in winrio-buf.c, winrio-cq.c and
 * winrio-rq.c.
 */
#include "winrio-int.h"

const struct regio_native_ops winrio__native_ops = {
    .buf_register = winrio__buf_register,
    .buf_deregister = winrio__buf_deregister,
    .buf_release = winrio__buf_release,
    .buf_in_flight = winrio__buf_in_flight,
    .buf_length = winrio__buf_length,
    .port_create = winrio__port_create,
    .port_wait = winrio__port_wait,
    .port_post = winrio__port_post,
    .port_pending = winrio__port_pending,
    .port_close = winrio__port_close,
    .cq_create = winrio__cq_create,
    .cq_resize = winrio__cq_resize,
    .cq_close = winrio__cq_close,
    .cq_notify = winrio__cq_notify,
    .cq_dequeue = winrio__cq_dequeue,
    .cq_wait = winrio__cq_wait,
    .cq_event_set = winrio__cq_event_set,
    .cq_event_reset = winrio__cq_event_reset,
    .cq_event_state = winrio__cq_event_state,
    .cq_size = winrio__cq_size,
    .cq_queued = winrio__cq_queued,
    .cq_reserved = winrio__cq_reserved,
    .cq_armed = winrio__cq_armed,
    .cq_kind = winrio__cq_kind,
    .rq_create = winrio__rq_create,
    .rq_resize = winrio__rq_resize,
    .rq_submit = winrio__rq_submit,
    .rq_commit = winrio__rq_commit,
    .rq_limit = winrio__rq_limit,
    .rq_charged = winrio__rq_charged,
    .rq_deferred = winrio__rq_deferred,
    .rq_usable = winrio__rq_usable,
    .sock_rq = winrio__sock_rq,
    .lab_stats = winrio__lab_stats,
};
