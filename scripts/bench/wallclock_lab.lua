-- wallclock_lab.lua — opens the lab a regio-side benchmark runs on, or says why it cannot. A
-- benchmark compares wall-clock rates, so an engine without a wall clock (sim) is skipped like
-- an unavailable one: the reason goes out as "skip=<reason>", which run.lua reports.
--
--   local lab = require("wallclock_lab")(regio, engine [, profile])
--   if not lab then return end
return function(regio, engine, profile)
  local lab, err = regio.open { backend = engine, profile = profile }
  if not lab then
    print("skip=" .. tostring(err))
    return nil
  end
  if lab:caps().virtual_time then
    print("skip=" .. lab.backend .. " is a simulated network with a virtual clock: "
          .. "no wall-clock rate to compare")
    lab:close()
    return nil
  end
  return lab
end
