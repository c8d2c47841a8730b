-- Closing with work in flight: sockets, CQs, buffers and whole labs (RIO-SPEC §3.5, §4.10,
-- §4.11, §6 item 12; scenarios #28, #29).

local H = require "helper"

H.for_each_backend(function(backend)
  local regio = H.regio

  describe("close", function()
    it("#28 closing a socket with 4 pending receives gives exactly 4 ECANCELED completions "
      .. "in posting order", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 4, send = 1, context = "sock" })
      local buf = H.ok(lab:register(64))
      local ctx = { "r1", "r2", "r3", "r4" }
      for i = 1, 4 do
        H.ok(t.rq:receive(buf:slice((i - 1) * 16, 16), 0, ctx[i]))
      end
      H.expect_none(lab, t.cq, 20)
      t.a:close()
      local r = H.await(t.cq, 5, 200)
      assert.equal(4, #r)
      for i = 1, 4 do
        H.check_result(r[i], "ECANCELED", 0, ctx[i])
        assert.equal("sock", r[i].socket)
      end
      assert.equal(995, regio.wsa.ECANCELED)
      H.expect_none(lab, t.cq)
      assert.equal(0, t.rq:charged("receive"))
      assert.equal(0, lab:stats().requests)
      assert.equal(0, buf:in_flight())
      assert.is_true(buf:deregister())
    end)

    it("#28 closing a socket cancels deferred requests and pending sends too", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 2, send = 2 })
      local buf = H.ok(lab:register(64))
      H.ok(t.rq:receive(buf:slice(0, 16), regio.MSG_DEFER, "dr"))
      H.ok(t.rq:receive(buf:slice(16, 16), 0, "r"))
      H.ok(t.rq:send(buf:slice(32, 16), regio.MSG_DEFER, "ds"))
      t.a:abort()
      local r = H.await(t.cq, 4, 200)
      assert.equal(3, #r)
      local by_ctx = {}
      for _, res in ipairs(r) do
        by_ctx[res.request] = res
      end
      H.check_result(by_ctx.dr, "ECANCELED", 0, "dr")
      H.check_result(by_ctx.r, "ECANCELED", 0, "r")
      H.check_result(by_ctx.ds, "ECANCELED", 0, "ds")
      -- Receives keep their posting order among themselves.
      local receive_order = {}
      for _, res in ipairs(r) do
        if res.request ~= "ds" then
          receive_order[#receive_order + 1] = res.request
        end
      end
      assert.same({ "dr", "r" }, receive_order)
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("submissions on an RQ whose socket is closed fail with EINVAL", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register(16))
      t.a:close()
      assert.equal("EINVAL", H.fail_name(t.rq:receive(buf:slice(0, 8), 0, "r")))
      assert.equal("EINVAL", H.fail_name(t.rq:send(buf:slice(8, 8), 0, "s")))
      assert.equal("EINVAL", H.fail_name(t.rq:commit("send")))
      assert.equal("EINVAL", H.fail_name(t.rq:resize(2, 2)))
      H.expect_none(lab, t.cq)
      H.raises("attempt to use a closed regio.socket", t.a.write, t.a, "x")
    end)

    -- RIOCloseCompletionQueue(RIO_INVALID_CQ) is a no-op; in Lua, closing a CQ twice is.
    it("#29 a closed CQ drops later completions; nothing crashes; the RQ refuses with EINVAL",
      function()
        local lab = H.open(backend)
        local t = H.tcp(lab, { recv = 2, send = 1 })
        local buf = H.ok(lab:register(32))
        H.ok(t.rq:receive(buf:slice(0, 10), 0, "r1"))
        H.ok(t.rq:receive(buf:slice(10, 10), 0, "r2"))
        t.cq:close()
        t.cq:close()
        t.b:write("0123456789abcdefghij")
        H.settle(lab, 50)
        assert.equal("EINVAL", H.fail_name(t.rq:receive(buf:slice(20, 10), 0, "r3")))
        H.raises("attempt to use a closed regio.cq", t.cq.dequeue, t.cq)
        H.raises("attempt to use a closed regio.cq", t.cq.queued, t.cq)
        assert.equal(0, lab:stats().requests)
        assert.equal(0, lab:stats().cqs)
        assert.equal(0, buf:in_flight())
        assert.is_true(buf:deregister())
        -- The peer side keeps working.
        t.b:write("still here")
      end)

    it("#29 closing a CQ with results queued drops them and releases their buffers", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 2, send = 1 })
      local buf = H.ok(lab:register(32))
      H.ok(t.rq:receive(buf:slice(0, 4), 0, 1))
      t.b:write("abcd")
      H.wait_queued(lab, t.cq, 1)
      assert.equal(1, buf:in_flight())
      t.cq:close()
      assert.equal(0, buf:in_flight())
      assert.equal(0, lab:stats().requests)
      assert.is_true(buf:deregister())
    end)

    it("teardown without draining: close socket, close CQ, deregister (RIO-SPEC §6 #12)",
      function()
        local lab = H.open(backend)
        local t = H.tcp(lab, { recv = 4, send = 1 })
        local buf = H.ok(lab:register(64))
        for i = 1, 4 do
          H.ok(t.rq:receive(buf:slice((i - 1) * 16, 16), 0, i))
        end
        t.a:close()
        t.cq:close()
        assert.is_true(buf:deregister())
        assert.equal(0, lab:stats().requests)
        assert.equal(0, lab:stats().buffers)
      end)

    it("teardown in the other order: close CQ, deregister (EBUSY), then close the socket",
      function()
        local lab = H.open(backend)
        local t = H.tcp(lab, { recv = 2, send = 1 })
        local buf = H.ok(lab:register(32))
        H.ok(t.rq:receive(buf:slice(0, 16), 0, 1))
        H.ok(t.rq:receive(buf:slice(16, 16), 0, 2))
        t.cq:close()
        -- Still pending in the engine: regio refuses to deregister memory it may write.
        assert.equal("EBUSY", H.fail_name(buf:deregister()))
        t.a:close()
        assert.equal(0, buf:in_flight())
        assert.is_true(buf:deregister())
        assert.equal(0, lab:stats().requests)
      end)

    it("lab:close with requests in flight; then every child raises on use", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 2, send = 2 })
      local port = H.ok(lab:iocp())
      local ecq = H.ok(lab:cq(4, { notify = "event" }))
      local buf = H.ok(lab:register(64))
      local s = buf:slice(0, 16)
      H.ok(t.rq:receive(s, 0, "r"))
      H.ok(t.rq:receive(buf:slice(16, 16), regio.MSG_DEFER, "dr"))
      H.ok(t.rq:send(buf:slice(32, 16), regio.MSG_DEFER, "ds"))
      H.ok(ecq:notify())
      lab:close()
      lab:close()
      local closed = "attempt to use a closed regio."
      H.raises(closed .. "lab", lab.cq, lab, 4)
      H.raises(closed .. "lab", lab.stats, lab)
      H.raises(closed, t.cq.dequeue, t.cq)
      H.raises(closed, ecq.notify, ecq)
      H.raises(closed, t.rq.receive, t.rq, s)
      H.raises(closed, t.rq.charged, t.rq, "receive")
      H.raises(closed, t.a.write, t.a, "x")
      H.raises(closed, t.b.read, t.b, 1, 0)
      H.raises(closed, port.wait, port, 0)
      H.raises(closed, buf.slice, buf, 0, 1)
      H.raises(closed, buf.id, buf)
      -- Closing children of a closed lab is harmless.
      t.cq:close()
      t.a:close()
      port:close()
      collectgarbage()
      collectgarbage()
    end)

    it("close methods are idempotent on every type", function()
      local lab = H.open(backend)
      local a, b = H.ok(lab:tcp_pair())
      local cq = H.ok(lab:cq(2))
      local port = H.ok(lab:iocp())
      b:abort()
      for _ = 1, 2 do
        a:close()
        b:close()
        cq:close()
        port:close()
      end
      assert.equal(0, lab:stats().sockets)
      assert.equal(0, lab:stats().cqs)
      assert.equal(0, lab:stats().ports)
    end)

    it("a closed IOCP port drops the packets of CQs that notify it", function()
      local lab = H.open(backend)
      local port = H.ok(lab:iocp())
      local cq = H.ok(lab:cq(2, { notify = "iocp", port = port, key = 1, overlapped = 1 }))
      local u = H.ok(lab:udp("127.0.0.1", 0))
      local peer = H.ok(lab:udp("127.0.0.1", 0))
      local rq = H.ok(lab:rq(u, { recv = 1, cq = cq }))
      local buf = H.ok(lab:register(16))
      H.ok(rq:receive(buf:slice(), 0, "r"))
      H.ok(cq:notify())
      port:close()
      H.raises("attempt to use a closed regio.iocp", port.wait, port, 0)
      H.ok(peer:sendto("x", "127.0.0.1", u:port()))
      local r = H.await_exact(cq, 1)
      H.check_result(r[1], 0, 1, "r")
    end)
  end)
end)
