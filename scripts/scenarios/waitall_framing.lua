-- waitall_framing — length-prefixed messages over TCP, read with and without RIO_MSG_WAITALL.
--
-- Each frame is a 4-byte big-endian length, then the body. The peer dribbles the stream in
-- pieces of 7 bytes. With WAITALL the reader posts "exactly 4 bytes" and then "exactly N bytes":
-- two completions per frame, however the bytes arrive. Without WAITALL every arrival is its own
-- completion and the reader reassembles frames itself. Last, the peer closes in the middle of a
-- frame: the WAITALL receive completes once, status 0, with the bytes that did arrive.
--
-- Run: scripts/regio scripts/scenarios/waitall_framing.lua   (REGIO_BACKEND picks the engine)

local regio = require "regio"
local scenario = require "regio.scenario"

local sc = scenario.new{ name = "waitall_framing",
  story = "length-prefixed frames, WAITALL against plain receives, FIN inside a frame" }

local FRAMES = { "hello", "registered I/O", string.rep("x", 300) }
local PIECE = 7

-- Encodes one frame: a 4-byte big-endian length, then the body.
local function frame(body) return string.pack(">s4", body) end

sc:run(function(lab)
  local buf = sc:must("register", lab:register(4096))
  local a, b = lab:tcp_pair()
  sc:must("tcp_pair", a, b)
  local cq = sc:must("cq", lab:cq(8))
  local rq = sc:must("rq", lab:rq(a, { recv = 4, send = 1, cq = cq, context = "reader" }))

  local stream = {}
  for _, body in ipairs(FRAMES) do stream[#stream + 1] = frame(body) end
  stream = table.concat(stream)

  -- The peer's side: hands out the stream PIECE bytes at a time.
  local sent = 0
  local function dribble()
    if sent >= #stream then return false end
    local piece = stream:sub(sent + 1, sent + PIECE)
    sc:must("peer write", b:write(piece))
    sent = sent + #piece
    return true
  end

  sc:step("With WAITALL: one receive for the header, one for the body")
  sc:say("%d frames, %d bytes in all, sent %d bytes at a time", #FRAMES, #stream, PIECE)
  local waitall_completions = 0
  local early = 0
  -- Posts a WAITALL receive of len bytes and feeds the peer until it completes.
  local function read_exactly(len, what)
    sc:must("receive", rq:receive(buf:slice(0, len), regio.MSG_WAITALL, what))
    while true do
      local got = cq:dequeue(1)
      if #got == 1 then
        waitall_completions = waitall_completions + 1
        return got[1]
      end
      if not dribble() then
        local late = cq:await(1, 2000)
        sc:must("a WAITALL completion", late[1], "none within 2 s")
        waitall_completions = waitall_completions + 1
        return late[1]
      end
      lab:poll(1)
    end
  end
  local decoded = {}
  for index = 1, #FRAMES do
    local header = read_exactly(4, "header")
    sc:equal(header.bytes, 4, "header completion bytes")
    local len = string.unpack(">I4", buf:read(0, 4))
    local body = read_exactly(len, "body")
    sc:equal(body.bytes, len, "body completion bytes")
    decoded[index] = buf:read(0, body.bytes)
    sc:say("frame %d: header says %d, body completion has %d bytes", index, len, body.bytes)
    if body.bytes ~= len then early = early + 1 end
  end
  sc:check(decoded[1] == FRAMES[1] and decoded[2] == FRAMES[2] and decoded[3] == FRAMES[3],
    "frames decoded with WAITALL differ from what was sent")
  sc:equal(waitall_completions, 2 * #FRAMES, "WAITALL completions")
  sc:record("waitall_completions", waitall_completions)
  sc:record("waitall_short_bodies", early)

  sc:step("Without WAITALL: every arrival is a completion; the reader reassembles")
  sent = 0
  local pending = ""
  local plain_completions = 0
  local frames_seen = 0
  while dribble() do
    sc:must("receive", rq:receive(buf:slice(0, 64), 0, "plain"))
    local got = cq:await(1, 2000)
    sc:must("a plain completion", got[1], "none within 2 s")
    plain_completions = plain_completions + 1
    sc:check(got[1].bytes >= 1 and got[1].bytes <= PIECE,
      "a plain receive got %d bytes of a %d-byte piece", got[1].bytes, PIECE)
    pending = pending .. buf:read(0, got[1].bytes)
    -- Reassembly: take every whole frame off the front of what has arrived.
    while #pending >= 4 do
      local len = string.unpack(">I4", pending)
      if #pending < 4 + len then break end
      frames_seen = frames_seen + 1
      sc:equal(pending:sub(5, 4 + len), FRAMES[frames_seen], "reassembled frame")
      pending = pending:sub(5 + len)
    end
  end
  local pieces = (#stream + PIECE - 1) // PIECE
  sc:say("%d completions for %d pieces; WAITALL needed %d", plain_completions, pieces,
    waitall_completions)
  sc:check(plain_completions >= pieces, "fewer plain completions (%d) than pieces (%d)",
    plain_completions, pieces)
  sc:equal(frames_seen, #FRAMES, "frames reassembled without WAITALL")
  sc:record("plain_frames", frames_seen)

  sc:step("A FIN in the middle of a frame")
  sc:must("peer write", b:write(string.pack(">I4", 100) .. string.rep("y", 40)))
  sc:say("the peer announces 100 bytes, sends 40, then shuts down its sending side")
  local header = read_exactly(4, "header")
  sc:equal(header.bytes, 4, "header bytes")
  sc:must("receive", rq:receive(buf:slice(0, 100), regio.MSG_WAITALL, "cut body"))
  b:shutdown("send")
  local cut = cq:await(1, 2000)[1]
  sc:must("the cut frame's completion", cut, "none within 2 s")
  sc:say("WAITALL receive of 100: status=%s bytes=%d", tostring(cut.status), cut.bytes)
  sc:equal(cut.status, 0, "status of a WAITALL receive ended by FIN")
  sc:equal(cut.bytes, 40, "bytes of a WAITALL receive ended by FIN")
  sc:must("receive", rq:receive(buf:slice(0, 100), 0, "after fin"))
  local eof = cq:await(1, 2000)[1]
  sc:must("the EOF completion", eof, "none within 2 s")
  sc:equal(eof.bytes, 0, "a receive after FIN (EOF) bytes")
  sc:record("fin_mid_frame", string.format("status=%s bytes=%d", tostring(cut.status), cut.bytes))
  sc:record("eof", string.format("status=%s bytes=%d", tostring(eof.status), eof.bytes))
end)
