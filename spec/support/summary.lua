-- spec/support/summary.lua: a busted output handler for CI.
--
-- It delegates all normal output to a stock handler (utfTerminal on a colour terminal,
-- plainTerminal when stdout is not a tty or NO_COLOR is set), and when busted is about to exit it
-- prints one last line, exactly "N passed, N failed" or "N passed, N failed, N skipped".
-- "failed" counts failures and errors (errors outside tests too, such as a spec file that does not
-- load); "skipped" counts pending tests. Nothing is printed after that line.

local term = require "term"

-- Returns true when the stock handler may use colours and UTF-8 symbols.
local function wants_colour()
  local no_colour = os.getenv("NO_COLOR")
  if no_colour ~= nil and no_colour ~= "" then
    return false
  end
  return io.type(io.stdout) == "file" and term.isatty(io.stdout)
end

-- Formats the summary line from the three totals.
local function summary_line(passed, failed, skipped)
  local line = string.format("%d passed, %d failed", passed, failed)
  if skipped > 0 then
    line = line .. string.format(", %d skipped", skipped)
  end
  return line
end

-- The handler factory busted calls with its output options; it returns an object whose
-- subscribe(options) busted calls once.
return function(options)
  local busted = require "busted"
  local stock_name = wants_colour() and "utfTerminal" or "plainTerminal"
  local stock = require("busted.outputHandlers." .. stock_name)(options)
  local totals = { passed = 0, failed = 0, skipped = 0 }

  -- The stock handler's counters are reset at the start of every suite (--repeat runs several),
  -- so they are added up when each suite ends.
  local function on_suite_end()
    totals.passed = totals.passed + stock.successesCount
    totals.failed = totals.failed + stock.failuresCount + stock.errorsCount
    totals.skipped = totals.skipped + stock.pendingsCount
    return nil, true
  end

  -- Errors raised before any suite ran (a spec file that fails to load when the suite never
  -- starts) are still errors: count what the stock handler saw since the last suite end.
  local suites_ended = 0
  local function on_exit()
    if suites_ended == 0 then
      on_suite_end()
    end
    io.stdout:write(summary_line(totals.passed, totals.failed, totals.skipped), "\n")
    io.stdout:flush()
    return nil, true
  end

  local wrapper = {}

  -- Subscribes the stock handler, then the summary hooks. The suite-end hook runs after the stock
  -- handler's own (lower priority), so its counters are final.
  function wrapper:subscribe(handler_options)
    stock:subscribe(handler_options)
    busted.subscribe({ "suite", "end" }, function()
      suites_ended = suites_ended + 1
      return on_suite_end()
    end)
    busted.subscribe({ "exit" }, on_exit)
    return self
  end

  return wrapper
end
