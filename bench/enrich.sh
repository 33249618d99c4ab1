#!/usr/bin/env bash
# Enrichment and overlay benchmark (issue 3), all in one run on the same files:
#  - a Sentinel-2-sized raster (10980 x 10980 Float32, tiled 256 x 256, UTM 23S) and N points
#    (default 1,000,000) spread over it;
#  - ours: `mrv enrich` of an N-row batch with that layer (read rows, boundary/outlier/duplicate
#    checks, sample, per-point checks, store, commit) — once where no point raises a flag and once
#    on a second raster where about 15 % do (cloud gaps and bare patches), each beside
#    gdallocationinfo on the same raster — and the sampling alone
#    (mrv_geo::sample_points through examples/sample_file);
#  - peers: `gdallocationinfo -valonly -wgs84` fed the points on stdin, and Python GDAL/numpy
#    (read the band, transform with OSR, fancy-index) — bench/numpy_sample.py;
#  - the bare read of the band (every block once, examples/read_band) — the physical limit;
#  - overlay: `mrv overlay` of a 1024 x 1024 Web Mercator view of the whole tile (cache
#    cleared each time) against `gdalwarp -r near` producing the same view.
# Every value we sample is checked against gdallocationinfo's. Caches are warm (each input is
# read once before timing). Usage: bash bench/enrich.sh [POINTS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
ROUNDS="${2:-3}"
OUT=bench/out-enrich; mkdir -p "$OUT"
PY=/usr/bin/python3   # Debian's python3 with python3-gdal
if ! $PY -c "import numpy, osgeo" 2>/dev/null || ! command -v /usr/bin/time >/dev/null; then
  apt-get install -y -qq python3-gdal python3-numpy time >/dev/null
fi
cargo build --release -q -p mrv-cli -p mrv-geo --bins --examples
MRV=./target/release/mrv
if [ ! -s "$OUT/tile-flagged.tif" ] || [ "$(wc -l < "$OUT/points.txt" 2>/dev/null)" != "$N" ]; then
  $PY bench/make_tile.py "$N" "$OUT/tile.tif" "$OUT/plots.csv" "$OUT/points.txt" "$OUT/tile-flagged.tif"
fi
cat "$OUT/tile.tif" "$OUT/tile-flagged.tif" "$OUT/points.txt" > /dev/null

# Every data command acts as a signed-in user: `bench`, the workspace's first user (tenant admin,
# and analyst to add the project and layer, import and enrich). Each timed `mrv` run includes
# that sign-in (two Argon2id derivations). One workspace per raster: ws (no flag), ws-flagged.
export MRV_PASSWORD=bench-password MRV_NEW_PASSWORD=bench-password
cat > "$OUT/boundary.geojson" <<'JSON'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-48.1,-25.0],[-46.9,-25.0],[-46.9,-23.95],[-48.1,-23.95],[-48.1,-25.0]]]}}]}
JSON
for case in ws:tile.tif ws-flagged:tile-flagged.tif; do
  ws="$OUT/${case%%:*}"; raster="$OUT/${case#*:}"
  rm -rf "$ws"
  $MRV -w "$ws" init >/dev/null
  $MRV -w "$ws" user add bench --role tenant_admin --role analyst >/dev/null
  $MRV -w "$ws" --as bench project add --name Bench --methodology arr-tree-plots \
    --boundary "$OUT/boundary.geojson" --baseline 2020-12-31 >/dev/null
  $MRV -w "$ws" --as bench layer add "$raster" --project 1 --kind ndvi --name ndvi >/dev/null
  $MRV -w "$ws" --as bench import "$OUT/plots.csv" --project 1 --period 2025-01-01..2025-12-31 --no-enrich >/dev/null
done

