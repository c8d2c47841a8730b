-- 02 — A first receive and a first send.
--
-- RIO has no connect or accept: sockets are made the usual way. What RIO adds is a request
-- queue (RQ) per socket, where you post receives and sends, and a completion queue (CQ), where
-- their results (RIORESULT) appear.
-- Run: scripts/regio scripts/teach/02_first_send_receive.lua

local regio = require "regio"
local lab = assert(regio.open{})
local buf = assert(lab:register(4096))

-- A connected TCP pair: `a` is our RIO socket, `b` plays the peer with plain reads and writes.
local a, b = assert(lab:tcp_pair())

-- RIOCreateCompletionQueue(8) and RIOCreateRequestQueue: at most 2 receives and 2 sends
-- outstanding. "conn-1" is the socket context every result of this RQ will carry.
local cq = assert(lab:cq(8))
local rq = assert(lab:rq(a, { recv = 2, send = 2, cq = cq, context = "conn-1" }))

-- RIOReceive into a 100-byte slice; "my receive" is this request's context.
assert(rq:receive(buf:slice(0, 100), 0, "my receive"))
b:write("hi from the peer")

-- RIODequeueCompletion, waiting up to a second for one result.
local r = cq:await(1, 1000)[1]
print("receive completed:", regio.describe(r))
print("the slice now holds:", buf:read(0, r.bytes))

-- RIOSend of bytes placed in registered memory.
buf:write(200, "hi from RIO")
assert(rq:send(buf:slice(200, 11), 0, "my send"))
print("send completed:", regio.describe(cq:await(1, 1000)[1]))
print("the peer read:", b:read(11, 1000))
lab:close()
