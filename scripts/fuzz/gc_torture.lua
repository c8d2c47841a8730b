-- scripts/fuzz/gc_torture.lua — GC torture: after this module is required, every function of
-- regio.core and every method of every regio type runs a full garbage collection after it
-- returns (or raises), so a finalizer that runs at the worst moment is found by whatever test
-- drives the API. scripts/hardening.sh runs the whole spec suite this way:
--
--   lua5.4 -e 'package.path = "scripts/fuzz/?.lua;" .. package.path; require "gc_torture"' \
--     /usr/bin/busted
--
-- The wrapping changes the metatables in the registry in place, so it survives busted's
-- insulation of package.loaded between spec files. REGIO_GC_TORTURE_STEP=1 runs one
-- incremental step instead of a full collection (faster, different timing).

local core = require "regio.core"

local step = os.getenv("REGIO_GC_TORTURE_STEP") == "1"
local collect = step and function() collectgarbage("step", 0) end
  or function() collectgarbage() end

local pack, unpack = table.pack, table.unpack
local wrapped = setmetatable({}, { __mode = "k" })

-- Returns fn wrapped so that a collection runs after each call, errors included.
local function torture(fn)
  if wrapped[fn] then return fn end
  local w = function(...)
    local r = pack(pcall(fn, ...))
    collect()
    if not r[1] then error(r[2], 0) end
    return unpack(r, 2, r.n)
  end
  wrapped[w] = true
  return w
end

local count = 0
for k, v in pairs(core) do
  if type(v) == "function" then
    core[k] = torture(v)
    count = count + 1
  end
end
local registry = debug.getregistry()
for _, name in ipairs { "regio.lab", "regio.buffer", "regio.slice", "regio.cq", "regio.rq",
  "regio.socket", "regio.iocp", "regio.trace" } do
  local mt = registry[name]
  local methods = type(mt) == "table" and mt.__index
  -- A type with fields has a C __index closure whose first upvalue is the method table.
  if type(methods) == "function" then
    local _, up = debug.getupvalue(methods, 1)
    methods = up
  end
  if type(methods) == "table" then
    for k, v in pairs(methods) do
      if type(v) == "function" then
        methods[k] = torture(v)
        count = count + 1
      end
    end
  end
end
io.stderr:write(string.format("gc_torture: %d regio functions collect after every call (%s)\n",
  count, step and "one step" or "full collection"))
return count
