#!/usr/bin/env bash
# Audit-log benchmark (issue 5): sustained durable adds per second and p50/p99 add latency with
# 64 concurrent writers on loopback. wrk (Debian) drives the real mrv-auditlog server (release
# build, SQLite store, WAL, synchronous=FULL: each answered add is in an fsync'd checkpoint),
# 64 keep-alive connections, each sending a new entry as soon as its last one is answered.
# For reference, the same run measures the disk's one-commit-per-add rate: sqlite3 committing
# single-row transactions under the same pragmas (what a log without batching could reach).
# Usage: bash bench/auditlog.sh [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_ROUND="${1:-20}"
ROUNDS="${2:-3}"
OUT=bench/out-auditlog; rm -rf "$OUT"; mkdir -p "$OUT"
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
command -v sqlite3 >/dev/null || apt-get install -y -qq sqlite3 >/dev/null
cargo build --release -q -p mrv-auditlog
BIN=./target/release/mrv-auditlog

# Reference: single-row fsync'd commits.
python3 - "$OUT/ref.sql" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\n")
    f.write("CREATE TABLE e (idx INTEGER PRIMARY KEY, digest BLOB UNIQUE, data BLOB);\n")
    for i in range(3000):
        f.write(f"BEGIN; INSERT INTO e VALUES ({i}, randomblob(32), randomblob(120)); COMMIT;\n")
PY
START=$(date +%s.%N); sqlite3 "$OUT/ref.db" < "$OUT/ref.sql" > /dev/null; END=$(date +%s.%N)
echo "reference $(python3 -c "print(f'{3000/($END-$START):.0f}')")" > "$OUT/ref.txt"

for round in $(seq "$ROUNDS"); do
  D="$OUT/round$round"; mkdir -p "$D"
  TOKEN=$($BIN token add bench --token-file "$D/tokens")
  $BIN serve --listen 127.0.0.1:0 --store "$D/log.db" --key "$D/log.key" \
    --origin bench.test/log --token-file "$D/tokens" > "$D/server.out" 2> "$D/server.err" &
  PID=$!
  for _ in $(seq 100); do grep -q http:// "$D/server.out" 2>/dev/null && break; sleep 0.05; done
  URL=$(grep -o 'http://[0-9.:]*' "$D/server.out")
  TOKEN="$TOKEN" wrk -t2 -c64 -d"${SECONDS_PER_ROUND}s" --timeout 10s -s bench/auditlog_add.lua "$URL" > "$D/wrk.txt"
  SIZE=$(curl -s "$URL/checkpoint" | sed -n 2p)
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
  echo "$(grep RESULT "$D/wrk.txt") size=$SIZE" >> "$OUT/rounds.txt"
done
python3 - "$OUT" <<'PY'
import re, statistics, sys
out = sys.argv[1]
rows = [dict(kv.split("=") for kv in l.split()[1:]) for l in open(f"{out}/rounds.txt")]
ref = float(open(f"{out}/ref.txt").read().split()[1])
rates = []
for i, r in enumerate(rows, 1):
    n, dur = int(r["requests"]), int(r["duration_us"]) / 1e6
    errors = sum(int(r[k]) for k in ("errors_status", "errors_connect", "errors_timeout"))
    size = int(r["size"])
    rate = n / dur
    rates.append((rate, int(r["p50_us"]) / 1e3, int(r["p99_us"]) / 1e3))
    print(f"round {i}: {n:,} adds in {dur:.1f} s = {rate:,.0f} adds/s; p50 {int(r['p50_us'])/1e3:.2f} ms, p90 {int(r['p90_us'])/1e3:.2f} ms, p99 {int(r['p99_us'])/1e3:.2f} ms, max {int(r['max_us'])/1e3:.1f} ms; errors {errors}; log size after {size:,}")
    if errors or size < n:
        sys.exit(f"round {i}: {errors} errors, or the log holds fewer entries ({size}) than answered adds ({n})")
rate = statistics.median(x[0] for x in rates)
p50 = statistics.median(x[1] for x in rates)
p99 = statistics.median(x[2] for x in rates)
print(f"median: {rate:,.0f} durable adds/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms (target >= 10,000/s, p99 <= 100 ms)")
print(f"reference, same disk: sqlite3 single-row fsync'd commits {ref:,.0f}/s; batching gives {rate/ref:.1f}x that")
PY
