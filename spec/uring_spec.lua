-- The uring engine's own promises: registered buffers really are registered with the kernel,
-- sends from them use them, and the io_uring traps of URING-NOTES.md are handled (short sends,
-- a reset swallowed by a short WAITALL receive, close() not cancelling, partial counts of
-- cancelled requests, EINTR after ring teardown, and the order of many requests on one socket).
-- Runs only on uring; when uring is not available here the tests are pending with the reason.

local H = require "helper"

-- Returns the lines of /proc/self/fdinfo that describe io_uring fixed buffers ("N: 0xADDR/LEN"),
-- over every io_uring descriptor of the process, or nil when /proc is not readable.
local function kernel_fixed_buffers()
  local found, lines = false, {}
  for fd = 0, 1023 do
    local f = io.open("/proc/self/fdinfo/" .. fd)
    if f then
      local text = f:read("a") or ""
      f:close()
      if text:find("UserBufs:", 1, true) then
        found = true
        for line in text:gmatch("[^\n]+") do
          if line:match("^%s*%d+: 0x%x+/%d+$") then
            lines[#lines + 1] = line
          end
        end
      end
    end
  end
  return found and lines or nil
end

-- Counts the kernel's fixed buffers of exactly len bytes.
local function count_len(lines, len)
  local n = 0
  for _, line in ipairs(lines) do
    if line:match("/(%d+)$") == tostring(len) then
      n = n + 1
    end
  end
  return n
end

-- A stream of n chunks of size bytes, each chunk made of its own number ("<0001>..."), so that
-- every byte's position can be checked. size must be a multiple of 6.
local function chunk(i, size)
  return string.format("<%04d>", i):rep(size // 6)
end

H.for_each_backend(function(backend)
  if backend ~= "uring" then
    return
  end
  local regio = H.regio

  describe("registered buffers", function()
    it("registers buffers with the kernel as fixed buffers, and deregisters them", function()
      local lab = H.open(backend)
      local caps = lab:caps()
      assert.is_true(caps.fixed_buffers)
      local before = caps.fixed_registered
      local lines = kernel_fixed_buffers()
      assert.is_not_nil(lines, "no io_uring descriptor with UserBufs in /proc/self/fdinfo")
      local odd = 12347 -- a length no other buffer of this test has
      assert.equal(0, count_len(lines, odd))
      local buf = H.ok(lab:register(odd))
      assert.equal(before + 1, lab:caps().fixed_registered)
      assert.equal(1, count_len(kernel_fixed_buffers(), odd), "the kernel does not list it")
      H.ok(buf:deregister())
      assert.equal(before, lab:caps().fixed_registered)
      assert.equal(0, count_len(kernel_fixed_buffers(), odd), "the kernel still lists it")
    end)

    it("sends from a registered buffer are carried out from the fixed buffer", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 2, send_bufs = 2 })
      local buf = H.ok(lab:register("hello, fixed world"))
      local sends = lab:caps().fixed_sends
      H.ok(t.rq:send(buf:slice(0, 5), 0, "one"))
      H.check_result(H.await_exact(t.cq, 1)[1], 0, 5, "one")
      assert.equal("hello", t.b:read(5, 1000))
      assert.is_true(lab:caps().fixed_sends > sends, "the send did not use the fixed buffer")
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("plain TCP receives into a registered buffer are read into the fixed buffer", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 2, send = 1 })
      local buf = H.ok(lab:register(64))
      local receives = lab:caps().fixed_receives
      H.ok(t.rq:receive(buf:slice(8, 16), 0, "plain"))
      t.b:write("fixed!")
      H.check_result(H.await_exact(t.cq, 1)[1], 0, 6, "plain")
      assert.equal("fixed!", buf:read(8, 6))
      assert.is_true(lab:caps().fixed_receives > receives, "the receive did not use it")
      -- WAITALL needs MSG_WAITALL, which only RECV has: that receive takes the plain address.
      receives = lab:caps().fixed_receives
      H.ok(t.rq:receive(buf:slice(32, 4), regio.MSG_WAITALL, "all"))
      t.b:write("wait")
      H.check_result(H.await_exact(t.cq, 1)[1], 0, 4, "all")
      assert.equal("wait", buf:read(32, 4))
      assert.equal(receives, lab:caps().fixed_receives)
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("a buffer stays registered with the kernel while a request uses it", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local odd = 4099
      local buf = H.ok(lab:register(odd))
      H.ok(t.rq:receive(buf:slice(0, 10), 0, "r"))
      assert.equal("EBUSY", H.fail_name(buf:deregister()))
      assert.equal(1, count_len(kernel_fixed_buffers(), odd))
      t.b:write("0123456789")
      H.check_result(H.await_exact(t.cq, 1)[1], 0, 10, "r")
      H.ok(buf:deregister())
      assert.equal(0, count_len(kernel_fixed_buffers(), odd))
    end)
  end)

  describe("traps", function()
    it("a large send completes whole, as one completion of every byte", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local size = 6 * 1024 * 1024 -- far beyond the socket buffers: the kernel sends it in parts
      local data = chunk(7, size)
      local buf = H.ok(lab:register(data))
      H.ok(t.rq:send(buf:slice(0, size), 0, "big"))
      local got = t.b:read(size, 10000)
      assert.equal(size, #got)
      assert.is_true(got == data, "the stream differs from the buffer")
      local r = H.await_exact(t.cq, 1)
      H.check_result(r[1], 0, size, "big")
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("a reset after part of a WAITALL receive arrived completes it with ECONNRESET", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 2, send = 1 })
      local buf = H.ok(lab:register(200))
      H.ok(t.rq:receive(buf:slice(0, 100), regio.MSG_WAITALL, "part"))
      t.b:write(("p"):rep(50))
      H.expect_none(lab, t.cq, 50) -- the 50 bytes are in the kernel's request now
      t.b:abort()
      local r = H.await_exact(t.cq, 1)
      -- io_uring itself reports this as a success of 50 bytes; the engine must not.
      H.check_result(r[1], "ECONNRESET", 50, "part")
      assert.equal(("p"):rep(50), buf:read(0, 50))
      -- The reset is remembered: a later receive fails with it too, instead of reading EOF.
      H.ok(t.rq:receive(buf:slice(100, 100), 0, "after"))
      H.check_result(H.await_exact(t.cq, 1)[1], "ECONNRESET", 0, "after")
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("a FIN after part of a WAITALL receive is end of stream, not a reset", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register(100))
      H.ok(t.rq:receive(buf:slice(0, 100), regio.MSG_WAITALL, "fin"))
      t.b:write(("f"):rep(30))
      H.expect_none(lab, t.cq, 50)
      t.b:shutdown("send")
      H.check_result(H.await_exact(t.cq, 1)[1], 0, 30, "fin")
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("closing a socket cancels its kernel requests before the descriptor goes", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register(16))
      H.ok(t.rq:receive(buf:slice(0, 16), 0, "pending"))
      H.settle(lab, 20)
      t.a:close()
      H.check_result(H.await_exact(t.cq, 1)[1], "ECANCELED", 0, "pending")
      -- Had the receive stayed in the kernel, it would keep the socket open and swallow what the
      -- peer sends. The socket is really closed: the peer sees end of stream, and its writes are
      -- soon refused with a reset.
      assert.equal("", t.b:read(1, 2000))
      local refused
      for _ = 1, 50 do
        local ok, _, name = t.b:write("x")
        if not ok then
          refused = name
          break
        end
        H.settle(lab, 10)
      end
      assert.is_not_nil(refused, "the peer could keep writing: the socket was not closed")
      assert.equal(("\0"):rep(16), buf:read(0, 16))
    end)

    it("a cancelled WAITALL receive with partial bytes completes as ECANCELED", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register(100))
      H.ok(t.rq:receive(buf:slice(0, 100), regio.MSG_WAITALL, "partial"))
      t.b:write(("c"):rep(30))
      H.expect_none(lab, t.cq, 50)
      t.a:close()
      -- The kernel reports the 30 bytes for the cancelled request; RIO reports an aborted one.
      H.check_result(H.await_exact(t.cq, 1)[1], "ECANCELED", 0, "partial")
    end)

    it("waits survive the EINTR that another ring's teardown sends", function()
      local other = H.open(backend)
      local o = H.tcp(other, { recv = 1, send = 1 })
      local obuf = H.ok(other:register(16))
      H.ok(o.rq:receive(obuf:slice(0, 16), 0, "torn down"))
      local lab = H.open(backend)
      local cq = H.ok(lab:cq(2, { notify = "event" }))
      local a, b = H.ok(lab:tcp_pair())
      local rq = H.ok(lab:rq(a, { recv = 1, send = 1, cq = cq }))
      local buf = H.ok(lab:register(4))
      H.ok(rq:receive(buf:slice(0, 4), 0, "later"))
      H.ok(cq:notify())
      other:close() -- queues task work that interrupts this thread's next blocking call
      assert.is_false(cq:wait(100))
      assert.equal("", b:read(4, 60))
      b:write("ping")
      assert.is_true(cq:wait(2000))
      H.check_result(H.await_exact(cq, 1)[1], 0, 4, "later")
    end)
  end)

  describe("order", function()
    local N, SIZE = 64, 6000

    it("64 receives and 64 sends on one socket keep every byte in place", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = N, send = N, size = 2 * N })
      local out, stream = {}, {}
      for i = 1, N do
        out[i] = chunk(i, SIZE)
        stream[i] = chunk(N + i, SIZE)
      end
      local sbuf = H.ok(lab:register(table.concat(out)))
      local rbuf = H.ok(lab:register(N * SIZE))
      for i = 1, N do
        H.ok(t.rq:receive(rbuf:slice((i - 1) * SIZE, SIZE), regio.MSG_WAITALL, "r" .. i))
        H.ok(t.rq:send(sbuf:slice((i - 1) * SIZE, SIZE), 0, "s" .. i))
      end
      -- The peer reads what the 64 sends wrote, then writes what the 64 receives expect.
      local got = t.b:read(N * SIZE, 10000)
      assert.equal(N * SIZE, #got)
      for i = 1, N do
        local piece = got:sub((i - 1) * SIZE + 1, i * SIZE)
        assert(piece == out[i], "send " .. i .. " is out of place: " .. piece:sub(1, 6))
      end
      assert.equal(N * SIZE, t.b:write(table.concat(stream), 10000))
      local results = H.await_exact(t.cq, 2 * N, 10000)
      local nr, ns = 0, 0
      for _, r in ipairs(results) do
        H.check_result(r, 0, SIZE, H.ANY)
        local kind, i = r.request:match("^(%a)(%d+)$")
        if kind == "r" then
          nr = nr + 1
          assert.equal("r" .. nr, r.request) -- receives complete in posting order
        else
          ns = ns + 1
          assert.equal("s" .. ns, r.request) -- and sends too
        end
        assert.is_not_nil(i)
      end
      for i = 1, N do
        local piece = rbuf:read((i - 1) * SIZE, SIZE)
        assert(piece == stream[i], "receive " .. i .. " got " .. piece:sub(1, 6))
      end
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("64 receives without WAITALL take the stream in posting order", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = N, send = 1, size = N + 1 })
      local stream = {}
      for i = 1, N do
        stream[i] = chunk(i, SIZE)
      end
      stream = table.concat(stream)
      local rbuf = H.ok(lab:register(N * SIZE))
      for i = 1, N do
        H.ok(t.rq:receive(rbuf:slice((i - 1) * SIZE, SIZE), 0, i))
      end
      H.settle(lab, 20)
      assert.equal(#stream, t.b:write(stream, 10000))
      t.b:shutdown("send") -- ends the stream, so every receive completes
      local results = H.await_exact(t.cq, N, 10000)
      local pieces = {}
      for k, r in ipairs(results) do
        assert.equal(k, r.request)
        pieces[k] = rbuf:read((k - 1) * SIZE, r.bytes)
      end
      local joined = table.concat(pieces)
      assert(joined == stream:sub(1, #joined), "the receives took the bytes out of order")
    end)
  end)
end)
