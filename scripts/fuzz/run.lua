-- scripts/fuzz/run.lua — the API fuzzer's command line.
--
--   lua5.4 scripts/fuzz/run.lua [--build DIR] [--backend NAME] [--seed N] [--calls N] [--ops N]
--   lua5.4 scripts/fuzz/run.lua [--build DIR] --backend NAME --replay FILE
--
-- For every available engine of regio.backends() (or the one --backend names) it runs episodes
-- of --ops generated operations (model.lua, gen.lua) in a fresh lab each, until --calls API calls
-- have been made on that engine, checking the invariants as it goes and after each episode.
-- Episode k of seed S uses the seed S * 100000 + k, so any episode can be regenerated alone.
--
-- Each engine runs in a child process, so that a crash (a signal, a sanitizer abort) is caught
-- too. On a failure the parent prints the seed and the episode, shrinks the episode's operation
-- list with delta debugging (replaying subsets: in-process for an invariant violation, in child
-- processes for a crash), prints the shortest list found and saves it for --replay.
-- Exit status: 0 all invariants held; 1 a failure (after the report); 2 bad usage.
-- Internal modes: --child (run one engine in this process), --record FILE (regenerate one
-- episode, --episode N, writing each op before it runs).

local script_dir = (arg[0]:match("^(.*)/[^/]*$") or ".")
local root = script_dir .. "/../.."
package.path = script_dir .. "/?.lua;" .. root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;"
  .. package.path

local opts = { seed = 1, calls = 100000, ops = 150, build = nil }
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    local key = a:match("^%-%-(.+)$")
    if not key then io.stderr:write("run.lua: unexpected argument " .. a .. "\n") os.exit(2) end
    if key == "child" then
      opts.child = true
    else
      i = i + 1
      local v = arg[i]
      if v == nil then io.stderr:write("run.lua: --" .. key .. " needs a value\n") os.exit(2) end
      opts[key] = tonumber(v) or v
    end
    i = i + 1
  end
end
if opts.build then
  package.cpath = opts.build .. "/lua/?.so;" .. package.cpath
end

local regio = require "regio"
local model = require "model"
local gen = require "gen"
local ddmin = require "ddmin"
model.init(regio)

-- The failure class of an error text: "invariant <class>: ..." or "error".
local function class_of(err)
  return tostring(err):match("^invariant (%S+):") or "error"
end

-- One op as a Lua table constructor, with its keys sorted.
local function serialize(op)
  local keys = {}
  for k in pairs(op) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local v = op[k]
    parts[#parts + 1] = k .. "=" .. (type(v) == "string" and string.format("%q", v)
      or tostring(v))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Runs ops in a fresh lab, then the drain and the final checks. Returns nil or the error text.
local function replay(backend, ops, seed)
  local S
  local ok, err = pcall(function()
    S = model.new(backend, seed)
    for _, op in ipairs(ops) do model.step(S, op) end
    model.finish(S)
  end)
  if S and not S.lab_closed then pcall(S.lab.close, S.lab) end
  collectgarbage()
  if ok then return nil end
  return tostring(err)
end

