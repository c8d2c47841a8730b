-- demo.lua — a short, narrated walk through Registered I/O with regio.
--
-- Run it with `make demo` or `scripts/regio scripts/demo.lua`. It uses the default engine
-- (REGIO_BACKEND, else "auto") and prints each step with the RIO call it stands for. It exits 0
-- when every step behaved as RIO says, and 1 with a message at the first step that did not.

local regio = require "regio"

-- Prints a numbered step title.
local step_number = 0
local function step(title)
  step_number = step_number + 1
  print()
  print(string.format("%d. %s", step_number, title))
end

-- Prints one line of narration under the current step.
local function say(fmt, ...)
  print("   " .. string.format(fmt, ...))
end

-- Stops the demo: something did not behave as expected.
local function fail(fmt, ...)
  io.stderr:write("demo: unexpected: ", string.format(fmt, ...), "\n")
  os.exit(1)
end

-- Returns the value of a call that must succeed; on a fail triple, stops with its message.
local function must(what, value, message)
  if value == nil then
    fail("%s failed: %s", what, tostring(message))
  end
  return value
end

-- Formats a completion result the way RIORESULT reads.
local function show_result(r)
  return string.format("status=%s bytes=%d socket=%s request=%s",
    tostring(r.status), r.bytes, tostring(r.socket), tostring(r.request))
end

print("regio demo: Windows Registered I/O, step by step")

step("Open a lab: one engine and everything opened on it")
local lab = must("regio.open", regio.open{})
say("engine %q, profile %q (one buffer per request, as released Windows)", lab.backend,
  lab.profile)

step("Register a buffer (RIORegisterBuffer) and slice it (RIO_BUF)")
local buf = must("lab:register", lab:register(4096))
local greeting = buf:slice(0, 12)
say("buffer id %d, %d bytes; slice {offset=%d, length=%d}", buf:id(), #buf, greeting.offset,
  greeting.length)

step("A connected TCP pair, a completion queue and a request queue")
local a, b = lab:tcp_pair()
must("lab:tcp_pair", a, b)
local cq = must("lab:cq", lab:cq(8))
local rq = must("lab:rq", lab:rq(a, { recv = 2, send = 2, cq = cq, context = "conn-1" }))
say("socket a is the RIO side, b is a plain peer")
say("RIOCreateCompletionQueue(8): size=%d; RIOCreateRequestQueue(2 receives, 2 sends)",
  cq:size())
say("the RQ reserves its 4 outstanding requests in the CQ: reserved=%d", cq:reserved())

step("Post a WAITALL receive of 12 bytes (RIOReceive with RIO_MSG_WAITALL)")
must("rq:receive", rq:receive(greeting, regio.MSG_WAITALL, "greeting"))
say("the peer writes %q ...", "hello ")
must("b:write", b:write("hello "))
lab:poll(50)
local early = cq:dequeue()
if #early ~= 0 then
  fail("a WAITALL receive completed after 6 of 12 bytes: %s", show_result(early[1]))
end
say("... after 6 bytes nothing has completed: WAITALL waits until the slice is full")
say("the peer writes %q", "world!")
must("b:write", b:write("world!"))

step("Await the single completion (RIODequeueCompletion)")
local results = cq:await(1, 2000)
if #results ~= 1 then
  fail("expected one completion within 2 s, got %d", #results)
end
local r = results[1]
say("result: %s", show_result(r))
say("slice now holds %q", greeting:read())
if r.status ~= 0 or r.bytes ~= 12 or r.socket ~= "conn-1" or r.request ~= "greeting" then
  fail("the receive completed as %s", show_result(r))
end
if greeting:read() ~= "hello world!" then
  fail("the slice holds %q", greeting:read())
end

step("A full request queue refuses the next receive with ENOBUFS")
must("rq:receive", rq:receive(buf:slice(100, 1), 0, "slot-1"))
must("rq:receive", rq:receive(buf:slice(101, 1), 0, "slot-2"))
say("two receives are pending: the RQ's limit of 2 is reached")
local ok, message, name = rq:receive(buf:slice(102, 1), 0, "slot-3")
if ok ~= nil or name ~= "ENOBUFS" then
  fail("a third receive returned %s, %s", tostring(ok), tostring(message))
end
say("third receive: nil, %q", message)
say("Winsock reports this as WSAENOBUFS = %d; no completion will ever be posted for it",
  regio.wsa.ENOBUFS)

step("Notification on an event completion queue (RIONotify)")
local c, d = lab:tcp_pair()
must("lab:tcp_pair", c, d)
local ecq = must("lab:cq", lab:cq(4, { notify = "event", reset = true }))
local erq = must("lab:rq", lab:rq(c, { send = 2, cq = ecq, context = "conn-2" }))
must("ecq:notify", ecq:notify())
say("armed: event signalled? %s", tostring(ecq:event()))
local again, already_message, already = ecq:notify()
if again ~= nil or already ~= "EALREADY" then
  fail("a second RIONotify returned %s, %s", tostring(again), tostring(already_message))
end
say("a second RIONotify before the first fired: nil, %s (WSAEALREADY = %d)", already,
  regio.wsa.EALREADY)
must("erq:send", erq:send(greeting, 0, "echo"))
say("RIOSend of the 12-byte slice on the second connection ...")
if not ecq:wait(2000) then
  fail("the event was not signalled within 2 s of the send completing")
end
local sent = ecq:dequeue()
if #sent ~= 1 or sent[1].status ~= 0 or sent[1].bytes ~= 12 then
  fail("the send completed as %s", sent[1] and show_result(sent[1]) or "nothing")
end
say("... the event fired once: %s", show_result(sent[1]))
say("the peer read %q", must("d:read", d:read(12, 2000)))

step("Close everything")
a:close()
local canceled = cq:await(2, 2000)
if #canceled ~= 2 then
  fail("closing socket a gave %d completions, expected 2", #canceled)
end
for _, result in ipairs(canceled) do
  if result.status ~= "ECANCELED" then
    fail("a pending receive completed as %s when its socket closed", show_result(result))
  end
  say("pending receive cancelled by the close: %s", show_result(result))
end
b:close()
c:close()
d:close()
cq:close()
ecq:close()
must("buf:deregister", buf:deregister())
lab:close()
say("sockets closed, queues closed, buffer deregistered, lab closed")

print()
print("demo: every step behaved as RIO specifies")
