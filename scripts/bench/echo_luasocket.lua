-- echo_luasocket.lua — B2's LuaSocket baseline: a select()-driven TCP echo server.
--
--   echo_luasocket.lua CONNS
--
-- Prints "READY <port>", accepts CONNS connections, echoes what each sends (socket.select over
-- all of them, non-blocking reads of up to 4096 bytes), and prints "served=N cpu=C" once every
-- connection has closed.
local socket = require "socket"

local nconns = tonumber(arg[1] or 1)
local server = assert(socket.bind("127.0.0.1", 0, 1024))
local _, port = server:getsockname()
print("READY " .. port)
io.stdout:flush()

local clients = {}
server:settimeout(10)
for i = 1, nconns do
  local c = assert(server:accept())
  c:setoption("tcp-nodelay", true)
  c:settimeout(0)
  clients[i] = c
end

local served = 0
while #clients > 0 do
  local readable = socket.select(clients, nil, 10)
  if #readable == 0 then break end
  for _, c in ipairs(readable) do
    local data, e, partial = c:receive(4096)
    local out = data or partial
    if out and #out > 0 then
      served = served + 1
      c:send(out)
    end
    if e == "closed" then
      c:close()
      for k = #clients, 1, -1 do
        if clients[k] == c then table.remove(clients, k) end
      end
    end
  end
end
print(string.format("served=%d cpu=%.6f", served, os.clock()))
