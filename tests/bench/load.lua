-- wrk script for tests/bench/run.py: one fixed request, counted and reported as one JSON line.
--
-- The request comes from the environment, so that one script serves every load:
--   BENCH_METHOD     GET or POST (default GET)
--   BENCH_BODY_FILE  a file whose bytes are the request body (optional)
--   BENCH_CTYPE      the Content-Type header (optional)
--   BENCH_COOKIE     the Cookie header (optional)
--   BENCH_EXPECT     plain text every 2xx response body must contain (optional), e.g. '"derived":'
--                    for an API assessment or '<title>Result for these answers' for a result page
-- done() prints "BENCH_RESULT {...}" with the throughput, latency percentiles in microseconds,
-- socket errors, the count of responses whose status is not 2xx (wrk's own "Non-2xx or 3xx"
-- count only covers statuses >= 400) and the count of 2xx responses without BENCH_EXPECT.

wrk.method = os.getenv("BENCH_METHOD") or "GET"

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

local ctype = os.getenv("BENCH_CTYPE")
if ctype and ctype ~= "" then
  wrk.headers["Content-Type"] = ctype
end

local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

local expected = os.getenv("BENCH_EXPECT") or ""

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  unexpected = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif expected ~= "" and not (body and string.find(body, expected, 1, true)) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local non, odd = 0, 0
  for _, thread in ipairs(threads) do
    non = non + thread:get("non2xx")
    odd = odd + thread:get("unexpected")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status_ge_400": %d, ' ..
    '"non_2xx": %d, "unexpected": %d, "mean_us": %.1f, "stdev_us": %.1f, "max_us": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status,
    non, odd, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
