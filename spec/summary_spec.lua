-- The CI summary output handler (spec/support/summary.lua): runs busted on small fixture specs in
-- a temporary directory and checks that the last line is exactly "N passed, N failed[, N skipped]".
-- This spec tests the test tooling, not an engine, so it does not run per backend.

-- Returns the repository root (busted runs the specs from there).
local function repo_root()
  local pipe = assert(io.popen("pwd"))
  local dir = pipe:read("l")
  pipe:close()
  return dir
end

-- Makes a fresh temporary directory and returns its path.
local function temp_dir()
  local path = os.tmpname()
  os.remove(path)
  assert(os.execute("mkdir -p '" .. path .. "'"))
  return path
end

-- Runs busted with the summary handler on one fixture spec (given as source text) and returns
-- the combined output and the lines as an array.
local function run_fixture(source, env)
  local dir = temp_dir()
  local file = assert(io.open(dir .. "/fixture_spec.lua", "w"))
  file:write(source)
  file:close()
  local handler = repo_root() .. "/spec/support/summary.lua"
  local command = string.format(
    "cd '%s' && %s timeout 60 lua5.4 /usr/bin/busted --output='%s' fixture_spec.lua 2>&1",
    dir, env or "NO_COLOR=1", handler)
  local pipe = assert(io.popen(command))
  local output = pipe:read("a")
  pipe:close()
  os.execute("rm -rf '" .. dir .. "'")
  local lines = {}
  for line in output:gmatch("([^\n]*)\n") do
    lines[#lines + 1] = line
  end
  return output, lines
end

describe("summary output handler", function()
  it("ends with 'N passed, N failed, N skipped' counting errors as failures", function()
    local output, lines = run_fixture([[
      describe("fixture", function()
        it("passes", function() assert.is_true(true) end)
        it("passes too", function() end)
        it("fails", function() assert.equal(1, 2) end)
        it("errors", function() error("boom") end)
        pending("is pending")
      end)
    ]])
    assert.equal("2 passed, 2 failed, 1 skipped", lines[#lines], output)
    assert.equal("\n", output:sub(-1))
    -- The stock handler's report came first.
    assert.truthy(output:find("boom", 1, true), output)
  end)

  it("omits the skipped count when nothing was skipped", function()
    local output, lines = run_fixture([[
      it("one", function() end)
      it("two", function() end)
      it("three", function() end)
    ]])
    assert.equal("3 passed, 0 failed", lines[#lines], output)
  end)

  it("counts a spec file that does not load as a failure", function()
    local output, lines = run_fixture("this is not lua (\n")
    assert.equal("0 passed, 1 failed", lines[#lines], output)
  end)

  it("uses the plain handler without colour codes when NO_COLOR is set", function()
    local output = run_fixture([[it("ok", function() end)]], "NO_COLOR=1")
    assert.is_nil(output:find("\27[", 1, true), output)
    assert.truthy(output:find("1 success", 1, true), output)
  end)
end)
