-- 08 — Sizing and resizing queues.
--
-- Every RQ reserves room in its CQ for all the requests it may have outstanding, so a CQ can
-- never overflow. When more sockets come, grow the CQ (RIOResizeCompletionQueue); when a socket
-- needs more requests in flight, grow its RQ (RIOResizeRequestQueue). Shrinking below what is in
-- use is refused with WSAETOOMANYREFS.
-- Run: scripts/regio scripts/teach/08_resizing.lua

local regio = require "regio"
local lab = assert(regio.open{})
local cq = assert(lab:cq(4))

local a1 = assert(lab:tcp_pair())
local rq1 = assert(lab:rq(a1, { recv = 2, send = 2, cq = cq }))
print(string.format("cq size %d, reserved %d", cq:size(), cq:reserved()))

local a2 = assert(lab:tcp_pair())
print("a second RQ does not fit:", lab:rq(a2, { recv = 2, send = 2, cq = cq }))

assert(cq:resize(8))
local rq2 = assert(lab:rq(a2, { recv = 2, send = 2, cq = cq }))
print(string.format("after resize(8): reserved %d of %d", cq:reserved(), cq:size()))
print("shrinking to 6:", cq:resize(6))

-- Growing an RQ needs room in its CQ; make room first.
print("rq1 to 4 receives:", rq1:resize(4, 2))
assert(cq:resize(10))
print("after growing the CQ to 10:", rq1:resize(4, 2), "limit now", rq1:limit("receive"))
print("rq2 unchanged:", rq2:limit("receive"), rq2:limit("send"))
lab:close()
