-- regio: the Lua front of the RIO test harness.
--
-- Re-exports everything of the C module `regio.core` (labs, buffers, CQs, RQs, sockets, ports,
-- constants, error tables) and adds helpers written in Lua:
--   regio.with(obj, fn)     calls fn(obj) and closes obj afterwards, even on error (the <close>
--                           equivalent, for LuaJIT too)
--   regio.flags(t)          { waitall=, defer=, dont_notify=, commit_only= } -> number
--   regio.describe(v)       a one-line text for results, arrays of results and plain values
--   regio.hexdump(s)        a classic hex dump of a byte string
--   regio.trace_text(evs)   a lab's trace (lab:trace_events()) as text, one line per event
-- The environment defaults of regio.open (REGIO_BACKEND, REGIO_PROFILE) are applied by the C
-- module, so `regio.open` and `regio.core.open` behave the same.

local core = require "regio.core"

local pack = table.pack or function(...) return { n = select("#", ...), ... } end
local unpack = table.unpack or unpack

-- Whether k is an integer number (math.type is 5.3+).
local function is_integer(k)
  return type(k) == "number" and k % 1 == 0
end

local regio = {}
for k, v in pairs(core) do regio[k] = v end
regio.core = core

local flag_bits = {
  dont_notify = core.MSG_DONT_NOTIFY,
  defer = core.MSG_DEFER,
  waitall = core.MSG_WAITALL,
  commit_only = core.MSG_COMMIT_ONLY,
}

--- Converts a table of flag names to RIO's flag bits. Unknown names raise.
function regio.flags(t)
  if t == nil then return 0 end
  if type(t) == "number" then return t end
  if type(t) ~= "table" then
    error("bad argument #1 to 'flags' (table expected, got " .. type(t) .. ")", 2)
  end
  local bits = 0
  for name, on in pairs(t) do
    local bit = flag_bits[name]
    if bit == nil then error("unknown flag '" .. tostring(name) .. "'", 2) end
    if on then bits = bits + bit end -- distinct bits: + is |, and LuaJIT parses it
  end
  return bits
end

-- Closes obj through its __close metamethod (or a close method).
local function close_object(obj)
  local mt = getmetatable(obj)
  local close = type(mt) == "table" and rawget(mt, "__close") or nil
  if close then
    close(obj, nil)
  elseif type(obj) == "table" or type(obj) == "userdata" then
    local ok, method = pcall(function() return obj.close end)
    if ok and type(method) == "function" then method(obj) end
  end
end

--- Calls fn(obj, ...) and closes obj afterwards, even when fn raises (the error is re-raised).
--- Returns what fn returned.
function regio.with(obj, fn, ...)
  local mt = getmetatable(obj)
  if type(mt) ~= "table" or rawget(mt, "__close") == nil then
    error("bad argument #1 to 'with' (a regio object or any value with __close expected, got "
          .. type(obj) .. ")", 2)
  end
  if type(fn) ~= "function" then
    error("bad argument #2 to 'with' (function expected, got " .. type(fn) .. ")", 2)
  end
  local results = pack(pcall(fn, obj, ...))
  close_object(obj)
  if not results[1] then error(results[2], 0) end
  return unpack(results, 2, results.n)
end

-- {========================================================================================
-- Pretty printing.
-- =========================================================================================

local function is_result(t)
  return type(t) == "table" and t.status ~= nil and t.bytes ~= nil
end

local describe

local function describe_value(v, depth)
  local tv = type(v)
  if tv == "string" then return string.format("%q", v) end
  if tv == "table" then return describe(v, depth + 1) end
  return tostring(v)
end

local function describe_result(r, depth)
  return string.format("{status=%s bytes=%d socket=%s request=%s}", tostring(r.status),
    r.bytes, describe_value(r.socket, depth), describe_value(r.request, depth))
end

--- Describes a value on one line: a completion result as {status= bytes= socket= request=},
--- an array of them as [r1, r2, ...], other tables with their keys sorted.
function describe(v, depth)
  depth = depth or 0
  if type(v) ~= "table" then return describe_value(v, depth) end
  if depth > 4 then return "{...}" end
  if is_result(v) then return describe_result(v, depth) end
  local n = #v
  local parts = {}
  for i = 1, n do parts[#parts + 1] = describe_value(v[i], depth) end
  local keys = {}
  for k in pairs(v) do
    if not (is_integer(k) and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    parts[#parts + 1] = tostring(k) .. "=" .. describe_value(v[k], depth)
  end
  if n > 0 and #keys == 0 then return "[" .. table.concat(parts, ", ") .. "]" end
  return "{" .. table.concat(parts, " ") .. "}"
end
regio.describe = describe

--- Renders bytes as a hex dump: offset, 16 hex bytes, printable characters.
function regio.hexdump(s)
  local lines = {}
  for off = 1, #s, 16 do
    local chunk = s:sub(off, off + 15)
    local hex = chunk:gsub(".", function(c) return string.format("%02x ", c:byte()) end)
    local text = chunk:gsub("[^\32-\126]", ".")
    lines[#lines + 1] = string.format("%08x  %-48s |%s|", off - 1, hex, text)
  end
  return table.concat(lines, "\n")
end

-- }========================================================================================

--- Renders trace events (lab:trace_events()) as text, one fixed-format line per event (the
--- module regio.trace does the rendering).
function regio.trace_text(events)
  return require("regio.trace").text(events)
end

return regio
