-- scripts/fuzz/ddmin.lua — delta debugging (Zeller's ddmin) over a recorded operation list.
--
-- minimize(ops, fails, budget) returns the smallest sublist found for which fails(sublist) is
-- true, keeping the original order. fails must be deterministic enough to replay: here it runs
-- the sublist in a fresh lab (or a fresh process) and compares the failure class. budget bounds
-- the number of replays so that a minimization always ends.

local M = {}

-- The elements of list except those in [from, to].
local function without(list, from, to)
  local out = {}
  for i, v in ipairs(list) do
    if i < from or i > to then out[#out + 1] = v end
  end
  return out
end

-- The elements of list in [from, to].
local function range(list, from, to)
  local out = {}
  for i = from, to do out[#out + 1] = list[i] end
  return out
end

--- Shrinks ops while fails() stays true. Returns the sublist and the number of replays made.
function M.minimize(ops, fails, budget)
  budget = budget or 400
  local tries = 0
  local current = ops
  local n = 2
  while #current >= 2 and tries < budget do
    local chunk = math.ceil(#current / n)
    local reduced = false
    -- Try each chunk alone, then each complement.
    for i = 1, n do
      local from, to = (i - 1) * chunk + 1, math.min(i * chunk, #current)
      if from > #current then break end
      tries = tries + 1
      local sub = range(current, from, to)
      if fails(sub) then
        current, n, reduced = sub, 2, true
        break
      end
      if tries >= budget then break end
    end
    if not reduced and tries < budget then
      for i = 1, n do
        local from, to = (i - 1) * chunk + 1, math.min(i * chunk, #current)
        if from > #current then break end
        tries = tries + 1
        local sub = without(current, from, to)
        if fails(sub) then
          current, n, reduced = sub, math.max(n - 1, 2), true
          break
        end
        if tries >= budget then break end
      end
    end
    if not reduced then
      if n >= #current then break end
      n = math.min(n * 2, #current)
    end
  end
  return current, tries
end

return M
