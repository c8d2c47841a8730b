-- dequeue_lua.lua — B4's Lua side: completions delivered to Lua per second.
--
--   dequeue_lua.lua ENGINE BATCH TOTAL
--
-- The loop of c/b4_dequeue.c through the Lua API: a UDP socket connected to a sink nobody reads
-- posts 4000 sends of one 64-byte slice; once their completions sit in the CQ,
-- cq:dequeue_into(results, BATCH) takes them, reading each result's status and request context;
-- only that loop is timed.
-- Prints "completions=N seconds=S cpu=C".
local regio = require "regio"

local engine, batch, total = arg[1] or "poll", tonumber(arg[2] or 64), tonumber(arg[3] or 400000)
local CYCLE = 4000

local lab, err = regio.open { backend = engine }
if not lab then
  print("skip=" .. tostring(err))
  return
end
-- On a virtual-time engine (sim) lab:now() is virtual: time the loop by CPU time instead.
local clock = os.clock
local now = lab:caps().virtual_time and function() return 1000 * clock() end
  or function() return lab:now() end
local sink = assert(lab:udp("127.0.0.1", 0))
local tx = assert(lab:udp("127.0.0.1", 0))
assert(tx:connect("127.0.0.1", sink:port()))
local cq = assert(lab:cq(CYCLE))
local rq = assert(lab:rq(tx, { send = CYCLE, cq = cq }))
local slice = assert(lab:register(4096)):slice(0, 64)

local done, seconds, cpu, sum = 0, 0, 0, 0
-- cq:dequeue_into refills this array's tables, as a server's hot loop would: no garbage per
-- result (cq:dequeue makes a fresh table per result, about 1.7x slower here).
local results = {}
while done < total do
  for i = 1, CYCLE do assert(rq:send(slice, 0, i)) end
  while cq:queued() < CYCLE do lab:poll(1) end
  local t0, c0 = now(), clock()
  local got = 0
  while got < CYCLE do
    local n = cq:dequeue_into(results, batch)
    for k = 1, n do
      local r = results[k]
      if r.status == 0 then sum = sum + r.request end
    end
    got = got + n
  end
  seconds = seconds + (now() - t0) / 1000
  cpu = cpu + clock() - c0
  done = done + got
end
assert(sum > 0)
print(string.format("completions=%d seconds=%.6f cpu=%.6f", done, seconds, cpu))
lab:close()
