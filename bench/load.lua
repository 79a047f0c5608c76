-- wrk script of bench/load.py: picks request paths by weight, makes URLs unique on request, counts
-- what wrk itself does not (any answer other than 200, page-cache hits) and prints one result line.
--
--   wrk ... -s bench/load.lua URL -- PATHS_FILE vary:<tag>|same [HIT_HEADER]
--
-- PATHS_FILE has one "weight<TAB>path" line per path. With "vary:<tag>", every "{n}" in a path
-- becomes the tag and a number unique to this request, so a page cache can never answer it. HIT_HEADER (lower case) is
-- the response header whose value "hit" marks a page served from the cache.

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  paths, cumulative, total = {}, {}, 0
  for line in io.lines(args[1]) do
    local weight, path = line:match("^(%d+)\t(.+)$")
    if weight then
      total = total + tonumber(weight)
      table.insert(paths, path)
      table.insert(cumulative, total)
    end
  end
  -- args[2]: "vary:<tag>" (a tag new to every run) or "same"
  vary = args[2]:sub(1, 5) == "vary:"
  tag = vary and args[2]:sub(6) or ""
  hit_header = args[3] or "x-page-cache"
  counter, non200, hits = 0, 0, 0
  math.randomseed(os.time() * 100 + tid)
end

function request()
  local path = paths[1]
  if #paths > 1 then
    local r = math.random() * total
    for i, c in ipairs(cumulative) do
      if r < c then
        path = paths[i]
        break
      end
    end
  end
  if vary then
    counter = counter + 1
    path = (path:gsub("{n}", tag .. "x" .. tid .. "x" .. counter))
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
  for name, value in pairs(headers) do
    if name:lower() == hit_header and value:lower():find("hit", 1, true) then
      hits = hits + 1
      break
    end
  end
end

function done(summary, latency, requests)
  local total_non200, total_hits = 0, 0
  for _, thread in ipairs(threads) do
    total_non200 = total_non200 + thread:get("non200")
    total_hits = total_hits + thread:get("hits")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d, "non200": %d, "hits": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, total_non200, total_hits
  ))
end
