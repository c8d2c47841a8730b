-- run.lua — regio's benchmarks B1-B6 (see ANCHORS.md), each against its baseline in one run.
--
--   lua5.4 scripts/bench/run.lua [--quick] [--rounds N] [--only B1,B4] [--engines poll,uring]
--                                [--lua lua5.4|luajit|both] [--build DIR] [--out FILE]
--
-- Every benchmark runs its baseline and regio interleaved, round by round (at least 5 rounds),
-- prints each round's figures, and reports the median of the per-round ratios with min and max.
-- The results table (Markdown) goes to FILE (default DIR/bench/results.md). Programs it runs:
-- the C baselines and generators in DIR/bench (built by CMake, REGIO_BUILD_BENCH), the Lua
-- servers next to this file, LuaSocket and iperf3. An engine that is not available here is
-- skipped with the reason printed.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local q = H.quote

local root = here .. "/../.."
local opts = { rounds = nil, quick = false, only = nil, engines = nil, lua = "lua5.4",
               build = os.getenv("REGIO_BUILD_DIR") or (root .. "/build"), out = nil }
do
  local i = 1
  while arg[i] do
    local a = arg[i]
    if a == "--quick" then opts.quick = true
    elseif a == "--rounds" then i = i + 1; opts.rounds = tonumber(arg[i])
    elseif a == "--only" then i = i + 1; opts.only = arg[i]
    elseif a == "--engines" then i = i + 1; opts.engines = arg[i]
    elseif a == "--lua" then i = i + 1; opts.lua = arg[i]
    elseif a == "--build" then i = i + 1; opts.build = arg[i]
    elseif a == "--out" then i = i + 1; opts.out = arg[i]
    else error("unknown option " .. a) end
    i = i + 1
  end
end
local rounds = math.max(5, opts.rounds or 5)
local bin = opts.build .. "/bench/"
opts.out = opts.out or (opts.build .. "/bench/results.md")

-- Sizes: quick (make bench, under 5 minutes) and full.
local P = opts.quick and {
  ingest = 30000, echo_seconds = 0.3, echo_conns = { 1, 16, 256 }, bulk = 512 << 20,
  dequeue = 40000, sg = 20000, drain = 20000,
} or {
  ingest = 500000, echo_seconds = 2, echo_conns = { 1, 16, 256 }, bulk = 4 << 30,
  dequeue = 1000000, sg = 200000, drain = 50000,
}

