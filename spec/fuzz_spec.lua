-- The API fuzzer (scripts/fuzz): a short seeded run on every engine with its invariants, and
-- checks that its invariants and its delta debugging can fail. The long runs (100,000 calls per
-- engine in CI, 1,000,000 with `make fuzz-long`) are scripts/fuzz/run.lua's, through
-- scripts/hardening.sh; REGIO_FUZZ_SPEC_CALLS sets this spec's budget (default 3000).

local H = require "helper"

package.path = "scripts/fuzz/?.lua;" .. package.path
local model = require "model"
local gen = require "gen"
local ddmin = require "ddmin"

local budget = tonumber(os.getenv("REGIO_FUZZ_SPEC_CALLS")) or 3000

describe("fuzzer machinery", function()
  it("delta debugging finds the two elements a failure needs", function()
    local list = {}
    for i = 1, 100 do list[i] = i end
    local fails = function(sub)
      local has3, has71 = false, false
      for _, v in ipairs(sub) do
        if v == 3 then has3 = true end
        if v == 71 then has71 = true end
      end
      return has3 and has71
    end
    local small = ddmin.minimize(list, fails, 400)
    assert.same({ 3, 71 }, small)
  end)

  it("the generator is deterministic for a seed", function()
    local a, b = gen.new(42), gen.new(42)
    for _ = 1, 200 do
      assert.same(a:next_op(), b:next_op())
    end
  end)
end)

H.for_each_backend(function(backend)
  local regio = H.regio
  model.init(regio)

  describe("API fuzzer", function()
    it("holds every invariant for " .. budget .. " seeded calls", function()
      model.calls = 0
      local k = 0
      while model.calls < budget do
        k = k + 1
        local g = gen.new(7 * 100000 + k)
        local S = model.new(backend, k)
        local ops = {}
        local ok, err = pcall(function()
          for _ = 1, 150 do
            local op = g:next_op()
            ops[#ops + 1] = op
            model.step(S, op)
          end
          model.finish(S)
        end)
        if not S.lab_closed then S.lab:close() end
        assert(ok, string.format("episode seed %d after %d ops: %s (replay: lua5.4 "
          .. "scripts/fuzz/run.lua --backend %s --seed 7 --calls %d)", 7 * 100000 + k, #ops,
          tostring(err), backend, budget))
      end
    end)

    it("reports an accepted request that never completes", function()
      local S = model.new(backend, 1)
      model.step(S, { op = "socket", slot = 1, kind = "tcp" })
      model.step(S, { op = "cq", slot = 1, size = 8, notify = 0 })
      model.step(S, { op = "rq", sock = 1, recv = 2, send = 2, rbufs = 1, sbufs = 1, rcq = 1 })
      model.step(S, { op = "register", slot = 1, size = 64 })
      -- A request the model believes accepted but that was never submitted.
      S.reqs[999] = { state = "pending", cq = S.cqs[1], sock = S.socks[1], dir = "receive" }
      local ok, err = pcall(model.finish, S)
      if not S.lab_closed then S.lab:close() end
      assert.is_false(ok)
      assert.matches("^invariant missing%-completion", tostring(err))
    end)

    it("reports a completion the model never accepted", function()
      local S = model.new(backend, 1)
      model.step(S, { op = "socket", slot = 1, kind = "tcp" })
      model.step(S, { op = "cq", slot = 1, size = 8, notify = 0 })
      model.step(S, { op = "rq", sock = 1, recv = 2, send = 2, rbufs = 1, sbufs = 1, rcq = 1 })
      model.step(S, { op = "register", slot = 1, size = 64 })
      model.step(S, { op = "recv", sock = 1, buf = 1, off = 0, len = 8, flags = 1, id = 5 })
      S.reqs[5] = nil -- the model forgets it
      local ok, err = pcall(model.finish, S)
      if not S.lab_closed then S.lab:close() end
      assert.is_false(ok)
      assert.matches("^invariant unexpected%-completion", tostring(err))
    end)
  end)
end)
