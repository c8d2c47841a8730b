-- scripts/fuzz/model.lua — executes one fuzz operation against the regio Lua API and keeps the
-- shadow model that the invariants are checked against.
--
-- An operation is a plain table of integers and strings ({ op = "recv", sock = 2, ... }), so a
-- recorded list can be printed, saved and replayed. Objects are named by slot numbers chosen when
-- the operation was generated; an operation whose slots do not exist in the replayed state does
-- nothing, which is what lets delta debugging replay any subset of a recorded list.
--
-- The invariants (lua/API.md, DESIGN.md §1 principle 4):
--   * every accepted request produces exactly one completion, into the CQ of its direction,
--     unless that CQ was closed (or collected, or the lab closed) first: then none;
--   * a refused request (raised, or returned a fail triple) produces none;
--   * a failure is a well-formed fail triple (nil, "NAME: message", "NAME", NAME in regio.wsa);
--   * any use of a closed cq, socket, port or lab raises "attempt to use a closed regio.<type>";
--   * after the drain: rq:charged is 0 in both directions, lab:stats().requests is 0, and once
--     every object is closed every lab:stats() count is 0.
-- A broken invariant raises an error whose text starts with "invariant <class>:"; the class is
-- what delta debugging keeps constant while it shrinks the list.

local M = {}

local regio -- set by M.init

-- Calls counted by the current run (every API call the executor makes).
M.calls = 0

--- Sets the regio module the executor drives. Must be called before M.new.
function M.init(mod)
  regio = mod
end

-- Raises an invariant violation of the given class.
local function violation(class, fmt, ...)
  error("invariant " .. class .. ": " .. string.format(fmt, ...), 0)
end

-- Calls fn(...) under pcall and counts it. Returns ok followed by the results (at most 4).
local function call(fn, ...)
  M.calls = M.calls + 1
  local ok, a, b, c, d = pcall(fn, ...)
  return ok, a, b, c, d
end

