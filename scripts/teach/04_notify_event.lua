-- 04 — Notification with an event (RIONotify).
--
-- Instead of polling, a CQ can signal an event. The pattern from the seed article: RIONotify,
-- wait on the event, dequeue, process, RIONotify again. Each RIONotify arms one signal only.
-- With NotifyReset (reset = true) RIONotify itself resets the event.
-- Run: scripts/regio scripts/teach/04_notify_event.lua

local regio = require "regio"
local lab = assert(regio.open{})
local buf = assert(lab:register(4096))
local a, b = assert(lab:tcp_pair())
local cq = assert(lab:cq(8, { notify = "event", reset = true }))
local rq = assert(lab:rq(a, { recv = 4, send = 1, cq = cq, context = "evt" }))

for i = 1, 4 do assert(rq:receive(buf:slice(i * 64, 64), 0, "receive " .. i)) end

-- Arm, then arming again before it fired is WSAEALREADY.
assert(cq:notify())
print("second notify:", cq:notify())

-- The peer sends three messages; we loop: wait, dequeue everything, re-arm.
for round = 1, 3 do
  b:write("message " .. round)
  if cq:wait(1000) then
    local results = cq:dequeue()
    for _, r in ipairs(results) do
      print(string.format("round %d: %s -> %q", round, r.request,
        buf:read(tonumber(r.request:match("%d+")) * 64, r.bytes)))
    end
    assert(cq:notify()) -- re-arm for the next completion
  end
end
lab:close()