-- The Lua interpreters to run the Lua sides on, each with the module paths it needs.
local luas = {}
local function add_lua(name)
  local cdir = name == "luajit" and (opts.build .. "/luajit") or (opts.build .. "/lua")
  if name == "luajit" and not io.open(cdir .. "/regio/core.so", "r") then
    print("luajit lane skipped: " .. cdir .. "/regio/core.so is missing (cmake -DREGIO_LUAJIT=ON)")
    return
  end
  local env = string.format("LUA_PATH=%s LUA_CPATH=%s", q(root .. "/lua/?.lua;" .. root ..
                            "/lua/?/init.lua;;"), q(cdir .. "/?.so;;"))
  luas[#luas + 1] = { name = name, cmd = env .. " timeout 120 " .. name .. " " }
end
if opts.lua == "both" then add_lua("lua5.4"); add_lua("luajit") else add_lua(opts.lua) end

-- The engines: the ones asked for, or every engine regio lists; unavailable ones are reported.
local engines = {}
do
  local list = opts.engines or "poll,uring,sim"
  for e in list:gmatch("[^,]+") do engines[#engines + 1] = e end
end

-- Asks regio (through the first Lua lane) which engines this machine has; an engine asked for
-- that is unknown or unavailable is left out, with its reason printed and put under the table.
local engine_notes = {}
if luas[1] then
  local listing = H.capture(luas[1].cmd .. "-e " .. q("for _, b in ipairs(require('regio')" ..
    ".backends()) do print(b.name .. '=' .. (b.available and 'yes' or tostring(b.reason))) end"))
  local known = {}
  for name, state in listing:gmatch("([%w_]+)=([^\n]*)") do known[name] = state end
  local kept = {}
  for _, e in ipairs(engines) do
    if known[e] == "yes" then
      kept[#kept + 1] = e
    else
      local why = known[e] or "regio has no engine of that name"
      engine_notes[#engine_notes + 1] = string.format("Engine %s not benchmarked: %s", e, why)
      print(engine_notes[#engine_notes])
    end
  end
  engines = kept
end

local function wanted(id)
  if not opts.only then return true end
  for x in opts.only:gmatch("[^,]+") do if x == id then return true end end
  return false
end

local rows = {}
-- Adds a table row for every non-baseline contender of a rounds() result.
local function report(bench, contenders, res, unit, lua_name, extra)
  for k, c in ipairs(contenders) do
    local o = res[c.name]
    if k > 1 and c.engine then
      local row = { bench = bench, engine = c.engine, lua = lua_name, vs = c.vs_label or
                    contenders[1].name, unit = unit }
      if o.skip and #o.ratios == 0 then
        row.skip = o.skip
      else
        row.median, row.min, row.max = H.summary(o.ratios)
        row.rate = H.summary(o.rates)
        local base = res[c.vs or contenders[1].name]
        row.base_rate = base and H.summary(base.rates)
        row.cpu = H.summary(o.cpu)
        row.base_cpu = base and H.summary(base.cpu)
        row.extra = extra and extra(o, base)
      end
      rows[#rows + 1] = row
      if row.median then
        print(string.format("   => %s vs %s: median x%.2f [%.2f-%.2f]", c.name, row.vs,
                            row.median, row.min, row.max))
      end
    end
  end
end

-- The note of a datagram run: sent, received, lost.
local function loss_note(sent, received)
  return string.format("sent=%d recv=%d lost=%d", sent, received, math.max(0, sent - received))
end

-- B1: Holgate ingest. --------------------------------------------------------------------------
local function b1(L)
  for _, size in ipairs({ 1024, 64 }) do
    local flood = string.format("timeout 60 %s {port} %d %d", q(bin .. "udp_flood"), P.ingest, size)
    local function ingest(server)
      return function()
        local s, c = H.serve(server, flood)
        if not s then error(c) end
        if s.skip then return nil, s.skip end
        if s.seconds <= 0 then return nil, "no datagram arrived" end
        return { rate = s.received / s.seconds, cpu_op = s.cpu / math.max(1, s.received),
                 note = loss_note(c.sent, s.received), sent = c.sent, received = s.received }
      end
    end
    local cs = {
      { name = "C recv()", run = ingest(string.format("timeout 60 %s %d",
                                                     q(bin .. "udp_recv_server"), size)) },
      { name = "LuaSocket", run = ingest(string.format("%s%s %d", L.cmd,
                                        q(here .. "/ingest_luasocket.lua"), size)) },
    }
    for _, e in ipairs(engines) do
      for _, design in ipairs({ "polled", "event", "iocp" }) do
        local name = string.format("regio %s %s", e, design)
        cs[#cs + 1] = { name = name, engine = e .. " " .. design,
                        run = ingest(string.format("%s%s %s %s %d", L.cmd,
                                     q(here .. "/ingest_regio.lua"), e, design, size)) }
        cs[#cs + 1] = { name = name .. " /LuaSocket", engine = e .. " " .. design, vs = "LuaSocket",
                        alias = name }
      end
    end
    -- The "/LuaSocket" entries reuse their regio run's figures against the LuaSocket baseline.
    local runs = {}
    for _, c in ipairs(cs) do if not c.alias then runs[#runs + 1] = c end end
    local res = H.rounds(string.format("B1 ingest %d B x %d (%s)", size, P.ingest, L.name),
                         rounds, runs)
    for _, c in ipairs(cs) do
      if c.alias then
        local o, base = res[c.alias], res["LuaSocket"]
        local ratios = {}
        -- Per-round ratios against LuaSocket: rounds line up because both lists are per round.
        for i = 1, math.min(#o.rates, #base.rates) do ratios[i] = o.rates[i] / base.rates[i] end
        res[c.name] = { rates = o.rates, ratios = ratios, cpu = o.cpu, notes = o.notes,
                        skip = o.skip }
      end
    end
    local function lost(o)
      local l = {}
      for _, n in ipairs(o.notes) do l[#l + 1] = tonumber(n:match("lost=(%d+)")) end
      local m = H.summary(l)
      return m and string.format("median lost %d of %d", m, P.ingest) or ""
    end
    local with_c, with_ls = { cs[1] }, { cs[2] }
    for _, c in ipairs(cs) do
      if c.engine and not c.alias then with_c[#with_c + 1] = c end
      if c.alias then with_ls[#with_ls + 1] = c end
    end
    report(string.format("B1 ingest %d B", size), with_c, res, "datagrams", L.name,
           function(o) return lost(o) end)
    report(string.format("B1 ingest %d B", size), with_ls, res, "datagrams", L.name,
           function(o) return lost(o) end)
  end
end

-- B2: TCP echo. --------------------------------------------------------------------------------
local function b2(L)
  for _, n in ipairs(P.echo_conns) do
    local client = string.format("timeout 60 %s {port} %d %s 64", q(bin .. "tcp_echo_client"), n,
                                 P.echo_seconds)
    local function echo(server)
      return function()
        local s, c = H.serve(server, client)
        if not s then error(c) end
        if s.skip then return nil, s.skip end
        return { rate = c.roundtrips / c.seconds, cpu_op = s.cpu / math.max(1, s.served),
                 note = string.format("p50=%dus p99=%dus", c.p50_us, c.p99_us) }
      end
    end
    local cs = {
      { name = "C epoll", run = echo("timeout 60 " .. q(bin .. "tcp_echo_epoll")) },
      { name = "LuaSocket", run = echo(string.format("%s%s %d", L.cmd,
                                       q(here .. "/echo_luasocket.lua"), n)) },
    }
    for _, e in ipairs(engines) do
      cs[#cs + 1] = { name = "regio " .. e, engine = e, run = echo(string.format("%s%s %s %d",
                      L.cmd, q(here .. "/echo_regio.lua"), e, n)) }
    end
    local res = H.rounds(string.format("B2 echo 64 B, %d connections (%s)", n, L.name), rounds, cs)
    local function lat(o)
      local p50, p99 = {}, {}
      for _, note in ipairs(o.notes) do
        p50[#p50 + 1] = tonumber(note:match("p50=(%d+)"))
        p99[#p99 + 1] = tonumber(note:match("p99=(%d+)"))
      end
      return string.format("p50 %dus p99 %dus", H.summary(p50) or 0, H.summary(p99) or 0)
    end
    local function latency(o, base)
      return lat(o) .. " (C: " .. lat(base) .. ")"
    end
    report(string.format("B2 echo %d conn", n), cs, res, "round trips", L.name, latency)
    -- The same runs against LuaSocket.
    local ls = { cs[2] }
    for _, c in ipairs(cs) do
      if c.engine then ls[#ls + 1] = c end
    end
    local res2 = {}
    for k, v in pairs(res) do res2[k] = v end
    for _, c in ipairs(ls) do
      if c.engine then
        local o, base = res[c.name], res["LuaSocket"]
        local ratios = {}
        for i = 1, math.min(#o.rates, #base.rates) do ratios[i] = o.rates[i] / base.rates[i] end
        res2[c.name] = { rates = o.rates, ratios = ratios, cpu = o.cpu, notes = o.notes,
                         skip = o.skip }
      end
    end
    report(string.format("B2 echo %d conn", n), ls, res2, "round trips", L.name,
           function(o, base) return lat(o) .. " (LuaSocket: " .. lat(base) .. ")" end)
  end
end

-- B3: bulk TCP. --------------------------------------------------------------------------------
local function b3(L)
  local function iperf()
    local port = 20000 + math.random(0, 20000)
    local server = string.format("timeout 60 iperf3 -s -1 -p %d --forceflush", port)
    local h = assert(io.popen(server, "r"))
    for line in h:lines() do if line:find("listening") then break end end
    local out = H.capture(string.format("timeout 60 iperf3 -c 127.0.0.1 -p %d -n %d -l 128K -J",
                                        port, P.bulk))
    h:close()
    local bps = tonumber(out:match('"sum_received"%s*:%s*{.-"bits_per_second"%s*:%s*([%d%.e+]+)'))
    local cpu = tonumber(out:match('"remote_total"%s*:%s*([%d%.e+]+)'))
    if not bps then return nil, "iperf3 failed: " .. out:sub(1, 200) end
    return { rate = bps / 8, cpu_op = cpu and cpu / 100 / (bps / 8) * 65536 or nil,
             note = cpu and string.format("receiver cpu %.0f%%", cpu) or nil }
  end
  local function bulk(e)
    return function()
      local s, c = H.serve(string.format("%s%s %s", L.cmd, q(here .. "/bulk_regio.lua"), e),
                           string.format("timeout 60 %s {port} %d", q(bin .. "tcp_bulk_send"),
                                         P.bulk))
      if not s then error(c) end
      if s.skip then return nil, s.skip end
      return { rate = s.received / s.seconds, cpu_op = s.cpu / (s.received / 65536),
               note = string.format("receiver cpu %.0f%%", 100 * s.cpu / s.seconds) }
    end
  end
  if not os.execute("command -v iperf3 >/dev/null") then
    print("== B3 skipped: iperf3 is not installed (scripts/bench/setup.sh)")
    return
  end
  local cs = { { name = "iperf3", run = iperf } }
  for _, e in ipairs(engines) do
    cs[#cs + 1] = { name = "regio " .. e, engine = e, run = bulk(e) }
  end
  local res = H.rounds(string.format("B3 bulk TCP, %d MiB, 64 KiB slices (%s)", P.bulk >> 20,
                                     L.name), rounds, cs)
  report("B3 bulk TCP 64 KiB", cs, res, "bytes", L.name, function(o)
    return o.notes[1] and o.notes[#o.notes] or ""
  end)
end

-- B4: completions delivered to Lua. ------------------------------------------------------------
local function b4(L)
  for _, batch in ipairs({ 1, 64, 1000 }) do
    local cs = {}
    for _, e in ipairs(engines) do
      local function run(cmd)
        return function()
          local out = H.capture(cmd)
          local r = H.parse(out)
          if not r then error("no result: " .. cmd .. "\n" .. out) end
          if r.skip then return nil, r.skip end
          return { rate = r.completions / r.seconds, cpu_op = r.cpu / r.completions,
                   note = string.format("%.0fns/completion", 1e9 * r.seconds / r.completions) }
        end
      end
      cs[#cs + 1] = { name = "C " .. e, run = run(string.format("timeout 60 %s %s %d %d",
                      q(bin .. "b4_dequeue"), e, batch, P.dequeue)) }
      cs[#cs + 1] = { name = "Lua " .. e, engine = e, vs = "C " .. e, vs_label = "C " .. e,
                      run = run(string.format("%s%s %s %d %d", L.cmd, q(here .. "/dequeue_lua.lua"),
                                              e, batch, P.dequeue)) }
    end
    local res = H.rounds(string.format("B4 dequeue into Lua, batch %d (%s)", batch, L.name),
                         rounds, cs)
    for k = 2, #cs, 2 do
      report(string.format("B4 dequeue batch %d", batch), { cs[k - 1], cs[k] }, res,
             "completions", L.name, function(o)
               local ns = {}
               for _, n in ipairs(o.notes) do ns[#ns + 1] = tonumber(n:match("^(%d+)")) end
               return string.format("Lua %d ns/completion", H.summary(ns) or 0)
             end)
    end
  end
end

-- B5: scatter/gather send. ---------------------------------------------------------------------
local function b5(L)
  for _, e in ipairs(engines) do
    local function run(nslices)
      return function()
        local cmd = string.format("%s%s %s %d %d 64", L.cmd, q(here .. "/sg_send.lua"), e, nslices,
                                  P.sg)
        local r = H.parse(H.capture(cmd))
        if not r then error("no result: " .. cmd) end
        if r.skip then return nil, r.skip end
        return { rate = r.sends / r.seconds, cpu_op = r.cpu / r.sends }
      end
    end
    local cs = { { name = "1 slice " .. e, run = run(1) },
                 { name = "3 slices " .. e, engine = e, run = run(3) } }
    local res = H.rounds(string.format("B5 send 64 B as 3 slices vs 1, %s (%s)", e, L.name),
                         rounds, cs)
    report("B5 scatter/gather 3 vs 1", cs, res, "sends", L.name)
  end
end

-- B6: receive path alone. ----------------------------------------------------------------------
local function b6(L)
  local function c_drain()
    local r = H.parse(H.capture(string.format("timeout 60 %s %d 64", q(bin .. "udp_drain"),
                                              P.drain)))
    if not r or r.received == 0 then return nil, "udp_drain received nothing" end
    return { rate = r.received / r.seconds, cpu_op = r.cpu / r.received,
             note = loss_note(r.filled, r.received) }
  end
  local cs = { { name = "C recv()", run = c_drain } }
  for _, e in ipairs(engines) do
    cs[#cs + 1] = { name = "regio " .. e, engine = e, run = function()
      local r = H.parse(H.capture(string.format("%s%s %s %d 64 %s", L.cmd,
                        q(here .. "/drain_regio.lua"), e, P.drain, q(bin .. "udp_flood"))))
      if not r then return nil, "drain_regio.lua failed" end
      if r.skip then return nil, r.skip end
      if r.received == 0 then return nil, "nothing received" end
      return { rate = r.received / r.seconds, cpu_op = r.cpu / r.received,
               note = loss_note(P.drain, r.received) }
    end }
  end
  local res = H.rounds(string.format("B6 drain %d x 64 B (%s)", P.drain, L.name), rounds, cs)
  report("B6 receive path 64 B", cs, res, "datagrams", L.name, function(o)
    return o.notes[#o.notes] or ""
  end)
end

-- Run, then write the table. -------------------------------------------------------------------
local started = os.time()
math.randomseed(os.time())
local benches = { { "B1", b1 }, { "B2", b2 }, { "B3", b3 }, { "B4", b4 }, { "B5", b5 },
                  { "B6", b6 } }
-- In quick mode the LuaJIT lane runs the benchmarks where the Lua side's cost shows (B1, B4);
-- a full run runs every benchmark on every interpreter.
local function lane_runs(L, id)
  return not opts.quick or L.name ~= "luajit" or id == "B1" or id == "B4" or opts.only
end
for _, L in ipairs(luas) do
  for _, b in ipairs(benches) do
    if wanted(b[1]) and lane_runs(L, b[1]) then
      local ok, e = pcall(b[2], L)
      if not ok then print(b[1] .. " failed: " .. tostring(e)) end
    end
  end
end

local function machine()
  local cpu = (H.capture("grep -m1 'model name' /proc/cpuinfo") or ""):match(":%s*(.-)%s*$") or "?"
  local kernel = (H.capture("uname -r") or ""):gsub("%s+$", "")
  local ncpu = (H.capture("nproc") or ""):gsub("%s+$", "")
  return string.format("%s, %s CPUs, Linux %s, loopback", cpu, ncpu, kernel)
end

local f = assert(io.open(opts.out, "w"))
f:write(string.format("Measured %s on %s; %s mode, %d interleaved rounds, %d s.\n\n",
                      os.date("!%Y-%m-%d %H:%M UTC"), machine(), opts.quick and "quick" or "full",
                      rounds, os.time() - started))
f:write("| benchmark | engine | Lua | vs | ratio median [min-max] | regio rate | baseline rate |" ..
        " CPU/op regio / baseline | notes |\n")
f:write("|---|---|---|---|---|---|---|---|---|\n")
-- Skipped rows are gathered under the table: one line per engine (first word) and reason.
local skipped, skip_order = {}, {}
for _, r in ipairs(rows) do
  if r.skip then
    local key = string.format("%s (%s): %s", r.engine:match("^%S+"), r.lua, r.skip)
    if not skipped[key] then
      skipped[key] = {}
      skip_order[#skip_order + 1] = key
    end
    local list = skipped[key]
    local name = r.bench:match("^(B%d)")
    if list[#list] ~= name then list[#list + 1] = name end
  else
    local function us(x) return x and string.format("%.2fus", x * 1e6) or "-" end
    local row = "| %s | %s | %s | %s | **%.2f** [%.2f-%.2f] | %s %s/s | %s/s | %s / %s | %s |\n"
    f:write(string.format(row, r.bench, r.engine, r.lua, r.vs, r.median or 0, r.min or 0,
                          r.max or 0, H.si(r.rate), r.unit, H.si(r.base_rate), us(r.cpu),
                          us(r.base_cpu), r.extra or ""))
  end
end
for _, note in ipairs(engine_notes) do f:write("\n" .. note .. "\n") end
for _, key in ipairs(skip_order) do
  f:write(string.format("\nSkipped %s on %s\n", table.concat(skipped[key], ", "), key))
end
f:close()
print("results: " .. opts.out)
