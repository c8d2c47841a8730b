-- regio.trace: rendering a lab's trace (lab:trace_events()) as text.
--
--   local trace = require "regio.trace"
--   lab:trace(true)  ...  print(trace.text(lab:trace_events()))
--
-- text(events) renders one line per event with a fixed format, so that two runs of the same
-- script with the same seed on the sim engine give byte-identical texts (that is what the
-- determinism spec compares). A line reads:
--
--      12.500000 complete   sock=3 cq=1 dir=receive status=0 bytes=100 flags=0x4 queued=1/8 ctx=7
--      12.500000 net        sock=4 bytes=1 note="segment arrived"
--
-- The time is in milliseconds with six decimals (nanosecond resolution). Fields that do not
-- apply to an event (no socket, no CQ, no direction, no note) are left out; the others always
-- appear in the order shown.

local M = {}

-- Renders a status: 0 or an error name.
local function status_text(status)
  if status == nil then return "-" end
  return tostring(status)
end

--- Returns one line of text for one event table (without a newline).
function M.line(ev)
  local parts = { string.format("%14.6f %-10s", ev.t or 0, tostring(ev.kind)) }
  local function add(fmt, ...)
    parts[#parts + 1] = string.format(fmt, ...)
  end
  if ev.sock and ev.sock ~= 0 then add("sock=%d", ev.sock) end
  if ev.cq and ev.cq ~= 0 then add("cq=%d", ev.cq) end
  if ev.dir then add("dir=%s", ev.dir) end
  if ev.kind ~= "net" then add("status=%s", status_text(ev.status)) end
  add("bytes=%d", ev.bytes or 0)
  if ev.kind ~= "net" then
    add("flags=0x%x", ev.flags or 0)
    if ev.cq and ev.cq ~= 0 then add("queued=%d/%d", ev.queued or 0, ev.size or 0) end
    if ev.ctx and ev.ctx ~= 0 then add("ctx=%d", ev.ctx) end
  end
  if ev.note then add("note=%q", ev.note) end
  return table.concat(parts, " ")
end

--- Returns the text of an array of events: one line per event, each ending with a newline.
function M.text(events)
  local lines = {}
  for i, ev in ipairs(events) do
    lines[i] = M.line(ev)
  end
  if #lines == 0 then return "" end
  return table.concat(lines, "\n") .. "\n"
end

-- {========================================================================================
-- Pictures: a terminal timeline and an SVG chart of the same events. Both lay events out in
-- lanes, one per socket (and one per CQ for the calls that name no socket), in the order they
-- were recorded; the CQ occupancy is drawn against the CQ's size.
-- =========================================================================================

-- The flag letters shown next to a submission: W waitall, D defer, N dont_notify.
local function flag_letters(flags)
  flags = flags or 0
  local s = ""
  if flags & 4 ~= 0 then s = s .. "W" end
  if flags & 2 ~= 0 then s = s .. "D" end
  if flags & 1 ~= 0 then s = s .. "N" end
  return s
end

-- "R" for a receive, "S" for a send, "" for neither.
local function dir_letter(ev)
  if ev.dir == "receive" then return "R" end
  if ev.dir == "send" then return "S" end
  return ""
end

-- Whether a status means success.
local function ok_status(status)
  return status == nil or status == 0
end

--- Returns a short label of one event, as the pictures print it ("R> 4 W", "<R 4 ok").
function M.label(ev)
  local k = ev.kind
  local st = ok_status(ev.status) and "ok" or tostring(ev.status)
  if k == "submit" then
    local f = flag_letters(ev.flags)
    return string.format("%s> %d%s", dir_letter(ev), ev.bytes or 0, f ~= "" and " " .. f or "")
  elseif k == "complete" then
    return string.format("<%s %d %s", dir_letter(ev), ev.bytes or 0, st)
  elseif k == "refuse" then
    return string.format("x%s %s", dir_letter(ev), st)
  elseif k == "commit" then
    return string.format("commit %s (%d)", dir_letter(ev), ev.bytes or 0)
  elseif k == "dequeue" then
    return string.format("dequeue %d", ev.bytes or 0)
  elseif k == "notify" then
    return ok_status(ev.status) and "notify" or ("notify " .. st)
  elseif k == "fire" then
    return "FIRE"
  elseif k == "drop" then
    return string.format("drop %s", dir_letter(ev))
  elseif k == "sock_open" then
    return "open"
  elseif k == "sock_close" then
    return (ev.status == 1) and "abort" or "close"
  elseif k == "cq_create" then
    return string.format("cq size %d", ev.size or ev.bytes or 0)
  elseif k == "cq_resize" then
    return string.format("resize %d %s", ev.bytes or 0, st)
  elseif k == "cq_close" then
    return "cq close"
  elseif k == "rq_create" or k == "rq_resize" then
    local word = k == "rq_create" and "rq" or "rq resize"
    return string.format("%s %d/%d%s", word, ev.bytes or 0, ev.flags or 0,
      ok_status(ev.status) and "" or (" " .. st))
  elseif k == "net" then
    return "~ " .. tostring(ev.note or "net")
  end
  return tostring(k)
end

-- Works out the lanes of a list of events: sockets in order of appearance, then one lane per CQ
-- for the events without a socket. Returns the lane list ({key=, title=}) and a function
-- event -> lane index.
local function lanes_of(events)
  local lanes, index = {}, {}
  local function lane_key(ev)
    if ev.sock and ev.sock ~= 0 then return "s" .. ev.sock end
    if ev.cq and ev.cq ~= 0 then return "c" .. ev.cq end
    return "lab"
  end
  local function add(key, title)
    if not index[key] then
      lanes[#lanes + 1] = { key = key, title = title }
      index[key] = #lanes
    end
  end
  for _, ev in ipairs(events) do
    local key = lane_key(ev)
    if key:sub(1, 1) == "s" then add(key, "sock " .. ev.sock) end
  end
  for _, ev in ipairs(events) do
    local key = lane_key(ev)
    if key:sub(1, 1) == "c" then add(key, "cq " .. ev.cq) end
    if key == "lab" then add(key, "lab") end
  end
  return lanes, function(ev) return index[lane_key(ev)] end
end

-- Cuts or pads s to exactly n columns.
local function fit(s, n)
  if #s > n then return s:sub(1, n - 1) .. "~" end
  return s .. string.rep(" ", n - #s)
end

--- Returns a text timeline for a terminal: one row per event with its time from the first
--- event, one column per lane (the event's label in its lane, "." elsewhere) and the occupancy
--- of the event's CQ as a bar.
--- opts.width (default 100) bounds the row; opts.net == false leaves engine events out.
function M.timeline(events, opts)
  opts = opts or {}
  local shown = {}
  for _, ev in ipairs(events) do
    if not (opts.net == false and ev.kind == "net") then shown[#shown + 1] = ev end
  end
  local lanes, lane_of = lanes_of(shown)
  local bar = 10
  local width = opts.width or 100
  local lane_width = math.max(8, (width - 10 - (bar + 10)) // math.max(#lanes, 1))
  local t0 = shown[1] and shown[1].t or 0
  local head = { fit("time ms", 10) }
  for i, lane in ipairs(lanes) do head[i + 1] = fit(lane.title, lane_width) end
  head[#head + 1] = "cq occupancy"
  local lines = { table.concat(head) }
  for _, ev in ipairs(shown) do
    local row = { fit(string.format("%9.3f", (ev.t or t0) - t0), 10) }
    local lane = lane_of(ev)
    for i = 1, #lanes do
      row[i + 1] = fit(i == lane and M.label(ev) or ".", lane_width)
    end
    if ev.cq and ev.cq ~= 0 and (ev.size or 0) > 0 then
      local queued = ev.queued or 0
      local filled = math.min(bar, math.floor(queued * bar / ev.size + 0.5))
      if queued > 0 and filled == 0 then filled = 1 end
      row[#row + 1] = string.format("cq%d [%s%s] %d/%d", ev.cq, string.rep("#", filled),
        string.rep(".", bar - filled), ev.queued or 0, ev.size)
    end
    lines[#lines + 1] = (table.concat(row):gsub("%s+$", ""))
  end
  return table.concat(lines, "\n") .. "\n"
end

-- Escapes text for SVG/XML.
local function xml(s)
  return (tostring(s):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
    ['"'] = "&quot;" }))
end

-- Colours by meaning.
local COLOUR = { receive = "#2b6cb0", send = "#2f855a", error = "#c53030", notify = "#dd6b20",
  call = "#553c9a", net = "#a0aec0", grid = "#e2e8f0", text = "#1a202c", muted = "#718096" }

-- Appends the SVG marker of one event at (x, y) to out.
local function marker(out, ev, x, y)
  local k = ev.kind
  local colour = ev.dir == "send" and COLOUR.send or COLOUR.receive
  local tip = "<title>" .. xml(M.line(ev)) .. "</title>"
  if k == "submit" then
    out[#out + 1] = string.format(
      '<path d="M%.1f %.1f l7 5 l-7 5 z" fill="%s">%s</path>', x - 3, y - 5, colour, tip)
  elseif k == "complete" then
    local fill = ok_status(ev.status) and colour or COLOUR.error
    out[#out + 1] = string.format('<circle cx="%.1f" cy="%.1f" r="5" fill="%s">%s</circle>',
      x, y, fill, tip)
  elseif k == "refuse" or k == "drop" then
    out[#out + 1] = string.format('<path d="M%.1f %.1f l8 8 m0 -8 l-8 8" stroke="%s" '
      .. 'stroke-width="2.5">%s</path>', x - 4, y - 4, COLOUR.error, tip)
  elseif k == "commit" then
    out[#out + 1] = string.format('<path d="M%.1f %.1f l6 6 l-6 6 l-6 -6 z" fill="%s">%s</path>',
      x, y - 6, COLOUR.call, tip)
  elseif k == "notify" or k == "fire" then
    local fill = k == "fire" and COLOUR.notify or "white"
    local stroke = ok_status(ev.status) and COLOUR.notify or COLOUR.error
    out[#out + 1] = string.format('<path d="M%.1f %.1f l5 9 l-10 0 z" fill="%s" stroke="%s" '
      .. 'stroke-width="1.5">%s</path>', x, y - 5, fill, stroke, tip)
  elseif k == "dequeue" then
    out[#out + 1] = string.format('<path d="M%.1f %.1f l10 0 l-5 8 z" fill="%s">%s</path>',
      x - 5, y - 4, COLOUR.muted, tip)
  elseif k == "net" then
    out[#out + 1] = string.format('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
      .. 'stroke-width="2">%s</line>', x, y + 3, x, y + 10, COLOUR.net, tip)
  else
    local fill = ok_status(ev.status) and COLOUR.call or COLOUR.error
    out[#out + 1] = string.format('<rect x="%.1f" y="%.1f" width="8" height="8" fill="%s">%s'
      .. '</rect>', x - 4, y - 4, fill, tip)
  end
end

-- Renders one lab's events as SVG elements placed from y0 down. Returns the elements, the
-- height used and the width needed.
local function svg_section(events, y0, opts)
  local out = {}
  local lanes, lane_of = lanes_of(events)
  local left, lane_h, occ_h = 90, 26, 64
  local n = math.max(#events, 1)
  local step = math.max(3, math.min(22, ((opts.width or 1100) - left - 20) / n))
  local width = left + step * n + 30
  local x_of = function(i) return left + step * (i - 0.5) end
  local top = y0 + (opts.marks and #opts.marks > 0 and 44 or 18)

  -- Time labels: the time of an event (from the first one) wherever it moved, spaced at least
  -- 70 px apart.
  local t0 = events[1] and events[1].t or 0
  local last_x, last_t = -1e9, nil
  for i, ev in ipairs(events) do
    local x = x_of(i)
    if ev.t ~= last_t and x - last_x >= 70 then
      out[#out + 1] = string.format('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>',
        x, top - 4, x, top + lane_h * #lanes, COLOUR.grid)
      out[#out + 1] = string.format('<text x="%.1f" y="%.1f" font-size="10" fill="%s" '
        .. 'text-anchor="middle">%s ms</text>', x, top - 7, COLOUR.muted,
        string.format("%.3g", (ev.t or t0) - t0))
      last_x, last_t = x, ev.t
    end
  end
  -- Lanes.
  for i, lane in ipairs(lanes) do
    local y = top + lane_h * (i - 0.5)
    out[#out + 1] = string.format('<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>',
      left, y, width - 20, y, COLOUR.grid)
    out[#out + 1] = string.format('<text x="8" y="%.1f" font-size="12" fill="%s">%s</text>',
      y + 4, COLOUR.text, xml(lane.title))
  end
  -- Marks: where each part of the story starts (regio.scenario's steps).
  local marks = opts.marks or {}
  for j, mark in ipairs(marks) do
    local x = left + step * (mark.at or 0)
    local next_x = marks[j + 1] and (left + step * (marks[j + 1].at or 0)) or (width - 20)
    local room = math.max(0, math.floor((next_x - x - 6) / 5.5))
    local title = tostring(mark.title)
    if #title > room then title = room > 3 and (title:sub(1, room - 1) .. "~") or "" end
    out[#out + 1] = string.format('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
      .. 'stroke-dasharray="2 2"/>', x, top - 30, x, top + lane_h * #lanes, COLOUR.call)
    out[#out + 1] = string.format('<text x="%.1f" y="%.1f" font-size="10" fill="%s"><title>%s'
      .. '</title>%s</text>', x + 3, top - 21, COLOUR.call, xml(mark.title), xml(title))
  end
  -- Request lifetimes: a bar from each submission to its completion (same socket, direction
  -- and context).
  local open = {}
  for i, ev in ipairs(events) do
    local key = tostring(ev.sock) .. "/" .. tostring(ev.dir) .. "/" .. tostring(ev.ctx)
    if ev.kind == "submit" then
      open[key] = open[key] or {}
      table.insert(open[key], i)
    elseif (ev.kind == "complete" or ev.kind == "drop") and open[key] and #open[key] > 0 then
      local from = table.remove(open[key], 1)
      local y = top + lane_h * (lane_of(ev) - 0.5)
      out[#out + 1] = string.format('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
        .. 'stroke-width="4" stroke-opacity="0.25"/>', x_of(from), y, x_of(i), y,
        ev.dir == "send" and COLOUR.send or COLOUR.receive)
    end
  end
  -- Markers, with a byte count under completions where there is room.
  for i, ev in ipairs(events) do
    local y = top + lane_h * (lane_of(ev) - 0.5)
    marker(out, ev, x_of(i), y)
    if (ev.kind == "complete" or ev.kind == "refuse") and step >= 14 then
      out[#out + 1] = string.format('<text x="%.1f" y="%.1f" font-size="8" fill="%s" '
        .. 'text-anchor="middle">%s</text>', x_of(i), y + (i % 2 == 0 and 14 or 22), COLOUR.muted,
        xml(ev.kind == "refuse" and tostring(ev.status) or tostring(ev.bytes)))
    end
  end
  -- CQ occupancy: queued results (filled steps) against the size (dashed), one panel per CQ.
  local cqs, cq_order = {}, {}
  for i, ev in ipairs(events) do
    if ev.cq and ev.cq ~= 0 and (ev.size or 0) > 0 then
      if not cqs[ev.cq] then cqs[ev.cq] = {}; cq_order[#cq_order + 1] = ev.cq end
      table.insert(cqs[ev.cq], { i = i, queued = ev.queued or 0, size = ev.size })
    end
  end
  local y = top + lane_h * #lanes + 14
  for _, id in ipairs(cq_order) do
    local points = cqs[id]
    local max = 1
    for _, p in ipairs(points) do max = math.max(max, p.size, p.queued) end
    local base = y + occ_h
    local function py(v) return base - (occ_h - 8) * v / max end
    out[#out + 1] = string.format('<text x="8" y="%.1f" font-size="12" fill="%s">cq %d</text>',
      y + occ_h / 2, COLOUR.text, id)
    out[#out + 1] = string.format('<text x="8" y="%.1f" font-size="9" fill="%s">queued / size'
      .. '</text>', y + occ_h / 2 + 12, COLOUR.muted)
    out[#out + 1] = string.format('<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>',
      left, base, width - 20, base, COLOUR.muted)
    local fill, size_line = {}, {}
    local function x_edge(i) return left + step * (i - 1) end
    fill[1] = string.format("M%.1f %.1f", x_edge(points[1].i), base)
    for j, p in ipairs(points) do
      local x1 = x_edge(p.i)
      local x2 = points[j + 1] and x_edge(points[j + 1].i) or (left + step * n)
      fill[#fill + 1] = string.format("L%.1f %.1f L%.1f %.1f", x1, py(p.queued), x2, py(p.queued))
      size_line[#size_line + 1] = string.format("%s%.1f %.1f L%.1f %.1f", j == 1 and "M" or "L",
        x1, py(p.size), x2, py(p.size))
    end
    fill[#fill + 1] = string.format("L%.1f %.1f Z", left + step * n, base)
    out[#out + 1] = string.format('<path d="%s" fill="%s" fill-opacity="0.35" stroke="%s"/>',
      table.concat(fill, " "), COLOUR.receive, COLOUR.receive)
    out[#out + 1] = string.format('<path d="%s" fill="none" stroke="%s" stroke-dasharray="5 3"/>',
      table.concat(size_line, " "), COLOUR.error)
    out[#out + 1] = string.format('<text x="%d" y="%.1f" font-size="9" fill="%s">size %d</text>',
      left + 2, py(points[1].size) - 3, COLOUR.error, points[1].size)
    y = base + 16
  end
  return out, y - y0, width
end

-- The legend, as SVG elements at y.
local function legend(y)
  local out = {}
  local items = {
    { { kind = "submit", dir = "receive" }, "receive posted" },
    { { kind = "submit", dir = "send" }, "send posted" },
    { { kind = "complete", dir = "receive", status = 0 }, "completion" },
    { { kind = "complete", status = "ECANCELED" }, "failed completion" },
    { { kind = "refuse", status = "ENOBUFS" }, "refused call" },
    { { kind = "commit" }, "commit" },
    { { kind = "notify", status = 0 }, "notify" },
    { { kind = "fire" }, "fired" },
    { { kind = "dequeue" }, "dequeue" },
    { { kind = "net" }, "bytes on the wire" },
    { { kind = "cq_create", status = 0 }, "queue/socket call" },
  }
  local x = 14
  for _, item in ipairs(items) do
    marker(out, item[1], x, y)
    out[#out + 1] = string.format('<text x="%.1f" y="%.1f" font-size="10" fill="%s">%s</text>',
      x + 9, y + 4, COLOUR.text, item[2])
    x = x + 24 + 6.5 * #item[2]
  end
  return out, x
end

-- Wraps sections into one SVG document.
local function document(title, subtitle, sections)
  local body, y, width = {}, 62, 600
  for _, s in ipairs(sections) do
    if s.label then
      body[#body + 1] = string.format('<text x="8" y="%d" font-size="13" font-weight="bold" '
        .. 'fill="%s">%s</text>', y + 4, COLOUR.muted, xml(s.label))
      y = y + 14
    end
    local parts, height, w = svg_section(s.events, y, s.opts)
    for _, p in ipairs(parts) do body[#body + 1] = p end
    y = y + height + 16
    width = math.max(width, w)
  end
  local legend_parts, legend_width = legend(y + 4)
  width = math.max(width, legend_width)
  local height = y + 22
  local head = {
    string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
      .. 'viewBox="0 0 %d %d" font-family="DejaVu Sans, Verdana, sans-serif">',
      math.ceil(width), height, math.ceil(width), height),
    string.format('<rect width="100%%" height="100%%" fill="white"/>'),
    string.format('<text x="8" y="22" font-size="16" font-weight="bold" fill="%s">%s</text>',
      COLOUR.text, xml(title)),
    string.format('<text x="8" y="40" font-size="11" fill="%s">%s</text>', COLOUR.muted,
      xml(subtitle)),
  }
  for _, p in ipairs(body) do head[#head + 1] = p end
  for _, p in ipairs(legend_parts) do head[#head + 1] = p end
  head[#head + 1] = "</svg>"
  return table.concat(head, "\n") .. "\n"
end

--- Returns an SVG picture of one lab's events: a lane per socket with every submission,
--- completion and call in recorded order (time labels above), a bar for each request's
--- lifetime, and each CQ's occupancy against its size. opts.title, opts.subtitle, opts.width.
function M.svg(events, opts)
  opts = opts or {}
  return document(opts.title or "regio trace", opts.subtitle
    or string.format("%d events, in recorded order", #events), { { events = events, opts = opts } })
end

--- Returns one SVG of a scenario's trace file (what regio.scenario writes to REGIO_TRACE_FILE:
--- { name=, story=, labs = { {label=, events=}, ... } }), the labs stacked.
function M.svg_story(data, opts)
  opts = opts or {}
  local sections = {}
  for _, lab in ipairs(data.labs or {}) do
    local section_opts = setmetatable({ marks = lab.marks }, { __index = opts })
    sections[#sections + 1] = { label = lab.label, events = lab.events, opts = section_opts }
  end
  return document(opts.title or data.name or "regio trace", data.story or "", sections)
end

-- }========================================================================================

return M
