-- 01 — Register a buffer and slice it.
--
-- RIO never takes plain pointers. You register a block of memory once (RIORegisterBuffer), get
-- back a buffer id, and from then on describe I/O with RIO_BUF slices: {id, offset, length}.
-- Run: scripts/regio scripts/teach/01_register_buffer.lua

local regio = require "regio"

-- A lab is one engine and everything opened on it (REGIO_BACKEND chooses the engine).
local lab = assert(regio.open{})
print("engine:", lab.backend, "profile:", lab.profile)

-- RIORegisterBuffer: 4096 zeroed, page-aligned bytes. regio owns the memory for you.
local buf = assert(lab:register(4096))
print("registered buffer id", buf:id(), "of", #buf, "bytes")

-- Slices are cheap descriptions; making one checks nothing yet.
local greeting = buf:slice(0, 12)
local rest = buf:slice(12)          -- from offset 12 to the end
print("slices:", greeting, rest)

-- Reading and writing go straight to the registered memory.
greeting:write("hello, RIO!!")
print("greeting holds", greeting:read())

-- Bounds are checked when a slice is *used*, as RIO does: a slice past the end of the buffer
-- is refused by the call that uses it, with WSAEINVAL (regio: nil, "EINVAL: ...", "EINVAL").
local a, b = assert(lab:tcp_pair())
local cq = assert(lab:cq(4))
local rq = assert(lab:rq(a, { recv = 1, send = 1, cq = cq }))
print("a slice past the end:", rq:receive(buf:slice(4000, 97)))

-- RIODeregisterBuffer. Slices of a deregistered buffer fail with WSAEFAULT when used.
assert(buf:deregister())
print("after deregister:", rq:receive(greeting))
lab:close()
