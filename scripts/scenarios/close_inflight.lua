-- close_inflight — closing things while requests are still outstanding.
--
-- RIO promises one completion per accepted request. Closing a socket completes its pending
-- requests with WSA_OPERATION_ABORTED (regio: ECANCELED, 995), bytes 0, in posting order. A
-- buffer a pending request uses cannot be deregistered (EBUSY) until that completion is dequeued.
-- A closed CQ drops what arrives later. A peer's reset fails a pending receive with ECONNRESET.
--
-- Run: scripts/regio scripts/scenarios/close_inflight.lua

local regio = require "regio"
local scenario = require "regio.scenario"

local sc = scenario.new{ name = "close_inflight",
  story = "socket close cancels pending work, EBUSY buffers, closed CQs drop, resets fail "
    .. "receives" }

sc:run(function(lab)
  local buf = sc:must("register", lab:register(4096))
  local a, b = lab:tcp_pair()
  sc:must("tcp_pair", a, b)
  local cq = sc:must("cq", lab:cq(8))
  local rq = sc:must("rq", lab:rq(a, { recv = 4, send = 1, cq = cq, context = "doomed" }))

  sc:step("Four receives pending; the buffer they use cannot be deregistered")
  for i = 1, 4 do sc:must("receive", rq:receive(buf:slice(i * 16, 16), 0, "r" .. i)) end
  sc:say("in flight on the buffer: %d", buf:in_flight())
  local ok, message, name = buf:deregister()
  sc:refused("deregistering a buffer in use", "EBUSY", ok, message, name)
  sc:say("buf:deregister() -> nil, %s", tostring(name))

  sc:step("Close the socket: each pending receive completes once, ECANCELED, bytes 0")
  a:close()
  local results = scenario.collect(cq, 4, 2000)
  sc:equal(#results, 4, "completions after the close")
  local order = {}
  for i, r in ipairs(results) do
    order[i] = tostring(r.request)
    sc:equal(r.status, "ECANCELED", "status of " .. tostring(r.request))
    sc:equal(r.bytes, 0, "bytes of " .. tostring(r.request))
  end
  sc:equal(table.concat(order, ","), "r1,r2,r3,r4", "cancel order")
  sc:say("%s each ECANCELED (Winsock %d)", table.concat(order, " "), regio.wsa.ECANCELED)
  sc:equal(#cq:dequeue(), 0, "extra completions")
  ok, message, name = rq:receive(buf:slice(0, 16), 0, "after")
  sc:refused("a receive on the closed socket's RQ", "EINVAL", ok, message, name)
  sc:record("cancelled", table.concat(order, ",") .. " ECANCELED")

  sc:step("Once the completions are dequeued the buffer can be deregistered")
  sc:equal(buf:in_flight(), 0, "in flight after dequeue")
  sc:must("deregister", buf:deregister())
  sc:say("buf:deregister() -> true")
  b:close()

  sc:step("A closed CQ drops the completions that arrive after it")
  local buf2 = sc:must("register", lab:register(256))
  local c, d = lab:tcp_pair()
  sc:must("tcp_pair", c, d)
  local cq2 = sc:must("cq", lab:cq(4))
  local rq2 = sc:must("rq", lab:rq(c, { recv = 2, send = 1, cq = cq2 }))
  sc:must("receive", rq2:receive(buf2:slice(0, 8), 0, "dropped-1"))
  sc:must("receive", rq2:receive(buf2:slice(8, 8), 0, "dropped-2"))
  cq2:close()
  sc:must("peer write", d:write("late data"))
  lab:poll(50)
  local closed_ok = pcall(cq2.dequeue, cq2)
  sc:equal(closed_ok, false, "dequeue on a closed CQ raises")
  sc:say("the peer wrote after the close; nothing arrives, nothing crashes; stats %s",
    regio.describe(lab:stats()))
  c:close() d:close()
  sc:record("closed_cq", "dequeue raises")

  sc:step("A peer's reset fails a pending receive with ECONNRESET")
  local e, f = lab:tcp_pair()
  sc:must("tcp_pair", e, f)
  local cq3 = sc:must("cq", lab:cq(2))
  local rq3 = sc:must("rq", lab:rq(e, { recv = 1, send = 1, cq = cq3 }))
  sc:must("receive", rq3:receive(buf2:slice(100, 8), 0, "reset"))
  f:abort()
  local r = sc:must("reset completion", cq3:await(1, 2000)[1], "none within 2 s")
  sc:equal(r.status, "ECONNRESET", "status after the peer's RST")
  sc:say("the peer aborted: status=%s bytes=%d", tostring(r.status), r.bytes)
  sc:record("reset", tostring(r.status))

  sc:step("Closing the lab with a receive still pending is safe")
  sc:must("receive", rq3:receive(buf2:slice(100, 8), 0, "left behind"))
  sc:collect_traces() -- the trace of a closed lab is gone: take it first
  lab:close()
  sc:say("lab closed with one request outstanding")
end)
