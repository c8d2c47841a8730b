-- regio.help: the one source of the API's words.
--
-- Every function, method and field of the Lua API has one entry here: the object it belongs to,
-- its name, its signature and a one-line description. Three things are made from this table and
-- nothing else: what help() prints in the REPL, the API reference page (`make doc`), and the
-- LuaLS type stubs (lua/regio/meta/regio.lua). spec/help_spec.lua checks that every function the
-- binding registers has an entry.
--
-- A signature reads "name: type, name?: type -> type, type": a "?" marks an optional parameter,
-- and the return type `fail` stands for RIO's failure triple nil, "NAME: message", "NAME".
--
--   local help = require "regio.help"
--   help.help(cq)          -- prints what a completion queue can do
--   help.entries           -- the table itself

local M = {}

-- The objects, in the order help() lists them, with how to get one and what it is.
M.objects = {
  { name = "regio", class = "regio", get = 'local regio = require "regio"',
    what = "the module: open a lab, list engines, flags, error tables" },
  { name = "lab", class = "regio.lab", get = "local lab = regio.open{}",
    what = "one engine and everything opened on it" },
  { name = "buffer", class = "regio.buffer", get = "local buf = lab:register(4096)",
    what = "a registered buffer (RIORegisterBuffer)" },
  { name = "slice", class = "regio.slice", get = "local s = buf:slice(0, 100)",
    what = "a piece of a registered buffer (RIO_BUF)" },
  { name = "cq", class = "regio.cq", get = "local cq = lab:cq(64)",
    what = "a completion queue (RIOCreateCompletionQueue)" },
  { name = "rq", class = "regio.rq",
    get = "local rq = lab:rq(sock, { recv = 8, send = 8, cq = cq })",
    what = "a request queue on a socket (RIOCreateRequestQueue)" },
  { name = "socket", class = "regio.socket", get = "local a, b = lab:tcp_pair()",
    what = "a RIO-capable socket; its plain I/O plays the peer" },
  { name = "iocp", class = "regio.iocp", get = "local port = lab:iocp()",
    what = "an IOCP-style port that notification CQs post packets to" },
  { name = "trace", class = "regio.trace", get = 'local trace = require "regio.trace"',
    what = "renders a lab's trace as text, a terminal timeline or an SVG picture" },
}

