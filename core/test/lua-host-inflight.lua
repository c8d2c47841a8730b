-- lua-host-inflight.lua — leaves requests in flight on every available engine and returns
-- without closing anything: regio_lua_host then lua_close()s the state, so the finalizers release
-- labs, sockets, CQs and buffers with pending receives and sends (lua-host.c `run`).
-- The argument "gc-first" drops every reference and collects before returning.
local regio = require "regio"
local mode = ...
local keep = {}
for _, info in ipairs(regio.backends()) do
  if info.available then
    local lab = assert(regio.open { backend = info.name })
    local a, b = assert(lab:tcp_pair())
    local cq = assert(lab:cq(16))
    local rq = assert(lab:rq(a, { recv = 4, send = 4, cq = cq }))
    local buf = assert(lab:register(1 << 20))
    for i = 0, 3 do assert(rq:receive(buf:slice(i * 4096, 4096), 0, i)) end
    -- Sends big enough to stay in flight while the peer does not read.
    for i = 0, 3 do assert(rq:send(buf:slice(65536 + i * 200000, 200000), 0, { i })) end
    local u = assert(lab:udp("127.0.0.1", 0))
    local ucq = assert(lab:cq(4, { notify = "event" }))
    local urq = assert(lab:rq(u, { recv = 2, send = 0, cq = ucq }))
    assert(urq:receive(buf:slice(0, 100), 0, "udp"))
    assert(ucq:notify())
    keep[#keep + 1] = { lab, a, b, cq, rq, buf, u, ucq, urq }
  end
end
if mode == "gc-first" then
  keep = nil
  collectgarbage()
  collectgarbage()
end
print("lua-host-inflight: left requests in flight on every engine (" .. tostring(mode) .. ")")
