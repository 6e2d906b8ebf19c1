#!/usr/bin/env bash
# `make bench-serve`: load test of `bachata1c serve` on the loopback only, bounded in time
# (BENCH_SECONDS, default 10) and connections (BENCH_CONNECTIONS, default 32), with durable
# writes as in production. Reports accepted webhooks/s and latency percentiles, then checks that
# every request answered 200 left exactly one file, byte for byte, and nothing else.
# Usage: bench/serve/run.sh path/to/bachata1c
set -euo pipefail
bin=${1:?usage: run.sh BINARY}
here=$(cd "$(dirname "$0")" && pwd)
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
target_rate=1000
target_p99_ms=50

if ! command -v wrk >/dev/null; then
  echo "bench-serve needs wrk (Debian package wrk): apt-get install wrk" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bachata1c-bench-serve.XXXXXX")
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cp "$here/../../fixtures/inbox/dialog-2026-11-26-sales.json" "$work/body.json"
export BENCH_PASSWORD="bench-$$-$RANDOM"
# serve refuses a missing inbox (a mistyped folder); init would make it, with files of its own.
mkdir -p "$work/exchange/inbox"
"$bin" serve --listen 127.0.0.1:0 --dir "$work/exchange" \
  --user bachata --password-env BENCH_PASSWORD 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/serve.log" && break
  sleep 0.1
done
address=$(sed -n 's#^bachata1c: listening on http://\([^/]*\)/.*#\1#p' "$work/serve.log")
[ -n "$address" ] || { cat "$work/serve.log" >&2; exit 1; }

export BENCH_BODY="$work/body.json"
export BENCH_AUTHORIZATION="Basic $(printf 'bachata:%s' "$BENCH_PASSWORD" | base64 -w0)"
echo "bench-serve: ${seconds}s, $connections connections, 2 wrk threads, $(stat -c %s "$BENCH_BODY")-byte body, fsync on, loopback $address"
wrk -t2 -c"$connections" -d"${seconds}s" -s "$here/post.lua" "http://$address/webhook" | tee "$work/wrk.txt"

kill -TERM "$server"  # bash builtin
wait "$server" || { echo "serve exited with an error" >&2; exit 1; }
server=

# Every 200 the server logged is one file in the inbox, identical to the body; nothing else.
logged=$(grep -c ' POST /webhook 200 ' "$work/serve.log" || true)
files=$(find "$work/exchange/inbox" -type f | wc -l)
others=$(find "$work/exchange" -type f ! -path "$work/exchange/inbox/webhook-*.json" | wc -l)
wrk_ok=$(sed -n 's/^accepted (200) *//p' "$work/wrk.txt")
different=0
for f in "$work"/exchange/inbox/*; do cmp -s "$f" "$BENCH_BODY" || different=$((different + 1)); done
echo "files in inbox   $files (server answered 200: $logged; wrk saw $wrk_ok before it stopped)"
status=0
if [ "$files" -ne "$logged" ] || [ "$others" -ne 0 ] || [ "$different" -ne 0 ] \
  || [ "$wrk_ok" -gt "$files" ] || [ "$files" -gt $((wrk_ok + connections)) ]; then
  echo "FAIL: not exactly one file per accepted request ($others other files, $different differ)"
  status=1
else
  echo "ok: exactly one file per accepted request"
fi

rate=$(sed -n 's/^accepted\/s *//p' "$work/wrk.txt")
p99=$(sed -n 's/^latency p99  *\([0-9.]*\) ms/\1/p' "$work/wrk.txt")
if awk -v r="$rate" -v p="$p99" -v tr="$target_rate" -v tp="$target_p99_ms" 'BEGIN { exit !(r >= tr && p < tp) }'; then
  echo "target met: $rate accepted/s >= $target_rate, p99 $p99 ms < $target_p99_ms ms"
else
  echo "target missed: $rate accepted/s (target >= $target_rate), p99 $p99 ms (target < $target_p99_ms ms)"
fi
exit $status
