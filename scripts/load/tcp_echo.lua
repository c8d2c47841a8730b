-- scripts/load/tcp_echo.lua — N TCP connections echoing checksummed messages through a regio
-- server (one RQ per accepted socket, one shared CQ), all in one lab on loopback.
--
-- The clients are the lab's plain sockets (lab:connect); the server side is RIO: each accepted
-- socket gets an RQ (1 receive, 1 send) on a shared CQ and a 4 KiB slice of one registered
-- buffer. The server posts a receive; a receive of n > 0 bytes becomes a send of those n bytes
-- from the same slice; the send's completion posts the next receive. Each client sends `rounds`
-- messages of random length (a header with client id, round and length, a random payload and a
-- 32-bit FNV-1a checksum of everything before it) and must read back exactly the bytes it sent,
-- in order: the report counts bytes sent, echoed, lost and mismatched, and checksum failures.

local M = {}

-- The 32-bit FNV-1a hash of s.
local function fnv1a(s)
  local h = 0x811C9DC5
  for i = 1, #s do
    h = ((h ~ s:byte(i)) * 0x01000193) & 0xFFFFFFFF
  end
  return h
end
M.fnv1a = fnv1a

-- A message: header (client, round, payload length), payload, checksum of both.
local function message(rng, client, round)
  local len = rng(16, 1500)
  local bytes = {}
  for i = 1, len do bytes[i] = rng(0, 255) end
  local body = string.pack("<I4I4I4", client, round, len) .. string.char(table.unpack(bytes))
  return body .. string.pack("<I4", fnv1a(body))
end

-- Checks a received message's checksum. Returns true when it matches.
local function verify(msg)
  if #msg < 16 then return false end
  local body = msg:sub(1, -5)
  return string.unpack("<I4", msg, #msg - 3) == fnv1a(body)
end
M.verify = verify

local SLOT = 4096

--- Runs the load on the engine. opts: connections (1000), rounds (4), seed (1), ms (limit for
--- the whole run, 120000). Returns a report table; report.ok is true when nothing was lost,
--- reordered or corrupted.
function M.run(regio, backend, opts)
  opts = opts or {}
  local n = opts.connections or 1000
  local rounds = opts.rounds or 4
  local limit_ms = opts.ms or 120000
  local rng
  do
    local state = opts.seed or 1
    rng = function(lo, hi)
      state = (state * 6364136223846793005 + 1442695040888963407)
      return lo + ((state >> 33) % (hi - lo + 1))
    end
  end
  local lab = assert(regio.open { backend = backend, seed = opts.seed or 1 })
  local report = { backend = backend, connections = n, rounds = rounds, sent = 0, echoed = 0,
    lost = 0, mismatched = 0, bad_checksum = 0, messages = 0 }
  local ok, err = pcall(function()
    local listener = assert(lab:listen("127.0.0.1", 0, math.min(n, 4096)))
    local port = listener:port()
    local cq = assert(lab:cq(2 * n))
    local buf = assert(lab:register(n * SLOT))
    local clients, servers = {}, {}
    -- Connect in batches and accept each batch, so the backlog never overflows.
    local batch = 100
    for first = 1, n, batch do
      for i = first, math.min(first + batch - 1, n) do
        clients[i] = assert(lab:connect("127.0.0.1", port, 10000))
      end
      for i = first, math.min(first + batch - 1, n) do
        local s = assert(listener:accept(10000))
        local rq = assert(lab:rq(s, { recv = 1, send = 1, cq = cq, context = i }))
        servers[i] = { sock = s, rq = rq, slice_at = (i - 1) * SLOT }
        assert(rq:receive(buf:slice(servers[i].slice_at, SLOT), 0, i))
      end
    end
    -- The echo: receive completions become sends, send completions post the next receive.
    local function serve()
      local results = cq:dequeue(1024)
      for _, r in ipairs(results) do
        local i = math.abs(r.request)
        local srv = servers[i]
        if r.status ~= 0 then error("server " .. i .. ": status " .. tostring(r.status)) end
        if r.request > 0 then -- a receive
          if r.bytes > 0 then
            assert(srv.rq:send(buf:slice(srv.slice_at, r.bytes), 0, -i))
          end
        else
          assert(srv.rq:receive(buf:slice(srv.slice_at, SLOT), 0, i))
        end
      end
      return #results
    end
    local start = lab:now()
    for round = 1, rounds do
      local want = {}
      for i = 1, n do
        local msg = message(rng, i, round)
        want[i] = msg
        local w = clients[i]:write(msg, 10000)
        assert(w == #msg, "client write " .. tostring(w))
        report.sent = report.sent + #msg
        report.messages = report.messages + 1
      end
      -- Pump until every client has its echo back (or the time limit runs out).
      local got = {}
      local done = 0
      while done < n do
        if lab:now() - start > limit_ms then error("time limit reached in round " .. round) end
        if serve() == 0 then lab:poll(1) end
        for i = 1, n do
          local have = got[i] or ""
          if #have < #want[i] then
            local part = clients[i]:read(#want[i] - #have, 0)
            if part and #part > 0 then
              have = have .. part
              got[i] = have
              if #have == #want[i] then
                done = done + 1
                report.echoed = report.echoed + #have
                if have ~= want[i] then report.mismatched = report.mismatched + 1 end
                if not verify(have) then report.bad_checksum = report.bad_checksum + 1 end
              end
            end
          end
        end
      end
    end
    report.elapsed_ms = lab:now() - start
    report.lost = report.sent - report.echoed
    for i = 1, n do clients[i]:close() end
    -- The server sockets' pending receives complete (EOF or cancellation); then all is drained.
    for i = 1, n do servers[i].sock:close() end
    local t0 = lab:now()
    while lab:stats().requests > 0 and lab:now() - t0 < 5000 do
      cq:dequeue(1024)
      lab:poll(1)
    end
    report.leftover_requests = lab:stats().requests
  end)
  lab:close()
  if not ok then report.error = tostring(err) end
  report.ok = ok and report.lost == 0 and report.mismatched == 0 and report.bad_checksum == 0
    and report.leftover_requests == 0
  return report
end

return M
