-- 03 — Completion queues and RIODequeueCompletion.
--
-- A CQ holds results until you dequeue them, as many per call as you ask for. Two rules to see
-- here: results come out in batches of at most `max`, and an RQ slot is only given back when its
-- completion is *dequeued* — not when the I/O finishes.
-- Run: scripts/regio scripts/teach/03_completion_queues.lua

local regio = require "regio"
local lab = assert(regio.open{})
local buf = assert(lab:register(4096))
local a, b = assert(lab:tcp_pair())
local cq = assert(lab:cq(8))
local rq = assert(lab:rq(a, { recv = 1, send = 5, cq = cq, context = "sender" }))

-- Five sends of 4 bytes each.
buf:write(0, "ping")
for i = 1, 5 do assert(rq:send(buf:slice(0, 4), 0, "send " .. i)) end
b:read(20, 1000)
lab:poll(10)
print("queued in the CQ:", cq:queued())

-- Dequeue in batches of two: 2, 2, 1, then 0.
for round = 1, 4 do
  local batch = cq:dequeue(2)
  local names = {}
  for i, r in ipairs(batch) do names[i] = r.request end
  print(string.format("dequeue(2) #%d -> %d: %s", round, #batch, table.concat(names, ", ")))
end

-- The receive limit is 1: while the one receive's result sits in the CQ, its slot is taken.
assert(rq:receive(buf:slice(100, 10), 0, "first receive"))
b:write("x")
lab:poll(10)
print("a completion is queued:", cq:queued())
print("so a second receive is refused:", rq:receive(buf:slice(110, 10)))
print("dequeued:", regio.describe(cq:dequeue()))
print("and now the second receive is accepted:", rq:receive(buf:slice(110, 10), 0, "second"))
lab:close()
