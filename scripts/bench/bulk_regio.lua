-- bulk_regio.lua — B3's regio side: one TCP stream received into 64 KiB registered slices.
--
--   bulk_regio.lua ENGINE [DEPTH]
--
-- Listens on 127.0.0.1:0 and prints "READY <port>", accepts one connection, registers one slab
-- of DEPTH (default 8) slices of 64 KiB, keeps a receive posted on every slice (event CQ, batched
-- dequeue) and counts bytes until EOF; then closes and prints "received=BYTES seconds=S cpu=C"
-- (from the accept to EOF).
local regio = require "regio"

local engine, depth = arg[1] or "poll", tonumber(arg[2] or 8)
local SLICE = 65536

-- The helper beside this script opens the lab, or prints why the engine cannot be measured.
package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local lab = require("wallclock_lab")(regio, engine)
if not lab then return end
local listener = assert(lab:listen("127.0.0.1", 0))
print("READY " .. listener:port())
io.stdout:flush()
local sock = assert(listener:accept(10000))
local t0, c0 = lab:now(), os.clock()
local cq = assert(lab:cq(depth, { notify = "event", reset = true }))
local rq = assert(lab:rq(sock, { recv = depth, cq = cq }))
local slab = assert(lab:register(depth * SLICE))
local slices = {}
for i = 1, depth do
  slices[i] = slab:slice((i - 1) * SLICE, SLICE)
  assert(rq:receive(slices[i], 0, i))
end

local bytes, eof = 0, false
while not eof do
  local results = cq:dequeue(depth)
  local n = #results
  if n == 0 then
    cq:notify()
    if not cq:wait(10000) then break end
  end
  for k = 1, n do
    local r = results[k]
    if r.status ~= 0 or r.bytes == 0 then
      eof = true
    else
      bytes = bytes + r.bytes
      if not eof then rq:receive(slices[r.request], 0, r.request) end
    end
  end
end
local seconds, cpu = (lab:now() - t0) / 1000, os.clock() - c0
sock:close()
print(string.format("received=%d seconds=%.6f cpu=%.6f", bytes, seconds, cpu))
lab:close()
