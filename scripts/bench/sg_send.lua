-- sg_send.lua — B5: scatter/gather sends of 3 slices against one contiguous slice.
--
--   sg_send.lua ENGINE SLICES TOTAL [BYTES]
--
-- On a lab with the "extended" profile, a UDP socket connected to a sink nobody reads sends TOTAL
-- datagrams of BYTES bytes (default 64) made of SLICES slices (1 or 3) of one registered buffer,
-- keeping up to 256 sends posted and dequeuing in batches. Prints "sends=N seconds=S cpu=C".
local regio = require "regio"

local engine, nslices = arg[1] or "poll", tonumber(arg[2] or 1)
local total, bytes = tonumber(arg[3] or 200000), tonumber(arg[4] or 64)
local DEPTH = 256

-- The helper beside this script opens the lab, or prints why the engine cannot be measured.
package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local lab = require("wallclock_lab")(regio, engine, "extended")
if not lab then return end
local sink = assert(lab:udp("127.0.0.1", 0))
local tx = assert(lab:udp("127.0.0.1", 0))
assert(tx:connect("127.0.0.1", sink:port()))
local cq = assert(lab:cq(DEPTH))
local rq = assert(lab:rq(tx, { send = DEPTH, send_bufs = 3, cq = cq }))
local buf = assert(lab:register(bytes + 4096))
local what
if nslices == 1 then
  what = buf:slice(0, bytes)
else
  -- Three slices of the same bytes, not adjacent in the buffer (as a header, body and trailer).
  local a = math.floor(bytes / 3)
  local b = math.floor((bytes - a) / 2)
  what = { buf:slice(0, a), buf:slice(1024, b), buf:slice(2048, bytes - a - b) }
end

local posted, done = 0, 0
local t0, c0 = lab:now(), os.clock()
while done < total do
  while posted < total and posted - done < DEPTH do
    assert(rq:send(what, 0, posted))
    posted = posted + 1
  end
  local results = cq:dequeue(DEPTH)
  if #results == 0 then
    lab:poll(1)
  else
    for k = 1, #results do assert(results[k].status == 0, results[k].status) end
    done = done + #results
  end
end
print(string.format("sends=%d seconds=%.6f cpu=%.6f", done, (lab:now() - t0) / 1000,
                    os.clock() - c0))
lab:close()
