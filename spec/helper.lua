-- spec/helper.lua: shared helpers for the regio specs.
--
-- busted loads this file once before the specs (.busted: helper = "spec/helper.lua"), and every
-- spec file requires it as the module "helper" (spec/?.lua is on the path). Its functions use
-- busted's API through require "busted", because functions defined here do not see the spec
-- files' environment.
--
-- The main entry is for_each_backend(fn): it runs fn once per available engine inside a
-- describe block named "[engine]", and turns an unavailable engine into a pending test whose name
-- carries the reason, so a skip is always visible.

local busted = require "busted"
local assert = require "luassert"

local H = {}

-- Labs opened through H.open in the running test; closed by the after_each hook.
local open_labs = {}

-- Loads the regio module once per spec file. Returns true and the module, or false and the
-- loading error (the specs then report that error as one failing test).
local function load_regio()
  if H.regio then
    return true, H.regio
  end
  local ok, mod = pcall(require, "regio")
  if ok then
    H.regio = mod
  end
  return ok, mod
end

-- Closes every lab the test opened and collects garbage twice, so that finalizers of objects the
-- test dropped run while this test is still the one being reported.
local function close_labs()
  for i = #open_labs, 1, -1 do
    local lab = open_labs[i]
    open_labs[i] = nil
    local ok, err = pcall(lab.close, lab)
    assert(ok, "lab:close() raised during cleanup: " .. tostring(err))
  end
  collectgarbage()
  collectgarbage()
end

