-- queue_resizing — completion-queue capacity and resizing, as RIO accounts for it.
--
-- Every RQ reserves room in its CQ for all the requests it may have outstanding, so a CQ can never
-- overflow. The story: four RQs fill a CQ of 8 exactly; a fifth is refused (ENOBUFS); the CQ grows
-- to 16 with completions still queued (they survive); shrinking below what is reserved or queued
-- is refused (ETOOMANYREFS); an RQ grows into the room its CQ has left, and cannot shrink below
-- the requests it has charged.
--
-- Run: scripts/regio scripts/scenarios/queue_resizing.lua

local regio = require "regio"
local scenario = require "regio.scenario"

local sc = scenario.new{ name = "queue_resizing",
  story = "RQs fill a CQ exactly, ENOBUFS one past it, CQ and RQ growth, refused shrinks" }

sc:run(function(lab)
  local buf = sc:must("register", lab:register(4096))
  local cq = sc:must("cq", lab:cq(8))
  local pairs_, rqs = {}, {}

  sc:step("Four RQs of (1 receive, 1 send) share one CQ of size 8")
  for i = 1, 4 do
    local a, b = lab:tcp_pair()
    sc:must("tcp_pair", a, b)
    pairs_[i] = { a = a, b = b }
    rqs[i] = sc:must("rq " .. i, lab:rq(a, { recv = 1, send = 1, cq = cq, context = "conn-" .. i }))
    sc:say("rq %d created: the CQ has reserved %d of %d", i, cq:reserved(), cq:size())
  end
  sc:equal(cq:reserved(), 8, "reserved after four RQs")

  sc:step("A fifth RQ needs 2 more slots: RIOCreateRequestQueue fails with ENOBUFS")
  local a5, b5 = lab:tcp_pair()
  sc:must("tcp_pair", a5, b5)
  local ok, message, name = lab:rq(a5, { recv = 1, send = 1, cq = cq, context = "conn-5" })
  sc:refused("the fifth RQ", "ENOBUFS", ok, message, name)
  sc:say("lab:rq -> nil, %s", tostring(message))
  sc:record("fifth_rq", name or "accepted")

  sc:step("Three receives complete and stay queued; the CQ grows from 8 to 16")
  for i = 1, 3 do
    sc:must("receive", rqs[i]:receive(buf:slice(i * 16, 16), 0, "recv-" .. i))
    sc:must("peer write", pairs_[i].b:write("data " .. i))
  end
  for _ = 1, 200 do
    if cq:queued() >= 3 then break end
    lab:poll(10)
  end
  sc:equal(cq:queued(), 3, "completions queued before the resize")
  sc:must("resize to 16", cq:resize(16))
  sc:say("RIOResizeCompletionQueue(16) -> true; size=%d queued=%d", cq:size(), cq:queued())
  sc:equal(cq:queued(), 3, "completions queued after the resize")
  local rq5 = sc:must("the fifth RQ, now that there is room",
    lab:rq(a5, { recv = 1, send = 1, cq = cq, context = "conn-5" }))
  sc:say("the fifth RQ fits now: reserved %d of %d", cq:reserved(), cq:size())
  local results = cq:dequeue(16)
  local seen = {}
  for _, r in ipairs(results) do seen[#seen + 1] = tostring(r.request) end
  table.sort(seen)
  sc:equal(table.concat(seen, ","), "recv-1,recv-2,recv-3", "completions kept by the resize")
  sc:record("kept_by_growth", #results)

  sc:step("Shrinking is refused below the reservations; sizes 0 and above the maximum are invalid")
  local refusals = {}
  for _, size in ipairs({ 9, 4 }) do
    ok, message, name = cq:resize(size)
    sc:refused("resize to " .. size, "ETOOMANYREFS", ok, message, name)
    sc:say("resize(%d) with %d reserved -> nil, %s", size, cq:reserved(), tostring(name))
    refusals[#refusals + 1] = tostring(name)
  end
  ok, message, name = cq:resize(0)
  sc:refused("resize to 0", "EINVAL", ok, message, name)
  refusals[#refusals + 1] = tostring(name)
  ok, message, name = cq:resize(regio.MAX_CQ_SIZE + 1)
  sc:refused("resize above MAX_CQ_SIZE", "EINVAL", ok, message, name)
  refusals[#refusals + 1] = tostring(name)
  sc:must("resize to exactly the reservations", cq:resize(10))
  sc:say("resize(10), exactly what is reserved -> true")
  sc:record("cq_shrinks", table.concat(refusals, ","))

  sc:step("An RQ grows into its CQ's free room and cannot shrink below what it has charged")
  local small_cq = sc:must("cq", lab:cq(4))
  local c, d = lab:tcp_pair()
  sc:must("tcp_pair", c, d)
  local rq = sc:must("rq", lab:rq(c, { recv = 2, send = 1, cq = small_cq, context = "grower" }))
  sc:must("receive 1", rq:receive(buf:slice(200, 8), 0, "g1"))
  sc:must("receive 2", rq:receive(buf:slice(208, 8), 0, "g2"))
  ok, message, name = rq:receive(buf:slice(216, 8), 0, "g3")
  sc:refused("a third receive on a limit of 2", "ENOBUFS", ok, message, name)
  ok, message, name = rq:resize(1, 1)
  sc:refused("shrinking the receive limit below 2 charged", "ETOOMANYREFS", ok, message, name)
  sc:say("rq:resize(1, 1) with 2 receives charged -> nil, %s", tostring(name))
  ok, message, name = rq:resize(4, 1)
  sc:refused("growing to 4+1 on a CQ of 4", "ENOBUFS", ok, message, name)
  sc:say("rq:resize(4, 1) needs 5 slots of a CQ of 4 -> nil, %s", tostring(name))
  sc:must("grow to 3 receives", rq:resize(3, 1))
  sc:say("rq:resize(3, 1) -> true: the CQ has reserved %d of %d", small_cq:reserved(),
    small_cq:size())
  sc:must("the third receive, after growth", rq:receive(buf:slice(216, 8), 0, "g3"))
  sc:record("rq_resize", "shrink=ETOOMANYREFS grow_past_cq=ENOBUFS grow=ok")
  sc:equal(rq5 ~= nil, true, "fifth rq")
end)
