-- wrk script of bench D (bench/load.mjs). Run with as many threads as connections (-tN -cN):
-- each thread then owns exactly one connection, so per-thread state is per-connection state.
--   wrk ... -s wrk.lua URL -- <mode> <tag> [<sessions file> [<threads>]]
-- mode: healthz | read (GET /api/session, alternately Cookie and Bearer, over all sessions)
--       | update (PUT /api/session, If-Match; thread i updates only session i: no conflicts)
--       | signin (POST /api/sessions, a new user per request)
--       | gateway (GET /gw/page?x=1 through a gateway, alternately Cookie and Bearer, over all sessions)
--       | origin (GET /gw/page?x=1 with no credentials: straight to the origin)
--       | rpc | fetch (GET /rpc or /fetch of bench/binding-caller, alternately Cookie and Bearer)
--       | none (GET /none of bench/binding-caller: no session asked)
--       | rotate (POST /api/session/rotate; thread i rotates only session i, following the new
--         token each answer's Set-Cookie carries)
--       | signout (DELETE /api/session over the sessions of the file, thread i taking every
--         <threads>-th from the i-th: each is deleted on first use, later uses sign out an
--         already deleted session, which answers 204 as well)
-- The sessions file has one "<token> <version>" per line. done() prints one line
-- "WRK_JSON {...}": requests, duration, bytes, socket errors, latency percentiles (µs) and
-- the count of every HTTP status seen.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

counts = {}
local mode, tag, tokens, version, n, step = nil, nil, {}, 0, 0, 1

function init(args)
  mode, tag = args[1], tonumber(args[2] or "0")
  if args[3] then
    local versions = {}
    for line in io.lines(args[3]) do
      local t, v = line:match("^(%S+)%s+(%d+)$")
      if t then tokens[#tokens + 1] = t; versions[#versions + 1] = tonumber(v) end
    end
    if mode == "update" or mode == "rotate" then
      assert(tokens[tid], mode .. " needs one session per thread")
      tokens, version = { tokens[tid] }, versions[tid]
    end
  end
  step = tonumber(args[4] or "1")
  n = tid -- readers start at different sessions
end

local JSON = { ["Content-Type"] = "application/json" }

function request()
  n = n + 1
  if mode == "read" then
    local t = tokens[n % #tokens + 1]
    if n % 2 == 0 then
      return wrk.format("GET", "/api/session", { ["Cookie"] = "__Host-session=" .. t })
    end
    return wrk.format("GET", "/api/session", { ["Authorization"] = "Bearer " .. t })
  elseif mode == "update" then
    return wrk.format("PUT", "/api/session", {
      ["Authorization"] = "Bearer " .. tokens[1],
      ["Content-Type"] = "application/json",
      ["If-Match"] = '"' .. version .. '"',
    }, string.format('{"data":{"theme":"light","n":"%09d"}}', n))
  elseif mode == "rotate" then
    return wrk.format("POST", "/api/session/rotate", { ["Authorization"] = "Bearer " .. tokens[1] })
  elseif mode == "signout" then
    local t = tokens[((n - 1) * step + tid - 1) % #tokens + 1]
    return wrk.format("DELETE", "/api/session", { ["Authorization"] = "Bearer " .. t })
  elseif mode == "gateway" then
    local t = tokens[n % #tokens + 1]
    if n % 2 == 0 then
      return wrk.format("GET", "/gw/page?x=1", { ["Cookie"] = "theme=dark; __Host-session=" .. t })
    end
    return wrk.format("GET", "/gw/page?x=1", { ["Authorization"] = "Bearer " .. t })
  elseif mode == "rpc" or mode == "fetch" then
    -- bench/binding.mjs: the calling Worker asks the session worker by RPC or by fetch.
    local t = tokens[n % #tokens + 1]
    if n % 2 == 0 then
      return wrk.format("GET", "/" .. mode, { ["Cookie"] = "__Host-session=" .. t })
    end
    return wrk.format("GET", "/" .. mode, { ["Authorization"] = "Bearer " .. t })
  elseif mode == "none" then
    return wrk.format("GET", "/none")
  elseif mode == "origin" then
    return wrk.format("GET", "/gw/page?x=1", { ["Cookie"] = "theme=dark" })
  elseif mode == "signin" then
    return wrk.format("POST", "/api/sessions", JSON,
      string.format('{"user":"load-%02d-%02d-%09d","device":"wrk","data":{"theme":"dark"}}', tag, tid, n))
  end
  return wrk.format("GET", "/healthz")
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if mode == "rotate" and status == 200 then
    local c = headers["set-cookie"] or headers["Set-Cookie"] or ""
    tokens[1] = c:match("__Host%-session=([^;]+)") or tokens[1]
  end
  if mode == "update" then
    if status == 200 then
      local etag = headers["etag"] or headers["ETag"] or headers["Etag"]
      version = etag and tonumber(etag:match("%d+")) or version + 1
    elseif status == 412 then
      -- resynchronise (counted as an error: none is expected)
      version = tonumber(body:match('"current_version":(%d+)')) or version
    end
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for s, c in pairs(t:get("counts") or {}) do total[s] = (total[s] or 0) + c end
  end
  local st = {}
  for s, c in pairs(total) do st[#st + 1] = string.format('"%d":%d', s, c) end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    table.concat(st, ",")))
end
