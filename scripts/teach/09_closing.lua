-- 09 — Closing with requests in flight.
--
-- Every accepted request produces exactly one completion. Close a socket with receives pending
-- and each completes with WSA_OPERATION_ABORTED (regio: "ECANCELED", 995). Until then the
-- buffer they use stays busy: deregistering it is refused (EBUSY).
-- Run: scripts/regio scripts/teach/09_closing.lua

local regio = require "regio"
local lab = assert(regio.open{})
local buf = assert(lab:register(4096))
local a, b = assert(lab:tcp_pair())
local cq = assert(lab:cq(4))
local rq = assert(lab:rq(a, { recv = 3, send = 1, cq = cq }))

for i = 1, 3 do assert(rq:receive(buf:slice(i * 100, 100), 0, "receive " .. i)) end
print("deregister while in use:", buf:deregister())

a:close() -- closesocket
for _, r in ipairs(cq:await(3, 1000)) do
  print(r.request, r.status, "Winsock " .. regio.wsa[r.status], "bytes " .. r.bytes)
end
print("deregister now:", buf:deregister())
b:close()
lab:close()
