-- Lifetimes: closing the Lua state with requests in flight (a lua5.4 child that exits without
-- closing, and the C host regio_lua_host when it is built), and every order of deregister,
-- close and dequeue relative to a request's completion, checked for exactly-once completions,
-- buffer pinning and a lab with nothing live at the end.

local H = require "helper"

-- The build directory of the regio.core this run loaded (…/lua/regio/core.so).
local function build_dir()
  local path = package.searchpath("regio.core", package.cpath)
  return path and path:match("^(.*)/lua/regio/core%.so$")
end

-- Runs a shell command; returns its output and exit status.
local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

-- The child script: leaves requests in flight on one engine, then exits in the given way.
local child = [[
package.cpath = %q .. "/lua/?.so;" .. package.cpath
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
local regio = require "regio"
local lab = assert(regio.open { backend = %q })
local a, b = assert(lab:tcp_pair())
local cq = assert(lab:cq(16))
local rq = assert(lab:rq(a, { recv = 4, send = 4, cq = cq }))
local buf = assert(lab:register(1 << 20))
for i = 0, 3 do assert(rq:receive(buf:slice(i * 4096, 4096), 0, i)) end
for i = 0, 3 do assert(rq:send(buf:slice(65536 + i * 200000, 200000), 0, { i })) end
local u = assert(lab:udp("127.0.0.1", 0))
local urq = assert(lab:rq(u, { recv = 1, cq = assert(lab:cq(2)) }))
assert(urq:receive(buf:slice(0, 64), 0, "udp"))
lab:poll(0)
io.write("in flight\n")
%s
]]

local endings = {
  ["os.exit(0, true) (lua_close runs every finalizer)"] = "os.exit(0, true)",
  ["os.exit(0) (the process ends without lua_close)"] = "os.exit(0)",
  ["the script returns (lua5.4 calls lua_close)"] = "",
  ["an error escapes the script"] = "error('deliberate')",
}