-- Checks that (v, msg, name) is a success or a fail triple; returns true when it is a failure.
local function check_outcome(what, v, msg, name)
  if v ~= nil then return false end
  if type(msg) ~= "string" or type(name) ~= "string" or regio.wsa[name] == nil
      or msg:sub(1, #name + 2) ~= name .. ": " then
    violation("fail-triple", "%s returned nil, %s, %s", what, tostring(msg), tostring(name))
  end
  return true
end

-- Asserts that a call on a closed object raised "attempt to use a closed".
local function expect_closed(what, ok, err)
  if ok or not tostring(err):find("attempt to use a closed", 1, true) then
    violation("closed-use", "%s on a closed object: expected a 'closed' error, got %s, %s", what,
      tostring(ok), tostring(err))
  end
end

--- Creates the state of one episode on the engine: a fresh lab and empty slot tables.
function M.new(backend, seed)
  local lab = assert(regio.open { backend = backend, seed = seed })
  M.calls = M.calls + 1
  return {
    lab = lab,
    lab_closed = false,
    socks = {},   -- slot -> { sock, peer, kind, rq, cq = { receive = e, send = e }, closed }
    cqs = {},     -- slot -> { cq, closed, size }
    bufs = {},    -- slot -> { buf, len, deregistered }
    ports = {},   -- slot -> { port, closed }
    reqs = {},    -- id -> { state = "pending"|"done"|"dropped", cq = entry, sock = entry, len }
    weak = setmetatable({}, { __mode = "v" }), -- dropped objects, while they are still alive
    dropped = {}, -- the entries whose object was moved to weak (entry -> weak key)
  }
end

-- The entry of a slot, or nil when the slot is empty (or its object was dropped).
local function get(t, slot)
  local e = slot and t[slot]
  if e and e.dropped then return nil end
  return e
end

-- Builds a slice argument from a buffer slot and bounds; a missing buffer gives a wrong type.
local function slice_of(S, op)
  local b = get(S.bufs, op.buf)
  if not b then return op.len end -- a number where a slice is expected: must raise
  local ok, s = call(b.buf.slice, b.buf, op.off, op.len)
  if not ok then return nil end
  return s
end

-- Records an accepted request and checks that its id is new.
local function accept(S, id, sock, dir, len)
  if S.reqs[id] then violation("model", "request id %d reused", id) end
  S.reqs[id] = { state = "pending", cq = sock.cq[dir], sock = sock, dir = dir, len = len }
end

-- The flag values the generator picks from, by index.
local function flag_value(i)
  local f = {
    0, regio.MSG_DEFER, regio.MSG_WAITALL, regio.MSG_DONT_NOTIFY, regio.MSG_COMMIT_ONLY,
    regio.MSG_DEFER | regio.MSG_DONT_NOTIFY, regio.MSG_WAITALL | regio.MSG_DEFER, 0x40,
    { defer = true }, { waitall = true }, "defer", -1, 0x100000000,
  }
  return f[(i - 1) % #f + 1]
end
M.flag_count = 13

-- A value of a wrong or out-of-range kind, by index: used for invalid arguments.
local function odd_value(i)
  local v = { -1, 0, "x", {}, true, 1.5, 0x100000000, math.maxinteger, -math.maxinteger, "" }
  return v[(i - 1) % #v + 1]
end
M.odd_count = 10

-- Submits a request (receive/send, plain or _ex) and updates the model.
local function submit(S, op)
  local e = get(S.socks, op.sock)
  if not e or not e.rq then return end
  local rq, dir = e.rq, (op.op == "recv" or op.op == "recv_ex") and "receive" or "send"
  local slices = slice_of(S, op)
  if op.multi and slices then slices = { slices, slices } end
  local flags = flag_value(op.flags)
  local ok, v, msg, name
  if op.op == "recv" then
    ok, v, msg, name = call(rq.receive, rq, slices, flags, op.id)
  elseif op.op == "send" then
    ok, v, msg, name = call(rq.send, rq, slices, flags, op.id)
  else
    local ex = {}
    local rb = get(S.bufs, op.rbuf)
    if rb then
      local sok, rs = call(rb.buf.slice, rb.buf, 0, 28)
      if sok then ex.remote = rs end
      if rb.len >= 28 and not rb.deregistered and e.peer_addr then
        call(rb.buf.write, rb.buf, 0, e.peer_addr)
      end
    end
    local fn = op.op == "recv_ex" and rq.receive_ex or rq.send_ex
    ok, v, msg, name = call(fn, rq, slices, ex, flags, op.id)
  end
  if S.lab_closed then return expect_closed(op.op, ok, v) end
  if ok and not check_outcome(op.op, v, msg, name) then
    accept(S, op.id, e, dir, op.len)
  end
end

-- Opens a connected TCP pair (the first socket gets the RQ later) or a UDP socket and its peer.
local function open_socket(S, op)
  local lab = S.lab
  local ok, a, b, c
  if op.kind == "udp" then
    ok, a, b, c = call(lab.udp, lab, "127.0.0.1", 0)
    if S.lab_closed then return expect_closed("udp", ok, a) end
    if not ok or check_outcome("udp", a, b, c) then return end
    local pok, p = call(lab.udp, lab, "127.0.0.1", 0)
    if not pok or not p then call(a.close, a) return end
    local port = p:port()
    S.socks[op.slot] = { sock = a, peer = p, kind = "udp", cq = {},
      peer_addr = string.pack("<I2>I2BBBB", 2, port, 127, 0, 0, 1) .. string.rep("\0", 20) }
  else
    ok, a, b, c = call(lab.tcp_pair, lab)
    if S.lab_closed then return expect_closed("tcp_pair", ok, a) end
    if not ok or check_outcome("tcp_pair", a, b, c) then return end
    S.socks[op.slot] = { sock = a, peer = b, kind = "tcp", cq = {} }
  end
end

-- Creates the RQ of a socket slot with limits and CQs from the op (possibly invalid).
local function open_rq(S, op)
  local e = get(S.socks, op.sock)
  if not e then return end
  local rc = get(S.cqs, op.rcq)
  local sc = op.scq and get(S.cqs, op.scq) or rc -- no scq: one CQ for both directions
  local opts = { recv = op.recv, send = op.send, recv_bufs = op.rbufs, send_bufs = op.sbufs,
    recv_cq = rc and rc.cq, send_cq = sc and sc.cq, context = op.sock }
  if op.odd then opts[op.odd_key] = odd_value(op.odd) end
  local lab = S.lab
  local ok, rq, msg, name = call(lab.rq, lab, e.sock, opts)
  if S.lab_closed then return expect_closed("rq", ok, rq) end
  if e.closed then
    if ok and rq ~= nil then violation("closed-use", "lab:rq accepted a closed socket") end
    return
  end
  if ok and not check_outcome("rq", rq, msg, name) then
    if e.rq then violation("model", "a second rq was created on one socket") end
    e.rq = rq
    e.cq.receive, e.cq.send = rc, sc
  end
end

-- Closes a CQ slot: its pending requests will produce nothing.
local function close_cq(S, e, cq)
  cq = cq or e.cq
  local ok, err = call(cq.close, cq)
  if not ok then violation("close", "cq:close raised: %s", tostring(err)) end
  if not e.closed then
    e.closed = true
    for _, r in pairs(S.reqs) do
      if r.cq == e and r.state == "pending" then r.state = "dropped" end
    end
  end
end

-- Checks and records the results dequeued from a CQ entry.
local function take_results(S, e, results)
  if type(results) ~= "table" then violation("dequeue", "results are a %s", type(results)) end
  for _, r in ipairs(results) do
    local id = r.request
    local req = S.reqs[id]
    if req == nil then
      violation("unexpected-completion", "completion for request %s that was never accepted",
        tostring(id))
    end
    if req.state ~= "pending" then
      violation("duplicate-completion", "request %s completed while %s", tostring(id), req.state)
    end
    if req.cq ~= e then
      violation("wrong-cq", "request %s completed into another CQ than its direction's", id)
    end
    if not (r.status == 0 or (type(r.status) == "string" and regio.wsa[r.status])) then
      violation("result", "request %s has status %s", id, tostring(r.status))
    end
    if math.type(r.bytes) ~= "integer" or r.bytes < 0 then
      violation("result", "request %s has bytes %s", id, tostring(r.bytes))
    end
    req.state = "done"
  end
end

local function dequeue(S, op)
  local e = get(S.cqs, op.cq)
  if not e then return end
  local max = op.max
  if op.odd then max = odd_value(op.odd) end
  local ok, results = call(e.cq.dequeue, e.cq, max)
  if S.lab_closed or e.closed then return expect_closed("dequeue", ok, results) end
  if ok then take_results(S, e, results) end
end

-- Closes a socket slot (close or abort); its pending requests complete with a cancellation.
-- close is idempotent; abort on a closed socket is a use of a closed object.
local function close_socket(S, e, abort)
  local ok, err = call(abort and e.sock.abort or e.sock.close, e.sock)
  if S.lab_closed or (abort and e.closed) then return expect_closed("abort", ok, err) end
  if not ok then violation("close", "socket close raised: %s", tostring(err)) end
  e.closed = true
end

-- The operations, by name. Each takes the state and the op.
local exec = {}

exec.socket = open_socket
exec.rq = open_rq
exec.recv, exec.send, exec.recv_ex, exec.send_ex = submit, submit, submit, submit
exec.dequeue = dequeue

function exec.cq(S, op)
  local lab = S.lab
  local size = op.size
  if op.odd then size = odd_value(op.odd) end
  local opts
  if op.notify == 1 then opts = { notify = "event", reset = op.size % 2 == 0 } end
  local ok, cq, msg, name = call(lab.cq, lab, size, opts)
  if S.lab_closed then return expect_closed("cq", ok, cq) end
  if ok and not check_outcome("cq", cq, msg, name) then
    S.cqs[op.slot] = { cq = cq, size = size }
  end
end

function exec.register(S, op)
  local lab = S.lab
  local arg = op.size
  if op.str then arg = string.rep("r", op.size) end
  if op.odd then arg = odd_value(op.odd) end
  local ok, buf, msg, name = call(lab.register, lab, arg)
  if S.lab_closed then return expect_closed("register", ok, buf) end
  if ok and not check_outcome("register", buf, msg, name) then
    S.bufs[op.slot] = { buf = buf, len = #buf }
  end
end

function exec.iocp(S, op)
  local lab = S.lab
  local ok, port = call(lab.iocp, lab)
  if S.lab_closed then return expect_closed("iocp", ok, port) end
  if ok and port then S.ports[op.slot] = { port = port } end
end

function exec.commit(S, op)
  local e = get(S.socks, op.sock)
  if not e or not e.rq then return end
  local ok, v, msg, name = call(e.rq.commit, e.rq, op.dir)
  if S.lab_closed then return expect_closed("commit", ok, v) end
  if ok then check_outcome("commit", v, msg, name) end
end

function exec.rq_resize(S, op)
  local e = get(S.socks, op.sock)
  if not e or not e.rq then return end
  local ok, v, msg, name = call(e.rq.resize, e.rq, op.recv, op.send)
  if S.lab_closed then return expect_closed("rq:resize", ok, v) end
  if ok then check_outcome("rq:resize", v, msg, name) end
end

function exec.cq_resize(S, op)
  local e = get(S.cqs, op.cq)
  if not e then return end
  local ok, v, msg, name = call(e.cq.resize, e.cq, op.odd and odd_value(op.odd) or op.size)
  if S.lab_closed or e.closed then return expect_closed("cq:resize", ok, v) end
  if ok then check_outcome("cq:resize", v, msg, name) end
end

function exec.notify(S, op)
  local e = get(S.cqs, op.cq)
  if not e then return end
  local ok, v, msg, name = call(e.cq.notify, e.cq)
  if S.lab_closed or e.closed then return expect_closed("notify", ok, v) end
  if ok then check_outcome("notify", v, msg, name) end
end

function exec.poll(S, op)
  local lab = S.lab
  local ok, err = call(lab.poll, lab, op.ms)
  if S.lab_closed then return expect_closed("poll", ok, err) end
  if not ok then violation("poll", "lab:poll raised: %s", tostring(err)) end
end

-- The plain peer writes (TCP) or sends a datagram to the RIO socket (UDP).
function exec.peer_write(S, op)
  local e = get(S.socks, op.sock)
  if not e or e.peer_closed then return end
  local data = string.rep(string.char(65 + op.len % 26), op.len)
  if e.kind == "udp" then
    if e.closed or S.lab_closed then return end
    local pok, port = call(e.sock.port, e.sock)
    if pok then call(e.peer.sendto, e.peer, data, "127.0.0.1", port) end
  else
    call(e.peer.write, e.peer, data, 0)
  end
end

function exec.peer_read(S, op)
  local e = get(S.socks, op.sock)
  if not e or e.peer_closed or e.kind == "udp" then return end
  call(e.peer.read, e.peer, op.len, 0)
end

-- The peer resets (abort) or closes its end mid-flight.
function exec.peer_close(S, op)
  local e = get(S.socks, op.sock)
  if not e or e.peer_closed then return end
  call(op.abort == 1 and e.peer.abort or e.peer.close, e.peer)
  e.peer_closed = true
end

function exec.peer_shutdown(S, op)
  local e = get(S.socks, op.sock)
  if not e or e.peer_closed or e.kind == "udp" then return end
  call(e.peer.shutdown, e.peer, ({ "send", "receive", "both" })[op.how])
end

function exec.close_socket(S, op)
  local e = get(S.socks, op.sock)
  if not e then return end
  if e.closed and not S.lab_closed then
    -- A second close is idempotent; other methods raise.
    local ok, err = call(e.sock.port, e.sock)
    expect_closed("sock:port", ok, err)
  end
  close_socket(S, e, op.abort == 1)
end

function exec.close_cq(S, op)
  local e = get(S.cqs, op.cq)
  if not e then return end
  close_cq(S, e)
end

function exec.deregister(S, op)
  local e = get(S.bufs, op.buf)
  if not e then return end
  local ok, v, msg, name = call(e.buf.deregister, e.buf)
  if S.lab_closed then return end
  if not ok then violation("deregister", "buf:deregister raised: %s", tostring(v)) end
  if not check_outcome("deregister", v, msg, name) then e.deregistered = true end
end

function exec.close_port(S, op)
  local e = get(S.ports, op.slot)
  if not e then return end
  local ok, err = call(e.port.close, e.port)
  if not ok then violation("close", "port:close raised: %s", tostring(err)) end
  e.closed = true
  local wok, werr = call(e.port.pending, e.port)
  expect_closed("port:pending", wok, werr)
end

-- Drops the script's reference to an object: the entry keeps only a weak reference to it.
function exec.drop(S, op)
  local t = S[op.kind]
  local e = get(t, op.slot)
  if not e then return end
  local obj = e.sock or e.cq or e.buf or e.port
  local key = op.kind .. op.slot
  S.weak[key] = obj
  if e.peer then S.weak[key .. "peer"] = e.peer end
  if e.rq then S.weak[key .. "rq"] = e.rq end
  e.sock, e.cq, e.buf, e.port, e.peer, e.rq = nil, nil, nil, nil, nil, nil
  e.dropped = key
  S.dropped[e] = t
end

function exec.gc(S, op)
  if op.full == 1 then collectgarbage() collectgarbage() else collectgarbage("step", 0) end
end

-- Closes the lab with everything in it: every pending request is released without a result.
function exec.close_lab(S, op)
  local ok, err = call(S.lab.close, S.lab)
  if not ok then violation("close", "lab:close raised: %s", tostring(err)) end
  S.lab_closed = true
  for _, r in pairs(S.reqs) do
    if r.state == "pending" then r.state = "dropped" end
  end
  local sok, serr = call(S.lab.stats, S.lab)
  expect_closed("lab:stats", sok, serr)
end

-- Calls a method with a wrong self or wrong arguments: must raise (or fail), never crash.
-- Methods that wait, consume results, submit requests or close are left out: the first could
-- block and the others would change the state behind the model's back.
function exec.bad(S, op)
  local pick = {}
  for _, t in ipairs { S.socks, S.cqs, S.bufs } do
    for _, e in pairs(t) do
      local o = e.sock or e.cq or e.buf
      if o then pick[#pick + 1] = o end
      if e.rq then pick[#pick + 1] = e.rq end
    end
  end
  if #pick == 0 then return end
  local target = pick[op.target % #pick + 1]
  -- The lab is only ever a foreign self: its methods with odd arguments could create objects.
  local victim = op.victim % (#pick + 1) == 0 and S.lab or pick[op.victim % #pick + 1]
  local mt = getmetatable(target)
  local names = {}
  if type(mt) == "table" and type(mt.__index) == "table" then
    for k, v in pairs(mt.__index) do
      if type(v) == "function" and k ~= "close" and k ~= "abort" and k ~= "deregister"
          and k ~= "wait" and k ~= "await" and k ~= "read" and k ~= "accept" and k ~= "connect"
          and k ~= "recvfrom" and k ~= "write" and k ~= "trace" and k ~= "link"
          and k ~= "sendto" and k ~= "shutdown" and k ~= "dequeue" and k ~= "dequeue_into"
          and k ~= "receive"
          and k ~= "send" and k ~= "receive_ex" and k ~= "send_ex" then
        names[#names + 1] = k
      end
    end
  end
  if #names == 0 then return end
  table.sort(names)
  local method = mt.__index[names[op.method % #names + 1]]
  -- Either a foreign self, or the right self with an odd first argument.
  if op.self == 1 then
    call(method, victim, odd_value(op.arg))
  else
    call(method, target, odd_value(op.arg), odd_value(op.arg + 3))
  end
end

--- Executes one operation on the state. Raises "invariant ..." on a broken invariant.
function M.step(S, op)
  local f = exec[op.op]
  if not f then error("unknown fuzz op " .. tostring(op.op), 0) end
  f(S, op)
end

-- Dequeues everything every live CQ holds (open or dropped but alive).
local function drain_cqs(S)
  for _, e in pairs(S.cqs) do
    local cq = e.cq or (e.dropped and S.weak[e.dropped])
    if cq and not e.closed then
      local ok, results = call(cq.dequeue, cq, 1024)
      if not ok then
        violation("dequeue", "cq:dequeue raised during drain: %s", tostring(results))
      end
      take_results(S, e, results)
    end
  end
end

-- The number of requests still waiting for their completion.
local function pending_count(S)
  local n = 0
  for _, r in pairs(S.reqs) do
    if r.state == "pending" then n = n + 1 end
  end
  return n
end

--- Ends an episode: closes every socket, collects every completion, checks the drained state,
--- closes every object, checks that nothing is live, and closes the lab.
function M.finish(S)
  if S.lab_closed then return end
  local lab = S.lab
  -- A dropped CQ that was collected can no longer deliver: its requests produce nothing.
  for _, e in pairs(S.cqs) do
    if e.dropped and not S.weak[e.dropped] then
      for _, r in pairs(S.reqs) do
        if r.cq == e and r.state == "pending" then r.state = "dropped" end
      end
    end
  end
  for _, e in pairs(S.socks) do
    local sock = e.sock or (e.dropped and S.weak[e.dropped])
    if sock and not e.closed then
      local ok, err = call(sock.close, sock)
      if not ok then violation("close", "socket close raised: %s", tostring(err)) end
      e.closed = true
    end
  end
  local start = lab:now()
  drain_cqs(S)
  while pending_count(S) > 0 and lab:now() - start < 2000 do
    call(lab.poll, lab, 5)
    drain_cqs(S)
  end
  if pending_count(S) > 0 then
    local ids = {}
    for id, r in pairs(S.reqs) do
      if r.state == "pending" then ids[#ids + 1] = tostring(id) end
    end
    table.sort(ids)
    violation("missing-completion", "%d accepted request(s) never completed: %s",
      #ids, table.concat(ids, " "))
  end
  for slot, e in pairs(S.socks) do
    local rq = e.rq or (e.dropped and S.weak[e.dropped .. "rq"])
    if rq then
      for _, dir in ipairs { "receive", "send" } do
        local ok, n = call(rq.charged, rq, dir)
        if ok and n ~= 0 then
          violation("charged", "socket slot %d: rq:charged('%s') = %s after the drain", slot, dir,
            tostring(n))
        end
      end
    end
  end
  local stats = lab:stats()
  if stats.requests ~= 0 then
    violation("stats", "lab:stats().requests = %d after the drain", stats.requests)
  end
  -- Close everything else the script can still reach, then nothing may be live.
  for _, e in pairs(S.socks) do
    local peer = e.peer or (e.dropped and S.weak[e.dropped .. "peer"])
    if peer then call(peer.close, peer) end
  end
  for _, e in pairs(S.cqs) do
    local cq = e.cq or (e.dropped and S.weak[e.dropped])
    if cq then close_cq(S, e, cq) end
  end
  for _, e in pairs(S.bufs) do
    local buf = e.buf or (e.dropped and S.weak[e.dropped])
    if buf then
      local ok, v, msg = call(buf.deregister, buf)
      if not ok or v ~= true then
        violation("deregister", "buf:deregister after the drain: %s, %s", tostring(v),
          tostring(msg))
      end
    end
  end
  for _, e in pairs(S.ports) do
    local port = e.port or (e.dropped and S.weak[e.dropped])
    if port then call(port.close, port) end
  end
  stats = lab:stats()
  for _, k in ipairs { "sockets", "cqs", "ports", "buffers", "requests" } do
    if stats[k] ~= 0 then
      violation("stats", "lab:stats().%s = %d once every object is closed", k, stats[k])
    end
  end
  local ok, err = call(lab.close, lab)
  if not ok then violation("close", "lab:close raised: %s", tostring(err)) end
  S.lab_closed = true
end

return M
