-- 07 — Batching with RIO_MSG_DEFER and RIO_MSG_COMMIT_ONLY.
--
-- Each RIOSend may cost a trip into the kernel. With DEFER the request is queued but not
-- started; a later plain request of the same direction, or a COMMIT_ONLY call, starts the whole
-- batch at once. Deferred requests still count against the RQ's limit.
-- Run: scripts/regio scripts/teach/07_defer_commit.lua

local regio = require "regio"
local lab = assert(regio.open{})
local buf = assert(lab:register(4096))
local a, b = assert(lab:tcp_pair())
local cq = assert(lab:cq(8))
local rq = assert(lab:rq(a, { recv = 1, send = 4, cq = cq }))

-- Four deferred sends, each a line of the batch.
for i = 1, 4 do
  local line = string.format("line %d\n", i)
  buf:write(i * 16, line)
  assert(rq:send(buf:slice(i * 16, #line), regio.MSG_DEFER, i))
end
print("deferred:", rq:deferred("send"), "charged:", rq:charged("send"))
print("a fifth send is over the limit:", rq:send(buf:slice(0, 1), regio.MSG_DEFER))

-- RIOSend(rq, NULL, 0, RIO_MSG_COMMIT_ONLY, NULL): no data, no context, no completion of its own.
assert(rq:commit("send"))
io.write("the peer read:\n", b:read(28, 1000))
print("completions:", #cq:await(4, 1000), "(one per send, none for the commit)")
lab:close()
