-- The error table: regio.wsa, regio.errors and regio.strerror, generated from REGIO_ERRNO_MAP in
-- core/include/regio.h (RIO-SPEC §1.3 error codes, §4.13).

local H = require "helper"

H.for_each_backend(function(backend)
  local regio = H.regio

  -- The Winsock numbers RIO-SPEC and regio.h give for each name.
  local expected = {
    EINVAL = 10022, EFAULT = 10014, ENOBUFS = 10055, EALREADY = 10037, ETOOMANYREFS = 10059,
    ECANCELED = 995, ECONNRESET = 10054, EBUSY = 170, ETIMEDOUT = 10060, ENOMEM = 8,
    EMSGSIZE = 10040, ENOTSOCK = 10038, EOPNOTSUPP = 10045, ECONNREFUSED = 10061,
    ENOTCONN = 10057, EADDRINUSE = 10048, EADDRNOTAVAIL = 10049, EAFNOSUPPORT = 10047,
    ECONNABORTED = 10053, ENETUNREACH = 10051, EHOSTUNREACH = 10065, EAGAIN = 10035,
    EMFILE = 10024, ESHUTDOWN = 10058, ENOSYS = 10091, EPIPE = 10058,
  }

  describe("errors", function()
    it("regio.wsa maps every error name to its Winsock number", function()
      for name, wsa in pairs(expected) do
        assert.equal(wsa, regio.wsa[name], name)
      end
      assert.is_not_nil(regio.wsa.ECORRUPT)
      assert.is_not_nil(regio.wsa.EIO)
    end)

    it("regio.errors lists every error once, consistent with wsa and strerror", function()
      local seen = 0
      local names = {}
      for i, e in ipairs(regio.errors) do
        assert.equal("string", type(e.name), "entry " .. i)
        assert.is_nil(names[e.name], "listed twice: " .. e.name)
        names[e.name] = true
        seen = seen + 1
        assert.equal(regio.wsa[e.name], e.wsa, e.name)
        assert.equal("string", type(e.message))
        assert.is_true(#e.message > 0)
        assert.equal(e.message, regio.strerror(e.name))
      end
      assert.equal(28, seen)
      for name in pairs(regio.wsa) do
        assert.is_true(names[name], "in wsa but not in errors: " .. tostring(name))
      end
      for name in pairs(expected) do
        assert.is_true(names[name], "missing: " .. name)
      end
    end)

    it("fail triples carry their name and a message", function()
      local lab = H.open(backend)
      local _, msg, name = lab:register(0)
      assert.equal("EINVAL", name)
      assert.truthy(msg:match("^EINVAL: %S"), msg)
      local t = H.tcp(lab, { recv = 1, send = 0 })
      local buf = H.ok(lab:register(4))
      _, msg, name = t.rq:send(buf:slice())
      assert.equal("ENOBUFS", name)
      assert.truthy(msg:match("^ENOBUFS: %S"), msg)
    end)
  end)
end)