-- Generates and runs one episode. Returns the op list and nil or the error text. With record
-- set, each op is written to that file before it runs (for crash reproduction).
local function episode(backend, ep_seed, nops, record)
  local g = gen.new(ep_seed)
  local ops = {}
  local S
  local ok, err = pcall(function()
    S = model.new(backend, ep_seed)
    for i = 1, nops do
      local op = g:next_op()
      if i == nops and g:chance(10) then op = { op = "close_lab" } end
      ops[#ops + 1] = op
      if record then record:write(serialize(op), ",\n") record:flush() end
      model.step(S, op)
    end
    model.finish(S)
  end)
  if S and not S.lab_closed then pcall(S.lab.close, S.lab) end
  if ok then return ops, nil end
  return ops, tostring(err)
end

-- Loads an op list written by save_ops (or by --record).
local function load_ops(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("a")
  f:close()
  local seed = tonumber(text:match("^%-%- seed (%d+)")) or 1
  return assert(load("return {" .. text:gsub("^%-%-[^\n]*\n", "") .. "}", path, "t", {}))(), seed
end

local function save_ops(path, ops, seed)
  local f = assert(io.open(path, "w"))
  f:write("-- seed ", tostring(seed), "\n")
  for _, op in ipairs(ops) do f:write(serialize(op), ",\n") end
  f:close()
end

local function print_ops(ops)
  for i, op in ipairs(ops) do print(string.format("  %3d %s", i, serialize(op))) end
end

-- The command that runs this script again with the same interpreter and build.
local function self_command(extra)
  local lua = arg[-1] or "lua5.4"
  local cmd = string.format("%q %q", lua, arg[0])
  if opts.build then cmd = cmd .. string.format(" --build %q", opts.build) end
  return cmd .. " " .. extra
end

-- The command line that replays a saved list (printed with every failure).
local function replay_hint(backend, file)
  return string.format("lua5.4 %s%s --backend %s --replay %s", arg[0],
    opts.build and (" --build " .. opts.build) or "", backend, file)
end

-- Runs a command; true when it exited with status 0, plus the exit kind and code.
local function run(cmd)
  local ok, how, code = os.execute(cmd)
  return ok == true, how, code
end

-- ---- child: one engine in this process ----------------------------------------------------

local function child_main()
  local backend = opts.backend
  if opts.record then
    local f = assert(io.open(opts.record, "w"))
    f:write("-- seed ", tostring(opts.episode), "\n")
    local _, err = episode(backend, opts.episode, opts.ops, f)
    f:close()
    os.exit(err and 3 or 0)
  end
  if opts.replay then
    local ops, seed = load_ops(opts.replay)
    local err = replay(backend, ops, seed)
    if err then print("replay: " .. err) os.exit(3) end
    os.exit(0)
  end
  local progress = opts.progress and assert(io.open(opts.progress, "w"))
  local k = 0
  local start = os.clock()
  model.calls = 0
  while model.calls < opts.calls do
    k = k + 1
    local ep_seed = opts.seed * 100000 + k
    if progress then
      progress:seek("set")
      progress:write(string.format("%d %d\n", ep_seed, opts.ops))
      progress:flush()
    end
    local ops, err = episode(backend, ep_seed, opts.ops)
    collectgarbage()
    if err then
      local class = class_of(err)
      print(string.format("fuzz[%s]: FAILURE seed=%d episode=%d (episode seed %d) after %d calls",
        backend, opts.seed, k, ep_seed, model.calls))
      print(string.format("fuzz[%s]: %s", backend, err))
      print(string.format("fuzz[%s]: shrinking %d ops (delta debugging, class %s)", backend, #ops,
        class))
      local small, tries = ddmin.minimize(ops, function(sub)
        local e = replay(backend, sub, ep_seed)
        return e ~= nil and class_of(e) == class
      end, 400)
      local final = replay(backend, small, ep_seed)
      print(string.format("fuzz[%s]: shortest sequence found (%d ops, %d replays): %s", backend,
        #small, tries, tostring(final)))
      print_ops(small)
      local out = string.format("%s/regio-fuzz-%s-%d.ops", os.getenv("TMPDIR") or "/tmp",
        backend, ep_seed)
      save_ops(out, small, ep_seed)
      print(string.format("fuzz[%s]: saved; replay with: %s", backend, replay_hint(backend, out)))
      os.exit(3)
    end
  end
  print(string.format("fuzz[%s]: %d calls in %d episodes of %d ops, seed %d: every invariant held"
    .. " (%.1f s CPU)", backend, model.calls, k, opts.ops, opts.seed, os.clock() - start))
  os.exit(0)
end

-- ---- parent: one child per engine, crash reproduction --------------------------------------

-- Shrinks a crashing episode with replays in child processes.
local function shrink_crash(backend, ep_seed)
  local tmp = os.tmpname()
  run(self_command(string.format("--child --backend %s --record %s --episode %d --ops %d"
    .. " >/dev/null 2>&1", backend, tmp, ep_seed, opts.ops)))
  local ops = load_ops(tmp)
  print(string.format("fuzz[%s]: the crash happens within %d ops; shrinking in child processes",
    backend, #ops))
  local probe = os.tmpname()
  local crashes = function(sub)
    save_ops(probe, sub, ep_seed)
    local ok, how, code = run(self_command(string.format(
      "--child --backend %s --replay %s >/dev/null 2>&1", backend, probe)))
    return not ok and not (how == "exit" and code == 3)
  end
  local small, tries = ddmin.minimize(ops, crashes, 150)
  local out = string.format("%s/regio-fuzz-%s-%d.ops", os.getenv("TMPDIR") or "/tmp", backend,
    ep_seed)
  save_ops(out, small, ep_seed)
  print(string.format("fuzz[%s]: shortest crashing sequence found (%d ops, %d replays):",
    backend, #small, tries))
  print_ops(small)
  print(string.format("fuzz[%s]: saved; replay with: %s", backend, replay_hint(backend, out)))
  os.remove(tmp)
  os.remove(probe)
end

local function parent_main()
  local failed = 0
  local engines = {}
  for _, info in ipairs(regio.backends()) do
    if opts.backend == nil or opts.backend == info.name then
      if info.available then
        engines[#engines + 1] = info.name
      else
        print(string.format("fuzz[%s]: skipped: %s", info.name, tostring(info.reason)))
      end
    end
  end
  if #engines == 0 then
    print("fuzz: no available engine matches " .. tostring(opts.backend))
    os.exit(1)
  end
  for _, backend in ipairs(engines) do
    if opts.replay then
      local ok = run(self_command(string.format("--child --backend %s --replay %q", backend,
        opts.replay)))
      print(string.format("fuzz[%s]: replay %s", backend, ok and "passed" or "FAILED"))
      if not ok then failed = failed + 1 end
    else
      local progress = os.tmpname()
      local ok, how, code = run(self_command(string.format(
        "--child --backend %s --seed %d --calls %d --ops %d --progress %s", backend, opts.seed,
        opts.calls, opts.ops, progress)))
      if not ok then
        failed = failed + 1
        if not (how == "exit" and code == 3) then
          local f = io.open(progress)
          local ep_seed = f and tonumber(f:read("l"):match("^(%d+)"))
          if f then f:close() end
          print(string.format("fuzz[%s]: CRASH (%s %s) seed=%d in episode seed %s", backend,
            tostring(how), tostring(code), opts.seed, tostring(ep_seed)))
          if ep_seed then shrink_crash(backend, ep_seed) end
        end
      end
      os.remove(progress)
    end
  end
  print(string.format("fuzz: %d engine(s), %d failed", #engines, failed))
  os.exit(failed == 0 and 0 or 1)
end

if opts.child then child_main() else parent_main() end
