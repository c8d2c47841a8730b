-- regio.run: the scenario runner behind `regio run`.
--
--   regio run [--backend all|NAME] [--profile NAME] [--tap | --junit FILE] [--trace DIR] PATH...
--
-- Runs every scenario (each PATH is a .lua file or a directory of them) once per engine, each in
-- a fresh lua5.4 process with REGIO_BACKEND (and REGIO_PROFILE) set, then prints a matrix of
-- scenario x engine (pass / FAIL / skip) with the skip reasons and failure details. Scenarios
-- record key results (regio.scenario's record, through a REGIO_RECORD file); where engines
-- recorded different values for one scenario the runner prints the difference. With --trace DIR
-- each run records its lab traces and the runner draws DIR/<scenario>-<engine>.svg.
-- Exit status: 0 when nothing failed, 1 when something failed, 2 for a usage error.

local M = {}

local SKIP_STATUS = 77
local TIMEOUT_SECONDS = 120

local usage = [[
usage: regio run [--backend all|NAME] [--profile NAME] [--tap | --junit FILE] [--trace DIR] PATH...
  --backend all    every engine regio.backends() lists as available (default: REGIO_BACKEND or auto)
  --profile NAME   windows | extended | preview, passed as REGIO_PROFILE
  --tap            TAP output (the matrix follows as # comments)
  --junit FILE     also write a JUnit XML report to FILE
  --trace DIR      write one SVG trace per scenario and engine into DIR
  PATH             a scenario file, or a directory whose *.lua files are scenarios]]

-- Quotes a string for /bin/sh.
local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Parses the command line into an options table, or returns nil and a message.
function M.parse(argv)
  local opts = { paths = {} }
  local i = 1
  while i <= #argv do
    local a = argv[i]
    local function value()
      i = i + 1
      if argv[i] == nil then error("option " .. a .. " needs a value", 0) end
      return argv[i]
    end
    if a == "--backend" then opts.backend = value()
    elseif a == "--profile" then opts.profile = value()
    elseif a == "--tap" then opts.tap = true
    elseif a == "--junit" then opts.junit = value()
    elseif a == "--trace" then opts.trace = value()
    elseif a == "-h" or a == "--help" then opts.help = true
    elseif a:sub(1, 2) == "--" then error("unknown option " .. a, 0)
    else opts.paths[#opts.paths + 1] = a end
    i = i + 1
  end
  return opts
end

-- Lists the scenario files a path names: the file itself, or a directory's *.lua, sorted.
local function scenario_files(path)
  local listing = io.popen("ls -1 " .. shell_quote(path) .. "/*.lua 2>/dev/null")
  local files = {}
  for line in listing:lines() do files[#files + 1] = line end
  listing:close()
  if #files == 0 then
    local f = io.open(path, "r")
    if f then f:close(); files[1] = path end
  end
  table.sort(files)
  return files
end

-- Returns a scenario's short name: its file name without directory and extension.
local function short_name(path)
  return (path:match("([^/]+)%.lua$") or path)
end

-- Chooses the engines to run on: "all" means every available one; "auto" is resolved to the
-- engine it picks here, so the matrix names it.
local function engines_for(choice)
  local regio = require "regio"
  if choice == "auto" then
    local lab = regio.open{ backend = "auto" }
    if lab then
      choice = lab.backend
      lab:close()
    end
  end
  if choice ~= "all" then return { choice } end
  local list = {}
  for _, b in ipairs(regio.backends()) do
    if b.available then list[#list + 1] = b.name end
  end
  return list
end

-- Reads a REGIO_RECORD file into a map key -> value (and the keys in order).
local function read_records(path)
  local map, keys = {}, {}
  local f = io.open(path, "r")
  if not f then return map, keys end
  for line in f:lines() do
    local k, v = line:match("^([^\t]*)\t(.*)$")
    if k then
      if map[k] == nil then keys[#keys + 1] = k end
      map[k] = v
    end
  end
  f:close()
  return map, keys
end

-- Runs one scenario on one engine in a fresh process; returns a result table.
local function run_one(path, engine, opts, lua)
  local record = os.tmpname()
  local env = { "REGIO_BACKEND=" .. shell_quote(engine), "REGIO_RECORD=" .. shell_quote(record) }
  if opts.profile then env[#env + 1] = "REGIO_PROFILE=" .. shell_quote(opts.profile) end
  local trace_file
  if opts.trace then
    trace_file = string.format("%s/%s-%s.trace.lua", opts.trace, short_name(path), engine)
    os.remove(trace_file)
    env[#env + 1] = "REGIO_TRACE_FILE=" .. shell_quote(trace_file)
  end
  local cmd = string.format("env %s timeout %d %s %s 2>&1; echo \"__regio_status=$?\"",
    table.concat(env, " "), TIMEOUT_SECONDS, lua, shell_quote(path))
  local pipe = io.popen(cmd)
  local output = pipe:read("a")
  pipe:close()
  local status = tonumber(output:match("__regio_status=(%d+)%s*$")) or 1
  output = output:gsub("__regio_status=%d+%s*$", "")
  local result = { path = path, name = short_name(path), engine = engine, output = output,
    status = status }
  result.records, result.record_keys = read_records(record)
  os.remove(record)
  if status == 0 then
    result.verdict = "pass"
  elseif status == SKIP_STATUS then
    result.verdict = "skip"
    result.reason = output:match("SKIP [^:\n]*: ([^\n]*)") or "exit status 77"
  else
    result.verdict = "fail"
    result.reason = status == 124 and ("timed out after " .. TIMEOUT_SECONDS .. " s")
      or (output:match("\n  %- ([^\n]*)") or output:match("ERROR: ([^\n]*)")
      or ("exit status " .. status))
  end
  result.trace_file = trace_file
  return result
end

-- Draws the SVG of a run's trace file, when the run wrote one. Returns the SVG path or nil.
local function draw_trace(result, opts)
  if not result.trace_file then return nil end
  local chunk = loadfile(result.trace_file)
  if not chunk then return nil end
  local ok, data = pcall(chunk)
  if not ok or type(data) ~= "table" then return nil end
  local trace = require "regio.trace"
  if not trace.svg then return nil end
  local svg_path = string.format("%s/%s-%s.svg", opts.trace, result.name, result.engine)
  local f = io.open(svg_path, "w")
  if not f then return nil end
  f:write(trace.svg_story(data, { title = result.name .. " on " .. result.engine }))
  f:close()
  return svg_path
end

-- Pads s to width columns.
local function pad(s, width)
  return s .. string.rep(" ", width - #s)
end

-- Returns the matrix text: one row per scenario, one column per engine.
function M.matrix(names, engines, by_key)
  local first = 8
  for _, n in ipairs(names) do first = math.max(first, #n) end
  local width = {}
  local header = pad("scenario", first)
  for j, e in ipairs(engines) do
    width[j] = math.max(#e, 5)
    header = header .. "  " .. pad(e, width[j])
  end
  header = header:gsub("%s+$", "")
  local lines = { header, string.rep("-", #header) }
  for _, n in ipairs(names) do
    local row = pad(n, first)
    for j, e in ipairs(engines) do
      local r = by_key[n .. "\0" .. e]
      local cell = r and (r.verdict == "fail" and "FAIL" or r.verdict) or "-"
      row = row .. "  " .. pad(cell, width[j])
    end
    lines[#lines + 1] = (row:gsub("%s+$", ""))
  end
  return table.concat(lines, "\n")
end

-- Returns lines describing where engines recorded different values for one scenario.
function M.differences(name, engines, by_key)
  local keys, seen = {}, {}
  for _, e in ipairs(engines) do
    local r = by_key[name .. "\0" .. e]
    if r and r.verdict ~= "skip" then
      for _, k in ipairs(r.record_keys) do
        if not seen[k] then seen[k] = true; keys[#keys + 1] = k end
      end
    end
  end
  local out = {}
  for _, k in ipairs(keys) do
    local values, distinct, first = {}, false, nil
    for _, e in ipairs(engines) do
      local r = by_key[name .. "\0" .. e]
      if r and r.verdict ~= "skip" then
        local v = r.records[k] or "(not recorded)"
        values[#values + 1] = string.format("%s: %s", e, v)
        if first == nil then first = v elseif v ~= first then distinct = true end
      end
    end
    if distinct then
      out[#out + 1] = string.format("  %s %s differs -- %s", name, k, table.concat(values, " | "))
    end
  end
  return out
end

-- Escapes text for XML.
local function xml_escape(s)
  return (tostring(s):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
    ['"'] = "&quot;" }):gsub("[%z\1-\8\11\12\14-\31]", "?"))
end

-- Writes a JUnit XML report of the results.
local function write_junit(path, results)
  local failures, skipped = 0, 0
  for _, r in ipairs(results) do
    if r.verdict == "fail" then failures = failures + 1 end
    if r.verdict == "skip" then skipped = skipped + 1 end
  end
  local out = { '<?xml version="1.0" encoding="UTF-8"?>',
    string.format('<testsuite name="regio-scenarios" tests="%d" failures="%d" skipped="%d">',
      #results, failures, skipped) }
  for _, r in ipairs(results) do
    out[#out + 1] = string.format('  <testcase classname="%s" name="%s">', xml_escape(r.engine),
      xml_escape(r.name))
    if r.verdict == "fail" then
      out[#out + 1] = string.format('    <failure message="%s">%s</failure>',
        xml_escape(r.reason), xml_escape(r.output))
    elseif r.verdict == "skip" then
      out[#out + 1] = string.format('    <skipped message="%s"/>', xml_escape(r.reason))
    end
    out[#out + 1] = "  </testcase>"
  end
  out[#out + 1] = "</testsuite>"
  local f = assert(io.open(path, "w"))
  f:write(table.concat(out, "\n"), "\n")
  f:close()
end

--- Runs the runner on an argument array; returns the exit status.
function M.main(argv)
  local ok, opts = pcall(M.parse, argv)
  if not ok or opts.help or #opts.paths == 0 then
    if not ok then io.stderr:write("regio run: ", tostring(opts), "\n") end
    io.stderr:write(usage, "\n")
    return (ok and opts.help) and 0 or 2
  end
  local backend = opts.backend or os.getenv("REGIO_BACKEND") or "auto"
  if backend == "" then backend = "auto" end
  local engines = engines_for(backend)
  local files = {}
  for _, p in ipairs(opts.paths) do
    local found = scenario_files(p)
    if #found == 0 then
      io.stderr:write("regio run: no scenario at ", p, "\n")
      return 2
    end
    for _, f in ipairs(found) do files[#files + 1] = f end
  end
  if opts.trace then os.execute("mkdir -p " .. shell_quote(opts.trace)) end
  local lua = os.getenv("REGIO_LUA") or "lua5.4"
  local say = opts.tap and function(s) print((s:gsub("\n", "\n# "):gsub("^", "# "))) end or print

  if opts.tap then print(string.format("1..%d", #files * #engines)) end
  local results, by_key, names, number = {}, {}, {}, 0
  for _, file in ipairs(files) do
    names[#names + 1] = short_name(file)
    for _, engine in ipairs(engines) do
      local r = run_one(file, engine, opts, lua)
      number = number + 1
      results[#results + 1] = r
      by_key[r.name .. "\0" .. engine] = r
      local drawn, svg = pcall(draw_trace, r, opts)
      if drawn then
        r.svg = svg
      else
        io.stderr:write("regio run: could not draw the trace of ", r.name, ": ", tostring(svg),
          "\n")
      end
      if opts.tap then
        local line = string.format("%s %d - %s [%s]", r.verdict == "fail" and "not ok" or "ok",
          number, r.name, engine)
        if r.verdict == "skip" then line = line .. " # SKIP " .. r.reason end
        print(line)
      else
        io.stdout:write(string.format("%-4s %s [%s]%s\n", r.verdict == "fail" and "FAIL"
          or r.verdict, r.name, engine, r.reason and (": " .. r.reason) or ""))
      end
    end
  end

  say("")
  if opts.profile then say("profile " .. opts.profile) end
  say(M.matrix(names, engines, by_key))
  local notes = {}
  for _, r in ipairs(results) do
    if r.verdict == "skip" then
      notes[#notes + 1] = string.format("  skip %s [%s]: %s", r.name, r.engine, r.reason)
    end
  end
  local diffs = {}
  for _, n in ipairs(names) do
    for _, line in ipairs(M.differences(n, engines, by_key)) do diffs[#diffs + 1] = line end
  end
  if #notes > 0 then say("\nskipped:\n" .. table.concat(notes, "\n")) end
  if #diffs > 0 then
    say("\nengines disagree on recorded results:\n" .. table.concat(diffs, "\n"))
  elseif #engines > 1 then
    say("\nevery engine recorded the same key results")
  end
  local failed = 0
  for _, r in ipairs(results) do
    if r.verdict == "fail" then
      failed = failed + 1
      say(string.format("\n---- %s [%s] failed; its output:\n%s", r.name, r.engine, r.output))
    end
  end
  local svgs = {}
  for _, r in ipairs(results) do if r.svg then svgs[#svgs + 1] = "  " .. r.svg end end
  if #svgs > 0 then say("\ntraces drawn:\n" .. table.concat(svgs, "\n")) end
  if opts.junit then write_junit(opts.junit, results) end
  local passed, skipped = 0, 0
  for _, r in ipairs(results) do
    if r.verdict == "pass" then passed = passed + 1 end
    if r.verdict == "skip" then skipped = skipped + 1 end
  end
  say(string.format("\n%d passed, %d failed, %d skipped", passed, failed, skipped))
  return failed > 0 and 1 or 0
end

return M
