-- Every teaching script (scripts/teach/NN_*.lua) runs as it stands, on every available engine,
-- in a fresh process, and exits 0.

local H = require "helper"

-- Runs a Lua script in a fresh lua5.4 with this process's module paths and the engine set.
-- Returns the exit status and the output.
local function run_script(path, backend)
  local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
  local cmd = string.format("env LUA_PATH=%s LUA_CPATH=%s REGIO_BACKEND=%s timeout 120 %s %s 2>&1;"
    .. " echo \"__status=$?\"", q(package.path), q(package.cpath), q(backend),
    os.getenv("REGIO_LUA") or "lua5.4", q(path))
  local pipe = io.popen(cmd)
  local out = pipe:read("a")
  pipe:close()
  return tonumber(out:match("__status=(%d+)%s*$")), out
end

-- The teaching scripts, sorted.
local function scripts()
  local list = {}
  local pipe = io.popen("ls -1 scripts/teach/*.lua 2>/dev/null")
  for line in pipe:lines() do list[#list + 1] = line end
  pipe:close()
  table.sort(list)
  return list
end

describe("teaching path", function()
  it("has about ten numbered scripts, each with a comment header saying how to run it", function()
    local list = scripts()
    assert.is_truthy(#list >= 10, "found " .. #list)
    for i, path in ipairs(list) do
      assert.is_truthy(path:match("/%d%d_[%w_]+%.lua$"), path)
      assert.equal(string.format("%02d", i), path:match("/(%d%d)_"))
      local f = assert(io.open(path))
      local text = f:read("a")
      f:close()
      assert.is_truthy(text:match("^%-%- %d%d"), path .. " starts without its title comment")
      assert.is_truthy(text:find("Run: scripts/regio " .. path, 1, true), path)
    end
  end)
end)

H.for_each_backend(function(backend)
  describe("teaching scripts", function()
    for _, path in ipairs(scripts()) do
      it(path .. " exits 0", function()
        local status, out = run_script(path, backend)
        assert.equal(0, status, out)
      end)
    end
  end)
end)
