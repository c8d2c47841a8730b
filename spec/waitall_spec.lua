-- RIO_MSG_WAITALL on a single slice (RIO-SPEC §4.6; scenarios #22-#25). WAITALL over several
-- slices depends on the profile and is in profile_spec.lua.

local H = require "helper"

H.for_each_backend(function(backend)
  local regio = H.regio
  local WAITALL = regio.MSG_WAITALL

  describe("WAITALL", function()
    it("#22 WAITALL, one slice, split arrival: exactly one completion of 100 bytes", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register(100))
      H.ok(t.rq:receive(buf:slice(0, 100), WAITALL, "all"))
      t.b:write(string.rep("a", 10))
      -- 10 of 100 bytes: the receive must still be pending after a pause.
      H.expect_none(lab, t.cq, 50)
      t.b:write(string.rep("b", 90))
      local r = H.await_exact(t.cq, 1)
      H.check_result(r[1], 0, 100, "all")
      assert.equal(string.rep("a", 10) .. string.rep("b", 90), buf:read(0, 100))
      H.expect_none(lab, t.cq)
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("#22 WAITALL with the flags table spelling behaves the same", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register(20))
      H.ok(t.rq:receive(buf:slice(0, 20), { waitall = true }, "all"))
      for i = 1, 4 do
        t.b:write(string.rep(tostring(i), 5))
        if i < 4 then
          H.expect_none(lab, t.cq, 20)
        end
      end
      local r = H.await_exact(t.cq, 1)
      H.check_result(r[1], 0, 20, "all")
      assert.equal("11111222223333344444", buf:read(0, 20))
    end)

    it("#23 without WAITALL, split arrival: the first completion has 1..100 bytes and the "
      .. "rest arrives in later receives", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register(200))
      local sent = string.rep("a", 10) .. string.rep("b", 90)
      H.ok(t.rq:receive(buf:slice(0, 100), 0, 1))
      t.b:write(sent:sub(1, 10))
      H.settle(lab, 50)
      t.b:write(sent:sub(11))
      local r = H.await_exact(t.cq, 1)
      H.check_result(r[1], 0, H.ANY, 1)
      local got = r[1].bytes
      assert.is_true(got >= 1 and got <= 100, "first receive got " .. got .. " bytes")
      -- The first write was alone on the wire for 50 ms: it normally ends the first receive.
      assert.equal(10, got)
      local total, n = got, 1
      while total < 100 do
        n = n + 1
        H.ok(t.rq:receive(buf:slice(total, 100), 0, n))
        local more = H.await_exact(t.cq, 1)
        H.check_result(more[1], 0, H.ANY, n)
        assert.is_true(more[1].bytes >= 1 and more[1].bytes <= 100 - total,
          "receive " .. n .. " got " .. more[1].bytes .. " bytes")
        total = total + more[1].bytes
      end
      assert.equal(sent, buf:read(0, 100))
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("#24 WAITALL and early FIN: one completion, status 0 with the 40 bytes received",
      function()
        local lab = H.open(backend)
        local t = H.tcp(lab, { recv = 1, send = 1 })
        local buf = H.ok(lab:register(100))
        H.ok(t.rq:receive(buf:slice(0, 100), WAITALL, "fin"))
        t.b:write(string.rep("f", 40))
        H.expect_none(lab, t.cq, 30)
        t.b:shutdown("send")
        local r = H.await_exact(t.cq, 1)
        H.check_result(r[1], 0, 40, "fin")
        assert.equal(string.rep("f", 40), buf:read(0, 40))
        H.expect_none(lab, t.cq)
        H.assert_drained(lab, t.cq, t.rq)
      end)

    it("WAITALL and a reset: one completion with ECONNRESET", function()
      local lab = H.open(backend)
      local t = H.tcp(lab, { recv = 1, send = 1 })
      local buf = H.ok(lab:register(100))
      H.ok(t.rq:receive(buf:slice(0, 100), WAITALL, "rst"))
      t.b:write(string.rep("r", 10))
      H.expect_none(lab, t.cq, 30)
      t.b:abort()
      local r = H.await_exact(t.cq, 1)
      H.check_result(r[1], "ECONNRESET", H.ANY, "rst")
      assert.is_true(r[1].bytes <= 100)
      H.expect_none(lab, t.cq)
      H.assert_drained(lab, t.cq, t.rq)
    end)

    it("#25 WAITALL on UDP fails with EINVAL and never completes", function()
      local lab = H.open(backend)
      local t = H.udp(lab, { recv = 2, send = 1 })
      local buf = H.ok(lab:register(64))
      assert.equal("EINVAL", H.fail_name(t.rq:receive(buf:slice(0, 64), WAITALL, "w")))
      assert.equal("EINVAL", H.fail_name(t.rq:receive_ex(buf:slice(0, 32), {}, WAITALL, "wx")))
      assert.equal(0, t.rq:charged("receive"))
      H.ok(t.peer:sendto("dgram", "127.0.0.1", t.u:port()))
      H.expect_none(lab, t.cq)
      -- The datagram is still there for a valid receive.
      H.ok(t.rq:receive(buf:slice(0, 64), 0, "ok"))
      local r = H.await_exact(t.cq, 1)
      H.check_result(r[1], 0, 5, "ok")
    end)
  end)
end)
