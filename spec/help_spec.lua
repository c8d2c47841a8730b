-- The one source of the API's words (lua/regio/help.lua): every function the binding and the
-- module register is documented, every documented call exists, and the generated reference
-- page and LuaLS stubs come from that table and match the committed stubs file.

local H = require "helper"

describe("help: the API's words", function()
  local help = require "regio.help"
  local doc = require "regio.doc"

  -- Returns the set of documented names of one object.
  local function documented(object)
    local set = {}
    for _, e in ipairs(help.of(object)) do set[e.name] = e end
    return set
  end

  it("documents every function of the module table", function()
    local regio = H.regio or require "regio"
    local known = documented("regio")
    local missing = {}
    for name, value in pairs(regio) do
      if type(value) == "function" and not known[name] then missing[#missing + 1] = name end
    end
    table.sort(missing)
    assert.same({}, missing, "undocumented regio functions: " .. table.concat(missing, ", "))
  end)

  it("documents every method in the metatables' __index of every regio class", function()
    require "regio"
    local registry = debug.getregistry()
    local missing, classes = {}, 0
    for _, o in ipairs(help.objects) do
      if o.class ~= "regio" and o.class ~= "regio.trace" then
        local methods = help.methods_of_class(registry[o.class])
        assert.is_table(methods, "no method table for " .. o.class)
        classes = classes + 1
        local known = documented(o.name)
        for name, value in pairs(methods) do
          if type(value) == "function" and not known[name] then
            missing[#missing + 1] = o.name .. ":" .. name
          end
        end
      end
    end
    table.sort(missing)
    assert.equal(7, classes)
    assert.same({}, missing, "undocumented methods: " .. table.concat(missing, ", "))
  end)

  it("documents every function of regio.trace", function()
    local trace = require "regio.trace"
    local known = documented("trace")
    local missing = {}
    for name, value in pairs(trace) do
      if type(value) == "function" and not known[name] and name ~= "label" then
        missing[#missing + 1] = name
      end
    end
    assert.same({}, missing)
  end)

  it("documents nothing that does not exist (unless marked optional)", function()
    local regio = require "regio"
    local registry = debug.getregistry()
    local ghosts = {}
    for _, e in ipairs(help.entries) do
      if not e.optional and (e.kind == "method" or e.kind == "function") then
        local where
        if e.object == "regio" then where = regio
        elseif e.object == "trace" then where = require "regio.trace"
        else where = help.methods_of_class(registry[help.object(e.object).class]) end
        if type(where) ~= "table" or type(where[e.name]) ~= "function" then
          ghosts[#ghosts + 1] = e.object .. "." .. e.name
        end
      end
    end
    assert.same({}, ghosts)
  end)

  it("gives each entry a one-line description and a parsable signature", function()
    for _, e in ipairs(help.entries) do
      assert.is_string(e.description)
      assert.is_nil(e.description:find("\n"), e.name)
      assert.is_truthy(#e.description > 10, e.name)
      if e.kind ~= "field" and e.kind ~= "constant" then
        local params = help.parse_signature(e.signature)
        for _, p in ipairs(params) do assert.is_truthy(p.name:match("^[%w_%.]+$"), e.name) end
      end
    end
  end)

  it("help() lists every object and help(obj) lists every method of it", function()
    local overview = help.text()
    for _, o in ipairs(help.objects) do assert.is_truthy(overview:find(o.name, 1, true)) end
    local regio = require "regio"
    local lab = H.track(assert(regio.open{}))
    local cq = assert(lab:cq(4))
    local text = help.text(cq)
    for _, e in ipairs(help.of("cq")) do
      assert.is_truthy(text:find("cq:" .. e.name .. "(", 1, true), e.name)
    end
    assert.is_truthy(help.text(cq.dequeue):find("RIODequeueCompletion", 1, true))
    assert.is_truthy(help.text("rq"):find("rq:commit(dir)", 1, true))
    assert.is_truthy(help.text(42):find("no help", 1, true))
  end)

  it("the reference page has a row for every entry", function()
    local page = doc.markdown()
    for _, e in ipairs(help.entries) do
      assert.is_truthy(page:find(help.usage(e):gsub("|", "\\|"), 1, true), help.usage(e))
    end
  end)

  it("the LuaLS stubs are valid Lua and the committed file matches the generator", function()
    local stubs = doc.stubs()
    assert.is_truthy(stubs:find("^%-%-%-@meta regio"))
    assert.is_function(load(stubs, "=stubs"))
    assert.is_truthy(stubs:find("function cq:dequeue(max) end", 1, true))
    assert.is_truthy(stubs:find("---@class regio.rq", 1, true))
    local f = assert(io.open("lua/regio/meta/regio.lua", "r"))
    local committed = f:read("a")
    f:close()
    assert.equal(stubs, committed, "lua/regio/meta/regio.lua is stale: run `make doc`")
  end)
end)
