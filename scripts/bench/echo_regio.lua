-- echo_regio.lua — B2's regio side: a TCP echo server driven by one event CQ.
--
--   echo_regio.lua ENGINE CONNS [MSG]
--
-- Listens on 127.0.0.1:0 and prints "READY <port>", accepts CONNS connections, gives each an RQ
-- (one receive, one send) on one shared CQ with event notification, and a 4 KiB slice of one
-- registered slab. Each connection runs receive -> send the bytes back -> receive again. When
-- every connection has reached EOF it prints "served=N cpu=C" (receives echoed, CPU seconds).
local regio = require "regio"

local engine, nconns, msg = arg[1] or "poll", tonumber(arg[2] or 1), tonumber(arg[3] or 64)
local SLOT, RECV, SEND = 4096, 1, 2

-- The helper beside this script opens the lab, or prints why the engine cannot be measured.
package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local lab = require("wallclock_lab")(regio, engine)
if not lab then return end
local listener = assert(lab:listen("127.0.0.1", 0, 1024))
print("READY " .. listener:port())
io.stdout:flush()

local cq = assert(lab:cq(2 * nconns, { notify = "event", reset = true }))
local slab = assert(lab:register(nconns * SLOT))
local socks, rqs, recv_slices, echo_slices = {}, {}, {}, {}
for i = 1, nconns do
  socks[i] = assert(listener:accept(10000))
  rqs[i] = assert(lab:rq(socks[i], { recv = 1, send = 1, cq = cq, context = i }))
  recv_slices[i] = slab:slice((i - 1) * SLOT, SLOT)
  echo_slices[i] = slab:slice((i - 1) * SLOT, msg)
  assert(rqs[i]:receive(recv_slices[i], 0, RECV))
end

local open, served = nconns, 0
while open > 0 do
  local results = cq:dequeue(1024)
  local n = #results
  if n == 0 then
    cq:notify()
    if not cq:wait(10000) then break end
  end
  for k = 1, n do
    local r = results[k]
    local i = r.socket
    if r.request == RECV then
      if r.status ~= 0 or r.bytes == 0 then
        socks[i]:close()
        open = open - 1
      else
        served = served + 1
        local out = r.bytes == msg and echo_slices[i] or slab:slice((i - 1) * SLOT, r.bytes)
        assert(rqs[i]:send(out, 0, SEND))
      end
    elseif r.status == 0 then
      assert(rqs[i]:receive(recv_slices[i], 0, RECV))
    end
  end
end
print(string.format("served=%d cpu=%.6f", served, os.clock()))
lab:close()
