-- scripts/load/run.lua — runs the load tests on one engine and prints their reports.
--
--   lua5.4 scripts/load/run.lua [--build DIR] --backend NAME [--test tcp|udp|all]
--          [--connections N] [--rounds N] [--datagrams N]
--
-- tcp: N connections echoing checksummed messages through a regio server (tcp_echo.lua);
-- udp: a flood whose losses are all accounted for (udp_flood.lua). Use scripts/load/run.sh, which
-- raises the descriptor limit and isolates the UDP counters first. Exit status: 0 every test
-- held, 1 a test failed, 2 bad usage, 77 skipped (the reason is printed).

local script_dir = (arg[0]:match("^(.*)/[^/]*$") or ".")
local root = script_dir .. "/../.."
package.path = script_dir .. "/?.lua;" .. root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;"
  .. package.path

local opts = { test = "all", connections = 1000, rounds = 4, datagrams = 50000 }
for i = 1, #arg, 2 do
  local key = arg[i]:match("^%-%-(.+)$")
  if not key or arg[i + 1] == nil then
    io.stderr:write("usage: run.lua --backend NAME [--test tcp|udp|all] ...\n")
    os.exit(2)
  end
  opts[key] = tonumber(arg[i + 1]) or arg[i + 1]
end
if opts.build then package.cpath = opts.build .. "/lua/?.so;" .. package.cpath end

local regio = require "regio"
local info
for _, b in ipairs(regio.backends()) do
  if b.name == opts.backend then info = b end
end
if not info then
  io.stderr:write("run.lua: unknown engine " .. tostring(opts.backend) .. "\n")
  os.exit(2)
end
if not info.available then
  print(string.format("load[%s]: skipped: %s", info.name, tostring(info.reason)))
  os.exit(77)
end

local failed = 0

-- Prints a report's fields in a stable order.
local function show(name, r, keys)
  local parts = {}
  for _, k in ipairs(keys) do
    if r[k] ~= nil then
      local v = r[k]
      if math.type(v) == "float" then v = string.format("%.0f", v) end
      parts[#parts + 1] = k .. "=" .. tostring(v)
    end
  end
  print(string.format("load[%s] %s: %s %s", r.backend, name, r.ok and "ok" or "FAILED",
    table.concat(parts, " ")))
  if r.error then print(string.format("load[%s] %s: error: %s", r.backend, name, r.error)) end
  if not r.ok then failed = failed + 1 end
end

if opts.test == "tcp" or opts.test == "all" then
  local r = require("tcp_echo").run(regio, opts.backend,
    { connections = opts.connections, rounds = opts.rounds })
  show("tcp", r, { "connections", "messages", "sent", "echoed", "lost", "mismatched",
    "bad_checksum", "leftover_requests", "elapsed_ms" })
end
if opts.test == "udp" or opts.test == "all" then
  local r = require("udp_flood").run(regio, opts.backend, { count = opts.datagrams })
  show("udp", r, { "sent", "send_failed", "received", "dropped", "rcvbuf_errors",
    "in_datagrams", "duplicates", "bad", "kernel_counters", "shared_noise", "elapsed_ms" })
  if r.shared_noise and not r.ok then
    print(string.format("load[%s] udp: the Udp counters are shared with other traffic here "
      .. "(no private network namespace); the balance cannot be exact", r.backend))
  end
end
os.exit(failed == 0 and 0 or 1)
