-- wrk script: POST /add with a new mrv-anchor/v1 entry each request (unique per thread and
-- counter), bearer token from the TOKEN environment variable.
local counter = 0
local threads = {}
local id = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  prefix = string.format("bench-%d-%d", tid, math.random(1, 1000000000))
  headers = { ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }
end

function request()
  counter = counter + 1
  local body = string.format("mrv-anchor/v1\nkind stamp\nid %s-%d\nsha256 %064x\n", prefix, counter, counter)
  return wrk.format("POST", "/add", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors_status=%d errors_connect=%d errors_timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
