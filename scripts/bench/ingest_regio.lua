-- ingest_regio.lua — B1's regio side: Holgate's UDP ingest server, written against regio's API.
--
--   ingest_regio.lua ENGINE DESIGN SIZE [DEPTH]
--
-- DESIGN is one of the seed's RIO designs:
--   polled  a polled CQ, dequeued in a spin (RIO polled);
--   event   an event CQ: notify, wait on the event, dequeue (RIO event-driven);
--   iocp    a CQ that notifies an IOCP-style port: notify, wait on the port, dequeue (RIO + IOCP).
-- Every design registers one slab cut into DEPTH (default 4096) slices of SIZE bytes, posts a
-- receive on every slice up front (a deep receive queue), dequeues in batches of up to 1000 and
-- re-posts each slice once its datagram is counted. A datagram of another length that starts
-- with "STOP <port>" ends the run: the server answers "DONE" to 127.0.0.1:<port> and prints
-- "received=N seconds=S cpu=C" (first datagram to stop datagram; C is the process's CPU seconds
-- over the same span, from os.clock). It prints "skip=<reason>" when the engine is unavailable.
local regio = require "regio"

local engine, design = arg[1] or "poll", arg[2] or "polled"
local size, depth = tonumber(arg[3] or 1024), tonumber(arg[4] or 4096)
local BATCH, IDLE_MS = 1000, 5000

-- The helper beside this script opens the lab, or prints why the engine cannot be measured.
package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local lab = require("wallclock_lab")(regio, engine)
if not lab then return end
local sock = assert(lab:udp("127.0.0.1", 0))
local port, cq
if design == "polled" then
  cq = assert(lab:cq(depth))
elseif design == "event" then
  cq = assert(lab:cq(depth, { notify = "event", reset = true }))
elseif design == "iocp" then
  port = lab:iocp()
  cq = assert(lab:cq(depth, { notify = "iocp", port = port, key = "cq", overlapped = 1 }))
else
  error("unknown design " .. design)
end
local rq = assert(lab:rq(sock, { recv = depth, cq = cq }))
local slab = assert(lab:register(depth * size))
local slices = {}
for i = 1, depth do
  slices[i] = slab:slice((i - 1) * size, size)
  assert(rq:receive(slices[i], 0, i))
end

-- Waits until the CQ may have completions; returns false after IDLE_MS with nothing.
local function wait_for_completions()
  if design == "polled" then return true end
  local ok, e = cq:notify()
  if not ok and e and not e:find("EALREADY") then error(e) end
  if design == "event" then return cq:wait(IDLE_MS) end
  return port:wait(IDLE_MS) ~= nil
end

print("READY " .. sock:port())
io.stdout:flush()

local received, t0, c0 = 0, nil, nil
local idle_since = lab:now()
local answered_to
while true do
  local results = cq:dequeue(BATCH)
  local n = #results
  if n == 0 then
    if design == "polled" and lab:now() - idle_since > IDLE_MS then break end
    if not wait_for_completions() then break end
  else
    if not t0 then t0, c0 = lab:now(), os.clock() end
    idle_since = lab:now()
    for k = 1, n do
      local r = results[k]
      local i = r.request
      if r.bytes ~= size and r.status == 0 then
        local text = slab:read((i - 1) * size, r.bytes)
        local reply = text:match("^STOP (%d+)")
        if reply then
          answered_to = tonumber(reply)
          break
        end
      end
      received = received + 1
      rq:receive(slices[i], 0, i)
    end
    if answered_to then break end
  end
end
local seconds = t0 and (lab:now() - t0) / 1000 or 0
local cpu = c0 and os.clock() - c0 or 0
if answered_to then sock:sendto("DONE", "127.0.0.1", answered_to) end
print(string.format("received=%d seconds=%.6f cpu=%.6f%s", received, seconds, cpu,
                    answered_to and "" or " timeout=1"))
lab:close()
