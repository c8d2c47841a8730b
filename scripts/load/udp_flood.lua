-- scripts/load/udp_flood.lua — a UDP flood into a regio receiver, with every loss accounted for.
--
-- A plain sender (lab:udp) sends `count` datagrams (sequence number, length, random payload and
-- a 32-bit FNV-1a checksum) in bursts to a RIO receiver (an RQ with `depth` posted receives on one
-- CQ), faster than the receiver reposts, so the kernel's socket queue overflows. Then it waits
-- until nothing more arrives and checks:
--   sent = received + dropped
-- where sent counts sendto calls that succeeded, received counts distinct valid datagrams
-- dequeued (a duplicate or a bad checksum fails the run), and dropped is the delta of the
-- namespace's Udp InErrors counter (/proc/net/snmp; RcvbufErrors is reported too). The counters
-- are per network namespace: scripts/load/run.sh runs the flood in a private one when it can
-- (unshare -rn). When the namespace is shared and other traffic moved the counters, the report
-- says so (report.shared_noise) instead of claiming an exact balance.
-- On an engine without kernel sockets (caps().virtual_time: sim) the kernel counters do not
-- apply; there the balance must hold with dropped = 0.

local tcp_echo = require "tcp_echo"

local M = {}

-- Reads the Udp counters of /proc/net/snmp into a table (nil when unreadable).
local function udp_counters()
  local f = io.open("/proc/net/snmp", "r")
  if not f then return nil end
  local names, values
  for line in f:lines() do
    if line:match("^Udp: %a") then
      names = {}
      for w in line:gmatch("%a+") do names[#names + 1] = w end
    elseif line:match("^Udp: %d") then
      values = {}
      for w in line:gmatch("%d+") do values[#values + 1] = tonumber(w) end
    end
  end
  f:close()
  if not names or not values then return nil end
  local t = {}
  for i = 2, #names do t[names[i]] = values[i - 1] end
  return t
end
M.udp_counters = udp_counters

--- Runs the flood on the engine. opts: count (datagrams, 200000), depth (posted receives, 32),
--- burst (datagrams per burst, 500), seed. Returns a report; report.ok when the balance holds.
function M.run(regio, backend, opts)
  opts = opts or {}
  local count = opts.count or 200000
  local depth = opts.depth or 32
  local burst = opts.burst or 500
  local state = opts.seed or 1
  local function rng(lo, hi)
    state = state * 6364136223846793005 + 1442695040888963407
    return lo + ((state >> 33) % (hi - lo + 1))
  end
  local lab = assert(regio.open { backend = backend, seed = opts.seed or 1 })
  local virtual = lab:caps().virtual_time
  local report = { backend = backend, sent = 0, send_failed = 0, received = 0, duplicates = 0,
    bad = 0, dropped = 0, kernel_counters = not virtual }
  local ok, err = pcall(function()
    local u = assert(lab:udp("127.0.0.1", 0))
    local sender = assert(lab:udp("127.0.0.1", 0))
    local port = u:port()
    local cq = assert(lab:cq(depth))
    local rq = assert(lab:rq(u, { recv = depth, send = 0, cq = cq }))
    local slot = 2048
    local buf = assert(lab:register(depth * slot))
    for i = 0, depth - 1 do assert(rq:receive(buf:slice(i * slot, slot), 0, i)) end
    local seen = {}
    local function serve()
      local results = cq:dequeue(depth)
      for _, r in ipairs(results) do
        local at = r.request * slot
        if r.status == 0 and r.bytes >= 12 then
          local dgram = buf:read(at, r.bytes)
          local seq = string.unpack("<I4", dgram)
          local body = dgram:sub(1, -5)
          if string.unpack("<I4", dgram, #dgram - 3) ~= tcp_echo.fnv1a(body) then
            report.bad = report.bad + 1
          elseif seen[seq] then
            report.duplicates = report.duplicates + 1
          else
            seen[seq] = true
            report.received = report.received + 1
          end
        elseif r.status ~= 0 then
          error("receive completed with " .. tostring(r.status))
        end
        assert(rq:receive(buf:slice(at, slot), 0, r.request))
      end
      return #results
    end
    local payloads = {}
    for i = 1, 16 do
      local bytes = {}
      for j = 1, rng(8, 1200) do bytes[j] = rng(0, 255) end
      payloads[i] = string.char(table.unpack(bytes))
    end
    local before = not virtual and udp_counters() or nil
    local start = lab:now()
    local seq = 0
    while seq < count do
      for _ = 1, math.min(burst, count - seq) do
        seq = seq + 1
        local body = string.pack("<I4", seq) .. payloads[seq % 16 + 1]
        local sent = sender:sendto(body .. string.pack("<I4", tcp_echo.fnv1a(body)), "127.0.0.1",
          port)
        if sent then
          report.sent = report.sent + 1
        else
          report.send_failed = report.send_failed + 1
        end
      end
      lab:poll(0) -- let the engine reap what the kernel already delivered
      serve()
    end
    -- Drain: stop once nothing has arrived for 300 ms of the lab's clock.
    local quiet_since = lab:now()
    while lab:now() - quiet_since < 300 do
      if serve() > 0 then quiet_since = lab:now() else lab:poll(5) end
    end
    report.elapsed_ms = lab:now() - start
    if before then
      local after = udp_counters()
      report.dropped = after.InErrors - before.InErrors
      report.rcvbuf_errors = after.RcvbufErrors - before.RcvbufErrors
      report.in_datagrams = after.InDatagrams - before.InDatagrams
      -- Every datagram the kernel delivered to a socket is ours unless other traffic ran.
      report.shared_noise = report.in_datagrams ~= report.received
    end
    u:close()
    sender:close()
  end)
  lab:close()
  if not ok then report.error = tostring(err) end
  report.ok = ok and report.bad == 0 and report.duplicates == 0
    and report.sent == report.received + report.dropped
  return report
end

return M