H.for_each_backend(function(backend)
  local regio = H.regio

  describe("lifetime", function()
    for name, ending in pairs(endings) do
      it("a lua5.4 child with requests in flight: " .. name, function()
        local file = os.tmpname()
        local f = assert(io.open(file, "w"))
        f:write(string.format(child, build_dir(), backend, ending))
        f:close()
        local out, status = run("lua5.4 " .. file)
        os.remove(file)
        assert.matches("in flight", out)
        assert.is_nil(out:find("Sanitizer", 1, true), out)
        assert.is_nil(out:find("runtime error", 1, true), out)
        if ending:find("error", 1, true) then
          assert.equal(1, status, out)
          assert.matches("deliberate", out)
        else
          assert.equal(0, status, out)
        end
      end)
    end

    it("the C host lua_close()s a state with requests in flight", function()
      local host = build_dir() .. "/core/test/regio_lua_host"
      local f = io.open(host, "rb")
      if not f then
        pending("regio_lua_host is not built in " .. build_dir())
        return
      end
      f:close()
      local env = string.format("REGIO_LUA_PATH='lua/?.lua;lua/?/init.lua' "
        .. "REGIO_LUA_CPATH=%q ", build_dir() .. "/lua/?.so")
      for _, mode in ipairs { "", "gc-first" } do
        local out, status = run(env .. host .. " run core/test/lua-host-inflight.lua " .. mode)
        assert.equal(0, status, out)
        assert.matches("lua_close released it", out)
      end
    end)

    -- Every order of five steps around one pending receive: the peer's data arrives, the socket
    -- is closed, the CQ is closed, the buffer is deregistered, the CQ is dequeued. The model: the
    -- request finishes at the first of "data" / "close_socket" (with "close_socket" first it is
    -- cancelled); its result reaches the CQ unless the CQ was closed before; it pins the buffer
    -- until it has finished and its result was dequeued or dropped with the closed CQ.
    local steps = { "data", "close_socket", "close_cq", "deregister", "dequeue" }

    local function permutations(list)
      local out = {}
      local function permute(prefix, rest)
        if #rest == 0 then out[#out + 1] = prefix return end
        for i = 1, #rest do
          local p, r = { table.unpack(prefix) }, { table.unpack(rest) }
          p[#p + 1] = table.remove(r, i)
          permute(p, r)
        end
      end
      permute({}, list)
      return out
    end

    it("deregister, close and dequeue in every order relative to completion", function()
      for _, order in ipairs(permutations(steps)) do
        local label = table.concat(order, " > ")
        local lab = H.open(backend)
        local t = H.tcp(lab, { recv = 1, send = 1 })
        local buf = H.ok(lab:register(64))
        H.ok(t.rq:receive(buf:slice(0, 16), 0, "pending"))
        local finished, cq_closed, dequeued, got = false, false, false, 0
        for _, step in ipairs(order) do
          if step == "data" then
            if not finished then t.b:write("0123456789") end
            if cq_closed then H.settle(lab, 20) elseif not finished then
              H.wait_queued(lab, t.cq, 1)
            end
            finished = true
          elseif step == "close_socket" then
            t.a:close()
            if cq_closed then H.settle(lab, 20) elseif not finished then
              H.wait_queued(lab, t.cq, 1)
            end
            finished = true
          elseif step == "close_cq" then
            t.cq:close()
            cq_closed = true
          elseif step == "deregister" then
            local v, msg, name = buf:deregister()
            local pinned = not (finished and (dequeued or cq_closed))
            if not pinned or buf:registered() == false then
              assert(v == true, label .. ": deregister of a released buffer: " .. tostring(msg))
            else
              assert(v == nil and name == "EBUSY",
                label .. ": deregister while pinned: expected EBUSY, got " .. tostring(v))
            end
          elseif step == "dequeue" then
            if cq_closed then
              H.raises("closed", t.cq.dequeue, t.cq)
            else
              local results = t.cq:dequeue()
              got = got + #results
              if finished then
                assert(#results == 1, label .. ": expected the completion, got " .. #results)
                assert.equal("pending", results[1].request)
                dequeued = true
              else
                assert(#results == 0, label .. ": a completion before the request finished")
              end
            end
          end
        end
        assert(got <= 1, label .. ": " .. got .. " completions for one request")
        -- Close what is left; then nothing may be live.
        if not cq_closed then
          local rest = t.cq:dequeue()
          assert(got + #rest <= 1, label .. ": a second completion")
          t.cq:close()
        end
        t.a:close()
        t.b:close()
        H.ok(buf:deregister())
        collectgarbage()
        local stats = lab:stats()
        for _, k in ipairs { "sockets", "cqs", "buffers", "requests", "ports" } do
          assert(stats[k] == 0, label .. ": lab:stats()." .. k .. " = " .. stats[k])
        end
        lab:close()
      end
    end)

    it("closing the lab in the middle of each order releases everything", function()
      for _, order in ipairs(permutations { "data", "close_socket", "deregister" }) do
        local lab = H.ok(regio.open { backend = backend, seed = 1 })
        local t = H.tcp(lab, { recv = 2, send = 2 })
        local buf = H.ok(lab:register(64))
        H.ok(t.rq:receive(buf:slice(0, 16), 0, 1))
        H.ok(t.rq:send(buf:slice(32, 8), regio.MSG_DEFER, 2))
        for i, step in ipairs(order) do
          if i == 2 then lab:close() end
          if step == "data" then
            pcall(t.b.write, t.b, "x")
          elseif step == "close_socket" then
            t.a:close()
          else
            -- Before lab:close the pending receive pins the buffer (EBUSY); after it the buffer
            -- is a closed object and deregister raises "closed".
            local ok, v, _, name = pcall(buf.deregister, buf)
            if i < 2 then
              assert(ok and v == nil and name == "EBUSY", "expected EBUSY, got " .. tostring(v))
            else
              assert(not ok and tostring(v):find("closed", 1, true), tostring(v))
            end
          end
        end
        H.raises("closed", lab.stats, lab)
        H.raises("closed", t.cq.dequeue, t.cq)
        collectgarbage()
      end
    end)
  end)
end)
