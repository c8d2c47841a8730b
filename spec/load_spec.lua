-- Load (scripts/load): 1,000 TCP connections echoing checksummed messages through a regio server,
-- and a UDP flood whose losses are all accounted for, on every engine. Each engine runs in a
-- child process through scripts/load/run.sh, which raises the descriptor limit (or skips,
-- saying why) and gives the UDP counters a private network namespace when it can.
-- REGIO_LOAD_CONNECTIONS / REGIO_LOAD_DATAGRAMS change the sizes (defaults 1000 / 50000).

local H = require "helper"

-- The build directory of the regio.core this run loaded (…/lua/regio/core.so).
local function build_dir()
  local path = package.searchpath("regio.core", package.cpath)
  return path and path:match("^(.*)/lua/regio/core%.so$")
end

H.for_each_backend(function(backend)
  describe("load #load", function()
    it("1,000 TCP connections lose nothing; the UDP flood's losses are all counted", function()
      local build = build_dir()
      assert(build, "cannot find the build directory of regio.core in package.cpath")
      local cmd = string.format("scripts/load/run.sh --build %q --backend %s --connections %s "
        .. "--datagrams %s 2>&1; echo \"exit=$?\"", build, backend,
        os.getenv("REGIO_LOAD_CONNECTIONS") or "1000", os.getenv("REGIO_LOAD_DATAGRAMS")
        or "50000")
      local p = assert(io.popen(cmd))
      local out = p:read("a")
      p:close()
      io.write(out)
      local status = tonumber(out:match("exit=(%d+)%s*$"))
      if status == 77 then
        pending((out:match("skipped: ([^\n]*)")) or "load test skipped")
        return
      end
      assert(status == 0, "the load run failed:\n" .. out)
      assert.matches("tcp: ok connections=%d+", out)
      assert.matches("udp: ok sent=%d+", out)
    end)
  end)
end)
