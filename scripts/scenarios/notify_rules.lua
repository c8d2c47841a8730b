-- notify_rules — RIONotify's one-shot rules with an event and with an IOCP-style port.
--
-- RIONotify arms one notification. A second one before it fired is EALREADY. Arming when a
-- notifiable completion is already queued fires at once (so "drain, then re-arm" loses no
-- wake-up). Completions posted with RIO_MSG_DONT_NOTIFY never fire it but are still dequeued.
-- With NotifyReset the call itself resets the event. An IOCP CQ posts one (key, overlapped)
-- packet per arm. A polled CQ cannot be armed (EINVAL).
--
-- Run: scripts/regio scripts/scenarios/notify_rules.lua

local regio = require "regio"
local scenario = require "regio.scenario"

local sc = scenario.new{ name = "notify_rules",
  story = "event and IOCP notification: one-shot, EALREADY, arm-time check, DONT_NOTIFY, "
    .. "re-arm race" }

sc:run(function(lab)
  local buf = sc:must("register", lab:register(4096))
  local a, b = lab:tcp_pair()
  sc:must("tcp_pair", a, b)
  local cq = sc:must("cq", lab:cq(8, { notify = "event", reset = true }))
  local rq = sc:must("rq", lab:rq(a, { recv = 2, send = 4, cq = cq, context = "evt" }))
  buf:write(0, "ping")
  local sends = 0
  -- Posts a 4-byte send (flags as given) and lets the peer drain it.
  local function send(flags, ctx)
    sc:must("send", rq:send(buf:slice(0, 4), flags, ctx))
    sends = sends + 1
    sc:must("peer read", b:read(4, 2000))
  end
  -- Waits until the CQ holds n results without dequeuing any.
  local function settle(n)
    for _ = 1, 200 do
      if cq:queued() >= n then return end
      lab:poll(5)
    end
  end

  sc:step("Arm once; arming again before it fires is EALREADY")
  sc:must("notify", cq:notify())
  local ok, message, name = cq:notify()
  sc:refused("a second notify", "EALREADY", ok, message, name)
  sc:say("notify() -> true, notify() -> nil, %s (WSAEALREADY = %d)", tostring(name),
    regio.wsa.EALREADY)

  sc:step("One-shot: two completions, one signal")
  send(0, "n1")
  send(0, "n2")
  settle(2)
  sc:equal(cq:wait(2000), true, "the event signalled")
  sc:equal(cq:armed(), false, "armed after the fire")
  local got = cq:dequeue()
  sc:equal(#got, 2, "completions behind the one signal")
  sc:must("re-arm", cq:notify())
  sc:equal(cq:event(), false, "event right after re-arming an empty CQ (NotifyReset)")
  sc:say("one fire for two completions; re-armed, the event is clear again")

  sc:step("DONT_NOTIFY completions never fire, but are dequeued")
  send(regio.MSG_DONT_NOTIFY, "quiet")
  settle(1)
  sc:equal(cq:event(), false, "event after a DONT_NOTIFY completion")
  sc:equal(cq:armed(), true, "still armed")
  local quiet = cq:dequeue()
  sc:equal(#quiet == 1 and quiet[1].request, "quiet", "the DONT_NOTIFY completion dequeued")
  send(regio.MSG_DONT_NOTIFY, "quiet-2")
  settle(1)
  sc:equal(cq:event(), false, "event with only DONT_NOTIFY entries queued")
  send(0, "loud")
  sc:equal(cq:wait(2000), true, "the next normal completion signals")
  sc:equal(#cq:dequeue(), 2, "quiet-2 and loud dequeued together")
  sc:say("DONT_NOTIFY stayed silent; the next normal completion fired")
  sc:record("dont_notify", "silent, dequeued")

  sc:step("The re-arm race: a completion lands between the last dequeue and RIONotify")
  sc:equal(#cq:dequeue(), 0, "the CQ is drained")
  send(0, "racer")
  settle(1)
  sc:say("a completion is queued while nothing is armed ...")
  sc:must("notify", cq:notify())
  sc:equal(cq:event(), true, "the event right after arming with work queued")
  sc:say("... RIONotify sees it and fires at once: no lost wake-up")
  sc:equal(#cq:dequeue(), 1, "the racer dequeued")
  sc:record("arm_with_work", "fires at once")

  sc:step("NotifyReset: reset=true clears a stale signal, reset=false leaves it")
  cq:set_event()
  sc:must("notify", cq:notify())
  sc:equal(cq:event(), false, "stale signal after notify with reset=true")
  local cq_manual = sc:must("cq", lab:cq(2, { notify = "event", reset = false }))
  cq_manual:set_event()
  sc:must("notify", cq_manual:notify())
  sc:equal(cq_manual:event(), true, "stale signal after notify with reset=false")
  sc:say("reset=true: cleared; reset=false: the application must ResetEvent itself")

  sc:step("IOCP-style: one (key, overlapped) packet per arm")
  local port = lab:iocp()
  local icq = sc:must("iocp cq", lab:cq(4, { notify = "iocp", port = port, key = "rio-cq",
    overlapped = "ov-1" }))
  local c, d = lab:tcp_pair()
  sc:must("tcp_pair", c, d)
  local irq = sc:must("rq", lab:rq(c, { send = 4, cq = icq }))
  sc:must("notify", icq:notify())
  sc:must("send", irq:send(buf:slice(0, 4), 0, "i1"))
  sc:must("send", irq:send(buf:slice(0, 4), 0, "i2"))
  sc:must("peer read", d:read(8, 2000))
  local key, ov = port:wait(2000)
  sc:equal(key, "rio-cq", "packet key")
  sc:equal(ov, "ov-1", "packet overlapped")
  local none, _, timeout = port:wait(100)
  sc:equal(none == nil and timeout, "ETIMEDOUT", "a second packet without re-arming")
  sc:equal(#icq:dequeue(), 2, "completions behind the packet")
  port:post(0, "shutdown")
  local k2, ov2 = port:wait(1000)
  sc:equal(tostring(k2) .. "/" .. tostring(ov2), "0/shutdown", "a posted shutdown packet")
  sc:say("one packet (%s, %s) for two completions; key 0 from post() ends a worker", key, ov)
  sc:record("iocp", "one packet per arm")

  sc:step("A polled CQ cannot be armed")
  local polled = sc:must("cq", lab:cq(2))
  ok, message, name = polled:notify()
  sc:refused("notify on a polled CQ", "EINVAL", ok, message, name)
  sc:record("polled_notify", tostring(name))
end)