-- The entries: { object, name, signature, description [, kind] }. kind is "method" (default for
-- lab ... iocp), "function" (default for regio and trace), "field" or "constant". An entry with
-- optional = true may be missing from a build (the spec does not require it to be registered).
M.entries = {
  -- The module.
  { "regio", "open",
    "opts?: {backend?: string, profile?: string, seed?: integer} -> regio.lab|fail",
    "Opens a lab on an engine (auto, uring, poll, sim, winrio) and profile (windows, " ..
    "extended, preview)." },
  { "regio", "backends", " -> {name: string, available: boolean, reason?: string}[]",
    "Lists the engines, whether each can run here, and why not." },
  { "regio", "strerror", "name: string -> string",
    "Returns the message of an error name such as \"ENOBUFS\"." },
  { "regio", "with", "obj: any, fn: function, ...: any -> any",
    "Calls fn(obj, ...) and closes obj afterwards, even when fn raises." },
  { "regio", "flags", "t: table|integer -> integer",
    "Turns { waitall = true, defer = true, dont_notify = true, commit_only = true } into " ..
    "flag bits." },
  { "regio", "describe", "v: any -> string",
    "Describes a value on one line: results as {status= bytes= socket= request=}, tables " ..
    "sorted." },
  { "regio", "hexdump", "s: string -> string", "Renders bytes as a classic hex dump." },
  { "regio", "trace_text", "events: table[] -> string",
    "Renders lab:trace_events() as text, one line per event (regio.trace.text)." },
  { "regio", "version", "string", "The regio version.", kind = "field" },
  { "regio", "core", "table", "The C module regio.core that regio wraps.", kind = "field" },
  { "regio", "wsa", "table<string, integer>",
    "Winsock numbers by error name: regio.wsa.ENOBUFS == 10055.", kind = "field" },
  { "regio", "errors", "{name: string, wsa: integer, message: string}[]",
    "Every error name with its Winsock number and message.", kind = "field" },
  { "regio", "MSG_DONT_NOTIFY", "integer",
    "RIO_MSG_DONT_NOTIFY (1): this completion never fires a notification.", kind = "constant" },
  { "regio", "MSG_DEFER", "integer",
    "RIO_MSG_DEFER (2): accept now, start later (at a commit).", kind = "constant" },
  { "regio", "MSG_WAITALL", "integer",
    "RIO_MSG_WAITALL (4): complete a TCP receive only when the slice is " ..
    "full.", kind = "constant" },
  { "regio", "MSG_COMMIT_ONLY", "integer",
    "RIO_MSG_COMMIT_ONLY (8): start the deferred requests of a direction.", kind = "constant" },
  { "regio", "MAX_CQ_SIZE", "integer",
    "RIO_MAX_CQ_SIZE: the largest completion queue (0x8000000).", kind = "constant" },
  { "regio", "INVALID_BUFFERID", "integer",
    "RIO_INVALID_BUFFERID (0xFFFFFFFF), never issued.", kind = "constant" },
  { "regio", "MAX_SLICES", "integer",
    "The most slices one request may name under extended/preview.", kind = "constant" },
  { "regio", "DEFAULT_WAIT_MS", "integer",
    "How long waiting socket calls wait when given no ms.", kind = "constant" },
  { "regio", "SOCKADDR_INET_SIZE", "integer",
    "Bytes of a SOCKADDR_INET (the least an Ex address slice needs).", kind = "constant" },

  -- lab
  { "lab", "backend", "string", "The engine this lab runs on.", kind = "field" },
  { "lab", "profile", "string",
    "The RIO profile it imitates: windows, extended or preview.", kind = "field" },
  { "lab", "caps",
    "-> {max_slices: integer, waitall_multi: string|false, kernel_io: boolean, virtual_time: " ..
    "boolean, ipv6: boolean}",
    "What the engine and profile can do (slices per request, WAITALL over slices, ...)." },
  { "lab", "poll", "ms?: number -> integer",
    "Lets the engine make progress for up to ms; returns completions made." },
  { "lab", "now", " -> number", "The lab's clock in milliseconds (virtual on sim)." },
  { "lab", "stats",
    "-> {sockets: integer, cqs: integer, ports: integer, buffers: integer, requests: integer}",
    "Counts the live objects the lab owns." },
  { "lab", "close", "", "Closes everything the lab owns; outstanding requests are cancelled." },
  { "lab", "register", "n_or_bytes: integer|string -> regio.buffer|fail",
    "Registers a zeroed buffer of n bytes, or a copy of a string (RIORegisterBuffer)." },
  { "lab", "cq",
    "size: integer, opts?: {notify?: string, reset?: boolean, port?: regio.iocp, key?: any, " ..
    "overlapped?: any} -> regio.cq|fail",
    "Creates a completion queue: polled, notify=\"event\" or notify=\"iocp\" " ..
    "(RIOCreateCompletionQueue)." },
  { "lab", "iocp", " -> regio.iocp",
    "Creates an IOCP-style port for notify=\"iocp\" completion queues." },
  { "lab", "rq",
    "sock: regio.socket, opts: {recv?: integer, recv_bufs?: integer, send?: integer, " ..
    "send_bufs?: integer, cq?: regio.cq, recv_cq?: regio.cq, send_cq?: regio.cq, context?: any} " ..
    "-> regio.rq|fail",
    "Creates the socket's request queue, reserving its limits in the CQs " ..
    "(RIOCreateRequestQueue)." },
  { "lab", "tcp_pair",
    "opts?: integer|{family?: integer, link?: table} -> regio.socket, regio.socket",
    "Returns a connected TCP pair on loopback: a for RIO, b as the plain peer (link: sim " ..
    "knobs)." },
  { "lab", "listen",
    "host: string, port: integer, opts?: integer|{backlog?: integer, refuse?: boolean, link?: " ..
    "table} -> regio.socket|fail",
    "Opens a listening TCP socket (port 0 picks one)." },
  { "lab", "connect", "host: string, port: integer, ms?: number -> regio.socket|fail",
    "Connects a TCP socket." },
  { "lab", "udp", "host?: string, port?: integer, opts?: {link?: table} -> regio.socket|fail",
    "Opens a bound UDP socket (port 0 picks one; link: sim knobs)." },
  { "lab", "trace", "on: boolean -> boolean",
    "Starts (clearing what was recorded) or stops recording the lab's trace.", optional = true },
  { "lab", "trace_events", " -> table[]",
    "Returns the recorded events: {t=, kind=, sock=, cq=, dir=, status=, " ..
    "bytes=, queued=, size=, ...}.", optional = true },

  -- buffer
  { "buffer", "id", " -> integer", "The registered id (RIO_BUFFERID)." },
  { "buffer", "write", "offset: integer, s: string",
    "Copies s into the buffer at offset (raises when out of range)." },
  { "buffer", "read", "offset: integer, len: integer -> string", "Returns len bytes from offset." },
  { "buffer", "fill", "byte: integer, offset?: integer, len?: integer",
    "Sets bytes to one value." },
  { "buffer", "slice", "offset?: integer, length?: integer -> regio.slice",
    "Makes a RIO_BUF {id, offset, length}; bounds are checked when it is used." },
  { "buffer", "in_flight", " -> integer", "How many pending requests use this buffer." },
  { "buffer", "deregister", " -> true|fail",
    "RIODeregisterBuffer; EBUSY while a pending request uses it." },
  { "buffer", "registered", " -> boolean", "Whether the buffer is still registered." },

  -- slice
  { "slice", "buffer", "regio.buffer", "The buffer the slice is part of.", kind = "field" },
  { "slice", "offset", "integer", "Where the slice starts in its buffer.", kind = "field" },
  { "slice", "length", "integer", "How many bytes the slice names.", kind = "field" },
  { "slice", "read", " -> string", "Returns the slice's bytes." },
  { "slice", "write", "s: string", "Copies s to the start of the slice (raises when longer)." },

  -- cq
  { "cq", "notify", " -> true|fail",
    "RIONotify: arms one notification (EALREADY if armed, EINVAL if polled)." },
  { "cq", "wait", "ms: number -> boolean", "Waits up to ms for the event of an event CQ." },
  { "cq", "set_event", "", "Signals the event (SetEvent)." },
  { "cq", "reset_event", "", "Clears the event (ResetEvent)." },
  { "cq", "event", " -> boolean", "Whether the event is signalled." },
  { "cq", "dequeue",
    "max?: integer -> {status: integer|string, bytes: integer, socket: any, request: any}[]",
    "RIODequeueCompletion: takes up to max results (default 1024), freeing their RQ slots." },
  { "cq", "dequeue_into",
    "results: table, max?: integer -> integer",
    "Like dequeue, but fills results[1..n], reusing the tables there; returns n (no garbage)." },
  { "cq", "await",
    "n: integer, ms: number -> {status: integer|string, bytes: integer, socket: any, request: " ..
    "any}[]",
    "Dequeues up to n results as they come, waiting at most ms." },
  { "cq", "resize", "size: integer -> true|fail",
    "RIOResizeCompletionQueue: ETOOMANYREFS below what is reserved or queued." },
  { "cq", "close", "", "RIOCloseCompletionQueue: later completions are dropped." },
  { "cq", "size", " -> integer", "The queue's size." },
  { "cq", "queued", " -> integer", "Results waiting to be dequeued." },
  { "cq", "reserved", " -> integer", "Slots reserved by the RQs attached to it." },
  { "cq", "armed", " -> boolean", "Whether a notification is armed." },
  { "cq", "kind", " -> string", "\"polled\", \"event\" or \"iocp\"." },

  -- rq
  { "rq", "socket", "regio.socket", "The socket of the queue.", kind = "field" },
  { "rq", "context", "any", "The socket context every result carries as .socket.", kind = "field" },
  { "rq", "receive",
    "slices: regio.slice|regio.slice[]|nil, flags?: integer|table, ctx?: any -> true|fail",
    "RIOReceive: posts a receive; its result carries ctx as .request." },
  { "rq", "send",
    "slices: regio.slice|regio.slice[]|nil, flags?: integer|table, ctx?: any -> true|fail",
    "RIOSend: posts a send of the slices' bytes." },
  { "rq", "receive_ex",
    "slices: regio.slice|regio.slice[]|nil, ex: {remote?: regio.slice, local?: regio.slice, " ..
    "control?: regio.slice, flags?: regio.slice}, flags?: integer|table, ctx?: any -> true|fail",
    "RIOReceiveEx: a receive that also writes the addresses into registered slices." },
  { "rq", "send_ex",
    "slices: regio.slice|regio.slice[]|nil, ex: {remote?: regio.slice, control?: regio.slice}, " ..
    "flags?: integer|table, ctx?: any -> true|fail",
    "RIOSendEx: a send to the address in the remote slice." },
  { "rq", "commit", "dir: string -> true|fail",
    "RIO_MSG_COMMIT_ONLY: starts the deferred \"send\" or \"receive\" requests." },
  { "rq", "resize", "recv: integer, send: integer -> true|fail",
    "RIOResizeRequestQueue: ETOOMANYREFS below what is charged, ENOBUFS past the CQ's room." },
  { "rq", "charged", "dir: string -> integer",
    "Requests charged in a direction (submitted, not yet dequeued)." },
  { "rq", "limit", "dir: string -> integer", "The outstanding limit of a direction." },
  { "rq", "deferred", "dir: string -> integer", "Deferred requests waiting for a commit." },

  -- socket
  { "socket", "write", "s: string, ms?: number -> integer|fail",
    "Plain send (the peer side); waits while the engine progresses." },
  { "socket", "read", "n: integer, ms?: number -> string|fail",
    "Plain receive of n bytes (fewer at EOF or after ms; \"\" at EOF)." },
  { "socket", "sendto", "s: string, host?: string, port?: integer -> true|fail",
    "Sends a datagram (host nil: the connected peer)." },
  { "socket", "recvfrom", "ms?: number -> string, string, integer",
    "Receives a datagram: bytes, host, port (or ETIMEDOUT)." },
  { "socket", "connect", "host: string, port: integer -> true|fail",
    "Connects (for UDP: sets the default peer)." },
  { "socket", "accept", "ms?: number -> regio.socket|fail", "Accepts a connection on a listener." },
  { "socket", "port", " -> integer", "The local port." },
  { "socket", "address", " -> string, integer", "The local host and port." },
  { "socket", "peer", " -> string, integer", "The peer's host and port." },
  { "socket", "shutdown", "how: string", "Shuts down \"send\" (a FIN), \"receive\" or \"both\"." },
  { "socket", "close", "", "closesocket: pending requests complete with ECANCELED." },
  { "socket", "abort", "", "Closes with a reset (RST): the peer's pending receives fail." },
  { "socket", "kind", " -> string", "\"tcp\", \"udp\" or \"listener\"." },
  { "socket", "rq", " -> regio.rq|nil", "The socket's request queue, if it has one." },
  { "socket", "link",
    "knobs: {segment?: integer, latency?: number, bandwidth?: number, loss?: number, dup?: " ..
    "number, reorder?: number, reset_after?: integer, refuse?: boolean} -> true|fail",
    "Sets the simulated link's knobs (sim engine; others fail with EOPNOTSUPP)." },

  -- iocp
  { "iocp", "wait", "ms: number -> any, any",
    "GetQueuedCompletionStatus: key, overlapped (or ETIMEDOUT)." },
  { "iocp", "post", "key: any, overlapped: any",
    "PostQueuedCompletionStatus: queues a packet of your own." },
  { "iocp", "pending", " -> integer", "Packets waiting." },
  { "iocp", "close", "", "Closes the port." },

  -- trace
  { "trace", "text", "events: table[] -> string",
    "One fixed-format line per event (byte-identical on sim)." },
  { "trace", "line", "ev: table -> string", "The text line of one event." },
  { "trace", "timeline", "events: table[], opts?: {width?: integer, color?: boolean} -> string",
    "A terminal timeline: one lane per socket over time, and the CQ " ..
    "occupancy.", optional = true },
  { "trace", "svg", "events: table[], opts?: {title?: string, width?: integer} -> string",
    "An SVG picture: events per socket over time, CQ occupancy against its " ..
    "size.", optional = true },
  { "trace", "svg_story", "data: table, opts?: {title?: string} -> string",
    "An SVG of a scenario's trace file (several labs stacked).", optional = true },
}

