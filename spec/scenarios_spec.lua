-- The scenario library (scripts/scenarios), the runner (regio run) and the trace pictures.
--
-- Each scenario runs in a fresh process on every available engine and must end PASS (exit 0) or
-- SKIP (exit 77, shown here as pending with its reason). The runner is checked on scenarios made
-- up for the test: one passes, one fails, one skips and one records the engine's name, so the
-- matrix, the exit status and the "engines disagree" report are all exercised.

local H = require "helper"

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Runs a shell command with this process's module paths; returns the exit status and output.
local function run(env, args)
  local cmd = string.format("env LUA_PATH=%s LUA_CPATH=%s %s timeout 300 %s %s 2>&1;"
    .. " echo \"__status=$?\"", q(package.path), q(package.cpath), env,
    os.getenv("REGIO_LUA") or "lua5.4", args)
  local pipe = io.popen(cmd)
  local out = pipe:read("a")
  pipe:close()
  return tonumber(out:match("__status=(%d+)%s*$")), (out:gsub("__status=%d+%s*$", ""))
end

-- Lists *.lua files of a directory, sorted.
local function lua_files(dir)
  local list = {}
  local pipe = io.popen("ls -1 " .. q(dir) .. "/*.lua 2>/dev/null")
  for line in pipe:lines() do list[#list + 1] = line end
  pipe:close()
  table.sort(list)
  return list
end

-- Writes a file.
local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

-- Reads a file, or nil.
local function read(path)
  local f = io.open(path)
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

local SCENARIOS = { "close_inflight", "defer_commit", "notify_rules", "queue_resizing",
  "scatter_gather", "udp_ex_addresses", "waitall_framing" }

describe("scenario library", function()
  it("has every scenario the issue names", function()
    local found = {}
    for _, path in ipairs(lua_files("scripts/scenarios")) do
      found[#found + 1] = path:match("([^/]+)%.lua$")
    end
    for _, name in ipairs(SCENARIOS) do
      assert.is_truthy(#found > 0 and table.concat(found, " "):find(name, 1, true), name)
    end
  end)
end)

H.for_each_backend(function(backend)
  describe("scenarios", function()
    for _, path in ipairs(lua_files("scripts/scenarios")) do
      local status, out = run("REGIO_BACKEND=" .. q(backend), q(path))
      if status == 77 then
        pending(path .. ": " .. tostring(out:match("SKIP [^:\n]*: ([^\n]*)")))
      else
        it(path .. " ends PASS", function()
          assert.equal(0, status, out)
          assert.is_truthy(out:find("\nPASS ", 1, true), out)
        end)
      end
    end
  end)
end)

describe("regio run", function()
  local dir
  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. q(dir) .. "/s")
    local head = 'local scenario = require "regio.scenario"\n'
    write(dir .. "/s/a_pass.lua", head .. [[
local sc = scenario.new{ name = "a_pass", story = "passes" }
sc:run(function(lab) sc:step("one"); sc:equal(1, 1, "one"); sc:record("same", 42) end)]])
    write(dir .. "/s/b_fail.lua", head .. [[
local sc = scenario.new{ name = "b_fail", story = "fails" }
sc:run(function(lab) sc:equal(2, 3, "two and three") end)]])
    write(dir .. "/s/c_skip.lua", head .. [[
local sc = scenario.new{ name = "c_skip", story = "skips" }
sc:run(function(lab) sc:skip("not on this engine") end)]])
    write(dir .. "/s/d_differ.lua", head .. [[
local sc = scenario.new{ name = "d_differ", story = "records the engine" }
sc:run(function(lab) sc:record("engine", lab.backend) end)]])
  end)
  teardown(function() os.execute("rm -rf " .. q(dir)) end)

  it("prints a matrix, the skip reason and the failure, and exits 1 on a failure", function()
    local status, out = run("", "scripts/run.lua --backend poll " .. q(dir .. "/s"))
    assert.equal(1, status, out)
    assert.is_truthy(out:find("scenario%s+poll"), out)
    assert.is_truthy(out:find("a_pass%s+pass"), out)
    assert.is_truthy(out:find("b_fail%s+FAIL"), out)
    assert.is_truthy(out:find("c_skip%s+skip"), out)
    assert.is_truthy(out:find("not on this engine", 1, true), out)
    assert.is_truthy(out:find("two and three: expected 3, got 2", 1, true), out)
    assert.is_truthy(out:find("2 passed, 1 failed, 1 skipped", 1, true), out)
  end)

  it("exits 0 when nothing fails, and writes TAP and JUnit", function()
    local junit = dir .. "/junit.xml"
    local status, out = run("", "scripts/run.lua --backend poll --tap --junit " .. q(junit) .. " "
      .. q(dir .. "/s/a_pass.lua") .. " " .. q(dir .. "/s/c_skip.lua"))
    assert.equal(0, status, out)
    assert.is_truthy(out:find("^1..2\n"), out)
    assert.is_truthy(out:find("\nok 1 %- a_pass %[poll%]"), out)
    assert.is_truthy(out:find("\nok 2 %- c_skip %[poll%] # SKIP not on this engine"), out)
    local xml = read(junit)
    assert.is_truthy(xml and xml:find('<testsuite name="regio-scenarios" tests="2" failures="0" '
      .. 'skipped="1">', 1, true), xml)
  end)

  it("shows where engines recorded different results", function()
    local regio = require "regio"
    local available = 0
    for _, b in ipairs(regio.backends()) do if b.available then available = available + 1 end end
    if available < 2 then
      pending("only one engine is available here")
      return
    end
    local status, out = run("", "scripts/run.lua --backend all " .. q(dir .. "/s/a_pass.lua")
      .. " " .. q(dir .. "/s/d_differ.lua"))
    assert.equal(0, status, out)
    assert.is_truthy(out:find("engines disagree", 1, true), out)
    assert.is_truthy(out:find("d_differ engine differs", 1, true), out)
    assert.is_nil(out:find("a_pass same differs", 1, true), out)
  end)

  it("refuses a path with no scenario (exit 2)", function()
    local status = run("", "scripts/run.lua " .. q(dir .. "/nothing-here"))
    assert.equal(2, status)
  end)

  it("--trace DIR draws one SVG per scenario with its lanes and its steps", function()
    local traces = dir .. "/traces"
    local status, out = run("", "scripts/run.lua --backend poll --trace " .. q(traces)
      .. " scripts/scenarios/defer_commit.lua")
    assert.equal(0, status, out)
    local svg = read(traces .. "/defer_commit-poll.svg")
    assert.is_string(svg, out)
    assert.is_truthy(svg:find("^<svg "), "not an SVG document")
    assert.is_truthy(svg:find("</svg>\n$"), "the SVG does not end")
    assert.is_truthy(svg:find(">sock 1<", 1, true), "no socket lane")
    assert.is_truthy(svg:find(">1. Thr", 1, true), "no step marks")
    assert.is_truthy(svg:find("ENOBUFS", 1, true), "the refused receive is not drawn")
    if os.execute("command -v xmllint >/dev/null 2>&1") then
      assert.is_true(os.execute("xmllint --noout " .. q(traces .. "/defer_commit-poll.svg")))
    end
  end)
end)

describe("trace pictures", function()
  local trace = require "regio.trace"
  local events = {
    { t = 0, kind = "cq_create", cq = 1, status = 0, bytes = 4, queued = 0, size = 4 },
    { t = 0, kind = "submit", sock = 1, cq = 1, dir = "receive", status = 0, bytes = 100,
      flags = 4, queued = 0, size = 4, ctx = 7 },
    { t = 1, kind = "net", sock = 1, bytes = 10, note = "segment arrived" },
    { t = 2, kind = "complete", sock = 1, cq = 1, dir = "receive", status = 0, bytes = 100,
      flags = 4, queued = 1, size = 4, ctx = 7 },
    { t = 2, kind = "refuse", sock = 1, cq = 1, dir = "send", status = "ENOBUFS", bytes = 4,
      queued = 1, size = 4 },
    { t = 3, kind = "dequeue", cq = 1, status = 0, bytes = 1, queued = 0, size = 4 },
  }

  it("timeline puts each event in its lane with the CQ occupancy", function()
    local text = trace.timeline(events)
    assert.is_truthy(text:find("sock 1", 1, true))
    assert.is_truthy(text:find("R> 100 W", 1, true))
    assert.is_truthy(text:find("<R 100 ok", 1, true))
    assert.is_truthy(text:find("xS ENOBUFS", 1, true))
    assert.is_truthy(text:find("cq1 [###.......] 1/4", 1, true), text)
    assert.is_truthy(text:find("dequeue 1", 1, true))
    assert.is_nil(trace.timeline(events, { net = false }):find("segment", 1, true))
  end)

  it("svg draws markers with the event lines as tooltips and the occupancy against the size",
    function()
      local svg = trace.svg(events, { title = "t<1>" })
      assert.is_truthy(svg:find("t&lt;1&gt;", 1, true), "the title is not escaped")
      assert.is_truthy(svg:find("<title>" .. trace.line(events[2]), 1, true))
      assert.is_truthy(svg:find("size 4", 1, true))
      assert.is_truthy(svg:find('stroke-dasharray="5 3"', 1, true), "no size line")
      local opened = select(2, svg:gsub("<text", ""))
      local closed = select(2, svg:gsub("</text>", ""))
      assert.equal(opened, closed)
    end)

  it("keeps text() as it was", function()
    assert.equal(trace.line(events[1]) .. "\n", trace.text({ events[1] }))
  end)
end)
