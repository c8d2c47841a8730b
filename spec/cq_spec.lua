-- Completion queues: RIOCreateCompletionQueue, capacity reservations of attached RQs,
-- RIODequeueCompletion and the RIORESULT fields (RIO-SPEC §3.3, §3.13, §4.2, §4.9;
-- scenarios #7, #8, #10, #11, #12, #30, #31).

local H = require "helper"

H.for_each_backend(function(backend)
  local regio = H.regio

  describe("completion queues", function()
    it("#7 CQ size limits: 0 and MAX_CQ_SIZE + 1 fail with EINVAL, 1 succeeds", function()
      local lab = H.open(backend)
      assert.equal(0x8000000, regio.MAX_CQ_SIZE)
      assert.equal("EINVAL", H.fail_name(lab:cq(0)))
      assert.equal("EINVAL", H.fail_name(lab:cq(regio.MAX_CQ_SIZE + 1)))
      assert.equal(0, lab:stats().cqs)
      local cq = H.ok(lab:cq(1))
      assert.equal(1, cq:size())
      assert.equal(0, cq:queued())
      assert.equal(0, cq:reserved())
      assert.equal("polled", cq:kind())
      assert.equal(1, lab:stats().cqs)
    end)

    it("#8 an IOCP CQ needs an overlapped value: without one it fails with EINVAL", function()
      local lab = H.open(backend)
      local port = H.ok(lab:iocp())
      assert.equal("EINVAL", H.fail_name(lab:cq(4, { notify = "iocp", port = port, key = 1 })))
      assert.equal(0, lab:stats().cqs)
      local cq = H.ok(lab:cq(4, { notify = "iocp", port = port, key = 1, overlapped = 2 }))
      assert.equal("iocp", cq:kind())
    end)

    it("#10 exact-fit CQ capacity: CQ of 2 takes an RQ (recv 1, send 1)", function()
      local lab = H.open(backend)
      local a = H.ok(lab:tcp_pair())
      local cq = H.ok(lab:cq(2))
      local rq = H.ok(lab:rq(a, { recv = 1, send = 1, cq = cq }))
      assert.equal(2, cq:reserved())
      assert.equal(1, rq:limit("receive"))
      assert.equal(1, rq:limit("send"))
    end)

    it("#11 CQ over-commit: a second RQ fails with ENOBUFS until the first one's socket is "
      .. "closed and its aborted requests are dequeued", function()
      local lab = H.open(backend)
      local cq = H.ok(lab:cq(8))
      local a = H.ok(lab:tcp_pair())
      local c = H.ok(lab:tcp_pair())
      local rq_a = H.ok(lab:rq(a, { recv = 4, send = 4, cq = cq }))
      assert.equal(8, cq:reserved())
      assert.equal("ENOBUFS", H.fail_name(lab:rq(c, { recv = 1, send = 0, cq = cq })))
      assert.is_nil(c:rq())
      local buf = H.ok(lab:register(64))
      H.ok(rq_a:receive(buf:slice(0, 8), 0, "a1"))
      H.ok(rq_a:receive(buf:slice(8, 8), 0, "a2"))
      a:close()
      -- Decision: the reservation is released when the closed socket's last charged request is
      -- dequeued, so the CQ can never over-commit.
      H.wait_queued(lab, cq, 2)
      assert.equal("ENOBUFS", H.fail_name(lab:rq(c, { recv = 1, send = 0, cq = cq })))
      local r = cq:dequeue()
      assert.equal(2, #r)
      assert.equal(0, cq:reserved())
      local rq_c = H.ok(lab:rq(c, { recv = 1, send = 0, cq = cq }))
      assert.equal(1, cq:reserved())
      assert.is_true(rawequal(rq_c, c:rq()))
    end)

    it("#11 an idle RQ's reservation is released when its socket closes", function()
      local lab = H.open(backend)
      local cq = H.ok(lab:cq(8))
      local a = H.ok(lab:tcp_pair())
      local c = H.ok(lab:tcp_pair())
      H.ok(lab:rq(a, { recv = 4, send = 4, cq = cq }))
      assert.equal("ENOBUFS", H.fail_name(lab:rq(c, { recv = 1, cq = cq })))
      a:close()
      assert.equal(0, cq:reserved())
      H.ok(lab:rq(c, { recv = 1, cq = cq }))
    end)

    it("#12 split CQs: a full receive CQ refuses with ENOBUFS, both limits 0 with EINVAL",
      function()
        local lab = H.open(backend)
        local recv_cq = H.ok(lab:cq(4))
        local send_cq = H.ok(lab:cq(4))
        local s1 = H.ok(lab:tcp_pair())
        local s2 = H.ok(lab:tcp_pair())
        local s3 = H.ok(lab:tcp_pair())
        H.ok(lab:rq(s1, { recv = 4, send = 4, recv_cq = recv_cq, send_cq = send_cq }))
        assert.equal(4, recv_cq:reserved())
        assert.equal(4, send_cq:reserved())
        assert.equal("ENOBUFS", H.fail_name(lab:rq(s2, { recv = 1, send = 0,
          recv_cq = recv_cq, send_cq = send_cq })))
        assert.equal("EINVAL", H.fail_name(lab:rq(s3, { recv = 0, send = 0,
          recv_cq = recv_cq, send_cq = send_cq })))
        assert.equal(4, recv_cq:reserved())
        assert.equal(4, send_cq:reserved())
      end)

    it("#12 split CQs: receives complete into the receive CQ and sends into the send CQ",
      function()
        local lab = H.open(backend)
        local recv_cq = H.ok(lab:cq(2))
        local send_cq = H.ok(lab:cq(2))
        local a, b = H.ok(lab:tcp_pair())
        local rq = H.ok(lab:rq(a, { recv = 2, send = 2, recv_cq = recv_cq, send_cq = send_cq }))
        local buf = H.ok(lab:register("ping....."))
        H.ok(rq:receive(buf:slice(4, 5), 0, "r"))
        H.ok(rq:send(buf:slice(0, 4), 0, "s"))
        assert.equal("ping", b:read(4, 1000))
        local sr = H.await_exact(send_cq, 1)
        H.check_result(sr[1], 0, 4, "s")
        b:write("pong!")
        local rr = H.await_exact(recv_cq, 1)
        H.check_result(rr[1], 0, 5, "r")
        assert.equal("pong!", buf:read(4, 5))
        H.expect_none(lab, send_cq)
        H.assert_drained(lab, recv_cq, rq)
      end)

    -- RIODequeueCompletion(RIO_INVALID_CQ) returns RIO_CORRUPT_CQ; in Lua an invalid CQ is a
    -- closed one, and using it raises instead.
    it("dequeue_into fills the caller's tables in FIFO order, reusing them", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 5, size = 8, context = "conn" })
      local buf = H.ok(lab:register("abcde"))
      local results = {}
      assert.equal(0, t.cq:dequeue_into(results))
      for i = 1, 3 do H.ok(t.rq:send(buf:slice(i - 1, 1), 0, "s" .. i)) end
      assert.equal("abc", t.b:read(3, 1000))
      H.wait_queued(lab, t.cq, 3)
      assert.equal(2, t.cq:dequeue_into(results, 2))
      local first, second = results[1], results[2]
      H.check_result(first, 0, 1, "s1")
      H.check_result(second, 0, 1, "s2")
      assert.equal("conn", first.socket)
      -- The next call reuses the same tables; entries past n stay as they were.
      assert.equal(1, t.cq:dequeue_into(results, 2))
      assert.equal(first, results[1])
      H.check_result(results[1], 0, 1, "s3")
      assert.equal(second, results[2])
      H.check_result(results[2], 0, 1, "s2")
      -- A later result overwrites every field of a reused table.
      H.ok(t.rq:send(buf:slice(3, 2), 0, "s4"))
      assert.equal("de", t.b:read(2, 1000))
      H.wait_queued(lab, t.cq, 1)
      assert.equal(1, t.cq:dequeue_into(results))
      H.check_result(results[1], 0, 2, "s4")
      H.assert_drained(lab, t.cq, t.rq)
      H.raises("bad argument", t.cq.dequeue_into, t.cq, 5)
    end)

    it("#30 dequeue basics: empty gives {}, 5 results come out 2, 2, 1, 0 in FIFO order",
      function()
        local lab = H.open(backend)
        local t = H.tcp(lab, { recv = 1, send = 5, size = 8 })
        assert.same({}, t.cq:dequeue())
        assert.same({}, t.cq:dequeue(0))
        local buf = H.ok(lab:register("abcde"))
        for i = 1, 5 do
          H.ok(t.rq:send(buf:slice(i - 1, 1), 0, i))
        end
        assert.equal("abcde", t.b:read(5, 1000))
        H.wait_queued(lab, t.cq, 5)
        assert.same({}, t.cq:dequeue(0))
        assert.equal(5, t.cq:queued())
        local seen = {}
        for _, want in ipairs({ 2, 2, 1, 0 }) do
          local r = t.cq:dequeue(2)
          assert.equal(want, #r)
          for _, res in ipairs(r) do
            H.check_result(res, 0, 1, H.ANY)
            seen[#seen + 1] = res.request
          end
        end
        assert.same({ 1, 2, 3, 4, 5 }, seen)
        H.assert_drained(lab, t.cq, t.rq)
        t.cq:close()
        H.raises("attempt to use a closed regio.cq", t.cq.dequeue, t.cq)
      end)

    it("#31 RIORESULT fields: status 0, bytes 7, socket context 0x1234, request 0xABCD",
      function()
        local lab = H.open(backend)
        local t = H.udp(lab, { recv = 1, send = 1, context = 0x1234 })
        assert.equal(0x1234, t.rq.context)
        local buf = H.ok(lab:register(64))
        H.ok(t.rq:receive(buf:slice(0, 64), 0, 0xABCD))
        H.ok(t.peer:sendto("seven!!", "127.0.0.1", t.u:port()))
        local r = H.await_exact(t.cq, 1)
        H.check_result(r[1], 0, 7, 0xABCD)
        assert.equal(0x1234, r[1].socket)
        assert.equal("seven!!", buf:read(0, 7))
        H.assert_drained(lab, t.cq, t.rq)
      end)

    it("#31 contexts may be any Lua value and come back as the same value", function()
      local lab = H.open(backend)
      local socket_ctx = { name = "conn-1" }
      local t = H.udp(lab, { recv = 3, send = 1, context = socket_ctx })
      local buf = H.ok(lab:register(64))
      local request_ctx = { op = "recv" }
      H.ok(t.rq:receive(buf:slice(0, 8), 0, request_ctx))
      H.ok(t.rq:receive(buf:slice(8, 8), 0, "text"))
      H.ok(t.rq:receive(buf:slice(16, 8)))
      for _, payload in ipairs({ "a", "b", "c" }) do
        H.ok(t.peer:sendto(payload, "127.0.0.1", t.u:port()))
      end
      local r = H.await_exact(t.cq, 3)
      H.check_result(r[1], 0, 1, request_ctx)
      H.check_result(r[2], 0, 1, "text")
      H.check_result(r[3], 0, 1, nil)
      for i = 1, 3 do
        assert.is_true(rawequal(socket_ctx, r[i].socket))
      end
      assert.is_true(rawequal(socket_ctx, t.rq.context))
    end)

    it("await returns at most n results and waits no longer than asked", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 3 })
      local buf = H.ok(lab:register("xyz"))
      for i = 1, 3 do
        H.ok(t.rq:send(buf:slice(i - 1, 1), 0, i))
      end
      local first = H.await_exact(t.cq, 2)
      assert.same({ 1, 2 }, H.contexts(first))
      local rest = t.cq:await(5, 100)
      assert.same({ 3 }, H.contexts(rest))
      local start = lab:now()
      assert.same({}, t.cq:await(1, 50))
      local waited = lab:now() - start
      assert.is_true(waited >= 40 and waited < 1000, "await(1, 50) waited " .. waited .. " ms")
    end)
  end)
end)