-- Which objects hold methods (called obj:name) rather than functions (module.name).
local method_objects = { lab = true, buffer = true, slice = true, cq = true, rq = true,
  socket = true, iocp = true }

-- Normalises the entries once: named fields, default kinds.
for i, e in ipairs(M.entries) do
  M.entries[i] = { object = e[1], name = e[2], signature = e[3], description = e[4],
    kind = e.kind or (method_objects[e[1]] and "method" or "function"), optional = e.optional }
end

--- Returns the entries of one object, in table order.
function M.of(object)
  local list = {}
  for _, e in ipairs(M.entries) do
    if e.object == object then list[#list + 1] = e end
  end
  return list
end

--- Returns the object record (from M.objects) for a name ("cq") or a class ("regio.cq").
function M.object(name)
  for _, o in ipairs(M.objects) do
    if o.name == name or o.class == name then return o end
  end
  return nil
end

--- Splits a signature into parameters ({name, type, optional}) and the return text.
function M.parse_signature(sig)
  local params_text, returns = sig:match("^(.-)%s*%->%s*(.+)$")
  if not params_text then params_text, returns = sig, nil end
  local params = {}
  -- Split on commas that are not inside braces or parentheses.
  local depth, start = 0, 1
  local function take(piece)
    piece = piece:match("^%s*(.-)%s*$")
    if piece == "" then return end
    local name, ty = piece:match("^([%w_%.]+%??)%s*:%s*(.+)$")
    if not name then name, ty = piece, "any" end
    local optional = name:sub(-1) == "?"
    params[#params + 1] = { name = optional and name:sub(1, -2) or name, type = ty,
      optional = optional }
  end
  for i = 1, #params_text do
    local c = params_text:sub(i, i)
    if c == "{" or c == "(" or c == "<" then depth = depth + 1
    elseif c == "}" or c == ")" or c == ">" then depth = depth - 1
    elseif c == "," and depth == 0 then
      take(params_text:sub(start, i - 1))
      start = i + 1
    end
  end
  take(params_text:sub(start))
  return params, returns
end

--- Returns how a call looks: "lab:cq(size, opts?) -> regio.cq|fail" (fields: "lab.backend:
--- string"). With short = true the return types are left out ("lab:cq(size, opts?)").
function M.usage(e, short)
  if e.kind == "field" or e.kind == "constant" then
    if short then return e.object .. "." .. e.name end
    return string.format("%s.%s: %s", e.object, e.name, e.signature)
  end
  local params, returns = M.parse_signature(e.signature)
  local names = {}
  for i, p in ipairs(params) do names[i] = p.name .. (p.optional and "?" or "") end
  local sep = e.kind == "method" and ":" or "."
  local text = string.format("%s%s%s(%s)", e.object, sep, e.name, table.concat(names, ", "))
  if returns and not short then text = text .. " -> " .. returns end
  return text
end

-- Finds the object name of a value: a regio userdata by its metatable's __name, the module,
-- the trace module.
local function object_of(value)
  local kind = type(value)
  if kind == "string" then return M.object(value) and M.object(value).name end
  if kind == "userdata" then
    local mt = getmetatable(value)
    local name = type(mt) == "table" and rawget(mt, "__name")
    local o = name and M.object(name)
    return o and o.name
  end
  if kind == "table" then
    local ok, regio = pcall(require, "regio")
    if ok and value == regio then return "regio" end
    local ok2, trace = pcall(require, "regio.trace")
    if ok2 and value == trace then return "trace" end
  end
  return nil
end

-- Finds the entry of a function value by walking the module and the classes' method tables.
local function entry_of_function(fn)
  local ok, regio = pcall(require, "regio")
  if ok then
    for k, v in pairs(regio) do
      if v == fn then
        for _, e in ipairs(M.of("regio")) do if e.name == k then return e end end
      end
    end
  end
  local registry = debug.getregistry()
  for _, o in ipairs(M.objects) do
    local methods = M.methods_of_class(registry[o.class])
    for k, v in pairs(methods or {}) do
      if v == fn then
        for _, e in ipairs(M.of(o.name)) do if e.name == k then return e end end
      end
    end
  end
  return nil
end

--- Returns the methods table of a class metatable: __index itself, or the first upvalue of an
--- __index function (the binding's classes with fields keep their methods there).
function M.methods_of_class(mt)
  if type(mt) ~= "table" then return nil end
  local index = rawget(mt, "__index")
  if type(index) == "table" then return index end
  if type(index) == "function" and debug.getupvalue then
    local _, methods = debug.getupvalue(index, 1)
    if type(methods) == "table" then return methods end
  end
  return nil
end

-- The width of the first column of help listings.
local COLUMN = 30

--- Returns help text: with no argument an overview; for an object (a lab, a cq, ...), its
--- name ("cq") or the module, one line per thing it can do; for a function, its entry.
function M.text(value)
  local lines = {}
  if value == nil then
    lines[#lines + 1] = "regio: Windows Registered I/O, live. The objects, and how to get one:"
    for _, o in ipairs(M.objects) do
      lines[#lines + 1] = string.format("  %-7s %s", o.name, o.what)
      lines[#lines + 1] = string.format("  %-7s   %s", "", o.get)
    end
    lines[#lines + 1] = "help(obj) or help(\"cq\") lists what an object can do, one line each;"
    lines[#lines + 1] = "help(cq.dequeue) shows one call with its types."
    lines[#lines + 1] = "Failures return nil, \"NAME: message\", \"NAME\"; misuse raises."
    return table.concat(lines, "\n")
  end
  if type(value) == "function" then
    local e = entry_of_function(value)
    if not e then return "no help for this function" end
    return M.usage(e) .. "\n  " .. e.description
  end
  local object = object_of(value)
  if not object then
    return "no help for a " .. type(value) .. "; try help() for the list of objects"
  end
  local o = M.object(object)
  lines[#lines + 1] = string.format("%s: %s", o.name, o.what)
  lines[#lines + 1] = "  e.g. " .. o.get
  for _, e in ipairs(M.of(object)) do
    local u = M.usage(e, true)
    if #u > COLUMN then
      lines[#lines + 1] = "  " .. u
      lines[#lines + 1] = string.format("  %-" .. COLUMN .. "s  %s", "", e.description)
    else
      lines[#lines + 1] = string.format("  %-" .. COLUMN .. "s  %s", u, e.description)
    end
  end
  return table.concat(lines, "\n")
end

--- Prints help (see M.text).
function M.help(value)
  print(M.text(value))
end

return M
