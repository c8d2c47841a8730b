-- 10 — An event-driven UDP server, in the style of the seed's examples (RIOEventDrivenUDP).
--
-- One UDP socket, one registered block sliced into 1024-byte receive buffers, one CQ with an
-- event. The loop: RIONotify, wait, dequeue a batch, handle each datagram and post its slice
-- again. A client sends datagrams of a fixed size; a shorter one means "end of test".
-- Run: scripts/regio scripts/teach/10_udp_event_server.lua

local regio = require "regio"
local lab = assert(regio.open{})

local SLICES, SLICE_SIZE, DATAGRAMS, DATAGRAM_SIZE = 16, 1024, 50, 512

-- The server: socket, buffer, queues; every slice posted as a receive (its index is the context).
local server = assert(lab:udp("127.0.0.1", 0))
local pool = assert(lab:register(SLICES * SLICE_SIZE))
local cq = assert(lab:cq(SLICES, { notify = "event", reset = true }))
local rq = assert(lab:rq(server, { recv = SLICES, send = 0, cq = cq }))
local function post(index)
  assert(rq:receive(pool:slice(index * SLICE_SIZE, SLICE_SIZE), 0, index))
end
for index = 0, SLICES - 1 do post(index) end

-- The client: plain UDP. It sends everything up front; the server catches up.
local client = assert(lab:udp("127.0.0.1", 0))
for _ = 1, DATAGRAMS do
  client:sendto(string.rep("d", DATAGRAM_SIZE), "127.0.0.1", server:port())
end
client:sendto("end", "127.0.0.1", server:port())

local received, bytes, batches, done = 0, 0, 0, false
while not done do
  assert(cq:notify())
  if not cq:wait(2000) then print("no datagram for 2 s: stopping"); break end
  local results = cq:dequeue(SLICES)
  batches = batches + 1
  for _, r in ipairs(results) do
    if r.bytes ~= DATAGRAM_SIZE then
      done = true -- end of test, detected by size as the seed's servers do
    else
      received, bytes = received + 1, bytes + r.bytes
    end
    post(r.request) -- give the slice back to RIO
  end
end
print(string.format("received %d datagrams (%d bytes) in %d batches", received, bytes, batches))
lab:close()