# The view: the whole tile in EPSG:3857 (its corners are -5345215,-2750642 and -5226868,-2874005).
BBOX=-5350000,-2880000,-5220000,-2750000
t() { /usr/bin/time -f "%e %M" -o "$OUT/$1.time" "${@:2}"; cat "$OUT/$1.time" >> "$OUT/$1.all"; }
rm -f "$OUT"/*.all "$OUT"/*.inproc
for round in $(seq "$ROUNDS"); do
  t enrich $MRV -w "$OUT/ws" --as bench enrich 1 >/dev/null
  t enrich-flagged $MRV -w "$OUT/ws-flagged" --as bench enrich 1 >/dev/null
  t gdallocationinfo-flagged gdallocationinfo -valonly -wgs84 "$OUT/tile-flagged.tif" < "$OUT/points.txt" > /dev/null
  t sample ./target/release/examples/sample_file "$OUT/tile.tif" "$OUT/points.txt" > "$OUT/ours.out" 2>> "$OUT/sample.inproc"
  t gdallocationinfo gdallocationinfo -valonly -wgs84 "$OUT/tile.tif" < "$OUT/points.txt" > "$OUT/gli.out"
  t numpy $PY bench/numpy_sample.py "$OUT/tile.tif" "$OUT/points.txt" > "$OUT/numpy.out"
  t bare ./target/release/examples/read_band "$OUT/tile.tif" >> "$OUT/bare.inproc"
  rm -rf "$OUT/ws/cache"
  t overlay $MRV -w "$OUT/ws" --as bench overlay 1 --bbox="$BBOX" --size 1024x1024 -o "$OUT/overlay.png" --force >/dev/null
  t gdalwarp gdalwarp -q -overwrite -t_srs EPSG:3857 -te ${BBOX//,/ } -ts 1024 1024 -r near "$OUT/tile.tif" "$OUT/warp.tif"
done

$PY - "$OUT" "$N" <<'PY'
import sys, statistics
import numpy as np
out, n = sys.argv[1], int(sys.argv[2])

def lines(name):
    with open(f"{out}/{name}") as f:
        return f.read().split("\n")[:n]

ours, gli = lines("ours.out"), lines("gli.out")
assert len(ours) == len(gli) == n, (len(ours), len(gli))
mismatch = 0
for a, b in zip(ours, gli):
    if (a.strip() == "") != (b.strip() == ""):
        mismatch += 1
    elif a.strip() and np.float32(float(a)) != np.float32(float(b)):
        mismatch += 1
print(f"values: {n - mismatch:,} of {n:,} points equal to gdallocationinfo's (as Float32)")
assert mismatch == 0, f"{mismatch} points differ"

def runs(name):
    with open(f"{out}/{name}.all") as f:
        rows = [l.split() for l in f if l.strip()]
    return [float(r[0]) for r in rows], max(int(r[1]) for r in rows)

def med(name):
    return statistics.median(runs(name)[0])

def show(label, name):
    secs, kb = runs(name)
    print(f"{label:<44} median {statistics.median(secs):6.2f} s  runs {' '.join(f'{s:.2f}' for s in secs)}  peak RSS {kb/1024:6.0f} MB")

print(f"\n{n:,} points on a 10980 x 10980 Float32 tiled GeoTIFF (wall time, whole process)")
show("mrv enrich (full: read, check, sample, store)", "enrich")
show("mrv enrich, ~15 % of points flagged", "enrich-flagged")
show("sample_points alone (examples/sample_file)", "sample")
print(f"{'':<44} (includes parsing the points text and printing the values)")
show("gdallocationinfo -valonly -wgs84", "gdallocationinfo")
show("gdallocationinfo, the flagged raster", "gdallocationinfo-flagged")
show("Python GDAL/numpy (read band, OSR, index)", "numpy")
show("bare read of the band (every block once)", "bare")
e, s, g, p, b = med("enrich"), med("sample"), med("gdallocationinfo"), med("numpy"), med("bare")
ef, gf = med("enrich-flagged"), med("gdallocationinfo-flagged")
print(f"\nmrv enrich vs gdallocationinfo, no flag: {g/e:.2f}x faster (target >= 3x); sampling alone {g/s:.2f}x")
print(f"mrv enrich vs gdallocationinfo, ~15 % flagged: {gf/ef:.2f}x faster (target >= 3x)")
print(f"mrv enrich vs numpy:           {p/e:.2f}x faster (target >= 2x);   sampling alone {p/s:.2f}x")
def inproc(name):
    with open(f"{out}/{name}.inproc") as f:
        return statistics.median(float(l.split(": ")[1].split()[0]) for l in f if ": " in l)
si, bi = inproc("sample"), inproc("bare")
print(f"inside the process: sample_points {si:.3f} s, bare read of every block {bi:.3f} s "
      f"({si/bi:.1f}x; the rest is transforming {n:,} points with PROJ and grouping them by block)")
show("\nmrv overlay 1024x1024 (cache cleared)", "overlay")
show("gdalwarp -r near, same view", "gdalwarp")
o, w = med("overlay"), med("gdalwarp")
print(f"overlay: {o/w:.2f} of gdalwarp's time (target <= 0.5)")
PY
