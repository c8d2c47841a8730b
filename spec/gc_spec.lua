-- Garbage collection with work in flight (DESIGN.md §1 principle 5, lua/API.md pinning rule):
-- whatever a script drops, collecting it never crashes, and memory a pending request uses stays
-- pinned until the request is dequeued or released.

local H = require "helper"

H.for_each_backend(function(backend)
  local regio = H.regio

  describe("garbage collection", function()
    it("dropping every child with requests in flight keeps them pinned and working", function()
      local lab = H.open(backend)
      local peer, cq_weak
      do
        local a, b = H.ok(lab:tcp_pair())
        local cq = H.ok(lab:cq(8))
        local rq = H.ok(lab:rq(a, { recv = 2, send = 2, cq = cq, context = {} }))
        local buf = H.ok(lab:register(64))
        H.ok(rq:receive(buf:slice(0, 10), 0, { tag = "recv" }))
        H.ok(rq:send(H.ok(lab:register("hello")):slice(), 0, { tag = "send" }))
        H.ok(rq:receive(buf:slice(16, 10), regio.MSG_DEFER, { tag = "deferred" }))
        peer = b
        cq_weak = setmetatable({ cq }, { __mode = "v" })
      end
      collectgarbage()
      collectgarbage()
      -- The RQ (and so its socket) is pinned by its pending requests: the send still arrives.
      assert.equal("hello", peer:read(5, 1000))
      peer:write("0123456789")
      H.settle(lab, 30)
      collectgarbage()
      collectgarbage()
      -- Accepted and not dequeued: the send, the filled receive and the deferred receive.
      assert.equal(3, lab:stats().requests)
      -- The CQ is pinned by those requests, so the weak reference still holds it.
      local cq = cq_weak[1]
      assert.is_not_nil(cq, "a CQ with pending requests was collected")
      local by_tag = {}
      for _, r in ipairs(cq:await(2, 1000)) do
        by_tag[r.request.tag] = r
      end
      H.check_result(by_tag.send, 0, 5, H.ANY)
      H.check_result(by_tag.recv, 0, 10, H.ANY)
      assert.equal(1, lab:stats().requests)
      cq = nil
      collectgarbage()
      collectgarbage()
      H.settle(lab, 10)
      lab:close()
      collectgarbage()
      collectgarbage()
    end)

    it("dropping a buffer with a pending receive keeps its memory until the request ends",
      function()
        local lab = H.open(backend)
        local t = H.tcp(lab, { recv = 1, send = 1 })
        do
          local buf = H.ok(lab:register(4096))
          H.ok(t.rq:receive(buf:slice(0, 4096), 0, "dropped"))
        end
        collectgarbage()
        collectgarbage()
        assert.equal(1, lab:stats().buffers)
        t.b:write(string.rep("w", 4096))
        local r = H.await_exact(t.cq, 1)
        H.check_result(r[1], 0, H.ANY, "dropped")
        assert.is_true(r[1].bytes > 0)
        r = nil
        collectgarbage()
        collectgarbage()
        assert.equal(0, lab:stats().buffers)
        H.assert_drained(lab, t.cq, t.rq)
      end)

    it("dropping a whole lab with requests in flight is collected without a crash", function()
      local before = collectgarbage("count")
      for _ = 1, 3 do
        local lab = H.ok(regio.open { backend = backend })
        local t = H.tcp(lab, { recv = 2, send = 2 })
        local buf = H.ok(lab:register(256))
        H.ok(t.rq:receive(buf:slice(0, 128), 0, {}))
        H.ok(t.rq:send(buf:slice(128, 128), regio.MSG_DEFER, {}))
        local port = H.ok(lab:iocp())
        local ecq = H.ok(lab:cq(2, { notify = "iocp", port = port, key = 1, overlapped = 1 }))
        H.ok(ecq:notify())
      end
      collectgarbage()
      collectgarbage()
      collectgarbage()
      assert.is_true(collectgarbage("count") < before + 4096)
      -- A new lab works normally afterwards.
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register("after"))
      H.ok(t.rq:send(buf:slice(), 0, "s"))
      assert.equal("after", t.b:read(5, 1000))
    end)

    it("a child that outlives its dropped lab never crashes when used", function()
      local cq, buf, sock
      do
        local lab = H.ok(regio.open { backend = backend })
        cq = H.ok(lab:cq(4))
        buf = H.ok(lab:register(16))
        sock = H.ok(lab:udp("127.0.0.1", 0))
      end
      collectgarbage()
      collectgarbage()
      -- Either the children keep the lab alive or they report it closed; both are fine, a
      -- crash is not.
      local ok1, err1 = pcall(cq.size, cq)
      local ok2, err2 = pcall(buf.read, buf, 0, 4)
      local ok3, err3 = pcall(sock.port, sock)
      for _, pair in ipairs({ { ok1, err1 }, { ok2, err2 }, { ok3, err3 } }) do
        if not pair[1] then
          assert.truthy(tostring(pair[2]):find("attempt to use a closed regio.", 1, true),
            tostring(pair[2]))
        end
      end
      cq, buf, sock = nil, nil, nil
      collectgarbage()
      collectgarbage()
    end)

    it("closing the lab, then collecting the children, never crashes", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 2, send = 2 })
      local buf = H.ok(lab:register(64))
      H.ok(t.rq:receive(buf:slice(0, 32), 0, {}))
      H.ok(t.rq:send(buf:slice(32, 32), 0, {}))
      lab:close()
      t, buf = nil, nil
      collectgarbage()
      collectgarbage()
    end)

    it("closed CQ and socket objects are collected after their requests are released",
      function()
        local lab = H.open(backend)
        local weak = setmetatable({}, { __mode = "v" })
        do
          local t = H.tcp(lab, { recv = 1, send = 1 })
          local buf = H.ok(lab:register(16))
          H.ok(t.rq:receive(buf:slice(), 0, "r"))
          weak.cq, weak.rq, weak.buf, weak.sock = t.cq, t.rq, buf, t.a
          t.a:close()
          t.b:close()
          t.cq:close()
        end
        collectgarbage()
        collectgarbage()
        collectgarbage()
        assert.is_nil(weak.cq)
        assert.is_nil(weak.rq)
        assert.is_nil(weak.buf)
        assert.is_nil(weak.sock)
        assert.same({ sockets = 0, cqs = 0, ports = 0, buffers = 0, requests = 0 }, lab:stats())
      end)
  end)
end)
