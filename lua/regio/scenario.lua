-- regio.scenario: the helpers every scenario script shares.
--
-- A scenario tells its story as it runs (numbered steps, narration), checks what RIO promises
-- (expectations that name the expected and the actual value), records a few key results that the
-- runner compares across engines, and ends with one line PASS, FAIL or SKIP and the exit status
-- that goes with it (0, 1, 77).
--
--   local scenario = require "regio.scenario"
--   local sc = scenario.new{ name = "waitall_framing", story = "length-prefixed frames ..." }
--   sc:run(function(lab)          -- lab opened on REGIO_BACKEND / REGIO_PROFILE
--     sc:step("post a WAITALL receive")
--     sc:equal(result.bytes, 100, "bytes of the completion")
--     sc:record("completions", 1)
--   end)
--
-- The environment it reads:
--   REGIO_BACKEND, REGIO_PROFILE   the engine and the profile (regio.open applies them)
--   REGIO_RECORD                   a file to append "key<TAB>value" lines of recorded results to
--   REGIO_TRACE_FILE               record every lab's trace and write the events there, as Lua
--   REGIO_QUIET                    when set, narration is not printed (results still are)

local regio = require "regio"

local scenario = {}
scenario.__index = scenario

-- The error value that stops a scenario with SKIP; it carries the reason.
local skip_marker = {}

--- Creates a scenario. opts.name names it in the output; opts.story is a one-line summary.
function scenario.new(opts)
  local self = setmetatable({}, scenario)
  self.name = assert(opts.name, "scenario.new needs a name")
  self.story = opts.story or ""
  self.failures = {}
  self.checks = 0
  self.step_number = 0
  self.labs = {}
  self.traces = {}
  self.marks = setmetatable({}, { __mode = "k" })
  self.quiet = os.getenv("REGIO_QUIET") ~= nil
  return self
end

--- Prints a numbered step title.
function scenario:step(title)
  self.step_number = self.step_number + 1
  self:mark(string.format("%d. %s", self.step_number, title))
  if not self.quiet then print(string.format("\n%d. %s", self.step_number, title)) end
end

