-- spec/sim_spec.lua: the sim engine's own behaviour — the virtual clock, every link knob, and
-- determinism (the same seed and script give a byte-identical trace). On the other engines only
-- the refusal of sock:link (EOPNOTSUPP) is checked; the foundation specs run on sim unchanged.

local H = require "helper"
local trace = require "regio.trace"

local WAITALL = 4 -- regio.MSG_WAITALL

-- Opens a sim lab with a seed and registers it for closing after the test.
local function sim_lab(seed, profile)
  return H.track(H.ok(H.regio.open { backend = "sim", profile = profile or "windows",
    seed = seed or 1 }))
end

-- Reads every datagram waiting at a plain UDP socket (after letting the clock run), returning
-- the payloads in arrival order.
local function drain(lab, sock)
  H.settle(lab, 1000)
  local got = {}
  while true do
    local data = sock:recvfrom(0)
    if data == nil then break end
    got[#got + 1] = data
  end
  return got
end

-- Sends n datagrams "1".."n" from s to the UDP socket r.
local function send_numbered(s, r, n)
  local host, port = r:address()
  for i = 1, n do
    H.ok(s:sendto(tostring(i), host, port))
  end
end

-- A busy scenario on one lab: TCP with segments, latency and bandwidth, UDP with loss,
-- duplication and reordering, RIO sends and receives in both directions. Returns the trace text.
local function busy_scenario(seed)
  local lab = sim_lab(seed)
  H.ok(lab:trace(true))
  local a, b = H.ok(lab:tcp_pair { family = 4,
    link = { segment = 7, latency = 1.5, bandwidth = 10000 } })
  local cq = H.ok(lab:cq(64))
  local rq = H.ok(lab:rq(a, { recv = 8, send = 8, cq = cq }))
  local buf = H.ok(lab:register(4096))
  for i = 0, 3 do
    H.ok(rq:receive(buf:slice(i * 64, 64), i == 2 and WAITALL or 0, "r" .. i))
  end
  H.ok(b:write(string.rep("x", 150)))
  buf:write(1024, string.rep("y", 90))
  H.ok(rq:send(buf:slice(1024, 90), 0, "s1"))
  H.await(cq, 5, 5000)
  assert.equal(90, #H.ok(b:read(90, 1000)))

  local u = H.ok(lab:udp("127.0.0.1", 0, { link = { loss = 0.2, dup = 0.1, reorder = 0.2,
    latency = 2 } }))
  local r = H.ok(lab:udp("127.0.0.1", 0))
  local ucq = H.ok(lab:cq(64))
  local urq = H.ok(lab:rq(r, { recv = 32, send = 1, cq = ucq }))
  for i = 0, 31 do
    H.ok(urq:receive(buf:slice(2048 + i * 32, 32), 0, "u" .. i))
  end
  send_numbered(u, r, 40)
  H.settle(lab, 100)
  ucq:dequeue(64)
  cq:dequeue(64)
  H.ok(lab:trace(false))
  return trace.text(lab:trace_events())
end

H.for_each_backend(function(backend)
  if backend ~= "sim" then
    it("sock:link fails with EOPNOTSUPP (no simulated links here)", function()
      local lab = H.open(backend)
      local a = H.ok(lab:tcp_pair())
      assert.equal("EOPNOTSUPP", H.fail_name(a:link { latency = 5 }))
    end)
    return
  end

  describe("the virtual clock", function()
    it("starts at 0 and lab:poll(ms) advances it by exactly ms when nothing completes",
      function()
        local lab = sim_lab()
        assert.is_true(lab:caps().virtual_time)
        assert.is_false(lab:caps().kernel_io)
        assert.equal(0, lab:now())
        lab:poll(250)
        assert.equal(250, lab:now())
        lab:poll(0)
        assert.equal(250, lab:now())
      end)

    it("a 10-second cq:await with nothing to come takes 10 s of virtual time", function()
      local lab = sim_lab()
      local t = H.tcp(lab)
      local buf = H.ok(lab:register(16))
      H.ok(t.rq:receive(buf:slice(0, 16), 0, "never"))
      local results = t.cq:await(1, 10000)
      assert.equal(0, #results)
      assert.equal(10000, lab:now())
    end)

    it("lab:poll(ms) stops at the first completion", function()
      local lab = sim_lab()
      local t = H.tcp(lab)
      H.ok(t.b:link { latency = 30 })
      local buf = H.ok(lab:register(16))
      H.ok(t.rq:receive(buf:slice(0, 16), 0, 1))
      H.ok(t.b:write("late"))
      assert.equal(1, lab:poll(100))
      assert.equal(30, lab:now())
    end)

    it("a peer-side read waits in virtual time", function()
      local lab = sim_lab()
      local a, b = H.ok(lab:tcp_pair())
      H.ok(a:link { latency = 40 })
      H.ok(a:write("hello"))
      assert.equal("hello", H.ok(b:read(5, 1000)))
      assert.equal(40, lab:now())
      -- Nothing in flight: a read with a limit takes exactly its time and returns nothing.
      assert.equal("", b:read(5, 300))
      assert.equal(340, lab:now())
    end)
  end)

  describe("addresses", function()
    it("hands out ports from 49152 upward and uses loopback addresses", function()
      local lab = sim_lab()
      local u1 = H.ok(lab:udp("127.0.0.1", 0))
      local u2 = H.ok(lab:udp("127.0.0.1", 0))
      local host, port = u1:address()
      assert.equal("127.0.0.1", host)
      assert.equal(49152, port)
      assert.equal(49153, select(2, u2:address()))
      local a, b = H.ok(lab:tcp_pair(6))
      assert.equal("::1", (a:address()))
      assert.equal(select(2, b:address()), select(2, a:peer()))
    end)

    it("a connected UDP socket takes datagrams from its peer only", function()
      local lab = sim_lab()
      local r = H.ok(lab:udp("127.0.0.1", 0))
      local friend = H.ok(lab:udp("127.0.0.1", 0))
      local stranger = H.ok(lab:udp("127.0.0.1", 0))
      H.ok(r:connect(friend:address()))
      local host, port = r:address()
      H.ok(stranger:sendto("no", host, port))
      H.ok(friend:sendto("yes", host, port))
      assert.same({ "yes" }, drain(lab, r))
    end)
  end)

  describe("segment size", function()
    it("WAITALL over a link with segment size 1 still completes once", function()
      local lab = sim_lab()
      local t = H.tcp(lab, { recv = 1, send = 1 })
      H.ok(t.b:link { segment = 1 })
      local buf = H.ok(lab:register(100))
      local sent = string.rep("0123456789", 10)
      H.ok(t.rq:receive(buf:slice(0, 100), WAITALL, "all"))
      H.ok(t.b:write(sent))
      local r = H.await_exact(t.cq, 1)
      H.check_result(r[1], 0, 100, "all")
      assert.equal(sent, buf:read(0, 100))
      H.expect_none(lab, t.cq)
    end)

    it("without WAITALL the same 100 bytes arrive as 100 completions of 1 byte", function()
      local lab = sim_lab()
      local t = H.tcp(lab, { recv = 1, send = 1 })
      H.ok(t.b:link { segment = 1 })
      local buf = H.ok(lab:register(100))
      local sent = string.rep("abcdefghij", 10)
      H.ok(t.b:write(sent))
      for i = 1, 100 do
        H.ok(t.rq:receive(buf:slice(i - 1, 101 - i), 0, i))
        local r = H.await_exact(t.cq, 1)
        H.check_result(r[1], 0, 1, i)
      end
      assert.equal(sent, buf:read(0, 100))
    end)
  end)

  describe("latency and bandwidth", function()
    it("latency shifts completion times by exactly the latency", function()
      local lab = sim_lab()
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register(16))
      local function arrival()
        local t0 = lab:now()
        H.ok(t.rq:receive(buf:slice(0, 16), 0, "x"))
        H.ok(t.b:write("ping"))
        H.await_exact(t.cq, 1)
        return lab:now() - t0
      end
      assert.equal(0, arrival())
      H.ok(t.b:link { latency = 7.5 })
      assert.equal(7.5, arrival())
      H.ok(t.b:link { latency = 0 })
      assert.equal(0, arrival())
    end)

    it("bandwidth spreads delivery: 100-byte segments at 1000 bytes/s arrive 100 ms apart",
      function()
        local lab = sim_lab()
        local t = H.tcp(lab, { recv = 1, send = 1 })
        H.ok(t.b:link { segment = 100, bandwidth = 1000 })
        local buf = H.ok(lab:register(1000))
        H.ok(t.b:write(string.rep("b", 1000)))
        for i = 1, 10 do
          H.ok(t.rq:receive(buf:slice((i - 1) * 100, 100), 0, i))
          local r = H.await_exact(t.cq, 1, 5000)
          H.check_result(r[1], 0, 100, i)
          assert.equal(100 * i, lab:now())
        end
      end)

    it("tcp_pair{link=...} applies the knobs to both ends", function()
      local lab = sim_lab()
      local a, b = H.ok(lab:tcp_pair { family = 4, link = { latency = 3 } })
      H.ok(a:write("ab"))
      assert.equal("ab", H.ok(b:read(2, 100)))
      assert.equal(3, lab:now())
      H.ok(b:write("ba"))
      assert.equal("ba", H.ok(a:read(2, 100)))
      assert.equal(6, lab:now())
    end)
  end)

  describe("datagram faults", function()
    it("a loss of 30 % over 1000 datagrams loses about 300, the same ones for the same seed",
      function()
        local function run(seed)
          local lab = sim_lab(seed)
          local s = H.ok(lab:udp("127.0.0.1", 0, { link = { loss = 0.3 } }))
          local r = H.ok(lab:udp("127.0.0.1", 0))
          send_numbered(s, r, 1000)
          return table.concat(drain(lab, r), ",")
        end
        local first = run(7)
        local count = select(2, first:gsub("[^,]+", ""))
        assert.is_true(count >= 640 and count <= 760,
          "expected 240..360 datagrams lost, lost " .. (1000 - count))
        assert.equal(first, run(7))
        assert.are_not.equal(first, run(8))
      end)

    it("a RIO receive sees the same losses as the peer side", function()
      local lab = sim_lab(3)
      local t = H.udp(lab, { recv = 16, send = 1, size = 17 })
      H.ok(t.peer:link { loss = 0.5 })
      local buf = H.ok(lab:register(16 * 8))
      for i = 1, 16 do
        H.ok(t.rq:receive(buf:slice((i - 1) * 8, 8), 0, i))
      end
      send_numbered(t.peer, t.u, 16)
      H.settle(lab, 10)
      local got = t.cq:dequeue(16)
      assert.is_true(#got > 0 and #got < 16, "expected some of 16 datagrams, got " .. #got)
    end)

    it("duplication is seen: dup = 1 delivers every datagram twice", function()
      local lab = sim_lab()
      local s = H.ok(lab:udp("127.0.0.1", 0, { link = { dup = 1 } }))
      local r = H.ok(lab:udp("127.0.0.1", 0))
      send_numbered(s, r, 3)
      assert.same({ "1", "1", "2", "2", "3", "3" }, drain(lab, r))
    end)

    it("reordering is seen, and knobs change mid-scenario", function()
      local lab = sim_lab()
      local s = H.ok(lab:udp("127.0.0.1", 0))
      local r = H.ok(lab:udp("127.0.0.1", 0))
      local host, port = r:address()
      H.ok(s:link { reorder = 1 })
      H.ok(s:sendto("first", host, port))
      H.ok(s:link {})
      H.ok(s:sendto("second", host, port))
      assert.same({ "second", "first" }, drain(lab, r))
    end)

    it("a probability of reordering mixes the order but keeps every datagram", function()
      local lab = sim_lab(11)
      local s = H.ok(lab:udp("127.0.0.1", 0, { link = { reorder = 0.3, latency = 1 } }))
      local r = H.ok(lab:udp("127.0.0.1", 0))
      local host, port = r:address()
      for i = 1, 50 do
        H.ok(s:sendto(tostring(i), host, port))
        lab:poll(1) -- one datagram per millisecond, so a held-back one is overtaken
      end
      local got = drain(lab, r)
      assert.equal(50, #got)
      local inversions = 0
      for i = 2, #got do
        if tonumber(got[i]) < tonumber(got[i - 1]) then inversions = inversions + 1 end
      end
      assert.is_true(inversions > 0, "expected some datagrams out of order")
    end)
  end)

  describe("resets and refusals", function()
    it("reset after N bytes gives ECONNRESET after exactly N bytes", function()
      local lab = sim_lab()
      local t = H.tcp(lab, { recv = 1, send = 1 })
      H.ok(t.b:link { reset_after = 10, segment = 4 })
      local buf = H.ok(lab:register(64))
      assert.equal(10, H.ok(t.b:write(string.rep("z", 30))))
      local total, n = 0, 0
      while true do
        n = n + 1
        H.ok(t.rq:receive(buf:slice(0, 64), 0, n))
        local r = H.await_exact(t.cq, 1)
        if r[1].status ~= 0 then
          H.check_result(r[1], "ECONNRESET", 0, n)
          break
        end
        total = total + r[1].bytes
      end
      assert.equal(10, total)
      -- The reset is sticky on both ends.
      assert.equal("ECONNRESET", H.fail_name(t.b:write("more")))
    end)

    it("refuse makes connect fail with ECONNREFUSED; turning it off lets it through",
      function()
        local lab = sim_lab()
        local l = H.ok(lab:listen("127.0.0.1", 0, { refuse = true }))
        assert.equal("ECONNREFUSED", H.fail_name(lab:connect("127.0.0.1", l:port())))
        H.ok(l:link { refuse = false })
        local c = H.ok(lab:connect("127.0.0.1", l:port()))
        local s = H.ok(l:accept(100))
        H.ok(c:write("hi"))
        assert.equal("hi", H.ok(s:read(2, 100)))
        l:close()
        assert.equal("ECONNREFUSED", H.fail_name(lab:connect("127.0.0.1", 49999)))
      end)
  end)

  describe("traces", function()
    it("lab:trace_events() returns the recorded events as tables", function()
      local lab = sim_lab()
      H.ok(lab:trace(true))
      local t = H.tcp(lab, { recv = 1, send = 1 })
      H.ok(t.b:link { latency = 2 })
      local buf = H.ok(lab:register(16))
      H.ok(t.rq:receive(buf:slice(0, 16), 0, "r"))
      H.ok(t.b:write("abc"))
      H.await_exact(t.cq, 1)
      local events = lab:trace_events()
      local seen = {}
      for _, ev in ipairs(events) do
        seen[ev.kind] = seen[ev.kind] or ev
      end
      assert.equal("receive", seen.submit.dir)
      assert.equal(16, seen.submit.bytes)
      assert.equal(0, seen.complete.status)
      assert.equal(3, seen.complete.bytes)
      assert.equal(2, seen.complete.t)
      assert.equal("net", seen.net.kind)
      local arrived
      for _, ev in ipairs(events) do
        if ev.kind == "net" and ev.note == "segment arrived" then arrived = ev end
      end
      assert.is_table(arrived, "expected a 'segment arrived' event")
      assert.equal(2, arrived.t)
      assert.equal(3, arrived.bytes)
      assert.is_string(trace.text(events))
      assert.equal(#events, select(2, trace.text(events):gsub("\n", "")))
    end)

    it("the same seed and script give a byte-identical trace; another seed does not", function()
      local first = busy_scenario(42)
      assert.is_true(#first > 0)
      assert.equal(first, busy_scenario(42))
      assert.are_not.equal(first, busy_scenario(43))
    end)
  end)
end)
