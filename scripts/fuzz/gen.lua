-- scripts/fuzz/gen.lua — the seeded generator of fuzz operations.
--
-- A generator is a small deterministic PRNG (xorshift64*, so the same seed gives the same
-- sequence on every Lua 5.4 build) plus counters of the slots it has handed out. next_op returns
-- the next operation as a plain table (see model.lua); the mix favours submissions, dequeues and
-- progress, with rarer closes, resets, resizes, invalid arguments and forced collections.

local M = {}

local Gen = {}
Gen.__index = Gen

--- Creates a generator for the seed (an integer).
function M.new(seed)
  local g = setmetatable({ state = (seed * 0x9E3779B97F4A7C15) ~ 0x2545F4914F6CDD1D,
    socks = 0, cqs = 0, bufs = 0, ports = 0, ids = 0, queue = {} }, Gen)
  if g.state == 0 then g.state = 1 end
  for _ = 1, 4 do g:int(1) end
  return g
end

--- An integer in [lo, hi] (or [1, lo] with one argument).
function Gen:int(lo, hi)
  if not hi then lo, hi = 1, lo end
  local x = self.state
  x = x ~ (x >> 12)
  x = x ~ (x << 25)
  x = x ~ (x >> 27)
  self.state = x
  local r = (x * 0x2545F4914F6CDD1D) >> 1 -- non-negative
  return lo + r % (hi - lo + 1)
end

-- True with probability p percent.
function Gen:chance(p)
  return self:int(100) <= p
end

-- An existing slot number of a kind (sometimes one past the end: an empty slot). Recent slots
-- are favoured, so that sequences build on the objects they just made.
function Gen:slot(kind)
  local n = self[kind]
  if n == 0 or self:chance(3) then return n + 1 end
  if self:chance(60) then return math.max(1, n - self:int(0, 2)) end
  return self:int(n)
end

-- A queue limit: mostly small, sometimes 0 or large.
function Gen:limit()
  local r = self:int(20)
  if r == 1 then return 0 end
  if r == 2 then return self:int(100, 5000) end
  return self:int(1, 6)
end

-- The operations and their weights.
local makers = {
  { 6, function(g)
    g.socks = g.socks + 1
    -- Most sockets get an RQ right away, on a fresh CQ or a recent one.
    if g:chance(85) then
      if g.cqs == 0 or g:chance(40) then
        g.cqs = g.cqs + 1
        g.queue[#g.queue + 1] = { op = "cq", slot = g.cqs, size = g:int(8, 40), notify = 0 }
      end
      g.queue[#g.queue + 1] = { op = "rq", sock = g.socks, recv = g:int(1, 4), send = g:int(1, 4),
        rbufs = 1, sbufs = 1, rcq = g.cqs - (g:chance(80) and 0 or 1) }
    end
    return { op = "socket", slot = g.socks, kind = g:chance(30) and "udp" or "tcp" }
  end },
  { 6, function(g)
    return { op = "rq", sock = g:slot("socks"), recv = g:limit(), send = g:limit(),
      rbufs = g:int(1, 3), sbufs = g:int(1, 3), rcq = g:slot("cqs"),
      scq = g:chance(50) and g:slot("cqs") or nil,
      odd = g:chance(5) and g:int(10) or nil,
      odd_key = ({ "recv", "send", "recv_bufs", "send_bufs", "context", "bogus" })[g:int(6)] }
  end },
  { 6, function(g)
    g.cqs = g.cqs + 1
    local size = g:chance(10) and g:int(0, 1) or g:int(2, 40)
    if g:chance(2) then size = 0x8000001 end
    return { op = "cq", slot = g.cqs, size = size, notify = g:chance(20) and 1 or 0,
      odd = g:chance(4) and g:int(10) or nil }
  end },
  { 6, function(g)
    g.bufs = g.bufs + 1
    local size = g:chance(70) and g:int(400, 9000) or g:int(1, 400)
    if g:chance(5) then size = 0 end
    return { op = "register", slot = g.bufs, size = size,
      str = g:chance(30) or nil, odd = g:chance(4) and g:int(10) or nil }
  end },
  { 1, function(g)
    g.ports = g.ports + 1
    return { op = "iocp", slot = g.ports }
  end },
  { 40, function(g)
    g.ids = g.ids + 1
    local name = ({ "recv", "recv", "send", "send", "recv_ex", "send_ex" })[g:int(6)]
    local off, len = g:int(0, 64), g:int(0, 300)
    if g:chance(5) then off = g:int(4000, 10000) end
    if g:chance(3) then len = 0xFFFFFFFF end
    local flags = g:chance(70) and 1 or g:int(13)
    return { op = name, sock = g:slot("socks"), buf = g:slot("bufs"), off = off, len = len,
      flags = flags, id = g.ids, multi = g:chance(10) or nil, rbuf = g:slot("bufs") }
  end },
  { 4, function(g)
    return { op = "commit", sock = g:slot("socks"), dir = g:chance(50) and "send" or "receive" }
  end },
  { 20, function(g)
    return { op = "dequeue", cq = g:slot("cqs"), max = g:int(0, 8),
      odd = g:chance(3) and g:int(10) or nil }
  end },
  { 12, function(g) return { op = "poll", ms = g:chance(90) and 0 or 1 } end },
  { 10, function(g)
    return { op = "peer_write", sock = g:slot("socks"), len = g:int(1, 700) }
  end },
  { 4, function(g) return { op = "peer_read", sock = g:slot("socks"), len = g:int(1, 4096) } end },
  { 1, function(g) return { op = "peer_close", sock = g:slot("socks"), abort = g:int(0, 1) } end },
  { 1, function(g) return { op = "peer_shutdown", sock = g:slot("socks"), how = g:int(3) } end },
  { 3, function(g) return { op = "rq_resize", sock = g:slot("socks"), recv = g:limit(),
    send = g:limit() } end },
  { 3, function(g)
    return { op = "cq_resize", cq = g:slot("cqs"), size = g:int(1, 60),
      odd = g:chance(10) and g:int(10) or nil }
  end },
  { 2, function(g) return { op = "notify", cq = g:slot("cqs") } end },
  { 2, function(g)
    return { op = "close_socket", sock = g:slot("socks"), abort = g:int(0, 1) }
  end },
  { 1, function(g) return { op = "close_cq", cq = g:slot("cqs") } end },
  { 2, function(g) return { op = "deregister", buf = g:slot("bufs") } end },
  { 1, function(g) return { op = "close_port", slot = g:slot("ports") } end },
  { 2, function(g)
    local kind = ({ "socks", "cqs", "bufs", "ports" })[g:int(4)]
    return { op = "drop", kind = kind, slot = g:slot(kind) }
  end },
  { 3, function(g) return { op = "gc", full = g:chance(30) and 1 or 0 } end },
  { 6, function(g)
    return { op = "bad", target = g:int(0, 50), victim = g:int(0, 50), method = g:int(0, 50),
      self = g:int(0, 1), arg = g:int(10) }
  end },
}

local total = 0
for _, m in ipairs(makers) do total = total + m[1] end

--- The next operation. close_lab is produced by the caller (at most once, at the end).
function Gen:next_op()
  if #self.queue > 0 then return table.remove(self.queue, 1) end
  local r = self:int(total)
  for _, m in ipairs(makers) do
    r = r - m[1]
    if r <= 0 then return m[2](self) end
  end
end

return M
