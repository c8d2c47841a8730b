-- 06 — Length-prefixed messages with RIO_MSG_WAITALL.
--
-- On a stream, one send can arrive as many pieces. A WAITALL receive completes only when its
-- slice is full (or the connection ends), so a reader of length-prefixed messages needs exactly
-- two receives per message: 4 bytes of header, then the body.
-- Run: scripts/regio scripts/teach/06_waitall_framing.lua

local regio = require "regio"
local lab = assert(regio.open{})
local buf = assert(lab:register(4096))
local a, b = assert(lab:tcp_pair())
local cq = assert(lab:cq(4))
local rq = assert(lab:rq(a, { recv = 1, send = 1, cq = cq }))

-- The peer sends two messages, a few bytes at a time.
local stream = string.pack(">s4", "first message") .. string.pack(">s4", "and a second one")
for i = 1, #stream, 3 do b:write(stream:sub(i, i + 2)) end

-- Receives exactly n bytes into the buffer's start and returns them.
local function receive_exactly(n)
  assert(rq:receive(buf:slice(0, n), regio.MSG_WAITALL))
  local r = cq:await(1, 2000)[1]
  assert(r and r.bytes == n, "short WAITALL receive")
  return buf:read(0, n)
end

for _ = 1, 2 do
  local length = string.unpack(">I4", receive_exactly(4))
  print(string.format("header says %d bytes; body: %q", length, receive_exactly(length)))
end
print("four completions for two messages, however the bytes arrived")
lab:close()
