-- defer_commit — batching with RIO_MSG_DEFER and RIO_MSG_COMMIT_ONLY.
--
-- A deferred request is accepted (and charged to its RQ) but may not start until a later
-- non-deferred request of the same direction, or a commit of that direction. The story: deferred
-- receives count against the limit; a commit starts them and they complete in posting order; a
-- commit must carry nothing (no slice, no context, no other flag); two deferred sends are flushed
-- by a plain send; a commit is per direction.
--
-- Run: scripts/regio scripts/scenarios/defer_commit.lua

local regio = require "regio"
local scenario = require "regio.scenario"

local sc = scenario.new{ name = "defer_commit",
  story = "DEFER is charged, COMMIT_ONLY starts the batch, its shape rules, per-direction commits" }

sc:run(function(lab)
  local buf = sc:must("register", lab:register(4096))
  local a, b = lab:tcp_pair()
  sc:must("tcp_pair", a, b)
  local cq = sc:must("cq", lab:cq(8))
  local rq = sc:must("rq", lab:rq(a, { recv = 3, send = 3, cq = cq, context = "batcher" }))

  sc:step("Three deferred receives of 10 bytes fill a receive limit of 3")
  for i = 1, 3 do
    sc:must("deferred receive", rq:receive(buf:slice(i * 10, 10),
      regio.MSG_DEFER + regio.MSG_WAITALL, "r" .. i))
  end
  sc:say("charged %d, deferred %d", rq:charged("receive"), rq:deferred("receive"))
  local ok, message, name = rq:receive(buf:slice(100, 10), 0, "r4")
  sc:refused("a fourth receive", "ENOBUFS", ok, message, name)
  sc:say("a fourth receive -> nil, %s: deferred requests are charged too", tostring(name))

  sc:step("The peer sends 30 bytes; a receive commit starts the batch")
  sc:must("peer write", b:write("0123456789abcdefghijKLMNOPQRST"))
  sc:must("commit", rq:commit("receive"))
  local results = scenario.collect(cq, 3, 2000)
  sc:equal(#results, 3, "completions after the commit")
  local order = {}
  for i, r in ipairs(results) do
    order[i] = tostring(r.request)
    sc:equal(r.bytes, 10, "bytes of " .. tostring(r.request))
  end
  sc:equal(table.concat(order, ","), "r1,r2,r3", "completion order")
  sc:equal(buf:read(10, 10) .. buf:read(20, 10) .. buf:read(30, 10),
    "0123456789abcdefghijKLMNOPQRST", "bytes in posting order")
  sc:equal(#cq:dequeue(), 0, "completions for the commit itself")
  sc:say("three completions in posting order (%s), none for the commit", table.concat(order, " "))
  sc:record("commit_started", table.concat(order, ","))

  sc:step("A commit carries nothing: a slice, a context or another flag makes it EINVAL")
  local shapes = {}
  ok, message, name = rq:send(buf:slice(0, 4), regio.MSG_COMMIT_ONLY)
  sc:refused("COMMIT_ONLY with a slice", "EINVAL", ok, message, name)
  shapes[#shapes + 1] = tostring(name)
  ok, message, name = rq:send(nil, regio.MSG_COMMIT_ONLY, "a context")
  sc:refused("COMMIT_ONLY with a context", "EINVAL", ok, message, name)
  shapes[#shapes + 1] = tostring(name)
  ok, message, name = rq:send(nil, regio.MSG_COMMIT_ONLY + regio.MSG_DEFER)
  sc:refused("COMMIT_ONLY with DEFER", "EINVAL", ok, message, name)
  shapes[#shapes + 1] = tostring(name)
  sc:must("a bare COMMIT_ONLY", rq:send(nil, regio.MSG_COMMIT_ONLY))
  sc:equal(rq:charged("send"), 0, "send slots taken by commits")
  sc:say("slice, context, DEFER -> %s; a bare commit -> true and takes no slot",
    table.concat(shapes, ", "))
  sc:record("commit_shapes", table.concat(shapes, ","))

  sc:step("Two deferred sends, then a plain send: the plain one flushes the batch")
  buf:write(500, "one,") buf:write(510, "two,") buf:write(520, "three")
  sc:must("deferred send 1", rq:send(buf:slice(500, 4), regio.MSG_DEFER, "s1"))
  sc:must("deferred send 2", rq:send(buf:slice(510, 4), regio.MSG_DEFER, "s2"))
  sc:must("plain send", rq:send(buf:slice(520, 5), 0, "s3"))
  local got = b:read(13, 2000)
  sc:equal(got, "one,two,three", "what the peer read")
  local sends = scenario.collect(cq, 3, 2000)
  sc:equal(#sends, 3, "send completions")
  sc:say("the peer read %q", got)

  sc:step("A commit is per direction")
  sc:must("deferred receive", rq:receive(buf:slice(600, 4), regio.MSG_DEFER, "late-r"))
  sc:must("deferred send", rq:send(buf:slice(500, 4), regio.MSG_DEFER, "late-s"))
  sc:must("send commit", rq:commit("send"))
  local s = sc:must("send completion", cq:await(1, 2000)[1], "none within 2 s")
  sc:equal(s.request, "late-s", "what the send commit completed")
  sc:equal(b:read(4, 2000), "one,", "the peer read the committed send")
  sc:must("peer write", b:write("ping"))
  sc:must("receive commit", rq:commit("receive"))
  local r = sc:must("receive completion", cq:await(1, 2000)[1], "none within 2 s")
  sc:equal(r.request, "late-r", "what the receive commit completed")
  sc:say("commit(\"send\") started the send; the receive needed commit(\"receive\")")
  sc:record("per_direction", tostring(s.request) .. "," .. tostring(r.request))
end)
