-- drain_regio.lua — B6's regio side: the receive path alone (pre-fill, then drain).
--
--   drain_regio.lua ENGINE COUNT SIZE FLOOD
--
-- Binds a UDP socket (default receive buffer), has FLOOD (the udp_flood program) send COUNT
-- datagrams of SIZE bytes into it without stop datagrams, and only then, timed, posts a receive
-- on each of COUNT slices of one registered slab (a polled CQ of COUNT entries) and dequeues in
-- batches of 1000 until nothing more arrives for 50 ms. Prints "received=N seconds=S cpu=C" for
-- the drain, ending at the last completion.
local regio = require "regio"

local engine, count = arg[1] or "poll", tonumber(arg[2] or 50000)
local size, flood = tonumber(arg[3] or 64), arg[4]

-- The helper beside this script opens the lab, or prints why the engine cannot be measured.
package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local lab = require("wallclock_lab")(regio, engine)
if not lab then return end
local sock = assert(lab:udp("127.0.0.1", 0))
local cq = assert(lab:cq(count))
local rq = assert(lab:rq(sock, { recv = count, cq = cq }))
local slab = assert(lab:register(count * size))
local slices = {}
for i = 1, count do slices[i] = slab:slice((i - 1) * size, size) end
assert(os.execute(string.format("%s %d %d %d 0 >/dev/null", flood, sock:port(), count, size)))

local t0, c0 = lab:now(), os.clock()
for i = 1, count do assert(rq:receive(slices[i], 0, i)) end
local received, t_last, c_last = 0, t0, c0
while received < count do
  local results = cq:dequeue(1000)
  if #results > 0 then
    received = received + #results
    t_last, c_last = lab:now(), os.clock()
  elseif lab:now() - t_last > 50 then
    break
  end
end
print(string.format("received=%d seconds=%.6f cpu=%.6f", received, (t_last - t0) / 1000,
                    c_last - c0))
lab:close()