--- Marks the traces of the open labs with a title at this point (steps do it for you), so the
--- pictures show where each part of the story starts.
function scenario:mark(title)
  if not os.getenv("REGIO_TRACE_FILE") then return end
  for _, lab in ipairs(self.labs) do
    local ok, events = pcall(function() return lab:trace_events() end)
    if ok and type(events) == "table" then
      self.marks[lab] = self.marks[lab] or {}
      table.insert(self.marks[lab], { at = #events, title = title })
    end
  end
end

--- Prints one line of narration (string.format arguments) under the current step.
function scenario:say(fmt, ...)
  if not self.quiet then print("   " .. string.format(fmt, ...)) end
end

--- Checks a condition; a false one is a failure (the scenario goes on, and ends FAIL).
--- Returns the condition, so a caller can skip what depends on it.
function scenario:check(ok, fmt, ...)
  self.checks = self.checks + 1
  if not ok then
    local message = string.format(fmt, ...)
    self.failures[#self.failures + 1] = message
    print("   FAILED: " .. message)
  end
  return ok
end

--- Checks that actual equals expected; the message names both.
function scenario:equal(actual, expected, what)
  return self:check(actual == expected, "%s: expected %s, got %s", what,
    regio.describe(expected), regio.describe(actual))
end

--- Returns value when it is not nil; on a fail triple, stops the scenario as FAIL.
function scenario:must(what, value, message)
  if value == nil then
    error(string.format("%s failed: %s", what, tostring(message)), 2)
  end
  return value
end

--- Checks that a call returned the fail triple with the given error name.
function scenario:refused(what, expected_name, ok, message, name)
  return self:check(ok == nil and name == expected_name, "%s: expected nil, %s; got %s, %s",
    what, expected_name, tostring(ok), tostring(message))
end

--- Records one key result. The runner compares recorded results between engines, so record
--- what RIO defines (counts, statuses, bytes), never timings.
function scenario:record(key, value)
  local text = type(value) == "table" and regio.describe(value) or tostring(value)
  self:say("recorded %s = %s", key, text)
  local path = os.getenv("REGIO_RECORD")
  if path then
    local file = assert(io.open(path, "a"))
    file:write(key, "\t", (text:gsub("[\t\n]", " ")), "\n")
    file:close()
  end
end

--- Stops the scenario with SKIP and the reason (exit status 77).
function scenario:skip(reason)
  error({ [skip_marker] = true, reason = reason }, 0)
end

--- Opens a lab (opts as regio.open; backend and profile default to the environment). When
--- REGIO_TRACE_FILE is set and the binding can trace, the lab records its trace. The lab is closed
--- when the scenario ends. A missing engine is a SKIP.
function scenario:open(opts)
  local lab, message, name = regio.open(opts or {})
  if lab == nil then
    if name == "ENOSYS" then self:skip(message) end
    error("regio.open failed: " .. tostring(message), 2)
  end
  self.labs[#self.labs + 1] = lab
  if os.getenv("REGIO_TRACE_FILE") and lab.trace then lab:trace(true) end
  return lab
end

--- Takes the trace of every lab this scenario opened while it can (a closed lab has none); run()
--- calls it, and a scenario that closes its lab itself calls it first.
function scenario:collect_traces()
  for index, lab in ipairs(self.labs) do
    if lab.trace_events then
      local ok, events = pcall(lab.trace_events, lab)
      if ok and type(events) == "table" then
        self.traces[#self.traces + 1] = {
          label = string.format("lab %d (%s, %s)", index, lab.backend, lab.profile),
          events = events,
          marks = self.marks[lab] or {},
        }
      end
    end
  end
end

-- Serialises a plain value (numbers, strings, booleans, tables of them) as Lua source.
local function serialise(value, out)
  local kind = type(value)
  if kind == "table" then
    out[#out + 1] = "{"
    local keys = {}
    for k in pairs(value) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") then
        out[#out + 1] = k .. "="
      else
        out[#out + 1] = "["; serialise(k, out); out[#out + 1] = "]="
      end
      serialise(value[k], out)
      out[#out + 1] = ","
    end
    out[#out + 1] = "}"
  elseif kind == "string" then
    out[#out + 1] = string.format("%q", value)
  elseif kind == "number" or kind == "boolean" or kind == "nil" then
    out[#out + 1] = tostring(value)
  else
    out[#out + 1] = string.format("%q", tostring(value))
  end
end
scenario.serialise = function(value)
  local out = {}
  serialise(value, out)
  return table.concat(out)
end

-- Writes the collected traces to REGIO_TRACE_FILE as `return { {label=, events=}, ... }`.
function scenario:write_traces()
  local path = os.getenv("REGIO_TRACE_FILE")
  if not path then return end
  local file = io.open(path, "w")
  if not file then return end
  file:write("return ", scenario.serialise({ name = self.name, story = self.story,
    labs = self.traces }), "\n")
  file:close()
end

-- Closes every lab the scenario opened, ignoring errors (a failed scenario may leave any state).
function scenario:close_labs()
  for _, lab in ipairs(self.labs) do pcall(lab.close, lab) end
  self.labs = {}
end

--- Runs body(lab, sc) with a lab opened on the environment's engine and profile (opts go to
--- regio.open; opts == false opens no lab and calls body(nil, sc)). Prints the verdict and exits:
--- 0 PASS, 1 FAIL, 77 SKIP. Never returns.
function scenario:run(body, opts)
  if not self.quiet then
    print(string.format("scenario %s: %s", self.name, self.story))
  end
  local ok, err = xpcall(function()
    local lab = nil
    if opts ~= false then lab = self:open(opts) end
    if lab and not self.quiet then
      print(string.format("engine %s, profile %s", lab.backend, lab.profile))
    end
    body(lab, self)
  end, function(e)
    if type(e) == "table" and e[skip_marker] then return e end
    return debug.traceback(tostring(e), 2)
  end)
  self:collect_traces()
  self:close_labs()
  self:write_traces()
  if not ok and type(err) == "table" and err[skip_marker] then
    print(string.format("SKIP %s: %s", self.name, err.reason))
    os.exit(77)
  end
  if not ok then
    self.failures[#self.failures + 1] = "error: " .. tostring(err)
    print("   ERROR: " .. tostring(err))
  end
  if #self.failures == 0 then
    print(string.format("\nPASS %s (%d checks)", self.name, self.checks))
    os.exit(0)
  end
  print(string.format("\nFAIL %s (%d of %d checks failed)", self.name, #self.failures,
    self.checks))
  for _, message in ipairs(self.failures) do print("  - " .. message) end
  os.exit(1)
end

--- Dequeues until n results have arrived or ms passed; returns the array (maybe shorter).
function scenario.collect(cq, n, ms)
  local got = {}
  local rounds = 0
  while #got < n and rounds < 50 do
    local batch = cq:await(n - #got, (ms or 2000) // 10 + 1)
    for _, r in ipairs(batch) do got[#got + 1] = r end
    rounds = rounds + 1
    if #batch == 0 and rounds >= 10 then break end
  end
  return got
end

return scenario
