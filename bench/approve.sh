#!/usr/bin/env bash
# Approval and stamp-verification benchmark, end to end as processes (performance issue, item 3):
#  - ours: `mrv review approve` of an N-row batch (default 1,000,000): sign-in, the approval
#    rule, exact quantities, stamping (canonicalise every stored row, leaf hashes, RFC 6962
#    root), signing, storing and journaling, one transaction; and `mrv verify-stamp` of that
#    stamp against its source file (re-read the CSV, canonicalise, hash, compare, check the
#    signature and every rule of docs/stamp-spec.md) — no workspace needed;
#  - the peer: `openssl dgst -sha256` over exactly the batch's canonical leaf bytes
#    (examples/stamp_rows writes them), page cache warm.
# Each round approves a fresh copy of the same prepared workspace. Median of ROUNDS.
# Usage: bash bench/approve.sh [ROWS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
ROUNDS="${2:-3}"
OUT=bench/out-approve; mkdir -p "$OUT"
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
cargo build --release -q -p mrv-cli --bins
cargo build --release -q -p mrv-stamp --examples
MRV=./target/release/mrv
if [ ! -s "$OUT/plots.csv" ] || [ "$(($(wc -l < "$OUT/plots.csv") - 1))" != "$N" ]; then
  python3 bench/gen_plots.py "$N" "$OUT/plots.csv"
  rm -f "$OUT/ws.ready"
fi

export MRV_PASSWORD=bench-password MRV_NEW_PASSWORD=bench-password
if [ ! -s "$OUT/ws.ready" ]; then
  rm -rf "$OUT/ws"
  $MRV -w "$OUT/ws" init >/dev/null
  $MRV -w "$OUT/ws" user add bench --role tenant_admin --role analyst >/dev/null
  $MRV -w "$OUT/ws" --as bench user add vera --role verifier >/dev/null
  cat > "$OUT/boundary.geojson" <<'JSON'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-48.01,-25.01],[-46.99,-25.01],[-46.99,-23.99],[-48.01,-23.99],[-48.01,-25.01]]]}}]}
JSON
  $MRV -w "$OUT/ws" --as bench project add --name Bench --methodology arr-tree-plots \
    --boundary "$OUT/boundary.geojson" --baseline 2020-12-31 >/dev/null
  $MRV -w "$OUT/ws" --as bench import "$OUT/plots.csv" --project 1 --period 2025-01-01..2025-12-31 >/dev/null
  $MRV -w "$OUT/ws" --as vera review start 1 >/dev/null
  echo ready > "$OUT/ws.ready"
fi
./target/release/examples/stamp_rows "$OUT/plots.csv" "$OUT/canonical.bin" > /dev/null 2>&1

rm -f "$OUT"/*.all
t() { /usr/bin/time -f "%e %M" -o "$OUT/$1.time" "${@:2}"; cat "$OUT/$1.time" >> "$OUT/$1.all"; }
for round in $(seq "$ROUNDS"); do
  rm -rf "$OUT/round" "$OUT/stamp"
  cp -r "$OUT/ws" "$OUT/round"
  cat "$OUT/round/workspace.sqlite" "$OUT/plots.csv" "$OUT/canonical.bin" > /dev/null
  t approve $MRV -w "$OUT/round" --as vera --json review approve 1 > "$OUT/approve.json"
  $MRV -w "$OUT/round" --as vera stamp export 1 -o "$OUT/stamp" > /dev/null
  key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signer_key"])' "$OUT/approve.json")
  t verify $MRV --json verify-stamp "$OUT/stamp" --source "$OUT/plots.csv" --signer-key "$key" > "$OUT/verify.json"
  t openssl openssl dgst -sha256 "$OUT/canonical.bin" > /dev/null
done

python3 - "$OUT" "$N" <<'PY'
import json, os, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
def runs(name):
    rows = [l.split() for l in open(f"{out}/{name}.all") if l.strip()]
    return [float(r[0]) for r in rows], max(int(r[1]) for r in rows)
def show(label, name):
    secs, kb = runs(name)
    print(f"{label:<52} median {statistics.median(secs):6.2f} s  runs "
          f"{' '.join(f'{s:.2f}' for s in secs)}  peak RSS {kb/1024:5.0f} MB")
    return statistics.median(secs)
approve = json.load(open(f"{out}/approve.json"))
verify = json.load(open(f"{out}/verify.json"))
assert verify.get("ok", verify.get("valid")) in (True, None), verify
size = os.path.getsize(f"{out}/canonical.bin")
print(f"{n:,} rows, {size/1e6:.1f} MB of canonical leaf bytes; rows_root {approve['rows_root']}")
a = show("mrv review approve (sign-in, stamp, store, journal)", "approve")
v = show("mrv verify-stamp (re-read source, recompute, check)", "verify")
o = show("openssl dgst -sha256 over the canonical bytes", "openssl")
print(f"approve {a/o:.2f}x openssl, verify-stamp {v/o:.2f}x openssl (target <= 4x each)")
PY
