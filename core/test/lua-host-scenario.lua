-- lua-host-scenario.lua — the representative scenario that regio_lua_host walks allocation by
-- allocation (lua-host.c): on every available engine, a TCP pair with an RQ, a receive and a
-- send through registered buffers, a UDP exchange with receive_ex, a DEFER batch committed, and
-- objects left to the garbage collector or to lab:close with requests in flight.
-- It never catches errors: a refused allocation must reach the host as a Lua error.
local regio = require "regio"

local function check(v, msg, ...)
  if not v then error("scenario: " .. tostring(msg), 2) end
  return v, msg, ...
end

for _, info in ipairs(regio.backends()) do
  if info.available then
    local lab = check(regio.open { backend = info.name, seed = 7 })
    local a, b = check(lab:tcp_pair())
    local cq = check(lab:cq(8))
    local rq = check(lab:rq(a, { recv = 2, send = 2, cq = cq, context = { name = "tcp" } }))
    local buf = check(lab:register(256))
    check(rq:receive(buf:slice(0, 5), 0, "recv"))
    check(rq:send(buf:slice(100, 3), regio.MSG_DEFER, { tag = "send" }))
    check(rq:commit("send"))
    b:write("hello")
    local results = cq:await(2, 2000)
    check(#results == 2, "expected 2 completions, got " .. #results)
    check(b:read(3, 2000))
    check(buf:read(0, 5) == "hello", "the receive did not fill the slice")
    -- UDP: a datagram from the peer into receive_ex with a remote address slice.
    local u = check(lab:udp("127.0.0.1", 0))
    local p = check(lab:udp("127.0.0.1", 0))
    local ucq = check(lab:cq(4))
    local urq = check(lab:rq(u, { recv = 1, send = 1, cq = ucq }))
    local ubuf = check(lab:register(128))
    check(urq:receive_ex(ubuf:slice(0, 64), { remote = ubuf:slice(64, 28) }, 0, 1))
    check(p:sendto("datagram", "127.0.0.1", u:port()))
    local ur = ucq:await(1, 2000)
    check(#ur == 1 and ur[1].bytes == 8, "the datagram did not arrive")
    -- Requests left in flight: one closed with the socket, one dropped with the whole lab.
    check(rq:receive(buf:slice(0, 10), 0, "pending"))
    a:close()
    check(#cq:await(1, 2000) == 1, "the cancellation did not arrive")
    check(urq:receive(ubuf:slice(0, 10), 0, "left in flight"))
    buf:deregister()
    if info.name ~= "poll" then lab:close() end -- poll's lab is left to the collector
  end
end
collectgarbage()
