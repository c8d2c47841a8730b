-- udp_ex_addresses — RIOReceiveEx / RIOSendEx on UDP: addresses in registered slices.
--
-- The Ex calls take extra RIO_BUF slices: on a receive the sender's and the local address are
-- written there as SOCKADDR_INET (28 bytes: family 2 = AF_INET little-endian, port in network
-- order, then the address); on a send the remote slice names the destination. The story: an Ex
-- receive learns who sent "hi"; an Ex send answers to that very slice; too-small address slices,
-- a local address on a send and WAITALL on UDP are refused (EINVAL); a datagram longer than the
-- slice is truncated (EMSGSIZE and the bytes that fit).
--
-- Run: scripts/regio scripts/scenarios/udp_ex_addresses.lua

local regio = require "regio"
local scenario = require "regio.scenario"

local sc = scenario.new{ name = "udp_ex_addresses",
  story = "ReceiveEx fills address slices, SendEx answers to them, the refusals, truncation" }

-- Decodes an IPv4 SOCKADDR_INET: family, port, dotted address.
local function sockaddr(s)
  local family, port, a, b, c, d = string.unpack("<I2>I2BBBB", s)
  return family, port, string.format("%d.%d.%d.%d", a, b, c, d)
end

sc:run(function(lab)
  local buf = sc:must("register", lab:register(4096))
  local server = sc:must("udp", lab:udp("127.0.0.1", 0))
  local client = sc:must("udp", lab:udp("127.0.0.1", 0))
  local cq = sc:must("cq", lab:cq(8))
  local rq = sc:must("rq", lab:rq(server, { recv = 2, send = 2, cq = cq, context = "udp" }))
  local data, remote, localaddr = buf:slice(0, 100), buf:slice(512, 28), buf:slice(600, 28)

  sc:step("RIOReceiveEx with remote and local address slices")
  sc:must("receive_ex", rq:receive_ex(data, { remote = remote, ["local"] = localaddr }, 0, "rx"))
  sc:must("sendto", client:sendto("hi", "127.0.0.1", server:port()))
  local r = sc:must("receive completion", cq:await(1, 2000)[1], "none within 2 s")
  sc:equal(r.bytes, 2, "datagram bytes")
  local family, port, host = sockaddr(remote:read())
  sc:equal(family, 2, "remote family (AF_INET)")
  sc:equal(port, client:port(), "remote port")
  sc:equal(host, "127.0.0.1", "remote address")
  local lfamily, lport = sockaddr(localaddr:read())
  sc:equal(lfamily, 2, "local family")
  sc:equal(lport, server:port(), "local port")
  sc:say("%q from %s:%d (the client), received on port %d", data:read():sub(1, r.bytes), host,
    port, lport)
  sc:record("receive_ex", string.format("bytes=%d family=%d ports_match=%s", r.bytes, family,
    tostring(port == client:port() and lport == server:port())))

  sc:step("RIOSendEx answers to the address slice it was given")
  buf:write(200, "hi back")
  sc:must("send_ex", rq:send_ex(buf:slice(200, 7), { remote = remote }, 0, "tx"))
  local reply, from_host, from_port = client:recvfrom(2000)
  sc:equal(reply, "hi back", "the client's datagram")
  sc:equal(from_port, server:port(), "it came from the server's port")
  local s = sc:must("send completion", cq:await(1, 2000)[1], "none")
  sc:equal(s.bytes, 7, "send bytes")
  sc:say("the client got %q from %s:%s", tostring(reply), tostring(from_host), tostring(from_port))

  sc:step("Refusals: short address slices, a local address on a send, WAITALL on UDP")
  local refusals = {}
  local ok, message, name = rq:receive_ex(data, { remote = buf:slice(512, 16) }, 0, "short")
  sc:refused("a 16-byte remote slice", "EINVAL", ok, message, name)
  refusals[#refusals + 1] = tostring(name)
  ok, message, name = rq:send_ex(buf:slice(200, 7), { remote = remote, ["local"] = localaddr })
  sc:refused("a local address on a send", "EINVAL", ok, message, name)
  refusals[#refusals + 1] = tostring(name)
  ok, message, name = rq:receive(data, regio.MSG_WAITALL, "waitall")
  sc:refused("WAITALL on UDP", "EINVAL", ok, message, name)
  refusals[#refusals + 1] = tostring(name)
  sc:say("-> %s", table.concat(refusals, ", "))
  sc:record("refusals", table.concat(refusals, ","))

  sc:step("A 100-byte datagram into a 40-byte slice")
  sc:must("receive", rq:receive(buf:slice(1000, 40), 0, "small"))
  sc:must("sendto", client:sendto(string.rep("z", 100), "127.0.0.1", server:port()))
  local t = sc:must("truncated completion", cq:await(1, 2000)[1], "none within 2 s")
  sc:equal(t.status, "EMSGSIZE", "status of a truncated datagram")
  sc:equal(t.bytes, 40, "bytes of a truncated datagram")
  sc:say("status=%s bytes=%d: the rest of the datagram is gone", tostring(t.status), t.bytes)
  sc:record("truncated", string.format("status=%s bytes=%d", tostring(t.status), t.bytes))
end)
