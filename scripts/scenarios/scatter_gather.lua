-- scatter_gather — one request over several slices, under each profile.
--
-- Released Windows takes one RIO_BUF per request (DataBufferCount > 1 fails with WSAEINVAL). The
-- Windows 8 preview headers took arrays, and the seed article saw WAITALL over several slices
-- complete when the *first* slice was full. regio's profiles imitate each:
--   windows   a 3-slice send or receive is refused with EINVAL;
--   extended  a send gathers the slices, a WAITALL receive spreads over all and completes when
--             all are full;
--   preview   as extended, but WAITALL completes as soon as the first slice is full.
-- REGIO_PROFILE picks one profile; without it the scenario runs all three.
--
-- Run: scripts/regio scripts/scenarios/scatter_gather.lua

local regio = require "regio"
local scenario = require "regio.scenario"

local sc = scenario.new{ name = "scatter_gather",
  story = "a 3-slice send and WAITALL receive: windows refuses, extended spreads, preview "
    .. "stops early" }

-- Runs the story on one profile and returns a short text of what happened (recorded).
local function run_profile(profile)
  local lab = sc:open{ profile = profile }
  sc:step("Profile " .. profile)
  local caps = lab:caps()
  if profile ~= "windows" and (caps.max_slices or 1) < 3 then
    sc:skip(string.format("engine %s offers %s slice(s) per request under profile %s",
      lab.backend, tostring(caps.max_slices), profile))
  end
  local buf = sc:must("register", lab:register(4096))
  local a, b = lab:tcp_pair()
  sc:must("tcp_pair", a, b)
  local cq = sc:must("cq", lab:cq(8))
  local rq = sc:must("rq", lab:rq(a, { recv = 2, recv_bufs = 3, send = 2, send_bufs = 3, cq = cq }))

  buf:write(0, "abc") buf:write(100, "defg") buf:write(200, "hi")
  local gather = { buf:slice(0, 3), buf:slice(100, 4), buf:slice(200, 2) }
  local sent, message, name = rq:send(gather, 0, "gather")
  if profile == "windows" then
    sc:refused("a 3-slice send", "EINVAL", sent, message, name)
    sc:say("RIOSend with 3 slices -> nil, %s (WSAEINVAL = %d)", tostring(name), regio.wsa.EINVAL)
    local ok2, _, name2 = rq:receive({ buf:slice(1000, 4), buf:slice(1004, 4) }, 0, "scatter")
    sc:refused("a 2-slice receive", "EINVAL", ok2, nil, name2)
    return "send=" .. tostring(name) .. " receive=" .. tostring(name2)
  end
  sc:must("3-slice send", sent, message)
  local r = sc:must("send completion", cq:await(1, 2000)[1], "none within 2 s")
  sc:equal(r.bytes, 9, "bytes of the gathered send")
  local got = b:read(9, 2000)
  sc:equal(got, "abcdefghi", "what the peer read")
  sc:say("the send gathered 3 slices into %q (%d bytes, one completion)", got, r.bytes)

  local scatter = { buf:slice(1000, 4), buf:slice(1004, 4), buf:slice(1008, 4) }
  sc:must("3-slice WAITALL receive", rq:receive(scatter, regio.MSG_WAITALL, "scatter"))
  sc:must("peer write", b:write("ABCDEF"))
  sc:say("a WAITALL receive over 3 slices of 4; the peer sends 6 bytes")
  local first = cq:await(1, 300)
  local outcome
  if profile == "preview" then
    sc:must("the preview completion", first[1], "none after the first slice filled")
    sc:equal(first[1].bytes, 4, "bytes when the first slice is full (preview)")
    sc:equal(buf:read(1000, 4), "ABCD", "first slice")
    sc:say("preview: completed at the first full slice with %d bytes", first[1].bytes)
    sc:must("receive the rest", rq:receive(buf:slice(2000, 16), 0, "rest"))
    local rest = sc:must("rest completion", cq:await(1, 2000)[1], "none")
    sc:equal(buf:read(2000, rest.bytes), "EF", "bytes left queued after the preview completion")
    outcome = "waitall_bytes=" .. first[1].bytes .. " rest=" .. rest.bytes
  else
    sc:equal(#first, 0, "completions after 6 of 12 bytes (extended waits for all slices)")
    sc:must("peer write", b:write("GHIJKL"))
    local done = sc:must("the extended completion", cq:await(1, 2000)[1], "none after 12 bytes")
    sc:equal(done.bytes, 12, "bytes when all slices are full (extended)")
    sc:equal(buf:read(1000, 4) .. "|" .. buf:read(1004, 4) .. "|" .. buf:read(1008, 4),
      "ABCD|EFGH|IJKL", "how the bytes were spread")
    sc:say("extended: one completion of %d bytes spread as ABCD|EFGH|IJKL", done.bytes)
    outcome = "waitall_bytes=" .. done.bytes
  end
  return "send_bytes=" .. r.bytes .. " " .. outcome
end

sc:run(function()
  local chosen = os.getenv("REGIO_PROFILE")
  local profiles = chosen and chosen ~= "" and { chosen } or { "windows", "extended", "preview" }
  for _, profile in ipairs(profiles) do
    sc:record(profile, run_profile(profile))
  end
end, false)