-- Registers a lab for closing after the running test. Returns the lab.
function H.track(lab)
  open_labs[#open_labs + 1] = lab
  return lab
end

-- Runs fn(name) inside describe("[name]") for every engine of regio.backends() that is
-- available; an unavailable engine becomes the pending test "[name] skipped: <reason>". When
-- REGIO_BACKEND is set (and not "auto"), only that engine is considered.
function H.for_each_backend(fn)
  local ok, regio = load_regio()
  if not ok then
    busted.it("regio loads (require 'regio')", function()
      error(regio, 0)
    end)
    return
  end
  local only = os.getenv("REGIO_BACKEND")
  if only == "" or only == "auto" then
    only = nil
  end
  local matched = false
  for _, info in ipairs(regio.backends()) do
    if only == nil or info.name == only then
      matched = true
      if info.available then
        busted.describe("[" .. info.name .. "]", function()
          busted.after_each(close_labs)
          fn(info.name)
        end)
      else
        busted.pending("[" .. info.name .. "] skipped: " .. tostring(info.reason))
      end
    end
  end
  if not matched then
    busted.it("REGIO_BACKEND names a known engine", function()
      error("REGIO_BACKEND=" .. only .. " is not in regio.backends()", 0)
    end)
  end
end

-- Opens a lab on the engine with the profile (default "windows") and seed 1, and registers it for
-- closing after the test. Fails the test if the lab cannot be opened.
function H.open(backend, profile)
  local regio = H.regio
  local lab = H.ok(regio.open { backend = backend, profile = profile or "windows", seed = 1 })
  return H.track(lab)
end

-- Asserts that a call succeeded (first value truthy) and returns all its values. On a fail triple
-- the assertion message carries the error message.
function H.ok(...)
  local v, msg = ...
  if not v then
    assert(false, "expected success, got " .. tostring(v) .. ", " .. tostring(msg), 2)
  end
  return ...
end

-- Checks that the values are a fail triple: nil, "NAME: message", "NAME" with NAME one of
-- regio.wsa. Returns NAME, or "(no failure: <first value>)" when the call succeeded, so that
-- assert.equal("ENOBUFS", H.fail_name(rq:receive(s))) reads well and fails clearly.
function H.fail_name(...)
  local n = select("#", ...)
  local v, msg, name = ...
  if v ~= nil then
    return "(no failure: " .. tostring(v) .. ")"
  end
  assert(n == 3, "a fail triple has 3 values, got " .. n)
  assert(type(msg) == "string", "fail triple: message must be a string, got " .. type(msg))
  assert(type(name) == "string", "fail triple: name must be a string, got " .. type(name))
  assert(msg:sub(1, #name + 2) == name .. ": ",
    "fail triple: message must start with '" .. name .. ": ', got '" .. msg .. "'")
  assert(H.regio.wsa[name] ~= nil, "fail triple: " .. name .. " is not in regio.wsa")
  return name
end

-- Calls fn(...) and asserts that it raises an error whose text contains plain (a plain string,
-- not a pattern). Returns the error text.
function H.raises(plain, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error containing '" .. plain .. "', but the call succeeded")
  err = tostring(err)
  assert(err:find(plain, 1, true), "expected an error containing '" .. plain .. "', got: " .. err)
  return err
end

-- Runs the lab's engine for ms milliseconds (default 50) of its clock, whatever happens.
function H.settle(lab, ms)
  ms = ms or 50
  local start = lab:now()
  local left = ms
  while left > 0 do
    lab:poll(math.max(1, math.ceil(left)))
    left = ms - (lab:now() - start)
  end
end

-- Waits (making progress) until the CQ holds at least n results, for at most ms (default 1000).
-- Fails the test on timeout. Nothing is dequeued.
function H.wait_queued(lab, cq, n, ms)
  ms = ms or 1000
  local start = lab:now()
  while cq:queued() < n do
    if lab:now() - start > ms then
      assert(false, string.format("expected %d queued results within %d ms, have %d",
        n, ms, cq:queued()), 2)
    end
    lab:poll(5)
  end
end

-- cq:await(n, ms) with a default of 1000 ms: up to n results.
function H.await(cq, n, ms)
  return cq:await(n, ms or 1000)
end

-- Awaits exactly n results within ms (default 1000) and returns them; fails the test otherwise.
function H.await_exact(cq, n, ms)
  local results = cq:await(n, ms or 1000)
  assert(#results == n, string.format("expected %d results, got %d", n, #results), 2)
  return results
end

-- Lets the engine run for ms (default 50) and asserts that the CQ produced nothing: the check
-- that a refused request never completes.
function H.expect_none(lab, cq, ms)
  H.settle(lab, ms or 50)
  local results = cq:dequeue()
  assert(#results == 0, string.format("expected no completion, got %d (first request=%s)",
    #results, results[1] and tostring(results[1].request) or "-"), 2)
end

-- Asserts one result's fields: status (0 or an error name), bytes, and request context
-- (compared with rawequal; pass H.ANY to skip a field).
H.ANY = setmetatable({}, { __tostring = function() return "<any>" end })
function H.check_result(r, status, bytes, request)
  assert(type(r) == "table", "expected a result table, got " .. type(r), 2)
  if status ~= H.ANY then
    assert(r.status == status, string.format("status: expected %s, got %s (request=%s)",
      tostring(status), tostring(r.status), tostring(r.request)), 2)
  end
  if bytes ~= H.ANY then
    assert(r.bytes == bytes, string.format("bytes: expected %s, got %s (request=%s)",
      tostring(bytes), tostring(r.bytes), tostring(r.request)), 2)
  end
  if request ~= H.ANY then
    assert(rawequal(r.request, request), string.format("request: expected %s, got %s",
      tostring(request), tostring(r.request)), 2)
  end
end

-- Returns the request contexts of an array of results.
function H.contexts(results)
  local out = {}
  for i, r in ipairs(results) do
    out[i] = r.request
  end
  return out
end

-- Asserts the drained state: nothing charged to the RQ in either direction, nothing queued in the
-- CQ, no outstanding request in the lab.
function H.assert_drained(lab, cq, rq)
  if rq then
    assert(rq:charged("receive") == 0, "rq:charged('receive') = " .. rq:charged("receive"), 2)
    assert(rq:charged("send") == 0, "rq:charged('send') = " .. rq:charged("send"), 2)
  end
  if cq then
    assert(cq:queued() == 0, "cq:queued() = " .. cq:queued(), 2)
  end
  assert(lab:stats().requests == 0, "lab:stats().requests = " .. lab:stats().requests, 2)
end

-- A connected TCP pair with an RQ on side a (the RIO side; b is the plain peer). opts: recv,
-- send (limits, default 4 each), recv_bufs, send_bufs, size (CQ size, default recv + send),
-- context (the RQ's socket context), family (4 or 6). Returns { a, b, cq, rq }.
function H.tcp(lab, opts)
  opts = opts or {}
  local recv, send = opts.recv or 4, opts.send or 4
  local a, b = H.ok(lab:tcp_pair(opts.family))
  local cq = H.ok(lab:cq(opts.size or math.max(1, recv + send)))
  local rq = H.ok(lab:rq(a, { recv = recv, send = send, recv_bufs = opts.recv_bufs,
    send_bufs = opts.send_bufs, cq = cq, context = opts.context }))
  return { a = a, b = b, cq = cq, rq = rq }
end

-- A bound UDP socket on 127.0.0.1 with an RQ (the RIO side) and a plain peer UDP socket.
-- opts as for H.tcp, plus host. Returns { u, peer, cq, rq }.
function H.udp(lab, opts)
  opts = opts or {}
  local host = opts.host or "127.0.0.1"
  local recv, send = opts.recv or 4, opts.send or 4
  local u = H.ok(lab:udp(host, 0))
  local peer = H.ok(lab:udp(host, 0))
  local cq = H.ok(lab:cq(opts.size or math.max(1, recv + send)))
  local rq = H.ok(lab:rq(u, { recv = recv, send = send, recv_bufs = opts.recv_bufs,
    send_bufs = opts.send_bufs, cq = cq, context = opts.context }))
  return { u = u, peer = peer, cq = cq, rq = rq }
end

-- Encodes an IPv4 SOCKADDR_INET (28 bytes): family 2 (little-endian), port (network order),
-- address, zero padding.
function H.sockaddr_in(host, port)
  local a, b, c, d = host:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  assert(a, "sockaddr_in: not a dotted IPv4 address: " .. tostring(host))
  local raw = string.pack("<I2>I2BBBB", 2, port, tonumber(a), tonumber(b), tonumber(c),
    tonumber(d))
  return raw .. string.rep("\0", 28 - #raw)
end

-- Decodes a SOCKADDR_INET: returns family (the raw 16-bit value), port, and the address as a
-- dotted string (IPv4) or 16 raw bytes (IPv6).
function H.parse_sockaddr(raw)
  assert(#raw >= 28, "a SOCKADDR_INET has 28 bytes, got " .. #raw)
  local family = string.unpack("<I2", raw, 1)
  local port = string.unpack(">I2", raw, 3)
  if family == 2 then
    return family, port, string.format("%d.%d.%d.%d", raw:byte(5, 8))
  end
  return family, port, raw:sub(9, 24)
end

return H
