-- 05 — Notification through an IOCP-style port.
--
-- The other notification model: the CQ posts one packet (completion key, overlapped) to an I/O
-- completion port per RIONotify. Worker threads wait on the port (GetQueuedCompletionStatus);
-- the key tells them which CQ to dequeue. A packet you post yourself (key 0) tells them to stop.
-- Run: scripts/regio scripts/teach/05_iocp_port.lua

local regio = require "regio"
local lab = assert(regio.open{})
local buf = assert(lab:register(4096))
local a, b = assert(lab:tcp_pair())

local port = lab:iocp()
local cq = assert(lab:cq(8, { notify = "iocp", port = port, key = "rio-cq",
  overlapped = "cq-overlapped" }))
local rq = assert(lab:rq(a, { recv = 2, send = 1, cq = cq }))
assert(rq:receive(buf:slice(0, 100), 0, "receive 1"))
assert(rq:receive(buf:slice(100, 100), 0, "receive 2"))
assert(cq:notify())

b:write("work for the pool")
-- The "worker": wait on the port, find the CQ by its key, dequeue, re-arm, stop on key 0.
local stop_posted = false
while true do
  local key, overlapped = port:wait(1000)
  if key == nil then print("no packet within a second"); break end
  print("packet:", key, overlapped)
  if key == 0 then print("shutdown packet: the worker stops"); break end
  for _, r in ipairs(cq:dequeue()) do
    print("  completion:", regio.describe(r), buf:read(0, r.bytes))
  end
  assert(cq:notify())
  if not stop_posted then port:post(0, "shutdown"); stop_posted = true end
end
lab:close()
