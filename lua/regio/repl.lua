-- regio.repl: what `regio` with no arguments sets up before the lua5.4 prompt takes over.
--
-- The launcher runs `lua5.4 -i -e 'require("regio.repl").start()'`: Debian's lua5.4 reads lines
-- with GNU readline (line editing, history with the arrow keys, Ctrl-R search). start() puts
-- `regio`, a default `lab`, `help` and `trace` in the globals and replaces the global `print`,
-- which the prompt uses to show results, with one that shows tables readably: a list of
-- completion results as a small table, other tables with their keys. Strings, numbers and regio
-- objects print as before.

local regio = require "regio"
local help = require "regio.help"

local M = {}

-- The original print, kept for strings and numbers.
local raw_print = print

-- Whether t is an array of completion results.
local function is_result_list(t)
  if type(t) ~= "table" or #t == 0 then return false end
  for i = 1, #t do
    local r = t[i]
    if type(r) ~= "table" or r.bytes == nil or r.status == nil then return false end
  end
  return true
end

-- Renders a value inside a cell: strings quoted only when they are empty.
local function cell(v)
  if type(v) == "string" then return v == "" and '""' or v end
  if type(v) == "table" then return regio.describe(v) end
  return tostring(v)
end

--- Renders an array of completion results as a small table, one row per result.
function M.result_table(list)
  local header = { "#", "status", "bytes", "socket", "request" }
  local rows = { header }
  for i, r in ipairs(list) do
    rows[#rows + 1] = { tostring(i), cell(r.status), cell(r.bytes), cell(r.socket),
      cell(r.request) }
  end
  local width = {}
  for _, row in ipairs(rows) do
    for j, text in ipairs(row) do width[j] = math.max(width[j] or 0, #text) end
  end
  local lines = {}
  for _, row in ipairs(rows) do
    local parts = {}
    for j, text in ipairs(row) do parts[j] = text .. string.rep(" ", width[j] - #text) end
    lines[#lines + 1] = (table.concat(parts, "  "):gsub("%s+$", ""))
  end
  return table.concat(lines, "\n")
end

--- Renders one value the way the REPL shows it.
function M.show(v)
  if is_result_list(v) then return M.result_table(v) end
  if type(v) == "table" then
    if next(v) == nil then return "{} (empty)" end
    return regio.describe(v)
  end
  return tostring(v)
end

-- The print the REPL uses: each argument through M.show, separated by tabs.
local function pretty_print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = M.show((select(i, ...))) end
  raw_print(table.concat(parts, "\t"))
end
M.print = pretty_print

--- Sets up the globals and prints the greeting. Returns the default lab (or nil when no engine
--- could be opened; the message says why).
function M.start()
  _G.regio = regio
  _G.help = help.help
  _G.trace = require "regio.trace"
  _G.print = pretty_print
  local lab, message = regio.open{}
  _G.lab = lab
  raw_print("regio " .. tostring(regio.version) .. ": Windows Registered I/O, live.")
  if lab then
    raw_print(string.format("`lab` is open on the %s engine (profile %s). Try:", lab.backend,
      lab.profile))
  else
    raw_print("no engine could be opened: " .. tostring(message))
  end
  raw_print([[
  buf = lab:register(4096)        a, b = lab:tcp_pair()
  cq = lab:cq(8)                  rq = lab:rq(a, { recv = 2, send = 2, cq = cq })
  rq:receive(buf:slice(0, 12), regio.MSG_WAITALL, "first")
  b:write("hello world!")         cq:await(1, 1000)
help() lists the objects, help(cq) what one can do. Ctrl-D leaves.]])
  return lab
end

return M
