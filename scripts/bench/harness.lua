-- harness.lua — what every benchmark of run.lua shares: running programs, reading their
-- "key=value" result lines, interleaved A/B rounds and the median of per-round ratios.
local harness = {}

-- Quotes a string for /bin/sh.
function harness.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Parses the last line of text that holds "key=value" pairs into a table (numbers converted);
-- returns the table, or nil when no line has a pair.
function harness.parse(text)
  local found
  for line in (text or ""):gmatch("[^\n]+") do
    if line:find("^%s*[%w_]+=") then
      local t = {}
      for k, v in line:gmatch("([%w_]+)=(%S+)") do t[k] = tonumber(v) or v end
      if line:find("^%s*skip=") then t.skip = line:match("skip=(.*)$") end
      found = t
    end
  end
  return found
end

-- Runs a command to its end and returns its standard output and whether it succeeded.
function harness.capture(cmd)
  local h = assert(io.popen(cmd, "r"))
  local out = h:read("a")
  local ok = h:close()
  return out, ok
end

-- Runs a server and a client against it: server_cmd must print "READY <port>" (or "skip=why")
-- first; client_cmd has "{port}" replaced by that port. Returns the server's and the client's
-- parsed result tables (the server's has .skip when it skipped), or nil and a reason.
function harness.serve(server_cmd, client_cmd)
  local h = assert(io.popen(server_cmd, "r"))
  local first = h:read("l")
  if not first then
    h:close()
    return nil, "server printed nothing: " .. server_cmd
  end
  local skip = first:match("^skip=(.*)")
  if skip then
    h:close()
    return { skip = skip }
  end
  local port = first:match("^READY (%d+)")
  if not port then
    local rest = h:read("a")
    h:close()
    return nil, "server said: " .. first .. (rest or "")
  end
  local client_out = harness.capture((client_cmd:gsub("{port}", port)))
  local server_out = h:read("a")
  h:close()
  local s, c = harness.parse(server_out), harness.parse(client_out)
  if not s then return nil, "no result from server: " .. server_cmd .. "\n" .. server_out end
  if not c then return nil, "no result from client: " .. client_cmd .. "\n" .. client_out end
  return s, c
end

-- Returns the median, minimum and maximum of an array of numbers.
function harness.summary(values)
  local v = {}
  for i, x in ipairs(values) do v[i] = x end
  table.sort(v)
  local n = #v
  if n == 0 then return nil end
  local median = n % 2 == 1 and v[(n + 1) // 2] or (v[n // 2] + v[n // 2 + 1]) / 2
  return median, v[1], v[n]
end

-- Formats a rate with an SI suffix ("1.23M").
function harness.si(x)
  if not x then return "-" end
  if x >= 1e9 then return string.format("%.2fG", x / 1e9) end
  if x >= 1e6 then return string.format("%.2fM", x / 1e6) end
  if x >= 1e3 then return string.format("%.1fk", x / 1e3) end
  return string.format("%.1f", x)
end

-- Runs rounds of interleaved contenders. contenders is an array of
-- { name =, run = function() -> { rate =, cpu_op = (seconds), note = } | nil, "skip reason" };
-- the first is the baseline of the others unless a contender names its baseline (.vs).
-- Odd rounds run the contenders in order, even rounds in reverse, so neither side always runs
-- first. Prints every round's figures and returns { [name] = { rates = {...}, ratios = {...},
-- cpu = {...}, notes = {...}, skip = reason } }.
function harness.rounds(title, rounds, contenders)
  local out = {}
  for _, c in ipairs(contenders) do
    out[c.name] = { rates = {}, ratios = {}, cpu = {}, notes = {} }
  end
  print("== " .. title)
  for round = 1, rounds do
    local order = {}
    for i = 1, #contenders do
      order[i] = contenders[round % 2 == 1 and i or #contenders + 1 - i]
    end
    local got = {}
    for _, c in ipairs(order) do
      local o = out[c.name]
      if not o.skip then
        local r, why = c.run()
        if r then
          got[c.name] = r
          o.rates[#o.rates + 1] = r.rate
          if r.cpu_op then o.cpu[#o.cpu + 1] = r.cpu_op end
          if r.note then o.notes[#o.notes + 1] = r.note end
        else
          o.skip = why or "failed"
          print(string.format("   %-34s skipped: %s", c.name, o.skip))
        end
      end
    end
    local line = {}
    for _, c in ipairs(contenders) do
      local r = got[c.name]
      if r then
        local base = got[c.vs or contenders[1].name]
        local ratio = ""
        if base and c ~= contenders[1] and base.rate > 0 then
          local x = r.rate / base.rate
          local o = out[c.name]
          o.ratios[#o.ratios + 1] = x
          ratio = string.format(" (x%.2f)", x)
        end
        local cpu = r.cpu_op and string.format(" cpu %.2fus/op", r.cpu_op * 1e6) or ""
        line[#line + 1] = string.format("%s %s/s%s%s%s", c.name, harness.si(r.rate), ratio, cpu,
                                        r.note and (" " .. r.note) or "")
      end
    end
    print(string.format("   round %d: %s", round, table.concat(line, "; ")))
    io.stdout:flush()
  end
  return out
end

return harness
