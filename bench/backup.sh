#!/usr/bin/env bash
# Backup and restore-drill benchmark (SOP-007), all in one run on the same workspace:
#  - a workspace of about 1 GB: a 1,000,000-row batch (imported and enriched) plus a
#    Sentinel-2-sized raster layer (10980 x 10980 Float32, tiled) and a second copy of it
#    as another layer's evidence (bench/make_tile.py);
#  - ours: `mrv backup run` (first run: database via VACUUM INTO + every stored file hashed
#    on the way), a second `backup run` (incremental: the files are already on the target),
#    and `mrv backup drill` (restore into a temp folder, integrity_check, journal and state
#    re-verification, every stamp's sources and receipts);
#  - peers: `sqlite3 workspace.sqlite ".backup copy.sqlite"` (the database alone, online
#    backup API) and `cp -r` of the whole workspace folder (no consistency, no checks).
# Each figure is the median of ROUNDS runs, page cache warm (every input read before timing).
# Usage: bash bench/backup.sh [ROWS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
ROUNDS="${2:-3}"
OUT=bench/out-backup; mkdir -p "$OUT"
PY=/usr/bin/python3   # Debian's python3 with python3-gdal
if ! $PY -c "import numpy, osgeo" 2>/dev/null || ! command -v /usr/bin/time >/dev/null \
  || ! command -v sqlite3 >/dev/null; then
  apt-get install -y -qq python3-gdal python3-numpy time sqlite3 >/dev/null
fi
cargo build --release -q -p mrv-cli --bins
MRV=./target/release/mrv
if [ ! -s "$OUT/tile.tif" ] || [ "$(wc -l < "$OUT/points.txt" 2>/dev/null)" != "$N" ]; then
  $PY bench/make_tile.py "$N" "$OUT/tile.tif" "$OUT/plots.csv" "$OUT/points.txt"
fi
# The second layer is the same raster with 512 x 512 tiles, so it
# is a different stored file (content-addressed) of the same size.
if [ ! -s "$OUT/tile2.tif" ]; then
  gdal_translate -q -co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=512 "$OUT/tile.tif" "$OUT/tile2.tif"
fi

export MRV_PASSWORD=bench-password MRV_NEW_PASSWORD=bench-password
WS="$OUT/ws"
if [ ! -s "$OUT/ws.ready" ] || [ "$(cat "$OUT/ws.ready")" != "$N" ]; then
  rm -rf "$WS" "$OUT/ws.ready"
  $MRV -w "$WS" init >/dev/null
  $MRV -w "$WS" user add bench --role tenant_admin --role analyst --role ops_admin >/dev/null
  cat > "$OUT/boundary.geojson" <<'JSON'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-48.1,-25.0],[-46.9,-25.0],[-46.9,-23.95],[-48.1,-23.95],[-48.1,-25.0]]]}}]}
JSON
  $MRV -w "$WS" --as bench project add --name Bench --methodology arr-tree-plots \
    --boundary "$OUT/boundary.geojson" --baseline 2020-12-31 >/dev/null
  $MRV -w "$WS" --as bench layer add "$OUT/tile.tif" --project 1 --kind ndvi --name ndvi >/dev/null
  $MRV -w "$WS" --as bench layer add "$OUT/tile2.tif" --project 1 --kind canopy_height --name canopy >/dev/null
  $MRV -w "$WS" --as bench import "$OUT/plots.csv" --project 1 --period 2025-01-01..2025-12-31 >/dev/null
  echo "$N" > "$OUT/ws.ready"
fi
DB="$WS/workspace.sqlite"
[ -s "$DB" ] || { echo "no database at $DB" >&2; exit 1; }
ws_bytes=$(du -sb "$WS" | cut -f1)
db_bytes=$(stat -c %s "$DB")
find "$WS" -type f -exec cat {} + > /dev/null

t() { /usr/bin/time -f "%e %M" -o "$OUT/$1.time" "${@:2}"; cat "$OUT/$1.time" >> "$OUT/$1.all"; }
rm -f "$OUT"/*.all
for round in $(seq "$ROUNDS"); do
  rm -rf "$OUT/target" "$OUT/peer.sqlite" "$OUT/peer-cp"
  mkdir -p "$OUT/target"
  $MRV -w "$WS" --as bench backup target set "$OUT/target" >/dev/null
  sync
  t full $MRV -w "$WS" --as bench --json backup run > "$OUT/full.json"
  sync
  t incr $MRV -w "$WS" --as bench --json backup run > "$OUT/incr.json"
  sync
  t drill $MRV -w "$WS" --as bench --json backup drill > "$OUT/drill.json"
  sync
  t sqlite sqlite3 "$DB" ".backup '$OUT/peer.sqlite'"
  sync
  t cp cp -r "$WS" "$OUT/peer-cp"
  sync
done

$PY - "$OUT" "$N" "$ws_bytes" "$db_bytes" <<'PY'
import json, statistics, sys
out, n, ws_bytes, db_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def runs(name):
    with open(f"{out}/{name}.all") as f:
        rows = [l.split() for l in f if l.strip()]
    return [float(r[0]) for r in rows], max(int(r[1]) for r in rows)

def med(name):
    return statistics.median(runs(name)[0])

def show(label, name):
    secs, kb = runs(name)
    print(f"{label:<48} median {statistics.median(secs):6.2f} s  runs "
          f"{' '.join(f'{s:.2f}' for s in secs)}  peak RSS {kb/1024:5.0f} MB")

drill = json.load(open(f"{out}/drill.json"))
ok = drill.get("ok", drill.get("passed"))
assert ok, f"the drill did not pass: {drill}"
print(f"workspace: {ws_bytes/1e9:.2f} GB ({db_bytes/1e9:.2f} GB database, {n:,}-row batch enriched "
      f"against two 10980 x 10980 Float32 layers)\n")
show("mrv backup run (first: database + every file)", "full")
show("mrv backup run (again: incremental)", "incr")
show("mrv backup drill (restore + every check)", "drill")
show("sqlite3 .backup (database only)", "sqlite")
show("cp -r (whole folder, unchecked)", "cp")
f, i, d, s, c = med("full"), med("incr"), med("drill"), med("sqlite"), med("cp")
print(f"\nfirst backup: {f/c:.2f}x cp -r, {f/s:.2f}x sqlite3 .backup; "
      f"incremental: {i/s:.2f}x sqlite3 .backup; drill: {d/c:.2f}x cp -r")
print(f"drill passed: {ok}")
PY
