-- wrk script for `make bench-serve`: POSTs a realistic webhook with Basic Authentication and
-- counts the answers by status, so the run can check that every 200 left exactly one file.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")
local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = file:read("*a")
file:close()

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  other = 0
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local accepted, refused = 0, 0
  for _, thread in ipairs(threads) do
    accepted = accepted + thread:get("ok")
    refused = refused + thread:get("other")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("accepted (200)   %d\n", accepted))
  io.write(string.format("other answers    %d\n", refused))
  io.write(string.format("socket errors    connect %d, read %d, write %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("accepted/s       %.0f\n", accepted / seconds))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%-5s   %.2f ms\n", tostring(p), latency:percentile(p) / 1000))
  end
  io.write(string.format("latency max      %.2f ms\n", latency.max / 1000))
end
