-- ingest_luasocket.lua — B1's LuaSocket baseline: the same ingest server with a blocking
-- LuaSocket UDP socket, one Lua string per datagram.
--
--   ingest_luasocket.lua SIZE
--
-- Prints "READY <port>", counts datagrams of SIZE bytes until "STOP <port>", answers "DONE" there
-- and prints "received=N seconds=S cpu=C" (first datagram to stop datagram).
local socket = require "socket"

local size = tonumber(arg[1] or 1024)
local udp = assert(socket.udp())
assert(udp:setsockname("127.0.0.1", 0))
udp:settimeout(5)
local _, port = udp:getsockname()
print("READY " .. port)
io.stdout:flush()

local received, t0, c0, answered_to = 0, nil, nil, nil
while true do
  local data = udp:receive(size + 64)
  if not data then break end
  if not t0 then t0, c0 = socket.gettime(), os.clock() end
  if #data ~= size then
    answered_to = tonumber(data:match("^STOP (%d+)"))
    if answered_to then break end
  end
  received = received + 1
end
local seconds = t0 and socket.gettime() - t0 or 0
local cpu = c0 and os.clock() - c0 or 0
if answered_to then udp:sendto("DONE", "127.0.0.1", answered_to) end
print(string.format("received=%d seconds=%.6f cpu=%.6f%s", received, seconds, cpu,
                    answered_to and "" or " timeout=1"))
